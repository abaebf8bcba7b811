/* The built-in profiles and groups: they load, they are named and described,
 * Landlock can express them, and they decide the cases they exist for (each
 * with a denied and an allowed neighbour, so a broken profile cannot pass). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/strv.h"
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

/* The same, for root: $HOME is /root, itself a denied-by-default system place. */
static const struct policy_var root_vars[] = {
	{ "HOME", "/root" },
	{ "CWD", "/root/src/app" },
	{ "TMPDIR", "/tmp" },
	{ "PRIVATE_TMP", "/tmp/latch-0" },
	{ "XDG_CONFIG_HOME", "/root/.config" },
	{ "XDG_CACHE_HOME", "/root/.cache" },
	{ "LATCH_CACHE", "/root/.cache/latch" },
	{ "XDG_DATA_HOME", "/root/.local/share" },
	{ "XDG_STATE_HOME", "/root/.local/state" },
	{ "UID", "0" },
};

static const struct policy_ctx user_ctx = { .vars = user_vars, .n_vars = ELEMENTSOF(user_vars) };
static const struct policy_ctx root_ctx = { .vars = root_vars, .n_vars = ELEMENTSOF(root_vars) };
static const struct policy_ctx *const contexts[] = { &user_ctx, &root_ctx };

static const char *const profile_names[] = { "agent", "base", "claude-code", "codex", "minimal", "readonly" };

static struct policy *load(const char *name, const struct policy_ctx *ctx)
{
	struct error err = { 0 };
	struct policy *p = NULL;

	if (policy_load(name, ctx, &p, &err) < 0)
		fail_msg("cannot load built-in profile '%s': %s", name, err.msg);
	return p;
}

static struct policy *load_buffer(const char *json)
{
	struct error err = { 0 };
	struct policy *p = NULL;

	if (policy_load_buffer(json, strlen(json), "probe", &user_ctx, &p, &err) < 0)
		fail_msg("cannot load '%s': %s", json, err.msg);
	return p;
}

/* Decide an access and check the verdict; say why when it is wrong. */
static void expect_at(const struct policy *p, enum policy_access a, const char *path, bool allow, const char *file,
		      int line)
{
	struct policy_query q = { .access = a, .path = path };
	struct policy_decision d;

	policy_decide(p, &q, &d);
	if (d.allow != allow)
		fail_msg("%s:%d: profile %s: %s %s is %s, expected %s (%s)", file, line, p->name,
			 policy_access_name(a), path, d.allow ? "allowed" : "denied", allow ? "allowed" : "denied",
			 d.reason);
}
#define expect(p, a, path, allow) expect_at(p, a, path, allow, __FILE__, __LINE__)
#define ALLOW(p, a, path) expect(p, POLICY_ACCESS_##a, path, true)
#define DENY(p, a, path) expect(p, POLICY_ACCESS_##a, path, false)

/* The rule that decided, or NULL for the default. */
static const struct policy_rule *deciding_rule(const struct policy *p, enum policy_access a, const char *path)
{
	struct policy_query q = { .access = a, .path = path };
	struct policy_decision d;

	policy_decide(p, &q, &d);
	return d.rule;
}

static bool tcp_allowed(const struct policy *p, enum policy_access a, uint16_t port)
{
	struct policy_query q = { .access = a, .port = port };
	struct policy_decision d;

	policy_decide(p, &q, &d);
	return d.allow;
}

static void test_builtins_load(void **state)
{
	size_t n_profiles = 0, n_groups = 0;

	(void)state;
	for (size_t i = 0; i < policy_n_builtins; i++) {
		const struct policy_builtin *b = &policy_builtins[i];
		json_error_t je;
		json_t *root = json_loadb(b->data, b->len, JSON_REJECT_DUPLICATES, &je);
		const char *name, *desc;

		if (!root)
			fail_msg("%s %s: invalid JSON at line %d: %s", b->kind, b->name, je.line, je.text);
		name = json_string_value(json_object_get(root, "name"));
		desc = json_string_value(json_object_get(root, "description"));
		if (!name || strcmp(name, b->name) != 0)
			fail_msg("%s %s: \"name\" is '%s'", b->kind, b->name, name ? name : "(none)");
		if (!desc || strlen(desc) < 20)
			fail_msg("%s %s: no real description", b->kind, b->name);
		json_decref(root);

		if (strcmp(b->kind, "profile") == 0) {
			for (size_t c = 0; c < ELEMENTSOF(contexts); c++) {
				_cleanup_policy_ struct policy *p = load(b->name, contexts[c]);

				assert_string_equal(p->name, b->name);
				assert_non_null(p->description);
				assert_string_equal(p->source, "builtin");
			}
			n_profiles++;
		} else {
			char json[256];
			_cleanup_policy_ struct policy *p = NULL;

			assert_string_equal(b->kind, "group");
			(void)snprintf(json, sizeof(json), "{\"name\": \"probe\", \"groups\": [\"%s\"]}", b->name);
			p = load_buffer(json);
			assert_non_null(p->groups);
			assert_string_equal(p->groups[0], b->name);
			if (p->n_rules == 0 && p->net.n_hosts == 0)
				fail_msg("group %s has no rules", b->name);
			n_groups++;
		}
	}
	assert_int_equal(n_profiles, ELEMENTSOF(profile_names));
	for (size_t i = 0; i < ELEMENTSOF(profile_names); i++)
		assert_non_null(policy_builtin_find("profile", profile_names[i]));
	assert_true(n_groups >= 12);
}

/* Whether child lies strictly inside parent, component-wise. Written here on
 * purpose rather than taken from path-util: this test is the independent
 * statement of what Landlock can express. */
static bool strictly_inside(const char *child, const char *parent)
{
	size_t n = strlen(parent);

	if (strcmp(parent, "/") == 0)
		return strcmp(child, "/") != 0;
	return strncmp(child, parent, n) == 0 && child[n] == '/';
}

/* Deny rules that lie strictly inside a directory some allow rule grants:
 * Landlock only adds rights down a tree, so it cannot take one back. */
static size_t count_inexpressible(const struct policy *p, bool report)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *d = &p->rules[i];

		if (d->klass != POLICY_CLASS_DENY)
			continue;
		for (size_t j = 0; j < p->n_rules; j++) {
			const struct policy_rule *a = &p->rules[j];
			char dl[512], al[512];

			/* protect grants nothing: it is no allow to lie inside. */
			if (a->klass == POLICY_CLASS_DENY || a->klass == POLICY_CLASS_PROTECT || a->klass == POLICY_CLASS_LIST ||
			    !strictly_inside(d->path, a->path))
				continue;
			if (report)
				print_error("profile %s: deny %s (%s) lies inside %s %s (%s)\n", p->name,
					    policy_rule_label(d, dl, sizeof(dl)), d->path, policy_class_name(a->klass),
					    policy_rule_label(a, al, sizeof(al)), a->path);
			n++;
		}
	}
	return n;
}

static void test_inexpressible_checker(void **state)
{
	_cleanup_policy_ struct policy *bad = NULL, *good = NULL, *root = NULL;

	(void)state;
	bad = load_buffer("{\"name\": \"probe\", \"filesystem\": {\"read\": [\"$HOME\"], \"deny\": [\"$HOME/.ssh\"]}}");
	good = load_buffer("{\"name\": \"probe\", \"filesystem\": {\"write\": [\"$CWD\", \"$HOME/.sshx\"],"
			   " \"deny\": [\"$HOME/.ssh\", \"$CWD\"]}}");
	root = load_buffer("{\"name\": \"probe\", \"filesystem\": {\"exec\": [\"/\"], \"deny\": [\"/etc/shadow\"]}}");
	assert_int_equal(count_inexpressible(bad, false), 1);
	assert_int_equal(count_inexpressible(good, false), 0);
	assert_int_equal(count_inexpressible(root, false), 1);
}

static void test_builtins_expressible(void **state)
{
	(void)state;
	for (size_t c = 0; c < ELEMENTSOF(contexts); c++)
		for (size_t i = 0; i < ELEMENTSOF(profile_names); i++) {
			_cleanup_policy_ struct policy *p = load(profile_names[i], contexts[c]);

			if (count_inexpressible(p, true) != 0)
				fail_msg("profile %s has deny rules Landlock cannot enforce", p->name);
		}
}

/* Root inside Landlock ignores file modes: /etc must be granted entry by
 * entry, and its secrets stay denied under every profile. */
static void test_system_secrets(void **state)
{
	static const char *const secrets[] = {
		"/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d/90-cloud",
		"/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key", "/etc/ssl/private/ssl-cert-snakeoil.key",
		"/etc/NetworkManager/system-connections/home.nmconnection",
	};
	static const char *const needed[] = {
		"/etc/passwd", "/etc/group", "/etc/ld.so.cache", "/etc/nsswitch.conf", "/etc/resolv.conf",
		"/etc/ssl/certs/ca-certificates.crt", "/etc/localtime", "/usr/lib/x86_64-linux-gnu/libc.so.6",
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(profile_names); i++) {
		_cleanup_policy_ struct policy *p = load(profile_names[i], &user_ctx);
		bool has_deny_group = strcmp(p->name, "minimal") != 0;

		for (size_t k = 0; k < p->n_rules; k++)
			/* (list / and list /etc name their entries, nothing below.) */
			if (!policy_class_restricts(p->rules[k].klass) && p->rules[k].klass != POLICY_CLASS_LIST &&
			    (strcmp(p->rules[k].path, "/") == 0 || strcmp(p->rules[k].path, "/etc") == 0))
				fail_msg("profile %s grants all of %s", p->name, p->rules[k].path);
		for (size_t k = 0; k < ELEMENTSOF(secrets); k++) {
			const struct policy_rule *r;

			DENY(p, READ, secrets[k]);
			r = deciding_rule(p, POLICY_ACCESS_READ, secrets[k]);
			/* base and its children say why; minimal denies by default. */
			if (has_deny_group && strncmp(secrets[k], "/etc/", 5) == 0 &&
			    (!r || strcmp(r->origin, "group deny_system_secrets") != 0))
				fail_msg("profile %s: %s is not denied by deny_system_secrets", p->name, secrets[k]);
		}
		for (size_t k = 0; k < ELEMENTSOF(needed); k++)
			ALLOW(p, READ, needed[k]);
	}
}

static bool has_rule(const struct policy *p, enum policy_class c, const char *path)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].klass == c && strcmp(p->rules[i].path, path) == 0)
			return true;
	return false;
}

static void test_agent(void **state)
{
	_cleanup_policy_ struct policy *p = load("agent", &user_ctx);
	const struct policy_rule *r;

	(void)state;
	DENY(p, READ, "/home/u/.ssh/id_rsa");
	r = deciding_rule(p, POLICY_ACCESS_READ, "/home/u/.ssh/id_rsa");
	assert_non_null(r);
	assert_string_equal(r->origin, "group deny_credentials");
	DENY(p, READ, "/home/u/.aws/credentials");
	DENY(p, READ, "/home/u/.config/gh/hosts.yml");
	DENY(p, READ, "/home/u/.bash_history");
	DENY(p, READ, "/home/u/.mozilla/firefox/x.default/cookies.sqlite");
	DENY(p, READ, "/home/u/.local/share/keyrings/login.keyring");
	DENY(p, READ, "/home/u/notes.txt");

	ALLOW(p, READ, "/home/u/project/src/main.c");
	ALLOW(p, WRITE, "/home/u/project/src/main.c");
	ALLOW(p, CREATE, "/home/u/project/src/new.c");
	ALLOW(p, DELETE, "/home/u/project/src/old.c");
	ALLOW(p, TRUNCATE, "/home/u/project/src/main.c");
	ALLOW(p, EXEC, "/home/u/project/target/debug/app");
	DENY(p, WRITE, "/home/u/project2/x");

	ALLOW(p, CREATE, "/tmp/latch-1000/build.o");
	ALLOW(p, EXEC, "/tmp/latch-1000/go-build1/b001/x.test");
	/* /tmp is the sandbox's own in the isolated mode (private: an empty
	 * tmpfs there), scratch in the static one (the supervisor treats a
	 * new entry right there as the program's own, nothing else of /tmp) */
	ALLOW(p, CREATE, "/tmp/shared.o");
	ALLOW(p, WRITE, "/tmp/shared.o");
	/* list_ancestors $CWD: each directory above the project may be
	 * listed (zsh finds its working directory so), nothing in them read */
	ALLOW(p, READ, "/home/u");
	ALLOW(p, READ, "/home");
	ALLOW(p, READ, "/");
	DENY(p, READ, "/home/u/notes.txt");
	DENY(p, READ, "/home/other");
	assert_true(has_rule(p, POLICY_CLASS_PRIVATE, "/tmp") && has_rule(p, POLICY_CLASS_SCRATCH, "/tmp"));
	/* /var/tmp is scratch in both */
	ALLOW(p, CREATE, "/var/tmp/shared.o");
	DENY(p, WRITE, "/var/tmp/shared.o");
	DENY(p, READ, "/var/tmp/krb5cc_1000");
	DENY(p, CREATE, "/var/tmp/someone-elses-dir/x");

	DENY(p, READ, "/home/u/.bashrc");
	DENY(p, WRITE, "/home/u/.bashrc");
	DENY(p, WRITE, "/home/u/.profile");
	DENY(p, WRITE, "/usr/bin/python3");
	ALLOW(p, EXEC, "/usr/bin/python3");
	ALLOW(p, EXEC, "/bin/sh");
	ALLOW(p, READ, "/dev/urandom");
	ALLOW(p, WRITE, "/dev/null");

	/* git: the configuration yes, the credential store no */
	ALLOW(p, READ, "/home/u/.gitconfig");
	ALLOW(p, READ, "/home/u/.config/git/config");
	DENY(p, READ, "/home/u/.config/git/credentials");
	DENY(p, READ, "/home/u/.git-credentials");

	/* runtimes: caches of latch's own yes, the user's caches (which the
	 * user's own tools trust later) and the tools' credentials no */
	ALLOW(p, WRITE, "/home/u/.cache/latch/cargo/registry/cache/index.crates.io/serde.crate");
	DENY(p, WRITE, "/home/u/.cargo/registry/cache/index.crates.io/serde.crate");
	ALLOW(p, EXEC, "/home/u/.cargo/bin/cargo");
	DENY(p, WRITE, "/home/u/.cargo/bin/cargo");
	DENY(p, READ, "/home/u/.cargo/credentials.toml");
	ALLOW(p, WRITE, "/home/u/.cache/latch/npm/_cacache/index-v5/x");
	DENY(p, WRITE, "/home/u/.npm/_cacache/index-v5/x");
	ALLOW(p, EXEC, "/home/u/.cache/latch/npm/_npx/x/node_modules/.bin/tool");
	DENY(p, EXEC, "/home/u/.npm/_npx/x/node_modules/.bin/tool");
	DENY(p, READ, "/home/u/.npmrc");
	ALLOW(p, EXEC, "/home/u/.nvm/versions/node/v22.0.0/bin/node");
	DENY(p, WRITE, "/home/u/.nvm/versions/node/v22.0.0/bin/node");
	ALLOW(p, WRITE, "/home/u/.cache/latch/pip/http/x");
	DENY(p, WRITE, "/home/u/.cache/pip/http/x");
	ALLOW(p, WRITE, "/home/u/.cache/latch/go-mod/cache/x");
	DENY(p, WRITE, "/home/u/go/pkg/mod/cache/x");
	DENY(p, WRITE, "/home/u/.local/lib/python3.11/site-packages/x.py");
	DENY(p, READ, "/home/u/.pypirc");
	/* All of /proc is readable (system_info): another process's guarded
	 * entries are refused by Landlock's ptrace rule, /proc/kcore by the
	 * capabilities the sandbox drops; neither is the profile's to say. */
	ALLOW(p, READ, "/proc/cpuinfo");
	ALLOW(p, READ, "/proc/self/environ");
	ALLOW(p, READ, "/proc/1/stat");
	DENY(p, WRITE, "/proc/sys/kernel/hostname");
	ALLOW(p, READ, "/sys/fs/cgroup/memory.max");
	DENY(p, WRITE, "/sys/fs/cgroup/memory.max");

	assert_false(tcp_allowed(p, POLICY_ACCESS_TCP_CONNECT, 443));
	assert_non_null(p->env.set);
	assert_true(strv_contains(p->env.set, "TMPDIR=/tmp/latch-1000"));
	/* Package managers point at caches of latch's own (groups' env.set). */
	assert_true(strv_contains(p->env.set, "npm_config_cache=/home/u/.cache/latch/npm"));
	assert_true(strv_contains(p->env.set, "PIP_CACHE_DIR=/home/u/.cache/latch/pip"));
	assert_true(strv_contains(p->env.set, "PYTHONUSERBASE=/home/u/.cache/latch/python-user"));
	assert_true(strv_contains(p->env.set, "CARGO_HOME=/home/u/.cache/latch/cargo"));
	assert_true(strv_contains(p->env.set, "GOMODCACHE=/home/u/.cache/latch/go-mod"));
	assert_true(strv_contains(p->env.set, "GOCACHE=/home/u/.cache/latch/go-build"));
	assert_true(p->uses_private_tmp);
}

static void test_minimal_writes_nowhere(void **state)
{
	static const char *const paths[] = {
		"/", "/tmp/x", "/tmp/latch-1000/x", "/home/u", "/home/u/project/x", "/home/u/.bashrc", "/usr/bin/x",
		"/etc/passwd", "/dev/null", "/dev/shm/x", "/dev/pts/0", "/var/tmp/x", "/proc/self/mem", "/root/x",
	};
	static const enum policy_access writes[] = {
		POLICY_ACCESS_WRITE, POLICY_ACCESS_CREATE, POLICY_ACCESS_DELETE, POLICY_ACCESS_TRUNCATE,
	};
	_cleanup_policy_ struct policy *p = load("minimal", &user_ctx);

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(paths); i++)
		for (size_t a = 0; a < ELEMENTSOF(writes); a++)
			expect(p, writes[a], paths[i], false);
	/* Only rules that grant reading or running, and the quiet denials of
	 * the C library's sockets. */
	for (size_t i = 0; i < p->n_rules; i++)
		assert_true(p->rules[i].klass == POLICY_CLASS_READ || p->rules[i].klass == POLICY_CLASS_EXEC ||
			    p->rules[i].klass == POLICY_CLASS_LIST ||
			    (p->rules[i].klass == POLICY_CLASS_DENY && p->rules[i].quiet));
	DENY(p, UNIX_CONNECT, "/run/nscd/socket");
	/* ...yet `sh -c 'echo hi'` and `true` can run */
	ALLOW(p, EXEC, "/bin/sh");
	ALLOW(p, EXEC, "/usr/bin/true");
	ALLOW(p, EXEC, "/lib64/ld-linux-x86-64.so.2");
	ALLOW(p, READ, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	ALLOW(p, READ, "/etc/ld.so.cache");
	DENY(p, READ, "/home/u/project/x");
	DENY(p, EXEC, "/home/u/project/x");
	assert_false(tcp_allowed(p, POLICY_ACCESS_TCP_CONNECT, 443));
	assert_false(tcp_allowed(p, POLICY_ACCESS_TCP_BIND, 8080));
	assert_true(p->process.scope_signals);
	assert_true(p->process.scope_abstract_unix);
	assert_false(p->process.ptrace);
}

static void test_readonly(void **state)
{
	_cleanup_policy_ struct policy *p = load("readonly", &user_ctx);

	(void)state;
	ALLOW(p, READ, "/home/u/project/README.md");
	DENY(p, WRITE, "/home/u/project/README.md");
	DENY(p, CREATE, "/home/u/project/new");
	DENY(p, DELETE, "/home/u/project/README.md");
	DENY(p, EXEC, "/home/u/project/build/app");
	DENY(p, CREATE, "/tmp/latch-1000/x");
	DENY(p, READ, "/home/u/.ssh/id_ed25519");
	ALLOW(p, WRITE, "/dev/null");
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].klass == POLICY_CLASS_WRITE || p->rules[i].klass == POLICY_CLASS_CREATE)
			assert_true(strncmp(p->rules[i].path, "/dev/", 5) == 0);
}

static void test_devices(void **state)
{
	_cleanup_policy_ struct policy *p = load("base", &user_ctx);

	(void)state;
	ALLOW(p, WRITE, "/dev/null");
	ALLOW(p, TRUNCATE, "/dev/null"); /* the shell opens `> /dev/null` with O_TRUNC */
	ALLOW(p, READ, "/dev/zero");
	ALLOW(p, WRITE, "/dev/tty");
	ALLOW(p, WRITE, "/dev/pts/3");
	ALLOW(p, READ, "/dev/urandom");
	DENY(p, WRITE, "/dev/urandom");
	DENY(p, READ, "/dev/sda");
	DENY(p, READ, "/dev/mem");
	DENY(p, CREATE, "/dev/shm/sem.x");
	DENY(p, CREATE, "/dev/evil");
	DENY(p, EXEC, "/dev/null");
}

/* net_connect HOST:PORT is allowed, or denied. */
#define HOST_ALLOW(p, h, port) host_check((p), (h), (port), true)
#define HOST_DENY(p, h, port) host_check((p), (h), (port), false)

static void host_check(const struct policy *p, const char *host, uint16_t port, bool want)
{
	struct policy_decision d;

	policy_decide(p, &(struct policy_query){ .access = POLICY_ACCESS_NET_CONNECT, .host = host, .port = port }, &d);
	if (d.allow != want)
		fail_msg("%s: connect %s:%u: %s", p->name, host, port, d.reason);
}

static void test_agent_state(void **state)
{
	_cleanup_policy_ struct policy *claude = load("claude-code", &user_ctx);
	_cleanup_policy_ struct policy *codex = load("codex", &user_ctx);

	(void)state;
	/* Its own state, but not the settings that run hooks outside later
	 * (protect_run_later), which stay readable. */
	DENY(claude, WRITE, "/home/u/.claude/settings.json");
	DENY(claude, CREATE, "/home/u/.claude/settings.json");
	DENY(claude, CREATE, "/home/u/.claude/hooks/x.sh");
	DENY(claude, DELETE, "/home/u/.claude/commands");
	ALLOW(claude, READ, "/home/u/.claude/settings.json");
	ALLOW(claude, CREATE, "/home/u/.claude/projects/x/session.jsonl");
	/* Its global configuration lives in ~/.claude (CLAUDE_CONFIG_DIR):
	 * ~/.claude.json names MCP servers an outside run starts without
	 * asking, and stays unwritable. */
	ALLOW(claude, CREATE, "/home/u/.claude/.claude.json.tmp.1.2");
	ALLOW(claude, CREATE, "/home/u/.claude/.claude.json.lock");
	DENY(claude, WRITE, "/home/u/.claude.json");
	DENY(claude, TRUNCATE, "/home/u/.claude.json");
	ALLOW(claude, EXEC, "/home/u/.local/share/claude/versions/2.0.0");
	DENY(claude, WRITE, "/home/u/.local/share/claude/versions/2.0.0");
	DENY(claude, READ, "/home/u/.codex/auth.json");
	DENY(claude, CREATE, "/home/u/.claude.json.tmp.1.2");
	ALLOW(claude, WRITE, "/home/u/project/x");

	ALLOW(codex, WRITE, "/home/u/.codex/auth.json");
	ALLOW(codex, CREATE, "/home/u/.codex/sessions/x.jsonl");
	DENY(codex, WRITE, "/home/u/.codex/config.toml");
	/* the app-server the Codex TUI executes, outside too */
	DENY(codex, CREATE, "/home/u/.codex/packages/app-server-daemon/current");
	DENY(codex, WRITE, "/home/u/.codex/packages/app-server-daemon/releases/1/bin/codex");
	ALLOW(codex, READ, "/home/u/.codex/config.toml");
	DENY(codex, READ, "/home/u/.claude/.credentials.json");
	DENY(codex, READ, "/home/u/.claude.json");
	ALLOW(codex, WRITE, "/home/u/project/x");

	/* The network: through the proxy, to the model's API and the
	 * registries; no TCP around it, no telemetry, no other host. */
	HOST_ALLOW(claude, "api.anthropic.com", 443);
	HOST_DENY(claude, "api.anthropic.com", 80);
	HOST_DENY(claude, "statsig.anthropic.com", 443);
	HOST_DENY(claude, "sentry.io", 443);
	HOST_DENY(claude, "api.openai.com", 443);
	HOST_ALLOW(codex, "api.openai.com", 443);
	HOST_ALLOW(codex, "chatgpt.com", 443);
	HOST_DENY(codex, "api.anthropic.com", 443);
	for (int i = 0; i < 2; i++) {
		const struct policy *p = i ? codex : claude;

		assert_int_equal(p->net.mode, POLICY_NET_PROXY);
		assert_false(tcp_allowed(p, POLICY_ACCESS_TCP_CONNECT, 443));
		assert_false(tcp_allowed(p, POLICY_ACCESS_TCP_BIND, 443));
		HOST_ALLOW(p, "registry.npmjs.org", 443);
		HOST_ALLOW(p, "pypi.org", 443);
		HOST_ALLOW(p, "files.pythonhosted.org", 443);
		HOST_ALLOW(p, "index.crates.io", 443);
		HOST_ALLOW(p, "static.crates.io", 443);
		HOST_ALLOW(p, "proxy.golang.org", 443);
		HOST_ALLOW(p, "sum.golang.org", 443);
		HOST_ALLOW(p, "github.com", 443);
		HOST_ALLOW(p, "codeload.github.com", 443);
		HOST_ALLOW(p, "objects.githubusercontent.com", 443);
		HOST_DENY(p, "pypi.org", 80);
		HOST_DENY(p, "evil-github.com", 443);
		HOST_DENY(p, "gist.github.com", 443);
		HOST_DENY(p, "example.org", 443);
		/* Every entry of the built-in groups names one host, exactly,
		 * and HTTPS: no wildcard, no plain HTTP. */
		for (size_t k = 0; k < p->net.n_hosts; k++) {
			assert_false(p->net.hosts[k].host.wildcard);
			assert_int_equal(p->net.hosts[k].port, 443);
		}
		DENY(p, READ, "/home/u/.ssh/id_rsa");
	}
}

static bool glob_listed(char *const *globs, const char *name)
{
	for (size_t i = 0; globs && globs[i]; i++)
		if (fnmatch(globs[i], name, 0) == 0)
			return true;
	return false;
}

/* What env.h documents: keep (an allow-list when set), then drop wins. */
static bool env_passes(const struct policy *p, const char *name)
{
	if (p->env.keep && !glob_listed(p->env.keep, name))
		return false;
	return !glob_listed(p->env.drop, name);
}

static void test_env(void **state)
{
	static const char *const secrets[] = {
		"GITHUB_TOKEN", "GH_TOKEN", "NPM_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "SSH_AUTH_SOCK",
		"DATABASE_URL", "PGPASSWORD", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_AUTH_TOKEN", "STRIPE_SECRET_KEY",
		"GOOGLE_APPLICATION_CREDENTIALS", "HF_TOKEN", "DBUS_SESSION_BUS_ADDRESS",
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(profile_names); i++) {
		_cleanup_policy_ struct policy *p = load(profile_names[i], &user_ctx);
		bool is_claude = strcmp(p->name, "claude-code") == 0, is_codex = strcmp(p->name, "codex") == 0;

		assert_non_null(p->env.keep);
		assert_true(env_passes(p, "PATH"));
		assert_true(env_passes(p, "HOME"));
		assert_true(env_passes(p, "LC_ALL"));
		assert_false(env_passes(p, "LD_PRELOAD"));
		for (size_t k = 0; k < ELEMENTSOF(secrets); k++)
			if (env_passes(p, secrets[k]))
				fail_msg("profile %s passes %s", p->name, secrets[k]);
		/* each agent CLI gets its own key, and only its own */
		assert_int_equal(env_passes(p, "ANTHROPIC_API_KEY"), is_claude);
		assert_int_equal(env_passes(p, "CLAUDE_CONFIG_DIR"), is_claude);
		assert_int_equal(env_passes(p, "OPENAI_API_KEY"), is_codex);
		assert_int_equal(env_passes(p, "CODEX_HOME"), is_codex);
		assert_false(env_passes(p, "GEMINI_API_KEY"));
		/* from base on, drop wins even over a kept glob */
		if (strcmp(p->name, "minimal") != 0)
			assert_false(env_passes(p, "LC_SECRET_TOKEN"));
		else
			assert_true(env_passes(p, "LC_SECRET_TOKEN"));
	}
}

static void test_tiers(void **state)
{
	static const struct {
		const char *name;
		int tier;
		const char *reason; /* a reason that must be there, or NULL */
	} expected[] = {
		{ "minimal", 0, NULL },
		{ "base", 0, NULL },
		{ "readonly", 0, NULL },
		{ "agent", 1, "tier 1: exec from a writable directory: filesystem.exec <profile agent: $CWD>" },
		{ "claude-code", 1, "tier 1: network.mode is proxy: out only through latch's proxy, to 15 listed hosts" },
		{ "codex", 1, "tier 1: network.mode is proxy: out only through latch's proxy, to 16 listed hosts" },
	};

	(void)state;
	for (size_t c = 0; c < ELEMENTSOF(contexts); c++)
		for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
			_cleanup_policy_ struct policy *p = load(expected[i].name, contexts[c]);
			struct policy_risk risk = { 0 };
			bool found = !expected[i].reason;

			assert_int_equal(policy_risk(p, contexts[c], &risk), 0);
			for (size_t k = 0; risk.reasons && risk.reasons[k]; k++) {
				if (expected[i].reason && strstr(risk.reasons[k], expected[i].reason))
					found = true;
				if (strncmp(risk.reasons[k], "tier 2", 6) == 0)
					fail_msg("profile %s: %s", p->name, risk.reasons[k]);
			}
			if (risk.tier != expected[i].tier || !found) {
				for (size_t k = 0; risk.reasons && risk.reasons[k]; k++)
					print_error("  %s\n", risk.reasons[k]);
				fail_msg("profile %s: tier %d, expected %d with '%s'", p->name, risk.tier,
					 expected[i].tier, expected[i].reason ? expected[i].reason : "");
			}
			if (expected[i].tier == 0)
				assert_null(risk.reasons);
			policy_risk_done(&risk);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins_load),
		cmocka_unit_test(test_inexpressible_checker),
		cmocka_unit_test(test_builtins_expressible),
		cmocka_unit_test(test_system_secrets),
		cmocka_unit_test(test_agent),
		cmocka_unit_test(test_minimal_writes_nowhere),
		cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_agent_state),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_tiers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
