/* NULL-terminated string vectors. A vector owns its strings; strv_free() frees both. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

void strv_free(char **v);
static inline void strv_freep(char ***v)
{
	strv_free(*v);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *v);
/* Appends a copy of s. 0 or -ENOMEM (the vector is unchanged on failure). */
int strv_push(char ***v, const char *s);
/* Appends s itself, taking ownership on success only. */
int strv_consume(char ***v, char *s);
bool strv_contains(char *const *v, const char *s);
/* Splits s at runs of spaces and tabs into a new vector. */
int strv_split_ws(const char *s, char ***ret);
/* Sorts in strcmp() order; NULL is the empty vector. */
void strv_sort(char **v);
