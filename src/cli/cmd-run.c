/* latch run: parse -> plan (run-plan.c: policy, Landlock, masks, mode,
 * refusals and warnings) -> launch -> leave the way the program left.
 *
 * Two modes. Isolated (the default where the kernel allows it):
 * latch clones the sandbox into its own namespaces and waits for it.
 * Static (--no-namespaces, LATCH_NO_NAMESPACES=1, or when the kernel
 * refuses namespaces): latch applies Landlock and seccomp to itself and
 * execs in place, or, supervised, runs the program in a child. Every reason
 * to refuse is computed for the mode that will really run, and printed all
 * at once. */
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "cli/cli.h"
#include "cli/run-plan.h"
#include "policy/render.h"
#include "policy/risk.h"
#include "sandbox/caps.h"
#include "sandbox/env.h"
#include "sandbox/landlock.h"
#include "sandbox/launch.h"
#include "sandbox/limits.h"
#include "sandbox/mounts.h"
#include "sandbox/namespaces.h"
#include "sandbox/seccomp.h"
#include "supervise/supervise.h"
#include "lab/lab.h"

static int parse_fd(const char *s, int *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 1 << 20)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct run_request *o)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },   { "strict", no_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' },         { "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },           { "keep-fd", required_argument, NULL, 'k' },
		{ "no-namespaces", no_argument, NULL, 'N' },   { "allow-unmasked", no_argument, NULL, 'U' },
		{ "supervise", no_argument, NULL, 'S' },       { "no-supervise", no_argument, NULL, 'X' },
		{ "ask", no_argument, NULL, 'A' },             { "approve-socket", required_argument, NULL, 'K' },
		{ "approve-all", no_argument, NULL, 'L' },     { "approve-timeout", required_argument, NULL, 'T' },
		{ "events", required_argument, NULL, 'E' },    { "save-to", required_argument, NULL, 'V' },
		{ "ack-risk", required_argument, NULL, 'R' },  { "help", no_argument, NULL, 'h' },
		{},
	};
	int c, fd;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->profile = optarg;
			break;
		case 's':
			o->strict = true;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'N':
			o->no_namespaces = true;
			break;
		case 'U':
			o->allow_unmasked = true;
			break;
		case 'S':
			if (o->supervise != RUN_SUPERVISE_ASK)
				o->supervise = RUN_SUPERVISE_ON;
			break;
		case 'X':
			o->supervise = RUN_SUPERVISE_OFF;
			break;
		case 'A':
			o->supervise = RUN_SUPERVISE_ASK;
			break;
		case 'K':
			o->approve_socket = optarg;
			break;
		case 'L':
			o->approve_all = true;
			break;
		case 'E':
			o->events = optarg;
			break;
		case 'V':
			o->save_to = optarg;
			break;
		case 'R':
			if (strv_push(&o->ack_risk, optarg) < 0)
				return cli_usage_error(USAGE_RUN, "run: out of memory");
			break;
		case 'T':
			if (parse_fd(optarg, &fd) < 0 || fd < 1)
				return cli_usage_error(USAGE_RUN, "--approve-timeout: '%s' is not a number of ms",
						       optarg);
			o->approve_timeout_ms = (unsigned)fd;
			break;
		case 'k':
			if (parse_fd(optarg, &fd) < 0 || fd < 3)
				return cli_usage_error(USAGE_RUN, "--keep-fd: '%s' is not a file descriptor >= 3",
						       optarg);
			if (fcntl(fd, F_GETFD) < 0)
				return cli_usage_error(USAGE_RUN, "--keep-fd: fd %d is not open", fd);
			if (o->n_keep_fds == KEEP_FDS_MAX)
				return cli_usage_error(USAGE_RUN, "--keep-fd: more than %d fds", KEEP_FDS_MAX);
			o->keep_fds[o->n_keep_fds++] = fd;
			break;
		case 'h':
			fputs(USAGE_RUN, stdout);
			return 0;
		default:
			return cli_usage_error(USAGE_RUN, "run: unknown or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	if (!o->profile)
		return cli_usage_error(USAGE_RUN, "run: no profile given (-p NAME; `latch profile list` shows them)");
	if (optind >= argc && !o->dry_run)
		return cli_usage_error(USAGE_RUN, "run: no command given");
	if (o->supervise == RUN_SUPERVISE_OFF && (o->approve_socket || o->approve_all || o->events || o->save_to))
		return cli_usage_error(USAGE_RUN, "run: --no-supervise contradicts --approve-socket, --approve-all, "
						  "--events and --save-to");
	if (o->approve_socket && o->approve_all)
		return cli_usage_error(USAGE_RUN, "run: --approve-socket and --approve-all are two backends; pick one");
	o->argv = argv + optind;
	return -1; /* go on */
}

/* Print the refusals (or nothing) and return whether there were any. */
static bool refuse(const struct run_request *o, const struct run_state *s, int *ret)
{
	if (!s->refusals)
		return false;
	for (size_t i = 0; s->refusals[i]; i++)
		fprintf(stderr, "latch: refusing to start: %s\n", s->refusals[i]);
	*ret = o->json ? cli_fail(true, o->kind, EXIT_LATCH_FAILED, "refusing to start: %s", s->refusals[0])
		       : EXIT_LATCH_FAILED;
	return true;
}

/* Print each warning once, even when the plan is checked again after a
 * fallback. */
static void warn(const struct run_request *o, struct run_state *s)
{
	for (size_t i = 0; s->warnings && s->warnings[i]; i++) {
		if (strv_contains(s->warned, s->warnings[i]))
			continue;
		if (!o->quiet)
			fprintf(stderr, "latch: warning: %s\n", s->warnings[i]);
		(void)strv_push(&s->warned, s->warnings[i]);
	}
}

static int exec_failure(const struct run_request *o, const struct error *err)
{
	if (err->code == ENOENT || err->code == ENOTDIR)
		return cli_fail(o->json, o->kind, EXIT_NOT_FOUND, "%s", err->msg);
	return cli_fail(o->json, o->kind, EXIT_CANNOT_EXEC, "%s%s", err->msg,
			err->code == EACCES ? " (denied by the sandbox? try `latch why -p PROFILE exec PATH`)" : "");
}

/* Leave the way the program left: its exit code, or the same signal. */
static _noreturn_ void exit_like(int status)
{
	if (WIFSIGNALED(status)) {
		struct rlimit no_core = { 0, 0 };
		sigset_t set;

		(void)setrlimit(RLIMIT_CORE, &no_core);
		(void)signal(WTERMSIG(status), SIG_DFL);
		(void)sigemptyset(&set);
		(void)sigaddset(&set, WTERMSIG(status));
		(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
		(void)fflush(NULL);
		(void)raise(WTERMSIG(status));
		_exit(128 + WTERMSIG(status));
	}
	(void)fflush(NULL);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_LATCH_FAILED);
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

/* "Nobody to ask" matters only once something is refused: said then,
 * once, rather than on every run. */
static void note_no_terminal(void *data)
{
	(void)data;
	fputs("latch: warning: supervise: no terminal to ask on; what the profile denies is denied and recorded\n",
	      stderr);
}

static int sup_hook_tty(void *data)
{
	(void)data;
	return sup_tty_child_setup();
}

/* Supervised run: the sandbox in a child (isolated or static), latch
 * outside serving its notifications until it is gone. */
static int run_supervised(const struct run_request *o, struct run_state *s, struct launch *l, bool *fell_back)
{
	_cleanup_(sup_filter_freep) struct sup_filter *filter = NULL;
	_cleanup_close_ int events_fd = -EBADF, listener = -EBADF;
	struct launch_child child;
	struct launch_result res;
	struct sup_summary sum;
	struct sup_config cfg;
	struct sup_hook hook;
	struct error err = { 0 };
	int sp[2], r;

	*fell_back = false;
	if (sup_filter_build(&filter, &err) < 0)
		return cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "%s", err.msg);
	if (o->events) {
		events_fd = open(o->events, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (events_fd < 0)
			return cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "--events: cannot open '%s': %s", o->events,
					strerror(errno));
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "cannot create a socket pair: %s", strerror(errno));
	hook = (struct sup_hook){ .filter = filter, .sock = sp[1] };
	l->before_exec = sup_hook_load;
	l->before_exec_data = &hook;
	l->child_setup = s->backend == SUP_BACKEND_TTY ? sup_hook_tty : NULL;
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
		*fell_back = true;
		set_ns_unavailable(s, err.code);
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

		if (child.pid > 0 && launch_finish(&child, l, &res, &ferr) < 0)
			return res.exec_errno ? exec_failure(o, &ferr)
					      : cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "%s", ferr.msg);
		return cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "%s", err.msg);
	}
	sup_config_init(&cfg);
	cfg.policy = s->policy;
	cfg.landlock = s->ll;
	cfg.landlock_exact = s->landlock_exact;
	cfg.inexact = s->inexact;
	cfg.backend = s->backend;
	cfg.socket_path = o->approve_socket;
	cfg.timeout_ms = o->approve_timeout_ms;
	cfg.events_fd = events_fd;
	cfg.quiet = o->quiet;
	cfg.save_to = o->save_to;
	cfg.reap_orphans = !l->ns_flags;
	if (!o->quiet && s->supervise == POLICY_SUPERVISE_ASK && s->backend == SUP_BACKEND_DENY)
		cfg.on_first_denial = note_no_terminal;
	r = sup_serve(&cfg, listener, child.pid, &sum, &err);
	if (sum.child_reaped) {
		child.reaped = true;
		child.status = sum.child_status;
	}
	if (r < 0) {
		(void)kill(child.pid, SIGKILL);
		(void)launch_finish(&child, l, &res, &(struct error){ 0 });
		return cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "supervisor: %s", err.msg);
	}
	if (!o->quiet && sup_summary_eventful(&sum)) {
		char buf[4096];

		if (sup_summary_format(&sum, buf, sizeof(buf)) > 0)
			fputs(buf, stderr);
	}
	if (launch_finish(&child, l, &res, &err) < 0)
		return res.exec_errno ? exec_failure(o, &err) : cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "%s", err.msg);
	cgroup_cleanup(&s->cgroup);
	exit_like(res.wait_status);
}

static int run_isolated(const struct run_request *o, struct run_state *s, const struct launch *l, bool *fell_back)
{
	struct launch_result res;
	struct error err = { 0 };
	int r;

	*fell_back = false;
	r = launch_isolated(l, &res, &err);
	if (r < 0 && res.clone_failed) {
		*fell_back = true;
		set_ns_unavailable(s, err.code);
		return 0;
	}
	if (r < 0 && res.exec_errno)
		return exec_failure(o, &err);
	if (r < 0)
		return cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "%s", err.msg);
	cgroup_cleanup(&s->cgroup);
	exit_like(res.wait_status);
}

int cmd_run(int argc, char **argv)
{
	struct run_request o = { .kind = "run_plan" };
	int r;

	r = parse_args(argc, argv, &o);
	if (r < 0)
		r = cli_run(&o);
	strv_free(o.ack_risk);
	return r;
}

int cli_run(const struct run_request *req)
{
	const struct run_request o = *req;
	struct run_state s = { 0 };
	struct error err = { 0 };
	struct launch l;
	bool exec_failed, fell_back = false;
	int r;

	if (cli_check_path_arg("the profile name", o.profile, &err) < 0)
		return cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "%s", err.msg);
	cli_env_init(&s.env);
	r = load_and_compile(&o, &s, &err);
	if (r < 0) {
		r = cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "%s", err.msg);
		goto out;
	}
	if (!o.dry_run && (r = gate_risk(&o, &s)) != 0)
		goto out;
	if (s.isolated && o.dry_run) {
		/* Asking the kernel is the only way to know. */
		int e = ns_probe(ns_flags_for(s.policy));

		if (e < 0)
			set_ns_unavailable(&s, -e);
	}
	if (s.isolated && (s.policy->limits.memory >= 0 || s.policy->limits.pids >= 0) &&
	    cgroup_prepare(&s.policy->limits, &s.cgroup, &s.cgroup_unavailable) == -ENOMEM) {
		r = cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "out of memory");
		goto out;
	}
	if (check_plan(&o, &s) < 0) {
		r = cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "out of memory");
		goto out;
	}
	if (o.dry_run) {
		/* Opening the paths is what finds the ones that do not exist:
		 * the plan shows them as skipped. */
		if (landlock_prepare(s.ll, &err) < 0)
			r = cli_fail(true, o.kind, EXIT_LATCH_FAILED, "%s", err.msg);
		else
			r = print_plan(&o, &s);
		goto out;
	}
	if (refuse(&o, &s, &r))
		goto out;
	if (s.lookup_err == -ENOENT) {
		r = cli_fail(o.json, o.kind, EXIT_NOT_FOUND, "%s: command not found", o.argv[0]);
		goto out;
	}
	if (s.lookup_err == -EACCES) {
		r = cli_fail(o.json, o.kind, EXIT_CANNOT_EXEC, "%s: permission denied", o.argv[0]);
		goto out;
	}
	if (make_missing_dirs(s.policy, &err) < 0) {
		r = cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "%s", err.msg);
		goto out;
	}
	if (s.policy->uses_private_tmp && ensure_private_tmp(policy_ctx_var(&s.env.ctx, "PRIVATE_TMP"), &err) < 0) {
		r = cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "%s", err.msg);
		goto out;
	}
	if (landlock_prepare(s.ll, &err) < 0) {
		r = cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "%s", err.msg);
		goto out;
	}
	l = (struct launch){
		.landlock = s.ll,
		.sfilter = s.sf,
		.envp = s.envp,
		.file = s.program,
		.argv = o.argv,
		.keep_fds = o.keep_fds,
		.n_keep_fds = o.n_keep_fds,
		.limits = &s.policy->limits,
		.caps_extra = s.policy->process.capabilities,
		.ns_flags = ns_flags_for(s.policy),
		.masks = s.use_masks ? s.masks : NULL,
		.private_dirs = s.private_dirs,
		.cgroup = &s.cgroup,
		.parent = getpid(),
	};
	if (!s.isolated)
		l.ns_flags = 0;
	if (s.supervise != POLICY_SUPERVISE_OFF || s.isolated) {
		warn(&o, &s);
		r = s.supervise != POLICY_SUPERVISE_OFF ? run_supervised(&o, &s, &l, &fell_back)
							 : run_isolated(&o, &s, &l, &fell_back);
		if (!fell_back)
			goto out;
		/* The kernel refused namespaces: the static mode has its own
		 * reasons to refuse, and says what it loses. */
		cgroup_cleanup(&s.cgroup);
		/* No private directories now: their rules go, and the plan is
		 * made again without them. */
		if (plan_private(&s, &err) < 0 || landlock_prepare(s.ll, &err) < 0) {
			r = cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "%s", err.msg);
			goto out;
		}
		if (check_plan(&o, &s) < 0) {
			r = cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "out of memory");
			goto out;
		}
		if (refuse(&o, &s, &r))
			goto out;
		l.landlock = s.ll;
		l.ns_flags = 0;
		l.masks = NULL;
		l.private_dirs = NULL;
		if (s.supervise != POLICY_SUPERVISE_OFF) {
			warn(&o, &s);
			r = run_supervised(&o, &s, &l, &fell_back);
			goto out;
		}
	}
	warn(&o, &s);
	fflush(NULL);
	(void)launch_exec(&l, &exec_failed, &err);
	/* Only failures come back here. */
	if (exec_failed)
		r = exec_failure(&o, &err);
	else
		r = cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "%s", err.msg);
	/* The sandbox may already be on this process: nothing at exit (atexit
	 * handlers, a sanitizer's leak check) can be trusted to work in it. */
	run_state_done(&s);
	(void)fflush(NULL);
	_exit(r);
out:
	run_state_done(&s);
	return r;
}
