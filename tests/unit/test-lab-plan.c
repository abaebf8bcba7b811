/* Tests for src/lab/plan.c: a plan's shape, every validation error naming
 * its row and key, placeholders, expectations, and the built-in plan --
 * embedded byte for byte from plans/builtin.json, covering every probe
 * family against every built-in profile. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/hash.h"
#include "base/strv.h"
#include "lab/plan.h"
#include "policy/policy.h"
#include "probe/catalog.h"
#include "probe/outcome.h"

static struct lab_plan *parse_ok(const char *json)
{
	struct lab_plan *p = NULL;
	struct error err = { 0 };

	if (lab_plan_parse(json, strlen(json), "t.json", &p, &err) < 0)
		fail_msg("parse: %s", err.msg);
	return p;
}

static void test_valid_plan(void **state)
{
	const char *json = "{\"schema_version\": 1, \"plan_id\": \"p1\", \"description\": \"d\",\n"
			   " \"profiles\": [\"minimal\", \"base\"],\n"
			   " \"groups\": {\"g\": [\"agent\"]},\n"
			   " \"rows\": [\n"
			   "  {\"row_id\": \"a\", \"probe_id\": \"fs_op\", \"args\": [\"--op\", \"stat\"],\n"
			   "   \"expected\": {\"*\": \"ok\", \"base\": [\"denied\", \"dac_denied\"]}},\n"
			   "  {\"row_id\": \"b\", \"probe_id\": \"exec\", \"args\": [\"--path\", \"${FIXTURE}\"], \"group\": \"g\",\n"
			   "   \"setup\": {\"fixture\": {\"path_class\": \"cwd\", \"path\": \"x/y\", \"kind\": \"executable\"},\n"
			   "             \"listen\": {\"tcp_port\": 8080}}, \"ack_risk\": [\"agent\"]},\n"
			   "  {\"row_id\": \"c\", \"probe_id\": \"world_shape\", \"profiles\": [\"readonly\"]}]}\n";
	struct lab_plan *p = parse_ok(json);
	char hex[SHA256_HEX_SIZE];
	bool has;

	(void)state;
	assert_string_equal(p->plan_id, "p1");
	assert_int_equal(p->n_rows, 3);
	assert_int_equal(strv_length(p->rows[0].profiles), 2);
	assert_string_equal(p->rows[1].profiles[0], "agent");
	assert_true(p->rows[1].setup.fixture);
	assert_int_equal(p->rows[1].setup.fixture_kind, LAB_FIXTURE_EXECUTABLE);
	assert_int_equal(p->rows[1].setup.listen_tcp_port, 8080);
	assert_int_equal(p->rows[0].setup.listen_tcp_port, -1);
	assert_true(strv_contains(p->rows[1].ack_risk, "agent"));
	assert_int_equal(p->rows[1].line, 7);
	/* Every profile, in order of first use. */
	assert_int_equal(strv_length(p->profiles), 4);
	assert_string_equal(p->profiles[3], "readonly");
	/* The digest is of the exact bytes. */
	sha256_hex(json, strlen(json), hex);
	assert_string_equal(p->sha256, hex);
	/* Expectations: "*" for every profile, a profile's own first. */
	assert_true(lab_row_expects(&p->rows[0], "minimal", PROBE_OK, &has) && has);
	assert_false(lab_row_expects(&p->rows[0], "minimal", PROBE_DENIED, NULL));
	assert_true(lab_row_expects(&p->rows[0], "base", PROBE_DAC_DENIED, NULL));
	assert_false(lab_row_expects(&p->rows[0], "base", PROBE_OK, NULL));
	assert_true(lab_row_expects(&p->rows[2], "readonly", PROBE_DENIED, &has) && !has);
	lab_plan_free(p);
}

/* Each bad plan is rejected with a message naming where and what. */
static void test_errors_name_row_and_key(void **state)
{
#define ROWS(r) "{\"schema_version\": 1, \"plan_id\": \"p\", \"profiles\": [\"minimal\"], \"rows\": [\n" \
		"{\"row_id\": \"ok1\", \"probe_id\": \"world_shape\"},\n" r "]}"
	static const struct {
		const char *json;
		const char *needle;
	} cases[] = {
		{ "[]", "t.json:1: plan: must be a JSON object" },
		{ "{\"schema_version\": 2, \"plan_id\": \"p\", \"rows\": []}", "schema_version: must be 1" },
		{ "{\"schema_version\": 1, \"plan_id\": \"P!\", \"rows\": []}", "plan_id: missing, or not" },
		{ "{\"schema_version\": 1, \"plan_id\": \"p\", \"rows\": []}", "rows: must be a non-empty array" },
		{ "{\"schema_version\": 1, \"plan_id\": \"p\", \"rowz\": []}", "plan: unknown key 'rowz'" },
		{ "{\"schema_version\": 1, \"plan_id\": \"p\", \"groups\": {\"g\": []}, \"rows\": []}",
		  "groups.g: a group names at least one profile" },
		{ "{\"schema_version\": 1, \"plan_id\": \"p\", \"rows\": [}", "t.json:1:" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"nope\"}"), "t.json:3: rows[1] 'x': probe_id: no probe 'nope'" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"fs_op\"}"), "rows[1] 'x': args: fs_op: --op is required" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"fs_op\", \"args\": [\"--op\", \"zap\"]}"),
		  "rows[1] 'x': args: fs_op --op: unknown value 'zap'" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"fs_op\", \"args\": [\"--op\", \"stat\", \"--help\"]}"),
		  "args: --help is not a probe argument" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"fs_op\", \"args\": [\"--op\", \"stat\", \"--to\", \"y\"]}"),
		  "args: fs_op: --to is only for rename, link and symlink" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"exec\", \"args\": [\"--path\", \"${FIXTURE}\"]}"),
		  "uses ${FIXTURE}, but the row has no setup.fixture" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"exec\", \"args\": [\"--path\", \"${HOME}\"]}"),
		  "unknown placeholder" },
		{ ROWS("{\"row_id\": \"ok1\", \"probe_id\": \"world_shape\"}"), "rows[1] 'ok1': row_id: 'ok1' is also rows[0]" },
		{ ROWS("{\"row_id\": \"Bad Id\", \"probe_id\": \"world_shape\"}"), "rows[1]: row_id: missing, or not" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"world_shape\", \"expect\": {}}"),
		  "rows[1] 'x': row: unknown key 'expect' (expected one of: ack_risk, args" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"world_shape\", \"expected\": {\"minimal\": \"fine\"}}"),
		  "rows[1] 'x': expected.minimal: 'fine' is not an outcome" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"world_shape\", \"expected\": {\"agent\": \"ok\"}}"),
		  "expected: 'agent' is not one of this row's profiles" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"world_shape\", \"group\": \"g\"}"), "group: no group 'g'" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"world_shape\", \"profiles\": [\"a\", \"a\"]}"),
		  "profiles: 'a' is named twice" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"world_shape\", \"profiles\": []}"), "profiles: no profiles" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"world_shape\", \"setup\": {\"fixture\": {\"path_class\": "
		       "\"system\", \"path\": \"x\"}}}"),
		  "setup.fixture.path_class: must be one of credentials, cwd, home, tmp" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"world_shape\", \"setup\": {\"fixture\": {\"path_class\": "
		       "\"home\", \"path\": \"a/../../etc\"}}}"),
		  "setup.fixture.path: must be a relative path" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"world_shape\", \"setup\": {\"fixture\": {\"path_class\": "
		       "\"home\", \"path\": \"a\", \"kind\": \"socket\"}}}"),
		  "setup.fixture.kind: 'socket' is not one of" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"world_shape\", \"setup\": {\"listen\": {\"tcp_port\": 0}}}"),
		  "setup.listen.tcp_port: must be a port number" },
		{ ROWS("{\"row_id\": \"x\", \"probe_id\": \"world_shape\", \"ack_risk\": \"agent\"}"),
		  "ack_risk: must be an array of strings" },
	};
#undef ROWS

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lab_plan *p = NULL;
		struct error err = { 0 };
		int r = lab_plan_parse(cases[i].json, strlen(cases[i].json), "t.json", &p, &err);

		if (r != -EINVAL || !strstr(err.msg, cases[i].needle))
			fail_msg("case %zu: r=%d, message '%s', wanted '%s'", i, r, err.msg, cases[i].needle);
		assert_null(p);
	}
}

static void test_expand_args(void **state)
{
	struct lab_plan *p = parse_ok(
		"{\"schema_version\": 1, \"plan_id\": \"p\", \"profiles\": [\"minimal\"], \"rows\": ["
		"{\"row_id\": \"a\", \"probe_id\": \"signal\", \"args\": [\"--target\", \"pid\", \"--pid\", \"${LAB_PID}\"]},"
		"{\"row_id\": \"b\", \"probe_id\": \"exec\", \"args\": [\"--path=${FIXTURE}\"],"
		" \"setup\": {\"fixture\": {\"path_class\": \"home\", \"path\": \"f\"}}}]}");
	char **args = NULL;
	struct error err = { 0 };

	(void)state;
	assert_int_equal(lab_row_expand_args(&p->rows[0], NULL, 4242, &args, &err), 0);
	assert_string_equal(args[3], "4242");
	strv_free(args);
	assert_int_equal(lab_row_expand_args(&p->rows[1], "/home/u/f", 1, &args, &err), 0);
	assert_string_equal(args[0], "--path=/home/u/f");
	strv_free(args);
	assert_int_equal(lab_row_expand_args(&p->rows[1], NULL, 1, &args, &err), -EINVAL);
	lab_plan_free(p);
}

static char *read_all(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	buf = malloc(LAB_PLAN_FILE_MAX);
	if (buf)
		len = fread(buf, 1, LAB_PLAN_FILE_MAX, f);
	(void)fclose(f);
	*ret_len = len;
	return buf;
}

/* The embedded plan is plans/builtin.json as it is in the checkout. */
static void test_builtin_is_embedded(void **state)
{
	size_t elen = 0, flen = 0;
	const char *embedded = lab_builtin_plan("builtin", &elen);
	char *file = read_all("plans/builtin.json", &flen);

	(void)state;
	assert_non_null(embedded);
	if (!file)
		skip(); /* not run from the top of the checkout */
	assert_int_equal(elen, flen);
	assert_memory_equal(embedded, file, flen);
	free(file);
	assert_null(lab_builtin_plan("nope", &elen));
}

/* Every family of the catalog against every built-in profile; the group
 * "builtin" is exactly the built-in profiles. */
static void test_builtin_covers_everything(void **state)
{
	struct lab_plan *p = NULL;
	struct error err = { 0 };
	char **groups;

	(void)state;
	if (lab_plan_load("builtin", &p, &err) < 0)
		fail_msg("%s", err.msg);
	groups = lab_plan_group(p, "builtin");
	assert_non_null(groups);
	for (size_t b = 0; b < policy_n_builtins; b++) {
		const char *name = policy_builtins[b].name;

		if (strcmp(policy_builtins[b].kind, "profile") != 0)
			continue;
		if (!strv_contains(groups, name))
			fail_msg("the group 'builtin' lacks the built-in profile '%s'", name);
		for (size_t c = 0; c < probe_catalog_size; c++) {
			const char *family = probe_catalog[c].family;
			bool covered = false;

			for (size_t r = 0; r < p->n_rows && !covered; r++) {
				const struct probe_def *d = probe_find(p->rows[r].probe_id);

				covered = d && strcmp(d->family, family) == 0 && strv_contains(p->rows[r].profiles, name);
			}
			if (!covered)
				fail_msg("family '%s' never runs under '%s'", family, name);
		}
	}
	for (size_t i = 0; groups[i]; i++)
		assert_non_null(policy_builtin_find("profile", groups[i]));
	lab_plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_plan),
		cmocka_unit_test(test_errors_name_row_and_key),
		cmocka_unit_test(test_expand_args),
		cmocka_unit_test(test_builtin_is_embedded),
		cmocka_unit_test(test_builtin_covers_everything),
	};

	return cmocka_run_group_tests_name("lab-plan", tests, NULL, NULL);
}
