/* JSON renderings of policies and decisions, for `profile show`, `why`,
 * `run --dry-run`. Keys are sorted when the envelope is written. */
#ifndef LATCH_POLICY_RENDER_H
#define LATCH_POLICY_RENDER_H

#include <jansson.h>

#include "policy/policy.h"

/* The resolved policy: name, description, source, chain, groups, rules
 * (class, path, pattern, origin), network, process, env, required. */
json_t *policy_to_json(const struct policy *p);

/* A decision: verdict, access, path or port, rule (label, class, path,
 * pattern, origin) or null, layer, reason. */
json_t *policy_decision_to_json(const struct policy_query *q, const struct policy_decision *d);

/* limits: each key, null when not set. */
json_t *policy_limits_to_json(const struct policy_limits *l);

/* Names of the required bits, as written in profiles ("landlock_net", ...). */
json_t *policy_required_to_json(unsigned required);

#endif
