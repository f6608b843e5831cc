/* Reading the target machine's facts (machine.h) from a root: proc/meminfo, the PCI
 * devices, lib/modules through libkmod and the parameter cache, KFD's topology. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "machine.h"

struct sysroot;

/* Whether reading module parameter tables may store them in the cache
 * (var/cache/amdgpu-tune). Off by default: only the commands that write (apply,
 * rollback, remove) turn it on, so the read-only ones change nothing on disk. */
void machine_facts_cache_writes(bool on);

/* Reads facts from root: MemTotal (mem_total is mem_override when that is non-zero;
 * mem_machine is MemTotal all the same), page size, NPU, and the kernels under
 * lib/modules (only only_kernel when not NULL) with the schemas of every module named
 * in modules (NULL-terminated) plus ttm/amdttm/amdgpu.
 * Problems that leave a fact unknown are warnings in d; *ret is owned by the caller
 * (machine_facts_free()). 0, -ENOENT (only_kernel not installed, error in d), -ENOMEM. */
int machine_facts_read(struct sysroot *root, uint64_t mem_override,
		       const char *only_kernel, char *const *modules,
		       struct machine_facts **ret, struct diag_list *d);

/* The AMD GPUs of the root, sorted by PCI address. *ret owned by the caller
 * (gpus_free()); none is a normal result (n = 0). 0 or -ENOMEM. */
int gpus_read(const struct sysroot *root, struct gpu **ret, size_t *ret_n);

/* The memory KFD reports to ROCm for the GPU at PCI address pci ("0000:c3:00.0"): the
 * sum of size_in_bytes over sys/class/kfd/kfd/topology/nodes/N/mem_banks/M/properties of
 * the node whose properties give that domain and location_id (kfd_topology.c:
 * pci_domain_nr() and pci_dev_id(), bus << 8 | devfn). *ret_node names the node's
 * directory (ret_node holds 128 bytes). 0, or -ENOENT when KFD shows no such node. */
int kfd_gpu_memory(const struct sysroot *root, const char *pci, uint64_t *ret_bytes,
		   char ret_node[static 128]);

/* A sysfs number (decimal) at rel: true with *ret set, false when absent or not one. */
bool sysfs_read_u64(const struct sysroot *root, const char *rel, uint64_t *ret);

/* The root's running kernel release (proc/sys/kernel/osrelease), into buf; false when
 * it is not known. */
bool running_release(const struct sysroot *root, char buf[static 128]);
