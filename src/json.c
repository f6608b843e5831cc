#include <inttypes.h>

#include "json.h"

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
