/* Profiles: the parser, `extends`, groups and variables.
 *
 * The input is a profile, then (after lines "%%") up to seven more
 * documents that the profile may reach by `extends` and `groups`: the
 * document N answers to the name "uN" and to any path whose last component
 * is "uN.json", as profile and as group (policy_ctx.find_text; nothing is
 * read from files). Built-in profiles and groups are there by name, as
 * always. Variables are a fixed set (one known but unset); symlinks are
 * simulated by the resolver; repositories are found under $CWD.
 *
 * Promises checked: a failed load sets one line of error and returns its
 * code, leaving ret untouched; a loaded policy has absolute, normalized
 * rule paths in precedence order; every decision, rendering, risk tier
 * and Landlock compilation of it completes. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/path-util.h"
#include "base/strv.h"
#include "fuzz/fuzz.h"
#include "policy/policy.h"
#include "policy/render.h"
#include "policy/risk.h"
#include "sandbox/landlock.h"

static const struct policy_var vars[] = {
	{ "HOME", "/home/fuzz" },
	{ "CWD", "/home/fuzz/project" },
	{ "TMPDIR", "/tmp" },
	{ "PRIVATE_TMP", "/tmp/latch-1000" },
	{ "XDG_CONFIG_HOME", "/home/fuzz/.config" },
	{ "XDG_CACHE_HOME", "/home/fuzz/.cache" },
	{ "LATCH_CACHE", "/home/fuzz/.cache/latch" },
	{ "XDG_DATA_HOME", "/home/fuzz/.local/share" },
	{ "XDG_STATE_HOME", "/home/fuzz/.local/state" },
	{ "UID", "1000" },
	{ "UNSET", NULL },
};

struct docs {
	struct fuzz_part part[FUZZ_PARTS_MAX];
	size_t n;
};

static int find_text(const char *kind, const char *spec, const char **ret_text, size_t *ret_len, void *userdata)
{
	const struct docs *d = userdata;
	const char *base = strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec;
	char *end;
	unsigned long k;

	(void)kind;
	if (base[0] != 'u' || base[1] < '1' || base[1] > '9')
		return -ENOENT;
	k = strtoul(base + 1, &end, 10);
	if ((*end && strcmp(end, ".json") != 0) || k >= d->n)
		return -ENOENT;
	*ret_text = d->part[k].data;
	*ret_len = d->part[k].len;
	return 0;
}

/* /home/fuzz/link is a symlink to /home/fuzz/real; nothing else is. */
static int resolve(const char *path, char **ret, void *userdata)
{
	char *norm = NULL;
	int r;

	(void)userdata;
	r = path_normalize(path, &norm);
	if (r < 0)
		return r;
	if (path_has_prefix(norm, "/home/fuzz/link")) {
		char *real = NULL;

		if (asprintf(&real, "/home/fuzz/real%s", norm + strlen("/home/fuzz/link")) < 0) {
			free(norm);
			return -ENOMEM;
		}
		free(norm);
		norm = real;
	}
	*ret = norm;
	return 0;
}

/* Two repositories in the project; the search from "/" is cut short. */
static int find_repositories(const char *dir, char ***ret, void *userdata)
{
	static const char *const repos[] = { "/home/fuzz/project", "/home/fuzz/project/vendor/lib" };
	char **found = NULL;

	(void)userdata;
	if (path_has_prefix(dir, "/nonexistent"))
		return -ENOENT;
	for (size_t i = 0; i < 2; i++)
		if (path_has_prefix(repos[i], dir) && strv_push(&found, repos[i]) < 0) {
			strv_free(found);
			return -ENOMEM;
		}
	*ret = found;
	return strcmp(dir, "/") == 0 ? 1 : 0;
}

static bool normalized(const char *path)
{
	char *norm = NULL;
	bool same = path_normalize(path, &norm) == 0 && strcmp(norm, path) == 0;

	free(norm);
	return same;
}

static void decide_all(const struct policy *p, const char *path)
{
	for (int a = 0; a < _POLICY_ACCESS_MAX; a++) {
		struct policy_query q = { .access = (enum policy_access)a, .path = path, .port = 443 };
		struct policy_decision d;

		policy_decide(p, &q, &d);
		FUZZ_CHECK(d.reason[0] != '\0');
		FUZZ_CHECK((unsigned)d.layer < _POLICY_LAYER_MAX);
		FUZZ_CHECK(!d.rule || (d.rule >= p->rules && d.rule < p->rules + p->n_rules));
	}
}

static void check_policy(const struct policy *p, const struct policy_ctx *ctx, size_t size)
{
	struct landlock_plan *plan = NULL;
	struct policy_risk risk = { 0 };
	struct error err = { 0 };
	json_t *j;
	char *text;

	FUZZ_CHECK(policy_name_valid(p->name));
	FUZZ_CHECK(strv_length(p->chain) >= 1 && strv_length(p->chain) <= POLICY_EXTENDS_MAX);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		char child[LATCH_PATH_MAX + 8];

		FUZZ_CHECK(r->path[0] == '/' && normalized(r->path));
		FUZZ_CHECK(r->depth == path_depth(r->path));
		FUZZ_CHECK(i == 0 || p->rules[i - 1].depth >= r->depth);
		(void)policy_protect_overridden(p, r);
		(void)policy_allow_shadowed(p, r);
		decide_all(p, r->path);
		(void)snprintf(child, sizeof(child), "%s/x", strcmp(r->path, "/") == 0 ? "" : r->path);
		decide_all(p, child);
	}
	decide_all(p, "/home/fuzz/project/src/main.c");
	decide_all(p, "relative");
	for (size_t i = 0; i < p->net.n_connect; i++) {
		struct policy_query q = { .access = POLICY_ACCESS_TCP_CONNECT, .port = p->net.connect[i] };
		struct policy_decision d;

		policy_decide(p, &q, &d);
		FUZZ_CHECK(d.allow || p->net.mode == POLICY_NET_OFF);
	}
	j = policy_to_json(p);
	FUZZ_CHECK(j);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	FUZZ_CHECK(text);
	free(text);
	json_decref(j);
	FUZZ_CHECK(policy_risk(p, ctx, &risk) == 0);
	FUZZ_CHECK(risk.tier >= 0 && risk.tier <= 2);
	policy_risk_done(&risk);
	FUZZ_CHECK(landlock_compile(p, (int)(size % 8), &plan, &err) == 0);
	j = landlock_plan_to_json(plan);
	FUZZ_CHECK(j);
	json_decref(j);
	landlock_plan_free(plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct docs d;
	struct policy_ctx ctx = {
		.vars = vars,
		.n_vars = sizeof(vars) / sizeof(vars[0]),
		.resolve = resolve,
		.find_repositories = find_repositories,
		.find_text = find_text,
		.userdata = &d,
	};
	struct policy *p = NULL;
	struct error err = { 0 };
	int r;

	d.n = fuzz_split(data, size, d.part, FUZZ_PARTS_MAX);
	r = policy_load_buffer(d.part[0].data, d.part[0].len, "fuzz.json", &ctx, &p, &err);
	if (r < 0) {
		fuzz_check_failure(r, p, &err, "fuzz.json");
		return 0;
	}
	FUZZ_CHECK(r == 0 && p);
	check_policy(p, &ctx, size);
	policy_free(p);
	return 0;
}
