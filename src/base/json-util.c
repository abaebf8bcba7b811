#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/json-util.h"
#include "base/path-util.h"

json_t *json_str(const char *s)
{
	char *buf;
	size_t n, o = 0;
	json_t *v;

	if (!s)
		return json_null();
	if (utf8_is_valid(s))
		return json_string(s);
	/* Escape every byte that breaks UTF-8 as the four characters \xNN. A
	 * valid sequence is copied unchanged. */
	n = strlen(s);
	buf = malloc(n * 4 + 1);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_char_len(s + i);

		if (len > 0) {
			memcpy(buf + o, s + i, len);
			o += len;
			i += len;
			continue;
		}
		(void)snprintf(buf + o, 5, "\\x%02x", (unsigned char)s[i]);
		o += 4;
		i++;
	}
	buf[o] = '\0';
	v = json_string(buf);
	free(buf);
	return v;
}

void json_set(json_t *obj, const char *key, json_t *value)
{
	if (!value)
		value = json_null();
	(void)json_object_set_new(obj, key, value);
}

json_t *json_strv(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		(void)json_array_append_new(a, json_str(v[i]));
	return a;
}

json_t *json_ports(const uint16_t *ports, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		(void)json_array_append_new(a, json_integer(ports[i]));
	return a;
}

long long unix_time_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

json_t *json_envelope(const char *kind, json_t *data, const struct json_result *r)
{
	json_t *env = json_object(), *res = json_object();

	if (!env || !res) {
		json_decref(env);
		json_decref(res);
		json_decref(data);
		return NULL;
	}
	json_set(res, "ok", json_boolean(r->ok));
	json_set(res, "rc", json_integer(r->rc));
	json_set(res, "exit_code", r->exit_code >= 0 ? json_integer(r->exit_code) : json_null());
	json_set(res, "normalized_outcome", json_str(r->outcome ? r->outcome : (r->ok ? "ok" : "error")));
	json_set(res, "errno", json_str(r->errno_name));
	json_set(res, "error", json_str(r->error));

	json_set(env, "schema_version", json_integer(LATCH_SCHEMA_VERSION));
	json_set(env, "kind", json_str(kind));
	json_set(env, "generated_at_unix_ms", json_integer(unix_time_ms()));
	json_set(env, "result", res);
	json_set(env, "data", data ? data : json_object());
	return env;
}

int json_write_line(FILE *f, const json_t *v)
{
	if (json_dumpf(v, f, JSON_COMPACT | JSON_SORT_KEYS) < 0)
		return -EIO;
	if (fputc('\n', f) == EOF || fflush(f) == EOF)
		return -errno;
	return 0;
}

char *json_line(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS), *line;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

const char *errno_name(int err)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ E2BIG, "E2BIG" },       { EACCES, "EACCES" },       { EADDRINUSE, "EADDRINUSE" },
		{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { EAGAIN, "EAGAIN" }, { EBADF, "EBADF" },
		{ EBUSY, "EBUSY" },       { ECONNREFUSED, "ECONNREFUSED" }, { EEXIST, "EEXIST" },
		{ EFAULT, "EFAULT" },     { EINTR, "EINTR" },         { EINVAL, "EINVAL" },
		{ EIO, "EIO" },           { EISDIR, "EISDIR" },       { ELOOP, "ELOOP" },
		{ EMFILE, "EMFILE" },     { ENAMETOOLONG, "ENAMETOOLONG" }, { ENOENT, "ENOENT" },
		{ ENOEXEC, "ENOEXEC" },   { ENOMEM, "ENOMEM" },       { ENOSPC, "ENOSPC" },
		{ ENOSYS, "ENOSYS" },     { ENOTDIR, "ENOTDIR" },     { ENOTEMPTY, "ENOTEMPTY" },
		{ ENOTSUP, "ENOTSUP" },   { ENOTTY, "ENOTTY" },       { ENXIO, "ENXIO" },
		{ EPERM, "EPERM" },       { EPROTONOSUPPORT, "EPROTONOSUPPORT" }, { EROFS, "EROFS" },
		{ ESRCH, "ESRCH" },       { ETIMEDOUT, "ETIMEDOUT" }, { ETXTBSY, "ETXTBSY" },
		{ EXDEV, "EXDEV" },       { ENODATA, "ENODATA" },     { ERANGE, "ERANGE" },
		{ EOPNOTSUPP, "EOPNOTSUPP" },
	};
	static __thread char buf[16];

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (names[i].code == err)
			return names[i].name;
	(void)snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}
