/* Identity probes: probe_catalog, world_shape, capabilities_snapshot. They
 * report; they do not try anything that could be refused, so they end ok
 * unless the harness fails. */
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/json-util.h"
#include "probe/probes.h"
#include "sandbox/landlock.h"

void probe_run_catalog(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	(void)ctx;
	(void)req;
	probe_detail(res, "catalog", probe_catalog_json());
	probe_errno(res, NULL, 0);
}

static const char *const namespaces[] = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" };

static json_t *namespaces_json(const struct probe_ctx *ctx)
{
	json_t *o = json_object(), *runner = json_object_get(ctx->context, "runner_namespaces");

	for (size_t i = 0; i < ELEMENTSOF(namespaces); i++) {
		char path[64], id[128];
		json_t *ns = json_object();
		const char *theirs = json_string_value(json_object_get(runner, namespaces[i]));
		ssize_t n;

		(void)snprintf(path, sizeof(path), "/proc/self/ns/%s", namespaces[i]);
		n = readlink(path, id, sizeof(id) - 1);
		if (n >= 0)
			id[n] = '\0';
		json_set(ns, "id", n >= 0 ? json_str(id) : json_null());
		json_set(ns, "same_as_runner", n >= 0 && theirs ? json_boolean(strcmp(id, theirs) == 0) : json_null());
		json_set(o, namespaces[i], ns);
	}
	return o;
}

static json_t *env_names_json(void)
{
	json_t *a = json_array();

	for (size_t i = 0; environ && environ[i]; i++) {
		_cleanup_free_ char *name = strndup(environ[i], strcspn(environ[i], "="));

		(void)json_array_append_new(a, json_str(name));
	}
	return a;
}

void probe_run_world_shape(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	static const char *const seccomp_modes[] = { "disabled", "strict", "filter" };
	json_t *sandbox = json_object_get(ctx->context, "sandbox"), *ids = json_object(), *ll = json_object();
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	gid_t groups[64];
	json_t *g = json_array();
	int n = getgroups(ELEMENTSOF(groups), groups), mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0), kabi = landlock_abi();

	(void)req;
	for (int i = 0; i < n; i++)
		(void)json_array_append_new(g, json_integer(groups[i]));
	json_set(ids, "uid", json_integer(getuid()));
	json_set(ids, "euid", json_integer(geteuid()));
	json_set(ids, "gid", json_integer(getgid()));
	json_set(ids, "egid", json_integer(getegid()));
	json_set(ids, "groups", g);
	json_set(ll, "kernel_abi", json_integer(kabi > 0 ? kabi : 0));
	json_set(ll, "applied", json_incref(json_object_get(sandbox, "landlock")));
	probe_detail(res, "ids", ids);
	probe_detail(res, "pid", json_integer(getpid()));
	probe_detail(res, "ppid", json_integer(getppid()));
	probe_detail(res, "namespaces", namespaces_json(ctx));
	probe_detail(res, "cwd", json_str(cwd));
	probe_detail(res, "home", json_str(getenv("HOME")));
	probe_detail(res, "tmp", json_str(getenv("TMPDIR")));
	probe_detail(res, "env_names", env_names_json());
	probe_detail(res, "no_new_privs", json_boolean(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1));
	probe_detail(res, "seccomp_mode", json_str(mode >= 0 && mode <= 2 ? seccomp_modes[mode] : NULL));
	probe_detail(res, "seccomp_applied", json_incref(json_object_get(sandbox, "seccomp")));
	probe_detail(res, "landlock", ll);
	probe_detail(res, "profile", json_incref(json_object_get(sandbox, "profile")));
	probe_errno(res, NULL, 0);
}

static const struct {
	int bit;
	const char *name;
} securebits[] = {
	{ 0, "noroot" },          { 1, "noroot_locked" },      { 2, "no_setuid_fixup" },
	{ 3, "no_setuid_fixup_locked" }, { 4, "keep_caps" }, { 5, "keep_caps_locked" },
	{ 6, "no_cap_ambient_raise" }, { 7, "no_cap_ambient_raise_locked" },
};

static const struct {
	int resource;
	const char *name;
} rlimits[] = {
	{ RLIMIT_AS, "as" },         { RLIMIT_CORE, "core" },       { RLIMIT_CPU, "cpu" },
	{ RLIMIT_DATA, "data" },     { RLIMIT_FSIZE, "fsize" },     { RLIMIT_MEMLOCK, "memlock" },
	{ RLIMIT_NOFILE, "nofile" }, { RLIMIT_NPROC, "nproc" },     { RLIMIT_STACK, "stack" },
};

/* The names of the capabilities whose bit is set in the 64-bit set. */
static json_t *cap_set(uint64_t set)
{
	json_t *a = json_array();

	/* The names are the policy's (policy_cap_name), as profiles write them. */
	for (int i = 0; policy_cap_name(i); i++)
		if (set & (1ULL << i))
			(void)json_array_append_new(a, json_str(policy_cap_name(i)));
	return a;
}

void probe_run_capabilities(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	json_t *caps = json_object(), *sb = json_array(), *lim = json_object();
	uint64_t bounding = 0, ambient = 0;
	int bits;

	(void)ctx;
	(void)req;
	if (syscall(SYS_capget, &hdr, data) < 0) {
		json_decref(caps);
		json_decref(sb);
		json_decref(lim);
		probe_errno(res, "capget", errno);
		return;
	}
	for (int i = 0; policy_cap_name(i); i++) {
		if (prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
			bounding |= 1ULL << i;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, i, 0, 0) == 1)
			ambient |= 1ULL << i;
	}
	json_set(caps, "effective", cap_set(data[0].effective | (uint64_t)data[1].effective << 32));
	json_set(caps, "permitted", cap_set(data[0].permitted | (uint64_t)data[1].permitted << 32));
	json_set(caps, "inheritable", cap_set(data[0].inheritable | (uint64_t)data[1].inheritable << 32));
	json_set(caps, "bounding", cap_set(bounding));
	json_set(caps, "ambient", cap_set(ambient));
	bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	for (size_t i = 0; bits > 0 && i < ELEMENTSOF(securebits); i++)
		if (bits & (1 << securebits[i].bit))
			(void)json_array_append_new(sb, json_str(securebits[i].name));
	for (size_t i = 0; i < ELEMENTSOF(rlimits); i++) {
		struct rlimit rl;
		json_t *o = json_object();

		if (getrlimit(rlimits[i].resource, &rl) < 0) {
			json_decref(o);
			continue;
		}
		/* null: unlimited */
		json_set(o, "soft", rl.rlim_cur == RLIM_INFINITY ? json_null() : json_integer((json_int_t)rl.rlim_cur));
		json_set(o, "hard", rl.rlim_max == RLIM_INFINITY ? json_null() : json_integer((json_int_t)rl.rlim_max));
		json_set(lim, rlimits[i].name, o);
	}
	probe_detail(res, "capabilities", caps);
	probe_detail(res, "securebits", sb);
	probe_detail(res, "securebits_value", json_integer(bits));
	probe_detail(res, "rlimits", lim);
	probe_detail(res, "no_new_privs", json_boolean(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1));
	probe_errno(res, NULL, 0);
}
