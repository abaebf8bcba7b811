/* The oracle lane: what the decision engine predicts for a probe under a
 * profile, without running anything. Each catalog probe maps to the
 * questions its operation asks (its row's `asks` in the probe catalog):
 * accesses for policy_decide(), or rows of the seccomp plan the profile
 * compiles to (for the system calls no profile may make). The oracle never looks at what a
 * probe did; a separate check (lab_oracle_matches) compares the access the
 * probe reported with the one the oracle asked about, so that the two cannot
 * drift apart unnoticed. Prefix: lab_oracle_. */
#ifndef LATCH_LAB_ORACLE_H
#define LATCH_LAB_ORACLE_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "policy/policy.h"
#include "sandbox/landlock.h"
#include "sandbox/seccomp.h"

#define LAB_ORACLE_QUERIES_MAX 4

enum lab_verdict {
	LAB_VERDICT_ALLOW,       /* every question is answered allow */
	LAB_VERDICT_DENY,        /* some question is answered deny */
	LAB_VERDICT_NO_DECISION, /* the engine is asked nothing (world_shape, a unix socket file...) */
	_LAB_VERDICT_MAX,
};

enum lab_query_kind {
	LAB_QUERY_ENGINE,  /* policy_decide() */
	LAB_QUERY_SECCOMP, /* a row of the seccomp plan */
	_LAB_QUERY_KIND_MAX,
};

struct lab_query {
	enum lab_query_kind kind;
	enum policy_access access;   /* engine */
	char *path;                  /* engine, fs: the path as the probe names it */
	char *decided;               /* engine, fs: the path asked (symlinks resolved like rules) */
	long port;                   /* engine, tcp; -1: the harness's listener, a port chosen at run time */
	long decided_port;           /* engine, tcp: the port asked (for -1: an ephemeral port no list names) */
	bool landlock_mediated;      /* Landlock checks the operation at all */
	const char *syscall, *when;  /* seccomp: the table row (when: a word of its argument rule, or NULL) */
	bool allow;
	enum policy_layer layer;
	bool abi_lacks;              /* Landlock would enforce the deny, but the applied ABI lacks the right */
	char reason[512];
};

struct lab_oracle {
	enum lab_verdict verdict;
	struct lab_query q[LAB_ORACLE_QUERIES_MAX];
	size_t n;
	const char *note;            /* a caveat, or why nothing is asked; NULL: none */
};

/* What the oracle knows of a sandbox: the profile as the probe runs under it
 * (with latch's own binary executable), the Landlock plan for the applied
 * ABI (NULL or abi 0: none) and the seccomp plan. */
struct lab_model {
	const struct policy *policy;
	const struct landlock_plan *ll;
	struct sfilter_plan sf;
};

/* The places path classes name, as the probe runner resolves them. */
struct lab_where {
	const char *home, *cwd, *tmp;
	const char *harness; /* where the runner will create the harness: <parent>/.latch-probe-XXXXXX */
};

/* Predict one probe (args already expanded). Returns 0, or -EINVAL with err
 * set when the probe or its arguments are unknown, or -ENOMEM. Free with
 * lab_oracle_done(). */
int lab_oracle_predict(const struct lab_model *m, const struct lab_where *w, const char *probe_id, char **args,
		       struct lab_oracle *ret, struct error *err);

void lab_oracle_done(struct lab_oracle *o);

/* {verdict, note, queries: [...]}; NULL when out of memory. */
json_t *lab_oracle_to_json(const struct lab_oracle *o);

const char *lab_verdict_name(enum lab_verdict v);

/* Whether the access a probe reported (data of its probe_response: access,
 * harness.dir) is one the oracle asked about: same access, same path once
 * the harness directory and /proc/<pid> are named alike, same port (or a
 * run-time port decided alike). false with why filled otherwise. */
bool lab_oracle_matches(const struct lab_model *m, const struct lab_oracle *o, const struct lab_where *w,
			const json_t *data, char *why, size_t size);

#endif
