/* Output about changes: apply, rollback and remove, and the snapshots they keep. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "json.h"
#include "render-change.h"
#include "snapshot.h"
#include "state.h"
#include "udiff.h"

int render_change_text(struct strbuf *b, const struct change_report *c)
{
	/* A file of ours changed, or only the boot files were made again (entries, a
	 * deployment, that lacked what the files say): the next boot differs. */
	bool boot = c->commands && c->commands[0];

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
		strbuf_printf(
			b, "%s\n",
			c->dry_run ? "It would regenerate the boot files with:"
			: c->image
				? "Regenerate the image's initramfs before the image is committed:"
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
	if (boot && !c->dry_run && c->image)
		strbuf_printf(
			b,
			"Machines get the new settings from the image when bootc installs it or upgrades to it, at their next boot.\n");
	else if (boot && !c->dry_run)
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
