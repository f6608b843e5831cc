#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "klog.h"
#include "logline.h"
#include "strv.h"
#include "util.h"

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

/* The kernel's messages, each in full as the kernel prints it (logline_match()). None
 * of the formats has a pr_fmt unless said. */

/* unknown_module_param_cb() in kernel/module/main.c (6.1, 6.12, 7.3), for a loadable
 * module's option: "%s: unknown parameter '%s' ignored" of the module's name. */
#define UNKNOWN_PARAM "%m: unknown parameter '%p' ignored"
/* parse_args() in kernel/params.c (6.1, 6.12, 7.3) when parse_one() refuses a value:
 * "%s: `%s' invalid for parameter `%s'" of what it is doing: the module's name as it
 * loads (load_module()), or "Booting kernel" for the kernel's command line and its
 * built-in modules (start_kernel() in init/main.c). */
#define INVALID_VALUE	   "%m: `%s' invalid for parameter `%p'"
#define INVALID_VALUE_BOOT "Booting kernel: `%s' invalid for parameter `%p'"
/* param_check_unsafe() in kernel/params.c (6.1, 6.12, 7.3). */
#define DANGEROUS "Setting dangerous option %p - tainting kernel"
/* amdgpu_init() in amdgpu_drv.c of 6.13 and later (7.3 read): pr_crit() with amdgpu.h's
 * pr_fmt "amdgpu: ". */
#define OVERDRIVE \
	"amdgpu: Overdrive is enabled, please disable it before reporting any bugs unrelated to overdrive."
/* amdgpu_ttm_init() in amdgpu_ttm.c. dev_info() and dev_warn() put "DRIVER DEVICE: "
 * first (__dev_printk() in drivers/base/core.c), then the file's dev_fmt: amdgpu.h's
 * "amdgpu: " in 6.1 and 6.12, none in 7.3. drm_warn() is dev_warn() with "[drm] "
 * (__drm_printk() in include/drm/drm_print.h); DRM_INFO() is a bare printk() with
 * "[drm] " (_DRM_PRINTK()). The gttsize messages are 7.3's only. V6: 6.1 and 6.12,
 * V7: 7.3. */
#define GTTSIZE_DEPRECATED \
	"amdgpu %D: [drm] Configuring gttsize via module parameter is deprecated, please use ttm.pages_limit"
#define GTT_UNUSUAL \
	"amdgpu %D: [drm] GTT size has been set as %u but TTM size has been set as %u, this is unusual"
#define GTT_CAPPING_V6 \
	"amdgpu %D: amdgpu: Capping GTT to %uM to not exceed available system memory"
#define GTT_CAPPING_V7 \
	"amdgpu %D: Capping GTT to %uM to not exceed available system memory"
#define GTT_READY_V6 "[drm] amdgpu: %uM of GTT memory ready."
/* dev_info(adev->dev, " %uM of GTT memory ready.\n"): two spaces. */
#define GTT_READY_V7 "amdgpu %D:  %uM of GTT memory ready."
/* parse_amd_iommu_options() in drivers/iommu/amd/init.c (6.1, 6.12, 7.3), pr_fmt
 * "AMD-Vi: ": the rest of the option list from the unknown option on. */
#define IOMMU_UNKNOWN "AMD-Vi: Unknown option - '%s'"
/* print_unknown_bootoptions() in init/main.c (6.1, 6.12, 7.3). */
#define UNKNOWN_BOOT \
	"Unknown kernel command line parameters \"%s\", will be passed to user space."

/* The n captures of c as new strings in out[]; -ENOMEM (out[] freed by the caller). */
static int caps_dup(const struct logline_cap *c, size_t n, char **out)
{
	for (size_t i = 0; i < n; i++)
		if (!(out[i] = strndup(c[i].s, c[i].len)))
			return -ENOMEM;
	return 0;
}

static void caps_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

/* The unknown boot options of the applied profile: BOOT_IMAGE, splash and the like are
 * meant for user space; only the profile's own are findings. */
static int unknown_boot(char *list, const char *name, unsigned line,
			const struct layers *l, struct diag_list *d)
{
	int r = 0;

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
	return r;
}

/* "%uM of GTT memory ready." against the planned size: a note or a warning. */
static int gtt_ready(const struct logline_cap *mib_text, const char *name, unsigned line,
		     const struct layers *l, char ***notes, struct diag_list *d)
{
	uint64_t mib, want = planned_gtt_mib(l);
	char digits[24], note[256];

	if (!want)
		return 0;
	/* At most 20 digits (%u). */
	snprintf(digits, sizeof(digits), "%.*s", (int)mib_text->len, mib_text->s);
	mib = strtoull(digits, NULL, 10);
	if (mib != want)
		return diag_warning(d, name, line,
				    "this boot's amdgpu set up %" PRIu64
				    " MiB of GTT, not the planned %" PRIu64 " MiB",
				    mib, want);
	snprintf(note, sizeof(note),
		 "kernel log (%s:%u): amdgpu set up %" PRIu64 " MiB of GTT, as planned",
		 name, line, mib);
	return strv_push(notes, note);
}

/* The finding of one kernel message, if it is one. */
static int one_message(const char *msg, const char *name, unsigned line,
		       const struct layers *l, char ***notes, struct diag_list *d)
{
	struct logline_cap c[3];
	char *v[3] = {NULL, NULL, NULL}, who[320];
	int r = 0;

	if (logline_match(UNKNOWN_PARAM, msg, 2, c)) {
		if ((r = caps_dup(c, 2, v)) == 0) {
			whose(row_for(l, v[0], v[1]), who, sizeof(who));
			r = diag_warning(
				d, name, line,
				"this boot's kernel ignored %s.%s: %s has no such parameter%s",
				v[0], v[1], v[0], who);
		}
	} else if (logline_match(INVALID_VALUE_BOOT, msg, 2, c)) {
		/* The command line of a built-in module (P is MOD.PARAM) or a kernel
		 * parameter: the value is dropped, boot goes on with the default. */
		if ((r = caps_dup(c, 2, v)) == 0) {
			whose(row_for(l, NULL, v[1]), who, sizeof(who));
			r = diag_warning(
				d, name, line,
				"this boot's kernel refused %s=%s and kept the default%s",
				v[1], v[0], who);
		}
	} else if (logline_match(INVALID_VALUE, msg, 3, c)) {
		/* The module did not load. */
		if ((r = caps_dup(c, 3, v)) == 0) {
			whose(row_for(l, v[0], v[2]), who, sizeof(who));
			r = diag_warning(
				d, name, line,
				"this boot's kernel refused %s.%s=%s, and %s did not load with it%s",
				v[0], v[2], v[1], v[0], who);
		}
	} else if (logline_match(DANGEROUS, msg, 1, c)) {
		if ((r = caps_dup(c, 1, v)) == 0) {
			whose(row_for(l, "amdgpu", v[0]), who, sizeof(who));
			r = diag_warning(
				d, name, line,
				"this boot is tainted: %s is a dangerous option and was set%s",
				v[0], who);
		}
	} else if (logline_match(OVERDRIVE, msg, 0, c)) {
		/* add_taint(TAINT_CPU_OUT_OF_SPEC) when ppfeaturemask has
		 * PP_OVERDRIVE_MASK (0x4000). */
		whose(row_for(l, "amdgpu", "ppfeaturemask"), who, sizeof(who));
		r = diag_warning(
			d, name, line,
			"this boot is tainted (CPU out of spec): amdgpu.ppfeaturemask has the OVERDRIVE bit 0x4000 set%s",
			who);
	} else if (logline_match(GTTSIZE_DEPRECATED, msg, 1, c)) {
		whose(row_for(l, "amdgpu", "gttsize"), who, sizeof(who));
		r = diag_warning(
			d, name, line,
			"this boot's amdgpu calls amdgpu.gttsize deprecated%s: it still sizes the GTT from it while ROCm (KFD) follows ttm.pages_limit; set ttm.pages_limit instead",
			who);
	} else if (logline_match(GTT_UNUSUAL, msg, 3, c)) {
		r = diag_warning(
			d, name, line,
			"this boot's amdgpu found amdgpu.gttsize and the TTM limit disagreeing (\"this is unusual\"): the GTT and ROCm's limit differ");
	} else if (logline_match(GTT_CAPPING_V6, msg, 2, c) ||
		   logline_match(GTT_CAPPING_V7, msg, 2, c)) {
		r = diag_warning(
			d, name, line,
			"this boot's amdgpu capped the GTT (\"Capping GTT to %.*sM to not exceed available system memory\")%s",
			(int)c[1].len, c[1].s,
			planned_gtt_mib(l)
				? ": the planned size is more than the memory it found"
				: "");
	} else if (logline_match(IOMMU_UNKNOWN, msg, 1, c)) {
		/* The options after the unknown one were still parsed. */
		if ((r = caps_dup(c, 1, v)) == 0) {
			v[0][strcspn(v[0], ",")] = '\0';
			r = diag_warning(
				d, name, line,
				"this boot's AMD IOMMU driver ignored amd_iommu=%s: not an option it knows",
				v[0]);
		}
	} else if (logline_match(UNKNOWN_BOOT, msg, 1, c)) {
		if ((r = caps_dup(c, 1, v)) == 0)
			r = unknown_boot(v[0], name, line, l, d);
	} else if (logline_match(GTT_READY_V6, msg, 1, c)) {
		r = gtt_ready(&c[0], name, line, l, notes, d);
	} else if (logline_match(GTT_READY_V7, msg, 2, c)) {
		r = gtt_ready(&c[1], name, line, l, notes, d);
	}
	caps_free(v, ELEMENTSOF(v));
	return r;
}

/* A message is a finding only when the line does not say another program wrote it
 * (logline_split()) and the message is a kernel format in full: a USB device's product
 * string or a program's log line that quotes one is not. Plain dmesg lines and bare ones
 * do not say who wrote them (user space can write to /dev/kmsg): their form is all that
 * is checked. */
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
		/* /dev/kmsg continuation lines (" KEY=value") carry no message; a line
		 * with a NUL byte is no line the kernel's log shows (it escapes one), and
		 * cut there it could look like one. */
		if (*p != ' ' && !memchr(p, '\0', n)) {
			_cleanup_free_ char *buf = strndup(p, n);
			const char *msg;

			if (!buf)
				r = -ENOMEM;
			else if (logline_split(buf, &msg) != LOGLINE_OTHER)
				r = one_message(msg, name, line, l, notes, d);
		}
		p = nl ? nl + 1 : end;
	}
	return r;
}
