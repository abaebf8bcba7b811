/* latch probe: run one probe from the catalog inside a sandbox launched
 * exactly as `latch run` does (cli_run), or without one (--no-sandbox, the
 * baseline lane), and print its probe_response envelope.
 *
 * Parse -> resolve (profile, harness, context) -> fork: the child launches
 * `latch __probe-exec` under the sandbox exactly as `latch run` starts a
 * program (in place, or under the sandbox's own pid 1 when isolated); the
 * parent captures its one envelope, re-attributes it and prints it.
 *
 * latch __probe-exec is the probe process itself (src/probe/exec.h). */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/strv.h"
#include "cli/cli.h"
#include "lab/lab.h"
#include "probe/catalog.h"
#include "probe/exec.h"
#include "probe/harness.h"
#include "probe/response.h"
#include "probe/runner.h"
#include "sandbox/landlock.h"

struct probe_opts {
	const char *profile;
	bool no_sandbox, json, list, names;
	const char *wait_fifo, *wait_exists, *wait_timeout_ms, *hold_open, *attach_report;
	bool supervise; /* --supervise: under a denying supervisor; default none, whatever the profile says */
	char **ack_risk; /* --ack-risk NAME: tier-2 profiles that may run */
	const char *events; /* --events FILE: the supervisor's events (implies --supervise) */
	long timeout_ms, wait_ms, hold_s;
	struct probe_runner_info info;
};

/* The sandbox as the runner resolves it: the same profile, the same extra
 * exec rule and the same Landlock ABI as cli_run, so the context it hands
 * the probe (world_shape) and the attribution describe what was applied. */
struct probe_world {
	struct session_env env;
	struct session_plan plan;
	struct probe_sandbox sb;
};

/* What the forked child needs to start the probe process. */
struct probe_launch {
	const struct probe_opts *o;
	char *self;
	char **argv;
	int keep[2];
	size_t n_keep;
	FILE *attach;
};

static const struct cli_flag flags[] = {
	{ "profile", "PROFILE", "run the probe in this profile's sandbox" },
	{ "no-sandbox", NULL, "run it without a sandbox: the baseline" },
	{ "json", NULL, "print the probe_response envelope" },
	{ "list", NULL, "list the catalog: every probe and its arguments" },
	{ "names", NULL, "with --list: only the probe ids, one per line" },
	{ "help", NULL, "show this help" },
	{ "wait-fifo", "PATH", "wait inside, before the operation, for a writer" },
	{ "wait-exists", "PATH", "wait inside, before the operation, for PATH" },
	{ "wait-timeout-ms", "N", "give up waiting after N ms (default 30000)" },
	{ "hold-open", "SECONDS", "keep the probe process after its answer" },
	{ "attach-report", "PATH|stdout|stderr", "JSON lines: the probe's pids" },
	{ "plan-id", "ID", "echoed in the envelope's data" },
	{ "row-id", "ID", "echoed in the envelope's data" },
	{ "correlation-id", "ID", "echoed in the envelope's data" },
	{ "expected-outcome", "OUTCOME", "echoed in the envelope's data" },
	{ "timeout-ms", "N", "bound the whole run (default 30000, plus a wait)" },
	{ "supervise", NULL, "under the profile's supervisor, which denies" },
	{ "ack-risk", "PROFILE", "let this tier-2 profile run (repeatable)" },
	{ "events", "FILE", "the supervisor's events (implies --supervise)" },
	{},
};

static int parse_opts(int argc, char **argv, struct probe_opts *o)
{
	static const char shortopts[] = "+p:h";
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },        { "no-sandbox", no_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },                 { "list", no_argument, NULL, 'l' },
		{ "names", no_argument, NULL, 'n' },                { "help", no_argument, NULL, 'h' },
		{ "wait-fifo", required_argument, NULL, 'f' },      { "wait-exists", required_argument, NULL, 'x' },
		{ "wait-timeout-ms", required_argument, NULL, 'w' }, { "hold-open", required_argument, NULL, 'H' },
		{ "attach-report", required_argument, NULL, 'a' },  { "plan-id", required_argument, NULL, 'P' },
		{ "row-id", required_argument, NULL, 'R' },         { "correlation-id", required_argument, NULL, 'C' },
		{ "expected-outcome", required_argument, NULL, 'E' }, { "timeout-ms", required_argument, NULL, 'T' },
		{ "supervise", no_argument, NULL, 'S' },            { "ack-risk", required_argument, NULL, 'K' },
		{ "events", required_argument, NULL, 'V' },
		{},
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->profile = optarg;
			break;
		case 'N':
			o->no_sandbox = true;
			break;
		case 'S':
			o->supervise = true;
			break;
		case 'V':
			o->events = optarg;
			o->supervise = true;
			break;
		case 'K':
			if (strv_push(&o->ack_risk, optarg) < 0)
				return cli_fail(false, PROBE_RESPONSE_KIND, EXIT_LATCH_FAILED, "out of memory");
			break;
		case 'j':
			o->json = true;
			break;
		case 'l':
			o->list = true;
			break;
		case 'n':
			o->names = true;
			break;
		case 'h':
			return cli_help(USAGE_PROBE, shortopts, longopts, flags);
		case 'f':
			o->wait_fifo = optarg;
			break;
		case 'x':
			o->wait_exists = optarg;
			break;
		case 'w':
			if (probe_parse_long(optarg, 1, PROBE_WAIT_TIMEOUT_MAX_MS, &o->wait_ms) < 0)
				return cli_usage_error(USAGE_PROBE, "probe: --wait-timeout-ms: '%s' is not 1-%d", optarg,
						       PROBE_WAIT_TIMEOUT_MAX_MS);
			o->wait_timeout_ms = optarg;
			break;
		case 'H':
			if (probe_parse_long(optarg, 0, PROBE_HOLD_OPEN_MAX_S, &o->hold_s) < 0)
				return cli_usage_error(USAGE_PROBE, "probe: --hold-open: '%s' is not 0-%d seconds",
						       optarg, PROBE_HOLD_OPEN_MAX_S);
			o->hold_open = optarg;
			break;
		case 'a':
			o->attach_report = optarg;
			break;
		case 'P':
			o->info.plan_id = optarg;
			break;
		case 'R':
			o->info.row_id = optarg;
			break;
		case 'C':
			o->info.correlation_id = optarg;
			break;
		case 'E':
			if (probe_outcome_from_name(optarg) < 0)
				return cli_usage_error(USAGE_PROBE, "probe: --expected-outcome: '%s' is not an outcome",
						       optarg);
			o->info.expected_outcome = optarg;
			break;
		case 'T':
			if (probe_parse_long(optarg, 100, PROBE_WAIT_TIMEOUT_MAX_MS, &o->timeout_ms) < 0)
				return cli_usage_error(USAGE_PROBE, "probe: --timeout-ms: '%s' is not 100-%d", optarg,
						       PROBE_WAIT_TIMEOUT_MAX_MS);
			break;
		default:
			return cli_usage_error(USAGE_PROBE, "probe: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (o->names && (!o->list || o->json))
		return cli_usage_error(USAGE_PROBE, "probe: --names goes with --list, without --json");
	if (o->list)
		return -1;
	if (optind >= argc)
		return cli_usage_error(USAGE_PROBE, "probe: no probe id given (`latch probe --list` shows them)");
	if (o->wait_fifo && o->wait_exists)
		return cli_usage_error(USAGE_PROBE, "probe: --wait-fifo and --wait-exists exclude each other");
	if (o->attach_report && o->attach_report[0] != '/' && strcmp(o->attach_report, "stdout") != 0 &&
	    strcmp(o->attach_report, "stderr") != 0)
		return cli_usage_error(USAGE_PROBE, "probe: --attach-report takes an absolute PATH, stdout or stderr");
	return -1;
}

static int print_list(const struct probe_opts *o)
{
	json_t *cat;
	struct json_result res = { .ok = true, .exit_code = -1, .outcome = "ok" };

	if (o->names) {
		for (size_t i = 0; i < probe_catalog_size; i++)
			printf("%s\n", probe_catalog[i].id);
		return 0;
	}
	cat = probe_catalog_json();
	if (o->json)
		return cli_print_envelope("probe_catalog", cat, &res, 0);
	for (size_t i = 0; i < probe_catalog_size; i++) {
		_cleanup_free_ char *usage = probe_usage(&probe_catalog[i]);

		printf("%s%s", i ? "\n" : "", usage ? usage + strlen("usage: ") : "");
	}
	printf("\noutcomes: ");
	for (int i = 0; i < _PROBE_OUTCOME_MAX; i++)
		printf("%s%s", i ? ", " : "", probe_outcome_name(i));
	printf("\n`latch probe PROBE_ID --help` for one probe's arguments.\n");
	json_decref(cat);
	return 0;
}

/* One line for people: "fs_op: denied (EACCES), landlock (inferred): ...". */
static int print_human(const json_t *env)
{
	const json_t *res = json_object_get(env, "result"), *data = json_object_get(env, "data");
	const json_t *at = json_object_get(data, "attribution"), *details = json_object_get(data, "details");
	const char *en = json_string_value(json_object_get(res, "errno"));
	const char *layer = json_string_value(json_object_get(at, "layer"));
	const char *error = json_string_value(json_object_get(res, "error"));

	printf("%s: %s", json_string_value(json_object_get(data, "probe_id")) ?: "probe",
	       json_string_value(json_object_get(res, "normalized_outcome")));
	if (en)
		printf(" (%s)", en);
	if (layer && strcmp(layer, "none") != 0)
		printf(", %s (%s)", layer, json_string_value(json_object_get(at, "how")));
	if (error)
		printf(": %s", error);
	putchar('\n');
	if (json_object_size(details) > 0) {
		_cleanup_free_ char *s = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);

		printf("  details: %s\n", s ? s : "{}");
	}
	return (int)json_integer_value(json_object_get(res, "rc"));
}

static int emit(const struct probe_opts *o, json_t *env)
{
	int rc;

	if (!env) {
		fprintf(stderr, "latch: out of memory\n");
		return EXIT_LATCH_FAILED;
	}
	if (o->json) {
		rc = (int)json_integer_value(json_object_get(json_object_get(env, "result"), "rc"));
		rc = json_write_line(stdout, env) < 0 ? EXIT_LATCH_FAILED : rc;
	} else {
		rc = print_human(env);
	}
	json_decref(env);
	return rc;
}

static void world_done(struct probe_world *w)
{
	session_plan_done(&w->plan);
	session_env_done(&w->env);
}

/* The request the runner's child gives cli_run (start_probe), but for the
 * command. */
static struct session_request world_request(const struct probe_opts *o, char **extra)
{
	return (struct session_request){
		.profile = o->profile,
		.extra_exec = extra,
		.extra_exec_origin = "latch probe runner",
		/* A probe measures the kernel layers, and never stops to ask:
		 * a supervisor only when asked for, and one that denies. */
		.supervise = o->supervise ? SESSION_SUPERVISE_ON : SESSION_SUPERVISE_OFF,
		.ack_risk = o->ack_risk,
		.quiet = o->supervise,
		.events = o->events,
	};
}

static int world_load(const struct probe_opts *o, const char *self, struct probe_world *w, struct error *err)
{
	char *extra[] = { (char *)self, NULL };
	const struct session_request req = world_request(o, extra);
	int r;

	if (cli_check_path_arg("the profile name", o->profile, err) < 0)
		return -EINVAL;
	r = session_plan_build(&req, &w->env.ctx, 0, &w->plan, err);
	if (r < 0)
		return r;
	/* Opening the paths is what marks the missing ones as skipped; a
	 * failure here is cli_run's to report, once it tries the same. */
	{
		struct error ignored = { 0 };

		(void)landlock_prepare(w->plan.ll, &ignored);
	}
	w->sb = (struct probe_sandbox){
		.policy = w->plan.policy,
		.ll = w->plan.ll,
		.sf = w->plan.sf,
		.supervised = o->supervise,
		.sockets_supervised = w->plan.sockets_supervised,
	};
	return 0;
}

static json_t *namespaces_json(void)
{
	static const char *const names[] = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" };
	json_t *o = json_object();

	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		char path[64], id[128];
		ssize_t n;

		(void)snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
		n = readlink(path, id, sizeof(id) - 1);
		if (n < 0)
			continue;
		id[n] = '\0';
		json_set(o, names[i], json_str(id));
	}
	return o;
}

/* The context the probe reads on --context-fd (exec.h), in a memfd. */
static int context_fd(const char *self, const struct probe_world *w, const struct probe_harness *h, bool sandboxed)
{
	json_t *ctx = json_object(), *vars = json_object(), *sandbox = json_null();
	_cleanup_free_ char *s = NULL;
	int fd;

	json_set(vars, "HOME", json_str(policy_ctx_var(&w->env.ctx, "HOME")));
	json_set(vars, "TMPDIR", json_str(policy_ctx_var(&w->env.ctx, "TMPDIR")));
	json_set(vars, "CWD", json_str(policy_ctx_var(&w->env.ctx, "CWD")));
	if (sandboxed) {
		sandbox = json_object();
		json_set(sandbox, "profile", json_str(w->plan.policy->name));
		json_set(sandbox, "landlock", landlock_plan_to_json(w->plan.ll));
		json_set(sandbox, "seccomp", sfilter_plan_to_json(&w->sb.sf));
	}
	json_set(ctx, "self", json_str(self));
	json_set(ctx, "vars", vars);
	json_set(ctx, "harness", h->dir || h->tcp_fd >= 0 ? probe_harness_to_json(h) : json_null());
	json_set(ctx, "sandbox", sandbox);
	json_set(ctx, "runner_namespaces", namespaces_json());
	s = json_dumps(ctx, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(ctx);
	if (!s)
		return -ENOMEM;
	fd = memfd_create("latch-probe-context", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write_all(fd, s, strlen(s)) < 0) {
		(void)close(fd);
		return -EIO;
	}
	return fd;
}

/* [self, "__probe-exec", runner options..., PROBE_ID, ARGS...] */
static char **inner_argv(const struct probe_opts *o, const char *self, int ctx_fd, int ev_fd, char **probe)
{
	char **v = NULL, num[32];
	bool ok = strv_push(&v, self) == 0 && strv_push(&v, "__probe-exec") == 0;

	(void)snprintf(num, sizeof(num), "%d", ctx_fd);
	ok = ok && strv_push(&v, "--context-fd") == 0 && strv_push(&v, num) == 0;
	if (ev_fd >= 0) {
		(void)snprintf(num, sizeof(num), "%d", ev_fd);
		ok = ok && strv_push(&v, "--event-fd") == 0 && strv_push(&v, num) == 0;
	}
	if (o->wait_fifo)
		ok = ok && strv_push(&v, "--wait-fifo") == 0 && strv_push(&v, o->wait_fifo) == 0;
	if (o->wait_exists)
		ok = ok && strv_push(&v, "--wait-exists") == 0 && strv_push(&v, o->wait_exists) == 0;
	if (o->wait_timeout_ms)
		ok = ok && strv_push(&v, "--wait-timeout-ms") == 0 && strv_push(&v, o->wait_timeout_ms) == 0;
	if (o->hold_open)
		ok = ok && strv_push(&v, "--hold-open") == 0 && strv_push(&v, o->hold_open) == 0;
	for (size_t i = 0; ok && probe[i]; i++)
		ok = strv_push(&v, probe[i]) == 0;
	if (!ok)
		return strv_free(v);
	return v;
}

/* In the forked child: the sandbox exactly as `latch run` applies it, or
 * (baseline lane) latch executed directly. Returns only on failure. */
static int start_probe(void *userdata)
{
	const struct probe_launch *l = userdata;
	char *extra[] = { l->self, NULL };
	struct run_request req = {
		.kind = PROBE_RESPONSE_KIND,
		.s = world_request(l->o, extra), /* gated by probe already */
	};

	req.s.argv = l->argv;
	if (l->o->no_sandbox) {
		for (size_t i = 0; i < l->n_keep; i++)
			(void)fcntl(l->keep[i], F_SETFD, 0);
		execv(l->self, l->argv);
		fprintf(stderr, "latch: cannot execute '%s': %s\n", l->self, strerror(errno));
		return errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
	}
	for (size_t i = 0; i < l->n_keep; i++)
		req.s.keep_fds[req.s.n_keep_fds++] = l->keep[i];
	return cli_run(&req);
}

/* An attach event: a probe_attach_event envelope on the report, or one
 * line on stderr for people when no report was asked for. */
static void on_event(json_t *ev, void *userdata)
{
	const struct probe_launch *l = userdata;
	const char *name = json_string_value(json_object_get(ev, "event"));
	struct json_result res = { .ok = true, .exit_code = -1, .outcome = "ok" };
	json_t *env, *data;

	if (!l->attach) {
		fprintf(stderr, "latch probe: %s pid %lld%s%s%s%s\n", name,
			(long long)json_integer_value(json_object_get(ev, "pid")),
			json_object_get(ev, "wait_kind") ? " " : "",
			json_string_value(json_object_get(ev, "wait_kind")) ?: "",
			json_object_get(ev, "wait_path") ? " " : "",
			json_string_value(json_object_get(ev, "wait_path")) ?: "");
		return;
	}
	data = json_deep_copy(ev);
	if (!json_object_get(data, "wait_kind")) {
		json_set(data, "wait_kind", json_null());
		json_set(data, "wait_path", json_null());
	}
	json_set(data, "probe_id", json_str(l->o->info.probe_id));
	json_set(data, "correlation_id", json_str(l->o->info.correlation_id));
	env = json_envelope("probe_attach_event", data, &res);
	if (env)
		(void)json_write_line(l->attach, env);
	json_decref(env);
}

static FILE *open_attach(const char *where, struct error *err)
{
	int fd;
	FILE *f;

	if (!where)
		return NULL;
	if (strcmp(where, "stdout") == 0)
		return stdout;
	if (strcmp(where, "stderr") == 0)
		return stderr;
	fd = open(where, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		error_set(err, errno, "cannot open the attach report '%s': %s", where, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
	}
	return f;
}

/* Launch, capture, finish, print; returns the exit code. With --hold-open
 * the answer is printed while the probe process is still there. */
static int run_probe(const struct probe_opts *o, const struct probe_def *def, char *self, char **probe_argv,
		     struct probe_world *w)
{
	struct probe_harness h = PROBE_HARNESS_INIT;
	struct probe_launch l = { .o = o, .self = self };
	struct probe_capture c = { 0 };
	struct error err = { 0 };
	_cleanup_strv_free_ char **argv = NULL;
	int ev[2] = { -1, -1 }, ctx = -1, r, printed = -1;
	json_t *env = NULL;
	const char *const parents[] = { policy_ctx_var(&w->env.ctx, "CWD"), policy_ctx_var(&w->env.ctx, "TMPDIR"),
					NULL };
	struct probe_spawn sp = {
		.start = start_probe,
		.userdata = &l,
		.event_fd = -1,
		.on_event = on_event,
		.timeout_ms = (o->timeout_ms ? o->timeout_ms : PROBE_TIMEOUT_DEFAULT_MS) +
			      (o->wait_fifo || o->wait_exists ? (o->wait_ms ? o->wait_ms : PROBE_WAIT_TIMEOUT_DEFAULT_MS) : 0),
		.hold_ms = o->hold_s * 1000,
	};

	if (((def->needs & PROBE_NEEDS_HARNESS) && probe_harness_create(&h, parents[0] ? parents : parents + 1, &err) < 0) ||
	    ((def->needs & PROBE_NEEDS_LISTENERS) && probe_harness_listen(&h, &err) < 0)) {
		env = probe_early(PROBE_HARNESS_ERROR, err.msg, &o->info);
		goto out;
	}
	l.attach = open_attach(o->attach_report, &err);
	if (o->attach_report && !l.attach) {
		env = probe_early(PROBE_BAD_REQUEST, err.msg, &o->info);
		goto out;
	}
	if ((o->wait_fifo || o->wait_exists || o->attach_report || o->hold_open) && pipe2(ev, O_CLOEXEC) < 0) {
		env = probe_early(PROBE_HARNESS_ERROR, "cannot create the event pipe", &o->info);
		goto out;
	}
	ctx = context_fd(self, w, &h, !o->no_sandbox);
	argv = ctx >= 0 ? inner_argv(o, self, ctx, ev[1], probe_argv) : NULL;
	if (!argv) {
		env = probe_early(PROBE_HARNESS_ERROR, "cannot write the probe's context", &o->info);
		goto out;
	}
	l.argv = argv;
	l.keep[l.n_keep++] = ctx;
	if (ev[1] >= 0)
		l.keep[l.n_keep++] = ev[1];
	sp.event_fd = ev[0];
	if (ev[1] >= 0)
		sp.parent_close[sp.n_parent_close++] = ev[1];
	r = probe_spawn(&sp, &c, &err);
	ev[1] = -1; /* closed by probe_spawn once forked */
	if (r < 0) {
		env = probe_early(PROBE_HARNESS_ERROR, err.msg, &o->info);
		goto out;
	}
	/* What the probe process and the launcher said on stderr. */
	if (c.err_len)
		fputs(c.err, stderr);
	env = probe_finish(&c, o->no_sandbox ? NULL : &w->sb, &o->info);
	if (!c.reaped) {
		printed = emit(o, env);
		env = NULL;
		(void)fflush(stdout);
		probe_reap_launcher(&c, o->hold_s * 1000);
	}
out:
	probe_capture_done(&c);
	probe_harness_destroy(&h);
	if (l.attach && l.attach != stdout && l.attach != stderr)
		(void)fclose(l.attach);
	for (int i = 0; i < 2; i++)
		if (ev[i] >= 0)
			(void)close(ev[i]);
	if (ctx >= 0)
		(void)close(ctx);
	return printed >= 0 ? printed : emit(o, env);
}

int cmd_probe(int argc, char **argv)
{
	struct probe_opts o = { 0 };
	struct probe_world w = { 0 };
	struct error err = { 0 };
	const struct probe_def *def;
	char self[LATCH_PATH_MAX];
	ssize_t n;
	int r;

	/* Resolved first: once restricted, /proc/self/exe may not be readable. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return cli_fail(false, PROBE_RESPONSE_KIND, EXIT_LATCH_FAILED, "cannot find latch's own binary: %s",
				strerror(errno));
	self[n] = '\0';
	r = parse_opts(argc, argv, &o);
	if (r >= 0)
		return r;
	if (o.list)
		return print_list(&o);
	o.info.probe_id = argv[optind];
	o.info.probe_args = argv + optind + 1;
	o.info.lane = o.no_sandbox ? "unsandboxed" : "sandboxed";
	def = probe_find(o.info.probe_id);
	if (!def) {
		(void)snprintf(err.msg, sizeof(err.msg), "no probe '%s' (`latch probe --list` shows the catalog)",
			       o.info.probe_id);
		return emit(&o, probe_early(PROBE_UNKNOWN_PROBE, err.msg, &o.info));
	}
	{
		struct probe_request req;

		r = probe_parse(def, argc - optind - 1, argv + optind + 1, &req, &err);
	}
	if (r == 1) {
		_cleanup_free_ char *usage = probe_usage(def);

		fputs(usage ? usage : "", stdout);
		return 0;
	}
	if (r < 0)
		return emit(&o, probe_early(PROBE_BAD_REQUEST, err.msg, &o.info));
	if (!!o.profile == o.no_sandbox)
		return cli_usage_error(USAGE_PROBE, "probe: give exactly one of -p PROFILE and --no-sandbox");
	session_env_init(&w.env);
	if (!o.no_sandbox) {
		if (world_load(&o, self, &w, &err) < 0) {
			r = emit(&o, probe_early(PROBE_BAD_REQUEST, err.msg, &o.info));
			goto out;
		}
		o.info.profile = w.plan.policy->name;
		/* Risk gating: a tier-2 profile runs only when acknowledged. */
		if (session_risk_gate(&(struct session_request){ .profile = o.profile, .ack_risk = o.ack_risk },
				      &w.plan, &err) < 0) {
			r = emit(&o, probe_early(PROBE_BAD_REQUEST, err.msg, &o.info));
			goto out;
		}
	}
	o.info.launched_via = o.no_sandbox ? "exec" : "cli_run";
	r = run_probe(&o, def, self, argv + optind, &w);
out:
	world_done(&w);
	strv_free(o.ack_risk);
	return r;
}

int cmd_probe_exec(int argc, char **argv)
{
	struct probe_exec_out out;

	probe_exec(argc, argv, &out);
	if (out.envelope && json_write_line(stdout, out.envelope) < 0)
		out.exit_code = EXIT_LATCH_FAILED;
	json_decref(out.envelope);
	probe_hold_open(&out);
	return out.exit_code;
}
