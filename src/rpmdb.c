#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
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

/* Bounds the work the queries on one database may do, which may be hostile: sqlite's
 * virtual machine steps, counted in the progress handler's units of 1000. */
#define QUERY_STEPS_MAX 10000000
/* A larger file is not read (a Fedora workstation's is some tens of MB). */
#define DB_MAX ((off_t)4 << 30)

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

/* A read-only sqlite VFS over a descriptor the caller opened inside the root: sqlite
 * reads that file and no other, never by a path (which it would resolve again, outside
 * the root's rules, and without /proc could not name at all), and writes nothing. The
 * database is opened immutable, so no journal, write-ahead log or lock is looked for.
 * The file's name is "fd-N". */
struct fd_file {
	sqlite3_file base;
	int fd; /* not owned */
};

static int fd_close(sqlite3_file *f)
{
	(void)f;
	return SQLITE_OK;
}

static int fd_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	int fd = ((struct fd_file *)f)->fd;
	size_t done = 0;

	while (done < (size_t)n) {
		ssize_t k = pread(fd, (char *)buf + done, (size_t)n - done,
				  (off_t)off + (off_t)done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return SQLITE_IOERR_READ;
		if (k == 0)
			break;
		done += (size_t)k;
	}
	if (done == (size_t)n)
		return SQLITE_OK;
	memset((char *)buf + done, 0, (size_t)n - done);
	return SQLITE_IOERR_SHORT_READ;
}

static int fd_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	(void)f;
	(void)buf;
	(void)n;
	(void)off;
	return SQLITE_READONLY;
}

static int fd_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	(void)f;
	(void)size;
	return SQLITE_READONLY;
}

static int fd_sync(sqlite3_file *f, int flags)
{
	(void)f;
	(void)flags;
	return SQLITE_OK;
}

static int fd_size(sqlite3_file *f, sqlite3_int64 *ret)
{
	struct stat st;

	if (fstat(((struct fd_file *)f)->fd, &st) < 0)
		return SQLITE_IOERR_FSTAT;
	*ret = st.st_size;
	return SQLITE_OK;
}

static int fd_lock(sqlite3_file *f, int level)
{
	(void)f;
	(void)level;
	return SQLITE_OK;
}

static int fd_reserved(sqlite3_file *f, int *ret)
{
	(void)f;
	*ret = 0;
	return SQLITE_OK;
}

static int fd_control(sqlite3_file *f, int op, void *arg)
{
	(void)f;
	(void)op;
	(void)arg;
	return SQLITE_NOTFOUND;
}

static int fd_sector(sqlite3_file *f)
{
	(void)f;
	return 4096;
}

static int fd_caps(sqlite3_file *f)
{
	(void)f;
	return SQLITE_IOCAP_IMMUTABLE;
}

static const sqlite3_io_methods fd_methods = {
	.iVersion = 1,
	.xClose = fd_close,
	.xRead = fd_read,
	.xWrite = fd_write,
	.xTruncate = fd_truncate,
	.xSync = fd_sync,
	.xFileSize = fd_size,
	.xLock = fd_lock,
	.xUnlock = fd_lock,
	.xCheckReservedLock = fd_reserved,
	.xFileControl = fd_control,
	.xSectorSize = fd_sector,
	.xDeviceCharacteristics = fd_caps,
};

static int fd_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
		   int *out_flags)
{
	struct fd_file *ff = (struct fd_file *)f;
	size_t k;

	(void)vfs;
	ff->base.pMethods = NULL;
	/* The main database only, read-only: nothing else is opened. */
	if (!name || !(flags & SQLITE_OPEN_MAIN_DB) || !(flags & SQLITE_OPEN_READONLY) ||
	    strncmp(name, "fd-", 3) != 0 || !(k = strspn(name + 3, "0123456789")) ||
	    k > 9 || name[3 + k])
		return SQLITE_CANTOPEN;
	ff->fd = (int)strtoul(name + 3, NULL, 10);
	ff->base.pMethods = &fd_methods;
	if (out_flags)
		*out_flags = SQLITE_OPEN_READONLY;
	return SQLITE_OK;
}

static int fd_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	(void)vfs;
	(void)name;
	(void)sync;
	return SQLITE_IOERR_DELETE;
}

/* No other file is there: no journal, no write-ahead log. */
static int fd_access(sqlite3_vfs *vfs, const char *name, int flags, int *ret)
{
	(void)vfs;
	(void)name;
	(void)flags;
	*ret = 0;
	return SQLITE_OK;
}

static int fd_fullname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	if (snprintf(out, (size_t)n, "%s", name) >= n)
		return SQLITE_CANTOPEN;
	return SQLITE_OK;
}

static int fd_random(sqlite3_vfs *vfs, int n, char *out)
{
	sqlite3_vfs *def = sqlite3_vfs_find(NULL);

	(void)vfs;
	return def ? def->xRandomness(def, n, out) : 0;
}

static int fd_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	(void)us;
	return 0;
}

static int fd_time(sqlite3_vfs *vfs, double *ret)
{
	sqlite3_vfs *def = sqlite3_vfs_find(NULL);

	(void)vfs;
	return def ? def->xCurrentTime(def, ret) : SQLITE_ERROR;
}

static int fd_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	if (n > 0)
		out[0] = '\0';
	return 0;
}

static sqlite3_vfs fd_vfs = {
	.iVersion = 1,
	.szOsFile = sizeof(struct fd_file),
	.mxPathname = 64,
	.zName = "amdgpu-tune-fd",
	.xOpen = fd_open,
	.xDelete = fd_delete,
	.xAccess = fd_access,
	.xFullPathname = fd_fullname,
	.xRandomness = fd_random,
	.xSleep = fd_sleep,
	.xCurrentTime = fd_time,
	.xGetLastError = fd_last_error,
};
static bool fd_vfs_registered;

/* Whether the database's name is a plain table (not a view a hostile file made up,
 * whose query could run for long, nor a virtual table, whose module would read the
 * file's own shadow tables). */
static bool is_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	bool yes = false;

	if (sqlite3_prepare_v2(
		    db,
		    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1 AND sql LIKE 'CREATE TABLE%'",
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
 * block), then read by sqlite through that descriptor (fd_vfs), immutable. */
static bool from_file(const struct sysroot *root, const char *rel, const char *pkg,
		      char *buf, size_t n)
{
	_cleanup_close_ int fd = sysroot_openat(root, rel, O_RDONLY | O_NONBLOCK);
	char uri[64];
	sqlite3 *db = NULL;
	unsigned steps = 0;
	struct stat st;
	bool found = false;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > DB_MAX)
		return false;
	if (!fd_vfs_registered) {
		if (sqlite3_vfs_register(&fd_vfs, 0) != SQLITE_OK)
			return false;
		fd_vfs_registered = true;
	}
	snprintf(uri, sizeof(uri), "file:fd-%d?immutable=1", fd);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
			    fd_vfs.zName) == SQLITE_OK) {
		int on = 0, off = 1;

		/* Nothing the file's schema defines runs (views' functions, triggers),
		 * no value is longer than a header may be, and the queries on it stop
		 * after a bounded amount of work. */
		if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) ==
			    SQLITE_OK &&
		    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &off) ==
			    SQLITE_OK &&
		    on == 1 && off == 0) {
			sqlite3_limit(db, SQLITE_LIMIT_LENGTH,
				      RPM_DATA_MAX + 8 + 16 * RPM_TAGS_MAX);
			sqlite3_progress_handler(db, 1000, progress, &steps);
			found = query(db, pkg, buf, n);
		}
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
