/* Output about profiles and their plans: show, check, profiles. */
#include <errno.h>
#include <inttypes.h>

#include "json.h"
#include "render-plan.h"

static void kernels_line(struct strbuf *b, const struct machine_facts *m)
{
	if (m->n_kernels == 0) {
		strbuf_puts(b, "none found under lib/modules");
		return;
	}
	for (size_t i = 0; i < m->n_kernels; i++)
		strbuf_printf(b, "%s%s (%s)", i ? ", " : "", m->kernels[i].version,
			      m->kernels[i].ttm_module);
}

static void header(struct strbuf *b, const struct profile *p,
		   const struct machine_facts *m)
{
	char ram[32];

	{
		/* A profile's description is the administrator's text: escaped. */
		_cleanup_free_ char *desc = escape_untrusted(p->description);

		strbuf_printf(b, "%s: %s\n", p->name, desc ? desc : "?");
	}
	strbuf_printf(b, "  file:    %s\n", p->file);
	if (p->chain && p->chain[1]) {
		strbuf_puts(b, "  include:");
		for (size_t i = 1; p->chain[i]; i++)
			strbuf_printf(b, " %s", p->chain[i]);
		strbuf_putc(b, '\n');
	}
	if (m->mem_known) {
		format_gib(m->mem_total, ram);
		strbuf_printf(b, "  machine: %s RAM%s, %" PRIu64 "-byte pages\n", ram,
			      m->mem_from_option ? " (--memory)" : "", m->page_size);
	} else {
		strbuf_printf(b, "  machine: RAM unknown, %" PRIu64 "-byte pages\n",
			      m->page_size);
	}
	strbuf_puts(b, "  kernels: ");
	kernels_line(b, m);
	strbuf_putc(b, '\n');
}

int render_show_text(struct strbuf *b, const struct profile *p, const struct plan *pl,
		     const struct machine_facts *m, bool verbose)
{
	header(b, p, m);
	if (verbose)
		for (size_t i = 0; i < m->n_kernels; i++)
			for (size_t j = 0; j < m->kernels[i].n_modules; j++) {
				const struct module_schema *s = &m->kernels[i].modules[j];

				if (s->found)
					strbuf_printf(b, "  module:  %s %s: %s\n",
						      m->kernels[i].version, s->module,
						      s->builtin ? "built in" : s->path);
			}
	strbuf_putc(b, '\n');
	if (pl->n_settings == 0)
		strbuf_puts(
			b,
			"No kernel parameters or module options: this profile changes nothing.\n");
	for (size_t i = 0; i < pl->n_settings; i++) {
		const struct setting *s = &pl->settings[i];
		_cleanup_free_ char *reason = escape_untrusted(s->reason);

		if (s->value)
			strbuf_printf(b, "%s=%s", s->name, s->value);
		else
			strbuf_puts(b, s->name);
		strbuf_printf(b, "  (%s)\n",
			      s->where == WHERE_CMDLINE ? "kernel command line"
							: "modprobe.d");
		if (reason && *reason)
			strbuf_printf(b, "    %s\n", reason);
		strbuf_printf(b, "    from %s:%u\n", s->file, s->line);
	}
	return b->s ? strbuf_error(b) : -ENOMEM;
}

static void json_settings(struct strbuf *b, const struct plan *pl)
{
	strbuf_putc(b, '[');
	for (size_t i = 0; pl && i < pl->n_settings; i++) {
		const struct setting *s = &pl->settings[i];
		bool first = true;

		strbuf_puts(b, i ? ",{" : "{");
		json_key(b, &first, "name");
		json_string(b, s->name);
		json_key(b, &first, "where");
		json_string(b, render_where_name(s->where));
		json_key(b, &first, "value");
		json_string(b, s->value);
		json_key(b, &first, "reason");
		json_string(b, s->reason);
		json_key(b, &first, "source");
		{
			struct strbuf src = {0};

			strbuf_printf(&src, "%s:%u", s->file, s->line);
			json_string(b, src.s ? src.s : "");
			strbuf_done(&src);
		}
		if (s->is_size) {
			json_key(b, &first, "bytes");
			json_u64(b, s->bytes);
		}
		strbuf_putc(b, '}');
	}
	strbuf_putc(b, ']');
}

int render_show_json(struct strbuf *b, const struct profile *p, const struct plan *pl,
		     const struct machine_facts *m, const struct diag_list *d)
{
	bool first = true;

	strbuf_putc(b, '{');
	json_key(b, &first, "profile");
	json_string(b, p->name);
	json_key(b, &first, "file");
	json_string(b, p->file);
	json_key(b, &first, "description");
	json_string(b, p->description);
	render_json_machine(b, &first, m);
	json_key(b, &first, "settings");
	json_settings(b, pl);
	return render_json_close(b, &first, d);
}

int render_check_text(struct strbuf *b, const struct profile *p, const struct plan *pl,
		      const struct machine_facts *m)
{
	strbuf_printf(b, "%s: valid, %zu setting%s", p->file, pl->n_settings,
		      pl->n_settings == 1 ? "" : "s");
	if (m->n_kernels) {
		strbuf_puts(b, ", checked against ");
		for (size_t i = 0; i < m->n_kernels; i++)
			strbuf_printf(b, "%s%s", i ? ", " : "", m->kernels[i].version);
	} else {
		strbuf_puts(b, ", no kernel to check module options against");
	}
	strbuf_putc(b, '\n');
	return b->s ? strbuf_error(b) : -ENOMEM;
}

int render_check_json(struct strbuf *b, const char *name, const char *file,
		      const struct plan *pl, const struct machine_facts *m,
		      const struct diag_list *d)
{
	bool first = true;

	strbuf_putc(b, '{');
	json_key(b, &first, "profile");
	json_string(b, name);
	json_key(b, &first, "file");
	json_string(b, file);
	json_key(b, &first, "valid");
	strbuf_puts(b, diag_count(d, DIAG_ERROR) ? "false" : "true");
	if (m)
		render_json_machine(b, &first, m);
	json_key(b, &first, "settings");
	json_settings(b, pl);
	return render_json_close(b, &first, d);
}

int render_profiles_text(struct strbuf *b, const struct profile_file *l, size_t n,
			 char *const *descriptions)
{
	int w = 4;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(l[i].name) > w)
			w = (int)strlen(l[i].name);
	if (n == 0)
		strbuf_puts(b, "No profiles found.\n");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *desc =
			descriptions[i] ? escape_untrusted(descriptions[i]) : NULL;

		strbuf_printf(b, "%-*s  %s\n", w, l[i].name,
			      desc ? desc : "(does not parse: see 'amdgpu-tune check')");
		strbuf_printf(b, "%-*s  %s%s\n", w, "", l[i].file,
			      l[i].shadowed ? " (replaces the shipped profile)" : "");
	}
	return b->s ? strbuf_error(b) : -ENOMEM;
}

int render_profiles_json(struct strbuf *b, const struct profile_file *l, size_t n,
			 char *const *descriptions, const struct diag_list *d)
{
	bool top = false;

	strbuf_puts(b, "{\"profiles\":[");
	for (size_t i = 0; i < n; i++) {
		bool first = true;

		strbuf_puts(b, i ? ",{" : "{");
		json_key(b, &first, "name");
		json_string(b, l[i].name);
		json_key(b, &first, "description");
		json_string(b, descriptions[i]);
		json_key(b, &first, "file");
		json_string(b, l[i].file);
		json_key(b, &first, "shadows");
		json_string(b, l[i].shadowed);
		strbuf_putc(b, '}');
	}
	strbuf_putc(b, ']');
	return render_json_close(b, &top, d);
}
