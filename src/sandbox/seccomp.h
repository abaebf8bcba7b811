/* The seccomp baseline: system calls no profile needs are refused with an
 * errno (never a kill), foreign architectures and x32 are refused, and
 * `network: off` refuses socket() for every family but AF_UNIX, `proxy`
 * for everything but AF_UNIX and TCP; Unix datagram sockets are refused
 * unless allowed, and Unix sockets altogether where nothing can decide
 * their connect(). Built with libseccomp; the whole policy is one table in seccomp.c. Prefix: sfilter_. */
#ifndef LATCH_SANDBOX_SECCOMP_H
#define LATCH_SANDBOX_SECCOMP_H

#include <jansson.h>
#include <linux/filter.h>
#include <stdbool.h>

#include "base/error.h"

struct sfilter_plan {
	bool allow_ptrace;  /* profile's process.ptrace */
	bool network_off;   /* profile's network.mode == off */
	bool allow_userns;  /* profile's process.nested_sandbox */
	bool network_proxy; /* profile's network.mode == proxy: Unix and TCP sockets only */
	/* Unix datagram sockets (socket, socketpair): a datagram can be sent
	 * to any pathname socket by its address, where no connect() is seen.
	 * Refused unless the profile allows them (network.unix_datagram) or
	 * Landlock decides such sends itself (ABI >= 9). */
	bool allow_unix_dgram;
	/* No Unix socket can be made by socket() at all: no supervisor can
	 * decide connect() to a pathname socket here (socketpair stays). */
	bool unix_off;
};

/* Load the filter for this plan into the calling thread. The caller has set
 * no_new_privs. Returns 0 or a negative errno with err set.
 *
 * The filters are compiled by libseccomp from the tables in seccomp.c at
 * build time (scripts/sfilter-gen.c, one program per plan) and embedded:
 * at run time loading is one seccomp() call, not a compilation. A unit test
 * checks that the embedded programs equal what libseccomp builds now. */
int sfilter_apply(const struct sfilter_plan *plan, struct error *err);

/* Build the filter for a plan with libseccomp and write its BPF to fd
 * (seccomp_export_bpf). Returns 0 or a negative errno with err set. */
int sfilter_export(const struct sfilter_plan *plan, int fd, struct error *err);

/* The embedded programs, indexed by sfilter_plan_index(). */
#define SFILTER_N_PLANS 64
struct sfilter_program {
	const struct sock_filter *filter;
	unsigned short len;
};
extern const struct sfilter_program sfilter_programs[SFILTER_N_PLANS];

static inline unsigned sfilter_plan_index(const struct sfilter_plan *plan)
{
	return (plan->network_proxy ? 32u : 0u) | (plan->unix_off ? 16u : 0u) | (plan->allow_unix_dgram ? 8u : 0u) |
	       (plan->allow_userns ? 4u : 0u) | (plan->allow_ptrace ? 2u : 0u) | (plan->network_off ? 1u : 0u);
}

/* The plan of an index: sfilter_plan_index()'s inverse. */
static inline struct sfilter_plan sfilter_plan_from_index(unsigned i)
{
	return (struct sfilter_plan){ .network_proxy = i & 32u,
				      .unix_off = i & 16u,
				      .allow_unix_dgram = i & 8u,
				      .allow_userns = i & 4u,
				      .allow_ptrace = i & 2u,
				      .network_off = i & 1u };
}

/* The plan as JSON: each refused syscall (with its errno name and why) and
 * each argument-filtered rule, in table order:
 *   "refused":        [{"syscall", "errno", "why"}]
 *   "argument_rules": [{"syscall", "when", "errno", "why"}]
 *   "skipped":        [{"syscall", "reason"}]  table rows this arch's filter
 *                     cannot hold; reason "not_on_this_arch" (e.g. umount on
 *                     x86_64) or "unknown_to_libseccomp" (newer than it)
 *   "foreign_arch", "x32": the action, "kill_process" ("x32" is
 *                     "not_applicable" off x86_64)
 * Rows that the plan lifts (ptrace when allowed, socket rules when the
 * network is on) are left out. Returns NULL only when out of memory. */
json_t *sfilter_plan_to_json(const struct sfilter_plan *plan);

#endif
