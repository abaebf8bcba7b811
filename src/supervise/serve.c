/* The notification loop and the decisions.
 *
 * Each notification is handled to the end before the next is received,
 * except a question to the socket backend, which is parked (the program's
 * thread keeps waiting in the kernel) while the loop goes on serving.
 * Everything the hot path needs is allocated once, at start: the request,
 * the notification buffers, the event buffer. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/path-util.h"
#include "sandbox/landlock-uapi.h"
#include "supervise/sup-serve.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64) /* 6.6 */
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define ORPHAN_TICK_MS 100

uint64_t sup_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sup_config_init(struct sup_config *c)
{
	memset(c, 0, sizeof(*c));
	c->backend = SUP_BACKEND_DENY;
	c->events_fd = -1;
	c->tty_fd = -1;
	c->approver_fd = -1;
	c->net_fd = -1;
	c->sandbox_done_fd = -1;
}

bool sup_id_valid(struct sup_state *s, uint64_t id)
{
	return ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static int send_resp(struct sup_state *s)
{
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, s->resp) == 0)
		return 0;
	return -errno;
}

int sup_respond_continue(struct sup_state *s, uint64_t id)
{
	memset(s->resp, 0, s->resp_size);
	s->resp->id = id;
	s->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	return send_resp(s);
}

int sup_respond_error(struct sup_state *s, uint64_t id, int err)
{
	memset(s->resp, 0, s->resp_size);
	s->resp->id = id;
	s->resp->error = -err;
	return send_resp(s);
}

int sup_respond_value(struct sup_state *s, uint64_t id, long long val)
{
	memset(s->resp, 0, s->resp_size);
	s->resp->id = id;
	s->resp->val = val;
	return send_resp(s);
}

/* ---- events and the summary ------------------------------------------------- */

static void count_denied(struct sup_state *s, const char *path)
{
	if (!path || !path[0])
		return;
	for (size_t i = 0; i < s->n_denied; i++)
		if (strncmp(s->denied[i].path, path, SUP_SUMMARY_PATH_MAX - 1) == 0) {
			s->denied[i].count++;
			return;
		}
	if (s->n_denied == SUP_DENIED_MAX)
		return;
	(void)snprintf(s->denied[s->n_denied].path, SUP_SUMMARY_PATH_MAX, "%s", path);
	s->denied[s->n_denied++].count = 1;
}

static void write_event(struct sup_state *s, const char *buf, size_t len)
{
	if (s->c->on_event && !s->observer_full && !s->c->on_event(buf, len, s->c->observer_data))
		s->observer_full = true;
	if (s->c->events_fd < 0)
		return;
	if (write_all(s->c->events_fd, buf, len) < 0) {
		s->sum->events_failed++;
		return;
	}
	s->sum->events_written++;
}

/* What the profile refused of each object of r (the allow backend may
 * have granted it). */
static void note_refusal(struct sup_state *s, const struct sup_req *r, bool granted)
{
	if ((r->call.op == SUP_OP_CONNECT || r->call.op == SUP_OP_BIND) && r->sock_domain != AF_UNIX &&
	    (r->addr.ss_family == AF_INET || r->addr.ss_family == AF_INET6)) {
		s->c->on_refusal(&(struct sup_refusal){
					 .port = ntohs(((const struct sockaddr_in *)&r->addr)->sin_port),
					 .acc = BIT(r->call.op == SUP_OP_CONNECT ? POLICY_ACCESS_TCP_CONNECT
										 : POLICY_ACCESS_TCP_BIND),
					 .granted = granted,
				 },
				 s->c->refusal_data);
		return;
	}
	for (unsigned i = 0; i < 2; i++) {
		const struct sup_obj *o = &r->obj[i];
		unsigned acc = o->denied & ~o->granted;

		if (!acc || o->real[0] != '/')
			continue;
		s->c->on_refusal(&(struct sup_refusal){
					 .path = o->real,
					 .acc = acc,
					 .directory = (r->call.op == SUP_OP_MKDIR && (o->acc & BIT(POLICY_ACCESS_CREATE))) ||
						      (o->stated && S_ISDIR(o->type)),
					 .quiet = r->quiet,
					 .granted = granted,
				 },
				 s->c->refusal_data);
	}
}

/* An execve, for the exec tree; a program let through changes. */
static void note_exec(struct sup_state *s, const struct sup_req *r, bool allow, int err)
{
	char *argv[SUP_ARGV_MAX + 1];
	size_t off = 0;

	if (allow)
		sup_target_forget_exe(s, r->pid);
	if (!s->c->on_exec)
		return;
	if (s->observer_full) {
		s->sum->execs_unobserved++;
		return;
	}
	for (unsigned i = 0; i < r->n_argv; i++) {
		argv[i] = (char *)r->argv + off;
		off += strlen(argv[i]) + 1;
	}
	argv[r->n_argv] = NULL;
	if (!s->c->on_exec(&(struct sup_exec){
			      .time_unix_ms = r->time_unix_ms,
			      .pid = r->pid,
			      .ppid = r->ppid,
			      .exe = r->exe[0] ? r->exe : NULL,
			      .path = r->path[0][0] ? r->path[0] : NULL,
			      .resolved = r->obj[0].real[0] ? r->obj[0].real : NULL,
			      .argv = argv,
			      .argv_truncated = r->argv_truncated,
			      .allow = allow,
			      .err = err > 0 ? err : 0,
		      },
		      s->c->observer_data))
		s->observer_full = true;
}

void sup_finish(struct sup_state *s, struct sup_req *r, enum sup_action action, bool allow, int err,
		const char *reason)
{
	const struct sup_obj *dec = &r->obj[r->access_obj];
	char rule[600], why[1024];
	struct sup_event ev;
	int n;

	switch (action) {
	case SUP_ACTION_CONTINUE:
		s->sum->continued++;
		break;
	case SUP_ACTION_EMULATE:
		s->sum->emulated++;
		break;
	case SUP_ACTION_FAIL:
		s->sum->failed++;
		break;
	case SUP_ACTION_DENY:
	case SUP_ACTION_ASK:
	case _SUP_ACTION_MAX:
		if (r->quiet) {
			s->sum->denied_quietly++;
			break;
		}
		s->sum->denied++;
		count_denied(s, dec->real[0] ? dec->real : r->path[r->access_obj]);
		if (!s->denied_once && s->c->on_first_denial)
			s->c->on_first_denial(s->c->on_first_denial_data);
		s->denied_once = true;
		break;
	}
	if (r->call.op == SUP_OP_EXEC)
		note_exec(s, r, allow, err);
	if (s->c->on_refusal && (!allow || (r->decided_by && strcmp(r->decided_by, "backend") == 0)))
		note_refusal(s, r, allow);
	if (s->c->on_event && s->observer_full)
		s->sum->events_unobserved++;
	if (s->c->events_fd < 0 && (!s->c->on_event || s->observer_full))
		return;
	if (r->note && reason) {
		(void)snprintf(why, sizeof(why), "%s (%s)", reason, r->note);
		reason = why;
	}
	ev = (struct sup_event){
		.time_unix_ms = r->time_unix_ms,
		.pid = r->pid,
		.tid = r->tid,
		.exe = r->exe[0] ? r->exe : NULL,
		.syscall = r->call.syscall,
		.access = r->access_name,
		.path = r->call.path[0].present ? r->path[0] : r->call.path[1].present ? r->path[1] : NULL,
		.resolved = r->obj[0].real[0] ? r->obj[0].real : r->obj[1].real[0] ? r->obj[1].real : NULL,
		.allow = allow,
		.action = sup_action_name(action == SUP_ACTION_ASK ? SUP_ACTION_DENY : action),
		.layer = action == SUP_ACTION_CONTINUE ? "landlock" : "supervisor",
		.rule = dec->rule ? policy_rule_label(dec->rule, rule, sizeof(rule)) : NULL,
		.grant = r->granted_how,
		.decided_by = r->decided_by ? r->decided_by : "profile",
		.reason = reason,
		.err = err > 0 ? err : 0,
		.latency_us = (long long)((sup_now_ns() - r->t0_ns) / 1000),
	};
	/* Two paths: rename and link name both; symlink's path is the link. */
	if (r->call.path[0].present && r->call.path[1].present) {
		ev.path2 = r->path[1];
		ev.resolved = r->obj[0].real[0] ? r->obj[0].real : NULL;
		ev.resolved2 = r->obj[1].real[0] ? r->obj[1].real : NULL;
	}
	if (r->call.op == SUP_OP_CONNECT || r->call.op == SUP_OP_BIND) {
		ev.path = r->path[0][0] ? r->path[0] : NULL;
	}
	n = sup_event_format(&ev, unix_time_ms(), s->evbuf, s->evbuf_size);
	if (n < 0) {
		s->sum->events_failed++;
		return;
	}
	write_event(s, s->evbuf, (size_t)n);
}

/* ---- setup and the loop ---------------------------------------------------------- */

static void mark_missing_rules(struct sup_state *s)
{
	const struct landlock_plan *ll = s->c->landlock;
	const struct policy *p = s->c->policy;

	if (!p->n_rules)
		return;
	s->rule_missing = calloc(p->n_rules, sizeof(bool));
	if (!s->rule_missing)
		return;
	/* list and scratch rules are never in the kernel's ruleset (Landlock
	 * would grant the whole tree): the supervisor gives them. */
	for (size_t k = 0; k < p->n_rules; k++)
		if (p->rules[k].klass == POLICY_CLASS_LIST || p->rules[k].klass == POLICY_CLASS_SCRATCH)
			s->rule_missing[k] = true;
	for (size_t i = 0; ll && i < ll->n_paths; i++) {
		if (!ll->paths[i].missing)
			continue;
		for (size_t k = 0; k < p->n_rules; k++)
			if (!policy_class_restricts(p->rules[k].klass) && strcmp(p->rules[k].path, ll->paths[i].path) == 0)
				s->rule_missing[k] = true;
	}
}

static int setup(struct sup_state *s, struct error *err)
{
	struct seccomp_notif_sizes sizes;
	int r;

	if (!s->c->policy)
		return error_set(err, EINVAL, "the supervisor needs a policy");
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return error_set(err, errno, "seccomp user notification is not available: %s", strerror(errno));
	s->notif_size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif
									 : sizeof(struct seccomp_notif);
	s->resp_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp) ? sizes.seccomp_notif_resp
										     : sizeof(struct seccomp_notif_resp);
	s->notif = calloc(1, s->notif_size);
	s->resp = calloc(1, s->resp_size);
	s->cur = calloc(1, sizeof(*s->cur));
	s->evbuf_size = SUP_EVENT_MAX;
	s->evbuf = malloc(s->evbuf_size);
	s->denied = calloc(SUP_DENIED_MAX, sizeof(*s->denied));
	s->grants = calloc(SUP_GRANTS_MAX, sizeof(*s->grants));
	s->owned = calloc(SUP_GRANTS_MAX, sizeof(*s->owned));
	s->always = calloc(SUP_GRANTS_MAX, sizeof(*s->always));
	s->pending = calloc(SUP_PENDING_MAX, sizeof(*s->pending));
	if (s->c->notifies_exec && (s->c->events_fd >= 0 || s->c->on_event || s->c->on_exec)) {
		s->procs = calloc(SUP_PROCS_MAX, sizeof(*s->procs));
		for (size_t i = 0; s->procs && i < SUP_PROCS_MAX; i++)
			s->procs[i].pidfd = -1;
	}
	if (!s->notif || !s->resp || !s->cur || !s->evbuf || !s->denied || !s->grants || !s->owned || !s->always || !s->pending)
		return error_set(err, ENOMEM, "out of memory");
	r = sup_slow_init(s);
	if (r < 0)
		return error_set(err, -r, "cannot start the connect workers: %s", strerror(-r));
	s->truncate_enforced = !s->c->landlock || (s->c->landlock->handled_fs & LL_ACCESS_FS_TRUNCATE);
	mark_missing_rules(s);
	sup_self_creds(s);
	s->timeout_ns = (uint64_t)(s->c->timeout_ms ? s->c->timeout_ms : SUP_DEFAULT_TIMEOUT_MS) * 1000000ull;
	sup_ratelimit_init(&s->rl, s->c->max_questions_per_sec ? s->c->max_questions_per_sec
							       : SUP_DEFAULT_QUESTIONS_PER_SEC,
			   sup_now_ns());
	/* A notification handled by a thread woken on the same CPU (6.6). */
	s->sum->sync_wake_up = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
				     (unsigned long)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
	s->child_pidfd = (int)syscall(SYS_pidfd_open, s->child, 0);
	/* The sandbox's root, as the child has it now (after its mounts). */
	{
		char path[64];

		(void)snprintf(path, sizeof(path), "/proc/%d/root", (int)s->child);
		s->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (s->root_fd >= 0 && (sup_fd_path(s->root_fd, s->root_path, sizeof(s->root_path)) < 0 ||
					s->root_path[0] != '/')) {
			(void)close(s->root_fd);
			s->root_fd = -1; /* resolved per call instead */
		}
	}
	return sup_backend_open(s, err);
}

static void reap(struct sup_state *s)
{
	int status;
	pid_t p;

	if (s->c->reap_orphans) {
		while ((p = waitpid(-1, &status, WNOHANG)) > 0)
			if (p == s->child) {
				s->child_reaped = true;
				s->sum->child_reaped = true;
				s->sum->child_status = status;
			}
	} else if (!s->child_reaped) {
		p = waitpid(s->child, &status, WNOHANG);
		if (p == s->child) {
			s->child_reaped = true;
			s->sum->child_reaped = true;
			s->sum->child_status = status;
		} else if (p < 0 && errno == ECHILD) {
			s->child_reaped = true; /* reaped elsewhere: no status */
		}
	}
	if (s->child_reaped && s->child_pidfd >= 0) {
		(void)close(s->child_pidfd);
		s->child_pidfd = -1;
	}
}

static void receive(struct sup_state *s)
{
	memset(s->notif, 0, s->notif_size); /* RECV insists on a zeroed buffer */
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, s->notif) < 0) {
		/* ENOENT: the caller went away between poll and RECV. */
		return;
	}
	sup_handle(s);
}

static void summary_top(struct sup_state *s)
{
	struct sup_summary *sum = s->sum;

	sum->n_top_denied = 0;
	for (size_t k = 0; k < SUP_TOP_DENIED; k++) {
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < s->n_denied; i++) {
			bool taken = false;

			for (size_t j = 0; j < sum->n_top_denied; j++)
				if (strcmp(sum->top_denied[j].path, s->denied[i].path) == 0)
					taken = true;
			if (!taken && (best == SIZE_MAX || s->denied[i].count > s->denied[best].count))
				best = i;
		}
		if (best == SIZE_MAX)
			break;
		(void)snprintf(sum->top_denied[k].path, sizeof(sum->top_denied[k].path), "%s", s->denied[best].path);
		sum->top_denied[k].count = s->denied[best].count;
		sum->n_top_denied++;
	}
}

static void teardown(struct sup_state *s)
{
	sup_backend_close(s);
	sup_slow_done(s);
	if (s->child_pidfd >= 0)
		(void)close(s->child_pidfd);
	if (s->root_fd >= 0)
		(void)close(s->root_fd);
	if (s->cur)
		sup_unpin(s->cur);
	free(s->notif);
	free(s->resp);
	free(s->cur);
	free(s->evbuf);
	free(s->denied);
	free(s->grants);
	free(s->owned);
	free(s->always);
	free(s->pending);
	free(s->rule_missing);
	sup_target_procs_done(s);
	free(s->procs);
}

int sup_serve(const struct sup_config *c, int listener, pid_t child, struct sup_summary *ret, struct error *err)
{
	struct sup_summary sum;
	struct sup_state s;
	uint64_t last_reap;
	int r;

	memset(&sum, 0, sizeof(sum));
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.listener = listener;
	s.child = child;
	s.child_pidfd = -1;
	s.root_fd = -1;
	s.sock_listen = s.approver = s.tty = -1;
	s.slow_pipe[0] = s.slow_pipe[1] = -1;
	s.sum = &sum;

	r = setup(&s, err);
	if (r < 0)
		goto out;
	last_reap = sup_now_ns();
	for (;;) {
		struct pollfd fds[8];
		uint64_t now = sup_now_ns(), next;
		int n = 0, timeout = -1, i_listener = -1, i_child = -1, i_slow = -1, i_net = -1, i_done = -1, nb;

		if (!s.listener_hup) {
			i_listener = n;
			fds[n++] = (struct pollfd){ .fd = s.listener, .events = POLLIN };
		}
		if (s.child_pidfd >= 0) {
			i_child = n;
			fds[n++] = (struct pollfd){ .fd = s.child_pidfd, .events = POLLIN };
		}
		if (s.slow_running > 0) {
			i_slow = n;
			fds[n++] = (struct pollfd){ .fd = s.slow_pipe[0], .events = POLLIN };
		}
		if (c->net_fd >= 0 && !s.net_hup) {
			i_net = n;
			fds[n++] = (struct pollfd){ .fd = c->net_fd, .events = POLLIN };
		}
		if (c->sandbox_done_fd >= 0) {
			i_done = n;
			fds[n++] = (struct pollfd){ .fd = c->sandbox_done_fd, .events = POLLIN };
		}
		nb = sup_backend_pollfds(&s, fds + n, (int)ELEMENTSOF(fds) - n);
		next = sup_backend_timeouts(&s, now);
		if (next)
			timeout = (int)((next - now) / 1000000ull) + 1;
		/* Orphans (we are a subreaper) and a child without a pidfd
		 * are found by looking now and then. */
		if ((s.c->reap_orphans || (s.child_pidfd < 0 && !s.child_reaped)) &&
		    (timeout < 0 || timeout > ORPHAN_TICK_MS))
			timeout = ORPHAN_TICK_MS;
		if (((s.listener_hup && s.child_reaped) || s.sandbox_done) && s.slow_running == 0)
			break;
		if (poll(fds, (nfds_t)(n + nb), timeout) < 0) {
			if (errno == EINTR)
				continue;
			r = error_set(err, errno, "the supervisor cannot poll: %s", strerror(errno));
			goto out;
		}
		if (i_listener >= 0 && (fds[i_listener].revents & POLLIN))
			receive(&s);
		else if (i_listener >= 0 && (fds[i_listener].revents & (POLLHUP | POLLERR | POLLNVAL)))
			s.listener_hup = true; /* every process using the filter is gone */
		if (i_done >= 0 && fds[i_done].revents)
			s.sandbox_done = true;
		if (i_slow >= 0 && (fds[i_slow].revents & POLLIN))
			sup_slow_collect(&s);
		if (i_net >= 0 && fds[i_net].revents && sup_net_question(&s) == -EPIPE)
			s.net_hup = true; /* the proxy is gone */
		if (nb > 0)
			sup_backend_events(&s, fds + n, nb);
		/* Reap when the child's pidfd says so, and now and then for
		 * orphans or without a pidfd: not on every notification. */
		now = sup_now_ns();
		if ((i_child >= 0 && (fds[i_child].revents & POLLIN)) ||
		    ((s.c->reap_orphans || (s.child_pidfd < 0 && !s.child_reaped)) &&
		     now - last_reap >= ORPHAN_TICK_MS * 1000000ull)) {
			reap(&s);
			last_reap = now;
		}
		if (s.listener_hup && !s.child_reaped && s.child_pidfd < 0 && !s.c->reap_orphans)
			reap(&s);
	}
	r = 0;
out:
	summary_top(&s);
	teardown(&s);
	if (ret)
		*ret = sum;
	return r;
}
