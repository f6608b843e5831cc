/* Boot Loader Specification entries as systemd-boot reads, orders and picks them: Type #1
 * entries (loader/entries/ID.conf), Type #2 unified kernel images (EFI/Linux/ID.efi,
 * their command line in the .cmdline PE section), and loader.conf's default. Pure:
 * bootcfg.c reads the files. The rules are systemd-boot's (src/boot/efi/boot.c of systemd
 * 252 to 257: boot_entry_compare_indirect(), config_select_default_entry(),
 * boot_entry_parse_tries()) and the UAPI Version Format Specification's comparison
 * (strverscmp_improved()). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* At most this many entries are read; each Type #1 file at most BLS_ENTRY_MAX bytes. */
#define BLS_ENTRIES_MAX 256
#define BLS_ENTRY_MAX	((size_t)64 * 1024)

struct bls_entry {
	char *id;   /* the file name in lower case, boot counter ("+3-1") and all: what
		     * loader.conf's default and the LoaderEntry* variables match */
	char *path; /* relative to the root */
	char *title, *version, *machine_id, *sort_key;
	char *options;		    /* the options lines joined by spaces; NULL: none */
	char *kernel;		    /* Type #1: what it boots (its linux, else efi key) */
	unsigned options_line;	    /* of the first options line; 0 for a UKI */
	int tries_left, tries_done; /* -1: no boot counting */
	bool uki;		    /* Type #2: options from its .cmdline section */
	char *uname;		    /* Type #2: its .uname section, the version of the
				     * kernel inside (ukify --uname); NULL: none */
	bool options_unknown;	    /* what the kernel gets is not computed (GRUB's
				     * blscfg expands options); options is NULL */
};

/* Compares two versions as the UAPI Version Format Specification and systemd's
 * strverscmp_improved() do (systemd-analyze compare-versions): <0, 0 or >0. */
int bls_version_cmp(const char *a, const char *b);

/* Who reads an entry: systemd-boot, or GRUB's blscfg (and ostree, whose entries GRUB
 * boots). */
enum bls_reader {
	BLS_SDBOOT,
	BLS_GRUB,
};

/* A line of a Type #1 entry as its reader takes it. systemd-boot (line_get_key_value()
 * in its boot.c): lines end at '\n' or '\r', and a value loses a pair of double quotes
 * around it. GRUB's blscfg: lines end at '\n' alone, a '\r' before it is dropped, quotes
 * stay. Both: blanks at either end go; empty lines, '#' lines and a key without a value
 * are passed over; the key ends at the first blank, the value starts after the blanks
 * that follow. Key and value point into the text; line is the line number (counting
 * '\n's). */
struct bls_line {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
	unsigned line;
};

/* The next line from *p (before end) into l, *p and *line (from 1) moved past it;
 * false at the end. Pure. */
bool bls_next_line(enum bls_reader reader, const char **p, const char *end,
		   unsigned *line, struct bls_line *l);

/* Whether l's key is key. */
bool bls_line_is(const struct bls_line *l, const char *key);

/* Fills e from the Type #1 entry file name (its base name) and text (len bytes): id and
 * boot counter from the name, the keys systemd-boot reads from the text (title, version,
 * machine-id, sort-key, options; each options line adds to the command line). Other
 * keys are ignored, as systemd-boot ignores them. 0, -EINVAL (not an entry name: no
 * ".conf", or a name systemd-boot would not load), or -ENOMEM. */
int bls_entry_parse(enum bls_reader reader, const char *name, const char *text,
		    size_t len, struct bls_entry *e);

/* Fills e for a Type #2 entry: id and counter from the name (".efi"), the command line
 * from cmdline (the .cmdline section; NULL: none), title, sort key and version as
 * systemd-boot takes them from the .osrel section: PRETTY_NAME, IMAGE_ID, NAME or ID;
 * IMAGE_ID or ID; IMAGE_VERSION, VERSION, VERSION_ID or BUILD_ID. 0, -EINVAL (no .osrel
 * or no name in it: systemd-boot skips such a UKI; or not a UKI name), or -ENOMEM. */
int bls_entry_uki(const char *name, const char *cmdline, const char *osrel,
		  struct bls_entry *e);

void bls_entry_done(struct bls_entry *e);

/* Sorts v as systemd-boot shows them: entries with no tries left last; entries with a
 * sort key before those without, by sort key, machine ID, then version, newest first;
 * then by ID, newest first; then more tries left, fewer tries done. */
void bls_sort(struct bls_entry *v, size_t n);

/* Whether a default pattern is "@saved" (any case): the entry booted last. */
bool bls_is_saved(const char *p);

/* The entry systemd-boot boots by default among the sorted v (config_select_default_
 * entry()): the one-shot choice (LoaderEntryOneShot), the default choice
 * (LoaderEntryDefault), loader.conf's default pattern (each NULL when not set; globs,
 * matched case-folded against the IDs, the first entry matching wins; "@saved" in
 * LoaderEntryDefault, or in loader.conf when LoaderEntryDefault matched nothing, stands
 * for last_booted, LoaderEntryLastBooted), else the first entry. Its index, or -1 when
 * v is empty; *ret_rule names the rule that decided. */
ssize_t bls_default(const struct bls_entry *v, size_t n, const char *oneshot,
		    const char *efi_default, const char *conf_default,
		    const char *last_booted, const char **ret_rule);

/* The file offset and size of the PE section name (at most 8 bytes, e.g. ".cmdline")
 * in the image whose first head_len bytes are head (DOS header, PE header and section
 * table must lie within them). 0, -ENOENT (no such section), or -EBADMSG (not a PE
 * image, or a header that points outside head). */
int bls_pe_section(const unsigned char *head, size_t head_len, const char *name,
		   size_t *ret_offset, size_t *ret_size);
