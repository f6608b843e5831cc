/* Every access to the files of the root the tool operates on (--root, default "/")
 * goes through here. Paths are resolved as if the root were "/" (openat2
 * RESOLVE_IN_ROOT, or open_in_root() where the kernel lacks it), so an absolute symlink
 * inside an image cannot reach the host. The host files read otherwise are named by the
 * user (check FILE, --kernel-log FILE) or are the live system's own (/dev/kmsg,
 * journalctl). */
#pragma once

#include <dirent.h>
#include <unistd.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

struct sysroot {
	int fd;
	char *path; /* as given, without trailing slashes; "/" for the live system */
};

/* Opens the root directory. *ret owned by the caller (sysroot_free()). 0 or -errno. */
int sysroot_open(const char *path, struct sysroot **ret);
void sysroot_free(struct sysroot *r);

/* True when the root is the running system ("/"). */
bool sysroot_is_live(const struct sysroot *r);

/* Opens rel (no leading '/') inside the root with open(2) flags; O_CLOEXEC is added.
 * Returns the fd or -errno. */
int sysroot_openat(const struct sysroot *r, const char *rel, int flags);

/* What sysroot_openat() does on kernels without openat2(2): rel resolved inside the
 * directory rootfd one component at a time, as RESOLVE_IN_ROOT would. fd or -errno. */
int open_in_root(int rootfd, const char *rel, int flags);

/* Reads a whole regular (or proc/sysfs) file of at most max bytes; a larger file is
 * -EFBIG. *ret is NUL-terminated and owned by the caller. Symlinks in the last component
 * are refused when nofollow is set. 0 or -errno. */
int sysroot_read_file(const struct sysroot *r, const char *rel, size_t max, bool nofollow,
		      char **ret, size_t *ret_len);

/* The same, also giving the fstat(2) of the file it read (for owner and mode checks). */
int sysroot_read_file_stat(const struct sysroot *r, const char *rel, size_t max,
			   bool nofollow, char **ret, size_t *ret_len,
			   struct stat *ret_st);

/* Same for a path on the host (not under the root), e.g. `check ./my.conf`. */
int read_host_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* Like read_host_file(), from fd (open for reading; not closed). */
int read_host_fd(int fd, size_t max, char **ret, size_t *ret_len);

/* The same, refusing a symlink as the last component, with the file's fstat(2). */
int read_host_file_stat(const char *path, size_t max, char **ret, size_t *ret_len,
			struct stat *ret_st);

/* Opens a directory inside the root for reading. 0 or -errno. */
int sysroot_opendir(const struct sysroot *r, const char *rel, DIR **ret);

/* stat(2) of rel inside the root, following symlinks. 0 or -errno. */
int sysroot_stat(const struct sysroot *r, const char *rel, struct stat *ret);
/* Like sysroot_stat(), but a symlink anywhere on the path is -ELOOP (the path itself is
 * not followed either). */
int sysroot_lstat_strict(const struct sysroot *r, const char *rel, struct stat *ret);
/* Whether rel and every directory from its prefix `from` down to it can be trusted as
 * the tool's own data: reached without a symlink, owned by root (in a root other than
 * "/", also by the caller), not writable by group or others. 0; -EPERM with the first
 * such path in *ret_at (a new string) and what is wrong with it in ret_why; -ENOENT
 * (*ret_at: the missing path), -EINVAL (rel not below from) or another -errno. */
int sysroot_path_trusted(const struct sysroot *r, const char *from, const char *rel,
			 char **ret_at, char ret_why[static 96]);
/* The last component of rel without following it (a symlink is described itself);
 * for paths whose parents were checked with it first. */
int sysroot_lstat(const struct sysroot *r, const char *rel, struct stat *ret);

/* The last component of the target of the symlink rel (e.g. a sysfs "driver" link), in
 * a new string. 0 or -errno. */
int sysroot_link_basename(const struct sysroot *r, const char *rel, char **ret);

/* True when rel exists inside the root (any type). */
bool sysroot_exists(const struct sysroot *r, const char *rel);

/* The path of rel as the user can open it: the root's path joined with rel. New string,
 * or NULL on ENOMEM. */
char *sysroot_display(const struct sysroot *r, const char *rel);

/* A file taken to hold text instead of what is on disk (text NULL: taken to be absent),
 * so readers can answer "what would the next boot be after apply writes this". Lists
 * end with a {NULL} entry. */
struct file_override {
	const char *rel;
	const char *text;
};

/* The override for rel in list (which may be NULL), or NULL. */
const struct file_override *file_override_find(const struct file_override *list,
					       const char *rel);

/* Creates rel and its missing parents inside the root (mode for new ones); existing
 * directories are fine, a symlink or a file in the way is -ENOTDIR. 0 or -errno. */
int sysroot_mkdir_p(const struct sysroot *r, const char *rel, mode_t mode);

/* Replaces rel inside the root atomically with len bytes of data: a temporary dotfile in
 * the same directory (no grub "*.cfg" or kmod "*.conf" glob matches it) opened
 * O_CREAT|O_EXCL|O_NOFOLLOW, the whole buffer written, fchmod(mode), fsync, renameat over
 * rel, fsync of the directory. The temporary file is removed on every error. The parent
 * directory must exist. 0, or -errno of the step that failed; -EIO after the rename
 * when only the directory fsync failed (the new file is in place but maybe not durable).
 */
int sysroot_write_atomic(const struct sysroot *r, const char *rel, const void *data,
			 size_t len, mode_t mode);

/* The same, also setting the owner (fchown before fchmod; (uid_t)-1 and (gid_t)-1 keep
 * the caller's). A mode of SYSROOT_MODE_FS: the file is created 0644 (less the umask)
 * and its mode never set, as on FAT, where the mount decides it. */
#define SYSROOT_MODE_FS ((mode_t)-1)
int sysroot_write_atomic_as(const struct sysroot *r, const char *rel, const void *data,
			    size_t len, mode_t mode, uid_t uid, gid_t gid);

/* Removes the file rel (dir: the empty directory rel) and fsyncs its directory. A
 * missing rel or parent is 0; a directory that is not empty is -ENOTEMPTY. 0 or -errno.
 */
int sysroot_unlink(const struct sysroot *r, const char *rel, bool dir);

/* Removes the directory rel after every entry in it that is not a directory (never
 * following a symlink). 0, or -errno of removing rel itself (-ENOTEMPTY when it holds a
 * directory). */
int sysroot_remove_flat_dir(const struct sysroot *r, const char *rel);

/* Cleanup for descriptors and directory streams: closed when the variable goes out of
 * scope (-1 and NULL are left alone). */
static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)
static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)
