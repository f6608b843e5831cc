/* Fedora's blscfg rules: rpm's version comparison as blscfg's vercmp() does it, the
 * order of the menu (split_cmp() on entry IDs), entry files as read_entry() reads
 * them, grubenv, the expansion of options and the default entry. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "blsgrub.h"
#include "util.h"

static const struct {
	const char *a, *b;
	int want;
} versions[] = {
	{"1.0", "1.0", 0},
	{"1.0", "1.0.1", -1},
	{"2.0", "1.9.9", 1},
	{"1.0~rc1", "1.0", -1}, /* a tilde is older than anything */
	{"1.0~rc1", "1.0~rc2", -1},
	{"1.0a", "1.0", 1}, /* what is left over wins */
	{"1.a", "1.1", -1}, /* numbers beat letters */
	{"010", "10", 0},   /* leading zeros do not count */
	{"100", "99", 1},   /* more digits is larger */
	{"1_0", "1.0", 0},  /* separators only separate */
	{"abc", "abd", -1},
	{"6.17.7", "6.16.12", 1},
	{"300.fc43.x86_64+debug", "300.fc43.x86_64", 1},
	/* The plus rule: after the end, before any segment or separator. */
	{"1.0+a", "1.0a", -1},
	{"aarch64+16k", "aarch64_16k", -1},
	{"1+3", "1.2", -1},
	{"1+", "1", 1},
};

static void test_vercmp(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(versions); i++) {
		int got = blsgrub_vercmp(versions[i].a, versions[i].b);
		int back = blsgrub_vercmp(versions[i].b, versions[i].a);

		if (got != versions[i].want || back != -versions[i].want)
			fail_msg("vercmp(%s, %s) = %d (reverse %d), want %d",
				 versions[i].a, versions[i].b, got, back,
				 versions[i].want);
	}
}

#define MID "8c3e1b7f2a4d4e6f9a0b1c2d3e4f5a6b"

static int entry(struct bls_entry *e, const char *id, const char *title)
{
	char name[160], text[256];

	snprintf(name, sizeof(name), "%s.conf", id);
	snprintf(text, sizeof(text), "title %s\nlinux /vmlinuz\noptions ro id=%s\n",
		 title, id);
	return blsgrub_entry_parse(name, text, strlen(text), e);
}

/* Newest first; the rescue entry last; +debug before the plain kernel; an ID equal to
 * one already placed dropped. */
static void test_sort(void **state)
{
	static const char *const read_order[] = {
		MID "-0-rescue",
		MID "-6.16.12-200.fc42.x86_64",
		MID "-6.17.7-300.fc43.x86_64",
		MID "-6.17.7-300.fc43.x86_64+debug",
		MID "-6.17.07-300.fc43.x86_64", /* equal to 6.17.7: dropped */
		MID "-6.9.5-100.fc40.x86_64",
	};
	static const char *const want[] = {
		MID "-6.17.7-300.fc43.x86_64+debug",
		MID "-6.17.7-300.fc43.x86_64",
		MID "-6.16.12-200.fc42.x86_64",
		MID "-6.9.5-100.fc40.x86_64",
		MID "-0-rescue",
	};
	struct bls_entry v[ELEMENTSOF(read_order)];
	size_t n = ELEMENTSOF(read_order);

	(void)state;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(entry(&v[i], read_order[i], "t"), 0);
	blsgrub_sort(v, &n);
	assert_int_equal(n, ELEMENTSOF(want));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(v[i].id, want[i]);
		bls_entry_done(&v[i]);
	}
}

static void test_parse(void **state)
{
	struct bls_entry e;
	const char *t;

	(void)state;
	/* Leading blanks and comments; the first options counts; a tab separates when
	 * the line has no space. */
	t = "  # comment\ntitle\tFedora\nlinux /vmlinuz-6.17\r\noptions  ro quiet\n"
	    "options other\nversion 6.17\n";
	assert_int_equal(blsgrub_entry_parse("a-6.17-1.conf", t, strlen(t), &e), 0);
	assert_string_equal(e.id, "a-6.17-1");
	assert_string_equal(e.title, "Fedora");
	assert_string_equal(e.kernel, "/vmlinuz-6.17");
	assert_string_equal(e.options, "ro quiet");
	assert_int_equal(e.options_line, 4);
	assert_string_equal(e.version, "6.17");
	bls_entry_done(&e);
	/* An empty line ends the file: the options after it are not read. */
	t = "linux /vmlinuz\n\noptions ro\n";
	assert_int_equal(blsgrub_entry_parse("a.conf", t, strlen(t), &e), 0);
	assert_null(e.options);
	bls_entry_done(&e);
	/* A key with no value ends it too; then there is no linux: kept for the
	 * order, without a kernel. Carriage returns go wherever they are, and a NUL
	 * byte ends the text. */
	t = "title x\noptions\nlinux /vmlinuz\n";
	assert_int_equal(blsgrub_entry_parse("a.conf", t, strlen(t), &e), 0);
	assert_null(e.kernel);
	bls_entry_done(&e);
	t = "linux\r /vmlinuz\noptions ro\0 quiet\nversion 1\n";
	assert_int_equal(blsgrub_entry_parse("a.conf", t, 40, &e), 0);
	assert_string_equal(e.kernel, "/vmlinuz");
	assert_string_equal(e.options, "ro");
	assert_null(e.version);
	bls_entry_done(&e);
	/* Names blscfg does not read. */
	t = "linux /vmlinuz\n";
	assert_int_equal(blsgrub_entry_parse(".a.conf", t, strlen(t), &e), -EINVAL);
	assert_int_equal(blsgrub_entry_parse("a.cfg", t, strlen(t), &e), -EINVAL);
	assert_int_equal(blsgrub_entry_parse(".conf", t, strlen(t), &e), -EINVAL);
}

static void test_grubenv(void **state)
{
	static const char block[] = "# GRUB Environment Block\n"
				    "saved_entry=a-1-1\n"
				    "kernelopts=root=/dev/sda1 ro \\\\x\\\nrest\n"
				    "#padding\n"
				    "junk\nnext_entry=b\n"
				    "saved_entry=a-2-1\n"
				    "last=no newline";
	struct grubenv env;

	(void)state;
	assert_int_equal(grubenv_parse(block, strlen(block), &env), 0);
	/* The last assignment counts; '\' escapes a backslash and a newline. */
	assert_string_equal(grubenv_get(&env, "saved_entry"), "a-2-1");
	assert_string_equal(grubenv_get(&env, "kernelopts"),
			    "root=/dev/sda1 ro \\x\nrest");
	/* A name runs to the next '=', across a line: "junk\nnext_entry". */
	assert_null(grubenv_get(&env, "next_entry"));
	assert_string_equal(grubenv_get(&env, "junk\nnext_entry"), "b");
	/* A value without its newline ends the block unread. */
	assert_null(grubenv_get(&env, "last"));
	grubenv_done(&env);
	assert_int_equal(grubenv_parse("saved_entry=x\n", 14, &env), -EBADMSG);
	/* The signature alone is no block. */
	assert_int_equal(grubenv_parse(block, 25, &env), -EBADMSG);
}

static void test_options(void **state)
{
	static const char block[] = "# GRUB Environment Block\n"
				    "kernelopts=root=/dev/sda1 ro  rhgb\n"
				    "tuned_params=skew_tick=1\n"
				    "default_kernelopts=root=/dev/sda2 ro\n"
				    "empty=\n"
				    "quoted=a\"b\n";
	struct grubenv env;
	const char *why;
	char *s;

	(void)state;
	assert_int_equal(grubenv_parse(block, strlen(block), &env), 0);
	assert_int_equal(
		blsgrub_options("$kernelopts $tuned_params", &env, NULL, &s, &why), 0);
	assert_string_equal(s, "root=/dev/sda1 ro rhgb skew_tick=1");
	free(s);
	/* An unset variable is nothing; nothing left takes default_kernelopts. */
	assert_int_equal(blsgrub_options("$unset", &env, NULL, &s, &why), 0);
	assert_string_equal(s, "root=/dev/sda2 ro");
	free(s);
	assert_int_equal(blsgrub_options(NULL, &env, NULL, &s, &why), 0);
	assert_string_equal(s, "root=/dev/sda2 ro");
	free(s);
	/* expand_val()'s quirks: a one-byte piece before a variable or at the end is
	 * lost; an unset variable first, ended by '$', leaves nothing at all; a set
	 * but empty one still counts as something added. */
	assert_int_equal(blsgrub_options("$kernelopts q", &env, NULL, &s, &why), 0);
	assert_string_equal(s, "root=/dev/sda1 ro rhgb");
	free(s);
	assert_int_equal(blsgrub_options("x$tuned_params", &env, NULL, &s, &why), 0);
	assert_string_equal(s, "skew_tick=1");
	free(s);
	assert_int_equal(blsgrub_options("$unset$tuned_params", &env, NULL, &s, &why), 0);
	assert_string_equal(s, "root=/dev/sda2 ro");
	free(s);
	assert_int_equal(blsgrub_options("$empty", &env, NULL, &s, &why), 0);
	assert_string_equal(s, "");
	free(s);
	/* A variable grubenv lacks but grub.cfg sets (Fedora's kernelopts fallback)
	 * is not computed. */
	{
		char *sets[] = {"kernelopts", "other", NULL};

		assert_int_equal(blsgrub_options("$other ro", &env, sets, &s, &why), 1);
		assert_int_equal(blsgrub_options("$kernelopts", &env, sets, &s, &why), 0);
		free(s);
	}
	/* What GRUB's script parser would read again is not computed. */
	assert_int_equal(blsgrub_options("${kernelopts}", &env, NULL, &s, &why), 1);
	assert_non_null(why);
	assert_int_equal(blsgrub_options("ro $quoted", &env, NULL, &s, &why), 1);
	assert_int_equal(blsgrub_options("ro a=\"b c\"", &env, NULL, &s, &why), 1);
	assert_int_equal(blsgrub_options("ro quiet;reboot", &env, NULL, &s, &why), 1);
	assert_int_equal(blsgrub_options("ro #comment", &env, NULL, &s, &why), 1);
	assert_int_equal(blsgrub_options("ro a#b", &env, NULL, &s, &why), 0);
	free(s);
	grubenv_done(&env);
}

static void test_default(void **state)
{
	static const char *const ids[] = {MID "-6.17.7-300.fc43.x86_64",
					  MID "-6.16.12-200.fc42.x86_64",
					  MID "-0-rescue"};
	static const char *const titles[] = {"Fedora 6.17", "Fedora 6.16", "Rescue"};
	struct bls_entry v[3];
	struct grubenv env, none = {0};
	const char *rule;
	static const char block[] = "# GRUB Environment Block\n"
				    "saved_entry=" MID "-6.16.12-200.fc42.x86_64\n";
	static const char once[] = "# GRUB Environment Block\n"
				   "saved_entry=Fedora 6.16\nnext_entry=2\n";
	static const char by_title[] = "# GRUB Environment Block\n"
				       "saved_entry=Fedora 6.16\n";

	(void)state;
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(entry(&v[i], ids[i], titles[i]), 0);
	assert_int_equal(grubenv_parse(block, strlen(block), &env), 0);
	/* GRUB_DEFAULT=saved: saved_entry, by ID. */
	assert_int_equal(blsgrub_default(v, 3, "saved", &env, false, &rule), 1);
	grubenv_done(&env);
	/* next_entry before it, a whole number being an index. */
	assert_int_equal(grubenv_parse(once, strlen(once), &env), 0);
	assert_int_equal(blsgrub_default(v, 3, "saved", &env, false, &rule), 2);
	grubenv_done(&env);
	/* saved_entry matched by title. */
	assert_int_equal(grubenv_parse(by_title, strlen(by_title), &env), 0);
	assert_int_equal(blsgrub_default(v, 3, "saved", &env, false, &rule), 1);
	grubenv_done(&env);
	/* GRUB_DEFAULT unset or 0: the first; a title; nothing matching: the first,
	 * unless grub.cfg has entries of its own. */
	assert_int_equal(blsgrub_default(v, 3, NULL, &none, false, &rule), 0);
	assert_int_equal(blsgrub_default(v, 3, "Rescue", &none, false, &rule), 2);
	assert_int_equal(blsgrub_default(v, 3, "saved", &none, false, &rule), 0);
	assert_int_equal(blsgrub_default(v, 3, "Windows", &none, false, &rule), 0);
	assert_int_equal(blsgrub_default(v, 3, "Windows", &none, true, &rule), -1);
	assert_int_equal(blsgrub_default(v, 3, "7", &none, false, &rule), 0);
	/* Numbers in base 0, as grub_strtoul() reads them; a submenu's '>'. */
	assert_int_equal(blsgrub_default(v, 3, "0x1", &none, false, &rule), 1);
	assert_int_equal(blsgrub_default(v, 3, "02", &none, false, &rule), 2);
	assert_int_equal(blsgrub_default(v, 3, "Rescue>x", &none, false, &rule), 2);
	assert_int_equal(blsgrub_default(v, 0, NULL, &none, false, &rule), -1);
	for (size_t i = 0; i < 3; i++)
		bls_entry_done(&v[i]);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vercmp),	cmocka_unit_test(test_sort),
		cmocka_unit_test(test_parse),	cmocka_unit_test(test_grubenv),
		cmocka_unit_test(test_options), cmocka_unit_test(test_default),
	};

	return cmocka_run_group_tests_name("blsgrub", tests, NULL, NULL);
}
