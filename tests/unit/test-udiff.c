/* Unified diffs as `diff -u` prints them (expected outputs taken from GNU diff 3.8). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cases.h"
#include "udiff.h"

static const struct tcase {
	const char *what, *a, *b, *expect;
} cases[] = {
	{"equal texts give nothing", "a\n", "a\n", ""},
	{"two absent files give nothing", NULL, NULL, ""},
	{"changes more than six lines apart make two hunks",
	 "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n",
	 "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nL\nm\nn\n",
	 "--- A\n+++ B\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -9,5 +9,6 @@\n i\n j\n"
	 " k\n-l\n+L\n m\n+n\n"},
	{"changes six lines apart make one hunk", "a\nb\nc\nd\ne\nf\ng\nh\ni\n",
	 "A\nb\nc\nd\ne\nf\ng\nH\ni\n",
	 "--- A\n+++ B\n@@ -1,9 +1,9 @@\n-a\n+A\n b\n c\n d\n e\n f\n g\n-h\n+H\n i\n"},
	{"a new file is all additions", NULL, "x\ny\n",
	 "--- /dev/null\n+++ B\n@@ -0,0 +1,2 @@\n+x\n+y\n"},
	{"a removed file is all deletions", "x\n", NULL,
	 "--- A\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"},
	{"a missing final newline is marked", "x\n", "x\ny",
	 "--- A\n+++ B\n@@ -1 +1,2 @@\n x\n+y\n\\ No newline at end of file\n"},
};

static void test_cases(void **state)
{
	/* One table case per run: *state points at it. */
	{
		const size_t i = (size_t)((const struct tcase *)*state - cases);

		struct strbuf b = {0};

		assert_int_equal(udiff(&b, "A", cases[i].a, "B", cases[i].b), 0);
		if (!streq(b.s ? b.s : "", cases[i].expect))
			fail_msg("%s: got\n%s", cases[i].what, b.s ? b.s : "");
		strbuf_done(&b);
	}
}

int main(void)
{
	/* One TAP line per table case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(cases) + 0];
	size_t n = 0;

	TABLE_TESTS(tests, n, cases, test_cases);
	return _cmocka_run_group_tests("udiff", tests, n, NULL, NULL);
}
