#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privs.h"
#include "sysroot.h"
#include "util.h"

static bool have_cap(cap_t caps, cap_value_t v)
{
	cap_flag_value_t f = CAP_CLEAR;

	return caps && cap_get_flag(caps, v, CAP_EFFECTIVE, &f) == 0 && f == CAP_SET;
}

bool privs_elevated(void)
{
	cap_t caps = cap_get_proc();
	bool r = have_cap(caps, CAP_DAC_OVERRIDE);

	cap_free(caps);
	return r;
}

int privs_drop_all(void)
{
	cap_t none = cap_init();
	int r = 0;

	if (!none)
		return -errno;
	if (cap_set_proc(none) < 0)
		r = -errno;
	cap_free(none);
	/* Nothing a read-only command could run may gain privileges either. */
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = -errno;
	return r;
}

int privs_check_write(const struct sysroot *root, bool chroot, const char **ret_missing)
{
	cap_t caps = cap_get_proc();
	bool all = have_cap(caps, CAP_DAC_OVERRIDE) && have_cap(caps, CAP_CHOWN) &&
		   have_cap(caps, CAP_FOWNER);
	bool ch = have_cap(caps, CAP_SYS_CHROOT);
	struct stat st;
	int r = 0;

	cap_free(caps);
	*ret_missing = NULL;
	if (!all && (sysroot_is_live(root) || fstat(root->fd, &st) < 0 ||
		     st.st_uid != geteuid())) {
		*ret_missing = "CAP_DAC_OVERRIDE, CAP_CHOWN and CAP_FOWNER";
		r = -EPERM;
	} else if (chroot && !ch) {
		*ret_missing = "CAP_SYS_CHROOT";
		r = -EPERM;
	}
	return r;
}

static bool dir_ok(const struct stat *st)
{
	if (!S_ISDIR(st->st_mode) || st->st_uid != 0)
		return false;
	return !(st->st_mode & 022) || (st->st_mode & S_ISVTX);
}

int privs_trusted(const struct sysroot *root, const char *path, const struct stat *st,
		  char **ret_what)
{
	_cleanup_free_ char *p = strdup(path);
	char *slash;

	*ret_what = NULL;
	if (!p)
		return -ENOMEM;
	if (!S_ISREG(st->st_mode) || st->st_uid != 0 || (st->st_mode & 022)) {
		*ret_what = strdup(path);
		return *ret_what ? -EPERM : -ENOMEM;
	}
	/* Every parent, up to the top, one component at a time. */
	while ((slash = strrchr(p, '/'))) {
		struct stat d;
		int k;

		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
		k = root ? sysroot_stat(root, p, &d) : (stat(p, &d) < 0 ? -errno : 0);
		if (k < 0 || !dir_ok(&d)) {
			*ret_what = root ? sysroot_display(root, p) : strdup(p);
			return *ret_what ? -EPERM : -ENOMEM;
		}
		if (slash == p)
			break;
	}
	if (root) {
		struct stat d;

		if (fstat(root->fd, &d) < 0 || !dir_ok(&d)) {
			*ret_what = strdup(root->path);
			return *ret_what ? -EPERM : -ENOMEM;
		}
	}
	return 0;
}

/* Closes every fd above 2 except keep. */
void privs_close_fds_but(int keep)
{
	long max = sysconf(_SC_OPEN_MAX);

	if ((keep <= 3 || syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U) == 0) &&
	    syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U) == 0)
		return;
	if (max <= 0 || max > 65536)
		max = 65536;
	for (long fd = 3; fd < max; fd++)
		if (fd != keep)
			close((int)fd);
}

/* The uid (and gid) in the environment variable uid_var (gid_var), decimal, not 0. */
static bool caller_from(const char *uid_var, const char *gid_var, uid_t *uid, gid_t *gid)
{
	const char *u = getenv(uid_var), *g = gid_var ? getenv(gid_var) : NULL;
	char *end;
	unsigned long v;

	if (!u || !*u || strspn(u, "0123456789") != strlen(u) || strlen(u) > 10)
		return false;
	errno = 0;
	v = strtoul(u, &end, 10);
	if (errno || v == 0 || v >= UINT32_MAX)
		return false;
	*uid = (uid_t)v;
	*gid = (gid_t)-1;
	if (g && *g && strspn(g, "0123456789") == strlen(g) && strlen(g) <= 10) {
		v = strtoul(g, &end, 10);
		if (v < UINT32_MAX)
			*gid = (gid_t)v;
	}
	return true;
}

int privs_open_as_caller(const char *path, long *ret_caller)
{
	const int flags = O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
	_cleanup_free_ gid_t *saved = NULL, *groups = NULL;
	int n_saved, n_groups = 64, fd, e;
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	*ret_caller = -1;
	if (getuid() != 0 || geteuid() != 0 ||
	    !(caller_from("SUDO_UID", "SUDO_GID", &uid, &gid) ||
	      caller_from("PKEXEC_UID", NULL, &uid, &gid))) {
		fd = open(path, flags);
		return fd < 0 ? -errno : fd;
	}
	*ret_caller = (long)uid;
	pw = getpwuid(uid);
	if (gid == (gid_t)-1)
		gid = pw ? pw->pw_gid : (gid_t)uid;
	groups = calloc((size_t)n_groups, sizeof(gid_t));
	if (groups && pw && getgrouplist(pw->pw_name, gid, groups, &n_groups) < 0) {
		gid_t *more = reallocarray(groups, (size_t)n_groups, sizeof(gid_t));

		if (more)
			groups = more;
		if (!more || getgrouplist(pw->pw_name, gid, groups, &n_groups) < 0)
			n_groups = 0;
	} else if (groups && !pw) {
		groups[0] = gid;
		n_groups = 1;
	}
	n_saved = getgroups(0, NULL);
	saved = n_saved > 0 ? calloc((size_t)n_saved, sizeof(gid_t)) : NULL;
	if (!groups || (n_saved > 0 && !saved))
		return -ENOMEM;
	if (n_saved > 0 && getgroups(n_saved, saved) < 0)
		return -errno;
	if (setgroups((size_t)n_groups, groups) < 0)
		return -EPERM;
	setfsgid(gid);
	setfsuid(uid);
	/* Both return the previous value: called again, the value now in effect. */
	if ((uid_t)setfsuid(uid) != uid || (gid_t)setfsgid(gid) != gid) {
		fd = -1;
		e = EPERM;
	} else {
		fd = open(path, flags);
		e = errno;
	}
	setfsuid(0);
	setfsgid(0);
	if (setgroups((size_t)(n_saved > 0 ? n_saved : 0), saved) < 0 ||
	    (uid_t)setfsuid(0) != 0) {
		/* Not quite ourselves again: say so rather than go on as neither. */
		if (fd >= 0)
			close(fd);
		return -EPERM;
	}
	return fd < 0 ? -e : fd;
}
