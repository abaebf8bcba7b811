/* latch profile list | show | check | render */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/strv.h"
#include "cli/cli.h"
#include "policy/render.h"
#include "policy/risk.h"
#include "policy/sbpl.h"
#include "sandbox/landlock.h"

static json_t *risk_json(const struct policy_risk *r)
{
	json_t *o = json_object(), *a = json_array();

	for (size_t i = 0; r->reasons && r->reasons[i]; i++)
		(void)json_array_append_new(a, json_str(r->reasons[i]));
	json_set(o, "tier", json_integer(r->tier));
	json_set(o, "reasons", a);
	return o;
}

/* The description's first clause, cut to fit a terminal line. */
static const char *clip(const char *s, char *buf, size_t size)
{
	size_t n = s ? strcspn(s, ":;(") : 0;

	if (n >= size)
		n = size - 4;
	(void)snprintf(buf, size, "%.*s%s", (int)n, s ? s : "", s && s[n] ? "..." : "");
	return buf;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the profiles in dir/profiles: *.json, sorted. */
static char **dir_profiles(const char *dir)
{
	char path[4200], **names = NULL;
	struct dirent *de;
	DIR *d;

	if (!dir)
		return NULL;
	(void)snprintf(path, sizeof(path), "%s/profiles", dir);
	d = opendir(path);
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > 5 && strcmp(de->d_name + n - 5, ".json") == 0 && de->d_name[0] != '.') {
			_cleanup_free_ char *name = strndup(de->d_name, n - 5);

			if (name)
				(void)strv_push(&names, name);
		}
	}
	(void)closedir(d);
	if (names)
		sort_n(names, strv_length(names), sizeof(char *), cmp_strp);
	return names;
}

/* Where a profile of this name is found first: "builtin", "user" or
 * "system" (the order of the lookup), given the lists before it. */
static bool listed_before(const char *name, char **const *lists, size_t upto)
{
	for (size_t k = 0; k < upto; k++)
		if (strv_contains(lists[k], name))
			return true;
	return false;
}

#define PROFILE_LISTS_MAX 18

/* The names in each place -p looks, in the order of the lookup: built-in
 * (sorted), the user's, each system directory's. Returns how many lists
 * (free them with free_lists); sources[i] names the place of lists[i]. */
static size_t profile_lists(const struct session_env *env, char **lists[PROFILE_LISTS_MAX],
			    const char *sources[PROFILE_LISTS_MAX])
{
	size_t n = 0;

	lists[0] = NULL;
	for (size_t i = 0; i < policy_n_builtins; i++)
		if (strcmp(policy_builtins[i].kind, "profile") == 0)
			(void)strv_push(&lists[0], policy_builtins[i].name);
	if (lists[0])
		sort_n(lists[0], strv_length(lists[0]), sizeof(char *), cmp_strp);
	sources[n++] = "builtin";
	lists[n] = dir_profiles(env->ctx.user_dir);
	sources[n++] = "user";
	for (size_t i = 0; env->ctx.system_dirs && env->ctx.system_dirs[i] && n < PROFILE_LISTS_MAX; i++) {
		lists[n] = dir_profiles(env->ctx.system_dirs[i]);
		sources[n++] = "system";
	}
	return n;
}

static void free_lists(char **lists[], size_t n)
{
	for (size_t k = 0; k < n; k++)
		strv_free(lists[k]);
}

/* --names: every name -p takes, one per line, each once, none loaded
 * (shell completion asks at every key press). */
static int profile_names(const struct session_env *env)
{
	char **lists[PROFILE_LISTS_MAX];
	const char *sources[PROFILE_LISTS_MAX];
	size_t n_lists = profile_lists(env, lists, sources);

	for (size_t pass = 0; pass < n_lists; pass++)
		for (size_t i = 0; lists[pass] && lists[pass][i]; i++)
			if (!listed_before(lists[pass][i], lists, pass))
				printf("%s\n", lists[pass][i]);
	free_lists(lists, n_lists);
	return 0;
}

static int profile_list(struct session_env *env, bool json)
{
	char **lists[PROFILE_LISTS_MAX];
	const char *sources[PROFILE_LISTS_MAX];
	size_t n_lists = profile_lists(env, lists, sources);
	json_t *rows = json_array();
	int rc = 0;

	if (!json)
		printf("%-14s %-8s %-4s %s\n", "NAME", "SOURCE", "TIER", "DESCRIPTION");
	for (size_t pass = 0; pass < n_lists; pass++) {
		char **list = lists[pass];

		for (size_t i = 0; list && list[i]; i++) {
			_cleanup_policy_ struct policy *p = NULL;
			struct policy_risk risk = { 0 };
			struct error err = { 0 };
			json_t *row = json_object();
			char desc[72];
			bool shadowed = listed_before(list[i], lists, pass);

			json_set(row, "name", json_str(list[i]));
			json_set(row, "source", json_str(sources[pass]));
			json_set(row, "shadowed_by_builtin", json_boolean(shadowed && policy_builtin_find("profile", list[i])));
			json_set(row, "shadowed", json_boolean(shadowed));
			if (!shadowed && policy_load(list[i], &env->ctx, &p, &err) == 0 &&
			    policy_risk(p, &env->ctx, &risk) == 0) {
				json_set(row, "description", json_str(p->description));
				json_set(row, "risk", risk_json(&risk));
				json_set(row, "error", json_null());
				if (!json)
					printf("%-14s %-8s %-4d %s\n", list[i], sources[pass], risk.tier,
					       clip(p->description, desc, sizeof(desc)));
			} else {
				const char *why = shadowed ? "a profile of this name comes first in the lookup; it wins"
							   : err.msg;

				json_set(row, "description", json_null());
				json_set(row, "risk", json_null());
				json_set(row, "error", json_str(why));
				if (!json)
					printf("%-14s %-8s %-4s (%s)\n", list[i], sources[pass], "-", why);
				if (!shadowed)
					rc = EXIT_DENIED;
			}
			policy_risk_done(&risk);
			(void)json_array_append_new(rows, row);
		}
	}
	free_lists(lists, n_lists);
	if (json) {
		json_t *data = json_object();
		struct json_result res = { .ok = rc == 0, .rc = rc, .exit_code = -1 };

		json_set(data, "profiles", rows);
		json_set(data, "user_dir", json_str(env->ctx.user_dir));
		json_set(data, "system_dirs", json_strv(env->ctx.system_dirs));
		return cli_print_envelope("profile_list", data, &res, rc);
	}
	json_decref(rows);
	return rc;
}

static void print_human(const struct policy *p, const struct policy_risk *risk)
{
	printf("name:        %s\n", p->name);
	printf("description: %s\n", p->description ? p->description : "");
	printf("source:      %s\n", p->source);
	printf("extends:    ");
	for (size_t i = 1; p->chain && p->chain[i]; i++)
		printf(" %s", p->chain[i]);
	printf("\ngroups:     ");
	for (size_t i = 0; p->groups && p->groups[i]; i++)
		printf(" %s", p->groups[i]);
	printf("\nrisk tier:   %d\n", risk->tier);
	for (size_t i = 0; risk->reasons && risk->reasons[i]; i++)
		printf("  - %s\n", risk->reasons[i]);
	printf("filesystem (most specific first; deny wins at equal depth):\n");
	for (size_t i = 0; i < p->n_rules; i++) {
		char label[512];

		printf("  %-6s %-40s %s\n", policy_class_name(p->rules[i].klass), p->rules[i].path,
		       policy_rule_label(&p->rules[i], label, sizeof(label)));
	}
	printf("network:     %s", policy_net_mode_name(p->net.mode));
	for (size_t i = 0; i < p->net.n_connect; i++)
		printf("%s%u", i ? "," : " connect_tcp=", p->net.connect[i]);
	for (size_t i = 0; i < p->net.n_bind; i++)
		printf("%s%u", i ? "," : " bind_tcp=", p->net.bind[i]);
	for (size_t i = 0; i < p->net.n_hosts; i++) {
		char label[600];

		printf("\n  %-10s %-40s %s", p->net.hosts[i].deny ? "deny_hosts" : "hosts", p->net.hosts[i].pattern,
		       policy_host_rule_label(&p->net.hosts[i], label, sizeof(label)));
	}
	for (size_t i = 0; i < p->net.n_resolve; i++)
		printf("\n  resolve    %s -> %s", p->net.resolve[i].name, p->net.resolve[i].address);
	printf("\nprocess:     signals %s, abstract_unix %s, ptrace %s\n", p->process.scope_signals ? "scoped" : "open",
	       p->process.scope_abstract_unix ? "scoped" : "open", p->process.ptrace ? "allowed" : "refused");
	printf("env keep:   ");
	if (!p->env.keep)
		printf(" (everything)");
	for (size_t i = 0; p->env.keep && p->env.keep[i]; i++)
		printf(" %s", p->env.keep[i]);
	printf("\nenv drop:   ");
	for (size_t i = 0; p->env.drop && p->env.drop[i]; i++)
		printf(" %s", p->env.drop[i]);
	printf("\nenv set:    ");
	for (size_t i = 0; p->env.set && p->env.set[i]; i++)
		printf(" %s", p->env.set[i]);
	printf("\n");
}

static int profile_show(struct session_env *env, const char *name, bool json)
{
	_cleanup_policy_ struct policy *p = NULL;
	struct policy_risk risk = { 0 };
	struct error err = { 0 };
	int r;

	if (cli_check_path_arg("the profile name", name, &err) < 0 || policy_load(name, &env->ctx, &p, &err) < 0)
		return cli_fail(json, "profile_show", EXIT_LATCH_FAILED, "%s", err.msg);
	if (policy_risk(p, &env->ctx, &risk) < 0)
		return cli_fail(json, "profile_show", EXIT_LATCH_FAILED, "out of memory");
	if (json) {
		json_t *data = json_object();
		struct json_result res = { .ok = true, .rc = 0, .exit_code = -1 };

		json_set(data, "profile", policy_to_json(p));
		json_set(data, "risk", risk_json(&risk));
		r = cli_print_envelope("profile_show", data, &res, 0);
	} else {
		print_human(p, &risk);
		r = 0;
	}
	policy_risk_done(&risk);
	return r;
}

/* What `latch run -p SPEC` would refuse (the risk gate included) and warn
 * here, from this directory: the plan run makes, so the same lines and
 * the same reasons, each once (doctor says the same for the built-ins). */
static void run_here(struct session_env *env, const char *spec, bool json, json_t *warn)
{
	const struct session_request req = { .profile = spec };
	struct session_plan plan = { 0 };
	struct error err = { 0 };

	if (session_plan_build(&req, &env->ctx, 0, &plan, &err) == 0 && session_plan_probe(&plan, true) == 0 &&
	    session_plan_check(&req, &plan) == 0) {
		if (session_risk_gate(&req, &plan, &err) < 0)
			(void)strv_push(&plan.refusals, err.msg);
		for (size_t k = 0; plan.refusals && plan.refusals[k]; k++) {
			(void)json_array_append_new(warn, json_str(plan.refusals[k]));
			if (!json)
				printf("  warning: `latch run` here would refuse it: %s\n", plan.refusals[k]);
		}
		for (size_t k = 0; plan.warnings && plan.warnings[k]; k++) {
			(void)json_array_append_new(warn, json_str(plan.warnings[k]));
			if (!json)
				printf("  note: `latch run` here would warn: %s\n", plan.warnings[k]);
		}
	}
	session_plan_done(&plan);
}

static int profile_check(struct session_env *env, char **specs, bool json)
{
	json_t *rows = json_array();
	struct error abi_err = { 0 };
	int abi = session_landlock_abi(&abi_err), rc = 0;

	for (size_t i = 0; specs[i]; i++) {
		_cleanup_policy_ struct policy *p = NULL;
		struct landlock_plan *plan = NULL;
		struct policy_risk risk = { 0 };
		struct error err = { 0 };
		json_t *row = json_object(), *warn = json_array();

		json_set(row, "profile", json_str(specs[i]));
		if (cli_check_path_arg("the profile name", specs[i], &err) < 0 ||
		    policy_load(specs[i], &env->ctx, &p, &err) < 0 || policy_risk(p, &env->ctx, &risk) < 0 ||
		    landlock_compile(p, abi, &plan, &err) < 0) {
			rc = EXIT_DENIED;
			json_set(row, "valid", json_false());
			json_set(row, "error", json_str(err.msg));
			if (!json)
				fprintf(stderr, "latch: %s\n", err.msg);
		} else {
			json_set(row, "valid", json_true());
			json_set(row, "error", json_null());
			json_set(row, "name", json_str(p->name));
			json_set(row, "risk", risk_json(&risk));
			if (!json)
				printf("ok: %s (profile %s, risk tier %d)\n", specs[i], p->name, risk.tier);
			/* Valid; what `latch run` would say from here, in its
			 * own words and each once. */
			run_here(env, specs[i], json, warn);
		}
		json_set(row, "warnings", warn);
		(void)json_array_append_new(rows, row);
		landlock_plan_free(plan);
		policy_risk_done(&risk);
	}
	if (json) {
		json_t *data = json_object();
		struct json_result res = { .ok = rc == 0, .rc = rc, .exit_code = -1, .outcome = rc ? "invalid" : "ok" };

		json_set(data, "profiles", rows);
		return cli_print_envelope("profile_check", data, &res, rc);
	}
	json_decref(rows);
	return rc;
}

/* The profile as Seatbelt (SBPL) text on stdout, and what Seatbelt cannot
 * express as warnings (in data.not_expressible with --json). */
static int profile_render(struct session_env *env, const char *name, bool json)
{
	_cleanup_policy_ struct policy *p = NULL;
	struct policy_sbpl sb = { 0 };
	struct error err = { 0 };
	int r;

	if (cli_check_path_arg("the profile name", name, &err) < 0 || policy_load(name, &env->ctx, &p, &err) < 0 ||
	    policy_sbpl_render(p, &sb, &err) < 0)
		return cli_fail(json, "profile_render", EXIT_LATCH_FAILED, "%s", err.msg);
	if (json) {
		json_t *data = json_object(), *notes = json_array();
		struct json_result res = { .ok = true, .rc = 0, .exit_code = -1 };

		for (size_t i = 0; i < sb.n_notes; i++) {
			json_t *o = json_object();

			json_set(o, "key", json_str(sb.notes[i].key));
			json_set(o, "rule", sb.notes[i].rule ? json_str(sb.notes[i].rule) : json_null());
			json_set(o, "path", sb.notes[i].path ? json_str(sb.notes[i].path) : json_null());
			json_set(o, "text", json_str(sb.notes[i].text));
			(void)json_array_append_new(notes, o);
		}
		json_set(data, "profile", json_str(p->name));
		json_set(data, "format", json_str("sbpl"));
		json_set(data, "sbpl", json_str(sb.text));
		json_set(data, "not_expressible", notes);
		r = cli_print_envelope("profile_render", data, &res, 0);
	} else {
		for (size_t i = 0; i < sb.n_notes; i++)
			fprintf(stderr, "latch: warning: sbpl: %s\n", sb.notes[i].text);
		r = fputs(sb.text, stdout) < 0 || fflush(stdout) != 0
			    ? cli_fail(false, "profile_render", EXIT_LATCH_FAILED, "cannot write to standard output")
			    : 0;
	}
	policy_sbpl_done(&sb);
	return r;
}

static const struct cli_flag flags[] = {
	{ "json", NULL, "print one JSON envelope" },
	{ "names", NULL, "list: only the names, one per line" },
	{ "sbpl", NULL, "render: as a macOS Seatbelt (SBPL) profile" },
	{ "help", NULL, "show this help" },
	{},
};

int cmd_profile(int argc, char **argv)
{
	static const char shortopts[] = "h";
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "names", no_argument, NULL, 'n' },
		{ "sbpl", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct session_env env;
	const char *sub;
	bool json = false, names = false, sbpl = false;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'n':
			names = true;
			break;
		case 'b':
			/* render's format, the only one so far. */
			sbpl = true;
			break;
		case 'h':
			return cli_help(USAGE_PROFILE, shortopts, longopts, flags);
		default:
			return cli_usage_error(USAGE_PROFILE, "profile: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(USAGE_PROFILE, "profile: no subcommand given");
	sub = argv[optind++];
	if (names && (strcmp(sub, "list") != 0 || json))
		return cli_usage_error(USAGE_PROFILE, "profile: --names goes with list, without --json");
	if (strcmp(sub, "list") == 0 && argc - optind != 0)
		return cli_usage_error(USAGE_PROFILE, "profile list: takes no arguments");
	if (strcmp(sub, "show") == 0 && argc - optind != 1)
		return cli_usage_error(USAGE_PROFILE, "profile show: takes one PROFILE");
	if (strcmp(sub, "check") == 0 && argc - optind < 1)
		return cli_usage_error(USAGE_PROFILE, "profile check: takes one or more PROFILE|FILE");
	if (strcmp(sub, "render") == 0 && (argc - optind != 1 || !sbpl))
		return cli_usage_error(USAGE_PROFILE, "profile render: takes --sbpl and one PROFILE");
	if (strcmp(sub, "render") != 0 && sbpl)
		return cli_usage_error(USAGE_PROFILE, "profile %s: --sbpl is for render", sub);
	if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "check") != 0 &&
	    strcmp(sub, "render") != 0)
		return cli_usage_error(USAGE_PROFILE, "profile: unknown subcommand '%s'", sub);

	session_env_init(&env);
	if (strcmp(sub, "list") == 0 && names)
		r = profile_names(&env);
	else if (strcmp(sub, "list") == 0)
		r = profile_list(&env, json);
	else if (strcmp(sub, "show") == 0)
		r = profile_show(&env, argv[optind], json);
	else if (strcmp(sub, "render") == 0)
		r = profile_render(&env, argv[optind], json);
	else
		r = profile_check(&env, argv + optind, json);
	session_env_done(&env);
	return r;
}
