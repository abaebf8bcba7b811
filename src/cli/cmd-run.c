/* latch run: parse -> plan (policy, Landlock, masks, mode) -> check -> launch.
 *
 * Two modes. Isolated (the default where the kernel allows unprivileged
 * user namespaces): latch clones the sandbox into its own namespaces and
 * waits for it. Static (--no-namespaces, LATCH_NO_NAMESPACES=1, or when the
 * kernel refuses namespaces): latch applies Landlock and seccomp to itself
 * and execs in place. Every reason to refuse is computed for the mode that
 * will really run, and printed all at once. */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/path-util.h"
#include "base/strv.h"
#include "cli/cli.h"
#include "policy/render.h"
#include "policy/risk.h"
#include "sandbox/env.h"
#include "sandbox/landlock.h"
#include "sandbox/launch.h"
#include "sandbox/limits.h"
#include "sandbox/mounts.h"
#include "sandbox/namespaces.h"
#include "sandbox/seccomp.h"

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
		{ "help", no_argument, NULL, 'h' },            {},
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
	o->argv = argv + optind;
	return -1; /* go on */
}

static const char *env_lookup(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

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

static json_t *env_names_json(char *const *envp)
{
	json_t *a = json_array();

	for (size_t i = 0; envp && envp[i]; i++) {
		_cleanup_free_ char *name = strndup(envp[i], strcspn(envp[i], "="));

		(void)json_array_append_new(a, json_str(name));
	}
	return a;
}

struct run_state {
	struct cli_env env;
	struct policy *policy;
	struct landlock_plan *ll;
	struct mask_plan *masks;
	struct sfilter_plan sf;
	struct cgroup_handle cgroup;
	char *cgroup_unavailable; /* why limits.memory/pids cannot be given */
	char **envp;
	char *program;
	int lookup_err;
	int abi;
	bool isolated;            /* the mode planned for */
	bool ns_disabled;         /* --no-namespaces or LATCH_NO_NAMESPACES=1 */
	char *ns_unavailable;     /* why the kernel refused namespaces */
	char **refusals;
	char **warnings;
	char **warned;            /* warnings already printed */
};

static int load_and_compile(const struct run_request *o, struct run_state *s, struct error *err)
{
	const char *no_ns = getenv("LATCH_NO_NAMESPACES");
	int r;

	r = policy_load(o->profile, &s->env.ctx, &s->policy, err);
	if (r < 0)
		return r;
	for (size_t i = 0; o->extra_exec && o->extra_exec[i]; i++) {
		_cleanup_free_ char *resolved = NULL;

		r = path_resolve(o->extra_exec[i], &resolved);
		if (r < 0)
			return error_set(err, -r, "cannot resolve '%s': %s", o->extra_exec[i], strerror(-r));
		r = policy_add_rule(s->policy, POLICY_CLASS_EXEC, resolved, o->extra_exec_origin, err);
		if (r < 0)
			return r;
	}
	s->abi = cli_landlock_abi(err);
	if (s->abi == -EINVAL)
		return s->abi;
	r = landlock_compile(s->policy, s->abi, &s->ll, err);
	if (r < 0)
		return r;
	if (mask_plan_build(s->policy, s->ll, &s->masks) < 0)
		return error_set(err, ENOMEM, "out of memory");
	s->sf.allow_ptrace = s->policy->process.ptrace;
	s->sf.network_off = s->policy->net.mode == POLICY_NET_OFF;
	if (env_build(&s->policy->env, environ, &s->envp) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (o->argv[0]) {
		s->lookup_err = launch_find_program(o->argv[0], env_lookup(s->envp, "PATH"), &s->program);
		if (s->lookup_err == -ENOMEM)
			return error_set(err, ENOMEM, "out of memory");
	}
	if (no_ns && strcmp(no_ns, "1") != 0 && strcmp(no_ns, "0") != 0)
		return error_set(err, EINVAL, "LATCH_NO_NAMESPACES: '%s' is not 0 or 1", no_ns);
	s->ns_disabled = o->no_namespaces || (no_ns && strcmp(no_ns, "1") == 0);
	s->isolated = !s->ns_disabled;
	return 0;
}

_printf_(2, 3) static int add_line(char ***v, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return strv_consume(v, line);
}

/* A protection that cannot be given: a warning, or a refusal under --strict
 * or when the profile requires it. */
static int degraded(const struct run_request *o, struct run_state *s, unsigned required_bit, const char *line)
{
	const char *why = o->strict ? "--strict"
			  : (s->policy->required & required_bit) ? "the profile's \"required\""
								   : NULL;

	if (why)
		return add_line(&s->refusals, "%s (refused because of %s)", line, why);
	return add_line(&s->warnings, "%s", line);
}

/* Every reason to refuse and every warning, for the mode planned. */
static int check_plan(const struct run_request *o, struct run_state *s)
{
	const struct landlock_plan *ll = s->ll;
	const struct policy_limits *lim = &s->policy->limits;
	int r = 0;

	s->refusals = strv_free(s->refusals);
	s->warnings = strv_free(s->warnings);
	if (s->abi < 1)
		r = add_line(&s->refusals,
			     "Landlock is not available (%s); latch does not run a program without filesystem "
			     "confinement",
			     errno_name(-s->abi));
	for (size_t i = 0; r == 0 && s->abi >= 1 && ll->degraded && ll->degraded[i]; i++)
		r = degraded(o, s, ll->degraded_bit[i], ll->degraded[i]);

	/* Deny rules inside allowed directories: masked in isolated mode, or
	 * refused (accepted, with a warning, under --allow-unmasked). */
	if (s->isolated && s->masks->unmaskable) {
		char **u = s->masks->unmaskable;
		size_t n = strv_length(u);

		/* Often dozens (credential paths a user does not have): one
		 * line, the first few named, all of them in --dry-run. */
		r = add_line(o->allow_unmasked ? &s->warnings : &s->refusals,
			     "%zu denied path%s inside allowed directories do%s not exist, so %s cannot be masked "
			     "and the program could create %s: %s%s%s%s%s%s (%s)",
			     n, n == 1 ? "" : "s", n == 1 ? "es" : "", n == 1 ? "it" : "they", n == 1 ? "it" : "them",
			     u[0], n > 1 ? ", " : "", n > 1 ? u[1] : "", n > 2 ? ", " : "", n > 2 ? u[2] : "",
			     n > 3 ? ", ..." : "",
			     o->allow_unmasked ? "not enforced: --allow-unmasked"
					       : "`latch run --dry-run` lists them; --allow-unmasked accepts this");
	}
	for (size_t i = 0; r == 0 && s->isolated && s->masks->unenforceable && s->masks->unenforceable[i]; i++)
		r = add_line(&s->refusals, "%s", s->masks->unenforceable[i]);
	if (r == 0 && !s->isolated) {
		for (size_t i = 0; r == 0 && ll->conflicts && ll->conflicts[i]; i++)
			r = add_line(o->allow_unmasked ? &s->warnings : &s->refusals, "%s%s", ll->conflicts[i],
				     o->allow_unmasked ? " (not enforced: --allow-unmasked)"
				     : s->ns_disabled ? " (namespaces would mask it; they are disabled)"
						      : " (--allow-unmasked accepts this)");
	}

	if (r == 0 && !s->isolated) {
		const char *what = "no pid, mount, ipc, uts or network namespace: this user's other processes "
				   "stay visible in /proc, and no path can be masked";

		if (s->ns_disabled && (s->policy->required & POLICY_REQUIRE_NAMESPACES))
			r = add_line(&s->refusals, "namespaces: disabled on request, but the profile requires "
						   "them");
		else if (s->ns_disabled)
			r = add_line(&s->warnings, "namespaces: disabled on request; %s", what);
		else
			r = degraded(o, s, POLICY_REQUIRE_NAMESPACES,
				     s->ns_unavailable ? s->ns_unavailable : "namespaces: not available");
	}
	if (r == 0 && (lim->memory >= 0 || lim->pids >= 0) && (!s->isolated || s->cgroup_unavailable))
		r = degraded(o, s, POLICY_REQUIRE_CGROUP_LIMITS,
			     s->isolated ? s->cgroup_unavailable
					 : "cgroup_limits: limits.memory and limits.pids need the isolated mode "
					   "(namespaces); they are not enforced");
	return r < 0 ? -ENOMEM : 0;
}

static void set_ns_unavailable(struct run_state *s, int err)
{
	free(s->ns_unavailable);
	if (asprintf(&s->ns_unavailable,
		     "namespaces: the kernel refused an unprivileged user namespace (%s); no pid, mount, ipc, uts "
		     "or network namespace: this user's other processes stay visible in /proc, and no path "
		     "can be masked (see `latch doctor`)",
		     errno_name(err)) < 0)
		s->ns_unavailable = NULL;
	s->isolated = false;
}

static int print_plan(const struct run_request *o, struct run_state *s)
{
	json_t *data = json_object(), *cmd = json_object(), *fds = json_array(), *risk = json_object(),
	       *iso = json_object();
	struct policy_risk pr = { 0 };
	bool refused = s->refusals != NULL;
	struct json_result res = { .ok = !refused, .rc = refused ? EXIT_LATCH_FAILED : 0, .exit_code = -1,
				   .outcome = refused ? "refused" : "ok" };

	if (policy_risk(s->policy, &s->env.ctx, &pr) == 0) {
		json_set(risk, "tier", json_integer(pr.tier));
		json_set(risk, "reasons", json_strv(pr.reasons));
	}
	policy_risk_done(&pr);
	for (size_t i = 0; i < o->n_keep_fds; i++)
		(void)json_array_append_new(fds, json_integer(o->keep_fds[i]));
	json_set(cmd, "argv", json_strv(o->argv));
	json_set(cmd, "path", json_str(s->program));
	json_set(cmd, "lookup_error",
		 o->argv[0] && s->lookup_err < 0 ? json_str(s->lookup_err == -ENOENT ? "not found" : "not executable")
						  : json_null());
	json_set(iso, "namespaces", ns_flags_to_json(s->isolated ? ns_flags_for(s->policy) : 0));
	json_set(iso, "masks", mask_plan_to_json(s->isolated ? s->masks : NULL));
	json_set(iso, "fallback", json_str(s->isolated ? NULL
				   : s->ns_disabled ? "disabled on request"
						    : s->ns_unavailable));
	json_set(data, "profile", policy_to_json(s->policy));
	json_set(data, "risk", risk);
	json_set(data, "landlock", landlock_plan_to_json(s->ll));
	json_set(data, "seccomp", sfilter_plan_to_json(&s->sf));
	json_set(data, "isolation", iso);
	json_set(data, "limits", policy_limits_to_json(&s->policy->limits));
	json_set(data, "command", cmd);
	json_set(data, "env_names", env_names_json(s->envp));
	json_set(data, "keep_fds", fds);
	json_set(data, "strict", json_boolean(o->strict));
	json_set(data, "refusals", json_strv(s->refusals));
	json_set(data, "warnings", json_strv(s->warnings));
	json_set(data, "mode", json_str(s->isolated ? "isolated" : "static"));
	if (refused)
		res.error = s->refusals[0];
	return cli_print_envelope(o->kind, data, &res, res.rc);
}

static void run_state_done(struct run_state *s)
{
	cgroup_cleanup(&s->cgroup);
	free(s->cgroup_unavailable);
	free(s->ns_unavailable);
	policy_free(s->policy);
	landlock_plan_free(s->ll);
	mask_plan_free(s->masks);
	strv_free(s->envp);
	strv_free(s->refusals);
	strv_free(s->warnings);
	strv_free(s->warned);
	free(s->program);
	cli_env_done(&s->env);
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
	if (r >= 0)
		return r;
	return cli_run(&o);
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
		.ns_flags = ns_flags_for(s.policy),
		.masks = s.masks,
		.cgroup = &s.cgroup,
	};
	if (s.isolated) {
		warn(&o, &s);
		r = run_isolated(&o, &s, &l, &fell_back);
		if (!fell_back)
			goto out;
		/* The kernel refused namespaces: the static mode has its own
		 * reasons to refuse, and says what it loses. */
		cgroup_cleanup(&s.cgroup);
		if (check_plan(&o, &s) < 0) {
			r = cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "out of memory");
			goto out;
		}
		if (refuse(&o, &s, &r))
			goto out;
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
