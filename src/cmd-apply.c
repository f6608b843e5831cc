/* The apply and reapply commands. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "change.h"
#include "ops.h"
#include "profiledir.h"
#include "strv.h"
#include "sysroot.h"
#include "trial.h"
#include "verbs.h"

/* The kernels a plan is for, as "A, B": --kernel's, or every installed one. */
static int kernel_list(const struct machine_facts *m, struct strbuf *b)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < m->n_kernels; i++)
		r = strbuf_printf(b, "%s%s", i ? ", " : "", m->kernels[i].version);
	if (r == 0 && !m->n_kernels)
		r = strbuf_puts(b, "none");
	return r;
}

/* reapply: what it planned for, then each setting that differs from what the last apply
 * recorded (prev) and why, as far as the recorded inputs tell: the RAM when a size
 * changed with it, else the kernels installed now or the profile. */
static int say_replan(const struct options *o, const struct state *prev,
		      const struct compared *c)
{
	const struct plan *from = prev->applied, *to = c->planned.plan;
	const struct machine_facts *m = c->planned.facts;
	_cleanup_strbuf_ struct strbuf kernels = {0}, ram = {0};
	const char *source;
	char now[32] = "?", then[32] = "?";
	bool ram_changed;
	int r;

	if (!from || !to || !m)
		return 0;
	r = kernel_list(m, &kernels);
	if (r < 0)
		return r;
	if (m->mem_known)
		format_gib(m->mem_total, now);
	if (prev->has_memory)
		format_gib(prev->memory, then);
	if (!o->req.memory_replayed)
		source = m->mem_from_option ? "--memory" : "MemTotal";
	else if (o->req.memory_replayed_from == MEMORY_FROM_OPTION)
		source = "the --memory recorded at apply";
	else if (o->req.memory_replayed_from == MEMORY_FROM_MEMINFO)
		source = "the MemTotal recorded at apply: this root has no proc/meminfo";
	else
		source = "the size recorded at apply: this root has no proc/meminfo";
	if (m->mem_known)
		say(o, "reapply: %s planned for %s of RAM (%s) and kernel%s %s\n",
		    prev->profile, now, source, m->n_kernels == 1 ? "" : "s", kernels.s);
	else
		say(o,
		    "reapply: %s planned for kernel%s %s (the size of RAM is not known)\n",
		    prev->profile, m->n_kernels == 1 ? "" : "s", kernels.s);
	ram_changed = prev->has_memory && m->mem_known && prev->memory != m->mem_total;
	if (ram_changed) {
		if (!o->req.memory_replayed && !m->mem_from_option)
			r = strbuf_printf(
				&ram, "%s: apply planned for %s%s, MemTotal is %s now",
				memory_change_what(prev->memory_from), then,
				prev->memory_from == MEMORY_FROM_ASSUMED
					? " (a --memory for a root without MemTotal)"
					: "",
				now);
		else
			r = strbuf_printf(&ram, "planned for %s of RAM, apply for %s",
					  now, then);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < to->n_settings; i++) {
		const struct setting *t = &to->settings[i], *f = plan_find(from, t->name);

		if (f && f->where == t->where && streq_ptr(f->value, t->value))
			continue;
		if (!f)
			say(o,
			    "  %s%s%s: newly set: the kernels installed now (%s) or the profile need it\n",
			    t->name, t->value ? "=" : "", t->value ? t->value : "",
			    kernels.s);
		else if (!streq_ptr(f->value, t->value))
			say(o, "  %s: %s -> %s: %s\n", t->name,
			    f->value ? f->value : "(flag)",
			    t->value ? t->value : "(flag)",
			    ram_changed && t->is_size
				    ? ram.s
				    : "the kernels installed now or the profile changed");
		else
			say(o,
			    "  %s: moves to %s: the kernels installed now (%s) take it there\n",
			    t->name,
			    t->where == WHERE_CMDLINE ? "the kernel command line"
						      : "modprobe.d",
			    kernels.s);
	}
	for (size_t i = 0; i < from->n_settings; i++)
		if (!plan_find(to, from->settings[i].name))
			say(o,
			    "  %s: no longer set: not needed by the kernels installed now (%s), or no longer in the profile\n",
			    from->settings[i].name, kernels.s);
	return 0;
}

/* The arguments apply adds to the command-line file path: what its new text has that
 * base (the file without our earlier tokens) had not, appended to *tokens (apply
 * inserts them before a bare "--", not only at the end). 0, -EINVAL or -ENOMEM. */
static int added_tokens(const struct boot_backend *loader, const char *path,
			const char *base, const char *new, char ***tokens,
			struct diag_list *d)
{
	_cleanup_strv_free_ char **was = NULL, **all = NULL;
	int r = cmdline_file_words(loader, path, base, &was, d);

	if (r == 0)
		r = cmdline_file_words(loader, path, new, &all, d);
	for (size_t k = 0; r == 0 && all && all[k]; k++) {
		const char *tok = all[k];
		size_t in_all = 0, in_was = 0, seen = 0;

		for (size_t j = 0; all[j]; j++)
			in_all += streq(all[j], tok);
		for (size_t j = 0; was && was[j]; j++)
			in_was += streq(was[j], tok);
		for (size_t j = 0; *tokens && (*tokens)[j]; j++)
			seen += streq((*tokens)[j], tok);
		if (in_all > in_was + seen && state_token_is_safe(tok))
			r = strv_push(tokens, tok);
	}
	return r;
}

enum memory_from planned_memory_from(const struct options *o,
				     const struct machine_facts *m)
{
	if (o->req.memory_replayed)
		return o->req.memory_replayed_from;
	if (!m->mem_from_option)
		return MEMORY_FROM_MEMINFO;
	return m->mem_machine_known || m->image ? MEMORY_FROM_OPTION
						: MEMORY_FROM_ASSUMED;
}

/* The trial's record and the files its entry may be in. */
#define CONFIRM_FILES_MAX (1 + TRIAL_FILES_MAX)

/* confirm: the trial's settings must be what the profile plans now, and its entry and
 * record go with the change. 0, -EINVAL (an error in d, a warning with --force) or
 * -ENOMEM. */
static int confirm_files(struct sysroot *root, const struct options *o,
			 const struct compared *c, const struct trial *trial,
			 struct file_change *files, size_t *n, char **old,
			 struct diag_list *d)
{
	_cleanup_strv_free_ char **args = NULL;
	const struct managed_file *const *entries = c->now->loader->trial_files;
	const char *paths[CONFIRM_FILES_MAX] = {TRIAL_FILE};
	bool same = true;
	int r = trial_args(c->planned.plan, &args, d);

	for (size_t i = 0; r == 0 && (args[i] || trial->args[i]); i++)
		if (!args[i] || !trial->args[i] || !streq(args[i], trial->args[i])) {
			same = false;
			break;
		}
	if (r == 0 && !same)
		r = diag_add(
			d, o->req.force ? DIAG_WARNING : DIAG_ERROR, NULL, 0,
			"%s%s plans other settings now than its trial had (the profile, the kernels or the RAM changed): %s",
			o->req.force ? "--force: " : "not confirmed: ", trial->profile,
			o->req.force
				? "applying what it plans now"
				: "'amdgpu-tune apply --trial' tries them first; --force applies them without a trial");
	/* Every file the entry may be in (its partition's, a mount ago), the record. */
	for (size_t i = 0; entries && entries[i] && i + 1 < CONFIRM_FILES_MAX; i++)
		paths[i + 1] = entries[i]->path;
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(paths); i++) {
		if (!paths[i])
			continue;
		r = read_managed(root, paths[i], &old[i], d);
		if (r == 0 && old[i])
			files[(*n)++] =
				(struct file_change){.path = paths[i], .old = old[i]};
	}
	return r < 0 ? r : diag_count(d, DIAG_ERROR) ? -EINVAL : 0;
}

/* apply NAME, after begin_change(): plan, compare, refuse what must be refused, then the
 * transaction. The headline is done_head and the profile's name after a change, the
 * name and nothing_tail when nothing changes. prev, for reapply: the state it plans
 * again. confirm, for confirm: the trial it makes permanent, whose entry and record go.
 * Prints the findings of d; returns the exit code. */
int apply_profile(struct sysroot *root, const struct options *o, const char *name,
		  const struct state *prev, const struct trial *confirm,
		  const char *done_head, const char *nothing_tail, struct diag_list *d)
{
	char *trial_old[CONFIRM_FILES_MAX] = {NULL};
	struct compared c = {0};
	_cleanup_free_ struct file_change *files = NULL;
	struct state next = {0};
	_cleanup_free_ struct state_file *recorded = NULL;
	_cleanup_free_ char(*sums)[65] = NULL;
	_cleanup_free_ char *state_text = NULL, *state_old = NULL, *nothing = NULL,
			    *done = NULL;
	_cleanup_strv_free_ char **tokens = NULL;
	struct txn t = {.operation = "apply"};
	struct entry_expect expect = {0};
	int r, code = EXIT_OK;
	size_t n = 0;

	r = compare(root, &o->req, name, COMPARE_APPLY, &c, d);
	if (r < 0 || diag_count(d, DIAG_ERROR)) {
		code = r < 0 ? exit_for(r) : EXIT_INVALID;
		goto out;
	}
	if (prev) {
		r = say_replan(o, prev, &c);
		if (r < 0)
			goto fail;
	}
	/* A trial selected for the next boot: that boot is the trial's entry. */
	if (!confirm && trial_selection_left(root, c.now->loader)) {
		_cleanup_trial_ struct trial *tr = NULL;
		struct diag_list quiet = {0};

		if (trial_read(root, &tr, &quiet) == 0 && tr)
			r = diag_warning(
				d, NULL, 0,
				"the trial of %s is selected for the next boot: that boot starts its entry, with its arguments on top of what this writes; 'amdgpu-tune remove --trial' ends the trial",
				tr->profile);
		diag_list_done(&quiet);
		if (r < 0)
			goto fail;
	}
	if (c.now->loader->refuse) {
		diag_add(d, DIAG_ERROR, NULL, 0, "%s", c.now->loader->refuse);
		code = EXIT_FAILED;
		goto out;
	}
	t.loader = expect.loader = c.now->loader;
	t.profile_before = c.state ? c.state->profile : NULL;
	/* Boot entries made by the regeneration (systemd-boot's): every command-line
	 * setting must be in the entry it boots once they were made again, and entries
	 * that lack one are made again even when etc/kernel/cmdline has it already. */
	for (size_t i = 0; c.now->loader->verify && i < c.layers->n_rows; i++) {
		const struct row *row = &c.layers->rows[i];
		char *a = NULL;

		if (row->setting->where != WHERE_CMDLINE)
			continue;
		r = cmdline_arg_format(row->setting->name, row->setting->value, &a);
		if (r == 0)
			r = strv_consume(&expect.present, a);
		if (r < 0)
			goto fail;
		t.regen_cmdline |=
			row->status == ROW_CHANGE || row->status == ROW_UNKNOWN;
	}
	/* ... and the previous profile's that the new one does not set must be gone from
	 * it, made again when it still has one. */
	for (size_t i = 0;
	     c.now->loader->verify && c.state && c.state->tokens && c.state->tokens[i];
	     i++) {
		char *one[] = {c.state->tokens[i], NULL};

		if (strv_contains(expect.present, c.state->tokens[i]))
			continue;
		r = strv_push(&expect.absent, c.state->tokens[i]);
		if (r < 0)
			goto fail;
		t.regen_cmdline |= boot_next_has_any(c.now, one);
	}
	/* On a booted OSTree system, our modprobe.d file that the next deployment's
	 * initramfs does not take is tracked again (run_change(): rpm-ostree
	 * initramfs-etc), even when it does not change. */
	{
		bool untracked;

		r = modprobe_untracked(root, &c, &untracked);
		if (r < 0)
			goto fail;
		t.regen_cmdline |= untracked;
	}
	if (expect.present || expect.absent) {
		t.verify = change_verify_entries;
		t.verify_data = &expect;
	}
	/* Command-line settings need a boot loader we can write to, unless the next boot
	 * already has them. */
	if (!c.now->loader->cmdline) {
		_cleanup_strbuf_ struct strbuf args = {0}, unknown = {0};

		for (size_t i = 0; i < c.layers->n_rows; i++) {
			const struct setting *st = c.layers->rows[i].setting;
			enum row_status s = c.layers->rows[i].status;
			_cleanup_free_ char *a = NULL;
			/* Where the reader says why the next boot is not known, an
			 * argument it may already have is no change to ask for. */
			struct strbuf *to = s == ROW_CHANGE ? &args
					    : s == ROW_UNKNOWN && c.now->loader->read_next
						    ? &unknown
					    : s == ROW_UNKNOWN ? &args
							       : NULL;

			if (to && st->where == WHERE_CMDLINE &&
			    cmdline_arg_format(st->name, st->value, &a) == 0)
				strbuf_printf(to, "%s%s", to->len ? " " : "", a);
		}
		if (args.len && c.now->loader->by_hand) {
			diag_add(
				d, DIAG_ERROR, NULL, 0,
				"amdgpu-tune does not change the kernel command line of this boot loader (%s); add '%s' with '%s\"%s\"', then apply again",
				c.now->loader->name, args.s, c.now->loader->by_hand,
				args.s);
			code = EXIT_FAILED;
			goto out;
		}
		if (args.len) {
			diag_add(
				d, DIAG_ERROR, NULL, 0,
				"amdgpu-tune cannot change the kernel command line of this boot loader (%s); add '%s' to it by hand (for GRUB: GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then update-grub), then apply again",
				c.now->loader->name, args.s);
			code = EXIT_FAILED;
			goto out;
		}
		if (unknown.len) {
			_cleanup_free_ char *how = NULL;

			if (c.now->loader->by_hand &&
			    asprintf(&how, "; '%s\"%s\"' adds them",
				     c.now->loader->by_hand, unknown.s) < 0) {
				r = -ENOMEM;
				goto fail;
			}
			r = diag_add(
				d, o->req.force ? DIAG_WARNING : DIAG_ERROR, NULL, 0,
				"%sthe next boot's command line is not known (%s): it may lack '%s', which amdgpu-tune does not add on this boot loader (%s)%s%s",
				o->req.force ? "--force: " : "not applied: ",
				c.now->next_why ? c.now->next_why : "?", unknown.s,
				c.now->loader->name, how ? how : "",
				o->req.force ? "" : "; --force applies the rest");
			if (r < 0)
				goto fail;
			if (!o->req.force) {
				code = EXIT_INVALID;
				goto out;
			}
		}
	}
	/* A command line over the kernel's limit loses its last arguments: ours. */
	if (layers_cmdline_too_long(c.after)) {
		r = diag_add(
			d, o->req.force ? DIAG_WARNING : DIAG_ERROR, NULL, 0,
			"%sthe kernel command line would be about %zu bytes, over the kernel's 2048, and its last arguments would be lost%s",
			o->req.force ? "--force: " : "not applied: ",
			layers_cmdline_bytes(c.after),
			o->req.force ? "" : "; shorten it, or --force");
		if (r < 0)
			goto fail;
		if (!o->req.force) {
			code = EXIT_INVALID;
			goto out;
		}
	}
	/* A next-boot command line the reader could not compute (it says why: a GRUB
	 * line it does not evaluate) on a boot loader whose boot files are not checked
	 * after the regeneration: a command-line setting could not be verified after
	 * apply, a module option could still be overridden from the command line. */
	if (!c.now->next_known && c.now->next_why && !c.now->loader->verify) {
		bool cmdline = false;

		for (size_t i = 0; i < c.layers->n_rows; i++)
			cmdline |= c.layers->rows[i].setting->where == WHERE_CMDLINE;
		if (cmdline && !o->req.force)
			r = diag_add(
				d, DIAG_ERROR, NULL, 0,
				"not applied: the profile sets kernel parameters and the next boot's command line is not known (%s); simplify that line, or --force to write them anyway",
				c.now->next_why ? c.now->next_why : "?");
		else
			r = diag_warning(
				d, NULL, 0,
				"the next boot's command line is not known (%s): it was not checked for settings that override the profile's",
				c.now->next_why ? c.now->next_why : "?");
		if (r < 0)
			goto fail;
		if (cmdline && !o->req.force) {
			code = EXIT_INVALID;
			goto out;
		}
	}
	next.profile = c.planned.profile->name;
	/* The settings written and what they were planned from, so that status compares
	 * with them and can tell why a new plan would differ. */
	next.applied = c.planned.plan;
	next.has_memory = c.planned.facts->mem_known;
	next.memory = c.planned.facts->mem_total;
	/* Where it came from, so that reapply plans for it again (a --memory over this
	 * machine's MemTotal, or for an image the machines that boot it) or for the RAM
	 * the machine has then (MemTotal, or a --memory that only stood in for a missing
	 * one). A replayed size keeps its source. */
	next.memory_from = planned_memory_from(o, c.planned.facts);
	next.kernel = (char *)o->req.kernel;
	files = calloc(c.n_files + 1 + CONFIRM_FILES_MAX, sizeof(*files));
	recorded = calloc(c.n_files + 1, sizeof(*recorded));
	sums = calloc(c.n_files + 1, sizeof(*sums));
	if (!files || !recorded || !sums) {
		r = -ENOMEM;
		goto fail;
	}
	next.files = recorded;
	for (size_t i = 0; i < c.n_files; i++) {
		const struct file_change *f = &c.files[i];
		const struct managed_file *m = managed_file_lookup(f->path);
		struct stat st;
		mode_t mode = 0644;

		r = check_hand_edit(o, c.state, f->path, f->old, file_change_new(f), d);
		if (r < 0)
			goto fail;
		if (m && m->kind == MANAGED_CMDLINE && !m->hand_edit) {
			/* Its mode kept, within what a snapshot restores (the new file
			 * is the caller's: its group is the caller's). */
			if (sysroot_stat(root, f->path, &st) == 0)
				mode = snapshot_mode_clamp(st.st_mode & 07777, getegid());
			/* Our tokens, in the boot loader's own file (another's only
			 * loses the stale ones it had), when we add any. */
			if (m == c.now->loader->cmdline &&
			    !streq_ptr(c.kcmd_base, f->data)) {
				next.tokens_in = (char *)f->path;
				r = added_tokens(c.now->loader, f->path, c.kcmd_base,
						 f->data, &tokens, d);
				if (r < 0)
					goto fail;
			}
		} else if (f->present) {
			size_t k = next.n_files++;

			sha256_hex(f->data, f->len, sums[k]);
			recorded[k] = (struct state_file){(char *)f->path, sums[k]};
		}
		files[n] = *f;
		files[n++].mode = mode;
	}
	if (confirm) {
		t.operation = "confirm";
		r = confirm_files(root, o, &c, confirm, files, &n, trial_old, d);
		if (r == -ENOMEM)
			goto fail;
	}
	if (diag_count(d, DIAG_ERROR)) {
		code = EXIT_INVALID;
		goto out;
	}
	next.tokens = tokens;
	r = state_format(&next, &state_text);
	if (r == 0)
		r = read_managed(root, STATE_FILE, &state_old, d);
	if (r < 0)
		goto fail;
	files[n++] = (struct file_change){.path = STATE_FILE,
					  .old = state_old,
					  .present = true,
					  .data = state_text,
					  .len = strlen(state_text),
					  .mode = 0644};
	t.files = files;
	t.n_files = n;
	if (asprintf(&nothing, "%s%s", next.profile, nothing_tail) < 0 ||
	    asprintf(&done, "%s %s (snapshot ", done_head, next.profile) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	code = run_change(
		root, o, &t, next.profile, nothing, done,
		" keeps the previous files; 'amdgpu-tune rollback' restores them):", d);
	goto done;
fail:
	code = exit_for(r);
out:
	print_diags(d, o);
done:
	for (size_t i = 0; i < CONFIRM_FILES_MAX; i++)
		free(trial_old[i]);
	strv_free(expect.present);
	strv_free(expect.absent);
	compared_done(&c);
	return code;
}

/* begin_change(), the findings printed when it stops: 0, or the exit code. */
static int begin(struct sysroot *root, const struct options *o, const char *verb,
		 int *lock, struct diag_list *d)
{
	int code = begin_change(root, o, verb, lock, d);

	if (code)
		print_diags(d, o);
	return code;
}

/* apply --auto: for package post-install scripts. The profile that matches this
 * machine's GPU, applied only when amdgpu-tune never changed this machine (no state, no
 * snapshot: an administrator's apply, rollback or remove is left alone). Returns the
 * exit code as apply would; cmd_apply() turns a failure into 0 unless --strict. */
static int apply_auto(struct sysroot *root, const struct options *o)
{
	_cleanup_diag_list_ struct diag_list d = {0};
	_cleanup_free_ char *picked = NULL;
	_cleanup_close_ int lock = -1; /* held until we return */
	struct state *st = NULL;
	struct snapshot **l = NULL;
	size_t n = 0;
	int r, code = EXIT_OK;

	/* No GPU or no match: nothing to do, and nothing written (not even the lock). */
	r = cli_pick_profile(root, o, &picked, &code);
	if (r < 0)
		return exit_for(r);
	if (!picked)
		return code;
	code = begin(root, o, "apply", &lock, &d);
	if (code)
		return code;
	r = state_read(root, &st, &d);
	if (r == 0 && !st)
		r = snapshot_list(root, &l, &n, &d);
	if (r < 0) {
		print_diags(&d, o);
		return exit_for(r);
	}
	if (st) {
		say(o,
		    "apply --auto: %s is applied already; nothing changed ('%s reapply' re-plans it, 'apply PROFILE' changes it)\n",
		    st->profile, program);
		state_free(st);
		return EXIT_OK;
	}
	if (n)
		say(o,
		    "apply --auto: amdgpu-tune changed this machine before (snapshot %u: %s), and nothing is applied now; left as the administrator left it\n",
		    l[n - 1]->id, l[n - 1]->operation);
	snapshot_list_free(l, n);
	if (n)
		return EXIT_OK;
	if (!o->json && !o->quiet)
		fprintf(stderr, "%s: apply --auto: %s matches this machine's GPU\n",
			program, picked);
	return apply_profile(
		root, o, picked, NULL, NULL, "Applied",
		" is already in place: nothing written, nothing regenerated.", &d);
}

int cmd_apply(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	_cleanup_diag_list_ struct diag_list d = {0};
	_cleanup_close_ int lock = -1; /* held until we return */
	int code;

	if (o->strict && !o->auto_apply)
		return usage_error("--strict needs --auto");
	if (o->auto_apply) {
		int fd;

		if (argc != 0)
			return usage_error(
				"apply --auto picks the profile itself; name none");
		/* A package's maintainer script: never read its stdin (the tool never
		 * asks), and leave its stdout to debconf, the regeneration tools' output
		 * too. With --json the document is still on stdout, as asked. */
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd > STDIN_FILENO) {
			(void)dup2(fd, STDIN_FILENO);
			close(fd);
		}
		if (!o->json) {
			fflush(stdout);
			(void)dup2(STDERR_FILENO, STDOUT_FILENO);
		}
		code = apply_auto(root, o);
		if (code != EXIT_OK && !o->strict) {
			fflush(stdout);
			fprintf(stderr,
				"%s: apply --auto: not applied (exit status %d, 0 without --strict); 'amdgpu-tune diff' and 'amdgpu-tune status' show where this machine stands\n",
				program, code);
			code = EXIT_OK;
		}
		return code;
	}
	if (argc != 1)
		return usage_error("apply takes one profile name");
	if (looks_like_path(argv[0]))
		return usage_error(
			"apply takes a profile name, not a file; install the file as /%s/NAME.conf",
			PROFILEDIR_ETC);
	/* Before begin(): a name that cannot be a profile changes nothing, not even an
	 * interrupted run's journal. */
	if (!profile_name_is_valid(argv[0]))
		return usage_error("'%s' is not a profile name ([a-z0-9][a-z0-9._-]*)",
				   argv[0]);
	code = begin(root, o, "apply", &lock, &d);
	if (code)
		return code;
	if (o->trial)
		return apply_trial(root, o, argv[0], &d);
	return apply_profile(root, o, argv[0], NULL, NULL, "Applied",
			     " is already applied: nothing written, nothing regenerated.",
			     &d);
}

/* reapply [KERNEL]: the kernel hooks' command. The applied profile planned again, with
 * the inputs the last apply recorded, for the kernels installed now: its --kernel; its
 * --memory (accepted then, with --force where it was not this machine's), or, when it
 * planned for MemTotal, this machine's MemTotal now (the recorded size where the root
 * has no proc/meminfo); a new kernel's own module metadata decides what it needs. Says
 * what each changed setting changes and why. Changed files go through apply's
 * transaction. */
int cmd_reapply(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	_cleanup_diag_list_ struct diag_list d = {0};
	_cleanup_close_ int lock = -1; /* held until we return */
	_cleanup_state_ struct state *st = NULL;
	char mem[32];
	struct options again = *o;
	struct stat sst;
	int r, code;

	if (argc > 1)
		return usage_error("reapply takes at most one kernel version");
	if (argc == 1) {
		char rel[300];

		if (!kernel_dir_name_is_valid(argv[0]))
			return usage_error("reapply: '%s' is not a kernel version",
					   argv[0]);
		snprintf(rel, sizeof(rel), "lib/modules/%s", argv[0]);
		if (sysroot_stat(root, rel, &sst) < 0 || !S_ISDIR(sst.st_mode)) {
			cli_error("reapply: kernel %s has no /%s: is it installed?",
				  argv[0], rel);
			return EXIT_INVALID;
		}
	}
	code = begin(root, o, "reapply", &lock, &d);
	if (code)
		return code;
	r = state_read(root, &st, &d);
	if (r == 0 && st)
		replay_recorded_memory(&again.req, st,
				       sysroot_stat(root, "proc/meminfo", &sst) < 0, mem);
	if (r < 0) {
		print_diags(&d, o);
		return exit_for(r);
	}
	if (!st) {
		say(o, "Nothing is applied: nothing to re-plan.\n");
		return EXIT_OK;
	}
	if (st->kernel) {
		if (argc == 1 && !streq(st->kernel, argv[0]))
			r = diag_warning(
				&d, NULL, 0,
				"%s was applied for kernel %s only (apply --kernel): it is planned for that kernel again, not for %s; 'amdgpu-tune apply %s' plans for every installed kernel",
				st->profile, st->kernel, argv[0], st->profile);
		if (r < 0) {
			print_diags(&d, o);
			return exit_for(r);
		}
		again.req.kernel = st->kernel;
	}
	return apply_profile(
		root, &again, st->profile, st, NULL,
		"Planned for the kernels installed now and applied",
		": planned again for the kernels installed now, it is what is applied: nothing written, nothing regenerated.",
		&d);
}
