/* Deciding one notification: read and pin its arguments, ask the decision
 * engine and the session's grants, then continue, deny, ask a backend or
 * emulate, and record the event. Split from serve.c, which sets the
 * supervisor up and runs the loop. */
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "supervise/sup-serve.h"

#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

#define QUESTIONS_PER_REQUEST 3 /* rename/link may need two; then deny */

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

/* Whether a deny_quietly rule covers path, or (creating only) lies below
 * it: a tool making the directories on the way to its state. */
static bool quiet_covers(const struct policy *p, const char *path, bool creating)
{
	for (size_t i = 0; path[0] == '/' && i < p->n_rules; i++)
		if (p->rules[i].quiet &&
		    (path_has_prefix(path, p->rules[i].path) || (creating && path_has_prefix(p->rules[i].path, path))))
			return true;
	return false;
}

/* Whether path is, or lies in, an entry the program created under a
 * scratch rule. */
static bool owned_covers(const struct sup_state *s, const char *path)
{
	for (size_t i = 0; i < s->n_owned; i++)
		if (path_has_prefix(path, s->owned[i]))
			return true;
	return false;
}

/* Decide every access of one object: denied bits, the rule, grants. */
static void decide_obj(struct sup_state *s, struct sup_req *r, struct sup_obj *o)
{
	const struct policy *p = s->c->policy;
	struct policy_decision d;
	bool scratch_create = false;

	o->denied = o->granted = 0;
	o->scratch_create = false;
	o->rule = NULL;
	o->rule_missing = false;
	if (!o->real[0] || o->real[0] != '/')
		return;
	for (size_t i = 0; i < ELEMENTSOF(access_order); i++) {
		struct policy_query q = { .access = access_order[i], .path = o->real, .no_reason = true };

		if (!(o->acc & BIT(access_order[i])))
			continue;
		policy_decide(p, &q, &d);
		if (d.allow && access_order[i] == POLICY_ACCESS_CREATE && d.rule && d.rule->klass == POLICY_CLASS_SCRATCH)
			scratch_create = true;
		if (!d.allow) {
			if (!o->denied)
				o->rule = d.rule;
			o->denied |= BIT(access_order[i]);
		} else {
			if (!o->denied)
				o->rule = d.rule;
			/* Not in the kernel's ruleset: performed, not continued. */
			if (d.rule && s->rule_missing && s->rule_missing[d.rule - p->rules])
				o->rule_missing = true;
		}
	}
	o->scratch_create = scratch_create;
	if (!o->denied)
		return;
	if (once_covers(r, o->real, o->denied) || sup_grant_covers(s, o->real, o->denied)) {
		o->granted = o->denied;
	} else if (owned_covers(s, o->real)) {
		o->granted = o->denied;
		r->owned = true;
	} else if (scratch_create && !(o->denied & ~(BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_WRITE) |
						      BIT(POLICY_ACCESS_TRUNCATE)))) {
		/* A new file under a scratch rule is the program's own as it
		 * is made: what the same open asks besides creating it comes
		 * with it (made O_EXCL, so that it is really new). */
		o->granted = o->denied;
		r->owned = true;
		r->scratch_new = true;
	}
}

/* After a creation performed here: an entry made under a scratch rule is
 * the program's own from now on. */
static void note_owned(struct sup_state *s, const struct sup_req *r)
{
	for (unsigned i = 0; i < 2; i++) {
		const struct sup_obj *o = &r->obj[i];

		if (!(o->acc & BIT(POLICY_ACCESS_CREATE)) || !o->scratch_create ||
		    o->real[0] != '/' || owned_covers(s, o->real) || s->n_owned == SUP_GRANTS_MAX)
			continue;
		(void)snprintf(s->owned[s->n_owned++], PATH_MAX, "%s", o->real);
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

	if (s->c->landlock_exact && !s->c->inexact && sup_op_kernel_mediated(r->call.op)) {
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
		/* procfs: /proc/self names the supervisor from here. The path
		 * is pinned as the program sees it (its own /proc, the object
		 * behind its descriptor) and decided like any other below, so
		 * that the event says what the kernel will do. */
		switch (r->call.op) {
		case SUP_OP_OPEN:
		case SUP_OP_EXEC:
		case SUP_OP_CHMOD:
		case SUP_OP_CHOWN:
		case SUP_OP_UTIME:
		case SUP_OP_XATTR:
			e = sup_pin_procfs(s, r);
			break;
		case SUP_OP_MKDIR:
		case SUP_OP_MKNOD:
		case SUP_OP_UNLINK:
		case SUP_OP_RENAME:
		case SUP_OP_LINK:
		case SUP_OP_SYMLINK:
		case SUP_OP_TRUNCATE:
		case SUP_OP_CONNECT:
		case SUP_OP_BIND:
		case SUP_OP_CHROOT:
		case SUP_OP_SETNS:
		case _SUP_OP_MAX:
			e = EACCES;
			break;
		}
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

	if (r->proc_foreign) {
		/* What Landlock's ptrace rule refuses in the kernel, refused
		 * here too (the supervisor never opens it for the program):
		 * said in the events, not asked about nor summarized, since no
		 * answer could grant it and ps meets it for every process. */
		r->quiet = true;
		r->access_name = access_label(r, primary_access(r->obj[0].acc));
		deny(s, r, EACCES, "the /proc entry of a process outside the sandbox: refused, as Landlock's "
				   "ptrace rule refuses it");
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
		.kernel_enforces = c->landlock_exact && !((r->obj[0].acc | r->obj[1].acc) & c->inexact) &&
				   sup_op_kernel_mediated(r->call.op) && !missing &&
				   !truncate_unenforced,
		.emulable = r->call.op != SUP_OP_EXEC,
		.grant = SUP_GRANT_NONE,
		.backend = c->backend,
	};
	/* What tools write as a matter of course is never asked about, nor
	 * summarized: only writing, so that a read of the same file (a
	 * history) is still decided out loud. */
	if (ungranted && !(denied & (BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_EXEC))) &&
	    quiet_covers(c->policy, r->obj[r->access_obj].real, denied == BIT(POLICY_ACCESS_CREATE))) {
		in.backend = SUP_BACKEND_DENY;
		r->quiet = true;
	}
	if (denied && !ungranted) {
		in.grant = r->n_once ? SUP_GRANT_ANSWER : SUP_GRANT_SESSION;
		if (!r->granted_how)
			r->granted_how = r->owned ? "owned: the program created it under a scratch rule" : "session";
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
		if (e == 0)
			note_owned(s, r);
		if (e == -ENOENT)
			s->sum->vanished++;
		else if (e != -EINPROGRESS)
			sup_finish(s, r, SUP_ACTION_EMULATE, true, e, why);
		break;
	case SUP_ACTION_DENY:
		deny(s, r, sup_op_deny_errno(r->call.op),
		     r->quiet && in.grant == SUP_GRANT_NONE
			     ? "denied by the profile, quietly: state a tool writes as a matter of course "
			       "(filesystem.deny_quietly), not asked about nor summarized"
			     : why);
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
void sup_handle(struct sup_state *s)
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
	r->proc_foreign = false;
	r->quiet = false;
	r->owned = false;
	r->scratch_new = false;
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
	/* futimens: utimensat with no path acts on a descriptor the program
	 * opened under the rules (an O_PATH one is refused by the kernel). */
	if (r->call.op == SUP_OP_UTIME && !r->call.path[0].addr) {
		cont(s, r, "utimensat on a descriptor the program holds: no path to decide");
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
