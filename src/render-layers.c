/* Output about the layers of each setting: diff and status. */
#include <errno.h>
#include <inttypes.h>

#include "json.h"
#include "render-layers.h"
#include "udiff.h"

/* A layer's value as text: "-" for unset, the value (empty for a bare flag). */
static const char *shown(const struct lvalue *v, bool known)
{
	if (!known)
		return "?";
	if (!v->set)
		return "-";
	return v->value ? v->value : "(flag)";
}

static void put_source(struct strbuf *b, const struct lvalue *v)
{
	/* A file of the root: named anything, so escaped. */
	if (v->set && v->file)
		strbuf_put_escaped(b, v->file);
	if (v->set && v->file && v->line)
		strbuf_printf(b, ":%u", v->line);
	else if (!v->set || !v->file)
		strbuf_puts(b, "-");
}

/* The file a profile came from, or what is known when it cannot be loaded now. */
static const char *file_or_gone(const char *file)
{
	return file ? file : "no profile file now";
}

static void text_notes(struct strbuf *b, const struct applied_notes *an)
{
	for (size_t i = 0; an && an->notes && an->notes[i]; i++) {
		_cleanup_free_ char *e = escape_untrusted(an->notes[i]);

		strbuf_printf(b, "Note: %s\n", e ? e : "");
	}
}

static void json_notes(struct strbuf *b, bool *first, const struct applied_notes *an)
{
	json_key(b, first, "notes");
	strbuf_putc(b, '[');
	for (size_t i = 0; an && an->notes && an->notes[i]; i++) {
		if (i)
			strbuf_putc(b, ',');
		json_string(b, an->notes[i]);
	}
	strbuf_putc(b, ']');
	json_key(b, first, "replan_differs");
	strbuf_puts(b, !an || an->replan < 0 ? "null" : an->replan ? "true" : "false");
}

int render_diff_text(struct strbuf *b, const char *name, const char *file,
		     const struct layers *l, const struct file_change *files,
		     size_t n_files, const struct boot_facts *after,
		     const struct applied_notes *an)
{
	bool cmdline = false;

	static const char *const head[] = {"SETTING", "WHERE",	"WANTED", "NEXT BOOT",
					   "RUNNING", "STATUS", "FROM"};
	size_t w[6] = {0}, n_change = 0, n_pending = 0, n_unknown = 0;
	bool any_file = false;

	strbuf_printf(b, "%s %s (%s)\n\n", an ? "Applied profile" : "Profile", name,
		      file_or_gone(file));
	for (size_t c = 0; c < 6; c++)
		w[c] = strlen(head[c]);
	for (size_t i = 0; i < l->n_rows; i++) {
		const struct row *r = &l->rows[i];
		const char *cell[6] = {r->setting->name,
				       render_where_name(r->setting->where),
				       r->setting->value ? r->setting->value : "(flag)",
				       shown(&r->next, r->next_known),
				       shown(&r->running, r->running_known),
				       row_status_name(r->status)};

		for (size_t c = 0; c < 6; c++)
			if (strlen(cell[c]) > w[c])
				w[c] = strlen(cell[c]);
	}
	if (l->n_rows == 0)
		strbuf_puts(b, "This profile sets nothing.\n");
	else
		strbuf_printf(b, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", (int)w[0],
			      head[0], (int)w[1], head[1], (int)w[2], head[2], (int)w[3],
			      head[3], (int)w[4], head[4], (int)w[5], head[5], head[6]);
	for (size_t i = 0; i < l->n_rows; i++) {
		const struct row *r = &l->rows[i];
		_cleanup_free_ char *next =
			escape_untrusted(shown(&r->next, r->next_known));
		_cleanup_free_ char *run =
			escape_untrusted(shown(&r->running, r->running_known));

		strbuf_printf(b, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  ", (int)w[0],
			      r->setting->name, (int)w[1],
			      render_where_name(r->setting->where), (int)w[2],
			      r->setting->value ? r->setting->value : "(flag)", (int)w[3],
			      next ? next : "", (int)w[4], run ? run : "", (int)w[5],
			      row_status_name(r->status));
		if (r->status == ROW_UNKNOWN && r->next_why) {
			_cleanup_free_ char *e = escape_untrusted(r->next_why);

			strbuf_printf(b, "not known: %s", e ? e : "");
		} else {
			put_source(b, &r->next);
		}
		strbuf_putc(b, '\n');
		n_unknown += r->status == ROW_UNKNOWN;
		n_change += r->status == ROW_CHANGE;
		n_pending += r->status == ROW_PENDING;
	}
	strbuf_putc(b, '\n');
	for (size_t i = 0; i < n_files; i++) {
		size_t before = b->len;

		udiff(b, files[i].path, files[i].old, files[i].path,
		      file_change_new(&files[i]));
		any_file |= b->len != before;
	}
	if (any_file)
		strbuf_putc(b, '\n');
	for (size_t i = 0; i < l->n_rows; i++)
		cmdline |= l->rows[i].setting->where == WHERE_CMDLINE;
	if (cmdline && after && after->next_known) {
		_cleanup_free_ char *e =
			escape_cmdline(after->next.text.s ? after->next.text.s : "");

		strbuf_printf(b, "Command line after apply: %s\n", e ? e : "");
	}
	if (n_change)
		strbuf_printf(b, "apply would change %zu setting%s", n_change,
			      n_change == 1 ? "" : "s");
	else if (n_unknown)
		strbuf_printf(b, "The next boot's value of %zu setting%s is not known",
			      n_unknown, n_unknown == 1 ? "" : "s");
	else
		strbuf_printf(b, "The next boot gives every setting of %s", name);
	if (n_change && n_unknown)
		strbuf_printf(b, "; %zu not known", n_unknown);
	if (n_pending)
		strbuf_printf(b, "; %zu setting%s wait%s for a reboot", n_pending,
			      n_pending == 1 ? "" : "s", n_pending == 1 ? "s" : "");
	strbuf_puts(b, any_file && !n_change ? " (apply would only rewrite its files).\n"
					     : ".\n");
	text_notes(b, an);
	return b->s ? strbuf_error(b) : -ENOMEM;
}

static void json_lvalue(struct strbuf *b, const struct lvalue *v, bool known)
{
	if (!known || !v->set)
		strbuf_puts(b, "null");
	else
		json_string(b, v->value ? v->value : "");
}

static void json_rows(struct strbuf *b, const struct layers *l, bool *first)
{
	json_key(b, first, "settings");
	strbuf_putc(b, '[');
	for (size_t i = 0; i < l->n_rows; i++) {
		const struct row *r = &l->rows[i];
		bool f = true;

		strbuf_puts(b, i ? ",{" : "{");
		json_key(b, &f, "name");
		json_string(b, r->setting->name);
		json_key(b, &f, "where");
		json_string(b, render_where_name(r->setting->where));
		json_key(b, &f, "wanted");
		json_string(b, r->setting->value ? r->setting->value : "");
		json_key(b, &f, "next_boot");
		json_lvalue(b, &r->next, r->next_known);
		json_key(b, &f, "next_boot_unknown");
		json_string(b, r->status == ROW_UNKNOWN ? r->next_why : NULL);
		json_key(b, &f, "next_boot_source");
		json_string(b, r->next.set ? r->next.file : NULL);
		json_key(b, &f, "next_boot_line");
		if (r->next.set && r->next.file && r->next.line)
			strbuf_printf(b, "%u", r->next.line);
		else
			strbuf_puts(b, "null");
		json_key(b, &f, "running");
		json_lvalue(b, &r->running, r->running_known);
		json_key(b, &f, "written");
		json_lvalue(b, &r->written, true);
		json_key(b, &f, "status");
		json_string(b, row_status_name(r->status));
		strbuf_putc(b, '}');
	}
	strbuf_putc(b, ']');
}

int render_diff_json(struct strbuf *b, const char *name, const struct layers *l,
		     const struct file_change *files, size_t n_files,
		     const struct applied_notes *an, const struct diag_list *d)
{
	bool first = true;

	strbuf_putc(b, '{');
	json_key(b, &first, "profile");
	json_string(b, name);
	if (l)
		json_rows(b, l, &first);
	json_key(b, &first, "files");
	strbuf_putc(b, '[');
	for (size_t i = 0; i < n_files; i++) {
		struct strbuf u = {0};
		bool f = true;

		udiff(&u, files[i].path, files[i].old, files[i].path,
		      file_change_new(&files[i]));
		strbuf_puts(b, i ? ",{" : "{");
		json_key(b, &f, "path");
		json_string(b, files[i].path);
		json_key(b, &f, "exists");
		strbuf_puts(b, files[i].old ? "true" : "false");
		json_key(b, &f, "after_apply");
		strbuf_puts(b, files[i].present ? "\"present\"" : "\"absent\"");
		json_key(b, &f, "diff");
		json_string(b, u.s ? u.s : "");
		strbuf_putc(b, '}');
		strbuf_done(&u);
	}
	strbuf_putc(b, ']');
	if (an)
		json_notes(b, &first, an);
	return render_json_close(b, &first, d);
}

enum status_verdict status_verdict(const struct layers *l)
{
	enum status_verdict v = STATUS_IN_EFFECT;

	for (size_t i = 0; i < l->n_rows; i++) {
		if (l->rows[i].status == ROW_CHANGE)
			return STATUS_DRIFTED;
		if (l->rows[i].status == ROW_UNKNOWN)
			v = STATUS_UNKNOWN;
		if (l->rows[i].status == ROW_PENDING && v != STATUS_UNKNOWN)
			v = STATUS_PENDING;
	}
	return v;
}

static const char *verdict_name(enum status_verdict v)
{
	return v == STATUS_DRIFTED   ? "drifted"
	       : v == STATUS_PENDING ? "pending"
	       : v == STATUS_UNKNOWN ? "unknown"
				     : "in-effect";
}

int render_status_text(struct strbuf *b, const char *name, const char *file,
		       const struct layers *l, uint64_t gtt_total, const char *gtt_card,
		       const struct applied_notes *an)
{
	enum status_verdict v = status_verdict(l);

	strbuf_printf(b, "Applied profile: %s (%s)\n", name, file_or_gone(file));
	strbuf_printf(
		b, "Status:          %s\n",
		v == STATUS_DRIFTED
			? "drifted: the configuration on disk no longer gives this profile (see 'amdgpu-tune diff')"
		: v == STATUS_PENDING ? "pending reboot: configured, not yet running"
		: v == STATUS_UNKNOWN
			? "not known: the next boot's command line could not be computed (see below)"
			: "in effect");
	strbuf_putc(b, '\n');
	for (size_t i = 0; i < l->n_rows; i++) {
		const struct row *r = &l->rows[i];
		_cleanup_free_ char *next = escape_untrusted(shown(&r->next, true));
		_cleanup_free_ char *run =
			escape_untrusted(shown(&r->running, r->running_known));

		if (r->status == ROW_UNKNOWN) {
			_cleanup_free_ char *e =
				escape_untrusted(r->next_why ? r->next_why : "");

			strbuf_printf(b, "%-10s %s=%s: next boot not known (%s)\n",
				      "unknown", r->setting->name,
				      r->setting->value ? r->setting->value : "",
				      e ? e : "");
			continue;
		}
		strbuf_printf(b, "%-10s %s=%s: next boot %s (",
			      r->status == ROW_CHANGE	 ? "drifted"
			      : r->status == ROW_PENDING ? "pending"
							 : "ok",
			      r->setting->name,
			      r->setting->value ? r->setting->value : "",
			      next ? next : "");
		put_source(b, &r->next);
		strbuf_printf(b, "), running %s\n", run ? run : "");
	}
	if (an && an->notes && an->notes[0]) {
		strbuf_putc(b, '\n');
		text_notes(b, an);
	}
	if (gtt_total) {
		char gib[32];

		format_gib(gtt_total, gib);
		strbuf_printf(b, "\nGTT as the driver reports it: %s (%s)\n", gib,
			      gtt_card);
	}
	return b->s ? strbuf_error(b) : -ENOMEM;
}

int render_status_json(struct strbuf *b, const char *name, const struct layers *l,
		       uint64_t gtt_total, const char *gtt_card,
		       const struct applied_notes *an, const char *trial,
		       const struct diag_list *d)
{
	bool first = true;

	strbuf_putc(b, '{');
	json_key(b, &first, "profile");
	json_string(b, name);
	json_key(b, &first, "status");
	if (l)
		json_string(b, verdict_name(status_verdict(l)));
	else
		strbuf_puts(b, "null");
	if (l)
		json_rows(b, l, &first);
	json_key(b, &first, "gtt_total_bytes");
	if (gtt_total)
		json_u64(b, gtt_total);
	else
		strbuf_puts(b, "null");
	json_key(b, &first, "gtt_source");
	json_string(b, gtt_total ? gtt_card : NULL);
	json_notes(b, &first, an);
	json_key(b, &first, "trial");
	strbuf_puts(b, trial ? trial : "null");
	return render_json_close(b, &first, d);
}
