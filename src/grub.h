/* The GRUB defaults as grub-mkconfig sees them (Debian grub 2.06: grub-mkconfig sources
 * etc/default/grub, then etc/default/grub.d/NAME.cfg in glob order, as sh). Nothing is
 * executed. The reader follows the shell grammar (lists, pipelines, if/case/loops,
 * functions, redirections, here-documents, quoting, parameter expansion) and computes
 * every variable it can; a value it cannot compute (command substitution, a variable
 * from the caller's environment, an assignment under a condition it does not evaluate,
 * a builtin such as eval or read) makes that variable unknown, with the file and line
 * of the cause. Only a syntax error sh itself would reject is an error. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "srcline.h"

struct sysroot;
struct file_override;

/* Why a value is not known: the file (index into files), line and construct. */
struct grub_why {
	uint32_t file;
	unsigned line;
	const char *what; /* static text */
};

struct grub_var {
	char *name;
	struct srcline value;
	bool set;	     /* false after `unset` */
	bool unknown;	     /* the value was not computed; why says where */
	struct grub_why why; /* when unknown */
	unsigned gen;	     /* when assigned, to compare with an eval's */
};

/* A function defined in the files: what calling it may assign. */
struct grub_func {
	char *name;
	char **assigns; /* names it may assign */
	char **calls;	/* commands its body runs, resolved when it is called */
	bool any;	/* it may change any variable (eval, ., read of unknown names) */
	bool poisons;	/* it sets a trap or an alias: nothing after a call is known */
	bool fails;	/* its status may be non-zero (set -e) */
	unsigned gen;	/* when defined */
	unsigned line;
	uint32_t file;
};

/* One assignment to GRUB_CMDLINE_LINUX or GRUB_CMDLINE_LINUX_DEFAULT, for the lint that
 * finds a later drop-in replacing ours. */
struct grub_assign {
	char *name;
	uint32_t file;
	unsigned line;
	bool keeps_previous; /* the new value expands the variable itself ("$X ...") */
};

struct grub_config {
	char **files; /* relative to the root, in the order sourced */
	size_t n_files;
	/* The text of each of files that grub_read() read from disk (NULL for the
	 * others, and in a config grub_parse() alone filled), for a later read with
	 * this one as its like. */
	char **texts;
	size_t *text_lens;
	struct grub_var *vars;
	size_t n_vars;
	struct grub_assign *assigns;
	size_t n_assigns;
	struct grub_func *funcs;
	size_t n_funcs;
	/* After an eval, `.` or a call of such a function, every variable not assigned
	 * again since (gen > any_gen) is unknown for any_why. */
	unsigned gen, any_gen;
	struct grub_why any_why;
	/* A trap, an alias, set -n, a failing command under grub-mkconfig's set -e, or
	 * more than the reader follows: no variable is known after all files. */
	bool poisoned;
	struct grub_why poison_why;
	/* The next files start as after a return that may have happened (a break, a
	 * command that may fail), or are not sourced at all (an unconditional break in
	 * a drop-in: grub-mkconfig sources them in a for loop). */
	bool later_maybe_left, stop_sourcing;
	char **readonly; /* names made readonly: changing one stops grub-mkconfig */
	uint64_t work;	 /* steps taken, against GRUB_WORK_MAX */
	bool understood; /* false after a syntax error (an error in d) */
};

/* Reads one sourced file's text into c (file is its index in c->files). A syntax error
 * is an error in d and clears c->understood; values the reader cannot compute make
 * their variables unknown. Pure. 0 or -ENOMEM. */
int grub_parse(struct grub_config *c, uint32_t file, const char *buf, size_t len,
	       struct diag_list *d);
/* Adds a file name to the table; its index, -E2BIG past GRUB_FILES_MAX, or -ENOMEM. */
int grub_add_file(struct grub_config *c, const char *rel);

/* Reads etc/default/grub and every etc/default/grub.d/NAME.cfg (no dotfiles, byte order
 * as in the C locale) from root. *ret is NULL when etc/default/grub and grub.d are both
 * absent. Files in ov are read as given there; dropins false reads etc/default/grub
 * only (GRUBs without Debian's drop-in support). like, when not NULL, is an earlier
 * read of the same root: the text of a file it read and ov does not replace is taken
 * from it instead of read again (every file is still parsed: what a file does depends
 * on the files before it). Owned by the caller (grub_config_free()). 0 or -ENOMEM. */
int grub_read(const struct sysroot *root, const struct file_override *ov, bool dropins,
	      const struct grub_config *like, struct grub_config **ret,
	      struct diag_list *d);
void grub_config_free(struct grub_config *c);
DEFINE_FREEP(struct grub_config, grub_config_free)
#define _cleanup_grub_config_ _cleanup_(grub_config_freep)

#define GRUB_FILES_MAX 1024

/* The value of a variable after all files: 0 with *ret (NULL when unset), or 1 when the
 * value is not known (*why says why, when why is not NULL). */
int grub_var_lookup(const struct grub_config *c, const char *name,
		    const struct srcline **ret, struct grub_why *why);

/* The arguments of normal boot entries as 10_linux puts them:
 * "${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}"; recovery entries get only the
 * first. 0, 1 when a part is not known (*why says why; *ret untouched), or -ENOMEM. */
int grub_cmdline(const struct grub_config *c, bool recovery, struct srcline *ret,
		 struct grub_why *why);
