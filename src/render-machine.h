/* Output about the machine: detect (render.h). Pure. */
#pragma once

#include "bootcfg.h"
#include "diag.h"
#include "gpu.h"
#include "machine.h"
#include "render.h"
#include "util.h"

/* detect: profiles[i] names the profile matching gpus[i] (NULL: none). */
int render_detect_text(struct strbuf *b, const struct gpu *gpus, size_t n_gpus,
		       char *const *profiles, const struct machine_facts *m,
		       const struct boot_facts *bf);
int render_detect_json(struct strbuf *b, const struct gpu *gpus, size_t n_gpus,
		       char *const *profiles, const struct machine_facts *m,
		       const struct boot_facts *bf, const struct diag_list *d);
