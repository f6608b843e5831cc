#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "profile.h"
#include "size.h"
#include "strv.h"

/* inih keeps at most 49 bytes of a section name (MAX_SECTION 50) and would silently
 * merge two long names that share a prefix: longer names are refused. */
#define SECTION_NAME_MAX 49
/* A reason longer than this is cut; it is shown on one line. */
#define REASON_MAX 300

bool profile_name_is_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

bool profile_value_is_safe(const char *s)
{
	/* "--" reads as an option or, bare, as the end of the kernel's arguments. */
	return !startswith(s, "--") &&
	       strspn(s,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.,:+/-") ==
		       strlen(s);
}

bool profile_key_is_safe(const char *s, bool allow_dot)
{
	const char *set =
		allow_dot
			? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
			: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

	return s[0] && s[0] != '-' && strspn(s, set) == strlen(s);
}

static void pentry_done(struct pentry *e)
{
	free(e->key);
	free(e->value);
	free(e->reason);
	free(e->file);
}

static void psection_done(struct psection *s)
{
	for (size_t i = 0; i < s->n_entries; i++)
		pentry_done(&s->entries[i]);
	for (size_t i = 0; i < s->n_unsets; i++)
		pentry_done(&s->unsets[i]);
	free(s->entries);
	free(s->unsets);
	free(s->module);
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_sections; i++)
		psection_done(&p->sections[i]);
	free(p->sections);
	free(p->name);
	free(p->file);
	free(p->description);
	free(p->include);
	strv_free(p->match);
	strv_free(p->chain);
	free(p);
}

static bool key_equal(enum psection_kind kind, const char *a, const char *b)
{
	/* Kernel and module parameter names are equal with '-' = '_' (parameq()). */
	if (kind == PSECTION_KERNEL || kind == PSECTION_MODULE)
		return cmdline_name_equal(a, b);
	return streq(a, b);
}

const struct psection *profile_section(const struct profile *p, enum psection_kind kind,
				       const char *module)
{
	for (size_t i = 0; i < p->n_sections; i++) {
		const struct psection *s = &p->sections[i];

		if (s->kind == kind &&
		    (kind != PSECTION_MODULE || cmdline_name_equal(s->module, module)))
			return s;
	}
	return NULL;
}

static struct pentry *section_find(struct psection *s, const char *key)
{
	for (size_t i = 0; i < s->n_entries; i++)
		if (key_equal(s->kind, s->entries[i].key, key))
			return &s->entries[i];
	return NULL;
}

const struct pentry *psection_get(const struct psection *s, const char *key)
{
	return s ? section_find((struct psection *)s, key) : NULL;
}

enum placement profile_placement(const struct profile *p)
{
	const struct pentry *e =
		psection_get(profile_section(p, PSECTION_PROFILE, NULL), "placement");

	return e && streq(e->value, "cmdline") ? PLACEMENT_CMDLINE : PLACEMENT_MODPROBE;
}

static struct psection *section_get_or_add(struct profile *p, enum psection_kind kind,
					   const char *module)
{
	struct psection *s = (struct psection *)profile_section(p, kind, module);

	if (s)
		return s;
	if (ARRAY_GROW(p->sections, p->n_sections) < 0)
		return NULL;
	s = &p->sections[p->n_sections];
	*s = (struct psection){.kind = kind};
	if (module) {
		s->module = strdup(module);
		if (!s->module)
			return NULL;
	}
	p->n_sections++;
	return s;
}

/* Fills *e with copies of the given fields. 0, or -ENOMEM with *e left empty. */
static int pentry_init(struct pentry *e, const char *key, const char *value,
		       const char *reason, const char *file, unsigned line)
{
	*e = (struct pentry){.line = line};
	if (strdup_ptr(key, &e->key) < 0 || strdup_ptr(value, &e->value) < 0 ||
	    strdup_ptr(reason, &e->reason) < 0 || strdup_ptr(file, &e->file) < 0) {
		pentry_done(e);
		*e = (struct pentry){0};
		return -ENOMEM;
	}
	return 0;
}

static int entry_append(struct pentry **arr, size_t *n, const char *key,
			const char *value, const char *reason, const char *file,
			unsigned line)
{
	if (array_grow(arr, *n, sizeof(**arr)) < 0)
		return -ENOMEM;
	if (pentry_init(&(*arr)[*n], key, value, reason, file, line) < 0)
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* ---- reading one file ---- */

struct parse_state {
	const char *file;
	const char *buf;
	size_t len;
	size_t pos;
	unsigned line; /* number of the line last handed to inih */
	struct profile *p;
	struct diag_list *d;
	bool failed;
	int oom;
	/* The section the reader last saw a header for, with the headers seen so far. */
	char **headers;
	unsigned *header_lines;
	/* Comment lines directly above the current line, and the reason for it. */
	struct strbuf pending;
	char *reason;
};

_printf_(3, 4) static void parse_error(struct parse_state *st, unsigned line,
				       const char *fmt, ...)
{
	struct strbuf b = {0};
	va_list ap;

	va_start(ap, fmt);
	if (strbuf_vprintf(&b, fmt, ap) < 0 ||
	    diag_add(st->d, DIAG_ERROR, st->file, line, "%s", b.s) < 0)
		st->oom = -ENOMEM;
	va_end(ap);
	strbuf_done(&b);
	st->failed = true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void set_reason_from(struct parse_state *st, const char *text, size_t n)
{
	free(st->reason);
	st->reason = NULL;
	while (n > 0 && is_blank(*text))
		text++, n--;
	while (n > 0 && is_blank(text[n - 1]))
		n--;
	if (n == 0)
		return;
	if (n > REASON_MAX)
		n = REASON_MAX;
	st->reason = strndup(text, n);
	if (!st->reason)
		st->oom = -ENOMEM;
}

static bool section_header_is_valid(const char *name, size_t n)
{
	static const char *const plain[] = {"profile", "memory", "kernel"};
	_cleanup_free_ char *s = strndup(name, n);
	const char *m;

	if (!s)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(plain); i++)
		if (streq(s, plain[i]))
			return true;
	m = startswith(s, "module ");
	return m && profile_key_is_safe(m, false);
}

/* Looks at one raw line before inih does: refuses what inih would mangle, tracks
 * section headers and collects comments as reasons. Returns false to stop reading. */
static bool inspect_line(struct parse_state *st, const char *l, size_t n)
{
	const char *p = l, *end = l + n;

	/* inih skips a UTF-8 byte order mark at the start of the file; so do we. */
	if (st->line == 1 && n >= 3 && memcmp(l, "\xef\xbb\xbf", 3) == 0)
		p += 3, l += 3;
	while (p < end && is_blank(*p))
		p++;
	if (p == end) {
		strbuf_done(&st->pending);
		return true;
	}
	if (*p == ';' || *p == '#') {
		const char *t = p + 1, *te = end;

		while (t < te && is_blank(*t))
			t++;
		while (te > t && is_blank(te[-1]))
			te--;
		if (t < te && ((st->pending.len && strbuf_putc(&st->pending, ' ') < 0) ||
			       strbuf_append(&st->pending, t, (size_t)(te - t)) < 0))
			st->oom = -ENOMEM;
		return true;
	}
	if (p != l) {
		/* inih would take an indented line as a continuation of the previous
		 * value. */
		parse_error(
			st, st->line,
			"indented line: continuation lines are not supported, write each key on one line at the start of the line");
		return false;
	}
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		size_t nn;
		_cleanup_free_ char *name = NULL;

		strbuf_done(&st->pending);
		if (!close) {
			parse_error(st, st->line, "section header without ']'");
			return false;
		}
		nn = (size_t)(close - p - 1);
		name = strndup(p + 1, nn);
		if (!name) {
			st->oom = -ENOMEM;
			return false;
		}
		if (nn > SECTION_NAME_MAX || !section_header_is_valid(p + 1, nn)) {
			parse_error(
				st, st->line,
				"unknown section [%s]: sections are [profile], [memory], [kernel] and [module NAME]",
				name);
			return false;
		}
		for (size_t i = 0; st->headers && st->headers[i]; i++)
			if (streq(st->headers[i], name)) {
				parse_error(st, st->line,
					    "section [%s] repeated (first at line %u)",
					    name, st->header_lines[i]);
				return false;
			}
		{
			size_t k = strv_length(st->headers);

			if (ARRAY_GROW(st->header_lines, k) < 0 ||
			    strv_push(&st->headers, name) < 0) {
				st->oom = -ENOMEM;
				return false;
			}
			st->header_lines[k] = st->line;
		}
		return true;
	}
	/* A key line: its reason is its inline comment (inih's rule: ';' after
	 * whitespace), else the comment block right above it. */
	for (const char *c = p + 1; c < end; c++)
		if (*c == ';' && is_blank(c[-1])) {
			set_reason_from(st, c + 1, (size_t)(end - c - 1));
			strbuf_done(&st->pending);
			return true;
		}
	set_reason_from(st, st->pending.s ? st->pending.s : "", st->pending.len);
	strbuf_done(&st->pending);
	return true;
}

/* inih's reader callback: hands over one line at a time, like fgets(). */
static char *reader(char *str, int num, void *stream)
{
	struct parse_state *st = stream;
	const char *l, *nl;
	size_t n, take;

	if (st->failed || st->oom || st->pos >= st->len)
		return NULL;
	l = st->buf + st->pos;
	nl = memchr(l, '\n', st->len - st->pos);
	n = nl ? (size_t)(nl - l) : st->len - st->pos;
	take = nl ? n + 1 : n;
	st->line++;
	st->pos += take;
	/* inih's buffer holds num bytes including the newline and the terminating NUL;
	 * Debian's inih would otherwise split the line silently. */
	if (num < 3 || n > (size_t)num - 2) {
		parse_error(st, st->line, "line longer than %d bytes",
			    num < 3 ? 0 : num - 2);
		return NULL;
	}
	if (!inspect_line(st, l, n))
		return NULL;
	memcpy(str, l, take);
	str[take] = '\0';
	return str;
}

static bool kind_from_section(const char *section, enum psection_kind *kind,
			      const char **module)
{
	*module = NULL;
	if (streq(section, "profile"))
		*kind = PSECTION_PROFILE;
	else if (streq(section, "memory"))
		*kind = PSECTION_MEMORY;
	else if (streq(section, "kernel"))
		*kind = PSECTION_KERNEL;
	else if ((*module = startswith(section, "module ")))
		*kind = PSECTION_MODULE;
	else
		return false;
	return true;
}

static bool match_token_is_valid(const char *t)
{
	const char *g = startswith(t, "gfx");
	size_t n = strlen(t);

	if (g)
		return n >= 6 && n <= 8 && strspn(g, "0123456789abcdef") == n - 3;
	return n == 9 && t[4] == ':' && strspn(t, "0123456789abcdef") == 4 &&
	       strspn(t + 5, "0123456789abcdef") == 4;
}

static void handle_profile_key(struct parse_state *st, const char *key, const char *value,
			       bool *store)
{
	struct profile *p = st->p;

	*store = false;
	/* description, match and include are fields, not entries: catch repeats here. */
	{
		unsigned first = streq(key, "description") ? p->description_line
				 : streq(key, "match")	   ? p->match_line
				 : streq(key, "include")   ? p->include_line
							   : 0;

		if (first) {
			parse_error(st, st->line, "duplicate key '%s' (first at line %u)",
				    key, first);
			return;
		}
	}
	if (streq(key, "description")) {
		if (!*value) {
			parse_error(st, st->line, "empty description");
			return;
		}
		p->description = strdup(value);
		p->description_line = st->line;
		if (!p->description)
			st->oom = -ENOMEM;
	} else if (streq(key, "match")) {
		char **v = NULL;

		if (strv_split_ws(value, &v) < 0) {
			st->oom = -ENOMEM;
			return;
		}
		for (size_t i = 0; v[i]; i++) {
			for (char *c = v[i]; *c; c++)
				if (*c >= 'A' && *c <= 'F')
					*c = (char)(*c - 'A' + 'a');
			if (!match_token_is_valid(v[i])) {
				parse_error(
					st, st->line,
					"match '%s': expected a gfx target (gfx1151) or a PCI vendor:device id (1002:1586)",
					v[i]);
				strv_free(v);
				return;
			}
		}
		p->match = v;
		p->match_line = st->line;
	} else if (streq(key, "include")) {
		if (!profile_name_is_valid(value)) {
			parse_error(
				st, st->line,
				"include '%s': not a profile name ([a-z0-9][a-z0-9._-]*)",
				value);
			return;
		}
		p->include = strdup(value);
		p->include_line = st->line;
		if (!p->include)
			st->oom = -ENOMEM;
	} else if (streq(key, "placement")) {
		if (!streq(value, "modprobe") && !streq(value, "cmdline")) {
			parse_error(st, st->line,
				    "placement '%s': expected modprobe or cmdline",
				    value);
			return;
		}
		*store = true;
	} else {
		parse_error(
			st, st->line,
			"unknown key '%s' in [profile]: keys are description, match, include, placement, unset",
			key);
	}
}

static void handle_memory_key(struct parse_state *st, const char *key, const char *value)
{
	if (streq(key, "gtt") || streq(key, "page_pool") || streq(key, "reserve")) {
		struct size_spec s;
		const char *hint = NULL;

		if (size_parse(value, &s, &hint) < 0)
			parse_error(st, st->line, "%s = %s: %s", key, value,
				    hint ? hint : "size out of range");
	} else if (streq(key, "mtype")) {
		if (!strv_contains((char *[]){"default", "rw", "nc", "cc", NULL}, value))
			parse_error(st, st->line,
				    "mtype '%s': expected default, rw, nc or cc", value);
	} else {
		parse_error(
			st, st->line,
			"unknown key '%s' in [memory]: keys are gtt, reserve, page_pool, mtype, unset",
			key);
	}
}

static void handle_unset(struct parse_state *st, struct psection *s, const char *value)
{
	_cleanup_strv_free_ char **names = NULL;

	if (strv_split_ws(value, &names) < 0) {
		st->oom = -ENOMEM;
		return;
	}
	if (!names[0]) {
		parse_error(st, st->line, "unset needs the names of keys to drop");
		return;
	}
	for (size_t i = 0; names[i]; i++) {
		const char *n = names[i];
		bool ok;

		switch (s->kind) {
		case PSECTION_PROFILE:
			ok = streq(n, "placement");
			break;
		case PSECTION_MEMORY:
			ok = streq(n, "gtt") || streq(n, "reserve") ||
			     streq(n, "page_pool") || streq(n, "mtype");
			break;
		default:
			ok = profile_key_is_safe(n, s->kind == PSECTION_KERNEL);
			break;
		}
		if (!ok) {
			parse_error(st, st->line,
				    "unset '%s': not a key this section can hold", n);
			return;
		}
		if (entry_append(&s->unsets, &s->n_unsets, n, NULL, NULL, st->file,
				 st->line) < 0)
			st->oom = -ENOMEM;
	}
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *st = user;
	enum psection_kind kind;
	const char *module;
	struct psection *s;
	bool store = true;

	if (st->failed || st->oom)
		return 0;
	if (!*section) {
		parse_error(st, st->line, "key '%s' outside a section", key);
		return 0;
	}
	if (!kind_from_section(section, &kind, &module)) {
		parse_error(st, st->line, "unknown section [%s]", section);
		return 0;
	}
	if (!*key) {
		parse_error(st, st->line, "missing key name before '='");
		return 0;
	}
	s = section_get_or_add(st->p, kind, module);
	if (!s) {
		st->oom = -ENOMEM;
		return 0;
	}
	if (streq(key, "unset")) {
		for (size_t i = 0; i < s->n_unsets; i++)
			if (s->unsets[i].line != st->line) {
				parse_error(
					st, st->line,
					"duplicate key 'unset' (first at line %u); list every name on one unset line",
					s->unsets[i].line);
				return 0;
			}
		handle_unset(st, s, value);
		return !st->failed;
	}
	for (size_t i = 0; i < s->n_entries; i++)
		if (key_equal(kind, s->entries[i].key, key)) {
			parse_error(st, st->line, "duplicate key '%s' (first at line %u)",
				    key, s->entries[i].line);
			return 0;
		}
	switch (kind) {
	case PSECTION_PROFILE:
		handle_profile_key(st, key, value, &store);
		break;
	case PSECTION_MEMORY:
		handle_memory_key(st, key, value);
		break;
	case PSECTION_KERNEL:
	case PSECTION_MODULE:
		/* Everything here reaches a boot file: allowlist, never escaping. */
		if (!profile_key_is_safe(key, kind == PSECTION_KERNEL)) {
			parse_error(
				st, st->line,
				"name '%s': only letters, digits, '_' and '-'%s are allowed, not starting with '-'",
				key, kind == PSECTION_KERNEL ? ", '.'" : "");
			return 0;
		}
		if (!profile_value_is_safe(value)) {
			parse_error(
				st, st->line,
				"value '%s' of %s: only letters, digits and _ . , : + / - are allowed, and no leading '--' (inline comments start with ' ;')",
				value, key);
			return 0;
		}
		break;
	}
	if (st->failed || !store)
		return !st->failed;
	if (entry_append(&s->entries, &s->n_entries, key, value, st->reason, st->file,
			 st->line) < 0)
		st->oom = -ENOMEM;
	return !st->oom;
}

static unsigned line_of_offset(const char *buf, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

int profile_parse(const char *name, const char *file, const char *buf, size_t len,
		  struct profile **ret, struct diag_list *d)
{
	struct parse_state st = {.file = file, .buf = buf, .len = len, .d = d};
	const char *nul;
	int r;

	if (len > PROFILE_MAX_BYTES)
		return diag_error(d, -EINVAL, file, 0,
				  "larger than %zu bytes: not a profile",
				  PROFILE_MAX_BYTES);
	nul = memchr(buf, '\0', len);
	if (nul)
		return diag_error(d, -EINVAL, file,
				  line_of_offset(buf, (size_t)(nul - buf)), "NUL byte");

	st.p = calloc(1, sizeof(*st.p));
	if (!st.p || strdup_ptr(name, &st.p->name) < 0 ||
	    strdup_ptr(file, &st.p->file) < 0) {
		profile_free(st.p);
		return -ENOMEM;
	}
	r = ini_parse_stream(reader, &st, handler, &st);
	if (!st.failed && !st.oom && r > 0)
		parse_error(
			&st, (unsigned)r,
			"syntax error: expected 'key = value', '[section]' or a comment");
	else if (!st.failed && !st.oom && r < 0)
		st.oom = -ENOMEM;
	if (!st.failed && !st.oom && !st.p->description)
		parse_error(&st, 0, "no description in [profile]");
	if (!st.failed && !st.oom && !st.p->include)
		for (size_t i = 0; i < st.p->n_sections; i++)
			if (st.p->sections[i].n_unsets) {
				parse_error(
					&st, st.p->sections[i].unsets[0].line,
					"unset without include: there is nothing to drop");
				break;
			}
	strv_free(st.headers);
	free(st.header_lines);
	strbuf_done(&st.pending);
	free(st.reason);
	if (st.oom || st.failed) {
		profile_free(st.p);
		return st.oom ? st.oom : -EINVAL;
	}
	*ret = st.p;
	return 0;
}

/* ---- include resolution ---- */

static int merge_into(struct profile *dst, const struct profile *src, struct diag_list *d)
{
	for (size_t i = 0; i < src->n_sections; i++) {
		const struct psection *s = &src->sections[i];
		struct psection *t = section_get_or_add(dst, s->kind, s->module);

		if (!t)
			return -ENOMEM;
		for (size_t j = 0; j < s->n_unsets; j++) {
			struct pentry *e = section_find(t, s->unsets[j].key);
			if (!e) {
				return diag_error(
					d, -EINVAL, s->unsets[j].file, s->unsets[j].line,
					"unset '%s': no included profile sets it",
					s->unsets[j].key);
			}
			pentry_done(e);
			memmove(e, e + 1,
				(size_t)(t->entries + t->n_entries - e - 1) * sizeof(*e));
			t->n_entries--;
		}
		for (size_t j = 0; j < s->n_entries; j++) {
			const struct pentry *se = &s->entries[j];
			struct pentry *e = section_find(t, se->key);

			if (e) {
				struct pentry n;

				if (pentry_init(&n, se->key, se->value, se->reason,
						se->file, se->line) < 0)
					return -ENOMEM;
				pentry_done(e);
				*e = n;
			} else if (entry_append(&t->entries, &t->n_entries, se->key,
						se->value, se->reason, se->file,
						se->line) < 0) {
				return -ENOMEM;
			}
		}
	}
	return 0;
}

static void free_profiles(struct profile **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		profile_free(v[i]);
}

int profile_resolve(const struct profile *top, profile_loader_t load, void *userdata,
		    struct profile **ret, struct diag_list *d)
{
	struct profile *loaded[PROFILE_MAX_INCLUDE_DEPTH] = {0};
	const struct profile *chain[PROFILE_MAX_INCLUDE_DEPTH + 1] = {top};
	size_t n = 1, n_loaded = 0;
	struct profile *res = NULL;
	int r;

	while (chain[n - 1]->include) {
		const struct profile *cur = chain[n - 1];
		_cleanup_free_ char *file = NULL, *buf = NULL;
		size_t len = 0;

		for (size_t i = 0; i < n; i++)
			if (streq(chain[i]->name, cur->include)) {
				struct strbuf b = {0};

				for (size_t k = 0; k < n; k++)
					strbuf_printf(&b, "%s -> ", chain[k]->name);
				strbuf_puts(&b, cur->include);
				r = diag_error(d, -EINVAL, cur->file, cur->include_line,
					       "include cycle: %s", b.s ? b.s : "?");
				strbuf_done(&b);
				goto fail;
			}
		if (n > PROFILE_MAX_INCLUDE_DEPTH) {
			r = diag_error(d, -EINVAL, cur->file, cur->include_line,
				       "include chain deeper than %d profiles",
				       PROFILE_MAX_INCLUDE_DEPTH);
			goto fail;
		}
		r = load(userdata, cur->include, &file, &buf, &len, d);
		if (r < 0)
			goto fail;
		r = profile_parse(cur->include, file, buf, len, &loaded[n_loaded], d);
		if (r < 0)
			goto fail;
		chain[n++] = loaded[n_loaded++];
	}

	r = -ENOMEM;
	res = calloc(1, sizeof(*res));
	if (!res || strdup_ptr(top->name, &res->name) < 0 ||
	    strdup_ptr(top->file, &res->file) < 0 ||
	    strdup_ptr(top->description, &res->description) < 0)
		goto fail;
	res->match = calloc(1, sizeof(char *));
	if (!res->match)
		goto fail;
	for (size_t i = 0; top->match && top->match[i]; i++)
		if (strv_push(&res->match, top->match[i]) < 0)
			goto fail;
	for (size_t i = 0; i < n; i++)
		if (strv_push(&res->chain, chain[i]->name) < 0)
			goto fail;
	/* Merge from the base up so every profile overrides what it includes. */
	for (size_t i = n; i > 0; i--) {
		r = merge_into(res, chain[i - 1], d);
		if (r < 0)
			goto fail;
	}
	free_profiles(loaded, n_loaded);
	*ret = res;
	return 0;
fail:
	profile_free(res);
	free_profiles(loaded, n_loaded);
	return r;
}
