/* The rollback command. */
#include <stdio.h>
#include <unistd.h>

#include "change.h"
#include "sysroot.h"
#include "kparam.h"
#include "ops.h"
#include "verbs.h"

int cmd_rollback(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	_cleanup_diag_list_ struct diag_list d = {0};
	struct snapshot **l = NULL;
	_cleanup_snapshot_ struct snapshot *s = NULL;
	_cleanup_free_ struct file_change *files = NULL;
	_cleanup_free_ char **old = NULL;
	_cleanup_free_ char *before = NULL, *after = NULL, *done = NULL, *nothing = NULL;
	struct txn t = {.operation = "rollback"};
	bool has_state = false;
	size_t n = 0;
	unsigned id = 0;
	_cleanup_close_ int lock = -1; /* held until we return */
	int r, code = EXIT_OK;

	if (argc > 1)
		return usage_error("rollback takes at most one snapshot id");
	if (argc == 1) {
		uint64_t v;

		if (argv[0][0] < '1' || argv[0][0] > '9' ||
		    kparam_parse_u64(argv[0], &v) < 0 || v > 999999999) {
			return usage_error(
				"'%s' is not a snapshot id; 'amdgpu-tune snapshots' lists them",
				argv[0]);
		}
		id = (unsigned)v;
	}
	code = begin_change(root, o, "rollback", &lock, &d);
	if (code)
		goto out;
	r = snapshot_list(root, &l, &n, &d);
	if (r < 0) {
		code = exit_for(r);
		goto out;
	}
	if (!id)
		id = last_undoable(l, n);
	snapshot_list_free(l, n);
	if (!id) {
		say(o,
		    "Nothing to roll back: every apply and remove has been rolled back, or none was made.\n");
		goto out;
	}
	r = snapshot_load(root, id, &s, &d);
	if (r == -ENOENT) {
		diag_add(&d, DIAG_ERROR, NULL, 0,
			 "no snapshot %u; 'amdgpu-tune snapshots' lists them", id);
		code = EXIT_INVALID;
		goto out;
	}
	if (r < 0 || (r = current_loader(root, &t.loader)) < 0) {
		code = r == -ENOMEM || r == -EBADMSG ? exit_for(r) : EXIT_FAILED;
		goto out;
	}
	if (t.loader->refuse) {
		diag_add(&d, DIAG_ERROR, NULL, 0, "%s", t.loader->refuse);
		code = EXIT_FAILED;
		goto out;
	}
	/* A snapshot names each managed file once at most (snapshot_load()). */
	files = calloc(s->n_files + 1, sizeof(*files));
	old = calloc(s->n_files + 1, sizeof(*old));
	if (!files || !old) {
		code = exit_for(-ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < s->n_files; i++) {
		const struct file_change *f = &s->files[i].f;

		r = read_managed(root, f->path, &old[i], &d);
		if (r < 0) {
			code = exit_for(r);
			goto out;
		}
		/* The report shows text; a copy with a NUL byte is restored all the
		 * same. */
		files[i] = *f;
		files[i].old = old[i];
		has_state |= streq(f->path, STATE_FILE);
		if (streq(f->path, STATE_FILE) && f->present) {
			struct state *st = NULL;
			struct diag_list quiet = {0};

			if (state_parse(STATE_FILE, f->data, f->len, &st, &quiet) == 0)
				after = strdup(st->profile);
			state_free(st);
			diag_list_done(&quiet);
		}
	}
	before = profile_now(root);
	if (!has_state)
		after = before ? strdup(before) : NULL;
	t.profile_before = before;
	t.undoes = id;
	t.rmdirs = s->dirs;
	t.files = files;
	t.n_files = s->n_files;
	if (asprintf(&nothing, "The files already match snapshot %u: nothing to restore.",
		     id) < 0 ||
	    asprintf(&done, "Restored snapshot %u (snapshot ", id) < 0) {
		code = exit_for(-ENOMEM);
		goto out;
	}
	code = run_change(root, o, &t, after, nothing, done,
			  " keeps what was there before):", &d);
	goto done;
out:
	print_diags(&d, o);
done:
	for (size_t i = 0; old && s && i < s->n_files; i++)
		free(old[i]);
	return code;
}
