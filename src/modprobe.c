#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"
#include "modprobe.h"
#include "strv.h"
#include "sysroot.h"

#define MODPROBE_FILE_MAX  (1024 * 1024)
#define MODPROBE_FILES_MAX 4096

const char *const modprobe_dirs[] = {
	"etc/modprobe.d",
	"run/modprobe.d",
	"usr/local/lib/modprobe.d",
	"usr/lib/modprobe.d", /* kmod >= 32 (rules); the same as lib/ on merged /usr */
	"lib/modprobe.d",
	NULL,
};

static struct modprobe_module *module_get(struct modprobe_config *c, const char *name)
{
	struct modprobe_module *m;

	for (size_t i = 0; i < c->n_modules; i++)
		if (streq(c->modules[i].module, name))
			return &c->modules[i];
	m = realloc(c->modules, (c->n_modules + 1) * sizeof(*m));
	if (!m)
		return NULL;
	c->modules = m;
	m = &m[c->n_modules];
	*m = (struct modprobe_module){.module = strdup(name)};
	if (!m->module)
		return NULL;
	c->n_modules++;
	return m;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* One logical line, starting at physical line `line`. */
static int parse_line(struct modprobe_config *c, uint32_t file, unsigned line, char *s,
		      struct diag_list *d)
{
	char *cmd, *mod, *rest;
	struct modprobe_module *m;
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

		for (size_t i = 0; i < ELEMENTSOF(known); i++)
			if (streq(cmd, known[i]))
				return 0; /* not ours to read */
		return diag_warning(d, c->files[file], line,
				    "kmod ignores this line (unknown command)");
	}
	while (is_blank(*s))
		s++;
	mod = s;
	while (*s && !is_blank(*s))
		s++;
	/* strtok_r(NULL, "\0"): the rest after one delimiter, verbatim; none is a
	 * syntax error. */
	rest = *s ? s + 1 : s;
	*s = '\0';
	if (!*mod || !*rest)
		return diag_warning(
			d, c->files[file], line,
			"kmod ignores this line: 'options' needs a module and options");
	for (char *p = mod; *p; p++)
		if (*p == '-')
			*p = '_';
	for (char *p = rest; *p; p++)
		if (*p == '\t')
			*p = ' ';
	m = module_get(c, mod);
	if (!m)
		return -ENOMEM;
	/* kmod_module_get_options() joins the lines with one space. */
	if (m->opts.text.len && srcline_append(&m->opts, " ", 1, at) < 0)
		return -ENOMEM;
	return srcline_append(&m->opts, rest, strlen(rest), at);
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
		char ch = i < len ? buf[i] : '\n';

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
	char **f, **x;
	int64_t *t;
	size_t *tl;

	if (c->n_files >= MODPROBE_FILES_MAX)
		return -E2BIG;
	f = realloc(c->files, (c->n_files + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	c->files = f;
	t = realloc(c->mtimes, (c->n_files + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	c->mtimes = t;
	x = realloc(c->texts, (c->n_files + 1) * sizeof(*x));
	if (!x)
		return -ENOMEM;
	c->texts = x;
	x[c->n_files] = NULL;
	tl = realloc(c->text_lens, (c->n_files + 1) * sizeof(*tl));
	if (!tl)
		return -ENOMEM;
	c->text_lens = tl;
	tl[c->n_files] = 0;
	f[c->n_files] = strdup(rel);
	if (!f[c->n_files])
		return -ENOMEM;
	t[c->n_files] = mtime;
	return (int)c->n_files++;
}

void modprobe_config_free(struct modprobe_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_files; i++) {
		free(c->files[i]);
		free(c->texts ? c->texts[i] : NULL);
	}
	free(c->files);
	free(c->mtimes);
	free(c->texts);
	free(c->text_lens);
	for (size_t i = 0; i < c->n_modules; i++) {
		free(c->modules[i].module);
		srcline_done(&c->modules[i].opts);
	}
	free(c->modules);
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

void modprobe_rules_from_status(const char *status, struct modprobe_rules *ret)
{
	const char *p = status;

	*ret = (struct modprobe_rules){.usr_lib = true, .alias_files = true};
	/* The "Package: kmod" stanza, installed, and its Version's leading number. */
	while (p && *p) {
		const char *end = strstr(p, "\n\n");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		_cleanup_free_ char *st = strndup(p, n);
		const char *v;

		if (!st)
			return;
		if ((startswith(st, "Package: kmod\n") ||
		     strstr(st, "\nPackage: kmod\n")) &&
		    strstr(st, "\nStatus: install ok installed") &&
		    (v = strstr(st, "\nVersion: "))) {
			char *e;
			unsigned long k = strtoul(v + 10, &e, 10);

			if (e != v + 10 && k > 0 && k < 1000) {
				ret->kmod = (unsigned)k;
				ret->source = "var/lib/dpkg/status";
				ret->usr_lib = k >= 32;
				ret->alias_files = k < 33;
			}
			return;
		}
		p = end ? end + 2 : NULL;
	}
}

void modprobe_rules_read(const struct sysroot *root, struct modprobe_rules *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (sysroot_read_file(root, "var/lib/dpkg/status", 64 << 20, false, &buf, &len) ==
	    0)
		modprobe_rules_from_status(buf, ret);
	else
		modprobe_rules_from_status("", ret);
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

/* The index of rel among the files c read, or -1. Both reads list in the same order,
 * so the search starts where the last one matched (*hint): linear over a whole read. */
static ssize_t file_index(const struct modprobe_config *c, const char *rel, size_t *hint)
{
	for (size_t k = 0; c && k < c->n_files; k++) {
		size_t i = (*hint + k) % c->n_files;

		if (streq(c->files[i], rel)) {
			*hint = i + 1;
			return (ssize_t)i;
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
			snprintf(rel, sizeof(rel), "%s/%s", modprobe_dirs[i], de->d_name);
			/* Followed inside the root, where kmod will follow it (an fstatat
			 * on the directory would resolve a link against the host). kmod's
			 * conf_files_filter_out() skips directories only: a link that
			 * leads nowhere is listed, and reading it fails below. */
			if (sysroot_stat(root, rel, &st) == 0 && S_ISDIR(st.st_mode))
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
		bool reused;

		snprintf(rel, sizeof(rel), "%s/%s", e[i].dir, e[i].base);
		o = file_override_find(ov, rel);
		seen = o ? -1 : file_index(like, rel, &hint);
		if (o) {
			buf = strdup(o->text);
			len = buf ? strlen(buf) : 0;
			k = buf ? 0 : -ENOMEM;
			st.st_mtime = time(NULL);
		} else if (seen >= 0 && like->texts[seen]) {
			/* Parsed from like's copy; this read keeps none. */
			len = like->text_lens[seen];
			k = 0;
			st.st_mtime = (time_t)like->mtimes[seen];
		} else {
			(void)sysroot_stat(root, rel, &st);
			k = sysroot_read_file(root, rel, MODPROBE_FILE_MAX, false, &buf,
					      &len);
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
		reused = seen >= 0 && like->texts[seen];
		r = modprobe_parse(c, (uint32_t)k, reused ? like->texts[seen] : buf, len,
				   d);
		/* What this read read from disk itself is kept, at its own size, for a
		 * later read with this one as its like. */
		if (r == 0 && !reused && !o) {
			c->texts[k] = realloc(buf, len + 1);
			c->text_lens[k] = len;
			if (c->texts[k])
				buf = NULL;
			else
				r = -ENOMEM;
		}
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
