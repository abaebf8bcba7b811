/* Probe outcomes and their attribution: the closed vocabulary every probe
 * reports in result.normalized_outcome, and the rules that name the layer
 * that refused an operation. Pure: no system calls. Prefix: probe_. */
#ifndef LATCH_PROBE_OUTCOME_H
#define LATCH_PROBE_OUTCOME_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"
#include "sandbox/landlock.h"
#include "sandbox/seccomp.h"

/* The closed set of normalized outcomes (README, "Probes"). */
enum probe_outcome {
	PROBE_OK,             /* the operation succeeded */
	PROBE_DENIED,         /* a sandbox layer refused it */
	PROBE_DAC_DENIED,     /* Unix permissions or privileges refused it (the baseline too) */
	PROBE_NOT_FOUND,      /* the target does not exist (ENOENT, ESRCH, ECONNREFUSED...) */
	PROBE_EXISTS,         /* the target already exists (EEXIST, ENOTEMPTY) */
	PROBE_PREMISE_FAILED, /* the probe's own precondition did not hold */
	PROBE_UNSUPPORTED,    /* the kernel lacks the feature */
	PROBE_HARNESS_ERROR,  /* the harness failed: spawn, exec, a probe that died silently */
	PROBE_BAD_REQUEST,    /* invalid arguments, unknown profile */
	PROBE_UNKNOWN_PROBE,  /* no probe with that id */
	PROBE_TIMEOUT,        /* a wait or the probe itself did not finish in time */
	_PROBE_OUTCOME_MAX,
};

/* The layer that decided, in data.attribution.layer. */
enum probe_layer {
	PROBE_LAYER_NONE,       /* nothing refused (or nothing to attribute) */
	PROBE_LAYER_LANDLOCK,
	PROBE_LAYER_MOUNT_MASK,
	PROBE_LAYER_SECCOMP,
	PROBE_LAYER_SUPERVISOR,
	PROBE_LAYER_NAMESPACE,
	PROBE_LAYER_DAC,        /* ordinary Unix permissions and privileges */
	_PROBE_LAYER_MAX,
};

const char *probe_outcome_name(enum probe_outcome o);
/* -EINVAL for a name outside the vocabulary. */
int probe_outcome_from_name(const char *name);
/* The probe's exit status for an outcome: 0 ok, 1 any other measurement,
 * 2 bad_request and unknown_probe, 124 timeout, 125 harness_error. */
int probe_outcome_rc(enum probe_outcome o);
/* Whether the outcome is a measurement (result.ok): the probe did its job,
 * whatever the answer; false for premise_failed, harness_error, bad_request,
 * unknown_probe and timeout. */
bool probe_outcome_measured(enum probe_outcome o);
/* One line describing the outcome, for the catalog and the README. */
const char *probe_outcome_meaning(enum probe_outcome o);

const char *probe_layer_name(enum probe_layer l);
int probe_layer_from_name(const char *name);

/* The errno name used in envelopes ("EACCES"); never NULL. */
const char *probe_errno_name(int err);
/* The inverse, for names probe_errno_name() gives; -EINVAL if unknown. */
int probe_errno_from_name(const char *name);

/* What errno alone says, before anything is known about a sandbox: the
 * permission errnos give dac_denied (the baseline reading, which the runner
 * refines), ENOENT not_found, EEXIST exists, ENOSYS unsupported, ... See the
 * table in outcome.c. err == 0 is ok. */
enum probe_outcome probe_outcome_from_errno(int err);

/* The sandbox a probe ran in, as the runner applied it. */
struct probe_sandbox {
	const struct policy *policy;       /* the profile, with latch's own exec rule */
	const struct landlock_plan *ll;    /* compiled for the ABI in use (abi 0: none) */
	struct sfilter_plan sf;
	bool supervised;                   /* a (denying) supervisor watched the probe */
	bool sockets_supervised;           /* ...or one watched its connect() calls only */
};

/* The facts a probe reports about its operation (data.access, data.syscall,
 * data.errno) and the runner's own check of Unix permissions. */
struct probe_facts {
	int err;                   /* positive errno of the operation; 0: succeeded */
	const char *syscall;       /* the system call that gave err, as the seccomp table names it */
	bool has_access;           /* the operation is an access the decision engine knows */
	enum policy_access access;
	const char *path;          /* fs accesses: absolute */
	uint16_t port;             /* tcp accesses */
	const char *to_path;       /* a second fs access (rename: create the new name); NULL: none */
	enum policy_access to_access;
	bool landlock_mediated;    /* Landlock checks this operation at all (see probe tables) */
	bool own_mnt_ns, own_net_ns, own_pid_ns; /* the probe ran in namespaces of its own */
	bool harness_target;       /* the target is the runner's own listener: it exists outside */
	int target_pid;            /* a process target, as the probe named it; 0: none */
	/* What the runner checks outside the sandbox, after the probe: */
	int dac;                   /* access(2): 1 refused, 0 allowed, -1 unknown */
	bool exists_outside;       /* the path, or the process, exists outside */
};

struct probe_attribution {
	enum probe_outcome outcome;
	enum probe_layer layer;
	char reason[640];          /* one line: why this layer */
};

/* Attribute a failed operation: sb NULL means no sandbox (the baseline lane).
 * The rules are the table above probe_attribute() in outcome.c; the result
 * is "inferred" (errno plus the decision engine), never "observed". */
void probe_attribute(const struct probe_sandbox *sb, const struct probe_facts *f, struct probe_attribution *ret);

/* Whether the seccomp plan refuses this system call with this errno, by a
 * table row or an argument rule (matched by name and errno: a probe names
 * such a syscall only for the arguments the rule covers). */
bool probe_seccomp_refuses(const struct sfilter_plan *sf, const char *syscall, int err);

#endif
