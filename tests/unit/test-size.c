/* Sizes in profiles: binary units or a percentage of RAM, resolved to whole pages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cases.h"
#include "size.h"
#include "util.h"

#define GiB (UINT64_C(1) << 30)

static const struct size_case {
	const char *what, *text;
	int expect;
	bool percent;
	uint64_t value;
} cases[] = {
	{"GiB is 2^30 bytes", "96GiB", 0, false, 96 * GiB},
	{"MiB is 2^20 bytes", "98304MiB", 0, false, 96 * GiB},
	{"KiB is 2^10 bytes", "4KiB", 0, false, 4096},
	{"TiB is 2^40 bytes", "1TiB", 0, false, 1024 * GiB},
	{"a percentage of RAM", "90%", 0, true, 90},
	{"100% is the whole of RAM", "100%", 0, true, 100},
	{"0% is refused", "0%", -ERANGE, false, 0},
	{"over 100% is refused", "101%", -ERANGE, false, 0},
	{"zero bytes is refused", "0GiB", -ERANGE, false, 0},
	{"a number without a unit is refused", "96", -EINVAL, false, 0},
	{"GB is refused as ambiguous", "96GB", -EINVAL, false, 0},
	{"G alone is refused as ambiguous", "96G", -EINVAL, false, 0},
	{"fractions are refused", "1.5GiB", -EINVAL, false, 0},
	{"leading zeros are refused", "096GiB", -EINVAL, false, 0},
	{"a sign is refused", "-1GiB", -EINVAL, false, 0},
	{"hex is refused", "0x10GiB", -EINVAL, false, 0},
	{"a space before the unit is refused", "96 GiB", -EINVAL, false, 0},
	{"overflow in the number is refused", "99999999999999999999GiB", -ERANGE, false,
	 0},
	{"overflow in the shift is refused", "99999999TiB", -ERANGE, false, 0},
	{"an empty size is refused", "", -EINVAL, false, 0},
};

static void test_parse(void **state)
{
	const struct size_case *c = *state;
	struct size_spec s = {0};
	const char *hint = NULL;
	int r = size_parse(c->text, &s, &hint);

	assert_int_equal(r, c->expect);
	if (r == 0) {
		assert_int_equal(s.percent, c->percent);
		assert_int_equal(s.value, c->value);
	}
	if (r == -EINVAL)
		assert_non_null(hint); /* a hint for the user */
}

/* Percentages resolve against MemTotal and round down to whole pages. */
static void test_resolve(void **state)
{
	struct size_spec s;
	uint64_t b;

	assert_int_equal(size_parse("75%", &s, NULL), 0);
	assert_int_equal(size_resolve(&s, 128 * GiB, 4096, &b), 0);
	assert_int_equal(b, 96 * GiB);
	assert_int_equal(b / 4096, 25165824);
	assert_int_equal(size_parse("90%", &s, NULL), 0);
	assert_int_equal(size_resolve(&s, 1000000000, 4096, &b), 0);
	assert_int_equal(b % 4096, 0);
	assert_true(b <= 900000000 && b > 900000000 - 4096);
	assert_int_equal(size_parse("1KiB", &s, NULL), 0);
	assert_int_equal(size_resolve(&s, 128 * GiB, 4096, &b), -ERANGE);
	/* 64 KiB pages (arm64, ppc64le): the same intent gives fewer pages. */
	assert_int_equal(size_parse("96GiB", &s, NULL), 0);
	assert_int_equal(size_resolve(&s, 128 * GiB, 65536, &b), 0);
	assert_int_equal(b / 65536, 1572864);
}

static void test_format(void **state)
{
	char buf[32];

	format_gib(96 * GiB, buf);
	assert_string_equal(buf, "96.00 GiB");
	format_gib(GiB / 2, buf);
	assert_string_equal(buf, "0.50 GiB");
	format_gib(127 * GiB + 512 * (UINT64_C(1) << 20), buf);
	assert_string_equal(buf, "127.50 GiB");
}

/* MemTotal as meminfo_proc_show() writes it; what does not read as a number is not it,
 * and what would overflow is refused rather than wrapped. */
static void test_memtotal(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(
		size_memtotal("MemTotal:       131072000 kB\nMemFree: 1 kB\n", &v), 0);
	assert_true(v == UINT64_C(131072000) * 1024);
	assert_int_equal(size_memtotal("MemFree: 1 kB\nMemTotal:\t64 kB", &v), 0);
	assert_true(v == UINT64_C(64) * 1024);
	assert_int_equal(size_memtotal("MemTotal: -5 kB\nMemTotal: 8 kB\n", &v), 0);
	assert_true(v == UINT64_C(8) * 1024);
	assert_int_equal(size_memtotal("MemTotal: 8 MB\n", &v), -ENODATA);
	assert_int_equal(size_memtotal("MemTotal: 8 kBytes\n", &v), -ENODATA);
	assert_int_equal(size_memtotal("XMemTotal: 8 kB\n", &v), -ENODATA);
	assert_int_equal(size_memtotal("", &v), -ENODATA);
	assert_int_equal(size_memtotal("MemTotal: 0 kB\n", &v), -ERANGE);
	assert_int_equal(size_memtotal("MemTotal: 18014398509481984 kB\n", &v), -ERANGE);
	assert_int_equal(size_memtotal("MemTotal: 99999999999999999999999 kB\n", &v),
			 -ERANGE);
}

int main(void)
{
	/* One TAP line per size case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(cases) + 3];
	size_t n = 0;

	TABLE_TESTS(tests, n, cases, test_parse);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_resolve);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_format);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_memtotal);
	return _cmocka_run_group_tests("size", tests, n, NULL, NULL);
}
