/* The boot side of the machine: which boot loader is in use and what command line its
 * configuration gives the next boot, the modprobe.d configuration, and what the running
 * kernel got. I/O through sysroot; libblkid describes the boot and EFI system
 * partitions on a live system. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "diag.h"
#include "grub.h"
#include "modprobe.h"
#include "sdboot.h"
#include "srcline.h"

struct sysroot;

struct boot_facts {
	const struct boot_backend *loader; /* never NULL: backend_unknown when none */
	char *evidence;			   /* one line: what the decision rests on */
	struct grub_config *grub;	   /* GRUB defaults, when read */
	/* The next boot's arguments on normal entries; origins index next_files. */
	struct srcline next;
	bool next_known;
	char *next_why; /* "FILE:LINE: cause" when a GRUB value was not computed */
	/* On a read with apply's files in place: "FILE:LINE: cause" when the boot
	 * loader's tool would change more than our arguments in the boot entries (apply
	 * refuses), and what it adds to them besides (a warning); NULL: none. */
	char *cmdline_unsafe, *cmdline_also;
	char **next_files; /* borrowed from grub, or owned (kernel cmdline file) */
	size_t n_next_files;
	bool next_files_owned;
	/* systemd-boot: the ESP (relative to the root, NULL when none was found), and its
	 * entries and default, which give the next boot on a read without overrides. */
	char *esp;
	struct sdboot sd;
	struct modprobe_config *modprobe;
	struct modprobe_rules modprobe_rules; /* what the root's kmod reads */
	/* The running kernel's command line (proc/cmdline), when the root has one. */
	struct sargs running;
	bool running_known;
	char *default_kernel; /* version the boot loader starts by default, or NULL */
	char *default_why;
	/* boot/initrd.img-VERSION of each installed kernel that has one. */
	struct initrd {
		char *version;
		char *path; /* relative to the root */
		int64_t mtime;
	} * initrds;
	size_t n_initrds;
};

/* Reads the boot facts of root; kernels are the installed versions (for the default
 * kernel). overrides may be NULL or end with a {NULL} entry. like, when not NULL, is an
 * earlier read of the same root whose boot loader decision is reused instead of probing
 * again (for the read with apply's files in place). Findings go to d (a GRUB
 * file the reader does not understand is an error there, and next_known is then
 * false). *ret owned by the caller (boot_facts_free()). 0 or -ENOMEM. */
int boot_facts_read(const struct sysroot *root, char *const *kernels,
		    const struct file_override *overrides, const struct boot_facts *like,
		    struct boot_facts **ret, struct diag_list *d);
void boot_facts_free(struct boot_facts *b);
DEFINE_FREEP(struct boot_facts, boot_facts_free)
#define _cleanup_boot_facts_ _cleanup_(boot_facts_freep)

/* The directory the environment variable name gives (SYSTEMD_ESP_PATH,
 * SYSTEMD_XBOOTLDR_PATH: an absolute path, as bootctl and kernel-install take it inside
 * the root), relative to the root, in buf; NULL when unset or not a plain path. */
#define BOOT_ENV_DIR_MAX 256
const char *boot_env_dir(const char *name, char buf[static BOOT_ENV_DIR_MAX]);

/* Whether the root is a bootc image being built (backend-bootc.c): usr/bin/bootc, the
 * ostree link to sysroot/ostree, a sysroot directory, no usr/etc (a deployment's
 * checkout) and no run/ostree-booted (a booted system). Its proc and sys, where there
 * are any, are the building machine's. */
bool boot_root_is_image(const struct sysroot *root);

/* An image's kernels: the names in usr/lib/modules with a vmlinuz there (a regular
 * file), sorted, in *ret (NULL when none). 0 or -ENOMEM. */
int boot_image_kernels(const struct sysroot *root, char ***ret);

/* The directory (relative to the root) of the grub.cfg that runs Fedora's blscfg:
 * boot/grub2 or boot/grub, else an ESP's boot/efi/EFI/VENDOR (before Fedora 34). */
bool boot_blscfg_dir(const struct sysroot *root, char dir[static BOOT_ENV_DIR_MAX]);

/* Whether the next boot's command line (b->next, when known) has any of args (whole
 * words; a NULL-ended list, NULL for none). */
bool boot_next_has_any(const struct boot_facts *b, char *const *args);

/* boot_next_has_any() on the root's boot facts read now (on systemd-boot: the entry it
 * boots by default). 0 or -ENOMEM. */
int boot_now_has_any(const struct sysroot *root, char *const *args, bool *ret);

/* The file (relative to the root) a next-boot argument came from, or NULL. Inline, so
 * that the pure units reading boot_facts (layers, report) link without the reader. */
static inline const char *boot_next_file(const struct boot_facts *b, struct src at)
{
	return at.file < b->n_next_files ? b->next_files[at.file] : NULL;
}

/* The value sysfs shows for a module parameter (sys/module/M/parameters/P) without the
 * trailing newline, in *ret (caller frees). -ENOENT when the module is not loaded or the
 * parameter is not shown, other -errno when unreadable. */
int boot_running_param(const struct sysroot *root, const char *module, const char *param,
		       char **ret);
