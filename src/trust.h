/* Whether a tree's programs may be run as root: everything they could execute, source or
 * load is owned by root (or the caller) and cannot be changed by anyone else. Rather
 * than a list of the places the tools read (which misses the next one), the whole tree
 * is walked but its data directories (TRUST_DATA_DIRS), each directory once; every
 * symlink is resolved inside the root one component at a time, each directory and link
 * on the way judged too (a link's target can be replaced by whoever can write any
 * directory on its way); a link to nothing is refused when someone else could create
 * what it names; a directory a link points to is walked as well, and so are the
 * directories etc/ld.so.conf (and what it includes) names, from which the dynamic
 * loader loads libraries. Character and block devices and sockets are not judged
 * (nothing runs them; masked units link to dev/null); a root-owned sticky directory
 * (tmp) is passed through, not walked. An entry that cannot be read stops the walk.
 * Bounded: TRUST_MAX_ENTRIES entries, TRUST_MAX_DEPTH levels, 40 links per path. */
#pragma once

#include <sys/types.h>

struct sysroot;

#define TRUST_DATA_DIRS                                                             \
	"boot", "dev", "home", "lost+found", "media", "mnt", "proc", "root", "run", \
		"srv", "sys", "tmp", "var"
#define TRUST_MAX_ENTRIES 4000000u
#define TRUST_MAX_DEPTH	  64u

/* 0 when the tree can be trusted; 1 with *ret_at (a new string, relative to the root,
 * "." for the root itself) and why ("is owned by uid 1000", ...) when it cannot;
 * -ENOMEM. me is the caller's uid, whose entries count as root's. */
int trust_tree(const struct sysroot *root, uid_t me, char **ret_at, char why[static 256]);
