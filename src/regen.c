#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privs.h"
#include "regen.h"
#include "sysroot.h"
#include "util.h"

/* An executable regular file inside the root. */
static bool have_tool(const struct sysroot *root, const char *abs)
{
	struct stat st;

	return sysroot_stat(root, abs + 1, &st) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_mode & 0111);
}

/* Inside a dpkg maintainer script (see regen_run) with a package name we would pass on.
 */
static const char *maintscript_package(void)
{
	const char *p = getenv("DPKG_MAINTSCRIPT_PACKAGE");

	if (!p || !*p || strlen(p) > 128)
		return NULL;
	for (const char *c = p; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      strchr("+-.:", *c)))
			return NULL;
	return p;
}

int regen_plan(const struct sysroot *root, enum bootloader loader, bool cmdline_changed,
	       bool modprobe_changed, struct regen_cmd cmds[static 2], size_t *ret_n,
	       bool need, struct diag_list *d)
{
	size_t n = 0;

	*ret_n = 0;
	if (cmdline_changed && (loader == BOOT_DEBIAN_GRUB || loader == BOOT_GRUB)) {
		struct regen_cmd *c = &cmds[n++];

		*c = (struct regen_cmd){.grub = true};
		if (have_tool(root, "/usr/sbin/update-grub")) {
			c->argv[0] = "/usr/sbin/update-grub";
		} else if (have_tool(root, "/usr/sbin/grub-mkconfig")) {
			c->argv[0] = "/usr/sbin/grub-mkconfig";
			c->argv[1] = "-o";
			c->argv[2] = "/boot/grub/grub.cfg";
		} else if (have_tool(root, "/usr/sbin/grub2-mkconfig")) {
			c->argv[0] = "/usr/sbin/grub2-mkconfig";
			c->argv[1] = "-o";
			c->argv[2] = "/boot/grub2/grub.cfg";
		} else if (!need) {
			c->argv[0] = "/usr/sbin/update-grub";
		} else {
			return diag_error(
				d, -ENOENT, NULL, 0,
				"neither /usr/sbin/update-grub nor grub-mkconfig is installed: the GRUB menu cannot be regenerated");
		}
	}
	if (modprobe_changed || (cmdline_changed && loader == BOOT_SYSTEMD_BOOT)) {
		struct regen_cmd *c = &cmds[n];

		*c = (struct regen_cmd){0};
		if (have_tool(root, "/usr/sbin/update-initramfs")) {
			c->argv[0] = "/usr/sbin/update-initramfs";
			c->argv[1] = "-u";
			/* Debian's update-initramfs defers a bare "-u" to dpkg's trigger
			 * when it runs inside a maintainer script; the trigger rebuilds
			 * once at the end of the dpkg run. */
			if (!maintscript_package()) {
				c->argv[2] = "-k";
				c->argv[3] = "all";
			}
		} else if (have_tool(root, "/usr/bin/dracut") ||
			   have_tool(root, "/usr/sbin/dracut")) {
			c->argv[0] = have_tool(root, "/usr/bin/dracut")
					     ? "/usr/bin/dracut"
					     : "/usr/sbin/dracut";
			c->argv[1] = "-f";
			c->argv[2] = "--regenerate-all";
		} else if (have_tool(root, "/usr/bin/mkinitcpio")) {
			c->argv[0] = "/usr/bin/mkinitcpio";
			c->argv[1] = "-P";
		} else if (!need) {
			c->argv[0] = "/usr/sbin/update-initramfs";
			c->argv[1] = "-u";
			c->argv[2] = "-k";
			c->argv[3] = "all";
		} else if (loader == BOOT_SYSTEMD_BOOT) {
			return diag_error(
				d, -ENOENT, NULL, 0,
				"no initramfs tool (update-initramfs, dracut, mkinitcpio) is installed to rewrite the systemd-boot entries");
		} else {
			/* No initramfs: modules load from the root file system, which
			 * reads modprobe.d at load time. Nothing to regenerate. */
			c = NULL;
		}
		if (c)
			n++;
	}
	*ret_n = n;
	return 0;
}

int regen_root_trusted(const struct sysroot *root, bool force, struct diag_list *d)
{
	/* What the chroot'd update-grub, grub-mkconfig and update-initramfs execute or
	 * source: the shell and libraries, the tools, GRUB's scripts and
	 * initramfs-tools' hooks. */
	static const char *const paths[] = {
		".",
		"bin",
		"sbin",
		"lib",
		"lib64",
		"usr",
		"usr/bin",
		"usr/sbin",
		"usr/lib",
		"usr/lib64",
		"usr/share",
		"usr/share/grub",
		"usr/share/initramfs-tools",
		"etc",
		"etc/grub.d",
		"etc/default",
		"etc/initramfs-tools",
		"usr/sbin/update-grub",
		"usr/sbin/grub-mkconfig",
		"usr/sbin/update-initramfs",
		"usr/bin/dracut",
		"usr/bin/mkinitcpio",
		"usr/bin/sh",
		"bin/sh",
		NULL,
	};
	uid_t me = geteuid();

	if (sysroot_is_live(root))
		return 0;
	for (size_t i = 0; paths[i]; i++) {
		struct stat st;
		char what[96];

		if (sysroot_lstat(root, paths[i], &st) < 0)
			continue;
		if (st.st_uid != 0 && st.st_uid != me)
			snprintf(what, sizeof(what), "is owned by uid %u",
				 (unsigned)st.st_uid);
		else if (!S_ISLNK(st.st_mode) && (st.st_mode & 022))
			snprintf(what, sizeof(what), "is writable by group or others");
		else
			continue;
		if (force)
			return diag_warning(
				d, paths[i], 0,
				"%s: --update runs this tree's programs as you (--force)",
				what);
		return diag_error(
			d, -EPERM, paths[i], 0,
			"%s, and --update would run this tree's programs as you: whoever can write it would get your privileges; fix the tree's owners and modes, leave out --update (the commands are printed), or --force",
			what);
	}
	return 0;
}

char *regen_format(const struct regen_cmd *c)
{
	struct strbuf b = {0};
	const char *base = strrchr(c->argv[0], '/');

	strbuf_puts(&b, base ? base + 1 : c->argv[0]);
	for (size_t i = 1; c->argv[i]; i++)
		strbuf_printf(&b, " %s", c->argv[i]);
	return b.s;
}

int regen_run(const struct sysroot *root, const struct regen_cmd *c, struct diag_list *d)
{
	_cleanup_free_ char *shown = regen_format(c);
	const char *pkg = maintscript_package();
	char pkgvar[160];
	char *envp[4] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG=C", NULL, NULL};
	int status, pipefd[2];
	ssize_t k;
	int child_errno = 0;
	pid_t pid;

	if (!shown)
		return -ENOMEM;
	if (pkg) {
		snprintf(pkgvar, sizeof(pkgvar), "DPKG_MAINTSCRIPT_PACKAGE=%s", pkg);
		envp[2] = pkgvar;
	}
	/* The child reports a failed chroot or execve through a close-on-exec pipe. */
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(pipefd[0]);
		close(pipefd[1]);
		return e;
	}
	if (pid == 0) {
		int e = 0;
		sigset_t none;
		struct rlimit fsize;

		/* What the caller set up (a package hook's ignored SIGINT/SIGHUP, a
		 * blocked mask, a small RLIMIT_FSIZE) is not the tools' to inherit:
		 * default dispositions, nothing blocked, no file size limit (as far as
		 * the hard limit allows). The umask is already 022. */
		for (int s = 1; s < NSIG; s++)
			if (s != SIGKILL && s != SIGSTOP)
				signal(s, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 &&
		    fsize.rlim_cur != fsize.rlim_max) {
			fsize.rlim_cur = fsize.rlim_max;
			setrlimit(RLIMIT_FSIZE, &fsize);
		}
		if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			e = errno;
		if (!e && !sysroot_is_live(root) &&
		    (fchdir(root->fd) < 0 || chroot(".") < 0))
			e = errno;
		if (!e && chdir("/") < 0)
			e = errno;
		if (!e) {
			privs_close_fds_but(pipefd[1]);
			execve(c->argv[0], (char *const *)c->argv, envp);
			e = errno;
		}
		if (write(pipefd[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pipefd[1]);
	do
		k = read(pipefd[0], &child_errno, sizeof(child_errno));
	while (k < 0 && errno == EINTR);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (k == (ssize_t)sizeof(child_errno))
		return diag_error(d, -EIO, NULL, 0, "cannot run %s%s%s: %s", shown,
				  sysroot_is_live(root) ? "" : " in ",
				  sysroot_is_live(root) ? "" : root->path,
				  strerror(child_errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return diag_error(d, -EIO, NULL, 0, "%s failed (exit status %d)", shown,
				  WEXITSTATUS(status));
	return diag_error(d, -EIO, NULL, 0, "%s was killed by signal %d", shown,
			  WTERMSIG(status));
}

long regen_dpkg_busy(const struct sysroot *root)
{
	static const char *const locks[] = {"var/lib/dpkg/lock-frontend",
					    "var/lib/dpkg/lock"};

	if (maintscript_package())
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(locks); i++) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		int fd = sysroot_openat(root, locks[i],
					O_RDONLY | O_NOFOLLOW | O_NONBLOCK);

		if (fd < 0)
			continue;
		if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
			close(fd);
			return fl.l_pid > 0 ? (long)fl.l_pid : -1;
		}
		close(fd);
	}
	return 0;
}
