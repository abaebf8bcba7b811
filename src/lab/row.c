/* One plan row: setup, the observed lanes in the pool, the oracle, the
 * comparison, and the records (lab_result, lab_mismatch) that say so. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/json-util.h"
#include "base/strv.h"
#include "lab/lab.h"
#include "lab/readback.h"
#include "lab/setup.h"
#include "lab/spawn.h"
#include "probe/catalog.h"

#define LANE_BASELINE "baseline"
#define LANE_SANDBOXED "sandboxed"
#define LANE_ORACLE "oracle"

/* What a lane record says, besides the row. */
struct lane {
	const char *lane;
	const char *profile;      /* NULL: the baseline */
	const char *status;       /* "ran", "skipped", "not_run" */
	const char *outcome;      /* normalized_outcome: a probe outcome, a verdict, or the status */
	bool ok;
	int rc;
	const char *errno_name;
	const char *error;
	json_t *response;         /* stolen */
	json_t *oracle;           /* stolen */
	json_t *events;           /* stolen: the supervisor's events, or NULL (not supervised) */
	json_t *observed;         /* stolen: the attribution an event shows, or NULL */
	const struct lab_job *job;
};

struct row_ctx {
	const struct lab_env *env;
	const struct lab_row *row;
	const char *plan_id, *run_id;
	char **args;
};

static json_t *lane_record(const struct row_ctx *rc, struct lane *l)
{
	json_t *data = json_object();
	struct json_result res = {
		.ok = l->ok,
		.rc = l->rc,
		.exit_code = l->job && !l->job->start_errno ? l->job->exit_status : -1,
		.outcome = l->outcome,
		.errno_name = l->errno_name,
		.error = l->error,
	};
	char corr[512];

	(void)snprintf(corr, sizeof(corr), "%s/%s/%s", rc->run_id, rc->row->row_id, l->profile ? l->profile : l->lane);
	json_set(data, "run_id", json_str(rc->run_id));
	json_set(data, "plan_id", json_str(rc->plan_id));
	json_set(data, "row_id", json_str(rc->row->row_id));
	json_set(data, "correlation_id", json_str(corr));
	json_set(data, "lane", json_str(l->lane));
	json_set(data, "profile", json_str(l->profile));
	json_set(data, "probe_id", json_str(rc->row->probe_id));
	json_set(data, "probe_args", json_strv(rc->args));
	json_set(data, "status", json_str(l->status));
	json_set(data, "response", l->response ? l->response : json_null());
	json_set(data, "oracle", l->oracle ? l->oracle : json_null());
	json_set(data, "events", l->events ? l->events : json_null());
	json_set(data, "attribution_observed", l->observed ? l->observed : json_null());
	if (l->job && l->job->err_len) {
		char keep[LAB_STDERR_KEPT + 1];

		(void)snprintf(keep, sizeof(keep), "%s", l->job->err);
		json_set(data, "stderr", json_str(keep));
	} else {
		json_set(data, "stderr", json_null());
	}
	json_set(data, "duration_ms", l->job && !l->job->start_errno ? json_integer(l->job->duration_ms) : json_null());
	return json_envelope("lab_result", data, &res);
}

/* The lane's probe_response: exactly one envelope line on stdout, else
 * NULL with why. */
static json_t *parse_response(const struct lab_job *j, int *ret_outcome, char *why, size_t size)
{
	json_t *v = NULL;
	int r;

	*ret_outcome = PROBE_HARNESS_ERROR;
	if (j->start_errno) {
		(void)snprintf(why, size, "cannot start latch probe: %s", strerror(j->start_errno));
		return NULL;
	}
	if (j->timed_out) {
		*ret_outcome = PROBE_TIMEOUT;
		(void)snprintf(why, size, "latch probe did not finish within %d ms and was killed", LAB_LANE_TIMEOUT_MS);
		return NULL;
	}
	r = j->out_truncated ? -EBADMSG : lab_response_parse(j->out, j->out_len, &v, ret_outcome);
	if (r == -EBADMSG) {
		const char *e = j->err_len ? j->err : "";
		size_t n = strcspn(e, "\n");

		(void)snprintf(why, size, "latch probe wrote no single envelope (exit status %d%s%s): %.*s", j->exit_status,
			       j->signal ? ", signal " : "", j->signal ? sigabbrev_np(j->signal) : "", (int)n, e);
		return NULL;
	}
	if (r < 0) {
		(void)snprintf(why, size, "latch probe's output is not a probe_response envelope");
		return NULL;
	}
	return v;
}

/* The supervisor's events of a lane; NULL when there is no file. */
static json_t *read_events(const char *path)
{
	FILE *f = path ? fopen(path, "re") : NULL;
	json_t *a;

	if (!f)
		return NULL;
	a = lab_events_read(f);
	(void)fclose(f);
	return a;
}

/* A record for a lane that ran: its response, or why there is none; with
 * the supervisor's events when events_path names them. */
static json_t *observed_record(const struct row_ctx *rc, const char *lane, const char *profile,
			       const struct lab_job *j, const char *events_path, json_t **ret_response,
			       int *ret_outcome)
{
	char why[512];
	json_t *resp = parse_response(j, ret_outcome, why, sizeof(why));
	const json_t *res = json_object_get(resp, "result");
	struct lane l = {
		.lane = lane,
		.profile = profile,
		.status = "ran",
		.outcome = probe_outcome_name(*ret_outcome),
		.ok = probe_outcome_measured(*ret_outcome),
		.rc = resp ? (int)json_integer_value(json_object_get(res, "rc")) : probe_outcome_rc(*ret_outcome),
		.errno_name = json_string_value(json_object_get(res, "errno")),
		.error = resp ? json_string_value(json_object_get(res, "error")) : why,
		.job = j,
	};
	json_t *rec;

	*ret_response = resp;
	l.response = json_incref(resp);
	l.events = read_events(events_path);
	if (l.events && resp && *ret_outcome == PROBE_DENIED)
		l.observed = lab_attribution_observed(resp, l.events);
	rec = lane_record(rc, &l);
	return rec;
}

static json_t *skipped_record(const struct row_ctx *rc, const char *lane, const char *profile, const char *status,
			      const char *why, json_t *oracle)
{
	struct lane l = {
		.lane = lane, .profile = profile, .status = status, .outcome = status, .ok = true, .error = why,
		.oracle = oracle,
	};

	return lane_record(rc, &l);
}

/* `latch why` (or the seccomp plan) for each question the oracle asked. */
static json_t *oracle_commands(const char *spec, const struct lab_oracle *o)
{
	json_t *a = json_array();

	for (size_t i = 0; i < o->n; i++) {
		const struct lab_query *q = &o->q[i];
		char port[16] = "";
		char *argv[8] = { "latch", "why", "-p", (char *)spec, NULL };
		size_t n = 4;
		_cleanup_free_ char *line = NULL;

		if (q->kind == LAB_QUERY_SECCOMP) {
			char *dry[] = { "latch", "run", "--dry-run", "-p", (char *)spec, "--", "true", NULL };

			line = strv_shell_join(dry);
		} else {
			argv[n++] = (char *)policy_access_name(q->access);
			if (q->path)
				argv[n++] = q->path;
			else if (q->access == POLICY_ACCESS_TCP_CONNECT || q->access == POLICY_ACCESS_TCP_BIND) {
				(void)snprintf(port, sizeof(port), "%ld", q->decided_port);
				argv[n++] = port;
			}
			argv[n] = NULL;
			line = strv_shell_join(argv);
		}
		(void)json_array_append_new(a, json_str(line));
	}
	return a;
}

static json_t *lane_summary(const json_t *response, int outcome, const json_t *observed)
{
	const json_t *data = json_object_get(response, "data");
	const json_t *at = observed ? observed : json_object_get(data, "attribution");
	json_t *o = json_object();

	json_set(o, "outcome", json_str(outcome >= 0 ? probe_outcome_name(outcome) : NULL));
	json_set(o, "errno", json_deep_copy(json_object_get(json_object_get(response, "result"), "errno")) ?: json_null());
	json_set(o, "layer", json_str(json_string_value(json_object_get(at, "layer"))));
	json_set(o, "how", json_str(json_string_value(json_object_get(at, "how"))));
	json_set(o, "reason", json_str(json_string_value(json_object_get(at, "reason"))));
	return o;
}

/* The commands that repeat a cell by hand: the baseline, the sandboxed lane
 * as the lab ran it (with the profile's supervisor and its risk
 * acknowledgement, without the lab's bookkeeping flags), and the oracle's
 * questions. */
static json_t *reproduce_json(const struct row_ctx *rc, const struct lab_cell *c)
{
	const struct lab_profile *p = c->profile;
	char *base_argv[LAB_ROW_ARGS_MAX + 8] = { "latch", "probe", "--no-sandbox", (char *)rc->row->probe_id };
	char *sb_argv[LAB_ROW_ARGS_MAX + 12] = { "latch", "probe", "-p", p->spec };
	_cleanup_free_ char *base_cmd = NULL, *sb_cmd = NULL;
	json_t *repro = json_object();
	size_t n = 4;

	if (p->policy->supervise != POLICY_SUPERVISE_OFF)
		sb_argv[n++] = "--supervise";
	if (p->risk.tier >= 2) {
		sb_argv[n++] = "--ack-risk";
		sb_argv[n++] = p->policy->name;
	}
	sb_argv[n++] = (char *)rc->row->probe_id;
	for (size_t i = 0; rc->args[i] && i < LAB_ROW_ARGS_MAX; i++) {
		base_argv[4 + i] = rc->args[i];
		sb_argv[n + i] = rc->args[i];
	}
	base_cmd = strv_shell_join(base_argv);
	sb_cmd = strv_shell_join(sb_argv);
	json_set(repro, "baseline", json_str(base_cmd));
	json_set(repro, "sandboxed", json_str(sb_cmd));
	json_set(repro, "oracle", oracle_commands(p->spec, &c->oracle));
	return repro;
}

static json_t *mismatch_record(const struct row_ctx *rc, const struct lab_cell *c, const json_t *base_resp,
			       int baseline, const json_t *sb_resp)
{
	const struct lab_classification *cls = &c->cls;
	const json_t *sres = json_object_get(sb_resp, "result");
	json_t *data = json_object(), *lanes = json_object(), *expected = json_array();
	struct json_result res = {
		.ok = !lab_reason_fails(cls->reason),
		.rc = lab_reason_fails(cls->reason) ? 1 : 0,
		.exit_code = -1,
		.outcome = lab_reason_name(cls->reason),
		.errno_name = json_string_value(json_object_get(sres, "errno")),
		.error = cls->detail,
	};
	json_t *oracle = json_object();
	const json_t *observed = json_object_get(json_object_get(c->sandboxed_record, "data"), "attribution_observed");
	bool has = false;

	json_set(oracle, "verdict", json_str(lab_verdict_name(c->oracle.verdict)));
	json_set(oracle, "detail", lab_oracle_to_json(&c->oracle));
	json_set(lanes, "baseline", lane_summary(base_resp, baseline, NULL));
	json_set(lanes, "sandboxed", lane_summary(sb_resp, c->outcome, json_is_object(observed) ? observed : NULL));
	json_set(lanes, "oracle", oracle);
	for (int o = 0; o < _PROBE_OUTCOME_MAX; o++)
		if (lab_row_expects(rc->row, c->profile->spec, o, &has) && has)
			(void)json_array_append_new(expected, json_str(probe_outcome_name(o)));
	json_set(data, "run_id", json_str(rc->run_id));
	json_set(data, "plan_id", json_str(rc->plan_id));
	json_set(data, "row_id", json_str(rc->row->row_id));
	json_set(data, "profile", json_str(c->profile->spec));
	json_set(data, "probe_id", json_str(rc->row->probe_id));
	json_set(data, "probe_args", json_strv(rc->args));
	json_set(data, "mismatch_reason", json_str(lab_reason_name(cls->reason)));
	json_set(data, "underlying", cls->reason == LAB_KERNEL_LIMIT ? json_str(lab_reason_name(cls->underlying))
								     : json_null());
	if (cls->limit) {
		json_t *k = json_object();

		json_set(k, "id", json_str(cls->limit->id));
		json_set(k, "text", json_str(cls->limit->text));
		json_set(data, "kernel_limit", k);
	} else {
		json_set(data, "kernel_limit", json_null());
	}
	json_set(data, "detail", json_str(cls->detail));
	json_set(data, "lanes", lanes);
	json_set(data, "errno", json_str(res.errno_name));
	json_set(data, "attribution", json_deep_copy(observed ? observed
							     : json_object_get(json_object_get(sb_resp, "data"), "attribution"))
					      ?: json_null());
	json_set(data, "expected", has ? expected : (json_decref(expected), json_null()));
	json_set(data, "reproduce", json_deep_copy(c->reproduce) ?: json_null());
	return json_envelope("lab_mismatch", data, &res);
}

/* What the comparison needs from the sandboxed response. */
static void observed_facts(const json_t *resp, struct lab_compare *cmp)
{
	const json_t *data = json_object_get(resp, "data"), *details = json_object_get(data, "details");
	const json_t *bytes = json_object_get(details, "bytes_read"), *entries = json_object_get(details, "entries");

	cmp->own_mnt_ns = json_is_true(json_object_get(json_object_get(data, "isolation"), "mnt"));
	cmp->read_nothing = (json_is_integer(bytes) && json_integer_value(bytes) == 0) ||
			    (json_is_integer(entries) && json_integer_value(entries) == 0);
}

/* The command line of an observed lane. */
static char **lane_argv(const struct row_ctx *rc, const struct lab_profile *p, const char *events)
{
	char **v = NULL, corr[512], timeout[32];
	bool ok;

	(void)snprintf(corr, sizeof(corr), "%s/%s/%s", rc->run_id, rc->row->row_id, p ? p->spec : LANE_BASELINE);
	(void)snprintf(timeout, sizeof(timeout), "%d", LAB_PROBE_TIMEOUT_MS);
	ok = strv_push(&v, rc->env->self) == 0 && strv_push(&v, "probe") == 0;
	if (p)
		ok = ok && strv_push(&v, "-p") == 0 && strv_push(&v, p->spec) == 0;
	else
		ok = ok && strv_push(&v, "--no-sandbox") == 0;
	/* latch run supervises what the profile says to supervise; latch probe
	 * only on request (and then with a supervisor that denies, as run's
	 * does without a terminal): ask for it, so the lane is the profile's
	 * real sandbox. */
	if (p && p->policy->supervise != POLICY_SUPERVISE_OFF)
		ok = ok && strv_push(&v, "--supervise") == 0 &&
		     (!events || (strv_push(&v, "--events") == 0 && strv_push(&v, events) == 0));
	if (p && p->risk.tier >= 2)
		ok = ok && strv_push(&v, "--ack-risk") == 0 && strv_push(&v, p->policy->name) == 0;
	ok = ok && strv_push(&v, "--json") == 0 && strv_push(&v, "--timeout-ms") == 0 && strv_push(&v, timeout) == 0 &&
	     strv_push(&v, "--plan-id") == 0 && strv_push(&v, rc->plan_id) == 0 && strv_push(&v, "--row-id") == 0 &&
	     strv_push(&v, rc->row->row_id) == 0 && strv_push(&v, "--correlation-id") == 0 &&
	     strv_push(&v, corr) == 0 && strv_push(&v, rc->row->probe_id) == 0;
	for (size_t i = 0; ok && rc->args[i]; i++)
		ok = strv_push(&v, rc->args[i]) == 0;
	return ok ? v : strv_free(v);
}

static const char *op_of(const struct lab_row *row, char **args, struct probe_request *req)
{
	const struct probe_def *def = probe_find(row->probe_id);
	struct error ignored = { 0 };

	if (!def || probe_parse(def, (int)strv_length(args), args, req, &ignored) != 0)
		return NULL;
	return req->op;
}

/* Compare, classify and write the cell's records. */
static void conclude_cell(const struct row_ctx *rc, struct lab_row_result *r, struct lab_cell *c,
			  const json_t *base_resp, json_t *sb_resp, const char *setup_error)
{
	const struct lab_env *env = rc->env;
	struct probe_request req;
	struct lab_compare cmp = {
		.probe_id = rc->row->probe_id,
		.op = op_of(rc->row, rc->args, &req),
		.baseline = r->baseline,
		.sandboxed = c->outcome,
		.oracle = &c->oracle,
		.landlock_abi = env->landlock_abi,
	};
	char drift[512];

	if (setup_error) {
		c->cls = (struct lab_classification){ .reason = LAB_PREMISE_FAILED, .underlying = LAB_PREMISE_FAILED };
		(void)snprintf(c->cls.detail, sizeof(c->cls.detail), "the row's setup failed: %s", setup_error);
	} else {
		observed_facts(sb_resp, &cmp);
		cmp.expected_ok = lab_row_expects(rc->row, c->profile->spec, c->outcome, &cmp.has_expected);
		if (sb_resp && !lab_oracle_matches(&c->profile->model, &c->oracle, &env->where,
						   json_object_get(sb_resp, "data"), drift, sizeof(drift)))
			cmp.oracle_drift = drift;
		lab_classify(&cmp, &c->cls);
	}
	c->reproduce = reproduce_json(rc, c);
	if (c->cls.reason != LAB_AGREE)
		c->mismatch = mismatch_record(rc, c, base_resp, r->baseline, sb_resp);
}

static int prepare_cells(const struct row_ctx *rc, struct lab_row_result *r, struct error *err)
{
	size_t n = strv_length(rc->row->profiles);

	r->cells = calloc(n ? n : 1, sizeof(*r->cells));
	if (!r->cells)
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct lab_cell *c = &r->cells[i];

		r->n_cells = i + 1;
		c->outcome = -1;
		c->profile = lab_env_profile(rc->env, rc->row->profiles[i]);
		if (!c->profile)
			return error_set(err, EINVAL, "row '%s': profile '%s' was not loaded", rc->row->row_id,
					 rc->row->profiles[i]);
		c->skipped = !lab_risk_allowed(c->profile, rc->env->ack_risk, rc->row->ack_risk, c->skip_reason,
					       sizeof(c->skip_reason));
	}
	return 0;
}

/* A directory for the supervisor's event files of one row; NULL when no
 * profile of the row is supervised (or it cannot be made: then the lanes
 * simply carry no events). */
static char *events_dir(const struct lab_env *env, const struct lab_row_result *r)
{
	char *dir = NULL;
	bool any = false;

	for (size_t i = 0; i < r->n_cells; i++)
		any = any || (!r->cells[i].skipped && r->cells[i].profile->policy->supervise != POLICY_SUPERVISE_OFF);
	if (!any || asprintf(&dir, "%s/latch-lab-events-XXXXXX", env->where.tmp) < 0)
		return NULL;
	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

static char *events_file(const char *dir, size_t i)
{
	char *p = NULL;

	if (!dir || asprintf(&p, "%s/%zu.jsonl", dir, i) < 0)
		return NULL;
	return p;
}

int lab_row_run(const struct lab_env *env, const struct lab_row *row, const char *plan_id, const char *run_id,
		struct lab_row_result *ret, struct error *err)
{
	struct row_ctx rc = { .env = env, .row = row, .plan_id = plan_id, .run_id = run_id };
	struct lab_setup_state st = LAB_SETUP_STATE_INIT;
	_cleanup_free_ char *fixture = NULL, *evdir = NULL;
	struct lab_job *jobs = NULL;
	json_t *base_resp = NULL, **sb_resp = NULL;
	char **evfiles = NULL;
	struct error setup_err = { 0 };
	const char *setup_error = NULL;
	size_t n_jobs = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->row = row;
	ret->baseline = -1;
	ret->setup = json_null();
	r = lab_setup_fixture_path(&row->setup, &env->where, &fixture, err);
	if (r >= 0)
		r = lab_row_expand_args(row, fixture, (long)env->pid, &ret->args, err);
	if (r >= 0)
		r = prepare_cells(&rc, ret, err);
	if (r < 0)
		return r;
	rc.args = ret->args;
	jobs = calloc(ret->n_cells + 1, sizeof(*jobs));
	sb_resp = calloc(ret->n_cells + 1, sizeof(*sb_resp));
	evfiles = calloc(ret->n_cells + 1, sizeof(*evfiles));
	if (!jobs || !sb_resp || !evfiles) {
		r = error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (lab_setup_apply(&row->setup, &env->where, &st, &setup_err) < 0)
		setup_error = setup_err.msg;
	else {
		json_decref(ret->setup);
		ret->setup = row->setup.fixture || row->setup.listen_tcp_port > 0 ? lab_setup_to_json(&st) : json_null();
	}
	/* The lanes: the baseline first, then each profile that may run. */
	if (!setup_error) {
		evdir = events_dir(env, ret);
		jobs[n_jobs++].argv = lane_argv(&rc, NULL, NULL);
		for (size_t i = 0; i < ret->n_cells; i++) {
			if (ret->cells[i].skipped)
				continue;
			if (ret->cells[i].profile->policy->supervise != POLICY_SUPERVISE_OFF)
				evfiles[i] = events_file(evdir, i);
			jobs[n_jobs++].argv = lane_argv(&rc, ret->cells[i].profile, evfiles[i]);
		}
		for (size_t i = 0; i < n_jobs; i++)
			if (!jobs[i].argv) {
				r = error_set(err, ENOMEM, "out of memory");
				goto out;
			}
		lab_jobs_run(jobs, n_jobs, env->workers, LAB_LANE_TIMEOUT_MS);
		ret->baseline_record = observed_record(&rc, LANE_BASELINE, NULL, &jobs[0], NULL, &base_resp,
						       &ret->baseline);
	} else {
		ret->baseline_record = skipped_record(&rc, LANE_BASELINE, NULL, "not_run", setup_error, NULL);
	}
	for (size_t i = 0, j = 1; i < ret->n_cells; i++) {
		struct lab_cell *c = &ret->cells[i];
		struct error oerr = { 0 };

		if (c->skipped) {
			c->sandboxed_record = skipped_record(&rc, LANE_SANDBOXED, c->profile->spec, "skipped",
							     c->skip_reason, NULL);
			c->oracle_record = skipped_record(&rc, LANE_ORACLE, c->profile->spec, "skipped", c->skip_reason,
							  NULL);
			continue;
		}
		if (lab_oracle_predict(&c->profile->model, &env->where, row->probe_id, ret->args, &c->oracle, &oerr) < 0) {
			r = error_set(err, EINVAL, "row '%s': the oracle cannot predict it: %s", row->row_id, oerr.msg);
			goto out;
		}
		{
			struct lane l = {
				.lane = LANE_ORACLE, .profile = c->profile->spec, .status = "ran", .ok = true,
				.outcome = lab_verdict_name(c->oracle.verdict), .oracle = lab_oracle_to_json(&c->oracle),
			};

			c->oracle_record = lane_record(&rc, &l);
		}
		if (setup_error)
			c->sandboxed_record = skipped_record(&rc, LANE_SANDBOXED, c->profile->spec, "not_run", setup_error,
							     NULL);
		else
			c->sandboxed_record = observed_record(&rc, LANE_SANDBOXED, c->profile->spec, &jobs[j++],
							      evfiles[i], &sb_resp[i], &c->outcome);
		conclude_cell(&rc, ret, c, base_resp, sb_resp[i], setup_error);
	}
	r = 0;
out:
	lab_setup_undo(&st);
	for (size_t i = 0; jobs && i < n_jobs; i++) {
		strv_free(jobs[i].argv);
		lab_job_done(&jobs[i]);
	}
	free(jobs);
	for (size_t i = 0; evfiles && i < ret->n_cells; i++) {
		if (evfiles[i])
			(void)unlink(evfiles[i]);
		free(evfiles[i]);
	}
	free(evfiles);
	if (evdir)
		(void)rmdir(evdir);
	for (size_t i = 0; sb_resp && i < ret->n_cells; i++)
		json_decref(sb_resp[i]);
	free(sb_resp);
	json_decref(base_resp);
	return r;
}

void lab_row_result_done(struct lab_row_result *r)
{
	for (size_t i = 0; i < r->n_cells; i++) {
		struct lab_cell *c = &r->cells[i];

		lab_oracle_done(&c->oracle);
		json_decref(c->sandboxed_record);
		json_decref(c->oracle_record);
		json_decref(c->mismatch);
		json_decref(c->reproduce);
	}
	free(r->cells);
	strv_free(r->args);
	json_decref(r->baseline_record);
	json_decref(r->setup);
	memset(r, 0, sizeof(*r));
}

int lab_row_check(const struct lab_env *env, const struct lab_row *row, struct error *err)
{
	_cleanup_free_ char *fixture = NULL;
	_cleanup_strv_free_ char **args = NULL;
	int r = lab_setup_fixture_path(&row->setup, &env->where, &fixture, err);

	if (r >= 0)
		r = lab_row_expand_args(row, fixture, (long)env->pid, &args, err);
	if (r < 0)
		return error_prefix(err, "row '%s'", row->row_id);
	for (size_t i = 0; row->profiles && row->profiles[i]; i++) {
		const struct lab_profile *p = lab_env_profile(env, row->profiles[i]);
		struct lab_oracle o;

		if (!p)
			return error_set(err, EINVAL, "row '%s': profile '%s' is not loaded", row->row_id, row->profiles[i]);
		r = lab_oracle_predict(&p->model, &env->where, row->probe_id, args, &o, err);
		if (r < 0)
			return error_prefix(err, "row '%s', profile '%s': the oracle cannot predict it", row->row_id,
					    row->profiles[i]);
		lab_oracle_done(&o);
	}
	return 0;
}
