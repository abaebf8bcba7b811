/* latch run: parse -> compile -> check -> apply in-process -> execve. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "base/path-util.h"
#include "base/strv.h"
#include "cli/cli.h"
#include "policy/render.h"
#include "policy/risk.h"
#include "sandbox/env.h"
#include "sandbox/landlock.h"
#include "sandbox/launch.h"
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
		{ "profile", required_argument, NULL, 'p' }, { "strict", no_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' },       { "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },         { "keep-fd", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },          {},
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
	struct sfilter_plan sf;
	char **envp;
	char *program;
	int lookup_err;
	char **refusals;
};

static int plan_run(const struct run_request *o, struct run_state *s, struct error *err)
{
	struct landlock_plan *ll;
	int r, abi;

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
	abi = cli_landlock_abi(err);
	if (abi == -EINVAL)
		return abi;
	r = landlock_compile(s->policy, abi, &s->ll, err);
	if (r < 0)
		return r;
	ll = s->ll;
	s->sf.allow_ptrace = s->policy->process.ptrace;
	s->sf.network_off = s->policy->net.mode == POLICY_NET_OFF;
	if (env_build(&s->policy->env, environ, &s->envp) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (o->argv[0]) {
		s->lookup_err = launch_find_program(o->argv[0], env_lookup(s->envp, "PATH"), &s->program);
		if (s->lookup_err == -ENOMEM)
			return error_set(err, ENOMEM, "out of memory");
	}

	/* Reasons to refuse, all of them, so one run shows everything. */
	if (abi < 1) {
		char *line = NULL;

		if (asprintf(&line, "Landlock is not available (%s); latch does not run a program without filesystem confinement",
			     errno_name(-abi)) < 0 || strv_consume(&s->refusals, line) < 0)
			return error_set(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; ll->conflicts && ll->conflicts[i]; i++)
		if (strv_push(&s->refusals, ll->conflicts[i]) < 0)
			return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; abi >= 1 && ll->degraded && ll->degraded[i]; i++) {
		const char *why = o->strict ? "--strict"
				  : (s->policy->required & ll->degraded_bit[i]) ? "the profile's \"required\""
										 : NULL;
		char *line = NULL;

		if (!why)
			continue;
		if (asprintf(&line, "%s (refused because of %s)", ll->degraded[i], why) < 0 ||
		    strv_consume(&s->refusals, line) < 0)
			return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int print_plan(const struct run_request *o, struct run_state *s)
{
	json_t *data = json_object(), *cmd = json_object(), *fds = json_array(), *risk = json_object();
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
	json_set(data, "profile", policy_to_json(s->policy));
	json_set(data, "risk", risk);
	json_set(data, "landlock", landlock_plan_to_json(s->ll));
	json_set(data, "seccomp", sfilter_plan_to_json(&s->sf));
	json_set(data, "command", cmd);
	json_set(data, "env_names", env_names_json(s->envp));
	json_set(data, "keep_fds", fds);
	json_set(data, "strict", json_boolean(o->strict));
	json_set(data, "refusals", json_strv(s->refusals));
	json_set(data, "warnings", json_strv(s->ll->degraded));
	json_set(data, "mode", json_str("static"));
	if (refused)
		res.error = s->refusals[0];
	return cli_print_envelope("run_plan", data, &res, res.rc);
}

static void run_state_done(struct run_state *s)
{
	policy_free(s->policy);
	landlock_plan_free(s->ll);
	strv_free(s->envp);
	strv_free(s->refusals);
	free(s->program);
	cli_env_done(&s->env);
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
	bool exec_failed;
	int r;

	if (cli_check_path_arg("the profile name", o.profile, &err) < 0)
		return cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "%s", err.msg);
	cli_env_init(&s.env);
	r = plan_run(&o, &s, &err);
	if (r < 0) {
		r = cli_fail(o.json, o.kind, EXIT_LATCH_FAILED, "%s", err.msg);
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
	if (s.refusals) {
		for (size_t i = 0; s.refusals[i]; i++)
			fprintf(stderr, "latch: refusing to start: %s\n", s.refusals[i]);
		r = o.json ? cli_fail(true, o.kind, EXIT_LATCH_FAILED, "refusing to start: %s", s.refusals[0])
			   : EXIT_LATCH_FAILED;
		goto out;
	}
	if (s.lookup_err == -ENOENT) {
		r = cli_fail(o.json, o.kind, EXIT_NOT_FOUND, "%s: command not found", o.argv[0]);
		goto out;
	}
	if (s.lookup_err == -EACCES) {
		r = cli_fail(o.json, o.kind, EXIT_CANNOT_EXEC, "%s: permission denied", o.argv[0]);
		goto out;
	}
	for (size_t i = 0; !o.quiet && s.ll->degraded && s.ll->degraded[i]; i++)
		fprintf(stderr, "latch: warning: %s\n", s.ll->degraded[i]);
	if (s.policy->uses_private_tmp &&
	    ensure_private_tmp(policy_ctx_var(&s.env.ctx, "PRIVATE_TMP"), &err) < 0) {
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
	};
	fflush(NULL);
	(void)launch_exec(&l, &exec_failed, &err);
	/* Only failures come back here. */
	if (exec_failed && (err.code == ENOENT || err.code == ENOTDIR))
		r = cli_fail(o.json, o.kind, EXIT_NOT_FOUND, "%s", err.msg);
	else if (exec_failed)
		r = cli_fail(o.json, o.kind, EXIT_CANNOT_EXEC, "%s%s", err.msg,
			     err.code == EACCES ? " (denied by the sandbox? try `latch why -p PROFILE exec PATH`)" : "");
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
