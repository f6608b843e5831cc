/* Profiles (amdgpu-tune.conf(5)): INI text read with inih through a reader of our own
 * that counts lines and refuses over-long lines, NUL bytes and continuation lines;
 * include inheritance with cycle detection and unset. Pure: the caller supplies the
 * bytes of every file through a loader callback. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* Largest profile file accepted; anything bigger is refused as not a profile. */
#define PROFILE_MAX_BYTES ((size_t)64 * 1024)
/* Deepest include chain accepted. */
#define PROFILE_MAX_INCLUDE_DEPTH 8

enum psection_kind {
	PSECTION_PROFILE, /* holds only placement after parsing; see struct profile */
	PSECTION_MEMORY,
	PSECTION_KERNEL,
	PSECTION_MODULE,
};

struct pentry {
	char *key;
	char *value;
	char *reason; /* the comment above the key or after it, or NULL */
	char *file;
	unsigned line;
};

struct psection {
	enum psection_kind kind;
	char *module; /* PSECTION_MODULE only */
	struct pentry *entries;
	size_t n_entries;
	struct pentry *unsets; /* key = the name to drop; before resolution only */
	size_t n_unsets;
};

enum placement {
	PLACEMENT_MODPROBE,
	PLACEMENT_CMDLINE,
};

struct profile {
	char *name;
	char *file;
	char *description;
	char **match;  /* gfx targets ("gfx1151") and "vvvv:dddd" ids, lowercase */
	char *include; /* NULL when none; cleared by resolution */
	unsigned include_line;
	unsigned description_line, match_line; /* 0 when absent */
	char **chain; /* after resolution: this profile, then what it includes */
	struct psection *sections;
	size_t n_sections;
};

/* True when name is a valid profile name: [a-z0-9][a-z0-9._-]*, at most 64 bytes. */
bool profile_name_is_valid(const char *name);

/* Parses one profile file held in buf (len bytes; NUL bytes are refused). name is the
 * profile's name, file the path shown in messages. On success *ret is owned by the
 * caller (profile_free()). Errors are added to d with file and line, and -EINVAL is
 * returned; -ENOMEM on allocation failure. Warnings may be added on success. */
int profile_parse(const char *name, const char *file, const char *buf, size_t len,
		  struct profile **ret, struct diag_list *d);

/* Supplies the text of an included profile: *ret_file (path for messages) and *ret_buf
 * (len bytes), both owned by the caller afterwards. Returns 0, or a negative errno after
 * adding its own diagnostic to d. */
typedef int (*profile_loader_t)(void *userdata, const char *name, char **ret_file,
				char **ret_buf, size_t *ret_len, struct diag_list *d);

/* Resolves top's include chain: loads each included profile through load, refuses
 * cycles and chains deeper than PROFILE_MAX_INCLUDE_DEPTH, then merges from the base
 * up: a later profile's keys replace the base's, its unset keys drop the base's (an
 * unset of something not inherited is an error). description and match are never
 * inherited. *ret is a new profile owned by the caller; top is not modified.
 * 0, -EINVAL (diagnostics in d) or -ENOMEM. */
int profile_resolve(const struct profile *top, profile_loader_t load, void *userdata,
		    struct profile **ret, struct diag_list *d);

/* The section of the given kind (and module name, for PSECTION_MODULE), or NULL. */
const struct psection *profile_section(const struct profile *p, enum psection_kind kind,
				       const char *module);
/* The entry for key in s (kernel and module names compare with '-' = '_'), or NULL. */
const struct pentry *psection_get(const struct psection *s, const char *key);

/* Placement of module options: modprobe unless the profile says cmdline. */
enum placement profile_placement(const struct profile *p);

void profile_free(struct profile *p);
static inline void profile_freep(struct profile **p)
{
	profile_free(*p);
}
#define _cleanup_profile_free_ _cleanup_(profile_freep)

/* True when every byte of s is in the allowlist for values that reach a boot file:
 * [A-Za-z0-9_.,:+/-]. */
bool profile_value_is_safe(const char *s);
/* True for a parameter or option name that may reach a boot file: [A-Za-z0-9_.-]+ without
 * a leading '-'; dots refused when allow_dot is false. */
bool profile_key_is_safe(const char *s, bool allow_dot);

/* A profile as the search path lists it (profiledir_list()). */
struct profile_file {
	char *name;
	char *file;	/* path shown to the user (root joined) */
	char *shadowed; /* the shipped file this one replaces, or NULL */
};
