/* latch learn (and latch run --learn): run COMMAND under a profile with a
 * supervisor that denies and records (or, with --learn-grant, grants what
 * the profile denies, gated like a tier-2 profile), then propose the
 * profile that would have allowed it: a new profile extending the one
 * given, printed as a diff, each rule with the refusals it covers
 * (policy/learn.h), and saved with --save-to. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/strv.h"
#include "cli/cli.h"
#include "policy/learn.h"
#include "policy/save.h"

struct cli_learn {
	struct policy_learn *l;
	bool failed;          /* out of memory while adding */
};

/* latch learn --help: the options of its own; latch run parses them, with
 * the rest of run's. */
static const struct option longopts[] = {
	{ "profile", required_argument, NULL, 'p' },
	{ "save-to", required_argument, NULL, 'V' },
	{ "learn-grant", no_argument, NULL, 'G' },
	{ "ack-risk", required_argument, NULL, 'R' },
	{ "help", no_argument, NULL, 'h' },
	{},
};
static const struct cli_flag flags[] = {
	{ "profile", "PROFILE", "the profile the proposal extends" },
	{ "save-to", "NAME", "save the proposal as the user profile NAME" },
	{ "learn-grant", NULL, "grant what is refused meanwhile (needs --ack-risk)" },
	{ "ack-risk", "PROFILE", "with --learn-grant: the profile, acknowledged" },
	{ "help", NULL, "show this help (and latch run --help)" },
	{},
};

int cmd_learn(int argc, char **argv)
{
	_cleanup_free_ char **args = calloc((size_t)argc + 2, sizeof(*args));

	if (!args)
		return cli_fail(false, "run_plan", EXIT_LATCH_FAILED, "out of memory");
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return cli_help(USAGE_LEARN, "p:h", longopts, flags);
	/* latch learn ARGS is latch run --learn ARGS. */
	args[0] = "run";
	args[1] = "--learn";
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	return cmd_run(argc + 1, args);
}

int cli_learn_prepare(const struct run_request *o, struct session_request *req)
{
	if (o->s.approve_socket || o->s.supervise == SESSION_SUPERVISE_OFF || o->s.supervise == SESSION_SUPERVISE_ASK)
		return cli_usage_error(USAGE_LEARN, "learn: the supervisor denies and records (or grants, --learn-grant); "
						    "--ask, --approve-socket and --no-supervise do not apply");
	if (o->learn_grant && !strv_contains(o->s.ack_risk, o->s.profile))
		return cli_fail(o->json, o->kind, EXIT_LATCH_FAILED,
				"learn: --learn-grant lets the program do whatever '%s' denies (as a risk tier 2 profile "
				"would): not run without --ack-risk %s",
				o->s.profile, o->s.profile);
	req->supervise = SESSION_SUPERVISE_ON;
	req->no_terminal = true;
	req->approve_all = o->learn_grant;
	/* --save-to names the learned profile, not the supervisor's answers. */
	req->save_to = NULL;
	return -1;
}

struct cli_learn *cli_learn_new(const struct session_plan *s)
{
	struct cli_learn *cl = calloc(1, sizeof(*cl));

	if (cl && !(cl->l = policy_learn_new(s->policy, s->ctx))) {
		free(cl);
		cl = NULL;
	}
	return cl;
}

void cli_learn_add(struct cli_learn *cl, const struct sup_refusal *r)
{
	if (!r->path)
		policy_learn_add_port(cl->l, r->acc, r->port);
	else if (policy_learn_add(cl->l, r->path, r->acc, r->directory, r->quiet) < 0)
		cl->failed = true;
}

static void print_rule(const struct policy_learn_rule *r)
{
	char acc[128];

	printf("+ filesystem.%-12s %-40s # %llu refused: %s%s%s\n", policy_class_name(r->klass), r->pattern, r->count,
	       policy_learn_access_list(r->acc, acc, sizeof(acc)), r->overrides ? "; overrides " : "",
	       r->overrides ? r->overrides : "");
}

/* The proposal as a diff against the profile it extends. */
static void print_proposal(const struct run_request *o, const struct policy_learn_proposal *p, const char *name)
{
	char acc[128];

	printf("--- %s\n+++ %s (extends %s)\n", o->s.profile, name ? name : "learned", o->s.profile);
	for (size_t i = 0; i < p->n_rules; i++)
		print_rule(&p->rules[i]);
	for (size_t i = 0; i < p->n_skips; i++)
		printf("  (not proposed) %s %s # %llu refused: %s\n",
		       policy_learn_access_list(p->skips[i].acc, acc, sizeof(acc)), p->skips[i].path, p->skips[i].count,
		       p->skips[i].why);
	if (p->quiet)
		printf("  (not proposed) %llu quiet refusals: state tools write as a matter of course "
		       "(filesystem.deny_quietly), which nobody grants\n",
		       p->quiet);
}

int cli_learn_finish(const struct run_request *o, struct cli_learn *cl, const struct session_env *env)
{
	struct policy_learn_proposal p = { 0 };
	struct policy_saved_rule *rules = NULL;
	_cleanup_free_ char *file = NULL, *dir = NULL, *desc = NULL, *cmd = NULL;
	struct error err = { 0 };
	size_t added = 0;
	int r = 0;

	if (!cl)
		return 0;
	if (cl->failed || policy_learn_propose(cl->l, &p) < 0) {
		r = cli_fail(false, o->kind, EXIT_LATCH_FAILED, "learn: out of memory");
		goto out;
	}
	if (p.refusals == 0) {
		printf("latch learn: nothing was refused: '%s' allows all this command did%s\n", o->s.profile,
		       o->learn_save_to ? "; nothing saved" : "");
		goto out;
	}
	print_proposal(o, &p, o->learn_save_to);
	if (!o->learn_save_to || p.n_rules == 0) {
		if (!o->learn_save_to && p.n_rules)
			printf("latch learn: --save-to NAME saves it as a profile\n");
		goto out;
	}
	rules = calloc(p.n_rules, sizeof(*rules));
	cmd = strv_shell_join(o->s.argv);
	if (!rules || !cmd || asprintf(&desc, "learned by latch learn from: %s", cmd) < 0 ||
	    asprintf(&dir, "%s/profiles", env->ctx.user_dir ? env->ctx.user_dir : ".") < 0) {
		r = cli_fail(false, o->kind, EXIT_LATCH_FAILED, "learn: out of memory");
		goto out;
	}
	for (size_t i = 0; i < p.n_rules; i++)
		rules[i] = (struct policy_saved_rule){ .klass = p.rules[i].klass, .pattern = p.rules[i].pattern };
	if (policy_save_rules(dir, o->learn_save_to, o->s.profile, desc, rules, p.n_rules, &added, &file, &err) < 0) {
		r = cli_fail(false, o->kind, EXIT_LATCH_FAILED, "learn: %s", err.msg);
		goto out;
	}
	printf("latch learn: %zu rule%s added to %s (latch run -p %s -- ...)\n", added, added == 1 ? "" : "s", file,
	       o->learn_save_to);
out:
	free(rules);
	policy_learn_proposal_done(&p);
	(void)fflush(stdout);
	return r;
}

void cli_learn_free(struct cli_learn *cl)
{
	if (!cl)
		return;
	policy_learn_free(cl->l);
	free(cl);
}
