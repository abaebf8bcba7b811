/* A lab run: the rows in plan order, their records streamed to the run
 * directory as they come, then the summary, the final manifest, the status
 * and, last, the artifact index (run.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "base/fs-util.h"
#include "lab/evidence.h"
#include "lab/report.h"
#include "lab/run.h"
#include "sandbox/features.h"

/* ---- the tally ---------------------------------------------------------------- */

int lab_tally_init(struct lab_tally *t)
{
	memset(t, 0, sizeof(*t));
	t->rows = json_array();
	t->kernel_limits = json_object();
	t->baseline = json_object();
	t->sandboxed = json_object();
	t->oracle = json_object();
	return t->rows && t->kernel_limits && t->baseline && t->sandboxed && t->oracle ? 0 : -ENOMEM;
}

void lab_tally_done(struct lab_tally *t)
{
	json_decref(t->rows);
	json_decref(t->kernel_limits);
	json_decref(t->baseline);
	json_decref(t->sandboxed);
	json_decref(t->oracle);
	strv_free(t->profiles);
	memset(t, 0, sizeof(*t));
}

static void bump(json_t *counts, const char *key)
{
	json_t *v = json_object_get(counts, key);

	json_set(counts, key, json_integer(v ? json_integer_value(v) + 1 : 1));
}

static json_t *cell_json(const struct lab_cell *c)
{
	const json_t *res = json_object_get(c->sandboxed_record, "result");
	const json_t *resp = json_object_get(json_object_get(c->sandboxed_record, "data"), "response");
	const json_t *obs = json_object_get(json_object_get(c->sandboxed_record, "data"), "attribution_observed");
	const json_t *at = json_is_object(obs) ? obs : json_object_get(json_object_get(resp, "data"), "attribution");
	json_t *o = json_object();

	json_set(o, "skipped", json_boolean(c->skipped));
	json_set(o, "outcome", c->outcome >= 0 ? json_str(probe_outcome_name(c->outcome)) : json_null());
	json_set(o, "errno", json_str(json_string_value(json_object_get(res, "errno"))));
	json_set(o, "layer", json_str(json_string_value(json_object_get(at, "layer"))));
	json_set(o, "how", json_str(json_string_value(json_object_get(at, "how"))));
	json_set(o, "oracle", c->skipped ? json_null() : json_str(lab_verdict_name(c->oracle.verdict)));
	json_set(o, "reason", c->skipped ? json_null() : json_str(lab_reason_name(c->cls.reason)));
	json_set(o, "kernel_limit", c->cls.limit ? json_str(c->cls.limit->id) : json_null());
	json_set(o, "detail", json_str(c->skipped ? c->skip_reason : c->cls.detail));
	json_set(o, "reproduce", json_deep_copy(c->reproduce) ?: json_null());
	return o;
}

void lab_tally_add(struct lab_tally *t, const struct lab_row_result *r)
{
	json_t *row = json_object(), *cells = json_object();

	for (size_t i = 0; i < r->n_cells; i++) {
		const struct lab_cell *c = &r->cells[i];

		if (!strv_contains(t->profiles, c->profile->spec))
			(void)strv_push(&t->profiles, c->profile->spec);
		json_set(cells, c->profile->spec, cell_json(c));
		t->cells++;
		if (c->skipped) {
			t->skipped++;
			continue;
		}
		t->reasons[c->cls.reason]++;
		t->failing += lab_reason_fails(c->cls.reason);
		if (c->cls.limit)
			bump(t->kernel_limits, c->cls.limit->id);
		bump(t->sandboxed, c->outcome >= 0 ? probe_outcome_name(c->outcome) : "not_run");
		bump(t->oracle, lab_verdict_name(c->oracle.verdict));
	}
	bump(t->baseline, r->baseline >= 0 ? probe_outcome_name(r->baseline) : "not_run");
	json_set(row, "row_id", json_str(r->row->row_id));
	json_set(row, "probe_id", json_str(r->row->probe_id));
	json_set(row, "family", json_str(lab_probe_family(r->row->probe_id)));
	json_set(row, "args", json_strv(r->args));
	json_set(row, "description", json_str(r->row->description));
	json_set(row, "baseline", r->baseline >= 0 ? json_str(probe_outcome_name(r->baseline)) : json_null());
	json_set(row, "cells", cells);
	(void)json_array_append_new(t->rows, row);
}

json_t *lab_tally_to_json(const struct lab_tally *t, const char *run_id, const char *plan_id, const char *status,
			  json_t *host)
{
	json_t *data = json_object(), *counts = json_object(), *reasons = json_object();

	for (int r = 0; r < _LAB_REASON_MAX; r++)
		json_set(reasons, lab_reason_name(r), json_integer(t->reasons[r]));
	json_set(counts, "cells", json_integer(t->cells));
	json_set(counts, "skipped", json_integer(t->skipped));
	json_set(counts, "failing", json_integer(t->failing));
	json_set(counts, "reasons", reasons);
	json_set(counts, "kernel_limits", json_deep_copy(t->kernel_limits));
	json_set(counts, "baseline", json_deep_copy(t->baseline));
	json_set(counts, "sandboxed", json_deep_copy(t->sandboxed));
	json_set(counts, "oracle", json_deep_copy(t->oracle));
	json_set(data, "run_id", json_str(run_id));
	json_set(data, "plan_id", json_str(plan_id));
	json_set(data, "status", json_str(status));
	json_set(data, "profiles", json_strv(t->profiles));
	json_set(data, "rows", json_deep_copy(t->rows));
	json_set(data, "counts", counts);
	json_set(data, "host", host ? host : json_null());
	return data;
}

/* ---- the run directory ------------------------------------------------------- */

struct run {
	const struct lab_env *env;
	const struct lab_plan *plan;
	char run_id[LAB_RUN_ID_MAX];
	int outfd, runfd;
	FILE *results, *mismatches;
	long long started, ended;
	size_t rows_done;
	struct kernel_features kf;
	json_t *observed;     /* spec -> data.isolation of its first sandboxed lane */
	struct lab_tally tally;
};

static void make_run_id(const char *plan_id, char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	char when[32];
	uint16_t rnd = 0;

	(void)gmtime_r(&now, &tm);
	(void)strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
		rnd = (uint16_t)(getpid() ^ now);
	(void)snprintf(buf, size, "%s-%s-%04x", when, plan_id, rnd);
}

static int write_status(struct run *run, const char *status, const char *error, struct error *err)
{
	json_t *data = json_object(), *env;
	struct json_result res = { .ok = !error, .rc = error ? 1 : 0, .exit_code = -1, .outcome = status, .error = error };
	int r;

	json_set(data, "run_id", json_str(run->run_id));
	json_set(data, "status", json_str(status));
	json_set(data, "started_at_unix_ms", json_integer(run->started));
	json_set(data, "updated_at_unix_ms", json_integer(unix_time_ms()));
	json_set(data, "rows_done", json_integer((json_int_t)run->rows_done));
	json_set(data, "rows_total", json_integer((json_int_t)run->plan->n_rows));
	json_set(data, "error", json_str(error));
	env = json_envelope("lab_run_status", data, &res);
	r = env ? lab_write_json_file(run->runfd, LAB_STATUS_FILE, env, err) : error_set(err, ENOMEM, "out of memory");
	json_decref(env);
	return r;
}

static bool array_has(const json_t *a, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach((json_t *)a, i, v)
		if (strcmp(json_string_value(v) ?: "", s) == 0)
			return true;
	return false;
}

static json_t *profiles_json(const struct run *run, json_t *used, json_t *degraded)
{
	json_t *o = json_object();

	for (size_t i = 0; i < run->env->n_profiles; i++) {
		const struct lab_profile *p = &run->env->profiles[i];
		json_t *j = json_object(), *iso = json_object_get(run->observed, p->spec);
		bool isolated = json_is_true(json_object_get(iso, "user"));

		json_set(j, "name", json_str(p->policy->name));
		json_set(j, "tier", json_integer(p->risk.tier));
		json_set(j, "acked", json_boolean(p->acked));
		json_set(j, "supervise", json_str(policy_supervise_name(p->policy->supervise)));
		json_set(j, "resolved", json_deep_copy(p->resolved));
		json_set(j, "sha256", json_str(p->sha256));
		json_set(j, "landlock_degraded", json_strv(p->ll ? p->ll->degraded : NULL));
		json_set(j, "isolation_observed", iso ? json_deep_copy(iso) : json_null());
		json_set(j, "mode_observed", iso ? json_str(isolated ? "isolated" : "static") : json_null());
		json_set(o, p->spec, j);
		for (size_t k = 0; p->ll && p->ll->degraded && p->ll->degraded[k]; k++) {
			_cleanup_free_ char *line = NULL;

			if (asprintf(&line, "%s: landlock: %s", p->spec, p->ll->degraded[k]) >= 0)
				(void)json_array_append_new(degraded, json_str(line));
		}
		if (iso && !isolated) {
			_cleanup_free_ char *line = NULL;

			if (asprintf(&line, "%s: ran in static mode (no namespaces of its own)", p->spec) >= 0)
				(void)json_array_append_new(degraded, json_str(line));
		}
		if (iso && isolated && !array_has(used, "namespaces"))
			(void)json_array_append_new(used, json_str("namespaces"));
		if (p->policy->supervise != POLICY_SUPERVISE_OFF && !array_has(used, "supervisor"))
			(void)json_array_append_new(used, json_str("supervisor"));
	}
	return o;
}

static json_t *manifest(struct run *run)
{
	const struct lab_env *env = run->env;
	const struct lab_plan *plan = run->plan;
	json_t *data = json_object(), *pl = json_object(), *latch = json_object(), *kernel = json_object();
	json_t *ll = json_object(), *features = json_object(), *used = json_array(), *degraded = json_array();
	json_t *userns = json_object(), *where = json_object(), *limits = json_array(), *reasons = json_array();
	json_t *profiles;

	json_set(pl, "id", json_str(plan->plan_id));
	json_set(pl, "source", json_str(plan->source));
	json_set(pl, "sha256", json_str(plan->sha256));
	json_set(pl, "size", json_integer((json_int_t)plan->size));
	json_set(pl, "schema_version", json_integer(LAB_SCHEMA_VERSION));
	json_set(pl, "rows", json_integer((json_int_t)plan->n_rows));
	json_set(pl, "description", json_str(plan->description));
	json_set(latch, "version", json_str(LATCH_VERSION));
	json_set(latch, "path", json_str(env->self));
	json_set(latch, "sha256", json_str(env->self_sha256));
	json_set(kernel, "release", json_str(run->kf.release));
	json_set(kernel, "machine", json_str(run->kf.machine));
	json_set(ll, "abi_kernel", json_integer(run->kf.landlock_abi));
	json_set(ll, "abi_applied", json_integer(env->landlock_abi));
	json_set(ll, "capped_by", json_str(env->landlock_abi < run->kf.landlock_abi ? "LATCH_LANDLOCK_ABI" : NULL));
	if (env->landlock_abi > 0)
		(void)json_array_append_new(used, json_str("landlock"));
	if (run->kf.seccomp_filter)
		(void)json_array_append_new(used, json_str("seccomp"));
	profiles = profiles_json(run, used, degraded);
	json_set(features, "used", used);
	json_set(features, "degraded", degraded);
	json_set(features, "kernel", features_to_json(&run->kf));
	json_set(userns, "available", json_boolean(run->kf.userns));
	json_set(userns, "errno", run->kf.userns_errno ? json_str(errno_name(run->kf.userns_errno)) : json_null());
	json_set(where, "HOME", json_str(env->where.home));
	json_set(where, "CWD", json_str(env->where.cwd));
	json_set(where, "TMPDIR", json_str(env->where.tmp));
	json_set(where, "LATCH_NO_NAMESPACES", json_str(getenv("LATCH_NO_NAMESPACES")));
	json_set(where, "LATCH_LANDLOCK_ABI", json_str(getenv("LATCH_LANDLOCK_ABI")));
	for (size_t i = 0; i < lab_n_kernel_limits; i++) {
		json_t *k = json_object();

		json_set(k, "id", json_str(lab_kernel_limits[i].id));
		json_set(k, "text", json_str(lab_kernel_limits[i].text));
		(void)json_array_append_new(limits, k);
	}
	for (int r = 1; r < _LAB_REASON_MAX; r++)
		(void)json_array_append_new(reasons, json_str(lab_reason_name(r)));
	json_set(data, "run_id", json_str(run->run_id));
	json_set(data, "plan", pl);
	json_set(data, "latch", latch);
	json_set(data, "kernel", kernel);
	json_set(data, "landlock", ll);
	json_set(data, "features", features);
	json_set(data, "uid", json_integer(getuid()));
	json_set(data, "gid", json_integer(getgid()));
	json_set(data, "user_namespaces", userns);
	json_set(data, "environment", where);
	json_set(data, "profiles", profiles);
	json_set(data, "ack_risk", json_strv(env->ack_risk));
	json_set(data, "workers", json_integer(env->workers));
	json_set(data, "lanes", json_pack("[sss]", "baseline", "sandboxed", "oracle"));
	json_set(data, "mismatch_reasons", reasons);
	json_set(data, "kernel_limits", limits);
	json_set(data, "started_at_unix_ms", json_integer(run->started));
	json_set(data, "ended_at_unix_ms", run->ended ? json_integer(run->ended) : json_null());
	return data;
}

static int write_manifest(struct run *run, struct error *err)
{
	struct json_result res = { .ok = true, .exit_code = -1, .outcome = "ok" };
	json_t *env = json_envelope("lab_run_manifest", manifest(run), &res);
	int r = env ? lab_write_json_file(run->runfd, LAB_MANIFEST_FILE, env, err) : error_set(err, ENOMEM, "out of memory");

	json_decref(env);
	return r;
}

static FILE *open_stream(int dirfd, const char *name, struct error *err)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f) {
		error_set(err, errno, "cannot create '%s': %s", name, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
	}
	return f;
}

static int put(FILE *f, const json_t *v)
{
	_cleanup_free_ char *text = v ? lab_json_text(v, false) : NULL;

	if (!v)
		return 0;
	if (!text)
		return -ENOMEM;
	return fputs(text, f) < 0 ? -EIO : 0;
}

static int write_row(struct run *run, const struct lab_row_result *r)
{
	int e = put(run->results, r->baseline_record);

	for (size_t i = 0; e == 0 && i < r->n_cells; i++) {
		const struct lab_cell *c = &r->cells[i];
		const json_t *iso = json_object_get(
			json_object_get(json_object_get(json_object_get(c->sandboxed_record, "data"), "response"), "data"),
			"isolation");

		e = put(run->results, c->sandboxed_record);
		if (e == 0)
			e = put(run->results, c->oracle_record);
		if (e == 0)
			e = put(run->mismatches, c->mismatch);
		if (json_is_object(iso) && !json_object_get(run->observed, c->profile->spec))
			json_set(run->observed, c->profile->spec, json_deep_copy(iso));
	}
	return e;
}

static int close_stream(FILE **f)
{
	int r = 0;

	if (!*f)
		return 0;
	if (fflush(*f) != 0 || ferror(*f) || fsync(fileno(*f)) < 0)
		r = -EIO;
	if (fclose(*f) != 0)
		r = -EIO;
	*f = NULL;
	return r;
}

json_t *lab_host_json(const struct lab_env *env, const struct kernel_features *kf, const char *plan_sha256,
		      long long started, long long ended)
{
	json_t *h = json_object();

	json_set(h, "kernel", json_str(kf->release));
	json_set(h, "landlock_abi", json_integer(env->landlock_abi));
	json_set(h, "uid", json_integer(getuid()));
	json_set(h, "user_namespaces", json_boolean(kf->userns));
	json_set(h, "latch_version", json_str(LATCH_VERSION));
	json_set(h, "latch_sha256", json_str(env->self_sha256));
	json_set(h, "plan_sha256", json_str(plan_sha256));
	json_set(h, "started_at_unix_ms", json_integer(started));
	json_set(h, "ended_at_unix_ms", json_integer(ended));
	return h;
}

static int write_summaries(struct run *run, const char *status, json_t **ret_summary, struct error *err)
{
	struct json_result res = { .ok = true, .exit_code = -1, .outcome = status };
	json_t *data = lab_tally_to_json(&run->tally, run->run_id, run->plan->plan_id, status,
					 lab_host_json(run->env, &run->kf, run->plan->sha256, run->started, run->ended));
	json_t *env = data ? json_envelope("lab_summary", data, &res) : NULL;
	_cleanup_free_ char *md = env ? lab_summary_markdown(env) : NULL;
	int r;

	if (!env || !md) {
		json_decref(env);
		return error_set(err, ENOMEM, "out of memory");
	}
	r = lab_write_json_file(run->runfd, "summary.json", env, err);
	if (r >= 0)
		r = lab_write_text_file(run->runfd, "summary.md", md, err);
	if (r < 0) {
		json_decref(env);
		return r;
	}
	*ret_summary = env;
	return 0;
}

/* OUT/LATEST -> <run-id>, replaced atomically. */
static int point_latest(struct run *run)
{
	char tmp[64];

	(void)snprintf(tmp, sizeof(tmp), ".LATEST.%d", (int)getpid());
	(void)unlinkat(run->outfd, tmp, 0);
	if (symlinkat(run->run_id, run->outfd, tmp) < 0)
		return -errno;
	if (renameat(run->outfd, tmp, run->outfd, "LATEST") < 0) {
		int e = errno;

		(void)unlinkat(run->outfd, tmp, 0);
		return -e;
	}
	return 0;
}

static int open_dirs(struct run *run, const char *out_dir, struct lab_run_result *ret, struct error *err)
{
	int r = mkdir_parents(out_dir, 0755);

	if (r < 0)
		return error_set(err, -r, "cannot create '%s': %s", out_dir, strerror(-r));
	run->outfd = open(out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (run->outfd < 0)
		return error_set(err, errno, "cannot open '%s': %s", out_dir, strerror(errno));
	if (mkdirat(run->outfd, run->run_id, 0755) < 0)
		return error_set(err, errno, "cannot create '%s/%s': %s", out_dir, run->run_id, strerror(errno));
	run->runfd = openat(run->outfd, run->run_id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (run->runfd < 0)
		return error_set(err, errno, "cannot open '%s/%s': %s", out_dir, run->run_id, strerror(errno));
	{
		_cleanup_free_ char *abs = NULL, *joined = NULL;

		if (asprintf(&joined, "%s/%s", out_dir, run->run_id) < 0 || path_resolve(joined, &abs) < 0)
			return error_set(err, ENOMEM, "out of memory");
		ret->run_dir = TAKE_PTR(abs);
	}
	return 0;
}

int lab_run(const struct lab_env *env, const struct lab_plan *plan, const char *out_dir, struct lab_run_result *ret,
	    struct error *err)
{
	struct run run = { .env = env, .plan = plan, .outfd = -1, .runfd = -1 };
	struct error fail = { 0 };
	int r;

	memset(ret, 0, sizeof(*ret));
	if (lab_tally_init(&run.tally) < 0 || !(run.observed = json_object())) {
		r = error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	make_run_id(plan->plan_id, run.run_id, sizeof(run.run_id));
	(void)snprintf(ret->run_id, sizeof(ret->run_id), "%s", run.run_id);
	features_probe(&run.kf);
	run.started = unix_time_ms();
	r = open_dirs(&run, out_dir, ret, err);
	if (r >= 0)
		r = write_status(&run, "in_progress", NULL, err);
	if (r >= 0)
		r = write_manifest(&run, err);
	if (r >= 0 && (!(run.results = open_stream(run.runfd, "results.jsonl", err)) ||
		       !(run.mismatches = open_stream(run.runfd, "mismatches.jsonl", err))))
		r = -EIO;
	if (r < 0)
		goto out; /* nothing is committed: the caller reports err */
	/* From here on the directory exists: a failure is recorded in it. */
	for (size_t i = 0; i < plan->n_rows; i++) {
		struct lab_row_result rr;

		r = lab_row_run(env, &plan->rows[i], plan->plan_id, run.run_id, &rr, &fail);
		if (r >= 0) {
			r = write_row(&run, &rr);
			if (r < 0)
				error_set(&fail, -r, "cannot write the records of row '%s'", plan->rows[i].row_id);
			lab_tally_add(&run.tally, &rr);
		}
		lab_row_result_done(&rr);
		if (r < 0)
			break;
		run.rows_done++;
	}
	if (close_stream(&run.results) < 0 || close_stream(&run.mismatches) < 0)
		if (r >= 0)
			r = error_set(&fail, EIO, "cannot write the results");
	run.ended = unix_time_ms();
	ret->complete = r >= 0;
	if (write_summaries(&run, ret->complete ? "complete" : "failed", &ret->summary, &fail) < 0)
		ret->complete = false;
	if (write_manifest(&run, &fail) < 0)
		ret->complete = false;
	ret->failing = run.tally.failing;
	r = write_status(&run, ret->complete ? "complete" : "failed", ret->complete ? NULL : fail.msg, &fail);
	if (r >= 0)
		r = lab_evidence_index(run.runfd, run.run_id, &fail);
	if (r >= 0)
		(void)point_latest(&run);
	if (r < 0)
		ret->complete = false;
	if (!ret->complete)
		error_set(err, fail.code ? fail.code : EIO, "%s", fail.msg);
	r = 0;
out:
	(void)close_stream(&run.results);
	(void)close_stream(&run.mismatches);
	if (run.runfd >= 0)
		(void)close(run.runfd);
	if (run.outfd >= 0)
		(void)close(run.outfd);
	json_decref(run.observed);
	lab_tally_done(&run.tally);
	return r;
}

void lab_run_result_done(struct lab_run_result *r)
{
	free(r->run_dir);
	json_decref(r->summary);
	memset(r, 0, sizeof(*r));
}
