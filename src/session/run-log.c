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
#include "session/log.h"
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
	return session_log_open(o->log_dir, &st, &s->log, err);
}

int session_log_begin(const struct session_request *o, const struct session_hooks *h, struct session_plan *s,
		      struct session_result *res)
{
	struct error err = { 0 };

	(void)h;
	if (!o->log)
		return 1;
	s->log_pending = true;
	/* Otherwise opened once the sandbox is on its way: the file system's
	 * work overlaps the sandbox's own. --strict must know first. */
	if (!o->strict || open_log(o, s, &err) == 0)
		return 1;
	res->outcome = SESSION_REFUSED;
	if (strv_pushf(&res->refusals, "session log: %s (--no-log runs without one)", err.msg) < 0)
		res->outcome = SESSION_FAILED;
	return 0;
}

void session_log_started(const struct session_request *o, const struct session_hooks *h, struct session_plan *s)
{
	struct json_result res = { .ok = true, .rc = 0, .exit_code = -1, .outcome = "ok" };
	struct error err = { 0 };
	json_t *data;

	if (s->log_pending && !s->log && open_log(o, s, &err) < 0) {
		s->log_pending = false;
		warn(h, "session log: %s; this run is not logged", err.msg);
	}
	if (!s->log)
		return;
	data = json_object();
	json_set(data, "run_plan", json_envelope("run_plan", session_plan_to_json(o, s), &res));
	json_set(data, "mode", json_str(s->isolated ? "isolated" : "static"));
	json_set(data, "supervise", json_str(policy_supervise_name(s->supervise)));
	session_log_record(s->log, "plan", data);
	session_log_flush(s->log);
}

void session_log_observe(const struct session_plan *s, struct sup_config *cfg)
{
	if (!s->log)
		return;
	cfg->on_event = session_log_on_event;
	cfg->on_exec = session_log_on_exec;
	cfg->observer_data = s->log;
}

void session_log_supervisor(const struct session_plan *s, const struct sup_summary *sum)
{
	if (!s->log)
		return;
	session_log_add_counted(s->log, sum->events_unobserved, sum->execs_unobserved, sum->denied + sum->denied_quietly);
	session_log_record(s->log, "supervisor", sup_summary_to_json(sum));
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

/* Who could see the program's denials in this run, and if nobody, why. */
static void denial_source(const struct session_plan *s, json_t *data)
{
	const char *by = "none", *why = NULL;

	if (s->supervise != POLICY_SUPERVISE_OFF)
		by = "supervisor";
	else if (s->audit_seen)
		by = "kernel_audit";
	else
		why = s->audit_unavailable ? s->audit_unavailable : "no supervisor saw the program's calls";
	json_set(data, "denials_observed_by", json_str(by));
	json_set(data, "denials_not_observed", json_str(why));
}

void session_log_end(const struct session_request *o, const struct session_hooks *h, struct session_plan *s,
		     const struct session_result *res)
{
	struct error err = { 0 };
	json_t *data;

	(void)o;
	if (!s->log)
		return;
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
	session_log_counts(s->log, data);
	session_log_record(s->log, "exit", data);
	if (session_log_close(TAKE_PTR(s->log), &err) < 0)
		warn(h, "session log: %s", err.msg);
}
