/* The approval protocol (JSON lines), backend names and the rate limiter.
 * Pure. */
#include <string.h>

#include "base/json-util.h"
#include "supervise/sup-internal.h"

static const char *const backend_names[_SUP_BACKEND_MAX] = {
	[SUP_BACKEND_DENY] = "deny",
	[SUP_BACKEND_ALLOW] = "allow",
	[SUP_BACKEND_SOCKET] = "socket",
	[SUP_BACKEND_TTY] = "tty",
};

const char *sup_backend_name(enum sup_backend b)
{
	return (unsigned)b < _SUP_BACKEND_MAX ? backend_names[b] : NULL;
}

int sup_backend_from_name(const char *name)
{
	for (int b = 0; b < _SUP_BACKEND_MAX; b++)
		if (name && strcmp(backend_names[b], name) == 0)
			return b;
	return -EINVAL;
}

static const char *const answer_names[_SUP_ANSWER_MAX] = {
	[SUP_ANSWER_ALLOW_ONCE] = "allow_once",
	[SUP_ANSWER_ALLOW_SESSION] = "allow_session",
	[SUP_ANSWER_ALLOW_ALWAYS] = "allow_always",
	[SUP_ANSWER_DENY] = "deny",
};

const char *sup_answer_name(enum sup_answer a)
{
	return (unsigned)a < _SUP_ANSWER_MAX ? answer_names[a] : NULL;
}

int sup_parse_answer(const char *line, size_t len, uint64_t *ret_id, enum sup_answer *ret, struct error *err)
{
	_cleanup_json_ json_t *root = NULL;
	json_error_t jerr;
	json_t *id, *decision;
	const char *name;
	json_int_t v;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return error_set(err, EINVAL, "empty line");
	if (len >= SUP_LINE_MAX)
		return error_set(err, EINVAL, "line longer than %d bytes", SUP_LINE_MAX - 1);
	if (memchr(line, '\0', len))
		return error_set(err, EINVAL, "line contains a NUL byte");
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return error_set(err, EINVAL, "not JSON: %s", jerr.text);
	if (!json_is_object(root))
		return error_set(err, EINVAL, "not a JSON object");
	id = json_object_get(root, "id");
	decision = json_object_get(root, "decision");
	if (!id || !decision)
		return error_set(err, EINVAL, "expected the keys \"decision\" and \"id\"");
	if (json_object_size(root) != 2)
		return error_set(err, EINVAL, "unknown key (expected only \"decision\" and \"id\")");
	if (!json_is_integer(id) || (v = json_integer_value(id)) < 0)
		return error_set(err, EINVAL, "\"id\" is not a non-negative integer");
	if (!json_is_string(decision))
		return error_set(err, EINVAL, "\"decision\" is not a string");
	name = json_string_value(decision);
	for (int a = 0; a < _SUP_ANSWER_MAX; a++)
		if (strcmp(name, answer_names[a]) == 0) {
			*ret_id = (uint64_t)v;
			*ret = (enum sup_answer)a;
			return 0;
		}
	return error_set(err, EINVAL,
			 "unknown decision (expected allow_once, allow_session, allow_always or deny)");
}

char *sup_question_line(const struct sup_question *q)
{
	_cleanup_json_ json_t *o = json_object();

	if (!o)
		return NULL;
	json_set(o, "kind", json_str("approval_request"));
	json_set(o, "id", json_integer((json_int_t)q->id));
	json_set(o, "pid", json_integer(q->pid));
	json_set(o, "exe", json_str(q->exe));
	json_set(o, "argv", json_strv(q->argv));
	json_set(o, "syscall", json_str(q->syscall));
	json_set(o, "access", json_str(q->access));
	json_set(o, "path", json_str(q->path));
	json_set(o, "runs_later", json_boolean(q->runs_later));
	if (q->host) {
		json_set(o, "host", json_str(q->host));
		json_set(o, "port", json_integer(q->port));
	}
	return json_line(o);
}

void sup_ratelimit_init(struct sup_ratelimit *r, unsigned rate, uint64_t now_ns)
{
	r->rate = rate ? rate : 1;
	r->tokens = r->rate;
	r->last_ns = now_ns;
}

bool sup_ratelimit_take(struct sup_ratelimit *r, uint64_t now_ns)
{
	if (now_ns > r->last_ns) {
		r->tokens += (double)(now_ns - r->last_ns) * r->rate / 1e9;
		if (r->tokens > r->rate)
			r->tokens = r->rate;
		r->last_ns = now_ns;
	}
	if (r->tokens < 1.0)
		return false;
	r->tokens -= 1.0;
	return true;
}
