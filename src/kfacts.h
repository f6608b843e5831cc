/* What a kernel line does with amdgpu, ttm and the IOMMU: one home for each fact that
 * depends on the kernel version, with the kernel source it comes from. Messages that
 * state such a fact ask here, for each target kernel, and name the kernels it holds
 * for. Pure: versions in, answers out (no I/O, no libkmod). */
#pragma once

#include <stdbool.h>

struct kernel_info;
struct machine_facts;
struct param_def;
struct strbuf;

/* Appends to ret (a comma-separated list) the kernels of m, with a parsed version, for
 * which fact holds: how messages name the kernels a fact is about. */
void kf_kernels_where(const struct machine_facts *m, bool (*fact)(const unsigned v[3]),
		      struct strbuf *ret);

/* amdgpu's GTT follows ttm.pages_limit from 6.5 ("drm/amdgpu: Set GTT size equal to
 * TTM mem limit", 035c0a1e50e0, amdgpu_ttm_init()); before, only amdgpu.gttsize moves
 * it. */
bool kf_gtt_follows_ttm(const unsigned v[3]);

/* Before 6.5, KFD (ROCm) allocations are capped at 3/8 of the RAM free when amdgpu
 * loads, whatever gttsize or pages_limit say (amdgpu_amdkfd_gpuvm_init_mem_limits);
 * from 6.5 the limit is ttm_tt_pages_limit(). */
bool kf_kfd_capped_at_3_8(const unsigned v[3]);

/* On an APU, KFD reports ttm_tt_pages_limit() as the GPU's memory from 6.10
 * ("drm/amdkfd: Let VRAM allocations go to GTT domain on small APUs", eb853413d02c:
 * amdgpu_amdkfd_get_local_mem_info(); also taken into 6.9.9). Later kernels do so only
 * when adev->apu_prefer_gtt, set when the carve-out (real_vram_size) is smaller than the
 * GTT; the caller checks that from sysfs (mem_info_vram_total < mem_info_gtt_total),
 * which holds for the 6.10 behaviour too. Before (6.9.9 and later 6.9 aside) the
 * carve-out is reported, so nothing is compared there. */
bool kf_kfd_reports_ttm_limit_on_apu(const unsigned v[3]);

/* Where KFD puts an APU's VRAM (hipMalloc) allocations
 * (amdgpu_amdkfd_gpuvm_alloc_memory_of_gpu()):
 * - KF_APU_VRAM_CARVEOUT: in the carve-out (6.1; before 6.10 except 6.9.9 and later
 *   6.9);
 * - KF_APU_VRAM_GTT: always in the GTT ("Let VRAM allocations go to GTT domain on small
 *   APUs", eb853413d02c: 6.10 to 6.12 as Debian's 6.12.118 has it, and 6.9.9), so a
 *   large carve-out is memory ROCm cannot use;
 * - KF_APU_VRAM_GTT_IF_LARGER: in the GTT only when the carve-out is smaller than the
 *   GTT (adev->apu_prefer_gtt, set in amdgpu_ttm_init(): 7.3), else in the carve-out;
 * - KF_APU_VRAM_NOT_KNOWN: 6.13 to 7.2, where the change to the last came. */
enum kf_apu_vram {
	KF_APU_VRAM_CARVEOUT,
	KF_APU_VRAM_GTT,
	KF_APU_VRAM_GTT_IF_LARGER,
	KF_APU_VRAM_NOT_KNOWN
};
enum kf_apu_vram kf_apu_vram(const unsigned v[3]);

/* amdgpu.lockup_timeout's default for compute jobs on bare metal, in ms
 * (amdgpu_device_get_job_timeout_settings()): 60000 on 6.1 and 6.12 (10000 for the
 * other queues), 2000 for every queue from 7.2 (7.3's source; 7.2.13's parameter
 * description says "default: 2000"); -1 where not known here. */
int kf_lockup_compute_ms(const unsigned v[3]);

/* Whether a single "0" in amdgpu.lockup_timeout sets every queue's timeout to 0 rather
 * than keeping the default: 7.3 (amdgpu_device_get_job_timeout_settings() copies the
 * parsed value to all four); not 6.1 or 6.12, which copy the defaulted GFX timeout;
 * from 7.3 on as read here. */
bool kf_lockup_single_zero_bug(const unsigned v[3]);

/* What nomodeset does to amdgpu: 1 amdgpu_init() refuses to load the module (6.1,
 * 6.12: drm_firmware_drivers_only(), whatever amdgpu.modeset says); 2
 * amdgpu_pci_probe() refuses display-class GPUs unless amdgpu.modeset is other than -1
 * (7.3); -1 not known here. */
int kf_nomodeset(const unsigned v[3]);

/* amdgpu.gttsize is deprecated from 6.15: amdgpu_ttm_init() logs "Configuring gttsize
 * via module parameter is deprecated, please use ttm.pages_limit". Its MODULE_PARM_DESC
 * never says so, so this comes from the version. */
bool kf_gttsize_deprecated(const unsigned v[3]);

/* Whether setting amdgpu.param taints this kernel (TAINT_USER: param_check_unsafe() in
 * kernel/params.c logs "Setting dangerous option P - tainting kernel") because amdgpu
 * declares it with module_param_named_unsafe() or module_param_unsafe(): 1 yes, 0 no,
 * -1 not known here. From the sources:
 * - 6.1 and 6.12: no amdgpu parameter is unsafe (so none between them);
 * - 6.14: mtype_local and gpu_recovery ("drm/amdgpu: Mark debug KFD module params as
 *   unsafe", f2935a3019ea);
 * - 7.3 (amdgpu_drv.c): also ip_block_mask, exp_hw_support, emu_mode, force_asic_type,
 *   sched_policy, halt_if_hws_hang, hws_gws_support, no_queue_eviction_on_vm_fault,
 *   reset_method and debug_mask; Debian's 7.2.13 amdgpu.ko flags the same twelve
 *   (KERNEL_PARAM_FL_UNSAFE in its __param section). Which release between 6.14 and
 *   7.2 marked the ten is not known here (-1 there, 6.13 included). Any other parameter:
 * 0 through 7.3, -1 after. */
int kf_param_taints(const unsigned v[3], const char *param);

/* Whether this kernel reads amdgpu.mtype_local for a GPU of gfx target gfx: 1 yes, 0
 * no, -1 not known here. Its readers: gmc_v9_0_get_coherence_flags() and
 * svm_range_get_pte_flags() (kfd_svm.c) for GC 9.4.3 and 9.4.4 (gfx942) from 6.5, the
 * parameter's first kernel, and for GC 9.5.0 (gfx950) in 7.3;
 * gmc_v12_1_get_coherence_flags() for GC 12.1.0 (gfx1250) in 7.3. 6.12 drives neither
 * 9.5.0 nor 12.1.0; for them kernels from 6.13 to 7.2 are not known here. No other GC
 * (gfx9 before 9.4.3, gfx10, gfx11, gfx12.0) reads it on any kernel. */
int kf_mtype_local_read(const unsigned v[3], const char *gfx);

/* Sorts m's kernels by kf_mtype_local_read() for the gfx targets gfx (NULL-terminated):
 * read (some target reads it), not_read (none does), unknown (not known, or a version
 * not parsed). Each a comma-separated list. */
void kf_mtype_local_kernels(const struct machine_facts *m, char *const *gfx,
			    struct strbuf *read, struct strbuf *not_read,
			    struct strbuf *unknown);

/* Whether any kernel known here reads mtype_local for one of the gfx targets. */
bool kf_mtype_local_ever_read(char *const *gfx);

/* What kf_mtype_local_read() knows, for messages. */
#define KF_MTYPE_LOCAL_READERS \
	"only GC 9.4.3 and 9.4.4 read it (gfx942), and on 7.3 GC 9.5.0 (gfx950) and 12.1.0 (gfx1250)"

/* kf_param_taints() == 1 for mtype_local: how messages name the kernels it taints. */
bool kf_mtype_local_taints(const unsigned v[3]);

/* The OVERDRIVE bit (0x4000) of amdgpu.ppfeaturemask taints the kernel from 6.13
 * (kernel commit b472b8d829c1). */
bool kf_overdrive_taints(const unsigned v[3]);

/* amdgpu.mes: on 6.1 mes=1 turns MES on for GC 10.1 and 10.3, and GC 11 always uses
 * MES; from 6.12 the value is never read; in 7.x the parameter is gone (its module
 * metadata says so: Debian's 7.2 and 7.3 amdgpu have no "mes"). Kernels between 6.1
 * and 6.12 are not known here: -1. 1 when this kernel reads it for GC major gc_major. */
int kf_mes_read(const unsigned v[3], unsigned gc_major);
bool kf_mes_never_read(const unsigned v[3]);

/* The default of amdgpu.noretry (-1, auto) for a GC version: 1 for GC >= 10.3 on 6.1
 * and 6.12, and for GC >= 10.1 (RDNA1 too) from 7.0 and in 6.18-stable
 * (amdgpu_gmc_noretry_set, e47b0056a08d). 1 or 0, or -1 where that is not known:
 * 6.18.y and 6.19.y (a 6.18 stable release took the change), and GC before 10.1. */
int kf_noretry_default(const unsigned v[3], unsigned gc_major, unsigned gc_minor);

/* Whether KFD can run a ROCm process with XNACK (retry faults, noretry=0) on GC
 * maj.min.rev: never on GC 10.1.1 up to 12.1 (kfd_process_xnack_mode() in
 * kfd_process.c: "GFXv10 and later GPUs do not support shader preemption during page
 * faults"; 6.1, 6.12 and 7.3; 7.3 lets GC 12.1 do it again), whatever the hardware
 * has (gfx1010-gfx1013 have XNACK, gfx103x and gfx11 do not). */
bool kf_kfd_xnack_off(unsigned maj, unsigned min, unsigned rev);

/* Whether parse_amd_iommu_options() of this kernel knows the amd_iommu= option opt (it
 * matches by prefix: "offline" is "off"): 1 yes, 0 no (the kernel logs "Unknown option"
 * and ignores it), -1 not known here. Checked in the built-in strings of Debian's
 * 6.1.192 and 6.12.117 kernels and in the sources of 6.12.118 and 7.3.4 (drivers/
 * iommu/amd/init.c): fullflush, force_enable, off, force_isolation, pgtbl_v1, pgtbl_v2
 * and irtcachedis in all; nohugepages and v2_pgsizes_only from 6.12; 7.3 has the same
 * set as 6.12. */
int kf_amd_iommu_option(const unsigned v[3], const char *opt);

/* ttm.page_pool_size counts pages per NUMA node from 7.2 ("Number of pages in the
 * WC/UC/DMA pool per NUMA node": ttm_pool_mgr_init() sets each node's limit; Debian's
 * 7.2.13 metadata and 7.3.4 source), for the whole machine in 6.1 and 6.12; kernels
 * between are not known here. */
bool kf_page_pool_per_node(const unsigned v[3]);

/* amdxdna (the XDNA NPU driver) is in the kernel tree from 6.14. */
bool kf_amdxdna_in_tree(const unsigned v[3]);

/* Whether this kernel's amdgpu drives a GPU of gfx target gfx at all: 1 yes, 0 no, -1
 * not known here (or gfx not in the table). From the GC versions each kernel's
 * amdgpu_discovery_set_gc_ip_blocks() binds (Debian's 6.1.192, 6.12.118 and 7.3.4
 * sources; drivers only ever add versions): 6.1 has gfx9 up to gfx90a, gfx1010-gfx1013,
 * gfx1030-gfx1036 and gfx1100-gfx1103; 6.12 adds gfx942, gfx1150, gfx1151, gfx1152,
 * gfx1200 and gfx1201; 7.3 adds gfx950, gfx1153, gfx1154, gfx1170, gfx1171 and
 * gfx1250. Kernels between two of those, for a GPU the later one added, are not known
 * here. */
int kf_gfx_driven(const unsigned v[3], const char *gfx);

/* Whether a kernel drives gfx1151 (Strix Halo, GC 11.5.1) for ROCm:
 * - KF_GFX1151_NOT_DRIVEN: 6.8 and older: amdgpu_discovery_set_gc_ip_blocks() has no
 *   GC 11.5.1 ("drm/amdgpu: add GC 11.5.1 discovery support", posted February 2024, so
 *   after 6.8; Debian's 6.1 has none): the GPU is not driven unless a distribution
 *   backported it;
 * - KF_GFX1151_FIXED: carries the two KFD fixes gfx1151 needs ("drm/amdkfd: bump
 *   minimum vgpr size for gfx1151", b42f3bf9536c, and "drm/amdkfd: Export the
 *   cwsr_size and ctl_stack_size to userspace", which ROCr reads from 7.2.1;
 *   kfd_queue_acquire_buffers() then refuses a queue with another control stack
 * size): 6.18.4 and later, 6.19 and 7.x, and Ubuntu 24.04's HWE 6.17.0-19 and later, as
 * AMD's documentation lists them; 6.12.64 and later 6.12 and Ubuntu OEM 6.14.0-1018 and
 * later, as reported (Debian's 6.12.118 and 7.3.4 sources have both fixes; the first
 * fixed release of each line is not verified here);
 * - KF_GFX1151_NOT_KNOWN: anything else (6.9 to 6.17 outside those): not known to carry
 *   them. release is the kernel's full version string (uname -r), for Ubuntu's OEM
 *   numbering. */
enum kf_gfx1151 { KF_GFX1151_NOT_DRIVEN, KF_GFX1151_NOT_KNOWN, KF_GFX1151_FIXED };
enum kf_gfx1151 kf_gfx1151(const unsigned v[3], const char *release);

/* What to say after "MODULE.PARAM is deprecated in KERNELS": for amdgpu.gttsize, what
 * the kernel does with it and the fix; "" for the others. */
const char *kf_deprecation_advice(const char *module, const char *param);

/* Whether module.param is deprecated on kernel k: its description says so, or the
 * version rule above (amdgpu.gttsize from 6.15). */
bool kf_param_deprecated(const struct kernel_info *k, const char *module,
			 const struct param_def *pd);
