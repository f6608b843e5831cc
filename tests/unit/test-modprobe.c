/* modprobe.d text as kmod reads it: options lines per module, joined in order, split
 * the way the kernel splits them, each value with the file and line that set it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "cases.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpkg.h"
#include "modprobe.h"
#include "sysroot.h"
#include "tmptree.h"

static const struct tcase {
	const char *what;
	const char *files[3];
	const char *module, *param;
	const char *value; /* NULL: the parameter is not set */
	unsigned file, line;
	size_t warnings;
} cases[] = {
	{"a plain options line",
	 {"options amdgpu noretry=0\n"},
	 "amdgpu",
	 "noretry",
	 "0",
	 0,
	 1,
	 0},
	{"the later line wins",
	 {"options amdgpu noretry=0\noptions amdgpu noretry=1\n"},
	 "amdgpu",
	 "noretry",
	 "1",
	 0,
	 2,
	 0},
	{"a later file wins",
	 {"options ttm pages_limit=1\n", "options ttm pages_limit=2\n"},
	 "ttm",
	 "pages_limit",
	 "2",
	 1,
	 1,
	 0},
	{"dashes in names equal underscores",
	 {"options amdgpu vm-fragment-size=9\n"},
	 "amdgpu",
	 "vm_fragment_size",
	 "9",
	 0,
	 1,
	 0},
	{"a dashed module name is the same module",
	 {"options amd-gpu x=1\n"},
	 "amd_gpu",
	 "x",
	 "1",
	 0,
	 1,
	 0},
	{"several options on one line",
	 {"options amdgpu a=1 b=2\tc=3\n"},
	 "amdgpu",
	 "c",
	 "3",
	 0,
	 1,
	 0},
	{"backslash-newline continues the line",
	 {"options amdgpu a=1 \\\n b=2\n"},
	 "amdgpu",
	 "b",
	 "2",
	 0,
	 1,
	 0},
	{"a comment is only a # in the first byte",
	 {"# options amdgpu a=1\noptions amdgpu a=2\n"},
	 "amdgpu",
	 "a",
	 "2",
	 0,
	 2,
	 0},
	{"a continued comment swallows the next line",
	 {"# comment \\\noptions amdgpu a=1\n"},
	 "amdgpu",
	 "a",
	 NULL,
	 0,
	 0,
	 0},
	{"leading blanks before the command are allowed",
	 {"  options amdgpu a=1\n"},
	 "amdgpu",
	 "a",
	 "1",
	 0,
	 1,
	 0},
	{"an indented # is a bad line, warned and ignored",
	 {"  # x\noptions amdgpu a=1\n"},
	 "amdgpu",
	 "a",
	 "1",
	 0,
	 2,
	 1},
	{"options without options is ignored with a warning",
	 {"options amdgpu\n"},
	 "amdgpu",
	 "a",
	 NULL,
	 0,
	 0,
	 1},
	{"a quoted value keeps its spaces",
	 {"options m p=\"a b\" q=1\n"},
	 "m",
	 "p",
	 "a b",
	 0,
	 1,
	 0},
	{"an open quote swallows the next line's options",
	 {"options m p=\"a\noptions m q=1\n"},
	 "m",
	 "q",
	 NULL,
	 0,
	 0,
	 0},
	{"a bare -- ends the options the kernel applies",
	 {"options m -- q=1\n"},
	 "m",
	 "q",
	 NULL,
	 0,
	 0,
	 0},
	{"a bare name is a flag with no value",
	 {"options m flag\n"},
	 "m",
	 "flag",
	 NULL,
	 0,
	 0,
	 0},
	{"other modules are separate",
	 {"options ttm a=1\noptions amdgpu a=2\n"},
	 "ttm",
	 "a",
	 "1",
	 0,
	 1,
	 0},
	{"a NUL ends what kmod sees of the line",
	 {"options m a=1\0 b=2\n"},
	 "m",
	 "b",
	 NULL,
	 0,
	 0,
	 1},
	{"no trailing newline", {"options m a=1"}, "m", "a", "1", 0, 1, 0},
	{"a stray backslash is dropped", {"options m a=\\1\n"}, "m", "a", "1", 0, 1, 0},
	{"install and blacklist lines are not options",
	 {"install amdgpu /bin/true\nblacklist amdgpu\n"},
	 "amdgpu",
	 "install",
	 NULL,
	 0,
	 0,
	 0},
};

static void test_cases(void **state)
{
	/* One table case per run: *state points at it. */
	{
		const size_t i = (size_t)((const struct tcase *)*state - cases);

		struct modprobe_config *c = calloc(1, sizeof(*c));
		struct diag_list d = {0};
		struct sargs a = {0};
		const struct sarg *s;

		assert_non_null(c);
		for (size_t f = 0; f < 3 && cases[i].files[f]; f++) {
			char name[32];
			size_t len = strlen(cases[i].files[f]);

			/* The NUL case: count the bytes after the embedded NUL. */
			if (strstr(cases[i].what, "NUL"))
				len += 1 + strlen(cases[i].files[f] + len + 1);
			snprintf(name, sizeof(name), "f%zu.conf", f);
			assert_int_equal(modprobe_add_file(c, name, 0), (int)f);
			assert_int_equal(modprobe_parse(c, (uint32_t)f, cases[i].files[f],
							len, &d),
					 0);
		}
		assert_int_equal(modprobe_module_args(c, cases[i].module, &a), 0);
		s = sargs_find(&a, cases[i].param);
		if (!cases[i].value) {
			if (s && s->value)
				fail_msg("%s: got %s=%s", cases[i].what, s->name,
					 s->value);
		} else if (!s || !streq_ptr(s->value, cases[i].value) ||
			   s->at.file != cases[i].file || s->at.line != cases[i].line) {
			fail_msg("%s: got %s at %u:%u", cases[i].what,
				 s ? s->value : "(unset)", s ? s->at.file : 0,
				 s ? s->at.line : 0);
		}
		if (diag_count(&d, DIAG_WARNING) != cases[i].warnings)
			fail_msg("%s: %zu warnings", cases[i].what,
				 diag_count(&d, DIAG_WARNING));
		sargs_done(&a);
		diag_list_done(&d);
		modprobe_config_free(c);
	}
}

/* blacklist and install lines are kept, with their module and place; a continued
 * line counts from its first line. */
static void test_directives(void **state)
{
	struct modprobe_config *c = calloc(1, sizeof(*c));
	struct diag_list d = {0};
	static const char text[] =
		"# x\nblacklist amdgpu\ninstall amd-gpu \\\n /bin/false\n"
		"blacklist\noptions amdgpu dc=1\n";

	assert_int_equal(modprobe_add_file(c, "x.conf", 0), 0);
	assert_int_equal(modprobe_parse(c, 0, text, sizeof(text) - 1, &d), 0);
	assert_int_equal(c->n_directives, 2);
	assert_string_equal(c->directives[0].cmd, "blacklist");
	assert_string_equal(c->directives[0].module, "amdgpu");
	assert_null(c->directives[0].rest);
	assert_int_equal(c->directives[0].at.line, 2);
	assert_string_equal(c->directives[1].cmd, "install");
	assert_string_equal(c->directives[1].module, "amd_gpu");
	assert_string_equal(c->directives[1].rest, " /bin/false");
	assert_int_equal(c->directives[1].at.line, 3);
	assert_int_equal(d.n, 0);
	modprobe_config_free(c);
	(void)state;
}

static void test_flag(void **state)
{
	struct modprobe_config *c = calloc(1, sizeof(*c));
	struct diag_list d = {0};
	struct sargs a = {0};
	const struct sarg *s;
	static const char text[] = "options m flag\n";

	assert_int_equal(modprobe_add_file(c, "x.conf", 0), 0);
	assert_int_equal(modprobe_parse(c, 0, text, sizeof(text) - 1, &d), 0);
	assert_int_equal(modprobe_module_args(c, "m", &a), 0);
	s = sargs_find(&a, "flag");
	/* A bare name reaches the kernel as a flag without a value. */
	assert_non_null(s);
	assert_null(s->value);
	sargs_done(&a);
	modprobe_config_free(c);
}

/* What the root's kmod reads follows its version in the dpkg status. */
static const struct rcase {
	const char *what, *status;
	unsigned kmod;
	bool usr_lib, alias;
} rule_cases[] = {
	{"kmod 30 (Debian 12) reads *.alias and no usr/lib/modprobe.d",
	 "Package: kmod\nStatus: install ok installed\nVersion: 30+20221128-1\n", 30,
	 false, true},
	{"kmod 32 reads usr/lib/modprobe.d",
	 "Package: kmod\nStatus: install ok installed\nVersion: 32-1\n", 32, true, true},
	{"kmod 34 reads no *.alias files",
	 "Package: kmod\nStatus: install ok installed\nVersion: 34.2-2\n", 34, true,
	 false},
	{"libkmod2's stanza is not kmod's",
	 "Package: libkmod2\nStatus: install ok installed\nVersion: 34-1\n\n"
	 "Package: kmod\nStatus: install ok installed\nVersion: 33-1\n",
	 33, true, false},
	{"a held kmod is installed",
	 "Package: kmod\nStatus: hold ok installed\nVersion: 31-1\n", 31, false, true},
	{"Package: inside another field is not the Package field",
	 "Description: see\n Package: kmod\nStatus: install ok installed\nVersion: 31-1\n",
	 0, true, true},
	{"the next stanza's Version is not kmod's",
	 "Package: kmod\nStatus: install ok installed\n\nPackage: x\nVersion: 30-1\n", 0,
	 true, true},
	{"a removed kmod is not known, read as kmod 32 does",
	 "Package: kmod\nStatus: deinstall ok config-files\nVersion: 30-1\n", 0, true,
	 true},
	{"an empty status is not known", "", 0, true, true},
	{"a Version that is no number is not known",
	 "Package: kmod\nStatus: install ok installed\nVersion: x\n", 0, true, true},
};

static void test_rules(void **state)
{
	const struct rcase *c = *state;
	struct modprobe_rules r;

	modprobe_rules_from_status(c->status, &r);
	if (r.kmod != c->kmod || r.usr_lib != c->usr_lib || r.alias_files != c->alias)
		fail_msg("%s: kmod %u usr_lib %d alias %d", c->what, r.kmod, r.usr_lib,
			 r.alias_files);
}

/* A status file of megabytes is read in pieces: stanzas across a piece's end, one
 * larger than a piece, and kmod's last give what the whole text gives. */
static void test_rules_read(void **state)
{
	char dir[] = "/tmp/test-modprobe.XXXXXX", path[600];
	struct modprobe_rules whole, read;
	struct sysroot *root = NULL;
	char *status;
	size_t len = 0, cap = 1 << 20;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	assert_non_null(status = malloc(cap));
	/* One stanza of 100 KiB (a long Description), then 600 of about 200 bytes. */
	len += (size_t)snprintf(
		status + len, cap - len,
		"Package: big\nStatus: install ok installed\nDescription: x\n");
	for (int i = 0; i < 100 * 1024 / 8; i++)
		len += (size_t)snprintf(status + len, cap - len, " abcdef\n");
	len += (size_t)snprintf(status + len, cap - len, "\n");
	for (int i = 0; i < 600; i++)
		len += (size_t)snprintf(
			status + len, cap - len,
			"Package: pkg%d\nStatus: install ok installed\nVersion: %d.0-1\nDescription: filler filler filler filler filler filler filler filler\n\n",
			i, i);
	len += (size_t)snprintf(
		status + len, cap - len,
		"Package: kmod\nStatus: install ok installed\nVersion: 33-1\n");
	modprobe_rules_from_status(status, &whole);
	assert_int_equal(whole.kmod, 33);
	snprintf(path, sizeof(path), "%s/var", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/var/lib", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/var/lib/dpkg", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/var/lib/dpkg/status", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(status, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(sysroot_open(dir, &root), 0);
	modprobe_rules_read(root, &read);
	assert_int_equal(read.kmod, whole.kmod);
	assert_int_equal(read.usr_lib, whole.usr_lib);
	assert_int_equal(read.alias_files, whole.alias_files);
	assert_string_equal(read.source, "var/lib/dpkg/status");
	/* kmod's stanza (57 bytes) across the end of the first 64 KiB piece at every
	 * offset, its blank line before it included. */
	for (size_t at = 64 * 1024 - 60; at <= 64 * 1024 + 2; at++) {
		static const char kmod[] =
			"Package: kmod\nStatus: install ok installed\nVersion: 31-1\n";
		static const char head[] = "Package: pad\nDescription: ";
		size_t pad = at - 2 - (sizeof(head) - 1);

		len = 0;
		memcpy(status, head, sizeof(head) - 1);
		len += sizeof(head) - 1;
		memset(status + len, 'p', pad);
		len += pad;
		status[len++] = '\n';
		status[len++] = '\n';
		memcpy(status + len, kmod, sizeof(kmod) - 1);
		len += sizeof(kmod) - 1;
		assert_int_equal(len - (sizeof(kmod) - 1), at);
		assert_non_null(f = fopen(path, "w"));
		assert_int_equal(fwrite(status, 1, len, f), len);
		assert_int_equal(fclose(f), 0);
		modprobe_rules_read(root, &read);
		if (read.kmod != 31)
			fail_msg("kmod's stanza at %zu: kmod %u", at, read.kmod);
	}
	/* Any package's version, from the same reader: a removed stanza of the package
	 * does not count, a version too long for the buffer is not given. */
	{
		static const char fw[] =
			"Package: firmware-amd-graphics\nStatus: deinstall ok config-files\nVersion: 20230210-5\n\n"
			"Package: firmware-amd-graphics\nStatus: install ok installed\nVersion: 20251125-1\n";
		char v[16];

		assert_non_null(f = fopen(path, "w"));
		assert_int_equal(fwrite(fw, 1, sizeof(fw) - 1, f), sizeof(fw) - 1);
		assert_int_equal(fclose(f), 0);
		assert_true(dpkg_installed_version(root, "firmware-amd-graphics", v,
						   sizeof(v)));
		assert_string_equal(v, "20251125-1");
		assert_false(dpkg_installed_version(root, "firmware-amd-graphics", v, 8));
		assert_false(dpkg_installed_version(root, "firmware-amd", v, sizeof(v)));
		assert_true(dpkg_version_from_status(
			fw, sizeof(fw) - 1, "firmware-amd-graphics", v, sizeof(v)));
	}
	/* No status: kmod 30's rules with usr/lib/modprobe.d, not known. */
	unlink(path);
	modprobe_rules_read(root, &read);
	assert_int_equal(read.kmod, 0);
	assert_true(read.usr_lib);
	/* Arch Linux: pacman's local database, one directory per package. Another
	 * package whose name starts with kmod's, a directory whose desc names another
	 * package, and an epoch are not taken for kmod's version. */
	{
		static const char *const pkgs[][2] = {
			{"kmod-extra-9-1", "%NAME%\nkmod-extra\n\n%VERSION%\n9-1\n"},
			{"kmod-20-1", "%NAME%\nother\n\n%VERSION%\n20-1\n"},
			{"kmod-34.2-1",
			 "%NAME%\nkmod\n\n%VERSION%\n1:34.2-1\n\n%BASE%\nkmod\n"},
		};
		static const char *const dirs[] = {"var/lib/pacman",
						   "var/lib/pacman/local"};
		char v[32];

		for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, dirs[i]);
			assert_int_equal(mkdir(path, 0755), 0);
		}
		for (size_t i = 0; i < ELEMENTSOF(pkgs); i++) {
			snprintf(path, sizeof(path), "%s/var/lib/pacman/local/%s", dir,
				 pkgs[i][0]);
			assert_int_equal(mkdir(path, 0755), 0);
			snprintf(path, sizeof(path), "%s/var/lib/pacman/local/%s/desc",
				 dir, pkgs[i][0]);
			assert_non_null(f = fopen(path, "w"));
			assert_int_equal(fputs(pkgs[i][1], f) >= 0, 1);
			assert_int_equal(fclose(f), 0);
		}
		modprobe_rules_read(root, &read);
		assert_int_equal(read.kmod, 34);
		assert_false(read.alias_files);
		assert_string_equal(read.source, "var/lib/pacman/local");
		assert_true(pacman_installed_version(root, "kmod-extra", v, sizeof(v)));
		assert_string_equal(v, "9-1");
		assert_false(pacman_installed_version(root, "kmod", v, 4));
		assert_false(pacman_version_from_desc("%VERSION%\n1-1\n", "kmod", v,
						      sizeof(v)));
	}
	sysroot_free(root);
	assert_int_equal(tmptree_remove(dir), 0);
	free(status);
	(void)state;
}

/* A read that takes its options from an earlier one (like) gives exactly what a read
 * from disk gives, with the same override: diff reads modprobe.d twice this way. */
static void put(const char *dir, const char *rel, const char *text, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void same_config(const struct modprobe_config *a, const struct modprobe_config *b)
{
	assert_int_equal(a->n_files, b->n_files);
	for (size_t i = 0; i < a->n_files; i++) {
		assert_string_equal(a->files[i], b->files[i]);
		assert_int_equal(a->mtimes[i], b->mtimes[i]);
	}
	assert_int_equal(a->n_modules, b->n_modules);
	for (size_t i = 0; i < a->n_modules; i++) {
		const struct srcline *x = &a->modules[i].opts, *y = &b->modules[i].opts;

		assert_string_equal(a->modules[i].module, b->modules[i].module);
		assert_int_equal(x->text.len, y->text.len);
		assert_memory_equal(x->text.s, y->text.s, x->text.len);
		assert_memory_equal(x->src, y->src, x->text.len * sizeof(*x->src));
	}
}

static void test_like(void **state)
{
	char dir[] = "/tmp/test-modprobe.XXXXXX", sub[600];
	static const char nul[] =
		"options amdgpu noretry=0\0 gone\noptions ttm pages_limit=1\n";
	const struct file_override ov[] = {{"etc/modprobe.d/90-amdgpu-tune.conf",
					    "options ttm pages_limit=25165824\n"},
					   {"etc/modprobe.d/50-gone.conf", NULL},
					   {NULL, NULL}};
	struct modprobe_rules rules = {.usr_lib = true};
	struct modprobe_config *now = NULL, *fresh = NULL, *again = NULL;
	struct diag_list d1 = {0}, d2 = {0}, d3 = {0};
	struct sysroot *root = NULL;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/etc", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/etc/modprobe.d", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	put(dir, "etc/modprobe.d/10-a.conf", "options amdgpu gttsize=1 \\\n  noretry=1\n",
	    38);
	put(dir, "etc/modprobe.d/20-nul.conf", nul, sizeof(nul) - 1);
	put(dir, "etc/modprobe.d/50-gone.conf", "options amdgpu mes=1\n",
	    strlen("options amdgpu mes=1\n"));
	put(dir, "etc/modprobe.d/90-amdgpu-tune.conf", "options ttm pages_limit=1\n",
	    strlen("options ttm pages_limit=1\n"));
	assert_int_equal(sysroot_open(dir, &root), 0);
	assert_int_equal(modprobe_read(root, NULL, &rules, NULL, &now, &d1), 0);
	assert_int_equal(now->n_files, 4);
	assert_int_equal(modprobe_read(root, ov, &rules, NULL, &fresh, &d2), 0);
	/* Changed on disk after the first read: a read with like must not see it, which
	 * proves the text came from like (the mtime is kept, so a touched file with the
	 * same size would look the same). */
	put(dir, "etc/modprobe.d/10-a.conf", "options amdgpu gttsize=7\n",
	    strlen("options amdgpu gttsize=7\n"));
	assert_int_equal(modprobe_read(root, ov, &rules, now, &again, &d3), 0);
	assert_int_equal(fresh->n_files, 3);
	same_config(fresh, again);
	/* The NUL byte is found on disk, and the read with like does not find it again:
	 * like's read reported it. */
	assert_true(d2.n >= 1);
	assert_int_equal(d3.n, 0);
	{
		/* A like that took a file from its own overrides has no options of it
		 * to give: a read without them reads that file from disk. */
		struct modprobe_config *plain = NULL;
		struct diag_list d4 = {0};
		struct sargs a = {0};

		assert_int_equal(modprobe_read(root, NULL, &rules, fresh, &plain, &d4),
				 0);
		assert_int_equal(modprobe_module_args(plain, "ttm", &a), 0);
		assert_non_null(sargs_find(&a, "pages_limit"));
		assert_string_equal(sargs_find(&a, "pages_limit")->value, "1");
		sargs_done(&a);
		assert_int_equal(plain->n_files, 4);
		modprobe_config_free(plain);
		diag_list_done(&d4);
	}
	modprobe_config_free(now);
	modprobe_config_free(fresh);
	modprobe_config_free(again);
	diag_list_done(&d1);
	diag_list_done(&d2);
	diag_list_done(&d3);
	sysroot_free(root);
	assert_int_equal(tmptree_remove(dir), 0);
	(void)state;
}

int main(void)
{
	/* One TAP line per table case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(cases) + ELEMENTSOF(rule_cases) + 4];
	size_t n = 0;

	TABLE_TESTS(tests, n, cases, test_cases);
	TABLE_TESTS(tests, n, rule_cases, test_rules);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_flag);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_directives);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_rules_read);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_like);
	return _cmocka_run_group_tests("modprobe", tests, n, NULL, NULL);
}
