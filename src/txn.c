#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "fragment.h"
#include "snapshot.h"
#include "state.h"
#include "strv.h"
#include "sysroot.h"
#include "trial.h"
#include "txn.h"

#define JOURNAL_MAX 16384

/* What to do about a journal that cannot be used (corrupt, or naming a snapshot that is
 * missing or refused): the interrupted run cannot be undone, and every write command
 * refuses until the user has looked and said to go on (txn_recover()'s discard). */
#define UNUSABLE_HOWTO \
	"check %s by hand ('amdgpu-tune diff' shows them), then run the next apply, rollback or remove with --discard-journal: it removes the journal, keeps those files as they are and regenerates the boot files from them"

/* The files UNUSABLE_HOWTO asks to check: every managed file but our records (the
 * state, a trial's), as "A, B and C".
 * Built once. */
static const char *unusable_files(void)
{
	static char buf[1024];
	const struct managed_file *m;
	size_t n = 0, k = 0;

	if (buf[0])
		return buf;
	for (size_t i = 0; (m = managed_file(i)); i++)
		n += m->kind != MANAGED_STATE && m->kind != MANAGED_TRIAL;
	for (size_t i = 0, len = 0; (m = managed_file(i)) && len < sizeof(buf); i++) {
		if (m->kind == MANAGED_STATE || m->kind == MANAGED_TRIAL)
			continue;
		k++;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
					k == 1	 ? ""
					: k == n ? " and "
						 : ", ",
					m->path);
	}
	return buf;
}

bool txn_path_is_cmdline(const char *path)
{
	const struct managed_file *m = managed_file_lookup(path);

	return m && (m->kind == MANAGED_CMDLINE || m->kind == MANAGED_ENTRY);
}

bool txn_path_is_trial(const char *path)
{
	const struct managed_file *m = managed_file_lookup(path);

	return m && (m->kind == MANAGED_TRIAL || m->kind == MANAGED_ENTRY ||
		     m->kind == MANAGED_BOOT_ENTRY);
}

bool txn_path_is_modprobe(const char *path)
{
	const struct managed_file *m = managed_file_lookup(path);

	return m && m->kind == MANAGED_MODPROBE;
}

int txn_lock(const struct sysroot *root, unsigned timeout, void (*waiting)(long pid),
	     int *ret_fd, struct diag_list *d)
{
	struct timespec start, now;
	bool told = false;
	int dfd, fd, r;

	/* Judged before it is created, and again after: a symlink or another user's
	 * directory there is refused (-EBADMSG, exit 2) with nothing written, not taken
	 * for a failure to create it. */
	r = state_path_trusted(root, STATE_DIR, d);
	if (r == -ENOENT) {
		r = sysroot_mkdir_p(root, STATE_DIR, 0755);
		if (r < 0)
			return diag_error(d, r, STATE_DIR, 0, "cannot create: %s",
					  strerror(-r));
		r = state_path_trusted(root, STATE_DIR, d);
	}
	if (r < 0)
		return r;
	dfd = sysroot_openat(root, STATE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW);
	if (dfd < 0)
		return diag_error(d, dfd, STATE_DIR, 0, "cannot open: %s",
				  strerror(-dfd));
	fd = openat(dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		    0600);
	r = fd < 0 ? -errno : 0;
	close(dfd);
	if (r < 0)
		return diag_error(d, r, TXN_LOCK, 0, "cannot open: %s", strerror(-r));
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		struct timespec pause = {0, 100L * 1000 * 1000};
		long pid;

		if (fcntl(fd, F_SETLK, &fl) == 0)
			break;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR) {
			r = -errno;
			close(fd);
			return diag_error(d, r, TXN_LOCK, 0, "cannot lock: %s",
					  strerror(-r));
		}
		fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET};
		pid = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK ? fl.l_pid : 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= (time_t)timeout) {
			close(fd);
			return diag_error(
				d, -EAGAIN, TXN_LOCK, 0,
				"another amdgpu-tune (PID %ld) is changing the configuration; gave up after %u s",
				pid, timeout);
		}
		if (!told && waiting)
			waiting(pid);
		told = true;
		nanosleep(&pause, NULL);
	}
	*ret_fd = fd;
	return 0;
}

/* Whether path's mode and owner are its file system's (MANAGED_BOOT_ENTRY). */
static bool on_fs_terms(const char *path)
{
	const struct managed_file *m = managed_file_lookup(path);

	return m && m->kind == MANAGED_BOOT_ENTRY;
}

int txn_file_differs(const struct sysroot *root, const struct file_change *f, bool *ret)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r = sysroot_read_file_stat(root, f->path, (size_t)1024 * 1024, true, &buf,
				       &len, &st);

	if (r == -ENOENT) {
		*ret = f->present;
		return 0;
	}
	if (r < 0)
		return r;
	*ret = !f->present || len != f->len || memcmp(buf, f->data, len) != 0 ||
	       (!on_fs_terms(f->path) && (st.st_mode & 07777) != f->mode) ||
	       (f->owner && !on_fs_terms(f->path) &&
		(st.st_uid != f->uid || st.st_gid != f->gid));
	return 0;
}

/* The parent directories of path that do not exist yet, outermost first. */
static int missing_dirs(const struct sysroot *root, const char *path, char ***dirs)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (!sysroot_exists(root, p) && !strv_contains(*dirs, p) &&
		    strv_push(dirs, p) < 0)
			return -ENOMEM;
		*s = '/';
	}
	return 0;
}

static int put_file(const struct sysroot *root, const struct file_change *f,
		    struct diag_list *d)
{
	bool fs = on_fs_terms(f->path);
	int r = 0;

	if (f->present) {
		_cleanup_free_ char *dir = strdup(f->path);
		char *slash = dir ? strrchr(dir, '/') : NULL;

		if (!dir)
			return -ENOMEM;
		if (slash) {
			*slash = '\0';
			r = sysroot_mkdir_p(root, dir, 0755);
		}
		if (r == 0)
			r = sysroot_write_atomic_as(root, f->path, f->data, f->len,
						    fs ? SYSROOT_MODE_FS : f->mode,
						    f->owner && !fs ? f->uid : (uid_t)-1,
						    f->owner && !fs ? f->gid : (gid_t)-1);
	} else {
		r = sysroot_unlink(root, f->path, false);
	}
	if (r < 0 && r != -ENOMEM)
		return diag_error(
			d, r, f->path, 0, "cannot %s: %s%s",
			f->present ? "write" : "remove", strerror(-r),
			r == -EIO && f->present
				? " (the new file may be in place but not on disk yet)"
				: "");
	return r;
}

/* Removes the directories (innermost last in dirs) that are empty. */
static int remove_dirs(const struct sysroot *root, char *const *dirs, struct diag_list *d)
{
	for (size_t i = strv_length((char **)dirs); i > 0; i--) {
		int r = sysroot_unlink(root, dirs[i - 1], true);

		if (r < 0 && r != -ENOTEMPTY && r != -EEXIST && r != -ENOTDIR)
			return diag_error(d, r, dirs[i - 1], 0, "cannot remove: %s",
					  strerror(-r));
	}
	return 0;
}

/* Puts back every file of snapshot s that differs from it, then removes the
 * directories it records as absent (when empty). *ret_cmdline, *ret_modprobe and
 * *ret_trial (a trial's record or entry) say which kinds of file changed. 0 or the
 * first error (a finding). */
static int restore(const struct sysroot *root, const struct snapshot *s,
		   bool *ret_cmdline, bool *ret_modprobe, bool *ret_trial,
		   struct diag_list *d)
{
	int first = 0;

	for (size_t i = 0; i < s->n_files; i++) {
		const struct file_change *f = &s->files[i].f;
		bool differs = true;
		int r = txn_file_differs(root, f, &differs);

		if (r == 0 && !differs)
			continue;
		if (r == 0)
			r = put_file(root, f, d);
		if (r < 0 && !first)
			first = r;
		if (r == 0 && txn_path_is_cmdline(f->path))
			*ret_cmdline = true;
		if (r == 0 && txn_path_is_modprobe(f->path))
			*ret_modprobe = true;
		if (r == 0 && txn_path_is_trial(f->path))
			*ret_trial = true;
	}
	return first ?: remove_dirs(root, s->dirs, d);
}

/* What the journal says rpm-ostree kargs did or may have done (the tokens are owned). */
struct journal_kargs {
	bool ran;
	bool restored; /* the files are back already: what kargs did is to be undone */
	char **add, **del;
};

static void journal_kargs_done(struct journal_kargs *k)
{
	strv_free(k->add);
	strv_free(k->del);
}

/* The journal names the snapshot to go back to and the regenerations that ran or may
 * have run: recovery runs those again on the restored files even when the restore
 * itself changes nothing (a run killed while regenerating from the restored files).
 * On a booted OSTree system, the restored files do not say what rpm-ostree kargs did
 * to the next deployment: the journal lists the tokens it adds (kargs-add) and takes
 * away (kargs-del), and recovery does the opposite. */
static int journal_write(const struct sysroot *root, unsigned snapshot,
			 const struct boot_backend *loader, bool regen_grub,
			 bool regen_initramfs, const struct regen_delta *kargs,
			 bool restored, struct diag_list *d)
{
	_cleanup_strbuf_ struct strbuf b = {0};
	int r;

	strbuf_printf(&b,
		      "# amdgpu-tune: a change in progress; the next run undoes it.\n"
		      "version 1\nsnapshot %u\nloader %s\n%s%s",
		      snapshot, loader->name, regen_grub ? "regen grub\n" : "",
		      regen_initramfs ? "regen initramfs\n" : "");
	if (kargs)
		strbuf_puts(&b,
			    restored ? "regen kargs\nrestored yes\n" : "regen kargs\n");
	for (size_t i = 0; kargs && kargs->add && kargs->add[i]; i++)
		strbuf_printf(&b, "kargs-add %s\n", kargs->add[i]);
	for (size_t i = 0; kargs && kargs->del && kargs->del[i]; i++)
		strbuf_printf(&b, "kargs-del %s\n", kargs->del[i]);
	r = strbuf_error(&b);
	if (r == 0 && b.len > JOURNAL_MAX)
		r = -E2BIG;
	if (r == 0)
		r = sysroot_write_atomic(root, TXN_JOURNAL, b.s, b.len, 0600);
	if (r < 0 && r != -ENOMEM)
		return diag_error(d, r, TXN_JOURNAL, 0, "cannot write: %s", strerror(-r));
	return r;
}

/* A kernel argument as the journal may name one: what apply adds, never a blank, a
 * control character or anything not UTF-8, and not an option to rpm-ostree. */
static bool karg_ok(const char *v)
{
	size_t n = strlen(v);

	if (!n || n > 2048 || v[0] == '-' || !utf8_valid(v))
		return false;
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c <= 0x20 || *c == 0x7f)
			return false;
	return true;
}

static int journal_read(const struct sysroot *root, unsigned *ret_snapshot,
			const struct boot_backend **ret_loader, bool *ret_grub,
			bool *ret_initramfs, struct journal_kargs *ret_kargs,
			struct diag_list *d)
{
	_cleanup_free_ char *buf = NULL;
	unsigned line = 0;
	bool version = false;
	size_t len;
	int r = state_path_trusted(root, TXN_JOURNAL, d);

	*ret_snapshot = 0;
	*ret_loader = &backend_unknown;
	*ret_grub = *ret_initramfs = false;
	*ret_kargs = (struct journal_kargs){0};
	if (r == 0)
		r = sysroot_read_file(root, TXN_JOURNAL, JOURNAL_MAX, true, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r == -EBADMSG || r == -ENOMEM)
		return r;
	/* Too large, a directory, a FIFO, an I/O error: as unusable as a corrupt one,
	 * and --discard-journal removes it all the same. */
	if (r < 0)
		return diag_error(
			d, -EBADMSG, TXN_JOURNAL, 0,
			"cannot read: %s: the interrupted run cannot be undone; " UNUSABLE_HOWTO,
			read_error_text(-r), unusable_files());
	for (char *cur = buf, *key, *val; next_key_value(&cur, &line, &key, &val) > 0;) {
		char *end;
		unsigned long v;
		bool ok = false;

		if (!val) {
			/* fall through to the error below */
		} else if (streq(key, "version")) {
			ok = !version && streq(val, "1");
			version = true;
		} else if (streq(key, "snapshot")) {
			errno = 0;
			v = strtoul(val, &end, 10);
			ok = val[0] >= '1' && val[0] <= '9' && !*end && !errno &&
			     v < 1000000000;
			*ret_snapshot = (unsigned)v;
		} else if (streq(key, "regen")) {
			ok = streq(val, "grub") || streq(val, "initramfs") ||
			     streq(val, "kargs");
			if (streq(val, "grub"))
				*ret_grub = true;
			else if (streq(val, "kargs"))
				ret_kargs->ran = true;
			else if (ok)
				*ret_initramfs = true;
		} else if (streq(key, "restored")) {
			ok = streq(val, "yes");
			ret_kargs->restored = ok;
		} else if (streq(key, "kargs-add") || streq(key, "kargs-del")) {
			char ***to = key[6] == 'a' ? &ret_kargs->add : &ret_kargs->del;

			ok = karg_ok(val);
			if (ok && strv_push(to, val) < 0)
				return -ENOMEM;
		} else if (streq(key, "loader")) {
			const struct boot_backend *b = backend_by_name(val);

			ok = b != NULL;
			if (b)
				*ret_loader = b;
		}
		if (!ok)
			return diag_error(
				d, -EBADMSG, TXN_JOURNAL, line,
				"corrupt journal: the interrupted run cannot be undone; " UNUSABLE_HOWTO,
				unusable_files());
	}
	if (!version || !*ret_snapshot)
		return diag_error(
			d, -EBADMSG, TXN_JOURNAL, 0,
			"corrupt journal: the interrupted run cannot be undone; " UNUSABLE_HOWTO,
			unusable_files());
	return 0;
}

/* What rpm-ostree is to do on a booted OSTree system after a restore (or a discarded
 * journal): with k (what kargs did or may have done), its opposite, or with forward
 * (the files kept as the interrupted run left them) the same again; without, our
 * record's tokens added where the next deployment lacks them. The modprobe.d file is
 * tracked or not as it is on disk now. 0, -ENOMEM, or -EIO with a finding. */
static int ostree_delta_after(const struct sysroot *root,
			      const struct boot_backend *loader, bool cmdline,
			      const struct journal_kargs *k, bool forward,
			      struct regen_delta *delta, char ***add, struct diag_list *d)
{
	_cleanup_free_ char *rec = NULL;
	_cleanup_strv_free_ char **del = NULL;
	const char *locked = rpm_ostree_unchangeable(root);
	size_t len;
	int r = 0;

	*delta = (struct regen_delta){
		.modprobe_present = sysroot_exists(root, backend_modprobe_path(loader))};
	if (locked)
		return diag_error(d, -EIO, "run/ostree/staged-deployment", 0, "%s",
				  locked);
	if (k && k->ran) {
		delta->add = forward ? k->add : k->del;
		delta->del = forward ? k->del : k->add;
		return 0;
	}
	if (!cmdline)
		return 0;
	r = sysroot_read_file(root, loader->cmdline->path, (size_t)64 * 1024, false, &rec,
			      &len);
	if (r == -ENOMEM)
		return r;
	r = rpm_ostree_delta(root, r == 0 ? rec : NULL, r == 0 ? rec : NULL, add, &del,
			     d);
	delta->add = *add;
	return r;
}

/* A trial's entry still selected for the next boot when no trial is left (its record
 * gone: a restore to before apply --trial, or after confirm), or after an apply
 * --trial was undone (operation "trial": the record restored is an older trial's,
 * which it would otherwise boot again): the selection is taken back, with the rest of
 * the boot files. */
static void select_left(const struct sysroot *root, const struct boot_backend *loader,
			const char *operation, struct regen_delta *delta)
{
	struct stat st;

	if ((streq_ptr(operation, "trial") ||
	     sysroot_stat(root, TRIAL_FILE, &st) == -ENOENT) &&
	    trial_selection_left(root, loader))
		delta->select = SELECT_UNDO;
}

/* Regenerates what a restore changed (or, after a discarded journal, everything);
 * failures are findings that say what to run. done says what is already true. k: what
 * rpm-ostree kargs did or may have done, on a booted OSTree system (NULL: none), done
 * again with forward, else undone. */
static int regen_after(const struct sysroot *root, const struct boot_backend *loader,
		       bool cmdline, bool modprobe, const struct journal_kargs *k,
		       bool forward, const char *operation, const char *done,
		       struct diag_list *d)
{
	struct regen_cmd cmds[REGEN_CMDS_MAX];
	_cleanup_strv_free_ char **add = NULL;
	struct regen_delta delta = {0};
	size_t n = 0;
	int r = loader->ostree_live ? ostree_delta_after(root, loader, cmdline, k,
							 forward, &delta, &add, d)
				    : 0;

	select_left(root, loader, operation, &delta);
	if (r == 0)
		r = regen_plan(root, loader, cmdline, modprobe, &delta, cmds, &n, true,
			       d);

	for (size_t i = 0; r == 0 && i < n; i++) {
		r = regen_run(root, &cmds[i], d);
		if (r < 0 && r != -ENOMEM) {
			_cleanup_free_ char *shown = regen_format(&cmds[i]);

			r = diag_error(
				d, r, NULL, 0,
				"%s, but the boot files may not match it: run '%s' once the cause is fixed",
				done, shown ? shown : cmds[i].argv[0]);
		}
	}
	return r;
}

/* After an undo whose rpm-ostree kargs failed (rpm-ostreed may still run the killed
 * run's transaction): only the journal says which arguments to take away again, so it
 * stays, and the next run tries again. Whether it stays; a finding says so. */
static bool keep_for_kargs(const struct sysroot *root, unsigned snapshot,
			   const struct boot_backend *loader,
			   const struct journal_kargs *k, bool initramfs,
			   struct diag_list *d)
{
	struct regen_delta fwd = {.add = k->add, .del = k->del};

	if (!loader->ostree_live || !k->ran)
		return false;
	/* Said so in the journal: were the snapshot lost, --discard-journal would
	 * otherwise take it for a run killed before its undo and do it forward. */
	if (!k->restored)
		journal_write(root, snapshot, loader, false, initramfs, &fwd, true, d);
	diag_add(
		d, DIAG_ERROR, TXN_JOURNAL, 0,
		"kept: it names the kernel arguments rpm-ostree kargs may have changed, and the next 'amdgpu-tune apply', 'rollback' or 'remove' runs the opposite again ('rpm-ostree status' shows a transaction still running; --discard-journal gives up on it, leaving the command to run by hand)");
	return true;
}

/* snapshot_mark_undone(), its failure a finding: the journal is kept, so that the next
 * run restores (nothing left to change) and marks again. 0, TXN_UNRECOVERED or -ENOMEM.
 */
static int mark_undone(const struct sysroot *root, const struct snapshot *s,
		       struct diag_list *d)
{
	int r = snapshot_mark_undone(root, s);

	if (r == -ENOMEM || r == 0)
		return r;
	return diag_error(
		d, TXN_UNRECOVERED, SNAPSHOT_DIR, 0,
		"cannot record that snapshot %u did not take effect: %s; the next 'amdgpu-tune apply', 'rollback' or 'remove' does it",
		s->id, strerror(-r));
}

/* Whether n is what sysroot_write_atomic() names a temporary of base,
 * ".BASE.xxxxxxxx.tmp" (8 lowercase hex digits); with base NULL, of any BASE that ends
 * in suffix. */
static bool is_temporary(const char *n, const char *base, const char *suffix)
{
	size_t len = strlen(n), bl;

	if (n[0] != '.' || len < 2 + 13 || strcmp(n + len - 4, ".tmp") != 0 ||
	    n[len - 13] != '.' || strspn(n + len - 12, "0123456789abcdef") != 8)
		return false;
	bl = len - 14; /* without the leading '.' and ".xxxxxxxx.tmp" */
	if (base)
		return bl == strlen(base) && strncmp(n + 1, base, bl) == 0;
	return bl > strlen(suffix) &&
	       strncmp(n + 1 + bl - strlen(suffix), suffix, strlen(suffix)) == 0;
}

/* Removes the regular files in dir that are temporaries of base (or suffix, see
 * is_temporary()). */
static void sweep(const struct sysroot *root, const char *dir, const char *base,
		  const char *suffix)
{
	DIR *d = NULL;
	struct dirent *de;

	if (sysroot_opendir(root, dir, &d) < 0)
		return;
	while ((de = readdir(d))) {
		struct stat st;

		if (is_temporary(de->d_name, base, suffix) &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/* The subdirectories of parent (reached without a symlink, as trusted as our state,
 * judged from top), each with sweep(). */
static void sweep_subdirs(const struct sysroot *root, const char *top, const char *parent,
			  const char *const *bases, const char *suffix)
{
	_cleanup_strv_free_ char **subs = NULL;
	DIR *d = NULL;
	struct dirent *de;

	if (sysroot_opendir(root, parent, &d) < 0)
		return;
	while ((de = readdir(d))) {
		struct stat st;
		struct strbuf rel = {0};

		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (strbuf_printf(&rel, "%s/%s", parent, de->d_name) == 0 &&
		    strv_push(&subs, rel.s) < 0) {
			strbuf_done(&rel);
			break;
		}
		strbuf_done(&rel);
	}
	closedir(d);
	for (size_t i = 0; subs && subs[i]; i++) {
		_cleanup_free_ char *at = NULL;
		char why[96];

		if (sysroot_path_trusted(root, top, subs[i], &at, why) < 0)
			continue;
		for (size_t k = 0; bases && bases[k]; k++)
			sweep(root, subs[i], bases[k], NULL);
		if (suffix)
			sweep(root, subs[i], NULL, suffix);
	}
}

void txn_remove_stale(const struct sysroot *root)
{
	/* The snapshots' marks (snapshot_mark_committed(), snapshot_mark_undone()). */
	static const char *const marks[] = {"committed", "undone", NULL};
	const struct managed_file *m;
	size_t i = 0;

	/* Beside every managed file, and beside the journal. */
	do {
		_cleanup_free_ char *dir = NULL;
		char *slash;

		m = managed_file(i++);
		dir = strdup(m ? m->path : TXN_JOURNAL);
		if (!dir || !(slash = strrchr(dir, '/')))
			continue;
		*slash = '\0';
		sweep(root, dir, slash + 1, NULL);
	} while (m);
	/* In each snapshot, and each kernel's directory of the parameter cache: only
	 * the write commands write these, with this lock held, so whatever is there
	 * now was left by a run that was killed. */
	sweep_subdirs(root, STATE_DIR, SNAPSHOT_DIR, marks, NULL);
	sweep_subdirs(root, CACHE_DIR, CACHE_DIR, NULL, ".params");
}

/* A journal naming snapshot id, which snapshot_load() could not give (r): nothing to
 * undo the interrupted run from. -EBADMSG, or -ENOMEM. */
static int snapshot_unusable(unsigned id, int r, struct diag_list *d)
{
	return diag_error(
		d, -EBADMSG, TXN_JOURNAL, 0,
		"names snapshot %u, which is %s: the interrupted run cannot be undone from it; " UNUSABLE_HOWTO,
		id, r == -ENOENT ? "missing" : "not usable (above)", unusable_files());
}

int txn_journal_check(const struct sysroot *root, unsigned *ret_snapshot,
		      struct diag_list *d)
{
	struct snapshot *s = NULL;
	const struct boot_backend *loader;
	_cleanup_(journal_kargs_done) struct journal_kargs k = {0};
	bool grub, initramfs;
	unsigned id;
	int r = journal_read(root, &id, &loader, &grub, &initramfs, &k, d);

	*ret_snapshot = 0;
	if (r < 0 || !id)
		return r;
	r = snapshot_load(root, id, &s, d);
	snapshot_free(s);
	if (r == -ENOENT || r == -EBADMSG)
		return snapshot_unusable(id, r, d);
	if (r == 0)
		*ret_snapshot = id;
	return r;
}

/* --discard-journal, for a journal that cannot be used: its findings (from index from
 * on) become warnings, the journal goes, and the boot files are brought in line with
 * the files as the interrupted run left them (regenerated when run, else named for the
 * user to run). 0, TXN_UNRECOVERED, or -errno with a finding. */
static int discard(const struct sysroot *root, bool run,
		   const struct boot_backend *loader, const struct journal_kargs *k,
		   size_t from, struct diag_list *d)
{
	struct regen_cmd cmds[REGEN_CMDS_MAX];
	_cleanup_strbuf_ struct strbuf shown = {0};
	const char *chroot = NULL,
		   *locked = loader->ostree_live ? rpm_ostree_unchangeable(root) : NULL;
	size_t n = 0;
	int r;

	diag_demote(d, from);
	/* rpm-ostree would unlock a locked staged deployment: the journal stays. */
	if (locked)
		return diag_error(d, TXN_UNRECOVERED, "run/ostree/staged-deployment", 0,
				  "%s; the journal is kept", locked);
	r = sysroot_unlink(root, TXN_JOURNAL, false);
	if (r == -EISDIR)
		r = sysroot_remove_flat_dir(root, TXN_JOURNAL);
	if (r < 0)
		return r == -ENOMEM ? r
				    : diag_error(d, r, TXN_JOURNAL, 0,
						 "cannot remove: %s", strerror(-r));
	r = diag_warning(
		d, TXN_JOURNAL, 0,
		"removed (--discard-journal): the files stay as the interrupted run left them%s",
		run ? "; the boot files are regenerated from them" : "");
	if (r < 0)
		return r;
	if (run)
		return regen_after(root, loader, true, true, k, !(k && k->restored), NULL,
				   "the journal is removed", d) < 0
			       ? TXN_UNRECOVERED
			       : 0;
	/* As the change report names them: inside a --root tree, through chroot. */
	if (!sysroot_is_live(root))
		chroot = root->path;
	{
		_cleanup_strv_free_ char **add = NULL;
		struct regen_delta delta = {0};

		r = loader->ostree_live
			    ? ostree_delta_after(root, loader, true, k,
						 !(k && k->restored), &delta, &add, d)
			    : 0;
		select_left(root, loader, NULL, &delta);
		if (r == 0)
			r = regen_plan(root, loader, true, true, &delta, cmds, &n, false,
				       d);
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *c = regen_format(&cmds[i]);

		r = c ? strbuf_printf(&shown, "%s'%s%s%s%s'", i ? ", " : "",
				      chroot ? "chroot " : "", chroot ? chroot : "",
				      chroot ? " " : "", c)
		      : -ENOMEM;
	}
	if (r == 0 && n)
		r = diag_warning(
			d, NULL, 0,
			"the boot files may not match the files the interrupted run left: regenerate them before %s (%s)",
			loader->image_build ? "the image is committed" : "rebooting",
			shown.s);
	return r == -ENOMEM ? r : 0;
}

int txn_recover(const struct sysroot *root, bool run, bool discard_unusable,
		const struct boot_backend *loader_now, unsigned *ret_snapshot,
		struct diag_list *d)
{
	_cleanup_snapshot_ struct snapshot *s = NULL;
	_cleanup_(journal_kargs_done) struct journal_kargs k = {0};
	const struct boot_backend *loader;
	bool cmdline = false, modprobe = false, trial = false;
	unsigned id;
	bool ran_grub, ran_initramfs;
	size_t from = d->n;
	int r = journal_read(root, &id, &loader, &ran_grub, &ran_initramfs, &k, d);

	*ret_snapshot = 0;
	if (r == -EBADMSG && discard_unusable)
		return discard(root, run, loader_now, NULL, from, d);
	if (r < 0 || !id)
		return r;
	/* What rpm-ostree did only rpm-ostree undoes: without the commands, the journal
	 * stays and nothing is restored. */
	if (!run && loader->ostree_live && (k.ran || ran_initramfs))
		return diag_error(
			d, TXN_UNRECOVERED, TXN_JOURNAL, 0,
			"an interrupted run changed the next deployment with rpm-ostree, which only rpm-ostree undoes: run this again with the commands on (without --no-update; with --update under --root)");
	r = snapshot_load(root, id, &s, d);
	if (r == -ENOENT || r == -EBADMSG) {
		/* Nothing to undo it from: say what to check, and how to go on. */
		r = snapshot_unusable(id, r, d);
		return r == -EBADMSG && discard_unusable
			       ? discard(root, run, loader_now, &k, from, d)
			       : r;
	}
	if (r == 0)
		r = restore(root, s, &cmdline, &modprobe, &trial, d);
	if (r < 0)
		return r == -ENOMEM
			       ? r
			       : diag_error(
					 d, TXN_UNRECOVERED, TXN_JOURNAL, 0,
					 "an interrupted run could not be undone from snapshot %u",
					 id);
	cmdline |= ran_grub || k.ran;
	modprobe |= ran_initramfs;
	/* Killed after the snapshot was marked committed, before the commit point: it
	 * did not take effect after all. Until that is recorded the journal stays, and
	 * the next run does this again. */
	r = mark_undone(root, s, d);
	if (r < 0)
		return r;
	/* A trial's record or entry back as it was: its selection may be to take back
	 * (select_left()), with nothing else to make again. */
	if (run && (cmdline || modprobe || trial) &&
	    regen_after(root, loader, cmdline, modprobe, k.ran ? &k : NULL, false,
			s->operation, "the configuration is restored", d) < 0)
		r = TXN_UNRECOVERED;
	/* A kept journal given up on: the command to run by hand was named (not while a
	 * staged deployment is locked: then no command was planned). */
	if (r < 0 && k.ran && loader->ostree_live && discard_unusable &&
	    !rpm_ostree_unchangeable(root)) {
		diag_demote(d, from);
		r = diag_warning(
			d, TXN_JOURNAL, 0,
			"removed (--discard-journal): the kernel arguments it names stay as rpm-ostree left them; run the command above by hand");
	} else if (r < 0 && keep_for_kargs(root, id, loader, &k, modprobe, d)) {
		return r;
	}
	if (sysroot_unlink(root, TXN_JOURNAL, false) < 0 && r == 0)
		r = diag_error(d, TXN_UNRECOVERED, TXN_JOURNAL, 0, "cannot remove");
	*ret_snapshot = id;
	return r;
}

int txn_commit(const struct sysroot *root, struct txn *t, struct diag_list *d)
{
	_cleanup_strv_free_ char **paths = NULL, **dirs = NULL;
	_cleanup_snapshot_ struct snapshot *s = NULL;
	bool cmdline = false, modprobe = false, trial = false, touched = false;
	/* What rpm-ostree kargs may have done (the tokens are the caller's). */
	struct journal_kargs kargs = {.add = (char **)t->delta.add,
				      .del = (char **)t->delta.del};
	int r = 0, undo;

	for (size_t i = 0; r == 0 && i < t->n_files; i++) {
		r = strv_push(&paths, t->files[i].path);
		if (r == 0 && t->files[i].present)
			r = missing_dirs(root, t->files[i].path, &dirs);
	}
	if (r < 0)
		return r;
	/* 1. What is there now, before anything is touched. */
	r = snapshot_take(root, paths, dirs, t->operation, t->profile_before, t->undoes,
			  &t->snapshot, d);
	if (r < 0)
		return r == -ENOMEM ? r : TXN_FAILED;
	r = journal_write(root, t->snapshot, t->loader, false, false, NULL, false, d);
	if (r < 0)
		return r == -ENOMEM ? r : TXN_FAILED;
	/* 2. The files. */
	for (size_t i = 0; r == 0 && i < t->n_files; i++) {
		touched = true;
		r = put_file(root, &t->files[i], d);
	}
	if (r == 0 && t->rmdirs)
		r = remove_dirs(root, t->rmdirs, d);
	/* 3. The boot files: the journal first says which regenerations may run. */
	if (r == 0 && t->run && t->n_cmds) {
		bool g = false, ir = false, ka = false;

		for (size_t i = 0; i < t->n_cmds; i++) {
			g |= t->cmds[i].step == REGEN_MENU;
			ir |= t->cmds[i].step == REGEN_INITRAMFS;
			ka |= t->cmds[i].step == REGEN_KARGS;
		}
		r = journal_write(root, t->snapshot, t->loader, g, ir,
				  ka ? &t->delta : NULL, false, d);
		touched = true;
	}
	for (size_t i = 0; r == 0 && t->run && i < t->n_cmds; i++) {
		r = regen_run(root, &t->cmds[i], d);
		t->ran[i] = true;
	}
	if (r == 0 && t->run && t->n_cmds && t->verify)
		r = t->verify(root, t->verify_data, d);
	/* 4. Commit: the snapshot is marked as having taken effect, then the journal goes
	 * (the commit point). Killed between the two, the next run undoes the change
	 * and removes the mark; a mark that cannot be written fails the change, which
	 * is undone (a snapshot counts only with its mark: see snapshot.h). */
	if (r == 0) {
		r = snapshot_mark_committed(root, t->snapshot);
		if (r < 0 && r != -ENOMEM)
			r = diag_error(d, r, SNAPSHOT_DIR, 0,
				       "cannot mark snapshot %u as committed: %s",
				       t->snapshot, strerror(-r));
	}
	if (r == 0) {
		r = sysroot_unlink(root, TXN_JOURNAL, false);
		if (r < 0)
			r = diag_error(d, r, TXN_JOURNAL, 0, "cannot remove: %s",
				       strerror(-r));
	}
	if (r == 0) {
		snapshot_prune(root, SNAPSHOT_KEEP);
		return 0;
	}
	if (r == -ENOMEM && !touched)
		return r;
	/* Undo: the snapshot back, the boot files regenerated from it. */
	undo = snapshot_load(root, t->snapshot, &s, d);
	if (undo == 0)
		undo = restore(root, s, &cmdline, &modprobe, &trial, d);
	if (undo < 0)
		return diag_error(
			d, TXN_UNRECOVERED, NULL, 0,
			"the previous configuration could not be fully restored; the next 'amdgpu-tune apply', 'rollback' or 'remove' restores snapshot %u",
			t->snapshot);
	for (size_t i = 0; i < t->n_cmds; i++) {
		cmdline |= t->ran[i] && t->cmds[i].step == REGEN_MENU;
		modprobe |= t->ran[i] && t->cmds[i].step == REGEN_INITRAMFS;
		kargs.ran |= t->ran[i] && t->cmds[i].step == REGEN_KARGS;
	}
	cmdline |= kargs.ran;
	undo = t->run && (cmdline || modprobe || trial)
		       ? regen_after(root, t->loader, cmdline, modprobe,
				     kargs.ran ? &kargs : NULL, false, t->operation,
				     "the configuration is restored", d)
		       : 0;
	/* The configuration is back; if the journal stays, the next run finds nothing
	 * left to undo. The snapshot is of an operation that never took effect: without
	 * its mark it does not count (a failure to unmark keeps the journal). */
	if (mark_undone(root, s, d) < 0)
		return TXN_UNRECOVERED;
	if (undo < 0 && keep_for_kargs(root, t->snapshot, t->loader, &kargs, modprobe, d))
		return TXN_UNRECOVERED;
	sysroot_unlink(root, TXN_JOURNAL, false);
	return undo < 0 ? TXN_UNRECOVERED : TXN_FAILED;
}
