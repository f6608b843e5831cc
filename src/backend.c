/* The table of boot loader backends and the set of files a change may touch. */
#include "backend.h"

/* No boot loader found: nothing read, no kernel arguments written; modprobe.d and
 * the initramfs work all the same. */
const struct boot_backend backend_unknown = {
	.name = "unknown",
	.trial_refuse =
		"apply --trial needs a boot loader amdgpu-tune writes to, and none was found",
};

/* Detection order: a bootc image being built first (its tree has OSTree's layout but
 * no deployment), then a booted OSTree system with rpm-ostree (whatever boot loader it
 * has, it is managed through rpm-ostree), then any other OSTree tree, then systemd-boot
 * when GRUB's files do not claim the machine too, then Debian's GRUB, then a GRUB whose
 * grub.cfg runs blscfg (Fedora's), then another GRUB (backend-sdboot.c, backend-grub.c
 * and backend-grubbls.c say why). */
const struct boot_backend *const backends[] = {
	&backend_bootc,	      /* a bootc image being built */
	&backend_rpm_ostree,  /* a booted OSTree system with rpm-ostree */
	&backend_ostree,      /* another OSTree tree or system (refused) */
	&backend_sdboot,      /* systemd-boot */
	&backend_debian_grub, /* GRUB with update-grub and grub.d */
	&backend_grub_bls,    /* GRUB with BLS entries (Fedora, RHEL) */
	&backend_grub,	      /* GRUB without drop-ins (Arch) */
	&backend_unknown,     /* none found */
	NULL,
};

const struct boot_backend *backend_by_name(const char *name)
{
	for (size_t i = 0; name && backends[i]; i++)
		if (streq(backends[i]->name, name))
			return backends[i];
	return NULL;
}

const struct boot_backend *backend_detect(const struct boot_probe *p, struct strbuf *ev)
{
	for (size_t i = 0; backends[i]; i++)
		if (backends[i]->detect && backends[i]->detect(p, ev))
			return backends[i];
	strbuf_puts(ev, "; no GRUB defaults and no systemd-boot found");
	return &backend_unknown;
}

const struct boot_backend *backend_for_cmdline_file(const char *path,
						    const struct boot_backend *loader)
{
	if (path && loader && loader->cmdline && streq(loader->cmdline->path, path))
		return loader;
	for (size_t i = 0; path && backends[i]; i++)
		if (backends[i]->cmdline && streq(backends[i]->cmdline->path, path))
			return backends[i];
	return NULL;
}

/* The files every backend shares. */
static const struct managed_file common[] = {
	{FRAGMENT_MODPROBE, MANAGED_MODPROBE, true},
	{TRIAL_FILE, MANAGED_TRIAL, false},
	{STATE_FILE, MANAGED_STATE, false},
};

/* The backend's command-line file (which 0), its own modprobe.d file (1) or its k-th
 * trial entry file (2). */
static const struct managed_file *file_of(const struct boot_backend *b, int which,
					  size_t k)
{
	if (which == 2)
		return b->trial_files ? b->trial_files[k] : NULL;
	return k ? NULL : which == 1 ? b->modprobe : b->cmdline;
}

/* Whether m is a file of a backend before number k (its kind which). */
static bool seen_before(const struct managed_file *m, int which, size_t k)
{
	for (size_t j = 0; j < k; j++)
		for (size_t f = 0; file_of(backends[j], which, f); f++)
			if (file_of(backends[j], which, f) == m)
				return true;
	return false;
}

/* The i-th distinct command-line file (which 0), own modprobe.d file (1) or trial
 * entry file (2) of the backends whose file is ours as a whole (whole) or only in
 * part; *i counts down past those it skips. */
static const struct managed_file *backend_file(int which, bool whole, size_t *i)
{
	for (size_t k = 0; backends[k]; k++) {
		const struct managed_file *m;

		for (size_t f = 0; (m = file_of(backends[k], which, f)); f++) {
			if (seen_before(m, which, k) || m->hand_edit != whole)
				continue;
			if (*i == 0)
				return m;
			(*i)--;
		}
	}
	return NULL;
}

const struct managed_file *managed_file(size_t i)
{
	/* In the order remove lists them: our drop-ins, the files we only add
	 * arguments to, a trial's entry and record, the state last (it records the
	 * others). */
	const struct managed_file *m = backend_file(0, true, &i);

	if (m)
		return m;
	if (i == 0)
		return &common[0];
	i--;
	if ((m = backend_file(1, true, &i)) || (m = backend_file(0, false, &i)) ||
	    (m = backend_file(2, false, &i)))
		return m;
	return i < 2 ? &common[1 + i] : NULL;
}

const struct managed_file *managed_file_lookup(const char *path)
{
	const struct managed_file *m;

	for (size_t i = 0; path && (m = managed_file(i)); i++)
		if (streq(m->path, path))
			return m;
	return NULL;
}
