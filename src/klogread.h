/* Where status gets this boot's kernel log on the live system: /dev/kmsg records, or
 * the journal through journalctl when /dev/kmsg cannot be read or no longer holds the
 * boot's first messages. The text goes to klog_check() (klog.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Reads every record of /dev/kmsg from the open descriptor fd (O_NONBLOCK) into one
 * text of lines, at most max bytes. *ret owned by the caller. *ret_whole is true when
 * the first record read is the boot's first (sequence number 0): the ring buffer still
 * holds everything from boot, so amdgpu's probe messages are in it. 0 or -errno. */
int klog_read_kmsg(int fd, size_t max, char **ret, size_t *ret_len, bool *ret_whole);

/* This boot's kernel messages from the journal: runs program (an absolute path to
 * journalctl) as "-k -b -o short-monotonic --no-pager -q" in a process group of its
 * own, with stdin and stderr on /dev/null, a fixed environment and no other
 * descriptors, and reads its output, at most max bytes (the rest is not read and the
 * program is killed). When it has not finished (and closed its output) timeout_s
 * seconds after the start, its process group is killed. *ret owned by the caller. 0;
 * -ENOENT when program does not exist; -EIO when it did not exit 0 (*ret_status is then
 * its wait status); -ETIMEDOUT at the deadline; -errno. */
int klog_read_journal(const char *program, size_t max, unsigned timeout_s, char **ret,
		      size_t *ret_len, int *ret_status);

/* This boot's kernel log on the live system, from the best source there is: /dev/kmsg
 * (kmsg_fd, opened by the caller before privileges were dropped, or -1 with kmsg_errno)
 * when it still holds everything from boot; else the journal (journalctl, the absolute
 * path of journalctl, or NULL when it is not installed; given timeout_s seconds, see
 * klog_read_journal()) when it has this boot's messages; else whatever part /dev/kmsg
 * still holds. *ret_name is the source's name
 * ("/dev/kmsg" or "journalctl -k -b"), *ret NULL when neither gave a log; *ret_note, when
 * not NULL, says what was missing and why (a new string). 0 or -ENOMEM. */
int klog_read_this_boot(int kmsg_fd, int kmsg_errno, const char *journalctl, size_t max,
			unsigned timeout_s, char **ret, size_t *ret_len,
			const char **ret_name, char **ret_note);
