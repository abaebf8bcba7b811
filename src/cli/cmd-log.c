/* latch log: the sessions `latch run` recorded (session/log.h): list them,
 * show one (denials first, grouped by path, with the rule that decided and
 * the `latch why` command; the exec tree), verify one's hash chain (exit 3
 * naming the first bad record, as `evidence verify` does). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/strv.h"
#include "cli/cli.h"
#include "session/log.h"

struct log_opts {
	bool json;
	const char *dir;
};

int cli_session_id(bool json, const char *kind, const char *dir, const char *arg, char **ret)
{
	_cleanup_strv_free_ char **ids = NULL;
	int r = session_log_ids(dir, &ids);
	size_t n;

	if (r < 0)
		return cli_fail(json, kind, EXIT_LATCH_FAILED, "log: cannot read '%s': %s", dir, strerror(-r));
	n = strv_length(ids);
	if (strcmp(arg, "last") == 0) {
		if (n == 0)
			return cli_fail(json, kind, EXIT_USAGE, "log: no sessions in %s", dir);
		*ret = strdup(ids[n - 1]);
		return *ret ? 0 : cli_fail(json, kind, EXIT_LATCH_FAILED, "out of memory");
	}
	if (!strv_contains(ids, arg))
		return cli_fail(json, kind, EXIT_USAGE, "log: no session '%s' in %s (`latch log list` lists them)", arg,
				dir);
	*ret = strdup(arg);
	return *ret ? 0 : cli_fail(json, kind, EXIT_LATCH_FAILED, "out of memory");
}

static int resolve_id(const struct log_opts *o, const char *kind, const char *arg, char **ret)
{
	return cli_session_id(o->json, kind, o->dir, arg, ret);
}

static void print_time(const char *label, const json_t *ms)
{
	time_t t = (time_t)(json_integer_value(ms) / 1000);
	struct tm tm;
	char buf[64];

	if (!json_is_integer(ms) || !gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm))
		return;
	printf("%s%s", label, buf);
}

static char *argv_line(const json_t *argv)
{
	_cleanup_strv_free_ char **v = NULL;
	const json_t *a;
	size_t i;

	json_array_foreach(argv, i, a)
		if (strv_push(&v, json_string_value(a) ?: "?") < 0)
			return NULL;
	return v ? strv_shell_join(v) : strdup("");
}

/* "status 0", "signal SIGTERM", "not found: ...", "running or cut short". */
static void print_exit(const json_t *exit)
{
	const char *outcome = json_string_value(json_object_get(exit, "outcome"));

	if (!outcome)
		printf("no exit record: latch was killed, or the run goes on");
	else if (strcmp(outcome, "exited") == 0)
		printf("status %lld", (long long)json_integer_value(json_object_get(exit, "exit_code")));
	else if (strcmp(outcome, "signaled") == 0)
		printf("killed by %s", json_string_value(json_object_get(exit, "signal")) ?: "a signal");
	else if (strcmp(outcome, "refused") == 0)
		printf("refused to start: %s",
		       json_string_value(json_array_get(json_object_get(exit, "refusals"), 0)) ?: "?");
	else
		printf("%s: %s", outcome, json_string_value(json_object_get(exit, "error")) ?: "?");
}

static int list(const struct log_opts *o)
{
	_cleanup_strv_free_ char **ids = NULL;
	_cleanup_json_ json_t *rows = json_array();
	int r = session_log_ids(o->dir, &ids);

	if (r < 0)
		return cli_fail(o->json, "session_log_list", EXIT_LATCH_FAILED, "log: cannot read '%s': %s", o->dir,
				strerror(-r));
	for (size_t i = 0; ids[i]; i++) {
		struct error err = { 0 };
		json_t *row = NULL;

		if (session_log_peek(o->dir, ids[i], &row, &err) == 0)
			(void)json_array_append_new(rows, row);
	}
	if (o->json) {
		struct json_result res = { .ok = true, .rc = 0, .exit_code = -1, .outcome = "ok" };
		json_t *data = json_object();

		json_set(data, "dir", json_str(o->dir));
		json_set(data, "sessions", json_incref(rows));
		return cli_print_envelope("session_log_list", data, &res, 0);
	}
	if (json_array_size(rows) == 0) {
		printf("no sessions in %s\n", o->dir);
		return 0;
	}
	{
		const json_t *row;
		size_t i;

		json_array_foreach(rows, i, row) {
			const json_t *exit = json_object_get(row, "exit");
			_cleanup_free_ char *cmd = argv_line(json_object_get(row, "argv"));

			printf("%-28s %-12s ", json_string_value(json_object_get(row, "session")),
			       json_string_value(json_object_get(row, "profile")) ?: "?");
			if (json_is_null(exit))
				printf("%-10s %-9s", "-", "-");
			else {
				char st[32];
				const char *outcome = json_string_value(json_object_get(exit, "outcome")) ?: "?";

				if (strcmp(outcome, "exited") == 0)
					(void)snprintf(st, sizeof(st), "exit %lld",
						       (long long)json_integer_value(json_object_get(exit, "exit_code")));
				else
					(void)snprintf(st, sizeof(st), "%s",
						       strcmp(outcome, "signaled") == 0
							       ? json_string_value(json_object_get(exit, "signal")) ?: outcome
							       : outcome);
				printf("%-10s %3lld denied", st, (long long)json_integer_value(json_object_get(exit, "denied")));
			}
			printf("  %s\n", cmd ? cmd : "?");
		}
	}
	return 0;
}

static void print_denials(const json_t *v)
{
	const json_t *denials = json_object_get(v, "denials"), *exit = json_object_get(v, "exit"), *g;
	const char *by = json_string_value(json_object_get(exit, "denials_observed_by"));
	size_t i, total = 0;

	json_array_foreach(denials, i, g)
		total += (size_t)json_integer_value(json_object_get(g, "count"));
	if (by && strcmp(by, "none") == 0) {
		printf("denials:  not seen: %s\n",
		       json_string_value(json_object_get(exit, "denials_not_observed")) ?: "nobody could see them");
		return;
	}
	printf("denials:  %zu", total);
	if (by)
		printf(", observed %s", strcmp(by, "supervisor") == 0 ? "by the supervisor" : "in the kernel audit log");
	printf("\n");
	json_array_foreach(denials, i, g) {
		const json_t *a, *why;
		size_t k;

		printf("  %s: ", json_string_value(json_object_get(g, "path")));
		json_array_foreach(json_object_get(g, "accesses"), k, a)
			printf("%s%s", k ? "," : "", json_string_value(a));
		printf(", %lldx", (long long)json_integer_value(json_object_get(g, "count")));
		json_array_foreach(json_object_get(g, "programs"), k, a)
			printf("%s%s", k ? ", " : " by ", json_string_value(a));
		if (strcmp(json_string_value(json_object_get(g, "source")), "kernel_audit") == 0)
			printf(" (observed in the kernel audit log)");
		printf("\n");
		if (!json_is_null(json_object_get(g, "rule")))
			printf("    rule: %s\n", json_string_value(json_object_get(g, "rule")));
		json_array_foreach(json_object_get(g, "why"), k, why)
			printf("    why:  %s\n", json_string_value(why));
	}
}

static void print_execs(const json_t *v)
{
	const json_t *e;
	size_t i;

	printf("execs:    %zu\n", json_array_size(json_object_get(v, "execs")));
	json_array_foreach(json_object_get(v, "execs"), i, e) {
		json_int_t depth = json_integer_value(json_object_get(e, "depth"));
		_cleanup_free_ char *cmd = argv_line(json_object_get(e, "argv"));
		const char *verdict = json_string_value(json_object_get(e, "verdict")) ?: "?";

		printf("  %*s%lld %s", (int)(depth > 16 ? 32 : depth * 2), "",
		       (long long)json_integer_value(json_object_get(e, "pid")), cmd ? cmd : "?");
		if (json_is_true(json_object_get(e, "argv_truncated")))
			printf(" ...");
		printf("  (%s%s%s)\n", json_string_value(json_object_get(e, "resolved_path")) ?: "?",
		       strcmp(verdict, "deny") == 0 ? ", denied " : "",
		       strcmp(verdict, "deny") == 0 ? json_string_value(json_object_get(e, "errno")) ?: "" : "");
	}
}

static int show(const struct log_opts *o, const char *arg)
{
	_cleanup_free_ char *id = NULL, *problem = NULL, *cmd = NULL;
	_cleanup_json_ json_t *records = NULL, *v = NULL;
	struct error err = { 0 };
	const json_t *exit;
	int r, code;

	r = resolve_id(o, "session_log", arg, &id);
	if (r)
		return r;
	r = session_log_verify(o->dir, id, &records, &problem, &err);
	if (r < 0)
		return cli_fail(o->json, "session_log", EXIT_LATCH_FAILED, "log: %s", err.msg);
	v = session_log_view(id, records, problem);
	code = problem ? EXIT_EVIDENCE : 0;
	if (o->json) {
		struct json_result res = { .ok = !problem, .rc = code, .exit_code = -1,
					   .outcome = problem ? "differs" : "verified", .error = problem };

		return cli_print_envelope("session_log", json_incref(v), &res, code);
	}
	if (problem)
		fprintf(stderr, "latch: log: %s: does not verify: %s; shown as far as it goes\n", id, problem);
	exit = json_object_get(v, "exit");
	cmd = argv_line(json_object_get(v, "argv"));
	printf("session:  %s (%s, %lld records)\n", id, problem ? "DOES NOT VERIFY" : "verified",
	       (long long)json_integer_value(json_object_get(v, "records")));
	printf("command:  %s\n", cmd ? cmd : "?");
	printf("profile:  %s (%s mode, supervise %s)\n", json_string_value(json_object_get(v, "profile")) ?: "?",
	       json_string_value(json_object_get(v, "mode")) ?: "?",
	       json_string_value(json_object_get(v, "supervise")) ?: "?");
	print_time("started:  ", json_object_get(v, "started_unix_ms"));
	if (json_is_integer(json_object_get(exit, "ended_unix_ms")))
		printf(", %.2f s", (double)(json_integer_value(json_object_get(exit, "ended_unix_ms")) -
					    json_integer_value(json_object_get(v, "started_unix_ms"))) /
					   1000.0);
	printf(", in %s\n", json_string_value(json_object_get(v, "cwd")) ?: "?");
	printf("exit:     ");
	print_exit(exit);
	printf("\n");
	print_denials(v);
	if (!json_is_null(json_object_get(v, "overlay"))) {
		const json_t *ov = json_object_get(v, "overlay");

		printf("overlay:  %lld added, %lld changed, %lld deleted when the run ended (latch diff %s)\n",
		       (long long)json_integer_value(json_object_get(ov, "added")),
		       (long long)json_integer_value(json_object_get(ov, "changed")),
		       (long long)json_integer_value(json_object_get(ov, "deleted")), id);
	}
	print_execs(v);
	printf("events:   %lld stored", (long long)json_integer_value(json_object_get(v, "events")));
	if (json_integer_value(json_object_get(exit, "events_not_stored")))
		printf(", %lld more not stored (the %lld MiB cap)",
		       (long long)json_integer_value(json_object_get(exit, "events_not_stored")),
		       (long long)(json_integer_value(json_object_get(exit, "cap_bytes")) >> 20));
	printf("\n");
	return code;
}

static int verify(const struct log_opts *o, const char *arg)
{
	_cleanup_free_ char *id = NULL, *problem = NULL;
	_cleanup_json_ json_t *records = NULL;
	struct error err = { 0 };
	int r, code;

	r = resolve_id(o, "session_log_verify", arg, &id);
	if (r)
		return r;
	r = session_log_verify(o->dir, id, &records, &problem, &err);
	if (r < 0)
		return cli_fail(o->json, "session_log_verify", EXIT_LATCH_FAILED, "log: %s", err.msg);
	code = r == 0 ? 0 : EXIT_EVIDENCE;
	if (o->json) {
		struct json_result res = { .ok = r == 0, .rc = code, .exit_code = -1,
					   .outcome = r == 0 ? "verified" : "differs", .error = problem };
		json_t *data = json_object();

		json_set(data, "session", json_str(id));
		json_set(data, "records", json_integer((json_int_t)json_array_size(records)));
		json_set(data, "problem", json_str(problem));
		return cli_print_envelope("session_log_verify", data, &res, code);
	}
	if (r == 0) {
		printf("%s: verified: %zu records, each the successor of the one before, the last the one %s names\n",
		       id, json_array_size(records), SESSION_LOG_HEAD);
		return 0;
	}
	fprintf(stderr, "latch: log: %s: %s\n", id, problem);
	printf("%s: does not verify\n", id);
	return code;
}

/* latch log --help: the options every subcommand takes. */
static int help(void)
{
	char *argv[] = { "log", "--help", NULL };
	bool json;

	return cli_parse_json_flag(2, argv, "log", USAGE_LOG, &json);
}

int cmd_log(int argc, char **argv)
{
	static const char *const subs[] = { "list", "show", "verify", NULL };
	_cleanup_free_ char *dir = NULL;
	struct log_opts o = { 0 };
	struct session_env env;
	const char *sub = NULL;
	int r, left;

	r = cli_subcommand(argc, argv, "log", subs, USAGE_LOG, help, &sub);
	if (r >= 0)
		return r;
	r = cli_parse_json_flag(argc - 1, argv + 1, "log", USAGE_LOG, &o.json);
	if (r >= 0)
		return r;
	left = argc - 1 - optind;
	if (strcmp(sub, "list") == 0 && left != 0)
		return cli_usage_error(USAGE_LOG, "log list: takes no arguments");
	if (strcmp(sub, "show") == 0 && left > 1)
		return cli_usage_error(USAGE_LOG, "log show: takes at most one ID");
	if (strcmp(sub, "verify") == 0 && left != 1)
		return cli_usage_error(USAGE_LOG, "log verify: takes one ID");
	session_env_init(&env);
	dir = session_log_dir(&env.ctx);
	session_env_done(&env);
	if (!dir)
		return cli_fail(o.json, "session_log", EXIT_LATCH_FAILED, "log: no $XDG_STATE_HOME or $HOME");
	o.dir = dir;
	if (strcmp(sub, "list") == 0)
		return list(&o);
	if (strcmp(sub, "show") == 0)
		return show(&o, left ? argv[1 + optind] : "last");
	return verify(&o, argv[1 + optind]);
}
