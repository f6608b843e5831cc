/* libFuzzer target: the kernel log reader must never crash on any log text, and every
 * finding it makes must name the log and a line within it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "strv.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list d = {0};
	char **notes = NULL;
	size_t lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (klog_check((const char *)data, size, "log", NULL, &notes, &d) == 0)
		for (size_t i = 0; i < d.n; i++)
			if (!d.items[i].file || !streq(d.items[i].file, "log") ||
			    d.items[i].line == 0 || d.items[i].line > lines)
				abort();
	strv_free(notes);
	diag_list_done(&d);
	return 0;
}
