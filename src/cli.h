/* What every command shares for talking to the user (cli.c): options as parsed, exit
 * codes, findings, output and --json. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "request.h"
#include "state.h"
#include "util.h"

enum {
	EXIT_OK = 0,
	EXIT_DIFFERS = 1,
	EXIT_INVALID = 2, /* usage error or invalid/unsafe input; nothing changed */
	EXIT_PRIVILEGE = 3,
	EXIT_FAILED = 4,      /* failed; previous configuration intact */
	EXIT_UNRECOVERED = 5, /* failed after a partial change recovery could not undo */
};

struct options {
	const char *root;
	struct plan_request req; /* --kernel, --memory, --force */
	bool json;
	bool dry_run;
	bool no_update;
	bool update;	      /* with --root: run the regeneration commands in a chroot */
	bool discard_journal; /* remove a journal that cannot be undone (change.c) */
	bool auto_apply;      /* apply --auto: for package scripts (cmd-apply.c) */
	bool strict;	      /* --strict: apply --auto fails as apply would */
	bool trial;	      /* apply --trial: a trial boot (cmd-trial.c) */
	bool quiet;
	bool verbose;
	const char *kernel_log; /* --kernel-log: a saved kernel log for status */
	int kernel_log_fd;	/* it, opened with the caller's rights (main()) */
	int kernel_log_errno;	/* why it could not be opened */
	long kernel_log_caller; /* whose rights: the sudo/pkexec caller's uid, or -1 */
	int kmsg_fd;		/* /dev/kmsg, opened before privileges are dropped */
	int kmsg_errno;		/* why it could not be opened */
};

extern const char *program;

/* --json: every command prints exactly one document on stdout, on failure too. After
 * cli_json_enable(), the findings print_diags(), usage_error() and say() report are
 * kept, and cli_json_finish() (at exit) prints {"warnings":[...],"errors":[...]} when
 * the command printed no document of its own with json_print(). */
void cli_json_enable(void);
/* Not --json after all (the word was another option's argument), or a command that
 * prints no document (--help, --version). */
void cli_json_disable(void);
void cli_json_finish(void);

/* Prints the command's JSON document. */
void json_print(const char *doc);

/* Messages are formatted with untrusted text as it is (a --root path, an argument):
 * say(), cli_error() and usage_error() escape it when they print, as render_diag()
 * does for findings, and keep it as it is for the JSON document, which escapes it the
 * same way when rendered. */

/* A line for the user that is no finding ("No AMD GPU found ..."): on stdout, or with
 * --json on stderr and in the document's warnings, so stdout holds only JSON. */
_printf_(2, 3) void say(const struct options *o, const char *fmt, ...);

/* A command's output: its JSON document, or its text. */
void print_out(const struct options *o, const char *s);

/* "amdgpu-tune: MESSAGE" on stderr, and with --json in the document's errors: for an
 * error that is no finding of a file (out of memory, a choice the user must make). */
_printf_(1, 2) void cli_error(const char *fmt, ...);

/* "amdgpu-tune: MESSAGE" and the --help hint on stderr. Returns EXIT_INVALID. */
_printf_(1, 2) int usage_error(const char *fmt, ...);

/* Prints the findings of d on stderr (warnings unless --quiet), each as its file:line
 * and message. */
void print_diags(const struct diag_list *d, const struct options *o);

struct sysroot;

/* The profile that fits this machine's GPU (pick_profile()), told to the user: 0 with
 * *ret set, or 0 with *ret NULL after saying why none was picked (no GPU, no match:
 * *exit_code 0; several fit: an error and *exit_code EXIT_INVALID). Or -errno. */
int cli_pick_profile(struct sysroot *root, const struct options *o, char **ret,
		     int *exit_code);

/* The one map from an error (-errno, TXN_FAILED, TXN_UNRECOVERED) to the exit status:
 * 0 for none, 5 for a change not fully undone, 2 for invalid input (-EINVAL, -ENOENT,
 * -ELOOP, -EFBIG, -EBADMSG), 4 for any other failure ("out of memory" said here);
 * findings were already added to d. */
int exit_for(int r);
