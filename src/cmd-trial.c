/* apply --trial and confirm: a trial boot (trial.h). */
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "change.h"
#include "cmdline.h"
#include "layers.h"
#include "ops.h"
#include "strv.h"
#include "sysroot.h"
#include "trial.h"
#include "verbs.h"

struct trial_check {
	const struct boot_backend *loader;
	const struct trial *trial;
};

/* After the regeneration: the entry carries every argument of the trial. */
static int trial_verify(const struct sysroot *root, const void *data, struct diag_list *d)
{
	const struct trial_check *x = data;

	return x->loader->trial_verify ? x->loader->trial_verify(root, x->trial, d) : 0;
}

/* What the applied profile (c's state) puts on the next boot that the trial must not
 * have: its command-line arguments, which the entry leaves out (t->drop); and its module
 * options the trial's profile does not set, which stay in modprobe.d and the initramfs
 * for the trial's boot and go with confirm: a warning names them. 0 or -ENOMEM. */
static int applied_left(const struct compared *c, struct trial *t, struct diag_list *d)
{
	const struct plan *was = c->state ? c->state->applied : NULL;
	_cleanup_strbuf_ struct strbuf kept = {0};
	int r = 0;

	for (size_t i = 0; r == 0 && was && i < was->n_settings; i++) {
		const struct setting *s = &was->settings[i];
		char *a = NULL;

		if (s->where == WHERE_CMDLINE) {
			r = cmdline_arg_format(s->name, s->value, &a);
			if (r == 0 && state_token_is_safe(a))
				r = strv_push(&t->drop, a);
			free(a);
			if (r == -EINVAL)
				r = 0;
		} else if (!plan_find(c->planned.plan, s->name)) {
			r = strbuf_printf(&kept, "%s%s", kept.len ? ", " : "", s->name);
		}
	}
	if (r == 0 && kept.len)
		r = diag_warning(
			d, FRAGMENT_MODPROBE, 0,
			"the trial's boot keeps the module options of %s that %s does not set (%s): a trial changes neither modprobe.d nor the initramfs, and confirm takes them away",
			c->state->profile, c->planned.profile->name, kept.s);
	return r;
}

/* Whether files a and b are in one directory by two paths (efi and boot/efi, a bind
 * mount or a symlink): the same device and inode. */
static bool same_dir(const struct sysroot *root, const char *a, const char *b)
{
	_cleanup_free_ char *da = strdup(a), *db = strdup(b);
	char *sa = da ? strrchr(da, '/') : NULL, *sb = db ? strrchr(db, '/') : NULL;
	struct stat x, y;

	if (!sa || !sb)
		return false;
	*sa = *sb = '\0';
	return sysroot_stat(root, da, &x) == 0 && sysroot_stat(root, db, &y) == 0 &&
	       x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

int apply_trial(struct sysroot *root, const struct options *o, const char *name,
		struct diag_list *d)
{
	struct compared c = {0};
	_cleanup_trial_ struct trial *was = NULL;
	_cleanup_free_ char *rec = NULL, *script = NULL, *old_rec = NULL,
			    *old_script = NULL, *done = NULL, *tail = NULL;
	char id[24];
	struct trial t = {0};
	struct trial_check check = {0};
	/* The entry, the record, and an older entry in each other file it may be in. */
	struct file_change files[2 + TRIAL_FILES_MAX];
	char *stale[TRIAL_FILES_MAX] = {NULL};
	size_t n_stale = 0;
	struct txn x = {.operation = "trial", .select_trial = true};
	const struct boot_backend *loader;
	const struct managed_file *entry;
	const char *why;
	int r, code = EXIT_OK;

	r = compare(root, &o->req, name, COMPARE_APPLY, &c, d);
	if (r < 0 || diag_count(d, DIAG_ERROR)) {
		code = r < 0 ? exit_for(r) : EXIT_INVALID;
		goto out;
	}
	loader = c.now->loader;
	why = loader->refuse ? loader->refuse
	      : !loader->trial_files
		      ? (loader->trial_refuse
				 ? loader->trial_refuse
				 : "apply --trial is not available on this boot loader")
	      : loader->trial_unusable ? loader->trial_unusable(root, c.now)
				       : NULL;
	if (why) {
		diag_add(d, DIAG_ERROR, NULL, 0, "%s (%s)", why, loader->name);
		code = EXIT_FAILED;
		goto out;
	}
	r = trial_args(c.planned.plan, &t.args, d);
	if (r == 0) {
		size_t from = d->n;

		/* A record that cannot be used is replaced; the snapshot keeps it. */
		r = trial_read(root, &was, d);
		if (r == -EBADMSG) {
			diag_demote(d, from);
			r = diag_warning(
				d, TRIAL_FILE, 0,
				"replaced by this trial (its snapshot keeps it)");
		}
	}
	if (r < 0) {
		code = r == -EINVAL || r == -EBADMSG ? EXIT_INVALID : exit_for(r);
		goto out;
	}
	/* The entry's command line is the default's with the trial's arguments after it:
	 * not known (a GRUB line the reader does not evaluate), it cannot be checked;
	 * over the kernel's limit, GRUB drops the last arguments, the marker first. */
	if (!c.now->next_known) {
		diag_add(
			d, DIAG_ERROR, NULL, 0,
			"the next boot's command line is not known (%s): the trial entry's, made from it, could not be checked; simplify that line first",
			c.now->next_why ? c.now->next_why : "?");
		code = EXIT_INVALID;
		goto out;
	} else {
		size_t bytes = layers_cmdline_bytes(c.now) + strlen(TRIAL_MARKER) + 22;

		for (size_t i = 0; t.args[i]; i++)
			bytes += strlen(t.args[i]) + 1;
		if (bytes > COMMAND_LINE_SIZE) {
			diag_add(
				d, DIAG_ERROR, NULL, 0,
				"the trial entry's kernel command line would be about %zu bytes, over the kernel's %d, and its last arguments would be lost",
				bytes, COMMAND_LINE_SIZE);
			code = EXIT_INVALID;
			goto out;
		}
	}
	/* The time, and never the id of the trial it replaces: a boot of that one's entry
	 * is not this trial's. */
	snprintf(id, sizeof(id), "%lld", (long long)time(NULL));
	if (was && streq(was->id, id))
		snprintf(id, sizeof(id), "%lld", (long long)time(NULL) + 1);
	t.id = id;
	t.profile = c.planned.profile->name;
	t.loader = (char *)loader->name;
	r = applied_left(&c, &t, d);
	if (r < 0)
		goto fail;
	t.has_memory = c.planned.facts->mem_known;
	t.memory = c.planned.facts->mem_total;
	t.memory_from = planned_memory_from(o, c.planned.facts);
	r = trial_format(&t, &rec);
	entry = backend_trial_file(loader, c.now);
	if (r == 0)
		r = loader->trial_text(root, c.now, &t, &script, d);
	if (r == 0)
		r = read_managed(root, TRIAL_FILE, &old_rec, d);
	if (r == 0)
		r = read_managed(root, entry->path, &old_script, d);
	/* An older trial's entry in another of the files (its default entry was on
	 * another partition then) goes: the boot loader would find two. */
	for (size_t i = 0;
	     r == 0 && loader->trial_files[i] && n_stale < ELEMENTSOF(stale); i++) {
		const char *path = loader->trial_files[i]->path;

		if (streq(path, entry->path) || same_dir(root, path, entry->path))
			continue;
		r = read_managed(root, path, &stale[n_stale], d);
		if (r == 0 && stale[n_stale]) {
			files[2 + n_stale] =
				(struct file_change){.path = path, .old = stale[n_stale]};
			n_stale++;
		}
	}
	if (r < 0)
		goto fail;
	files[0] =
		(struct file_change){.path = entry->path,
				     .old = old_script,
				     .present = true,
				     .data = script,
				     .len = strlen(script),
				     .mode = entry->kind == MANAGED_ENTRY ? 0755 : 0644};
	files[1] = (struct file_change){.path = TRIAL_FILE,
					.old = old_rec,
					.present = true,
					.data = rec,
					.len = strlen(rec),
					.mode = 0644};
	check = (struct trial_check){loader, &t};
	x.loader = loader;
	x.profile_before = c.state ? c.state->profile : NULL;
	x.files = files;
	x.n_files = 2 + n_stale;
	x.verify = trial_verify;
	x.verify_data = &check;
	if (was)
		say(o, "apply --trial: it replaces the trial of %s (trial %s)%s\n",
		    was->profile, was->id,
		    was->args && trial_booted(root, was) == 1
			    ? ", which is this boot: the new trial is the next boot's"
			    : "");
	if (asprintf(&done, "Trial of %s set up (snapshot ", t.profile) < 0 ||
	    asprintf(
		    &tail,
		    "): the next boot, and only that one, starts the entry '%s'; after it, 'amdgpu-tune status' shows what it did and 'amdgpu-tune confirm' keeps it. Without confirm, or when that boot fails, the boot after it is the default again:",
		    loader->trial_entry) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	/* run_change() printed the findings. */
	code = run_change(root, o, &x, t.profile, "", done, tail, d);
	goto done;
fail:
	code = exit_for(r);
out:
	print_diags(d, o);
done:
	for (size_t i = 0; i < ELEMENTSOF(stale); i++)
		free(stale[i]);
	strv_free(t.args);
	strv_free(t.drop);
	compared_done(&c);
	return code;
}

int cmd_confirm(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	_cleanup_diag_list_ struct diag_list d = {0};
	_cleanup_close_ int lock = -1; /* held until we return */
	_cleanup_trial_ struct trial *t = NULL;
	struct options again = *o;
	struct state recorded = {0};
	char mem[32], marker[64];
	int r, code, booted;

	(void)argv;
	if (argc != 0)
		return usage_error("confirm takes no arguments");
	code = begin_change(root, o, "confirm", &lock, &d);
	if (code) {
		print_diags(&d, o);
		return code;
	}
	r = trial_read(root, &t, &d);
	if (r < 0) {
		print_diags(&d, o);
		return exit_for(r == -EBADMSG ? -EINVAL : r);
	}
	if (!t) {
		cli_error(
			"no trial to confirm (no /%s): 'amdgpu-tune apply --trial PROFILE' makes one",
			TRIAL_FILE);
		return EXIT_FAILED;
	}
	booted = trial_booted(root, t);
	if (booted != 1) {
		r = diag_add(
			&d, o->req.force ? DIAG_WARNING : DIAG_ERROR, "proc/cmdline", 0,
			"%s%s %s: this boot is not the trial of %s; %s",
			o->req.force ? "--force: " : "not confirmed: ",
			booted < 0 ? "not read, so no" : "no", trial_marker(t, marker),
			t->profile,
			o->req.force
				? "its settings are applied without their trial boot"
				: "boot it first (after 'amdgpu-tune apply --trial' it is the next boot), or --force to apply its settings without it");
		if (r < 0 || !o->req.force) {
			print_diags(&d, o);
			return r < 0 ? exit_for(r) : EXIT_FAILED;
		}
	}
	/* Planned again as the trial was: for the RAM it recorded, whatever MemTotal says
	 * in this boot (another kernel keeps another amount for itself), and the --kernel
	 * a record may name (apply --trial refuses --kernel). */
	recorded = (struct state){.profile = t->profile,
				  .has_memory = t->has_memory,
				  .memory = t->memory,
				  .memory_from = t->memory_from,
				  .kernel = t->kernel};
	replay_recorded_memory(&again.req, &recorded, true, mem);
	if (t->kernel)
		again.req.kernel = t->kernel;
	return apply_profile(
		root, &again, t->profile, NULL, t, "Confirmed the trial: applied",
		" is applied already, as the trial had it: nothing written.", &d);
}
