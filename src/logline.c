#include <stdint.h>
#include <string.h>

#include "logline.h"
#include "util.h"

#define DIGITS "0123456789"
#define HEX    "0123456789abcdef"
#define UPPER  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LOWER  "abcdefghijklmnopqrstuvwxyz"

/* The end of a run of min to max bytes of set at p, or NULL. */
static const char *span(const char *p, const char *set, size_t min, size_t max)
{
	size_t n = strspn(p, set);

	return n >= min && n <= max ? p + n : NULL;
}

/* The decimal number of 1 to 10 digits at p (a syslog priority) in *ret: its end, or
 * NULL. */
static const char *priority(const char *p, uint64_t *ret)
{
	const char *e = span(p, DIGITS, 1, 10);
	uint64_t v = 0;

	if (!e)
		return NULL;
	for (const char *q = p; q < e; q++)
		v = v * 10 + (uint64_t)(*q - '0');
	*ret = v;
	return e;
}

/* A /dev/kmsg record header, info_print_ext_header() in kernel/printk/printk.c:
 * "PRI,SEQ,TS_USEC,FLAG[,caller=T1][,...];" with FLAG '-' or 'c' ('+' on kernels before
 * 4.0), the caller field with CONFIG_PRINTK_CALLER, and more comma-separated fields
 * before the ';' allowed (Documentation/ABI/testing/dev-kmsg). The message's end, or
 * NULL when p is no such header. */
static const char *kmsg_header(const char *p, uint64_t *ret_pri)
{
	const char *q = priority(p, ret_pri);

	if (!q || *q != ',' || !(q = span(q + 1, DIGITS, 1, 20)) || *q != ',' ||
	    !(q = span(q + 1, DIGITS, 1, 20)) || *q != ',' || !q[1] ||
	    !strchr("-c+", q[1]))
		return NULL;
	q += 2;
	while (*q == ',') {
		q++;
		q += strcspn(q, ",; \t");
	}
	return *q == ';' ? q + 1 : NULL;
}

/* dmesg's "[ SECS.USECS] " (print_time() in kernel/printk/printk.c, and dmesg's own
 * "[%5ld.%06ld] "), or dmesg -T's "[Www Mmm dd hh:mm:ss yyyy] ": the end of the stamp
 * and its space, or NULL. "[drm] ..." is a message, not a stamp. */
static const char *stamp(const char *p)
{
	const char *q;

	if (*p != '[')
		return NULL;
	q = p + 1 + strspn(p + 1, " ");
	if ((q = span(q, DIGITS, 1, 20)) && *q == '.' &&
	    (q = span(q + 1, DIGITS, 1, 9)) && q[0] == ']' && q[1] == ' ')
		return q + 2;
	/* ctime "%a %b %e %H:%M:%S %Y". */
	q = p + 1;
	if ((q = span(q, UPPER LOWER, 3, 3)) && *q == ' ' &&
	    (q = span(q + 1, UPPER LOWER, 3, 3)) && *q == ' ' &&
	    (q = span(q + 1 + (q[1] == ' '), DIGITS, 1, 2)) && *q == ' ' &&
	    (q = span(q + 1, DIGITS, 2, 2)) && *q == ':' &&
	    (q = span(q + 1, DIGITS, 2, 2)) && *q == ':' &&
	    (q = span(q + 1, DIGITS, 2, 2)) && *q == ' ' &&
	    (q = span(q + 1, DIGITS, 4, 4)) && q[0] == ']' && q[1] == ' ')
		return q + 2;
	return NULL;
}

/* dmesg -x (--decode): "%-6s:%-6s: " of the facility and level names of util-linux's
 * dmesg. The end of the prefix, or NULL; *ret_kern whether the facility is kern. */
static const char *decode_prefix(const char *p, bool *ret_kern)
{
	static const char *const levels[] = {"emerg", "alert",	"crit", "err",
					     "warn",  "notice", "info", "debug"};
	const char *f = p, *fe = span(p, LOWER DIGITS, 1, 16), *l, *le;
	size_t n;

	if (!fe)
		return NULL;
	n = (size_t)(fe - f);
	l = fe + (n < 6 ? 6 - n : 0);
	if (span(fe, " ", 0, 16) != l || *l != ':')
		return NULL;
	l++;
	le = span(l, LOWER, 1, 6);
	if (!le)
		return NULL;
	n = (size_t)(le - l);
	for (size_t i = 0; i < ELEMENTSOF(levels); i++) {
		const char *e = le + (n < 6 ? 6 - n : 0);

		if (strlen(levels[i]) != n || strncmp(l, levels[i], n) != 0)
			continue;
		if (span(le, " ", 0, 6) != e || e[0] != ':' || e[1] != ' ')
			return NULL;
		*ret_kern = (size_t)(fe - f) == 4 && strncmp(f, "kern", 4) == 0;
		return e + 2;
	}
	return NULL;
}

/* journalctl's "Mmm dd hh:mm:ss " (and syslog's "Mmm  d hh:mm:ss "): its end, or NULL. */
static const char *journal_time(const char *p)
{
	const char *q = p;

	if ((q = span(q, UPPER LOWER, 3, 3)) && *q == ' ' &&
	    (q = span(q + 1 + (q[1] == ' '), DIGITS, 1, 2)) && *q == ' ' &&
	    (q = span(q + 1, DIGITS, 2, 2)) && *q == ':' &&
	    (q = span(q + 1, DIGITS, 2, 2)) && *q == ':' &&
	    (q = span(q + 1, DIGITS, 2, 2)) && *q == ' ')
		return q + 1;
	return NULL;
}

/* After a journal stamp: "HOST kernel: MESSAGE" -> MESSAGE, else NULL. */
static const char *journal_kernel(const char *p)
{
	size_t host = strcspn(p, " ");

	if (host && strncmp(p + host, " kernel: ", 9) == 0)
		return p + host + 9;
	return NULL;
}

enum logline_origin logline_split(const char *line, const char **ret_msg)
{
	const char *p, *q;
	uint64_t pri;
	bool kern = false;

	if ((p = kmsg_header(line, &pri))) {
		/* devkmsg_write() gives what user space writes facility LOG_USER unless
		 * it names another one, never 0: facility 0 is the kernel's own. */
		if (pri >> 3 != 0)
			return LOGLINE_OTHER;
		*ret_msg = p;
		return LOGLINE_KERNEL;
	}
	if (line[0] == '<' && (p = priority(line + 1, &pri)) && *p == '>') {
		/* dmesg -r: the record's "<PRI>" (facility << 3 | level), then its stamp.
		 */
		if (pri >> 3 != 0)
			return LOGLINE_OTHER;
		p++;
		*ret_msg = (q = stamp(p)) ? q : p;
		return LOGLINE_KERNEL;
	}
	if ((p = decode_prefix(line, &kern))) {
		if (!kern)
			return LOGLINE_OTHER;
		*ret_msg = (q = stamp(p)) ? q : p;
		return LOGLINE_KERNEL;
	}
	if ((p = journal_time(line))) {
		/* journalctl -k and syslog: journald names the kernel's records
		 * SYSLOG_IDENTIFIER=kernel; a record of another facility in /dev/kmsg
		 * (user space) gets the identifier its text starts with, "kernel" only
		 * when that text starts "kernel: " (writing /dev/kmsg takes root).
		 * Without -k, any program may log as kernel (logger -t kernel). */
		if (!(q = journal_kernel(p)))
			return LOGLINE_OTHER;
		*ret_msg = q;
		return LOGLINE_KERNEL;
	}
	if ((p = stamp(line))) {
		/* journalctl -o short-monotonic "[ SECS] HOST kernel: " or dmesg's
		 * "[ SECS] ": parse_args()'s "Booting kernel: ..." is a dmesg message,
		 * not a host named Booting. Plain dmesg does not say who wrote a line. */
		if (!startswith(p, "Booting kernel: ") && (q = journal_kernel(p))) {
			*ret_msg = q;
			return LOGLINE_KERNEL;
		}
		*ret_msg = p;
		return LOGLINE_UNSAID;
	}
	*ret_msg = line;
	return LOGLINE_UNSAID;
}

#define LOGLINE_CAPS 8

/* The bytes of a %s capture: anything but control characters (the kernel's
 * msg_add_ext_text() and dmesg show those escaped, never raw). */
static size_t text_len(const char *s)
{
	size_t n = 0;

	while (s[n] && (unsigned char)s[n] >= 0x20 && s[n] != 0x7f)
		n++;
	return n;
}

/* The end of a PCI device name at s, pci_setup_device() in drivers/pci/probe.c:
 * "%04x:%02x:%02x.%d" of domain, bus, slot (0-0x1f) and function (0-7); else NULL. */
static const char *pci_name(const char *s)
{
	const char *q = s;

	if ((q = span(q, HEX, 4, 8)) && *q == ':' && (q = span(q + 1, HEX, 2, 2)) &&
	    *q == ':' && (q[1] == '0' || q[1] == '1') && (q = span(q + 1, HEX, 2, 2)) &&
	    *q == '.' && q[1] >= '0' && q[1] <= '7')
		return q + 2;
	return NULL;
}

bool logline_match(const char *pattern, const char *msg, size_t n_caps,
		   struct logline_cap *ret_caps)
{
	struct logline_cap caps[LOGLINE_CAPS];
	const char *p = pattern, *s = msg;
	size_t k = 0;

	while (*p) {
		const char *start = s, *e = NULL;

		if (*p != '%' || p[1] == '%') {
			if (*s != *p)
				return false;
			s++;
			p += *p == '%' ? 2 : 1;
			continue;
		}
		switch (p[1]) {
		case 'm':
			/* MODULE_NAME_LEN (64 - sizeof(unsigned long)) with its NUL. */
			e = span(s, UPPER LOWER DIGITS "_-", 1, 55);
			break;
		case 'p':
			e = span(s, UPPER LOWER DIGITS "_.-", 1, SIZE_MAX);
			break;
		case 'u':
			e = span(s, DIGITS, 1, 20);
			if (e && e - s > 1 && *s == '0')
				e = NULL;
			break;
		case 'D':
			e = pci_name(s);
			break;
		case 's': {
			/* The literal after the %s, up to the next conversion. */
			const char *lit = p + 2;
			size_t lit_len = strcspn(lit, "%"), n = text_len(s);

			if (!lit_len) {
				e = s + n;
				break;
			}
			for (size_t i = n + 1; i-- > 0;)
				if (strncmp(s + i, lit, lit_len) == 0) {
					e = s + i;
					break;
				}
			break;
		}
		default:
			return false;
		}
		if (!e || k >= n_caps || k >= LOGLINE_CAPS)
			return false;
		caps[k].s = start;
		caps[k].len = (size_t)(e - start);
		k++;
		s = e;
		p += 2;
	}
	if (*s)
		return false;
	if (k)
		memcpy(ret_caps, caps, k * sizeof(caps[0]));
	return true;
}
