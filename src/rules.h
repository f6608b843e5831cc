/* The kernel and AMD rules for one setting, wherever it comes from: a profile, a
 * modprobe.d options line or the kernel command line. plan.c and layers.c both ask
 * here, so a profile and the disk are linted by the same rules; each caller decides
 * what a finding means for it (a profile's error refuses it, the disk only gets
 * warnings: it is not ours to refuse). Per-kernel facts come from kfacts.h. Pure. */
#pragma once

#include <stdbool.h>

#include "diag.h"
#include "machine.h"

struct rules_input {
	const struct machine_facts *m;
	char *const *gfx; /* the GPUs concerned (a profile's targets), NULL: not known */
};

/* Receives one finding: level, whether --force may accept it, the message. */
typedef int (*rules_emit)(void *data, enum diag_level level, bool forcible,
			  const char *message);

/* Whether rules_check() has anything to say about some parameter of module, so that a
 * caller may skip splitting the options of the modules it does not (a modprobe.d
 * configures hundreds). */
bool rules_module_matters(const char *module);

/* Checks module.param=value (module NULL: a kernel parameter such as amd_iommu; value
 * NULL: a bare name). 0 or -ENOMEM (or what emit returned). */
int rules_check(const struct rules_input *in, const char *module, const char *param,
		const char *value, rules_emit emit, void *data);
