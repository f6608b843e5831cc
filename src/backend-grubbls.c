/* Fedora's and RHEL's GRUB with Boot Loader Specification entries as a backend: its
 * grub.cfg runs blscfg, which makes the menu from the .conf files in boot/loader/entries,
 * newest first, each with its own options line (blsgrub.h has the rules). The next boot
 * is the options of the entry the menu starts by default. Our kernel arguments are not
 * written here: the distribution's grubby changes every entry and the command line of
 * later kernels at once, and the user is told the exact command; modprobe.d and dracut
 * work as everywhere. */
#include <errno.h>
#include <stdio.h>

#include "backend.h"
#include "blsgrub.h"
#include "bootcfg.h"
#include "strv.h"
#include "sysroot.h"

#define ENTRIES_DIR "boot/loader/entries"
/* grub2-editenv's file (DEFAULT_DIRECTORY "/grubenv"); before Fedora 34 on EFI it was on
 * the ESP, and boot/grub2/grubenv a link to it. */
#define GRUBENV	    "boot/grub2/grubenv"
#define GRUBENV_MAX (64 * 1024)

/* An OSTree system's entries are the deployments', which rpm-ostree and bootc manage:
 * not this backend's (its files and tools would be the wrong ones there). */
static bool detect(const struct boot_probe *p, struct strbuf *ev)
{
	if (!p->grub_defaults || p->ostree || !p->grub_blscfg)
		return false;
	strbuf_puts(ev, "; etc/default/grub and a grub.cfg that runs blscfg (GRUB with "
			"BLS entries, boot/loader/entries)");
	return true;
}

/* The entry files, in name order (blscfg reads them as the file system lists them;
 * only IDs that compare equal, which it drops but one of, depend on that). */
static int read_entries(const struct sysroot *root, struct sdboot *s, struct diag_list *d)
{
	_cleanup_closedir_ DIR *dh = NULL;
	_cleanup_strv_free_ char **names = NULL;
	struct dirent *de;

	if (sysroot_opendir(root, ENTRIES_DIR, &dh) < 0)
		return 0;
	while ((de = readdir(dh)))
		if (strv_push(&names, de->d_name) < 0)
			return -ENOMEM;
	strv_sort(names);
	for (size_t i = 0; names && names[i]; i++) {
		_cleanup_free_ char *rel = NULL, *text = NULL;
		struct bls_entry e;
		size_t len = 0;
		int k;

		if (s->n_entries >= BLS_ENTRIES_MAX)
			return diag_warning(
				d, ENTRIES_DIR, 0,
				"more than %u boot entries: the rest are not read",
				BLS_ENTRIES_MAX);
		if (asprintf(&rel, "%s/%s", ENTRIES_DIR, names[i]) < 0)
			return -ENOMEM;
		/* read_entry(): "*.conf", not hidden. */
		if (names[i][0] == '.' || strlen(names[i]) <= 5 ||
		    !streq(names[i] + strlen(names[i]) - 5, ".conf"))
			continue;
		k = sysroot_read_file(root, rel, BLS_ENTRY_MAX, false, &text, &len);
		if (k == -ENOMEM)
			return k;
		if (k < 0) {
			k = diag_warning(d, rel, 0, "boot entry not read: %s",
					 read_error_text(-k));
			if (k < 0)
				return k;
			continue;
		}
		k = blsgrub_entry_parse(names[i], text, len, &e);
		if (k == -ENOMEM)
			return k;
		if (k < 0)
			continue; /* no "linux": blscfg skips it */
		e.path = TAKE_PTR(rel);
		s->entries[s->n_entries++] = e;
	}
	return 0;
}

/* Whether grub.cfg has menu entries of its own beside blscfg's (os-prober's, the
 * firmware setup entry): a default that names no BLS entry may name one of those. */
static bool other_menu_entries(const struct sysroot *root)
{
	static const char *const cfgs[] = {"boot/grub2/grub.cfg", "boot/grub/grub.cfg"};

	for (size_t i = 0; i < ELEMENTSOF(cfgs); i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len;

		if (sysroot_read_file(root, cfgs[i], 4 * 1024 * 1024, false, &buf,
				      &len) == 0)
			return strstr(buf, "menuentry ") != NULL;
	}
	return false;
}

static int read_next(const struct sysroot *root, const struct file_override *ov,
		     const struct boot_facts *like, struct boot_facts *b,
		     struct diag_list *d)
{
	_cleanup_free_ char *envtext = NULL, *opts = NULL;
	struct grubenv env = {0};
	const struct srcline *gd = NULL;
	const struct bls_entry *e;
	const char *why = NULL;
	size_t len = 0;
	int r;

	/* GRUB_DEFAULT, from etc/default/grub (there are no drop-ins). */
	r = grub_read(root, ov, false, like ? like->grub : NULL, &b->grub, d);
	if (r < 0)
		return r;
	b->sd = (struct sdboot){.dflt = -1};
	b->sd.entries = calloc(BLS_ENTRIES_MAX, sizeof(*b->sd.entries));
	if (!b->sd.entries)
		return -ENOMEM;
	r = sysroot_read_file(root, GRUBENV, GRUBENV_MAX, false, &envtext, &len);
	if (r == 0 && grubenv_parse(envtext, len, &env) == -EBADMSG)
		r = diag_warning(d, GRUBENV, 0,
				 "not a GRUB environment block: read as empty, as GRUB "
				 "does not load it");
	if (r == -ENOMEM || (r = read_entries(root, &b->sd, d)) < 0)
		goto out;
	blsgrub_sort(b->sd.entries, &b->sd.n_entries);
	r = 0;
	if (b->grub && grub_var_lookup(b->grub, "GRUB_DEFAULT", &gd, NULL) != 0) {
		b->next_why = strdup("GRUB_DEFAULT is not computed");
		r = b->next_why ? 0 : -ENOMEM;
	} else {
		b->sd.dflt = blsgrub_default(b->sd.entries, b->sd.n_entries,
					     gd && gd->text.s ? gd->text.s : NULL, &env,
					     other_menu_entries(root), &b->sd.rule);
	}
	if (r == 0 && b->sd.dflt < 0 && !b->next_why) {
		b->next_why = strdup(
			b->sd.n_entries
				? "the default names no BLS entry, and grub.cfg has menu entries of its own that may carry that name"
				: "no boot entry in " ENTRIES_DIR
				  " (a .conf file with a linux line)");
		r = b->next_why ? 0 : -ENOMEM;
	}
	if (r == 0 && b->sd.dflt >= 0) {
		e = &b->sd.entries[b->sd.dflt];
		r = blsgrub_options(e->options, &env, &opts, &why);
	}
	/* Each entry's command line as the kernel gets it, where computed. */
	for (size_t i = 0; r >= 0 && i < b->sd.n_entries; i++) {
		char *x = NULL;
		const char *w;
		int k = blsgrub_options(b->sd.entries[i].options, &env, &x, &w);

		if (k < 0)
			r = k;
		else if (k == 0) {
			free(b->sd.entries[i].options);
			b->sd.entries[i].options = x;
		}
	}
	if (r < 0 || b->sd.dflt < 0)
		goto out;
	e = &b->sd.entries[b->sd.dflt];
	if (r == 1) {
		struct strbuf s = {0};

		strbuf_printf(&s, "%s:%u: %s", e->path, e->options_line, why);
		b->next_why = strbuf_steal(&s);
		r = b->next_why ? 0 : -ENOMEM;
		goto out;
	}
	if (r < 0)
		goto out;
	if (strv_push(&b->next_files, e->path) < 0) {
		r = -ENOMEM;
		goto out;
	}
	b->n_next_files = 1;
	b->next_files_owned = true;
	b->next_known = true;
	r = srcline_append(&b->next, opts, strlen(opts),
			   (struct src){0, e->options_line});
out:
	grubenv_done(&env);
	return r;
}

const struct boot_backend backend_grub_bls = {
	.name = "grub-bls",
	.detect = detect,
	.read_next = read_next,
	.by_hand = "grubby --update-kernel=ALL --args=",
	.default_rule = "the newest boot entry (GRUB_DEFAULT=0)",
};
