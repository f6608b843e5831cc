/* The parameter cache's entries: a round trip keeps every field, another key or a
 * damaged entry is never used. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "paramcache.h"

static struct param_def params[] = {
	{"gttsize", "int", "Size of the GTT userspace domain in megabytes (-1 = auto)"},
	{"odd\tname", NULL, "line\nbreak and \\ backslash"},
	{"dash", "-", "-"},
	{"empty", "", ""},
};

static void test_round_trip(void **state)
{
	struct module_schema s = {.params = params, .n_params = ELEMENTSOF(params)};
	struct module_schema t = {0};
	char *text = NULL;

	assert_int_equal(paramcache_format("k 1 2.000000003 4 5", &s, &text), 0);
	assert_int_equal(paramcache_parse(text, strlen(text), "k 1 2.000000003 4 5", &t),
			 0);
	assert_int_equal(t.n_params, ELEMENTSOF(params));
	for (size_t i = 0; i < t.n_params; i++) {
		assert_string_equal(t.params[i].name, params[i].name);
		assert_true(streq_ptr(t.params[i].type, params[i].type));
		assert_true(streq_ptr(t.params[i].desc, params[i].desc));
	}
	module_schema_done(&t);
	/* A reinstalled module has another key: the entry is stale, s is untouched. */
	t = (struct module_schema){0};
	assert_int_equal(paramcache_parse(text, strlen(text), "k 1 2.000000003 9 5", &t),
			 -ESTALE);
	assert_int_equal(t.n_params, 0);
	/* Every truncation of an entry is refused, never half used. */
	for (size_t n = 0; n < strlen(text); n++)
		if (paramcache_parse(text, n, "k 1 2.000000003 4 5", &t) == 0)
			fail_msg("a truncated entry (%zu bytes) was accepted", n);
	free(text);
}

static void test_corrupt(void **state)
{
	static const char *const bad[] = {
		"",
		"amdgpu-tune params 2\nkey k\nend\n",
		"amdgpu-tune params 1\nkey k\nname-only\nend\n",
		"amdgpu-tune params 1\nkey k\n\tint\tdesc\nend\n",
		"amdgpu-tune params 1\nkey k\nend\nextra\tline\there\n",
		"amdgpu-tune params 1\nkey k\na\tb\tc\\\nend\n",
	};
	struct module_schema t = {0};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (paramcache_parse(bad[i], strlen(bad[i]), "k", &t) != -EBADMSG)
			fail_msg("corrupt entry %zu was not refused", i);
	assert_int_equal(t.n_params, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_corrupt),
	};
	return cmocka_run_group_tests_name("paramcache", tests, NULL, NULL);
}
