/* Resource limits: rlimits (nofile, nproc, core, fsize) for every mode, and
 * cgroup v2 memory and pids limits where the caller's cgroup delegates those
 * controllers. What cannot be given is reported, never silently dropped. */
#ifndef LATCH_SANDBOX_LIMITS_H
#define LATCH_SANDBOX_LIMITS_H

#include <jansson.h>
#include <sys/types.h>

#include "policy/policy.h"

/* Set the rlimits the policy asks for on the calling process (inherited by
 * what it executes). Lowering only: a limit above the current hard limit is
 * an error naming it. */
int limits_apply_rlimits(const struct policy_limits *l, struct error *err);

struct cgroup_handle {
	char *path;          /* the cgroup latch created; NULL: none */
};

/* Create a child cgroup with limits.memory / limits.pids. When the policy
 * asks for neither, returns 0 with h->path NULL. When they cannot be given,
 * returns -EOPNOTSUPP with *ret_reason set to one line saying why. */
int cgroup_prepare(const struct policy_limits *l, struct cgroup_handle *h, char **ret_reason);

/* Move pid into the cgroup. */
int cgroup_attach(const struct cgroup_handle *h, pid_t pid, struct error *err);

/* Remove the cgroup (after its processes are gone). */
void cgroup_cleanup(struct cgroup_handle *h);

#endif
