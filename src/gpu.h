/* AMD GPU identities: PCI device id -> family, gfx target and GC IP version, and GC IP
 * version -> gfx target, from the tables generated out of data/amd-pci-ids.tsv and
 * data/amd-gc-gfx.tsv; and what each GC version honours.
 * Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gpu_id {
	uint16_t device;
	const char *family; /* RDNA1, RDNA2, STRIX_HALO */
	const char *gfx;    /* LLVM target, e.g. gfx1151 */
	unsigned gc_major, gc_minor, gc_rev;
};

extern const struct gpu_id gpu_id_table[];
extern const size_t gpu_id_table_len;

/* GC IP version -> gfx target, generated from data/amd-gc-gfx.tsv (kfd_device.c). */
struct gpu_gc {
	unsigned major, minor, rev;
	const char *gfx;
};

extern const struct gpu_gc gpu_gc_table[];
extern const size_t gpu_gc_table_len;

/* The table entry for an AMD (vendor 0x1002) device id, or NULL. */
const struct gpu_id *gpu_id_lookup(uint16_t device);

/* The GC IP version of a gfx target (the first GC version giving it): true, or false
 * when the table lacks it. */
bool gpu_gc_from_gfx(const char *gfx, unsigned *major, unsigned *minor, unsigned *rev);

/* The gfx target for a GC IP version ("gfx1151" for 11.5.1), or NULL when unknown. */
const char *gpu_gfx_from_gc(unsigned major, unsigned minor, unsigned rev);

/* Whether the gfx target is an APU's (the GPU shares the system RAM): Raven, Picasso
 * and Renoir (gfx902, gfx909, gfx90c), Cyan Skillfish (gfx1013), Van Gogh (gfx1033),
 * Rembrandt (gfx1035), Raphael (gfx1036), Phoenix (gfx1103), Strix Point, Strix Halo
 * and Krackan (gfx1150, gfx1151, gfx1152) and 7.3's gfx1153, gfx1154, gfx1170 and
 * gfx1171; amdgpu sets AMD_IS_APU for their GC versions in amdgpu_discovery.c. */
bool gpu_gfx_is_apu(const char *gfx);
