/* Findings about a profile, a plan or the machine: errors and warnings with the file and
 * line at fault. Pure: collected by the library, printed only by the command line layer
 * (cli.c's print_diags(), through render.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum diag_level {
	DIAG_WARNING,
	DIAG_ERROR,
};

struct diag {
	enum diag_level level;
	char *file;    /* NULL when no file is at fault */
	unsigned line; /* 0 when no line is at fault */
	char *message; /* one line, untrusted parts as they are: render_diag() escapes
			* file and message when it shows them */
};

struct diag_list {
	struct diag *items;
	size_t n;
};

/* Adds a finding. The message is formatted and copied; file may be NULL. 0 or -ENOMEM. */
int diag_add(struct diag_list *l, enum diag_level level, const char *file, unsigned line,
	     const char *fmt, ...) _printf_(5, 6);

/* Records an error finding and returns err (a -errno), or -ENOMEM when the finding
 * cannot be recorded: "return diag_error(d, -EINVAL, file, line, ...)" stops the caller
 * with the reason said. */
int diag_error(struct diag_list *l, int err, const char *file, unsigned line,
	       const char *fmt, ...) _printf_(5, 6);

/* Records a warning: the caller goes on. 0 or -ENOMEM. */
int diag_warning(struct diag_list *l, const char *file, unsigned line, const char *fmt,
		 ...) _printf_(4, 5);
size_t diag_count(const struct diag_list *l, enum diag_level level);
/* Turns the findings from index from on into warnings: what stops one command is only
 * worth knowing to another (status reporting what apply would refuse). */
void diag_demote(struct diag_list *l, size_t from);
/* Orders findings by file and line, keeping the order of equal ones; findings without a
 * file come last. */
void diag_sort(struct diag_list *l);
void diag_list_done(struct diag_list *l);
#define _cleanup_diag_list_ _cleanup_(diag_list_done)
