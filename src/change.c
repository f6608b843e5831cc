/* Changing the configuration: the lock and the recovery of an interrupted run
 * (begin_change), the hand-edit checks, and running one transaction with its
 * regenerations for apply, rollback and remove. Part of the command line: it prints
 * and returns exit codes (through exit_for()); what it drives (txn.h, snapshot.h,
 * regen.h) returns -errno. */
#include <stdio.h>

#include "change.h"
#include "fragment.h"
#include "kparam.h"
#include "ops.h"
#include "privs.h"
#include "profiledir.h"
#include "strv.h"
#include "sysroot.h"
#include "trial.h"

static bool run_commands(const struct sysroot *root, const struct options *o)
{
	return !o->no_update && (sysroot_is_live(root) || o->update);
}

static unsigned lock_timeout(void)
{
	const char *e = secure_getenv("AMDGPU_TUNE_LOCK_TIMEOUT");
	uint64_t v;

	if (e && *e >= '0' && *e <= '9' && kparam_parse_u64(e, &v) == 0 && v <= 3600)
		return (unsigned)v;
	return 120;
}

/* Said at once, on stderr, while the lock is awaited. */
static void say_waiting(long pid)
{
	fprintf(stderr, "%s: waiting for another amdgpu-tune (PID %ld) to finish\n",
		program, pid);
}

int begin_change(struct sysroot *root, const struct options *o, const char *verb,
		 int *lock_fd, struct diag_list *d)
{
	const char *missing = NULL;
	const struct boot_backend *loader = &backend_unknown;
	unsigned undone = 0;
	int r;

	if (o->dry_run)
		return 0;
	if (privs_check_write(root, !sysroot_is_live(root) && run_commands(root, o),
			      &missing) < 0) {
		return diag_error(d, -EPERM, NULL, 0,
				  "%s needs root privileges (%s); use sudo", verb,
				  missing) == -ENOMEM
			       ? exit_for(-ENOMEM)
			       : EXIT_PRIVILEGE;
	}
	profiledir_strict = privs_elevated();
	if (run_commands(root, o) && (r = regen_root_trusted(root, o->req.force, d)) < 0)
		return r == -ENOMEM ? exit_for(r) : EXIT_INVALID;
	if (run_commands(root, o) && regen_lift_file_size_limit(d) < 0)
		return EXIT_FAILED;
	r = txn_lock(root, lock_timeout(), say_waiting, lock_fd, d);
	if (r < 0)
		return exit_for(r == -ENOMEM || r == -EBADMSG ? r : TXN_FAILED);
	txn_remove_stale(root);
	/* A journal that cannot be used is removed only when the user says so; the boot
	 * files are then regenerated for the boot loader there is now. */
	if (o->discard_journal && current_loader(root, &loader) < 0)
		loader = &backend_unknown;
	r = txn_recover(root, run_commands(root, o), o->discard_journal, loader, &undone,
			d);
	if (undone &&
	    diag_warning(d, NULL, 0,
			 "an interrupted run was undone: snapshot %u is restored",
			 undone) < 0)
		return exit_for(-ENOMEM);
	/* Anything but an unusable journal, no memory or a change not undone is a
	 * failure that changed nothing. */
	if (r < 0 && r != -ENOMEM && r != -EBADMSG && r != TXN_UNRECOVERED)
		r = TXN_FAILED;
	return exit_for(r);
}

int current_loader(struct sysroot *root, const struct boot_backend **ret)
{
	struct boot_facts *bf = NULL;
	struct diag_list quiet = {0};
	int r = boot_facts_read(root, NULL, NULL, NULL, &bf, &quiet);

	if (r == 0)
		*ret = bf->loader;
	boot_facts_free(bf);
	diag_list_done(&quiet);
	return r;
}

int check_hand_edit(const struct options *o, const struct state *st, const char *path,
		    const char *old, const char *new, struct diag_list *d)
{
	const struct managed_file *m = managed_file_lookup(path);
	const char *want;
	char sha[65];

	if (!old || streq_ptr(old, new) || !m || !m->hand_edit)
		return 0;
	want = state_sha_of(st, path);
	sha256_hex(old, strlen(old), sha);
	if (want && streq(want, sha))
		return 0;
	if (o->req.force)
		return diag_warning(
			d, path, 0,
			"replacing a file edited by hand (--force); the snapshot keeps it");
	return diag_error(
		d, -EINVAL, path, 0,
		"%s; 'amdgpu-tune diff' shows it, --force replaces it (a snapshot keeps a copy)",
		want ? "edited by hand since amdgpu-tune wrote it"
		     : "not written by amdgpu-tune, or its record is lost");
}

/* state (the state file's text) with path's "file PATH SHA256" line for text: its
 * checksum, or no line when text is NULL. A new string in *ret. 0 or -ENOMEM. */
static int state_resum(const char *state, const char *path, const char *text, char **ret)
{
	struct strbuf b = {0};
	size_t n = strlen(path);

	for (const char *l = state; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l + 1) : strlen(l);

		if (strncmp(l, "file ", 5) == 0 && strncmp(l + 5, path, n) == 0 &&
		    l[5 + n] == ' ') {
			char sha[65];

			if (text) {
				sha256_hex(text, strlen(text), sha);
				strbuf_printf(&b, "file %s %s\n", path, sha);
			}
		} else {
			strbuf_append(&b, l, len);
		}
		l += len;
	}
	*ret = strbuf_steal(&b);
	return *ret ? 0 : -ENOMEM;
}

/* A record that lists arguments the pending deployment has from elsewhere (a rollback
 * to an apply from before the user added one by hand): they are not ours, and the record
 * (and its checksum in the state) that t writes leaves them out, so that remove leaves
 * them. *rec and *state own the new texts. 0, -ENOMEM, or -EIO with a finding. */
static int ostree_unclaim(struct sysroot *root, struct txn *t, const char *was,
			  const char **to, char **rec, char **state, struct diag_list *d)
{
	_cleanup_strv_free_ char **claimed = NULL;
	struct file_change *f = NULL, *st = NULL;
	struct strbuf list = {0};
	int r = rpm_ostree_claimed(root, was, *to, &claimed, d);

	if (r < 0 || !claimed)
		return r;
	for (size_t i = 0; i < t->n_files; i++)
		if (streq(t->files[i].path, t->loader->cmdline->path))
			f = &t->files[i];
		else if (streq(t->files[i].path, STATE_FILE) && t->files[i].present)
			st = &t->files[i];
	if (!f)
		return 0;
	r = rpm_ostree_record_drop(*to, claimed, rec);
	if (r == 0 && st)
		r = state_resum(st->data, f->path, *rec, state);
	if (r < 0)
		return r;
	*f = (struct file_change){.path = f->path,
				  .old = f->old,
				  .present = *rec != NULL,
				  .data = *rec,
				  .len = *rec ? strlen(*rec) : 0,
				  .mode = f->mode};
	if (st) {
		st->data = *state;
		st->len = strlen(*state);
	}
	/* Absent, and to stay so: no change to that file after all. */
	if (!f->old && !f->present) {
		memmove(f, f + 1, (size_t)(t->files + t->n_files - f - 1) * sizeof(*f));
		t->n_files--;
	}
	*to = *rec;
	for (size_t i = 0; claimed[i]; i++)
		strbuf_printf(&list, "%s'%s'", i ? ", " : "", claimed[i]);
	r = strbuf_error(&list)
		    ?: diag_warning(
			       d, t->loader->cmdline->path, 0,
			       "%s: in the next deployment already, not from amdgpu-tune (added since): not recorded as ours, and remove leaves it",
			       list.s);
	strbuf_done(&list);
	return r;
}

/* On a booted OSTree system, what rpm-ostree is to do besides t's files (t->delta): our
 * record of kernel arguments from the disk's text to t's, against the pending
 * deployment; the modprobe.d file tracked as t leaves it. The lists, and the texts
 * ostree_unclaim() writes, are the caller's to free. 0, -ENOMEM, or -EIO with a finding.
 */
static int ostree_delta(struct sysroot *root, struct txn *t, char ***add, char ***del,
			char **rec_text, char **state_text, struct diag_list *d)
{
	const char *rec = t->loader->cmdline->path,
		   *mod = backend_modprobe_path(t->loader);
	_cleanup_free_ char *was = NULL;
	const char *to;
	int r = read_managed(root, rec, &was, d);

	if (r < 0)
		return r;
	to = was;
	t->delta = (struct regen_delta){.modprobe_present = sysroot_exists(root, mod)};
	for (size_t i = 0; i < t->n_files; i++) {
		const struct file_change *f = &t->files[i];

		if (streq(f->path, rec))
			to = f->present ? (const char *)f->data : NULL;
		else if (streq(f->path, mod))
			t->delta.modprobe_present = f->present;
	}
	if (t->delta.modprobe_present) {
		_cleanup_free_ char *abs = NULL;

		if (asprintf(&abs, "/%s", mod) < 0)
			return -ENOMEM;
		r = rpm_ostree_tracked(root, abs);
		if (r == -ENOMEM)
			return r;
		t->delta.modprobe_untracked = r == 0;
	}
	r = ostree_unclaim(root, t, was, &to, rec_text, state_text, d);
	if (r == 0)
		r = rpm_ostree_delta(root, was, to, add, del, d);
	t->delta.add = *add;
	t->delta.del = *del;
	return r;
}

int run_change(struct sysroot *root, const struct options *o, struct txn *t,
	       const char *profile_after, const char *nothing, const char *done_pre,
	       const char *done_post, struct diag_list *d)
{
	_cleanup_strv_free_ char **cmds = NULL, **kargs_add = NULL, **kargs_del = NULL;
	_cleanup_free_ char *rec_text = NULL, *state_text = NULL;
	struct change_report rep = {.operation = t->operation,
				    .profile = profile_after,
				    .dry_run = o->dry_run,
				    .files = t->files,
				    .chroot = sysroot_is_live(root) ? NULL : root->path,
				    .image = t->loader && t->loader->image_build};
	struct strbuf out = {0}, head = {0};
	bool cmdline = false, modprobe = false;
	size_t n = 0;
	int r = 0, code = EXIT_OK;

	for (size_t i = 0; r == 0 && i < t->n_files; i++) {
		bool differs;

		r = txn_file_differs(root, &t->files[i], &differs);
		if (r < 0) {
			r = diag_error(d, -EIO, t->files[i].path, 0, "cannot read: %s",
				       read_error_text(-r));
			break;
		}
		/* Boot files to make again with no file changing: when they are to
		 * run, the state is written again (the same), so that the change has
		 * its snapshot and its undo. */
		if (!differs && !(t->regen_cmdline && run_commands(root, o) &&
				  !o->dry_run && streq(t->files[i].path, STATE_FILE)))
			continue;
		cmdline |= txn_path_is_cmdline(t->files[i].path);
		modprobe |= txn_path_is_modprobe(t->files[i].path);
		t->files[n++] = t->files[i];
	}
	t->n_files = n;
	rep.n_files = n;
	t->run = run_commands(root, o) && !o->dry_run;
	if (r == 0 && (n || t->regen_cmdline) && t->loader->ostree_live)
		r = ostree_delta(root, t, &kargs_add, &kargs_del, &rec_text, &state_text,
				 d);
	n = rep.n_files = t->n_files;
	/* A trial's entry selected for the next boot by apply --trial; that selection
	 * taken back by any other change of the record: confirm and remove end the
	 * trial, and a rollback that brings an older trial back does not select it. */
	for (size_t i = 0; r == 0 && i < n; i++)
		if (streq(t->files[i].path, TRIAL_FILE))
			t->delta.select = t->select_trial ? SELECT_TRIAL
					  : trial_selection_left(root, t->loader)
						  ? SELECT_UNDO
						  : SELECT_KEEP;
	if (r == 0 && (n || t->regen_cmdline))
		r = regen_plan(root, t->loader, cmdline || t->regen_cmdline, modprobe,
			       &t->delta, t->cmds, &t->n_cmds, t->run, d);
	/* The boot loader's tool runs for the command line: it must not change more in
	 * the boot entries than our arguments (GRUB with BLS entries). */
	if (r == 0 && (cmdline || t->regen_cmdline)) {
		_cleanup_free_ struct file_override *ov = calloc(n + 1, sizeof(*ov));

		r = ov ? 0 : -ENOMEM;
		for (size_t i = 0; ov && i < n; i++)
			ov[i] = (struct file_override){
				t->files[i].path, t->files[i].present
							  ? (const char *)t->files[i].data
							  : NULL};
		if (r == 0)
			r = cmdline_tool_check(root, ov, d);
		if (r == -EINVAL) {
			print_diags(d, o);
			return EXIT_INVALID;
		}
	}
	for (size_t i = 0; r == 0 && i < t->n_cmds; i++)
		r = strv_consume(&cmds, regen_format(&t->cmds[i]));
	rep.commands = cmds;
	if (r < 0) {
		print_diags(d, o);
		return r == -ENOMEM ? exit_for(r) : EXIT_FAILED;
	}
	if (n == 0) {
		rep.headline = nothing;
	} else if (o->dry_run) {
		rep.headline = "Dry run: nothing is written. The changes:";
	} else {
		long busy = t->run && t->n_cmds ? regen_dpkg_busy(root) : 0;

		if (busy) {
			diag_add(
				d, DIAG_ERROR, "var/lib/dpkg/lock", 0,
				"a package manager is running (PID %ld); run this again when it has finished",
				busy);
			code = EXIT_FAILED;
		} else {
			/* 0, TXN_FAILED, TXN_UNRECOVERED or -ENOMEM. */
			code = exit_for(txn_commit(root, t, d));
		}
		rep.snapshot = t->snapshot;
		rep.ran = t->run;
		strbuf_printf(&head, "%s%u%s", done_pre, t->snapshot, done_post);
		rep.headline = head.s;
	}
	print_diags(d, o);
	if (code == EXIT_OK || o->json) {
		if (o->json)
			render_change_json(&out, &rep, d);
		else
			render_change_text(&out, &rep);
		if (out.s)
			print_out(o, out.s);
	}
	strbuf_done(&out);
	strbuf_done(&head);
	return code;
}

unsigned last_undoable(struct snapshot *const *l, size_t n)
{
	for (size_t i = n; i > 0; i--) {
		bool undone = false;

		/* A failed (undone) operation changed nothing to roll back, and a
		 * failed rollback undid nothing. */
		if (streq(l[i - 1]->operation, "rollback") || l[i - 1]->undone)
			continue;
		for (size_t k = i; k < n; k++)
			undone |= !l[k]->undone && l[k]->undoes == l[i - 1]->id;
		if (!undone)
			return l[i - 1]->id;
	}
	return 0;
}

char *profile_now(struct sysroot *root)
{
	struct diag_list quiet = {0};
	struct state *st = NULL;
	char *p = NULL;

	if (state_read(root, &st, &quiet) == 0 && st)
		p = strdup(st->profile);
	state_free(st);
	diag_list_done(&quiet);
	return p;
}

int change_verify_entries(const struct sysroot *root, const void *data,
			  struct diag_list *d)
{
	const struct entry_expect *x = data;

	return x->loader->verify ? x->loader->verify(root, x->present, x->absent, d) : 0;
}
