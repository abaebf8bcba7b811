/* Landlock: compile a policy into a ruleset for the running kernel's ABI,
 * prepare it in the parent (open every path O_PATH), apply it in the child.
 *
 * Best effort, never silent: what this ABI cannot enforce is listed in
 * plan->degraded (and the matching POLICY_REQUIRE_* bit is set in
 * plan->degraded_required); a deny rule that lies inside an allowed directory
 * cannot be expressed in Landlock at all and is listed in plan->conflicts. */
#ifndef LATCH_SANDBOX_LANDLOCK_H
#define LATCH_SANDBOX_LANDLOCK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"

struct landlock_path {
	char *path;
	uint64_t access;                /* rights for this path (masked for files) */
	const struct policy_rule *rule; /* the rule it came from */
	int fd;                         /* O_PATH fd after prepare; -1 before */
	bool missing;                   /* path did not exist at prepare: skipped */
	bool is_dir;
};

/* When a profile loses what an ABI brings (the kernel lacks it). */
enum landlock_need {
	LANDLOCK_NEED_ALWAYS,
	LANDLOCK_NEED_NET_PORTS,           /* network.mode is ports */
	LANDLOCK_NEED_SCOPE_SIGNALS,       /* process.signals is scoped */
	LANDLOCK_NEED_SCOPE_ABSTRACT_UNIX, /* process.abstract_unix is scoped */
};

struct landlock_degradation {
	enum landlock_need need;
	unsigned require; /* the POLICY_REQUIRE_* bit that refuses it (0: none) */
	const char *line; /* NULL: nothing is lost */
};

/* One Landlock ABI: what it adds to the one before, what a profile loses on
 * a kernel without it, and how `latch doctor` names it. */
struct landlock_abi_row {
	int abi;
	const char *kernel;            /* the first Linux release with it */
	uint64_t fs;                   /* filesystem rights it adds */
	uint64_t net;                  /* network rights it adds */
	uint64_t scopes;               /* scopes it adds */
	uint32_t restrict_flags;       /* landlock_restrict_self() flags it adds */
	uint32_t rule_flags;           /* landlock_add_rule() flags it adds */
	size_t attr_size;              /* struct landlock_ruleset_attr as it knows it */
	struct landlock_degradation degraded[2];
	const char *label;             /* "refer" */
	const char *detail;            /* shown after "yes", or NULL */
	const char *adds;              /* what a kernel with it adds, shown after "no" */
};

/* Rows for ABI 1, 2, ... in order: landlock_abis[i].abi == i + 1. */
extern const struct landlock_abi_row landlock_abis[];
extern const size_t landlock_n_abis;

struct landlock_plan {
	int abi;                  /* the ABI compiled for; 0: Landlock unavailable */
	uint64_t handled_fs;
	uint64_t handled_net;
	uint64_t scoped;
	uint32_t restrict_flags;  /* passed to landlock_restrict_self() */
	size_t attr_size;         /* bytes of struct ll_ruleset_attr this ABI knows */
	struct landlock_path *paths;
	size_t n_paths;
	uint16_t connect[POLICY_PORTS_MAX];
	size_t n_connect;
	uint16_t bind[POLICY_PORTS_MAX];
	size_t n_bind;
	char **degraded;          /* one line each: what this kernel cannot enforce */
	unsigned degraded_bit[8]; /* the POLICY_REQUIRE_* bit of each line (0: none) */
	unsigned degraded_required; /* all of them */
	char **conflicts;         /* deny- or protect-inside-allow: one line naming both rules */
	const struct policy_rule **conflict_rules; /* the deny or protect rule of each line */
	/* The policy accesses (bits of enum policy_access) that the conflicts
	 * leave unexact: what the enclosing allows grant that the deny (all of
	 * it) or protect (its writing part) takes away. Landlock alone decides
	 * every other access exactly as the policy does. */
	unsigned inexact;
};

/* The ABI of the running kernel: >= 1, or a negative errno (-ENOSYS: not
 * built in, -EOPNOTSUPP: disabled at boot). */
int landlock_abi(void);

/* Pure: compile for the given ABI (0 = unavailable). Returns 0 or -ENOMEM. */
int landlock_compile(const struct policy *p, int abi, struct landlock_plan **ret, struct error *err);

/* Open every path O_PATH|O_CLOEXEC; a path that does not exist is marked
 * missing and skipped. Rights that only apply to directories are removed for
 * files. Returns 0 or a negative errno naming the path in err. */
int landlock_prepare(struct landlock_plan *plan, struct error *err);

/* Open again every rule path under prefix (e.g. "/proc" after a fresh proc
 * is mounted in the sandbox's namespaces: rules name inodes, and the old
 * ones are not the new mount's). Returns 0 or a negative errno. */
int landlock_reopen_under(struct landlock_plan *plan, const char *prefix, struct error *err);

/* Create the ruleset, add the rules and restrict the calling thread. The
 * caller has set no_new_privs. Returns 0 or a negative errno. */
int landlock_apply(const struct landlock_plan *plan, struct error *err);

/* network.mode proxy: TCP may connect to this port only, the proxy's,
 * known when the run starts (0: none yet). Nothing when TCP is not
 * handled (an ABI below 4). */
void landlock_plan_set_proxy_port(struct landlock_plan *plan, uint16_t port);

/* Whether the plan's ruleset handles this access at all: a right that is
 * not handled (an older ABI) cannot be what refused an operation. ptrace:
 * Landlock refuses it for any process outside the domain, always. */
bool landlock_plan_handles(const struct landlock_plan *plan, enum policy_access a);

struct landlock_plan *landlock_plan_free(struct landlock_plan *plan);
DEFINE_CLEANUP(struct landlock_plan, landlock_plan_free);

json_t *landlock_plan_to_json(const struct landlock_plan *plan);

/* Names of the fs rights in a mask, e.g. ["read_file","read_dir"]. */
json_t *landlock_fs_rights_to_json(uint64_t mask);

#endif
