/* modprobe.d as kmod reads it (libkmod-config.c: conf_files_list(), kmod_config_parse(),
 * freadline_wrapped(); kmod_module_get_options()). Only `options` lines matter to
 * amdgpu-tune; they are kept per module as one sourced string, the way modprobe hands
 * them to the kernel, so the kernel's own splitting decides what wins. libkmod itself
 * cannot be used for a --root tree: it always mixes in the host's /proc/cmdline. */
#pragma once

#include <errno.h>
#include <stdint.h>

#include "cmdline.h"
#include "diag.h"
#include "srcline.h"
#include "util.h"

struct sysroot;
struct file_override;

struct modprobe_module {
	char *module;	     /* '-' written as '_' */
	struct srcline opts; /* every options line for it, in order, joined by ' ' */
};

struct modprobe_config {
	char **files;	 /* files read, relative to the root, in kmod's order */
	int64_t *mtimes; /* their modification times (seconds) */
	size_t n_files;
	struct modprobe_module *modules;
	size_t n_modules;
	/* The blacklist and install lines, in the order read: what keeps a module from
	 * loading by its aliases (kmod's blacklist, which udev's loads honour) or runs
	 * a command instead of loading it (install). */
	struct modprobe_directive {
		char *cmd;    /* "blacklist" or "install" */
		char *module; /* '-' written as '_' */
		char *rest;   /* install's command; NULL for blacklist */
		struct src at;
	} * directives;
	size_t n_directives, directives_cap;
	/* Private to modprobe.c. What each options line gave, in the order read: bytes
	 * [start, start + len) of modules[module].opts, from line `line` of file `file`;
	 * file f's lines start at pieces[file_pieces[f]]. A later read with this one as
	 * its like takes a file's options from here instead of reading it again. */
	struct modprobe_piece {
		uint32_t file, line, module;
		size_t start, len;
	} * pieces;
	size_t n_pieces, pieces_cap, *file_pieces;
	bool *given; /* file f's text came from an override, not from disk */
	/* Allocated lengths, and an open-addressing index of modules by name (module
	 * index + 1, 0 free) of index_cap slots. */
	size_t files_cap, modules_cap, index_cap;
	uint32_t *index;
};

/* The file (relative to the root) of c's file index file, or NULL when out of range. */
static inline const char *modprobe_file_name(const struct modprobe_config *c,
					     uint32_t file)
{
	return file < c->n_files ? c->files[file] : NULL;
}

/* The directories searched, highest priority first, relative to the root. */
extern const char *const modprobe_dirs[];

/* Parses one file's text as kmod does and adds its options lines to c, their origin
 * being file index `file` of c->files. Lines kmod ignores are warnings in d. Pure.
 * 0 or -ENOMEM. */
int modprobe_parse(struct modprobe_config *c, uint32_t file, const char *buf, size_t len,
		   struct diag_list *d);

/* Adds a file to c's table (no parsing); returns its index or -ENOMEM. */
int modprobe_add_file(struct modprobe_config *c, const char *rel, int64_t mtime);

/* Reads every modprobe.d file of the root in kmod's order: all directories' *.conf
 * (and *.alias where rules say so) sorted together by basename, a basename in
 * a higher-priority directory hiding the same one below, no dotfiles or directories.
 * *ret owned by the caller (modprobe_config_free()). 0 or -ENOMEM; unreadable files
 * are warnings in d. Files in ov are read as given there. like, when
 * not NULL, is an earlier read of the same root: the options of a file it read from disk
 * (not from its own overrides) and ov does not replace are taken from it instead of
 * read again, and what like's read found
 * in that file is not found again (diff reads the configuration as it is and as apply
 * would leave it). */
/* What the root's kmod reads, which depends on its version: usr/lib/modprobe.d from
 * kmod 32 (its DISTCONFDIR), "*.alias" files only before kmod 33. */
struct modprobe_rules {
	unsigned kmod;	    /* major version, 0 when not known */
	const char *source; /* where the version came from, or NULL */
	bool usr_lib;	    /* usr/lib/modprobe.d is read */
	bool alias_files;   /* "*.alias" files are read */
};

/* The rules for the kmod the root has installed (var/lib/dpkg/status, pacman's local
 * database, rpm's database); when none says, both *.alias files and usr/lib/modprobe.d
 * are read (kmod 32's rules): kmod 0, source NULL. */
void modprobe_rules_read(const struct sysroot *root, struct modprobe_rules *ret);
/* The same from a dpkg status text. Pure. */
void modprobe_rules_from_status(const char *status, struct modprobe_rules *ret);

int modprobe_read(const struct sysroot *root, const struct file_override *ov,
		  const struct modprobe_rules *rules, const struct modprobe_config *like,
		  struct modprobe_config **ret, struct diag_list *d);
void modprobe_config_free(struct modprobe_config *c);
DEFINE_FREEP(struct modprobe_config, modprobe_config_free)
#define _cleanup_modprobe_config_ _cleanup_(modprobe_config_freep)

/* The options modprobe.d gives module, split as the kernel splits them, into *ret
 * (sargs_done()). A module with no options gives an empty list. 0 or -ENOMEM. Inline:
 * the pure units (layers, report) use it without the reader. */
static inline int modprobe_module_args(const struct modprobe_config *c,
				       const char *module, struct sargs *ret)
{
	_cleanup_free_ char *name = cmdline_name_canonical(module);

	if (!name)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_modules; i++)
		if (streq(c->modules[i].module, name))
			return srcline_args(&c->modules[i].opts, ret);
	*ret = (struct sargs){0};
	return 0;
}
