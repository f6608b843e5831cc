/* bootc's kernel-argument files: usr/lib/bootc/kargs.d/NAME.toml in an image, a TOML
 * table with `kargs = ["ARG", ...]` and an optional `match-architectures = ["ARCH",
 * ...]` (bootc's lib/src/kargs.rs reads them with serde and refuses any other key;
 * bootc's "Kernel arguments" documentation). The subset read here is what those files
 * are written in: comments, bare keys, one-line or multi-line arrays of basic or literal
 * strings. Anything else (tables, other keys, multi-line strings, \u escapes) is not
 * understood, and the caller says the image's arguments are not known. Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct kargsd_arg {
	char *value;
	unsigned line; /* 1-based */
};

struct kargsd {
	struct kargsd_arg *kargs;
	size_t n_kargs;
	char **arches; /* NULL-ended; NULL when the file has no match-architectures */
};

/* Reads text (len bytes, no NUL needed) into *ret (kargsd_done()). 0, -ENOMEM, or
 * -EINVAL with the 1-based line in *err_line and a static reason in *err. */
int kargsd_parse(const char *text, size_t len, struct kargsd *ret, unsigned *err_line,
		 const char **err);
void kargsd_done(struct kargsd *k);

/* Whether bootc on arch (its own architecture's name, Rust's std::env::consts::ARCH:
 * x86_64, aarch64, powerpc64, s390x) takes the file's arguments: when it names no
 * architecture, or names arch. */
bool kargsd_applies(const struct kargsd *k, const char *arch);

/* `kargs = [...]` for the arguments as they are written (each already checked by the
 * caller), under a comment header; NULL-ended list. New string or NULL on -ENOMEM;
 * -EINVAL (in *ret NULL and false) for an argument with a quote, a backslash or a
 * control character. 0, -EINVAL or -ENOMEM. */
int kargsd_format(const char *header, char *const *args, char **ret);
