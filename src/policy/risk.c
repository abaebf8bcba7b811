/* Risk tiers, derived from what a resolved policy grants (see risk.h for the
 * tiers). Each finding is one human line, "tier N: what: which rule"; the
 * tier is the highest finding, 0 when there is none.
 *
 * Places are compared as the loader compared rules: $HOME, $CWD, $TMPDIR and
 * $PRIVATE_TMP go through ctx->resolve (or lexical normalization when it is
 * NULL), so a symlinked home (/home -> /var/home) lands where its rules did. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/path-util.h"
#include "base/strv.h"
#include "policy/risk.h"

/* Directories whose contents the host trusts: writing in one is tier 2. */
static const char *const system_dirs[] = {
	"/bin", "/boot", "/etc", "/lib", "/lib64", "/opt", "/root", "/sbin", "/usr", "/var",
};

/* Under /dev but shared with every process on the host: not exempt. */
static const char *const dev_shared_dirs[] = {
	"/dev/mqueue",
	"/dev/shm",
};

/* The places a finding is measured against, resolved like rule paths. */
struct places {
	char *home;         /* NULL when unknown */
	char *cwd;
	char *tmpdir;
	char *private_tmp;
	char **system;      /* system_dirs, as written and as resolved */
	char **dev_shared;  /* dev_shared_dirs, likewise */
};

static void places_done(struct places *pl)
{
	free(pl->home);
	free(pl->cwd);
	free(pl->tmpdir);
	free(pl->private_tmp);
	strv_free(pl->system);
	strv_free(pl->dev_shared);
}

/* Resolve an absolute path the way the loader resolves rules. *ret is NULL
 * when path is NULL, relative or cannot be resolved: the place is then
 * unknown and no finding depends on it. Returns 0 or -ENOMEM. */
static int resolve_like_rules(const struct policy_ctx *ctx, const char *path, char **ret)
{
	char *out = NULL;
	int r = -EINVAL;

	*ret = NULL;
	if (!path || path[0] != '/')
		return 0;
	if (ctx && ctx->resolve)
		r = ctx->resolve(path, &out, ctx->userdata);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		out = NULL;
		r = path_normalize(path, &out);
	}
	if (r == -ENOMEM)
		return r;
	*ret = r < 0 ? NULL : out;
	return 0;
}

/* Append each directory as written and, where it differs, as resolved. */
static int push_dirs(const struct policy_ctx *ctx, const char *const *dirs, size_t n, char ***v)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *resolved = NULL;
		int r;

		if (strv_push(v, dirs[i]) < 0)
			return -ENOMEM;
		r = resolve_like_rules(ctx, dirs[i], &resolved);
		if (r < 0)
			return r;
		if (resolved && !strv_contains(*v, resolved) && strv_push(v, resolved) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int places_init(const struct policy_ctx *ctx, struct places *pl)
{
	int r;

	memset(pl, 0, sizeof(*pl));
	if ((r = resolve_like_rules(ctx, policy_ctx_var(ctx, "HOME"), &pl->home)) < 0 ||
	    (r = resolve_like_rules(ctx, policy_ctx_var(ctx, "CWD"), &pl->cwd)) < 0 ||
	    (r = resolve_like_rules(ctx, policy_ctx_var(ctx, "TMPDIR"), &pl->tmpdir)) < 0 ||
	    (r = resolve_like_rules(ctx, policy_ctx_var(ctx, "PRIVATE_TMP"), &pl->private_tmp)) < 0 ||
	    (r = push_dirs(ctx, system_dirs, ELEMENTSOF(system_dirs), &pl->system)) < 0 ||
	    (r = push_dirs(ctx, dev_shared_dirs, ELEMENTSOF(dev_shared_dirs), &pl->dev_shared)) < 0)
		return r;
	return 0;
}

/* Whether path is place or inside it; an unknown place contains nothing. */
static bool inside(const char *path, const char *place)
{
	return place && path_has_prefix(path, place);
}

static bool inside_any(const char *path, char *const *places)
{
	for (size_t i = 0; places && places[i]; i++)
		if (path_has_prefix(path, places[i]))
			return true;
	return false;
}

/* Record "tier N: <message>" unless the same line is already there. */
_printf_(3, 4) static int add_reason(struct policy_risk *risk, int tier, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	char *line = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	if (asprintf(&line, "tier %d: %s", tier, msg) < 0)
		return -ENOMEM;
	if (strv_contains(risk->reasons, line)) {
		free(line);
		return 0;
	}
	if (strv_consume(&risk->reasons, line) < 0)
		return -ENOMEM;
	if (tier > risk->tier)
		risk->tier = tier;
	return 0;
}

static bool is_writable_class(enum policy_class c)
{
	return c == POLICY_CLASS_WRITE || c == POLICY_CLASS_CREATE;
}

/* "443, 8443" into buf, or "none". */
static const char *format_ports(const uint16_t *ports, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	(void)snprintf(buf, size, "none");
	for (size_t i = 0; i < n && len < size; i++) {
		int k = snprintf(buf + len, size - len, "%s%u", i ? ", " : "", ports[i]);

		if (k < 0)
			break;
		len += (size_t)k;
	}
	return buf;
}

static int check_network(const struct policy *p, struct policy_risk *risk)
{
	char connect[POLICY_PORTS_MAX * 8], bind[POLICY_PORTS_MAX * 8];

	if (p->net.unix_datagram) {
		int r = add_reason(risk, 1,
				   "network.unix_datagram is true: may send datagrams to pathname sockets outside the "
				   "sandbox (journald, syslog) that no supervisor sees");

		if (r < 0)
			return r;
	}
	switch (p->net.mode) {
	case POLICY_NET_OFF:
		return 0;
	case POLICY_NET_ON:
		return add_reason(risk, 2, "network.mode is on: unrestricted network");
	case POLICY_NET_PORTS:
		return add_reason(risk, 1, "network.mode is ports: TCP connect to %s; TCP bind to %s",
				  format_ports(p->net.connect, p->net.n_connect, connect, sizeof(connect)),
				  format_ports(p->net.bind, p->net.n_bind, bind, sizeof(bind)));
	case POLICY_NET_PROXY: {
		size_t allowed = 0;

		for (size_t i = 0; i < p->net.n_hosts; i++)
			allowed += !p->net.hosts[i].deny;
		return add_reason(risk, 1, "network.mode is proxy: out only through latch's proxy, to %zu listed host%s "
					   "(and those granted at run time)",
				  allowed, allowed == 1 ? "" : "s");
	}
	case _POLICY_NET_MAX:
		break;
	}
	return add_reason(risk, 2, "network.mode is unknown: treated as unrestricted");
}

static int check_process(const struct policy *p, struct policy_risk *risk)
{
	int r = 0;

	if (p->process.ptrace)
		r = add_reason(risk, 2, "process.ptrace is true: ptrace and process_vm_readv/writev are allowed");
	if (r == 0 && p->process.nested_sandbox)
		r = add_reason(risk, 2,
			       "process.nested_sandbox is true: the program may create user namespaces, which expose "
			       "kernel code written for root");
	for (int c = 0; r == 0 && c < 64; c++)
		if (p->process.capabilities & (UINT64_C(1) << c))
			r = add_reason(risk, 2, "process.capabilities keeps %s: a power beyond file work, for root",
				       policy_cap_name(c));
	if (r == 0 && !p->process.scope_signals)
		r = add_reason(risk, 1, "process.signals is open: may signal processes outside the sandbox");
	if (r == 0 && !p->process.scope_abstract_unix)
		r = add_reason(risk, 1,
			       "process.abstract_unix is open: may connect to abstract unix sockets outside the "
			       "sandbox");
	return r;
}

/* A write or create rule: tier 2 for "/", $HOME or its ancestors and system
 * directories; tier 1 anywhere but the project, the temporary directories
 * and /dev (minus its host-shared IPC directories). */
static int check_write(const struct places *pl, const struct policy_rule *w, struct policy_risk *risk)
{
	const char *klass = policy_class_name(w->klass);
	char label[512];

	(void)policy_rule_label(w, label, sizeof(label));
	if (strcmp(w->path, "/") == 0)
		return add_reason(risk, 2, "write access to '/': filesystem.%s %s", klass, label);
	if (pl->home && path_has_prefix(pl->home, w->path))
		return add_reason(risk, 2, "write access to $HOME or an ancestor of it: filesystem.%s %s (%s)",
				  klass, label, w->path);
	/* A home or temp dir that lives in one (/var/home, /root, /var/tmp)
	 * is judged as what it is, not as a system directory. */
	if (!inside(w->path, pl->home) && !inside(w->path, pl->tmpdir) && !inside(w->path, pl->private_tmp))
		for (size_t i = 0; pl->system && pl->system[i]; i++)
			if (path_has_prefix(w->path, pl->system[i]) || path_has_prefix(pl->system[i], w->path))
				return add_reason(risk, 2,
						  "write access to a system directory (%s): filesystem.%s %s (%s)",
						  pl->system[i], klass, label, w->path);
	if (inside(w->path, pl->cwd) || inside(w->path, pl->tmpdir) || inside(w->path, pl->private_tmp))
		return 0;
	if (path_has_prefix(w->path, "/dev") && !inside_any(w->path, pl->dev_shared))
		return 0;
	return add_reason(risk, 1,
			  "write access outside the project and temporary directories: filesystem.%s %s (%s)", klass,
			  label, w->path);
}

/* Sockets whose server acts for whoever connects with the host's full
 * power: reaching one is reaching root (a container runtime, the init
 * system's private bus, the system bus). */
static const char *const root_sockets[] = {
	"/run/containerd", "/run/docker.sock", "/run/podman", "/run/systemd/private", "/run/dbus/system_bus_socket",
	"/var/run/docker.sock", "/var/run/containerd", "/var/run/podman", "/var/run/dbus/system_bus_socket",
};

/* A unix_connect rule: tier 1 (a service outside the sandbox acts for
 * it), tier 2 when it reaches a socket of the list above, or a directory
 * holding one. */
static int check_unix_connect(const struct policy_rule *u, struct policy_risk *risk)
{
	char label[512];

	(void)policy_rule_label(u, label, sizeof(label));
	for (size_t i = 0; i < ELEMENTSOF(root_sockets); i++)
		if (path_has_prefix(root_sockets[i], u->path) || path_has_prefix(u->path, root_sockets[i]))
			return add_reason(risk, 2,
					  "may connect to %s, which acts as root on the host: filesystem.unix_connect %s",
					  root_sockets[i], label);
	return add_reason(risk, 1, "may connect to a service outside the sandbox: filesystem.unix_connect %s (%s)",
			  label, u->path);
}

/* An exec rule whose path overlaps a writable one (equal, or one inside the
 * other): the sandbox can run what it wrote. One line per exec rule. */
static int check_exec(const struct policy *p, const struct policy_rule *e, struct policy_risk *risk)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *w = &p->rules[i];
		char el[512], wl[512];

		if (!is_writable_class(w->klass))
			continue;
		if (!path_has_prefix(e->path, w->path) && !path_has_prefix(w->path, e->path))
			continue;
		return add_reason(risk, 1,
				  "exec from a writable directory: filesystem.exec %s (%s) overlaps filesystem.%s %s",
				  policy_rule_label(e, el, sizeof(el)), e->path, policy_class_name(w->klass),
				  policy_rule_label(w, wl, sizeof(wl)));
	}
	return 0;
}

static int check_filesystem(const struct policy *p, const struct places *pl, struct policy_risk *risk)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *rule = &p->rules[i];
		int r = 0;

		switch (rule->klass) {
		case POLICY_CLASS_WRITE:
		case POLICY_CLASS_CREATE:
			r = check_write(pl, rule, risk);
			break;
		case POLICY_CLASS_EXEC:
			r = check_exec(p, rule, risk);
			break;
		case POLICY_CLASS_UNIX_CONNECT:
			r = check_unix_connect(rule, risk);
			break;
		case POLICY_CLASS_DENY:
		case POLICY_CLASS_READ:
		case POLICY_CLASS_PROTECT:
		case POLICY_CLASS_LIST:
		case POLICY_CLASS_PRIVATE: /* the sandbox's own, gone at exit */
		case POLICY_CLASS_SCRATCH: /* only what the program made itself */
		case _POLICY_CLASS_MAX:
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int policy_risk(const struct policy *p, const struct policy_ctx *ctx, struct policy_risk *ret)
{
	struct policy_risk risk = { 0 };
	struct places pl;
	int r;

	r = places_init(ctx, &pl);
	if (r == 0)
		r = check_network(p, &risk);
	if (r == 0)
		r = check_process(p, &risk);
	if (r == 0)
		r = check_filesystem(p, &pl, &risk);
	places_done(&pl);
	if (r < 0) {
		policy_risk_done(&risk);
		return -ENOMEM;
	}
	*ret = risk;
	return 0;
}

void policy_risk_done(struct policy_risk *r)
{
	if (!r)
		return;
	r->reasons = strv_free(r->reasons);
	r->tier = 0;
}

bool policy_risk_gate(const struct policy *p, const struct policy_risk *risk, const char *spec, char *const *acks,
		      char *const *more, char *why, size_t size)
{
	const char *name = p->name;

	if (risk->tier < 2 || strv_contains(acks, spec) || strv_contains(acks, name) || strv_contains(more, spec) ||
	    strv_contains(more, name))
		return true;
	/* Name a reason that makes it tier 2, not merely the first one. */
	const char *reason = "derived";

	for (size_t i = 0; risk->reasons && risk->reasons[i]; i++)
		if (strncmp(risk->reasons[i], "tier 2", 6) == 0) {
			reason = risk->reasons[i];
			break;
		}
	(void)snprintf(why, size, "profile '%s' is risk tier 2 (%s): not run without --ack-risk %s", name, reason,
		       name);
	return false;
}
