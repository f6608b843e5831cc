/* rpm's database: the header blobs its Packages table holds, read for a package's
 * version, and rpmdb.sqlite found in a root and read without writing to it. The headers
 * are built here as rpm lays them out (rpm's lib/header.c: big-endian il and dl, then
 * il index entries of tag, type, offset and count, then the data store); the databases
 * with rpm's own schema (Packages and its Name index). tests/rpmdb.sh checks the same
 * against databases that rpm itself wrote. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cases.h"
#include "rpmdb.h"
#include "sysroot.h"
#include "tmptree.h"
#include "util.h"

enum { T_NAME = 1000, T_VERSION = 1001, T_RELEASE = 1002, T_EPOCH = 1003 };
enum { T_INT32 = 4, T_STRING = 6 };

struct tag {
	uint32_t tag, type;
	const char *s; /* for T_STRING */
	uint32_t i;    /* for T_INT32 */
};

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* A header with the tags t (until tag 0) into out; its length. */
static size_t build(unsigned char *out, const struct tag *t)
{
	size_t il = 0, dl = 0;
	unsigned char data[512] = {0};

	while (t[il].tag)
		il++;
	for (size_t i = 0; i < il; i++) {
		unsigned char *e = out + 8 + i * 16;

		if (t[i].type == T_INT32) {
			while (dl % 4)
				data[dl++] = 0;
			put32(data + dl, t[i].i);
			put32(e + 8, (uint32_t)dl);
			dl += 4;
		} else {
			size_t n = strlen(t[i].s) + 1;

			memcpy(data + dl, t[i].s, n);
			put32(e + 8, (uint32_t)dl);
			dl += n;
		}
		put32(e, t[i].tag);
		put32(e + 4, t[i].type);
		put32(e + 12, 1);
	}
	put32(out, (uint32_t)il);
	put32(out + 4, (uint32_t)dl);
	memcpy(out + 8 + il * 16, data, dl);
	return 8 + il * 16 + dl;
}

/* How a case spoils the header after it is built. */
enum spoil { NONE, CUT_LAST_NUL, HUGE_IL, OFFSET_PAST, SHORT_BLOB, EPOCH_MISALIGNED };

static const struct hcase {
	const char *what;
	struct tag tags[6];
	enum spoil spoil;
	const char *pkg, *want; /* want NULL: refused */
} header_cases[] = {
	{"name, version and release give VERSION-RELEASE",
	 {{T_NAME, T_STRING, "kmod", 0},
	  {T_VERSION, T_STRING, "34", 0},
	  {T_RELEASE, T_STRING, "2.fc43", 0}},
	 NONE,
	 "kmod",
	 "34-2.fc43"},
	{"an epoch comes first, before a colon",
	 {{T_NAME, T_STRING, "kmod", 0},
	  {T_EPOCH, T_INT32, NULL, 1},
	  {T_VERSION, T_STRING, "34", 0},
	  {T_RELEASE, T_STRING, "2.fc43", 0}},
	 NONE,
	 "kmod",
	 "1:34-2.fc43"},
	{"another package's header is not taken",
	 {{T_NAME, T_STRING, "kmod-libs", 0},
	  {T_VERSION, T_STRING, "34", 0},
	  {T_RELEASE, T_STRING, "2", 0}},
	 NONE,
	 "kmod",
	 NULL},
	{"a header without a release is refused",
	 {{T_NAME, T_STRING, "kmod", 0}, {T_VERSION, T_STRING, "34", 0}},
	 NONE,
	 "kmod",
	 NULL},
	{"a name of another type than a string is refused",
	 {{T_NAME, T_INT32, NULL, 7},
	  {T_VERSION, T_STRING, "34", 0},
	  {T_RELEASE, T_STRING, "2", 0}},
	 NONE,
	 "kmod",
	 NULL},
	{"a string whose NUL is outside the data store is refused",
	 {{T_NAME, T_STRING, "kmod", 0},
	  {T_VERSION, T_STRING, "34", 0},
	  {T_RELEASE, T_STRING, "2", 0}},
	 CUT_LAST_NUL,
	 "kmod",
	 NULL},
	{"more index entries than the blob holds are refused",
	 {{T_NAME, T_STRING, "kmod", 0},
	  {T_VERSION, T_STRING, "34", 0},
	  {T_RELEASE, T_STRING, "2", 0}},
	 HUGE_IL,
	 "kmod",
	 NULL},
	{"an entry that points past the data store is refused",
	 {{T_NAME, T_STRING, "kmod", 0},
	  {T_VERSION, T_STRING, "34", 0},
	  {T_RELEASE, T_STRING, "2", 0}},
	 OFFSET_PAST,
	 "kmod",
	 NULL},
	{"a blob shorter than its counts is refused",
	 {{T_NAME, T_STRING, "kmod", 0},
	  {T_VERSION, T_STRING, "34", 0},
	  {T_RELEASE, T_STRING, "2", 0}},
	 SHORT_BLOB,
	 "kmod",
	 NULL},
	{"an epoch not aligned to 4 bytes is not read as one",
	 {{T_NAME, T_STRING, "kmod", 0},
	  {T_VERSION, T_STRING, "34", 0},
	  {T_RELEASE, T_STRING, "2", 0},
	  {T_EPOCH, T_INT32, NULL, 1}},
	 EPOCH_MISALIGNED,
	 "kmod",
	 "34-2"},
};

static void spoil(unsigned char *b, size_t *len, enum spoil how)
{
	uint32_t il = (uint32_t)b[3], dl = (uint32_t)b[7];

	switch (how) {
	case NONE:
		break;
	case CUT_LAST_NUL:
		put32(b + 4, dl - 1);
		(*len)--;
		break;
	case HUGE_IL:
		put32(b, 0x10000);
		break;
	case OFFSET_PAST:
		put32(b + 8 + 8, dl);
		break;
	case SHORT_BLOB:
		*len = 7;
		break;
	case EPOCH_MISALIGNED:
		put32(b + 8 + (size_t)(il - 1) * 16 + 8, 1);
		break;
	}
}

static void test_header(void **state)
{
	const struct hcase *c = *state;
	unsigned char b[1024] = {0};
	char v[64] = "";
	size_t len = build(b, c->tags);
	bool ok;

	spoil(b, &len, c->spoil);
	ok = rpm_version_from_header(b, len, c->pkg, v, sizeof(v));
	if (ok != (c->want != NULL) || (ok && !streq(v, c->want)))
		fail_msg("%s: got %s '%s'", c->what, ok ? "true" : "false", v);
}

/* A database with rpm's schema (rpm 4.18's sqlite backend), holding blob, at rel under
 * dir. */
static void make_db(const char *dir, const char *rel, const unsigned char *blob,
		    size_t len, bool name_view)
{
	char path[512];
	sqlite3 *db;
	sqlite3_stmt *st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(
			db,
			"CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);",
			NULL, NULL, NULL),
		SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(
			db,
			name_view
				? "CREATE VIEW Name AS SELECT 'elsewhere' AS key, hnum, 0 AS idx FROM Packages;"
				: "CREATE TABLE Name (key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL);"
				  "INSERT INTO Name VALUES ('kmod', 1, 0);",
			NULL, NULL, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO Packages (blob) VALUES (?1)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(st, 1, blob, (int)len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The files in dir/sub, as "name size" lines, to see that reading wrote nothing. */
static void listing(const char *dir, char *out, size_t n)
{
	char cmd[600];
	FILE *f;
	size_t k;

	snprintf(cmd, sizeof(cmd), "cd '%s' && ls -la --time-style=full-iso", dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	k = fread(out, 1, n - 1, f);
	out[k] = '\0';
	pclose(f);
}

static void test_installed(void **state)
{
	static const struct tag kmod[] = {{T_NAME, T_STRING, "kmod", 0},
					  {T_EPOCH, T_INT32, NULL, 2},
					  {T_VERSION, T_STRING, "34", 0},
					  {T_RELEASE, T_STRING, "1.fc43", 0},
					  {0, 0, NULL, 0}};
	char dir[] = "/tmp/test-rpmdb-XXXXXX", path[600], v[64] = "", before[4096],
	     after[4096];
	unsigned char b[512] = {0};
	size_t len = build(b, kmod);
	struct sysroot *root = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "mkdir -p '%s/usr/lib/sysimage/rpm' '%s/var/lib'",
		 dir, dir);
	assert_int_equal(system(path), 0);
	assert_int_equal(sysroot_open(dir, &root), 0);

	/* No database: not known. */
	assert_false(rpm_installed_version(root, "kmod", v, sizeof(v)));

	/* Fedora's layout since 36: var/lib/rpm a link to usr/lib/sysimage/rpm, absolute
	 * as Fedora makes it, and resolved inside the root. */
	make_db(dir, "usr/lib/sysimage/rpm/rpmdb.sqlite", b, len, false);
	snprintf(path, sizeof(path), "%s/var/lib/rpm", dir);
	assert_int_equal(symlink("/usr/lib/sysimage/rpm", path), 0);
	snprintf(path, sizeof(path), "%s/usr/lib/sysimage/rpm", dir);
	listing(path, before, sizeof(before));
	assert_true(rpm_installed_version(root, "kmod", v, sizeof(v)));
	assert_string_equal(v, "2:34-1.fc43");
	assert_false(rpm_installed_version(root, "kmod-libs", v, sizeof(v)));
	/* Too small a buffer: false, not a cut version. */
	assert_false(rpm_installed_version(root, "kmod", v, 4));
	/* Read-only and immutable: no journal, lock or shared-memory file appears. */
	listing(path, after, sizeof(after));
	assert_string_equal(before, after);

	/* The layout before Fedora 36: var/lib/rpm itself. */
	snprintf(path, sizeof(path), "%s/var/lib/rpm", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/usr/lib/sysimage/rpm/rpmdb.sqlite", dir);
	assert_int_equal(unlink(path), 0);
	make_db(dir, "var/lib/rpm/rpmdb.sqlite", b, len, false);
	assert_true(rpm_installed_version(root, "kmod", v, sizeof(v)));
	assert_string_equal(v, "2:34-1.fc43");

	/* A Name that is a view, not rpm's table, is not queried (a view's query could
	 * be made to run for long, or lie, as this one does): the headers are read one
	 * by one instead. */
	snprintf(path, sizeof(path), "%s/var/lib/rpm/rpmdb.sqlite", dir);
	assert_int_equal(unlink(path), 0);
	make_db(dir, "var/lib/rpm/rpmdb.sqlite", b, len, true);
	assert_true(rpm_installed_version(root, "kmod", v, sizeof(v)));

	/* Not a database, and a FIFO that would block: not known, and no hang. */
	assert_int_equal(unlink(path), 0);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs("SQLite format 3\nnot really", f);
		fclose(f);
	}
	assert_false(rpm_installed_version(root, "kmod", v, sizeof(v)));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_false(rpm_installed_version(root, "kmod", v, sizeof(v)));

	sysroot_free(root);
	assert_int_equal(tmptree_remove(dir), 0);
}

int main(void)
{
	/* One TAP line per table case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(header_cases) + 1];
	size_t n = 0;

	TABLE_TESTS(tests, n, header_cases, test_header);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_installed);
	return _cmocka_run_group_tests("rpmdb", tests, n, NULL, NULL);
}
