/* The pieces every command's output shares: findings (escaped here, once), the JSON
 * envelope and the machine's keys. */
#include <errno.h>
#include <inttypes.h>

#include "json.h"
#include "render.h"

int render_diag(struct strbuf *b, const struct diag *d)
{
	int r = 0;

	/* Findings are recorded as they are, with whatever the machine, a profile or
	 * the command line put in them (a drop-in may be named anything); this is where
	 * they are escaped, once, for the terminal or the JSON string. */
	if (d->file)
		r = strbuf_put_escaped(b, d->file);
	if (r == 0 && d->file && d->line)
		r = strbuf_printf(b, ":%u: ", d->line);
	else if (r == 0 && d->file)
		r = strbuf_puts(b, ": ");
	if (r == 0 && d->level == DIAG_WARNING)
		r = strbuf_puts(b, "warning: ");
	return r < 0 ? r : strbuf_put_escaped(b, d->message);
}

const char *render_where_name(enum where w)
{
	return w == WHERE_CMDLINE ? "cmdline" : "modprobe";
}

void render_json_diags(struct strbuf *b, const struct diag_list *d, enum diag_level level)
{
	bool any = false;

	strbuf_putc(b, '[');
	for (size_t i = 0; d && i < d->n; i++) {
		struct strbuf line = {0};
		struct diag copy = d->items[i];

		if (copy.level != level)
			continue;
		copy.level = DIAG_ERROR; /* no "warning: " prefix inside the array */
		render_diag(&line, &copy);
		if (any)
			strbuf_putc(b, ',');
		json_string(b, line.s ? line.s : "");
		strbuf_done(&line);
		any = true;
	}
	strbuf_putc(b, ']');
}

int render_json_close(struct strbuf *b, bool *first, const struct diag_list *d)
{
	json_key(b, first, "warnings");
	render_json_diags(b, d, DIAG_WARNING);
	json_key(b, first, "errors");
	render_json_diags(b, d, DIAG_ERROR);
	strbuf_puts(b, "}\n");
	return b->s ? strbuf_error(b) : -ENOMEM;
}

void render_json_machine(struct strbuf *b, bool *first, const struct machine_facts *m)
{
	json_key(b, first, "memory_bytes");
	if (m->mem_known)
		json_u64(b, m->mem_total);
	else
		strbuf_puts(b, "null");
	json_key(b, first, "page_size");
	json_u64(b, m->page_size);
	json_key(b, first, "kernels");
	strbuf_putc(b, '[');
	for (size_t i = 0; i < m->n_kernels; i++) {
		bool f = true;

		strbuf_puts(b, i ? ",{" : "{");
		json_key(b, &f, "version");
		json_string(b, m->kernels[i].version);
		json_key(b, &f, "ttm_module");
		json_string(b, m->kernels[i].ttm_module);
		strbuf_putc(b, '}');
	}
	strbuf_putc(b, ']');
}
