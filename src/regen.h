/* Regenerating the boot files after a change: the distribution's own tools, found at
 * absolute paths inside the root, run with execve(2) and a fixed environment (never a
 * shell, never the caller's environment: grub-mkconfig takes pkgdatadir and grub_probe
 * from it and sources code from there). */
#pragma once

#include <stdbool.h>

#include "backend.h"
#include "diag.h"

struct sysroot;

#define REGEN_MAX_ARGS 7
/* At most one command per step, but one per kernel for an image's initramfs. */
#define REGEN_CMDS_MAX 8
#define REGEN_KVER_MAX 65 /* a kernel release: utsname's 64 characters */
/* rpm-ostree's arguments that name kernel arguments: at most this many, in this many
 * bytes (a command line the kernel takes is at most 2048 bytes). */
#define REGEN_WORDS_MAX	  64
#define REGEN_WORDS_BYTES 3072

struct regen_cmd {
	/* argv[0] is the absolute path; an element may be one of regen.c's slots for
	 * the kernel version, which kver fills (regen_run(), regen_format()). */
	const char *argv[REGEN_MAX_ARGS + 2];
	enum regen_step step; /* what it makes again */
	char kver[REGEN_KVER_MAX];
	const char *env; /* one more NAME=value it runs with, or NULL */
	/* More arguments after argv's, each ended by a NUL (n_words of them): the
	 * tokens rpm-ostree adds and takes away. */
	char words[REGEN_WORDS_BYTES];
	size_t n_words, words_len;
};

/* What a change does to a booted OSTree system's next deployment besides the files
 * (backend-rpmostree.c): the kernel arguments `rpm-ostree kargs` adds when missing
 * (add) and takes away when present (del), exact tokens; and whether our modprobe.d
 * file is there once the files are written (`rpm-ostree initramfs-etc` tracks it, or
 * stops tracking it), and whether the pending deployment does not track it (rpm-ostree
 * reset drops what initramfs-etc tracks): then --track, whether it changed or not. */
struct regen_delta {
	char *const *add, *const *del;
	bool modprobe_present, modprobe_untracked;
	/* A trial's entry (apply --trial): selected for the next boot once the boot files
	 * have it, or that selection taken back (the backend's trial_arm, trial_disarm).
	 */
	enum { SELECT_KEEP, SELECT_TRIAL, SELECT_UNDO } select;
};

/* The commands that bring the boot files in line after a change, at most one per step
 * (an image's initramfs: one per kernel in usr/lib/modules, with its vmlinuz):
 * the loader's own step when the command line changed (loader->cmdline_regen: the GRUB
 * menu, or the initramfs whose kernel-install plugins rewrite systemd-boot's entries),
 * and every installed kernel's initramfs when modprobe.d changed, whatever the loader.
 * Last, delta->select's command (REGEN_SELECT), after the entry was made.
 * On a booted OSTree system (loader->ostree_live), rpm-ostree's own commands from
 * delta (which must not be NULL there): `initramfs-etc` first (a tracked file that is
 * gone would fail every later deployment, the kargs one too), then `kargs`, each only
 * when it has something to do.
 * Tools are looked up inside root. A step whose tool is missing is an error finding
 * naming the tool when need (the commands are to run); otherwise the Debian tool is
 * named, for the user to run. 0 or -ENOENT. */
int regen_plan(const struct sysroot *root, const struct boot_backend *loader,
	       bool cmdline_changed, bool modprobe_changed,
	       const struct regen_delta *delta,
	       struct regen_cmd cmds[static REGEN_CMDS_MAX], size_t *ret_n, bool need,
	       struct diag_list *d);

/* Runs one command: fork, chroot into the root when it is not "/", chdir("/"), every fd
 * above 2 closed, stdout sent to stderr, execve with PATH and LANG as the environment,
 * and of the caller's only the variables image builds drive kernel-install and bootctl
 * with (KERNEL_INSTALL_* but _PLUGINS and _BYPASS, SYSTEMD_ESP_PATH,
 * SYSTEMD_XBOOTLDR_PATH, SYSTEMD_RELAX_ESP_CHECKS, SYSTEMD_RELAX_XBOOTLDR_CHECKS,
 * BOOT_ROOT; printable values); no DPKG_MAINTSCRIPT_PACKAGE: nothing may defer the
 * rebuild to dpkg's trigger, which updates the newest kernel's initramfs alone. 0, or
 * -EIO with a finding when it could not start or did not exit 0. */
int regen_run(const struct sysroot *root, const struct regen_cmd *c, struct diag_list *d);

/* Before running a --root tree's own tools as root (--update): trust_tree() (trust.h)
 * must find nothing they could execute, source or load that someone else could change.
 * 0, -ENOMEM, or -EPERM with an error finding naming the path (a warning and 0 when
 * force). Live roots: always 0. */
int regen_root_trusted(const struct sysroot *root, bool force, struct diag_list *d);

/* Before running the tools: lifts this process's RLIMIT_FSIZE, soft and hard, so that
 * the tools inherit none (a limit cuts a rebuilt initramfs short: SIGXFSZ, or a short
 * write). 0, or -EPERM with an error finding when the hard limit cannot be lifted
 * (without CAP_SYS_RESOURCE). */
int regen_lift_file_size_limit(struct diag_list *d);

/* The command as a user would type it, e.g. "update-initramfs -u -k all". New string or
 * NULL. */
char *regen_format(const struct regen_cmd *c);

/* When another package manager run holds dpkg's lock (and we are not one of its
 * maintainer scripts), the PID holding it; else 0. Running update-grub under it races
 * with the packages being changed. */
long regen_dpkg_busy(const struct sysroot *root);
