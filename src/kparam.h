/* Module parameter values, parsed as the kernel parses them for each parameter type
 * (kernel/params.c param_set_*, lib/kstrtox.c kstrto*, lib/kstrtox.c kstrtobool).
 * Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum kparam_base {
	KPARAM_BYTE,
	KPARAM_SHORT,
	KPARAM_USHORT,
	KPARAM_INT,
	KPARAM_UINT,
	KPARAM_LONG,
	KPARAM_ULONG,
	KPARAM_ULLONG,
	KPARAM_HEXINT,
	KPARAM_BOOL,
	KPARAM_INVBOOL,
	KPARAM_BINT,
	KPARAM_CHARP,
	KPARAM_STRING,
};

/* A type as modinfo's "parmtype" states it: a base type, possibly "array of". */
struct kparam_type {
	enum kparam_base base;
	bool array;
};

/* Parses a parmtype string ("int", "array of uint", "charp"). 0, or -EINVAL for a type
 * this module does not know (the caller then checks nothing and says so). */
int kparam_type_parse(const char *s, struct kparam_type *ret);

/* The name modinfo uses for the base type ("hexint", "bint", ...). */
const char *kparam_base_name(enum kparam_base b);

/* A parsed scalar: integers as sign and magnitude, booleans as 0/1, strings unparsed. */
struct kparam_scalar {
	bool negative;
	uint64_t magnitude;
};

/* Parses one scalar value the way param_set_<type>() would. value NULL means a bare
 * name (no '='), which only bool and bint accept (KERNEL_PARAM_OPS_FL_NOARG).
 * 0 on success; -EINVAL for a value the kernel rejects as malformed; -ERANGE for one it
 * rejects as out of range. String types always succeed except charp over 1024 bytes. */
int kparam_parse_scalar(enum kparam_base b, const char *value, struct kparam_scalar *ret);

/* Validates a whole value, including comma-separated arrays (param_array_set()).
 * Same returns as kparam_parse_scalar(). */
int kparam_check(const struct kparam_type *t, const char *value);

/* Compares two values as the kernel would store them: "0x10" equals "16" for integers,
 * "Y" equals "1" and "on" for booleans, bytes for strings. Returns 1 (equal), 0 (not
 * equal), or a negative errno when either does not parse. */
int kparam_equal(const struct kparam_type *t, const char *a, const char *b);

/* Parses an unsigned kstrtoull()-style number (base 0: 0x hex, leading 0 octal).
 * 0, -EINVAL or -ERANGE. Exposed for the plan's own number fields. */
int kparam_parse_u64(const char *s, uint64_t *ret);
