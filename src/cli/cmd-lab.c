/* latch lab: run a plan in three lanes and write the run directory (run),
 * show a run's summary (show), validate a plan without running it (check).
 *
 * Parse -> resolve (plan, profiles, risk, every row's oracle question) ->
 * run. Nothing is written until everything resolved: a plan with a bad row
 * is rejected with the row and the key named, and no directory is made. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/strv.h"
#include "cli/cli.h"
#include "lab/evidence.h"
#include "lab/lab.h"
#include "lab/report.h"
#include "lab/run.h"
#include "lab/spawn.h"
#include "probe/catalog.h"

struct lab_opts {
	const char *out, *html;
	char **ack_risk;
	long workers;
	bool json;
};

/* The options of every lab subcommand, in one table: each says which it
 * belongs to. */
static const struct option longopts[] = {
	{ "out", required_argument, NULL, 'o' },     { "ack-risk", required_argument, NULL, 'a' },
	{ "workers", required_argument, NULL, 'w' }, { "json", no_argument, NULL, 'j' },
	{ "html", required_argument, NULL, 'H' },    { "help", no_argument, NULL, 'h' },
	{},
};

static const struct cli_flag flags[] = {
	{ "out", "DIR", "run: where runs go ($XDG_STATE_HOME/latch/lab)" },
	{ "ack-risk", "PROFILE", "run: let this tier-2 profile run (repeatable)" },
	{ "workers", "N", "run: probe processes at once (default: the CPUs)" },
	{ "json", NULL, "print one JSON envelope" },
	{ "html", "FILE", "show: also write the summary as an HTML page" },
	{ "help", NULL, "show this help" },
	{},
};

static int help(void)
{
	return cli_help(USAGE_LAB, "h", longopts, flags);
}

/* The options every lab subcommand shares; -1 to go on. */
static int parse_opts(int argc, char **argv, const char *sub, struct lab_opts *o)
{
	bool is_run = strcmp(sub, "run") == 0, is_show = strcmp(sub, "show") == 0;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
		case 'a':
		case 'w':
			if (!is_run)
				return cli_usage_error(USAGE_LAB, "lab %s: unknown option '%s'", sub, argv[optind - 1]);
			if (c == 'o')
				o->out = optarg;
			else if (c == 'a' && strv_push(&o->ack_risk, optarg) < 0)
				return cli_fail(false, "lab_run_report", EXIT_LATCH_FAILED, "out of memory");
			else if (c == 'w' && probe_parse_long(optarg, 1, LAB_WORKERS_MAX, &o->workers) < 0)
				return cli_usage_error(USAGE_LAB, "lab run: --workers: '%s' is not 1-%d", optarg,
						       LAB_WORKERS_MAX);
			break;
		case 'H':
			if (!is_show)
				return cli_usage_error(USAGE_LAB, "lab %s: unknown option '%s'", sub, argv[optind - 1]);
			o->html = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			return help();
		default:
			return cli_usage_error(USAGE_LAB, "lab %s: unknown or incomplete option '%s'", sub, argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(USAGE_LAB, "lab %s: give exactly one %s", sub, is_show ? "DIR" : "PLAN");
	return -1;
}

/* latch's own binary, resolved before anything else. */
static int self_path(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n <= 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Plan, profiles, and every row checked: the resolve pass. */
static int resolve(const char *spec, const struct lab_opts *o, struct session_env *env, struct lab_env *lenv,
		   struct lab_plan **ret_plan, struct error *err)
{
	char self[LATCH_PATH_MAX];
	int abi, r;

	if (cli_check_path_arg("the plan", spec, err) < 0)
		return -EINVAL;
	r = lab_plan_load(spec, ret_plan, err);
	if (r < 0)
		return r;
	if (self_path(self, sizeof(self)) < 0)
		return error_set(err, errno, "cannot find latch's own binary: %s", strerror(errno));
	abi = session_landlock_abi(err);
	if (abi == -EINVAL)
		return abi;
	r = lab_env_init(lenv, self, &env->ctx, abi > 0 ? abi : 0, o->ack_risk, err);
	if (r >= 0)
		r = lab_env_add_profiles(lenv, (*ret_plan)->profiles, err);
	for (size_t i = 0; r >= 0 && i < (*ret_plan)->n_rows; i++)
		r = lab_row_check(lenv, &(*ret_plan)->rows[i], err);
	if (r < 0)
		return error_prefix(err, "%s", (*ret_plan)->source);
	lenv->workers = o->workers > 0 ? (unsigned)o->workers : lab_default_workers();
	return 0;
}

static int lab_run_cmd(const char *spec, const struct lab_opts *o)
{
	struct session_env env;
	struct lab_env lenv = { 0 };
	_cleanup_(lab_plan_freep) struct lab_plan *plan = NULL;
	_cleanup_free_ char *out = NULL;
	struct lab_run_result res = { 0 };
	struct error err = { 0 };
	int r, code;

	session_env_init(&env);
	r = resolve(spec, o, &env, &lenv, &plan, &err);
	if (r >= 0 && !o->out)
		r = lab_default_dir(&env.ctx, &out, &err);
	if (r < 0) {
		code = cli_fail(o->json, "lab_run_report", EXIT_LATCH_FAILED, "%s", err.msg);
		goto done;
	}
	r = lab_run(&lenv, plan, o->out ? o->out : out, &res, &err);
	if (r < 0) {
		code = cli_fail(o->json, "lab_run_report", EXIT_LATCH_FAILED, "%s", err.msg);
		goto done;
	}
	code = !res.complete ? EXIT_LATCH_FAILED : res.failing > 0 ? EXIT_DENIED : 0;
	if (o->json) {
		json_t *data = json_object();
		struct json_result jr = {
			.ok = res.complete, .rc = code, .exit_code = -1,
			.outcome = !res.complete ? "failed" : res.failing ? "mismatch" : "ok",
			.error = res.complete ? NULL : err.msg,
		};

		json_set(data, "run_id", json_str(res.run_id));
		json_set(data, "run_dir", json_str(res.run_dir));
		json_set(data, "status", json_str(res.complete ? "complete" : "failed"));
		json_set(data, "failing", json_integer(res.failing));
		json_set(data, "counts",
			 json_deep_copy(json_object_get(json_object_get(res.summary, "data"), "counts")) ?: json_null());
		code = cli_print_envelope("lab_run_report", data, &jr, code);
	} else {
		if (res.summary)
			lab_print_summary(stdout, res.summary);
		printf("run directory: %s\n", res.run_dir ? res.run_dir : "(none)");
		if (!res.complete)
			fprintf(stderr, "latch: lab run failed: %s\n", err.msg);
		else if (res.failing)
			fprintf(stderr, "latch: %ld enforcement_gap or over_enforcement mismatch%s (see mismatches.jsonl)\n",
				res.failing, res.failing == 1 ? "" : "es");
	}
done:
	lab_run_result_done(&res);
	lab_env_done(&lenv);
	session_env_done(&env);
	return code;
}

static int lab_check_cmd(const char *spec, const struct lab_opts *o)
{
	struct session_env env;
	struct lab_env lenv = { 0 };
	_cleanup_(lab_plan_freep) struct lab_plan *plan = NULL;
	struct error err = { 0 };
	size_t cells = 0;
	int r, code;

	session_env_init(&env);
	r = resolve(spec, o, &env, &lenv, &plan, &err);
	for (size_t i = 0; r >= 0 && i < plan->n_rows; i++)
		cells += strv_length(plan->rows[i].profiles);
	if (o->json) {
		json_t *data = json_object();
		struct json_result jr = { .ok = r >= 0, .rc = r >= 0 ? 0 : EXIT_DENIED, .exit_code = -1,
					  .outcome = r >= 0 ? "ok" : "invalid", .error = r >= 0 ? NULL : err.msg };

		json_set(data, "plan", json_str(spec));
		json_set(data, "plan_id", json_str(r >= 0 ? plan->plan_id : NULL));
		json_set(data, "sha256", json_str(r >= 0 ? plan->sha256 : NULL));
		json_set(data, "rows", r >= 0 ? json_integer((json_int_t)plan->n_rows) : json_null());
		json_set(data, "profiles", r >= 0 ? json_strv(plan->profiles) : json_null());
		json_set(data, "cells", r >= 0 ? json_integer((json_int_t)cells) : json_null());
		code = cli_print_envelope("lab_plan_check", data, &jr, jr.rc);
	} else if (r < 0) {
		fprintf(stderr, "latch: %s\n", err.msg);
		code = EXIT_DENIED;
	} else {
		printf("%s: plan '%s' is valid: %zu rows, %zu profiles, %zu cells (sha256 %s)\n", spec, plan->plan_id,
		       plan->n_rows, strv_length(plan->profiles), cells, plan->sha256);
		code = 0;
	}
	lab_env_done(&lenv);
	session_env_done(&env);
	return code;
}

static int lab_show_cmd(const char *dir, const struct lab_opts *o)
{
	_cleanup_json_ json_t *summary = NULL, *status = NULL;
	_cleanup_free_ char *latest = NULL;
	struct error err = { 0 };
	const char *st;

	/* An output directory stands for its last run. */
	if (asprintf(&latest, "%s/LATEST/%s", dir, LAB_STATUS_FILE) > 0 && access(latest, F_OK) == 0) {
		free(latest);
		latest = NULL;
		if (asprintf(&latest, "%s/LATEST", dir) < 0)
			return cli_fail(o->json, "lab_summary", EXIT_LATCH_FAILED, "out of memory");
		dir = latest;
	}

	if (lab_read_run_file(dir, LAB_STATUS_FILE, &status, &err) < 0)
		return cli_fail(o->json, "lab_summary", EXIT_LATCH_FAILED, "%s", err.msg);
	st = json_string_value(json_object_get(json_object_get(status, "data"), "status"));
	if (lab_read_run_file(dir, "summary.json", &summary, &err) < 0)
		return cli_fail(o->json, "lab_summary", EXIT_LATCH_FAILED, "%s (the run's status is '%s')", err.msg,
				st ? st : "unknown");
	if (o->html) {
		char title[256];

		(void)snprintf(title, sizeof(title), "latch lab: %s",
			       json_string_value(json_object_get(json_object_get(summary, "data"), "run_id")) ?: dir);
		if (lab_write_html_file(o->html, summary, title, &err) < 0)
			return cli_fail(o->json, "lab_summary", EXIT_LATCH_FAILED, "%s", err.msg);
	}
	if (o->json)
		return json_write_line(stdout, summary) < 0 ? EXIT_LATCH_FAILED : 0;
	lab_print_summary(stdout, summary);
	if (st && strcmp(st, "complete") != 0)
		printf("status: %s\n", st);
	return 0;
}

int cmd_lab(int argc, char **argv)
{
	struct lab_opts o = { 0 };
	static const char *const subs[] = { "run", "show", "check", NULL };
	const char *sub = NULL;
	int r;

	r = cli_subcommand(argc, argv, "lab", subs, USAGE_LAB, help, &sub);
	if (r >= 0)
		return r;
	r = parse_opts(argc - 1, argv + 1, sub, &o);
	if (r < 0) {
		const char *operand = argv[1 + optind];

		if (strcmp(sub, "run") == 0)
			r = lab_run_cmd(operand, &o);
		else if (strcmp(sub, "check") == 0)
			r = lab_check_cmd(operand, &o);
		else
			r = lab_show_cmd(operand, &o);
	}
	strv_free(o.ack_risk);
	return r;
}
