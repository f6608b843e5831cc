/* Table-driven unit tests report one TAP line per case: TABLE_TESTS() adds a cmocka
 * test for every element of a table, named by its `what` member and run by fn with
 * *state pointing at the element. */
#pragma once

#define TABLE_TESTS(tests, n, table, fn)                                    \
	for (size_t table_i_ = 0; table_i_ < ELEMENTSOF(table); table_i_++) \
		(tests)[(n)++] = (struct CMUnitTest)                        \
		{                                                           \
			.name = (table)[table_i_].what, .test_func = (fn),  \
			.initial_state = (void *)&(table)[table_i_]         \
		}
