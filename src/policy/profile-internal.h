/* Shared by the profile loader (profile.c) and its section parsers
 * (profile-sections.c); not part of the policy layer's interface. */
#ifndef LATCH_POLICY_PROFILE_INTERNAL_H
#define LATCH_POLICY_PROFILE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "policy/policy.h"

/* One profile or group file being read. */
struct source {
	char *buf;
	size_t len;
	char *label;    /* for messages: the path, or "builtin:agent" */
	char *dir;      /* directory for relative `extends`; NULL for built-ins */
	char *identity; /* what cycles are detected on: "builtin:NAME" or realpath */
	bool builtin;
};

struct loader {
	const struct policy_ctx *ctx;
	struct policy *p;
	char **stack;       /* labels of the profiles being loaded, outermost first */
	size_t rules_alloc;
	struct error *err;
};

/* Free what a source holds (not the struct). */
void profile_source_done(struct source *s);

/* Find a profile or group (kind "profile" or "group"): a path (relative
 * ones from rel_dir), a built-in, or a file in the user's or the system's
 * directory (ctx->find_text, when set, in place of paths and directories),
 * and read it into *ret. Returns 0 or a negative errno with err set; an
 * unknown name's message lists where it looked and the nearest name. */
int profile_find_source(const char *kind, const char *spec, const char *rel_dir, const struct policy_ctx *ctx,
			struct source *ret, struct error *err);

/* Fail with "<file>:<line>: <key>: <message>"; needle locates the line. */
int profile_fail(struct loader *l, const struct source *s, const char *key, const char *needle, const char *fmt, ...)
	_printf_(5, 6);

/* Refuse any key of obj not in allowed (NULL-terminated), naming it. */
int profile_check_keys(struct loader *l, const struct source *s, json_t *obj, const char *const *allowed,
		       const char *prefix);

/* The sections: each returns 0 or a negative errno with l->err set. */
int profile_parse_network(struct loader *l, const struct source *s, json_t *net, const char *origin);
/* A group's network: only hosts and deny_hosts, which add up. */
int profile_parse_group_network(struct loader *l, const struct source *s, json_t *net, const char *origin);
int profile_parse_process(struct loader *l, const struct source *s, json_t *proc);
int profile_parse_env(struct loader *l, const struct source *s, json_t *env);
int profile_parse_required(struct loader *l, const struct source *s, json_t *arr);
int profile_parse_limits(struct loader *l, const struct source *s, json_t *lim);
int profile_parse_supervise(struct loader *l, const struct source *s, json_t *sup);

#endif
