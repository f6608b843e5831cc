/* OSTree's staged deployment file: what the reader takes from files GLib serialized as
 * libostree writes them (staged-vectors.h, made by tests/staged/vectors.py), and that
 * every cut or changed byte of one is read safely (refused, or read as another valid
 * value: never out of bounds, which the sanitizer build checks). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "staged.h"
#include "strv.h"
#include "util.h"
#include "staged-vectors.h"

static void read_ok(const unsigned char *v, size_t n, const char *want, bool locked)
{
	struct staged s;
	const char *why = NULL;
	struct strbuf got = {0};

	assert_int_equal(staged_parse(v, n, &s, &why), 0);
	assert_int_equal(s.locked, locked);
	if (!want) {
		assert_null(s.kargs);
	} else {
		for (size_t i = 0; s.kargs[i]; i++)
			strbuf_printf(&got, "%s%s", i ? "|" : "", s.kargs[i]);
		assert_string_equal(got.s ? got.s : "", want);
		strbuf_done(&got);
	}
	staged_done(&s);
}

static void test_vectors(void **state)
{
	(void)state;
	read_ok(vec_small, sizeof(vec_small), "rhgb|quiet", false);
	read_ok(vec_fedora, sizeof(vec_fedora),
		"rhgb|quiet|root=UUID=1234-abcd|rootflags=subvol=root|rw|amdgpu.gttsize=126976",
		false);
	read_ok(vec_locked, sizeof(vec_locked), "quiet", true);
	read_ok(vec_unlocked, sizeof(vec_unlocked), "quiet", false);
	read_ok(vec_no_kargs, sizeof(vec_no_kargs), NULL, false);
	read_ok(vec_empty_kargs, sizeof(vec_empty_kargs), "", false);
}

/* The deployment the file stages: "target"'s name and stateroot. */
static void test_target(void **state)
{
	struct staged s;
	const char *why;
	char want[80];

	(void)state;
	assert_int_equal(staged_parse(vec_fedora, sizeof(vec_fedora), &s, &why), 0);
	snprintf(want, sizeof(want), "%.64s.0",
		 "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
	assert_string_equal(s.name, want);
	assert_string_equal(s.osname, "fedora");
	staged_done(&s);
}

static void test_big(void **state)
{
	struct staged s;
	const char *why;
	char want[64];

	(void)state;
	/* Over 255 bytes: two-byte framing offsets, in the file and in "kargs". */
	assert_true(sizeof(vec_big) > 0xff);
	assert_int_equal(staged_parse(vec_big, sizeof(vec_big), &s, &why), 0);
	assert_int_equal(strv_length(s.kargs), 40);
	snprintf(want, sizeof(want), "arg39=%s",
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_string_equal(s.kargs[39], want);
	staged_done(&s);
}

/* Every prefix of a file is read safely; none but the whole is the same file. */
static void test_cut(void **state)
{
	(void)state;
	for (size_t n = 0; n < sizeof(vec_fedora); n++) {
		unsigned char *copy = malloc(n ? n : 1);
		struct staged s;
		const char *why = NULL;
		int r;

		assert_non_null(copy);
		memcpy(copy, vec_fedora, n);
		r = staged_parse(copy, n, &s, &why);
		/* The empty file is the empty dictionary. */
		if (n == 0) {
			assert_int_equal(r, 0);
			assert_null(s.kargs);
		} else {
			assert_int_equal(r, -EBADMSG);
			assert_non_null(why);
			assert_null(s.kargs);
		}
		staged_done(&s);
		free(copy);
	}
}

/* Every byte changed to every value: read safely, and when read, the arguments are
 * strings the kernel could take. */
static void test_flip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vec_small); i++)
		for (unsigned b = 0; b < 256; b++) {
			unsigned char *copy = malloc(sizeof(vec_small));
			struct staged s;
			const char *why = NULL;

			assert_non_null(copy);
			memcpy(copy, vec_small, sizeof(vec_small));
			copy[i] = (unsigned char)b;
			if (staged_parse(copy, sizeof(vec_small), &s, &why) == 0)
				for (size_t k = 0; s.kargs && s.kargs[k]; k++)
					assert_true(utf8_valid(s.kargs[k]));
			staged_done(&s);
			free(copy);
		}
}

/* Padding that is not zero is not normal form. */
static void test_padding(void **state)
{
	unsigned char copy[sizeof(vec_small)];
	struct staged s;
	const char *why;

	(void)state;
	memcpy(copy, vec_small, sizeof(copy));
	/* "target" and its NUL are 7 bytes: byte 7 aligns the variant to 8. */
	assert_memory_equal(copy, "target\0\0", 8);
	copy[7] = 1;
	assert_int_equal(staged_parse(copy, sizeof(copy), &s, &why), -EBADMSG);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors), cmocka_unit_test(test_target),
		cmocka_unit_test(test_big),	cmocka_unit_test(test_cut),
		cmocka_unit_test(test_flip),	cmocka_unit_test(test_padding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
