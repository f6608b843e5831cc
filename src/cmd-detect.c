/* The detect command. */

#include "ops.h"
#include "render-machine.h"
#include "strv.h"
#include "verbs.h"

int cmd_detect(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	struct gpu *gpus = NULL;
	char **per = NULL;
	_cleanup_strv_free_ char **versions = NULL;
	struct machine_facts *m = NULL;
	struct boot_facts *bf = NULL;
	_cleanup_diag_list_ struct diag_list d = {0};
	_cleanup_strbuf_ struct strbuf out = {0};
	size_t n_gpus = 0;
	int r;

	if (argc != 0)
		return usage_error("detect takes no arguments");
	r = gpus_read(root, &gpus, &n_gpus);
	if (r == 0)
		r = match_profiles(root, gpus, n_gpus, &per);
	if (r == 0)
		r = machine_facts_read(root, o->memory, o->kernel, NULL, &m, &d);
	for (size_t i = 0; r == 0 && i < m->n_kernels; i++)
		r = strv_push(&versions, m->kernels[i].version);
	if (r == 0)
		r = boot_facts_read(root, versions, NULL, NULL, &bf, &d);
	if (r == 0) {
		_cleanup_strv_free_ char **gfx = NULL;

		for (size_t i = 0; r == 0 && i < n_gpus; i++)
			if (gpus[i].gfx && !strv_contains(gfx, gpus[i].gfx))
				r = strv_push(&gfx, gpus[i].gfx);
		if (r == 0)
			r = layers_lint(m, bf, NULL, gfx, &d);
	}
	if (r == 0) {
		diag_sort(&d);
		r = o->json ? render_detect_json(&out, gpus, n_gpus, per, m, bf, &d)
			    : render_detect_text(&out, gpus, n_gpus, per, m, bf);
	}
	print_diags(&d, o);
	if (r == 0)
		print_out(o, out.s);
	boot_facts_free(bf);
	machine_facts_free(m);
	free_per_gpu(per, n_gpus);
	gpus_free(gpus, n_gpus);
	r = r < 0 ? exit_for(r) : diag_count(&d, DIAG_ERROR) ? EXIT_INVALID : EXIT_OK;
	return r;
}
