/* Output about the layers of each setting: diff and status (render.h). Pure. */
#pragma once

#include "bootcfg.h"
#include "diag.h"
#include "filechange.h"
#include "layers.h"
#include "render.h"
#include "util.h"

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
		       const struct applied_notes *an, const char *trial,
		       const struct diag_list *d);
