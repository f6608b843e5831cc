/* Profile language: the reader's limits, every rule with its file:line, include and
 * unset, and reasons taken from comments. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cases.h"
#include "profile.h"
#include "render.h"
#include "util.h"

#define HEAD "[profile]\ndescription = test\n"

static const struct tcase {
	const char *what, *text;
	unsigned line;	 /* expected error line; 0 with err NULL means success */
	const char *err; /* substring of the expected error */
} cases[] = {
	{"a minimal profile parses", HEAD, 0, NULL},
	{"every section and key parses",
	 HEAD
	 "match = gfx1151 1002:1586\nplacement = cmdline\n[memory]\ngtt = 90%\npage_pool = 1GiB\nmtype = default\n[kernel]\niommu = pt\nnomodeset =\n[module amdgpu]\nnoretry = 0\n",
	 0, NULL},
	{"a description is required", "[memory]\ngtt = 1GiB\n", 0, "no description"},
	{"an unknown section is refused at its line", HEAD "[memroy]\ngtt = 1GiB\n", 3,
	 "unknown section [memroy]"},
	{"a section with spaces inside the brackets is refused", HEAD "[ memory ]\n", 3,
	 "unknown section"},
	{"a module section needs a valid module name", HEAD "[module a.b]\nx = 1\n", 3,
	 "unknown section"},
	{"a repeated section is refused", HEAD "[kernel]\na = 1\n[kernel]\nb = 2\n", 5,
	 "repeated (first at line 3)"},
	{"a section name over 49 bytes is refused",
	 HEAD "[module aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n", 3,
	 "unknown section"},
	{"a duplicate key is refused with the first line",
	 HEAD "[kernel]\niommu = pt\niommu = off\n", 5,
	 "duplicate key 'iommu' (first at line 4)"},
	{"dashes and underscores make the same module option",
	 HEAD "[module amdgpu]\nvm_fragment_size = 9\nvm-fragment-size = 9\n", 5,
	 "duplicate key"},
	{"a repeated include is refused, not silently replaced",
	 HEAD "include = a\ninclude = b\n", 4,
	 "duplicate key 'include' (first at line 3)"},
	{"a repeated description is refused", HEAD "description = again\n", 3,
	 "duplicate key 'description' (first at line 2)"},
	{"a repeated match is refused", HEAD "match = gfx1030\nmatch = gfx1031\n", 4,
	 "duplicate key 'match'"},
	{"an unknown [profile] key is refused", HEAD "colour = red\n", 3,
	 "unknown key 'colour'"},
	{"an unknown [memory] key is refused", HEAD "[memory]\ngtt_size = 1GiB\n", 4,
	 "unknown key 'gtt_size'"},
	{"a size without unit is refused with a hint", HEAD "[memory]\ngtt = 96\n", 4,
	 "needs a unit"},
	{"a bad mtype is refused", HEAD "[memory]\nmtype = uc\n", 4, "mtype 'uc'"},
	{"a bad placement is refused", HEAD "placement = grub\n", 3, "placement 'grub'"},
	{"a bad match token is refused", HEAD "match = navi21\n", 3, "match 'navi21'"},
	{"a key outside any section is refused", "x = 1\n" HEAD, 1, "outside a section"},
	{"shell command substitution in a value is refused",
	 HEAD "[kernel]\nx = $(reboot)\n", 4, "only letters"},
	{"backticks in a value are refused", HEAD "[kernel]\nx = `id`\n", 4,
	 "only letters"},
	{"a quote in a value is refused", HEAD "[kernel]\nx = a\"b\n", 4, "only letters"},
	{"a space in a value is refused", HEAD "[module amdgpu]\nx = a b\n", 4,
	 "only letters"},
	{"a '#' comment after a value is not a comment and is refused",
	 HEAD "[kernel]\nx = 1 # c\n", 4, "inline comments start with"},
	{"a name starting with '-' is refused", HEAD "[kernel]\n-x = 1\n", 4,
	 "not starting with '-'"},
	{"a dot in a module option name is refused", HEAD "[module amdgpu]\na.b = 1\n", 4,
	 "only letters"},
	{"a non-ASCII byte in a value is refused", HEAD "[kernel]\nx = \xc3\xa9\n", 4,
	 "\\xc3\\xa9"},
	{"a control byte in a name is refused and escaped",
	 HEAD "[kernel]\nx\x1b[31m = 1\n", 4, "\\x1b"},
	{"a line without '=' is a syntax error", HEAD "[kernel]\njunk\n", 4,
	 "syntax error"},
	{"an indented line is refused, not taken as a continuation",
	 HEAD "[kernel]\na = 1\n  b = 2\n", 5, "indented line"},
	{"a section header without ']' is refused", HEAD "[kernel\n", 3, "without ']'"},
	{"unset without include is refused", HEAD "[kernel]\nunset = iommu\n", 4,
	 "unset without include"},
	{"unset of something no section can hold is refused",
	 HEAD "include = x\n[memory]\nunset = colour\n", 5, "unset 'colour'"},
	{"include must name a profile", HEAD "include = ../etc/passwd\n", 3,
	 "not a profile name"},
};

static void test_cases(void **state)
{
	/* One table case per run: *state points at it. */
	{
		const size_t i = (size_t)((const struct tcase *)*state - cases);

		struct diag_list d = {0};
		struct profile *p = NULL;
		int r = profile_parse("t", "t.conf", cases[i].text, strlen(cases[i].text),
				      &p, &d);

		if (!cases[i].err) {
			if (r != 0)
				fail_msg("%s: refused: %s", cases[i].what,
					 d.n ? d.items[0].message : "?");
		} else {
			struct strbuf shown = {0};

			if (r != -EINVAL || d.n == 0)
				fail_msg("%s: accepted", cases[i].what);
			/* As the user sees it: rendering escapes what the profile
			 * held. */
			assert_int_equal(render_diag(&shown, &d.items[0]), 0);
			if (d.items[0].line != cases[i].line ||
			    !strstr(shown.s, cases[i].err))
				fail_msg("%s: got line %u '%s'", cases[i].what,
					 d.items[0].line, shown.s);
			assert_string_equal(d.items[0].file, "t.conf");
			strbuf_done(&shown);
		}
		profile_free(p);
		diag_list_done(&d);
	}
}

/* The reader refuses a line that does not fit inih's buffer instead of letting inih
 * split it, and a NUL byte at its line. */
static void test_reader_limits(void **state)
{
	char buf[400];
	struct diag_list d = {0};
	struct profile *p = NULL;
	int n;

	n = snprintf(buf, sizeof(buf), HEAD "[kernel]\nx = ");
	memset(buf + n, 'a', 198);
	buf[n + 198] = '\n';
	assert_int_equal(profile_parse("t", "t.conf", buf, (size_t)n + 199, &p, &d),
			 -EINVAL);
	assert_int_equal(d.items[0].line, 4);
	assert_non_null(strstr(d.items[0].message, "line longer than 198 bytes"));
	diag_list_done(&d);

	/* exactly 198 bytes fits */
	n = snprintf(buf, sizeof(buf), HEAD "[kernel]\nx = ");
	memset(buf + n, 'a', 198 - 4);
	buf[n + 194] = '\n';
	assert_int_equal(profile_parse("t", "t.conf", buf, (size_t)n + 195, &p, &d), 0);
	profile_free(p);
	p = NULL;
	diag_list_done(&d);

	memcpy(buf, HEAD "[kernel]\nx = 1\0\n", sizeof(HEAD) + 16);
	assert_int_equal(profile_parse("t", "t.conf", buf, sizeof(HEAD) + 15, &p, &d),
			 -EINVAL);
	assert_int_equal(d.items[0].line, 4);
	assert_non_null(strstr(d.items[0].message, "NUL byte"));
	diag_list_done(&d);
}

/* The comment block above a key, or the inline comment after it, is its reason. */
static void test_reasons(void **state)
{
	static const char text[] = HEAD
		"[kernel]\n# why iommu\n# second line\niommu = pt\n\n# orphan\n\nquiet = ; inline why\n[module amdgpu]\nvm_fragment_size = 9\n";
	struct diag_list d = {0};
	struct profile *p = NULL;
	const struct psection *k, *m;

	assert_int_equal(profile_parse("t", "t.conf", text, sizeof(text) - 1, &p, &d), 0);
	k = profile_section(p, PSECTION_KERNEL, NULL);
	assert_string_equal(psection_get(k, "iommu")->reason, "why iommu second line");
	assert_int_equal(psection_get(k, "iommu")->line, 6);
	assert_string_equal(psection_get(k, "quiet")->reason, "inline why");
	assert_string_equal(psection_get(k, "quiet")->value, "");
	m = profile_section(p, PSECTION_MODULE, "amdgpu");
	assert_null(psection_get(m, "vm_fragment_size")->reason);
	assert_non_null(psection_get(m, "vm-fragment-size"));
	profile_free(p);
	diag_list_done(&d);
}

/* In-memory profiles for include tests. */
static const struct {
	const char *name, *text;
} lib[] = {
	{"base",
	 "[profile]\ndescription = base\nmatch = gfx1151\nplacement = cmdline\n[memory]\ngtt = 50%\npage_pool = 1GiB\n[kernel]\niommu = pt\n[module amdgpu]\ncwsr_enable = 0\nnoretry = 1\n"},
	{"mid", "[profile]\ndescription = mid\ninclude = base\n[memory]\ngtt = 75%\n"},
	{"loop-a", "[profile]\ndescription = a\ninclude = loop-b\n"},
	{"loop-b", "[profile]\ndescription = b\ninclude = loop-a\n"},
	{"self", "[profile]\ndescription = s\ninclude = self\n"},
	{"broken", "[profile]\ndescription = x\n[kernel]\nx = $(id)\n"},
	{"d1", "[profile]\ndescription = d\ninclude = d2\n"},
	{"d2", "[profile]\ndescription = d\ninclude = d3\n"},
	{"d3", "[profile]\ndescription = d\ninclude = d4\n"},
	{"d4", "[profile]\ndescription = d\ninclude = d5\n"},
	{"d5", "[profile]\ndescription = d\ninclude = d6\n"},
	{"d6", "[profile]\ndescription = d\ninclude = d7\n"},
	{"d7", "[profile]\ndescription = d\ninclude = d8\n"},
	{"d8", "[profile]\ndescription = d\ninclude = d9\n"},
	{"d9", "[profile]\ndescription = d\ninclude = base\n"},
};

static int loader(void *u, const char *name, char **ret_file, char **ret_buf,
		  size_t *ret_len, struct diag_list *d)
{
	for (size_t i = 0; i < ELEMENTSOF(lib); i++)
		if (streq(lib[i].name, name)) {
			struct strbuf f = {0};

			strbuf_printf(&f, "%s.conf", name);
			*ret_file = strbuf_steal(&f);
			*ret_buf = strdup(lib[i].text);
			*ret_len = strlen(lib[i].text);
			return 0;
		}
	return diag_add(d, DIAG_ERROR, NULL, 0, "no profile '%s'", name) ?: -ENOENT;
}

static int resolve_text(const char *text, struct profile **ret, struct diag_list *d)
{
	struct profile *top = NULL;
	int r = profile_parse("top", "top.conf", text, strlen(text), &top, d);

	if (r == 0)
		r = profile_resolve(top, loader, NULL, ret, d);
	profile_free(top);
	return r;
}

static void test_include(void **state)
{
	struct diag_list d = {0};
	struct profile *p = NULL;
	const struct psection *mem, *mod;

	/* A child overrides, unsets and adds; description and match are its own. */
	assert_int_equal(
		resolve_text(
			"[profile]\ndescription = top\ninclude = mid\nunset = placement\n[memory]\nunset = page_pool\n[kernel]\namd_iommu = off\n[module amdgpu]\nunset = cwsr-enable\nnoretry = 0\n",
			&p, &d),
		0);
	assert_string_equal(p->description, "top");
	assert_null(p->match[0]);
	assert_string_equal(p->chain[0], "top");
	assert_string_equal(p->chain[1], "mid");
	assert_string_equal(p->chain[2], "base");
	assert_null(p->chain[3]);
	assert_int_equal(profile_placement(p), PLACEMENT_MODPROBE);
	mem = profile_section(p, PSECTION_MEMORY, NULL);
	assert_string_equal(psection_get(mem, "gtt")->value, "75%");
	assert_string_equal(psection_get(mem, "gtt")->file, "mid.conf");
	assert_null(psection_get(mem, "page_pool"));
	assert_string_equal(
		psection_get(profile_section(p, PSECTION_KERNEL, NULL), "iommu")->value,
		"pt");
	mod = profile_section(p, PSECTION_MODULE, "amdgpu");
	assert_null(psection_get(mod, "cwsr_enable"));
	assert_string_equal(psection_get(mod, "noretry")->value, "0");
	assert_string_equal(psection_get(mod, "noretry")->file, "top.conf");
	profile_free(p);
	p = NULL;
	diag_list_done(&d);

	/* Errors name the file and line at fault. */
	static const struct {
		const char *what, *text, *file, *err;
		unsigned line;
	} bad[] = {
		{"a cycle through two profiles is refused",
		 "[profile]\ndescription = t\ninclude = loop-a\n", "loop-b.conf",
		 "include cycle: top -> loop-a -> loop-b -> loop-a", 3},
		{"a profile including itself is refused",
		 "[profile]\ndescription = t\ninclude = self\n", "self.conf",
		 "include cycle", 3},
		{"a chain deeper than the limit is refused",
		 "[profile]\ndescription = t\ninclude = d1\n", "d8.conf", "deeper than",
		 3},
		{"unset of a key nothing sets is refused",
		 "[profile]\ndescription = t\ninclude = base\n[kernel]\nunset = quiet\n",
		 "top.conf", "unset 'quiet'", 5},
		{"an error in an included profile is reported in that file",
		 "[profile]\ndescription = t\ninclude = broken\n", "broken.conf",
		 "only letters", 4},
		{"a missing included profile is reported",
		 "[profile]\ndescription = t\ninclude = nosuch\n", NULL,
		 "no profile 'nosuch'", 0},
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		int r = resolve_text(bad[i].text, &p, &d);

		if (r == 0 || d.n == 0)
			fail_msg("%s: accepted", bad[i].what);
		if (!streq_ptr(d.items[0].file, bad[i].file) ||
		    d.items[0].line != bad[i].line ||
		    !strstr(d.items[0].message, bad[i].err))
			fail_msg("%s: got %s:%u: %s", bad[i].what,
				 d.items[0].file ? d.items[0].file : "-", d.items[0].line,
				 d.items[0].message);
		diag_list_done(&d);
	}
}

static void test_names(void **state)
{
	assert_true(profile_name_is_valid("strix-halo"));
	assert_true(profile_name_is_valid("rdna2.v2_x"));
	assert_false(profile_name_is_valid("Strix"));
	assert_false(profile_name_is_valid("-x"));
	assert_false(profile_name_is_valid(".hidden"));
	assert_false(profile_name_is_valid("a/b"));
	assert_false(profile_name_is_valid(""));
	assert_true(profile_value_is_safe("0x1f,2:3+4/5-6_7.8"));
	assert_false(profile_value_is_safe("a;b"));
	assert_false(profile_value_is_safe("a\\"));
	assert_false(profile_value_is_safe("a\nb"));
}

int main(void)
{
	/* One TAP line per table case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(cases) + 4];
	size_t n = 0;

	TABLE_TESTS(tests, n, cases, test_cases);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_reader_limits);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_reasons);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_include);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_names);
	return _cmocka_run_group_tests("profile", tests, n, NULL, NULL);
}
