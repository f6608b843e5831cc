/* Typed values: each accepted or refused exactly as kstrto*() and param_set_*() do. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cases.h"

#include "kparam.h"
#include "util.h"

static const struct check_cases_case {
	const char *what, *type, *value;
	int expect;
} check_cases[] = {
	{"zero is an int", "int", "0", 0},
	{"-1 is an int (auto for many amdgpu parameters)", "int", "-1", 0},
	{"INT_MAX fits", "int", "2147483647", 0},
	{"INT_MAX+1 overflows int", "int", "2147483648", -ERANGE},
	{"INT_MIN fits", "int", "-2147483648", 0},
	{"INT_MIN-1 overflows int", "int", "-2147483649", -ERANGE},
	{"0x prefix means hex", "int", "0x10", 0},
	{"a leading 0 means octal", "int", "010", 0},
	{"0800 is not octal and is refused", "int", "0800", -EINVAL},
	{"08 is refused too", "int", "08", -EINVAL},
	{"an empty value is refused", "int", "", -EINVAL},
	{"a leading + is accepted", "int", "+5", 0},
	{"-+5 is refused (no '+' after '-')", "int", "-+5", -EINVAL},
	{"leading space is refused", "int", " 5", -EINVAL},
	{"one trailing newline is accepted", "int", "5\n", 0},
	{"a trailing space is refused", "int", "5 ", -EINVAL},
	{"0x without digits is refused", "int", "0x", -EINVAL},
	{"0x1g stops at g and is refused", "int", "0x1g", -EINVAL},
	{"exponent notation is refused", "int", "1e3", -EINVAL},
	{"a bare int parameter is refused (no NOARG flag)", "int", NULL, -EINVAL},
	{"-1 is refused for uint (gartsize trap)", "uint", "-1", -EINVAL},
	{"UINT_MAX fits uint", "uint", "4294967295", 0},
	{"UINT_MAX+1 overflows uint", "uint", "4294967296", -ERANGE},
	{"0xffffffff fits uint", "uint", "0xffffffff", 0},
	{"hexint takes the default ppfeaturemask", "hexint", "0xfff7bfff", 0},
	{"hexint also takes decimal", "hexint", "4294967295", 0},
	{"hexint refuses a sign", "hexint", "-1", -EINVAL},
	{"ULONG_MAX fits ulong", "ulong", "18446744073709551615", 0},
	{"ULONG_MAX+1 overflows ulong", "ulong", "18446744073709551616", -ERANGE},
	{"pages_limit for 124 GiB fits ulong", "ulong", "32505856", 0},
	{"byte max", "byte", "255", 0},
	{"byte overflow", "byte", "256", -ERANGE},
	{"short min", "short", "-32768", 0},
	{"short overflow", "short", "32768", -ERANGE},
	{"ushort refuses negatives", "ushort", "-1", -EINVAL},
	{"long min", "long", "-9223372036854775808", 0},
	{"long overflow", "long", "9223372036854775808", -ERANGE},
	{"bool y", "bool", "y", 0},
	{"bool Y", "bool", "Y", 0},
	{"bool 1", "bool", "1", 0},
	{"bool n", "bool", "n", 0},
	{"bool N", "bool", "N", 0},
	{"bool 0", "bool", "0", 0},
	{"bool on", "bool", "on", 0},
	{"bool OFF", "bool", "OFF", 0},
	{"bool only looks at the first character: yes", "bool", "yes", 0},
	{"bool t is refused: older kernels do not take it", "bool", "t", -EINVAL},
	{"bool 2 is refused", "bool", "2", -EINVAL},
	{"bool o alone is refused", "bool", "o", -EINVAL},
	{"bool empty is refused", "bool", "", -EINVAL},
	{"a bare bool parameter means true", "bool", NULL, 0},
	{"a bare bint parameter means true", "bint", NULL, 0},
	{"a bare invbool parameter is refused", "invbool", NULL, -EINVAL},
	{"charp takes anything short", "charp", "a,b c", 0},
	{"an array of int takes a list", "array of int", "1,2,-3", 0},
	{"an empty array element is refused", "array of int", "1,,2", -EINVAL},
	{"a bad array element is refused", "array of int", "1,x", -EINVAL},
	{"an array of uint refuses -1 anywhere", "array of uint", "1,-1", -EINVAL},
};

static void test_check(void **state)
{
	/* One table case per run: *state points at it. */
	{
		const size_t i =
			(size_t)((const struct check_cases_case *)*state - check_cases);

		struct kparam_type t;
		int r;

		assert_int_equal(kparam_type_parse(check_cases[i].type, &t), 0);
		r = kparam_check(&t, check_cases[i].value);
		if (r != check_cases[i].expect)
			fail_msg("%s: %s '%s' gave %d, want %d", check_cases[i].what,
				 check_cases[i].type,
				 check_cases[i].value ? check_cases[i].value : "(bare)",
				 r, check_cases[i].expect);
	}
}

/* charp refuses more than 1024 bytes, as param_set_charp() does. */
static void test_charp_limit(void **state)
{
	char big[1026];
	struct kparam_type t;

	memset(big, 'a', sizeof(big) - 1);
	big[1025] = '\0';
	assert_int_equal(kparam_type_parse("charp", &t), 0);
	assert_int_equal(kparam_check(&t, big), -ERANGE);
	big[1024] = '\0';
	assert_int_equal(kparam_check(&t, big), 0);
}

static const struct equal_cases_case {
	const char *what, *type, *a, *b;
	int expect;
} equal_cases[] = {
	{"hex and decimal are the same int", "int", "0x10", "16", 1},
	{"octal and decimal are the same int", "int", "020", "16", 1},
	{"different ints differ", "int", "1", "2", 0},
	{"-0 equals 0", "int", "-0", "0", 1},
	{"+7 equals 7", "uint", "+7", "7", 1},
	{"Y, 1 and on are the same bool", "bool", "Y", "on", 1},
	{"y and n differ", "bool", "y", "n", 0},
	{"bare bool equals 1", "bool", NULL, "1", 1},
	{"strings compare by bytes", "charp", "abc", "abc", 1},
	{"strings differ by case", "charp", "abc", "ABC", 0},
	{"arrays compare element by element", "array of int", "1,0x2", "1,2", 1},
	{"arrays of different length differ", "array of int", "1,2", "1,2,3", 0},
	{"an unparsable value is an error, not a difference", "int", "x", "1", -EINVAL},
};

static void test_equal(void **state)
{
	/* One table case per run: *state points at it. */
	{
		const size_t i =
			(size_t)((const struct equal_cases_case *)*state - equal_cases);

		struct kparam_type t;
		int r;

		assert_int_equal(kparam_type_parse(equal_cases[i].type, &t), 0);
		r = kparam_equal(&t, equal_cases[i].a, equal_cases[i].b);
		if (r != equal_cases[i].expect)
			fail_msg("%s: got %d, want %d", equal_cases[i].what, r,
				 equal_cases[i].expect);
	}
}

/* Types are the names modinfo prints; anything else is not guessed at. */
static void test_types(void **state)
{
	struct kparam_type t;

	assert_int_equal(kparam_type_parse("array of uint", &t), 0);
	assert_true(t.array);
	assert_int_equal(t.base, KPARAM_UINT);
	assert_int_equal(kparam_type_parse("hexint", &t), 0);
	assert_int_equal(t.base, KPARAM_HEXINT);
	assert_int_equal(kparam_type_parse("float", &t), -EINVAL);
	assert_int_equal(kparam_type_parse("array of", &t), -EINVAL);
	assert_string_equal(kparam_base_name(KPARAM_BINT), "bint");
}

int main(void)
{
	/* One TAP line per table case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(check_cases) + ELEMENTSOF(equal_cases) + 2];
	size_t n = 0;

	TABLE_TESTS(tests, n, check_cases, test_check);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_charp_limit);
	TABLE_TESTS(tests, n, equal_cases, test_equal);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_types);
	return _cmocka_run_group_tests("kparam", tests, n, NULL, NULL);
}
