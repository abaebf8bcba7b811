/* Tests for the probe catalog (one table, its argument parser, usage and
 * JSON), the probe_response shape (response.c), path classes, and the
 * runner's validation of what a probe process wrote (runner.c): exactly one
 * envelope, or a harness_error -- never a denial. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/json-util.h"
#include "probe/catalog.h"
#include "probe/probes.h"
#include "probe/response.h"
#include "probe/runner.h"

/* Every probe issue 5 names. */
static const char *const expected_ids[] = {
	"capabilities_snapshot", "dlopen",        "exec",      "fs_op",   "inherit_child", "io_uring",
	"ioctl",                 "memfd_exec",    "mount",     "net_op",  "probe_catalog", "proc_info",
	"signal",                "sysctl_read",   "userns",    "world_shape",
};

static const char *const families[] = { "identity", "filesystem", "network", "process", "execution", "kernel", "inherit" };

static void test_catalog_table(void **state)
{
	(void)state;
	assert_int_equal(probe_catalog_size, ELEMENTSOF(expected_ids));
	for (size_t i = 0; i < probe_catalog_size; i++) {
		const struct probe_def *d = &probe_catalog[i];
		bool family_known = false;
		size_t n_args = 0;

		assert_string_equal(d->id, expected_ids[i]); /* sorted, and complete */
		assert_ptr_equal(probe_find(d->id), d);
		for (size_t f = 0; f < ELEMENTSOF(families); f++)
			family_known = family_known || strcmp(families[f], d->family) == 0;
		assert_true(family_known);
		assert_non_null(d->run);
		for (const struct probe_arg *a = d->args; a->name; a++, n_args++) {
			assert_true(strncmp(a->name, "--", 2) == 0);
			assert_non_null(a->help);
			assert_true(a->kind == PROBE_ARG_FLAG || a->metavar);
			if (a->kind == PROBE_ARG_CHOICE)
				assert_non_null(a->choice_at(0));
		}
		assert_true(n_args < 16); /* probe_parse's seen[] */
	}
	assert_null(probe_find("nope"));
	assert_null(probe_find(NULL));
}

static void test_fs_ops_are_issue_5s(void **state)
{
	static const char *const ops[] = { "stat",    "open_read", "open_write", "create",  "truncate", "rename",
					   "unlink",  "mkdir",     "rmdir",      "listdir", "readlink", "realpath",
					   "link",    "symlink",   "chmod",      "getxattr", "setxattr" };
	size_t n = 0;

	(void)state;
	while (probe_fs_op_at(n))
		n++;
	assert_int_equal(n, ELEMENTSOF(ops));
	for (size_t i = 0; i < ELEMENTSOF(ops); i++) {
		bool found = false;

		for (size_t j = 0; j < n; j++)
			found = found || strcmp(probe_fs_op_at(j), ops[i]) == 0;
		if (!found)
			fail_msg("fs_op --op %s is missing", ops[i]);
	}
	for (size_t j = 1; j < n; j++)
		assert_true(strcmp(probe_fs_op_at(j - 1), probe_fs_op_at(j)) < 0);
}

static int parse(const char *id, const char *const *args, struct probe_request *req, struct error *err)
{
	int n = 0;

	while (args[n])
		n++;
	memset(err, 0, sizeof(*err));
	return probe_parse(probe_find(id), n, (char **)args, req, err);
}

static void test_parse(void **state)
{
	static const struct {
		const char *id;
		const char *args[8];
		int want;            /* 0 ok, 1 help, -EINVAL */
		const char *message; /* part of err.msg when failing */
	} rows[] = {
		{ "fs_op", { "--op", "stat", NULL }, 0, NULL },
		{ "fs_op", { "--op=open_read", "--path", "/etc/passwd", NULL }, 0, NULL },
		{ "fs_op", { "--op", "rename", "--to", "x", "--allow-unsafe-path", NULL }, 0, NULL },
		{ "fs_op", { NULL }, -EINVAL, "--op is required" },
		{ "fs_op", { "--op", "frobnicate", NULL }, -EINVAL, "unknown value 'frobnicate'" },
		{ "fs_op", { "--op", "stat", "--op", "stat", NULL }, -EINVAL, "given twice" },
		{ "fs_op", { "--op", "stat", "--bogus", NULL }, -EINVAL, "unknown argument '--bogus'" },
		{ "fs_op", { "--op", "stat", "--to", "x", NULL }, -EINVAL, "--to is only for" },
		{ "fs_op", { "--op", "stat", "--name", "user.x", NULL }, -EINVAL, "--name is only for" },
		{ "fs_op", { "--op", "stat", "--path", "/a", "--path-class", "home", NULL }, -EINVAL, "absolute" },
		{ "fs_op", { "--op", "stat", "--allow-unsafe-path=yes", NULL }, -EINVAL, "takes no value" },
		{ "fs_op", { "--op", NULL }, -EINVAL, "needs a value" },
		{ "fs_op", { "--help", NULL }, 1, NULL },
		{ "net_op", { "--op", "tcp_connect", "--port", "65535", NULL }, 0, NULL },
		{ "net_op", { "--op", "tcp_connect", "--port", "65536", NULL }, -EINVAL, "not a port" },
		{ "net_op", { "--op", "tcp_connect", "--port", "0", NULL }, -EINVAL, "only for tcp_bind" },
		{ "net_op", { "--op", "tcp_bind", "--port", "0", NULL }, 0, NULL },
		{ "net_op", { "--op", "unix_connect", "--port", "80", NULL }, -EINVAL, "--port is not for" },
		{ "net_op", { "--op", "tcp_connect", "--path", "/s", NULL }, -EINVAL, "--path is only for" },
		{ "signal", { "--target", "parent", NULL }, 0, NULL },
		{ "signal", { "--target", "parent", "--signal", "TERM", NULL }, -EINVAL, "only 0 and CONT" },
		{ "signal", { "--target", "self", "--signal", "USR1", NULL }, -EINVAL, "only 0 and CONT" },
		{ "signal", { "--target", "child", "--signal", "TERM", NULL }, 0, NULL },
		{ "signal", { "--target", "pid", NULL }, -EINVAL, "needs --pid" },
		{ "signal", { "--target", "child", "--pid", "1", NULL }, -EINVAL, "only for --target pid" },
		{ "signal", { "--target", "pid", "--pid", "0", NULL }, -EINVAL, "not a process id" },
		{ "signal", { NULL }, -EINVAL, "--target is required" },
		{ "proc_info", { "--op", "vm_read", NULL }, 0, NULL },
		{ "sysctl_read", { "--name", "kernel.osrelease", NULL }, 0, NULL },
		{ "sysctl_read", { "--name", "../../etc/shadow", NULL }, -EINVAL, "not a sysctl name" },
		{ "sysctl_read", { "--name", "kernel..x", NULL }, -EINVAL, "not a sysctl name" },
		{ "exec", { NULL }, -EINVAL, "--path is required" },
		{ "ioctl", { "--op", "tiocsti", "--fd", "-1", NULL }, -EINVAL, "not a file descriptor" },
		{ "inherit_child", { "--scenario", "rights_bus", NULL }, 0, NULL },
		{ "inherit_child", { "--scenario", "nope", NULL }, -EINVAL, "unknown value" },
		{ "world_shape", { "--anything", NULL }, -EINVAL, "unknown argument" },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		struct probe_request req;
		struct error err;
		int r = parse(rows[i].id, rows[i].args, &req, &err);

		if (r != rows[i].want)
			fail_msg("row %zu (%s %s): want %d, got %d (%s)", i, rows[i].id,
				 rows[i].args[0] ? rows[i].args[0] : "", rows[i].want, r, err.msg);
		if (rows[i].message && !strstr(err.msg, rows[i].message))
			fail_msg("row %zu: message '%s' lacks '%s'", i, err.msg, rows[i].message);
	}
}

static void test_parse_values(void **state)
{
	const char *const args[] = { "--op=tcp_connect", "--host", "::1", "--port", "8080", NULL };
	struct probe_request req;
	struct error err;

	(void)state;
	assert_int_equal(parse("net_op", args, &req, &err), 0);
	assert_string_equal(req.op, "tcp_connect");
	assert_string_equal(req.host, "::1");
	assert_int_equal(req.port, 8080);
	assert_int_equal(req.pid, -1);
	assert_null(req.path);
	assert_false(req.allow_unsafe_path);
}

static void test_usage_and_json(void **state)
{
	json_t *cat = probe_catalog_json(), *p;
	size_t i;

	(void)state;
	for (i = 0; i < probe_catalog_size; i++) {
		char *u = probe_usage(&probe_catalog[i]);

		assert_non_null(strstr(u, probe_catalog[i].id));
		for (const struct probe_arg *a = probe_catalog[i].args; a->name; a++)
			assert_non_null(strstr(u, a->name));
		free(u);
	}
	assert_int_equal(json_array_size(json_object_get(cat, "probes")), probe_catalog_size);
	assert_int_equal(json_array_size(json_object_get(cat, "outcomes")), _PROBE_OUTCOME_MAX);
	json_array_foreach(json_object_get(cat, "probes"), i, p) {
		const char *keys[] = { "args", "family", "id", "summary", "usage" };

		assert_int_equal(json_object_size(p), ELEMENTSOF(keys));
		for (size_t k = 0; k < ELEMENTSOF(keys); k++)
			assert_non_null(json_object_get(p, keys[k]));
	}
	/* fs_op's --op lists every operation */
	p = json_array_get(json_object_get(json_array_get(json_object_get(cat, "probes"), 3), "args"), 0);
	assert_string_equal(json_string_value(json_object_get(p, "name")), "--op");
	assert_int_equal(json_array_size(json_object_get(p, "choices")), 17);
	json_decref(cat);
}

static void test_resolve_path(void **state)
{
	struct probe_ctx ctx = { .harness = "/w/h", .home = "/home/u", .tmp = "/tmp", .cwd = "/w" };
	static const struct {
		const char *path, *klass, *def, *want;
	} rows[] = {
		{ NULL, NULL, "file", "/w/h/file" },
		{ NULL, NULL, ".", "/w/h" },
		{ "x", NULL, "file", "/w/h/x" },
		{ "../escape", NULL, "file", "/w/escape" }, /* lexical: fs_op then refuses it as unsafe */
		{ "/etc/passwd", NULL, "file", "/etc/passwd" },
		{ NULL, "home", "file", "/home/u" },
		{ NULL, "credentials", "file", "/home/u/.ssh" },
		{ "id_rsa", "credentials", "file", "/home/u/.ssh/id_rsa" },
		{ NULL, "system_secrets", "file", "/etc/shadow" },
		{ "a/b", "tmp", "file", "/tmp/a/b" },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		struct error err = { 0 };
		char *got = NULL;

		assert_int_equal(probe_resolve_path(&ctx, rows[i].path, rows[i].klass, rows[i].def, &got, &err), 0);
		assert_string_equal(got, rows[i].want);
		free(got);
	}
	ctx.harness = NULL;
	{
		struct error err = { 0 };
		char *got = NULL;

		assert_int_equal(probe_resolve_path(&ctx, NULL, NULL, "file", &got, &err), -EINVAL);
		assert_int_equal(probe_resolve_path(&ctx, "/a", "home", "file", &got, &err), -EINVAL);
	}
}

/* ---- the response shape ------------------------------------------------------- */

static const char *const data_keys[] = {
	"access",  "attribution", "correlation_id", "details", "errno",      "expected_outcome",
	"harness", "isolation",   "lane",           "pid",     "plan_id",    "probe_args",
	"probe_id", "profile",    "row_id",         "runner",  "syscall",
};

static void assert_shape(const json_t *env)
{
	const json_t *data = json_object_get(env, "data"), *res = json_object_get(env, "result");

	assert_string_equal(json_string_value(json_object_get(env, "kind")), "probe_response");
	assert_int_equal(json_integer_value(json_object_get(env, "schema_version")), 1);
	assert_int_equal(json_object_size(data), ELEMENTSOF(data_keys));
	for (size_t i = 0; i < ELEMENTSOF(data_keys); i++)
		if (!json_object_get(data, data_keys[i]))
			fail_msg("data lacks '%s'", data_keys[i]);
	assert_int_equal(json_object_size(res), 6);
}

static void test_data_skeleton(void **state)
{
	json_t *d = probe_data_new(), *from = json_object(), *env;

	(void)state;
	json_object_set_new(from, "probe_id", json_string("x"));
	json_object_set_new(from, "smuggled", json_true());
	probe_data_merge(d, from);
	assert_string_equal(json_string_value(json_object_get(d, "probe_id")), "x");
	assert_null(json_object_get(d, "smuggled"));
	env = probe_envelope(d, PROBE_DENIED, "EACCES", "why", 1);
	assert_shape(env);
	assert_true(json_is_true(json_object_get(json_object_get(env, "result"), "ok"))); /* a measurement */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(env, "result"), "rc")), 1);
	json_decref(env);
	env = probe_envelope(probe_data_new(), PROBE_HARNESS_ERROR, NULL, "", -1);
	assert_false(json_is_true(json_object_get(json_object_get(env, "result"), "ok")));
	assert_true(json_is_null(json_object_get(json_object_get(env, "result"), "error")));
	json_decref(env);
	json_decref(from);
}

static void test_facts_from_data(void **state)
{
	json_t *d = json_loads("{\"access\":{\"access\":\"delete\",\"landlock\":true,\"path\":\"/a\",\"port\":null,"
			       "\"to_access\":\"create\",\"to_path\":\"/b\"},\"errno\":\"EACCES\",\"syscall\":\"rename\","
			       "\"isolation\":{\"mnt\":true,\"net\":false,\"pid\":null},"
			       "\"details\":{\"target\":\"harness_listener\",\"target_pid\":7}}",
			       0, NULL);
	struct probe_facts f;

	(void)state;
	probe_facts_from_data(d, &f);
	assert_int_equal(f.err, EACCES);
	assert_string_equal(f.syscall, "rename");
	assert_true(f.has_access);
	assert_int_equal(f.access, POLICY_ACCESS_DELETE);
	assert_string_equal(f.path, "/a");
	assert_int_equal(f.to_access, POLICY_ACCESS_CREATE);
	assert_string_equal(f.to_path, "/b");
	assert_true(f.landlock_mediated);
	assert_true(f.own_mnt_ns);
	assert_false(f.own_net_ns);
	assert_false(f.own_pid_ns);
	assert_true(f.harness_target);
	assert_int_equal(f.target_pid, 7);
	assert_int_equal(f.dac, -1);
	json_decref(d);
}

/* ---- what the runner accepts ---------------------------------------------------- */

static const struct probe_runner_info info = {
	.probe_id = "fs_op", .probe_args = (char *const[]){ "--op", "stat", NULL }, .lane = "sandboxed",
	.profile = "t", .launched_via = "cli_run", .correlation_id = "c-1",
};

static json_t *finish(const char *out, int status, bool timed_out, const struct probe_sandbox *sb)
{
	struct probe_capture c = { .out = (char *)out, .out_len = strlen(out), .err = (char *)"latch: boom\n",
				   .err_len = 12, .pid = 42, .exit_status = status, .timed_out = timed_out };

	return probe_finish(&c, sb, &info);
}

static const char *outcome_of(const json_t *env)
{
	return json_string_value(json_object_get(json_object_get(env, "result"), "normalized_outcome"));
}

static void test_finish(void **state)
{
	char *good;
	json_t *env, *inner = probe_envelope(probe_data_new(), PROBE_OK, NULL, NULL, -1);
	char *two;

	(void)state;
	good = json_dumps(inner, JSON_COMPACT | JSON_SORT_KEYS);
	assert_int_equal(asprintf(&two, "%s\n%s\n", good, good) > 0, 1);
	{
		char *line = NULL;

		assert_true(asprintf(&line, "%s\n", good) > 0);
		env = finish(line, 0, false, NULL);
		assert_string_equal(outcome_of(env), "ok");
		assert_shape(env);
		assert_string_equal(json_string_value(json_object_get(json_object_get(env, "data"), "correlation_id")),
				    "c-1");
		assert_int_equal(json_integer_value(json_object_get(json_object_get(env, "result"), "exit_code")), 0);
		json_decref(env);
		free(line);
	}
	/* nothing, two envelopes, no newline, not JSON: never a denial */
	env = finish("", 125, false, NULL);
	assert_string_equal(outcome_of(env), "harness_error");
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(env, "result"), "error")),
			       "latch: boom"));
	assert_shape(env);
	json_decref(env);
	env = finish(two, 0, false, NULL);
	assert_string_equal(outcome_of(env), "harness_error");
	json_decref(env);
	env = finish(good, 0, false, NULL);
	assert_string_equal(outcome_of(env), "harness_error");
	json_decref(env);
	env = finish("{\"kind\":\"run_plan\"}\n", 0, false, NULL);
	assert_string_equal(outcome_of(env), "harness_error");
	json_decref(env);
	env = finish("", -1, true, NULL);
	assert_string_equal(outcome_of(env), "timeout");
	json_decref(env);
	free(two);
	free(good);
	json_decref(inner);
}

static void test_finish_refines(void **state)
{
	static const struct policy_var vars[] = { { "HOME", "/home/u" } };
	struct policy_ctx ctx = { .vars = vars, .n_vars = ELEMENTSOF(vars) };
	const char *json = "{\"name\":\"t\",\"filesystem\":{\"read\":[\"/usr\"]}}";
	struct policy *p = NULL;
	struct landlock_plan *ll = NULL;
	struct error err = { 0 };
	struct probe_sandbox sb;
	json_t *d = probe_data_new(), *inner, *env;
	char *s, *line;

	(void)state;
	assert_int_equal(policy_load_buffer(json, strlen(json), "t.json", &ctx, &p, &err), 0);
	assert_int_equal(landlock_compile(p, 7, &ll, &err), 0);
	sb = (struct probe_sandbox){ .policy = p, .ll = ll, .sf = { .network_off = true } };
	json_set(d, "errno", json_string("EACCES"));
	json_set(d, "syscall", json_string("openat"));
	json_set(d, "access", json_loads("{\"access\":\"read\",\"landlock\":true,\"path\":\"/nonexistent-latch/x\"}", 0,
					 NULL));
	inner = probe_envelope(d, PROBE_DAC_DENIED, "EACCES", "baseline reading", -1);
	s = json_dumps(inner, JSON_COMPACT | JSON_SORT_KEYS);
	assert_true(asprintf(&line, "%s\n", s) > 0);
	env = finish(line, 1, false, NULL);
	assert_string_equal(outcome_of(env), "dac_denied"); /* the baseline lane keeps it */
	json_decref(env);
	env = finish(line, 1, false, &sb);
	assert_string_equal(outcome_of(env), "denied");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(env, "data"), "attribution"),
							      "layer")),
			    "landlock");
	json_decref(env);
	free(line);
	free(s);
	json_decref(inner);
	landlock_plan_free(ll);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_table),
		cmocka_unit_test(test_fs_ops_are_issue_5s),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_usage_and_json),
		cmocka_unit_test(test_resolve_path),
		cmocka_unit_test(test_data_skeleton),
		cmocka_unit_test(test_facts_from_data),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_finish_refines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
