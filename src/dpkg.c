#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpkg.h"
#include "sysroot.h"
#include "util.h"

/* The first occurrence of the n bytes of needle in [p, end) that starts a line (p
 * itself starts one), or NULL. */
static const char *line_find(const char *p, const char *end, const char *needle, size_t n)
{
	const char *at = p;

	while (at < end && (at = memmem(at, (size_t)(end - at), needle, n))) {
		if (at == p || at[-1] == '\n')
			return at;
		at++;
	}
	return NULL;
}

/* Whether the stanza [p, end) has "Status: WANT FLAG installed" (dpkg's want may be
 * install or hold). */
static bool installed(const char *p, const char *end)
{
	static const char word[] = " installed";
	const char *s = line_find(p, end, "Status: ", strlen("Status: ")), *e;

	if (!s)
		return false;
	e = memchr(s, '\n', (size_t)(end - s));
	e = e ? e : end;
	return (size_t)(e - s) > sizeof(word) - 1 &&
	       memcmp(e - (sizeof(word) - 1), word, sizeof(word) - 1) == 0;
}

/* Looks for pkg's installed stanza in the whole stanzas [status, all_end): 1 when found
 * (its version copied to buf, or buf "" when it does not fit), 0 when not there. */
static int from_stanzas(const char *status, const char *all_end, const char *pkg,
			char *buf, size_t n)
{
	char key[128];
	size_t klen;
	const char *at = status;

	klen = (size_t)snprintf(key, sizeof(key), "Package: %s\n", pkg);
	if (klen >= sizeof(key))
		return 0;
	while ((at = line_find(at, all_end, key, klen))) {
		const char *start = at, *end, *v, *ve;

		while (start > status &&
		       !(start[-1] == '\n' && start - 1 > status && start[-2] == '\n'))
			start--;
		end = memmem(at, (size_t)(all_end - at), "\n\n", 2);
		end = end ? end + 1 : all_end;
		at += klen;
		if (!installed(start, end))
			continue;
		buf[0] = '\0';
		v = line_find(start, end, "Version: ", strlen("Version: "));
		if (v) {
			v += strlen("Version: ");
			ve = memchr(v, '\n', (size_t)(end - v));
			ve = ve ? ve : end;
			if ((size_t)(ve - v) < n) {
				memcpy(buf, v, (size_t)(ve - v));
				buf[ve - v] = '\0';
			}
		}
		return 1;
	}
	return 0;
}

bool dpkg_version_from_status(const char *status, size_t len, const char *pkg, char *buf,
			      size_t n)
{
	return n && from_stanzas(status, status + len, pkg, buf, n) == 1 && buf[0];
}

/* The status file is read in pieces of whole stanzas: it is megabytes, and only one
 * stanza matters (a whole read costs more than all of modprobe.d). */
#define STATUS_CHUNK	  ((size_t)64 * 1024)
#define STATUS_STANZA_MAX (64 << 20)

bool dpkg_installed_version(const struct sysroot *root, const char *pkg, char *buf,
			    size_t n)
{
	_cleanup_close_ int fd = sysroot_openat(root, "var/lib/dpkg/status",
						O_RDONLY | O_NOCTTY | O_NONBLOCK);
	_cleanup_free_ char *b = NULL;
	size_t len = 0, cap = STATUS_CHUNK;
	struct stat st;

	if (!n || fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !(b = malloc(cap + 1)))
		return false;
	buf[0] = '\0';
	for (;;) {
		ssize_t k = read(fd, b + len, cap - len);
		size_t cut;

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return false;
		len += (size_t)k;
		/* The buffer has room for it: the search stops at the data read. */
		b[len] = '\0';
		/* Up to the last blank line, or everything at the end of the file. */
		cut = len;
		if (k > 0) {
			while (cut >= 2 && !(b[cut - 1] == '\n' && b[cut - 2] == '\n'))
				cut--;
			if (cut < 2)
				cut = 0;
		}
		if (cut == 0 && k > 0) {
			char *nb;

			/* One stanza fills the buffer. */
			if (len < cap)
				continue;
			if (cap >= STATUS_STANZA_MAX || !(nb = realloc(b, cap * 2 + 1)))
				return false;
			b = nb;
			cap *= 2;
			continue;
		}
		if (from_stanzas(b, b + cut, pkg, buf, n))
			return buf[0] != '\0';
		if (k == 0)
			return false;
		memmove(b, b + cut, len - cut);
		len -= cut;
	}
}

/* The value of desc's section %key%: the line after its header line. NULL, or a
 * pointer into desc with *len. */
static const char *desc_value(const char *desc, const char *key, size_t *len)
{
	char head[32];
	size_t n = (size_t)snprintf(head, sizeof(head), "%%%s%%\n", key);
	const char *at = line_find(desc, desc + strlen(desc), head, n);

	if (!at)
		return NULL;
	at += n;
	*len = strcspn(at, "\n");
	return at;
}

bool pacman_version_from_desc(const char *desc, const char *pkg, char *buf, size_t n)
{
	size_t nl = 0, vl = 0;
	const char *name = desc_value(desc, "NAME", &nl),
		   *v = desc_value(desc, "VERSION", &vl);

	if (!n || !name || nl != strlen(pkg) || strncmp(name, pkg, nl) != 0 || !v ||
	    !vl || vl >= n)
		return false;
	memcpy(buf, v, vl);
	buf[vl] = '\0';
	return true;
}

#define PACMAN_LOCAL	"var/lib/pacman/local"
#define PACMAN_DESC_MAX ((size_t)256 * 1024)

bool pacman_installed_version(const struct sysroot *root, const char *pkg, char *buf,
			      size_t n)
{
	_cleanup_closedir_ DIR *dir = NULL;
	size_t plen = strlen(pkg);
	struct dirent *de;

	if (sysroot_opendir(root, PACMAN_LOCAL, &dir) < 0)
		return false;
	while ((de = readdir(dir))) {
		_cleanup_free_ char *desc = NULL;
		const char *rest = de->d_name + plen + 1, *dash;
		char rel[sizeof(PACMAN_LOCAL) + 256 + 8];
		size_t len = 0;

		/* PKG-VERSION-PKGREL: neither VERSION nor PKGREL has a '-'. */
		if (strncmp(de->d_name, pkg, plen) != 0 || de->d_name[plen] != '-' ||
		    !(dash = strchr(rest, '-')) || dash == rest || !dash[1] ||
		    strchr(dash + 1, '-'))
			continue;
		snprintf(rel, sizeof(rel), PACMAN_LOCAL "/%s/desc", de->d_name);
		if (sysroot_read_file(root, rel, PACMAN_DESC_MAX, false, &desc, &len) <
			    0 ||
		    memchr(desc, '\0', len))
			continue;
		if (pacman_version_from_desc(desc, pkg, buf, n))
			return true;
	}
	return false;
}
