/* inherit_child: the probe re-executes latch as its child (the worker) and
 * checks, from the child's own reports, that the sandbox came along.
 *
 * Two channels join them, both socketpairs the parent creates:
 *   the event bus   the worker's reports, one JSON object per line; never
 *                   fds: any that arrive are closed and counted as rejected
 *   the rights bus  fds only (SCM_RIGHTS), from the parent to the worker
 *
 * Scenarios:
 *   restrictions  the worker reports its seccomp mode and no_new_privs and
 *                 opens --path itself; the outcome is that open's
 *   rights_bus    the worker first restricts itself further (a Landlock
 *                 layer with no read rights), then reads through an fd the
 *                 parent opened and sent: the fd keeps the access it was
 *                 opened with (read, not write), while opening the path
 *                 itself fails; the outcome is the delegated read's
 *   event_bus_fd  the worker tries to pass an fd on the event bus; the
 *                 outcome is ok when the parent rejected it
 *   silent_child  the worker exits before writing anything: the outcome is
 *                 harness_error, a diagnostic, never a denial */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/json-util.h"
#include "probe/probes.h"
#include "sandbox/landlock-uapi.h"

#define EVENTS_MAX (64 * 1024) /* bytes the parent reads from the event bus */

enum scenario { SC_EVENT_BUS_FD, SC_RESTRICTIONS, SC_RIGHTS_BUS, SC_SILENT_CHILD };

static const struct {
	const char *name;
	enum scenario sc;
} scenarios[] = {
	{ "event_bus_fd", SC_EVENT_BUS_FD },
	{ "restrictions", SC_RESTRICTIONS },
	{ "rights_bus", SC_RIGHTS_BUS },
	{ "silent_child", SC_SILENT_CHILD },
};

const char *probe_scenario_at(size_t i)
{
	return i < ELEMENTSOF(scenarios) ? scenarios[i].name : NULL;
}

static enum scenario scenario_of(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(scenarios); i++)
		if (strcmp(scenarios[i].name, name) == 0)
			return scenarios[i].sc;
	return SC_RESTRICTIONS;
}

static const char *errno_or_ok(int err)
{
	return err ? probe_errno_name(err) : "ok";
}

static int open_errno(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	(void)close(fd);
	return 0;
}

static json_t *restrictions_json(void)
{
	json_t *o = json_object();

	json_set(o, "seccomp_mode", json_integer(prctl(PR_GET_SECCOMP, 0, 0, 0, 0)));
	json_set(o, "no_new_privs", json_boolean(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1));
	return o;
}

/* ---- the worker ---------------------------------------------------------- */

/* One event line on the bus, with an fd attached when fd >= 0. */
static int send_event(int bus, json_t *ev, int fd)
{
	_cleanup_free_ char *s = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	_cleanup_free_ char *line = NULL;
	int r;

	json_decref(ev);
	if (!s || asprintf(&line, "%s\n", s) < 0)
		return -ENOMEM;
	iov = (struct iovec){ line, strlen(line) };
	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	r = sendmsg(bus, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
	return r;
}

static json_t *event(const char *name)
{
	json_t *e = json_object();

	json_set(e, "event", json_str(name));
	return e;
}

static json_t *event_errno(const char *name, int err)
{
	json_t *e = event(name);

	json_set(e, "result", json_str(errno_or_ok(err)));
	return e;
}

/* A Landlock layer of the worker's own: reading and writing files is
 * handled and nothing is granted. Returns 0 or a positive errno. */
static int restrict_further(void)
{
	struct ll_ruleset_attr attr = { .handled_access_fs = LL_ACCESS_FS_READ_FILE | LL_ACCESS_FS_WRITE_FILE };
	long fd;
	int e = 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return errno;
	fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr.handled_access_fs), 0);
	if (fd < 0)
		return errno;
	if (syscall(SYS_landlock_restrict_self, (int)fd, 0) < 0)
		e = errno;
	(void)close((int)fd);
	return e;
}

/* Receive one fd from the rights bus, waiting at most the child timeout. */
static int receive_fd(int bus)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct pollfd p = { .fd = bus, .events = POLLIN };
	struct cmsghdr *c;
	int fd;

	if (poll(&p, 1, PROBE_CHILD_TIMEOUT_MS) <= 0)
		return -ETIMEDOUT;
	if (recvmsg(bus, &mh, MSG_CMSG_CLOEXEC) <= 0)
		return -EIO;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void worker_rights_bus(int bus, int rights, const char *path)
{
	char byte;
	int fd, e = restrict_further();

	(void)send_event(bus, event_errno("restricted_further", e), -1);
	(void)send_event(bus, event_errno("direct_open", open_errno(path)), -1);
	fd = receive_fd(rights);
	if (fd < 0) {
		(void)send_event(bus, event_errno("delegated_fd", -fd), -1);
		return;
	}
	(void)send_event(bus, event_errno("delegated_read", read(fd, &byte, 1) < 0 ? errno : 0), -1);
	(void)send_event(bus, event_errno("delegated_write", write(fd, "x", 1) < 0 ? errno : 0), -1);
	(void)close(fd);
}

int probe_inherit_worker(struct probe_ctx *ctx, const struct probe_request *req)
{
	_cleanup_free_ char *path = NULL;
	int bus = ctx->worker_event_fd;
	enum scenario sc = scenario_of(req->scenario);
	struct error err = { 0 };
	json_t *e;

	if (sc == SC_SILENT_CHILD)
		return 0;
	e = event("started");
	json_set(e, "pid", json_integer(getpid()));
	(void)send_event(bus, e, -1);
	e = restrictions_json();
	json_set(e, "event", json_str("restrictions"));
	(void)send_event(bus, e, -1);
	if (probe_resolve_path(ctx, req->path, req->path_class, "file", &path, &err) < 0) {
		(void)send_event(bus, event_errno("path", EINVAL), -1);
		return 1;
	}
	switch (sc) {
	case SC_RESTRICTIONS:
		(void)send_event(bus, event_errno("direct_open", open_errno(path)), -1);
		break;
	case SC_RIGHTS_BUS:
		worker_rights_bus(bus, ctx->worker_rights_fd, path);
		break;
	case SC_EVENT_BUS_FD:
		(void)send_event(bus, event_errno("fd_on_event_bus", -send_event(bus, event("fd_attempt"), bus)), -1);
		break;
	case SC_SILENT_CHILD:
		break;
	}
	(void)send_event(bus, event("done"), -1);
	return 0;
}

/* ---- the parent ---------------------------------------------------------- */

struct bus_reading {
	json_t *events;   /* the parsed lines */
	int rejected_fds; /* fds that arrived on the event bus and were closed */
	int bad_lines;    /* lines that were not JSON objects */
};

static void close_passed_fds(struct msghdr *mh, struct bus_reading *br)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			(void)close(fd);
			br->rejected_fds++;
		}
	}
}

static void parse_lines(const char *buf, size_t len, struct bus_reading *br)
{
	for (size_t o = 0; o < len;) {
		const char *nl = memchr(buf + o, '\n', len - o);
		size_t l = nl ? (size_t)(nl - (buf + o)) : len - o;
		json_t *v = json_loadb(buf + o, l, 0, NULL);

		if (json_is_object(v))
			(void)json_array_append_new(br->events, v);
		else {
			json_decref(v);
			br->bad_lines++;
		}
		o += l + 1;
	}
}

static long long mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read the event bus until EOF or the deadline. */
static void read_bus(int bus, struct bus_reading *br)
{
	_cleanup_free_ char *buf = malloc(EVENTS_MAX);
	long long deadline = mono_ms() + PROBE_CHILD_TIMEOUT_MS;
	size_t len = 0;

	br->events = json_array();
	while (buf && len < EVENTS_MAX) {
		char cbuf[CMSG_SPACE(sizeof(int) * 8)];
		struct iovec iov = { buf + len, EVENTS_MAX - len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct pollfd p = { .fd = bus, .events = POLLIN };
		long long left = deadline - mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		n = recvmsg(bus, &mh, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			break;
		close_passed_fds(&mh, br);
		len += (size_t)n;
	}
	if (buf)
		parse_lines(buf, len, br);
}

/* The value of "result" of the last event with this name, or NULL. */
static const char *event_result(const json_t *events, const char *name)
{
	const char *found = NULL;
	json_t *e;
	size_t i;

	json_array_foreach(events, i, e)
		if (strcmp(json_string_value(json_object_get(e, "event")) ?: "", name) == 0)
			found = json_string_value(json_object_get(e, "result"));
	return found;
}

static const json_t *event_find(const json_t *events, const char *name)
{
	json_t *e;
	size_t i;

	json_array_foreach(events, i, e)
		if (strcmp(json_string_value(json_object_get(e, "event")) ?: "", name) == 0)
			return e;
	return NULL;
}

/* Send fd on the rights bus (with one byte: SCM_RIGHTS needs data). */
static int send_fd(int bus, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { "F", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(bus, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Start the worker: latch itself, with the event bus as fd 3 and the rights
 * bus as fd 4, told the scenario and the resolved path. */
static pid_t spawn_worker(const struct probe_ctx *ctx, const char *scenario, const char *path, int ev, int rights)
{
	char *argv[] = { (char *)ctx->self, "__probe-exec", "--inherit-worker", "3,4", "inherit_child", "--scenario",
			 (char *)scenario, "--path", (char *)path, NULL };
	int e, r;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	/* Out of the way first, so that neither lands on the other. */
	e = fcntl(ev, F_DUPFD, 10);
	r = fcntl(rights, F_DUPFD, 10);
	if (e < 0 || r < 0 || dup2(e, 3) < 0 || dup2(r, 4) < 0)
		_exit(127);
	/* The worker must not write where the envelope goes. */
	(void)dup2(STDERR_FILENO, STDOUT_FILENO);
	execve(ctx->self, argv, environ);
	_exit(127);
}

static int wait_worker(pid_t pid)
{
	struct timespec ts = { 0, 2000000 };
	int status = 0;

	for (int i = 0; i < PROBE_CHILD_TIMEOUT_MS / 2; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		(void)nanosleep(&ts, NULL);
	}
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
	return -1;
}

/* The outcome, from what the worker reported. */
static void conclude(enum scenario sc, const char *path, const struct bus_reading *br, int parent_open,
		     struct probe_result *res)
{
	const json_t *r = event_find(br->events, "restrictions");
	json_t *mine = restrictions_json();
	const char *direct = event_result(br->events, "direct_open");
	bool inherited = r && json_equal(json_object_get(r, "seccomp_mode"), json_object_get(mine, "seccomp_mode")) &&
			 json_equal(json_object_get(r, "no_new_privs"), json_object_get(mine, "no_new_privs"));

	if (sc == SC_RESTRICTIONS)
		inherited = inherited && direct && strcmp(direct, errno_or_ok(parent_open)) == 0;
	probe_detail(res, "parent", mine);
	probe_detail(res, "parent_direct_open", json_str(errno_or_ok(parent_open)));
	probe_detail(res, "child_direct_open", json_str(direct));
	probe_detail(res, "inherited", json_boolean(inherited));
	switch (sc) {
	case SC_RESTRICTIONS:
		probe_access(res, POLICY_ACCESS_READ, path, 0, true);
		probe_errno(res, "openat", direct && strcmp(direct, "ok") != 0 ? probe_errno_from_name(direct) : 0);
		break;
	case SC_RIGHTS_BUS: {
		const char *rd = event_result(br->events, "delegated_read"), *wr = event_result(br->events, "delegated_write");

		probe_detail(res, "child_restricted_further", json_str(event_result(br->events, "restricted_further")));
		probe_detail(res, "delegated_read", json_str(rd));
		probe_detail(res, "delegated_write", json_str(wr));
		if (!rd)
			probe_outcome(res, PROBE_HARNESS_ERROR, "the child never reported reading the delegated fd (%s)",
				      event_result(br->events, "delegated_fd") ?: "no report");
		else
			probe_errno(res, "read", strcmp(rd, "ok") == 0 ? 0 : probe_errno_from_name(rd));
		break;
	}
	case SC_EVENT_BUS_FD:
		if (br->rejected_fds > 0)
			probe_errno(res, NULL, 0);
		else
			probe_outcome(res, PROBE_PREMISE_FAILED, "the child could not attach an fd to the event bus (%s)",
				      event_result(br->events, "fd_on_event_bus") ?: "no report");
		break;
	case SC_SILENT_CHILD:
		break;
	}
}

void probe_run_inherit_child(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	enum scenario sc = scenario_of(req->scenario);
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int delegated = -EBADF;
	struct bus_reading br = { 0 };
	struct error err = { 0 };
	int ev[2] = { -1, -1 }, rights[2] = { -1, -1 }, parent_open, status;
	pid_t pid;

	probe_detail(res, "scenario", json_str(req->scenario));
	if (probe_resolve_path(ctx, req->path, req->path_class, "file", &path, &err) < 0) {
		probe_outcome(res, PROBE_PREMISE_FAILED, "%s", err.msg);
		return;
	}
	probe_detail(res, "path", json_str(path));
	parent_open = open_errno(path);
	if (sc == SC_RIGHTS_BUS) {
		delegated = open(path, O_RDONLY | O_CLOEXEC);
		if (delegated < 0) {
			probe_outcome(res, PROBE_PREMISE_FAILED, "the parent cannot open '%s' to delegate it: %s", path,
				      strerror(errno));
			return;
		}
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ev) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rights) < 0) {
		probe_outcome(res, PROBE_HARNESS_ERROR, "cannot create the buses: %s", strerror(errno));
		goto out;
	}
	pid = spawn_worker(ctx, req->scenario, path, ev[1], rights[1]);
	(void)close(ev[1]);
	(void)close(rights[1]);
	ev[1] = rights[1] = -1;
	if (pid < 0) {
		probe_outcome(res, PROBE_HARNESS_ERROR, "cannot fork the child: %s", strerror((int)-pid));
		goto out;
	}
	if (delegated >= 0)
		probe_detail(res, "fd_sent", json_str(errno_or_ok(-send_fd(rights[0], delegated))));
	read_bus(ev[0], &br);
	status = wait_worker(pid);
	probe_detail(res, "child_pid", json_integer(pid));
	probe_detail(res, "child_status", json_integer(status));
	probe_detail(res, "events", json_incref(br.events));
	probe_detail(res, "event_bus_fds_rejected", json_integer(br.rejected_fds));
	probe_detail(res, "event_bus_bad_lines", json_integer(br.bad_lines));
	if (json_array_size(br.events) == 0)
		/* Spawn failure or a silent child: a diagnostic, never a denial. */
		probe_outcome(res, PROBE_HARNESS_ERROR,
			      "the child (pid %d) ended with status %d before writing any event; nothing was measured",
			      (int)pid, status);
	else
		conclude(sc, path, &br, parent_open, res);
out:
	json_decref(br.events);
	for (int i = 0; i < 2; i++) {
		if (ev[i] >= 0)
			(void)close(ev[i]);
		if (rights[i] >= 0)
			(void)close(rights[i]);
	}
}
