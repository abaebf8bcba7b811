/* The lab: every plan row runs in three lanes that are never merged --
 *   baseline   `latch probe --no-sandbox`: does the operation work here at all?
 *   sandboxed  `latch probe -p PROFILE`: what the sandbox really did
 *   oracle     policy_decide() and the seccomp plan: what latch predicts,
 *              running nothing
 * -- and every disagreement becomes a mismatch record with a reason
 * (classify.h). The observed lanes run latch itself as a child, exactly as
 * a user would type the commands, in a small bounded pool (spawn.h).
 *
 * This header: the environment a run needs (profiles loaded, risk derived
 * and gated, the places path classes name), and one row's run. The run
 * directory is run.h's; rendering is report.h's. Prefix: lab_. */
#ifndef LATCH_LAB_LAB_H
#define LATCH_LAB_LAB_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/hash.h"
#include "lab/classify.h"
#include "lab/oracle.h"
#include "lab/plan.h"
#include "policy/policy.h"
#include "policy/risk.h"
#include "session/session.h"

#define LAB_PROBE_TIMEOUT_MS 20000 /* what each probe is given (--timeout-ms) */
#define LAB_LANE_TIMEOUT_MS 30000  /* then the lane is killed */
#define LAB_STDERR_KEPT 4096       /* bytes of a lane's stderr kept in its record */
#define LAB_EVENTS_KEPT 256        /* supervisor events kept in a lane's record */

/* One profile as the lab uses it. */
struct lab_profile {
	char *spec;                   /* as the plan or the command line names it */
	struct session_plan plan;     /* the run the probe runner plans (session.h) */
	struct policy *policy;        /* plan's: as the probe runs under it, plus latch's own binary, executable */
	struct policy_risk risk;      /* derived from the profile as written */
	struct landlock_plan *ll;     /* plan's: compiled for the applied ABI */
	struct lab_model model;
	json_t *resolved;             /* {"profile": resolved policy, "risk": {tier, reasons}} */
	char sha256[SHA256_HEX_SIZE]; /* of resolved, as compact JSON with sorted keys */
	bool acked;                   /* --ack-risk named it */
};

struct lab_env {
	char *self;                   /* latch's own binary, resolved */
	char self_sha256[SHA256_HEX_SIZE];
	const struct policy_ctx *ctx;
	int landlock_abi;             /* the ABI the sandboxes apply (LATCH_LANDLOCK_ABI caps it); 0: none */
	char **ack_risk;              /* --ack-risk names (borrowed) */
	unsigned workers;
	struct lab_where where;
	char *harness;                /* where.harness, owned */
	pid_t pid;                    /* the lab: ${LAB_PID} */
	struct lab_profile *profiles;
	size_t n_profiles;
};

/* Resolve everything a run needs before anything runs. Returns 0 or a
 * negative errno with err set. */
int lab_env_init(struct lab_env *env, const char *self, const struct policy_ctx *ctx, int landlock_abi,
		 char **ack_risk, struct error *err);

/* Load each profile (once), derive its risk, compile it for the ABI. An
 * error names the profile. */
int lab_env_add_profiles(struct lab_env *env, char *const *specs, struct error *err);

const struct lab_profile *lab_env_profile(const struct lab_env *env, const char *spec);

void lab_env_done(struct lab_env *env);

/* Risk gating for a lab profile (policy_risk_gate): acknowledged in acks or
 * in more (a plan row's ack_risk), or already by the lab's --ack-risk. */
bool lab_risk_allowed(const struct lab_profile *p, char *const *acks, char *const *more, char *why, size_t size);

/* One profile of a row. */
struct lab_cell {
	const struct lab_profile *profile;
	bool skipped;                 /* risk gating */
	char skip_reason[512];
	int outcome;                  /* sandboxed, enum probe_outcome; -1: not run */
	struct lab_oracle oracle;
	struct lab_classification cls;
	json_t *sandboxed_record, *oracle_record; /* lab_result envelopes */
	json_t *mismatch;             /* lab_mismatch envelope; NULL: the lanes agree or skipped */
	json_t *reproduce;            /* {baseline, sandboxed, oracle}: the commands; NULL: skipped */
};

struct lab_row_result {
	const struct lab_row *row;
	char **args;                  /* expanded */
	int baseline;                 /* enum probe_outcome; -1: not run */
	json_t *baseline_record;
	json_t *setup;                /* what the setup did, or null */
	struct lab_cell *cells;
	size_t n_cells;
};

/* Run one row: setup, the baseline and every sandboxed lane in the pool,
 * the oracle, the comparison. Fills ret (free with lab_row_result_done)
 * even when a lane failed; returns a negative errno only when out of
 * memory or when the row names a profile env does not have. */
int lab_row_run(const struct lab_env *env, const struct lab_row *row, const char *plan_id, const char *run_id,
		struct lab_row_result *ret, struct error *err);

void lab_row_result_done(struct lab_row_result *r);

/* Everything about a row that can be checked before anything runs: its
 * profiles are loaded, its fixture has a place, and the oracle can predict
 * it under each profile. An error names the row and the profile. */
int lab_row_check(const struct lab_env *env, const struct lab_row *row, struct error *err);

/* Where runs go by default: $XDG_STATE_HOME/latch/lab. */
int lab_default_dir(const struct policy_ctx *ctx, char **ret, struct error *err);

/* The family of a probe id ("filesystem"), or "unknown". */
const char *lab_probe_family(const char *probe_id);

#endif
