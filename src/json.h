/* A minimal JSON writer into a strbuf. Strings are escaped; invalid UTF-8 becomes
 * U+FFFD so the document is always valid. Pure. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

int json_string(struct strbuf *b, const char *s); /* NULL writes null */
int json_key(struct strbuf *b, bool *first, const char *key);
int json_u64(struct strbuf *b, uint64_t v);
