/* Tests for src/base/error.c: a message is one line whatever the values
 * it quotes hold (control characters written as \n, \t, \xNN), escaping
 * twice changes nothing, truncation never cuts an escape in half; the
 * first error set is kept, error_reset() replaces it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/error.h"

static void test_one_line(void **state)
{
	struct error err = { 0 };
	struct error again = { 0 };

	(void)state;
	assert_int_equal(error_set(&err, EINVAL, "unknown value '%s'", "op\n_read\t\x1b[2J\x7f\r"), -EINVAL);
	assert_string_equal(err.msg, "unknown value 'op\\n_read\\t\\x1b[2J\\x7f\\r'");
	/* quoted again, prefixed: the same text */
	(void)error_set(&again, ENOENT, "plan.json: %s", err.msg);
	assert_string_equal(again.msg, "plan.json: unknown value 'op\\n_read\\t\\x1b[2J\\x7f\\r'");
	assert_int_equal(error_prefix(&again, "in '%s'", "a\nb"), -ENOENT);
	assert_string_equal(again.msg, "in 'a\\nb': plan.json: unknown value 'op\\n_read\\t\\x1b[2J\\x7f\\r'");
	/* UTF-8 and backslashes stay as they are */
	(void)error_reset(&err, EINVAL, "'%s'", "caf\xc3\xa9 \\n");
	assert_string_equal(err.msg, "'caf\xc3\xa9 \\n'");
}

static void test_truncation(void **state)
{
	static char value[ERROR_MSG_MAX];
	struct error err = { 0 };
	size_t len;

	(void)state;
	memset(value, 0x01, sizeof(value) - 1);
	(void)error_set(&err, EINVAL, "%s", value);
	len = strlen(err.msg);
	assert_true(len < ERROR_MSG_MAX && len >= ERROR_MSG_MAX - 4);
	assert_int_equal(len % 4, 0); /* whole "\x01"s only */
	assert_memory_equal(err.msg + len - 4, "\\x01", 4);
}

static void test_first_error_kept(void **state)
{
	struct error err = { 0 };

	(void)state;
	assert_int_equal(error_set(&err, ENOENT, "inner"), -ENOENT);
	assert_int_equal(error_set(&err, EINVAL, "outer"), -ENOENT);
	assert_string_equal(err.msg, "inner");
	assert_int_equal(error_reset(&err, EINVAL, "outer"), -EINVAL);
	assert_string_equal(err.msg, "outer");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_first_error_kept),
	};

	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
