/* Output about changes: what apply, rollback and remove did or would do, and the
 * snapshots they keep (render.h). Pure. */
#pragma once

#include <stdbool.h>

#include "diag.h"
#include "filechange.h"
#include "render.h"
#include "util.h"

struct snapshot;

/* What apply, rollback or remove did (or, dry_run, would do). */
struct change_report {
	const char *operation; /* "apply", "rollback", "remove" */
	const char *profile;   /* applied afterwards, or NULL */
	const char *headline;  /* text output's first line */
	unsigned snapshot;     /* taken before the change; 0 when none */
	bool dry_run;
	const struct file_change *files; /* only the files that change */
	size_t n_files;
	char *const *commands; /* as a user types them; NULL-terminated or NULL */
	bool ran;	       /* the commands ran (else the user must run them) */
	const char *chroot;    /* the root they must be run in, or NULL for "/" */
	bool image;	       /* the root is an image being built: no reboot here */
};

int render_change_text(struct strbuf *b, const struct change_report *c);
int render_change_json(struct strbuf *b, const struct change_report *c,
		       const struct diag_list *d);

/* snapshots: oldest first. */
int render_snapshots_text(struct strbuf *b, struct snapshot *const *l, size_t n);
int render_snapshots_json(struct strbuf *b, struct snapshot *const *l, size_t n,
			  const struct diag_list *d);
