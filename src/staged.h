/* OSTree's staged deployment, run/ostree/staged-deployment: the deployment rpm-ostree
 * made on a booted system, which ostree-finalize-staged.service writes as the default
 * boot entry at shutdown. The file is a serialized GVariant of type a{sv}
 * (_ostree_sysroot_stage_tree_with_options() in libostree's ostree-sysroot-deploy.c):
 * "target" (the deployment), "merge-deployment", "kargs" (as: the kernel arguments
 * the entry gets), "overlay-initrds" (as), "locked" (b: not finalized at shutdown),
 * "bootconfig-extra". The reader here takes GLib's serialization format (GVariant
 * specification: framing offsets, alignment, variants as value, NUL, type) for the
 * two keys that decide the next boot, and refuses anything that is not in normal form.
 * Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct staged {
	char **kargs; /* NULL-ended; NULL when the file has no "kargs" */
	bool locked;  /* "locked" is true */
	/* The deployment ("target": its "name", CHECKSUM.SERIAL, and "osname", the
	 * stateroot); NULL when not there or not a plain name (no '/', not "." or "..").
	 */
	char *name, *osname;
};

/* Reads buf (len bytes) into *ret (staged_done()). 0, -ENOMEM, or -EBADMSG with a
 * static reason in *why (not a{sv} in normal form, a "kargs" that is not as, an
 * argument that is not UTF-8 or has a control character, a "target" that is not a{sv}
 * in normal form). */
int staged_parse(const unsigned char *buf, size_t len, struct staged *ret,
		 const char **why);
void staged_done(struct staged *s);
