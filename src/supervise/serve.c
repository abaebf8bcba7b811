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
#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

#define BIT(a) (1u << (a))
#define EVENT_BUF_SIZE (8 * PATH_MAX + 8192) /* four paths, fully escaped, and the rest */
#define ORPHAN_TICK_MS 100
#define QUESTIONS_PER_REQUEST 3 /* rename/link may need two; then deny */

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

static void write_all(struct sup_state *s, const char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(s->c->events_fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->sum->events_failed++;
			return;
		}
		done += (size_t)n;
	}
	s->sum->events_written++;
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
		s->sum->denied++;
		count_denied(s, dec->real[0] ? dec->real : r->path[r->access_obj]);
		break;
	}
	if (s->c->events_fd < 0)
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
	write_all(s, s->evbuf, (size_t)n);
}

/* ---- deciding ------------------------------------------------------------------- */

static const enum policy_access access_order[] = {
	POLICY_ACCESS_READ,   POLICY_ACCESS_WRITE,    POLICY_ACCESS_CREATE,
	POLICY_ACCESS_DELETE, POLICY_ACCESS_TRUNCATE, POLICY_ACCESS_EXEC,
};

static const char *access_label(const struct sup_req *r, enum policy_access a)
{
	if (r->call.op == SUP_OP_CONNECT && r->sock_domain == AF_UNIX)
		return "connect";
	if (r->call.op == SUP_OP_BIND && r->sock_domain == AF_UNIX)
		return "bind";
	return policy_access_name(a);
}

/* The most telling access of a set, for events of allowed calls. */
static enum policy_access primary_access(unsigned acc)
{
	static const enum policy_access prio[] = {
		POLICY_ACCESS_EXEC,     POLICY_ACCESS_CREATE, POLICY_ACCESS_DELETE,
		POLICY_ACCESS_TRUNCATE, POLICY_ACCESS_WRITE,  POLICY_ACCESS_READ,
	};

	for (size_t i = 0; i < ELEMENTSOF(prio); i++)
		if (acc & BIT(prio[i]))
			return prio[i];
	return POLICY_ACCESS_READ;
}

static bool once_covers(const struct sup_req *r, const char *path, unsigned acc)
{
	for (unsigned i = 0; i < r->n_once; i++)
		if ((r->once[i].acc & acc) == acc && strcmp(r->once[i].path, path) == 0)
			return true;
	return false;
}

/* Decide every access of one object: denied bits, the rule, grants. */
static void decide_obj(struct sup_state *s, struct sup_req *r, struct sup_obj *o)
{
	const struct policy *p = s->c->policy;
	struct policy_decision d;

	o->denied = o->granted = 0;
	o->rule = NULL;
	o->rule_missing = false;
	if (!o->real[0] || o->real[0] != '/')
		return;
	for (size_t i = 0; i < ELEMENTSOF(access_order); i++) {
		struct policy_query q = { .access = access_order[i], .path = o->real, .no_reason = true };

		if (!(o->acc & BIT(access_order[i])))
			continue;
		policy_decide(p, &q, &d);
		if (!d.allow) {
			if (!o->denied)
				o->rule = d.rule;
			o->denied |= BIT(access_order[i]);
		} else {
			if (!o->denied)
				o->rule = d.rule;
			if (d.rule && s->rule_missing && s->rule_missing[d.rule - p->rules])
				o->rule_missing = true;
		}
	}
	if (o->denied) {
		if (once_covers(r, o->real, o->denied))
			o->granted = o->denied;
		else if (sup_grant_covers(s, o->real, o->denied))
			o->granted = o->denied;
	}
}

/* Landlock's REFER rule for links and renames: the new name may not give
 * rights on the file that the old one did not. */
static bool refer_violation(struct sup_state *s, const char *old, const char *new)
{
	static const enum policy_access rights[] = {
		POLICY_ACCESS_READ, POLICY_ACCESS_WRITE, POLICY_ACCESS_TRUNCATE, POLICY_ACCESS_EXEC,
	};
	struct policy_decision dn, dold;

	for (size_t i = 0; i < ELEMENTSOF(rights); i++) {
		struct policy_query qn = { .access = rights[i], .path = new };
		struct policy_query qo = { .access = rights[i], .path = old };

		policy_decide(s->c->policy, &qn, &dn);
		if (!dn.allow)
			continue;
		policy_decide(s->c->policy, &qo, &dold);
		if (!dold.allow)
			return true;
	}
	return false;
}

static void deny(struct sup_state *s, struct sup_req *r, int err, const char *reason)
{
	if (sup_respond_error(s, r->id, err) == -ENOENT) {
		s->sum->vanished++;
		return;
	}
	sup_finish(s, r, SUP_ACTION_DENY, false, err, reason);
}

static void cont(struct sup_state *s, struct sup_req *r, const char *reason)
{
	if (sup_respond_continue(s, r->id) == -ENOENT) {
		s->sum->vanished++;
		return;
	}
	sup_finish(s, r, SUP_ACTION_CONTINUE, true, 0, reason);
}

/* The call fails on its own (ENOENT, EEXIST...): in exact mode the kernel
 * says so itself (the same verdict whatever a race does); otherwise we do. */
static void fail_by_itself(struct sup_state *s, struct sup_req *r, int err)
{
	static __thread char why[128];

	if (s->c->landlock_exact && sup_op_kernel_mediated(r->call.op)) {
		(void)snprintf(why, sizeof(why), "the call fails on its own here (%s); the kernel answers",
			       errno_name(err));
		cont(s, r, why);
		return;
	}
	(void)snprintf(why, sizeof(why), "the call fails on its own (%s)", errno_name(err));
	if (sup_respond_error(s, r->id, err) == -ENOENT) {
		s->sum->vanished++;
		return;
	}
	/* Not a denial: no decision was needed. */
	sup_finish(s, r, SUP_ACTION_FAIL, true, err, why);
}

/* Socket calls: what the address asks for. Returns 1 when r is finished
 * here, 0 to go on deciding r->obj[0] (a pathname), or -ENOENT. */
static int socket_stage(struct sup_state *s, struct sup_req *r)
{
	struct sup_call *c = &r->call;
	const struct sockaddr_un *un = (const struct sockaddr_un *)&r->addr;
	sa_family_t fam = r->addr.ss_family;
	size_t plen;
	int e;

	e = sup_socket_prepare(s, r);
	if (e == -ENOENT)
		return -ENOENT;
	if (e) {
		fail_by_itself(s, r, e);
		return 1;
	}
	if (r->sock_domain != AF_UNIX) {
		struct policy_decision d;
		struct policy_query q = { .access = c->op == SUP_OP_CONNECT ? POLICY_ACCESS_TCP_CONNECT
									      : POLICY_ACCESS_TCP_BIND };
		int type = 0;
		socklen_t tl = sizeof(type);

		/* TCP ports are decided here; the supervisor performs the
		 * call on the program's own socket, so a descriptor swapped
		 * in by another thread cannot turn a continued call into an
		 * unchecked one. */
		(void)getsockopt(r->sock, SOL_SOCKET, SO_TYPE, &type, &tl);
		if ((fam == AF_INET || fam == AF_INET6) && type == SOCK_STREAM &&
		    r->addrlen >= sizeof(struct sockaddr_in)) {
			q.port = ntohs(((const struct sockaddr_in *)&r->addr)->sin_port);
			policy_decide(s->c->policy, &q, &d);
			r->access_name = policy_access_name(q.access);
			if (!d.allow) {
				deny(s, r, EACCES, d.reason);
				return 1;
			}
		}
		e = sup_emulate(s, r);
		if (e == -ENOENT)
			s->sum->vanished++;
		else if (e != -EINPROGRESS)
			sup_finish(s, r, SUP_ACTION_EMULATE, true, e, "not a Unix socket: performed by the supervisor "
									    "on the program's own socket");
		return 1;
	}
	/* AF_UNIX from here on. */
	r->access_name = c->op == SUP_OP_CONNECT ? "connect" : "bind";
	if (fam != AF_UNIX) {
		if (fam == AF_UNSPEC && c->op == SUP_OP_CONNECT) {
			e = sup_emulate(s, r);
			if (e == -ENOENT)
				s->sum->vanished++;
			else if (e != -EINPROGRESS)
				sup_finish(s, r, SUP_ACTION_EMULATE, true, e, "dissolving an association");
			return 1;
		}
		fail_by_itself(s, r, EINVAL);
		return 1;
	}
	plen = r->addrlen - offsetof(struct sockaddr_un, sun_path);
	if (r->addrlen <= offsetof(struct sockaddr_un, sun_path) || un->sun_path[0] == '\0') {
		struct policy_decision d;
		struct policy_query q = { .access = POLICY_ACCESS_ABSTRACT_UNIX };

		/* Abstract (or unnamed/autobind): Landlock's scoping decides
		 * who is reachable; the supervisor cannot judge the listener's
		 * domain, so an open scope is performed here, a scoped one is
		 * left to the kernel. */
		policy_decide(s->c->policy, &q, &d);
		if (c->op == SUP_OP_BIND || d.allow) {
			e = sup_emulate(s, r);
			if (e == -ENOENT)
				s->sum->vanished++;
			else if (e != -EINPROGRESS)
				sup_finish(s, r, SUP_ACTION_EMULATE, true, e, "abstract or unnamed Unix socket");
			return 1;
		}
		cont(s, r, "abstract Unix socket: Landlock's scope decides which listeners are reachable");
		return 1;
	}
	/* A pathname: the same as any other path from here. */
	if (plen >= sizeof(r->path[0]))
		plen = sizeof(r->path[0]) - 1;
	memcpy(r->path[0], un->sun_path, plen);
	r->path[0][plen] = '\0';
	c->path[0] = (struct sup_path_arg){ .present = true, .dirfd = AT_FDCWD };
	return 0;
}

static int pin_socket_path(struct sup_state *s, struct sup_req *r)
{
	struct sup_obj *o = &r->obj[0];
	int e;

	/* Reuse the path pinning of open (connect) and mknod (bind). */
	if (r->call.op == SUP_OP_CONNECT) {
		enum sup_op op = r->call.op;
		uint64_t flags = r->call.flags;

		r->call.op = SUP_OP_OPEN;
		r->call.flags = O_PATH;
		e = sup_pin(s, r);
		r->call.op = op;
		r->call.flags = flags;
		if (e)
			return e == ENOENT ? ENOENT : e;
		e = sup_obj_stat(o);
		if (e)
			return e;
		if (o->type != S_IFSOCK)
			return ECONNREFUSED;
		o->acc = BIT(POLICY_ACCESS_WRITE);
		return 0;
	}
	{
		enum sup_op op = r->call.op;

		r->call.op = SUP_OP_MKNOD;
		e = sup_pin(s, r);
		r->call.op = op;
		if (e == EEXIST)
			return EADDRINUSE;
		return e;
	}
}

/* Pin, decide, act. r's arguments have been fetched. Used for fresh
 * requests and for requests resumed after an answer. */
static void process(struct sup_state *s, struct sup_req *r)
{
	const struct sup_config *c = s->c;
	struct sup_action_in in;
	const char *why;
	bool refer, missing, truncate_unenforced;
	unsigned denied, ungranted;
	enum sup_action act;
	int e;

again:
	refer = missing = truncate_unenforced = false;
	denied = ungranted = 0;
	sup_unpin(r);
	r->access_obj = 0;
	r->access_name = NULL;
	r->note = NULL;
	if (r->call.op == SUP_OP_CONNECT || r->call.op == SUP_OP_BIND) {
		e = socket_stage(s, r);
		if (e == -ENOENT)
			s->sum->vanished++;
		if (e)
			goto out;
		e = pin_socket_path(s, r);
	} else {
		e = sup_pin(s, r);
	}
	if (e == -ELOOP) {
		/* procfs: /proc/self names the supervisor from here. */
		if (c->landlock_exact && sup_op_kernel_mediated(r->call.op)) {
			cont(s, r, "a procfs path or magic link: the kernel resolves it in the program's own context "
				   "and enforces the profile exactly");
			goto out;
		}
		if (r->call.op == SUP_OP_OPEN || r->call.op == SUP_OP_EXEC)
			e = sup_pin_procfs(s, r);
		else
			e = EACCES;
		if (e == EACCES) {
			deny(s, r, EACCES, "a magic link or procfs path the supervisor does not follow");
			goto out;
		}
	}
	if (e == -EMLINK) {
		deny(s, r, EACCES, "creating a file through a dangling symlink is refused under supervision");
		goto out;
	}
	if (e == -ENOENT) {
		s->sum->vanished++;
		goto out;
	}
	if (e) {
		fail_by_itself(s, r, e);
		goto out;
	}

	for (unsigned i = 0; i < 2; i++) {
		struct sup_obj *o = &r->obj[i];

		if (o->fd < 0 && !o->real[0])
			continue;
		decide_obj(s, r, o);
		if (o->acc & BIT(POLICY_ACCESS_TRUNCATE) && !s->truncate_enforced)
			truncate_unenforced = true;
		missing |= o->rule_missing;
		denied |= o->denied;
		ungranted |= o->denied & ~o->granted;
		if (o->denied & ~o->granted && !r->access_name) {
			r->access_obj = (int)i;
			for (size_t k = 0; k < ELEMENTSOF(access_order); k++)
				if (o->denied & ~o->granted & BIT(access_order[k])) {
					r->access_name = access_label(r, access_order[k]);
					break;
				}
		}
	}
	if (!r->access_name) {
		unsigned i = r->obj[1].acc && !r->obj[0].acc ? 1 : 0;

		r->access_obj = (int)i;
		r->access_name = r->obj[i].acc ? access_label(r, primary_access(r->obj[i].acc)) : NULL;
	}
	/* Landlock's refer rule, once nothing else denies: what it answers for
	 * the same (EXDEV), so that mv falls back to copy + delete, each of
	 * which is decided again. */
	if (!ungranted && r->call.op == SUP_OP_LINK)
		refer = refer_violation(s, r->obj[0].real, r->obj[1].real);
	else if (!ungranted && r->call.op == SUP_OP_RENAME)
		refer = refer_violation(s, r->obj[0].real, r->obj[1].real) ||
			((r->call.flags & RENAME_EXCHANGE) && refer_violation(s, r->obj[1].real, r->obj[0].real));
	if (refer) {
		deny(s, r, EXDEV, "the new name would give rights on the file that the old one does not "
				  "(Landlock's refer rule)");
		goto out;
	}

	in = (struct sup_action_in){
		.profile_allows = denied == 0,
		.kernel_enforces = c->landlock_exact && sup_op_kernel_mediated(r->call.op) && !missing &&
				   !truncate_unenforced,
		.emulable = r->call.op != SUP_OP_EXEC,
		.grant = SUP_GRANT_NONE,
		.backend = c->backend,
	};
	if (denied && !ungranted) {
		in.grant = r->n_once ? SUP_GRANT_ANSWER : SUP_GRANT_SESSION;
		if (!r->granted_how)
			r->granted_how = "session";
		r->decided_by = r->n_once ? r->decided_by : "session";
	} else if (denied && r->refused) {
		in.grant = SUP_GRANT_REFUSED;
	}
	act = sup_action_for(&in, &why);
	if (!denied)
		r->decided_by = "profile";
	else if (in.grant == SUP_GRANT_NONE && c->backend == SUP_BACKEND_ALLOW)
		r->decided_by = "backend";
	else if (in.grant == SUP_GRANT_NONE)
		r->decided_by = "profile";
	if (in.grant == SUP_GRANT_REFUSED) {
		why = r->refused_why ? r->refused_why : why;
		r->decided_by = r->refused_by ? r->refused_by : "user";
	}

	/* The supervisor answers itself from here on (unless continued): what
	 * the file's type makes fail comes first, as in the kernel. */
	if (act != SUP_ACTION_CONTINUE) {
		e = sup_open_checks(r);
		if (e) {
			fail_by_itself(s, r, e);
			goto out;
		}
	}
	switch (act) {
	case SUP_ACTION_CONTINUE:
		cont(s, r, why);
		break;
	case SUP_ACTION_EMULATE:
		if (in.grant == SUP_GRANT_NONE && denied && c->backend == SUP_BACKEND_ALLOW) {
			s->sum->granted++;
			r->granted_how = "backend: allow";
		}
		e = sup_emulate(s, r);
		if (e == -ENOENT)
			s->sum->vanished++;
		else if (e != -EINPROGRESS)
			sup_finish(s, r, SUP_ACTION_EMULATE, true, e, why);
		break;
	case SUP_ACTION_DENY:
		deny(s, r, sup_op_deny_errno(r->call.op), why);
		break;
	case SUP_ACTION_ASK:
		if (r->questions >= QUESTIONS_PER_REQUEST) {
			r->refused = true;
			r->refused_by = "supervisor";
			r->refused_why = "denied by the profile; too many questions for one call";
			goto again;
		}
		if (!sup_ratelimit_take(&s->rl, sup_now_ns())) {
			s->sum->rate_limited++;
			r->refused = true;
			r->refused_by = "backend";
			r->refused_why = "denied by the profile; over the question rate limit, nobody was asked";
			goto again;
		}
		r->questions++;
		s->sum->asked++;
		sup_unpin(r);
		if (sup_ask(s, r) == 1)
			return; /* parked until the answer or the timeout */
		goto again;
	case SUP_ACTION_FAIL:
	case _SUP_ACTION_MAX:
		deny(s, r, EACCES, "internal error: no action");
		break;
	}
out:
	sup_unpin(r);
}

void sup_resume(struct sup_state *s, struct sup_req *r)
{
	if (!sup_id_valid(s, r->id)) {
		s->sum->vanished++;
		return;
	}
	process(s, r);
}

/* A fresh notification. */
static void handle(struct sup_state *s)
{
	struct sup_req *r = s->cur;
	int e;

	r->id = s->notif->id;
	r->tid = (int)s->notif->pid;
	r->pid = r->tid;
	r->t0_ns = sup_now_ns();
	r->time_unix_ms = unix_time_ms();
	r->data = s->notif->data;
	r->resolve = 0;
	r->n_once = 0;
	r->refused = false;
	r->refused_by = r->refused_why = r->granted_how = r->decided_by = NULL;
	r->access_name = NULL;
	r->access_obj = 0;
	r->note = NULL;
	r->procfs_ok = false;
	r->questions = 0;
	r->sock = -1;
	r->sock_domain = 0;
	r->n_obj = 0;
	for (int i = 0; i < 2; i++) {
		r->obj[i].fd = -1;
		r->obj[i].real[0] = '\0';
		r->obj[i].acc = 0;
		r->obj[i].rule = NULL;
		r->path[i][0] = '\0';
	}
	s->sum->notifications++;

	e = sup_decode(&r->data, &r->call);
	if (e < 0) {
		memset(&r->call, 0, sizeof(r->call));
		r->call.syscall = "unknown";
		deny(s, r, -e, e == -ENOSYS ? "not a system call the supervisor handles" : "invalid arguments");
		return;
	}
	/* For the events: the program (read now, it may be gone when the
	 * event is written) and the thread group of a thread. */
	r->exe[0] = '\0';
	if (s->c->events_fd >= 0) {
		sup_target_exe(r->tid, r->exe, sizeof(r->exe));
		r->pid = sup_target_tgid(r->tid);
		if (!sup_id_valid(s, r->id)) {
			s->sum->vanished++;
			return;
		}
	}
	/* The supervisor resolves absolute paths from the sandbox's root,
	 * opened once: nothing may move it. */
	if (r->call.op == SUP_OP_CHROOT || (r->call.op == SUP_OP_SETNS &&
					     (r->call.nstype == 0 || (r->call.nstype & CLONE_NEWNS)))) {
		if (r->call.op == SUP_OP_CHROOT && sup_fetch_args(s, r) == -ENOENT) {
			s->sum->vanished++;
			return;
		}
		deny(s, r, EPERM, "changing the root or the mount namespace is refused under supervision");
		return;
	}
	if (r->call.op == SUP_OP_SETNS) {
		cont(s, r, "setns into a namespace other than a mount namespace: nothing to enforce here");
		return;
	}
	/* open/openat with O_PATH: the flags are in a register, and an O_PATH
	 * open asks for no access anywhere: nothing to enforce. */
	if (r->call.op == SUP_OP_OPEN && !r->call.how_addr && strcmp(r->call.syscall, "openat2") != 0 &&
	    (r->call.flags & O_PATH)) {
		e = sup_fetch_args(s, r);
		if (e == -ENOENT) {
			s->sum->vanished++;
			return;
		}
		cont(s, r, "O_PATH asks for no access: nothing to enforce");
		return;
	}
	e = sup_fetch_args(s, r);
	if (e == -ENOENT) {
		s->sum->vanished++;
		return;
	}
	if (e) {
		fail_by_itself(s, r, e);
		return;
	}
	if (r->call.op == SUP_OP_OPEN && (r->call.flags & __O_TMPFILE) == __O_TMPFILE)
		r->tmpfile = true;
	else
		r->tmpfile = false;
	process(s, r);
}

/* ---- setup and the loop ---------------------------------------------------------- */

static void mark_missing_rules(struct sup_state *s)
{
	const struct landlock_plan *ll = s->c->landlock;
	const struct policy *p = s->c->policy;

	if (!ll || !p->n_rules)
		return;
	s->rule_missing = calloc(p->n_rules, sizeof(bool));
	if (!s->rule_missing)
		return;
	for (size_t i = 0; i < ll->n_paths; i++) {
		if (!ll->paths[i].missing)
			continue;
		for (size_t k = 0; k < p->n_rules; k++)
			if (p->rules[k].klass != POLICY_CLASS_DENY && strcmp(p->rules[k].path, ll->paths[i].path) == 0)
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
	s->evbuf_size = EVENT_BUF_SIZE;
	s->evbuf = malloc(s->evbuf_size);
	s->denied = calloc(SUP_DENIED_MAX, sizeof(*s->denied));
	s->grants = calloc(SUP_GRANTS_MAX, sizeof(*s->grants));
	s->always = calloc(SUP_GRANTS_MAX, sizeof(*s->always));
	s->pending = calloc(SUP_PENDING_MAX, sizeof(*s->pending));
	if (!s->notif || !s->resp || !s->cur || !s->evbuf || !s->denied || !s->grants || !s->always || !s->pending)
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
	handle(s);
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
	free(s->always);
	free(s->pending);
	free(s->rule_missing);
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
		int n = 0, timeout = -1, i_listener = -1, i_child = -1, i_slow = -1, nb;

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
		nb = sup_backend_pollfds(&s, fds + n, (int)ELEMENTSOF(fds) - n);
		next = sup_backend_timeouts(&s, now);
		if (next)
			timeout = (int)((next - now) / 1000000ull) + 1;
		/* Orphans (we are a subreaper) and a child without a pidfd
		 * are found by looking now and then. */
		if ((s.c->reap_orphans || (s.child_pidfd < 0 && !s.child_reaped)) &&
		    (timeout < 0 || timeout > ORPHAN_TICK_MS))
			timeout = ORPHAN_TICK_MS;
		if (s.listener_hup && s.child_reaped && s.slow_running == 0)
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
		if (i_slow >= 0 && (fds[i_slow].revents & POLLIN))
			sup_slow_collect(&s);
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
