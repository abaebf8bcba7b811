/* latch run: parse the command line, plan and check the run (session.h),
 * show it (--dry-run) or launch it, and leave the way the program left.
 * Every reason to refuse is computed for the mode that will really run, and
 * printed all at once. */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strv.h"
#include "cli/cli.h"
#include "session/log.h"
#include "sandbox/seatbelt.h"
#include "session/session.h"

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

/* --help: one line per option of the getopt table below. */
static const struct cli_flag flags[] = {
	{ "profile", "PROFILE", "the profile: a name, or a file" },
	{ "strict", NULL, "refuse to start if any protection is degraded" },
	{ "dry-run", NULL, "print the plan as one JSON envelope; run nothing" },
	{ "json", NULL, "errors, and a run_report at the end, as JSON" },
	{ "quiet", NULL, "no warnings, no supervisor/proxy summary at exit" },
	{ "keep-fd", "N", "leave inherited descriptor N open (repeatable)" },
	{ "no-namespaces", NULL, "the static mode: Landlock and seccomp only" },
	{ "allow-unmasked", NULL, "accept deny rules nothing can mask or enforce" },
	{ "supervise", NULL, "a supervisor denies and records (at least)" },
	{ "no-supervise", NULL, "no supervisor, whatever the profile says" },
	{ "ask", NULL, "supervise, and ask on the terminal" },
	{ "approve-socket", "PATH", "supervise, and ask an approver on this socket" },
	{ "approve-all", NULL, "supervise, and grant everything (tests only)" },
	{ "approve-timeout", "MS", "deny a question unanswered after MS (30000)" },
	{ "events", "FILE", "supervise, and write every decision as JSON lines" },
	{ "save-to", "PROFILE", "supervise; save \"always\" answers in PROFILE" },
	{ "ack-risk", "PROFILE", "let this profile of risk tier 2 run (repeatable)" },
	{ "help", NULL, "show this help" },
	{ "no-log", NULL, "keep no session log of this run" },
	{ "learn", NULL, "supervise; propose a profile from what was refused" },
	{ "learn-grant", NULL, "with --learn: grant what is refused meanwhile" },
	{ "overlay", NULL, "writes land in an overlay (see latch diff)" },
	{ "allow-host", "HOST[:PORT]", "a network.hosts entry for this run (repeatable)" },
	{ "report", "FILE", "write the run_report envelope to FILE, not stderr" },
	{ "backend", "linux|seatbelt", "linux, the default; seatbelt: macOS only" },
	CLI_RULE_FLAGS,
	{},
};

static int parse_args(int argc, char **argv, struct run_request *o)
{
	static const char shortopts[] = "+p:qh";
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
		{ "no-log", no_argument, NULL, 'O' },         { "learn", no_argument, NULL, 'W' },
		{ "learn-grant", no_argument, NULL, 'G' },     { "overlay", no_argument, NULL, 'Y' },
		{ "allow-host", required_argument, NULL, 'H' },
		{ "report", required_argument, NULL, 'P' },
		{ "backend", required_argument, NULL, 'B' },
		CLI_RULE_OPTIONS,
		{},
	};
	struct error err = { 0 };
	int c, fd;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (o->s.profile)
				return cli_usage_error(USAGE_RUN, "run: -p given twice ('%s', then '%s'); extend a profile "
								  "to combine two",
						       o->s.profile, optarg);
			o->s.profile = optarg;
			break;
		case 's':
			o->s.strict = true;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'q':
			o->s.quiet = true;
			break;
		case 'N':
			o->s.no_namespaces = true;
			break;
		case 'U':
			o->s.allow_unmasked = true;
			break;
		case 'S':
			if (o->s.supervise != SESSION_SUPERVISE_ASK)
				o->s.supervise = SESSION_SUPERVISE_ON;
			break;
		case 'X':
			o->s.supervise = SESSION_SUPERVISE_OFF;
			break;
		case 'O':
			o->log = false;
			break;
		case 'W':
			o->learn = true;
			break;
		case 'G':
			o->learn_grant = true;
			break;
		case 'Y':
			o->s.overlay = true;
			break;
		case 'A':
			o->s.supervise = SESSION_SUPERVISE_ASK;
			break;
		case 'K':
			o->s.approve_socket = optarg;
			break;
		case 'L':
			o->s.approve_all = true;
			break;
		case 'E':
			o->s.events = optarg;
			break;
		case 'V':
			o->s.save_to = optarg;
			break;
		case 'P':
			o->report = optarg;
			break;
		case 'R':
			if (strv_push(&o->s.ack_risk, optarg) < 0)
				return cli_usage_error(USAGE_RUN, "run: out of memory");
			break;
		case 'H':
			if (strv_push(&o->s.allow_hosts, optarg) < 0)
				return cli_usage_error(USAGE_RUN, "run: out of memory");
			break;
		case 'T':
			if (parse_fd(optarg, &fd) < 0 || fd < 1)
				return cli_usage_error(USAGE_RUN, "--approve-timeout: '%s' is not a number of ms",
						       optarg);
			o->s.approve_timeout_ms = (unsigned)fd;
			break;
		case 'k':
			if (parse_fd(optarg, &fd) < 0 || fd < 3)
				return cli_usage_error(USAGE_RUN, "--keep-fd: '%s' is not a file descriptor >= 3",
						       optarg);
			if (fcntl(fd, F_GETFD) < 0)
				return cli_usage_error(USAGE_RUN, "--keep-fd: fd %d is not open", fd);
			if (o->s.n_keep_fds == SESSION_KEEP_FDS_MAX)
				return cli_usage_error(USAGE_RUN, "--keep-fd: more than %d fds", SESSION_KEEP_FDS_MAX);
			o->s.keep_fds[o->s.n_keep_fds++] = fd;
			break;
		case 'B':
			/* linux: the kernel's own layers, the default. seatbelt: a
			 * rendered SBPL profile (src/sandbox/seatbelt.c). */
			if (strcmp(optarg, "seatbelt") == 0 && !SEATBELT_AVAILABLE) {
				fputs("latch: seatbelt: macOS only\n", stderr);
				return EXIT_USAGE;
			}
			if (strcmp(optarg, "linux") != 0)
				return cli_usage_error(USAGE_RUN, "--backend: '%s' is not linux or seatbelt", optarg);
			break;
		case 'h':
			return cli_help(USAGE_RUN, shortopts, longopts, flags);
		default:
			if (CLI_IS_RULE_OPTION(c)) {
				if (cli_rules_add(&o->rules, c, optarg, &err) < 0)
					return cli_usage_error(USAGE_RUN, "run: %s", err.msg);
				o->s.rules = o->rules.v;
				o->s.n_rules = o->rules.n;
				break;
			}
			return cli_usage_error(USAGE_RUN, "run: unknown or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	if (!o->s.profile)
		return cli_usage_error(USAGE_RUN, "run: no profile given (-p NAME; `latch profile list` shows them)");
	if (optind >= argc && !o->dry_run)
		return cli_usage_error(USAGE_RUN, "run: no command given");
	if (o->s.supervise == SESSION_SUPERVISE_OFF && (o->s.approve_socket || o->s.approve_all || o->s.events || o->s.save_to))
		return cli_usage_error(USAGE_RUN, "run: --no-supervise contradicts --approve-socket, --approve-all, "
						  "--events and --save-to");
	if (o->s.approve_socket && o->s.approve_all)
		return cli_usage_error(USAGE_RUN, "run: --approve-socket and --approve-all are two backends; pick one");
	if (o->learn_grant && !o->learn)
		return cli_usage_error(USAGE_RUN, "run: --learn-grant goes with --learn");
	if (o->learn)
		o->learn_save_to = o->s.save_to;
	o->s.argv = argv + optind;
	return -1; /* go on */
}

/* What a person hears while the run goes on: each warning once, even when
 * a second plan repeats it. */
struct run_voice {
	bool quiet;
	char **warned;
	struct cli_learn *learn; /* --learn */
	json_t *summary; /* the supervisor's, for the run report; NULL: none ran */
	json_t *proxy;   /* the proxy's, likewise; NULL: no proxy reported */
	/* For the run report written before an exec in place. */
	const struct run_request *o;
	const struct session_plan *plan;
};

static void say_refused(const struct sup_refusal *r, void *data)
{
	struct run_voice *v = data;

	if (v->learn)
		cli_learn_add(v->learn, r);
}

static void say_warnings(char *const *warnings, void *data)
{
	struct run_voice *v = data;

	for (size_t i = 0; warnings[i]; i++) {
		if (strv_contains(v->warned, warnings[i]))
			continue;
		if (!v->quiet)
			fprintf(stderr, "latch: warning: %s\n", warnings[i]);
		(void)strv_push(&v->warned, warnings[i]);
	}
}

/* "Nobody to ask" matters only once something is refused: said then,
 * once, rather than on every run. */
static void say_no_terminal(void *data)
{
	(void)data;
	fputs("latch: warning: supervise: no terminal to ask on; what the profile denies is denied and recorded\n",
	      stderr);
}

static void say_summary(const struct sup_summary *sum, void *data)
{
	struct run_voice *v = data;
	char buf[4096];

	json_decref(v->summary);
	v->summary = sup_summary_to_json(sum);
	if (!v->quiet && sup_summary_eventful(sum) && sup_summary_format(sum, buf, sizeof(buf)) > 0)
		fputs(buf, stderr);
}

static void say_net_summary(const struct net_summary *sum, void *data)
{
	struct run_voice *v = data;
	char buf[4096];

	json_decref(v->proxy);
	v->proxy = net_summary_to_json(sum);
	if (!v->quiet && net_summary_format(sum, buf, sizeof(buf)) > 0)
		fputs(buf, stderr);
}

/* latch run --json / --report FILE: what happened, as one run_report
 * envelope, on stderr (stdout is the program's) or in FILE. status < 0:
 * the program is about to be executed in place (nothing comes back). */
static void write_report(const struct run_request *o, const struct session_plan *s, const struct run_voice *v,
			 int status)
{
	json_t *data = json_object(), *ex = json_object();
	struct json_result jr = { .ok = true, .rc = 0, .exit_code = -1 };
	FILE *f = stderr;

	json_set(data, "profile", json_str(s->policy ? s->policy->name : o->s.profile));
	json_set(data, "mode", json_str(s->isolated ? "isolated" : "static"));
	json_set(data, "supervise", json_str(policy_supervise_name(s->supervise)));
	json_set(data, "sockets_only", json_boolean(s->sockets_supervised));
	json_set(data, "degraded", json_strv(v->warned));
	json_set(data, "command", json_strv(o->s.argv));
	json_set(data, "supervisor", v->summary ? json_incref(v->summary) : json_null());
	json_set(data, "proxy", v->proxy ? json_incref(v->proxy) : json_null());
	json_set(ex, "exec_in_place", json_boolean(status < 0));
	json_set(ex, "code", status >= 0 && WIFEXITED(status) ? json_integer(WEXITSTATUS(status)) : json_null());
	json_set(ex, "signal", status >= 0 && WIFSIGNALED(status) ? json_integer(WTERMSIG(status)) : json_null());
	json_set(data, "exit", ex);
	jr.exit_code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (o->report && !(f = fopen(o->report, "we"))) {
		fprintf(stderr, "latch: --report: cannot write '%s': %s\n", o->report, strerror(errno));
		json_decref(data);
		return;
	}
	{
		json_t *env = json_envelope("run_report", data, &jr);

		if (!env || json_write_line(f, env) < 0)
			fprintf(stderr, "latch: cannot write the run report\n");
		json_decref(env);
	}
	if (f != stderr)
		(void)fclose(f);
}

static void report_in_place(void *data)
{
	const struct run_voice *v = data;

	if (v->o->json || v->o->report)
		write_report(v->o, v->plan, v, -1);
}

/* Print the refusals and return the exit code. */
static int refuse(const struct run_request *o, char *const *refusals)
{
	for (size_t i = 0; refusals[i]; i++)
		fprintf(stderr, "latch: refusing to start: %s\n", refusals[i]);
	return o->json ? cli_fail(true, o->kind, EXIT_LATCH_FAILED, "refusing to start: %s", refusals[0])
		       : EXIT_LATCH_FAILED;
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

/* --dry-run: the plan as one envelope. */
static int print_plan(const struct run_request *o, const struct session_plan *s)
{
	bool refused = s->refusals != NULL;
	struct json_result res = { .ok = !refused, .rc = refused ? EXIT_LATCH_FAILED : 0, .exit_code = -1,
				   .outcome = refused ? "refused" : "ok", .error = refused ? s->refusals[0] : NULL };

	return cli_print_envelope(o->kind, session_plan_to_json(&o->s, s), &res, res.rc);
}

/* The exit code for a run that did not end with the program's own. */
static int result_code(const struct run_request *o, const struct session_result *res)
{
	switch (res->outcome) {
	case SESSION_EXITED:
		break;
	case SESSION_REFUSED:
		return refuse(o, res->refusals);
	case SESSION_NOT_FOUND:
		return cli_fail(o->json, o->kind, EXIT_NOT_FOUND, "%s", res->err.msg);
	case SESSION_CANNOT_EXEC:
		return cli_fail(o->json, o->kind, EXIT_CANNOT_EXEC, "%s%s", res->err.msg,
				res->errno_denied ? " (denied by the sandbox? try `latch why -p PROFILE exec PATH`)" : "");
	case SESSION_FAILED:
		return cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "%s", res->err.msg);
	}
	return EXIT_LATCH_FAILED;
}

int cmd_run(int argc, char **argv)
{
	struct run_request o = { .kind = "run_plan", .log = true };
	int r;

	r = parse_args(argc, argv, &o);
	if (r < 0)
		r = cli_run(&o);
	strv_free(o.s.ack_risk);
	strv_free(o.s.allow_hosts);
	cli_rules_done(&o.rules);
	return r;
}

int cli_run(const struct run_request *o)
{
	struct session_plan s = { 0 };
	struct run_voice voice = { .quiet = o->s.quiet, .o = o, .plan = &s };
	const struct session_hooks hooks = {
		.warnings = say_warnings,
		.no_terminal = say_no_terminal,
		.summary = say_summary,
		.refused = say_refused,
		.net_summary = say_net_summary,
		.exec_in_place = report_in_place,
		.data = &voice,
	};
	struct session_request req = o->s;
	struct session_result res;
	struct session_env env;
	struct error err = { 0 };
	int r;

	if (cli_check_path_arg("the profile name", o->s.profile, &err) < 0)
		return cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "%s", err.msg);
	if (o->learn && (r = cli_learn_prepare(o, &req)) >= 0)
		return r;
	session_env_init(&env);
	if (session_plan_build(&req, &env.ctx, 0, &s, &err) < 0) {
		r = cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "%s", err.msg);
		goto out;
	}
	if (!o->dry_run && session_risk_gate(&req, &s, &err) < 0) {
		r = cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "%s", err.msg);
		goto out;
	}
	/* Only a plan that is shown asks the kernel about namespaces first:
	 * a run finds out by trying. */
	if (session_plan_probe(&s, o->dry_run) < 0 || session_plan_check(&req, &s) < 0) {
		r = cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "out of memory");
		goto out;
	}
	if (o->dry_run) {
		/* Opening the paths is what finds the ones that do not exist:
		 * the plan shows them as skipped. */
		if (landlock_prepare(s.ll, &err) < 0)
			r = cli_fail(true, o->kind, EXIT_LATCH_FAILED, "%s", err.msg);
		else
			r = print_plan(o, &s);
		goto out;
	}
	if (s.refusals) {
		r = refuse(o, s.refusals);
		goto out;
	}
	req.log = o->log;
	req.log_dir = o->log ? session_log_dir(&env.ctx) : NULL;
	if (o->learn && !(voice.learn = cli_learn_new(&s))) {
		r = cli_fail(o->json, o->kind, EXIT_LATCH_FAILED, "out of memory");
		goto out;
	}
	(void)session_run(&req, &s, &hooks, &res);
	free((char *)req.log_dir);
	req.log_dir = NULL;
	if (res.outcome == SESSION_EXITED && (o->json || o->report))
		write_report(o, &s, &voice, res.wait_status);
	if (o->learn && cli_learn_finish(o, voice.learn, &env) != 0 && res.outcome == SESSION_EXITED)
		res.wait_status = EXIT_LATCH_FAILED << 8;
	if (res.outcome == SESSION_EXITED) {
		json_decref(voice.summary);
		json_decref(voice.proxy);
		exit_like(res.wait_status);
	}
	r = result_code(o, &res);
	strv_free(res.refusals);
	if (res.self_sandboxed) {
		/* Nothing at exit (atexit handlers, a sanitizer's leak check)
		 * can be trusted to work in the sandbox. */
		session_plan_done(&s);
		session_env_done(&env);
		strv_free(voice.warned);
		(void)fflush(NULL);
		_exit(r);
	}
out:
	free((char *)req.log_dir);
	cli_learn_free(voice.learn);
	session_plan_done(&s);
	session_env_done(&env);
	strv_free(voice.warned);
	json_decref(voice.summary);
	json_decref(voice.proxy);
	return r;
}
