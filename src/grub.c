/* The GRUB defaults files read from a root and handed to the sh reader (grub-sh.h), and
 * what the next boot's command line is after them (grub.h). */
#include <errno.h>
#include <stdio.h>

#include "grub-sh.h"
#include "strv.h"
#include "sysroot.h"

#define GRUB_FILE_MAX ((size_t)256 * 1024)

int grub_add_file(struct grub_config *c, const char *rel)
{
	if (c->n_files >= GRUB_FILES_MAX)
		return -E2BIG;
	if (ARRAY_GROW(c->files, c->n_files) < 0 ||
	    ARRAY_GROW(c->texts, c->n_files) < 0 ||
	    ARRAY_GROW(c->text_lens, c->n_files) < 0)
		return -ENOMEM;
	c->texts[c->n_files] = NULL;
	c->text_lens[c->n_files] = 0;
	c->files[c->n_files] = strdup(rel);
	return c->files[c->n_files] ? (int)c->n_files++ : -ENOMEM;
}

/* The index of rel among the files like read from disk, or -1. */
static ssize_t like_file(const struct grub_config *like, const char *rel)
{
	for (size_t i = 0; like && i < like->n_files; i++)
		if (like->texts[i] && streq(like->files[i], rel))
			return (ssize_t)i;
	return -1;
}

void grub_config_free(struct grub_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_files; i++) {
		free(c->files[i]);
		free(c->texts ? c->texts[i] : NULL);
	}
	free(c->files);
	free(c->texts);
	free(c->text_lens);
	for (size_t i = 0; i < c->n_vars; i++) {
		free(c->vars[i].name);
		srcline_done(&c->vars[i].value);
	}
	free(c->vars);
	for (size_t i = 0; i < c->n_assigns; i++)
		free(c->assigns[i].name);
	free(c->assigns);
	for (size_t i = 0; i < c->n_funcs; i++) {
		free(c->funcs[i].name);
		strv_free(c->funcs[i].assigns);
		strv_free(c->funcs[i].calls);
	}
	free(c->funcs);
	strv_free(c->readonly);
	free(c);
}

static int read_one(const struct sysroot *root, const struct file_override *ov,
		    const struct grub_config *like, struct grub_config *c,
		    const char *rel, struct diag_list *d)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	const struct file_override *o = file_override_find(ov, rel);
	ssize_t seen = o ? -1 : like_file(like, rel);
	int k;

	if (o && !o->text)
		return 0;
	if (o) {
		buf = strdup(o->text);
		len = buf ? strlen(buf) : 0;
		k = buf ? 0 : -ENOMEM;
	} else if (seen >= 0) {
		len = like->text_lens[seen];
		buf = malloc(len + 1);
		k = buf ? 0 : -ENOMEM;
		if (buf) {
			memcpy(buf, like->texts[seen], len);
			buf[len] = '\0';
		}
	} else {
		k = sysroot_read_file(root, rel, GRUB_FILE_MAX, false, &buf, &len);
	}

	if (k == -ENOMEM)
		return k;
	if (k < 0) {
		c->understood = false;
		return diag_add(d, DIAG_ERROR, rel, 0, "cannot read: %s",
				read_error_text(-k));
	}
	k = grub_add_file(c, rel);
	if (k == -E2BIG) {
		c->understood = false;
		return diag_add(
			d, DIAG_ERROR, rel, 0,
			"more than %d GRUB defaults files: amdgpu-tune reads no further, so the next boot's command line is not known",
			GRUB_FILES_MAX);
	}
	if (k < 0)
		return k;
	if (!o) {
		/* Kept for a later read with this one as its like. */
		c->texts[k] = buf;
		c->text_lens[k] = len;
		buf = NULL;
	}
	return grub_parse(c, (uint32_t)k, o ? buf : c->texts[k], len, d);
}

static bool is_cfg(const char *name)
{
	size_t n = strlen(name);

	/* The glob "NAME.cfg" matches no dotfiles. */
	return name[0] != '.' && n >= 5 && streq(name + n - 4, ".cfg");
}

int grub_read(const struct sysroot *root, const struct file_override *ov, bool dropins,
	      const struct grub_config *like, struct grub_config **ret,
	      struct diag_list *d)
{
	_cleanup_grub_config_ struct grub_config *c = NULL;
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_closedir_ DIR *dir = NULL;
	bool have_main = like_file(like, "etc/default/grub") >= 0 ||
			 sysroot_exists(root, "etc/default/grub");
	int r = 0;

	for (const struct file_override *o = ov; dropins && o && o->rel; o++) {
		const char *base = startswith(o->rel, "etc/default/grub.d/");

		if (o->text && base && !strchr(base, '/') && is_cfg(base) &&
		    !sysroot_exists(root, o->rel) && strv_push(&names, base) < 0)
			return -ENOMEM;
	}
	if (dropins && sysroot_opendir(root, "etc/default/grub.d", &dir) == 0) {
		struct dirent *de;

		while ((de = readdir(dir))) {
			if (!is_cfg(de->d_name))
				continue;
			if (strv_push(&names, de->d_name) < 0)
				return -ENOMEM;
		}
	} else if (!have_main && !names) {
		*ret = NULL;
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->understood = true;
	if (have_main)
		r = read_one(root, ov, like, c, "etc/default/grub", d);
	if (names)
		strv_sort(names);
	for (size_t i = 0;
	     r == 0 && c->understood && !c->stop_sourcing && names && names[i]; i++) {
		char rel[512];

		snprintf(rel, sizeof(rel), "etc/default/grub.d/%s", names[i]);
		/* grub-mkconfig's `[ -e ]` skips dangling links. */
		if (file_override_find(ov, rel) || like_file(like, rel) >= 0 ||
		    sysroot_exists(root, rel))
			r = read_one(root, ov, like, c, rel, d);
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

int grub_var_lookup(const struct grub_config *c, const char *name,
		    const struct srcline **ret, struct grub_why *why)
{
	const struct grub_var *v = sh_var_find(c, name, strlen(name));

	*ret = NULL;
	if (c->poisoned) {
		if (why)
			*why = c->poison_why;
		return 1;
	}
	if (c->any_gen && (!v || v->gen <= c->any_gen)) {
		if (why)
			*why = c->any_why;
		return 1;
	}
	if (v && v->unknown) {
		if (why)
			*why = v->why;
		return 1;
	}
	if (v && v->set)
		*ret = &v->value;
	return 0;
}

int grub_cmdline(const struct grub_config *c, bool recovery, struct srcline *ret,
		 struct grub_why *why)
{
	const struct srcline *l, *dflt = NULL;
	struct srcline out = {0};
	int r;

	if (grub_var_lookup(c, "GRUB_CMDLINE_LINUX", &l, why) ||
	    (!recovery && grub_var_lookup(c, "GRUB_CMDLINE_LINUX_DEFAULT", &dflt, why)))
		return 1;
	r = l ? srcline_append_line(&out, l) : 0;
	if (r == 0 && dflt && dflt->text.len) {
		/* 10_linux writes "${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}";
		 * the separating space belongs to no file. */
		if (out.text.len)
			r = srcline_append(&out, " ", 1, (struct src){UINT32_MAX, 0});
		if (r == 0)
			r = srcline_append_line(&out, dflt);
	}
	if (r < 0) {
		srcline_done(&out);
		return r;
	}
	*ret = out;
	return 0;
}
