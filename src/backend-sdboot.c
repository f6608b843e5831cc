/* systemd-boot as a backend, with kernel-install making its entries: our arguments go
 * to etc/kernel/cmdline (only the tokens we add are ours), kernel-install's plugins
 * (90-loaderentry.install, 60-ukify.install) copy it into the entries when an
 * initramfs tool runs it, and the next boot is the options of the entry systemd-boot
 * boots by default (sdboot.h), checked after every regeneration. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "backend.h"
#include "bootcfg.h"
#include "cmdline.h"
#include "fragment.h"
#include "strv.h"
#include "sysroot.h"
#include "trial.h"

#define CMDLINE_FILE_MAX ((size_t)64 * 1024)

/* systemd-boot's files on the ESP decide, unless GRUB's (grub.cfg and
 * etc/default/grub) claim the machine too: then GRUB chain-loads or is the one in
 * use, and its backend is taken. */
static bool detect(const struct boot_probe *p, struct strbuf *ev)
{
	if (!p->sdboot || (p->grub_cfg && p->grub_defaults))
		return false;
	strbuf_printf(ev, "; systemd-boot in %s%s", p->esp,
		      p->grub_cfg ? "" : ", no grub.cfg");
	return true;
}

/* kernel-install's command line: etc/kernel/cmdline, then usr/lib/kernel/cmdline. */
static int read_kernel_cmdline(const struct sysroot *root, const struct file_override *ov,
			       struct boot_facts *b, struct diag_list *d)
{
	static const char *const files[] = {KERNEL_CMDLINE, "usr/lib/kernel/cmdline"};

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_free_ char *buf = NULL;
		const struct file_override *o = file_override_find(ov, files[i]);
		size_t len = 0;
		int r;

		if (o && !o->text)
			continue;
		if (o) {
			buf = strdup(o->text);
			r = buf ? 0 : -ENOMEM;
			len = buf ? strlen(buf) : 0;
		} else {
			r = sysroot_read_file(root, files[i], CMDLINE_FILE_MAX, false,
					      &buf, &len);
		}
		if (r == -ENOENT)
			continue;
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return diag_add(d, DIAG_ERROR, files[i], 0, "cannot read: %s",
					read_error_text(-r));
		if (memchr(buf, '\0', len))
			return diag_add(d, DIAG_ERROR, files[i], 0, "NUL byte");
		if (strv_push(&b->next_files, files[i]) < 0)
			return -ENOMEM;
		b->n_next_files = 1;
		b->next_files_owned = true;
		/* Newlines separate arguments like blanks, and a line whose first
		 * non-blank is '#' is a comment (90-loaderentry.install: grep -v
		 * '^\s*#', tr -s "$IFS" ' '). */
		for (char *p = buf, *line = buf; *p; p++) {
			if (p == line && line[strspn(line, " \t")] == '#')
				while (*p && *p != '\n')
					*p++ = ' ';
			if (!*p)
				break;
			if (*p == '\n') {
				*p = ' ';
				line = p + 1;
			}
		}
		b->next_known = true;
		return srcline_append(&b->next, buf, len, (struct src){0, 1});
	}
	return 0;
}

/* blanks collapsed to one space, none at the ends: a copy. */
static char *squeezed(const char *s)
{
	char *out = malloc(strlen(s) + 1), *w = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		bool blank = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';

		if (blank && (w == out || w[-1] == ' '))
			continue;
		*w++ = (char)(blank ? ' ' : *s);
	}
	if (w > out && w[-1] == ' ')
		w--;
	*w = '\0';
	return out;
}

/* systemd-boot's next boot: the options of the entry it boots by default (its UKI's
 * embedded command line for a Type #2 entry), in place of kernel-install's command line
 * read before (b->next), which only the entries made from it next carry. When the two
 * differ, a warning says so at the entry. */
static int sdboot_next(const struct sysroot *root, struct boot_facts *b,
		       struct diag_list *d)
{
	/* systemd-boot reads the ESP and an XBOOTLDR partition, which is mounted at
	 * boot: a file system of its own, never a directory of the root's (where a BLS
	 * entry left by GRUB would be taken for one it boots). */
	const char *dirs[] = {b->esp ? b->esp : "boot", NULL, NULL};
	_cleanup_free_ char *kcmd = NULL, *opts = NULL, *kfile = NULL;
	const struct bls_entry *e;
	struct stat top, xb;
	char env[BOOT_ENV_DIR_MAX];
	const char *x = boot_env_dir("SYSTEMD_XBOOTLDR_PATH", env);
	int r;

	/* An image build names it (bootctl and kernel-install take it as given). */
	if (x && !streq(x, dirs[0]))
		dirs[1] = x;
	else if (b->esp && !streq(b->esp, "boot") && fstat(root->fd, &top) == 0 &&
		 sysroot_stat(root, "boot", &xb) == 0 && xb.st_dev != top.st_dev)
		dirs[1] = "boot";
	r = sdboot_read(root, dirs, &b->sd, d);
	if (r < 0)
		return r;
	/* kernel-install's file, when it was read (it is replaced below). */
	if (b->next_known && b->n_next_files &&
	    (!(kfile = strdup(b->next_files[0])) ||
	     !(kcmd = squeezed(b->next.text.s ? b->next.text.s : ""))))
		return -ENOMEM;
	srcline_done(&b->next);
	b->next = (struct srcline){0};
	if (b->next_files_owned)
		strv_free(b->next_files);
	b->next_files = NULL;
	b->n_next_files = 0;
	b->next_files_owned = true;
	b->next_known = false;
	if (b->sd.dflt < 0) {
		b->next_why = strdup(b->sd.why);
		return b->next_why ? 0 : -ENOMEM;
	}
	e = &b->sd.entries[b->sd.dflt];
	/* A trial's entry, which is to boot once, boots every time (the default entry's
	 * boot counter ran out, or its sort-key went). */
	if (streq(e->id, SDBOOT_TRIAL_ENTRY)) {
		r = diag_warning(
			d, e->path, 0,
			"systemd-boot boots the trial's entry by default (%s), not once: 'amdgpu-tune confirm' keeps its settings, 'amdgpu-tune remove --trial' ends it",
			b->sd.rule);
		if (r < 0)
			return r;
	}
	opts = squeezed(e->options ? e->options : "");
	if (!opts || strv_push(&b->next_files, e->path) < 0)
		return -ENOMEM;
	b->n_next_files = 1;
	b->next_known = true;
	r = srcline_append(&b->next, opts, strlen(opts),
			   (struct src){0, e->options_line});
	/* An entry named after the machine ID gets systemd.machine_id=ID appended when
	 * the command line has none (90-loaderentry.install; 60-ukify.install does the
	 * same in a UKI's, whose ID is etc/machine-id's): that is no difference. */
	if (r == 0 && kcmd && !strstr(kcmd, "systemd.machine_id=")) {
		_cleanup_free_ char *file = NULL;
		const char *mid = e->uki ? NULL : e->machine_id;
		size_t len = 0;
		char *k = NULL;

		if (e->uki &&
		    sysroot_read_file(root, "etc/machine-id", 64, false, &file, &len) ==
			    0 &&
		    len >= 32 && strspn(file, "0123456789abcdef") == 32) {
			file[32] = '\0';
			mid = file;
		}
		if (mid && *mid && strncmp(e->id, mid, strlen(mid)) == 0) {
			if (asprintf(&k, "%s%ssystemd.machine_id=%s", kcmd,
				     *kcmd ? " " : "", mid) < 0)
				return -ENOMEM;
			free(kcmd);
			kcmd = k;
		}
	}
	if (r == 0 && kcmd && !streq(kcmd, opts))
		r = diag_warning(
			d, e->path, e->options_line,
			"systemd-boot boots this entry (%s), whose %s ('%s') %s from %s ('%s'): %s",
			b->sd.rule, e->uki ? "embedded command line" : "options", opts,
			e->uki ? "differs" : "differ", kfile, kcmd,
			e->uki ? "the image was built from another command line; a rebuild (kernel-install add, with ukify) embeds the new one"
			       : "kernel-install made it from another command line; 'update-initramfs -u -k all' (or 'kernel-install add') makes the entries again");
	return r;
}

/* The arguments of an entry's options as the kernel takes them (next_arg(): quotes
 * keep blanks inside an argument) up to a "--", then the words after it (init's, which
 * kmod also reads for module options: kmod_config_parse_kcmdline()): NULL-ended in
 * *ret, NULL for none. 0 or -ENOMEM. */
static int kernel_args(const char *opts, char ***ret)
{
	_cleanup_free_ struct cmdline_span *sp = NULL;
	_cleanup_strv_free_ char **tail = NULL;
	size_t n = 0, init = 0;
	int r;

	opts = opts ? opts : "";
	r = cmdline_spans(opts, &sp, &n, &init);
	*ret = NULL;
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *w =
			strndup(opts + sp[i].start, sp[i].end - sp[i].start);

		r = w ? strv_push(ret, w) : -ENOMEM;
	}
	if (r == 0 && opts[init])
		r = strv_split_ws(opts + init, &tail);
	for (size_t i = 0; r == 0 && tail && tail[i]; i++)
		r = strv_push(ret, tail[i]);
	if (r < 0) {
		strv_free(*ret);
		*ret = NULL;
	}
	return r;
}

/* Whether entry e has every argument in present and none in absent; an error finding
 * at e and -EIO when not. */
static int entry_verify(const struct bls_entry *e, const char *rule, char *const *present,
			char *const *absent, struct diag_list *d)
{
	_cleanup_strv_free_ char **words = NULL;

	if (kernel_args(e->options, &words) < 0)
		return -ENOMEM;
	for (int want = 1; want >= 0; want--)
		for (char *const *p = want ? present : absent; p && *p; p++) {
			if (strv_contains(words, *p) == (bool)want)
				continue;
			return diag_error(
				d, -EIO, e->path, e->options_line,
				"the entry systemd-boot boots (%s) %s '%s' after the regeneration: kernel-install did not make it from the new command line (an ESP not mounted, an image build, a failing kernel-install plugin?)",
				rule, want ? "lacks" : "still has", *p);
		}
	return 0;
}

static int verify(const struct sysroot *root, char *const *present, char *const *absent,
		  struct diag_list *d)
{
	_cleanup_boot_facts_ struct boot_facts *b = NULL;
	struct diag_list scratch = {0};
	int r = boot_facts_read(root, NULL, NULL, NULL, &b, &scratch);

	diag_list_done(&scratch);
	if (r < 0)
		return r;
	if (b->sd.dflt >= 0 && (size_t)b->sd.dflt < b->sd.n_entries)
		return entry_verify(&b->sd.entries[b->sd.dflt], b->sd.rule, present,
				    absent, d);
	if (!b->sd.n_entries)
		return diag_error(
			d, -EIO, NULL, 0,
			"the boot entries were not made again: %s; kernel-install needs the ESP (or /boot) mounted where it looks",
			b->sd.why ? b->sd.why : "systemd-boot finds no boot entry");
	/* Which one boots is not known here (@saved): every one must be right, but a
	 * trial's, which has the trial's arguments. */
	for (size_t i = 0; r == 0 && i < b->sd.n_entries; i++)
		if (!streq(b->sd.entries[i].id, SDBOOT_TRIAL_ENTRY))
			r = entry_verify(&b->sd.entries[i], "one it may boot", present,
					 absent, d);
	return r;
}

static int cmdline_text(const char *profile, const struct plan *pl, const char *base,
			char **ret)
{
	(void)profile;
	return fragment_kernel_cmdline(base, pl, ret);
}

/* With apply's files in place (like), the next boot is what kernel-install makes the
 * entries from once it runs; else it is what they are now. */
static int read_next(const struct sysroot *root, const struct file_override *ov,
		     const struct boot_facts *like, struct boot_facts *b,
		     struct diag_list *d)
{
	int r = read_kernel_cmdline(root, ov, b, d);

	return r == 0 && !like ? sdboot_next(root, b, d) : r;
}

static const struct managed_file kernel_cmdline = {KERNEL_CMDLINE, MANAGED_CMDLINE,
						   false};

/* A trial on systemd-boot: an entry file of ours beside the default entry, which it is
 * made from (the same kernel and initrd, whose paths are its partition's), with the
 * trial's arguments and under its own title. It has no sort-key: systemd-boot puts
 * entries with one (kernel-install writes one) before those without
 * (boot_entry_compare() in src/boot/efi/boot.c), so it is never the default by order;
 * trial_verify() checks that after it is written. `bootctl set-oneshot` sets
 * LoaderEntryOneShot, which systemd-boot reads and removes before it boots the entry
 * (config_load_defaults()): a boot that hangs or fails is followed by the default. The
 * partitions systemd-boot reads are mounted where bootctl and kernel-install look for
 * them (efi, boot/efi, boot): one row each. */
static const struct managed_file sd_trial[] = {
	{"efi/loader/entries/" SDBOOT_TRIAL_ENTRY, MANAGED_BOOT_ENTRY, false},
	{"boot/efi/loader/entries/" SDBOOT_TRIAL_ENTRY, MANAGED_BOOT_ENTRY, false},
	{"boot/loader/entries/" SDBOOT_TRIAL_ENTRY, MANAGED_BOOT_ENTRY, false},
};
static const struct managed_file *const sd_trials[] = {&sd_trial[0], &sd_trial[1],
						       &sd_trial[2], NULL};

/* The entry systemd-boot boots by default, which the trial's is made from, or NULL. */
static const struct bls_entry *default_entry(const struct boot_facts *now)
{
	if (!now || now->sd.dflt < 0 || (size_t)now->sd.dflt >= now->sd.n_entries)
		return NULL;
	return &now->sd.entries[now->sd.dflt];
}

/* The row in the default entry's directory, or NULL. */
static const struct managed_file *sd_trial_file(const struct boot_facts *now)
{
	const struct bls_entry *e = default_entry(now);
	const char *slash = e ? strrchr(e->path, '/') : NULL;

	for (size_t i = 0; slash && i < ELEMENTSOF(sd_trial); i++) {
		size_t n = strlen(sd_trial[i].path) - strlen(SDBOOT_TRIAL_ENTRY);

		if ((size_t)(slash + 1 - e->path) == n &&
		    strncmp(e->path, sd_trial[i].path, n) == 0)
			return &sd_trial[i];
	}
	return NULL;
}

/* The EFI variable systemd-boot's one-shot choice is in, as efivarfs shows it. */
static const char oneshot_var[] =
	"sys/firmware/efi/efivars/LoaderEntryOneShot-" SDBOOT_LOADER_GUID;

static const char *sd_trial_unusable(const struct sysroot *root,
				     const struct boot_facts *now)
{
	_cleanup_free_ char *info = sdboot_efivar(root, "LoaderInfo"),
			    *oneshot = sdboot_efivar(root, "LoaderEntryOneShot");
	const struct bls_entry *e = default_entry(now);
	struct stat st;

	if (!info)
		return "the trial's entry is selected for one boot through systemd-boot's EFI variable LoaderEntryOneShot (bootctl set-oneshot), and this system was not started by systemd-boot (no LoaderInfo in sys/firmware/efi/efivars)";
	if (!e)
		return "the entry systemd-boot boots by default is not known ('amdgpu-tune diff' says why), so the trial's entry cannot be made from it";
	if (e->uki || !e->kernel)
		return "systemd-boot boots a unified kernel image by default, whose command line is built in: a trial entry cannot add arguments to it";
	if (streq(e->id, SDBOOT_TRIAL_ENTRY))
		return "systemd-boot boots the trial's own entry by default";
	/* A one-shot choice of another entry is the user's: the trial's would replace
	 * it, and the entry the trial is made from would be that one. */
	if (!oneshot && sysroot_stat(root, oneshot_var, &st) == 0)
		return "LoaderEntryOneShot is there but cannot be read: it may be another entry's choice for the next boot, which the trial's would replace";
	if (oneshot && !streq(oneshot, SDBOOT_TRIAL_ENTRY))
		return "another entry is selected for the next boot (LoaderEntryOneShot, set by bootctl set-oneshot or systemctl reboot --boot-loader-entry): boot it first, or take the choice back with 'bootctl set-oneshot \"\"'";
	/* A default of @saved needs no refusal: a boot chosen once is never saved
	 * (save_selected_entry() in systemd-boot's boot.c returns first). */
	if (!sd_trial_file(now))
		return "the entry systemd-boot boots by default is not in loader/entries on efi, boot/efi or boot, where the trial's entry goes beside it";
	return NULL;
}

/* The keys of the default entry the trial's keeps (boot_entry_add_type1() in
 * systemd-boot's boot.c reads them): what boots and how, and the version shown. The
 * title, sort-key and options are the trial's own; anything else is left out. */
static const char *const kept_keys[] = {
	"linux",	"initrd",  "devicetree", "devicetree-overlay",
	"architecture", "version", "machine-id", NULL};

/* key and value (len bytes) as a line systemd-boot reads back as they are: a value
 * that begins and ends with a double quote in quotes of its own, which it takes off. */
static void put_line(struct strbuf *b, const char *key, size_t key_len, const char *v,
		     size_t len)
{
	bool quote = len && v[0] == '"' && v[len - 1] == '"';

	strbuf_printf(b, "%.*s %s%.*s%s\n", (int)key_len, key, quote ? "\"" : "",
		      (int)len, v, quote ? "\"" : "");
}

/* The options: the default's, each argument as it is (next_arg()'s spans, quotes and
 * all) but the applied profile's (t->drop), then the trial's and its marker, before a
 * "--" and what follows it (init's); written by put_line(), so that quotes around the
 * whole stay. A default whose arguments end inside a quote would take the trial's
 * into its last one: -EINVAL with an error at path. */
static int put_options(struct strbuf *b, const char *opts, const struct trial *t,
		       const char *path, unsigned line, struct diag_list *d)
{
	_cleanup_free_ struct cmdline_span *sp = NULL;
	_cleanup_strbuf_ struct strbuf v = {0};
	size_t n = 0, init = 0, quotes = 0;
	char marker[64];
	int r = cmdline_spans(opts, &sp, &n, &init);

	if (r < 0)
		return r;
	for (size_t i = 0; i < init; i++)
		quotes += opts[i] == '"';
	if (quotes % 2)
		return diag_error(
			d, -EINVAL, path, line,
			"systemd-boot boots this entry by default, and its options end inside a quote: the kernel would take the trial's arguments into its last one");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *w =
			strndup(opts + sp[i].start, sp[i].end - sp[i].start);

		if (!w)
			return -ENOMEM;
		if (!strv_contains(t->drop, w))
			strbuf_printf(&v, "%s%s", v.len ? " " : "", w);
	}
	for (size_t i = 0; t->args[i]; i++) {
		if (!state_token_is_safe(t->args[i]))
			return -EINVAL;
		strbuf_printf(&v, "%s%s", v.len ? " " : "", t->args[i]);
	}
	strbuf_printf(&v, "%s%s", v.len ? " " : "", trial_marker(t, marker));
	if (opts[init])
		strbuf_printf(&v, " %s", opts + init);
	r = strbuf_error(&v);
	if (r < 0)
		return r;
	put_line(b, "options", strlen("options"), v.s, v.len);
	return strbuf_error(b);
}

/* The trial's entry: its title, the default entry's kept_keys lines read as
 * systemd-boot reads them (bls_next_line()), and the options. A default that boots
 * an EFI program or a UKI (efi, uki, uki-url), or no linux, is refused: its command
 * line is not the entry's to add to. */
static int sd_trial_text(const struct sysroot *root, const struct boot_facts *now,
			 const struct trial *t, char **ret, struct diag_list *d)
{
	const struct bls_entry *e = default_entry(now);
	_cleanup_strbuf_ struct strbuf b = {0};
	_cleanup_free_ char *text = NULL;
	const char *p, *end;
	struct bls_line l;
	unsigned line = 1;
	bool linux_seen = false;
	size_t len = 0;
	int r;

	if (!e)
		return -EINVAL;
	r = sysroot_read_file(root, e->path, BLS_ENTRY_MAX, true, &text, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return diag_error(d, -EIO, e->path, 0, "cannot read: %s",
				  read_error_text(-r));
	if (memchr(text, '\0', len))
		return diag_error(d, -EINVAL, e->path, 0, "NUL byte");
	strbuf_printf(
		&b,
		"# Written by amdgpu-tune apply --trial %s (trial %s). Do not edit:\n"
		"# 'amdgpu-tune confirm' and 'amdgpu-tune remove [--trial]' take it away.\n"
		"# Made from %s,\n"
		"# which systemd-boot boots by default, with the trial's arguments;\n"
		"# bootctl set-oneshot selects it for one boot.\n"
		"title amdgpu-tune trial: %s\n",
		t->profile, t->id, e->path, t->profile);
	for (p = text, end = text + len; bls_next_line(BLS_SDBOOT, &p, end, &line, &l);) {
		if (bls_line_is(&l, "efi") || bls_line_is(&l, "uki") ||
		    bls_line_is(&l, "uki-url"))
			return diag_error(
				d, -EINVAL, e->path, l.line,
				"systemd-boot boots this entry by default, and its %.*s program takes the command line its own way (a UKI's is built in): a trial entry cannot add arguments to it",
				(int)l.key_len, l.key);
		linux_seen |= bls_line_is(&l, "linux");
		for (size_t k = 0; kept_keys[k]; k++)
			if (bls_line_is(&l, kept_keys[k]))
				put_line(&b, l.key, l.key_len, l.value, l.value_len);
	}
	if (!linux_seen)
		return diag_error(
			d, -EINVAL, e->path, 0,
			"systemd-boot boots this entry by default, and it has no linux line to boot the trial's kernel from");
	r = put_options(&b, e->options ? e->options : "", t, e->path, e->options_line, d);
	if (r < 0)
		return r;
	*ret = strbuf_steal(&b);
	return 0;
}

/* Selected: LoaderEntryOneShot names the entry. A variable there that cannot be read
 * is -EIO (its selection is then taken back all the same). */
static int sd_trial_selected(const struct sysroot *root)
{
	_cleanup_free_ char *v = sdboot_efivar(root, "LoaderEntryOneShot");
	struct stat st;

	if (v)
		return streq(v, SDBOOT_TRIAL_ENTRY);
	return sysroot_stat(root, oneshot_var, &st) == 0 ? -EIO : 0;
}

/* After the change: systemd-boot finds the trial's entry, with every argument and the
 * marker, and does not boot it by default. */
static int sd_trial_verify(const struct sysroot *root, const struct trial *t,
			   struct diag_list *d)
{
	_cleanup_boot_facts_ struct boot_facts *b = NULL;
	_cleanup_strv_free_ char **words = NULL;
	struct diag_list scratch = {0};
	const struct bls_entry *e = NULL;
	char marker[64];
	int r = boot_facts_read(root, NULL, NULL, NULL, &b, &scratch);

	diag_list_done(&scratch);
	if (r < 0)
		return r;
	for (size_t i = 0; i < b->sd.n_entries; i++) {
		if (!streq(b->sd.entries[i].id, SDBOOT_TRIAL_ENTRY))
			continue;
		/* Two (one on the ESP, one on XBOOTLDR): systemd-boot takes the first
		 * it finds, whichever that is. */
		if (e)
			return diag_error(
				d, -EIO, b->sd.entries[i].path, 0,
				"systemd-boot finds the trial's entry twice, here and in %s",
				e->path);
		e = &b->sd.entries[i];
	}
	if (!e)
		return diag_error(
			d, -EIO, NULL, 0,
			"systemd-boot does not find the trial's entry %s among its entries",
			SDBOOT_TRIAL_ENTRY);
	if (kernel_args(e->options, &words) < 0)
		return -ENOMEM;
	for (size_t i = 0; t->args[i]; i++)
		if (!strv_contains(words, t->args[i]))
			return diag_error(d, -EIO, e->path, e->options_line,
					  "the trial's entry lacks %s", t->args[i]);
	if (!strv_contains(words, trial_marker(t, marker)))
		return diag_error(d, -EIO, e->path, e->options_line,
				  "the trial's entry lacks %s", marker);
	if (b->sd.dflt >= 0 && &b->sd.entries[b->sd.dflt] == e)
		return diag_error(
			d, -EIO, e->path, 0,
			"systemd-boot would boot the trial's entry by default (%s), not once: a trial is not possible while that rule picks it (entries without a sort-key whose names sort below this one's, or a default pattern that matches it)",
			b->sd.rule);
	return 0;
}

static const char *const sd_oneshot[] = {"/usr/bin/bootctl", "set-oneshot",
					 SDBOOT_TRIAL_ENTRY, NULL};
/* An empty ID unsets the variable (bootctl(1), set-oneshot). */
static const char *const sd_unset[] = {"/usr/bin/bootctl", "set-oneshot", "", NULL};

const struct boot_backend backend_sdboot = {
	.name = "systemd-boot",
	.detect = detect,
	.read_next = read_next,
	.cmdline = &kernel_cmdline,
	.cmdline_text = cmdline_text,
	.cmdline_regen = REGEN_INITRAMFS,
	.entries_need_initramfs_tool = true,
	.verify = verify,
	.default_rule =
		"newest boot/vmlinuz-VERSION (systemd-boot sorts entries by version)",
	.trial_files = sd_trials,
	.trial_file = sd_trial_file,
	.trial_entry = SDBOOT_TRIAL_ENTRY,
	.trial_where = oneshot_var,
	.trial_text = sd_trial_text,
	.trial_arm = sd_oneshot,
	.trial_disarm = sd_unset,
	.trial_selected = sd_trial_selected,
	.trial_verify = sd_trial_verify,
	.trial_unusable = sd_trial_unusable,
};
