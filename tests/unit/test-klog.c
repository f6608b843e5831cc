/* What status makes of this boot's kernel log: the findings of the kernel's own
 * messages, as 6.1, 6.12 and 7.3 print them, and none from text other programs log
 * (klog_check()). Where it gets the log: /dev/kmsg records (a SOCK_SEQPACKET pair keeps
 * their boundaries, as the device does), journalctl (a stand-in script that records its
 * arguments), and the choice between the two. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cases.h"

#include "diag.h"
#include "klog.h"
#include "klogread.h"
#include "layers.h"
#include "plan.h"
#include "strv.h"
#include "util.h"

static char dir[] = "/tmp/test-klog.XXXXXX";

/* The applied profile: a 512 MiB TTM limit in effect, and a kernel parameter. */
static char limit_name[] = "ttm.pages_limit", limit_module[] = "ttm",
	    limit_param[] = "pages_limit", boot_name[] = "amdgpu_tune_boot";
static struct setting settings[] = {
	{.name = limit_name,
	 .module = limit_module,
	 .param = limit_param,
	 .where = WHERE_MODPROBE,
	 .is_size = true,
	 .bytes = 512 * MIB},
	{.name = boot_name, .param = boot_name, .where = WHERE_CMDLINE},
};
static struct row rows[] = {
	{.setting = &settings[0], .status = ROW_OK, .running = {.set = true}},
	{.setting = &settings[1], .status = ROW_OK},
};
static const struct layers applied = {.rows = rows, .n_rows = ELEMENTSOF(rows)};

static const struct check_case {
	const char *what, *line;
	const char *warning; /* a part of the one warning, or NULL: none */
	const char *note;    /* a part of the one note, or NULL: none */
} check_cases[] = {
	/* The kernel's own messages, as each version prints them. */
	{"6.1 /dev/kmsg: a module's unknown parameter",
	 "4,812,4123456,-;amdgpu: unknown parameter 'gtt_size' ignored",
	 "this boot's kernel ignored amdgpu.gtt_size: amdgpu has no such parameter",
	 NULL},
	{"6.12 dmesg: a module's unknown parameter",
	 "[    4.123456] amdgpu: unknown parameter 'gtt_size' ignored",
	 "ignored amdgpu.gtt_size", NULL},
	{"7.3 journalctl -k: a module's unknown parameter",
	 "Dec 01 10:00:04 strix kernel: amdgpu: unknown parameter 'gtt_size' ignored",
	 "ignored amdgpu.gtt_size", NULL},
	{"dmesg -r: a module's unknown parameter at facility kern",
	 "<4>[    4.123456] amdgpu: unknown parameter 'gtt_size' ignored",
	 "ignored amdgpu.gtt_size", NULL},
	{"dmesg -x: a module's unknown parameter at facility kern",
	 "kern  :warn  : [    4.123456] amdgpu: unknown parameter 'gtt_size' ignored",
	 "ignored amdgpu.gtt_size", NULL},
	{"parse_args() at boot: a refused value of the kernel's command line",
	 "[    0.700000] Booting kernel: `abc' invalid for parameter `ttm.pages_limit'",
	 "this boot's kernel refused ttm.pages_limit=abc and kept the default (a setting of "
	 "the applied profile)",
	 NULL},
	{"parse_args() at module load: a refused value, the module did not load",
	 "[    4.000000] strix kernel: amdgpu: `-1' invalid for parameter `gartsize'",
	 "this boot's kernel refused amdgpu.gartsize=-1, and amdgpu did not load with it",
	 NULL},
	{"param_check_unsafe(): a dangerous option",
	 "5,900,4223456,-;Setting dangerous option mtype_local - tainting kernel",
	 "this boot is tainted: mtype_local is a dangerous option and was set", NULL},
	{"7.3 amdgpu_init(): Overdrive taints the kernel",
	 "2,950,5200000,-;amdgpu: Overdrive is enabled, please disable it before reporting "
	 "any bugs unrelated to overdrive.",
	 "this boot is tainted (CPU out of spec)", NULL},
	{"7.3 drm_warn(): gttsize is deprecated",
	 "4,960,5000000,-;amdgpu 0000:c5:00.0: [drm] Configuring gttsize via module "
	 "parameter is deprecated, please use ttm.pages_limit",
	 "this boot's amdgpu calls amdgpu.gttsize deprecated", NULL},
	{"7.3 drm_warn(): gttsize and the TTM limit disagree",
	 "Dec 01 10:00:05 strix kernel: amdgpu 0000:c5:00.0: [drm] GTT size has been set as "
	 "68719476736 but TTM size has been set as 536870912, this is unusual",
	 "(\"this is unusual\")", NULL},
	{"6.1 and 6.12 dev_info() with amdgpu's dev_fmt: the GTT capped",
	 "[    5.000000] amdgpu 0000:c5:00.0: amdgpu: Capping GTT to 62000M to not exceed "
	 "available system memory",
	 "capped the GTT (\"Capping GTT to 62000M to not exceed available system memory\"): "
	 "the planned size",
	 NULL},
	{"7.3 dev_info(): the GTT capped",
	 "Dec 01 10:00:05 strix kernel: amdgpu 0000:c5:00.0: Capping GTT to 62000M to not "
	 "exceed available system memory",
	 "capped the GTT (\"Capping GTT to 62000M", NULL},
	{"6.1 DRM_INFO(): the planned GTT set up",
	 "[    5.100000] [drm] amdgpu: 512M of GTT memory ready.", NULL,
	 "amdgpu set up 512 MiB of GTT, as planned"},
	{"6.12 DRM_INFO() in /dev/kmsg: another GTT than planned",
	 "6,1000,5100000,-;[drm] amdgpu: 1024M of GTT memory ready.",
	 "this boot's amdgpu set up 1024 MiB of GTT, not the planned 512 MiB", NULL},
	{"7.3 dev_info(): the planned GTT set up (two spaces)",
	 "Dec 01 10:00:05 strix kernel: amdgpu 0000:c5:00.0:  512M of GTT memory ready.",
	 NULL, "amdgpu set up 512 MiB of GTT, as planned"},
	{"parse_amd_iommu_options(): the first unknown option of the rest",
	 "[    0.512345] AMD-Vi: Unknown option - 'foo,off'",
	 "this boot's AMD IOMMU driver ignored amd_iommu=foo: not an option it knows",
	 NULL},
	{"print_unknown_bootoptions(): the profile's own parameter",
	 "[    0.612345] Unknown kernel command line parameters \"splash amdgpu_tune_boot=1 "
	 "BOOT_IMAGE=/boot/vmlinuz\", will be passed to user space.",
	 "did not know amdgpu_tune_boot=1 and passed it to init", NULL},
	{"print_unknown_bootoptions(): parameters of others are not findings",
	 "[    0.612345] Unknown kernel command line parameters \"splash "
	 "BOOT_IMAGE=/boot/vmlinuz\", will be passed to user space.",
	 NULL, NULL},
	/* Text that quotes a kernel format, written by others. */
	{"a USB product string quoting a module's message is no finding",
	 "[    5.300000] usb 1-1: Product: amdgpu: unknown parameter 'x' ignored", NULL,
	 NULL},
	{"a USB product string in a record of the kernel's own is no finding",
	 "6,3000,5300000,-;usb 1-1: Product: amdgpu: unknown parameter 'x' ignored", NULL,
	 NULL},
	{"a USB product string quoting 7.3's GTT message is no finding",
	 "Dec 01 10:00:05 strix kernel: usb 1-1: Product: amdgpu 0000:c5:00.0:  1024M of "
	 "GTT memory ready.",
	 NULL, NULL},
	{"a USB product string quoting amdgpu_init() is no finding",
	 "[    5.300000] usb 1-1: Product: amdgpu: Overdrive is enabled, please disable it "
	 "before reporting any bugs unrelated to overdrive.",
	 NULL, NULL},
	{"user space writing to /dev/kmsg (facility 1) is no finding",
	 "12,3001,5400000,-;amdgpu: unknown parameter 'x' ignored", NULL, NULL},
	{"user space writing 6.1's GTT message to /dev/kmsg is no finding",
	 "14,3002,5400000,-;[drm] amdgpu: 1024M of GTT memory ready.", NULL, NULL},
	{"user space's /dev/kmsg record in dmesg -r is no finding",
	 "<12>[    5.400000] Setting dangerous option mtype_local - tainting kernel",
	 NULL, NULL},
	{"user space's /dev/kmsg record in dmesg -x is no finding",
	 "user  :warn  : [    5.400000] amdgpu: unknown parameter 'x' ignored", NULL,
	 NULL},
	{"a journal line of another identifier is no finding",
	 "Dec 01 10:00:06 strix amdgpu: unknown parameter 'x' ignored", NULL, NULL},
	{"a journal line of a program quoting a refused value is no finding",
	 "Dec 01 10:00:06 strix logger[4242]: Booting kernel: `abc' invalid for parameter "
	 "`ttm.pages_limit'",
	 NULL, NULL},
	{"a short-monotonic journal line of another identifier is no finding",
	 "[    5.500000] strix amdgpu: unknown parameter 'x' ignored", NULL, NULL},
	{"a message with text after the format is no finding",
	 "6,3003,5500000,-;amdgpu: unknown parameter 'x' ignored (from a test)", NULL,
	 NULL},
};

static void test_check(void **state)
{
	const struct check_case *c = *state;
	_cleanup_strv_free_ char **notes = NULL;
	struct diag_list d = {0};

	assert_int_equal(
		klog_check(c->line, strlen(c->line), "log", &applied, &notes, &d), 0);
	if (d.n != (c->warning ? 1u : 0u))
		fail_msg("%zu warnings, the first: %s", d.n,
			 d.n ? d.items[0].message : "-");
	if (c->warning) {
		if (!strstr(d.items[0].message, c->warning))
			fail_msg("warning '%s' lacks '%s'", d.items[0].message,
				 c->warning);
		assert_string_equal(d.items[0].file, "log");
		assert_int_equal(d.items[0].line, 1);
	}
	assert_int_equal(strv_length(notes), c->note ? 1 : 0);
	if (c->note && !strstr(notes[0], c->note))
		fail_msg("note '%s' lacks '%s'", notes[0], c->note);
	diag_list_done(&d);
}

/* A line with a NUL byte is no kernel line, even when its text before the NUL is one. */
static void test_nul_line(void **state)
{
	static const char text[] = "4,812,4123456,-;amdgpu: unknown parameter 'gtt_size' "
				   "ignored\0 forged\n";
	struct diag_list d = {0};
	char **notes = NULL;

	(void)state;
	assert_int_equal(klog_check(text, sizeof(text) - 1, "log", &applied, &notes, &d),
			 0);
	assert_int_equal(d.n, 0);
	assert_null(notes);
	diag_list_done(&d);
}

/* A kmsg-like descriptor: each record one datagram; with the writer (*peer) still
 * open, reading past the last gives EAGAIN, as /dev/kmsg opened O_NONBLOCK does. */
static int kmsg_with(const char *const *records, int *peer)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	for (size_t i = 0; records[i]; i++)
		assert_int_equal(write(sv[1], records[i], strlen(records[i])),
				 (ssize_t)strlen(records[i]));
	*peer = sv[1];
	return sv[0];
}

/* A stand-in journalctl: writes its arguments to DIR/args, then body. */
static char *journalctl_with(const char *name, const char *body)
{
	char *path = NULL;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho \"$*\" > %s/args\n%s\n", dir, body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

static const char *const from_boot[] = {"6,0,0,-;Linux version 6.12.117+deb12-amd64\n",
					"6,1,5,-;Command line: amdgpu.gttsize=1\n", NULL};
static const char *const wrapped[] = {"6,4711,9,-;amdgpu: later\n", NULL};

static void test_kmsg(void **state)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	bool whole = false;
	int peer, fd = kmsg_with(from_boot, &peer);

	assert_int_equal(klog_read_kmsg(fd, 1 << 20, &text, &len, &whole), 0);
	close(fd);
	close(peer);
	assert_true(whole);
	assert_string_equal(text, "6,0,0,-;Linux version 6.12.117+deb12-amd64\n"
				  "6,1,5,-;Command line: amdgpu.gttsize=1\n");
	assert_int_equal(len, strlen(text));
	free(text);
	text = NULL;
	fd = kmsg_with(wrapped, &peer);
	assert_int_equal(klog_read_kmsg(fd, 1 << 20, &text, &len, &whole), 0);
	close(fd);
	close(peer);
	assert_false(whole);
	assert_string_equal(text, "6,4711,9,-;amdgpu: later\n");
	(void)state;
}

static void test_journal(void **state)
{
	_cleanup_free_ char *ok =
		journalctl_with("jc-ok", "echo '[    1.0] h kernel: x'");
	_cleanup_free_ char *bad = journalctl_with("jc-bad", "exit 3");
	_cleanup_free_ char *big = journalctl_with(
		"jc-big",
		"while :; do echo 0123456789012345678901234567890123456789; done");
	_cleanup_free_ char *missing = NULL, *text = NULL, *args = NULL;
	char buf[256] = "";
	size_t len;
	int status, fd;

	assert_int_equal(klog_read_journal(ok, 1 << 20, 30, &text, &len, &status), 0);
	assert_string_equal(text, "[    1.0] h kernel: x\n");
	/* Exactly this boot's kernel messages, in the format klog_check() reads. */
	assert_true(asprintf(&args, "%s/args", dir) > 0);
	fd = open(args, O_RDONLY);
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	assert_string_equal(buf, "-k -b -o short-monotonic --no-pager -q\n");
	free(text);
	text = NULL;
	assert_int_equal(klog_read_journal(bad, 1 << 20, 30, &text, &len, &status), -EIO);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	assert_null(text);
	assert_true(asprintf(&missing, "%s/none", dir) > 0);
	assert_int_equal(klog_read_journal(missing, 1 << 20, 30, &text, &len, &status),
			 -ENOENT);
	/* Output beyond max is not read: the program is stopped, the start kept. */
	assert_int_equal(klog_read_journal(big, 4096, 30, &text, &len, &status), 0);
	assert_true(len <= 4096 && len > 0);
	assert_memory_equal(text, "0123456789", 10);
	assert_int_equal(text[len - 1], '\n'); /* whole lines only */
	(void)state;
}

static void test_this_boot(void **state)
{
	_cleanup_free_ char *jc = journalctl_with("jc", "echo '[    2.0] h kernel: j'");
	_cleanup_free_ char *empty = journalctl_with("jc-empty", "exit 0");
	char *text = NULL, *note = NULL;
	const char *name;
	size_t len;
	int fd, peer;

	/* /dev/kmsg from boot: taken, the journal is not asked. */
	fd = kmsg_with(from_boot, &peer);
	assert_int_equal(
		klog_read_this_boot(fd, 0, jc, 1 << 20, 30, &text, &len, &name, &note),
		0);
	close(fd);
	close(peer);
	assert_string_equal(name, "/dev/kmsg");
	assert_null(note);
	free(text);
	/* The ring buffer has wrapped: the journal has the whole boot. */
	fd = kmsg_with(wrapped, &peer);
	assert_int_equal(
		klog_read_this_boot(fd, 0, jc, 1 << 20, 30, &text, &len, &name, &note),
		0);
	close(fd);
	close(peer);
	assert_string_equal(name, "journalctl -k -b");
	assert_string_equal(text, "[    2.0] h kernel: j\n");
	assert_null(note);
	free(text);
	/* Wrapped and an empty journal: what /dev/kmsg has, and a note saying so. */
	fd = kmsg_with(wrapped, &peer);
	assert_int_equal(
		klog_read_this_boot(fd, 0, empty, 1 << 20, 30, &text, &len, &name, &note),
		0);
	close(fd);
	close(peer);
	assert_string_equal(name, "/dev/kmsg");
	assert_string_equal(text, "6,4711,9,-;amdgpu: later\n");
	assert_non_null(strstr(note, "no longer holds this boot's first messages"));
	assert_non_null(strstr(note, "printed nothing"));
	assert_non_null(strstr(note, "may be missing"));
	free(text);
	free(note);
	/* /dev/kmsg not readable (dmesg_restrict) and no journalctl: no log, and why. */
	assert_int_equal(klog_read_this_boot(-1, EPERM, NULL, 1 << 20, 30, &text, &len,
					     &name, &note),
			 0);
	assert_null(text);
	assert_string_equal(note, "/dev/kmsg: Operation not permitted; journalctl is not "
				  "installed");
	free(note);
	/* Not readable, and the journal answers. */
	assert_int_equal(klog_read_this_boot(-1, EACCES, jc, 1 << 20, 30, &text, &len,
					     &name, &note),
			 0);
	assert_string_equal(name, "journalctl -k -b");
	assert_null(note);
	free(text);
	(void)state;
}

/* Seconds since start on CLOCK_MONOTONIC. */
static double since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Whether the process whose PID file is at path is gone (or a zombie: killed, not yet
 * reaped by whoever inherited it); without /proc nothing can be told and it counts as
 * gone. */
static bool pid_file_gone(const char *path)
{
	char buf[64] = "", *stat = NULL, st[512] = "";
	FILE *f = fopen(path, "r");
	bool gone = true;

	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	assert_true(asprintf(&stat, "/proc/%s/stat", buf) > 0);
	/* SIGKILL is delivered at once, the death can take a moment. */
	for (int i = 0; i < 200; i++) {
		FILE *s = fopen(stat, "r");
		const char *paren;

		gone = !s || !fgets(st, sizeof(st), s) || !(paren = strrchr(st, ')')) ||
		       paren[1] != ' ' || paren[2] == 'Z';
		if (s)
			fclose(s);
		if (gone)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 10L * 1000 * 1000}, NULL);
	}
	free(stat);
	return gone;
}

/* A journalctl that never finishes, and one that exits while a child it started in the
 * background keeps its output open: each is stopped at the deadline, its process group
 * killed with it, and status says why it has no journal. alarm() fails the test
 * instead of hanging make check when the deadline is not kept. */
static void test_journal_deadline(void **state)
{
	_cleanup_free_ char *hang = journalctl_with(
		"jc-hang", "echo '[    1.0] h kernel: x'\nexec sleep 1000");
	_cleanup_free_ char *held = NULL, *body = NULL, *pid_file = NULL;
	char *text = NULL, *note = NULL, *expect = NULL;
	const char *name;
	struct timespec start;
	size_t len;
	int status, fd, peer;

	alarm(60);
	assert_true(asprintf(&pid_file, "%s/held.pid", dir) > 0);
	assert_true(asprintf(&body, "sleep 1000 &\necho $! > %s\nexit 0", pid_file) > 0);
	held = journalctl_with("jc-held", body);

	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(klog_read_journal(hang, 1 << 20, 1, &text, &len, &status),
			 -ETIMEDOUT);
	assert_null(text);
	assert_true(since(&start) < 6);

	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(klog_read_journal(held, 1 << 20, 1, &text, &len, &status),
			 -ETIMEDOUT);
	assert_null(text);
	assert_true(since(&start) < 6);
	assert_true(pid_file_gone(pid_file));

	/* No /dev/kmsg and a journalctl that hangs: no log, and why. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(klog_read_this_boot(-1, EPERM, hang, 1 << 20, 1, &text, &len,
					     &name, &note),
			 0);
	assert_true(since(&start) < 6);
	assert_null(text);
	assert_true(
		asprintf(&expect,
			 "/dev/kmsg: Operation not permitted; %s -k -b did not finish "
			 "within 1 s",
			 hang) > 0);
	assert_string_equal(note, expect);
	free(note);
	free(expect);

	/* The ring buffer has wrapped and the journal's reader is held open: what
	 * /dev/kmsg has, and a note saying what is missing. */
	fd = kmsg_with(wrapped, &peer);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(
		klog_read_this_boot(fd, 0, held, 1 << 20, 1, &text, &len, &name, &note),
		0);
	assert_true(since(&start) < 6);
	close(fd);
	close(peer);
	assert_string_equal(name, "/dev/kmsg");
	assert_string_equal(text, "6,4711,9,-;amdgpu: later\n");
	assert_non_null(strstr(note, "-k -b did not finish within 1 s"));
	assert_non_null(strstr(note, "may be missing"));
	assert_true(pid_file_gone(pid_file));
	free(text);
	free(note);
	alarm(0);
	(void)state;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = NULL;
	int r;

	(void)state;
	if (asprintf(&cmd, "rm -rf '%s'", dir) < 0)
		return -1;
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

int main(void)
{
	/* One TAP line per table case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(check_cases) + 5];
	size_t n = 0;

	TABLE_TESTS(tests, n, check_cases, test_check);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_nul_line);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_kmsg);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_journal);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_this_boot);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_journal_deadline);
	return _cmocka_run_group_tests("klog", tests, n, setup, teardown);
}
