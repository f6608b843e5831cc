/* A booted OSTree system with rpm-ostree (Fedora Atomic: Silverblue, Kinoite; Bazzite,
 * Bluefin) as a backend. Its kernel arguments belong to the deployments: each
 * `rpm-ostree kargs` makes a new deployment with them, staged until shutdown, and /usr
 * is read-only. So apply changes nothing in the boot files itself:
 *   - the next boot is the pending deployment: the staged one
 *     (run/ostree/staged-deployment, staged.h), else the default deployment's entry,
 *     the one in boot/loader/entries with the highest version (ostree writes version
 *     N - index, the default deployment having index 0: install_deployment_kernel()
 *     in libostree's ostree-sysroot-deploy.c);
 *   - our kernel arguments go there with `rpm-ostree kargs --append-if-missing=ARG`,
 *     and the previous ones leave with `--delete-if-present=ARG` (regen.c). Which ones
 *     are ours is recorded in FRAGMENT_RPM_OSTREE, a file of ours as a whole: the
 *     arguments we added, not those the deployment had already;
 *   - the modprobe.d file stays in /etc (each deployment has its own /etc, merged from
 *     the booted one's when it is finalized), and `rpm-ostree initramfs-etc
 *     --track=/etc/modprobe.d/...` puts it into the deployments' initramfs.
 * What rpm-ostree does is checked afterwards in the pending deployment (verify()). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "backend.h"
#include "bls.h"
#include "bootcfg.h"
#include "fragment.h"
#include "ops.h"
#include "staged.h"
#include "strv.h"
#include "sysroot.h"

#define STAGED	      "run/ostree/staged-deployment"
#define STAGED_LOCKED "run/ostree/staged-deployment-locked"
#define ENTRIES_DIR   "boot/loader/entries"
/* A staged deployment's file holds its arguments, the deployment's names and a few
 * more keys: far less than this. */
#define STAGED_MAX ((size_t)1024 * 1024)

static bool detect(const struct boot_probe *p, struct strbuf *ev)
{
	if (!p->ostree || !p->ostree_booted || !p->rpm_ostree || p->bootc_image)
		return false;
	strbuf_puts(ev, "; a booted OSTree system (run/ostree-booted) with rpm-ostree "
			"(usr/bin/rpm-ostree)");
	return true;
}

/* Not known: why. 0 or -ENOMEM. */
static int not_known(struct boot_facts *b, const char *why)
{
	b->next_known = false;
	free(b->next_why);
	b->next_why = strdup(why);
	return b->next_why ? 0 : -ENOMEM;
}

/* The highest version among the entries ostree wrote (ostree-N.conf, ostree-N-OS.conf
 * and with a boot counter), as a number; 0 when a version is not one. */
static unsigned long entry_version(const struct bls_entry *e)
{
	char *end;
	unsigned long v;

	if (!e->version || e->version[0] < '1' || e->version[0] > '9')
		return 0;
	errno = 0;
	v = strtoul(e->version, &end, 10);
	return *end || errno || v > 1000000 ? 0 : v;
}

/* The stateroot (OS name) an ostree= argument (/ostree/boot.N/OSNAME/BOOTCSUM/SERIAL,
 * ostree's bootlink) names, among the words of options, into buf; false when none. */
static bool ostree_osname(const char *options, char buf[static 256])
{
	for (const char *p = options; p && (p = strstr(p, "ostree=/ostree/boot.")); p++) {
		const char *os, *end;

		if (p != options && p[-1] != ' ' && p[-1] != '\t')
			continue;
		os = strchr(p + 20, '/');
		end = os ? strchr(os + 1, '/') : NULL;
		if (!end || end - os - 1 <= 0 || end - os - 1 >= 256)
			return false;
		memcpy(buf, os + 1, (size_t)(end - os - 1));
		buf[end - os - 1] = '\0';
		return true;
	}
	return false;
}

/* The stateroot the running system booted (proc/cmdline's ostree=), into buf; false
 * when not known (no proc/cmdline under --root). rpm-ostree changes that one's
 * deployments (rpmostree_syscore_get_origin_merge_deployment() takes the booted
 * osname's first). */
static bool booted_osname(const struct sysroot *root, char buf[static 256])
{
	_cleanup_free_ char *cmdline = NULL;
	size_t len;

	return sysroot_read_file(root, "proc/cmdline", 4096, false, &cmdline, &len) ==
		       0 &&
	       ostree_osname(cmdline, buf);
}

/* The default deployment's entry, path and all, in *ret: the highest version among the
 * booted stateroot's (all, when that is not known). 0, 1 with *why when there is no
 * such entry to be read, or -ENOMEM. */
static int default_entry(const struct sysroot *root, struct bls_entry *ret,
			 const char **why)
{
	_cleanup_closedir_ DIR *dh = NULL;
	struct bls_entry best = {0};
	unsigned long best_v = 0;
	char booted[256], os[256];
	bool tie = false, by_os = booted_osname(root, booted);
	struct dirent *de;
	size_t seen = 0;

	if (sysroot_opendir(root, ENTRIES_DIR, &dh) < 0) {
		*why = ENTRIES_DIR " cannot be read (/boot not mounted?)";
		return 1;
	}
	while ((de = readdir(dh))) {
		_cleanup_free_ char *rel = NULL, *text = NULL;
		struct bls_entry e;
		unsigned long v;
		size_t len;
		int r;

		if (strncmp(de->d_name, "ostree-", 7) != 0 || ++seen > BLS_ENTRIES_MAX)
			continue;
		if (asprintf(&rel, "%s/%s", ENTRIES_DIR, de->d_name) < 0)
			goto nomem;
		r = sysroot_read_file(root, rel, BLS_ENTRY_MAX, false, &text, &len);
		if (r == -ENOMEM)
			goto nomem;
		if (r < 0) {
			*why = "an OSTree boot entry cannot be read";
			bls_entry_done(&best);
			return 1;
		}
		r = bls_entry_parse(BLS_GRUB, de->d_name, text, len, &e);
		if (r == -ENOMEM)
			goto nomem;
		if (r < 0)
			continue;
		/* Another stateroot's deployment (a second OS installed beside). */
		if (by_os && (!ostree_osname(e.options, os) || !streq(os, booted))) {
			bls_entry_done(&e);
			continue;
		}
		v = entry_version(&e);
		if (!v) {
			*why = "an OSTree boot entry's version is not a number";
			bls_entry_done(&e);
			bls_entry_done(&best);
			return 1;
		}
		if (v > best_v) {
			bls_entry_done(&best);
			best = e;
			best.path = TAKE_PTR(rel);
			best_v = v;
			tie = false;
		} else {
			tie |= v == best_v;
			bls_entry_done(&e);
		}
	}
	if (seen > BLS_ENTRIES_MAX || tie || !best_v) {
		*why = seen > BLS_ENTRIES_MAX ? "more OSTree boot entries than are read"
		       : tie ? "two OSTree boot entries have the same version"
			     : "no OSTree boot entry (ostree-N.conf) of the booted stateroot in " ENTRIES_DIR;
		bls_entry_done(&best);
		return 1;
	}
	*ret = best;
	return 0;
nomem:
	bls_entry_done(&best);
	return -ENOMEM;
}

/* A staged deployment that is locked is not finalized at shutdown
 * (ostree-finalize-staged.service leaves it; rpm-ostree finalize-deployment, or the
 * update tool that staged it, decides when): the default deployment boots next. Any
 * rpm-ostree kargs or initramfs-etc would stage a new deployment from it, not locked
 * (ostree_sysroot_stage_tree_with_options() removes the lock), and what was held back
 * would be applied at the next shutdown. */
#define LOCKED_WHY \
	"a staged deployment is locked (not finalized at shutdown), and rpm-ostree kargs or initramfs-etc would stage a new one from it that is not: finalize it ('rpm-ostree finalize-deployment') or discard it ('rpm-ostree cleanup -p') first"

/* The pending deployment's kernel arguments, joined by blanks, in *ret, and where they
 * are (*path, *line); with entry, the default deployment's entry when it is that one
 * (else entry->path stays NULL: a staged deployment). for_change: what rpm-ostree
 * would start from, and a locked staged deployment is 2 with LOCKED_WHY; else what
 * boots next (the default deployment, then). 0, 1 with *why when they are not known,
 * 2, or -ENOMEM. */
static int pending_kargs(const struct sysroot *root, char **ret, char **path,
			 unsigned *line, struct bls_entry *entry, bool for_change,
			 const char **why)
{
	_cleanup_free_ char *buf = NULL;
	struct staged st = {0};
	struct strbuf b = {0};
	bool staged = false;
	size_t len;
	int r = sysroot_read_file(root, STAGED, STAGED_MAX, false, &buf, &len);

	if (r == -ENOMEM)
		return r;
	if (r < 0 && r != -ENOENT) {
		*why = STAGED " cannot be read";
		return 1;
	}
	if (r == 0) {
		bool locked;

		r = staged_parse((const unsigned char *)buf, len, &st, why);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return 1;
		locked = st.locked || sysroot_exists(root, STAGED_LOCKED);
		if (locked)
			staged_done(&st);
		if (locked && for_change) {
			*why = LOCKED_WHY;
			return 2;
		}
		staged = !locked;
	}
	if (staged && !st.kargs) {
		staged_done(&st);
		*why = STAGED " has no kernel arguments (\"kargs\")";
		return 1;
	}
	if (!staged) {
		struct bls_entry e = {0};

		r = default_entry(root, &e, why);
		if (r != 0)
			return r;
		*ret = strdup(e.options ? e.options : "");
		*path = strdup(e.path);
		*line = e.options_line;
		if (entry)
			*entry = e;
		else
			bls_entry_done(&e);
		return *ret && *path ? 0 : -ENOMEM;
	}
	for (size_t i = 0; st.kargs[i]; i++)
		strbuf_printf(&b, "%s%s", i ? " " : "", st.kargs[i]);
	staged_done(&st);
	if (strbuf_error(&b) < 0)
		return -ENOMEM;
	*ret = strbuf_steal(&b);
	*path = strdup(STAGED);
	*line = 0;
	return *ret && *path ? 0 : -ENOMEM;
}

int rpm_ostree_record_tokens(const char *text, char ***ret)
{
	_cleanup_strv_free_ char **all = NULL;
	_cleanup_free_ char *copy = text ? strdup(text) : NULL;

	*ret = NULL;
	if (text && !copy)
		return -ENOMEM;
	for (char *l = copy, *next; l && *l; l = next) {
		_cleanup_strv_free_ char **w = NULL;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		if (l[strspn(l, " \t")] == '#')
			continue;
		if (strv_split_ws(l, &w) < 0)
			return -ENOMEM;
		for (size_t i = 0; w && w[i]; i++)
			if (strv_push(&all, w[i]) < 0)
				return -ENOMEM;
	}
	*ret = TAKE_PTR(all);
	return 0;
}

/* The record's line that lists the arguments (the last that is not a comment). */
static unsigned record_line(const char *text)
{
	unsigned n = 0, at = 0;

	for (const char *l = text; l && *l;) {
		const char *e = strchr(l, '\n');

		n++;
		if (l[strspn(l, " \t")] != '#' && l[strspn(l, " \t")] != '\n')
			at = n;
		l = e ? e + 1 : l + strlen(l);
	}
	return at;
}

static int read_next(const struct sysroot *root, const struct file_override *ov,
		     const struct boot_facts *like, struct boot_facts *b,
		     struct diag_list *d)
{
	const struct file_override *o = file_override_find(ov, FRAGMENT_RPM_OSTREE);
	_cleanup_free_ char *kargs = NULL, *path = NULL, *disk = NULL, *kept = NULL;
	_cleanup_strv_free_ char **was = NULL, **to = NULL, **gone = NULL, **words = NULL;
	const char *why = NULL;
	unsigned line = 0;
	size_t len;
	int r;

	(void)like;
	(void)d;
	b->sd = (struct sdboot){.dflt = -1};
	b->sd.entries = calloc(1, sizeof(*b->sd.entries));
	if (!b->sd.entries)
		return -ENOMEM;
	r = pending_kargs(root, &kargs, &path, &line, &b->sd.entries[0], false, &why);
	if (r < 0)
		return r;
	if (r > 0)
		return not_known(b, why);
	if (b->sd.entries[0].path) {
		/* Its kernel is the default kernel (bootcfg.c). */
		b->sd.n_entries = 1;
		b->sd.dflt = 0;
		b->sd.rule =
			"the default deployment: the booted stateroot's highest version";
	} else if (
		!(b->sd.why = strdup(
			  "a staged deployment is pending, and its kernel is not read (run/ostree/staged-deployment names its tree, not its kernel)"))) {
		return -ENOMEM;
	}
	b->next_files_owned = true;
	if (strv_push(&b->next_files, path) < 0)
		return -ENOMEM;
	b->n_next_files = 1;
	b->next_known = true;
	if (!o)
		return srcline_append(&b->next, kargs, strlen(kargs),
				      (struct src){0, line});
	/* With apply's record in place: what rpm-ostree kargs makes of the pending
	 * arguments (ostree_plan() in regen.c): ours that the new record lacks taken
	 * away, each of the new record's appended where missing. */
	r = sysroot_read_file(root, FRAGMENT_RPM_OSTREE, (size_t)64 * 1024, false, &disk,
			      &len);
	if (r == -ENOMEM)
		return r;
	if (rpm_ostree_record_tokens(r == 0 ? disk : NULL, &was) < 0 ||
	    rpm_ostree_record_tokens(o->text, &to) < 0)
		return -ENOMEM;
	for (size_t i = 0; was && was[i]; i++)
		if (!strv_contains(to, was[i]) && strv_push(&gone, was[i]) < 0)
			return -ENOMEM;
	if (strip_tokens(kargs, gone, &kept) < 0 || strv_split_ws(kept, &words) < 0)
		return -ENOMEM;
	r = srcline_append(&b->next, kept, strlen(kept), (struct src){0, line});
	if (r == 0 && to && strv_push(&b->next_files, FRAGMENT_RPM_OSTREE) < 0)
		r = -ENOMEM;
	if (r == 0 && to)
		b->n_next_files = 2;
	for (size_t i = 0; r == 0 && to && to[i]; i++) {
		struct src at = {1, record_line(o->text)};

		if (strv_contains(words, to[i]))
			continue;
		if (b->next.text.s && b->next.text.s[0])
			r = srcline_append(&b->next, " ", 1, at);
		if (r == 0)
			r = srcline_append(&b->next, to[i], strlen(to[i]), at);
	}
	return r;
}

/* The record's text: the plan's arguments that base (the pending deployment's without
 * ours) lacks. */
static int record_text(const char *profile, const struct plan *pl, const char *base,
		       char **ret)
{
	return fragment_rpm_ostree(profile, pl, base, ret);
}

/* After rpm-ostree ran: the pending deployment has every argument of present, none of
 * absent. */
static int verify(const struct sysroot *root, char *const *present, char *const *absent,
		  struct diag_list *d)
{
	_cleanup_free_ char *kargs = NULL, *path = NULL;
	_cleanup_strv_free_ char **w = NULL;
	const char *why = NULL;
	unsigned line = 0;
	int r = pending_kargs(root, &kargs, &path, &line, NULL, true, &why);

	if (r < 0)
		return r;
	if (r > 0)
		return diag_error(
			d, -EIO, NULL, 0,
			"after rpm-ostree, the next deployment's kernel arguments cannot be read: %s",
			why);
	if (strv_split_ws(kargs, &w) < 0)
		return -ENOMEM;
	for (size_t k = 0; present && present[k]; k++)
		if (!strv_contains(w, present[k]))
			return diag_error(
				d, -EIO, path, line,
				"rpm-ostree kargs did not give the next deployment '%s'",
				present[k]);
	for (size_t k = 0; absent && absent[k]; k++)
		if (strv_contains(w, absent[k]))
			return diag_error(
				d, -EIO, path, line,
				"rpm-ostree kargs left '%s' in the next deployment's kernel arguments",
				absent[k]);
	return 0;
}

static const struct managed_file record_file = {FRAGMENT_RPM_OSTREE, MANAGED_CMDLINE,
						true};

const struct boot_backend backend_rpm_ostree = {
	.name = "rpm-ostree",
	.detect = detect,
	.read_next = read_next,
	.cmdline = &record_file,
	.cmdline_text = record_text,
	.cmdline_regen = REGEN_KARGS,
	.verify = verify,
	.ostree_live = true,
	.default_rule =
		"the pending deployment: the staged one (run/ostree/staged-deployment), else the booted stateroot's in boot/loader/entries with the highest version",
	.trial_refuse =
		"apply --trial is not needed on rpm-ostree: every apply makes a new deployment and keeps the previous one in the boot menu, which 'rpm-ostree rollback' makes the default again",
};

/* pending_kargs()'s failure r (for a change) as the error that stops it: -ENOMEM, or
 * -EIO with the finding. */
static int pending_failed(int r, const char *why, struct diag_list *d)
{
	if (r < 0)
		return r;
	if (r == 2)
		return diag_error(d, -EIO, STAGED, 0, "%s; nothing is changed", why);
	return diag_error(
		d, -EIO, NULL, 0,
		"the next deployment's kernel arguments are not known (%s), so what rpm-ostree would change is not either: nothing is changed; 'rpm-ostree status' shows the deployments",
		why);
}

int rpm_ostree_delta(const struct sysroot *root, const char *was, const char *to,
		     char ***add, char ***del, struct diag_list *d)
{
	_cleanup_free_ char *kargs = NULL, *path = NULL;
	_cleanup_strv_free_ char **w = NULL, **o = NULL, **n = NULL;
	const char *why = NULL;
	unsigned line;
	int r = pending_kargs(root, &kargs, &path, &line, NULL, true, &why);

	*add = *del = NULL;
	if (r != 0)
		return pending_failed(r, why, d);
	if (strv_split_ws(kargs, &w) < 0 || rpm_ostree_record_tokens(was, &o) < 0 ||
	    rpm_ostree_record_tokens(to, &n) < 0)
		return -ENOMEM;
	for (size_t i = 0; o && o[i]; i++)
		if (!strv_contains(n, o[i]) && strv_contains(w, o[i]) &&
		    !strv_contains(*del, o[i]) && strv_push(del, o[i]) < 0)
			goto nomem;
	for (size_t i = 0; n && n[i]; i++)
		if (!strv_contains(w, n[i]) && !strv_contains(*add, n[i]) &&
		    strv_push(add, n[i]) < 0)
			goto nomem;
	return 0;
nomem:
	strv_free(*add);
	strv_free(*del);
	*add = *del = NULL;
	return -ENOMEM;
}

/* A name a path may be made of (a stateroot, a deployment, a boot checksum). */
static bool plain(const char *s, size_t n)
{
	return n && n < 256 && !(n == 1 && s[0] == '.') &&
	       !(n == 2 && s[0] == '.' && s[1] == '.') &&
	       strspn(s,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-+") >=
		       n;
}

/* The pending deployment's origin file, relative to the root, in *ret: the staged one's
 * (sysroot/ostree/deploy/OSNAME/deploy/NAME.origin, names from its "target"), else the
 * default entry's, whose ostree= argument (/ostree/boot.N/OSNAME/BOOTCSUM/SERIAL) is a
 * link to its deployment's directory (ostree's deployment layout). 0, 1 when it is not
 * known, or -ENOMEM. */
static int pending_origin(const struct sysroot *root, char **ret)
{
	_cleanup_free_ char *buf = NULL, *name = NULL;
	_cleanup_strv_free_ char **w = NULL;
	struct bls_entry e = {0};
	const char *why, *arg = NULL, *os, *end;
	size_t len;
	int r = sysroot_read_file(root, STAGED, STAGED_MAX, false, &buf, &len);

	*ret = NULL;
	if (r == 0 && sysroot_exists(root, STAGED_LOCKED))
		r = -ENOENT; /* the default deployment boots next */
	if (r == 0) {
		struct staged st;

		r = staged_parse((const unsigned char *)buf, len, &st, &why);
		if (r == 0 && st.locked) {
			staged_done(&st);
			goto entry;
		}
		if (r == 0 && st.name && st.osname &&
		    asprintf(ret, "sysroot/ostree/deploy/%s/deploy/%s.origin", st.osname,
			     st.name) < 0)
			r = -ENOMEM;
		staged_done(&st);
		return r == -ENOMEM ? r : *ret ? 0 : 1;
	}
	if (r != -ENOENT)
		return r == -ENOMEM ? r : 1;
entry:
	r = default_entry(root, &e, &why);
	if (r == 0 && strv_split_ws(e.options ? e.options : "", &w) < 0)
		r = -ENOMEM;
	bls_entry_done(&e);
	if (r != 0)
		return r;
	for (size_t i = 0; w && w[i]; i++)
		if (strncmp(w[i], "ostree=/ostree/boot.", 20) == 0)
			arg = w[i] + 7;
	/* /ostree/boot.N/OSNAME/BOOTCSUM/SERIAL */
	os = arg ? strchr(arg + 8, '/') : NULL;
	end = os ? strchr(os + 1, '/') : NULL;
	if (!end || !plain(os + 1, (size_t)(end - os - 1)) || strstr(arg, "/../") ||
	    strstr(arg, "/./"))
		return 1;
	r = sysroot_link_basename(root, arg + 1, &name);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !plain(name, strlen(name)))
		return 1;
	return asprintf(ret, "sysroot/ostree/deploy/%.*s/deploy/%s.origin",
			(int)(end - os - 1), os + 1, name) < 0
		       ? -ENOMEM
		       : 0;
}

/* Whether origin (a key file's text) lists path among its [rpmostree] group's
 * initramfs-etc files (rpm-ostree's origin: a string list, ';' after each). */
static bool origin_tracks(char *text, const char *path)
{
	bool in = false;

	for (char *l = text, *next; l && *l; l = next) {
		char *eq, *v;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		l += strspn(l, " \t");
		if (*l == '[') {
			in = strncmp(l, "[rpmostree]", 11) == 0;
			continue;
		}
		eq = strchr(l, '=');
		if (!in || !eq)
			continue;
		for (v = eq; v > l && (v[-1] == ' ' || v[-1] == '\t'); v--)
			;
		if ((size_t)(v - l) != 13 || strncmp(l, "initramfs-etc", 13) != 0)
			continue;
		for (char *item = eq + 1, *semi; item && *item; item = semi) {
			semi = strchr(item, ';');
			if (semi)
				*semi++ = '\0';
			item += strspn(item, " \t");
			item[strcspn(item, " \t\r")] = '\0';
			if (streq(item, path))
				return true;
		}
	}
	return false;
}

int rpm_ostree_tracked(const struct sysroot *root, const char *path)
{
	_cleanup_free_ char *origin = NULL, *text = NULL;
	size_t len;
	int r = pending_origin(root, &origin);

	if (r != 0)
		return r < 0 ? r : -1;
	r = sysroot_read_file(root, origin, (size_t)1024 * 1024, false, &text, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || memchr(text, '\0', len))
		return -1;
	return origin_tracks(text, path) ? 1 : 0;
}

const char *rpm_ostree_unchangeable(const struct sysroot *root)
{
	_cleanup_free_ char *buf = NULL;
	struct staged st;
	const char *why;
	size_t len;
	bool locked;

	/* The lock file counts only beside a staged deployment (ostree reads it so). */
	if (sysroot_read_file(root, STAGED, STAGED_MAX, false, &buf, &len) < 0 ||
	    staged_parse((const unsigned char *)buf, len, &st, &why) < 0)
		return NULL;
	locked = st.locked || sysroot_exists(root, STAGED_LOCKED);
	staged_done(&st);
	return locked ? LOCKED_WHY : NULL;
}

int rpm_ostree_claimed(const struct sysroot *root, const char *was, const char *to,
		       char ***ret, struct diag_list *d)
{
	_cleanup_free_ char *kargs = NULL, *path = NULL;
	_cleanup_strv_free_ char **w = NULL, **o = NULL, **n = NULL;
	const char *why = NULL;
	unsigned line;
	int r;

	*ret = NULL;
	if (rpm_ostree_record_tokens(was, &o) < 0 || rpm_ostree_record_tokens(to, &n) < 0)
		return -ENOMEM;
	if (!n)
		return 0;
	r = pending_kargs(root, &kargs, &path, &line, NULL, true, &why);
	if (r != 0)
		return pending_failed(r, why, d);
	if (strv_split_ws(kargs, &w) < 0)
		return -ENOMEM;
	for (size_t i = 0; n[i]; i++)
		if (strv_contains(w, n[i]) && !strv_contains(o, n[i]) &&
		    strv_push(ret, n[i]) < 0)
			return -ENOMEM;
	return 0;
}

int rpm_ostree_record_drop(const char *text, char *const *drop, char **ret)
{
	_cleanup_free_ char *copy = strdup(text);
	struct strbuf b = {0};
	bool any = false;

	*ret = NULL;
	if (!copy)
		return -ENOMEM;
	for (char *l = copy, *next; *l; l = next) {
		_cleanup_strv_free_ char **w = NULL;
		size_t kept = 0;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		else
			next = l + strlen(l);
		if (l[strspn(l, " \t")] == '#') {
			strbuf_printf(&b, "%s\n", l);
			continue;
		}
		if (strv_split_ws(l, &w) < 0) {
			strbuf_done(&b);
			return -ENOMEM;
		}
		for (size_t i = 0; w && w[i]; i++)
			if (!strv_contains(drop, w[i]))
				strbuf_printf(&b, "%s%s", kept++ ? " " : "", w[i]);
		if (kept)
			strbuf_putc(&b, '\n');
		any |= kept;
	}
	if (strbuf_error(&b) < 0)
		return -ENOMEM;
	if (any)
		*ret = strbuf_steal(&b);
	strbuf_done(&b);
	return 0;
}
