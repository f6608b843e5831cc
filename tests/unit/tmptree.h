/* Temporary trees for the unit tests that read a root from disk: removed whole, as
 * `rm -rf` would (no symlink followed). */
#pragma once

#include <ftw.h>
#include <stdio.h>

static int tmptree_remove_one(const char *path, const struct stat *st, int flag,
			      struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path) < 0 ? -1 : 0;
}

/* Removes dir and everything below it. 0 or -1. */
static inline int tmptree_remove(const char *dir)
{
	return nftw(dir, tmptree_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
