/* libFuzzer target: the kernel command-line parser must never crash, and whatever it
 * formats must parse back to the same arguments. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = strndup((const char *)data, size);
	struct cmdline *a = NULL, *b = NULL;
	char *s = NULL;

	if (!line || cmdline_parse(line, &a) < 0) {
		free(line);
		return 0;
	}
	if (cmdline_format(a, &s) == 0) {
		if (cmdline_parse(s, &b) < 0)
			abort();
		if (a->n_args != b->n_args)
			abort();
		for (size_t i = 0; i < a->n_args; i++)
			if (!streq(a->args[i].name, b->args[i].name) ||
			    !streq_ptr(a->args[i].value, b->args[i].value))
				abort();
		if (!streq_ptr(a->init_args, b->init_args))
			abort();
	}
	free(s);
	cmdline_free(a);
	cmdline_free(b);
	free(line);
	return 0;
}
