/* Fedora's and RHEL's GRUB with Boot Loader Specification entries as a backend: its
 * grub.cfg runs blscfg, which makes the menu from the .conf files in boot/loader/entries,
 * newest first, each with its own options line (blsgrub.h has the rules). The next boot
 * is the options of the entry the menu starts by default. Our kernel arguments go where
 * the distribution's grub2-mkconfig takes them from for every entry and for later
 * kernels: GRUB_CMDLINE_LINUX (mkconfig_options() says how), only where the entries are
 * what it would write anyway; modprobe.d and dracut work as everywhere. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "backend.h"
#include "blsgrub.h"
#include "bootcfg.h"
#include "strv.h"
#include "sysroot.h"

#define ENTRIES_DIR "boot/loader/entries"
/* grubenv is read beside grub.cfg (00_header: load_env -f ${config_directory}/grubenv):
 * boot/grub2, or before Fedora 34 on EFI the ESP's directory. */
#define GRUBENV_MAX ((size_t)64 * 1024)

/* An OSTree system's entries are the deployments', which rpm-ostree and bootc manage:
 * not this backend's (its files and tools would be the wrong ones there). */
static bool detect(const struct boot_probe *p, struct strbuf *ev)
{
	if (!p->grub_defaults || p->ostree || !(p->grub_blscfg || p->grub_enable_blscfg))
		return false;
	strbuf_puts(
		ev,
		p->grub_blscfg
			? "; etc/default/grub and a grub.cfg that runs blscfg (GRUB with BLS entries, boot/loader/entries)"
			: "; GRUB_ENABLE_BLSCFG=true in etc/default/grub and entries in boot/loader/entries, but no grub.cfg that runs blscfg (on an ESP not mounted?)");
	return true;
}

/* The entry files, in name order (blscfg reads them as the file system lists them;
 * only IDs that compare equal, which it drops but one of, depend on that). */
static int read_entries(const struct sysroot *root, struct sdboot *s, size_t *skipped,
			struct diag_list *d)
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

		if (s->n_entries >= BLS_ENTRIES_MAX) {
			(*skipped)++;
			return diag_warning(
				d, ENTRIES_DIR, 0,
				"more than %u boot entries: the rest are not read",
				BLS_ENTRIES_MAX);
		}
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
			(*skipped)++;
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
			continue;
		e.path = TAKE_PTR(rel);
		s->entries[s->n_entries++] = e;
	}
	return 0;
}

/* What the grub.cfg around blscfg decides: the names it sets (set NAME=...), the
 * default it sets (00_header's "set default=" outside the next_entry branch), and
 * whether it has menu entries of its own (os-prober's, the firmware setup entry, or a
 * custom.cfg it sources) that a default naming no BLS entry may name. */
struct cfg {
	char **sets;
	char *dflt; /* as written, quotes removed; NULL: none */
	bool own_entries;
};

static void cfg_done(struct cfg *c)
{
	strv_free(c->sets);
	free(c->dflt);
}

static int read_cfg(const struct sysroot *root, const char *dir, struct cfg *c)
{
	_cleanup_free_ char *buf = NULL;
	char rel[BOOT_ENV_DIR_MAX + 16];
	size_t len;
	int r;

	*c = (struct cfg){0};
	snprintf(rel, sizeof(rel), "%s/grub.cfg", dir);
	r = sysroot_read_file(root, rel, (size_t)4 * 1024 * 1024, false, &buf, &len);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (char *l = buf, *next; l && *l; l = next) {
		char *w, *eq;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		w = l + strspn(l, " \t");
		if (strncmp(w, "menuentry ", 10) == 0 || strncmp(w, "submenu ", 8) == 0 ||
		    strstr(w, "custom.cfg"))
			c->own_entries = true;
		if (strncmp(w, "set ", 4) != 0 || !(eq = strchr(w + 4, '=')))
			continue;
		*eq = '\0';
		w += 4 + strspn(w + 4, " \t");
		if (streq(w, "default")) {
			char *v = eq + 1;
			size_t n = strcspn(v, " \t\r");

			v[n] = '\0';
			if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
				v[n - 1] = '\0', v++;
			if (streq(v, "${next_entry}"))
				continue;
			free(c->dflt);
			if (!(c->dflt = strdup(v)))
				return -ENOMEM;
		} else if (strv_push(&c->sets, w) < 0) {
			return -ENOMEM;
		}
	}
	return 0;
}

/* Says why the next boot is not known. 0 or -ENOMEM. */
_printf_(2, 3) static int unknown(struct boot_facts *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&b->next_why, fmt, ap);
	va_end(ap);
	if (r < 0) {
		b->next_why = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* What grub2-mkconfig makes of every entry's options, update_bls_cmdline() in the
 * 10_linux of Fedora's and RHEL's grub2 (rhboot): each options line written again as
 * "root=${LINUX_ROOT_DEVICE} ro ${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}",
 * one root for every entry, with rootflags=subvol=SUBVOL put before GRUB_CMDLINE_LINUX
 * when / is a btrfs subvolume. (An entry whose name has "debug" also gets
 * GRUB_CMDLINE_LINUX_DEBUG, which grub2-mkconfig takes from grub2-get-kernel-settings,
 * not from etc/default/grub: not predicted, so such an entry's extra words count as
 * lost.) Fedora's grub2-mkconfig does it on every run; RHEL 9.3's and later only with
 * --update-bls-cmdline (regen.c passes it where the script takes it). It also writes
 * etc/kernel/cmdline, which later kernels' entries are made from, when that is older
 * than etc/default/grub. */

/* The words that come from c: 0 with *ret, 1 when a value is not computed or has a '$'
 * (blscfg would expand it), or -ENOMEM. */
static int mkconfig_words(const struct grub_config *c, char ***ret)
{
	static const char *const vars[] = {"GRUB_CMDLINE_LINUX",
					   "GRUB_CMDLINE_LINUX_DEFAULT"};
	_cleanup_strv_free_ char **w = calloc(1, sizeof(char *));

	if (!w)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(vars); i++) {
		_cleanup_strv_free_ char **part = NULL;
		const struct srcline *v = NULL;

		if (grub_var_lookup(c, vars[i], &v, NULL) != 0)
			return 1;
		if (!v || !v->text.s)
			continue;
		if (strchr(v->text.s, '$'))
			return 1;
		if (strv_split_ws(v->text.s, &part) < 0)
			return -ENOMEM;
		for (size_t k = 0; part && part[k]; k++)
			if (strv_push(&w, part[k]) < 0)
				return -ENOMEM;
	}
	*ret = TAKE_PTR(w);
	return 0;
}

/* Appends the words of a that neither b nor c has (either may be NULL) to out, separated
 * by blanks. */
static void words_missing(char *const *a, char *const *b, char *const *c,
			  struct strbuf *out)
{
	for (size_t i = 0; a && a[i]; i++)
		if (!(b && strv_contains(b, a[i])) && !(c && strv_contains(c, a[i]))) {
			if (out->len)
				strbuf_putc(out, ' ');
			strbuf_puts(out, a[i]);
		}
}

/* What update_bls_cmdline() does to an entry whose options are opts, from to (the GRUB
 * defaults with apply's file in place): its root=, ro and rootflags= words, in *prefix;
 * the words of both was (the disk's defaults) and to that opts lacks, in *added; the
 * words of opts that neither was nor to has, which it loses (a word of ours that apply
 * takes away is in was), in *lost; and with ret, the options it writes. 0; 1 when it
 * cannot be said (*why: a value not computed, no "root=... ro" first); -ENOMEM. */
static int mkconfig_options(const char *opts, const struct grub_config *was,
			    const struct grub_config *to, char **ret,
			    struct strbuf *prefix, struct strbuf *added,
			    struct strbuf *lost, const char **why)
{
	_cleanup_strv_free_ char **o = NULL, **w_was = NULL, **w_to = NULL, **both = NULL;
	size_t skip = 2;
	int r = mkconfig_words(was, &w_was);

	if (r == 0)
		r = mkconfig_words(to, &w_to);
	if (r == 0 && strv_split_ws(opts, &o) < 0)
		r = -ENOMEM;
	*why = "a value of etc/default/grub is not computed";
	if (r != 0)
		return r;
	*why = "its options do not start with \"root=... ro\"";
	if (strv_length(o) < 2 || !startswith(o[0], "root=") || !streq(o[1], "ro"))
		return 1;
	if (o[2] && startswith(o[2], "rootflags=subvol=") &&
	    !(w_was[0] && streq(w_was[0], o[2])))
		skip = 3;
	for (size_t i = 0; w_was[i]; i++)
		if (strv_contains(w_to, w_was[i]) && strv_push(&both, w_was[i]) < 0)
			return -ENOMEM;
	words_missing(o + skip, w_was, w_to, lost);
	words_missing(both, o + skip, NULL, added);
	for (size_t i = 0; i < skip; i++)
		words_missing((char *const[]){o[i], NULL}, NULL, NULL, prefix);
	if (ret) {
		struct strbuf b = {0};

		strbuf_puts(&b, prefix->s ? prefix->s : "");
		words_missing(w_to, NULL, NULL, &b);
		*ret = strbuf_steal(&b);
		if (!*ret)
			return -ENOMEM;
	}
	return strbuf_error(prefix) ?: strbuf_error(added) ?: strbuf_error(lost);
}

/* Whether grub2-mkconfig, run with to in place of was, changes more in the entries than
 * a difference of the two: 0, with *also (a new string, NULL for none) saying what it
 * adds to entries besides; 1 with *why (a new string) when it would lose a word of an
 * entry, write one root into entries that boot different ones, or cannot be predicted;
 * -ENOMEM. With rewrite (and 0), every entry's raw options become what it writes. */
static int mkconfig_entries(struct sdboot *s, const struct grub_config *was,
			    const struct grub_config *to, bool rewrite, char **why,
			    char **also)
{
	_cleanup_strbuf_ struct strbuf notes = {0}, first = {0};
	const char *first_path = NULL;

	for (size_t i = 0; i < s->n_entries; i++) {
		_cleanup_strbuf_ struct strbuf prefix = {0}, added = {0}, lost = {0};
		const struct bls_entry *e = &s->entries[i];
		const char *cause = NULL;
		int r = 0;

		if (!e->options)
			return asprintf(
				       why,
				       "%s: it has no options line, which grub2-mkconfig leaves so: it would not carry amdgpu-tune's arguments; add an options line",
				       e->path) < 0
				       ? -ENOMEM
				       : 1;
		r = mkconfig_options(e->options, was, to, NULL, &prefix, &added, &lost,
				     &cause);
		if (r < 0)
			return r;
		if (r > 0)
			return asprintf(
				       why,
				       "%s:%u: grub2-mkconfig writes every entry's options from etc/default/grub, and what it would write here is not known: %s",
				       e->path, e->options_line, cause) < 0
				       ? -ENOMEM
				       : 1;
		if (lost.len && streq(e->path, KERNEL_CMDLINE))
			return asprintf(
				       why,
				       "%s: grub2-mkconfig writes it again from etc/default/grub (root=, ro, rootflags=, GRUB_CMDLINE_LINUX, GRUB_CMDLINE_LINUX_DEFAULT), and would take '%s' out of it, which later kernels' entries are made from: put what it needs in GRUB_CMDLINE_LINUX",
				       e->path, lost.s) < 0
				       ? -ENOMEM
				       : 1;
		if (lost.len)
			return asprintf(
				       why,
				       "%s:%u: grub2-mkconfig writes every entry's options from etc/default/grub (root=, ro, rootflags=, GRUB_CMDLINE_LINUX, GRUB_CMDLINE_LINUX_DEFAULT), and would take '%s' out of this one: put what it needs in GRUB_CMDLINE_LINUX",
				       e->path, e->options_line, lost.s) < 0
				       ? -ENOMEM
				       : 1;
		if (!first_path) {
			first_path = e->path;
			strbuf_puts(&first, prefix.s ? prefix.s : "");
		} else if (!streq_ptr(first.s, prefix.s)) {
			return asprintf(
				       why,
				       "%s:%u: it starts with '%s', %s with '%s': grub2-mkconfig writes one root (root=, rootflags=) into every entry",
				       e->path, e->options_line, prefix.s, first_path,
				       first.s) < 0
				       ? -ENOMEM
				       : 1;
		}
		if (added.len)
			strbuf_printf(&notes, "%s'%s' to %s", notes.len ? "; " : "",
				      added.s, e->path);
	}
	for (size_t i = 0; rewrite && i < s->n_entries; i++) {
		_cleanup_strbuf_ struct strbuf prefix = {0}, added = {0}, lost = {0};
		struct bls_entry *e = &s->entries[i];
		const char *cause;
		char *now = NULL;
		int r = mkconfig_options(e->options, was, to, &now, &prefix, &added,
					 &lost, &cause);

		if (r != 0)
			return r < 0 ? r : -EINVAL;
		free(e->options);
		e->options = now;
	}
	if (strbuf_error(&notes) < 0 || strbuf_error(&first) < 0)
		return -ENOMEM;
	if (notes.len &&
	    asprintf(
		    also,
		    "grub2-mkconfig also adds what etc/default/grub has and the entries lack: %s",
		    notes.s) < 0)
		return -ENOMEM;
	return 0;
}

/* etc/kernel/cmdline, which later kernels' entries are made from: update_bls_cmdline()
 * writes it again when it is older than etc/default/grub (which apply makes it), so a
 * word only it has must not be lost either. 0, 1 with *why, or -ENOMEM. */
static int mkconfig_kernel_cmdline(const struct sysroot *root,
				   const struct file_override *ov,
				   const struct grub_config *was,
				   const struct grub_config *to, char **why)
{
	const struct file_override *o = file_override_find(ov, KERNEL_CMDLINE);
	_cleanup_free_ char *text = NULL, *also = NULL;
	struct bls_entry e = {.path = (char *)KERNEL_CMDLINE, .options_line = 1};
	struct sdboot one = {.entries = &e, .n_entries = 1, .dflt = -1};
	size_t len;
	int r;

	if (o && !o->text)
		return 0;
	if (o) {
		text = strdup(o->text);
	} else {
		r = sysroot_read_file(root, KERNEL_CMDLINE, (size_t)64 * 1024, false,
				      &text, &len);
		if (r == -ENOMEM)
			return r;
		if (r < 0 && r != -ENOENT)
			return asprintf(
				       why,
				       "%s: cannot be read (%s), so what grub2-mkconfig would write over it is not checked",
				       KERNEL_CMDLINE, read_error_text(-r)) < 0
				       ? -ENOMEM
				       : 1;
		if (r < 0)
			return 0; /* none: nothing to lose */
	}
	if (!text)
		return -ENOMEM;
	text[strcspn(text, "\n")] = '\0';
	if (!text[strspn(text, " \t")])
		return 0; /* empty: nothing to lose */
	e.options = text;
	r = mkconfig_entries(&one, was, to, false, why, &also);
	return r;
}

/* Whether ov gives etc/default/grub another text than the one was read from the disk:
 * only then does apply run grub2-mkconfig. */
static bool defaults_changed(const struct grub_config *was,
			     const struct file_override *ov)
{
	const struct file_override *o = file_override_find(ov, GRUB_DEFAULTS);

	if (!o)
		return false;
	for (size_t i = 0; i < was->n_files; i++)
		if (streq(was->files[i], GRUB_DEFAULTS) && was->texts[i])
			return !o->text || strlen(o->text) != was->text_lens[i] ||
			       memcmp(o->text, was->texts[i], was->text_lens[i]) != 0;
	return true;
}

/* After grub2-mkconfig: every entry carries each argument of present, none of absent. */
static int verify(const struct sysroot *root, char *const *present, char *const *absent,
		  struct diag_list *d)
{
	struct sdboot s = {.dflt = -1};
	size_t skipped = 0;
	int r;

	s.entries = calloc(BLS_ENTRIES_MAX, sizeof(*s.entries));
	if (!s.entries)
		return -ENOMEM;
	r = read_entries(root, &s, &skipped, d);
	for (size_t i = 0; r == 0 && i < s.n_entries; i++) {
		const struct bls_entry *e = &s.entries[i];
		_cleanup_strv_free_ char **w = NULL;

		if (!e->kernel)
			continue;
		if (strv_split_ws(e->options ? e->options : "", &w) < 0) {
			r = -ENOMEM;
			break;
		}
		for (size_t k = 0; r == 0 && present && present[k]; k++)
			if (!strv_contains(w, present[k]))
				r = diag_error(
					d, -EIO, e->path, e->options_line,
					"grub2-mkconfig did not put '%s' in this entry's options",
					present[k]);
		for (size_t k = 0; r == 0 && absent && absent[k]; k++)
			if (strv_contains(w, absent[k]))
				r = diag_error(
					d, -EIO, e->path, e->options_line,
					"grub2-mkconfig left '%s' in this entry's options",
					absent[k]);
	}
	sdboot_done(&s);
	return r;
}

static int read_next(const struct sysroot *root, const struct file_override *ov,
		     const struct boot_facts *like, struct boot_facts *b,
		     struct diag_list *d)
{
	_cleanup_free_ char *envtext = NULL, *opts = NULL;
	char dir[BOOT_ENV_DIR_MAX], envrel[BOOT_ENV_DIR_MAX + 16];
	_cleanup_(grubenv_done) struct grubenv env = {0};
	_cleanup_(cfg_done) struct cfg cfg = {0};
	const struct srcline *gd = NULL;
	const char *why = NULL, *dflt;
	const struct bls_entry *e;
	struct stat st;
	size_t len = 0, skipped = 0;
	int r;

	/* GRUB_DEFAULT, from etc/default/grub (there are no drop-ins). */
	r = grub_read(root, ov, false, like ? like->grub : NULL, &b->grub, d);
	if (r < 0)
		return r;
	b->sd = (struct sdboot){.dflt = -1};
	b->sd.entries = calloc(BLS_ENTRIES_MAX, sizeof(*b->sd.entries));
	if (!b->sd.entries)
		return -ENOMEM;
	/* The entries do not depend on grub.cfg: read before it is looked for, so that
	 * what grub2-mkconfig would do to them is checked also with the ESP not mounted.
	 * With apply's files in place, that check, and with apply's etc/default/grub
	 * changed, the entries as grub2-mkconfig makes them again. */
	r = read_entries(root, &b->sd, &skipped, d);
	if (r < 0)
		return r;
	if (like && like->grub && b->grub && skipped) {
		/* grub2-mkconfig writes the entries not read too. */
		b->cmdline_unsafe = strdup(
			ENTRIES_DIR
			": an entry could not be read, or there are more than the reader takes: what grub2-mkconfig would write into it is not checked");
		if (!b->cmdline_unsafe)
			return -ENOMEM;
	} else if (like && like->grub && b->grub) {
		bool changed = defaults_changed(like->grub, ov);

		r = mkconfig_entries(&b->sd, like->grub, b->grub, changed,
				     &b->cmdline_unsafe, &b->cmdline_also);
		if (r == 0)
			r = mkconfig_kernel_cmdline(root, ov, like->grub, b->grub,
						    &b->cmdline_unsafe);
		if (r < 0)
			return r;
		if (r > 0 && changed)
			return unknown(b, "%s", b->cmdline_unsafe);
	}
	if (!boot_blscfg_dir(root, dir)) {
		/* No menu to put them in: the entries are not listed. */
		for (size_t i = 0; i < b->sd.n_entries; i++)
			bls_entry_done(&b->sd.entries[i]);
		b->sd.n_entries = 0;
		return unknown(b, "no grub.cfg that runs blscfg is to be seen (on an ESP "
				  "not mounted?)");
	}
	r = read_cfg(root, dir, &cfg);
	if (r < 0)
		return r;
	blsgrub_sort(b->sd.entries, &b->sd.n_entries);
	/* Entries without "linux" took their place in the order (and may have pushed
	 * out an equal one); create_entry() skips them now. */
	{
		size_t n = 0;

		for (size_t i = 0; i < b->sd.n_entries; i++)
			if (b->sd.entries[i].kernel)
				b->sd.entries[n++] = b->sd.entries[i];
			else
				bls_entry_done(&b->sd.entries[i]);
		b->sd.n_entries = n;
	}
	/* The environment grub.cfg loads from beside itself. GRUB reads it whatever
	 * Linux has mounted: one this root cannot read leaves the next boot unknown. */
	snprintf(envrel, sizeof(envrel), "%s/grubenv", dir);
	r = sysroot_read_file(root, envrel, GRUBENV_MAX, false, &envtext, &len);
	if (r == -ENOENT && sysroot_lstat(root, envrel, &st) == 0)
		r = unknown(
			b,
			"%s is a link to a file this root does not have (the ESP not mounted?)",
			envrel);
	else if (r < 0 && r != -ENOENT && r != -ENOMEM)
		r = unknown(b, "%s cannot be read: %s", envrel, read_error_text(-r));
	else if (r == 0 && (r = grubenv_parse(envtext, len, &env)) == -EBADMSG)
		r = diag_warning(
			d, envrel, 0,
			"not a GRUB environment block: GRUB loads no variable from "
			"it");
	else if (r == -ENOENT)
		r = 0;
	if (r < 0 || b->next_why)
		return r;
	if (skipped)
		return unknown(
			b,
			"a boot entry could not be read, or there are more than the reader takes");
	/* What grub.cfg sets default to; GRUB_DEFAULT says the same unless grub.cfg is
	 * older than etc/default/grub. */
	if (cfg.dflt) {
		dflt = streq(cfg.dflt, "${saved_entry}") ? "saved" : cfg.dflt;
		if (strpbrk(dflt, "$\"'\\"))
			return unknown(
				b, "grub.cfg sets default to %s, which is not computed",
				cfg.dflt);
	} else if (b->grub && grub_var_lookup(b->grub, "GRUB_DEFAULT", &gd, NULL) != 0) {
		return unknown(b, "GRUB_DEFAULT is not computed");
	} else {
		dflt = gd && gd->text.s ? gd->text.s : NULL;
	}
	/* 08_fallback_counting: a boot counter that ran out boots the second entry. */
	if (grubenv_get(&env, "boot_counter"))
		return unknown(
			b,
			"grubenv has boot_counter=%s: a boot being counted may fall back to another entry",
			grubenv_get(&env, "boot_counter"));
	b->sd.dflt = blsgrub_default(b->sd.entries, b->sd.n_entries, dflt, &env,
				     cfg.own_entries, &b->sd.rule);
	if (b->sd.dflt < 0)
		return unknown(
			b, "%s",
			b->sd.n_entries
				? "the default names no BLS entry, and grub.cfg has menu entries of its own that may carry that name"
				: "no boot entry in " ENTRIES_DIR
				  " (a .conf file with a linux line)");
	e = &b->sd.entries[b->sd.dflt];
	r = blsgrub_options(e->options, &env, cfg.sets, &opts, &why);
	/* Each entry's command line as the kernel gets it, where computed; NULL
	 * where not. */
	for (size_t i = 0; r >= 0 && i < b->sd.n_entries; i++) {
		char *x = NULL;
		const char *w;
		int k = blsgrub_options(b->sd.entries[i].options, &env, cfg.sets, &x, &w);

		if (k < 0)
			r = k;
		free(b->sd.entries[i].options);
		b->sd.entries[i].options = k == 0 ? x : NULL;
		b->sd.entries[i].options_unknown = k == 1;
	}
	if (r == 1)
		return e->options_line
			       ? unknown(b, "%s:%u: %s", e->path, e->options_line, why)
			       : unknown(b, "%s: %s", e->path, why);
	if (r < 0)
		return r;
	if (strv_push(&b->next_files, e->path) < 0)
		return -ENOMEM;
	b->n_next_files = 1;
	b->next_files_owned = true;
	b->next_known = true;
	r = srcline_append(&b->next, opts, strlen(opts),
			   (struct src){0, e->options_line});
	return r;
}

/* Our arguments go into etc/default/grub's GRUB_CMDLINE_LINUX, edited in place, and
 * grub2-mkconfig writes them into every entry and into etc/kernel/cmdline. */
const struct boot_backend backend_grub_bls = {
	.name = "grub-bls",
	.detect = detect,
	.read_next = read_next,
	.cmdline = &grub_defaults_file,
	.cmdline_text = grub_linux_text,
	.cmdline_span = grub_linux_span,
	.cmdline_regen = REGEN_MENU,
	.verify = verify,
	.default_rule = "the newest boot entry (GRUB_DEFAULT=0)",
	.trial_refuse =
		"apply --trial is not supported on GRUB with Boot Loader Specification entries (Fedora, RHEL) yet",
};
