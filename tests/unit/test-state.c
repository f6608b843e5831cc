/* The state file: what apply recorded. Read by the strict shared reader of our record
 * files; every line of a version 2 record is validated, and version 1 files (written
 * before the settings were recorded) are still read. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cases.h"
#include "state.h"
#include "util.h"

#define HEAD "version 2\nprofile strix-halo\n"

static const struct tcase {
	const char *what, *text;
	unsigned line;	   /* of the finding; 0 for accepted text */
	const char *error; /* part of the message; NULL for accepted text */
} cases[] = {
	{"a version 1 file without the record is read", "version 1\nprofile rdna1\n", 0,
	 NULL},
	{"a version 2 file with every kind of line is read",
	 HEAD "memory 137438953472\nkernel 6.12.117+deb12-amd64\n"
	      "setting modprobe ttm pages_limit=25165824\nsetting cmdline - iommu=pt\n"
	      "setting cmdline - nomodeset\nsetting cmdline amdgpu vm-fragment-size=9\n"
	      "setting cmdline - rd.driver.pre=amdgpu\n",
	 0, NULL},
	{"a version 2 file that set nothing is read", HEAD, 0, NULL},
	{"a version 3 file is refused", "version 3\nprofile x\n", 1, "unknown"},
	{"the record in a version 1 file is refused",
	 "version 1\nprofile x\nsetting cmdline - iommu=pt\n", 3,
	 "setting in a version 1 state"},
	{"memory in a version 1 file is refused", "version 1\nprofile x\nmemory 1\n", 3,
	 "memory in a version 1 state"},
	{"a memory with a unit is refused", HEAD "memory 128GiB\n", 3, "memory"},
	{"a memory with a leading zero is refused", HEAD "memory 0128\n", 3, "memory"},
	{"a memory of zero is refused", HEAD "memory 0\n", 3, "memory"},
	{"a memory that overflows is refused", HEAD "memory 99999999999999999999\n", 3,
	 "memory"},
	{"memory twice is refused", HEAD "memory 1\nmemory 1\n", 4, "repeated memory"},
	{"memory-from option is read", HEAD "memory 1\nmemory-from option\n", 0, NULL},
	{"memory-from meminfo is read", HEAD "memory 1\nmemory-from meminfo\n", 0, NULL},
	{"memory-from assumed is read", HEAD "memory 1\nmemory-from assumed\n", 0, NULL},
	{"memory-from without memory before it is refused", HEAD "memory-from option\n",
	 3, "no memory before it"},
	{"memory-from before memory is refused", HEAD "memory-from option\nmemory 1\n", 3,
	 "no memory before it"},
	{"memory-from of another source is refused", HEAD "memory 1\nmemory-from guess\n",
	 4, "memory-from"},
	{"memory-from twice is refused",
	 HEAD "memory 1\nmemory-from option\nmemory-from option\n", 5, "repeated"},
	{"memory-from in a version 1 file is refused with its memory line",
	 "version 1\nprofile x\nmemory 1\nmemory-from option\n", 3,
	 "memory in a version 1 state"},
	{"a kernel with a slash is refused", HEAD "kernel ../../etc\n", 3, "kernel"},
	{"a kernel that starts with a dot is refused", HEAD "kernel ..\n", 3, "kernel"},
	{"kernel twice is refused", HEAD "kernel 6.1\nkernel 6.1\n", 4, "kernel"},
	{"a setting without a module field is refused", HEAD "setting cmdline iommu=pt\n",
	 3, "WHERE MODULE PARAM"},
	{"a setting with a fourth field is refused",
	 HEAD "setting cmdline - iommu=pt x\n", 3, "WHERE MODULE PARAM"},
	{"a setting for another place is refused", HEAD "setting initrd - iommu=pt\n", 3,
	 "cmdline or modprobe"},
	{"a kernel parameter in modprobe.d is refused",
	 HEAD "setting modprobe - iommu=pt\n", 3, "invalid setting"},
	{"a value outside the allowlist is refused",
	 HEAD "setting cmdline - iommu=$(reboot)\n", 3, "invalid setting"},
	{"a value with a quote is refused", HEAD "setting cmdline - a=\"b\"\n", 3,
	 "invalid setting"},
	{"a value starting with -- is refused", HEAD "setting cmdline - a=--b\n", 3,
	 "invalid setting"},
	{"a module with a dot is refused", HEAD "setting modprobe a.b c=1\n", 3,
	 "invalid setting"},
	{"a name starting with - is refused", HEAD "setting cmdline - -x=1\n", 3,
	 "invalid setting"},
	{"an empty parameter name is refused", HEAD "setting cmdline - =1\n", 3,
	 "invalid setting"},
	{"the same setting twice is refused, whatever its spelling",
	 HEAD "setting modprobe amdgpu vm_fragment_size=9\n"
	      "setting modprobe amdgpu vm-fragment-size=9\n",
	 4, "repeated setting"},
	{"an unknown key is refused", HEAD "wanted ttm.pages_limit=1\n", 3,
	 "unknown key"},
	{"a version 1 file's tokens that are settings as apply writes them are read",
	 "version 1\nprofile x\ntoken iommu=pt\ntoken amdgpu.vm_fragment_size=9\n"
	 "token nomodeset\ntoken rd.driver.pre=amdgpu\n",
	 0, NULL},
	{"a version 1 token whose name has a character no setting's name has is refused",
	 "version 1\nprofile x\ntoken a,b=1\n", 3, "no command-line setting"},
	{"a version 1 token whose value has a character no setting's value has is refused",
	 "version 1\nprofile x\ntoken a=b=c\n", 3, "no command-line setting"},
	{"a version 1 token with an empty name is refused",
	 "version 1\nprofile x\ntoken =1\n", 3, "no command-line setting"},
	{"a version 1 token whose value starts with -- is refused",
	 "version 1\nprofile x\ntoken a=--b\n", 3, "no command-line setting"},
	{"a version 1 token that names a parameter twice is refused, whatever its spelling",
	 "version 1\nprofile x\ntoken amdgpu.vm_fragment_size=9\n"
	 "token amdgpu.vm-fragment-size=10\n",
	 4, "repeated token"},
	{"the file the tokens are in is read",
	 HEAD "setting cmdline - iommu=pt\ntokens-in etc/default/grub\ntoken iommu=pt\n",
	 0, NULL},
	{"tokens in a file we own as a whole are refused",
	 HEAD "tokens-in etc/default/grub.d/90-amdgpu-tune.cfg\n", 3, "tokens-in"},
	{"tokens in a file we never change are refused", HEAD "tokens-in etc/fstab\n", 3,
	 "tokens-in"},
	{"tokens-in twice is refused",
	 HEAD "tokens-in etc/default/grub\ntokens-in etc/kernel/cmdline\n", 4,
	 "tokens-in"},
	{"a version 2 token that is no recorded setting is refused",
	 HEAD "setting cmdline - iommu=pt\ntoken iommu=pt\ntoken root=/dev/sda1\n", 0,
	 "no setting the state records"},
};

static void test_cases(void **state)
{
	/* One table case per run: *state points at it. */
	{
		const size_t i = (size_t)((const struct tcase *)*state - cases);

		struct diag_list d = {0};
		struct state *s = NULL;
		int r = state_parse("state", cases[i].text, strlen(cases[i].text), &s,
				    &d);

		if (!cases[i].error && r != 0)
			fail_msg("%s: refused: %s", cases[i].what,
				 d.n ? d.items[0].message : "?");
		if (cases[i].error &&
		    (r != -EBADMSG || d.n != 1 || d.items[0].line != cases[i].line ||
		     !streq(d.items[0].file, "state") ||
		     !strstr(d.items[0].message, cases[i].error)))
			fail_msg("%s: r=%d, finding '%s' at line %u", cases[i].what, r,
				 d.n ? d.items[0].message : "none",
				 d.n ? d.items[0].line : 0);
		state_free(s);
		diag_list_done(&d);
	}
}

/* A version 1 file has no record: the caller falls back to planning again. */
static void test_version_1(void **state)
{
	static const char text[] =
		"version 1\nprofile rdna1\nfile etc/x "
		"0000000000000000000000000000000000000000000000000000000000000000\n";
	struct diag_list d = {0};
	struct state *s = NULL;

	assert_int_equal(state_parse("state", text, strlen(text), &s, &d), 0);
	assert_null(s->applied);
	assert_false(s->has_memory);
	assert_null(s->kernel);
	assert_string_equal(s->profile, "rdna1");
	state_free(s);
	diag_list_done(&d);
}

/* Frees what a plan on the stack holds (through a state, whose free function frees its
 * plan). */
static void free_plan_on_stack(struct plan pl)
{
	struct state *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->applied = calloc(1, sizeof(*s->applied));
	assert_non_null(s->applied);
	*s->applied = pl;
	state_free(s);
}

/* The file the tokens are in is written when it is not etc/kernel/cmdline (what an
 * older amdgpu-tune reads), and read back. */
static void test_tokens_in(void **state)
{
	static const char *const files[] = {GRUB_DEFAULTS, KERNEL_CMDLINE};
	char *tokens[] = {"nomodeset", NULL};

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		struct plan pl = {0};
		struct state w = {.profile = "strix-halo",
				  .applied = &pl,
				  .tokens = tokens,
				  .tokens_in = (char *)files[i]};
		struct diag_list d = {0};
		struct state *s = NULL;
		char *text = NULL;

		assert_int_equal(plan_append(&pl, NULL, "nomodeset", NULL, WHERE_CMDLINE),
				 0);
		assert_int_equal(state_format(&w, &text), 0);
		assert_int_equal(strstr(text, "tokens-in ") != NULL, i == 0);
		assert_int_equal(state_parse("state", text, strlen(text), &s, &d), 0);
		assert_string_equal(state_tokens_file(s), files[i]);
		assert_string_equal(s->tokens[0], "nomodeset");
		free(text);
		state_free(s);
		diag_list_done(&d);
		free_plan_on_stack(pl);
	}
	assert_string_equal(state_tokens_file(NULL), KERNEL_CMDLINE);
	(void)state;
}

/* What apply writes is read back as the same plan: names, places, values, the inputs. */
static void test_round_trip(void **state)
{
	struct plan pl = {0};
	struct state w = {.profile = "strix-halo",
			  .has_memory = true,
			  .memory = UINT64_C(137438953472),
			  .memory_from = MEMORY_FROM_ASSUMED,
			  .kernel = "6.1.0-56-amd64",
			  .applied = &pl};
	struct diag_list d = {0};
	struct state *s = NULL;
	char *text = NULL;

	assert_int_equal(
		plan_append(&pl, "ttm", "pages_limit", "25165824", WHERE_MODPROBE), 0);
	assert_int_equal(
		plan_append(&pl, "amdgpu", "vm-fragment-size", "9", WHERE_CMDLINE), 0);
	assert_int_equal(plan_append(&pl, NULL, "nomodeset", NULL, WHERE_CMDLINE), 0);
	assert_int_equal(plan_append(&pl, NULL, "empty", "", WHERE_CMDLINE), 0);
	assert_int_equal(state_format(&w, &text), 0);
	assert_non_null(strstr(text, "version 2\n"));
	assert_int_equal(state_parse("state", text, strlen(text), &s, &d), 0);
	assert_true(s->has_memory);
	assert_true(s->memory == UINT64_C(137438953472));
	assert_int_equal(s->memory_from, MEMORY_FROM_ASSUMED);
	assert_string_equal(s->kernel, "6.1.0-56-amd64");
	assert_non_null(s->applied);
	assert_int_equal(s->applied->n_settings, 4);
	for (size_t i = 0; i < pl.n_settings; i++) {
		const struct setting *a = &pl.settings[i], *b = &s->applied->settings[i];

		assert_string_equal(a->name, b->name);
		assert_true(streq_ptr(a->module, b->module));
		assert_string_equal(a->param, b->param);
		assert_true(streq_ptr(a->value, b->value));
		assert_int_equal(a->where, b->where);
	}
	assert_string_equal(s->applied->settings[1].name, "amdgpu.vm_fragment_size");
	assert_int_equal(plan_describe_changes(&pl, s->applied, &(struct strbuf){0}), 0);
	free(text);
	state_free(s);
	diag_list_done(&d);
	free_plan_on_stack(pl);
}

/* A setting the reader would refuse is not written either. */
static void test_format_refuses(void **state)
{
	struct plan pl = {0};
	struct state w = {.profile = "x", .applied = &pl};
	char *text = NULL;

	assert_int_equal(plan_append(&pl, NULL, "iommu", "pt", WHERE_MODPROBE), 0);
	assert_int_equal(state_format(&w, &text), -EINVAL);
	assert_null(text);
	w.applied = NULL;
	assert_int_equal(state_format(&w, &text), 0);
	assert_non_null(strstr(text, "version 1\n"));
	free(text);
	{
		struct state *s = calloc(1, sizeof(*s));

		s->applied = calloc(1, sizeof(*s->applied));
		*s->applied = pl;
		state_free(s);
	}
}

int main(void)
{
	/* One TAP line per table case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(cases) + 4];
	size_t n = 0;

	TABLE_TESTS(tests, n, cases, test_cases);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_version_1);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_round_trip);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_tokens_in);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_format_refuses);
	return _cmocka_run_group_tests("state", tests, n, NULL, NULL);
}
