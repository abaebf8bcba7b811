/* What `latch log show` tells of a session (log.h): the command, the plan's
 * mode, the exit, the denials grouped by path with the rule that decided
 * and the `latch why` command that explains it, and the exec tree. Pure:
 * it reads the records session_log_verify() returned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json-util.h"
#include "base/strv.h"
#include "session/log.h"

static void add_unique(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	if (!s)
		return;
	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return;
	(void)json_array_append_new(arr, json_str(s));
}

/* The group of denials of path (made when new). */
static json_t *denial_group(json_t *groups, const char *path, const char *source)
{
	size_t i;
	json_t *g;

	json_array_foreach(groups, i, g)
		if (strcmp(json_string_value(json_object_get(g, "path")), path) == 0 &&
		    strcmp(json_string_value(json_object_get(g, "source")), source) == 0)
			return g;
	g = json_object();
	json_set(g, "path", json_str(path));
	json_set(g, "source", json_str(source));
	json_set(g, "count", json_integer(0));
	json_set(g, "accesses", json_array());
	json_set(g, "syscalls", json_array());
	json_set(g, "programs", json_array());
	json_set(g, "rule", json_null());
	json_set(g, "errno", json_null());
	(void)json_array_append_new(groups, g);
	return g;
}

static void count_denial(json_t *groups, const char *source, const char *path, const char *access,
			 const char *syscall, const char *program, const char *rule, const char *err)
{
	json_t *g = denial_group(groups, path ? path : "(no path)", source);

	json_set(g, "count", json_integer(json_integer_value(json_object_get(g, "count")) + 1));
	add_unique(json_object_get(g, "accesses"), access);
	add_unique(json_object_get(g, "syscalls"), syscall);
	add_unique(json_object_get(g, "programs"), program);
	if (rule && json_is_null(json_object_get(g, "rule")))
		json_set(g, "rule", json_str(rule));
	if (err && json_is_null(json_object_get(g, "errno")))
		json_set(g, "errno", json_str(err));
}

static int cmp_denials(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t cx = json_integer_value(json_object_get(x, "count")), cy = json_integer_value(json_object_get(y, "count"));

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x, "path")), json_string_value(json_object_get(y, "path")));
}

/* Most denied first; each with the `latch why` command of each access. */
static json_t *finish_denials(json_t *groups, const char *profile)
{
	size_t n = json_array_size(groups), i;
	json_t **v = calloc(n ? n : 1, sizeof(*v)), *out = json_array(), *g;

	if (!v || !out) {
		free(v);
		json_decref(out);
		return groups;
	}
	json_array_foreach(groups, i, g)
		v[i] = json_incref(g);
	sort_n(v, n, sizeof(*v), cmp_denials);
	for (i = 0; i < n; i++) {
		json_t *why = json_array(), *a;
		size_t k;

		json_array_foreach(json_object_get(v[i], "accesses"), k, a) {
			const char *path = json_string_value(json_object_get(v[i], "path"));
			char *words[] = { "latch", "why", "-p", (char *)(profile ? profile : "PROFILE"),
					  (char *)json_string_value(a), (char *)path, NULL };
			char *line = path[0] == '/' ? strv_shell_join(words) : NULL;

			if (line)
				(void)json_array_append_new(why, json_str(line));
			free(line);
		}
		json_set(v[i], "why", why);
		(void)json_array_append_new(out, v[i]);
	}
	free(v);
	json_decref(groups);
	return out;
}

/* The exec tree: each exec with its depth below the exec that started its
 * parent (or the same process, which exec'd again). An execve that failed
 * on its own (a PATH search trying each directory) is not in it. */
static void add_exec(json_t *execs, const json_t *d)
{
	json_int_t pid = json_integer_value(json_object_get(d, "pid"));
	json_int_t ppid = json_integer_value(json_object_get(d, "ppid"));
	json_int_t depth = 0;
	json_t *e;

	if (json_is_string(json_object_get(d, "errno")) &&
	    strcmp(json_string_value(json_object_get(d, "verdict")) ?: "", "allow") == 0)
		return;
	e = json_deep_copy(d);
	for (size_t i = json_array_size(execs); i-- > 0;) {
		const json_t *p = json_array_get(execs, i);
		json_int_t p_pid = json_integer_value(json_object_get(p, "pid"));

		if (p_pid == pid || (ppid && p_pid == ppid)) {
			depth = json_integer_value(json_object_get(p, "depth")) + (p_pid == pid ? 0 : 1);
			break;
		}
	}
	json_set(e, "depth", json_integer(depth));
	(void)json_array_append_new(execs, e);
}

static void add_event(json_t *groups, json_t *counts, const json_t *envelope)
{
	const json_t *ev = json_object_get(envelope, "data");
	const char *verdict = json_string_value(json_object_get(ev, "verdict"));
	const char *path = json_string_value(json_object_get(ev, "resolved_path"));

	json_set(counts, "events", json_integer(json_integer_value(json_object_get(counts, "events")) + 1));
	if (!verdict || strcmp(verdict, "deny") != 0)
		return;
	count_denial(groups, "supervisor", path ? path : json_string_value(json_object_get(ev, "path")),
		     json_string_value(json_object_get(ev, "access")), json_string_value(json_object_get(ev, "syscall")),
		     json_string_value(json_object_get(ev, "exe")), json_string_value(json_object_get(ev, "rule")),
		     json_string_value(json_object_get(ev, "errno")));
}

json_t *session_log_view(const char *id, const json_t *records, const char *problem)
{
	json_t *v = json_object(), *groups = json_array(), *execs = json_array(), *counts = json_object(), *rec;
	const char *profile = NULL;
	size_t i, plans = 0;

	json_set(v, "session", json_str(id));
	json_set(v, "verified", json_boolean(!problem));
	json_set(v, "problem", json_str(problem));
	json_set(v, "records", json_integer((json_int_t)json_array_size(records)));
	json_set(counts, "events", json_integer(0));
	json_set(v, "exit", json_null());
	json_set(v, "supervisor", json_null());
	json_set(v, "proxy", json_null());
	json_set(v, "mode", json_null());
	json_set(v, "supervise", json_null());
	json_set(v, "overlay", json_null());
	json_array_foreach(records, i, rec) {
		const char *type = json_string_value(json_object_get(rec, "record"));
		json_t *d = json_object_get(rec, "data");

		if (strcmp(type, "session") == 0) {
			profile = json_string_value(json_object_get(d, "profile"));
			json_set(v, "argv", json_deep_copy(json_object_get(d, "argv")));
			json_set(v, "profile", json_str(profile));
			json_set(v, "cwd", json_deep_copy(json_object_get(d, "cwd")));
			json_set(v, "started_unix_ms", json_deep_copy(json_object_get(d, "started_unix_ms")));
		} else if (strcmp(type, "plan") == 0) {
			plans++;
			json_set(v, "mode", json_deep_copy(json_object_get(d, "mode")));
			json_set(v, "supervise", json_deep_copy(json_object_get(d, "supervise")));
		} else if (strcmp(type, "event") == 0) {
			add_event(groups, counts, d);
		} else if (strcmp(type, "exec") == 0) {
			add_exec(execs, d);
		} else if (strcmp(type, "audit") == 0) {
			count_denial(groups, "kernel_audit", json_string_value(json_object_get(d, "path")),
				     json_string_value(json_object_get(d, "access")), NULL, NULL,
				     json_string_value(json_object_get(d, "rule")), NULL);
		} else if (strcmp(type, "overlay") == 0) {
			json_set(v, "overlay", json_deep_copy(d));
		} else if (strcmp(type, "supervisor") == 0) {
			json_set(v, "supervisor", json_deep_copy(d));
		} else if (strcmp(type, "proxy") == 0) {
			json_set(v, "proxy", json_deep_copy(d));
		} else if (strcmp(type, "exit") == 0) {
			json_set(v, "exit", json_deep_copy(d));
		}
	}
	json_set(v, "plans", json_integer((json_int_t)plans));
	json_set(v, "events", json_deep_copy(json_object_get(counts, "events")));
	json_set(v, "denials", finish_denials(groups, profile));
	json_set(v, "execs", execs);
	json_decref(counts);
	return v;
}
