#include <blkid.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>

#include "backend.h"
#include "bootcfg.h"
#include "paths.h"
#include "sdboot.h"
#include "strv.h"
#include "sysroot.h"

#define CMDLINE_FILE_MAX ((size_t)64 * 1024)
#define MOUNTINFO_MAX	 ((size_t)1024 * 1024)

/* GPT type of an EFI system partition (UEFI spec), and its MBR type. */
#define ESP_GUID "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
#define ESP_MBR	 "0xef"

void boot_facts_free(struct boot_facts *b)
{
	if (!b)
		return;
	if (b->next_files_owned)
		strv_free(b->next_files);
	grub_config_free(b->grub);
	srcline_done(&b->next);
	modprobe_config_free(b->modprobe);
	sargs_done(&b->running);
	free(b->evidence);
	free(b->esp);
	sdboot_done(&b->sd);
	free(b->default_kernel);
	free(b->default_why);
	free(b->next_why);
	free(b->cmdline_unsafe);
	free(b->cmdline_also);
	for (size_t i = 0; i < b->n_initrds; i++) {
		free(b->initrds[i].version);
		free(b->initrds[i].path);
	}
	free(b->initrds);
	free(b);
}

/* mountinfo(5) escapes blanks and backslashes in paths as octal. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* The device mounted at mountpoint on the live system, from proc/self/mountinfo. */
static char *mounted_device(const struct sysroot *root, const char *mountpoint)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	char *found = NULL;

	if (sysroot_read_file(root, "proc/self/mountinfo", MOUNTINFO_MAX, false, &buf,
			      &len) < 0)
		return NULL;
	for (char *line = buf, *next; line && *line; line = next) {
		char *f[5] = {0}, *sep, *save = NULL, *src;
		size_t i = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (char *t = strtok_r(line, " ", &save); t && i < 5;
		     t = strtok_r(NULL, " ", &save))
			f[i++] = t;
		if (i < 5)
			continue;
		unescape_octal(f[4]);
		if (!streq(f[4], mountpoint))
			continue;
		save = NULL;
		strtok_r(sep + 3, " ", &save); /* file system type */
		src = strtok_r(NULL, " ", &save);
		/* The last mount at a point hides the earlier ones. */
		if (src && src[0] == '/') {
			free(found);
			found = strdup(src);
			if (found)
				unescape_octal(found);
		}
	}
	return found;
}

/* Partition type and file system of a block device, with libblkid. */
static int probe_device(const char *dev, char **ret_fstype, char **ret_parttype)
{
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	const char *v;
	int r;

	*ret_fstype = *ret_parttype = NULL;
	if (!pr)
		return errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	r = blkid_do_safeprobe(pr);
	if (r == 0) {
		if (blkid_probe_lookup_value(pr, "TYPE", &v, NULL) == 0)
			*ret_fstype = strdup(v);
		if (blkid_probe_lookup_value(pr, "PART_ENTRY_TYPE", &v, NULL) == 0)
			*ret_parttype = strdup(v);
	}
	blkid_free_probe(pr);
	return r < 0 ? -EIO : 0;
}

/* On a live system: which mounted partition is the EFI system partition (per libblkid)
 * and which holds /boot. Appends what was found to ev; returns the ESP's mount point
 * relative to the root, or NULL. */
static const char *probe_live(const struct sysroot *root, struct strbuf *ev)
{
	static const char *const points[] = {"/efi", "/boot/efi", "/boot"};
	const char *esp = NULL;

	for (size_t i = 0; i < ELEMENTSOF(points); i++) {
		_cleanup_free_ char *dev = mounted_device(root, points[i]);
		_cleanup_free_ char *fs = NULL, *pt = NULL;
		int r;

		if (!dev)
			continue;
		r = probe_device(dev, &fs, &pt);
		if (r < 0) {
			strbuf_printf(ev, "; %s on %s: cannot probe (%s)", points[i], dev,
				      strerror(-r));
			continue;
		}
		strbuf_printf(ev, "; %s on %s: %s%s%s", points[i], dev,
			      fs ? fs : "no file system", pt ? ", partition type " : "",
			      pt ? pt : "");
		if (!esp && pt && (strcasecmp(pt, ESP_GUID) == 0 || streq(pt, ESP_MBR))) {
			esp = points[i] + 1;
			strbuf_puts(ev, " (EFI system partition)");
		}
	}
	return esp;
}

static bool has_sdboot(const struct sysroot *root, const char *esp)
{
	char a[128], b[128];

	snprintf(a, sizeof(a), "%s/loader/loader.conf", esp);
	snprintf(b, sizeof(b), "%s/EFI/systemd", esp);
	return sysroot_exists(root, a) || sysroot_exists(root, b);
}

const char *boot_env_dir(const char *name, char buf[static BOOT_ENV_DIR_MAX])
{
	const char *v = secure_getenv(name);
	size_t n;

	if (!v || v[0] != '/')
		return NULL;
	v += strspn(v, "/");
	n = strlen(v);
	while (n && v[n - 1] == '/')
		n--;
	if (!n || n >= BOOT_ENV_DIR_MAX)
		return NULL;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return rel_path_is_safe(buf) ? buf : NULL;
}

/* Whether the grub.cfg in dir runs the blscfg command (a line whose first word it is),
 * as the one Fedora's grub2-mkconfig writes with GRUB_ENABLE_BLSCFG=true does. */
static bool runs_blscfg(const struct sysroot *root, const char *dir)
{
	_cleanup_free_ char *buf = NULL;
	char rel[BOOT_ENV_DIR_MAX + 16];
	size_t len;

	snprintf(rel, sizeof(rel), "%s/grub.cfg", dir);
	if (sysroot_read_file(root, rel, (size_t)4 * 1024 * 1024, false, &buf, &len) < 0)
		return false;
	for (char *l = buf; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *w = l + strspn(l, " \t");

		if ((strncmp(w, "blscfg", 6) == 0 &&
		     (!w[6] || strchr(" \t\r\n", w[6]))) ||
		    (strncmp(w, "bls_import", 10) == 0 &&
		     (!w[10] || strchr(" \t\r\n", w[10]))))
			return true;
	}
	return false;
}

/* Whether etc/default/grub turns blscfg on (a GRUB_ENABLE_BLSCFG=true line), with BLS
 * entries in boot/loader/entries: Fedora's GRUB, even when the grub.cfg that runs
 * blscfg is not to be seen (on an ESP not mounted). */
static bool enables_blscfg(const struct sysroot *root)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_closedir_ DIR *dh = NULL;
	struct dirent *de;
	size_t len;
	bool on = false, entries = false;

	if (sysroot_read_file(root, "etc/default/grub", (size_t)1024 * 1024, false, &buf,
			      &len) < 0)
		return false;
	for (char *l = buf; l && !on; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		on = strncmp(l, "GRUB_ENABLE_BLSCFG=true", 23) == 0 &&
		     (!l[23] || strchr("\n \t", l[23]));
	if (!on || sysroot_opendir(root, "boot/loader/entries", &dh) < 0)
		return false;
	while (!entries && (de = readdir(dh))) {
		size_t n = strlen(de->d_name);

		entries = de->d_name[0] != '.' && n > 5 &&
			  streq(de->d_name + n - 5, ".conf");
	}
	return entries;
}

bool boot_blscfg_dir(const struct sysroot *root, char dir[static BOOT_ENV_DIR_MAX])
{
	static const char *const dirs[] = {"boot/grub2", "boot/grub"};
	_cleanup_closedir_ DIR *dh = NULL;
	struct dirent *de;

	for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
		if (runs_blscfg(root, dirs[i])) {
			snprintf(dir, BOOT_ENV_DIR_MAX, "%s", dirs[i]);
			return true;
		}
	/* Before Fedora 34 (and on RHEL 8) an EFI machine's grub.cfg is on the ESP,
	 * beside its grubenv. */
	if (sysroot_opendir(root, "boot/efi/EFI", &dh) < 0)
		return false;
	while ((de = readdir(dh))) {
		char d[BOOT_ENV_DIR_MAX];

		if (de->d_name[0] == '.' || strlen(de->d_name) > 64)
			continue;
		snprintf(d, sizeof(d), "boot/efi/EFI/%s", de->d_name);
		if (runs_blscfg(root, d)) {
			snprintf(dir, BOOT_ENV_DIR_MAX, "%s", d);
			return true;
		}
	}
	return false;
}

/* Whether the root's grub-mkconfig sources the NAME.cfg files in etc/default/grub.d
 * after etc/default/grub, as Debian's does (a for loop over
 * ${sysconfdir}/default/grub.d/NAME.cfg; upstream's, Arch's, Manjaro's and Fedora's
 * read etc/default/grub alone). True when there is none to read: update-grub alone
 * says Debian then. */
static bool mkconfig_reads_dropins(const struct sysroot *root)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (sysroot_read_file(root, "usr/sbin/grub-mkconfig", (size_t)256 * 1024, false,
			      &text, &len) < 0)
		return true;
	return memmem(text, len, "/default/grub.d/", strlen("/default/grub.d/")) != NULL;
}

/* An OSTree tree's link, a deployment's or an image's: ostree to sysroot/ostree. */
static bool ostree_link(const struct sysroot *root)
{
	char target[64];
	ssize_t n = readlinkat(root->fd, "ostree", target, sizeof(target) - 1);

	if (n < 0)
		return false;
	target[n] = '\0';
	return streq(target, "sysroot/ostree") || streq(target, "/sysroot/ostree");
}

/* A bootc image's tree, as bootc's own lints want one (its lints.rs: ostree a link to
 * sysroot/ostree, sysroot a directory) with bootc in it, and neither booted (a booted
 * deployment has run/ostree-booted) nor a deployment's checkout (ostree moves a
 * deployment's etc to usr/etc, and an image has none). */
bool boot_root_is_image(const struct sysroot *root)
{
	struct stat st;

	return !sysroot_exists(root, "run/ostree-booted") &&
	       !sysroot_exists(root, "usr/etc") &&
	       sysroot_stat(root, "usr/bin/bootc", &st) == 0 && S_ISREG(st.st_mode) &&
	       sysroot_stat(root, "sysroot", &st) == 0 && S_ISDIR(st.st_mode) &&
	       ostree_link(root);
}

static void detect_loader(const struct sysroot *root, struct boot_facts *b)
{
	char cfgdir[BOOT_ENV_DIR_MAX];
	struct strbuf ev = {0};
	struct boot_probe p = {
		.grub_cfg = sysroot_exists(root, "boot/grub/grub.cfg") ||
			    sysroot_exists(root, "boot/grub2/grub.cfg"),
		.update_grub = sysroot_exists(root, "usr/sbin/update-grub"),
		.grub_mkconfig = sysroot_exists(root, "usr/sbin/grub-mkconfig") ||
				 sysroot_exists(root, "usr/sbin/grub2-mkconfig"),
		.grub_defaults = sysroot_exists(root, "etc/default/grub"),
		.ostree = sysroot_exists(root, "ostree/repo") ||
			  sysroot_exists(root, "sysroot/ostree") ||
			  sysroot_exists(root, "run/ostree-booted") || ostree_link(root),
	};
	struct stat st;

	p.bootc_image = boot_root_is_image(root);
	p.ostree_booted = sysroot_exists(root, "run/ostree-booted");
	p.rpm_ostree =
		sysroot_stat(root, "usr/bin/rpm-ostree", &st) == 0 && S_ISREG(st.st_mode);
	/* An update-grub is Debian's only with a grub-mkconfig that sources the
	 * drop-ins: Manjaro's and the AUR's run one that does not. */
	if (p.update_grub && !mkconfig_reads_dropins(root))
		p.update_grub = false;
	/* grub.cfg and etc/default/grub are read for blscfg only where it can decide:
	 * with GRUB's defaults and without Debian's update-grub, which is taken first. */
	if (p.grub_defaults && !p.update_grub) {
		p.grub_blscfg = boot_blscfg_dir(root, cfgdir);
		p.grub_enable_blscfg = enables_blscfg(root);
	}
	char env[BOOT_ENV_DIR_MAX];
	const char *esp = boot_env_dir("SYSTEMD_ESP_PATH", env);

	if (sysroot_is_live(root))
		strbuf_puts(&ev, "probed with libblkid");
	else
		strbuf_puts(&ev,
			    "decided from files under --root (no block devices probed)");
	/* An image build tells bootctl and kernel-install where the ESP is: there
	 * first, as they take it. */
	if (esp) {
		p.sdboot = has_sdboot(root, esp);
		strbuf_printf(&ev, "; SYSTEMD_ESP_PATH=/%s%s", esp,
			      p.sdboot ? "" : " (no systemd-boot there)");
		if (!p.sdboot)
			esp = NULL;
	}
	if (!p.sdboot && sysroot_is_live(root))
		esp = probe_live(root, &ev);
	if (p.sdboot) {
		/* (SYSTEMD_ESP_PATH's) */
	} else if (esp) {
		p.sdboot = has_sdboot(root, esp);
	} else {
		static const char *const guess[] = {"efi", "boot/efi", "boot"};

		for (size_t i = 0; i < ELEMENTSOF(guess) && !p.sdboot; i++)
			if (has_sdboot(root, guess[i]))
				p.sdboot = true, esp = guess[i];
	}
	if (p.sdboot && !(b->esp = strdup(esp)))
		p.sdboot = false;
	p.esp = p.sdboot ? esp : NULL;
	b->loader = backend_detect(&p, &ev);
	b->evidence = ev.s;
}

static int cmp_version(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* The name of kernel version's image in boot/, in *ret: vmlinuz-VERSION (Debian,
 * Fedora), or else vmlinuz-PKGBASE, where Arch Linux's packages put it (mkinitcpio's
 * install script copies lib/modules/VERSION/vmlinuz to boot/vmlinuz-$(cat
 * lib/modules/VERSION/pkgbase)). 0, -ENOENT (neither is there) or -ENOMEM. */
static int boot_image(const struct sysroot *root, const char *version, char **ret)
{
	_cleanup_free_ char *pkgbase = NULL;
	struct strbuf rel = {0};
	size_t len = 0;
	int r;

	if (strbuf_printf(&rel, "boot/vmlinuz-%s", version) < 0)
		return -ENOMEM;
	if (sysroot_exists(root, rel.s)) {
		*ret = strdup(rel.s + 5);
		strbuf_done(&rel);
		return *ret ? 0 : -ENOMEM;
	}
	strbuf_done(&rel);
	if (strbuf_printf(&rel, "lib/modules/%s/pkgbase", version) < 0)
		return -ENOMEM;
	r = sysroot_read_file(root, rel.s, 256, false, &pkgbase, &len);
	strbuf_done(&rel);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return -ENOENT;
	/* One line, a package name (alpm: alphanumerics and @._+-). */
	if (len && pkgbase[len - 1] == '\n')
		pkgbase[--len] = '\0';
	if (!len || strspn(pkgbase, "abcdefghijklmnopqrstuvwxyz0123456789@._+-") != len ||
	    pkgbase[0] == '.' || pkgbase[0] == '-')
		return -ENOENT;
	if (strbuf_printf(&rel, "boot/vmlinuz-%s", pkgbase) < 0)
		return -ENOMEM;
	r = sysroot_exists(root, rel.s) ? 0 : -ENOENT;
	*ret = r == 0 ? strdup(rel.s + 5) : NULL;
	strbuf_done(&rel);
	return r == 0 && !*ret ? -ENOMEM : r;
}

/* An image's deployments boot its kernel: the one in usr/lib/modules with a vmlinuz
 * (bootc's lints want exactly one). */
int boot_image_kernels(const struct sysroot *root, char ***ret)
{
	_cleanup_closedir_ DIR *dh = NULL;
	_cleanup_strv_free_ char **v = NULL;
	struct dirent *de;

	if (sysroot_opendir(root, "usr/lib/modules", &dh) == 0)
		while ((de = readdir(dh))) {
			_cleanup_free_ char *rel = NULL;
			struct stat st;

			if (de->d_name[0] == '.')
				continue;
			if (asprintf(&rel, "usr/lib/modules/%s/vmlinuz", de->d_name) < 0)
				return -ENOMEM;
			if (sysroot_stat(root, rel, &st) == 0 && S_ISREG(st.st_mode) &&
			    strv_push(&v, de->d_name) < 0)
				return -ENOMEM;
		}
	strv_sort(v);
	*ret = TAKE_PTR(v);
	return 0;
}

static int image_kernel(const struct sysroot *root, struct boot_facts *b)
{
	_cleanup_strv_free_ char **v = NULL;
	/* Every kernel of the image, not only those a --kernel picked. */
	int r = boot_image_kernels(root, &v);
	size_t n = strv_length(v);

	if (r < 0)
		return r;
	if (n == 1) {
		b->default_kernel = strdup(v[0]);
		b->default_why = strdup(
			"the image's kernel (usr/lib/modules/VERSION/vmlinuz), which its deployments boot");
		return b->default_kernel && b->default_why ? 0 : -ENOMEM;
	}
	if (asprintf(
		    &b->default_why,
		    "the image has %zu kernels with a vmlinuz in usr/lib/modules, and bootc wants one",
		    n) < 0) {
		b->default_why = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* 10_linux lists the kernels that have boot/vmlinuz-* newest first (version_sort -r
 * of the names), and GRUB_DEFAULT=0 (the default) starts the first. */
static int default_kernel(const struct sysroot *root, struct boot_facts *b,
			  char *const *kernels)
{
	_cleanup_strv_free_ char **v = NULL;
	const struct srcline *gd = NULL;
	const struct bls_entry *e =
		b->sd.dflt >= 0 && (size_t)b->sd.dflt < b->sd.n_entries
			? &b->sd.entries[b->sd.dflt]
			: NULL;
	bool gd_unknown = b->grub && grub_var_lookup(b->grub, "GRUB_DEFAULT", &gd, NULL);
	const char *dflt = gd_unknown ? "?" : gd && gd->text.s ? gd->text.s : "0";
	struct strbuf why = {0};
	const char *newest;
	size_t image_len, k_len;

	/* A boot loader that boots entries (systemd-boot, GRUB's blscfg): the kernel of
	 * the default entry, when an installed one; else none is known. The version is
	 * a UKI's .uname, or what it boots, boot/vmlinuz-VERSION, or else its version
	 * line. */
	const char *kv =
		e && e->uname ? e->uname
		: e && e->kernel && strrchr(e->kernel, '/') &&
				strncmp(strrchr(e->kernel, '/') + 1, "vmlinuz-", 8) == 0
			? strrchr(e->kernel, '/') + 9
		: e ? e->version
		    : NULL;

	for (size_t i = 0; kv && kernels && kernels[i]; i++)
		if (streq(kv, kernels[i])) {
			b->default_kernel = strdup(kernels[i]);
			b->default_why = strdup("the version of the default boot entry");
			return b->default_kernel && b->default_why ? 0 : -ENOMEM;
		}
	if (b->sd.entries) {
		if (e && e->uki && !e->uname)
			strbuf_printf(
				&why,
				"the default boot entry (%s) is a UKI without a .uname section: the version of the kernel inside is not known",
				e->id);
		else if (e)
			strbuf_printf(
				&why,
				"the default boot entry (%s) boots no installed kernel (%s)",
				e->id, kv ? kv : "it names no version");
		else
			strbuf_printf(&why, "which boot entry boots is not known: %s",
				      b->next_why ? b->next_why
				      : b->sd.why ? b->sd.why
						  : "?");
		b->default_why = why.s;
		return b->default_why ? 0 : -ENOMEM;
	}
	/* Each as "IMAGE KERNEL", sorted by the image's name. */
	for (size_t i = 0; kernels && kernels[i]; i++) {
		_cleanup_free_ char *image = NULL;
		int r = boot_image(root, kernels[i], &image);
		struct strbuf pair = {0};

		if (r == -ENOMEM)
			return r;
		if (r < 0)
			continue;
		if (strbuf_printf(&pair, "%s %s", image, kernels[i]) < 0 ||
		    strv_consume(&v, pair.s) < 0) {
			strbuf_done(&pair);
			return -ENOMEM;
		}
	}
	if (!v) {
		/* Debian's split kernel packages (linux-binary-VER) ship the image as
		 * lib/modules/VER/vmlinuz; Debian 12's 10_linux lists only
		 * /boot/vmlinuz-*, /vmlinuz-* and /boot/kernel-*, so an image there alone
		 * is no GRUB entry. linux-base 4.17's postinst.d/00-legacy-boot hook
		 * (run by linux-run-hooks from linux-image-VER's postinst) links or
		 * copies it to /boot/vmlinuz-VER at configure, so a kernel seen this
		 * way is unpacked but not configured, or linux-base is older. That is
		 * said on a Debian root only (etc/debian_version, dpkg's database):
		 * elsewhere (an OSTree deployment) the kernel lives there by design. */
		const char *only = NULL;
		bool debian = sysroot_exists(root, "etc/debian_version") ||
			      sysroot_exists(root, "var/lib/dpkg/status");

		for (size_t i = 0; kernels && kernels[i] && !only; i++) {
			char rel[512];

			snprintf(rel, sizeof(rel), "lib/modules/%s/vmlinuz", kernels[i]);
			if (sysroot_exists(root, rel))
				only = kernels[i];
		}
		if (only)
			strbuf_printf(
				&why,
				"no boot/vmlinuz-VERSION: %s has only lib/modules/%s/vmlinuz%s%s%s%s",
				only, only,
				b->grub ? ", which GRUB's 10_linux does not list (it looks for /boot/vmlinuz-*, /vmlinuz-* and /boot/kernel-*)"
					: "",
				debian ? "; linux-base's 00-legacy-boot hook copies it to boot/ when linux-image-"
				       : "",
				debian ? only : "", debian ? " is configured" : "");
		else
			strbuf_puts(&why,
				    "no boot/vmlinuz-VERSION for an installed kernel");
		b->default_why = why.s;
		return b->default_why ? 0 : -ENOMEM;
	}
	qsort(v, strv_length(v), sizeof(char *), cmp_version);
	/* Which kernel boots is the boot loader's choice: without one we know, none. */
	if (!b->loader->default_rule) {
		b->default_why = strdup(
			"no supported boot loader found, so which kernel it boots is not known");
		return b->default_why ? 0 : -ENOMEM;
	}
	if (b->grub && !streq(dflt, "0")) {
		strbuf_printf(&why, "GRUB_DEFAULT=%s: not computed", dflt);
		b->default_why = why.s;
		return b->default_why ? 0 : -ENOMEM;
	}
	newest = v[strv_length(v) - 1];
	/* GRUB 2.12's 10_linux moves the image GRUB_TOP_LEVEL names (a path as it lists
	 * them: /boot/vmlinuz-...) to the front (grub_move_to_front(); Arch Linux's
	 * way of choosing among linux, linux-lts and linux-zen). */
	if (b->grub) {
		const struct srcline *top = NULL;

		if (grub_var_lookup(b->grub, "GRUB_TOP_LEVEL", &top, NULL)) {
			b->default_why = strdup("GRUB_TOP_LEVEL: not computed");
			return b->default_why ? 0 : -ENOMEM;
		}
		for (size_t i = 0; top && top->text.s && v[i]; i++)
			if (strncmp(top->text.s, "/boot/", 6) == 0 &&
			    strlen(top->text.s + 6) == strcspn(v[i], " ") &&
			    strncmp(top->text.s + 6, v[i], strcspn(v[i], " ")) == 0)
				newest = v[i];
	}
	image_len = strcspn(newest, " ");
	b->default_kernel = strdup(newest + image_len + 1);
	if (!b->default_kernel)
		return -ENOMEM;
	k_len = strlen(b->default_kernel);
	/* Named after its package (Arch Linux): say which file that is. */
	if (image_len != 8 + k_len || strncmp(newest + 8, b->default_kernel, k_len) != 0)
		strbuf_printf(&why, "%s: boot/%.*s (lib/modules/%s/pkgbase)",
			      b->loader->default_rule, (int)image_len, newest,
			      b->default_kernel);
	else
		strbuf_puts(&why, b->loader->default_rule);
	b->default_why = why.s;
	return b->default_why ? 0 : -ENOMEM;
}

int boot_facts_read(const struct sysroot *root, char *const *kernels,
		    const struct file_override *overrides, const struct boot_facts *like,
		    struct boot_facts **ret, struct diag_list *d)
{
	struct boot_facts *b = calloc(1, sizeof(*b));
	_cleanup_free_ char *proc = NULL;
	size_t len;
	int r = 0;

	if (!b)
		return -ENOMEM;
	b->sd.dflt = -1;
	if (like) {
		/* The files apply writes do not change which boot loader is used. */
		b->loader = like->loader;
		b->evidence = strdup(like->evidence);
		if (like->esp && !(b->esp = strdup(like->esp)))
			r = -ENOMEM;
	} else {
		detect_loader(root, b);
	}
	if (!b->evidence)
		r = -ENOMEM;
	if (r == 0 && b->loader->read_next)
		r = b->loader->read_next(root, overrides, like, b, d);
	if (r == 0) {
		/* The files apply writes do not change which kmod is installed, and the
		 * dpkg status it is read from is megabytes. */
		if (like)
			b->modprobe_rules = like->modprobe_rules;
		else
			modprobe_rules_read(root, &b->modprobe_rules);
		r = modprobe_read(root, overrides, &b->modprobe_rules,
				  like ? like->modprobe : NULL, &b->modprobe, d);
	}
	if (r == 0 && sysroot_read_file(root, "proc/cmdline", CMDLINE_FILE_MAX, false,
					&proc, &len) == 0) {
		struct srcline l = {0};

		r = srcline_append(&l, proc, strlen(proc), (struct src){UINT32_MAX, 0});
		if (r == 0)
			r = srcline_args(&l, &b->running);
		srcline_done(&l);
		b->running_known = r == 0;
	}
	if (r == 0)
		r = b->loader->image_build ? image_kernel(root, b)
					   : default_kernel(root, b, kernels);
	for (size_t i = 0; r == 0 && kernels && kernels[i]; i++) {
		char rel[512];
		struct stat st;
		struct initrd *n;

		snprintf(rel, sizeof(rel), "boot/initrd.img-%s", kernels[i]);
		if (sysroot_stat(root, rel, &st) < 0)
			continue;
		if (ARRAY_GROW(b->initrds, b->n_initrds) < 0) {
			r = -ENOMEM;
			break;
		}
		n = &b->initrds[b->n_initrds];
		*n = (struct initrd){.version = strdup(kernels[i]),
				     .path = strdup(rel),
				     .mtime = (int64_t)st.st_mtime};
		if (!n->version || !n->path)
			r = -ENOMEM;
		b->n_initrds++;
	}
	if (r < 0) {
		boot_facts_free(b);
		return r;
	}
	*ret = b;
	return 0;
}

bool boot_next_has_any(const struct boot_facts *b, char *const *args)
{
	_cleanup_strv_free_ char **words = NULL;

	if (!b->next_known || !args ||
	    strv_split_ws(b->next.text.s ? b->next.text.s : "", &words) < 0)
		return false;
	for (char *const *a = args; *a; a++)
		if (strv_contains(words, *a))
			return true;
	return false;
}

int boot_now_has_any(const struct sysroot *root, char *const *args, bool *ret)
{
	_cleanup_boot_facts_ struct boot_facts *b = NULL;
	struct diag_list scratch = {0};
	int r = boot_facts_read(root, NULL, NULL, NULL, &b, &scratch);

	diag_list_done(&scratch);
	*ret = r == 0 && boot_next_has_any(b, args);
	return r;
}

int boot_running_param(const struct sysroot *root, const char *module, const char *param,
		       char **ret)
{
	char rel[512];
	size_t len;
	int r;

	if (strchr(module, '/') || strchr(param, '/') || module[0] == '.' ||
	    param[0] == '.')
		return -EINVAL;
	snprintf(rel, sizeof(rel), "sys/module/%s/parameters/%s", module, param);
	r = sysroot_read_file(root, rel, 4096, false, ret, &len);
	if (r < 0)
		return r;
	if (len && (*ret)[len - 1] == '\n')
		(*ret)[len - 1] = '\0';
	return 0;
}
