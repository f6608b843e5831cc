/* The string buffer every writer uses: it remembers its first failure, so a text is
 * never missing a piece in the middle; and escaping of untrusted text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cases.h"
#include "util.h"

static void test_strbuf_first_error(void **state)
{
	struct strbuf b = {0};
	char *s;

	assert_int_equal(strbuf_puts(&b, "start "), 0);
	/* An append that cannot fit fails without touching memory ... */
	assert_int_equal(strbuf_append(&b, "x", SIZE_MAX), -ENOMEM);
	/* ... and every later one fails too, whatever it is. */
	assert_int_equal(strbuf_puts(&b, "end"), -ENOMEM);
	assert_int_equal(strbuf_printf(&b, "%d", 42), -ENOMEM);
	assert_int_equal(strbuf_putc(&b, '.'), -ENOMEM);
	assert_int_equal(strbuf_error(&b), -ENOMEM);
	assert_string_equal(b.s, "start ");
	/* The text is not handed out as if whole. */
	assert_null(strbuf_steal(&b));
	assert_null(b.s);
	/* A stolen-from buffer is a fresh one. */
	assert_int_equal(strbuf_error(&b), 0);
	assert_int_equal(strbuf_puts(&b, "again"), 0);
	s = strbuf_steal(&b);
	assert_string_equal(s, "again");
	free(s);
	(void)state;
}

static void test_strbuf_empty(void **state)
{
	struct strbuf b = {0};
	char *s = strbuf_steal(&b);

	assert_string_equal(s, "");
	free(s);
	(void)state;
}

/* What reaches a terminal from an untrusted string: control bytes, backslashes and
 * non-ASCII bytes as \xNN. */
static const struct ecase {
	const char *what, *in, *want;
} escape_cases[] = {
	{"plain text is kept", "plain text", "plain text"},
	{"an escape sequence cannot reach the terminal", "\033[2J", "\\x1b[2J"},
	{"a bell is shown, not rung", "bell\a", "bell\\x07"},
	{"a backslash is escaped, so escapes are unambiguous", "back\\slash",
	 "back\\x5cslash"},
	{"DEL is escaped", "del\177", "del\\x7f"},
	{"bytes above ASCII are escaped", "\xc3\xa9", "\\xc3\\xa9"},
	{"an empty string stays empty", "", ""},
};

static void test_escape(void **state)
{
	const struct ecase *c = *state;
	_cleanup_free_ char *e = escape_untrusted(c->in);

	if (!e || !streq(e, c->want))
		fail_msg("%s: got '%s'", c->what, e ? e : "(null)");
}

/* Hexadecimal digits as the kernel prints ids and PCI addresses; what sscanf's %x would
 * also take (a sign, blanks, 0x) is not a digit. */
static const struct hcase {
	const char *what, *in;
	size_t max, want_n;
	unsigned want;
} hex_cases[] = {
	{"four digits of a PCI id", "1586:x", 4, 4, 0x1586},
	{"upper and lower case alike", "aBcD", 4, 4, 0xabcd},
	{"the count stops at max", "12345", 2, 2, 0x12},
	{"a longer domain is read whole", "10000:00", 8, 5, 0x10000},
	{"never more than 8 digits", "123456789", 9, 8, 0x12345678},
	{"a sign is not a digit", "-1", 4, 0, 0},
	{"a blank is not a digit", " 1", 4, 0, 0},
	{"0x is not a prefix", "0x1f", 4, 1, 0},
	{"an empty string has none", "", 4, 0, 0},
};

static void test_hex_digits(void **state)
{
	const struct hcase *c = *state;
	unsigned v = 0;
	size_t n = hex_digits(c->in, c->max, &v);

	if (n != c->want_n || v != c->want)
		fail_msg("%s: got %zu digits, %#x", c->what, n, v);
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid(""));
	assert_true(utf8_valid("kargs = [\"a\"]"));
	assert_true(utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
	assert_false(utf8_valid("caf\xe9"));	      /* Latin-1 */
	assert_false(utf8_valid("\xc0\xaf"));	      /* overlong '/' */
	assert_false(utf8_valid("\xed\xa0\x80"));     /* a surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80")); /* past U+10FFFF */
	assert_false(utf8_valid("\xe2\x82"));	      /* cut short by the end */
	assert_int_equal(utf8_len((const unsigned char *)"\xe2\x82\xac"), 3);
}

static void test_take_ptr(void **state)
{
	_cleanup_free_ char *owned = strdup("x");
	char *taken = TAKE_PTR(owned);

	assert_null(owned);
	assert_string_equal(taken, "x");
	free(taken);
	(void)state;
}

int main(void)
{
	/* One TAP line per table case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(escape_cases) + ELEMENTSOF(hex_cases) + 4];
	size_t n = 0;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_strbuf_first_error);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_strbuf_empty);
	TABLE_TESTS(tests, n, escape_cases, test_escape);
	TABLE_TESTS(tests, n, hex_cases, test_hex_digits);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_take_ptr);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_utf8);
	return _cmocka_run_group_tests("util", tests, n, NULL, NULL);
}
