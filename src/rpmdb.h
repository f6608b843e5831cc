/* What rpm's database says is installed (Fedora, RHEL and their kin): the version of one
 * package. rpm 4.16 and later keep it in SQLite (rpmdb.sqlite: a Packages table of
 * header blobs, and a Name index from package name to row), in usr/lib/sysimage/rpm
 * since Fedora 36 and in var/lib/rpm before. The blobs are rpm headers: big-endian
 * counts, a tag index and a data store (rpm's lib/header.c, headerImport()). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct sysroot;

/* The version of pkg as rpm writes it, [EPOCH:]VERSION-RELEASE, from an rpm header blob
 * of len bytes whose NAME is pkg, into buf (n bytes, NUL-terminated). false when the
 * blob is not a well-formed header, names another package, or the version does not
 * fit. Pure. */
bool rpm_version_from_header(const void *blob, size_t len, const char *pkg, char *buf,
			     size_t n);

/* The same for the installed package pkg, read from the root's rpmdb.sqlite: opened in
 * the root, and read by sqlite through that descriptor alone, immutable (nothing is
 * written, no lock is taken, and a transaction still in the write-ahead log is not
 * seen; /proc is not needed). false when there is no database, it cannot be read, or
 * pkg is not in it. */
bool rpm_installed_version(const struct sysroot *root, const char *pkg, char *buf,
			   size_t n);
