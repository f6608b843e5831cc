/* amdgpu-tune: the command line. Options, the verb table, messages and exit codes live
 * here and nowhere else. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "facts.h"
#include "gpu.h"
#include "plan.h"
#include "profile.h"
#include "profiledir.h"
#include "render.h"
#include "size.h"
#include "strv.h"
#include "sysroot.h"

enum {
	EXIT_OK = 0,
	EXIT_DIFFERS = 1,
	EXIT_INVALID = 2, /* usage error or invalid/unsafe input; nothing changed */
	EXIT_PRIVILEGE = 3,
	EXIT_FAILED = 4, /* failed; previous configuration intact */
};

struct options {
	const char *root;
	const char *kernel;
	uint64_t memory;
	bool json;
	bool force;
	bool quiet;
	bool verbose;
};

static const char *program = "amdgpu-tune";

static void help(void)
{
	printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n"
	       "\n"
	       "Turns named AMD GPU profiles into the exact kernel parameters and module options\n"
	       "for this machine and its kernels, checked against each kernel's own metadata.\n"
	       "\n"
	       "Commands:\n"
	       "  profiles            list profiles with their description and file\n"
	       "  show [PROFILE]      the kernel parameters and module options PROFILE means on\n"
	       "                      this machine, each with its reason; without PROFILE, the\n"
	       "                      profile that matches this machine's AMD GPU\n"
	       "  check PROFILE|FILE  validate a profile (a name, or a path to a .conf file)\n"
	       "\n"
	       "Options:\n"
	       "      --root DIR      operate on the tree at DIR instead of /\n"
	       "      --json          machine-readable output on stdout\n"
	       "      --kernel VER    validate and plan for this kernel only (default: every\n"
	       "                      kernel under lib/modules)\n"
	       "      --memory SIZE   assume this much RAM (e.g. 128GiB)\n"
	       "      --force         accept what is refused by default (named in the error)\n"
	       "  -q, --quiet         do not print warnings\n"
	       "  -v, --verbose       also show the module files each kernel provides\n"
	       "  -h, --help          show this help\n"
	       "  -V, --version       show the version\n"
	       "\n"
	       "Exit status: 0 success, 2 usage error or invalid input, 4 failure.\n"
	       "See amdgpu-tune(8) and amdgpu-tune.conf(5).\n",
	       program);
}

_printf_(1, 2) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", program);
	return EXIT_INVALID;
}

static void print_diags(const struct diag_list *d, const struct options *o)
{
	for (size_t i = 0; i < d->n; i++) {
		struct strbuf b = {0};

		if (d->items[i].level == DIAG_WARNING && o->quiet)
			continue;
		if (!d->items[i].file)
			strbuf_printf(&b, "%s: ", program);
		render_diag(&b, &d->items[i]);
		if (b.s)
			fprintf(stderr, "%s\n", b.s);
		strbuf_done(&b);
	}
}

/* Maps an internal error to the exit status; findings were already added to d. */
static int exit_for(int r)
{
	if (r == -ENOMEM) {
		fprintf(stderr, "%s: out of memory\n", program);
		return EXIT_FAILED;
	}
	return r == -EINVAL || r == -ENOENT || r == -ELOOP || r == -EFBIG ? EXIT_INVALID
									  : EXIT_FAILED;
}

static bool looks_like_path(const char *arg)
{
	size_t n = strlen(arg);

	return strchr(arg, '/') || (n > 5 && streq(arg + n - 5, ".conf"));
}

/* Loads and resolves a profile given by name (search path) or by path (check FILE). */
static int load_profile(struct sysroot *root, const char *arg, struct profile **ret,
			struct diag_list *d)
{
	_cleanup_free_ char *file = NULL, *buf = NULL, *name = NULL;
	_cleanup_profile_free_ struct profile *top = NULL;
	size_t len = 0;
	int r;

	if (looks_like_path(arg)) {
		const char *base = strrchr(arg, '/');
		size_t n;

		base = base ? base + 1 : arg;
		n = strlen(base);
		name = strndup(base, n > 5 && streq(base + n - 5, ".conf") ? n - 5 : n);
		file = strdup(arg);
		if (!name || !file)
			return -ENOMEM;
		r = read_host_file(arg, PROFILE_MAX_BYTES + 1, &buf, &len);
		if (r < 0) {
			_cleanup_free_ char *e = escape_untrusted(arg);

			return diag_add(d, DIAG_ERROR, e, 0, "cannot read: %s",
					strerror(-r))
				       ?: (r == -ENOENT ? -ENOENT : -EIO);
		}
	} else {
		name = strdup(arg);
		if (!name)
			return -ENOMEM;
		r = profiledir_load(root, arg, &file, &buf, &len, d);
		if (r < 0)
			return r;
	}
	r = profile_parse(name, file, buf, len, &top, d);
	if (r < 0)
		return r;
	return profile_resolve(top, profiledir_load, root, ret, d);
}

/* Loads and parses the named profile from the search path, without resolving includes. */
static int parse_named(struct sysroot *root, const char *name, struct profile **ret,
		       struct diag_list *d)
{
	_cleanup_free_ char *file = NULL, *buf = NULL;
	size_t len = 0;
	int r = profiledir_load(root, name, &file, &buf, &len, d);

	return r < 0 ? r : profile_parse(name, file, buf, len, ret, d);
}

/* The module names a profile has sections for, for the facts reader. */
static int profile_modules(const struct profile *p, char ***ret)
{
	char **v = calloc(1, sizeof(char *));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_sections; i++)
		if (p->sections[i].kind == PSECTION_MODULE &&
		    strv_push(&v, p->sections[i].module) < 0) {
			strv_free(v);
			return -ENOMEM;
		}
	*ret = v;
	return 0;
}

struct planned {
	struct profile *profile;
	struct machine_facts *facts;
	struct plan *plan;
};

static void planned_done(struct planned *p)
{
	plan_free(p->plan);
	machine_facts_free(p->facts);
	profile_free(p->profile);
}

/* Profile -> facts -> plan, the common path of show and check. A profile that fails to
 * load leaves p->profile NULL; a plan with errors leaves p->plan NULL. */
static int make_plan(struct sysroot *root, const struct options *o, const char *arg,
		     struct planned *p, struct diag_list *d)
{
	_cleanup_strv_free_ char **mods = NULL;
	struct plan_options po = {.force = o->force};
	int r;

	r = load_profile(root, arg, &p->profile, d);
	if (r < 0)
		return r;
	r = profile_modules(p->profile, &mods);
	if (r < 0)
		return r;
	r = machine_facts_read(root, o->memory, o->kernel, mods, &p->facts, d);
	if (r < 0)
		return r;
	r = plan_build(p->profile, p->facts, &po, &p->plan, d);
	diag_sort(d);
	return r;
}

/* Finds the profile whose match fits this machine's GPU. Returns 0 with *ret set, or 0
 * with *ret NULL after telling the user why none was picked (no GPU, no match). */
static int pick_profile(struct sysroot *root, const struct options *o, char **ret,
			int *exit_code)
{
	struct gpu *gpus = NULL;
	struct profile_file *l = NULL;
	size_t n_gpus = 0, n = 0;
	_cleanup_strv_free_ char **picked = NULL;
	struct strbuf why = {0};
	int r;

	*ret = NULL;
	*exit_code = EXIT_OK;
	r = gpus_read(root, &gpus, &n_gpus);
	if (r < 0)
		return r;
	if (n_gpus == 0) {
		printf("No AMD GPU found (no display controller of vendor 0x1002 under %s/sys/bus/pci/devices).\n"
		       "Name a profile to see what it would set, e.g. '%s show strix-halo'; '%s profiles' lists them.\n",
		       sysroot_is_live(root) ? "" : root->path, program, program);
		gpus_free(gpus, n_gpus);
		return 0;
	}
	r = profiledir_list(root, &l, &n);
	if (r < 0) {
		gpus_free(gpus, n_gpus);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		struct diag_list d = {0};
		_cleanup_profile_free_ struct profile *p = NULL;

		if (parse_named(root, l[i].name, &p, &d) < 0) {
			diag_list_done(&d);
			continue;
		}
		diag_list_done(&d);
		for (size_t g = 0; g < n_gpus; g++) {
			char id[16];

			snprintf(id, sizeof(id), "1002:%04x", gpus[g].device);
			if ((strv_contains(p->match, id) ||
			     (gpus[g].gfx && strv_contains(p->match, gpus[g].gfx))) &&
			    !strv_contains(picked, l[i].name)) {
				strv_push(&picked, l[i].name);
				strbuf_printf(&why, "%s%s (%s 1002:%04x %s)",
					      why.len ? ", " : "", l[i].name, gpus[g].pci,
					      gpus[g].device,
					      gpus[g].gfx ? gpus[g].gfx : "unknown gfx");
			}
		}
	}
	if (!picked) {
		printf("No profile matches this machine's AMD GPU%s:",
		       n_gpus > 1 ? "s" : "");
		for (size_t g = 0; g < n_gpus; g++)
			printf(" %s 1002:%04x (%s)", gpus[g].pci, gpus[g].device,
			       gpus[g].gfx ? gpus[g].gfx : "unknown gfx target");
		printf(".\nName a profile to use one anyway; '%s profiles' lists them.\n",
		       program);
	} else if (picked[1]) {
		fprintf(stderr, "%s: several profiles fit this machine: %s; name one\n",
			program, why.s);
		*exit_code = EXIT_INVALID;
	} else {
		*ret = strdup(picked[0]);
		if (!o->json && !o->quiet)
			fprintf(stderr, "%s: using %s\n", program, why.s);
	}
	strbuf_done(&why);
	profiledir_list_free(l, n);
	gpus_free(gpus, n_gpus);
	return picked && !picked[1] && !*ret ? -ENOMEM : 0;
}

static int cmd_show(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	struct planned p = {0};
	struct diag_list d = {0};
	struct strbuf out = {0};
	_cleanup_free_ char *picked = NULL;
	const char *name;
	int r, code = EXIT_OK;

	if (argc > 1)
		return usage_error("show takes at most one profile");
	if (argc == 1) {
		name = argv[0];
	} else {
		r = pick_profile(root, o, &picked, &code);
		if (r < 0)
			return exit_for(r);
		if (!picked)
			return code;
		name = picked;
	}
	r = make_plan(root, o, name, &p, &d);
	if (r == 0)
		r = o->json ? render_show_json(&out, p.profile, p.plan, p.facts, &d)
			    : render_show_text(&out, p.profile, p.plan, p.facts,
					       o->verbose);
	print_diags(&d, o);
	if (r == 0)
		fputs(out.s, stdout);
	else
		code = exit_for(r);
	strbuf_done(&out);
	diag_list_done(&d);
	planned_done(&p);
	return code;
}

static int cmd_check(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	struct planned p = {0};
	struct diag_list d = {0};
	struct strbuf out = {0};
	int r, code;

	if (argc != 1)
		return usage_error("check takes one profile name or file");
	r = make_plan(root, o, argv[0], &p, &d);
	code = r == 0 ? EXIT_OK : exit_for(r);
	if (o->json)
		render_check_json(&out, p.profile ? p.profile->name : argv[0],
				  p.profile ? p.profile->file : NULL, p.plan, p.facts,
				  &d);
	else if (r == 0)
		render_check_text(&out, p.profile, p.plan, p.facts);
	print_diags(&d, o);
	if (out.s)
		fputs(out.s, stdout);
	strbuf_done(&out);
	diag_list_done(&d);
	planned_done(&p);
	return code;
}

static int cmd_profiles(struct sysroot *root, const struct options *o, int argc,
			char **argv)
{
	struct profile_file *l = NULL;
	struct diag_list d = {0};
	struct strbuf out = {0};
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
	r = o->json ? render_profiles_json(&out, l, n, desc)
		    : render_profiles_text(&out, l, n, desc);
	print_diags(&d, o);
	if (r == 0)
		fputs(out.s, stdout);
	strbuf_done(&out);
	diag_list_done(&d);
	for (size_t i = 0; i < n; i++)
		free(desc[i]);
	free(desc);
	profiledir_list_free(l, n);
	return r == 0 ? EXIT_OK : exit_for(r);
}

static const struct verb {
	const char *name;
	int (*run)(struct sysroot *root, const struct options *o, int argc, char **argv);
} verbs[] = {
	{"profiles", cmd_profiles},
	{"show", cmd_show},
	{"check", cmd_check},
};

int main(int argc, char **argv)
{
	enum { OPT_ROOT = 0x100, OPT_JSON, OPT_KERNEL, OPT_MEMORY, OPT_FORCE };
	static const struct option longopts[] = {
		{"root", required_argument, NULL, OPT_ROOT},
		{"json", no_argument, NULL, OPT_JSON},
		{"kernel", required_argument, NULL, OPT_KERNEL},
		{"memory", required_argument, NULL, OPT_MEMORY},
		{"force", no_argument, NULL, OPT_FORCE},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	struct options o = {.root = "/"};
	struct sysroot *root = NULL;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			o.root = optarg;
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_KERNEL:
			if (!*optarg || strchr(optarg, '/') || streq(optarg, ".") ||
			    streq(optarg, ".."))
				return usage_error(
					"--kernel: '%s' is not a kernel version", optarg);
			o.kernel = optarg;
			break;
		case OPT_MEMORY: {
			struct size_spec s;
			const char *hint = NULL;

			if (size_parse(optarg, &s, &hint) < 0 || s.percent)
				return usage_error(
					"--memory '%s': %s", optarg,
					s.percent ? "give an amount, not a percentage"
					: hint	  ? hint
						  : "out of range");
			o.memory = s.value;
			break;
		}
		case OPT_FORCE:
			o.force = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		case 'V':
			printf("%s %s\n", program, PACKAGE_VERSION);
			return EXIT_OK;
		default:
			if (optopt)
				return usage_error("invalid option '-%c'", optopt);
			return usage_error("invalid option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("no command given");
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
		if (!streq(argv[optind], verbs[i].name))
			continue;
		r = sysroot_open(o.root, &root);
		if (r < 0) {
			fprintf(stderr, "%s: --root %s: %s\n", program, o.root,
				strerror(-r));
			return EXIT_INVALID;
		}
		r = verbs[i].run(root, &o, argc - optind - 1, argv + optind + 1);
		sysroot_free(root);
		return r;
	}
	{
		_cleanup_free_ char *e = escape_untrusted(argv[optind]);

		return usage_error("unknown command '%s'", e ? e : "?");
	}
}
