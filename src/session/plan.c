/* A run's plan (session.h): everything between the profile and the launch
 * that needs no child process. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/path-util.h"
#include "base/strv.h"
#include "policy/render.h"
#include "policy/risk.h"
#include "sandbox/caps.h"
#include "sandbox/env.h"
#include "sandbox/launch.h"
#include "sandbox/namespaces.h"
#include "session/session.h"

static const char *env_lookup(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

/* The directories the profile's write rules name with a trailing '/' that
 * do not exist: made (0700, with their parents) before the sandbox starts,
 * so that Landlock can hold a rule for them (a rule needs an inode). */
static json_t *missing_dirs_json(const struct policy *p)
{
	json_t *a = json_array();
	struct stat st;

	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].make_dir && lstat(p->rules[i].path, &st) < 0 && errno == ENOENT)
			(void)json_array_append_new(a, json_str(p->rules[i].path));
	return a;
}

/* What no layer of this plan enforces, beyond the degradations: one line
 * each. */
static json_t *not_enforced_json(const struct session_plan *s)
{
	json_t *a = json_array();

	if (s->supervise == POLICY_SUPERVISE_OFF)
		(void)json_array_append_new(a, json_str("metadata: chmod, chown, times and extended attributes of files "
							"the profile does not let the program write (Landlock does not "
							"decide them; a supervisor does)"));
	(void)json_array_append_new(a, json_str("stat: the type, size, owner and times of a path the profile denies "
						"can be read wherever its directory can be searched"));
	if (s->supervise == POLICY_SUPERVISE_OFF)
		(void)json_array_append_new(a, json_str("getxattr and listxattr: the extended attributes of a file the "
							"profile does not let the program read can be read"));
	return a;
}

static json_t *env_names_json(char *const *envp)
{
	json_t *a = json_array();

	for (size_t i = 0; envp && envp[i]; i++) {
		_cleanup_free_ char *name = strndup(envp[i], strcspn(envp[i], "="));

		(void)json_array_append_new(a, json_str(name));
	}
	return a;
}


static bool have_terminal(void)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return false;
	(void)close(fd);
	return true;
}

/* Supervision: the profile's mode, then the flags; and who answers. */
static void decide_supervision(const struct session_request *o, struct session_plan *s)
{
	enum policy_supervise m = s->policy->supervise;

	switch (o->supervise) {
	case SESSION_SUPERVISE_PROFILE:
		break;
	case SESSION_SUPERVISE_OFF:
		m = POLICY_SUPERVISE_OFF;
		break;
	case SESSION_SUPERVISE_ON:
		if (m == POLICY_SUPERVISE_OFF)
			m = POLICY_SUPERVISE_DENY;
		break;
	case SESSION_SUPERVISE_ASK:
		m = POLICY_SUPERVISE_ASK;
		break;
	}
	if (m == POLICY_SUPERVISE_OFF &&
	    (o->approve_socket || o->approve_connected || o->approve_all || o->events || o->events_to_fd ||
	     o->save_to))
		m = POLICY_SUPERVISE_DENY;
	/* Inside another sandbox a supervisor may be impossible: the run
	 * goes on without it where only the profile asked for one (its
	 * checks then say what that loses); asked for by the caller, it is
	 * refused (session_plan_check). */
	if (m != POLICY_SUPERVISE_OFF && (s->sup_unavailable = sup_unavailable()) != NULL &&
	    o->supervise == SESSION_SUPERVISE_PROFILE && !o->approve_socket && !o->approve_connected &&
	    !o->approve_all && !o->events && !o->events_to_fd && !o->save_to)
		m = POLICY_SUPERVISE_OFF;
	s->supervise = m;
	if (o->approve_socket || o->approve_connected)
		s->backend = SUP_BACKEND_SOCKET;
	else if (o->approve_all)
		s->backend = SUP_BACKEND_ALLOW;
	else if (m == POLICY_SUPERVISE_ASK && !o->no_terminal && have_terminal())
		s->backend = SUP_BACKEND_TTY;
	else
		s->backend = SUP_BACKEND_DENY;
	/* A supervisor that may grant must reach the paths it grants: it, not
	 * a mask, then enforces the denies inside allowed directories. */
	s->use_masks = m == POLICY_SUPERVISE_OFF || s->backend == SUP_BACKEND_DENY;
}

/* Landlock and the masks, from the policy as it stands. */
static int compile_plan(struct session_plan *s, struct error *err)
{
	int r;

	s->ll = landlock_plan_free(s->ll);
	s->masks = mask_plan_free(s->masks);
	r = landlock_compile(s->policy, s->abi, &s->ll, err);
	if (r < 0)
		return r;
	if (mask_plan_build(s->policy, s->ll, &s->masks) < 0)
		return error_set(err, ENOMEM, "out of memory");
	return 0;
}

static bool has_scratch(const struct policy *p, const char *path)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].klass == POLICY_CLASS_SCRATCH && strcmp(p->rules[i].path, path) == 0)
			return true;
	return false;
}

/* "private" rules: in the isolated mode each existing directory becomes an
 * empty tmpfs of the sandbox's own; without namespaces that cannot be
 * done, so the rules are dropped (their paths stay refused) and the run
 * says so. */
static int plan_private(struct session_plan *s, struct error *err)
{
	bool any = false;
	struct stat st;

	s->private_dirs = strv_free(s->private_dirs);
	for (size_t i = 0; i < s->policy->n_rules; i++) {
		const struct policy_rule *r = &s->policy->rules[i];
		char *line = NULL;

		if (r->klass != POLICY_CLASS_PRIVATE)
			continue;
		any = true;
		if (s->isolated) {
			if (stat(r->path, &st) == 0 && S_ISDIR(st.st_mode) && strv_push(&s->private_dirs, r->path) < 0)
				return error_set(err, ENOMEM, "out of memory");
			continue;
		}
		/* Dropped; a scratch rule at the same path takes over, as
		 * meant (/tmp), and nothing is lost worth a line. */
		if (has_scratch(s->policy, r->path))
			continue;
		if (asprintf(&line, "%s%s%s", s->private_dropped ? s->private_dropped : "",
			     s->private_dropped ? ", " : "", r->path) < 0)
			return error_set(err, ENOMEM, "out of memory");
		free(s->private_dropped);
		s->private_dropped = line;
	}
	if (!s->isolated && any) {
		policy_drop_class(s->policy, POLICY_CLASS_PRIVATE);
		return compile_plan(s, err);
	}
	return 0;
}

/* --overlay: the directories a write or create rule names that exist, but
 * the temporary ones, latch's own caches, the kernel's and the private
 * ones; one for a tree (the outermost); the project first. */
static int plan_overlay(struct session_plan *s, struct error *err)
{
	const char *skip[] = { "/tmp", "/var/tmp", "/dev", "/proc", "/sys", policy_ctx_var(s->ctx, "TMPDIR"),
			       policy_ctx_var(s->ctx, "PRIVATE_TMP"), policy_ctx_var(s->ctx, "LATCH_CACHE") };
	const char *cwd = policy_ctx_var(s->ctx, "CWD");
	struct stat st;

	s->overlay_dirs = strv_free(s->overlay_dirs);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < s->policy->n_rules; i++) {
			const struct policy_rule *r = &s->policy->rules[i];
			bool skipped = strv_contains(s->private_dirs, r->path) ||
				       strv_contains(s->overlay_dirs, r->path);

			if ((r->klass != POLICY_CLASS_WRITE && r->klass != POLICY_CLASS_CREATE) ||
			    (pass == 0) != (cwd && strcmp(r->path, cwd) == 0))
				continue;
			/* The project is overlaid wherever it lies. */
			for (size_t k = 0; pass == 1 && k < ELEMENTSOF(skip) && !skipped; k++)
				skipped = skip[k] && path_has_prefix(r->path, skip[k]);
			for (size_t k = 0; s->overlay_dirs && s->overlay_dirs[k] && !skipped; k++)
				skipped = path_has_prefix(r->path, s->overlay_dirs[k]);
			if (skipped || stat(r->path, &st) < 0 || !S_ISDIR(st.st_mode))
				continue;
			if (strv_push(&s->overlay_dirs, r->path) < 0)
				return error_set(err, ENOMEM, "out of memory");
		}
	/* One that holds another chosen later (the project inside $HOME) is
	 * the layer; the inner one goes. */
	for (size_t i = 0; s->overlay_dirs && s->overlay_dirs[i]; i++)
		for (size_t k = 0; s->overlay_dirs[k]; k++)
			if (k != i && path_has_prefix(s->overlay_dirs[i], s->overlay_dirs[k])) {
				free(s->overlay_dirs[i]);
				memmove(&s->overlay_dirs[i], &s->overlay_dirs[i + 1],
					(strv_length(s->overlay_dirs + i + 1) + 1) * sizeof(char *));
				i--;
				break;
			}
	return 0;
}

/* network.mode proxy: where programs find the proxy. In the isolated mode
 * on the loopback of the sandbox's own network namespace at a port known
 * now; in the static mode at a port of the host's loopback chosen when the
 * run starts (session_run sets it then). */
static int plan_proxy(struct session_plan *s)
{
	if (s->policy->net.mode != POLICY_NET_PROXY)
		return 0;
	s->proxy_port = s->isolated ? NET_BRIDGE_PORT : 0;
	landlock_plan_set_proxy_port(s->ll, s->proxy_port);
	return net_proxy_env(&s->envp, s->proxy_port);
}

/* Connecting to a pathname Unix socket (docker.sock is root on the host):
 * Landlock decides it from ABI 9; below, a run without supervision gets a
 * supervisor of connect() alone, or, where none can run, no socket(AF_UNIX)
 * at all. Never unseen. */
static void plan_sockets(struct session_plan *s)
{
	s->sockets_supervised = false;
	s->sockets_unavailable = NULL;
	s->sf.unix_off = false;
	if (s->supervise != POLICY_SUPERVISE_OFF || landlock_plan_handles(s->ll, POLICY_ACCESS_UNIX_CONNECT))
		return;
	s->sockets_unavailable = sup_unavailable();
	s->sockets_supervised = !s->sockets_unavailable;
	s->sf.unix_off = s->sockets_unavailable != NULL;
}

static void set_ns_unavailable(struct session_plan *s, int err)
{
	free(s->ns_unavailable);
	if (asprintf(&s->ns_unavailable,
		     "namespaces: the kernel refused an unprivileged user namespace (%s); no pid, mount, ipc, uts "
		     "or network namespace: this user's other processes stay visible in /proc, and no path "
		     "can be masked (see `latch doctor`)",
		     errno_name(err)) < 0)
		s->ns_unavailable = NULL;
	s->isolated = false;
}

struct sfilter_plan session_sfilter_plan(const struct policy *p, const struct landlock_plan *ll)
{
	return (struct sfilter_plan){
		.allow_ptrace = p->process.ptrace,
		.network_off = p->net.mode == POLICY_NET_OFF,
		.network_proxy = p->net.mode == POLICY_NET_PROXY,
		.allow_userns = p->process.nested_sandbox,
		.allow_unix_dgram = p->net.unix_datagram || landlock_plan_handles(ll, POLICY_ACCESS_UNIX_CONNECT),
	};
}

/* --allow-host: entries of network.hosts for this run. A profile without
 * network goes through the proxy with just these; one that is on or lists
 * ports has no host to decide on. */
static int add_allowed_hosts(const struct session_request *o, struct policy *p, struct error *err)
{
	if (!o->allow_hosts)
		return 0;
	switch (p->net.mode) {
	case POLICY_NET_OFF:
		p->net.mode = POLICY_NET_PROXY;
		break;
	case POLICY_NET_PROXY:
		break;
	case POLICY_NET_ON:
	case POLICY_NET_PORTS:
	case _POLICY_NET_MAX:
		return error_set(err, EINVAL,
				 "--allow-host needs a profile whose network.mode is off or proxy; '%s' has mode %s",
				 p->name, policy_net_mode_name(p->net.mode));
	}
	for (size_t i = 0; o->allow_hosts[i]; i++) {
		int r = policy_add_host(p, o->allow_hosts[i], false, "--allow-host", err);

		if (r < 0)
			return r == -EINVAL ? error_prefix(err, "--allow-host") : r;
	}
	return 0;
}

int session_plan_build(const struct session_request *o, const struct policy_ctx *ctx, int ns_refused,
		       struct session_plan *s, struct error *err)
{
	struct policy_ctx with_rules = *ctx;
	struct policy *p = NULL;
	int r;

	with_rules.extra = o->rules;
	with_rules.n_extra = o->n_rules;
	r = policy_load(o->profile, &with_rules, &p, err);
	if (r < 0) {
		memset(s, 0, sizeof(*s));
		return r;
	}
	return session_plan_from_policy(o, ctx, ns_refused, p, s, err);
}

int session_plan_from_policy(const struct session_request *o, const struct policy_ctx *ctx, int ns_refused,
			     struct policy *policy, struct session_plan *s, struct error *err)
{
	const char *no_ns = getenv("LATCH_NO_NAMESPACES");
	int r;

	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->policy = policy;
	for (size_t i = 0; o->extra_exec && o->extra_exec[i]; i++) {
		_cleanup_free_ char *resolved = NULL;

		r = path_resolve(o->extra_exec[i], &resolved);
		if (r < 0)
			return error_set(err, -r, "cannot resolve '%s': %s", o->extra_exec[i], strerror(-r));
		r = policy_add_rule(s->policy, POLICY_CLASS_EXEC, resolved, o->extra_exec_origin, err);
		if (r < 0)
			return r;
	}
	r = add_allowed_hosts(o, s->policy, err);
	if (r < 0)
		return r;
	s->abi = o->landlock_abi > 0 ? o->landlock_abi : session_landlock_abi(err);
	if (s->abi == -EINVAL)
		return s->abi;
	r = compile_plan(s, err);
	if (r < 0)
		return r;
	s->sf = session_sfilter_plan(s->policy, s->ll);
	if (env_build(&s->policy->env, environ, &s->envp) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (o->argv && o->argv[0]) {
		s->lookup_err = launch_find_program(o->argv[0], env_lookup(s->envp, "PATH"), &s->program);
		if (s->lookup_err == -ENOMEM)
			return error_set(err, ENOMEM, "out of memory");
	}
	if (no_ns && strcmp(no_ns, "1") != 0 && strcmp(no_ns, "0") != 0)
		return error_set(err, EINVAL, "LATCH_NO_NAMESPACES: '%s' is not 0 or 1", no_ns);
	s->ns_disabled = o->no_namespaces || (no_ns && strcmp(no_ns, "1") == 0);
	s->isolated = !s->ns_disabled;
	decide_supervision(o, s);
	/* The supervisor acts for the program only with the program's own
	 * rights. Seen from outside, a program in its own user namespace has
	 * no capabilities; a supervisor that holds some would lend them. Root
	 * needs no user namespace (ns_flags_for), but a caller with some
	 * capabilities and no CAP_SYS_ADMIN (a container's root) does: its
	 * supervised runs are static, said in a warning. */
	s->root_supervised_static = s->isolated && s->supervise != POLICY_SUPERVISE_OFF &&
				    (ns_flags_for(s->policy) & CLONE_NEWUSER) && caps_any();
	if (s->root_supervised_static)
		s->isolated = false;
	plan_sockets(s);
	/* The kernel refused them once: the second plan is for the static
	 * mode, with its own reasons to refuse. */
	if (ns_refused > 0 && s->isolated)
		set_ns_unavailable(s, ns_refused);
	r = plan_private(s, err);
	if (r == 0 && o->overlay)
		r = plan_overlay(s, err);
	if (r == 0 && plan_proxy(s) < 0)
		r = error_set(err, ENOMEM, "out of memory");
	return r;
}

int session_plan_probe(struct session_plan *s, bool ask_kernel)
{
	if (s->isolated && ask_kernel) {
		int e = ns_probe(ns_flags_for(s->policy));

		if (e < 0) {
			set_ns_unavailable(s, -e);
			if (plan_proxy(s) < 0)
				return -ENOMEM;
		}
	}
	if (s->isolated && (s->policy->limits.memory >= 0 || s->policy->limits.pids >= 0) &&
	    cgroup_prepare(&s->policy->limits, &s->cgroup, &s->cgroup_unavailable) == -ENOMEM)
		return -ENOMEM;
	return 0;
}

/* A protection that cannot be given: a warning, or a refusal under --strict
 * or when the profile requires it. */
static int degraded(const struct session_request *o, struct session_plan *s, unsigned required_bit, const char *line)
{
	const char *why = o->strict ? "--strict"
			  : (s->policy->required & required_bit) ? "the profile's \"required\""
								   : NULL;

	if (why)
		return strv_pushf(&s->refusals, "%s (refused because of %s)", line, why);
	return strv_pushf(&s->warnings, "%s", line);
}

/* --overlay: a mount namespace to mount it in, something to overlay, and
 * paths overlayfs can take; latch's own state (where the changes are
 * kept) must not lie in an overlay. */
static int check_overlay(struct session_plan *s)
{
	const char *state = policy_ctx_var(s->ctx, "XDG_STATE_HOME");

	if (!s->isolated)
		return strv_pushf(&s->refusals, "overlay: an overlay needs the sandbox's own mount namespace, and this run "
						"has none (%s)",
				  s->ns_unavailable ? s->ns_unavailable
				  : s->ns_disabled  ? "namespaces are off: --no-namespaces or LATCH_NO_NAMESPACES=1"
						    : "a supervised run of a caller with capabilities is static");
	if (!s->overlay_dirs)
		return strv_pushf(&s->refusals, "overlay: the profile writes no directory that can be overlaid");
	for (size_t i = 0; s->overlay_dirs[i]; i++) {
		if (!overlay_path_ok(s->overlay_dirs[i]))
			return strv_pushf(&s->refusals, "overlay: '%s' holds a character overlayfs's options cannot name "
							"(',', ':', '\\\\', '=')",
					  s->overlay_dirs[i]);
		if (state && path_has_prefix(state, s->overlay_dirs[i]))
			return strv_pushf(&s->refusals, "overlay: '%s' holds latch's state directory (%s), where the "
							"overlay's changes are kept; run from a project directory",
					  s->overlay_dirs[i], state);
	}
	return 0;
}

/* Whether an allow rule that Landlock carries lies at or below dir: a
 * private directory keeps the way to it (its mount points). */
static bool leads_to_kept(const struct policy *p, const char *dir)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (!policy_class_restricts(r->klass) && r->klass != POLICY_CLASS_LIST &&
		    r->klass != POLICY_CLASS_SCRATCH && path_has_prefix(r->path, dir))
			return true;
	}
	return false;
}

/* Every reason to refuse and every warning, for the mode planned. */
int session_plan_check(const struct session_request *o, struct session_plan *s)
{
	const struct landlock_plan *ll = s->ll;
	const struct policy_limits *lim = &s->policy->limits;
	int r = 0;

	s->refusals = strv_free(s->refusals);
	s->warnings = strv_free(s->warnings);
	if (s->abi < 1)
		r = strv_pushf(&s->refusals,
			     "Landlock is not available (%s); latch does not run a program without filesystem "
			     "confinement",
			     errno_name(-s->abi));
	for (size_t i = 0; r == 0 && s->abi >= 1 && ll->degraded && ll->degraded[i]; i++)
		r = degraded(o, s, ll->degraded_bit[i], ll->degraded[i]);

	/* Deny rules inside allowed directories: masked in isolated mode, or
	 * refused (accepted, with a warning, under --allow-unmasked). */
	if (s->supervise != POLICY_SUPERVISE_OFF) {
		/* The supervisor enforces what neither Landlock nor a mask can. */
	} else if (s->isolated && s->masks->unmaskable) {
		char **u = s->masks->unmaskable;
		size_t n = strv_length(u);

		/* Often dozens (credential paths a user does not have): one
		 * line, the first few named, all of them in --dry-run. */
		r = strv_pushf(o->allow_unmasked ? &s->warnings : &s->refusals,
			     "%zu denied path%s inside allowed directories do%s not exist, so %s cannot be masked "
			     "and the program could create %s: %s%s%s%s%s%s (%s)",
			     n, n == 1 ? "" : "s", n == 1 ? "es" : "", n == 1 ? "it" : "they", n == 1 ? "it" : "them",
			     u[0], n > 1 ? ", " : "", n > 1 ? u[1] : "", n > 2 ? ", " : "", n > 2 ? u[2] : "",
			     n > 3 ? ", ..." : "",
			     o->allow_unmasked ? "not enforced: --allow-unmasked"
					       : "`latch run --dry-run` lists them; --allow-unmasked accepts this");
	}
	for (size_t i = 0; r == 0 && s->isolated && s->supervise == POLICY_SUPERVISE_OFF && s->masks->unenforceable &&
			   s->masks->unenforceable[i];
	     i++)
		r = strv_pushf(&s->refusals, "%s", s->masks->unenforceable[i]);
	/* Exact for every access, but those that a deny or protect rule
	 * inside an allowed directory takes away where no mask does. */
	s->landlock_exact = s->abi >= 1 && !ll->degraded;
	s->inexact = s->isolated && s->use_masks && !s->masks->unmaskable && !s->masks->unprotected &&
			     !s->masks->unenforceable
			     ? 0
			     : ll->inexact;
	if (r == 0 && !s->isolated && s->supervise == POLICY_SUPERVISE_OFF) {
		size_t n_protect = 0;

		for (size_t i = 0; r == 0 && ll->conflicts && ll->conflicts[i]; i++) {
			if (ll->conflict_rules[i]->klass == POLICY_CLASS_PROTECT) {
				n_protect++;
				continue;
			}
			r = strv_pushf(o->allow_unmasked ? &s->warnings : &s->refusals, "%s%s", ll->conflicts[i],
				     o->allow_unmasked ? " (not enforced: --allow-unmasked)"
				     : s->ns_disabled ? " (namespaces would mask it; they are disabled)"
						      : " (--allow-unmasked accepts this)");
		}
		if (r == 0 && n_protect)
			r = degraded(o, s, 0,
				     "protect: without a supervisor or namespaces, code that runs later cannot be kept "
				     "read-only inside a writable directory; `latch run --dry-run` lists the paths");
	}
	if (r == 0 && s->sockets_unavailable) {
		char line[512];

		(void)snprintf(line, sizeof(line),
			       "unix sockets: %s, so connecting to a pathname socket cannot be decided; socket(AF_UNIX) "
			       "is refused (socketpair still works)",
			       s->sockets_unavailable);
		r = degraded(o, s, 0, line);
	}
	if (r == 0 && s->sup_unavailable && s->supervise != POLICY_SUPERVISE_OFF)
		r = strv_pushf(&s->refusals, "supervise: asked for, but %s", s->sup_unavailable);
	else if (r == 0 && s->sup_unavailable) {
		char line[400];

		(void)snprintf(line, sizeof(line), "supervise: %s; the run is not supervised", s->sup_unavailable);
		r = degraded(o, s, 0, line);
	}
	/* Landlock does not decide metadata: without the supervisor the
	 * profile's write rules do not cover it. Said when supervision was
	 * asked for and turned off; a profile unsupervised by design lists it
	 * in the plan (session_plan_to_json: not_enforced). */
	if (r == 0 && s->supervise == POLICY_SUPERVISE_OFF && s->policy->supervise != POLICY_SUPERVISE_OFF)
		r = degraded(o, s, 0,
			     "metadata: without a supervisor, chmod, chown, times and extended attributes of files the "
			     "profile does not let the program write are not refused (Landlock does not decide them)");
	if (r == 0 && s->private_dropped) {
		_cleanup_free_ char *line = NULL;

		if (asprintf(&line, "private: without namespaces %s cannot be the sandbox's own, so it is not "
				    "granted (programs that need it, such as Python's multiprocessing, fail)",
			     s->private_dropped) < 0)
			return -ENOMEM;
		r = degraded(o, s, POLICY_REQUIRE_NAMESPACES, line);
	}
	if (r == 0 && s->private_dirs) {
		for (size_t i = 0; s->private_dirs[i] && r == 0; i++)
			for (size_t k = 0; k < s->policy->n_rules && r == 0; k++) {
				const struct policy_rule *a = &s->policy->rules[k];
				char label[512];

				/* What Landlock grants below it is bound back in
				 * (launch.c); what only the supervisor gives is not,
				 * but for a directory on the way to what is. */
				if ((a->klass == POLICY_CLASS_LIST || a->klass == POLICY_CLASS_SCRATCH) &&
				    path_has_prefix(a->path, s->private_dirs[i]) &&
				    strcmp(a->path, s->private_dirs[i]) != 0 &&
				    !(a->klass == POLICY_CLASS_LIST && leads_to_kept(s->policy, a->path)))
					r = strv_pushf(&s->refusals,
						       "private: the sandbox's own '%s' would hide %s (%s); name another "
						       "directory",
						       s->private_dirs[i], policy_rule_label(a, label, sizeof(label)), a->path);
			}
	}
	if (r == 0 && o->overlay)
		r = check_overlay(s);
	if (r == 0 && s->policy->protect_search_truncated) {
		_cleanup_free_ char *line = NULL;

		if (asprintf(&line, "protect: the search for git repositories under '%s' stopped at its bounds; "
				    "repositories deeper in it are not protected",
			     s->policy->protect_search_truncated) < 0)
			return -ENOMEM;
		r = degraded(o, s, 0, line);
	}
	if (r == 0 && s->isolated && s->supervise == POLICY_SUPERVISE_OFF && s->masks->unprotected) {
		char **u = s->masks->unprotected;
		size_t n = strv_length(u);

		_cleanup_free_ char *line = NULL;

		if (asprintf(&line, "protect: %zu protected path%s inside writable directories do%s not exist, and "
				    "without a supervisor nothing stops the program from creating %s: %s%s (`latch run "
				    "--dry-run` lists them)",
			     n, n == 1 ? "" : "s", n == 1 ? "es" : "", n == 1 ? "it" : "them", u[0],
			     n > 1 ? ", ..." : "") < 0)
			return -ENOMEM;
		r = degraded(o, s, 0, line);
	}

	if (r == 0 && !s->isolated) {
		const char *what = "no pid, mount, ipc, uts or network namespace: this user's other processes "
				   "stay visible in /proc, and no path can be masked";

		if (s->root_supervised_static)
			r = degraded(o, s, POLICY_REQUIRE_NAMESPACES,
				     "namespaces: not used for a supervised run by a caller that holds capabilities "
				     "but not CAP_SYS_ADMIN (the supervisor must not lend them to a program in a user "
				     "namespace of its own); no pid, mount, ipc, uts or network namespace");
		else if (s->ns_disabled && (s->policy->required & POLICY_REQUIRE_NAMESPACES))
			r = strv_pushf(&s->refusals, "namespaces: disabled on request, but the profile requires "
						   "them");
		else if (s->ns_disabled)
			r = strv_pushf(&s->warnings, "namespaces: disabled on request; %s", what);
		else
			r = degraded(o, s, POLICY_REQUIRE_NAMESPACES,
				     s->ns_unavailable ? s->ns_unavailable : "namespaces: not available");
	}
	/* The proxy is the only way out only where the kernel makes it so. */
	if (r == 0 && !s->isolated && s->policy->net.mode == POLICY_NET_PROXY)
		r = degraded(o, s, POLICY_REQUIRE_NAMESPACES,
			     s->abi >= 4 ? "network: proxy without a network namespace: Landlock lets TCP connect only to the "
					   "proxy's port, but on any address, and seccomp refuses UDP and other socket "
					   "families; a program that ignores HTTPS_PROXY may reach another host on that port"
					 : "network: proxy without a network namespace, and Landlock ABI < 4 cannot restrict "
					   "TCP: a program that ignores HTTPS_PROXY can connect anywhere directly");
	if (r == 0 && !s->isolated && s->policy->net.mode == POLICY_NET_PROXY && s->abi < 4 && s->abi >= 1 &&
	    (s->policy->required & POLICY_REQUIRE_LANDLOCK_NET))
		r = strv_pushf(&s->refusals, "landlock_net: Landlock ABI < 4 cannot restrict TCP to the proxy's port "
					     "(refused because of the profile's \"required\")");
	if (r == 0 && (lim->memory >= 0 || lim->pids >= 0) && (!s->isolated || s->cgroup_unavailable))
		r = degraded(o, s, POLICY_REQUIRE_CGROUP_LIMITS,
			     s->isolated ? s->cgroup_unavailable
					 : "cgroup_limits: limits.memory and limits.pids need the isolated mode "
					   "(namespaces); they are not enforced");
	return r < 0 ? -ENOMEM : 0;
}

json_t *session_plan_to_json(const struct session_request *o, const struct session_plan *s)
{
	json_t *data = json_object(), *cmd = json_object(), *fds = json_array(), *risk = json_object(),
	       *iso = json_object();
	struct policy_risk pr = { 0 };

	if (policy_risk(s->policy, s->ctx, &pr) == 0) {
		json_set(risk, "tier", json_integer(pr.tier));
		json_set(risk, "reasons", json_strv(pr.reasons));
	}
	policy_risk_done(&pr);
	for (size_t i = 0; i < o->n_keep_fds; i++)
		(void)json_array_append_new(fds, json_integer(o->keep_fds[i]));
	json_set(cmd, "argv", json_strv(o->argv));
	json_set(cmd, "path", json_str(s->program));
	json_set(cmd, "lookup_error",
		 o->argv[0] && s->lookup_err < 0 ? json_str(s->lookup_err == -ENOENT ? "not found" : "not executable")
						  : json_null());
	json_set(iso, "namespaces", ns_flags_to_json(s->isolated ? ns_flags_for(s->policy) : 0));
	json_set(iso, "masks", mask_plan_to_json(s->isolated && s->use_masks ? s->masks : NULL));
	json_set(iso, "fallback", json_str(s->isolated ? NULL
				   : s->ns_disabled ? "disabled on request"
						    : s->ns_unavailable));
	json_set(data, "profile", policy_to_json(s->policy));
	json_set(data, "risk", risk);
	json_set(data, "landlock", landlock_plan_to_json(s->ll));
	json_set(data, "seccomp", sfilter_plan_to_json(&s->sf));
	json_set(data, "isolation", iso);
	{
		json_t *sup = json_object();

		json_set(sup, "mode", json_str(policy_supervise_name(s->supervise)));
		json_set(sup, "unavailable", json_str(s->sup_unavailable));
		json_set(sup, "backend",
			 s->supervise == POLICY_SUPERVISE_OFF ? json_null() : json_str(sup_backend_name(s->backend)));
		json_set(sup, "landlock_exact", json_boolean(s->landlock_exact && !s->inexact));
		{
			json_t *inexact = json_array();

			for (int a = 0; a < _POLICY_ACCESS_MAX; a++)
				if (s->inexact & (1u << a))
					(void)json_array_append_new(inexact, json_str(policy_access_name(a)));
			json_set(sup, "emulated_accesses", inexact);
		}
		json_set(sup, "filter",
			 s->supervise != POLICY_SUPERVISE_OFF ? sup_filter_to_json(SUP_SCOPE_ALL)
			 : s->sockets_supervised           ? sup_filter_to_json(SUP_SCOPE_SOCKETS)
							   : json_null());
		json_set(sup, "sockets_only", json_boolean(s->sockets_supervised));
		json_set(data, "supervise", sup);
	}
	if (s->policy->net.mode == POLICY_NET_PROXY) {
		json_t *proxy = json_object();

		json_set(proxy, "port", s->proxy_port ? json_integer(s->proxy_port) : json_null());
		json_set(proxy, "listener",
			 json_str(s->isolated ? "127.0.0.1 of the sandbox's own network namespace, accepted by the proxy "
						"outside"
					      : "127.0.0.1 of the host, a port chosen when the run starts"));
		json_set(data, "proxy", proxy);
	} else {
		json_set(data, "proxy", json_null());
	}
	json_set(data, "limits", policy_limits_to_json(&s->policy->limits));
	json_set(data, "capabilities", caps_kept_to_json(s->policy->process.capabilities));
	json_set(data, "not_enforced", not_enforced_json(s));
	json_set(data, "command", cmd);
	json_set(data, "env_names", env_names_json(s->envp));
	json_set(data, "make_dirs", missing_dirs_json(s->policy));
	json_set(data, "overlay", o->overlay ? json_strv(s->overlay_dirs) : json_null());
	json_set(data, "keep_fds", fds);
	json_set(data, "strict", json_boolean(o->strict));
	json_set(data, "refusals", json_strv(s->refusals));
	json_set(data, "warnings", json_strv(s->warnings));
	json_set(data, "mode", json_str(s->isolated ? "isolated" : "static"));
	return data;
}

void session_plan_done(struct session_plan *s)
{
	cgroup_cleanup(&s->cgroup);
	free(s->cgroup_unavailable);
	free(s->ns_unavailable);
	policy_free(s->policy);
	landlock_plan_free(s->ll);
	mask_plan_free(s->masks);
	strv_free(s->envp);
	strv_free(s->refusals);
	strv_free(s->warnings);
	strv_free(s->private_dirs);
	strv_free(s->overlay_dirs);
	free(s->private_dropped);
	free(s->program);
	memset(s, 0, sizeof(*s));
}

/* Risk gating: a profile whose derived tier is 2 runs only when named in
 * req->ack_risk (the tier depends on where it runs: $CWD = $HOME makes
 * agent tier 2). A plan that is only shown is never gated: it shows the
 * tier. */
int session_risk_gate(const struct session_request *o, const struct session_plan *s, struct error *err)
{
	struct policy_risk risk = { 0 };
	char why[ERROR_MSG_MAX] = "out of memory";
	bool ok;

	ok = policy_risk(s->policy, s->ctx, &risk) == 0 &&
	     policy_risk_gate(s->policy, &risk, o->profile, o->ack_risk, NULL, why, sizeof(why));
	policy_risk_done(&risk);
	return ok ? 0 : error_set(err, EPERM, "%s", why);
}
