/* The sections of a profile below the file level: network, process, env,
 * required, limits, supervise. Each validates its keys and types and merges
 * into the policy being loaded (see profile.c for the loader itself). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/strv.h"
#include "policy/policy.h"
#include "policy/profile-internal.h"

static const char *const network_keys[] = { "bind_tcp", "connect_tcp", "deny_hosts", "hosts", "mode", "resolve",
						    "unix_datagram", NULL };
static const char *const group_network_keys[] = { "deny_hosts", "hosts", NULL };
static const char *const process_keys[] = { "abstract_unix", "capabilities", "nested_sandbox", "ptrace", "signals",
					     NULL };
static const char *const env_keys[] = { "drop", "keep", "set", NULL };
static const char *const limits_keys[] = { "core", "fsize", "memory", "nofile", "nproc", "pids", NULL };
static const char *const supervise_keys[] = { "mode", NULL };

static const struct {
	const char *name;
	unsigned bit;
} required_names[] = {
	{ "landlock_ioctl_dev", POLICY_REQUIRE_LANDLOCK_IOCTL_DEV },
	{ "landlock_net", POLICY_REQUIRE_LANDLOCK_NET },
	{ "landlock_scopes", POLICY_REQUIRE_LANDLOCK_SCOPES },
	{ "landlock_truncate", POLICY_REQUIRE_LANDLOCK_TRUNCATE },
	{ "namespaces", POLICY_REQUIRE_NAMESPACES },
	{ "cgroup_limits", POLICY_REQUIRE_CGROUP_LIMITS },
};

static int parse_ports(struct loader *l, const struct source *s, json_t *arr, const char *key, uint16_t *ports,
		       size_t *n)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return profile_fail(l, s, key, key + strlen("network."), "must be an array of port numbers");
	if (json_array_size(arr) > POLICY_PORTS_MAX)
		return profile_fail(l, s, key, key + strlen("network."), "more than %d ports", POLICY_PORTS_MAX);
	*n = 0;
	json_array_foreach(arr, i, v) {
		json_int_t port = json_is_integer(v) ? json_integer_value(v) : -1;

		if (port < 1 || port > 65535)
			return profile_fail(l, s, key, key + strlen("network."), "element %zu is not a port (1-65535)", i);
		ports[(*n)++] = (uint16_t)port;
	}
	return 0;
}

/* network.hosts or network.deny_hosts: entries add up (see policy_add_host). */
static int parse_host_list(struct loader *l, const struct source *s, json_t *net, const char *name, bool deny,
			   const char *origin)
{
	json_t *arr = json_object_get(net, name), *v;
	char key[32];
	size_t i;

	if (!arr)
		return 0;
	(void)snprintf(key, sizeof(key), "network.%s", name);
	if (!json_is_array(arr))
		return profile_fail(l, s, key, name, "must be an array of hosts (\"example.org\", \"*.example.org\", "
						      "\"example.org:8443\")");
	json_array_foreach(arr, i, v) {
		struct error sub = { 0 };
		int r;

		if (!json_is_string(v))
			return profile_fail(l, s, key, name, "element %zu is not a string", i);
		r = policy_add_host(l->p, json_string_value(v), deny, origin, &sub);
		if (r == -ENOMEM)
			return error_set(l->err, ENOMEM, "out of memory");
		if (r < 0)
			return profile_fail(l, s, key, json_string_value(v), "element %zu: %s", i, sub.msg);
	}
	return 0;
}

/* network.resolve: { "name": "address" }, a later profile overriding. */
static int parse_resolve(struct loader *l, const struct source *s, json_t *obj)
{
	struct policy_net *net = &l->p->net;
	const char *name;
	json_t *v;

	if (!json_is_object(obj))
		return profile_fail(l, s, "network.resolve", "resolve", "must be an object of \"name\": \"address\"");
	json_object_foreach(obj, name, v) {
		struct policy_host h, a;
		const char *why = NULL;
		char key[POLICY_HOST_MAX + 32];
		struct policy_resolve *nr;
		size_t k;

		(void)snprintf(key, sizeof(key), "network.resolve.%s", name);
		if (policy_host_parse(name, strlen(name), false, false, &h, &why) < 0 || h.kind != POLICY_HOST_NAME)
			return profile_fail(l, s, key, name, "not a host name%s%s", why ? ": " : "", why ? why : "");
		if (!json_is_string(v) ||
		    policy_host_parse(json_string_value(v), strlen(json_string_value(v)), false, false, &a, &why) < 0 ||
		    a.kind == POLICY_HOST_NAME)
			return profile_fail(l, s, key, name, "must be an IPv4 or IPv6 address (without brackets)");
		for (k = 0; k < net->n_resolve; k++)
			if (strcmp(net->resolve[k].name, h.name) == 0)
				break;
		if (k == net->n_resolve) {
			if (net->n_resolve >= POLICY_HOSTS_MAX)
				return profile_fail(l, s, key, name, "more than %d names", POLICY_HOSTS_MAX);
			nr = realloc(net->resolve, (net->n_resolve + 1) * sizeof(*nr));
			if (!nr)
				return error_set(l->err, ENOMEM, "out of memory");
			net->resolve = nr;
			net->resolve[k] = (struct policy_resolve){ .name = strdup(h.name) };
			net->n_resolve++;
			if (!net->resolve[k].name)
				return error_set(l->err, ENOMEM, "out of memory");
		}
		free(net->resolve[k].address);
		net->resolve[k].address = strdup(a.name);
		if (!net->resolve[k].address)
			return error_set(l->err, ENOMEM, "out of memory");
	}
	return 0;
}

int profile_parse_network(struct loader *l, const struct source *s, json_t *net, const char *origin)
{
	struct policy_net parsed = { 0 };
	json_t *mode, *v;
	int r, m;

	if (!json_is_object(net))
		return profile_fail(l, s, "network", "network", "must be an object");
	r = profile_check_keys(l, s, net, network_keys, "network");
	if (r < 0)
		return r;
	mode = json_object_get(net, "mode");
	if (!json_is_string(mode))
		return profile_fail(l, s, "network.mode", "network", "missing or not a string (off, on, ports or proxy)");
	for (m = 0; m < _POLICY_NET_MAX; m++)
		if (strcmp(json_string_value(mode), policy_net_mode_name((enum policy_net_mode)m)) == 0)
			break;
	if (m == _POLICY_NET_MAX)
		return profile_fail(l, s, "network.mode", "mode", "'%s' is not one of off, on, ports, proxy",
			    json_string_value(mode));
	parsed.mode = (enum policy_net_mode)m;
	v = json_object_get(net, "connect_tcp");
	if (v && parsed.mode != POLICY_NET_PORTS)
		return profile_fail(l, s, "network.connect_tcp", "connect_tcp", "only meaningful with mode \"ports\"");
	if (v && (r = parse_ports(l, s, v, "network.connect_tcp", parsed.connect, &parsed.n_connect)) < 0)
		return r;
	v = json_object_get(net, "bind_tcp");
	if (v && parsed.mode != POLICY_NET_PORTS)
		return profile_fail(l, s, "network.bind_tcp", "bind_tcp", "only meaningful with mode \"ports\"");
	if (v && (r = parse_ports(l, s, v, "network.bind_tcp", parsed.bind, &parsed.n_bind)) < 0)
		return r;
	v = json_object_get(net, "unix_datagram");
	if (v && !json_is_boolean(v))
		return profile_fail(l, s, "network.unix_datagram", "unix_datagram", "must be true or false");
	parsed.unix_datagram = v && json_is_true(v);
	for (const char *const *k = (const char *const[]){ "hosts", "deny_hosts", "resolve", NULL }; *k; k++) {
		char key[32];

		(void)snprintf(key, sizeof(key), "network.%s", *k);
		if (json_object_get(net, *k) && parsed.mode != POLICY_NET_PROXY)
			return profile_fail(l, s, key, *k, "only meaningful with mode \"proxy\"");
	}
	/* A profile's network replaces what it extends, but for the proxy's
	 * entries, which add up like filesystem rules. */
	parsed.hosts = l->p->net.hosts;
	parsed.n_hosts = l->p->net.n_hosts;
	parsed.resolve = l->p->net.resolve;
	parsed.n_resolve = l->p->net.n_resolve;
	l->p->net = parsed;
	r = parse_host_list(l, s, net, "hosts", false, origin);
	if (r == 0)
		r = parse_host_list(l, s, net, "deny_hosts", true, origin);
	if (r == 0 && (v = json_object_get(net, "resolve")))
		r = parse_resolve(l, s, v);
	return r;
}

int profile_parse_group_network(struct loader *l, const struct source *s, json_t *net, const char *origin)
{
	int r;

	if (!json_is_object(net))
		return profile_fail(l, s, "network", "network", "must be an object");
	r = profile_check_keys(l, s, net, group_network_keys, "network");
	if (r == 0)
		r = parse_host_list(l, s, net, "hosts", false, origin);
	if (r == 0)
		r = parse_host_list(l, s, net, "deny_hosts", true, origin);
	return r;
}

static int parse_scope(struct loader *l, const struct source *s, json_t *proc, const char *key, bool *ret)
{
	json_t *v = json_object_get(proc, key);
	char full[64];

	if (!v)
		return 0;
	(void)snprintf(full, sizeof(full), "process.%s", key);
	if (!json_is_string(v))
		return profile_fail(l, s, full, key, "must be \"scoped\" or \"open\"");
	if (strcmp(json_string_value(v), "scoped") == 0)
		*ret = true;
	else if (strcmp(json_string_value(v), "open") == 0)
		*ret = false;
	else
		return profile_fail(l, s, full, key, "'%s' is not \"scoped\" or \"open\"", json_string_value(v));
	return 0;
}

int profile_parse_process(struct loader *l, const struct source *s, json_t *proc)
{
	json_t *v;
	int r;

	if (!json_is_object(proc))
		return profile_fail(l, s, "process", "process", "must be an object");
	r = profile_check_keys(l, s, proc, process_keys, "process");
	if (r < 0)
		return r;
	r = parse_scope(l, s, proc, "signals", &l->p->process.scope_signals);
	if (r < 0)
		return r;
	r = parse_scope(l, s, proc, "abstract_unix", &l->p->process.scope_abstract_unix);
	if (r < 0)
		return r;
	v = json_object_get(proc, "ptrace");
	if (v && !json_is_boolean(v))
		return profile_fail(l, s, "process.ptrace", "ptrace", "must be true or false");
	if (v)
		l->p->process.ptrace = json_is_true(v);
	v = json_object_get(proc, "nested_sandbox");
	if (v && !json_is_boolean(v))
		return profile_fail(l, s, "process.nested_sandbox", "nested_sandbox", "must be true or false");
	if (v)
		l->p->process.nested_sandbox = json_is_true(v);
	v = json_object_get(proc, "capabilities");
	if (v && !json_is_array(v))
		return profile_fail(l, s, "process.capabilities", "capabilities",
				    "must be an array of capability names (net_raw, sys_time, ...)");
	if (v) {
		size_t i;
		json_t *c;

		/* Added up along extends, like filesystem rules. */
		json_array_foreach(v, i, c) {
			char key[64];
			int cap = policy_cap_from_name(json_string_value(c));

			(void)snprintf(key, sizeof(key), "process.capabilities[%zu]", i);
			if (cap < 0)
				return profile_fail(l, s, key, json_string_value(c) ?: "capabilities",
						    "'%s' is not a capability name (lower case, without CAP_)",
						    json_string_value(c) ?: "?");
			l->p->process.capabilities |= UINT64_C(1) << cap;
		}
	}
	return 0;
}

static bool valid_env_glob(const char *g)
{
	if (!g[0])
		return false;
	for (const char *c = g; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      strchr("_*?[]!-", *c)))
			return false;
	return true;
}

static bool valid_env_name(const char *n)
{
	if (!n[0] || (n[0] >= '0' && n[0] <= '9'))
		return false;
	for (const char *c = n; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return false;
	return true;
}

static int parse_env_list(struct loader *l, const struct source *s, json_t *env, const char *key, char ***list)
{
	json_t *arr = json_object_get(env, key), *v;
	char full[32];
	size_t i;

	if (!arr)
		return 0;
	(void)snprintf(full, sizeof(full), "env.%s", key);
	if (!json_is_array(arr))
		return profile_fail(l, s, full, key, "must be an array of variable names or globs");
	/* keep: [] keeps nothing, which differs from no keep at all. */
	if (!*list) {
		*list = calloc(1, sizeof(char *));
		if (!*list)
			return error_set(l->err, ENOMEM, "out of memory");
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || !valid_env_glob(json_string_value(v)))
			return profile_fail(l, s, full, key, "element %zu is not a variable name or glob", i);
		if (!strv_contains(*list, json_string_value(v)) && strv_push(list, json_string_value(v)) < 0)
			return error_set(l->err, ENOMEM, "out of memory");
	}
	return 0;
}

int profile_parse_env(struct loader *l, const struct source *s, json_t *env)
{
	const char *name;
	json_t *set, *v;
	int r;

	if (!json_is_object(env))
		return profile_fail(l, s, "env", "env", "must be an object");
	r = profile_check_keys(l, s, env, env_keys, "env");
	if (r < 0)
		return r;
	r = parse_env_list(l, s, env, "keep", &l->p->env.keep);
	if (r < 0)
		return r;
	r = parse_env_list(l, s, env, "drop", &l->p->env.drop);
	if (r < 0)
		return r;
	set = json_object_get(env, "set");
	if (!set)
		return 0;
	if (!json_is_object(set))
		return profile_fail(l, s, "env.set", "set", "must be an object of NAME: value");
	json_object_foreach(set, name, v) {
		_cleanup_free_ char *value = NULL, *entry = NULL;
		struct error sub = { 0 };
		size_t nlen = strlen(name);
		char key[128];

		(void)snprintf(key, sizeof(key), "env.set.%s", name);
		if (!valid_env_name(name))
			return profile_fail(l, s, key, name, "not a valid variable name");
		if (!json_is_string(v))
			return profile_fail(l, s, key, name, "must be a string");
		r = policy_expand(json_string_value(v), l->ctx, &value, &sub);
		if (r < 0)
			return profile_fail(l, s, key, name, "%s", sub.msg);
		if (policy_mentions_var(json_string_value(v), "PRIVATE_TMP"))
			l->p->uses_private_tmp = true;
		if (asprintf(&entry, "%s=%s", name, value) < 0)
			return error_set(l->err, ENOMEM, "out of memory");
		/* A later profile in the chain overrides an earlier value. */
		for (size_t i = 0; l->p->env.set && l->p->env.set[i]; i++)
			if (strncmp(l->p->env.set[i], entry, nlen + 1) == 0) {
				free(l->p->env.set[i]);
				l->p->env.set[i] = TAKE_PTR(entry);
				break;
			}
		if (entry && strv_consume(&l->p->env.set, TAKE_PTR(entry)) < 0)
			return error_set(l->err, ENOMEM, "out of memory");
	}
	return 0;
}

int profile_parse_required(struct loader *l, const struct source *s, json_t *arr)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return profile_fail(l, s, "required", "required", "must be an array of protection names");
	json_array_foreach(arr, i, v) {
		size_t k;

		for (k = 0; k < ELEMENTSOF(required_names); k++)
			if (json_is_string(v) && strcmp(json_string_value(v), required_names[k].name) == 0)
				break;
		if (k == ELEMENTSOF(required_names))
			return profile_fail(l, s, "required", "required",
				    "element %zu is not one of landlock_ioctl_dev, landlock_net, "
				    "landlock_scopes, landlock_truncate, namespaces, cgroup_limits",
				    i);
		l->p->required |= required_names[k].bit;
	}
	return 0;
}

int profile_parse_limits(struct loader *l, const struct source *s, json_t *lim)
{
	static const struct {
		const char *key;
		size_t offset;
	} fields[] = {
		{ "core", offsetof(struct policy_limits, core) },
		{ "fsize", offsetof(struct policy_limits, fsize) },
		{ "memory", offsetof(struct policy_limits, memory) },
		{ "nofile", offsetof(struct policy_limits, nofile) },
		{ "nproc", offsetof(struct policy_limits, nproc) },
		{ "pids", offsetof(struct policy_limits, pids) },
	};
	int r;

	if (!json_is_object(lim))
		return profile_fail(l, s, "limits", "limits", "must be an object");
	r = profile_check_keys(l, s, lim, limits_keys, "limits");
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		json_t *v = json_object_get(lim, fields[i].key);
		char key[32];

		if (!v)
			continue;
		(void)snprintf(key, sizeof(key), "limits.%s", fields[i].key);
		/* A limit of 0 processes or 0 open files would only make the
		 * program fail to start; core may be 0. */
		if (!json_is_integer(v) || json_integer_value(v) < (strcmp(fields[i].key, "core") == 0 ? 0 : 1))
			return profile_fail(l, s, key, fields[i].key, "must be a %s integer",
				    strcmp(fields[i].key, "core") == 0 ? "non-negative" : "positive");
		*(long long *)((char *)&l->p->limits + fields[i].offset) = json_integer_value(v);
	}
	return 0;
}

int profile_parse_supervise(struct loader *l, const struct source *s, json_t *sup)
{
	json_t *mode;
	int r;

	if (!json_is_object(sup))
		return profile_fail(l, s, "supervise", "supervise", "must be an object");
	r = profile_check_keys(l, s, sup, supervise_keys, "supervise");
	if (r < 0)
		return r;
	mode = json_object_get(sup, "mode");
	if (!json_is_string(mode))
		return profile_fail(l, s, "supervise.mode", "supervise", "missing or not a string (off, deny or ask)");
	for (int m = 0; m < _POLICY_SUPERVISE_MAX; m++)
		if (strcmp(json_string_value(mode), policy_supervise_name((enum policy_supervise)m)) == 0) {
			l->p->supervise = (enum policy_supervise)m;
			return 0;
		}
	return profile_fail(l, s, "supervise.mode", "mode", "'%s' is not one of off, deny, ask", json_string_value(mode));
}
