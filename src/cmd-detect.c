/* The detect command. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "health.h"
#include "ops.h"
#include "render-machine.h"
#include "strv.h"
#include "sysroot.h"
#include "verbs.h"

/* On this machine (no --root): the amdgpu-tune that PATH finds first should be this
 * one, and no other copy should sit behind it (a 'make install' into /usr/local beside
 * the package's /usr/sbin, an old copy left in a PATH directory). One warning when the
 * first one is another program than the one running, one for each further copy. Says
 * nothing when it cannot tell (no PATH, no /proc). 0 or -ENOMEM. */
static int check_path_copies(struct diag_list *d)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *dirs = NULL;
	_cleanup_strv_free_ char **found = NULL;
	_cleanup_free_ struct stat *ids = NULL; /* of found's files */
	struct stat self, st;
	size_t n = 0;
	bool first_is_self = false;
	char *save = NULL;
	int r = 0;

	if (!path || !*path || stat("/proc/self/exe", &self) < 0)
		return 0;
	if (!(dirs = strdup(path)))
		return -ENOMEM;
	for (char *dir = strtok_r(dirs, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		char f[PATH_MAX];
		bool dup = false;

		/* Only absolute entries name a place; "" and "." are the working
		 * directory, not an installed copy. */
		if (dir[0] != '/' ||
		    (size_t)snprintf(f, sizeof(f), "%s/amdgpu-tune", dir) >= sizeof(f))
			continue;
		if (stat(f, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
			continue;
		/* The same file through two PATH entries (/sbin -> usr/sbin) is one copy.
		 */
		for (size_t i = 0; i < n; i++)
			dup |= ids[i].st_dev == st.st_dev && ids[i].st_ino == st.st_ino;
		if (dup)
			continue;
		if (!n)
			first_is_self =
				st.st_dev == self.st_dev && st.st_ino == self.st_ino;
		if (ARRAY_GROW(ids, n) < 0)
			return -ENOMEM;
		ids[n++] = st;
		if (strv_push(&found, f) < 0)
			return -ENOMEM;
	}
	if (found && !first_is_self)
		r = diag_warning(
			d, NULL, 0,
			"'amdgpu-tune' on PATH is %s, another program than the one running: commands typed without a path run that one",
			found[0]);
	for (size_t i = 1; r == 0 && found && found[i]; i++)
		r = diag_warning(
			d, NULL, 0,
			"%s shadows %s (first on PATH): remove the copy you do not use (a 'make install' copy goes with 'make uninstall' in its build tree)",
			found[0], found[i]);
	return r;
}

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
		r = machine_facts_read(root, o->req.memory, o->req.kernel, NULL, &m, &d);
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
		if (r == 0)
			r = health_check(root, m, bf, gpus, n_gpus, true, &d);
	}
	if (r == 0 && sysroot_is_live(root))
		r = check_path_copies(&d);
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
