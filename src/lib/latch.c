/* liblatch (include/latch.h): the session layer behind a small public API.
 *
 * A profile object keeps what the caller gave (a name or JSON text, added
 * paths, a network mode) and is loaded afresh for each run, as `latch run`
 * loads it. latch_run() plans and checks the run in the caller, then forks:
 * the child runs the session (it becomes the program, or the sandbox's
 * parent and its supervisor), and the caller's process serves the
 * callbacks: events arrive on a pipe, approval questions on a socket pair
 * whose other end the supervisor's socket backend takes as its approver.
 * Only the latch_* symbols are exported (liblatch.map). */
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "latch.h"

#include "base/fs-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "session/session.h"

#define LATCH_PUBLIC __attribute__((visibility("default")))

struct latch_rule {
	enum latch_access access;
	char *path;
};

struct latch_profile {
	char *name;           /* by name or path; NULL: json */
	char *json;
	size_t json_len;
	struct latch_rule *rules;
	size_t n_rules;
	bool network_set;
	enum latch_network network;
};

static int fail(struct latch_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct latch_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int fail_with(struct latch_error *err, const struct error *e)
{
	return fail(err, e->code ? e->code : EINVAL, "%s", e->msg);
}

/* The profile as the caller built it, loaded in ctx. */
static int load(const struct latch_profile *lp, const struct policy_ctx *ctx, struct policy **ret, struct error *err)
{
	static const enum policy_class classes[] = {
		[LATCH_ACCESS_READ] = POLICY_CLASS_READ,
		[LATCH_ACCESS_WRITE] = POLICY_CLASS_WRITE,
		[LATCH_ACCESS_EXEC] = POLICY_CLASS_EXEC,
		[LATCH_ACCESS_DENY] = POLICY_CLASS_DENY,
	};
	struct policy *p = NULL;
	int r;

	if (lp->name) {
		r = policy_load(lp->name, ctx, &p, err);
	} else {
		/* Named as a file of its own name would be, as the loader
		 * requires: "NAME.json". */
		json_t *o = json_loadb(lp->json, lp->json_len, 0, NULL);
		const char *name = json_string_value(json_object_get(o, "name"));
		char file[300];

		(void)snprintf(file, sizeof(file), "%s.json", name && strlen(name) < 256 ? name : "profile");
		json_decref(o);
		r = policy_load_buffer(lp->json, lp->json_len, file, ctx, &p, err);
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < lp->n_rules; i++) {
		_cleanup_free_ char *resolved = NULL;

		r = path_resolve(lp->rules[i].path, &resolved);
		if (r < 0) {
			policy_free(p);
			return error_set(err, -r, "cannot resolve '%s': %s", lp->rules[i].path, strerror(-r));
		}
		r = policy_add_rule(p, classes[lp->rules[i].access], resolved, "liblatch", err);
		if (r < 0) {
			policy_free(p);
			return r;
		}
	}
	if (lp->network_set)
		p->net.mode = lp->network == LATCH_NETWORK_ON ? POLICY_NET_ON : POLICY_NET_OFF;
	*ret = p;
	return 0;
}

/* Load once now, so that a bad profile is an error here, not at the run. */
static struct latch_profile *checked(struct latch_profile *lp, struct latch_error *err)
{
	struct session_env env;
	struct policy *p = NULL;
	struct error e = { 0 };
	int r;

	session_env_init(&env);
	r = load(lp, &env.ctx, &p, &e);
	policy_free(p);
	session_env_done(&env);
	if (r < 0) {
		(void)fail_with(err, &e);
		latch_profile_free(lp);
		return NULL;
	}
	return lp;
}

LATCH_PUBLIC struct latch_profile *latch_profile_load(const char *name, struct latch_error *err)
{
	struct latch_profile *lp;

	if (!name || !name[0] || !utf8_is_valid(name) || strlen(name) >= LATCH_PATH_MAX) {
		(void)fail(err, EINVAL, "the profile name is empty, not valid UTF-8, or too long");
		return NULL;
	}
	lp = calloc(1, sizeof(*lp));
	if (!lp || !(lp->name = strdup(name))) {
		free(lp);
		(void)fail(err, ENOMEM, "out of memory");
		return NULL;
	}
	return checked(lp, err);
}

LATCH_PUBLIC struct latch_profile *latch_profile_from_json(const char *json, size_t len, struct latch_error *err)
{
	struct latch_profile *lp;

	if (!json) {
		(void)fail(err, EINVAL, "no JSON text");
		return NULL;
	}
	lp = calloc(1, sizeof(*lp));
	if (!lp || !(lp->json = malloc(len + 1))) {
		free(lp);
		(void)fail(err, ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(lp->json, json, len);
	lp->json[len] = '\0';
	lp->json_len = len;
	return checked(lp, err);
}

LATCH_PUBLIC void latch_profile_free(struct latch_profile *lp)
{
	if (!lp)
		return;
	for (size_t i = 0; i < lp->n_rules; i++)
		free(lp->rules[i].path);
	free(lp->rules);
	free(lp->name);
	free(lp->json);
	free(lp);
}

LATCH_PUBLIC int latch_profile_add_path(struct latch_profile *lp, enum latch_access access, const char *path,
					struct latch_error *err)
{
	struct latch_rule *grown;

	if (!lp || (unsigned)access > LATCH_ACCESS_DENY)
		return fail(err, EINVAL, "no profile, or an unknown access");
	if (!path || path[0] != '/' || !utf8_is_valid(path) || strlen(path) >= LATCH_PATH_MAX)
		return fail(err, EINVAL, "'%s' is not an absolute path in UTF-8 of at most %d bytes",
			    path ? path : "(null)", LATCH_PATH_MAX - 1);
	grown = realloc(lp->rules, (lp->n_rules + 1) * sizeof(*grown));
	if (!grown)
		return fail(err, ENOMEM, "out of memory");
	lp->rules = grown;
	lp->rules[lp->n_rules].path = strdup(path);
	if (!lp->rules[lp->n_rules].path)
		return fail(err, ENOMEM, "out of memory");
	lp->rules[lp->n_rules++].access = access;
	return 0;
}

LATCH_PUBLIC int latch_profile_set_network(struct latch_profile *lp, enum latch_network mode, struct latch_error *err)
{
	if (!lp || (mode != LATCH_NETWORK_OFF && mode != LATCH_NETWORK_ON))
		return fail(err, EINVAL, "no profile, or an unknown network mode");
	lp->network_set = true;
	lp->network = mode;
	return 0;
}

LATCH_PUBLIC const char *latch_version(void)
{
	return LATCH_VERSION;
}

/* ---- the run -------------------------------------------------------------------- */

/* What the child reports when the program did not run: "CODE\tmessage". */
static _noreturn_ void child_report(int fd, int code, const char *msg)
{
	char line[600];
	int n = snprintf(line, sizeof(line), "%d\t%s", code, msg);

	if (n > 0)
		(void)!write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	_exit(125);
}

/* In the forked child: the session, and never back into the caller. */
static _noreturn_ void child_run(const struct session_request *req, struct session_plan *plan, int report_fd)
{
	struct session_result res;
	char msg[600];

	(void)session_run(req, plan, NULL, &res);
	switch (res.outcome) {
	case SESSION_EXITED:
		if (WIFSIGNALED(res.wait_status)) {
			struct rlimit no_core = { 0, 0 };
			sigset_t set;

			(void)setrlimit(RLIMIT_CORE, &no_core);
			(void)signal(WTERMSIG(res.wait_status), SIG_DFL);
			(void)sigemptyset(&set);
			(void)sigaddset(&set, WTERMSIG(res.wait_status));
			(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
			(void)raise(WTERMSIG(res.wait_status));
		}
		_exit(WIFEXITED(res.wait_status) ? WEXITSTATUS(res.wait_status) : 125);
	case SESSION_REFUSED:
		(void)snprintf(msg, sizeof(msg), "refusing to start: %s", res.refusals[0]);
		child_report(report_fd, EPERM, msg);
	case SESSION_NOT_FOUND:
		child_report(report_fd, ENOENT, res.err.msg);
	case SESSION_CANNOT_EXEC:
		child_report(report_fd, EACCES, res.err.msg);
	case SESSION_FAILED:
		break;
	}
	child_report(report_fd, res.err.code ? res.err.code : EIO, res.err.msg);
}

/* The caller's side of a run: callbacks until the child is gone. */
struct serve {
	const struct latch_run_options *o;
	int approver;         /* the supervisor's approver socket; -1 */
	int events;           /* read end; -1 at EOF */
	int report;           /* read end; -1 at EOF */
	char qbuf[8192], ebuf[65536], rbuf[600];
	size_t qlen, elen, rlen;
};

static void answer_question(struct serve *sv, const char *line)
{
	static const char *const names[] = {
		[LATCH_ANSWER_DENY] = "deny",
		[LATCH_ANSWER_ALLOW_ONCE] = "allow_once",
		[LATCH_ANSWER_ALLOW_SESSION] = "allow_session",
	};
	json_t *o = json_loads(line, 0, NULL);
	struct latch_question q = { 0 };
	enum latch_answer a = LATCH_ANSWER_DENY;
	char out[128];
	int n;

	if (!json_is_object(o) || !json_is_integer(json_object_get(o, "id"))) {
		json_decref(o);
		return;
	}
	q.id = (unsigned long long)json_integer_value(json_object_get(o, "id"));
	q.pid = (int)json_integer_value(json_object_get(o, "pid"));
	q.syscall = json_string_value(json_object_get(o, "syscall"));
	q.access = json_string_value(json_object_get(o, "access"));
	q.path = json_string_value(json_object_get(o, "path"));
	q.runs_later = json_is_true(json_object_get(o, "runs_later"));
	a = sv->o->on_question(&q, sv->o->data);
	if ((unsigned)a > LATCH_ANSWER_ALLOW_SESSION)
		a = LATCH_ANSWER_DENY;
	n = snprintf(out, sizeof(out), "{\"decision\": \"%s\", \"id\": %llu}\n", names[a], q.id);
	if (n > 0 && write_all(sv->approver, out, (size_t)n) < 0) {
		(void)close(sv->approver);
		sv->approver = -1;
	}
	json_decref(o);
}

/* Read what fd has into buf; call each complete line. Returns false at EOF
 * or error (fd then closed, *fd -1). */
static bool read_lines(int *fd, char *buf, size_t size, size_t *len, void (*line)(struct serve *, const char *),
		       struct serve *sv)
{
	ssize_t n = read(*fd, buf + *len, size - 1 - *len);
	char *start, *nl;

	if (n <= 0) {
		(void)close(*fd);
		*fd = -1;
		return false;
	}
	*len += (size_t)n;
	buf[*len] = '\0';
	start = buf;
	while ((nl = strchr(start, '\n'))) {
		*nl = '\0';
		if (line)
			line(sv, start);
		start = nl + 1;
	}
	*len -= (size_t)(start - buf);
	memmove(buf, start, *len);
	if (*len == size - 1)
		*len = 0; /* a line longer than the buffer: dropped */
	return true;
}

static void on_event_line(struct serve *sv, const char *line)
{
	sv->o->on_event(line, sv->o->data);
}

static void read_report(struct serve *sv)
{
	ssize_t r = read(sv->report, sv->rbuf + sv->rlen, sizeof(sv->rbuf) - 1 - sv->rlen);

	if (r > 0) {
		sv->rlen += (size_t)r;
		return;
	}
	(void)close(sv->report);
	sv->report = -1;
}

/* Serve the callbacks until the child has exited (pidfd readable), then
 * take what is left in the pipes: every write end is closed by then (they
 * are close-on-exec, and the child held the last ones). */
static void serve(struct serve *sv, int pidfd)
{
	void (*ev_line)(struct serve *, const char *) = sv->o->on_event ? on_event_line : NULL;

	for (;;) {
		struct pollfd fds[4] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = sv->approver, .events = POLLIN },
			{ .fd = sv->events, .events = POLLIN },
			{ .fd = sv->report, .events = POLLIN },
		};

		if (poll(fds, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents)
			(void)read_lines(&sv->approver, sv->qbuf, sizeof(sv->qbuf), &sv->qlen, answer_question, sv);
		if (fds[2].revents)
			(void)read_lines(&sv->events, sv->ebuf, sizeof(sv->ebuf), &sv->elen, ev_line, sv);
		if (fds[3].revents)
			read_report(sv);
		if (fds[0].revents)
			break;
	}
	while (sv->events >= 0 && read_lines(&sv->events, sv->ebuf, sizeof(sv->ebuf), &sv->elen, ev_line, sv))
		;
	while (sv->report >= 0)
		read_report(sv);
}

LATCH_PUBLIC int latch_run(const struct latch_profile *lp, const struct latch_run_options *o, int *ret_status,
			   struct latch_error *err)
{
	struct session_request req = { 0 };
	struct session_plan plan = { 0 };
	struct session_env env;
	struct serve sv = { .o = o, .approver = -1, .events = -1, .report = -1 };
	struct policy *p = NULL;
	struct error e = { 0 };
	int evp[2] = { -1, -1 }, rep[2] = { -1, -1 }, qsp[2] = { -1, -1 };
	int status = 0, rc = -1, pidfd = -1;
	pid_t child;

	if (!lp || !o || !o->argv || !o->argv[0] || !ret_status)
		return fail(err, EINVAL, "no profile, no options, no command or no status");
	session_env_init(&env);
	req = (struct session_request){
		.profile = lp->name ? lp->name : "(JSON text)",
		.strict = o->strict,
		.quiet = true,
		.no_namespaces = o->no_namespaces,
		.supervise = o->on_question ? SESSION_SUPERVISE_ON : SESSION_SUPERVISE_PROFILE,
		.no_terminal = true,
		.argv = (char **)o->argv, /* read only */
	};
	if (o->on_question) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qsp) < 0) {
			(void)fail(err, errno, "socketpair: %s", strerror(errno));
			goto out;
		}
		req.approve_connected = true;
		req.approve_fd = qsp[1];
	}
	if (o->on_event) {
		if (pipe2(evp, O_CLOEXEC) < 0) {
			(void)fail(err, errno, "pipe: %s", strerror(errno));
			goto out;
		}
		req.events_to_fd = true;
		req.events_fd = evp[1];
	}
	if (load(lp, &env.ctx, &p, &e) < 0 ||
	    session_plan_from_policy(&req, &env.ctx, 0, TAKE_PTR(p), &plan, &e) < 0) {
		(void)fail_with(err, &e);
		goto out;
	}
	if (session_plan_probe(&plan, false) < 0 || session_plan_check(&req, &plan) < 0) {
		(void)fail(err, ENOMEM, "out of memory");
		goto out;
	}
	if (plan.refusals) {
		size_t n = strv_length(plan.refusals);

		(void)fail(err, EPERM, "refusing to start: %s%s", plan.refusals[0],
			   n > 1 ? " (and more: see `latch run --dry-run`)" : "");
		goto out;
	}
	if (pipe2(rep, O_CLOEXEC) < 0) {
		(void)fail(err, errno, "pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		(void)fail(err, errno, "fork: %s", strerror(errno));
		goto out;
	}
	if (child == 0) {
		(void)close(rep[0]);
		if (evp[0] >= 0)
			(void)close(evp[0]);
		if (qsp[0] >= 0)
			(void)close(qsp[0]);
		child_run(&req, &plan, rep[1]);
	}
	/* The child's ends are the child's. */
	(void)close(TAKE_FD(rep[1]));
	if (evp[1] >= 0)
		(void)close(TAKE_FD(evp[1]));
	if (qsp[1] >= 0)
		(void)close(TAKE_FD(qsp[1]));
	sv.report = TAKE_FD(rep[0]);
	sv.events = TAKE_FD(evp[0]);
	sv.approver = TAKE_FD(qsp[0]);
	pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	if (pidfd >= 0)
		serve(&sv, pidfd);
	while (waitpid(child, &status, __WALL) < 0 && errno == EINTR)
		;
	if (pidfd < 0) {
		(void)fail(err, errno, "pidfd_open: %s", strerror(errno));
		goto out;
	}
	if (sv.rlen) {
		char *tab;

		sv.rbuf[sv.rlen] = '\0';
		tab = strchr(sv.rbuf, '\t');
		(void)fail(err, (int)strtol(sv.rbuf, NULL, 10), "%s", tab ? tab + 1 : sv.rbuf);
		goto out;
	}
	*ret_status = status;
	rc = 0;
out:
	{
		int fds[] = { sv.approver, sv.events, sv.report, pidfd, evp[0], evp[1], rep[0], rep[1], qsp[0], qsp[1] };

		for (size_t i = 0; i < ELEMENTSOF(fds); i++)
			if (fds[i] >= 0)
				(void)close(fds[i]);
	}
	session_plan_done(&plan);
	session_env_done(&env);
	return rc;
}
