#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "grub.h"
#include "strv.h"
#include "sysroot.h"

#define GRUB_FILE_MAX  ((size_t)256 * 1024)
#define GRUB_VALUE_MAX ((size_t)64 * 1024)
#define GRUB_DEPTH_MAX 64
#define GRUB_WORK_MAX  ((uint64_t)20 * 1000 * 1000)

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

static bool sh_is_name_start(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool sh_is_name_char(int ch)
{
	return sh_is_name_start(ch) || (ch >= '0' && ch <= '9');
}

static bool sh_in_list(const char *const *v, const char *s)
{
	for (; *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

static bool sh_is_name(const char *s)
{
	if (!sh_is_name_start((unsigned char)*s))
		return false;
	while (*++s)
		if (!sh_is_name_char((unsigned char)*s))
			return false;
	return true;
}

static int sh_peek(const struct parser *p, size_t off)
{
	return p->pos + off < p->len ? (unsigned char)p->buf[p->pos + off] : -1;
}

/* A character that ends an unquoted word (sh's metacharacters). */
static bool sh_is_meta(int ch)
{
	return ch < 0 || ch == ' ' || ch == '\t' || ch == '\n' || ch == ';' ||
	       ch == '&' || ch == '|' || ch == '<' || ch == '>' || ch == '(' || ch == ')';
}

_printf_(2, 3) static int sh_syntax_error(struct parser *p, const char *fmt, ...)
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

static struct grub_why sh_why_here(const struct parser *p, unsigned line,
				   const char *what)
{
	return (struct grub_why){p->file, line, what};
}

static void sh_word_unknown(struct word *w, struct grub_why why)
{
	if (!w->unknown) {
		w->unknown = true;
		w->why = why;
	}
}

static void sh_word_done(struct word *w)
{
	srcline_done(&w->text);
}

static struct grub_var *sh_var_find(const struct grub_config *c, const char *name,
				    size_t n)
{
	/* Linear, so counted: a file made to be slow ends as "not known" (below). */
	((struct grub_config *)c)->work += c->n_vars + 1;
	for (size_t i = 0; i < c->n_vars; i++)
		if (strlen(c->vars[i].name) == n &&
		    strncmp(c->vars[i].name, name, n) == 0)
			return &c->vars[i];
	return NULL;
}

static struct grub_func *sh_func_find(const struct grub_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_funcs; i++)
		if (streq(c->funcs[i].name, name))
			return &c->funcs[i];
	return NULL;
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

/* Functions of grub-mkconfig_lib (grub-common 2.06), which grub-mkconfig sources first,
 * and the variables each assigns; none assigns a GRUB_ setting. The others
 * (grub_warn, gettext_printf's output, grub_quote...) assign nothing. */
static const struct {
	const char *name;
	const char *assigns;
} mkconfig_lib[] = {
	{"convert_system_path_to_grub_path",
	 "path drive relative_path abstractions abstraction old_ifs IFS partmap loop_file grub_loop_device loop_device fs fs_hint hints loop_mountpoint module uuid fs_uuid device"},
	{"is_path_readable_by_grub",
	 "path drive relative_path abstractions abstraction old_ifs IFS partmap loop_file grub_loop_device loop_device fs fs_hint hints loop_mountpoint module uuid fs_uuid device"},
	{"gettext_printf", "gettext_printf_format"},
	{"grub_fmt", "grub_have_fmt grub_tab"},
	{"grub_get_device_id", "old_ifs IFS device fs_uuid"},
	{"prepare_grub_to_access_device",
	 "old_ifs IFS partmap loop_file grub_loop_device loop_device abstraction fs fs_hint hints loop_mountpoint module uuid fs_uuid"},
	{"print_option_help",
	 "print_option_help_wc grub_have_fmt print_option_help_lead print_option_help_lspace print_option_help_fill print_option_help_nl print_option_help_i print_option_help_split"},
	{"uses_abstraction", "device old_ifs IFS abstraction module"},
	{"version_find_latest",
	 "version_find_latest_a i version_test_gt_sedexp version_test_gt_a version_test_gt_b version_test_gt_cmp version_test_numeric_a version_test_numeric_cmp version_test_numeric_b version_test_numeric_c"},
	{"version_sort", "LC_ALL version_sort_sort_has_v"},
	{"version_test_gt",
	 "version_test_gt_sedexp version_test_gt_a version_test_gt_b version_test_gt_cmp version_test_numeric_a version_test_numeric_cmp version_test_numeric_b version_test_numeric_c"},
	{"version_test_numeric",
	 "version_test_numeric_a version_test_numeric_cmp version_test_numeric_b version_test_numeric_c"},
};

static void sh_poison(struct parser *p, struct grub_why why);

/* Nesting deeper than the reader goes (sh would go on): nothing is known, and this
 * file is not read further. */
static int sh_too_deep(struct parser *p)
{
	sh_poison(p,
		  sh_why_here(
			  p, p->line,
			  "constructs nested deeper than amdgpu-tune's reader follows"));
	p->failed = true;
	return 0;
}

/* Nothing is known after this point, in this file or any later one. */
static void sh_poison(struct parser *p, struct grub_why why)
{
	if (!p->c->poisoned) {
		p->c->poisoned = true;
		p->c->poison_why = why;
	}
}

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

/* Skips a command substitution's text up to its closing character: ')' for $( (after
 * the '('), '`' for backquotes. Quotes and nesting are followed; nothing is run. */
static int sh_skip_subst(struct parser *p, int close)
{
	unsigned depth = 0, start = p->line;
	bool word_start = true;

	if (p->depth > GRUB_DEPTH_MAX * 4)
		return sh_too_deep(p);
	p->depth++;
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
			if (ch == '`') {
				p->depth--;
				return 0;
			}
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
			while (sh_peek(p, 0) >= 0 && sh_peek(p, 0) != '\'') {
				if (sh_peek(p, 0) == '\n')
					p->line++;
				p->pos++;
			}
			if (sh_peek(p, 0) < 0)
				return sh_syntax_error(p, "unterminated single quote");
			p->pos++;
			break;
		case '"':
			while (sh_peek(p, 0) >= 0 && sh_peek(p, 0) != '"' && !p->failed) {
				int c2 = sh_peek(p, 0);

				if (c2 == '\n')
					p->line++;
				p->pos++;
				if (c2 == '\\' && sh_peek(p, 0) >= 0) {
					if (sh_peek(p, 0) == '\n')
						p->line++;
					p->pos++;
				} else if (c2 == '`') {
					sh_skip_subst(p, '`');
				} else if (c2 == '$' && sh_peek(p, 0) == '(') {
					p->pos++;
					sh_skip_subst(p, ')');
				}
			}
			if (sh_peek(p, 0) < 0)
				return sh_syntax_error(p, "unterminated double quote");
			p->pos++;
			break;
		case '`':
			sh_skip_subst(p, '`');
			break;
		case '(':
			depth++;
			break;
		case ')':
			if (depth == 0) {
				p->depth--;
				return 0;
			}
			depth--;
			break;
		}
	}
	p->depth--;
	return 0;
}

static int sh_parse_word(struct parser *p, enum word_mode mode, const char *self,
			 struct word *w);

/* $NAME, ${NAME}, ${NAME<op>word}, $(...), $((...)), $1, $@... at p->pos ('$'). */
static int sh_effect_assign(struct parser *p, const char *name, struct word *w);
static int sh_effect_any(struct parser *p, struct grub_why why);
static const char *sh_cond_enter(struct parser *p, const char *why);
static void sh_cond_leave(struct parser *p, const char *old);

static int expand_one(struct parser *p, const char *self, struct word *w, bool dq);

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

static int expand_one(struct parser *p, const char *self, struct word *w, bool dq)
{
	unsigned line = p->line;
	int next = sh_peek(p, 1), r;
	bool set;

	w->literal = false;
	if (!dq)
		w->split = true;
	if (next == '(') {
		bool arith = sh_peek(p, 2) == '(';
		size_t start = p->pos;

		p->pos += arith ? 3 : 2;
		r = sh_skip_subst(p, ')');
		if (r == 0 && arith && sh_peek(p, 0) == ')')
			p->pos++;
		/* $((X=1)), $((X+=1)): arithmetic can assign. */
		if (r == 0 && arith && memchr(p->buf + start, '=', p->pos - start))
			r = sh_effect_any(
				p,
				sh_why_here(
					p, line,
					"after an arithmetic expansion that may assign"));
		sh_word_unknown(
			w,
			sh_why_here(
				p, line,
				arith ? "arithmetic expansion, not computed by amdgpu-tune"
				      : "command substitution: amdgpu-tune runs no commands"));
		return r;
	}
	if (sh_is_name_start(next)) {
		size_t start = ++p->pos;

		while (sh_is_name_char(sh_peek(p, 0)))
			p->pos++;
		/* sh removes a line continuation before it reads the name. */
		if (sh_peek(p, 0) == '\\' && sh_peek(p, 1) == '\n')
			sh_word_unknown(
				w, sh_why_here(
					   p, line,
					   "a line continuation inside a variable name"));
		if (self && strlen(self) == p->pos - start &&
		    strncmp(self, p->buf + start, p->pos - start) == 0)
			w->self = true;
		return lookup(p, p->buf + start, p->pos - start, w, &set);
	}
	if ((next >= '0' && next <= '9') || (next >= 0 && strchr("@*#?-$!", next))) {
		p->pos += 2;
		sh_word_unknown(
			w, sh_why_here(p, line, "a positional or special parameter"));
		return 0;
	}
	if (next == '{') {
		size_t start;
		char op[3] = "";
		struct word inner = {0};

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
				w, sh_why_here(p, line,
					       "${#NAME}, not computed by amdgpu-tune"));
			return 0;
		}
		start = p->pos;
		if (sh_is_name_start(sh_peek(p, 0))) {
			while (sh_is_name_char(sh_peek(p, 0)))
				p->pos++;
		} else if (sh_peek(p, 0) >= 0 &&
			   strchr("0123456789@*#?-$!", sh_peek(p, 0))) {
			p->pos++;
		} else {
			return sh_syntax_error(p, "bad substitution '${'");
		}
		if (sh_peek(p, 0) == '}') {
			p->pos++;
			if (!sh_is_name_start((unsigned char)p->buf[start])) {
				sh_word_unknown(
					w,
					sh_why_here(p, line,
						    "a positional or special parameter"));
				return 0;
			}
			if (self && strlen(self) == p->pos - 1 - start &&
			    strncmp(self, p->buf + start, p->pos - 1 - start) == 0)
				w->self = true;
			return lookup(p, p->buf + start, p->pos - 1 - start, w, &set);
		}
		/* An operator and a word. */
		if (sh_peek(p, 0) == ':' && sh_peek(p, 1) >= 0 &&
		    strchr("-=+?", sh_peek(p, 1))) {
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
		{
			size_t name_end = start;
			struct word val = {0};
			char name[256];
			bool computed, use_word = false, colon = op[0] == ':',
				       known = false;
			char o = op[colon ? 1 : 0];
			const char *old = NULL;

			while (name_end < p->len &&
			       sh_is_name_char((unsigned char)p->buf[name_end]))
				name_end++;
			computed = sh_is_name_start((unsigned char)p->buf[start]) &&
				   name_end - start < sizeof(name) && o != '#' &&
				   o != '%' && o != '?';
			if (computed) {
				memcpy(name, p->buf + start, name_end - start);
				name[name_end - start] = '\0';
				r = lookup(p, name, name_end - start, &val, &known);
				if (r < 0) {
					sh_word_done(&val);
					return r;
				}
				if (!val.unknown) {
					/* ${X-w} and ${X:-w}: X when set (and not empty),
					 * else w; ${X+w} and ${X:+w}: the other way
					 * round; ${X=w}: like ${X-w}, and X takes the
					 * value. */
					bool have = known &&
						    !(colon && val.text.text.len == 0);

					use_word = o == '+' ? have : !have;
				}
			}
			/* The word is expanded only when it is used: its effects happen
			 * then only (or may happen, when that is not known). */
			if (computed && !val.unknown && !use_word)
				p->sub++;
			else if (!computed || val.unknown)
				old = sh_cond_enter(
					p,
					"assigned in a ${NAME...} word that may not be expanded");
			r = sh_parse_word(p, dq ? WORD_INNER_DQ : WORD_INNER, NULL,
					  &inner);
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
					sh_why_here(
						p, line,
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
	}
	/* A '$' before anything else is literal. */
	r = srcline_append(&w->text, "$", 1, (struct src){p->file, p->line});
	p->pos++;
	return r;
}

/* One word, quotes removed and variables expanded, into w. Stops before a
 * metacharacter (or, inside ${...}, before the closing '}'). */
static int sh_parse_word(struct parser *p, enum word_mode mode, const char *self,
			 struct word *w)
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
			w->literal = false;
			if (mode == WORD_INNER_DQ && sh_peek(p, 1) >= 0 &&
			    !strchr("$`\"\\}\n", sh_peek(p, 1))) {
				/* Inside double quotes a backslash escapes only these. */
				r = srcline_append(&w->text, "\\", 1, at);
				p->pos++;
				break;
			}
			if (sh_peek(p, 1) != '\n')
				w->quoted = true;
			if (sh_peek(p, 1) == '\n') {
				p->pos += 2;
				p->line++;
			} else if (sh_peek(p, 1) >= 0) {
				r = srcline_append(&w->text, p->buf + p->pos + 1, 1, at);
				p->pos += 2;
			} else {
				p->pos++;
			}
			break;
		case '\'':
			w->literal = false;
			if (mode == WORD_INNER_DQ) {
				/* Literal inside double quotes. */
				r = srcline_append(&w->text, "'", 1, at);
				p->pos++;
				break;
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
			break;
		case '"':
			w->literal = false;
			w->quoted = true;
			p->pos++;
			while (r == 0 && !p->failed && sh_peek(p, 0) != '"') {
				int c2 = sh_peek(p, 0);

				at.line = p->line;
				if (c2 < 0)
					return sh_syntax_error(
						p, "unterminated double quote");
				if (c2 == '`') {
					unsigned line = p->line;

					p->pos++;
					r = sh_skip_subst(p, '`');
					sh_word_unknown(
						w,
						sh_why_here(
							p, line,
							"command substitution: amdgpu-tune runs no commands"));
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
					if (c3 == '$' || c3 == '`' || c3 == '"' ||
					    c3 == '\\') {
						r = srcline_append(&w->text,
								   p->buf + p->pos + 1, 1,
								   at);
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
			break;
		case '$':
			r = expand(p, self, w, mode == WORD_INNER_DQ);
			break;
		case '`': {
			unsigned line = p->line;

			w->literal = false;
			p->pos++;
			r = sh_skip_subst(p, '`');
			sh_word_unknown(
				w,
				sh_why_here(
					p, line,
					"command substitution: amdgpu-tune runs no commands"));
			break;
		}
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

/* ---- effects on the variables ---- */

static int touch(struct parser *p, const char *name)
{
	p->c->work += strv_length(p->touched) + 1;
	if (strv_contains(p->touched, name))
		return 0;
	return strv_push(&p->touched, name);
}

static struct grub_var *var_get(struct grub_config *c, const char *name)
{
	struct grub_var *v = sh_var_find(c, name, strlen(name));

	if (v)
		return v;
	if (ARRAY_GROW(c->vars, c->n_vars) < 0)
		return NULL;
	v = &c->vars[c->n_vars];
	*v = (struct grub_var){.name = strdup(name)};
	if (!v->name)
		return NULL;
	c->n_vars++;
	return v;
}

static int func_note(struct grub_func *f, const char *name)
{
	if (!name) {
		f->any = true;
		return 0;
	}
	return strv_contains(f->assigns, name) ? 0 : strv_push(&f->assigns, name);
}

/* Applies "name may now be anything" (why says why). */
static int sh_effect_unknown(struct parser *p, const char *name, struct grub_why why)
{
	struct grub_var *v;

	if (p->sub || p->done)
		return 0;
	if (p->def)
		return func_note(p->def, name);
	if (touch(p, name) < 0 || !(v = var_get(p->c, name)))
		return -ENOMEM;
	srcline_done(&v->value);
	v->set = true;
	v->unknown = true;
	v->why = why;
	v->gen = ++p->c->gen;
	return 0;
}

/* Every variable may have changed (eval, `.`, a function that does either). */
static int sh_effect_any(struct parser *p, struct grub_why why)
{
	if (p->sub || p->done)
		return 0;
	if (p->def)
		return func_note(p->def, NULL);
	p->c->any_gen = ++p->c->gen;
	p->c->any_why = why;
	return 0;
}

static int sh_effect_assign(struct parser *p, const char *name, struct word *w)
{
	struct grub_var *v;
	bool cmdline = streq(name, "GRUB_CMDLINE_LINUX") ||
		       streq(name, "GRUB_CMDLINE_LINUX_DEFAULT");

	if (p->sub || p->done)
		return 0;
	if (p->def)
		return func_note(p->def, name);
	if (strv_contains(p->c->readonly, name))
		/* dash stops on assigning a readonly variable. */
		sh_poison(
			p,
			sh_why_here(
				p, w->line,
				"an assignment to a readonly variable, which stops grub-mkconfig"));
	if (cmdline) {
		struct grub_assign *a;

		if (ARRAY_GROW(p->c->assigns, p->c->n_assigns) < 0)
			return -ENOMEM;
		a = p->c->assigns;
		a[p->c->n_assigns] = (struct grub_assign){
			.name = strdup(name),
			.file = p->file,
			.line = w->line,
			.keeps_previous = w->self,
		};
		if (!a[p->c->n_assigns].name)
			return -ENOMEM;
		p->c->n_assigns++;
	}
	if (p->cond || p->maybe_left)
		return sh_effect_unknown(
			p, name,
			sh_why_here(
				p, w->line,
				p->cond ? p->cond_why
				: p->left_why
					? p->left_why
					: "assigned after a return that may end the file early"));
	if (w->unknown)
		return sh_effect_unknown(p, name, w->why);
	if (touch(p, name) < 0 || !(v = var_get(p->c, name)))
		return -ENOMEM;
	srcline_done(&v->value);
	v->value = w->text;
	w->text = (struct srcline){0};
	v->set = true;
	v->unknown = false;
	v->gen = ++p->c->gen;
	return 0;
}

static int effect_unset(struct parser *p, const char *name)
{
	struct grub_var *v;

	if (!p->sub && !p->done && !p->def && strv_contains(p->c->readonly, name))
		sh_poison(
			p,
			sh_why_here(
				p, p->line,
				"unset of a readonly variable, which stops grub-mkconfig"));
	if (p->sub || p->done)
		return 0;
	if (p->def)
		return func_note(p->def, name);
	if (p->cond || p->maybe_left)
		return sh_effect_unknown(
			p, name,
			sh_why_here(
				p, p->line,
				p->cond ? p->cond_why
					: "unset after a return or exit that may end the file early"));
	if (touch(p, name) < 0 || !(v = var_get(p->c, name)))
		return -ENOMEM;
	srcline_done(&v->value);
	v->set = false;
	v->unknown = false;
	v->gen = ++p->c->gen;
	return 0;
}

/* What the current pipeline assigned is unknown after all (it ran in a subshell or in
 * the background, where sh drops it; the reader read it as if it ran here). */
static int sh_touched_unknown(struct parser *p, char **names, const char *what,
			      unsigned line)
{
	for (size_t i = 0; names && names[i]; i++) {
		int r = sh_effect_unknown(p, names[i], sh_why_here(p, line, what));

		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- the grammar ---- */

static int sh_newline(struct parser *p)
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

static void sh_skip_blanks(struct parser *p)
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
static int sh_skip_linebreaks(struct parser *p)
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
static const char *sh_reserved(const struct parser *p)
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

static int sh_expect(struct parser *p, const char *word, const char *what, unsigned line)
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

static int parse_list(struct parser *p, const char *const *stop, bool in_case);
static int parse_command(struct parser *p);

/* Enters a part that may or may not run. */
static const char *sh_cond_enter(struct parser *p, const char *why)
{
	const char *old = p->cond_why;

	if (p->cond++ == 0)
		p->cond_why = why;
	return old;
}

static void sh_cond_leave(struct parser *p, const char *old)
{
	p->cond--;
	p->cond_why = old;
}

/* Redirections after a compound command, and inside simple commands: the target word
 * is read (and ignored); a here-document's body is skipped at the next newline. */
static int parse_redirection(struct parser *p)
{
	bool heredoc = false, strip = false;
	struct word target = {0};
	int r;

	while (sh_peek(p, 0) >= '0' && sh_peek(p, 0) <= '9')
		p->pos++;
	if (sh_peek(p, 0) == '<' && sh_peek(p, 1) == '<') {
		heredoc = true;
		p->pos += 2;
		if (sh_peek(p, 0) == '-') {
			strip = true;
			p->pos++;
		}
	} else {
		p->pos++;
		if (sh_peek(p, 0) == '>' || sh_peek(p, 0) == '&' ||
		    sh_peek(p, 0) == '|' ||
		    (p->buf[p->pos - 1] == '<' && sh_peek(p, 0) == '>'))
			p->pos++;
	}
	sh_skip_blanks(p);
	if (sh_is_meta(sh_peek(p, 0)))
		return sh_syntax_error(p, "a redirection without its file");
	if (heredoc) {
		/* The delimiter gets quote removal only, never expansion. */
		struct src at = {p->file, p->line};
		bool quoted = false;

		r = 0;
		while (r == 0 && !sh_is_meta(sh_peek(p, 0))) {
			int ch = sh_peek(p, 0);

			if (ch == '\'' || ch == '"') {
				quoted = true;
				p->pos++;
				while (r == 0 && sh_peek(p, 0) >= 0 &&
				       sh_peek(p, 0) != ch) {
					if (ch == '"' && sh_peek(p, 0) == '\\' &&
					    sh_peek(p, 1) >= 0 &&
					    strchr("$`\"\\", sh_peek(p, 1)))
						p->pos++;
					if (sh_peek(p, 0) == '\n')
						p->line++;
					r = srcline_append(&target.text,
							   p->buf + p->pos++, 1, at);
				}
				if (sh_peek(p, 0) < 0) {
					sh_word_done(&target);
					return sh_syntax_error(p, "unterminated quote");
				}
				p->pos++;
			} else if (ch == '\\' && sh_peek(p, 1) >= 0) {
				quoted = true;
				r = srcline_append(&target.text, p->buf + p->pos + 1, 1,
						   at);
				p->pos += 2;
			} else {
				r = srcline_append(&target.text, p->buf + p->pos++, 1,
						   at);
			}
		}
		target.quoted = quoted;
	} else {
		r = sh_parse_word(p, WORD_ARG, NULL, &target);
	}
	if (r == 0 && !p->failed && heredoc) {
		if (ARRAY_GROW(p->heredocs, p->n_heredocs) < 0) {
			r = -ENOMEM;
		} else {
			struct heredoc *h = p->heredocs;

			h[p->n_heredocs].delim =
				strdup(target.text.text.s ? target.text.text.s : "");
			h[p->n_heredocs].strip_tabs = strip;
			h[p->n_heredocs].quoted = target.quoted;
			r = h[p->n_heredocs].delim ? 0 : -ENOMEM;
			if (r == 0)
				p->n_heredocs++;
		}
	}
	sh_word_done(&target);
	return r;
}

static bool sh_at_redirection(const struct parser *p)
{
	size_t i = 0;

	while (sh_peek(p, i) >= '0' && sh_peek(p, i) <= '9')
		i++;
	return sh_peek(p, i) == '<' || sh_peek(p, i) == '>';
}

static int parse_redirections(struct parser *p)
{
	int r = 0;

	for (;;) {
		sh_skip_blanks(p);
		if (r < 0 || p->failed || !sh_at_redirection(p))
			return r;
		r = parse_redirection(p);
	}
}

/* sh refuses an empty compound list ("if then", "{ }"). */
static int nonempty(struct parser *p, unsigned before, const char *what)
{
	if (p->failed || p->commands != before)
		return 0;
	return sh_syntax_error(p, "no command after '%s'", what);
}

static int parse_if(struct parser *p)
{
	static const char *const to_then[] = {"then", NULL},
				 *const to_else[] = {"elif", "else", "fi", NULL},
				 *const to_fi[] = {"fi", NULL};
	unsigned line = p->line;
	const char *old;
	int r;

	unsigned before;

	p->pos += 2;
	p->noerrexit++;
	before = p->commands;
	r = parse_list(p, to_then, false);
	p->noerrexit--;
	if (r == 0)
		r = nonempty(p, before, "if");
	if (r == 0)
		r = sh_expect(p, "then", "if", line);
	old = sh_cond_enter(
		p,
		"assigned in an if/elif/else branch: amdgpu-tune does not evaluate conditions");
	before = p->commands;
	if (r == 0)
		r = parse_list(p, to_else, false);
	if (r == 0)
		r = nonempty(p, before, "then");
	while (r == 0 && !p->failed) {
		const char *w = sh_reserved(p);

		if (w && streq(w, "elif")) {
			p->pos += 4;
			p->noerrexit++;
			r = parse_list(p, to_then, false);
			p->noerrexit--;
			if (r == 0)
				r = sh_expect(p, "then", "elif", line);
			before = p->commands;
			if (r == 0)
				r = parse_list(p, to_else, false);
			if (r == 0)
				r = nonempty(p, before, "then");
		} else if (w && streq(w, "else")) {
			p->pos += 4;
			before = p->commands;
			r = parse_list(p, to_fi, false);
			if (r == 0)
				r = nonempty(p, before, "else");
			break;
		} else {
			break;
		}
	}
	sh_cond_leave(p, old);
	if (r == 0)
		r = sh_expect(p, "fi", "if", line);
	return r;
}

static int parse_loop(struct parser *p, const char *kw)
{
	static const char *const to_do[] = {"do", NULL}, *const to_done[] = {"done",
									     NULL};
	unsigned line = p->line;
	const char *old = sh_cond_enter(
		p, "assigned in a loop: amdgpu-tune does not evaluate loops");
	int r = 0;

	p->pos += strlen(kw);
	if (streq(kw, "for")) {
		struct word name = {0};

		sh_skip_blanks(p);
		r = sh_parse_word(p, WORD_ARG, NULL, &name);
		if (r == 0 && !p->failed &&
		    (!name.literal || !name.text.text.s || !sh_is_name(name.text.text.s)))
			r = sh_syntax_error(p, "'for' without a variable name");
		if (r == 0 && !p->failed)
			r = sh_effect_unknown(
				p, name.text.text.s,
				sh_why_here(p, line, "a for loop's variable"));
		sh_word_done(&name);
		if (r == 0)
			r = sh_skip_linebreaks(p);
		if (r == 0 && !p->failed && sh_reserved(p) &&
		    streq(sh_reserved(p), "in")) {
			p->pos += 2;
			while (r == 0 && !p->failed) {
				struct word w = {0};

				sh_skip_blanks(p);
				if (sh_peek(p, 0) == ';' || sh_peek(p, 0) == '\n' ||
				    sh_peek(p, 0) < 0)
					break;
				if (sh_is_meta(sh_peek(p, 0))) {
					r = sh_syntax_error(p, "unexpected '%c' in 'for'",
							    sh_peek(p, 0));
					break;
				}
				r = sh_parse_word(p, WORD_ARG, NULL, &w);
				sh_word_done(&w);
			}
		}
		if (r == 0 && sh_peek(p, 0) == ';')
			p->pos++;
		if (r == 0)
			r = sh_skip_linebreaks(p);
	} else {
		unsigned before = p->commands;

		p->noerrexit++;
		r = parse_list(p, to_do, false);
		p->noerrexit--;
		if (r == 0)
			r = nonempty(p, before, kw);
	}
	if (r == 0)
		r = sh_expect(p, "do", kw, line);
	p->loops++;
	{
		unsigned before = p->commands;

		if (r == 0)
			r = parse_list(p, to_done, false);
		if (r == 0)
			r = nonempty(p, before, "do");
	}
	p->loops--;
	if (r == 0)
		r = sh_expect(p, "done", kw, line);
	sh_cond_leave(p, old);
	return r;
}

static int parse_case(struct parser *p)
{
	static const char *const to_esac[] = {"esac", NULL};
	unsigned line = p->line;
	struct word subject = {0};
	const char *old;
	int r;

	p->pos += 4;
	sh_skip_blanks(p);
	r = sh_parse_word(p, WORD_ARG, NULL, &subject);
	sh_word_done(&subject);
	if (r == 0)
		r = sh_skip_linebreaks(p);
	if (r == 0)
		r = sh_expect(p, "in", "case", line);
	old = sh_cond_enter(
		p, "assigned in a case branch: amdgpu-tune does not evaluate conditions");
	while (r == 0 && !p->failed) {
		r = sh_skip_linebreaks(p);
		if (r < 0 || p->failed)
			break;
		if (sh_reserved(p) && streq(sh_reserved(p), "esac"))
			break;
		if (sh_peek(p, 0) == '(')
			p->pos++;
		/* Patterns, separated by '|', up to ')'. */
		for (;;) {
			struct word pat = {0};

			sh_skip_blanks(p);
			r = sh_parse_word(p, WORD_ARG, NULL, &pat);
			sh_word_done(&pat);
			sh_skip_blanks(p);
			if (r < 0 || p->failed)
				break;
			if (sh_peek(p, 0) == '|') {
				p->pos++;
				continue;
			}
			if (sh_peek(p, 0) != ')')
				r = sh_syntax_error(p, "a case pattern without its ')'");
			else
				p->pos++;
			break;
		}
		if (r == 0 && !p->failed)
			r = parse_list(p, to_esac, true);
		if (r == 0 && !p->failed && sh_peek(p, 0) == ';' && sh_peek(p, 1) == ';')
			p->pos += 2;
		else if (r == 0 && !p->failed &&
			 !(sh_reserved(p) && streq(sh_reserved(p), "esac")))
			r = sh_syntax_error(p, "a case branch without ';;'");
	}
	sh_cond_leave(p, old);
	if (r == 0)
		r = sh_expect(p, "esac", "case", line);
	return r;
}

static struct grub_func *sh_func_get(struct grub_config *c, const char *name)
{
	struct grub_func *f = sh_func_find(c, name);

	if (f)
		return f;
	if (ARRAY_GROW(c->funcs, c->n_funcs) < 0)
		return NULL;
	f = &c->funcs[c->n_funcs];
	*f = (struct grub_func){.name = strdup(name)};
	if (!f->name)
		return NULL;
	c->n_funcs++;
	return f;
}

/* NAME() compound-command: what the body assigns and calls is recorded, not applied.
 * A definition inside another function's body, under a condition or after a return
 * that may have happened may or may not take effect: calling it may then do anything. */
static int parse_function(struct parser *p, const char *name)
{
	struct grub_func *saved = p->def, body = {0}, *f;
	bool uncertain = saved || p->cond || p->maybe_left;
	unsigned line = p->line;
	int r;

	p->def = &body;
	r = sh_skip_linebreaks(p);
	if (r == 0 && !p->failed) {
		const char *w = sh_reserved(p);

		/* The body is a compound command. */
		if (!(w && (streq(w, "{") || streq(w, "if") || streq(w, "case") ||
			    streq(w, "for") || streq(w, "while") || streq(w, "until"))) &&
		    sh_peek(p, 0) != '(')
			r = sh_syntax_error(
				p, "a function body that is not a compound command");
		else
			r = parse_command(p);
	}
	p->def = saved;
	if (r < 0 || p->failed || p->sub) {
		/* In a subshell the definition is gone afterwards. */
		strv_free(body.assigns);
		strv_free(body.calls);
		return r;
	}
	f = sh_func_get(p->c, name);
	if (!f) {
		strv_free(body.assigns);
		strv_free(body.calls);
		return -ENOMEM;
	}
	strv_free(f->assigns);
	strv_free(f->calls);
	f->assigns = body.assigns;
	f->calls = body.calls;
	f->any = body.any || uncertain;
	f->poisons = body.poisons;
	f->fails = p->status || body.any || uncertain;
	f->file = p->file;
	f->line = line;
	f->gen = ++p->c->gen;
	return 0;
}

/* Calls a function: what it may assign becomes unknown. */
/* The effects of calling f: what it may assign becomes unknown; what its body calls
 * is looked up now, as sh looks it up when it runs. */
static int apply_function(struct parser *p, const struct grub_func *f, unsigned line,
			  unsigned depth)
{
	const char *what =
		"assigned by a shell function called here, which amdgpu-tune does not run";
	int r = 0;

	if (depth > 16)
		return sh_effect_any(
			p,
			sh_why_here(p, line, "after calls of functions nested too deep"));
	for (size_t i = 0; r == 0 && f->assigns && f->assigns[i]; i++)
		r = sh_effect_unknown(p, f->assigns[i], sh_why_here(p, line, what));
	if (r == 0 && f->poisons)
		sh_poison(
			p,
			sh_why_here(
				p, line,
				"after a call of a function that sets a trap or an alias"));
	if (r == 0 && f->any)
		r = sh_effect_any(
			p,
			sh_why_here(
				p, line,
				"after a call of a shell function that may change any variable (eval, ., read...)"));
	for (size_t i = 0; r == 0 && f->calls && f->calls[i]; i++) {
		const struct grub_func *g = sh_func_find(p->c, f->calls[i]);

		if (g && g != f)
			r = apply_function(p, g, line, depth + 1);
	}
	return r;
}

static bool sh_is_special_builtin(const char *cmd);

/* Builtins that cannot fail (for set -e) and change no variable. */
static const char *const no_fail[] = {
	":",	 "true",      "echo",		"printf",  "export",	 "readonly",
	"unset", "set",	      "trap",		"local",   "shift",	 "times",
	"umask", "grub_warn", "gettext_printf", "gettext", "grub_quote", "gettext_quoted",
	"exec",	 "break",     "continue",	"return",  NULL};

/* Poisons, or makes the function being read poison when it is called. */
static void poison_here(struct parser *p, unsigned line, const char *what)
{
	if (p->sub || p->done)
		return;
	if (p->def)
		p->def->poisons = true;
	else
		sh_poison(p, sh_why_here(p, line, what));
}

static int note_call(struct parser *p, const char *cmd)
{
	if (!p->def || strv_contains(p->def->calls, cmd))
		return 0;
	return strv_push(&p->def->calls, cmd);
}

/* return, exit, break, continue: the rest of this file (and for exit and break in a
 * drop-in, of the others) may not run. */
static int leave(struct parser *p, const char *cmd, unsigned line)
{
	bool sure = !p->cond && !p->sub && !p->maybe_left;

	if (p->def || p->sub)
		return 0;
	if (streq(cmd, "exit")) {
		/* grub-mkconfig stops and writes no grub.cfg. */
		sh_poison(p,
			  sh_why_here(p, line, "after exit, which stops grub-mkconfig"));
		return 0;
	}
	if ((streq(cmd, "break") || streq(cmd, "continue")) && p->loops)
		return 0; /* what follows in the loop is conditional already */
	if (streq(cmd, "return") || (p->dropin && streq(cmd, "continue"))) {
		if (sure)
			p->done = true;
		else
			p->maybe_left = true;
		return 0;
	}
	/* break in a drop-in ends grub-mkconfig's loop over grub.d; elsewhere it is
	 * not one the reader follows. */
	if (p->dropin && sure) {
		p->done = true;
		p->c->stop_sourcing = true;
	} else {
		p->maybe_left = true;
		p->c->later_maybe_left = true;
	}
	return 0;
}

/* The effect of a simple command named cmd with arguments args[1..]. */
static int sh_run_builtin(struct parser *p, const char *cmd, struct word *args, size_t n,
			  unsigned line)
{
	static const char *const any[] = {"eval",      ".",	  "source",  "mapfile",
					  "readarray", "declare", "typeset", "let",
					  "builtin",   NULL};
	const struct grub_func *f;
	int r = 0;

	p->may_fail = !sh_in_list(no_fail, cmd);
	/* Functions come before every builtin but the special ones. */
	if (!sh_is_special_builtin(cmd) && !p->def && (f = sh_func_find(p->c, cmd))) {
		p->may_fail = f->fails;
		return apply_function(p, f, line, 0);
	}
	r = note_call(p, cmd);
	if (r < 0)
		return r;
	if (streq(cmd, "unset")) {
		bool funcs = false;

		for (size_t i = 1; r == 0 && i < n; i++) {
			const char *a = args[i].text.text.s ? args[i].text.text.s : "";

			if (args[i].unknown || args[i].split)
				return sh_effect_any(
					p,
					sh_why_here(p, line, "unset of a computed name"));
			if (a[0] == '-' && a[1]) {
				/* -v, -f, -vf...: the last letter wins (dash). */
				for (const char *o = a + 1; *o; o++)
					funcs = *o == 'f'   ? true
						: *o == 'v' ? false
							    : funcs;
				continue;
			}
			if (!funcs && sh_is_name(a))
				r = effect_unset(p, a);
			/* A function removed: calling it later runs a command, which the
			 * reader keeps treating as the function (conservative). */
		}
		return r;
	}
	if (streq(cmd, "read") || streq(cmd, "getopts") || streq(cmd, "printf") ||
	    streq(cmd, "cd") || streq(cmd, "local")) {
		static const char *const read_why = "read from input, not known";

		if (streq(cmd, "cd"))
			return sh_effect_unknown(p, "PWD", sh_why_here(p, line, "cd"))
				       ?: sh_effect_unknown(p, "OLDPWD",
							    sh_why_here(p, line, "cd"));
		if (streq(cmd, "printf")) {
			/* bash's printf -v NAME assigns; dash's printf has no -v. */
			if (n > 2 && streq_ptr(args[1].text.text.s, "-v") &&
			    args[2].text.text.s)
				return sh_effect_unknown(
					p, args[2].text.text.s,
					sh_why_here(p, line, "printf -v"));
			return 0;
		}
		if (streq(cmd, "read"))
			r = sh_effect_unknown(p, "REPLY", sh_why_here(p, line, read_why));
		if (streq(cmd, "getopts")) {
			r = sh_effect_unknown(p, "OPTARG",
					      sh_why_here(p, line, "getopts"));
			if (r == 0)
				r = sh_effect_unknown(p, "OPTIND",
						      sh_why_here(p, line, "getopts"));
		}
		for (size_t i = 1; r == 0 && i < n; i++) {
			const char *a = args[i].text.text.s;

			if (args[i].unknown || args[i].split)
				return sh_effect_any(
					p,
					sh_why_here(
						p, line,
						"a builtin given a computed variable name"));
			if (a && sh_is_name(a))
				r = sh_effect_unknown(p, a,
						      sh_why_here(p, line,
								  streq(cmd, "local")
									  ? "local"
									  : read_why));
		}
		return r;
	}
	/* exec with redirections only changes no variable. */
	if (streq(cmd, "exec") && n == 1)
		return 0;
	if (streq(cmd, "exec"))
		return sh_effect_any(
			p,
			sh_why_here(p, line, "after exec, which replaces grub-mkconfig"));
	/* command NAME ARGS runs NAME (a builtin or program, never a function);
	 * command -v/-V only looks NAME up. */
	if (streq(cmd, "command")) {
		size_t k = 1;

		while (k < n && streq_ptr(args[k].text.text.s, "-p"))
			k++;
		if (k >= n || streq_ptr(args[k].text.text.s, "-v") ||
		    streq_ptr(args[k].text.text.s, "-V"))
			return 0;
		if (args[k].unknown || args[k].split || !args[k].text.text.s)
			return sh_effect_any(
				p, sh_why_here(p, line,
					       "after a command whose name is computed"));
		if (sh_in_list((const char *const[]){"export", "readonly", "local",
						     "unset", "command", "alias", "trap",
						     "set", NULL},
			       args[k].text.text.s))
			return sh_effect_any(
				p,
				sh_why_here(
					p, line,
					"after 'command' with a builtin that amdgpu-tune does not follow there"));
		return sh_run_builtin(p, args[k].text.text.s, args + k, n - k, line);
	}
	if (streq(cmd, "trap")) {
		const char *a = n > 1 && args[1].text.text.s ? args[1].text.text.s : "";

		/* trap ACTION SIGNAL...: the action runs later, at any point. */
		if (n > 1 && (args[1].unknown || (*a && !streq(a, "-") && a[0] != '-' &&
						  strspn(a, "0123456789") != strlen(a))))
			poison_here(p, line,
				    "after a trap, whose action may run at any point");
		return 0;
	}
	if (streq(cmd, "alias")) {
		for (size_t i = 1; i < n; i++)
			if (args[i].unknown ||
			    (args[i].text.text.s && strchr(args[i].text.text.s, '=')))
				poison_here(
					p, line,
					"after an alias, which changes what later lines mean");
		return 0;
	}
	if (streq(cmd, "set")) {
		for (size_t i = 1; i < n; i++) {
			const char *a = args[i].text.text.s ? args[i].text.text.s : "";

			if (streq(a, "--") || streq(a, "-"))
				break;
			if (args[i].unknown ||
			    ((a[0] == '-' || a[0] == '+') && strchr(a + 1, 'n')) ||
			    (streq(a, "-o") && i + 1 < n &&
			     streq_ptr(args[i + 1].text.text.s, "noexec")))
				poison_here(
					p, line,
					"after set -n (noexec): sh reads the rest without running it");
			if (a[0] != '-' && a[0] != '+')
				break;
		}
		return 0;
	}
	if (sh_in_list(any, cmd))
		return sh_effect_any(
			p,
			sh_why_here(
				p, line,
				"after eval, '.', source or a similar builtin that amdgpu-tune does not follow"));
	if (streq(cmd, "return") || streq(cmd, "exit") || streq(cmd, "break") ||
	    streq(cmd, "continue"))
		return leave(p, cmd, line);
	if (p->def && sh_func_find(p->c, cmd))
		return 0; /* resolved when the function being read is called */
	for (size_t i = 0; i < sizeof(mkconfig_lib) / sizeof(mkconfig_lib[0]); i++) {
		_cleanup_strv_free_ char **names = NULL;

		if (!streq(cmd, mkconfig_lib[i].name))
			continue;
		if (strv_split_ws(mkconfig_lib[i].assigns, &names) < 0)
			return -ENOMEM;
		for (size_t j = 0; r == 0 && names[j]; j++)
			r = sh_effect_unknown(
				p, names[j],
				sh_why_here(p, line,
					    "assigned by a grub-mkconfig_lib function"));
		return r;
	}
	/* echo, printf, test, [, true, false, :, and every external program: nothing
	 * that changes this shell's variables. */
	return 0;
}

/* Special builtins keep the assignments written before them (POSIX 2.14). */
static bool sh_is_special_builtin(const char *cmd)
{
	static const char *const special[] = {
		":",	 ".",	  "eval", "exec",  "export", "readonly", "return", "set",
		"shift", "times", "trap", "unset", "break",  "continue", "exit",   NULL};

	return sh_in_list(special, cmd);
}

/* Whether the word at p->pos starts NAME=. */
/* The length of NAME when the word at p->pos starts NAME=, else 0; (size_t)-1 when
 * it does only once line continuations are removed (as sh removes them first). */
static size_t sh_assignment_name(const struct parser *p)
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

/* An assignment word: where it is, to expand it after the command's other words (sh
 * expands those first, then the assignments from left to right). */
struct pending {
	char *name;
	size_t pos; /* of the value */
	unsigned line;
	size_t arg; /* export NAME=value: its expanded value is args[arg] */
};

static int expand_assignment(struct parser *p, const struct pending *a, struct word *w)
{
	size_t pos = p->pos;
	unsigned line = p->line;
	int r;

	p->pos = a->pos;
	p->line = a->line;
	r = sh_parse_word(p, WORD_ASSIGN, a->name, w);
	w->line = a->line;
	p->pos = pos;
	p->line = line;
	return r;
}

/* Applies the assignment words, in order: what they assign, or (when known is false)
 * that they may assign anything. */
static int sh_apply_assignments(struct parser *p, const struct pending *a, size_t n,
				bool known, const char *why, unsigned line)
{
	int r = 0;

	for (size_t i = 0; r == 0 && !p->failed && i < n; i++) {
		struct word w = {0};

		r = expand_assignment(p, &a[i], &w);
		if (r == 0 && !p->failed)
			r = known ? sh_effect_assign(p, a[i].name, &w)
				  : sh_effect_unknown(p, a[i].name,
						      sh_why_here(p, line, why));
		sh_word_done(&w);
	}
	return r;
}

static int add_word(struct word **args, size_t *n)
{
	if (array_grow(args, *n, sizeof(**args)) < 0)
		return -ENOMEM;
	(*args)[(*n)++] = (struct word){0};
	return 0;
}

static int parse_simple(struct parser *p)
{
	static const char *const words[] = {
		"if",	 "then",  "elif", "else", "fi", "case", "esac", "for",
		"while", "until", "do",	  "done", "{",	"}",	"!",	NULL};
	struct pending *assigns = NULL, *decls = NULL;
	struct word *args = NULL;
	size_t n_assigns = 0, n_decls = 0, n_args = 0, fields = 0;
	unsigned line = p->line;
	bool decl = false, redirected = false, consumed = false, decl_any = false;
	const char *cmd = NULL;
	int r = 0;

	for (;;) {
		size_t an;

		sh_skip_blanks(p);
		if (r < 0 || p->failed ||
		    (sh_is_meta(sh_peek(p, 0)) && !sh_at_redirection(p)))
			break;
		/* A '#' that starts a word starts a comment. */
		if (sh_peek(p, 0) == '#')
			break;
		consumed = true;
		if (sh_at_redirection(p)) {
			redirected = true;
			r = parse_redirection(p);
			continue;
		}
		an = sh_assignment_name(p);
		if (an == (size_t)-1) {
			sh_poison(p,
				  sh_why_here(
					  p, p->line,
					  "a line continuation inside a variable name"));
			an = 0;
		}
		if (an && (fields == 0 || decl)) {
			struct pending *a;
			struct pending **list = fields ? &decls : &assigns;
			size_t *nl = fields ? &n_decls : &n_assigns;
			struct word skip = {0};

			if (array_grow(list, *nl, sizeof(**list)) < 0) {
				r = -ENOMEM;
				break;
			}
			a = &(*list)[(*nl)++];
			*a = (struct pending){.name = strndup(p->buf + p->pos, an),
					      .pos = p->pos + an + 1,
					      .line = p->line};
			if (!a->name) {
				r = -ENOMEM;
				break;
			}
			p->pos += an + 1;
			if (fields == 0) {
				/* Found now, expanded after the other words. */
				p->sub++;
				r = sh_parse_word(p, WORD_ASSIGN, a->name, &skip);
				p->sub--;
				sh_word_done(&skip);
			} else {
				/* export NAME=value: a word like the others, expanded in
				 * order. */
				r = add_word(&args, &n_args);
				if (r == 0) {
					a->arg = n_args - 1;
					r = sh_parse_word(p, WORD_ASSIGN, a->name,
							  &args[n_args - 1]);
					args[n_args - 1].line = a->line;
					fields++;
				}
			}
			continue;
		}
		r = add_word(&args, &n_args);
		if (r < 0)
			break;
		r = sh_parse_word(p, WORD_ARG, NULL, &args[n_args - 1]);
		if (r < 0 || p->failed)
			break;
		{
			struct word *w = &args[n_args - 1];

			/* An unquoted expansion that gives nothing is no field (sh
			 * drops it); one that holds blanks is split: the reader does
			 * not follow what that runs. */
			if (w->split && !w->quoted && !w->unknown &&
			    w->text.text.len == 0) {
				sh_word_done(w);
				n_args--;
				continue;
			}
			if (w->split && !w->unknown && w->text.text.s &&
			    strpbrk(w->text.text.s, " \t\n"))
				sh_word_unknown(
					w,
					sh_why_here(
						p, line,
						"an unquoted expansion that sh splits into fields"));
			fields++;
			if (fields == 1 && !w->unknown && w->text.text.s &&
			    (streq(w->text.text.s, "export") ||
			     streq(w->text.text.s, "readonly") ||
			     streq(w->text.text.s, "local")))
				decl = true;
			if (fields > 1 && decl &&
			    (w->unknown || !w->literal ||
			     (w->text.text.s &&
			      (w->text.text.s[0] == '-' || strchr(w->text.text.s, '=')))))
				/* export "X=y", export $V, export -p: not followed. */
				decl_any = true;
		}
	}
	if (r == 0 && !p->failed && !consumed) {
		if (sh_peek(p, 0) < 0 || sh_peek(p, 0) == '\n')
			r = sh_syntax_error(p, "a command is missing");
		else
			r = sh_syntax_error(p, "unexpected '%c'", sh_peek(p, 0));
	}
	if (r == 0 && !p->failed && sh_peek(p, 0) == '(')
		r = sh_syntax_error(p, "unexpected '('");
	if (r < 0 || p->failed)
		goto done;
	cmd = n_args ? (args[0].text.text.s ? args[0].text.text.s : "") : NULL;
	p->may_fail = false;
	if (!n_args) {
		/* Only assignments: they stay. A redirection that fails (a missing
		 * file) would drop them. */
		r = sh_apply_assignments(p, assigns, n_assigns, !redirected,
					 "assigned with a redirection that may fail",
					 line);
		goto done;
	}
	if (args[0].unknown) {
		r = sh_apply_assignments(p, assigns, n_assigns, false,
					 "assigned before a computed command", line);
		if (r == 0)
			r = sh_effect_any(
				p, sh_why_here(p, line,
					       "after a command whose name is computed"));
		p->may_fail = true;
		goto done;
	}
	if (!args[0].literal && sh_in_list(words, cmd)) {
		/* Built by quotes or a line continuation: sh may read it as a reserved
		 * word, the reader did not. */
		sh_poison(
			p,
			sh_why_here(
				p, line,
				"a reserved word written with quotes or a line continuation"));
		goto done;
	}
	if (streq(cmd, "local") && !p->def && !p->sub && !p->done) {
		/* Outside a function, local is an error that stops grub-mkconfig. */
		sh_poison(p,
			  sh_why_here(
				  p, line,
				  "local outside a function, which stops grub-mkconfig"));
		goto done;
	}
	if (sh_is_special_builtin(cmd) || decl) {
		/* Special builtins keep the assignments written before them. */
		r = sh_apply_assignments(p, assigns, n_assigns, true, NULL, line);
	} else if (sh_func_find(p->c, cmd)) {
		/* dash drops them after a function call, bash as sh keeps them. */
		r = sh_apply_assignments(
			p, assigns, n_assigns, false,
			"assigned before a function call, which shells keep or drop",
			line);
	} else {
		/* For that command's environment only; their expansions still run. */
		p->sub++;
		r = sh_apply_assignments(p, assigns, n_assigns, true, NULL, line);
		p->sub--;
	}
	if (r == 0 && decl && decl_any)
		r = sh_effect_any(
			p,
			sh_why_here(
				p, line,
				"after export/readonly/local with words amdgpu-tune does not follow"));
	for (size_t i = 0; r == 0 && decl && i < n_decls; i++)
		r = streq(cmd, "local")
			    ? sh_effect_unknown(p, decls[i].name,
						sh_why_here(p, line, "local"))
			    : sh_effect_assign(p, decls[i].name, &args[decls[i].arg]);
	if (r == 0 && decl && streq(cmd, "readonly"))
		for (size_t i = 0; r == 0 && i < n_decls; i++)
			r = strv_contains(p->c->readonly, decls[i].name)
				    ? 0
				    : strv_push(&p->c->readonly, decls[i].name);
	if (r == 0 && decl && streq(cmd, "readonly"))
		for (size_t i = 1; r == 0 && i < n_args; i++)
			if (args[i].literal && args[i].text.text.s &&
			    sh_is_name(args[i].text.text.s) &&
			    !strv_contains(p->c->readonly, args[i].text.text.s))
				r = strv_push(&p->c->readonly, args[i].text.text.s);
	if (r == 0 && !decl)
		r = sh_run_builtin(p, cmd, args, n_args, line);
	if (r == 0 && streq(cmd, "return"))
		/* return N, or the status of what ran before it. */
		p->may_fail = n_args > 1 ? !streq_ptr(args[1].text.text.s, "0") ||
						   args[1].unknown
					 : p->status;
done:
	p->status = p->may_fail;
	for (size_t i = 0; i < n_assigns; i++)
		free(assigns[i].name);
	free(assigns);
	for (size_t i = 0; i < n_decls; i++)
		free(decls[i].name);
	free(decls);
	for (size_t i = 0; i < n_args; i++)
		sh_word_done(&args[i]);
	free(args);
	return r;
}

/* Whether NAME() starts here; *n is NAME's length. */
static bool sh_at_function(const struct parser *p, size_t *n)
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

static int parse_command(struct parser *p)
{
	static const char *const to_brace[] = {"}", NULL}, *const to_paren[] = {NULL};
	const char *w;
	size_t n;
	int r;

	if (++p->depth > GRUB_DEPTH_MAX) {
		p->depth--;
		return sh_too_deep(p);
	}
	sh_skip_blanks(p);
	w = sh_reserved(p);
	if (w && streq(w, "if")) {
		r = parse_if(p);
	} else if (w && streq(w, "case")) {
		r = parse_case(p);
	} else if (w && (streq(w, "while") || streq(w, "until") || streq(w, "for"))) {
		r = parse_loop(p, w);
	} else if (w && streq(w, "{")) {
		unsigned line = p->line;

		unsigned before = p->commands;

		p->pos++;
		r = parse_list(p, to_brace, false);
		if (r == 0)
			r = nonempty(p, before, "{");
		if (r == 0)
			r = sh_expect(p, "}", "{", line);
	} else if (sh_peek(p, 0) == '(') {
		unsigned line = p->line;

		unsigned before = p->commands;
		bool done = p->done;

		p->pos++;
		p->sub++;
		r = parse_list(p, to_paren, false);
		p->sub--;
		p->done = done; /* a return there leaves the subshell only */
		if (r == 0)
			r = nonempty(p, before, "(");
		if (r == 0 && !p->failed && sh_peek(p, 0) != ')')
			r = sh_syntax_error(p, "'(' from line %u lacks its ')'", line);
		else if (r == 0 && !p->failed)
			p->pos++;
	} else if (w && !streq(w, "!")) {
		r = sh_syntax_error(p, "unexpected '%s'", w);
	} else if (sh_at_function(p, &n)) {
		_cleanup_free_ char *name = strndup(p->buf + p->pos, n);

		if (!name) {
			r = -ENOMEM;
		} else {
			while (sh_peek(p, 0) != ')')
				p->pos++;
			p->pos++;
			r = parse_function(p, name);
		}
		/* A definition's status is 0. */
		p->status = false;
		p->may_fail = false;
		p->depth--;
		return r;
	} else {
		r = parse_simple(p);
		p->depth--;
		return r;
	}
	if (r == 0 && !p->failed)
		r = parse_redirections(p);
	/* set -e does not stop on a compound command's status (POSIX 2.8.1), but
	 * p->status keeps it, for the end of the file. */
	p->may_fail = false;
	p->depth--;
	return r;
}

/* [!] command [| command]...: every part of a pipeline of two or more runs in a
 * subshell (dash), so nothing it assigns stays. */
static int parse_pipeline(struct parser *p)
{
	char **saved = p->touched;
	unsigned line = p->line, gen = p->c->gen;
	bool piped = false, negated = false, done = p->done;
	int r;

	p->touched = NULL;
	sh_skip_blanks(p);
	if (sh_reserved(p) && streq(sh_reserved(p), "!")) {
		p->pos++;
		negated = true;
	}
	r = parse_command(p);
	for (;;) {
		sh_skip_blanks(p);
		if (r < 0 || p->failed || sh_peek(p, 0) != '|' || sh_peek(p, 1) == '|')
			break;
		p->pos++;
		piped = true;
		r = sh_skip_linebreaks(p);
		p->sub++;
		if (r == 0 && !p->failed)
			r = parse_command(p);
		p->sub--;
	}
	if (r == 0 && piped) {
		/* The first part ran in a subshell too: its return, its functions and
		 * its assignments are not this shell's. */
		p->done = done;
		for (size_t i = 0; i < p->c->n_funcs; i++)
			if (p->c->funcs[i].gen > gen)
				p->c->funcs[i].any = true;
		r = sh_touched_unknown(
			p, p->touched,
			"assigned in a pipeline, which sh runs in a subshell", line);
	}
	if (negated) {
		p->may_fail = false;
		p->status = true;
	}
	for (size_t i = 0; r == 0 && p->touched && p->touched[i]; i++)
		if (!strv_contains(saved, p->touched[i]))
			r = strv_push(&saved, p->touched[i]);
	strv_free(p->touched);
	p->touched = saved;
	return r;
}

/* pipeline [&& pipeline | || pipeline]... [; | &] */
static int parse_and_or(struct parser *p)
{
	char **saved = p->touched;
	unsigned line = p->line, gen = p->c->gen;
	bool done = p->done;
	int r;

	bool status = false;

	p->touched = NULL;
	p->commands++;
	r = parse_pipeline(p);
	for (;;) {
		const char *old;

		sh_skip_blanks(p);
		if (r < 0 || p->failed ||
		    !((sh_peek(p, 0) == '&' && sh_peek(p, 1) == '&') ||
		      (sh_peek(p, 0) == '|' && sh_peek(p, 1) == '|')))
			break;
		/* a && b fails when a does; after a || b only b's status counts. */
		if (sh_peek(p, 0) == '&')
			status |= p->status;
		p->pos += 2;
		r = sh_skip_linebreaks(p);
		old = sh_cond_enter(
			p,
			"assigned after && or ||: amdgpu-tune does not evaluate conditions");
		if (r == 0 && !p->failed)
			r = parse_pipeline(p);
		sh_cond_leave(p, old);
	}
	status |= p->status;
	sh_skip_blanks(p);
	if (r == 0 && !p->failed && sh_peek(p, 0) == '&') {
		p->pos++;
		p->done = done;
		status = false; /* a background job's status is 0 */
		for (size_t i = 0; i < p->c->n_funcs; i++)
			if (p->c->funcs[i].gen > gen)
				p->c->funcs[i].any = true;
		r = sh_touched_unknown(p, p->touched, "assigned in a background job",
				       line);
	} else {
		/* set -e: an untested command that fails stops grub-mkconfig. */
		if (p->may_fail && !p->noerrexit && !p->def && !p->sub && !p->done)
			/* Then no grub.cfg is written at all. */
			sh_poison(
				p,
				sh_why_here(
					p, line,
					"a command that may fail where nothing tests it: grub-mkconfig runs with set -e and would stop there"));
		if (r == 0 && !p->failed && sh_peek(p, 0) == ';' && sh_peek(p, 1) != ';')
			p->pos++;
	}
	p->may_fail = false;
	p->status = status;
	for (size_t i = 0; r == 0 && p->touched && p->touched[i]; i++)
		if (!strv_contains(saved, p->touched[i]))
			r = strv_push(&saved, p->touched[i]);
	strv_free(p->touched);
	p->touched = saved;
	return r;
}

/* Commands up to one of the reserved words in stop (not consumed), a ')' or ";;" (in
 * a case branch), or the end. */
static int parse_list(struct parser *p, const char *const *stop, bool in_case)
{
	int r = 0;

	/* After a return, a compound command is still read to its end (sh parses it
	 * whole), with no effect; the file itself is not read further. */
	while (r == 0 && !p->failed && !(p->done && p->depth == 0)) {
		const char *w;

		if (p->c->work > GRUB_WORK_MAX) {
			sh_poison(
				p,
				sh_why_here(
					p, p->line,
					"a file that takes amdgpu-tune's reader too long"));
			p->done = true;
			p->c->stop_sourcing = true;
			break;
		}
		r = sh_skip_linebreaks(p);
		if (r < 0 || p->failed || sh_peek(p, 0) < 0)
			break;
		if (sh_peek(p, 0) == ';' && !in_case) {
			r = sh_syntax_error(p, "unexpected ';'");
			break;
		}
		if (sh_peek(p, 0) == ';' && in_case)
			break;
		if (sh_peek(p, 0) == ')') {
			if (!stop || stop[0])
				r = sh_syntax_error(p, "unexpected ')'");
			break;
		}
		w = sh_reserved(p);
		if (w && stop && sh_in_list(stop, w))
			break;
		r = parse_and_or(p);
	}
	return r;
}

int grub_parse(struct grub_config *c, uint32_t file, const char *buf, size_t len,
	       struct diag_list *d)
{
	struct parser p = {
		.c = c, .d = d, .file = file, .buf = buf, .len = len, .line = 1};
	size_t n = strlen(c->files[file]);
	int r;

	/* grub-mkconfig sources etc/default/grub, then grub.d/NAME.cfg in a loop. */
	p.dropin = n > 4 && streq(c->files[file] + n - 4, ".cfg");
	if (c->later_maybe_left) {
		p.maybe_left = true;
		p.left_why =
			"after a command or break that may stop grub-mkconfig before this file";
	}
	if (memchr(buf, '\0', len)) {
		c->understood = false;
		return diag_add(d, DIAG_ERROR, c->files[file], 0,
				"NUL byte: this is not a shell script");
	}
	r = parse_list(&p, NULL, false);
	if (r == 0 && !p.failed && p.status)
		sh_poison(
			&p,
			sh_why_here(
				&p, p.line,
				"a last command that may fail: grub-mkconfig's '.' of this file then fails, and with set -e it stops"));
	if (r == 0 && !p.failed && !p.done && p.pos < p.len) {
		const char *w = sh_reserved(&p);

		r = sh_syntax_error(&p, "unexpected '%s'", w ? w : ")");
	}
	for (size_t i = 0; i < p.n_heredocs; i++)
		free(p.heredocs[i].delim);
	free(p.heredocs);
	strv_free(p.touched);
	return r;
}

int grub_add_file(struct grub_config *c, const char *rel)
{
	if (c->n_files >= GRUB_FILES_MAX)
		return -E2BIG;
	if (ARRAY_GROW(c->files, c->n_files) < 0 ||
	    ARRAY_GROW(c->texts, c->n_files) < 0 ||
	    ARRAY_GROW(c->text_lens, c->n_files) < 0)
		return -ENOMEM;
	c->texts[c->n_files] = NULL;
	c->text_lens[c->n_files] = 0;
	c->files[c->n_files] = strdup(rel);
	return c->files[c->n_files] ? (int)c->n_files++ : -ENOMEM;
}

/* The index of rel among the files like read from disk, or -1. */
static ssize_t like_file(const struct grub_config *like, const char *rel)
{
	for (size_t i = 0; like && i < like->n_files; i++)
		if (like->texts[i] && streq(like->files[i], rel))
			return (ssize_t)i;
	return -1;
}

void grub_config_free(struct grub_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_files; i++) {
		free(c->files[i]);
		free(c->texts ? c->texts[i] : NULL);
	}
	free(c->files);
	free(c->texts);
	free(c->text_lens);
	for (size_t i = 0; i < c->n_vars; i++) {
		free(c->vars[i].name);
		srcline_done(&c->vars[i].value);
	}
	free(c->vars);
	for (size_t i = 0; i < c->n_assigns; i++)
		free(c->assigns[i].name);
	free(c->assigns);
	for (size_t i = 0; i < c->n_funcs; i++) {
		free(c->funcs[i].name);
		strv_free(c->funcs[i].assigns);
		strv_free(c->funcs[i].calls);
	}
	free(c->funcs);
	strv_free(c->readonly);
	free(c);
}

static int read_one(const struct sysroot *root, const struct file_override *ov,
		    const struct grub_config *like, struct grub_config *c,
		    const char *rel, struct diag_list *d)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	const struct file_override *o = file_override_find(ov, rel);
	ssize_t seen = o ? -1 : like_file(like, rel);
	int k;

	if (o && !o->text)
		return 0;
	if (o) {
		buf = strdup(o->text);
		len = buf ? strlen(buf) : 0;
		k = buf ? 0 : -ENOMEM;
	} else if (seen >= 0) {
		len = like->text_lens[seen];
		buf = malloc(len + 1);
		k = buf ? 0 : -ENOMEM;
		if (buf) {
			memcpy(buf, like->texts[seen], len);
			buf[len] = '\0';
		}
	} else {
		k = sysroot_read_file(root, rel, GRUB_FILE_MAX, false, &buf, &len);
	}

	if (k == -ENOMEM)
		return k;
	if (k < 0) {
		c->understood = false;
		return diag_add(d, DIAG_ERROR, rel, 0, "cannot read: %s",
				read_error_text(-k));
	}
	k = grub_add_file(c, rel);
	if (k == -E2BIG) {
		c->understood = false;
		return diag_add(
			d, DIAG_ERROR, rel, 0,
			"more than %d GRUB defaults files: amdgpu-tune reads no further, so the next boot's command line is not known",
			GRUB_FILES_MAX);
	}
	if (k < 0)
		return k;
	if (!o) {
		/* Kept for a later read with this one as its like. */
		c->texts[k] = buf;
		c->text_lens[k] = len;
		buf = NULL;
	}
	return grub_parse(c, (uint32_t)k, o ? buf : c->texts[k], len, d);
}

static bool is_cfg(const char *name)
{
	size_t n = strlen(name);

	/* The glob "NAME.cfg" matches no dotfiles. */
	return name[0] != '.' && n >= 5 && streq(name + n - 4, ".cfg");
}

int grub_read(const struct sysroot *root, const struct file_override *ov, bool dropins,
	      const struct grub_config *like, struct grub_config **ret,
	      struct diag_list *d)
{
	struct grub_config *c;
	_cleanup_strv_free_ char **names = NULL;
	DIR *dir = NULL;
	bool have_main = like_file(like, "etc/default/grub") >= 0 ||
			 sysroot_exists(root, "etc/default/grub");
	int r = 0;

	for (const struct file_override *o = ov; dropins && o && o->rel; o++) {
		const char *base = startswith(o->rel, "etc/default/grub.d/");

		if (o->text && base && !strchr(base, '/') && is_cfg(base) &&
		    !sysroot_exists(root, o->rel) && strv_push(&names, base) < 0)
			return -ENOMEM;
	}
	if (dropins && sysroot_opendir(root, "etc/default/grub.d", &dir) == 0) {
		struct dirent *de;

		while ((de = readdir(dir))) {
			if (!is_cfg(de->d_name))
				continue;
			if (strv_push(&names, de->d_name) < 0) {
				closedir(dir);
				return -ENOMEM;
			}
		}
		closedir(dir);
	} else if (!have_main && !names) {
		*ret = NULL;
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->understood = true;
	if (have_main)
		r = read_one(root, ov, like, c, "etc/default/grub", d);
	if (names)
		strv_sort(names);
	for (size_t i = 0;
	     r == 0 && c->understood && !c->stop_sourcing && names && names[i]; i++) {
		char rel[512];

		snprintf(rel, sizeof(rel), "etc/default/grub.d/%s", names[i]);
		/* grub-mkconfig's `[ -e ]` skips dangling links. */
		if (file_override_find(ov, rel) || like_file(like, rel) >= 0 ||
		    sysroot_exists(root, rel))
			r = read_one(root, ov, like, c, rel, d);
	}
	if (r < 0) {
		grub_config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int grub_var_lookup(const struct grub_config *c, const char *name,
		    const struct srcline **ret, struct grub_why *why)
{
	const struct grub_var *v = sh_var_find(c, name, strlen(name));

	*ret = NULL;
	if (c->poisoned) {
		if (why)
			*why = c->poison_why;
		return 1;
	}
	if (c->any_gen && (!v || v->gen <= c->any_gen)) {
		if (why)
			*why = c->any_why;
		return 1;
	}
	if (v && v->unknown) {
		if (why)
			*why = v->why;
		return 1;
	}
	if (v && v->set)
		*ret = &v->value;
	return 0;
}

int grub_cmdline(const struct grub_config *c, bool recovery, struct srcline *ret,
		 struct grub_why *why)
{
	const struct srcline *l, *dflt = NULL;
	struct srcline out = {0};
	int r;

	if (grub_var_lookup(c, "GRUB_CMDLINE_LINUX", &l, why) ||
	    (!recovery && grub_var_lookup(c, "GRUB_CMDLINE_LINUX_DEFAULT", &dflt, why)))
		return 1;
	r = l ? srcline_append_line(&out, l) : 0;
	if (r == 0 && dflt && dflt->text.len) {
		/* 10_linux writes "${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}";
		 * the separating space belongs to no file. */
		if (out.text.len)
			r = srcline_append(&out, " ", 1, (struct src){UINT32_MAX, 0});
		if (r == 0)
			r = srcline_append_line(&out, dflt);
	}
	if (r < 0) {
		srcline_done(&out);
		return r;
	}
	*ret = out;
	return 0;
}
