/* A trial boot (apply --trial, confirm): one boot entry of ours that carries every
 * setting of a profile on its command line, selected for the next boot only, so that a
 * boot that fails is followed by the default one by itself. Its record,
 * var/lib/amdgpu-tune/trial, one "key value" per line, '#' comments:
 *   version 1
 *   id DIGITS          (the marker's value: amdgpu_tune.trial=DIGITS on the entry's
 *                      command line tells the trial's boot from any other)
 *   profile NAME
 *   loader NAME        (the boot loader backend that made the entry)
 *   memory BYTES       (the RAM the plan was made for, when known)
 *   memory-from SOURCE (as the state's: option, assumed or meminfo)
 *   kernel VERSION     (the --kernel the plan was restricted to; apply --trial refuses
 *                      one, and confirm plans for it when a record names one)
 *   arg ARG            (an argument of the entry, in order; the marker is not one)
 * The file is ours but still read as hostile: anything else is -EBADMSG. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "plan.h"
#include "state.h"

struct sysroot;

/* The marker's name on the kernel command line: a module parameter of no module, which
 * the kernel passes over (unknown_bootoption() in init/main.c returns for a name with a
 * '.') and no modprobe loads. */
#define TRIAL_MARKER "amdgpu_tune.trial"
/* The trial entry's id in the boot menu (GRUB's menuentry --id, which next_entry names).
 */
#define TRIAL_ENTRY_ID "amdgpu-tune-trial"

struct trial {
	char *id;
	char *profile;
	char *loader;
	bool has_memory;
	uint64_t memory;
	enum memory_from memory_from;
	char *kernel; /* or NULL */
	char **args;  /* NULL-ended */
	/* Not recorded: the applied profile's command-line arguments, which the entry
	 * leaves out (NULL-ended, or NULL). */
	char **drop;
};

void trial_free(struct trial *t);
DEFINE_FREEP(struct trial, trial_free)
#define _cleanup_trial_ _cleanup_(trial_freep)

/* Parses a record's text. Pure. 0, -EBADMSG (a finding naming the line) or -ENOMEM. */
int trial_parse(const char *file, const char *buf, size_t len, struct trial **ret,
		struct diag_list *d);
/* Reads TRIAL_FILE: 0 with *ret NULL when there is no trial, 0, -EBADMSG, -EIO (with a
 * finding) or -ENOMEM. */
int trial_read(const struct sysroot *root, struct trial **ret, struct diag_list *d);
/* The record's text. 0, -EINVAL (a field that could not be read back) or -ENOMEM. */
int trial_format(const struct trial *t, char **ret);

/* Every setting of pl as the command line carries it, in plan order: kernel parameters
 * as they are, module options as module.param=value (modprobe takes those of a
 * loadable module from /proc/cmdline, after modprobe.d's, so they win: DOMAIN notes
 * kmod_config_parse_kcmdline()). Only arguments apply may record (state_token_is_safe());
 * another is -EINVAL with an error naming it and its profile line. 0, -EINVAL or
 * -ENOMEM. */
int trial_args(const struct plan *pl, char ***ret, struct diag_list *d);

/* The marker argument of t ("amdgpu_tune.trial=ID"), in buf. */
const char *trial_marker(const struct trial *t, char buf[static 64]);

/* Whether the blank-separated words of text (a command line) have word. Pure. */
bool words_have(const char *text, const char *word);

/* Whether the command line text has t's marker. Pure. */
bool trial_on_cmdline(const char *text, const struct trial *t);
/* Whether the running kernel's command line (proc/cmdline) has t's marker: 1, 0, or
 * -errno when it cannot be read. */
int trial_booted(const struct sysroot *root, const struct trial *t);

/* The value of next_entry in GRUB's environment block (boot/grub/grubenv, read by
 * grubenv_parse()), NULL in *ret when it is unset or the file is absent. 0, -errno
 * when it cannot be read (-EBADMSG: not an environment block), or -ENOMEM. */
int grubenv_next_entry(const struct sysroot *root, char **ret);

/* Whether loader's selection of a trial entry for the next boot is to be taken back
 * when a change ends or replaces a trial: it is selected, or that cannot be read. */
struct boot_backend;
bool trial_selection_left(const struct sysroot *root, const struct boot_backend *loader);

/* The words of the linux command in the block of grub.cfg's (text's) menuentry whose
 * --id is TRIAL_ENTRY_ID, after the kernel's path; *ret NULL when there is no such
 * entry. Pure. 0 or -ENOMEM. */
int grubcfg_trial_args(const char *text, char ***ret);
