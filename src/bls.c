#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bls.h"
#include "util.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The characters the Version Format Specification gives a meaning; others separate. */
static bool is_version_char(char c)
{
	return is_digit(c) || is_alpha(c) || (c && strchr("~-^.", c));
}

static int cmp(long a, long b)
{
	return (a > b) - (a < b);
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* One marker character (~ - ^ .) at a and b: 0 when neither or both have it (both
 * skipped), else the order it gives (lower: the one that has it; ^: higher). */
static int marker(const char **a, const char **b, char m)
{
	int r;

	if (**a != m && **b != m)
		return 0;
	r = cmp(**a != m, **b != m);
	if (r)
		return m == '^' ? -r : r;
	(*a)++;
	(*b)++;
	return 0;
}

int bls_version_cmp(const char *a, const char *b)
{
	int r;

	a = a ? a : "";
	b = b ? b : "";
	for (;;) {
		const char *ea, *eb;

		while (*a && !is_version_char(*a))
			a++;
		while (*b && !is_version_char(*b))
			b++;
		if ((r = marker(&a, &b, '~')))
			return r;
		/* One has ended: the one with characters left is newer. */
		if (!*a || !*b)
			return cmp(*a != '\0', *b != '\0');
		if ((r = marker(&a, &b, '-')) || (r = marker(&a, &b, '^')) ||
		    (r = marker(&a, &b, '.')))
			return r;
		if (is_digit(*a) || is_digit(*b)) {
			/* A number is newer than no number; then by value. */
			for (ea = a; is_digit(*ea); ea++)
				;
			for (eb = b; is_digit(*eb); eb++)
				;
			if ((r = cmp(ea != a, eb != b)))
				return r;
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			if ((r = cmp(ea - a, eb - b)))
				return r;
			if ((r = strncmp(a, b, (size_t)(ea - a))))
				return cmp(r, 0);
		} else {
			/* Letters, byte by byte ('A' < 'a'); the longer run is newer. */
			for (ea = a; is_alpha(*ea); ea++)
				;
			for (eb = b; is_alpha(*eb); eb++)
				;
			r = strncmp(a, b, min_size((size_t)(ea - a), (size_t)(eb - b)));
			if (r)
				return cmp(r, 0);
			if ((r = cmp(ea - a, eb - b)))
				return r;
		}
		a = ea;
		b = eb;
	}
}

/* Case-folded as systemd-boot folds IDs and patterns (ASCII). */
static void fold(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* The ID and boot counter of the file name: "NAME+LEFT[-DONE]SUFFIX" counts, the ID is
 * NAME SUFFIX (boot_entry_parse_tries()); a name systemd-boot skips is -EINVAL. */
static int parse_name(const char *name, const char *suffix, struct bls_entry *e)
{
	size_t n = strlen(name), sl = strlen(suffix);
	const char *plus, *end = name + n - sl;
	char *id;

	e->tries_left = e->tries_done = -1;
	if (n <= sl || strcasecmp(end, suffix) != 0 || name[0] == '.' ||
	    strncmp(name, "auto-", 5) == 0 || strchr(name, '/') || n > 255)
		return -EINVAL;
	for (const char *c = name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return -EINVAL;
	plus = memrchr(name, '+', (size_t)(end - name));
	if (plus) {
		const char *p = plus + 1;
		long left = 0, done = 0;
		bool ok = p < end && is_digit(*p);

		while (ok && p < end && is_digit(*p) && left < 100000)
			left = left * 10 + (*p++ - '0');
		if (ok && p < end && *p == '-') {
			ok = ++p < end && is_digit(*p);
			while (ok && p < end && is_digit(*p) && done < 100000)
				done = done * 10 + (*p++ - '0');
		}
		if (ok && p == end) {
			e->tries_left = (int)left;
			e->tries_done = (int)done;
		}
	}
	/* The ID is the whole name, counter and all (systemd 252 to 257 match
	 * LoaderEntryDefault and loader.conf's default against it). */
	id = strdup(name);
	if (!id)
		return -ENOMEM;
	fold(id);
	e->id = id;
	return 0;
}

/* *field = value (replacing an earlier one, as systemd-boot does). */
static int set(char **field, const char *value, size_t len)
{
	char *v = strndup(value, len);

	if (!v)
		return -ENOMEM;
	free(*field);
	*field = v;
	return 0;
}

bool bls_next_line(enum bls_reader reader, const char **p, const char *end,
		   unsigned *line, struct bls_line *l)
{
	bool sdboot = reader == BLS_SDBOOT;

	while (*p < end) {
		const char *k = *p, *le = *p, *ke, *v;

		while (le < end && *le != '\n' && (*le != '\r' || !sdboot))
			le++;
		l->line = *line;
		if (le < end && *le == '\n')
			(*line)++;
		*p = le < end ? le + 1 : end;
		while (k < le && (*k == ' ' || *k == '\t'))
			k++;
		while (le > k &&
		       (le[-1] == ' ' || le[-1] == '\t' || (!sdboot && le[-1] == '\r')))
			le--;
		if (k == le || *k == '#')
			continue;
		for (ke = k; ke < le && *ke != ' ' && *ke != '\t'; ke++)
			;
		/* A key without a value is passed over. */
		if (ke == le)
			continue;
		for (v = ke; v < le && (*v == ' ' || *v == '\t'); v++)
			;
		if (sdboot && le > v && *v == '"' && le[-1] == '"') {
			v++;
			le = le - 1 > v ? le - 1 : v;
		}
		*l = (struct bls_line){k, (size_t)(ke - k), v, (size_t)(le - v), l->line};
		return true;
	}
	return false;
}

bool bls_line_is(const struct bls_line *l, const char *key)
{
	return l->key_len == strlen(key) && strncmp(l->key, key, l->key_len) == 0;
}

int bls_entry_parse(enum bls_reader reader, const char *name, const char *text,
		    size_t len, struct bls_entry *e)
{
	struct strbuf opts = {0};
	const char *p = text, *end = text + len;
	unsigned line = 1;
	struct bls_line l;
	int r;

	*e = (struct bls_entry){0};
	r = parse_name(name, ".conf", e);
	while (r == 0 && bls_next_line(reader, &p, end, &line, &l)) {
		if (bls_line_is(&l, "title"))
			r = set(&e->title, l.value, l.value_len);
		else if (bls_line_is(&l, "version"))
			r = set(&e->version, l.value, l.value_len);
		else if (bls_line_is(&l, "machine-id"))
			r = set(&e->machine_id, l.value, l.value_len);
		else if (bls_line_is(&l, "sort-key"))
			r = set(&e->sort_key, l.value, l.value_len);
		else if (bls_line_is(&l, "linux") ||
			 (bls_line_is(&l, "efi") && !e->kernel))
			r = set(&e->kernel, l.value, l.value_len);
		else if (bls_line_is(&l, "options")) {
			if (!e->options_line)
				e->options_line = l.line;
			if (opts.len)
				strbuf_putc(&opts, ' ');
			r = strbuf_append(&opts, l.value, l.value_len);
		}
	}
	if (r == 0)
		r = strbuf_error(&opts);
	if (r == 0 && opts.s)
		e->options = strbuf_steal(&opts);
	strbuf_done(&opts);
	if (r < 0)
		bls_entry_done(e);
	return r;
}

/* The value of KEY= in os-release text, unquoted; NULL when absent. */
static char *osrel_value(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *v = NULL;
	size_t vl = 0;

	/* The last assignment wins; only double quotes are taken off (as systemd-boot
	 * reads .osrel). */
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		size_t n = strcspn(p, "\n");

		if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			v = p + kl + 1;
			vl = n - kl - 1;
		}
	}
	if (!v)
		return NULL;
	if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
		v++, vl -= 2;
	return strndup(v, vl);
}

int bls_entry_uki(const char *name, const char *cmdline, const char *osrel,
		  struct bls_entry *e)
{
	int r;

	*e = (struct bls_entry){.uki = true};
	r = parse_name(name, ".efi", e);
	if (r < 0)
		return r;
	if (cmdline) {
		size_t n = strlen(cmdline);

		while (n && strchr(" \t\r\n", cmdline[n - 1]))
			n--;
		e->options = strndup(cmdline + strspn(cmdline, " \t\r\n"),
				     n - min_size(n, strspn(cmdline, " \t\r\n")));
		if (!e->options)
			r = -ENOMEM;
	}
	/* systemd-boot skips a UKI without .osrel, or without a name in it
	 * (bootspec_pick_name_version_sort_key()). */
	if (r == 0 && !osrel)
		r = -EINVAL;
	if (r == 0) {
		static const char *const names[] = {"PRETTY_NAME", "IMAGE_ID", "NAME",
						    "ID"};

		for (size_t i = 0; i < ELEMENTSOF(names) && !e->title; i++)
			e->title = osrel_value(osrel, names[i]);
		if (!e->title)
			r = -EINVAL;
	}
	if (r == 0) {
		/* The sort key is IMAGE_ID, else ID; the version IMAGE_VERSION, else
		 * VERSION, else VERSION_ID, else BUILD_ID
		 * (bootspec_pick_name_version_sort_key()). */
		static const char *const sort_keys[] = {"IMAGE_ID", "ID", NULL},
					 *const version_keys[] = {"IMAGE_VERSION",
								  "VERSION", "VERSION_ID",
								  "BUILD_ID", NULL};
		const char *const *keys[] = {sort_keys, version_keys};
		char **out[] = {&e->sort_key, &e->version};

		for (size_t o = 0; o < ELEMENTSOF(out); o++)
			for (const char *const *k = keys[o]; *k && !*out[o]; k++)
				*out[o] = osrel_value(osrel, *k);
	}
	if (r < 0)
		bls_entry_done(e);
	return r;
}

void bls_entry_done(struct bls_entry *e)
{
	free(e->id);
	free(e->path);
	free(e->title);
	free(e->version);
	free(e->machine_id);
	free(e->sort_key);
	free(e->options);
	free(e->kernel);
	free(e->uname);
	*e = (struct bls_entry){0};
}

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return cmp(a != NULL, b != NULL);
	return cmp(strcmp(a, b), 0);
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct bls_entry *a = pa, *b = pb;
	int r;

	if ((r = cmp(a->tries_left == 0, b->tries_left == 0)) ||
	    (r = cmp(!a->sort_key, !b->sort_key)))
		return r;
	if (a->sort_key && b->sort_key &&
	    ((r = strcmp_null(a->sort_key, b->sort_key)) ||
	     (r = strcmp_null(a->machine_id, b->machine_id)) ||
	     (r = -bls_version_cmp(a->version, b->version))))
		return r;
	if ((r = -bls_version_cmp(a->id, b->id)))
		return r;
	if (a->tries_left < 0 || b->tries_left < 0)
		return 0;
	if ((r = -cmp(a->tries_left, b->tries_left)))
		return r;
	return cmp(a->tries_done, b->tries_done);
}

void bls_sort(struct bls_entry *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), entry_cmp);
}

/* The first entry whose ID the glob pattern (case-folded) matches, or -1. */
static ssize_t find(const struct bls_entry *v, size_t n, const char *pattern)
{
	_cleanup_free_ char *p = pattern && *pattern ? strdup(pattern) : NULL;

	if (!p)
		return -1;
	fold(p);
	for (size_t i = 0; i < n; i++)
		if (fnmatch(p, v[i].id, 0) == 0)
			return (ssize_t)i;
	return -1;
}

bool bls_is_saved(const char *p)
{
	return p && strcasecmp(p, "@saved") == 0;
}

ssize_t bls_default(const struct bls_entry *v, size_t n, const char *oneshot,
		    const char *efi_default, const char *conf_default,
		    const char *last_booted, const char **ret_rule)
{
	/* config_select_default_entry(): "@saved" in LoaderEntryDefault, else in
	 * loader.conf (when LoaderEntryDefault matched nothing), stands for
	 * LoaderEntryLastBooted. */
	const struct {
		const char *pattern, *rule;
	} order[] = {
		{oneshot, "the one-shot choice (EFI variable LoaderEntryOneShot)"},
		{bls_is_saved(efi_default) ? last_booted : efi_default,
		 bls_is_saved(efi_default)
			 ? "the entry booted last (LoaderEntryDefault is @saved)"
			 : "the default choice (EFI variable LoaderEntryDefault)"},
		{bls_is_saved(conf_default)
			 ? (bls_is_saved(efi_default) ? NULL : last_booted)
			 : conf_default,
		 bls_is_saved(conf_default)
			 ? "the entry booted last (loader.conf's default is @saved)"
			 : "loader.conf's default"},
	};

	for (size_t k = 0; k < ELEMENTSOF(order); k++) {
		ssize_t i = find(v, n, order[k].pattern);

		if (i >= 0) {
			*ret_rule = order[k].rule;
			return i;
		}
	}
	*ret_rule = "the first entry in systemd-boot's order";
	return n ? 0 : -1;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int bls_pe_section(const unsigned char *head, size_t head_len, const char *name,
		   size_t *ret_offset, size_t *ret_size)
{
	size_t pe, table, n_sections, opt_size, nl = strlen(name);

	if (head_len < 0x40 || head[0] != 'M' || head[1] != 'Z' || nl > 8)
		return -EBADMSG;
	pe = le32(head + 0x3c);
	/* "PE\0\0", then the COFF header (20 bytes): NumberOfSections at 2,
	 * SizeOfOptionalHeader at 16. */
	if (pe > head_len || head_len - pe < 24 || memcmp(head + pe, "PE\0\0", 4) != 0)
		return -EBADMSG;
	n_sections = le16(head + pe + 4 + 2);
	opt_size = le16(head + pe + 4 + 16);
	table = pe + 24 + opt_size;
	if (n_sections > 96 || table > head_len || (head_len - table) / 40 < n_sections)
		return -EBADMSG;
	for (size_t i = 0; i < n_sections; i++) {
		const unsigned char *s = head + table + i * 40;
		/* Name[8], VirtualSize, VirtualAddress, SizeOfRawData, PointerToRawData
		 */
		uint32_t vsize = le32(s + 8), raw = le32(s + 16), at = le32(s + 20);

		if (memcmp(s, name, nl) != 0 || (nl < 8 && s[nl] != '\0'))
			continue;
		*ret_offset = at;
		*ret_size = vsize && vsize < raw ? vsize : raw;
		return 0;
	}
	return -ENOENT;
}
