/* One line of a kernel log as the kernel and the tools that show its log write it: who
 * wrote the line (the kernel, or user space and other programs logging beside it), its
 * message, and whether that message is, in full, what one printk format of the kernel
 * prints. Pure: klog.c reads the findings out of the messages. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum logline_origin {
	LOGLINE_KERNEL, /* the line says the kernel wrote it */
	LOGLINE_UNSAID, /* the line does not say (plain dmesg, a bare message) */
	LOGLINE_OTHER,	/* the line says user space or another program wrote it */
};

/* Splits line (one line, without its '\n') into its origin and message, by its format:
 *   /dev/kmsg record "PRI,SEQ,TS,FLAGS[,...];MESSAGE"   kernel when facility 0 (PRI < 8)
 *   dmesg -r "<PRI>[ SECS] MESSAGE"                      kernel when facility 0
 *   dmesg -x "kern  :info  : [ SECS] MESSAGE"            kernel when facility kern
 *   journalctl "MON DD HH:MM:SS HOST IDENT: MESSAGE"     kernel when IDENT is "kernel"
 *   journalctl -o short-monotonic "[ SECS] HOST kernel: MESSAGE"       kernel
 *   dmesg "[ SECS] MESSAGE", dmesg -T "[DATE] MESSAGE", a bare MESSAGE  unsaid
 * *ret_msg points into line; LOGLINE_OTHER leaves it unset. */
enum logline_origin logline_split(const char *line, const char **ret_msg);

/* A part of a message matched by one conversion of a pattern. */
struct logline_cap {
	const char *s; /* into the message, not NUL-terminated */
	size_t len;
};

/* Whether msg is, from its first byte to its last, what pattern prints. Pattern bytes
 * other than '%' match themselves; each conversion matches what the kernel can print
 * there and is captured:
 *   %m  a module name: 1 to 55 of [A-Za-z0-9_-] (MODULE_NAME_LEN)
 *   %p  a parameter name: [A-Za-z0-9_.-]+ (MOD.PARAM on the kernel command line)
 *   %u  a decimal number as %u and %llu print it: no sign, no leading zero, <= 20 digits
 *   %D  a PCI device name as pci_setup_device() names it: "%04x:%02x:%02x.%d"
 *   %s  a text without control characters, up to the last place where the literal that
 *       follows in pattern (up to the next conversion, or the end) matches; may be empty
 *   %%  a '%', not captured
 * The captures go to ret_caps (n_caps of them at most: a pattern with more does not
 * match), in order, written only on a match. true on a match, else false. */
bool logline_match(const char *pattern, const char *msg, size_t n_caps,
		   struct logline_cap *ret_caps);
