/* Output about profiles and plans (show, check, profiles), the findings, and the JSON
 * pieces every document shares, as text for people or one JSON document. Pure:
 * everything is written into a strbuf that the command (cmd-*.c) prints. */
#pragma once

#include <stdbool.h>

#include "diag.h"
#include "machine.h"
#include "plan.h"
#include "profile.h"
#include "util.h"

/* Formats a finding as one line: "file:line: warning: message" (file and line when
 * known), file and message escaped (strbuf_put_escaped()): the one place findings
 * are escaped, for the terminal and the JSON documents alike. */
int render_diag(struct strbuf *b, const struct diag *d);

/* "cmdline" or "modprobe", as JSON and tables name where a setting goes. */
const char *render_where_name(enum where w);

/* JSON pieces shared by every command: the findings of one level as an array of
 * strings, and the machine's memory_bytes, page_size and kernels as keys. */
void render_json_diags(struct strbuf *b, const struct diag_list *d,
		       enum diag_level level);
void render_json_machine(struct strbuf *b, bool *first, const struct machine_facts *m);

/* Ends every command's document the same way: its "warnings" and "errors" arrays (d's
 * findings; d may be NULL) and the closing brace and newline. *first as json_key()
 * keeps it. 0 or -ENOMEM. */
int render_json_close(struct strbuf *b, bool *first, const struct diag_list *d);

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
