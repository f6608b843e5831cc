#include <errno.h>
#include <stdint.h>

#include "udiff.h"

#define CONTEXT 3
/* Above this many cells the LCS table is not built: the whole file is one hunk. */
#define MAX_CELLS ((uint64_t)4 * 1024 * 1024)

struct lines {
	const char **p;
	size_t *len; /* including the '\n' when present */
	size_t n;
};

static int split(const char *s, struct lines *l)
{
	size_t cap = 0;

	*l = (struct lines){0};
	while (s && *s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) + 1 : strlen(s);

		if (l->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			const char **np = realloc(l->p, ncap * sizeof(*np));
			size_t *nlen;

			if (!np)
				return -ENOMEM;
			l->p = np;
			nlen = realloc(l->len, ncap * sizeof(*nlen));
			if (!nlen)
				return -ENOMEM;
			l->len = nlen;
			cap = ncap;
		}
		l->p[l->n] = s;
		l->len[l->n++] = len;
		s += len;
	}
	return 0;
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

enum op { OP_SAME, OP_DEL, OP_ADD };

/* The edit script as a sequence of ops, from an LCS table (or a full replacement when
 * the files are too large for one). */
static int script(const struct lines *a, const struct lines *b, enum op **ret,
		  size_t *ret_n)
{
	size_t n = a->n, m = b->n, k = 0;
	enum op *ops = malloc((n + m + 1) * sizeof(*ops));
	uint32_t *t = NULL;

	if (!ops)
		return -ENOMEM;
	if ((uint64_t)(n + 1) * (m + 1) <= MAX_CELLS) {
		t = calloc((n + 1) * (m + 1), sizeof(*t));
		if (!t) {
			free(ops);
			return -ENOMEM;
		}
	}
	if (!t) {
		for (size_t i = 0; i < n; i++)
			ops[k++] = OP_DEL;
		for (size_t j = 0; j < m; j++)
			ops[k++] = OP_ADD;
	} else {
#define T(i, j) t[(size_t)(i) * (m + 1) + (j)]
		for (size_t i = n; i-- > 0;)
			for (size_t j = m; j-- > 0;)
				T(i, j) = line_eq(a, i, b, j) ? T(i + 1, j + 1) + 1
					  : T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j)
								       : T(i, j + 1);
		for (size_t i = 0, j = 0; i < n || j < m;) {
			if (i < n && j < m && line_eq(a, i, b, j)) {
				ops[k++] = OP_SAME;
				i++, j++;
			} else if (j >= m || (i < n && T(i + 1, j) >= T(i, j + 1))) {
				ops[k++] = OP_DEL;
				i++;
			} else {
				ops[k++] = OP_ADD;
				j++;
			}
		}
#undef T
		free(t);
	}
	*ret = ops;
	*ret_n = k;
	return 0;
}

static int put_line(struct strbuf *out, char mark, const char *p, size_t len)
{
	int r = strbuf_putc(out, mark);

	if (r == 0)
		r = strbuf_append(out, p, len);
	if (r == 0 && (len == 0 || p[len - 1] != '\n'))
		r = strbuf_puts(out, "\n\\ No newline at end of file\n");
	return r;
}

/* "start,count" as diff -u writes it: the count is left out when it is 1, and an empty
 * range names the line before it. */
static int range(struct strbuf *out, size_t start, size_t count)
{
	if (count == 1)
		return strbuf_printf(out, "%zu", start + 1);
	return strbuf_printf(out, "%zu,%zu", count ? start + 1 : start, count);
}

int udiff(struct strbuf *out, const char *a_label, const char *a, const char *b_label,
	  const char *b)
{
	struct lines la = {0}, lb = {0};
	enum op *ops = NULL;
	size_t n_ops = 0;
	int r;

	if (streq_ptr(a, b) || (!a && b && !*b) || (!b && a && !*a))
		return 0;
	r = split(a, &la);
	if (r == 0)
		r = split(b, &lb);
	if (r == 0)
		r = script(&la, &lb, &ops, &n_ops);
	if (r == 0)
		r = strbuf_printf(out, "--- %s\n+++ %s\n", a ? a_label : "/dev/null",
				  b ? b_label : "/dev/null");
	for (size_t k = 0; r == 0 && k < n_ops;) {
		size_t start, end, last, i = 0, j = 0, ai, bj, an = 0, bn = 0;

		if (ops[k] == OP_SAME) {
			k++;
			continue;
		}
		/* A hunk: this change and every change within 2 * CONTEXT unchanged
		 * lines of the previous one, with CONTEXT lines around. */
		start = k >= CONTEXT ? k - CONTEXT : 0;
		last = k;
		for (size_t x = k + 1; x < n_ops && x - last <= 2 * CONTEXT + 1; x++)
			if (ops[x] != OP_SAME)
				last = x;
		end = last + 1 + CONTEXT < n_ops ? last + 1 + CONTEXT : n_ops;
		for (size_t x = 0; x < start; x++) {
			i += ops[x] != OP_ADD;
			j += ops[x] != OP_DEL;
		}
		ai = i, bj = j;
		for (size_t x = start; x < end; x++) {
			an += ops[x] != OP_ADD;
			bn += ops[x] != OP_DEL;
		}
		r = strbuf_puts(out, "@@ -");
		if (r == 0)
			r = range(out, ai, an);
		if (r == 0)
			r = strbuf_puts(out, " +");
		if (r == 0)
			r = range(out, bj, bn);
		if (r == 0)
			r = strbuf_puts(out, " @@\n");
		for (size_t x = start; r == 0 && x < end; x++) {
			if (ops[x] == OP_SAME) {
				r = put_line(out, ' ', la.p[i], la.len[i]);
				i++, j++;
			} else if (ops[x] == OP_DEL) {
				r = put_line(out, '-', la.p[i], la.len[i]);
				i++;
			} else {
				r = put_line(out, '+', lb.p[j], lb.len[j]);
				j++;
			}
		}
		k = end;
	}
	free(ops);
	free(la.p);
	free(la.len);
	free(lb.p);
	free(lb.len);
	return r;
}
