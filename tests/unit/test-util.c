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

static void test_escape(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"plain text", "plain text"},
		{"\033[2J", "\\x1b[2J"},
		{"bell\a", "bell\\x07"},
		{"back\\slash", "back\\x5cslash"},
		{"del\177", "del\\x7f"},
		{"\xc3\xa9", "\\xc3\\xa9"},
		{"", ""},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *e = escape_untrusted(cases[i].in);

		assert_string_equal(e, cases[i].want);
	}
	(void)state;
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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf_first_error),
		cmocka_unit_test(test_strbuf_empty),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_take_ptr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
