/* amdgpu-tune: the command line. Options, the verb table with each command's help and
 * options, and dispatch live here; the commands are in cmd-*.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
	 VOPT_KERNEL | VOPT_MEMORY | VOPT_FORCE | VOPT_CHANGE | VOPT_AUTO,
	 "PROFILE|--auto", "snapshot, write the drop-ins, regenerate the boot files"},
	{"reapply", cmd_reapply, true, VOPT_MEMORY | VOPT_FORCE | VOPT_CHANGE, "[KERNEL]",
	 "plan the applied profile again for the kernels installed\n"
	 "now (the kernel hooks run it) and apply what changed"},
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
	       "      --discard-journal  apply/rollback/remove: when an interrupted run\n"
	       "                      cannot be undone, remove its journal, keep the files\n"
	       "                      as they are and regenerate the boot files from them\n"
	       "      --kernel-log FILE  status: read this saved kernel log (dmesg or\n"
	       "                      'journalctl -k -b' output) instead of /dev/kmsg\n"
	       "      --auto          apply: the profile matching this machine's GPU, when\n"
	       "                      amdgpu-tune never changed it; for package scripts:\n"
	       "                      no stdin, messages on stderr, exit 0 on failure\n"
	       "      --strict        apply --auto: exit as apply would on failure\n"
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

static int run(int argc, char **argv);

int main(int argc, char **argv)
{
	int code = run(argc, argv);

	cli_json_finish();
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
		OPT_DISCARD_JOURNAL,
		OPT_KERNEL_LOG,
		OPT_AUTO,
		OPT_STRICT,
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
		{"discard-journal", no_argument, NULL, OPT_DISCARD_JOURNAL},
		{"kernel-log", required_argument, NULL, OPT_KERNEL_LOG},
		{"auto", no_argument, NULL, OPT_AUTO},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	struct options o = {.root = "/", .kmsg_fd = -1, .kernel_log_fd = -1};
	struct sysroot *root = NULL;
	/* The VOPT_* options given, and the first of each as typed, for "does not apply".
	 */
	unsigned given = 0;
	const char *given_name[6] = {0};
	int c, r;

	/* What we create (state, snapshots, drop-ins) is never group or world writable,
	 * whatever umask the caller (or a package hook) runs with. */
	umask(022);
	opterr = 0;
	/* --json before anything else: a usage error after it is a JSON document too. */
	for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
		if (streq(argv[i], "--json"))
			cli_json_enable();
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
			{OPT_DISCARD_JOURNAL, VOPT_CHANGE, "--discard-journal"},
			{OPT_KERNEL_LOG, VOPT_KERNEL_LOG, "--kernel-log"},
			{OPT_AUTO, VOPT_AUTO, "--auto"},
			{OPT_STRICT, VOPT_AUTO, "--strict"},
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
			cli_json_enable();
			break;
		case OPT_KERNEL: {
			if (!kernel_dir_name_is_valid(optarg))
				return usage_error(
					"--kernel: '%s' is not a kernel version", optarg);
			o.kernel = optarg;
			break;
		}
		case OPT_MEMORY: {
			struct size_spec sz = {0};
			const char *hint = NULL;
			bool bad = size_parse(optarg, &sz, &hint) < 0;
			if (bad || sz.percent)
				return usage_error(
					"--memory '%s': %s", optarg,
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
		case OPT_DISCARD_JOURNAL:
			o.discard_journal = true;
			break;
		case OPT_KERNEL_LOG:
			o.kernel_log = optarg;
			break;
		case OPT_AUTO:
			o.auto_apply = true;
			break;
		case OPT_STRICT:
			o.strict = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			cli_json_disable(); /* the help is text, with --json too */
			help();
			return EXIT_OK;
		case 'V':
			cli_json_disable();
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

			if (optopt) {
				/* A known option here is a long one given an argument it
				 * does not take ("--json=1"). */
				const char *name = option_name(longopts, optopt, buf);

				if (name)
					return usage_error(
						"option '--%s' takes no argument", name);
				return usage_error("invalid option '-%s'", buf);
			}
			return usage_error("invalid option '%s'", argv[optind - 1]);
		}
		}
	}
	/* The early look for --json may have seen another option's argument. */
	if (!o.json)
		cli_json_disable();
	if (optind >= argc)
		return usage_error("no command given");
	for (size_t i = 0; i < n_verbs; i++) {
		if (!streq(argv[optind], verbs[i].name))
			continue;
		if (o.update && o.no_update)
			return usage_error(
				"--update and --no-update contradict each other");
		if (o.discard_journal && o.dry_run)
			return usage_error(
				"--discard-journal and --dry-run contradict each other");
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
		/* A saved log is read with the rights of whoever ran us through sudo
		 * or pkexec, before the capabilities go (setfsuid() needs them). */
		if (streq(verbs[i].name, "status") && o.kernel_log) {
			int fd = privs_open_as_caller(o.kernel_log, &o.kernel_log_caller);

			o.kernel_log_fd = fd < 0 ? -1 : fd;
			o.kernel_log_errno = fd < 0 ? -fd : 0;
		}
		/* Commands that only read give up every capability first. */
		if ((!verbs[i].writes || o.dry_run) && privs_drop_all() < 0) {
			cli_error("cannot drop capabilities: %s", strerror(errno));
			return EXIT_FAILED;
		}
		/* ... and leave the parameter cache as it is. */
		machine_facts_cache_writes(verbs[i].writes && !o.dry_run);
		r = sysroot_open(o.root, &root);
		if (r < 0) {
			struct diag_list d = {0};

			diag_add(&d, DIAG_ERROR, NULL, 0, "--root %s: %s", o.root,
				 strerror(-r));
			print_diags(&d, &o);
			diag_list_done(&d);
			return EXIT_INVALID;
		}
		r = verbs[i].run(root, &o, argc - optind - 1, argv + optind + 1);
		sysroot_free(root);
		return r;
	}
	{
		return usage_error("unknown command '%s'", argv[optind]);
	}
}
