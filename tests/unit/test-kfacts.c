/* What each kernel line does, as kfacts.h states it: one table row per kernel and
 * fact, including the kernels where the answer changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "machine.h"
#include "gpu.h"
#include "kfacts.h"
#include "util.h"

static void parse(const char *release, unsigned v[3])
{
	assert_int_equal(kernel_version_parse(release, v), 0);
}

static const struct gfx1151_case {
	const char *release;
	enum kf_gfx1151 want;
} gfx1151_cases[] = {
	{"6.1.0-57-amd64", KF_GFX1151_NOT_DRIVEN},
	{"6.8.0-49-generic", KF_GFX1151_NOT_DRIVEN},
	{"6.9.0", KF_GFX1151_NOT_KNOWN},
	{"6.12.63-amd64", KF_GFX1151_NOT_KNOWN},
	{"6.12.64-amd64", KF_GFX1151_FIXED},
	{"6.12.117+deb12-amd64", KF_GFX1151_FIXED},
	{"6.14.0-1017-oem", KF_GFX1151_NOT_KNOWN},
	{"6.14.0-1018-oem", KF_GFX1151_FIXED},
	{"6.14.0-1018-generic", KF_GFX1151_NOT_KNOWN},
	{"6.16.3-amd64", KF_GFX1151_NOT_KNOWN},
	{"6.17.0-18-generic", KF_GFX1151_NOT_KNOWN},
	{"6.17.0-19-generic", KF_GFX1151_FIXED},
	{"6.17.0-19-oem", KF_GFX1151_NOT_KNOWN},
	{"6.18.3-amd64", KF_GFX1151_NOT_KNOWN},
	{"6.18.4-amd64", KF_GFX1151_FIXED},
	{"6.19.1", KF_GFX1151_FIXED},
	{"7.3.4-amd64", KF_GFX1151_FIXED},
};

static void test_gfx1151(void **state)
{
	const struct gfx1151_case *c = *state;
	unsigned v[3];

	parse(c->release, v);
	assert_int_equal(kf_gfx1151(v, c->release), c->want);
}

static const struct version_case {
	const char *release;
	bool follows, deprecated, mtype_taints, overdrive_taints, xdna, kfd_apu;
} version_cases[] = {
	{"6.1.0-57-amd64", false, false, false, false, false, false},
	{"6.4.9", false, false, false, false, false, false},
	{"6.5.0", true, false, false, false, false, false},
	{"6.9.8", true, false, false, false, false, false},
	{"6.9.12", true, false, false, false, false, true},
	{"6.10.0", true, false, false, false, false, true},
	{"6.12.117+deb12-amd64", true, false, false, false, false, true},
	{"6.13.0", true, false, false, true, false, true},
	{"6.14.0-1018-oem", true, false, true, true, true, true},
	{"6.15.0", true, true, true, true, true, true},
	{"7.3.4-amd64", true, true, true, true, true, true},
};

static void test_versions(void **state)
{
	const struct version_case *c = *state;
	unsigned v[3];

	parse(c->release, v);
	assert_int_equal(kf_gtt_follows_ttm(v), c->follows);
	assert_int_equal(kf_kfd_capped_at_3_8(v), !c->follows);
	assert_int_equal(kf_gttsize_deprecated(v), c->deprecated);
	assert_int_equal(kf_mtype_local_taints(v), c->mtype_taints);
	assert_int_equal(kf_param_taints(v, "gpu_recovery"), c->mtype_taints);
	assert_int_equal(kf_param_taints(v, "mtype_local"), c->mtype_taints);
	assert_int_equal(kf_overdrive_taints(v), c->overdrive_taints);
	assert_int_equal(kf_amdxdna_in_tree(v), c->xdna);
	assert_int_equal(kf_kfd_reports_ttm_limit_on_apu(v), c->kfd_apu);
}

/* The unsafe amdgpu parameters: none before 6.14; two from 6.14; twelve in 7.3, ten of
 * them not known between. */
static void test_taints(void **state)
{
	unsigned v612[3], v613[3], v614[3], v72[3], v73[3], v74[3];

	parse("6.12.118+deb12-amd64", v612);
	parse("6.13.12", v613);
	parse("6.14.0-1018-oem", v614);
	parse("7.2.13+deb14-amd64", v72);
	parse("7.3.4+deb13-amd64", v73);
	parse("7.4.0", v74);
	assert_int_equal(kf_param_taints(v612, "gpu_recovery"), 0);
	assert_int_equal(kf_param_taints(v613, "mtype_local"), 0);
	assert_int_equal(kf_param_taints(v614, "gpu_recovery"), 1);
	assert_int_equal(kf_param_taints(v612, "reset_method"), 0);
	assert_int_equal(kf_param_taints(v613, "reset_method"), -1);
	assert_int_equal(kf_param_taints(v614, "reset_method"), -1);
	assert_int_equal(kf_param_taints(v72, "gpu_recovery"), 1);
	assert_int_equal(kf_param_taints(v72, "sched_policy"), 1);
	assert_int_equal(kf_param_taints(v73, "sched_policy"), 1);
	assert_int_equal(kf_param_taints(v73, "debug_mask"), 1);
	assert_int_equal(kf_param_taints(v74, "ip_block_mask"), 1);
	assert_int_equal(kf_param_taints(v73, "noretry"), 0);
	assert_int_equal(kf_param_taints(v74, "noretry"), -1);
	(void)state;
}

/* Carve-out, lockup_timeout and nomodeset per kernel line. */
static void test_health_facts(void **state)
{
	unsigned v61[3], v699[3], v612[3], v616[3], v72[3], v73[3];

	parse("6.1.0-57-amd64", v61);
	parse("6.9.9", v699);
	parse("6.12.118+deb12-amd64", v612);
	parse("6.16.3", v616);
	parse("7.2.13+deb14-amd64", v72);
	parse("7.3.4+deb13-amd64", v73);
	assert_int_equal(kf_apu_vram(v61), KF_APU_VRAM_CARVEOUT);
	assert_int_equal(kf_apu_vram(v699), KF_APU_VRAM_GTT);
	assert_int_equal(kf_apu_vram(v612), KF_APU_VRAM_GTT);
	assert_int_equal(kf_apu_vram(v616), KF_APU_VRAM_NOT_KNOWN);
	assert_int_equal(kf_apu_vram(v73), KF_APU_VRAM_GTT_IF_LARGER);
	assert_int_equal(kf_lockup_compute_ms(v61), 60000);
	assert_int_equal(kf_lockup_compute_ms(v612), 60000);
	assert_int_equal(kf_lockup_compute_ms(v616), -1);
	assert_int_equal(kf_lockup_compute_ms(v72), 2000);
	assert_int_equal(kf_nomodeset(v612), 1);
	assert_int_equal(kf_nomodeset(v72), -1);
	assert_int_equal(kf_nomodeset(v73), 2);
	(void)state;
}

static void test_gfx_driven(void **state)
{
	unsigned v61[3], v68[3], v612[3], v618[3], v73[3];

	parse("6.1.0-57-amd64", v61);
	parse("6.8.12", v68);
	parse("6.12.118+deb12-amd64", v612);
	parse("6.18.4", v618);
	parse("7.3.4+deb13-amd64", v73);
	assert_int_equal(kf_gfx_driven(v61, "gfx1103"), 1);
	assert_int_equal(kf_gfx_driven(v61, "gfx1150"), 0);
	assert_int_equal(kf_gfx_driven(v68, "gfx1152"), -1);
	assert_int_equal(kf_gfx_driven(v612, "gfx1152"), 1);
	assert_int_equal(kf_gfx_driven(v612, "gfx1153"), 0);
	assert_int_equal(kf_gfx_driven(v618, "gfx1153"), -1);
	assert_int_equal(kf_gfx_driven(v73, "gfx1250"), 1);
	assert_int_equal(kf_gfx_driven(v73, "gfx9999"), -1);
	(void)state;
}

static void test_mes_noretry(void **state)
{
	/* XNACK for ROCm processes: off from GC 10.1.1 (gfx1012) until GC 12.1. */
	assert_false(kf_kfd_xnack_off(9, 4, 2));
	assert_true(kf_kfd_xnack_off(10, 1, 1));
	assert_true(kf_kfd_xnack_off(10, 1, 10));
	assert_true(kf_kfd_xnack_off(11, 5, 1));
	assert_false(kf_kfd_xnack_off(12, 1, 0));
	unsigned v61[3], v612[3], v618[3], v619[3], v7[3];

	parse("6.19.14+deb13-amd64", v619);
	parse("6.1.0-57-amd64", v61);
	parse("6.12.117+deb12-amd64", v612);
	parse("6.18.2", v618);
	parse("7.3.4-amd64", v7);
	/* mes: read on 6.1 for GC 10 only; never from 6.12. */
	assert_int_equal(kf_mes_read(v61, 10), 1);
	assert_int_equal(kf_mes_read(v61, 11), 0);
	assert_int_equal(kf_mes_read(v612, 10), 0);
	assert_true(kf_mes_never_read(v612));
	assert_false(kf_mes_never_read(v61));
	/* noretry: 1 from GC 10.3 everywhere, GC 10.1 only from 7.0 (6.18.y: not known).
	 */
	assert_int_equal(kf_noretry_default(v61, 10, 3), 1);
	assert_int_equal(kf_noretry_default(v61, 10, 1), 0);
	assert_int_equal(kf_noretry_default(v612, 10, 1), 0);
	assert_int_equal(kf_noretry_default(v618, 10, 1), -1);
	assert_int_equal(kf_noretry_default(v619, 10, 1), -1);
	assert_int_equal(kf_noretry_default(v7, 10, 1), 1);
	assert_int_equal(kf_noretry_default(v7, 9, 4), -1);
}

static void test_amd_iommu(void **state)
{
	unsigned v61[3], v612[3], v7[3];

	parse("6.1.0-57-amd64", v61);
	parse("6.12.117+deb12-amd64", v612);
	parse("7.3.4-amd64", v7);
	assert_int_equal(kf_amd_iommu_option(v61, "off"), 1);
	assert_int_equal(kf_amd_iommu_option(v61, "irtcachedis"), 1);
	assert_int_equal(kf_amd_iommu_option(v61, "nohugepages"), 0);
	assert_int_equal(kf_amd_iommu_option(v612, "nohugepages"), 1);
	assert_int_equal(kf_amd_iommu_option(v612, "v2_pgsizes_only"), 1);
	/* Matched by prefix, as parse_amd_iommu_options() does. */
	assert_int_equal(kf_amd_iommu_option(v61, "offline"), 1);
	assert_int_equal(kf_amd_iommu_option(v612, "pt"), 0);
	assert_int_equal(kf_amd_iommu_option(v7, "pt"), 0);
	assert_int_equal(kf_amd_iommu_option(v7, "nohugepages"), 1);
}

/* GC -> gfx is not monotonic (kfd_device.c): 11.0.1 is Phoenix, gfx1103. */
static void test_gc_gfx(void **state)
{
	assert_string_equal(gpu_gfx_from_gc(11, 0, 1), "gfx1103");
	assert_string_equal(gpu_gfx_from_gc(11, 0, 3), "gfx1101");
	assert_string_equal(gpu_gfx_from_gc(11, 0, 4), "gfx1103");
	assert_string_equal(gpu_gfx_from_gc(11, 5, 1), "gfx1151");
	assert_string_equal(gpu_gfx_from_gc(10, 1, 1), "gfx1012");
	assert_string_equal(gpu_gfx_from_gc(10, 3, 4), "gfx1032");
	assert_null(gpu_gfx_from_gc(99, 0, 0));
	/* 7.3's additions: 11.5.6 shares 11.5.4's target, 12.1.0 is gfx1250. */
	assert_string_equal(gpu_gfx_from_gc(10, 1, 4), "gfx1013");
	assert_string_equal(gpu_gfx_from_gc(11, 5, 6), "gfx1154");
	assert_string_equal(gpu_gfx_from_gc(11, 7, 1), "gfx1171");
	assert_string_equal(gpu_gfx_from_gc(12, 1, 0), "gfx1250");
	assert_true(gpu_gfx_is_apu("gfx1152"));
	assert_true(gpu_gfx_is_apu("gfx1170"));
	assert_false(gpu_gfx_is_apu("gfx1201"));
	/* Every PCI id's gfx target agrees with its GC version (the build checks it too).
	 */
	for (size_t i = 0; i < gpu_id_table_len; i++)
		assert_string_equal(gpu_gfx_from_gc(gpu_id_table[i].gc_major,
						    gpu_id_table[i].gc_minor,
						    gpu_id_table[i].gc_rev),
				    gpu_id_table[i].gfx);
}

/* kernel_dir_name_is_valid(): every distribution's release names pass; a path, an
 * option, a control character, a blank or a byte past 200 do not. */
static void test_kernel_names(void **state)
{
	static const char *const good[] = {"6.12.48+deb12-amd64",
					   "6.17.0-19-generic",
					   "6.14.0-1018-oem",
					   "6.11.4-301.fc41.x86_64",
					   "6.12.1-arch1-1",
					   "6.8.0-rc1~x_y",
					   NULL};
	static const char *const bad[] = {
		"",	 ".",	"..",	    ".hidden", "-a",	  "--help", "6.1/../x",
		"6.1\n", "a b", "\033[31m", "6.1;x",   "6.1\xff", "_x",	    NULL};
	char longest[202];

	(void)state;
	for (size_t i = 0; good[i]; i++)
		assert_true(kernel_dir_name_is_valid(good[i]));
	for (size_t i = 0; bad[i]; i++)
		assert_false(kernel_dir_name_is_valid(bad[i]));
	memset(longest, 'a', 200);
	longest[200] = '\0';
	assert_true(kernel_dir_name_is_valid(longest));
	longest[200] = 'a';
	longest[201] = '\0';
	assert_false(kernel_dir_name_is_valid(longest));
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_taints),	     cmocka_unit_test(test_gfx_driven),
		cmocka_unit_test(test_health_facts), cmocka_unit_test(test_mes_noretry),
		cmocka_unit_test(test_amd_iommu),    cmocka_unit_test(test_gc_gfx),
		cmocka_unit_test(test_kernel_names),
	};
	/* One TAP line per table case, named by its kernel. */
	enum {
		N = ELEMENTSOF(gfx1151_cases) + ELEMENTSOF(version_cases) +
		    ELEMENTSOF(fixed)
	};
	struct CMUnitTest tests[N];
	char names[N][96];
	size_t n = 0;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(gfx1151_cases); i++, n++) {
		snprintf(names[n], sizeof(names[n]), "gfx1151 support of %s",
			 gfx1151_cases[i].release);
		tests[n] =
			(struct CMUnitTest){.name = names[n],
					    .test_func = test_gfx1151,
					    .initial_state = (void *)&gfx1151_cases[i]};
	}
	for (size_t i = 0; i < ELEMENTSOF(version_cases); i++, n++) {
		snprintf(names[n], sizeof(names[n]), "version facts of %s",
			 version_cases[i].release);
		tests[n] =
			(struct CMUnitTest){.name = names[n],
					    .test_func = test_versions,
					    .initial_state = (void *)&version_cases[i]};
	}
	for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
		tests[n++] = fixed[i];
	r = _cmocka_run_group_tests("kfacts", tests, n, NULL, NULL);
	return r;
}
