/* Spawn, capture, validate, re-attribute. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "probe/response.h"
#include "probe/runner.h"

#define EXIT_GRACE_MS 5000  /* after the answer, for the process to exit */
#define EVENT_LINE_MAX 4096

static long long mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sink {
	int fd;
	char *buf;
	size_t len, max;
	bool truncated;
};

/* Read what is there into s (beyond max: counted as truncated, dropped).
 * Returns 1 when something was read, 0 at EOF or on error, -EAGAIN when
 * nothing is there yet. */
static int drain(struct sink *s)
{
	char tmp[8192];
	ssize_t n = read(s->fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return -EAGAIN;
	if (n <= 0)
		return 0;
	if (s->len + (size_t)n > s->max) {
		s->truncated = true;
		n = (ssize_t)(s->max - s->len);
	}
	memcpy(s->buf + s->len, tmp, (size_t)n);
	s->len += (size_t)n;
	s->buf[s->len] = '\0';
	return 1;
}

/* The status field "name:" of a process, into buf; NULL if none. */
static const char *status_field(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64], line[256];
	const char *found = NULL;
	size_t n = strlen(name);
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			(void)snprintf(buf, size, "%s", line + n + 1);
			buf[strcspn(buf, "\n")] = '\0';
			found = buf;
		}
	if (f)
		(void)fclose(f);
	return found;
}

static bool descends_from(pid_t pid, pid_t ancestor)
{
	char buf[64];

	for (int depth = 0; pid > 1 && depth < 16; depth++) {
		if (pid == ancestor)
			return true;
		if (!status_field(pid, "PPid", buf, sizeof(buf)))
			return false;
		pid = (pid_t)strtol(buf, NULL, 10);
	}
	return false;
}

pid_t probe_host_pid(pid_t launcher, pid_t ns_pid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = -1;

	while (d && found < 0 && (de = readdir(d))) {
		char buf[256], *last;
		pid_t p = (pid_t)strtol(de->d_name, &last, 10);

		if (*last || p <= 0 || !status_field(p, "NSpid", buf, sizeof(buf)))
			continue;
		last = strrchr(buf, '\t') ? strrchr(buf, '\t') + 1 : buf;
		if ((pid_t)strtol(last, NULL, 10) == ns_pid && descends_from(p, launcher))
			found = p;
	}
	if (d)
		(void)closedir(d);
	return found;
}

/* Hand each complete line of the event sink to on_event, with the probe's
 * pid as seen from here. Returns true once "response_written" came: the
 * probe has written its answer and closed stdout (it stays for --hold-open,
 * while the launcher still holds the pipe). */
static bool flush_events(struct sink *s, const struct probe_spawn *sp, pid_t launcher)
{
	bool written = false;
	char *nl;

	while ((nl = memchr(s->buf, '\n', s->len))) {
		size_t l = (size_t)(nl - s->buf);
		json_t *ev = json_loadb(s->buf, l, 0, NULL);
		const char *name = json_string_value(json_object_get(ev, "event"));
		pid_t host;

		if (name && strcmp(name, "response_written") == 0) {
			written = true;
		} else if (json_is_object(ev) && sp->on_event) {
			host = probe_host_pid(launcher, (pid_t)json_integer_value(json_object_get(ev, "pid")));
			json_set(ev, "host_pid", host > 0 ? json_integer(host) : json_null());
			sp->on_event(ev, sp->userdata);
		}
		json_decref(ev);
		memmove(s->buf, nl + 1, s->len - l - 1);
		s->len -= l + 1;
	}
	if (s->len == s->max)
		s->len = 0; /* a line longer than any event: dropped */
	return written;
}

static void child_start(const struct probe_spawn *s, int out[2], int errp[2])
{
	if (dup2(out[1], STDOUT_FILENO) < 0 || dup2(errp[1], STDERR_FILENO) < 0)
		_exit(125);
	_exit(s->start(s->userdata));
}

void probe_reap_launcher(struct probe_capture *c, long hold_ms)
{
	long long deadline = mono_ms() + hold_ms + EXIT_GRACE_MS;
	int status = 0;

	if (c->reaped)
		return;
	c->reaped = true;
	for (;;) {
		pid_t w = waitpid(c->pid, &status, WNOHANG);

		if (w == c->pid || (w < 0 && errno != EINTR))
			break;
		if (mono_ms() >= deadline) {
			(void)kill(c->pid, SIGKILL);
			(void)waitpid(c->pid, &status, 0);
			break;
		}
		(void)usleep(2000);
	}
	c->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	c->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void close_all(const struct probe_spawn *s)
{
	for (size_t i = 0; i < s->n_parent_close; i++)
		(void)close(s->parent_close[i]);
}

int probe_spawn(const struct probe_spawn *s, struct probe_capture *ret, struct error *err)
{
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct sink sinks[3] = {
		{ .fd = -1, .max = PROBE_OUT_MAX },
		{ .fd = -1, .max = PROBE_ERR_MAX },
		{ .fd = s->event_fd, .max = EVENT_LINE_MAX },
	};
	long long deadline = mono_ms() + s->timeout_ms;
	bool closed = false, written = false;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	ret->exit_status = -1;
	for (size_t i = 0; i < ELEMENTSOF(sinks); i++) {
		sinks[i].buf = malloc(sinks[i].max + 1);
		if (!sinks[i].buf) {
			r = error_set(err, ENOMEM, "out of memory");
			goto out;
		}
		sinks[i].buf[0] = '\0';
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		r = error_set(err, errno, "cannot create the capture pipes: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	ret->pid = fork();
	if (ret->pid < 0) {
		r = error_set(err, errno, "cannot fork the probe: %s", strerror(errno));
		goto out;
	}
	if (ret->pid == 0)
		child_start(s, out, errp);
	/* Only the child holds the write ends: their end is the answer's. */
	close_all(s);
	closed = true;
	(void)close(out[1]);
	(void)close(errp[1]);
	out[1] = errp[1] = -1;
	sinks[0].fd = out[0];
	sinks[1].fd = errp[0];
	/* Until stdout and stderr end, or the probe says its answer is out;
	 * the event pipe is read on the way. */
	while (!written && (sinks[0].fd >= 0 || sinks[1].fd >= 0)) {
		struct pollfd p[3];
		long long left = deadline - mono_ms();

		if (left <= 0) {
			ret->timed_out = true;
			(void)kill(ret->pid, SIGKILL);
			break;
		}
		for (size_t i = 0; i < ELEMENTSOF(p); i++)
			p[i] = (struct pollfd){ .fd = sinks[i].fd, .events = POLLIN };
		if (poll(p, ELEMENTSOF(p), (int)left) < 0 && errno != EINTR)
			break;
		for (size_t i = 0; i < ELEMENTSOF(p); i++) {
			if (!p[i].revents)
				continue;
			if (drain(&sinks[i]) == 0)
				sinks[i].fd = -1; /* closed below */
			else if (i == 2)
				written = flush_events(&sinks[i], s, ret->pid);
		}
	}
	/* The answer came before the event: take what is in the pipes. */
	for (size_t i = 0; written && i < 2; i++) {
		if (sinks[i].fd < 0)
			continue;
		(void)fcntl(sinks[i].fd, F_SETFL, O_NONBLOCK);
		while (drain(&sinks[i]) > 0)
			;
	}
	if (ret->timed_out || !s->hold_ms)
		probe_reap_launcher(ret, ret->timed_out ? 0 : s->hold_ms);
	/* Events written last (after the answer) are still in the pipe. */
	if (s->event_fd >= 0) {
		(void)fcntl(s->event_fd, F_SETFL, O_NONBLOCK);
		while (drain(&sinks[2]) > 0)
			(void)flush_events(&sinks[2], s, ret->pid);
	}
	ret->out = TAKE_PTR(sinks[0].buf);
	ret->out_len = sinks[0].len;
	ret->out_truncated = sinks[0].truncated;
	ret->err = TAKE_PTR(sinks[1].buf);
	ret->err_len = sinks[1].len;
out:
	if (!closed)
		close_all(s);
	for (size_t i = 0; i < ELEMENTSOF(sinks); i++)
		free(sinks[i].buf);
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			(void)close(out[i]);
		if (errp[i] >= 0)
			(void)close(errp[i]);
	}
	return r;
}

void probe_capture_done(struct probe_capture *c)
{
	free(c->out);
	free(c->err);
	c->out = c->err = NULL;
}

static void runner_fields(json_t *data, const struct probe_runner_info *info, const struct probe_capture *c)
{
	json_t *runner = json_object();

	json_set(data, "lane", json_str(info->lane));
	json_set(data, "profile", json_str(info->profile));
	json_set(data, "plan_id", json_str(info->plan_id));
	json_set(data, "row_id", json_str(info->row_id));
	json_set(data, "correlation_id", json_str(info->correlation_id));
	json_set(data, "expected_outcome", json_str(info->expected_outcome));
	json_set(runner, "launched_via", json_str(info->launched_via));
	json_set(runner, "pid", c && c->pid > 0 ? json_integer(c->pid) : json_null());
	json_set(runner, "signal", c && c->signal ? json_str(sigabbrev_np(c->signal)) : json_null());
	json_set(data, "runner", runner);
}

/* An envelope of the runner's own; c is what was captured, or NULL. */
static json_t *runner_envelope(enum probe_outcome o, const char *error, const struct probe_runner_info *info,
			       const struct probe_capture *c)
{
	json_t *data = probe_data_new();

	json_set(data, "probe_id", json_str(info->probe_id));
	json_set(data, "probe_args", info->probe_id ? json_strv(info->probe_args) : json_null());
	json_set(data, "attribution", probe_attribution_json(PROBE_LAYER_NONE, error));
	json_set(data, "details", json_object());
	runner_fields(data, info, c);
	return probe_envelope(data, o, NULL, error, c ? c->exit_status : -1);
}

json_t *probe_early(enum probe_outcome o, const char *error, const struct probe_runner_info *info)
{
	return runner_envelope(o, error, info, NULL);
}

/* The last non-empty line of s, into buf. */
static const char *last_line(const char *s, size_t len, char *buf, size_t size)
{
	size_t end = len, start;

	while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && s[start - 1] != '\n')
		start--;
	(void)snprintf(buf, size, "%.*s", (int)(end - start), s + start);
	return buf;
}

/* The probe's envelope if stdout holds exactly one valid one; else NULL
 * with why. */
static json_t *parse_answer(const struct probe_capture *c, char *why, size_t size)
{
	const char *nl = c->out ? memchr(c->out, '\n', c->out_len) : NULL;
	json_t *v, *res, *data;
	int o;

	if (c->out_len == 0) {
		(void)snprintf(why, size, "the probe wrote no response");
		return NULL;
	}
	if (c->out_truncated || !nl || (size_t)(nl - c->out) + 1 != c->out_len) {
		(void)snprintf(why, size, "the probe wrote %s, not exactly one line",
			       c->out_truncated ? "more than 1 MiB" : nl ? "several lines" : "an unterminated line");
		return NULL;
	}
	v = json_loadb(c->out, c->out_len - 1, 0, NULL);
	res = json_object_get(v, "result");
	data = json_object_get(v, "data");
	o = probe_outcome_from_name(json_string_value(json_object_get(res, "normalized_outcome")));
	if (!json_is_object(v) || json_integer_value(json_object_get(v, "schema_version")) != LATCH_SCHEMA_VERSION ||
	    strcmp(json_string_value(json_object_get(v, "kind")) ?: "", PROBE_RESPONSE_KIND) != 0 ||
	    !json_is_object(res) || !json_is_object(data) || o < 0) {
		json_decref(v);
		(void)snprintf(why, size, "the probe's answer is not a probe_response envelope");
		return NULL;
	}
	return v;
}

/* Only the errno-based reading of a failure is re-attributed: what a probe
 * decided itself stays. The errno table gives these outcomes for these
 * errnos, so an outcome that differs was the probe's own decision. */
static bool refinable(enum probe_outcome o, int err)
{
	return err != 0 && probe_outcome_from_errno(err) == o;
}

/* Whether a path names the same object here as in the probe: not under
 * /proc when the probe had its own pid or mount namespace (a fresh /proc,
 * other pids). Masks are what the mount-namespace rows are about. */
static bool same_path_outside(const struct probe_facts *f)
{
	return !(f->own_pid_ns || f->own_mnt_ns) || !f->path || !path_has_prefix(f->path, "/proc");
}

/* Whether the target exists here, outside the sandbox. */
static bool exists_outside(const struct probe_facts *f)
{
	struct stat st;

	if (f->target_pid > 0)
		return kill(f->target_pid, 0) == 0 || errno == EPERM;
	return f->has_access && f->path && lstat(f->path, &st) == 0;
}

json_t *probe_finish(const struct probe_capture *c, const struct probe_sandbox *sb,
		     const struct probe_runner_info *info)
{
	char why[256], line[512], msg[ERROR_MSG_MAX];
	_cleanup_json_ json_t *answer = NULL;
	json_t *data, *res;
	const char *error;
	enum probe_outcome o;
	struct probe_facts f;
	struct probe_attribution at;

	if (c->timed_out) {
		(void)snprintf(msg, sizeof(msg), "the probe did not answer in time and was killed");
		return runner_envelope(PROBE_TIMEOUT, msg, info, c);
	}
	answer = parse_answer(c, why, sizeof(why));
	if (!answer) {
		(void)snprintf(msg, sizeof(msg), "%s (%s %d)%s%s", why,
			       c->signal ? "killed by signal" : "exit status", c->signal ? c->signal : c->exit_status,
			       c->err_len ? ": " : "", last_line(c->err, c->err_len, line, sizeof(line)));
		return runner_envelope(PROBE_HARNESS_ERROR, msg, info, c);
	}
	res = json_object_get(answer, "result");
	data = probe_data_new();
	probe_data_merge(data, json_object_get(answer, "data"));
	o = probe_outcome_from_name(json_string_value(json_object_get(res, "normalized_outcome")));
	error = json_string_value(json_object_get(res, "error"));
	probe_facts_from_data(data, &f);
	if (sb && refinable(o, f.err)) {
		/* What the runner can check out here, where the path names the
		 * same object. */
		if (same_path_outside(&f)) {
			f.dac = probe_dac_check(&f);
			f.exists_outside = exists_outside(&f);
		}
		probe_attribute(sb, &f, &at);
		o = at.outcome;
		json_set(data, "attribution", probe_attribution_json(at.layer, at.reason));
		(void)snprintf(msg, sizeof(msg), "%s", at.reason);
		error = msg;
	}
	runner_fields(data, info, c);
	return probe_envelope(data, o, json_string_value(json_object_get(res, "errno")), error, c->exit_status);
}

static int access_errno(const char *path, int mode)
{
	return faccessat(AT_FDCWD, path, mode, AT_EACCESS) < 0 ? errno : 0;
}

/* One fs access: the mode asked of the path (or of its directory, for
 * creating and deleting entries). */
static int dac_one(enum policy_access a, const char *path)
{
	_cleanup_free_ char *dir = NULL;
	char *slash;
	int e = -1;

	if (!path)
		return -1;
	switch (a) {
	case POLICY_ACCESS_READ:
		e = access_errno(path, R_OK);
		break;
	case POLICY_ACCESS_WRITE:
	case POLICY_ACCESS_TRUNCATE:
	case POLICY_ACCESS_UNIX_CONNECT: /* unix(7): write permission on the socket */
		e = access_errno(path, W_OK);
		break;
	case POLICY_ACCESS_EXEC:
		e = access_errno(path, X_OK);
		break;
	case POLICY_ACCESS_CREATE:
	case POLICY_ACCESS_DELETE:
		dir = strdup(path);
		slash = dir ? strrchr(dir, '/') : NULL;
		if (!slash)
			return -1;
		slash[slash == dir ? 1 : 0] = '\0';
		e = access_errno(dir, W_OK | X_OK);
		break;
	case POLICY_ACCESS_TCP_CONNECT:
	case POLICY_ACCESS_NET_CONNECT:
	case POLICY_ACCESS_TCP_BIND:
	case POLICY_ACCESS_SIGNAL:
	case POLICY_ACCESS_ABSTRACT_UNIX:
	case POLICY_ACCESS_PTRACE:
	case POLICY_ACCESS_USERNS:
	case _POLICY_ACCESS_MAX:
		return -1;
	}
	if (e == 0)
		return 0;
	return e == EACCES || e == EPERM || e == EROFS ? 1 : -1;
}

int probe_dac_check(const struct probe_facts *f)
{
	int a, b;

	if (!f->has_access)
		return -1;
	a = dac_one(f->access, f->path);
	b = f->to_path ? dac_one(f->to_access, f->to_path) : 0;
	return a == 1 || b == 1 ? 1 : a < 0 || b < 0 ? -1 : 0;
}
