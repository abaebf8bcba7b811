/* Risk tiers: one small inline profile per rule of risk.h, asserting the
 * tier and a reason; for each rule a neighbouring case that must not fire. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/risk.h"

static const struct policy_var user_vars[] = {
	{ "HOME", "/home/u" },
	{ "CWD", "/home/u/project" },
	{ "TMPDIR", "/tmp" },
	{ "PRIVATE_TMP", "/tmp/latch-1000" },
	{ "XDG_CONFIG_HOME", "/home/u/.config" },
	{ "XDG_CACHE_HOME", "/home/u/.cache" },
	{ "LATCH_CACHE", "/home/u/.cache/latch" },
	{ "XDG_DATA_HOME", "/home/u/.local/share" },
	{ "XDG_STATE_HOME", "/home/u/.local/state" },
	{ "UID", "1000" },
};

static const struct policy_ctx user_ctx = { .vars = user_vars, .n_vars = ELEMENTSOF(user_vars) };

#define MAX_PRESENT 3

struct risk_case {
	const char *what;
	const char *json;                  /* the profile; its name must be "t" */
	int tier;
	const char *present[MAX_PRESENT];  /* substrings that some reason contains */
	const char *absent;                /* a substring no reason may contain */
	int n_reasons;                     /* -1: not checked */
};

static const struct risk_case cases[] = {
	{ "confined", "{\"name\": \"t\", \"filesystem\": {\"read\": [\"/usr\", \"$HOME\"], \"exec\": [\"/usr\"],"
		      " \"write\": [\"$CWD\", \"$PRIVATE_TMP\", \"$TMPDIR/x\", \"/dev/null\", \"/dev/pts\"],"
		      " \"create\": [\"$CWD/out\"]}, \"network\": {\"mode\": \"off\"}}",
	  0, { NULL }, "tier", 0 },
	{ "network on", "{\"name\": \"t\", \"network\": {\"mode\": \"on\"}}", 2,
	  { "tier 2: network.mode is on: unrestricted network" }, NULL, 1 },
	{ "network ports", "{\"name\": \"t\", \"network\": {\"mode\": \"ports\", \"connect_tcp\": [443, 8443],"
			   " \"bind_tcp\": [8080]}}",
	  1, { "tier 1: network.mode is ports: TCP connect to 443, 8443; TCP bind to 8080" }, NULL, 1 },
	{ "network ports, nothing listed", "{\"name\": \"t\", \"network\": {\"mode\": \"ports\"}}", 1,
	  { "TCP connect to none; TCP bind to none" }, NULL, 1 },
	{ "ptrace", "{\"name\": \"t\", \"process\": {\"ptrace\": true}}", 2,
	  { "tier 2: process.ptrace is true" }, NULL, 1 },
	{ "ptrace false", "{\"name\": \"t\", \"process\": {\"ptrace\": false}}", 0, { NULL }, "ptrace", 0 },
	{ "signals open", "{\"name\": \"t\", \"process\": {\"signals\": \"open\"}}", 1,
	  { "tier 1: process.signals is open" }, "abstract_unix", 1 },
	{ "abstract unix open", "{\"name\": \"t\", \"process\": {\"abstract_unix\": \"open\"}}", 1,
	  { "tier 1: process.abstract_unix is open" }, "signals", 1 },
	{ "exec = write", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$CWD\"], \"exec\": [\"$CWD\"]}}", 1,
	  { "tier 1: exec from a writable directory: filesystem.exec <profile t: $CWD> (/home/u/project) "
	    "overlaps filesystem.write <profile t: $CWD>" },
	  "outside", 1 },
	{ "exec inside write", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$CWD\"], \"exec\": [\"$CWD/bin\"]}}",
	  1, { "exec from a writable directory: filesystem.exec <profile t: $CWD/bin>" }, NULL, 1 },
	{ "create inside exec", "{\"name\": \"t\", \"filesystem\": {\"exec\": [\"$CWD/tools\"],"
				" \"create\": [\"$CWD/tools/cache\"]}}",
	  1, { "overlaps filesystem.create <profile t: $CWD/tools/cache>" }, NULL, 1 },
	{ "exec beside write", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$CWD/build\"],"
			       " \"exec\": [\"$CWD/bin\", \"/usr\"]}}",
	  0, { NULL }, "exec from", 0 },
	{ "exec near write, not a prefix", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$CWD/bin\"],"
					   " \"exec\": [\"$CWD/bin2\"]}}",
	  0, { NULL }, "exec from", 0 },
	{ "write outside the project", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$HOME/.npm\"]}}", 1,
	  { "tier 1: write access outside the project and temporary directories: filesystem.write "
	    "<profile t: $HOME/.npm> (/home/u/.npm)" },
	  NULL, 1 },
	{ "create outside the project", "{\"name\": \"t\", \"filesystem\": {\"create\": [\"/srv/data\"]}}", 1,
	  { "outside the project and temporary directories: filesystem.create <profile t: /srv/data>" }, NULL, 1 },
	{ "write beside $CWD", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/home/u/project2\"]}}", 1,
	  { "outside the project" }, NULL, 1 },
	{ "write in /dev/shm", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/dev/shm\"]}}", 1,
	  { "outside the project and temporary directories: filesystem.write <profile t: /dev/shm>" }, NULL, 1 },
	{ "write in /dev/mqueue", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/dev/mqueue/q\"]}}", 1,
	  { "outside the project" }, NULL, 1 },
	{ "write $HOME", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$HOME\"]}}", 2,
	  { "tier 2: write access to $HOME or an ancestor of it: filesystem.write <profile t: $HOME> (/home/u)" },
	  "outside", 1 },
	{ "create ~", "{\"name\": \"t\", \"filesystem\": {\"create\": [\"~/\"]}}", 2,
	  { "write access to $HOME or an ancestor of it: filesystem.create" }, NULL, 1 },
	{ "write an ancestor of $HOME", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/home\"]}}", 2,
	  { "write access to $HOME or an ancestor of it" }, NULL, 1 },
	{ "write /", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/\"]}}", 2,
	  { "tier 2: write access to '/': filesystem.write <profile t: />" }, NULL, 1 },
	{ "create in /usr", "{\"name\": \"t\", \"filesystem\": {\"create\": [\"/usr/local/lib\"]}}", 2,
	  { "tier 2: write access to a system directory (/usr): filesystem.create <profile t: /usr/local/lib>" },
	  NULL, 1 },
	{ "write /etc", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/etc\"]}}", 2,
	  { "write access to a system directory (/etc)" }, NULL, 1 },
	{ "write in /var", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/var/lib/x\"]}}", 2,
	  { "write access to a system directory (/var)" }, NULL, 1 },
	{ "write in /root", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/root/.cache\"]}}", 2,
	  { "write access to a system directory (/root)" }, NULL, 1 },
	{ "write /usrlocal is not /usr", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/usrlocal\"]}}", 1,
	  { "outside the project" }, "system directory", 1 },
	{ "reads never count", "{\"name\": \"t\", \"filesystem\": {\"read\": [\"/\", \"$HOME\", \"/etc\"],"
			       " \"deny\": [\"/\"]}}",
	  0, { NULL }, "tier", 0 },
	{ "highest finding wins", "{\"name\": \"t\", \"network\": {\"mode\": \"ports\", \"connect_tcp\": [443]},"
				  " \"process\": {\"ptrace\": true, \"signals\": \"open\"}}",
	  2, { "tier 1: network.mode is ports", "tier 2: process.ptrace is true", "tier 1: process.signals is open" },
	  NULL, 3 },
	{ "duplicates collapse", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$HOME/.npm\", \"$HOME/.npm\","
				 " \"~/.npm\"]}}",
	  1, { "<profile t: $HOME/.npm> (/home/u/.npm)", "<profile t: ~/.npm> (/home/u/.npm)" }, NULL, 2 },
};

static struct policy *load_with(const struct policy_ctx *ctx, const char *json)
{
	struct error err = { 0 };
	struct policy *p = NULL;
	int r;

	r = policy_load_buffer(json, strlen(json), "t", ctx, &p, &err);
	if (r < 0)
		fail_msg("cannot load test profile: %s\n%s", err.msg, json);
	return p;
}

static bool has_reason(const struct policy_risk *risk, const char *needle)
{
	for (size_t i = 0; risk->reasons && risk->reasons[i]; i++)
		if (strstr(risk->reasons[i], needle))
			return true;
	return false;
}

static size_t n_reasons(const struct policy_risk *risk)
{
	size_t n = 0;

	while (risk->reasons && risk->reasons[n])
		n++;
	return n;
}

static void dump(const char *what, const struct policy_risk *risk)
{
	print_message("case '%s': tier %d\n", what, risk->tier);
	for (size_t i = 0; risk->reasons && risk->reasons[i]; i++)
		print_message("  %s\n", risk->reasons[i]);
}

/* Every reason reads "tier N: ..." with N <= tier, and one of them has N == tier. */
static void assert_consistent(const char *what, const struct policy_risk *risk)
{
	bool top = risk->tier == 0;

	for (size_t i = 0; risk->reasons && risk->reasons[i]; i++) {
		int t = -1;

		if (sscanf(risk->reasons[i], "tier %d: ", &t) != 1 || t < 0 || t > risk->tier) {
			dump(what, risk);
			fail_msg("malformed reason '%s'", risk->reasons[i]);
		}
		if (t == risk->tier)
			top = true;
	}
	if (!top) {
		dump(what, risk);
		fail_msg("no reason explains tier %d", risk->tier);
	}
}

static void run_case(const struct policy_ctx *ctx, const struct risk_case *c)
{
	_cleanup_policy_ struct policy *p = load_with(ctx, c->json);
	struct policy_risk risk = { 0 };

	assert_int_equal(policy_risk(p, ctx, &risk), 0);
	if (risk.tier != c->tier) {
		dump(c->what, &risk);
		fail_msg("case '%s': tier %d, expected %d", c->what, risk.tier, c->tier);
	}
	for (size_t i = 0; i < MAX_PRESENT && c->present[i]; i++)
		if (!has_reason(&risk, c->present[i])) {
			dump(c->what, &risk);
			fail_msg("case '%s': no reason contains '%s'", c->what, c->present[i]);
		}
	if (c->absent && has_reason(&risk, c->absent)) {
		dump(c->what, &risk);
		fail_msg("case '%s': a reason contains '%s'", c->what, c->absent);
	}
	if (c->n_reasons >= 0 && n_reasons(&risk) != (size_t)c->n_reasons) {
		dump(c->what, &risk);
		fail_msg("case '%s': %zu reasons, expected %d", c->what, n_reasons(&risk), c->n_reasons);
	}
	assert_consistent(c->what, &risk);
	policy_risk_done(&risk);
	assert_null(risk.reasons);
	assert_int_equal(risk.tier, 0);
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		run_case(&user_ctx, &cases[i]);
}

/* Working directly in $HOME: writing the project is writing $HOME. */
static void test_cwd_is_home(void **state)
{
	static const struct policy_var vars[] = {
		{ "HOME", "/home/u" }, { "CWD", "/home/u" }, { "TMPDIR", "/tmp" }, { "PRIVATE_TMP", "/tmp/latch-1000" },
	};
	const struct policy_ctx ctx = { .vars = vars, .n_vars = ELEMENTSOF(vars) };
	const struct risk_case c = { "cwd is home", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$CWD\"]}}", 2,
				     { "write access to $HOME or an ancestor of it: filesystem.write <profile t: $CWD>" },
				     NULL, 1 };

	(void)state;
	run_case(&ctx, &c);
}

/* root's home is /root, a system directory: the home wins, so the project
 * and caches in it are judged like anyone's. */
static void test_root_home(void **state)
{
	static const struct policy_var vars[] = {
		{ "HOME", "/root" }, { "CWD", "/root/src/app" }, { "TMPDIR", "/tmp" }, { "PRIVATE_TMP", "/tmp/latch-0" },
	};
	const struct policy_ctx ctx = { .vars = vars, .n_vars = ELEMENTSOF(vars) };
	const struct risk_case c[] = {
		{ "root: project", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$CWD\", \"$PRIVATE_TMP\"]}}", 0,
		  { NULL }, "tier", 0 },
		{ "root: cache", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$HOME/.npm\"]}}", 1,
		  { "outside the project and temporary directories" }, "system directory", 1 },
		{ "root: home", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$HOME\"]}}", 2,
		  { "write access to $HOME" }, NULL, 1 },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(c); i++)
		run_case(&ctx, &c[i]);
}

/* A temporary directory inside a system directory is a temporary directory;
 * its neighbours are still system directories. */
static void test_tmpdir_in_var(void **state)
{
	static const struct policy_var vars[] = {
		{ "HOME", "/home/u" }, { "CWD", "/home/u/p" }, { "TMPDIR", "/var/tmp" }, { "PRIVATE_TMP", "/tmp/latch-1000" },
	};
	const struct policy_ctx ctx = { .vars = vars, .n_vars = ELEMENTSOF(vars) };
	const struct risk_case c[] = {
		{ "tmpdir in /var", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$TMPDIR\"]}}", 0, { NULL }, "tier", 0 },
		{ "beside tmpdir in /var", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/var/tmp2\"]}}", 2,
		  { "system directory (/var)" }, NULL, 1 },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(c); i++)
		run_case(&ctx, &c[i]);
}

/* Resolve "/home/..." to "/var/home/..." like Fedora Atomic's /home link. */
static int resolve_var_home(const char *path, char **ret, void *userdata)
{
	int *calls = userdata;

	(*calls)++;
	if (strncmp(path, "/home/", 6) == 0 || strcmp(path, "/home") == 0)
		return asprintf(ret, "/var%s", path) < 0 ? -ENOMEM : 0;
	*ret = strdup(path);
	return *ret ? 0 : -ENOMEM;
}

/* $HOME and $CWD are compared in resolved form, like the rules: with /home
 * a link into /var, the project is still tier 0 and a cache tier 1. */
static void test_resolved_places(void **state)
{
	int calls = 0;
	const struct policy_ctx ctx = { .vars = user_vars, .n_vars = ELEMENTSOF(user_vars),
					.resolve = resolve_var_home, .userdata = &calls };
	const struct risk_case c[] = {
		{ "resolved project", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$CWD\"]}}", 0, { NULL }, "tier", 0 },
		{ "resolved cache", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"$HOME/.npm\"]}}", 1,
		  { "(/var/home/u/.npm)" }, "system directory", 1 },
		{ "resolved home", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/home/u\"]}}", 2,
		  { "write access to $HOME or an ancestor of it" }, NULL, 1 },
		{ "resolved /var", "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/var/lib\"]}}", 2,
		  { "system directory (/var)" }, NULL, 1 },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(c); i++)
		run_case(&ctx, &c[i]);
	assert_true(calls > 0);
}

/* Without a context nothing is known about the places: no crash, and a
 * write is judged by the system directories alone. */
static void test_no_context(void **state)
{
	static const struct policy_var unset[] = { { "HOME", NULL }, { "CWD", NULL } };
	const struct policy_ctx ctx = { .vars = unset, .n_vars = ELEMENTSOF(unset) };
	const char *json = "{\"name\": \"t\", \"filesystem\": {\"write\": [\"/srv/x\", \"/usr/x\"]}}";
	struct policy_risk risk = { 0 };
	_cleanup_policy_ struct policy *p = load_with(NULL, json);

	(void)state;
	assert_int_equal(policy_risk(p, NULL, &risk), 0);
	assert_int_equal(risk.tier, 2);
	assert_true(has_reason(&risk, "tier 1: write access outside the project and temporary directories"));
	assert_true(has_reason(&risk, "tier 2: write access to a system directory (/usr)"));
	policy_risk_done(&risk);

	assert_int_equal(policy_risk(p, &ctx, &risk), 0);
	assert_int_equal(risk.tier, 2);
	assert_int_equal(n_reasons(&risk), 2);
	policy_risk_done(&risk);
	policy_risk_done(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_cwd_is_home),
		cmocka_unit_test(test_root_home),
		cmocka_unit_test(test_tmpdir_in_var),
		cmocka_unit_test(test_resolved_places),
		cmocka_unit_test(test_no_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
