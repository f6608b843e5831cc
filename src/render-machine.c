/* Output about the machine: detect. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "json.h"
#include "render-machine.h"

static void text_machine(struct strbuf *b, const struct machine_facts *m)
{
	char ram[32];

	if (m->mem_known) {
		format_gib(m->mem_total, ram);
		strbuf_printf(b, "Memory:      %s%s, %" PRIu64 "-byte pages\n", ram,
			      m->mem_from_option ? " (--memory)" : "", m->page_size);
	} else {
		strbuf_printf(
			b,
			"Memory:      unknown (%s; use --memory), %" PRIu64
			"-byte pages\n",
			m->image
				? "an image being built: the RAM of the machines that boot it"
				: "no proc/meminfo",
			m->page_size);
	}
	strbuf_printf(b, "NPU:         %s\n",
		      m->npu_present ? "present (amd_iommu=off would disable it)"
				     : "none");
}

int render_detect_text(struct strbuf *b, const struct gpu *gpus, size_t n_gpus,
		       char *const *profiles, const struct machine_facts *m,
		       const struct boot_facts *bf)
{
	if (n_gpus == 0)
		strbuf_puts(
			b,
			"GPUs:        none (no display controller of vendor 0x1002)\n");
	for (size_t i = 0; i < n_gpus; i++)
		strbuf_printf(b, "%s %s  1002:%04x  %-8s  driver %-8s  profile %s\n",
			      i ? "            " : "GPUs:       ", gpus[i].pci,
			      gpus[i].device, gpus[i].gfx ? gpus[i].gfx : "unknown",
			      gpus[i].driver ? gpus[i].driver : "none",
			      profiles[i] ? profiles[i] : "none matches");
	for (size_t i = 0; i < n_gpus; i++) {
		char c[32];

		/* A card's mem_info_vram_total is its own memory, not a carve-out. */
		if (!gpus[i].vram_known || !gpu_gfx_is_apu(gpus[i].gfx))
			continue;
		format_gib(gpus[i].vram, c);
		strbuf_printf(b, "Carve-out:   %s on %s (mem_info_vram_total)", c,
			      gpus[i].pci);
		if (gpus[i].uma_option >= 0)
			strbuf_printf(
				b,
				"; option %d of uma/carveout_options for the next boot (uma/carveout)",
				gpus[i].uma_option);
		strbuf_putc(b, '\n');
	}
	text_machine(b, m);
	if (m->n_kernels == 0)
		strbuf_puts(b, "Kernels:     none found under lib/modules\n");
	for (size_t i = 0; i < m->n_kernels; i++)
		/* The TTM module amdgpu uses (ttm, or ROCm's amdttm), whose options
		 * apply writes: from amdgpu's modules.dep entry when there is one. */
		strbuf_printf(b, "%s %s  (TTM module: %s%s)%s\n",
			      i ? "            " : "Kernels:    ", m->kernels[i].version,
			      m->kernels[i].ttm_module,
			      m->kernels[i].ttm_from_depends
				      ? ", as amdgpu's modules.dep entry names it"
				      : "",
			      bf->default_kernel && streq(bf->default_kernel,
							  m->kernels[i].version)
				      ? "  boots by default"
				      : "");
	if (!bf->default_kernel && bf->default_why) {
		strbuf_puts(b, "Default:     unknown: ");
		strbuf_put_escaped(b, bf->default_why);
		strbuf_putc(b, '\n');
	}
	strbuf_printf(b, "Boot loader: %s\n             %s\n", bf->loader->name,
		      bf->evidence);
	if (bf->modprobe_rules.kmod)
		strbuf_printf(b, "modprobe.d:  as kmod %u reads it (%s): *.conf%s%s\n",
			      bf->modprobe_rules.kmod, bf->modprobe_rules.source,
			      bf->modprobe_rules.alias_files ? " and *.alias" : "",
			      bf->modprobe_rules.usr_lib ? ", usr/lib/modprobe.d too"
							 : "");
	else
		strbuf_puts(
			b,
			"modprobe.d:  kmod's version not known (no kmod in var/lib/dpkg/status, var/lib/pacman/local or rpm's database): read as kmod 32 does (*.conf and *.alias, usr/lib/modprobe.d too)\n");
	if (bf->next_known) {
		_cleanup_free_ char *e =
			escape_cmdline(bf->next.text.s ? bf->next.text.s : "");

		strbuf_printf(b, "Next boot:   %s\n", e ? e : "");
		if (bf->sd.dflt >= 0 && (size_t)bf->sd.dflt < bf->sd.n_entries) {
			_cleanup_free_ char *p =
				escape_untrusted(bf->sd.entries[bf->sd.dflt].path);

			strbuf_printf(b, "             from %s (%s: %s)\n", p ? p : "",
				      bf->sd.entries[bf->sd.dflt].uki
					      ? "a UKI's embedded command line"
					      : "a boot entry",
				      bf->sd.rule);
		}
	} else if (bf->next_why) {
		_cleanup_free_ char *e = escape_untrusted(bf->next_why);

		strbuf_printf(b, "Next boot:   not known: %s\n", e ? e : "");
	} else {
		strbuf_puts(b, "Next boot:   not known\n");
	}
	/* systemd-boot: each entry it shows, in its order, with its command line. */
	for (size_t i = 0; i < bf->sd.n_entries; i++) {
		const struct bls_entry *e = &bf->sd.entries[i];
		_cleanup_free_ char *p = escape_untrusted(e->path);
		_cleanup_free_ char *v = e->version ? escape_untrusted(e->version) : NULL;
		_cleanup_free_ char *c =
			escape_cmdline(e->options_unknown ? "(not computed)"
				       : e->options	  ? e->options
							  : "");

		strbuf_printf(b, "%s%s",
			      i ? "             " : "Entries:     ", p ? p : "");
		if (e->options_line)
			strbuf_printf(b, ":%u", e->options_line);
		strbuf_printf(b, " (%s%s%s): %s\n", v ? v : "no version",
			      e->uki ? ", a UKI" : "",
			      (ssize_t)i == bf->sd.dflt ? ", boots by default" : "",
			      c ? c : "");
	}
	if (bf->running_known) {
		strbuf_puts(b, "Running:    ");
		for (size_t i = 0; i < bf->running.n; i++) {
			_cleanup_free_ char *n = escape_untrusted(bf->running.v[i].name);
			_cleanup_free_ char *v =
				bf->running.v[i].value
					? escape_untrusted(bf->running.v[i].value)
					: NULL;

			strbuf_printf(b, " %s%s%s", n ? n : "", v ? "=" : "", v ? v : "");
		}
		strbuf_putc(b, '\n');
	}
	return b->s ? strbuf_error(b) : -ENOMEM;
}

int render_detect_json(struct strbuf *b, const struct gpu *gpus, size_t n_gpus,
		       char *const *profiles, const struct machine_facts *m,
		       const struct boot_facts *bf, const struct diag_list *d)
{
	bool first = true;

	strbuf_putc(b, '{');
	json_key(b, &first, "gpus");
	strbuf_putc(b, '[');
	for (size_t i = 0; i < n_gpus; i++) {
		bool f = true;
		char id[8];

		strbuf_puts(b, i ? ",{" : "{");
		json_key(b, &f, "pci");
		json_string(b, gpus[i].pci);
		json_key(b, &f, "vendor");
		json_string(b, "1002");
		json_key(b, &f, "device");
		snprintf(id, sizeof(id), "%04x", gpus[i].device);
		json_string(b, id);
		json_key(b, &f, "gfx");
		json_string(b, gpus[i].gfx);
		json_key(b, &f, "driver");
		json_string(b, gpus[i].driver);
		json_key(b, &f, "profile");
		json_string(b, profiles[i]);
		/* The carve-out in bytes (mem_info_vram_total); null when not shown. */
		json_key(b, &f, "carveout_bytes");
		if (gpus[i].vram_known && gpu_gfx_is_apu(gpus[i].gfx))
			strbuf_printf(b, "%" PRIu64, gpus[i].vram);
		else
			strbuf_puts(b, "null");
		/* uma/carveout: the option for the next boot; null without the interface.
		 */
		json_key(b, &f, "uma_option");
		if (gpus[i].uma_option >= 0)
			strbuf_printf(b, "%d", gpus[i].uma_option);
		else
			strbuf_puts(b, "null");
		strbuf_putc(b, '}');
	}
	strbuf_putc(b, ']');
	render_json_machine(b, &first, m);
	json_key(b, &first, "npu");
	strbuf_puts(b, m->npu_present ? "true" : "false");
	json_key(b, &first, "default_kernel");
	json_string(b, bf->default_kernel);
	json_key(b, &first, "bootloader");
	json_string(b, bf->loader->name);
	json_key(b, &first, "bootloader_evidence");
	json_string(b, bf->evidence);
	/* The kmod whose modprobe.d rules were used (null: not known, kmod 32's). */
	json_key(b, &first, "kmod_version");
	if (bf->modprobe_rules.kmod)
		strbuf_printf(b, "%u", bf->modprobe_rules.kmod);
	else
		strbuf_puts(b, "null");
	json_key(b, &first, "cmdline_next_boot");
	json_string(b, bf->next_known ? (bf->next.text.s ? bf->next.text.s : "") : NULL);
	json_key(b, &first, "cmdline_next_boot_unknown");
	json_string(b, bf->next_known ? NULL : bf->next_why);
	/* systemd-boot: the entry the next boot's command line is from, and why it is the
	 * default; null for other boot loaders. */
	json_key(b, &first, "boot_entry");
	if (bf->sd.dflt >= 0 && (size_t)bf->sd.dflt < bf->sd.n_entries) {
		bool f2 = true;
		const struct bls_entry *e = &bf->sd.entries[bf->sd.dflt];

		strbuf_putc(b, '{');
		json_key(b, &f2, "path");
		json_string(b, e->path);
		json_key(b, &f2, "id");
		json_string(b, e->id);
		json_key(b, &f2, "uki");
		strbuf_puts(b, e->uki ? "true" : "false");
		json_key(b, &f2, "chosen_by");
		json_string(b, bf->sd.rule);
		strbuf_putc(b, '}');
	} else {
		strbuf_puts(b, "null");
	}
	/* systemd-boot: every entry it shows, in its order (empty for other boot
	 * loaders, or when it finds none). */
	json_key(b, &first, "boot_entries");
	strbuf_putc(b, '[');
	for (size_t i = 0; i < bf->sd.n_entries; i++) {
		const struct bls_entry *e = &bf->sd.entries[i];
		bool f2 = true;

		strbuf_puts(b, i ? ",{" : "{");
		json_key(b, &f2, "path");
		json_string(b, e->path);
		json_key(b, &f2, "line");
		if (e->options_line)
			strbuf_printf(b, "%u", e->options_line);
		else
			strbuf_puts(b, "null");
		json_key(b, &f2, "id");
		json_string(b, e->id);
		json_key(b, &f2, "version");
		json_string(b, e->version);
		json_key(b, &f2, "uki");
		strbuf_puts(b, e->uki ? "true" : "false");
		json_key(b, &f2, "cmdline");
		json_string(b, e->options_unknown ? NULL : e->options ? e->options : "");
		json_key(b, &f2, "default");
		strbuf_puts(b, (ssize_t)i == bf->sd.dflt ? "true" : "false");
		strbuf_putc(b, '}');
	}
	strbuf_putc(b, ']');
	return render_json_close(b, &first, d);
}
