#include <inttypes.h>

#include "json.h"

/* Length of a valid UTF-8 sequence at p (1-4), or 0 when the bytes are not one. */
static size_t utf8_len(const unsigned char *p)
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

int json_string(struct strbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int r;

	if (!s)
		return strbuf_puts(b, "null");
	if ((r = strbuf_putc(b, '"')) < 0)
		return r;
	while (*p) {
		size_t n = utf8_len(p);

		if (n == 0) {
			r = strbuf_puts(b, "\\ufffd");
			n = 1;
		} else if (*p == '"' || *p == '\\') {
			r = strbuf_printf(b, "\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			r = strbuf_printf(b, "\\u%04x", *p);
		} else {
			r = strbuf_append(b, (const char *)p, n);
		}
		if (r < 0)
			return r;
		p += n;
	}
	return strbuf_putc(b, '"');
}

int json_key(struct strbuf *b, bool *first, const char *key)
{
	int r = *first ? 0 : strbuf_putc(b, ',');

	*first = false;
	if (r < 0 || (r = json_string(b, key)) < 0)
		return r;
	return strbuf_putc(b, ':');
}

int json_u64(struct strbuf *b, uint64_t v)
{
	return strbuf_printf(b, "%" PRIu64, v);
}
