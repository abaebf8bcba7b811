/* The one decision engine. See policy.h for the precedence rule. */
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "base/path-util.h"
#include "policy/policy.h"

static const char *const class_names[_POLICY_CLASS_MAX] = {
	[POLICY_CLASS_DENY] = "deny",
	[POLICY_CLASS_READ] = "read",
	[POLICY_CLASS_EXEC] = "exec",
	[POLICY_CLASS_CREATE] = "create",
	[POLICY_CLASS_WRITE] = "write",
	[POLICY_CLASS_PROTECT] = "protect",
	[POLICY_CLASS_LIST] = "list",
	[POLICY_CLASS_PRIVATE] = "private",
	[POLICY_CLASS_SCRATCH] = "scratch",
	[POLICY_CLASS_UNIX_CONNECT] = "unix_connect",
};

static const char *const access_names[_POLICY_ACCESS_MAX] = {
	[POLICY_ACCESS_READ] = "read",
	[POLICY_ACCESS_WRITE] = "write",
	[POLICY_ACCESS_CREATE] = "create",
	[POLICY_ACCESS_DELETE] = "delete",
	[POLICY_ACCESS_TRUNCATE] = "truncate",
	[POLICY_ACCESS_EXEC] = "exec",
	[POLICY_ACCESS_TCP_CONNECT] = "tcp_connect",
	[POLICY_ACCESS_TCP_BIND] = "tcp_bind",
	[POLICY_ACCESS_SIGNAL] = "signal",
	[POLICY_ACCESS_ABSTRACT_UNIX] = "abstract_unix",
	[POLICY_ACCESS_PTRACE] = "ptrace",
	[POLICY_ACCESS_USERNS] = "userns",
	[POLICY_ACCESS_UNIX_CONNECT] = "unix_connect",
	[POLICY_ACCESS_NET_CONNECT] = "net_connect",
};

static const char *const layer_names[_POLICY_LAYER_MAX] = {
	[POLICY_LAYER_NONE] = "none",
	[POLICY_LAYER_LANDLOCK] = "landlock",
	[POLICY_LAYER_SECCOMP] = "seccomp",
	[POLICY_LAYER_PROXY] = "proxy",
};

static const char *const net_mode_names[_POLICY_NET_MAX] = {
	[POLICY_NET_OFF] = "off",
	[POLICY_NET_ON] = "on",
	[POLICY_NET_PORTS] = "ports",
	[POLICY_NET_PROXY] = "proxy",
};

static const char *const supervise_names[_POLICY_SUPERVISE_MAX] = {
	[POLICY_SUPERVISE_OFF] = "off",
	[POLICY_SUPERVISE_DENY] = "deny",
	[POLICY_SUPERVISE_ASK] = "ask",
};

const char *policy_supervise_name(enum policy_supervise s)
{
	return (unsigned)s < _POLICY_SUPERVISE_MAX ? supervise_names[s] : NULL;
}

const char *policy_class_name(enum policy_class c)
{
	return (unsigned)c < _POLICY_CLASS_MAX ? class_names[c] : NULL;
}

const char *policy_access_name(enum policy_access a)
{
	return (unsigned)a < _POLICY_ACCESS_MAX ? access_names[a] : NULL;
}

const char *policy_layer_name(enum policy_layer l)
{
	return (unsigned)l < _POLICY_LAYER_MAX ? layer_names[l] : NULL;
}

const char *policy_net_mode_name(enum policy_net_mode m)
{
	return (unsigned)m < _POLICY_NET_MAX ? net_mode_names[m] : NULL;
}

int policy_access_from_name(const char *name)
{
	for (int a = 0; a < _POLICY_ACCESS_MAX; a++)
		if (strcmp(access_names[a], name) == 0)
			return a;
	return -EINVAL;
}

unsigned policy_class_grants(enum policy_class c)
{
	switch (c) {
	case POLICY_CLASS_DENY:
		return 0;
	case POLICY_CLASS_READ:
		return BIT(POLICY_ACCESS_READ);
	case POLICY_CLASS_EXEC:
		return BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_EXEC);
	/* A socket where the program may write is one it could have made
	 * itself (a test server in the project, a listener in its /tmp). */
	case POLICY_CLASS_CREATE:
		return BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_CREATE) |
		       BIT(POLICY_ACCESS_UNIX_CONNECT);
	case POLICY_CLASS_WRITE:
	case POLICY_CLASS_PRIVATE:
		return BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_CREATE) |
		       BIT(POLICY_ACCESS_DELETE) | BIT(POLICY_ACCESS_TRUNCATE) | BIT(POLICY_ACCESS_UNIX_CONNECT);
	case POLICY_CLASS_UNIX_CONNECT:
		return BIT(POLICY_ACCESS_UNIX_CONNECT);
	case POLICY_CLASS_LIST:
		return BIT(POLICY_ACCESS_READ);
	case POLICY_CLASS_SCRATCH:
		return BIT(POLICY_ACCESS_CREATE);
	case POLICY_CLASS_PROTECT:
	case _POLICY_CLASS_MAX:
		break;
	}
	return 0;
}

/* Classes a saved grant may use, narrowest first: the inverse picks the first
 * that covers what is asked. */
static const enum policy_class grant_ladder[] = {
	POLICY_CLASS_UNIX_CONNECT,
	POLICY_CLASS_READ,
	POLICY_CLASS_EXEC,
	POLICY_CLASS_CREATE,
	POLICY_CLASS_WRITE,
};

#define ENTRY_ACCESSES                                                                                   \
	(BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_TRUNCATE) | BIT(POLICY_ACCESS_EXEC) | \
	 BIT(POLICY_ACCESS_UNIX_CONNECT))
#define PARENT_ACCESSES (BIT(POLICY_ACCESS_CREATE) | BIT(POLICY_ACCESS_DELETE))

/* The narrowest class of the ladder that grants all of acc; or, when none
 * does, -1. */
static int narrowest_class(unsigned acc)
{
	for (size_t i = 0; i < ELEMENTSOF(grant_ladder); i++)
		if ((policy_class_grants(grant_ladder[i]) & acc) == acc)
			return (int)grant_ladder[i];
	return -1;
}

size_t policy_grant_rules(unsigned acc, struct policy_grant_rule ret[POLICY_GRANT_RULES_MAX])
{
	unsigned entry = acc & ENTRY_ACCESSES, parent = acc & PARENT_ACCESSES;
	size_t n = 0;
	int c;

	/* No class grants executing and writing both: exec, then the
	 * narrowest class for what exec leaves out. */
	if (entry && narrowest_class(entry) < 0) {
		ret[n++] = (struct policy_grant_rule){ POLICY_CLASS_EXEC, false };
		entry &= ~policy_class_grants(POLICY_CLASS_EXEC);
	}
	if (entry && (c = narrowest_class(entry)) >= 0)
		ret[n++] = (struct policy_grant_rule){ (enum policy_class)c, false };
	if (parent && (c = narrowest_class(parent)) >= 0)
		ret[n++] = (struct policy_grant_rule){ (enum policy_class)c, true };
	return n;
}

static const char *const cap_names[] = {
	"chown",	   "dac_override",    "dac_read_search", "fowner",	     "fsetid",
	"kill",		   "setgid",	      "setuid",		 "setpcap",	     "linux_immutable",
	"net_bind_service", "net_broadcast",   "net_admin",	 "net_raw",	     "ipc_lock",
	"ipc_owner",	   "sys_module",      "sys_rawio",	 "sys_chroot",	     "sys_ptrace",
	"sys_pacct",	   "sys_admin",	      "sys_boot",	 "sys_nice",	     "sys_resource",
	"sys_time",	   "sys_tty_config",  "mknod",		 "lease",	     "audit_write",
	"audit_control",   "setfcap",	      "mac_override",	 "mac_admin",	     "syslog",
	"wake_alarm",	   "block_suspend",   "audit_read",	 "perfmon",	     "bpf",
	"checkpoint_restore",
};

const char *policy_cap_name(int cap)
{
	return cap >= 0 && (size_t)cap < ELEMENTSOF(cap_names) ? cap_names[cap] : NULL;
}

int policy_cap_from_name(const char *name)
{
	for (size_t i = 0; name && i < ELEMENTSOF(cap_names); i++)
		if (strcmp(cap_names[i], name) == 0)
			return (int)i;
	return -EINVAL;
}

bool policy_class_restricts(enum policy_class c)
{
	return c == POLICY_CLASS_DENY || c == POLICY_CLASS_PROTECT;
}

bool policy_protect_overridden(const struct policy *p, const struct policy_rule *r)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (!policy_class_restricts(p->rules[i].klass) && p->rules[i].depth == r->depth &&
		    strcmp(p->rules[i].path, r->path) == 0)
			return true;
	return false;
}

/* The accesses a protect rule takes away: everything that changes the file
 * or the entry. */
#define PROTECTED_ACCESSES \
	(BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_CREATE) | BIT(POLICY_ACCESS_DELETE) | BIT(POLICY_ACCESS_TRUNCATE))

const char *policy_rule_label(const struct policy_rule *r, char *buf, size_t size)
{
	(void)snprintf(buf, size, "<%s: %s>", r->origin, r->pattern);
	return buf;
}

/* The accesses that carry a path: what write grants (unix_connect among
 * them), and exec. */
static bool is_fs_access(enum policy_access a)
{
	return BIT(a) & policy_class_grants(POLICY_CLASS_WRITE) ? true : a == POLICY_ACCESS_EXEC;
}

/* Creating or removing an entry is an operation on the directory that holds
 * it, as the kernel sees it: `write ~/dir` lets a program create and delete
 * entries inside ~/dir, not ~/dir itself. So these accesses are decided on
 * the parent (after deny rules at or below the entry, see decide_fs()).
 * Writes into buf; returns the path to decide on. */
static const char *decision_path(const struct policy_query *q, char *buf, size_t size)
{
	const char *slash;
	size_t len;

	if (q->access != POLICY_ACCESS_CREATE && q->access != POLICY_ACCESS_DELETE)
		return q->path;
	slash = strrchr(q->path, '/');
	len = (size_t)(slash - q->path);
	if (len == 0)
		return "/";
	if (len >= size)
		return q->path;
	memcpy(buf, q->path, len);
	buf[len] = '\0';
	return buf;
}

static void decide_fs(const struct policy *p, const struct policy_query *q, struct policy_decision *d)
{
	const struct policy_rule *best = NULL;
	char label[512], parent[4096];
	const char *path = decision_path(q, parent, sizeof(parent));
	unsigned depth;

	/* Removing or replacing X takes everything below X with it: a deny
	 * or protect rule at or below X denies it (rename ~/.ssh away, then
	 * read it; rename .git away, then plant a hook in a new one). */
	if (path != q->path)
		for (size_t i = p->n_rules; i-- > 0;) {
			const struct policy_rule *r = &p->rules[i];

			if (policy_class_restricts(r->klass) && path_has_prefix(r->path, q->path) &&
			    !(r->klass == POLICY_CLASS_PROTECT && policy_protect_overridden(p, r))) {
				best = r;
				goto decided;
			}
		}
	/* Rules are sorted deepest first and, at equal depth, deny first: the
	 * first rule that speaks about this access is the most specific one.
	 * A rule deeper than the path cannot be its prefix: skipped before any
	 * string is compared. */
	depth = path_depth(path);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		/* list and scratch speak of their own directory only (scratch:
		 * creating an entry right in it, decided on the directory). */
		if (r->depth > depth ||
		    ((r->klass == POLICY_CLASS_LIST || r->klass == POLICY_CLASS_SCRATCH) && r->depth != depth))
			continue;
		if (r->klass == POLICY_CLASS_PROTECT ? !(PROTECTED_ACCESSES & BIT(q->access))
						       : r->klass != POLICY_CLASS_DENY &&
								 !(policy_class_grants(r->klass) & BIT(q->access)))
			continue;
		if (!path_has_prefix(path, r->path))
			continue;
		best = r;
		break;
	}
decided:
	d->rule = best;
	d->allow = best && !policy_class_restricts(best->klass);
	d->layer = d->allow ? POLICY_LAYER_NONE : POLICY_LAYER_LANDLOCK;
	if (q->no_reason)
		return;
	if (best)
		(void)snprintf(d->reason, sizeof(d->reason), "%s, by rule %s (filesystem.%s%s)",
			       d->allow ? "allow" : "deny", policy_rule_label(best, label, sizeof(label)),
			       class_names[best->klass],
			       best->klass == POLICY_CLASS_LIST || best->klass == POLICY_CLASS_SCRATCH
				       ? "; given by the supervisor only"
			       : best->klass == POLICY_CLASS_PRIVATE ? "; the sandbox's own directory, isolated mode only"
								     : "");
	else
		(void)snprintf(d->reason, sizeof(d->reason), "deny, no rule grants %s here (default deny)",
			       access_names[q->access]);
}

static bool port_listed(const uint16_t *ports, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

static void decide_tcp(const struct policy *p, const struct policy_query *q, struct policy_decision *d)
{
	bool connect = q->access == POLICY_ACCESS_TCP_CONNECT;
	const char *list = connect ? "connect_tcp" : "bind_tcp";

	switch (p->net.mode) {
	case POLICY_NET_ON:
		d->allow = true;
		d->layer = POLICY_LAYER_NONE;
		(void)snprintf(d->reason, sizeof(d->reason), "allow, network.mode is on");
		return;
	case POLICY_NET_OFF:
		/* socket() itself is refused before Landlock would be asked. */
		d->allow = false;
		d->layer = POLICY_LAYER_SECCOMP;
		(void)snprintf(d->reason, sizeof(d->reason), "deny, network.mode is off");
		return;
	case POLICY_NET_PORTS:
		if (connect ? port_listed(p->net.connect, p->net.n_connect, q->port)
			    : port_listed(p->net.bind, p->net.n_bind, q->port)) {
			d->allow = true;
			d->layer = POLICY_LAYER_NONE;
			(void)snprintf(d->reason, sizeof(d->reason), "allow, port %u is in network.%s", q->port, list);
		} else {
			d->allow = false;
			d->layer = POLICY_LAYER_LANDLOCK;
			(void)snprintf(d->reason, sizeof(d->reason), "deny, port %u is not in network.%s", q->port,
				       list);
		}
		return;
	case POLICY_NET_PROXY:
		/* Landlock lets TCP reach the proxy's port only; the isolated
		 * mode adds a network namespace with nothing but loopback. */
		d->allow = false;
		d->layer = POLICY_LAYER_LANDLOCK;
		(void)snprintf(d->reason, sizeof(d->reason),
			       "deny, network.mode is proxy: TCP goes only to latch's proxy, which decides each "
			       "host (ask `connect HOST:PORT`)");
		return;
	case _POLICY_NET_MAX:
		break;
	}
	d->allow = false;
	(void)snprintf(d->reason, sizeof(d->reason), "deny, unknown network mode");
}

static bool host_rule_matches(const struct policy_host_rule *r, const struct policy_host *h, uint16_t port)
{
	size_t n, m;

	if (r->port ? r->port != port : port != 443 && port != 80)
		return false;
	if (r->host.kind != h->kind)
		return false;
	if (!r->host.wildcard)
		return strcmp(r->host.name, h->name) == 0;
	/* Subdomains only, at a label boundary: "*.example.org" matches
	 * a.example.org, never example.org nor evil-example.org. */
	n = strlen(h->name);
	m = strlen(r->host.name);
	return n > m + 1 && h->name[n - m - 1] == '.' && strcmp(h->name + n - m, r->host.name) == 0;
}

/* An exact host is more specific than any wildcard, a wildcard by its
 * labels; for the same host, a port written out more than the defaults. */
static unsigned host_rule_specificity(const struct policy_host_rule *r)
{
	return 2 * (r->host.wildcard ? r->labels : POLICY_HOST_MAX + 1) + (r->port != 0);
}

/* network.mode proxy: the most specific entry that names host and port
 * decides; at equal specificity deny_hosts wins; none: deny (the proxy may
 * then ask). */
static void decide_host_rules(const struct policy *p, const struct policy_host *h, uint16_t port,
			      struct policy_decision *d)
{
	const struct policy_host_rule *best = NULL;
	char label[600], target[POLICY_HOST_MAX + 16];

	for (size_t i = 0; i < p->net.n_hosts; i++) {
		const struct policy_host_rule *r = &p->net.hosts[i];

		if (!host_rule_matches(r, h, port))
			continue;
		if (!best || host_rule_specificity(r) > host_rule_specificity(best) ||
		    (host_rule_specificity(r) == host_rule_specificity(best) && r->deny && !best->deny))
			best = r;
	}
	d->host_rule = best;
	d->allow = best && !best->deny;
	d->layer = d->allow ? POLICY_LAYER_NONE : POLICY_LAYER_PROXY;
	if (best)
		(void)snprintf(d->reason, sizeof(d->reason), "%s, by rule %s (network.%s)", d->allow ? "allow" : "deny",
			       policy_host_rule_label(best, label, sizeof(label)), best->deny ? "deny_hosts" : "hosts");
	else
		(void)snprintf(d->reason, sizeof(d->reason), "deny, no entry of network.hosts names %s (default deny)",
			       policy_host_port_format(h, port, target, sizeof(target)));
}

static void decide_connect(const struct policy *p, const struct policy_query *q, struct policy_decision *d)
{
	struct policy_host h;
	const char *why = NULL;

	if (!q->host || policy_host_parse(q->host, strlen(q->host), false, false, &h, &why) < 0) {
		d->layer = POLICY_LAYER_PROXY;
		(void)snprintf(d->reason, sizeof(d->reason), "deny, not a host: %s", why ? why : "none given");
		return;
	}
	if (q->port == 0) {
		d->layer = POLICY_LAYER_PROXY;
		(void)snprintf(d->reason, sizeof(d->reason), "deny, port 0 is no port");
		return;
	}
	switch (p->net.mode) {
	case POLICY_NET_OFF:
	case POLICY_NET_ON:
		/* The same answer as for any TCP connection. */
		decide_tcp(p, &(struct policy_query){ .access = POLICY_ACCESS_TCP_CONNECT, .port = q->port }, d);
		return;
	case POLICY_NET_PORTS: {
		char reason[sizeof(d->reason)];

		decide_tcp(p, &(struct policy_query){ .access = POLICY_ACCESS_TCP_CONNECT, .port = q->port }, d);
		memcpy(reason, d->reason, sizeof(reason));
		(void)snprintf(d->reason, sizeof(d->reason), "%s (mode ports does not see host names)", reason);
		return;
	}
	case POLICY_NET_PROXY:
		decide_host_rules(p, &h, q->port, d);
		return;
	case _POLICY_NET_MAX:
		break;
	}
	(void)snprintf(d->reason, sizeof(d->reason), "deny, unknown network mode");
}

static void decide_flag(bool allowed, enum policy_layer layer, const char *key, const char *value,
			struct policy_decision *d)
{
	d->allow = allowed;
	d->layer = allowed ? POLICY_LAYER_NONE : layer;
	(void)snprintf(d->reason, sizeof(d->reason), "%s, %s is %s", allowed ? "allow" : "deny", key, value);
}

void policy_decide(const struct policy *p, const struct policy_query *q, struct policy_decision *d)
{
	memset(d, 0, sizeof(*d));
	/* A malformed query is denied, and Landlock's default deny is what
	 * stands behind that: never "none", which means allowed. */
	d->layer = POLICY_LAYER_LANDLOCK;
	if ((unsigned)q->access >= _POLICY_ACCESS_MAX) {
		(void)snprintf(d->reason, sizeof(d->reason), "deny, unknown access");
		return;
	}
	if (is_fs_access(q->access)) {
		if (!q->path || q->path[0] != '/') {
			(void)snprintf(d->reason, sizeof(d->reason), "deny, the path is not absolute");
			return;
		}
		decide_fs(p, q, d);
		return;
	}
	switch (q->access) {
	case POLICY_ACCESS_TCP_CONNECT:
	case POLICY_ACCESS_TCP_BIND:
		decide_tcp(p, q, d);
		return;
	case POLICY_ACCESS_SIGNAL:
		decide_flag(!p->process.scope_signals, POLICY_LAYER_LANDLOCK, "process.signals",
			    p->process.scope_signals ? "scoped" : "open", d);
		return;
	case POLICY_ACCESS_ABSTRACT_UNIX:
		decide_flag(!p->process.scope_abstract_unix, POLICY_LAYER_LANDLOCK, "process.abstract_unix",
			    p->process.scope_abstract_unix ? "scoped" : "open", d);
		return;
	case POLICY_ACCESS_PTRACE:
		decide_flag(p->process.ptrace, POLICY_LAYER_SECCOMP, "process.ptrace",
			    p->process.ptrace ? "true" : "false", d);
		return;
	case POLICY_ACCESS_USERNS:
		decide_flag(p->process.nested_sandbox, POLICY_LAYER_SECCOMP, "process.nested_sandbox",
			    p->process.nested_sandbox ? "true" : "false", d);
		return;
	case POLICY_ACCESS_NET_CONNECT:
		decide_connect(p, q, d);
		return;
	case POLICY_ACCESS_READ:
	case POLICY_ACCESS_WRITE:
	case POLICY_ACCESS_CREATE:
	case POLICY_ACCESS_DELETE:
	case POLICY_ACCESS_TRUNCATE:
	case POLICY_ACCESS_EXEC:
	case POLICY_ACCESS_UNIX_CONNECT:
	case _POLICY_ACCESS_MAX:
		break;
	}
	(void)snprintf(d->reason, sizeof(d->reason), "deny, unknown access");
}

bool policy_allow_shadowed(const struct policy *p, const struct policy_rule *r)
{
	/* Same path, same depth: the rules are sorted deny first there, so
	 * decide_fs() meets the deny before r for every access. */
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].klass == POLICY_CLASS_DENY && p->rules[i].depth == r->depth &&
		    strcmp(p->rules[i].path, r->path) == 0)
			return true;
	return false;
}
