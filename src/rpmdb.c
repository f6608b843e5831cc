#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpmdb.h"
#include "sysroot.h"
#include "util.h"

/* rpm's header limits (lib/header.c, hdrblobVerifyInfo() and the HEADER_TAGS_MAX and
 * HEADER_DATA_MAX of lib/header_internal.h). */
#define RPM_TAGS_MAX 0xffff
#define RPM_DATA_MAX 0x0fffffff

/* The tags and types read (rpmtag.h: RPMTAG_NAME, _VERSION, _RELEASE, _EPOCH;
 * RPM_INT32_TYPE, RPM_STRING_TYPE). */
enum { TAG_NAME = 1000, TAG_VERSION = 1001, TAG_RELEASE = 1002, TAG_EPOCH = 1003 };
enum { TYPE_INT32 = 4, TYPE_STRING = 6 };

/* The database files, newest layout first (Fedora 36 moved it; var/lib/rpm is then a
 * link to it). */
static const char *const db_files[] = {"usr/lib/sysimage/rpm/rpmdb.sqlite",
				       "var/lib/rpm/rpmdb.sqlite", NULL};

/* Bounds the work one query may do on a database that may be hostile: sqlite's
 * virtual machine steps, counted in the progress handler's units. */
#define QUERY_STEPS_MAX 10000000

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct header {
	const unsigned char *index, *data;
	uint32_t il, dl;
};

/* The entry for tag of type: its offset into the data store, and count. false when
 * absent or malformed. */
static bool header_entry(const struct header *h, uint32_t tag, uint32_t type,
			 uint32_t *ret_off)
{
	for (uint32_t i = 0; i < h->il; i++) {
		const unsigned char *e = h->index + (size_t)i * 16;

		if (be32(e) != tag)
			continue;
		if (be32(e + 4) != type || be32(e + 12) < 1 || be32(e + 8) >= h->dl)
			return false;
		/* headerImport() checks each entry the same way: in the data store, an
		 * INT32 aligned to 4, a STRING a single one (hdrchkType, hdrchkAlign). */
		if (type == TYPE_INT32 && (be32(e + 8) % 4 || h->dl - be32(e + 8) < 4))
			return false;
		if (type == TYPE_STRING && be32(e + 12) != 1)
			return false;
		*ret_off = be32(e + 8);
		return true;
	}
	return false;
}

/* The string of tag, NUL-terminated inside the data store, or NULL. */
static const char *header_string(const struct header *h, uint32_t tag)
{
	uint32_t off;

	if (!header_entry(h, tag, TYPE_STRING, &off) ||
	    !memchr(h->data + off, '\0', h->dl - off))
		return NULL;
	return (const char *)h->data + off;
}

bool rpm_version_from_header(const void *blob, size_t len, const char *pkg, char *buf,
			     size_t n)
{
	const unsigned char *b = blob;
	struct header h;
	const char *name, *version, *release;
	uint32_t off;
	int k;

	if (len < 8 || !n)
		return false;
	h.il = be32(b);
	h.dl = be32(b + 4);
	if (h.il < 1 || h.il > RPM_TAGS_MAX || h.dl > RPM_DATA_MAX ||
	    (size_t)h.il * 16 + h.dl > len - 8)
		return false;
	h.index = b + 8;
	h.data = h.index + (size_t)h.il * 16;
	name = header_string(&h, TAG_NAME);
	version = header_string(&h, TAG_VERSION);
	release = header_string(&h, TAG_RELEASE);
	if (!name || !version || !release || !*version || !streq(name, pkg))
		return false;
	if (header_entry(&h, TAG_EPOCH, TYPE_INT32, &off))
		k = snprintf(buf, n, "%u:%s-%s", be32(h.data + off), version, release);
	else
		k = snprintf(buf, n, "%s-%s", version, release);
	return k > 0 && (size_t)k < n;
}

static int progress(void *steps)
{
	return ++*(unsigned *)steps > QUERY_STEPS_MAX / 1000;
}

/* Whether the database's name is a table (not a view a hostile file made up, whose
 * query could run for long). */
static bool is_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	bool yes = false;

	if (sqlite3_prepare_v2(
		    db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
		    -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK)
		yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* pkg's version from the open database: through the Name index when there is one,
 * else from every header. */
static bool query(sqlite3 *db, const char *pkg, char *buf, size_t n)
{
	sqlite3_stmt *st = NULL;
	bool found = false;
	bool by_name = is_table(db, "Name");

	if (!is_table(db, "Packages"))
		return false;
	if (sqlite3_prepare_v2(
		    db,
		    by_name ? "SELECT Packages.blob FROM Name JOIN Packages ON "
			      "Packages.hnum = Name.hnum WHERE Name.key = ?1"
			    : "SELECT blob FROM Packages",
		    -1, &st, NULL) != SQLITE_OK)
		return false;
	if (!by_name || sqlite3_bind_text(st, 1, pkg, -1, SQLITE_STATIC) == SQLITE_OK)
		while (!found && sqlite3_step(st) == SQLITE_ROW) {
			const void *blob = sqlite3_column_blob(st, 0);
			int len = sqlite3_column_bytes(st, 0);

			found = blob && len > 0 &&
				rpm_version_from_header(blob, (size_t)len, pkg, buf, n);
		}
	sqlite3_finalize(st);
	return found;
}

/* One database file: opened in the root (a regular file, never a FIFO that would
 * block), then by sqlite through /proc/self/fd, read-only and immutable. */
static bool from_file(const struct sysroot *root, const char *rel, const char *pkg,
		      char *buf, size_t n)
{
	_cleanup_close_ int fd = sysroot_openat(root, rel, O_RDONLY | O_NONBLOCK);
	char uri[64];
	sqlite3 *db = NULL;
	unsigned steps = 0;
	struct stat st;
	bool found = false;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	snprintf(uri, sizeof(uri), "file:/proc/self/fd/%d?immutable=1", fd);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) ==
	    SQLITE_OK) {
		/* Nothing the file's schema defines runs (views' functions, triggers),
		 * and a query stops after a bounded amount of work. */
		sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
		sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
		sqlite3_progress_handler(db, 1000, progress, &steps);
		found = query(db, pkg, buf, n);
	}
	sqlite3_close(db);
	return found;
}

bool rpm_installed_version(const struct sysroot *root, const char *pkg, char *buf,
			   size_t n)
{
	for (const char *const *f = db_files; *f; f++)
		if (from_file(root, *f, pkg, buf, n))
			return true;
	return false;
}
