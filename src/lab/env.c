/* The lab's environment: latch's binary and its digest, the places path
 * classes name, and the profiles -- loaded, risk-rated and compiled once,
 * before anything runs. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "lab/lab.h"
#include "policy/render.h"
#include "probe/catalog.h"
#include "probe/harness.h"

static json_t *risk_json(const struct policy_risk *r)
{
	json_t *o = json_object();

	json_set(o, "tier", json_integer(r->tier));
	json_set(o, "reasons", json_strv(r->reasons));
	return o;
}

int lab_env_init(struct lab_env *env, const char *self, const struct policy_ctx *ctx, int landlock_abi,
		 char **ack_risk, struct error *err)
{
	const char *cwd = policy_ctx_var(ctx, "CWD"), *tmp = policy_ctx_var(ctx, "TMPDIR");
	int r;

	memset(env, 0, sizeof(*env));
	env->ctx = ctx;
	env->landlock_abi = landlock_abi > 0 ? landlock_abi : 0;
	env->ack_risk = ack_risk;
	env->pid = getpid();
	r = path_resolve(self, &env->self);
	if (r < 0)
		return error_set(err, -r, "cannot resolve latch's binary '%s': %s", self, strerror(-r));
	r = sha256_file(env->self, env->self_sha256, NULL);
	if (r < 0)
		return error_set(err, -r, "cannot read latch's binary '%s': %s", env->self, strerror(-r));
	env->where.home = policy_ctx_var(ctx, "HOME");
	env->where.cwd = cwd;
	env->where.tmp = tmp ? tmp : "/tmp";
	if (!env->where.home || !cwd)
		return error_set(err, EINVAL, "the lab needs $HOME and a current directory");
	/* The probe runner makes its harness in the current directory, or in
	 * $TMPDIR when it cannot write there: the oracle names it the same. */
	if (asprintf(&env->harness, "%s/%sXXXXXX", access(cwd, W_OK | X_OK) == 0 ? cwd : env->where.tmp,
		     PROBE_HARNESS_PREFIX) < 0)
		return error_set(err, ENOMEM, "out of memory");
	env->where.harness = env->harness;
	return 0;
}

const struct lab_profile *lab_env_profile(const struct lab_env *env, const char *spec)
{
	for (size_t i = 0; i < env->n_profiles; i++)
		if (strcmp(env->profiles[i].spec, spec) == 0)
			return &env->profiles[i];
	return NULL;
}

static int load_one(struct lab_env *env, const char *spec, struct lab_profile *p, struct error *err)
{
	_cleanup_free_ char *compact = NULL;
	struct policy *policy = NULL;
	char *extra[] = { env->self, NULL };
	/* As the probe runner plans it (cli_run): latch itself executable,
	 * no supervisor unless the row asks, the lab's Landlock ABI. */
	const struct session_request req = {
		.profile = spec,
		.extra_exec = extra,
		.extra_exec_origin = "latch probe runner",
		.supervise = SESSION_SUPERVISE_OFF,
		.landlock_abi = env->landlock_abi,
	};
	json_t *resolved;
	int r;

	p->spec = strdup(spec);
	if (!p->spec)
		return error_set(err, ENOMEM, "out of memory");
	r = policy_load(spec, env->ctx, &policy, err);
	if (r < 0)
		return error_prefix(err, "profile '%s'", spec);
	/* Rated and digested as written, before the runner's rule. */
	if (policy_risk(policy, env->ctx, &p->risk) < 0) {
		policy_free(policy);
		return error_set(err, ENOMEM, "out of memory");
	}
	resolved = json_object();
	json_set(resolved, "profile", policy_to_json(policy));
	json_set(resolved, "risk", risk_json(&p->risk));
	p->resolved = resolved;
	compact = json_dumps(resolved, JSON_COMPACT | JSON_SORT_KEYS);
	if (!compact) {
		policy_free(policy);
		return error_set(err, ENOMEM, "out of memory");
	}
	sha256_hex(compact, strlen(compact), p->sha256);
	r = session_plan_from_policy(&req, env->ctx, 0, policy, &p->plan, err);
	p->policy = p->plan.policy;
	p->ll = p->plan.ll;
	if (r < 0)
		return error_prefix(err, "profile '%s'", spec);
	p->model = (struct lab_model){
		.policy = p->policy,
		.ll = p->ll,
		.sf = p->plan.sf,
	};
	p->acked = strv_contains(env->ack_risk, spec) || strv_contains(env->ack_risk, p->policy->name);
	return 0;
}

int lab_env_add_profiles(struct lab_env *env, char *const *specs, struct error *err)
{
	for (size_t i = 0; specs && specs[i]; i++) {
		struct lab_profile *grown;
		int r;

		if (lab_env_profile(env, specs[i]))
			continue;
		if (!utf8_is_valid(specs[i]) || strlen(specs[i]) >= LATCH_PATH_MAX)
			return error_set(err, EINVAL, "profile '%s': not valid UTF-8, or too long", specs[i]);
		grown = realloc(env->profiles, (env->n_profiles + 1) * sizeof(*grown));
		if (!grown)
			return error_set(err, ENOMEM, "out of memory");
		env->profiles = grown;
		memset(&env->profiles[env->n_profiles], 0, sizeof(*grown));
		r = load_one(env, specs[i], &env->profiles[env->n_profiles], err);
		env->n_profiles++; /* freed by lab_env_done() even when half loaded */
		if (r < 0)
			return r;
	}
	return 0;
}

void lab_env_done(struct lab_env *env)
{
	for (size_t i = 0; i < env->n_profiles; i++) {
		struct lab_profile *p = &env->profiles[i];

		free(p->spec);
		session_plan_done(&p->plan);
		policy_risk_done(&p->risk);
		json_decref(p->resolved);
	}
	free(env->profiles);
	free(env->self);
	free(env->harness);
	memset(env, 0, sizeof(*env));
}

bool lab_risk_allowed(const struct lab_profile *p, char *const *acks, char *const *more, char *why, size_t size)
{
	return p->acked || policy_risk_gate(p->policy, &p->risk, p->spec, acks, more, why, size);
}

const char *lab_probe_family(const char *probe_id)
{
	const struct probe_def *d = probe_find(probe_id);

	return d ? d->family : "unknown";
}

int lab_default_dir(const struct policy_ctx *ctx, char **ret, struct error *err)
{
	const char *state = policy_ctx_var(ctx, "XDG_STATE_HOME");

	if (!state)
		return error_set(err, EINVAL, "no $XDG_STATE_HOME or $HOME for the default directory: give --out DIR");
	if (asprintf(ret, "%s/latch/lab", state) < 0)
		return error_set(err, ENOMEM, "out of memory");
	return 0;
}
