/* Risk tiers, derived from what a policy grants -- never written by hand.
 *
 *   0  confined: reads what it needs, writes only the project and temporary
 *      directories, no network, no ptrace, signals and abstract sockets scoped
 *   1  wider: TCP port allow-lists, writes outside the project and temporary
 *      directories, exec from a writable directory, an unscoped signal or
 *      abstract-unix surface
 *   2  broad: unrestricted network, ptrace, or write access to $HOME, to a
 *      system directory or to "/"
 */
#ifndef LATCH_POLICY_RISK_H
#define LATCH_POLICY_RISK_H

#include "policy/policy.h"

struct policy_risk {
	int tier;        /* 0..2 */
	char **reasons;  /* one line per finding, "tier N: ..." order of rules */
};

/* Derive the tier of a loaded policy. ctx gives $HOME, $CWD, $TMPDIR and
 * $PRIVATE_TMP (as loaded). Returns 0 or -ENOMEM. */
int policy_risk(const struct policy *p, const struct policy_ctx *ctx, struct policy_risk *ret);

void policy_risk_done(struct policy_risk *r);

/* Risk gating: a tier-2 policy runs only when acknowledged, by the name it
 * was asked for (spec) or its own, in acks or more (either may be NULL).
 * Returns true when it may run; otherwise false with why naming a reason
 * that makes it tier 2 and the flag that acknowledges it. */
bool policy_risk_gate(const struct policy *p, const struct policy_risk *risk, const char *spec, char *const *acks,
		      char *const *more, char *why, size_t size);

#endif
