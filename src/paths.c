#include "paths.h"
#include "util.h"

const struct managed_file managed_files[N_MANAGED] = {
	{FRAGMENT_GRUB, MANAGED_CMDLINE, true},
	{FRAGMENT_MODPROBE, MANAGED_MODPROBE, true},
	{KERNEL_CMDLINE, MANAGED_CMDLINE, false},
	{STATE_FILE, MANAGED_STATE, false},
};
const size_t n_managed_files = ELEMENTSOF(managed_files);

const struct managed_file *managed_file_lookup(const char *path)
{
	for (size_t i = 0; path && i < n_managed_files; i++)
		if (streq(path, managed_files[i].path))
			return &managed_files[i];
	return NULL;
}
