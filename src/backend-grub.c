/* GRUB as a backend: Debian's (update-grub, which sources etc/default/grub.d, where our
 * drop-in goes) and another GRUB (Arch's and others without drop-ins: our tokens go
 * into GRUB_CMDLINE_LINUX_DEFAULT in etc/default/grub itself). The
 * next boot's command line is what grub-mkconfig's 10_linux gives normal entries from
 * GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT (grub.h computes it). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "backend.h"
#include "bootcfg.h"
#include "fragment.h"
#include "grub.h"
#include "strv.h"
#include "sysroot.h"
#include "trial.h"

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
	strbuf_puts(
		ev,
		"; etc/default/grub, and no Debian update-grub: grub-mkconfig reads no drop-ins");
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

/* A trial on Debian's GRUB. The entry is what 10_linux makes first, the newest kernel's
 * (GRUB_DEFAULT=0 boots it), made again by update-grub with the trial's arguments after
 * GRUB_CMDLINE_LINUX_DEFAULT's, under its own title and id; 42_ comes after 10_linux,
 * 30_os-prober and 40_custom, so every entry before it keeps its place. grub-reboot
 * sets next_entry in boot/grub/grubenv, and the grub.cfg of Debian's 00_header takes it
 * as the default once and saves it empty (save_env next_entry) before any kernel runs:
 * a boot that hangs or fails is followed by the default entry. */
static const struct managed_file grub_trial = {FRAGMENT_GRUB_TRIAL, MANAGED_ENTRY, false};
static const struct managed_file *const grub_trials[] = {&grub_trial, NULL};

static int grub_trial_text(const struct sysroot *root, const struct boot_facts *now,
			   const struct trial *t, char **ret, struct diag_list *d)
{
	_cleanup_strbuf_ struct strbuf b = {0};
	char marker[64];

	(void)root;
	(void)now;
	(void)d;
	strbuf_printf(
		&b,
		"#!/bin/sh\n"
		"# Written by amdgpu-tune apply --trial %s (trial %s). Do not edit:\n"
		"# 'amdgpu-tune confirm' and 'amdgpu-tune remove [--trial]' take it away.\n"
		"# The first entry 10_linux makes (the newest kernel's), with the trial's\n"
		"# arguments, as the entry '%s', which grub-reboot selects for one boot.\n"
		"set -e\n"
		"[ -x /etc/grub.d/10_linux ] || exit 0\n",
		t->profile, t->id, TRIAL_ENTRY_ID);
	/* Without the applied profile's arguments (its drop-in appends them to
	 * GRUB_CMDLINE_LINUX_DEFAULT): the trial boots what confirm would keep. */
	if (t->drop && t->drop[0]) {
		strbuf_puts(&b,
			    "# Without the applied profile's arguments.\n"
			    "set -f\nbase=\nfor w in ${GRUB_CMDLINE_LINUX_DEFAULT}; do\n"
			    "\tcase $w in\n\t");
		for (size_t i = 0; t->drop[i]; i++) {
			if (!state_token_is_safe(t->drop[i]))
				return -EINVAL;
			strbuf_printf(&b, "%s'%s'", i ? " | " : "", t->drop[i]);
		}
		strbuf_puts(&b, ") ;;\n\t*) base=\"$base $w\" ;;\n\tesac\ndone\n"
				"GRUB_CMDLINE_LINUX_DEFAULT=${base# }\n");
	}
	strbuf_puts(&b, "GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT}");
	for (size_t i = 0; t->args[i]; i++) {
		if (!state_token_is_safe(t->args[i]))
			return -EINVAL;
		strbuf_printf(&b, " %s", t->args[i]);
	}
	strbuf_printf(&b,
		      " %s\"\n"
		      "export GRUB_CMDLINE_LINUX_DEFAULT\n"
		      "/etc/grub.d/10_linux | sed -n '/^menuentry /,/^}/{\n"
		      "s/^menuentry .*{$/menuentry \"amdgpu-tune trial: %s\" --id %s {/\n"
		      "p\n"
		      "/^}/q\n"
		      "}'\n",
		      trial_marker(t, marker), t->profile, TRIAL_ENTRY_ID);
	if (strbuf_error(&b))
		return strbuf_error(&b);
	*ret = strbuf_steal(&b);
	return 0;
}

static int grub_trial_selected(const struct sysroot *root)
{
	_cleanup_free_ char *next = NULL;
	int r = grubenv_next_entry(root, &next);

	/* A file that is no environment block selects nothing: GRUB's load_env refuses
	 * it (grub_envblk_open()), and grub-editenv would fail on it. */
	if (r == -EBADMSG)
		return 0;
	return r < 0 ? r : next && streq(next, TRIAL_ENTRY_ID);
}

static int grub_trial_verify(const struct sysroot *root, const struct trial *t,
			     struct diag_list *d)
{
	_cleanup_free_ char *cfg = NULL;
	_cleanup_strv_free_ char **have = NULL;
	char marker[64];
	size_t len;
	int r = sysroot_read_file(root, "boot/grub/grub.cfg", 16u << 20, false, &cfg,
				  &len);

	if (r == 0)
		r = grubcfg_trial_args(cfg, &have);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return diag_error(d, -EIO, "boot/grub/grub.cfg", 0,
				  "cannot read it after update-grub: %s",
				  read_error_text(-r));
	if (!have)
		return diag_error(
			d, -EIO, "boot/grub/grub.cfg", 0,
			"update-grub made no entry '%s' with a linux line (%s runs /etc/grub.d/10_linux, which must be executable and find a kernel)",
			TRIAL_ENTRY_ID, FRAGMENT_GRUB_TRIAL);
	for (size_t i = 0; t->args[i]; i++)
		if (!strv_contains(have, t->args[i]))
			return diag_error(d, -EIO, "boot/grub/grub.cfg", 0,
					  "the entry '%s' lacks %s after update-grub",
					  TRIAL_ENTRY_ID, t->args[i]);
	if (!strv_contains(have, trial_marker(t, marker)))
		return diag_error(d, -EIO, "boot/grub/grub.cfg", 0,
				  "the entry '%s' lacks %s after update-grub",
				  TRIAL_ENTRY_ID, marker);
	return 0;
}

/* GRUB writes next_entry back into grubenv's own blocks at boot, which it cannot do on
 * a file system with checksums or compression nor through device-mapper or md RAID
 * (Debian's 00_header turns recordfail off for the same list: grub-probe's fs btrfs,
 * zfs, squash4 and the others it names, and abstraction lvm or diskfilter). There a
 * trial would be selected at every boot until confirmed. */
static const char *grub_trial_unusable(const struct sysroot *root,
				       const struct boot_facts *now)
{
	_cleanup_free_ char *dir = NULL;
	struct statfs fs;
	struct stat st;
	char sys[96];
	bool part;
	int fd;

	(void)now;
	if (asprintf(&dir, "%s/boot/grub", sysroot_is_live(root) ? "" : root->path) < 0)
		return NULL;
	if (statfs(dir, &fs) == 0 &&
	    (fs.f_type == 0x9123683e /* btrfs */ || fs.f_type == 0x2fc12fc1 /* zfs */ ||
	     fs.f_type == 0x73717368 /* squashfs */))
		return "boot/grub is on a file system GRUB cannot write its environment block on (btrfs, ZFS or squashfs): a trial would stay selected at every boot";
	if (stat(dir, &st) < 0)
		return NULL;
	/* The device, or the one a partition is of (its sysfs directory's parent: a
	 * partitioned md array's mdXpY has no md directory of its own). */
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/partition", major(st.st_dev),
		 minor(st.st_dev));
	part = access(sys, F_OK) == 0;
	for (size_t i = 0; i < (part ? 4u : 2u); i++) {
		snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/%s%s", major(st.st_dev),
			 minor(st.st_dev), i < 2 ? "" : "../", i % 2 ? "md" : "dm");
		fd = open(sys, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return "boot/grub is on device-mapper (LVM, LUKS) or md RAID, where GRUB cannot write its environment block: a trial would stay selected at every boot";
		}
	}
	return NULL;
}

static const char *const grub_reboot[] = {"/usr/sbin/grub-reboot", TRIAL_ENTRY_ID, NULL};
static const char *const grub_unset[] = {"/usr/bin/grub-editenv", "/boot/grub/grubenv",
					 "unset", "next_entry", NULL};

const struct boot_backend backend_debian_grub = {
	.name = "debian-grub",
	.detect = detect_debian,
	.read_next = read_debian,
	.cmdline = &dropin,
	.cmdline_text = dropin_text,
	.cmdline_regen = REGEN_MENU,
	.trial_files = grub_trials,
	.trial_entry = TRIAL_ENTRY_ID,
	.trial_where = "boot/grub/grubenv",
	.trial_text = grub_trial_text,
	.trial_arm = grub_reboot,
	.trial_disarm = grub_unset,
	.trial_selected = grub_trial_selected,
	.trial_verify = grub_trial_verify,
	.trial_unusable = grub_trial_unusable,
	.default_rule = "newest boot/vmlinuz-VERSION (GRUB_DEFAULT=0)",
};

/* The reader's view of etc/default/grub's text alone, as grub-mkconfig sources it
 * without drop-ins. 0, -EINVAL (not understood: a syntax error, at *err_line) or
 * -ENOMEM. */
static int parse_defaults(const char *text, struct grub_config **ret, unsigned *err_line)
{
	_cleanup_grub_config_ struct grub_config *c = calloc(1, sizeof(*c));
	struct diag_list quiet = {0};
	int r;

	if (!c)
		return -ENOMEM;
	c->understood = true;
	r = grub_add_file(c, GRUB_DEFAULTS);
	if (r >= 0)
		r = grub_parse(c, 0, text, strlen(text), &quiet);
	*err_line = quiet.n ? quiet.items[0].line : 0;
	diag_list_done(&quiet);
	if (r < 0)
		return r;
	if (!c->understood)
		return -EINVAL;
	*ret = TAKE_PTR(c);
	return 0;
}

/* 10_linux puts GRUB_CMDLINE_LINUX first: after a "--" there, every argument goes to init
 * (the kernel's parse_args() stops at it), ours too. 1 with *why (and *line) when it has
 * one, or is not known and may; 0 or -ENOMEM. */
static int linux_first_ends(const struct grub_config *c, unsigned *line, const char **why)
{
	_cleanup_strv_free_ char **w = NULL;
	const struct srcline *v = NULL;
	struct grub_why gw = {0};

	if (grub_var_lookup(c, "GRUB_CMDLINE_LINUX", &v, &gw) > 0) {
		*line = gw.line;
		*why = "GRUB_CMDLINE_LINUX, which comes first, is not known, so a \"--\" in it (after which the kernel hands every argument to init) cannot be ruled out";
		return 1;
	}
	if (!v || !v->text.s)
		return 0;
	if (strv_split_ws(v->text.s, &w) < 0)
		return -ENOMEM;
	if (!strv_contains(w, "--"))
		return 0;
	*why = "GRUB_CMDLINE_LINUX has a \"--\", after which the kernel hands every argument to init";
	return 1;
}

/* Whether text has a '$' before a quote, also with line continuations (backslash and
 * newline) between them, which both shells remove first. */
static bool has_dollar_quote(const char *text)
{
	for (const char *p = strchr(text, '$'); p; p = strchr(p + 1, '$')) {
		const char *q = p + 1;

		while (q[0] == '\\' && q[1] == '\n')
			q += 2;
		if (*q == '\'' || *q == '"')
			return true;
	}
	return false;
}

/* Where the value of the assignment that gives var (GRUB_CMDLINE_LINUX_DEFAULT or
 * GRUB_CMDLINE_LINUX) its value is in text, when that assignment is one we can edit:
 * alone on its line (blanks and a comment may follow), one quoted string that sh takes
 * byte for byte (no '$', '`' or '\' in double quotes), run unconditionally and not
 * changed after (the reader computed the variable from that line alone). Else 1 with
 * *why and *line saying what is in the way. 0 or -ENOMEM. */
static int value_at(const char *text, const char *var, size_t *start, size_t *end,
		    unsigned *line, const char **why)
{
	_cleanup_grub_config_ struct grub_config *c = NULL;
	const struct grub_assign *a = NULL;
	const struct srcline *v = NULL;
	struct grub_why gw = {0};
	const char *p = text, *q;
	int r;

	*line = 0;
	/* bash, Arch Linux's sh, reads $'...' and $"..." as quotes of their own; dash,
	 * which the reader follows, as a '$' before a quote: the two would see
	 * different variables. */
	if (has_dollar_quote(text)) {
		*why = "the file has $'...' or $\"...\", which bash and dash read differently";
		return 1;
	}
	r = parse_defaults(text, &c, line);
	if (r == -EINVAL)
		*why = "a syntax error";
	if (r < 0)
		return r == -EINVAL ? 1 : r;
	for (size_t i = 0; i < c->n_assigns; i++)
		if (streq(c->assigns[i].name, var))
			a = &c->assigns[i];
	if (grub_var_lookup(c, var, &v, &gw) > 0) {
		*line = gw.line;
		*why = gw.what;
		return 1;
	}
	if (!a || !v) {
		*why = "it is not set";
		return 1;
	}
	*line = a->line;
	*why = "an assignment adds to its own value";
	if (a->keeps_previous)
		return 1;
	*why = "its value is not one quoted string alone on its line";
	/* Every byte of the value comes from that line (nothing later added to it). */
	for (size_t i = 0; i < v->text.len; i++)
		if (v->src[i].line != a->line)
			return 1;
	for (unsigned n = 1; n < a->line && p; n++)
		if ((p = strchr(p, '\n')))
			p++;
	if (!p)
		return 1;
	p += strspn(p, " \t");
	if (strncmp(p, var, strlen(var)) != 0 || p[strlen(var)] != '=')
		return 1;
	p += strlen(var) + 1;
	if (*p != '"' && *p != '\'')
		return 1;
	q = p + 1 + strcspn(p + 1, *p == '"' ? "\"$`\\\n" : "'\n");
	if (*q != *p)
		return 1;
	/* What sh takes from between the quotes is the value the reader computed. */
	if ((size_t)(q - p - 1) != v->text.len ||
	    memcmp(p + 1, v->text.s ? v->text.s : "", v->text.len) != 0)
		return 1;
	*start = (size_t)(p + 1 - text);
	*end = (size_t)(q - text);
	q++;
	q += strspn(q, " \t");
	if (*q && *q != '\n' && *q != '#')
		return 1;
	return linux_first_ends(c, line, why);
}

static int value_span(const char *text, const char *var, size_t *start, size_t *end,
		      struct diag_list *d)
{
	const char *why = NULL;
	unsigned line;
	int r = value_at(text, var, start, end, &line, &why);

	if (r <= 0)
		return r;
	return diag_error(
		d, -EINVAL, GRUB_DEFAULTS, line,
		"%s cannot be edited here: %s; amdgpu-tune adds its arguments only to one plain assignment alone on its line (%s=\"...\"): make it one, or add them by hand ('amdgpu-tune diff' lists them)",
		var, why, var);
}

/* base with the plan's arguments added at the end of var's value, every other byte
 * kept. The result is read again as grub-mkconfig's sh would: the variable must be
 * exactly the new value, or nothing is written. */
static int value_text(const char *var, const struct plan *pl, const char *base,
		      char **ret)
{
	_cleanup_grub_config_ struct grub_config *c = NULL;
	_cleanup_free_ char *old = NULL, *val = NULL, *out = NULL;
	const struct srcline *v = NULL;
	const char *why;
	size_t start, end, n, tail;
	unsigned line;
	int r;

	r = value_at(base, var, &start, &end, &line, &why);
	if (r != 0)
		return r < 0 ? r : -EINVAL;
	old = strndup(base + start, end - start);
	if (!old)
		return -ENOMEM;
	r = fragment_kernel_cmdline(old, pl, &val);
	if (r < 0)
		return r;
	n = strlen(val);
	if (n && val[n - 1] == '\n')
		val[--n] = '\0';
	/* Nothing the quotes would end or expand (the allowlist lets none through). */
	if (val[strcspn(val, base[start - 1] == '"' ? "\"$`\\\n" : "'\n")])
		return -EINVAL;
	/* The blanks the value ended with stay at its end (remove gives them back). */
	for (tail = strlen(old); tail && old[tail - 1] == ' '; tail--)
		;
	if (asprintf(&out, "%.*s%s%s%s", (int)start, base, val, old + tail, base + end) <
	    0)
		return -ENOMEM;
	n += strlen(old + tail);
	r = parse_defaults(out, &c, &line);
	if (r == 0 && (grub_var_lookup(c, var, &v, NULL) != 0 || !v || v->text.len != n ||
		       memcmp(v->text.s, out + start, n) != 0))
		r = -EINVAL;
	if (r < 0)
		return r;
	*ret = TAKE_PTR(out);
	return 0;
}

static int default_span(const char *text, size_t *start, size_t *end, struct diag_list *d)
{
	return value_span(text, "GRUB_CMDLINE_LINUX_DEFAULT", start, end, d);
}

static int default_text(const char *profile, const struct plan *pl, const char *base,
			char **ret)
{
	(void)profile;
	return value_text("GRUB_CMDLINE_LINUX_DEFAULT", pl, base, ret);
}

int grub_linux_span(const char *text, size_t *start, size_t *end, struct diag_list *d)
{
	return value_span(text, "GRUB_CMDLINE_LINUX", start, end, d);
}

int grub_linux_text(const char *profile, const struct plan *pl, const char *base,
		    char **ret)
{
	(void)profile;
	return value_text("GRUB_CMDLINE_LINUX", pl, base, ret);
}

/* Without drop-ins our arguments go into etc/default/grub itself: the one assignment
 * of GRUB_CMDLINE_LINUX_DEFAULT, edited in place (only our tokens in it are ours). */
const struct managed_file grub_defaults_file = {GRUB_DEFAULTS, MANAGED_CMDLINE, false};

const struct boot_backend backend_grub = {
	.name = "grub",
	.detect = detect_other,
	.read_next = read_other,
	.cmdline = &grub_defaults_file,
	.cmdline_text = default_text,
	.cmdline_span = default_span,
	.cmdline_regen = REGEN_MENU,
	.default_rule = "newest boot/vmlinuz-VERSION (GRUB_DEFAULT=0)",
	.trial_refuse =
		"apply --trial needs Debian's update-grub, whose grub.d the trial entry goes to; this GRUB (grub-mkconfig without Debian's drop-ins) is not supported for it yet",
};
