/* Health beyond kernel parameters: what keeps settings that are right from doing what
 * users expect. The BIOS carve-out against the GTT and RAM, the GPU job timeout of each
 * kernel line, amdgpu kept from binding (nomodeset, blacklists), firmware known to
 * break ROCm, and a ttm.conf another tool left. Each finding is a warning in d that
 * names the evidence read (a file and line where there is one) and the fix. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct boot_facts;
struct diag_list;
struct gpu;
struct machine_facts;
struct sysroot;

/* The checks for root: m its kernels and RAM, b its boot configuration (the next boot
 * and, where the root has one, this boot's command line), gpus its AMD GPUs. The job
 * timeout of each kernel line is a fact about the machine, not about a change: only
 * with timeouts (detect). 0 or -ENOMEM. */
int health_check(const struct sysroot *root, const struct machine_facts *m,
		 const struct boot_facts *b, const struct gpu *gpus, size_t n_gpus,
		 bool timeouts, struct diag_list *d);
