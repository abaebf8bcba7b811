/* __probe-exec: parse, set up the context, wait if asked, run one probe,
 * build the envelope. */
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/json-util.h"
#include "probe/catalog.h"
#include "probe/exec.h"
#include "probe/harness.h"
#include "probe/probes.h"
#include "probe/response.h"

#define CONTEXT_MAX (4 << 20) /* bytes of context a probe reads */
#define WAIT_POLL_MS 20

struct exec_opts {
	int context_fd, event_fd;
	const char *wait_fifo, *wait_exists;
	long wait_timeout_ms, hold_open_s;
	int worker_event_fd, worker_rights_fd;
};

static int parse_opts(int argc, char **argv, struct exec_opts *o, struct error *err)
{
	static const struct option longopts[] = {
		{ "context-fd", required_argument, NULL, 'c' },      { "event-fd", required_argument, NULL, 'e' },
		{ "wait-fifo", required_argument, NULL, 'f' },       { "wait-exists", required_argument, NULL, 'x' },
		{ "wait-timeout-ms", required_argument, NULL, 't' }, { "hold-open", required_argument, NULL, 'H' },
		{ "inherit-worker", required_argument, NULL, 'w' },  {},
	};
	long v, w;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
		case 'e':
			if (probe_parse_long(optarg, 3, 1 << 20, &v) < 0)
				return error_set(err, EINVAL, "'%s' is not a file descriptor", optarg);
			*(c == 'c' ? &o->context_fd : &o->event_fd) = (int)v;
			break;
		case 'f':
			o->wait_fifo = optarg;
			break;
		case 'x':
			o->wait_exists = optarg;
			break;
		case 't':
			if (probe_parse_long(optarg, 1, PROBE_WAIT_TIMEOUT_MAX_MS, &o->wait_timeout_ms) < 0)
				return error_set(err, EINVAL, "--wait-timeout-ms: '%s' is not 1-%d", optarg,
						 PROBE_WAIT_TIMEOUT_MAX_MS);
			break;
		case 'H':
			if (probe_parse_long(optarg, 0, PROBE_HOLD_OPEN_MAX_S, &o->hold_open_s) < 0)
				return error_set(err, EINVAL, "--hold-open: '%s' is not 0-%d", optarg,
						 PROBE_HOLD_OPEN_MAX_S);
			break;
		case 'w': {
			char *comma = strchr(optarg, ',');

			if (!comma)
				return error_set(err, EINVAL, "--inherit-worker takes EVENT_FD,RIGHTS_FD");
			*comma = '\0';
			if (probe_parse_long(optarg, 3, 1 << 20, &v) < 0 || probe_parse_long(comma + 1, 3, 1 << 20, &w) < 0)
				return error_set(err, EINVAL, "--inherit-worker takes EVENT_FD,RIGHTS_FD");
			o->worker_event_fd = (int)v;
			o->worker_rights_fd = (int)w;
			break;
		}
		default:
			return error_set(err, EINVAL, "__probe-exec: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (o->wait_fifo && o->wait_exists)
		return error_set(err, EINVAL, "--wait-fifo and --wait-exists exclude each other");
	if (optind >= argc)
		return error_set(err, EINVAL, "no probe id given");
	return 0;
}

static json_t *read_context(int fd, struct error *err)
{
	_cleanup_free_ char *buf = malloc(CONTEXT_MAX);
	size_t len = 0;
	json_error_t je;
	ssize_t n;
	json_t *v;

	if (!buf)
		return error_set(err, ENOMEM, "out of memory"), NULL;
	while (len < CONTEXT_MAX && (n = pread(fd, buf + len, CONTEXT_MAX - len, (off_t)len)) > 0)
		len += (size_t)n;
	(void)close(fd);
	v = json_loadb(buf, len, 0, &je);
	if (!json_is_object(v)) {
		json_decref(v);
		error_set(err, EINVAL, "the runner's context is not a JSON object: %s", je.text);
		return NULL;
	}
	return v;
}

static void emit(int fd, const char *name, const char *kind, const char *path)
{
	json_t *e = json_object();
	_cleanup_free_ char *s = NULL;

	if (fd < 0) {
		json_decref(e);
		return;
	}
	json_set(e, "event", json_str(name));
	json_set(e, "pid", json_integer(getpid()));
	if (kind) {
		json_set(e, "wait_kind", json_str(kind));
		json_set(e, "wait_path", json_str(path));
	}
	s = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(e);
	if (s)
		(void)!dprintf(fd, "%s\n", s);
}

static long long mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Block until the FIFO gets a writer's data or hang-up, or the path exists.
 * 0, -ETIMEDOUT, or another negative errno with err set. */
static int wait_before(const struct exec_opts *o, struct error *err)
{
	long long deadline = mono_ms() + o->wait_timeout_ms;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	if (o->wait_exists) {
		emit(o->event_fd, "wait_ready", "exists", o->wait_exists);
		while (stat(o->wait_exists, &st) < 0) {
			if (mono_ms() >= deadline)
				return -ETIMEDOUT;
			(void)usleep(WAIT_POLL_MS * 1000);
		}
		return 0;
	}
	/* Non-blocking, so that opening does not itself wait for a writer. */
	fd = open(o->wait_fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "cannot open the wait FIFO '%s': %s", o->wait_fifo, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return error_set(err, EINVAL, "'%s' is not a FIFO", o->wait_fifo);
	emit(o->event_fd, "wait_ready", "fifo", o->wait_fifo);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - mono_ms();

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) > 0 && p.revents)
			return 0;
	}
}

/* The runner's variables when it passed them (so that both lanes name the
 * same paths), else this process's own. */
static void set_ctx(struct probe_ctx *ctx, const char *cwd, char *self_buf, size_t size)
{
	json_t *vars = json_object_get(ctx->context, "vars");
	const char *self = json_string_value(json_object_get(ctx->context, "self"));
	ssize_t n;

	ctx->home = vars ? json_string_value(json_object_get(vars, "HOME")) : getenv("HOME");
	ctx->tmp = vars ? json_string_value(json_object_get(vars, "TMPDIR")) : getenv("TMPDIR");
	ctx->cwd = vars ? json_string_value(json_object_get(vars, "CWD")) : cwd;
	if (!ctx->tmp)
		ctx->tmp = "/tmp";
	ctx->harness = json_string_value(json_object_get(json_object_get(ctx->context, "harness"), "dir"));
	if (self) {
		ctx->self = self;
		return;
	}
	n = readlink("/proc/self/exe", self_buf, size - 1);
	self_buf[n > 0 ? n : 0] = '\0';
	ctx->self = n > 0 ? self_buf : "/proc/self/exe";
}

static json_t *access_json(const struct probe_result *res)
{
	json_t *a;

	if (!res->has_access)
		return json_null();
	a = json_object();
	json_set(a, "access", json_str(policy_access_name(res->access)));
	json_set(a, "path", json_str(res->path));
	json_set(a, "port", res->access == POLICY_ACCESS_TCP_CONNECT || res->access == POLICY_ACCESS_TCP_BIND
				    ? json_integer(res->port)
				    : json_null());
	json_set(a, "landlock", json_boolean(res->landlock_mediated));
	json_set(a, "to_access", res->to_path ? json_str(policy_access_name(res->to_access)) : json_null());
	json_set(a, "to_path", json_str(res->to_path));
	return a;
}

static json_t *args_json(int argc, char **argv)
{
	json_t *a = json_array();

	for (int i = 0; i < argc; i++)
		(void)json_array_append_new(a, json_str(argv[i]));
	return a;
}

/* The envelope for a probe that ran (or was stopped) with this result. */
static json_t *result_envelope(json_t *data, const struct probe_result *res, enum probe_outcome *ret_outcome)
{
	struct probe_attribution at;
	struct probe_facts f = {
		.err = res->err, .syscall = res->syscall, .has_access = res->has_access, .access = res->access,
		.path = res->path, .port = res->port, .landlock_mediated = res->landlock_mediated, .dac = -1,
	};
	const char *error;

	probe_attribute(NULL, &f, &at);
	if (res->outcome_set) {
		at.outcome = res->outcome;
		at.layer = res->outcome == PROBE_DAC_DENIED ? PROBE_LAYER_DAC : PROBE_LAYER_NONE;
		(void)snprintf(at.reason, sizeof(at.reason), "%s",
			       res->error[0] ? res->error : probe_outcome_meaning(res->outcome));
	}
	error = res->error[0] ? res->error : at.outcome == PROBE_OK ? NULL : at.reason;
	json_set(data, "access", access_json(res));
	json_set(data, "attribution", probe_attribution_json(at.layer, at.reason));
	json_set(data, "errno", res->err ? json_str(probe_errno_name(res->err)) : json_null());
	json_set(data, "syscall", json_str(res->err || at.outcome == PROBE_OK ? res->syscall : NULL));
	json_set(data, "details", res->details ? json_incref(res->details) : json_object());
	*ret_outcome = at.outcome;
	return probe_envelope(data, at.outcome, res->err ? probe_errno_name(res->err) : NULL, error, -1);
}

/* data.isolation: for each namespace kind, whether the probe has its own. */
static json_t *isolation_json(const struct probe_ctx *ctx)
{
	static const char *const kinds[] = { "ipc", "mnt", "net", "pid", "user", "uts" };
	json_t *o = json_object();

	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		int r = probe_own_ns(ctx, kinds[i]);

		json_set(o, kinds[i], r < 0 ? json_null() : json_boolean(r));
	}
	return o;
}

static json_t *harness_json(const char *dir, const char *created_by, const char *safety)
{
	json_t *h = json_object();

	json_set(h, "dir", json_str(dir));
	json_set(h, "created_by", json_str(dir ? created_by : NULL));
	json_set(h, "path_safety", json_str(safety));
	return h;
}

void probe_exec(int argc, char **argv, struct probe_exec_out *ret)
{
	struct exec_opts o = { .context_fd = -1, .event_fd = -1, .wait_timeout_ms = PROBE_WAIT_TIMEOUT_DEFAULT_MS,
			       .worker_event_fd = -1, .worker_rights_fd = -1 };
	struct probe_harness own = PROBE_HARNESS_INIT;
	struct probe_result res = { 0 };
	struct probe_ctx ctx = { 0 };
	struct probe_request req;
	struct error err = { 0 };
	const struct probe_def *def = NULL;
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	json_t *data = probe_data_new();
	enum probe_outcome outcome;
	char self[4096];
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->event_fd = -1;
	json_set(data, "pid", json_integer(getpid()));
	if (parse_opts(argc, argv, &o, &err) < 0) {
		probe_outcome(&res, PROBE_BAD_REQUEST, "%s", err.msg);
		goto done;
	}
	json_set(data, "probe_id", json_str(argv[optind]));
	json_set(data, "probe_args", args_json(argc - optind - 1, argv + optind + 1));
	def = probe_find(argv[optind]);
	if (!def) {
		probe_outcome(&res, PROBE_UNKNOWN_PROBE, "no probe '%s' (`latch probe --list`)", argv[optind]);
		goto done;
	}
	r = probe_parse(def, argc - optind - 1, argv + optind + 1, &req, &err);
	if (r != 0) {
		probe_outcome(&res, PROBE_BAD_REQUEST, "%s", r > 0 ? "--help is answered by `latch probe ID --help`" : err.msg);
		goto done;
	}
	if (o.context_fd >= 0 && !(ctx.context = read_context(o.context_fd, &err))) {
		probe_outcome(&res, PROBE_HARNESS_ERROR, "%s", err.msg);
		goto done;
	}
	set_ctx(&ctx, cwd, self, sizeof(self));
	ctx.worker_event_fd = o.worker_event_fd;
	ctx.worker_rights_fd = o.worker_rights_fd;
	if (o.worker_event_fd >= 0) {
		ret->exit_code = probe_inherit_worker(&ctx, &req);
		goto out;
	}
	if ((def->needs & PROBE_NEEDS_HARNESS) && !ctx.harness) {
		const char *parents[] = { cwd ? cwd : "/tmp", ctx.tmp ? ctx.tmp : "/tmp", NULL };

		/* Run directly: a harness of our own, which may fail under a
		 * sandbox that allows no writing; fs_op then reports it. */
		if (probe_harness_create(&own, parents, &err) == 0)
			ctx.harness = own.dir;
	}
	emit(o.event_fd, "pid_ready", NULL, NULL);
	if (o.wait_fifo || o.wait_exists) {
		r = wait_before(&o, &err);
		if (r == -ETIMEDOUT) {
			probe_outcome(&res, PROBE_TIMEOUT, "nothing released the wait on '%s' within %ld ms",
				      o.wait_fifo ? o.wait_fifo : o.wait_exists, o.wait_timeout_ms);
			goto done;
		}
		if (r < 0) {
			probe_outcome(&res, PROBE_HARNESS_ERROR, "%s", err.msg);
			goto done;
		}
	}
	def->run(&ctx, &req, &res);
done:
	json_set(data, "harness", harness_json(ctx.harness, own.dir ? "probe" : "runner", res.path_safety));
	json_set(data, "isolation", isolation_json(&ctx));
	ret->envelope = result_envelope(data, &res, &outcome);
	data = NULL;
	ret->exit_code = probe_outcome_rc(outcome);
	ret->hold_open_s = o.hold_open_s;
out:
	probe_harness_destroy(&own);
	json_decref(data);
	json_decref(res.details);
	json_decref(ctx.context);
	free(res.path);
	free(res.to_path);
	ret->event_fd = o.event_fd;
}

void probe_hold_open(struct probe_exec_out *out)
{
	struct timespec ts = { .tv_sec = out->hold_open_s };

	if (out->hold_open_s > 0)
		emit(out->event_fd, "response_written", NULL, NULL);
	if (out->event_fd >= 0)
		(void)close(out->event_fd);
	out->event_fd = -1;
	if (out->hold_open_s <= 0)
		return;
	(void)close(STDOUT_FILENO);
	(void)close(STDERR_FILENO);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
