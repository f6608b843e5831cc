/* GRUB as a backend: Debian's (update-grub, which sources etc/default/grub.d, where our
 * drop-in goes) and another GRUB (etc/default/grub alone: read, never written). The
 * next boot's command line is what grub-mkconfig's 10_linux gives normal entries from
 * GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT (grub.h computes it). */
#include <stdio.h>

#include "backend.h"
#include "bootcfg.h"
#include "fragment.h"

/* update-grub is Debian's "grub-mkconfig -o /boot/grub/grub.cfg", and Debian's
 * grub-mkconfig sources the .cfg files in etc/default/grub.d after
 * etc/default/grub. */
static bool detect_debian(const struct boot_probe *p, struct strbuf *ev)
{
	if (!p->grub_defaults || !p->update_grub)
		return false;
	strbuf_puts(ev, "; etc/default/grub and usr/sbin/update-grub");
	if (p->sdboot)
		strbuf_printf(ev, " (systemd-boot is also in %s)", p->esp);
	return true;
}

static bool detect_other(const struct boot_probe *p, struct strbuf *ev)
{
	if (!p->grub_defaults || !(p->grub_mkconfig || p->grub_cfg))
		return false;
	strbuf_puts(ev, "; etc/default/grub without update-grub: no drop-ins");
	return true;
}

/* The next boot's command line depends on a value the GRUB reader did not compute:
 * says so once, with the file and line of the cause. */
static int unknown_why(struct boot_facts *b, const struct grub_why *why,
		       struct diag_list *d)
{
	const char *file =
		why->file < b->grub->n_files ? b->grub->files[why->file] : NULL;
	struct strbuf s = {0};

	if (strbuf_printf(&s, "%s%s%u: %s", file ? file : "", file ? ":" : "", why->line,
			  why->what) < 0)
		return -ENOMEM;
	b->next_why = s.s;
	return diag_warning(d, file, why->line,
			    "the next boot's kernel command line is not known: %s",
			    why->what);
}

/* dropins: Debian's grub-mkconfig, which sources etc/default/grub.d. */
static int read_next(const struct sysroot *root, const struct file_override *ov,
		     const struct boot_facts *like, bool dropins, struct boot_facts *b,
		     struct diag_list *d)
{
	struct grub_why why = {0};
	int r = grub_read(root, ov, dropins, like ? like->grub : NULL, &b->grub, d);

	/* No etc/default/grub (gone since detection) and no drop-in: nothing read. */
	if (r < 0 || !b->grub)
		return r;
	b->next_files = b->grub->files;
	b->n_next_files = b->grub->n_files;
	r = b->grub->understood ? grub_cmdline(b->grub, false, &b->next, &why) : 1;
	b->next_known = r == 0;
	if (r > 0 && b->grub->understood)
		return unknown_why(b, &why, d);
	return r < 0 ? r : 0;
}

static int read_debian(const struct sysroot *root, const struct file_override *ov,
		       const struct boot_facts *like, struct boot_facts *b,
		       struct diag_list *d)
{
	return read_next(root, ov, like, true, b, d);
}

static int read_other(const struct sysroot *root, const struct file_override *ov,
		      const struct boot_facts *like, struct boot_facts *b,
		      struct diag_list *d)
{
	return read_next(root, ov, like, false, b, d);
}

static int dropin_text(const char *profile, const struct plan *pl, const char *base,
		       char **ret)
{
	(void)base;
	return fragment_grub(profile, pl, ret);
}

static const struct managed_file dropin = {FRAGMENT_GRUB, MANAGED_CMDLINE, true};

const struct boot_backend backend_debian_grub = {
	.name = "debian-grub",
	.detect = detect_debian,
	.read_next = read_debian,
	.cmdline = &dropin,
	.cmdline_text = dropin_text,
	.cmdline_regen = REGEN_MENU,
	.default_rule = "newest boot/vmlinuz-VERSION (GRUB_DEFAULT=0)",
};

/* Without drop-ins our arguments would have to be edited into etc/default/grub: not
 * done; the user is told what to add. */
const struct boot_backend backend_grub = {
	.name = "grub",
	.detect = detect_other,
	.read_next = read_other,
	.cmdline_regen = REGEN_MENU,
	.default_rule = "newest boot/vmlinuz-VERSION (GRUB_DEFAULT=0)",
};
