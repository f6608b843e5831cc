#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
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
	unsigned long v;

	if (!u || !*u || strspn(u, "0123456789") != strlen(u) || strlen(u) > 10)
		return false;
	v = strtoul(u, NULL, 10);
	if (v == 0 || v >= UINT32_MAX)
		return false;
	*uid = (uid_t)v;
	*gid = (gid_t)-1;
	if (g && *g && strspn(g, "0123456789") == strlen(g) && strlen(g) <= 10 &&
	    (v = strtoul(g, NULL, 10)) < UINT32_MAX)
		*gid = (gid_t)v;
	return true;
}

/* Whose rights a file named by the user is opened with: false for our own (we have no
 * privilege over the file system, or we are root and nobody else is named); else the
 * real user of a set-uid or file-capability run, or the user sudo (SUDO_UID, SUDO_GID),
 * pkexec (PKEXEC_UID) or doas (DOAS_USER) ran us for. */
static bool caller(uid_t *uid, gid_t *gid)
{
	cap_t caps = cap_get_proc();
	bool elevated =
		have_cap(caps, CAP_DAC_OVERRIDE) || have_cap(caps, CAP_DAC_READ_SEARCH);
	const char *doas = getenv("DOAS_USER");
	struct passwd *pw;

	cap_free(caps);
	if (!elevated && geteuid() != 0)
		return false;
	if (getuid() != 0) {
		*uid = getuid();
		*gid = getgid();
		return true;
	}
	if (caller_from("SUDO_UID", "SUDO_GID", uid, gid) ||
	    caller_from("PKEXEC_UID", NULL, uid, gid))
		return true;
	if (doas && *doas && (pw = getpwnam(doas)) && pw->pw_uid != 0) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		return true;
	}
	return false;
}

/* In the child: becomes uid (all of its ids, its groups), opens path, and sends the
 * descriptor (or the errno) over sock. Never returns. */
static _Noreturn void open_as(int sock, uid_t uid, gid_t gid, const char *path, int flags)
{
	struct passwd *pw = getpwuid(uid);
	gid_t groups[256];
	int n = (int)ELEMENTSOF(groups), fd = -1, e = 0;
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &e, .iov_len = sizeof(e)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	if (gid == (gid_t)-1)
		gid = pw ? pw->pw_gid : (gid_t)uid;
	if (!pw || getgrouplist(pw->pw_name, gid, groups, &n) < 0) {
		groups[0] = gid;
		n = 1;
	}
	if (setgroups((size_t)n, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		e = EPERM;
	else if ((fd = open(path, flags)) < 0)
		e = errno;
	if (fd >= 0) {
		struct cmsghdr *c;

		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	_exit(sendmsg(sock, &m, 0) < 0);
}

int privs_open_as_caller(const char *path, long *ret_caller)
{
	const int flags = O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
	char cbuf[CMSG_SPACE(sizeof(int))];
	int sv[2], e = 0, fd = -1, status;
	struct iovec iov = {.iov_base = &e, .iov_len = sizeof(e)};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	ssize_t k;
	uid_t uid;
	gid_t gid;
	pid_t pid;

	*ret_caller = -1;
	if (!caller(&uid, &gid)) {
		fd = open(path, flags);
		return fd < 0 ? -errno : fd;
	}
	*ret_caller = (long)uid;
	/* A child takes on the caller's credentials, so that ours never change. */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (pid == 0) {
		close(sv[0]);
		open_as(sv[1], uid, gid, path, flags);
	}
	close(sv[1]);
	do
		k = recvmsg(sv[0], &m, MSG_CMSG_CLOEXEC);
	while (k < 0 && errno == EINTR);
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (k != (ssize_t)sizeof(e))
		return -EPERM;
	c = CMSG_FIRSTHDR(&m);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd >= 0)
		return fd;
	return -(e ? e : EPERM);
}
