/* Output about the machine and the changes (detect, diff, status, apply, rollback,
 * remove, snapshots), as text for people or one JSON document. Pure: written into a
 * strbuf that the command (cmd-*.c) prints. */
#pragma once

#include "bootcfg.h"
#include "diag.h"
#include "filechange.h"
#include "machine.h"
#include "layers.h"
#include "profile.h"
#include "util.h"

/* detect: profiles[i] names the profile matching gpus[i] (NULL: none). */
int render_detect_text(struct strbuf *b, const struct gpu *gpus, size_t n_gpus,
		       char *const *profiles, const struct machine_facts *m,
		       const struct boot_facts *bf);
int render_detect_json(struct strbuf *b, const struct gpu *gpus, size_t n_gpus,
		       char *const *profiles, const struct machine_facts *m,
		       const struct boot_facts *bf, const struct diag_list *d);

/* What diff and status say about the applied profile beside the rows: notes (one line
 * each; NULL-terminated or NULL) and whether re-planning now gives other settings than
 * those applied (1, 0, or -1 when that is not known). */
struct applied_notes {
	char *const *notes;
	int replan;
};

/* diff: the settings' layers and the unified diff of every managed file for profile
 * name (file NULL: it cannot be loaded now); after is the boot configuration with
 * apply's files in place (its command line is shown). an is non-NULL for the applied
 * profile (diff without PROFILE): its notes are shown, and in JSON "notes" and
 * "replan_differs". */
int render_diff_text(struct strbuf *b, const char *name, const char *file,
		     const struct layers *l, const struct file_change *files,
		     size_t n_files, const struct boot_facts *after,
		     const struct applied_notes *an);
int render_diff_json(struct strbuf *b, const char *name, const struct layers *l,
		     const struct file_change *files, size_t n_files,
		     const struct applied_notes *an, const struct diag_list *d);

enum status_verdict {
	STATUS_IN_EFFECT,
	STATUS_PENDING, /* configured, the running kernel does not have it yet */
	STATUS_DRIFTED, /* the configuration on disk no longer gives the profile */
	STATUS_UNKNOWN, /* the next boot's command line could not be computed */
};

enum status_verdict status_verdict(const struct layers *l);

/* status of the applied profile name (file NULL: it cannot be loaded now; name NULL:
 * nothing applied, JSON only); gtt_total is mem_info_gtt_total of the first AMD card in
 * bytes (0: none). an may be NULL (no notes, re-planning unknown). */
int render_status_text(struct strbuf *b, const char *name, const char *file,
		       const struct layers *l, uint64_t gtt_total, const char *gtt_card,
		       const struct applied_notes *an);
int render_status_json(struct strbuf *b, const char *name, const struct layers *l,
		       uint64_t gtt_total, const char *gtt_card,
		       const struct applied_notes *an, const struct diag_list *d);

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
};

int render_change_text(struct strbuf *b, const struct change_report *c);
int render_change_json(struct strbuf *b, const struct change_report *c,
		       const struct diag_list *d);

/* snapshots: oldest first. */
int render_snapshots_text(struct strbuf *b, struct snapshot *const *l, size_t n);
int render_snapshots_json(struct strbuf *b, struct snapshot *const *l, size_t n,
			  const struct diag_list *d);
