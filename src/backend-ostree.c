/* OSTree trees that are neither a booted system with rpm-ostree (backend-rpmostree.c)
 * nor a bootc image being built (backend-bootc.c), as a backend that is detected and
 * refuses: a deployment's checkout given with --root, an OSTree repository, a booted
 * system without rpm-ostree (a bootc host whose image has none). Their kernel arguments
 * belong to the deployments and /usr is read-only, so neither our files nor the tools
 * the other backends run are the right ones there. What to run instead is said (a bootc
 * host takes its kernel arguments from its image, where apply writes them at build
 * time); the next boot is not read. */
#include "backend.h"

static bool detect(const struct boot_probe *p, struct strbuf *ev)
{
	if (!p->ostree)
		return false;
	strbuf_puts(
		ev,
		"; an OSTree system (ostree/repo, sysroot/ostree, run/ostree-booted or the ostree link to sysroot/ostree)");
	return true;
}

const struct boot_backend backend_ostree = {
	.name = "ostree",
	.detect = detect,
	.by_hand = "rpm-ostree kargs --append-if-missing=",
	.refuse =
		"amdgpu-tune changes an OSTree system only when it is booted and has rpm-ostree (run/ostree-booted, usr/bin/rpm-ostree), which this one does not: 'rpm-ostree kargs --append-if-missing=ARG' adds a kernel argument to the next deployment, and a modprobe.d file of your own in /etc/modprobe.d takes effect in the initramfs with 'rpm-ostree initramfs-etc --track=/etc/modprobe.d/FILE'; on a bootc host, build them into the image instead: 'RUN amdgpu-tune apply PROFILE --memory SIZE' in its Containerfile writes them there; 'amdgpu-tune show PROFILE' gives the values",
};
