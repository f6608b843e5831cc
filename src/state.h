/* amdgpu-tune's record of what it applied, var/lib/amdgpu-tune/state: one
 * "key value" per line, '#' comments.
 *   version 2             (1: a file written before the settings were recorded)
 *   profile NAME
 *   memory BYTES          (version 2: the RAM the plan was made for, when known)
 *   memory-from SOURCE    (version 2, after memory: "option" for a --memory that
 *                         overrode the root's MemTotal, "assumed" for a --memory on a
 *                         root without one, "meminfo" for the root's MemTotal; absent
 *                         in a file written before it was recorded)
 *   kernel VERSION        (version 2: the --kernel the plan was restricted to)
 *   setting WHERE MODULE PARAM[=VALUE]
 *                         (version 2, in plan order: a setting written; WHERE is
 *                         cmdline or modprobe, MODULE is '-' for a kernel parameter)
 *   file PATH SHA256      (a file apply wrote, relative to the root, and its checksum)
 *   tokens-in PATH        (the file the tokens below are in, when it is not
 *                         etc/kernel/cmdline: etc/default/grub of a GRUB without
 *                         drop-ins; absent in a file written before it was recorded)
 *   token ARG             (an argument apply added to that file)
 * The file is ours but still read as hostile: anything else is -EBADMSG. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "plan.h"

struct sysroot;

#include "paths.h"

/* Our own files are data, never instructions: rel (under var/lib/amdgpu-tune) and every
 * directory from var/lib/amdgpu-tune down to it must be reached without a symlink, be
 * owned by root (or, under --root, by the caller) and not be writable by group or
 * others. 0, -ENOENT when rel is absent (no finding), or -EBADMSG with a finding that
 * names the path and what to check. */
int state_path_trusted(const struct sysroot *root, const char *rel, struct diag_list *d);

/* Where the memory a plan was made for came from (memory-from). */
enum memory_from {
	MEMORY_FROM_UNKNOWN, /* a state written before memory-from */
	MEMORY_FROM_OPTION,  /* --memory over the root's MemTotal: planned for again */
	MEMORY_FROM_ASSUMED, /* --memory for a root without MemTotal: MemTotal wins later
			      */
	MEMORY_FROM_MEMINFO, /* the root's MemTotal */
};

/* "option", "assumed", "meminfo"; NULL for MEMORY_FROM_UNKNOWN. */
const char *memory_from_name(enum memory_from f);
/* The source one of those names, MEMORY_FROM_UNKNOWN for any other text. */
enum memory_from memory_from_parse(const char *name);

struct state_file {
	char *path;
	char *sha256; /* 64 lowercase hex digits */
};

struct state {
	char *profile;
	struct state_file *files;
	size_t n_files;
	char **tokens;	 /* NULL-terminated, or NULL */
	char *tokens_in; /* the file they are in; NULL: KERNEL_CMDLINE */
	/* Version 2: the plan's inputs and the settings written. */
	bool has_memory;
	uint64_t memory; /* bytes */
	enum memory_from memory_from;
	char *kernel;	      /* --kernel of the apply, or NULL */
	struct plan *applied; /* owned; NULL for a version 1 file */
};

/* Parses the text of a state file. Pure. *ret owned by the caller (state_free()).
 * 0, -EBADMSG (a finding naming the line is added to d) or -ENOMEM. */
int state_parse(const char *file, const char *buf, size_t len, struct state **ret,
		struct diag_list *d);
/* Reads STATE_FILE from root: 0 with *ret set, 0 with *ret NULL when nothing was ever
 * applied, -EBADMSG, -EIO (with a finding) or -ENOMEM. */
int state_read(const struct sysroot *root, struct state **ret, struct diag_list *d);
void state_free(struct state *s);
/* The file s's tokens are in (a managed command-line file that is ours by token). */
const char *state_tokens_file(const struct state *s);
DEFINE_FREEP(struct state, state_free)
#define _cleanup_state_ _cleanup_(state_freep)

/* The text of a state file for s: version 2 with the record when s->applied is set
 * (every name and value in it must pass the profile allowlist: -EINVAL otherwise),
 * version 1 without. 0, -EINVAL or -ENOMEM. */
int state_format(const struct state *s, char **ret);
/* The recorded checksum of path, or NULL. */
const char *state_sha_of(const struct state *s, const char *path);
/* True for a kernel command-line token apply may record and remove again. */
bool state_token_is_safe(const char *t);
/* A byte count as our records write it: decimal, no sign, no leading zero, not zero.
 * 0, -EINVAL or -ERANGE. */
int state_parse_bytes(const char *s, uint64_t *ret);
/* A kernel version as our records name one: letters, digits and "._+~-", not starting
 * with a dot, at most 200 bytes. */
bool kernel_version_is_safe(const char *s);
/* SHA-256 of data as 64 lowercase hex digits (libmd). */
void sha256_hex(const void *data, size_t len, char out[static 65]);
