/* Fedora's blscfg rules (blsgrub.h). Each rule names the function of Fedora's grub2
 * (grub-core/commands/blscfg.c, grub-core/normal/menu.c, util/grub.d/00_header.in)
 * that it follows; the code is this project's own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blsgrub.h"
#include "strv.h"
#include "util.h"

/* GRUB's grub_isdigit() and grub_isalpha(): ASCII only, whatever the locale. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t span(const char *s, bool (*in)(char))
{
	size_t n = 0;

	while (s[n] && in(s[n]))
		n++;
	return n;
}

int blsgrub_vercmp(const char *a, const char *b)
{
	if (streq(a, b))
		return 0;
	while (*a || *b) {
		size_t la, lb;
		bool num;
		int c;

		while (*a && !is_digit(*a) && !is_alpha(*a) && *a != '~' && *a != '+')
			a++;
		while (*b && !is_digit(*b) && !is_alpha(*b) && *b != '~' && *b != '+')
			b++;
		/* A tilde sorts before everything, the end of the string too. */
		if (*a == '~' || *b == '~') {
			if (*a != '~')
				return 1;
			if (*b != '~')
				return -1;
			a++, b++;
			continue;
		}
		/* A plus sorts after the end of the string and before anything else
		 * (Fedora's "sorting the plus higher than base version"). */
		if (*a == '+' || *b == '+') {
			if (!*a)
				return -1;
			if (!*b)
				return 1;
			if (*a != '+')
				return 1;
			if (*b != '+')
				return -1;
			a++, b++;
			continue;
		}
		if (!*a || !*b)
			break;
		num = is_digit(*a);
		la = span(a, num ? is_digit : is_alpha);
		lb = span(b, num ? is_digit : is_alpha);
		/* A numeric segment is newer than an alphabetic one. */
		if (lb == 0)
			return num ? 1 : -1;
		if (num) {
			const char *ea = a + la, *eb = b + lb;

			while (a < ea && *a == '0')
				a++, la--;
			while (b < eb && *b == '0')
				b++, lb--;
			/* More digits (leading zeros aside) is the larger number. */
			if (la != lb)
				return la > lb ? 1 : -1;
		}
		c = memcmp(a, b, la < lb ? la : lb);
		if (c == 0 && la != lb)
			c = la < lb ? -1 : 1;
		if (c)
			return c < 0 ? -1 : 1;
		a += la;
		b += lb;
	}
	if (!*a && !*b)
		return 0;
	return *a ? 1 : -1;
}

/* split_package_string(): release after the last '-', version after the one before,
 * name the rest; with one '-', name and version; with none, the name alone. */
static void split_nvr(char *s, const char **name, const char **version,
		      const char **release)
{
	char *r = strrchr(s, '-'), *v;

	*name = s;
	*version = *release = "";
	if (!r)
		return;
	*r++ = '\0';
	v = strrchr(s, '-');
	if (!v) {
		*version = r;
		return;
	}
	*v++ = '\0';
	*version = v;
	*release = r;
}

int blsgrub_id_cmp(const char *a, const char *b)
{
	_cleanup_free_ char *x = strdup(a), *y = strdup(b);
	const char *n[2], *v[2], *r[2];
	int c;

	if (!x || !y)
		return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
	split_nvr(x, &n[0], &v[0], &r[0]);
	split_nvr(y, &n[1], &v[1], &r[1]);
	c = blsgrub_vercmp(n[0], n[1]);
	if (c == 0)
		c = blsgrub_vercmp(v[0], v[1]);
	if (c == 0)
		c = blsgrub_vercmp(r[0], r[1]);
	return c;
}

/* The first value of key, as bls_get_val() takes it. */
static int keep_first(char **field, const char *val)
{
	if (*field)
		return 0;
	*field = strdup(val);
	return *field ? 0 : -ENOMEM;
}

int blsgrub_entry_parse(const char *name, const char *text, size_t len,
			struct bls_entry *e)
{
	size_t n = strlen(name);
	_cleanup_free_ char *copy = NULL;
	unsigned line = 0;
	int r = 0;

	*e = (struct bls_entry){.tries_left = -1, .tries_done = -1};
	if (name[0] == '.' || n <= 5 || strcmp(name + n - 5, ".conf") != 0)
		return -EINVAL;
	/* Read as a C string, up to a NUL byte, as GRUB's line reader hands it on. */
	copy = strndup(text, len);
	e->id = strndup(name, n - 5);
	if (!copy || !e->id) {
		bls_entry_done(e);
		return -ENOMEM;
	}
	for (char *p = copy, *next; r == 0 && p && *p; p = next) {
		char *sep, *val;
		size_t l;

		line++;
		next = strchr(p, '\n');
		if (next)
			*next++ = '\0';
		/* grub_file_getline() drops every carriage return. */
		l = 0;
		for (char *q = p; *q; q++)
			if (*q != '\r')
				p[l++] = *q;
		p[l] = '\0';
		p += strspn(p, " \t");
		if (*p == '#')
			continue;
		sep = strchr(p, ' ');
		if (!sep)
			sep = strchr(p, '\t');
		/* No value (an empty line too): the rest of the file is not read. */
		if (!sep || sep[1] == '\0')
			break;
		*sep = '\0';
		val = sep + 1 + strspn(sep + 1, " \t");
		if (streq(p, "title"))
			r = keep_first(&e->title, val);
		else if (streq(p, "linux"))
			r = keep_first(&e->kernel, val);
		else if (streq(p, "version"))
			r = keep_first(&e->version, val);
		else if (streq(p, "options") && !e->options) {
			r = keep_first(&e->options, val);
			e->options_line = line;
		}
	}
	if (r < 0)
		bls_entry_done(e);
	return r;
}

void blsgrub_sort(struct bls_entry *v, size_t *n)
{
	size_t placed = 0;

	/* bls_add_entry(): each entry in the order read goes before the first one it
	 * is newer than; one comparing equal is dropped. */
	for (size_t i = 0; i < *n; i++) {
		struct bls_entry e = v[i];
		size_t at = placed;
		bool same = false;

		for (size_t k = 0; k < placed && !same; k++) {
			int c = blsgrub_id_cmp(e.id, v[k].id);

			same = c == 0;
			if (c > 0) {
				at = k;
				break;
			}
		}
		if (same) {
			bls_entry_done(&e);
			continue;
		}
		memmove(&v[at + 1], &v[at], (placed - at) * sizeof(*v));
		v[at] = e;
		placed++;
	}
	*n = placed;
}

void grubenv_done(struct grubenv *env)
{
	strv_free(env->names);
	strv_free(env->values);
	*env = (struct grubenv){0};
}

int grubenv_parse(const char *text, size_t len, struct grubenv *ret)
{
	static const char head[] = "# GRUB Environment Block\n";
	const char *p = text + strlen(head), *end = text + len;

	*ret = (struct grubenv){0};
	/* A block that is its signature alone is none (grub_envblk_open()). */
	if (len < sizeof(head) || memcmp(text, head, strlen(head)) != 0)
		return -EBADMSG;
	/* grub_envblk_iterate(): a '#' line is padding; a name runs to the next '='
	 * (across lines); a value to the next newline, '\' taking the byte after it;
	 * a name without '=' or a value without its newline ends the block. */
	while (p < end) {
		const char *name = p, *eq, *v;
		struct strbuf val = {0};
		char *n, *x;

		if (*p != '#') {
			eq = memchr(p, '=', (size_t)(end - p));
			if (!eq)
				return 0;
			for (v = p = eq + 1; p < end && *p != '\n'; p++)
				if (*p == '\\')
					p++;
			if (p >= end)
				return 0;
			for (; v < p; v++) {
				if (*v == '\\')
					v++;
				strbuf_putc(&val, *v);
			}
			n = strndup(name, (size_t)(eq - name));
			x = strbuf_steal(&val);
			/* A NUL byte ends a value or a name, as grub_env_set() copies
			 * them. */
			if (!n || !x || strv_push(&ret->names, n) < 0 ||
			    strv_push(&ret->values, x) < 0) {
				free(n);
				free(x);
				grubenv_done(ret);
				return -ENOMEM;
			}
			free(n);
			free(x);
			ret->n++;
		}
		p = memchr(p, '\n', (size_t)(end - p));
		p = p ? p + 1 : end;
	}
	return 0;
}

const char *grubenv_get(const struct grubenv *env, const char *name)
{
	/* The last assignment wins, as grub-editenv keeps one of each. */
	for (size_t i = env ? env->n : 0; i > 0; i--)
		if (streq(env->names[i - 1], name))
			return env->values[i - 1];
	return NULL;
}

static bool is_name_char(char c)
{
	return is_digit(c) || is_alpha(c) || c == '_';
}

/* Appends the piece s[from..to] (inclusive; nothing when to < from) to out: the text,
 * or as a variable's name its value and a blank (nothing when unset). */
static void piece(const char *s, size_t from, size_t to, bool var,
		  const struct grubenv *env, char *const *cfg_sets, struct strbuf *out,
		  bool *any, bool *from_cfg)
{
	char name[256];
	size_t n = to >= from ? to - from + 1 : 0;
	const char *v;

	if (!var) {
		strbuf_printf(out, "%.*s", (int)n, s + from);
		*any = true;
		return;
	}
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, s + from, n);
	name[n] = '\0';
	v = grubenv_get(env, name);
	/* Not in grubenv but set by grub.cfg (Fedora's kernelopts fallback): its
	 * value there is not computed. */
	if (!v && strv_contains(cfg_sets, name))
		*from_cfg = true;
	if (!v)
		return;
	strbuf_printf(out, "%s ", v);
	*any = true;
}

/* expand_val() as Fedora's blscfg has it, quirks and all: a piece of text is added
 * only when it ends after it starts, so a one-byte piece before a '$' or at the end is
 * lost; a variable's name ends at the first byte not a letter, digit or '_', which
 * starts the next piece unless it is a blank; "\\$" is no variable; an unset variable
 * before anything was added, ended by a '$', stops it with nothing. *any: whether
 * anything was added (default_kernelopts is taken when not); *from_cfg: whether an
 * unset variable is one grub.cfg sets. */
static int expand(const char *s, const struct grubenv *env, char *const *cfg_sets,
		  struct strbuf *out, bool *any, bool *from_cfg)
{
	size_t start = 0, end = 0, i;
	bool var = false;

	for (i = 0; s[i]; i++) {
		if (s[i] == '$' && s[end] != '\\') {
			if (start != end)
				piece(s, start, end, var, env, cfg_sets, out, any,
				      from_cfg);
			/* An unset variable before anything was added ends it all:
			 * field_append() gives NULL, which the caller takes for a
			 * failure (nothing, so default_kernelopts). */
			if (start != end && !*any)
				return 0;
			var = true;
			start = i + 1;
		} else if (var && !is_name_char(s[i])) {
			piece(s, start, end, var, env, cfg_sets, out, any, from_cfg);
			var = false;
			start = i;
			if (s[start] == ' ')
				start++;
		}
		end = i;
	}
	if (start != end)
		piece(s, start, end, var, env, cfg_sets, out, any, from_cfg);
	return strbuf_error(out);
}

/* What GRUB's script parser, which reads the linux line again at boot, acts on: a
 * quote, a backslash, '$', a brace, a separator or redirection, a newline, or '#'
 * starting a word. */
static bool parser_acts(const char *s)
{
	if (strpbrk(s, "\"'\\${};|&<>\n"))
		return true;
	for (const char *p = strchr(s, '#'); p; p = strchr(p + 1, '#'))
		if (p == s || p[-1] == ' ' || p[-1] == '\t')
			return true;
	return false;
}

int blsgrub_options(const char *options, const struct grubenv *env, char *const *cfg_sets,
		    char **ret, const char **why)
{
	_cleanup_strv_free_ char **words = NULL;
	struct strbuf out = {0};
	const char *dflt = grubenv_get(env, "default_kernelopts");
	bool any = false, from_cfg = false;
	int r = 0;

	*ret = NULL;
	*why = NULL;
	if (options)
		r = expand(options, env, cfg_sets, &out, &any, &from_cfg);
	/* Nothing added at all: default_kernelopts (create_entry()). */
	if (r == 0 && !any && dflt)
		r = expand(dflt, env, cfg_sets, &out, &any, &from_cfg);
	if (r == 0 && from_cfg) {
		*why = "a variable the options use is not in grubenv but set by grub.cfg (Fedora's kernelopts fallback), which is not computed";
		r = 1;
	}
	if (r == 0 && out.s && parser_acts(out.s)) {
		*why = "options GRUB's script parser reads again at boot (a quote, a backslash, '$', a brace, ';', '|', '&', '<', '>', a newline or a comment)";
		r = 1;
	}
	if (r == 0 && strv_split_ws(out.s ? out.s : "", &words) < 0)
		r = -ENOMEM;
	strbuf_done(&out);
	for (size_t i = 0; r == 0 && words && words[i]; i++)
		strbuf_printf(&out, "%s%s", i ? " " : "", words[i]);
	if (r == 0 && !(*ret = strbuf_steal(&out)))
		r = -ENOMEM;
	strbuf_done(&out);
	return r;
}

/* get_entry_number_helper() and menuentry_eq(): an ID, else a title (an entry without
 * one is titled with its linux path), else a number as grub_strtoul() reads it in base
 * 0 (010 is 8, 0x1 is 1), the whole string. A '>' separates a submenu's part: only the
 * part before it is matched. */
static ssize_t find(const struct bls_entry *v, size_t n, const char *want)
{
	size_t len = strcspn(want, ">"), i;
	unsigned long k;
	char *end;

	for (i = 0; i < n; i++)
		if (strlen(v[i].id) == len && strncmp(v[i].id, want, len) == 0)
			return (ssize_t)i;
	for (i = 0; i < n; i++) {
		const char *t = v[i].title ? v[i].title : v[i].kernel;

		if (t && strlen(t) == len && strncmp(t, want, len) == 0)
			return (ssize_t)i;
	}
	errno = 0;
	k = strtoul(want, &end, 0);
	if (*want && !*end && !errno && !strchr(want, '-') && k < n)
		return (ssize_t)k;
	return -1;
}

ssize_t blsgrub_default(const struct bls_entry *v, size_t n, const char *grub_default,
			const struct grubenv *env, bool other_entries, const char **rule)
{
	const char *next = grubenv_get(env, "next_entry");
	const char *want;
	ssize_t i;

	*rule = NULL;
	if (n == 0)
		return -1;
	/* 00_header: next_entry (grub-reboot) first, then GRUB_DEFAULT, "saved" being
	 * ${saved_entry}. */
	if (next && *next) {
		want = next;
		*rule = "grubenv's next_entry, a one-time choice";
	} else if (grub_default && streq(grub_default, "saved")) {
		want = grubenv_get(env, "saved_entry");
		*rule = "GRUB_DEFAULT=saved: grubenv's saved_entry";
	} else {
		want = grub_default ? grub_default : "0";
		*rule = "GRUB_DEFAULT";
	}
	i = find(v, n, want ? want : "");
	if (i >= 0)
		return i;
	/* Nothing matching: the menu's first entry, which is the newest BLS entry
	 * unless grub.cfg has entries of its own that may carry the name. */
	if (other_entries)
		return -1;
	*rule = "the default names no entry, so the first (the newest)";
	return 0;
}
