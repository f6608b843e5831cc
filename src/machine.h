/* What amdgpu-tune knows about the target machine, as plain data: RAM, page size,
 * installed kernels and their module parameter schemas, NPU presence, the AMD GPUs; and
 * the pure helpers that look into it. facts.h fills these from a root; plan, layers,
 * rules and the renderers read them without any I/O (no sysroot, no libkmod). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct param_def {
	char *name;
	char *type; /* modinfo parmtype ("int", "array of uint"), or NULL when absent */
	char *desc; /* modinfo parm description, or NULL */
};

struct module_schema {
	char *module;
	char *path;   /* module file relative to the root, NULL when not found */
	bool found;   /* the kernel has this module (as a file or built in) */
	bool builtin; /* listed in modules.builtin: only the command line reaches it */
	struct param_def *params;
	size_t n_params;
	char **depends; /* the modules it needs (modules.dep), NULL when none or unread */
};

struct kernel_info {
	char *version;	 /* directory name under lib/modules */
	unsigned ver[3]; /* major, minor, patch parsed from version */
	bool ver_known;
	bool has_index;	  /* modules.dep.bin present: libkmod can look modules up */
	char *ttm_module; /* the TTM amdgpu uses: "ttm", or "amdttm" (ROCm's DKMS driver)
			   */
	bool ttm_from_depends; /* decided by what amdgpu depends on (modules.dep) */
	struct module_schema *modules;
	size_t n_modules;
};

struct machine_facts {
	uint64_t mem_total; /* bytes */
	bool mem_known;
	bool mem_from_option; /* mem_total is --memory */
	uint64_t
		mem_machine; /* MemTotal of the root's proc/meminfo, also with --memory */
	bool mem_machine_known; /* false: no proc/meminfo, or no MemTotal in it */
	/* The root is an image being built (bootcfg.h): its proc/meminfo, if any, is the
	 * building machine's, never read; the RAM is given with --memory. */
	bool image;
	uint64_t page_size;
	struct kernel_info *kernels;
	size_t n_kernels;
	bool npu_present; /* an XDNA NPU (AMD device amdxdna binds, or amdxdna loaded) */
	/* Both ttm and amdttm are loaded in the root's running kernel (sys/module): then
	 * the limit is written for both. */
	bool ttm_both_loaded;
};

/* The AMD modules amdgpu-tune reads the parameters of and writes options for: amdgpu
 * and the TTM under it, the kernel's ttm or the ROCm DKMS driver's amdttm. Lists end
 * with NULL; names compare with '-' = '_'. */
extern const char *const amd_modules[];
extern const char *const ttm_modules[];
bool is_amd_module(const char *module);
bool is_ttm_module(const char *module);
/* Whether an initramfs that loads the GPU driver early loads module, so that a
 * modprobe.d change takes effect only with a new initramfs: Debian's plymouth hook
 * (/usr/share/initramfs-tools/hooks/plymouth) copies the DRM driver of each GPU it
 * finds, amdgpu, and with it drm and its TTM. */
bool initramfs_loads(const char *module);

/* The schema of module in kernel k (names compare with '-' = '_'), or NULL when it was
 * not loaded. */
const struct module_schema *kernel_module(const struct kernel_info *k,
					  const char *module);
/* The parameter of s named name ('-' = '_'), or NULL. */
const struct param_def *module_schema_param(const struct module_schema *s,
					    const char *name);

/* True when the parameter's description says it is deprecated (modinfo "parm" text,
 * as amdgpu marks gttsize from 6.15). */
bool param_is_deprecated(const struct param_def *p);

#define KERNEL_NAME_MAX 200

/* True when s can be a kernel version (a directory under lib/modules), as every kernel
 * package names one (6.12.48+deb12-amd64, 6.17.0-19-generic, 6.11.4-301.fc41.x86_64,
 * 6.12.1-arch1-1): 1 to KERNEL_NAME_MAX letters, digits and ". _ + ~ -", a letter or
 * digit first. The kernel hooks apply the same rule before they use one. */
bool kernel_dir_name_is_valid(const char *s);

/* Parses "6.12.117+deb12-amd64" into major, minor, patch. 0 or -EINVAL. */
int kernel_version_parse(const char *s, unsigned ret[3]);

void machine_facts_free(struct machine_facts *m);
DEFINE_FREEP(struct machine_facts, machine_facts_free)
#define _cleanup_machine_facts_ _cleanup_(machine_facts_freep)

/* A display-class PCI function of vendor 0x1002 under sys/bus/pci/devices. */
struct gpu {
	char *pci; /* PCI address, e.g. 0000:c3:00.0 */
	unsigned device;
	char *gfx; /* from ip_discovery GC version, else the id table; NULL if unknown */
	char *driver; /* bound driver ("amdgpu"), NULL when none */
	/* The carve-out amdgpu reports (mem_info_vram_total, bytes), when it does. */
	uint64_t vram;
	bool vram_known;
	/* The carve-out option the firmware applies at the next boot (uma/carveout, 7.2
	 * and later where the firmware offers them), -1 when there is none. */
	int uma_option;
};

void gpus_free(struct gpu *g, size_t n);
void module_schema_done(struct module_schema *s);
