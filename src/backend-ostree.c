/* OSTree systems (Fedora Atomic, Bazzite, bootc images) as a backend that is detected
 * and refuses: their kernel arguments belong to the deployments (rpm-ostree kargs), /usr
 * is read-only and the initramfs is the deployment's (rpm-ostree initramfs-etc), so
 * neither our files nor the tools the other backends run are the right ones there. What
 * to run instead is said (a bootc host takes its kernel arguments from its image, where
 * apply writes them at build time: backend-bootc.c); the next boot (the pending
 * deployment's entry) is not read yet. */
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
		"amdgpu-tune does not change OSTree systems yet: 'rpm-ostree kargs --append-if-missing=ARG' adds a kernel argument to the next deployment, and a modprobe.d file of your own in /etc/modprobe.d takes effect in the initramfs with 'rpm-ostree initramfs-etc --track=/etc/modprobe.d/FILE'; on a bootc host, build them into the image instead: 'RUN amdgpu-tune apply PROFILE --memory SIZE' in its Containerfile writes them there; 'amdgpu-tune show PROFILE' gives the values",
};
