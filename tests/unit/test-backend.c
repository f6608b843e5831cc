/* The boot loader backend table: detection over every combination of what the reader
 * probes (checked against the rule stated on its own), the names
 * the journal and JSON use, and the managed files each backend brings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend.h"
#include "txn.h"
#include "cases.h"
#include "ops.h"
#include "plan.h"
#include "util.h"

/* The rule, stated once more on its own: a bootc image being built; a booted OSTree
 * system with rpm-ostree; another OSTree system; systemd-boot's files without a
 * grub.cfg; else GRUB's defaults with Debian's update-grub; else GRUB's defaults with a
 * grub.cfg that runs blscfg, or GRUB_ENABLE_BLSCFG=true with entries (Fedora's); else
 * GRUB's defaults with grub-mkconfig or a grub.cfg; else systemd-boot's files; else none.
 */
static const char *expected(const struct boot_probe *p)
{
	if (p->bootc_image)
		return "bootc-image";
	if (p->ostree && p->ostree_booted && p->rpm_ostree)
		return "rpm-ostree";
	if (p->ostree)
		return "ostree";
	if (p->sdboot && !p->grub_cfg)
		return "systemd-boot";
	if (p->grub_defaults && p->update_grub)
		return "debian-grub";
	if (p->grub_defaults && (p->grub_blscfg || p->grub_enable_blscfg))
		return "grub-bls";
	if (p->grub_defaults && (p->grub_mkconfig || p->grub_cfg))
		return "grub";
	if (p->sdboot)
		return "systemd-boot";
	return "unknown";
}

static void test_detect_every_probe(void **state)
{
	(void)state;
	for (unsigned bits = 0; bits < 2048; bits++) {
		struct boot_probe p = {
			.sdboot = bits & 1,
			.grub_cfg = bits & 2,
			.grub_defaults = bits & 4,
			.update_grub = bits & 8,
			.grub_mkconfig = bits & 16,
			.grub_blscfg = bits & 32,
			.grub_enable_blscfg = bits & 64,
			.ostree = bits & 128,
			.bootc_image = bits & 256,
			.ostree_booted = bits & 512,
			.rpm_ostree = bits & 1024,
		};
		struct strbuf ev = {0};
		const struct boot_backend *b;

		p.esp = p.sdboot ? "efi" : NULL;
		b = backend_detect(&p, &ev);
		if (!streq(b->name, expected(&p)))
			fail_msg("probe %#x: %s, want %s", bits, b->name, expected(&p));
		/* Every decision says what it rests on. */
		assert_non_null(ev.s);
		assert_true(strncmp(ev.s, "; ", 2) == 0);
		strbuf_done(&ev);
	}
}

static void test_evidence(void **state)
{
	static const struct {
		struct boot_probe p;
		const char *want;
	} cases[] = {
		{{.esp = "efi", .sdboot = true}, "; systemd-boot in efi, no grub.cfg"},
		{{.esp = "boot/efi", .sdboot = true, .grub_cfg = true},
		 "; systemd-boot in boot/efi"},
		{{.grub_defaults = true, .update_grub = true},
		 "; etc/default/grub and usr/sbin/update-grub"},
		{{.esp = "efi",
		  .sdboot = true,
		  .grub_cfg = true,
		  .grub_defaults = true,
		  .update_grub = true},
		 "; etc/default/grub and usr/sbin/update-grub (systemd-boot is also in efi)"},
		{{.grub_defaults = true, .grub_mkconfig = true},
		 "; etc/default/grub, and no Debian update-grub: grub-mkconfig reads no drop-ins"},
		{{.grub_defaults = true, .grub_cfg = true, .grub_blscfg = true},
		 "; etc/default/grub and a grub.cfg that runs blscfg (GRUB with BLS entries, boot/loader/entries)"},
		{{.bootc_image = true, .ostree = true},
		 "; a bootc image being built (usr/bin/bootc, the ostree link to sysroot/ostree, no usr/etc, not booted: no run/ostree-booted)"},
		{{.ostree = true, .ostree_booted = true, .rpm_ostree = true},
		 "; a booted OSTree system (run/ostree-booted) with rpm-ostree (usr/bin/rpm-ostree)"},
		{{.ostree = true, .ostree_booted = true},
		 "; an OSTree system (ostree/repo, sysroot/ostree, run/ostree-booted or the ostree link to sysroot/ostree)"},
		{{0}, "; no GRUB defaults and no systemd-boot found"},
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct strbuf ev = {0};

		backend_detect(&cases[i].p, &ev);
		assert_string_equal(ev.s, cases[i].want);
		strbuf_done(&ev);
	}
}

/* The journal names a loader by its name: every backend's reads back as itself, and
 * nothing else reads as one. */
static void test_names(void **state)
{
	(void)state;
	for (size_t i = 0; backends[i]; i++) {
		assert_ptr_equal(backend_by_name(backends[i]->name), backends[i]);
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(backends[k]->name, backends[i]->name);
		/* A backend that takes our arguments can write them. */
		assert_true(!backends[i]->cmdline || backends[i]->cmdline_text);
		assert_true(!backends[i]->cmdline ||
			    backends[i]->cmdline->kind == MANAGED_CMDLINE);
		assert_true(!backends[i]->modprobe ||
			    backends[i]->modprobe->kind == MANAGED_MODPROBE);
	}
	assert_null(backend_by_name("grub2"));
	assert_null(backend_by_name(""));
	assert_null(backend_by_name(NULL));
	assert_ptr_equal(backend_by_name("unknown"), &backend_unknown);
}

static void test_managed_files(void **state)
{
	static const char *const order[] = {
		FRAGMENT_BOOTC, FRAGMENT_RPM_OSTREE, FRAGMENT_GRUB, FRAGMENT_MODPROBE,
		FRAGMENT_MODPROBE_USR, KERNEL_CMDLINE, GRUB_DEFAULTS,
		/* systemd-boot's trial entry, on each partition it may be on */
		"efi/loader/entries/" SDBOOT_TRIAL_ENTRY,
		"boot/efi/loader/entries/" SDBOOT_TRIAL_ENTRY,
		"boot/loader/entries/" SDBOOT_TRIAL_ENTRY, FRAGMENT_GRUB_TRIAL,
		/* one literal (STATE_DIR "/trial"), not two */
		(TRIAL_FILE),
		/* one literal (STATE_DIR "/state"), not two */
		(STATE_FILE)};
	const struct managed_file *m;
	size_t n = 0;

	(void)state;
	for (; (m = managed_file(n)); n++) {
		assert_true(n < ELEMENTSOF(order));
		assert_string_equal(m->path, order[n]);
		assert_ptr_equal(managed_file_lookup(m->path), m);
	}
	assert_int_equal(n, ELEMENTSOF(order));
	assert_null(managed_file_lookup("etc/default/grub.d"));
	assert_null(managed_file_lookup(STATE_DIR));
	assert_null(managed_file_lookup(NULL));
	/* Only our tokens are ours in etc/kernel/cmdline and etc/default/grub; the
	 * drop-ins are ours whole. */
	assert_false(managed_file_lookup(KERNEL_CMDLINE)->hand_edit);
	assert_false(managed_file_lookup(GRUB_DEFAULTS)->hand_edit);
	assert_true(managed_file_lookup(FRAGMENT_GRUB)->hand_edit);
	/* A trial's entry makes the boot menu again; its record nothing. */
	assert_int_equal(managed_file_lookup(FRAGMENT_GRUB_TRIAL)->kind, MANAGED_ENTRY);
	assert_int_equal(managed_file_lookup(TRIAL_FILE)->kind, MANAGED_TRIAL);
	assert_true(txn_path_is_cmdline(FRAGMENT_GRUB_TRIAL));
	assert_false(txn_path_is_cmdline(TRIAL_FILE));
	/* systemd-boot reads its entry itself: nothing to make again. */
	assert_int_equal(
		managed_file_lookup("boot/efi/loader/entries/" SDBOOT_TRIAL_ENTRY)->kind,
		MANAGED_BOOT_ENTRY);
	assert_false(txn_path_is_cmdline("boot/efi/loader/entries/" SDBOOT_TRIAL_ENTRY));
	assert_ptr_equal(backend_for_cmdline_file(KERNEL_CMDLINE, NULL), &backend_sdboot);
	assert_ptr_equal(backend_for_cmdline_file(GRUB_DEFAULTS, &backend_grub),
			 &backend_grub);
	assert_ptr_equal(backend_for_cmdline_file(GRUB_DEFAULTS, &backend_grub_bls),
			 &backend_grub_bls);
	/* Another loader's file: the table's backend for it. */
	assert_ptr_equal(backend_for_cmdline_file(KERNEL_CMDLINE, &backend_grub_bls),
			 &backend_sdboot);
	assert_ptr_equal(backend_for_cmdline_file(FRAGMENT_GRUB, NULL),
			 &backend_debian_grub);
	assert_null(backend_for_cmdline_file(FRAGMENT_MODPROBE, NULL));
	assert_ptr_equal(backend_for_cmdline_file(FRAGMENT_BOOTC, NULL), &backend_bootc);
	/* Module options: etc/modprobe.d but in a bootc image, and both are ours whole.
	 */
	assert_string_equal(backend_modprobe_path(&backend_debian_grub),
			    FRAGMENT_MODPROBE);
	assert_string_equal(backend_modprobe_path(&backend_bootc), FRAGMENT_MODPROBE_USR);
	assert_string_equal(backend_modprobe_path(NULL), FRAGMENT_MODPROBE);
	assert_int_equal(managed_file_lookup(FRAGMENT_MODPROBE_USR)->kind,
			 MANAGED_MODPROBE);
	assert_true(managed_file_lookup(FRAGMENT_MODPROBE_USR)->hand_edit);
	assert_true(managed_file_lookup(FRAGMENT_BOOTC)->hand_edit);
}

/* A GRUB without drop-ins: our arguments go to the end of the value of the one
 * assignment that gives GRUB_CMDLINE_LINUX_DEFAULT its value, and only where that is
 * plain; after is the file with amd_iommu=off added (NULL: refused, at line). */
static const struct span_case {
	const char *what, *text, *after;
	unsigned line;
} span_cases[] = {
	{"Arch's stock line: added inside the quotes",
	 "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"loglevel=3 quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n",
	 "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"loglevel=3 quiet amd_iommu=off\"\nGRUB_CMDLINE_LINUX=\"\"\n",
	 0},
	{"an empty value gets the argument alone", "GRUB_CMDLINE_LINUX_DEFAULT=\"\"\n",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"amd_iommu=off\"\n", 0},
	{"single quotes, blanks before and a comment after are kept",
	 "  GRUB_CMDLINE_LINUX_DEFAULT='quiet'  # mine\n",
	 "  GRUB_CMDLINE_LINUX_DEFAULT='quiet amd_iommu=off'  # mine\n", 0},
	{"the last of two assignments is the one edited",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"a\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"b\"",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"a\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"b amd_iommu=off\"",
	 0},
	{"an argument the value already has is not added again",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"amd_iommu=off quiet\"\n",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"amd_iommu=off quiet\"\n", 0},
	{"a commented-out assignment is not the one",
	 "#GRUB_CMDLINE_LINUX_DEFAULT=\"x\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"y\"\n",
	 "#GRUB_CMDLINE_LINUX_DEFAULT=\"x\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"y amd_iommu=off\"\n",
	 0},
	{"no assignment is refused", "GRUB_DEFAULT=0\n", NULL, 0},
	{"an unquoted value is refused", "GRUB_CMDLINE_LINUX_DEFAULT=quiet\n", NULL, 1},
	{"a value with an expansion is refused",
	 "X=a\nGRUB_CMDLINE_LINUX_DEFAULT=\"$X quiet\"\n", NULL, 2},
	{"a value that adds to itself is refused",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"a\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT} b\"\n",
	 NULL, 2},
	{"an assignment under a condition is refused",
	 "if [ -e /x ]; then\nGRUB_CMDLINE_LINUX_DEFAULT=\"a\"\nfi\n", NULL, 2},
	{"a second command on the line is refused",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"a\"; X=1\n", NULL, 1},
	{"a value over two lines is refused", "GRUB_CMDLINE_LINUX_DEFAULT=\"a\nb\"\n",
	 NULL, 1},
	{"a backslash in double quotes is refused",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"a\\\\b\"\n", NULL, 1},
	{"an export is refused", "export GRUB_CMDLINE_LINUX_DEFAULT=\"a\"\n", NULL, 1},
	{"a quoted word followed by more of it is refused",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"a\"b\n", NULL, 1},
	{"a \"--\" in GRUB_CMDLINE_LINUX is refused (what follows goes to init)",
	 "GRUB_CMDLINE_LINUX=\"ro -- single\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"a\"\n", NULL,
	 2},
	{"a syntax error is refused, at its line (an if without then: the end of the file)",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"a\"\nif\n", NULL, 3},
	{"the blanks a value ends with stay at its end",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet  \"\n",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet amd_iommu=off  \"\n", 0},
	{"a value of blanks keeps them after the argument",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\" \"\n",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"amd_iommu=off \"\n", 0},
	{"an argument goes before a \"--\" of the value's own (after it, init's)",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet -- single\"\n",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet amd_iommu=off -- single\"\n", 0},
	{"a double-quoted value keeps an apostrophe of its own",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"it's\"\n",
	 "GRUB_CMDLINE_LINUX_DEFAULT=\"it's amd_iommu=off\"\n", 0},
	{"a GRUB_CMDLINE_LINUX not known is refused (it may hold a \"--\")",
	 "GRUB_CMDLINE_LINUX=\"$(cat /etc/extra)\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"a\"\n",
	 NULL, 1},
	{"bash's $'...' quoting anywhere is refused (dash reads it otherwise)",
	 "X=$'a\\' \nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n#'\n", NULL, 0},
	{"bash's $'...' quoting after a line continuation is refused too",
	 "X=$\\\n'a\\' \nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n#'\n", NULL, 0},
	{"bash's $\"...\" quoting is refused too",
	 "X=$\"a\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n", NULL, 0},
};

static void test_grub_span(void **state)
{
	const struct span_case *c = *state;
	struct plan *pl = calloc(1, sizeof(*pl));
	struct diag_list d = {0};
	size_t start = 0, end = 0;
	char *out = NULL;
	int r;

	assert_int_equal(plan_append(pl, NULL, "amd_iommu", "off", WHERE_CMDLINE), 0);
	r = backend_grub.cmdline_span(c->text, &start, &end, &d);
	if (c->after) {
		if (r != 0)
			fail_msg("refused: %s", d.n ? d.items[0].message : "?");
		assert_int_equal(backend_grub.cmdline_text("p", pl, c->text, &out), 0);
		assert_string_equal(out, c->after);
		/* Taking our token away again gives the file back byte for byte, unless
		 * the value had it already. */
		if (!strstr(c->text, "amd_iommu=off")) {
			char *tokens[] = {"amd_iommu=off", NULL}, *back = NULL;

			assert_int_equal(cmdline_file_strip(&backend_grub, GRUB_DEFAULTS,
							    out, tokens, &back, &d),
					 0);
			assert_string_equal(back, c->text);
			free(back);
		}
	} else {
		assert_int_equal(r, -EINVAL);
		assert_int_equal(d.n, 1);
		assert_string_equal(d.items[0].file, GRUB_DEFAULTS);
		assert_int_equal(d.items[0].line, c->line);
		assert_non_null(strstr(d.items[0].message, "GRUB_CMDLINE_LINUX_DEFAULT"));
		assert_int_equal(backend_grub.cmdline_text("p", pl, c->text, &out),
				 -EINVAL);
	}
	free(out);
	diag_list_done(&d);
	plan_free(pl);
}

int main(void)
{
	struct CMUnitTest tests[ELEMENTSOF(span_cases) + 4] = {
		cmocka_unit_test(test_detect_every_probe),
		cmocka_unit_test(test_evidence),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_managed_files),
	};
	size_t n = 4;

	TABLE_TESTS(tests, n, span_cases, test_grub_span);
	return _cmocka_run_group_tests("backend", tests, n, NULL, NULL);
}
