/* What session_run() writes to the session log (log.h): the session, the
 * plan that runs (each, when the kernel refuses namespaces and a static
 * plan follows), what the supervisor saw, the exit. Nothing here may stop
 * a run: a log that cannot be written is said once, as a warning (with
 * --strict, the run refuses to start). */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "base/json-util.h"
#include "base/strv.h"
#include "net/net.h"
#include "sandbox/audit.h"
#include "sandbox/landlock-uapi.h"
#include "session/log.h"
#include "session/overlay.h"
#include "session/session.h"

static void warn(const struct session_hooks *h, const char *fmt, ...) _printf_(2, 3);
static void warn(const struct session_hooks *h, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0 || !h || !h->warnings)
		return;
	h->warnings((char *const[]){ line, NULL }, h->data);
}

static int open_log(const struct session_request *o, struct session_plan *s, struct error *err)
{
	const struct session_log_start st = { .argv = o->argv, .profile = o->profile };

	if (!o->log_dir)
		return error_set(err, ENOENT, "no $XDG_STATE_HOME or $HOME to keep it in");
	return session_log_open(o->log_dir, &st, &s->logging.log, err);
}

int session_log_begin(const struct session_request *o, const struct session_hooks *h, struct session_plan *s,
		      struct session_result *res)
{
	struct error err = { 0 };

	(void)h;
	if (o->overlay && !o->log) {
		res->outcome = SESSION_REFUSED;
		if (strv_pushf(&res->refusals, "overlay: its changes are kept in the session's directory, which "
					       "--no-log does without") < 0)
			res->outcome = SESSION_FAILED;
		return 0;
	}
	if (!o->log)
		return 1;
	s->logging.pending = true;
	/* Nobody else will see the program's denials: the kernel's audit log
	 * might, where latch may read it. */
	if (s->supervise == POLICY_SUPERVISE_OFF)
		s->logging.audit = ll_audit_open(s->abi, &s->logging.audit_unavailable);
	/* Otherwise opened once the sandbox is on its way: the file system's
	 * work overlaps the sandbox's own. --strict must know first, and an
	 * overlay needs the session's directory before. */
	if (!o->strict && !o->overlay)
		return 1;
	if (open_log(o, s, &err) == 0 &&
	    (!o->overlay || session_overlay_prepare(session_log_path(s->logging.log), s->overlay_dirs,
						    &s->logging.layers, &s->logging.n_layers, &err) == 0))
		return 1;
	res->outcome = SESSION_REFUSED;
	if (strv_pushf(&res->refusals, "%s: %s%s", o->overlay ? "overlay" : "session log", err.msg,
		       o->overlay ? "" : " (--no-log runs without one)") < 0)
		res->outcome = SESSION_FAILED;
	return 0;
}

void session_log_arm(struct session_plan *s)
{
	if (s->logging.audit && s->ll)
		s->ll->restrict_flags |= LL_RESTRICT_SELF_LOG_NEW_EXEC_ON;
}

void session_log_started(const struct session_request *o, const struct session_hooks *h, struct session_plan *s,
			 pid_t child)
{
	struct json_result res = { .ok = true, .rc = 0, .exit_code = -1, .outcome = "ok" };
	struct error err = { 0 };
	json_t *data;

	s->logging.audit_pid = child;
	if (s->logging.pending && !s->logging.log && open_log(o, s, &err) < 0) {
		s->logging.pending = false;
		warn(h, "session log: %s; this run is not logged", err.msg);
	}
	if (!s->logging.log)
		return;
	data = json_object();
	json_set(data, "run_plan", json_envelope("run_plan", session_plan_to_json(o, s), &res));
	json_set(data, "mode", json_str(s->isolated ? "isolated" : "static"));
	json_set(data, "supervise", json_str(policy_supervise_name(s->supervise)));
	session_log_record(s->logging.log, "plan", data);
	session_log_flush(s->logging.log);
}

void session_log_observe(const struct session_plan *s, const struct session_hooks *h, struct sup_config *cfg)
{
	if (h && h->refused) {
		cfg->on_refusal = h->refused;
		cfg->refusal_data = h->data;
	}
	if (!s->logging.log)
		return;
	cfg->on_event = session_log_on_event;
	cfg->on_exec = session_log_on_exec;
	cfg->observer_data = s->logging.log;
}

void session_log_supervisor(const struct session_plan *s, const struct sup_summary *sum)
{
	if (!s->logging.log)
		return;
	session_log_add_counted(s->logging.log, sum->events_unobserved, sum->execs_unobserved,
				sum->denied + sum->denied_quietly);
	session_log_record(s->logging.log, "supervisor", sup_summary_to_json(sum));
}

void session_log_proxy(const struct session_plan *s, const struct net_summary *sum)
{
	if (!s->logging.log)
		return;
	session_log_record(s->logging.log, "proxy", net_summary_to_json(sum));
}

/* What the overlay holds now that the program is gone: the real paths'
 * state for commit (base.json), and a record of it. */
static void record_overlay(struct session_plan *s, const struct session_hooks *h)
{
	const char *dir = session_log_path(s->logging.log);
	json_t *data = json_object(), *changes = NULL;
	struct error err = { 0 };

	if (session_overlay_snapshot(dir, &err) < 0 || session_overlay_changes(dir, &changes, &err) < 0)
		warn(h, "overlay: %s", err.msg);
	json_set(data, "dirs", json_strv(s->overlay_dirs));
	json_set(data, "added", json_integer(0));
	json_set(data, "changed", json_integer(0));
	json_set(data, "deleted", json_integer(0));
	{
		const json_t *c;
		size_t i;

		/* The changes themselves stay in the overlay (latch diff). */
		json_array_foreach(changes, i, c) {
			const char *what = json_string_value(json_object_get(c, "change"));

			json_set(data, what, json_integer(json_integer_value(json_object_get(data, what)) + 1));
		}
		json_decref(changes);
	}
	session_log_record(s->logging.log, "overlay", data);
	session_overlay_layers_free(s->logging.layers, s->logging.n_layers);
	s->logging.layers = NULL;
	s->logging.n_layers = 0;
}

static const char *outcome_name(const struct session_result *res)
{
	switch (res->outcome) {
	case SESSION_EXITED:
		return WIFSIGNALED(res->wait_status) ? "signaled" : "exited";
	case SESSION_REFUSED:
		return "refused";
	case SESSION_NOT_FOUND:
		return "not_found";
	case SESSION_CANNOT_EXEC:
		return "cannot_exec";
	case SESSION_FAILED:
		return "failed";
	}
	return "failed";
}

/* One denial the kernel's audit log recorded, with the rule the profile
 * decides it by (the kernel names no rule). */
static void audit_denial(const struct ll_audit_record *r, void *data)
{
	const struct session_plan *s = data;
	const char *access = ll_audit_access(r->blockers);
	int a = policy_access_from_name(access);
	json_t *o = json_object(), *rule = json_null();

	if (a >= 0 && r->path[0] == '/') {
		struct policy_query q = { .access = (enum policy_access)a, .path = r->path, .no_reason = true };
		struct policy_decision d;
		char label[600];

		policy_decide(s->policy, &q, &d);
		if (d.rule)
			rule = json_str(policy_rule_label(d.rule, label, sizeof(label)));
	}
	json_set(o, "rule", rule);
	json_set(o, "source", json_str("kernel_audit"));
	json_set(o, "time_unix_ms", json_integer(r->time_ms));
	json_set(o, "blockers", json_str(r->blockers));
	json_set(o, "access", json_str(access));
	json_set(o, "path", r->path[0] ? json_str(r->path) : json_null());
	json_set(o, "object", json_str(r->object));
	session_log_record(s->logging.log, "audit", o);
}

/* Who could see the program's denials in this run, and if nobody, why;
 * the kernel's own records, where it could. */
static void denial_source(struct session_plan *s, json_t *data)
{
	const char *by = "none", *why = NULL;
	long long counted = -1;
	bool lost = false;

	if (s->supervise != POLICY_SUPERVISE_OFF) {
		by = "supervisor";
		ll_audit_close(TAKE_PTR(s->logging.audit));
	} else if (s->logging.audit && s->logging.audit_pid > 0) {
		by = "kernel_audit";
		counted = ll_audit_finish(TAKE_PTR(s->logging.audit), s->logging.audit_pid, audit_denial, s, &lost);
	} else {
		why = s->logging.audit_unavailable ? s->logging.audit_unavailable : "the program did not start";
		ll_audit_close(TAKE_PTR(s->logging.audit));
	}
	json_set(data, "denials_observed_by", json_str(by));
	json_set(data, "denials_not_observed",
		 why ? json_sprintf("no supervisor saw the program's calls, and %s", why) : json_null());
	json_set(data, "kernel_denials_counted", counted >= 0 ? json_integer(counted) : json_null());
	json_set(data, "kernel_records_lost", json_boolean(lost));
}

void session_log_end(const struct session_request *o, const struct session_hooks *h, struct session_plan *s,
		     const struct session_result *res)
{
	struct error err = { 0 };
	json_t *data;

	(void)o;
	if (!s->logging.log) {
		ll_audit_close(TAKE_PTR(s->logging.audit));
		return;
	}
	if (s->logging.n_layers)
		record_overlay(s, h);
	data = json_object();
	json_set(data, "outcome", json_str(outcome_name(res)));
	json_set(data, "exit_code", res->outcome == SESSION_EXITED && WIFEXITED(res->wait_status)
					     ? json_integer(WEXITSTATUS(res->wait_status))
					     : json_null());
	if (res->outcome == SESSION_EXITED && WIFSIGNALED(res->wait_status)) {
		char sig[32];

		(void)snprintf(sig, sizeof(sig), "SIG%s", sigabbrev_np(WTERMSIG(res->wait_status)) ?: "?");
		json_set(data, "signal", json_str(sig));
	} else {
		json_set(data, "signal", json_null());
	}
	json_set(data, "error", json_str(res->outcome == SESSION_EXITED || res->outcome == SESSION_REFUSED
						 ? NULL
						 : res->err.msg));
	json_set(data, "refusals", res->outcome == SESSION_REFUSED ? json_strv(res->refusals) : json_null());
	json_set(data, "ended_unix_ms", json_integer(unix_time_ms()));
	denial_source(s, data);
	session_log_counts(s->logging.log, data);
	session_log_record(s->logging.log, "exit", data);
	if (session_log_close(TAKE_PTR(s->logging.log), &err) < 0)
		warn(h, "session log: %s", err.msg);
}
