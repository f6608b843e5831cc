#include <stdio.h>
#include <string.h>

#include "gpu.h"
#include "util.h"

const struct gpu_id *gpu_id_lookup(uint16_t device)
{
	for (size_t i = 0; i < gpu_id_table_len; i++)
		if (gpu_id_table[i].device == device)
			return &gpu_id_table[i];
	return NULL;
}

bool gpu_gc_from_gfx(const char *gfx, unsigned *major, unsigned *minor, unsigned *rev)
{
	for (size_t i = 0; i < gpu_gc_table_len; i++)
		if (streq(gpu_gc_table[i].gfx, gfx)) {
			*major = gpu_gc_table[i].major;
			*minor = gpu_gc_table[i].minor;
			*rev = gpu_gc_table[i].rev;
			return true;
		}
	return false;
}

const char *gpu_gfx_from_gc(unsigned major, unsigned minor, unsigned rev)
{
	for (size_t i = 0; i < gpu_gc_table_len; i++)
		if (gpu_gc_table[i].major == major && gpu_gc_table[i].minor == minor &&
		    gpu_gc_table[i].rev == rev)
			return gpu_gc_table[i].gfx;
	return NULL;
}

bool gpu_gfx_is_apu(const char *gfx)
{
	/* AMD_IS_APU by GC version in amdgpu_discovery.c (7.3): GC 9.1.0, 9.2.2, 9.3.0,
	 * 10.1.3, 10.1.4, 10.3.1, 10.3.3, 10.3.6, 10.3.7, 11.0.1, 11.0.4, 11.5.x and
	 * 11.7.x; gfx909 is Raven2 by the compiler's name. */
	static const char *const apus[] = {"gfx902",  "gfx909",	 "gfx90c",  "gfx1013",
					   "gfx1033", "gfx1035", "gfx1036", "gfx1103",
					   "gfx1150", "gfx1151", "gfx1152", "gfx1153",
					   "gfx1154", "gfx1170", "gfx1171"};

	for (size_t i = 0; gfx && i < ELEMENTSOF(apus); i++)
		if (streq(gfx, apus[i]))
			return true;
	return false;
}
