/* Boot loader backends: how amdgpu-tune finds a boot loader, reads the command line its
 * next boot gets, writes our kernel arguments for it, makes its boot files again and
 * checks them. One file per boot loader (backend-grub.c, backend-sdboot.c), one table
 * (backend.c) that detection, the readers, apply, remove, the regeneration and the
 * journal go through: a new boot loader is a new file and a row in the table, and no
 * caller names one. The table and the managed files are data; the hooks do I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "paths.h"
#include "util.h"

struct sysroot;
struct boot_facts;
struct file_override;
struct plan;
struct trial;

/* What detection looks at, gathered once by the reader (bootcfg.c). */
/* The most files a backend's trial entry may be in (systemd-boot's: efi, boot/efi,
 * boot). */
#define TRIAL_FILES_MAX 3

struct boot_probe {
	const char *esp;    /* systemd-boot's directory (relative to the root), or NULL */
	bool sdboot;	    /* its loader/loader.conf or EFI/systemd is in esp */
	bool grub_cfg;	    /* boot/grub/grub.cfg or boot/grub2/grub.cfg */
	bool grub_defaults; /* etc/default/grub */
	bool update_grub;   /* usr/sbin/update-grub: Debian's, which sources grub.d */
	bool grub_mkconfig; /* usr/sbin/grub-mkconfig or grub2-mkconfig */
	bool grub_blscfg;   /* grub.cfg runs blscfg (Fedora's GRUB with BLS entries) */
	/* etc/default/grub has GRUB_ENABLE_BLSCFG=true and boot/loader/entries has
	 * entries (the grub.cfg that runs blscfg may be on an ESP not mounted) */
	bool grub_enable_blscfg;
	bool ostree;	    /* an OSTree system (rpm-ostree, bootc): ostree/repo,
			       run/ostree-booted */
	bool ostree_booted; /* run/ostree-booted: a booted OSTree system */
	bool rpm_ostree;    /* usr/bin/rpm-ostree, a regular file */
	/* A bootc image's tree, not booted: usr/bin/bootc, ostree a link to
	 * sysroot/ostree, no usr/etc (a deployment has one) and no run/ostree-booted */
	bool bootc_image;
};

/* What makes the boot files again after a change. */
enum regen_step {
	REGEN_NONE,	 /* nothing: the boot loader reads no file of ours */
	REGEN_MENU,	 /* the boot menu (GRUB: update-grub, grub-mkconfig -o) */
	REGEN_INITRAMFS, /* every installed kernel's initramfs, and with it (through
			  * kernel-install's plugins) the boot entries made from it */
	REGEN_KARGS,	 /* a booted OSTree system's next deployment: its kernel
			  * arguments, through rpm-ostree kargs (backend-rpmostree.c) */
	REGEN_SELECT,	 /* the boot loader's choice of the next boot: a trial's entry
			  * selected for it once, or that selection taken back */
	REGEN_STEPS,
};

struct boot_backend {
	const char *name; /* as detect, the JSON and the journal name it */
	/* Whether the probe shows this boot loader; appends what the decision rests on
	 * to ev ("; ..."). The table is tried in order; the first that says yes is it.
	 * NULL: never detected (the "unknown" row, taken when none is). */
	bool (*detect)(const struct boot_probe *p, struct strbuf *ev);
	/* Reads the next boot's command line into b (b->next, next_known, next_files,
	 * next_why; b->grub or b->sd), with the files in ov in place of the disk's. like:
	 * as boot_facts_read() says. 0 or -ENOMEM; findings in d. NULL: nothing is
	 * known. */
	int (*read_next)(const struct sysroot *root, const struct file_override *ov,
			 const struct boot_facts *like, struct boot_facts *b,
			 struct diag_list *d);
	/* The file our kernel arguments go to; NULL when this backend cannot take
	 * them (the user is told what to add by hand: with by_hand, the command that
	 * adds them, the arguments following it in quotes). */
	const struct managed_file *cmdline;
	const char *by_hand;
	/* Its new text for profile's plan: the whole file when cmdline->hand_edit (a
	 * drop-in of ours), else base (the file without our previous tokens) with the
	 * plan's arguments. New string in *ret; 0, -EINVAL (a value that cannot be
	 * written safely) or -ENOMEM. */
	int (*cmdline_text)(const char *profile, const struct plan *pl, const char *base,
			    char **ret);
	/* When only our tokens in cmdline are ours: where in its text the arguments are,
	 * the bytes [*start, *end) that adding and taking away our tokens touch (every
	 * other byte is kept). 0, or -EINVAL with an error in d (file and line) when
	 * there is no such place it can edit safely. NULL: the whole text. */
	int (*cmdline_span)(const char *text, size_t *start, size_t *end,
			    struct diag_list *d);
	/* What makes the boot files again when a command-line file changed (its own,
	 * or another backend's drop-in of ours that it removes as stale). */
	enum regen_step cmdline_regen;
	/* Its boot entries are made by the initramfs tool's run (kernel-install's
	 * plugins) and carry their own copy of each initramfs: any change needs that
	 * tool, and none installed is an error rather than nothing to do. */
	bool entries_need_initramfs_tool;
	/* After the regeneration: whether the boot entries it made carry what they must
	 * (every argument of present, none of absent: NULL-ended, NULL for none). 0, or
	 * -EIO with an error finding naming the entry. NULL: the boot files are made
	 * from the files as they are, nothing to check. */
	int (*verify)(const struct sysroot *root, char *const *present,
		      char *const *absent, struct diag_list *d);
	/* Where the module options go; NULL: FRAGMENT_MODPROBE (etc/modprobe.d). */
	const struct managed_file *modprobe;
	/* The tree is an image being built for the machines that will boot it: their
	 * RAM is not this one's (apply wants --memory), and the initramfs is the
	 * image's usr/lib/modules/VERSION/initramfs.img, made per kernel by the image's
	 * dracut (regen.c), not by the distribution's tool. */
	bool image_build;
	/* A booted OSTree system changed through rpm-ostree: the kernel arguments go to
	 * the next deployment with `rpm-ostree kargs` (cmdline is our record of the ones
	 * we added, which the command is made from), and the modprobe.d file reaches its
	 * initramfs with `rpm-ostree initramfs-etc` (regen.c). */
	bool ostree_live;
	/* When set, apply and remove change nothing here and say this instead (what to
	 * run by hand). */
	const char *refuse;
	/* apply --trial (trial.h): the files that may carry the trial's entry
	 * (NULL-ended; MANAGED_ENTRY: a file the boot files are made from, again with
	 * cmdline_regen; MANAGED_BOOT_ENTRY: the boot loader's own entry file) and the
	 * one that does for the boot facts now (trial_file; NULL: the first), with its
	 * text for trial t; the commands that select that entry for the next boot only
	 * and take the selection back (absolute paths, NULL-ended); whether it is
	 * selected now (1, 0, or -errno when that cannot be read); after the change, the
	 * trial's arguments the entry lacks (0, or -EIO with an error). NULL
	 * trial_files: --trial is refused, trial_refuse says why. trial_unusable, when
	 * set, says why this machine cannot run a trial (a static text), or NULL. */
	const struct managed_file *const *trial_files; /* at most TRIAL_FILES_MAX */
	const struct managed_file *(*trial_file)(const struct boot_facts *now);
	/* The entry's ID as the boot loader and its selection command name it, and the
	 * file (relative to the root) that holds the selection. */
	const char *trial_entry, *trial_where;
	int (*trial_text)(const struct sysroot *root, const struct boot_facts *now,
			  const struct trial *t, char **ret, struct diag_list *d);
	const char *const *trial_arm, *const *trial_disarm;
	int (*trial_selected)(const struct sysroot *root);
	int (*trial_verify)(const struct sysroot *root, const struct trial *t,
			    struct diag_list *d);
	const char *(*trial_unusable)(const struct sysroot *root,
				      const struct boot_facts *now);
	const char *trial_refuse;
	/* Which installed kernel it boots when no entry names one (NULL: not known),
	 * e.g. "newest boot/vmlinuz-VERSION (GRUB_DEFAULT=0)". */
	const char *default_rule;
};

extern const struct boot_backend backend_debian_grub, backend_grub, backend_grub_bls,
	backend_bootc, backend_rpm_ostree, backend_ostree, backend_sdboot,
	backend_unknown;

/* The backends in the order detection tries them, NULL-ended. */
extern const struct boot_backend *const backends[];

/* The backend named name, or NULL. */
const struct boot_backend *backend_by_name(const char *name);

/* The first backend whose detect() says yes, else backend_unknown; the evidence is
 * appended to ev. */
const struct boot_backend *backend_detect(const struct boot_probe *p, struct strbuf *ev);

/* The backend that writes our kernel arguments to path, or NULL: loader (the machine's)
 * when it does, else the first in the table that does. (GRUB's etc/default/grub is
 * written by two: the plain one edits GRUB_CMDLINE_LINUX_DEFAULT, the one with BLS
 * entries GRUB_CMDLINE_LINUX.) */
const struct boot_backend *backend_for_cmdline_file(const char *path,
						    const struct boot_backend *loader);

/* The file that carries b's trial entry for the boot facts now, or NULL. */
static inline const struct managed_file *backend_trial_file(const struct boot_backend *b,
							    const struct boot_facts *now)
{
	if (!b || !b->trial_files)
		return NULL;
	return b->trial_file ? b->trial_file(now) : b->trial_files[0];
}

/* The modprobe.d file the backend's module options go to (relative to the root). */
static inline const char *backend_modprobe_path(const struct boot_backend *b)
{
	return b && b->modprobe ? b->modprobe->path : FRAGMENT_MODPROBE;
}

/* The arguments the text of our record on a booted OSTree system (FRAGMENT_RPM_OSTREE,
 * backend-rpmostree.c) lists: every word of its lines that are not comments; *ret NULL
 * for none or text NULL. 0 or -ENOMEM. */
int rpm_ostree_record_tokens(const char *text, char ***ret);

/* The tokens rpm-ostree kargs adds (*add) and takes away (*del) when that record goes
 * from the text was to to (either NULL for none): those of was that to lacks and the
 * pending deployment has, and those of to that it lacks (the deployment's own are not
 * added again, nor taken away later). NULL-ended lists, NULL for none. 0, -ENOMEM, or
 * -EIO with an error finding when the pending deployment's arguments are not known. */
int rpm_ostree_delta(const struct sysroot *root, const char *was, const char *to,
		     char ***add, char ***del, struct diag_list *d);

/* The tokens of the record text to that the pending deployment has and the record text
 * was lacks: arguments of someone else's (a rollback's record listing one the user has
 * added since remove), which are not ours to record. *ret NULL for none. 0, -ENOMEM,
 * or -EIO with an error finding when the pending arguments are not known. */
int rpm_ostree_claimed(const struct sysroot *root, const char *was, const char *to,
		       char ***ret, struct diag_list *d);

/* The record text without the tokens drop: a new string, NULL in *ret when none is
 * left (no record). 0 or -ENOMEM. */
int rpm_ostree_record_drop(const char *text, char *const *drop, char **ret);

/* Why rpm-ostree must not make a deployment now (a locked staged deployment, which it
 * would unlock), or NULL. */
const char *rpm_ostree_unchangeable(const struct sysroot *root);

/* Whether the pending deployment's initramfs takes the /etc file path (absolute): its
 * origin tracks it (rpm-ostree initramfs-etc). 1, 0, -1 when that is not known (its
 * origin not found or not read), or -ENOMEM. */
int rpm_ostree_tracked(const struct sysroot *root, const char *path);

/* The GRUB defaults file as a command-line file of ours by token, and its parts that
 * both GRUB backends use (backend-grub.c): GRUB_CMDLINE_LINUX's value as the part our
 * arguments go to, and the file with the plan's arguments added there. */
extern const struct managed_file grub_defaults_file;
int grub_linux_span(const char *text, size_t *start, size_t *end, struct diag_list *d);
int grub_linux_text(const char *profile, const struct plan *pl, const char *base,
		    char **ret);

/* The files apply, rollback and remove may change: every backend's command-line file
 * (once each), the modprobe.d drop-in and our state; the only ones a snapshot may
 * restore or a journal name, and the directories they may create or remove are their
 * parents. managed_file(i) for i from 0 while it is not NULL. */
const struct managed_file *managed_file(size_t i);

/* The row for path, or NULL when we never change that file. */
const struct managed_file *managed_file_lookup(const char *path);
