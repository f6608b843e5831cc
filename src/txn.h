/* Changing the configuration as one transaction: under a lock, snapshot what will be
 * touched, record a journal naming the snapshot, replace the files atomically, run the
 * regeneration commands, mark the snapshot committed, then drop the journal (the commit
 * point). Any failure before
 * the commit restores the snapshot; a run killed before it is undone by the next one
 * (txn_recover()). */
#pragma once

#include <errno.h>

#include <stdbool.h>
#include <sys/types.h>

#include "bootcfg.h"
#include "diag.h"
#include "filechange.h"
#include "regen.h"

struct sysroot;

#include "paths.h"

struct txn {
	const char *operation; /* "apply", "rollback", "remove" */
	const char
		*profile_before; /* the profile applied now, for the snapshot; or NULL */
	unsigned undoes;	 /* rollback: the snapshot it restores */
	const struct boot_backend *loader;
	struct file_change *files; /* each as it becomes (old is not read) */
	size_t n_files;
	char *const
		*rmdirs; /* rollback: directories to remove when empty, innermost last */
	struct regen_cmd cmds[REGEN_CMDS_MAX];
	size_t n_cmds;
	/* On a booted OSTree system: what the commands do to the next deployment besides
	 * the files (the journal records it; an undo does the opposite). */
	struct regen_delta delta;
	bool run; /* run the commands (else the caller prints them) */
	/* The boot files are to be made again from the command line file even when no
	 * file changes (systemd-boot entries that do not match it). */
	bool regen_cmdline;
	/* apply --trial: its entry is selected for the next boot (run_change()). */
	bool select_trial;
	/* After the commands ran, before the commit point: whether the boot files came
	 * out as expected; a finding and -EIO when not, and the change is undone. NULL:
	 * not checked. */
	int (*verify)(const struct sysroot *root, const void *data, struct diag_list *d);
	const void *verify_data;
	/* Results. */
	unsigned snapshot;
	bool ran[REGEN_CMDS_MAX]; /* per command */
};

/* The two ways a transaction fails, as -errno values like every other error:
 * TXN_FAILED, the previous configuration is back (the change was cancelled);
 * TXN_UNRECOVERED, it is not fully back and the findings say what to do. Nothing else
 * in the tool returns these two errno values. */
#define TXN_FAILED	(-ECANCELED)
#define TXN_UNRECOVERED (-ENOTRECOVERABLE)

/* Takes the lock (creating var/lib/amdgpu-tune), waiting up to timeout seconds for
 * another run; waiting (when not NULL) is called once with the holder's PID when it
 * has to wait. *ret_fd holds it until closed. 0, or -EAGAIN (a finding names the
 * holder's PID) or -errno. */
int txn_lock(const struct sysroot *root, unsigned timeout, void (*waiting)(long pid),
	     int *ret_fd, struct diag_list *d);

/* Whether file f differs from what is on disk now (bytes, presence, mode, owner). */
int txn_file_differs(const struct sysroot *root, const struct file_change *f, bool *ret);

/* Removes the temporaries (".NAME.XXXXXXXX.tmp") a killed run left beside the files
 * amdgpu-tune writes: the managed files, the state and journal, the snapshots' marks
 * and the parameter cache's entries (in directories trusted as the state is). Call
 * with the lock held. Best effort. */
void txn_remove_stale(const struct sysroot *root);

/* Finishes an interrupted run, with the lock held: when a journal is present, restores
 * its snapshot, regenerates (when run) what the restore changed and what the journal
 * says may have run, removes the journal. A journal that cannot be used (corrupt,
 * refused, or naming a snapshot that is missing or refused) is -EBADMSG with findings
 * that say what to check and how to go on; with discard_unusable (--discard-journal)
 * those findings become warnings, the journal is removed and the boot files are
 * regenerated for loader_now from the files as they are (when run; else a warning names
 * the commands). A usable journal is undone whatever discard_unusable says, but for
 * one an rpm-ostree system kept after the opposite kargs failed: with discard_unusable,
 * tried once more and removed, the findings naming the command. On an rpm-ostree
 * system, a journal that says rpm-ostree ran is not touched unless run (only rpm-ostree
 * undoes what it did).
 * *ret_snapshot is the snapshot restored, 0 when none was. 0, TXN_UNRECOVERED or
 * -errno (findings in d). */
int txn_recover(const struct sysroot *root, bool run, bool discard_unusable,
		const struct boot_backend *loader_now, unsigned *ret_snapshot,
		struct diag_list *d);

/* For the commands that only read (status, diff): what the next write command's
 * txn_recover() will find, changing nothing. 0 with *ret_snapshot 0 when there is no
 * journal, 0 with the snapshot it will restore, -EBADMSG with txn_recover()'s findings
 * when the journal cannot be used, or another -errno (a finding when it is no
 * -ENOMEM). */
int txn_journal_check(const struct sysroot *root, unsigned *ret_snapshot,
		      struct diag_list *d);

/* Runs t: snapshot, journal, write, regenerate, commit. t->files are the files that
 * change (the caller leaves out those that already match, see txn_file_differs()). 0,
 * TXN_FAILED, TXN_UNRECOVERED or -ENOMEM; findings in d. */
int txn_commit(const struct sysroot *root, struct txn *t, struct diag_list *d);

/* True when path is one whose change needs the boot menu (the command line) or the
 * initramfs (modprobe.d) regenerated. */
bool txn_path_is_cmdline(const char *path);
bool txn_path_is_modprobe(const char *path);
/* Whether path is a trial's record or entry file. */
bool txn_path_is_trial(const char *path);
