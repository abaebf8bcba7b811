/* The outcome vocabulary, errno classification and attribution: three
 * tables and the function that reads them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "probe/outcome.h"
#include "supervise/supervise.h"
#include "sandbox/landlock-uapi.h"

static const struct {
	const char *name;
	int rc;
	bool measured;
	const char *meaning;
} outcomes[_PROBE_OUTCOME_MAX] = {
	[PROBE_OK] = { "ok", 0, true, "the operation succeeded" },
	[PROBE_DENIED] = { "denied", 1, true, "a sandbox layer refused the operation (see attribution.layer)" },
	[PROBE_DAC_DENIED] = { "dac_denied", 1, true,
			       "Unix permissions or privileges refused the operation; the baseline is refused too" },
	[PROBE_NOT_FOUND] = { "not_found", 1, true, "the target does not exist, or nothing listens there" },
	[PROBE_EXISTS] = { "exists", 1, true, "the target already exists" },
	[PROBE_PREMISE_FAILED] = { "premise_failed", 1, false,
				   "the probe's own precondition did not hold; nothing was measured" },
	[PROBE_UNSUPPORTED] = { "unsupported", 1, true, "the kernel lacks the feature" },
	[PROBE_HARNESS_ERROR] = { "harness_error", 125, false,
				  "the harness failed (spawn, exec, a probe that died before answering); never a denial" },
	[PROBE_BAD_REQUEST] = { "bad_request", 2, false, "invalid probe arguments or runner options" },
	[PROBE_UNKNOWN_PROBE] = { "unknown_probe", 2, false, "no probe has that id" },
	[PROBE_TIMEOUT] = { "timeout", 124, false, "a wait, or the probe itself, did not finish in time" },
};

static const char *const layer_names[_PROBE_LAYER_MAX] = {
	[PROBE_LAYER_NONE] = "none",
	[PROBE_LAYER_LANDLOCK] = "landlock",
	[PROBE_LAYER_MOUNT_MASK] = "mount_mask",
	[PROBE_LAYER_SECCOMP] = "seccomp",
	[PROBE_LAYER_SUPERVISOR] = "supervisor",
	[PROBE_LAYER_NAMESPACE] = "namespace",
	[PROBE_LAYER_DAC] = "dac",
};

/* What errno alone says. PERMISSION marks the errnos a sandbox layer can
 * answer with (Landlock: EACCES, EXDEV for refer; seccomp: the table's
 * errno; a read-only mount: EROFS): the baseline reading is dac_denied, and
 * probe_attribute() decides the layer. An errno not listed is a failure the
 * probe did not set out to measure: premise_failed. */
#define PERMISSION PROBE_DAC_DENIED
static const struct {
	int err;
	enum probe_outcome outcome;
} errno_outcomes[] = {
	{ EACCES, PERMISSION },
	{ EPERM, PERMISSION },
	{ EROFS, PERMISSION },
	{ ENOENT, PROBE_NOT_FOUND },
	{ ENOTDIR, PROBE_NOT_FOUND },
	{ ESRCH, PROBE_NOT_FOUND },        /* no such process */
	{ ECONNREFUSED, PROBE_NOT_FOUND }, /* nothing listens there */
	{ ENXIO, PROBE_NOT_FOUND },
	{ ENODATA, PROBE_NOT_FOUND },      /* no such extended attribute */
	{ EEXIST, PROBE_EXISTS },
	{ ENOTEMPTY, PROBE_EXISTS },       /* a directory that still has entries */
	{ EADDRINUSE, PROBE_EXISTS },      /* the port or socket is taken */
	{ ENOSYS, PROBE_UNSUPPORTED },
	{ EOPNOTSUPP, PROBE_UNSUPPORTED },
	{ EAFNOSUPPORT, PROBE_UNSUPPORTED },
	{ EPROTONOSUPPORT, PROBE_UNSUPPORTED },
	{ ETIMEDOUT, PROBE_TIMEOUT },
};

const char *probe_outcome_name(enum probe_outcome o)
{
	return (unsigned)o < _PROBE_OUTCOME_MAX ? outcomes[o].name : NULL;
}

int probe_outcome_from_name(const char *name)
{
	for (int o = 0; name && o < _PROBE_OUTCOME_MAX; o++)
		if (strcmp(outcomes[o].name, name) == 0)
			return o;
	return -EINVAL;
}

int probe_outcome_rc(enum probe_outcome o)
{
	return (unsigned)o < _PROBE_OUTCOME_MAX ? outcomes[o].rc : 125;
}

bool probe_outcome_measured(enum probe_outcome o)
{
	return (unsigned)o < _PROBE_OUTCOME_MAX && outcomes[o].measured;
}

const char *probe_outcome_meaning(enum probe_outcome o)
{
	return (unsigned)o < _PROBE_OUTCOME_MAX ? outcomes[o].meaning : NULL;
}

const char *probe_layer_name(enum probe_layer l)
{
	return (unsigned)l < _PROBE_LAYER_MAX ? layer_names[l] : NULL;
}

int probe_layer_from_name(const char *name)
{
	for (int l = 0; name && l < _PROBE_LAYER_MAX; l++)
		if (strcmp(layer_names[l], name) == 0)
			return l;
	return -EINVAL;
}

const char *probe_errno_name(int err)
{
	const char *s = errno_name(err);

	/* errno_name() knows the common ones; glibc knows the rest. */
	if (s[0] == 'E' && s[1] >= '0' && s[1] <= '9' && strerrorname_np(err))
		return strerrorname_np(err);
	return s;
}

int probe_errno_from_name(const char *name)
{
	for (int e = 1; name && e < 4096; e++)
		if (strcmp(probe_errno_name(e), name) == 0)
			return e;
	return -EINVAL;
}

enum probe_outcome probe_outcome_from_errno(int err)
{
	if (err == 0)
		return PROBE_OK;
	for (size_t i = 0; i < ELEMENTSOF(errno_outcomes); i++)
		if (errno_outcomes[i].err == err)
			return errno_outcomes[i].outcome;
	return PROBE_PREMISE_FAILED;
}

bool probe_seccomp_refuses(const struct sfilter_plan *sf, const char *syscall, int err)
{
	static const char *const lists[] = { "refused", "argument_rules" };
	_cleanup_json_ json_t *plan = NULL;
	const char *want = probe_errno_name(err);

	if (!syscall)
		return false;
	plan = sfilter_plan_to_json(sf);
	for (size_t l = 0; plan && l < ELEMENTSOF(lists); l++) {
		json_t *row;
		size_t i;

		json_array_foreach(json_object_get(plan, lists[l]), i, row) {
			const char *when = json_string_value(json_object_get(row, "when"));

			/* The setuid/setgid rules apply to modes with those
			 * bits, and the datagram rules to Unix datagram
			 * sockets, which no probe asks for. */
			if (when && (strncmp(when, "mode & ", 7) == 0 || strstr(when, "SOCK_DGRAM")))
				continue;
			if (strcmp(json_string_value(json_object_get(row, "syscall")) ?: "", syscall) == 0 &&
			    strcmp(json_string_value(json_object_get(row, "errno")) ?: "", want) == 0)
				return true;
		}
	}
	return false;
}

/* Whether Landlock alone would grant the access: some allow rule covers the
 * path (Landlock cannot take a path away from an allowed directory). Where
 * the engine denies it all the same, only a mount mask can enforce that. */
static bool landlock_would_grant(const struct policy *p, enum policy_access a, const char *path)
{
	char parent[4096];
	const char *slash;

	/* Creating and deleting are rights on the directory that holds the entry. */
	if ((a == POLICY_ACCESS_CREATE || a == POLICY_ACCESS_DELETE) && (slash = strrchr(path, '/')) &&
	    (size_t)(slash - path) < sizeof(parent)) {
		memcpy(parent, path, (size_t)(slash - path));
		parent[slash - path] = '\0';
		path = parent[0] ? parent : "/";
	}
	for (size_t i = 0; i < p->n_rules; i++)
		/* list rules are the supervisor's, never in Landlock's ruleset. */
		if (p->rules[i].klass != POLICY_CLASS_DENY && p->rules[i].klass != POLICY_CLASS_LIST &&
		    p->rules[i].klass != POLICY_CLASS_SCRATCH &&
		    (policy_class_grants(p->rules[i].klass) & (1u << a)) && path_has_prefix(path, p->rules[i].path))
			return true;
	return false;
}

static void set(struct probe_attribution *ret, enum probe_outcome o, enum probe_layer l, const char *fmt, ...)
	_printf_(4, 5);

static void set(struct probe_attribution *ret, enum probe_outcome o, enum probe_layer l, const char *fmt, ...)
{
	va_list ap;

	ret->outcome = o;
	ret->layer = l;
	va_start(ap, fmt);
	(void)vsnprintf(ret->reason, sizeof(ret->reason), fmt, ap);
	va_end(ap);
}

/* Attribution without a supervisor: "inferred", from errno, the seccomp
 * plan, the decision engine, the namespaces the probe ran in, and what the
 * runner checks outside afterwards (access(2), whether the target exists).
 *
 *   errno          condition (the first that holds)                       outcome         layer
 *   -------------  -----------------------------------------------------  --------------  ----------
 *   0              -                                                      ok              none
 *   ENOENT,        an fs access the engine denies; the probe has its own  denied          mount_mask
 *   ENOTDIR        mount namespace; the path exists outside (a mask hides it)
 *   EROFS          an fs access the engine denies; own mount namespace    denied          mount_mask
 *   ECONNREFUSED   the target is the runner's own listener; the probe     denied          namespace
 *                  has its own network namespace
 *   ESRCH          a process the runner sees; own pid namespace           denied          namespace
 *   EXDEV          Landlock handles the access and the engine denies it   denied          landlock
 *                  (moving entries between directories without refer)
 *   EXDEV          otherwise: a real cross-device move                    premise_failed  none
 *   other than EACCES, EPERM, EROFS: the errno table above                (table)         none
 *   EACCES, EPERM, no sandbox (the baseline lane)                         dac_denied      dac
 *   EROFS          the seccomp plan refuses this syscall with this errno  denied          seccomp
 *                  the engine denies the path, but an allow rule covers   denied          mount_mask
 *                  it (Landlock would grant it); own mount namespace
 *                  ptrace or process_vm_* of a process outside the        denied          landlock
 *                  sandbox: Landlock refuses it whatever the profile
 *                  Landlock mediates the operation and handles the        denied          landlock
 *                  access, the engine denies it, and access(2) outside
 *                  does not refuse it
 *                  the engine denies, but access(2) outside refuses too   dac_denied      dac
 *                  (Unix permissions decide first, in the kernel)
 *                  otherwise: the engine allows, Landlock does not        dac_denied      dac
 *                  mediate the operation, an allow rule covers the path
 *                  (Landlock grants it), or the ABI lacks the right
 *
 * Landlock is checked by the kernel after Unix permissions, so when both
 * would refuse, the error comes from the permission check: attributing it
 * to Landlock would strengthen the claim. */
void probe_attribute(const struct probe_sandbox *sb, const struct probe_facts *f, struct probe_attribution *ret)
{
	const char *en = probe_errno_name(f->err);
	struct policy_decision d = { 0 };
	enum probe_outcome base = probe_outcome_from_errno(f->err);
	bool engine_denies = false, ll_can = false, grants = false;
	enum policy_access denied = f->access; /* the access the engine refused */
	const char *denied_path = f->path;

	memset(ret, 0, sizeof(*ret));
	if (f->err == 0) {
		set(ret, PROBE_OK, PROBE_LAYER_NONE, "the operation succeeded");
		return;
	}
	if (sb && f->has_access) {
		struct policy_query q = { .access = f->access, .path = f->path, .port = f->port };

		policy_decide(sb->policy, &q, &d);
		if (d.allow && f->to_path) {
			q = (struct policy_query){ .access = f->to_access, .path = f->to_path };
			policy_decide(sb->policy, &q, &d);
			denied = f->to_access;
			denied_path = f->to_path;
		}
		engine_denies = !d.allow;
		/* A deny inside an allowed directory: Landlock grants it, so
		 * it cannot be what refused (a mount mask can). */
		grants = engine_denies && denied_path && landlock_would_grant(sb->policy, denied, denied_path);
		ll_can = f->landlock_mediated && landlock_plan_handles(sb->ll, denied) && !grants;
	}
	if ((f->err == ENOENT || f->err == ENOTDIR || f->err == EROFS) && sb && f->has_access && f->path &&
	    engine_denies && f->own_mnt_ns && (f->err == EROFS || f->exists_outside)) {
		set(ret, PROBE_DENIED, PROBE_LAYER_MOUNT_MASK, "%s: a mount mask hides or freezes the path (%s)", en,
		    d.reason);
		return;
	}
	if (f->err == ECONNREFUSED && sb && f->harness_target && f->own_net_ns) {
		set(ret, PROBE_DENIED, PROBE_LAYER_NAMESPACE,
		    "ECONNREFUSED: the runner's listener is outside the sandbox's network namespace");
		return;
	}
	if (f->err == ESRCH && sb && f->target_pid > 0 && f->own_pid_ns && f->exists_outside) {
		set(ret, PROBE_DENIED, PROBE_LAYER_NAMESPACE,
		    "ESRCH: process %d exists outside the sandbox's pid namespace", f->target_pid);
		return;
	}
	if (f->err == EXDEV) {
		if (ll_can && engine_denies)
			set(ret, PROBE_DENIED, PROBE_LAYER_LANDLOCK,
			    "EXDEV: Landlock refuses moving entries between directories it does not grant (%s)", d.reason);
		else
			set(ret, PROBE_PREMISE_FAILED, PROBE_LAYER_NONE,
			    "EXDEV: source and target are on different file systems");
		return;
	}
	if (base != PERMISSION) {
		set(ret, base, PROBE_LAYER_NONE, "%s: %s", en, probe_outcome_meaning(base));
		return;
	}
	/* Under a supervisor, a notified call is decided at system call entry,
	 * before any LSM: what the profile denies there, the supervisor
	 * refused (the events make it "observed"); but it leaves an abstract
	 * socket to Landlock's scope. A supervisor of connect() alone serves
	 * unsupervised runs (below Landlock ABI 9). */
	if (sb && (sb->supervised || (sb->sockets_supervised && f->syscall && strcmp(f->syscall, "connect") == 0)) &&
	    f->has_access && f->access != POLICY_ACCESS_ABSTRACT_UNIX && engine_denies && sup_notifies(f->syscall)) {
		set(ret, PROBE_DENIED, PROBE_LAYER_SUPERVISOR, "%s: the supervisor refused a notified %s (%s)", en,
		    f->syscall, d.reason);
		return;
	}
	if (!sb) {
		set(ret, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "%s without a sandbox: Unix permissions or privileges", en);
		return;
	}
	if (probe_seccomp_refuses(&sb->sf, f->syscall, f->err)) {
		set(ret, PROBE_DENIED, PROBE_LAYER_SECCOMP, "%s: the seccomp filter refuses %s with %s", en,
		    f->syscall, en);
		return;
	}
	if (grants && f->own_mnt_ns) {
		set(ret, PROBE_DENIED, PROBE_LAYER_MOUNT_MASK,
		    "%s: the profile denies %s inside a directory Landlock grants: a mount mask refused it (%s)", en,
		    policy_access_name(denied), d.reason);
		return;
	}
	if (ll_can && f->access == POLICY_ACCESS_PTRACE) {
		set(ret, PROBE_DENIED, PROBE_LAYER_LANDLOCK,
		    "%s: Landlock refuses tracing a process outside the sandbox's domain", en);
		return;
	}
	if (ll_can && engine_denies && f->dac != 1) {
		set(ret, PROBE_DENIED, PROBE_LAYER_LANDLOCK, "%s: the profile denies %s (%s)", en,
		    policy_access_name(denied), d.reason);
		return;
	}
	if (ll_can && engine_denies)
		set(ret, PROBE_DAC_DENIED, PROBE_LAYER_DAC,
		    "%s: Unix permissions refuse %s outside the sandbox too (the profile would also deny: %s)", en,
		    policy_access_name(denied), d.reason);
	else if (f->has_access && !d.allow && !f->landlock_mediated)
		set(ret, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "%s: Landlock does not mediate this operation", en);
	else if (grants)
		set(ret, PROBE_DAC_DENIED, PROBE_LAYER_DAC,
		    "%s: the profile denies %s inside a directory Landlock grants, and no mount mask is there", en,
		    policy_access_name(denied));
	else if (f->has_access && !d.allow)
		set(ret, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "%s: the applied Landlock ABI does not handle %s", en,
		    policy_access_name(denied));
	else if (f->has_access)
		set(ret, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "%s: the profile allows %s (%s): Unix permissions", en,
		    policy_access_name(denied), d.reason);
	else
		set(ret, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "%s: no sandbox layer refuses %s here", en,
		    f->syscall ? f->syscall : "this operation");
}
