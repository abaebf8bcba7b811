/* Approval backends and grants.
 *
 * socket: latch listens on a Unix socket (mode 0600, removed at exit); one
 * approver at a time connects (SO_PEERCRED: our uid, or root) and gets one
 * JSON line per question, answering with one line per answer. Questions
 * are parked meanwhile: the program's thread waits in the kernel, the loop
 * goes on serving others. Unanswered questions are denied at the timeout.
 *
 * tty: the prompt takes the terminal the way a shell's job control would:
 * stop the program's process group, take the foreground, save the termios
 * and set a sane mode, ask, restore the termios, give the foreground back,
 * SIGCONT and SIGWINCH (so full-screen programs redraw).
 *
 * Grants: "allow_once" covers this call, "allow_session" every later call
 * with the same path and accesses, "allow_always" the same and a rule in
 * the profile named by --save-to (a new profile extending the running one,
 * written atomically: temporary file, fsync, rename). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "policy/save.h"
#include "supervise/sup-serve.h"

#define APPROVER_SEND_TIMEOUT_MS 1000
#define TTY_STOP_WAIT_MS 50

/* ---- grants ------------------------------------------------------------------ */

bool sup_grant_covers(struct sup_state *s, const char *path, unsigned acc)
{
	for (size_t i = 0; i < s->n_grants; i++)
		if ((s->grants[i].acc & acc) == acc && strcmp(s->grants[i].path, path) == 0)
			return true;
	return false;
}

static void grant_session(struct sup_state *s, const char *path, unsigned acc)
{
	for (size_t i = 0; i < s->n_grants; i++)
		if (strcmp(s->grants[i].path, path) == 0) {
			s->grants[i].acc |= acc;
			return;
		}
	if (s->n_grants == SUP_GRANTS_MAX)
		return; /* full: the grant still holds for this call (once) */
	(void)snprintf(s->grants[s->n_grants].path, PATH_MAX, "%s", path);
	s->grants[s->n_grants++].acc = acc;
}

/* Where saved profiles go: save_dir, or $XDG_CONFIG_HOME/latch/profiles. */
static int save_dir(const struct sup_config *c, char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;

	if (c->save_dir)
		n = snprintf(buf, size, "%s", c->save_dir);
	else if (xdg && xdg[0] == '/')
		n = snprintf(buf, size, "%s/latch/profiles", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, size, "%s/.config/latch/profiles", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* What the saved profile extends. */
static const char *extends_of(const struct sup_config *c)
{
	const struct policy *p = c->policy;

	if (c->extends)
		return c->extends;
	if (!p->source || strcmp(p->source, "builtin") == 0 || p->source[0] != '/')
		return p->name;
	return p->source;
}

/* Add what g grants to the profile c->save_to (see policy_save_grants()). */
static int save_grant(struct sup_state *s, const struct policy_grant *g)
{
	const struct sup_config *c = s->c;
	_cleanup_free_ char *file = NULL;
	char dir[PATH_MAX];
	int r;

	r = save_dir(c, dir, sizeof(dir));
	if (r < 0)
		return r;
	r = policy_save_grants(dir, c->save_to, extends_of(c), g, 1, &file, NULL);
	if (r < 0)
		return r;
	(void)snprintf(s->sum->saved_profile, sizeof(s->sum->saved_profile), "%s", file);
	return 0;
}

/* Apply an answer to a request: r is about to be decided again. */
static void apply_answer(struct sup_state *s, struct sup_req *r, enum sup_answer a, const char *who)
{
	const struct sup_obj *o = &r->obj[r->access_obj];
	unsigned acc = o->denied & ~o->granted;

	if (a == SUP_ANSWER_DENY) {
		r->refused = true;
		r->refused_by = who;
		r->refused_why = "denied by the profile; the approver answered deny";
		return;
	}
	s->sum->granted++;
	r->decided_by = who;
	if (r->n_once < ELEMENTSOF(r->once)) {
		memcpy(r->once[r->n_once].path, o->real, strlen(o->real) + 1); /* both PATH_MAX */
		r->once[r->n_once++].acc = acc;
	}
	switch (a) {
	case SUP_ANSWER_ALLOW_ONCE:
		r->granted_how = "answer: allow_once";
		break;
	case SUP_ANSWER_ALLOW_SESSION:
		grant_session(s, o->real, acc);
		r->granted_how = "answer: allow_session";
		break;
	case SUP_ANSWER_ALLOW_ALWAYS:
		grant_session(s, o->real, acc);
		r->granted_how = "answer: allow_always";
		if (!s->c->save_to) {
			r->note = "no --save-to profile: kept for this session only";
		} else if (save_grant(s, &(struct policy_grant){ .path = o->real, .acc = acc }) < 0) {
			r->note = "the profile could not be saved: kept for this session only";
		} else if (o->rule && o->rule->klass == POLICY_CLASS_PROTECT) {
			r->note = "saved: the profile now lets programs write code that runs outside the sandbox";
		}
		break;
	case SUP_ANSWER_DENY:
	case _SUP_ANSWER_MAX:
		break;
	}
}

/* ---- questions: who asks ---------------------------------------------------- */

/* argv of the target from /proc/PID/cmdline (malloc'd vector). */
static char **target_argv(int pid)
{
	char path[64], buf[4096];
	char **v = NULL;
	int n;

	(void)snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n <= 0)
		return NULL;
	for (int i = 0; i < n; i += (int)strlen(buf + i) + 1)
		if (strv_push(&v, buf + i) < 0)
			break;
	return v;
}

static void send_question(struct sup_state *s, struct sup_pending *p)
{
	struct sup_req *r = &p->req;
	int pid = p->net ? p->net_pid : r->pid;
	char exe[PATH_MAX] = "";
	_cleanup_strv_free_ char **argv = pid > 0 ? target_argv(pid) : NULL;
	struct sup_question q = {
		.id = p->qid,
		.pid = pid,
		.exe = exe[0] || pid > 0 ? exe : NULL,
		.argv = argv,
		.syscall = p->net ? "connect" : r->call.syscall,
		.access = p->net ? "connect" : r->access_name,
		.path = p->net ? NULL : r->obj[r->access_obj].real,
		.runs_later = !p->net && r->obj[r->access_obj].rule &&
			      r->obj[r->access_obj].rule->klass == POLICY_CLASS_PROTECT,
		.host = p->net ? p->nq.host : NULL,
		.port = p->net ? p->nq.port : 0,
	};
	_cleanup_free_ char *line = NULL;
	size_t len, done = 0;

	if (s->approver < 0)
		return;
	if (pid > 0)
		sup_target_exe(pid, exe, sizeof(exe));
	line = sup_question_line(&q);
	if (!line)
		return;
	len = strlen(line);
	while (done < len) {
		ssize_t n = send(s->approver, line + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* The approver is gone or stuck: drop it; the question
			 * waits for the next one. */
			(void)close(s->approver);
			s->approver = -1;
			return;
		}
		done += (size_t)n;
	}
	p->sent = true;
}

static void send_line(struct sup_state *s, const char *line)
{
	if (s->approver >= 0)
		(void)send(s->approver, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* ---- tty ---------------------------------------------------------------------- */

static void tty_write(int fd, const char *s)
{
	(void)write_all(fd, s, strlen(s));
}

/* Read one line from the terminal before the deadline. Returns its length,
 * -ETIMEDOUT, or -EIO. */
static int tty_read_line(int fd, char *buf, size_t size, uint64_t deadline)
{
	size_t got = 0;

	while (got < size - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = sup_now_ns();
		ssize_t n;
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)((deadline - now) / 1000000ull) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? -ETIMEDOUT : -EIO;
		n = read(fd, buf + got, size - 1 - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -EIO;
		got += (size_t)n;
		if (memchr(buf, '\n', got) || memchr(buf, 0x03, got) || memchr(buf, 0x04, got))
			break;
	}
	buf[got] = '\0';
	return (int)got;
}

/* Wait a little for the stopped group to be stopped, so that nothing it
 * writes lands in the middle of the prompt. The caller itself waits in the
 * kernel (on us) and does not stop until answered: bounded. */
static void wait_stopped(pid_t child)
{
	for (int i = 0; i < TTY_STOP_WAIT_MS; i++) {
		siginfo_t si = { 0 };

		if (waitid(P_PID, (id_t)child, &si, WSTOPPED | WNOHANG | WNOWAIT) == 0 && si.si_pid == child)
			return;
		(void)usleep(1000);
	}
}

/* Ask on the terminal: "[latch] EXE (pid PID) wants to WHAT", the command
 * line, the line why, and the question. The program's process group is
 * stopped meanwhile and the terminal taken and given back as a shell's job
 * control would. *ret_note says why nobody answered (timeout, terminal
 * gone), else it is left alone. */
static enum sup_answer tty_prompt(struct sup_state *s, int pid, const char *what, const char *why, bool runs_later,
				  const char **ret_note)
{
	char exe[PATH_MAX] = "", msg[3 * PATH_MAX], line[256];
	_cleanup_strv_free_ char **argv = pid > 0 ? target_argv(pid) : NULL;
	_cleanup_free_ char *cmd = NULL;
	struct termios saved, ask;
	sigset_t block, old;
	pid_t pgid = getpgid(s->child), fg;
	bool stop = pgid > 0 && pgid != getpgrp(), have_termios;
	enum sup_answer a = SUP_ANSWER_DENY;
	uint64_t deadline = sup_now_ns() + s->timeout_ns;
	size_t clen = 0;

	if (pid > 0)
		sup_target_exe(pid, exe, sizeof(exe));
	for (size_t i = 0; argv && argv[i]; i++)
		clen += strlen(argv[i]) + 1;
	cmd = calloc(1, clen + 1);
	for (size_t i = 0; cmd && argv && argv[i]; i++) {
		if (i)
			strncat(cmd, " ", clen);
		strncat(cmd, argv[i], clen);
	}
	if (cmd && strlen(cmd) > 200)
		cmd[200] = '\0';

	sigemptyset(&block);
	sigaddset(&block, SIGTTOU);
	sigaddset(&block, SIGTTIN);
	(void)sigprocmask(SIG_BLOCK, &block, &old);
	if (stop) {
		(void)kill(-pgid, SIGSTOP);
		wait_stopped(s->child);
	}
	fg = tcgetpgrp(s->tty);
	(void)tcsetpgrp(s->tty, getpgrp());
	have_termios = tcgetattr(s->tty, &saved) == 0;
	if (have_termios) {
		ask = saved;
		ask.c_lflag |= ICANON | ECHO | ECHOE | ECHOK;
		ask.c_lflag &= ~(tcflag_t)ISIG; /* ^C here means deny, not kill latch */
		ask.c_iflag |= ICRNL;
		ask.c_iflag &= ~(tcflag_t)(INLCR | IGNCR);
		ask.c_oflag |= OPOST | ONLCR;
		/* Flush type-ahead: the answer must be typed after the question. */
		(void)tcsetattr(s->tty, TCSAFLUSH, &ask);
	}
	if (pid > 0)
		(void)snprintf(msg, sizeof(msg), "\n[latch] %s (pid %d) wants to %s%s\n", exe[0] ? exe : "?", pid, what,
			       runs_later ? " -- code that runs outside the sandbox, later, as you" : "");
	else
		(void)snprintf(msg, sizeof(msg), "\n[latch] a program in the sandbox wants to %s\n", what);
	tty_write(s->tty, msg);
	(void)snprintf(msg, sizeof(msg),
		       "[latch]   command: %s\n"
		       "[latch]   %s\n"
		       "[latch] allow [o]nce, for this [s]ession, [a]lways%s, or [d]eny? [d] ",
		       cmd && cmd[0] ? cmd : "?", why,
		       s->c->save_to ? " (saved to the profile)" : " (this session: no --save-to)");
	tty_write(s->tty, msg);
	for (int tries = 0; tries < 3; tries++) {
		int n = tty_read_line(s->tty, line, sizeof(line), deadline);
		const char *p = line;

		if (n < 0) {
			*ret_note = n == -ETIMEDOUT ? "no answer on the terminal within the timeout" : "the terminal "
													"failed";
			if (n == -ETIMEDOUT)
				s->sum->timeouts++;
			tty_write(s->tty, "\n");
			break;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == 'o' || *p == 'O' || *p == 'y' || *p == 'Y') {
			a = SUP_ANSWER_ALLOW_ONCE;
			break;
		}
		if (*p == 's' || *p == 'S') {
			a = SUP_ANSWER_ALLOW_SESSION;
			break;
		}
		if (*p == 'a' || *p == 'A') {
			a = SUP_ANSWER_ALLOW_ALWAYS;
			break;
		}
		if (*p == 'd' || *p == 'D' || *p == 'n' || *p == 'N' || *p == '\n' || *p == '\0' || *p == 0x03 ||
		    *p == 0x04)
			break;
		tty_write(s->tty, "[latch] o, s, a or d? [d] ");
	}
	if (!s->c->quiet)
		tty_write(s->tty, a == SUP_ANSWER_DENY ? "[latch] denied\n" : "[latch] allowed\n");
	/* Never quiet: a saved grant of code that runs later outlives this run. */
	if (a == SUP_ANSWER_ALLOW_ALWAYS && runs_later && s->c->save_to)
		tty_write(s->tty, "[latch] warning: the saved profile lets every program run under it write this "
				  "file, which runs outside the sandbox\n");
	if (have_termios)
		(void)tcsetattr(s->tty, TCSADRAIN, &saved);
	if (fg > 0)
		(void)tcsetpgrp(s->tty, fg);
	if (stop) {
		(void)kill(-pgid, SIGCONT);
		(void)kill(-pgid, SIGWINCH); /* full-screen programs redraw */
	}
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return a;
}

static enum sup_answer tty_ask(struct sup_state *s, struct sup_req *r, const char **ret_note)
{
	const struct sup_obj *o = &r->obj[r->access_obj];
	char what[PATH_MAX + 64], why[PATH_MAX + 128];

	(void)snprintf(what, sizeof(what), "%s %s", r->access_name ? r->access_name : "access", o->real);
	(void)snprintf(why, sizeof(why), "system call: %s; the profile denies it (%s)", r->call.syscall,
		       o->rule ? o->rule->pattern : "no rule grants it");
	return tty_prompt(s, r->pid, what, why, o->rule && o->rule->klass == POLICY_CLASS_PROTECT, ret_note);
}

/* A free slot for a question to the socket backend, its id and deadline
 * set; NULL when SUP_PENDING_MAX wait already. */
static struct sup_pending *park(struct sup_state *s)
{
	for (size_t i = 0; i < SUP_PENDING_MAX; i++) {
		struct sup_pending *p = &s->pending[i];

		if (p->used)
			continue;
		memset(p, 0, sizeof(*p));
		p->used = true;
		p->qid = ++s->next_qid;
		p->deadline_ns = sup_now_ns() + s->timeout_ns;
		return p;
	}
	return NULL;
}

/* ---- the proxy's questions ------------------------------------------------------- */

/* Answer the proxy: the answer, who gave it, and who asked (pid, exe). */
static void net_reply(struct sup_state *s, const struct sup_net_question *q, int pid, enum sup_answer a,
		      const char *who, const char *note)
{
	struct sup_net_answer ans = { .id = q->id, .answer = a, .pid = pid };

	(void)snprintf(ans.decided_by, sizeof(ans.decided_by), "%s", who);
	(void)snprintf(ans.note, sizeof(ans.note), "%s", note ? note : "");
	if (pid > 0)
		sup_target_exe(pid, ans.exe, sizeof(ans.exe));
	(void)send(s->c->net_fd, &ans, sizeof(ans), MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* An answer about a host: "always" goes into the --save-to profile as a
 * network.hosts entry; the proxy keeps the session's grants itself. */
static void net_answered(struct sup_state *s, const struct sup_net_question *q, int pid, enum sup_answer a,
			 const char *who, const char *note)
{
	if (a == SUP_ANSWER_ALLOW_ALWAYS) {
		struct policy_host h = { .kind = POLICY_HOST_NAME };
		const char *why = NULL;
		char entry[POLICY_HOST_MAX + 16];

		(void)policy_host_parse(q->host, strlen(q->host), false, false, &h, &why);
		(void)policy_host_port_format(&h, q->port, entry, sizeof(entry));
		if (!s->c->save_to)
			note = "no --save-to profile: kept for this session only";
		else if (save_grant(s, &(struct policy_grant){ .host = entry }) < 0)
			note = "the profile could not be saved: kept for this session only";
	}
	net_reply(s, q, pid, a, who, note);
}

int sup_net_question(struct sup_state *s)
{
	struct sup_net_question q;
	struct policy_host h;
	const char *why = NULL, *note = NULL;
	char what[POLICY_HOST_MAX + 32];
	ssize_t n = recv(s->c->net_fd, &q, sizeof(q), MSG_DONTWAIT);
	enum sup_answer a;
	int pid;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -EPIPE;
	if (n != (ssize_t)sizeof(q))
		return 0;
	q.host[sizeof(q.host) - 1] = '\0';
	/* Our own proxy asks, but what it asks about comes from the sandbox. */
	if (q.port == 0 || policy_host_parse(q.host, strlen(q.host), false, false, &h, &why) < 0 ||
	    strcmp(h.name, q.host) != 0) {
		net_reply(s, &q, 0, SUP_ANSWER_DENY, "supervisor", "a malformed question");
		return 0;
	}
	if (!sup_ratelimit_take(&s->rl, sup_now_ns())) {
		net_reply(s, &q, 0, SUP_ANSWER_DENY, "backend", "rate-limited: too many questions at once");
		return 0;
	}
	pid = sup_socket_owner(s->child, &q.peer, &q.self);
	switch (s->c->backend) {
	case SUP_BACKEND_ALLOW:
		net_answered(s, &q, pid, SUP_ANSWER_ALLOW_ONCE, "backend", "the allow backend");
		return 0;
	case SUP_BACKEND_TTY:
		if (s->tty < 0)
			break;
		{
			char target[POLICY_HOST_MAX + 16];

			(void)snprintf(what, sizeof(what), "connect to %s",
				       policy_host_port_format(&h, q.port, target, sizeof(target)));
		}
		a = tty_prompt(s, pid, what, "network: no entry of network.hosts names this host and port", false,
			       &note);
		net_answered(s, &q, pid, a, note ? "backend" : "user", note);
		return 0;
	case SUP_BACKEND_SOCKET: {
		struct sup_pending *p = park(s);

		if (!p) {
			net_reply(s, &q, pid, SUP_ANSWER_DENY, "backend", "too many questions are waiting already");
			return 0;
		}
		p->net = true;
		p->nq = q;
		p->net_pid = pid;
		send_question(s, p);
		return 0;
	}
	case SUP_BACKEND_DENY:
	case _SUP_BACKEND_MAX:
		break;
	}
	if (!s->denied_once && s->c->on_first_denial)
		s->c->on_first_denial(s->c->on_first_denial_data);
	s->denied_once = true;
	net_reply(s, &q, pid, SUP_ANSWER_DENY, "backend",
		  s->c->backend == SUP_BACKEND_TTY ? "no terminal to ask on" : "nobody to ask");
	return 0;
}

/* ---- asking ------------------------------------------------------------------- */

int sup_ask(struct sup_state *s, struct sup_req *r)
{
	const char *note = NULL;
	enum sup_answer a;

	/* Questions name the process, not the thread (events may be off). */
	if (r->pid == r->tid)
		r->pid = sup_target_tgid(r->tid);
	if (!sup_id_valid(s, r->id)) {
		r->refused = true;
		r->refused_by = "supervisor";
		r->refused_why = "the caller went away";
		return 0;
	}

	switch (s->c->backend) {
	case SUP_BACKEND_TTY:
		if (s->tty < 0) {
			r->refused = true;
			r->refused_by = "backend";
			r->refused_why = "denied by the profile; no terminal to ask on";
			return 0;
		}
		a = tty_ask(s, r, &note);
		apply_answer(s, r, a, "user");
		if (note) {
			r->refused_by = "backend";
			r->refused_why = note;
		}
		return 0;
	case SUP_BACKEND_SOCKET: {
		struct sup_pending *p = park(s);

		if (p) {
			p->req = *r;
			send_question(s, p);
			return 1;
		}
		r->refused = true;
		r->refused_by = "backend";
		r->refused_why = "denied by the profile; too many questions are waiting already";
		return 0;
	}
	case SUP_BACKEND_DENY:
	case SUP_BACKEND_ALLOW:
	case _SUP_BACKEND_MAX:
		break;
	}
	r->refused = true;
	r->refused_by = "backend";
	r->refused_why = "denied by the profile; nobody to ask";
	return 0;
}

/* Hand a parked request back to the loop, decided again. */
static void unpark(struct sup_state *s, struct sup_pending *p)
{
	*s->cur = p->req;
	p->used = false;
	sup_resume(s, s->cur);
}

uint64_t sup_backend_timeouts(struct sup_state *s, uint64_t now)
{
	uint64_t next = 0;

	if (!s->pending)
		return 0;
	for (size_t i = 0; i < SUP_PENDING_MAX; i++) {
		struct sup_pending *p = &s->pending[i];

		if (!p->used)
			continue;
		if (p->net) {
			if (p->deadline_ns <= now) {
				p->used = false;
				net_reply(s, &p->nq, p->net_pid, SUP_ANSWER_DENY, "backend",
					  s->approver < 0 ? "no approver connected within the timeout"
							  : "no answer within the timeout");
				continue;
			}
			if (!next || p->deadline_ns < next)
				next = p->deadline_ns;
			continue;
		}
		if (!sup_id_valid(s, p->req.id)) {
			/* The program was killed or interrupted meanwhile. */
			p->used = false;
			s->sum->vanished++;
			continue;
		}
		if (p->deadline_ns <= now) {
			s->sum->timeouts++;
			p->req.refused = true;
			p->req.refused_by = "backend";
			p->req.refused_why = s->approver < 0 ? "denied by the profile; no approver connected within "
							       "the timeout"
							     : "denied by the profile; no answer within the timeout";
			unpark(s, p);
			continue;
		}
		if (!next || p->deadline_ns < next)
			next = p->deadline_ns;
	}
	/* unpark() may have parked a new question: look again. */
	for (size_t i = 0; i < SUP_PENDING_MAX; i++)
		if (s->pending[i].used && (!next || s->pending[i].deadline_ns < next))
			next = s->pending[i].deadline_ns;
	return next;
}

/* ---- the approver socket ------------------------------------------------------- */

static int open_socket(struct sup_state *s, struct error *err)
{
	const char *path = s->c->socket_path;
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, r;

	if (!path || !path[0])
		return error_set(err, EINVAL, "the socket backend needs a socket path");
	if (strlen(path) >= sizeof(un.sun_path))
		return error_set(err, ENAMETOOLONG, "approval socket path '%s' is too long (at most %zu bytes)",
				 path, sizeof(un.sun_path) - 1);
	memcpy(un.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		/* A socket left by a latch that was killed: nobody listens. */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool stale = S_ISSOCK(st.st_mode) && st.st_uid == geteuid() && probe >= 0 &&
			     connect(probe, (struct sockaddr *)&un, sizeof(un)) < 0 && errno == ECONNREFUSED;

		if (probe >= 0)
			(void)close(probe);
		if (!stale)
			return error_set(err, EEXIST, "approval socket '%s' already exists", path);
		(void)unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return error_set(err, errno, "cannot create the approval socket: %s", strerror(errno));
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&un, sizeof(un));
	(void)umask(old);
	if (r < 0 || chmod(path, 0600) < 0 || listen(fd, 4) < 0) {
		r = errno;
		(void)close(fd);
		(void)unlink(path);
		return error_set(err, r, "cannot listen on approval socket '%s': %s", path, strerror(r));
	}
	/* What the program must not reach: an approver inside the sandbox
	 * would answer its own questions (handle.c refuses the connect). */
	if (lstat(path, &st) < 0) {
		r = errno;
		(void)close(fd);
		(void)unlink(path);
		return error_set(err, r, "cannot stat approval socket '%s': %s", path, strerror(r));
	}
	s->sock_dev = st.st_dev;
	s->sock_ino = st.st_ino;
	s->sock_listen = fd;
	s->socket_created = true;
	return 0;
}

int sup_backend_open(struct sup_state *s, struct error *err)
{
	const struct sup_config *c = s->c;

	if (c->save_to && !policy_name_valid(c->save_to))
		return error_set(err, EINVAL, "--save-to '%s' is not a profile name (a-z 0-9 _ - .)", c->save_to);
	if (c->save_to && c->policy->name && strcmp(c->save_to, c->policy->name) == 0)
		return error_set(err, EINVAL, "--save-to '%s' would extend itself: choose another name", c->save_to);
	switch (c->backend) {
	case SUP_BACKEND_SOCKET:
		if (c->approver_fd >= 0) {
			s->approver = c->approver_fd;
			return 0;
		}
		return open_socket(s, err);
	case SUP_BACKEND_TTY:
		if (c->tty_fd >= 0) {
			s->tty = c->tty_fd;
		} else {
			s->tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
			s->tty_owned = s->tty >= 0;
		}
		/* No terminal: every question is denied and recorded. */
		return 0;
	case SUP_BACKEND_DENY:
	case SUP_BACKEND_ALLOW:
	case _SUP_BACKEND_MAX:
		break;
	}
	return 0;
}

void sup_backend_close(struct sup_state *s)
{
	/* Whatever still waits is denied: the supervisor is going away. */
	for (size_t i = 0; s->pending && i < SUP_PENDING_MAX; i++)
		if (s->pending[i].used) {
			struct sup_req *r = &s->pending[i].req;

			s->pending[i].used = false;
			if (s->pending[i].net) {
				net_reply(s, &s->pending[i].nq, s->pending[i].net_pid, SUP_ANSWER_DENY, "backend",
					  "the supervisor stopped before an answer came");
				continue;
			}
			if (sup_respond_error(s, r->id, EACCES) == -ENOENT) {
				s->sum->vanished++;
				continue;
			}
			r->decided_by = "supervisor";
			sup_finish(s, r, SUP_ACTION_DENY, false, EACCES, "the supervisor stopped before an answer came");
		}
	if (s->approver >= 0)
		(void)close(s->approver);
	s->approver = -1;
	if (s->sock_listen >= 0)
		(void)close(s->sock_listen);
	s->sock_listen = -1;
	if (s->socket_created)
		(void)unlink(s->c->socket_path);
	s->socket_created = false;
	if (s->tty_owned)
		(void)close(s->tty);
	s->tty = -1;
	s->tty_owned = false;
}

int sup_backend_pollfds(struct sup_state *s, struct pollfd *fds, int max)
{
	int n = 0;

	if (s->sock_listen >= 0 && n < max)
		fds[n++] = (struct pollfd){ .fd = s->sock_listen, .events = POLLIN };
	if (s->approver >= 0 && n < max)
		fds[n++] = (struct pollfd){ .fd = s->approver, .events = POLLIN };
	return n;
}

static void accept_approver(struct sup_state *s)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct timeval tv = { .tv_sec = APPROVER_SEND_TIMEOUT_MS / 1000,
			      .tv_usec = (APPROVER_SEND_TIMEOUT_MS % 1000) * 1000 };
	int fd = accept4(s->sock_listen, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || (cred.uid != geteuid() && cred.uid != 0)) {
		(void)close(fd);
		return;
	}
	if (s->approver >= 0) {
		static const char busy[] = "{\"error\":\"another approver is connected\",\"kind\":\"approval_error\"}\n";

		(void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)close(fd);
		return;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	s->approver = fd;
	s->line_len = 0;
	s->line_overflow = false;
	for (size_t i = 0; i < SUP_PENDING_MAX; i++)
		if (s->pending[i].used && !s->pending[i].sent)
			send_question(s, &s->pending[i]);
}

static void error_line(struct sup_state *s, const char *msg)
{
	_cleanup_json_ json_t *o = json_object();
	_cleanup_free_ char *text = NULL;
	char line[1024];

	if (!o)
		return;
	json_set(o, "kind", json_str("approval_error"));
	json_set(o, "error", json_str(msg));
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	if (text && (size_t)snprintf(line, sizeof(line), "%s\n", text) < sizeof(line))
		send_line(s, line);
}

static void handle_line(struct sup_state *s, const char *line, size_t len)
{
	struct error err = { 0 };
	enum sup_answer a;
	uint64_t id;

	if (sup_parse_answer(line, len, &id, &a, &err) < 0) {
		error_line(s, err.msg);
		return;
	}
	for (size_t i = 0; i < SUP_PENDING_MAX; i++) {
		struct sup_pending *p = &s->pending[i];

		if (!p->used || !p->sent || p->qid != id)
			continue;
		if (p->net) {
			p->used = false;
			net_answered(s, &p->nq, p->net_pid, a, "user", NULL);
			return;
		}
		apply_answer(s, &p->req, a, "user");
		unpark(s, p);
		return;
	}
	error_line(s, "unknown id: no question with this id is waiting");
}

static void read_approver(struct sup_state *s)
{
	char buf[SUP_LINE_MAX];
	ssize_t n = recv(s->approver, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Gone: its unanswered questions wait for the next one. */
		(void)close(s->approver);
		s->approver = -1;
		for (size_t i = 0; i < SUP_PENDING_MAX; i++)
			s->pending[i].sent = false;
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		char ch = buf[i];

		if (ch == '\n') {
			if (s->line_overflow)
				error_line(s, "line longer than 4095 bytes");
			else
				handle_line(s, s->line, s->line_len);
			s->line_len = 0;
			s->line_overflow = false;
			if (s->approver < 0)
				return;
			continue;
		}
		if (s->line_len + 1 >= sizeof(s->line)) {
			s->line_overflow = true;
			continue;
		}
		s->line[s->line_len++] = ch;
	}
}

void sup_backend_events(struct sup_state *s, const struct pollfd *fds, int n)
{
	for (int i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == s->sock_listen)
			accept_approver(s);
		else if (fds[i].fd == s->approver)
			read_approver(s);
	}
}
