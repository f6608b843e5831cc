#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sysroot.h"
#include "util.h"

int sysroot_open(const char *path, struct sysroot **ret)
{
	struct sysroot *r = calloc(1, sizeof(*r));
	size_t n = strlen(path);

	if (!r)
		return -ENOMEM;
	while (n > 1 && path[n - 1] == '/')
		n--;
	r->path = strndup(path, n);
	if (!r->path) {
		free(r);
		return -ENOMEM;
	}
	r->fd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->fd < 0) {
		int e = -errno;

		free(r->path);
		free(r);
		return e;
	}
	*ret = r;
	return 0;
}

void sysroot_free(struct sysroot *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(r);
}

bool sysroot_is_live(const struct sysroot *r)
{
	return streq(r->path, "/");
}

/* Kernels before 5.6 have no openat2(2). This resolves rel the way RESOLVE_IN_ROOT
 * does (fs/namei.c: ".." never climbs above the root, an absolute symlink target starts
 * again at the root, at most 40 symlinks): one component at a time, each opened with
 * O_NOFOLLOW relative to the directory fd before it, so a symlink is only ever followed
 * here, as text, inside the root. Magic links (/proc/PID/fd/N) are read as text too,
 * which is what RESOLVE_NO_MAGICLINKS asks for. */
#define IN_ROOT_MAX_DEPTH 128
#define IN_ROOT_MAX_LINKS 40

int open_in_root(int rootfd, const char *rel, int flags)
{
	int stack[IN_ROOT_MAX_DEPTH], depth = 0, links = 0, k = 0;
	/* What is left to resolve; a symlink's target is put in front of it. */
	_cleanup_free_ char *todo = strdup(rel);

	if (!todo)
		return -ENOMEM;
	stack[0] = rootfd;
	for (;;) {
		char *p = todo, *name;
		struct stat st;
		bool last;
		int fd;

		while (*p == '/')
			p++;
		if (!*p) {
			/* The path ends on a directory (".", "a/..", "a/"). */
			fd = openat(stack[depth], ".", flags);
			k = fd < 0 ? -errno : fd;
			break;
		}
		name = p;
		p += strcspn(p, "/");
		if (*p)
			*p++ = '\0';
		while (*p == '/')
			p++;
		last = !*p;
		if (streq(name, ".")) {
			memmove(todo, p, strlen(p) + 1);
			continue;
		}
		if (streq(name, "..")) {
			if (depth > 0)
				close(stack[depth--]);
			memmove(todo, p, strlen(p) + 1);
			continue;
		}
		if (fstatat(stack[depth], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			k = -errno;
			break;
		}
		if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			char target[4096];
			ssize_t n = readlinkat(stack[depth], name, target,
					       sizeof(target) - 1);
			char *next;

			if (n < 0) {
				k = -errno;
				break;
			}
			if (++links > IN_ROOT_MAX_LINKS) {
				k = -ELOOP;
				break;
			}
			target[n] = '\0';
			if (target[0] == '/')
				while (depth > 0)
					close(stack[depth--]);
			if (asprintf(&next, "%s/%s", target, p) < 0) {
				k = -ENOMEM;
				break;
			}
			free(todo);
			todo = next;
			continue;
		}
		if (last) {
			/* O_NOFOLLOW: a symlink put here since the fstatat is refused. */
			fd = openat(stack[depth], name, flags | O_NOFOLLOW);
			k = fd < 0 ? -errno : fd;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			k = -ENOTDIR;
			break;
		}
		if (depth + 1 >= IN_ROOT_MAX_DEPTH) {
			k = -ENAMETOOLONG;
			break;
		}
		fd = openat(stack[depth], name,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			k = -errno;
			break;
		}
		stack[++depth] = fd;
		memmove(todo, p, strlen(p) + 1);
	}
	while (depth > 0)
		close(stack[depth--]);
	return k;
}

/* openat2(2) inside the root. With RESOLVE_IN_ROOT the kernel fails a ".." with EAGAIN
 * when any rename or mount anywhere on the system raced with the lookup (fs/namei.c,
 * handle_dots(): the rename and mount sequence counts moved), and the caller is to
 * try again: a package manager renaming files meanwhile must not make a file look
 * unreadable. Bounded, so a lookup that keeps racing still ends. */
static long openat2_in_root(int dirfd, const char *rel, struct open_how *how)
{
	long fd;

	for (int tries = 0; tries < 64; tries++) {
		fd = syscall(SYS_openat2, dirfd, rel, how, sizeof(*how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd;
}

int sysroot_openat(const struct sysroot *r, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	fd = openat2_in_root(r->fd, rel, &how);
	if (fd < 0 && errno == ENOSYS)
		return open_in_root(r->fd, rel, flags | O_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

static int read_fd(int fd, size_t max, char **ret, size_t *ret_len, struct stat *ret_st)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (ret_st)
		*ret_st = st;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EBADF;
	for (;;) {
		ssize_t k;

		if (len == cap) {
			char *n;

			if (cap > max)
				break;
			cap = cap ? cap * 2 : 4096;
			n = realloc(buf, cap + 1);
			if (!n) {
				free(buf);
				return -ENOMEM;
			}
			buf = n;
		}
		k = read(fd, buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = -errno;

			free(buf);
			return e;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	if (len > max) {
		free(buf);
		return -EFBIG;
	}
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

int sysroot_read_file(const struct sysroot *r, const char *rel, size_t max, bool nofollow,
		      char **ret, size_t *ret_len)
{
	return sysroot_read_file_stat(r, rel, max, nofollow, ret, ret_len, NULL);
}

int sysroot_read_file_stat(const struct sysroot *r, const char *rel, size_t max,
			   bool nofollow, char **ret, size_t *ret_len,
			   struct stat *ret_st)
{
	_cleanup_close_ int fd = sysroot_openat(
		r, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));

	return fd < 0 ? fd : read_fd(fd, max, ret, ret_len, ret_st);
}

int read_host_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	return read_host_file_stat(path, max, ret, ret_len, NULL);
}

int read_host_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
	return read_fd(fd, max, ret, ret_len, NULL);
}

int read_host_file_stat(const char *path, size_t max, char **ret, size_t *ret_len,
			struct stat *ret_st)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC |
						    (ret_st ? O_NOFOLLOW : 0));

	return fd < 0 ? -errno : read_fd(fd, max, ret, ret_len, ret_st);
}

int sysroot_opendir(const struct sysroot *r, const char *rel, DIR **ret)
{
	int fd = sysroot_openat(r, rel, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		int e = -errno;

		close(fd);
		return e;
	}
	*ret = d;
	return 0;
}

int sysroot_stat(const struct sysroot *r, const char *rel, struct stat *ret)
{
	_cleanup_close_ int fd = sysroot_openat(r, rel, O_PATH);

	if (fd < 0)
		return fd;
	return fstat(fd, ret) < 0 ? -errno : 0;
}

int sysroot_lstat_strict(const struct sysroot *r, const char *rel, struct stat *ret)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd;
	int k = 0;

	while (*rel == '/')
		rel++;
	fd = openat2_in_root(r->fd, *rel ? rel : ".", &how);
	if (fd < 0 && errno == ENOSYS) {
		/* Kernels before 5.6: every prefix, each without following a link. */
		_cleanup_free_ char *p = strdup(rel);

		if (!p)
			return -ENOMEM;
		for (char *s = p;; s++) {
			bool end = !*s;

			if (*s == '/' || end) {
				struct stat st;

				*s = '\0';
				if (fstatat(r->fd, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
					return -errno;
				if (S_ISLNK(st.st_mode))
					return -ELOOP;
				if (end) {
					*ret = st;
					return 0;
				}
				*s = '/';
			}
		}
	}
	if (fd < 0)
		return -errno;
	if (fstat((int)fd, ret) < 0)
		k = -errno;
	close((int)fd);
	return k;
}

int sysroot_path_trusted(const struct sysroot *r, const char *from, const char *rel,
			 char **ret_at, char ret_why[static 96])
{
	size_t n = strlen(from);
	_cleanup_free_ char *p = strdup(rel);

	*ret_at = NULL;
	if (!p)
		return -ENOMEM;
	if (strncmp(rel, from, n) != 0 || (rel[n] && rel[n] != '/'))
		return -EINVAL;
	for (size_t i = n;; i++) {
		char c = p[i];
		struct stat st;
		int k;

		if (c && c != '/')
			continue;
		p[i] = '\0';
		k = sysroot_lstat_strict(r, p, &st);
		if (k == -ELOOP || (k == 0 && S_ISLNK(st.st_mode))) {
			snprintf(ret_why, 96, "a symbolic link is on its path");
			k = -EPERM;
		} else if (k == 0 && st.st_uid != 0 &&
			   (sysroot_is_live(r) || st.st_uid != geteuid())) {
			snprintf(ret_why, 96, "owned by uid %u", (unsigned)st.st_uid);
			k = -EPERM;
		} else if (k == 0 && (st.st_mode & 022)) {
			snprintf(ret_why, 96, "group or others may write to it");
			k = -EPERM;
		}
		if (k < 0) {
			*ret_at = strdup(p);
			return *ret_at || k == -ENOENT ? k : -ENOMEM;
		}
		if (!c)
			return 0;
		p[i] = c;
	}
}

int sysroot_lstat(const struct sysroot *r, const char *rel, struct stat *ret)
{
	while (*rel == '/')
		rel++;
	return fstatat(r->fd, *rel ? rel : ".", ret, AT_SYMLINK_NOFOLLOW) < 0 ? -errno
									      : 0;
}

int sysroot_link_basename(const struct sysroot *r, const char *rel, char **ret)
{
	_cleanup_free_ char *dir = strdup(rel);
	char *slash, target[4096];
	const char *base;
	ssize_t n;
	int fd;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	fd = sysroot_openat(r, dir, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	n = readlinkat(fd, slash + 1, target, sizeof(target) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	*ret = strdup(base ? base + 1 : target);
	return *ret ? 0 : -ENOMEM;
}

bool sysroot_exists(const struct sysroot *r, const char *rel)
{
	int fd = sysroot_openat(r, rel, O_PATH);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

char *sysroot_display(const struct sysroot *r, const char *rel)
{
	struct strbuf b = {0};

	while (*rel == '/')
		rel++;
	if (strbuf_printf(&b, "%s/%s", sysroot_is_live(r) ? "" : r->path, rel) < 0) {
		strbuf_done(&b);
		return NULL;
	}
	return strbuf_steal(&b);
}

const struct file_override *file_override_find(const struct file_override *list,
					       const char *rel)
{
	for (; list && list->rel; list++)
		if (streq(list->rel, rel))
			return list;
	return NULL;
}

int sysroot_mkdir_p(const struct sysroot *r, const char *rel, mode_t mode)
{
	_cleanup_free_ char *path = strdup(rel);
	int fd, k;

	if (!path)
		return -ENOMEM;
	for (char *p = path;; p++) {
		bool last = !*p;

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (*path) {
			fd = sysroot_openat(r, path, O_PATH | O_DIRECTORY | O_NOFOLLOW);
			if (fd == -ENOENT) {
				_cleanup_free_ char *parent = strdup(path);
				char *slash = parent ? strrchr(parent, '/') : NULL;
				int dfd;

				if (!parent)
					return -ENOMEM;
				if (slash)
					*slash = '\0';
				dfd = sysroot_openat(r, slash ? parent : ".",
						     O_PATH | O_DIRECTORY | O_NOFOLLOW);
				if (dfd < 0)
					return dfd;
				k = mkdirat(dfd, slash ? slash + 1 : path, mode);
				close(dfd);
				if (k < 0 && errno != EEXIST)
					return -errno;
				fd = sysroot_openat(r, path,
						    O_PATH | O_DIRECTORY | O_NOFOLLOW);
			}
			if (fd < 0)
				return fd == -ELOOP ? -ENOTDIR : fd;
			close(fd);
		}
		if (last)
			break;
		*p = '/';
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t k = write(fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

int sysroot_write_atomic(const struct sysroot *r, const char *rel, const void *data,
			 size_t len, mode_t mode)
{
	return sysroot_write_atomic_as(r, rel, data, len, mode, (uid_t)-1, (gid_t)-1);
}

int sysroot_write_atomic_as(const struct sysroot *r, const char *rel, const void *data,
			    size_t len, mode_t mode, uid_t uid, gid_t gid)
{
	_cleanup_free_ char *dir = strdup(rel);
	char tmp[300], *slash;
	const char *base;
	int dfd, fd = -1, k = 0;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	base = slash ? slash + 1 : dir;
	if (slash)
		*slash = '\0';
	if (!*base || strlen(base) > 200)
		return -EINVAL;
	dfd = sysroot_openat(r, slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (dfd < 0)
		return dfd;
	for (int attempt = 0; attempt < 16 && fd < 0; attempt++) {
		unsigned rnd = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL) ^
			       (unsigned)attempt * 40503u;

		snprintf(tmp, sizeof(tmp), ".%s.%08x.tmp", base, rnd);
		fd = openat(dfd, tmp,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    mode == SYSROOT_MODE_FS ? 0644 : 0600);
		if (fd < 0 && errno != EEXIST) {
			k = -errno;
			close(dfd);
			return k;
		}
	}
	if (fd < 0) {
		close(dfd);
		return -EEXIST;
	}
	k = write_all(fd, data, len);
	if (k == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0)
		k = -errno;
	/* After fchown, which clears set-id bits. */
	if (k == 0 && mode != SYSROOT_MODE_FS && fchmod(fd, mode) < 0)
		k = -errno;
	if (k == 0 && fsync(fd) < 0)
		k = -errno;
	if (close(fd) < 0 && k == 0)
		k = -errno;
	if (k == 0 && renameat(dfd, tmp, dfd, base) < 0)
		k = -errno;
	if (k < 0) {
		unlinkat(dfd, tmp, 0);
		close(dfd);
		return k;
	}
	if (fsync(dfd) < 0)
		k = -EIO;
	close(dfd);
	return k;
}

/* Opens the directory holding rel; *ret_base points into the returned copy. */
static int open_parent(const struct sysroot *r, const char *rel, char **ret_dir,
		       const char **ret_base)
{
	char *dir = strdup(rel), *slash;
	int dfd;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	*ret_base = slash ? slash + 1 : dir;
	if (slash)
		*slash = '\0';
	dfd = sysroot_openat(r, slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (dfd < 0)
		free(dir);
	else
		*ret_dir = dir;
	return dfd;
}

int sysroot_unlink(const struct sysroot *r, const char *rel, bool dir)
{
	_cleanup_free_ char *copy = NULL;
	const char *base;
	int dfd = open_parent(r, rel, &copy, &base), k = 0;

	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	if (unlinkat(dfd, base, dir ? AT_REMOVEDIR : 0) < 0)
		k = errno == ENOENT ? 1 : -errno;
	else if (fsync(dfd) < 0)
		k = -EIO;
	close(dfd);
	return k == 1 ? 0 : k;
}

int sysroot_remove_flat_dir(const struct sysroot *r, const char *rel)
{
	int fd = sysroot_openat(r, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (fd < 0)
		return fd;
	if (!dir) {
		int k = -errno;

		close(fd);
		return k;
	}
	while ((de = readdir(dir)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			unlinkat(dirfd(dir), de->d_name, 0);
	closedir(dir);
	return sysroot_unlink(r, rel, true);
}
