/* The reader of grub.h, internal to it: a one-pass sh reader in four parts, split as
 * shells are. grub-lex.c reads characters and tokens, grub-expand.c reads a word and
 * expands it, grub-eval.c applies what a command does to the variables, grub-parse.c
 * follows the grammar and calls the others as it reads (the parser evaluates; nothing is
 * run). grub.c reads the files and answers the lookups. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grub.h"

#define GRUB_VALUE_MAX ((size_t)64 * 1024) /* a longer value is not known */
#define GRUB_DEPTH_MAX 64		   /* nesting of commands and expansions */
#define GRUB_WORK_MAX  ((uint64_t)20 * 1000 * 1000) /* steps, against slow files */

/* A here-document whose body starts at the next newline. */
struct heredoc {
	char *delim;
	bool strip_tabs;
	bool quoted; /* a quoted delimiter: the body is not expanded */
};

struct parser {
	struct grub_config *c;
	struct diag_list *d;
	uint32_t file;
	const char *buf;
	size_t len, pos;
	unsigned line;
	bool failed; /* a syntax error: stop reading this file */
	bool done;   /* `return` at the top level: the rest of the file is not read */
	unsigned depth;
	/* Inside a branch, loop or `&&`/`||` operand the reader does not decide: what is
	 * assigned there is unknown. cond_why says which construct (static text). */
	unsigned cond;
	const char *cond_why;
	/* After a `return` or `exit` the reader does not decide: the rest of the file
	 * may not run, so what it assigns is unknown. */
	bool maybe_left;
	/* Inside a subshell or a pipeline part: sh drops what is assigned there. */
	unsigned sub;
	/* Reading a function's body: effects are collected into it, not applied. */
	struct grub_func *def;
	/* Names assigned by the current pipeline, for marking them unknown when it turns
	 * out to run in a subshell or in the background. */
	char **touched;
	struct heredoc *heredocs;
	size_t n_heredocs;
	/* grub-mkconfig sources with set -e: a command that fails where the shell does
	 * not test it (not in a condition, not before && or ||) stops it. */
	unsigned noerrexit;
	unsigned loops; /* for/while/until nesting */
	bool dropin;	/* sourced inside grub-mkconfig's for loop (grub.d/NAME.cfg) */
	bool may_fail;	/* the last simple command may fail (see noerrexit) */
	const char *left_why; /* why maybe_left was set */
	/* The exit status of what ran last may be non-zero: at the end of a file, the
	 * '.' that grub-mkconfig sources it with then fails, and set -e stops it. */
	bool status;
	unsigned commands; /* and-or lists read, to refuse empty compound lists */
};

/* One word after quote removal and expansion. */
struct word {
	struct srcline text;
	bool unknown;
	struct grub_why why;
	bool literal;  /* no quote, escape or expansion: may be a reserved word */
	bool quoted;   /* a quote appeared in it: it is a field even when empty */
	bool split;    /* an unquoted expansion in it: sh splits and may drop it */
	bool self;     /* expands the variable being assigned */
	unsigned line; /* where it starts */
};

enum word_mode {
	WORD_ARG,      /* a command word */
	WORD_ASSIGN,   /* the value of NAME=... */
	WORD_INNER,    /* the word of ${NAME-word}: ends at '}' */
	WORD_INNER_DQ, /* the same inside double quotes: ' is literal, \ escapes less */
};

/* An assignment word: where it is, to expand it after the command's other words (sh
 * expands those first, then the assignments from left to right). */
struct pending {
	char *name;
	size_t pos; /* of the value */
	unsigned line;
	size_t arg; /* export NAME=value: its expanded value is args[arg] */
};

/* Lexing (grub-lex.c). */
bool sh_is_name_start(int ch);
bool sh_is_name_char(int ch);
bool sh_in_list(const char *const *v, const char *s);
bool sh_is_name(const char *s);
int sh_peek(const struct parser *p, size_t off);
bool sh_is_meta(int ch);
_printf_(2, 3) int sh_syntax_error(struct parser *p, const char *fmt, ...);
struct grub_why sh_why_here(const struct parser *p, unsigned line, const char *what);
int sh_skip_subst(struct parser *p, int close);
int sh_newline(struct parser *p);
void sh_skip_blanks(struct parser *p);
int sh_skip_linebreaks(struct parser *p);
const char *sh_reserved(const struct parser *p);
int sh_expect(struct parser *p, const char *word, const char *what, unsigned line);
bool sh_at_redirection(const struct parser *p);
size_t sh_assignment_name(const struct parser *p);
bool sh_at_function(const struct parser *p, size_t *n);

/* Expansion (grub-expand.c). */
void sh_word_unknown(struct word *w, struct grub_why why);
void sh_word_done(struct word *w);
int sh_parse_word(struct parser *p, enum word_mode mode, const char *self,
		  struct word *w);

/* Evaluation (grub-eval.c). */
struct grub_var *sh_var_find(const struct grub_config *c, const char *name, size_t n);
struct grub_func *sh_func_find(const struct grub_config *c, const char *name);
int sh_too_deep(struct parser *p);
void sh_poison(struct parser *p, struct grub_why why);
int sh_effect_unknown(struct parser *p, const char *name, struct grub_why why);
int sh_effect_any(struct parser *p, struct grub_why why);
int sh_effect_assign(struct parser *p, const char *name, struct word *w);
int sh_touched_unknown(struct parser *p, char **names, const char *what, unsigned line);
const char *sh_cond_enter(struct parser *p, const char *why);
void sh_cond_leave(struct parser *p, const char *old);
struct grub_func *sh_func_get(struct grub_config *c, const char *name);
int sh_run_builtin(struct parser *p, const char *cmd, struct word *args, size_t n,
		   unsigned line);
bool sh_is_special_builtin(const char *cmd);
int sh_apply_assignments(struct parser *p, const struct pending *a, size_t n, bool known,
			 const char *why, unsigned line);
