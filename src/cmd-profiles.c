/* The profiles command. */

#include "ops.h"
#include "profiledir.h"
#include "render-plan.h"
#include "verbs.h"

int cmd_profiles(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	struct profile_file *l = NULL;
	_cleanup_diag_list_ struct diag_list d = {0};
	_cleanup_strbuf_ struct strbuf out = {0};
	char **desc;
	size_t n = 0;
	int r;

	if (argc != 0)
		return usage_error("profiles takes no arguments");
	r = profiledir_list(root, &l, &n);
	if (r < 0)
		return exit_for(r);
	desc = calloc(n + 1, sizeof(char *));
	if (!desc) {
		profiledir_list_free(l, n);
		return exit_for(-ENOMEM);
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_profile_free_ struct profile *p = NULL;

		if (parse_named(root, l[i].name, &p, &d) == 0)
			desc[i] = strdup(p->description);
	}
	r = o->json ? render_profiles_json(&out, l, n, desc, &d)
		    : render_profiles_text(&out, l, n, desc);
	print_diags(&d, o);
	if (r == 0)
		print_out(o, out.s);
	for (size_t i = 0; i < n; i++)
		free(desc[i]);
	free(desc);
	profiledir_list_free(l, n);
	return r == 0 ? EXIT_OK : exit_for(r);
}
