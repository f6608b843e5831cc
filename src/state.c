#include <errno.h>
#include <sha2.h>

#include "profile.h"
#include "state.h"
#include "strv.h"
#include "sysroot.h"

#define STATE_MAX (64 * 1024)

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
	free(s);
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

int state_parse(const char *file, const char *buf, size_t len, struct state **ret,
		struct diag_list *d)
{
	struct state *s = calloc(1, sizeof(*s));
	char *copy = strndup(buf, len);
	unsigned line = 0;
	bool version = false;
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
		if (streq(key, "version")) {
			if (!streq(val, "1") || version)
				r = bad(d, file, line, "unknown or repeated version");
			version = true;
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
			f = realloc(s->files, (s->n_files + 1) * sizeof(*f));
			if (!f) {
				r = -ENOMEM;
				break;
			}
			s->files = f;
			f[s->n_files] = (struct state_file){strdup(val), strdup(val2)};
			s->n_files++;
			if (!f[s->n_files - 1].path || !f[s->n_files - 1].sha256)
				r = -ENOMEM;
		} else if (streq(key, "token")) {
			/* An argument apply added to etc/kernel/cmdline: one allowlisted
			 * token, nothing an interpreter could read twice. */
			if (!*val || strpbrk(val, " \t\"\\") || !state_token_is_safe(val))
				r = bad(d, file, line, "invalid token");
			else if (strv_push(&s->tokens, val) < 0)
				r = -ENOMEM;
		} else {
			r = bad(d, file, line, "unknown key");
		}
	}
	if (r == 0 && (!version || !s->profile))
		r = bad(d, file, 0, "no version or no profile");
	free(copy);
	if (r < 0) {
		state_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int state_read(const struct sysroot *root, struct state **ret, struct diag_list *d)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = sysroot_read_file(root, STATE_FILE, STATE_MAX, true, &buf, &len);

	*ret = NULL;
	if (r == -ENOENT)
		return 0;
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		r = diag_add(d, DIAG_ERROR, STATE_FILE, 0, "cannot read: %s",
			     strerror(-r));
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

int state_format(const struct state *s, char **ret)
{
	struct strbuf b = {0};
	int r = strbuf_printf(&b,
			      "# amdgpu-tune: what the last apply wrote. Do not edit.\n"
			      "version 1\nprofile %s\n",
			      s->profile);

	for (size_t i = 0; r == 0 && i < s->n_files; i++)
		r = strbuf_printf(&b, "file %s %s\n", s->files[i].path,
				  s->files[i].sha256);
	for (size_t i = 0; r == 0 && s->tokens && s->tokens[i]; i++)
		r = strbuf_printf(&b, "token %s\n", s->tokens[i]);
	if (r < 0) {
		strbuf_done(&b);
		return r;
	}
	*ret = strbuf_steal(&b);
	return 0;
}
