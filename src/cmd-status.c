/* The status command. */
#include <stdio.h>
#include <unistd.h>

#include "backend.h"
#include "gpu.h"
#include "json.h"
#include "kfacts.h"
#include "klog.h"
#include "klogread.h"
#include "ops.h"
#include "render-layers.h"
#include "strv.h"
#include "sysroot.h"
#include "trial.h"
#include "verbs.h"

/* mem_info_gtt_total of the first AMD card that shows it: the GTT size the driver
 * chose, in bytes. */
static uint64_t gtt_total(struct sysroot *root, char card[static 128])
{
	for (int i = 0; i < 16; i++) {
		char rel[128];
		uint64_t v;

		snprintf(rel, sizeof(rel),
			 "sys/class/drm/card%d/device/mem_info_gtt_total", i);
		if (sysfs_read_u64(root, rel, &v) && v) {
			snprintf(card, 128, "%s", rel);
			return v;
		}
	}
	return 0;
}

/* What KFD tells ROCm each APU has, against the planned TTM limit (limit, in effect):
 * an APU whose carve-out (VRAM) is smaller than its GTT reports the TTM limit, on the
 * kernels kf_kfd_reports_ttm_limit_on_apu() names. A mismatch is a warning, a match a
 * note. 0 or -ENOMEM. */
static int status_kfd(const struct sysroot *root, struct compared *c,
		      const struct setting *limit, struct diag_list *d)
{
	struct gpu *gpus = NULL;
	char release[128];
	size_t n = 0;
	unsigned v[3];
	int r;

	if (!limit || !running_release(root, release) ||
	    kernel_version_parse(release, v) < 0 || !kf_kfd_reports_ttm_limit_on_apu(v))
		return 0;
	r = gpus_read(root, &gpus, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char rel[160], node[128], want[32], got[32], note[256];
		uint64_t gtt, kfd, diff;

		/* The carve-out gpus_read() took from mem_info_vram_total. */
		if (!gpu_gfx_is_apu(gpus[i].gfx) || !gpus[i].vram_known)
			continue;
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/mem_info_gtt_total",
			 gpus[i].pci);
		if (!sysfs_read_u64(root, rel, &gtt) || gpus[i].vram >= gtt ||
		    kfd_gpu_memory(root, gpus[i].pci, &kfd, node) < 0)
			continue;
		diff = kfd > limit->bytes ? kfd - limit->bytes : limit->bytes - kfd;
		format_gib(limit->bytes, want);
		format_gib(kfd, got);
		if (diff >= (UINT64_C(1) << 20)) {
			r = diag_warning(
				d, node, 0,
				"KFD reports %s of GPU memory to ROCm for %s, not the %s the applied profile planned (%s): on %s an APU whose carve-out is smaller than its GTT reports the TTM limit",
				got, gpus[i].pci, want, limit->name, release);
		} else {
			snprintf(
				note, sizeof(note),
				"KFD reports %s of GPU memory to ROCm for %s (%s), as planned",
				got, gpus[i].pci, node);
			r = strv_push(&c->notes, note);
		}
	}
	gpus_free(gpus, n);
	return r;
}

/* What this boot's kernel log says about the applied settings: a saved log given with
 * --kernel-log, else (live system only) /dev/kmsg or the journal (klog_read_this_boot()).
 * Findings are warnings in d, confirmations notes. 0 or -ENOMEM. */
#define KERNEL_LOG_MAX (16u << 20)
/* journalctl -k -b reads a boot's journal in well under a second; one that hangs (a
 * stuck journal file, a child holding its output) must not hold status. */
#define JOURNAL_TIMEOUT_S 10u

static int status_kernel_log(const struct sysroot *root, const struct options *o,
			     struct compared *c, uint64_t gtt, const char *card,
			     struct diag_list *d)
{
	_cleanup_free_ char *text = NULL;
	const char *name = o->kernel_log;
	size_t len = 0;
	int r;

	/* The GTT the driver reports against the size the profile planned, once the
	 * limit is in effect (pending or drifted rows say why it differs already). */
	const struct setting *limit = NULL;

	for (size_t i = 0; c->layers && i < c->layers->n_rows && !limit; i++) {
		const struct setting *s = c->layers->rows[i].setting;

		if (s->is_size && s->param && streq(s->param, "pages_limit") &&
		    c->layers->rows[i].status == ROW_OK && c->layers->rows[i].running.set)
			limit = s;
	}
	if (limit && gtt) {
		uint64_t diff =
			gtt > limit->bytes ? gtt - limit->bytes : limit->bytes - gtt;
		char want[32], got[32];

		format_gib(limit->bytes, want);
		format_gib(gtt, got);
		if (diff >= (UINT64_C(1) << 20) &&
		    diag_warning(
			    d, card, 0,
			    "the driver reports %s of GTT, not the %s the applied profile planned (%s)",
			    got, want, limit->name) < 0)
			return -ENOMEM;
	}
	r = status_kfd(root, c, limit, d);
	if (r < 0)
		return r;
	if (o->kernel_log) {
		r = o->kernel_log_fd < 0
			    ? -o->kernel_log_errno
			    : read_host_fd(o->kernel_log_fd, KERNEL_LOG_MAX, &text, &len);
		if (r == -ENOMEM)
			return r;
		if (r < 0 && o->kernel_log_caller >= 0)
			return diag_warning(
				d, o->kernel_log, 0,
				"kernel log not read with the rights of uid %ld, who ran amdgpu-tune (through sudo, pkexec, doas or a set-uid bit): %s",
				o->kernel_log_caller, read_error_text(-r));
		if (r < 0)
			return diag_warning(d, o->kernel_log, 0,
					    "kernel log not read: %s",
					    read_error_text(-r));
	} else if (sysroot_is_live(root)) {
		/* journalctl at its Debian (usrmerge) path or the unmerged one. */
		const char *jc =
			access("/usr/bin/journalctl", X_OK) == 0 ? "/usr/bin/journalctl"
			: access("/bin/journalctl", X_OK) == 0	 ? "/bin/journalctl"
								 : NULL;
		_cleanup_free_ char *note = NULL;

		r = klog_read_this_boot(o->kmsg_fd, o->kmsg_errno, jc, KERNEL_LOG_MAX,
					JOURNAL_TIMEOUT_S, &text, &len, &name, &note);
		if (r < 0)
			return r;
		if (note && !text) {
			char *n = NULL;

			if (asprintf(
				    &n,
				    "kernel log not read (%s); 'journalctl -k -b > FILE' and --kernel-log FILE check a saved one",
				    note) < 0)
				return -ENOMEM;
			free(note);
			note = n;
		}
		if (note && strv_push(&c->notes, note) < 0)
			return -ENOMEM;
		if (!text)
			return 0;
	} else {
		return 0;
	}
	return klog_check(text, len, name, c->layers, &c->notes, d);
}

/* A module parameter's value as sysfs shows it against the one asked for: bools read
 * back as Y or N (param_get_bool()). */
static bool param_matches(const char *want, const char *got)
{
	static const char *const yes[] = {"1", "y", "Y", "on", NULL}, *const no[] = {
									      "0", "n",
									      "N", "off",
									      NULL};

	if (streq(want, got))
		return true;
	for (size_t i = 0; yes[i]; i++)
		if (streq(want, yes[i]) && streq(got, "Y"))
			return true;
	for (size_t i = 0; no[i]; i++)
		if (streq(want, no[i]) && streq(got, "N"))
			return true;
	return false;
}

/* Where a trial boot stands (trial.h), appended to b as text or, with json, as the
 * value of the status document's "trial" (null when there is none): this boot is the
 * trial (its marker on proc/cmdline), and then what it shows for each argument
 * (proc/cmdline, and a module's parameter in sysfs) and the GTT the driver reports; or
 * it is selected for the next boot; or it was not confirmed. 0, -EBADMSG or -EIO
 * (findings in d) or -ENOMEM. */
static int trial_report(const struct sysroot *root, bool json, uint64_t gtt,
			const char *card, struct strbuf *b, struct diag_list *d)
{
	_cleanup_trial_ struct trial *t = NULL;
	_cleanup_free_ char *cmdline = NULL;
	const struct boot_backend *loader;
	const char *state, *entry;
	bool first = true;
	char marker[64];
	size_t len;
	int r = trial_read(root, &t, d), booted, selected = -ENOENT;

	if (r < 0)
		return r;
	if (!t)
		return json ? strbuf_puts(b, "null") : 0;
	loader = backend_by_name(t->loader);
	entry = loader && loader->trial_entry ? loader->trial_entry : TRIAL_ENTRY_ID;
	/* Read once: whether this boot is the trial, and each argument's evidence. */
	if (sysroot_read_file(root, "proc/cmdline", (size_t)64 * 1024, true, &cmdline,
			      &len) < 0)
		cmdline = NULL;
	booted = cmdline ? trial_on_cmdline(cmdline, t) : -ENOENT;
	if (loader && loader->trial_selected)
		selected = loader->trial_selected(root);
	state = booted == 1 ? "this-boot" : selected == 1 ? "next-boot" : "not-confirmed";
	if (booted == 1 && selected == 1)
		r = diag_warning(
			d, loader->trial_where, 0,
			"this boot is the trial of %s and its entry is still selected for the next boot: the boot loader did not take the selection back, so the trial boots again; 'amdgpu-tune confirm' keeps it, 'amdgpu-tune remove --trial' ends it",
			t->profile);
	if (r < 0)
		return r;
	if (json) {
		strbuf_putc(b, '{');
		json_key(b, &first, "profile");
		json_string(b, t->profile);
		json_key(b, &first, "id");
		json_string(b, t->id);
		json_key(b, &first, "loader");
		json_string(b, t->loader);
		json_key(b, &first, "entry");
		json_string(b, entry);
		json_key(b, &first, "state");
		json_string(b, state);
		json_key(b, &first, "this_boot");
		strbuf_puts(b, booted < 0 ? "null" : booted ? "true" : "false");
		json_key(b, &first, "selected_for_next_boot");
		strbuf_puts(b, selected < 0 ? "null" : selected ? "true" : "false");
		json_key(b, &first, "args");
		strbuf_putc(b, '[');
	} else {
		strbuf_printf(b, "Trial: %s (trial %s, entry '%s' of %s)\n", t->profile,
			      t->id, entry, t->loader);
		if (booted == 1)
			strbuf_puts(b, "  This boot is the trial. What it shows:\n");
	}
	for (size_t i = 0; t->args[i]; i++) {
		_cleanup_free_ char *name = strdup(t->args[i]), *got = NULL;
		char *value = name ? strchr(name, '=') : NULL, *dot;
		bool on = cmdline && words_have(cmdline, t->args[i]);

		if (!name)
			return -ENOMEM;
		if (value)
			*value++ = '\0';
		dot = strchr(name, '.');
		if (dot && value) {
			*dot = '\0';
			if (boot_running_param(root, name, dot + 1, &got) < 0)
				got = NULL;
			*dot = '.';
		}
		if (json) {
			bool f = true;

			strbuf_puts(b, i ? ",{" : "{");
			json_key(b, &f, "arg");
			json_string(b, t->args[i]);
			json_key(b, &f, "on_cmdline");
			strbuf_puts(b, cmdline ? (on ? "true" : "false") : "null");
			json_key(b, &f, "sysfs");
			json_string(b, got);
			json_key(b, &f, "in_effect");
			strbuf_puts(b,
				    booted != 1 ? "null"
				    : got ? (param_matches(value, got) ? "true" : "false")
				    : !on ? "false"
				    : dot && value ? "null"
						   : "true");
			strbuf_putc(b, '}');
		} else if (booted == 1) {
			strbuf_printf(
				b, "    %s: %s\n", t->args[i],
				got && param_matches(value, got)
					? "in effect (sysfs shows it)"
				: got ? "NOT in effect: sysfs shows another value"
				: !on ? "NOT on this boot's command line"
				: dot && value
					? "on this boot's command line; the module is not loaded, or does not show it in sysfs"
					: "on this boot's command line");
			if (got && !param_matches(value, got))
				strbuf_printf(b, "      (%s)\n", got);
		}
	}
	if (json) {
		strbuf_putc(b, ']');
		json_key(b, &first, "marker");
		json_string(b, trial_marker(t, marker));
		return strbuf_putc(b, '}');
	}
	if (booted == 1) {
		if (gtt) {
			char g[32];

			format_gib(gtt, g);
			strbuf_printf(b, "    the driver reports %s of GTT (%s)\n", g,
				      card);
		}
		return strbuf_puts(
			b,
			"  'amdgpu-tune confirm' keeps these settings; without it the next boot is the default again.\n");
	}
	if (selected == 1)
		return strbuf_puts(
			b,
			"  Selected for the next boot only: reboot to try it. If that boot fails, the boot after it is the default by itself.\n");
	return strbuf_printf(
		b,
		"  Not confirmed: %s, and the next boot is the default%s; nothing permanent changed. Its entry stays in the boot menu until 'amdgpu-tune apply --trial %s' tries again or 'amdgpu-tune remove --trial' ends it.\n",
		booted < 0
			? "whether this boot is the trial is not known (proc/cmdline not read)"
			: "this boot is not the trial",
		selected < 0 ? " (as far as boot/grub/grubenv can be read)" : "",
		t->profile);
}

int cmd_status(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	struct compared c = {0};
	_cleanup_diag_list_ struct diag_list d = {0};
	_cleanup_strbuf_ struct strbuf out = {0};
	_cleanup_free_ char *applied = NULL;
	_cleanup_strbuf_ struct strbuf trial = {0};
	char card[128] = "";
	uint64_t gtt;
	int r, code = EXIT_OK;

	if (argc != 0)
		return usage_error("status takes no arguments");
	r = applied_profile(root, &applied, &d);
	if (r < 0) {
		print_diags(&d, o);
		return exit_for(r == -EBADMSG ? -EINVAL : r);
	}
	gtt = gtt_total(root, card);
	/* A trial record that cannot be used is an error beside the rest of the report.
	 */
	r = trial_report(root, o->json, gtt, card, &trial, &d);
	if (r < 0 && r != -EBADMSG) {
		print_diags(&d, o);
		return exit_for(r);
	}
	if (!applied) {
		print_diags(&d, o);
		if (o->json) {
			render_status_json(&out, NULL, NULL, gtt, card, NULL, trial.s,
					   &d);
			print_out(o, out.s);
		} else {
			printf("No profile applied (no %s).\n%s", STATE_FILE,
			       trial.s ? trial.s : "");
		}
		return diag_count(&d, DIAG_ERROR) ? EXIT_INVALID : EXIT_OK;
	}
	r = compare(root, &o->req, applied, COMPARE_APPLIED, &c, &d);
	if (r == 0)
		r = status_kernel_log(root, o, &c, gtt, card, &d);
	if (r == 0) {
		code = status_verdict(c.layers) == STATUS_IN_EFFECT ? EXIT_OK
								    : EXIT_DIFFERS;
		if (diag_count(&d, DIAG_ERROR))
			code = EXIT_INVALID;
		struct applied_notes an = {c.notes, c.replan};

		r = o->json ? render_status_json(&out, c.name, c.layers, gtt, card, &an,
						 trial.s, &d)
			    : render_status_text(&out, c.name, c.file, c.layers, gtt,
						 card, &an);
		if (r == 0 && !o->json && trial.s)
			r = strbuf_puts(&out, trial.s);
	}
	print_diags(&d, o);
	if (r == 0)
		print_out(o, out.s);
	compared_done(&c);
	return r < 0 ? exit_for(r) : code;
}

/* ---- Changing the configuration: apply, rollback, remove ---- */
