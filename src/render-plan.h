/* Output about profiles and their plans: show, check, profiles (render.h). Pure. */
#pragma once

#include <stdbool.h>

#include "diag.h"
#include "machine.h"
#include "plan.h"
#include "profile.h"
#include "render.h"
#include "util.h"

int render_show_text(struct strbuf *b, const struct profile *p, const struct plan *pl,
		     const struct machine_facts *m, bool verbose);
int render_show_json(struct strbuf *b, const struct profile *p, const struct plan *pl,
		     const struct machine_facts *m, const struct diag_list *d);

/* check: valid is false when errors were found (pl may then be NULL). */
int render_check_text(struct strbuf *b, const struct profile *p, const struct plan *pl,
		      const struct machine_facts *m);
int render_check_json(struct strbuf *b, const char *name, const char *file,
		      const struct plan *pl, const struct machine_facts *m,
		      const struct diag_list *d);

/* profiles: descriptions[i] is the description of l[i], or NULL when it did not parse. */
int render_profiles_text(struct strbuf *b, const struct profile_file *l, size_t n,
			 char *const *descriptions);
int render_profiles_json(struct strbuf *b, const struct profile_file *l, size_t n,
			 char *const *descriptions, const struct diag_list *d);
