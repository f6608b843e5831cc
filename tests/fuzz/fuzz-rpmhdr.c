/* libFuzzer target: an rpm header blob from rpm's database must never crash the reader,
 * and a version it gives must be a whole, non-empty string within the buffer. The seed
 * is a header Debian's rpm 4.18 wrote (kmod-34-2.fc43). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpmdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[64];

	for (size_t n = 1; n <= sizeof(buf); n *= 4) {
		memset(buf, 'x', sizeof(buf));
		if (rpm_version_from_header(data, size, "kmod", buf, n) &&
		    (!memchr(buf, '\0', n) || !buf[0] || !strchr(buf, '-')))
			abort();
	}
	return 0;
}
