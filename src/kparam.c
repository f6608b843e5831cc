#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kparam.h"
#include "util.h"

static const char *const base_names[] = {
	[KPARAM_BYTE] = "byte",	      [KPARAM_SHORT] = "short",
	[KPARAM_USHORT] = "ushort",   [KPARAM_INT] = "int",
	[KPARAM_UINT] = "uint",	      [KPARAM_LONG] = "long",
	[KPARAM_ULONG] = "ulong",     [KPARAM_ULLONG] = "ullong",
	[KPARAM_HEXINT] = "hexint",   [KPARAM_BOOL] = "bool",
	[KPARAM_INVBOOL] = "invbool", [KPARAM_BINT] = "bint",
	[KPARAM_CHARP] = "charp",     [KPARAM_STRING] = "string",
};

const char *kparam_base_name(enum kparam_base b)
{
	return base_names[b];
}

int kparam_type_parse(const char *s, struct kparam_type *ret)
{
	const char *p = startswith(s, "array of ");
	struct kparam_type t = {.array = p != NULL};

	if (!p)
		p = s;
	for (size_t i = 0; i < ELEMENTSOF(base_names); i++)
		if (streq(p, base_names[i])) {
			t.base = (enum kparam_base)i;
			*ret = t;
			return 0;
		}
	return -EINVAL;
}

/* A digit's value; 99, more than any base, for what is none. */
static int digit_value(char c)
{
	int v = hex_value(c);

	return v < 0 ? 99 : v;
}

/*
 * _kstrtoull() with base 0 (lib/kstrtox.c): _parse_integer_fixup_radix() picks 16 for
 * "0x" followed by a hex digit, 8 for any other leading '0', else 10; at least one digit
 * is required; a single trailing '\n' is allowed; anything else left over is -EINVAL;
 * overflow is -ERANGE. No sign is accepted here.
 */
static int parse_ull(const char *s, uint64_t *ret)
{
	unsigned base = 10;
	uint64_t v = 0;
	bool overflow = false;
	size_t digits = 0;

	if (s[0] == '0') {
		if ((s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16) {
			base = 16;
			s += 2;
		} else {
			base = 8;
		}
	}
	for (; *s; s++, digits++) {
		unsigned d = (unsigned)digit_value(*s);

		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (digits == 0)
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* kstrtoull(): as above, but a single leading '+' is skipped first. */
int kparam_parse_u64(const char *s, uint64_t *ret)
{
	if (s[0] == '+')
		s++;
	return parse_ull(s, ret);
}

/* kstrtoll(): '-' then _kstrtoull (no '+' after '-'), range of long long. */
static int parse_ll(const char *s, struct kparam_scalar *ret)
{
	uint64_t m;
	int r;

	if (s[0] == '-') {
		r = parse_ull(s + 1, &m);
		if (r < 0)
			return r;
		if (m > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		ret->negative = m != 0;
		ret->magnitude = m;
		return 0;
	}
	r = kparam_parse_u64(s, &m);
	if (r < 0)
		return r;
	if (m > INT64_MAX)
		return -ERANGE;
	ret->negative = false;
	ret->magnitude = m;
	return 0;
}

/* kstrtobool() (lib/kstrtox.c): only the first one or two characters count. Newer
 * kernels also take t/T/f/F (and e/d); older ones refuse them, so a value meant for
 * every target kernel is held to the set all of them accept: y Y 1 n N 0 on off. */
static int parse_bool(const char *s, bool *ret)
{
	switch (s[0]) {
	case 'y':
	case 'Y':
	case '1':
		*ret = true;
		return 0;
	case 'n':
	case 'N':
	case '0':
		*ret = false;
		return 0;
	case 'o':
	case 'O':
		switch (s[1]) {
		case 'n':
		case 'N':
			*ret = true;
			return 0;
		case 'f':
		case 'F':
			*ret = false;
			return 0;
		}
		break;
	}
	return -EINVAL;
}

static int check_unsigned(const char *s, uint64_t max, struct kparam_scalar *ret)
{
	uint64_t v;
	int r = kparam_parse_u64(s, &v);

	if (r < 0)
		return r;
	if (v > max)
		return -ERANGE;
	ret->negative = false;
	ret->magnitude = v;
	return 0;
}

static int check_signed(const char *s, int64_t min, int64_t max,
			struct kparam_scalar *ret)
{
	int r = parse_ll(s, ret);

	if (r < 0)
		return r;
	if (ret->negative ? ret->magnitude > (uint64_t) - (min + 1) + 1
			  : ret->magnitude > (uint64_t)max)
		return -ERANGE;
	return 0;
}

int kparam_parse_scalar(enum kparam_base b, const char *value, struct kparam_scalar *ret)
{
	struct kparam_scalar s = {0};
	bool bv;
	int r;

	/* parse_one(): a parameter given without '=' reaches only ops with
	 * KERNEL_PARAM_OPS_FL_NOARG (bool, bint), which take it as "1". */
	if (!value) {
		if (b != KPARAM_BOOL && b != KPARAM_BINT)
			return -EINVAL;
		value = "1";
	}
	switch (b) {
	case KPARAM_BYTE:
		r = check_unsigned(value, UINT8_MAX, &s);
		break;
	case KPARAM_USHORT:
		r = check_unsigned(value, UINT16_MAX, &s);
		break;
	case KPARAM_UINT:
	case KPARAM_HEXINT: /* param_set_hexint(): kstrtouint(val, 0) as well */
		r = check_unsigned(value, UINT32_MAX, &s);
		break;
	case KPARAM_ULONG: /* LP64: long is 64 bits on every target this tool manages */
	case KPARAM_ULLONG:
		r = check_unsigned(value, UINT64_MAX, &s);
		break;
	case KPARAM_SHORT:
		r = check_signed(value, INT16_MIN, INT16_MAX, &s);
		break;
	case KPARAM_INT:
		r = check_signed(value, INT32_MIN, INT32_MAX, &s);
		break;
	case KPARAM_LONG:
		r = check_signed(value, INT64_MIN, INT64_MAX, &s);
		break;
	case KPARAM_BOOL:
	case KPARAM_BINT:
	case KPARAM_INVBOOL:
		r = parse_bool(value, &bv);
		if (r == 0)
			s.magnitude = (b == KPARAM_INVBOOL) ? !bv : bv;
		break;
	case KPARAM_CHARP:
		/* param_set_charp() refuses more than 1024 bytes. */
		r = strlen(value) > 1024 ? -ENOSPC : 0;
		break;
	case KPARAM_STRING:
	default:
		r = 0;
		break;
	}
	if (r < 0)
		return r == -ENOSPC ? -ERANGE : r;
	*ret = s;
	return 0;
}

static bool is_string(enum kparam_base b)
{
	return b == KPARAM_CHARP || b == KPARAM_STRING;
}

/* Calls fn on each element of an array value (param_array(): split at ','), or on the
 * whole value for a scalar type. Stops at the first non-zero return. */
static int each_element(const struct kparam_type *t, const char *value,
			int (*fn)(const struct kparam_type *, const char *, void *),
			void *u)
{
	const char *p = value;

	if (!t->array || !value)
		return fn(t, value, u);
	for (;;) {
		size_t n = strcspn(p, ",");
		_cleanup_free_ char *e = strndup(p, n);
		int r;

		if (!e)
			return -ENOMEM;
		r = fn(t, e, u);
		if (r != 0)
			return r;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

static int check_one(const struct kparam_type *t, const char *v, void *u)
{
	struct kparam_scalar s;

	return kparam_parse_scalar(t->base, v, &s);
}

int kparam_check(const struct kparam_type *t, const char *value)
{
	/* param_array_set() passes the value on without a NOARG flag of its own. */
	if (t->array && !value)
		return -EINVAL;
	return each_element(t, value, check_one, NULL);
}

int kparam_equal(const struct kparam_type *t, const char *a, const char *b)
{
	struct kparam_scalar sa, sb;
	int r;

	if (t->array) {
		/* Arrays compare element by element after validating both. */
		const char *pa = a, *pb = b;

		if ((r = kparam_check(t, a)) < 0 || (r = kparam_check(t, b)) < 0)
			return r;
		for (;;) {
			size_t na = strcspn(pa, ","), nb = strcspn(pb, ",");
			_cleanup_free_ char *ea = strndup(pa, na), *eb = strndup(pb, nb);

			if (!ea || !eb)
				return -ENOMEM;
			struct kparam_type st = {.base = t->base};
			r = kparam_equal(&st, ea, eb);
			if (r <= 0)
				return r;
			if (!pa[na] || !pb[nb])
				return !pa[na] && !pb[nb];
			pa += na + 1;
			pb += nb + 1;
		}
	}
	if (is_string(t->base)) {
		if ((r = kparam_parse_scalar(t->base, a, &sa)) < 0 ||
		    (r = kparam_parse_scalar(t->base, b, &sb)) < 0)
			return r;
		return streq_ptr(a, b);
	}
	if ((r = kparam_parse_scalar(t->base, a, &sa)) < 0 ||
	    (r = kparam_parse_scalar(t->base, b, &sb)) < 0)
		return r;
	return sa.negative == sb.negative && sa.magnitude == sb.magnitude;
}
