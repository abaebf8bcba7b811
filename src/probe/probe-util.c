/* What every probe shares: filling a result, path classes, and helper
 * children with bounded waits. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "probe/probes.h"

void probe_errno(struct probe_result *res, const char *syscall, int err)
{
	res->err = err;
	res->syscall = syscall;
}

void probe_outcome(struct probe_result *res, enum probe_outcome o, const char *fmt, ...)
{
	va_list ap;

	res->outcome_set = true;
	res->outcome = o;
	if (!fmt)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
}

void probe_access(struct probe_result *res, enum policy_access a, const char *path, uint16_t port,
		  bool landlock_mediated)
{
	free(res->path);
	res->path = path ? strdup(path) : NULL;
	res->has_access = true;
	res->access = a;
	res->port = port;
	res->landlock_mediated = landlock_mediated;
}

void probe_detail(struct probe_result *res, const char *key, json_t *value)
{
	if (!res->details)
		res->details = json_object();
	json_set(res->details, key, value);
}

int probe_own_ns(const struct probe_ctx *ctx, const char *ns)
{
	const char *theirs = json_string_value(json_object_get(json_object_get(ctx->context, "runner_namespaces"), ns));
	char path[64], id[128];
	ssize_t n;

	(void)snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	n = readlink(path, id, sizeof(id) - 1);
	if (n < 0 || !theirs)
		return -1;
	id[n] = '\0';
	return strcmp(id, theirs) != 0;
}

enum class_base { BASE_HARNESS, BASE_CWD, BASE_HOME, BASE_TMP, BASE_ROOT };

/* --path-class: a name for a place, resolved from the runner's variables
 * (so the baseline and the sandboxed run name the same path). */
static const struct {
	const char *name;
	enum class_base base;
	const char *suffix;
} path_classes[] = {
	{ "credentials", BASE_HOME, ".ssh" },
	{ "cwd", BASE_CWD, "" },
	{ "devices", BASE_ROOT, "dev" },
	{ "harness", BASE_HARNESS, "" },
	{ "home", BASE_HOME, "" },
	{ "proc_self", BASE_ROOT, "proc/self" },
	{ "system", BASE_ROOT, "usr" },
	{ "system_secrets", BASE_ROOT, "etc/shadow" },
	{ "tmp", BASE_TMP, "" },
};

const char *probe_path_class_at(size_t i)
{
	return i < ELEMENTSOF(path_classes) ? path_classes[i].name : NULL;
}

static const char *class_base(const struct probe_places *w, enum class_base b)
{
	switch (b) {
	case BASE_HARNESS:
		return w->harness;
	case BASE_CWD:
		return w->cwd;
	case BASE_HOME:
		return w->home;
	case BASE_TMP:
		return w->tmp;
	case BASE_ROOT:
		return "/";
	}
	return NULL;
}

static int join(const char *dir, const char *rel, char **ret, struct error *err)
{
	_cleanup_free_ char *s = NULL;
	int r;

	if (asprintf(&s, "%s/%s", dir, rel) < 0)
		return error_set(err, ENOMEM, "out of memory");
	r = path_normalize(s, ret);
	if (r < 0)
		return error_set(err, -r, "cannot use path '%s': %s", s, strerror(-r));
	return 0;
}

int probe_place_path(const struct probe_places *w, const char *path, const char *klass, const char *default_name,
		     char **ret, struct error *err)
{
	const char *dir = w->harness, *suffix = "";

	if (klass) {
		for (size_t i = 0; i < ELEMENTSOF(path_classes); i++)
			if (strcmp(path_classes[i].name, klass) == 0) {
				dir = class_base(w, path_classes[i].base);
				suffix = path_classes[i].suffix;
			}
		if (!dir)
			return error_set(err, EINVAL, "path class '%s' is not known here", klass);
		if (path && path[0] == '/')
			return error_set(err, EINVAL, "an absolute --path cannot take --path-class");
	}
	if (path && path[0] == '/')
		return join("/", path, ret, err);
	if (!dir)
		return error_set(err, EINVAL, "no harness directory for '%s'", path ? path : default_name);
	if (!path && !klass)
		return join(dir, default_name, ret, err);
	if (!path)
		return join(dir, suffix, ret, err);
	if (suffix[0]) {
		_cleanup_free_ char *base = NULL;
		int r = join(dir, suffix, &base, err);

		return r < 0 ? r : join(base, path, ret, err);
	}
	return join(dir, path, ret, err);
}

int probe_resolve_path(const struct probe_ctx *ctx, const char *path, const char *klass, const char *default_name,
		       char **ret, struct error *err)
{
	const struct probe_places w = { .harness = ctx->harness, .cwd = ctx->cwd, .home = ctx->home, .tmp = ctx->tmp };

	return probe_place_path(&w, path, klass, default_name, ret, err);
}

static long long now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for pid until deadline (CLOCK_MONOTONIC ms); then SIGKILL it. */
static int wait_bounded(pid_t pid, long long deadline, int *ret_status)
{
	int status = 0;

	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			*ret_status = -1;
			return -ETIMEDOUT;
		}
		(void)usleep(2000);
	}
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

/* In a helper child: stdout and stderr go to a pipe nobody reads, so
 * nothing the child or its program writes can reach the envelope. */
static void mute_child(int sink)
{
	(void)dup2(sink, STDOUT_FILENO);
	(void)dup2(sink, STDERR_FILENO);
}

struct child_report {
	int err;
	int step;
};

/* Read an errno report from a child's close-on-exec pipe: 1 and *ret_err when
 * one came, 0 on EOF (the child exec'd or exited without one), -ETIMEDOUT. */
static int read_report(int fd, long long deadline, struct child_report *ret)
{
	struct child_report rep = { 0 };
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		int left = (int)(deadline - now_ms());

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return -errno;
		if (p.revents)
			break;
	}
	n = read(fd, &rep, sizeof(rep));
	if (n == (ssize_t)sizeof(rep)) {
		*ret = rep;
		return 1;
	}
	return 0;
}

static int fork_with_pipes(int report[2], int sink[2], pid_t *ret_pid)
{
	pid_t pid;

	if (pipe2(report, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(sink, O_CLOEXEC) < 0) {
		int e = errno;

		(void)close(report[0]);
		(void)close(report[1]);
		return -e;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		for (int i = 0; i < 2; i++) {
			(void)close(report[i]);
			(void)close(sink[i]);
		}
		return -e;
	}
	*ret_pid = pid;
	return 0;
}

/* Parent side: only the child keeps the write ends; then its report. */
static int collect_report(int report[2], int sink[2], long long deadline, struct child_report *rep)
{
	int r;

	(void)close(report[1]);
	(void)close(sink[0]);
	(void)close(sink[1]);
	r = read_report(report[0], deadline, rep);
	(void)close(report[0]);
	return r;
}

/* Fork; the child mutes its output and runs fn, which returns an exit
 * status or a negated errno (reported with its step). With is_exec, fn
 * execs: EOF on the close-on-exec report pipe means the exec succeeded, and
 * the program is killed at once -- what it does is not the probe's
 * business. */
static int child_run(int (*fn)(void *arg, int *ret_step), void *arg, bool is_exec, struct probe_child *ret)
{
	struct child_report rep = { 0 };
	int report[2], sink[2], r, w;
	long long deadline = now_ms() + PROBE_CHILD_TIMEOUT_MS;
	pid_t pid = -1;

	r = fork_with_pipes(report, sink, &pid);
	if (r < 0)
		return r;
	if (pid == 0) {
		mute_child(sink[1]);
		(void)alarm(PROBE_CHILD_TIMEOUT_MS / 1000 + 1);
		r = fn(arg, &rep.step);
		if (r < 0) {
			rep.err = -r;
			(void)!write(report[1], &rep, sizeof(rep));
			_exit(is_exec ? 127 : 0);
		}
		_exit(r);
	}
	r = collect_report(report, sink, deadline, &rep);
	ret->err = r == 1 ? rep.err : 0;
	ret->step = r == 1 ? rep.step : -1;
	if (is_exec)
		(void)kill(pid, SIGKILL);
	w = wait_bounded(pid, deadline + 1000, &ret->status);
	return r < 0 ? r : is_exec ? 0 : w;
}

int probe_in_child(int (*fn)(void *arg, int *ret_step), void *arg, struct probe_child *ret)
{
	return child_run(fn, arg, false, ret);
}

int probe_try_exec(int (*exec_fn)(void *arg, int *ret_step), void *arg, int *ret_err)
{
	struct probe_child c;
	int r = child_run(exec_fn, arg, true, &c);

	if (r == 0)
		*ret_err = c.err;
	return r;
}

pid_t probe_sleeper(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		(void)close(STDOUT_FILENO);
		(void)close(STDERR_FILENO);
		(void)alarm(PROBE_CHILD_TIMEOUT_MS / 1000 * 6);
		for (;;)
			(void)pause();
	}
	return pid;
}

void probe_reap(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	(void)kill(pid, SIGKILL);
	(void)wait_bounded(pid, now_ms() + PROBE_CHILD_TIMEOUT_MS, &status);
}
