/* Small helpers shared by the modules: cleanup attributes, a growable string buffer and
 * arrays grown one element at a time, escaping of untrusted text for messages, the
 * relative-path and key-value checks our own files need, GiB formatting and read errors
 * as text. libc only, no I/O. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define ELEMENTSOF(x)  (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

/* For a type with a free function that takes NULL: TYPE_freep() for _cleanup_(), e.g.
 * DEFINE_FREEP(struct plan, plan_free) gives plan_freep(). (A type in parentheses is no
 * type: hence the NOLINT.) */
#define DEFINE_FREEP(type, func)                                                      \
	static inline void func##p(type **p) /* NOLINT(bugprone-macro-parentheses) */ \
	{                                                                             \
		func(*p);                                                             \
	}

/* Makes room for one more element after the n in the array *arr, each size bytes: 0,
 * with *arr perhaps moved and element n uninitialised, or -ENOMEM (*arr unchanged, also
 * when (n + 1) * size would overflow). ARRAY_GROW(a, n) for an array variable a. */
int array_grow(void *arr, size_t n, size_t size);
#define ARRAY_GROW(a, n) array_grow(&(a), (n), sizeof(*(a)))

/* Hands a pointer owned by a _cleanup_ variable to someone else: returns it and leaves
 * NULL behind, so the cleanup does nothing. */
#define TAKE_PTR(p)                         \
	({                                  \
		__typeof__(p) _taken = (p); \
		(p) = NULL;                 \
		_taken;                     \
	})

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return streq(a, b);
}

/* Returns s without the prefix, or NULL when s does not start with it. */
const char *startswith(const char *s, const char *prefix);

/* A NUL-terminated, growable buffer. The caller owns .s; strbuf_done() frees it. It
 * remembers its first failure: after one, every append fails at once (so the text never
 * misses a piece in the middle), strbuf_error() reports it and strbuf_steal() gives
 * NULL, so a writer may append without checking each call and check once at the end. */
struct strbuf {
	char *s;
	size_t len;
	size_t cap;
	int err; /* the first failure (-ENOMEM, -EINVAL), 0 while none */
};

/* Append bytes, a string or formatted text. 0 on success, the buffer's error on
 * failure (now or earlier). */
int strbuf_append(struct strbuf *b, const char *s, size_t n);
int strbuf_puts(struct strbuf *b, const char *s);
int strbuf_putc(struct strbuf *b, char c);
/* Appends item to a comma-separated list in b ("a, b, c"). 0 or -ENOMEM. */
int strbuf_list_add(struct strbuf *b, const char *item);
int strbuf_printf(struct strbuf *b, const char *fmt, ...) _printf_(2, 3);
int strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap) _printf_(2, 0);
/* The first failure of an append to b, or 0. */
static inline int strbuf_error(const struct strbuf *b)
{
	return b->err;
}
/* Hands the string to the caller: "" for an empty buffer, NULL after a failure (the
 * buffer is then freed). */
char *strbuf_steal(struct strbuf *b);
void strbuf_done(struct strbuf *b);
#define _cleanup_strbuf_ _cleanup_(strbuf_done)

/* Writes s into b with control bytes, DEL, backslash and bytes >= 0x80 as \xNN, so a
 * hostile string cannot forge or colour a message line. */
int strbuf_put_escaped(struct strbuf *b, const char *s);

/* Returns a newly allocated escaped copy of s (see strbuf_put_escaped), NULL on ENOMEM.
 */
char *escape_untrusted(const char *s);
/* The same, for a command line shown as the kernel gets it: without the blanks around
 * it (a file's final newline, kernel-install's joined lines). */
char *escape_cmdline(const char *s);

/* amdgpu-tune's own record files (state, snapshot manifests, the journal) hold one
 * "key value" per line; empty lines and '#' comments are skipped. Cuts the next such line
 * out of the writable text at *cursor, counting lines in *line. 1 with *key set and
 * *value after the first space (NULL when there is none), 0 at the end. */
int next_key_value(char **cursor, unsigned *line, char **key, char **value);

/* A path relative to the root as amdgpu-tune's own records name them: not absolute, no
 * empty, "." or ".." component, only letters, digits and "_.-/". */
bool rel_path_is_safe(const char *s);

/* The value of a hexadecimal digit, either case, or -1. Not isxdigit(): the locale must
 * not decide what a kernel-printed number is. */
int hex_value(char c);

/* Reads 1 to max (at most 8) hexadecimal digits at the start of s into *ret: no sign, no
 * blank, no "0x", as the kernel prints PCI addresses and ids. The number of digits read,
 * 0 when s does not start with one. */
size_t hex_digits(const char *s, size_t max, unsigned *ret);

/* strdup that accepts NULL (returns NULL) and reports ENOMEM through *ret_err. */
int strdup_ptr(const char *s, char **ret);

/* The length of the valid UTF-8 sequence at p (1-4), or 0 when the bytes there are not
 * one (overlong forms, surrogates and values past U+10FFFF are not); p is
 * NUL-terminated, and a NUL ends a sequence. */
size_t utf8_len(const unsigned char *p);
/* Whether the NUL-terminated s is valid UTF-8 throughout. */
bool utf8_valid(const char *s);

/* One MiB: the unit of amdgpu.gttsize. */
#define MIB (UINT64_C(1) << 20)

/* Formats a byte count as binary GiB with two decimals ("96.00 GiB"), into buf. */
void format_gib(uint64_t bytes, char buf[static 32]);

/* strerror() for what reading a file returned: sysroot's readers refuse anything but a
 * regular file (a FIFO would block) with -EBADF. */
const char *read_error_text(int err);
