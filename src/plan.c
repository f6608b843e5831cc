#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <strings.h>

#include "cmdline.h"
#include "gpu.h"
#include "kfacts.h"
#include "kparam.h"
#include "plan.h"
#include "rules.h"
#include "size.h"
#include "strv.h"

/* ppfeaturemask default in amdgpu_drv.c (6.1 and 6.12). */
struct ctx {
	const struct profile *p;
	const struct machine_facts *m;
	const struct plan_options *o;
	struct plan *plan;
	struct diag_list *d;
	int err;     /* first -ENOMEM */
	bool failed; /* an error finding was added */
	char **ttm_modules;
};

_printf_(6, 7) static void finding(struct ctx *c, enum diag_level level, bool forcible,
				   const char *file, unsigned line, const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf b = {0};
	va_list ap;

	va_start(ap, fmt);
	if (strbuf_vprintf(&b, fmt, ap) < 0)
		c->err = -ENOMEM;
	va_end(ap);
	if (!b.s)
		return;
	if (level == DIAG_ERROR && forcible && c->o->force) {
		level = DIAG_WARNING;
		if (strbuf_puts(&b, " (accepted with --force)") < 0)
			c->err = -ENOMEM;
	} else if (level == DIAG_ERROR && forcible) {
		if (strbuf_puts(&b, "; --force accepts it") < 0)
			c->err = -ENOMEM;
	}
	if (diag_add(c->d, level, file, line, "%s", b.s) < 0)
		c->err = -ENOMEM;
	if (level == DIAG_ERROR)
		c->failed = true;
}

bool plan_sets(const struct plan *p, enum where where)
{
	for (size_t i = 0; i < p->n_settings; i++)
		if (p->settings[i].where == where)
			return true;
	return false;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_settings; i++) {
		struct setting *s = &p->settings[i];

		free(s->name);
		free(s->module);
		free(s->param);
		free(s->value);
		free(s->reason);
		free(s->file);
	}
	free(p->settings);
	strv_free(p->targets);
	free(p);
}

int plan_append(struct plan *pl, const char *module, const char *param, const char *value,
		enum where where)
{
	struct setting s = {0};
	struct strbuf name = {0};

	if (ARRAY_GROW(pl->settings, pl->n_settings) < 0)
		return -ENOMEM;
	if (module)
		strbuf_printf(&name, "%s.", module);
	strbuf_puts(&name, param);
	s.name = name.s ? cmdline_name_canonical(name.s) : NULL;
	strbuf_done(&name);
	s.where = where;
	if (!s.name || strdup_ptr(module, &s.module) < 0 ||
	    strdup_ptr(param, &s.param) < 0 || strdup_ptr(value, &s.value) < 0 ||
	    !(s.reason = strdup(""))) {
		free(s.name);
		free(s.module);
		free(s.param);
		free(s.value);
		free(s.reason);
		return -ENOMEM;
	}
	pl->settings[pl->n_settings++] = s;
	return 0;
}

const struct setting *plan_find(const struct plan *pl, const char *name)
{
	for (size_t i = 0; i < pl->n_settings; i++)
		if (streq(pl->settings[i].name, name))
			return &pl->settings[i];
	return NULL;
}

int plan_describe_changes(const struct plan *from, const struct plan *to,
			  struct strbuf *b)
{
	size_t set = 0, gone = 0;
	int r = 0;

	for (size_t i = 0; r == 0 && i < to->n_settings; i++) {
		const struct setting *t = &to->settings[i], *f = plan_find(from, t->name);

		if (f && f->where == t->where && streq_ptr(f->value, t->value))
			continue;
		r = strbuf_printf(b, "%s%s%s%s%s", set++ ? ", " : "set ", t->name,
				  t->value ? "=" : "", t->value ? t->value : "",
				  f && f->where != t->where
					  ? (t->where == WHERE_CMDLINE
						     ? " (on the command line)"
						     : " (in modprobe.d)")
					  : "");
	}
	for (size_t i = 0; r == 0 && i < from->n_settings; i++)
		if (!plan_find(to, from->settings[i].name))
			r = strbuf_printf(b, "%s%s",
					  gone++ ? ", "
					  : set	 ? " and no longer set "
						 : "no longer set ",
					  from->settings[i].name);
	return r < 0 ? r : (int)(set + gone);
}

/* The gfx targets a profile's match names, ids translated through the GPU table, into a
 * new vector. 0 or -ENOMEM. */
static int plan_profile_targets(const struct profile *p, char ***ret)
{
	char **v = NULL;

	for (size_t i = 0; p->match && p->match[i]; i++) {
		const char *t = p->match[i], *gfx = NULL;
		unsigned vendor, device;

		if (startswith(t, "gfx"))
			gfx = t;
		else if (hex_digits(t, 4, &vendor) == 4 && t[4] == ':' &&
			 hex_digits(t + 5, 4, &device) == 4 && vendor == 0x1002) {
			const struct gpu_id *id = gpu_id_lookup((uint16_t)device);

			gfx = id ? id->gfx : NULL;
		}
		if (gfx && !strv_contains(v, gfx) && strv_push(&v, gfx) < 0) {
			strv_free(v);
			return -ENOMEM;
		}
	}
	if (!v && !(v = calloc(1, sizeof(char *))))
		return -ENOMEM;
	*ret = v;
	return 0;
}

unsigned plan_name_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[65];

	/* Names longer than 64 bytes are never close to anything worth suggesting. */
	if (la > 64 || lb > 64)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost =
				(a[i - 1] == b[j - 1]) || (strchr("-_", a[i - 1]) &&
							   strchr("-_", b[j - 1]))
					? 0
					: 1;
			unsigned best = diag + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Where a module's options go: the command line when the profile says so, or when the
 * module is built into any target kernel (modprobe.d never reaches a built-in module). */
static enum where where_for(struct ctx *c, const char *module, char **builtin_in)
{
	enum where w = profile_placement(c->p) == PLACEMENT_CMDLINE ? WHERE_CMDLINE
								    : WHERE_MODPROBE;

	*builtin_in = NULL;
	for (size_t i = 0; i < c->m->n_kernels; i++) {
		const struct module_schema *s = kernel_module(&c->m->kernels[i], module);

		if (s && s->builtin) {
			*builtin_in = c->m->kernels[i].version;
			return WHERE_CMDLINE;
		}
	}
	return w;
}

static struct setting *add_setting(struct ctx *c, const char *module, const char *param,
				   const char *value, const char *reason,
				   const char *file, unsigned line)
{
	struct setting s = {0};
	struct strbuf name = {0};
	char *builtin_in = NULL;

	if (ARRAY_GROW(c->plan->settings, c->plan->n_settings) < 0) {
		c->err = -ENOMEM;
		return NULL;
	}
	if (module)
		strbuf_printf(&name, "%s.", module);
	strbuf_puts(&name, param);
	s.name = name.s ? cmdline_name_canonical(name.s) : NULL;
	strbuf_done(&name);
	s.where = module ? where_for(c, module, &builtin_in) : WHERE_CMDLINE;
	s.line = line;
	if (!s.name || strdup_ptr(module, &s.module) < 0 ||
	    strdup_ptr(param, &s.param) < 0 || strdup_ptr(value, &s.value) < 0 ||
	    strdup_ptr(file, &s.file) < 0) {
		c->err = -ENOMEM;
		goto fail;
	}
	if (builtin_in && profile_placement(c->p) != PLACEMENT_CMDLINE) {
		struct strbuf r = {0};

		strbuf_printf(&r, "%s (on the command line: %s is built into %s)",
			      reason ? reason : "", module, builtin_in);
		s.reason = r.s;
	} else if (strdup_ptr(reason, &s.reason) < 0) {
		c->err = -ENOMEM;
	}
	if (!s.reason && !c->err && !(s.reason = strdup("")))
		c->err = -ENOMEM;
	if (c->err)
		goto fail;
	c->plan->settings[c->plan->n_settings] = s;
	return &c->plan->settings[c->plan->n_settings++];
fail:
	free(s.name);
	free(s.module);
	free(s.param);
	free(s.value);
	free(s.file);
	free(s.reason);
	return NULL;
}

/* Appends ", " and name to a list being built in b. */
static const char *closest_param(const struct machine_facts *m, const char *module,
				 const char *param)
{
	const char *best = NULL;
	unsigned best_d = 1000, limit = strlen(param) <= 4   ? 1
					: strlen(param) <= 8 ? 2
							     : 3;

	for (size_t i = 0; i < m->n_kernels; i++) {
		const struct module_schema *s = kernel_module(&m->kernels[i], module);

		for (size_t j = 0; s && j < s->n_params; j++) {
			unsigned dist = plan_name_distance(param, s->params[j].name);

			if (dist < best_d) {
				best_d = dist;
				best = s->params[j].name;
			}
		}
	}
	return best_d <= limit ? best : NULL;
}

/* Checks a module option against every target kernel's metadata: the name must exist in
 * at least one (else error with the closest real name), the value must parse as the
 * kernel parses that type in every kernel that has the parameter. */
static void validate_option(struct ctx *c, const struct setting *s)
{
	_cleanup_strbuf_ struct strbuf unknown = {0};
	_cleanup_strbuf_ struct strbuf known = {0};
	_cleanup_strbuf_ struct strbuf nomod = {0};
	_cleanup_strbuf_ struct strbuf bad = {0};
	_cleanup_strbuf_ struct strbuf deprecated = {0};
	const char *bad_type = NULL;
	int bad_err = 0;
	const char *ev = s->value;

	if (c->m->n_kernels == 0)
		return;
	for (size_t i = 0; i < c->m->n_kernels; i++) {
		const struct kernel_info *k = &c->m->kernels[i];
		const struct module_schema *ms = kernel_module(k, s->module);
		const struct param_def *pd;
		struct kparam_type t;
		int r;

		if (!ms || !ms->found || (ms->builtin && ms->n_params == 0)) {
			strbuf_list_add(&nomod, k->version);
			continue;
		}
		pd = module_schema_param(ms, s->param);
		if (!pd) {
			strbuf_list_add(&unknown, k->version);
			continue;
		}
		strbuf_list_add(&known, k->version);
		if (kf_param_deprecated(k, s->module, pd))
			strbuf_list_add(&deprecated, k->version);
		if (!pd->type || kparam_type_parse(pd->type, &t) < 0) {
			finding(c, DIAG_WARNING, false, s->file, s->line,
				"%s: type '%s' in %s is not one this tool checks; value not validated",
				s->name, pd->type ? pd->type : "(none)", k->version);
			continue;
		}
		r = kparam_check(&t, s->value);
		if (r < 0) {
			strbuf_list_add(&bad, k->version);
			bad_type = pd->type;
			bad_err = r;
		}
	}
	if (!known.len && unknown.len) {
		const char *near = closest_param(c->m, s->module, s->param);

		if (near)
			finding(c, DIAG_ERROR, false, s->file, s->line,
				"%s: no such parameter of %s in %s; did you mean '%s'?",
				s->param, s->module, unknown.s, near);
		else
			finding(c, DIAG_ERROR, false, s->file, s->line,
				"%s: no such parameter of %s in %s", s->param, s->module,
				unknown.s);
	} else if (unknown.len) {
		finding(c, DIAG_WARNING, false, s->file, s->line,
			"%s: not a parameter of %s in %s, which will ignore it (known in %s)",
			s->param, s->module, unknown.s, known.s);
	}
	if (bad.len)
		finding(c, DIAG_ERROR, false, s->file, s->line,
			"%s=%s: %s for %s in %s; the kernel would refuse it and %s would not load",
			s->name, ev ? ev : "(no value)",
			bad_err == -ERANGE ? "out of range" : "not a valid value",
			bad_type, bad.s, s->module);
	if (deprecated.len)
		finding(c, DIAG_WARNING, false, s->file, s->line,
			"%s is deprecated in %s%s", s->name, deprecated.s,
			kf_deprecation_advice(s->module, s->param));
	if (nomod.len && !known.len && !unknown.len)
		finding(c, DIAG_WARNING, false, s->file, s->line,
			"module %s not found (or without metadata) in %s: %s not checked",
			s->module, nomod.s, s->name);
}

/* Sorts the target kernels by how they size the GTT: need (before 6.5: only
 * amdgpu.gttsize moves it), dep (6.15 on: gttsize is deprecated) and unknown (version
 * not parsed); the others follow pages_limit and need nothing more. */
static void gttsize_kernels(const struct ctx *c, struct strbuf *need, struct strbuf *dep,
			    struct strbuf *unknown)
{
	for (size_t i = 0; i < c->m->n_kernels; i++) {
		const struct kernel_info *k = &c->m->kernels[i];

		if (!k->ver_known)
			strbuf_list_add(unknown, k->version);
		else if (!kf_gtt_follows_ttm(k->ver))
			strbuf_list_add(need, k->version);
		else if (kf_gttsize_deprecated(k->ver))
			strbuf_list_add(dep, k->version);
	}
}

/* amdgpu.gttsize for the kernels that size the GTT from it (before 6.5); when other
 * target kernels deprecate it (6.15) it is not written and a warning says so. need,
 * dep, unknown: the kernels that need it, deprecate it, or cannot be told
 * (gttsize_kernels()). */
static void plan_gttsize(struct ctx *c, const struct pentry *gtt, uint64_t gtt_bytes,
			 const char *gib, const struct strbuf *need,
			 const struct strbuf *dep, const struct strbuf *unknown)
{
	if (need->len && dep->len) {
		finding(c, DIAG_WARNING, false, gtt->file, gtt->line,
			"%s size GTT from amdgpu.gttsize, which %s deprecate: gttsize is not written, so on %s the GPU keeps its default GTT size (plan for one kernel line with --kernel)",
			need->s, dep->s, need->s);
	} else if (need->len) {
		_cleanup_(strbuf_done) struct strbuf reason = {0};
		char v[32];
		struct setting *s = NULL;

		snprintf(v, sizeof(v), "%" PRIu64, gtt_bytes >> 20);
		strbuf_printf(
			&reason,
			"GTT %s in MiB: %s size the GTT from gttsize, not from %s.pages_limit (before 6.5)",
			gib, need->s, c->ttm_modules[0]);
		if (reason.s)
			s = add_setting(c, "amdgpu", "gttsize", v, reason.s, gtt->file,
					gtt->line);
		else
			c->err = -ENOMEM;
		if (s) {
			s->is_size = true;
			s->bytes = gtt_bytes;
		}
	}
	if (unknown->len)
		finding(c, DIAG_WARNING, false, gtt->file, gtt->line,
			"cannot tell from the version of %s whether it needs amdgpu.gttsize; assumed not",
			unknown->s);
}

/* reserve = SIZE: the RAM gtt leaves to the system. A larger gtt is lowered to MemTotal
 * less the reserve, but never below half of MemTotal, the limit the kernel sets by
 * itself (ttm_global_init() in 6.1, 6.12 and 7.3). note says what was done. false (an
 * error said) when the reserve cannot be had. */
static bool plan_reserve(struct ctx *c, const struct pentry *gtt, uint64_t *gtt_bytes,
			 struct strbuf *note)
{
	const struct machine_facts *m = c->m;
	const struct pentry *reserve =
		psection_get(profile_section(c->p, PSECTION_MEMORY, NULL), "reserve");
	uint64_t bytes, cap, floor = m->mem_total / 2;
	struct size_spec spec;
	char r[32], ram[32];
	bool floored;

	if (!reserve)
		return true;
	format_gib(m->mem_total, ram);
	if (size_parse(reserve->value, &spec, NULL) < 0 ||
	    size_resolve(&spec, m->mem_total, m->page_size, &bytes) < 0) {
		finding(c, DIAG_ERROR, false, reserve->file, reserve->line,
			"reserve = %s is less than one page", reserve->value);
		return false;
	}
	format_gib(bytes, r);
	/* A reserve of all of RAM (an 8 GiB machine with reserve = 8GiB) leaves the
	 * kernel's own limit. */
	cap = bytes < m->mem_total ? m->mem_total - bytes : 0;
	if (*gtt_bytes <= cap)
		return true;
	floored = cap < floor;
	if (floored)
		cap = floor;
	cap -= cap % m->page_size;
	if (cap >= *gtt_bytes)
		return true;
	*gtt_bytes = cap;
	if (strbuf_printf(note,
			  "gtt = %s lowered to leave %s of the %s of RAM to the system%s",
			  gtt->value, r, ram,
			  floored ? ", but not below half of RAM, the kernel's own limit"
			  : cap == floor - floor % m->page_size
				  ? ": half of RAM, the kernel's own limit"
				  : "") < 0)
		c->err = -ENOMEM;
	return true;
}

/* gtt = SIZE: TTM's pages_limit for every TTM amdgpu may use, rounded to whole pages
 * (and to a whole MiB when amdgpu.gttsize is written too), and gttsize where a kernel
 * needs it. *ret_bytes is the GTT planned, *ret_page_bytes the size before the MiB
 * rounding. false when an error stops the memory plan. */
static bool plan_gtt(struct ctx *c, const struct pentry *gtt, uint64_t *ret_bytes,
		     uint64_t *ret_page_bytes)
{
	const struct machine_facts *m = c->m;
	uint64_t gtt_bytes = 0, gtt_page_bytes = 0;
	char gib[32], ram[32];
	bool stop = false;

	format_gib(m->mem_total, ram);
	struct size_spec spec;
	struct strbuf need = {0}, dep = {0}, unknown = {0};
	_cleanup_strbuf_ struct strbuf lowered = {0};
	uint64_t pages, unit;
	unsigned permille;

	if (size_parse(gtt->value, &spec, NULL) < 0 ||
	    size_resolve(&spec, m->mem_total, m->page_size, &gtt_bytes) < 0) {
		finding(c, DIAG_ERROR, false, gtt->file, gtt->line,
			"gtt = %s is less than one page", gtt->value);
		return false;
	}
	if (!plan_reserve(c, gtt, &gtt_bytes, &lowered))
		return false;
	gtt_page_bytes = gtt_bytes;
	gttsize_kernels(c, &need, &dep, &unknown);
	/* amdgpu.gttsize counts MiB and pages_limit counts pages: when both are
	 * written, the GTT is rounded down once to a whole MiB (and page; page
	 * sizes are powers of two), so that gttsize << 20 is exactly pages_limit
	 * pages and the two never disagree. */
	unit = m->page_size > MIB ? m->page_size : MIB;
	if (need.len && !dep.len)
		gtt_bytes -= gtt_bytes % unit;
	if (gtt_bytes == 0) {
		finding(c, DIAG_ERROR, false, gtt->file, gtt->line,
			"gtt = %s is less than one MiB, the unit of amdgpu.gttsize",
			gtt->value);
		stop = true;
		goto gtt_done;
	}
	permille =
		(unsigned)(gtt_bytes / (m->mem_total / 1000 ? m->mem_total / 1000 : 1));
	format_gib(gtt_bytes, gib);
	if (gtt_bytes > m->mem_total) {
		finding(c, DIAG_ERROR, false, gtt->file, gtt->line,
			"gtt = %s is %s, more than the %s of RAM", gtt->value, gib, ram);
		stop = true;
		goto gtt_done;
	}
	if (gtt_bytes / 9 > m->mem_total / 10)
		finding(c, DIAG_ERROR, true, gtt->file, gtt->line,
			"gtt = %s is %s, %u.%u%% of %s RAM: above 90%% the kernel and applications can be starved",
			gtt->value, gib, permille / 10, permille % 10, ram);
	pages = gtt_bytes / m->page_size;
	for (size_t i = 0; c->ttm_modules[i]; i++) {
		_cleanup_(strbuf_done) struct strbuf reason = {0};
		char v[32];
		struct setting *s = NULL;

		snprintf(v, sizeof(v), "%" PRIu64, pages);
		strbuf_printf(&reason,
			      "GTT %s = %" PRIu64 " pages of %" PRIu64
			      " bytes = %u.%u%% of %s RAM%s%s%s%s%s",
			      gib, pages, m->page_size, permille / 10, permille % 10, ram,
			      lowered.len ? " (" : "", lowered.len ? lowered.s : "",
			      lowered.len ? ")" : "", gtt->reason ? "; " : "",
			      gtt->reason ? gtt->reason : "");
		if (reason.s)
			s = add_setting(c, c->ttm_modules[i], "pages_limit", v, reason.s,
					gtt->file, gtt->line);
		else
			c->err = -ENOMEM;
		if (!s) {
			stop = true;
			goto gtt_done;
		}
		s->is_size = true;
		s->bytes = gtt_bytes;
	}
	plan_gttsize(c, gtt, gtt_bytes, gib, &need, &dep, &unknown);
gtt_done:
	strbuf_done(&need);
	strbuf_done(&dep);
	strbuf_done(&unknown);
	*ret_bytes = gtt_bytes;
	*ret_page_bytes = gtt_page_bytes;
	return !stop;
}

/* page_pool = SIZE: TTM's page_pool_size, at most the GTT (have_gtt: gtt_bytes, or
 * gtt_page_bytes before the MiB rounding) or RAM. */
static void plan_page_pool(struct ctx *c, const struct pentry *pool, bool have_gtt,
			   uint64_t gtt_bytes, uint64_t gtt_page_bytes)
{
	const struct machine_facts *m = c->m;
	char gib[32];
	struct size_spec spec;
	uint64_t bytes;

	bool ok = size_parse(pool->value, &spec, NULL) == 0 &&
		  size_resolve(&spec, m->mem_total, m->page_size, &bytes) == 0;

	/* Above gtt only by gtt's rounding to a whole MiB: the pool is all of it.
	 */
	if (ok && have_gtt && bytes > gtt_bytes && bytes <= gtt_page_bytes)
		bytes = gtt_bytes;
	if (!ok) {
		finding(c, DIAG_ERROR, false, pool->file, pool->line,
			"page_pool = %s is less than one page", pool->value);
	} else if (bytes > (have_gtt ? gtt_bytes : m->mem_total)) {
		format_gib(bytes, gib);
		finding(c, DIAG_ERROR, false, pool->file, pool->line,
			"page_pool = %s (%s) is larger than %s", pool->value, gib,
			have_gtt ? "gtt" : "RAM");
	} else {
		_cleanup_(strbuf_done) struct strbuf reason = {0};
		_cleanup_strbuf_ struct strbuf per_node = {0};
		char v[32];

		format_gib(bytes, gib);
		snprintf(v, sizeof(v), "%" PRIu64, bytes / m->page_size);
		kf_kernels_where(m, kf_page_pool_per_node, &per_node);
		strbuf_printf(
			&reason,
			"TTM page pool %s = %s pages; bounds only TTM's cache of freed pages%s%s%s%s%s",
			gib, v, per_node.len ? " (per NUMA node on " : "",
			per_node.len ? per_node.s : "", per_node.len ? ")" : "",
			pool->reason ? "; " : "", pool->reason ? pool->reason : "");
		if (!reason.s)
			c->err = -ENOMEM;
		for (size_t i = 0; reason.s && c->ttm_modules[i]; i++) {
			struct setting *s =
				add_setting(c, c->ttm_modules[i], "page_pool_size", v,
					    reason.s, pool->file, pool->line);

			if (!s)
				return;
			s->is_size = true;
			s->bytes = bytes;
		}
	}
}

/* mtype = rw|nc|cc: amdgpu.mtype_local, written only when a target kernel reads it for
 * a target GPU (kf_mtype_local_read()); the kernels that do not are named. */
static void plan_mtype(struct ctx *c, const struct pentry *mtype)
{
	const char *num = streq(mtype->value, "rw")   ? "0"
			  : streq(mtype->value, "nc") ? "1"
						      : "2";
	char *const *gfx = c->plan->targets;
	_cleanup_strbuf_ struct strbuf taints = {0};
	_cleanup_strbuf_ struct strbuf why = {0};
	_cleanup_strbuf_ struct strbuf read = {0};
	_cleanup_strbuf_ struct strbuf no = {0};
	_cleanup_strbuf_ struct strbuf unknown = {0};
	struct strbuf r = {0};
	bool honoured;

	kf_kernels_where(c->m, kf_mtype_local_taints, &taints);
	if (taints.len)
		strbuf_printf(&why, "it taints %s", taints.s);
	if (!gfx[0]) {
		finding(c, DIAG_WARNING, false, mtype->file, mtype->line,
			"mtype = %s: the profile has no match, so whether the GPU honours it is unknown; amdgpu.mtype_local is not written%s%s%s",
			mtype->value, why.len ? " (" : "", why.len ? why.s : "",
			why.len ? ")" : "");
		return;
	}
	kf_mtype_local_kernels(c->m, gfx, &read, &no, &unknown);
	honoured = read.len || (c->m->n_kernels == 0 && kf_mtype_local_ever_read(gfx));
	if (!honoured && unknown.len) {
		finding(c, DIAG_WARNING, false, mtype->file, mtype->line,
			"mtype = %s: whether %s reads it for %s is not known here (" KF_MTYPE_LOCAL_READERS
			"): amdgpu.mtype_local is not written",
			mtype->value, unknown.s, gfx[0]);
		return;
	}
	if (!honoured) {
		finding(c, DIAG_WARNING, false, mtype->file, mtype->line,
			"mtype = %s has no effect on %s%s%s (" KF_MTYPE_LOCAL_READERS
			"): amdgpu.mtype_local is not written%s%s",
			mtype->value, gfx[0], no.len ? " with " : "", no.len ? no.s : "",
			why.len ? "; " : "", why.len ? why.s : "");
		return;
	}
	if (no.len)
		finding(c, DIAG_WARNING, false, mtype->file, mtype->line,
			"mtype = %s has no effect on %s with %s (" KF_MTYPE_LOCAL_READERS
			")",
			mtype->value, gfx[0], no.s);
	if (unknown.len)
		finding(c, DIAG_WARNING, false, mtype->file, mtype->line,
			"mtype = %s: whether %s reads it for %s is not known here",
			mtype->value, unknown.s, gfx[0]);
	strbuf_printf(&r, "%s%s%s",
		      mtype->reason ? mtype->reason : "MTYPE for local memory",
		      why.len ? "; " : "", why.len ? why.s : "");
	add_setting(c, "amdgpu", "mtype_local", num, r.s ? r.s : "", mtype->file,
		    mtype->line);
	strbuf_done(&r);
}

/* The [memory] section, as four policies: the GTT size, gttsize for old kernels, the
 * TTM page pool and the MTYPE. */
static void plan_memory(struct ctx *c)
{
	const struct psection *mem = profile_section(c->p, PSECTION_MEMORY, NULL);
	const struct pentry *gtt = psection_get(mem, "gtt"),
			    *pool = psection_get(mem, "page_pool"),
			    *mtype = psection_get(mem, "mtype");
	uint64_t gtt_bytes = 0, gtt_page_bytes = 0;

	if ((gtt || pool) && !c->m->mem_known) {
		const struct pentry *e = gtt ? gtt : pool;

		finding(c, DIAG_ERROR, false, e->file, e->line,
			"the size of RAM is unknown (%s): give it with --memory",
			c->m->image
				? "the root is an image being built, for the machines that boot it"
				: "no MemTotal in proc/meminfo");
		return;
	}
	if (!gtt && psection_get(mem, "reserve")) {
		const struct pentry *r = psection_get(mem, "reserve");

		finding(c, DIAG_WARNING, false, r->file, r->line,
			"reserve = %s without gtt: there is no GTT size to lower",
			r->value);
	}
	if (gtt && !plan_gtt(c, gtt, &gtt_bytes, &gtt_page_bytes))
		return;
	if (pool)
		plan_page_pool(c, pool, gtt != NULL, gtt_bytes, gtt_page_bytes);
	if (mtype && !streq(mtype->value, "default"))
		plan_mtype(c, mtype);
}

/* A rule's finding about a profile entry: at the entry's line, refusing the profile
 * when it is an error. */
struct rule_at {
	struct ctx *c;
	const struct pentry *e;
};

static int rule_finding(void *data, enum diag_level level, bool forcible, const char *msg)
{
	struct rule_at *at = data;

	finding(at->c, level, forcible, at->e->file, at->e->line, "%s", msg);
	return at->c->err;
}

static void check_rules(struct ctx *c, const char *module, const char *param,
			const struct pentry *e)
{
	struct rules_input in = {.m = c->m, .gfx = c->plan->targets};
	struct rule_at at = {.c = c, .e = e};

	if (rules_check(&in, module, param, *e->value ? e->value : NULL, rule_finding,
			&at) < 0 &&
	    !c->err)
		c->err = -ENOMEM;
}

static void check_kernel_param(struct ctx *c, const struct pentry *e)
{
	_cleanup_free_ char *canon = cmdline_name_canonical(e->key);
	const char *dot;

	if (!canon) {
		c->err = -ENOMEM;
		return;
	}
	check_rules(c, NULL, canon, e);
	dot = strchr(canon, '.');
	if (dot) {
		_cleanup_free_ char *mod = strndup(canon, (size_t)(dot - canon));
		bool is_module = mod && is_amd_module(mod);

		for (size_t i = 0; mod && !is_module && i < c->m->n_kernels; i++) {
			const struct module_schema *s =
				kernel_module(&c->m->kernels[i], mod);

			is_module = s && s->found;
		}
		if (is_module)
			finding(c, DIAG_ERROR, false, e->file, e->line,
				"%s: module options belong in [module %s] (with placement = cmdline to put them on the command line)",
				e->key, mod);
	}
}

static void check_module_option(struct ctx *c, const char *module, const struct pentry *e,
				bool *skip_schema)
{
	_cleanup_free_ char *p = cmdline_name_canonical(e->key);
	bool has_gtt =
		psection_get(profile_section(c->p, PSECTION_MEMORY, NULL), "gtt") != NULL;

	*skip_schema = false;
	if (!p) {
		c->err = -ENOMEM;
		return;
	}
	if (streq(module, "amdgpu")) {
		/* With kernel metadata the misspelling is caught there, with the closest
		 * real name; without it, the best-known trap is still named. */
		if (streq(p, "gtt_size") && c->m->n_kernels == 0) {
			finding(c, DIAG_ERROR, false, e->file, e->line,
				"gtt_size: no such parameter of amdgpu (the kernel ignores it); the GTT size is [memory] gtt");
			*skip_schema = true;
		} else if (streq(p, "gttsize")) {
			finding(c, DIAG_ERROR, false, e->file, e->line,
				"gttsize: set the GTT size with [memory] gtt, which writes the TTM limit (and gttsize only for kernels that need it)");
		} else if (streq(p, "mtype_local")) {
			finding(c, DIAG_ERROR, false, e->file, e->line,
				"mtype_local: set it with [memory] mtype, which knows the GPUs that honour it");
		}
	}
	check_rules(c, module, p, e);
	if (is_ttm_module(module) && has_gtt &&
	    (streq(p, "pages_limit") || streq(p, "page_pool_size")))
		finding(c, DIAG_ERROR, false, e->file, e->line,
			"%s.%s is computed from [memory]; set it there", module, p);
}

int plan_build(const struct profile *p, const struct machine_facts *m,
	       const struct plan_options *o, struct plan **ret, struct diag_list *d)
{
	struct ctx c = {.p = p, .m = m, .o = o, .d = d};
	const struct psection *kernel = profile_section(p, PSECTION_KERNEL, NULL);
	const struct pentry *gtt;

	c.plan = calloc(1, sizeof(*c.plan));
	if (!c.plan || plan_profile_targets(p, &c.plan->targets) < 0) {
		plan_free(c.plan);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->n_kernels; i++)
		if (m->kernels[i].ttm_module &&
		    !strv_contains(c.ttm_modules, m->kernels[i].ttm_module) &&
		    strv_push(&c.ttm_modules, m->kernels[i].ttm_module) < 0)
			c.err = -ENOMEM;
	if (!c.ttm_modules && strv_push(&c.ttm_modules, "ttm") < 0)
		c.err = -ENOMEM;
	/* Both loaded (a DKMS amdgpu on amdttm, and ttm for another driver or the
	 * kernel's amdgpu): the limit goes to both, so it holds whichever amdgpu runs. */
	if (m->ttm_both_loaded)
		for (const char *const *t = ttm_modules; *t; t++)
			if (!strv_contains(c.ttm_modules, *t) &&
			    strv_push(&c.ttm_modules, *t) < 0)
				c.err = -ENOMEM;

	if (!c.err)
		plan_memory(&c);
	for (size_t i = 0; kernel && i < kernel->n_entries && !c.err; i++) {
		const struct pentry *e = &kernel->entries[i];

		check_kernel_param(&c, e);
		add_setting(&c, NULL, e->key, *e->value ? e->value : NULL, e->reason,
			    e->file, e->line);
	}
	for (size_t i = 0; i < p->n_sections && !c.err; i++) {
		const struct psection *s = &p->sections[i];

		if (s->kind != PSECTION_MODULE)
			continue;
		for (size_t j = 0; j < s->n_entries && !c.err; j++) {
			bool skip = false;

			check_module_option(&c, s->module, &s->entries[j], &skip);
			if (!skip)
				add_setting(&c, s->module, s->entries[j].key,
					    s->entries[j].value, s->entries[j].reason,
					    s->entries[j].file, s->entries[j].line);
		}
	}
	/* Every module option, including those computed from [memory], is checked against
	 * the metadata of each target kernel. */
	for (size_t i = 0; i < c.plan->n_settings && !c.err; i++)
		if (c.plan->settings[i].module)
			validate_option(&c, &c.plan->settings[i]);
	if (m->n_kernels == 0 && !c.err)
		finding(&c, DIAG_WARNING, false, NULL, 0,
			"no kernel under lib/modules: module options are not checked against kernel metadata");
	for (size_t i = 0; i < m->n_kernels && !c.err; i++) {
		const struct kernel_info *k = &m->kernels[i];

		if (!strv_contains(c.plan->targets, "gfx1151") || !k->ver_known)
			continue;
		switch (kf_gfx1151(k->ver, k->version)) {
		case KF_GFX1151_NOT_DRIVEN:
			finding(&c, DIAG_WARNING, false, NULL, 0,
				"kernel %s predates amdgpu's GC 11.5.1 support (added in 2024, after 6.8): unless it was backported, this kernel does not drive gfx1151 (Strix Halo) at all, and these settings only matter on a newer one",
				k->version);
			break;
		case KF_GFX1151_NOT_KNOWN:
			finding(&c, DIAG_WARNING, false, NULL, 0,
				"kernel %s is not known to carry the two KFD fixes gfx1151 (Strix Halo) needs for ROCm (\"bump minimum vgpr size for gfx1151\" and the cwsr/ctl_stack size export): AMD's documentation lists 6.18.4 and later and Ubuntu 24.04's HWE 6.17.0-19; 6.12.64 and later 6.12 kernels and Ubuntu OEM 6.14.0-1018 and later are reported to have them",
				k->version);
			break;
		case KF_GFX1151_FIXED:
			break;
		}
	}
	/* The other targets: kernels that do not drive the GPU at all. gfx1151 has its
	 * own check above. */
	for (size_t t = 0; c.plan->targets[t] && !c.err; t++) {
		const char *gfx = c.plan->targets[t];
		_cleanup_strbuf_ struct strbuf no = {0};
		_cleanup_strbuf_ struct strbuf unknown = {0};
		bool seen = false;

		for (size_t j = 0; j < t; j++)
			seen |= streq(c.plan->targets[j], gfx);
		if (seen || streq(gfx, "gfx1151"))
			continue;
		for (size_t i = 0; i < m->n_kernels; i++) {
			const struct kernel_info *k = &m->kernels[i];
			int driven = k->ver_known ? kf_gfx_driven(k->ver, gfx) : 1;

			if (driven == 0)
				strbuf_list_add(&no, k->version);
			else if (driven < 0 &&
				 kf_gfx_driven((const unsigned[3]){7, 3, 0}, gfx) == 1)
				strbuf_list_add(&unknown, k->version);
		}
		if (no.len)
			finding(&c, DIAG_WARNING, false, NULL, 0,
				"%s does not drive %s at all (its amdgpu_discovery_set_gc_ip_blocks() has no case for that GC version): these settings only matter on a newer kernel",
				no.s, gfx);
		if (unknown.len)
			finding(&c, DIAG_WARNING, false, NULL, 0,
				"whether %s drives %s is not known here", unknown.s, gfx);
	}
	/* Before 6.5 ROCm does not get the GTT size; say so where a size is planned. */
	if (!c.err &&
	    (gtt = psection_get(profile_section(p, PSECTION_MEMORY, NULL), "gtt"))) {
		struct strbuf capped = {0};

		kf_kernels_where(c.m, kf_kfd_capped_at_3_8, &capped);
		if (capped.len)
			finding(&c, DIAG_WARNING, false, gtt->file, gtt->line,
				"on %s ROCm (KFD) allocates at most 3/8 of the RAM free when amdgpu loads, whatever the GTT size (amdgpu_amdkfd_gpuvm_init_mem_limits); from 6.5 its limit is ttm.pages_limit",
				capped.s);
		strbuf_done(&capped);
	}
	strv_free(c.ttm_modules);
	if (c.err || c.failed) {
		plan_free(c.plan);
		return c.err ? c.err : -EINVAL;
	}
	*ret = c.plan;
	return 0;
}
