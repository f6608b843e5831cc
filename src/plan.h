/* The plan: a resolved profile's intent turned into the exact kernel parameters and
 * module options for this machine and its kernels, validated against each kernel's
 * module metadata. Pure: reads only the profile and the facts given to it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "machine.h"
#include "profile.h"

enum where {
	WHERE_CMDLINE,
	WHERE_MODPROBE,
};

struct setting {
	char *name; /* canonical: "module.param" or a bare kernel parameter, '-' as '_' */
	char *module; /* NULL for a kernel parameter */
	char *param;
	char *value; /* as the kernel receives it; NULL for a bare flag */
	enum where where;
	char *reason; /* one line */
	char *file;   /* profile file and line the setting comes from */
	unsigned line;
	bool is_size; /* value counts memory: bytes holds it */
	uint64_t bytes;
};

struct plan {
	struct setting *settings;
	size_t n_settings;
	char **targets; /* gfx targets the profile is for (from match), possibly empty */
};

struct plan_options {
	bool force; /* turn forcible errors into warnings */
};

/* Builds the plan for profile p (resolved) on machine m. Findings go to d: errors make
 * the return -EINVAL (the plan is then not returned), warnings do not. On success *ret
 * is owned by the caller (plan_free()). -ENOMEM on allocation failure. */
int plan_build(const struct profile *p, const struct machine_facts *m,
	       const struct plan_options *o, struct plan **ret, struct diag_list *d);
void plan_free(struct plan *p);
/* Whether p has a setting that goes to where. */
bool plan_sets(const struct plan *p, enum where where);
DEFINE_FREEP(struct plan, plan_free)
#define _cleanup_plan_ _cleanup_(plan_freep)

/* Appends a setting as apply recorded it (module NULL for a kernel parameter, value
 * NULL for a bare flag) to pl: its name is module.param, or param, spelled canonically;
 * no reason, no file. The caller validated the strings. 0 or -ENOMEM. */
int plan_append(struct plan *pl, const char *module, const char *param, const char *value,
		enum where where);

/* The setting of pl named name (canonical), or NULL. */
const struct setting *plan_find(const struct plan *pl, const char *name);

/* Says in b how plan to differs from plan from: "set A=1, B=2 and no longer set C",
 * where A and B are settings to has with another value or place than from (or that from
 * lacks) and C one only from has. Returns the number of differences (0: the same
 * settings, values compared as strings, b untouched), or -ENOMEM. */
int plan_describe_changes(const struct plan *from, const struct plan *to,
			  struct strbuf *b);

/* Edit distance between two parameter names with '-' = '_' (for "did you mean"). */
unsigned plan_name_distance(const char *a, const char *b);
