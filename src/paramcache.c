#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "paramcache.h"
#include "paths.h"
#include "sysroot.h"
#include "util.h"

#define MAGIC	  "amdgpu-tune params 1\n"
#define CACHE_MAX ((size_t)1024 * 1024)

/* The cache key of a module file: "PATH SIZE MTIME.NSEC INODE DEVICE" with PATH below
 * the kernel's module directory. Writes into buf (at most n bytes). */
static void paramcache_key(const char *rel, const struct stat *st, char *buf, size_t n)
{
	snprintf(buf, n, "%s %" PRIu64 " %" PRId64 ".%09ld %" PRIu64 " %" PRIu64, rel,
		 (uint64_t)st->st_size, (int64_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		 (uint64_t)st->st_ino, (uint64_t)st->st_dev);
}

/* Fields are separated by tabs and lines by newlines, so both are escaped, and the
 * escape character itself. */
static int put_field(struct strbuf *b, const char *s)
{
	int r = 0;

	if (!s)
		return strbuf_putc(b, '-');
	if (*s == '-' || !*s)
		r = strbuf_putc(b, '\\');
	for (; r == 0 && *s; s++) {
		if (*s == '\\')
			r = strbuf_puts(b, "\\\\");
		else if (*s == '\t')
			r = strbuf_puts(b, "\\t");
		else if (*s == '\n')
			r = strbuf_puts(b, "\\n");
		else
			r = strbuf_putc(b, *s);
	}
	return r;
}

int paramcache_format(const char *key, const struct module_schema *s, char **ret)
{
	struct strbuf b = {0};
	int r = strbuf_printf(&b, MAGIC "key %s\n", key);

	for (size_t i = 0; r == 0 && i < s->n_params; i++) {
		r = put_field(&b, s->params[i].name);
		if (r == 0)
			r = strbuf_putc(&b, '\t');
		if (r == 0)
			r = put_field(&b, s->params[i].type);
		if (r == 0)
			r = strbuf_putc(&b, '\t');
		if (r == 0)
			r = put_field(&b, s->params[i].desc);
		if (r == 0)
			r = strbuf_putc(&b, '\n');
	}
	if (r == 0)
		r = strbuf_puts(&b, "end\n");
	if (r < 0) {
		strbuf_done(&b);
		return r;
	}
	*ret = strbuf_steal(&b);
	return 0;
}

/* Undoes put_field() on [p, end) into a new string in *ret (NULL for "-"). */
static int get_field(const char *p, const char *end, char **ret)
{
	size_t len = (size_t)(end - p);
	char *o, *w;

	*ret = NULL;
	if (len == 1 && *p == '-')
		return 0;
	if (len == 0)
		return -EBADMSG;
	/* A lone backslash is the empty string; before '-', it starts one with '-'. */
	if ((len == 1 && *p == '\\') || (len >= 2 && p[0] == '\\' && p[1] == '-'))
		p++;
	o = malloc(len + 1);
	if (!o)
		return -ENOMEM;
	w = o;
	for (; p < end; p++) {
		if (*p != '\\') {
			*w++ = *p;
			continue;
		}
		if (++p == end) {
			free(o);
			return -EBADMSG;
		}
		*w++ = (char)(*p == 't' ? '\t' : *p == 'n' ? '\n' : *p);
	}
	*w = '\0';
	*ret = o;
	return 0;
}

static void params_free(struct param_def *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].type);
		free(p[i].desc);
	}
	free(p);
}

int paramcache_parse(const char *buf, size_t len, const char *key,
		     struct module_schema *s)
{
	const char *p = buf, *end = buf + len, *nl;
	struct param_def *params = NULL;
	size_t n = 0, klen = strlen(key);
	bool done = false;
	int r = 0;

	if (memchr(buf, '\0', len) || len < strlen(MAGIC) ||
	    memcmp(buf, MAGIC, strlen(MAGIC)) != 0)
		return -EBADMSG;
	p += strlen(MAGIC);
	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl || (size_t)(nl - p) < 4 || memcmp(p, "key ", 4) != 0)
		return -EBADMSG;
	if ((size_t)(nl - p - 4) != klen || memcmp(p + 4, key, klen) != 0)
		return -ESTALE;
	for (p = nl + 1; r == 0 && p < end; p = nl + 1) {
		const char *t1, *t2;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || done) {
			r = -EBADMSG;
			break;
		}
		if (nl - p == 3 && memcmp(p, "end", 3) == 0) {
			done = true;
			continue;
		}
		t1 = memchr(p, '\t', (size_t)(nl - p));
		t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(nl - t1 - 1)) : NULL;
		if (!t2 || n >= 4096) {
			r = -EBADMSG;
			break;
		}
		if (ARRAY_GROW(params, n) < 0) {
			r = -ENOMEM;
			break;
		}
		params[n] = (struct param_def){0};
		n++;
		r = get_field(p, t1, &params[n - 1].name);
		if (r == 0)
			r = get_field(t1 + 1, t2, &params[n - 1].type);
		if (r == 0)
			r = get_field(t2 + 1, nl, &params[n - 1].desc);
		if (r == 0 && (!params[n - 1].name || !*params[n - 1].name))
			r = -EBADMSG;
	}
	if (r == 0 && !done)
		r = -EBADMSG; /* truncated */
	if (r < 0) {
		params_free(params, n);
		return r;
	}
	params_free(s->params, s->n_params);
	s->params = params;
	s->n_params = n;
	return 0;
}

static bool entry_paths(const struct paramcache *c, const char *path, const char *module,
			char rel[static 512], char key[static 1024])
{
	struct stat st;
	const char *below = startswith(path, c->moddir);

	if (c->disabled || !below || strchr(c->version, '/') || strchr(module, '/') ||
	    stat(path, &st) < 0)
		return false;
	while (*below == '/')
		below++;
	paramcache_key(below, &st, key, 1024);
	snprintf(rel, 512, CACHE_DIR "/%s/%s.params", c->version, module);
	return true;
}

static bool paramcache_load(void *data, const char *path, struct module_schema *s)
{
	const struct paramcache *c = data;
	char rel[512], key[1024];
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len;
	_cleanup_free_ char *at = NULL;
	char why[96];

	if (!entry_paths(c, path, s->module, rel, key))
		return false;
	/* Only an entry root (or, with --root, the caller) wrote, in directories nobody
	 * else can change: the checks the state gets (an untrusted entry would change
	 * what `check` says). */
	if (sysroot_path_trusted(c->root, CACHE_DIR, rel, &at, why) < 0)
		return false;
	if (sysroot_read_file_stat(c->root, rel, CACHE_MAX, true, &buf, &len, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return false;
	return paramcache_parse(buf, len, key, s) == 0;
}

static void paramcache_store(void *data, const char *path, const struct module_schema *s)
{
	const struct paramcache *c = data;
	char rel[512], key[1024], dir[512];
	_cleanup_free_ char *text = NULL;

	if (c->read_only || !entry_paths(c, path, s->module, rel, key) ||
	    paramcache_format(key, s, &text) < 0)
		return;
	snprintf(dir, sizeof(dir), CACHE_DIR "/%s", c->version);
	/* A cache that cannot be written (read-only root, no permission) is only
	 * slower. */
	if (sysroot_mkdir_p(c->root, dir, 0755) == 0)
		(void)sysroot_write_atomic(c->root, rel, text, strlen(text), 0644);
}

const struct modinfo_cache paramcache_ops = {
	.load = paramcache_load,
	.store = paramcache_store,
};
