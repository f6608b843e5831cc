#include <errno.h>
#include <string.h>

#include "kargsd.h"
#include "strv.h"
#include "util.h"

/* More arguments than any image carries: a bound on what a hostile file costs. */
#define KARGSD_MAX_ARGS 4096

struct cursor {
	const char *p, *end;
	unsigned line;
	const char *err;
};

static int fail(struct cursor *c, const char *why)
{
	c->err = why;
	return -EINVAL;
}

static bool at(const struct cursor *c, char ch)
{
	return c->p < c->end && *c->p == ch;
}

/* A line break: "\n" or "\r\n" (TOML's newline). */
static bool eol(const struct cursor *c)
{
	return at(c, '\n') || (at(c, '\r') && c->p + 1 < c->end && c->p[1] == '\n');
}

static void skip_eol(struct cursor *c)
{
	c->p += *c->p == '\r' ? 2 : 1;
	c->line++;
}

/* TOML allows no control character but the tab in comments and strings. */
static bool control(unsigned char ch)
{
	return (ch < 0x20 && ch != '\t') || ch == 0x7f;
}

/* Blanks and a comment; with newlines, also line breaks and the comments after them
 * (inside an array). */
static int skip_space(struct cursor *c, bool newlines)
{
	for (;;) {
		while (at(c, ' ') || at(c, '\t'))
			c->p++;
		if (at(c, '#'))
			for (c->p++; c->p < c->end && !eol(c); c->p++)
				if (control((unsigned char)*c->p))
					return fail(c,
						    "a control character in a comment");
		if (!newlines || !eol(c))
			return 0;
		skip_eol(c);
	}
}

/* A basic ("...") or literal ('...') string on one line, into *ret. Of the escapes
 * only \" and \\ are taken: the others (\n, \u...) have no place in a kernel argument
 * and are not understood. */
static int parse_string(struct cursor *c, char **ret)
{
	struct strbuf b = {0};
	char q = *c->p;
	int r = 0;

	if (c->p + 2 < c->end && c->p[1] == q && c->p[2] == q)
		return fail(c, "a multi-line string");
	for (c->p++; r == 0 && c->p < c->end && *c->p != q; c->p++) {
		char ch = *c->p;

		if (control((unsigned char)ch)) {
			r = fail(c, "a control character or line break in a string");
			break;
		}
		if (q == '"' && ch == '\\') {
			if (c->p + 1 >= c->end || (c->p[1] != '"' && c->p[1] != '\\')) {
				r = fail(c,
					 "an escape other than \\\" or \\\\ in a string");
				break;
			}
			ch = *++c->p;
		}
		r = strbuf_putc(&b, ch);
	}
	if (r == 0 && c->p >= c->end)
		r = fail(c, "a string without its closing quote");
	if (r == 0 && !b.s && strbuf_puts(&b, "") < 0)
		r = -ENOMEM;
	if (r < 0) {
		strbuf_done(&b);
		return r;
	}
	c->p++;
	*ret = strbuf_steal(&b);
	return 0;
}

/* One array of strings, its elements with their lines added to k->kargs (args) or to
 * k->arches. */
static int parse_array(struct cursor *c, struct kargsd *k, bool args)
{
	int r;

	c->p++;
	for (;;) {
		_cleanup_free_ char *s = NULL;
		unsigned line;

		r = skip_space(c, true);
		if (r < 0)
			return r;
		if (at(c, ']'))
			break;
		if (!at(c, '"') && !at(c, '\''))
			return fail(c, c->p < c->end
					       ? "an array element that is not a string"
					       : "an array without its closing bracket");
		line = c->line;
		r = parse_string(c, &s);
		if (r < 0)
			return r;
		if (args) {
			if (k->n_kargs >= KARGSD_MAX_ARGS)
				return fail(c, "more than 4096 arguments");
			if (ARRAY_GROW(k->kargs, k->n_kargs) < 0)
				return -ENOMEM;
			k->kargs[k->n_kargs++] = (struct kargsd_arg){TAKE_PTR(s), line};
		} else if (strv_push(&k->arches, s) < 0) {
			return -ENOMEM;
		}
		r = skip_space(c, true);
		if (r < 0)
			return r;
		if (at(c, ']'))
			break;
		if (!at(c, ','))
			return fail(c, c->p < c->end
					       ? "no comma between two elements"
					       : "an array without its closing bracket");
		c->p++;
	}
	c->p++;
	return 0;
}

/* One "key = [...]" line (its array may go on over more lines). */
static int parse_pair(struct cursor *c, struct kargsd *k, bool *seen_kargs,
		      bool *seen_arches)
{
	static const char bare[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789_-";
	size_t n = 0;
	bool args;
	int r;

	while (c->p + n < c->end && c->p[n] && strchr(bare, c->p[n]))
		n++;
	if (n == 0)
		return fail(
			c,
			at(c, '[')
				? "a table, where bootc takes only the keys kargs and match-architectures"
				: "not a key = value line");
	if (n == 5 && memcmp(c->p, "kargs", 5) == 0)
		args = true;
	else if (n == 19 && memcmp(c->p, "match-architectures", 19) == 0)
		args = false;
	else
		return fail(
			c,
			"a key other than kargs and match-architectures, which bootc refuses");
	if (args ? *seen_kargs : *seen_arches)
		return fail(c, "a key given twice");
	*(args ? seen_kargs : seen_arches) = true;
	c->p += n;
	r = skip_space(c, false);
	if (r == 0 && !at(c, '='))
		r = fail(c, "no '=' after the key");
	if (r < 0)
		return r;
	c->p++;
	r = skip_space(c, false);
	if (r == 0 && !at(c, '['))
		r = fail(c, "a value that is not an array of strings");
	if (r == 0 && !args && !k->arches && !(k->arches = calloc(1, sizeof(char *))))
		r = -ENOMEM;
	if (r == 0)
		r = parse_array(c, k, args);
	if (r == 0)
		r = skip_space(c, false);
	if (r == 0 && c->p < c->end && !eol(c))
		r = fail(c, "more after the value on its line");
	return r;
}

int kargsd_parse(const char *text, size_t len, struct kargsd *ret, unsigned *err_line,
		 const char **err)
{
	struct cursor c = {text, text + len, 1, NULL};
	struct kargsd k = {0};
	bool seen_kargs = false, seen_arches = false;
	int r = 0;

	*ret = (struct kargsd){0};
	while (r == 0) {
		r = skip_space(&c, true);
		if (r < 0 || c.p >= c.end)
			break;
		r = parse_pair(&c, &k, &seen_kargs, &seen_arches);
	}
	/* bootc's struct has kargs without a default: a file without it is refused. */
	if (r == 0 && !seen_kargs)
		r = fail(&c, "no kargs key");
	if (r < 0) {
		kargsd_done(&k);
		*err_line = c.line;
		*err = r == -EINVAL ? c.err : NULL;
		return r;
	}
	*ret = k;
	return 0;
}

void kargsd_done(struct kargsd *k)
{
	for (size_t i = 0; i < k->n_kargs; i++)
		free(k->kargs[i].value);
	free(k->kargs);
	strv_free(k->arches);
	*k = (struct kargsd){0};
}

bool kargsd_applies(const struct kargsd *k, const char *arch)
{
	if (!k->arches)
		return true;
	for (size_t i = 0; k->arches[i]; i++)
		if (streq(k->arches[i], arch))
			return true;
	return false;
}

int kargsd_format(const char *header, char *const *args, char **ret)
{
	struct strbuf b = {0};
	int r = strbuf_puts(&b, header);

	*ret = NULL;
	if (r == 0)
		r = strbuf_puts(&b, "kargs = [");
	for (size_t i = 0; r == 0 && args && args[i]; i++) {
		for (const char *p = args[i]; *p; p++)
			if (*p == '"' || *p == '\\' || control((unsigned char)*p))
				r = -EINVAL;
		if (r == 0)
			r = strbuf_printf(&b, "%s\"%s\"", i ? ", " : "", args[i]);
	}
	if (r == 0)
		r = strbuf_puts(&b, "]\n");
	if (r < 0) {
		strbuf_done(&b);
		return r;
	}
	*ret = strbuf_steal(&b);
	return 0;
}
