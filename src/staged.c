#include <errno.h>
#include <string.h>

#include "staged.h"
#include "strv.h"
#include "util.h"

/* More arguments than a command line of 2048 bytes can have: a bound on what a hostile
 * file costs. */
#define STAGED_MAX_ARGS 4096

/* A piece of the buffer: a serialized value, its offsets relative to its start. */
struct span {
	const unsigned char *p;
	size_t n;
};

/* The size of a framing offset in a container of n bytes (GVariant specification,
 * "Framing Offsets": the smallest of 1, 2, 4 or 8 bytes that can hold n). */
static size_t offset_size(size_t n)
{
	if (n <= 0xff)
		return 1;
	if (n <= 0xffff)
		return 2;
	if ((unsigned long long)n <= 0xffffffffULL)
		return 4;
	return 8;
}

/* The little-endian offset of w bytes at p. */
static size_t read_offset(const unsigned char *p, size_t w)
{
	unsigned long long v = 0;

	for (size_t i = w; i-- > 0;)
		v = v << 8 | p[i];
	return v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

static size_t align_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* Whether the bytes [from, to) of s are all zero: the padding of normal form. */
static bool zero(struct span s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (s.p[i])
			return false;
	return true;
}

/* The elements of an array of values of variable size (a{sv}, as) whose elements align
 * to align: their count in *n, the spans in *ret (NULL for none). 0, -ENOMEM or
 * -EBADMSG. */
static int array_items(struct span a, size_t align, struct span **ret, size_t *n)
{
	size_t w, table, count, start = 0;
	struct span *items;

	*ret = NULL;
	*n = 0;
	if (a.n == 0)
		return 0;
	w = offset_size(a.n);
	if (a.n < w)
		return -EBADMSG;
	table = read_offset(a.p + a.n - w, w);
	if (table > a.n - w || (a.n - table) % w)
		return -EBADMSG;
	count = (a.n - table) / w;
	if (count == 0 || count > STAGED_MAX_ARGS)
		return -EBADMSG;
	items = calloc(count, sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (size_t i = 0, prev = 0; i < count; i++) {
		size_t end = read_offset(a.p + table + i * w, w);

		start = align_up(prev, align);
		/* Between elements, only the zero bytes alignment asks for. */
		if (start > end || end > table || !zero(a, prev, start)) {
			free(items);
			return -EBADMSG;
		}
		items[i] = (struct span){a.p + start, end - start};
		prev = start = end;
	}
	/* The last element ends where the offsets begin. */
	if (start != table) {
		free(items);
		return -EBADMSG;
	}
	*ret = items;
	*n = count;
	return 0;
}

/* A string (s): its bytes, a NUL, nothing after it, no NUL in it. */
static bool string_ok(struct span s)
{
	return s.n >= 1 && s.p[s.n - 1] == '\0' &&
	       memchr(s.p, '\0', s.n) == s.p + s.n - 1;
}

/* A dict entry {sv}: its key and the variant's value and type. */
static int dict_entry(struct span e, const char **key, struct span *value,
		      const char **type, size_t *type_len)
{
	size_t w, key_end, v_start, v_end, nul;

	if (e.n == 0)
		return -EBADMSG;
	w = offset_size(e.n);
	if (e.n < w)
		return -EBADMSG;
	key_end = read_offset(e.p + e.n - w, w);
	v_end = e.n - w;
	if (key_end > v_end || !string_ok((struct span){e.p, key_end}))
		return -EBADMSG;
	v_start = align_up(key_end, 8);
	if (v_start > v_end || !zero(e, key_end, v_start))
		return -EBADMSG;
	/* A variant: the value, a NUL, the type string (the last NUL separates). */
	for (nul = v_end; nul > v_start && e.p[nul - 1] != '\0'; nul--)
		;
	if (nul == v_start || nul == v_end)
		return -EBADMSG;
	*key = (const char *)e.p;
	*value = (struct span){e.p + v_start, nul - 1 - v_start};
	*type = (const char *)e.p + nul;
	*type_len = v_end - nul;
	return 0;
}

/* An argument as the kernel takes it: UTF-8 with no control character (ostree joins
 * them with blanks into the entry's options line). */
static bool arg_ok(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return false;
	return utf8_valid(s);
}

static int read_kargs(struct span v, char ***ret, const char **why)
{
	_cleanup_free_ struct span *items = NULL;
	_cleanup_strv_free_ char **args = calloc(1, sizeof(char *));
	size_t n;
	int r;

	if (!args)
		return -ENOMEM;
	r = array_items(v, 1, &items, &n);
	if (r == -EBADMSG)
		*why = "its \"kargs\" is not an array of strings in normal form";
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (!string_ok(items[i])) {
			*why = "its \"kargs\" is not an array of strings in normal form";
			return -EBADMSG;
		}
		if (!arg_ok((const char *)items[i].p)) {
			*why = "an argument in its \"kargs\" is not UTF-8 or has a control character";
			return -EBADMSG;
		}
		if (strv_push(&args, (const char *)items[i].p) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(args);
	return 0;
}

/* A name a path may be made of: letters, digits, "._-+", not "." or "..". */
static bool plain_name(struct span s)
{
	const char *n = (const char *)s.p;

	if (!string_ok(s) || s.n < 2 || s.n > 256 || streq(n, ".") || streq(n, ".."))
		return false;
	return strspn(n,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-+") ==
	       s.n - 1;
}

/* "target": a deployment as serialize_deployment_to_variant() writes it, a{sv} with
 * "name", "osname" and "bootcsum" strings. */
static int read_target(struct span v, struct staged *ret, const char **why)
{
	_cleanup_free_ struct span *entries = NULL;
	size_t n;
	int r = array_items(v, 8, &entries, &n);

	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *key, *type;
		struct span value;
		size_t tlen;
		char **to;

		r = dict_entry(entries[i], &key, &value, &type, &tlen);
		if (r < 0)
			break;
		to = streq(key, "name")	    ? &ret->name
		     : streq(key, "osname") ? &ret->osname
					    : NULL;
		if (!to || tlen != 1 || *type != 's' || !plain_name(value))
			continue;
		free(*to);
		if (!(*to = strdup((const char *)value.p)))
			return -ENOMEM;
	}
	if (r == -EBADMSG)
		*why = "its \"target\" is not a dictionary in normal form";
	return r;
}

int staged_parse(const unsigned char *buf, size_t len, struct staged *ret,
		 const char **why)
{
	_cleanup_free_ struct span *entries = NULL;
	size_t n;
	int r;

	*ret = (struct staged){0};
	*why = "not a dictionary (a{sv}) in GVariant's normal form";
	r = array_items((struct span){buf, len}, 8, &entries, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *key, *type;
		struct span value;
		size_t tlen;

		r = dict_entry(entries[i], &key, &value, &type, &tlen);
		if (r < 0)
			break;
		if (streq(key, "kargs")) {
			if (tlen != 2 || memcmp(type, "as", 2) != 0 || ret->kargs) {
				*why = "its \"kargs\" is not one array of strings";
				r = -EBADMSG;
			} else {
				r = read_kargs(value, &ret->kargs, why);
			}
		} else if (streq(key, "target") && tlen == 5 &&
			   memcmp(type, "a{sv}", 5) == 0) {
			r = read_target(value, ret, why);
		} else if (streq(key, "locked")) {
			if (tlen != 1 || *type != 'b' || value.n != 1 || value.p[0] > 1) {
				*why = "its \"locked\" is not a boolean";
				r = -EBADMSG;
			} else {
				ret->locked = value.p[0] == 1;
			}
		}
	}
	if (r < 0)
		staged_done(ret);
	return r;
}

void staged_done(struct staged *s)
{
	strv_free(s->kargs);
	free(s->name);
	free(s->osname);
	*s = (struct staged){0};
}
