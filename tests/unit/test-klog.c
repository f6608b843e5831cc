/* Where status gets this boot's kernel log: /dev/kmsg records (a SOCK_SEQPACKET pair
 * keeps their boundaries, as the device does), journalctl (a stand-in script that
 * records its arguments), and the choice between the two. */
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
#include <unistd.h>
#include <cmocka.h>

#include "klogread.h"
#include "util.h"

static char dir[] = "/tmp/test-klog.XXXXXX";

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

	assert_int_equal(klog_read_journal(ok, 1 << 20, &text, &len, &status), 0);
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
	assert_int_equal(klog_read_journal(bad, 1 << 20, &text, &len, &status), -EIO);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	assert_null(text);
	assert_true(asprintf(&missing, "%s/none", dir) > 0);
	assert_int_equal(klog_read_journal(missing, 1 << 20, &text, &len, &status),
			 -ENOENT);
	/* Output beyond max is not read: the program is stopped, the start kept. */
	assert_int_equal(klog_read_journal(big, 4096, &text, &len, &status), 0);
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
		klog_read_this_boot(fd, 0, jc, 1 << 20, &text, &len, &name, &note), 0);
	close(fd);
	close(peer);
	assert_string_equal(name, "/dev/kmsg");
	assert_null(note);
	free(text);
	/* The ring buffer has wrapped: the journal has the whole boot. */
	fd = kmsg_with(wrapped, &peer);
	assert_int_equal(
		klog_read_this_boot(fd, 0, jc, 1 << 20, &text, &len, &name, &note), 0);
	close(fd);
	close(peer);
	assert_string_equal(name, "journalctl -k -b");
	assert_string_equal(text, "[    2.0] h kernel: j\n");
	assert_null(note);
	free(text);
	/* Wrapped and an empty journal: what /dev/kmsg has, and a note saying so. */
	fd = kmsg_with(wrapped, &peer);
	assert_int_equal(
		klog_read_this_boot(fd, 0, empty, 1 << 20, &text, &len, &name, &note), 0);
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
	assert_int_equal(
		klog_read_this_boot(-1, EPERM, NULL, 1 << 20, &text, &len, &name, &note),
		0);
	assert_null(text);
	assert_string_equal(note, "/dev/kmsg: Operation not permitted; journalctl is not "
				  "installed");
	free(note);
	/* Not readable, and the journal answers. */
	assert_int_equal(
		klog_read_this_boot(-1, EACCES, jc, 1 << 20, &text, &len, &name, &note),
		0);
	assert_string_equal(name, "journalctl -k -b");
	assert_null(note);
	free(text);
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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kmsg),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_this_boot),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
