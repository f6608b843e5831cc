/* Text whose every byte remembers the file and line it came from, and the kernel-style
 * arguments parsed out of it with the origin of each. The GRUB and modprobe.d readers
 * build their command lines and option strings this way, so `diff` can name the file
 * that decides a value even after `$VAR` expansion or concatenation. Pure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct src {
	uint32_t file; /* index into the reader's file table */
	uint32_t line;
};

struct srcline {
	struct strbuf text;
	struct src *src; /* src[i] is the origin of text.s[i] */
	size_t cap;
};

/* Appends n bytes of p, all from at. 0 or -ENOMEM. */
int srcline_append(struct srcline *l, const char *p, size_t n, struct src at);
/* Appends another sourced text, keeping its origins. 0 or -ENOMEM. */
int srcline_append_line(struct srcline *l, const struct srcline *o);
void srcline_done(struct srcline *l);

/* One argument as the kernel's next_arg() splits it, with the origin of its first
 * byte. */
struct sarg {
	char *name;
	char *value; /* NULL for a bare name */
	struct src at;
};

struct sargs {
	struct sarg *v;
	size_t n;
	char *init_args; /* after a bare "--", or NULL */
	/* The arguments after "--", split the same way: the kernel hands them to init,
	 * but kmod reads all of /proc/cmdline (kmod_config_parse_kcmdline() does not
	 * stop at "--"), so a loadable module's MOD.PARAM there still reaches modprobe.
	 */
	struct sarg *tail;
	size_t n_tail;
};

/* Splits l as the kernel does (cmdline_parse()) into *ret, which the caller owns
 * (sargs_done()). 0 or -ENOMEM. */
int srcline_args(const struct srcline *l, struct sargs *ret);
void sargs_done(struct sargs *a);

/* The last argument named name ('-' = '_'), the one the kernel applies, or NULL. */
const struct sarg *sargs_find(const struct sargs *a, const char *name);
