/* Kernel command-line model: parse as lib/cmdline.c next_arg() and parse_args() do,
 * serialize so the kernel reads back every argument unchanged. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cases.h"

#include "cmdline.h"
#include "util.h"

struct parse_case {
	const char *what; /* what the case ensures */
	const char *line;
	const char *expect; /* args as name[=value] separated by '|', bare names without
			       '=' */
	const char *init;   /* expected init_args, or NULL when no "--" */
};

static const struct parse_case parse_cases[] = {
	{"plain names and values split at spaces", "quiet root=/dev/sda1 ro",
	 "quiet|root=/dev/sda1|ro", NULL},
	{"a quoted value keeps its spaces and loses its quotes", "param=\"a b\" x",
	 "param=a b|x", NULL},
	{"a token quoted as a whole loses the outer quotes", "\"param=a b\" x",
	 "param=a b|x", NULL},
	{"a bare -- ends kernel parameters and the rest goes to init", "a -- b c=d", "a",
	 "b c=d"},
	{"a trailing -- leaves init an empty string", "a --", "a", ""},
	{"--=x is a parameter with a value, not the end marker", "--=x y", "--=x|y",
	 NULL},
	{"'=' at the start of a token does not split it", "=foo bar", "=foo|bar", NULL},
	{"only the first '=' splits name from value", "a=b=c", "a=b=c", NULL},
	{"name= has an empty value", "a= b", "a=|b", NULL},
	{"tabs, newlines and carriage returns are whitespace", "a\tb\nc\r\nd", "a|b|c|d",
	 NULL},
	{"NBSP (0xa0) is whitespace for the kernel's isspace()",
	 "a\xa0"
	 "b",
	 "a|b", NULL},
	{"leading and trailing whitespace is ignored", "   a   b   ", "a|b", NULL},
	{"an empty line has no arguments", "", "", NULL},
	{"a quote inside a value stays when it does not start the value", "a=b\"c d\" e",
	 "a=b\"c d\"|e", NULL},
	{"a value starting with a quote keeps an inner quote when the token does not end with one",
	 "a=\"x y\"z w", "a=x y\"z|w", NULL},
	{"an unterminated quote swallows the rest of the line", "a=\"b c d", "a=b c d",
	 NULL},
	{"duplicates are all kept in order", "a=1 a=2", "a=1|a=2", NULL},
	{"module parameters keep their dots", "amdgpu.gttsize=1024 ttm.pages_limit=5",
	 "amdgpu.gttsize=1024|ttm.pages_limit=5", NULL},
};

static void check_parse(const struct parse_case *c)
{
	struct cmdline *cl = NULL;
	struct strbuf got = {0};

	assert_int_equal(cmdline_parse(c->line, &cl), 0);
	for (size_t i = 0; i < cl->n_args; i++) {
		if (i)
			strbuf_putc(&got, '|');
		strbuf_puts(&got, cl->args[i].name);
		if (cl->args[i].value)
			strbuf_printf(&got, "=%s", cl->args[i].value);
	}
	if (!got.s)
		strbuf_puts(&got, "");
	if (!streq(got.s, c->expect))
		fail_msg("%s: got '%s', want '%s'", c->what, got.s, c->expect);
	if (!streq_ptr(cl->init_args, c->init))
		fail_msg("%s: init '%s', want '%s'", c->what,
			 cl->init_args ? cl->init_args : "(null)",
			 c->init ? c->init : "(null)");
	strbuf_done(&got);
	cmdline_free(cl);
}

static void test_parse(void **state)
{
	check_parse(*state);
}

/* serialize(parse(x)) parses to the same arguments for every case above, and more. */
static void test_round_trip(void **state)
{
	static const char *const extra[] = {
		"a=\"x y\"z",
		"\"a b\"",
		"x=\"\"",
		"\"\"",
		"a=\"",
		"\"=x\"",
		"--=\"a b\" -- init",
		"amdgpu.vm-fragment-size=9 a=\"q\"",
		"k=\"v w\" k2=\"x\"",
	};
	for (size_t i = 0; i < ELEMENTSOF(parse_cases) + ELEMENTSOF(extra); i++) {
		const char *line = i < ELEMENTSOF(parse_cases)
					   ? parse_cases[i].line
					   : extra[i - ELEMENTSOF(parse_cases)];
		struct cmdline *a = NULL, *b = NULL;
		char *s = NULL;
		int r;

		assert_int_equal(cmdline_parse(line, &a), 0);
		r = cmdline_format(a, &s);
		if (r == -EINVAL) {
			/* Unrepresentable pairs are refused, never written wrongly. */
			cmdline_free(a);
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(cmdline_parse(s, &b), 0);
		if (a->n_args != b->n_args)
			fail_msg("'%s' -> '%s': %zu args, then %zu", line, s, a->n_args,
				 b->n_args);
		for (size_t k = 0; k < a->n_args; k++) {
			assert_string_equal(a->args[k].name, b->args[k].name);
			if (!streq_ptr(a->args[k].value, b->args[k].value))
				fail_msg("'%s' -> '%s': value of %s changed", line, s,
					 a->args[k].name);
		}
		assert_true(streq_ptr(a->init_args, b->init_args) ||
			    (a->init_args && b->init_args &&
			     streq(a->init_args, b->init_args)));
		free(s);
		cmdline_free(a);
		cmdline_free(b);
	}
}

/* Formatting quotes only when needed and refuses pairs no spelling can carry. */
static const struct fcase {
	const char *what, *name, *value, *expect;
} format_cases[] = {
	{"a plain pair is written as is", "iommu", "pt", "iommu=pt"},
	{"a value with a space is quoted", "a", "b c", "a=\"b c\""},
	{"a bare name stays bare", "quiet", NULL, "quiet"},
	{"an empty value keeps its '='", "a", "", "a="},
	{"a value with a space and a trailing quote has no spelling that ends the argument",
	 "a", "b c\"", NULL},
	{"a name containing '=' has no spelling", "a=b", NULL, NULL},
	{"a value ending in an open quote has no spelling", "a", "x y\"z", NULL},
	{"a bare -- cannot be written as a parameter", "--", NULL, NULL},
};

static void test_format(void **state)
{
	const struct fcase *c = *state;
	char *s = NULL;
	int r = cmdline_arg_format(c->name, c->value, &s);

	if (!c->expect) {
		if (r != -EINVAL)
			fail_msg("%s: got '%s'", c->what, s);
		return;
	}
	assert_int_equal(r, 0);
	if (!streq(s, c->expect))
		fail_msg("%s: got '%s', want '%s'", c->what, s, c->expect);
	free(s);
}

/* Names compare with '-' = '_' character by character, and the last duplicate wins. */
static void test_names(void **state)
{
	struct cmdline *c = NULL;
	const struct cmdline_arg *a;
	char *canon;

	assert_true(
		cmdline_name_equal("amdgpu.vm-fragment-size", "amdgpu.vm_fragment_size"));
	assert_true(cmdline_name_equal("amd-iommu", "amd_iommu"));
	assert_false(cmdline_name_equal("amdgpu.gtt_size", "amdgpu.gttsize"));
	assert_false(cmdline_name_equal("Quiet", "quiet"));
	assert_false(cmdline_name_equal("a", "ab"));
	assert_int_equal(cmdline_parse("amdgpu.noretry=1 x amdgpu.no-retry=0", &c), 0);
	a = cmdline_find(c, "amdgpu.no_retry");
	assert_non_null(a);
	assert_string_equal(a->value, "0");
	assert_null(cmdline_find(c, "amdgpu.gttsize"));
	cmdline_free(c);
	canon = cmdline_name_canonical("amdgpu.vm-fragment-size");
	assert_string_equal(canon, "amdgpu.vm_fragment_size");
	free(canon);
}

int main(void)
{
	/* One TAP line per table case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(parse_cases) + ELEMENTSOF(format_cases) + 2];
	size_t n = 0;

	TABLE_TESTS(tests, n, parse_cases, test_parse);
	TABLE_TESTS(tests, n, format_cases, test_format);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_round_trip);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_names);
	return _cmocka_run_group_tests("cmdline", tests, n, NULL, NULL);
}
