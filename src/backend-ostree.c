/* OSTree systems (Fedora Atomic, Bazzite, bootc images) as a backend that is detected
 * and refuses: their kernel arguments belong to the deployments (rpm-ostree kargs), /usr
 * is read-only and the initramfs is the deployment's (rpm-ostree initramfs-etc), so
 * neither our files nor the tools the other backends run are the right ones there. What
 * to run instead is said (a bootc host takes its kernel arguments from the image's
 * usr/lib/bootc/kargs.d/NN-NAME.toml, kargs = [...]: bootc's "Kernel arguments"
 * documentation); the next boot (the pending deployment's entry) is not read yet. */
#include "backend.h"

static bool detect(const struct boot_probe *p, struct strbuf *ev)
{
	if (!p->ostree)
		return false;
	strbuf_puts(
		ev,
		"; an OSTree system (ostree/repo, sysroot/ostree or run/ostree-booted)");
	return true;
}

const struct boot_backend backend_ostree = {
	.name = "ostree",
	.detect = detect,
	.by_hand = "rpm-ostree kargs --append-if-missing=",
	.refuse =
		"amdgpu-tune does not change OSTree systems yet: 'rpm-ostree kargs --append-if-missing=ARG' adds a kernel argument to the next deployment, and a modprobe.d file of your own in /etc/modprobe.d takes effect in the initramfs with 'rpm-ostree initramfs-etc --track=/etc/modprobe.d/FILE'; on a bootc host, build them into the image instead (kargs = [\"ARG\"] in a usr/lib/bootc/kargs.d/NN-NAME.toml, and the modprobe.d file before the image's initramfs is made); 'amdgpu-tune show PROFILE' gives the values",
};
