/* Plans: parse and validate (see plan.h). Everything a run needs from the
 * plan is checked here, before anything runs: keys, types, identifiers,
 * probe ids and their arguments (by the catalog's own parser), outcome
 * names, groups and setup. Profiles are loaded later, by lab_prepare(). */
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "lab/plan.h"
#include "probe/catalog.h"
#include "probe/outcome.h"

static const char *const top_keys[] = { "description", "groups", "plan_id", "profiles", "rows", "schema_version",
					NULL };
static const char *const row_keys[] = { "ack_risk", "args", "description", "expected", "group", "probe_id",
					"profiles", "row_id", "setup", NULL };
static const char *const setup_keys[] = { "fixture", "listen", NULL };
static const char *const fixture_keys[] = { "kind", "path", "path_class", NULL };
static const char *const listen_keys[] = { "tcp_port", NULL };
/* Where a fixture may go: places of the user's own, never the system. */
static const char *const fixture_classes[] = { "credentials", "cwd", "home", "tmp", NULL };

static const char *const fixture_kind_names[_LAB_FIXTURE_KIND_MAX] = {
	[LAB_FIXTURE_FILE] = "file",
	[LAB_FIXTURE_EXECUTABLE] = "executable",
	[LAB_FIXTURE_SHARED_OBJECT] = "shared_object",
};

/* Placeholders used to check arguments before the real values are known. */
#define CHECK_FIXTURE "/latch-lab-fixture"
#define CHECK_PID 1L

const char *lab_fixture_kind_name(enum lab_fixture_kind k)
{
	return (unsigned)k < _LAB_FIXTURE_KIND_MAX ? fixture_kind_names[k] : NULL;
}

struct parser {
	const char *buf;
	size_t len;
	const char *label;
	struct error *err;
};

/* The line of the first `"needle"` at or after from (jansson keeps no
 * positions for values); 0 if absent. */
static int locate(const struct parser *ps, const char *needle, int from)
{
	char quoted[LAB_ID_MAX + 8];
	const char *start = ps->buf, *hit;
	int line = 1;

	if (!needle || snprintf(quoted, sizeof(quoted), "\"%s\"", needle) >= (int)sizeof(quoted))
		return 0;
	for (; line < from && start < ps->buf + ps->len; start++)
		if (*start == '\n')
			line++;
	hit = memmem(start, (size_t)(ps->buf + ps->len - start), quoted, strlen(quoted));
	if (!hit)
		return 0;
	for (const char *c = start; c < hit; c++)
		if (*c == '\n')
			line++;
	return line;
}

/* "<label>[:<line>]: [rows[i] 'id': ]<key>: <message>" */
_printf_(5, 6) static int fail(const struct parser *ps, int line, const char *row, const char *key, const char *fmt,
			       ...)
{
	char msg[ERROR_MSG_MAX / 2], where[ERROR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		(void)snprintf(where, sizeof(where), "%s:%d", ps->label, line);
	else
		(void)snprintf(where, sizeof(where), "%s", ps->label);
	return error_set(ps->err, EINVAL, "%s: %s%s%s: %s", where, row ? row : "", row ? ": " : "", key, msg);
}

static int check_keys(const struct parser *ps, int line, const char *row, json_t *obj, const char *const *allowed,
		      const char *prefix)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		char list[512] = "";
		size_t o = 0;
		bool known = false;

		for (size_t i = 0; allowed[i]; i++)
			known = known || strcmp(allowed[i], key) == 0;
		if (known)
			continue;
		for (size_t i = 0; allowed[i] && o < sizeof(list); i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", allowed[i]);
		return fail(ps, line, row, prefix, "unknown key '%s' (expected one of: %s)", key, list);
	}
	return 0;
}

/* Identifiers: 1-64 of a-z 0-9 _ - . (plan, row and group ids). */
static bool id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= LAB_ID_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-.") == n;
}

static int string_array(const struct parser *ps, int line, const char *row, const char *key, json_t *v, size_t max,
			char ***ret)
{
	_cleanup_strv_free_ char **out = NULL;
	json_t *e;
	size_t i;

	if (!json_is_array(v))
		return fail(ps, line, row, key, "must be an array of strings");
	if (json_array_size(v) > max)
		return fail(ps, line, row, key, "more than %zu entries", max);
	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e);

		if (!s || !s[0] || strlen(s) >= 4096)
			return fail(ps, line, row, key, "entry %zu is not a non-empty string", i);
		if (strv_push(&out, s) < 0)
			return error_set(ps->err, ENOMEM, "out of memory");
	}
	if (!out && !(out = calloc(1, sizeof(char *))))
		return error_set(ps->err, ENOMEM, "out of memory");
	*ret = TAKE_PTR(out);
	return 0;
}

struct lab_plan *lab_plan_free(struct lab_plan *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n_rows; i++) {
		struct lab_row *r = &p->rows[i];

		free(r->row_id);
		free(r->probe_id);
		free(r->description);
		strv_free(r->args);
		strv_free(r->profiles);
		for (size_t j = 0; j < r->n_expect; j++)
			free(r->expect[j].profile);
		free(r->expect);
		strv_free(r->ack_risk);
		free(r->setup.fixture_class);
		free(r->setup.fixture_rel);
	}
	free(p->rows);
	for (size_t i = 0; i < p->n_groups; i++) {
		free(p->groups[i].name);
		strv_free(p->groups[i].profiles);
	}
	free(p->groups);
	strv_free(p->profiles);
	free(p->plan_id);
	free(p->description);
	free(p->source);
	free(p);
	return NULL;
}

char **lab_plan_group(const struct lab_plan *p, const char *name)
{
	for (size_t i = 0; p && i < p->n_groups; i++)
		if (strcmp(p->groups[i].name, name) == 0)
			return p->groups[i].profiles;
	return NULL;
}

static int parse_groups(const struct parser *ps, json_t *v, struct lab_plan *p)
{
	const char *name;
	json_t *list;
	int r;

	if (!json_is_object(v))
		return fail(ps, locate(ps, "groups", 0), NULL, "groups", "must be an object of name -> profiles");
	p->groups = calloc(json_object_size(v) + 1, sizeof(*p->groups));
	if (!p->groups)
		return error_set(ps->err, ENOMEM, "out of memory");
	json_object_foreach(v, name, list) {
		struct lab_group *g = &p->groups[p->n_groups];
		char key[LAB_ID_MAX + 16];

		(void)snprintf(key, sizeof(key), "groups.%.*s", LAB_ID_MAX, name);
		if (!id_ok(name))
			return fail(ps, locate(ps, name, 0), NULL, key, "a group name is 1-%d of a-z 0-9 _ - .", LAB_ID_MAX);
		r = string_array(ps, locate(ps, name, 0), NULL, key, list, LAB_ROW_PROFILES_MAX, &g->profiles);
		if (r < 0)
			return r;
		p->n_groups++; /* so that lab_plan_free() frees the group from here on */
		if (!g->profiles[0])
			return fail(ps, locate(ps, name, 0), NULL, key, "a group names at least one profile");
		g->name = strdup(name);
		if (!g->name)
			return error_set(ps->err, ENOMEM, "out of memory");
	}
	return 0;
}

/* A relative path that stays inside its class directory. */
static bool rel_ok(const char *s)
{
	return path_is_plain_relative(s) && strlen(s) < 256;
}

static int parse_setup(const struct parser *ps, int line, const char *row, json_t *v, struct lab_setup *s)
{
	json_t *fx = json_object_get(v, "fixture"), *ls = json_object_get(v, "listen");
	int r;

	if (!json_is_object(v))
		return fail(ps, line, row, "setup", "must be an object");
	if ((r = check_keys(ps, line, row, v, setup_keys, "setup")) < 0)
		return r;
	if (fx) {
		const char *klass = json_string_value(json_object_get(fx, "path_class"));
		const char *rel = json_string_value(json_object_get(fx, "path"));
		const char *kind = json_string_value(json_object_get(fx, "kind"));
		bool class_ok = false;

		if (!json_is_object(fx))
			return fail(ps, line, row, "setup.fixture", "must be an object");
		if ((r = check_keys(ps, line, row, fx, fixture_keys, "setup.fixture")) < 0)
			return r;
		for (size_t i = 0; klass && fixture_classes[i]; i++)
			class_ok = class_ok || strcmp(fixture_classes[i], klass) == 0;
		if (!class_ok)
			return fail(ps, line, row, "setup.fixture.path_class", "must be one of credentials, cwd, home, tmp");
		if (!rel_ok(rel))
			return fail(ps, line, row, "setup.fixture.path",
				    "must be a relative path inside the class (no '.', '..' or empty components)");
		s->fixture_kind = _LAB_FIXTURE_KIND_MAX;
		for (int k = 0; k < _LAB_FIXTURE_KIND_MAX; k++)
			if (strcmp(fixture_kind_names[k], kind ? kind : "file") == 0)
				s->fixture_kind = (enum lab_fixture_kind)k;
		if (s->fixture_kind == _LAB_FIXTURE_KIND_MAX)
			return fail(ps, line, row, "setup.fixture.kind", "'%s' is not one of file, executable, shared_object",
				    kind ? kind : "(not a string)");
		s->fixture_class = strdup(klass);
		s->fixture_rel = strdup(rel);
		if (!s->fixture_class || !s->fixture_rel)
			return error_set(ps->err, ENOMEM, "out of memory");
		s->fixture = true;
	}
	if (ls) {
		json_t *port = json_object_get(ls, "tcp_port");

		if (!json_is_object(ls))
			return fail(ps, line, row, "setup.listen", "must be an object");
		if ((r = check_keys(ps, line, row, ls, listen_keys, "setup.listen")) < 0)
			return r;
		if (!json_is_integer(port) || json_integer_value(port) < 1 || json_integer_value(port) > 65535)
			return fail(ps, line, row, "setup.listen.tcp_port", "must be a port number 1-65535");
		s->listen_tcp_port = (long)json_integer_value(port);
	}
	return 0;
}

static int parse_expected(const struct parser *ps, int line, const char *row, json_t *v, struct lab_row *rw)
{
	const char *profile;
	json_t *want;

	if (!json_is_object(v))
		return fail(ps, line, row, "expected", "must be an object of profile (or \"*\") -> outcome(s)");
	rw->expect = calloc(json_object_size(v) + 1, sizeof(*rw->expect));
	if (!rw->expect)
		return error_set(ps->err, ENOMEM, "out of memory");
	json_object_foreach(v, profile, want) {
		struct lab_expect *e = &rw->expect[rw->n_expect];
		char key[128];
		json_t *one;
		size_t i;

		(void)snprintf(key, sizeof(key), "expected.%.100s", profile);
		if (json_is_string(want)) {
			int o = probe_outcome_from_name(json_string_value(want));

			if (o < 0)
				return fail(ps, line, row, key, "'%s' is not an outcome (`latch probe --list` names them)",
					    json_string_value(want));
			e->outcomes = 1u << o;
		} else if (json_is_array(want) && json_array_size(want) > 0) {
			json_array_foreach(want, i, one) {
				int o = probe_outcome_from_name(json_string_value(one));

				if (o < 0)
					return fail(ps, line, row, key, "entry %zu is not an outcome", i);
				e->outcomes |= 1u << o;
			}
		} else {
			return fail(ps, line, row, key, "must be an outcome or a non-empty array of outcomes");
		}
		e->profile = strdup(profile);
		if (!e->profile)
			return error_set(ps->err, ENOMEM, "out of memory");
		rw->n_expect++;
	}
	return 0;
}

/* The arguments as the probe will get them parse with the catalog's own
 * parser (its cross-argument checks included). */
static int check_args(const struct parser *ps, int line, const char *row, const struct lab_row *rw)
{
	const struct probe_def *def = probe_find(rw->probe_id);
	_cleanup_strv_free_ char **args = NULL;
	struct probe_request req;
	struct error e = { 0 };
	int r;

	if (!def)
		return fail(ps, line, row, "probe_id", "no probe '%s' (`latch probe --list` shows the catalog)",
			    rw->probe_id);
	r = lab_row_expand_args(rw, rw->setup.fixture ? CHECK_FIXTURE : NULL, CHECK_PID, &args, &e);
	if (r < 0)
		return fail(ps, line, row, "args", "%s", e.msg);
	r = probe_parse(def, (int)strv_length(args), args, &req, &e);
	if (r == 1)
		return fail(ps, line, row, "args", "--help is not a probe argument");
	if (r < 0)
		return fail(ps, line, row, "args", "%s", e.msg);
	return 0;
}

static int add_profiles(struct lab_plan *p, char **list)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strv_contains(p->profiles, list[i]) && strv_push(&p->profiles, list[i]) < 0)
			return -ENOMEM;
	return 0;
}

static int parse_row(const struct parser *ps, json_t *v, size_t index, struct lab_plan *p, char **defaults)
{
	struct lab_row *rw = &p->rows[index];
	const char *id = json_string_value(json_object_get(v, "row_id"));
	const char *probe = json_string_value(json_object_get(v, "probe_id"));
	json_t *x;
	char row[LAB_ID_MAX + 32];
	int line, r;

	(void)snprintf(row, sizeof(row), "rows[%zu]", index);
	line = locate(ps, "rows", 0);
	if (!json_is_object(v))
		return fail(ps, line, row, "row", "must be an object");
	if (!id_ok(id))
		return fail(ps, line, row, "row_id", "missing, or not 1-%d of a-z 0-9 _ - .", LAB_ID_MAX);
	(void)snprintf(row, sizeof(row), "rows[%zu] '%s'", index, id);
	rw->line = line = locate(ps, id, line);
	for (size_t i = 0; i < index; i++)
		if (strcmp(p->rows[i].row_id, id) == 0)
			return fail(ps, line, row, "row_id", "'%s' is also rows[%zu]", id, i);
	if ((r = check_keys(ps, line, row, v, row_keys, "row")) < 0)
		return r;
	if (!probe)
		return fail(ps, line, row, "probe_id", "missing or not a string");
	rw->row_id = strdup(id);
	rw->probe_id = strdup(probe);
	x = json_object_get(v, "description");
	if (x && !json_is_string(x))
		return fail(ps, line, row, "description", "must be a string");
	rw->description = x ? strdup(json_string_value(x)) : NULL;
	if (!rw->row_id || !rw->probe_id || (x && !rw->description))
		return error_set(ps->err, ENOMEM, "out of memory");
	rw->setup.listen_tcp_port = -1;
	if ((x = json_object_get(v, "setup")) && (r = parse_setup(ps, line, row, x, &rw->setup)) < 0)
		return r;
	if ((x = json_object_get(v, "args")))
		r = string_array(ps, line, row, "args", x, LAB_ROW_ARGS_MAX, &rw->args);
	else
		r = (rw->args = calloc(1, sizeof(char *))) ? 0 : error_set(ps->err, ENOMEM, "out of memory");
	if (r < 0)
		return r;
	if ((r = check_args(ps, line, row, rw)) < 0)
		return r;
	if (json_object_get(v, "profiles") && json_object_get(v, "group"))
		return fail(ps, line, row, "profiles", "give profiles or group, not both");
	if ((x = json_object_get(v, "group"))) {
		char **g = json_is_string(x) ? lab_plan_group(p, json_string_value(x)) : NULL;

		if (!g)
			return fail(ps, line, row, "group", "no group '%s' in this plan",
				    json_is_string(x) ? json_string_value(x) : "(not a string)");
		for (size_t i = 0; g[i]; i++)
			if (strv_push(&rw->profiles, g[i]) < 0)
				return error_set(ps->err, ENOMEM, "out of memory");
	} else if ((x = json_object_get(v, "profiles"))) {
		if ((r = string_array(ps, line, row, "profiles", x, LAB_ROW_PROFILES_MAX, &rw->profiles)) < 0)
			return r;
	} else {
		for (size_t i = 0; defaults && defaults[i]; i++)
			if (strv_push(&rw->profiles, defaults[i]) < 0)
				return error_set(ps->err, ENOMEM, "out of memory");
	}
	if (!rw->profiles || !rw->profiles[0])
		return fail(ps, line, row, "profiles", "no profiles: give profiles or group here, or profiles in the plan");
	for (size_t i = 0; rw->profiles[i]; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(rw->profiles[i], rw->profiles[j]) == 0)
				return fail(ps, line, row, "profiles", "'%s' is named twice", rw->profiles[i]);
	if ((x = json_object_get(v, "expected")) && (r = parse_expected(ps, line, row, x, rw)) < 0)
		return r;
	for (size_t i = 0; i < rw->n_expect; i++)
		if (strcmp(rw->expect[i].profile, "*") != 0 && !strv_contains(rw->profiles, rw->expect[i].profile))
			return fail(ps, line, row, "expected", "'%s' is not one of this row's profiles",
				    rw->expect[i].profile);
	if ((x = json_object_get(v, "ack_risk")) &&
	    (r = string_array(ps, line, row, "ack_risk", x, LAB_ROW_PROFILES_MAX, &rw->ack_risk)) < 0)
		return r;
	return add_profiles(p, rw->profiles) < 0 ? error_set(ps->err, ENOMEM, "out of memory") : 0;
}

int lab_plan_parse(const char *buf, size_t len, const char *label, struct lab_plan **ret, struct error *err)
{
	struct parser ps = { .buf = buf, .len = len, .label = label, .err = err };
	_cleanup_(lab_plan_freep) struct lab_plan *p = NULL;
	_cleanup_json_ json_t *root = NULL;
	_cleanup_strv_free_ char **defaults = NULL;
	json_error_t je;
	json_t *rows, *v;
	const char *id;
	int r;

	if (len > LAB_PLAN_FILE_MAX)
		return error_set(err, EINVAL, "%s: larger than %d bytes", label, LAB_PLAN_FILE_MAX);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return error_set(err, EINVAL, "%s:%d:%d: invalid JSON: %s", label, je.line, je.column, je.text);
	if (!json_is_object(root))
		return fail(&ps, 1, NULL, "plan", "must be a JSON object");
	if ((r = check_keys(&ps, 0, NULL, root, top_keys, "plan")) < 0)
		return r;
	v = json_object_get(root, "schema_version");
	if (!json_is_integer(v) || json_integer_value(v) != LAB_SCHEMA_VERSION)
		return fail(&ps, locate(&ps, "schema_version", 0), NULL, "schema_version", "must be %d",
			    LAB_SCHEMA_VERSION);
	id = json_string_value(json_object_get(root, "plan_id"));
	if (!id_ok(id))
		return fail(&ps, locate(&ps, "plan_id", 0), NULL, "plan_id", "missing, or not 1-%d of a-z 0-9 _ - .",
			    LAB_ID_MAX);
	p = calloc(1, sizeof(*p));
	if (!p || !(p->plan_id = strdup(id)) || !(p->source = strdup(label)))
		return error_set(err, ENOMEM, "out of memory");
	v = json_object_get(root, "description");
	if (v && !json_is_string(v))
		return fail(&ps, locate(&ps, "description", 0), NULL, "description", "must be a string");
	if (v && !(p->description = strdup(json_string_value(v))))
		return error_set(err, ENOMEM, "out of memory");
	if ((v = json_object_get(root, "groups")) && (r = parse_groups(&ps, v, p)) < 0)
		return r;
	if ((v = json_object_get(root, "profiles")) &&
	    (r = string_array(&ps, locate(&ps, "profiles", 0), NULL, "profiles", v, LAB_ROW_PROFILES_MAX, &defaults)) < 0)
		return r;
	rows = json_object_get(root, "rows");
	if (!json_is_array(rows) || json_array_size(rows) == 0)
		return fail(&ps, locate(&ps, "rows", 0), NULL, "rows", "must be a non-empty array");
	if (json_array_size(rows) > LAB_ROWS_MAX)
		return fail(&ps, locate(&ps, "rows", 0), NULL, "rows", "more than %d rows", LAB_ROWS_MAX);
	p->rows = calloc(json_array_size(rows), sizeof(*p->rows));
	if (!p->rows)
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(rows); i++) {
		p->n_rows = i + 1; /* so that lab_plan_free() frees a half-parsed row */
		r = parse_row(&ps, json_array_get(rows, i), i, p, defaults);
		if (r < 0)
			return r;
	}
	sha256_hex(buf, len, p->sha256);
	p->size = len;
	*ret = TAKE_PTR(p);
	return 0;
}

int lab_plan_load(const char *spec, struct lab_plan **ret, struct error *err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -EBADF;
	const char *builtin;
	size_t len = 0, n = strlen(spec);
	struct stat st;
	ssize_t got;

	if (!strchr(spec, '/') && !(n > 5 && strcmp(spec + n - 5, ".json") == 0)) {
		char label[LAB_ID_MAX + 16];

		builtin = lab_builtin_plan(spec, &len);
		if (!builtin)
			return error_set(err, ENOENT, "no built-in plan '%s' (give a path to a plan file)", spec);
		(void)snprintf(label, sizeof(label), "builtin:%s", spec);
		return lab_plan_parse(builtin, len, label, ret, err);
	}
	fd = open(spec, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return error_set(err, errno, "cannot open the plan '%s': %s", spec, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return error_set(err, EINVAL, "the plan '%s' is not a regular file", spec);
	if (st.st_size > LAB_PLAN_FILE_MAX)
		return error_set(err, EINVAL, "%s: larger than %d bytes", spec, LAB_PLAN_FILE_MAX);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return error_set(err, ENOMEM, "out of memory");
	while (len < (size_t)st.st_size && (got = read(fd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return error_set(err, errno, "cannot read the plan '%s': %s", spec, strerror(errno));
		len += (size_t)got;
	}
	return lab_plan_parse(buf, len, spec, ret, err);
}

/* Replace every ${NAME} in s; unknown names are an error. */
static int expand_one(const char *s, const char *fixture, long lab_pid, char **ret, struct error *err)
{
	char *out = NULL, pid[32];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return error_set(err, ENOMEM, "out of memory");
	(void)snprintf(pid, sizeof(pid), "%ld", lab_pid);
	for (const char *c = s; *c;) {
		const char *end;

		if (c[0] != '$' || c[1] != '{') {
			(void)fputc(*c++, f);
			continue;
		}
		end = strchr(c, '}');
		if (end && (size_t)(end - c) == strlen("${FIXTURE}") - 1 && strncmp(c, "${FIXTURE}", 10) == 0 && fixture)
			(void)fputs(fixture, f);
		else if (end && (size_t)(end - c) == strlen("${LAB_PID}") - 1 && strncmp(c, "${LAB_PID}", 10) == 0)
			(void)fputs(pid, f);
		else {
			(void)fclose(f);
			free(out);
			if (end && strncmp(c, "${FIXTURE}", 10) == 0)
				return error_set(err, EINVAL, "'%s' uses ${FIXTURE}, but the row has no setup.fixture", s);
			return error_set(err, EINVAL, "'%s': unknown placeholder (known: ${FIXTURE}, ${LAB_PID})", s);
		}
		c = end + 1;
	}
	if (fclose(f) != 0) {
		free(out);
		return error_set(err, ENOMEM, "out of memory");
	}
	*ret = out;
	return 0;
}

int lab_row_expand_args(const struct lab_row *row, const char *fixture, long lab_pid, char ***ret, struct error *err)
{
	_cleanup_strv_free_ char **out = calloc(1, sizeof(char *));
	int r;

	if (!out)
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; row->args && row->args[i]; i++) {
		char *s = NULL;

		r = expand_one(row->args[i], fixture, lab_pid, &s, err);
		if (r < 0)
			return r;
		if (strv_consume(&out, s) < 0)
			return error_set(err, ENOMEM, "out of memory");
	}
	*ret = TAKE_PTR(out);
	return 0;
}

bool lab_row_expects(const struct lab_row *row, const char *profile, int o, bool *ret_has)
{
	const struct lab_expect *any = NULL, *mine = NULL;

	for (size_t i = 0; i < row->n_expect; i++) {
		if (strcmp(row->expect[i].profile, "*") == 0)
			any = &row->expect[i];
		else if (profile && strcmp(row->expect[i].profile, profile) == 0)
			mine = &row->expect[i];
	}
	mine = mine ? mine : any;
	if (ret_has)
		*ret_has = mine != NULL;
	return !mine || (o >= 0 && (mine->outcomes & (1u << o)));
}
