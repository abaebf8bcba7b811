/* The supervisor's dispatch table: one row per notified operation, with
 * everything it knows about it (sup-serve.h, struct sup_op_row), and the
 * steps that belong to one operation only: the screens that answer before
 * any memory is read, and the address step of connect and bind. */
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "supervise/sup-serve.h"

/* chroot and setns(CLONE_NEWNS): the supervisor resolves absolute paths
 * from the sandbox's root, opened once; nothing may move it. */
static struct sup_step screen_chroot(struct sup_state *s, struct sup_req *r)
{
	/* Read for the event's path only. */
	if (sup_fetch_args(s, r) == -ENOENT)
		return sup_step(SUP_STEP_VANISHED, 0, NULL);
	return sup_step(SUP_STEP_DENY, EPERM, "changing the root or the mount namespace is refused under supervision");
}

static struct sup_step screen_setns(struct sup_state *s, struct sup_req *r)
{
	/* Entering a user namespace changes what the program's capabilities
	 * reach: what the supervisor checked of them no longer holds. */
	s->creds_changed = true;
	if (r->call.nstype == 0 || (r->call.nstype & CLONE_NEWNS))
		return sup_step(SUP_STEP_DENY, EPERM,
				"changing the root or the mount namespace is refused under supervision");
	return sup_step(SUP_STEP_CONTINUE, 0,
			"setns into a namespace other than a mount namespace: nothing to enforce here");
}

/* setuid and the rest: the program's credentials change (or, for
 * capabilities, will at its next exec). The supervisor stops trusting what
 * it checked of them and reads them again before each call it performs
 * (target.c). The kernel decides the call itself. */
/* Whether a set*id call sets only the ids every process of the sandbox
 * already has (target.c: creds_uniform), or -1 (unchanged; for
 * setfsuid/setfsgid a query): nothing changes. GNU make, for one, does
 * that in every child it starts. */
static bool creds_call_changes_nothing(const struct sup_state *s, const struct sup_req *r)
{
	static const struct {
		const char *name;
		unsigned n_args;
		bool gid;
	} calls[] = {
		{ "setuid", 1, false },   { "setgid", 1, true },    { "setreuid", 2, false }, { "setregid", 2, true },
		{ "setresuid", 3, false }, { "setresgid", 3, true }, { "setfsuid", 1, false }, { "setfsgid", 1, true },
	};

	if (!s->creds_checked || s->creds_changed || !s->creds_uniform)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
		uint32_t id = calls[i].gid ? (uint32_t)s->egid : (uint32_t)s->euid;
		bool same = true;

		if (strcmp(r->call.syscall, calls[i].name) != 0)
			continue;
		for (unsigned k = 0; k < calls[i].n_args; k++) {
			uint32_t a = (uint32_t)r->data.args[k];

			/* -1 leaves an id as it is, except in setuid/setgid,
			 * where it is refused (EINVAL): no change either. */
			same = same && (a == id || a == UINT32_MAX);
		}
		return same;
	}
	return false; /* setgroups, capset, prctl: not judged here */
}

static struct sup_step screen_creds(struct sup_state *s, struct sup_req *r)
{
	if (creds_call_changes_nothing(s, r))
		return sup_step(SUP_STEP_CONTINUE, 0,
				"a change of credentials to the ids the program already has: the kernel decides it");
	s->creds_changed = true;
	return sup_step(SUP_STEP_CONTINUE, 0,
			"a change of credentials: the kernel decides it; the supervisor checks them again before "
			"it acts for the program");
}

/* open/openat with O_PATH: the flags are in a register, and an O_PATH open
 * asks for no access anywhere: nothing to enforce. (openat2's flags are in
 * memory: decided like any open.) */
static struct sup_step screen_open(struct sup_state *s, struct sup_req *r)
{
	if (r->call.how_addr || strcmp(r->call.syscall, "openat2") == 0 || !(r->call.flags & O_PATH))
		return sup_step(SUP_STEP_NEXT, 0, NULL);
	/* Read for the event's path only. */
	if (sup_fetch_args(s, r) == -ENOENT)
		return sup_step(SUP_STEP_VANISHED, 0, NULL);
	return sup_step(SUP_STEP_CONTINUE, 0, "O_PATH asks for no access: nothing to enforce");
}

/* connect and bind: what the address asks for. TCP ports are decided
 * here, and the supervisor performs the call on the program's own socket,
 * so that a descriptor swapped in by another thread cannot turn a
 * continued call into an unchecked one. A pathname Unix socket goes on to
 * be pinned and decided like any other path (NEXT). */
bool sup_addr_is_loopback(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
	return a->ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

static struct sup_step socket_address(struct sup_state *s, struct sup_req *r)
{
	struct sup_call *c = &r->call;
	const struct sockaddr_un *un = (const struct sockaddr_un *)&r->addr;
	sa_family_t fam = r->addr.ss_family;
	struct policy_decision d;
	size_t plen;
	int e;

	e = sup_socket_prepare(s, r);
	if (e == -ENOENT)
		return sup_step(SUP_STEP_VANISHED, 0, NULL);
	if (e)
		return sup_step(SUP_STEP_FAIL, e, NULL);
	if (r->sock_domain != AF_UNIX) {
		struct policy_query q = { .access = c->op == SUP_OP_CONNECT ? POLICY_ACCESS_TCP_CONNECT
									      : POLICY_ACCESS_TCP_BIND };
		int type = 0;
		socklen_t tl = sizeof(type);

		(void)getsockopt(r->sock, SOL_SOCKET, SO_TYPE, &type, &tl);
		if ((fam == AF_INET || fam == AF_INET6) && type == SOCK_STREAM &&
		    r->addrlen >= sizeof(struct sockaddr_in)) {
			q.port = ntohs(((const struct sockaddr_in *)&r->addr)->sin_port);
			policy_decide(s->c->policy, &q, &d);
			r->access_name = policy_access_name(q.access);
			/* network.mode proxy: the proxy's port on loopback is
			 * the one way out (Landlock allows that port only). */
			if (c->op == SUP_OP_CONNECT && s->c->policy->net.mode == POLICY_NET_PROXY && s->c->proxy_port &&
			    q.port == s->c->proxy_port && sup_addr_is_loopback(&r->addr)) {
				if (s->c->proxy_confined &&
				    landlock_plan_handles(s->c->landlock, POLICY_ACCESS_TCP_CONNECT))
					return sup_step(SUP_STEP_CONTINUE, 0,
							"to latch's proxy: Landlock lets TCP connect to its port only, "
							"and the sandbox's network has nothing else there");
				return sup_step_emulated(sup_emulate(s, r), "to latch's proxy");
			}
			if (!d.allow) {
				(void)snprintf(r->why, sizeof(r->why), "%s", d.reason);
				return sup_step(SUP_STEP_DENY, EACCES, r->why);
			}
		}
		return sup_step_emulated(sup_emulate(s, r),
					 "not a Unix socket: performed by the supervisor on the program's own socket");
	}
	/* AF_UNIX from here on. */
	r->access_name = c->op == SUP_OP_CONNECT ? "connect" : "bind";
	if (fam != AF_UNIX) {
		if (fam == AF_UNSPEC && c->op == SUP_OP_CONNECT)
			return sup_step_emulated(sup_emulate(s, r), "dissolving an association");
		return sup_step(SUP_STEP_FAIL, EINVAL, NULL);
	}
	plen = r->addrlen - offsetof(struct sockaddr_un, sun_path);
	if (r->addrlen <= offsetof(struct sockaddr_un, sun_path) || un->sun_path[0] == '\0') {
		struct policy_query q = { .access = POLICY_ACCESS_ABSTRACT_UNIX };

		/* Abstract (or unnamed/autobind): Landlock's scoping decides
		 * who is reachable; the supervisor cannot judge the listener's
		 * domain, so an open scope is performed here, a scoped one is
		 * left to the kernel. */
		policy_decide(s->c->policy, &q, &d);
		if (c->op == SUP_OP_BIND || d.allow)
			return sup_step_emulated(sup_emulate(s, r), "abstract or unnamed Unix socket");
		return sup_step(SUP_STEP_CONTINUE, 0,
				"abstract Unix socket: Landlock's scope decides which listeners are reachable");
	}
	/* A pathname: the same as any other path from here. */
	if (plen >= sizeof(r->path[0]))
		plen = sizeof(r->path[0]) - 1;
	memcpy(r->path[0], un->sun_path, plen);
	r->path[0][plen] = '\0';
	c->path[0] = (struct sup_path_arg){ .present = true, .dirfd = AT_FDCWD };
	return sup_step(SUP_STEP_NEXT, 0, NULL);
}

/* Landlock decides opening, creating, removing, renaming and executing
 * (and, with LANDLOCK_ACCESS_FS_MAKE_SOCK, binding a pathname socket); it
 * has no right for metadata, and none for connecting a pathname socket on
 * this kernel's ABI. A denial answers what the kernel would: EPERM where
 * the call needs a capability or ownership, EACCES otherwise. */
const struct sup_op_row sup_ops[_SUP_OP_MAX] = {
	[SUP_OP_OPEN] = { "open", true, EACCES, true, NULL, screen_open, NULL, sup_pin_open, sup_emulate_open },
	[SUP_OP_MKDIR] = { "mkdir", true, EACCES, false, NULL, NULL, NULL, sup_pin_mkdir, sup_emulate_mkdir },
	[SUP_OP_MKNOD] = { "mknod", true, EACCES, false, NULL, NULL, NULL, sup_pin_mknod, sup_emulate_mknod },
	[SUP_OP_UNLINK] = { "unlink", true, EACCES, false, NULL, NULL, NULL, sup_pin_unlink, sup_emulate_unlink },
	[SUP_OP_RENAME] = { "rename", true, EACCES, false, NULL, NULL, NULL, sup_pin_rename, sup_emulate_rename },
	[SUP_OP_LINK] = { "link", true, EACCES, false, NULL, NULL, NULL, sup_pin_link, sup_emulate_link },
	[SUP_OP_SYMLINK] = { "symlink", true, EACCES, false, NULL, NULL, NULL, sup_pin_symlink, sup_emulate_symlink },
	[SUP_OP_TRUNCATE] = { "truncate", true, EACCES, false, NULL, NULL, NULL, sup_pin_truncate, sup_emulate_truncate },
	[SUP_OP_CHMOD] = { "chmod", false, EPERM, true, NULL, NULL, NULL, sup_pin_metadata, sup_emulate_chmod },
	[SUP_OP_CHOWN] = { "chown", false, EPERM, true, NULL, NULL, NULL, sup_pin_metadata, sup_emulate_chown },
	[SUP_OP_EXEC] = { "exec", true, EACCES, true, NULL, NULL, NULL, sup_pin_exec, NULL },
	[SUP_OP_CONNECT] = { "connect", false, EACCES, false, NULL, NULL, socket_address, sup_pin_socket, sup_emulate_socket },
	[SUP_OP_BIND] = { "bind", true, EACCES, false, NULL, NULL, socket_address, sup_pin_socket, sup_emulate_socket },
	[SUP_OP_CHROOT] = { "chroot", false, EPERM, false, NULL, screen_chroot, NULL, NULL, NULL },
	[SUP_OP_SETNS] = { "setns", false, EPERM, false, NULL, screen_setns, NULL, NULL, NULL },
	[SUP_OP_UTIME] = { "utime", false, EPERM, true, NULL, NULL, NULL, sup_pin_metadata, sup_emulate_utime },
	[SUP_OP_XATTR] = { "xattr", false, EPERM, true, NULL, NULL, NULL, sup_pin_metadata, sup_emulate_xattr },
	/* ls -l reads them for every name it lists. */
	[SUP_OP_GETXATTR] = { "getxattr", false, ENODATA, true,
			      "the extended attributes of a file the profile does not let the program read: "
			      "answered as if it had none, not asked about nor summarized",
			      NULL, NULL, sup_pin_read_metadata, sup_emulate_getxattr },
	[SUP_OP_CREDS] = { "creds", false, EPERM, false, NULL, screen_creds, NULL, NULL, NULL },
};

const char *sup_op_name(enum sup_op op)
{
	return (unsigned)op < _SUP_OP_MAX ? sup_ops[op].name : NULL;
}

bool sup_op_kernel_mediated(enum sup_op op)
{
	return (unsigned)op < _SUP_OP_MAX && sup_ops[op].kernel_mediated;
}

int sup_op_deny_errno(enum sup_op op)
{
	return (unsigned)op < _SUP_OP_MAX ? sup_ops[op].deny_errno : EACCES;
}
