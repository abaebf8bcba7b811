/* Linked into every unit test program: LATCH_TEST_FUNC (`make check
 * TF=NAME`) runs only the test functions whose name contains NAME, through
 * cmocka's own filter, set before main() builds its table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

__attribute__((constructor)) static void latch_test_filter(void)
{
	/* cmocka keeps the pointer: the pattern must outlive main(). */
	static char pattern[256];
	const char *name = getenv("LATCH_TEST_FUNC");

	if (!name || !*name)
		return;
	(void)snprintf(pattern, sizeof(pattern), "*%s*", name);
	cmocka_set_test_filter(pattern);
}
