/* Landlock's own denial records in the kernel's audit log (Landlock ABI 7,
 * Linux 6.15), for runs no supervisor watches: the session log can then say
 * which accesses the kernel refused, and that it was the kernel that saw
 * them.
 *
 * The records are read from the audit netlink socket's read-only multicast
 * group (AUDIT_NLGRP_READLOG), which needs CAP_AUDIT_READ and an audit
 * subsystem that is on; latch changes neither. Landlock logs a domain's
 * denials after an execve only when asked (LANDLOCK_RESTRICT_SELF_LOG_NEW_
 * EXEC_ON), which latch asks only while it reads them. A domain is known by
 * the process that made it (the "allocated" record names its pid); a
 * domain's release says how many denials it had ("deallocated"). Prefix:
 * ll_audit_. */
#ifndef LATCH_SANDBOX_AUDIT_H
#define LATCH_SANDBOX_AUDIT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define LL_AUDIT_ACCESS 1423 /* AUDIT_LANDLOCK_ACCESS */
#define LL_AUDIT_DOMAIN 1424 /* AUDIT_LANDLOCK_DOMAIN */

/* One Landlock record, parsed. */
struct ll_audit_record {
	int type;                 /* LL_AUDIT_ACCESS or LL_AUDIT_DOMAIN */
	long long time_ms;        /* from audit(SECONDS.MS:SERIAL) */
	uint64_t domain;
	/* LL_AUDIT_ACCESS */
	char blockers[128];       /* e.g. "fs.read_file", or several with ',' */
	char path[PATH_MAX];      /* path="..." (decoded), or "" */
	char object[256];         /* what else names the object (opid=.. ocomm=.., dev=.. ino=..) */
	/* LL_AUDIT_DOMAIN */
	bool allocated;           /* status=allocated (else deallocated) */
	int pid;                  /* allocated: the process that made the domain */
	char exe[PATH_MAX];       /* allocated: its program */
	long long denials;        /* deallocated: the domain's denials, logged or not; -1 */
};

/* Parse the text of one record of type (1423 or 1424), as the kernel sends
 * it: "audit(1729738800.268:30): domain=... ...". Pure. Returns 0, or
 * -EINVAL for anything else. */
int ll_audit_parse(int type, const char *text, struct ll_audit_record *ret);

/* The latch access a blocker names ("fs.read_file" -> "read",
 * "net.connect_tcp" -> "tcp_connect"), or the blocker itself. */
const char *ll_audit_access(const char *blocker);

struct ll_audit;

/* Start listening, before the sandbox starts. NULL with *ret_why (static
 * text) when the records cannot be had here: Landlock ABI < 7, no audit
 * support, the audit subsystem off, no CAP_AUDIT_READ. */
struct ll_audit *ll_audit_open(int abi, const char **ret_why);

/* The program has ended: gather what arrived (waiting briefly for records
 * on their way), keep the records of the domains pid made, and call fn for
 * each denial, in order. Returns the number of denials the kernel counted
 * for them (from the release records; -1 when none was seen), and sets
 * *ret_lost when records were dropped before latch read them. Frees a. */
long long ll_audit_finish(struct ll_audit *a, pid_t pid, void (*fn)(const struct ll_audit_record *r, void *data),
			  void *data, bool *ret_lost);

/* Forget a without reading (NULL: nothing). */
void ll_audit_close(struct ll_audit *a);

#endif
