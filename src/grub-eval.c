/* The sh reader's evaluation (grub-sh.h): what an assignment, unset, builtin or
 * function call does to the variables, including what makes them unknown, and the limits
 * past which nothing is known. */
#include <errno.h>

#include "grub-sh.h"
#include "strv.h"

struct grub_var *sh_var_find(const struct grub_config *c, const char *name, size_t n)
{
	/* Linear, so counted: a file made to be slow ends as "not known" (below). */
	((struct grub_config *)c)->work += c->n_vars + 1;
	for (size_t i = 0; i < c->n_vars; i++)
		if (strlen(c->vars[i].name) == n &&
		    strncmp(c->vars[i].name, name, n) == 0)
			return &c->vars[i];
	return NULL;
}

struct grub_func *sh_func_find(const struct grub_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_funcs; i++)
		if (streq(c->funcs[i].name, name))
			return &c->funcs[i];
	return NULL;
}

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

/* Nesting deeper than the reader goes (sh would go on): nothing is known, and this
 * file is not read further. */
int sh_too_deep(struct parser *p)
{
	sh_poison(p,
		  sh_why_here(
			  p, p->line,
			  "constructs nested deeper than amdgpu-tune's reader follows"));
	p->failed = true;
	return 0;
}

/* Nothing is known after this point, in this file or any later one. */
void sh_poison(struct parser *p, struct grub_why why)
{
	if (!p->c->poisoned) {
		p->c->poisoned = true;
		p->c->poison_why = why;
	}
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
int sh_effect_unknown(struct parser *p, const char *name, struct grub_why why)
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
int sh_effect_any(struct parser *p, struct grub_why why)
{
	if (p->sub || p->done)
		return 0;
	if (p->def)
		return func_note(p->def, NULL);
	p->c->any_gen = ++p->c->gen;
	p->c->any_why = why;
	return 0;
}

int sh_effect_assign(struct parser *p, const char *name, struct word *w)
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
int sh_touched_unknown(struct parser *p, char **names, const char *what, unsigned line)
{
	for (size_t i = 0; names && names[i]; i++) {
		int r = sh_effect_unknown(p, names[i], sh_why_here(p, line, what));

		if (r < 0)
			return r;
	}
	return 0;
}

/* Enters a part that may or may not run. */
const char *sh_cond_enter(struct parser *p, const char *why)
{
	const char *old = p->cond_why;

	if (p->cond++ == 0)
		p->cond_why = why;
	return old;
}

void sh_cond_leave(struct parser *p, const char *old)
{
	p->cond--;
	p->cond_why = old;
}

struct grub_func *sh_func_get(struct grub_config *c, const char *name)
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

/* unset [-fv] NAME...: a variable unset, a function removed. */
static int builtin_unset(struct parser *p, struct word *args, size_t n, unsigned line)
{
	bool funcs = false;
	int r = 0;

	for (size_t i = 1; r == 0 && i < n; i++) {
		const char *a = args[i].text.text.s ? args[i].text.text.s : "";

		if (args[i].unknown || args[i].split)
			return sh_effect_any(
				p, sh_why_here(p, line, "unset of a computed name"));
		if (a[0] == '-' && a[1]) {
			/* -v, -f, -vf...: the last letter wins (dash). */
			for (const char *o = a + 1; *o; o++)
				funcs = *o == 'f' ? true : *o == 'v' ? false : funcs;
			continue;
		}
		if (!funcs && sh_is_name(a))
			r = effect_unset(p, a);
		/* A function removed: calling it later runs a command, which the
		 * reader keeps treating as the function (conservative). */
	}
	return r;
}

/* read, getopts, printf (-v), cd and local: the names they assign are unknown. */
static int builtin_reads(struct parser *p, const char *cmd, struct word *args, size_t n,
			 unsigned line)
{
	static const char *const read_why = "read from input, not known";
	int r = 0;

	if (streq(cmd, "cd"))
		return sh_effect_unknown(p, "PWD", sh_why_here(p, line, "cd"))
			       ?: sh_effect_unknown(p, "OLDPWD",
						    sh_why_here(p, line, "cd"));
	if (streq(cmd, "printf")) {
		/* bash's printf -v NAME assigns; dash's printf has no -v. */
		if (n > 2 && streq_ptr(args[1].text.text.s, "-v") && args[2].text.text.s)
			return sh_effect_unknown(p, args[2].text.text.s,
						 sh_why_here(p, line, "printf -v"));
		return 0;
	}
	if (streq(cmd, "read"))
		r = sh_effect_unknown(p, "REPLY", sh_why_here(p, line, read_why));
	if (streq(cmd, "getopts")) {
		r = sh_effect_unknown(p, "OPTARG", sh_why_here(p, line, "getopts"));
		if (r == 0)
			r = sh_effect_unknown(p, "OPTIND",
					      sh_why_here(p, line, "getopts"));
	}
	for (size_t i = 1; r == 0 && i < n; i++) {
		const char *a = args[i].text.text.s;

		if (args[i].unknown || args[i].split)
			return sh_effect_any(
				p,
				sh_why_here(p, line,
					    "a builtin given a computed variable name"));
		if (a && sh_is_name(a))
			r = sh_effect_unknown(
				p, a,
				sh_why_here(p, line,
					    streq(cmd, "local") ? "local" : read_why));
	}
	return r;
}

/* command [-p] NAME ARGS runs NAME (a builtin or program, never a function); command
 * -v/-V only looks NAME up. */
static int builtin_command(struct parser *p, struct word *args, size_t n, unsigned line)
{
	size_t k = 1;

	while (k < n && streq_ptr(args[k].text.text.s, "-p"))
		k++;
	if (k >= n || streq_ptr(args[k].text.text.s, "-v") ||
	    streq_ptr(args[k].text.text.s, "-V"))
		return 0;
	if (args[k].unknown || args[k].split || !args[k].text.text.s)
		return sh_effect_any(
			p,
			sh_why_here(p, line, "after a command whose name is computed"));
	if (sh_in_list((const char *const[]){"export", "readonly", "local", "unset",
					     "command", "alias", "trap", "set", NULL},
		       args[k].text.text.s))
		return sh_effect_any(
			p,
			sh_why_here(
				p, line,
				"after 'command' with a builtin that amdgpu-tune does not follow there"));
	return sh_run_builtin(p, args[k].text.text.s, args + k, n - k, line);
}

/* trap ACTION SIGNAL...: the action may run later, at any point. */
static int builtin_trap(struct parser *p, struct word *args, size_t n, unsigned line)
{
	const char *a = n > 1 && args[1].text.text.s ? args[1].text.text.s : "";

	if (n > 1 && (args[1].unknown || (*a && !streq(a, "-") && a[0] != '-' &&
					  strspn(a, "0123456789") != strlen(a))))
		poison_here(p, line, "after a trap, whose action may run at any point");
	return 0;
}

/* alias NAME=VALUE: what later lines mean changes. */
static int builtin_alias(struct parser *p, struct word *args, size_t n, unsigned line)
{
	for (size_t i = 1; i < n; i++)
		if (args[i].unknown ||
		    (args[i].text.text.s && strchr(args[i].text.text.s, '=')))
			poison_here(
				p, line,
				"after an alias, which changes what later lines mean");
	return 0;
}

/* set: -n (noexec) makes sh read the rest without running it. */
static int builtin_set(struct parser *p, struct word *args, size_t n, unsigned line)
{
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

/* What the grub-mkconfig_lib function cmd assigns (names separated by blanks), or NULL
 * when cmd is none of them. */
static const char *lib_function(const char *cmd)
{
	for (size_t i = 0; i < ELEMENTSOF(mkconfig_lib); i++)
		if (streq(cmd, mkconfig_lib[i].name))
			return mkconfig_lib[i].assigns;
	return NULL;
}

/* A call of a grub-mkconfig_lib function: what it assigns is unknown. */
static int run_lib_function(struct parser *p, const char *assigns, unsigned line)
{
	_cleanup_strv_free_ char **names = NULL;
	int r = 0;

	if (strv_split_ws(assigns, &names) < 0)
		return -ENOMEM;
	for (size_t j = 0; r == 0 && names[j]; j++)
		r = sh_effect_unknown(
			p, names[j],
			sh_why_here(p, line, "assigned by a grub-mkconfig_lib function"));
	return r;
}

/* The effect of a simple command named cmd with arguments args[1..]. */
int sh_run_builtin(struct parser *p, const char *cmd, struct word *args, size_t n,
		   unsigned line)
{
	static const char *const any[] = {"eval",      ".",	  "source",  "mapfile",
					  "readarray", "declare", "typeset", "let",
					  "builtin",   NULL};
	const struct grub_func *f;
	const char *assigns;
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
	if (streq(cmd, "unset"))
		return builtin_unset(p, args, n, line);
	if (streq(cmd, "read") || streq(cmd, "getopts") || streq(cmd, "printf") ||
	    streq(cmd, "cd") || streq(cmd, "local"))
		return builtin_reads(p, cmd, args, n, line);
	/* exec with redirections only changes no variable. */
	if (streq(cmd, "exec") && n == 1)
		return 0;
	if (streq(cmd, "exec"))
		return sh_effect_any(
			p,
			sh_why_here(p, line, "after exec, which replaces grub-mkconfig"));
	if (streq(cmd, "command"))
		return builtin_command(p, args, n, line);
	if (streq(cmd, "trap"))
		return builtin_trap(p, args, n, line);
	if (streq(cmd, "alias"))
		return builtin_alias(p, args, n, line);
	if (streq(cmd, "set"))
		return builtin_set(p, args, n, line);
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
	assigns = lib_function(cmd);
	if (assigns)
		return run_lib_function(p, assigns, line);
	/* echo, printf, test, [, true, false, :, and every external program: nothing
	 * that changes this shell's variables. */
	return 0;
}

/* Special builtins keep the assignments written before them (POSIX 2.14). */
bool sh_is_special_builtin(const char *cmd)
{
	static const char *const special[] = {
		":",	 ".",	  "eval", "exec",  "export", "readonly", "return", "set",
		"shift", "times", "trap", "unset", "break",  "continue", "exit",   NULL};

	return sh_in_list(special, cmd);
}

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
int sh_apply_assignments(struct parser *p, const struct pending *a, size_t n, bool known,
			 const char *why, unsigned line)
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
