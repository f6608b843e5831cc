/* The pure parts of the operations: taking apply's tokens back out of a command line
 * (strip_tokens) and which snapshot a plain rollback undoes (last_undoable). One TAP
 * line per table case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "change.h"
#include "ops.h"
#include "util.h"

struct strip_case {
	const char *name;
	const char *cur;
	const char *tokens[4];
	const char *want;
};

static const struct strip_case strip_cases[] = {
	{"strip: the token goes, the rest keeps its order",
	 "root=/dev/sda1 quiet iommu=pt\n",
	 {"iommu=pt"},
	 "root=/dev/sda1 quiet\n"},
	{"strip: of a repeated value, the last (apply's) goes",
	 "iommu=pt quiet iommu=pt",
	 {"iommu=pt"},
	 "iommu=pt quiet"},
	{"strip: a token not there changes nothing, not even the spacing",
	 "quiet  splash\t\n",
	 {"iommu=pt"},
	 "quiet  splash\t\n"},
	{"strip: a token listed twice takes two occurrences",
	 "a b a\n",
	 {"a", "a"},
	 "b\n"},
	{"strip: newlines are blanks", "a\nb\n", {"b"}, "a\n"},
	{"strip: no prefix match",
	 "iommu=ptx amd_iommu=off",
	 {"iommu=pt", "amd_iommu=of"},
	 "iommu=ptx amd_iommu=off"},
	{"strip: what follows -- stays",
	 "quiet iommu=pt -- init=/bin/sh\n",
	 {"iommu=pt"},
	 "quiet -- init=/bin/sh\n"},
	{"strip: no tokens returns the line as it is", "x  y\n", {NULL}, "x  y\n"},
	{"strip: everything can go, the newline stays", "iommu=pt\n", {"iommu=pt"}, "\n"},
	{"strip: everything can go", "iommu=pt", {"iommu=pt"}, ""},
	{"strip: init's argument after -- is never taken, even when it is the last",
	 "quiet iommu=pt -- iommu=pt\n",
	 {"iommu=pt"},
	 "quiet -- iommu=pt\n"},
	{"strip: a token only after -- is init's: nothing goes",
	 "quiet -- single iommu=pt\n",
	 {"iommu=pt"},
	 "quiet -- single iommu=pt\n"},
	{"strip: a quoted \"--\" ends the kernel's arguments too, as parse_args() sees it",
	 "quiet \"--\" iommu=pt\n",
	 {"iommu=pt"},
	 "quiet \"--\" iommu=pt\n"},
	{"strip: spaces inside a quoted value stay, byte for byte",
	 "quiet dyndbg=\"file  drm.c  +p\" iommu=pt\n",
	 {"iommu=pt"},
	 "quiet dyndbg=\"file  drm.c  +p\"\n"},
	{"strip: the blanks between the user's arguments stay",
	 "root=/dev/sda1\tquiet   splash iommu=pt \n",
	 {"iommu=pt"},
	 "root=/dev/sda1\tquiet   splash \n"},
	{"strip: our tokens in the middle go with the blanks after the argument before them",
	 "a iommu=pt b  amdgpu.x=1  c\n",
	 {"iommu=pt", "amdgpu.x=1"},
	 "a b  c\n"},
	{"strip: a token of ours at the start goes with the blanks after it",
	 "iommu=pt  quiet\n",
	 {"iommu=pt"},
	 "quiet\n"},
	{"strip: only ours before --, and -- first again when nothing else is left",
	 "iommu=pt -- single\n",
	 {"iommu=pt"},
	 "-- single\n"},
	{"strip: a token is ours only spelt as the state records it",
	 "foo=\"a b\" foo=\"a  b\"\n",
	 {"foo=\"a b\""},
	 "foo=\"a  b\"\n"},
};

static void test_strip(void **state)
{
	const struct strip_case *c = *state;
	_cleanup_free_ char *got = NULL;

	assert_int_equal(strip_tokens(c->cur, (char *const *)c->tokens, &got), 0);
	assert_string_equal(got, c->want);
}

struct undo_case {
	const char *name;
	struct {
		const char *op;
		unsigned undoes;
		bool undone;
	} snaps[5];
	size_t n;
	unsigned want;
};

static const struct undo_case undo_cases[] = {
	{"undo: nothing to undo without snapshots", {{NULL}}, 0, 0},
	{"undo: the one apply", {{"apply", 0, false}}, 1, 1},
	{"undo: a remove is undone like an apply",
	 {{"apply", 0, false}, {"remove", 0, false}},
	 2,
	 2},
	{"undo: an apply a rollback undid is skipped",
	 {{"apply", 0, false}, {"apply", 0, false}, {"rollback", 2, false}},
	 3,
	 1},
	{"undo: all undone leaves nothing",
	 {{"apply", 0, false}, {"rollback", 1, false}},
	 2,
	 0},
	{"undo: a failed apply changed nothing and is skipped",
	 {{"apply", 0, false}, {"apply", 0, true}},
	 2,
	 1},
	{"undo: a failed rollback undid nothing",
	 {{"apply", 0, false}, {"rollback", 1, true}},
	 2,
	 1},
	{"undo: two rollbacks undo two applies",
	 {{"apply", 0, false},
	  {"apply", 0, false},
	  {"rollback", 2, false},
	  {"rollback", 1, false}},
	 4,
	 0},
};

static void test_undo(void **state)
{
	const struct undo_case *c = *state;
	struct snapshot s[5], *l[5];

	for (size_t i = 0; i < c->n; i++) {
		s[i] = (struct snapshot){.id = (unsigned)i + 1,
					 .operation = (char *)c->snaps[i].op,
					 .undoes = c->snaps[i].undoes,
					 .undone = c->snaps[i].undone};
		l[i] = &s[i];
	}
	assert_int_equal(last_undoable(l, c->n), c->want);
}

int main(void)
{
	struct CMUnitTest tests[ELEMENTSOF(strip_cases) + ELEMENTSOF(undo_cases)];
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(strip_cases); i++)
		tests[n++] =
			(struct CMUnitTest){.name = strip_cases[i].name,
					    .test_func = test_strip,
					    .initial_state = (void *)&strip_cases[i]};
	for (size_t i = 0; i < ELEMENTSOF(undo_cases); i++)
		tests[n++] = (struct CMUnitTest){.name = undo_cases[i].name,
						 .test_func = test_undo,
						 .initial_state = (void *)&undo_cases[i]};
	return _cmocka_run_group_tests("ops", tests, n, NULL, NULL);
}
