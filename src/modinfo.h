/* Module parameter metadata read with libkmod: parm and parmtype of a module file
 * (plain .ko or compressed) found through the kernel's modules.dep index. */
#pragma once

#include <stdbool.h>

#include "diag.h"
#include "machine.h"

struct kmod_ctx;

/* Opens libkmod on a kernel's module directory (an accessible path) with no
 * configuration files and no logging. NULL on failure. */
struct kmod_ctx *modinfo_context(const char *moddir);

/* A cache of parameter tables in front of the module files: load() fills s->params
 * for the file at path and returns true when it has a valid entry; store() is called
 * after a file was read. */
struct modinfo_cache {
	bool (*load)(void *data, const char *path, struct module_schema *s);
	void (*store)(void *data, const char *path, const struct module_schema *s);
	void *data;
};

/* Looks module up by name in ctx's index. When found, fills s->path (as libkmod gives
 * it), s->found and the parameters from cache (may be NULL) or its .modinfo; when
 * absent, s->found is false. 0, -ENOMEM, or a negative errno when the module file
 * cannot be read. */
int modinfo_lookup(struct kmod_ctx *ctx, const char *module,
		   const struct modinfo_cache *cache, struct module_schema *s);

/* Reads the parameters of the module file at path into s (s->module left alone).
 * 0 or -errno. */
int modinfo_read_file(struct kmod_ctx *ctx, const char *path, struct module_schema *s);
