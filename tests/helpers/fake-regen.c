/* A stand-in for update-grub, update-initramfs, grub-reboot and grub-editenv (on
 * /boot/grub/grubenv) and bootctl set-oneshot (on the root's
 * /sys/firmware/efi/efivars, as efivarfs shows the variable) inside a test root, built
 * static so it runs after chroot. It appends its argv, environment and open fds above 2
 * to /var/log/fake-regen.log, then fails when /etc/fake-regen/fail-NAME exists (or
 * fail-once-NAME, which it removes), and sleeps 2 s when sleep-NAME exists. Signals it
 * inherited as ignored or blocked, a file size limit and a umask other than 022 are
 * logged too.
 * When /etc/fake-regen/record exists it also builds what the real tools would build
 * from the configuration, so a stale boot file is visible: update-grub writes
 * /boot/grub/grub.cfg from /etc/default/grub and /etc/default/grub.d/ *.cfg, and
 * update-initramfs writes /boot/initrd.img-record from /etc/modprobe.d/ *.conf (each
 * file's name and text, in the order the tools read them; replaced atomically, after
 * a pause of 20 ms so that a kill can land while it runs).
 * When /etc/fake-regen/entry names a systemd-boot entry file, update-initramfs makes it
 * again as kernel-install's 90-loaderentry.install does: its options line from
 * /etc/kernel/cmdline.
 * When /etc/fake-regen/bls exists, grub2-mkconfig writes every /boot/loader/entries/
 * *.conf options line and /etc/kernel/cmdline as the update_bls_cmdline() of Fedora's
 * 10_linux does: "root=... ro" (and rootflags=subvol=...) as the entry has them, then
 * GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT, read here from their plain
 * NAME="value" lines in /etc/default/grub (the last of each).
 * As rpm-ostree (rpm-ostree_main()), on an OSTree root: "kargs" with
 * --delete-if-present= and --append-if-missing= changes the arguments of the
 * highest-version /boot/loader/entries/ostree-N.conf as rpm-ostree's
 * kernel_arg_apply_patching() does (appends first, each when the token is missing; then
 * deletes, each when the token was there before) and, when they changed, writes them as
 * a new deployment's entry ostree-N+1.conf (a real booted system stages it instead;
 * the reader of staged deployments has its own tests); "initramfs-etc" with --track=,
 * --untrack= and --force-sync keeps the tracked paths in /etc/fake-regen/tracked and in
 * the deployments' origin files ([rpmostree] initramfs-etc=, as rpm-ostree's origin has
 * them). Every
 * deployment either makes (kargs, or initramfs-etc with a change) takes the tracked
 * files into /boot/initramfs-etc-record, and fails when one is missing, as rpm-ostree's
 * initramfs_overlay_generate() does. "No changes." and nothing made otherwise. "reset"
 * untracks every file, as rpm-ostree reset does. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void copy_file(FILE *out, const char *path)
{
	FILE *in = fopen(path, "r");
	int c;

	if (!in)
		return;
	fprintf(out, "== %s\n", path);
	while ((c = getc(in)) != EOF)
		putc(c, out);
	fclose(in);
}

/* Appends each file of dir whose name ends in suffix (not starting with '.'), sorted. */
static void copy_dir(FILE *out, const char *dir, const char *suffix)
{
	char *names[256], path[512];
	size_t n = 0, sl = strlen(suffix);
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while (n < 256 && (de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] != '.' && l > sl &&
		    strcmp(de->d_name + l - sl, suffix) == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		copy_file(out, path);
		free(names[i]);
	}
}

/* A trial's grub.d script (amdgpu-tune apply --trial) makes the entry 10_linux makes
 * first, with the arguments its GRUB_CMDLINE_LINUX_DEFAULT line adds, under the id
 * amdgpu-tune-trial: written here as its menuentry and linux line, unless
 * /etc/fake-regen/no-trial-entry exists (an entry the real script could not make). */
static void trial_entry(FILE *out)
{
	static const char pre[] =
		"GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT} ";
	FILE *in = fopen("/etc/grub.d/42_amdgpu-tune-trial", "r");
	char line[4096];

	if (!in)
		return;
	while (access("/etc/fake-regen/no-trial-entry", F_OK) != 0 &&
	       fgets(line, sizeof(line), in)) {
		if (strncmp(line, pre, sizeof(pre) - 1) != 0)
			continue;
		fprintf(out,
			"menuentry \"amdgpu-tune trial\" --id amdgpu-tune-trial {\n\tlinux\t/boot/vmlinuz root=/dev/sda1 ro quiet %.*s\n}\n",
			(int)strcspn(line + sizeof(pre) - 1, "\"\n"),
			line + sizeof(pre) - 1);
		break;
	}
	fclose(in);
}

/* grub-reboot ENTRY and grub-editenv FILE unset next_entry, on /boot/grub/grubenv as
 * lines of name=value. */
static int grubenv(const char *name, int argc, char **argv)
{
	const char *file = "/boot/grub/grubenv";
	char line[1100], kept[4096] = "# GRUB Environment Block\n";
	FILE *f;

	if (strcmp(name, "grub-editenv") == 0 &&
	    (argc != 4 || strcmp(argv[1], file) != 0 || strcmp(argv[2], "unset") != 0 ||
	     strcmp(argv[3], "next_entry") != 0))
		return 2;
	if (strcmp(name, "grub-reboot") == 0 && argc != 2)
		return 2;
	f = fopen(file, "r");
	/* The name=value lines but next_entry; the header and the '#' padding are
	 * written anew. */
	while (f && fgets(line, sizeof(line), f))
		if (line[0] != '#' && strncmp(line, "next_entry=", 11) != 0 &&
		    strlen(kept) + strlen(line) < sizeof(kept) - 300)
			strcat(kept, line);
	if (f)
		fclose(f);
	if (strcmp(name, "grub-reboot") == 0 && strlen(argv[1]) < 200) {
		strcat(kept, "next_entry=");
		strcat(kept, argv[1]);
		strcat(kept, "\n");
	}
	f = fopen(file, "w");
	if (!f)
		return 1;
	/* Padded with '#' to 1024 bytes, as grub_envblk_set() keeps the block. */
	fputs(kept, f);
	for (size_t n = strlen(kept); n < 1024; n++)
		putc('#', f);
	return fclose(f) != 0;
}

/* bootctl set-oneshot ID: LoaderEntryOneShot as efivarfs shows it (4 bytes of
 * attributes, then the ID in UTF-16LE with its NUL); an empty ID removes it. */
static int oneshot(int argc, char **argv)
{
	static const char var[] =
		"/sys/firmware/efi/efivars/"
		"LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";
	static const unsigned char attrs[4] = {7, 0, 0, 0};
	FILE *f;

	if (argc != 3 || strcmp(argv[1], "set-oneshot") != 0 || strlen(argv[2]) > 200)
		return 2;
	if (!argv[2][0])
		return unlink(var) < 0 && errno != ENOENT;
	f = fopen(var, "w");
	if (!f)
		return 1;
	fwrite(attrs, 1, sizeof(attrs), f);
	for (const char *c = argv[2];; c++) {
		putc(*c, f);
		putc(0, f);
		if (!*c)
			break;
	}
	return fclose(f) != 0;
}

static int record(const char *name)
{
	const char *target = strcmp(name, "update-grub") == 0 ? "/boot/grub/grub.cfg"
							      : "/boot/initrd.img-record";
	struct timespec pause = {0, 20L * 1000 * 1000};
	char tmp[300];
	FILE *out;

	snprintf(tmp, sizeof(tmp), "%s.new", target);
	out = fopen(tmp, "w");
	if (!out)
		return 1;
	if (strcmp(name, "update-grub") == 0) {
		copy_file(out, "/etc/default/grub");
		copy_dir(out, "/etc/default/grub.d", ".cfg");
		trial_entry(out);
	} else {
		copy_dir(out, "/etc/modprobe.d", ".conf");
	}
	nanosleep(&pause, NULL);
	if (fclose(out) != 0 || rename(tmp, target) != 0)
		return 1;
	return 0;
}

/* The entry named in /etc/fake-regen/entry, its options from /etc/kernel/cmdline. */
static int make_entry(void)
{
	char entry[256] = "", cmdline[4096] = "", line[4096], tmp[300];
	FILE *f = fopen("/etc/fake-regen/entry", "r"), *in, *out;
	int done = 0;

	if (!f)
		return 0;
	if (!fgets(entry, sizeof(entry), f))
		entry[0] = '\0';
	fclose(f);
	entry[strcspn(entry, "\n")] = '\0';
	f = fopen("/etc/kernel/cmdline", "r");
	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
	}
	cmdline[strcspn(cmdline, "\n")] = '\0';
	snprintf(tmp, sizeof(tmp), "%s.new", entry);
	/* No entry there (the ESP not mounted): nothing done, as systemd-boot's hook
	 * does nothing when bootctl finds no installed boot loader. */
	in = fopen(entry, "r");
	if (!in)
		return 0;
	out = fopen(tmp, "w");
	if (!out) {
		fclose(in);
		return 1;
	}
	while (fgets(line, sizeof(line), in)) {
		if (strncmp(line, "options", 7) != 0)
			fputs(line, out);
		else if (!done++)
			fprintf(out, "options    %s\n", cmdline);
	}
	fclose(in);
	return fclose(out) != 0 || rename(tmp, entry) != 0;
}

/* The value of the last NAME="value" line of /etc/default/grub, into buf. */
static void grub_value(const char *name, char *buf, size_t n)
{
	char line[4096];
	size_t k = strlen(name);
	FILE *f = fopen("/etc/default/grub", "r");

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, k) == 0 && line[k] == '=' && line[k + 1] == '"') {
			snprintf(buf, n, "%s", line + k + 2);
			buf[strcspn(buf, "\"")] = '\0';
		}
	fclose(f);
}

static int bls_cmdline(void)
{
	char lx[2048], dflt[2048], path[512], tmp[520], line[4096], opts[8192];
	struct dirent *de;
	DIR *d = opendir("/boot/loader/entries");
	FILE *f;

	grub_value("GRUB_CMDLINE_LINUX", lx, sizeof(lx));
	grub_value("GRUB_CMDLINE_LINUX_DEFAULT", dflt, sizeof(dflt));
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		FILE *in, *out;

		if (de->d_name[0] == '.' || l < 6 ||
		    strcmp(de->d_name + l - 5, ".conf") != 0)
			continue;
		snprintf(path, sizeof(path), "/boot/loader/entries/%s", de->d_name);
		snprintf(tmp, sizeof(tmp), "%s.new", path);
		in = fopen(path, "r");
		out = in ? fopen(tmp, "w") : NULL;
		if (!out) {
			if (in)
				fclose(in);
			closedir(d);
			return 1;
		}
		while (fgets(line, sizeof(line), in)) {
			char *w, *save = NULL;
			size_t n = 0;

			if (strncmp(line, "options ", 8) != 0) {
				fputs(line, out);
				continue;
			}
			opts[0] = '\0';
			for (w = strtok_r(line + 8, " \t\n", &save); w;
			     w = strtok_r(NULL, " \t\n", &save))
				if (strncmp(w, "root=", 5) == 0 || strcmp(w, "ro") == 0 ||
				    strncmp(w, "rootflags=subvol=", 17) == 0)
					n += (size_t)snprintf(opts + n, sizeof(opts) - n,
							      "%s ", w);
			snprintf(opts + n, sizeof(opts) - n, "%s %s", lx, dflt);
			fprintf(out, "options %s\n", opts);
		}
		fclose(in);
		if (fclose(out) != 0 || rename(tmp, path) != 0) {
			closedir(d);
			return 1;
		}
	}
	if (d)
		closedir(d);
	f = fopen("/etc/kernel/cmdline", "w");
	if (!f)
		return 1;
	fprintf(f, "root=UUID=stand-in ro %s %s\n", lx, dflt);
	return fclose(f) != 0;
}

/* The tracked files into /boot/initramfs-etc-record; 1 when one is missing. */
static int overlay(void)
{
	char line[512];
	FILE *f = fopen("/etc/fake-regen/tracked", "r"),
	     *out = fopen("/boot/initramfs-etc-record.new", "w");
	int bad = 0;

	if (!out) {
		if (f)
			fclose(f);
		return 1;
	}
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (access(line, F_OK) != 0) {
			fprintf(stderr,
				"error: Adding %s: stat: No such file or directory\n",
				line + 5);
			bad = 1;
		}
		copy_file(out, line);
	}
	if (f)
		fclose(f);
	if (fclose(out) != 0 || bad)
		return 1;
	return rename("/boot/initramfs-etc-record.new", "/boot/initramfs-etc-record") !=
	       0;
}

/* The deployment's origin says what it tracks: [rpmostree] initramfs-etc=P;...; in each
 * /sysroot/ostree/deploy/fedora/deploy/ *.origin (the stand-in's deployments share the
 * booted one's), after its [origin] group. */
static int origin(char **paths, size_t n)
{
	const char *dir = "/sysroot/ostree/deploy/fedora/deploy";
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		char path[512], line[1024], text[8192] = "";
		size_t len = 0, l = strlen(de->d_name);
		FILE *f;

		if (l < 8 || strcmp(de->d_name + l - 7, ".origin") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f) &&
		       strncmp(line, "[rpmostree]", 11) != 0)
			if (len + strlen(line) < sizeof(text))
				len += (size_t)snprintf(text + len, sizeof(text) - len,
							"%s", line);
		if (f)
			fclose(f);
		f = fopen(path, "w");
		if (!f)
			return 1;
		fputs(text, f);
		if (n) {
			fputs("[rpmostree]\ninitramfs-etc=", f);
			for (size_t k = 0; k < n; k++)
				fprintf(f, "%s;", paths[k]);
			fputs("\n", f);
		}
		if (fclose(f) != 0)
			return 1;
	}
	if (d)
		closedir(d);
	return 0;
}

static int top_entry(char *path, size_t n);
static size_t base_kargs(const char *path, char **was);
static int stage(char **now, size_t n);

/* The paths /etc/fake-regen/tracked lists (at most 64), into paths; their number. */
static size_t tracked(char **paths)
{
	char line[512];
	size_t n = 0;
	FILE *f = fopen("/etc/fake-regen/tracked", "r");

	while (f && n < 64 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		paths[n++] = strdup(line);
	}
	if (f)
		fclose(f);
	return n;
}

/* origin() with the paths /etc/fake-regen/tracked lists. */
static int retrack(void)
{
	char *paths[64];
	size_t n = tracked(paths);

	return origin(paths, n);
}

static int track(int argc, char **argv)
{
	char *paths[64];
	size_t n = tracked(paths);
	int changed = 0, force = 0;
	FILE *f;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--force-sync") == 0) {
			force = 1;
		} else if (strncmp(argv[i], "--track=", 8) == 0) {
			size_t k = 0;

			while (k < n && strcmp(paths[k], argv[i] + 8) != 0)
				k++;
			if (k == n && n < 64) {
				paths[n++] = strdup(argv[i] + 8);
				changed = 1;
			}
		} else if (strncmp(argv[i], "--untrack=", 10) == 0) {
			for (size_t k = 0; k < n; k++)
				if (strcmp(paths[k], argv[i] + 10) == 0) {
					paths[k] = paths[--n];
					changed = 1;
					break;
				}
		} else {
			return 2;
		}
	}
	if (!changed && !force) {
		puts("No changes.");
		return 0;
	}
	f = fopen("/etc/fake-regen/tracked", "w");
	if (!f)
		return 1;
	qsort(paths, n, sizeof(paths[0]), cmp_names);
	for (size_t k = 0; k < n; k++)
		fprintf(f, "%s\n", paths[k]);
	if (fclose(f) != 0 || overlay())
		return 1;
	if (access("/etc/fake-regen/stage", F_OK) == 0) {
		char entry[512], *now[128];
		size_t k = top_entry(entry, sizeof(entry)) ? base_kargs(entry, now) : 0;

		if (stage(now, k))
			return 1;
	}
	return origin(paths, n);
}

/* A GVariant serializer for the one file a booted system's rpm-ostree stages
 * (/run/ostree/staged-deployment, a{sv}: "target" a{sv} of "name" and "osname",
 * "kargs" as), written as GLib writes it (the GVariant specification's framing
 * offsets and alignment), so that amdgpu-tune reads what a real staged deployment
 * looks like. */
struct gv {
	unsigned char b[16384];
	size_t n;
};

static void gv_put(struct gv *g, const void *p, size_t n)
{
	if (g->n + n <= sizeof(g->b)) {
		memcpy(g->b + g->n, p, n);
		g->n += n;
	}
}

static void gv_pad(struct gv *g, size_t a)
{
	while (g->n % a)
		gv_put(g, "", 1);
}

/* The offset size for a container whose body (without offsets) is n bytes and that has
 * k offsets: the smallest that holds the total. */
static size_t gv_osize(size_t n, size_t k)
{
	size_t w = 1;

	while (w < 8 && n + k * w > ((size_t)1 << (8 * w)) - 1)
		w *= 2;
	return w;
}

static void gv_offsets(struct gv *g, const size_t *ends, size_t k, size_t w)
{
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < w; j++) {
			unsigned char c = (unsigned char)(ends[i] >> (8 * j));

			gv_put(g, &c, 1);
		}
}

/* An array of strings (as), or of entries already serialized (each aligned to 8). */
static void gv_strv(struct gv *g, char **v, size_t k)
{
	size_t ends[128], start = g->n;

	for (size_t i = 0; i < k && i < 128; i++) {
		gv_put(g, v[i], strlen(v[i]) + 1);
		ends[i] = g->n - start;
	}
	gv_offsets(g, ends, k, gv_osize(g->n - start, k));
}

/* {sv} entries: key, the value's bytes and type; into a{sv} with gv_dict_end(). */
static void gv_entry(struct gv *g, size_t dict_start, size_t *ends, size_t *k,
		     const char *key, const struct gv *value, const char *type)
{
	size_t start, key_end;

	gv_pad(g, 8);
	start = g->n;
	gv_put(g, key, strlen(key) + 1);
	key_end = g->n - start;
	gv_pad(g, 8);
	gv_put(g, value->b, value->n);
	gv_put(g, "", 1);
	gv_put(g, type, strlen(type));
	gv_offsets(g, &key_end, 1, gv_osize(g->n - start, 1));
	ends[(*k)++] = g->n - dict_start;
}

static void gv_dict_end(struct gv *g, size_t dict_start, const size_t *ends, size_t k)
{
	gv_offsets(g, ends, k, gv_osize(g->n - dict_start, k));
}

static void gv_string(struct gv *g, const char *s)
{
	g->n = 0;
	gv_put(g, s, strlen(s) + 1);
}

#define STAGED_NAME "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a.1"

/* Stages a deployment with the arguments now (n of them), its origin beside the
 * booted one's, as rpm-ostree on a booted system does. */
static int stage(char **now, size_t n)
{
	static struct gv top, target, kargs, name, osname;
	size_t ends[2], tends[2], k = 0, tk = 0;
	FILE *f;

	gv_string(&name, STAGED_NAME);
	gv_string(&osname, "fedora");
	target.n = 0;
	gv_entry(&target, 0, tends, &tk, "name", &name, "s");
	gv_entry(&target, 0, tends, &tk, "osname", &osname, "s");
	gv_dict_end(&target, 0, tends, tk);
	kargs.n = 0;
	gv_strv(&kargs, now, n);
	top.n = 0;
	gv_entry(&top, 0, ends, &k, "target", &target, "a{sv}");
	gv_entry(&top, 0, ends, &k, "kargs", &kargs, "as");
	gv_dict_end(&top, 0, ends, k);
	mkdir("/run/ostree", 0755);
	f = fopen("/run/ostree/staged-deployment", "w");
	if (!f || fwrite(top.b, 1, top.n, f) != top.n || fclose(f) != 0)
		return 1;
	f = fopen("/etc/fake-regen/staged-kargs", "w");
	for (size_t i = 0; f && i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", now[i]);
	if (f)
		fputs("\n", f);
	if (!f || fclose(f) != 0)
		return 1;
	f = fopen("/sysroot/ostree/deploy/fedora/deploy/" STAGED_NAME ".origin", "w");
	if (!f ||
	    fputs("[origin]\nrefspec=fedora:fedora/43/x86_64/silverblue\n", f) < 0 ||
	    fclose(f) != 0)
		return 1;
	return retrack();
}

/* The highest-version ostree-N.conf of /boot/loader/entries: its path and number. */
static int top_entry(char *path, size_t n)
{
	struct dirent *de;
	DIR *d = opendir("/boot/loader/entries");
	int best = 0;

	while (d && (de = readdir(d))) {
		char *end;
		long v;

		if (strncmp(de->d_name, "ostree-", 7) != 0)
			continue;
		v = strtol(de->d_name + 7, &end, 10);
		if (strcmp(end, ".conf") == 0 && v > best && v < 100000) {
			best = (int)v;
			snprintf(path, n, "/boot/loader/entries/%s", de->d_name);
		}
	}
	if (d)
		closedir(d);
	return best;
}

/* The pending deployment's arguments: the staged one's, else those of entry path. */
static size_t base_kargs(const char *path, char **was)
{
	char line[4096];
	size_t n = 0;
	FILE *in = fopen("/etc/fake-regen/staged-kargs", "r");

	if (in && fgets(line, sizeof(line), in))
		for (char *w = strtok(line, " \n"); w && n < 128; w = strtok(NULL, " \n"))
			was[n++] = strdup(w);
	if (in) {
		fclose(in);
		return n;
	}
	in = fopen(path, "r");
	while (in && fgets(line, sizeof(line), in))
		if (strncmp(line, "options ", 8) == 0)
			for (char *w = strtok(line + 8, " \n"); w && n < 128;
			     w = strtok(NULL, " \n"))
				was[n++] = strdup(w);
	if (in)
		fclose(in);
	return n;
}

static int kargs(int argc, char **argv)
{
	char path[512], line[4096], *was[128], *now[128], next[512];
	size_t n_was = 0, n_now = 0;
	int v = top_entry(path, sizeof(path)), changed = 0;
	FILE *in, *out;

	if (!v)
		return 1;
	n_was = base_kargs(path, was);
	memcpy(now, was, sizeof(was[0]) * n_was);
	n_now = n_was;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--append-if-missing=", 20) == 0) {
			size_t k = 0;

			while (k < n_now && strcmp(now[k], a + 20) != 0)
				k++;
			if (k == n_now && n_now < 128) {
				now[n_now++] = strdup(a + 20);
				changed = 1;
			}
		} else if (strncmp(a, "--delete-if-present=", 20) != 0) {
			return 2;
		}
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		size_t k = 0;

		if (strncmp(a, "--delete-if-present=", 20) != 0)
			continue;
		while (k < n_was && strcmp(was[k], a + 20) != 0)
			k++;
		if (k == n_was)
			continue;
		for (k = 0; k < n_now; k++)
			if (strcmp(now[k], a + 20) == 0) {
				memmove(now + k, now + k + 1,
					(n_now - k - 1) * sizeof(now[0]));
				n_now--;
				changed = 1;
				break;
			}
	}
	if (!changed) {
		puts("No changes.");
		return 0;
	}
	if (overlay() != 0)
		return 1;
	if (access("/etc/fake-regen/stage", F_OK) == 0)
		return stage(now, n_now);
	snprintf(next, sizeof(next), "/boot/loader/entries/ostree-%d.conf", v + 1);
	in = fopen(path, "r");
	out = fopen(next, "w");
	if (!in || !out)
		return 1;
	while (fgets(line, sizeof(line), in)) {
		if (strncmp(line, "version ", 8) == 0) {
			fprintf(out, "version %d\n", v + 1);
		} else if (strncmp(line, "options ", 8) == 0) {
			fputs("options", out);
			for (size_t k = 0; k < n_now; k++)
				fprintf(out, " %s", now[k]);
			fputs("\n", out);
		} else {
			fputs(line, out);
		}
	}
	fclose(in);
	return fclose(out) != 0;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	char path[256], cwd[256];
	FILE *log;

	log = fopen("/var/log/fake-regen.log", "a");
	if (!log)
		return 2;
	fprintf(log, "argv:");
	for (int i = 0; i < argc; i++)
		fprintf(log, " %s", argv[i]);
	fprintf(log, "\ncwd: %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	for (char **e = environ; *e; e++)
		fprintf(log, "env: %s\n", *e);
	for (int fd = 3; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) >= 0 && fd != fileno(log))
			fprintf(log, "open fd: %d\n", fd);
	{
		sigset_t blocked;
		struct rlimit fsize;

		sigprocmask(SIG_BLOCK, NULL, &blocked);
		for (int s = 1; s < 32; s++) {
			struct sigaction sa;

			if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
				fprintf(log, "ignored signal: %d\n", s);
			if (sigismember(&blocked, s) == 1)
				fprintf(log, "blocked signal: %d\n", s);
		}
		if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 &&
		    fsize.rlim_cur != RLIM_INFINITY)
			fprintf(log, "file size limit: %llu\n",
				(unsigned long long)fsize.rlim_cur);
	}
	{
		mode_t m = umask(022);

		if (m != 022)
			fprintf(log, "umask: %04o\n", (unsigned)m);
		umask(m);
	}
	fclose(log);
	snprintf(path, sizeof(path), "/etc/fake-regen/sleep-%s", name);
	if (access(path, F_OK) == 0)
		sleep(2);
	snprintf(path, sizeof(path), "/etc/fake-regen/fail-once-%s", name);
	if (unlink(path) == 0)
		return 1;
	snprintf(path, sizeof(path), "/etc/fake-regen/fail-%s", name);
	if (access(path, F_OK) == 0)
		return 1;
	/* One subcommand of rpm-ostree: fail-rpm-ostree-kargs,
	 * fail-once-rpm-ostree-kargs. */
	snprintf(path, sizeof(path), "/etc/fake-regen/fail-%s-%s", name,
		 argc > 1 && strlen(argv[1]) < 64 ? argv[1] : "");
	if (argc > 1 && access(path, F_OK) == 0)
		return 1;
	snprintf(path, sizeof(path), "/etc/fake-regen/fail-once-%s-%s", name,
		 argc > 1 && strlen(argv[1]) < 64 ? argv[1] : "");
	if (argc > 1 && unlink(path) == 0)
		return 1;
	if (strcmp(name, "grub2-mkconfig") == 0 &&
	    access("/etc/fake-regen/bls", F_OK) == 0 && bls_cmdline() != 0)
		return 1;
	if (strcmp(name, "update-initramfs") == 0 && make_entry() != 0)
		return 1;
	if (strcmp(name, "grub-reboot") == 0 || strcmp(name, "grub-editenv") == 0)
		return grubenv(name, argc, argv);
	if (strcmp(name, "bootctl") == 0)
		return oneshot(argc, argv);
	if (strcmp(name, "rpm-ostree") == 0 && argc > 1 && strcmp(argv[1], "kargs") == 0)
		return kargs(argc, argv);
	if (strcmp(name, "rpm-ostree") == 0 && argc > 1 &&
	    strcmp(argv[1], "initramfs-etc") == 0)
		return track(argc, argv);
	/* rpm-ostree reset: the tracked files go too (the kernel arguments stay). */
	if (strcmp(name, "rpm-ostree") == 0 && argc == 2 && strcmp(argv[1], "reset") == 0)
		return unlink("/etc/fake-regen/tracked") != 0 || origin(NULL, 0);
	if (access("/etc/fake-regen/record", F_OK) == 0)
		return record(name);
	return 0;
}
