/* Changing the configuration (change.c): lock and recovery, hand-edit checks, one
 * transaction with its regenerations. */
#pragma once

#include <stdbool.h>

#include "bootcfg.h"
#include "cli.h"
#include "diag.h"
#include "render-change.h"
#include "snapshot.h"
#include "state.h"
#include "txn.h"

/* What every command that writes does first: the privilege check, the lock, and
 * undoing an interrupted run; a dry run does none of it (it takes no lock and writes
 * nothing). 0, or the exit code to stop with. */
int begin_change(struct sysroot *root, const struct options *o, const char *verb,
		 int *lock_fd, struct diag_list *d);

/* The boot loader, for rollback and remove (apply has it from compare()). */
int current_loader(struct sysroot *root, const struct boot_backend **ret);

/* A managed fragment that differs from what the last apply recorded was edited by
 * hand: it is not replaced or removed without --force. */
int check_hand_edit(const struct options *o, const struct state *st, const char *path,
		    const char *old, const char *new, struct diag_list *d);

/* The tail shared by apply, rollback and remove: keeps the files of t that differ from
 * the disk, plans the regeneration, then prints (dry run) or commits; the report shows
 * each file's old text beside what it becomes. The headline after a change is
 * done_pre, the snapshot's id, done_post. Returns the exit code. */
int run_change(struct sysroot *root, const struct options *o, struct txn *t,
	       const char *profile_after, const char *nothing, const char *done_pre,
	       const char *done_post, struct diag_list *d);

struct trial;
struct machine_facts;

/* Where the RAM a plan for o was made for came from, as the state and the trial record
 * say it (apply: a replayed size keeps its source). */
enum memory_from planned_memory_from(const struct options *o,
				     const struct machine_facts *m);

/* apply (cmd-apply.c), after begin_change(): plans name, refuses what must be refused,
 * runs the transaction, prints; returns the exit code. prev: reapply's state; confirm:
 * the trial confirm makes permanent (its entry and record go in the same change). */
int apply_profile(struct sysroot *root, const struct options *o, const char *name,
		  const struct state *prev, const struct trial *confirm,
		  const char *done_head, const char *nothing_tail, struct diag_list *d);

/* apply --trial (cmd-trial.c), after begin_change(). Returns the exit code. */
int apply_trial(struct sysroot *root, const struct options *o, const char *name,
		struct diag_list *d);

/* The newest snapshot of an apply or remove that no later rollback undid. */
unsigned last_undoable(struct snapshot *const *l, size_t n);

/* The current state's profile (for the snapshot), NULL when none or unreadable. */
char *profile_now(struct sysroot *root);

/* What the boot entries must have (present) and must not have (absent) once the
 * regeneration ran: apply's and remove's check of them with the backend's verify(), as
 * a struct txn's verify with this as its data. */
struct entry_expect {
	const struct boot_backend *loader;
	char **present;
	char **absent;
};
int change_verify_entries(const struct sysroot *root, const void *data,
			  struct diag_list *d);
