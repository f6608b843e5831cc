/* The trial boot's record (trial.h): read strictly, as every record of ours; written so
 * that it reads back; the arguments a plan gives a trial entry; and the readers of what
 * GRUB made of it (grub.cfg's entry) and of a command line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cases.h"
#include "strv.h"
#include "trial.h"
#include "util.h"

#define HEAD "version 1\nid 1796519575\nprofile strix-halo\nloader debian-grub\n"

static const struct tcase {
	const char *what, *text;
	unsigned line;	   /* of the finding; 0 for accepted text or the whole file */
	const char *error; /* part of the message; NULL for accepted text */
} cases[] = {
	{"a record with every kind of line is read",
	 "# comment\n" HEAD "memory 68719476736\nmemory-from option\n"
	 "kernel 6.12.57+deb13-amd64\narg ttm.pages_limit=12582912\narg iommu=pt\n",
	 0, NULL},
	{"a record without an argument is refused", HEAD, 0, "arg missing"},
	{"a record without an id is refused",
	 "version 1\nprofile x\nloader debian-grub\narg iommu=pt\n", 0, "missing"},
	{"a record without a version is refused",
	 "id 1\nprofile x\nloader debian-grub\narg iommu=pt\n", 0, "missing"},
	{"version 2 is refused", "version 2\n", 1, "version"},
	{"an id that is not digits is refused", "version 1\nid 12a\n", 2, "id"},
	{"an id of more than 20 digits is refused",
	 "version 1\nid 123456789012345678901\n", 2, "id"},
	{"an id twice is refused", "version 1\nid 1\nid 2\n", 3, "repeated id"},
	{"a profile name with a slash is refused", "version 1\nprofile ../x\n", 2,
	 "profile"},
	{"a loader with a blank is refused", "version 1\nloader a b\n", 2, "loader"},
	{"a kernel with a slash is refused", HEAD "kernel ../../etc\n", 5, "kernel"},
	{"a memory with a unit is refused", HEAD "memory 64GiB\n", 5, "memory"},
	{"memory-from without memory is refused", HEAD "memory-from option\n", 5,
	 "no memory before it"},
	{"an argument with a blank is refused", HEAD "arg a b\n", 5, "argument"},
	{"an argument with a quote is refused", HEAD "arg a=\"b\"\n", 5, "argument"},
	{"an argument that is an option is refused", HEAD "arg -x\n", 5, "argument"},
	{"an argument with a shell character is refused", HEAD "arg a=$(reboot)\n", 5,
	 "argument"},
	{"an argument whose name is a path is refused",
	 HEAD "arg amdgpu.../../../../etc/shadow=1\n", 5, "argument"},
	{"an argument whose module is a path is refused", HEAD "arg ../x.y=1\n", 5,
	 "argument"},
	{"an argument with two dots in its name is refused", HEAD "arg a.b.c=1\n", 5,
	 "argument"},
	{"an argument whose name ends in a dot is refused", HEAD "arg amdgpu.=1\n", 5,
	 "argument"},
	{"an argument without a name is refused", HEAD "arg =1\n", 5, "argument"},
	{"a value with a slash is read", HEAD "arg root=/dev/sda1\n", 0, NULL},
	{"an empty id is refused", "version 1\nid \n", 2, "id"},
	{"an unknown key is refused", HEAD "arg iommu=pt\nentry x\n", 6, "unknown key"},
	{"a key without a value is refused", HEAD "arg\n", 5, "without a value"},
};

static void test_cases(void **state)
{
	const struct tcase *c = *state;
	struct diag_list d = {0};
	struct trial *t = NULL;
	int r = trial_parse("trial", c->text, strlen(c->text), &t, &d);

	if (!c->error && r != 0)
		fail_msg("%s: refused: %s", c->what, d.n ? d.items[0].message : "?");
	if (c->error && (r != -EBADMSG || t || d.n != 1 || d.items[0].line != c->line ||
			 !strstr(d.items[0].message, c->error)))
		fail_msg("%s: r=%d, finding '%s' at line %u", c->what, r,
			 d.n ? d.items[0].message : "none", d.n ? d.items[0].line : 0);
	trial_free(t);
	diag_list_done(&d);
}

static void test_nul(void **state)
{
	static const char text[] = HEAD "arg iommu=pt\n\0arg x=1\n";
	struct diag_list d = {0};
	struct trial *t = NULL;

	(void)state;
	assert_int_equal(trial_parse("trial", text, sizeof(text) - 1, &t, &d), -EBADMSG);
	assert_null(t);
	diag_list_done(&d);
}

/* What trial_format() writes, trial_parse() reads back as it was. */
static void test_round_trip(void **state)
{
	char *args[] = {"ttm.pages_limit=12582912", "iommu=pt", NULL};
	struct trial w = {.id = "17",
			  .profile = "strix-halo",
			  .loader = "debian-grub",
			  .has_memory = true,
			  .memory = 68719476736u,
			  .memory_from = MEMORY_FROM_ASSUMED,
			  .kernel = "6.1.0-57-amd64",
			  .args = args};
	struct diag_list d = {0};
	struct trial *t = NULL;
	char *text = NULL, marker[64];

	(void)state;
	assert_int_equal(trial_format(&w, &text), 0);
	assert_int_equal(trial_parse("trial", text, strlen(text), &t, &d), 0);
	assert_string_equal(t->id, "17");
	assert_string_equal(t->profile, "strix-halo");
	assert_string_equal(t->loader, "debian-grub");
	assert_true(t->has_memory);
	assert_true(t->memory == 68719476736u);
	assert_int_equal(t->memory_from, MEMORY_FROM_ASSUMED);
	assert_string_equal(t->kernel, "6.1.0-57-amd64");
	assert_int_equal(strv_length(t->args), 2);
	assert_string_equal(t->args[1], "iommu=pt");
	assert_string_equal(trial_marker(t, marker), "amdgpu_tune.trial=17");
	free(text);
	/* An argument that would not read back is not written. */
	args[1] = "a b";
	assert_int_equal(trial_format(&w, &text), -EINVAL);
	trial_free(t);
	diag_list_done(&d);
}

/* Every setting as the command line carries it; one that cannot be written safely is
 * an error naming its profile line. */
static void test_args(void **state)
{
	struct setting s[] = {
		{.name = "ttm.pages_limit", .value = "12582912", .where = WHERE_MODPROBE},
		{.name = "iommu", .value = "pt", .where = WHERE_CMDLINE},
		{.name = "nomodeset", .where = WHERE_CMDLINE},
		{.name = "amdgpu.x", .value = "a;b", .file = "p.conf", .line = 7},
	};
	struct plan pl = {.settings = s, .n_settings = 3};
	struct diag_list d = {0};
	char **args = NULL;

	(void)state;
	assert_int_equal(trial_args(&pl, &args, &d), 0);
	assert_int_equal(strv_length(args), 3);
	assert_string_equal(args[0], "ttm.pages_limit=12582912");
	assert_string_equal(args[1], "iommu=pt");
	assert_string_equal(args[2], "nomodeset");
	strv_free(args);
	args = NULL;
	pl.n_settings = 4;
	assert_int_equal(trial_args(&pl, &args, &d), -EINVAL);
	assert_null(args);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].file, "p.conf");
	assert_int_equal(d.items[0].line, 7);
	diag_list_done(&d);
	pl.n_settings = 0;
	assert_int_equal(trial_args(&pl, &args, &d), -EINVAL);
	assert_non_null(strstr(d.items[0].message, "nothing to try"));
	diag_list_done(&d);
}

/* The trial entry's linux line in a grub.cfg as update-grub writes it. */
static void test_grubcfg(void **state)
{
	static const char cfg[] =
		"menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'gnulinux-simple-x' {\n"
		"\tlinux\t/boot/vmlinuz-6.1 root=/dev/vda ro quiet\n}\n"
		"### BEGIN /etc/grub.d/42_amdgpu-tune-trial ###\n"
		"menuentry \"amdgpu-tune trial: strix-halo\" --id amdgpu-tune-trial {\n"
		"\tload_video\n"
		"\techo\t'Loading Linux 6.1 ...'\n"
		"\tlinux\t/boot/vmlinuz-6.1 root=/dev/vda ro  quiet ttm.pages_limit=1 amdgpu_tune.trial=5\n"
		"\tinitrd\t/boot/initrd.img-6.1\n}\n";
	char **args = NULL;

	(void)state;
	assert_int_equal(grubcfg_trial_args(cfg, &args), 0);
	assert_int_equal(strv_length(args), 5);
	assert_string_equal(args[0], "root=/dev/vda");
	assert_string_equal(args[4], "amdgpu_tune.trial=5");
	strv_free(args);
	/* No such entry, or one without a linux line: nothing. */
	assert_int_equal(grubcfg_trial_args("menuentry 'x' {\n\tlinux /v a\n}\n", &args),
			 0);
	assert_null(args);
	assert_int_equal(
		grubcfg_trial_args("menuentry \"t\" --id amdgpu-tune-trial {\n}\n"
				   "menuentry 'x' {\n\tlinux /v a\n}\n",
				   &args),
		0);
	assert_null(args);
}

static void test_words(void **state)
{
	(void)state;
	assert_true(words_have("a amdgpu_tune.trial=5 b\n", "amdgpu_tune.trial=5"));
	assert_true(words_have("amdgpu_tune.trial=5", "amdgpu_tune.trial=5"));
	assert_false(words_have("amdgpu_tune.trial=55\n", "amdgpu_tune.trial=5"));
	assert_false(words_have("xamdgpu_tune.trial=5\n", "amdgpu_tune.trial=5"));
	assert_false(words_have("", "amdgpu_tune.trial=5"));
	/* A trial's marker: its id alone, as a word of its own. */
	{
		struct trial t = {.id = "17"};

		assert_true(
			trial_on_cmdline("root=/dev/vda1 amdgpu_tune.trial=17\n", &t));
		assert_false(
			trial_on_cmdline("root=/dev/vda1 amdgpu_tune.trial=171\n", &t));
		assert_false(trial_on_cmdline("amdgpu_tune.trial=1", &t));
	}
}

int main(void)
{
	struct CMUnitTest tests[ELEMENTSOF(cases) + 6];
	size_t n = 0;

	TABLE_TESTS(tests, n, cases, test_cases);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_nul);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_round_trip);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_args);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_grubcfg);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_words);
	return _cmocka_run_group_tests("trial", tests, n, NULL, NULL);
}
