/* The diff command. */
#include <stdio.h>

#include "ops.h"
#include "render-layers.h"
#include "verbs.h"

int cmd_diff(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	struct compared c = {0};
	_cleanup_diag_list_ struct diag_list d = {0};
	_cleanup_strbuf_ struct strbuf out = {0};
	_cleanup_free_ char *applied = NULL;
	int r, code = EXIT_OK;

	if (argc > 1)
		return usage_error("diff takes at most one profile");
	if (argc == 0) {
		r = applied_profile(root, &applied, &d);
		if (r < 0) {
			print_diags(&d, o);
			return exit_for(r == -EBADMSG ? -EINVAL : r);
		}
		if (!applied) {
			if (o->json)
				json_print(
					"{\"profile\":null,\"settings\":[],\"files\":[],\"warnings\":[],\"errors\":[]}\n");
			else
				printf("No profile applied (no %s): the next boot changes nothing amdgpu-tune manages.\nName one to compare, e.g. '%s diff strix-halo'.\n",
				       STATE_FILE, program);
			return EXIT_OK;
		}
	}
	r = compare(root, &o->req, applied ? applied : argv[0],
		    applied ? COMPARE_APPLIED : COMPARE_PROFILE, &c, &d);
	if (r == 0) {
		/* diff PROFILE differs when apply would change something; diff of the
		 * applied profile when the next reboot would: a pending setting, and a
		 * changed one too (the disk no longer gives what was applied). */
		for (size_t i = 0; i < c.layers->n_rows; i++) {
			enum row_status s = c.layers->rows[i].status;

			if (s == ROW_CHANGE || s == ROW_UNKNOWN ||
			    (applied && s == ROW_PENDING))
				code = EXIT_DIFFERS;
		}
		if (diag_count(&d, DIAG_ERROR))
			code = EXIT_INVALID;
		struct applied_notes an = {c.notes, c.replan};

		r = o->json ? render_diff_json(&out, c.name, c.layers, c.files, c.n_files,
					       applied ? &an : NULL, &d)
			    : render_diff_text(&out, c.name, c.file, c.layers, c.files,
					       c.n_files, c.after, applied ? &an : NULL);
	} else {
		code = exit_for(r);
		if (o->json)
			render_diff_json(&out, NULL, NULL, NULL, 0, NULL, &d);
	}
	print_diags(&d, o);
	if (out.s && !strbuf_error(&out) && (r == 0 || o->json))
		print_out(o, out.s);
	compared_done(&c);
	return r < 0 ? exit_for(r) : code;
}
