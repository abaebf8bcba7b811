/* Loading profiles: find the file (built-in, user directory, or a path:
 * profile-find.c), parse it with jansson, validate every key, follow `extends` (bounded,
 * cycle-checked) and `groups`, expand variables and resolve paths. The result
 * is one flat struct policy whose rules are sorted for policy_decide(). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "policy/policy.h"
#include "policy/profile-internal.h"

static const char *const profile_keys[] = { "description", "env", "extends", "filesystem", "groups", "limits",
					    "name", "network", "process", "required", "supervise", NULL };
static const char *const group_keys[] = { "description", "env", "filesystem", "name", "network", NULL };
static const char *const filesystem_keys[] = { "create",
					       "deny",
					       "deny_quietly",
					       "exec",
					       "list",
					       "list_ancestors",
					       "private",
					       "protect",
					       "protect_in_projects",
					       "protect_in_repositories",
					       "read",
					       "scratch",
					       "unix_connect",
					       "write",
					       NULL };


void profile_source_done(struct source *s)
{
	free(s->buf);
	free(s->label);
	free(s->dir);
	free(s->identity);
	memset(s, 0, sizeof(*s));
}

/* Line of the first `"needle"` in the file, 0 if absent. jansson keeps no
 * positions for values, so a semantic error points at the first mention. */
static int locate(const struct source *s, const char *needle)
{
	char quoted[512];
	const char *hit;
	int line = 1;

	if (!needle || snprintf(quoted, sizeof(quoted), "\"%s\"", needle) >= (int)sizeof(quoted))
		return 0;
	hit = memmem(s->buf, s->len, quoted, strlen(quoted));
	if (!hit)
		return 0;
	for (const char *c = s->buf; c < hit; c++)
		if (*c == '\n')
			line++;
	return line;
}

/* Fail with "<file>:<line>: <key>: <message>"; needle locates the line. */
int profile_fail(struct loader *l, const struct source *s, const char *key, const char *needle,
			       const char *fmt, ...)
{
	char msg[ERROR_MSG_MAX / 2];
	char where[ERROR_MSG_MAX / 2];
	int line = locate(s, needle);
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		(void)snprintf(where, sizeof(where), "%s:%d", s->label, line);
	else
		(void)snprintf(where, sizeof(where), "%s", s->label);
	if (key)
		return error_set(l->err, EINVAL, "%s: %s: %s", where, key, msg);
	return error_set(l->err, EINVAL, "%s: %s", where, msg);
}

int profile_check_keys(struct loader *l, const struct source *s, json_t *obj, const char *const *allowed,
		      const char *prefix)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		char expected[256] = "";
		size_t n = 0;
		bool ok = false;

		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], key) == 0)
				ok = true;
		if (ok)
			continue;
		for (size_t i = 0; allowed[i]; i++)
			n += (size_t)snprintf(expected + n, sizeof(expected) - n, "%s%s", i ? ", " : "",
					      allowed[i]);
		return profile_fail(l, s, NULL, key, "unknown key '%s%s%s' (expected one of: %s)", prefix,
			    *prefix ? "." : "", key, expected);
	}
	return 0;
}

bool policy_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > 64 || name[0] == '.')
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
			return false;
	return !(len > 5 && strcmp(name + len - 5, ".json") == 0);
}

static int parse_json(struct loader *l, const struct source *s, json_t **ret)
{
	json_error_t je;
	json_t *root;

	root = json_loadb(s->buf, s->len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return error_set(l->err, EINVAL, "%s:%d:%d: invalid JSON: %s", s->label, je.line, je.column,
				 je.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return profile_fail(l, s, NULL, NULL, "the top level must be a JSON object");
	}
	*ret = root;
	return 0;
}

/* A new, zeroed rule at the end of the loader's policy, holding resolved
 * (taken over, freed on failure) as its path; the caller fills it and
 * counts it (n_rules++). */
static int append_rule(struct loader *l, const struct source *s, const char *key, const char *pattern,
		       char *resolved, struct policy_rule **ret)
{
	struct policy *p = l->p;

	if (p->n_rules >= POLICY_RULES_MAX) {
		free(resolved);
		return profile_fail(l, s, key, pattern, "more than %d filesystem rules", POLICY_RULES_MAX);
	}
	if (p->n_rules == l->rules_alloc) {
		size_t n = l->rules_alloc ? l->rules_alloc * 2 : 32;
		struct policy_rule *nr = realloc(p->rules, n * sizeof(*nr));

		if (!nr) {
			free(resolved);
			return error_set(l->err, ENOMEM, "out of memory");
		}
		p->rules = nr;
		l->rules_alloc = n;
	}
	*ret = &p->rules[p->n_rules];
	memset(*ret, 0, sizeof(**ret));
	(*ret)->path = resolved;
	return 0;
}

static int push_rule(struct loader *l, const struct source *s, const char *key, const char *pattern,
		     enum policy_class klass, const char *origin)
{
	struct policy *p = l->p;
	_cleanup_free_ char *expanded = NULL;
	char *resolved = NULL;
	struct policy_rule *rule;
	struct error sub = { 0 };
	int r;

	if (!utf8_is_valid(pattern))
		return profile_fail(l, s, key, NULL, "value is not valid UTF-8");
	if (pattern[0] == '\0')
		return profile_fail(l, s, key, "", "empty path");
	r = policy_expand(pattern, l->ctx, &expanded, &sub);
	if (r < 0)
		return profile_fail(l, s, key, pattern, "%s", sub.msg);
	if (expanded[0] != '/')
		return profile_fail(l, s, key, pattern,
			    "'%s' is not an absolute path (start it with '/', '~' or a variable such as $CWD)",
			    pattern);
	if (l->ctx && l->ctx->resolve)
		r = l->ctx->resolve(expanded, &resolved, l->ctx->userdata);
	else
		r = path_normalize(expanded, &resolved);
	if (r < 0)
		return profile_fail(l, s, key, pattern, "cannot resolve '%s': %s", expanded, strerror(-r));
	r = append_rule(l, s, key, pattern, resolved, &rule);
	if (r < 0)
		return r;
	rule->pattern = strdup(pattern);
	rule->origin = strdup(origin);
	rule->klass = klass;
	rule->depth = path_depth(rule->path);
	rule->make_dir = (klass == POLICY_CLASS_WRITE || klass == POLICY_CLASS_CREATE) && strlen(pattern) > 1 &&
			 pattern[strlen(pattern) - 1] == '/';
	p->n_rules++;
	if (!rule->pattern || !rule->origin)
		return error_set(l->err, ENOMEM, "out of memory");
	if (policy_mentions_var(pattern, "PRIVATE_TMP"))
		p->uses_private_tmp = true;
	return 0;
}

/* A list of paths relative to a project or repository root: "a/b", never
 * absolute, empty, or climbing out with "..". Merged without duplicates. */
/* filesystem.list_ancestors: a `list` rule for every directory above each
 * path (not the path itself), labelled "ancestor of PATTERN": a shell that
 * finds its working directory by walking up (zsh) lists each of them. */
static int parse_list_ancestors(struct loader *l, const struct source *s, json_t *fs, const char *origin)
{
	json_t *arr = json_object_get(fs, "list_ancestors"), *v;
	struct policy *p = l->p;
	size_t i;
	int r;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return profile_fail(l, s, NULL, "list_ancestors", "filesystem.list_ancestors: must be an array of paths");
	json_array_foreach(arr, i, v) {
		_cleanup_free_ char *path = NULL, *label = NULL;
		struct policy_rule *self;
		char key[64], *slash;

		(void)snprintf(key, sizeof(key), "filesystem.list_ancestors[%zu]", i);
		if (!json_is_string(v))
			return profile_fail(l, s, key, "list_ancestors", "must be a string");
		/* Expanded and resolved like any rule, then taken back: only
		 * what lies above it is listed. */
		r = push_rule(l, s, key, json_string_value(v), POLICY_CLASS_LIST, origin);
		if (r < 0)
			return r;
		self = &p->rules[p->n_rules - 1];
		path = TAKE_PTR(self->path);
		free(self->pattern);
		free(self->origin);
		p->n_rules--;
		if (asprintf(&label, "ancestor of %s", json_string_value(v)) < 0)
			return error_set(l->err, ENOMEM, "out of memory");
		while ((slash = strrchr(path, '/')) && strcmp(path, "/") != 0) {
			struct policy_rule *rule;
			bool have = false;

			slash[slash == path ? 1 : 0] = '\0';
			for (size_t k = 0; k < p->n_rules && !have; k++)
				have = p->rules[k].klass == POLICY_CLASS_LIST && strcmp(p->rules[k].path, path) == 0;
			if (have)
				continue;
			{
				char *dup = strdup(path);

				if (!dup)
					return error_set(l->err, ENOMEM, "out of memory");
				r = append_rule(l, s, key, label, dup, &rule);
			}
			if (r < 0)
				return r;
			rule->pattern = strdup(label);
			rule->origin = strdup(origin);
			rule->klass = POLICY_CLASS_LIST;
			rule->depth = path_depth(rule->path);
			p->n_rules++;
			if (!rule->pattern || !rule->origin)
				return error_set(l->err, ENOMEM, "out of memory");
		}
	}
	return 0;
}

static int parse_relative_list(struct loader *l, const struct source *s, json_t *fs, const char *name, char ***list)
{
	json_t *arr = json_object_get(fs, name), *v;
	size_t i;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return profile_fail(l, s, NULL, name, "filesystem.%s: must be an array of relative paths", name);
	json_array_foreach(arr, i, v) {
		const char *rel = json_string_value(v);
		char key[96];

		(void)snprintf(key, sizeof(key), "filesystem.%s[%zu]", name, i);
		if (!rel)
			return profile_fail(l, s, key, name, "must be a string");
		if (!utf8_is_valid(rel))
			return profile_fail(l, s, key, NULL, "value is not valid UTF-8");
		if (!rel[0] || rel[0] == '/' || rel[0] == '$' || rel[0] == '~' || strcmp(rel, "..") == 0 ||
		    strncmp(rel, "../", 3) == 0 || strstr(rel, "/../") || (strlen(rel) >= 3 && strcmp(rel + strlen(rel) - 3, "/..") == 0))
			return profile_fail(l, s, key, rel,
					    "'%s' must be a path relative to a project or repository root, without '..'",
					    rel);
		if (strlen(rel) >= PATH_MAX / 2)
			return profile_fail(l, s, key, rel, "'%s' is too long", rel);
		if (!strv_contains(*list, rel) && strv_push(list, rel) < 0)
			return error_set(l->err, ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_filesystem(struct loader *l, const struct source *s, json_t *fs, const char *origin)
{
	const char *cname;
	json_t *arr;
	int r;

	if (!json_is_object(fs))
		return profile_fail(l, s, "filesystem", "filesystem", "must be an object");
	r = profile_check_keys(l, s, fs, filesystem_keys, "filesystem");
	if (r < 0)
		return r;
	/* Walk classes in a fixed order so rule order does not depend on how
	 * the file happens to order its keys. */
	for (int c = 0; c < _POLICY_CLASS_MAX; c++) {
		size_t i;
		json_t *v;

		cname = policy_class_name((enum policy_class)c);
		arr = json_object_get(fs, cname);
		if (!arr)
			continue;
		if (!json_is_array(arr))
			return profile_fail(l, s, NULL, cname, "filesystem.%s: must be an array of paths", cname);
		json_array_foreach(arr, i, v) {
			char key[64];

			(void)snprintf(key, sizeof(key), "filesystem.%s[%zu]", cname, i);
			if (!json_is_string(v))
				return profile_fail(l, s, key, cname, "must be a string");
			r = push_rule(l, s, key, json_string_value(v), (enum policy_class)c, origin);
			if (r < 0)
				return r;
		}
	}
	arr = json_object_get(fs, "deny_quietly");
	if (arr && !json_is_array(arr))
		return profile_fail(l, s, NULL, "deny_quietly", "filesystem.deny_quietly: must be an array of paths");
	if (arr) {
		size_t i;
		json_t *v;

		json_array_foreach(arr, i, v) {
			char key[64];

			(void)snprintf(key, sizeof(key), "filesystem.deny_quietly[%zu]", i);
			if (!json_is_string(v))
				return profile_fail(l, s, key, "deny_quietly", "must be a string");
			r = push_rule(l, s, key, json_string_value(v), POLICY_CLASS_DENY, origin);
			if (r < 0)
				return r;
			l->p->rules[l->p->n_rules - 1].quiet = true;
		}
	}
	r = parse_list_ancestors(l, s, fs, origin);
	if (r == 0)
		r = parse_relative_list(l, s, fs, "protect_in_projects", &l->p->protect_in_projects);
	if (r == 0)
		r = parse_relative_list(l, s, fs, "protect_in_repositories", &l->p->protect_in_repositories);
	return r;
}

static int load_group(struct loader *l, const struct source *from, const char *gname)
{
	struct source s = { 0 };
	json_t *root = NULL, *v;
	char origin[128];
	int r;

	if (strv_contains(l->p->groups, gname))
		return 0; /* already merged through another profile in the chain */
	{
		struct error sub = { 0 };

		r = profile_find_source("group", gname, from->dir, l->ctx, &s, &sub);
		if (r < 0) {
			r = profile_fail(l, from, "groups", gname, "%s", sub.msg);
			goto out;
		}
	}
	r = parse_json(l, &s, &root);
	if (r < 0)
		goto out;
	r = profile_check_keys(l, &s, root, group_keys, "");
	if (r < 0)
		goto out;
	v = json_object_get(root, "name");
	if (!json_is_string(v) || !policy_name_valid(json_string_value(v))) {
		r = profile_fail(l, &s, "name", "name", "missing, or not a valid name (a-z, 0-9, '_', '-', '.')");
		goto out;
	}
	if (!strchr(gname, '/') && strcmp(json_string_value(v), gname) != 0) {
		r = profile_fail(l, &s, "name", "name", "'%s' does not match the group's file name '%s'",
			 json_string_value(v), gname);
		goto out;
	}
	v = json_object_get(root, "description");
	if (v && !json_is_string(v)) {
		r = profile_fail(l, &s, "description", "description", "must be a string");
		goto out;
	}
	(void)snprintf(origin, sizeof(origin), "group %s", json_string_value(json_object_get(root, "name")));
	v = json_object_get(root, "filesystem");
	if (v) {
		r = parse_filesystem(l, &s, v, origin);
		if (r < 0)
			goto out;
	}
	v = json_object_get(root, "network");
	if (v) {
		r = profile_parse_group_network(l, &s, v, origin);
		if (r < 0)
			goto out;
	}
	/* Before the profile's own env (groups load first): a profile's
	 * env.set still overrides a group's. */
	v = json_object_get(root, "env");
	if (v) {
		r = profile_parse_env(l, &s, v);
		if (r < 0)
			goto out;
	}
	r = strv_push(&l->p->groups, gname) < 0 ? error_set(l->err, ENOMEM, "out of memory") : 0;
out:
	json_decref(root);
	profile_source_done(&s);
	return r;
}

static int load_profile(struct loader *l, const char *spec, const char *rel_dir, unsigned depth);

static int load_profile_source(struct loader *l, struct source *s, const char *spec, unsigned depth)
{
	_cleanup_json_ json_t *root = NULL;
	json_t *v;
	char origin[128];
	size_t i;
	int r;

	r = parse_json(l, s, &root);
	if (r < 0)
		return r;
	r = profile_check_keys(l, s, root, profile_keys, "");
	if (r < 0)
		return r;
	v = json_object_get(root, "name");
	if (!json_is_string(v) || !policy_name_valid(json_string_value(v)))
		return profile_fail(l, s, "name", "name", "missing, or not a valid name (a-z, 0-9, '_', '-', '.')");
	if (!strchr(spec, '/') && !strstr(spec, ".json") && strcmp(json_string_value(v), spec) != 0)
		return profile_fail(l, s, "name", "name", "'%s' does not match the profile's file name '%s'",
			    json_string_value(v), spec);
	if (strv_push(&l->p->chain, json_string_value(v)) < 0)
		return error_set(l->err, ENOMEM, "out of memory");
	(void)snprintf(origin, sizeof(origin), "profile %s", json_string_value(v));
	if (depth == 0) {
		l->p->name = strdup(json_string_value(v));
		l->p->source = strdup(s->builtin ? "builtin" : s->label);
		if (!l->p->name || !l->p->source)
			return error_set(l->err, ENOMEM, "out of memory");
	}
	v = json_object_get(root, "description");
	if (v && !json_is_string(v))
		return profile_fail(l, s, "description", "description", "must be a string");
	if (v && depth == 0 && !(l->p->description = strdup(json_string_value(v))))
		return error_set(l->err, ENOMEM, "out of memory");

	/* The parent first: this profile's settings then override or add. */
	v = json_object_get(root, "extends");
	if (v) {
		if (!json_is_string(v))
			return profile_fail(l, s, "extends", "extends", "must be a profile name or path");
		struct error sub = { 0 };
		struct error *outer = l->err;

		l->err = &sub;
		r = load_profile(l, json_string_value(v), s->dir, depth + 1);
		l->err = outer;
		if (r < 0) {
			r = profile_fail(l, s, "extends", json_string_value(v), "%s", sub.msg);
			l->err->code = sub.code;
			return -sub.code;
		}
	}
	v = json_object_get(root, "groups");
	if (v) {
		if (!json_is_array(v))
			return profile_fail(l, s, "groups", "groups", "must be an array of group names");
		for (i = 0; i < json_array_size(v); i++) {
			json_t *g = json_array_get(v, i);

			if (!json_is_string(g))
				return profile_fail(l, s, "groups", "groups", "element %zu is not a string", i);
			r = load_group(l, s, json_string_value(g));
			if (r < 0)
				return r;
		}
	}
	if ((v = json_object_get(root, "filesystem")) && (r = parse_filesystem(l, s, v, origin)) < 0)
		return r;
	if ((v = json_object_get(root, "network")) && (r = profile_parse_network(l, s, v, origin)) < 0)
		return r;
	if ((v = json_object_get(root, "process")) && (r = profile_parse_process(l, s, v)) < 0)
		return r;
	if ((v = json_object_get(root, "env")) && (r = profile_parse_env(l, s, v)) < 0)
		return r;
	if ((v = json_object_get(root, "required")) && (r = profile_parse_required(l, s, v)) < 0)
		return r;
	if ((v = json_object_get(root, "limits")) && (r = profile_parse_limits(l, s, v)) < 0)
		return r;
	if ((v = json_object_get(root, "supervise")) && (r = profile_parse_supervise(l, s, v)) < 0)
		return r;
	return 0;
}

static int load_profile(struct loader *l, const char *spec, const char *rel_dir, unsigned depth)
{
	struct source s = { 0 };
	int r;

	if (depth >= POLICY_EXTENDS_MAX)
		return error_set(l->err, ELOOP, "extends chain is longer than %d profiles at '%s'",
				 POLICY_EXTENDS_MAX, spec);
	r = profile_find_source("profile", spec, rel_dir, l->ctx, &s, l->err);
	if (r < 0)
		return r;
	if (strv_contains(l->stack, s.identity)) {
		char chain[ERROR_MSG_MAX / 2] = "";
		size_t n = 0;

		for (size_t i = 0; l->stack[i]; i++)
			n += (size_t)snprintf(chain + n, sizeof(chain) - n, "%s -> ", l->stack[i]);
		(void)snprintf(chain + n, sizeof(chain) - n, "%s", s.label);
		profile_source_done(&s);
		return error_set(l->err, ELOOP, "cyclic extends: %s", chain);
	}
	if (strv_push(&l->stack, s.identity) < 0) {
		profile_source_done(&s);
		return error_set(l->err, ENOMEM, "out of memory");
	}
	r = load_profile_source(l, &s, spec, depth);
	profile_source_done(&s);
	return r;
}

static int rule_order(const void *a, const void *b)
{
	const struct policy_rule *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	/* At equal depth: deny wins over an allow, an allow over protect (a
	 * profile grants a protected path on purpose by naming it). */
	if ((x->klass == POLICY_CLASS_DENY) != (y->klass == POLICY_CLASS_DENY))
		return x->klass == POLICY_CLASS_DENY ? -1 : 1;
	if ((x->klass == POLICY_CLASS_PROTECT) != (y->klass == POLICY_CLASS_PROTECT))
		return x->klass == POLICY_CLASS_PROTECT ? 1 : -1;
	return strcmp(x->path, y->path);
}

static void policy_defaults(struct policy *p)
{
	/* Nothing said: no network, signals and abstract sockets scoped. */
	p->net.mode = POLICY_NET_OFF;
	p->process.scope_signals = true;
	p->process.scope_abstract_unix = true;
	p->process.ptrace = false;
	p->limits = (struct policy_limits){ .nofile = -1, .nproc = -1, .core = 0, .fsize = -1, .memory = -1, .pids = -1 };
}

/* One protect rule for root/rel, unless an identical one is there. */
static int push_protect(struct loader *l, const char *root, const char *rel, const char *origin)
{
	struct policy *p = l->p;
	_cleanup_free_ char *path = NULL;
	char *norm = NULL;
	int r;

	if (asprintf(&path, "%s/%s", strcmp(root, "/") == 0 ? "" : root, rel) < 0)
		return error_set(l->err, ENOMEM, "out of memory");
	r = path_normalize(path, &norm);
	if (r < 0)
		return error_set(l->err, -r, "cannot normalize '%s'", path);
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].klass == POLICY_CLASS_PROTECT && strcmp(p->rules[i].path, norm) == 0) {
			free(norm);
			return 0;
		}
	r = policy_add_rule(p, POLICY_CLASS_PROTECT, norm, origin, l->err);
	free(norm);
	return r;
}

/* protect_in_repositories and protect_in_projects, made concrete: in every
 * repository found under a writable directory when the profile loads, and
 * in every project root ($CWD when it is writable, and those repositories). */
static int expand_protected(struct loader *l, struct policy *p)
{
	_cleanup_strv_free_ char **repos = NULL;
	const char *cwd;
	size_t n = p->n_rules;
	int r = 0;

	if (!p->protect_in_projects && !p->protect_in_repositories)
		return 0;
	for (size_t i = 0; l->ctx && l->ctx->find_repositories && i < n; i++) {
		const struct policy_rule *w = &p->rules[i];
		_cleanup_strv_free_ char **found = NULL;

		if (w->klass != POLICY_CLASS_WRITE && w->klass != POLICY_CLASS_CREATE)
			continue;
		r = l->ctx->find_repositories(w->path, &found, l->ctx->userdata);
		if (r == -ENOTDIR || r == -ENOENT)
			continue;
		if (r == 1 && !p->protect_search_truncated && !(p->protect_search_truncated = strdup(w->path)))
			return error_set(l->err, ENOMEM, "out of memory");
		if (r < 0)
			return error_set(l->err, -r, "cannot look for repositories under '%s': %s", w->path,
					 strerror(-r));
		for (size_t k = 0; found && found[k]; k++)
			if (!strv_contains(repos, found[k]) && strv_push(&repos, found[k]) < 0)
				return error_set(l->err, ENOMEM, "out of memory");
	}
	r = 0;
	for (size_t i = 0; repos && repos[i]; i++) {
		for (size_t k = 0; r == 0 && p->protect_in_repositories && p->protect_in_repositories[k]; k++)
			r = push_protect(l, repos[i], p->protect_in_repositories[k], "protect_in_repositories");
		for (size_t k = 0; r == 0 && p->protect_in_projects && p->protect_in_projects[k]; k++)
			r = push_protect(l, repos[i], p->protect_in_projects[k], "protect_in_projects");
		if (r < 0)
			return r;
	}
	/* $CWD is the project when the profile lets the program write it. */
	cwd = policy_ctx_var(l->ctx, "CWD");
	if (cwd && cwd[0] == '/') {
		_cleanup_free_ char *rcwd = NULL;
		struct policy_decision d;
		struct policy_query q = { .access = POLICY_ACCESS_WRITE, .no_reason = true };

		if (l->ctx->resolve)
			r = l->ctx->resolve(cwd, &rcwd, l->ctx->userdata);
		else
			r = path_normalize(cwd, &rcwd);
		if (r < 0)
			return error_set(l->err, -r, "cannot resolve '%s': %s", cwd, strerror(-r));
		sort_n(p->rules, p->n_rules, sizeof(*p->rules), rule_order);
		q.path = rcwd;
		policy_decide(p, &q, &d);
		for (size_t k = 0; d.allow && p->protect_in_projects && p->protect_in_projects[k]; k++) {
			r = push_protect(l, rcwd, p->protect_in_projects[k], "protect_in_projects");
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int load_common(struct loader *l, struct policy *p, int r, struct policy **ret)
{
	strv_free(l->stack);
	if (r < 0) {
		policy_free(p);
		return r;
	}
	for (size_t i = 0; l->ctx && i < l->ctx->n_extra && r == 0; i++)
		r = policy_add_rule_pattern(p, l->ctx->extra[i].klass, l->ctx->extra[i].pattern,
					    l->ctx->extra[i].origin, l->ctx, l->err);
	if (r == 0)
		r = expand_protected(l, p);
	if (r < 0) {
		policy_free(p);
		return r;
	}
	/* A stable order for equal rules keeps output reproducible; qsort is
	 * not stable, so the comparison ends on the path. */
	if (p->n_rules > 0)
		sort_n(p->rules, p->n_rules, sizeof(*p->rules), rule_order);
	*ret = p;
	return 0;
}

int policy_load(const char *spec, const struct policy_ctx *ctx, struct policy **ret, struct error *err)
{
	struct loader l = { .ctx = ctx, .err = err };
	struct policy *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return error_set(err, ENOMEM, "out of memory");
	policy_defaults(p);
	l.p = p;
	r = load_profile(&l, spec, NULL, 0);
	return load_common(&l, p, r, ret);
}

int policy_load_buffer(const char *buf, size_t len, const char *filename, const struct policy_ctx *ctx,
		       struct policy **ret, struct error *err)
{
	struct loader l = { .ctx = ctx, .err = err };
	struct source s = { 0 };
	struct policy *p = calloc(1, sizeof(*p));
	int r = -ENOMEM;

	if (!p)
		return error_set(err, ENOMEM, "out of memory");
	policy_defaults(p);
	l.p = p;
	/* A copy of exactly len bytes: the buffer may hold NULs, which the
	 * JSON parser then reports, and must not be read past. */
	s.buf = malloc(len + 1);
	if (s.buf) {
		memcpy(s.buf, buf, len);
		s.buf[len] = '\0';
	}
	s.len = len;
	s.label = strdup(filename);
	s.dir = strdup(".");
	if (!s.buf || !s.label || !s.dir || strv_push(&l.stack, filename) < 0)
		r = error_set(err, ENOMEM, "out of memory");
	else
		r = load_profile_source(&l, &s, filename, 0);
	profile_source_done(&s);
	return load_common(&l, p, r, ret);
}

int policy_add_rule(struct policy *p, enum policy_class klass, const char *path, const char *origin,
		    struct error *err)
{
	struct policy_rule *nr, *rule;

	if (!path || path[0] != '/' || (unsigned)klass >= _POLICY_CLASS_MAX)
		return error_set(err, EINVAL, "invalid rule for '%s'", path ? path : "(null)");
	nr = realloc(p->rules, (p->n_rules + 1) * sizeof(*nr));
	if (!nr)
		return error_set(err, ENOMEM, "out of memory");
	p->rules = nr;
	rule = &p->rules[p->n_rules];
	memset(rule, 0, sizeof(*rule));
	rule->path = strdup(path);
	rule->pattern = strdup(path);
	rule->origin = strdup(origin ? origin : "latch");
	rule->klass = klass;
	rule->depth = path_depth(path);
	p->n_rules++;
	if (!rule->path || !rule->pattern || !rule->origin)
		return error_set(err, ENOMEM, "out of memory");
	sort_n(p->rules, p->n_rules, sizeof(*p->rules), rule_order);
	return 0;
}

int policy_add_rule_pattern(struct policy *p, enum policy_class klass, const char *pattern, const char *origin,
			    const struct policy_ctx *ctx, struct error *err)
{
	_cleanup_free_ char *expanded = NULL, *abs = NULL, *resolved = NULL;
	const char *cwd = policy_ctx_var(ctx, "CWD");
	int r;

	if (!pattern || !*pattern)
		return error_set(err, EINVAL, "%s: an empty path", origin);
	r = policy_expand(pattern, ctx, &expanded, err);
	if (r < 0)
		return r;
	if (expanded[0] != '/') {
		if (!cwd)
			return error_set(err, EINVAL, "%s: '%s' is relative and $CWD is unknown", origin, pattern);
		if (asprintf(&abs, "%s/%s", cwd, expanded) < 0)
			return error_set(err, ENOMEM, "out of memory");
	} else {
		abs = TAKE_PTR(expanded);
	}
	r = ctx && ctx->resolve ? ctx->resolve(abs, &resolved, ctx->userdata) : path_normalize(abs, &resolved);
	if (r < 0)
		return error_set(err, -r, "%s: cannot resolve '%s': %s", origin, pattern, strerror(-r));
	r = policy_add_rule(p, klass, resolved, origin, err);
	if (r < 0)
		return r;
	/* policy_add_rule() sorted the rules: find the new one again. */
	for (size_t i = 0; i < p->n_rules; i++) {
		struct policy_rule *rule = &p->rules[i];

		if (rule->klass == klass && strcmp(rule->path, resolved) == 0 && strcmp(rule->origin, origin) == 0 &&
		    strcmp(rule->pattern, resolved) == 0) {
			char *pat = strdup(pattern);

			if (!pat)
				return error_set(err, ENOMEM, "out of memory");
			free(rule->pattern);
			rule->pattern = pat;
			break;
		}
	}
	return 0;
}

void policy_drop_class(struct policy *p, enum policy_class c)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_rules; i++) {
		if (p->rules[i].klass == c) {
			free(p->rules[i].path);
			free(p->rules[i].pattern);
			free(p->rules[i].origin);
			continue;
		}
		p->rules[n++] = p->rules[i];
	}
	p->n_rules = n;
}

struct policy *policy_free(struct policy *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n_rules; i++) {
		free(p->rules[i].path);
		free(p->rules[i].pattern);
		free(p->rules[i].origin);
	}
	free(p->rules);
	free(p->name);
	free(p->description);
	free(p->source);
	strv_free(p->chain);
	strv_free(p->groups);
	for (size_t i = 0; i < p->net.n_hosts; i++) {
		free(p->net.hosts[i].pattern);
		free(p->net.hosts[i].origin);
	}
	free(p->net.hosts);
	for (size_t i = 0; i < p->net.n_resolve; i++) {
		free(p->net.resolve[i].name);
		free(p->net.resolve[i].address);
	}
	free(p->net.resolve);
	strv_free(p->env.keep);
	strv_free(p->env.drop);
	strv_free(p->env.set);
	strv_free(p->protect_in_projects);
	strv_free(p->protect_in_repositories);
	free(p->protect_search_truncated);
	free(p);
	return NULL;
}
