/* Events and the summary.
 *
 * An event is written for every notified call, so on the hot path it is
 * encoded into a caller's buffer without allocating. sup_event_json() builds
 * the same envelope with jansson and json_envelope(); the unit tests check
 * that both give the same bytes, so the contract stays the envelope's. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "supervise/sup-internal.h"

struct out {
	char *buf;
	size_t size, len;
	bool overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->overflow || o->len + n >= o->size) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_ll(struct out *o, long long v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%lld", v);

	put(o, num, (size_t)n);
}

/* One byte of a valid string as jansson's dumper writes it. */
static void put_escaped_byte(struct out *o, unsigned char c)
{
	char seq[8];

	switch (c) {
	case '"':
		puts_(o, "\\\"");
		return;
	case '\\':
		puts_(o, "\\\\");
		return;
	case '\b':
		puts_(o, "\\b");
		return;
	case '\f':
		puts_(o, "\\f");
		return;
	case '\n':
		puts_(o, "\\n");
		return;
	case '\r':
		puts_(o, "\\r");
		return;
	case '\t':
		puts_(o, "\\t");
		return;
	default:
		break;
	}
	if (c < 0x20) {
		(void)snprintf(seq, sizeof(seq), "\\u%04X", c);
		puts_(o, seq);
		return;
	}
	put(o, (const char *)&c, 1);
}

/* A string as json_str() + json_dumpf() write it: valid UTF-8 sequences
 * escaped as JSON needs, each byte that breaks UTF-8 as the text \xNN. */
static void put_str(struct out *o, const char *s)
{
	size_t n;

	if (!s) {
		puts_(o, "null");
		return;
	}
	n = strlen(s);
	puts_(o, "\"");
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		char seq[5] = { 0 };

		if (len == 1) {
			put_escaped_byte(o, c);
			i++;
			continue;
		}
		if (len > 0 && i + len <= n) {
			memcpy(seq, s + i, len);
			if (utf8_is_valid(seq)) {
				put(o, seq, len);
				i += len;
				continue;
			}
		}
		(void)snprintf(seq, sizeof(seq), "%02x", c);
		puts_(o, "\\\\x");
		puts_(o, seq);
		i++;
	}
	puts_(o, "\"");
}

static void put_key(struct out *o, const char *key, bool first)
{
	if (!first)
		puts_(o, ",");
	puts_(o, "\"");
	puts_(o, key);
	puts_(o, "\":");
}

int sup_event_format(const struct sup_event *ev, long long generated_at_unix_ms, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };

	/* Keys in byte order, at every level, as JSON_SORT_KEYS orders them. */
	puts_(&o, "{\"data\":{");
	put_key(&o, "access", true);
	put_str(&o, ev->access);
	put_key(&o, "action", false);
	put_str(&o, ev->action);
	put_key(&o, "decided_by", false);
	put_str(&o, ev->decided_by);
	put_key(&o, "errno", false);
	put_str(&o, ev->err > 0 ? errno_name(ev->err) : NULL);
	put_key(&o, "exe", false);
	put_str(&o, ev->exe);
	put_key(&o, "grant", false);
	put_str(&o, ev->grant);
	put_key(&o, "latency_us", false);
	put_ll(&o, ev->latency_us);
	put_key(&o, "layer", false);
	put_str(&o, ev->layer);
	put_key(&o, "path", false);
	put_str(&o, ev->path);
	put_key(&o, "path2", false);
	put_str(&o, ev->path2);
	put_key(&o, "pid", false);
	put_ll(&o, ev->pid);
	put_key(&o, "reason", false);
	put_str(&o, ev->reason);
	put_key(&o, "resolved_path", false);
	put_str(&o, ev->resolved);
	put_key(&o, "resolved_path2", false);
	put_str(&o, ev->resolved2);
	put_key(&o, "rule", false);
	put_str(&o, ev->rule);
	put_key(&o, "syscall", false);
	put_str(&o, ev->syscall);
	put_key(&o, "tid", false);
	put_ll(&o, ev->tid);
	put_key(&o, "time_unix_ms", false);
	put_ll(&o, ev->time_unix_ms);
	put_key(&o, "verdict", false);
	put_str(&o, ev->allow ? "allow" : "deny");
	puts_(&o, "},\"generated_at_unix_ms\":");
	put_ll(&o, generated_at_unix_ms);
	puts_(&o, ",\"kind\":\"sandbox_event\",\"result\":{\"errno\":");
	put_str(&o, ev->err > 0 ? errno_name(ev->err) : NULL);
	puts_(&o, ",\"error\":null,\"exit_code\":null,\"normalized_outcome\":");
	put_str(&o, ev->allow ? "allow" : "deny");
	puts_(&o, ",\"ok\":true,\"rc\":0},\"schema_version\":");
	put_ll(&o, LATCH_SCHEMA_VERSION);
	puts_(&o, "}\n");
	if (o.overflow)
		return -ENOBUFS;
	buf[o.len] = '\0';
	return (int)o.len;
}

json_t *sup_event_json(const struct sup_event *ev)
{
	json_t *data = json_object();
	struct json_result res = {
		.ok = true,
		.rc = 0,
		.exit_code = -1,
		.outcome = ev->allow ? "allow" : "deny",
		.errno_name = ev->err > 0 ? errno_name(ev->err) : NULL,
	};

	if (!data)
		return NULL;
	json_set(data, "time_unix_ms", json_integer(ev->time_unix_ms));
	json_set(data, "pid", json_integer(ev->pid));
	json_set(data, "tid", json_integer(ev->tid));
	json_set(data, "exe", json_str(ev->exe));
	json_set(data, "syscall", json_str(ev->syscall));
	json_set(data, "access", json_str(ev->access));
	json_set(data, "path", json_str(ev->path));
	json_set(data, "resolved_path", json_str(ev->resolved));
	json_set(data, "path2", json_str(ev->path2));
	json_set(data, "resolved_path2", json_str(ev->resolved2));
	json_set(data, "verdict", json_str(ev->allow ? "allow" : "deny"));
	json_set(data, "action", json_str(ev->action));
	json_set(data, "layer", json_str(ev->layer));
	json_set(data, "rule", json_str(ev->rule));
	json_set(data, "grant", json_str(ev->grant));
	json_set(data, "decided_by", json_str(ev->decided_by));
	json_set(data, "reason", json_str(ev->reason));
	json_set(data, "errno", json_str(ev->err > 0 ? errno_name(ev->err) : NULL));
	json_set(data, "latency_us", json_integer(ev->latency_us));
	return json_envelope("sandbox_event", data, &res);
}

bool sup_summary_eventful(const struct sup_summary *s)
{
	return s->denied || s->granted || s->timeouts || s->rate_limited || s->errors || s->events_failed ||
	       s->saved_profile[0];
}

size_t sup_summary_format(const struct sup_summary *s, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };
	char line[1024];
	int n;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	/* A run in which nothing was refused or granted says nothing. */
	if (!sup_summary_eventful(s))
		return 0;
	n = snprintf(line, sizeof(line), "latch: supervisor: %llu denied, %llu granted (%llu asked, %llu timed out, "
					 "%llu rate-limited) of %llu notified calls",
		     s->denied, s->granted, s->asked, s->timeouts, s->rate_limited, s->notifications);
	put(&o, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	if (s->errors) {
		n = snprintf(line, sizeof(line), "; %llu errors", s->errors);
		put(&o, line, (size_t)n);
	}
	if (s->events_failed) {
		n = snprintf(line, sizeof(line), "; %llu events could not be written", s->events_failed);
		put(&o, line, (size_t)n);
	}
	puts_(&o, "\n");
	for (size_t i = 0; i < s->n_top_denied; i++) {
		n = snprintf(line, sizeof(line), "latch: denied %llux: %s\n", s->top_denied[i].count,
			     s->top_denied[i].path);
		put(&o, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	if (s->saved_profile[0]) {
		n = snprintf(line, sizeof(line), "latch: grants answered \"always\" were saved to %s\n",
			     s->saved_profile);
		put(&o, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

json_t *sup_summary_to_json(const struct sup_summary *s)
{
	json_t *o = json_object(), *top = json_array();

	if (!o || !top) {
		json_decref(o);
		json_decref(top);
		return NULL;
	}
	json_set(o, "notifications", json_integer((json_int_t)s->notifications));
	json_set(o, "continued", json_integer((json_int_t)s->continued));
	json_set(o, "emulated", json_integer((json_int_t)s->emulated));
	json_set(o, "denied", json_integer((json_int_t)s->denied));
	json_set(o, "denied_quietly", json_integer((json_int_t)s->denied_quietly));
	json_set(o, "failed", json_integer((json_int_t)s->failed));
	json_set(o, "asked", json_integer((json_int_t)s->asked));
	json_set(o, "granted", json_integer((json_int_t)s->granted));
	json_set(o, "timeouts", json_integer((json_int_t)s->timeouts));
	json_set(o, "rate_limited", json_integer((json_int_t)s->rate_limited));
	json_set(o, "vanished", json_integer((json_int_t)s->vanished));
	json_set(o, "errors", json_integer((json_int_t)s->errors));
	json_set(o, "events_written", json_integer((json_int_t)s->events_written));
	json_set(o, "events_failed", json_integer((json_int_t)s->events_failed));
	json_set(o, "events_unobserved", json_integer((json_int_t)s->events_unobserved));
	json_set(o, "execs_unobserved", json_integer((json_int_t)s->execs_unobserved));
	for (size_t i = 0; i < s->n_top_denied; i++) {
		json_t *e = json_object();

		json_set(e, "path", json_str(s->top_denied[i].path));
		json_set(e, "count", json_integer((json_int_t)s->top_denied[i].count));
		(void)json_array_append_new(top, e);
	}
	json_set(o, "top_denied", top);
	json_set(o, "sync_wake_up", json_boolean(s->sync_wake_up));
	json_set(o, "saved_profile", json_str(s->saved_profile[0] ? s->saved_profile : NULL));
	return o;
}
