/* Operations (ops.c): profile loading and planning, GPU matching and the comparison
 * of a plan with the disk and the running kernel. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bootcfg.h"
#include "request.h"
#include "diag.h"
#include "facts.h"
#include "layers.h"
#include "plan.h"
#include "profile.h"
#include "filechange.h"
#include "layers.h"
#include "state.h"

/* A profile planned for this machine: what make_plan() gives (planned_done()). */
struct planned {
	struct profile *profile;
	struct machine_facts *facts;
	struct plan *plan;
};

/* What a comparison compares the configuration with. */
enum compare_mode {
	COMPARE_PROFILE, /* diff PROFILE: the profile as planned now */
	COMPARE_APPLIED, /* status, diff: what the last apply recorded, when it did */
	COMPARE_APPLY,	 /* apply: planned now, refusing another machine's --memory */
};

/* Everything diff and status compare: the plan's layers and the files apply would
 * write. */
struct compared {
	struct planned planned;	   /* the profile planned now; with a recorded state the
				    * profile or plan may be NULL (not loadable, refused) */
	struct state *state;	   /* what the last apply recorded, or NULL */
	const char *name;	   /* the profile compared */
	const char *file;	   /* its file, NULL when it is gone */
	char *file_owned;	   /* file, when the profile there no longer loads */
	const struct plan *wanted; /* what the rows compare with: planned.plan, or the
				    * settings the state records */
	char **notes;	 /* lines for the user: re-planning now, a lost profile */
	int replan;	 /* re-planning now differs: 1 yes, 0 no, -1 not known */
	char *kcmd_base; /* the boot loader's command-line file without the tokens apply
			  * added, when only those are ours (etc/kernel/cmdline) */
	struct boot_facts *now, *after;
	struct layers *layers;
	struct file_change *files; /* what apply writes, in that order */
	size_t n_files;
};

/* On a booted OSTree system (loader->ostree_live): whether our modprobe.d file is there
 * once c's files are written and the pending deployment's initramfs does not take it
 * (its origin does not track it: rpm-ostree reset drops that, as does a deployment
 * made from one before apply). False where that is not known. 0 or -ENOMEM. */
int modprobe_untracked(const struct sysroot *root, const struct compared *c, bool *ret);

/* True when a command's PROFILE argument names a file (has a '/' or ends in .conf),
 * not a profile in the search path. */
bool looks_like_path(const char *arg);

/* Loads and parses the named profile from the search path, without resolving includes. */
int parse_named(struct sysroot *root, const char *name, struct profile **ret,
		struct diag_list *d);

void planned_done(struct planned *p);

/* One warning when the profile is for GPUs (its match: gfx targets or PCI ids, as
 * match_profiles() reads them) and the machine, or the tree under --root, has none of
 * them. 0 or -ENOMEM. */
int warn_gpu_absent(struct sysroot *root, const struct profile *p, struct diag_list *d);

/* What a difference between the memory a state records and the memory planned for now
 * is, by where the recorded one came from: "RAM changed" (MemTotal then), "--memory
 * changed", "RAM known" (a --memory assumed for a root without MemTotal), or "RAM or
 * --memory changed" (a state that does not say). */
const char *memory_change_what(enum memory_from f);

/* Sets o to plan for the memory st recorded again, when o has no --memory of its own:
 * a --memory that overrode the root's MemTotal, or any recorded size when the root has
 * no MemTotal (no_meminfo). arg holds the --memory text. Whether it did. */
bool replay_recorded_memory(struct plan_request *o, const struct state *st,
			    bool no_meminfo, char arg[static 32]);

/* Profile -> facts -> plan, the common path of show, check, diff, status and apply
 * (writes: apply, which refuses a --memory that is not this machine's). A profile that
 * fails to load leaves p->profile NULL; a plan with errors leaves p->plan NULL. */
int make_plan(struct sysroot *root, const struct plan_request *o, const char *arg,
	      bool writes, struct planned *p, struct diag_list *d);

/* For each GPU, the names of the profiles whose match fits it, comma-separated, or NULL
 * when none does. *ret is an array of n strings owned by the caller. 0 or -errno. */
int match_profiles(struct sysroot *root, const struct gpu *gpus, size_t n_gpus,
		   char ***ret);

/* Frees match_profiles()'s result. */
void free_per_gpu(char **per, size_t n);

/* Which profile fits this machine's GPUs (pick_profile()). */
struct pick {
	enum pick_outcome {
		PICK_NO_GPU,   /* no AMD display controller */
		PICK_NO_MATCH, /* no profile fits; why lists the GPUs (" PCI 1002:DEV
				  (gfx)") */
		PICK_SEVERAL,  /* more than one fits; why says which fits which */
		PICK_ONE,      /* name fits; why says for which GPU ("NAME (PCI ...)") */
	} outcome;
	char *name;
	char *why;
	size_t n_gpus;
};

/* Finds the profile whose match fits this machine's GPU: data for the caller to tell
 * the user. 0 or -errno; *ret freed with pick_done(). */
int pick_profile(struct sysroot *root, struct pick *ret);
void pick_done(struct pick *p);

void compared_done(struct compared *c);

/* Reads a managed file's current text into *ret (NULL when absent). */
int read_managed(struct sysroot *root, const char *rel, char **ret, struct diag_list *d);
/* The same for a file we add our tokens to: a NUL byte in it is an error (-EINVAL; the
 * text after it would be lost). */
int read_managed_text(struct sysroot *root, const char *rel, char **ret,
		      struct diag_list *d);

/* cur without the arguments an earlier apply added (tokens, each spelt as the state
 * records it): for each, its last occurrence before a bare "--" (after it, arguments
 * are init's), with the blanks that separated it. Every other byte of cur stays as it
 * is (quoted values, blanks, the newline, "--" and what follows). A new string. 0 or
 * -ENOMEM. */
int strip_tokens(const char *cur, char *const *tokens, char **ret);

/* The same for the text of the command-line file path, within the part of it its
 * backend (loader, the machine's, when it writes path; backend_for_cmdline_file()) says
 * the arguments are (cmdline_span): every byte outside it stays. 0,
 * -EINVAL (with an error in d: no such part it can edit) or -ENOMEM. */
/* The backend whose part of the command-line file path (text) has every one of tokens
 * (our tokens, which the state records, are where the backend that wrote them put
 * them: etc/default/grub has two such parts), else backend_for_cmdline_file(). */
const struct boot_backend *cmdline_tokens_backend(const struct boot_backend *loader,
						  const char *path, const char *text,
						  char *const *tokens);

/* Whether the boot loader's tool, run because the managed files change to ov, would
 * change more than our arguments in its boot entries (GRUB with BLS entries:
 * grub2-mkconfig writes every entry again): -EINVAL with an error in d when it would,
 * else 0; -ENOMEM. */
int cmdline_tool_check(const struct sysroot *root, const struct file_override *ov,
		       struct diag_list *d);

int cmdline_file_strip(const struct boot_backend *loader, const char *path,
		       const char *text, char *const *tokens, char **ret,
		       struct diag_list *d);

/* Whether m, a modprobe.d file or a drop-in of ours as a whole, is one that apply and
 * remove change: the loader's own; another backend's when the state records it as
 * written; a modprobe.d file kmod would read in place of the loader's (a file of the
 * same name in etc/modprobe.d hides one in usr/lib/modprobe.d: kmod's
 * conf_files_insert_sorted() keeps the first of a name in its directory order); a
 * drop-in its boot loader would read, were it the machine's (a misread loader must not
 * leave one behind), which an image's file is not. Another such file, not ours to
 * know, is left alone. */
bool managed_file_ours(const struct boot_backend *loader, const struct state *st,
		       const struct managed_file *m);

/* The arguments in that part of text, split at blanks and newlines. 0, -EINVAL or
 * -ENOMEM. */
int cmdline_file_words(const struct boot_backend *loader, const char *path,
		       const char *text, char ***ret, struct diag_list *d);

/* Plans name (or, COMPARE_APPLIED with a recorded state, takes what apply wrote), reads
 * the boot configuration now and as it would be after apply, and compares them layer
 * by layer. */
int compare(struct sysroot *root, const struct plan_request *o, const char *name,
	    enum compare_mode mode, struct compared *c, struct diag_list *d);

/* The profile recorded by the last apply, or NULL (and a message) when none. */
int applied_profile(struct sysroot *root, char **ret, struct diag_list *d);
