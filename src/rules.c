#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "gpu.h"
#include "kfacts.h"
#include "kparam.h"
#include "rules.h"
#include "strv.h"
#include "util.h"

/* ppfeaturemask's default in amdgpu_drv.c (6.1, 6.12, 7.x) and PP_OVERDRIVE_MASK of
 * amd_shared.h. */
#define PPFEATUREMASK_DEFAULT UINT64_C(0xfff7bfff)
#define PP_OVERDRIVE_MASK     UINT64_C(0x4000)

struct out {
	rules_emit emit;
	void *data;
	int r;
};

_printf_(4, 5) static void say(struct out *o, enum diag_level level, bool forcible,
			       const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf b = {0};
	va_list ap;

	if (o->r < 0)
		return;
	va_start(ap, fmt);
	o->r = strbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (o->r == 0)
		o->r = o->emit(o->data, level, forcible, b.s);
}

/* The GC major version of a gfx target ("gfx1151" -> 11, "gfx942" -> 9), 0 if none. */
static unsigned gfx_gc_major(const char *gfx)
{
	const char *p = startswith(gfx, "gfx");
	size_t n = p ? strspn(p, "0123456789abcdef") : 0;

	if (n == 3)
		return (unsigned)(p[0] - '0');
	if (n == 4)
		return (unsigned)((p[0] - '0') * 10 + (p[1] - '0'));
	return 0;
}

/* amd_iommu=: comma-separated options, each matched by prefix
 * (parse_amd_iommu_options). */
static void amd_iommu(const struct rules_input *in, const char *value, struct out *o)
{
	_cleanup_free_ char *v = strdup(value ? value : "");

	if (!v) {
		o->r = -ENOMEM;
		return;
	}
	for (char *opt = strtok(v, ","); opt && o->r == 0; opt = strtok(NULL, ",")) {
		struct strbuf unknown = {0}, xdna = {0};

		if (streq(opt, "on") || streq(opt, "pt")) {
			say(o, DIAG_ERROR, false,
			    "amd_iommu=%s does not exist: the kernel logs \"AMD-Vi: Unknown option\" and ignores it (the AMD IOMMU is on by default; for passthrough use iommu=pt)",
			    opt);
			continue;
		}
		for (size_t i = 0; i < in->m->n_kernels; i++) {
			const struct kernel_info *k = &in->m->kernels[i];

			if (k->ver_known && kf_amd_iommu_option(k->ver, opt) == 0)
				strbuf_list_add(&unknown, k->version);
		}
		if (unknown.len)
			say(o, DIAG_WARNING, false,
			    "amd_iommu=%s: not an option %s knows; it logs \"AMD-Vi: Unknown option\" and ignores it",
			    opt, unknown.s);
		if (strncmp(opt, "off", 3) == 0) {
			kf_kernels_where(in->m, kf_amdxdna_in_tree, &xdna);
			if (in->m->npu_present)
				say(o, DIAG_ERROR, true,
				    "amd_iommu=%s turns the IOMMU off: the XDNA NPU found on this machine (amdxdna) and VFIO passthrough stop working",
				    opt);
			else
				say(o, DIAG_WARNING, false,
				    "amd_iommu=%s turns the IOMMU off: an XDNA NPU (amdxdna, in the kernel from 6.14%s%s) and VFIO passthrough stop working",
				    opt, xdna.len ? ": " : "", xdna.len ? xdna.s : "");
		}
		strbuf_done(&unknown);
		strbuf_done(&xdna);
	}
}

/* amdgpu.mtype_local: which target kernels read it for the target GPUs
 * (kf_mtype_local_read()), and which it taints. */
static void mtype_local(const struct rules_input *in, struct out *o)
{
	_cleanup_strbuf_ struct strbuf taints = {0};
	_cleanup_strbuf_ struct strbuf read = {0};
	_cleanup_strbuf_ struct strbuf no = {0};
	_cleanup_strbuf_ struct strbuf unknown = {0};
	bool known = in->gfx && in->gfx[0];

	kf_kernels_where(in->m, kf_mtype_local_taints, &taints);
	if (!known) {
		say(o, DIAG_WARNING, false,
		    "amdgpu.mtype_local: " KF_MTYPE_LOCAL_READERS "%s%s",
		    taints.len ? "; setting it taints " : "", taints.len ? taints.s : "");
		return;
	}
	kf_mtype_local_kernels(in->m, in->gfx, &read, &no, &unknown);
	if (no.len || (in->m->n_kernels == 0 && !kf_mtype_local_ever_read(in->gfx)))
		say(o, DIAG_WARNING, false,
		    "amdgpu.mtype_local has no effect on %s%s%s: " KF_MTYPE_LOCAL_READERS
		    "%s%s",
		    in->gfx[0], no.len ? " with " : "", no.len ? no.s : "",
		    taints.len ? "; setting it taints " : "", taints.len ? taints.s : "");
	if (unknown.len)
		say(o, DIAG_WARNING, false,
		    "amdgpu.mtype_local: whether %s reads it for %s is not known here (" KF_MTYPE_LOCAL_READERS
		    ")",
		    unknown.s, in->gfx[0]);
}

/* amdgpu.mes: never read from 6.12 on; on 6.1 read for GC 10 only (GC 11 and 12 always
 * use MES); absent from 7.x (the metadata says so). */
static void mes(const struct rules_input *in, const char *value, struct out *o)
{
	_cleanup_strbuf_ struct strbuf never = {0};
	_cleanup_strbuf_ struct strbuf always = {0};
	_cleanup_strbuf_ struct strbuf dflt = {0};
	uint64_t v = 1;
	const char *gpu = NULL;

	for (size_t k = 0; k < in->m->n_kernels; k++) {
		const struct kernel_info *ki = &in->m->kernels[k];
		const struct module_schema *ms = kernel_module(ki, "amdgpu");
		bool always_on = false;

		if (!ki->ver_known || !ms || !module_schema_param(ms, "mes"))
			continue;

		if (kf_mes_never_read(ki->ver)) {
			strbuf_list_add(&never, ki->version);
			continue;
		}

		for (size_t i = 0; !always_on && in->gfx && in->gfx[i]; i++)
			if (gfx_gc_major(in->gfx[i]) >= 11 &&
			    kf_mes_read(ki->ver, gfx_gc_major(in->gfx[i])) == 0) {
				strbuf_list_add(&always, ki->version);
				gpu = in->gfx[i];
				always_on = true;
			}
		/* Where it is read, 0 ("disabled (default)") is what the kernel has. */
		if (!always_on && kf_mes_read(ki->ver, 10) == 1 && value &&
		    kparam_parse_u64(value, &v) == 0 && v == 0)
			strbuf_list_add(&dflt, ki->version);
	}
	if (never.len)
		say(o, DIAG_WARNING, false,
		    "amdgpu.mes has no effect on %s: from 6.12 on the kernel never reads it",
		    never.s);
	if (always.len)
		say(o, DIAG_WARNING, false,
		    "amdgpu.mes has no effect on %s with %s: GC 11 and 12 always use MES",
		    gpu, always.s);
	if (dflt.len)
		say(o, DIAG_WARNING, false, "amdgpu.mes=0 is already the default on %s",
		    dflt.s);
}

/* amdgpu.noretry against its default (-1: amdgpu_gmc_noretry_set()) for each target
 * GPU and kernel. */
static void noretry(const struct rules_input *in, const char *value, struct out *o)
{
	uint64_t v;

	if (!value || kparam_parse_u64(value, &v) < 0 || v > 1)
		return;
	/* Once per GC version: the default depends on GC and kernel only. */
	for (size_t i = 0; in->gfx && in->gfx[i]; i++) {
		struct strbuf same = {0}, other = {0}, unknown = {0}, gpus = {0};
		unsigned maj, min, rev, m2, n2, r2;
		bool seen = false;

		/* GC 10.1 and later: what amdgpu_gmc_noretry_set() does is known. */
		if (!gpu_gc_from_gfx(in->gfx[i], &maj, &min, &rev) || maj < 10 ||
		    (maj == 10 && min < 1))
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = gpu_gc_from_gfx(in->gfx[j], &m2, &n2, &r2) && m2 == maj &&
			       n2 == min;
		if (seen)
			continue;
		for (size_t j = i; in->gfx[j]; j++)
			if (gpu_gc_from_gfx(in->gfx[j], &m2, &n2, &r2) && m2 == maj &&
			    n2 == min)
				strbuf_list_add(&gpus, in->gfx[j]);
		for (size_t k = 0; k < in->m->n_kernels; k++) {
			const struct kernel_info *ki = &in->m->kernels[k];
			int d;

			if (!ki->ver_known)
				continue;
			d = kf_noretry_default(ki->ver, maj, min);
			if (d == (int)v)
				strbuf_list_add(&same, ki->version);
			else if (d >= 0)
				strbuf_list_add(&other, ki->version);
			else if (d < 0)
				strbuf_list_add(&unknown, ki->version);
		}
		if (same.len)
			say(o, DIAG_WARNING, false,
			    "amdgpu.noretry=%s is already the default on %s (GC %u.%u) with %s: no effect there",
			    value, gpus.s, maj, min, same.s);
		if (other.len)
			say(o, DIAG_WARNING, false,
			    "amdgpu.noretry=%s replaces the default %d on %s (GC %u.%u) with %s (amdgpu_gmc_noretry_set())",
			    value, v ? 0 : 1, gpus.s, maj, min, other.s);
		if (v == 0 && kf_kfd_xnack_off(maj, min, rev))
			say(o, DIAG_WARNING, false,
			    "amdgpu.noretry=0 gains ROCm nothing on %s: KFD never runs a process with XNACK on GC 10.1.1 to 12.0 (kfd_process_xnack_mode())",
			    gpus.s);
		if (unknown.len)
			say(o, DIAG_WARNING, false,
			    "amdgpu.noretry: whether %s defaults to 0 or 1 on %s is not known here (7.0 made it 1 for GC 10.1, and a 6.18 stable release took that change)",
			    unknown.s, gpus.s);
		strbuf_done(&same);
		strbuf_done(&other);
		strbuf_done(&unknown);
		strbuf_done(&gpus);
	}
}

/* An amdgpu parameter a target kernel declares unsafe (kf_param_taints()): setting it
 * taints that kernel. mtype_local's own rule says it with what the GPU does with it. */
static void taint(const struct rules_input *in, const char *param, struct out *o)
{
	_cleanup_strbuf_ struct strbuf yes = {0};
	_cleanup_strbuf_ struct strbuf unknown = {0};
	static const unsigned v7_3[3] = {7, 3, 0};
	bool listed;

	for (size_t k = 0; k < in->m->n_kernels; k++) {
		const struct kernel_info *ki = &in->m->kernels[k];
		int t;

		if (!ki->ver_known)
			continue;
		t = kf_param_taints(ki->ver, param);
		if (t == 1)
			strbuf_list_add(&yes, ki->version);
		else if (t < 0)
			strbuf_list_add(&unknown, ki->version);
	}
	/* Only a parameter 7.3 declares unsafe gets a "not known" (any parameter may
	 * become unsafe in a later kernel). */
	listed = kf_param_taints(v7_3, param) == 1;
	if (yes.len)
		say(o, DIAG_WARNING, false,
		    "setting amdgpu.%s taints %s: the kernel declares it unsafe and logs \"Setting dangerous option %s - tainting kernel\" (module_param_unsafe() or module_param_named_unsafe() in amdgpu_drv.c)",
		    param, yes.s, param);
	if (unknown.len && listed)
		say(o, DIAG_WARNING, false,
		    "whether setting amdgpu.%s taints %s is not known here (7.2 and 7.3 declare it unsafe, 6.1 and 6.12 do not)",
		    param, unknown.s);
}

/* One field of amdgpu.lockup_timeout (n bytes at s) as kstrtol(s, 0, ...) reads it:
 * kparam's KPARAM_LONG parse. false when the kernel would refuse it. *octal when a
 * leading 0 made it octal. */
static bool lockup_field(const char *s, size_t n, long long *ret, bool *octal)
{
	struct kparam_scalar v;
	char buf[32];
	const char *p;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (kparam_parse_scalar(KPARAM_LONG, buf, &v) < 0)
		return false;
	p = buf + (*buf == '-' || *buf == '+');
	*octal = p[0] == '0' && p[1] >= '0' && p[1] <= '9';
	*ret = v.negative ? -(long long)(v.magnitude - 1) - 1 : (long long)v.magnitude;
	return true;
}

/* amdgpu.lockup_timeout: "T" or "GFX,Compute,SDMA,Video" in ms, parsed by
 * amdgpu_device_get_job_timeout_settings() (6.1, 6.12, 7.3): strsep() on ',', an empty
 * field ends the parse, each field kstrtol(base 0) (a failure fails the GPU's
 * initialisation: "invalid lockup_timeout parameter syntax"), 0 keeps that queue's
 * default, a negative value means no timeout and taints (TAINT_SOFTLOCKUP), fields after
 * the fourth are parsed and ignored. One value: GFX, SDMA and Video on 6.1 and 6.12
 * (compute too only under SR-IOV or passthrough); all four on 7.3, where a single 0
 * sets all four to 0 instead of keeping the default (the loop leaves the parsed 0 in
 * place: read in 7.3.4's source). The parameter is a module_param_string of 256 bytes:
 * a longer value stops amdgpu loading. */
static void lockup_timeout(const struct rules_input *in, const char *value, struct out *o)
{
	_cleanup_strbuf_ struct strbuf one = {0};
	_cleanup_strbuf_ struct strbuf zero = {0};
	const char *v = value ? value : "";
	size_t used = 0;
	bool stopped = false, negative = false, octal = false, single_zero,
	     first_zero = false;

	if (strlen(v) >= 256) {
		say(o, DIAG_ERROR, false,
		    "amdgpu.lockup_timeout is %zu bytes: the kernel keeps at most 255 and amdgpu does not load (module_param_string)",
		    strlen(v));
		return;
	}
	for (const char *p = v;; p++) {
		size_t n = strcspn(p, ",");
		long long t;
		bool oct = false;

		if (n == 0) {
			/* Values after an empty field are never read. */
			stopped = p[strspn(p, ",")] != '\0';
			break;
		}
		if (!lockup_field(p, n, &t, &oct)) {
			say(o, DIAG_ERROR, false,
			    "amdgpu.lockup_timeout=%s: '%.*s' is not a number the kernel reads: amdgpu fails to initialise the GPU (\"invalid lockup_timeout parameter syntax\", amdgpu_device_get_job_timeout_settings())",
			    v, (int)n, p);
			return;
		}
		used++;
		negative |= t < 0;
		octal |= oct;
		if (used == 1)
			first_zero = t == 0;
		p += n;
		if (!*p)
			break;
	}
	/* One value read (an empty field after it ends the parse): the kernel's
	 * single-value case. */
	single_zero = used == 1 && first_zero;
	if (stopped)
		say(o, DIAG_WARNING, false,
		    "amdgpu.lockup_timeout=%s: an empty field ends the kernel's parse; the values after it are ignored",
		    v);
	if (used > 4)
		say(o, DIAG_WARNING, false,
		    "amdgpu.lockup_timeout=%s: the kernel reads four values (GFX,Compute,SDMA,Video) and ignores the rest",
		    v);
	if (octal)
		say(o, DIAG_WARNING, false,
		    "amdgpu.lockup_timeout=%s: a value with a leading 0 is octal to the kernel (kstrtol base 0): 010000 is 4096 ms",
		    v);
	if (negative)
		say(o, DIAG_WARNING, false,
		    "amdgpu.lockup_timeout=%s: a negative value turns the timeout off: a hung job is never reset, and the kernel logs \"lockup timeout disabled\" and is tainted (TAINT_SOFTLOCKUP)",
		    v);
	for (size_t k = 0; k < in->m->n_kernels; k++) {
		const struct kernel_info *ki = &in->m->kernels[k];
		int ms = ki->ver_known ? kf_lockup_compute_ms(ki->ver) : -1;

		if (used == 1 && !single_zero && ms == 60000)
			strbuf_list_add(&one, ki->version);
		if (single_zero && ki->ver_known && kf_lockup_single_zero_bug(ki->ver))
			strbuf_list_add(&zero, ki->version);
	}
	if (one.len)
		say(o, DIAG_WARNING, false,
		    "amdgpu.lockup_timeout=%s: one value sets the GFX, SDMA and Video timeouts on %s; compute jobs keep 60 s on bare metal (a second value sets compute: GFX,Compute,SDMA,Video, 0 keeping a default)",
		    v, one.s);
	if (zero.len)
		say(o, DIAG_ERROR, true,
		    "amdgpu.lockup_timeout=%s: on %s a single 0 sets every queue's timeout to 0 instead of keeping the default (amdgpu_device_get_job_timeout_settings()); leave the parameter out",
		    v, zero.s);
}

/* amdgpu.vm_fragment_size: -1 (auto) is 9 on every GC from 9 to 12 in 6.1, 6.12 and
 * 7.3 (gmc_v9_0_sw_init() to gmc_v12_0_sw_init() pass 9 to amdgpu_vm_adjust_size()). */
static void vm_fragment_size(const struct rules_input *in, const char *value,
			     struct out *o)
{
	_cleanup_strbuf_ struct strbuf gpus = {0};
	uint64_t v;

	if (!value || kparam_parse_u64(value, &v) < 0)
		return;
	for (size_t i = 0; in->gfx && in->gfx[i]; i++)
		if (gfx_gc_major(in->gfx[i]) >= 9 && gfx_gc_major(in->gfx[i]) <= 12)
			strbuf_list_add(&gpus, in->gfx[i]);
	if (!gpus.len)
		return;
	if (v == 9)
		say(o, DIAG_WARNING, false,
		    "amdgpu.vm_fragment_size=9 is already the default on %s (gmc_v*_sw_init() passes 9 to amdgpu_vm_adjust_size()): no effect",
		    gpus.s);
	else
		say(o, DIAG_WARNING, false,
		    "amdgpu.vm_fragment_size=%s replaces the default 9 on %s (gmc_v*_sw_init() passes 9 to amdgpu_vm_adjust_size())",
		    value, gpus.s);
}

/* The ppfeaturemask bits worth naming (amd_shared.h enum PP_FEATURE_MASK). */
static const struct {
	uint64_t bit;
	const char *name;
} pp_bits[] = {
	{PP_OVERDRIVE_MASK, "OVERDRIVE"},
	{UINT64_C(0x8000), "GFXOFF"},
	{UINT64_C(0x20000), "STUTTER"},
	{UINT64_C(0x80000), "GFX_DCS"},
};

static void ppfeaturemask(const struct rules_input *in, const char *value, struct out *o)
{
	_cleanup_strbuf_ struct strbuf taints = {0};
	uint64_t v, flipped;
	const char *named = NULL;

	if (!value || kparam_parse_u64(value, &v) < 0)
		return;
	flipped = v ^ PPFEATUREMASK_DEFAULT;
	for (size_t i = 0; i < ELEMENTSOF(pp_bits); i++)
		if (flipped == pp_bits[i].bit)
			named = pp_bits[i].name;
	if (v & PP_OVERDRIVE_MASK)
		kf_kernels_where(in->m, kf_overdrive_taints, &taints);
	if (!flipped)
		say(o, DIAG_WARNING, false,
		    "ppfeaturemask=%s is the default mask: it changes nothing", value);
	else if (named)
		/* A mask derived from the default, one named bit changed: what it is. */
		say(o, DIAG_WARNING, false,
		    "ppfeaturemask=%s %s %s (0x%" PRIx64 ") of the default 0x%" PRIx64
		    "%s%s%s",
		    value, v & flipped ? "sets" : "clears", named, flipped,
		    PPFEATUREMASK_DEFAULT, taints.len ? "; OVERDRIVE taints " : "",
		    taints.len ? taints.s : "", taints.len ? " (6.13 and later)" : "");
	else
		say(o, DIAG_ERROR, true,
		    "ppfeaturemask=%s replaces the whole mask: it flips bits 0x%" PRIx64
		    " of the default 0x%" PRIx64 ", not just the feature you want%s%s%s",
		    value, flipped, PPFEATUREMASK_DEFAULT,
		    taints.len ? " (its OVERDRIVE bit 0x4000 taints " : "",
		    taints.len ? taints.s : "", taints.len ? ", 6.13 and later)" : "");
}

/* A module no target kernel has at all: amdkfd (inside amdgpu), or amdttm where the
 * ROCm DKMS driver is not installed. */
static void missing_module(const struct rules_input *in, const char *module,
			   struct out *o)
{
	_cleanup_strbuf_ struct strbuf without = {0};

	for (size_t k = 0; k < in->m->n_kernels; k++) {
		const struct module_schema *ms =
			kernel_module(&in->m->kernels[k], module);

		if (in->m->kernels[k].has_index && (!ms || !ms->found))
			strbuf_list_add(&without, in->m->kernels[k].version);
	}
	if (streq(module, "amdkfd"))
		say(o, DIAG_WARNING, false,
		    "there is no module amdkfd: KFD is part of amdgpu, so options for amdkfd are never applied (amdgpu.PARAM is what sets them)");
	else if (without.len)
		say(o, DIAG_WARNING, false,
		    "%s is not a module of %s: its options are never applied there%s",
		    module, without.s,
		    streq(module, "amdttm")
			    ? " (amdttm is the ROCm DKMS driver's ttm; without it, ttm.PARAM)"
			    : "");
}

bool rules_module_matters(const char *module)
{
	return cmdline_name_equal(module, "amdgpu") ||
	       cmdline_name_equal(module, "amdkfd") ||
	       cmdline_name_equal(module, "amdttm");
}

int rules_check(const struct rules_input *in, const char *module, const char *param,
		const char *value, rules_emit emit, void *data)
{
	struct out o = {.emit = emit, .data = data};
	_cleanup_free_ char *p = cmdline_name_canonical(param);
	_cleanup_free_ char *mod = module ? cmdline_name_canonical(module) : NULL;

	if (!p || (module && !mod))
		return -ENOMEM;
	if (!mod) {
		if (streq(p, "amd_iommu"))
			amd_iommu(in, value, &o);
		return o.r;
	}
	if (!rules_module_matters(mod))
		return 0;
	if (streq(mod, "amdkfd") || streq(mod, "amdttm"))
		missing_module(in, mod, &o);
	if (!streq(mod, "amdgpu"))
		return o.r;
	if (streq(p, "dc") && streq_ptr(value, "0"))
		say(&o, DIAG_ERROR, true,
		    "amdgpu.dc=0 disables the display core: no display on DCN hardware such as Strix Halo");
	else if (streq(p, "ppfeaturemask"))
		ppfeaturemask(in, value, &o);
	else if (streq(p, "mes"))
		mes(in, value, &o);
	else if (streq(p, "noretry"))
		noretry(in, value, &o);
	else if (streq(p, "mtype_local"))
		mtype_local(in, &o);
	else if (streq(p, "vm_fragment_size"))
		vm_fragment_size(in, value, &o);
	else if (streq(p, "lockup_timeout"))
		lockup_timeout(in, value, &o);
	else if (streq(p, "no_system_mem_limit") && value &&
		 (streq(value, "1") || streq(value, "Y") || streq(value, "y")))
		/* amdgpu_amdkfd_reserve_mem_limit() (6.1, 6.12, 7.3) skips the system
		 * limit when it is set. */
		say(&o, DIAG_WARNING, false,
		    "amdgpu.no_system_mem_limit=%s lifts KFD's system memory limit (the RAM less 1/64 and 1.5 GiB on 6.12 and 7.3, amdgpu_amdkfd_reserve_mem_limit()): ROCm can then take RAM up to the TTM limit, whatever the system needs",
		    value);
	else if (streq(p, "modeset") && streq_ptr(value, "0"))
		/* amdgpu_pci_probe() (6.12, 7.3) tests modeset only for -1 with
		 * nomodeset. */
		say(&o, DIAG_WARNING, false,
		    "amdgpu.modeset=0 does not keep amdgpu off the GPU: the kernel only tests it for -1 together with nomodeset (amdgpu_pci_probe()); modprobe.blacklist=amdgpu does");
	else if (streq(p, "cwsr_enable") && streq_ptr(value, "0"))
		say(&o, DIAG_WARNING, false,
		    "cwsr_enable=0 turns off compute wave save/restore; it worked around MES hangs on gfx1151 only before kernel commit b42f3bf9536c with ROCm < 7.2.1");
	if (!streq(p, "mtype_local"))
		taint(in, p, &o);
	return o.r;
}
