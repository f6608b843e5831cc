/* amdgpu-tune: the command line. Options, the verb table with each command's help and
 * options, and dispatch live here; the commands are in cmd-*.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "facts.h"
#include "privs.h"
#include "size.h"
#include "sysroot.h"
#include "verbs.h"

/* Which options a command takes, beyond --root, --json, -q and -v (every command's). */
enum {
	VOPT_KERNEL = 1 << 0, /* --kernel */
	VOPT_MEMORY = 1 << 1, /* --memory */
	VOPT_FORCE = 1 << 2,  /* --force */
	VOPT_CHANGE = 1 << 3, /* --dry-run, --update, --no-update, --discard-journal */
	VOPT_KERNEL_LOG = 1 << 4, /* --kernel-log */
	VOPT_AUTO = 1 << 5,	  /* --auto, --strict */
	VOPT_TRIAL = 1 << 6,	  /* --trial */
};

struct verb {
	const char *name;
	int (*run)(struct sysroot *root, const struct options *o, int argc, char **argv);
	bool writes;	  /* changes the configuration (unless --dry-run) */
	unsigned options; /* VOPT_* */
	const char *args; /* for --help, e.g. "[PROFILE]" */
	const char *help; /* for --help: lines of at most 58 columns, '\n' between */
};

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
	{"apply", cmd_apply, true,
	 VOPT_KERNEL | VOPT_MEMORY | VOPT_FORCE | VOPT_CHANGE | VOPT_AUTO | VOPT_TRIAL,
	 "PROFILE|--auto", "snapshot, write the drop-ins, regenerate the boot files"},
	{"confirm", cmd_confirm, true, VOPT_FORCE | VOPT_CHANGE, "",
	 "in the boot an apply --trial selected: apply its\n"
	 "profile the ordinary way and remove the trial's entry"},
	{"reapply", cmd_reapply, true, VOPT_MEMORY | VOPT_FORCE | VOPT_CHANGE, "[KERNEL]",
	 "plan the applied profile again for the kernels installed\n"
	 "now (the kernel hooks run it) and apply what changed"},
	{"snapshots", cmd_snapshots, false, 0, "", "list rollback snapshots"},
	{"rollback", cmd_rollback, true, VOPT_FORCE | VOPT_CHANGE, "[ID]",
	 "restore a snapshot (default: undo the last apply/remove)"},
	{"remove", cmd_remove, true, VOPT_FORCE | VOPT_CHANGE | VOPT_TRIAL, "",
	 "take amdgpu-tune's settings away (snapshot first);\n"
	 "with --trial only a trial's entry and record"},
};

static const size_t n_verbs = ELEMENTSOF(verbs);

/* Every option, in --help's order: the getopt table, --help's Options and the
 * per-command check ("--kernel does not apply to rollback") all come from here. */
struct opt {
	const char *name; /* long name */
	int letter;	  /* short option, or 0 */
	const char *arg;  /* its argument in --help, NULL for none */
	unsigned scope;	  /* VOPT_*: the commands that take it; 0: every command */
	const char *help; /* lines of at most 54 columns, '\n' between */
	/* Records it in o (arg: its argument). 0, or the exit code to stop with. */
	int (*set)(struct options *o, const char *arg);
};

static int set_root(struct options *o, const char *arg)
{
	o->root = arg;
	return 0;
}

static int set_json(struct options *o, const char *arg)
{
	(void)arg;
	o->json = true;
	cli_json_enable();
	return 0;
}

static int set_kernel(struct options *o, const char *arg)
{
	if (!kernel_dir_name_is_valid(arg))
		return usage_error("--kernel: '%s' is not a kernel version", arg);
	o->req.kernel = arg;
	return 0;
}

static int set_memory(struct options *o, const char *arg)
{
	struct size_spec sz = {0};
	const char *hint = NULL;
	bool bad = size_parse(arg, &sz, &hint) < 0;

	if (bad || sz.percent)
		return usage_error("--memory '%s': %s", arg,
				   !bad	  ? "give an amount, not a percentage"
				   : hint ? hint
					  : "out of range");
	o->req.memory = sz.value;
	o->req.memory_arg = arg;
	return 0;
}

static int set_force(struct options *o, const char *arg)
{
	(void)arg;
	o->req.force = true;
	return 0;
}

static int set_kernel_log(struct options *o, const char *arg)
{
	o->kernel_log = arg;
	return 0;
}

/* A flag option: set_FIELD() sets o->FIELD. */
#define FLAG(field)                                                \
	static int set_##field(struct options *o, const char *arg) \
	{                                                          \
		(void)arg;                                         \
		o->field = true;                                   \
		return 0;                                          \
	}
FLAG(dry_run)
FLAG(no_update)
FLAG(update)
FLAG(discard_journal)
FLAG(auto_apply)
FLAG(trial)
FLAG(strict)
FLAG(quiet)
FLAG(verbose)

static void help(void);

/* What show_help() and show_version() return: stop with exit 0. */
#define OPT_EXIT_OK (-1)

static int show_help(struct options *o, const char *arg)
{
	(void)o, (void)arg;
	cli_json_disable(); /* the help is text, with --json too */
	help();
	return OPT_EXIT_OK;
}

static int show_version(struct options *o, const char *arg)
{
	(void)o, (void)arg;
	cli_json_disable();
	printf("%s %s\n", program, PACKAGE_VERSION);
	return OPT_EXIT_OK;
}

static const struct opt opts[] = {
	{"root", 0, "DIR", 0, "operate on the tree at DIR instead of /", set_root},
	{"json", 0, NULL, 0, "machine-readable output on stdout", set_json},
	{"kernel", 0, "VER", VOPT_KERNEL,
	 "validate and plan for this kernel only (default: every\n"
	 "kernel under lib/modules)",
	 set_kernel},
	{"memory", 0, "SIZE", VOPT_MEMORY,
	 "assume this much RAM (e.g. 128GiB) for a root without\n"
	 "proc/meminfo; apply refuses another machine's size",
	 set_memory},
	{"force", 0, NULL, VOPT_FORCE,
	 "accept what is refused by default (named in the error)", set_force},
	{"dry-run", 0, NULL, VOPT_CHANGE,
	 "apply/rollback/remove: show the changes, write nothing", set_dry_run},
	{"no-update", 0, NULL, VOPT_CHANGE,
	 "do not run update-grub/update-initramfs; print them", set_no_update},
	{"update", 0, NULL, VOPT_CHANGE, "with --root: run them inside the root (chroot)",
	 set_update},
	{"discard-journal", 0, NULL, VOPT_CHANGE,
	 "apply/rollback/remove: when an interrupted run\n"
	 "cannot be undone, remove its journal, keep the files\n"
	 "as they are and regenerate the boot files from them",
	 set_discard_journal},
	{"kernel-log", 0, "FILE", VOPT_KERNEL_LOG,
	 "status: read this saved kernel log (dmesg or\n"
	 "'journalctl -k -b' output) instead of /dev/kmsg",
	 set_kernel_log},
	{"auto", 0, NULL, VOPT_AUTO,
	 "apply: the profile matching this machine's GPU, when\n"
	 "amdgpu-tune never changed it; for package scripts:\n"
	 "no stdin, messages on stderr, exit 0 on failure",
	 set_auto_apply},
	{"strict", 0, NULL, VOPT_AUTO, "apply --auto: exit as apply would on failure",
	 set_strict},
	{"trial", 0, NULL, VOPT_TRIAL,
	 "apply: add a boot entry with the profile's settings\n"
	 "on its command line, selected for the next boot only;\n"
	 "'confirm' keeps them, else the default boots again;\n"
	 "remove: end a trial, nothing else",
	 set_trial},
	{"quiet", 'q', NULL, 0, "do not print warnings", set_quiet},
	{"verbose", 'v', NULL, 0, "also show the module files each kernel provides",
	 set_verbose},
	{"help", 'h', NULL, 0, "show this help", show_help},
	{"version", 'V', NULL, 0, "show the version", show_version},
};

/* Lines of h, the first after what is printed already, the others indented to column
 * 22: --help's layout for commands and options alike. */
static void help_lines(const char *h)
{
	for (;;) {
		size_t n = strcspn(h, "\n");

		printf("%.*s\n", (int)n, h);
		if (!h[n])
			break;
		h += n + 1;
		printf("%22s", "");
	}
}

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

		snprintf(head, sizeof(head), "%s%s%s", verbs[i].name,
			 *verbs[i].args ? " " : "", verbs[i].args);
		/* Two spaces, the command in 20 columns, then its help; a longer command
		 * puts its first help line on the next line. */
		printf("  %-20s%s", head, strlen(head) >= 20 ? "\n" : "");
		if (strlen(head) >= 20)
			printf("%22s", "");
		help_lines(verbs[i].help);
	}
	printf("\nOptions:\n");
	for (size_t i = 0; i < ELEMENTSOF(opts); i++) {
		char head[64];

		/* The option in 22 columns; a longer one keeps two spaces before its
		 * help. */
		snprintf(head, sizeof(head), "  %c%c%c --%s%s%s",
			 opts[i].letter ? '-' : ' ',
			 opts[i].letter ? opts[i].letter : ' ',
			 opts[i].letter ? ',' : ' ', opts[i].name, opts[i].arg ? " " : "",
			 opts[i].arg ? opts[i].arg : "");
		printf("%-20s  ", head);
		help_lines(opts[i].help);
	}
	printf("\n"
	       "Exit status: 0 success, 1 diff/status found a difference, 2 usage error or\n"
	       "invalid input, 3 insufficient privileges, 4 failure (configuration intact),\n"
	       "5 failure that could not be fully undone.\n"
	       "See amdgpu-tune(8) and amdgpu-tune.conf(5).\n");
}

/* The long option a getopt value stands for, or NULL; buf always gets the value as a
 * short option's letter (or "?" when it is none). */
static const char *option_name(const struct option *longopts, int val, char buf[static 8])
{
	if (val > ' ' && val < 127)
		snprintf(buf, 8, "%c", val);
	else
		snprintf(buf, 8, "?");
	for (size_t i = 0; longopts[i].name; i++)
		if (longopts[i].val == val)
			return longopts[i].name;
	return NULL;
}

/* An option getopt refused (c is ':' or '?'): the usage error. */
static int bad_option(const struct option *longopts, int c, char **argv)
{
	char buf[8];
	const char *name = option_name(longopts, optopt, buf);

	if (c == ':')
		return usage_error("option '%s%s' needs an argument", name ? "--" : "-",
				   name ? name : buf);
	/* A known option here is a long one given an argument it does not take
	 * ("--json=1"). */
	if (optopt && name)
		return usage_error("option '--%s' takes no argument", name);
	if (optopt)
		return usage_error("invalid option '-%s'", buf);
	return usage_error("invalid option '%s'", argv[optind - 1]);
}

/* Parses the options into o, with getopt's table made from opts[]; *given gets the
 * scopes (VOPT_*) of those given and first[bit] the first of each scope. 0, the exit
 * code to stop with, or OPT_EXIT_OK. */
static int parse_options(int argc, char **argv, struct options *o, unsigned *given,
			 const struct opt **first)
{
	struct option longopts[ELEMENTSOF(opts) + 1] = {{0}};
	char shortopts[2 * ELEMENTSOF(opts) + 2] = ":";
	size_t ns = 1;
	int c, r;

	for (size_t i = 0; i < ELEMENTSOF(opts); i++) {
		int val = opts[i].letter ? opts[i].letter : 0x100 + (int)i;

		longopts[i] = (struct option){
			opts[i].name, opts[i].arg ? required_argument : no_argument, NULL,
			val};
		if (opts[i].letter) {
			shortopts[ns++] = (char)opts[i].letter;
			if (opts[i].arg)
				shortopts[ns++] = ':';
		}
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct opt *p = NULL;

		for (size_t i = 0; i < ELEMENTSOF(opts) && !p; i++)
			if (longopts[i].val == c)
				p = &opts[i];
		if (!p)
			return bad_option(longopts, c, argv);
		if (p->scope && !(*given & p->scope)) {
			*given |= p->scope;
			first[__builtin_ctz(p->scope)] = p;
		}
		r = p->set(o, optarg);
		if (r)
			return r;
	}
	return 0;
}

/* The options that contradict each other or that v does not take. 0 or EXIT_INVALID. */
static int check_options(const struct options *o, unsigned given,
			 const struct opt *const *first, const struct verb *v)
{
	if (o->update && o->no_update)
		return usage_error("--update and --no-update contradict each other");
	if (o->discard_journal && o->dry_run)
		return usage_error(
			"--discard-journal and --dry-run contradict each other");
	if (o->trial && o->auto_apply)
		return usage_error("--trial and --auto contradict each other");
	/* The trial's entry boots the kernel of the default one (GRUB's first entry,
	 * systemd-boot's default): the newest. */
	if (o->trial && o->req.kernel)
		return usage_error(
			"--trial plans for every installed kernel: its entry boots the newest one; leave out --kernel");
	if (given & ~v->options)
		return usage_error("--%s does not apply to %s",
				   first[__builtin_ctz(given & ~v->options)]->name,
				   v->name);
	return 0;
}

/* Runs v with what it needs opened first and the capabilities it does not need
 * dropped. Its exit code. */
static int dispatch(const struct verb *v, struct options *o, int argc, char **argv)
{
	struct sysroot *root = NULL;
	int r;

	/* status reads this boot's kernel log; /dev/kmsg may need CAP_SYSLOG
	 * (kernel.dmesg_restrict), so it is opened before the capabilities go. Never
	 * for a --root tree: that log is the host's. */
	if (streq(v->name, "status") && !o->kernel_log && *o->root &&
	    strspn(o->root, "/") == strlen(o->root)) {
		o->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		o->kmsg_errno = o->kmsg_fd < 0 ? errno : 0;
	}
	/* A saved log is read with the rights of whoever ran us through sudo or
	 * pkexec, before the capabilities go (setfsuid() needs them). */
	if (streq(v->name, "status") && o->kernel_log) {
		int fd = privs_open_as_caller(o->kernel_log, &o->kernel_log_caller);

		o->kernel_log_fd = fd < 0 ? -1 : fd;
		o->kernel_log_errno = fd < 0 ? -fd : 0;
	}
	/* Commands that only read give up every capability first. */
	if ((!v->writes || o->dry_run) && privs_drop_all() < 0) {
		cli_error("cannot drop capabilities: %s", strerror(errno));
		return EXIT_FAILED;
	}
	/* ... and leave the parameter cache as it is. */
	machine_facts_cache_writes(v->writes && !o->dry_run);
	r = sysroot_open(o->root, &root);
	if (r < 0) {
		struct diag_list d = {0};

		diag_add(&d, DIAG_ERROR, NULL, 0, "--root %s: %s", o->root, strerror(-r));
		print_diags(&d, o);
		diag_list_done(&d);
		return EXIT_INVALID;
	}
	r = v->run(root, o, argc, argv);
	sysroot_free(root);
	return r;
}

static int run(int argc, char **argv)
{
	struct options o = {.root = "/", .kmsg_fd = -1, .kernel_log_fd = -1};
	const struct opt *first[CHAR_BIT * sizeof(unsigned)] = {0};
	unsigned given = 0;
	int r;

	/* What we create (state, snapshots, drop-ins) is never group or world writable,
	 * whatever umask the caller (or a package hook) runs with. */
	umask(022);
	/* --json before anything else: a usage error after it is a JSON document too. */
	for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
		if (streq(argv[i], "--json"))
			cli_json_enable();
	r = parse_options(argc, argv, &o, &given, first);
	if (r)
		return r == OPT_EXIT_OK ? EXIT_OK : r;
	/* The early look for --json may have seen another option's argument. */
	if (!o.json)
		cli_json_disable();
	if (optind >= argc)
		return usage_error("no command given");
	for (size_t i = 0; i < n_verbs; i++)
		if (streq(argv[optind], verbs[i].name))
			return check_options(&o, given, first, &verbs[i])
				       ?: dispatch(&verbs[i], &o, argc - optind - 1,
						   argv + optind + 1);
	return usage_error("unknown command '%s'", argv[optind]);
}

int main(int argc, char **argv)
{
	int code = run(argc, argv);

	cli_json_finish();
	return code;
}
