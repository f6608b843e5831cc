#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "fragment.h"
#include "profile.h"
#include "snapshot.h"
#include "state.h"
#include "strv.h"
#include "sysroot.h"

#define MANIFEST     "manifest"
#define MANIFEST_MAX ((size_t)64 * 1024)
#define BLOB_MAX     ((size_t)1024 * 1024)

void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	free(s->operation);
	free(s->profile);
	strv_free(s->dirs);
	for (size_t i = 0; i < s->n_files; i++) {
		/* The snapshot's own copies (file_change borrows elsewhere). */
		free((char *)s->files[i].f.path);
		free(s->files[i].f.data);
	}
	free(s->files);
	free(s);
}

void snapshot_list_free(struct snapshot **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snapshot_free(l[i]);
	free(l);
}

static int parse_uint(const char *s, int base, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int bad(struct diag_list *d, const char *file, unsigned line, const char *what)
{
	int r = diag_add(d, DIAG_ERROR, file, line, "corrupt snapshot manifest: %s",
			 what);

	return r < 0 ? r : -EBADMSG;
}

bool snapshot_mode_is_safe(mode_t mode, gid_t gid)
{
	return snapshot_mode_clamp(mode, gid) == mode;
}

mode_t snapshot_mode_clamp(mode_t mode, gid_t gid)
{
	/* No set-id or sticky bit, nothing others may write; the group may write only
	 * when it is root's. */
	mode &= 0775;
	if (gid != 0)
		mode &= ~(mode_t)0020;
	return mode;
}

bool snapshot_owner_is_safe(const struct sysroot *root, uid_t uid)
{
	return uid == 0 || (!sysroot_is_live(root) && uid == geteuid());
}

/* Whether the caller may give a file group gid (fchown succeeds). */
static bool may_chgrp(gid_t gid)
{
	gid_t groups[256];
	int n;

	if (geteuid() == 0 || gid == getegid())
		return true;
	n = getgroups((int)ELEMENTSOF(groups), groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* The owner and mode snapshot_take() records for a live file: the rule's nearest to
 * what is there, and what a restore by this caller can give back. A live file outside
 * the rule (a group-writable etc/kernel/cmdline of a non-root group, a set-uid bit, a
 * user's file on the running system) is recorded clamped, not as it is: recorded as it
 * is, snapshot_load() would refuse the snapshot and the operation could not be undone. */
static void record_clamped(const struct sysroot *root, const struct stat *st,
			   struct snap_file *f)
{
	/* On the running system only root's (apply itself writes files as root there);
	 * under --root root's or the caller's, and a caller other than root can give
	 * them only its own. */
	f->f.uid = sysroot_is_live(root) ? 0 : geteuid();
	f->f.gid = may_chgrp(st->st_gid) ? st->st_gid : getegid();
	f->f.mode = snapshot_mode_clamp(st->st_mode & 07777, f->f.gid);
}

/* A directory a managed file lives in (apply may have created it). */
static bool managed_dir(const char *path)
{
	size_t n = strlen(path);

	const struct managed_file *m;

	for (size_t i = 0; (m = managed_file(i)); i++)
		if (strncmp(m->path, path, n) == 0 && m->path[n] == '/')
			return true;
	return false;
}

/* One "file" line's fields after the path. */
static int parse_file(char *rest, struct snap_file *f)
{
	char *field[4];
	uint64_t v;
	size_t n = 0;

	if (streq(rest, "absent"))
		return 0;
	for (char *p = rest; n < 4 && p; n++) {
		field[n] = p;
		p = strchr(p, ' ');
		if (p)
			*p++ = '\0';
		if (n == 3 && p)
			return -EINVAL;
	}
	if (n != 4)
		return -EINVAL;
	if (parse_uint(field[0], 8, 07777, &v) < 0)
		return -EINVAL;
	f->f.mode = (mode_t)v;
	if (parse_uint(field[1], 10, UINT32_MAX - 1, &v) < 0)
		return -EINVAL;
	f->f.uid = (uid_t)v;
	if (parse_uint(field[2], 10, UINT32_MAX - 1, &v) < 0)
		return -EINVAL;
	f->f.gid = (gid_t)v;
	/* What snapshot_take() records, and nothing a restore must not create (the
	 * owner is checked by snapshot_load(), which knows the caller). */
	if (!snapshot_mode_is_safe(f->f.mode, f->f.gid))
		return -EINVAL;
	if (strlen(field[3]) != 64 || strspn(field[3], "0123456789abcdef") != 64)
		return -EINVAL;
	memcpy(f->sha256, field[3], 65);
	f->f.present = true;
	f->f.owner = true;
	return 0;
}

int manifest_parse(const char *file, const char *buf, size_t len, struct snapshot **ret,
		   struct diag_list *d)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	char *copy = strndup(buf, len);
	unsigned line = 0;
	bool version = false, have_id = false, have_time = false, have_profile = false;
	int r = 0;

	if (!s || !copy) {
		free(copy);
		snapshot_free(s);
		return -ENOMEM;
	}
	if (memchr(buf, '\0', len))
		r = bad(d, file, 0, "NUL byte");
	for (char *cur = copy, *l, *val;
	     r == 0 && next_key_value(&cur, &line, &l, &val) > 0;) {
		uint64_t v;

		if (!val) {
			r = bad(d, file, line, "a key without a value");
			break;
		}
		if (streq(l, "version")) {
			if (!(streq(val, "1") || streq(val, "2")) || version)
				r = bad(d, file, line, "unknown or repeated version");
			s->version = val[0] == '2' ? 2 : 1;
			version = true;
		} else if (streq(l, "id") || streq(l, "undoes")) {
			bool id = streq(l, "id");

			if ((id ? have_id : s->undoes != 0) ||
			    parse_uint(val, 10, 999999999, &v) < 0 || v == 0) {
				r = bad(d, file, line, "invalid or repeated id");
				break;
			}
			if (id) {
				s->id = (unsigned)v;
				have_id = true;
			} else {
				s->undoes = (unsigned)v;
			}
		} else if (streq(l, "time")) {
			if (have_time || parse_uint(val, 10, INT64_MAX, &v) < 0)
				r = bad(d, file, line, "invalid or repeated time");
			s->time = (int64_t)v;
			have_time = true;
		} else if (streq(l, "operation")) {
			if (s->operation ||
			    !(streq(val, "apply") || streq(val, "rollback") ||
			      streq(val, "remove") || streq(val, "trial") ||
			      streq(val, "confirm")))
				r = bad(d, file, line, "invalid or repeated operation");
			else if (!(s->operation = strdup(val)))
				r = -ENOMEM;
		} else if (streq(l, "profile")) {
			if (have_profile ||
			    (!streq(val, "-") && !profile_name_is_valid(val)))
				r = bad(d, file, line, "invalid or repeated profile");
			else if (!streq(val, "-") && !(s->profile = strdup(val)))
				r = -ENOMEM;
			have_profile = true;
		} else if (streq(l, "dir")) {
			if (!rel_path_is_safe(val) || !managed_dir(val))
				r = bad(d, file, line,
					"a directory apply does not create");
			else if (strv_push(&s->dirs, val) < 0)
				r = -ENOMEM;
		} else if (streq(l, "file")) {
			char *rest = strchr(val, ' ');
			struct snap_file *f;

			if (!rest) {
				r = bad(d, file, line, "file entry without its state");
				break;
			}
			*rest++ = '\0';
			if (ARRAY_GROW(s->files, s->n_files) < 0) {
				r = -ENOMEM;
				break;
			}
			f = &s->files[s->n_files];
			*f = (struct snap_file){0};
			if (!rel_path_is_safe(val) || !managed_file_lookup(val)) {
				r = bad(d, file, line,
					"a file amdgpu-tune does not manage");
				break;
			}
			if (parse_file(rest, f) < 0) {
				r = bad(d, file, line,
					"invalid file entry (or a mode apply never writes)");
				break;
			}
			for (size_t i = 0; i < s->n_files; i++)
				if (streq(s->files[i].f.path, val))
					r = bad(d, file, line, "repeated file");
			if (r == 0 && !(f->f.path = strdup(val)))
				r = -ENOMEM;
			if (r == 0)
				s->n_files++;
		} else {
			r = bad(d, file, line, "unknown key");
		}
	}
	if (r == 0 &&
	    (!version || !have_id || !have_time || !s->operation || !have_profile))
		r = bad(d, file, 0, "a required key is missing");
	free(copy);
	if (r < 0) {
		snapshot_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int manifest_format(const struct snapshot *s, char **ret)
{
	struct strbuf b = {0};
	int r = strbuf_printf(
		&b,
		"# amdgpu-tune snapshot. Restore with 'amdgpu-tune rollback %u'.\n"
		"version %u\nid %u\ntime %" PRId64 "\noperation %s\nprofile %s\n",
		s->id, s->version == 1 ? 1 : 2, s->id, s->time, s->operation,
		s->profile ? s->profile : "-");

	if (r == 0 && s->undoes)
		r = strbuf_printf(&b, "undoes %u\n", s->undoes);
	for (size_t i = 0; r == 0 && s->dirs && s->dirs[i]; i++)
		r = strbuf_printf(&b, "dir %s\n", s->dirs[i]);
	for (size_t i = 0; r == 0 && i < s->n_files; i++) {
		const struct snap_file *f = &s->files[i];

		if (f->f.present)
			r = strbuf_printf(&b, "file %s %04o %u %u %s\n", f->f.path,
					  (unsigned)f->f.mode, (unsigned)f->f.uid,
					  (unsigned)f->f.gid, f->sha256);
		else
			r = strbuf_printf(&b, "file %s absent\n", f->f.path);
	}
	if (r < 0) {
		strbuf_done(&b);
		return r;
	}
	*ret = strbuf_steal(&b);
	return 0;
}

/* A directory name that is a snapshot id: digits without a leading zero. */
static bool id_name(const char *n, unsigned *ret)
{
	uint64_t v;

	if (n[0] < '1' || n[0] > '9' || parse_uint(n, 10, 999999999, &v) < 0)
		return false;
	*ret = (unsigned)v;
	return true;
}

/* The ids of complete snapshots (numeric names) and the highest id in use, also counting
 * incomplete ".new-N" directories. */
/* The snapshot ids, oldest first; only real directories count (a symlink named like a
 * snapshot is never followed). -EBADMSG (a finding) when the directory is not ours. */
static int scan(const struct sysroot *root, unsigned **ret, size_t *ret_n,
		unsigned *ret_max, struct diag_list *d)
{
	_cleanup_closedir_ DIR *dir = NULL;
	_cleanup_free_ unsigned *ids = NULL;
	struct dirent *de;
	unsigned max = 0;
	size_t n = 0;
	int r = state_path_trusted(root, SNAPSHOT_DIR, d);

	*ret = NULL;
	*ret_n = 0;
	*ret_max = 0;
	if (r == 0)
		r = sysroot_opendir(root, SNAPSHOT_DIR, &dir);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	while ((de = readdir(dir))) {
		const char *name = de->d_name;
		bool tmp = startswith(name, ".new-") != NULL;
		unsigned id;

		if (!id_name(tmp ? name + 5 : name, &id))
			continue;
		if (de->d_type != DT_DIR) {
			struct stat st;

			if (de->d_type != DT_UNKNOWN ||
			    fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISDIR(st.st_mode))
				continue;
		}
		if (id > max)
			max = id;
		if (tmp)
			continue;
		if (ARRAY_GROW(ids, n) < 0)
			return -ENOMEM;
		ids[n++] = id;
	}
	/* Oldest first. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
			unsigned t = ids[j];

			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	*ret = TAKE_PTR(ids);
	*ret_n = n;
	*ret_max = max;
	return 0;
}

static int snapdir(struct strbuf *b, unsigned id, const char *name)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
	return name ? strbuf_printf(b, "%s/%u/%s", SNAPSHOT_DIR, id, name)
		    : strbuf_printf(b, "%s/%u", SNAPSHOT_DIR, id);
}

static int fail(struct diag_list *d, const char *rel, int err, const char *what)
{
	if (err == -ENOMEM)
		return err;
	return diag_error(d, err, rel, 0, "%s: %s", what, read_error_text(-err));
}

int snapshot_take(const struct sysroot *root, char *const *paths, char *const *dirs,
		  const char *operation, const char *profile, unsigned undoes,
		  unsigned *ret_id, struct diag_list *d)
{
	struct snapshot s = {.version = 2,
			     .time = (int64_t)time(NULL),
			     .undoes = undoes,
			     .operation = (char *)operation,
			     .profile = (char *)profile,
			     .dirs = (char **)dirs};
	_cleanup_free_ unsigned *ids = NULL;
	_cleanup_free_ char *manifest = NULL;
	_cleanup_strbuf_ struct strbuf tmp = {0};
	_cleanup_strbuf_ struct strbuf rel = {0};
	_cleanup_strbuf_ struct strbuf final = {0};
	size_t n_ids, n = strv_length((char **)paths);
	unsigned max;
	int r, dfd;

	r = sysroot_mkdir_p(root, SNAPSHOT_DIR, 0700);
	if (r < 0)
		return fail(d, SNAPSHOT_DIR, r, "cannot create");
	r = scan(root, &ids, &n_ids, &max, d);
	if (r == -EBADMSG || r == -ENOMEM)
		return r;
	if (r < 0)
		return fail(d, SNAPSHOT_DIR, r, "cannot read");
	s.id = max + 1;
	s.files = calloc(n + 1, sizeof(*s.files));
	if (!s.files)
		return -ENOMEM;
	r = strbuf_printf(&tmp, "%s/.new-%u", SNAPSHOT_DIR, s.id);
	if (r < 0)
		goto out;
	dfd = sysroot_openat(root, SNAPSHOT_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW);
	if (dfd < 0) {
		r = fail(d, SNAPSHOT_DIR, dfd, "cannot open");
		goto out;
	}
	r = mkdirat(dfd, tmp.s + strlen(SNAPSHOT_DIR) + 1, 0700) < 0 ? -errno : 0;
	close(dfd);
	if (r < 0) {
		r = fail(d, tmp.s, r, "cannot create");
		goto out;
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct snap_file *f = &s.files[s.n_files++];
		_cleanup_free_ char *buf = NULL;
		struct stat st;
		size_t len = 0;

		f->f.path = paths[i];
		r = sysroot_read_file_stat(root, paths[i], BLOB_MAX, true, &buf, &len,
					   &st);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r < 0) {
			r = fail(d, paths[i], r, "cannot copy into a snapshot");
			break;
		}
		f->f.present = true;
		record_clamped(root, &st, f);
		sha256_hex(buf, len, f->sha256);
		rel.len = 0;
		r = strbuf_printf(&rel, "%s/%zu", tmp.s, i);
		if (r == 0)
			r = sysroot_write_atomic(root, rel.s, buf, len, 0600);
		if (r < 0)
			r = fail(d, rel.s, r, "cannot write");
	}
	/* The manifest last: a snapshot is complete when it is there and renamed. */
	if (r == 0)
		r = manifest_format(&s, &manifest);
	if (r == 0) {
		rel.len = 0;
		r = strbuf_printf(&rel, "%s/%s", tmp.s, MANIFEST);
	}
	if (r == 0) {
		r = sysroot_write_atomic(root, rel.s, manifest, strlen(manifest), 0600);
		if (r < 0)
			r = fail(d, rel.s, r, "cannot write");
	}
	if (r == 0)
		r = snapdir(&final, s.id, NULL);
	if (r == 0) {
		dfd = sysroot_openat(root, SNAPSHOT_DIR,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (dfd < 0) {
			r = fail(d, SNAPSHOT_DIR, dfd, "cannot open");
		} else {
			if (renameat(dfd, tmp.s + strlen(SNAPSHOT_DIR) + 1, dfd,
				     final.s + strlen(SNAPSHOT_DIR) + 1) < 0 ||
			    fsync(dfd) < 0)
				r = fail(d, final.s, -errno,
					 "cannot complete the snapshot");
			close(dfd);
		}
	}
	if (r < 0)
		sysroot_remove_flat_dir(root, tmp.s);
	else
		*ret_id = s.id;
out:
	free(s.files);
	return r;
}

/* Whether the marker file name is beside snapshot id's manifest (a regular file, reached
 * without a symlink). 0 or -ENOMEM. */
static int marker_is_there(const struct sysroot *root, unsigned id, const char *name,
			   bool *ret)
{
	_cleanup_strbuf_ struct strbuf rel = {0};
	struct stat st;
	int r = snapdir(&rel, id, name);

	*ret = r == 0 && sysroot_lstat_strict(root, rel.s, &st) == 0 &&
	       S_ISREG(st.st_mode);
	return r;
}

static int read_manifest(const struct sysroot *root, unsigned id, struct snapshot **ret,
			 struct diag_list *d)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_strbuf_ struct strbuf rel = {0};
	size_t len;
	int r = snapdir(&rel, id, MANIFEST);

	if (r == 0)
		r = state_path_trusted(root, rel.s, d);
	if (r == -EBADMSG)
		return r;
	if (r == 0)
		r = sysroot_read_file(root, rel.s, MANIFEST_MAX, true, &buf, &len);
	if (r == 0)
		r = manifest_parse(rel.s, buf, len, ret, d);
	else if (r != -ENOENT)
		r = fail(d, rel.s, r, "cannot read");
	if (r == 0 && (*ret)->id != id) {
		snapshot_free(*ret);
		*ret = NULL;
		r = bad(d, rel.s, 0, "its id is not its directory's name");
	}
	if (r == 0) {
		/* See the top of snapshot.h: version 2 counts only when committed,
		 * version 1 (older snapshots) unless undone. */
		bool v2 = (*ret)->version == 2, marked = false;

		r = marker_is_there(root, id, v2 ? "committed" : "undone", &marked);
		(*ret)->undone = v2 ? !marked : marked;
		if (r < 0) {
			snapshot_free(*ret);
			*ret = NULL;
		}
	}
	return r;
}

int snapshot_list(const struct sysroot *root, struct snapshot ***ret, size_t *ret_n,
		  struct diag_list *d)
{
	_cleanup_free_ unsigned *ids = NULL;
	struct snapshot **l;
	size_t n_ids, n = 0;
	unsigned max;
	int r = scan(root, &ids, &n_ids, &max, d);

	if (r == -EBADMSG || r == -ENOMEM)
		return r;
	if (r < 0)
		return fail(d, SNAPSHOT_DIR, r, "cannot read");
	l = calloc(n_ids + 1, sizeof(struct snapshot *));
	if (!l)
		return -ENOMEM;
	for (size_t i = 0; i < n_ids; i++) {
		r = read_manifest(root, ids[i], &l[n], d);
		if (r == -ENOMEM) {
			snapshot_list_free(l, n);
			return r;
		}
		/* A broken snapshot is reported and left out. */
		if (r == 0)
			n++;
	}
	*ret = l;
	*ret_n = n;
	return 0;
}

int snapshot_load(const struct sysroot *root, unsigned id, struct snapshot **ret,
		  struct diag_list *d)
{
	struct snapshot *s = NULL;
	struct strbuf rel = {0};
	int r = read_manifest(root, id, &s, d);

	for (size_t i = 0; r == 0 && i < s->n_files; i++) {
		struct snap_file *f = &s->files[i];
		char sha[65];

		if (!f->f.present)
			continue;
		r = snapdir(&rel, id, NULL);
		if (r == 0)
			r = strbuf_printf(&rel, "/%zu", i);
		if (r == 0 && !snapshot_owner_is_safe(root, f->f.uid)) {
			char what[96];

			snprintf(what, sizeof(what),
				 "file %s with owner %u:%u, which apply never writes",
				 f->f.path, (unsigned)f->f.uid, (unsigned)f->f.gid);
			r = bad(d, rel.s, 0, what);
			break;
		}
		if (r == 0)
			r = state_path_trusted(root, rel.s, d);
		if (r == -EBADMSG)
			break;
		if (r == 0)
			r = sysroot_read_file(root, rel.s, BLOB_MAX, true, &f->f.data,
					      &f->f.len);
		if (r < 0) {
			r = r == -ENOENT ? bad(d, rel.s, 0, "a copied file is missing")
					 : fail(d, rel.s, r, "cannot read");
			break;
		}
		sha256_hex(f->f.data, f->f.len, sha);
		if (!streq(sha, f->sha256))
			r = bad(d, rel.s, 0, "a copied file does not match its checksum");
	}
	strbuf_done(&rel);
	if (r < 0) {
		snapshot_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int snapshot_mark_committed(const struct sysroot *root, unsigned id)
{
	_cleanup_strbuf_ struct strbuf rel = {0};
	int r = snapdir(&rel, id, "committed");

	if (r == 0)
		r = sysroot_write_atomic(root, rel.s, "", 0, 0600);
	return r;
}

int snapshot_mark_undone(const struct sysroot *root, const struct snapshot *s)
{
	_cleanup_strbuf_ struct strbuf rel = {0};
	int r = snapdir(&rel, s->id, s->version == 2 ? "committed" : "undone");

	if (r == 0)
		r = s->version == 2 ? sysroot_unlink(root, rel.s, false)
				    : sysroot_write_atomic(root, rel.s, "", 0, 0644);
	return r;
}

int snapshot_prune(const struct sysroot *root, unsigned keep)
{
	_cleanup_free_ unsigned *ids = NULL;
	DIR *dir = NULL;
	struct dirent *de;
	_cleanup_strbuf_ struct strbuf rel = {0};
	size_t n;
	unsigned max;
	struct diag_list ignored = {0};
	int r = scan(root, &ids, &n, &max, &ignored);

	diag_list_done(&ignored);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (size_t i = 0; r == 0 && n > keep && i < n - keep; i++) {
		r = snapdir(&rel, ids[i], NULL);
		if (r == 0)
			sysroot_remove_flat_dir(root, rel.s);
	}
	/* Incomplete snapshots of interrupted runs. */
	if (r == 0 && sysroot_opendir(root, SNAPSHOT_DIR, &dir) == 0) {
		char **stale = NULL;

		while ((de = readdir(dir)))
			if (startswith(de->d_name, ".new-") &&
			    strv_push(&stale, de->d_name) < 0)
				r = -ENOMEM;
		closedir(dir);
		for (size_t i = 0; r == 0 && stale && stale[i]; i++) {
			rel.len = 0;
			r = strbuf_printf(&rel, "%s/%s", SNAPSHOT_DIR, stale[i]);
			if (r == 0)
				sysroot_remove_flat_dir(root, rel.s);
		}
		strv_free(stale);
	}
	return r;
}
