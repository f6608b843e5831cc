#include <errno.h>
#include <stdarg.h>

#include "diag.h"

static int diag_addv(struct diag_list *l, enum diag_level level, const char *file,
		     unsigned line, const char *fmt, va_list ap)
{
	struct strbuf b = {0};
	char *f = NULL;

	if (strbuf_vprintf(&b, fmt, ap) < 0 || strdup_ptr(file, &f) < 0)
		goto oom;
	if (ARRAY_GROW(l->items, l->n) < 0)
		goto oom;
	l->items[l->n++] = (struct diag){
		.level = level,
		.file = f,
		.line = line,
		.message = strbuf_steal(&b),
	};
	return l->items[l->n - 1].message ? 0 : -ENOMEM;
oom:
	free(f);
	strbuf_done(&b);
	return -ENOMEM;
}

int diag_add(struct diag_list *l, enum diag_level level, const char *file, unsigned line,
	     const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_addv(l, level, file, line, fmt, ap);
	va_end(ap);
	return r;
}

int diag_error(struct diag_list *l, int err, const char *file, unsigned line,
	       const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_addv(l, DIAG_ERROR, file, line, fmt, ap);
	va_end(ap);
	return r < 0 ? r : err;
}

int diag_warning(struct diag_list *l, const char *file, unsigned line, const char *fmt,
		 ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_addv(l, DIAG_WARNING, file, line, fmt, ap);
	va_end(ap);
	return r;
}

size_t diag_count(const struct diag_list *l, enum diag_level level)
{
	size_t c = 0;

	for (size_t i = 0; i < l->n; i++)
		c += l->items[i].level == level;
	return c;
}

void diag_demote(struct diag_list *l, size_t from)
{
	for (size_t i = from; i < l->n; i++)
		l->items[i].level = DIAG_WARNING;
}

void diag_list_done(struct diag_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].file);
		free(l->items[i].message);
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void diag_sort(struct diag_list *l)
{
	/* Insertion sort: stable, and lists are a few dozen findings at most. */
	for (size_t i = 1; i < l->n; i++) {
		struct diag x = l->items[i];
		size_t j = i;

		for (; j > 0; j--) {
			const struct diag *p = &l->items[j - 1];
			int c = !p->file  ? (x.file ? 1 : 0)
				: !x.file ? -1
					  : strcmp(p->file, x.file);

			if (c < 0 || (c == 0 && p->line <= x.line))
				break;
			l->items[j] = *p;
		}
		l->items[j] = x;
	}
}
