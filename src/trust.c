#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strv.h"
#include "sysroot.h"
#include "trust.h"
#include "util.h"

/* Symlinks followed on one path, as the kernel's ELOOP limit (MAXSYMLINKS). */
#define MAX_HOPS 40u
/* ld.so.conf and the files it includes: how deep and how many. */
#define LDSO_DEPTH 4
#define LDSO_FILES 128
#define LDSO_MAX   ((size_t)64 * 1024)

static const char *const data_dirs[] = {TRUST_DATA_DIRS};

struct dir_id {
	dev_t dev;
	ino_t ino;
};

struct walk {
	const struct sysroot *root;
	uid_t me;
	void *seen;  /* tsearch(3) tree of struct dir_id: each directory walked once */
	char **more; /* directories to walk after the tree: link targets, ld.so.conf's */
	size_t entries;
	unsigned ldso_files;
	char path[PATH_MAX]; /* of the entry at hand, relative to the root */
	char *at;	     /* where it stopped: the path at fault */
	char why[256];
};

enum verdict {
	TRUSTED,
	STICKY, /* a root-owned sticky directory: passed through, not walked */
	UNTRUSTED,
};

/* The verdict on st, with why when UNTRUSTED. */
static enum verdict judge(const struct stat *st, uid_t me, char why[static 256])
{
	if (st->st_uid != 0 && st->st_uid != me) {
		snprintf(why, 256, "is owned by uid %u", (unsigned)st->st_uid);
		return UNTRUSTED;
	}
	/* Nothing runs a device or a socket, and a link's mode means nothing. */
	if (S_ISLNK(st->st_mode) || S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ||
	    S_ISSOCK(st->st_mode))
		return TRUSTED;
	if ((st->st_mode & 022) && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) &&
	    st->st_uid == 0) {
		snprintf(why, 256, "is a directory others may add to (sticky)");
		return STICKY;
	}
	if (st->st_mode & 022) {
		snprintf(why, 256, "is writable by group or others");
		return UNTRUSTED;
	}
	return TRUSTED;
}

static int dir_id_cmp(const void *a, const void *b)
{
	const struct dir_id *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* 1 when the directory st is met for the first time (now recorded), 0 when it was
 * walked already (a symlink to it, or a loop such as usr/bin/X11 -> .), -ENOMEM. */
static int first_visit(struct walk *w, const struct stat *st)
{
	struct dir_id *id = malloc(sizeof(*id)), **found;

	if (!id)
		return -ENOMEM;
	*id = (struct dir_id){st->st_dev, st->st_ino};
	found = tsearch(id, &w->seen, dir_id_cmp);
	if (!found || *found != id)
		free(id);
	return found ? *found == id : -ENOMEM;
}

/* Stops the walk at at (w->path when NULL), why already set: 1, or -ENOMEM. */
static int stop_at(struct walk *w, const char *at)
{
	w->at = strdup(at ? at : *w->path ? w->path : ".");
	return w->at ? 1 : -ENOMEM;
}

/* Stops the walk at w->path because of err. */
static int cannot_check(struct walk *w, int err)
{
	snprintf(w->why, sizeof(w->why), "cannot be checked: %s", strerror(err));
	return stop_at(w, NULL);
}

/* The target of the symlink rel, or NULL (errno set). */
static char *read_link(const struct sysroot *root, const char *rel)
{
	_cleanup_free_ char *dir = strdup(rel);
	char *slash = dir ? strrchr(dir, '/') : NULL, buf[PATH_MAX];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (!dir)
		return NULL;
	if (slash)
		*slash = '\0';
	fd = sysroot_openat(root, slash ? dir : ".", O_PATH | O_DIRECTORY);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	n = readlinkat(fd, slash ? slash + 1 : rel, buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* Resolves rel inside the root one component at a time, as the kernel does with
 * RESOLVE_IN_ROOT, and judges every directory passed through and every link met on the
 * way: whoever can change one of them can change what rel names. A missing component
 * ends the path, fine when nobody else can create it there (its directory is trusted),
 * not when its directory is a sticky one others write to. On success *ret_final is the
 * resolved path (a new string, "" for the root) and *ret_st its lstat (st_mode 0 when
 * missing), *ret_sticky whether it is a sticky directory passed through. Stops the walk
 * at blame (the entry that led here) when something is not trusted. 0, 1 or -errno. */
static int resolve(struct walk *w, const char *rel, const char *blame, char **ret_final,
		   struct stat *ret_st, bool *ret_sticky)
{
	_cleanup_free_ char *todo = strdup(rel);
	struct strbuf cur = {0};
	bool sticky = false;
	unsigned hops = 0;
	struct stat st = {0};
	int r = 0;

	if (!todo || strbuf_puts(&cur, "") < 0) {
		strbuf_done(&cur);
		return -ENOMEM;
	}
	while (r == 0 && *todo) {
		_cleanup_free_ char *cand = NULL, *rest = NULL;
		size_t n = strcspn(todo, "/");
		char *comp = strndup(todo, n);
		enum verdict v;
		int k;

		rest = strdup(todo[n] ? todo + n + 1 : "");
		if (!comp || !rest) {
			free(comp);
			r = -ENOMEM;
			break;
		}
		free(todo);
		todo = TAKE_PTR(rest);
		if (!*comp || streq(comp, ".")) {
			free(comp);
			continue;
		}
		if (streq(comp, "..")) {
			char *slash = strrchr(cur.s, '/');

			free(comp);
			cur.len = slash ? (size_t)(slash - cur.s) : 0;
			cur.s[cur.len] = '\0';
			sticky = false;
			continue;
		}
		k = asprintf(&cand, "%s%s%s", cur.s, cur.len ? "/" : "", comp);
		free(comp);
		if (k < 0) {
			r = -ENOMEM;
			break;
		}
		k = sysroot_lstat(w->root, cand, &st);
		if (k == -ENOENT || k == -ENOTDIR) {
			st.st_mode = 0;
			if (sticky) {
				snprintf(
					w->why, sizeof(w->why),
					"names %s, which is missing where others may create it",
					cand);
				r = stop_at(w, blame);
			}
			break;
		}
		if (k < 0) {
			snprintf(w->why, sizeof(w->why),
				 "leads to %s, which cannot be checked: %s", cand,
				 strerror(-k));
			r = stop_at(w, blame);
			break;
		}
		v = judge(&st, w->me, w->why);
		if (v == UNTRUSTED) {
			char why[256];

			snprintf(why, sizeof(why), "leads to %.120s, which %.100s", cand,
				 w->why);
			snprintf(w->why, sizeof(w->why), "%s", why);
			r = stop_at(w, streq(cand, blame) ? cand : blame);
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			_cleanup_free_ char *target = read_link(w->root, cand);
			char *next = NULL;

			if (++hops > MAX_HOPS) {
				snprintf(w->why, sizeof(w->why),
					 "leads through more than %u symlinks", MAX_HOPS);
				r = stop_at(w, blame);
				break;
			}
			if (!target) {
				r = errno == ENOMEM ? -ENOMEM : cannot_check(w, errno);
				break;
			}
			if (asprintf(&next, "%s%s%s", target, *todo ? "/" : "", todo) <
			    0) {
				r = -ENOMEM;
				break;
			}
			free(todo);
			todo = next;
			if (target[0] == '/') {
				cur.len = 0;
				cur.s[0] = '\0';
			}
			continue;
		}
		strbuf_done(&cur);
		cur = (struct strbuf){0};
		if (strbuf_puts(&cur, cand) < 0) {
			r = -ENOMEM;
			break;
		}
		sticky = v == STICKY;
	}
	if (r == 0) {
		*ret_final = strbuf_steal(&cur);
		*ret_st = st;
		*ret_sticky = sticky && S_ISDIR(st.st_mode);
		return *ret_final ? 0 : -ENOMEM;
	}
	strbuf_done(&cur);
	return r;
}

/* Judges the path rel named by blame (a link, or a line of ld.so.conf) as resolve()
 * does, and keeps a directory it resolves to for walking. 0, 1 or -errno. */
static int follow(struct walk *w, const char *rel, const char *blame)
{
	_cleanup_free_ char *final = NULL;
	struct stat st;
	bool sticky = false;
	int r = resolve(w, rel, blame, &final, &st, &sticky);

	if (r != 0 || !S_ISDIR(st.st_mode) || sticky)
		return r;
	return strv_push(&w->more, final);
}

static int walk_dir(struct walk *w, int dfd, unsigned depth);

/* The entry name of the directory parent, at w->path, st its lstat: judged; a
 * directory walked; a symlink resolved and judged on its way (follow()). 0, 1 or
 * -errno. */
static int walk_entry(struct walk *w, int parent, const char *name, const struct stat *st,
		      unsigned depth)
{
	enum verdict v = judge(st, w->me, w->why);
	int r, fd;

	/* A sticky directory is passed through on a link's way (usr/tmp -> ../var/tmp),
	 * never met in the tree itself: others could add a program there. */
	if (v != TRUSTED)
		return stop_at(w, NULL);
	if (S_ISLNK(st->st_mode))
		return follow(w, w->path, w->path);
	if (!S_ISDIR(st->st_mode))
		return 0;
	r = first_visit(w, st);
	if (r <= 0)
		return r;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : cannot_check(w, errno);
	return walk_dir(w, fd, depth + 1);
}

/* Walks the directory dfd (taken) at w->path, depth levels below the root; at the top,
 * the data directories are left out. 0, 1 or -errno. */
static int walk_dir(struct walk *w, int dfd, unsigned depth)
{
	_cleanup_closedir_ DIR *dir = fdopendir(dfd);
	size_t len = strlen(w->path);
	struct dirent *de;
	int r = 0;

	if (!dir) {
		r = errno;
		close(dfd);
		return cannot_check(w, r);
	}
	if (depth > TRUST_MAX_DEPTH) {
		snprintf(w->why, sizeof(w->why), "lies deeper than %u levels",
			 TRUST_MAX_DEPTH);
		return stop_at(w, NULL);
	}
	for (;;) {
		struct stat st;
		bool skip = false;

		errno = 0;
		de = readdir(dir);
		if (!de) {
			if (errno)
				r = cannot_check(w, errno);
			break;
		}
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		for (size_t i = 0; depth == 0 && i < ELEMENTSOF(data_dirs); i++)
			skip |= streq(de->d_name, data_dirs[i]);
		if (skip)
			continue;
		if (snprintf(w->path + len, sizeof(w->path) - len, "%s%s", len ? "/" : "",
			     de->d_name) >= (int)(sizeof(w->path) - len)) {
			snprintf(w->why, sizeof(w->why), "has a path too long to check");
			return stop_at(w, NULL);
		}
		if (++w->entries > TRUST_MAX_ENTRIES) {
			snprintf(w->why, sizeof(w->why),
				 "is past the first %u entries checked",
				 TRUST_MAX_ENTRIES);
			return stop_at(w, NULL);
		}
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			r = walk_entry(w, dirfd(dir), de->d_name, &st, depth);
		else if (errno != ENOENT)
			r = cannot_check(w, errno);
		w->path[len] = '\0';
		if (r != 0)
			break;
	}
	return r;
}

/* The library directories ld.so.conf names (rel; "include GLOB" lines read in turn,
 * relative to the including file's directory), each followed. 0, 1 or -errno. */
static int walk_ldso(struct walk *w, const char *rel, unsigned depth)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = 0, k;

	if (depth > LDSO_DEPTH || ++w->ldso_files > LDSO_FILES)
		return 0;
	k = sysroot_read_file(w->root, rel, LDSO_MAX, false, &buf, &len);
	if (k == -ENOENT)
		return 0;
	if (k < 0) {
		snprintf(w->why, sizeof(w->why), "cannot be checked: %s",
			 read_error_text(-k));
		return stop_at(w, rel);
	}
	for (char *line = buf, *next; r == 0 && line; line = next) {
		char *p, *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line[strcspn(line, "#")] = '\0';
		p = line + strspn(line, " \t");
		for (end = p + strlen(p); end > p && strchr(" \t\r", end[-1]); end--)
			;
		*end = '\0';
		if (!*p)
			continue;
		if (strncmp(p, "include", 7) == 0 && (p[7] == ' ' || p[7] == '\t')) {
			_cleanup_free_ char *dir = NULL, *pattern = NULL;
			_cleanup_closedir_ DIR *dh = NULL;
			const char *glob = p + 7 + strspn(p + 7, " \t");
			const char *base = strrchr(glob, '/');
			struct dirent *de;

			/* Relative to the directory of the file that includes it. */
			if (glob[0] == '/')
				dir = strndup(glob + 1,
					      base ? (size_t)(base - glob - 1) : 0);
			else if (asprintf(&dir, "%.*s%s%.*s",
					  (int)(strrchr(rel, '/') - rel), rel,
					  base ? "/" : "", base ? (int)(base - glob) : 0,
					  glob) < 0)
				dir = NULL;
			pattern = strdup(base ? base + 1 : glob);
			if (!dir || !pattern)
				return -ENOMEM;
			if (sysroot_opendir(w->root, *dir ? dir : ".", &dh) < 0)
				continue;
			while (r == 0 && (de = readdir(dh))) {
				_cleanup_free_ char *f = NULL;

				if (de->d_name[0] == '.' ||
				    fnmatch(pattern, de->d_name, 0))
					continue;
				if (asprintf(&f, "%s/%s", dir, de->d_name) < 0)
					return -ENOMEM;
				r = walk_ldso(w, f, depth + 1);
			}
			continue;
		}
		/* A directory, in old ldconfig syntax possibly "DIR=TYPE". */
		p[strcspn(p, "=")] = '\0';
		r = follow(w, p + strspn(p, "/"), rel);
	}
	return r;
}

/* The root directory, everything below it but the data directories, the library
 * directories of ld.so.conf, then the directories links point to not walked yet. */
static int walk_tree(struct walk *w)
{
	struct stat st;
	int r, fd;

	w->path[0] = '\0';
	if (fstat(w->root->fd, &st) < 0)
		return -errno;
	if (judge(&st, w->me, w->why) != TRUSTED)
		return stop_at(w, ".");
	r = first_visit(w, &st);
	if (r > 0) {
		fd = openat(w->root->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = fd < 0 ? cannot_check(w, errno) : walk_dir(w, fd, 0);
	}
	if (r == 0)
		r = walk_ldso(w, "etc/ld.so.conf", 0);
	/* (w->more grows while its directories are walked.) */
	for (size_t i = 0; r == 0 && w->more && w->more[i]; i++) {
		unsigned depth = 1;

		for (const char *c = w->more[i]; *c; c++)
			depth += *c == '/';
		snprintf(w->path, sizeof(w->path), "%s", w->more[i]);
		r = sysroot_stat(w->root, w->path, &st) < 0 ? 0 : first_visit(w, &st);
		if (r <= 0)
			continue;
		fd = sysroot_openat(w->root, w->path, O_RDONLY | O_DIRECTORY);
		r = fd < 0 ? (fd == -ENOENT ? 0 : cannot_check(w, -fd))
			   : walk_dir(w, fd, depth);
	}
	return r;
}

int trust_tree(const struct sysroot *root, uid_t me, char **ret_at, char why[static 256])
{
	struct walk w = {.root = root, .me = me};
	int r = walk_tree(&w);

	tdestroy(w.seen, free);
	strv_free(w.more);
	*ret_at = w.at;
	if (r > 0)
		snprintf(why, 256, "%s", w.why);
	else
		free(TAKE_PTR(*ret_at));
	return r;
}
