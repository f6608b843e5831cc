#include <errno.h>
#include <stdarg.h>

#include "diag.h"

int diag_add(struct diag_list *l, enum diag_level level, bool forcible, const char *file,
	     unsigned line, const char *fmt, ...)
{
	struct strbuf b = {0};
	struct diag *n;
	char *f = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (r < 0 || strdup_ptr(file, &f) < 0)
		goto oom;
	n = realloc(l->items, (l->n + 1) * sizeof(*n));
	if (!n)
		goto oom;
	l->items = n;
	l->items[l->n++] = (struct diag){
		.level = level, .file = f, .line = line, .message = strbuf_steal(&b),
		.forcible = forcible,
	};
	return l->items[l->n - 1].message ? 0 : -ENOMEM;
oom:
	free(f);
	strbuf_done(&b);
	return -ENOMEM;
}

size_t diag_count(const struct diag_list *l, enum diag_level level)
{
	size_t c = 0;

	for (size_t i = 0; i < l->n; i++)
		c += l->items[i].level == level;
	return c;
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
