#include <errno.h>

#include "strv.h"

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t strv_length(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int strv_consume(char ***v, char *s)
{
	size_t n = strv_length(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));

	if (!nv)
		return -ENOMEM;
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int strv_push(char ***v, const char *s)
{
	char *c = strdup(s);
	int r;

	if (!c)
		return -ENOMEM;
	r = strv_consume(v, c);
	if (r < 0)
		free(c);
	return r;
}

bool strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (streq(v[i], s))
			return true;
	return false;
}

int strv_split_ws(const char *s, char ***ret)
{
	char **v = NULL;

	while (*s) {
		size_t n;
		char *w;
		int r;

		s += strspn(s, " \t");
		n = strcspn(s, " \t");
		if (n == 0)
			break;
		w = strndup(s, n);
		if (!w) {
			strv_free(v);
			return -ENOMEM;
		}
		r = strv_consume(&v, w);
		if (r < 0) {
			free(w);
			strv_free(v);
			return r;
		}
		s += n;
	}
	if (!v) {
		v = calloc(1, sizeof(char *));
		if (!v)
			return -ENOMEM;
	}
	*ret = v;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort(char **v)
{
	/* qsort() wants a valid pointer even for no elements. */
	if (v)
		qsort(v, strv_length(v), sizeof(char *), cmp_str);
}
