#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "machine.h"
#include "strv.h"
#include "util.h"

const char *const amd_modules[] = {"amdgpu", "ttm", "amdttm", NULL};
const char *const ttm_modules[] = {"ttm", "amdttm", NULL};

static bool listed(const char *const *l, const char *module)
{
	for (; *l; l++)
		if (cmdline_name_equal(*l, module))
			return true;
	return false;
}

bool is_amd_module(const char *module)
{
	return listed(amd_modules, module);
}

bool is_ttm_module(const char *module)
{
	return listed(ttm_modules, module);
}

bool initramfs_loads(const char *module)
{
	return is_amd_module(module) || cmdline_name_equal(module, "drm");
}

const struct module_schema *kernel_module(const struct kernel_info *k, const char *module)
{
	for (size_t i = 0; i < k->n_modules; i++)
		if (cmdline_name_equal(k->modules[i].module, module))
			return &k->modules[i];
	return NULL;
}

const struct param_def *module_schema_param(const struct module_schema *s,
					    const char *name)
{
	for (size_t i = 0; i < s->n_params; i++)
		if (cmdline_name_equal(s->params[i].name, name))
			return &s->params[i];
	return NULL;
}

bool param_is_deprecated(const struct param_def *p)
{
	return p->desc && strcasestr(p->desc, "deprecated");
}

bool kernel_dir_name_is_valid(const char *s)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t n = strlen(s);

	return n && n <= KERNEL_NAME_MAX && strchr(alnum, s[0]) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._+~-") == n;
}

int kernel_version_parse(const char *s, unsigned ret[3])
{
	unsigned v[3] = {0};
	size_t i = 0;

	for (;;) {
		unsigned long n = 0;
		size_t digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 6)
			n = n * 10 + (unsigned long)(*s++ - '0'), digits++;
		if (!digits)
			return -EINVAL;
		v[i++] = (unsigned)n;
		if (i == 3 || *s != '.')
			break;
		s++;
	}
	if (i < 2)
		return -EINVAL;
	memcpy(ret, v, sizeof(v));
	return 0;
}

void module_schema_done(struct module_schema *s)
{
	for (size_t i = 0; i < s->n_params; i++) {
		free(s->params[i].name);
		free(s->params[i].type);
		free(s->params[i].desc);
	}
	free(s->params);
	free(s->module);
	free(s->path);
	strv_free(s->depends);
}

static void kernel_info_done(struct kernel_info *k)
{
	for (size_t i = 0; i < k->n_modules; i++)
		module_schema_done(&k->modules[i]);
	free(k->modules);
	free(k->version);
	free(k->ttm_module);
}

void machine_facts_free(struct machine_facts *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_kernels; i++)
		kernel_info_done(&m->kernels[i]);
	free(m->kernels);
	free(m);
}

void gpus_free(struct gpu *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(g[i].pci);
		free(g[i].gfx);
		free(g[i].driver);
	}
	free(g);
}
