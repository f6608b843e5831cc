/* The operations the read-only commands and apply build on: loading and resolving a
 * profile, planning it for the machine, matching GPUs to profiles, and comparing a
 * plan with the boot configuration on disk and the running kernel. */
#include <inttypes.h>
#include <stdio.h>

#include "fragment.h"
#include "health.h"
#include "ops.h"
#include "profiledir.h"
#include "size.h"
#include "strv.h"
#include "sysroot.h"
#include "txn.h"

bool looks_like_path(const char *arg)
{
	size_t n = strlen(arg);

	return strchr(arg, '/') || (n > 5 && streq(arg + n - 5, ".conf"));
}

/* Loads and resolves a profile given by name (search path) or by path (check FILE). */
static int load_profile(struct sysroot *root, const char *arg, struct profile **ret,
			struct diag_list *d)
{
	_cleanup_free_ char *file = NULL, *buf = NULL, *name = NULL;
	_cleanup_profile_free_ struct profile *top = NULL;
	size_t len = 0;
	int r;

	if (looks_like_path(arg)) {
		const char *base = strrchr(arg, '/');
		size_t n;

		base = base ? base + 1 : arg;
		n = strlen(base);
		name = strndup(base, n > 5 && streq(base + n - 5, ".conf") ? n - 5 : n);
		file = strdup(arg);
		if (!name || !file)
			return -ENOMEM;
		r = read_host_file(arg, PROFILE_MAX_BYTES + 1, &buf, &len);
		if (r < 0) {
			return diag_error(d, r == -ENOENT ? -ENOENT : -EIO, arg, 0,
					  "cannot read: %s", read_error_text(-r));
		}
	} else {
		name = strdup(arg);
		if (!name)
			return -ENOMEM;
		r = profiledir_load(root, arg, &file, &buf, &len, d);
		if (r < 0)
			return r;
	}
	r = profile_parse(name, file, buf, len, &top, d);
	if (r < 0)
		return r;
	return profile_resolve(top, profiledir_load, root, ret, d);
}

int parse_named(struct sysroot *root, const char *name, struct profile **ret,
		struct diag_list *d)
{
	_cleanup_free_ char *file = NULL, *buf = NULL;
	size_t len = 0;
	int r = profiledir_load(root, name, &file, &buf, &len, d);

	return r < 0 ? r : profile_parse(name, file, buf, len, ret, d);
}

/* The module names a profile has sections for, for the facts reader. */
static int profile_modules(const struct profile *p, char ***ret)
{
	char **v = calloc(1, sizeof(char *));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_sections; i++)
		if (p->sections[i].kind == PSECTION_MODULE &&
		    strv_push(&v, p->sections[i].module) < 0) {
			strv_free(v);
			return -ENOMEM;
		}
	*ret = v;
	return 0;
}

void planned_done(struct planned *p)
{
	plan_free(p->plan);
	machine_facts_free(p->facts);
	profile_free(p->profile);
}

/* --memory is an assumption for a root without proc/meminfo. Where the root (or this
 * machine, live) says how much RAM it has, a different --memory plans for another
 * machine: said by every command that plans, and refused by apply (writes) unless
 * --force. 0, or -errno from diag_add. */
static int check_memory(const struct plan_request *o, const struct machine_facts *m,
			const char *profile, bool writes, struct diag_list *d)
{
	char have[32];

	if (!m->mem_from_option || !m->mem_machine_known ||
	    m->mem_machine == m->mem_total)
		return 0;
	format_gib(m->mem_machine, have);
	/* reapply of a plan made for a --memory that apply accepted: the same input
	 * again, said, never refused (a kernel hook has no one to add --force). */
	if (o->memory_replayed) {
		char planned[32];

		format_gib(m->mem_total, planned);
		return diag_warning(
			d, NULL, 0,
			"planned for %s of RAM again, the %s recorded at apply; this machine's MemTotal is %s (proc/meminfo): 'amdgpu-tune apply %s' plans for it",
			planned,
			o->memory_replayed_from == MEMORY_FROM_OPTION ? "--memory"
								      : "size",
			have, profile);
	}
	/* MemTotal is the installed RAM less what the firmware, the GPU carve-out and the
	 * kernel keep: a --memory of the installed size (at most 1/16 above MemTotal) is
	 * the same machine, said but not refused. */
	if (writes && !o->force &&
	    (m->mem_total < m->mem_machine ||
	     m->mem_total - m->mem_machine > m->mem_machine / 16))
		return diag_add(
			d, DIAG_ERROR, NULL, 0,
			"--memory %s differs from this machine's MemTotal %s (proc/meminfo): apply plans for the machine it writes to; drop --memory, or --force to apply for %s anyway",
			o->memory_arg, have, o->memory_arg);
	return diag_warning(
		d, NULL, 0,
		"--memory %s differs from this machine's MemTotal %s (proc/meminfo): planned for %s%s",
		o->memory_arg, have, o->memory_arg,
		writes ? " (accepted with --force)" : ", not for this machine");
}

int make_plan(struct sysroot *root, const struct plan_request *o, const char *arg,
	      bool writes, struct planned *p, struct diag_list *d)
{
	_cleanup_strv_free_ char **mods = NULL;
	struct plan_options po = {.force = o->force};
	int r;

	r = load_profile(root, arg, &p->profile, d);
	if (r < 0)
		return r;
	r = profile_modules(p->profile, &mods);
	if (r < 0)
		return r;
	r = machine_facts_read(root, o->memory, o->kernel, mods, &p->facts, d);
	if (r == 0)
		r = check_memory(o, p->facts, arg, writes, d);
	if (r < 0)
		return r;
	r = plan_build(p->profile, p->facts, &po, &p->plan, d);
	diag_sort(d);
	return r;
}

/* A profile's match names the GPU by its PCI id ("1002:DEVICE") or its gfx target. */
static bool profile_matches_gpu(const struct profile *p, const struct gpu *g)
{
	char id[16];

	snprintf(id, sizeof(id), "1002:%04x", g->device);
	return strv_contains(p->match, id) || (g->gfx && strv_contains(p->match, g->gfx));
}

int match_profiles(struct sysroot *root, const struct gpu *gpus, size_t n_gpus,
		   char ***ret)
{
	struct profile_file *l = NULL;
	char **per = calloc(n_gpus + 1, sizeof(char *));
	size_t n = 0;
	int r;

	if (!per)
		return -ENOMEM;
	r = n_gpus ? profiledir_list(root, &l, &n) : 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct diag_list d = {0};
		_cleanup_profile_free_ struct profile *p = NULL;

		if (parse_named(root, l[i].name, &p, &d) < 0) {
			diag_list_done(&d);
			continue;
		}
		diag_list_done(&d);
		for (size_t g = 0; r == 0 && g < n_gpus; g++) {
			struct strbuf b = {0};

			if (!profile_matches_gpu(p, &gpus[g]))
				continue;
			if (strbuf_printf(&b, "%s%s%s", per[g] ? per[g] : "",
					  per[g] ? "," : "", l[i].name) < 0) {
				r = -ENOMEM;
				break;
			}
			free(per[g]);
			per[g] = b.s;
		}
	}
	profiledir_list_free(l, n);
	if (r < 0) {
		strv_free(per);
		return r;
	}
	*ret = per;
	return 0;
}

void free_per_gpu(char **per, size_t n)
{
	for (size_t i = 0; per && i < n; i++)
		free(per[i]);
	free(per);
}

int warn_gpu_absent(struct sysroot *root, const struct profile *p, struct diag_list *d)
{
	_cleanup_strbuf_ struct strbuf want = {0}, have = {0};
	struct gpu *gpus = NULL;
	size_t n = 0;
	bool found = false;
	int r;

	if (!p || !p->match || !p->match[0])
		return 0;
	r = gpus_read(root, &gpus, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && !found; i++)
		found = profile_matches_gpu(p, &gpus[i]);
	for (size_t i = 0; r == 0 && !found && p->match[i]; i++)
		r = strbuf_printf(&want, "%s%s", i ? ", " : "", p->match[i]);
	for (size_t i = 0; r == 0 && !found && i < n; i++)
		r = strbuf_printf(&have, "%s%s 1002:%04x %s", i ? ", " : "",
				  gpus[i].gfx ? gpus[i].gfx : "unknown", gpus[i].device,
				  gpus[i].pci);
	gpus_free(gpus, n);
	if (r < 0 || found)
		return r;
	return diag_warning(d, NULL, 0, "the profile is for %s GPUs; %s has %s%s", want.s,
			    sysroot_is_live(root) ? "this machine" : "the tree",
			    n ? "only " : "no AMD GPU",
			    n ? have.s : " (under sys/bus/pci/devices)");
}

void pick_done(struct pick *p)
{
	free(p->name);
	free(p->why);
}

int pick_profile(struct sysroot *root, struct pick *ret)
{
	struct gpu *gpus = NULL;
	char **per = NULL;
	const char *picked = NULL;
	size_t n_gpus = 0;
	struct strbuf why = {0};
	bool several = false;
	int r;

	*ret = (struct pick){.outcome = PICK_NO_GPU};
	r = gpus_read(root, &gpus, &n_gpus);
	if (r < 0 || n_gpus == 0) {
		gpus_free(gpus, n_gpus);
		return r;
	}
	r = match_profiles(root, gpus, n_gpus, &per);
	if (r < 0) {
		gpus_free(gpus, n_gpus);
		return r;
	}
	for (size_t g = 0; r == 0 && g < n_gpus; g++) {
		if (!per[g])
			continue;
		several |= strchr(per[g], ',') || (picked && !streq(picked, per[g]));
		if (!picked)
			picked = per[g];
		r = strbuf_printf(&why, "%s%s (%s 1002:%04x %s)", why.len ? ", " : "",
				  per[g], gpus[g].pci, gpus[g].device,
				  gpus[g].gfx ? gpus[g].gfx : "unknown gfx");
	}
	if (r == 0 && !picked) {
		for (size_t g = 0; r == 0 && g < n_gpus; g++)
			r = strbuf_printf(
				&why, " %s 1002:%04x (%s)", gpus[g].pci, gpus[g].device,
				gpus[g].gfx ? gpus[g].gfx : "unknown gfx target");
		ret->outcome = PICK_NO_MATCH;
		ret->n_gpus = n_gpus;
	} else if (r == 0) {
		ret->outcome = several ? PICK_SEVERAL : PICK_ONE;
		if (!several && !(ret->name = strdup(picked)))
			r = -ENOMEM;
	}
	if (r == 0)
		ret->why = strbuf_steal(&why);
	strbuf_done(&why);
	free_per_gpu(per, n_gpus);
	gpus_free(gpus, n_gpus);
	if (r < 0)
		pick_done(ret);
	return r;
}

void compared_done(struct compared *c)
{
	strv_free(c->notes);
	free(c->file_owned);
	state_free(c->state);
	free(c->kcmd_base);
	layers_free(c->layers);
	boot_facts_free(c->after);
	boot_facts_free(c->now);
	for (size_t i = 0; i < c->n_files; i++) {
		free(c->files[i].old);
		free(c->files[i].data);
	}
	free(c->files);
	planned_done(&c->planned);
}

/* read_managed(), with the length read in *len. */
static int read_managed_len(struct sysroot *root, const char *rel, char **ret,
			    size_t *len, struct diag_list *d)
{
	int r = sysroot_read_file(root, rel, PROFILE_MAX_BYTES, true, ret, len);

	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0 && r != -ENOMEM)
		return diag_error(d, -EINVAL, rel, 0, "cannot read: %s",
				  read_error_text(-r));
	return r;
}

int read_managed(struct sysroot *root, const char *rel, char **ret, struct diag_list *d)
{
	size_t len;

	return read_managed_len(root, rel, ret, &len, d);
}

int read_managed_text(struct sysroot *root, const char *rel, char **ret,
		      struct diag_list *d)
{
	size_t len = 0;
	int r = read_managed_len(root, rel, ret, &len, d);

	if (r == 0 && *ret && memchr(*ret, '\0', len)) {
		free(*ret);
		*ret = NULL;
		return diag_error(
			d, -EINVAL, rel, 0,
			"a NUL byte: amdgpu-tune adds its arguments to a text file only, and would lose what follows it");
	}
	return r;
}

/* Adds rel's change to c, taking new_text (also on failure). */
static int add_file(struct sysroot *root, struct compared *c, const char *rel,
		    char *new_text, struct diag_list *d)
{
	struct file_change *f;

	if (ARRAY_GROW(c->files, c->n_files) < 0) {
		free(new_text);
		return -ENOMEM;
	}
	f = &c->files[c->n_files++];
	*f = (struct file_change){.path = rel,
				  .present = new_text != NULL,
				  .data = new_text,
				  .len = new_text ? strlen(new_text) : 0,
				  .mode = 0644};
	return read_managed(root, rel, &f->old, d);
}

/* The last file added, another backend's file of ours that apply would take away,
 * left out when it is not there: nothing to do or show. */
static void drop_if_absent(struct compared *c)
{
	const struct file_change *f = &c->files[c->n_files - 1];

	if (!f->old && !f->present)
		c->n_files--;
}

bool managed_file_ours(const struct boot_backend *loader, const struct state *st,
		       const struct managed_file *m)
{
	const char *own = backend_modprobe_path(loader);
	const struct boot_backend *owner;

	if (m == loader->cmdline || (st && state_sha_of(st, m->path)))
		return true;
	if (m->kind == MANAGED_MODPROBE)
		return streq(m->path, own) ||
		       (strncmp(m->path, "etc/", 4) == 0 && strncmp(own, "etc/", 4) != 0);
	owner = backend_for_cmdline_file(m->path, NULL);
	return m->hand_edit && owner && !owner->image_build;
}

int strip_tokens(const char *cur, char *const *tokens, char **ret)
{
	_cleanup_free_ struct cmdline_span *sp = NULL;
	_cleanup_free_ bool *used = NULL, *drop = NULL;
	struct strbuf b = {0};
	size_t n = 0, init, kept = 0, last = 0;
	int r;

	if (!tokens || !tokens[0]) {
		*ret = strdup(cur);
		return *ret ? 0 : -ENOMEM;
	}
	r = cmdline_spans(cur, &sp, &n, &init);
	if (r < 0)
		return r;
	used = calloc(strv_length(tokens) + 1, sizeof(*used));
	drop = calloc(n + 1, sizeof(*drop));
	if (!used || !drop)
		return -ENOMEM;
	/* apply inserted its tokens before a bare "--" (what follows is init's, never
	 * ours): of a token the user also wrote earlier, the one to drop is the last,
	 * or the effective value would flip. A token is ours only spelt exactly as the
	 * state records it. */
	for (size_t i = n; i-- > 0;)
		for (size_t k = 0; !drop[i] && tokens[k]; k++)
			if (!used[k] && sp[i].end - sp[i].start == strlen(tokens[k]) &&
			    memcmp(cur + sp[i].start, tokens[k], strlen(tokens[k])) == 0)
				drop[i] = used[k] = true;
	/* Every other byte stays: the blanks before the first argument, each kept
	 * argument with the blanks that followed the kept one before it (apply put
	 * " TOKEN" after an argument of the user's), and everything after the last
	 * argument (blanks, a "--" and init's arguments, the final newline). */
	r = strbuf_append(&b, cur, n ? sp[0].start : strlen(cur));
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (drop[i])
			continue;
		if (kept++)
			r = strbuf_append(&b, cur + sp[last].end,
					  sp[last + 1].start - sp[last].end);
		if (r == 0)
			r = strbuf_append(&b, cur + sp[i].start, sp[i].end - sp[i].start);
		last = i;
	}
	/* With none kept and a "--", that "--" comes first again, as before apply. */
	if (r == 0 && n)
		r = kept || init == strlen(cur)
			    ? strbuf_append(&b, cur + sp[n - 1].end,
					    strlen(cur + sp[n - 1].end))
			    : strbuf_append(&b, cur + init, strlen(cur + init));
	if (r < 0) {
		strbuf_done(&b);
		return r;
	}
	*ret = strbuf_steal(&b);
	return *ret ? 0 : -ENOMEM;
}

/* Whether every token is a word of the part of text that b edits. */
static bool span_has_all(const struct boot_backend *b, const char *text,
			 char *const *tokens)
{
	_cleanup_strv_free_ char **w = NULL;
	_cleanup_free_ char *part = NULL;
	struct diag_list quiet = {0};
	size_t start = 0, end = strlen(text);
	int r = b->cmdline_span ? b->cmdline_span(text, &start, &end, &quiet) : 0;

	diag_list_done(&quiet);
	if (r < 0 || !(part = strndup(text + start, end - start)) ||
	    strv_split_ws(part, &w) < 0)
		return false;
	for (size_t i = 0; tokens[i]; i++)
		if (!strv_contains(w, tokens[i]))
			return false;
	return true;
}

const struct boot_backend *cmdline_tokens_backend(const struct boot_backend *loader,
						  const char *path, const char *text,
						  char *const *tokens)
{
	if (!tokens || !tokens[0] || !text)
		return backend_for_cmdline_file(path, loader);
	/* The machine's loader first, when its part has them all. */
	if (loader && loader->cmdline && streq(loader->cmdline->path, path) &&
	    span_has_all(loader, text, tokens))
		return loader;
	for (size_t i = 0; backends[i]; i++)
		if (backends[i]->cmdline && streq(backends[i]->cmdline->path, path) &&
		    span_has_all(backends[i], text, tokens))
			return backends[i];
	return backend_for_cmdline_file(path, loader);
}

/* Where in text (the file path's) the arguments are, as b edits it: [*start, *end), and
 * a copy of that part in *part. */
static int cmdline_file_part(const struct boot_backend *b, const char *text,
			     size_t *start, size_t *end, char **part, struct diag_list *d)
{
	int r;

	*start = 0;
	*end = strlen(text);
	r = b && b->cmdline_span ? b->cmdline_span(text, start, end, d) : 0;
	if (r < 0)
		return r;
	*part = strndup(text + *start, *end - *start);
	return *part ? 0 : -ENOMEM;
}

int cmdline_tool_check(const struct sysroot *root, const struct file_override *ov,
		       struct diag_list *d)
{
	_cleanup_boot_facts_ struct boot_facts *now = NULL, *after = NULL;
	struct diag_list quiet = {0};
	int r = boot_facts_read(root, NULL, NULL, NULL, &now, &quiet);

	if (r == 0)
		r = boot_facts_read(root, NULL, ov, now, &after, &quiet);
	diag_list_done(&quiet);
	if (r < 0)
		return r;
	if (after->cmdline_unsafe)
		return diag_error(d, -EINVAL, NULL, 0, "%s", after->cmdline_unsafe);
	return after->cmdline_also ? diag_warning(d, NULL, 0, "%s", after->cmdline_also)
				   : 0;
}

int cmdline_file_strip(const struct boot_backend *loader, const char *path,
		       const char *text, char *const *tokens, char **ret,
		       struct diag_list *d)
{
	_cleanup_free_ char *part = NULL, *stripped = NULL;
	size_t start, end;
	int r = cmdline_file_part(cmdline_tokens_backend(loader, path, text, tokens),
				  text, &start, &end, &part, d);

	if (r == 0)
		r = strip_tokens(part, tokens, &stripped);
	if (r < 0)
		return r;
	return asprintf(ret, "%.*s%s%s", (int)start, text, stripped, text + end) < 0
		       ? -ENOMEM
		       : 0;
}

int cmdline_file_words(const struct boot_backend *loader, const char *path,
		       const char *text, char ***ret, struct diag_list *d)
{
	_cleanup_free_ char *part = NULL;
	size_t start, end;
	int r = cmdline_file_part(backend_for_cmdline_file(path, loader), text, &start,
				  &end, &part, d);

	if (r < 0)
		return r;
	for (char *p = part; *p; p++)
		if (*p == '\n')
			*p = ' ';
	*ret = NULL;
	return strv_split_ws(part, ret);
}

/* Copies the findings of from into d, errors as warnings (they concern a re-plan that
 * decides nothing). 0 or -ENOMEM. */
static int add_as_warnings(struct diag_list *d, const struct diag_list *from)
{
	for (size_t i = 0; i < from->n; i++) {
		int r = diag_warning(d, from->items[i].file, from->items[i].line, "%s",
				     from->items[i].message);

		if (r < 0)
			return r;
	}
	return 0;
}

const char *memory_change_what(enum memory_from f)
{
	static const char *const what[] = {
		[MEMORY_FROM_UNKNOWN] = "RAM or --memory changed",
		[MEMORY_FROM_OPTION] = "--memory changed",
		[MEMORY_FROM_ASSUMED] = "RAM known",
		[MEMORY_FROM_MEMINFO] = "RAM changed",
	};

	return what[f];
}

bool replay_recorded_memory(struct plan_request *o, const struct state *st,
			    bool no_meminfo, char arg[static 32])
{
	if (o->memory || !st->has_memory ||
	    (st->memory_from != MEMORY_FROM_OPTION && !no_meminfo))
		return false;
	o->memory = st->memory;
	o->memory_replayed = true;
	o->memory_replayed_from = st->memory_from;
	size_format_arg(st->memory, arg);
	o->memory_arg = arg;
	return true;
}

/* Why re-planning now differs from the recorded plan, as far as the recorded inputs
 * tell: the RAM, the kernel restriction, or else the profile or kernels. */
static int replan_cause(const struct state *st, const struct machine_facts *m,
			const struct plan_request *o, struct strbuf *b)
{
	int r = 0;

	if (st->has_memory && m->mem_known && st->memory != m->mem_total) {
		char then[32], now[32];

		format_gib(st->memory, then);
		format_gib(m->mem_total, now);
		r = strbuf_printf(b, "%s since apply (planned for %s, now %s%s)",
				  memory_change_what(st->memory_from), then, now,
				  m->mem_from_option ? " with --memory" : "");
	}
	if (r == 0 && !streq_ptr(st->kernel, o->kernel))
		r = strbuf_printf(b, "%sapply planned for %s%s%s, now for %s%s%s",
				  b->len ? "; " : "",
				  st->kernel ? "kernel " : "every installed kernel",
				  st->kernel ? st->kernel : "", st->kernel ? " only" : "",
				  o->kernel ? "kernel " : "every installed kernel",
				  o->kernel ? o->kernel : "", o->kernel ? " only" : "");
	if (r == 0 && !b->len)
		r = strbuf_puts(
			b, "the profile or the installed kernels changed since apply");
	return r;
}

/* COMPARE_APPLIED with a state that records its settings: the rows compare with what
 * apply wrote, and the profile is planned again only to say whether that would now give
 * something else (c->replan, c->notes). Works without the profile. */
static int plan_recorded(struct sysroot *root, const struct plan_request *o,
			 struct compared *c, struct diag_list *d)
{
	const struct state *st = c->state;
	struct plan_options po = {.force = o->force};
	struct plan_request replay = *o;
	char mem_arg[32];
	struct diag_list pd = {0};
	_cleanup_strbuf_ struct strbuf chg = {0};
	struct strbuf note = {0};
	_cleanup_strv_free_ char **mods = NULL;
	int r, lr, pr = -1;

	c->name = st->profile;
	c->wanted = st->applied;
	c->replan = -1;
	lr = load_profile(root, st->profile, &c->planned.profile, &pd);
	r = lr == -ENOMEM ? lr : 0;
	if (r == 0 && lr == 0)
		r = profile_modules(c->planned.profile, &mods);
	for (size_t i = 0; r == 0 && i < st->applied->n_settings; i++) {
		const char *m = st->applied->settings[i].module;

		if (m && !strv_contains(mods, m))
			r = strv_push(&mods, m);
	}
	/* A --memory recorded at apply is what reapply plans for again: so does this
	 * comparison, and a MemTotal that differs is said as such, not as a RAM change.
	 */
	if (replay_recorded_memory(&replay, st, false, mem_arg))
		o = &replay;
	if (r == 0)
		r = machine_facts_read(root, o->memory, o->kernel, mods,
				       &c->planned.facts, d);
	if (r == 0)
		r = check_memory(o, c->planned.facts, st->profile, false, d);
	if (r < 0)
		goto out;
	if (lr < 0) {
		_cleanup_free_ char *f = NULL, *buf = NULL;
		struct diag_list quiet = {0};
		size_t len = 0;
		bool gone = profiledir_load(root, st->profile, &f, &buf, &len, &quiet) ==
			    -ENOENT;

		diag_list_done(&quiet);
		if (!gone) {
			c->file = c->file_owned = f;
			f = NULL;
			r = add_as_warnings(d, &pd);
		}
		if (r == 0)
			r = strbuf_printf(
				&note,
				"profile %s %s: compared with the settings recorded at apply, which cannot be planned again ('amdgpu-tune remove' takes them away)",
				st->profile,
				gone ? "is no longer installed (its file is gone)"
				     : "no longer loads (see the warnings)");
		goto out;
	}
	c->file = c->planned.profile->file;
	pr = plan_build(c->planned.profile, c->planned.facts, &po, &c->planned.plan, &pd);
	if (pr == -ENOMEM) {
		r = pr;
		goto out;
	}
	r = add_as_warnings(d, &pd);
	if (r == 0 && pr < 0) {
		r = strbuf_printf(
			&note,
			"re-planning %s now is refused (see the warnings): compared with the settings recorded at apply",
			st->profile);
	} else if (r == 0) {
		int n = plan_describe_changes(st->applied, c->planned.plan, &chg);

		r = n < 0 ? n : 0;
		c->replan = n > 0;
		if (n > 0)
			r = replan_cause(st, c->planned.facts, o, &note);
		if (r == 0 && n > 0)
			r = strbuf_printf(
				&note,
				": re-planning now would %s; 'amdgpu-tune apply %s%s%s%s%s%s' updates it",
				chg.s, st->profile, o->memory_arg ? " --memory " : "",
				o->memory_arg ? o->memory_arg : "",
				o->memory_arg && c->planned.facts->mem_machine_known &&
						c->planned.facts->mem_machine !=
							c->planned.facts->mem_total
					? " --force"
					: "",
				o->kernel ? " --kernel " : "",
				o->kernel ? o->kernel : "");
	}
out:
	if (r == 0 && note.len)
		r = strv_consume(&c->notes, strbuf_steal(&note));
	strbuf_done(&note);
	diag_list_done(&pd);
	return r;
}

/* A fragment's text could not be made: -EINVAL says a value cannot be written safely. */
static int unsafe_value(int r, struct diag_list *d)
{
	return r == -EINVAL ? diag_error(d, -EINVAL, NULL, 0,
					 "a value cannot be written safely")
			    : r;
}

/* The same for a command-line file, whose backend may have said why already (errors in
 * d since errors). Only apply stops there: diff and status go on with the file as it
 * is, the findings from from on as warnings; *keep says to leave the file out. */
static int unsafe_cmdline(int r, enum compare_mode mode, size_t from, size_t errors,
			  bool *keep, struct diag_list *d)
{
	*keep = false;
	if (r != -EINVAL)
		return r;
	if (diag_count(d, DIAG_ERROR) == errors)
		r = unsafe_value(r, d);
	if (r != -EINVAL || mode == COMPARE_APPLY)
		return r;
	diag_demote(d, from);
	*keep = true;
	return 0;
}

/* The new text of the boot loader's command-line file for pl, in *ret: when only our
 * tokens in it are ours, from the file as it is without them (kept in c->kcmd_base). */
static int cmdline_text(struct sysroot *root, struct compared *c, const struct plan *pl,
			char **ret, struct diag_list *d)
{
	const struct boot_backend *b = c->now->loader;
	_cleanup_free_ char *cur = NULL;
	int r = 0;

	if (!b->cmdline->hand_edit) {
		bool ours = streq(state_tokens_file(c->state), b->cmdline->path);
		char *const *tokens = ours && c->state ? c->state->tokens : NULL;

		r = read_managed_text(root, b->cmdline->path, &cur, d);
		/* Where its backend edits a part of it (cmdline_span), a file of the
		 * user's where we have nothing to add or take away is left as it is,
		 * also where that part could not be edited. (A NUL byte is refused
		 * here all the same; the GRUB reader refuses the file before.) */
		if (r == 0 && b->cmdline_span && !plan_sets(pl, WHERE_CMDLINE) &&
		    !(tokens && tokens[0])) {
			if (cur && !(c->kcmd_base = strdup(cur)))
				return -ENOMEM;
			*ret = TAKE_PTR(cur);
			return 0;
		}
		if (r == 0)
			r = cmdline_file_strip(b, b->cmdline->path, cur ? cur : "",
					       tokens, &c->kcmd_base, d);
	} else if (b->ostree_live && c->now->next_known) {
		/* The pending deployment's arguments without ours: what our record
		 * need not add. */
		_cleanup_strv_free_ char **ours = NULL;

		r = read_managed_text(root, b->cmdline->path, &cur, d);
		if (r == 0)
			r = rpm_ostree_record_tokens(cur, &ours);
		if (r == 0)
			r = strip_tokens(c->now->next.text.s ? c->now->next.text.s : "",
					 ours, &c->kcmd_base);
	}
	return r < 0 ? r : b->cmdline_text(c->name, pl, c->kcmd_base, ret);
}

/* The new text of path, a command-line file of another boot loader than this one's
 * where the state says our tokens are: without them (they are stale there, like a
 * drop-in of ours), or, with none, NULL in *ret for no change. */
static int stale_tokens_text(struct sysroot *root, const struct compared *c,
			     const char *path, char **ret, bool *change,
			     struct diag_list *d)
{
	_cleanup_free_ char *cur = NULL;
	int r;

	*change = false;
	if (!c->state || !c->state->tokens || !c->now->loader->cmdline ||
	    !streq(state_tokens_file(c->state), path))
		return 0;
	r = read_managed_text(root, path, &cur, d);
	if (r < 0 || !cur)
		return r;
	*change = true;
	return cmdline_file_strip(c->now->loader, path, cur, c->state->tokens, ret, d);
}

int modprobe_untracked(const struct sysroot *root, const struct compared *c, bool *ret)
{
	const char *mod = backend_modprobe_path(c->now->loader);
	_cleanup_free_ char *abs = NULL;
	bool present = sysroot_exists(root, mod);
	int r;

	*ret = false;
	if (!c->now->loader->ostree_live)
		return 0;
	for (size_t i = 0; i < c->n_files; i++)
		if (streq(c->files[i].path, mod))
			present = c->files[i].present;
	if (!present)
		return 0;
	if (asprintf(&abs, "/%s", mod) < 0)
		return -ENOMEM;
	r = rpm_ostree_tracked(root, abs);
	*ret = r == 0;
	return r == -ENOMEM ? r : 0;
}

int compare(struct sysroot *root, const struct plan_request *o, const char *name,
	    enum compare_mode mode, struct compared *c, struct diag_list *d)
{
	_cleanup_strv_free_ char **versions = NULL;
	_cleanup_free_ struct file_override *ov = NULL;
	struct sysfs_value *fs = NULL;
	const struct managed_file *m;
	char *mod = NULL;
	size_t n_ov = 0;
	bool sys = sysroot_exists(root, "sys/module"), involved;
	const struct plan *pl;
	struct stat jst;
	int r;

	r = state_read(root, &c->state, d);
	if (r < 0)
		return r == -EBADMSG ? -EINVAL : r;
	c->replan = -1;
	if (mode == COMPARE_APPLIED && c->state && c->state->applied) {
		r = plan_recorded(root, o, c, d);
		diag_sort(d);
	} else {
		/* A state of an older amdgpu-tune does not record the settings: the
		 * profile as planned now stands for them. */
		r = make_plan(root, o, name, mode == COMPARE_APPLY, &c->planned, d);
		/* diff PROFILE and apply name a profile for this machine. */
		if (r == 0 && mode != COMPARE_APPLIED)
			r = warn_gpu_absent(root, c->planned.profile, d);
		if (r == 0) {
			c->name = c->planned.profile->name;
			c->file = c->planned.profile->file;
			c->wanted = c->planned.plan;
		}
	}
	if (r < 0)
		return r;
	/* Any journal, also a symlink to nothing there: what the next write command
	 * will do about it; one it cannot use stops it, which is only news here. */
	if (sysroot_lstat(root, TXN_JOURNAL, &jst) == 0) {
		size_t from = d->n;
		unsigned id;

		r = txn_journal_check(root, &id, d);
		diag_demote(d, from);
		if (r == 0 && id)
			r = diag_warning(
				d, TXN_JOURNAL, 0,
				"an earlier apply, rollback or remove was interrupted; the next one undoes it first (it restores snapshot %u)",
				id);
		else if (r != -ENOMEM && r != -EBADMSG)
			r = diag_warning(
				d, TXN_JOURNAL, 0,
				"an earlier apply, rollback or remove was interrupted; the next one undoes it first if it can");
		if (r == -ENOMEM)
			return r;
	}
	pl = c->wanted;
	for (size_t i = 0; i < c->planned.facts->n_kernels; i++)
		if (strv_push(&versions, c->planned.facts->kernels[i].version) < 0)
			return -ENOMEM;
	r = boot_facts_read(root, versions, NULL, NULL, &c->now, d);
	if (r < 0)
		return r;
	n_ov = 0;
	while (managed_file(n_ov))
		n_ov++;
	ov = calloc(n_ov + 1, sizeof(*ov));
	if (!ov)
		return -ENOMEM;
	n_ov = 0;
	/* The managed files, in the order apply writes them: the boot loader's own
	 * command-line file, and another backend's drop-in of ours, which is stale
	 * there (managed_file_ours()); modprobe.d last. */
	for (size_t i = 0; r == 0 && (m = managed_file(i)); i++) {
		char *text = NULL;
		bool stale = m->hand_edit &&
			     managed_file_ours(c->now->loader, c->state, m),
		     keep = false;
		size_t from = d->n, errors = diag_count(d, DIAG_ERROR);

		if (m->kind != MANAGED_CMDLINE)
			continue;
		if (m == c->now->loader->cmdline)
			r = cmdline_text(root, c, pl, &text, d);
		else if (!m->hand_edit)
			r = stale_tokens_text(root, c, m->path, &text, &stale, d);
		r = unsafe_cmdline(r, mode, from, errors, &keep, d);
		if (r == 0 && !keep && (stale || m == c->now->loader->cmdline)) {
			ov[n_ov++] = (struct file_override){m->path, text};
			r = add_file(root, c, m->path, text, d);
			if (r == 0 && m != c->now->loader->cmdline)
				drop_if_absent(c);
		}
	}
	if (r == 0)
		r = unsafe_value(fragment_modprobe(c->name, pl, &mod), d);
	/* The boot loader's modprobe.d file, and another's of ours taken away: two
	 * files of ours would both be read. */
	for (size_t i = 0; r == 0 && (m = managed_file(i)); i++) {
		bool own = streq(m->path, backend_modprobe_path(c->now->loader));

		if (m->kind != MANAGED_MODPROBE ||
		    !managed_file_ours(c->now->loader, c->state, m))
			continue;
		ov[n_ov++] = (struct file_override){m->path, own ? mod : NULL};
		r = add_file(root, c, m->path, own ? mod : NULL, d);
		if (r == 0 && !own)
			drop_if_absent(c);
	}
	if (r < 0)
		return r;
	{
		/* What reading the files as apply leaves them finds again is already in
		 * d. */
		struct diag_list again = {0};

		r = boot_facts_read(root, versions, ov, c->now, &c->after, &again);
		diag_list_done(&again);
	}
	/* Where our arguments are involved (the profile has some, or the last apply
	 * wrote some), diff and status say what the boot loader's tool would change
	 * besides them; apply stops on it when that tool is to run (run_change()). */
	involved = plan_sets(pl, WHERE_CMDLINE) ||
		   (c->state && c->state->tokens && c->state->tokens[0]);
	if (r == 0 && involved && mode != COMPARE_APPLY && c->after->cmdline_unsafe)
		r = diag_warning(d, NULL, 0, "%s", c->after->cmdline_unsafe);
	if (r == 0 && involved && mode != COMPARE_APPLY && c->after->cmdline_also)
		r = diag_warning(d, NULL, 0, "%s", c->after->cmdline_also);
	if (r == 0 && mode != COMPARE_APPLY) {
		bool untracked;

		r = modprobe_untracked(root, c, &untracked);
		if (r == 0 && untracked)
			r = diag_warning(
				d, backend_modprobe_path(c->now->loader), 0,
				"the next deployment's initramfs does not take it: rpm-ostree does not track it (rpm-ostree reset drops that), and amdgpu, loaded from the initramfs, gets none of its options; 'amdgpu-tune apply' runs 'rpm-ostree initramfs-etc --track=/%s'",
				backend_modprobe_path(c->now->loader));
	}
	if (r < 0)
		return r;
	fs = calloc(pl->n_settings + 1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < pl->n_settings; i++) {
		const struct setting *s = &pl->settings[i];

		fs[i].known = sys && s->module;
		if (s->module && sys) {
			int k = boot_running_param(root, s->module, s->param,
						   &fs[i].value);

			if (k == -ENOMEM)
				r = k;
			else if (k < 0 && k != -ENOENT)
				fs[i].known = false;
		}
	}
	if (r == 0)
		r = layers_compute(pl, c->planned.facts, c->now, c->after, fs, &c->layers,
				   d);
	if (r == 0)
		r = layers_lint(c->planned.facts, c->now, c->after,
				c->planned.plan ? c->planned.plan->targets : NULL, d);
	if (r == 0) {
		struct gpu *gpus = NULL;
		size_t n = 0;

		r = gpus_read(root, &gpus, &n);
		if (r == 0)
			r = health_check(root, c->planned.facts,
					 c->after ? c->after : c->now, gpus, n, false, d);
		gpus_free(gpus, n);
	}
	for (size_t i = 0; i < pl->n_settings; i++)
		free(fs[i].value);
	free(fs);
	diag_sort(d);
	return r;
}

int applied_profile(struct sysroot *root, char **ret, struct diag_list *d)
{
	struct state *st = NULL;
	int r = state_read(root, &st, d);

	*ret = NULL;
	if (r < 0)
		return r;
	if (st) {
		*ret = strdup(st->profile);
		state_free(st);
		if (!*ret)
			return -ENOMEM;
	}
	return 0;
}
