/* The check command. */

#include "facts.h"
#include "health.h"
#include "ops.h"
#include "render-plan.h"
#include "strv.h"
#include "verbs.h"

int cmd_check(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	struct planned p = {0};
	_cleanup_diag_list_ struct diag_list d = {0};
	_cleanup_strbuf_ struct strbuf out = {0};
	int r, code;

	if (argc != 1)
		return usage_error("check takes one profile name or file");
	r = make_plan(root, &o->req, argv[0], false, &p, &d);
	if (r == 0) {
		/* The configuration on disk that would live beside the profile. */
		_cleanup_strv_free_ char **versions = NULL;
		struct boot_facts *bf = NULL;

		for (size_t i = 0; r == 0 && i < p.facts->n_kernels; i++)
			r = strv_push(&versions, p.facts->kernels[i].version);
		struct diag_list boot = {0};

		if (r == 0)
			r = boot_facts_read(root, versions, NULL, NULL, &bf, &boot);
		if (r == 0)
			r = layers_lint(p.facts, bf, NULL, p.plan->targets, &boot);
		if (r == 0) {
			struct gpu *gpus = NULL;
			size_t n = 0;

			r = gpus_read(root, &gpus, &n);
			if (r == 0)
				r = health_check(root, p.facts, bf, gpus, n, false,
						 &boot);
			gpus_free(gpus, n);
		}
		/* The profile is valid whatever the machine's files say: their findings
		 * are warnings here. */
		for (size_t i = 0; r == 0 && i < boot.n; i++)
			r = diag_warning(&d, boot.items[i].file, boot.items[i].line, "%s",
					 boot.items[i].message);
		diag_list_done(&boot);
		boot_facts_free(bf);
		diag_sort(&d);
	}
	code = r == 0 ? EXIT_OK : exit_for(r);
	if (o->json)
		render_check_json(&out, p.profile ? p.profile->name : argv[0],
				  p.profile ? p.profile->file : NULL, p.plan, p.facts,
				  &d);
	else if (r == 0)
		render_check_text(&out, p.profile, p.plan, p.facts);
	print_diags(&d, o);
	if (out.s)
		print_out(o, out.s);
	planned_done(&p);
	return code;
}
