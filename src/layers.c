#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "cmdline.h"
#include "fragment.h"
#include "kparam.h"
#include "kfacts.h"
#include "layers.h"
#include "rules.h"

/* What GRUB puts before the configured arguments: "BOOT_IMAGE=/boot/vmlinuz-VERSION
 * root=UUID=<36> ro ", counted with a 40-byte version. */
#define GRUB_PREFIX_BYTES (strlen("BOOT_IMAGE=/boot/vmlinuz- root=UUID= ro ") + 40 + 36)

size_t layers_cmdline_bytes(const struct boot_facts *b)
{
	return b->next.text.len + (b->grub ? GRUB_PREFIX_BYTES : 0);
}

bool layers_cmdline_too_long(const struct boot_facts *b)
{
	return b && b->next_known && layers_cmdline_bytes(b) > COMMAND_LINE_SIZE;
}

const char *row_status_name(enum row_status s)
{
	return s == ROW_CHANGE	  ? "change"
	       : s == ROW_PENDING ? "pending"
	       : s == ROW_UNKNOWN ? "unknown"
				  : "ok";
}

static void lvalue_done(struct lvalue *v)
{
	free(v->value);
}

void layers_free(struct layers *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_rows; i++) {
		lvalue_done(&l->rows[i].next);
		lvalue_done(&l->rows[i].after);
		lvalue_done(&l->rows[i].running);
		lvalue_done(&l->rows[i].written);
	}
	free(l->rows);
	free(l);
}

/* A boot configuration split into arguments once. */
struct parsed {
	const struct boot_facts *b;
	const struct machine_facts *m;
	struct sargs cmdline;
};

static int parsed_init(struct parsed *p, const struct boot_facts *b,
		       const struct machine_facts *m)
{
	*p = (struct parsed){.b = b, .m = m};
	return b && b->next_known ? srcline_args(&b->next, &p->cmdline) : 0;
}

static const char *modprobe_file(const struct boot_facts *b, struct src at)
{
	return modprobe_file_name(b->modprobe, at.file);
}

static int set_value(struct lvalue *v, const struct sarg *a, const char *file)
{
	*v = (struct lvalue){.set = true, .file = file, .line = a->at.line};
	if (!a->value)
		return 0;
	v->value = strdup(a->value);
	return v->value ? 0 : -ENOMEM;
}

/* The last argument named name in a whose origin is file (NULL: any). */
static const struct sarg *find_from(const struct sargs *a, const char *name,
				    const char *file,
				    const char *(*file_of)(const struct boot_facts *,
							   struct src),
				    const struct boot_facts *b)
{
	for (size_t i = a->n; i-- > 0;)
		if (cmdline_name_equal(a->v[i].name, name) &&
		    (!file || streq_ptr(file_of(b, a->v[i].at), file)))
			return &a->v[i];
	return NULL;
}

static bool is_builtin_somewhere(const struct machine_facts *m, const char *module,
				 const char **ret_version)
{
	for (size_t k = 0; k < m->n_kernels; k++) {
		const struct module_schema *s = kernel_module(&m->kernels[k], module);

		if (s && s->builtin) {
			*ret_version = m->kernels[k].version;
			return true;
		}
	}
	return false;
}

/* What the next boot gives setting s under configuration p; only_file restricts it to
 * what that file says (the "written" layer). */
static int value_of(const struct parsed *p, const struct setting *s,
		    const char *only_file, struct lvalue *ret)
{
	const struct sarg *a = NULL;
	int r;

	*ret = (struct lvalue){0};
	if (!p->b)
		return 0;
	/* The kernel command line: for a kernel parameter or a built-in module, the only
	 * place; for a loadable module, modprobe appends it after modprobe.d, so it
	 * wins. */
	if (p->b->next_known) {
		const char *from =
			only_file && s->where == WHERE_CMDLINE ? only_file : NULL;
		const char *builtin_in;

		/* After "--", kmod still finds a loadable module's options (and they come
		 * last, so they win); a built-in module or the kernel never sees them. */
		if (s->module && !is_builtin_somewhere(p->m, s->module, &builtin_in)) {
			struct sargs tail = {.v = p->cmdline.tail,
					     .n = p->cmdline.n_tail};

			a = find_from(&tail, s->name, from, boot_next_file, p->b);
		}
		if (!a)
			a = find_from(&p->cmdline, s->name, from, boot_next_file, p->b);
		if (a && (!only_file || s->where == WHERE_CMDLINE))
			return set_value(ret, a, boot_next_file(p->b, a->at));
	}
	if (s->where == WHERE_MODPROBE && p->b->modprobe) {
		struct sargs opts = {0};

		r = modprobe_module_args(p->b->modprobe, s->module, &opts);
		if (r < 0)
			return r;
		a = find_from(&opts, s->param, only_file, modprobe_file, p->b);
		r = a ? set_value(ret, a, modprobe_file(p->b, a->at)) : 0;
		sargs_done(&opts);
		return r;
	}
	return 0;
}

static struct kparam_type type_of(const struct machine_facts *m, const struct setting *s,
				  bool *known)
{
	struct kparam_type t = {0};

	*known = false;
	for (size_t k = 0; s->module && k < m->n_kernels && !*known; k++) {
		const struct module_schema *ms = kernel_module(&m->kernels[k], s->module);
		const struct param_def *pd =
			ms ? module_schema_param(ms, s->param) : NULL;

		*known = pd && pd->type && kparam_type_parse(pd->type, &t) == 0;
	}
	return t;
}

/* Equal as the kernel would store them; the bytes when the type is unknown. */
static bool same(const struct machine_facts *m, const struct setting *s,
		 const struct lvalue *v, const char *wanted)
{
	bool known;
	struct kparam_type t = type_of(m, s, &known);

	if (!v->set)
		return false;
	if (known && v->value && wanted)
		return kparam_equal(&t, v->value, wanted) == 1;
	return streq_ptr(v->value, wanted);
}

static int running_of(const struct boot_facts *b, const struct setting *s,
		      const struct sysfs_value *fs, struct lvalue *ret, bool *known)
{
	const struct sarg *a;

	*ret = (struct lvalue){0};
	*known = false;
	if (s->module && fs && fs->known) {
		*known = true;
		if (fs->value) {
			*ret = (struct lvalue){.set = true, .value = strdup(fs->value)};
			return ret->value ? 0 : -ENOMEM;
		}
	}
	if (!b || !b->running_known)
		return 0;
	*known = true;
	a = sargs_find(&b->running, s->name);
	return a ? set_value(ret, a, NULL) : 0;
}

static size_t file_index(char *const *files, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (streq(files[i], name))
			return i;
	return SIZE_MAX;
}

/* A drop-in after ours that assigns GRUB_CMDLINE_LINUX_DEFAULT without keeping the
 * earlier value throws our arguments away (the cloud-image pattern, sorted later). */
static int lint_grub_override(const struct boot_facts *after, struct diag_list *d,
			      bool *found)
{
	const struct grub_config *g = after ? after->grub : NULL;
	size_t ours;

	*found = false;
	if (!g)
		return 0;
	ours = file_index(g->files, g->n_files, FRAGMENT_GRUB);
	if (ours == SIZE_MAX)
		return 0;
	for (size_t i = 0; i < g->n_assigns; i++) {
		const struct grub_assign *a = &g->assigns[i];
		int r;

		if (a->file <= ours || a->keeps_previous ||
		    !streq(a->name, "GRUB_CMDLINE_LINUX_DEFAULT"))
			continue;
		*found = true;
		r = diag_warning(
			d, g->files[a->file], a->line,
			"replaces GRUB_CMDLINE_LINUX_DEFAULT after %s, so the next boot loses amdgpu-tune's parameters; append instead (GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT ...\")",
			FRAGMENT_GRUB);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Our drop-in for kernel arguments: the boot loader's when it has one that is ours as
 * a whole (a bootc image's kargs.d file), else GRUB's. */
static const char *dropin_path(const struct boot_facts *now)
{
	const struct managed_file *m = now ? now->loader->cmdline : NULL;

	return m && m->hand_edit ? m->path : FRAGMENT_GRUB;
}

int layers_compute(const struct plan *pl, const struct machine_facts *m,
		   const struct boot_facts *now, const struct boot_facts *after,
		   const struct sysfs_value *sysfs, struct layers **ret,
		   struct diag_list *d)
{
	struct layers *l = calloc(1, sizeof(*l));
	struct parsed pn = {0}, pa = {0};
	bool overridden = false;
	_cleanup_strbuf_ struct strbuf by_hand = {0}; /* with no boot loader we know */
	int r;

	if (!l)
		return -ENOMEM;
	l->rows = calloc(pl->n_settings + 1, sizeof(*l->rows));
	r = l->rows ? 0 : -ENOMEM;
	if (r == 0)
		r = parsed_init(&pn, now, m);
	if (r == 0)
		r = parsed_init(&pa, after, m);
	if (r == 0)
		r = lint_grub_override(after, d, &overridden);
	for (size_t i = 0; r == 0 && i < pl->n_settings; i++) {
		const struct setting *s = &pl->settings[i];
		struct row *row = &l->rows[i];

		l->n_rows++;
		row->setting = s;
		/* A module option in modprobe.d is still known when the command line is
		 * not (a warning says the command line could override it). */
		row->next_known = now && (now->next_known || s->where == WHERE_MODPROBE);
		r = value_of(&pn, s, NULL, &row->next);
		if (r == 0)
			r = value_of(&pa, s, NULL, &row->after);
		if (r == 0)
			r = value_of(
				&pn, s,
				s->where == WHERE_CMDLINE
					? dropin_path(now)
					: backend_modprobe_path(now ? now->loader : NULL),
				&row->written);
		if (r == 0)
			r = running_of(now, s, sysfs ? &sysfs[i] : NULL, &row->running,
				       &row->running_known);
		if (r < 0)
			break;
		if (!row->next_known) {
			row->status = ROW_UNKNOWN;
			row->next_why = now ? now->next_why : NULL;
		} else if (!same(m, s, &row->next, s->value))
			row->status = ROW_CHANGE;
		else if (row->running_known && !same(m, s, &row->running, s->value))
			row->status = ROW_PENDING;
		else
			row->status = ROW_OK;

		if (s->where == WHERE_CMDLINE && (!after || !after->next_known)) {
			if (after && !after->loader->read_next) {
				_cleanup_free_ char *a = NULL;

				r = cmdline_arg_format(s->name, s->value, &a);
				if (r == 0)
					r = strbuf_printf(&by_hand, "%s%s",
							  by_hand.len ? " " : "", a);
			}
			continue;
		}
		if (same(m, s, &row->after, s->value))
			continue;
		if (row->after.set && row->after.file)
			r = diag_warning(
				d, row->after.file, row->after.line,
				"sets %s=%s after amdgpu-tune's %s: the next boot would still get that; change or remove it here",
				s->name, row->after.value ? row->after.value : "",
				s->where == WHERE_CMDLINE ? "drop-in"
							  : "modprobe.d file");
		else if (row->after.set)
			r = diag_warning(
				d, NULL, 0,
				"%s=%s comes after amdgpu-tune's setting and wins",
				s->name, row->after.value ? row->after.value : "");
		else if (!overridden && pa.cmdline.init_args)
			r = diag_warning(
				d, NULL, 0,
				"a bare '--' on the kernel command line hands everything after it to init, %s too: remove the '--' or what follows it",
				s->name);
		else if (!overridden)
			r = diag_warning(d, NULL, 0,
					 "%s would still be unset after apply", s->name);
	}
	if (r == 0 && by_hand.len)
		r = diag_warning(
			d, NULL, 0,
			"no supported boot loader found: add these kernel parameters to its command line by hand: %s",
			by_hand.s);
	/* GRUB drops arguments that do not fit the kernel's buffer, from the end. */
	if (r == 0 && layers_cmdline_too_long(after))
		r = diag_warning(
			d, NULL, 0,
			"the kernel command line would be about %zu bytes, over the kernel's %d: the last arguments would be dropped",
			layers_cmdline_bytes(after), COMMAND_LINE_SIZE);
	sargs_done(&pn.cmdline);
	sargs_done(&pa.cmdline);
	if (r < 0) {
		layers_free(l);
		return r;
	}
	*ret = l;
	return 0;
}

/* Checks module.param against the kernels' metadata: unknown names and deprecated
 * parameters, for modules whose metadata was read. */
static int lint_param(const struct machine_facts *m, const char *module,
		      const char *param, const char *file, unsigned line,
		      struct diag_list *d)
{
	_cleanup_strbuf_ struct strbuf unknown = {0};
	_cleanup_strbuf_ struct strbuf deprecated = {0};
	int r = 0;

	for (size_t k = 0; k < m->n_kernels; k++) {
		const struct module_schema *s = kernel_module(&m->kernels[k], module);
		const struct param_def *pd;

		if (!s || !s->found || s->builtin)
			continue;
		pd = module_schema_param(s, param);
		if (!pd)
			strbuf_printf(&unknown, "%s%s", unknown.len ? ", " : "",
				      m->kernels[k].version);
		else if (kf_param_deprecated(&m->kernels[k], module, pd))
			strbuf_printf(&deprecated, "%s%s", deprecated.len ? ", " : "",
				      m->kernels[k].version);
	}
	if (unknown.len)
		r = diag_warning(d, file, line,
				 "%s.%s is unknown to %s (%s): the kernel ignores it",
				 module, param, module, unknown.s);
	if (r == 0 && deprecated.len)
		r = diag_warning(d, file, line, "%s.%s is deprecated in %s%s", module,
				 param, deprecated.s,
				 kf_deprecation_advice(module, param));
	return r;
}

struct effective {
	const char *value;
	const char *file;
	unsigned line;
	bool set;
};

/* The value the next boot gives module.param (command line over modprobe.d). */
static void effective(const struct boot_facts *b, const struct sargs *cmd,
		      const struct sargs *opts, const char *name, const char *param,
		      struct effective *ret)
{
	const struct sarg *a = cmd ? sargs_find(cmd, name) : NULL;

	*ret = (struct effective){0};
	if (a) {
		*ret = (struct effective){a->value, boot_next_file(b, a->at), a->at.line,
					  true};
		return;
	}
	a = opts ? sargs_find(opts, param) : NULL;
	if (a)
		*ret = (struct effective){a->value, modprobe_file(b, a->at), a->at.line,
					  true};
}

struct lint_at {
	struct diag_list *d;
	const char *file;
	unsigned line;
};

/* On disk every rule's finding is a warning: the file is not ours to refuse. */
static int lint_finding(void *data, enum diag_level level, bool forcible, const char *msg)
{
	struct lint_at *at = data;

	(void)level;
	(void)forcible;
	return diag_warning(at->d, at->file, at->line, "%s", msg);
}

/* The rules a profile is checked with (rules.c), for a setting found on disk. */
static int lint_rules(const struct machine_facts *m, char *const *gfx, const char *module,
		      const char *param, const char *value, const char *file,
		      unsigned line, struct diag_list *d)
{
	struct rules_input in = {.m = m, .gfx = gfx};
	struct lint_at at = {.d = d, .file = file, .line = line};

	return rules_check(&in, module, param, value, lint_finding, &at);
}

/* Whether an effective setting comes from one of our own files: the plan already said
 * what it means on each target kernel. */
static bool from_ours(const struct effective *e)
{
	return streq_ptr(e->file, FRAGMENT_MODPROBE) ||
	       streq_ptr(e->file, FRAGMENT_MODPROBE_USR) ||
	       streq_ptr(e->file, FRAGMENT_GRUB) || streq_ptr(e->file, FRAGMENT_BOOTC);
}

/* The bytes a GTT or TTM limit sets: value counted in unit-byte units; false for the
 * kernel's own default (gttsize -1, pages_limit 0) or a value that does not parse. */
static bool limit_bytes(const struct effective *e, uint64_t unit, uint64_t *ret)
{
	uint64_t v;

	if (!e->set || !e->value || kparam_parse_u64(e->value, &v) < 0 || v == 0 ||
	    v > UINT64_MAX / unit)
		return false;
	*ret = v * unit;
	return true;
}

/* A limit near all of RAM: TTM keeps nothing back below its limit (ttm_tt_populate()
 * swaps out only above pages_limit), so the kernel and applications can be starved.
 * The planner refuses above 90 % (plan_gtt()); on disk it is named. */
static int lint_share(const struct machine_facts *m, const char *name,
		      const struct effective *e, uint64_t bytes, struct diag_list *d)
{
	char gib[32], ram[32];
	unsigned permille;

	if (!m->mem_known || m->mem_total < 1000 || from_ours(e) ||
	    bytes / 9 <= m->mem_total / 10)
		return 0;
	permille = (unsigned)(bytes / (m->mem_total / 1000));
	format_gib(bytes, gib);
	format_gib(m->mem_total, ram);
	return diag_warning(
		d, e->file, e->line,
		"%s=%s is %s, %u.%u%% of the %s of RAM: TTM keeps nothing back below its limit, so the kernel and applications can be starved (amdgpu-tune plans at most 90%%)",
		name, e->value, gib, permille / 10, permille % 10, ram);
}

/* What the GTT and TTM limits the next boot sets do on each kernel (g: amdgpu.gttsize;
 * the TTM module's pages_limit per kernel):
 * - before 6.5 ROCm (KFD) allocates at most 3/8 of the RAM free when amdgpu loads,
 *   whatever either says (kf_kfd_capped_at_3_8()), and pages_limit does not size the
 *   GTT (kf_gtt_follows_ttm());
 * - gttsize and pages_limit that disagree: the GTT follows one, ROCm the other;
 * - a limit near all of RAM (lint_share()). */
static int lint_gtt(const struct machine_facts *m, const struct boot_facts *b,
		    const struct sargs *cmd, struct diag_list *d)
{
	_cleanup_strbuf_ struct strbuf capped = {0};
	_cleanup_strbuf_ struct strbuf no_gtt = {0};
	_cleanup_strbuf_ struct strbuf split = {0};
	struct sargs amdgpu = {0};
	struct effective g, p_first = {0};
	_cleanup_free_ char *p_first_value = NULL;
	const char *p_name = NULL;
	char name[64], p_first_name[64] = "";
	uint64_t gbytes = 0, pbytes = 0, p_first_bytes = 0;
	bool g_limit;
	int r = modprobe_module_args(b->modprobe, "amdgpu", &amdgpu);

	if (r < 0)
		return r;
	effective(b, cmd, &amdgpu, "amdgpu.gttsize", "gttsize", &g);
	g_limit = limit_bytes(&g, MIB, &gbytes);
	for (size_t k = 0; r == 0 && k < m->n_kernels; k++) {
		const struct kernel_info *ki = &m->kernels[k];
		const char *ttm = ki->ttm_module;
		struct sargs opts = {0};
		struct effective p;
		bool p_limit;

		snprintf(name, sizeof(name), "%s.pages_limit", ttm);
		r = modprobe_module_args(b->modprobe, ttm, &opts);
		if (r < 0)
			break;
		effective(b, cmd, &opts, name, "pages_limit", &p);
		p_limit = limit_bytes(&p, m->page_size, &pbytes);
		/* The first limit the user's files set: ours is the plan's to explain. */
		if (p_limit && !p_first.set && !from_ours(&p)) {
			/* The value lives in opts: kept for the findings below. */
			p_first_value = strdup(p.value);
			if (!p_first_value) {
				sargs_done(&opts);
				r = -ENOMEM;
				break;
			}
			p_first = p;
			p_first.value = p_first_value;
			p_first_bytes = pbytes;
			snprintf(p_first_name, sizeof(p_first_name), "%s", name);
		}
		if (ki->ver_known && kf_kfd_capped_at_3_8(ki->ver) &&
		    ((g_limit && !from_ours(&g)) || (p_limit && !from_ours(&p)))) {
			strbuf_list_add(&capped, ki->version);
			if (p_limit && !from_ours(&p) && !kf_gtt_follows_ttm(ki->ver)) {
				strbuf_list_add(&no_gtt, ki->version);
				p_name = p_first_name;
			}
		}
		/* gttsize alone from 6.5: the GTT follows it, KFD the TTM default. */
		if (g_limit && !p_limit && !from_ours(&g) && ki->ver_known &&
		    kf_gtt_follows_ttm(ki->ver))
			strbuf_list_add(&split, ki->version);
		if (g_limit && p_limit && gbytes != pbytes)
			r = diag_warning(
				d, g.file, g.line,
				"amdgpu.gttsize=%s (MiB) disagrees with %s=%s (%" PRIu64
				" MiB in %" PRIu64
				"-byte pages, set at %s:%u): on kernel %s the GTT follows gttsize and ROCm (KFD) %s%s",
				g.value, name, p.value, pbytes >> 20, m->page_size,
				p.file ? p.file : "?", p.line, ki->version,
				ki->ver_known && kf_kfd_capped_at_3_8(ki->ver)
					? "at most 3/8 of the RAM free when amdgpu loads"
					: "the TTM limit",
				/* amdgpu_ttm_init() of 6.15 and later logs it. */
				ki->ver_known && kf_gttsize_deprecated(ki->ver)
					? ", and it logs \"this is unusual\""
					: "");
		sargs_done(&opts);
	}
	if (r == 0 && capped.len) {
		const struct effective *e = g_limit && !from_ours(&g) ? &g : &p_first;

		r = diag_warning(
			d, e->file, e->line,
			"%s=%s: on %s ROCm (KFD) allocates at most 3/8 of the RAM free when amdgpu loads, whatever amdgpu.gttsize or ttm.pages_limit say (amdgpu_amdkfd_gpuvm_init_mem_limits()); from 6.5 its limit is ttm.pages_limit",
			e == &g ? "amdgpu.gttsize" : p_first_name, e->value, capped.s);
	}
	if (r == 0 && split.len)
		r = diag_warning(
			d, g.file, g.line,
			"amdgpu.gttsize=%s alone: on %s it sizes the GTT, but ROCm (KFD) still follows ttm.pages_limit, half of RAM by default (amdgpu_amdkfd_gpuvm_init_mem_limits()); set the TTM limit instead",
			g.value, split.s);
	if (r == 0 && no_gtt.len)
		r = diag_warning(
			d, p_first.file, p_first.line,
			"%s=%s does not size the GTT on %s: before 6.5 only amdgpu.gttsize does (amdgpu_ttm_init())",
			p_name, p_first.value, no_gtt.s);
	if (r == 0 && g_limit)
		r = lint_share(m, "amdgpu.gttsize", &g, gbytes, d);
	if (r == 0 && p_first.set)
		r = lint_share(m, p_first_name, &p_first, p_first_bytes, d);
	sargs_done(&amdgpu);
	return r;
}

static int lint_cmdline(const struct machine_facts *m, char *const *gfx,
			const struct boot_facts *b, const struct sargs *cmd,
			struct diag_list *d)
{
	int r = 0;

	/* Then the arguments after "--": kmod still applies a loadable module's
	 * MOD.PARAM there, so it gets the same lints (kernel parameters there are
	 * init's). */
	for (size_t i = 0; r == 0 && i < cmd->n + cmd->n_tail; i++) {
		bool tail = i >= cmd->n;
		const struct sarg *a = tail ? &cmd->tail[i - cmd->n] : &cmd->v[i];
		const char *file = boot_next_file(b, a->at), *dot;

		dot = strchr(a->name, '.');
		if (tail && !dot)
			continue;
		if (!dot)
			r = lint_rules(m, gfx, NULL, a->name, a->value, file, a->at.line,
				       d);
		if (r == 0 && dot && dot > a->name) {
			_cleanup_free_ char *mod =
				strndup(a->name, (size_t)(dot - a->name));
			_cleanup_free_ char *cmod =
				mod ? cmdline_name_canonical(mod) : NULL;

			if (!cmod)
				return -ENOMEM;
			r = lint_param(m, cmod, dot + 1, file, a->at.line, d);
			if (r == 0)
				r = lint_rules(m, gfx, cmod, dot + 1, a->value, file,
					       a->at.line, d);
		}
	}
	return r;
}

/* Whether any lint below can find something in module's options: a module no kernel
 * has parameters for, no rule concerns and no initramfs loads has none. */
static bool module_linted(const struct machine_facts *m, const char *module)
{
	if (rules_module_matters(module) || initramfs_loads(module))
		return true;
	for (size_t k = 0; k < m->n_kernels; k++)
		if (kernel_module(&m->kernels[k], module))
			return true;
	return false;
}

static int lint_modprobe(const struct machine_facts *m, char *const *gfx,
			 const struct boot_facts *b, struct diag_list *d)
{
	const struct modprobe_config *c = b->modprobe;
	bool *initrd_warned = calloc(c->n_files + 1, sizeof(bool));
	int r = initrd_warned ? 0 : -ENOMEM;

	for (size_t i = 0; r == 0 && i < c->n_modules; i++) {
		const struct modprobe_module *mm = &c->modules[i];
		struct sargs opts = {0};
		const char *version;

		if (!module_linted(m, mm->module))
			continue;
		r = srcline_args(&mm->opts, &opts);
		if (r < 0)
			break;
		if (opts.n && is_builtin_somewhere(m, mm->module, &version))
			r = diag_warning(
				d, modprobe_file(b, opts.v[0].at), opts.v[0].at.line,
				"%s is built into kernel %s: modprobe.d options for it are ignored there (use %s.PARAM= on the kernel command line)",
				mm->module, version, mm->module);
		for (size_t k = 0; r == 0 && k < opts.n; k++) {
			const struct sarg *a = &opts.v[k];
			uint32_t f = a->at.file;

			r = lint_param(m, mm->module, a->name, modprobe_file(b, a->at),
				       a->at.line, d);
			if (r == 0)
				r = lint_rules(m, gfx, mm->module, a->name, a->value,
					       modprobe_file(b, a->at), a->at.line, d);
			if (r < 0 || !initramfs_loads(mm->module) || f >= c->n_files ||
			    initrd_warned[f])
				continue;
			for (size_t n = 0; r == 0 && n < b->n_initrds; n++)
				if (b->initrds[n].mtime < c->mtimes[f]) {
					initrd_warned[f] = true;
					r = diag_warning(
						d, c->files[f], 0,
						"newer than %s: if the initramfs loads %s (Debian's does with plymouth), these options take effect only after 'update-initramfs -u -k all'",
						b->initrds[n].path, mm->module);
					break;
				}
		}
		sargs_done(&opts);
	}
	free(initrd_warned);
	return r;
}

int layers_lint(const struct machine_facts *m, const struct boot_facts *b,
		const struct boot_facts *after, char *const *gfx, struct diag_list *d)
{
	struct sargs cmd = {0}, acmd = {0};
	const struct boot_facts *g = after ? after : b;
	int r = 0;

	if (!b)
		return 0;
	if (b->next_known)
		r = srcline_args(&b->next, &cmd);
	if (r == 0 && g->next_known)
		r = srcline_args(&g->next, &acmd);
	if (r == 0)
		r = lint_cmdline(m, gfx, b, &cmd, d);
	if (r == 0 && b->modprobe)
		r = lint_modprobe(m, gfx, b, d);
	/* The disagreement that matters is the one the next boot would see. */
	if (r == 0 && g->modprobe)
		r = lint_gtt(m, g, g->next_known ? &acmd : NULL, d);
	sargs_done(&cmd);
	sargs_done(&acmd);
	return r;
}
