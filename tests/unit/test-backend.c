/* The boot loader backend table: detection over every combination of what the reader
 * probes (checked against the rule stated on its own), the names
 * the journal and JSON use, and the managed files each backend brings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend.h"
#include "util.h"

/* The rule, stated once more on its own: an OSTree system; systemd-boot's files without a
 * grub.cfg; else GRUB's defaults with Debian's update-grub; else GRUB's defaults with a
 * grub.cfg that runs blscfg, or GRUB_ENABLE_BLSCFG=true with entries (Fedora's); else
 * GRUB's defaults with grub-mkconfig or a grub.cfg; else systemd-boot's files; else none.
 */
static const char *expected(const struct boot_probe *p)
{
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
	for (unsigned bits = 0; bits < 256; bits++) {
		struct boot_probe p = {
			.sdboot = bits & 1,
			.grub_cfg = bits & 2,
			.grub_defaults = bits & 4,
			.update_grub = bits & 8,
			.grub_mkconfig = bits & 16,
			.grub_blscfg = bits & 32,
			.grub_enable_blscfg = bits & 64,
			.ostree = bits & 128,
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
		 "; etc/default/grub without update-grub: no drop-ins"},
		{{.grub_defaults = true, .grub_cfg = true, .grub_blscfg = true},
		 "; etc/default/grub and a grub.cfg that runs blscfg (GRUB with BLS entries, boot/loader/entries)"},
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
	}
	assert_null(backend_by_name("grub2"));
	assert_null(backend_by_name(""));
	assert_null(backend_by_name(NULL));
	assert_ptr_equal(backend_by_name("unknown"), &backend_unknown);
}

static void test_managed_files(void **state)
{
	static const char *const order[] = {FRAGMENT_GRUB, FRAGMENT_MODPROBE,
					    KERNEL_CMDLINE, STATE_FILE};
	const struct managed_file *m;
	size_t n = 0;

	(void)state;
	for (; (m = managed_file(n)); n++) {
		assert_true(n < ELEMENTSOF(order));
		assert_string_equal(m->path, order[n]);
		assert_ptr_equal(managed_file_lookup(m->path), m);
	}
	assert_int_equal(n, ELEMENTSOF(order));
	assert_null(managed_file_lookup("etc/default/grub"));
	assert_null(managed_file_lookup(STATE_DIR));
	assert_null(managed_file_lookup(NULL));
	/* Only our tokens are ours in etc/kernel/cmdline; the drop-ins are ours whole. */
	assert_false(managed_file_lookup(KERNEL_CMDLINE)->hand_edit);
	assert_true(managed_file_lookup(FRAGMENT_GRUB)->hand_edit);
	assert_ptr_equal(backend_for_cmdline_file(KERNEL_CMDLINE), &backend_sdboot);
	assert_ptr_equal(backend_for_cmdline_file(FRAGMENT_GRUB), &backend_debian_grub);
	assert_null(backend_for_cmdline_file(FRAGMENT_MODPROBE));
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_every_probe),
		cmocka_unit_test(test_evidence),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_managed_files),
	};

	return cmocka_run_group_tests_name("backend", tests, NULL, NULL);
}
