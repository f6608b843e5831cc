/* What this boot's kernel log says about the applied settings: the messages that prove
 * or disprove them (the kernel's parameter parser, amdgpu's GTT setup, the AMD IOMMU's
 * option parser), each tied to the setting and file it concerns. The text is a saved
 * log (dmesg, journalctl -k, or /dev/kmsg records); the parser is pure. */
#pragma once

#include <stddef.h>

#include "diag.h"
#include "layers.h"

/* Reads text (len bytes; lines of dmesg, "journalctl -k" or /dev/kmsg format) named
 * name (shown as NAME:LINE) against the rows of the applied profile: problems become
 * warnings in d, confirmations lines in *notes (strv, appended). 0 or -ENOMEM. */
int klog_check(const char *text, size_t len, const char *name, const struct layers *l,
	       char ***notes, struct diag_list *d);

/* Reads every record of /dev/kmsg from the open descriptor fd (O_NONBLOCK) into one
 * text of lines, at most max bytes. *ret owned by the caller. 0 or -errno. */
int klog_read_kmsg(int fd, size_t max, char **ret, size_t *ret_len);
