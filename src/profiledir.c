#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "profile.h"
#include "privs.h"
#include "profiledir.h"
#include "strv.h"
#include "sysroot.h"

bool profiledir_strict;

const char *profiledir_shipped(void)
{
	const char *e = secure_getenv("AMDGPU_TUNE_PROFILE_DIR"), *d = PROFILEDIR;

	if (e && e[0] == '/')
		return e;
	while (*d == '/') /* relative to the root */
		d++;
	return d;
}

/* Reads dir/name.conf from the root (or the host for an absolute shipped override). */
static int read_in(struct sysroot *root, const char *dir, const char *name,
		   char **ret_file, char **ret_buf, size_t *ret_len, struct diag_list *d)
{
	_cleanup_strbuf_ struct strbuf rel = {0};
	struct stat st;
	int r;

	if (strbuf_printf(&rel, "%s/%s.conf", dir, name) < 0)
		return -ENOMEM;
	if (dir[0] == '/')
		r = read_host_file_stat(rel.s, PROFILE_MAX_BYTES + 1, ret_buf, ret_len,
					&st);
	else
		r = sysroot_read_file_stat(root, rel.s, PROFILE_MAX_BYTES + 1, true,
					   ret_buf, ret_len, &st);
	if (r == 0 && profiledir_strict) {
		_cleanup_free_ char *what = NULL;

		r = privs_trusted(dir[0] == '/' ? NULL : root, rel.s, &st, &what);
		if (r < 0) {
			free(*ret_buf);
			*ret_buf = NULL;
		}
		if (r == -EPERM) {
			r = diag_error(
				d, -EACCES, NULL, 0,
				"refusing profile '%s': %s is not owned by root or is writable by group or others",
				name, what ? what : rel.s);
			return r;
		}
	}
	if (r == 0) {
		*ret_file = dir[0] == '/' ? strdup(rel.s) : sysroot_display(root, rel.s);
		if (!*ret_file) {
			free(*ret_buf);
			r = -ENOMEM;
		}
	}
	return r;
}

int profiledir_load(void *userdata, const char *name, char **ret_file, char **ret_buf,
		    size_t *ret_len, struct diag_list *d)
{
	struct sysroot *root = userdata;
	const char *dirs[] = {PROFILEDIR_ETC, profiledir_shipped()};
	int r = -ENOENT;

	if (!profile_name_is_valid(name)) {
		return diag_error(d, -EINVAL, NULL, 0,
				  "'%s' is not a profile name ([a-z0-9][a-z0-9._-]*)",
				  name);
	}
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		r = read_in(root, dirs[i], name, ret_file, ret_buf, ret_len, d);
		if (r == -EACCES)
			return -EINVAL;
		if (r != -ENOENT)
			break;
	}
	if (r == -ENOENT)
		return diag_error(
			d, -ENOENT, NULL, 0,
			"no profile '%s' (looked in /%s and %s%s); 'amdgpu-tune profiles' lists them",
			name, PROFILEDIR_ETC, dirs[1][0] == '/' ? "" : "/", dirs[1]);
	if (r < 0) {
		_cleanup_free_ char *f = NULL;
		_cleanup_strbuf_ struct strbuf b = {0};

		strbuf_printf(&b, "%s/%s.conf", PROFILEDIR_ETC, name);
		f = b.s ? sysroot_display(root, b.s) : NULL;
		return diag_error(d, r, f, 0, "cannot read profile '%s': %s", name,
				  r == -EFBIG	? "larger than 64 KiB"
				  : r == -ELOOP ? "is a symbolic link"
						: read_error_text(-r));
	}
	return 0;
}

static int list_dir(struct sysroot *root, const char *dir, char ***ret)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r = 0;

	if (dir[0] == '/') {
		d = opendir(dir);
		if (!d)
			return 0;
	} else if (sysroot_opendir(root, dir, &d) < 0) {
		return 0;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		_cleanup_free_ char *name = NULL;

		if (n <= 5 || !streq(de->d_name + n - 5, ".conf"))
			continue;
		name = strndup(de->d_name, n - 5);
		if (!name) {
			r = -ENOMEM;
			break;
		}
		if (profile_name_is_valid(name) && strv_push(ret, name) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	return r;
}

void profiledir_list_free(struct profile_file *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].name);
		free(l[i].file);
		free(l[i].shadowed);
	}
	free(l);
}

int profiledir_list(struct sysroot *root, struct profile_file **ret, size_t *ret_n)
{
	_cleanup_strv_free_ char **etc = NULL, **shipped = NULL, **all = NULL;
	const char *sdir = profiledir_shipped();
	struct profile_file *l = NULL;
	size_t n = 0;

	if (list_dir(root, PROFILEDIR_ETC, &etc) < 0 ||
	    list_dir(root, sdir, &shipped) < 0)
		return -ENOMEM;
	for (size_t i = 0; etc && etc[i]; i++)
		if (strv_push(&all, etc[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; shipped && shipped[i]; i++)
		if (!strv_contains(all, shipped[i]) && strv_push(&all, shipped[i]) < 0)
			return -ENOMEM;
	if (all)
		strv_sort(all);
	l = calloc(strv_length(all) + 1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	for (size_t i = 0; all && all[i]; i++, n++) {
		struct strbuf e = {0}, s = {0};
		bool in_etc = strv_contains(etc, all[i]),
		     in_shipped = strv_contains(shipped, all[i]);

		strbuf_printf(&e, "%s/%s.conf", PROFILEDIR_ETC, all[i]);
		strbuf_printf(&s, "%s/%s.conf", sdir, all[i]);
		l[n].name = strdup(all[i]);
		if (in_etc)
			l[n].file = e.s ? sysroot_display(root, e.s) : NULL;
		else
			l[n].file = sdir[0] == '/' ? strdup(s.s ? s.s : "")
				    : s.s	   ? sysroot_display(root, s.s)
						   : NULL;
		if (in_etc && in_shipped)
			l[n].shadowed = sdir[0] == '/' ? strdup(s.s ? s.s : "")
					: s.s	       ? sysroot_display(root, s.s)
						       : NULL;
		strbuf_done(&e);
		strbuf_done(&s);
		if (!l[n].name || !l[n].file ||
		    (in_etc && in_shipped && !l[n].shadowed)) {
			profiledir_list_free(l, n + 1);
			return -ENOMEM;
		}
	}
	*ret = l;
	*ret_n = n;
	return 0;
}
