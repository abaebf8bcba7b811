/* A run, launched (session.h).
 *
 * Two modes. Isolated (the default where the kernel allows it): the sandbox
 * is cloned into its own namespaces and waited for. Static (on request, or
 * when the kernel refuses namespaces): Landlock and seccomp go on this
 * process, which executes the program in place, or, supervised, on a child
 * the supervisor serves. When the kernel refuses the namespaces only at the
 * start, a second plan is made for the static mode and checked like the
 * first: it has its own reasons to refuse, and says what it loses. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/strv.h"
#include "policy/render.h"
#include "sandbox/caps.h"
#include "sandbox/launch.h"
#include "sandbox/namespaces.h"
#include "session/log.h"
#include "session/session.h"

/* The private temporary directory: created 0700, and refused unless it is
 * a real directory of ours that nobody else can enter (a squatted /tmp
 * name must not become the sandbox's writable area). */
static int ensure_private_tmp(const char *path, struct error *err)
{
	struct stat st;

	if (!path)
		return error_set(err, EINVAL, "$PRIVATE_TMP is not set");
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return error_set(err, errno, "cannot create private tmp '%s': %s", path, strerror(errno));
	if (lstat(path, &st) < 0)
		return error_set(err, errno, "cannot stat private tmp '%s': %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077))
		return error_set(err, EPERM,
				 "private tmp '%s' is not a directory owned by uid %u with mode 0700; "
				 "remove it or set TMPDIR elsewhere",
				 path, (unsigned)getuid());
	return 0;
}

/* The directories the profile's write rules name with a trailing '/' that
 * do not exist: made (0700, with their parents) before the sandbox starts,
 * so that Landlock can hold a rule for them (a rule needs an inode). */
static int make_missing_dirs(const struct policy *p, struct error *err)
{
	struct stat st;
	char label[512];
	int r;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *rule = &p->rules[i];

		if (!rule->make_dir || lstat(rule->path, &st) == 0 || errno != ENOENT)
			continue;
		r = mkdir_parents(rule->path, 0700);
		if (r < 0)
			return error_set(err, -r, "cannot create '%s' for %s: %s", rule->path,
					 policy_rule_label(rule, label, sizeof(label)), strerror(-r));
	}
	return 0;
}

static int failed(struct session_result *res, const struct error *err)
{
	res->outcome = SESSION_FAILED;
	res->err = *err;
	return 0;
}

/* execve failed with code: the program is missing, or cannot be run. */
static int exec_failed(struct session_result *res, const struct error *err)
{
	res->outcome = err->code == ENOENT || err->code == ENOTDIR ? SESSION_NOT_FOUND : SESSION_CANNOT_EXEC;
	res->errno_denied = err->code == EACCES;
	res->err = *err;
	return 0;
}

static void say_warnings(const struct session_hooks *h, const struct session_plan *s)
{
	if (h && h->warnings && s->warnings)
		h->warnings(s->warnings, h->data);
}

static void say_no_terminal(void *data)
{
	const struct session_hooks *h = data;

	h->no_terminal(h->data);
}

/* In the sandbox, after every restriction: install the notify filter and
 * hand its listener to latch outside. */
struct sup_hook {
	const struct sup_filter *filter;
	int sock;
};

static int sup_hook_load(void *data, struct error *err)
{
	struct sup_hook *h = data;
	struct sup_filter_opts fo = { .wait_killable_recv = true };
	int listener, r;

	r = sup_filter_load(h->filter, &fo, &listener, err);
	if (r < 0)
		return r;
	r = sup_send_fd(h->sock, listener, err);
	(void)close(listener);
	(void)close(h->sock);
	return r;
}

static int sup_hook_tty(void *data)
{
	(void)data;
	return sup_tty_child_setup();
}

/* network.mode proxy: the proxy of this run and what it said at the end. */
struct run_net {
	bool on;
	struct net_proxy proxy;
	int ask[2];             /* the supervisor's end, the proxy's end; -1 */
	struct net_summary sum;
};

static void tty_foreground_restorep(int *tty)
{
	sup_tty_foreground_restore(*tty);
}

/* Supervised: the sandbox in a child (isolated or static), this process
 * serving its notifications until it is gone. *clone_failed: the kernel
 * refused the namespaces and nothing ran. */
static int run_supervised(const struct session_request *o, struct session_plan *s, struct launch *l,
			  const struct session_hooks *hooks, int events_fd, struct run_net *net,
			  struct session_result *res, int *clone_failed)
{
	_cleanup_(sup_filter_freep) struct sup_filter *filter = NULL;
	_cleanup_close_ int listener = -EBADF;
	_cleanup_(tty_foreground_restorep) int tty = -1;
	struct launch_child child;
	struct launch_result lres;
	struct sup_summary sum;
	struct sup_config cfg;
	struct sup_hook hook;
	struct error err = { 0 };
	char save_dir[4200];
	int sp[2], r;

	if (sup_filter_prebuilt(&filter, s->supervise == POLICY_SUPERVISE_OFF ? SUP_SCOPE_SOCKETS : SUP_SCOPE_ALL,
				&err) < 0)
		return failed(res, &err);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		(void)error_set(&err, errno, "cannot create a socket pair: %s", strerror(errno));
		return failed(res, &err);
	}
	hook = (struct sup_hook){ .filter = filter, .sock = sp[1] };
	l->before_exec = sup_hook_load;
	l->before_exec_data = &hook;
	l->child_setup = s->backend == SUP_BACKEND_TTY ? sup_hook_tty : NULL;
	/* The child's group takes the terminal's foreground: given back when
	 * it is gone. */
	if (s->backend == SUP_BACKEND_TTY)
		tty = sup_tty_foreground_save();
	/* In static mode the program's orphans come here to be reaped. */
	if (!l->ns_flags)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	r = launch_start(l, &child, &err);
	(void)close(sp[1]);
	/* Nothing may read this process's memory while it serves. Not before
	 * the start: the child would inherit it, and its uid_map could then
	 * not be written by an unprivileged latch. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (r < 0 && child.clone_failed) {
		(void)close(sp[0]);
		*clone_failed = err.code ? err.code : EPERM;
		return 0;
	}
	/* The program kept only the capabilities that do file work; the
	 * supervisor acts for it with no more than that. */
	if (r == 0)
		r = caps_lower_effective(s->policy->process.capabilities, &err);
	if (r == 0)
		r = sup_recv_fd(sp[0], &listener, &err);
	(void)close(sp[0]);
	if (r == 0 && !sup_fd_is_listener(listener))
		r = error_set(&err, EPROTO, "the sandbox did not hand over a seccomp listener");
	if (r < 0) {
		/* The child failed before handing the listener over: its report
		 * says why. */
		struct error ferr = { 0 };

		if (child.pid > 0 && launch_finish(&child, l, &lres, &ferr) < 0)
			return lres.exec_errno ? exec_failed(res, &ferr) : failed(res, &ferr);
		return failed(res, &err);
	}
	sup_config_init(&cfg);
	cfg.policy = s->policy;
	cfg.landlock = s->ll;
	cfg.landlock_exact = s->landlock_exact;
	cfg.inexact = s->inexact;
	cfg.backend = s->backend;
	cfg.socket_path = o->approve_socket;
	cfg.approver_fd = o->approve_connected ? o->approve_fd : -1;
	cfg.timeout_ms = o->approve_timeout_ms;
	cfg.events_fd = events_fd;
	cfg.quiet = o->quiet;
	cfg.save_to = o->save_to;
	/* Saved profiles go where profiles are looked up. */
	if (s->ctx->user_dir && snprintf(save_dir, sizeof(save_dir), "%s/profiles", s->ctx->user_dir) <
					 (int)sizeof(save_dir))
		cfg.save_dir = save_dir;
	cfg.reap_orphans = !l->ns_flags;
	cfg.sandbox_done_fd = l->ns_flags ? child.report_fd : -1;
	cfg.notifies_exec = s->supervise != POLICY_SUPERVISE_OFF;
	cfg.notifies_creds = s->supervise != POLICY_SUPERVISE_OFF;
	cfg.proxy_port = s->proxy_port;
	cfg.proxy_confined = s->isolated;
	cfg.net_fd = net->on ? net->ask[0] : -1;
	if (!o->quiet && hooks && hooks->no_terminal && s->supervise == POLICY_SUPERVISE_ASK &&
	    s->backend == SUP_BACKEND_DENY) {
		cfg.on_first_denial = say_no_terminal;
		cfg.on_first_denial_data = (void *)hooks;
	}
	session_log_observe(s, hooks, &cfg);
	r = sup_serve(&cfg, listener, child.pid, &sum, &err);
	session_log_supervisor(s, &sum);
	sup_tty_foreground_restore(tty);
	tty = -1;
	if (sum.child_reaped) {
		child.reaped = true;
		child.status = sum.child_status;
	}
	if (r < 0) {
		(void)kill(child.pid, SIGKILL);
		(void)launch_finish(&child, l, &lres, &(struct error){ 0 });
		(void)error_prefix(&err, "supervisor");
		return failed(res, &err);
	}
	if (hooks && hooks->summary)
		hooks->summary(&sum, hooks->data);
	if (launch_finish(&child, l, &lres, &err) < 0)
		return lres.exec_errno ? exec_failed(res, &err) : failed(res, &err);
	cgroup_cleanup(&s->cgroup);
	res->outcome = SESSION_EXITED;
	res->wait_status = lres.wait_status;
	return 0;
}

static int run_isolated(struct session_plan *s, const struct launch *l, struct session_result *res,
			int *clone_failed)
{
	struct launch_result lres;
	struct error err = { 0 };
	int r;

	r = launch_isolated(l, &lres, &err);
	if (r < 0 && lres.clone_failed) {
		*clone_failed = err.code ? err.code : EPERM;
		return 0;
	}
	if (r < 0)
		return lres.exec_errno ? exec_failed(res, &err) : failed(res, &err);
	cgroup_cleanup(&s->cgroup);
	res->outcome = SESSION_EXITED;
	res->wait_status = lres.wait_status;
	return 0;
}

static struct launch launch_for(const struct session_request *o, const struct session_plan *s,
			       const struct run_net *net)
{
	return (struct launch){
		.net_bridge = net->on && s->isolated ? net->proxy.bridge : 0,
		.net_bridge_port = s->proxy_port,
		.landlock = s->ll,
		.sfilter = s->sf,
		.envp = s->envp,
		.file = s->program,
		.argv = o->argv,
		.keep_fds = o->keep_fds,
		.n_keep_fds = o->n_keep_fds,
		.limits = &s->policy->limits,
		.caps_extra = s->policy->process.capabilities,
		.ns_flags = s->isolated ? ns_flags_for(s->policy) : 0,
		.masks = s->isolated && s->use_masks ? s->masks : NULL,
		.private_dirs = s->isolated ? s->private_dirs : NULL,
		.cgroup = &s->cgroup,
		.parent = getpid(),
	};
}

/* The kernel refused the namespaces (errno ns_err) when the run started:
 * the plan becomes the static mode's, checked again. Returns 1 when the
 * run may go on with it, 0 when res says why not. */
static int plan_static(const struct session_request *o, struct session_plan *s, int ns_err,
		       struct session_result *res)
{
	struct session_plan next;
	struct error err = { 0 };

	cgroup_cleanup(&s->cgroup);
	if (session_plan_build(o, s->ctx, ns_err, &next, &err) < 0 || landlock_prepare(next.ll, &err) < 0) {
		session_plan_done(&next);
		return failed(res, &err);
	}
	if (session_plan_check(o, &next) < 0) {
		session_plan_done(&next);
		return failed(res, &(struct error){ .code = ENOMEM, .msg = "out of memory" });
	}
	if (next.refusals) {
		res->outcome = SESSION_REFUSED;
		res->refusals = TAKE_PTR(next.refusals);
		session_plan_done(&next);
		return 0;
	}
	next.logging = s->logging;
	s->logging = (struct session_logging){ 0 };
	session_plan_done(s);
	*s = next;
	return 1;
}

/* --events: opened once, for the supervisor and the proxy. */
static int open_events(const struct session_request *o, int *ret_fd, struct error *err)
{
	*ret_fd = -1;
	if (o->events_to_fd) {
		*ret_fd = fcntl(o->events_fd, F_DUPFD_CLOEXEC, 3);
		if (*ret_fd < 0)
			return error_set(err, errno, "the events descriptor: %s", strerror(errno));
	} else if (o->events) {
		*ret_fd = open(o->events, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (*ret_fd < 0)
			return error_set(err, errno, "--events: cannot open '%s': %s", o->events, strerror(errno));
	}
	return 0;
}

/* network.mode proxy: start the proxy. detached: this process executes
 * the program in place. With a supervisor, a socket pair carries the
 * proxy's questions to it. */
static int net_begin(const struct session_request *o, const struct session_plan *s, int events_fd, bool detached,
		     struct run_net *net, struct error *err)
{
	struct net_proxy_config c = {
		.policy = s->policy,
		.events_fd = events_fd,
		.ask_fd = -1,
		.timeout_ms = o->approve_timeout_ms,
		.detached = detached,
	};
	int r;

	if (s->policy->net.mode != POLICY_NET_PROXY)
		return 0;
	if (s->supervise != POLICY_SUPERVISE_OFF && !detached) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, net->ask) < 0)
			return error_set(err, errno, "proxy: cannot create a socket pair: %s", strerror(errno));
		c.ask_fd = net->ask[1];
	}
	r = net_proxy_start(&c, &net->proxy, err);
	if (net->ask[1] >= 0) {
		(void)close(net->ask[1]);
		net->ask[1] = -1;
	}
	if (r < 0)
		return r;
	net->on = true;
	return 0;
}

/* The static mode: the proxy listens on the host's loopback, at a port
 * known only now; programs are pointed there and Landlock lets TCP go
 * there only. */
static int net_static(struct session_plan *s, struct run_net *net, struct error *err)
{
	int r;

	if (!net->on)
		return 0;
	r = net_proxy_listen_here(&net->proxy, &s->proxy_port, err);
	if (r < 0)
		return r;
	landlock_plan_set_proxy_port(s->ll, s->proxy_port);
	if (net_proxy_env(&s->envp, s->proxy_port) < 0)
		return error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* The sandbox is gone: the proxy's last events, and its summary (the hook
 * decides whether it is worth a line), kept in s's session log. hooks and
 * s NULL: the run did not happen, nothing is said. */
static void net_end(const struct session_hooks *hooks, const struct session_plan *s, struct run_net *net)
{
	if (net->ask[0] >= 0)
		(void)close(net->ask[0]);
	net->ask[0] = -1;
	if (!net->on)
		return;
	net_proxy_finish(&net->proxy, &net->sum);
	net->on = false;
	if (s && net->sum.valid)
		session_log_proxy(s, &net->sum);
	if (hooks && hooks->net_summary && net->sum.valid)
		hooks->net_summary(&net->sum, hooks->data);
}

/* A supervisor serves the run: supervised, or for its sockets alone. */
static bool served(const struct session_plan *s)
{
	return s->supervise != POLICY_SUPERVISE_OFF || s->sockets_supervised;
}

/* The sandbox has started: the session log is written while it sets
 * itself up. */
struct log_start {
	const struct session_request *o;
	const struct session_hooks *hooks;
	struct session_plan *s;
};

static void log_started(void *data, pid_t pid)
{
	const struct log_start *ls = data;

	session_log_started(ls->o, ls->hooks, ls->s, pid);
}

/* A launch of s, with the session log's part in it. */
static struct launch launch_logged(const struct session_request *o, struct session_plan *s,
				   const struct run_net *net, struct log_start *ls)
{
	struct launch l = launch_for(o, s, net);

	if (s->isolated) {
		l.overlays = s->logging.layers;
		l.n_overlays = s->logging.n_layers;
	}
	session_log_arm(s);
	l.started = log_started;
	l.started_data = ls;
	return l;
}

static int launch_run(const struct session_request *o, struct session_plan *s, const struct session_hooks *hooks,
		      struct session_result *res)
{
	struct log_start ls = { .o = o, .hooks = hooks, .s = s };
	_cleanup_close_ int events_fd = -EBADF;
	struct run_net net = { .proxy = NET_PROXY_NONE, .ask = { -1, -1 } };
	struct error err = { 0 };
	bool exec_fail;
	struct launch l;
	int ns_err = 0, r;

	if (s->lookup_err == -ENOENT) {
		res->outcome = SESSION_NOT_FOUND;
		(void)error_set(&res->err, ENOENT, "%s: command not found", o->argv[0]);
		return 0;
	}
	if (s->lookup_err == -EACCES) {
		res->outcome = SESSION_CANNOT_EXEC;
		(void)error_set(&res->err, EACCES, "%s: permission denied", o->argv[0]);
		return 0;
	}
	if (s->lookup_err == -EISDIR) {
		res->outcome = SESSION_CANNOT_EXEC;
		(void)error_set(&res->err, EISDIR, "%s: is a directory, not a program", o->argv[0]);
		return 0;
	}
	if (make_missing_dirs(s->policy, &err) < 0)
		return failed(res, &err);
	if (s->policy->uses_private_tmp && ensure_private_tmp(policy_ctx_var(s->ctx, "PRIVATE_TMP"), &err) < 0)
		return failed(res, &err);
	if (landlock_prepare(s->ll, &err) < 0)
		return failed(res, &err);
	if (served(s) || s->isolated) {
		if (served(s) && open_events(o, &events_fd, &err) < 0)
			return failed(res, &err);
		if (net_begin(o, s, events_fd, false, &net, &err) < 0 || (!s->isolated && net_static(s, &net, &err) < 0)) {
			net_end(NULL, NULL, &net);
			return failed(res, &err);
		}
		l = launch_logged(o, s, &net, &ls);
		say_warnings(hooks, s);
		r = served(s) ? run_supervised(o, s, &l, hooks, events_fd, &net, res, &ns_err)
			      : run_isolated(s, &l, res, &ns_err);
		if (r < 0 || !ns_err) {
			net_end(hooks, s, &net);
			return r;
		}
		r = plan_static(o, s, ns_err, res);
		if (r <= 0) {
			net_end(hooks, s, &net);
			return r;
		}
		if (served(s)) {
			if ((events_fd < 0 && open_events(o, &events_fd, &err) < 0) || net_static(s, &net, &err) < 0) {
				net_end(NULL, NULL, &net);
				return failed(res, &err);
			}
			l = launch_logged(o, s, &net, &ls);
			say_warnings(hooks, s);
			ns_err = 0;
			r = run_supervised(o, s, &l, hooks, events_fd, &net, res, &ns_err);
			net_end(hooks, s, &net);
			return r;
		}
		/* The program runs in a child or is executed here: a proxy of
		 * its own, below. */
		net_end(NULL, NULL, &net);
	}
	/* With a session log, the program runs in a child (ns_flags 0: a plain
	 * one), so that latch outside sees it end; the proxy ends with it. */
	if (s->logging.pending) {
		if (net_begin(o, s, -1, false, &net, &err) < 0 || net_static(s, &net, &err) < 0) {
			net_end(NULL, NULL, &net);
			return failed(res, &err);
		}
		l = launch_logged(o, s, &net, &ls);
		say_warnings(hooks, s);
		r = run_isolated(s, &l, res, &ns_err);
		net_end(hooks, s, &net);
		return r;
	}
	if (net_begin(o, s, -1, true, &net, &err) < 0 || net_static(s, &net, &err) < 0) {
		net_proxy_close(&net.proxy);
		return failed(res, &err);
	}
	net_proxy_close(&net.proxy);
	l = launch_logged(o, s, &net, &ls);
	say_warnings(hooks, s);
	if (hooks && hooks->exec_in_place)
		hooks->exec_in_place(hooks->data);
	(void)fflush(NULL);
	(void)launch_exec(&l, &exec_fail, &err);
	/* Only failures come back here, and the sandbox may be on this
	 * process already. */
	res->self_sandboxed = true;
	return exec_fail ? exec_failed(res, &err) : failed(res, &err);
}

int session_run(const struct session_request *o, struct session_plan *s, const struct session_hooks *hooks,
		struct session_result *res)
{
	int r;

	memset(res, 0, sizeof(*res));
	if (!session_log_begin(o, hooks, s, res))
		return 0;
	r = launch_run(o, s, hooks, res);
	session_log_end(o, hooks, s, res);
	return r;
}
