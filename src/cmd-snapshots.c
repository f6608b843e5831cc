/* The snapshots command. */

#include "change.h"
#include "render-change.h"
#include "verbs.h"

int cmd_snapshots(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	_cleanup_diag_list_ struct diag_list d = {0};
	struct snapshot **l = NULL;
	_cleanup_strbuf_ struct strbuf out = {0};
	size_t n = 0;
	int r;

	(void)argv;
	if (argc != 0)
		return usage_error("snapshots takes no arguments");
	r = snapshot_list(root, &l, &n, &d);
	if (r == 0)
		r = o->json ? render_snapshots_json(&out, l, n, &d)
			    : render_snapshots_text(&out, l, n);
	print_diags(&d, o);
	if (r == 0 && out.s)
		print_out(o, out.s);
	snapshot_list_free(l, n);
	r = r < 0 ? exit_for(r) : diag_count(&d, DIAG_ERROR) ? EXIT_FAILED : EXIT_OK;
	return r;
}
