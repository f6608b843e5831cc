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

/* GC IP version -> LLVM target, for the GPUs this tool has profiles for and the
 * MI300-class parts that honour mtype_local (LLVM AMDGPUUsage, amdgpu_discovery.c). */
static const struct {
	unsigned major, minor, rev;
	const char *gfx;
} gc_table[] = {
	{9, 4, 3, "gfx942"},	{9, 4, 4, "gfx942"},   {9, 5, 0, "gfx950"},
	{10, 1, 10, "gfx1010"}, {10, 1, 1, "gfx1012"}, {10, 1, 2, "gfx1011"},
	{10, 3, 0, "gfx1030"},	{10, 3, 2, "gfx1031"}, {10, 3, 4, "gfx1032"},
	{10, 3, 5, "gfx1034"},	{11, 0, 0, "gfx1100"}, {11, 0, 1, "gfx1101"},
	{11, 0, 2, "gfx1102"},	{11, 5, 0, "gfx1150"}, {11, 5, 1, "gfx1151"},
	{12, 0, 0, "gfx1200"},	{12, 0, 1, "gfx1201"},
};

const char *gpu_gfx_from_gc(unsigned major, unsigned minor, unsigned rev)
{
	for (size_t i = 0; i < ELEMENTSOF(gc_table); i++)
		if (gc_table[i].major == major && gc_table[i].minor == minor &&
		    gc_table[i].rev == rev)
			return gc_table[i].gfx;
	return NULL;
}

bool gpu_gfx_honours_mtype(const char *gfx)
{
	return streq(gfx, "gfx942") || streq(gfx, "gfx950");
}

bool gpu_gfx_ignores_mes(const char *gfx)
{
	return startswith(gfx, "gfx10") || startswith(gfx, "gfx11") ||
	       startswith(gfx, "gfx12");
}
