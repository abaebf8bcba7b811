/* Tests for loading profiles: every malformed input gives an error that names
 * the file, the key and (where known) the line, and no policy; variables
 * expand as documented; `extends` chains are merged, bounded and
 * cycle-checked; odd files (a directory, a FIFO, a huge file) fail fast. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
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
#include "base/strv.h"
#include "policy/policy.h"

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
	{ "UNSET", NULL }, /* known, but not set */
};

static char user_dir[64]; /* mkdtemp: profiles/, groups/, rel/ */

/* A pointer that no loader returns: "ret untouched". */
static struct policy sentinel_policy;
#define SENTINEL (&sentinel_policy)

static void ctx_init(struct policy_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->vars = vars;
	ctx->n_vars = sizeof(vars) / sizeof(vars[0]);
	ctx->user_dir = user_dir;
}

/* Check a failed load: negative return, err set, ret untouched, one line
 * naming the file, containing every wanted substring. */
static bool check_failure(const char *what, int r, const struct policy *ret, const struct error *err,
			  const char *file, const char *const *want, size_t n_want)
{
	bool ok = true;

	if (r >= 0) {
		print_error("%s: loaded, expected an error\n", what);
		return false;
	}
	if (ret != SENTINEL) {
		print_error("%s: ret was touched on failure\n", what);
		ok = false;
	}
	if (err->code <= 0 || r != -err->code) {
		print_error("%s: returned %d but err.code is %d\n", what, r, err->code);
		ok = false;
	}
	if (file && !strstr(err->msg, file)) {
		print_error("%s: message '%s' does not name the file '%s'\n", what, err->msg, file);
		ok = false;
	}
	for (size_t i = 0; i < n_want && want[i]; i++)
		if (!strstr(err->msg, want[i])) {
			print_error("%s: message '%s' lacks '%s'\n", what, err->msg, want[i]);
			ok = false;
		}
	if (strchr(err->msg, '\n') || (err->msg[0] && err->msg[strlen(err->msg) - 1] == '.')) {
		print_error("%s: message '%s' is not one line without a full stop\n", what, err->msg);
		ok = false;
	}
	return ok;
}

/* ---- malformed inputs, one row each --------------------------------------- */

struct bad_case {
	const char *what;
	const char *json;
	const char *want[3]; /* substrings besides the file name "case.json" */
};

/* The offending key on line 3, after "{" and "name". */
#define L3(body) "{\n  \"name\": \"t\",\n  " body "\n}\n"
#define LINE3 "case.json:3:"

static const struct bad_case bad_cases[] = {
	/* JSON syntax: line and column */
	{ "missing comma", "{\n  \"name\": \"t\"\n  \"network\": {}\n}", { "case.json:3:11:", "invalid JSON" } },
	{ "trailing comma", "{\n  \"name\": \"t\",\n}", { "case.json:3:1:", "invalid JSON" } },
	{ "truncated", "{\n  \"name\": \"t\",\n  \"filesystem\": {", { LINE3, "invalid JSON" } },
	{ "empty file", "", { "case.json:1:", "invalid JSON" } },
	{ "only whitespace", "  \n\n", { "invalid JSON" } },
	{ "comment", "// profile\n{\"name\": \"t\"}", { "case.json:1:", "invalid JSON" } },
	{ "single quotes", "{'name': 't'}", { "invalid JSON" } },
	{ "two objects", "{\"name\": \"t\"}\n{}", { "case.json:2:", "invalid JSON" } },
	{ "top level string", "\"t\"", { "invalid JSON" } },
	/* top level not an object */
	{ "top level array", "[\n  {\"name\": \"t\"}\n]", { "top level must be a JSON object" } },
	/* duplicate keys (JSON_REJECT_DUPLICATES) */
	{ "duplicate top-level key", L3("\"name\": \"u\""), { LINE3, "duplicate" } },
	{ "duplicate filesystem key", L3("\"filesystem\": {\"read\": [], \"read\": [\"/a\"]}"), { LINE3, "duplicate" } },
	{ "duplicate env.set key", L3("\"env\": {\"set\": {\"A\": \"1\", \"A\": \"2\"}}"), { LINE3, "duplicate" } },
	/* unknown keys */
	{ "unknown top-level key", L3("\"filesytem\": {}"), { LINE3, "unknown key 'filesytem'" } },
	{ "unknown key inside supervise", L3("\"supervise\": {\"mood\": \"ask\"}"), { LINE3, "'supervise.mood'" } },
	{ "unknown supervise mode", L3("\"supervise\": {\"mode\": \"maybe\"}"), { LINE3, "supervise.mode" } },
	{ "supervise not an object", L3("\"supervise\": \"ask\""), { LINE3, "supervise" } },
	{ "unknown key inside limits", L3("\"limits\": {\"cpu\": 1}"), { LINE3, "'limits.cpu'" } },
	{ "limits.nofile zero", L3("\"limits\": {\"nofile\": 0}"), { LINE3, "limits.nofile" } },
	{ "limits.core negative", L3("\"limits\": {\"core\": -1}"), { LINE3, "limits.core" } },
	{ "unknown key filesystem.reed", L3("\"filesystem\": {\"reed\": [\"/usr\"]}"), { LINE3, "filesystem.reed" } },
	{ "unknown key filesystem.Read", L3("\"filesystem\": {\"Read\": []}"), { LINE3, "filesystem.Read" } },
	{ "unknown key network.moed", L3("\"network\": {\"moed\": \"off\"}"), { LINE3, "network.moed" } },
	{ "unknown key process.ptrase", L3("\"process\": {\"ptrase\": true}"), { LINE3, "process.ptrase" } },
	{ "unknown key env.kep", L3("\"env\": {\"kep\": []}"), { LINE3, "env.kep" } },
	/* name */
	{ "name not a string", "{\n  \"name\": 5\n}", { "case.json:2:", "name" } },
	{ "name null", "{\n  \"name\": null\n}", { "case.json:2:", "name" } },
	{ "name with space", "{\n  \"name\": \"Bad Name\"\n}", { "case.json:2:", "name" } },
	{ "name empty", "{\n  \"name\": \"\"\n}", { "case.json:2:", "name" } },
	{ "name hidden", "{\n  \"name\": \".t\"\n}", { "case.json:2:", "name" } },
	{ "name with slash", "{\n  \"name\": \"a/b\"\n}", { "case.json:2:", "name" } },
	{ "name too long",
	  "{\n  \"name\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n}",
	  { "case.json:2:", "name" } },
	{ "name missing", "{\n  \"description\": \"x\"\n}", { "name", "missing" } },
	/* description */
	{ "description not a string", L3("\"description\": 1"), { LINE3, "description", "must be a string" } },
	/* extends */
	{ "extends not a string", L3("\"extends\": [\"a\"]"), { LINE3, "extends", "must be a profile name or path" } },
	{ "extends unknown", L3("\"extends\": \"zz-no-such-profile\""),
	  { "extends", "unknown profile 'zz-no-such-profile'" } },
	{ "extends invalid name", L3("\"extends\": \"Bad Name\""), { "extends", "invalid profile name 'Bad Name'" } },
	{ "extends missing file", L3("\"extends\": \"./zz-no-such-file.json\""),
	  { "extends", "zz-no-such-file.json" } },
	/* groups */
	{ "groups not an array", L3("\"groups\": \"zzg\""), { LINE3, "groups", "must be an array" } },
	{ "groups element not a string", L3("\"groups\": [1]"), { LINE3, "groups", "element 0 is not a string" } },
	{ "groups unknown", L3("\"groups\": [\"zz-no-such-group\"]"),
	  { LINE3, "groups", "unknown group 'zz-no-such-group'" } },
	{ "groups invalid name", L3("\"groups\": [\"Bad\"]"), { LINE3, "groups", "invalid group name 'Bad'" } },
	/* filesystem types */
	{ "filesystem not an object", L3("\"filesystem\": [\"/usr\"]"), { LINE3, "filesystem", "must be an object" } },
	{ "filesystem.read not an array", L3("\"filesystem\": {\"read\": \"/usr\"}"),
	  { LINE3, "filesystem.read", "must be an array" } },
	{ "filesystem.exec object", L3("\"filesystem\": {\"exec\": {}}"), { LINE3, "filesystem.exec" } },
	{ "filesystem.create bool", L3("\"filesystem\": {\"create\": true}"), { LINE3, "filesystem.create" } },
	{ "filesystem.write[0] number", L3("\"filesystem\": {\"write\": [1]}"),
	  { LINE3, "filesystem.write[0]", "must be a string" } },
	{ "filesystem.deny[1] null", L3("\"filesystem\": {\"deny\": [\"/a\", null]}"),
	  { LINE3, "filesystem.deny[1]", "must be a string" } },
	{ "filesystem.read[0] array", L3("\"filesystem\": {\"read\": [[\"/a\"]]}"), { LINE3, "filesystem.read[0]" } },
	/* paths */
	{ "relative path", L3("\"filesystem\": {\"read\": [\"usr/bin\"]}"),
	  { LINE3, "filesystem.read[0]", "not an absolute path" } },
	{ "relative after expansion", L3("\"filesystem\": {\"read\": [\"$UID/x\"]}"),
	  { LINE3, "filesystem.read[0]", "not an absolute path" } },
	{ "dot path", L3("\"filesystem\": {\"write\": [\".\"]}"), { LINE3, "filesystem.write[0]", "not an absolute" } },
	{ "dot-slash path", L3("\"filesystem\": {\"write\": [\"./src\"]}"), { LINE3, "filesystem.write[0]" } },
	{ "empty path", L3("\"filesystem\": {\"read\": [\"\"]}"), { "filesystem.read[0]", "empty path" } },
	{ "second path bad", L3("\"filesystem\": {\"write\": [\"/tmp\", \"$NOPE\"]}"),
	  { LINE3, "filesystem.write[1]", "unknown variable $NOPE" } },
	{ "unknown variable", L3("\"filesystem\": {\"read\": [\"$NOPE/x\"]}"),
	  { LINE3, "filesystem.read[0]", "unknown variable $NOPE" } },
	{ "unknown braced variable", L3("\"filesystem\": {\"read\": [\"${NOPE}/x\"]}"),
	  { LINE3, "filesystem.read[0]", "unknown variable $NOPE" } },
	{ "variable name runs on", L3("\"filesystem\": {\"read\": [\"$HOMEx\"]}"), { LINE3, "unknown variable $HOMEx" } },
	{ "lowercase variable", L3("\"filesystem\": {\"read\": [\"$home\"]}"), { LINE3, "unknown variable $home" } },
	{ "unset variable", L3("\"filesystem\": {\"read\": [\"$UNSET/x\"]}"),
	  { LINE3, "filesystem.read[0]", "variable $UNSET is not set" } },
	{ "unset braced variable", L3("\"filesystem\": {\"deny\": [\"${UNSET}\"]}"),
	  { LINE3, "filesystem.deny[0]", "variable $UNSET is not set" } },
	{ "~user", L3("\"filesystem\": {\"read\": [\"~user/x\"]}"),
	  { LINE3, "filesystem.read[0]", "'~user' is not supported" } },
	{ "~root", L3("\"filesystem\": {\"read\": [\"~root\"]}"), { LINE3, "'~user' is not supported" } },
	{ "stray $ at end", L3("\"filesystem\": {\"read\": [\"/a/$\"]}"),
	  { LINE3, "filesystem.read[0]", "'$' not followed by a variable name" } },
	{ "stray $ alone", L3("\"filesystem\": {\"read\": [\"$\"]}"), { LINE3, "'$' not followed" } },
	{ "stray $ before slash", L3("\"filesystem\": {\"read\": [\"/a/$/b\"]}"), { LINE3, "'$' not followed" } },
	{ "$ then digit", L3("\"filesystem\": {\"read\": [\"/a/$1\"]}"), { LINE3, "'$' not followed" } },
	{ "$ then dash", L3("\"filesystem\": {\"read\": [\"/a$-b\"]}"), { LINE3, "'$' not followed" } },
	{ "empty braces", L3("\"filesystem\": {\"read\": [\"${}\"]}"), { LINE3, "'$' not followed" } },
	{ "unterminated ${", L3("\"filesystem\": {\"read\": [\"${HOME\"]}"),
	  { LINE3, "filesystem.read[0]", "unterminated '${'" } },
	{ "unterminated ${ with slash", L3("\"filesystem\": {\"read\": [\"${HOME/x}\"]}"), { LINE3, "unterminated" } },
	{ "unterminated ${ with space", L3("\"filesystem\": {\"read\": [\"${HOME x}\"]}"), { LINE3, "unterminated" } },
	/* network */
	{ "network not an object", L3("\"network\": \"off\""), { LINE3, "network", "must be an object" } },
	{ "network.mode missing", L3("\"network\": {}"), { LINE3, "network.mode", "missing" } },
	{ "network.mode not a string", L3("\"network\": {\"mode\": 1}"), { LINE3, "network.mode" } },
	{ "network.mode unknown", L3("\"network\": {\"mode\": \"offline\"}"), { LINE3, "network.mode", "'offline'" } },
	{ "network.mode uppercase", L3("\"network\": {\"mode\": \"ON\"}"), { LINE3, "network.mode", "'ON'" } },
	{ "connect_tcp not an array", L3("\"network\": {\"mode\": \"ports\", \"connect_tcp\": 443}"),
	  { LINE3, "network.connect_tcp", "must be an array" } },
	{ "bind_tcp object", L3("\"network\": {\"mode\": \"ports\", \"bind_tcp\": {}}"),
	  { LINE3, "network.bind_tcp", "must be an array" } },
	{ "port 0", L3("\"network\": {\"mode\": \"ports\", \"connect_tcp\": [0]}"),
	  { LINE3, "network.connect_tcp", "element 0 is not a port" } },
	{ "port 65536", L3("\"network\": {\"mode\": \"ports\", \"connect_tcp\": [65536]}"),
	  { LINE3, "network.connect_tcp", "element 0 is not a port" } },
	{ "port string", L3("\"network\": {\"mode\": \"ports\", \"connect_tcp\": [\"80\"]}"),
	  { LINE3, "network.connect_tcp", "element 0 is not a port" } },
	{ "port -1", L3("\"network\": {\"mode\": \"ports\", \"bind_tcp\": [-1]}"),
	  { LINE3, "network.bind_tcp", "element 0 is not a port" } },
	{ "port real", L3("\"network\": {\"mode\": \"ports\", \"connect_tcp\": [80.0]}"),
	  { LINE3, "network.connect_tcp", "element 0" } },
	{ "port bool", L3("\"network\": {\"mode\": \"ports\", \"connect_tcp\": [true]}"),
	  { LINE3, "network.connect_tcp", "element 0" } },
	{ "port huge", L3("\"network\": {\"mode\": \"ports\", \"connect_tcp\": [4294967297]}"),
	  { LINE3, "network.connect_tcp", "element 0" } },
	{ "second port bad", L3("\"network\": {\"mode\": \"ports\", \"bind_tcp\": [8080, 0]}"),
	  { LINE3, "network.bind_tcp", "element 1 is not a port" } },
	{ "connect_tcp with mode on", L3("\"network\": {\"mode\": \"on\", \"connect_tcp\": [443]}"),
	  { LINE3, "network.connect_tcp", "only meaningful with mode \"ports\"" } },
	{ "bind_tcp with mode off", L3("\"network\": {\"mode\": \"off\", \"bind_tcp\": [8080]}"),
	  { LINE3, "network.bind_tcp", "only meaningful" } },
	/* network.mode proxy */
#define PROXY(body) L3("\"network\": {\"mode\": \"proxy\", " body "}")
	{ "hosts with mode on", L3("\"network\": {\"mode\": \"on\", \"hosts\": [\"a.org\"]}"),
	  { LINE3, "network.hosts", "only meaningful with mode \"proxy\"" } },
	{ "deny_hosts with mode ports", L3("\"network\": {\"mode\": \"ports\", \"deny_hosts\": [\"a.org\"]}"),
	  { LINE3, "network.deny_hosts", "only meaningful with mode \"proxy\"" } },
	{ "resolve with mode off", L3("\"network\": {\"mode\": \"off\", \"resolve\": {}}"),
	  { LINE3, "network.resolve", "only meaningful" } },
	{ "hosts not an array", PROXY("\"hosts\": \"a.org\""), { LINE3, "network.hosts", "must be an array" } },
	{ "host not a string", PROXY("\"hosts\": [443]"), { LINE3, "network.hosts", "element 0 is not a string" } },
	{ "host empty", PROXY("\"hosts\": [\"\"]"), { LINE3, "network.hosts", "empty host name" } },
	{ "host with a space", PROXY("\"hosts\": [\"a b.org\"]"), { LINE3, "'a b.org'", "only letters" } },
	{ "host with a slash", PROXY("\"hosts\": [\"a.org/x\"]"), { LINE3, "network.hosts", "only letters" } },
	{ "host with a scheme", PROXY("\"hosts\": [\"https://a.org\"]"), { LINE3, "network.hosts", "port" } },
	{ "host label too long",
	  PROXY("\"hosts\": [\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org\"]"),
	  { LINE3, "network.hosts", "longer than 63" } },
	{ "host empty label", PROXY("\"hosts\": [\"a..org\"]"), { LINE3, "network.hosts", "empty label" } },
	{ "host leading hyphen", PROXY("\"hosts\": [\"-a.org\"]"), { LINE3, "network.hosts", "'-'" } },
	{ "host numeric last label", PROXY("\"hosts\": [\"2130706433\"]"), { LINE3, "network.hosts", "a number" } },
	{ "host hex last label", PROXY("\"hosts\": [\"0x7f000001\"]"), { LINE3, "network.hosts", "a number" } },
	{ "bare wildcard", PROXY("\"hosts\": [\"*\"]"), { LINE3, "network.hosts", "only letters" } },
	{ "wildcard over a TLD", PROXY("\"hosts\": [\"*.com\"]"), { LINE3, "network.hosts", "two labels" } },
	{ "wildcard suffix trick", PROXY("\"hosts\": [\"*example.org\"]"), { LINE3, "network.hosts", "only letters" } },
	{ "wildcard inside", PROXY("\"hosts\": [\"a.*.org\"]"), { LINE3, "network.hosts", "only letters" } },
	{ "port 0", PROXY("\"hosts\": [\"a.org:0\"]"), { LINE3, "network.hosts", "from 1 to 65535" } },
	{ "port 65536", PROXY("\"hosts\": [\"a.org:65536\"]"), { LINE3, "network.hosts", "from 1 to 65535" } },
	{ "port empty", PROXY("\"hosts\": [\"a.org:\"]"), { LINE3, "network.hosts", "from 1 to 65535" } },
	{ "port sign", PROXY("\"hosts\": [\"a.org:+443\"]"), { LINE3, "network.hosts", "from 1 to 65535" } },
	{ "ipv6 without brackets", PROXY("\"hosts\": [\"::1\"]"), { LINE3, "network.hosts", "brackets" } },
	{ "ipv6 bad in brackets", PROXY("\"hosts\": [\"[::g]:443\"]"), { LINE3, "network.hosts", "IPv6" } },
	{ "ipv6 junk after", PROXY("\"hosts\": [\"[::1]x\"]"), { LINE3, "network.hosts", "':PORT'" } },
	{ "deny_hosts bad", PROXY("\"deny_hosts\": [\"a_b..c\"]"), { LINE3, "network.deny_hosts", "empty label" } },
	{ "resolve not an object", PROXY("\"resolve\": [\"a.test\"]"), { LINE3, "network.resolve", "must be an object" } },
	{ "resolve bad name", PROXY("\"resolve\": {\"a b\": \"127.0.0.1\"}"), { LINE3, "network.resolve.a b" } },
	{ "resolve ip as name", PROXY("\"resolve\": {\"1.2.3.4\": \"127.0.0.1\"}"),
	  { LINE3, "network.resolve.1.2.3.4", "not a host name" } },
	{ "resolve to a name", PROXY("\"resolve\": {\"a.test\": \"b.test\"}"),
	  { LINE3, "network.resolve.a.test", "IPv4 or IPv6 address" } },
	{ "resolve to a number", PROXY("\"resolve\": {\"a.test\": 2130706433}"),
	  { LINE3, "network.resolve.a.test", "IPv4 or IPv6 address" } },
	{ "resolve to brackets", PROXY("\"resolve\": {\"a.test\": \"[::1]\"}"),
	  { LINE3, "network.resolve.a.test", "without brackets" } },
	{ "unknown key network.host", PROXY("\"host\": []"), { LINE3, "network.host", "deny_hosts, hosts" } },
	{ "mode proxy misspelt", L3("\"network\": {\"mode\": \"proxied\"}"),
	  { LINE3, "network.mode", "off, on, ports, proxy" } },
#undef PROXY
	/* process */
	{ "process not an object", L3("\"process\": true"), { LINE3, "process", "must be an object" } },
	{ "signals maybe", L3("\"process\": {\"signals\": \"maybe\"}"), { LINE3, "process.signals", "'maybe'" } },
	{ "signals bool", L3("\"process\": {\"signals\": true}"), { LINE3, "process.signals" } },
	{ "signals capitalized", L3("\"process\": {\"signals\": \"Scoped\"}"), { LINE3, "process.signals" } },
	{ "abstract_unix number", L3("\"process\": {\"abstract_unix\": 1}"), { LINE3, "process.abstract_unix" } },
	{ "ptrace yes", L3("\"process\": {\"ptrace\": \"yes\"}"), { LINE3, "process.ptrace", "must be true or false" } },
	{ "ptrace 1", L3("\"process\": {\"ptrace\": 1}"), { LINE3, "process.ptrace" } },
	{ "ptrace null", L3("\"process\": {\"ptrace\": null}"), { LINE3, "process.ptrace" } },
	/* env */
	{ "env not an object", L3("\"env\": []"), { LINE3, "env", "must be an object" } },
	{ "env.keep string", L3("\"env\": {\"keep\": \"PATH\"}"), { LINE3, "env.keep", "must be an array" } },
	{ "env.keep number element", L3("\"env\": {\"keep\": [1]}"), { LINE3, "env.keep", "element 0" } },
	{ "env.drop with space", L3("\"env\": {\"drop\": [\"A B\"]}"), { LINE3, "env.drop", "element 0" } },
	{ "env.drop empty element", L3("\"env\": {\"drop\": [\"OK\", \"\"]}"), { LINE3, "env.drop", "element 1" } },
	{ "env.drop with =", L3("\"env\": {\"drop\": [\"A=B\"]}"), { LINE3, "env.drop", "element 0" } },
	{ "env.set array", L3("\"env\": {\"set\": [\"A=1\"]}"), { LINE3, "env.set", "must be an object" } },
	{ "env.set leading digit", L3("\"env\": {\"set\": {\"1BAD\": \"x\"}}"),
	  { LINE3, "env.set.1BAD", "not a valid variable name" } },
	{ "env.set dash", L3("\"env\": {\"set\": {\"A-B\": \"x\"}}"), { LINE3, "env.set.A-B", "not a valid variable" } },
	{ "env.set space", L3("\"env\": {\"set\": {\"A B\": \"x\"}}"), { LINE3, "env.set.A B", "not a valid variable" } },
	{ "env.set glob", L3("\"env\": {\"set\": {\"A*\": \"x\"}}"), { LINE3, "env.set.A*", "not a valid variable" } },
	{ "env.set empty name", L3("\"env\": {\"set\": {\"\": \"x\"}}"), { LINE3, "env.set.", "not a valid variable" } },
	{ "env.set value number", L3("\"env\": {\"set\": {\"X\": 1}}"), { LINE3, "env.set.X", "must be a string" } },
	{ "env.set value unknown variable", L3("\"env\": {\"set\": {\"X\": \"$NOPE\"}}"),
	  { LINE3, "env.set.X", "unknown variable $NOPE" } },
	{ "env.set value unset variable", L3("\"env\": {\"set\": {\"X\": \"${UNSET}\"}}"),
	  { LINE3, "env.set.X", "variable $UNSET is not set" } },
	{ "env.set value ~user", L3("\"env\": {\"set\": {\"X\": \"~bob\"}}"), { LINE3, "env.set.X", "'~user'" } },
	/* required */
	{ "required string", L3("\"required\": \"landlock_net\""), { LINE3, "required", "must be an array" } },
	{ "required unknown", L3("\"required\": [\"landlock_nett\"]"), { LINE3, "required", "element 0" } },
	{ "required number", L3("\"required\": [1]"), { LINE3, "required", "element 0" } },
	{ "required second unknown", L3("\"required\": [\"landlock_net\", \"seccomp\"]"),
	  { LINE3, "required", "element 1" } },
};

static void test_bad_table(void **state)
{
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct policy *ret = SENTINEL;
		struct error err = { 0 };
		struct policy_ctx ctx;
		int r;

		ctx_init(&ctx);
		r = policy_load_buffer(c->json, strlen(c->json), "case.json", &ctx, &ret, &err);
		if (!check_failure(c->what, r, ret, &err, "case.json", c->want, 3))
			failures++;
		if (r >= 0 && ret != SENTINEL)
			policy_free(ret);
	}
	print_message("  %zu malformed-input rows\n", sizeof(bad_cases) / sizeof(bad_cases[0]));
	assert_int_equal(failures, 0);
}

/* Every error about a value names its line, as the loader does for every
 * other key: these two are the exceptions found. */
static void test_value_errors_name_the_line(void **state)
{
	static const struct bad_case cases[] = {
		{ "extends unknown", L3("\"extends\": \"zz-no-such-profile\""), { LINE3, "extends" } },
		{ "empty path", L3("\"filesystem\": {\"read\": [\"\"]}"), { LINE3, "filesystem.read[0]" } },
		/* for comparison, the same file with an unknown group does */
		{ "groups unknown", L3("\"groups\": [\"zz-no-such-group\"]"), { LINE3, "groups" } },
	};
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy *ret = SENTINEL;
		struct error err = { 0 };
		struct policy_ctx ctx;
		int r;

		ctx_init(&ctx);
		r = policy_load_buffer(cases[i].json, strlen(cases[i].json), "case.json", &ctx, &ret, &err);
		if (!check_failure(cases[i].what, r, ret, &err, "case.json", cases[i].want, 3))
			failures++;
	}
	assert_int_equal(failures, 0);
}

/* head, then n items pre<i>post (i from 1) separated by commas, then tail. */
static char *many(const char *head, const char *pre, const char *post, size_t n, const char *tail)
{
	size_t size = strlen(head) + strlen(tail) + n * 32 + 1, o = 0;
	char *buf = malloc(size);

	assert_non_null(buf);
	o += (size_t)snprintf(buf + o, size - o, "%s", head);
	for (size_t i = 0; i < n; i++) {
		o += (size_t)snprintf(buf + o, size - o, "%s%u%s", pre, (unsigned)(i + 1), post);
		if (i + 1 < n)
			o += (size_t)snprintf(buf + o, size - o, ",");
	}
	(void)snprintf(buf + o, size - o, "%s", tail);
	return buf;
}

static int load_text(const char *json, struct policy **ret, struct error *err)
{
	struct policy_ctx ctx;

	ctx_init(&ctx);
	return policy_load_buffer(json, strlen(json), "case.json", &ctx, ret, err);
}

static void test_limits(void **state)
{
	struct policy *p = SENTINEL;
	struct error err = { 0 };
	char *json;
	char path[LATCH_PATH_MAX + 32];
	char text[2 * LATCH_PATH_MAX];

	(void)state;
	/* POLICY_RULES_MAX rules load, one more does not */
	json = many("{\"name\":\"t\",\"filesystem\":{\"read\":[", "\"/r/", "\"", POLICY_RULES_MAX, "]}}");
	assert_int_equal(load_text(json, &p, &err), 0);
	assert_int_equal(p->n_rules, POLICY_RULES_MAX);
	p = policy_free(p);
	free(json);
	p = SENTINEL;
	json = many("{\"name\":\"t\",\"filesystem\":{\"read\":[", "\"/r/", "\"", POLICY_RULES_MAX + 1, "]}}");
	{
		const char *want[] = { "filesystem.read[4096]", "more than 4096" };

		assert_true(check_failure("too many rules", load_text(json, &p, &err), p, &err, "case.json", want, 2));
	}
	free(json);

	/* POLICY_PORTS_MAX ports load, one more does not */
	p = NULL;
	memset(&err, 0, sizeof(err));
	json = many("{\"name\":\"t\",\"network\":{\"mode\":\"ports\",\"connect_tcp\":[", "", "", POLICY_PORTS_MAX, "]}}");
	assert_int_equal(load_text(json, &p, &err), 0);
	assert_int_equal(p->net.n_connect, POLICY_PORTS_MAX);
	assert_int_equal(p->net.connect[POLICY_PORTS_MAX - 1], POLICY_PORTS_MAX);
	p = policy_free(p);
	free(json);
	p = SENTINEL;
	json = many("{\"name\":\"t\",\"network\":{\"mode\":\"ports\",\"bind_tcp\":[", "", "", POLICY_PORTS_MAX + 1, "]}}");
	{
		const char *want[] = { "network.bind_tcp", "more than 256 ports" };

		assert_true(check_failure("too many ports", load_text(json, &p, &err), p, &err, "case.json", want, 2));
	}
	free(json);

	/* A path of 4095 bytes after expansion loads; 4096 does not. */
	memset(&err, 0, sizeof(err));
	p = NULL;
	(void)snprintf(path, sizeof(path), "$HOME/");
	memset(path + 6, 'a', 4095 - strlen("/home/u/"));
	path[6 + 4095 - strlen("/home/u/")] = '\0';
	(void)snprintf(text, sizeof(text), "{\"name\":\"t\",\"filesystem\":{\"read\":[\"%s\"]}}", path);
	assert_int_equal(load_text(text, &p, &err), 0);
	assert_int_equal(strlen(p->rules[0].path), 4095);
	p = policy_free(p);

	p = SENTINEL;
	(void)snprintf(path, sizeof(path), "$HOME/");
	memset(path + 6, 'a', 4096 - strlen("/home/u/"));
	path[6 + 4096 - strlen("/home/u/")] = '\0';
	(void)snprintf(text, sizeof(text), "{\"name\":\"t\",\"filesystem\":{\"read\":[\"%s\"]}}", path);
	{
		const char *want[] = { "filesystem.read[0]", "longer than 4095" };

		assert_true(check_failure("path too long", load_text(text, &p, &err), p, &err, "case.json", want, 2));
	}
	/* the same, written out literally */
	memset(&err, 0, sizeof(err));
	path[0] = '/';
	memset(path + 1, 'b', 4095);
	path[4096] = '\0';
	(void)snprintf(text, sizeof(text), "{\"name\":\"t\",\"filesystem\":{\"read\":[\"%s\"]}}", path);
	{
		const char *want[] = { "filesystem.read[0]", "4095" };

		assert_true(check_failure("literal path too long", load_text(text, &p, &err), p, &err, "case.json",
					  want, 2));
	}
	/* and via env.set */
	memset(&err, 0, sizeof(err));
	(void)snprintf(path, sizeof(path), "$CWD");
	for (size_t n = 4; n + 4 < 4 * 400; n += 4)
		memcpy(path + n, "$CWD", 5);
	(void)snprintf(text, sizeof(text), "{\"name\":\"t\",\"env\":{\"set\":{\"LONG\":\"%s\"}}}", path);
	{
		const char *want[] = { "env.set.LONG", "longer than 4095" };

		assert_true(check_failure("env value too long", load_text(text, &p, &err), p, &err, "case.json", want,
					  2));
	}
}

/* The profile's name must match its file name when the file name is a bare
 * name; a ".json" name or a path is free. */
static void test_name_matches_file(void **state)
{
	static const char json[] = "{\"name\":\"alpha\"}";
	struct policy_ctx ctx;
	struct policy *p = SENTINEL;
	struct error err = { 0 };
	const char *want[] = { "name", "'alpha' does not match", "'beta'" };

	(void)state;
	ctx_init(&ctx);
	assert_true(check_failure("name mismatch", policy_load_buffer(json, strlen(json), "beta", &ctx, &p, &err), p,
				  &err, "beta", want, 3));
	p = NULL;
	assert_int_equal(policy_load_buffer(json, strlen(json), "alpha", &ctx, &p, &err), 0);
	assert_string_equal(p->name, "alpha");
	assert_string_equal(p->source, "alpha");
	p = policy_free(p);
	assert_int_equal(policy_load_buffer(json, strlen(json), "beta.json", &ctx, &p, &err), 0);
	assert_string_equal(p->source, "beta.json");
	p = policy_free(p);
	assert_int_equal(policy_load_buffer(json, strlen(json), "/some/dir/beta", &ctx, &p, &err), 0);
	p = policy_free(p);
}

/* A buffer with a NUL inside is not JSON; the loader must neither accept it
 * nor read past what the caller gave (run under valgrind/ASan). */
static void test_buffer_with_nul(void **state)
{
	static const char buf[] = "{\"name\":\"t\"}\0\0\0\0\0\0\0\0{\"x\":1}";
	struct policy *p = SENTINEL;
	struct error err = { 0 };
	const char *want[] = { "case.json" };
	struct policy_ctx ctx;
	int r;

	(void)state;
	ctx_init(&ctx);
	r = policy_load_buffer(buf, sizeof(buf) - 1, "case.json", &ctx, &p, &err);
	if (r >= 0 && p != SENTINEL)
		policy_free(p);
	assert_true(check_failure("NUL in buffer", r, p, &err, "case.json", want, 1));
	/* A UTF-8 lead byte right before the NUL makes the JSON parser read the
	 * following bytes of the sequence: they must lie inside what the loader
	 * holds (the caller gave len bytes). */
	{
		static const char lead[] = "{\"name\":\"\xf0\0\0\0\0\0\0\"}";

		memset(&err, 0, sizeof(err));
		p = SENTINEL;
		r = policy_load_buffer(lead, sizeof(lead) - 1, "case.json", &ctx, &p, &err);
		if (r >= 0 && p != SENTINEL)
			policy_free(p);
		assert_true(check_failure("NUL after a UTF-8 lead byte", r, p, &err, "case.json", want, 1));
	}
	/* and a buffer that is not NUL-terminated at len is read only up to len */
	memset(&err, 0, sizeof(err));
	p = NULL;
	assert_int_equal(policy_load_buffer("{\"name\":\"t\"}garbage", 12, "case.json", &ctx, &p, &err), 0);
	assert_string_equal(p->name, "t");
	policy_free(p);
}

/* ---- what a good profile becomes -------------------------------------------- */

static void test_defaults(void **state)
{
	struct policy *p = NULL;
	struct error err = { 0 };

	(void)state;
	assert_int_equal(load_text("{\"name\":\"t\"}", &p, &err), 0);
	assert_string_equal(p->name, "t");
	assert_null(p->description);
	assert_string_equal(p->source, "case.json");
	assert_non_null(p->chain);
	assert_string_equal(p->chain[0], "t");
	assert_null(p->chain[1]);
	assert_null(p->groups);
	assert_int_equal(p->n_rules, 0);
	assert_int_equal(p->net.mode, POLICY_NET_OFF);
	assert_int_equal(p->net.n_connect, 0);
	assert_int_equal(p->net.n_bind, 0);
	assert_true(p->process.scope_signals);
	assert_true(p->process.scope_abstract_unix);
	assert_false(p->process.ptrace);
	assert_null(p->env.keep);
	assert_null(p->env.drop);
	assert_null(p->env.set);
	assert_int_equal(p->required, 0);
	assert_false(p->uses_private_tmp);
	policy_free(p);
	assert_null(policy_free(NULL));
}

static void test_full_profile(void **state)
{
	static const char json[] =
		"{\n"
		"  \"name\": \"full\",\n"
		"  \"description\": \"every key\",\n"
		"  \"filesystem\": {\"read\": [\"/usr\"], \"write\": [\"$CWD\"], \"exec\": [\"/bin\"],\n"
		"                 \"create\": [\"$XDG_CACHE_HOME\"], \"deny\": [\"$HOME/.ssh\"]},\n"
		"  \"network\": {\"mode\": \"ports\", \"connect_tcp\": [443, 80], \"bind_tcp\": []},\n"
		"  \"process\": {\"signals\": \"open\", \"abstract_unix\": \"scoped\", \"ptrace\": true},\n"
		"  \"env\": {\"keep\": [], \"drop\": [\"*_TOKEN\", \"AWS_*\", \"[AB]?\", \"!X\"],\n"
		"          \"set\": {\"TMPDIR\": \"$PRIVATE_TMP\", \"_X1\": \"~/x\", \"EMPTY\": \"\"}},\n"
		"  \"required\": [\"landlock_truncate\", \"landlock_net\", \"landlock_ioctl_dev\", \"landlock_scopes\",\n"
		"               \"landlock_net\"]\n"
		"}\n";
	struct policy *p = NULL;
	struct error err = { 0 };

	(void)state;
	assert_int_equal(load_text(json, &p, &err), 0);
	assert_string_equal(p->description, "every key");
	assert_int_equal(p->n_rules, 5);
	assert_int_equal(p->net.mode, POLICY_NET_PORTS);
	assert_int_equal(p->net.n_connect, 2);
	assert_int_equal(p->net.connect[0], 443);
	assert_int_equal(p->net.connect[1], 80);
	assert_int_equal(p->net.n_bind, 0);
	assert_false(p->process.scope_signals);
	assert_true(p->process.scope_abstract_unix);
	assert_true(p->process.ptrace);
	/* keep: [] keeps nothing, which differs from no keep */
	assert_non_null(p->env.keep);
	assert_null(p->env.keep[0]);
	assert_int_equal(strv_length(p->env.drop), 4);
	assert_true(strv_contains(p->env.set, "TMPDIR=/tmp/latch-1000"));
	assert_true(strv_contains(p->env.set, "_X1=/home/u/x"));
	assert_true(strv_contains(p->env.set, "EMPTY="));
	assert_int_equal(strv_length(p->env.set), 3);
	assert_int_equal(p->required, POLICY_REQUIRE_LANDLOCK_TRUNCATE | POLICY_REQUIRE_LANDLOCK_NET |
					      POLICY_REQUIRE_LANDLOCK_IOCTL_DEV | POLICY_REQUIRE_LANDLOCK_SCOPES);
	assert_true(p->uses_private_tmp); /* named by env.set */
	policy_free(p);

	/* named by a rule */
	assert_int_equal(load_text("{\"name\":\"t\",\"filesystem\":{\"write\":[\"${PRIVATE_TMP}/x\"]}}", &p, &err), 0);
	assert_true(p->uses_private_tmp);
	policy_free(p);
	/* not named: $TMPDIR is not $PRIVATE_TMP even when it expands under /tmp */
	assert_int_equal(load_text("{\"name\":\"t\",\"filesystem\":{\"write\":[\"$TMPDIR/latch-1000\"]}}", &p, &err), 0);
	assert_false(p->uses_private_tmp);
	policy_free(p);
}

/* ---- variable expansion ------------------------------------------------------ */

/* $PRIVATE_TMP makes latch create the private tmp; the text alone does not. */
static void test_uses_private_tmp(void **state)
{
	static const struct {
		const char *json;
		bool uses;
	} cases[] = {
		{ "{\"name\":\"t\",\"filesystem\":{\"write\":[\"$PRIVATE_TMP\"]}}", true },
		{ "{\"name\":\"t\",\"filesystem\":{\"write\":[\"${PRIVATE_TMP}/x\"]}}", true },
		{ "{\"name\":\"t\",\"env\":{\"set\":{\"TMPDIR\":\"$PRIVATE_TMP\"}}}", true },
		{ "{\"name\":\"t\",\"filesystem\":{\"read\":[\"/srv/PRIVATE_TMP\"]}}", false },
		{ "{\"name\":\"t\",\"env\":{\"set\":{\"X\":\"PRIVATE_TMP\"}}}", false },
		{ "{\"name\":\"t\",\"filesystem\":{\"read\":[\"$TMPDIR/PRIVATE_TMP\"]}}", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy_ctx ctx;
		struct policy *p = NULL;
		struct error err = { 0 };

		ctx_init(&ctx);
		assert_int_equal(policy_load_buffer(cases[i].json, strlen(cases[i].json), "t.json", &ctx, &p, &err), 0);
		assert_int_equal(p->uses_private_tmp, cases[i].uses);
		policy_free(p);
	}
	assert_true(policy_mentions_var("a$PRIVATE_TMP/b", "PRIVATE_TMP"));
	assert_false(policy_mentions_var("$PRIVATE_TMPX", "PRIVATE_TMP"));
	assert_false(policy_mentions_var("${PRIVATE_TMP", "PRIVATE_TMP"));
}

static void test_expand_table(void **state)
{
	static const struct {
		const char *in;
		const char *expanded;   /* policy_expand() */
		const char *normalized; /* the rule's path after loading */
	} cases[] = {
		{ "$HOME/x", "/home/u/x", "/home/u/x" },
		{ "${HOME}/x", "/home/u/x", "/home/u/x" },
		{ "~", "/home/u", "/home/u" },
		{ "~/", "/home/u/", "/home/u" },
		{ "~/x", "/home/u/x", "/home/u/x" },
		{ "~/x/~", "/home/u/x/~", "/home/u/x/~" },
		{ "/a/~/b", "/a/~/b", "/a/~/b" },
		{ "$HOME$CWD", "/home/u/home/u/proj", "/home/u/home/u/proj" },
		{ "${HOME}${CWD}", "/home/u/home/u/proj", "/home/u/home/u/proj" },
		{ "$HOME/$UID", "/home/u/1000", "/home/u/1000" },
		{ "/run/user/$UID/bus", "/run/user/1000/bus", "/run/user/1000/bus" },
		{ "/run/user/${UID}x", "/run/user/1000x", "/run/user/1000x" },
		{ "${HOME}x", "/home/ux", "/home/ux" },
		{ "$HOME.bak", "/home/u.bak", "/home/u.bak" },
		{ "$HOME-old", "/home/u-old", "/home/u-old" },
		{ "$XDG_CONFIG_HOME/latch", "/home/u/.config/latch", "/home/u/.config/latch" },
		{ "$PRIVATE_TMP", "/tmp/latch-1000", "/tmp/latch-1000" },
		{ "$CWD/../proj/", "/home/u/proj/../proj/", "/home/u/proj" },
		{ "/no/vars", "/no/vars", "/no/vars" },
		{ "/caf\xc3\xa9/$UID", "/caf\xc3\xa9/1000", "/caf\xc3\xa9/1000" },
	};
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy_ctx ctx;
		struct error err = { 0 };
		char *out = NULL, json[512];
		struct policy *p = NULL;

		ctx_init(&ctx);
		if (policy_expand(cases[i].in, &ctx, &out, &err) < 0 || strcmp(out, cases[i].expanded) != 0) {
			print_error("policy_expand('%s'): '%s' (%s), expected '%s'\n", cases[i].in, out ? out : "",
				    err.msg, cases[i].expanded);
			failures++;
		}
		free(out);
		(void)snprintf(json, sizeof(json), "{\"name\":\"t\",\"filesystem\":{\"read\":[\"%s\"]}}", cases[i].in);
		if (load_text(json, &p, &err) < 0 || p->n_rules != 1 ||
		    strcmp(p->rules[0].path, cases[i].normalized) != 0 || strcmp(p->rules[0].pattern, cases[i].in) != 0) {
			print_error("rule '%s': path '%s' (%s), expected '%s'\n", cases[i].in,
				    p && p->n_rules ? p->rules[0].path : "", err.msg, cases[i].normalized);
			failures++;
		}
		policy_free(p);
	}
	assert_int_equal(failures, 0);
}

static void test_expand_errors(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "$NOPE", "unknown variable $NOPE" },
		{ "${NOPE}", "unknown variable $NOPE" },
		{ "$UNSET", "variable $UNSET is not set" },
		{ "/a/${UNSET}/b", "variable $UNSET is not set" },
		{ "~user", "'~user' is not supported" },
		{ "~.", "'~user' is not supported" },
		{ "$", "'$' not followed by a variable name" },
		{ "/a/$", "'$' not followed by a variable name" },
		{ "$9", "'$' not followed by a variable name" },
		{ "${", "'$' not followed by a variable name" },
		{ "${}", "'$' not followed by a variable name" },
		{ "${HOME", "unterminated '${'" },
		{ "${HOME/x", "unterminated '${'" },
		{ "$HOMEx", "unknown variable $HOMEx" },
	};
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy_ctx ctx;
		struct error err = { 0 };
		char *out = (char *)"untouched";
		int r;

		ctx_init(&ctx);
		r = policy_expand(cases[i].in, &ctx, &out, &err);
		if (r >= 0 || !strstr(err.msg, cases[i].want) || strcmp(out, "untouched") != 0 ||
		    r != -err.code) {
			print_error("policy_expand('%s'): %d '%s', expected an error with '%s'\n", cases[i].in, r,
				    err.msg, cases[i].want);
			failures++;
		}
		if (r >= 0)
			free(out);
	}
	/* Without a context every variable is unknown, "~" included. */
	{
		struct error err = { 0 };
		char *out = NULL;
		struct policy *p = NULL;

		assert_true(policy_expand("~/x", NULL, &out, &err) < 0);
		assert_non_null(strstr(err.msg, "unknown variable $HOME"));
		memset(&err, 0, sizeof(err));
		assert_int_equal(policy_expand("/plain", NULL, &out, &err), 0);
		assert_string_equal(out, "/plain");
		free(out);
		assert_int_equal(policy_load_buffer("{\"name\":\"t\",\"filesystem\":{\"read\":[\"/usr/\"]}}", 44,
						    "case.json", NULL, &p, &err),
				 0);
		assert_string_equal(p->rules[0].path, "/usr");
		policy_free(p);
	}
	assert_int_equal(failures, 0);
}

/* A resolver's failure is reported with the path and the key. */
static int failing_resolve(const char *path, char **ret, void *userdata)
{
	(void)userdata;
	if (path_has_prefix(path, "/loop"))
		return -ELOOP;
	return path_normalize(path, ret);
}

static void test_resolver_error(void **state)
{
	static const char json[] = L3("\"filesystem\": {\"read\": [\"/ok\", \"/loop/x\"]}");
	struct policy_ctx ctx;
	struct policy *p = SENTINEL;
	struct error err = { 0 };
	const char *want[] = { LINE3, "filesystem.read[1]", "cannot resolve '/loop/x'" };

	(void)state;
	ctx_init(&ctx);
	ctx.resolve = failing_resolve;
	assert_true(check_failure("resolver error", policy_load_buffer(json, strlen(json), "case.json", &ctx, &p, &err),
				  p, &err, "case.json", want, 3));
	assert_non_null(strstr(err.msg, strerror(ELOOP)));
}

/* ---- files: extends, groups, odd files -------------------------------------- */

static const struct {
	const char *rel;
	const char *json;
} files[] = {
	/* a chain: zchild -> zmid -> zbase */
	{ "profiles/zbase.json",
	  "{\"name\":\"zbase\",\"description\":\"base\",\"groups\":[\"zg1\"],\"network\":{\"mode\":\"on\"},"
	  "\"env\":{\"keep\":[\"PATH\"],\"drop\":[\"A\"],\"set\":{\"X\":\"base\",\"Y\":\"base\"}},"
	  "\"filesystem\":{\"read\":[\"/usr\"]},\"process\":{\"signals\":\"open\",\"ptrace\":true},"
	  "\"required\":[\"landlock_net\"]}" },
	{ "profiles/zmid.json",
	  "{\"name\":\"zmid\",\"extends\":\"zbase\",\"network\":{\"mode\":\"ports\",\"connect_tcp\":[443]},"
	  "\"env\":{\"keep\":[\"HOME\"],\"drop\":[\"B\",\"A\"],\"set\":{\"X\":\"mid\"}},"
	  "\"filesystem\":{\"write\":[\"$CWD\"]}}" },
	{ "profiles/zchild.json",
	  "{\"name\":\"zchild\",\"extends\":\"zmid\",\"groups\":[\"zg1\",\"zg2\"],"
	  "\"network\":{\"mode\":\"ports\",\"bind_tcp\":[8080]},"
	  "\"env\":{\"drop\":[\"C\"],\"set\":{\"Y\":\"child\",\"Z\":\"$HOME\"}},"
	  "\"filesystem\":{\"deny\":[\"$CWD/.git\"]},\"process\":{\"ptrace\":false},"
	  "\"required\":[\"landlock_truncate\"]}" },
	{ "groups/zg1.json", "{\"name\":\"zg1\",\"description\":\"g\",\"filesystem\":{\"read\":[\"/etc\"]}}" },
	{ "groups/zg2.json", "{\"name\":\"zg2\",\"filesystem\":{\"deny\":[\"$HOME/.ssh\"]}}" },
	/* cycles */
	{ "profiles/za.json", "{\"name\":\"za\",\"extends\":\"zb\"}" },
	{ "profiles/zb.json", "{\"name\":\"zb\",\"extends\":\"za\"}" },
	{ "profiles/zself.json", "{\"name\":\"zself\",\"extends\":\"zself\"}" },
	{ "profiles/zselfrel.json", "{\"name\":\"zselfrel\",\"extends\":\"./zselfrel.json\"}" },
	{ "profiles/zr1.json", "{\"name\":\"zr1\",\"extends\":\"./zr2.json\"}" },
	{ "profiles/zr2.json", "{\"name\":\"zr2\",\"extends\":\"zr1.json\"}" },
	/* a chain of 9: zc0 -> ... -> zc8 */
	{ "profiles/zc0.json", "{\"name\":\"zc0\",\"extends\":\"zc1\"}" },
	{ "profiles/zc1.json", "{\"name\":\"zc1\",\"extends\":\"zc2\"}" },
	{ "profiles/zc2.json", "{\"name\":\"zc2\",\"extends\":\"zc3\"}" },
	{ "profiles/zc3.json", "{\"name\":\"zc3\",\"extends\":\"zc4\"}" },
	{ "profiles/zc4.json", "{\"name\":\"zc4\",\"extends\":\"zc5\"}" },
	{ "profiles/zc5.json", "{\"name\":\"zc5\",\"extends\":\"zc6\"}" },
	{ "profiles/zc6.json", "{\"name\":\"zc6\",\"extends\":\"zc7\"}" },
	{ "profiles/zc7.json", "{\"name\":\"zc7\",\"extends\":\"zc8\"}" },
	{ "profiles/zc8.json", "{\"name\":\"zc8\",\"filesystem\":{\"read\":[\"/zc8\"]}}" },
	/* relative extends and groups, next to the file */
	{ "rel/child.json",
	  "{\"name\":\"relchild\",\"extends\":\"./base.json\",\"groups\":[\"./grp.json\"],"
	  "\"filesystem\":{\"write\":[\"/relchild\"]}}" },
	{ "rel/base.json", "{\"name\":\"relbase\",\"extends\":\"../rel/sub/root.json\",\"filesystem\":{\"read\":[\"/relbase\"]}}" },
	{ "rel/sub/root.json", "{\"name\":\"relroot\",\"filesystem\":{\"read\":[\"/relroot\"]}}" },
	{ "rel/grp.json", "{\"name\":\"anything\",\"filesystem\":{\"exec\":[\"/relgrp\"]}}" },
	/* broken files reached through extends and groups */
	{ "profiles/zmis.json", "{\"name\":\"other\"}" },
	{ "profiles/zbadjson.json", "{\n\"name\": \"zbadjson\",\n\"x\" 1\n}" },
	{ "profiles/zextbad.json", "{\"name\":\"zextbad\",\"extends\":\"zbadjson\"}" },
	{ "profiles/zextdeep.json", "{\"name\":\"zextdeep\",\"extends\":\"zextbad\"}" },
	{ "profiles/zusesbadgroup.json", "{\"name\":\"zusesbadgroup\",\"groups\":[\"zgbad\"]}" },
	{ "groups/zgbad.json", "{\n\"name\": \"zgbad\",\n\"process\": {\"ptrace\": true}\n}" },
	/* A group's network holds hosts only: no mode. */
	{ "profiles/zusesnetgroup.json", "{\"name\":\"zusesnetgroup\",\"groups\":[\"zgnetmode\"]}" },
	{ "groups/zgnetmode.json", "{\n\"name\": \"zgnetmode\",\n\"network\": {\"mode\": \"on\"}\n}" },
	{ "profiles/zusesgrouppath.json", "{\"name\":\"zusesgrouppath\",\"groups\":[\"zgpath\"]}" },
	{ "groups/zgpath.json", "{\n\"name\": \"zgpath\",\n\"filesystem\": {\"read\": [\"relative\"]}\n}" },
	{ "rel/badname-grp.json", "{\"name\":\"two\\nlines \\\"quoted\\\"\",\"filesystem\":{\"read\":[\"/g\"]}}" },
	{ "rel/uses-badname.json", "{\"name\":\"usesbadname\",\"groups\":[\"./badname-grp.json\"]}" },
	{ "profiles/zusesgroupname.json", "{\"name\":\"zusesgroupname\",\"groups\":[\"zgname\"]}" },
	{ "groups/zgname.json", "{\"name\":\"notzgname\"}" },
};

static int write_file(const char *rel, const char *text, size_t len)
{
	char path[256];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", user_dir, rel);
	f = fopen(path, "we");
	if (!f)
		return -1;
	if (fwrite(text, 1, len, f) != len) {
		(void)fclose(f);
		return -1;
	}
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
	static const char *const dirs[] = { "profiles", "groups", "rel", "rel/sub", "adir" };
	char sub[128];

	(void)state;
	(void)snprintf(user_dir, sizeof(user_dir), "/tmp/latch-test-load-XXXXXX");
	if (!mkdtemp(user_dir))
		return -1;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		(void)snprintf(sub, sizeof(sub), "%s/%s", user_dir, dirs[i]);
		if (mkdir(sub, 0700) < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (write_file(files[i].rel, files[i].json, strlen(files[i].json)) < 0)
			return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(user_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void assert_chain(const struct policy *p, const char *const *want, size_t n)
{
	assert_int_equal(strv_length(p->chain), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(p->chain[i], want[i]);
}

static const struct policy_rule *find_rule(const struct policy *p, const char *pattern)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (strcmp(p->rules[i].pattern, pattern) == 0)
			return &p->rules[i];
	return NULL;
}

static void check_zchild(const struct policy *p)
{
	static const char *const chain[] = { "zchild", "zmid", "zbase" };

	assert_string_equal(p->name, "zchild");
	assert_null(p->description); /* the description is the profile's own */
	assert_chain(p, chain, 3);
	assert_int_equal(strv_length(p->groups), 2);
	assert_string_equal(p->groups[0], "zg1");
	assert_string_equal(p->groups[1], "zg2");
	/* network replaced as a whole: connect_tcp of zmid is gone */
	assert_int_equal(p->net.mode, POLICY_NET_PORTS);
	assert_int_equal(p->net.n_connect, 0);
	assert_int_equal(p->net.n_bind, 1);
	assert_int_equal(p->net.bind[0], 8080);
	/* env: keep and drop are unions; set overrides by name */
	assert_int_equal(strv_length(p->env.keep), 2);
	assert_true(strv_contains(p->env.keep, "PATH"));
	assert_true(strv_contains(p->env.keep, "HOME"));
	assert_int_equal(strv_length(p->env.drop), 3);
	assert_true(strv_contains(p->env.drop, "A"));
	assert_true(strv_contains(p->env.drop, "B"));
	assert_true(strv_contains(p->env.drop, "C"));
	assert_int_equal(strv_length(p->env.set), 3);
	assert_true(strv_contains(p->env.set, "X=mid"));
	assert_true(strv_contains(p->env.set, "Y=child"));
	assert_true(strv_contains(p->env.set, "Z=/home/u"));
	/* process keys override one by one */
	assert_false(p->process.scope_signals);
	assert_true(p->process.scope_abstract_unix);
	assert_false(p->process.ptrace);
	assert_int_equal(p->required, POLICY_REQUIRE_LANDLOCK_NET | POLICY_REQUIRE_LANDLOCK_TRUNCATE);
	/* rules appended from every level */
	assert_int_equal(p->n_rules, 5);
	assert_string_equal(find_rule(p, "/usr")->origin, "profile zbase");
	assert_string_equal(find_rule(p, "/etc")->origin, "group zg1");
	assert_string_equal(find_rule(p, "$CWD")->origin, "profile zmid");
	assert_string_equal(find_rule(p, "$CWD/.git")->origin, "profile zchild");
	assert_string_equal(find_rule(p, "$HOME/.ssh")->origin, "group zg2");
}

static void test_extends_chain(void **state)
{
	struct policy_ctx ctx;
	struct policy *p = NULL;
	struct error err = { 0 };
	char path[128];

	(void)state;
	ctx_init(&ctx);
	/* by name from the user directory */
	if (policy_load("zchild", &ctx, &p, &err) < 0)
		print_error("%s\n", err.msg);
	assert_non_null(p);
	check_zchild(p);
	(void)snprintf(path, sizeof(path), "%s/profiles/zchild.json", user_dir);
	assert_string_equal(p->source, path);
	p = policy_free(p);
	/* by path */
	assert_int_equal(policy_load(path, &ctx, &p, &err), 0);
	check_zchild(p);
	p = policy_free(p);
	/* from a buffer that extends a user profile */
	assert_int_equal(policy_load_buffer(files[2].json, strlen(files[2].json), "zchild.json", &ctx, &p, &err), 0);
	check_zchild(p);
	p = policy_free(p);
}

static void test_extends_relative(void **state)
{
	static const char *const chain[] = { "relchild", "relbase", "relroot" };
	struct policy_ctx ctx;
	struct policy *p = NULL;
	struct error err = { 0 };
	char path[128];

	(void)state;
	ctx_init(&ctx);
	(void)snprintf(path, sizeof(path), "%s/rel/child.json", user_dir);
	if (policy_load(path, &ctx, &p, &err) < 0)
		print_error("%s\n", err.msg);
	assert_non_null(p);
	assert_chain(p, chain, 3);
	assert_int_equal(p->n_rules, 4);
	assert_non_null(find_rule(p, "/relbase"));
	assert_non_null(find_rule(p, "/relroot"));
	assert_non_null(find_rule(p, "/relgrp"));
	assert_string_equal(find_rule(p, "/relgrp")->origin, "group anything");
	policy_free(p);
}

static void expect_load_error(const char *spec, const char *const *want, size_t n_want)
{
	struct policy_ctx ctx;
	struct policy *p = SENTINEL;
	struct error err = { 0 };
	int r;

	ctx_init(&ctx);
	r = policy_load(spec, &ctx, &p, &err);
	if (r >= 0 && p != SENTINEL)
		policy_free(p);
	if (!check_failure(spec, r, p, &err, NULL, want, n_want))
		fail_msg("loading '%s' (%s)", spec, err.msg);
}

static void test_extends_cycles(void **state)
{
	(void)state;
	{
		const char *want[] = { "cyclic extends", "za.json", "zb.json" };

		expect_load_error("za", want, 3);
	}
	{
		const char *want[] = { "cyclic extends", "zself.json" };

		expect_load_error("zself", want, 2);
	}
}

/* A cycle spelled with relative paths is still a cycle. */
static void test_extends_cycles_relative(void **state)
{
	(void)state;
	{
		const char *want[] = { "cyclic extends", "zselfrel.json" };

		expect_load_error("zselfrel", want, 2);
	}
	{
		const char *want[] = { "cyclic extends", "zr1.json", "zr2.json" };

		expect_load_error("zr1", want, 3);
	}
}

static void test_extends_limit(void **state)
{
	struct policy_ctx ctx;
	struct policy *p = NULL;
	struct error err = { 0 };

	(void)state;
	/* 9 profiles: one too many */
	{
		const char *want[] = { "extends chain is longer than 8", "zc0.json" };

		expect_load_error("zc0", want, 2);
	}
	/* exactly POLICY_EXTENDS_MAX (8) profiles: fine */
	ctx_init(&ctx);
	assert_int_equal(POLICY_EXTENDS_MAX, 8);
	if (policy_load("zc1", &ctx, &p, &err) < 0)
		print_error("%s\n", err.msg);
	assert_non_null(p);
	assert_int_equal(strv_length(p->chain), 8);
	assert_string_equal(p->chain[7], "zc8");
	assert_int_equal(p->n_rules, 1);
	policy_free(p);
}

/* Profiles held in memory (ctx.find_text): names and paths come from the
 * set, built-ins still by name, and no file is ever read. */
static const struct {
	const char *kind, *spec, *text;
} memory_set[] = {
	{ "profile", "mchild", "{\"name\":\"mchild\",\"extends\":\"mmid\",\"groups\":[\"mg\"],"
			       "\"filesystem\":{\"write\":[\"$CWD\"]}}" },
	{ "profile", "mmid", "{\"name\":\"mmid\",\"extends\":\"base\",\"filesystem\":{\"read\":[\"/mid\"]}}" },
	{ "group", "mg", "{\"name\":\"mg\",\"filesystem\":{\"deny\":[\"$HOME/.mg\"]}}" },
	{ "profile", "ma", "{\"name\":\"ma\",\"extends\":\"dir/mb.json\"}" },
	{ "profile", "dir/mb.json", "{\"name\":\"mb\",\"extends\":\"ma\"}" },
	{ "profile", "mfile", "{\"name\":\"mfile\",\"extends\":\"/etc/passwd\"}" },
	{ "profile", "mnul", "{\"name\":\"mnul\"}\0 trailing" },
};

static int memory_find(const char *kind, const char *spec, const char **ret_text, size_t *ret_len, void *userdata)
{
	(void)userdata;
	for (size_t i = 0; i < sizeof(memory_set) / sizeof(memory_set[0]); i++)
		if (strcmp(memory_set[i].kind, kind) == 0 && strcmp(memory_set[i].spec, spec) == 0) {
			*ret_text = memory_set[i].text;
			*ret_len = strcmp(spec, "mnul") == 0 ? sizeof("{\"name\":\"mnul\"}\0 trailing") - 1
							     : strlen(memory_set[i].text);
			return 0;
		}
	return -ENOENT;
}

static void test_find_text(void **state)
{
	static const char *const chain[] = { "mchild", "mmid", "base", "minimal" };
	struct policy_ctx ctx;
	struct policy *p = NULL;
	struct error err = { 0 };

	(void)state;
	ctx_init(&ctx);
	ctx.find_text = memory_find;
	if (policy_load("mchild", &ctx, &p, &err) < 0)
		print_error("%s\n", err.msg);
	assert_non_null(p);
	assert_chain(p, chain, 4);
	assert_string_equal(p->source, "memory:mchild");
	assert_string_equal(find_rule(p, "/mid")->origin, "profile mmid");
	assert_string_equal(find_rule(p, "$HOME/.mg")->origin, "group mg");
	p = policy_free(p);
	/* the user directory is not looked at: zchild lies there */
	p = SENTINEL;
	{
		const char *want[] = { "unknown profile 'zchild'" };

		err = (struct error){ 0 };
		assert_true(check_failure("zchild", policy_load("zchild", &ctx, &p, &err), p, &err, NULL, want, 1));
	}
	{
		const char *want[] = { "cyclic extends", "memory:ma", "memory:dir/mb.json" };

		err = (struct error){ 0 };
		assert_true(check_failure("ma", policy_load("ma", &ctx, &p, &err), p, &err, NULL, want, 3));
	}
	{
		/* a path is a name in the set, never a file */
		const char *want[] = { "memory:mfile", "extends", "unknown profile '/etc/passwd'" };

		err = (struct error){ 0 };
		assert_true(check_failure("mfile", policy_load("mfile", &ctx, &p, &err), p, &err, NULL, want, 3));
	}
	{
		/* exactly the bytes given: a NUL inside is the parser's to report */
		const char *want[] = { "memory:mnul", "invalid JSON" };

		err = (struct error){ 0 };
		assert_true(check_failure("mnul", policy_load("mnul", &ctx, &p, &err), p, &err, NULL, want, 2));
	}
}

static void test_broken_parents_and_groups(void **state)
{
	(void)state;
	{
		/* the parent's own file, line and column are named */
		const char *want[] = { "zextbad.json", "extends", "zbadjson.json:3:" };

		expect_load_error("zextbad", want, 3);
	}
	{
		const char *want[] = { "zextdeep.json", "zbadjson.json:3:", "invalid JSON" };

		expect_load_error("zextdeep", want, 3);
	}
	{
		const char *want[] = { "zgbad.json:3:", "unknown key 'process'" };

		expect_load_error("zusesbadgroup", want, 2);
	}
	{
		const char *want[] = { "zgnetmode.json:3:", "unknown key 'network.mode'", "deny_hosts, hosts" };

		expect_load_error("zusesnetgroup", want, 3);
	}
	{
		const char *want[] = { "zgpath.json:3:", "filesystem.read[0]", "not an absolute path" };

		expect_load_error("zusesgrouppath", want, 3);
	}
	{
		const char *want[] = { "zgname.json", "name", "does not match" };

		expect_load_error("zusesgroupname", want, 3);
	}
	{
		const char *want[] = { "zmis.json", "'other' does not match" };

		expect_load_error("zmis", want, 2);
	}
	{
		const char *want[] = { "unknown profile 'zz-nothing'" };

		expect_load_error("zz-nothing", want, 1);
	}
	{
		const char *want[] = { "invalid profile name" };

		expect_load_error("Bad Name", want, 1);
	}
	{
		const char *want[] = { "not valid UTF-8" };

		expect_load_error("caf\xe9", want, 1);
	}
}

/* A group's name becomes the origin of its rules, printed in one-line
 * reasons: a group reached by path must have a valid name too, as every
 * profile must. */
static void test_group_name_validated(void **state)
{
	char path[128];
	const char *want[] = { "badname-grp.json", "name" };

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/rel/uses-badname.json", user_dir);
	expect_load_error(path, want, 2);
}

static void on_alarm(int sig)
{
	(void)sig;
	/* a FIFO made the loader block: fail loudly instead of hanging */
	static const char msg[] = "timed out: the loader blocked on a FIFO\n";

	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void test_odd_files(void **state)
{
	char path[256], big_path[256];
	char *big;
	struct policy_ctx ctx;
	struct policy *p = NULL;
	struct error err = { 0 };

	(void)state;
	(void)signal(SIGALRM, on_alarm);
	(void)alarm(10);
	/* a directory */
	(void)snprintf(path, sizeof(path), "%s/adir", user_dir);
	{
		const char *want[] = { "adir", "not a regular file" };

		expect_load_error(path, want, 2);
	}
	/* a FIFO by path, and one in place of a user profile */
	(void)snprintf(path, sizeof(path), "%s/fifo.json", user_dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	{
		const char *want[] = { "fifo.json", "not a regular file" };

		expect_load_error(path, want, 2);
	}
	(void)snprintf(path, sizeof(path), "%s/profiles/zfifo.json", user_dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	{
		const char *want[] = { "zfifo.json", "not a regular file" };

		expect_load_error("zfifo", want, 2);
	}
	(void)alarm(0);
	/* missing */
	(void)snprintf(path, sizeof(path), "%s/nothing.json", user_dir);
	{
		const char *want[] = { "nothing.json", "cannot open" };

		expect_load_error(path, want, 2);
	}
	/* POLICY_FILE_MAX bytes load; one more byte does not */
	big = malloc(POLICY_FILE_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', POLICY_FILE_MAX + 1);
	memcpy(big, "{\"name\":\"big\"}", 14);
	(void)snprintf(big_path, sizeof(big_path), "%s/big.json", user_dir);
	assert_int_equal(write_file("big.json", big, POLICY_FILE_MAX), 0);
	ctx_init(&ctx);
	assert_int_equal(policy_load(big_path, &ctx, &p, &err), 0);
	assert_string_equal(p->name, "big");
	p = policy_free(p);
	assert_int_equal(write_file("big.json", big, POLICY_FILE_MAX + 1), 0);
	free(big);
	{
		const char *want[] = { "big.json", "larger than" };

		expect_load_error(big_path, want, 2);
	}
}

/* Every built-in profile and group loads with the standard variables. */
static void test_builtins_load(void **state)
{
	unsigned failures = 0, profiles = 0, groups = 0;

	(void)state;
	for (size_t i = 0; i < policy_n_builtins; i++) {
		const struct policy_builtin *b = &policy_builtins[i];
		struct policy_ctx ctx;
		struct policy *p = NULL;
		struct error err = { 0 };
		char json[256];
		int r;

		ctx_init(&ctx);
		ctx.user_dir = NULL;
		assert_ptr_equal(policy_builtin_find(b->kind, b->name), b);
		if (strcmp(b->kind, "profile") == 0) {
			r = policy_load(b->name, &ctx, &p, &err);
			profiles++;
		} else {
			(void)snprintf(json, sizeof(json), "{\"name\":\"t\",\"groups\":[\"%s\"]}", b->name);
			r = policy_load_buffer(json, strlen(json), "t", &ctx, &p, &err);
			groups++;
		}
		if (r < 0) {
			print_error("built-in %s '%s' does not load: %s\n", b->kind, b->name, err.msg);
			failures++;
			continue;
		}
		if (strcmp(b->kind, "profile") == 0 &&
		    (strcmp(p->name, b->name) != 0 || strcmp(p->source, "builtin") != 0)) {
			print_error("built-in profile '%s': name '%s' source '%s'\n", b->name, p->name, p->source);
			failures++;
		}
		policy_free(p);
	}
	assert_null(policy_builtin_find("profile", "zz-no-such-profile"));
	assert_null(policy_builtin_find("nothing", "agent"));
	print_message("  %u built-in profiles, %u built-in groups\n", profiles, groups);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_table),
		cmocka_unit_test(test_value_errors_name_the_line),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_name_matches_file),
		cmocka_unit_test(test_buffer_with_nul),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_profile),
		cmocka_unit_test(test_expand_table),
		cmocka_unit_test(test_uses_private_tmp),
		cmocka_unit_test(test_expand_errors),
		cmocka_unit_test(test_resolver_error),
		cmocka_unit_test(test_extends_chain),
		cmocka_unit_test(test_extends_relative),
		cmocka_unit_test(test_extends_cycles),
		cmocka_unit_test(test_extends_cycles_relative),
		cmocka_unit_test(test_extends_limit),
		cmocka_unit_test(test_find_text),
		cmocka_unit_test(test_broken_parents_and_groups),
		cmocka_unit_test(test_group_name_validated),
		cmocka_unit_test(test_odd_files),
		cmocka_unit_test(test_builtins_load),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
