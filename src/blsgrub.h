/* Fedora's GRUB with Boot Loader Specification entries: the rules of its blscfg
 * command (a downstream module of Fedora's and RHEL's grub2, grub-core/commands/
 * blscfg.c) and of the grub.cfg around it, as they decide what boots next and with
 * which command line. Pure: the reader (backend-grubbls.c) gives it the files. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "bls.h"

/* Compares two versions the way blscfg's vercmp() does (rpm's rpmvercmp(): alphabetic
 * and numeric segments, numbers newer than letters, '~' older than anything, '+' newer
 * than the end of the string and older than any segment): <0, 0, >0. */
int blsgrub_vercmp(const char *a, const char *b);

/* Compares two entry IDs (file names without ".conf") as blscfg orders its menu
 * (bls_cmp(), split_cmp()): split at the last two '-' into name, version and release,
 * each compared with blsgrub_vercmp(). >0 when a is newer (listed first). */
int blsgrub_id_cmp(const char *a, const char *b);

/* Fills e from an entry file name (its base name, "*.conf", not starting with '.') and
 * text as read_entry() reads it: up to a NUL byte, carriage returns dropped, a line's
 * leading blanks skipped, '#' lines ignored, the key ending at the first space (at a tab
 * when the line has no space), and a line with no value (an empty line too) ending the
 * file; the first "title", "linux", "options" and "version" count. An entry without
 * "linux" is kept (kernel NULL): it takes its place in the order, and only then does
 * create_entry() skip it. 0, -EINVAL (not an entry name) or -ENOMEM. e->options is the
 * line as written, unexpanded. */
int blsgrub_entry_parse(const char *name, const char *text, size_t len,
			struct bls_entry *e);

/* Orders v as the menu shows them, newest first; an entry comparing equal to one
 * already placed is dropped, as blscfg drops it (bls_add_entry()), and freed. *n is
 * updated. */
void blsgrub_sort(struct bls_entry *v, size_t *n);

/* A GRUB environment block (grub-editenv's grubenv): NAME=VALUE pairs. */
struct grubenv {
	char **names, **values;
	size_t n;
};

/* Parses text (len bytes) as an environment block as grub_envblk_iterate() does:
 * "# GRUB Environment Block" first, then NAME=VALUE (a name runs to the next '=', a
 * value to the next newline, '\\' taking the byte after it), '#' lines as padding; a
 * name without '=' or a value without its newline ends the block. 0, -EBADMSG (not an
 * environment block) or -ENOMEM. */
int grubenv_parse(const char *text, size_t len, struct grubenv *ret);
const char *grubenv_get(const struct grubenv *env, const char *name);
void grubenv_done(struct grubenv *env);

/* An entry's options as blscfg gives them to the kernel (expand_val(), with its
 * quirks): each $NAME replaced by env's value, nothing when unset; when nothing at all
 * was added, default_kernelopts, expanded the same way. A variable unset in env but in
 * cfg_sets (NULL-ended: the names grub.cfg sets, such as Fedora's kernelopts fallback)
 * is not computed, nor is a result GRUB's script parser acts on when it reads the linux
 * line again at boot (a quote, a backslash, '$', a brace, ';', '|', '&', '<', '>', a
 * newline, '#' starting a word): 1 with *why set. Else 0 with *ret (blanks squeezed),
 * or -ENOMEM. */
int blsgrub_options(const char *options, const struct grubenv *env, char *const *cfg_sets,
		    char **ret, const char **why);

/* The entry the menu starts by default among the sorted v: grubenv's next_entry when
 * set (grub-reboot), else grub_default (GRUB_DEFAULT; "saved" stands for grubenv's
 * saved_entry), matched as GRUB's menu does: an entry ID, else a title, else a number
 * (the whole string); nothing matching is the first entry. Its index, -1 when v is empty
 * or the choice names an entry other than a BLS one (other_entries: grub.cfg has
 * menuentry blocks of its own, which may carry that name); *rule says what decided. */
ssize_t blsgrub_default(const struct bls_entry *v, size_t n, const char *grub_default,
			const struct grubenv *env, bool other_entries, const char **rule);
