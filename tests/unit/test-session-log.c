/* Tests for the session log (src/session/log*.c) on logs written here, and
 * for the parser of Landlock's audit records (src/sandbox/audit.c): a log
 * verifies as written; every kind of tampering is named by its record; the
 * view groups denials by path with their rule and why command and nests the
 * exec tree; the caps; session IDs; the kernel's record formats. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "sandbox/audit.h"
#include "session/log.h"

static char dir[64];

static void make_dir(void)
{
	(void)snprintf(dir, sizeof(dir), "/tmp/latch-test-log.XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void drop_dir(void)
{
	char cmd[128];

	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static const char *const event_deny =
	"{\"data\":{\"access\":\"read\",\"action\":\"deny\",\"decided_by\":\"profile\",\"errno\":\"EACCES\",\"exe\":"
	"\"/usr/bin/cat\",\"grant\":null,\"latency_us\":21,\"layer\":\"supervisor\",\"path\":\"k\",\"path2\":null,"
	"\"pid\":42,\"reason\":\"denied by the profile\",\"resolved_path\":\"/home/me/.ssh/k\",\"resolved_path2\":"
	"null,\"rule\":\"<group deny_credentials: $HOME/.ssh>\",\"syscall\":\"openat\",\"tid\":42,\"time_unix_ms\":1,"
	"\"verdict\":\"deny\"},\"generated_at_unix_ms\":1,\"kind\":\"sandbox_event\",\"result\":{\"errno\":\"EACCES\","
	"\"error\":null,\"exit_code\":null,\"normalized_outcome\":\"deny\",\"ok\":true,\"rc\":0},\"schema_version\":1}\n";

/* A log of one run: a denied read twice, an allowed one, two execs. */
static char *write_log(void)
{
	char *argv[] = { "sh", "-c", "cat k", NULL };
	const struct session_log_start st = { .argv = argv, .profile = "agent", .cwd = "/home/me" };
	char *cat_argv[] = { "cat", "k", NULL };
	struct session_log *l = NULL;
	struct error err = { 0 };
	json_t *exit = json_object();
	char *id;

	assert_int_equal(session_log_open(dir, &st, &l, &err), 0);
	id = strdup(session_log_id(l));
	session_log_record(l, "plan", json_pack("{s:s, s:s}", "mode", "isolated", "supervise", "deny"));
	assert_true(session_log_on_exec(&(struct sup_exec){ .pid = 40, .ppid = 1, .argv = argv, .allow = true,
							     .resolved = "/usr/bin/dash" },
					 l));
	assert_true(session_log_on_exec(&(struct sup_exec){ .pid = 42, .ppid = 40, .argv = cat_argv, .allow = true,
							     .resolved = "/usr/bin/cat" },
					 l));
	assert_true(session_log_on_event(event_deny, strlen(event_deny), l));
	assert_true(session_log_on_event(event_deny, strlen(event_deny), l));
	session_log_flush(l); /* a batch boundary in the middle */
	json_set(exit, "outcome", json_str("exited"));
	json_set(exit, "exit_code", json_integer(1));
	session_log_counts(l, exit);
	session_log_record(l, "exit", exit);
	assert_int_equal(session_log_close(l, &err), 0);
	return id;
}

static char *log_path(const char *id, const char *name)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s/%s", dir, id, name) > 0);
	return p;
}

static char *verify(const char *id, json_t **ret_records)
{
	struct error err = { 0 };
	char *problem = NULL;
	int r = session_log_verify(dir, id, ret_records, &problem, &err);

	assert_true(r == 0 || r == 1);
	assert_true((r == 1) == (problem != NULL));
	return problem;
}

/* Replace the log's text by f(text). */
static void rewrite(const char *id, void (*f)(char *text, size_t *len))
{
	char *path = log_path(id, SESSION_LOG_FILE);
	size_t len = 0;
	char *text = read_all_at(AT_FDCWD, path, &len);
	FILE *out;

	assert_non_null(text);
	f(text, &len);
	out = fopen(path, "w");
	assert_non_null(out);
	assert_int_equal(fwrite(text, 1, len, out), len);
	assert_int_equal(fclose(out), 0);
	free(text);
	free(path);
}

/* The start of line n (0-based) of text. */
static char *line_at(char *text, int n)
{
	for (; n > 0; n--)
		text = strchr(text, '\n') + 1;
	return text;
}

static void edit_line2(char *text, size_t *len)
{
	char *p = strstr(line_at(text, 2), "\"pid\":40");

	(void)len;
	assert_non_null(p);
	p[7] = '1';
}

static void drop_line3(char *text, size_t *len)
{
	char *a = line_at(text, 3), *b = line_at(text, 4);

	memmove(a, b, strlen(b) + 1);
	*len -= (size_t)(b - a);
}

static void drop_last(char *text, size_t *len)
{
	text[*len - 1] = '\0';
	*len = (size_t)(strrchr(text, '\n') - text) + 1;
}

static void cut(char *text, size_t *len)
{
	(void)text;
	*len -= 3;
}

static void swap_lines(char *text, size_t *len)
{
	char *a = line_at(text, 3), *b = line_at(text, 4), *c = line_at(text, 5);
	size_t la = (size_t)(b - a), lb = (size_t)(c - b);
	char *tmp = malloc(la);

	(void)len;
	memcpy(tmp, a, la);
	memmove(a, b, lb);
	memcpy(a + lb, tmp, la);
	free(tmp);
}

static void test_verify_and_tampering(void **state)
{
	static const struct {
		void (*f)(char *text, size_t *len);
		const char *problem;
	} cases[] = {
		{ edit_line2, "record 2 (line 3): changed" },
		{ drop_line3, "record 3 (line 4): out of sequence" },
		{ drop_last, "records were removed from the end" },
		{ cut, "the line is not terminated: the log was cut" },
		{ swap_lines, "record 3 (line 4): out of sequence" },
	};
	json_t *records = NULL;
	char *id, *problem, *orig, *path;
	size_t len = 0;

	(void)state;
	make_dir();
	id = write_log();
	problem = verify(id, &records);
	assert_null(problem);
	assert_int_equal(json_array_size(records), 7);
	json_decref(records);
	path = log_path(id, SESSION_LOG_FILE);
	orig = read_all_at(AT_FDCWD, path, &len);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f;

		rewrite(id, cases[i].f);
		problem = verify(id, NULL);
		assert_non_null(problem);
		if (!strstr(problem, cases[i].problem))
			fail_msg("case %zu: '%s' does not say '%s'", i, problem, cases[i].problem);
		free(problem);
		f = fopen(path, "w");
		assert_int_equal(fwrite(orig, 1, len, f), len);
		assert_int_equal(fclose(f), 0);
		assert_null(verify(id, NULL));
	}
	free(orig);
	free(path);
	/* A head that names another count. */
	path = log_path(id, SESSION_LOG_HEAD);
	orig = read_all_at(AT_FDCWD, path, &len);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(strstr(orig, "\"records\":7"));
		fputs("{\"records\":8", f);
		fputs(strstr(orig, ",\"session\""), f);
		assert_int_equal(fclose(f), 0);
	}
	problem = verify(id, NULL);
	assert_non_null(strstr(problem, "record 7: missing"));
	free(problem);
	free(orig);
	free(path);
	free(id);
	drop_dir();
}

static void test_view(void **state)
{
	json_t *records = NULL, *v, *d, *e;
	char *id;

	(void)state;
	make_dir();
	id = write_log();
	assert_null(verify(id, &records));
	v = session_log_view(id, records, NULL);
	assert_true(json_is_true(json_object_get(v, "verified")));
	assert_string_equal(json_string_value(json_object_get(v, "mode")), "isolated");
	assert_int_equal(json_integer_value(json_object_get(v, "events")), 2);
	d = json_array_get(json_object_get(v, "denials"), 0);
	assert_int_equal(json_array_size(json_object_get(v, "denials")), 1);
	assert_string_equal(json_string_value(json_object_get(d, "path")), "/home/me/.ssh/k");
	assert_int_equal(json_integer_value(json_object_get(d, "count")), 2);
	assert_string_equal(json_string_value(json_object_get(d, "rule")), "<group deny_credentials: $HOME/.ssh>");
	assert_string_equal(json_string_value(json_array_get(json_object_get(d, "why"), 0)),
			    "latch why -p agent read /home/me/.ssh/k");
	e = json_object_get(v, "execs");
	assert_int_equal(json_array_size(e), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(e, 0), "depth")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(e, 1), "depth")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "exit"), "denied")), 2);
	json_decref(v);
	json_decref(records);
	free(id);
	drop_dir();
}

static void test_cap(void **state)
{
	char *argv[] = { "true", NULL };
	const struct session_log_start st = { .argv = argv, .profile = "minimal" };
	struct session_log *l = NULL;
	struct error err = { 0 };
	json_t *counts = json_object();
	unsigned long long stored = 0;
	char *path;
	size_t len = 0;

	(void)state;
	make_dir();
	assert_int_equal(session_log_open(dir, &st, &l, &err), 0);
	while (session_log_on_event(event_deny, strlen(event_deny), l))
		stored++;
	assert_false(session_log_on_exec(&(struct sup_exec){ .argv = argv }, l));
	session_log_add_counted(l, 10, 1, 0);
	session_log_counts(l, counts);
	assert_int_equal(json_integer_value(json_object_get(counts, "events_stored")), stored);
	assert_int_equal(json_integer_value(json_object_get(counts, "events_not_stored")), 11);
	assert_int_equal(json_integer_value(json_object_get(counts, "execs_not_stored")), 2);
	assert_int_equal(json_integer_value(json_object_get(counts, "denied")), stored);
	path = log_path(session_log_id(l), SESSION_LOG_FILE);
	session_log_record(l, "exit", counts);
	assert_int_equal(session_log_close(l, &err), 0);
	free(read_all_at(AT_FDCWD, path, &len));
	assert_true(len <= SESSION_LOG_CAP + 4096);
	assert_true(len > SESSION_LOG_CAP / 100 * 98);
	free(path);
	drop_dir();
}

static void test_ids(void **state)
{
	char **ids = NULL;

	(void)state;
	assert_true(session_log_id_valid("20261204T142530.123-4242"));
	assert_true(session_log_id_valid("20261204T142530.123-4242.3"));
	assert_false(session_log_id_valid("20261204T142530-4242"));
	assert_false(session_log_id_valid("20261204T142530.123-"));
	assert_false(session_log_id_valid("../20261204T142530.123-1"));
	assert_false(session_log_id_valid("20261204T142530.123-42x"));
	assert_false(session_log_id_valid("LATEST"));
	make_dir();
	free(write_log());
	assert_int_equal(session_log_ids(dir, &ids), 0);
	assert_int_equal(strv_length(ids), 1);
	strv_free(ids);
	drop_dir();
	assert_int_equal(session_log_ids("/nonexistent-latch-test", &ids), 0);
	assert_int_equal(strv_length(ids), 0);
	strv_free(ids);
}

static void test_audit_records(void **state)
{
	struct ll_audit_record r;

	(void)state;
	/* The formats of the kernel's documentation (admin-guide/LSM/landlock.rst). */
	assert_int_equal(ll_audit_parse(LL_AUDIT_ACCESS,
					"audit(1729738800.221:33): domain=1a6fdc679 blockers=fs.write_file "
					"path=\"/dev/tty\" dev=\"devtmpfs\" ino=9",
					&r),
			 0);
	assert_int_equal(r.domain, 0x1a6fdc679ull);
	assert_int_equal(r.time_ms, 1729738800221ll);
	assert_string_equal(r.blockers, "fs.write_file");
	assert_string_equal(r.path, "/dev/tty");
	assert_string_equal(r.object, "path=\"/dev/tty\" dev=\"devtmpfs\" ino=9");
	assert_string_equal(ll_audit_access(r.blockers), "write");
	assert_int_equal(ll_audit_parse(LL_AUDIT_ACCESS,
					"audit(1729738800.268:30): domain=1a6fdc66f blockers=scope.signal opid=1 "
					"ocomm=\"systemd\"",
					&r),
			 0);
	assert_string_equal(r.path, "");
	assert_string_equal(ll_audit_access(r.blockers), "signal");
	/* An untrusted string with a space is written in hex. */
	assert_int_equal(ll_audit_parse(LL_AUDIT_ACCESS,
					"audit(1.002:3): domain=1 blockers=fs.read_file,fs.read_dir path=2F6120620A "
					"dev=\"vda\" ino=1",
					&r),
			 0);
	assert_string_equal(r.path, "/a b\n");
	assert_string_equal(ll_audit_access(r.blockers), "read");
	assert_int_equal(ll_audit_parse(LL_AUDIT_DOMAIN,
					"audit(1729738800.268:30): domain=1a6fdc66f status=allocated mode=enforcing "
					"pid=286 uid=0 exe=\"/root/sandboxer\" comm=\"sandboxer\"",
					&r),
			 0);
	assert_true(r.allocated);
	assert_int_equal(r.pid, 286);
	assert_string_equal(r.exe, "/root/sandboxer");
	assert_int_equal(ll_audit_parse(LL_AUDIT_DOMAIN,
					"audit(1729738800.324:31): domain=1a6fdc66f status=deallocated denials=3", &r),
			 0);
	assert_false(r.allocated);
	assert_int_equal(r.denials, 3);
	assert_int_equal(ll_audit_parse(LL_AUDIT_ACCESS, "audit(1.0:1): blockers=fs.execute", &r), -EINVAL);
	assert_int_equal(ll_audit_parse(1300, "audit(1.0:1): arch=c000003e syscall=257", &r), -EINVAL);
	assert_int_equal(ll_audit_parse(LL_AUDIT_DOMAIN, "audit(1.0:1): domain=1 status=odd", &r), -EINVAL);
	assert_string_equal(ll_audit_access("fs.something_new"), "fs.something_new");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_and_tampering),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_audit_records),
	};

	return cmocka_run_group_tests_name("session-log", tests, NULL, NULL);
}
