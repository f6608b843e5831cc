/* bootc's kargs.d files: what the reader takes (each accepted case's arguments are what
 * Python's tomllib, a complete TOML 1.0 parser, reads from the same text: checked by
 * tests/kargsd.sh), what it refuses and at which line, the architecture filter, and the
 * file apply writes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kargsd.h"
#include "util.h"

static const struct parse_case {
	const char *what, *text;
	const char
		*want; /* the arguments joined by '|', with ":LINE" each; NULL: refused */
	unsigned err_line;
} cases[] = {
	{"one line", "kargs = [\"a=1\", \"b\"]\n", "a=1:1|b:1", 0},
	{"no trailing newline", "kargs=[\"a\"]", "a:1", 0},
	{"literal strings", "kargs = ['console=ttyS0,115200n8', 'x']\n",
	 "console=ttyS0,115200n8:1|x:1", 0},
	{"escapes", "kargs = [\"a\\\"b\", \"c\\\\d\"]\n", "a\"b:1|c\\d:1", 0},
	{"empty array", "kargs = []\n", "", 0},
	{"multi-line with comments and a trailing comma",
	 "# head\n\nkargs = [ # the list\n  \"a\",\n\n  # b next\n  \"b\",\n]\n",
	 "a:4|b:7", 0},
	{"CRLF", "kargs = [\r\n \"a\"\r\n]\r\n", "a:2", 0},
	{"architectures after", "kargs = [\"a\"]\nmatch-architectures = [\"x86_64\"]\n",
	 "a:1", 0},
	{"architectures before", "match-architectures = ['aarch64']\nkargs = ['a']\n",
	 "a:2", 0},
	{"tab blanks", "\tkargs\t=\t[\t\"a\"\t]\t# c\n", "a:1", 0},
	{"no kargs", "match-architectures = [\"x86_64\"]\n", NULL, 2},
	{"empty file", "", NULL, 1},
	{"unknown key", "kargs = [\"a\"]\nfoo = [\"b\"]\n", NULL, 2},
	{"a table", "[install]\nkargs = [\"a\"]\n", NULL, 1},
	{"kargs twice", "kargs = [\"a\"]\nkargs = [\"b\"]\n", NULL, 2},
	{"a string, not an array", "kargs = \"a\"\n", NULL, 1},
	{"a number in the array", "kargs = [1]\n", NULL, 1},
	{"no comma", "kargs = [\"a\" \"b\"]\n", NULL, 1},
	{"a lone comma", "kargs = [,]\n", NULL, 1},
	{"two commas", "kargs = [\"a\",,]\n", NULL, 1},
	{"unclosed array", "kargs = [\"a\",\n\"b\"\n", NULL, 3},
	{"unclosed string", "kargs = [\"a]\n", NULL, 1},
	{"a line break in a string", "kargs = [\"a\nb\"]\n", NULL, 1},
	{"a multi-line string", "kargs = [\"\"\"a\"\"\"]\n", NULL, 1},
	{"a \\n escape", "kargs = [\"a\\nb\"]\n", NULL, 1},
	{"a \\u escape", "kargs = [\"\\u0041\"]\n", NULL, 1},
	{"more on the line", "kargs = [\"a\"] x\n", NULL, 1},
	{"no equals sign", "kargs [\"a\"]\n", NULL, 1},
	{"a quoted key", "\"kargs\" = [\"a\"]\n", NULL, 1},
	{"a dotted key", "kargs.x = [\"a\"]\n", NULL, 1},
	{"a control character in a comment", "# a\x01\nkargs = []\n", NULL, 1},
	{"a NUL in a string", "kargs = [\"a\0b\"]\n", NULL, 1},
	{"a bare CR", "kargs = [\"a\"]\rx\n", NULL, 1},
};

static void test_parse(void **state)
{
	const struct parse_case *c = *state;
	struct kargsd k;
	struct strbuf got = {0};
	const char *err = NULL;
	unsigned line = 0;
	/* Up to the last quote or newline of the literal: a case may hold a NUL. */
	size_t len = strlen(c->text);
	int r;

	if (streq(c->what, "a NUL in a string"))
		len = sizeof("kargs = [\"a\0b\"]\n") - 1;
	r = kargsd_parse(c->text, len, &k, &line, &err);
	if (!c->want) {
		assert_int_equal(r, -EINVAL);
		assert_non_null(err);
		assert_int_equal(line, c->err_line);
		return;
	}
	assert_int_equal(r, 0);
	for (size_t i = 0; i < k.n_kargs; i++)
		strbuf_printf(&got, "%s%s:%u", i ? "|" : "", k.kargs[i].value,
			      k.kargs[i].line);
	assert_string_equal(got.s ? got.s : "", c->want);
	strbuf_done(&got);
	kargsd_done(&k);
}

static void test_arch(void **state)
{
	struct kargsd k;
	const char *err;
	unsigned line;

	(void)state;
	assert_int_equal(kargsd_parse("kargs = ['a']\n", 14, &k, &line, &err), 0);
	assert_true(kargsd_applies(&k, "x86_64"));
	kargsd_done(&k);
	assert_int_equal(
		kargsd_parse(
			"kargs = ['a']\nmatch-architectures = ['aarch64', 'x86_64']\n",
			58, &k, &line, &err),
		0);
	assert_true(kargsd_applies(&k, "x86_64"));
	assert_false(kargsd_applies(&k, "s390x"));
	kargsd_done(&k);
	/* An empty list names none: the file applies nowhere. */
	assert_int_equal(kargsd_parse("kargs = ['a']\nmatch-architectures = []\n", 38, &k,
				      &line, &err),
			 0);
	assert_false(kargsd_applies(&k, "x86_64"));
	kargsd_done(&k);
}

static void test_format(void **state)
{
	char *args[] = {"amd_iommu=off", "amdgpu.cwsr_enable=0", NULL};
	char *bad[] = {"a\"b", NULL};
	char *out = NULL;
	struct kargsd k;
	const char *err;
	unsigned line;

	(void)state;
	assert_int_equal(kargsd_format("# head\n", args, &out), 0);
	assert_string_equal(
		out, "# head\nkargs = [\"amd_iommu=off\", \"amdgpu.cwsr_enable=0\"]\n");
	/* What apply writes, the reader takes back. */
	assert_int_equal(kargsd_parse(out, strlen(out), &k, &line, &err), 0);
	assert_int_equal(k.n_kargs, 2);
	assert_string_equal(k.kargs[1].value, "amdgpu.cwsr_enable=0");
	assert_int_equal(k.kargs[1].line, 2);
	kargsd_done(&k);
	free(out);
	assert_int_equal(kargsd_format("", bad, &out), -EINVAL);
	assert_null(out);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_arch),
		cmocka_unit_test(test_format),
	};
	struct CMUnitTest tests[ELEMENTSOF(cases) + ELEMENTSOF(fixed)];
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		tests[n++] = (struct CMUnitTest){.name = cases[i].what,
						 .test_func = test_parse,
						 .initial_state = (void *)&cases[i]};
	for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
		tests[n++] = fixed[i];
	return _cmocka_run_group_tests("kargsd", tests, n, NULL, NULL);
}
