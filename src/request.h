/* What a command asks the library to plan for: the command line's --kernel, --memory
 * and --force as the CLI parsed them, and a size replayed from the state (reapply,
 * status: replay_recorded_memory()). The library takes this, never the CLI's options.
 * Pure. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "state.h"

struct plan_request {
	const char *kernel;	/* plan for this kernel only; NULL: every installed one */
	uint64_t memory;	/* RAM to assume, in bytes; 0: the machine's */
	const char *memory_arg; /* memory as given, for messages */
	/* memory is what the last apply recorded, planned for again, and where that
	 * apply had it from. */
	bool memory_replayed;
	enum memory_from memory_replayed_from;
	bool force; /* accept what is refused by default */
};
