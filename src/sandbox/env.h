/* The environment a sandboxed program starts with. */
#ifndef LATCH_SANDBOX_ENV_H
#define LATCH_SANDBOX_ENV_H

#include "policy/policy.h"

/* Build the child's environment from `environ`: keep the variables matching
 * rules->keep (all, when keep is NULL), drop those matching rules->drop
 * (fnmatch globs, drop wins), then apply rules->set. Returns 0 or -ENOMEM. */
int env_build(const struct policy_env_rules *rules, char *const *environ, char ***ret);

#endif
