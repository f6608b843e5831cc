/* Cross-checks amdgpu-tune's modprobe.d reader against libkmod itself: for the root given
 * (default /), libkmod reads the same directories (inside that root) and both lists of
 * options per module must be equal, once the options libkmod took from the host's
 * /proc/cmdline are removed (libkmod always mixes those in; kmod_config_parse_kcmdline()
 * reads "module.param" tokens, past a bare "--" too). Exit 0 when equal. */
#include <errno.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stdio.h>

#include "cmdline.h"
#include "diag.h"
#include "modprobe.h"
#include "strv.h"
#include "sysroot.h"

/* The "param[=value]" strings libkmod appends for module from /proc/cmdline. */
static int proc_options(const char *module, char ***ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	char **v = NULL, *save = NULL;
	int r = read_host_file("/proc/cmdline", 1 << 16, &buf, &len);

	*ret = NULL;
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	for (char *t = strtok_r(buf, " \t\n", &save); t;
	     t = strtok_r(NULL, " \t\n", &save)) {
		char *dot = strchr(t, '.'), *eq = strchr(t, '=');
		_cleanup_free_ char *raw = NULL, *mod = NULL;

		if (!dot || dot == t || (eq && eq < dot) || strchr(t, '"'))
			continue;
		raw = strndup(t, (size_t)(dot - t));
		mod = raw ? cmdline_name_canonical(raw) : NULL;
		if (mod && streq(mod, module) && strv_push(&v, dot + 1) < 0)
			return -ENOMEM;
	}
	*ret = v;
	return 0;
}

static void quiet(void *data, int priority, const char *file, int line, const char *fn,
		  const char *format, va_list args)
{
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "/";
	char paths[8][4096];
	const char *cfg[8] = {0};
	struct kmod_ctx *ctx;
	struct kmod_config_iter *it;
	struct sysroot *sr = NULL;
	struct modprobe_config *c = NULL;
	struct modprobe_rules rules;
	struct diag_list d = {0};
	char **mods = NULL;
	char **theirs = NULL; /* "module\toptions joined by ' '" in first-seen order */
	size_t n = 0, failures = 0;

	for (size_t i = 0; modprobe_dirs[i]; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s",
			 streq(root, "/") ? "" : root, modprobe_dirs[i]);
		cfg[i] = paths[i];
	}
	ctx = kmod_new(NULL, cfg);
	if (!ctx) {
		fprintf(stderr, "kmod_new failed\n");
		return 2;
	}
	it = kmod_config_get_options(ctx);
	kmod_set_log_fn(ctx, quiet, NULL);
	while (it && kmod_config_iter_next(it)) {
		const char *m = kmod_config_iter_get_key(it),
			   *o = kmod_config_iter_get_value(it);
		size_t k;

		for (k = 0; mods && mods[k] && !streq(mods[k], m); k++)
			;
		if (!mods || !mods[k]) {
			strv_push(&mods, m);
			strv_push(&theirs, o);
		} else {
			struct strbuf b = {0};

			strbuf_printf(&b, "%s %s", theirs[k], o);
			free(theirs[k]);
			theirs[k] = strbuf_steal(&b);
		}
	}
	kmod_config_iter_free_iter(it);
	/* The rules of the libkmod this program runs with: the host's kmod. */
	{
		struct sysroot *host = NULL;

		if (sysroot_open("/", &host) == 0)
			modprobe_rules_read(host, &rules);
		sysroot_free(host);
	}
	if (sysroot_open(root, &sr) < 0 ||
	    modprobe_read(sr, NULL, &rules, NULL, &c, &d) < 0) {
		fprintf(stderr, "cannot read %s\n", root);
		return 2;
	}
	/* Take libkmod's /proc/cmdline additions off the end of each module's list. */
	for (size_t k = 0; mods && mods[k]; k++) {
		char **extra = NULL;

		if (proc_options(mods[k], &extra) < 0)
			return 2;
		for (size_t e = strv_length(extra); e-- > 0;) {
			size_t tl = strlen(theirs[k]), el = strlen(extra[e]);

			if (tl == el && streq(theirs[k], extra[e]))
				theirs[k][0] = '\0';
			else if (tl > el && streq(theirs[k] + tl - el, extra[e]) &&
				 theirs[k][tl - el - 1] == ' ')
				theirs[k][tl - el - 1] = '\0';
		}
		strv_free(extra);
	}
	for (size_t k = 0; mods && mods[k]; k++) {
		const char *ours = "";

		for (size_t i = 0; i < c->n_modules; i++)
			if (streq(c->modules[i].module, mods[k]))
				ours = c->modules[i].opts.text.s
					       ? c->modules[i].opts.text.s
					       : "";
		n++;
		if (!streq(ours, theirs[k])) {
			printf("# %s: libkmod '%s', amdgpu-tune '%s'\n", mods[k],
			       theirs[k], ours);
			failures++;
		}
	}
	for (size_t i = 0; i < c->n_modules; i++)
		if (!strv_contains(mods, c->modules[i].module)) {
			printf("# %s: only amdgpu-tune has '%s'\n", c->modules[i].module,
			       c->modules[i].opts.text.s);
			failures++;
		}
	printf("# %s: %zu modules with options compared, %zu differ\n", root, n,
	       failures);
	strv_free(mods);
	strv_free(theirs);
	modprobe_config_free(c);
	sysroot_free(sr);
	diag_list_done(&d);
	kmod_unref(ctx);
	return failures ? 1 : 0;
}
