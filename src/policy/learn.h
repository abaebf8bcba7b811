/* Learning a profile from what a run was refused (README, "Learn"): the
 * accesses a supervisor refused (or the allow backend granted in their
 * place) become the rules of a new profile that extends the one the run
 * used, grouped to the directory a person would write ($HOME/.npm, not 300
 * files in it), with variables put back ($HOME, $CWD, $XDG_CACHE_HOME...).
 *
 * The grouping rule: a path is proposed at its anchor, the first component
 * below the most specific of $CWD, $TMPDIR, $LATCH_CACHE, the XDG
 * directories, $HOME/.local and $HOME ($HOME/.npm, $XDG_CACHE_HOME/pip),
 * or outside them the first components of its top-level directory (two for
 * /etc and /opt, three for /usr, /var and /sys: /usr/local/lib; all of
 * /proc; a device itself). A path a deny or
 * protect rule refused is proposed as itself, and the proposal says it
 * overrides that rule. Creating and removing are decided on the directory
 * that holds the entry, so they are proposed on an anchor above it; an
 * anchor a program makes (mkdir) is written with a trailing '/', which
 * latch makes when a run starts. What a program makes in a temporary
 * directory ($TMPDIR, /tmp, /var/tmp, /dev/shm) under names of its own
 * choosing (tmpXXXXXX) becomes a scratch rule for that directory: the
 * program's own entries there, never others'. What cannot be granted without writing a
 * whole root ($HOME) or overriding a deny at its own path is not proposed,
 * and said. Pure. Prefix: policy_learn_. */
#ifndef LATCH_POLICY_LEARN_H
#define LATCH_POLICY_LEARN_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

struct policy_learn;

/* Learn on top of base (which must outlive l), with ctx's variables. */
struct policy_learn *policy_learn_new(const struct policy *base, const struct policy_ctx *ctx);
struct policy_learn *policy_learn_free(struct policy_learn *l);

/* One refusal: acc (bits of 1u << enum policy_access) on path (absolute,
 * resolved); directory: it is, or is being made, a directory; quiet: a
 * quiet denial (tool state nobody grants: counted, never proposed).
 * Returns 0 or -ENOMEM. */
int policy_learn_add(struct policy_learn *l, const char *path, unsigned acc, bool directory, bool quiet);

/* One refused TCP connect or bind (acc: its bit): reported, not learned
 * (a profile's network section is the user's to widen). */
void policy_learn_add_port(struct policy_learn *l, unsigned acc, unsigned port);

/* One proposed rule. */
struct policy_learn_rule {
	enum policy_class klass;      /* read, exec, write, list, scratch or unix_connect */
	char *path;                   /* absolute */
	char *pattern;                /* as the profile says it: "$HOME/.npm/" */
	unsigned acc;                 /* the accesses it was needed for */
	unsigned long long count;     /* refusals it covers */
	char *overrides;              /* the deny or protect rule it overrides (its label), or NULL */
};

/* What is not proposed, and why. */
struct policy_learn_skip {
	char *path;
	unsigned acc;
	unsigned long long count;
	const char *why;              /* static */
};

struct policy_learn_proposal {
	struct policy_learn_rule *rules; /* most refusals first */
	size_t n_rules;
	struct policy_learn_skip *skips;
	size_t n_skips;
	unsigned long long refusals;  /* every refusal added */
	unsigned long long quiet;     /* ...of which quiet */
};

/* The rules that would allow what was refused. Returns 0 or -ENOMEM. */
int policy_learn_propose(const struct policy_learn *l, struct policy_learn_proposal *ret);
void policy_learn_proposal_done(struct policy_learn_proposal *p);

/* "create, write, read" for acc into buf. */
const char *policy_learn_access_list(unsigned acc, char *buf, size_t size);

#endif
