/* Unified diffs of small text files, as `diff -u` prints them, for `diff` and
 * `apply --dry-run`. Pure. */
#pragma once

#include "util.h"

/* Appends the unified diff turning a into b (either may be NULL: the file is absent)
 * with 3 lines of context, headed by `--- a_label` and `+++ b_label`. Nothing is
 * appended when the texts are equal. 0 or -ENOMEM. */
int udiff(struct strbuf *out, const char *a_label, const char *a, const char *b_label,
	  const char *b);
