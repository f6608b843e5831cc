#include <errno.h>
#include <inttypes.h>
#include <sha2.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "cmdline.h"
#include "profile.h"
#include "state.h"
#include "strv.h"
#include "snapshot.h"
#include "sysroot.h"

#define STATE_MAX ((size_t)64 * 1024)

void state_free(struct state *s)
{
	if (!s)
		return;
	free(s->profile);
	for (size_t i = 0; i < s->n_files; i++) {
		free(s->files[i].path);
		free(s->files[i].sha256);
	}
	free(s->files);
	strv_free(s->tokens);
	free(s->tokens_in);
	free(s->kernel);
	plan_free(s->applied);
	free(s);
}

const char *state_tokens_file(const struct state *s)
{
	return s && s->tokens_in ? s->tokens_in : KERNEL_CMDLINE;
}

static bool is_hex64(const char *s)
{
	size_t n = 0;

	for (; (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'); s++)
		n++;
	return n == 64 && !*s;
}

static int bad(struct diag_list *d, const char *file, unsigned line, const char *what)
{
	int r = diag_add(d, DIAG_ERROR, file, line, "corrupt state: %s", what);

	return r < 0 ? r : -EBADMSG;
}

/* A byte count as we write it: decimal, no sign, no leading zero, not zero. */
int state_parse_bytes(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p = s;

	if (*s < '1' || *s > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* A directory name under lib/modules as --kernel takes it: letters, digits and "._+~-",
 * not starting with a dot, at most 200 bytes (what the facts reader looks at). */
bool kernel_version_is_safe(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 200 && s[0] != '.' &&
	       strspn(s,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+~-") ==
		       n;
}

/* "WHERE MODULE PARAM[=VALUE]": the allowlist of profiles for every part, as the
 * fragments were written from them; a kernel parameter (MODULE '-') only on the command
 * line; a name only once. */
static int parse_setting(struct state *s, char *val, const char *file, unsigned line,
			 struct diag_list *d)
{
	char *module, *param, *value;
	enum where where;

	module = strchr(val, ' ');
	param = module ? strchr(module + 1, ' ') : NULL;
	if (!param || strchr(param + 1, ' '))
		return bad(d, file, line, "a setting is WHERE MODULE PARAM[=VALUE]");
	*module++ = '\0';
	*param++ = '\0';
	value = strchr(param, '=');
	if (value)
		*value++ = '\0';
	if (streq(val, "cmdline"))
		where = WHERE_CMDLINE;
	else if (streq(val, "modprobe"))
		where = WHERE_MODPROBE;
	else
		return bad(d, file, line, "a setting goes to cmdline or modprobe");
	if (streq(module, "-"))
		module = NULL;
	if ((module && !profile_key_is_safe(module, false)) ||
	    (!module && where == WHERE_MODPROBE) ||
	    !profile_key_is_safe(param, !module) ||
	    (value && !profile_value_is_safe(value)))
		return bad(d, file, line, "invalid setting");
	if (!s->applied && !(s->applied = calloc(1, sizeof(*s->applied))))
		return -ENOMEM;
	if (plan_append(s->applied, module, param, value, where) < 0)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < s->applied->n_settings; i++)
		if (streq(s->applied->settings[i].name,
			  s->applied->settings[s->applied->n_settings - 1].name))
			return bad(d, file, line, "repeated setting");
	return 0;
}

/* A token is one command-line setting as apply spells it (cmdline_arg_format()), its
 * name and value within the allowlist parse_setting() holds a recorded one to, and no
 * name twice. This is the whole check of a version 1 state, which records no settings;
 * version 2 also requires it to be one of the settings it records (state_parse()). */
static int parse_token(const struct state *s, const char *val, const char *file,
		       unsigned line, struct diag_list *d)
{
	struct cmdline *c = NULL;
	_cleanup_free_ char *again = NULL;
	bool ok;
	int r = cmdline_parse(val, &c);

	if (r < 0)
		return r;
	ok = c->n_args == 1 && !c->init_args &&
	     profile_key_is_safe(c->args[0].name, true) &&
	     (!c->args[0].value || profile_value_is_safe(c->args[0].value));
	if (ok) {
		r = cmdline_arg_format(c->args[0].name, c->args[0].value, &again);
		ok = r == 0 && streq(again, val);
		r = r == -ENOMEM ? r : 0;
	}
	for (size_t i = 0; r == 0 && ok && s->tokens && s->tokens[i]; i++) {
		struct cmdline *o = NULL;

		r = cmdline_parse(s->tokens[i], &o);
		if (r == 0 && o->n_args == 1 &&
		    cmdline_name_equal(o->args[0].name, c->args[0].name)) {
			cmdline_free(o);
			cmdline_free(c);
			return bad(d, file, line, "repeated token");
		}
		cmdline_free(o);
	}
	cmdline_free(c);
	if (r < 0)
		return r;
	return ok ? 0
		  : bad(d, file, line,
			"a token that is no command-line setting as apply writes it");
}

int state_parse(const char *file, const char *buf, size_t len, struct state **ret,
		struct diag_list *d)
{
	struct state *s = calloc(1, sizeof(*s));
	char *copy = strndup(buf, len);
	unsigned line = 0, version = 0, v2_line = 0;
	const char *v2_key = NULL;
	int r = 0;

	if (!s || !copy) {
		free(copy);
		state_free(s);
		return -ENOMEM;
	}
	if (memchr(buf, '\0', len))
		r = bad(d, file, 0, "NUL byte");
	for (char *cur = copy, *key, *val, *val2;
	     r == 0 && next_key_value(&cur, &line, &key, &val) > 0;) {
		if (!val) {
			r = bad(d, file, line, "a key without a value");
			break;
		}
		if (streq(key, "memory") || streq(key, "memory-from") ||
		    streq(key, "kernel") || streq(key, "setting")) {
			/* The record of version 2; refused in a version 1 file below. */
			if (!v2_line) {
				v2_line = line;
				v2_key = streq(key, "memory")	     ? "memory"
					 : streq(key, "memory-from") ? "memory-from"
					 : streq(key, "kernel")	     ? "kernel"
								     : "setting";
			}
		}
		if (streq(key, "version")) {
			if ((!streq(val, "1") && !streq(val, "2")) || version)
				r = bad(d, file, line, "unknown or repeated version");
			version = val[0] == '2' ? 2 : 1;
		} else if (streq(key, "memory")) {
			if (s->has_memory || state_parse_bytes(val, &s->memory) < 0)
				r = bad(d, file, line, "invalid or repeated memory");
			s->has_memory = true;
		} else if (streq(key, "memory-from")) {
			/* What the memory line says where it came from: after it. */
			enum memory_from f = memory_from_parse(val);

			if (!s->has_memory || s->memory_from || !f)
				r = bad(d, file, line,
					"invalid or repeated memory-from, or no memory before it");
			s->memory_from = f;
		} else if (streq(key, "kernel")) {
			if (s->kernel || !kernel_version_is_safe(val))
				r = bad(d, file, line, "invalid or repeated kernel");
			else if (!(s->kernel = strdup(val)))
				r = -ENOMEM;
		} else if (streq(key, "setting")) {
			r = parse_setting(s, val, file, line, d);
		} else if (streq(key, "profile")) {
			if (s->profile || !profile_name_is_valid(val))
				r = bad(d, file, line, "invalid or repeated profile");
			else if (!(s->profile = strdup(val)))
				r = -ENOMEM;
		} else if (streq(key, "file")) {
			struct state_file *f;

			val2 = strchr(val, ' ');
			if (!val2) {
				r = bad(d, file, line, "file without a checksum");
				break;
			}
			*val2++ = '\0';
			if (!rel_path_is_safe(val) || !is_hex64(val2)) {
				r = bad(d, file, line, "invalid file entry");
				break;
			}
			if (ARRAY_GROW(s->files, s->n_files) < 0) {
				r = -ENOMEM;
				break;
			}
			f = &s->files[s->n_files++];
			*f = (struct state_file){strdup(val), strdup(val2)};
			if (!f->path || !f->sha256)
				r = -ENOMEM;
		} else if (streq(key, "tokens-in")) {
			/* One of the files whose tokens alone are ours. */
			const struct managed_file *m = managed_file_lookup(val);

			if (s->tokens_in || !m || m->kind != MANAGED_CMDLINE ||
			    m->hand_edit)
				r = bad(d, file, line, "invalid or repeated tokens-in");
			else if (!(s->tokens_in = strdup(val)))
				r = -ENOMEM;
		} else if (streq(key, "token")) {
			/* An argument apply added to etc/kernel/cmdline: one allowlisted
			 * token, nothing an interpreter could read twice. */
			if (!*val || strpbrk(val, " \t\"\\") || !state_token_is_safe(val))
				r = bad(d, file, line, "invalid token");
			else
				r = parse_token(s, val, file, line, d);
			if (r == 0 && strv_push(&s->tokens, val) < 0)
				r = -ENOMEM;
		} else {
			r = bad(d, file, line, "unknown key");
		}
	}
	if (r == 0 && (!version || !s->profile))
		r = bad(d, file, 0, "no version or no profile");
	if (r == 0 && version == 1 && v2_line) {
		struct strbuf m = {0};

		r = strbuf_printf(&m, "%s in a version 1 state", v2_key);
		r = r < 0 ? r : bad(d, file, v2_line, m.s);
		strbuf_done(&m);
	}
	/* Version 2 records the settings, even when there are none. */
	if (r == 0 && version == 2 && !s->applied &&
	    !(s->applied = calloc(1, sizeof(*s->applied))))
		r = -ENOMEM;
	/* remove takes the tokens away from etc/kernel/cmdline: in version 2 each must be
	 * exactly a command-line setting recorded as written, so no forged "token
	 * root=..." can strip what the system boots with. */
	for (size_t i = 0; r == 0 && version == 2 && s->tokens && s->tokens[i]; i++) {
		bool found = false;

		for (size_t k = 0; r == 0 && !found && k < s->applied->n_settings; k++) {
			const struct setting *st = &s->applied->settings[k];
			_cleanup_free_ char *a = NULL;

			if (st->where != WHERE_CMDLINE)
				continue;
			r = cmdline_arg_format(st->name, st->value, &a);
			if (r == -ENOMEM)
				break;
			found = r == 0 && streq(a, s->tokens[i]);
			r = 0;
		}
		if (r == 0 && !found)
			r = bad(d, file, 0,
				"a token that is no setting the state records as written");
	}
	free(copy);
	if (r < 0) {
		state_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

static int untrusted(const char *rel, const char *what, struct diag_list *d)
{
	return diag_error(
		d, -EBADMSG, rel, 0,
		"not trusted: %s; amdgpu-tune reads its state only from files only root (or, with --root, you) can write. Check who changed it, then fix its owner and mode or remove it",
		what);
}

int state_path_trusted(const struct sysroot *root, const char *rel, struct diag_list *d)
{
	_cleanup_free_ char *at = NULL;
	char why[96];
	int r = sysroot_path_trusted(root, STATE_DIR, rel, &at, why);

	if (r == -EPERM)
		return untrusted(at, why, d);
	if (r < 0 && r != -ENOENT && r != -ENOMEM && r != -EINVAL)
		return diag_error(d, -EBADMSG, at ? at : rel, 0, "cannot read: %s",
				  read_error_text(-r));
	return r;
}

int state_read(const struct sysroot *root, struct state **ret, struct diag_list *d)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = state_path_trusted(root, STATE_FILE, d);

	*ret = NULL;
	if (r == 0)
		r = sysroot_read_file(root, STATE_FILE, STATE_MAX, true, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r == -EBADMSG)
		return r;
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		r = diag_add(d, DIAG_ERROR, STATE_FILE, 0, "cannot read: %s",
			     read_error_text(-r));
		return r < 0 ? r : -EIO;
	}
	return state_parse(STATE_FILE, buf, len, ret, d);
}

bool state_token_is_safe(const char *t)
{
	if (*t == '-')
		return false;
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
		      (*t >= '0' && *t <= '9') || strchr("_.,:+/=-", *t)))
			return false;
	return true;
}

const char *state_sha_of(const struct state *s, const char *path)
{
	for (size_t i = 0; s && i < s->n_files; i++)
		if (streq(s->files[i].path, path))
			return s->files[i].sha256;
	return NULL;
}

void sha256_hex(const void *data, size_t len, char out[static 65])
{
	SHA2_CTX ctx;

	SHA256Init(&ctx);
	SHA256Update(&ctx, data, len);
	SHA256End(&ctx, out);
}

const char *memory_from_name(enum memory_from f)
{
	static const char *const names[] = {
		[MEMORY_FROM_OPTION] = "option",
		[MEMORY_FROM_ASSUMED] = "assumed",
		[MEMORY_FROM_MEMINFO] = "meminfo",
	};

	return names[f];
}

enum memory_from memory_from_parse(const char *name)
{
	for (enum memory_from k = MEMORY_FROM_OPTION; k <= MEMORY_FROM_MEMINFO; k++)
		if (streq(name, memory_from_name(k)))
			return k;
	return MEMORY_FROM_UNKNOWN;
}

int state_format(const struct state *s, char **ret)
{
	struct strbuf b = {0};
	int r = strbuf_printf(&b,
			      "# amdgpu-tune: what the last apply wrote. Do not edit.\n"
			      "version %d\nprofile %s\n",
			      s->applied ? 2 : 1, s->profile);

	if (r == 0 && s->applied && s->has_memory)
		r = strbuf_printf(&b, "memory %" PRIu64 "\n", s->memory);
	if (r == 0 && s->applied && s->has_memory && s->memory_from)
		r = strbuf_printf(&b, "memory-from %s\n",
				  memory_from_name(s->memory_from));
	if (r == 0 && s->applied && s->kernel)
		r = kernel_version_is_safe(s->kernel)
			    ? strbuf_printf(&b, "kernel %s\n", s->kernel)
			    : -EINVAL;
	for (size_t i = 0; r == 0 && s->applied && i < s->applied->n_settings; i++) {
		const struct setting *t = &s->applied->settings[i];

		/* What the reader accepts, so that a state we write is always read. */
		if ((t->module && !profile_key_is_safe(t->module, false)) ||
		    (!t->module && t->where == WHERE_MODPROBE) ||
		    !profile_key_is_safe(t->param, !t->module) ||
		    (t->value && !profile_value_is_safe(t->value))) {
			r = -EINVAL;
			break;
		}
		r = strbuf_printf(&b, "setting %s %s %s%s%s\n",
				  t->where == WHERE_CMDLINE ? "cmdline" : "modprobe",
				  t->module ? t->module : "-", t->param,
				  t->value ? "=" : "", t->value ? t->value : "");
	}
	for (size_t i = 0; r == 0 && i < s->n_files; i++)
		r = strbuf_printf(&b, "file %s %s\n", s->files[i].path,
				  s->files[i].sha256);
	/* Absent for etc/kernel/cmdline, as an older amdgpu-tune wrote it. */
	if (r == 0 && s->tokens && s->tokens[0] && s->tokens_in &&
	    !streq(s->tokens_in, KERNEL_CMDLINE))
		r = strbuf_printf(&b, "tokens-in %s\n", s->tokens_in);
	for (size_t i = 0; r == 0 && s->tokens && s->tokens[i]; i++)
		r = strbuf_printf(&b, "token %s\n", s->tokens[i]);
	if (r < 0) {
		strbuf_done(&b);
		return r;
	}
	*ret = strbuf_steal(&b);
	return 0;
}
