/* The sh reader's grammar (grub-sh.h): lists, and-or lists, pipelines, compound
 * commands, function definitions, redirections and simple commands; it evaluates as it
 * reads. grub_parse() is its entry point (grub.h). */
#include <errno.h>

#include "grub-sh.h"
#include "strv.h"

static int parse_list(struct parser *p, const char *const *stop, bool in_case);
static int parse_command(struct parser *p);

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

static int add_word(struct word **args, size_t *n)
{
	if (array_grow(args, *n, sizeof(**args)) < 0)
		return -ENOMEM;
	(*args)[(*n)++] = (struct word){0};
	return 0;
}

/* A simple command as it is read: the assignment words before the command (assigns),
 * its words (args; after export, readonly or local, NAME=value words are listed in decls
 * too), and what they say. */
struct simple {
	struct pending *assigns, *decls;
	struct word *args;
	size_t n_assigns, n_decls, n_args, fields;
	unsigned line;
	bool decl;	 /* export, readonly or local */
	bool decl_any;	 /* ... with a word the reader does not follow */
	bool redirected; /* a redirection, which may fail */
	bool consumed;	 /* anything at all was read */
};

static void simple_done(struct simple *s)
{
	for (size_t i = 0; i < s->n_assigns; i++)
		free(s->assigns[i].name);
	free(s->assigns);
	for (size_t i = 0; i < s->n_decls; i++)
		free(s->decls[i].name);
	free(s->decls);
	for (size_t i = 0; i < s->n_args; i++)
		sh_word_done(&s->args[i]);
	free(s->args);
}

/* NAME=value at p->pos (an is NAME's length): before the command, found now and
 * expanded after the other words; after export, readonly or local, a word like the
 * others, expanded in order. */
static int read_assignment(struct parser *p, struct simple *s, size_t an)
{
	struct pending **list = s->fields ? &s->decls : &s->assigns;
	size_t *nl = s->fields ? &s->n_decls : &s->n_assigns;
	struct word skip = {0};
	struct pending *a;
	int r;

	if (array_grow(list, *nl, sizeof(**list)) < 0)
		return -ENOMEM;
	a = &(*list)[(*nl)++];
	*a = (struct pending){.name = strndup(p->buf + p->pos, an),
			      .pos = p->pos + an + 1,
			      .line = p->line};
	if (!a->name)
		return -ENOMEM;
	p->pos += an + 1;
	if (s->fields == 0) {
		p->sub++;
		r = sh_parse_word(p, WORD_ASSIGN, a->name, &skip);
		p->sub--;
		sh_word_done(&skip);
		return r;
	}
	r = add_word(&s->args, &s->n_args);
	if (r == 0) {
		a->arg = s->n_args - 1;
		r = sh_parse_word(p, WORD_ASSIGN, a->name, &s->args[s->n_args - 1]);
		s->args[s->n_args - 1].line = a->line;
		s->fields++;
	}
	return r;
}

/* A word of the command at p->pos. */
static int read_word(struct parser *p, struct simple *s)
{
	struct word *w;
	int r = add_word(&s->args, &s->n_args);

	if (r < 0)
		return r;
	w = &s->args[s->n_args - 1];
	r = sh_parse_word(p, WORD_ARG, NULL, w);
	if (r < 0 || p->failed)
		return r;
	/* An unquoted expansion that gives nothing is no field (sh drops it); one that
	 * holds blanks is split: the reader does not follow what that runs. */
	if (w->split && !w->quoted && !w->unknown && w->text.text.len == 0) {
		sh_word_done(w);
		s->n_args--;
		return 0;
	}
	if (w->split && !w->unknown && w->text.text.s && strpbrk(w->text.text.s, " \t\n"))
		sh_word_unknown(
			w,
			sh_why_here(p, s->line,
				    "an unquoted expansion that sh splits into fields"));
	s->fields++;
	if (s->fields == 1 && !w->unknown && w->text.text.s &&
	    (streq(w->text.text.s, "export") || streq(w->text.text.s, "readonly") ||
	     streq(w->text.text.s, "local")))
		s->decl = true;
	if (s->fields > 1 && s->decl &&
	    (w->unknown || !w->literal ||
	     (w->text.text.s &&
	      (w->text.text.s[0] == '-' || strchr(w->text.text.s, '=')))))
		/* export "X=y", export $V, export -p: not followed. */
		s->decl_any = true;
	return 0;
}

/* The words and redirections of a simple command, up to its end. */
static int read_simple(struct parser *p, struct simple *s)
{
	int r = 0;

	for (;;) {
		size_t an;

		if (r < 0 || p->failed)
			break;
		sh_skip_blanks(p);
		if (sh_is_meta(sh_peek(p, 0)) && !sh_at_redirection(p))
			break;
		/* A '#' that starts a word starts a comment. */
		if (sh_peek(p, 0) == '#')
			break;
		s->consumed = true;
		if (sh_at_redirection(p)) {
			s->redirected = true;
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
		if (an && (s->fields == 0 || s->decl))
			r = read_assignment(p, s, an);
		else
			r = read_word(p, s);
	}
	if (r == 0 && !p->failed && !s->consumed) {
		if (sh_peek(p, 0) < 0 || sh_peek(p, 0) == '\n')
			r = sh_syntax_error(p, "a command is missing");
		else
			r = sh_syntax_error(p, "unexpected '%c'", sh_peek(p, 0));
	}
	if (r == 0 && !p->failed && sh_peek(p, 0) == '(')
		r = sh_syntax_error(p, "unexpected '('");
	return r;
}

/* export, readonly and local: what their NAME=value and NAME words do. */
static int run_declaration(struct parser *p, const struct simple *s, const char *cmd)
{
	int r = 0;

	if (s->decl_any)
		r = sh_effect_any(
			p,
			sh_why_here(
				p, s->line,
				"after export/readonly/local with words amdgpu-tune does not follow"));
	for (size_t i = 0; r == 0 && i < s->n_decls; i++)
		r = streq(cmd, "local")
			    ? sh_effect_unknown(p, s->decls[i].name,
						sh_why_here(p, s->line, "local"))
			    : sh_effect_assign(p, s->decls[i].name,
					       &s->args[s->decls[i].arg]);
	if (r == 0 && streq(cmd, "readonly"))
		for (size_t i = 0; r == 0 && i < s->n_decls; i++)
			r = strv_contains(p->c->readonly, s->decls[i].name)
				    ? 0
				    : strv_push(&p->c->readonly, s->decls[i].name);
	if (r == 0 && streq(cmd, "readonly"))
		for (size_t i = 1; r == 0 && i < s->n_args; i++)
			if (s->args[i].literal && s->args[i].text.text.s &&
			    sh_is_name(s->args[i].text.text.s) &&
			    !strv_contains(p->c->readonly, s->args[i].text.text.s))
				r = strv_push(&p->c->readonly, s->args[i].text.text.s);
	return r;
}

/* What a simple command that was read does: its assignments, then the command. */
static int run_simple(struct parser *p, struct simple *s)
{
	static const char *const words[] = {
		"if",	 "then",  "elif", "else", "fi", "case", "esac", "for",
		"while", "until", "do",	  "done", "{",	"}",	"!",	NULL};
	const char *cmd;
	int r;

	p->may_fail = false;
	if (!s->n_args)
		/* Only assignments: they stay. A redirection that fails (a missing
		 * file) would drop them. */
		return sh_apply_assignments(p, s->assigns, s->n_assigns, !s->redirected,
					    "assigned with a redirection that may fail",
					    s->line);
	cmd = s->args[0].text.text.s ? s->args[0].text.text.s : "";
	if (s->args[0].unknown) {
		r = sh_apply_assignments(p, s->assigns, s->n_assigns, false,
					 "assigned before a computed command", s->line);
		if (r == 0)
			r = sh_effect_any(
				p, sh_why_here(p, s->line,
					       "after a command whose name is computed"));
		p->may_fail = true;
		return r;
	}
	if (!s->args[0].literal && sh_in_list(words, cmd)) {
		/* Built by quotes or a line continuation: sh may read it as a reserved
		 * word, the reader did not. */
		sh_poison(
			p,
			sh_why_here(
				p, s->line,
				"a reserved word written with quotes or a line continuation"));
		return 0;
	}
	if (streq(cmd, "local") && !p->def && !p->sub && !p->done) {
		/* Outside a function, local is an error that stops grub-mkconfig. */
		sh_poison(p,
			  sh_why_here(
				  p, s->line,
				  "local outside a function, which stops grub-mkconfig"));
		return 0;
	}
	if (sh_is_special_builtin(cmd) || s->decl) {
		/* Special builtins keep the assignments written before them. */
		r = sh_apply_assignments(p, s->assigns, s->n_assigns, true, NULL,
					 s->line);
	} else if (sh_func_find(p->c, cmd)) {
		/* dash drops them after a function call, bash as sh keeps them. */
		r = sh_apply_assignments(
			p, s->assigns, s->n_assigns, false,
			"assigned before a function call, which shells keep or drop",
			s->line);
	} else {
		/* For that command's environment only; their expansions still run. */
		p->sub++;
		r = sh_apply_assignments(p, s->assigns, s->n_assigns, true, NULL,
					 s->line);
		p->sub--;
	}
	if (r == 0 && s->decl)
		r = run_declaration(p, s, cmd);
	else if (r == 0)
		r = sh_run_builtin(p, cmd, s->args, s->n_args, s->line);
	if (r == 0 && streq(cmd, "return"))
		/* return N, or the status of what ran before it. */
		p->may_fail = s->n_args > 1 ? !streq_ptr(s->args[1].text.text.s, "0") ||
						      s->args[1].unknown
					    : p->status;
	return r;
}

static int parse_simple(struct parser *p)
{
	struct simple s = {.line = p->line};
	int r = read_simple(p, &s);

	if (r == 0 && !p->failed)
		r = run_simple(p, &s);
	p->status = p->may_fail;
	simple_done(&s);
	return r;
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

/* Ends a pipeline's or an and-or list's own list of names it assigned: they join the
 * enclosing one, saved (when r is 0), which becomes the current list again. r, or
 * -ENOMEM. */
static int touched_restore(struct parser *p, char **saved, int r)
{
	for (size_t i = 0; r == 0 && p->touched && p->touched[i]; i++)
		if (!strv_contains(saved, p->touched[i]))
			r = strv_push(&saved, p->touched[i]);
	strv_free(p->touched);
	p->touched = saved;
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
	return touched_restore(p, saved, r);
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
	return touched_restore(p, saved, r);
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
