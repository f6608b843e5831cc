/* What var/lib/dpkg/status says is installed: the version of one package. The file is
 * megabytes and only one stanza matters, so it is read in pieces of whole stanzas and
 * searched in place (dpkg's own format: stanzas separated by a blank line, "Package:",
 * "Status: WANT FLAG STATE" and "Version:" fields). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct sysroot;

/* The Version of pkg, installed, as the root's var/lib/dpkg/status records it, into buf
 * (n bytes, NUL-terminated). false when the file or the stanza is missing, the package
 * is not installed, or the version does not fit. */
bool dpkg_installed_version(const struct sysroot *root, const char *pkg, char *buf,
			    size_t n);

/* The same from a status text of len bytes. Pure. */
bool dpkg_version_from_status(const char *status, size_t len, const char *pkg, char *buf,
			      size_t n);

/* What pacman's local database (Arch Linux) says is installed: the version of pkg from
 * var/lib/pacman/local/PKG-VERSION-PKGREL/desc, whose %NAME% and %VERSION% sections
 * name the package and its version (libalpm's local database, one directory per
 * installed package). Into buf as for dpkg_installed_version(). */
bool pacman_installed_version(const struct sysroot *root, const char *pkg, char *buf,
			      size_t n);

/* The %VERSION% of a desc text whose %NAME% is pkg. Pure. */
bool pacman_version_from_desc(const char *desc, const char *pkg, char *buf, size_t n);
