/* Boot Loader Specification entries as systemd-boot reads them: version comparison
 * (each expected result is what systemd-analyze compare-versions of systemd 252 says),
 * entry files, the order of the menu, the default entry, and a UKI's PE sections. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bls.h"
#include "util.h"

static const struct version_case {
	const char *what, *a, *b;
	int want;
} versions[] = {
	{"equal numbers", "11", "11", 0},
	{"equal words", "systemd-123", "systemd-123", 0},
	{"bar before foo", "bar-123", "foo-123", -1},
	{"a letter after", "123a", "123", 1},
	{"a dot part after", "123.a", "123", 1},
	{"letters in order", "123.a", "123.b", -1},
	{"letter beats dot", "123a", "123.a", 1},
	{"capital lower", "A", "a", -1},
	{"anything beats nothing", "0", "", 1},
	{"trailing dot newer", "0.", "0", 1},
	{"a point release", "0.0", "0", 1},
	{"tilde below zero", "0", "~", 1},
	{"tilde below nothing", "~", "", -1},
	{"underscore separates", "1_", "1", 0},
	{"leading underscore", "_1", "1", 0},
	{"underscore before dot", "1_", "1.2", -1},
	{"underscore parts", "1_2_3", "1.3.3", 1},
	{"plus separates", "1+", "1", 0},
	{"plus parts", "1+2+3", "1.3.3", 1},
	{"letters below numbers", "a", "0", -1},
	{"1a below 11", "1a", "11", -1},
	{"minus below dot", "1-2", "1.2", -1},
	{"caret above", "1^a", "1", 1},
	{"pre-release below", "1~rc1", "1", -1},
	{"pre-releases", "1~rc1", "1~rc2", -1},
	{"longer word newer", "abc", "abcde", -1},
	{"leading zeros", "00123", "123", 0},
	{"debian flavours", "6.12.48+deb13-amd64", "6.12.48+deb13-cloud-amd64", -1},
	{"debian point releases", "6.12.48+deb13-amd64", "6.12.9+deb13-amd64", 1},
	{"kernel lines", "6.12.48+deb13-amd64", "6.1.0-28-amd64", 1},
	{"1.0 below 1.0a", "1.0", "1.0a", -1},
	{"1.0 below 1.0^", "1.0", "1.0^", -1},
	{"1.0~ below 1.0", "1.0~", "1.0", -1},
	{"trailing minus", "1-", "1", 1},
	{"trailing dot", "1.", "1", 1},
	{"carets equal", "1^", "1^", 0},
	{"x86_64 above x86-64", "x86_64", "x86-64", 1},
	{"entry ids", "debian-6.12.48+deb13-amd64.conf", "debian-6.12.9+deb13-amd64.conf",
	 1},
	{"machine-id entries", "0123456789abcdef0123456789abcdef-7.3.4+deb13-amd64.conf",
	 "0123456789abcdef0123456789abcdef-6.12.48+deb13-amd64.conf", 1},
};

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_version(void **state)
{
	const struct version_case *c = *state;

	assert_int_equal(sign(bls_version_cmp(c->a, c->b)), c->want);
	assert_int_equal(sign(bls_version_cmp(c->b, c->a)), -c->want);
}

static void entry(const char *name, const char *text, struct bls_entry *e)
{
	assert_int_equal(bls_entry_parse(BLS_SDBOOT, name, text, strlen(text), e), 0);
}

static void test_entry_parse(void **state)
{
	struct bls_entry e;

	(void)state;
	entry("0123abcd-6.12.48+deb13-amd64+3-1.conf",
	      "# Boot Loader Specification type#1 entry\n"
	      "title      Debian GNU/Linux 13 (trixie)\n"
	      "version    6.12.48+deb13-amd64\n"
	      "machine-id 0123abcd\n"
	      "sort-key   debian\n"
	      "options    root=UUID=0b3c ro quiet\n"
	      "  options\tiommu=pt  \n"
	      "linux      /0123abcd/6.12.48+deb13-amd64/linux\n"
	      "unknown    key\n",
	      &e);
	assert_string_equal(e.id, "0123abcd-6.12.48+deb13-amd64+3-1.conf");
	assert_int_equal(e.tries_left, 3);
	assert_int_equal(e.tries_done, 1);
	assert_string_equal(e.title, "Debian GNU/Linux 13 (trixie)");
	assert_string_equal(e.version, "6.12.48+deb13-amd64");
	assert_string_equal(e.machine_id, "0123abcd");
	assert_string_equal(e.sort_key, "debian");
	assert_string_equal(e.options, "root=UUID=0b3c ro quiet iommu=pt");
	assert_int_equal(e.options_line, 6);
	assert_false(e.uki);
	bls_entry_done(&e);
	/* No options; an upper-case name is folded; a '+' that is no counter stays. */
	entry("Arch+Linux.CONF", "title Arch\n", &e);
	assert_string_equal(e.id, "arch+linux.conf");
	assert_null(e.options);
	assert_int_equal(e.tries_left, -1);
	bls_entry_done(&e);
	entry("a+0.conf", "", &e);
	assert_string_equal(e.id, "a+0.conf");
	assert_int_equal(e.tries_left, 0);
	assert_int_equal(e.tries_done, 0);
	bls_entry_done(&e);
	/* Names systemd-boot does not load. */
	assert_int_equal(bls_entry_parse(BLS_SDBOOT, "x.cfg", "", 0, &e), -EINVAL);
	assert_int_equal(bls_entry_parse(BLS_SDBOOT, ".conf", "", 0, &e), -EINVAL);
	assert_int_equal(bls_entry_parse(BLS_SDBOOT, ".hidden.conf", "", 0, &e), -EINVAL);
	assert_int_equal(bls_entry_parse(BLS_SDBOOT, "auto-windows.conf", "", 0, &e),
			 -EINVAL);
	assert_int_equal(bls_entry_parse(BLS_SDBOOT, "a\tb.conf", "", 0, &e), -EINVAL);
	/* A carriage return ends a line as a newline does (line_get_key_value()): a
	 * key hidden behind one is read. Quotes around a value go; a key alone is
	 * passed over; line numbers count newlines. */
	entry("cr.conf",
	      "title T\rsort-key a\r\noptions \"x=1 y\"\n\nversion\n  options\tz \"q\"\r\n",
	      &e);
	assert_string_equal(e.title, "T");
	assert_string_equal(e.sort_key, "a");
	assert_string_equal(e.options, "x=1 y z \"q\"");
	assert_int_equal(e.options_line, 2);
	assert_null(e.version);
	bls_entry_done(&e);
	entry("q.conf", "title \"\n", &e);
	assert_string_equal(e.title, "");
	bls_entry_done(&e);
	/* GRUB's blscfg (and ostree's entries, which it boots): a line ends at a newline
	 * alone, a carriage return before it goes, quotes stay. */
	assert_int_equal(bls_entry_parse(BLS_GRUB, "g.conf",
					 "title T\rsort-key a\r\noptions \"x=1 y\"\r\n",
					 37, &e),
			 0);
	assert_string_equal(e.title, "T\rsort-key a");
	assert_null(e.sort_key);
	assert_string_equal(e.options, "\"x=1 y\"");
	bls_entry_done(&e);
}

static void test_uki(void **state)
{
	struct bls_entry e;

	(void)state;
	assert_int_equal(
		bls_entry_uki("debian-6.12.48+deb13-amd64.efi",
			      " root=UUID=0b3c ro iommu=pt\n",
			      "NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=\"13\"\n"
			      "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\n",
			      &e),
		0);
	assert_true(e.uki);
	assert_string_equal(e.id, "debian-6.12.48+deb13-amd64.efi");
	assert_string_equal(e.options, "root=UUID=0b3c ro iommu=pt");
	assert_string_equal(e.sort_key, "debian");
	assert_string_equal(e.version, "13");
	assert_string_equal(e.title, "Debian GNU/Linux 13 (trixie)");
	bls_entry_done(&e);
	/* No .osrel, or no name in it: systemd-boot skips the UKI. */
	assert_int_equal(bls_entry_uki("x.efi", NULL, NULL, &e), -EINVAL);
	assert_int_equal(bls_entry_uki("x.efi", "quiet", "VERSION_ID=1\n", &e), -EINVAL);
	/* The last assignment wins; single quotes stay. */
	assert_int_equal(bls_entry_uki("x.efi", NULL, "ID=a\nID='b'\n", &e), 0);
	assert_null(e.options);
	assert_string_equal(e.sort_key, "'b'");
	bls_entry_done(&e);
}

/* Sorts the named entries (name:sort-key:version, empty fields absent) and returns
 * the ids in order, joined by spaces. */
static char *sorted(const char *const *specs)
{
	struct bls_entry v[8];
	struct strbuf out = {0};
	size_t n = 0;

	for (; specs[n]; n++) {
		char name[128], key[64], ver[64], text[256];

		assert_int_equal(
			sscanf(specs[n], "%127[^:]:%63[^:]:%63s", name, key, ver), 3);
		snprintf(text, sizeof(text), "%s%s%s%s%s%s",
			 *key != '-' ? "sort-key " : "", *key != '-' ? key : "",
			 *key != '-' ? "\n" : "", *ver != '-' ? "version " : "",
			 *ver != '-' ? ver : "", *ver != '-' ? "\n" : "");
		entry(name, text, &v[n]);
	}
	bls_sort(v, n);
	for (size_t i = 0; i < n; i++) {
		strbuf_printf(&out, "%s%s", i ? " " : "", v[i].id);
		bls_entry_done(&v[i]);
	}
	return strbuf_steal(&out);
}

static void test_sort(void **state)
{
	static const char *const by_id[] = {"a-6.1.0-28-amd64.conf:-:-",
					    "a-6.12.48+deb13-amd64.conf:-:-",
					    "a-6.12.9+deb13-amd64.conf:-:-", NULL};
	static const char *const keyed[] = {
		"zzz.conf:-:-", "old.conf:debian:6.1.0-28-amd64",
		"new.conf:debian:6.12.48+deb13-amd64", "arch.conf:arch:6.17.1", NULL};
	static const char *const counted[] = {"b+0-3.conf:-:-", "a+1-2.conf:-:-",
					      "a+2-1.conf:-:-", "c.conf:-:-", NULL};
	char *s;

	(void)state;
	/* By ID, newest first. */
	s = sorted(by_id);
	assert_string_equal(
		s,
		"a-6.12.48+deb13-amd64.conf a-6.12.9+deb13-amd64.conf a-6.1.0-28-amd64.conf");
	free(s);
	/* Sort keys first, alphabetically, newest version first; then the rest. */
	s = sorted(keyed);
	assert_string_equal(s, "arch.conf new.conf old.conf zzz.conf");
	free(s);
	/* No tries left: last; the same ID: more tries left first. */
	s = sorted(counted);
	assert_string_equal(s, "c.conf a+2-1.conf a+1-2.conf b+0-3.conf");
	free(s);
}

static void test_default(void **state)
{
	struct bls_entry v[3];
	const char *rule = NULL;

	(void)state;
	entry("debian-6.12.48.conf", "", &v[0]);
	entry("debian-6.1.0.conf", "", &v[1]);
	entry("windows.conf", "", &v[2]);
	assert_int_equal(bls_default(v, 3, NULL, NULL, NULL, NULL, &rule), 0);
	assert_string_equal(rule, "the first entry in systemd-boot's order");
	assert_int_equal(bls_default(v, 3, NULL, NULL, "Debian-6.1.*", NULL, &rule), 1);
	assert_string_equal(rule, "loader.conf's default");
	assert_int_equal(bls_default(v, 3, NULL, "windows.conf", "debian-*", NULL, &rule),
			 2);
	assert_string_equal(rule, "the default choice (EFI variable LoaderEntryDefault)");
	assert_int_equal(
		bls_default(v, 3, "debian-6.1.0.conf", "windows.conf", NULL, NULL, &rule),
		1);
	/* "@saved": LoaderEntryLastBooted, from LoaderEntryDefault, or from loader.conf
	 * when LoaderEntryDefault matched nothing. */
	assert_int_equal(bls_default(v, 3, NULL, "@saved", "debian-6.1.*",
				     "debian-6.12.48.conf", &rule),
			 0);
	assert_string_equal(rule, "the entry booted last (LoaderEntryDefault is @saved)");
	assert_int_equal(bls_default(v, 3, NULL, "stale.conf", "@SAVED",
				     "debian-6.1.0.conf", &rule),
			 1);
	assert_string_equal(rule,
			    "the entry booted last (loader.conf's default is @saved)");
	/* Nothing booted last yet: the first entry. */
	assert_int_equal(bls_default(v, 3, NULL, NULL, "@saved", NULL, &rule), 0);
	/* A pattern nothing matches falls through. */
	assert_int_equal(bls_default(v, 3, "nothing", "", "none*", NULL, &rule), 0);
	assert_int_equal(bls_default(v, 0, NULL, NULL, NULL, NULL, &rule), -1);
	for (size_t i = 0; i < 3; i++)
		bls_entry_done(&v[i]);
}

/* A section name: up to 8 bytes, NUL-padded, not a C string. */
static void put_name(unsigned char *at, const char *name)
{
	for (size_t i = 0, n = strlen(name); i < n && i < 8; i++)
		at[i] = (unsigned char)name[i];
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void test_pe(void **state)
{
	unsigned char h[512] = {'M', 'Z'};
	size_t off = 0, size = 0;
	/* PE header at 0x80, no optional header, two sections. */
	const size_t pe = 0x80, table = pe + 24;

	(void)state;
	put32(h + 0x3c, pe);
	h[pe] = 'P';
	h[pe + 1] = 'E'; /* then two NULs */
	h[pe + 4 + 2] = 2;
	put_name(h + table, ".osrel");
	put32(h + table + 8, 100);
	put32(h + table + 16, 512);
	put32(h + table + 20, 4096);
	put_name(h + table + 40, ".cmdline");
	put32(h + table + 40 + 8, 27);
	put32(h + table + 40 + 16, 512);
	put32(h + table + 40 + 20, 8192);
	assert_int_equal(bls_pe_section(h, sizeof(h), ".cmdline", &off, &size), 0);
	assert_int_equal(off, 8192);
	assert_int_equal(size, 27);
	assert_int_equal(bls_pe_section(h, sizeof(h), ".osrel", &off, &size), 0);
	assert_int_equal(off, 4096);
	assert_int_equal(bls_pe_section(h, sizeof(h), ".linux", &off, &size), -ENOENT);
	/* ".cmd" is not ".cmdline". */
	assert_int_equal(bls_pe_section(h, sizeof(h), ".cmd", &off, &size), -ENOENT);
	/* A table past the bytes given, a PE header out of range, no MZ. */
	assert_int_equal(bls_pe_section(h, table + 50, ".cmdline", &off, &size),
			 -EBADMSG);
	put32(h + 0x3c, 0xfffffff0u);
	assert_int_equal(bls_pe_section(h, sizeof(h), ".cmdline", &off, &size), -EBADMSG);
	h[0] = 'X';
	assert_int_equal(bls_pe_section(h, sizeof(h), ".cmdline", &off, &size), -EBADMSG);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_entry_parse), cmocka_unit_test(test_uki),
		cmocka_unit_test(test_sort),	    cmocka_unit_test(test_default),
		cmocka_unit_test(test_pe),
	};
	struct CMUnitTest tests[ELEMENTSOF(versions) + ELEMENTSOF(fixed)];
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(versions); i++)
		tests[n++] = (struct CMUnitTest){.name = versions[i].what,
						 .test_func = test_version,
						 .initial_state = (void *)&versions[i]};
	for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
		tests[n++] = fixed[i];
	return _cmocka_run_group_tests("bls", tests, n, NULL, NULL);
}
