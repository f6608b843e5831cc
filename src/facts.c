#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <libkmod.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "bootcfg.h"
#include "facts.h"
#include "gpu.h"
#include "kparam.h"
#include "modinfo.h"
#include "size.h"
#include "paramcache.h"
#include "strv.h"
#include "sysroot.h"

#define MEMINFO_MAX ((size_t)64 * 1024)
#define BUILTIN_MAX ((size_t)4 * 1024 * 1024)

static int read_memtotal(const struct sysroot *root, uint64_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = sysroot_read_file(root, "proc/meminfo", MEMINFO_MAX, false, &buf, &len);

	if (r < 0)
		return r;
	/* The text ends at a NUL byte, as the kernel never writes one. */
	return size_memtotal(buf, ret);
}

/* The PCI ids amdxdna binds: vendor 0x1022 and these devices (the union of its
 * pci_ids[] tables across kernel and out-of-tree releases, amdxdna_pci_drv.c). A class
 * 0x1180 function of another vendor or device is not an XDNA NPU. */
static const unsigned xdna_devices[] = {0x1502, 0x17f0, 0x17f1, 0x17f2,
					0x17f3, 0x1b0a, 0x1b0b, 0x1b0c};

static bool read_hex(const struct sysroot *root, const char *rel, unsigned long *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	char *end;

	if (sysroot_read_file(root, rel, 64, false, &buf, &len) < 0)
		return false;
	errno = 0;
	*ret = strtoul(buf, &end, 16);
	return errno == 0 && end != buf && (*end == '\n' || *end == '\0');
}

static bool npu_present(const struct sysroot *root)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	bool found = false;

	if (sysroot_exists(root, "sys/module/amdxdna"))
		return true;
	if (sysroot_opendir(root, "sys/bus/pci/devices", &d) < 0)
		return false;
	while (!found && (de = readdir(d))) {
		char rel[320];
		unsigned long vendor, device;

		if (de->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/vendor", de->d_name);
		if (!read_hex(root, rel, &vendor) || vendor != 0x1022)
			continue;
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/device", de->d_name);
		if (!read_hex(root, rel, &device))
			continue;
		for (size_t i = 0; i < ELEMENTSOF(xdna_devices); i++)
			found |= device == xdna_devices[i];
	}
	return found;
}

static int cmp_version(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the modules listed in modules.builtin (paths like kernel/.../ttm.ko). */
static int read_builtin(const struct sysroot *root, const char *version, char ***ret)
{
	_cleanup_free_ char *buf = NULL;
	char rel[512], **v = NULL;
	size_t len, n = 0, lines = 1;
	int r;

	snprintf(rel, sizeof(rel), "lib/modules/%s/modules.builtin", version);
	r = sysroot_read_file(root, rel, BUILTIN_MAX, false, &buf, &len);
	if (r < 0) {
		*ret = NULL;
		return r == -ENOENT ? 0 : r;
	}
	/* One entry per line at most: the list is sized once (a kernel has hundreds). */
	for (const char *p = buf; (p = strchr(p, '\n')); p++)
		lines++;
	v = calloc(lines + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (char *line = buf, *next; line && *line; line = next) {
		char *slash, *dot;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		slash = strrchr(line, '/');
		slash = slash ? slash + 1 : line;
		dot = strstr(slash, ".ko");
		if (!dot)
			continue;
		*dot = '\0';
		for (char *c = slash; *c; c++)
			if (*c == '-')
				*c = '_';
		v[n] = strdup(slash);
		if (!v[n++]) {
			strv_free(v);
			return -ENOMEM;
		}
	}
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*ret = v;
	return 0;
}

static bool cache_writes;

void machine_facts_cache_writes(bool on)
{
	cache_writes = on;
}

/* AMDGPU_TUNE_NO_CACHE=1 reads every module file (benchmarks, debugging). */
static bool getenv_cache_enabled(void)
{
	const char *e = secure_getenv("AMDGPU_TUNE_NO_CACHE");

	return !e || !*e || streq(e, "0");
}

/* A path naming the directory dfd for libkmod, which takes a path, not a descriptor:
 * /proc/self/fd/N, which nothing can swap under it, where procfs is mounted; else (a
 * chroot being set up, with no /proc) the absolute path getcwd() reports from inside
 * the directory: every symlink resolved by the kernel at that moment, but a path, which
 * libkmod resolves again when it opens files (a rename in between would be followed).
 * fchdir() changes the process's directory for a moment, which is safe because the
 * tool is single-threaded; the caller's directory is restored. 0, or -errno. */
static int moddir_path(int dfd, char *buf, size_t size)
{
	int cwd, r = 0;

	snprintf(buf, size, "/proc/self/fd/%d", dfd);
	if (access(buf, X_OK) == 0)
		return 0;
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0)
		return -errno;
	if (fchdir(dfd) < 0 || !getcwd(buf, size))
		r = -errno;
	else if (buf[0] != '/')
		r = -ENOENT; /* "(unreachable)": outside this process's root */
	if (fchdir(cwd) < 0 && r == 0)
		r = -errno;
	close(cwd);
	return r;
}

/* The files of a kernel's module directory libkmod may open: kmod_new() reads
 * modules.softdep and modules.weakdep as configuration, the lookups the indexes and
 * modules.builtin.modinfo. It opens them blocking (fopen(), open() without O_NONBLOCK),
 * so a FIFO among them would hang us: each one present must be a regular file, judged as
 * libkmod reaches it (through the directory fd, following symlinks). The first that is
 * not, or NULL. */
static const char *kmod_files_irregular(int dfd)
{
	static const char *const files[] = {
		"modules.dep.bin",	   "modules.dep",
		"modules.alias.bin",	   "modules.alias",
		"modules.symbols.bin",	   "modules.symbols",
		"modules.builtin.bin",	   "modules.builtin.alias.bin",
		"modules.builtin.modinfo", "modules.softdep",
		"modules.weakdep",	   "modules.devname",
	};

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		struct stat st;

		if (fstatat(dfd, files[i], &st, 0) == 0 && !S_ISREG(st.st_mode))
			return files[i];
	}
	return NULL;
}

/* image: the root is an image being built, whose var/cache is not to be filled (bootc
 * copies an image's /var to a machine at its first install only, and its lint wants
 * it empty). */
static int read_kernel(const struct sysroot *root, const char *version,
		       char *const *modules, bool image, struct kernel_info *k,
		       struct diag_list *d)
{
	_cleanup_strv_free_ char **builtin = NULL;
	char rel[512], moddir[PATH_MAX];
	struct kmod_ctx *ctx = NULL;
	int dfd, r;

	*k = (struct kernel_info){0};
	k->version = strdup(version);
	if (!k->version)
		return -ENOMEM;
	k->ver_known = kernel_version_parse(version, k->ver) == 0;
	r = read_builtin(root, version, &builtin);
	if (r < 0)
		diag_warning(d, NULL, 0, "lib/modules/%s/modules.builtin: %s", version,
			     strerror(-r));

	snprintf(rel, sizeof(rel), "lib/modules/%s/modules.dep.bin", version);
	k->has_index = sysroot_exists(root, rel);
	if (!k->has_index)
		diag_warning(
			d, NULL, 0,
			"kernel %s has no modules.dep.bin (run depmod): its modules are not checked",
			version);
	snprintf(rel, sizeof(rel), "lib/modules/%s", version);
	dfd = sysroot_openat(root, rel, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0 && k->has_index) {
		const char *bad = kmod_files_irregular(dfd);

		if (bad) {
			diag_warning(
				d, NULL, 0,
				"lib/modules/%s/%s is not a regular file: the modules of kernel %s are not checked",
				version, bad, version);
			k->has_index = false;
		}
	}
	if (dfd >= 0 && k->has_index) {
		/* libkmod wants a path: the directory already resolved inside the root.
		 */
		r = moddir_path(dfd, moddir, sizeof(moddir));
		if (r < 0)
			diag_warning(d, NULL, 0, "%s: no path for libkmod: %s", rel,
				     strerror(-r));
		else
			ctx = modinfo_context(moddir);
		r = 0;
	}
	for (size_t i = 0; modules[i]; i++) {
		struct module_schema *s;

		if (ARRAY_GROW(k->modules, k->n_modules) < 0) {
			r = -ENOMEM;
			goto out;
		}
		s = &k->modules[k->n_modules++];
		*s = (struct module_schema){.module = cmdline_name_canonical(modules[i])};
		if (!s->module) {
			r = -ENOMEM;
			goto out;
		}
		s->builtin = strv_contains(builtin, s->module);
		s->found = s->builtin;
		if (ctx && !s->builtin) {
			struct paramcache pc = {.root = root,
						.version = version,
						.moddir = moddir,
						.disabled = !getenv_cache_enabled(),
						.read_only = !cache_writes || image};
			struct modinfo_cache ops = paramcache_ops;

			ops.data = &pc;
			r = modinfo_lookup(ctx, s->module, &ops, s);
			if (r == -ENOMEM)
				goto out;
			if (r < 0)
				diag_warning(d, NULL, 0,
					     "kernel %s: cannot read module %s: %s",
					     version, s->module, read_error_text(-r));
			if (s->path && startswith(s->path, moddir)) {
				/* Show the module file relative to the root, not through
				 * /proc. */
				struct strbuf b = {0};

				strbuf_printf(&b, "%s%s", rel, s->path + strlen(moddir));
				free(s->path);
				s->path = b.s;
			}
		}
	}
	{
		/* The TTM amdgpu uses is the one the amdgpu modprobe loads depends on
		 * (a DKMS amdgpu in updates/ wins over the kernel's and needs amdttm);
		 * without that, amdttm whenever it is installed. */
		const struct module_schema *amdttm = kernel_module(k, "amdttm"),
					   *amdgpu = kernel_module(k, "amdgpu");

		if (amdgpu && strv_contains(amdgpu->depends, "amdttm"))
			k->ttm_module = strdup("amdttm");
		else if (amdgpu && strv_contains(amdgpu->depends, "ttm"))
			k->ttm_module = strdup("ttm");
		else
			k->ttm_module =
				strdup(amdttm && amdttm->found ? "amdttm" : "ttm");
		k->ttm_from_depends =
			amdgpu && (strv_contains(amdgpu->depends, "amdttm") ||
				   strv_contains(amdgpu->depends, "ttm"));
	}
	r = k->ttm_module ? 0 : -ENOMEM;
out:
	if (ctx)
		kmod_unref(ctx);
	if (dfd >= 0)
		close(dfd);
	return r;
}

int machine_facts_read(struct sysroot *root, uint64_t mem_override,
		       const char *only_kernel, char *const *modules,
		       struct machine_facts **ret, struct diag_list *d)
{
	_cleanup_machine_facts_ struct machine_facts *m = calloc(1, sizeof(*m));
	_cleanup_strv_free_ char **versions = NULL, **want = NULL;
	_cleanup_closedir_ DIR *dir = NULL;
	long ps = sysconf(_SC_PAGESIZE);
	int r;

	if (!m)
		return -ENOMEM;
	m->page_size = ps > 0 ? (uint64_t)ps : 4096;
	/* The root's own MemTotal is read even when --memory overrides it, so that the
	 * caller can say when the two differ; an image's is the building machine's. */
	m->image = boot_root_is_image(root);
	r = m->image ? -ENOENT : read_memtotal(root, &m->mem_machine);
	m->mem_machine_known = r == 0;
	if (mem_override) {
		m->mem_total = mem_override;
		m->mem_known = m->mem_from_option = true;
	} else {
		m->mem_total = m->mem_machine_known ? m->mem_machine : 0;
		m->mem_known = m->mem_machine_known;
	}
	m->npu_present = npu_present(root);
	m->ttm_both_loaded = sysroot_exists(root, "sys/module/ttm/parameters") &&
			     sysroot_exists(root, "sys/module/amdttm/parameters");

	for (const char *const *b = amd_modules; *b; b++)
		if (strv_push(&want, *b) < 0)
			return -ENOMEM;
	for (size_t i = 0; modules && modules[i]; i++) {
		_cleanup_free_ char *c = cmdline_name_canonical(modules[i]);

		if (!c || (!strv_contains(want, c) && strv_push(&want, c) < 0))
			return -ENOMEM;
	}

	if (sysroot_opendir(root, "lib/modules", &dir) == 0) {
		struct dirent *de;

		while ((de = readdir(dir))) {
			char rel[512];
			int fd;

			if (de->d_name[0] == '.' || strlen(de->d_name) > 200)
				continue;
			if (only_kernel && !streq(de->d_name, only_kernel))
				continue;
			snprintf(rel, sizeof(rel), "lib/modules/%s", de->d_name);
			fd = sysroot_openat(root, rel, O_RDONLY | O_DIRECTORY);
			if (fd < 0)
				continue;
			close(fd);
			if (strv_push(&versions, de->d_name) < 0)
				return -ENOMEM;
		}
	}
	if (only_kernel && !versions)
		return diag_error(d, -ENOENT, NULL, 0,
				  "kernel '%s' is not installed (no lib/modules/%s)",
				  only_kernel, only_kernel);
	if (versions)
		qsort(versions, strv_length(versions), sizeof(char *), cmp_version);
	for (size_t i = 0; versions && versions[i]; i++) {
		if (ARRAY_GROW(m->kernels, m->n_kernels) < 0)
			return -ENOMEM;
		r = read_kernel(root, versions[i], want, m->image,
				&m->kernels[m->n_kernels], d);
		m->n_kernels++;
		if (r < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(m);
	return 0;
}

static int cmp_gpu(const void *a, const void *b)
{
	return strcmp(((const struct gpu *)a)->pci, ((const struct gpu *)b)->pci);
}

int gpus_read(const struct sysroot *root, struct gpu **ret, size_t *ret_n)
{
	struct gpu *g = NULL;
	size_t n = 0;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (sysroot_opendir(root, "sys/bus/pci/devices", &d) < 0) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((de = readdir(d))) {
		char rel[400];
		unsigned long vendor, device, cls, gc[3];
		const char *gfx = NULL;
		bool have_gc = true;

		if (de->d_name[0] == '.' || strlen(de->d_name) > 64)
			continue;
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/vendor", de->d_name);
		if (!read_hex(root, rel, &vendor) || vendor != 0x1002)
			continue;
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/class", de->d_name);
		/* Display controllers only: the cards' audio and USB functions share the
		 * vendor. */
		if (!read_hex(root, rel, &cls) || (cls >> 16) != 0x03)
			continue;
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/device", de->d_name);
		if (!read_hex(root, rel, &device) || device > 0xffff)
			continue;
		for (int i = 0; i < 3 && have_gc; i++) {
			static const char *const part[] = {"major", "minor", "revision"};
			_cleanup_free_ char *buf = NULL;
			size_t len;
			char *end;

			snprintf(rel, sizeof(rel),
				 "sys/bus/pci/devices/%s/ip_discovery/die/0/GC/0/%s",
				 de->d_name, part[i]);
			have_gc =
				sysroot_read_file(root, rel, 64, false, &buf, &len) == 0;
			if (have_gc) {
				gc[i] = strtoul(buf, &end, 10);
				have_gc = end != buf && (*end == '\n' || !*end) &&
					  gc[i] < 1000;
			}
		}
		if (have_gc)
			gfx = gpu_gfx_from_gc((unsigned)gc[0], (unsigned)gc[1],
					      (unsigned)gc[2]);
		if (!gfx) {
			const struct gpu_id *id = gpu_id_lookup((uint16_t)device);

			gfx = id ? id->gfx : NULL;
		}
		if (ARRAY_GROW(g, n) < 0)
			goto oom;
		g[n] = (struct gpu){.pci = strdup(de->d_name),
				    .device = (unsigned)device};
		n++;
		if (!g[n - 1].pci || strdup_ptr(gfx, &g[n - 1].gfx) < 0)
			goto oom;
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", de->d_name);
		if (sysroot_link_basename(root, rel, &g[n - 1].driver) == -ENOMEM)
			goto oom;
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/mem_info_vram_total",
			 de->d_name);
		g[n - 1].vram_known = sysfs_read_u64(root, rel, &g[n - 1].vram);
		{
			uint64_t opt;

			snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/uma/carveout",
				 de->d_name);
			g[n - 1].uma_option = sysfs_read_u64(root, rel, &opt) && opt < 64
						      ? (int)opt
						      : -1;
		}
	}
	if (n)
		qsort(g, n, sizeof(*g), cmp_gpu);
	*ret = g;
	*ret_n = n;
	return 0;
oom:
	gpus_free(g, n);
	return -ENOMEM;
}

/* The value of "KEY N" in a KFD properties file (one "key value" pair per line, as
 * kfd_topology.c's sysprops_show/mem_show print them). */
static bool kfd_property(const char *text, const char *key, uint64_t *ret)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char num[32];
		size_t len;

		if (strncmp(p, key, n) != 0 || p[n] != ' ')
			continue;
		len = strcspn(p + n + 1, "\n");
		if (len == 0 || len >= sizeof(num))
			return false;
		memcpy(num, p + n + 1, len);
		num[len] = '\0';
		return num[0] >= '0' && num[0] <= '9' && kparam_parse_u64(num, ret) == 0;
	}
	return false;
}

bool sysfs_read_u64(const struct sysroot *root, const char *rel, uint64_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (sysroot_read_file(root, rel, 64, false, &buf, &len) < 0)
		return false;
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return len && buf[0] >= '0' && buf[0] <= '9' && kparam_parse_u64(buf, ret) == 0;
}

/* A PCI address as the kernel names a device in sysfs, DOMAIN:BUS:DEV.FN (pci_name():
 * "%04x:%02x:%02x.%d"; a domain may be longer, as VMD's 10000). */
static bool pci_address_parse(const char *s, unsigned *dom, unsigned *bus, unsigned *dev,
			      unsigned *fn)
{
	size_t k;

	if (!(k = hex_digits(s, 8, dom)) || s[k] != ':')
		return false;
	s += k + 1;
	if (hex_digits(s, 2, bus) != 2 || s[2] != ':')
		return false;
	s += 3;
	if (hex_digits(s, 2, dev) != 2 || s[2] != '.' || *dev > 0x1f)
		return false;
	s += 3;
	return hex_digits(s, 1, fn) == 1 && s[1] == '\0' && *fn <= 7;
}

int kfd_gpu_memory(const struct sysroot *root, const char *pci, uint64_t *ret_bytes,
		   char ret_node[static 128])
{
	unsigned dom, bus, dev, fn;

	if (!pci_address_parse(pci, &dom, &bus, &dev, &fn))
		return -ENOENT;
	for (int node = 0; node < 64; node++) {
		_cleanup_free_ char *props = NULL;
		char rel[160];
		uint64_t sum = 0, gpu_id = 0, domain, location;
		size_t len;
		bool any = false;

		snprintf(rel, sizeof(rel), "sys/class/kfd/kfd/topology/nodes/%d/gpu_id",
			 node);
		if (!sysfs_read_u64(root, rel, &gpu_id) || gpu_id == 0)
			continue; /* absent, or a CPU node */
		snprintf(rel, sizeof(rel),
			 "sys/class/kfd/kfd/topology/nodes/%d/properties", node);
		if (sysroot_read_file(root, rel, 16384, false, &props, &len) < 0 ||
		    !kfd_property(props, "location_id", &location) ||
		    !kfd_property(props, "domain", &domain) || domain != dom ||
		    location != ((uint64_t)bus << 8 | dev << 3 | fn))
			continue;
		for (int bank = 0; bank < 16; bank++) {
			_cleanup_free_ char *bp = NULL;
			uint64_t size;

			snprintf(
				rel, sizeof(rel),
				"sys/class/kfd/kfd/topology/nodes/%d/mem_banks/%d/properties",
				node, bank);
			if (sysroot_read_file(root, rel, 4096, false, &bp, &len) < 0)
				break;
			if (kfd_property(bp, "size_in_bytes", &size) &&
			    sum + size >= sum) {
				sum += size;
				any = true;
			}
		}
		if (!any)
			continue;
		snprintf(ret_node, 128, "sys/class/kfd/kfd/topology/nodes/%d", node);
		*ret_bytes = sum;
		return 0;
	}
	return -ENOENT;
}

bool running_release(const struct sysroot *root, char buf[static 128])
{
	_cleanup_free_ char *s = NULL;
	size_t len;

	if (sysroot_read_file(root, "proc/sys/kernel/osrelease", 127, false, &s, &len) <
	    0)
		return false;
	if (len && s[len - 1] == '\n')
		s[--len] = '\0';
	if (!len || strlen(s) != len || strcspn(s, " \t\n/") != len)
		return false;
	memcpy(buf, s, len + 1);
	return true;
}
