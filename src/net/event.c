/* The proxy's events and summary. A connection's event has the keys of a
 * supervised call's (null where they do not apply: path, syscall...), so
 * that one reader handles the stream, and the connection's own: host,
 * port, address, protocol, bytes each way, duration. */
#include <stdio.h>
#include <string.h>

#include "base/json-util.h"
#include "net/net-internal.h"

char *net_event_line(const struct net_event *ev)
{
	json_t *data = json_object();
	struct json_result res = {
		.ok = true,
		.rc = 0,
		.exit_code = -1,
		.outcome = ev->allow ? "allow" : "deny",
		.errno_name = ev->allow ? NULL : "EACCES",
	};
	_cleanup_json_ json_t *env = NULL;

	if (!data)
		return NULL;
	json_set(data, "time_unix_ms", json_integer(ev->time_unix_ms));
	json_set(data, "pid", json_integer(ev->pid));
	json_set(data, "tid", json_integer(0));
	json_set(data, "exe", json_str(ev->exe));
	json_set(data, "syscall", json_null());
	json_set(data, "access", json_str("net_connect"));
	json_set(data, "path", json_null());
	json_set(data, "resolved_path", json_null());
	json_set(data, "path2", json_null());
	json_set(data, "resolved_path2", json_null());
	json_set(data, "verdict", json_str(ev->allow ? "allow" : "deny"));
	json_set(data, "action", json_str(!ev->allow ? "deny" : ev->error ? "fail" : "proxy"));
	json_set(data, "layer", json_str("proxy"));
	json_set(data, "rule", json_str(ev->rule));
	json_set(data, "grant", json_str(ev->grant));
	json_set(data, "decided_by", json_str(ev->decided_by));
	json_set(data, "reason", json_str(ev->reason));
	json_set(data, "errno", json_str(ev->allow ? NULL : "EACCES"));
	json_set(data, "latency_us", json_null());
	json_set(data, "protocol", json_str(net_proto_name(ev->proto)));
	json_set(data, "host", json_str(ev->host));
	json_set(data, "port", ev->port >= 0 ? json_integer(ev->port) : json_null());
	json_set(data, "address", json_str(ev->address));
	json_set(data, "error", json_str(ev->error));
	json_set(data, "bytes_up", json_integer((json_int_t)ev->bytes_up));
	json_set(data, "bytes_down", json_integer((json_int_t)ev->bytes_down));
	json_set(data, "duration_ms", json_integer(ev->duration_ms));
	env = json_envelope("sandbox_event", data, &res);
	return env ? json_line(env) : NULL;
}

bool net_summary_eventful(const struct net_summary *s)
{
	return s->valid && (s->denied || s->granted || s->failed || s->events_failed);
}

size_t net_summary_format(const struct net_summary *s, char *buf, size_t size)
{
	size_t len = 0;
	int n;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	if (!net_summary_eventful(s))
		return 0;
	n = snprintf(buf, size, "latch: proxy: %llu denied, %llu granted (%llu asked), %llu failed of %llu connections",
		     s->denied, s->granted, s->asked, s->failed, s->connections);
	len = n > 0 ? (size_t)n : 0;
	if (s->events_failed && len < size) {
		n = snprintf(buf + len, size - len, "; %llu events could not be written", s->events_failed);
		len += n > 0 ? (size_t)n : 0;
	}
	if (len < size) {
		n = snprintf(buf + len, size - len, "\n");
		len += n > 0 ? (size_t)n : 0;
	}
	for (size_t i = 0; i < s->n_top_denied && len < size; i++) {
		n = snprintf(buf + len, size - len, "latch: denied %llux: %s\n", s->top_denied[i].count,
			     s->top_denied[i].target);
		len += n > 0 ? (size_t)n : 0;
	}
	return len < size ? len : size - 1;
}

json_t *net_summary_to_json(const struct net_summary *s)
{
	json_t *o = json_object(), *top = json_array();

	if (!o || !top) {
		json_decref(o);
		json_decref(top);
		return NULL;
	}
	json_set(o, "connections", json_integer((json_int_t)s->connections));
	json_set(o, "allowed", json_integer((json_int_t)s->allowed));
	json_set(o, "denied", json_integer((json_int_t)s->denied));
	json_set(o, "failed", json_integer((json_int_t)s->failed));
	json_set(o, "asked", json_integer((json_int_t)s->asked));
	json_set(o, "granted", json_integer((json_int_t)s->granted));
	json_set(o, "bytes_up", json_integer((json_int_t)s->bytes_up));
	json_set(o, "bytes_down", json_integer((json_int_t)s->bytes_down));
	json_set(o, "events_failed", json_integer((json_int_t)s->events_failed));
	for (size_t i = 0; i < s->n_top_denied; i++) {
		json_t *e = json_object();

		json_set(e, "target", json_str(s->top_denied[i].target));
		json_set(e, "count", json_integer((json_int_t)s->top_denied[i].count));
		(void)json_array_append_new(top, e);
	}
	json_set(o, "top_denied", top);
	return o;
}
