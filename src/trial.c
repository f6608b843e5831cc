/* The trial boot's record and what tells where a trial stands (trial.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "blsgrub.h"
#include "cmdline.h"
#include "profile.h"
#include "strv.h"
#include "sysroot.h"
#include "trial.h"

#define TRIAL_MAX ((size_t)64 * 1024)

void trial_free(struct trial *t)
{
	if (!t)
		return;
	free(t->id);
	free(t->profile);
	free(t->loader);
	free(t->kernel);
	strv_free(t->args);
	strv_free(t->drop);
	free(t);
}

static int bad(struct diag_list *d, const char *file, unsigned line, const char *what)
{
	int r = diag_add(d, DIAG_ERROR, file, line, "corrupt trial record: %s", what);

	return r < 0 ? r : -EBADMSG;
}

/* Sets *field to a copy of val once. */
static int once(char **field, const char *val, bool ok, struct diag_list *d,
		const char *file, unsigned line, const char *what)
{
	if (*field || !ok)
		return bad(d, file, line, what);
	*field = strdup(val);
	return *field ? 0 : -ENOMEM;
}

/* An argument as trial_args() writes one: a name of letters, digits, '_', '-' and at
 * most one '.' (module.param), then optionally '=' and a value of the characters
 * state_token_is_safe() allows. Nothing a path could be made of before the '='. */
static bool arg_ok(const char *a)
{
	size_t name = strcspn(a, "="), dots = 0;

	if (!name || strlen(a) > 2048 || a[0] == '-' || a[0] == '.' ||
	    !state_token_is_safe(a))
		return false;
	for (size_t i = 0; i < name; i++) {
		dots += a[i] == '.';
		if (!(a[i] == '.' || a[i] == '_' || a[i] == '-' ||
		      (a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'z') ||
		      (a[i] >= 'A' && a[i] <= 'Z')))
			return false;
	}
	return dots <= 1 && a[name - 1] != '.';
}

int trial_parse(const char *file, const char *buf, size_t len, struct trial **ret,
		struct diag_list *d)
{
	_cleanup_trial_ struct trial *t = calloc(1, sizeof(*t));
	_cleanup_free_ char *copy = strndup(buf, len);
	unsigned line = 0;
	bool version = false;
	char *key, *val;
	int r = 0;

	*ret = NULL;
	if (!t || !copy)
		return -ENOMEM;
	if (memchr(buf, '\0', len))
		return bad(d, file, 0, "NUL byte");
	for (char *cur = copy; r == 0 && next_key_value(&cur, &line, &key, &val) > 0;) {
		if (!val)
			return bad(d, file, line, "a key without a value");
		if (streq(key, "version")) {
			if (version || !streq(val, "1"))
				r = bad(d, file, line, "unknown or repeated version");
			version = true;
		} else if (streq(key, "id")) {
			r = once(&t->id, val,
				 *val && strlen(val) <= 20 &&
					 strspn(val, "0123456789") == strlen(val),
				 d, file, line, "invalid or repeated id");
		} else if (streq(key, "profile")) {
			r = once(&t->profile, val, profile_name_is_valid(val), d, file,
				 line, "invalid or repeated profile");
		} else if (streq(key, "loader")) {
			r = once(&t->loader, val,
				 strlen(val) < 32 && state_token_is_safe(val), d, file,
				 line, "invalid or repeated loader");
		} else if (streq(key, "kernel")) {
			r = once(&t->kernel, val, kernel_version_is_safe(val), d, file,
				 line, "invalid or repeated kernel");
		} else if (streq(key, "memory")) {
			if (t->has_memory || state_parse_bytes(val, &t->memory) < 0)
				r = bad(d, file, line, "invalid or repeated memory");
			t->has_memory = true;
		} else if (streq(key, "memory-from")) {
			enum memory_from f = memory_from_parse(val);

			if (!t->has_memory || t->memory_from || !f)
				r = bad(d, file, line,
					"invalid or repeated memory-from, or no memory before it");
			t->memory_from = f;
		} else if (streq(key, "arg")) {
			if (!arg_ok(val))
				r = bad(d, file, line,
					"an argument that apply never writes");
			else
				r = strv_push(&t->args, val);
		} else {
			r = bad(d, file, line, "unknown key");
		}
	}
	if (r < 0)
		return r;
	if (!version || !t->id || !t->profile || !t->loader || !t->args)
		return bad(d, file, 0, "version, id, profile, loader or arg missing");
	*ret = TAKE_PTR(t);
	return 0;
}

int trial_read(const struct sysroot *root, struct trial **ret, struct diag_list *d)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = state_path_trusted(root, TRIAL_FILE, d);

	*ret = NULL;
	if (r == 0)
		r = sysroot_read_file(root, TRIAL_FILE, TRIAL_MAX, true, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r == -EBADMSG || r == -ENOMEM)
		return r;
	if (r < 0) {
		r = diag_add(d, DIAG_ERROR, TRIAL_FILE, 0, "cannot read: %s",
			     read_error_text(-r));
		return r < 0 ? r : -EIO;
	}
	return trial_parse(TRIAL_FILE, buf, len, ret, d);
}

int trial_format(const struct trial *t, char **ret)
{
	_cleanup_strbuf_ struct strbuf b = {0};

	strbuf_printf(
		&b,
		"# amdgpu-tune: a trial boot ('apply --trial'); 'amdgpu-tune confirm' keeps it,\n"
		"# 'amdgpu-tune remove --trial' ends it. Do not edit.\n"
		"version 1\nid %s\nprofile %s\nloader %s\n",
		t->id, t->profile, t->loader);
	if (t->has_memory)
		strbuf_printf(&b, "memory %" PRIu64 "\n", t->memory);
	if (t->has_memory && t->memory_from)
		strbuf_printf(&b, "memory-from %s\n", memory_from_name(t->memory_from));
	if (t->kernel)
		strbuf_printf(&b, "kernel %s\n", t->kernel);
	for (size_t i = 0; t->args && t->args[i]; i++) {
		if (!state_token_is_safe(t->args[i]))
			return -EINVAL;
		strbuf_printf(&b, "arg %s\n", t->args[i]);
	}
	if (strbuf_error(&b))
		return strbuf_error(&b);
	*ret = strbuf_steal(&b);
	return 0;
}

int trial_args(const struct plan *pl, char ***ret, struct diag_list *d)
{
	_cleanup_strv_free_ char **args = NULL;
	int r = 0;

	*ret = NULL;
	for (size_t i = 0; r == 0 && i < pl->n_settings; i++) {
		const struct setting *s = &pl->settings[i];
		_cleanup_free_ char *a = NULL;

		r = cmdline_arg_format(s->name, s->value, &a);
		if (r == -EINVAL || (r == 0 && !state_token_is_safe(a)))
			r = diag_error(
				d, -EINVAL, s->file, s->line,
				"%s%s%s cannot go on a trial entry's command line: apply --trial writes only letters, digits and \"_.,:+/=-\"",
				s->name, s->value ? "=" : "", s->value ? s->value : "");
		if (r == 0)
			r = strv_push(&args, a);
	}
	if (r == 0 && !args)
		r = diag_error(
			d, -EINVAL, NULL, 0,
			"the profile sets nothing on this machine: nothing to try");
	if (r == 0)
		*ret = TAKE_PTR(args);
	return r;
}

const char *trial_marker(const struct trial *t, char buf[static 64])
{
	snprintf(buf, 64, "%s=%s", TRIAL_MARKER, t->id);
	return buf;
}

bool words_have(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = text; (p = strstr(p, word)); p += n)
		if ((p == text || strchr(" \t\n", p[-1])) && strchr(" \t\n", p[n]))
			return true;
	return false;
}

bool trial_on_cmdline(const char *text, const struct trial *t)
{
	char marker[64];

	return words_have(text, trial_marker(t, marker));
}

int trial_booted(const struct sysroot *root, const struct trial *t)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = sysroot_read_file(root, "proc/cmdline", (size_t)64 * 1024, true, &text,
				  &len);

	return r < 0 ? r : trial_on_cmdline(text, t);
}

int grubenv_next_entry(const struct sysroot *root, char **ret)
{
	_cleanup_free_ char *text = NULL;
	struct grubenv env = {0};
	const char *v;
	size_t len;
	int r = sysroot_read_file(root, "boot/grub/grubenv", (size_t)64 * 1024, true,
				  &text, &len);

	*ret = NULL;
	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = grubenv_parse(text, len, &env);
	if (r < 0)
		return r;
	v = grubenv_get(&env, "next_entry");
	if (v && *v && !(*ret = strdup(v)))
		r = -ENOMEM;
	grubenv_done(&env);
	return r;
}

bool trial_selection_left(const struct sysroot *root, const struct boot_backend *loader)
{
	/* Not read (a grubenv that is no environment block, an I/O error): taken back
	 * anyway, which changes nothing when the trial was not selected. */
	return loader && loader->trial_selected && loader->trial_selected(root) != 0;
}

int grubcfg_trial_args(const char *text, char ***ret)
{
	static const char id[] = "--id " TRIAL_ENTRY_ID " {";
	const char *l = text, *e;
	bool in = false;

	*ret = NULL;
	for (; *l; l = e ? e + 1 : l + strlen(l)) {
		_cleanup_free_ char *line = NULL;
		char *w, *save = NULL;

		e = strchr(l, '\n');
		line = strndup(l, e ? (size_t)(e - l) : strlen(l));
		if (!line)
			return -ENOMEM;
		w = line + strspn(line, " \t");
		if (!in) {
			in = strncmp(w, "menuentry ", 10) == 0 && strstr(w, id);
		} else if (*w == '}') {
			return 0;
		} else if (strncmp(w, "linux", 5) == 0 && strchr(" \t", w[5])) {
			/* The kernel's path, then the arguments. */
			strtok_r(w, " \t", &save);
			strtok_r(NULL, " \t", &save);
			while ((w = strtok_r(NULL, " \t", &save)))
				if (strv_push(ret, w) < 0)
					return -ENOMEM;
			return 0;
		}
		if (!e)
			break;
	}
	return 0;
}
