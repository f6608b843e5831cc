/* amdgpu-tune: the command line. Options, the verb table, messages and exit codes live
 * here and nowhere else. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bootcfg.h"
#include "cmdline.h"
#include "facts.h"
#include "fragment.h"
#include "gpu.h"
#include "kparam.h"
#include "klog.h"
#include "kfacts.h"
#include "klogread.h"
#include "layers.h"
#include "plan.h"
#include "privs.h"
#include "profile.h"
#include "profiledir.h"
#include "regen.h"
#include "render.h"
#include "report.h"
#include "size.h"
#include "snapshot.h"
#include "state.h"
#include "strv.h"
#include "sysroot.h"
#include "txn.h"

enum {
	EXIT_OK = 0,
	EXIT_DIFFERS = 1,
	EXIT_INVALID = 2, /* usage error or invalid/unsafe input; nothing changed */
	EXIT_PRIVILEGE = 3,
	EXIT_FAILED = 4,      /* failed; previous configuration intact */
	EXIT_UNRECOVERED = 5, /* failed after a partial change recovery could not undo */
};

struct options {
	const char *root;
	const char *kernel;
	uint64_t memory;
	const char *memory_arg; /* --memory as given */
	bool json;
	bool force;
	bool dry_run;
	bool no_update;
	bool update; /* with --root: run the regeneration commands in a chroot */
	bool quiet;
	bool verbose;
	const char *kernel_log; /* --kernel-log: a saved kernel log for status */
	int kmsg_fd;		/* /dev/kmsg, opened before privileges are dropped */
	int kmsg_errno;		/* why it could not be opened */
};

static const char *program = "amdgpu-tune";

/* Which options a command takes, beyond --root, --json, -q and -v (every command's). */
enum {
	VOPT_KERNEL = 1 << 0,	  /* --kernel */
	VOPT_MEMORY = 1 << 1,	  /* --memory */
	VOPT_FORCE = 1 << 2,	  /* --force */
	VOPT_CHANGE = 1 << 3,	  /* --dry-run, --update, --no-update */
	VOPT_KERNEL_LOG = 1 << 4, /* --kernel-log */
};

struct verb {
	const char *name;
	int (*run)(struct sysroot *root, const struct options *o, int argc, char **argv);
	bool writes;	  /* changes the configuration (unless --dry-run) */
	unsigned options; /* VOPT_* */
	const char *args; /* for --help, e.g. "[PROFILE]" */
	const char *help; /* for --help: lines of at most 58 columns, '\n' between */
};

/* --json: every command prints exactly one document on stdout, on failure too. What
 * the commands print goes through json_print(); the findings they report go through
 * print_diags() and usage_error(), which keep them here, so that main() can print
 * {"warnings":[...],"errors":[...]} when a command ended before its own document. */
static struct {
	bool on;
	bool printed;
	struct diag_list diags;
} json_out;

static void json_print(const char *doc)
{
	fputs(doc, stdout);
	json_out.printed = true;
}

/* A line for the user that is no finding ("No AMD GPU found ..."): on stdout, or with
 * --json on stderr and in the document's warnings, so stdout holds only JSON. */
_printf_(2, 3) static void say(const struct options *o, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!o->json) {
		fputs(msg, stdout);
		return;
	}
	fputs(msg, stderr);
	msg[strcspn(msg, "\n")] = '\0';
	diag_add(&json_out.diags, DIAG_WARNING, NULL, 0, "%s", msg);
}

/* A command's output: its JSON document, or its text. */
static void print_out(const struct options *o, const char *s)
{
	if (o->json)
		json_print(s);
	else
		fputs(s, stdout);
}

_printf_(1, 2) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", program);
	if (json_out.on) {
		char msg[512];

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		diag_add(&json_out.diags, DIAG_ERROR, NULL, 0, "%s", msg);
	}
	return EXIT_INVALID;
}

static void print_diags(const struct diag_list *d, const struct options *o)
{
	for (size_t i = 0; i < d->n; i++) {
		struct strbuf b = {0};

		if (json_out.on)
			diag_add(&json_out.diags, d->items[i].level, d->items[i].file,
				 d->items[i].line, "%s", d->items[i].message);
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
	/* Errors of the input (a profile, a file, a path in the root) are exit 2; any
	 * other failure is 4: nothing was changed, or it was undone. */
	static const int invalid[] = {-EINVAL, -ENOENT, -ELOOP, -EFBIG, -EBADMSG};

	for (size_t i = 0; i < ELEMENTSOF(invalid); i++)
		if (r == invalid[i])
			return EXIT_INVALID;
	return EXIT_FAILED;
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
					read_error_text(-r))
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

/* --memory is an assumption for a root without proc/meminfo. Where the root (or this
 * machine, live) says how much RAM it has, a different --memory plans for another
 * machine: said by every command that plans, and refused by apply (writes) unless
 * --force. 0, or -errno from diag_add. */
static int check_memory(const struct options *o, const struct machine_facts *m,
			bool writes, struct diag_list *d)
{
	char have[32];

	if (!m->mem_from_option || !m->mem_machine_known ||
	    m->mem_machine == m->mem_total)
		return 0;
	format_gib(m->mem_machine, have);
	/* MemTotal is the installed RAM less what the firmware, the GPU carve-out and the
	 * kernel keep: a --memory of the installed size (at most 1/16 above MemTotal) is
	 * the same machine, said but not refused. */
	if (writes && !o->force &&
	    (m->mem_total < m->mem_machine ||
	     m->mem_total - m->mem_machine > m->mem_machine / 16))
		return diag_add(
			d, DIAG_ERROR, NULL, 0,
			"--memory %s differs from this machine's MemTotal %s "
			"(proc/meminfo): apply plans for the machine it writes to; "
			"drop --memory, or --force to apply for %s anyway",
			o->memory_arg, have, o->memory_arg);
	return diag_add(d, DIAG_WARNING, NULL, 0,
			"--memory %s differs from this machine's MemTotal %s "
			"(proc/meminfo): planned for %s%s",
			o->memory_arg, have, o->memory_arg,
			writes ? " (accepted with --force)" : ", not for this machine");
}

/* Profile -> facts -> plan, the common path of show, check, diff, status and apply
 * (writes: apply, which refuses a --memory that is not this machine's). A profile that
 * fails to load leaves p->profile NULL; a plan with errors leaves p->plan NULL. */
static int make_plan(struct sysroot *root, const struct options *o, const char *arg,
		     bool writes, struct planned *p, struct diag_list *d)
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
	if (r == 0)
		r = check_memory(o, p->facts, writes, d);
	if (r < 0)
		return r;
	r = plan_build(p->profile, p->facts, &po, &p->plan, d);
	diag_sort(d);
	return r;
}

/* For each GPU, the names of the profiles whose match fits it, comma-separated, or NULL
 * when none does. *ret is an array of n strings owned by the caller. 0 or -errno. */
static int match_profiles(struct sysroot *root, const struct gpu *gpus, size_t n_gpus,
			  char ***ret)
{
	struct profile_file *l = NULL;
	char **per = calloc(n_gpus + 1, sizeof(char *));
	size_t n = 0;
	int r;

	if (!per)
		return -ENOMEM;
	r = n_gpus ? profiledir_list(root, &l, &n) : 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct diag_list d = {0};
		_cleanup_profile_free_ struct profile *p = NULL;

		if (parse_named(root, l[i].name, &p, &d) < 0) {
			diag_list_done(&d);
			continue;
		}
		diag_list_done(&d);
		for (size_t g = 0; r == 0 && g < n_gpus; g++) {
			char id[16];
			struct strbuf b = {0};

			snprintf(id, sizeof(id), "1002:%04x", gpus[g].device);
			if (!strv_contains(p->match, id) &&
			    !(gpus[g].gfx && strv_contains(p->match, gpus[g].gfx)))
				continue;
			if (strbuf_printf(&b, "%s%s%s", per[g] ? per[g] : "",
					  per[g] ? "," : "", l[i].name) < 0) {
				r = -ENOMEM;
				break;
			}
			free(per[g]);
			per[g] = b.s;
		}
	}
	profiledir_list_free(l, n);
	if (r < 0) {
		strv_free(per);
		return r;
	}
	*ret = per;
	return 0;
}

static void free_per_gpu(char **per, size_t n)
{
	for (size_t i = 0; per && i < n; i++)
		free(per[i]);
	free(per);
}

/* Finds the profile whose match fits this machine's GPU. Returns 0 with *ret set, or 0
 * with *ret NULL after telling the user why none was picked (no GPU, no match). */
static int pick_profile(struct sysroot *root, const struct options *o, char **ret,
			int *exit_code)
{
	struct gpu *gpus = NULL;
	char **per = NULL, *picked = NULL;
	size_t n_gpus = 0;
	struct strbuf why = {0};
	bool several = false;
	int r;

	*ret = NULL;
	*exit_code = EXIT_OK;
	r = gpus_read(root, &gpus, &n_gpus);
	if (r < 0)
		return r;
	if (n_gpus == 0) {
		_cleanup_free_ char *where =
			escape_untrusted(sysroot_is_live(root) ? "" : root->path);

		say(o,
		    "No AMD GPU found (no display controller of vendor 0x1002 under %s/sys/bus/pci/devices).\n"
		    "Name a profile to see what it would set, e.g. '%s show strix-halo'; '%s profiles' lists them.\n",
		    where ? where : "?", program, program);
		gpus_free(gpus, n_gpus);
		return 0;
	}
	r = match_profiles(root, gpus, n_gpus, &per);
	if (r < 0) {
		gpus_free(gpus, n_gpus);
		return r;
	}
	for (size_t g = 0; g < n_gpus; g++) {
		if (!per[g])
			continue;
		several |= strchr(per[g], ',') || (picked && !streq(picked, per[g]));
		if (!picked)
			picked = per[g];
		strbuf_printf(&why, "%s%s (%s 1002:%04x %s)", why.len ? ", " : "", per[g],
			      gpus[g].pci, gpus[g].device,
			      gpus[g].gfx ? gpus[g].gfx : "unknown gfx");
	}
	if (!picked) {
		struct strbuf l = {0};

		for (size_t g = 0; g < n_gpus; g++)
			strbuf_printf(&l, " %s 1002:%04x (%s)", gpus[g].pci,
				      gpus[g].device,
				      gpus[g].gfx ? gpus[g].gfx : "unknown gfx target");
		say(o,
		    "No profile matches this machine's AMD GPU%s:%s.\nName a profile to use one "
		    "anyway; '%s profiles' lists them.\n",
		    n_gpus > 1 ? "s" : "", l.s ? l.s : "", program);
		strbuf_done(&l);
	} else if (several) {
		fprintf(stderr, "%s: several profiles fit this machine: %s; name one\n",
			program, why.s);
		*exit_code = EXIT_INVALID;
	} else {
		*ret = strdup(picked);
		if (!*ret)
			r = -ENOMEM;
		else if (!o->json && !o->quiet)
			fprintf(stderr, "%s: using %s\n", program, why.s);
	}
	strbuf_done(&why);
	free_per_gpu(per, n_gpus);
	gpus_free(gpus, n_gpus);
	return r;
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
	r = make_plan(root, o, name, false, &p, &d);
	if (r == 0)
		r = o->json ? render_show_json(&out, p.profile, p.plan, p.facts, &d)
			    : render_show_text(&out, p.profile, p.plan, p.facts,
					       o->verbose);
	print_diags(&d, o);
	if (r == 0)
		print_out(o, out.s);
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
	r = make_plan(root, o, argv[0], false, &p, &d);
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
		/* The profile is valid whatever the machine's files say: their findings
		 * are warnings here. */
		for (size_t i = 0; r == 0 && i < boot.n; i++)
			r = diag_add(&d, DIAG_WARNING, boot.items[i].file,
				     boot.items[i].line, "%s", boot.items[i].message);
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
	r = o->json ? render_profiles_json(&out, l, n, desc, &d)
		    : render_profiles_text(&out, l, n, desc);
	print_diags(&d, o);
	if (r == 0)
		print_out(o, out.s);
	strbuf_done(&out);
	diag_list_done(&d);
	for (size_t i = 0; i < n; i++)
		free(desc[i]);
	free(desc);
	profiledir_list_free(l, n);
	return r == 0 ? EXIT_OK : exit_for(r);
}

static int cmd_detect(struct sysroot *root, const struct options *o, int argc,
		      char **argv)
{
	struct gpu *gpus = NULL;
	char **per = NULL;
	_cleanup_strv_free_ char **versions = NULL;
	struct machine_facts *m = NULL;
	struct boot_facts *bf = NULL;
	struct diag_list d = {0};
	struct strbuf out = {0};
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
	strbuf_done(&out);
	boot_facts_free(bf);
	machine_facts_free(m);
	free_per_gpu(per, n_gpus);
	gpus_free(gpus, n_gpus);
	r = r < 0 ? exit_for(r) : diag_count(&d, DIAG_ERROR) ? EXIT_INVALID : EXIT_OK;
	diag_list_done(&d);
	return r;
}

/* What a comparison compares the configuration with. */
enum compare_mode {
	COMPARE_PROFILE, /* diff PROFILE: the profile as planned now */
	COMPARE_APPLIED, /* status, diff: what the last apply recorded, when it did */
	COMPARE_APPLY,	 /* apply: planned now, refusing another machine's --memory */
};

/* Everything diff and status compare: the plan's layers and the files apply would
 * write. */
struct compared {
	struct planned planned;	   /* the profile planned now; with a recorded state the
				    * profile or plan may be NULL (not loadable, refused) */
	struct state *state;	   /* what the last apply recorded, or NULL */
	const char *name;	   /* the profile compared */
	const char *file;	   /* its file, NULL when it is gone */
	char *file_owned;	   /* file, when the profile there no longer loads */
	const struct plan *wanted; /* what the rows compare with: planned.plan, or the
				    * settings the state records */
	char **notes;	 /* lines for the user: re-planning now, a lost profile */
	int replan;	 /* re-planning now differs: 1 yes, 0 no, -1 not known */
	char *kcmd_base; /* etc/kernel/cmdline without the tokens apply added */
	struct boot_facts *now, *after;
	struct layers *layers;
	struct file_change files[3];
	size_t n_files;
};

static void compared_done(struct compared *c)
{
	strv_free(c->notes);
	free(c->file_owned);
	state_free(c->state);
	free(c->kcmd_base);
	layers_free(c->layers);
	boot_facts_free(c->after);
	boot_facts_free(c->now);
	for (size_t i = 0; i < c->n_files; i++) {
		free(c->files[i].old);
		free(c->files[i].new);
	}
	planned_done(&c->planned);
}

/* Reads a managed file's current text into *ret (NULL when absent). */
static int read_managed(struct sysroot *root, const char *rel, char **ret,
			struct diag_list *d)
{
	size_t len;
	int r = sysroot_read_file(root, rel, PROFILE_MAX_BYTES, true, ret, &len);

	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0 && r != -ENOMEM)
		return diag_add(d, DIAG_ERROR, rel, 0, "cannot read: %s",
				read_error_text(-r))
			       ?: -EINVAL;
	return r;
}

static int add_file(struct sysroot *root, struct compared *c, const char *rel,
		    char *new_text, struct diag_list *d)
{
	struct file_change *f = &c->files[c->n_files++];
	int r;

	*f = (struct file_change){.path = rel, .new = new_text};
	r = read_managed(root, rel, &f->old, d);
	return r;
}

/* cur without one occurrence of each of tokens (the arguments an earlier apply added),
 * its words joined by single spaces; cur itself when there are no tokens. */
static int strip_tokens(const char *cur, char *const *tokens, char **ret)
{
	_cleanup_strv_free_ char **w = NULL;
	_cleanup_free_ char *flat = strdup(cur);
	struct strbuf b = {0};
	bool *used;
	int r = 0;

	if (!flat)
		return -ENOMEM;
	if (!tokens || !tokens[0]) {
		*ret = flat;
		flat = NULL;
		return 0;
	}
	for (char *p = flat; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (strv_split_ws(flat, &w) < 0)
		return -ENOMEM;
	used = calloc(strv_length(tokens) + 1, sizeof(*used));
	if (!used)
		return -ENOMEM;
	{
		/* apply appended its tokens (before a bare "--"): the occurrence to drop
		 * is the last one, or a value the user repeated earlier would be the one
		 * removed and the effective value would flip. */
		size_t n = strv_length(w);
		bool *drop = calloc(n + 1, sizeof(*drop));

		if (!drop) {
			free(used);
			return -ENOMEM;
		}
		for (size_t i = n; i-- > 0;)
			for (size_t k = 0; !drop[i] && tokens[k]; k++)
				if (!used[k] && streq(w[i], tokens[k]))
					drop[i] = used[k] = true;
		for (size_t i = 0; r == 0 && i < n; i++)
			if (!drop[i])
				r = strbuf_printf(&b, "%s%s", b.len ? " " : "", w[i]);
		free(drop);
	}
	free(used);
	if (r == 0)
		r = strbuf_putc(&b, '\n');
	if (r < 0) {
		strbuf_done(&b);
		return r;
	}
	*ret = strbuf_steal(&b);
	return 0;
}

/* Copies the findings of from into d, errors as warnings (they concern a re-plan that
 * decides nothing). 0 or -ENOMEM. */
static int add_as_warnings(struct diag_list *d, const struct diag_list *from)
{
	for (size_t i = 0; i < from->n; i++) {
		int r = diag_add(d, DIAG_WARNING, from->items[i].file,
				 from->items[i].line, "%s", from->items[i].message);

		if (r < 0)
			return r;
	}
	return 0;
}

/* Why re-planning now differs from the recorded plan, as far as the recorded inputs
 * tell: the RAM, the kernel restriction, or else the profile or kernels. */
static int replan_cause(const struct state *st, const struct machine_facts *m,
			const struct options *o, struct strbuf *b)
{
	int r = 0;

	if (st->has_memory && m->mem_known && st->memory != m->mem_total) {
		char then[32], now[32];

		format_gib(st->memory, then);
		format_gib(m->mem_total, now);
		r = strbuf_printf(b, "RAM changed since apply (planned for %s, now %s%s)",
				  then, now, m->mem_from_option ? " with --memory" : "");
	}
	if (r == 0 && !streq_ptr(st->kernel, o->kernel))
		r = strbuf_printf(b, "%sapply planned for %s%s%s, now for %s%s%s",
				  b->len ? "; " : "",
				  st->kernel ? "kernel " : "every installed kernel",
				  st->kernel ? st->kernel : "", st->kernel ? " only" : "",
				  o->kernel ? "kernel " : "every installed kernel",
				  o->kernel ? o->kernel : "", o->kernel ? " only" : "");
	if (r == 0 && !b->len)
		r = strbuf_puts(
			b, "the profile or the installed kernels changed since apply");
	return r;
}

/* COMPARE_APPLIED with a state that records its settings: the rows compare with what
 * apply wrote, and the profile is planned again only to say whether that would now give
 * something else (c->replan, c->notes). Works without the profile. */
static int plan_recorded(struct sysroot *root, const struct options *o,
			 struct compared *c, struct diag_list *d)
{
	const struct state *st = c->state;
	struct plan_options po = {.force = o->force};
	struct diag_list pd = {0};
	struct strbuf note = {0}, chg = {0};
	_cleanup_strv_free_ char **mods = NULL;
	int r, lr, pr = -1;

	c->name = st->profile;
	c->wanted = st->applied;
	c->replan = -1;
	lr = load_profile(root, st->profile, &c->planned.profile, &pd);
	r = lr == -ENOMEM ? lr : 0;
	if (r == 0 && lr == 0)
		r = profile_modules(c->planned.profile, &mods);
	for (size_t i = 0; r == 0 && i < st->applied->n_settings; i++) {
		const char *m = st->applied->settings[i].module;

		if (m && !strv_contains(mods, m))
			r = strv_push(&mods, m);
	}
	if (r == 0)
		r = machine_facts_read(root, o->memory, o->kernel, mods,
				       &c->planned.facts, d);
	if (r == 0)
		r = check_memory(o, c->planned.facts, false, d);
	if (r < 0)
		goto out;
	if (lr < 0) {
		_cleanup_free_ char *f = NULL, *buf = NULL;
		struct diag_list quiet = {0};
		size_t len = 0;
		bool gone = profiledir_load(root, st->profile, &f, &buf, &len, &quiet) ==
			    -ENOENT;

		diag_list_done(&quiet);
		if (!gone) {
			c->file = c->file_owned = f;
			f = NULL;
			r = add_as_warnings(d, &pd);
		}
		if (r == 0)
			r = strbuf_printf(
				&note,
				"profile %s %s: compared with the settings recorded at apply, which cannot be planned again ('amdgpu-tune remove' takes them away)",
				st->profile,
				gone ? "is no longer installed (its file is gone)"
				     : "no longer loads (see the warnings)");
		goto out;
	}
	c->file = c->planned.profile->file;
	pr = plan_build(c->planned.profile, c->planned.facts, &po, &c->planned.plan, &pd);
	if (pr == -ENOMEM) {
		r = pr;
		goto out;
	}
	r = add_as_warnings(d, &pd);
	if (r == 0 && pr < 0) {
		r = strbuf_printf(
			&note,
			"re-planning %s now is refused (see the warnings): compared with the settings recorded at apply",
			st->profile);
	} else if (r == 0) {
		int n = plan_describe_changes(st->applied, c->planned.plan, &chg);

		r = n < 0 ? n : 0;
		c->replan = n > 0;
		if (n > 0)
			r = replan_cause(st, c->planned.facts, o, &note);
		if (r == 0 && n > 0)
			r = strbuf_printf(
				&note,
				": re-planning now would %s; 'amdgpu-tune apply %s%s%s%s%s' updates it",
				chg.s, st->profile, o->memory_arg ? " --memory " : "",
				o->memory_arg ? o->memory_arg : "",
				o->kernel ? " --kernel " : "",
				o->kernel ? o->kernel : "");
	}
out:
	if (r == 0 && note.len)
		r = strv_consume(&c->notes, strbuf_steal(&note));
	strbuf_done(&note);
	strbuf_done(&chg);
	diag_list_done(&pd);
	return r;
}

/* Plans name (or, COMPARE_APPLIED with a recorded state, takes what apply wrote), reads
 * the boot configuration now and as it would be after apply, and compares them layer
 * by layer. */
static int compare(struct sysroot *root, const struct options *o, const char *name,
		   enum compare_mode mode, struct compared *c, struct diag_list *d)
{
	_cleanup_strv_free_ char **versions = NULL;
	struct file_override ov[4] = {{0}};
	struct sysfs_value *fs = NULL;
	char *grub = NULL, *mod = NULL, *kcmd = NULL;
	size_t n_ov = 0;
	bool sys = sysroot_exists(root, "sys/module");
	const struct plan *pl;
	int r;

	r = state_read(root, &c->state, d);
	if (r < 0)
		return r == -EBADMSG ? -EINVAL : r;
	c->replan = -1;
	if (mode == COMPARE_APPLIED && c->state && c->state->applied) {
		r = plan_recorded(root, o, c, d);
		diag_sort(d);
	} else {
		/* A state of an older amdgpu-tune does not record the settings: the
		 * profile as planned now stands for them. */
		r = make_plan(root, o, name, mode == COMPARE_APPLY, &c->planned, d);
		if (r == 0) {
			c->name = c->planned.profile->name;
			c->file = c->planned.profile->file;
			c->wanted = c->planned.plan;
		}
	}
	if (r < 0)
		return r;
	if (sysroot_exists(root, TXN_JOURNAL)) {
		r = diag_add(
			d, DIAG_WARNING, TXN_JOURNAL, 0,
			"an earlier apply, rollback or remove was interrupted; the next one undoes it first");
		if (r < 0)
			return r;
	}
	pl = c->wanted;
	for (size_t i = 0; i < c->planned.facts->n_kernels; i++)
		if (strv_push(&versions, c->planned.facts->kernels[i].version) < 0)
			return -ENOMEM;
	r = boot_facts_read(root, versions, NULL, NULL, &c->now, d);
	if (r < 0)
		return r;
	r = fragment_modprobe(c->name, pl, &mod);
	if (r == 0 && (c->now->loader == BOOT_DEBIAN_GRUB))
		r = fragment_grub(c->name, pl, &grub);
	if (r == 0 && c->now->loader == BOOT_SYSTEMD_BOOT) {
		_cleanup_free_ char *cur = NULL;

		r = read_managed(root, "etc/kernel/cmdline", &cur, d);
		if (r == 0)
			r = strip_tokens(cur ? cur : "",
					 c->state ? c->state->tokens : NULL,
					 &c->kcmd_base);
		if (r == 0)
			r = fragment_kernel_cmdline(c->kcmd_base, pl, &kcmd);
	}
	if (r < 0) {
		free(grub);
		free(mod);
		free(kcmd);
		return r == -EINVAL ? diag_add(d, DIAG_ERROR, NULL, 0,
					       "a value cannot be written safely")
					      ?: -EINVAL
				    : r;
	}
	/* The managed files, in the order apply writes them. */
	if (c->now->loader == BOOT_DEBIAN_GRUB) {
		ov[n_ov++] = (struct file_override){FRAGMENT_GRUB, grub};
		r = add_file(root, c, FRAGMENT_GRUB, grub, d);
	} else {
		/* Not (or no longer) a GRUB that reads grub.d: a drop-in of ours there is
		 * stale, and a boot loader misread must not leave one behind. */
		free(grub);
		ov[n_ov++] = (struct file_override){FRAGMENT_GRUB, NULL};
		r = add_file(root, c, FRAGMENT_GRUB, NULL, d);
		if (r == 0 && c->now->loader == BOOT_SYSTEMD_BOOT) {
			ov[n_ov++] = (struct file_override){"etc/kernel/cmdline", kcmd};
			r = add_file(root, c, "etc/kernel/cmdline", kcmd, d);
			kcmd = NULL;
		}
	}
	free(kcmd);
	ov[n_ov++] = (struct file_override){FRAGMENT_MODPROBE, mod};
	if (r == 0)
		r = add_file(root, c, FRAGMENT_MODPROBE, mod, d);
	else
		free(mod);
	if (r < 0)
		return r;
	{
		/* What reading the files as apply leaves them finds again is already in
		 * d. */
		struct diag_list again = {0};

		r = boot_facts_read(root, versions, ov, c->now, &c->after, &again);
		diag_list_done(&again);
	}
	if (r < 0)
		return r;
	fs = calloc(pl->n_settings + 1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < pl->n_settings; i++) {
		const struct setting *s = &pl->settings[i];

		fs[i].known = sys && s->module;
		if (s->module && sys) {
			int k = boot_running_param(root, s->module, s->param,
						   &fs[i].value);

			if (k == -ENOMEM)
				r = k;
			else if (k < 0 && k != -ENOENT)
				fs[i].known = false;
		}
	}
	if (r == 0)
		r = layers_compute(pl, c->planned.facts, c->now, c->after, fs, &c->layers,
				   d);
	if (r == 0)
		r = layers_lint(c->planned.facts, c->now, c->after,
				c->planned.plan ? c->planned.plan->targets : NULL, d);
	for (size_t i = 0; i < pl->n_settings; i++)
		free(fs[i].value);
	free(fs);
	diag_sort(d);
	return r;
}

/* The profile recorded by the last apply, or NULL (and a message) when none. */
static int applied_profile(struct sysroot *root, char **ret, struct diag_list *d)
{
	struct state *st = NULL;
	int r = state_read(root, &st, d);

	*ret = NULL;
	if (r < 0)
		return r;
	if (st) {
		*ret = strdup(st->profile);
		state_free(st);
		if (!*ret)
			return -ENOMEM;
	}
	return 0;
}

static int cmd_diff(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	struct compared c = {0};
	struct diag_list d = {0};
	struct strbuf out = {0};
	_cleanup_free_ char *applied = NULL;
	int r, code = EXIT_OK;

	if (argc > 1)
		return usage_error("diff takes at most one profile");
	if (argc == 0) {
		r = applied_profile(root, &applied, &d);
		if (r < 0) {
			print_diags(&d, o);
			diag_list_done(&d);
			return exit_for(r == -EBADMSG ? -EINVAL : r);
		}
		if (!applied) {
			if (o->json)
				json_print(
					"{\"profile\":null,\"settings\":[],\"files\":[],"
					"\"warnings\":[],\"errors\":[]}\n");
			else
				printf("No profile applied (no %s): the next boot changes nothing "
				       "amdgpu-tune manages.\nName one to compare, e.g. '%s diff "
				       "strix-halo'.\n",
				       STATE_FILE, program);
			diag_list_done(&d);
			return EXIT_OK;
		}
	}
	r = compare(root, o, applied ? applied : argv[0],
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
	if (out.s && (r == 0 || o->json))
		print_out(o, out.s);
	strbuf_done(&out);
	compared_done(&c);
	diag_list_done(&d);
	return r < 0 ? exit_for(r) : code;
}

/* mem_info_gtt_total of the first AMD card that shows it: the GTT size the driver
 * chose, in bytes. */
static uint64_t gtt_total(struct sysroot *root, char card[static 128])
{
	for (int i = 0; i < 16; i++) {
		char rel[128];
		_cleanup_free_ char *buf = NULL;
		size_t len;
		uint64_t v;

		snprintf(rel, sizeof(rel),
			 "sys/class/drm/card%d/device/mem_info_gtt_total", i);
		if (sysroot_read_file(root, rel, 64, false, &buf, &len) < 0)
			continue;
		if (len && buf[len - 1] == '\n')
			buf[len - 1] = '\0';
		if (buf[0] >= '0' && buf[0] <= '9' && kparam_parse_u64(buf, &v) == 0 &&
		    v) {
			snprintf(card, 128, "%s", rel);
			return v;
		}
	}
	return 0;
}

/* What this boot's kernel log says about the applied settings: a saved log given with
 * --kernel-log, else (live system only) /dev/kmsg or the journal (klog_read_this_boot()).
 * Findings are warnings in d, confirmations notes. 0 or -ENOMEM. */
#define KERNEL_LOG_MAX (16u << 20)
static int status_kernel_log(const struct sysroot *root, const struct options *o,
			     struct compared *c, uint64_t gtt, const char *card,
			     struct diag_list *d)
{
	_cleanup_free_ char *text = NULL;
	const char *name = o->kernel_log;
	size_t len = 0;
	int r;

	/* The GTT the driver reports against the size the profile planned, once the
	 * limit is in effect (pending or drifted rows say why it differs already). */
	const struct setting *limit = NULL;

	for (size_t i = 0; c->layers && i < c->layers->n_rows && !limit; i++) {
		const struct setting *s = c->layers->rows[i].setting;

		if (s->is_size && s->param && streq(s->param, "pages_limit") &&
		    c->layers->rows[i].status == ROW_OK && c->layers->rows[i].running.set)
			limit = s;
	}
	if (limit && gtt) {
		uint64_t diff =
			gtt > limit->bytes ? gtt - limit->bytes : limit->bytes - gtt;
		char want[32], got[32];

		format_gib(limit->bytes, want);
		format_gib(gtt, got);
		if (diff >= (UINT64_C(1) << 20) &&
		    diag_add(
			    d, DIAG_WARNING, card, 0,
			    "the driver reports %s of GTT, not the %s the applied profile "
			    "planned (%s)",
			    got, want, limit->name) < 0)
			return -ENOMEM;
	}
	/* On an APU, what KFD tells ROCm the GPU has: the TTM limit from 6.10. */
	bool apu = false;
	char release[128], node[128];
	unsigned v[3];
	uint64_t kfd;

	for (size_t i = 0; c->wanted && c->wanted->targets && c->wanted->targets[i]; i++)
		apu = apu || gpu_gfx_is_apu(c->wanted->targets[i]);
	if (limit && apu && running_release(root, release) &&
	    kernel_version_parse(release, v) == 0 && kf_kfd_reports_ttm_limit_on_apu(v) &&
	    kfd_gpu_memory(root, &kfd, node) == 0) {
		uint64_t diff =
			kfd > limit->bytes ? kfd - limit->bytes : limit->bytes - kfd;
		char want[32], got[32], note[256];

		format_gib(limit->bytes, want);
		format_gib(kfd, got);
		if (diff >= (UINT64_C(1) << 20)) {
			if (diag_add(
				    d, DIAG_WARNING, node, 0,
				    "KFD reports %s of GPU memory to ROCm, not the %s the "
				    "applied profile planned (%s): on %s KFD reports the TTM "
				    "limit on an APU",
				    got, want, limit->name, release) < 0)
				return -ENOMEM;
		} else {
			snprintf(note, sizeof(note),
				 "KFD reports %s of GPU memory to ROCm (%s), as planned",
				 got, node);
			if (strv_push(&c->notes, note) < 0)
				return -ENOMEM;
		}
	}
	if (o->kernel_log) {
		r = read_host_file(o->kernel_log, KERNEL_LOG_MAX, &text, &len);
		if (r < 0)
			return diag_add(d, DIAG_WARNING, o->kernel_log, 0,
					"kernel log not read: %s", read_error_text(-r));
	} else if (sysroot_is_live(root)) {
		/* journalctl at its Debian (usrmerge) path or the unmerged one. */
		const char *jc =
			access("/usr/bin/journalctl", X_OK) == 0 ? "/usr/bin/journalctl"
			: access("/bin/journalctl", X_OK) == 0	 ? "/bin/journalctl"
								 : NULL;
		_cleanup_free_ char *note = NULL;

		r = klog_read_this_boot(o->kmsg_fd, o->kmsg_errno, jc, KERNEL_LOG_MAX,
					&text, &len, &name, &note);
		if (r < 0)
			return r;
		if (note && !text) {
			char *n = NULL;

			if (asprintf(
				    &n,
				    "kernel log not read (%s); 'journalctl -k -b > FILE' and "
				    "--kernel-log FILE check a saved one",
				    note) < 0)
				return -ENOMEM;
			free(note);
			note = n;
		}
		if (note && strv_push(&c->notes, note) < 0)
			return -ENOMEM;
		if (!text)
			return 0;
	} else {
		return 0;
	}
	return klog_check(text, len, name, c->layers, &c->notes, d);
}

static int cmd_status(struct sysroot *root, const struct options *o, int argc,
		      char **argv)
{
	struct compared c = {0};
	struct diag_list d = {0};
	struct strbuf out = {0};
	_cleanup_free_ char *applied = NULL;
	char card[128] = "";
	uint64_t gtt;
	int r, code = EXIT_OK;

	if (argc != 0)
		return usage_error("status takes no arguments");
	r = applied_profile(root, &applied, &d);
	if (r < 0) {
		print_diags(&d, o);
		diag_list_done(&d);
		return exit_for(r == -EBADMSG ? -EINVAL : r);
	}
	gtt = gtt_total(root, card);
	if (!applied) {
		if (o->json) {
			render_status_json(&out, NULL, NULL, gtt, card, NULL, &d);
			print_out(o, out.s);
			strbuf_done(&out);
		} else {
			printf("No profile applied (no %s).\n", STATE_FILE);
		}
		diag_list_done(&d);
		return EXIT_OK;
	}
	r = compare(root, o, applied, COMPARE_APPLIED, &c, &d);
	if (r == 0)
		r = status_kernel_log(root, o, &c, gtt, card, &d);
	if (r == 0) {
		code = status_verdict(c.layers) == STATUS_IN_EFFECT ? EXIT_OK
								    : EXIT_DIFFERS;
		if (diag_count(&d, DIAG_ERROR))
			code = EXIT_INVALID;
		struct applied_notes an = {c.notes, c.replan};

		r = o->json ? render_status_json(&out, c.name, c.layers, gtt, card, &an,
						 &d)
			    : render_status_text(&out, c.name, c.file, c.layers, gtt,
						 card, &an);
	}
	print_diags(&d, o);
	if (r == 0)
		print_out(o, out.s);
	strbuf_done(&out);
	compared_done(&c);
	diag_list_done(&d);
	return r < 0 ? exit_for(r) : code;
}

/* ---- Changing the configuration: apply, rollback, remove ---- */

static bool run_commands(const struct sysroot *root, const struct options *o)
{
	return !o->no_update && (sysroot_is_live(root) || o->update);
}

static unsigned lock_timeout(void)
{
	const char *e = secure_getenv("AMDGPU_TUNE_LOCK_TIMEOUT");
	uint64_t v;

	if (e && *e >= '0' && *e <= '9' && kparam_parse_u64(e, &v) == 0 && v <= 3600)
		return (unsigned)v;
	return 120;
}

/* What every command that writes does first: the privilege check, the lock, and
 * undoing an interrupted run. 0, or the exit code to stop with. */
static int begin_change(struct sysroot *root, const struct options *o, const char *verb,
			int *lock_fd, struct diag_list *d)
{
	const char *missing = NULL;
	unsigned undone = 0;
	int r;

	if (privs_check_write(root, !sysroot_is_live(root) && run_commands(root, o),
			      &missing) < 0) {
		fprintf(stderr, "%s: %s needs root privileges (%s); use sudo\n", program,
			verb, missing);
		return EXIT_PRIVILEGE;
	}
	profiledir_strict = privs_elevated();
	if (run_commands(root, o) && regen_root_trusted(root, o->force, d) < 0)
		return EXIT_INVALID;
	r = txn_lock(root, lock_timeout(), lock_fd, d);
	if (r < 0)
		return r == -ENOMEM || r == -EBADMSG ? exit_for(r) : EXIT_FAILED;
	txn_remove_stale(root);
	r = txn_recover(root, run_commands(root, o), &undone, d);
	if (undone)
		fprintf(stderr,
			"%s: an interrupted run was undone: snapshot %u is restored\n",
			program, undone);
	if (r == TXN_UNRECOVERED)
		return EXIT_UNRECOVERED;
	if (r < 0)
		return r == -ENOMEM || r == -EBADMSG ? exit_for(r) : EXIT_FAILED;
	return 0;
}

/* The boot loader, for rollback and remove (apply has it from compare()). */
static int current_loader(struct sysroot *root, enum bootloader *ret)
{
	struct boot_facts *bf = NULL;
	struct diag_list quiet = {0};
	int r = boot_facts_read(root, NULL, NULL, NULL, &bf, &quiet);

	if (r == 0)
		*ret = bf->loader;
	boot_facts_free(bf);
	diag_list_done(&quiet);
	return r;
}

/* A managed fragment that differs from what the last apply recorded was edited by
 * hand: it is not replaced or removed without --force. */
static int check_hand_edit(const struct options *o, const struct state *st,
			   const char *path, const char *old, const char *new,
			   struct diag_list *d)
{
	const char *want;
	char sha[65];

	if (!old || streq_ptr(old, new))
		return 0;
	if (!streq(path, FRAGMENT_GRUB) && !streq(path, FRAGMENT_MODPROBE))
		return 0;
	want = state_sha_of(st, path);
	sha256_hex(old, strlen(old), sha);
	if (want && streq(want, sha))
		return 0;
	if (o->force)
		return diag_add(
			d, DIAG_WARNING, path, 0,
			"replacing a file edited by hand (--force); the snapshot keeps it");
	return diag_add(
		       d, DIAG_ERROR, path, 0,
		       "%s since amdgpu-tune wrote it; 'amdgpu-tune diff' shows it, --force replaces it (a snapshot keeps a copy)",
		       want ? "edited by hand"
			    : "not written by amdgpu-tune, or its record is lost,")
		       ?: -EINVAL;
}

/* The tail shared by apply, rollback and remove: keeps the files of t that differ from
 * the disk, plans the regeneration, then prints (dry run) or commits. fc[i] describes
 * t->files[i] for the report; the headline after a change is done_pre, the snapshot's
 * id, done_post. Returns the exit code. */
static int run_change(struct sysroot *root, const struct options *o, struct txn *t,
		      struct file_change *fc, const char *profile_after,
		      const char *nothing, const char *done_pre, const char *done_post,
		      struct diag_list *d)
{
	struct file_change shown[8];
	_cleanup_strv_free_ char **cmds = NULL;
	struct change_report rep = {.operation = t->operation,
				    .profile = profile_after,
				    .dry_run = o->dry_run,
				    .files = shown,
				    .chroot = sysroot_is_live(root) ? NULL : root->path};
	struct strbuf out = {0}, head = {0};
	bool cmdline = false, modprobe = false;
	size_t n = 0;
	int r = 0, code = EXIT_OK;

	for (size_t i = 0; r == 0 && i < t->n_files; i++) {
		bool differs;

		r = txn_file_differs(root, &t->files[i], &differs);
		if (r < 0) {
			r = diag_add(d, DIAG_ERROR, t->files[i].path, 0,
				     "cannot read: %s", read_error_text(-r))
				    ?: -EIO;
			break;
		}
		if (!differs)
			continue;
		cmdline |= txn_path_is_cmdline(t->files[i].path);
		modprobe |= txn_path_is_modprobe(t->files[i].path);
		t->files[n] = t->files[i];
		shown[n++] = fc[i];
	}
	t->n_files = n;
	rep.n_files = n;
	t->run = run_commands(root, o) && !o->dry_run;
	if (r == 0 && n)
		r = regen_plan(root, t->loader, cmdline, modprobe, t->cmds, &t->n_cmds,
			       t->run, d);
	for (size_t i = 0; r == 0 && i < t->n_cmds; i++)
		r = strv_consume(&cmds, regen_format(&t->cmds[i]));
	rep.commands = cmds;
	if (r < 0) {
		print_diags(d, o);
		return r == -ENOMEM ? exit_for(r) : EXIT_FAILED;
	}
	if (n == 0) {
		rep.headline = nothing;
	} else if (o->dry_run) {
		rep.headline = "Dry run: nothing is written. The changes:";
	} else {
		long busy = t->run && t->n_cmds ? regen_dpkg_busy(root) : 0;

		if (busy) {
			diag_add(
				d, DIAG_ERROR, "var/lib/dpkg/lock", 0,
				"a package manager is running (PID %ld); run this again when it has finished",
				busy);
			code = EXIT_FAILED;
		} else {
			r = txn_commit(root, t, d);
			code = r == 0		      ? EXIT_OK
			       : r == TXN_UNRECOVERED ? EXIT_UNRECOVERED
			       : r == -ENOMEM	      ? exit_for(r)
						      : EXIT_FAILED;
		}
		rep.snapshot = t->snapshot;
		rep.ran = t->run;
		strbuf_printf(&head, "%s%u%s", done_pre, t->snapshot, done_post);
		rep.headline = head.s;
	}
	print_diags(d, o);
	if (code == EXIT_OK || o->json) {
		if (o->json)
			render_change_json(&out, &rep, d);
		else
			render_change_text(&out, &rep);
		if (out.s)
			print_out(o, out.s);
	}
	strbuf_done(&out);
	strbuf_done(&head);
	return code;
}

static int cmd_apply(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	struct compared c = {0};
	struct diag_list d = {0};
	struct txn_file files[4];
	struct file_change fc[4];
	struct state next = {0};
	struct state_file recorded[3];
	_cleanup_free_ char *state_text = NULL, *state_old = NULL, *nothing = NULL,
			    *done = NULL;
	_cleanup_strv_free_ char **tokens = NULL;
	struct txn t = {.operation = "apply"};
	char sums[3][65];
	int lock = -1, r, code = EXIT_OK;
	size_t n = 0;

	if (argc != 1)
		return usage_error("apply takes one profile name");
	if (looks_like_path(argv[0]))
		return usage_error(
			"apply takes a profile name, not a file; install the file as /%s/NAME.conf",
			PROFILEDIR_ETC);
	if (!o->dry_run) {
		code = begin_change(root, o, "apply", &lock, &d);
		if (code)
			goto out;
	}
	r = compare(root, o, argv[0], COMPARE_APPLY, &c, &d);
	if (r < 0 || diag_count(&d, DIAG_ERROR)) {
		code = r < 0 ? exit_for(r) : EXIT_INVALID;
		goto out;
	}
	t.loader = c.now->loader;
	t.profile_before = c.state ? c.state->profile : NULL;
	/* Command-line settings need a boot loader we can write to, unless the next boot
	 * already has them. */
	if (c.now->loader != BOOT_DEBIAN_GRUB && c.now->loader != BOOT_SYSTEMD_BOOT) {
		struct strbuf args = {0};

		for (size_t i = 0; i < c.layers->n_rows; i++) {
			const struct setting *st = c.layers->rows[i].setting;

			if (st->where == WHERE_CMDLINE &&
			    (c.layers->rows[i].status == ROW_CHANGE ||
			     c.layers->rows[i].status == ROW_UNKNOWN)) {
				_cleanup_free_ char *a = NULL;

				if (cmdline_arg_format(st->name, st->value, &a) == 0)
					strbuf_printf(&args, "%s%s", args.len ? " " : "",
						      a);
			}
		}
		if (args.len) {
			diag_add(
				&d, DIAG_ERROR, NULL, 0,
				"amdgpu-tune cannot change the kernel command line of this boot loader (%s); add '%s' to it by hand (for GRUB: GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then update-grub), then apply again",
				bootloader_name(c.now->loader), args.s);
			strbuf_done(&args);
			code = EXIT_FAILED;
			goto out;
		}
	}
	/* A command line over the kernel's limit loses its last arguments: ours. */
	if (layers_cmdline_too_long(c.after)) {
		r = diag_add(
			&d, o->force ? DIAG_WARNING : DIAG_ERROR, NULL, 0,
			"%sthe kernel command line would be about %zu bytes, over the "
			"kernel's 2048, and its last arguments would be lost%s",
			o->force ? "--force: " : "not applied: ",
			layers_cmdline_bytes(c.after),
			o->force ? "" : "; shorten it, or --force");
		if (r < 0)
			goto fail;
		if (!o->force) {
			code = EXIT_INVALID;
			goto out;
		}
	}
	/* A next-boot command line the GRUB reader could not compute: a command-line
	 * setting could not be verified after apply, a module option could still be
	 * overridden from the command line. */
	if (c.now->grub && !c.now->next_known && c.now->grub->understood) {
		bool cmdline = false;

		for (size_t i = 0; i < c.layers->n_rows; i++)
			cmdline |= c.layers->rows[i].setting->where == WHERE_CMDLINE;
		if (cmdline && !o->force)
			r = diag_add(
				&d, DIAG_ERROR, NULL, 0,
				"not applied: the profile sets kernel parameters and the "
				"next boot's command line is not known (%s); simplify that "
				"line, or --force to write the drop-in anyway",
				c.now->next_why ? c.now->next_why : "?");
		else
			r = diag_add(
				&d, DIAG_WARNING, NULL, 0,
				"the next boot's command line is not known (%s): it was "
				"not checked for settings that override the profile's",
				c.now->next_why ? c.now->next_why : "?");
		if (r < 0)
			goto fail;
		if (cmdline && !o->force) {
			code = EXIT_INVALID;
			goto out;
		}
	}
	next.profile = c.planned.profile->name;
	next.files = recorded;
	/* The settings written and what they were planned from, so that status compares
	 * with them and can tell why a new plan would differ. */
	next.applied = c.planned.plan;
	next.has_memory = c.planned.facts->mem_known;
	next.memory = c.planned.facts->mem_total;
	next.kernel = (char *)o->kernel;
	for (size_t i = 0; i < c.n_files; i++) {
		const struct file_change *f = &c.files[i];
		struct stat st;
		mode_t mode = 0644;

		r = check_hand_edit(o, c.state, f->path, f->old, f->new, &d);
		if (r < 0)
			goto fail;
		if (streq(f->path, "etc/kernel/cmdline")) {
			_cleanup_strv_free_ char **base = NULL, **all = NULL;

			if (sysroot_stat(root, f->path, &st) == 0)
				mode = st.st_mode & 07777;
			if (strv_split_ws(c.kcmd_base, &base) < 0 ||
			    strv_split_ws(f->new, &all) < 0) {
				r = -ENOMEM;
				goto fail;
			}
			/* Our tokens: what the new line has that the old one had not
			 * (apply inserts them before a bare "--", not only at the end).
			 */
			for (size_t j = 0; base && base[j]; j++)
				base[j][strcspn(base[j], "\n")] = '\0';
			for (size_t k = 0; all && all[k]; k++) {
				char *tok = all[k];
				size_t in_all = 0, in_base = 0, seen = 0;

				tok[strcspn(tok, "\n")] = '\0';
				for (size_t j = 0; all[j]; j++)
					in_all += streq(all[j], tok);
				for (size_t j = 0; base && base[j]; j++)
					in_base += streq(base[j], tok);
				for (size_t j = 0; tokens && tokens[j]; j++)
					seen += streq(tokens[j], tok);
				if (*tok && in_all > in_base + seen &&
				    state_token_is_safe(tok) &&
				    strv_push(&tokens, tok) < 0) {
					r = -ENOMEM;
					goto fail;
				}
			}
		} else if (f->new) {
			size_t k = next.n_files++;

			sha256_hex(f->new, strlen(f->new), sums[k]);
			recorded[k] = (struct state_file){(char *)f->path, sums[k]};
		}
		files[n] = (struct txn_file){.path = f->path,
					     .present = f->new != NULL,
					     .data = f->new,
					     .len = f->new ? strlen(f->new) : 0,
					     .mode = mode};
		fc[n++] = *f;
	}
	if (diag_count(&d, DIAG_ERROR)) {
		code = EXIT_INVALID;
		goto out;
	}
	next.tokens = tokens;
	r = state_format(&next, &state_text);
	if (r == 0)
		r = read_managed(root, STATE_FILE, &state_old, &d);
	if (r < 0)
		goto fail;
	files[n] = (struct txn_file){.path = STATE_FILE,
				     .present = true,
				     .data = state_text,
				     .len = strlen(state_text),
				     .mode = 0644};
	fc[n++] = (struct file_change){STATE_FILE, state_old, state_text};
	t.files = files;
	t.n_files = n;
	if (asprintf(&nothing,
		     "%s is already applied: nothing written, nothing regenerated.",
		     next.profile) < 0 ||
	    asprintf(&done, "Applied %s (snapshot ", next.profile) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	code = run_change(
		root, o, &t, fc, next.profile, nothing, done,
		" keeps the previous files; 'amdgpu-tune rollback' restores them):", &d);
	diag_list_done(&d);
	compared_done(&c);
	if (lock >= 0)
		close(lock);
	return code;
fail:
	code = exit_for(r);
out:
	print_diags(&d, o);
	diag_list_done(&d);
	compared_done(&c);
	if (lock >= 0)
		close(lock);
	return code;
}

/* The newest snapshot of an apply or remove that no later rollback undid. */
static unsigned last_undoable(struct snapshot *const *l, size_t n)
{
	for (size_t i = n; i > 0; i--) {
		bool undone = false;

		/* A failed (undone) operation changed nothing to roll back, and a
		 * failed rollback undid nothing. */
		if (streq(l[i - 1]->operation, "rollback") || l[i - 1]->undone)
			continue;
		for (size_t k = i; k < n; k++)
			undone |= !l[k]->undone && l[k]->undoes == l[i - 1]->id;
		if (!undone)
			return l[i - 1]->id;
	}
	return 0;
}

/* The current state's profile (for the snapshot), NULL when none or unreadable. */
static char *profile_now(struct sysroot *root)
{
	struct diag_list quiet = {0};
	struct state *st = NULL;
	char *p = NULL;

	if (state_read(root, &st, &quiet) == 0 && st)
		p = strdup(st->profile);
	state_free(st);
	diag_list_done(&quiet);
	return p;
}

static int cmd_rollback(struct sysroot *root, const struct options *o, int argc,
			char **argv)
{
	struct diag_list d = {0};
	struct snapshot **l = NULL, *s = NULL;
	struct txn_file files[8];
	struct file_change fc[8];
	char *old[8] = {0};
	_cleanup_free_ char *before = NULL, *after = NULL, *done = NULL, *nothing = NULL;
	struct txn t = {.operation = "rollback"};
	bool has_state = false;
	size_t n = 0;
	unsigned id = 0;
	int lock = -1, r, code = EXIT_OK;

	if (argc > 1)
		return usage_error("rollback takes at most one snapshot id");
	if (argc == 1) {
		uint64_t v;

		if (argv[0][0] < '1' || argv[0][0] > '9' ||
		    kparam_parse_u64(argv[0], &v) < 0 || v > 999999999) {
			_cleanup_free_ char *e = escape_untrusted(argv[0]);

			return usage_error(
				"'%s' is not a snapshot id; 'amdgpu-tune snapshots' lists them",
				e ? e : "?");
		}
		id = (unsigned)v;
	}
	if (!o->dry_run) {
		code = begin_change(root, o, "rollback", &lock, &d);
		if (code)
			goto out;
	}
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
	if (s->n_files > ELEMENTSOF(files)) {
		diag_add(&d, DIAG_ERROR, NULL, 0, "snapshot %u lists too many files", id);
		code = EXIT_FAILED;
		goto out;
	}
	for (size_t i = 0; i < s->n_files; i++) {
		const struct snap_file *f = &s->files[i];

		r = read_managed(root, f->path, &old[i], &d);
		if (r < 0) {
			code = exit_for(r);
			goto out;
		}
		files[i] = (struct txn_file){.path = f->path,
					     .present = f->present,
					     .data = f->data,
					     .len = f->len,
					     .mode = f->mode,
					     .owner = true,
					     .uid = f->uid,
					     .gid = f->gid};
		/* The report shows text; a copy with a NUL byte is restored all the
		 * same. */
		fc[i] = (struct file_change){f->path, old[i],
					     f->present ? f->data : NULL};
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
	code = run_change(root, o, &t, fc, after, nothing, done,
			  " keeps what was there before):", &d);
	snapshot_free(s);
	for (size_t i = 0; i < ELEMENTSOF(old); i++)
		free(old[i]);
	diag_list_done(&d);
	if (lock >= 0)
		close(lock);
	return code;
out:
	print_diags(&d, o);
	snapshot_free(s);
	for (size_t i = 0; i < ELEMENTSOF(old); i++)
		free(old[i]);
	diag_list_done(&d);
	if (lock >= 0)
		close(lock);
	return code;
}

static int cmd_remove(struct sysroot *root, const struct options *o, int argc,
		      char **argv)
{
	static const char *const managed[] = {FRAGMENT_GRUB, FRAGMENT_MODPROBE,
					      "etc/kernel/cmdline", STATE_FILE};
	struct diag_list d = {0};
	struct state *st = NULL;
	struct txn_file files[4];
	struct file_change fc[4];
	char *old[4] = {0}, *kcmd = NULL;
	struct txn t = {.operation = "remove"};
	size_t n = 0;
	int lock = -1, r = 0, code = EXIT_OK;

	(void)argv;
	if (argc != 0)
		return usage_error("remove takes no arguments");
	if (!o->dry_run) {
		code = begin_change(root, o, "remove", &lock, &d);
		if (code)
			goto out;
	}
	r = state_read(root, &st, &d);
	if (r == 0)
		r = current_loader(root, &t.loader);
	for (size_t i = 0; r == 0 && i < ELEMENTSOF(managed); i++) {
		const char *path = managed[i];
		struct stat sst;

		r = read_managed(root, path, &old[i], &d);
		if (r < 0 || !old[i])
			continue;
		if (streq(path, "etc/kernel/cmdline")) {
			/* Only the tokens apply added. */
			if (!st || !st->tokens)
				continue;
			r = strip_tokens(old[i], st->tokens, &kcmd);
			if (r < 0 || sysroot_stat(root, path, &sst) < 0)
				continue;
			files[n] = (struct txn_file){.path = path,
						     .present = true,
						     .data = kcmd,
						     .len = strlen(kcmd),
						     .mode = sst.st_mode & 07777};
			fc[n++] = (struct file_change){path, old[i], kcmd};
			continue;
		}
		r = check_hand_edit(o, st, path, old[i], NULL, &d);
		files[n] = (struct txn_file){.path = path};
		fc[n++] = (struct file_change){path, old[i], NULL};
	}
	if (r < 0 || diag_count(&d, DIAG_ERROR)) {
		code = r < 0 && r != -EINVAL ? exit_for(r == -EBADMSG ? -EINVAL : r)
					     : EXIT_INVALID;
		goto out;
	}
	t.profile_before = st ? st->profile : NULL;
	t.files = files;
	t.n_files = n;
	code = run_change(root, o, &t, fc, NULL,
			  "Nothing to remove: no amdgpu-tune file is present.",
			  "Removed amdgpu-tune's settings (snapshot ",
			  " keeps them; 'amdgpu-tune rollback' puts them back):", &d);
	diag_list_done(&d);
	goto done;
out:
	print_diags(&d, o);
	diag_list_done(&d);
done:
	state_free(st);
	free(kcmd);
	for (size_t i = 0; i < ELEMENTSOF(old); i++)
		free(old[i]);
	if (lock >= 0)
		close(lock);
	return code;
}

static int cmd_snapshots(struct sysroot *root, const struct options *o, int argc,
			 char **argv)
{
	struct diag_list d = {0};
	struct snapshot **l = NULL;
	struct strbuf out = {0};
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
	strbuf_done(&out);
	snapshot_list_free(l, n);
	r = r < 0 ? exit_for(r) : diag_count(&d, DIAG_ERROR) ? EXIT_FAILED : EXIT_OK;
	diag_list_done(&d);
	return r;
}

static const struct verb verbs[] = {
	{"detect", cmd_detect, false, VOPT_KERNEL | VOPT_MEMORY, "",
	 "GPUs, memory, NPU, kernels, boot loader, next-boot and\n"
	 "running command line, and the profile that fits"},
	{"profiles", cmd_profiles, false, 0, "",
	 "list profiles with their description and file"},
	{"show", cmd_show, false, VOPT_KERNEL | VOPT_MEMORY | VOPT_FORCE, "[PROFILE]",
	 "the kernel parameters and module options PROFILE means on\n"
	 "this machine, each with its reason; without PROFILE, the\n"
	 "profile that matches this machine's AMD GPU"},
	{"check", cmd_check, false, VOPT_KERNEL | VOPT_MEMORY | VOPT_FORCE,
	 "PROFILE|FILE", "validate a profile (a name, or a path to a .conf file)"},
	{"diff", cmd_diff, false, VOPT_KERNEL | VOPT_MEMORY | VOPT_FORCE, "[PROFILE]",
	 "wanted / next boot / running for every setting, and the\n"
	 "files apply would write; without PROFILE, the applied one"},
	{"status", cmd_status, false,
	 VOPT_KERNEL | VOPT_MEMORY | VOPT_FORCE | VOPT_KERNEL_LOG, "",
	 "applied profile: in effect, pending reboot, drifted or\n"
	 "not known"},
	{"apply", cmd_apply, true, VOPT_KERNEL | VOPT_MEMORY | VOPT_FORCE | VOPT_CHANGE,
	 "PROFILE", "snapshot, write the drop-ins, regenerate the boot files"},
	{"snapshots", cmd_snapshots, false, 0, "", "list rollback snapshots"},
	{"rollback", cmd_rollback, true, VOPT_FORCE | VOPT_CHANGE, "[ID]",
	 "restore a snapshot (default: undo the last apply/remove)"},
	{"remove", cmd_remove, true, VOPT_FORCE | VOPT_CHANGE, "",
	 "take amdgpu-tune's settings away (snapshot first)"},
};
static const size_t n_verbs = ELEMENTSOF(verbs);

static void help(void)
{
	printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n"
	       "\n"
	       "Turns named AMD GPU profiles into the exact kernel parameters and module options\n"
	       "for this machine and its kernels, checked against each kernel's own metadata.\n"
	       "\n"
	       "Commands:\n",
	       program);
	for (size_t i = 0; i < n_verbs; i++) {
		char head[64];
		const char *h = verbs[i].help;

		snprintf(head, sizeof(head), "%s%s%s", verbs[i].name,
			 *verbs[i].args ? " " : "", verbs[i].args);
		/* Two spaces, the command in 20 columns, then its help; a longer command
		 * puts its first help line on the next line. */
		printf("  %-20s%s", head,
		       strlen(head) >= 20 ? "\n                      " : "");
		for (;;) {
			size_t n = strcspn(h, "\n");

			printf("%.*s\n", (int)n, h);
			if (!h[n])
				break;
			h += n + 1;
			printf("                      ");
		}
	}
	printf("\n"
	       "Options:\n"
	       "      --root DIR      operate on the tree at DIR instead of /\n"
	       "      --json          machine-readable output on stdout\n"
	       "      --kernel VER    validate and plan for this kernel only (default: every\n"
	       "                      kernel under lib/modules)\n"
	       "      --memory SIZE   assume this much RAM (e.g. 128GiB) for a root without\n"
	       "                      proc/meminfo; apply refuses another machine's size\n"
	       "      --force         accept what is refused by default (named in the error)\n"
	       "      --dry-run       apply/rollback/remove: show the changes, write nothing\n"
	       "      --no-update     do not run update-grub/update-initramfs; print them\n"
	       "      --update        with --root: run them inside the root (chroot)\n"
	       "      --kernel-log FILE  status: read this saved kernel log (dmesg or\n"
	       "                      'journalctl -k -b' output) instead of /dev/kmsg\n"
	       "  -q, --quiet         do not print warnings\n"
	       "  -v, --verbose       also show the module files each kernel provides\n"
	       "  -h, --help          show this help\n"
	       "  -V, --version       show the version\n"
	       "\n"
	       "Exit status: 0 success, 1 diff/status found a difference, 2 usage error or\n"
	       "invalid input, 3 insufficient privileges, 4 failure (configuration intact),\n"
	       "5 failure that could not be fully undone.\n"
	       "See amdgpu-tune(8) and amdgpu-tune.conf(5).\n");
}

/* The long option a getopt value stands for, as the user typed it. */
static const char *option_name(const struct option *longopts, int val, char buf[static 8])
{
	for (size_t i = 0; longopts[i].name; i++)
		if (longopts[i].val == val)
			return longopts[i].name;
	if (val > ' ' && val < 127)
		snprintf(buf, 8, "%c", val);
	else
		snprintf(buf, 8, "?");
	return NULL;
}

static int run(int argc, char **argv);

int main(int argc, char **argv)
{
	int code = run(argc, argv);

	/* A --json command that ended before printing its document still prints one. */
	if (json_out.on && !json_out.printed) {
		struct strbuf b = {0};
		bool first = true;

		strbuf_putc(&b, '{');
		render_json_close(&b, &first, &json_out.diags);
		if (b.s)
			fputs(b.s, stdout);
		strbuf_done(&b);
	}
	diag_list_done(&json_out.diags);
	return code;
}

static int run(int argc, char **argv)
{
	enum {
		OPT_ROOT = 0x100,
		OPT_JSON,
		OPT_KERNEL,
		OPT_MEMORY,
		OPT_FORCE,
		OPT_DRY_RUN,
		OPT_NO_UPDATE,
		OPT_UPDATE,
		OPT_KERNEL_LOG,
	};
	static const struct option longopts[] = {
		{"root", required_argument, NULL, OPT_ROOT},
		{"json", no_argument, NULL, OPT_JSON},
		{"kernel", required_argument, NULL, OPT_KERNEL},
		{"memory", required_argument, NULL, OPT_MEMORY},
		{"force", no_argument, NULL, OPT_FORCE},
		{"dry-run", no_argument, NULL, OPT_DRY_RUN},
		{"no-update", no_argument, NULL, OPT_NO_UPDATE},
		{"update", no_argument, NULL, OPT_UPDATE},
		{"kernel-log", required_argument, NULL, OPT_KERNEL_LOG},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	struct options o = {.root = "/", .kmsg_fd = -1};
	struct sysroot *root = NULL;
	/* The VOPT_* options given, and the first of each as typed, for "does not apply".
	 */
	unsigned given = 0;
	const char *given_name[5] = {0};
	int c, r;

	/* What we create (state, snapshots, drop-ins) is never group or world writable,
	 * whatever umask the caller (or a package hook) runs with. */
	umask(022);
	opterr = 0;
	/* --json before anything else: a usage error after it is a JSON document too. */
	for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
		json_out.on = json_out.on || streq(argv[i], "--json");
	while ((c = getopt_long(argc, argv, ":qvhV", longopts, NULL)) != -1) {
		static const struct {
			int opt;
			unsigned flag;
			const char *name;
		} scoped[] = {
			{OPT_KERNEL, VOPT_KERNEL, "--kernel"},
			{OPT_MEMORY, VOPT_MEMORY, "--memory"},
			{OPT_FORCE, VOPT_FORCE, "--force"},
			{OPT_DRY_RUN, VOPT_CHANGE, "--dry-run"},
			{OPT_NO_UPDATE, VOPT_CHANGE, "--no-update"},
			{OPT_UPDATE, VOPT_CHANGE, "--update"},
			{OPT_KERNEL_LOG, VOPT_KERNEL_LOG, "--kernel-log"},
		};

		for (size_t k = 0; k < ELEMENTSOF(scoped); k++) {
			if (scoped[k].opt != c || (given & scoped[k].flag))
				continue;
			given |= scoped[k].flag;
			given_name[__builtin_ctz(scoped[k].flag)] = scoped[k].name;
		}
		switch (c) {
		case OPT_ROOT:
			o.root = optarg;
			break;
		case OPT_JSON:
			o.json = true;
			json_out.on = true;
			break;
		case OPT_KERNEL: {
			_cleanup_free_ char *e = escape_untrusted(optarg);

			if (!*optarg || strchr(optarg, '/') || streq(optarg, ".") ||
			    streq(optarg, ".."))
				return usage_error(
					"--kernel: '%s' is not a kernel version",
					e ? e : "?");
			o.kernel = optarg;
			break;
		}
		case OPT_MEMORY: {
			struct size_spec sz = {0};
			const char *hint = NULL;
			bool bad = size_parse(optarg, &sz, &hint) < 0;
			_cleanup_free_ char *e = escape_untrusted(optarg);

			if (bad || sz.percent)
				return usage_error(
					"--memory '%s': %s", e ? e : "?",
					!bad   ? "give an amount, not a percentage"
					: hint ? hint
					       : "out of range");
			o.memory = sz.value;
			o.memory_arg = optarg;
			break;
		}
		case OPT_FORCE:
			o.force = true;
			break;
		case OPT_DRY_RUN:
			o.dry_run = true;
			break;
		case OPT_NO_UPDATE:
			o.no_update = true;
			break;
		case OPT_UPDATE:
			o.update = true;
			break;
		case OPT_KERNEL_LOG:
			o.kernel_log = optarg;
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
		case ':': {
			char buf[8];
			const char *name = option_name(longopts, optopt, buf);

			return usage_error("option '%s%s' needs an argument",
					   name ? "--" : "-", name ? name : buf);
		}
		default: {
			char buf[8];
			_cleanup_free_ char *e = NULL;

			if (optopt) {
				option_name(longopts, optopt, buf);
				return usage_error("invalid option '-%s'", buf);
			}
			e = escape_untrusted(argv[optind - 1]);
			return usage_error("invalid option '%s'", e ? e : "?");
		}
		}
	}
	if (optind >= argc)
		return usage_error("no command given");
	for (size_t i = 0; i < n_verbs; i++) {
		if (!streq(argv[optind], verbs[i].name))
			continue;
		if (o.update && o.no_update)
			return usage_error(
				"--update and --no-update contradict each other");
		if (given & ~verbs[i].options)
			return usage_error(
				"%s does not apply to %s",
				given_name[__builtin_ctz(given & ~verbs[i].options)],
				verbs[i].name);
		/* status reads this boot's kernel log; /dev/kmsg may need CAP_SYSLOG
		 * (kernel.dmesg_restrict), so it is opened before the capabilities go.
		 * Never for a --root tree: that log is the host's. */
		if (streq(verbs[i].name, "status") && !o.kernel_log && *o.root &&
		    strspn(o.root, "/") == strlen(o.root)) {
			o.kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
			o.kmsg_errno = o.kmsg_fd < 0 ? errno : 0;
		}
		/* Commands that only read give up every capability first. */
		if ((!verbs[i].writes || o.dry_run) && privs_drop_all() < 0) {
			fprintf(stderr, "%s: cannot drop capabilities: %m\n", program);
			return EXIT_FAILED;
		}
		/* ... and leave the parameter cache as it is. */
		machine_facts_cache_writes(verbs[i].writes && !o.dry_run);
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
