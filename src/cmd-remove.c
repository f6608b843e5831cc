/* The remove command. */
#include <unistd.h>

#include "change.h"
#include "fragment.h"
#include "ops.h"
#include "sysroot.h"
#include "verbs.h"

/* Run by our own package's prerm: the program goes away with it, and purge deletes the
 * snapshots, so the usual "'amdgpu-tune rollback' puts them back" is not true as it
 * stands. dpkg sets both variables in maintainer scripts (dpkg's maintscript_exec). */
static bool removing_package(void)
{
	const char *pkg = getenv("DPKG_MAINTSCRIPT_PACKAGE"),
		   *script = getenv("DPKG_MAINTSCRIPT_NAME");

	return pkg && script && streq(pkg, "amdgpu-tune") && streq(script, "prerm");
}

int cmd_remove(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	_cleanup_diag_list_ struct diag_list d = {0};
	_cleanup_state_ struct state *st = NULL;
	_cleanup_free_ struct file_change *files = NULL;
	_cleanup_free_ char **old = NULL, **stripped = NULL;
	const struct boot_backend *tokens_in = NULL;
	const struct managed_file *m;
	struct txn t = {.operation = "remove"};
	struct entry_expect expect = {0};
	size_t n = 0, n_managed = 0;
	_cleanup_close_ int lock = -1; /* held until we return */
	int r = 0, code = EXIT_OK;

	(void)argv;
	if (argc != 0)
		return usage_error("remove takes no arguments");
	code = begin_change(root, o, "remove", &lock, &d);
	if (code)
		goto out;
	while (managed_file(n_managed))
		n_managed++;
	files = calloc(n_managed, sizeof(*files));
	old = calloc(n_managed, sizeof(*old));
	stripped = calloc(n_managed, sizeof(*stripped));
	if (!files || !old || !stripped) {
		code = exit_for(-ENOMEM);
		goto out;
	}
	{
		size_t from = d.n;

		/* remove --trial needs no state: one that cannot be used is said, and
		 * left alone. */
		r = state_read(root, &st, &d);
		if (r == -EBADMSG && o->trial) {
			diag_demote(&d, from);
			r = 0;
		}
	}
	if (r == 0)
		r = current_loader(root, &t.loader);
	if (r == 0 && t.loader->refuse) {
		diag_add(&d, DIAG_ERROR, NULL, 0, "%s", t.loader->refuse);
		code = EXIT_FAILED;
		goto out;
	}
	for (size_t i = 0; r == 0 && (m = managed_file(i)); i++) {
		/* remove --trial: a trial's entry and record alone. */
		if (o->trial && m->kind != MANAGED_ENTRY && m->kind != MANAGED_TRIAL &&
		    m->kind != MANAGED_BOOT_ENTRY)
			continue;
		/* Only the tokens apply added, from the file it added them to. */
		bool tokens = m->kind == MANAGED_CMDLINE && !m->hand_edit && st &&
			      st->tokens && streq(state_tokens_file(st), m->path);
		struct stat sst;

		if ((m->kind == MANAGED_MODPROBE || m->hand_edit) &&
		    m->kind != MANAGED_STATE && !managed_file_ours(t.loader, st, m))
			continue;
		r = tokens ? read_managed_text(root, m->path, &old[i], &d)
			   : read_managed(root, m->path, &old[i], &d);
		if (r < 0 || !old[i])
			continue;
		if (m->kind == MANAGED_CMDLINE && !m->hand_edit) {
			if (!tokens)
				continue;
			r = cmdline_file_strip(t.loader, m->path, old[i], st->tokens,
					       &stripped[i], &d);
			if (r < 0)
				continue;
			tokens_in = cmdline_tokens_backend(t.loader, m->path, old[i],
							   st->tokens);
			if (sysroot_stat(root, m->path, &sst) < 0)
				continue;
			files[n++] = (struct file_change){
				.path = m->path,
				.old = old[i],
				.present = true,
				.data = stripped[i],
				.len = strlen(stripped[i]),
				.mode = snapshot_mode_clamp(sst.st_mode & 07777,
							    getegid())};
			continue;
		}
		r = check_hand_edit(o, st, m->path, old[i], NULL, &d);
		files[n++] = (struct file_change){.path = m->path, .old = old[i]};
	}
	if (r < 0 || diag_count(&d, DIAG_ERROR)) {
		code = r < 0 && r != -EINVAL ? exit_for(r == -EBADMSG ? -EINVAL : r)
					     : EXIT_INVALID;
		goto out;
	}
	t.profile_before = st ? st->profile : NULL;
	t.files = files;
	t.n_files = n;
	/* None of our arguments may be in the boot entries once the regeneration made
	 * them again (a backend with a verify(): systemd-boot's). */
	expect.absent = st && !o->trial ? st->tokens : NULL;
	/* Our tokens are in a file of one backend alone (etc/kernel/cmdline:
	 * systemd-boot's): a boot loader not found now (its ESP not mounted) is still
	 * that one, whose entries must lose them. */
	if (t.loader == &backend_unknown && tokens_in && expect.absent)
		t.loader = tokens_in;
	expect.loader = t.loader;
	/* An entry that still has one is made again, even when etc/kernel/cmdline lost
	 * them already. */
	if (t.loader->verify && expect.absent &&
	    boot_now_has_any(root, expect.absent, &t.regen_cmdline) == -ENOMEM) {
		code = exit_for(-ENOMEM);
		goto out;
	}
	if (t.loader->verify && (tokens_in || t.regen_cmdline) && expect.absent) {
		t.verify = change_verify_entries;
		t.verify_data = &expect;
	}
	if (o->trial) {
		code = run_change(
			root, o, &t, st ? st->profile : NULL,
			"Nothing to remove: no trial.", "Ended the trial (snapshot ",
			" keeps it; 'amdgpu-tune rollback' puts it back, not selected for a boot):",
			&d);
		goto done;
	}
	code = run_change(
		root, o, &t, NULL, "Nothing to remove: no amdgpu-tune file is present.",
		"Removed amdgpu-tune's settings (snapshot ",
		removing_package()
			? " keeps them until the package is purged; with amdgpu-tune installed again, 'amdgpu-tune rollback' puts them back):"
			: " keeps them; 'amdgpu-tune rollback' puts them back):",
		&d);
	goto done;
out:
	print_diags(&d, o);
done:
	for (size_t i = 0; i < n_managed; i++) {
		free(old ? old[i] : NULL);
		free(stripped ? stripped[i] : NULL);
	}
	return code;
}
