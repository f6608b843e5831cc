/* Sizes in profiles: "96GiB", "98304MiB", "90%" (of MemTotal). Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct size_spec {
	bool percent;	/* true: value is a percentage of MemTotal */
	uint64_t value; /* bytes, or percent (1..100) */
};

/* Parses a size. Units are binary and required: KiB, MiB, GiB, TiB; or an integer
 * percentage "N%". 0 on success; -EINVAL with a static hint in *ret_hint (may be NULL)
 * for malformed input; -ERANGE for overflow or a percentage outside 1..100. */
int size_parse(const char *s, struct size_spec *ret, const char **ret_hint);

/* bytes as a --memory argument size_parse() reads back exactly, in the largest binary
 * unit that divides it ("96GiB"); below 1 KiB, or not a whole number of KiB, in KiB
 * rounded down. */
void size_format_arg(uint64_t bytes, char buf[static 32]);

/* Turns a spec into bytes for a machine with mem_total bytes of RAM, rounded down to a
 * whole number of pages. 0, or -ERANGE when the result would be zero pages. */
int size_resolve(const struct size_spec *spec, uint64_t mem_total, uint64_t page_size,
		 uint64_t *ret_bytes);

/* MemTotal from the text of /proc/meminfo (its "MemTotal:" line, "N kB", as the
 * kernel's meminfo_proc_show() writes it), in bytes. 0; -ENODATA when no such line
 * reads as a number; -ERANGE for zero, or 2^64 bytes or more. */
int size_memtotal(const char *meminfo, uint64_t *ret);
