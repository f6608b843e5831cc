/* The GRUB defaults as grub-mkconfig's sh would leave them, without running a shell:
 * assignments, quoting, expansion, and refusal of everything else with file and line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "grub.h"

static const struct {
	const char *what;
	const char *files[3];
	const char *expect; /* GRUB_CMDLINE_LINUX_DEFAULT, or NULL when not understood */
	unsigned err_line;  /* line of the error */
} cases[] = {
	{"a double-quoted assignment",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"},
	 "quiet splash",
	 0},
	{"a single-quoted assignment",
	 {"GRUB_CMDLINE_LINUX_DEFAULT='quiet $X'\n"},
	 "quiet $X",
	 0},
	{"an unquoted assignment", {"GRUB_CMDLINE_LINUX_DEFAULT=quiet\n"}, "quiet", 0},
	{"the append idiom keeps the earlier value",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT iommu=pt\"\n"},
	 "quiet iommu=pt",
	 0},
	{"braces work too",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=quiet\n",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT} a=1\"\n"},
	 "quiet a=1",
	 0},
	{"a later plain assignment replaces (cloud images)",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet a=1\"\n",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"console=ttyS0\"\n"},
	 "console=ttyS0",
	 0},
	{"export with an assignment",
	 {"export GRUB_CMDLINE_LINUX_DEFAULT=\"x=1\"\n"},
	 "x=1",
	 0},
	{"comments and blank lines",
	 {"# GRUB_CMDLINE_LINUX_DEFAULT=no\n\n  # x\nGRUB_CMDLINE_LINUX_DEFAULT=yes # trailing\n"},
	 "yes",
	 0},
	{"a quote across lines", {"GRUB_CMDLINE_LINUX_DEFAULT=\"a\nb\"\n"}, "a\nb", 0},
	{"backslash escapes in double quotes",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"a=\\\"b\\\" \\$c \\x\"\n"},
	 "a=\"b\" $c \\x",
	 0},
	{"two assignments on one line, left to right",
	 {"A=1 GRUB_CMDLINE_LINUX_DEFAULT=\"$A\"\n"},
	 "1",
	 0},
	{"a variable defined in the same files",
	 {"X=pt\nGRUB_CMDLINE_LINUX_DEFAULT=\"iommu=$X\"\n"},
	 "iommu=pt",
	 0},
	{"an unset GRUB_ variable is empty",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_FOO x\"\n"},
	 " x",
	 0},
	{"a semicolon separates commands",
	 {"A=1; GRUB_CMDLINE_LINUX_DEFAULT=$A\n"},
	 "1",
	 0},
	{"line continuation outside quotes",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\\\nb\n"},
	 "ab",
	 0},
	{"command substitution is refused",
	 {"\nGRUB_CMDLINE_LINUX_DEFAULT=\"$(cat /x)\"\n"},
	 NULL,
	 2},
	{"backticks are refused", {"GRUB_CMDLINE_LINUX_DEFAULT=`cat /x`\n"}, NULL, 1},
	{"an if is refused",
	 {"if [ -e /x ]; then\nGRUB_CMDLINE_LINUX_DEFAULT=a\nfi\n"},
	 NULL,
	 1},
	{"sourcing another file is refused", {". /etc/other\n"}, NULL, 1},
	{"parameter operators are refused",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"${X:-a}\"\n"},
	 NULL,
	 1},
	{"an environment variable is refused",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"$HOME\"\n"},
	 NULL,
	 1},
	{"an unterminated quote is refused",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"a\n"},
	 NULL,
	 2},
	{"a pipe is refused", {"A=1 | b\n"}, NULL, 1},
	{"a bash append is refused", {"GRUB_CMDLINE_LINUX_DEFAULT+=\" a\"\n"}, NULL, 1},
	{"an error in a later file names that file's line",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\n", "\n\nrm -rf /\n"},
	 NULL,
	 3},
};

static void test_cases(void **state)
{
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct grub_config *c = calloc(1, sizeof(*c));
		struct diag_list d = {0};
		const struct srcline *v;

		assert_non_null(c);
		c->understood = true;
		for (size_t f = 0; f < 3 && cases[i].files[f]; f++) {
			char name[32];

			snprintf(name, sizeof(name), "f%zu.cfg", f);
			assert_int_equal(grub_add_file(c, name), (int)f);
			assert_int_equal(grub_parse(c, (uint32_t)f, cases[i].files[f],
						    strlen(cases[i].files[f]), &d),
					 0);
		}
		v = grub_var_get(c, "GRUB_CMDLINE_LINUX_DEFAULT");
		if (cases[i].expect) {
			if (!c->understood || !v ||
			    !streq(v->text.s ? v->text.s : "", cases[i].expect))
				fail_msg("%s: got '%s'", cases[i].what,
					 v && v->text.s ? v->text.s : "(unset)");
		} else {
			if (c->understood || d.n != 1 || d.items[0].level != DIAG_ERROR ||
			    d.items[0].line != cases[i].err_line)
				fail_msg("%s: understood=%d, %zu findings, line %u",
					 cases[i].what, c->understood, d.n,
					 d.n ? d.items[0].line : 0);
		}
		diag_list_done(&d);
		grub_config_free(c);
	}
}

/* Each argument of the assembled command line names the file and line it came from,
 * also through the append idiom. */
static void test_origin(void **state)
{
	static const char *const files[] = {
		"GRUB_CMDLINE_LINUX=\"root=/dev/sda\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
		"GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT ttm.pages_limit=1\"\n",
	};
	struct grub_config *c = calloc(1, sizeof(*c));
	struct diag_list d = {0};
	struct srcline l = {0};
	struct sargs a = {0};
	const struct sarg *s;

	c->understood = true;
	for (uint32_t f = 0; f < 2; f++) {
		assert_int_equal(grub_add_file(c, f ? "b.cfg" : "grub"), (int)f);
		assert_int_equal(grub_parse(c, f, files[f], strlen(files[f]), &d), 0);
	}
	assert_int_equal(grub_cmdline(c, false, &l), 0);
	assert_string_equal(l.text.s, "root=/dev/sda quiet ttm.pages_limit=1");
	assert_int_equal(srcline_args(&l, &a), 0);
	s = sargs_find(&a, "quiet");
	assert_non_null(s);
	assert_int_equal(s->at.file, 0);
	assert_int_equal(s->at.line, 2);
	s = sargs_find(&a, "ttm.pages_limit");
	assert_non_null(s);
	assert_int_equal(s->at.file, 1);
	assert_int_equal(s->at.line, 1);
	sargs_done(&a);
	srcline_done(&l);
	/* Recovery entries get GRUB_CMDLINE_LINUX only. */
	assert_int_equal(grub_cmdline(c, true, &l), 0);
	assert_string_equal(l.text.s, "root=/dev/sda");
	srcline_done(&l);
	/* The append assignment is recorded as keeping the previous value. */
	assert_int_equal(c->n_assigns, 3);
	assert_false(c->assigns[1].keeps_previous);
	assert_true(c->assigns[2].keeps_previous);
	grub_config_free(c);
	diag_list_done(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_origin),
	};
	return cmocka_run_group_tests_name("grub", tests, NULL, NULL);
}
