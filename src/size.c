#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "size.h"
#include "util.h"

int size_parse(const char *s, struct size_spec *ret, const char **ret_hint)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
		{"KiB", 10},
		{"MiB", 20},
		{"GiB", 30},
		{"TiB", 40},
	};
	const char *hint = NULL, *p = s;
	uint64_t v = 0;
	size_t digits = 0;

	/* Plain decimal digits only: no sign, no octal or hex surprises in a size. */
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (digits == 0 || (digits > 1 && s[0] == '0')) {
		hint = "a size is a decimal number without leading zeros followed by KiB, MiB, GiB, TiB or %";
		goto bad;
	}
	if (streq(p, "%")) {
		if (v < 1 || v > 100) {
			if (ret_hint)
				*ret_hint = "a percentage of RAM is between 1% and 100%";
			return -ERANGE;
		}
		*ret = (struct size_spec){.percent = true, .value = v};
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (streq(p, units[i].suffix)) {
			if (v == 0) {
				if (ret_hint)
					*ret_hint = "a size of zero is not a limit";
				return -ERANGE;
			}
			if (v > (UINT64_MAX >> units[i].shift))
				return -ERANGE;
			*ret = (struct size_spec){.percent = false,
						  .value = v << units[i].shift};
			return 0;
		}
	if (*p == '\0')
		hint = "a size needs a unit: KiB, MiB, GiB, TiB, or % of RAM";
	else if (strchr("kKmMgGtT", *p) &&
		 (streq(p + 1, "B") || streq(p + 1, "") || streq(p + 1, "b")))
		hint = "decimal or ambiguous unit: write KiB, MiB, GiB or TiB (powers of 1024)";
	else if (*p == '.')
		hint = "fractions are not accepted: use a smaller unit (e.g. 98304MiB)";
	else
		hint = "unknown unit: use KiB, MiB, GiB, TiB or %";
bad:
	if (ret_hint)
		*ret_hint = hint;
	return -EINVAL;
}

int size_resolve(const struct size_spec *spec, uint64_t mem_total, uint64_t page_size,
		 uint64_t *ret_bytes)
{
	uint64_t bytes;

	if (spec->percent)
		/* mem_total * pct / 100 without overflow for any realistic RAM size. */
		bytes = mem_total / 100 * spec->value +
			mem_total % 100 * spec->value / 100;
	else
		bytes = spec->value;
	bytes -= bytes % page_size;
	if (bytes == 0)
		return -ERANGE;
	*ret_bytes = bytes;
	return 0;
}

void size_format_arg(uint64_t bytes, char buf[static 32])
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}};

	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (bytes >> units[i].shift &&
		    (bytes & ((UINT64_C(1) << units[i].shift) - 1)) == 0) {
			snprintf(buf, 32, "%" PRIu64 "%s", bytes >> units[i].shift,
				 units[i].suffix);
			return;
		}
	snprintf(buf, 32, "%" PRIu64 "KiB", bytes >> 10 ? bytes >> 10 : 1);
}

int size_memtotal(const char *meminfo, uint64_t *ret)
{
	static const char key[] = "MemTotal:";

	for (const char *p = meminfo; p && *p;
	     p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *v;
		unsigned long long kib;
		char *end;

		if (strncmp(p, key, strlen(key)) != 0)
			continue;
		v = p + strlen(key);
		v += strspn(v, " \t");
		if (*v < '0' || *v > '9')
			continue;
		errno = 0;
		kib = strtoull(v, &end, 10);
		if (strncmp(end, " kB", 3) != 0 || (end[3] && end[3] != '\n'))
			continue;
		if (errno == ERANGE || kib == 0 || kib > UINT64_MAX / 1024)
			return -ERANGE;
		*ret = (uint64_t)kib * 1024;
		return 0;
	}
	return -ENODATA;
}
