/* Tests for policy_decide(): the one decision engine.
 *
 * Policies are loaded from inline JSON (plus a temporary user directory for
 * groups and `extends`) with a fixed set of variables and lexical resolution,
 * and one fixture with a fake resolver that maps symlinked prefixes. Every
 * row states the verdict AND the rule that decides (pattern + origin) or
 * "default"; every check also verifies the layer and the reason text.
 *
 * Precedence under test (policy.h): among the rules that match a path and
 * speak about the access asked for (allow rules that grant it, and every deny
 * rule), the most specific path wins; at equal specificity deny wins; no
 * rule: deny.
 *
 * Creating and deleting an entry are rights on the directory that holds it
 * (as in Landlock): an allow rule on D covers creating and deleting entries
 * beneath D, not D itself, so create/delete of X is decided on X's parent.
 * A deny rule still protects its own path: what is denied cannot be removed,
 * renamed away, or created (renamed over) -- test_deny_protects_its_own_path. */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/path-util.h"
#include "policy/policy.h"

#define RD POLICY_ACCESS_READ
#define WR POLICY_ACCESS_WRITE
#define CR POLICY_ACCESS_CREATE
#define DL POLICY_ACCESS_DELETE
#define TR POLICY_ACCESS_TRUNCATE
#define EX POLICY_ACCESS_EXEC
#define UC POLICY_ACCESS_UNIX_CONNECT
#define CONNECT POLICY_ACCESS_TCP_CONNECT
#define BIND POLICY_ACCESS_TCP_BIND
#define SIGNAL POLICY_ACCESS_SIGNAL
#define ABSTRACT POLICY_ACCESS_ABSTRACT_UNIX
#define PTRACE POLICY_ACCESS_PTRACE
#define ALLOW true
#define DENY false
#define DEFAULT NULL /* no rule decides: default deny */

static const struct policy_var vars[] = {
	{ "HOME", "/home/u" },
	{ "CWD", "/home/u/proj" },
	{ "TMPDIR", "/tmp" },
	{ "PRIVATE_TMP", "/tmp/latch-1000" },
	{ "XDG_CONFIG_HOME", "/home/u/.config" },
	{ "XDG_CACHE_HOME", "/home/u/.cache" },
	{ "LATCH_CACHE", "/home/u/.cache/latch" },
	{ "XDG_DATA_HOME", "/home/u/.local/share" },
	{ "XDG_STATE_HOME", "/home/u/.local/state" },
	{ "UID", "1000" },
};

/* ---- fixtures ------------------------------------------------------------ */

/* Groups and a base profile, written to a temporary user directory. */
static const struct {
	const char *rel;
	const char *json;
} user_files[] = {
	{ "groups/zzg-creds.json",
	  "{\"name\":\"zzg-creds\",\"filesystem\":{\"deny\":[\"$HOME/.ssh\",\"$HOME/.aws\",\"$HOME/.gnupg\"]}}" },
	{ "groups/zzg-sys.json",
	  "{\"name\":\"zzg-sys\",\"filesystem\":{\"read\":[\"/usr\",\"/etc\"],\"exec\":[\"/usr/bin\"]}}" },
	{ "groups/zzg-tools.json",
	  "{\"name\":\"zzg-tools\",\"filesystem\":{\"exec\":[\"$HOME/.local/bin\"],\"read\":[\"$HOME/.ssh/config\"]}}" },
	{ "profiles/zzbase.json",
	  "{\"name\":\"zzbase\",\"groups\":[\"zzg-sys\",\"zzg-creds\"],"
	  "\"filesystem\":{\"write\":[\"$TMPDIR\"],\"read\":[\"$HOME/.aws/config\"]},"
	  "\"network\":{\"mode\":\"on\"},\"process\":{\"signals\":\"open\"}}" },
};

struct fixture {
	const char *name; /* also the profile's "name", so origin is "profile <name>" */
	const char *json;
	bool resolver;    /* use fake_resolve() instead of lexical normalization */
};

static const struct fixture fixtures[] = {
	{ "empty", "{\"name\":\"empty\"}", false },
	{ "agent",
	  "{\"name\":\"agent\",\"filesystem\":{"
	  "\"read\":[\"/usr\",\"/etc\",\"$HOME/.gitconfig\",\"$HOME/.ssh/known_hosts\",\"$XDG_CONFIG_HOME/git\"],"
	  "\"exec\":[\"/usr/bin\",\"/bin\",\"$HOME/.local/bin\"],"
	  "\"create\":[\"$XDG_CACHE_HOME\",\"$XDG_STATE_HOME\"],"
	  "\"write\":[\"$CWD\",\"$TMPDIR\",\"$PRIVATE_TMP\",\"$XDG_DATA_HOME/app\"],"
	  "\"deny\":[\"$HOME/.ssh\",\"/etc/shadow\",\"$CWD/.git/hooks\",\"$XDG_CONFIG_HOME\"]}}",
	  false },
	{ "prec",
	  "{\"name\":\"prec\",\"filesystem\":{"
	  "\"deny\":[\"/p/same\",\"/p/a/b\",\"/q/w/d\"],"
	  "\"read\":[\"/p/same\",\"/p/a/b/c\",\"/q\"],"
	  "\"exec\":[\"/q/w/d/e\"],"
	  "\"write\":[\"/p/a\",\"/q/w\",\"/p/same2\"],"
	  "\"create\":[\"/p/same2\"]}}",
	  false },
	{ "peraccess",
	  "{\"name\":\"peraccess\",\"filesystem\":{\"write\":[\"$CWD\"],\"read\":[\"$CWD/docs\"],"
	  "\"exec\":[\"$CWD/bin\"],\"create\":[\"$CWD/out\"]}}",
	  false },
	{ "rootread",
	  "{\"name\":\"rootread\",\"filesystem\":{\"read\":[\"/\"],\"deny\":[\"/root\",\"$HOME/.ssh\"],"
	  "\"write\":[\"$CWD\"]}}",
	  false },
	{ "rootdeny",
	  "{\"name\":\"rootdeny\",\"filesystem\":{\"deny\":[\"/\"],\"read\":[\"/usr\"],\"exec\":[\"/usr/bin\"],"
	  "\"write\":[\"$CWD\"]}}",
	  false },
	{ "rootwrite", "{\"name\":\"rootwrite\",\"filesystem\":{\"write\":[\"/\"],\"deny\":[\"$HOME/.ssh\"]}}", false },
	{ "dotdotroot", "{\"name\":\"dotdotroot\",\"filesystem\":{\"read\":[\"/..\"]}}", false },
	{ "shellcfg",
	  "{\"name\":\"shellcfg\",\"filesystem\":{\"write\":[\"$HOME\"],"
	  "\"deny\":[\"$HOME/.bashrc\",\"$HOME/.ssh\",\"$HOME/.config/autostart\"]}}",
	  false },
	{ "norm",
	  "{\"name\":\"norm\",\"filesystem\":{\"write\":[\"$CWD/../proj/\"],"
	  "\"read\":[\"//srv//data/\",\"/opt/./a/.\",\"/var/x/../y\",\"$HOME/./My Documents/\","
	  "\"$HOME/a/b/../../c\",\"${HOME}/.config/../.vimrc\"],"
	  "\"deny\":[\"$CWD/./secret/../secret2/\"]}}",
	  false },
	/* Class matrix: each class alone, and each class under an outer rule. */
	{ "classes",
	  "{\"name\":\"classes\",\"filesystem\":{\"deny\":[\"/c/deny\"],\"read\":[\"/c/read\"],"
	  "\"exec\":[\"/c/exec\"],\"create\":[\"/c/create\"],\"write\":[\"/c/write\"]}}",
	  false },
	{ "underwrite",
	  "{\"name\":\"underwrite\",\"filesystem\":{\"write\":[\"/w\",\"/w/write\"],\"deny\":[\"/w/deny\"],"
	  "\"read\":[\"/w/read\"],\"exec\":[\"/w/exec\"],\"create\":[\"/w/create\"]}}",
	  false },
	{ "underdeny",
	  "{\"name\":\"underdeny\",\"filesystem\":{\"deny\":[\"/d\",\"/d/deny\"],\"read\":[\"/d/read\"],"
	  "\"exec\":[\"/d/exec\"],\"create\":[\"/d/create\"],\"write\":[\"/d/write\"]}}",
	  false },
	{ "underread",
	  "{\"name\":\"underread\",\"filesystem\":{\"read\":[\"/r\",\"/r/read\"],\"deny\":[\"/r/deny\"],"
	  "\"exec\":[\"/r/exec\"],\"create\":[\"/r/create\"],\"write\":[\"/r/write\"]}}",
	  false },
	{ "underexec",
	  "{\"name\":\"underexec\",\"filesystem\":{\"exec\":[\"/x\",\"/x/exec\"],\"deny\":[\"/x/deny\"],"
	  "\"read\":[\"/x/read\"],\"create\":[\"/x/create\"],\"write\":[\"/x/write\"]}}",
	  false },
	{ "undercreate",
	  "{\"name\":\"undercreate\",\"filesystem\":{\"create\":[\"/k\",\"/k/create\"],\"deny\":[\"/k/deny\"],"
	  "\"read\":[\"/k/read\"],\"exec\":[\"/k/exec\"],\"write\":[\"/k/write\"]}}",
	  false },
	/* protect: writing accesses taken away, reading left to the enclosing
	 * rules, ancestors kept in place; an allow at the very path wins. */
	{ "protect",
	  "{\"name\":\"protect\",\"filesystem\":{\"write\":[\"/p\",\"/p/own\"],\"read\":[\"/r\"],"
	  "\"protect\":[\"/p/.git/hooks\",\"/p/.git/config\",\"/p/own\",\"/r/x\"],\"list\":[\"/l\",\"/r/x\"],"
	  "\"private\":[\"/shm\"],\"scratch\":[\"/s\"]}}",
	  false },
	/* Sockets: reached where the program may write, or where named;
	 * a deny cuts through both. */
	{ "unixsock",
	  "{\"name\":\"unixsock\",\"filesystem\":{\"write\":[\"$CWD\"],\"read\":[\"/run\"],"
	  "\"unix_connect\":[\"/run/user/1000/bus\",\"/srv/sockets\",\"$HOME/.ssh/agent.sock\"],"
	  "\"deny\":[\"$HOME/.ssh\",\"/srv/sockets/root\"]}}",
	  false },
	/* Groups and extends: zzbase (user dir) brings zzg-sys and zzg-creds. */
	{ "child",
	  "{\"name\":\"child\",\"extends\":\"zzbase\",\"groups\":[\"zzg-tools\",\"zzg-creds\"],"
	  "\"filesystem\":{\"write\":[\"$CWD\"],\"deny\":[\"/etc/shadow\",\"/usr/bin\"]}}",
	  false },
	/* Symlinked prefixes resolved at load time. */
	{ "symlinks",
	  "{\"name\":\"symlinks\",\"filesystem\":{\"read\":[\"$HOME/link/x\"],\"write\":[\"$HOME/link/w\"],"
	  "\"exec\":[\"$HOME/far/../up\"],\"deny\":[\"$HOME/link/x/secret\"]}}",
	  true },
	/* Network and process. */
	{ "netoff", "{\"name\":\"netoff\",\"network\":{\"mode\":\"off\"}}", false },
	{ "neton", "{\"name\":\"neton\",\"network\":{\"mode\":\"on\"},\"filesystem\":{\"read\":[\"/usr\"]}}", false },
	{ "netports",
	  "{\"name\":\"netports\",\"network\":{\"mode\":\"ports\",\"connect_tcp\":[443,80,1,65535],"
	  "\"bind_tcp\":[8080]}}",
	  false },
	{ "netportsempty", "{\"name\":\"netportsempty\",\"network\":{\"mode\":\"ports\"}}", false },
	{ "procopen",
	  "{\"name\":\"procopen\",\"process\":{\"signals\":\"open\",\"abstract_unix\":\"open\",\"ptrace\":true}}",
	  false },
	{ "procmixed",
	  "{\"name\":\"procmixed\",\"process\":{\"signals\":\"open\",\"abstract_unix\":\"scoped\",\"ptrace\":false}}",
	  false },
	{ "procscoped",
	  "{\"name\":\"procscoped\",\"process\":{\"signals\":\"scoped\",\"abstract_unix\":\"scoped\","
	  "\"ptrace\":false}}",
	  false },
};

#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

static struct policy *loaded[N_FIXTURES];
static char user_dir[64];
static unsigned resolve_calls;

/* A fake resolver: $HOME/link is a symlink to $HOME/real and $HOME/far to
 * /data/far, so "$HOME/far/../up" is /data/up physically (not /home/u/up). */
static int fake_resolve(const char *path, char **ret, void *userdata)
{
	static const struct {
		const char *from;
		const char *to;
	} links[] = {
		{ "/home/u/link", "/home/u/real" },
		{ "/home/u/far", "/data/far" },
	};
	char buf[LATCH_PATH_MAX];

	if (userdata != &resolve_calls)
		return -EFAULT;
	resolve_calls++;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (path_has_prefix(path, links[i].from)) {
			(void)snprintf(buf, sizeof(buf), "%s%s", links[i].to, path + strlen(links[i].from));
			return path_normalize(buf, ret);
		}
	return path_normalize(path, ret);
}

static void ctx_init(struct policy_ctx *ctx, bool resolver)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->vars = vars;
	ctx->n_vars = sizeof(vars) / sizeof(vars[0]);
	ctx->user_dir = user_dir;
	if (resolver) {
		ctx->resolve = fake_resolve;
		ctx->userdata = &resolve_calls;
	}
}

static int write_user_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", user_dir, rel);
	f = fopen(path, "we");
	if (!f)
		return -1;
	(void)fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int setup(void **state)
{
	char sub[128];

	(void)state;
	(void)snprintf(user_dir, sizeof(user_dir), "/tmp/latch-test-decide-XXXXXX");
	if (!mkdtemp(user_dir))
		return -1;
	(void)snprintf(sub, sizeof(sub), "%s/groups", user_dir);
	if (mkdir(sub, 0700) < 0)
		return -1;
	(void)snprintf(sub, sizeof(sub), "%s/profiles", user_dir);
	if (mkdir(sub, 0700) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(user_files) / sizeof(user_files[0]); i++)
		if (write_user_file(user_files[i].rel, user_files[i].json) < 0)
			return -1;
	for (size_t i = 0; i < N_FIXTURES; i++) {
		struct policy_ctx ctx;
		struct error err = { 0 };
		char filename[64];

		ctx_init(&ctx, fixtures[i].resolver);
		(void)snprintf(filename, sizeof(filename), "%s.json", fixtures[i].name);
		if (policy_load_buffer(fixtures[i].json, strlen(fixtures[i].json), filename, &ctx, &loaded[i],
				       &err) < 0) {
			print_error("fixture %s does not load: %s\n", fixtures[i].name, err.msg);
			return -1;
		}
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_FIXTURES; i++)
		loaded[i] = policy_free(loaded[i]);
	return nftw(user_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const struct policy *fixture(const char *name)
{
	for (size_t i = 0; i < N_FIXTURES; i++)
		if (strcmp(fixtures[i].name, name) == 0)
			return loaded[i];
	print_error("no fixture '%s'\n", name);
	fail();
	return NULL;
}

/* ---- the filesystem check -------------------------------------------------- */

static void show_path(const char *path, char *buf, size_t size)
{
	size_t o = 0;

	for (const unsigned char *c = (const unsigned char *)path; *c && o + 5 < size; c++)
		o += (size_t)snprintf(buf + o, size - o, *c >= 0x20 && *c < 0x7f ? "%c" : "\\x%02x", *c);
	buf[o] = '\0';
}

/* Decide one fs access and compare everything; prints and returns false on a
 * mismatch. origin NULL means "profile <fixture>". */
static bool check_fs(const char *fx, enum policy_access a, const char *path, bool allow, const char *pattern,
		     const char *origin)
{
	const struct policy *p = fixture(fx);
	struct policy_query q = { .access = a, .path = path };
	struct policy_decision d;
	char want_origin[128], want_reason[1024], label[512], shown[512];
	bool ok = true;

	show_path(path, shown, sizeof(shown));
	(void)snprintf(want_origin, sizeof(want_origin), "profile %s", fx);
	if (origin)
		(void)snprintf(want_origin, sizeof(want_origin), "%s", origin);
	policy_decide(p, &q, &d);

	if (d.allow != allow) {
		print_error("[%s] %s '%s': %s, expected %s (%s)\n", fx, policy_access_name(a), shown,
			    d.allow ? "allow" : "deny", allow ? "allow" : "deny", d.reason);
		ok = false;
	}
	if (!pattern && d.rule) {
		print_error("[%s] %s '%s': decided by %s, expected the default\n", fx, policy_access_name(a), shown,
			    policy_rule_label(d.rule, label, sizeof(label)));
		ok = false;
	} else if (pattern && !d.rule) {
		print_error("[%s] %s '%s': decided by the default, expected <%s: %s>\n", fx,
			    policy_access_name(a), shown, want_origin, pattern);
		ok = false;
	} else if (pattern && (strcmp(d.rule->pattern, pattern) != 0 || strcmp(d.rule->origin, want_origin) != 0)) {
		print_error("[%s] %s '%s': decided by %s, expected <%s: %s>\n", fx, policy_access_name(a), shown,
			    policy_rule_label(d.rule, label, sizeof(label)), want_origin, pattern);
		ok = false;
	}
	/* The deciding rule is consistent with the verdict. */
	if (d.rule && d.allow && !(policy_class_grants(d.rule->klass) & (1u << a))) {
		print_error("[%s] %s '%s': allowed by a rule of class %s, which does not grant it\n", fx,
			    policy_access_name(a), shown, policy_class_name(d.rule->klass));
		ok = false;
	}
	if (d.rule && !d.allow && !policy_class_restricts(d.rule->klass)) {
		print_error("[%s] %s '%s': denied by a rule of class %s\n", fx, policy_access_name(a), shown,
			    policy_class_name(d.rule->klass));
		ok = false;
	}
	if (d.layer != (d.allow ? POLICY_LAYER_NONE : POLICY_LAYER_LANDLOCK)) {
		print_error("[%s] %s '%s': layer %s\n", fx, policy_access_name(a), shown, policy_layer_name(d.layer));
		ok = false;
	}
	if (d.rule)
		(void)snprintf(want_reason, sizeof(want_reason), "%s, by rule %s (filesystem.%s%s)",
			       d.allow ? "allow" : "deny", policy_rule_label(d.rule, label, sizeof(label)),
			       policy_class_name(d.rule->klass),
			       d.rule->klass == POLICY_CLASS_LIST || d.rule->klass == POLICY_CLASS_SCRATCH
				       ? "; given by the supervisor only"
			       : d.rule->klass == POLICY_CLASS_PRIVATE ? "; the sandbox's own directory, isolated mode only"
								       : "");
	else
		(void)snprintf(want_reason, sizeof(want_reason), "deny, no rule grants %s here (default deny)",
			       policy_access_name(a));
	if (strcmp(d.reason, want_reason) != 0) {
		print_error("[%s] %s '%s': reason '%s', expected '%s'\n", fx, policy_access_name(a), shown, d.reason,
			    want_reason);
		ok = false;
	}
	if (strncmp(d.reason, d.allow ? "allow," : "deny,", d.allow ? 6 : 5) != 0) {
		print_error("[%s] %s '%s': reason '%s' does not start with the verdict\n", fx, policy_access_name(a),
			    shown, d.reason);
		ok = false;
	}
	return ok;
}

/* ---- explicit filesystem table ------------------------------------------- */

struct fs_case {
	const char *fixture;
	enum policy_access access;
	const char *path;
	bool allow;
	const char *pattern; /* deciding rule as written; DEFAULT: none */
	const char *origin;  /* NULL: "profile <fixture>" */
};

static const struct fs_case fs_cases[] = {
	/* protect */
	{ "protect", WR, "/p/.git/config", DENY, "/p/.git/config", NULL },
	{ "protect", TR, "/p/.git/config", DENY, "/p/.git/config", NULL },
	{ "protect", RD, "/p/.git/config", ALLOW, "/p", NULL },
	{ "protect", EX, "/p/.git/config", DENY, DEFAULT, NULL },
	{ "protect", CR, "/p/.git/config", DENY, "/p/.git/config", NULL },
	{ "protect", DL, "/p/.git/config", DENY, "/p/.git/config", NULL },
	{ "protect", CR, "/p/.git/hooks/pre-commit", DENY, "/p/.git/hooks", NULL },
	{ "protect", DL, "/p/.git/hooks/pre-commit.sample", DENY, "/p/.git/hooks", NULL },
	{ "protect", WR, "/p/.git/hooks/pre-commit.sample", DENY, "/p/.git/hooks", NULL },
	{ "protect", RD, "/p/.git/hooks/pre-commit.sample", ALLOW, "/p", NULL },
	{ "protect", DL, "/p/.git/hooks", DENY, "/p/.git/hooks", NULL },
	{ "protect", DL, "/p/.git", DENY, "/p/.git/hooks", NULL },
	{ "protect", CR, "/p/.git", DENY, "/p/.git/hooks", NULL },
	{ "protect", WR, "/p/.git/index", ALLOW, "/p", NULL },
	{ "protect", CR, "/p/.git/objects/ab", ALLOW, "/p", NULL },
	{ "protect", DL, "/p/.git/objects/ab", ALLOW, "/p", NULL },
	{ "protect", WR, "/p/.gitx", ALLOW, "/p", NULL },
	{ "protect", WR, "/p/own", ALLOW, "/p/own", NULL },
	{ "protect", CR, "/p/own/f", ALLOW, "/p/own", NULL },
	{ "protect", WR, "/r/x", DENY, "/r/x", NULL },
	{ "protect", RD, "/r/x/y", ALLOW, "/r", NULL },
	/* list: exactly the directory, nothing below, nothing more than read */
	{ "protect", RD, "/l", ALLOW, "/l", NULL },
	{ "protect", RD, "/l/f", DENY, DEFAULT, NULL },
	{ "protect", RD, "/l/d/e", DENY, DEFAULT, NULL },
	{ "protect", WR, "/l", DENY, DEFAULT, NULL },
	{ "protect", CR, "/l/f", DENY, DEFAULT, NULL },
	{ "protect", EX, "/l", DENY, DEFAULT, NULL },
	{ "protect", RD, "/r/x", ALLOW, "/r/x", NULL },
	/* private: like write (the isolated mode makes it the sandbox's own) */
	{ "protect", CR, "/shm/sem.x", ALLOW, "/shm", NULL },
	{ "protect", DL, "/shm/sem.x", ALLOW, "/shm", NULL },
	{ "protect", EX, "/shm/x", DENY, DEFAULT, NULL },
	/* scratch: a new entry right in it, nothing else (what the program
	 * made is its own by the supervisor's record, not by a rule) */
	{ "protect", CR, "/s/new", ALLOW, "/s", NULL },
	{ "protect", CR, "/s/new/deeper", DENY, DEFAULT, NULL },
	{ "protect", WR, "/s/new", DENY, DEFAULT, NULL },
	{ "protect", RD, "/s/new", DENY, DEFAULT, NULL },
	{ "protect", DL, "/s/new", DENY, DEFAULT, NULL },
	{ "protect", RD, "/s", DENY, DEFAULT, NULL },

	/* No rules at all: everything denied by default. */
	{ "empty", RD, "/", DENY, DEFAULT, NULL },
	{ "empty", RD, "/etc/passwd", DENY, DEFAULT, NULL },
	{ "empty", WR, "/home/u/proj/x", DENY, DEFAULT, NULL },
	{ "empty", EX, "/usr/bin/ls", DENY, DEFAULT, NULL },
	{ "empty", CR, "/tmp/x", DENY, DEFAULT, NULL },

	/* deny ~/.ssh + read ~/.ssh/known_hosts: only that file is readable. */
	{ "agent", RD, "/home/u/.ssh/known_hosts", ALLOW, "$HOME/.ssh/known_hosts", NULL },
	{ "agent", RD, "/home/u/.ssh/known_hosts/sub", ALLOW, "$HOME/.ssh/known_hosts", NULL },
	{ "agent", WR, "/home/u/.ssh/known_hosts", DENY, "$HOME/.ssh", NULL },
	{ "agent", CR, "/home/u/.ssh/known_hosts", DENY, "$HOME/.ssh", NULL },
	{ "agent", DL, "/home/u/.ssh/known_hosts", DENY, "$HOME/.ssh", NULL },
	{ "agent", TR, "/home/u/.ssh/known_hosts", DENY, "$HOME/.ssh", NULL },
	{ "agent", EX, "/home/u/.ssh/known_hosts", DENY, "$HOME/.ssh", NULL },
	{ "agent", RD, "/home/u/.ssh", DENY, "$HOME/.ssh", NULL },
	{ "agent", RD, "/home/u/.ssh/id_ed25519", DENY, "$HOME/.ssh", NULL },
	{ "agent", RD, "/home/u/.ssh/known_hosts.old", DENY, "$HOME/.ssh", NULL },
	{ "agent", RD, "/home/u/.ssh/known_host", DENY, "$HOME/.ssh", NULL },
	{ "agent", RD, "/home/u/.ssh/config", DENY, "$HOME/.ssh", NULL },
	{ "agent", CR, "/home/u/.ssh/new_key", DENY, "$HOME/.ssh", NULL },
	{ "agent", RD, "/home/u/.sshx", DENY, DEFAULT, NULL },
	{ "agent", RD, "/home/u/.ss", DENY, DEFAULT, NULL },
	{ "agent", RD, "/home/u", DENY, DEFAULT, NULL },
	{ "agent", RD, "/home", DENY, DEFAULT, NULL },
	{ "agent", RD, "/", DENY, DEFAULT, NULL },
	{ "agent", RD, "/home/u/.gitconfig", ALLOW, "$HOME/.gitconfig", NULL },
	{ "agent", WR, "/home/u/.gitconfig", DENY, DEFAULT, NULL },
	{ "agent", RD, "/home/u/.gitconfig.lock", DENY, DEFAULT, NULL },
	/* read /usr + exec /usr/bin: the deeper rule decides when it grants */
	{ "agent", RD, "/usr/lib/libc.so.6", ALLOW, "/usr", NULL },
	{ "agent", RD, "/usr", ALLOW, "/usr", NULL },
	{ "agent", RD, "/usr/bin/ls", ALLOW, "/usr/bin", NULL },
	{ "agent", EX, "/usr/bin/ls", ALLOW, "/usr/bin", NULL },
	{ "agent", EX, "/usr/bin", ALLOW, "/usr/bin", NULL },
	{ "agent", EX, "/usr/lib/x", DENY, DEFAULT, NULL },
	{ "agent", EX, "/usr", DENY, DEFAULT, NULL },
	{ "agent", WR, "/usr/bin/ls", DENY, DEFAULT, NULL },
	{ "agent", DL, "/usr/bin/ls", DENY, DEFAULT, NULL },
	{ "agent", EX, "/bin/sh", ALLOW, "/bin", NULL },
	{ "agent", RD, "/bin/sh", ALLOW, "/bin", NULL },
	{ "agent", EX, "/binx/sh", DENY, DEFAULT, NULL },
	{ "agent", RD, "/usrlocal", DENY, DEFAULT, NULL },
	{ "agent", RD, "/us", DENY, DEFAULT, NULL },
	/* deny a file inside a readable directory */
	{ "agent", RD, "/etc/passwd", ALLOW, "/etc", NULL },
	{ "agent", RD, "/etc/shadow", DENY, "/etc/shadow", NULL },
	{ "agent", RD, "/etc/shadow-", ALLOW, "/etc", NULL },
	{ "agent", RD, "/etc/shadow/x", DENY, "/etc/shadow", NULL },
	{ "agent", WR, "/etc/passwd", DENY, DEFAULT, NULL },
	{ "agent", WR, "/etc/shadow", DENY, "/etc/shadow", NULL },
	/* the project */
	{ "agent", RD, "/home/u/proj", ALLOW, "$CWD", NULL },
	{ "agent", WR, "/home/u/proj", ALLOW, "$CWD", NULL },
	{ "agent", WR, "/home/u/proj/src/main.c", ALLOW, "$CWD", NULL },
	{ "agent", CR, "/home/u/proj/src/new.c", ALLOW, "$CWD", NULL },
	{ "agent", DL, "/home/u/proj/src/old.c", ALLOW, "$CWD", NULL },
	{ "agent", TR, "/home/u/proj/build.log", ALLOW, "$CWD", NULL },
	{ "agent", EX, "/home/u/proj/build/a.out", DENY, DEFAULT, NULL },
	{ "agent", CR, "/home/u/proj/does/not/exist/yet", ALLOW, "$CWD", NULL },
	{ "agent", WR, "/home/u/proj/.git/hooks/pre-commit", DENY, "$CWD/.git/hooks", NULL },
	{ "agent", RD, "/home/u/proj/.git/hooks/pre-commit", DENY, "$CWD/.git/hooks", NULL },
	{ "agent", CR, "/home/u/proj/.git/hooks/post-checkout", DENY, "$CWD/.git/hooks", NULL },
	{ "agent", RD, "/home/u/proj/.git/hooks", DENY, "$CWD/.git/hooks", NULL },
	{ "agent", WR, "/home/u/proj/.git/config", ALLOW, "$CWD", NULL },
	{ "agent", WR, "/home/u/proj/.git/hooksx", ALLOW, "$CWD", NULL },
	{ "agent", WR, "/home/u/proj/.git", ALLOW, "$CWD", NULL },
	/* component-wise prefix: /home/u/proj does not match /home/u/project2 */
	{ "agent", WR, "/home/u/project2/x", DENY, DEFAULT, NULL },
	{ "agent", RD, "/home/u/project2", DENY, DEFAULT, NULL },
	{ "agent", WR, "/home/u/proj2", DENY, DEFAULT, NULL },
	{ "agent", WR, "/home/u/pro", DENY, DEFAULT, NULL },
	{ "agent", WR, "/home/u/proj.bak/x", DENY, DEFAULT, NULL },
	/* temporary directories: the private one is deeper */
	{ "agent", WR, "/tmp/x", ALLOW, "$TMPDIR", NULL },
	{ "agent", WR, "/tmp", ALLOW, "$TMPDIR", NULL },
	{ "agent", WR, "/tmp/latch-1000/x", ALLOW, "$PRIVATE_TMP", NULL },
	{ "agent", DL, "/tmp/latch-1000/x", ALLOW, "$PRIVATE_TMP", NULL },
	/* create/delete of a rule's own directory is decided on its parent */
	{ "agent", DL, "/tmp/latch-1000", ALLOW, "$TMPDIR", NULL },
	{ "agent", DL, "/tmp", DENY, DEFAULT, NULL },
	{ "agent", CR, "/tmp", DENY, DEFAULT, NULL },
	/* ...except that a deny rule at or below the entry denies it: removing
	 * or replacing the entry would take the denied path with it. */
	{ "agent", DL, "/home/u/proj", DENY, "$CWD/.git/hooks", NULL },
	{ "agent", CR, "/home/u/proj", DENY, "$CWD/.git/hooks", NULL },
	{ "agent", DL, "/home/u/proj/.git", DENY, "$CWD/.git/hooks", NULL },
	{ "agent", DL, "/home/u/proj/src", ALLOW, "$CWD", NULL },
	{ "agent", CR, "/home/u/.cache", DENY, DEFAULT, NULL },
	{ "agent", CR, "/home/u/.cache/x", ALLOW, "$XDG_CACHE_HOME", NULL },
	{ "agent", CR, "/home/u/.local/share/app", DENY, DEFAULT, NULL },
	{ "agent", WR, "/tmp/latch-10000/x", ALLOW, "$TMPDIR", NULL },
	{ "agent", EX, "/tmp/latch-1000/x", DENY, DEFAULT, NULL },
	{ "agent", WR, "/tmpx", DENY, DEFAULT, NULL },
	/* create: read, write, create; never delete or truncate */
	{ "agent", CR, "/home/u/.cache/pip/x", ALLOW, "$XDG_CACHE_HOME", NULL },
	{ "agent", WR, "/home/u/.cache/pip/x", ALLOW, "$XDG_CACHE_HOME", NULL },
	{ "agent", RD, "/home/u/.cache/pip/x", ALLOW, "$XDG_CACHE_HOME", NULL },
	{ "agent", DL, "/home/u/.cache/pip/x", DENY, DEFAULT, NULL },
	{ "agent", TR, "/home/u/.cache/pip/x", DENY, DEFAULT, NULL },
	{ "agent", EX, "/home/u/.cache/pip/x", DENY, DEFAULT, NULL },
	{ "agent", CR, "/home/u/.local/state/app/log", ALLOW, "$XDG_STATE_HOME", NULL },
	{ "agent", TR, "/home/u/.local/state/app/log", DENY, DEFAULT, NULL },
	/* deny a directory, re-allow reading a subdirectory */
	{ "agent", RD, "/home/u/.config/app/settings", DENY, "$XDG_CONFIG_HOME", NULL },
	{ "agent", RD, "/home/u/.config", DENY, "$XDG_CONFIG_HOME", NULL },
	{ "agent", RD, "/home/u/.config/git/config", ALLOW, "$XDG_CONFIG_HOME/git", NULL },
	{ "agent", WR, "/home/u/.config/git/config", DENY, "$XDG_CONFIG_HOME", NULL },
	{ "agent", RD, "/home/u/.config/gitx", DENY, "$XDG_CONFIG_HOME", NULL },
	{ "agent", WR, "/home/u/.local/share/app/db", ALLOW, "$XDG_DATA_HOME/app", NULL },
	{ "agent", WR, "/home/u/.local/share/other/db", DENY, DEFAULT, NULL },
	{ "agent", EX, "/home/u/.local/bin/tool", ALLOW, "$HOME/.local/bin", NULL },
	{ "agent", WR, "/home/u/.local/bin/tool", DENY, DEFAULT, NULL },
	/* spaces */
	{ "agent", WR, "/home/u/proj/My File.txt", ALLOW, "$CWD", NULL },
	{ "agent", RD, "/home/u/.ssh/my key", DENY, "$HOME/.ssh", NULL },
	{ "agent", RD, "/home/u/proj dir/x", DENY, DEFAULT, NULL },
	{ "agent", RD, "/home/u/.ssh /x", DENY, DEFAULT, NULL },
	/* non-UTF-8 bytes in the query: the engine is byte-based */
	{ "agent", WR, "/home/u/proj/\xff\xfe.bin", ALLOW, "$CWD", NULL },
	{ "agent", RD, "/home/u/.ssh/\xc3\x28", DENY, "$HOME/.ssh", NULL },
	{ "agent", WR, "/home/u/proj\xff/x", DENY, DEFAULT, NULL },
	{ "agent", RD, "/etc/\x80", ALLOW, "/etc", NULL },
	{ "agent", EX, "/usr/bin/\xc0\xaf", ALLOW, "/usr/bin", NULL },

	/* Equal specificity: deny wins; deeper rules win. */
	{ "prec", RD, "/p/same", DENY, "/p/same", NULL },
	{ "prec", RD, "/p/same/x", DENY, "/p/same", NULL },
	{ "prec", WR, "/p/same", DENY, "/p/same", NULL },
	{ "prec", RD, "/p/samex", DENY, DEFAULT, NULL },
	{ "prec", WR, "/p/a/x", ALLOW, "/p/a", NULL },
	{ "prec", WR, "/p/a", ALLOW, "/p/a", NULL },
	{ "prec", WR, "/p/a/b", DENY, "/p/a/b", NULL },
	{ "prec", WR, "/p/a/b/x", DENY, "/p/a/b", NULL },
	{ "prec", RD, "/p/a/b/x", DENY, "/p/a/b", NULL },
	{ "prec", RD, "/p/a/b/c", ALLOW, "/p/a/b/c", NULL },
	{ "prec", RD, "/p/a/b/c/f", ALLOW, "/p/a/b/c", NULL },
	{ "prec", WR, "/p/a/b/c/f", DENY, "/p/a/b", NULL },
	{ "prec", RD, "/p/a/bc", ALLOW, "/p/a", NULL },
	{ "prec", RD, "/q/x", ALLOW, "/q", NULL },
	{ "prec", WR, "/q/x", DENY, DEFAULT, NULL },
	{ "prec", RD, "/q/w/x", ALLOW, "/q/w", NULL },
	{ "prec", WR, "/q/w/x", ALLOW, "/q/w", NULL },
	{ "prec", EX, "/q/w/x", DENY, DEFAULT, NULL },
	{ "prec", RD, "/q/w/d", DENY, "/q/w/d", NULL },
	{ "prec", RD, "/q/w/d/x", DENY, "/q/w/d", NULL },
	{ "prec", RD, "/q/w/d/e/f", ALLOW, "/q/w/d/e", NULL },
	{ "prec", EX, "/q/w/d/e/f", ALLOW, "/q/w/d/e", NULL },
	{ "prec", WR, "/q/w/d/e/f", DENY, "/q/w/d", NULL },
	{ "prec", DL, "/p/same2/x", ALLOW, "/p/same2", NULL }, /* write decides: create lacks delete */
	{ "prec", TR, "/p/same2/x", ALLOW, "/p/same2", NULL },
	{ "prec", CR, "/p/same2/x", ALLOW, "/p/same2", NULL },
	{ "prec", EX, "/p/same2/x", DENY, DEFAULT, NULL },

	/* Per-access semantics: a deeper rule that does not grant the access
	 * does not take away what a shallower rule grants. */
	{ "peraccess", WR, "/home/u/proj/docs/a.md", ALLOW, "$CWD", NULL },
	{ "peraccess", DL, "/home/u/proj/docs/a.md", ALLOW, "$CWD", NULL },
	{ "peraccess", TR, "/home/u/proj/docs/a.md", ALLOW, "$CWD", NULL },
	{ "peraccess", CR, "/home/u/proj/docs/b.md", ALLOW, "$CWD", NULL },
	{ "peraccess", RD, "/home/u/proj/docs/a.md", ALLOW, "$CWD/docs", NULL },
	{ "peraccess", EX, "/home/u/proj/docs/a.md", DENY, DEFAULT, NULL },
	{ "peraccess", EX, "/home/u/proj/bin/tool", ALLOW, "$CWD/bin", NULL },
	{ "peraccess", RD, "/home/u/proj/bin/tool", ALLOW, "$CWD/bin", NULL },
	{ "peraccess", WR, "/home/u/proj/bin/tool", ALLOW, "$CWD", NULL },
	{ "peraccess", EX, "/home/u/proj/binx", DENY, DEFAULT, NULL },
	{ "peraccess", DL, "/home/u/proj/out/f", ALLOW, "$CWD", NULL },
	{ "peraccess", TR, "/home/u/proj/out/f", ALLOW, "$CWD", NULL },
	{ "peraccess", CR, "/home/u/proj/out/f", ALLOW, "$CWD/out", NULL },
	{ "peraccess", WR, "/home/u/proj/out/f", ALLOW, "$CWD/out", NULL },
	{ "peraccess", RD, "/home/u/proj/out/f", ALLOW, "$CWD/out", NULL },
	{ "peraccess", EX, "/home/u/proj/out/f", DENY, DEFAULT, NULL },
	{ "peraccess", RD, "/home/u/proj/src/x.c", ALLOW, "$CWD", NULL },
	{ "peraccess", CR, "/home/u/proj/out", ALLOW, "$CWD", NULL },
	{ "peraccess", DL, "/home/u/proj/docs", ALLOW, "$CWD", NULL },
	{ "peraccess", DL, "/home/u/proj", DENY, DEFAULT, NULL },

	/* The root rule "/" */
	{ "rootread", RD, "/", ALLOW, "/", NULL },
	{ "rootread", RD, "/etc/passwd", ALLOW, "/", NULL },
	{ "rootread", RD, "/home/u/.bashrc", ALLOW, "/", NULL },
	{ "rootread", RD, "/rootfs", ALLOW, "/", NULL },
	{ "rootread", WR, "/etc/passwd", DENY, DEFAULT, NULL },
	{ "rootread", EX, "/usr/bin/ls", DENY, DEFAULT, NULL },
	{ "rootread", RD, "/root", DENY, "/root", NULL },
	{ "rootread", RD, "/root/.bashrc", DENY, "/root", NULL },
	{ "rootread", RD, "/home/u/.ssh/id", DENY, "$HOME/.ssh", NULL },
	{ "rootread", WR, "/home/u/proj/x", ALLOW, "$CWD", NULL },
	{ "rootread", RD, "/home/u/proj/x", ALLOW, "$CWD", NULL },
	/* deny at "/" with allows deeper */
	{ "rootdeny", RD, "/", DENY, "/", NULL },
	{ "rootdeny", RD, "/etc/passwd", DENY, "/", NULL },
	{ "rootdeny", RD, "/usr/lib/x", ALLOW, "/usr", NULL },
	{ "rootdeny", RD, "/usr", ALLOW, "/usr", NULL },
	{ "rootdeny", EX, "/usr/lib/x", DENY, "/", NULL },
	{ "rootdeny", EX, "/usr/bin/sh", ALLOW, "/usr/bin", NULL },
	{ "rootdeny", WR, "/usr/bin/sh", DENY, "/", NULL },
	{ "rootdeny", WR, "/home/u/proj/a", ALLOW, "$CWD", NULL },
	{ "rootdeny", DL, "/home/u/proj/a", ALLOW, "$CWD", NULL },
	{ "rootdeny", EX, "/home/u/proj/a", DENY, "/", NULL },
	{ "rootdeny", WR, "/home/u/a", DENY, "/", NULL },
	{ "rootdeny", RD, "/usrx", DENY, "/", NULL },
	{ "rootwrite", WR, "/x", ALLOW, "/", NULL },
	{ "rootwrite", RD, "/", ALLOW, "/", NULL },
	{ "rootwrite", DL, "/etc/passwd", ALLOW, "/", NULL },
	{ "rootwrite", EX, "/usr/bin/ls", DENY, DEFAULT, NULL },
	{ "rootwrite", TR, "/home/u/.ssh/id", DENY, "$HOME/.ssh", NULL },
	{ "rootwrite", RD, "/home/u/.sshd", ALLOW, "/", NULL },
	{ "rootwrite", DL, "/x", ALLOW, "/", NULL },
	{ "rootwrite", CR, "/x", ALLOW, "/", NULL },
	{ "rootwrite", CR, "/home/u/.ssh/x", DENY, "$HOME/.ssh", NULL },
	/* the deny-protected entries themselves: see test_deny_protects_its_own_path */
	{ "shellcfg", WR, "/home/u/.bashrc", DENY, "$HOME/.bashrc", NULL },
	{ "shellcfg", RD, "/home/u/.bashrc", DENY, "$HOME/.bashrc", NULL },
	{ "shellcfg", TR, "/home/u/.bashrc", DENY, "$HOME/.bashrc", NULL },
	{ "shellcfg", CR, "/home/u/.bashrc.new", ALLOW, "$HOME", NULL },
	{ "shellcfg", DL, "/home/u/notes", ALLOW, "$HOME", NULL },
	{ "shellcfg", CR, "/home/u/.ssh/authorized_keys", DENY, "$HOME/.ssh", NULL },
	{ "shellcfg", DL, "/home/u/.ssh/id_ed25519", DENY, "$HOME/.ssh", NULL },
	{ "shellcfg", CR, "/home/u/.config/autostart/evil.desktop", DENY, "$HOME/.config/autostart", NULL },
	{ "shellcfg", CR, "/home/u/.config/other", ALLOW, "$HOME", NULL },
	{ "dotdotroot", RD, "/etc", ALLOW, "/..", NULL },
	{ "dotdotroot", RD, "/", ALLOW, "/..", NULL },
	{ "dotdotroot", WR, "/etc", DENY, DEFAULT, NULL },

	/* Rule patterns normalized at load: "$CWD/../proj/" is $CWD. */
	{ "norm", WR, "/home/u/proj/x", ALLOW, "$CWD/../proj/", NULL },
	{ "norm", WR, "/home/u/proj", ALLOW, "$CWD/../proj/", NULL },
	{ "norm", WR, "/home/u/x", DENY, DEFAULT, NULL },
	{ "norm", WR, "/home/u", DENY, DEFAULT, NULL },
	{ "norm", RD, "/srv/data/f", ALLOW, "//srv//data/", NULL },
	{ "norm", RD, "/srv/data", ALLOW, "//srv//data/", NULL },
	{ "norm", RD, "/srv", DENY, DEFAULT, NULL },
	{ "norm", RD, "/srv/database", DENY, DEFAULT, NULL },
	{ "norm", RD, "/opt/a/f", ALLOW, "/opt/./a/.", NULL },
	{ "norm", RD, "/opt", DENY, DEFAULT, NULL },
	{ "norm", RD, "/var/y/f", ALLOW, "/var/x/../y", NULL },
	{ "norm", RD, "/var/x/f", DENY, DEFAULT, NULL },
	{ "norm", RD, "/var/x", DENY, DEFAULT, NULL },
	{ "norm", RD, "/home/u/My Documents/f", ALLOW, "$HOME/./My Documents/", NULL },
	{ "norm", RD, "/home/u/My", DENY, DEFAULT, NULL },
	{ "norm", RD, "/home/u/c", ALLOW, "$HOME/a/b/../../c", NULL },
	{ "norm", RD, "/home/u/a/b", DENY, DEFAULT, NULL },
	{ "norm", RD, "/home/u/.vimrc", ALLOW, "${HOME}/.config/../.vimrc", NULL },
	{ "norm", RD, "/home/u/.config/.vimrc", DENY, DEFAULT, NULL },
	{ "norm", WR, "/home/u/proj/secret2/x", DENY, "$CWD/./secret/../secret2/", NULL },
	{ "norm", WR, "/home/u/proj/secret/x", ALLOW, "$CWD/../proj/", NULL },

	/* Groups and extends: rules from the profile, its parent, and groups
	 * used by both (zzg-creds twice, merged once). */
	{ "child", RD, "/home/u/.ssh/id", DENY, "$HOME/.ssh", "group zzg-creds" },
	{ "child", RD, "/home/u/.ssh", DENY, "$HOME/.ssh", "group zzg-creds" },
	{ "child", RD, "/home/u/.ssh/config", ALLOW, "$HOME/.ssh/config", "group zzg-tools" },
	{ "child", WR, "/home/u/.ssh/config", DENY, "$HOME/.ssh", "group zzg-creds" },
	{ "child", RD, "/home/u/.aws/config", ALLOW, "$HOME/.aws/config", "profile zzbase" },
	{ "child", RD, "/home/u/.aws/credentials", DENY, "$HOME/.aws", "group zzg-creds" },
	{ "child", RD, "/home/u/.gnupg/x", DENY, "$HOME/.gnupg", "group zzg-creds" },
	{ "child", RD, "/usr/lib/x", ALLOW, "/usr", "group zzg-sys" },
	{ "child", RD, "/etc/hosts", ALLOW, "/etc", "group zzg-sys" },
	{ "child", RD, "/etc/shadow", DENY, "/etc/shadow", "profile child" },
	/* deny /usr/bin (profile) vs exec /usr/bin (group): equal depth, deny wins */
	{ "child", EX, "/usr/bin/ls", DENY, "/usr/bin", "profile child" },
	{ "child", RD, "/usr/bin/ls", DENY, "/usr/bin", "profile child" },
	{ "child", RD, "/usr/binx", ALLOW, "/usr", "group zzg-sys" },
	{ "child", WR, "/tmp/x", ALLOW, "$TMPDIR", "profile zzbase" },
	{ "child", WR, "/home/u/proj/x", ALLOW, "$CWD", "profile child" },
	{ "child", EX, "/home/u/.local/bin/t", ALLOW, "$HOME/.local/bin", "group zzg-tools" },
	{ "child", WR, "/home/u/.local/bin/t", DENY, DEFAULT, NULL },
	{ "child", RD, "/home/u/x", DENY, DEFAULT, NULL },

	/* A fake resolver maps $HOME/link -> /home/u/real, $HOME/far -> /data/far:
	 * rules decide queries on the resolved paths, not on the link. */
	{ "symlinks", RD, "/home/u/real/x", ALLOW, "$HOME/link/x", NULL },
	{ "symlinks", RD, "/home/u/real/x/y", ALLOW, "$HOME/link/x", NULL },
	{ "symlinks", RD, "/home/u/real/x/secret", DENY, "$HOME/link/x/secret", NULL },
	{ "symlinks", RD, "/home/u/real/xy", DENY, DEFAULT, NULL },
	{ "symlinks", RD, "/home/u/link/x", DENY, DEFAULT, NULL },
	{ "symlinks", WR, "/home/u/real/w/f", ALLOW, "$HOME/link/w", NULL },
	{ "symlinks", WR, "/home/u/link/w/f", DENY, DEFAULT, NULL },
	{ "symlinks", EX, "/data/up/bin", ALLOW, "$HOME/far/../up", NULL },
	{ "symlinks", EX, "/home/u/up/bin", DENY, DEFAULT, NULL },
	{ "symlinks", EX, "/data/far/up/bin", DENY, DEFAULT, NULL },

	/* unix_connect: named sockets, sockets where writing is allowed */
	{ "unixsock", UC, "/run/user/1000/bus", ALLOW, "/run/user/1000/bus", NULL },
	{ "unixsock", UC, "/run/docker.sock", DENY, DEFAULT, NULL },
	{ "unixsock", RD, "/run/docker.sock", ALLOW, "/run", NULL },
	{ "unixsock", WR, "/run/user/1000/bus", DENY, DEFAULT, NULL },
	{ "unixsock", RD, "/run/user/1000/bus", ALLOW, "/run", NULL },
	{ "unixsock", UC, "/home/u/proj/test.sock", ALLOW, "$CWD", NULL },
	{ "unixsock", UC, "/srv/sockets/a/b.sock", ALLOW, "/srv/sockets", NULL },
	{ "unixsock", UC, "/srv/sockets/root/x.sock", DENY, "/srv/sockets/root", NULL },
	{ "unixsock", UC, "/home/u/.ssh/agent.sock", ALLOW, "$HOME/.ssh/agent.sock", NULL },
	{ "unixsock", UC, "/home/u/.ssh/other.sock", DENY, "$HOME/.ssh", NULL },
	{ "unixsock", RD, "/home/u/.ssh/agent.sock", DENY, "$HOME/.ssh", NULL },
	{ "agent", UC, "/home/u/.ssh/agent.sock", DENY, "$HOME/.ssh", NULL },

	/* fs queries are not decided by network or process settings */
	{ "neton", RD, "/usr/lib", ALLOW, "/usr", NULL },
	{ "neton", RD, "/etc", DENY, DEFAULT, NULL },
	{ "procopen", RD, "/etc", DENY, DEFAULT, NULL },
};

static void test_fs_table(void **state)
{
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(fs_cases) / sizeof(fs_cases[0]); i++) {
		const struct fs_case *c = &fs_cases[i];

		if (!check_fs(c->fixture, c->access, c->path, c->allow, c->pattern, c->origin))
			failures++;
	}
	print_message("  %zu filesystem rows\n", sizeof(fs_cases) / sizeof(fs_cases[0]));
	assert_int_equal(failures, 0);
}

/* ---- every class x every fs access ------------------------------------------ */

static const enum policy_access fs_accesses[] = { RD, WR, CR, DL, TR, EX, UC };
#define N_FS_ACCESSES (sizeof(fs_accesses) / sizeof(fs_accesses[0]))

/* The grant table (decide.c policy_class_grants), written out. */
static const bool grant_table[_POLICY_CLASS_MAX][N_FS_ACCESSES] = {
	/*                         read   write  create delete trunc  exec   unix_connect */
	[POLICY_CLASS_DENY] = { false, false, false, false, false, false, false },
	[POLICY_CLASS_READ] = { true, false, false, false, false, false, false },
	[POLICY_CLASS_EXEC] = { true, false, false, false, false, true, false },
	[POLICY_CLASS_CREATE] = { true, true, true, false, false, false, true },
	[POLICY_CLASS_WRITE] = { true, true, true, true, true, false, true },
	[POLICY_CLASS_PROTECT] = { false, false, false, false, false, false, false }, /* it only takes away */
	[POLICY_CLASS_LIST] = { true, false, false, false, false, false, false },     /* its own directory only */
	[POLICY_CLASS_PRIVATE] = { true, true, true, true, true, false, true },
	[POLICY_CLASS_SCRATCH] = { false, false, true, false, false, false, false }, /* in its own directory only */
	[POLICY_CLASS_UNIX_CONNECT] = { false, false, false, false, false, false, true },

};

static void test_class_grants(void **state)
{
	unsigned failures = 0;

	(void)state;
	for (int c = 0; c < _POLICY_CLASS_MAX; c++) {
		unsigned want = 0;

		for (size_t a = 0; a < N_FS_ACCESSES; a++)
			if (grant_table[c][a])
				want |= 1u << fs_accesses[a];
		if (policy_class_grants((enum policy_class)c) != want) {
			print_error("policy_class_grants(%s) = %#x, expected %#x\n",
				    policy_class_name((enum policy_class)c),
				    policy_class_grants((enum policy_class)c), want);
			failures++;
		}
	}
	assert_int_equal(policy_class_grants(_POLICY_CLASS_MAX), 0);
	assert_int_equal(failures, 0);
}

/* For each fixture: an outer rule (class, or none) at `outer`, and one rule of
 * each class at <outer>/<class>. Expected, from the table: the inner rule
 * decides if it is a deny or grants the access; else an outer deny; else an
 * outer rule that grants; else the default. */
static const struct {
	const char *fixture;
	const char *outer;
	int outer_class; /* -1: no outer rule */
} matrix[] = {
	{ "classes", "/c", -1 },
	{ "underwrite", "/w", POLICY_CLASS_WRITE },
	{ "underdeny", "/d", POLICY_CLASS_DENY },
	{ "underread", "/r", POLICY_CLASS_READ },
	{ "underexec", "/x", POLICY_CLASS_EXEC },
	{ "undercreate", "/k", POLICY_CLASS_CREATE },
};

static void test_class_matrix(void **state)
{
	unsigned failures = 0, n = 0;

	(void)state;
	for (size_t m = 0; m < sizeof(matrix) / sizeof(matrix[0]); m++)
		for (int c = 0; c < _POLICY_CLASS_MAX; c++)
			for (size_t a = 0; a < N_FS_ACCESSES; a++) {
				const char *cname = policy_class_name((enum policy_class)c);
				char inner[64], paths[4][96];
				bool inside[4] = { true, true, true, false };
				bool on_parent = fs_accesses[a] == CR || fs_accesses[a] == DL;

				/* protect, list and the rest have rows of their own in fs_cases. */
				if (c == POLICY_CLASS_PROTECT || c == POLICY_CLASS_LIST || c == POLICY_CLASS_PRIVATE ||
				    c == POLICY_CLASS_SCRATCH || c == POLICY_CLASS_UNIX_CONNECT)
					continue;
				(void)snprintf(inner, sizeof(inner), "%s/%s", matrix[m].outer, cname);
				(void)snprintf(paths[0], sizeof(paths[0]), "%s", inner);
				(void)snprintf(paths[1], sizeof(paths[1]), "%s/file", inner);
				(void)snprintf(paths[2], sizeof(paths[2]), "%s/a/b/c/deep", inner);
				(void)snprintf(paths[3], sizeof(paths[3]), "%sx/file", inner); /* sibling */
				for (size_t k = 0; k < 4; k++) {
					const char *pattern = DEFAULT;
					bool allow = false;

					/* the deny rule's own path under create/delete is
					 * test_deny_protects_its_own_path's */
					if (k == 0 && on_parent && c == POLICY_CLASS_DENY)
						continue;
					/* create/delete of the inner directory: its parent decides */
					if (k == 0 && on_parent)
						inside[k] = false;
					if (inside[k] && (c == POLICY_CLASS_DENY || grant_table[c][a])) {
						pattern = inner;
						allow = c != POLICY_CLASS_DENY;
					} else if (matrix[m].outer_class == POLICY_CLASS_DENY) {
						pattern = matrix[m].outer;
					} else if (matrix[m].outer_class >= 0 && grant_table[matrix[m].outer_class][a]) {
						pattern = matrix[m].outer;
						allow = true;
					}
					if (!check_fs(matrix[m].fixture, fs_accesses[a], paths[k], allow, pattern, NULL))
						failures++;
					n++;
				}
			}
	print_message("  %u generated class x access rows\n", n);
	assert_int_equal(failures, 0);
}

/* A deny rule protects its own path: deleting it (rm, rename away) or
 * creating it (rename over, re-create after removal) is denied even when a
 * shallower rule grants create/delete on the parent directory. Otherwise
 * `write $HOME` + `deny $HOME/.bashrc` lets a program replace ~/.bashrc by
 * renaming its own file over it, and `deny $HOME/.ssh` lets it rename ~/.ssh
 * to ~/x and read ~/x/id_ed25519. */
static void test_deny_protects_its_own_path(void **state)
{
	static const struct fs_case cases[] = {
		{ "shellcfg", DL, "/home/u/.bashrc", DENY, "$HOME/.bashrc", NULL },
		{ "shellcfg", CR, "/home/u/.bashrc", DENY, "$HOME/.bashrc", NULL },
		{ "shellcfg", DL, "/home/u/.ssh", DENY, "$HOME/.ssh", NULL },
		{ "shellcfg", CR, "/home/u/.ssh", DENY, "$HOME/.ssh", NULL },
		{ "shellcfg", DL, "/home/u/.config/autostart", DENY, "$HOME/.config/autostart", NULL },
		{ "agent", DL, "/home/u/proj/.git/hooks", DENY, "$CWD/.git/hooks", NULL },
		{ "agent", CR, "/home/u/proj/.git/hooks", DENY, "$CWD/.git/hooks", NULL },
		{ "rootwrite", DL, "/home/u/.ssh", DENY, "$HOME/.ssh", NULL },
		{ "norm", DL, "/home/u/proj/secret2", DENY, "$CWD/./secret/../secret2/", NULL },
		{ "child", DL, "/etc/shadow", DENY, "/etc/shadow", "profile child" },
	};
	unsigned failures = 0, n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++, n++)
		if (!check_fs(cases[i].fixture, cases[i].access, cases[i].path, cases[i].allow, cases[i].pattern,
			      cases[i].origin))
			failures++;
	/* and the same for every outer class of the matrix */
	for (size_t m = 0; m < sizeof(matrix) / sizeof(matrix[0]); m++)
		for (size_t a = 0; a < 2; a++) {
			char inner[64];

			(void)snprintf(inner, sizeof(inner), "%s/deny", matrix[m].outer);
			if (!check_fs(matrix[m].fixture, a ? DL : CR, inner, DENY, inner, NULL))
				failures++;
			n++;
		}
	print_message("  %u deny-own-path rows\n", n);
	assert_int_equal(failures, 0);
}

/* ---- malformed queries ----------------------------------------------------- */

static void test_fs_malformed_query(void **state)
{
	static const char *const bad[] = { "proj/x", "", "./x", "~/x", "$HOME/x", "home/u/proj" };
	const struct policy *p = fixture("rootwrite"); /* would allow anything absolute */
	struct policy_decision d;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (size_t a = 0; a < N_FS_ACCESSES; a++) {
			struct policy_query q = { .access = fs_accesses[a], .path = bad[i] };

			policy_decide(p, &q, &d);
			assert_false(d.allow);
			assert_null(d.rule);
			assert_string_equal(d.reason, "deny, the path is not absolute");
		}
	{
		struct policy_query q = { .access = RD, .path = NULL };

		policy_decide(p, &q, &d);
		assert_false(d.allow);
		assert_null(d.rule);
		assert_string_equal(d.reason, "deny, the path is not absolute");
	}
	/* The same engine allows the absolute form: the denial above is the
	 * path's fault, not the policy's. */
	{
		struct policy_query q = { .access = RD, .path = "/home/u/proj/x" };

		policy_decide(p, &q, &d);
		assert_true(d.allow);
	}
	/* Unknown access */
	{
		struct policy_query q = { .access = (enum policy_access)_POLICY_ACCESS_MAX, .path = "/x" };

		policy_decide(p, &q, &d);
		assert_false(d.allow);
		assert_null(d.rule);
		assert_string_equal(d.reason, "deny, unknown access");
		q.access = (enum policy_access)-1;
		policy_decide(p, &q, &d);
		assert_false(d.allow);
		assert_string_equal(d.reason, "deny, unknown access");
	}
}

/* Every denial names the layer that carries it out; POLICY_LAYER_NONE means
 * "nothing to enforce: allowed" (policy.h). A filesystem access with a
 * malformed path is still a filesystem access: Landlock's. */
static void test_deny_names_a_layer(void **state)
{
	static const struct {
		enum policy_access access;
		const char *path;
	} cases[] = {
		{ RD, "relative/x" },
		{ WR, "" },
		{ EX, NULL },
		{ DL, "../x" },
	};
	const struct policy *p = fixture("agent");
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy_query q = { .access = cases[i].access, .path = cases[i].path };
		struct policy_decision d;

		policy_decide(p, &q, &d);
		if (!d.allow && d.layer == POLICY_LAYER_NONE) {
			print_error("access %d path '%s': denied ('%s') with layer 'none', which means allowed\n",
				    (int)cases[i].access, cases[i].path ? cases[i].path : "(null)", d.reason);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* no_reason changes nothing but the reason: same verdict, rule and layer. */
static void test_no_reason(void **state)
{
	static const char *const paths[] = {
		"/home/u/.ssh/id_rsa", "/home/u/proj/src/a.c", "/usr/bin/ls", "/tmp/latch-1000/x", "/", "/etc/passwd",
	};
	const struct policy *p = fixture("agent");

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		for (int a = 0; a <= POLICY_ACCESS_EXEC; a++) {
			struct policy_query q = { .access = (enum policy_access)a, .path = paths[i] };
			struct policy_decision full, fast;

			policy_decide(p, &q, &full);
			q.no_reason = true;
			policy_decide(p, &q, &fast);
			assert_int_equal(full.allow, fast.allow);
			assert_ptr_equal(full.rule, fast.rule);
			assert_int_equal(full.layer, fast.layer);
			assert_true(full.reason[0] != '\0');
			assert_string_equal(fast.reason, "");
		}
}

/* ---- network and process ---------------------------------------------------- */

struct flag_case {
	const char *fixture;
	enum policy_access access;
	uint16_t port;
	bool allow;
	enum policy_layer layer;
	const char *reason;
};

static const struct flag_case flag_cases[] = {
	/* default: network off, enforced by seccomp (socket() refused) */
	{ "empty", CONNECT, 443, DENY, POLICY_LAYER_SECCOMP, "deny, network.mode is off" },
	{ "empty", BIND, 8080, DENY, POLICY_LAYER_SECCOMP, "deny, network.mode is off" },
	{ "agent", CONNECT, 80, DENY, POLICY_LAYER_SECCOMP, "deny, network.mode is off" },
	{ "netoff", CONNECT, 443, DENY, POLICY_LAYER_SECCOMP, "deny, network.mode is off" },
	{ "netoff", BIND, 443, DENY, POLICY_LAYER_SECCOMP, "deny, network.mode is off" },
	{ "neton", CONNECT, 443, ALLOW, POLICY_LAYER_NONE, "allow, network.mode is on" },
	{ "neton", CONNECT, 1, ALLOW, POLICY_LAYER_NONE, "allow, network.mode is on" },
	{ "neton", BIND, 65535, ALLOW, POLICY_LAYER_NONE, "allow, network.mode is on" },
	/* ports: listed or not, connect and bind lists kept apart */
	{ "netports", CONNECT, 443, ALLOW, POLICY_LAYER_NONE, "allow, port 443 is in network.connect_tcp" },
	{ "netports", CONNECT, 80, ALLOW, POLICY_LAYER_NONE, "allow, port 80 is in network.connect_tcp" },
	{ "netports", CONNECT, 1, ALLOW, POLICY_LAYER_NONE, "allow, port 1 is in network.connect_tcp" },
	{ "netports", CONNECT, 65535, ALLOW, POLICY_LAYER_NONE, "allow, port 65535 is in network.connect_tcp" },
	{ "netports", CONNECT, 22, DENY, POLICY_LAYER_LANDLOCK, "deny, port 22 is not in network.connect_tcp" },
	{ "netports", CONNECT, 444, DENY, POLICY_LAYER_LANDLOCK, "deny, port 444 is not in network.connect_tcp" },
	{ "netports", CONNECT, 442, DENY, POLICY_LAYER_LANDLOCK, "deny, port 442 is not in network.connect_tcp" },
	{ "netports", CONNECT, 2, DENY, POLICY_LAYER_LANDLOCK, "deny, port 2 is not in network.connect_tcp" },
	{ "netports", CONNECT, 65534, DENY, POLICY_LAYER_LANDLOCK,
	  "deny, port 65534 is not in network.connect_tcp" },
	{ "netports", CONNECT, 0, DENY, POLICY_LAYER_LANDLOCK, "deny, port 0 is not in network.connect_tcp" },
	{ "netports", CONNECT, 8080, DENY, POLICY_LAYER_LANDLOCK, "deny, port 8080 is not in network.connect_tcp" },
	{ "netports", BIND, 8080, ALLOW, POLICY_LAYER_NONE, "allow, port 8080 is in network.bind_tcp" },
	{ "netports", BIND, 8081, DENY, POLICY_LAYER_LANDLOCK, "deny, port 8081 is not in network.bind_tcp" },
	{ "netports", BIND, 443, DENY, POLICY_LAYER_LANDLOCK, "deny, port 443 is not in network.bind_tcp" },
	{ "netports", BIND, 80, DENY, POLICY_LAYER_LANDLOCK, "deny, port 80 is not in network.bind_tcp" },
	{ "netportsempty", CONNECT, 443, DENY, POLICY_LAYER_LANDLOCK,
	  "deny, port 443 is not in network.connect_tcp" },
	{ "netportsempty", BIND, 443, DENY, POLICY_LAYER_LANDLOCK, "deny, port 443 is not in network.bind_tcp" },
	/* inherited through extends */
	{ "child", CONNECT, 443, ALLOW, POLICY_LAYER_NONE, "allow, network.mode is on" },
	{ "child", SIGNAL, 0, ALLOW, POLICY_LAYER_NONE, "allow, process.signals is open" },
	{ "child", ABSTRACT, 0, DENY, POLICY_LAYER_LANDLOCK, "deny, process.abstract_unix is scoped" },
	{ "child", PTRACE, 0, DENY, POLICY_LAYER_SECCOMP, "deny, process.ptrace is false" },
	/* process: defaults scoped/scoped/false */
	{ "empty", SIGNAL, 0, DENY, POLICY_LAYER_LANDLOCK, "deny, process.signals is scoped" },
	{ "empty", ABSTRACT, 0, DENY, POLICY_LAYER_LANDLOCK, "deny, process.abstract_unix is scoped" },
	{ "empty", PTRACE, 0, DENY, POLICY_LAYER_SECCOMP, "deny, process.ptrace is false" },
	{ "procscoped", SIGNAL, 0, DENY, POLICY_LAYER_LANDLOCK, "deny, process.signals is scoped" },
	{ "procscoped", ABSTRACT, 0, DENY, POLICY_LAYER_LANDLOCK, "deny, process.abstract_unix is scoped" },
	{ "procscoped", PTRACE, 0, DENY, POLICY_LAYER_SECCOMP, "deny, process.ptrace is false" },
	{ "procopen", SIGNAL, 0, ALLOW, POLICY_LAYER_NONE, "allow, process.signals is open" },
	{ "procopen", ABSTRACT, 0, ALLOW, POLICY_LAYER_NONE, "allow, process.abstract_unix is open" },
	{ "procopen", PTRACE, 0, ALLOW, POLICY_LAYER_NONE, "allow, process.ptrace is true" },
	{ "procopen", CONNECT, 443, DENY, POLICY_LAYER_SECCOMP, "deny, network.mode is off" },
	{ "procmixed", SIGNAL, 0, ALLOW, POLICY_LAYER_NONE, "allow, process.signals is open" },
	{ "procmixed", ABSTRACT, 0, DENY, POLICY_LAYER_LANDLOCK, "deny, process.abstract_unix is scoped" },
	{ "procmixed", PTRACE, 0, DENY, POLICY_LAYER_SECCOMP, "deny, process.ptrace is false" },
	{ "rootwrite", SIGNAL, 0, DENY, POLICY_LAYER_LANDLOCK, "deny, process.signals is scoped" },
};

static void test_flag_table(void **state)
{
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(flag_cases) / sizeof(flag_cases[0]); i++) {
		const struct flag_case *c = &flag_cases[i];
		/* a path on a non-fs query is ignored, even a relative one */
		struct policy_query q = { .access = c->access, .port = c->port, .path = "ignored" };
		struct policy_decision d;

		policy_decide(fixture(c->fixture), &q, &d);
		if (d.allow != c->allow || d.layer != c->layer || d.rule || strcmp(d.reason, c->reason) != 0) {
			print_error("[%s] %s port %u: %s layer %s reason '%s'; expected %s layer %s reason '%s'\n",
				    c->fixture, policy_access_name(c->access), c->port, d.allow ? "allow" : "deny",
				    policy_layer_name(d.layer), d.reason, c->allow ? "allow" : "deny",
				    policy_layer_name(c->layer), c->reason);
			failures++;
		}
	}
	print_message("  %zu network/process rows\n", sizeof(flag_cases) / sizeof(flag_cases[0]));
	assert_int_equal(failures, 0);
}

/* ---- what loading produced ------------------------------------------------- */

static const struct policy_rule *find_rule(const struct policy *p, const char *pattern, const char *origin)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (strcmp(p->rules[i].pattern, pattern) == 0 && (!origin || strcmp(p->rules[i].origin, origin) == 0))
			return &p->rules[i];
	return NULL;
}

static void test_rule_paths(void **state)
{
	static const struct {
		const char *fixture;
		const char *pattern;
		const char *path;
		unsigned depth;
	} cases[] = {
		{ "norm", "$CWD/../proj/", "/home/u/proj", 3 },
		{ "norm", "//srv//data/", "/srv/data", 2 },
		{ "norm", "/opt/./a/.", "/opt/a", 2 },
		{ "norm", "/var/x/../y", "/var/y", 2 },
		{ "norm", "$HOME/./My Documents/", "/home/u/My Documents", 3 },
		{ "norm", "$HOME/a/b/../../c", "/home/u/c", 3 },
		{ "norm", "${HOME}/.config/../.vimrc", "/home/u/.vimrc", 3 },
		{ "norm", "$CWD/./secret/../secret2/", "/home/u/proj/secret2", 4 },
		{ "dotdotroot", "/..", "/", 0 },
		{ "rootdeny", "/", "/", 0 },
		{ "agent", "$PRIVATE_TMP", "/tmp/latch-1000", 2 },
		{ "agent", "$XDG_DATA_HOME/app", "/home/u/.local/share/app", 5 },
		{ "agent", "$HOME/.ssh/known_hosts", "/home/u/.ssh/known_hosts", 4 },
		{ "symlinks", "$HOME/link/x", "/home/u/real/x", 4 },
		{ "symlinks", "$HOME/link/x/secret", "/home/u/real/x/secret", 5 },
		{ "symlinks", "$HOME/far/../up", "/data/up", 2 },
	};
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct policy_rule *r = find_rule(fixture(cases[i].fixture), cases[i].pattern, NULL);

		if (!r || strcmp(r->path, cases[i].path) != 0 || r->depth != cases[i].depth) {
			print_error("[%s] rule '%s': path '%s' depth %u, expected '%s' depth %u\n", cases[i].fixture,
				    cases[i].pattern, r ? r->path : "(none)", r ? r->depth : 0, cases[i].path,
				    cases[i].depth);
			failures++;
		}
	}
	/* the resolver was used for every rule of the symlinks fixture */
	assert_true(resolve_calls >= 4);
	assert_int_equal(failures, 0);
}

/* Rules sorted deepest first, deny before allow at equal depth; every path
 * absolute and normalized. */
static void test_rule_order(void **state)
{
	(void)state;
	for (size_t f = 0; f < N_FIXTURES; f++) {
		const struct policy *p = loaded[f];

		for (size_t i = 0; i < p->n_rules; i++) {
			char *norm = NULL;

			assert_int_equal(path_normalize(p->rules[i].path, &norm), 0);
			assert_string_equal(norm, p->rules[i].path);
			free(norm);
			assert_int_equal(p->rules[i].depth, path_depth(p->rules[i].path));
			if (i == 0)
				continue;
			assert_true(p->rules[i - 1].depth >= p->rules[i].depth);
			if (p->rules[i - 1].depth == p->rules[i].depth && p->rules[i].klass == POLICY_CLASS_DENY)
				assert_int_equal(p->rules[i - 1].klass, POLICY_CLASS_DENY);
		}
	}
}

static void test_groups_and_chain(void **state)
{
	const struct policy *p = fixture("child");
	size_t creds = 0;

	(void)state;
	assert_string_equal(p->name, "child");
	assert_non_null(p->chain);
	assert_string_equal(p->chain[0], "child");
	assert_string_equal(p->chain[1], "zzbase");
	assert_null(p->chain[2]);
	assert_non_null(p->groups);
	assert_string_equal(p->groups[0], "zzg-sys");
	assert_string_equal(p->groups[1], "zzg-creds");
	assert_string_equal(p->groups[2], "zzg-tools");
	assert_null(p->groups[3]);
	/* zzg-creds is used by both profiles and merged once */
	for (size_t i = 0; i < p->n_rules; i++)
		creds += strcmp(p->rules[i].origin, "group zzg-creds") == 0;
	assert_int_equal(creds, 3);
	/* 3 sys + 3 creds + 2 tools + 2 zzbase + 3 child */
	assert_int_equal(p->n_rules, 13);
	assert_non_null(find_rule(p, "/usr/bin", "group zzg-sys"));
	assert_non_null(find_rule(p, "/usr/bin", "profile child"));
}

static void test_names_and_labels(void **state)
{
	static const char *const access_names[] = { "read", "write", "create", "delete", "truncate", "exec",
						    "tcp_connect", "tcp_bind", "signal", "abstract_unix",
						    "ptrace", "userns", "unix_connect", "net_connect" };
	static const char *const class_names[] = { "deny",	"read",	   "exec",    "create",	      "write",
						   "protect", "list", "private", "scratch", "unix_connect" };
	const struct policy_rule *r;
	char label[64];

	(void)state;
	for (int a = 0; a < _POLICY_ACCESS_MAX; a++) {
		assert_string_equal(policy_access_name((enum policy_access)a), access_names[a]);
		assert_int_equal(policy_access_from_name(access_names[a]), a);
	}
	assert_null(policy_access_name(_POLICY_ACCESS_MAX));
	assert_int_equal(policy_access_from_name("reed"), -EINVAL);
	assert_int_equal(policy_access_from_name(""), -EINVAL);
	for (int c = 0; c < _POLICY_CLASS_MAX; c++)
		assert_string_equal(policy_class_name((enum policy_class)c), class_names[c]);
	assert_null(policy_class_name(_POLICY_CLASS_MAX));
	assert_string_equal(policy_layer_name(POLICY_LAYER_NONE), "none");
	assert_string_equal(policy_layer_name(POLICY_LAYER_LANDLOCK), "landlock");
	assert_string_equal(policy_layer_name(POLICY_LAYER_SECCOMP), "seccomp");
	assert_string_equal(policy_layer_name(POLICY_LAYER_PROXY), "proxy");
	assert_null(policy_layer_name(_POLICY_LAYER_MAX));
	assert_string_equal(policy_net_mode_name(POLICY_NET_OFF), "off");
	assert_string_equal(policy_net_mode_name(POLICY_NET_ON), "on");
	assert_string_equal(policy_net_mode_name(POLICY_NET_PORTS), "ports");
	assert_string_equal(policy_net_mode_name(POLICY_NET_PROXY), "proxy");
	assert_null(policy_net_mode_name(_POLICY_NET_MAX));

	r = find_rule(fixture("child"), "$HOME/.ssh", NULL);
	assert_non_null(r);
	assert_string_equal(policy_rule_label(r, label, sizeof(label)), "<group zzg-creds: $HOME/.ssh>");
	/* truncated, still terminated */
	assert_string_equal(policy_rule_label(r, label, 8), "<group ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fs_table),
		cmocka_unit_test(test_class_grants),
		cmocka_unit_test(test_class_matrix),
		cmocka_unit_test(test_deny_protects_its_own_path),
		cmocka_unit_test(test_fs_malformed_query),
		cmocka_unit_test(test_deny_names_a_layer),
		cmocka_unit_test(test_no_reason),
		cmocka_unit_test(test_flag_table),
		cmocka_unit_test(test_rule_paths),
		cmocka_unit_test(test_rule_order),
		cmocka_unit_test(test_groups_and_chain),
		cmocka_unit_test(test_names_and_labels),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
