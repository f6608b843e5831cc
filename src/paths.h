/* The files amdgpu-tune writes (the command-line and modprobe.d files apply changes) and
 * its own (profiles, state, snapshots, journal, cache), relative to the root. What it
 * only reads of the system (boot files, /proc, sysfs, package databases) is named where
 * it is read. Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* What apply writes. */
#define FRAGMENT_GRUB	  "etc/default/grub.d/90-amdgpu-tune.cfg"
#define FRAGMENT_MODPROBE "etc/modprobe.d/90-amdgpu-tune.conf"
#define KERNEL_CMDLINE	  "etc/kernel/cmdline" /* systemd-boot: our tokens in it */
#define GRUB_DEFAULTS	  "etc/default/grub"   /* a GRUB without drop-ins: likewise */
/* A bootc image: its kernel arguments, and the modprobe.d file where dracut's
 * --no-hostonly run (the image's) takes it into the initramfs. */
#define FRAGMENT_BOOTC	      "usr/lib/bootc/kargs.d/90-amdgpu-tune.toml"
#define FRAGMENT_MODPROBE_USR "usr/lib/modprobe.d/90-amdgpu-tune.conf"
/* A booted OSTree system: the kernel arguments apply added to the next deployment with
 * rpm-ostree kargs (in /etc, which every new deployment takes over from the booted
 * one's when it is finalized). */
#define FRAGMENT_RPM_OSTREE "etc/amdgpu-tune/rpm-ostree-kargs"
/* A trial boot (apply --trial) on Debian's GRUB: the grub.d script that adds its entry
 * (after 10_linux's, so that the default entry keeps its place). */
#define FRAGMENT_GRUB_TRIAL "etc/grub.d/42_amdgpu-tune-trial"
/* On systemd-boot: its entry file, in the loader/entries directory of the partition
 * that holds the default entry (an ESP or XBOOTLDR mounted at efi, boot/efi or boot). */
#define SDBOOT_TRIAL_ENTRY "amdgpu-tune-trial.conf"

/* The administrator's profiles. */
#define PROFILEDIR_ETC "etc/amdgpu-tune/profiles"

/* Our own state: data, never instructions (state.h, snapshot.h, txn.h). */
#define STATE_DIR    "var/lib/amdgpu-tune"
#define STATE_FILE   STATE_DIR "/state"
#define SNAPSHOT_DIR STATE_DIR "/snapshots"
#define TXN_LOCK     STATE_DIR "/lock"
#define TXN_JOURNAL  STATE_DIR "/transaction"
#define TRIAL_FILE   STATE_DIR "/trial" /* the trial boot's record (trial.h) */

/* Module parameter tables read from the kernels' modules (paramcache.h). */
#define CACHE_DIR "var/cache/amdgpu-tune"

/* What a managed file carries, and so what must be regenerated after it changes. */
enum managed_kind {
	MANAGED_CMDLINE,  /* kernel parameters: the boot menu (GRUB) or, on systemd-boot,
			   * the entries kernel-install writes */
	MANAGED_MODPROBE, /* module options: the initramfs */
	MANAGED_STATE,	  /* our record of the last change: nothing */
	MANAGED_ENTRY,	  /* a trial boot's entry: the boot menu, as MANAGED_CMDLINE */
	MANAGED_TRIAL,	  /* the trial boot's record: nothing */
	/* A boot entry the boot loader reads itself (systemd-boot's loader/entries on
	 * the ESP or XBOOTLDR): nothing to make again. Such a partition is FAT, whose
	 * modes and owner are the mount's (fat_setattr() refuses others): they are
	 * neither set nor compared. */
	MANAGED_BOOT_ENTRY,
};

/* A file apply, rollback or remove changes. */
struct managed_file {
	const char *path;
	enum managed_kind kind;
	/* Ours as a whole, with its checksum in the state: any other text there is a
	 * hand edit, not replaced or removed without --force. False for
	 * etc/kernel/cmdline (only the tokens we added are ours) and for the state. */
	bool hand_edit;
};
/* The table of managed files is backend.h's: each boot loader backend brings its own. */
