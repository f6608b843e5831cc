/* One file a command changes. compare() finds it (what is there, what apply would
 * write), the transaction writes it, a snapshot records and restores it and the
 * report shows it: the same record all the way. Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct file_change {
	const char *path; /* relative to the root */
	char *old;	  /* its text now, for the report (NULL: absent) */
	/* What it becomes. */
	bool present;
	char *data; /* the bytes when present; what apply writes is text, NUL-terminated
		     */
	size_t len;
	mode_t mode;
	bool owner; /* also set uid and gid (rollback restores them) */
	uid_t uid;
	gid_t gid;
};

/* The text the file becomes, for the report: NULL when it is removed. */
static inline const char *file_change_new(const struct file_change *f)
{
	return f->present ? f->data : NULL;
}
