/* The sh reader's expansion (grub-sh.h): one word read with its quotes removed and its
 * parameters expanded from the variables computed so far, or made unknown with the
 * reason. */
#include <errno.h>
#include <stdio.h>

#include "grub-sh.h"

static int expand_one(struct parser *p, const char *self, struct word *w, bool dq);

void sh_word_unknown(struct word *w, struct grub_why why)
{
	if (!w->unknown) {
		w->unknown = true;
		w->why = why;
	}
}

void sh_word_done(struct word *w)
{
	srcline_done(&w->text);
}

/* Variables grub-mkconfig (grub-common 2.06) sets before it sources the defaults, from
 * probing the machine or its own installation: not computed here. */
static const char *const mkconfig_vars[] = {
	"GRUB_DEVICE",
	"GRUB_DEVICE_UUID",
	"GRUB_DEVICE_PARTUUID",
	"GRUB_DEVICE_BOOT",
	"GRUB_DEVICE_BOOT_UUID",
	"GRUB_FS",
	"GRUB_DISABLE_OS_PROBER",
	"GRUB_EARLY_INITRD_LINUX_STOCK",
	"prefix",
	"exec_prefix",
	"datarootdir",
	"datadir",
	"sbindir",
	"bindir",
	"sysconfdir",
	"pkgdatadir",
	"PACKAGE_NAME",
	"PACKAGE_VERSION",
	"host_os",
	"grub_cfg",
	"grub_mkconfig_dir",
	"self",
	"grub_probe",
	"grub_file",
	"grub_editenv",
	"grub_script_check",
	"grub_mkrelpath",
	"TEXTDOMAIN",
	"TEXTDOMAINDIR",
	"option",
	NULL,
};

/* Looks up $NAME for an expansion: appends its value to w, or makes w unknown. *set
 * says whether the variable is set (for ${NAME-word}); false when unknown. */
static int lookup(struct parser *p, const char *name, size_t n, struct word *w, bool *set)
{
	const struct grub_config *c = p->c;
	const struct grub_var *v = sh_var_find(c, name, n);
	char nm[256];

	*set = false;
	if (c->poisoned) {
		sh_word_unknown(w, c->poison_why);
		return 0;
	}
	if (v && (c->any_gen == 0 || v->gen > c->any_gen)) {
		if (v->unknown) {
			sh_word_unknown(w, v->why);
			return 0;
		}
		*set = v->set;
		return v->set ? srcline_append_line(&w->text, &v->value) : 0;
	}
	if (c->any_gen) {
		sh_word_unknown(w, c->any_why);
		return 0;
	}
	snprintf(nm, sizeof(nm), "%.*s", (int)n, name);
	if (sh_in_list(mkconfig_vars, nm)) {
		sh_word_unknown(
			w,
			sh_why_here(
				p, p->line,
				"a variable grub-mkconfig sets before it reads the defaults, not computed by amdgpu-tune"));
		return 0;
	}
	/* A GRUB_ setting the files do not assign is empty: update-grub's callers do not
	 * pass GRUB_ settings in the environment. Any other name comes from the
	 * environment grub-mkconfig runs in. */
	if (n < 5 || strncmp(name, "GRUB_", 5) != 0)
		sh_word_unknown(
			w,
			sh_why_here(
				p, p->line,
				"a variable from the environment grub-mkconfig runs in"));
	return 0;
}

/* $NAME, ${NAME}, ${NAME<op>word}, $(...), $((...)), $1, $@... at p->pos ('$'). */
/* One expansion; nested ones (${X-${Y-...}}) count against the depth limit. */
static int expand(struct parser *p, const char *self, struct word *w, bool dq)
{
	int r;

	if (++p->depth > GRUB_DEPTH_MAX) {
		p->depth--;
		return sh_too_deep(p);
	}
	r = expand_one(p, self, w, dq);
	p->depth--;
	return r;
}

/* $(...) and $((...)): skipped, never computed; arithmetic may assign. */
static int expand_subst(struct parser *p, struct word *w, unsigned line)
{
	bool arith = sh_peek(p, 2) == '(';
	size_t start = p->pos;
	int r;

	p->pos += arith ? 3 : 2;
	r = sh_skip_subst(p, ')');
	if (r == 0 && arith && sh_peek(p, 0) == ')')
		p->pos++;
	/* $((X=1)), $((X+=1)): arithmetic can assign. */
	if (r == 0 && arith && memchr(p->buf + start, '=', p->pos - start))
		r = sh_effect_any(
			p, sh_why_here(p, line,
				       "after an arithmetic expansion that may assign"));
	sh_word_unknown(
		w, sh_why_here(
			   p, line,
			   arith ? "arithmetic expansion, not computed by amdgpu-tune"
				 : "command substitution: amdgpu-tune runs no commands"));
	return r;
}

/* $NAME. */
static int expand_name(struct parser *p, const char *self, struct word *w, unsigned line)
{
	size_t start = ++p->pos;
	bool set;

	while (sh_is_name_char(sh_peek(p, 0)))
		p->pos++;
	/* sh removes a line continuation before it reads the name. */
	if (sh_peek(p, 0) == '\\' && sh_peek(p, 1) == '\n')
		sh_word_unknown(
			w, sh_why_here(p, line,
				       "a line continuation inside a variable name"));
	if (self && strlen(self) == p->pos - start &&
	    strncmp(self, p->buf + start, p->pos - start) == 0)
		w->self = true;
	return lookup(p, p->buf + start, p->pos - start, w, &set);
}

/* The operator of ${NAME<op>word} at p->pos, into op; 0, or a syntax error. */
static int read_operator(struct parser *p, char op[static 3])
{
	if (sh_peek(p, 0) == ':' && sh_peek(p, 1) >= 0 && strchr("-=+?", sh_peek(p, 1))) {
		op[0] = ':';
		op[1] = (char)sh_peek(p, 1);
		p->pos += 2;
	} else if (sh_peek(p, 0) >= 0 && strchr("-=+?#%", sh_peek(p, 0))) {
		op[0] = (char)sh_peek(p, 0);
		p->pos++;
		if ((op[0] == '#' || op[0] == '%') && sh_peek(p, 0) == op[0]) {
			op[1] = op[0];
			p->pos++;
		}
	} else {
		return sh_syntax_error(p, "bad substitution in '${'");
	}
	return 0;
}

/* ${NAME<op>word}, after the operator: the name starts at start. */
static int expand_operator(struct parser *p, struct word *w, bool dq, unsigned line,
			   size_t start, const char op[static 3])
{
	size_t name_end = start;
	struct word val = {0}, inner = {0};
	char name[256];
	bool computed, use_word = false, colon = op[0] == ':', known = false;
	char o = op[colon ? 1 : 0];
	const char *old = NULL;
	int r;

	while (name_end < p->len && sh_is_name_char((unsigned char)p->buf[name_end]))
		name_end++;
	computed = sh_is_name_start((unsigned char)p->buf[start]) &&
		   name_end - start < sizeof(name) && o != '#' && o != '%' && o != '?';
	if (computed) {
		memcpy(name, p->buf + start, name_end - start);
		name[name_end - start] = '\0';
		r = lookup(p, name, name_end - start, &val, &known);
		if (r < 0) {
			sh_word_done(&val);
			return r;
		}
		if (!val.unknown) {
			/* ${X-w} and ${X:-w}: X when set (and not empty), else w; ${X+w}
			 * and ${X:+w}: the other way round; ${X=w}: like ${X-w}, and X
			 * takes the value. */
			bool have = known && !(colon && val.text.text.len == 0);

			use_word = o == '+' ? have : !have;
		}
	}
	/* The word is expanded only when it is used: its effects happen then only (or
	 * may happen, when that is not known). */
	if (computed && !val.unknown && !use_word)
		p->sub++;
	else if (!computed || val.unknown)
		old = sh_cond_enter(
			p, "assigned in a ${NAME...} word that may not be expanded");
	r = sh_parse_word(p, dq ? WORD_INNER_DQ : WORD_INNER, NULL, &inner);
	if (computed && !val.unknown && !use_word)
		p->sub--;
	else if (!computed || val.unknown)
		sh_cond_leave(p, old);
	if (r < 0 || p->failed) {
		sh_word_done(&inner);
		sh_word_done(&val);
		return r;
	}
	if (sh_peek(p, 0) != '}') {
		sh_word_done(&inner);
		sh_word_done(&val);
		return sh_syntax_error(p, "'${' without its '}'");
	}
	p->pos++;
	if (!computed) {
		sh_word_unknown(
			w,
			sh_why_here(p, line,
				    "a ${NAME...} operator not computed by amdgpu-tune"));
	} else if (val.unknown) {
		sh_word_unknown(w, val.why);
	} else if (use_word) {
		if (inner.unknown)
			sh_word_unknown(w, inner.why);
		else
			r = srcline_append_line(&w->text, &inner.text);
		if (r == 0 && o == '=') {
			/* ${X=w} assigns w to X. */
			inner.line = line;
			inner.self = false;
			r = sh_effect_assign(p, name, &inner);
		}
	} else if (o != '+') {
		r = srcline_append_line(&w->text, &val.text);
	}
	sh_word_done(&val);
	sh_word_done(&inner);
	return r;
}

/* ${...}, from its '$'. */
static int expand_braced(struct parser *p, const char *self, struct word *w, bool dq,
			 unsigned line)
{
	size_t start;
	char op[3] = "";
	bool set;
	int r;

	p->pos += 2;
	if (sh_peek(p, 0) == '#' && sh_peek(p, 1) != '}') {
		/* ${#NAME}: a length. */
		while (sh_peek(p, 0) >= 0 && sh_peek(p, 0) != '}' &&
		       sh_peek(p, 0) != '\n')
			p->pos++;
		if (sh_peek(p, 0) != '}')
			return sh_syntax_error(p, "'${' without its '}'");
		p->pos++;
		sh_word_unknown(
			w, sh_why_here(p, line, "${#NAME}, not computed by amdgpu-tune"));
		return 0;
	}
	start = p->pos;
	if (sh_is_name_start(sh_peek(p, 0))) {
		while (sh_is_name_char(sh_peek(p, 0)))
			p->pos++;
	} else if (sh_peek(p, 0) >= 0 && strchr("0123456789@*#?-$!", sh_peek(p, 0))) {
		p->pos++;
	} else {
		return sh_syntax_error(p, "bad substitution '${'");
	}
	if (sh_peek(p, 0) == '}') {
		p->pos++;
		if (!sh_is_name_start((unsigned char)p->buf[start])) {
			sh_word_unknown(w,
					sh_why_here(p, line,
						    "a positional or special parameter"));
			return 0;
		}
		if (self && strlen(self) == p->pos - 1 - start &&
		    strncmp(self, p->buf + start, p->pos - 1 - start) == 0)
			w->self = true;
		return lookup(p, p->buf + start, p->pos - 1 - start, w, &set);
	}
	r = read_operator(p, op);
	if (r < 0 || p->failed)
		return r;
	return expand_operator(p, w, dq, line, start, op);
}

static int expand_one(struct parser *p, const char *self, struct word *w, bool dq)
{
	unsigned line = p->line;
	int next = sh_peek(p, 1), r;

	w->literal = false;
	if (!dq)
		w->split = true;
	if (next == '(')
		return expand_subst(p, w, line);
	if (sh_is_name_start(next))
		return expand_name(p, self, w, line);
	if ((next >= '0' && next <= '9') || (next >= 0 && strchr("@*#?-$!", next))) {
		p->pos += 2;
		sh_word_unknown(
			w, sh_why_here(p, line, "a positional or special parameter"));
		return 0;
	}
	if (next == '{')
		return expand_braced(p, self, w, dq, line);
	/* A '$' before anything else is literal. */
	r = srcline_append(&w->text, "$", 1, (struct src){p->file, p->line});
	p->pos++;
	return r;
}

/* A backslash outside single quotes, at p->pos. */
static int word_backslash(struct parser *p, enum word_mode mode, struct word *w,
			  struct src at)
{
	w->literal = false;
	if (mode == WORD_INNER_DQ && sh_peek(p, 1) >= 0 &&
	    !strchr("$`\"\\}\n", sh_peek(p, 1))) {
		/* Inside double quotes a backslash escapes only these. */
		p->pos++;
		return srcline_append(&w->text, "\\", 1, at);
	}
	if (sh_peek(p, 1) != '\n')
		w->quoted = true;
	if (sh_peek(p, 1) == '\n') {
		p->pos += 2;
		p->line++;
	} else if (sh_peek(p, 1) >= 0) {
		int r = srcline_append(&w->text, p->buf + p->pos + 1, 1, at);

		p->pos += 2;
		return r;
	} else {
		p->pos++;
	}
	return 0;
}

/* A single quote at p->pos: the string up to the next one, as it is. */
static int word_single_quoted(struct parser *p, enum word_mode mode, struct word *w,
			      struct src at)
{
	int r = 0;

	w->literal = false;
	if (mode == WORD_INNER_DQ) {
		/* Literal inside double quotes. */
		p->pos++;
		return srcline_append(&w->text, "'", 1, at);
	}
	w->quoted = true;
	p->pos++;
	while (sh_peek(p, 0) >= 0 && sh_peek(p, 0) != '\'' && r == 0) {
		at.line = p->line;
		if (sh_peek(p, 0) == '\n')
			p->line++;
		r = srcline_append(&w->text, p->buf + p->pos++, 1, at);
	}
	if (sh_peek(p, 0) < 0)
		return sh_syntax_error(p, "unterminated single quote");
	p->pos++;
	return r;
}

/* A backquote at p->pos: a command substitution, skipped. */
static int word_backquoted(struct parser *p, struct word *w)
{
	unsigned line = p->line;
	int r;

	w->literal = false;
	p->pos++;
	r = sh_skip_subst(p, '`');
	sh_word_unknown(
		w, sh_why_here(p, line,
			       "command substitution: amdgpu-tune runs no commands"));
	return r;
}

/* A double quote at p->pos: the string up to the closing one, expanded. */
static int word_double_quoted(struct parser *p, const char *self, struct word *w,
			      struct src at)
{
	int r = 0;

	w->literal = false;
	w->quoted = true;
	p->pos++;
	while (r == 0 && !p->failed && sh_peek(p, 0) != '"') {
		int c2 = sh_peek(p, 0);

		at.line = p->line;
		if (c2 < 0)
			return sh_syntax_error(p, "unterminated double quote");
		if (c2 == '`') {
			r = word_backquoted(p, w);
			continue;
		}
		if (c2 == '$') {
			r = expand(p, self, w, true);
			continue;
		}
		if (c2 == '\\') {
			int c3 = sh_peek(p, 1);

			if (c3 == '\n') {
				p->pos += 2;
				p->line++;
				continue;
			}
			if (c3 == '$' || c3 == '`' || c3 == '"' || c3 == '\\') {
				r = srcline_append(&w->text, p->buf + p->pos + 1, 1, at);
				p->pos += 2;
				continue;
			}
		}
		if (c2 == '\n')
			p->line++;
		r = srcline_append(&w->text, p->buf + p->pos++, 1, at);
	}
	if (!p->failed && r == 0)
		p->pos++;
	return r;
}

/* One word, quotes removed and variables expanded, into w. Stops before a
 * metacharacter (or, inside ${...}, before the closing '}'). */
int sh_parse_word(struct parser *p, enum word_mode mode, const char *self, struct word *w)
{
	int r = 0;
	bool first = true, prev_plain = false;

	w->literal = true;
	w->line = p->line;
	while (r == 0 && !p->failed) {
		int ch = sh_peek(p, 0);
		struct src at = {p->file, p->line};

		if (w->text.text.len > GRUB_VALUE_MAX) {
			sh_word_unknown(
				w, sh_why_here(p, p->line, "a value longer than 64 KiB"));
			srcline_done(&w->text);
		}
		if (mode == WORD_INNER || mode == WORD_INNER_DQ ? ch < 0 || ch == '}'
								: sh_is_meta(ch))
			break;
		switch (ch) {
		case '\\':
			r = word_backslash(p, mode, w, at);
			break;
		case '\'':
			r = word_single_quoted(p, mode, w, at);
			break;
		case '"':
			r = word_double_quoted(p, self, w, at);
			break;
		case '$':
			r = expand(p, self, w, mode == WORD_INNER_DQ);
			break;
		case '`':
			r = word_backquoted(p, w);
			break;
		case '~':
			/* A tilde prefix expands to a home directory; in an assignment
			 * also after each unquoted ':' (dash). */
			if ((first || (mode == WORD_ASSIGN && w->text.text.len &&
				       w->text.text.s[w->text.text.len - 1] == ':' &&
				       prev_plain)) &&
			    mode != WORD_INNER_DQ)
				sh_word_unknown(
					w,
					sh_why_here(
						p, p->line,
						"a ~ home directory, not computed by amdgpu-tune"));
			r = srcline_append(&w->text, "~", 1, at);
			p->pos++;
			break;
		default:
			if (ch == '\n')
				p->line++;
			r = srcline_append(&w->text, p->buf + p->pos++, 1, at);
		}
		prev_plain = ch != '\\' && ch != '\'' && ch != '"';
		first = false;
	}
	return r;
}
