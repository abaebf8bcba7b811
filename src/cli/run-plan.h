/* latch run's plan: load and compile the profile, decide the mode and the
 * supervision, collect every reason to refuse and every warning, print the
 * plan (--dry-run). Internal to the CLI; cmd-run.c parses, launches and
 * reports. */
#ifndef LATCH_CLI_RUN_PLAN_H
#define LATCH_CLI_RUN_PLAN_H

#include "cli/cli.h"
#include "policy/policy.h"
#include "sandbox/landlock.h"
#include "sandbox/limits.h"
#include "sandbox/mounts.h"
#include "sandbox/seccomp.h"
#include "supervise/supervise.h"

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
	enum policy_supervise supervise; /* in effect, after flags */
	enum sup_backend backend;
	bool use_masks;           /* masks are applied (not with a supervisor that may grant) */
	bool landlock_exact;      /* the kernel layers enforce exactly the policy... */
	unsigned inexact;         /* ...but for these accesses (sup_config.inexact) */
	bool root_supervised_static; /* static mode because root supervises */
	char **private_dirs;      /* "private" rules that exist as directories (isolated mode) */
	char *private_dropped;    /* the static mode dropped these "private" rules: one line */
};

/* Load the profile, compile Landlock and the masks, the environment and
 * the program's path; decide the mode and the supervision. */
int load_and_compile(const struct run_request *o, struct run_state *s, struct error *err);

/* Make the plan fit the mode: "private" rules dropped in the static mode
 * (and the plan compiled again). */
int plan_private(struct run_state *s, struct error *err);

/* Every reason to refuse and every warning, for the mode planned, into
 * s->refusals and s->warnings. Returns 0 or -ENOMEM. */
int check_plan(const struct run_request *o, struct run_state *s);

/* The kernel refused the namespaces (errno err): the static mode, said why. */
void set_ns_unavailable(struct run_state *s, int err);

/* --dry-run: the plan as one envelope. Returns the exit code. */
int print_plan(const struct run_request *o, struct run_state *s);

/* Tier 2 runs only when acknowledged (--ack-risk). 0, or an exit code. */
int gate_risk(const struct run_request *o, struct run_state *s);

/* The private temp dir, made 0700 or refused when squatted. */
int ensure_private_tmp(const char *path, struct error *err);

/* The profile's trailing-'/' write directories that are missing, made. */
int make_missing_dirs(const struct policy *p, struct error *err);

void run_state_done(struct run_state *s);

#endif
