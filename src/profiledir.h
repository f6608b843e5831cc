/* Where profiles live: /etc/amdgpu-tune/profiles (the administrator's) over the shipped
 * $(datadir)/amdgpu-tune/profiles, both inside the root. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "profile.h"

struct sysroot;

#include "paths.h"

/* When set (a command running with privileges), every profile read must pass
 * privs_trusted(): root-owned, not writable by group or others, up to the top. */
extern bool profiledir_strict;

/* The shipped directory relative to the root, or an absolute host path when the
 * environment variable AMDGPU_TUNE_PROFILE_DIR names one (running from a build tree). */
const char *profiledir_shipped(void);

/* Loads profile name: the first of etc, shipped. Matches profile_loader_t (userdata is
 * the struct sysroot). -ENOENT with an error in d when no such profile exists. */
int profiledir_load(void *root, const char *name, char **ret_file, char **ret_buf,
		    size_t *ret_len, struct diag_list *d);

/* Every profile in either directory, sorted by name. *ret owned by the caller
 * (profiledir_list_free()). 0 or -ENOMEM. */
int profiledir_list(struct sysroot *root, struct profile_file **ret, size_t *ret_n);
void profiledir_list_free(struct profile_file *l, size_t n);
