/* The plan: intent -> exact settings per machine and kernel, validated against kernel
 * metadata. Kernels here are built in memory from the same parameter types as Debian's
 * 6.1 and 6.12 amdgpu and ttm modules (data/amdgpu-ttm-params-6.1-vs-6.12.tsv). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cases.h"

#include "kparam.h"
#include "plan.h"
#include "strv.h"
#include "util.h"

#define GiB (UINT64_C(1) << 30)

struct p {
	const char *name, *type;
};
/* The parameters these tests touch, with their types in each kernel line. */
static const struct p amdgpu_61[] = {
	{"gttsize", "int"},   {"noretry", "int"},	   {"vm_fragment_size", "int"},
	{"gartsize", "uint"}, {"ppfeaturemask", "hexint"}, {"dc", "int"},
	{"mes", "int"},	      {"cwsr_enable", "int"},	   {"lockup_timeout", "string"},
	{NULL, NULL},
};
static const struct p amdgpu_612[] = {
	{"gttsize", "int"},
	{"noretry", "int"},
	{"vm_fragment_size", "int"},
	{"gartsize", "uint"},
	{"ppfeaturemask", "hexint"},
	{"dc", "int"},
	{"mes", "int"},
	{"cwsr_enable", "int"},
	{"mtype_local", "int"},
	{"lockup_timeout", "string"},
	{"modeset", "int"},
	{NULL, NULL},
};
static const struct p ttm[] = {
	{"pages_limit", "ulong"},
	{"page_pool_size", "ulong"},
	{"dma32_pages_limit", "ulong"},
	{NULL, NULL},
};

static void add_module(struct kernel_info *k, const char *name, const struct p *params,
		       bool builtin)
{
	struct module_schema *s;

	k->modules = realloc(k->modules, (k->n_modules + 1) * sizeof(*k->modules));
	s = &k->modules[k->n_modules++];
	*s = (struct module_schema){
		.module = strdup(name), .found = true, .builtin = builtin};
	for (size_t i = 0; params && params[i].name; i++) {
		s->params = realloc(s->params, (s->n_params + 1) * sizeof(*s->params));
		s->params[s->n_params++] = (struct param_def){
			.name = strdup(params[i].name),
			.type = strdup(params[i].type),
			.desc = strdup(streq(params[i].name, "gttsize") &&
						       strstr(k->version, "6.16")
					       ? "Size of GTT (deprecated)"
					       : "desc"),
		};
	}
}

/* kernels: a space-separated list of versions; "@amdttm" adds the DKMS ttm and
 * "@builtin" builds ttm in. */
static struct machine_facts *machine(uint64_t mem, const char *kernels, bool npu)
{
	struct machine_facts *m = calloc(1, sizeof(*m));
	char **v = NULL;

	m->mem_total = mem;
	m->mem_known = mem != 0;
	m->page_size = 4096;
	m->npu_present = npu;
	strv_split_ws(kernels, &v);
	for (size_t i = 0; v[i]; i++) {
		struct kernel_info *k;
		char *plus = strchr(v[i], '@');
		bool amdttm = plus && strstr(plus, "amdttm"),
		     builtin = plus && strstr(plus, "builtin");

		if (plus)
			*plus = '\0';
		m->kernels =
			realloc(m->kernels, (m->n_kernels + 1) * sizeof(*m->kernels));
		k = &m->kernels[m->n_kernels++];
		*k = (struct kernel_info){.version = strdup(v[i]), .has_index = true};
		k->ver_known = kernel_version_parse(v[i], k->ver) == 0;
		add_module(k, "amdgpu", startswith(v[i], "6.1.") ? amdgpu_61 : amdgpu_612,
			   false);
		add_module(k, "ttm", ttm, builtin);
		if (amdttm)
			add_module(k, "amdttm", ttm, false);
		k->ttm_module = strdup(amdttm ? "amdttm" : "ttm");
	}
	strv_free(v);
	return m;
}

struct result {
	int r;
	struct plan *plan;
	struct diag_list d;
};

static struct result run(const char *profile_text, struct machine_facts *m, bool force)
{
	struct result res = {0};
	struct profile *p = NULL;
	struct plan_options o = {.force = force};

	assert_int_equal(profile_parse("t", "t.conf", profile_text, strlen(profile_text),
				       &p, &res.d),
			 0);
	/* Resolution gives match an empty vector; do the same for a lone profile. */
	if (!p->match)
		p->match = calloc(1, sizeof(char *));
	res.r = plan_build(p, m, &o, &res.plan, &res.d);
	profile_free(p);
	machine_facts_free(m);
	return res;
}

static void result_done(struct result *res)
{
	plan_free(res->plan);
	diag_list_done(&res->d);
}

static const struct setting *find(const struct result *res, const char *name)
{
	for (size_t i = 0; res->plan && i < res->plan->n_settings; i++)
		if (streq(res->plan->settings[i].name, name))
			return &res->plan->settings[i];
	return NULL;
}

/* The setting named name; the test fails when the plan lacks it. */
static const struct setting *must(const struct result *res, const char *name)
{
	const struct setting *s = find(res, name);

	if (!s)
		fail_msg("no setting %s in the plan", name);
	return s;
}

static bool said(const struct result *res, enum diag_level level, const char *text)
{
	for (size_t i = 0; i < res->d.n; i++)
		if (res->d.items[i].level == level &&
		    strstr(res->d.items[i].message, text))
			return true;
	return false;
}

#define STRIX "[profile]\ndescription = s\nmatch = gfx1151\n[memory]\n"

/* 75% of 128 GiB is 96 GiB = 25165824 pages; 6.12 needs no gttsize. */
static void test_gtt_612(void **state)
{
	struct result res = run(STRIX "gtt = 75%\n",
				machine(128 * GiB, "6.12.117+deb12-amd64", false), false);
	const struct setting *s;

	assert_int_equal(res.r, 0);
	s = find(&res, "ttm.pages_limit");
	assert_non_null(s);
	assert_string_equal(s->value, "25165824");
	assert_int_equal(s->where, WHERE_MODPROBE);
	assert_null(find(&res, "amdgpu.gttsize"));
	assert_int_equal(diag_count(&res.d, DIAG_ERROR), 0);
	result_done(&res);
}

/* An absolute size gives the same pages; 6.1 also gets gttsize in MiB. */
static void test_gtt_61_needs_gttsize(void **state)
{
	struct result res = run(STRIX "gtt = 96GiB\n",
				machine(128 * GiB, "6.1.0-56-amd64", false), false);

	assert_int_equal(res.r, 0);
	assert_string_equal(must(&res, "ttm.pages_limit")->value, "25165824");
	assert_string_equal(must(&res, "amdgpu.gttsize")->value, "98304");
	/* 6.1 has no GC 11.5.1, and KFD there is capped below any GTT size. */
	assert_true(said(&res, DIAG_WARNING, "predates amdgpu's GC 11.5.1 support"));
	assert_true(said(&res, DIAG_WARNING, "at most 3/8 of the RAM free"));
	result_done(&res);
}

#define MiB (UINT64_C(1) << 20)

static const struct gtt_61_cases_case {
	const char *what;
	uint64_t mem, page_size;
	const char *profile;
	const char *pages, *gttsize;
} gtt_61_cases[] = {
	{"75% of 100001 MiB is 75000.75 MiB: both say 75000 MiB", 100001 * MiB, 4096,
	 "gtt = 75%\n", "19200000", "75000"},
	{"75% of 12345 MiB is 9258.75 MiB: both say 9258 MiB", 12345 * MiB, 4096,
	 "gtt = 75%\n", "2370048", "9258"},
	{"75% of 61 GiB and 1 MiB is not a whole MiB either", 61 * GiB + MiB, 4096,
	 "gtt = 75%\n", "11993088", "46848"},
	{"a whole number of MiB is kept as it is", 128 * GiB, 4096, "gtt = 75%\n",
	 "25165824", "98304"},
	{"64 KiB pages: 75000 MiB is 1200000 of them", 100001 * MiB, 65536, "gtt = 75%\n",
	 "1200000", "75000"},
	{"a pool as large as gtt stays within it after the rounding", 100001 * MiB, 4096,
	 "gtt = 75%\npage_pool = 75%\n", "19200000", "75000"},
};

/* On a kernel that sizes the GTT from gttsize, the GTT is rounded down once to a whole
 * MiB, so that gttsize MiB is exactly pages_limit pages (else the disk lint calls them
 * disagreeing and the kernel logs "this is unusual"). */
static void test_gtt_61_rounding(void **state)
{
	/* One table case per run: *state points at it. */
	{
		const size_t i =
			(size_t)((const struct gtt_61_cases_case *)*state - gtt_61_cases);

		struct machine_facts *m =
			machine(gtt_61_cases[i].mem, "6.1.0-56-amd64", false);
		struct strbuf t = {0};
		struct result res;
		const struct setting *pages, *gttsize, *pool;
		uint64_t np, mib;

		m->page_size = gtt_61_cases[i].page_size;
		strbuf_printf(&t, STRIX "%s", gtt_61_cases[i].profile);
		res = run(t.s, m, false);
		if (res.r != 0)
			fail_msg("%s: refused: %s", gtt_61_cases[i].what,
				 res.d.n ? res.d.items[0].message : "?");
		pages = must(&res, "ttm.pages_limit");
		gttsize = must(&res, "amdgpu.gttsize");
		if (!streq(pages->value, gtt_61_cases[i].pages) ||
		    !streq(gttsize->value, gtt_61_cases[i].gttsize))
			fail_msg("%s: pages_limit=%s gttsize=%s", gtt_61_cases[i].what,
				 pages->value, gttsize->value);
		assert_int_equal(kparam_parse_u64(pages->value, &np), 0);
		assert_int_equal(kparam_parse_u64(gttsize->value, &mib), 0);
		assert_true(np * gtt_61_cases[i].page_size == mib * MiB);
		assert_true(pages->bytes == gttsize->bytes);
		pool = find(&res, "ttm.page_pool_size");
		if (pool)
			assert_string_equal(pool->value, pages->value);
		strbuf_done(&t);
		result_done(&res);
	}
}

/* reserve lowers gtt to leave RAM to the system, never below half of RAM. */
static const struct reserve_case {
	const char *what;
	uint64_t ram;
	const char *pages;
	const char *note;
} reserve_cases[] = {
	{"64 GiB: 75% leaves more than the reserve", 64 * GiB, "12582912", NULL},
	{"16 GiB: lowered to leave 8 GiB", 16 * GiB, "2097152",
	 "gtt = 75% lowered to leave 8.00 GiB of the 16.00 GiB of RAM to the system: half of "
	 "RAM, the kernel's own limit)"},
	{"12 GiB: not below half of RAM", 12 * GiB, "1572864",
	 "but not below half of RAM, the kernel's own limit"},
	{"8 GiB: a reserve of all of RAM leaves half of it", 8 * GiB, "1048576",
	 "but not below half of RAM, the kernel's own limit"},
};

static void test_reserve(void **state)
{
	const struct reserve_case *c = *state;
	struct result res = run(STRIX "gtt = 75%\nreserve = 8GiB\n",
				machine(c->ram, "6.12.118+deb12-amd64", false), false);
	const struct setting *s;

	assert_int_equal(res.r, 0);
	s = must(&res, "ttm.pages_limit");
	assert_string_equal(s->value, c->pages);
	if (c->note)
		assert_non_null(strstr(s->reason, c->note));
	else
		assert_null(strstr(s->reason, "lowered"));
	result_done(&res);
}

/* The page pool counts per NUMA node from 7.2: the reason names those kernels. */
static void test_page_pool_per_node(void **state)
{
	struct result res =
		run(STRIX "gtt = 96GiB\npage_pool = 8GiB\n",
		    machine(128 * GiB, "6.12.118+deb12-amd64 7.3.4-amd64", false), false);

	assert_int_equal(res.r, 0);
	assert_non_null(strstr(must(&res, "ttm.page_pool_size")->reason,
			       "freed pages (per NUMA node on 7.3.4-amd64)"));
	result_done(&res);
	res = run(STRIX "gtt = 96GiB\npage_pool = 8GiB\n",
		  machine(128 * GiB, "6.12.118+deb12-amd64", false), false);
	assert_null(strstr(must(&res, "ttm.page_pool_size")->reason, "NUMA"));
	result_done(&res);
	(void)state;
}

/* A 6.1 kernel next to one that deprecates gttsize: not written, and said. */
static void test_gtt_mixed(void **state)
{
	struct result res =
		run(STRIX "gtt = 96GiB\n",
		    machine(128 * GiB, "6.1.0-56-amd64 6.16.3-amd64", false), false);

	assert_int_equal(res.r, 0);
	assert_null(find(&res, "amdgpu.gttsize"));
	assert_true(said(&res, DIAG_WARNING, "deprecate"));
	result_done(&res);
}

/* The DKMS driver's amdttm gets the limit; a built-in ttm moves it to the command line.
 */
static void test_ttm_variants(void **state)
{
	struct result res = run(STRIX "gtt = 96GiB\n",
				machine(128 * GiB, "6.12.1-amd64@amdttm", false), false);

	assert_int_equal(res.r, 0);
	assert_non_null(find(&res, "amdttm.pages_limit"));
	assert_null(find(&res, "ttm.pages_limit"));
	result_done(&res);

	res = run(STRIX "gtt = 96GiB\n",
		  machine(128 * GiB, "6.12.1-amd64@builtin", false), false);
	assert_int_equal(res.r, 0);
	assert_int_equal(must(&res, "ttm.pages_limit")->where, WHERE_CMDLINE);
	assert_non_null(strstr(must(&res, "ttm.pages_limit")->reason, "built into"));
	result_done(&res);
}

/* More than 90% of RAM is refused unless forced; more than RAM always. */
static void test_gtt_guard(void **state)
{
	struct result res = run(STRIX "gtt = 95%\n",
				machine(128 * GiB, "6.12.1-amd64", false), false);

	assert_int_equal(res.r, -EINVAL);
	assert_true(said(&res, DIAG_ERROR, "above 90%"));
	assert_true(said(&res, DIAG_ERROR, "--force"));
	result_done(&res);
	res = run(STRIX "gtt = 95%\n", machine(128 * GiB, "6.12.1-amd64", false), true);
	assert_int_equal(res.r, 0);
	assert_true(said(&res, DIAG_WARNING, "accepted with --force"));
	result_done(&res);
	res = run(STRIX "gtt = 200GiB\n", machine(128 * GiB, "6.12.1-amd64", false),
		  true);
	assert_int_equal(res.r, -EINVAL);
	assert_true(said(&res, DIAG_ERROR, "more than the"));
	result_done(&res);
	res = run(STRIX "gtt = 90%\n", machine(0, "6.12.1-amd64", false), false);
	assert_int_equal(res.r, -EINVAL);
	assert_true(said(&res, DIAG_ERROR, "--memory"));
	result_done(&res);
}

/* page_pool never above gtt. */
static void test_page_pool(void **state)
{
	struct result res = run(STRIX "gtt = 64GiB\npage_pool = 80GiB\n",
				machine(128 * GiB, "6.12.1-amd64", false), false);

	assert_int_equal(res.r, -EINVAL);
	assert_true(said(&res, DIAG_ERROR, "larger than gtt"));
	result_done(&res);
	res = run(STRIX "gtt = 64GiB\npage_pool = 32GiB\n",
		  machine(128 * GiB, "6.12.1-amd64", false), false);
	assert_int_equal(res.r, 0);
	assert_string_equal(must(&res, "ttm.page_pool_size")->value, "8388608");
	result_done(&res);
}

/* mtype on a GPU that ignores it is not written; on MI300 it is, and a kernel without
 * mtype_local is named. */
static void test_mtype(void **state)
{
	struct result res = run(STRIX "mtype = nc\n",
				machine(128 * GiB, "6.12.1-amd64", false), false);

	assert_int_equal(res.r, 0);
	assert_null(find(&res, "amdgpu.mtype_local"));
	assert_true(said(&res, DIAG_WARNING, "no effect on gfx1151"));
	result_done(&res);
	res = run("[profile]\ndescription = mi\nmatch = gfx942\n[memory]\nmtype = nc\n",
		  machine(128 * GiB, "6.1.0-56-amd64 6.12.1-amd64", false), false);
	assert_int_equal(res.r, 0);
	assert_string_equal(must(&res, "amdgpu.mtype_local")->value, "1");
	assert_true(
		said(&res, DIAG_WARNING, "not a parameter of amdgpu in 6.1.0-56-amd64"));
	result_done(&res);
}

static const struct option_cases_case {
	const char *what, *section;
	bool error;
	const char *text;
} option_cases[] = {
	{"a misspelt name is an error with the closest real name",
	 "[module amdgpu]\ngtt_size = 1024\n", true,
	 "gtt_size: no such parameter of amdgpu in 6.1.0-56-amd64, 6.12.117+deb12-amd64; did you mean 'gttsize'?"},
	{"an unknown name gets a suggestion from the kernel's own names",
	 "[module amdgpu]\nvm_fragmentsize = 9\n", true,
	 "did you mean 'vm_fragment_size'?"},
	{"-1 for a uint would stop the module loading",
	 "[module amdgpu]\ngartsize = -1\n", true,
	 "gartsize=-1: not a valid value for uint"},
	{"an int out of range would stop the module loading",
	 "[module amdgpu]\nnoretry = 4294967296\n", true, "out of range for int"},
	{"0800 is not a number for the kernel",
	 "[module amdgpu]\nvm_fragment_size = 0800\n", true, "not a valid value"},
	{"gttsize is set through [memory] gtt", "[module amdgpu]\ngttsize = 98304\n",
	 true, "[memory] gtt"},
	{"amdgpu.dc=0 means no display", "[module amdgpu]\ndc = 0\n", true, "no display"},
	{"a ppfeaturemask literal names the bits it flips",
	 "[module amdgpu]\nppfeaturemask = 0xffffffff\n", true, "flips bits 0x84000"},
	{"mes has no effect on GC 11, on 6.1 because MES is always on",
	 "[module amdgpu]\nmes = 0\n", false,
	 "amdgpu.mes has no effect on gfx1151 with 6.1.0-56-amd64: GC 11 and 12 always use MES"},
	{"mes has no effect from 6.12: never read", "[module amdgpu]\nmes = 1\n", false,
	 "amdgpu.mes has no effect on 6.12.117+deb12-amd64: from 6.12 on the kernel never reads it"},
	{"amd_iommu=nohugepages is unknown to 6.1", "[kernel]\namd_iommu = nohugepages\n",
	 false, "amd_iommu=nohugepages: not an option 6.1.0-56-amd64 knows"},
	{"amdkfd is not a module", "[module amdkfd]\nnoretry = 0\n", false,
	 "there is no module amdkfd"},
	{"amdttm options without the DKMS driver", "[module amdttm]\npages_limit = 5\n",
	 false, "amdttm is not a module of 6.1.0-56-amd64, 6.12.117+deb12-amd64"},
	{"noretry=1 is GC 11's default everywhere", "[module amdgpu]\nnoretry = 1\n",
	 false,
	 "amdgpu.noretry=1 is already the default on gfx1151 (GC 11.5) with 6.1.0-56-amd64, 6.12.117+deb12-amd64: no effect there"},
	{"amd_iommu=on does not exist", "[kernel]\namd_iommu = on\n", true,
	 "amd_iommu=on does not exist"},
	{"amd_iommu=pt does not exist", "[kernel]\namd_iommu = pt\n", true,
	 "amd_iommu=pt does not exist"},
	{"amd_iommu=off without an NPU is a warning", "[kernel]\namd_iommu = off\n",
	 false,
	 "an XDNA NPU (amdxdna, in the kernel from 6.14) and VFIO passthrough stop working"},
	{"module options in [kernel] belong in [module]",
	 "[kernel]\namdgpu.noretry = 0\n", true, "belong in [module amdgpu]"},
	{"ttm pages_limit is computed from [memory]",
	 "[memory]\ngtt = 1GiB\n[module ttm]\npages_limit = 5\n", true,
	 "computed from [memory]"},
	{"a module no kernel has is a warning", "[module nosuchmod]\nx = 1\n", false,
	 "module nosuchmod not found"},
	{"one lockup_timeout leaves compute at 60 s on 6.x",
	 "[module amdgpu]\nlockup_timeout = 10000\n", false,
	 "one value sets the GFX, SDMA and Video timeouts on 6.1.0-56-amd64, 6.12.117+deb12-amd64; compute jobs keep 60 s"},
	{"a lockup_timeout field kstrtol refuses fails the GPU's initialisation",
	 "[module amdgpu]\nlockup_timeout = 10000,60s\n", true,
	 "'60s' is not a number the kernel reads"},
	{"an empty lockup_timeout field ends the parse",
	 "[module amdgpu]\nlockup_timeout = 5000,,3000\n", false,
	 "an empty field ends the kernel's parse"},
	{"a leading 0 is octal to kstrtol", "[module amdgpu]\nlockup_timeout = 010000\n",
	 false, "is octal to the kernel"},
	{"a negative lockup_timeout turns the timeout off",
	 "[module amdgpu]\nlockup_timeout = 2000,-1,2000,2000\n", false,
	 "a negative value turns the timeout off"},
	{"more than four lockup_timeout values",
	 "[module amdgpu]\nlockup_timeout = 1,2,3,4,5\n", false, "ignores the rest"},
	{"amdgpu.modeset=0 does not keep amdgpu off", "[module amdgpu]\nmodeset = 0\n",
	 false, "amdgpu.modeset=0 does not keep amdgpu off the GPU"},
};

static void test_options(void **state)
{
	/* One table case per run: *state points at it. */
	{
		const size_t i =
			(size_t)((const struct option_cases_case *)*state - option_cases);

		struct strbuf t = {0};
		struct result res;

		strbuf_printf(&t, "[profile]\ndescription = t\nmatch = gfx1151\n%s",
			      option_cases[i].section);
		res = run(
			t.s,
			machine(128 * GiB, "6.1.0-56-amd64 6.12.117+deb12-amd64", false),
			false);
		if (option_cases[i].error && res.r != -EINVAL)
			fail_msg("%s: accepted", option_cases[i].what);
		if (!option_cases[i].error && res.r != 0)
			fail_msg("%s: refused: %s", option_cases[i].what,
				 res.d.n ? res.d.items[0].message : "?");
		if (!said(&res, option_cases[i].error ? DIAG_ERROR : DIAG_WARNING,
			  option_cases[i].text))
			fail_msg("%s: no finding with '%s' (first: %s)",
				 option_cases[i].what, option_cases[i].text,
				 res.d.n ? res.d.items[0].message : "none");
		for (size_t k = 0; k < res.d.n; k++)
			if (res.d.items[k].line == 0 && res.d.items[k].file == NULL &&
			    !strstr(res.d.items[k].message, "gfx1151"))
				fail_msg("%s: finding without a line: %s",
					 option_cases[i].what, res.d.items[k].message);
		strbuf_done(&t);
		result_done(&res);
	}
}

/* Facts that change at 6.13/6.14 are said for the kernels they hold for, and only
 * for those. */
static void test_per_kernel(void **state)
{
	struct result res = run(
		"[profile]\ndescription = t\nmatch = gfx1151\n[module amdgpu]\nppfeaturemask = 0xfff7ffff\n",
		machine(128 * GiB, "6.12.117+deb12-amd64 6.14.0-1018-oem", false), true);

	assert_int_equal(res.r, 0);
	/* The default with OVERDRIVE set: named, not refused. */
	assert_true(
		said(&res, DIAG_WARNING,
		     "ppfeaturemask=0xfff7ffff sets OVERDRIVE (0x4000) of the default "
		     "0xfff7bfff; OVERDRIVE taints 6.14.0-1018-oem (6.13 and later)"));
	assert_false(said(&res, DIAG_WARNING, "taints 6.12"));
	result_done(&res);
	res = run(
		"[profile]\ndescription = t\nmatch = gfx1151\n[module amdgpu]\nppfeaturemask = 0xffffffff\n",
		machine(128 * GiB, "6.12.117+deb12-amd64 6.14.0-1018-oem", false), true);
	assert_true(
		said(&res, DIAG_WARNING,
		     "its OVERDRIVE bit 0x4000 taints 6.14.0-1018-oem, 6.13 and later"));
	result_done(&res);
	res = run(
		"[profile]\ndescription = t\nmatch = gfx1151\n[module amdgpu]\nppfeaturemask = 0xfff7bfff\n",
		machine(128 * GiB, "6.12.117+deb12-amd64", false), false);
	assert_int_equal(res.r, 0);
	assert_true(said(&res, DIAG_WARNING, "is the default mask: it changes nothing"));
	/* Both kernels carry the gfx1151 fixes: no warning about them. */
	assert_false(said(&res, DIAG_WARNING, "KFD fixes"));
	result_done(&res);
	/* RDNA1's noretry default changed in 7.0: 0 is a no-op on 6.12 only. */
	res = run(
		"[profile]\ndescription = t\nmatch = gfx1010\n[module amdgpu]\nnoretry = 0\n",
		machine(128 * GiB, "6.12.117+deb12-amd64 7.3.4-amd64 6.18.2-amd64",
			false),
		false);
	assert_int_equal(res.r, 0);
	assert_true(said(
		&res, DIAG_WARNING,
		"amdgpu.noretry=0 is already the default on gfx1010 (GC 10.1) with 6.12.117+deb12-amd64"));
	assert_false(said(&res, DIAG_WARNING, "7.3.4-amd64: no effect"));
	assert_true(said(&res, DIAG_WARNING, "whether 6.18.2-amd64 defaults to 0 or 1"));
	result_done(&res);
	res = run("[profile]\ndescription = mi\nmatch = gfx942\n[memory]\nmtype = nc\n",
		  machine(128 * GiB, "6.12.117+deb12-amd64 6.14.0-1018-oem", false),
		  false);
	assert_int_equal(res.r, 0);
	assert_true(strstr(must(&res, "amdgpu.mtype_local")->reason,
			   "it taints 6.14.0-1018-oem") != NULL);
	result_done(&res);
	/* 7.3 copies a single 0 to every queue's timeout: refused unless forced. */
	res = run(
		"[profile]\ndescription = t\nmatch = gfx1151\n[module amdgpu]\nlockup_timeout = 0\n",
		machine(128 * GiB, "6.12.117+deb12-amd64 7.3.4-amd64", false), false);
	assert_int_equal(res.r, -EINVAL);
	assert_true(said(&res, DIAG_ERROR,
			 "on 7.3.4-amd64 a single 0 sets every queue's timeout to 0"));
	result_done(&res);
	/* An empty field ends the parse: "0," is still the single-value case. */
	res = run(
		"[profile]\ndescription = t\nmatch = gfx1151\n[module amdgpu]\nlockup_timeout = 0,,5000\n",
		machine(128 * GiB, "7.3.4-amd64", false), false);
	assert_int_equal(res.r, -EINVAL);
	assert_true(said(&res, DIAG_ERROR, "a single 0 sets every queue's timeout to 0"));
	result_done(&res);
	/* gfx950 (GC 9.5.0): read on 7.3, not driven by 6.12, not known between. */
	res = run("[profile]\ndescription = mi\nmatch = gfx950\n[memory]\nmtype = nc\n",
		  machine(128 * GiB, "6.12.117+deb12-amd64 7.3.4-amd64", false), false);
	assert_int_equal(res.r, 0);
	must(&res, "amdgpu.mtype_local");
	assert_true(
		said(&res, DIAG_WARNING,
		     "mtype = nc has no effect on gfx950 with 6.12.117+deb12-amd64 ("));
	result_done(&res);
	res = run("[profile]\ndescription = mi\nmatch = gfx950\n[memory]\nmtype = nc\n",
		  machine(128 * GiB, "6.12.117+deb12-amd64 7.2.13-amd64", false), false);
	assert_int_equal(res.r, 0);
	assert_true(said(&res, DIAG_WARNING,
			 "whether 7.2.13-amd64 reads it for gfx950 is not known"));
	result_done(&res);
	res = run("[profile]\ndescription = mi\nmatch = gfx942\n[memory]\nmtype = nc\n",
		  machine(128 * GiB, "6.12.117+deb12-amd64", false), false);
	assert_int_equal(res.r, 0);
	assert_null(strstr(must(&res, "amdgpu.mtype_local")->reason, "taint"));
	result_done(&res);
}

/* amd_iommu=off with an NPU present needs --force. */
static void test_npu(void **state)
{
	struct result res = run("[profile]\ndescription = t\n[kernel]\namd_iommu = off\n",
				machine(128 * GiB, "6.12.1-amd64", true), false);

	assert_int_equal(res.r, -EINVAL);
	assert_true(said(&res, DIAG_ERROR, "NPU found on this machine"));
	result_done(&res);
	res = run("[profile]\ndescription = t\n[kernel]\namd_iommu = off\n",
		  machine(128 * GiB, "6.12.1-amd64", true), true);
	assert_int_equal(res.r, 0);
	assert_string_equal(must(&res, "amd_iommu")->value, "off");
	assert_int_equal(must(&res, "amd_iommu")->where, WHERE_CMDLINE);
	result_done(&res);
}

/* placement = cmdline moves module options to the command line; names are canonical. */
static void test_placement(void **state)
{
	struct result res = run(
		"[profile]\ndescription = t\nplacement = cmdline\n[module amdgpu]\nvm-fragment-size = 9\n[kernel]\nnomodeset =\n",
		machine(128 * GiB, "6.12.1-amd64", false), false);
	const struct setting *s;

	assert_int_equal(res.r, 0);
	s = find(&res, "amdgpu.vm_fragment_size");
	assert_non_null(s);
	assert_int_equal(s->where, WHERE_CMDLINE);
	assert_null(must(&res, "nomodeset")->value);
	result_done(&res);
}

/* Without kernels, options cannot be checked, and that is said. */
static void test_no_kernels(void **state)
{
	struct result res = run("[profile]\ndescription = t\n[module amdgpu]\nfoo = 1\n",
				machine(128 * GiB, "", false), false);

	assert_int_equal(res.r, 0);
	assert_true(said(&res, DIAG_WARNING, "no kernel under lib/modules"));
	result_done(&res);
}

static void test_distance(void **state)
{
	assert_int_equal(plan_name_distance("gtt_size", "gttsize"), 1);
	assert_int_equal(plan_name_distance("vm-fragment-size", "vm_fragment_size"), 0);
	assert_int_equal(plan_name_distance("", "abc"), 3);
	assert_int_equal(plan_name_distance("kitten", "sitting"), 3);
}

int main(void)
{
	/* One TAP line per table case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(gtt_61_cases) + ELEMENTSOF(option_cases) +
				ELEMENTSOF(reserve_cases) + 13];
	size_t n = 0;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_gtt_612);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_gtt_61_needs_gttsize);
	TABLE_TESTS(tests, n, gtt_61_cases, test_gtt_61_rounding);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_gtt_mixed);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_page_pool_per_node);
	TABLE_TESTS(tests, n, reserve_cases, test_reserve);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_ttm_variants);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_gtt_guard);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_page_pool);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_mtype);
	TABLE_TESTS(tests, n, option_cases, test_options);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_npu);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_per_kernel);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_placement);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_no_kernels);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_distance);
	return _cmocka_run_group_tests("plan", tests, n, NULL, NULL);
}
