#include <errno.h>

#include "cmdline.h"
#include "fragment.h"
#include "kargsd.h"
#include "profile.h"
#include "strv.h"

static int put_arg(struct strbuf *b, const char *name, const char *value)
{
	_cleanup_free_ char *a = NULL;
	int r;

	/* The profile allowlist, checked again here: this is the last step before the
	 * text reaches root-run interpreters. An allowlisted pair needs no quoting. */
	if (!profile_key_is_safe(name, true) || (value && !profile_value_is_safe(value)))
		return -EINVAL;
	r = cmdline_arg_format(name, value, &a);
	if (r < 0)
		return r;
	return strbuf_puts(b, a);
}

static int header(struct strbuf *b, const char *profile)
{
	if (!profile_name_is_valid(profile))
		return -EINVAL;
	return strbuf_printf(
		b,
		"# Written by amdgpu-tune from profile %s.\n"
		"# Do not edit: 'amdgpu-tune apply', 'rollback' or 'remove' manage this file.\n",
		profile);
}

int fragment_grub(const char *profile, const struct plan *pl, char **ret)
{
	struct strbuf b = {0};
	int r = 0;

	if (!plan_sets(pl, WHERE_CMDLINE)) {
		*ret = NULL;
		return 0;
	}
	r = header(&b, profile);
	if (r == 0)
		/* Appends, so a cloud image's earlier assignment is kept; only the
		 * _DEFAULT variable, so recovery entries stay clean. */
		r = strbuf_puts(
			&b, "GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT}");
	for (size_t i = 0; r == 0 && i < pl->n_settings; i++) {
		const struct setting *s = &pl->settings[i];

		if (s->where != WHERE_CMDLINE)
			continue;
		r = strbuf_putc(&b, ' ');
		if (r == 0)
			r = put_arg(&b, s->name, s->value);
	}
	if (r == 0)
		r = strbuf_puts(&b, "\"\n");
	if (r < 0) {
		strbuf_done(&b);
		return r;
	}
	*ret = strbuf_steal(&b);
	return 0;
}

/* The plan's command-line arguments, each as put_arg() writes it, in plan order. */
static int cmdline_args(const struct plan *pl, char ***ret)
{
	_cleanup_strv_free_ char **args = NULL;
	int r = 0;

	for (size_t i = 0; r == 0 && i < pl->n_settings; i++) {
		const struct setting *s = &pl->settings[i];
		struct strbuf a = {0};

		if (s->where != WHERE_CMDLINE)
			continue;
		r = put_arg(&a, s->name, s->value);
		if (r == 0)
			r = strv_consume(&args, a.s);
		if (r < 0)
			strbuf_done(&a);
	}
	if (r == 0)
		*ret = TAKE_PTR(args);
	return r;
}

int fragment_bootc(const char *profile, const struct plan *pl, char **ret)
{
	_cleanup_strv_free_ char **args = NULL;
	struct strbuf head = {0};
	int r = 0;

	*ret = NULL;
	if (!plan_sets(pl, WHERE_CMDLINE))
		return 0;
	r = header(&head, profile);
	if (r == 0)
		r = cmdline_args(pl, &args);
	if (r == 0)
		r = kargsd_format(head.s, args, ret);
	strbuf_done(&head);
	return r;
}

int fragment_rpm_ostree(const char *profile, const struct plan *pl, const char *base,
			char **ret)
{
	_cleanup_strv_free_ char **have = NULL, **args = NULL;
	struct strbuf b = {0}, line = {0};
	int r = base ? strv_split_ws(base, &have) : 0;

	*ret = NULL;
	if (r == 0)
		r = cmdline_args(pl, &args);
	for (size_t i = 0; r == 0 && args && args[i]; i++)
		if (!(have && strv_contains(have, args[i])))
			r = strbuf_printf(&line, "%s%s", line.len ? " " : "", args[i]);
	if (r == 0 && line.len) {
		r = header(&b, profile);
		if (r == 0)
			r = strbuf_printf(
				&b,
				"# The kernel arguments it added to the next deployment with 'rpm-ostree kargs':\n%s\n",
				line.s);
		if (r == 0 && !(*ret = strbuf_steal(&b)))
			r = -ENOMEM;
	}
	strbuf_done(&line);
	strbuf_done(&b);
	return r;
}

int fragment_modprobe(const char *profile, const struct plan *pl, char **ret)
{
	struct strbuf b = {0};
	bool *done = calloc(pl->n_settings + 1, sizeof(bool));
	int r = 0;

	if (!done)
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < pl->n_settings; i++) {
		const struct setting *s = &pl->settings[i];

		if (s->where != WHERE_MODPROBE || done[i])
			continue;
		if (!b.s)
			r = header(&b, profile);
		if (r == 0 && !profile_key_is_safe(s->module, false))
			r = -EINVAL;
		if (r == 0)
			r = strbuf_printf(&b, "options %s", s->module);
		/* Every option of this module on one line, in plan order. */
		for (size_t j = i; r == 0 && j < pl->n_settings; j++) {
			const struct setting *t = &pl->settings[j];

			if (t->where != WHERE_MODPROBE || !streq(t->module, s->module))
				continue;
			done[j] = true;
			r = strbuf_putc(&b, ' ');
			if (r == 0)
				r = put_arg(&b, t->param, t->value);
		}
		if (r == 0)
			r = strbuf_putc(&b, '\n');
	}
	free(done);
	if (r < 0) {
		strbuf_done(&b);
		return r;
	}
	*ret = b.s ? strbuf_steal(&b) : NULL;
	return 0;
}

int fragment_kernel_cmdline(const char *existing, const struct plan *pl, char **ret)
{
	_cleanup_free_ struct cmdline_span *sp = NULL;
	struct cmdline *c = NULL;
	struct strbuf b = {0};
	size_t n = strlen(existing), n_sp = 0, k;
	int r;

	const char *init = NULL; /* " -- ..." : what the kernel hands to init */
	size_t init_len = 0;

	while (n && (existing[n - 1] == '\n' || existing[n - 1] == ' '))
		n--;
	/* Our arguments go before a bare "--" as parse_args() finds it, or init gets
	 * them. */
	r = strbuf_append(&b, existing, n);
	if (r == 0)
		r = cmdline_spans(b.s, &sp, &n_sp, &k);
	if (r == 0 && k < n) {
		while (k > 0 && cmdline_is_space(existing[k - 1]))
			k--;
		init = existing + k;
		init_len = n - k;
		b.s[b.len = k] = '\0';
	}
	if (r == 0)
		r = cmdline_parse(b.s, &c);
	for (size_t i = 0; r == 0 && i < pl->n_settings; i++) {
		const struct setting *s = &pl->settings[i];
		const struct cmdline_arg *a;

		if (s->where != WHERE_CMDLINE)
			continue;
		a = cmdline_find(c, s->name);
		if (a && streq_ptr(a->value, s->value))
			continue;
		if (b.len)
			r = strbuf_putc(&b, ' ');
		if (r == 0)
			r = put_arg(&b, s->name, s->value);
	}
	/* A line that starts with "--" has no blank before it to keep. */
	if (r == 0 && init && b.len && !cmdline_is_space(*init))
		r = strbuf_putc(&b, ' ');
	if (r == 0 && init)
		r = strbuf_append(&b, init, init_len);
	if (r == 0)
		r = strbuf_putc(&b, '\n');
	cmdline_free(c);
	if (r < 0) {
		strbuf_done(&b);
		return r;
	}
	*ret = strbuf_steal(&b);
	return 0;
}
