#include <errno.h>
#include <stdio.h>

#include "grub.h"
#include "strv.h"
#include "sysroot.h"

#define GRUB_FILE_MAX  (256 * 1024)
#define GRUB_FILES_MAX 1024
#define GRUB_VALUE_MAX (64 * 1024)

struct parser {
	struct grub_config *c;
	struct diag_list *d;
	uint32_t file;
	const char *buf;
	size_t len, pos;
	unsigned line;
	bool failed; /* a construct was not understood: stop reading this file */
};

static bool is_name_start(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool is_name_char(char ch)
{
	return is_name_start(ch) || (ch >= '0' && ch <= '9');
}

static int peek(const struct parser *p, size_t off)
{
	return p->pos + off < p->len ? (unsigned char)p->buf[p->pos + off] : -1;
}

static int not_understood(struct parser *p, const char *what)
{
	p->failed = true;
	p->c->understood = false;
	return diag_add(p->d, DIAG_ERROR, p->c->files[p->file], p->line,
			"%s: not understood by amdgpu-tune's reader (it runs no shell); "
			"simplify the line or set the kernel parameters by hand",
			what);
}

static struct grub_var *var_find(const struct grub_config *c, const char *name, size_t n)
{
	for (size_t i = 0; i < c->n_vars; i++)
		if (strlen(c->vars[i].name) == n &&
		    strncmp(c->vars[i].name, name, n) == 0)
			return &c->vars[i];
	return NULL;
}

const struct srcline *grub_var_get(const struct grub_config *c, const char *name)
{
	const struct grub_var *v = var_find(c, name, strlen(name));

	return v ? &v->value : NULL;
}

/* $NAME or ${NAME}: appends the variable's value (with its own origins) to out. */
static int expand(struct parser *p, struct srcline *out, bool *ret_self, const char *self)
{
	size_t start, n;
	bool braced = peek(p, 1) == '{';
	const struct grub_var *v;

	p->pos += braced ? 2 : 1;
	start = p->pos;
	if (peek(p, 0) < 0 || !is_name_start((char)peek(p, 0)))
		return not_understood(p, braced ? "'${' without a plain variable name"
						: "'$' not followed by a variable name");
	while (peek(p, 0) >= 0 && is_name_char((char)peek(p, 0)))
		p->pos++;
	n = p->pos - start;
	if (braced) {
		if (peek(p, 0) != '}')
			return not_understood(p, "'${VAR...}' with an operator");
		p->pos++;
	}
	if (self && strlen(self) == n && strncmp(self, p->buf + start, n) == 0)
		*ret_self = true;
	v = var_find(p->c, p->buf + start, n);
	if (!v) {
		/* grub-mkconfig exports nothing these files can rely on besides the
		 * GRUB_ settings themselves, which are empty until assigned. */
		if (n < 5 || strncmp(p->buf + start, "GRUB_", 5) != 0)
			return not_understood(
				p,
				"a variable that is not assigned in the GRUB defaults");
		return 0;
	}
	return srcline_append_line(out, &v->value);
}

/* One word, quotes removed and variables expanded, into out. Stops before a blank,
 * newline, ';', '#' or the end. */
static int parse_word(struct parser *p, struct srcline *out, const char *self,
		      bool *ret_self)
{
	int r = 0;

	while (r == 0 && !p->failed) {
		int ch = peek(p, 0);
		struct src at = {p->file, p->line};

		if (out->text.len > GRUB_VALUE_MAX)
			return not_understood(p, "a value longer than 64 KiB");
		if (ch < 0 || ch == ' ' || ch == '\t' || ch == '\n' || ch == ';')
			break;
		switch (ch) {
		case '\\':
			if (peek(p, 1) == '\n') {
				p->pos += 2;
				p->line++;
			} else if (peek(p, 1) >= 0) {
				r = srcline_append(out, p->buf + p->pos + 1, 1, at);
				p->pos += 2;
			} else {
				p->pos++;
			}
			break;
		case '\'':
			p->pos++;
			while (peek(p, 0) >= 0 && peek(p, 0) != '\'' && r == 0) {
				at.line = p->line;
				if (peek(p, 0) == '\n')
					p->line++;
				r = srcline_append(out, p->buf + p->pos++, 1, at);
			}
			if (peek(p, 0) < 0)
				return not_understood(p, "unterminated single quote");
			p->pos++;
			break;
		case '"':
			p->pos++;
			while (r == 0 && !p->failed && peek(p, 0) != '"') {
				int c2 = peek(p, 0);

				at.line = p->line;
				if (c2 < 0)
					return not_understood(
						p, "unterminated double quote");
				if (c2 == '`')
					return not_understood(p, "command substitution");
				if (c2 == '$') {
					if (peek(p, 1) == '(')
						return not_understood(
							p, "command substitution");
					r = expand(p, out, ret_self, self);
					continue;
				}
				if (c2 == '\\') {
					int c3 = peek(p, 1);

					if (c3 == '\n') {
						p->pos += 2;
						p->line++;
						continue;
					}
					if (c3 == '$' || c3 == '`' || c3 == '"' ||
					    c3 == '\\') {
						r = srcline_append(
							out, p->buf + p->pos + 1, 1, at);
						p->pos += 2;
						continue;
					}
				}
				if (c2 == '\n')
					p->line++;
				r = srcline_append(out, p->buf + p->pos++, 1, at);
			}
			if (!p->failed && r == 0)
				p->pos++;
			break;
		case '$':
			if (peek(p, 1) == '(')
				return not_understood(p, "command substitution");
			r = expand(p, out, ret_self, self);
			break;
		case '`':
			return not_understood(p, "command substitution");
		case '|':
		case '&':
		case '<':
		case '>':
		case '(':
		case ')':
		case '{':
		case '}':
		case '*':
		case '?':
		case '[':
		case '~': {
			char what[64];

			snprintf(what, sizeof(what), "the shell operator '%c'", ch);
			return not_understood(p, what);
		}
		default:
			r = srcline_append(out, p->buf + p->pos++, 1, at);
		}
	}
	return r;
}

static int assign(struct parser *p, const char *name, struct srcline *value, bool self,
		  unsigned line)
{
	struct grub_var *v = var_find(p->c, name, strlen(name));

	if (!v) {
		struct grub_var *n = realloc(p->c->vars, (p->c->n_vars + 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->c->vars = n;
		v = &n[p->c->n_vars];
		*v = (struct grub_var){.name = strdup(name)};
		if (!v->name)
			return -ENOMEM;
		p->c->n_vars++;
	}
	srcline_done(&v->value);
	v->value = *value;
	*value = (struct srcline){0};
	if (streq(name, "GRUB_CMDLINE_LINUX") ||
	    streq(name, "GRUB_CMDLINE_LINUX_DEFAULT")) {
		struct grub_assign *a =
			realloc(p->c->assigns, (p->c->n_assigns + 1) * sizeof(*a));

		if (!a)
			return -ENOMEM;
		p->c->assigns = a;
		a[p->c->n_assigns] = (struct grub_assign){
			.name = strdup(name),
			.file = p->file,
			.line = line,
			.keeps_previous = self,
		};
		if (!a[p->c->n_assigns].name)
			return -ENOMEM;
		p->c->n_assigns++;
	}
	return 0;
}

static void skip_blanks(struct parser *p)
{
	for (;;) {
		if (peek(p, 0) == ' ' || peek(p, 0) == '\t') {
			p->pos++;
		} else if (peek(p, 0) == '\\' && peek(p, 1) == '\n') {
			p->pos += 2;
			p->line++;
		} else {
			break;
		}
	}
}

/* One simple command: assignments, optionally after `export`. */
static int parse_command(struct parser *p)
{
	bool exporting = false, first = true;
	unsigned line = p->line;
	int r = 0;

	for (;;) {
		size_t start;
		char name[256];
		struct srcline value = {0};
		bool self = false;

		skip_blanks(p);
		if (peek(p, 0) < 0 || peek(p, 0) == '\n' || peek(p, 0) == ';' ||
		    peek(p, 0) == '#')
			break;
		start = p->pos;
		while (peek(p, 0) >= 0 && is_name_char((char)peek(p, 0)))
			p->pos++;
		if (p->pos > start && is_name_start(p->buf[start]) && peek(p, 0) == '=' &&
		    p->pos - start < sizeof(name)) {
			memcpy(name, p->buf + start, p->pos - start);
			name[p->pos - start] = '\0';
			p->pos++;
			r = parse_word(p, &value, name, &self);
			if (r == 0 && !p->failed)
				r = assign(p, name, &value, self, line);
			srcline_done(&value);
		} else if (first && p->pos - start == 6 &&
			   strncmp(p->buf + start, "export", 6) == 0 &&
			   (peek(p, 0) == ' ' || peek(p, 0) == '\t')) {
			exporting = true;
		} else if (exporting && p->pos > start &&
			   (peek(p, 0) < 0 || peek(p, 0) == ' ' || peek(p, 0) == '\t' ||
			    peek(p, 0) == '\n' || peek(p, 0) == ';')) {
			/* `export NAME`: nothing to assign. */
		} else {
			struct srcline word = {0};
			_cleanup_free_ char *e = NULL;
			char what[200];

			p->pos = start;
			r = parse_word(p, &word, NULL, &self);
			if (r == 0 && !p->failed) {
				e = escape_untrusted(word.text.s ? word.text.s : "");
				snprintf(what, sizeof(what), "the command '%.60s'",
					 e ? e : "?");
				r = not_understood(p, what);
			}
			srcline_done(&word);
		}
		if (r < 0 || p->failed)
			return r;
		first = false;
	}
	return 0;
}

int grub_parse(struct grub_config *c, uint32_t file, const char *buf, size_t len,
	       struct diag_list *d)
{
	struct parser p = {
		.c = c, .d = d, .file = file, .buf = buf, .len = len, .line = 1};
	int r = 0;

	if (memchr(buf, '\0', len)) {
		c->understood = false;
		return diag_add(d, DIAG_ERROR, c->files[file], 0,
				"NUL byte: this is not a shell script");
	}
	while (r == 0 && !p.failed && p.pos < len) {
		int ch = peek(&p, 0);

		if (ch == '#') {
			while (peek(&p, 0) >= 0 && peek(&p, 0) != '\n')
				p.pos++;
		} else if (ch == '\n') {
			p.pos++;
			p.line++;
		} else if (ch == ';' || ch == ' ' || ch == '\t') {
			p.pos++;
		} else {
			r = parse_command(&p);
		}
	}
	return r;
}

int grub_add_file(struct grub_config *c, const char *rel)
{
	char **f;

	if (c->n_files >= GRUB_FILES_MAX)
		return -E2BIG;
	f = realloc(c->files, (c->n_files + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	c->files = f;
	f[c->n_files] = strdup(rel);
	return f[c->n_files] ? (int)c->n_files++ : -ENOMEM;
}

void grub_config_free(struct grub_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	for (size_t i = 0; i < c->n_vars; i++) {
		free(c->vars[i].name);
		srcline_done(&c->vars[i].value);
	}
	free(c->vars);
	for (size_t i = 0; i < c->n_assigns; i++)
		free(c->assigns[i].name);
	free(c->assigns);
	free(c);
}

static int read_one(const struct sysroot *root, const struct file_override *ov,
		    struct grub_config *c, const char *rel, struct diag_list *d)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	const struct file_override *o = file_override_find(ov, rel);
	int k;

	if (o && !o->text)
		return 0;
	if (o) {
		buf = strdup(o->text);
		len = buf ? strlen(buf) : 0;
		k = buf ? 0 : -ENOMEM;
	} else {
		k = sysroot_read_file(root, rel, GRUB_FILE_MAX, false, &buf, &len);
	}

	if (k == -ENOMEM)
		return k;
	if (k < 0) {
		c->understood = false;
		return diag_add(d, DIAG_ERROR, rel, 0, "cannot read: %s", strerror(-k));
	}
	k = grub_add_file(c, rel);
	if (k < 0)
		return k == -E2BIG ? 0 : k;
	return grub_parse(c, (uint32_t)k, buf, len, d);
}

static bool is_cfg(const char *name)
{
	size_t n = strlen(name);

	/* The glob "NAME.cfg" matches no dotfiles. */
	return name[0] != '.' && n >= 5 && streq(name + n - 4, ".cfg");
}

int grub_read(const struct sysroot *root, const struct file_override *ov, bool dropins,
	      struct grub_config **ret, struct diag_list *d)
{
	struct grub_config *c;
	_cleanup_strv_free_ char **names = NULL;
	DIR *dir = NULL;
	bool have_main = sysroot_exists(root, "etc/default/grub");
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
		r = read_one(root, ov, c, "etc/default/grub", d);
	if (names)
		strv_sort(names);
	for (size_t i = 0; r == 0 && names && names[i]; i++) {
		char rel[512];

		snprintf(rel, sizeof(rel), "etc/default/grub.d/%s", names[i]);
		/* grub-mkconfig's `[ -e ]` skips dangling links. */
		if (sysroot_exists(root, rel) || file_override_find(ov, rel))
			r = read_one(root, ov, c, rel, d);
	}
	if (r < 0) {
		grub_config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int grub_cmdline(const struct grub_config *c, bool recovery, struct srcline *ret)
{
	const struct srcline *l = grub_var_get(c, "GRUB_CMDLINE_LINUX"),
			     *dflt = grub_var_get(c, "GRUB_CMDLINE_LINUX_DEFAULT");
	struct srcline out = {0};
	int r = 0;

	if (l)
		r = srcline_append_line(&out, l);
	if (r == 0 && !recovery && dflt && dflt->text.len) {
		/* 10_linux writes "${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}";
		 * the space only matters between two parts. */
		/* The separating space belongs to no file. */
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
