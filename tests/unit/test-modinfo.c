/* libkmod reads parameter metadata from synthetic modules built here, plain and xz, and
 * finds them by name through a depmod index, as it does for Debian's real modules. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <libkmod.h>

#include "facts.h"
#include "modinfo.h"
#include "strv.h"
#include "sysroot.h"
#include "util.h"

static char tmpdir[] = "/tmp/amdgpu-tune-modinfo-XXXXXX";

static void sh(const char *fmt, ...)
{
	struct strbuf b = {0};
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (system(b.s) != 0)
		fail_msg("command failed: %s", b.s);
	strbuf_done(&b);
}

static int setup(void **state)
{
	const char *src = getenv("top_srcdir");

	if (!src)
		src = ".";
	if (!mkdtemp(tmpdir))
		return -1;
	sh("printf 'noretry int Disable retry faults\\ngttsize int Size of GTT (deprecated)\\nppfeaturemask hexint mask\\ndisable_cu charp cus\\n' | "
	   "sh '%s/tests/mkmod.sh' %s/lib/modules/6.12.1-t/kernel/amdgpu.ko.xz amdgpu",
	   src, tmpdir);
	sh("printf 'pages_limit ulong Number of pages\\n' | sh '%s/tests/mkmod.sh' %s/lib/modules/6.12.1-t/kernel/ttm.ko ttm",
	   src, tmpdir);
	sh("${DEPMOD:-depmod} -b %s 6.12.1-t 2>/dev/null", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	sh("rm -rf %s", tmpdir);
	return 0;
}

static const struct param_def *param(const struct module_schema *s, const char *name)
{
	const struct param_def *p = module_schema_param(s, name);

	if (!p)
		fail_msg("no parameter %s", name);
	return p;
}

/* An xz module's parm and parmtype come through libkmod, one entry per parameter. */
static void test_read_xz(void **state)
{
	struct strbuf path = {0}, dir = {0};
	struct module_schema s = {0};
	struct kmod_ctx *ctx;

	strbuf_printf(&dir, "%s/lib/modules/6.12.1-t", tmpdir);
	strbuf_printf(&path, "%s/kernel/amdgpu.ko.xz", dir.s);
	ctx = modinfo_context(dir.s);
	assert_non_null(ctx);
	assert_int_equal(modinfo_read_file(ctx, path.s, &s), 0);
	assert_int_equal(s.n_params, 4);
	assert_string_equal(param(&s, "noretry")->type, "int");
	assert_string_equal(param(&s, "noretry")->desc, "Disable retry faults");
	assert_string_equal(param(&s, "ppfeaturemask")->type, "hexint");
	assert_string_equal(param(&s, "disable-cu")->type, "charp");
	assert_null(module_schema_param(&s, "gtt_size"));
	module_schema_done(&s);
	kmod_unref(ctx);
	strbuf_done(&path);
	strbuf_done(&dir);
}

/* Lookup by name goes through modules.dep.bin; an absent module is not an error. */
static void test_lookup(void **state)
{
	struct strbuf dir = {0};
	struct module_schema s = {0}, t = {0};
	struct kmod_ctx *ctx;

	strbuf_printf(&dir, "%s/lib/modules/6.12.1-t", tmpdir);
	ctx = modinfo_context(dir.s);
	assert_int_equal(modinfo_lookup(ctx, "ttm", NULL, &s), 0);
	assert_true(s.found);
	assert_non_null(strstr(s.path, "kernel/ttm.ko"));
	assert_string_equal(param(&s, "pages_limit")->type, "ulong");
	assert_int_equal(modinfo_lookup(ctx, "amdttm", NULL, &t), 0);
	assert_false(t.found);
	module_schema_done(&s);
	module_schema_done(&t);
	kmod_unref(ctx);
	strbuf_done(&dir);
}

/* The facts reader finds kernels under a root, their TTM module and schemas. */
static void test_facts(void **state)
{
	struct sysroot *root = NULL;
	struct machine_facts *m = NULL;
	struct diag_list d = {0};
	const struct module_schema *s;

	sh("mkdir -p %s/proc && printf 'MemTotal:       131072000 kB\\nMemFree: 1 kB\\n' > %s/proc/meminfo",
	   tmpdir, tmpdir);
	assert_int_equal(sysroot_open(tmpdir, &root), 0);
	assert_int_equal(machine_facts_read(root, 0, NULL, NULL, &m, &d), 0);
	assert_true(m->mem_known);
	assert_int_equal(m->mem_total, UINT64_C(131072000) * 1024);
	assert_int_equal(m->n_kernels, 1);
	assert_string_equal(m->kernels[0].version, "6.12.1-t");
	assert_true(m->kernels[0].ver_known);
	assert_int_equal(m->kernels[0].ver[1], 12);
	assert_string_equal(m->kernels[0].ttm_module, "ttm");
	s = kernel_module(&m->kernels[0], "amdgpu");
	assert_non_null(s);
	assert_true(s->found);
	assert_string_equal(s->path, "lib/modules/6.12.1-t/kernel/amdgpu.ko.xz");
	machine_facts_free(m);
	m = NULL;
	assert_int_equal(machine_facts_read(root, 0, "6.1.0-1", NULL, &m, &d), -ENOENT);
	assert_non_null(strstr(d.items[d.n - 1].message, "not installed"));
	diag_list_done(&d);
	sysroot_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_xz),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_facts),
	};
	return cmocka_run_group_tests_name("modinfo", tests, setup, teardown);
}
