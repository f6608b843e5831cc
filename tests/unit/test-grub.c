/* The GRUB defaults as grub-mkconfig's sh would leave them, without running a shell:
 * assignments, quoting, expansion, and refusal of everything else with file and line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cases.h"
#include "grub.h"
#include "sysroot.h"
#include "tmptree.h"

enum kind { KNOWN, UNKNOWN, SYNTAX };

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct tcase {
	const char *what;
	const char *files[3];
	enum kind kind;
	const char *expect; /* GRUB_CMDLINE_LINUX_DEFAULT when KNOWN (NULL: unset) */
	unsigned line;	    /* of the cause when UNKNOWN, of the error when SYNTAX */
} cases[] = {
	{"a double-quoted assignment",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"},
	 KNOWN,
	 "quiet splash"},
	{"a single-quoted assignment",
	 {"GRUB_CMDLINE_LINUX_DEFAULT='quiet $X'\n"},
	 KNOWN,
	 "quiet $X"},
	{"an unquoted assignment",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=quiet\n"},
	 KNOWN,
	 "quiet"},
	{"the append idiom keeps the earlier value",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT iommu=pt\"\n"},
	 KNOWN,
	 "quiet iommu=pt"},
	{"braces work too",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=quiet\n",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT} a=1\"\n"},
	 KNOWN,
	 "quiet a=1"},
	{"a later plain assignment replaces (cloud images)",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet a=1\"\n",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"console=ttyS0\"\n"},
	 KNOWN,
	 "console=ttyS0"},
	{"export with an assignment",
	 {"export GRUB_CMDLINE_LINUX_DEFAULT=\"x=1\"\n"},
	 KNOWN,
	 "x=1"},
	{"comments and blank lines",
	 {"# GRUB_CMDLINE_LINUX_DEFAULT=no\n\n  # x\nGRUB_CMDLINE_LINUX_DEFAULT=yes # trailing\n"},
	 KNOWN,
	 "yes"},
	{"a quote across lines",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"a\nb\"\n"},
	 KNOWN,
	 "a\nb"},
	{"backslash escapes in double quotes",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"a=\\\"b\\\" \\$c \\x\"\n"},
	 KNOWN,
	 "a=\"b\" $c \\x"},
	{"two assignments on one line, left to right",
	 {"A=1 GRUB_CMDLINE_LINUX_DEFAULT=\"$A\"\n"},
	 KNOWN,
	 "1"},
	{"a variable defined in the same files",
	 {"X=pt\nGRUB_CMDLINE_LINUX_DEFAULT=\"iommu=$X\"\n"},
	 KNOWN,
	 "iommu=pt"},
	{"an unset GRUB_ variable is empty",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_FOO x\"\n"},
	 KNOWN,
	 " x"},
	{"a semicolon separates commands",
	 {"A=1; GRUB_CMDLINE_LINUX_DEFAULT=$A\n"},
	 KNOWN,
	 "1"},
	{"line continuation outside quotes",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\\\nb\n"},
	 KNOWN,
	 "ab"},
	/* Debian's and Ubuntu's stock GRUB_DISTRIBUTOR lines. */
	{"command substitution makes only its variable unknown",
	 {"GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"},
	 KNOWN,
	 "quiet"},
	{"a subshell in backquotes, with an operator inside",
	 {"GRUB_DISTRIBUTOR=`( . /etc/os-release; echo ${NAME:-Ubuntu} ) 2>/dev/null || "
	  "echo Ubuntu`\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"},
	 KNOWN,
	 "quiet splash"},
	{"command substitution in the command line",
	 {"\nGRUB_CMDLINE_LINUX_DEFAULT=\"$(cat /x)\"\n"},
	 UNKNOWN,
	 NULL,
	 2},
	{"backquotes in the command line",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=`cat /x`\n"},
	 UNKNOWN,
	 NULL,
	 1},
	{"through a variable",
	 {"X=$(uname -r)\nY=$X\nGRUB_CMDLINE_LINUX_DEFAULT=\"a $Y\"\n"},
	 UNKNOWN,
	 NULL,
	 1},
	{"assigned again after an unknown value: known",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=`x`\nGRUB_CMDLINE_LINUX_DEFAULT=b\n"},
	 KNOWN,
	 "b"},
	{"an assignment under if is unknown",
	 {"if [ -e /x ]; then\nGRUB_CMDLINE_LINUX_DEFAULT=a\nfi\n"},
	 UNKNOWN,
	 NULL,
	 2},
	{"if/elif/else with other variables only",
	 {"if [ -e /x ]; then\n  A=1\nelif true; then B=2\nelse\n  C=3\nfi\n"
	  "GRUB_CMDLINE_LINUX_DEFAULT=q\n"},
	 KNOWN,
	 "q"},
	{"a case branch",
	 {"case `uname -m` in\n  x86_64) GRUB_CMDLINE_LINUX_DEFAULT=a ;;\n  *) ;;\nesac\n"},
	 UNKNOWN,
	 NULL,
	 2},
	{"case with a pattern list and no final ;;",
	 {"case $x in a|b) X=1;; (c) Y=2\nesac\nGRUB_CMDLINE_LINUX_DEFAULT=k\n"},
	 KNOWN,
	 "k"},
	{"&& makes the right side conditional",
	 {"[ -f /x ] && GRUB_CMDLINE_LINUX_DEFAULT=a\n: last\n"},
	 UNKNOWN,
	 NULL,
	 1},
	{"a file whose last command may fail stops grub-mkconfig (its '.' fails)",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\n[ -f /x ] && A=1\n"},
	 UNKNOWN,
	 NULL,
	 3},
	{"harmless commands are skipped",
	 {"echo hello >&2\nprintf '%s\\n' x | cat > /dev/null || :\n[ -d /x ] || true\n"
	  "! test 1 = 1; : ; false || grub_warn \"x\"\n"
	  "if [ -x /y ]; then :; fi\n"
	  "GRUB_CMDLINE_LINUX_DEFAULT=ok\n"},
	 KNOWN,
	 "ok"},
	{"an assignment before a command is that command's only",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\nGRUB_CMDLINE_LINUX_DEFAULT=b true\n"},
	 KNOWN,
	 "a"},
	{"a pipeline runs in subshells",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\necho x | GRUB_CMDLINE_LINUX_DEFAULT=b\n"},
	 KNOWN,
	 "a"},
	{"a subshell changes nothing",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\n(GRUB_CMDLINE_LINUX_DEFAULT=b; eval x) || :\n"},
	 KNOWN,
	 "a"},
	{"a group runs here", {"{ GRUB_CMDLINE_LINUX_DEFAULT=a; }\n"}, KNOWN, "a"},
	{"eval makes everything unknown", {"eval \"$x\"\n"}, UNKNOWN, NULL, 1},
	{"sourcing another file", {"A=1\n. /etc/other\n"}, UNKNOWN, NULL, 2},
	{"read", {"read GRUB_CMDLINE_LINUX_DEFAULT < /x\n"}, UNKNOWN, NULL, 1},
	{"unset is followed",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\nunset GRUB_CMDLINE_LINUX_DEFAULT\n"},
	 KNOWN,
	 NULL},
	{"a function that assigns, called",
	 {"f() {\n  GRUB_CMDLINE_LINUX_DEFAULT=x\n}\nGRUB_CMDLINE_LINUX_DEFAULT=a\nf\n"},
	 UNKNOWN,
	 NULL,
	 5},
	{"a function that is never called",
	 {"f() { GRUB_CMDLINE_LINUX_DEFAULT=x; }\nGRUB_CMDLINE_LINUX_DEFAULT=a\n"},
	 KNOWN,
	 "a"},
	{"a loop",
	 {"for i in 1 2; do\nGRUB_CMDLINE_LINUX_DEFAULT=$i\ndone\n"},
	 UNKNOWN,
	 NULL,
	 2},
	{"a here-document is skipped",
	 {": <<EOF >/dev/null\nGRUB_CMDLINE_LINUX_DEFAULT=no\nEOF\n"
	  "GRUB_CMDLINE_LINUX_DEFAULT=yes\n"},
	 KNOWN,
	 "yes"},
	{"${X:-y} with X unset gives y",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_X:-quiet} ${GRUB_CMDLINE_LINUX:+z}\"\n"},
	 KNOWN,
	 "quiet "},
	{"${X#pattern} is unknown",
	 {"A=ab\nGRUB_CMDLINE_LINUX_DEFAULT=\"${A#a}\"\n"},
	 UNKNOWN,
	 NULL,
	 2},
	{"an environment variable is unknown",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"$HOME\"\n"},
	 UNKNOWN,
	 NULL,
	 1},
	{"a positional parameter is unknown",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"$1\"\n"},
	 UNKNOWN,
	 NULL,
	 1},
	{"return ends the file",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\nreturn\nGRUB_CMDLINE_LINUX_DEFAULT=b\n"},
	 KNOWN,
	 "a"},
	{"a comment after arguments may hold quotes",
	 {"echo a # don't\nGRUB_CMDLINE_LINUX_DEFAULT=q # it's\n"},
	 KNOWN,
	 "q"},
	{"exec with redirections only, command -v",
	 {"exec 2>/dev/null\nif command -v lsb_release >/dev/null; then :; fi\n"
	  "GRUB_CMDLINE_LINUX_DEFAULT=q\n"},
	 KNOWN,
	 "q"},
	{"command eval is eval", {"command eval x\n"}, UNKNOWN, NULL, 1},
	{"arithmetic that assigns",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\n: $((X=1))\n"},
	 UNKNOWN,
	 NULL,
	 2},
	{"a tilde after a colon in an assignment",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a:~\n"},
	 UNKNOWN,
	 NULL,
	 1},
	{"a quoted tilde is literal",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a:'~'\n"},
	 KNOWN,
	 "a:~"},
	{"an assignment before a function call",
	 {"f() { :; }\nGRUB_CMDLINE_LINUX_DEFAULT=a f\n"},
	 UNKNOWN,
	 NULL,
	 2},
	{"${X=w} assigns X",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=q\n: ${GRUB_CMDLINE_LINUX_DEFAULT=no} ${GRUB_Y=w}\nGRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT $GRUB_Y\"\n"},
	 KNOWN,
	 "q w"},
	/* grub-mkconfig sources the files with set -e. */
	{"an untested command that may fail ends what is known",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\n[ -d /x ]\nGRUB_CMDLINE_LINUX_DEFAULT=b\n"},
	 UNKNOWN,
	 NULL,
	 2},
	/* Found by review: each was read as known and differed from dash. */
	{"a comment inside $(...)",
	 {"X=$(: # )\nGRUB_CMDLINE_LINUX_DEFAULT=bad\n: $( # (\n)\n)\n"},
	 KNOWN,
	 NULL},
	{"}# is a word, not a reserved word",
	 {"f() {\n}#\nGRUB_CMDLINE_LINUX_DEFAULT=bad\n{#\n}\n"},
	 KNOWN,
	 NULL},
	{"a here-document delimiter is not expanded",
	 {": <<$GRUB_X\n\nGRUB_CMDLINE_LINUX_DEFAULT=bad\n$GRUB_X\nGRUB_CMDLINE_LINUX_DEFAULT=ok\n"},
	 KNOWN,
	 "ok"},
	{"a continued line in an unquoted here-document is no delimiter",
	 {": <<EOF\nx\\\nEOF\nGRUB_CMDLINE_LINUX_DEFAULT=bad\nEOF\n"},
	 KNOWN,
	 NULL},
	{"an unquoted here-document's ${X=y} assigns",
	 {": <<EOF\n${GRUB_CMDLINE_LINUX_DEFAULT=x}\nEOF\n"},
	 UNKNOWN,
	 NULL,
	 2},
	{"a line continuation inside a name",
	 {"GRUB_CMDLINE_LINUX_\\\nDEFAULT=bad\n"},
	 UNKNOWN,
	 NULL,
	 1},
	{"${X-'a'} inside double quotes keeps the quotes",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_X-'a'} ${GRUB_X-\\a}\"\n"},
	 KNOWN,
	 "'a' \\a"},
	{"the word of ${X-w} is not expanded when X is set",
	 {"GRUB_X=1\n: ${GRUB_X-${GRUB_CMDLINE_LINUX_DEFAULT=b}}\n"},
	 KNOWN,
	 NULL},
	{"words are expanded before the assignments before them",
	 {"GRUB_X=1 : ${GRUB_CMDLINE_LINUX_DEFAULT=$GRUB_X}\n"},
	 KNOWN,
	 ""},
	{"an assignment before export is applied once",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=foo export GRUB_CMDLINE_LINUX_DEFAULT\n"},
	 KNOWN,
	 "foo"},
	{"a command word that expands to nothing keeps the assignments",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\nGRUB_CMDLINE_LINUX_DEFAULT=b ${GRUB_E-}\n"},
	 KNOWN,
	 "b"},
	{"an unquoted expansion is split into fields",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\nC=\"unset GRUB_CMDLINE_LINUX_DEFAULT\"\n$C\n"},
	 UNKNOWN,
	 NULL,
	 3},
	{"export of a quoted NAME=value",
	 {"export 'GRUB_CMDLINE_LINUX_DEFAULT=d'\n"},
	 UNKNOWN,
	 NULL,
	 1},
	{"command export",
	 {"command export GRUB_CMDLINE_LINUX_DEFAULT=b\n"},
	 UNKNOWN,
	 NULL,
	 1},
	{"unset -vf unsets a function",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\nunset -vf GRUB_CMDLINE_LINUX_DEFAULT\n"},
	 KNOWN,
	 "a"},
	{"a function called by a function defined later",
	 {"f() { g; }\ng() { GRUB_CMDLINE_LINUX_DEFAULT=bad; }\nGRUB_CMDLINE_LINUX_DEFAULT=a\nf\n"},
	 UNKNOWN,
	 NULL,
	 4},
	{"a function defined inside a function",
	 {"f() { g() { GRUB_CMDLINE_LINUX_DEFAULT=bad; }; }\nf\nGRUB_CMDLINE_LINUX_DEFAULT=a\ng\n"},
	 UNKNOWN,
	 NULL,
	 4},
	{"a function named like a builtin",
	 {"read() { GRUB_CMDLINE_LINUX_DEFAULT=bad; }\nGRUB_CMDLINE_LINUX_DEFAULT=a\nread\n"},
	 UNKNOWN,
	 NULL,
	 3},
	{"return in a pipeline's first part",
	 {"return | :\nGRUB_CMDLINE_LINUX_DEFAULT=b\n"},
	 KNOWN,
	 "b"},
	{"continue in a drop-in ends it",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\n",
	  "GRUB_CMDLINE_LINUX_DEFAULT=b\ncontinue\nGRUB_CMDLINE_LINUX_DEFAULT=c\n"},
	 KNOWN,
	 "b"},
	{"a trap",
	 {"trap 'GRUB_CMDLINE_LINUX_DEFAULT=x' USR1\nGRUB_CMDLINE_LINUX_DEFAULT=a\n"},
	 UNKNOWN,
	 NULL,
	 1},
	{"an alias",
	 {"alias foo='GRUB_CMDLINE_LINUX_DEFAULT=bad'\nGRUB_CMDLINE_LINUX_DEFAULT=good\nfoo\n"},
	 UNKNOWN,
	 NULL,
	 1},
	{"set -n", {"set -n\nGRUB_CMDLINE_LINUX_DEFAULT=b\n"}, UNKNOWN, NULL, 1},
	{"an assignment with a redirection",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=b </nonexistent\n"},
	 UNKNOWN,
	 NULL,
	 1},
	{"return inside a group is read to its end",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\n{ :; return; }\nGRUB_CMDLINE_LINUX_DEFAULT=b\n"},
	 KNOWN,
	 "a"},
	{"an unclosed here-document at the end",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\n: <<EOF\nx\n"},
	 KNOWN,
	 "a"},
	{"a pipe without a command", {"| :\n"}, SYNTAX, NULL, 1},
	{"an empty group", {"{ }\n"}, SYNTAX, NULL, 1},
	{"X=(a b) is not sh", {"X=(a b)\n"}, SYNTAX, NULL, 1},
	{"an unterminated quote is a syntax error",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=\"a\n"},
	 SYNTAX,
	 NULL,
	 2},
	{"fi without if", {"A=1\nfi\n"}, SYNTAX, NULL, 2},
	{"if without fi", {"if true; then\nA=1\n"}, SYNTAX, NULL, 3},
	{"an unclosed command substitution", {"A=$(x\n"}, SYNTAX, NULL, 2},
	{"an error in a later file names that file's line",
	 {"GRUB_CMDLINE_LINUX_DEFAULT=a\n", "\n\ncase x in\n"},
	 SYNTAX,
	 NULL,
	 4},
};

static void test_cases(void **state)
{
	/* One table case per run: *state points at it. */
	{
		const size_t i = (size_t)((const struct tcase *)*state - cases);

		struct grub_config *c = calloc(1, sizeof(*c));
		struct diag_list d = {0};
		const struct srcline *v = NULL;
		const char *got;
		struct grub_why why = {0};
		int k;

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
		k = grub_var_lookup(c, "GRUB_CMDLINE_LINUX_DEFAULT", &v, &why);
		got = !v ? NULL : v->text.s ? v->text.s : "";
		switch (cases[i].kind) {
		case KNOWN:
			if (!c->understood || d.n || k != 0 ||
			    !streq_ptr(got, cases[i].expect))
				fail_msg("%s: k=%d, %zu findings, got '%s'",
					 cases[i].what, k, d.n, got ? got : "(unset)");
			break;
		case UNKNOWN:
			if (!c->understood || d.n || k != 1 ||
			    why.line != cases[i].line || !why.what)
				fail_msg("%s: k=%d, %zu findings, line %u", cases[i].what,
					 k, d.n, why.line);
			break;
		case SYNTAX:
			if (c->understood || d.n != 1 || d.items[0].level != DIAG_ERROR ||
			    d.items[0].line != cases[i].line)
				fail_msg("%s: understood=%d, %zu findings, line %u",
					 cases[i].what, c->understood, d.n,
					 d.n ? d.items[0].line : 0);
			break;
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
	assert_int_equal(grub_cmdline(c, false, &l, NULL), 0);
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
	assert_int_equal(grub_cmdline(c, true, &l, NULL), 0);
	assert_string_equal(l.text.s, "root=/dev/sda");
	srcline_done(&l);
	/* The append assignment is recorded as keeping the previous value. */
	assert_int_equal(c->n_assigns, 3);
	assert_false(c->assigns[1].keeps_previous);
	assert_true(c->assigns[2].keeps_previous);
	grub_config_free(c);
	diag_list_done(&d);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static char *cmdline_of(const struct grub_config *c)
{
	struct srcline l = {0};
	char *s;

	assert_int_equal(grub_cmdline(c, false, &l, NULL), 0);
	s = strdup(l.text.s ? l.text.s : "");
	srcline_done(&l);
	return s;
}

/* A read that takes its texts from an earlier one (like) gives what a read from disk
 * gives with the same override, reading none of the files again (diff reads the GRUB
 * defaults as they are and as apply would leave them). */
static void test_like(void **state)
{
	char dir[] = "/tmp/test-grub.XXXXXX", sub[600];
	const struct file_override ov[] = {
		{"etc/default/grub.d/90-amdgpu-tune.cfg",
		 "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT iommu=pt\"\n"},
		{NULL, NULL}};
	struct grub_config *now = NULL, *fresh = NULL, *again = NULL;
	struct diag_list d = {0};
	struct sysroot *root = NULL;
	char *a, *b;

	assert_non_null(mkdtemp(dir));
	for (const char *p = "etc\0etc/default\0etc/default/grub.d\0"; *p;
	     p += strlen(p) + 1) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, p);
		assert_int_equal(mkdir(sub, 0755), 0);
	}
	put(dir, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
	put(dir, "etc/default/grub.d/50-a.cfg",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT console=ttyS0\"\n");
	assert_int_equal(sysroot_open(dir, &root), 0);
	assert_int_equal(grub_read(root, NULL, true, NULL, &now, &d), 0);
	assert_int_equal(grub_read(root, ov, true, NULL, &fresh, &d), 0);
	/* Changed on disk after the first read: the read with like must not see it. */
	put(dir, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"changed\"\n");
	assert_int_equal(grub_read(root, ov, true, now, &again, &d), 0);
	a = cmdline_of(fresh);
	b = cmdline_of(again);
	assert_string_equal(a, "quiet console=ttyS0 iommu=pt");
	assert_string_equal(a, b);
	assert_int_equal(fresh->n_files, again->n_files);
	for (size_t i = 0; i < fresh->n_files; i++)
		assert_string_equal(fresh->files[i], again->files[i]);
	/* What the override gave is not kept as read from disk. */
	assert_null(again->texts[again->n_files - 1]);
	free(a);
	free(b);
	grub_config_free(now);
	grub_config_free(fresh);
	grub_config_free(again);
	diag_list_done(&d);
	sysroot_free(root);
	assert_int_equal(tmptree_remove(dir), 0);
	(void)state;
}

int main(void)
{
	/* One TAP line per table case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(cases) + 2];
	size_t n = 0;

	TABLE_TESTS(tests, n, cases, test_cases);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_origin);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_like);
	return _cmocka_run_group_tests("grub", tests, n, NULL, NULL);
}
