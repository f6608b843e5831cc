/* Output of detect, diff and status, as text for people or one JSON document. Pure:
 * written into a strbuf that main.c prints. */
#pragma once

#include "bootcfg.h"
#include "diag.h"
#include "facts.h"
#include "layers.h"
#include "profile.h"
#include "util.h"

/* A file apply manages: its current text (NULL: absent) and what apply would make it
 * (NULL: absent). */
struct file_change {
	const char *path; /* relative to the root */
	char *old;
	char *new;
};

/* detect: profiles[i] names the profile matching gpus[i] (NULL: none). */
int render_detect_text(struct strbuf *b, const struct gpu *gpus, size_t n_gpus,
		       char *const *profiles, const struct machine_facts *m,
		       const struct boot_facts *bf);
int render_detect_json(struct strbuf *b, const struct gpu *gpus, size_t n_gpus,
		       char *const *profiles, const struct machine_facts *m,
		       const struct boot_facts *bf, const struct diag_list *d);

/* diff: the settings' layers and the unified diff of every managed file; after is the
 * boot configuration with apply's files in place (its command line is shown). */
int render_diff_text(struct strbuf *b, const struct profile *p, const struct layers *l,
		     const struct file_change *files, size_t n_files,
		     const struct boot_facts *after, bool applied);
int render_diff_json(struct strbuf *b, const struct profile *p, const struct layers *l,
		     const struct file_change *files, size_t n_files,
		     const struct diag_list *d);

enum status_verdict {
	STATUS_IN_EFFECT,
	STATUS_PENDING, /* configured, the running kernel does not have it yet */
	STATUS_DRIFTED, /* the configuration on disk no longer gives the profile */
	STATUS_UNKNOWN, /* the next boot's command line could not be computed */
};

enum status_verdict status_verdict(const struct layers *l);

/* status: gtt_total is mem_info_gtt_total of the first AMD card in bytes (0: none). */
int render_status_text(struct strbuf *b, const struct profile *p, const struct layers *l,
		       uint64_t gtt_total, const char *gtt_card);
int render_status_json(struct strbuf *b, const struct profile *p, const struct layers *l,
		       uint64_t gtt_total, const char *gtt_card,
		       const struct diag_list *d);

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
