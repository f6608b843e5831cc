/* Rollback snapshots: var/lib/amdgpu-tune/snapshots/<id>/, one per apply, rollback or
 * remove, holding a copy of every file the operation touches (bytes, mode, owner) or the
 * fact that it was absent, and the directories it was about to create. The manifest is
 * written last and the directory renamed into place, so a snapshot without a complete
 * manifest never has a numeric name. Whether its operation took effect: a version 2
 * snapshot (taken since the marker came) only when the file "committed" is beside the
 * manifest, written when the operation commits and removed when a failed or killed run
 * is undone, so a snapshot of a run that never reached its commit (killed before its
 * journal was written, or failing where no marker can be written) never counts; a
 * version 1 snapshot (taken before) unless the file "undone" is there, as it was read
 * before. Manifest, one "key value" per line:
 *   version 1|2
 *   id N
 *   time SECONDS-SINCE-EPOCH
 *   operation apply|rollback|remove
 *   profile NAME|-        (the profile applied when the snapshot was taken)
 *   undoes N              (rollback: the snapshot it restored)
 *   dir PATH              (absent then; removed again on restore when empty)
 *   file PATH absent
 *   file PATH MODE UID GID SHA256   (octal mode; the bytes are in the file named by the
 *                                    entry's index among the "file" lines)
 * Read as hostile: anything else is -EBADMSG. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "filechange.h"

struct sysroot;

#include "paths.h"

#define SNAPSHOT_KEEP 20

/* A file as a snapshot keeps it: f is what a restore makes it (with its owner; f.data
 * loaded by snapshot_load(), else NULL), and sha256 the digest its manifest records.
 * A snapshot read from disk owns f.path and f.data. */
struct snap_file {
	struct file_change f;
	char sha256[65];
};

struct snapshot {
	unsigned id;
	int64_t time;
	char *operation;
	char *profile; /* NULL for "-" */
	unsigned undoes;
	char **dirs;
	struct snap_file *files;
	size_t n_files;
	unsigned version; /* of the manifest: 1 or 2 */
	/* Its operation never took effect (see the top of this file): it failed, was
	 * undone or never reached its commit. rollback's default skips it. */
	bool undone;
};

void snapshot_free(struct snapshot *s);
DEFINE_FREEP(struct snapshot, snapshot_free)
#define _cleanup_snapshot_ _cleanup_(snapshot_freep)

/* The one rule for the mode and owner of a file a snapshot records and a restore writes
 * (apply keeps a replaced file's mode within it too), so that what snapshot_take()
 * records is always restorable and a restore never creates anything dangerous:
 * permission bits only (no set-uid, set-gid or sticky bit), never writable by others,
 * writable by the group only when the group is root's; owned by root, or under --root by
 * the caller. Any group may own it otherwise: without write access, that grants nothing.
 * snapshot_mode_is_safe() is pure; snapshot_owner_is_safe() depends on the caller. */
bool snapshot_mode_is_safe(mode_t mode, gid_t gid);
bool snapshot_owner_is_safe(const struct sysroot *root, uid_t uid);
/* mode with the bits the rule forbids for a file of group gid cleared. Pure. */
mode_t snapshot_mode_clamp(mode_t mode, gid_t gid);

/* Parses a manifest. Pure. 0, -EBADMSG (with a finding naming the line) or -ENOMEM. */
int manifest_parse(const char *file, const char *buf, size_t len, struct snapshot **ret,
		   struct diag_list *d);
/* The manifest text of s. 0 or -ENOMEM. */
int manifest_format(const struct snapshot *s, char **ret);

/* Copies paths (each relative to the root; absent ones recorded as such) and records
 * dirs into a new snapshot with the next id. A file's mode and owner are recorded
 * clamped to the rule above (a restore then gives it the nearest safe mode and owner,
 * not the exact one). 0 with *ret_id set, or -errno with a
 * finding. */
int snapshot_take(const struct sysroot *root, char *const *paths, char *const *dirs,
		  const char *operation, const char *profile, unsigned undoes,
		  unsigned *ret_id, struct diag_list *d);

/* Every complete snapshot, oldest first, without file data. *ret (n entries) freed with
 * snapshot_list_free(). 0 or -errno with a finding. */
int snapshot_list(const struct sysroot *root, struct snapshot ***ret, size_t *ret_n,
		  struct diag_list *d);
void snapshot_list_free(struct snapshot **l, size_t n);

/* Loads snapshot id with every file's bytes, verified against the manifest's checksums.
 * -ENOENT (no such snapshot), -EBADMSG (corrupt; a finding says where) or -errno. */
int snapshot_load(const struct sysroot *root, unsigned id, struct snapshot **ret,
		  struct diag_list *d);

/* Records that snapshot id's operation took effect (the file "committed"), the step
 * before the transaction's commit point. 0 or -errno. */
int snapshot_mark_committed(const struct sysroot *root, unsigned id);
/* Records that the operation of s (as snapshot_load() gave it) did not take effect: a
 * version 2 snapshot loses its "committed" file (no space needed), a version 1 one gains
 * "undone". 0 or -errno. */
int snapshot_mark_undone(const struct sysroot *root, const struct snapshot *s);

/* Removes all but the newest keep snapshots and any incomplete one left by an
 * interrupted run. Best effort: 0 or -ENOMEM. */
int snapshot_prune(const struct sysroot *root, unsigned keep);
