#include <blkid.h>
#include <errno.h>
#include <stdio.h>

#include "bootcfg.h"
#include "paths.h"
#include "sdboot.h"
#include "strv.h"
#include "sysroot.h"

#define CMDLINE_FILE_MAX (64 * 1024)
#define MOUNTINFO_MAX	 (1024 * 1024)

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

static void detect_loader(const struct sysroot *root, struct boot_facts *b)
{
	struct strbuf ev = {0};
	const char *esp = NULL;
	bool grub_cfg = sysroot_exists(root, "boot/grub/grub.cfg") ||
			sysroot_exists(root, "boot/grub2/grub.cfg"),
	     update_grub = sysroot_exists(root, "usr/sbin/update-grub"),
	     grub_mk = sysroot_exists(root, "usr/sbin/grub-mkconfig") ||
		       sysroot_exists(root, "usr/sbin/grub2-mkconfig"),
	     defaults = sysroot_exists(root, "etc/default/grub"), sdboot = false;

	if (sysroot_is_live(root)) {
		strbuf_puts(&ev, "probed with libblkid");
		esp = probe_live(root, &ev);
	} else {
		strbuf_puts(&ev,
			    "decided from files under --root (no block devices probed)");
	}
	if (esp) {
		sdboot = has_sdboot(root, esp);
	} else {
		static const char *const guess[] = {"efi", "boot/efi", "boot"};

		for (size_t i = 0; i < ELEMENTSOF(guess) && !sdboot; i++)
			if (has_sdboot(root, guess[i]))
				sdboot = true, esp = guess[i];
	}
	if (sdboot && !(b->esp = strdup(esp)))
		sdboot = false;
	if (sdboot && !grub_cfg) {
		b->loader = BOOT_SYSTEMD_BOOT;
		strbuf_printf(&ev, "; systemd-boot in %s, no grub.cfg", esp);
	} else if (defaults && update_grub) {
		b->loader = BOOT_DEBIAN_GRUB;
		strbuf_puts(&ev, "; etc/default/grub and usr/sbin/update-grub");
		if (sdboot)
			strbuf_printf(&ev, " (systemd-boot is also in %s)", esp);
	} else if (defaults && (grub_mk || grub_cfg)) {
		b->loader = BOOT_GRUB;
		strbuf_puts(&ev, "; etc/default/grub without update-grub: no drop-ins");
	} else if (sdboot) {
		b->loader = BOOT_SYSTEMD_BOOT;
		strbuf_printf(&ev, "; systemd-boot in %s", esp);
	} else {
		b->loader = BOOT_UNKNOWN;
		strbuf_puts(&ev, "; no GRUB defaults and no systemd-boot found");
	}
	b->evidence = ev.s;
}

/* kernel-install's command line: etc/kernel/cmdline, then usr/lib/kernel/cmdline. */
static int read_kernel_cmdline(const struct sysroot *root, const struct file_override *ov,
			       struct boot_facts *b, struct diag_list *d)
{
	static const char *const files[] = {KERNEL_CMDLINE, "usr/lib/kernel/cmdline"};

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_free_ char *buf = NULL;
		const struct file_override *o = file_override_find(ov, files[i]);
		size_t len = 0;
		int r;

		if (o && !o->text)
			continue;
		if (o) {
			buf = strdup(o->text);
			r = buf ? 0 : -ENOMEM;
			len = buf ? strlen(buf) : 0;
		} else {
			r = sysroot_read_file(root, files[i], CMDLINE_FILE_MAX, false,
					      &buf, &len);
		}
		if (r == -ENOENT)
			continue;
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return diag_add(d, DIAG_ERROR, files[i], 0, "cannot read: %s",
					read_error_text(-r));
		if (memchr(buf, '\0', len))
			return diag_add(d, DIAG_ERROR, files[i], 0, "NUL byte");
		if (strv_push(&b->next_files, files[i]) < 0)
			return -ENOMEM;
		b->n_next_files = 1;
		b->next_files_owned = true;
		/* Newlines separate arguments like blanks, and a line whose first
		 * non-blank is '#' is a comment (90-loaderentry.install: grep -v
		 * '^\s*#', tr -s "$IFS" ' '). */
		for (char *p = buf, *line = buf; *p; p++) {
			if (p == line && line[strspn(line, " \t")] == '#')
				while (*p && *p != '\n')
					*p++ = ' ';
			if (!*p)
				break;
			if (*p == '\n') {
				*p = ' ';
				line = p + 1;
			}
		}
		b->next_known = true;
		return srcline_append(&b->next, buf, len, (struct src){0, 1});
	}
	return 0;
}

/* blanks collapsed to one space, none at the ends: a copy. */
static char *squeezed(const char *s)
{
	char *out = malloc(strlen(s) + 1), *w = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		bool blank = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';

		if (blank && (w == out || w[-1] == ' '))
			continue;
		*w++ = blank ? ' ' : *s;
	}
	if (w > out && w[-1] == ' ')
		w--;
	*w = '\0';
	return out;
}

/* systemd-boot's next boot: the options of the entry it boots by default (its UKI's
 * embedded command line for a Type #2 entry), in place of kernel-install's command line
 * read before (b->next), which only the entries made from it next carry. When the two
 * differ, a warning says so at the entry. */
static int sdboot_next(const struct sysroot *root, struct boot_facts *b,
		       struct diag_list *d)
{
	/* systemd-boot reads the ESP and an XBOOTLDR partition, which is mounted at
	 * boot: a file system of its own, never a directory of the root's (where a BLS
	 * entry left by GRUB would be taken for one it boots). */
	const char *dirs[] = {b->esp ? b->esp : "boot", NULL, NULL};
	_cleanup_free_ char *kcmd = NULL, *opts = NULL, *kfile = NULL;
	const struct bls_entry *e;
	struct stat top, xb;
	int r;

	if (b->esp && !streq(b->esp, "boot") && fstat(root->fd, &top) == 0 &&
	    sysroot_stat(root, "boot", &xb) == 0 && xb.st_dev != top.st_dev)
		dirs[1] = "boot";
	r = sdboot_read(root, dirs, &b->sd, d);
	if (r < 0)
		return r;
	/* kernel-install's file, when it was read (it is replaced below). */
	if (b->next_known && b->n_next_files &&
	    (!(kfile = strdup(b->next_files[0])) ||
	     !(kcmd = squeezed(b->next.text.s ? b->next.text.s : ""))))
		return -ENOMEM;
	srcline_done(&b->next);
	b->next = (struct srcline){0};
	if (b->next_files_owned)
		strv_free(b->next_files);
	b->next_files = NULL;
	b->n_next_files = 0;
	b->next_files_owned = true;
	b->next_known = false;
	if (b->sd.dflt < 0) {
		b->next_why = strdup(b->sd.why);
		return b->next_why ? 0 : -ENOMEM;
	}
	e = &b->sd.entries[b->sd.dflt];
	opts = squeezed(e->options ? e->options : "");
	if (!opts || strv_push(&b->next_files, e->path) < 0)
		return -ENOMEM;
	b->n_next_files = 1;
	b->next_known = true;
	r = srcline_append(&b->next, opts, strlen(opts),
			   (struct src){0, e->options_line});
	/* An entry named after the machine ID gets systemd.machine_id=ID appended when
	 * the command line has none (90-loaderentry.install; 60-ukify.install does the
	 * same in a UKI's, whose ID is etc/machine-id's): that is no difference. */
	if (r == 0 && kcmd && !strstr(kcmd, "systemd.machine_id=")) {
		_cleanup_free_ char *file = NULL;
		const char *mid = e->uki ? NULL : e->machine_id;
		size_t len = 0;
		char *k = NULL;

		if (e->uki &&
		    sysroot_read_file(root, "etc/machine-id", 64, false, &file, &len) ==
			    0 &&
		    len >= 32 && strspn(file, "0123456789abcdef") == 32) {
			file[32] = '\0';
			mid = file;
		}
		if (mid && *mid && strncmp(e->id, mid, strlen(mid)) == 0) {
			if (asprintf(&k, "%s%ssystemd.machine_id=%s", kcmd,
				     *kcmd ? " " : "", mid) < 0)
				return -ENOMEM;
			free(kcmd);
			kcmd = k;
		}
	}
	if (r == 0 && kcmd && !streq(kcmd, opts))
		r = diag_warning(
			d, e->path, e->options_line,
			"systemd-boot boots this entry (%s), whose %s ('%s') %s from %s ('%s'): %s",
			b->sd.rule, e->uki ? "embedded command line" : "options", opts,
			e->uki ? "differs" : "differ", kfile, kcmd,
			e->uki ? "the image was built from another command line; a rebuild (kernel-install add, with ukify) embeds the new one"
			       : "kernel-install made it from another command line; 'update-initramfs -u -k all' (or 'kernel-install add') makes the entries again");
	return r;
}

/* The next boot's command line depends on a value the GRUB reader did not compute:
 * says so once, with the file and line of the cause. */
static int unknown_why(struct boot_facts *b, const struct grub_why *why,
		       struct diag_list *d)
{
	const char *file =
		why->file < b->grub->n_files ? b->grub->files[why->file] : NULL;
	struct strbuf s = {0};

	if (strbuf_printf(&s, "%s%s%u: %s", file ? file : "", file ? ":" : "", why->line,
			  why->what) < 0)
		return -ENOMEM;
	b->next_why = s.s;
	return diag_warning(d, file, why->line,
			    "the next boot's kernel command line is not known: %s",
			    why->what);
}

static int cmp_version(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* 10_linux lists the kernels that have boot/vmlinuz-VERSION newest first, and
 * GRUB_DEFAULT=0 (the default) starts the first. */
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

	/* systemd-boot: the kernel of the entry it boots, when an installed one. */
	for (size_t i = 0; e && e->version && kernels && kernels[i]; i++)
		if (streq(e->version, kernels[i])) {
			b->default_kernel = strdup(kernels[i]);
			b->default_why =
				strdup("the version of systemd-boot's default entry");
			return b->default_kernel && b->default_why ? 0 : -ENOMEM;
		}
	for (size_t i = 0; kernels && kernels[i]; i++) {
		char rel[512];

		snprintf(rel, sizeof(rel), "boot/vmlinuz-%s", kernels[i]);
		if (sysroot_exists(root, rel) && strv_push(&v, kernels[i]) < 0)
			return -ENOMEM;
	}
	if (!v) {
		/* Debian's split kernel packages (linux-binary-VER) ship the image as
		 * lib/modules/VER/vmlinuz; Debian 12's 10_linux lists only
		 * /boot/vmlinuz-*, /vmlinuz-* and /boot/kernel-*, so an image there alone
		 * is no GRUB entry. linux-base 4.17's postinst.d/00-legacy-boot hook
		 * (run by linux-run-hooks from linux-image-VER's postinst) links or
		 * copies it to /boot/vmlinuz-VER at configure, so a kernel seen this
		 * way is unpacked but not configured, or linux-base is older. */
		const char *only = NULL;

		for (size_t i = 0; kernels && kernels[i] && !only; i++) {
			char rel[512];

			snprintf(rel, sizeof(rel), "lib/modules/%s/vmlinuz", kernels[i]);
			if (sysroot_exists(root, rel))
				only = kernels[i];
		}
		if (only)
			strbuf_printf(
				&why,
				"no boot/vmlinuz-VERSION: %s has only lib/modules/%s/vmlinuz%s; linux-base's 00-legacy-boot hook copies it to boot/ when linux-image-%s is configured",
				only, only,
				b->loader == BOOT_DEBIAN_GRUB || b->loader == BOOT_GRUB
					? ", which GRUB's 10_linux does not list (it looks for /boot/vmlinuz-*, /vmlinuz-* and /boot/kernel-*)"
					: "",
				only);
		else
			strbuf_puts(&why,
				    "no boot/vmlinuz-VERSION for an installed kernel");
		b->default_why = why.s;
		return b->default_why ? 0 : -ENOMEM;
	}
	qsort(v, strv_length(v), sizeof(char *), cmp_version);
	/* Which kernel boots is the boot loader's choice: without one we know, none. */
	if (b->loader == BOOT_UNKNOWN) {
		b->default_why = strdup(
			"no supported boot loader found, so which kernel it boots is not known");
		return b->default_why ? 0 : -ENOMEM;
	}
	if ((b->loader == BOOT_DEBIAN_GRUB || b->loader == BOOT_GRUB) &&
	    !streq(dflt, "0")) {
		strbuf_printf(&why, "GRUB_DEFAULT=%s: not computed", dflt);
		b->default_why = why.s;
		return b->default_why ? 0 : -ENOMEM;
	}
	b->default_kernel = strdup(v[strv_length(v) - 1]);
	b->default_why = strdup(
		b->loader == BOOT_SYSTEMD_BOOT
			? "newest boot/vmlinuz-VERSION (systemd-boot sorts entries by version)"
			: "newest boot/vmlinuz-VERSION (GRUB_DEFAULT=0)");
	return b->default_kernel && b->default_why ? 0 : -ENOMEM;
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
	if (r == 0 && (b->loader == BOOT_DEBIAN_GRUB || b->loader == BOOT_GRUB))
		r = grub_read(root, overrides, b->loader == BOOT_DEBIAN_GRUB,
			      like ? like->grub : NULL, &b->grub, d);
	if (r == 0 && b->grub) {
		b->next_files = b->grub->files;
		b->n_next_files = b->grub->n_files;
		struct grub_why why = {0};
		int k = b->grub->understood ? grub_cmdline(b->grub, false, &b->next, &why)
					    : 1;

		b->next_known = k == 0;
		if (k < 0)
			r = k;
		else if (k > 0 && b->grub->understood)
			r = unknown_why(b, &why, d);
	} else if (r == 0 && b->loader == BOOT_SYSTEMD_BOOT) {
		r = read_kernel_cmdline(root, overrides, b, d);
		/* With apply's files in place (like), the next boot is what
		 * kernel-install makes the entries from once it runs; else it is what
		 * they are now. */
		if (r == 0 && !like)
			r = sdboot_next(root, b, d);
	}
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
		r = default_kernel(root, b, kernels);
	for (size_t i = 0; r == 0 && kernels && kernels[i]; i++) {
		char rel[512];
		struct stat st;
		struct initrd *n;

		snprintf(rel, sizeof(rel), "boot/initrd.img-%s", kernels[i]);
		if (sysroot_stat(root, rel, &st) < 0)
			continue;
		n = realloc(b->initrds, (b->n_initrds + 1) * sizeof(*n));
		if (!n) {
			r = -ENOMEM;
			break;
		}
		b->initrds = n;
		n[b->n_initrds] = (struct initrd){.version = strdup(kernels[i]),
						  .path = strdup(rel),
						  .mtime = (int64_t)st.st_mtime};
		if (!n[b->n_initrds].version || !n[b->n_initrds].path)
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

/* Whether entry e has every argument in present and none in absent; an error finding
 * at e and -EIO when not. */
static int entry_verify(const struct bls_entry *e, const char *rule, char *const *present,
			char *const *absent, struct diag_list *d)
{
	_cleanup_strv_free_ char **words = NULL;

	if (strv_split_ws(e->options ? e->options : "", &words) < 0)
		return -ENOMEM;
	for (int want = 1; want >= 0; want--)
		for (char *const *p = want ? present : absent; p && *p; p++) {
			if (strv_contains(words, *p) == (bool)want)
				continue;
			return diag_error(
				d, -EIO, e->path, e->options_line,
				"the entry systemd-boot boots (%s) %s '%s' after the regeneration: kernel-install did not make it from the new command line (an ESP not mounted, an image build, a failing kernel-install plugin?)",
				rule, want ? "lacks" : "still has", *p);
		}
	return 0;
}

int boot_sdboot_verify(const struct sysroot *root, char *const *present,
		       char *const *absent, struct diag_list *d)
{
	_cleanup_boot_facts_ struct boot_facts *b = NULL;
	struct diag_list scratch = {0};
	int r = boot_facts_read(root, NULL, NULL, NULL, &b, &scratch);

	diag_list_done(&scratch);
	if (r < 0)
		return r;
	if (b->sd.dflt >= 0 && (size_t)b->sd.dflt < b->sd.n_entries)
		return entry_verify(&b->sd.entries[b->sd.dflt], b->sd.rule, present,
				    absent, d);
	if (!b->sd.n_entries)
		return diag_error(
			d, -EIO, NULL, 0,
			"the boot entries were not made again: %s; kernel-install needs the ESP (or /boot) mounted where it looks",
			b->sd.why ? b->sd.why : "systemd-boot finds no boot entry");
	/* Which one boots is not known here (@saved): every one must be right. */
	for (size_t i = 0; r == 0 && i < b->sd.n_entries; i++)
		r = entry_verify(&b->sd.entries[i], "one it may boot", present, absent,
				 d);
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
