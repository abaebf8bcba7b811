/* latch why: the decision engine, asked directly. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/path-util.h"
#include "cli/cli.h"
#include "policy/render.h"

static const struct {
	const char *alias;
	const char *access;
} aliases[] = {
	{ "bind", "tcp_bind" },
	{ "connect", "tcp_connect" },
};

static int parse_port(const char *s, uint16_t *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* The query path as rules are stored: expanded, absolute (relative to the
 * current directory), symlinks in the existing part resolved. */
static int query_path(const char *arg, struct cli_env *env, char **ret, struct error *err)
{
	_cleanup_free_ char *expanded = NULL, *abs = NULL;
	const char *cwd = policy_ctx_var(&env->ctx, "CWD");
	int r;

	r = cli_check_path_arg("the path", arg, err);
	if (r < 0)
		return r;
	r = policy_expand(arg, &env->ctx, &expanded, err);
	if (r < 0)
		return r;
	if (expanded[0] != '/') {
		if (!cwd)
			return error_set(err, ENOENT, "cannot determine the current directory");
		if (asprintf(&abs, "%s/%s", cwd, expanded) < 0)
			return error_set(err, ENOMEM, "out of memory");
	} else {
		abs = TAKE_PTR(expanded);
	}
	r = path_resolve(abs, ret);
	if (r < 0)
		return error_set(err, -r, "cannot resolve '%s': %s", abs, strerror(-r));
	return 0;
}

int cmd_why(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_policy_ struct policy *p = NULL;
	_cleanup_free_ char *path = NULL;
	struct policy_query q = { 0 };
	struct policy_decision d;
	struct error err = { 0 };
	struct cli_env env;
	const char *profile = NULL, *access;
	bool json = false;
	int c, a, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			profile = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(USAGE_WHY, stdout);
			return 0;
		default:
			return cli_usage_error(USAGE_WHY, "why: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (!profile)
		return cli_usage_error(USAGE_WHY, "why: no profile given (-p NAME)");
	if (optind >= argc)
		return cli_usage_error(USAGE_WHY, "why: no access given");
	access = argv[optind++];
	for (size_t i = 0; i < ELEMENTSOF(aliases); i++)
		if (strcmp(access, aliases[i].alias) == 0)
			access = aliases[i].access;
	a = policy_access_from_name(access);
	if (a < 0)
		return cli_usage_error(USAGE_WHY, "why: unknown access '%s'", access);
	q.access = (enum policy_access)a;

	cli_env_init(&env);
	switch (q.access) {
	case POLICY_ACCESS_READ:
	case POLICY_ACCESS_WRITE:
	case POLICY_ACCESS_CREATE:
	case POLICY_ACCESS_DELETE:
	case POLICY_ACCESS_TRUNCATE:
	case POLICY_ACCESS_EXEC:
		if (argc - optind != 1) {
			cli_env_done(&env);
			return cli_usage_error(USAGE_WHY, "why: '%s' takes one PATH", access);
		}
		r = query_path(argv[optind], &env, &path, &err);
		if (r < 0) {
			cli_env_done(&env);
			return cli_fail(json, "why_decision", EXIT_LATCH_FAILED, "why: %s", err.msg);
		}
		q.path = path;
		break;
	case POLICY_ACCESS_TCP_CONNECT:
	case POLICY_ACCESS_TCP_BIND:
		if (argc - optind != 1 || parse_port(argv[optind], &q.port) < 0) {
			cli_env_done(&env);
			return cli_usage_error(USAGE_WHY, "why: '%s' takes one PORT (1-65535)", access);
		}
		break;
	case POLICY_ACCESS_SIGNAL:
	case POLICY_ACCESS_ABSTRACT_UNIX:
	case POLICY_ACCESS_PTRACE:
	case _POLICY_ACCESS_MAX:
		if (argc - optind != 0) {
			cli_env_done(&env);
			return cli_usage_error(USAGE_WHY, "why: '%s' takes no target", access);
		}
		break;
	}

	r = policy_load(profile, &env.ctx, &p, &err);
	cli_env_done(&env);
	if (r < 0)
		return cli_fail(json, "why_decision", EXIT_LATCH_FAILED, "%s", err.msg);
	policy_decide(p, &q, &d);
	if (json) {
		json_t *data = policy_decision_to_json(&q, &d);
		struct json_result res = { .ok = true, .rc = d.allow ? 0 : EXIT_DENIED, .exit_code = -1,
					   .outcome = d.allow ? "allow" : "deny" };

		json_set(data, "profile", json_str(p->name));
		return cli_print_envelope("why_decision", data, &res, res.rc);
	}
	printf("%s\n", d.reason);
	return d.allow ? 0 : EXIT_DENIED;
}
