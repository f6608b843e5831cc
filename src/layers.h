/* The four layers of every planned setting, side by side: wanted (the plan), next boot
 * (the configuration on disk), running (the live kernel) and written (amdgpu-tune's
 * own fragments), with each setting's status, plus the lints that read the boot
 * configuration. Pure: the facts are read by the caller. */
#pragma once

#include <stdbool.h>

#include "bootcfg.h"
#include "diag.h"
#include "machine.h"
#include "plan.h"

enum row_status {
	ROW_OK,	     /* next boot = wanted, and running = wanted (or unknown) */
	ROW_CHANGE,  /* next boot differs: apply would change it */
	ROW_PENDING, /* next boot = wanted, running differs: reboot */
	ROW_UNKNOWN, /* the next boot's value is not known (next_why says why) */
};

/* A value in one layer: set (value may be NULL for a bare flag) or unset. */
struct lvalue {
	bool set;
	char *value;
	const char *file; /* deciding file relative to the root; NULL: none or cmdline */
	unsigned line;
};

struct row {
	const struct setting *setting; /* borrowed from the plan */
	struct lvalue next, after, running, written;
	bool running_known;
	bool next_known;      /* false: the command line of the next boot is not known */
	const char *next_why; /* then: "FILE:LINE: cause", borrowed from the boot facts */
	enum row_status status;
};

struct layers {
	struct row *rows;
	size_t n_rows;
};

/* The running value of a module parameter as sysfs shows it, read by the caller for
 * each setting: value NULL and known false when the root has no sysfs view. */
struct sysfs_value {
	char *value; /* NULL: module not loaded or parameter not shown */
	bool known;
};

/* Computes the rows of plan pl. now is the boot configuration on disk; after is the
 * same with apply's fragments in place (for "apply cannot fix this" lints); sysfs[i]
 * is the sysfs view of setting i (array of pl->n_settings). Lints go to d as
 * warnings. *ret owned by the caller (layers_free()). 0 or -ENOMEM. */
int layers_compute(const struct plan *pl, const struct machine_facts *m,
		   const struct boot_facts *now, const struct boot_facts *after,
		   const struct sysfs_value *sysfs, struct layers **ret,
		   struct diag_list *d);
void layers_free(struct layers *l);

/* gfx: the GPUs the settings are for (a profile's targets, or the detected GPUs), NULL
 * when not known; GPU-dependent rules then state only the kernel side.
 * Lints of the boot configuration itself, with or without a profile: deprecated or
 * unknown parameters, gttsize against pages_limit, amd_iommu=on/pt, amd_iommu=off with
 * an NPU, options for built-in modules, an initramfs older than the options it should
 * carry. b is the configuration on disk; after (may be NULL) the same after apply, for
 * gttsize against pages_limit. Warnings in d. 0 or -ENOMEM. */
/* x86 COMMAND_LINE_SIZE; GRUB drops what does not fit, silently. */
#define COMMAND_LINE_SIZE 2048
/* The next boot's command line in bytes as the kernel gets it (with what GRUB puts
 * before it), and whether that is over x86's COMMAND_LINE_SIZE (2048), past which the
 * last arguments are dropped (GRUB silently; the kernel truncates). */
size_t layers_cmdline_bytes(const struct boot_facts *b);
bool layers_cmdline_too_long(const struct boot_facts *b);

int layers_lint(const struct machine_facts *m, const struct boot_facts *b,
		const struct boot_facts *after, char *const *gfx, struct diag_list *d);

const char *row_status_name(enum row_status s);
