/* Namespaces: the sandbox's own user, mount, pid, ipc and uts namespaces,
 * and a network namespace of its own when the profile's network is off
 * (empty) or goes through the proxy (loopback only, see ns_bridge_open). Created
 * unprivileged through a user namespace that maps the caller's uid and gid to
 * themselves. */
#ifndef LATCH_SANDBOX_NAMESPACES_H
#define LATCH_SANDBOX_NAMESPACES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/policy.h"

/* CLONE_NEW* flags for a policy: user, mount, pid, ipc, uts, and net when
 * network.mode is off or proxy. */
unsigned long ns_flags_for(const struct policy *p);

/* The namespaces in flags, by name, for plans and reports. */
json_t *ns_flags_to_json(unsigned long flags);

/* Whether the kernel lets this process create these namespaces: tried in
 * a short-lived child. Returns 0 or the negative errno of the refusal. */
int ns_probe(unsigned long flags);

/* Create a child in new namespaces (like fork, with clone flags). In the
 * parent returns the child's pid; in the child 0; -errno when the kernel
 * refuses (the caller then falls back and says so). The child must call
 * ns_child_wait() before anything else; the parent ns_child_release() once
 * the maps are written. */
pid_t ns_clone(unsigned long flags, int sync[2]);

/* Parent: write the child's uid_map and gid_map (caller's ids mapped to
 * themselves; setgroups denied first, as the kernel requires). */
int ns_write_maps(pid_t child, struct error *err);

/* Parent: let the child go on (ok) or make it exit (not ok). */
void ns_child_release(int sync[2], bool ok);

/* Child: wait for the parent; dies with the parent from then on. Returns 0,
 * or -ECANCELED when the parent gave up or is gone. */
int ns_child_wait(int sync[2]);

/* Child, first thing inside: mounts private (nothing propagates back to
 * the host), then a fresh /proc for the new pid namespace. */
int ns_setup_mounts(bool new_proc, struct error *err);

/* Child, in its own network namespace (network.mode proxy): bring the
 * loopback up, listen on 127.0.0.1:port and hand the listener over sock
 * to latch's proxy outside, which accepts the sandbox's connections on it.
 * Nothing inside relays. Returns 0 or a negative errno. */
int ns_bridge_open(int sock, uint16_t port, struct error *err);

#endif
