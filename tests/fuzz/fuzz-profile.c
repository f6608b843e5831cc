/* libFuzzer target: the profile reader (our line reader in front of inih) must never
 * crash or leak on any bytes, and every error it reports names a line. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list d = {0};
	struct profile *p = NULL;
	int r = profile_parse("fuzz", "fuzz.conf", (const char *)data, size, &p, &d);

	if (r == 0 && !p)
		abort();
	if (r == -EINVAL && d.n == 0)
		abort();
	profile_free(p);
	diag_list_done(&d);
	return 0;
}
