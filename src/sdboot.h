/* What systemd-boot will boot: its entries as it finds them (Type #1 files under
 * loader/entries and Type #2 UKIs under EFI/Linux, on the ESP and on /boot, which may be
 * the XBOOTLDR partition), in its order, and the one it picks by default (its EFI
 * variables, when the root has them under sys/firmware/efi/efivars, then loader.conf on
 * the ESP). The parsing and the rules are bls.h's; this reads the files, through
 * sysroot. */
#pragma once

#include <sys/types.h>

#include "bls.h"
#include "diag.h"

struct sysroot;

/* The vendor GUID of systemd-boot's EFI variables (the Boot Loader Interface). */
#define SDBOOT_LOADER_GUID "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

struct sdboot {
	struct bls_entry *entries; /* sorted as systemd-boot shows them */
	size_t n_entries;
	ssize_t dflt;	  /* index of the default entry, -1 when not known */
	const char *rule; /* what chose it (static text) */
	char *why;	  /* when dflt is -1: why the next boot is not known */
};

/* Reads the entries under the boot directories dirs (relative to the root, NULL-ended;
 * the ESP first: its loader/loader.conf is the one systemd-boot reads) into *ret. An
 * entry file that cannot be read is a warning and left out, as systemd-boot leaves out
 * what it cannot load. 0 or -ENOMEM. */
int sdboot_read(const struct sysroot *root, const char *const *dirs, struct sdboot *ret,
		struct diag_list *d);

void sdboot_done(struct sdboot *s);

/* The value of systemd-boot's EFI variable name (LoaderEntryOneShot, LoaderInfo) as the
 * root's sys/firmware/efi/efivars shows it, in ASCII ('?' for anything else); NULL when
 * it is absent, unreadable, or memory ran out. */
char *sdboot_efivar(const struct sysroot *root, const char *name);
