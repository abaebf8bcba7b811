/* Process probes: signal, proc_info, sysctl_read. Targets are the probe
 * itself, a sleeping child it forks (inside the sandbox), its parent (the
 * runner, outside the sandbox) or a pid. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/json-util.h"
#include "probe/probes.h"

enum target { TARGET_CHILD, TARGET_PARENT, TARGET_PID, TARGET_SELF };

static const struct {
	const char *name;
	enum target target;
} targets[] = {
	{ "child", TARGET_CHILD },
	{ "parent", TARGET_PARENT },
	{ "pid", TARGET_PID },
	{ "self", TARGET_SELF },
};

/* Signals a probe may send: harmless ones, and two that end a process (only
 * to a child or --pid, see probe_check_target). */
static const struct {
	const char *name;
	int sig;
	bool harmless;
} signals[] = {
	{ "0", 0, true },
	{ "CONT", SIGCONT, true },
	{ "TERM", SIGTERM, false },
	{ "USR1", SIGUSR1, false },
};

const char *probe_target_at(size_t i)
{
	return i < ELEMENTSOF(targets) ? targets[i].name : NULL;
}

const char *probe_signal_at(size_t i)
{
	return i < ELEMENTSOF(signals) ? signals[i].name : NULL;
}

static const char *const proc_ops[] = { "ptrace_attach", "read_cmdline", "read_environ", "vm_read" };

const char *probe_proc_op_at(size_t i)
{
	return i < ELEMENTSOF(proc_ops) ? proc_ops[i] : NULL;
}

static int target_index(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(targets); i++)
		if (strcmp(targets[i].name, name ? name : "child") == 0)
			return (int)i;
	return 0;
}

static int signal_index(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(signals); i++)
		if (strcmp(signals[i].name, name ? name : "0") == 0)
			return (int)i;
	return 0;
}

int probe_check_target(const struct probe_request *req, struct error *err)
{
	enum target t = targets[target_index(req->target)].target;

	if (t == TARGET_PID && req->pid < 0)
		return error_set(err, EINVAL, "--target pid needs --pid N");
	if (t != TARGET_PID && req->pid >= 0)
		return error_set(err, EINVAL, "--pid is only for --target pid");
	if (req->signal && !signals[signal_index(req->signal)].harmless && (t == TARGET_PARENT || t == TARGET_SELF))
		return error_set(err, EINVAL, "--signal %s would end the %s; only 0 and CONT go there", req->signal,
				 t == TARGET_SELF ? "probe" : "runner");
	return 0;
}

/* The target's pid; a child is forked into *ret_child. *ret_outside: the
 * target is outside the sandbox (what Landlock's scopes and its ptrace rule
 * are about). The parent is the runner in static mode, but the sandbox's own
 * pid 1 when the probe has a pid namespace of its own. */
static pid_t target_pid(const struct probe_ctx *ctx, const struct probe_request *req, pid_t *ret_child,
			bool *ret_outside, struct probe_result *res)
{
	int ti = target_index(req->target);
	pid_t pid = -1;

	*ret_child = -1;
	*ret_outside = false;
	switch (targets[ti].target) {
	case TARGET_CHILD:
		pid = *ret_child = probe_sleeper();
		if (pid < 0)
			probe_outcome(res, PROBE_HARNESS_ERROR, "cannot fork the target child: %s", strerror((int)-pid));
		break;
	case TARGET_PARENT:
		pid = getppid();
		*ret_outside = probe_own_ns(ctx, "pid") != 1;
		if (pid == 0)
			probe_outcome(res, PROBE_PREMISE_FAILED, "the parent is outside this pid namespace: invisible");
		break;
	case TARGET_PID:
		pid = (pid_t)req->pid;
		*ret_outside = true;
		break;
	case TARGET_SELF:
		pid = getpid();
		break;
	}
	probe_detail(res, "target", json_str(targets[ti].name));
	probe_detail(res, "target_pid", pid > 0 ? json_integer(pid) : json_null());
	probe_detail(res, "target_outside_sandbox", json_boolean(*ret_outside));
	return pid;
}

void probe_run_signal(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	int si = signal_index(req->signal);
	bool outside;
	pid_t child, pid = target_pid(ctx, req, &child, &outside, res);

	if (pid <= 0)
		return;
	probe_detail(res, "signal", json_str(signals[si].name));
	if (outside)
		probe_access(res, POLICY_ACCESS_SIGNAL, NULL, 0, true);
	probe_errno(res, "kill", kill(pid, signals[si].sig) < 0 ? errno : 0);
	probe_reap(child);
}

/* Something to read in a target's memory: in a forked child (same layout)
 * it is there; elsewhere the address is probably not mapped (EFAULT), which
 * still proves the permission check passed. */
static const char vm_marker[8] = "latchvm";

static int ptrace_attach(pid_t pid, struct probe_result *res)
{
	struct timespec ts = { 0, 2000000 };
	int status;

	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		return -errno;
	/* Detach at once: stop the tracee for an instant, then let go. */
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) == 0)
		for (int i = 0; i < 1000; i++) {
			if (waitpid(pid, &status, __WALL | WNOHANG) == pid)
				break;
			(void)nanosleep(&ts, NULL);
		}
	probe_detail(res, "detached", json_boolean(ptrace(PTRACE_DETACH, pid, NULL, NULL) == 0));
	return 0;
}

static int vm_read(pid_t pid, struct probe_result *res)
{
	char buf[sizeof(vm_marker)] = { 0 };
	struct iovec local = { buf, sizeof(buf) }, remote = { (void *)vm_marker, sizeof(vm_marker) };

	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0) {
		if (errno != EFAULT)
			return -errno;
		probe_detail(res, "note", json_str("the permission check passed; the address is not mapped in the target"));
		return 0;
	}
	probe_detail(res, "matched", json_boolean(memcmp(buf, vm_marker, sizeof(buf)) == 0));
	return 0;
}

/* /proc/PID/NAME: counts, never shows (an environment holds secrets). */
static int read_proc(pid_t pid, const char *name, struct probe_result *res)
{
	char path[64], buf[4096];
	_cleanup_close_ int fd = -EBADF;
	long total = 0, nul = 0;
	ssize_t n;

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	probe_access(res, POLICY_ACCESS_READ, path, 0, true);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0 && total < (1 << 20)) {
		for (ssize_t i = 0; i < n; i++)
			nul += buf[i] == '\0';
		total += n;
	}
	if (n < 0)
		return -errno;
	probe_detail(res, "bytes", json_integer(total));
	probe_detail(res, "entries", json_integer(nul));
	return 0;
}

void probe_run_proc_info(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	bool outside;
	pid_t child, pid;
	int r;

	probe_detail(res, "op", json_str(req->op));
	pid = target_pid(ctx, req, &child, &outside, res);
	if (pid <= 0)
		return;
	if (strcmp(req->op, "read_cmdline") == 0 || strcmp(req->op, "read_environ") == 0) {
		r = read_proc(pid, strcmp(req->op, "read_cmdline") == 0 ? "cmdline" : "environ", res);
		probe_errno(res, "openat", r < 0 ? -r : 0);
	} else {
		bool attach = strcmp(req->op, "ptrace_attach") == 0;

		/* Landlock refuses ptrace across its domain: it mediates
		 * only targets outside the sandbox. */
		probe_access(res, POLICY_ACCESS_PTRACE, NULL, 0, outside);
		r = attach ? ptrace_attach(pid, res) : vm_read(pid, res);
		probe_errno(res, attach ? "ptrace" : "process_vm_readv", r < 0 ? -r : 0);
	}
	probe_reap(child);
}

int probe_check_sysctl(const struct probe_request *req, struct error *err)
{
	const char *n = req->name ? req->name : "kernel.osrelease";

	if (strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_-.") != strlen(n) || n[0] == '.' || strstr(n, ".."))
		return error_set(err, EINVAL, "sysctl_read: '%s' is not a sysctl name (like kernel.osrelease)", n);
	return 0;
}

void probe_run_sysctl_read(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	const char *name = req->name ? req->name : "kernel.osrelease";
	char path[512], value[256];
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	(void)ctx;
	(void)snprintf(path, sizeof(path), "/proc/sys/%s", name);
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	probe_detail(res, "name", json_str(name));
	probe_detail(res, "path", json_str(path));
	probe_access(res, POLICY_ACCESS_READ, path, 0, true);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		probe_errno(res, "openat", errno);
		return;
	}
	n = read(fd, value, sizeof(value) - 1);
	if (n < 0) {
		probe_errno(res, "read", errno);
		return;
	}
	value[n] = '\0';
	value[strcspn(value, "\n")] = '\0';
	probe_detail(res, "value", json_str(value));
	probe_errno(res, "openat", 0);
}
