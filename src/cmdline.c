#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "util.h"

bool cmdline_is_space(char c)
{
	unsigned char u = (unsigned char)c;

	return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xa0;
}

static const char *skip_spaces(const char *s)
{
	while (*s && cmdline_is_space(*s))
		s++;
	return s;
}

/*
 * One step of the kernel's next_arg() (lib/cmdline.c), on a private copy of the token.
 * The rules mirrored here, including their oddities:
 *  - a token starting with '"' is "quoted": the quote is skipped, and a '"' that ends
 *    the token is dropped;
 *  - '"' anywhere toggles quoting, so whitespace between quotes stays in the token;
 *  - the first '=' at an index > 0 splits name and value ("=x" has no value);
 *  - a value starting with '"' loses that quote and a '"' that ends the token.
 * Returns the position after the token and its trailing spaces.
 */
static const char *next_arg(const char *args, char **ret_name, char **ret_value, int *err)
{
	size_t i, equals = 0;
	bool in_quote = false, quoted = false;
	char *tok, *value = NULL;

	if (*args == '"') {
		args++;
		in_quote = quoted = true;
	}
	for (i = 0; args[i]; i++) {
		if (cmdline_is_space(args[i]) && !in_quote)
			break;
		if (equals == 0 && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	tok = strndup(args, i);
	if (!tok) {
		*err = -ENOMEM;
		return NULL;
	}
	if (equals) {
		tok[equals] = '\0';
		value = tok + equals + 1;
		if (*value == '"') {
			value++;
			if (tok[i - 1] == '"')
				tok[i - 1] = '\0';
		}
	}
	if (quoted && i > 0 && tok[i - 1] == '"')
		tok[i - 1] = '\0';

	*ret_name = tok;
	if (value) {
		*ret_value = strdup(value);
		if (!*ret_value) {
			free(tok);
			*err = -ENOMEM;
			return NULL;
		}
		/* The value is a copy; the name keeps the buffer, cut at the '='. */
	} else {
		*ret_value = NULL;
	}
	if (args[i])
		i++;
	return skip_spaces(args + i);
}

void cmdline_free(struct cmdline *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_args; i++) {
		free(c->args[i].name);
		free(c->args[i].value);
	}
	free(c->args);
	free(c->init_args);
	free(c);
}

int cmdline_parse(const char *line, struct cmdline **ret)
{
	struct cmdline *c = calloc(1, sizeof(*c));
	const char *p;
	size_t cap = 0;

	if (!c)
		return -ENOMEM;
	p = skip_spaces(line);
	while (*p) {
		char *name, *value;
		size_t offset = (size_t)(p - line);
		int err = 0;

		p = next_arg(p, &name, &value, &err);
		if (!p) {
			cmdline_free(c);
			return err;
		}
		/* parse_args(): a bare "--" ends the kernel's parameters; the rest is
		 * init's. */
		if (!value && streq(name, "--")) {
			free(name);
			c->init_args = strdup(p);
			if (!c->init_args) {
				cmdline_free(c);
				return -ENOMEM;
			}
			break;
		}
		if (c->n_args == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct cmdline_arg *na = realloc(c->args, ncap * sizeof(*na));

			if (!na) {
				free(name);
				free(value);
				cmdline_free(c);
				return -ENOMEM;
			}
			c->args = na;
			cap = ncap;
		}
		c->args[c->n_args].name = name;
		c->args[c->n_args].value = value;
		c->args[c->n_args].offset = offset;
		c->n_args++;
	}
	*ret = c;
	return 0;
}

int cmdline_spans(const char *line, struct cmdline_span **ret, size_t *ret_n,
		  size_t *ret_init)
{
	struct cmdline_span *v = NULL;
	size_t n = 0;
	const char *p = skip_spaces(line);

	*ret_init = strlen(line);
	while (*p) {
		/* next_arg()'s scan: whitespace outside quotes ends the token (the
		 * leading '"' it skips toggles like any other). */
		const char *end = p, *rest;
		bool in_quote = false;
		char *name = NULL, *value = NULL;
		int err = 0;
		bool dashdash;

		for (; *end && (in_quote || !cmdline_is_space(*end)); end++)
			if (*end == '"')
				in_quote = !in_quote;
		/* parse_args(): a bare "--", as next_arg() gives it, ends the kernel's
		 * parameters. */
		rest = next_arg(p, &name, &value, &err);
		dashdash = rest && !value && streq(name, "--");
		free(name);
		free(value);
		if (!rest) {
			free(v);
			return err;
		}
		if (dashdash) {
			*ret_init = (size_t)(p - line);
			break;
		}
		if (ARRAY_GROW(v, n) < 0) {
			free(v);
			return -ENOMEM;
		}
		v[n++] = (struct cmdline_span){(size_t)(p - line), (size_t)(end - line)};
		p = rest;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* True when next_arg() on s gives exactly name and value and consumes all of s, also
 * when another argument follows: a spelling that ends inside an open quote would
 * swallow the next argument, so s is tested with a sentinel token after it. */
static bool round_trips(const char *s, const char *name, const char *value)
{
	char *n = NULL, *v = NULL;
	_cleanup_strbuf_ struct strbuf b = {0};
	const char *rest;
	int err = 0;
	bool ok;

	if (!*s || cmdline_is_space(*s) || strbuf_printf(&b, "%s _", s) < 0)
		return false;
	rest = next_arg(b.s, &n, &v, &err);
	ok = rest && streq(rest, "_") && streq(n, name) && streq_ptr(v, value);
	/* A bare "--" would end the kernel's parameters instead of being one. */
	if (ok && !v && streq(n, "--"))
		ok = false;
	free(n);
	free(v);
	return ok;
}

/* Writes candidate spelling number i of name/value into b (plainest first); false when
 * there is no such candidate. */
static bool candidate(struct strbuf *b, unsigned i, const char *name, const char *value)
{
	strbuf_done(b);
	if (value) {
		switch (i) {
		case 0:
			return strbuf_printf(b, "%s=%s", name, value) == 0;
		case 1:
			return strbuf_printf(b, "%s=\"%s\"", name, value) == 0;
		case 2:
			return strbuf_printf(b, "\"%s=%s\"", name, value) == 0;
		}
		return false;
	}
	switch (i) {
	case 0:
		return strbuf_printf(b, "%s", name) == 0;
	case 1:
		return strbuf_printf(b, "\"%s\"", name) == 0;
	}
	return false;
}

int cmdline_arg_format(const char *name, const char *value, char **ret)
{
	/* The first candidate that next_arg() reads back as the same pair wins. No escape
	 * exists on the kernel command line, so some pairs have no spelling at all. */
	struct strbuf b = {0};

	for (unsigned i = 0; candidate(&b, i, name, value); i++)
		if (round_trips(b.s, name, value)) {
			*ret = strbuf_steal(&b);
			return *ret ? 0 : -ENOMEM;
		}
	strbuf_done(&b);
	return -EINVAL;
}

int cmdline_format(const struct cmdline *c, char **ret)
{
	struct strbuf b = {0};
	int r = 0;

	for (size_t i = 0; i < c->n_args; i++) {
		_cleanup_free_ char *a = NULL;

		r = cmdline_arg_format(c->args[i].name, c->args[i].value, &a);
		if (r < 0)
			goto fail;
		if ((i > 0 && (r = strbuf_putc(&b, ' ')) < 0) ||
		    (r = strbuf_puts(&b, a)) < 0)
			goto fail;
	}
	if (c->init_args) {
		if ((r = strbuf_puts(&b, c->n_args ? " --" : "--")) < 0)
			goto fail;
		if (*c->init_args && ((r = strbuf_putc(&b, ' ')) < 0 ||
				      (r = strbuf_puts(&b, c->init_args)) < 0))
			goto fail;
	}
	*ret = strbuf_steal(&b);
	return *ret ? 0 : -ENOMEM;
fail:
	strbuf_done(&b);
	return r;
}

static char dash2underscore(char c)
{
	return (char)(c == '-' ? '_' : c);
}

bool cmdline_name_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (dash2underscore(*a) != dash2underscore(*b))
			return false;
	return *a == *b;
}

const struct cmdline_arg *cmdline_find(const struct cmdline *c, const char *name)
{
	for (size_t i = c->n_args; i > 0; i--)
		if (cmdline_name_equal(c->args[i - 1].name, name))
			return &c->args[i - 1];
	return NULL;
}

char *cmdline_name_canonical(const char *name)
{
	char *c = strdup(name);

	for (char *p = c; p && *p; p++)
		*p = dash2underscore(*p);
	return c;
}
