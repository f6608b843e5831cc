#include <errno.h>
#include <stdio.h>

#include "util.h"

const char *startswith(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

static int strbuf_fail(struct strbuf *b, int err)
{
	if (!b->err)
		b->err = err;
	return b->err;
}

static int strbuf_reserve(struct strbuf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->err)
		return b->err;
	if (extra > SIZE_MAX - b->len - 1)
		return strbuf_fail(b, -ENOMEM);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->s, cap);
	if (!p)
		return strbuf_fail(b, -ENOMEM);
	b->s = p;
	b->cap = cap;
	return 0;
}

int strbuf_append(struct strbuf *b, const char *s, size_t n)
{
	int r = strbuf_reserve(b, n);

	if (r < 0)
		return r;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int strbuf_puts(struct strbuf *b, const char *s)
{
	return strbuf_append(b, s, strlen(s));
}

int strbuf_putc(struct strbuf *b, char c)
{
	return strbuf_append(b, &c, 1);
}

int strbuf_list_add(struct strbuf *b, const char *item)
{
	if (b->len && strbuf_puts(b, ", ") < 0)
		return -ENOMEM;
	return strbuf_puts(b, item);
}

int strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n, r;

	if (b->err)
		return b->err;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return strbuf_fail(b, -EINVAL);
	r = strbuf_reserve(b, (size_t)n);
	if (r < 0)
		return r;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strbuf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

char *strbuf_steal(struct strbuf *b)
{
	char *s = b->s;

	if (b->err) {
		free(s);
		s = NULL;
	} else if (!s) {
		s = strdup("");
	}
	b->s = NULL;
	b->len = b->cap = 0;
	b->err = 0;
	return s;
}

void strbuf_done(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

int strbuf_put_escaped(struct strbuf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int r;

		if (*p < 0x20 || *p >= 0x7f || *p == '\\')
			r = strbuf_printf(b, "\\x%02x", *p);
		else
			r = strbuf_putc(b, (char)*p);
		if (r < 0)
			return r;
	}
	return 0;
}

char *escape_cmdline(const char *s)
{
	_cleanup_free_ char *t = NULL;
	size_t n;

	s += strspn(s, " \t\n");
	n = strlen(s);
	while (n && strchr(" \t\n", s[n - 1]))
		n--;
	t = strndup(s, n);
	return t ? escape_untrusted(t) : NULL;
}

char *escape_untrusted(const char *s)
{
	struct strbuf b = {0};

	if (strbuf_put_escaped(&b, s) < 0) {
		strbuf_done(&b);
		return NULL;
	}
	return strbuf_steal(&b);
}

int strdup_ptr(const char *s, char **ret)
{
	char *c = NULL;

	if (s) {
		c = strdup(s);
		if (!c)
			return -ENOMEM;
	}
	*ret = c;
	return 0;
}

void format_gib(uint64_t bytes, char buf[static 32])
{
	/* Two decimals, rounded half up, computed in integers so output never depends on
	 * the floating-point environment. */
	uint64_t hundredths = (bytes / (1ULL << 20) * 100 + 512) / 1024;

	snprintf(buf, 32, "%llu.%02llu GiB", (unsigned long long)(hundredths / 100),
		 (unsigned long long)(hundredths % 100));
}

bool rel_path_is_safe(const char *s)
{
	if (!*s || *s == '/')
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("_.-/", *c)))
			return false;
	for (const char *c = s; c; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (*c == '/' || !*c || startswith(c, "./") || streq(c, ".") ||
		    startswith(c, "../") || streq(c, ".."))
			return false;
	}
	return true;
}

int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t hex_digits(const char *s, size_t max, unsigned *ret)
{
	unsigned v = 0;
	size_t n = 0;

	for (; n < max && n < 8 && hex_value(s[n]) >= 0; n++)
		v = v << 4 | (unsigned)hex_value(s[n]);
	if (n)
		*ret = v;
	return n;
}

int next_key_value(char **cursor, unsigned *line, char **key, char **value)
{
	while (*cursor && **cursor) {
		char *l = *cursor, *next = strchr(l, '\n'), *sp;

		if (next)
			*next++ = '\0';
		*cursor = next;
		(*line)++;
		if (!*l || *l == '#')
			continue;
		sp = strchr(l, ' ');
		if (sp)
			*sp++ = '\0';
		*key = l;
		*value = sp;
		return 1;
	}
	return 0;
}

const char *read_error_text(int err)
{
	if (err == EBADF)
		return "not a regular file";
	return strerror(err);
}

int array_grow(void *arr, size_t n, size_t size)
{
	void **p = arr, *q;

	if (n >= SIZE_MAX / size)
		return -ENOMEM;
	q = realloc(*p, (n + 1) * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	return 0;
}

/* Length of a valid UTF-8 sequence at p (1-4), or 0 when the bytes are not one. */
size_t utf8_len(const unsigned char *p)
{
	size_t n;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		n = 2, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

bool utf8_valid(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);

		if (n == 0)
			return false;
		p += n;
	}
	return true;
}
