/* The status command. */
#include <stdio.h>
#include <unistd.h>

#include "gpu.h"
#include "kfacts.h"
#include "klog.h"
#include "klogread.h"
#include "ops.h"
#include "render-layers.h"
#include "strv.h"
#include "sysroot.h"
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

int cmd_status(struct sysroot *root, const struct options *o, int argc, char **argv)
{
	struct compared c = {0};
	_cleanup_diag_list_ struct diag_list d = {0};
	_cleanup_strbuf_ struct strbuf out = {0};
	_cleanup_free_ char *applied = NULL;
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
	if (!applied) {
		if (o->json) {
			render_status_json(&out, NULL, NULL, gtt, card, NULL, &d);
			print_out(o, out.s);
		} else {
			printf("No profile applied (no %s).\n", STATE_FILE);
		}
		return EXIT_OK;
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
						 &d)
			    : render_status_text(&out, c.name, c.file, c.layers, gtt,
						 card, &an);
	}
	print_diags(&d, o);
	if (r == 0)
		print_out(o, out.s);
	compared_done(&c);
	return r < 0 ? exit_for(r) : code;
}

/* ---- Changing the configuration: apply, rollback, remove ---- */
