#include <errno.h>
#include <libkmod.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "cmdline.h"
#include "modinfo.h"
#include "strv.h"
#include "util.h"

static void silent_log(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
}

struct kmod_ctx *modinfo_context(const char *moddir)
{
	/* No configuration: only lookups and metadata are wanted, and the host's
	 * modprobe.d must not leak into a --root tree. */
	static const char *const no_config[] = {NULL};
	struct kmod_ctx *ctx = kmod_new(moddir, no_config);

	if (ctx)
		kmod_set_log_fn(ctx, silent_log, NULL);
	return ctx;
}

static struct param_def *param_get(struct module_schema *s, const char *name, size_t n)
{
	struct param_def *p;

	for (size_t i = 0; i < s->n_params; i++)
		if (strlen(s->params[i].name) == n &&
		    strncmp(s->params[i].name, name, n) == 0)
			return &s->params[i];
	if (ARRAY_GROW(s->params, s->n_params) < 0)
		return NULL;
	p = &s->params[s->n_params];
	*p = (struct param_def){.name = strndup(name, n)};
	if (!p->name)
		return NULL;
	s->n_params++;
	return p;
}

static int read_info(struct kmod_module *mod, struct module_schema *s)
{
	struct kmod_list *list = NULL, *l;
	int r = kmod_module_get_info(mod, &list);

	if (r < 0)
		return r;
	r = 0;
	kmod_list_foreach(l, list)
	{
		const char *key = kmod_module_info_get_key(l),
			   *value = kmod_module_info_get_value(l);
		bool is_type = streq(key, "parmtype");
		const char *colon;
		struct param_def *p;
		char **field;

		if (!value || (!is_type && !streq(key, "parm")))
			continue;
		/* "name:type" and "name:description" (modinfo -F parm / parmtype). */
		colon = strchr(value, ':');
		if (!colon || colon == value)
			continue;
		p = param_get(s, value, (size_t)(colon - value));
		if (!p) {
			r = -ENOMEM;
			break;
		}
		field = is_type ? &p->type : &p->desc;
		if (!*field && !(*field = strdup(colon + 1))) {
			r = -ENOMEM;
			break;
		}
	}
	kmod_module_info_free_list(list);
	return r;
}

/* libkmod opens a module file blocking (kmod_file_open()): a FIFO there would hang
 * us. 0 for a regular file (after symlinks, as libkmod opens it), -EBADF (not a regular
 * file) or -errno. */
static int module_file_check(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	return S_ISREG(st.st_mode) ? 0 : -EBADF;
}

int modinfo_read_file(struct kmod_ctx *ctx, const char *path, struct module_schema *s)
{
	struct kmod_module *mod = NULL;
	int r = module_file_check(path);

	if (r < 0)
		return r;
	r = kmod_module_new_from_path(ctx, path, &mod);

	if (r < 0)
		return r;
	r = read_info(mod, s);
	kmod_module_unref(mod);
	return r;
}

int modinfo_lookup(struct kmod_ctx *ctx, const char *module,
		   const struct modinfo_cache *cache, struct module_schema *s)
{
	struct kmod_module *mod = NULL;
	_cleanup_free_ char *name = cmdline_name_canonical(module);
	const char *path;
	int r;

	if (!name)
		return -ENOMEM;
	r = kmod_module_new_from_name(ctx, name, &mod);
	if (r < 0)
		return r;
	path = kmod_module_get_path(mod);
	if (!path) {
		kmod_module_unref(mod);
		s->found = false;
		return 0;
	}
	s->path = strdup(path);
	s->found = true;
	/* From the modules.dep index: cheap, and not part of the cached metadata. */
	{
		struct kmod_list *deps = kmod_module_get_dependencies(mod), *l;

		kmod_list_foreach(l, deps)
		{
			struct kmod_module *dm = kmod_module_get_module(l);

			if (dm && strv_push(&s->depends, kmod_module_get_name(dm)) < 0)
				r = -ENOMEM;
			kmod_module_unref(dm);
		}
		kmod_module_unref_list(deps);
		if (r == -ENOMEM) {
			kmod_module_unref(mod);
			return r;
		}
	}
	r = s->path ? module_file_check(s->path) : -ENOMEM;
	if (r < 0) {
		kmod_module_unref(mod);
		return r;
	}
	if (cache && cache->load(cache->data, s->path, s)) {
		kmod_module_unref(mod);
		return 0;
	}
	r = read_info(mod, s);
	if (r == 0 && cache)
		cache->store(cache->data, s->path, s);
	kmod_module_unref(mod);
	return r;
}
