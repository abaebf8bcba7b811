/* Tests for learning a profile from refusals (src/policy/learn.c): paths
 * are grouped at their anchor with the most specific variable put back; a
 * directory the program makes gets a trailing '/'; creating is proposed on
 * the directory above; a path a deny group refused is proposed as itself
 * and names the group; what only a whole root or a same-path override
 * could grant is skipped with a reason; temporary names become a scratch
 * rule; TCP ports are said, not learned; and the decision engine allows
 * every refused access once the proposal is loaded on top of the base. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "policy/learn.h"
#include "policy/policy.h"

#define BIT(a) (1u << (a))

static const struct policy_var vars[] = {
	{ "HOME", "/home/u" },
	{ "CWD", "/home/u/proj" },
	{ "TMPDIR", "/tmp" },
	{ "XDG_CACHE_HOME", "/home/u/.cache" },
	{ "XDG_CONFIG_HOME", "/home/u/.config" },
	{ "XDG_DATA_HOME", "/home/u/.local/share" },
	{ "XDG_STATE_HOME", "/home/u/.local/state" },
	{ "LATCH_CACHE", "/home/u/.cache/latch" },
};

static const struct policy_ctx ctx = { .vars = vars, .n_vars = sizeof(vars) / sizeof(vars[0]) };

static const char base_json[] = "{ \"name\": \"b\", \"filesystem\": { \"write\": [\"$CWD\"],"
				" \"read\": [\"/usr\"], \"deny\": [\"$HOME/.ssh\"], \"protect\": [\"$CWD/.git/hooks\"] } }";

static struct policy *load(const char *json)
{
	struct policy *p = NULL;
	struct error err = { 0 };

	if (policy_load_buffer(json, strlen(json), "t.json", &ctx, &p, &err) < 0)
		fail_msg("%s", err.msg);
	return p;
}

static const struct policy_learn_rule *find_rule(const struct policy_learn_proposal *p, const char *pattern)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (strcmp(p->rules[i].pattern, pattern) == 0)
			return &p->rules[i];
	return NULL;
}

static const struct policy_learn_skip *find_skip(const struct policy_learn_proposal *p, const char *path)
{
	for (size_t i = 0; i < p->n_skips; i++)
		if (strcmp(p->skips[i].path, path) == 0)
			return &p->skips[i];
	return NULL;
}

static const struct {
	const char *path;
	unsigned acc;
	bool dir;
} refusals[] = {
	{ "/home/u/.npm", BIT(POLICY_ACCESS_CREATE), true },
	{ "/home/u/.npm/_cacache/index/5a/1", BIT(POLICY_ACCESS_CREATE) | BIT(POLICY_ACCESS_WRITE), false },
	{ "/home/u/.npm/_cacache/content/ab", BIT(POLICY_ACCESS_READ), false },
	{ "/home/u/.gitconfig", BIT(POLICY_ACCESS_READ), false },
	{ "/home/u/.cache/pip/http/x", BIT(POLICY_ACCESS_CREATE), false },
	{ "/home/u/.ssh/known_hosts", BIT(POLICY_ACCESS_READ), false },
	{ "/home/u/.ssh", BIT(POLICY_ACCESS_READ), true },
	{ "/home/u/proj/.git/hooks/pre-commit", BIT(POLICY_ACCESS_CREATE), false },
	{ "/home/u/.bashrc-new", BIT(POLICY_ACCESS_CREATE) | BIT(POLICY_ACCESS_WRITE), false },
	{ "/tmp/tmpab12cd", BIT(POLICY_ACCESS_CREATE), true },
	{ "/tmp/tmpab12cd/f", BIT(POLICY_ACCESS_CREATE) | BIT(POLICY_ACCESS_WRITE), false },
	{ "/etc/ssl/certs/ca.pem", BIT(POLICY_ACCESS_READ), false },
	{ "/proc/42/maps", BIT(POLICY_ACCESS_READ), false },
	{ "/usr/local/lib/node_modules/x/cli.js", BIT(POLICY_ACCESS_EXEC), false },
};

static void test_proposal(void **state)
{
	struct policy *base = load(base_json);
	struct policy_learn *l = policy_learn_new(base, &ctx);
	struct policy_learn_proposal p = { 0 };
	const struct policy_learn_rule *r;
	const struct policy_learn_skip *k;

	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		assert_int_equal(policy_learn_add(l, refusals[i].path, refusals[i].acc, refusals[i].dir, false), 0);
	assert_int_equal(policy_learn_add(l, "/home/u/.lesshst", BIT(POLICY_ACCESS_CREATE), false, true), 0);
	policy_learn_add_port(l, BIT(POLICY_ACCESS_TCP_CONNECT), 443);
	assert_int_equal(policy_learn_propose(l, &p), 0);
	assert_int_equal(p.refusals, 16);
	assert_int_equal(p.quiet, 1);

	r = find_rule(&p, "$HOME/.npm/");
	assert_non_null(r);
	assert_int_equal(r->klass, POLICY_CLASS_WRITE);
	assert_int_equal(r->count, 3);
	assert_null(r->overrides);
	assert_non_null(r = find_rule(&p, "$HOME/.gitconfig"));
	assert_int_equal(r->klass, POLICY_CLASS_READ);
	assert_non_null(r = find_rule(&p, "$XDG_CACHE_HOME/pip/"));
	assert_int_equal(r->klass, POLICY_CLASS_WRITE);
	/* Inside a deny group: the file itself, and it says so. */
	assert_non_null(r = find_rule(&p, "$HOME/.ssh/known_hosts"));
	assert_int_equal(r->klass, POLICY_CLASS_READ);
	assert_string_equal(r->overrides, "<profile b: $HOME/.ssh>");
	assert_non_null(k = find_skip(&p, "/home/u/.ssh"));
	assert_non_null(strstr(k->why, "a deny wins over an allow of the same path"));
	/* A protected directory: an allow at its own path wins over protect. */
	assert_non_null(r = find_rule(&p, "$CWD/.git/hooks/"));
	assert_string_equal(r->overrides, "<profile b: $CWD/.git/hooks>");
	/* A file right in $HOME: nothing but $HOME would do. */
	assert_non_null(k = find_skip(&p, "/home/u/.bashrc-new"));
	assert_non_null(strstr(k->why, "a root ($HOME, $CWD...)"));
	assert_null(find_rule(&p, "$HOME/.bashrc-new"));
	/* Temporary names: the program's own entries in $TMPDIR. */
	assert_non_null(r = find_rule(&p, "$TMPDIR"));
	assert_int_equal(r->klass, POLICY_CLASS_SCRATCH);
	assert_int_equal(r->count, 2);
	assert_non_null(find_rule(&p, "/etc/ssl"));
	assert_non_null(find_rule(&p, "/proc"));
	assert_non_null(r = find_rule(&p, "/usr/local/lib"));
	assert_int_equal(r->klass, POLICY_CLASS_EXEC);
	assert_non_null(k = find_skip(&p, "port 443"));
	assert_non_null(strstr(k->why, "network ports are not learned"));
	assert_null(find_skip(&p, "/home/u/.lesshst"));
	/* Most refusals first. */
	assert_string_equal(p.rules[0].pattern, "$HOME/.npm/");
	policy_learn_proposal_done(&p);
	policy_learn_free(l);
	policy_free(base);
}

/* The base with the proposal's rules, as the saved profile holds them
 * (scratch and list need the supervisor's own state: left out). */
static struct policy *with_proposal(const struct policy_learn_proposal *p)
{
	json_t *root = json_loads(base_json, 0, NULL), *fs = json_object_get(root, "filesystem");
	struct policy *learned;
	char *text;

	for (size_t i = 0; i < p->n_rules; i++) {
		const char *cls = policy_class_name(p->rules[i].klass);

		if (p->rules[i].klass == POLICY_CLASS_SCRATCH || p->rules[i].klass == POLICY_CLASS_LIST)
			continue;
		if (!json_object_get(fs, cls))
			json_object_set_new(fs, cls, json_array());
		json_array_append_new(json_object_get(fs, cls), json_string(p->rules[i].pattern));
	}
	text = json_dumps(root, 0);
	learned = load(text);
	free(text);
	json_decref(root);
	return learned;
}

/* The proposal, on top of the base, allows each refusal it did not skip. */
static void test_proposal_allows(void **state)
{
	struct policy *base = load(base_json), *learned;
	struct policy_learn *l = policy_learn_new(base, &ctx);
	struct policy_learn_proposal p = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		assert_int_equal(policy_learn_add(l, refusals[i].path, refusals[i].acc, refusals[i].dir, false), 0);
	assert_int_equal(policy_learn_propose(l, &p), 0);
	learned = with_proposal(&p);
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		bool skipped = strncmp(refusals[i].path, "/tmp/", 5) == 0;

		for (size_t k = 0; k < p.n_skips; k++)
			skipped |= strcmp(p.skips[k].path, refusals[i].path) == 0;
		/* Creating a directory the program makes: latch makes it first. */
		skipped |= strcmp(refusals[i].path, "/home/u/.npm") == 0;
		for (int a = 0; !skipped && a < _POLICY_ACCESS_MAX; a++) {
			struct policy_query q = { .access = (enum policy_access)a, .path = refusals[i].path };
			struct policy_decision d;

			if (!(refusals[i].acc & BIT(a)))
				continue;
			policy_decide(learned, &q, &d);
			if (!d.allow)
				fail_msg("%s %s: still %s", policy_access_name(q.access), q.path, d.reason);
		}
	}
	policy_free(learned);
	policy_learn_proposal_done(&p);
	policy_learn_free(l);
	policy_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proposal),
		cmocka_unit_test(test_proposal_allows),
	};

	return cmocka_run_group_tests_name("policy-learn", tests, NULL, NULL);
}
