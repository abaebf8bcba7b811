/* latch matrix: one probe across a group of profiles, in the lab's three
 * lanes, as a compare table (and, with --html, the lab's page, coloured by
 * agreement).
 * Groups come from a plan (--plan, by default the built-in plan, whose
 * "builtin" group is every built-in profile). Nothing is written but the
 * page. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/strv.h"
#include "cli/cli.h"
#include "lab/lab.h"
#include "lab/report.h"
#include "lab/run.h"
#include "lab/spawn.h"
#include "probe/catalog.h"

struct matrix_opts {
	const char *group, *plan, *html;
	char **ack_risk;
	bool json;
};

static const struct cli_flag flags[] = {
	{ "group", "NAME", "the group of profiles to run the probe under" },
	{ "plan", "PLAN", "the plan that defines the group (default builtin)" },
	{ "html", "FILE", "also write the table as an HTML page" },
	{ "ack-risk", "PROFILE", "let this tier-2 profile run (repeatable)" },
	{ "json", NULL, "print one JSON envelope" },
	{ "help", NULL, "show this help" },
	{},
};

static int parse_opts(int argc, char **argv, struct matrix_opts *o)
{
	static const char shortopts[] = "+g:h";
	static const struct option longopts[] = {
		{ "group", required_argument, NULL, 'g' }, { "plan", required_argument, NULL, 'P' },
		{ "html", required_argument, NULL, 'H' },  { "ack-risk", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },        { "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			o->group = optarg;
			break;
		case 'P':
			o->plan = optarg;
			break;
		case 'H':
			o->html = optarg;
			break;
		case 'a':
			if (strv_push(&o->ack_risk, optarg) < 0)
				return cli_fail(false, "matrix_report", EXIT_LATCH_FAILED, "out of memory");
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			return cli_help(USAGE_MATRIX, shortopts, longopts, flags);
		default:
			return cli_usage_error(USAGE_MATRIX, "matrix: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (!o->group)
		return cli_usage_error(USAGE_MATRIX, "matrix: --group NAME is required");
	if (optind >= argc)
		return cli_usage_error(USAGE_MATRIX, "matrix: no probe id given (`latch probe --list` shows them)");
	return -1;
}

/* "alpha, beta" for the groups a plan defines. */
static void group_names(const struct lab_plan *p, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_groups && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", p->groups[i].name);
}

static void print_table(const struct matrix_opts *o, const struct lab_row_result *rr, const json_t *summary)
{
	const json_t *base = json_object_get(rr->baseline_record, "result");
	_cleanup_free_ char *cmd = strv_shell_join(rr->args);
	size_t w = strlen("profile");

	printf("matrix '%s': %s %s\n", o->group, rr->row->probe_id, cmd ? cmd : "");
	printf("baseline (no sandbox): %s%s%s%s\n", json_string_value(json_object_get(base, "normalized_outcome")),
	       json_string_value(json_object_get(base, "errno")) ? " (" : "",
	       json_string_value(json_object_get(base, "errno")) ?: "",
	       json_string_value(json_object_get(base, "errno")) ? ")" : "");
	for (size_t i = 0; i < rr->n_cells; i++)
		w = strlen(rr->cells[i].profile->spec) > w ? strlen(rr->cells[i].profile->spec) : w;
	printf("%-*s  tier  %-24s %-11s %-12s %s\n", (int)w, "profile", "sandboxed", "layer", "oracle", "reason");
	for (size_t i = 0; i < rr->n_cells; i++) {
		const struct lab_cell *c = &rr->cells[i];
		const json_t *res = json_object_get(c->sandboxed_record, "result");
		const json_t *at = json_object_get(
			json_object_get(json_object_get(json_object_get(c->sandboxed_record, "data"), "response"), "data"),
			"attribution");
		char sb[64];

		(void)snprintf(sb, sizeof(sb), "%s%s%s%s", json_string_value(json_object_get(res, "normalized_outcome")),
			       json_string_value(json_object_get(res, "errno")) ? " (" : "",
			       json_string_value(json_object_get(res, "errno")) ?: "",
			       json_string_value(json_object_get(res, "errno")) ? ")" : "");
		if (c->skipped) {
			printf("%-*s  %-4d  skipped: %s\n", (int)w, c->profile->spec, c->profile->risk.tier, c->skip_reason);
			continue;
		}
		printf("%-*s  %-4d  %-24s %-11s %-12s %s%s%s\n", (int)w, c->profile->spec, c->profile->risk.tier, sb,
		       json_string_value(json_object_get(at, "layer")) ?: "-", lab_verdict_name(c->oracle.verdict),
		       lab_reason_name(c->cls.reason), c->cls.limit ? " " : "", c->cls.limit ? c->cls.limit->id : "");
	}
	for (size_t i = 0; i < rr->n_cells; i++)
		if (!rr->cells[i].skipped && rr->cells[i].cls.reason != LAB_AGREE)
			printf("  %s: %s\n", rr->cells[i].profile->spec, rr->cells[i].cls.detail);
	(void)summary;
}

static json_t *report_json(const struct matrix_opts *o, const struct lab_row_result *rr, const json_t *summary)
{
	json_t *data = json_object(), *profiles = json_array();

	for (size_t i = 0; i < rr->n_cells; i++) {
		const struct lab_cell *c = &rr->cells[i];
		json_t *p = json_object();

		json_set(p, "profile", json_str(c->profile->spec));
		json_set(p, "tier", json_integer(c->profile->risk.tier));
		json_set(p, "skipped", json_boolean(c->skipped));
		json_set(p, "sandboxed", json_incref(c->sandboxed_record));
		json_set(p, "oracle", json_incref(c->oracle_record));
		json_set(p, "mismatch", c->mismatch ? json_incref(c->mismatch) : json_null());
		(void)json_array_append_new(profiles, p);
	}
	json_set(data, "group", json_str(o->group));
	json_set(data, "probe_id", json_str(rr->row->probe_id));
	json_set(data, "probe_args", json_strv(rr->args));
	json_set(data, "baseline", json_incref(rr->baseline_record));
	json_set(data, "profiles", profiles);
	json_set(data, "counts", json_deep_copy(json_object_get(json_object_get(summary, "data"), "counts")));
	return data;
}

int cmd_matrix(int argc, char **argv)
{
	struct matrix_opts o = { 0 };
	struct session_env env;
	struct lab_env lenv = { 0 };
	_cleanup_(lab_plan_freep) struct lab_plan *plan = NULL;
	struct lab_row row = { .row_id = "matrix", .setup = { .listen_tcp_port = -1 } };
	struct lab_row_result rr = { 0 };
	struct lab_tally tally = { 0 };
	_cleanup_json_ json_t *summary = NULL;
	struct error err = { 0 };
	char self[LATCH_PATH_MAX], run_id[64];
	struct kernel_features kf;
	long long started;
	ssize_t n;
	int r, code, abi;
	char **group;

	r = parse_opts(argc, argv, &o);
	if (r >= 0) {
		strv_free(o.ack_risk);
		return r;
	}
	session_env_init(&env);
	row.probe_id = argv[optind];
	for (int i = optind + 1; i < argc; i++)
		if (strv_push(&row.args, argv[i]) < 0) {
			code = cli_fail(o.json, "matrix_report", EXIT_LATCH_FAILED, "out of memory");
			goto out;
		}
	if (!row.args && !(row.args = calloc(1, sizeof(char *)))) {
		code = cli_fail(o.json, "matrix_report", EXIT_LATCH_FAILED, "out of memory");
		goto out;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	r = n > 0 ? 0 : error_set(&err, errno, "cannot find latch's own binary: %s", strerror(errno));
	if (r >= 0)
		self[n] = '\0';
	if (r >= 0)
		r = lab_plan_load(o.plan ? o.plan : "builtin", &plan, &err);
	group = r >= 0 ? lab_plan_group(plan, o.group) : NULL;
	if (r >= 0 && !group) {
		char names[512];

		group_names(plan, names, sizeof(names));
		r = error_set(&err, ENOENT, "no group '%s' in %s (groups: %s)", o.group, plan->source, names);
	}
	if (r >= 0 && !probe_find(row.probe_id))
		r = error_set(&err, EINVAL, "no probe '%s' (`latch probe --list` shows the catalog)", row.probe_id);
	if (r >= 0) {
		struct probe_request req;
		_cleanup_strv_free_ char **checked = NULL;

		r = lab_row_expand_args(&row, NULL, (long)getpid(), &checked, &err);
		if (r >= 0 && probe_parse(probe_find(row.probe_id), (int)strv_length(checked), checked, &req, &err) != 0)
			r = err.msg[0] ? -EINVAL : error_set(&err, EINVAL, "--help is not a probe argument here");
	}
	row.profiles = group;
	abi = r >= 0 ? session_landlock_abi(&err) : 0;
	if (abi == -EINVAL)
		r = abi;
	if (r >= 0)
		r = lab_env_init(&lenv, self, &env.ctx, abi > 0 ? abi : 0, o.ack_risk, &err);
	if (r >= 0)
		r = lab_env_add_profiles(&lenv, group, &err);
	if (r >= 0)
		r = lab_row_check(&lenv, &row, &err);
	if (r < 0) {
		code = cli_fail(o.json, "matrix_report", EXIT_LATCH_FAILED, "matrix: %s", err.msg);
		goto out;
	}
	lenv.workers = lab_default_workers();
	features_probe(&kf);
	started = unix_time_ms();
	(void)snprintf(run_id, sizeof(run_id), "matrix-%lld", started);
	if (lab_tally_init(&tally) < 0 || lab_row_run(&lenv, &row, "matrix", run_id, &rr, &err) < 0) {
		code = cli_fail(o.json, "matrix_report", EXIT_LATCH_FAILED, "matrix: %s", err.msg[0] ? err.msg : "out of memory");
		goto out;
	}
	lab_tally_add(&tally, &rr);
	{
		struct json_result jr = { .ok = true, .exit_code = -1, .outcome = "ok" };

		json_t *host = lab_host_json(&lenv, &kf, plan->sha256, started, unix_time_ms());

		summary = json_envelope("lab_summary", lab_tally_to_json(&tally, run_id, o.group, "complete", host), &jr);
	}
	code = tally.failing ? EXIT_DENIED : 0;
	if (o.html) {
		char title[256];

		(void)snprintf(title, sizeof(title), "latch matrix '%s': %s", o.group, row.probe_id);
		if (lab_write_html_file(o.html, summary, title, &err) < 0) {
			code = cli_fail(o.json, "matrix_report", EXIT_LATCH_FAILED, "matrix: %s", err.msg);
			goto out;
		}
	}
	if (o.json) {
		struct json_result jr = { .ok = true, .rc = code, .exit_code = -1,
					  .outcome = tally.failing ? "mismatch" : "ok" };

		code = cli_print_envelope("matrix_report", report_json(&o, &rr, summary), &jr, code);
	} else {
		print_table(&o, &rr, summary);
	}
out:
	lab_row_result_done(&rr);
	lab_tally_done(&tally);
	lab_env_done(&lenv);
	session_env_done(&env);
	strv_free(row.args);
	strv_free(o.ack_risk);
	return code;
}
