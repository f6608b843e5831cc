/* modprobe.d as kmod reads it (libkmod-config.c: conf_files_list(), kmod_config_parse(),
 * freadline_wrapped(); kmod_module_get_options()). Only `options` lines matter to
 * amdgpu-tune; they are kept per module as one sourced string, the way modprobe hands
 * them to the kernel, so the kernel's own splitting decides what wins. libkmod itself
 * cannot be used for a --root tree: it always mixes in the host's /proc/cmdline. */
#pragma once

#include <stdint.h>

#include "diag.h"
#include "srcline.h"

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
};

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
 * (and *.alias, as kmod 30 on Debian 12 does) sorted together by basename, a basename in
 * a higher-priority directory hiding the same one below, no dotfiles or directories.
 * *ret owned by the caller (modprobe_config_free()). 0 or -ENOMEM; unreadable files
 * are warnings in d. Files in ov are read as given there. */
int modprobe_read(const struct sysroot *root, const struct file_override *ov,
		  struct modprobe_config **ret, struct diag_list *d);
void modprobe_config_free(struct modprobe_config *c);

/* The options modprobe.d gives module, split as the kernel splits them, into *ret
 * (sargs_done()). A module with no options gives an empty list. 0 or -ENOMEM. */
int modprobe_module_args(const struct modprobe_config *c, const char *module,
			 struct sargs *ret);
