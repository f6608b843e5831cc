#include <errno.h>

#include "cmdline.h"
#include "srcline.h"

static int reserve(struct srcline *l, size_t n)
{
	size_t need = l->text.len + n;

	if (need > l->cap) {
		size_t cap = l->cap ? l->cap : 64;
		struct src *s;

		while (cap < need)
			cap *= 2;
		s = realloc(l->src, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		l->src = s;
		l->cap = cap;
	}
	return 0;
}

int srcline_append(struct srcline *l, const char *p, size_t n, struct src at)
{
	size_t start = l->text.len;

	if (reserve(l, n) < 0 || strbuf_append(&l->text, p, n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		l->src[start + i] = at;
	return 0;
}

int srcline_append_line(struct srcline *l, const struct srcline *o)
{
	size_t start = l->text.len, n = o->text.len;

	if (n == 0)
		return 0;
	if (reserve(l, n) < 0 || strbuf_append(&l->text, o->text.s, n) < 0)
		return -ENOMEM;
	memcpy(l->src + start, o->src, n * sizeof(*o->src));
	return 0;
}

void srcline_done(struct srcline *l)
{
	strbuf_done(&l->text);
	free(l->src);
	*l = (struct srcline){0};
}

/* Splits what follows "--" (a suffix of l's text) into a->tail, every further "--"
 * included, as kmod reads it. */
static int split_tail(const struct srcline *l, const char *tail, struct sargs *a)
{
	size_t off = strlen(l->text.s) - strlen(tail);
	_cleanup_free_ char *rest = strdup(tail);

	while (rest) {
		struct cmdline *c = NULL;
		struct sarg *n;
		int r = cmdline_parse(rest, &c);

		if (r < 0)
			return r;
		n = realloc(a->tail, (a->n_tail + c->n_args + 1) * sizeof(*n));
		if (!n) {
			cmdline_free(c);
			return -ENOMEM;
		}
		a->tail = n;
		for (size_t i = 0; i < c->n_args; i++) {
			a->tail[a->n_tail++] = (struct sarg){
				.name = c->args[i].name,
				.value = c->args[i].value,
				.at = l->src[off + c->args[i].offset],
			};
			c->args[i].name = c->args[i].value = NULL;
		}
		free(rest);
		rest = NULL;
		if (c->init_args) {
			off += strlen(l->text.s + off) - strlen(c->init_args);
			rest = c->init_args;
			c->init_args = NULL;
		} else {
			cmdline_free(c);
			return 0;
		}
		cmdline_free(c);
	}
	return -ENOMEM;
}

int srcline_args(const struct srcline *l, struct sargs *ret)
{
	_cleanup_cmdline_ struct cmdline *c = NULL;
	struct sargs a = {0};
	int r = cmdline_parse(l->text.s ? l->text.s : "", &c);

	if (r < 0)
		return r;
	if (c->n_args) {
		a.v = calloc(c->n_args, sizeof(*a.v));
		if (!a.v)
			return -ENOMEM;
	}
	/* Take the strings over from the parsed line. */
	for (size_t i = 0; i < c->n_args; i++) {
		a.v[i].name = c->args[i].name;
		a.v[i].value = c->args[i].value;
		a.v[i].at = l->src[c->args[i].offset];
		c->args[i].name = c->args[i].value = NULL;
	}
	a.n = c->n_args;
	a.init_args = c->init_args;
	c->init_args = NULL;
	r = a.init_args ? split_tail(l, a.init_args, &a) : 0;
	if (r < 0) {
		sargs_done(&a);
		return r;
	}
	*ret = a;
	return 0;
}

void sargs_done(struct sargs *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].value);
	}
	free(a->v);
	for (size_t i = 0; i < a->n_tail; i++) {
		free(a->tail[i].name);
		free(a->tail[i].value);
	}
	free(a->tail);
	free(a->init_args);
	*a = (struct sargs){0};
}

const struct sarg *sargs_find(const struct sargs *a, const char *name)
{
	for (size_t i = a->n; i-- > 0;)
		if (cmdline_name_equal(a->v[i].name, name))
			return &a->v[i];
	return NULL;
}
