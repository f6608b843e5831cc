/* A bootc image being built (a Containerfile's RUN, or --root on the image's tree): our
 * kernel arguments go to usr/lib/bootc/kargs.d/90-amdgpu-tune.toml, which bootc adds to
 * a deployment's arguments when it installs or upgrades to the image (bootc's
 * lib/src/kargs.rs, get_kargs()), and the module options to usr/lib/modprobe.d, the
 * only modprobe.d directory dracut takes into an initramfs made without --hostonly
 * (module-setup.sh of its kernel-modules module installs etc/modprobe.d only
 * [[ $hostonly ]]); the initramfs is the image's own,
 * usr/lib/modules/VERSION/initramfs.img, made again per kernel (regen.c). The next boot
 * read here is what the image adds: the arguments of its kargs.d files in name order,
 * those for another architecture than the image's left out. A booted bootc host is the
 * ostree backend's (refused). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "backend.h"
#include "bootcfg.h"
#include "fragment.h"
#include "kargsd.h"
#include "strv.h"
#include "sysroot.h"

#define KARGSD_DIR	 "usr/lib/bootc/kargs.d"
#define KARGSD_FILE_MAX	 ((size_t)64 * 1024)
#define KARGSD_FILES_MAX 256

static bool detect(const struct boot_probe *p, struct strbuf *ev)
{
	if (!p->bootc_image)
		return false;
	strbuf_puts(
		ev,
		"; a bootc image being built (usr/bin/bootc, the ostree link to sysroot/ostree, no usr/etc, not booted: no run/ostree-booted)");
	return true;
}

/* The architecture the image's bootc was built for, as bootc compares it (Rust's
 * std::env::consts::ARCH): from the ELF header of its usr/bin/bootc (e_machine at
 * offset 18, in the byte order e_ident[EI_DATA] says: elf(5)); NULL when that is not an
 * ELF file of a machine named here. */
static const char *image_arch(const struct sysroot *root)
{
	static const struct {
		unsigned machine;
		const char *rust;
	} map[] = {
		{62, "x86_64"},	  {183, "aarch64"}, {21, "powerpc64"}, {22, "s390x"},
		{243, "riscv64"}, {3, "x86"},	    {40, "arm"},
	};
	_cleanup_close_ int fd =
		sysroot_openat(root, "usr/bin/bootc", O_RDONLY | O_NONBLOCK | O_NOCTTY);
	unsigned char h[20];
	struct stat st;
	unsigned m;

	/* A regular file only: no device or FIFO read from (detection saw one, but the
	 * tree may change). */
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    read(fd, h, sizeof(h)) != (ssize_t)sizeof(h) ||
	    memcmp(h, "\177ELF", 4) != 0 || (h[5] != 1 && h[5] != 2))
		return NULL;
	m = h[5] == 1 ? (unsigned)h[18] | (unsigned)h[19] << 8
		      : (unsigned)h[18] << 8 | (unsigned)h[19];
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (map[i].machine == m)
			return map[i].rust;
	return NULL;
}

/* This machine's architecture as bootc names it, where the image's is not known. */
static const char *host_arch(void)
{
	static const struct {
		const char *uname, *rust;
	} map[] = {
		{"ppc64le", "powerpc64"}, {"ppc64", "powerpc64"}, {"armv7l", "arm"},
		{"i686", "x86"},	  {"i586", "x86"},	  {"i386", "x86"},
	};
	static struct utsname u;

	if (uname(&u) < 0)
		return "x86_64";
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (streq(u.machine, map[i].uname))
			return map[i].rust;
	return u.machine;
}

/* bootc's Config::filename_matches(): the extension is "toml" (Rust's
 * Path::extension(), which a name that is only ".toml" has not; ".x.toml" has it). */
static bool toml_name(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && streq(name + n - 5, ".toml") && !strchr(name, '/');
}

/* The kargs.d files as bootc lists them (*.toml, sorted by name), with those of ov in
 * their place: an override with text is there, one without is not. A name that is not
 * UTF-8, of any file there, in *bad: bootc's listing stops at it. */
static int kargsd_names(const struct sysroot *root, const struct file_override *ov,
			char ***ret, bool *bad)
{
	_cleanup_closedir_ DIR *dh = NULL;
	_cleanup_strv_free_ char **names = NULL;
	struct dirent *de;
	size_t dirlen = strlen(KARGSD_DIR);

	*bad = false;
	if (sysroot_opendir(root, KARGSD_DIR, &dh) == 0)
		while ((de = readdir(dh))) {
			*bad |= !utf8_valid(de->d_name);
			if (toml_name(de->d_name) && strv_push(&names, de->d_name) < 0)
				return -ENOMEM;
		}
	for (size_t i = 0; ov && ov[i].rel; i++) {
		const char *rel = ov[i].rel;

		if (strncmp(rel, KARGSD_DIR "/", dirlen + 1) != 0 ||
		    !toml_name(rel + dirlen + 1) || !ov[i].text ||
		    strv_contains(names, rel + dirlen + 1))
			continue;
		if (strv_push(&names, rel + dirlen + 1) < 0)
			return -ENOMEM;
	}
	strv_sort(names);
	*ret = TAKE_PTR(names);
	return 0;
}

/* One file's text, from ov or the disk: 0, 1 when it is not there, or -errno. */
static int read_one(const struct sysroot *root, const struct file_override *ov,
		    const char *rel, char **text, size_t *len)
{
	const struct file_override *o = file_override_find(ov, rel);
	int r;

	if (o) {
		if (!o->text)
			return 1;
		*text = strdup(o->text);
		*len = *text ? strlen(*text) : 0;
		return *text ? 0 : -ENOMEM;
	}
	r = sysroot_read_file(root, rel, KARGSD_FILE_MAX, false, text, len);
	return r == -ENOENT ? 1 : r;
}

/* Not known from here on: why, and an error at the file. */
static int not_known(struct boot_facts *b, const char *rel, unsigned line,
		     const char *why, struct diag_list *d)
{
	b->next_known = false;
	if (!b->next_why && (line ? asprintf(&b->next_why, "%s:%u: %s", rel, line, why)
				  : asprintf(&b->next_why, "%s: %s", rel, why)) < 0) {
		b->next_why = NULL;
		return -ENOMEM;
	}
	return diag_add(
		d, DIAG_ERROR, rel, line,
		"not read: %s; the kernel arguments this image adds are not known", why);
}

static int add_file(const struct sysroot *root, const struct file_override *ov,
		    const char *rel, const char *arch, struct boot_facts *b,
		    struct diag_list *d)
{
	_cleanup_free_ char *text = NULL;
	struct kargsd k;
	const char *why = NULL;
	unsigned line = 0;
	size_t len = 0;
	int r = read_one(root, ov, rel, &text, &len);

	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return not_known(b, rel, 0, read_error_text(-r), d);
	if (r > 0)
		return 0;
	if (memchr(text, '\0', len))
		return not_known(b, rel, 0, "a NUL byte", d);
	/* bootc reads it with read_to_string(), which wants UTF-8. */
	if (!utf8_valid(text))
		return not_known(b, rel, 0, "not UTF-8, which bootc refuses", d);
	r = kargsd_parse(text, len, &k, &line, &why);
	if (r == -EINVAL)
		return not_known(b, rel, line, why, d);
	if (r < 0)
		return r;
	if (strv_push(&b->next_files, rel) < 0) {
		kargsd_done(&k);
		return -ENOMEM;
	}
	b->n_next_files++;
	for (size_t i = 0; r == 0 && kargsd_applies(&k, arch) && i < k.n_kargs; i++) {
		struct src at = {(uint32_t)(b->n_next_files - 1), k.kargs[i].line};

		if (b->next.text.s && b->next.text.s[0])
			r = srcline_append(&b->next, " ", 1, at);
		if (r == 0)
			r = srcline_append(&b->next, k.kargs[i].value,
					   strlen(k.kargs[i].value), at);
	}
	kargsd_done(&k);
	return r;
}

static int read_next(const struct sysroot *root, const struct file_override *ov,
		     const struct boot_facts *like, struct boot_facts *b,
		     struct diag_list *d)
{
	_cleanup_strv_free_ char **names = NULL;
	const char *arch = image_arch(root) ?: host_arch();
	bool bad;
	int r;

	(void)like;
	r = kargsd_names(root, ov, &names, &bad);
	if (r < 0)
		return r;
	if (bad)
		return not_known(b, KARGSD_DIR, 0,
				 "a file name that is not UTF-8, which bootc refuses", d);
	if (strv_length(names) > KARGSD_FILES_MAX)
		return not_known(b, KARGSD_DIR, 0, "more than 256 files", d);
	b->next_files_owned = true;
	b->next_known = true;
	for (size_t i = 0; r == 0 && names && names[i]; i++) {
		_cleanup_free_ char *rel = NULL;

		if (asprintf(&rel, "%s/%s", KARGSD_DIR, names[i]) < 0)
			return -ENOMEM;
		r = add_file(root, ov, rel, arch, b, d);
	}
	return r;
}

static int kargs_text(const char *profile, const struct plan *pl, const char *base,
		      char **ret)
{
	(void)base;
	return fragment_bootc(profile, pl, ret);
}

static const struct managed_file kargs_file = {FRAGMENT_BOOTC, MANAGED_CMDLINE, true};
static const struct managed_file modprobe_file = {FRAGMENT_MODPROBE_USR, MANAGED_MODPROBE,
						  true};

const struct boot_backend backend_bootc = {
	.name = "bootc-image",
	.detect = detect,
	.read_next = read_next,
	.cmdline = &kargs_file,
	.cmdline_text = kargs_text,
	/* bootc reads the files when it deploys the image: nothing to make here. */
	.cmdline_regen = REGEN_NONE,
	.modprobe = &modprobe_file,
	.image_build = true,
	.trial_refuse =
		"apply --trial is for a booted machine: an image being built has no next boot; try the image on one machine first (bootc switch, and bootc rollback to go back)",
};
