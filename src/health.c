#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootcfg.h"
#include "dpkg.h"
#include "facts.h"
#include "gpu.h"
#include "health.h"
#include "kfacts.h"
#include "machine.h"
#include "modprobe.h"
#include "paths.h"
#include "rpmdb.h"
#include "sysroot.h"

/* A carve-out from which ROCm gains nothing worth naming: 2 GiB (firmware setups offer
 * 512 MiB to 96 GiB). */
#define CARVEOUT_LARGE (UINT64_C(2) << 30)

/* The smallest size uma/carveout_options offers: its lines are "N: NAME (SIZE MB)" or
 * "(SIZE GB)" (carveout_options_show() in amdgpu_device.c, 7.2 and later; the
 * directory exists only where the firmware can change the carve-out). false when the
 * file is absent or lists none. */
static bool uma_smallest(const struct sysroot *root, const char *pci, unsigned *ret_index,
			 uint64_t *ret_mib)
{
	_cleanup_free_ char *buf = NULL;
	char rel[160];
	size_t len;
	bool found = false;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/uma/carveout_options", pci);
	if (sysroot_read_file(root, rel, 4096, false, &buf, &len) < 0)
		return false;
	for (char *line = buf, *next; line && *line; line = next) {
		char *end, *open;
		unsigned long idx;
		unsigned long long size;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		idx = strtoul(line, &end, 10);
		open = strrchr(line, '(');
		if (end == line || *end != ':' || idx > 64 || !open)
			continue;
		size = strtoull(open + 1, &end, 10);
		if (end == open + 1 || size > 1u << 20)
			continue;
		if (streq(end, " GB)"))
			size <<= 10;
		else if (!streq(end, " MB)"))
			continue;
		if (!found || size < *ret_mib) {
			*ret_index = (unsigned)idx;
			*ret_mib = size;
			found = true;
		}
	}
	return found;
}

/* How to make the carve-out smaller on this machine, into fix. */
static void carveout_fix(const struct sysroot *root, const char *pci, char *fix, size_t n)
{
	unsigned idx = 0;
	uint64_t mib = 0;

	if (uma_smallest(root, pci, &idx, &mib))
		snprintf(
			fix, n,
			"option %u of sys/bus/pci/devices/%s/uma/carveout_options is the smallest (%" PRIu64
			" MiB): 'echo %u | sudo tee /sys/bus/pci/devices/%s/uma/carveout' sets it for the next boot",
			idx, pci, mib, idx, pci);
	else
		snprintf(
			fix, n,
			"set the UMA frame buffer size to its smallest in the firmware setup");
}

/* The BIOS carve-out of each APU (g->vram, from gpus_read()) against this boot's kernel
 * (release, version v) and RAM. */
static int carveout(const struct sysroot *root, const struct machine_facts *m,
		    const struct gpu *g, const char *release, const unsigned v[3],
		    struct diag_list *d)
{
	char rel[160], c[32], gt[32], ram[32], fix[400];
	uint64_t vram = g->vram, gtt = 0, pages = 0;
	bool gtt_known;
	int r = 0;

	if (!gpu_gfx_is_apu(g->gfx) || !g->vram_known)
		return 0;
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/mem_info_gtt_total", g->pci);
	gtt_known = sysfs_read_u64(root, rel, &gtt);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/mem_info_vram_total", g->pci);
	format_gib(vram, c);
	format_gib(gtt, gt);
	carveout_fix(root, g->pci, fix, sizeof(fix));
	switch (kf_apu_vram(v)) {
	case KF_APU_VRAM_GTT:
		if (vram >= CARVEOUT_LARGE)
			r = diag_warning(
				d, rel, 0,
				"the %s carve-out of %s is RAM ROCm cannot use on %s: KFD puts an APU's VRAM allocations in the GTT (amdgpu_amdkfd_gpuvm_alloc_memory_of_gpu(), 6.10 to 6.12), and MemTotal is smaller by it; %s",
				c, g->pci, release, fix);
		break;
	case KF_APU_VRAM_GTT_IF_LARGER:
		/* A large carve-out is a choice; it matters when the TTM limit was raised
		 * for ROCm and ROCm does not use it. */
		if (gtt_known && vram >= gtt && m->mem_known &&
		    gtt > m->mem_total / 2 + m->page_size)
			r = diag_warning(
				d, rel, 0,
				"ROCm uses the %s carve-out of %s, not its %s GTT, on %s: the carve-out is at least the GTT (apu_prefer_gtt is set only when it is smaller, amdgpu_ttm_init()); %s%s%s%s",
				c, g->pci, gt, release,
				/* amdgpu caps the GTT to MemTotal: only a carve-out
				 * below it can be passed by a larger limit. */
				m->mem_known && vram < m->mem_total ? "a TTM limit above "
								    : "",
				m->mem_known && vram < m->mem_total ? c : "",
				m->mem_known && vram < m->mem_total
					? " switches ROCm to the GTT, or "
					: "",
				fix);
		break;
	case KF_APU_VRAM_CARVEOUT:
	case KF_APU_VRAM_NOT_KNOWN:
		break;
	}
	/* MemTotal leaves the carve-out out: a TTM limit above MemTotal is carve-out +
	 * GTT above the installed RAM. */
	for (size_t i = 0;
	     r == 0 && m->mem_known && !m->mem_from_option && ttm_modules[i]; i++) {
		char prel[96], lim[32];
		uint64_t bytes;

		snprintf(prel, sizeof(prel), "sys/module/%s/parameters/pages_limit",
			 ttm_modules[i]);
		if (!sysfs_read_u64(root, prel, &pages) || pages == 0 ||
		    pages > UINT64_MAX / m->page_size)
			continue;
		bytes = pages * m->page_size;
		if (bytes <= m->mem_total)
			continue;
		format_gib(bytes, lim);
		format_gib(m->mem_total, ram);
		r = diag_warning(
			d, prel, 0,
			"%s.pages_limit of %s and the %s carve-out exceed the installed RAM (MemTotal %s leaves the carve-out out): amdgpu caps the GTT to MemTotal on every kernel (\"Capping GTT\", amdgpu_ttm_init()), but nothing caps %s.pages_limit%s",
			ttm_modules[i], lim, c, ram, ttm_modules[i],
			kf_kfd_capped_at_3_8(v)
				? ""
				: ", and KFD lets ROCm allocate up to it within RAM less 1/64 and 1.5 GiB (amdgpu_amdkfd_gpuvm_init_mem_limits(), 6.12 and 7.3; not even that with amdgpu.no_system_mem_limit=1)");
	}
	return r;
}

/* amdgpu.param as the next boot sets it, the command line over modprobe.d: 1 with *ret
 * its value (NULL for a bare name; the caller frees it), 0 when it is not set, or
 * -ENOMEM. */
static int next_boot_amdgpu(const struct boot_facts *b, const struct sargs *cmd,
			    const char *param, char **ret)
{
	struct sargs opts = {0};
	const struct sarg *a = NULL;
	char name[64];
	int r = 0;

	*ret = NULL;
	snprintf(name, sizeof(name), "amdgpu.%s", param);
	if (cmd)
		a = sargs_find(cmd, name);
	if (!a && b->modprobe) {
		r = modprobe_module_args(b->modprobe, "amdgpu", &opts);
		a = r == 0 ? sargs_find(&opts, param) : NULL;
	}
	if (r == 0 && a)
		r = a->value && !(*ret = strdup(a->value)) ? -ENOMEM : 1;
	sargs_done(&opts);
	return r;
}

/* The GPU job timeout each target kernel gives compute work submitted through amdgpu's
 * own queues (Mesa's Vulkan and OpenCL; amdgpu_userq.c on 7.3): 2 s on 7.2 and later
 * where 6.1 to 6.12 gave a minute. ROCm's KFD queues are not covered: amdkfd never
 * reads the timeouts. */
static int lockup(const struct machine_facts *m, const struct boot_facts *b,
		  const struct sargs *cmd, struct diag_list *d)
{
	_cleanup_strbuf_ struct strbuf short_ = {0};
	_cleanup_strbuf_ struct strbuf long_ = {0};
	_cleanup_free_ char *set = NULL;
	int r = next_boot_amdgpu(b, cmd, "lockup_timeout", &set);

	if (r != 0)
		return r < 0 ? r : 0;
	for (size_t i = 0; i < m->n_kernels; i++) {
		const struct kernel_info *k = &m->kernels[i];
		int ms = k->ver_known ? kf_lockup_compute_ms(k->ver) : -1;

		if (ms == 2000)
			strbuf_list_add(&short_, k->version);
		else if (ms == 60000)
			strbuf_list_add(&long_, k->version);
	}
	if (!short_.len)
		return 0;
	return diag_warning(
		d, NULL, 0,
		"on %s amdgpu resets the GPU when a job on its own queues runs longer than 2 s, compute included (amdgpu.lockup_timeout's default; %s gave compute 60 s: amdgpu_device_get_job_timeout_settings()); ROCm's KFD queues are not covered, but long Vulkan or Mesa OpenCL compute jobs need amdgpu.lockup_timeout=0,60000 (0 keeps the kernel's default for graphics; a profile's [module amdgpu] lockup_timeout)",
		short_.s, long_.len ? long_.s : "6.1 to 6.12");
}

/* Whether a comma-separated list (modprobe.blacklist=, module_blacklist=) names
 * amdgpu. */
static bool lists_amdgpu(const char *list)
{
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ",");

		if (n == 6 && strncmp(p, "amdgpu", 6) == 0)
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

/* The command-line lists that keep a module from loading, and what each does. */
static const struct {
	const char *name, *what;
} blacklists[] = {
	{"modprobe.blacklist",
	 "kmod does not load amdgpu by the GPU's alias, the way udev loads it at boot (kmod reads the list from /proc/cmdline)"},
	{"module_blacklist",
	 "the kernel refuses to load amdgpu (blacklisted() in kernel/module/main.c)"},
};

/* What keeps amdgpu from binding the GPU at the next boot: the command line (file:line
 * from the boot configuration) and modprobe.d. */
static int not_binding(const struct machine_facts *m, const struct boot_facts *b,
		       const struct sargs *cmd, struct diag_list *d)
{
	_cleanup_strbuf_ struct strbuf refuse = {0};
	_cleanup_strbuf_ struct strbuf probe = {0};
	const struct sarg *a;
	int r = 0;

	if (cmd && (a = sargs_find(cmd, "nomodeset"))) {
		/* amdgpu.modeset other than -1 overrides nomodeset in 7.3's
		 * amdgpu_pci_probe(). */
		_cleanup_free_ char *modeset = NULL;
		int over = next_boot_amdgpu(b, cmd, "modeset", &modeset);

		if (over < 0)
			return over;
		over = over && modeset && !streq(modeset, "-1");
		for (size_t i = 0; i < m->n_kernels; i++) {
			const struct kernel_info *k = &m->kernels[i];
			int n = k->ver_known ? kf_nomodeset(k->ver) : -1;

			if (n == 1)
				strbuf_list_add(&refuse, k->version);
			else if (n == 2 && !over)
				strbuf_list_add(&probe, k->version);
		}
		if (refuse.len)
			r = diag_warning(
				d, boot_next_file(b, a->at), a->at.line,
				"nomodeset: amdgpu refuses to load on %s (amdgpu_init()), so no amdgpu or TTM setting takes effect there; remove it",
				refuse.s);
		if (r == 0 && probe.len)
			r = diag_warning(
				d, boot_next_file(b, a->at), a->at.line,
				"nomodeset: on %s amdgpu_pci_probe() refuses display-class GPUs (every APU and Radeon card) unless amdgpu.modeset is set (to other than -1), so no amdgpu or TTM setting takes effect; remove it",
				probe.s);
	}
	for (size_t i = 0; r == 0 && cmd && i < ELEMENTSOF(blacklists); i++)
		if ((a = sargs_find(cmd, blacklists[i].name)) && lists_amdgpu(a->value))
			r = diag_warning(
				d, boot_next_file(b, a->at), a->at.line,
				"%s=%s: %s, so no amdgpu or TTM setting takes effect",
				blacklists[i].name, a->value, blacklists[i].what);
	for (size_t i = 0; r == 0 && b->modprobe && i < b->modprobe->n_directives; i++) {
		const struct modprobe_directive *dv = &b->modprobe->directives[i];
		const char *file = modprobe_file_name(b->modprobe, dv->at.file);
		const char *w;
		size_t n;

		if (!streq(dv->module, "amdgpu"))
			continue;
		if (streq(dv->cmd, "blacklist")) {
			r = diag_warning(
				d, file, dv->at.line,
				"blacklist amdgpu: kmod does not load amdgpu for the GPU's alias (the way udev loads it at boot), so no amdgpu or TTM setting takes effect");
			continue;
		}
		/* install amdgpu /bin/true (or false): modprobe runs that instead. */
		w = dv->rest ? dv->rest + strspn(dv->rest, " \t") : "";
		n = strcspn(w, " \t");
		if ((n >= 4 && strncmp(w + n - 4, "true", 4) == 0 &&
		     (n == 4 || w[n - 5] == '/')) ||
		    (n >= 5 && strncmp(w + n - 5, "false", 5) == 0 &&
		     (n == 5 || w[n - 6] == '/')))
			r = diag_warning(
				d, file, dv->at.line,
				"install amdgpu %.*s: modprobe runs that instead of loading amdgpu, so no amdgpu or TTM setting takes effect",
				(int)n, w);
	}
	return r;
}

/* The packages that carry amdgpu's firmware, each versioned by linux-firmware's date
 * (an epoch aside): Debian's firmware-amd-graphics; Fedora's amd-gpu-firmware (split
 * from linux-firmware in Fedora 39), and linux-firmware before that; Arch Linux's
 * linux-firmware-amdgpu (split in 2025), and linux-firmware before that. The first
 * installed one is it. */
static const struct {
	bool (*installed)(const struct sysroot *root, const char *pkg, char *buf,
			  size_t n);
	const char *pkg, *db;
} firmware_packages[] = {
	{dpkg_installed_version, "firmware-amd-graphics", "var/lib/dpkg/status"},
	{rpm_installed_version, "amd-gpu-firmware", NULL},
	{rpm_installed_version, "linux-firmware", NULL},
	{pacman_installed_version, "linux-firmware-amdgpu", "var/lib/pacman/local"},
	{pacman_installed_version, "linux-firmware", "var/lib/pacman/local"},
};

/* linux-firmware 20251125 carries the MES firmware (0x83) that breaks ROCm on gfx1151;
 * 20260110 fixed it. */
static int firmware(const struct sysroot *root, const struct gpu *gpus, size_t n,
		    struct diag_list *d)
{
	char v[64];
	bool gfx1151 = false;

	for (size_t i = 0; i < n; i++)
		gfx1151 |= gpus[i].gfx && streq(gpus[i].gfx, "gfx1151");
	if (!gfx1151)
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(firmware_packages); i++) {
		const char *date = v;

		if (!firmware_packages[i].installed(root, firmware_packages[i].pkg, v,
						    sizeof(v)))
			continue;
		if (strchr(v, ':'))
			date = strchr(v, ':') + 1;
		if (strncmp(date, "20251125", 8) != 0 ||
		    (date[8] != '\0' && date[8] != '-' && date[8] != '.'))
			return 0;
		return diag_warning(
			d, firmware_packages[i].db, 0,
			"%s %s%s is linux-firmware 20251125, whose MES firmware (0x83) breaks ROCm on gfx1151 (Strix Halo); 20260110 fixed it: upgrade the package",
			firmware_packages[i].pkg, v,
			firmware_packages[i].db ? "" : " (rpm's database)");
	}
	return 0;
}

/* A ttm.conf in modprobe.d: the file AMD's amd-ttm (amd-debug-tools) writes. It sorts
 * after 90-amdgpu-tune.conf, so its limit wins over one we write there (kmod joins the
 * options lines in file order; the kernel keeps the last value). */
static int leftover_ttm_conf(const struct boot_facts *b, struct diag_list *d)
{
	bool ours = false;
	int r = 0;

	for (size_t i = 0; b->modprobe && i < b->modprobe->n_files; i++)
		ours |= streq(b->modprobe->files[i], backend_modprobe_path(b->loader));
	if (!ours)
		return 0;

	for (size_t t = 0; r == 0 && b->modprobe && ttm_modules[t]; t++) {
		struct sargs opts = {0};

		r = modprobe_module_args(b->modprobe, ttm_modules[t], &opts);
		for (size_t i = 0; r == 0 && i < opts.n; i++) {
			const char *file =
				modprobe_file_name(b->modprobe, opts.v[i].at.file);
			const char *base = file ? strrchr(file, '/') : NULL;

			if (!base || !streq(base + 1, "ttm.conf") ||
			    !streq(opts.v[i].name, "pages_limit"))
				continue;
			r = diag_warning(
				d, file, opts.v[i].at.line,
				"%s.pages_limit=%s in ttm.conf, the file AMD's amd-ttm writes: it sorts after amdgpu-tune's %s and wins over a limit there; with amdgpu-tune setting the limit, remove it ('amd-ttm --clear' does)",
				ttm_modules[t], opts.v[i].value ? opts.v[i].value : "",
				backend_modprobe_path(b->loader));
			break;
		}
		sargs_done(&opts);
	}
	return r;
}

int health_check(const struct sysroot *root, const struct machine_facts *m,
		 const struct boot_facts *b, const struct gpu *gpus, size_t n_gpus,
		 bool timeouts, struct diag_list *d)
{
	struct sargs cmd = {0};
	char release[128];
	unsigned v[3];
	bool running;
	int r = 0;

	if (!b)
		return 0;
	if (b->next_known)
		r = srcline_args(&b->next, &cmd);
	running = running_release(root, release) && kernel_version_parse(release, v) == 0;
	for (size_t i = 0; r == 0 && running && i < n_gpus; i++)
		r = carveout(root, m, &gpus[i], release, v, d);
	if (r == 0 && n_gpus && timeouts)
		r = lockup(m, b, b->next_known ? &cmd : NULL, d);
	if (r == 0)
		r = not_binding(m, b, b->next_known ? &cmd : NULL, d);
	if (r == 0)
		r = firmware(root, gpus, n_gpus, d);
	if (r == 0)
		r = leftover_ttm_conf(b, d);
	sargs_done(&cmd);
	return r;
}
