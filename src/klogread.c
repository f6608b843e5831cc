#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "klogread.h"
#include "privs.h"
#include "util.h"

int klog_read_kmsg(int fd, size_t max, char **ret, size_t *ret_len, bool *ret_whole)
{
	struct strbuf b = {0};
	/* A record is at most CONSOLE_EXT_LOG_MAX (8192) bytes; a smaller buffer gets
	 * EINVAL. */
	char rec[8192 + 1];
	bool first = true, whole = false;

	for (;;) {
		ssize_t k = read(fd, rec, sizeof(rec) - 1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EPIPE) {
			/* Records were overwritten before we read them: what follows
			 * no longer starts at boot. */
			first = false;
			whole = false;
			continue;
		}
		if (k < 0 && errno == EAGAIN)
			break;
		if (k < 0) {
			int e = -errno;

			strbuf_done(&b);
			return e;
		}
		if (k == 0 || b.len + (size_t)k > max)
			break;
		rec[k] = '\0';
		if (first) {
			/* "PRI,SEQ,..." (devkmsg_read()): the first record of the boot
			 * has sequence number 0. */
			const char *c = strchr(rec, ',');

			whole = c && c[1] == '0' && c[2] == ',';
			first = false;
		}
		if (strbuf_puts(&b, rec) < 0 ||
		    (k && rec[k - 1] != '\n' && strbuf_putc(&b, '\n') < 0)) {
			strbuf_done(&b);
			return -ENOMEM;
		}
	}
	if (!b.s && strbuf_puts(&b, "") < 0)
		return -ENOMEM;
	*ret_len = b.len;
	*ret = strbuf_steal(&b);
	*ret_whole = whole;
	return 0;
}

/* The CLOCK_MONOTONIC time ms milliseconds from now. */
static struct timespec deadline_in(int64_t ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

/* Milliseconds from now to deadline, 0 once it has passed. */
static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = ((int64_t)deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms <= 0 ? 0 : ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Waits until fd can be read or the deadline passes: 1, 0 at the deadline, -errno. */
static int readable_by(int fd, const struct timespec *deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = ms_left(deadline), n;

		if (left == 0)
			return 0;
		n = poll(&p, 1, left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* The child and whatever it started in its process group: a child of journalctl (or of
 * a wrapper script) that keeps the pipe open goes with it. */
static void kill_group(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

/* Reaps pid: killed first when kill_now, else given until the deadline, and then
 * killed (*timed_out set). A killed child gets a second more to die; one stuck in the
 * kernel cannot be waited for and is left. Its wait status in *status, 0 when it was
 * not reaped. */
static void reap_by(pid_t pid, struct timespec deadline, bool kill_now, bool *timed_out,
		    int *status)
{
	bool killed = kill_now;

	if (killed) {
		kill_group(pid);
		deadline = deadline_in(1000);
	}
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid)
			return;
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		if (ms_left(&deadline) > 0) {
			/* It closed its output and has not exited yet. */
			nanosleep(&(struct timespec){.tv_nsec = 10L * 1000 * 1000}, NULL);
			continue;
		}
		if (killed)
			break;
		*timed_out = true;
		kill_group(pid);
		killed = true;
		deadline = deadline_in(1000);
	}
	*status = 0;
}

int klog_read_journal(const char *program, size_t max, unsigned timeout_s, char **ret,
		      size_t *ret_len, int *ret_status)
{
	const char *argv[] = {program,		 "-k",	       "-b", "-o",
			      "short-monotonic", "--no-pager", "-q", NULL};
	char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C",
			"SYSTEMD_COLORS=0", "SYSTEMD_PAGER=", NULL};
	struct strbuf b = {0};
	int out[2], err[2], status, child_errno = 0, r = 0;
	bool killed = false, timed_out = false;
	struct timespec deadline;
	char buf[16384];
	ssize_t k = 0;
	pid_t pid;

	*ret_status = 0;
	deadline = deadline_in((int64_t)timeout_s * 1000);
	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	/* The child reports a failed execve through a close-on-exec pipe. */
	if (pipe2(err, O_CLOEXEC) < 0) {
		r = -errno;
		close(out[0]);
		close(out[1]);
		return r;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		return r;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC), e = 0;

		/* A process group of its own, so that what it starts is killed with it
		 * at the deadline. */
		if (setpgid(0, 0) < 0 || null < 0 || dup2(null, STDIN_FILENO) < 0 ||
		    dup2(null, STDERR_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0)
			e = errno;
		if (!e) {
			privs_close_fds_but(err[1]);
			execve(program, (char *const *)argv, envp);
			e = errno;
		}
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	/* Also here: kill_group() may come before the child has run. */
	setpgid(pid, pid);
	close(out[1]);
	close(err[1]);
	r = readable_by(err[0], &deadline);
	if (r == 0)
		timed_out = true;
	else if (r > 0) {
		r = 0;
		do
			k = read(err[0], &child_errno, sizeof(child_errno));
		while (k < 0 && errno == EINTR);
	}
	close(err[0]);
	if (r == 0 && k == (ssize_t)sizeof(child_errno))
		r = -child_errno;
	while (r == 0 && !timed_out) {
		/* journalctl that does not finish, or a child of it that keeps the pipe
		 * open after it exited, must not hold status forever. */
		r = readable_by(out[0], &deadline);
		if (r == 0) {
			timed_out = true;
			break;
		}
		if (r < 0)
			break;
		r = 0;
		k = read(out[0], buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		if (k == 0)
			break;
		if (b.len + (size_t)k > max) {
			/* Enough: the messages that matter come first in a boot. Keep
			 * whole lines up to max. */
			const char *nl = memrchr(buf, '\n', max - b.len);

			if (nl && strbuf_append(&b, buf, (size_t)(nl - buf) + 1) < 0)
				r = -ENOMEM;
			killed = true;
			break;
		}
		if (strbuf_append(&b, buf, (size_t)k) < 0)
			r = -ENOMEM;
	}
	close(out[0]);
	reap_by(pid, deadline, r < 0 || killed || timed_out, &timed_out, &status);
	if (r == 0 && timed_out)
		r = -ETIMEDOUT;
	if (r == 0 && !killed && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		*ret_status = status;
		r = -EIO;
	}
	if (r == 0 && !b.s && strbuf_puts(&b, "") < 0)
		r = -ENOMEM;
	if (r < 0) {
		strbuf_done(&b);
		return r;
	}
	*ret_len = b.len;
	*ret = strbuf_steal(&b);
	return 0;
}

int klog_read_this_boot(int kmsg_fd, int kmsg_errno, const char *journalctl, size_t max,
			unsigned timeout_s, char **ret, size_t *ret_len,
			const char **ret_name, char **ret_note)
{
	_cleanup_free_ char *kmsg = NULL, *journal = NULL;
	size_t kmsg_len = 0, journal_len = 0;
	struct strbuf why = {0};
	bool whole = false;
	int r, status = 0;

	*ret = NULL;
	*ret_len = 0;
	*ret_name = NULL;
	*ret_note = NULL;
	if (kmsg_fd >= 0) {
		r = klog_read_kmsg(kmsg_fd, max, &kmsg, &kmsg_len, &whole);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			kmsg_errno = -r;
	}
	if (kmsg && whole) {
		*ret = TAKE_PTR(kmsg);
		*ret_len = kmsg_len;
		*ret_name = "/dev/kmsg";
		return 0;
	}
	if (kmsg)
		strbuf_puts(&why, "/dev/kmsg no longer holds this boot's first messages");
	else
		strbuf_printf(&why, "/dev/kmsg: %s", strerror(kmsg_errno));
	if (!journalctl)
		strbuf_puts(&why, "; journalctl is not installed");
	else {
		r = klog_read_journal(journalctl, max, timeout_s, &journal, &journal_len,
				      &status);
		if (r == -ENOMEM) {
			strbuf_done(&why);
			return r;
		}
		if (r == 0 && journal_len) {
			strbuf_done(&why);
			*ret = TAKE_PTR(journal);
			*ret_len = journal_len;
			*ret_name = "journalctl -k -b";
			return 0;
		}
		if (r == 0)
			strbuf_printf(
				&why,
				"; %s -k -b printed nothing (no journal of this boot, or you may not read it: group adm or systemd-journal)",
				journalctl);
		else if (r == -EIO && WIFEXITED(status))
			strbuf_printf(&why, "; %s -k -b failed (exit status %d)",
				      journalctl, WEXITSTATUS(status));
		else if (r == -EIO)
			strbuf_printf(&why, "; %s -k -b was killed by signal %d",
				      journalctl, WTERMSIG(status));
		else if (r == -ETIMEDOUT)
			strbuf_printf(&why, "; %s -k -b did not finish within %u s",
				      journalctl, timeout_s);
		else
			strbuf_printf(&why, "; %s: %s", journalctl, strerror(-r));
	}
	if (!why.s)
		return -ENOMEM;
	if (kmsg) {
		*ret = TAKE_PTR(kmsg);
		*ret_len = kmsg_len;
		*ret_name = "/dev/kmsg";
		strbuf_puts(&why, ": findings from amdgpu's probe may be missing");
	}
	*ret_note = strbuf_steal(&why);
	return *ret_note ? 0 : -ENOMEM;
}
