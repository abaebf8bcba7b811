/* Tests for network.mode proxy in the policy layer: how hosts are read
 * and made canonical (policy_host_parse), how network.hosts entries are
 * read (policy_host_entry_parse), how they merge along extends and groups,
 * and how policy_decide() answers net_connect HOST:PORT -- the most
 * specific entry wins, deny_hosts at equal specificity, default deny; a
 * wildcard names subdomains only, at a label boundary. Every decision row
 * states the verdict, the entry that decided (or "default") and the
 * reason. */
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

#include "policy/policy.h"

#define NAME POLICY_HOST_NAME
#define V4 POLICY_HOST_IPV4
#define V6 POLICY_HOST_IPV6
#define ALLOW true
#define DENY false
#define DEFAULT NULL

/* ---- policy_host_parse ----------------------------------------------------- */

struct parse_case {
	const char *in;
	bool brackets, wildcard;
	const char *want;  /* canonical name, or NULL: refused */
	enum policy_host_kind kind;
	bool is_wildcard;
	const char *why;   /* a substring of the reason when refused */
};

static const struct parse_case parse_cases[] = {
	{ "example.org", false, false, "example.org", NAME, false, NULL },
	{ "Example.ORG", false, false, "example.org", NAME, false, NULL },
	{ "example.org.", false, false, "example.org", NAME, false, NULL },
	{ "localhost", false, false, "localhost", NAME, false, NULL },
	{ "a-b_c.example.org", false, false, "a-b_c.example.org", NAME, false, NULL },
	{ "xn--bcher-kva.example", false, false, "xn--bcher-kva.example", NAME, false, NULL },
	{ "1.example.org", false, false, "1.example.org", NAME, false, NULL },
	{ "127.0.0.1", false, false, "127.0.0.1", V4, false, NULL },
	{ "010.0.0.1", false, false, NULL, NAME, false, "a number" },  /* octal: inet_aton's, never ours */
	{ "127.1", false, false, NULL, NAME, false, "a number" },
	{ "2130706433", false, false, NULL, NAME, false, "a number" },
	{ "0x7f000001", false, false, NULL, NAME, false, "a number" },
	{ "0X7F.0x1", false, false, NULL, NAME, false, "a number" },
	{ "::1", false, false, "::1", V6, false, NULL },
	{ "0:0:0:0:0:0:0:1", false, false, "::1", V6, false, NULL },
	{ "[::1]", true, false, "::1", V6, false, NULL },
	{ "[::ffff:127.0.0.1]", true, false, "::ffff:127.0.0.1", V6, false, NULL },
	{ "::1", true, false, NULL, NAME, false, "brackets" },
	{ "[::1]", false, false, NULL, NAME, false, "without brackets" },
	{ "[::1", true, false, NULL, NAME, false, "IPv6" },
	{ "[fe80::1%eth0]", true, false, NULL, NAME, false, "IPv6" },
	{ "*.example.org", false, true, "example.org", NAME, true, NULL },
	{ "*.example.org", false, false, NULL, NAME, false, "only letters" },
	{ "*.org", false, true, NULL, NAME, false, "two labels" },
	{ "*example.org", false, true, NULL, NAME, false, "only letters" },
	{ "*.*.example.org", false, true, NULL, NAME, false, "only letters" },
	{ "*.127.0.0.1", false, true, NULL, NAME, false, "a number" },
	{ "", false, false, NULL, NAME, false, "empty" },
	{ ".", false, false, NULL, NAME, false, "empty" },
	{ ".example.org", false, false, NULL, NAME, false, "empty label" },
	{ "example..org", false, false, NULL, NAME, false, "empty label" },
	{ "example.org..", false, false, NULL, NAME, false, "empty label" },
	{ "-example.org", false, false, NULL, NAME, false, "'-'" },
	{ "example-.org", false, false, NULL, NAME, false, "'-'" },
	{ "exa mple.org", false, false, NULL, NAME, false, "only letters" },
	{ "example.org/path", false, false, NULL, NAME, false, "only letters" },
	{ "user@example.org", false, false, NULL, NAME, false, "only letters" },
	{ "ex%41mple.org", false, false, NULL, NAME, false, "only letters" },
	{ "b\xc3\xbc" "cher.example", false, false, NULL, NAME, false, "only letters" },
	{ "example.org\r", false, false, NULL, NAME, false, "only letters" },
};

static void test_parse_table(void **state)
{
	bool ok = true;

	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct policy_host h;
		const char *why = NULL;
		int r = policy_host_parse(c->in, strlen(c->in), c->brackets, c->wildcard, &h, &why);

		if (c->want && (r < 0 || strcmp(h.name, c->want) != 0 || h.kind != c->kind ||
				h.wildcard != c->is_wildcard)) {
			print_error("'%s': got r=%d name '%s' kind %d wildcard %d (%s)\n", c->in, r, r < 0 ? "" : h.name,
				    r < 0 ? -1 : (int)h.kind, r < 0 ? -1 : h.wildcard, why ? why : "");
			ok = false;
		}
		if (!c->want && (r != -EINVAL || !why || !strstr(why, c->why))) {
			print_error("'%s': expected a refusal with '%s', got r=%d (%s)\n", c->in, c->why, r,
				    why ? why : "no reason");
			ok = false;
		}
	}
	assert_true(ok);
}

static void test_parse_lengths_and_bytes(void **state)
{
	char name[300], label[70];
	struct policy_host h;
	const char *why = NULL;

	(void)state;
	/* 63 is the longest label, 253 the longest name. */
	memset(label, 'a', 63);
	(void)snprintf(label + 63, sizeof(label) - 63, ".org");
	assert_int_equal(policy_host_parse(label, strlen(label), false, false, &h, &why), 0);
	memset(label, 'a', 64);
	(void)snprintf(label + 64, sizeof(label) - 64, ".org");
	assert_int_equal(policy_host_parse(label, strlen(label), false, false, &h, &why), -EINVAL);
	for (size_t i = 0; i < 253; i++)
		name[i] = i % 2 ? '.' : 'a';
	name[252] = 'z';
	assert_int_equal(policy_host_parse(name, 253, false, false, &h, &why), 0);
	assert_int_equal(strlen(h.name), 253);
	/* A trailing dot is not counted... */
	name[253] = '.';
	assert_int_equal(policy_host_parse(name, 254, false, false, &h, &why), 0);
	/* ...but a 254th byte is. */
	name[253] = 'a';
	name[254] = 'a';
	assert_int_equal(policy_host_parse(name, 255, false, false, &h, &why), -EINVAL);
	assert_non_null(strstr(why, "253"));
	/* The length is what counts, not a NUL: a NUL inside is refused
	 * (a SOCKS5 host is a length-prefixed byte string). */
	assert_int_equal(policy_host_parse("evil.example\0.allowed.org", 25, false, false, &h, &why), -EINVAL);
	assert_non_null(strstr(why, "NUL"));
	assert_int_equal(policy_host_parse("example.org", 7, false, false, &h, &why), 0);
	assert_string_equal(h.name, "example");
	for (int c = 1; c < 256; c++) {
		char in[16];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == ':' || c == '[' || c == '*')
			continue;
		(void)snprintf(in, sizeof(in), "a%cb.org", c);
		if (policy_host_parse(in, strlen(in), true, true, &h, &why) != -EINVAL)
			fail_msg("byte 0x%02x is accepted in a host", c);
	}
}

/* ---- policy_host_entry_parse ------------------------------------------------ */

static void test_entry_parse(void **state)
{
	static const struct {
		const char *entry;
		const char *host;   /* NULL: refused */
		uint16_t port;
		bool wildcard;
	} cases[] = {
		{ "api.anthropic.com", "api.anthropic.com", 0, false },
		{ "api.anthropic.com:443", "api.anthropic.com", 443, false },
		{ "*.github.com", "github.com", 0, true },
		{ "*.github.com:8443", "github.com", 8443, true },
		{ "10.0.0.5:22", "10.0.0.5", 22, false },
		{ "10.0.0.5", "10.0.0.5", 0, false },
		{ "[::1]", "::1", 0, false },
		{ "[::1]:8443", "::1", 8443, false },
		{ "mock.test:65535", "mock.test", 65535, false },
		{ "::1", NULL, 0, false },
		{ "::1:443", NULL, 0, false },
		{ "[::1]443", NULL, 0, false },
		{ "a.org:0", NULL, 0, false },
		{ "a.org:65536", NULL, 0, false },
		{ "a.org:44a", NULL, 0, false },
		{ "a.org:-1", NULL, 0, false },
		{ ":443", NULL, 0, false },
		{ "a.org:443:80", NULL, 0, false },
	};
	bool ok = true;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy_host_rule r = { 0 };
		const char *why = NULL;
		int rc = policy_host_entry_parse(cases[i].entry, &r, &why);

		if (cases[i].host && (rc < 0 || strcmp(r.host.name, cases[i].host) != 0 || r.port != cases[i].port ||
				      r.host.wildcard != cases[i].wildcard)) {
			print_error("'%s': rc %d host '%s' port %u (%s)\n", cases[i].entry, rc, rc < 0 ? "" : r.host.name,
				    r.port, why ? why : "");
			ok = false;
		}
		if (!cases[i].host && rc != -EINVAL) {
			print_error("'%s': accepted, expected a refusal\n", cases[i].entry);
			ok = false;
		}
	}
	assert_true(ok);
}

static void test_host_port_format(void **state)
{
	struct policy_host h;
	const char *why;
	char buf[300];

	(void)state;
	assert_int_equal(policy_host_parse("[::1]", 5, true, false, &h, &why), 0);
	assert_string_equal(policy_host_port_format(&h, 443, buf, sizeof(buf)), "[::1]:443");
	assert_int_equal(policy_host_parse("*.a.org", 7, false, true, &h, &why), 0);
	assert_string_equal(policy_host_port_format(&h, 80, buf, sizeof(buf)), "*.a.org:80");
}

/* ---- loading and deciding ---------------------------------------------------- */

static char user_dir[64];

static const struct {
	const char *rel;
	const char *json;
} user_files[] = {
	{ "groups/zzh-apis.json",
	  "{\"name\":\"zzh-apis\",\"network\":{\"hosts\":[\"api.example.com\",\"*.cdn.example.net\"]}}" },
	{ "groups/zzh-block.json", "{\"name\":\"zzh-block\",\"network\":{\"deny_hosts\":[\"*.ads.example.com\"]}}" },
	{ "profiles/zzparent.json",
	  "{\"name\":\"zzparent\",\"groups\":[\"zzh-apis\"],\"network\":{\"mode\":\"proxy\","
	  "\"hosts\":[\"*.example.com\",\"registry.test:8443\",\"10.1.2.3:5432\",\"[2001:db8::1]\"],"
	  "\"deny_hosts\":[\"private.example.com\"],\"resolve\":{\"registry.test\":\"127.0.0.1\"}}}" },
	{ "profiles/zzchild.json",
	  "{\"name\":\"zzchild\",\"extends\":\"zzparent\",\"groups\":[\"zzh-block\"],\"network\":{\"mode\":\"proxy\","
	  "\"hosts\":[\"private.example.com:443\",\"x.ads.example.com\"],\"deny_hosts\":[\"*.beta.example.com\"],"
	  "\"resolve\":{\"registry.test\":\"::1\",\"other.test\":\"10.0.0.1\"}}}" },
	{ "profiles/zzoff.json", "{\"name\":\"zzoff\",\"extends\":\"zzparent\",\"network\":{\"mode\":\"off\"}}" },
	{ "profiles/zzports.json",
	  "{\"name\":\"zzports\",\"extends\":\"zzparent\",\"network\":{\"mode\":\"ports\",\"connect_tcp\":[443]}}" },
	{ "profiles/zzon.json", "{\"name\":\"zzon\",\"network\":{\"mode\":\"on\"}}" },
	{ "profiles/zzempty.json", "{\"name\":\"zzempty\",\"network\":{\"mode\":\"proxy\"}}" },
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	(void)snprintf(user_dir, sizeof(user_dir), "/tmp/latch-test-hosts-XXXXXX");
	if (!mkdtemp(user_dir))
		return -1;
	for (size_t i = 0; i < sizeof(user_files) / sizeof(user_files[0]); i++) {
		char path[256];
		FILE *f;

		(void)snprintf(path, sizeof(path), "%s/profiles", user_dir);
		(void)mkdir(path, 0700);
		(void)snprintf(path, sizeof(path), "%s/groups", user_dir);
		(void)mkdir(path, 0700);
		(void)snprintf(path, sizeof(path), "%s/%s", user_dir, user_files[i].rel);
		f = fopen(path, "w");
		if (!f)
			return -1;
		fputs(user_files[i].json, f);
		fclose(f);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(user_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static struct policy *load(const char *name)
{
	struct policy_ctx ctx = { .user_dir = user_dir };
	struct policy *p = NULL;
	struct error err = { 0 };

	if (policy_load(name, &ctx, &p, &err) < 0)
		fail_msg("loading '%s': %s", name, err.msg);
	return p;
}

struct decide_case {
	const char *profile;
	const char *host;    /* canonical, as the proxy passes it */
	uint16_t port;
	bool allow;
	const char *pattern; /* the entry that decides, or DEFAULT */
	const char *origin;
	enum policy_layer layer;
	const char *reason;  /* a substring */
};

static const struct decide_case decide_cases[] = {
	/* exact names, default ports 443 and 80 */
	{ "zzparent", "api.example.com", 443, ALLOW, "api.example.com", "group zzh-apis", POLICY_LAYER_NONE,
	  "allow, by rule <group zzh-apis: api.example.com> (network.hosts)" },
	{ "zzparent", "api.example.com", 80, ALLOW, "api.example.com", "group zzh-apis", POLICY_LAYER_NONE, "allow" },
	/* another port: the wildcard does not name it either */
	{ "zzparent", "api.example.com", 8443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY,
	  "deny, no entry of network.hosts names api.example.com:8443 (default deny)" },
	/* wildcards: subdomains only, at a label boundary */
	{ "zzparent", "www.example.com", 443, ALLOW, "*.example.com", "profile zzparent", POLICY_LAYER_NONE,
	  "<profile zzparent: *.example.com>" },
	{ "zzparent", "a.b.c.example.com", 443, ALLOW, "*.example.com", "profile zzparent", POLICY_LAYER_NONE, "" },
	{ "zzparent", "example.com", 443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "default deny" },
	{ "zzparent", "evil-example.com", 443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "default deny" },
	{ "zzparent", "example.com.evil.org", 443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "default deny" },
	{ "zzparent", "xexample.com", 443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "default deny" },
	{ "zzparent", "img.cdn.example.net", 80, ALLOW, "*.cdn.example.net", "group zzh-apis", POLICY_LAYER_NONE, "" },
	{ "zzparent", "cdn.example.net", 443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "" },
	/* an exact deny beats the wildcard allow */
	{ "zzparent", "private.example.com", 443, DENY, "private.example.com", "profile zzparent", POLICY_LAYER_PROXY,
	  "deny, by rule <profile zzparent: private.example.com> (network.deny_hosts)" },
	/* explicit ports */
	{ "zzparent", "registry.test", 8443, ALLOW, "registry.test:8443", "profile zzparent", POLICY_LAYER_NONE, "" },
	{ "zzparent", "registry.test", 443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "" },
	/* addresses are decided as addresses */
	{ "zzparent", "10.1.2.3", 5432, ALLOW, "10.1.2.3:5432", "profile zzparent", POLICY_LAYER_NONE, "" },
	{ "zzparent", "10.1.2.3", 443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "10.1.2.3:443" },
	{ "zzparent", "10.1.2.4", 5432, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "" },
	{ "zzparent", "2001:db8::1", 443, ALLOW, "[2001:db8::1]", "profile zzparent", POLICY_LAYER_NONE, "" },
	{ "zzparent", "2001:db8::2", 443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "[2001:db8::2]:443" },
	/* a wildcard never names an address */
	{ "zzparent", "127.0.0.1", 443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "" },
	/* the child adds up with its parent and groups */
	{ "zzchild", "api.example.com", 443, ALLOW, "api.example.com", "group zzh-apis", POLICY_LAYER_NONE, "" },
	{ "zzchild", "private.example.com", 443, ALLOW, "private.example.com:443", "profile zzchild",
	  POLICY_LAYER_NONE, "" },
	/* a port written out is more specific than the defaults: the child's
	 * :443 beats the parent's deny there, and port 80 stays denied */
	{ "zzchild", "private.example.com", 80, DENY, "private.example.com", "profile zzparent", POLICY_LAYER_PROXY,
	  "" },
	{ "zzchild", "a.ads.example.com", 443, DENY, "*.ads.example.com", "group zzh-block", POLICY_LAYER_PROXY,
	  "network.deny_hosts" },
	{ "zzchild", "x.ads.example.com", 443, ALLOW, "x.ads.example.com", "profile zzchild", POLICY_LAYER_NONE, "" },
	{ "zzchild", "new.beta.example.com", 443, DENY, "*.beta.example.com", "profile zzchild", POLICY_LAYER_PROXY,
	  "" },
	{ "zzchild", "www.example.com", 443, ALLOW, "*.example.com", "profile zzparent", POLICY_LAYER_NONE, "" },
	/* other modes */
	{ "zzoff", "api.example.com", 443, DENY, DEFAULT, NULL, POLICY_LAYER_SECCOMP, "deny, network.mode is off" },
	{ "zzon", "anything.example", 8080, ALLOW, DEFAULT, NULL, POLICY_LAYER_NONE, "allow, network.mode is on" },
	{ "zzports", "evil.example", 443, ALLOW, DEFAULT, NULL, POLICY_LAYER_NONE,
	  "allow, port 443 is in network.connect_tcp (mode ports does not see host names)" },
	{ "zzports", "api.example.com", 80, DENY, DEFAULT, NULL, POLICY_LAYER_LANDLOCK, "not in network.connect_tcp" },
	{ "zzempty", "api.example.com", 443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "default deny" },
	/* malformed queries are denied */
	{ "zzparent", "not a host", 443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "deny, not a host" },
	{ "zzparent", "api.example.com", 0, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "port 0" },
	{ "zzparent", "*.example.com", 443, DENY, DEFAULT, NULL, POLICY_LAYER_PROXY, "not a host" },
};

static void test_decide_table(void **state)
{
	bool ok = true;

	(void)state;
	for (size_t i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
		const struct decide_case *c = &decide_cases[i];
		struct policy *p = load(c->profile);
		struct policy_query q = { .access = POLICY_ACCESS_NET_CONNECT, .host = c->host, .port = c->port };
		struct policy_decision d;

		policy_decide(p, &q, &d);
		if (d.allow != c->allow || d.layer != c->layer || !strstr(d.reason, c->reason) ||
		    (c->pattern ? !d.host_rule || strcmp(d.host_rule->pattern, c->pattern) != 0 ||
					  strcmp(d.host_rule->origin, c->origin) != 0
				: d.host_rule != NULL)) {
			print_error("%s %s:%u: got %s layer %s rule %s <%s> '%s'\n", c->profile, c->host, c->port,
				    d.allow ? "allow" : "deny", policy_layer_name(d.layer),
				    d.host_rule ? d.host_rule->pattern : "-", d.host_rule ? d.host_rule->origin : "-",
				    d.reason);
			ok = false;
		}
		if (d.rule) {
			print_error("%s %s:%u: a filesystem rule decided a connection\n", c->profile, c->host, c->port);
			ok = false;
		}
		policy_free(p);
	}
	assert_true(ok);
}

static void test_tcp_in_proxy_mode(void **state)
{
	struct policy *p = load("zzparent");
	struct policy_decision d;

	(void)state;
	policy_decide(p, &(struct policy_query){ .access = POLICY_ACCESS_TCP_CONNECT, .port = 443 }, &d);
	assert_false(d.allow);
	assert_int_equal(d.layer, POLICY_LAYER_LANDLOCK);
	assert_non_null(strstr(d.reason, "network.mode is proxy"));
	policy_decide(p, &(struct policy_query){ .access = POLICY_ACCESS_TCP_BIND, .port = 8080 }, &d);
	assert_false(d.allow);
	policy_free(p);
}

static void test_merge_and_resolve(void **state)
{
	struct policy *p = load("zzchild");
	struct policy *off = load("zzoff");
	size_t n_deny = 0;

	(void)state;
	assert_int_equal(p->net.mode, POLICY_NET_PROXY);
	/* parent 5 + group 2 + child 2; deny: parent 1, group 1, child 1 */
	for (size_t i = 0; i < p->net.n_hosts; i++)
		n_deny += p->net.hosts[i].deny;
	assert_int_equal(p->net.n_hosts, 11);
	assert_int_equal(n_deny, 3);
	/* resolve adds up, a later profile overriding a name */
	assert_int_equal(p->net.n_resolve, 2);
	assert_string_equal(policy_resolve_lookup(p, "registry.test"), "::1");
	assert_string_equal(policy_resolve_lookup(p, "other.test"), "10.0.0.1");
	assert_null(policy_resolve_lookup(p, "api.example.com"));
	/* mode off replaces the mode; the entries stay, unused */
	assert_int_equal(off->net.mode, POLICY_NET_OFF);
	assert_true(off->net.n_hosts > 0);
	policy_free(p);
	policy_free(off);
}

static void test_add_host(void **state)
{
	struct policy *p = load("zzempty");
	struct policy_decision d;
	struct error err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(policy_add_host(p, "pypi.org", false, "--allow-host", &err), 0);
	n = p->net.n_hosts;
	/* the same entry again is kept once */
	assert_int_equal(policy_add_host(p, "pypi.org", false, "--allow-host", &err), 0);
	assert_int_equal(p->net.n_hosts, n);
	assert_int_equal(policy_add_host(p, "pypi.org:8080", false, "--allow-host", &err), 0);
	assert_int_equal(p->net.n_hosts, n + 1);
	policy_decide(p, &(struct policy_query){ .access = POLICY_ACCESS_NET_CONNECT, .host = "pypi.org", .port = 443 },
		      &d);
	assert_true(d.allow);
	assert_string_equal(d.reason, "allow, by rule <--allow-host: pypi.org> (network.hosts)");
	assert_int_equal(policy_add_host(p, "evil..org", false, "--allow-host", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'evil..org'"));
	assert_non_null(strstr(err.msg, "empty label"));
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_lengths_and_bytes),
		cmocka_unit_test(test_entry_parse),
		cmocka_unit_test(test_host_port_format),
		cmocka_unit_test(test_decide_table),
		cmocka_unit_test(test_tcp_in_proxy_mode),
		cmocka_unit_test(test_merge_and_resolve),
		cmocka_unit_test(test_add_host),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
