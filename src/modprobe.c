#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"
#include "dpkg.h"
#include "modprobe.h"
#include "rpmdb.h"
#include "strv.h"
#include "sysroot.h"

#define MODPROBE_FILE_MAX  ((size_t)1024 * 1024)
#define MODPROBE_FILES_MAX 4096

const char *const modprobe_dirs[] = {
	"etc/modprobe.d",
	"run/modprobe.d",
	"usr/local/lib/modprobe.d",
	"usr/lib/modprobe.d", /* kmod >= 32 (rules); the same as lib/ on merged /usr */
	"lib/modprobe.d",
	NULL,
};

/* FNV-1a: a 200-file modprobe.d names as many modules, and each options line looks its
 * module up. */
static size_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The index slot of name: where it is, or the free slot where it belongs. */
static uint32_t *index_slot(const struct modprobe_config *c, const char *name)
{
	size_t mask = c->index_cap - 1;

	for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask)
		if (!c->index[i] || streq(c->modules[c->index[i] - 1].module, name))
			return &c->index[i];
}

/* Keeps the index at most half full. 0 or -ENOMEM. */
static int index_grow(struct modprobe_config *c)
{
	size_t cap = c->index_cap ? c->index_cap * 2 : 64;
	uint32_t *old = c->index;

	if (2 * (c->n_modules + 1) <= c->index_cap)
		return 0;
	c->index = calloc(cap, sizeof(*c->index));
	if (!c->index) {
		c->index = old;
		return -ENOMEM;
	}
	c->index_cap = cap;
	for (size_t i = 0; i < c->n_modules; i++)
		*index_slot(c, c->modules[i].module) = (uint32_t)(i + 1);
	free(old);
	return 0;
}

/* Grows the array *p of *cap elements of size sz to hold n. 0 or -ENOMEM. */
static int grow(void **p, size_t *cap, size_t n, size_t sz)
{
	size_t c = *cap ? *cap : 16;
	void *np;

	if (n <= *cap)
		return 0;
	while (c < n)
		c *= 2;
	np = c > SIZE_MAX / sz ? NULL : realloc(*p, c * sz);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = c;
	return 0;
}

static struct modprobe_module *module_get(struct modprobe_config *c, const char *name)
{
	struct modprobe_module *m;
	uint32_t *slot;

	if (c->index_cap) {
		slot = index_slot(c, name);
		if (*slot)
			return &c->modules[*slot - 1];
	}
	if (c->n_modules >= UINT32_MAX - 1 || index_grow(c) < 0 ||
	    grow((void **)&c->modules, &c->modules_cap, c->n_modules + 1, sizeof(*m)) < 0)
		return NULL;
	m = &c->modules[c->n_modules];
	*m = (struct modprobe_module){.module = strdup(name)};
	if (!m->module)
		return NULL;
	*index_slot(c, name) = (uint32_t)++c->n_modules;
	return m;
}

/* Adds one options line's text for module, recording it as a piece. 0 or -ENOMEM. */
static int add_options(struct modprobe_config *c, const char *module, const char *text,
		       size_t len, struct src at)
{
	struct modprobe_module *m = module_get(c, module);
	struct modprobe_piece *p;

	if (!m || grow((void **)&c->pieces, &c->pieces_cap, c->n_pieces + 1,
		       sizeof(*c->pieces)) < 0)
		return -ENOMEM;
	/* kmod_module_get_options() joins the lines with one space. */
	if (m->opts.text.len && srcline_append(&m->opts, " ", 1, at) < 0)
		return -ENOMEM;
	p = &c->pieces[c->n_pieces];
	*p = (struct modprobe_piece){at.file, at.line, (uint32_t)(m - c->modules),
				     m->opts.text.len, len};
	if (srcline_append(&m->opts, text, len, at) < 0)
		return -ENOMEM;
	c->n_pieces++;
	return 0;
}

/* Adds a blacklist or install line for module. 0 or -ENOMEM. */
static int add_directive(struct modprobe_config *c, const char *cmd, const char *module,
			 const char *rest, struct src at)
{
	struct modprobe_directive *dv;

	if (grow((void **)&c->directives, &c->directives_cap, c->n_directives + 1,
		 sizeof(*c->directives)) < 0)
		return -ENOMEM;
	dv = &c->directives[c->n_directives];
	*dv = (struct modprobe_directive){.cmd = strdup(cmd),
					  .module = strdup(module),
					  .rest = rest ? strdup(rest) : NULL,
					  .at = at};
	c->n_directives++;
	if (!dv->cmd || !dv->module || (rest && !dv->rest))
		return -ENOMEM;
	return 0;
}

/* Gives c, as its file `file`, the options like found in its file `from`. 0 or
 * -ENOMEM. */
static int add_like(struct modprobe_config *c, uint32_t file,
		    const struct modprobe_config *like, size_t from)
{
	for (size_t i = like->file_pieces[from];
	     i < like->n_pieces && like->pieces[i].file == from; i++) {
		const struct modprobe_piece *p = &like->pieces[i];
		const struct modprobe_module *m = &like->modules[p->module];
		int r = add_options(c, m->module, m->opts.text.s + p->start, p->len,
				    (struct src){file, p->line});

		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < like->n_directives; i++) {
		const struct modprobe_directive *dv = &like->directives[i];
		int r;

		if (dv->at.file != from)
			continue;
		r = add_directive(c, dv->cmd, dv->module, dv->rest,
				  (struct src){file, dv->at.line});
		if (r < 0)
			return r;
	}
	return 0;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* The module word at *s (after blanks), NUL-terminated, '-' written as '_'; *rest is the
 * text after the one blank that ends it (strtok_r(NULL, "\0") in kmod_config_parse():
 * verbatim), "" when nothing follows. */
static char *module_word(char *s, char **rest)
{
	char *mod;

	while (is_blank(*s))
		s++;
	mod = s;
	while (*s && !is_blank(*s))
		s++;
	*rest = *s ? s + 1 : s;
	*s = '\0';
	for (char *p = mod; *p; p++)
		if (*p == '-')
			*p = '_';
	return mod;
}

/* One logical line, starting at physical line `line`. */
static int parse_line(struct modprobe_config *c, uint32_t file, unsigned line, char *s,
		      struct diag_list *d)
{
	char *cmd, *mod, *rest;
	struct src at = {file, line};

	/* kmod_config_parse(): only a '#' in the first byte starts a comment. */
	if (!*s || *s == '#')
		return 0;
	while (is_blank(*s))
		s++;
	if (!*s)
		return 0;
	cmd = s;
	while (*s && !is_blank(*s))
		s++;
	if (*s)
		*s++ = '\0';
	if (!streq(cmd, "options")) {
		static const char *const known[] = {"alias",   "blacklist", "install",
						    "remove",  "softdep",   "weakdep",
						    "include", "config"};

		if (streq(cmd, "blacklist") || streq(cmd, "install")) {
			/* kmod_config_parse(): the module is the next word; install's
			 * command is the rest of the line. */
			mod = module_word(s, &rest);
			if (!*mod)
				return 0;
			return add_directive(c, cmd, mod,
					     streq(cmd, "install") ? rest : NULL, at);
		}
		for (size_t i = 0; i < ELEMENTSOF(known); i++)
			if (streq(cmd, known[i]))
				return 0; /* not ours to read */
		return diag_warning(d, c->files[file], line,
				    "kmod ignores this line (unknown command)");
	}
	/* No options after the module is a syntax error. */
	mod = module_word(s, &rest);
	if (!*mod || !*rest)
		return diag_warning(
			d, c->files[file], line,
			"kmod ignores this line: 'options' needs a module and options");
	for (char *p = rest; *p; p++)
		if (*p == '\t')
			*p = ' ';
	return add_options(c, mod, rest, strlen(rest), at);
}

int modprobe_parse(struct modprobe_config *c, uint32_t file, const char *buf, size_t len,
		   struct diag_list *d)
{
	struct strbuf l = {0};
	unsigned line = 1, start = 1;
	bool nul = false;
	int r = 0;

	/* freadline_wrapped(): "\\\n" joins lines, any other backslash is dropped and the
	 * byte after it kept; a NUL ends the string kmod sees. */
	for (size_t i = 0; i <= len && r == 0; i++) {
		char ch = (char)(i < len ? buf[i] : '\n');

		if (i == len && l.len == 0 && (len == 0 || buf[len - 1] == '\n'))
			break;
		if (i < len && ch != '\\' && ch != '\n' && ch != '\0') {
			/* A run of ordinary bytes, appended at once. */
			size_t j = i + 1;

			while (j < len && buf[j] != '\\' && buf[j] != '\n' &&
			       buf[j] != '\0')
				j++;
			if (!nul && strbuf_append(&l, buf + i, j - i) < 0)
				r = -ENOMEM;
			i = j - 1;
			continue;
		}
		if (ch == '\\') {
			if (i + 1 >= len)
				continue;
			ch = buf[++i];
			if (ch == '\n') {
				line++;
				continue;
			}
		} else if (ch == '\n') {
			if (nul)
				r = diag_warning(
					d, c->files[file], start,
					"NUL byte: kmod ignores the rest of the line");
			if (r == 0)
				r = parse_line(c, file, start, l.s ? l.s : (char[]){0},
					       d);
			/* The buffer is kept for the next line. */
			l.len = 0;
			if (l.s)
				l.s[0] = '\0';
			nul = false;
			start = ++line;
			continue;
		}
		if (ch == '\0')
			nul = true;
		if (!nul && strbuf_putc(&l, ch) < 0)
			r = -ENOMEM;
	}
	strbuf_done(&l);
	return r;
}

int modprobe_add_file(struct modprobe_config *c, const char *rel, int64_t mtime)
{
	size_t n = c->n_files + 1, cap = c->files_cap;

	if (c->n_files >= MODPROBE_FILES_MAX)
		return -E2BIG;
	/* The four arrays share one length; each is grown to it in turn. */
	if (grow((void **)&c->files, &cap, n, sizeof(*c->files)) < 0)
		return -ENOMEM;
	cap = c->files_cap;
	if (grow((void **)&c->mtimes, &cap, n, sizeof(*c->mtimes)) < 0)
		return -ENOMEM;
	cap = c->files_cap;
	if (grow((void **)&c->file_pieces, &cap, n, sizeof(*c->file_pieces)) < 0)
		return -ENOMEM;
	cap = c->files_cap;
	if (grow((void **)&c->given, &cap, n, sizeof(*c->given)) < 0)
		return -ENOMEM;
	c->files_cap = cap;
	c->files[c->n_files] = strdup(rel);
	if (!c->files[c->n_files])
		return -ENOMEM;
	c->mtimes[c->n_files] = mtime;
	c->file_pieces[c->n_files] = c->n_pieces;
	c->given[c->n_files] = false;
	return (int)c->n_files++;
}

void modprobe_config_free(struct modprobe_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c->mtimes);
	free(c->file_pieces);
	free(c->given);
	free(c->pieces);
	for (size_t i = 0; i < c->n_modules; i++) {
		free(c->modules[i].module);
		srcline_done(&c->modules[i].opts);
	}
	free(c->modules);
	for (size_t i = 0; i < c->n_directives; i++) {
		free(c->directives[i].cmd);
		free(c->directives[i].module);
		free(c->directives[i].rest);
	}
	free(c->directives);
	free(c->index);
	free(c);
}

/* conf_files_filter_out(): no dotfiles, "*.conf" (and "*.alias" before kmod 33), and
 * not a directory (stat follows symlinks). */
static bool wanted_name(const char *n, const struct modprobe_rules *rules)
{
	size_t len = strlen(n);

	if (n[0] == '.' || len < 6)
		return false;
	return streq(n + len - 5, ".conf") ||
	       (rules->alias_files && streq(n + len - 6, ".alias"));
}

static const struct modprobe_rules rules_default = {.usr_lib = true, .alias_files = true};

/* The rules for a kmod of version v (dpkg's Version, pacman's %VERSION%, rpm's
 * [EPOCH:]VERSION-RELEASE: its leading number). */
static void rules_for(const char *v, const char *source, struct modprobe_rules *ret)
{
	char *e;
	unsigned long k;

	/* An epoch ("1:34-1") is not the upstream version. */
	if (strchr(v, ':'))
		v = strchr(v, ':') + 1;
	k = strtoul(v, &e, 10);
	*ret = rules_default;
	if (e != v && k > 0 && k < 1000) {
		ret->kmod = (unsigned)k;
		ret->source = source;
		ret->usr_lib = k >= 32;
		ret->alias_files = k < 33;
	}
}

void modprobe_rules_from_status(const char *status, struct modprobe_rules *ret)
{
	char v[64];

	*ret = rules_default;
	if (dpkg_version_from_status(status, strlen(status), "kmod", v, sizeof(v)))
		rules_for(v, "var/lib/dpkg/status", ret);
}

void modprobe_rules_read(const struct sysroot *root, struct modprobe_rules *ret)
{
	char v[64];

	*ret = rules_default;
	if (dpkg_installed_version(root, "kmod", v, sizeof(v)))
		rules_for(v, "var/lib/dpkg/status", ret);
	else if (pacman_installed_version(root, "kmod", v, sizeof(v)))
		rules_for(v, "var/lib/pacman/local", ret);
	else if (rpm_installed_version(root, "kmod", v, sizeof(v)))
		rules_for(v, "rpm's database", ret);
}

struct entry {
	char *base;
	const char *dir;
	size_t seq; /* order of listing: directories by priority, then as listed */
};

/* By basename, and for one basename the first listed (the higher-priority directory)
 * first. */
static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->base, y->base);

	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Lists name from dir; duplicates are dropped after sorting (drop_hidden()). */
static int add_entry(struct entry **e, size_t *n, size_t *cap, const char *dir,
		     const char *name)
{
	/* A bound on what is listed: each directory gives each basename once. */
	if (*n >= ELEMENTSOF(modprobe_dirs) * MODPROBE_FILES_MAX)
		return 0;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct entry *ne =
			c > SIZE_MAX / sizeof(*ne) ? NULL : realloc(*e, c * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		*e = ne;
		*cap = c;
	}
	(*e)[*n].base = strdup(name);
	if (!(*e)[*n].base)
		return -ENOMEM;
	(*e)[*n].dir = dir;
	(*e)[*n].seq = *n;
	(*n)++;
	return 0;
}

/* After sorting: conf_files_insert_sorted() keeps the first directory to provide a
 * basename; at most MODPROBE_FILES_MAX files are read (*too_many: more were listed). */
static void drop_hidden(struct entry *e, size_t *n, bool *too_many)
{
	size_t w = 0;

	for (size_t i = 0; i < *n; i++) {
		if ((w && streq(e[w - 1].base, e[i].base)) || w >= MODPROBE_FILES_MAX) {
			if (!(w && streq(e[w - 1].base, e[i].base)))
				*too_many = true;
			free(e[i].base);
			continue;
		}
		e[w++] = e[i];
	}
	*n = w;
}

/* dir/name into rel (dir is one of modprobe_dirs, name a directory entry's, at most
 * NAME_MAX bytes); snprintf() would cost more than the rest of a file's listing. */
static void join_rel(char rel[static 300], const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strnlen(name, NAME_MAX);

	memcpy(rel, dir, dl);
	rel[dl] = '/';
	memcpy(rel + dl + 1, name, nl);
	rel[dl + 1 + nl] = '\0';
}

/* The index of rel among the files c read from disk, or -1. Both reads list in the
 * same order, so the search starts where the last one matched (*hint): linear over a
 * whole read. */
static ssize_t file_index(const struct modprobe_config *c, const char *rel, size_t *hint)
{
	for (size_t k = 0; c && k < c->n_files; k++) {
		size_t i = (*hint + k) % c->n_files;

		if (streq(c->files[i], rel)) {
			*hint = i + 1;
			return c->given[i] ? -1 : (ssize_t)i;
		}
	}
	return -1;
}

int modprobe_read(const struct sysroot *root, const struct file_override *ov,
		  const struct modprobe_rules *rules, const struct modprobe_config *like,
		  struct modprobe_config **ret, struct diag_list *d)
{
	struct modprobe_config *c = calloc(1, sizeof(*c));
	struct entry *e = NULL;
	size_t n = 0, cap = 0, hint = 0;
	bool too_many = false;
	int r = 0;

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; modprobe_dirs[i] && r == 0; i++) {
		_cleanup_closedir_ DIR *dir = NULL;
		struct dirent *de;
		size_t dl = strlen(modprobe_dirs[i]);

		if (!rules->usr_lib && streq(modprobe_dirs[i], "usr/lib/modprobe.d"))
			continue;
		/* A file an override creates, listed as if it were on disk. */
		for (const struct file_override *o = ov; o && o->rel && r == 0; o++)
			if (o->text && strncmp(o->rel, modprobe_dirs[i], dl) == 0 &&
			    o->rel[dl] == '/' && !strchr(o->rel + dl + 1, '/') &&
			    wanted_name(o->rel + dl + 1, rules))
				r = add_entry(&e, &n, &cap, modprobe_dirs[i],
					      o->rel + dl + 1);
		if (r < 0 || sysroot_opendir(root, modprobe_dirs[i], &dir) < 0)
			continue;
		while (r == 0 && (de = readdir(dir))) {
			struct stat st;
			char rel[600];
			const struct file_override *o;

			if (!wanted_name(de->d_name, rules))
				continue;
			join_rel(rel, modprobe_dirs[i], de->d_name);
			/* kmod's conf_files_filter_out() skips directories only: a link
			 * that leads nowhere is listed, and reading it fails below. The
			 * entry's own type settles it unless it is a link (or the file
			 * system does not say): a link is followed inside the root, where
			 * kmod will follow it (an fstatat on the directory would resolve
			 * it against the host). */
			if (de->d_type == DT_DIR)
				continue;
			if (de->d_type != DT_REG && sysroot_stat(root, rel, &st) == 0 &&
			    S_ISDIR(st.st_mode))
				continue;
			o = file_override_find(ov, rel);
			if (o && !o->text)
				continue;
			r = add_entry(&e, &n, &cap, modprobe_dirs[i], de->d_name);
		}
	}
	if (n) {
		too_many = n >= ELEMENTSOF(modprobe_dirs) * MODPROBE_FILES_MAX;
		qsort(e, n, sizeof(*e), cmp_entry);
		drop_hidden(e, &n, &too_many);
	}
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *buf = NULL;
		char rel[600];
		size_t len;
		struct stat st = {0};
		int k;

		const struct file_override *o;
		ssize_t seen;

		join_rel(rel, e[i].dir, e[i].base);
		o = file_override_find(ov, rel);
		seen = o ? -1 : file_index(like, rel, &hint);
		if (o) {
			buf = strdup(o->text);
			len = buf ? strlen(buf) : 0;
			k = buf ? 0 : -ENOMEM;
			st.st_mtime = time(NULL);
		} else if (seen >= 0) {
			len = 0;
			k = 0;
			st.st_mtime = (time_t)like->mtimes[seen];
		} else {
			k = sysroot_read_file_stat(root, rel, MODPROBE_FILE_MAX, false,
						   &buf, &len, &st);
		}
		if (k < 0) {
			r = k == -ENOMEM
				    ? k
				    : diag_warning(d, rel, 0,
						   "cannot read: %s (kmod would read it)",
						   read_error_text(-k));
			continue;
		}
		k = modprobe_add_file(c, rel, (int64_t)st.st_mtime);
		if (k < 0) {
			r = k;
			break;
		}
		c->given[k] = o != NULL;
		r = seen >= 0 ? add_like(c, (uint32_t)k, like, (size_t)seen)
			      : modprobe_parse(c, (uint32_t)k, buf, len, d);
	}
	for (size_t i = 0; i < n; i++)
		free(e[i].base);
	free(e);
	if (r == 0 && too_many)
		r = diag_warning(d, NULL, 0,
				 "more than %d modprobe.d files: the rest are not read",
				 MODPROBE_FILES_MAX);
	if (r < 0) {
		modprobe_config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}
