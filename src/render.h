/* Output, as text for people or one JSON document, split by the data it shows:
 * render-plan.h (show, check, profiles), render-machine.h (detect), render-layers.h
 * (diff, status) and render-change.h (apply, rollback, remove, snapshots). This part is
 * what they share: findings, the JSON envelope, the machine's keys. Pure: everything
 * is written into a strbuf that the command (cmd-*.c) prints. */
#pragma once

#include <stdbool.h>

#include "diag.h"
#include "machine.h"
#include "plan.h"
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
