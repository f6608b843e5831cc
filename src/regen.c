#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bootcfg.h"
#include "privs.h"
#include "strv.h"
#include "regen.h"
#include "sysroot.h"
#include "trust.h"
#include "util.h"

/* The longest argv a command has: argv, its words, the NULL. */
#define REGEN_ARGV_MAX (REGEN_MAX_ARGS + 2 + REGEN_WORDS_MAX)

/* An executable regular file inside the root; with needle, a script that has it. */
static bool have_tool(const struct sysroot *root, const char *abs, const char *needle)
{
	_cleanup_free_ char *text = NULL;
	struct stat st;
	size_t len;

	if (sysroot_stat(root, abs + 1, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !(st.st_mode & 0111))
		return false;
	return !needle || (sysroot_read_file(root, abs + 1, (size_t)1024 * 1024, false,
					     &text, &len) == 0 &&
			   memmem(text, len, needle, strlen(needle)));
}

/* Inside a dpkg maintainer script (see regen_dpkg_busy), with a well-formed package
 * name. */
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

/* The slots a per-kernel command has for the kernel's version, filled from
 * regen_cmd.kver: compared by address. */
static const char kver_slot[] = "VERSION";
static const char image_slot[] = "/usr/lib/modules/VERSION/initramfs.img";

/* Which machine a tool makes the boot files for. */
enum tool_kind {
	TOOL_HOST,   /* this one (or the root's): the distribution's tools */
	TOOL_IMAGE,  /* an image's initramfs, one run per kernel */
	TOOL_OSTREE, /* a booted OSTree system's next deployment: rpm-ostree */
};

/* Every tool regen_plan() may choose, in its order of preference for each step (the
 * first is Debian's, named for the user to run when none is installed), with its
 * arguments: one table, so that regen_root_trusted() checks every tool that may run. */
static const struct tool {
	const char *path;
	enum regen_step step;
	const char *args[REGEN_MAX_ARGS + 1];
	const char *needs; /* the option as the script's case takes it, or NULL */
	enum tool_kind kind;
} tools[] = {
	{"/usr/sbin/update-grub", REGEN_MENU, {NULL}, NULL, TOOL_HOST},
	{"/usr/sbin/grub-mkconfig",
	 REGEN_MENU,
	 {"-o", "/boot/grub/grub.cfg", NULL},
	 NULL,
	 TOOL_HOST},
	/* RHEL 9.3's grub2-mkconfig writes the BLS entries' options from
	 * etc/default/grub only when asked (rhboot grub2's "grub-mkconfig dont overwrite
	 * BLS cmdline if BLSCFG"); Fedora's always does, and has no such option. */
	{"/usr/sbin/grub2-mkconfig",
	 REGEN_MENU,
	 {"-o", "/boot/grub2/grub.cfg", "--update-bls-cmdline", NULL},
	 "--update-bls-cmdline)",
	 TOOL_HOST},
	{"/usr/sbin/grub2-mkconfig",
	 REGEN_MENU,
	 {"-o", "/boot/grub2/grub.cfg", NULL},
	 NULL,
	 TOOL_HOST},
	/* Every installed kernel's initramfs, whatever the tool. "-k all" everywhere,
	 * also inside a maintainer script: update-initramfs (and dracut's
	 * update-initramfs of the same name) defers only a bare "-u" to dpkg's
	 * trigger, and the trigger runs a bare "-u", which rebuilds the newest
	 * kernel's initramfs alone (update() after set_highest_version() in
	 * initramfs-tools' update-initramfs). Every older kernel would keep booting
	 * with the previous modprobe.d file. "-u -k all" updates every kernel that has
	 * an initramfs (get_sorted_versions()); a kernel being installed has none yet,
	 * and its own postinst.d hook (initramfs-tools, dracut), which runs after ours,
	 * creates it from the new file. dracut --regenerate-all and mkinitcpio -P
	 * likewise rebuild every installed kernel's image (dracut.sh's
	 * regenerate_all, mkinitcpio's every preset). */
	{"/usr/sbin/update-initramfs",
	 REGEN_INITRAMFS,
	 {"-u", "-k", "all", NULL},
	 NULL,
	 TOOL_HOST},
	{"/usr/bin/dracut",
	 REGEN_INITRAMFS,
	 {"-f", "--regenerate-all", NULL},
	 NULL,
	 TOOL_HOST},
	{"/usr/sbin/dracut",
	 REGEN_INITRAMFS,
	 {"-f", "--regenerate-all", NULL},
	 NULL,
	 TOOL_HOST},
	{"/usr/bin/mkinitcpio", REGEN_INITRAMFS, {"-P", NULL}, NULL, TOOL_HOST},
	/* A bootc image's initramfs, as rpm-ostree's own run_dracut() makes one: for
	 * any machine (no host-only), reproducible, with OSTree's module, which finds
	 * the deployment at boot. */
	{"/usr/bin/dracut",
	 REGEN_INITRAMFS,
	 {"--no-hostonly", "--reproducible", "--add", "ostree", "-f", image_slot,
	  kver_slot},
	 NULL,
	 TOOL_IMAGE},
	/* A booted OSTree system: a new deployment with the /etc files its
	 * initramfs tracks, then one with the kernel arguments changed (regen_plan()
	 * adds the options). */
	{"/usr/bin/rpm-ostree",
	 REGEN_INITRAMFS,
	 {"initramfs-etc", NULL},
	 NULL,
	 TOOL_OSTREE},
	{"/usr/bin/rpm-ostree", REGEN_KARGS, {"kargs", NULL}, NULL, TOOL_OSTREE},
};

static void tool_cmd(const struct tool *t, struct regen_cmd *c)
{
	*c = (struct regen_cmd){.step = t->step, .argv = {t->path}};
	for (size_t k = 0; t->args[k]; k++)
		c->argv[k + 1] = t->args[k];
}

/* c as the first tool for step present in the root; without one, Debian's when
 * !need (to be named, not run). False when there is none to give. kind: the tools for
 * an image, a booted OSTree system, or the others. */
static bool pick_tool(const struct sysroot *root, enum regen_step step,
		      enum tool_kind kind, bool need, struct regen_cmd *c)
{
	const struct tool *first = NULL;

	for (size_t i = 0; i < ELEMENTSOF(tools); i++) {
		if (tools[i].step != step || tools[i].kind != kind)
			continue;
		if (!first)
			first = &tools[i];
		if (have_tool(root, tools[i].path, tools[i].needs)) {
			tool_cmd(&tools[i], c);
			return true;
		}
	}
	if (need || !first)
		return false;
	tool_cmd(first, c);
	return true;
}

/* A kernel release as a directory name: what uname gives, nothing a path or an
 * option could be made of. */
static bool kver_ok(const char *v)
{
	size_t n = strlen(v);

	return n && n < REGEN_KVER_MAX && v[0] != '.' && v[0] != '-' &&
	       strspn(v,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+~-") ==
		       n;
}

/* An image's initramfs: tool c for each kernel of usr/lib/modules that has its
 * vmlinuz (as bootc wants them), in name order, appended at cmds[*n]. An image always
 * boots from an initramfs: none to make is an error when need (the commands are to
 * run), else a warning. 0, or -ENOENT, -E2BIG (too many) or -ENOMEM. */
static int image_kernels(const struct sysroot *root, const struct regen_cmd *c,
			 struct regen_cmd cmds[static REGEN_CMDS_MAX], size_t *n,
			 bool need, struct diag_list *d)
{
	_cleanup_strv_free_ char **all = NULL, **v = NULL;
	int r = boot_image_kernels(root, &all);

	/* Only names dracut can be given as they are. */
	for (size_t i = 0; r == 0 && all && all[i]; i++)
		r = kver_ok(all[i])
			    ? strv_push(&v, all[i])
			    : diag_warning(
				      d, "usr/lib/modules", 0,
				      "%s: no kernel version amdgpu-tune runs dracut for; its initramfs is not made again",
				      all[i]);
	if (r < 0)
		return r;
	if (!v)
		return need ? diag_error(
				      d, -ENOENT, "usr/lib/modules", 0,
				      "no kernel with a vmlinuz: the image's initramfs, which module options reach machines through, cannot be made again")
			    : diag_warning(
				      d, "usr/lib/modules", 0,
				      "no kernel with a vmlinuz: the image's initramfs cannot be made again");
	if (strv_length(v) > REGEN_CMDS_MAX - *n)
		return diag_error(
			d, -E2BIG, "usr/lib/modules", 0,
			"%zu kernels with a vmlinuz, more than the %zu initramfs runs amdgpu-tune makes at once (bootc wants one)",
			strv_length(v), REGEN_CMDS_MAX - *n);
	for (size_t i = 0; v && v[i]; i++) {
		cmds[*n] = *c;
		memcpy(cmds[*n].kver, v[i], strlen(v[i]) + 1);
		/* dracut copies files with --preserve=xattr as root (dracut-init.sh's
		 * DRACUT_CP) unless this is set, which it sets itself only in a container
		 * it detects (systemd-detect-virt -c), not in our chroot: an image tree's
		 * file system may take no extended attributes, and the image's own
		 * labels are set when it is committed. As Fedora's bootc documentation
		 * runs it. */
		cmds[*n].env = "DRACUT_NO_XATTR=1";
		(*n)++;
	}
	return 0;
}

/* Appends "OPTION=TOKEN" to c's words. 0, or -E2BIG past the room a command has. */
static int add_word(struct regen_cmd *c, const char *option, const char *token)
{
	int n;

	if (c->n_words >= REGEN_WORDS_MAX)
		return -E2BIG;
	n = snprintf(c->words + c->words_len, sizeof(c->words) - c->words_len, "%s%s",
		     option, token ? token : "");
	if (n < 0 || (size_t)n >= sizeof(c->words) - c->words_len)
		return -E2BIG;
	c->words_len += (size_t)n + 1;
	c->n_words++;
	return 0;
}

/* A booted OSTree system's commands (regen.h): `rpm-ostree initramfs-etc` for the
 * modprobe.d file: a changed one with --force-sync and --track, since a file it tracks
 * already (tracked earlier, by us or the user, and never untracked) is taken into the
 * initramfs again only when a deployment is made (rpm-ostree's
 * initramfs_overlay_generate(), run by every deploy; --track of a tracked file alone
 * makes none: initramfs_etc_transaction_execute() says "No changes."), which
 * --force-sync makes, one either way; an unchanged one the deployment does not track,
 * --track alone; then `rpm-ostree kargs` with
 * --delete-if-present and
 * --append-if-missing, which compare exact tokens (kernel_arg_apply_patching() in
 * rpm-ostree's rpmostreed-transaction-types.cxx) and start from the pending
 * deployment's arguments. */
static int ostree_plan(const struct sysroot *root, const struct boot_backend *loader,
		       bool modprobe_changed, const struct regen_delta *delta,
		       struct regen_cmd cmds[static REGEN_CMDS_MAX], size_t *n, bool need,
		       struct diag_list *d)
{
	const char *path = backend_modprobe_path(loader);
	struct regen_cmd c;
	int r = 0;

	if (modprobe_changed || (delta->modprobe_present && delta->modprobe_untracked)) {
		if (!pick_tool(root, REGEN_INITRAMFS, TOOL_OSTREE, need, &c))
			return diag_error(
				d, -ENOENT, "usr/bin/rpm-ostree", 0,
				"not installed: the deployments' initramfs cannot take the modprobe.d file");
		r = modprobe_changed && delta->modprobe_present
			    ? add_word(&c, "--force-sync", NULL)
			    : 0;
		if (r == 0)
			r = add_word(
				&c, delta->modprobe_present ? "--track=/" : "--untrack=/",
				path);
		if (r < 0)
			return r;
		cmds[(*n)++] = c;
	}
	if ((delta->add && delta->add[0]) || (delta->del && delta->del[0])) {
		if (!pick_tool(root, REGEN_KARGS, TOOL_OSTREE, need, &c))
			return diag_error(
				d, -ENOENT, "usr/bin/rpm-ostree", 0,
				"not installed: the next deployment's kernel arguments cannot be changed");
		for (size_t i = 0; r == 0 && delta->del && delta->del[i]; i++)
			r = add_word(&c, "--delete-if-present=", delta->del[i]);
		for (size_t i = 0; r == 0 && delta->add && delta->add[i]; i++)
			r = add_word(&c, "--append-if-missing=", delta->add[i]);
		if (r < 0)
			return diag_error(
				d, r, NULL, 0,
				"too many kernel arguments for one rpm-ostree kargs");
		cmds[(*n)++] = c;
	}
	return 0;
}

int regen_plan(const struct sysroot *root, const struct boot_backend *loader,
	       bool cmdline_changed, bool modprobe_changed,
	       const struct regen_delta *delta,
	       struct regen_cmd cmds[static REGEN_CMDS_MAX], size_t *ret_n, bool need,
	       struct diag_list *d)
{
	bool step[REGEN_STEPS] = {false};
	size_t n = 0;

	*ret_n = 0;
	if (loader->ostree_live) {
		static const struct regen_delta none = {0};
		int r = ostree_plan(root, loader, modprobe_changed, delta ? delta : &none,
				    cmds, &n, need, d);

		if (r == 0)
			*ret_n = n;
		return r;
	}
	if (cmdline_changed)
		step[loader->cmdline_regen] = true;
	/* One rule for every backend: a modprobe.d change reaches every kernel's
	 * initramfs. */
	if (modprobe_changed)
		step[REGEN_INITRAMFS] = true;
	for (enum regen_step s = REGEN_MENU; s < REGEN_STEPS; s++) {
		bool for_cmdline = cmdline_changed && loader->cmdline_regen == s;

		struct regen_cmd c;
		bool image = s == REGEN_INITRAMFS && loader->image_build;

		if (!step[s])
			continue;
		if (pick_tool(root, s, image ? TOOL_IMAGE : TOOL_HOST, need, &c)) {
			int r = 0;

			if (image)
				r = image_kernels(root, &c, cmds, &n, need, d);
			else
				cmds[n++] = c;
			if (r < 0)
				return r;
		} else if (s == REGEN_MENU) {
			return diag_error(
				d, -ENOENT, NULL, 0,
				"neither /usr/sbin/update-grub nor grub-mkconfig is installed: the GRUB menu cannot be regenerated");
		} else if (for_cmdline || loader->entries_need_initramfs_tool) {
			return diag_error(
				d, -ENOENT, NULL, 0,
				"no initramfs tool (update-initramfs, dracut, mkinitcpio) is installed to rewrite the %s entries",
				loader->name);
		} else if (image) {
			return diag_error(
				d, -ENOENT, "usr/bin/dracut", 0,
				"not in the image: its initramfs, which module options reach machines through, cannot be made again");
		}
		/* Else no initramfs: modules load from the root file system, which reads
		 * modprobe.d at load time. Nothing to regenerate. */
	}
	if (delta && delta->select != SELECT_KEEP && loader->trial_arm) {
		const char *const *argv = delta->select == SELECT_TRIAL
						  ? loader->trial_arm
						  : loader->trial_disarm;
		struct regen_cmd c = {.step = REGEN_SELECT};

		if (need && !have_tool(root, argv[0], NULL))
			return diag_error(
				d, -ENOENT, NULL, 0,
				"%s is not installed: the trial's entry cannot be %s the next boot",
				argv[0],
				delta->select == SELECT_TRIAL ? "selected for"
							      : "taken off");
		for (size_t k = 0; k <= REGEN_MAX_ARGS && argv[k]; k++)
			c.argv[k] = argv[k];
		cmds[n++] = c;
	}
	*ret_n = n;
	return 0;
}

int regen_root_trusted(const struct sysroot *root, bool force, struct diag_list *d)
{
	_cleanup_free_ char *at = NULL;
	char why[256];
	int r;

	if (sysroot_is_live(root))
		return 0;
	r = trust_tree(root, geteuid(), &at, why);
	if (r <= 0)
		return r;
	if (force)
		return diag_warning(
			d, at, 0,
			"%s: --update runs this tree's programs as you (--force)", why);
	return diag_error(
		d, -EPERM, at, 0,
		"%s, and --update would run this tree's programs as you: whoever can write it would get your privileges; fix the tree's owners and modes, leave out --update (the commands are printed), or --force",
		why);
}

int regen_lift_file_size_limit(struct diag_list *d)
{
	struct rlimit l = {RLIM_INFINITY, RLIM_INFINITY};

	if (setrlimit(RLIMIT_FSIZE, &l) == 0)
		return 0;
	getrlimit(RLIMIT_FSIZE, &l);
	return diag_error(
		d, -EPERM, NULL, 0,
		"the file size limit is %llu bytes and cannot be lifted without CAP_SYS_RESOURCE: the initramfs and grub.cfg the regeneration writes could be cut short; raise the hard limit where it is set (the shell's 'ulimit -H -f', a unit's LimitFSIZE=, the container's limits) or leave out --update (the commands are printed)",
		(unsigned long long)l.rlim_max);
}

/* c's argv with its slots filled (the image's path in buf), then its words. */
static void resolve(const struct regen_cmd *c, const char *argv[static REGEN_ARGV_MAX],
		    char buf[static sizeof(image_slot) + REGEN_KVER_MAX])
{
	size_t i = 0;
	const char *w = c->words;

	for (; c->argv[i]; i++) {
		argv[i] = c->argv[i];
		if (c->argv[i] == kver_slot) {
			argv[i] = c->kver;
		} else if (c->argv[i] == image_slot) {
			snprintf(buf, sizeof(image_slot) + REGEN_KVER_MAX,
				 "/usr/lib/modules/%s/initramfs.img", c->kver);
			argv[i] = buf;
		}
	}
	for (size_t k = 0; k < c->n_words; k++, w += strlen(w) + 1)
		argv[i++] = w;
	argv[i] = NULL;
}

char *regen_format(const struct regen_cmd *c)
{
	struct strbuf b = {0};
	const char *argv[REGEN_ARGV_MAX];
	char buf[sizeof(image_slot) + REGEN_KVER_MAX];
	const char *base = strrchr(c->argv[0], '/');

	resolve(c, argv, buf);
	if (c->env)
		strbuf_printf(&b, "env %s ", c->env);
	strbuf_puts(&b, base ? base + 1 : argv[0]);
	/* An empty argument as the shell takes one (bootctl set-oneshot ''). */
	for (size_t i = 1; argv[i]; i++)
		strbuf_printf(&b, " %s", *argv[i] ? argv[i] : "''");
	return b.s;
}

extern char **environ;

/* Whether the variable e ("NAME=value") is one image builds drive kernel-install and
 * bootctl with (kernel-install(8), bootctl(1): where the ESP and /boot are, the layout,
 * the machine ID or entry token, the initrd and UKI generators), with a value of
 * printable ASCII. */
static bool passed_on(const char *e)
{
	static const char *const names[] = {"SYSTEMD_ESP_PATH", "SYSTEMD_XBOOTLDR_PATH",
					    "SYSTEMD_RELAX_ESP_CHECKS",
					    "SYSTEMD_RELAX_XBOOTLDR_CHECKS", "BOOT_ROOT"};
	/* Not the two that choose what runs or whether anything does. */
	static const char *const never[] = {"KERNEL_INSTALL_PLUGINS",
					    "KERNEL_INSTALL_BYPASS"};
	const char *eq = strchr(e, '=');
	size_t n = eq ? (size_t)(eq - e) : 0;
	bool known = n > 15 && strncmp(e, "KERNEL_INSTALL_", 15) == 0;

	for (size_t i = 0; known && i < ELEMENTSOF(never); i++)
		known = !(n == strlen(never[i]) && strncmp(e, never[i], n) == 0);

	for (size_t i = 0; !known && eq && i < ELEMENTSOF(names); i++)
		known = n == strlen(names[i]) && strncmp(e, names[i], n) == 0;
	if (!known || strlen(eq) > 4096 ||
	    strspn(e, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n)
		return false;
	for (const char *c = eq + 1; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			return false;
	return true;
}

int regen_run(const struct sysroot *root, const struct regen_cmd *c, struct diag_list *d)
{
	_cleanup_free_ char *shown = regen_format(c);
	const char *argv[REGEN_ARGV_MAX];
	char buf[sizeof(image_slot) + REGEN_KVER_MAX];
	/* PATH and LANG, AMDGPU_TUNE_REGENERATING, the command's own variable (c->env),
	 * and what passed_on() lets through (at most 27 of them, or 28 without c->env).
	 * AMDGPU_TUNE_REGENERATING tells our own kernel-install plugin, which
	 * update-initramfs runs through systemd-boot's hook, that we hold the lock and
	 * have just planned: it must not wait for the lock (hooks/kernel-install.in).
	 */
	char *envp[32] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG=C", "AMDGPU_TUNE_REGENERATING=1"};
	size_t n_env = 3;
	int status, pipefd[2];
	ssize_t k;
	int child_errno = 0;
	pid_t pid;

	if (!shown)
		return -ENOMEM;
	resolve(c, argv, buf);
	if (c->env)
		envp[n_env++] = (char *)c->env;
	for (char **e = environ; e && *e && n_env < ELEMENTSOF(envp) - 1; e++)
		if (passed_on(*e))
			envp[n_env++] = *e;
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

		/* What the caller set up (a package hook's ignored SIGINT/SIGHUP, a
		 * blocked mask) is not the tools' to inherit: default dispositions,
		 * nothing blocked. The file size limit was lifted before
		 * (regen_lift_file_size_limit()); the umask is already 022. */
		for (int s = 1; s < NSIG; s++)
			if (s != SIGKILL && s != SIGSTOP)
				signal(s, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			e = errno;
		if (!e && !sysroot_is_live(root) &&
		    (fchdir(root->fd) < 0 || chroot(".") < 0))
			e = errno;
		if (!e && chdir("/") < 0)
			e = errno;
		if (!e) {
			privs_close_fds_but(pipefd[1]);
			execve(argv[0], (char *const *)argv, envp);
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
