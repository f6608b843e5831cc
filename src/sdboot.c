#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "sdboot.h"
#include "strv.h"
#include "sysroot.h"
#include "util.h"

#define EFIVAR_MAX 1024
/* A UKI's headers and the sections read from it. */
#define PE_HEAD_MAX	((size_t)64 * 1024)
#define PE_SECTION_MAX	((size_t)64 * 1024)
#define LOADER_CONF_MAX ((size_t)64 * 1024)

/* An EFI variable of systemd-boot as efivarfs shows it (4 bytes of attributes, then a
 * UTF-16LE string), in ASCII ('?' for anything else); NULL when absent or unusable. */
char *sdboot_efivar(const struct sysroot *root, const char *name)
{
	_cleanup_free_ char *raw = NULL;
	char rel[160], *out;
	size_t len = 0, n = 0;

	snprintf(rel, sizeof(rel), "sys/firmware/efi/efivars/%s-" SDBOOT_LOADER_GUID,
		 name);
	if (sysroot_read_file(root, rel, EFIVAR_MAX, true, &raw, &len) < 0 || len < 6)
		return NULL;
	out = calloc(len / 2, 1);
	if (!out)
		return NULL;
	for (size_t i = 4; i + 1 < len; i += 2) {
		unsigned c = (unsigned char)raw[i] | (unsigned)(unsigned char)raw[i + 1]
							     << 8;

		if (!c)
			break;
		out[n++] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
	}
	out[n] = '\0';
	return out;
}

/* loader.conf's "default" value (the last one, as systemd-boot keeps the last), or NULL.
 */
static char *conf_default(const struct sysroot *root, const char *esp)
{
	_cleanup_free_ char *buf = NULL;
	char rel[256], *found = NULL;
	size_t len = 0;

	snprintf(rel, sizeof(rel), "%s/loader/loader.conf", esp);
	if (sysroot_read_file(root, rel, LOADER_CONF_MAX, false, &buf, &len) < 0)
		return NULL;
	for (char *line = buf, *next; line; line = next) {
		char *k, *v, *e;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		k = line + strspn(line, " \t");
		if (strncmp(k, "default", 7) != 0 || (k[7] != ' ' && k[7] != '\t'))
			continue;
		v = k + 7 + strspn(k + 7, " \t");
		for (e = v + strlen(v); e > v && strchr(" \t\r", e[-1]); e--)
			;
		free(found);
		found = strndup(v, (size_t)(e - v));
		if (!found)
			return NULL;
	}
	return found;
}

/* Reads section name of the open image fd (its head given) as a string; NULL when it
 * has none or it cannot be read. */
static char *pe_string(int fd, const unsigned char *head, size_t head_len,
		       const char *name)
{
	size_t off, size;
	char *s;
	ssize_t k;

	if (bls_pe_section(head, head_len, name, &off, &size) < 0 ||
	    size > PE_SECTION_MAX)
		return NULL;
	s = malloc(size + 1);
	if (!s)
		return NULL;
	k = pread(fd, s, size, (off_t)off);
	if (k < 0) {
		free(s);
		return NULL;
	}
	s[k] = '\0';
	return s;
}

/* A Type #2 entry: the .cmdline, .osrel and .uname sections of dir/name. 0, 1 (not a UKI
 * we can read: left out), or -ENOMEM. */
static int read_uki(const struct sysroot *root, const char *rel, const char *name,
		    struct bls_entry *e)
{
	_cleanup_close_ int fd =
		sysroot_openat(root, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	_cleanup_free_ unsigned char *head = NULL;
	_cleanup_free_ char *cmdline = NULL, *osrel = NULL;
	struct stat st;
	ssize_t k;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 1;
	head = malloc(PE_HEAD_MAX);
	if (!head)
		return -ENOMEM;
	k = pread(fd, head, PE_HEAD_MAX, 0);
	if (k <= 0)
		return 1;
	cmdline = pe_string(fd, head, (size_t)k, ".cmdline");
	osrel = pe_string(fd, head, (size_t)k, ".osrel");
	r = bls_entry_uki(name, cmdline, osrel, e);
	if (r == 0) {
		/* ukify writes the kernel's version (uname -r) there; what the PE
		 * pads it with is no part of it. */
		e->uname = pe_string(fd, head, (size_t)k, ".uname");
		if (e->uname)
			e->uname[strcspn(e->uname, " \t\r\n")] = '\0';
		/* An empty one names no version: the .osrel one stands. */
		if (e->uname && !*e->uname) {
			free(e->uname);
			e->uname = NULL;
		}
	}
	return r == -ENOMEM ? r : r < 0 ? 1 : 0;
}

/* systemd-boot leaves out a Type #1 entry whose kernel (linux, else efi; a path from the
 * top of the partition the entry is on) it cannot open, or that names none
 * (boot_entry_add_type1()): so does this, with a warning. 1 when left out, 0, -ENOMEM. */
static int kernel_missing(const struct sysroot *root, const char *top,
			  const struct bls_entry *e, const char *rel, struct diag_list *d)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;
	int r;

	if (!e->kernel) {
		r = diag_warning(
			d, rel, 0,
			"names no kernel (no linux or efi line): systemd-boot skips it");
		return r < 0 ? r : 1;
	}
	if (asprintf(&path, "%s/%s", top, e->kernel + strspn(e->kernel, "/")) < 0)
		return -ENOMEM;
	if (sysroot_stat(root, path, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	r = diag_warning(
		d, rel, 0,
		"its kernel %s is not on its partition (%s): systemd-boot skips this entry",
		e->kernel, path);
	return r < 0 ? r : 1;
}

/* Adds the entries of one directory (Type #1 when suffix is ".conf", else UKIs), on the
 * partition whose top is top. */
static int read_dir(const struct sysroot *root, const char *top, const char *dir,
		    const char *suffix, struct sdboot *s, struct diag_list *d)
{
	_cleanup_closedir_ DIR *dh = NULL;
	_cleanup_strv_free_ char **names = NULL;
	struct dirent *de;
	int r = 0;

	if (sysroot_opendir(root, dir, &dh) < 0)
		return 0;
	while ((de = readdir(dh)))
		if (de->d_name[0] != '.' && strlen(de->d_name) > strlen(suffix) &&
		    strcasecmp(de->d_name + strlen(de->d_name) - strlen(suffix),
			       suffix) == 0 &&
		    strv_push(&names, de->d_name) < 0)
			return -ENOMEM;
	for (size_t i = 0; r == 0 && names && names[i]; i++) {
		_cleanup_free_ char *rel = NULL, *text = NULL;
		struct bls_entry e;
		size_t len = 0;
		int k;

		if (s->n_entries >= BLS_ENTRIES_MAX) {
			r = diag_warning(
				d, dir, 0,
				"more than %u boot entries: the rest are not read",
				BLS_ENTRIES_MAX);
			break;
		}
		if (asprintf(&rel, "%s/%s", dir, names[i]) < 0)
			return -ENOMEM;
		if (streq(suffix, ".conf")) {
			k = sysroot_read_file(root, rel, BLS_ENTRY_MAX, false, &text,
					      &len);
			if (k == -ENOMEM)
				return k;
			if (k < 0) {
				r = diag_warning(
					d, rel, 0,
					"boot entry not read: %s; systemd-boot skips it too",
					read_error_text(-k));
				continue;
			}
			k = bls_entry_parse(BLS_SDBOOT, names[i], text, len, &e);
			if (k == 0 && (k = kernel_missing(root, top, &e, rel, d)) != 0) {
				bls_entry_done(&e);
				if (k < 0)
					return k;
				continue;
			}
		} else {
			k = read_uki(root, rel, names[i], &e);
		}
		if (k == -ENOMEM)
			return k;
		if (k != 0)
			continue;
		e.path = TAKE_PTR(rel);
		s->entries[s->n_entries++] = e;
	}
	return r;
}

int sdboot_read(const struct sysroot *root, const char *const *dirs, struct sdboot *s,
		struct diag_list *d)
{
	_cleanup_free_ char *oneshot = NULL, *efi_default = NULL, *conf = NULL,
			    *last = NULL;
	struct stat seen[8];
	size_t n_seen = 0;
	int r = 0;

	*s = (struct sdboot){.dflt = -1};
	s->entries = calloc(BLS_ENTRIES_MAX, sizeof(*s->entries));
	if (!s->entries)
		return -ENOMEM;
	for (size_t i = 0; r == 0 && dirs[i] && n_seen < ELEMENTSOF(seen); i++) {
		char rel[256];
		bool dup = false;

		/* The same directory reached twice (boot/efi and efi, a bind mount) is
		 * read once. */
		if (sysroot_stat(root, dirs[i], &seen[n_seen]) < 0)
			continue;
		for (size_t k = 0; k < n_seen; k++)
			dup |= seen[k].st_dev == seen[n_seen].st_dev &&
			       seen[k].st_ino == seen[n_seen].st_ino;
		if (dup)
			continue;
		n_seen++;
		snprintf(rel, sizeof(rel), "%s/loader/entries", dirs[i]);
		r = read_dir(root, dirs[i], rel, ".conf", s, d);
		snprintf(rel, sizeof(rel), "%s/EFI/Linux", dirs[i]);
		if (r == 0)
			r = read_dir(root, dirs[i], rel, ".efi", s, d);
	}
	if (r < 0)
		return r;
	bls_sort(s->entries, s->n_entries);
	oneshot = sdboot_efivar(root, "LoaderEntryOneShot");
	efi_default = sdboot_efivar(root, "LoaderEntryDefault");
	last = sdboot_efivar(root, "LoaderEntryLastBooted");
	/* A trial's selection of its own entry (apply --trial) is the trial's, which
	 * status reports; the next boot the settings are for is the default one. */
	if (oneshot && streq(oneshot, SDBOOT_TRIAL_ENTRY)) {
		free(oneshot);
		oneshot = NULL;
	}
	conf = dirs[0] ? conf_default(root, dirs[0]) : NULL;
	/* "@saved" needs the EFI variables, which a tree being built has none of. */
	if ((bls_is_saved(efi_default) || bls_is_saved(conf)) && !oneshot &&
	    !sysroot_exists(root, "sys/firmware/efi/efivars")) {
		s->why = strdup(
			"loader.conf's default is @saved, the entry booted last, which is recorded in an EFI variable this root does not have");
		return s->why ? 0 : -ENOMEM;
	}
	s->dflt = bls_default(s->entries, s->n_entries, oneshot, efi_default, conf, last,
			      &s->rule);
	if (s->dflt < 0) {
		s->why =
			strdup("systemd-boot finds no boot entry (loader/entries/*.conf, "
			       "EFI/Linux/*.efi): is the ESP mounted?");
		if (!s->why)
			return -ENOMEM;
	}
	return 0;
}

void sdboot_done(struct sdboot *s)
{
	for (size_t i = 0; s->entries && i < s->n_entries; i++)
		bls_entry_done(&s->entries[i]);
	free(s->entries);
	free(s->why);
	*s = (struct sdboot){.dflt = -1};
}
