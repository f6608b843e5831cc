/* The sh reader's lexing (grub-sh.h): characters and names, tokens, reserved words,
 * blanks, comments and line breaks with the here-document bodies they end, and command
 * substitutions skipped over (never run). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "grub-sh.h"

bool sh_is_name_start(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

bool sh_is_name_char(int ch)
{
	return sh_is_name_start(ch) || (ch >= '0' && ch <= '9');
}

bool sh_in_list(const char *const *v, const char *s)
{
	for (; *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

bool sh_is_name(const char *s)
{
	if (!sh_is_name_start((unsigned char)*s))
		return false;
	while (*++s)
		if (!sh_is_name_char((unsigned char)*s))
			return false;
	return true;
}

int sh_peek(const struct parser *p, size_t off)
{
	return p->pos + off < p->len ? (unsigned char)p->buf[p->pos + off] : -1;
}

/* A character that ends an unquoted word (sh's metacharacters). */
bool sh_is_meta(int ch)
{
	return ch < 0 || ch == ' ' || ch == '\t' || ch == '\n' || ch == ';' ||
	       ch == '&' || ch == '|' || ch == '<' || ch == '>' || ch == '(' || ch == ')';
}

_printf_(2, 3) int sh_syntax_error(struct parser *p, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->failed)
		return 0;
	p->failed = true;
	p->c->understood = false;
	return diag_add(p->d, DIAG_ERROR, p->c->files[p->file], p->line,
			"%s: sh would refuse this file, and update-grub with it", msg);
}

struct grub_why sh_why_here(const struct parser *p, unsigned line, const char *what)
{
	return (struct grub_why){p->file, line, what};
}

/* Skips a quoted string inside a command substitution, after its opening quote q, up to
 * and past its closing one; in double quotes, nested substitutions too. */
static int skip_quoted(struct parser *p, int q)
{
	while (sh_peek(p, 0) >= 0 && sh_peek(p, 0) != q && !p->failed) {
		int ch = sh_peek(p, 0);

		if (ch == '\n')
			p->line++;
		p->pos++;
		if (q == '\'')
			continue;
		if (ch == '\\' && sh_peek(p, 0) >= 0) {
			if (sh_peek(p, 0) == '\n')
				p->line++;
			p->pos++;
		} else if (ch == '`') {
			sh_skip_subst(p, '`');
		} else if (ch == '$' && sh_peek(p, 0) == '(') {
			p->pos++;
			sh_skip_subst(p, ')');
		}
	}
	if (p->failed)
		return 0;
	if (sh_peek(p, 0) < 0)
		return sh_syntax_error(p, q == '\'' ? "unterminated single quote"
						    : "unterminated double quote");
	p->pos++;
	return 0;
}

/* The text of a substitution up to its closing character (sh_skip_subst()). */
static int skip_to(struct parser *p, int close)
{
	unsigned depth = 0, start = p->line;
	bool word_start = true;
	int r;

	while (!p->failed) {
		int ch = sh_peek(p, 0);
		bool was_start = word_start;

		word_start = ch == ' ' || ch == '\t' || ch == '\n' || ch == ';' ||
			     ch == '&' || ch == '|' || ch == '(' || ch == ')';
		if (close == ')' && was_start && ch == '#') {
			/* A comment, up to the end of the line. */
			while (sh_peek(p, 0) >= 0 && sh_peek(p, 0) != '\n')
				p->pos++;
			continue;
		}
		if (close == ')' && ((ch == '<' && sh_peek(p, 1) == '<') ||
				     (was_start && p->pos + 4 <= p->len &&
				      strncmp(p->buf + p->pos, "case", 4) == 0 &&
				      sh_is_meta(sh_peek(p, 4)))))
			/* Here-documents and case patterns move where the substitution
			 * ends; the reader does not follow them there. */
			sh_poison(
				p,
				sh_why_here(
					p, p->line,
					"a here-document or case inside a command substitution, which amdgpu-tune does not follow"));

		if (ch < 0)
			return sh_syntax_error(
				p, "command substitution from line %u is not closed",
				start);
		if (ch == '\n')
			p->line++;
		if (close == '`') {
			if (ch == '\\' && sh_peek(p, 1) >= 0) {
				if (sh_peek(p, 1) == '\n')
					p->line++;
				p->pos += 2;
				continue;
			}
			p->pos++;
			if (ch == '`')
				return 0;
			continue;
		}
		p->pos++;
		switch (ch) {
		case '\\':
			if (sh_peek(p, 0) == '\n')
				p->line++;
			if (sh_peek(p, 0) >= 0)
				p->pos++;
			break;
		case '\'':
		case '"':
			r = skip_quoted(p, ch);
			if (r < 0 || p->failed)
				return r;
			break;
		case '`':
			sh_skip_subst(p, '`');
			break;
		case '(':
			depth++;
			break;
		case ')':
			if (depth == 0)
				return 0;
			depth--;
			break;
		}
	}
	return 0;
}

/* Skips a command substitution's text up to its closing character: ')' for $( (after
 * the '('), '`' for backquotes. Quotes and nesting are followed; nothing is run. */
int sh_skip_subst(struct parser *p, int close)
{
	int r;

	if (p->depth > GRUB_DEPTH_MAX * 4)
		return sh_too_deep(p);
	p->depth++;
	r = skip_to(p, close);
	p->depth--;
	return r;
}

/* ---- the grammar ---- */

int sh_newline(struct parser *p)
{
	p->pos++;
	p->line++;
	/* Here-document bodies start after the line that opened them. */
	for (size_t i = 0; i < p->n_heredocs; i++) {
		const struct heredoc *h = &p->heredocs[i];
		size_t n = strlen(h->delim), body = p->pos;
		unsigned line = p->line;
		bool joined = false;

		/* Up to the delimiter line, or the end of the file (dash accepts that).
		 * In an unquoted body a backslash at the end of a line joins the next
		 * one to it, which is then no delimiter. */
		while (p->pos < p->len) {
			size_t s = p->pos, e, bs = 0;
			bool found;

			if (h->strip_tabs)
				while (s < p->len && p->buf[s] == '\t')
					s++;
			for (e = s; e < p->len && p->buf[e] != '\n'; e++)
				bs = p->buf[e] == '\\' ? bs + 1 : 0;
			found = !joined && e - s == n &&
				strncmp(p->buf + s, h->delim, n) == 0;
			joined = !h->quoted && bs % 2 == 1;
			p->pos = e < p->len ? e + 1 : e;
			p->line++;
			if (found)
				break;
		}
		/* An unquoted body is expanded: ${X=y} and $((X=1)) there assign. */
		if (!h->quoted) {
			for (size_t k = body; k + 2 < p->pos; k++)
				if (p->buf[k] == '$' &&
				    (p->buf[k + 1] == '{' ||
				     (p->buf[k + 1] == '(' && p->buf[k + 2] == '('))) {
					int r = sh_effect_any(
						p,
						sh_why_here(
							p, line,
							"after a here-document whose expansions may assign"));

					if (r < 0)
						return r;
					break;
				}
		}
	}
	for (size_t i = 0; i < p->n_heredocs; i++)
		free(p->heredocs[i].delim);
	p->n_heredocs = 0;
	return 0;
}

void sh_skip_blanks(struct parser *p)
{
	for (;;) {
		if (sh_peek(p, 0) == ' ' || sh_peek(p, 0) == '\t') {
			p->pos++;
		} else if (sh_peek(p, 0) == '\\' && sh_peek(p, 1) == '\n') {
			p->pos += 2;
			p->line++;
		} else {
			break;
		}
	}
}

static void skip_comment(struct parser *p)
{
	if (sh_peek(p, 0) == '#')
		while (sh_peek(p, 0) >= 0 && sh_peek(p, 0) != '\n')
			p->pos++;
}

/* Blanks, comments and newlines (where the grammar allows a line break). */
int sh_skip_linebreaks(struct parser *p)
{
	int r = 0;

	for (;;) {
		sh_skip_blanks(p);
		skip_comment(p);
		if (sh_peek(p, 0) != '\n' || r < 0 || p->failed)
			return r;
		r = sh_newline(p);
	}
}

/* The reserved word at p->pos, if the next token is exactly one. */
const char *sh_reserved(const struct parser *p)
{
	static const char *const words[] = {
		"if",	 "then", "elif", "else", "fi", "case", "esac", "for", "while",
		"until", "do",	 "done", "in",	 "{",  "}",    "!",    NULL};

	for (size_t i = 0; words[i]; i++) {
		size_t n = strlen(words[i]);
		int after;

		if (p->pos + n > p->len || strncmp(p->buf + p->pos, words[i], n) != 0)
			continue;
		after = p->pos + n < p->len ? (unsigned char)p->buf[p->pos + n] : -1;
		if (sh_is_meta(after))
			return words[i];
	}
	return NULL;
}

int sh_expect(struct parser *p, const char *word, const char *what, unsigned line)
{
	const char *w;

	if (p->failed)
		return 0;
	w = sh_reserved(p);
	if (!w || !streq(w, word))
		return sh_syntax_error(p, "'%s' from line %u lacks its '%s'", what, line,
				       word);
	p->pos += strlen(word);
	return 0;
}

bool sh_at_redirection(const struct parser *p)
{
	size_t i = 0;

	while (sh_peek(p, i) >= '0' && sh_peek(p, i) <= '9')
		i++;
	return sh_peek(p, i) == '<' || sh_peek(p, i) == '>';
}

/* Whether the word at p->pos starts NAME=. */
/* The length of NAME when the word at p->pos starts NAME=, else 0; (size_t)-1 when
 * it does only once line continuations are removed (as sh removes them first). */
size_t sh_assignment_name(const struct parser *p)
{
	size_t i = 0;
	bool continued = false;

	if (!sh_is_name_start(sh_peek(p, 0)))
		return 0;
	for (;;) {
		if (sh_is_name_char(sh_peek(p, i))) {
			i++;
		} else if (sh_peek(p, i) == '\\' && sh_peek(p, i + 1) == '\n') {
			continued = true;
			i += 2;
		} else {
			break;
		}
	}
	if (sh_peek(p, i) != '=')
		return 0;
	return continued ? (size_t)-1 : i;
}

/* Whether NAME() starts here; *n is NAME's length. */
bool sh_at_function(const struct parser *p, size_t *n)
{
	size_t i = 0;

	if (!sh_is_name_start(sh_peek(p, 0)))
		return false;
	while (sh_is_name_char(sh_peek(p, i)))
		i++;
	*n = i;
	while (sh_peek(p, i) == ' ' || sh_peek(p, i) == '\t')
		i++;
	if (sh_peek(p, i) != '(')
		return false;
	i++;
	while (sh_peek(p, i) == ' ' || sh_peek(p, i) == '\t')
		i++;
	return sh_peek(p, i) == ')';
}
