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
static int query_path(const char *arg, struct session_env *env, char **ret, struct error *err)
{
	_cleanup_free_ char *expanded = NULL, *abs = NULL;
	const char *cwd = policy_ctx_var(&env->ctx, "CWD");
	int r;

	/* Any bytes: a file's name need not be UTF-8, and the supervisor's
	 * events name such files (as \xNN in JSON); why answers for them. */
	if (strlen(arg) >= LATCH_PATH_MAX)
		return error_set(err, ENAMETOOLONG, "the path is longer than %d bytes", LATCH_PATH_MAX - 1);
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

/* HOST:PORT, as the proxy reads a CONNECT target: a name, an IPv4 address
 * or an IPv6 address in brackets, and a port. *ret_host holds the host in
 * its canonical form. */
static int query_host(const char *target, struct policy_query *q, char **ret_host, struct error *err)
{
	const char *colon = strrchr(target, ':'), *why = NULL;
	struct policy_host h;

	if (!colon || parse_port(colon + 1, &q->port) < 0)
		return error_set(err, EINVAL, "'%s' is not HOST:PORT (a port from 1 to 65535)", target);
	if (policy_host_parse(target, (size_t)(colon - target), true, false, &h, &why) < 0)
		return error_set(err, EINVAL, "'%.*s' is not a host: %s", (int)(colon - target), target, why);
	*ret_host = strdup(h.name);
	return *ret_host ? 0 : error_set(err, ENOMEM, "out of memory");
}

/* The access `connect TARGET` asks about: a PATH holds a '/' or starts
 * with '$', '~' or '.' (no host does), a PORT is digits only, and anything
 * else is HOST:PORT. */
static const char *connect_access(const char *target)
{
	if (strchr(target, '/') || target[0] == '$' || target[0] == '~' || target[0] == '.')
		return "unix_connect";
	if (target[0] && strspn(target, "0123456789") == strlen(target))
		return "tcp_connect";
	return "net_connect";
}

/* One query from ACCESS and its TARGET (NULL: none). Usage errors return
 * -EINVAL with err set; *ret_path holds the resolved path of fs queries,
 * or the host of net_connect. */
static int parse_query(const char *access, const char *target, struct session_env *env, struct policy_query *q,
		       char **ret_path, struct error *err)
{
	int a;

	/* connect is three questions, told apart by the target's shape:
	 * PATH a pathname Unix socket, PORT the kernel's TCP connect,
	 * HOST:PORT what latch's proxy decides. */
	if (strcmp(access, "connect") == 0 && target)
		access = connect_access(target);
	for (size_t i = 0; i < ELEMENTSOF(aliases); i++)
		if (strcmp(access, aliases[i].alias) == 0)
			access = aliases[i].access;
	a = policy_access_from_name(access);
	if (a < 0)
		return error_set(err, EINVAL, "unknown access '%s'", access);
	*q = (struct policy_query){ .access = (enum policy_access)a };
	switch (q->access) {
	case POLICY_ACCESS_READ:
	case POLICY_ACCESS_WRITE:
	case POLICY_ACCESS_CREATE:
	case POLICY_ACCESS_DELETE:
	case POLICY_ACCESS_TRUNCATE:
	case POLICY_ACCESS_EXEC:
	case POLICY_ACCESS_UNIX_CONNECT:
		if (!target)
			return error_set(err, EINVAL, "'%s' takes one PATH", access);
		return query_path(target, env, ret_path, err);
	case POLICY_ACCESS_TCP_CONNECT:
	case POLICY_ACCESS_TCP_BIND:
		if (!target || parse_port(target, &q->port) < 0)
			return error_set(err, EINVAL, "'%s' takes one PORT (1-65535)", access);
		return 0;
	case POLICY_ACCESS_NET_CONNECT:
		if (!target)
			return error_set(err, EINVAL, "'%s' takes one HOST:PORT", access);
		return query_host(target, q, ret_path, err);
	case POLICY_ACCESS_SIGNAL:
	case POLICY_ACCESS_ABSTRACT_UNIX:
	case POLICY_ACCESS_PTRACE:
	case POLICY_ACCESS_USERNS:
	case _POLICY_ACCESS_MAX:
		if (target)
			return error_set(err, EINVAL, "'%s' takes no target", access);
		return 0;
	}
	return error_set(err, EINVAL, "unknown access '%s'", access);
}

/* Print one decision; returns its exit code. */
static int answer(const struct policy *p, const struct policy_query *q, bool json)
{
	struct policy_decision d;

	policy_decide(p, q, &d);
	if (json) {
		json_t *data = policy_decision_to_json(q, &d);
		struct json_result res = { .ok = true, .rc = d.allow ? 0 : EXIT_DENIED, .exit_code = -1,
					   .outcome = d.allow ? "allow" : "deny" };

		json_set(data, "profile", json_str(p->name));
		return cli_print_envelope("why_decision", data, &res, res.rc);
	}
	printf("%s\n", d.reason);
	return d.allow ? 0 : EXIT_DENIED;
}

/* --batch: "ACCESS [TARGET]" per line on stdin (a PATH may hold spaces: the
 * rest of the line is the target), one answer per line on stdout, the
 * profile loaded once. A malformed line stops the batch with an error
 * naming it. */
static int why_batch(const struct policy *p, struct session_env *env, bool json)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		_cleanup_free_ char *path = NULL;
		struct policy_query q;
		struct error err = { 0 };
		char *target;

		n++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!line[0])
			continue;
		target = strchr(line, ' ');
		if (target)
			*target++ = '\0';
		if (parse_query(line, target, env, &q, &path, &err) < 0)
			return cli_fail(json, "why_decision", EXIT_USAGE, "why: stdin line %zu: %s", n, err.msg);
		if (q.access == POLICY_ACCESS_NET_CONNECT)
			q.host = path;
		else
			q.path = path;
		(void)answer(p, &q, json);
	}
	return fflush(stdout) == 0 ? 0 : EXIT_LATCH_FAILED;
}

static const struct cli_flag flags[] = {
	{ "profile", "PROFILE", "the profile: a name, or a file" },
	{ "json", NULL, "print one JSON envelope per answer" },
	{ "batch", NULL, "read ACCESS [TARGET] lines on stdin, answer each" },
	{ "help", NULL, "show this help" },
	CLI_RULE_FLAGS,
	{},
};

int cmd_why(int argc, char **argv)
{
	static const char shortopts[] = "p:h";
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "batch", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		CLI_RULE_OPTIONS,
		{},
	};
	_cleanup_(cli_rules_done) struct cli_rules rules = { 0 };
	_cleanup_policy_ struct policy *p = NULL;
	_cleanup_free_ char *path = NULL;
	struct policy_query q = { 0 };
	struct error err = { 0 };
	struct session_env env;
	const char *profile = NULL;
	bool json = false, batch = false;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			profile = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'b':
			batch = true;
			break;
		case 'h':
			return cli_help(USAGE_WHY, shortopts, longopts, flags);
		default:
			if (CLI_IS_RULE_OPTION(c)) {
				if (cli_rules_add(&rules, c, optarg, &err) < 0)
					return cli_usage_error(USAGE_WHY, "why: %s", err.msg);
				break;
			}
			return cli_usage_error(USAGE_WHY, "why: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (!profile)
		return cli_usage_error(USAGE_WHY, "why: no profile given (-p NAME)");
	if (batch && optind < argc)
		return cli_usage_error(USAGE_WHY, "why: --batch reads its queries from stdin, not from arguments");
	if (!batch && optind >= argc)
		return cli_usage_error(USAGE_WHY, "why: no access given");
	if (!batch && argc - optind > 2)
		return cli_usage_error(USAGE_WHY, "why: '%s' takes at most one target", argv[optind]);

	session_env_init(&env);
	if (!batch && parse_query(argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL, &env, &q, &path,
				  &err) < 0) {
		session_env_done(&env);
		if (err.code == EINVAL)
			return cli_usage_error(USAGE_WHY, "why: %s", err.msg);
		return cli_fail(json, "why_decision", EXIT_LATCH_FAILED, "why: %s", err.msg);
	}
	if (q.access == POLICY_ACCESS_NET_CONNECT)
		q.host = path;
	else
		q.path = path;
	env.ctx.extra = rules.v;
	env.ctx.n_extra = rules.n;
	r = policy_load(profile, &env.ctx, &p, &err);
	if (r < 0) {
		session_env_done(&env);
		return cli_fail(json, "why_decision", EXIT_LATCH_FAILED, "%s", err.msg);
	}
	r = batch ? why_batch(p, &env, json) : answer(p, &q, json);
	session_env_done(&env);
	return r;
}
