#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "kfacts.h"
#include "util.h"

static bool at_least(const unsigned v[3], unsigned a, unsigned b, unsigned c)
{
	if (v[0] != a)
		return v[0] > a;
	if (v[1] != b)
		return v[1] > b;
	return v[2] >= c;
}

void kf_kernels_where(const struct machine_facts *m, bool (*fact)(const unsigned v[3]),
		      struct strbuf *ret)
{
	for (size_t i = 0; i < m->n_kernels; i++)
		if (m->kernels[i].ver_known && fact(m->kernels[i].ver))
			strbuf_list_add(ret, m->kernels[i].version);
}

bool kf_gtt_follows_ttm(const unsigned v[3])
{
	return at_least(v, 6, 5, 0);
}

bool kf_kfd_capped_at_3_8(const unsigned v[3])
{
	return !at_least(v, 6, 5, 0);
}

bool kf_kfd_reports_ttm_limit_on_apu(const unsigned v[3])
{
	return at_least(v, 6, 10, 0) || (v[0] == 6 && v[1] == 9 && v[2] >= 9);
}

enum kf_apu_vram kf_apu_vram(const unsigned v[3])
{
	if (at_least(v, 7, 3, 0))
		return KF_APU_VRAM_GTT_IF_LARGER;
	if (at_least(v, 6, 13, 0))
		return KF_APU_VRAM_NOT_KNOWN;
	if (kf_kfd_reports_ttm_limit_on_apu(v))
		return KF_APU_VRAM_GTT;
	return KF_APU_VRAM_CARVEOUT;
}

/* 6.1 to 6.12: what both Debian 6.x sources read here say holds between them. */
static bool from_6_1_to_6_12(const unsigned v[3])
{
	return at_least(v, 6, 1, 0) && !at_least(v, 6, 13, 0);
}

int kf_lockup_compute_ms(const unsigned v[3])
{
	if (at_least(v, 7, 2, 0))
		return 2000;
	return from_6_1_to_6_12(v) ? 60000 : -1;
}

bool kf_lockup_single_zero_bug(const unsigned v[3])
{
	return at_least(v, 7, 3, 0);
}

int kf_nomodeset(const unsigned v[3])
{
	if (at_least(v, 7, 3, 0))
		return 2;
	return from_6_1_to_6_12(v) ? 1 : -1;
}

bool kf_gttsize_deprecated(const unsigned v[3])
{
	return at_least(v, 6, 15, 0);
}

int kf_param_taints(const unsigned v[3], const char *param)
{
	static const struct {
		const char *name;
		bool from_6_14; /* else known only from 7.2 */
	} unsafe[] = {
		{"mtype_local", true},	    {"gpu_recovery", true},
		{"ip_block_mask", false},   {"exp_hw_support", false},
		{"emu_mode", false},	    {"force_asic_type", false},
		{"sched_policy", false},    {"halt_if_hws_hang", false},
		{"hws_gws_support", false}, {"no_queue_eviction_on_vm_fault", false},
		{"reset_method", false},    {"debug_mask", false},
	};

	for (size_t i = 0; i < ELEMENTSOF(unsafe); i++) {
		if (!streq(param, unsafe[i].name))
			continue;
		/* 6.1 and 6.12 have none unsafe; the two came with f2935a3019ea. */
		if (!at_least(v, 6, 13, 0) ||
		    (unsafe[i].from_6_14 && !at_least(v, 6, 14, 0)))
			return 0;
		if (unsafe[i].from_6_14 || at_least(v, 7, 2, 0))
			return 1;
		return -1;
	}
	/* 7.3's list is complete; later kernels may mark more. */
	return at_least(v, 7, 4, 0) ? -1 : 0;
}

int kf_mtype_local_read(const unsigned v[3], const char *gfx)
{
	if (!at_least(v, 6, 5, 0))
		return 0;
	if (streq(gfx, "gfx942"))
		return 1;
	if (!streq(gfx, "gfx950") && !streq(gfx, "gfx1250"))
		return 0;
	if (at_least(v, 7, 3, 0))
		return 1;
	return at_least(v, 6, 13, 0) ? -1 : 0;
}

void kf_mtype_local_kernels(const struct machine_facts *m, char *const *gfx,
			    struct strbuf *read, struct strbuf *not_read,
			    struct strbuf *unknown)
{
	for (size_t k = 0; k < m->n_kernels; k++) {
		const struct kernel_info *ki = &m->kernels[k];
		int best = 0;

		for (size_t i = 0; ki->ver_known && gfx && gfx[i] && best < 1; i++) {
			int r = kf_mtype_local_read(ki->ver, gfx[i]);

			if (r == 1 || (r < 0 && best == 0))
				best = r;
		}
		strbuf_list_add(!ki->ver_known || best < 0 ? unknown
				: best			   ? read
							   : not_read,
				ki->version);
	}
}

bool kf_mtype_local_ever_read(char *const *gfx)
{
	static const unsigned newest[3] = {7, 3, 0};

	for (size_t i = 0; gfx && gfx[i]; i++)
		if (kf_mtype_local_read(newest, gfx[i]) == 1)
			return true;
	return false;
}

bool kf_mtype_local_taints(const unsigned v[3])
{
	return kf_param_taints(v, "mtype_local") == 1;
}

bool kf_overdrive_taints(const unsigned v[3])
{
	return at_least(v, 6, 13, 0);
}

bool kf_mes_never_read(const unsigned v[3])
{
	return at_least(v, 6, 12, 0);
}

int kf_mes_read(const unsigned v[3], unsigned gc_major)
{
	if (at_least(v, 6, 12, 0))
		return 0;
	if (v[0] == 6 && v[1] == 1)
		return gc_major == 10 ? 1 : 0;
	return -1;
}

int kf_noretry_default(const unsigned v[3], unsigned gc_major, unsigned gc_minor)
{
	bool ge_10_3 = gc_major > 10 || (gc_major == 10 && gc_minor >= 3);
	bool ge_10_1 = gc_major > 10 || (gc_major == 10 && gc_minor >= 1);

	if (ge_10_3)
		return 1;
	/* Before GC 10.1 (GC 9 has its own per-chip defaults): not known here. */
	if (!ge_10_1)
		return -1;
	/* GC 10.1 (RDNA1): changed for 7.0 and taken into 6.18-stable; which 6.18.y
	 * and whether 6.19-stable took it too is not known here. */
	if (at_least(v, 7, 0, 0))
		return 1;
	if (v[0] == 6 && (v[1] == 18 || v[1] == 19))
		return -1;
	return 0;
}

bool kf_kfd_xnack_off(unsigned maj, unsigned min, unsigned rev)
{
	unsigned gc[3] = {maj, min, rev};

	return at_least(gc, 10, 1, 1) && !at_least(gc, 12, 1, 0);
}

int kf_amd_iommu_option(const unsigned v[3], const char *opt)
{
	static const struct {
		const char *name;
		bool in_61; /* else from 6.12 */
	} options[] = {
		{"fullflush", true},
		{"force_enable", true},
		{"off", true},
		{"force_isolation", true},
		{"pgtbl_v1", true},
		{"pgtbl_v2", true},
		{"irtcachedis", true},
		{"nohugepages", false},
		{"v2_pgsizes_only", false},
	};

	for (size_t i = 0; i < ELEMENTSOF(options); i++) {
		if (strncmp(opt, options[i].name, strlen(options[i].name)) != 0)
			continue;
		if (!at_least(v, 6, 1, 0))
			return -1; /* older kernels were not checked */
		if (options[i].in_61 || at_least(v, 6, 12, 0))
			return 1;
		return v[0] == 6 && v[1] == 1 ? 0 : -1;
	}
	/* Unknown to 6.1, 6.12 and 7.3, so to every kernel between them (options are
	 * only ever added); later kernels are not known here. */
	return at_least(v, 6, 1, 0) && !at_least(v, 7, 4, 0) ? 0 : -1;
}

bool kf_page_pool_per_node(const unsigned v[3])
{
	return at_least(v, 7, 2, 0);
}

bool kf_amdxdna_in_tree(const unsigned v[3])
{
	return at_least(v, 6, 14, 0);
}

int kf_gfx_driven(const unsigned v[3], const char *gfx)
{
	enum { SINCE_6_1, SINCE_6_12, SINCE_7_3 };
	static const struct {
		const char *gfx;
		int since;
	} gpus[] = {
		{"gfx900", SINCE_6_1},	 {"gfx902", SINCE_6_1},	  {"gfx904", SINCE_6_1},
		{"gfx906", SINCE_6_1},	 {"gfx908", SINCE_6_1},	  {"gfx90a", SINCE_6_1},
		{"gfx90c", SINCE_6_1},	 {"gfx1010", SINCE_6_1},  {"gfx1011", SINCE_6_1},
		{"gfx1012", SINCE_6_1},	 {"gfx1013", SINCE_6_1},  {"gfx1030", SINCE_6_1},
		{"gfx1031", SINCE_6_1},	 {"gfx1032", SINCE_6_1},  {"gfx1033", SINCE_6_1},
		{"gfx1034", SINCE_6_1},	 {"gfx1035", SINCE_6_1},  {"gfx1036", SINCE_6_1},
		{"gfx1100", SINCE_6_1},	 {"gfx1101", SINCE_6_1},  {"gfx1102", SINCE_6_1},
		{"gfx1103", SINCE_6_1},	 {"gfx942", SINCE_6_12},  {"gfx1150", SINCE_6_12},
		{"gfx1151", SINCE_6_12}, {"gfx1152", SINCE_6_12}, {"gfx1200", SINCE_6_12},
		{"gfx1201", SINCE_6_12}, {"gfx950", SINCE_7_3},	  {"gfx1153", SINCE_7_3},
		{"gfx1154", SINCE_7_3},	 {"gfx1170", SINCE_7_3},  {"gfx1171", SINCE_7_3},
		{"gfx1250", SINCE_7_3},
	};
	/* The kernels read, and the first after each that is not. */
	static const unsigned read[][3] = {{6, 1, 0}, {6, 12, 0}, {7, 3, 0}};
	static const unsigned next[][3] = {{6, 2, 0}, {6, 13, 0}, {7, 4, 0}};

	for (size_t i = 0; i < ELEMENTSOF(gpus); i++) {
		int s = gpus[i].since;

		if (!streq(gfx, gpus[i].gfx))
			continue;
		if (!at_least(v, 6, 1, 0))
			return -1;
		if (at_least(v, read[s][0], read[s][1], read[s][2]))
			return 1;
		/* Before the first kernel read that has it: 0 up to the end of the
		 * line read before, not known after. */
		if (s > 0 && !at_least(v, next[s - 1][0], next[s - 1][1], next[s - 1][2]))
			return 0;
		return -1;
	}
	return -1;
}

/* Ubuntu's kernels: "6.14.0-1018-oem", "6.17.0-19-generic"; the ABI number counts
 * the updates of a flavour's line. */
static bool ubuntu_at_least(const char *release, const char *base, unsigned abi,
			    const char *flavour)
{
	const char *p = startswith(release, base);
	char *end;
	unsigned long n;

	if (!p || *p != '-' || p[1] < '0' || p[1] > '9')
		return false;
	n = strtoul(p + 1, &end, 10);
	return *end == '-' && streq(end + 1, flavour) && n >= abi;
}

enum kf_gfx1151 kf_gfx1151(const unsigned v[3], const char *release)
{
	if (!at_least(v, 6, 9, 0))
		return KF_GFX1151_NOT_DRIVEN;
	if (at_least(v, 6, 19, 0) || (v[0] == 6 && v[1] == 18 && v[2] >= 4) ||
	    (v[0] == 6 && v[1] == 12 && v[2] >= 64) ||
	    (release && (ubuntu_at_least(release, "6.14.0", 1018, "oem") ||
			 ubuntu_at_least(release, "6.17.0", 19, "generic"))))
		return KF_GFX1151_FIXED;
	return KF_GFX1151_NOT_KNOWN;
}

bool kf_param_deprecated(const struct kernel_info *k, const char *module,
			 const struct param_def *pd)
{
	if (param_is_deprecated(pd))
		return true;
	return k->ver_known && streq(module, "amdgpu") && streq(pd->name, "gttsize") &&
	       kf_gttsize_deprecated(k->ver);
}

const char *kf_deprecation_advice(const char *module, const char *param)
{
	/* amdgpu_ttm_init() (6.15 and later) logs the message, then still sizes the GTT
	 * from gttsize, while KFD's limit is ttm_tt_pages_limit(). */
	if (streq(module, "amdgpu") && streq(param, "gttsize"))
		return ": the kernel logs \"Configuring gttsize via module parameter is deprecated, please use ttm.pages_limit\" and still sizes the GTT from it, while ROCm (KFD) follows ttm.pages_limit; set ttm.pages_limit instead (from 6.5 it sizes both)";
	return "";
}
