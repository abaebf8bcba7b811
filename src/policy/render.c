#include <stdio.h>
#include <string.h>

#include "base/json-util.h"
#include "policy/render.h"

static json_t *rule_to_json(const struct policy_rule *r)
{
	json_t *o = json_object();
	char label[512];

	json_set(o, "class", json_str(policy_class_name(r->klass)));
	json_set(o, "path", json_str(r->path));
	json_set(o, "pattern", json_str(r->pattern));
	json_set(o, "origin", json_str(r->origin));
	json_set(o, "make_dir", json_boolean(r->make_dir));
	json_set(o, "quiet", json_boolean(r->quiet));
	json_set(o, "label", json_str(policy_rule_label(r, label, sizeof(label))));
	return o;
}

static json_t *host_rule_to_json(const struct policy_host_rule *r)
{
	json_t *o = json_object();
	char label[600], host[POLICY_HOST_MAX + 8];

	(void)snprintf(host, sizeof(host), "%s%s", r->host.wildcard ? "*." : "", r->host.name);
	json_set(o, "class", json_str(r->deny ? "deny_hosts" : "hosts"));
	json_set(o, "host", json_str(host));
	json_set(o, "port", r->port ? json_integer(r->port) : json_null());
	json_set(o, "pattern", json_str(r->pattern));
	json_set(o, "origin", json_str(r->origin));
	json_set(o, "label", json_str(policy_host_rule_label(r, label, sizeof(label))));
	return o;
}

json_t *policy_required_to_json(unsigned required)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ POLICY_REQUIRE_LANDLOCK_IOCTL_DEV, "landlock_ioctl_dev" },
		{ POLICY_REQUIRE_LANDLOCK_NET, "landlock_net" },
		{ POLICY_REQUIRE_LANDLOCK_SCOPES, "landlock_scopes" },
		{ POLICY_REQUIRE_LANDLOCK_TRUNCATE, "landlock_truncate" },
		{ POLICY_REQUIRE_NAMESPACES, "namespaces" },
		{ POLICY_REQUIRE_CGROUP_LIMITS, "cgroup_limits" },
	};
	json_t *a = json_array();

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (required & names[i].bit)
			(void)json_array_append_new(a, json_str(names[i].name));
	return a;
}

static json_t *limit_json(long long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

json_t *policy_limits_to_json(const struct policy_limits *l)
{
	json_t *o = json_object();

	json_set(o, "nofile", limit_json(l->nofile));
	json_set(o, "nproc", limit_json(l->nproc));
	json_set(o, "core", limit_json(l->core));
	json_set(o, "fsize", limit_json(l->fsize));
	json_set(o, "memory", limit_json(l->memory));
	json_set(o, "pids", limit_json(l->pids));
	return o;
}

json_t *policy_to_json(const struct policy *p)
{
	json_t *o = json_object(), *rules = json_array(), *net = json_object(), *proc = json_object(),
	       *env = json_object();

	for (size_t i = 0; i < p->n_rules; i++)
		(void)json_array_append_new(rules, rule_to_json(&p->rules[i]));
	json_set(net, "mode", json_str(policy_net_mode_name(p->net.mode)));
	json_set(net, "connect_tcp", json_ports(p->net.connect, p->net.n_connect));
	json_set(net, "bind_tcp", json_ports(p->net.bind, p->net.n_bind));
	{
		json_t *hosts = json_array(), *resolve = json_object();

		for (size_t i = 0; i < p->net.n_hosts; i++)
			(void)json_array_append_new(hosts, host_rule_to_json(&p->net.hosts[i]));
		for (size_t i = 0; i < p->net.n_resolve; i++)
			json_set(resolve, p->net.resolve[i].name, json_str(p->net.resolve[i].address));
		json_set(net, "hosts", hosts);
		json_set(net, "resolve", resolve);
	}
	json_set(proc, "signals", json_str(p->process.scope_signals ? "scoped" : "open"));
	json_set(proc, "abstract_unix", json_str(p->process.scope_abstract_unix ? "scoped" : "open"));
	json_set(proc, "ptrace", json_boolean(p->process.ptrace));
	json_set(proc, "nested_sandbox", json_boolean(p->process.nested_sandbox));
	{
		json_t *caps = json_array();

		for (int c = 0; c < 64; c++)
			if (p->process.capabilities & (UINT64_C(1) << c))
				(void)json_array_append_new(caps, json_str(policy_cap_name(c)));
		json_set(proc, "capabilities", caps);
	}
	json_set(env, "keep", p->env.keep ? json_strv(p->env.keep) : json_null());
	json_set(env, "drop", json_strv(p->env.drop));
	json_set(env, "set", json_strv(p->env.set));

	json_set(o, "name", json_str(p->name));
	json_set(o, "description", json_str(p->description));
	json_set(o, "source", json_str(p->source));
	json_set(o, "chain", json_strv(p->chain));
	json_set(o, "groups", json_strv(p->groups));
	json_set(o, "rules", rules);
	json_set(o, "protect_in_projects", json_strv(p->protect_in_projects));
	json_set(o, "protect_in_repositories", json_strv(p->protect_in_repositories));
	json_set(o, "network", net);
	json_set(o, "process", proc);
	json_set(o, "env", env);
	json_set(o, "required", policy_required_to_json(p->required));
	json_set(o, "limits", policy_limits_to_json(&p->limits));
	json_set(o, "supervise", json_str(policy_supervise_name(p->supervise)));
	return o;
}

json_t *policy_decision_to_json(const struct policy_query *q, const struct policy_decision *d)
{
	json_t *o = json_object();

	json_set(o, "verdict", json_str(d->allow ? "allow" : "deny"));
	json_set(o, "access", json_str(policy_access_name(q->access)));
	json_set(o, "path", q->path ? json_str(q->path) : json_null());
	json_set(o, "port", q->access == POLICY_ACCESS_TCP_CONNECT || q->access == POLICY_ACCESS_TCP_BIND ||
				    q->access == POLICY_ACCESS_NET_CONNECT
			    ? json_integer(q->port)
			    : json_null());
	json_set(o, "host", q->access == POLICY_ACCESS_NET_CONNECT ? json_str(q->host) : json_null());
	json_set(o, "rule", d->rule        ? rule_to_json(d->rule)
			    : d->host_rule ? host_rule_to_json(d->host_rule)
					   : json_null());
	json_set(o, "layer", json_str(policy_layer_name(d->layer)));
	json_set(o, "reason", json_str(d->reason));
	return o;
}
