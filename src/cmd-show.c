/* The show command. */

#include "ops.h"
#include "render-plan.h"
#include "verbs.h"

int cmd_show(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	struct planned p = {0};
	_cleanup_diag_list_ struct diag_list d = {0};
	_cleanup_strbuf_ struct strbuf out = {0};
	_cleanup_free_ char *picked = NULL;
	const char *name;
	int r, code = EXIT_OK;

	if (argc > 1)
		return usage_error("show takes at most one profile");
	if (argc == 1) {
		name = argv[0];
	} else {
		r = cli_pick_profile(root, o, &picked, &code);
		if (r < 0)
			return exit_for(r);
		if (!picked)
			return code;
		name = picked;
	}
	r = make_plan(root, &o->req, name, false, &p, &d);
	if (r == 0 && argc == 1)
		r = warn_gpu_absent(root, p.profile, &d);
	if (r == 0)
		r = o->json ? render_show_json(&out, p.profile, p.plan, p.facts, &d)
			    : render_show_text(&out, p.profile, p.plan, p.facts,
					       o->verbose);
	print_diags(&d, o);
	if (r == 0)
		print_out(o, out.s);
	else
		code = exit_for(r);
	planned_done(&p);
	return code;
}
