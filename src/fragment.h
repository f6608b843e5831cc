/* The text of the files apply writes: the GRUB drop-in and the modprobe.d file. Every
 * name and value in a plan has passed the profile allowlist and the kernel's own type
 * check, and is spelled with cmdline_arg_format(), so no interpreter (sh, GRUB's
 * script parser, next_arg(), libkmod) can read it differently. Pure. */
#pragma once

#include "plan.h"

#include "paths.h"

/* The GRUB drop-in for the plan's command-line settings:
 * GRUB_CMDLINE_LINUX_DEFAULT="${GRUB_CMDLINE_LINUX_DEFAULT} ..." under a header naming
 * the profile. *ret is NULL when the plan has no command-line settings (the file should
 * not exist). 0, -EINVAL (a value cannot be written safely) or -ENOMEM. */
int fragment_grub(const char *profile, const struct plan *pl, char **ret);

/* A bootc image's kargs.d file for the plan's command-line settings: `kargs = [...]`
 * under a header naming the profile (kargsd.h). *ret is NULL when the plan has none. 0,
 * -EINVAL or -ENOMEM. */
int fragment_bootc(const char *profile, const struct plan *pl, char **ret);

/* The record of the kernel arguments apply adds to a booted OSTree system's next
 * deployment with rpm-ostree kargs (backend-rpmostree.c): the plan's command-line
 * arguments that base (those the deployment has already, without ours; NULL for none)
 * lacks, on one line under a header naming the profile. *ret NULL when there are none.
 * 0, -EINVAL or -ENOMEM. */
int fragment_rpm_ostree(const char *profile, const struct plan *pl, const char *base,
			char **ret);

/* The modprobe.d file: one `options MODULE k=v ...` line per module, in plan order.
 * *ret NULL when the plan has no module options. 0, -EINVAL or -ENOMEM. */
int fragment_modprobe(const char *profile, const struct plan *pl, char **ret);

/* The arguments a systemd-boot/kernel-install system would get in etc/kernel/cmdline:
 * the existing text with every planned argument whose name it lacks (or whose value
 * differs) appended. *ret is a new string. 0, -EINVAL or -ENOMEM. */
int fragment_kernel_cmdline(const char *existing, const struct plan *pl, char **ret);
