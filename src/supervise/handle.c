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
	POLICY_ACCESS_READ,     POLICY_ACCESS_WRITE, POLICY_ACCESS_CREATE,       POLICY_ACCESS_DELETE,
	POLICY_ACCESS_TRUNCATE, POLICY_ACCESS_EXEC,  POLICY_ACCESS_UNIX_CONNECT,
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
		POLICY_ACCESS_UNIX_CONNECT, POLICY_ACCESS_EXEC,  POLICY_ACCESS_CREATE, POLICY_ACCESS_DELETE,
		POLICY_ACCESS_TRUNCATE,     POLICY_ACCESS_WRITE, POLICY_ACCESS_READ,
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
		POLICY_ACCESS_READ, POLICY_ACCESS_WRITE, POLICY_ACCESS_TRUNCATE, POLICY_ACCESS_EXEC, POLICY_ACCESS_UNIX_CONNECT,
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

/* ---- settling: the one place a notification is answered ---------------------- */

struct sup_step sup_step(enum sup_step_kind kind, int err, const char *reason)
{
	return (struct sup_step){ .kind = kind, .err = err, .reason = reason };
}

struct sup_step sup_step_emulated(int e, const char *reason)
{
	if (e == -ENOENT)
		return sup_step(SUP_STEP_VANISHED, 0, NULL);
	if (e == -EINPROGRESS)
		return sup_step(SUP_STEP_PARKED, 0, NULL);
	return sup_step(SUP_STEP_DONE, e, reason);
}

void sup_settle(struct sup_state *s, struct sup_req *r, struct sup_step st)
{
	enum sup_action act = SUP_ACTION_DENY;
	bool allow = true;
	int w = 0;

	switch (st.kind) {
	case SUP_STEP_FAIL:
		/* The call fails on its own (ENOENT, EEXIST...): in exact mode
		 * the kernel says so itself (the same verdict whatever a race
		 * does); otherwise we do. Not a denial: no decision was
		 * needed. */
		if (s->c->landlock_exact && !s->c->inexact && sup_ops[r->call.op].kernel_mediated) {
			(void)snprintf(r->why, sizeof(r->why), "the call fails on its own here (%s); the kernel answers",
				       errno_name(st.err));
			act = SUP_ACTION_CONTINUE;
			st.err = 0;
			w = sup_respond_continue(s, r->id);
		} else {
			(void)snprintf(r->why, sizeof(r->why), "the call fails on its own (%s)", errno_name(st.err));
			act = SUP_ACTION_FAIL;
			w = sup_respond_error(s, r->id, st.err);
		}
		st.reason = r->why;
		break;
	case SUP_STEP_CONTINUE:
		act = SUP_ACTION_CONTINUE;
		w = sup_respond_continue(s, r->id);
		break;
	case SUP_STEP_DENY:
		allow = false;
		/* err 0: refused by answering "nothing" (an empty list). */
		w = st.err ? sup_respond_error(s, r->id, st.err) : sup_respond_value(s, r->id, 0);
		break;
	case SUP_STEP_DONE:
		act = SUP_ACTION_EMULATE; /* answered as it was performed */
		break;
	case SUP_STEP_VANISHED:
		w = -ENOENT;
		break;
	case SUP_STEP_PARKED:
		break;
	case SUP_STEP_NEXT:
	case SUP_STEP_AGAIN:
		allow = false;
		st = sup_step(SUP_STEP_DENY, EACCES, "internal error: no answer");
		w = sup_respond_error(s, r->id, EACCES);
		break;
	}
	if (w == -ENOENT)
		s->sum->vanished++;
	else if (st.kind != SUP_STEP_PARKED)
		sup_finish(s, r, act, allow, st.err, st.reason);
	sup_unpin(r);
}

/* ---- the steps of one decision: pin -> decide -> choose -> act ---------------- */

/* Pin: the operands in the program's view. */
static struct sup_step pin_step(struct sup_state *s, struct sup_req *r)
{
	const struct sup_op_row *row = &sup_ops[r->call.op];
	struct sup_step st;
	int e;

	if (row->address) {
		st = row->address(s, r);
		if (st.kind != SUP_STEP_NEXT)
			return st;
	}
	e = sup_pin(s, r);
	if (e == -ELOOP) {
		/* procfs: /proc/self names the supervisor from here. The path
		 * is pinned as the program sees it (its own /proc, the object
		 * behind its descriptor) and decided like any other, so that
		 * the event says what the kernel will do. */
		e = row->procfs ? sup_pin_procfs(s, r) : EACCES;
		if (e == EACCES)
			return sup_step(SUP_STEP_DENY, EACCES, "a magic link or procfs path the supervisor does not follow");
	}
	if (e == -EMLINK)
		return sup_step(SUP_STEP_DENY, EACCES,
				"creating a file through a dangling symlink is refused under supervision");
	if (e == -ENOENT)
		return sup_step(SUP_STEP_VANISHED, 0, NULL);
	if (e)
		return sup_step(SUP_STEP_FAIL, e, NULL);
	if (r->proc_foreign) {
		/* What Landlock's ptrace rule refuses in the kernel, refused
		 * here too (the supervisor never opens it for the program):
		 * said in the events, not asked about nor summarized, since no
		 * answer could grant it and ps meets it for every process. */
		r->quiet = true;
		r->access_name = access_label(r, primary_access(r->obj[0].acc));
		return sup_step(SUP_STEP_DENY, EACCES,
				"the /proc entry of a process outside the sandbox: refused, as Landlock's ptrace rule "
				"refuses it");
	}
	/* The approval socket may lie where the program may write (a path in
	 * the project): whatever the profile says, connecting there would let
	 * the program answer its own questions. */
	if (r->call.op == SUP_OP_CONNECT && s->socket_created && r->obj[0].stated &&
	    r->obj[0].dev == s->sock_dev && r->obj[0].ino == s->sock_ino) {
		r->access_name = "connect";
		return sup_step(SUP_STEP_DENY, EACCES,
				"latch's own approval socket: a program that answered there would grant itself anything");
	}
	return sup_step(SUP_STEP_NEXT, 0, NULL);
}

/* What the profile and the grants say about the pinned operands. */
struct verdict {
	unsigned denied;          /* accesses the profile denies */
	unsigned ungranted;       /* of those, not covered by a grant */
	bool missing;             /* an allow from a rule not in the kernel's ruleset */
	bool truncate_unenforced; /* truncating, and Landlock does not handle it */
};

static struct sup_step decide_step(struct sup_state *s, struct sup_req *r, struct verdict *v)
{
	bool refer = false;

	*v = (struct verdict){ 0 };
	for (unsigned i = 0; i < 2; i++) {
		struct sup_obj *o = &r->obj[i];

		if (o->fd < 0 && !o->real[0])
			continue;
		decide_obj(s, r, o);
		if (o->acc & BIT(POLICY_ACCESS_TRUNCATE) && !s->truncate_enforced)
			v->truncate_unenforced = true;
		v->missing |= o->rule_missing;
		v->denied |= o->denied;
		v->ungranted |= o->denied & ~o->granted;
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
	if (!v->ungranted && r->call.op == SUP_OP_LINK)
		refer = refer_violation(s, r->obj[0].real, r->obj[1].real);
	else if (!v->ungranted && r->call.op == SUP_OP_RENAME)
		refer = refer_violation(s, r->obj[0].real, r->obj[1].real) ||
			((r->call.flags & RENAME_EXCHANGE) && refer_violation(s, r->obj[1].real, r->obj[0].real));
	if (refer)
		return sup_step(SUP_STEP_DENY, EXDEV,
				"the new name would give rights on the file that the old one does not (Landlock's refer "
				"rule)");
	return sup_step(SUP_STEP_NEXT, 0, NULL);
}

/* The action for the verdict (sup_action_for), and who decided. */
static enum sup_action choose(struct sup_state *s, struct sup_req *r, const struct verdict *v,
			      struct sup_action_in *in, const char **why)
{
	const struct sup_config *c = s->c;
	const struct sup_op_row *row = &sup_ops[r->call.op];
	enum sup_action act;

	*in = (struct sup_action_in){
		.profile_allows = v->denied == 0,
		.kernel_enforces = c->landlock_exact && !((r->obj[0].acc | r->obj[1].acc) & c->inexact) &&
				   row->kernel_mediated && !v->missing && !v->truncate_unenforced,
		.emulable = row->emulate != NULL,
		.grant = SUP_GRANT_NONE,
		.backend = c->backend,
	};
	/* A row whose denials are not there for the program: never asked
	 * about nor summarized. */
	if (v->ungranted && row->quiet_denial) {
		in->backend = SUP_BACKEND_DENY;
		r->quiet = true;
	}
	/* What tools write as a matter of course is never asked about, nor
	 * summarized: only writing, so that a read of the same file (a
	 * history) is still decided out loud. */
	if (v->ungranted && !(v->denied & (BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_EXEC))) &&
	    quiet_covers(c->policy, r->obj[r->access_obj].real, v->denied == BIT(POLICY_ACCESS_CREATE))) {
		in->backend = SUP_BACKEND_DENY;
		r->quiet = true;
	}
	if (v->denied && !v->ungranted) {
		in->grant = r->n_once ? SUP_GRANT_ANSWER : SUP_GRANT_SESSION;
		if (!r->granted_how)
			r->granted_how = r->owned ? "owned: the program created it under a scratch rule" : "session";
		r->decided_by = r->n_once ? r->decided_by : "session";
	} else if (v->denied && r->refused) {
		in->grant = SUP_GRANT_REFUSED;
	}
	act = sup_action_for(in, why);
	if (!v->denied)
		r->decided_by = "profile";
	else if (in->grant == SUP_GRANT_NONE && c->backend == SUP_BACKEND_ALLOW)
		r->decided_by = "backend";
	else if (in->grant == SUP_GRANT_NONE)
		r->decided_by = "profile";
	if (in->grant == SUP_GRANT_REFUSED) {
		*why = r->refused_why ? r->refused_why : *why;
		r->decided_by = r->refused_by ? r->refused_by : "user";
	}
	return act;
}

/* Refuse r without asking: the approver's answer for this call. */
static struct sup_step refuse_unasked(struct sup_req *r, const char *by, const char *why)
{
	r->refused = true;
	r->refused_by = by;
	r->refused_why = why;
	return sup_step(SUP_STEP_AGAIN, 0, NULL);
}

static struct sup_step act_step(struct sup_state *s, struct sup_req *r, enum sup_action act,
				const struct sup_action_in *in, const struct verdict *v, const char *why)
{
	const struct sup_op_row *row = &sup_ops[r->call.op];
	int e;

	/* The supervisor answers itself from here on (unless continued): what
	 * the file's type makes fail comes first, as in the kernel. */
	if (act != SUP_ACTION_CONTINUE) {
		e = sup_open_checks(r);
		if (e)
			return sup_step(SUP_STEP_FAIL, e, NULL);
	}
	switch (act) {
	case SUP_ACTION_CONTINUE:
		return sup_step(SUP_STEP_CONTINUE, 0, why);
	case SUP_ACTION_EMULATE:
		if (in->grant == SUP_GRANT_NONE && v->denied && s->c->backend == SUP_BACKEND_ALLOW) {
			s->sum->granted++;
			r->granted_how = "backend: allow";
		}
		e = sup_emulate(s, r);
		if (e == 0)
			note_owned(s, r);
		return sup_step_emulated(e, why);
	case SUP_ACTION_DENY:
		if (row->quiet_denial && in->grant == SUP_GRANT_NONE)
			return sup_step(SUP_STEP_DENY, r->call.xlist ? 0 : row->deny_errno, row->quiet_denial);
		return sup_step(SUP_STEP_DENY, row->deny_errno,
				r->quiet && in->grant == SUP_GRANT_NONE
					? "denied by the profile, quietly: state a tool writes as a matter of course "
					  "(filesystem.deny_quietly), not asked about nor summarized"
					: why);
	case SUP_ACTION_ASK:
		if (r->questions >= QUESTIONS_PER_REQUEST)
			return refuse_unasked(r, "supervisor", "denied by the profile; too many questions for one call");
		if (!sup_ratelimit_take(&s->rl, sup_now_ns())) {
			s->sum->rate_limited++;
			return refuse_unasked(r, "backend",
					      "denied by the profile; over the question rate limit, nobody was asked");
		}
		r->questions++;
		s->sum->asked++;
		sup_unpin(r);
		/* Parked until the answer or the timeout, or answered at once:
		 * decided again. */
		return sup_ask(s, r) == 1 ? sup_step(SUP_STEP_PARKED, 0, NULL) : sup_step(SUP_STEP_AGAIN, 0, NULL);
	case SUP_ACTION_FAIL:
	case _SUP_ACTION_MAX:
		break;
	}
	return sup_step(SUP_STEP_DENY, EACCES, "internal error: no action");
}

/* One pass: pin, decide, choose, act. */
static struct sup_step decide_once(struct sup_state *s, struct sup_req *r)
{
	struct sup_action_in in;
	struct verdict v;
	struct sup_step st;
	enum sup_action act;
	const char *why;

	sup_unpin(r);
	r->access_obj = 0;
	r->access_name = NULL;
	r->note = NULL;
	st = pin_step(s, r);
	if (st.kind != SUP_STEP_NEXT)
		return st;
	st = decide_step(s, r, &v);
	if (st.kind != SUP_STEP_NEXT)
		return st;
	act = choose(s, r, &v, &in, &why);
	return act_step(s, r, act, &in, &v, why);
}

/* Decide r until it is answered or parked. r's arguments have been
 * fetched. Used for fresh requests and for requests resumed after an
 * answer. */
static void process(struct sup_state *s, struct sup_req *r)
{
	struct sup_step st;

	do
		st = decide_once(s, r);
	while (st.kind == SUP_STEP_AGAIN);
	sup_settle(s, r, st);
}

void sup_resume(struct sup_state *s, struct sup_req *r)
{
	if (!sup_id_valid(s, r->id)) {
		sup_settle(s, r, sup_step(SUP_STEP_VANISHED, 0, NULL));
		return;
	}
	process(s, r);
}

/* A fresh notification. */
void sup_handle(struct sup_state *s)
{
	struct sup_req *r = s->cur;
	const struct sup_op_row *row;
	struct sup_step st;
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
	r->tmpfile = false;
	r->unreadable = false;
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
		sup_settle(s, r,
			   sup_step(SUP_STEP_DENY, -e,
				    e == -ENOSYS ? "not a system call the supervisor handles" : "invalid arguments"));
		return;
	}
	/* For the events: the program (read now, it may be gone when the
	 * event is written) and the thread group of a thread. */
	r->exe[0] = '\0';
	r->n_argv = 0;
	r->ppid = 0;
	if (s->c->events_fd >= 0 || ((s->c->on_event || (s->c->on_exec && r->call.op == SUP_OP_EXEC)) &&
				      !s->observer_full)) {
		if (sup_target_who(s, r) && !sup_id_valid(s, r->id)) {
			sup_settle(s, r, sup_step(SUP_STEP_VANISHED, 0, NULL));
			return;
		}
	}
	row = &sup_ops[r->call.op];
	st = row->screen ? row->screen(s, r) : sup_step(SUP_STEP_NEXT, 0, NULL);
	if (st.kind != SUP_STEP_NEXT) {
		sup_settle(s, r, st);
		return;
	}
	e = sup_fetch_args(s, r);
	if (e && r->unreadable) {
		/* Its arguments cannot be known: the kernel decides where it
		 * enforces the profile exactly; otherwise refused. */
		sup_settle(s, r,
			   s->c->landlock_exact && !s->c->inexact && row->kernel_mediated
				   ? sup_step(SUP_STEP_CONTINUE, 0,
					      "the program made itself non-dumpable, so its arguments cannot be read; "
					      "the kernel enforces the profile exactly")
				   : sup_step(SUP_STEP_DENY, row->deny_errno,
					      "the program made itself non-dumpable, so its arguments cannot be read and "
					      "the call is refused"));
		return;
	}
	if (e) {
		sup_settle(s, r, e == -ENOENT ? sup_step(SUP_STEP_VANISHED, 0, NULL) : sup_step(SUP_STEP_FAIL, e, NULL));
		return;
	}
	/* Before the answer: once the kernel performs it, the memory is the
	 * new program's. */
	if (r->call.op == SUP_OP_EXEC && s->c->on_exec && !s->observer_full && sup_target_exec_args(s, r) < 0) {
		sup_settle(s, r, sup_step(SUP_STEP_VANISHED, 0, NULL));
		return;
	}
	r->tmpfile = r->call.op == SUP_OP_OPEN && (r->call.flags & __O_TMPFILE) == __O_TMPFILE;
	process(s, r);
}
