/* What this boot's kernel log says about the applied settings: the messages that prove
 * or disprove them (the kernel's parameter parser, amdgpu's GTT setup, the AMD IOMMU's
 * option parser), each tied to the setting and file it concerns. The text is a log
 * (dmesg, journalctl -k, or /dev/kmsg records; klogread.h reads the live one); the
 * parser is pure. */
#pragma once

#include <stddef.h>

#include "diag.h"
#include "layers.h"

/* Reads text (len bytes; lines of dmesg, "journalctl -k" or /dev/kmsg format) named
 * name (shown as NAME:LINE) against the rows of the applied profile: problems become
 * warnings in d, confirmations lines in *notes (strv, appended). Only the kernel's own
 * messages count: a line its format says another program wrote is skipped, and a
 * message must be one of the kernel's formats in full (logline.h). 0 or -ENOMEM. */
int klog_check(const char *text, size_t len, const char *name, const struct layers *l,
	       char ***notes, struct diag_list *d);
