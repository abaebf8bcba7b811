/* Tests for src/base/json-util.c: the envelope's exact shape, sorted keys in
 * the written text, one line per envelope, escaping of non-UTF-8 bytes, and
 * errno names. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/json-util.h"
#include "base/path-util.h"

/* The keys of obj, exactly and in any order. */
static void assert_keys_exactly(const json_t *obj, const char *const *want, size_t n)
{
	const char *key;
	json_t *v;

	assert_true(json_is_object(obj));
	assert_int_equal(json_object_size(obj), n);
	for (size_t i = 0; i < n; i++)
		if (!json_object_get(obj, want[i])) {
			print_error("missing key '%s'\n", want[i]);
			fail();
		}
	json_object_foreach((json_t *)obj, key, v) {
		bool known = false;

		for (size_t i = 0; i < n; i++)
			known = known || strcmp(key, want[i]) == 0;
		if (!known) {
			print_error("unexpected key '%s'\n", key);
			fail();
		}
	}
}

static const char *const envelope_keys[] = { "data", "generated_at_unix_ms", "kind", "result", "schema_version" };
static const char *const result_keys[] = { "errno", "error", "exit_code", "normalized_outcome", "ok", "rc" };

/* Write v with json_write_line into a memory buffer; caller frees. */
static char *write_to_string(const json_t *v, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(json_write_line(f, v), 0);
	assert_int_equal(fclose(f), 0);
	if (ret_len)
		*ret_len = len;
	return buf;
}

static void test_envelope_keys_ok(void **state)
{
	struct json_result res = { .ok = true, .rc = 0, .exit_code = -1 };
	long long before = unix_time_ms(), after;
	json_t *env = json_envelope("probe_response", NULL, &res), *r;

	(void)state;
	after = unix_time_ms();
	assert_non_null(env);
	assert_keys_exactly(env, envelope_keys, ELEMENTSOF(envelope_keys));
	r = json_object_get(env, "result");
	assert_keys_exactly(r, result_keys, ELEMENTSOF(result_keys));

	assert_true(json_is_object(json_object_get(env, "data")));
	assert_int_equal(json_object_size(json_object_get(env, "data")), 0);
	assert_string_equal(json_string_value(json_object_get(env, "kind")), "probe_response");
	assert_int_equal(json_integer_value(json_object_get(env, "schema_version")), LATCH_SCHEMA_VERSION);
	assert_int_equal(LATCH_SCHEMA_VERSION, 1);
	assert_true(json_is_integer(json_object_get(env, "generated_at_unix_ms")));
	assert_true(json_integer_value(json_object_get(env, "generated_at_unix_ms")) >= before);
	assert_true(json_integer_value(json_object_get(env, "generated_at_unix_ms")) <= after);
	assert_true(before > 1600000000000LL); /* milliseconds, not seconds */

	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r, "rc")), 0);
	assert_true(json_is_null(json_object_get(r, "exit_code")));
	assert_string_equal(json_string_value(json_object_get(r, "normalized_outcome")), "ok");
	assert_true(json_is_null(json_object_get(r, "errno")));
	assert_true(json_is_null(json_object_get(r, "error")));
	json_decref(env);
}

static void test_envelope_keys_error(void **state)
{
	struct json_result res = {
		.ok = false, .rc = 2, .exit_code = 3, .errno_name = "EACCES", .error = "cannot open 'x'",
	};
	json_t *data = json_pack("{s:i}", "n", 7);
	json_t *env = json_envelope("run", data, &res), *r;

	(void)state;
	assert_non_null(env);
	assert_keys_exactly(env, envelope_keys, ELEMENTSOF(envelope_keys));
	r = json_object_get(env, "result");
	assert_keys_exactly(r, result_keys, ELEMENTSOF(result_keys));
	/* data is taken, not copied */
	assert_ptr_equal(json_object_get(env, "data"), data);
	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r, "rc")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "exit_code")), 3);
	assert_string_equal(json_string_value(json_object_get(r, "normalized_outcome")), "error");
	assert_string_equal(json_string_value(json_object_get(r, "errno")), "EACCES");
	assert_string_equal(json_string_value(json_object_get(r, "error")), "cannot open 'x'");
	json_decref(env);

	/* An explicit outcome wins over the ok/error default; exit_code 0 is 0, not null. */
	res = (struct json_result){ .ok = false, .rc = 1, .exit_code = 0, .outcome = "denied" };
	env = json_envelope("probe_response", NULL, &res);
	assert_non_null(env);
	r = json_object_get(env, "result");
	assert_string_equal(json_string_value(json_object_get(r, "normalized_outcome")), "denied");
	assert_true(json_is_integer(json_object_get(r, "exit_code")));
	assert_int_equal(json_integer_value(json_object_get(r, "exit_code")), 0);
	json_decref(env);
}

/* The exact line of the contract (DESIGN.md, "JSON contract"). */
static void test_write_line_exact(void **state)
{
	struct json_result res = { .ok = true, .rc = 0, .exit_code = -1 };
	json_t *env = json_envelope("probe_response", NULL, &res);
	char *text;
	size_t len;

	(void)state;
	assert_non_null(env);
	json_set(env, "generated_at_unix_ms", json_integer(0));
	text = write_to_string(env, &len);
	assert_string_equal(text, "{\"data\":{},\"generated_at_unix_ms\":0,\"kind\":\"probe_response\","
				  "\"result\":{\"errno\":null,\"error\":null,\"exit_code\":null,"
				  "\"normalized_outcome\":\"ok\",\"ok\":true,\"rc\":0},\"schema_version\":1}\n");
	assert_int_equal(len, strlen(text));
	free(text);
	json_decref(env);
}

/* Keys in the raw text appear in sorted order, at every level, whatever the
 * insertion order; the output is one line that parses back to the same value. */
static void test_write_line_sorted(void **state)
{
	static const char *const top[] = { "\"data\":", "\"generated_at_unix_ms\":", "\"kind\":", "\"result\":",
					   "\"schema_version\":" };
	static const char *const inner[] = { "\"errno\":", "\"error\":", "\"exit_code\":", "\"normalized_outcome\":",
					     "\"ok\":", "\"rc\":" };
	static const char *const nested[] = { "\"a_first\":", "\"m_middle\":", "\"z_last\":" };
	static const char *const deeper[] = { "\"b\":", "\"c\":", "\"y\":" };
	struct json_result res = { .ok = false, .rc = 1, .exit_code = 9, .errno_name = "EPERM", .error = "x" };
	json_t *data = json_object(), *sub = json_object(), *env, *back;
	const char *prev;
	char *text;
	size_t len;

	(void)state;
	/* inserted in reverse order on purpose */
	json_set(sub, "y", json_integer(1));
	json_set(sub, "c", json_string("v"));
	json_set(sub, "b", json_null());
	json_set(data, "z_last", json_integer(1));
	json_set(data, "m_middle", sub);
	json_set(data, "a_first", json_pack("[{s:i,s:i}]", "k2", 2, "k1", 1));
	env = json_envelope("lab_record", data, &res);
	assert_non_null(env);
	text = write_to_string(env, &len);

	assert_true(len > 1);
	assert_int_equal(text[len - 1], '\n');
	assert_ptr_equal(strchr(text, '\n'), text + len - 1); /* one line */
	assert_null(strchr(text, '\r'));
	assert_null(strstr(text, ": ")); /* compact */

	prev = text;
	for (size_t i = 0; i < ELEMENTSOF(top); i++) {
		const char *at = strstr(text, top[i]);

		assert_non_null(at);
		assert_true(at >= prev);
		prev = at;
	}
	/* "data" is the first key of the envelope */
	assert_int_equal(strncmp(text, "{\"data\":", 8), 0);
	prev = strstr(text, "\"result\":");
	for (size_t i = 0; i < ELEMENTSOF(inner); i++) {
		const char *at = strstr(prev, inner[i]);

		assert_non_null(at);
		assert_true(at >= prev);
		prev = at;
	}
	prev = text;
	for (size_t i = 0; i < ELEMENTSOF(nested); i++) {
		const char *at = strstr(text, nested[i]);

		assert_non_null(at);
		assert_true(at >= prev);
		prev = at;
	}
	prev = strstr(text, "\"m_middle\":");
	for (size_t i = 0; i < ELEMENTSOF(deeper); i++) {
		const char *at = strstr(prev, deeper[i]);

		assert_non_null(at);
		assert_true(at >= prev);
		prev = at;
	}
	/* inside an array too */
	assert_non_null(strstr(text, "[{\"k1\":1,\"k2\":2}]"));

	back = json_loads(text, 0, NULL);
	assert_non_null(back);
	assert_true(json_equal(back, env));
	json_decref(back);
	free(text);
	json_decref(env);
}

/* Two envelopes written in a row are two lines. */
static void test_write_line_stream(void **state)
{
	struct json_result res = { .ok = true, .exit_code = -1 };
	json_t *a = json_envelope("event", NULL, &res), *b = json_envelope("event", NULL, &res);
	char *buf = NULL;
	size_t len = 0, lines = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(json_write_line(f, a), 0);
	assert_int_equal(json_write_line(f, b), 0);
	assert_int_equal(fclose(f), 0);
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	assert_int_equal(lines, 2);
	assert_int_equal(buf[len - 1], '\n');
	free(buf);
	json_decref(a);
	json_decref(b);
}

/* Failing writes are reported, never swallowed. */
static void test_write_line_errors(void **state)
{
	struct json_result res = { .ok = true, .exit_code = -1 };
	json_t *env = json_envelope("event", NULL, &res);
	char small[8];
	FILE *f;

	(void)state;
	f = fopen("/dev/full", "we");
	if (f) {
		int r = json_write_line(f, env);

		assert_true(r < 0);
		(void)fclose(f);
	}
	f = fmemopen(small, sizeof(small), "w");
	assert_non_null(f);
	assert_true(json_write_line(f, env) < 0);
	(void)fclose(f);
	f = fopen("/dev/null", "re");
	assert_non_null(f);
	assert_true(json_write_line(f, env) < 0);
	(void)fclose(f);
	json_decref(env);
}

struct str_case {
	const char *what;
	const char *in;
	const char *want; /* the stored string value */
};

static const struct str_case str_cases[] = {
	{ "ascii", "abc /x", "abc /x" },
	{ "empty", "", "" },
	{ "2-byte", "caf\xc3\xa9", "caf\xc3\xa9" },
	{ "3-byte", "\xe2\x82\xac", "\xe2\x82\xac" },
	{ "4-byte", "\xf0\x9d\x84\x9e", "\xf0\x9d\x84\x9e" },
	{ "control chars stay (jansson escapes them)", "a\tb\n", "a\tb\n" },
	{ "single ff", "\xff", "\\xff" },
	{ "single 80", "\x80", "\\x80" },
	{ "in the middle", "a\xff" "b", "a\\xff" "b" },
	{ "two bad bytes", "\xfe\xff", "\\xfe\\xff" },
	{ "latin-1", "caf\xe9", "caf\\xe9" },
	{ "truncated 2-byte at end", "x\xc3", "x\\xc3" },
	{ "truncated 3-byte at end", "x\xe2\x82", "x\\xe2\\x82" },
	{ "truncated 4-byte at end", "\xf0\x9d\x84", "\\xf0\\x9d\\x84" },
	{ "truncated 2-byte then ascii", "\xc3(", "\\xc3(" },
	{ "overlong", "\xc0\xaf", "\\xc0\\xaf" },
	{ "surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80" },
	{ "above U+10FFFF", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },
	{ "valid around invalid", "\xc3\xa9\xff\xe2\x82\xac", "\xc3\xa9\\xff\xe2\x82\xac" },
	{ "path", "/home/u/\xff\xfe.bin", "/home/u/\\xff\\xfe.bin" },
};

static void test_json_str_table(void **state)
{
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(str_cases); i++) {
		const struct str_case *c = &str_cases[i];
		json_t *v = json_str(c->in);

		if (!json_is_string(v) || strcmp(json_string_value(v), c->want) != 0) {
			print_error("json_str(%s): got '%s', expected '%s'\n", c->what,
				    json_is_string(v) ? json_string_value(v) : "(not a string)", c->want);
			failures++;
		} else if (!utf8_is_valid(json_string_value(v))) {
			print_error("json_str(%s): result is not UTF-8\n", c->what);
			failures++;
		}
		json_decref(v);
	}
	assert_int_equal(failures, 0);
}

static void test_json_str_null_and_long(void **state)
{
	json_t *v = json_str(NULL), *o;
	char *in = malloc(4097), *text;

	(void)state;
	assert_true(json_is_null(v));
	json_decref(v);

	/* every byte escaped: 4 output bytes per input byte */
	assert_non_null(in);
	memset(in, 0xff, 4096);
	in[4096] = '\0';
	v = json_str(in);
	assert_true(json_is_string(v));
	assert_int_equal(json_string_length(v), 4 * 4096);
	for (size_t i = 0; i < 4096; i++)
		assert_memory_equal(json_string_value(v) + 4 * i, "\\xff", 4);
	json_decref(v);
	free(in);

	/* In the written JSON, the backslash is escaped once more. */
	o = json_object();
	json_set(o, "p", json_str("/a\xff"));
	json_set(o, "n", NULL); /* NULL value: null */
	text = write_to_string(o, NULL);
	assert_string_equal(text, "{\"n\":null,\"p\":\"/a\\\\xff\"}\n");
	free(text);
	json_decref(o);
}

static void test_errno_name(void **state)
{
	static const struct {
		int code;
		const char *name;
	} cases[] = {
		{ EACCES, "EACCES" },   { EPERM, "EPERM" },     { ENOENT, "ENOENT" },   { ELOOP, "ELOOP" },
		{ EXDEV, "EXDEV" },     { EINVAL, "EINVAL" },   { ENOSYS, "ENOSYS" },   { EAGAIN, "EAGAIN" },
		{ EWOULDBLOCK, "EAGAIN" }, { ENOTSUP, "ENOTSUP" }, { ENAMETOOLONG, "ENAMETOOLONG" },
		{ ETXTBSY, "ETXTBSY" }, { ECONNREFUSED, "ECONNREFUSED" }, { EROFS, "EROFS" },
		{ 0, "E0" },            { 4095, "E4095" },      { 9999, "E9999" },      { -1, "E-1" },
		{ 2147483647, "E2147483647" },
	};
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		if (strcmp(errno_name(cases[i].code), cases[i].name) != 0) {
			print_error("errno_name(%d): got '%s', expected '%s'\n", cases[i].code,
				    errno_name(cases[i].code), cases[i].name);
			failures++;
		}
	/* Every name in the table is the right one for its number, checked
	 * against the C library (ENOTSUP is EOPNOTSUPP's alias on Linux). */
	for (int e = 1; e < 134; e++) {
		const char *mine = errno_name(e), *libc = strerrorname_np(e);
		char unknown[16];

		(void)snprintf(unknown, sizeof(unknown), "E%d", e);
		if (strcmp(mine, unknown) == 0 || !libc)
			continue;
		if (e == ENOTSUP && strcmp(mine, "ENOTSUP") == 0)
			continue;
		if (strcmp(mine, libc) != 0) {
			print_error("errno_name(%d): '%s', but the C library says '%s'\n", e, mine, libc);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_keys_ok),
		cmocka_unit_test(test_envelope_keys_error),
		cmocka_unit_test(test_write_line_exact),
		cmocka_unit_test(test_write_line_sorted),
		cmocka_unit_test(test_write_line_stream),
		cmocka_unit_test(test_write_line_errors),
		cmocka_unit_test(test_json_str_table),
		cmocka_unit_test(test_json_str_null_and_long),
		cmocka_unit_test(test_errno_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
