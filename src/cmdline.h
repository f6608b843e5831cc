/* The kernel command line, parsed and serialized exactly as the kernel splits it
 * (lib/cmdline.c next_arg(), kernel/params.c parse_args()). Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct cmdline_arg {
	char *name;    /* as the kernel sees it, quotes removed the way next_arg() does */
	char *value;   /* NULL for a bare name ("quiet"); "" for "name=" */
	size_t offset; /* where the token starts in the parsed line (for provenance) */
};

struct cmdline {
	struct cmdline_arg *args; /* kernel parameters in order, before any bare "--" */
	size_t n_args;
	char *init_args; /* what follows a bare "--" (for init), or NULL when absent */
};

/* Parses line as the kernel does: split at whitespace outside double quotes, a '"'
 * toggles quoting, no escape character, the first '=' splits name from value, a bare
 * "--" ends the kernel's parameters. The result is owned by the caller
 * (cmdline_free()). 0, or -ENOMEM. */
int cmdline_parse(const char *line, struct cmdline **ret);
void cmdline_free(struct cmdline *c);
DEFINE_FREEP(struct cmdline, cmdline_free)
#define _cleanup_cmdline_ _cleanup_(cmdline_freep)

/* One argument as next_arg() delimits it: line[start, end), quotes included. */
struct cmdline_span {
	size_t start, end;
};

/* The byte ranges of line's kernel parameters, in order, up to a bare "--" (what
 * follows it is init's): *ret (the caller's, free(); NULL when there are none) holds
 * *ret_n ranges, and *ret_init is where that "--" starts, or strlen(line) without one.
 * For editing a line without touching the bytes around an argument. 0 or -ENOMEM. */
int cmdline_spans(const char *line, struct cmdline_span **ret, size_t *ret_n,
		  size_t *ret_init);

/* Serializes one argument so that next_arg() gives back exactly name and value,
 * quoting only when needed, into *ret (a new string). 0, -EINVAL when no quoting can
 * represent the pair (e.g. a value with both whitespace and '"'), or -ENOMEM. */
int cmdline_arg_format(const char *name, const char *value, char **ret);

/* Serializes a whole command line: arguments joined by single spaces, then " -- " and
 * the init arguments when present. 0, -EINVAL (an argument cannot be represented) or
 * -ENOMEM. */
int cmdline_format(const struct cmdline *c, char **ret);

/* The kernel's isspace(): the C locale's six plus 0xa0 (lib/ctype.c marks NBSP as space).
 */
bool cmdline_is_space(char c);

/* Parameter names compare with '-' and '_' equal (kernel/params.c parameq()). */
bool cmdline_name_equal(const char *a, const char *b);

/* The last argument whose name equals name (the one the kernel applies), or NULL. */
const struct cmdline_arg *cmdline_find(const struct cmdline *c, const char *name);

/* Writes the canonical form of a name into a new string: every '-' becomes '_'. */
char *cmdline_name_canonical(const char *name);
