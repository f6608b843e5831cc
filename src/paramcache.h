/* A cache of module parameter tables under var/cache/amdgpu-tune/VERSION/MODULE.params,
 * so commands need not decompress amdgpu.ko.xz (about half a second) every run. An
 * entry is keyed by the module file's path, size, modification time, inode and device:
 * a changed or reinstalled module misses and is read again. Entries are written
 * atomically; a corrupt entry is ignored, and so is one that it or a directory from
 * var/cache/amdgpu-tune down to it is a symlink, owned by another user than root (or,
 * with --root, the caller) or writable by group or others. */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

#include "machine.h"
#include "modinfo.h"

struct sysroot;

struct paramcache {
	const struct sysroot *root;
	const char *version; /* kernel the module belongs to */
	const char *moddir;  /* the path prefix libkmod's module paths start with */
	bool disabled;
	bool read_only; /* load entries, store none */
};

/* The text of an entry for s under key, in a new string. 0 or -ENOMEM. Pure. */
int paramcache_format(const char *key, const struct module_schema *s, char **ret);

/* Fills s->params from an entry's text when its key equals key. 0, -ESTALE (another
 * key), -EBADMSG (not an entry) or -ENOMEM; s is unchanged on failure. Pure. */
int paramcache_parse(const char *buf, size_t len, const char *key,
		     struct module_schema *s);

/* The hooks for modinfo_lookup(); data is a struct paramcache. */
extern const struct modinfo_cache paramcache_ops;
