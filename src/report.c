#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "json.h"
#include "render.h"
#include "report.h"
#include "snapshot.h"
#include "state.h"
#include "udiff.h"

static void text_machine(struct strbuf *b, const struct machine_facts *m)
{
	char ram[32];

	if (m->mem_known) {
		format_gib(m->mem_total, ram);
		strbuf_printf(b, "Memory:      %s%s, %" PRIu64 "-byte pages\n", ram,
			      m->mem_from_option ? " (--memory)" : "", m->page_size);
	} else {
		strbuf_printf(
			b,
			"Memory:      unknown (no proc/meminfo; use --memory), %" PRIu64
			"-byte pages\n",
			m->page_size);
	}
	strbuf_printf(b, "NPU:         %s\n",
		      m->npu_present ? "present (amd_iommu=off would disable it)"
				     : "none");
}

int render_detect_text(struct strbuf *b, const struct gpu *gpus, size_t n_gpus,
		       char *const *profiles, const struct machine_facts *m,
		       const struct boot_facts *bf)
{
	if (n_gpus == 0)
		strbuf_puts(
			b,
			"GPUs:        none (no display controller of vendor 0x1002)\n");
	for (size_t i = 0; i < n_gpus; i++)
		strbuf_printf(b, "%s %s  1002:%04x  %-8s  driver %-8s  profile %s\n",
			      i ? "            " : "GPUs:       ", gpus[i].pci,
			      gpus[i].device, gpus[i].gfx ? gpus[i].gfx : "unknown",
			      gpus[i].driver ? gpus[i].driver : "none",
			      profiles[i] ? profiles[i] : "none matches");
	text_machine(b, m);
	if (m->n_kernels == 0)
		strbuf_puts(b, "Kernels:     none found under lib/modules\n");
	for (size_t i = 0; i < m->n_kernels; i++)
		strbuf_printf(b, "%s %s  (%s%s)%s\n",
			      i ? "            " : "Kernels:    ", m->kernels[i].version,
			      m->kernels[i].ttm_module,
			      m->kernels[i].ttm_from_depends ? ", which amdgpu depends on"
							     : "",
			      bf->default_kernel && streq(bf->default_kernel,
							  m->kernels[i].version)
				      ? "  boots by default"
				      : "");
	if (!bf->default_kernel && bf->default_why) {
		strbuf_puts(b, "Default:     unknown: ");
		strbuf_put_escaped(b, bf->default_why);
		strbuf_putc(b, '\n');
	}
	strbuf_printf(b, "Boot loader: %s\n             %s\n",
		      bootloader_name(bf->loader), bf->evidence);
	if (bf->modprobe_rules.kmod)
		strbuf_printf(b, "modprobe.d:  as kmod %u reads it (%s): *.conf%s%s\n",
			      bf->modprobe_rules.kmod, bf->modprobe_rules.source,
			      bf->modprobe_rules.alias_files ? " and *.alias" : "",
			      bf->modprobe_rules.usr_lib ? ", usr/lib/modprobe.d too"
							 : "");
	else
		strbuf_puts(
			b,
			"modprobe.d:  kmod's version not known (no var/lib/dpkg/status entry): read as kmod 32 does (*.conf and *.alias, usr/lib/modprobe.d too)\n");
	if (bf->next_known) {
		_cleanup_free_ char *e =
			escape_untrusted(bf->next.text.s ? bf->next.text.s : "");

		strbuf_printf(b, "Next boot:   %s\n", e ? e : "");
	} else if (bf->next_why) {
		_cleanup_free_ char *e = escape_untrusted(bf->next_why);

		strbuf_printf(b, "Next boot:   not known: %s\n", e ? e : "");
	} else {
		strbuf_puts(b, "Next boot:   not known\n");
	}
	if (bf->running_known) {
		strbuf_puts(b, "Running:    ");
		for (size_t i = 0; i < bf->running.n; i++) {
			_cleanup_free_ char *n = escape_untrusted(bf->running.v[i].name);
			_cleanup_free_ char *v =
				bf->running.v[i].value
					? escape_untrusted(bf->running.v[i].value)
					: NULL;

			strbuf_printf(b, " %s%s%s", n ? n : "", v ? "=" : "", v ? v : "");
		}
		strbuf_putc(b, '\n');
	}
	return b->s ? strbuf_error(b) : -ENOMEM;
}

int render_detect_json(struct strbuf *b, const struct gpu *gpus, size_t n_gpus,
		       char *const *profiles, const struct machine_facts *m,
		       const struct boot_facts *bf, const struct diag_list *d)
{
	bool first = true;

	strbuf_putc(b, '{');
	json_key(b, &first, "gpus");
	strbuf_putc(b, '[');
	for (size_t i = 0; i < n_gpus; i++) {
		bool f = true;
		char id[8];

		strbuf_puts(b, i ? ",{" : "{");
		json_key(b, &f, "pci");
		json_string(b, gpus[i].pci);
		json_key(b, &f, "vendor");
		json_string(b, "1002");
		json_key(b, &f, "device");
		snprintf(id, sizeof(id), "%04x", gpus[i].device);
		json_string(b, id);
		json_key(b, &f, "gfx");
		json_string(b, gpus[i].gfx);
		json_key(b, &f, "driver");
		json_string(b, gpus[i].driver);
		json_key(b, &f, "profile");
		json_string(b, profiles[i]);
		strbuf_putc(b, '}');
	}
	strbuf_putc(b, ']');
	render_json_machine(b, &first, m);
	json_key(b, &first, "npu");
	strbuf_puts(b, m->npu_present ? "true" : "false");
	json_key(b, &first, "default_kernel");
	json_string(b, bf->default_kernel);
	json_key(b, &first, "bootloader");
	json_string(b, bootloader_name(bf->loader));
	json_key(b, &first, "bootloader_evidence");
	json_string(b, bf->evidence);
	/* The kmod whose modprobe.d rules were used (null: not known, kmod 32's). */
	json_key(b, &first, "kmod_version");
	if (bf->modprobe_rules.kmod)
		strbuf_printf(b, "%u", bf->modprobe_rules.kmod);
	else
		strbuf_puts(b, "null");
	json_key(b, &first, "cmdline_next_boot");
	json_string(b, bf->next_known ? (bf->next.text.s ? bf->next.text.s : "") : NULL);
	json_key(b, &first, "cmdline_next_boot_unknown");
	json_string(b, bf->next_known ? NULL : bf->next_why);
	return render_json_close(b, &first, d);
}

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
	if (v->set && v->file && v->line)
		strbuf_printf(b, "%s:%u", v->file, v->line);
	else if (v->set && v->file)
		strbuf_puts(b, v->file);
	else
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
			escape_untrusted(after->next.text.s ? after->next.text.s : "");

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
		       const struct applied_notes *an, const struct diag_list *d)
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
	return render_json_close(b, &first, d);
}

int render_change_text(struct strbuf *b, const struct change_report *c)
{
	bool boot = false;

	strbuf_printf(b, "%s\n", c->headline);
	for (size_t i = 0; i < c->n_files; i++) {
		const struct file_change *f = &c->files[i];

		boot |= !streq(f->path, STATE_FILE);
		if (c->dry_run)
			udiff(b, f->path, f->old, f->path, file_change_new(f));
		else
			strbuf_printf(b, "  %-8s %s\n", f->present ? "wrote" : "removed",
				      f->path);
	}
	for (size_t i = 0; c->ran && c->commands && c->commands[i]; i++)
		strbuf_printf(b, "  %-8s %s\n", "ran", c->commands[i]);
	if (!c->ran && c->commands && c->commands[0]) {
		strbuf_printf(b, "%s\n",
			      c->dry_run ? "It would regenerate the boot files with:"
					 : "Regenerate the boot files before rebooting:");
		for (size_t i = 0; c->commands[i]; i++) {
			strbuf_puts(b, c->chroot ? "  chroot " : "  ");
			if (c->chroot) {
				/* The root's path as given: escaped for the terminal. */
				strbuf_put_escaped(b, c->chroot);
				strbuf_putc(b, ' ');
			}
			strbuf_printf(b, "%s\n", c->commands[i]);
		}
	}
	if (boot && !c->dry_run)
		strbuf_printf(
			b,
			"Reboot to use the new settings; 'amdgpu-tune status' checks them afterwards.\n");
	return b->s ? strbuf_error(b) : -ENOMEM;
}

int render_change_json(struct strbuf *b, const struct change_report *c,
		       const struct diag_list *d)
{
	bool first = true, boot = false;

	strbuf_putc(b, '{');
	json_key(b, &first, "operation");
	json_string(b, c->operation);
	json_key(b, &first, "profile");
	json_string(b, c->profile);
	json_key(b, &first, "dry_run");
	strbuf_puts(b, c->dry_run ? "true" : "false");
	json_key(b, &first, "snapshot");
	if (c->snapshot)
		json_u64(b, c->snapshot);
	else
		strbuf_puts(b, "null");
	json_key(b, &first, "files");
	strbuf_putc(b, '[');
	for (size_t i = 0; i < c->n_files; i++) {
		const struct file_change *f = &c->files[i];
		bool ff = true;
		struct strbuf u = {0};

		boot |= !streq(f->path, STATE_FILE);
		strbuf_puts(b, i ? ",{" : "{");
		json_key(b, &ff, "path");
		json_string(b, f->path);
		json_key(b, &ff, "action");
		json_string(b, f->present ? "write" : "remove");
		json_key(b, &ff, "diff");
		udiff(&u, f->path, f->old, f->path, file_change_new(f));
		json_string(b, u.s ? u.s : "");
		strbuf_done(&u);
		/* The whole contents too, for callers that show before/after (Ansible's
		 * diff mode): null for a file that is not there. */
		json_key(b, &ff, "before");
		json_string(b, f->old);
		json_key(b, &ff, "after");
		json_string(b, file_change_new(f));
		strbuf_putc(b, '}');
	}
	strbuf_putc(b, ']');
	json_key(b, &first, "changed");
	strbuf_puts(b, c->n_files ? "true" : "false");
	json_key(b, &first, "commands");
	strbuf_putc(b, '[');
	for (size_t i = 0; c->commands && c->commands[i]; i++) {
		if (i)
			strbuf_putc(b, ',');
		json_string(b, c->commands[i]);
	}
	strbuf_putc(b, ']');
	json_key(b, &first, "commands_ran");
	strbuf_puts(b, c->ran ? "true" : "false");
	/* A dry run says what the real run would need: the plan for check modes. */
	json_key(b, &first, "reboot_required");
	strbuf_puts(b, boot ? "true" : "false");
	return render_json_close(b, &first, d);
}

static void format_time(int64_t t, char buf[static 32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, 32, "%Y-%m-%d %H:%M:%SZ", &tm))
		snprintf(buf, 32, "@%lld", (long long)t);
}

int render_snapshots_text(struct strbuf *b, struct snapshot *const *l, size_t n)
{
	if (!n)
		return strbuf_puts(
			b,
			"No snapshots (nothing was applied, rolled back or removed yet).\n");
	strbuf_printf(b, "%-4s  %-20s  %-9s  %-20s  %s\n", "ID", "TIME (UTC)",
		      "OPERATION", "PROFILE THEN", "FILES");
	for (size_t i = 0; i < n; i++) {
		char t[32], op[32];

		format_time(l[i]->time, t);
		if (l[i]->undoes)
			snprintf(op, sizeof(op), "rollback %u%s", l[i]->undoes,
				 l[i]->undone ? " (failed)" : "");
		else
			snprintf(op, sizeof(op), "%s%s", l[i]->operation,
				 l[i]->undone ? " (failed)" : "");
		strbuf_printf(b, "%-4u  %-20s  %-9s  %-20s ", l[i]->id, t, op,
			      l[i]->profile ? l[i]->profile : "-");
		for (size_t k = 0; k < l[i]->n_files; k++)
			strbuf_printf(b, " %s%s", l[i]->files[k].f.path,
				      l[i]->files[k].f.present ? "" : " (absent)");
		strbuf_putc(b, '\n');
	}
	return b->s ? strbuf_error(b) : -ENOMEM;
}

int render_snapshots_json(struct strbuf *b, struct snapshot *const *l, size_t n,
			  const struct diag_list *d)
{
	bool first = true;

	strbuf_putc(b, '{');
	json_key(b, &first, "snapshots");
	strbuf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		bool ff = true;
		char t[32];

		format_time(l[i]->time, t);
		strbuf_puts(b, i ? ",{" : "{");
		json_key(b, &ff, "id");
		json_u64(b, l[i]->id);
		json_key(b, &ff, "time");
		json_string(b, t);
		json_key(b, &ff, "operation");
		json_string(b, l[i]->operation);
		json_key(b, &ff, "undoes");
		if (l[i]->undoes)
			json_u64(b, l[i]->undoes);
		else
			strbuf_puts(b, "null");
		json_key(b, &ff, "profile");
		json_string(b, l[i]->profile);
		json_key(b, &ff, "took_effect");
		strbuf_puts(b, l[i]->undone ? "false" : "true");
		json_key(b, &ff, "files");
		strbuf_putc(b, '[');
		for (size_t k = 0; k < l[i]->n_files; k++) {
			bool f3 = true;

			strbuf_puts(b, k ? ",{" : "{");
			json_key(b, &f3, "path");
			json_string(b, l[i]->files[k].f.path);
			json_key(b, &f3, "present");
			strbuf_puts(b, l[i]->files[k].f.present ? "true" : "false");
			strbuf_putc(b, '}');
		}
		strbuf_puts(b, "]}");
	}
	strbuf_putc(b, ']');
	return render_json_close(b, &first, d);
}
