#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "klog.h"
#include "strv.h"
#include "util.h"

/* The message of one log line: without a /dev/kmsg "PRI,SEQ,TS,FLAGS;" header, a dmesg
 * "[ seconds]" stamp or journalctl's "MON DD HH:MM:SS HOST kernel: " prefix. */
/* After a timestamp: "HOST kernel: MESSAGE" -> MESSAGE ("Booting kernel: " is a
 * message of its own, from parse_args()). */
static const char *after_host(const char *p)
{
	size_t host = strcspn(p, " ");

	if (host && !(host == 7 && strncmp(p, "Booting", 7) == 0) &&
	    strncmp(p + host, " kernel: ", 9) == 0)
		return p + host + 9;
	return p;
}

static const char *message_of(const char *line)
{
	const char *p = line, *k;
	int n = 0;

	/* /dev/kmsg: "PRI,SEQ,TS,FLAGS[,caller=T1];" (the caller field with
	 * CONFIG_PRINTK_CALLER). */
	if (*p >= '0' && *p <= '9' && (k = strchr(p, ';')) &&
	    strspn(p, "0123456789,") >= 6 && !memchr(p, ' ', (size_t)(k - p)))
		return k + 1;
	/* dmesg "[ seconds] ", journalctl -o short-monotonic "[ seconds] HOST kernel: ".
	 */
	if (*p == '[' && (k = strchr(p, ']')))
		return after_host(k[1] == ' ' ? k + 2 : k + 1);
	/* journalctl -k: "Mon DD HH:MM:SS HOST kernel: ". */
	if (sscanf(p, "%*3[A-Za-z] %*2d %*2d:%*2d:%*2d %n", &n) == 0 && n > 0)
		return after_host(p + n);
	return p;
}

/* The row of the applied profile for MODULE.PARAM (or a kernel parameter), or NULL. */
static const struct row *row_for(const struct layers *l, const char *module,
				 const char *param)
{
	char name[256];

	if (module)
		snprintf(name, sizeof(name), "%s.%s", module, param);
	else
		snprintf(name, sizeof(name), "%s", param);
	for (size_t i = 0; l && i < l->n_rows; i++)
		if (cmdline_name_equal(l->rows[i].setting->name, name))
			return &l->rows[i];
	return NULL;
}

/* " (amdgpu-tune's setting, written to FILE:LINE)" for a row, or "" . */
static void whose(const struct row *r, char *buf, size_t n)
{
	if (r && r->written.set && r->written.file)
		snprintf(buf, n, " (amdgpu-tune's setting, written to %s:%u)",
			 r->written.file, r->written.line);
	else if (r)
		snprintf(buf, n, " (a setting of the applied profile)");
	else
		buf[0] = '\0';
}

/* Copies the text between the first occurrence of open and the next close after it. */
static bool between(const char *s, const char *open, char close, char *out, size_t n)
{
	const char *a = strstr(s, open), *b;

	if (!a)
		return false;
	a += strlen(open);
	b = strchr(a, close);
	if (!b || (size_t)(b - a) >= n)
		return false;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = '\0';
	return true;
}

/* The planned GTT in MiB: the pages_limit setting's size. 0 when none. */
static uint64_t planned_gtt_mib(const struct layers *l)
{
	for (size_t i = 0; l && i < l->n_rows; i++) {
		const struct setting *s = l->rows[i].setting;

		/* Only once the limit runs: before the reboot the log is the old one. */
		if (s->is_size && s->param && streq(s->param, "pages_limit") &&
		    l->rows[i].status == ROW_OK && l->rows[i].running.set)
			return s->bytes / MIB;
	}
	return 0;
}

static int one_line(const char *msg, const char *name, unsigned line,
		    const struct layers *l, char ***notes, struct diag_list *d)
{
	char a[128], b[128], c[128], who[320];
	const char *p;
	int r = 0;

	/* unknown_module_param_cb() in kernel/module/main.c (6.1, 6.12, 7.3): "MOD:
	 * unknown parameter 'P' ignored", for a loadable module's option. */
	if ((p = strstr(msg, ": unknown parameter '")) && p > msg &&
	    between(p, "parameter '", '\'', b, sizeof(b))) {
		snprintf(a, sizeof(a), "%.*s", (int)(p - msg), msg);
		whose(row_for(l, a, b), who, sizeof(who));
		r = diag_warning(
			d, name, line,
			"this boot's kernel ignored %s.%s: %s has no such parameter%s", a,
			b, a, who);
	} else if ((p = strstr(msg, "' invalid for parameter `")) &&
		   between(msg, ": `", '\'', b, sizeof(b)) &&
		   between(p, "parameter `", '\'', c, sizeof(c)) && strstr(msg, ": `")) {
		/* parse_one(): "MOD: `VALUE' invalid for parameter `P'"; the module did
		 * not load. */
		snprintf(a, sizeof(a), "%.*s", (int)(strstr(msg, ": `") - msg), msg);
		if (streq(a, "Booting kernel")) {
			/* The command line of a built-in module (P is MOD.PARAM) or a
			 * kernel parameter: the value is dropped, boot goes on with the
			 * default. */
			whose(row_for(l, NULL, c), who, sizeof(who));
			r = diag_warning(
				d, name, line,
				"this boot's kernel refused %s=%s and kept the default%s",
				c, b, who);
		} else {
			whose(row_for(l, a, c), who, sizeof(who));
			r = diag_warning(
				d, name, line,
				"this boot's kernel refused %s.%s=%s, and %s did not load with it%s",
				a, c, b, a, who);
		}
	} else if ((p = strstr(msg, "Setting dangerous option ")) &&
		   sscanf(p, "Setting dangerous option %127s", a) == 1) {
		/* param_check_unsafe(). */
		whose(row_for(l, "amdgpu", a), who, sizeof(who));
		r = diag_warning(
			d, name, line,
			"this boot is tainted: %s is a dangerous option and was set%s", a,
			who);
	} else if (startswith(msg, "amdgpu: Overdrive is enabled, please disable it")) {
		/* amdgpu_init() of 6.13 and later: add_taint(TAINT_CPU_OUT_OF_SPEC) when
		 * ppfeaturemask has PP_OVERDRIVE_MASK (0x4000). */
		whose(row_for(l, "amdgpu", "ppfeaturemask"), who, sizeof(who));
		r = diag_warning(
			d, name, line,
			"this boot is tainted (CPU out of spec): amdgpu.ppfeaturemask has the OVERDRIVE bit 0x4000 set%s",
			who);
	} else if (strstr(msg,
			  "Configuring gttsize via module parameter is deprecated")) {
		whose(row_for(l, "amdgpu", "gttsize"), who, sizeof(who));
		r = diag_warning(
			d, name, line,
			"this boot's amdgpu calls amdgpu.gttsize deprecated%s: it still sizes the GTT from it while ROCm (KFD) follows ttm.pages_limit; set ttm.pages_limit instead",
			who);
	} else if (strstr(msg, "this is unusual") &&
		   strstr(msg, "GTT size has been set")) {
		r = diag_warning(
			d, name, line,
			"this boot's amdgpu found amdgpu.gttsize and the TTM limit disagreeing (\"this is unusual\"): the GTT and ROCm's limit differ");
	} else if ((p = strstr(msg, "Capping GTT to "))) {
		r = diag_warning(
			d, name, line, "this boot's amdgpu capped the GTT (\"%s\")%s", p,
			planned_gtt_mib(l)
				? ": the planned size is more than the memory it found"
				: "");
	} else if ((p = strstr(msg, "AMD-Vi: Unknown option - '")) &&
		   between(p, "option - '", '\'', a, sizeof(a))) {
		/* parse_amd_iommu_options() prints the rest of the list from the
		 * unknown option on; the ones after it were still parsed. */
		a[strcspn(a, ",")] = '\0';
		r = diag_warning(
			d, name, line,
			"this boot's AMD IOMMU driver ignored amd_iommu=%s: not an option it knows",
			a);
	} else if ((p = strstr(msg, "Unknown kernel command line parameters \""))) {
		/* print_unknown_bootoptions(): BOOT_IMAGE, splash and the like are meant
		 * for user space; only the applied profile's own are findings. */
		_cleanup_free_ char *list = strndup(
			p + strlen("Unknown kernel command line parameters \""),
			strcspn(p + strlen("Unknown kernel command line parameters \""),
				"\""));

		if (!list)
			return -ENOMEM;
		for (char *t = strtok(list, " "); t && r == 0; t = strtok(NULL, " ")) {
			char key[128];

			snprintf(key, sizeof(key), "%.*s", (int)strcspn(t, "="), t);
			if (!row_for(l, NULL, key))
				continue;
			r = diag_warning(
				d, name, line,
				"this boot's kernel did not know %s and passed it to init (amdgpu-tune's setting %s)",
				t, key);
		}
	} else if ((p = strstr(msg, "M of GTT memory ready"))) {
		/* amdgpu_ttm_init(): "%uM of GTT memory ready." */
		const char *q = p;
		uint64_t mib, want = planned_gtt_mib(l);
		char note[256];

		while (q > msg && q[-1] >= '0' && q[-1] <= '9')
			q--;
		if (q == p || !want)
			return 0;
		mib = strtoull(q, NULL, 10);
		if (mib == want) {
			snprintf(note, sizeof(note),
				 "kernel log (%s:%u): amdgpu set up %" PRIu64
				 " MiB of GTT, as planned",
				 name, line, mib);
			r = strv_push(notes, note);
		} else {
			r = diag_warning(d, name, line,
					 "this boot's amdgpu set up %" PRIu64
					 " MiB of GTT, not the planned %" PRIu64 " MiB",
					 mib, want);
		}
	}
	return r;
}

int klog_check(const char *text, size_t len, const char *name, const struct layers *l,
	       char ***notes, struct diag_list *d)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;
	int r = 0;

	while (r == 0 && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		line++;
		/* /dev/kmsg continuation lines (" KEY=value") carry no message. */
		if (*p != ' ') {
			_cleanup_free_ char *buf = strndup(p, n);

			r = buf ? one_line(message_of(buf), name, line, l, notes, d)
				: -ENOMEM;
		}
		p = nl ? nl + 1 : end;
	}
	return r;
}
