/* The GRUB defaults as grub-mkconfig sees them (Debian grub 2.06: grub-mkconfig sources
 * etc/default/grub, then etc/default/grub.d/NAME.cfg in glob order, as sh). Nothing is
 * executed: a small reader understands assignments, `export`, quoting, `$VAR` and
 * `${VAR}`, and reports anything else with its file and line instead of guessing. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "srcline.h"

struct sysroot;
struct file_override;

struct grub_var {
	char *name;
	struct srcline value;
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
	struct grub_var *vars;
	size_t n_vars;
	struct grub_assign *assigns;
	size_t n_assigns;
	bool understood; /* false when a construct was not understood (an error in d) */
};

/* Reads one sourced file's text into c (file is its index in c->files). Constructs the
 * reader does not understand are errors in d and clear c->understood. Pure.
 * 0 or -ENOMEM. */
int grub_parse(struct grub_config *c, uint32_t file, const char *buf, size_t len,
	       struct diag_list *d);
/* Adds a file name to the table; its index or -ENOMEM. */
int grub_add_file(struct grub_config *c, const char *rel);

/* Reads etc/default/grub and every etc/default/grub.d/NAME.cfg (no dotfiles, byte order
 * as in the C locale) from root. *ret is NULL when etc/default/grub and grub.d are both
 * absent. Files in ov are read as given there; dropins false reads etc/default/grub
 * only (GRUBs without Debian's drop-in support). Owned by the caller
 * (grub_config_free()). 0 or -ENOMEM. */
int grub_read(const struct sysroot *root, const struct file_override *ov, bool dropins,
	      struct grub_config **ret, struct diag_list *d);
void grub_config_free(struct grub_config *c);

/* The value of a variable after all files, or NULL when never assigned. */
const struct srcline *grub_var_get(const struct grub_config *c, const char *name);

/* The arguments of normal boot entries as 10_linux puts them:
 * "${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}"; recovery entries get only the
 * first. 0 or -ENOMEM. */
int grub_cmdline(const struct grub_config *c, bool recovery, struct srcline *ret);
