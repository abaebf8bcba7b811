/* The notified system calls, and their arguments decoded from registers.
 * Pure: nothing here reads target memory or calls the kernel. */
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "base/macro.h"
#include "supervise/sup-internal.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452 /* 6.6; the same number on every arch */
#endif
#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

#if defined(__x86_64__) && !defined(__ILP32__)
#define SUP_NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SUP_NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

/* The legacy calls newer arches (aarch64) do not have: -1, skipped. */
#ifndef __NR_chmod
#define __NR_chmod -1
#endif
#ifndef __NR_chown
#define __NR_chown -1
#endif
#ifndef __NR_creat
#define __NR_creat -1
#endif
#ifndef __NR_lchown
#define __NR_lchown -1
#endif
#ifndef __NR_link
#define __NR_link -1
#endif
#ifndef __NR_mkdir
#define __NR_mkdir -1
#endif
#ifndef __NR_mknod
#define __NR_mknod -1
#endif
#ifndef __NR_open
#define __NR_open -1
#endif
#ifndef __NR_rename
#define __NR_rename -1
#endif
#ifndef __NR_renameat
#define __NR_renameat -1
#endif
#ifndef __NR_rmdir
#define __NR_rmdir -1
#endif
#ifndef __NR_symlink
#define __NR_symlink -1
#endif
#ifndef __NR_unlink
#define __NR_unlink -1
#endif
#ifndef __NR_utime
#define __NR_utime -1
#endif
#ifndef __NR_utimes
#define __NR_utimes -1
#endif
#ifndef __NR_futimesat
#define __NR_futimesat -1
#endif

#define N SUP_ARG_NONE
#define AT_FLAGS_VALID (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)
/* The layout of every notified call, sorted by name. Columns: dirfd and
 * path of the two operands, then flags, mode, extra (see sup_syscall). */
const struct sup_syscall sup_syscalls[] = {
	/* name         nr                 op               dirfd     path      flags mode extra */
	{ "bind",       __NR_bind,       SUP_OP_BIND,     { N, N }, { N, N }, N, N, 0, 0, 0 },
	{ "capset",     __NR_capset,     SUP_OP_CREDS,    { N, N }, { N, N }, N, N, N, 0, 0 },
	{ "chmod",      __NR_chmod,      SUP_OP_CHMOD,    { N, N }, { 0, N }, N, 1, N, 0, 0 },
	{ "chown",      __NR_chown,      SUP_OP_CHOWN,    { N, N }, { 0, N }, N, N, 1, 0, 0 },
	{ "chroot",     __NR_chroot,     SUP_OP_CHROOT,   { N, N }, { 0, N }, N, N, N, 0, 0 },
	{ "connect",    __NR_connect,    SUP_OP_CONNECT,  { N, N }, { N, N }, N, N, 0, 0, 0 },
	{ "creat",      __NR_creat,      SUP_OP_OPEN,     { N, N }, { 0, N }, N, 1, N, 0, SUP_Q_CREAT },
	{ "execve",     __NR_execve,     SUP_OP_EXEC,     { N, N }, { 0, N }, N, N, N, 0, 0 },
	{ "execveat",   __NR_execveat,   SUP_OP_EXEC,     { 0, N }, { 1, N }, 4, N, N, AT_FLAGS_VALID,
	  SUP_Q_CHECK | SUP_Q_AT_FLAGS },
	{ "fchmod",     __NR_fchmod,     SUP_OP_CHMOD,    { 0, N }, { N, N }, N, 1, N, 0, SUP_Q_FD0 },
	{ "fchmodat",   __NR_fchmodat,   SUP_OP_CHMOD,    { 0, N }, { 1, N }, N, 2, N, 0, 0 },
	{ "fchmodat2",  __NR_fchmodat2,  SUP_OP_CHMOD,    { 0, N }, { 1, N }, 3, 2, N, AT_FLAGS_VALID,
	  SUP_Q_CHECK | SUP_Q_AT_FLAGS },
	{ "fchown",     __NR_fchown,     SUP_OP_CHOWN,    { 0, N }, { N, N }, N, N, 1, 0, SUP_Q_FD0 },
	{ "fchownat",   __NR_fchownat,   SUP_OP_CHOWN,    { 0, N }, { 1, N }, 4, N, 2, AT_FLAGS_VALID,
	  SUP_Q_CHECK | SUP_Q_AT_FLAGS },
	{ "fgetxattr",  __NR_fgetxattr,  SUP_OP_GETXATTR, { 0, N }, { N, N }, N, N, 1, 0, SUP_Q_FD0 },
	{ "flistxattr", __NR_flistxattr, SUP_OP_GETXATTR, { 0, N }, { N, N }, N, N, 1, 0, SUP_Q_FD0 },
	{ "fremovexattr", __NR_fremovexattr, SUP_OP_XATTR, { 0, N }, { N, N }, N, N, 1, 0, SUP_Q_FD0 },
	{ "fsetxattr",  __NR_fsetxattr,  SUP_OP_XATTR,    { 0, N }, { N, N }, 4, N, 1, 0, SUP_Q_FD0 },
	{ "futimesat",  __NR_futimesat,  SUP_OP_UTIME,    { 0, N }, { 1, N }, N, N, 2, 0, SUP_Q_TIMEVAL },
	{ "getxattr",   __NR_getxattr,   SUP_OP_GETXATTR, { N, N }, { 0, N }, N, N, 1, 0, 0 },
	{ "lchown",     __NR_lchown,     SUP_OP_CHOWN,    { N, N }, { 0, N }, N, N, 1, 0, SUP_Q_NOFOLLOW0 },
	{ "lgetxattr",  __NR_lgetxattr,  SUP_OP_GETXATTR, { N, N }, { 0, N }, N, N, 1, 0, SUP_Q_NOFOLLOW0 },
	{ "link",       __NR_link,       SUP_OP_LINK,     { N, N }, { 0, 1 }, N, N, N, 0,
	  SUP_Q_NOFOLLOW0 | SUP_Q_NOFOLLOW1 },
	{ "linkat",     __NR_linkat,     SUP_OP_LINK,     { 0, 2 }, { 1, 3 }, 4, N, N,
	  AT_SYMLINK_FOLLOW | AT_EMPTY_PATH, SUP_Q_CHECK | SUP_Q_LINKAT | SUP_Q_NOFOLLOW1 },
	{ "listxattr",  __NR_listxattr,  SUP_OP_GETXATTR, { N, N }, { 0, N }, N, N, 1, 0, 0 },
	{ "llistxattr", __NR_llistxattr, SUP_OP_GETXATTR, { N, N }, { 0, N }, N, N, 1, 0, SUP_Q_NOFOLLOW0 },
	{ "lremovexattr", __NR_lremovexattr, SUP_OP_XATTR, { N, N }, { 0, N }, N, N, 1, 0, SUP_Q_NOFOLLOW0 },
	{ "lsetxattr",  __NR_lsetxattr,  SUP_OP_XATTR,    { N, N }, { 0, N }, 4, N, 1, 0, SUP_Q_NOFOLLOW0 },
	{ "mkdir",      __NR_mkdir,      SUP_OP_MKDIR,    { N, N }, { 0, N }, N, 1, N, 0, 0 },
	{ "mkdirat",    __NR_mkdirat,    SUP_OP_MKDIR,    { 0, N }, { 1, N }, N, 2, N, 0, 0 },
	{ "mknod",      __NR_mknod,      SUP_OP_MKNOD,    { N, N }, { 0, N }, N, 1, 2, 0, 0 },
	{ "mknodat",    __NR_mknodat,    SUP_OP_MKNOD,    { 0, N }, { 1, N }, N, 2, 3, 0, 0 },
	{ "open",       __NR_open,       SUP_OP_OPEN,     { N, N }, { 0, N }, 1, 2, N, 0, 0 },
	{ "openat",     __NR_openat,     SUP_OP_OPEN,     { 0, N }, { 1, N }, 2, 3, N, 0, 0 },
	{ "openat2",    __NR_openat2,    SUP_OP_OPEN,     { 0, N }, { 1, N }, N, N, 2, 0, 0 },
	{ "prctl",      __NR_prctl,      SUP_OP_CREDS,    { N, N }, { N, N }, N, N, N, 0, 0 }, /* filter.c */
	{ "removexattr", __NR_removexattr, SUP_OP_XATTR,  { N, N }, { 0, N }, N, N, 1, 0, 0 },
	{ "rename",     __NR_rename,     SUP_OP_RENAME,   { N, N }, { 0, 1 }, N, N, N, 0, 0 },
	{ "renameat",   __NR_renameat,   SUP_OP_RENAME,   { 0, 2 }, { 1, 3 }, N, N, N, 0, 0 },
	{ "renameat2",  __NR_renameat2,  SUP_OP_RENAME,   { 0, 2 }, { 1, 3 }, 4, N, N,
	  RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT, SUP_Q_CHECK | SUP_Q_EXCHANGE },
	{ "rmdir",      __NR_rmdir,      SUP_OP_UNLINK,   { N, N }, { 0, N }, N, N, N, 0, SUP_Q_RMDIR },
	{ "setfsgid",   __NR_setfsgid,   SUP_OP_CREDS,    { N, N }, { N, N }, N, N, N, 0, 0 },
	{ "setfsuid",   __NR_setfsuid,   SUP_OP_CREDS,    { N, N }, { N, N }, N, N, N, 0, 0 },
	{ "setgid",     __NR_setgid,     SUP_OP_CREDS,    { N, N }, { N, N }, N, N, N, 0, 0 },
	{ "setgroups",  __NR_setgroups,  SUP_OP_CREDS,    { N, N }, { N, N }, N, N, N, 0, 0 },
	{ "setns",      __NR_setns,      SUP_OP_SETNS,    { N, N }, { N, N }, N, N, 0, 0, 0 },
	{ "setregid",   __NR_setregid,   SUP_OP_CREDS,    { N, N }, { N, N }, N, N, N, 0, 0 },
	{ "setresgid",  __NR_setresgid,  SUP_OP_CREDS,    { N, N }, { N, N }, N, N, N, 0, 0 },
	{ "setresuid",  __NR_setresuid,  SUP_OP_CREDS,    { N, N }, { N, N }, N, N, N, 0, 0 },
	{ "setreuid",   __NR_setreuid,   SUP_OP_CREDS,    { N, N }, { N, N }, N, N, N, 0, 0 },
	{ "setuid",     __NR_setuid,     SUP_OP_CREDS,    { N, N }, { N, N }, N, N, N, 0, 0 },
	{ "setxattr",   __NR_setxattr,   SUP_OP_XATTR,    { N, N }, { 0, N }, 4, N, 1, 0, 0 },
	{ "symlink",    __NR_symlink,    SUP_OP_SYMLINK,  { N, N }, { N, 1 }, N, N, 0, 0, SUP_Q_NOFOLLOW1 },
	{ "symlinkat",  __NR_symlinkat,  SUP_OP_SYMLINK,  { N, 1 }, { N, 2 }, N, N, 0, 0, SUP_Q_NOFOLLOW1 },
	{ "truncate",   __NR_truncate,   SUP_OP_TRUNCATE, { N, N }, { 0, N }, N, N, 1, 0, 0 },
	{ "unlink",     __NR_unlink,     SUP_OP_UNLINK,   { N, N }, { 0, N }, N, N, N, 0, 0 },
	{ "unlinkat",   __NR_unlinkat,   SUP_OP_UNLINK,   { 0, N }, { 1, N }, 2, N, N, AT_REMOVEDIR, SUP_Q_CHECK },
	{ "utime",      __NR_utime,      SUP_OP_UTIME,    { N, N }, { 0, N }, N, N, 1, 0, SUP_Q_UTIMBUF },
	{ "utimensat",  __NR_utimensat,  SUP_OP_UTIME,    { 0, N }, { 1, N }, 3, N, 2, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH,
	  SUP_Q_CHECK | SUP_Q_AT_FLAGS },
	{ "utimes",     __NR_utimes,     SUP_OP_UTIME,    { N, N }, { 0, N }, N, N, 1, 0, SUP_Q_TIMEVAL },
};
const size_t sup_n_syscalls = ELEMENTSOF(sup_syscalls);
#undef N

/* A descriptor argument: the kernel reads an int, so only the low 32 bits
 * count (AT_FDCWD arrives as 0xffffff9c or sign-extended). */
static int arg_fd(uint64_t v)
{
	return (int)(uint32_t)v;
}

int sup_decode(const struct seccomp_data *d, struct sup_call *ret)
{
	const __u64 *a = d->args;
	const struct sup_syscall *row = NULL;
	struct sup_call c;

#ifdef SUP_NATIVE_ARCH
	if (d->arch != SUP_NATIVE_ARCH)
		return -ENOSYS;
#endif
	for (size_t i = 0; i < sup_n_syscalls; i++)
		if (sup_syscalls[i].nr >= 0 && sup_syscalls[i].nr == d->nr) {
			row = &sup_syscalls[i];
			break;
		}
	if (!row)
		return -ENOSYS;
	memset(&c, 0, sizeof(c));
	c.nr = d->nr;
	c.syscall = row->name;
	c.op = row->op;
	c.sockfd = -1;
	for (int k = 0; k < 2; k++) {
		if (row->path[k] == SUP_ARG_NONE)
			continue;
		c.path[k].present = true;
		c.path[k].addr = a[row->path[k]];
		c.path[k].dirfd = row->dirfd[k] == SUP_ARG_NONE ? AT_FDCWD : arg_fd(a[row->dirfd[k]]);
	}
	if (row->flags != SUP_ARG_NONE)
		c.flags = (uint32_t)a[row->flags];
	if (row->mode != SUP_ARG_NONE)
		c.mode = (uint32_t)a[row->mode];
	if (row->quirks & SUP_Q_CREAT)
		c.flags = O_CREAT | O_WRONLY | O_TRUNC;
	if (row->quirks & SUP_Q_RMDIR)
		c.flags = AT_REMOVEDIR;
	if ((row->quirks & SUP_Q_CHECK) && (c.flags & ~(uint64_t)row->valid))
		return -EINVAL;
	if ((row->quirks & SUP_Q_EXCHANGE) && (c.flags & RENAME_EXCHANGE) &&
	    (c.flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	if (row->quirks & SUP_Q_AT_FLAGS) {
		c.path[0].nofollow = c.flags & AT_SYMLINK_NOFOLLOW;
		c.path[0].empty_ok = c.flags & AT_EMPTY_PATH;
	}
	if (row->quirks & SUP_Q_LINKAT) {
		c.path[0].nofollow = !(c.flags & AT_SYMLINK_FOLLOW);
		c.path[0].empty_ok = c.flags & AT_EMPTY_PATH;
	}
	if (row->quirks & SUP_Q_NOFOLLOW0)
		c.path[0].nofollow = true;
	if (row->quirks & SUP_Q_FD0)
		c.path[0] = (struct sup_path_arg){ .present = true, .dirfd = arg_fd(a[row->dirfd[0]]),
						   .empty_ok = true, .fd_only = true };
	if (row->quirks & SUP_Q_NOFOLLOW1)
		c.path[1].nofollow = true;
	if (row->extra != SUP_ARG_NONE) {
		uint64_t x = a[row->extra];

		switch (row->op) {
		case SUP_OP_OPEN: /* openat2 */
			c.how_addr = x;
			c.how_size = a[row->extra + 1];
			break;
		case SUP_OP_TRUNCATE:
			c.length = x;
			if ((int64_t)c.length < 0)
				return -EINVAL;
			break;
		case SUP_OP_CHOWN:
			c.uid = (uint32_t)x;
			c.gid = (uint32_t)a[row->extra + 1];
			break;
		case SUP_OP_MKNOD:
			c.dev = (uint32_t)x;
			break;
		case SUP_OP_SYMLINK:
			c.target_addr = x;
			break;
		case SUP_OP_CONNECT:
		case SUP_OP_BIND:
			c.sockfd = arg_fd(x);
			c.sockaddr_addr = a[row->extra + 1];
			c.sockaddr_len = (uint32_t)a[row->extra + 2];
			break;
		case SUP_OP_SETNS:
			c.sockfd = arg_fd(x);
			c.nstype = (uint32_t)a[row->extra + 1];
			break;
		case SUP_OP_UTIME:
			c.times_addr = x;
			c.times_kind = row->quirks & SUP_Q_UTIMBUF   ? SUP_TIMES_UTIMBUF
				       : row->quirks & SUP_Q_TIMEVAL ? SUP_TIMES_TIMEVAL
								     : SUP_TIMES_TIMESPEC;
			/* futimens: utimensat(fd, NULL, ...) acts on fd, and
			 * takes no flags. */
			if (c.path[0].present && !c.path[0].addr && !(row->quirks & SUP_Q_TIMEVAL)) {
				if (c.flags)
					return -EINVAL;
				c.path[0] = (struct sup_path_arg){ .present = true, .dirfd = c.path[0].dirfd,
								   .empty_ok = true, .fd_only = true };
			}
			break;
		case SUP_OP_GETXATTR:
			/* getxattr: name, value, size; listxattr: list, size. */
			c.xlist = strstr(row->name, "list") != NULL;
			if (c.xlist) {
				c.xvalue_addr = x;
				c.xsize = a[row->extra + 1];
			} else {
				c.xname_addr = x;
				c.xvalue_addr = a[row->extra + 1];
				c.xsize = a[row->extra + 2];
			}
			break;
		case SUP_OP_XATTR:
			c.xname_addr = x;
			c.xremove = strstr(row->name, "remove") != NULL;
			if (!c.xremove) {
				c.xvalue_addr = a[row->extra + 1];
				c.xsize = a[row->extra + 2];
			}
			break;
		case SUP_OP_MKDIR:
		case SUP_OP_UNLINK:
		case SUP_OP_RENAME:
		case SUP_OP_LINK:
		case SUP_OP_CHMOD:
		case SUP_OP_EXEC:
		case SUP_OP_CHROOT:
		case SUP_OP_CREDS:
		case _SUP_OP_MAX:
			break;
		}
	}
	*ret = c;
	return 0;
}


unsigned sup_open_accesses(uint64_t flags, bool exists)
{
	unsigned acc = 0;

	if (flags & O_PATH)
		return 0;
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		acc |= BIT(POLICY_ACCESS_READ);
		break;
	case O_WRONLY:
		acc |= BIT(POLICY_ACCESS_WRITE);
		break;
	default: /* O_RDWR, and 3: "check read and write permission" */
		acc |= BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_WRITE);
		break;
	}
	if ((flags & __O_TMPFILE) == __O_TMPFILE)
		return acc | BIT(POLICY_ACCESS_CREATE);
	if (!exists && (flags & O_CREAT))
		acc |= BIT(POLICY_ACCESS_CREATE);
	if (exists && (flags & O_TRUNC))
		acc |= BIT(POLICY_ACCESS_TRUNCATE);
	return acc;
}

static const char *const action_names[_SUP_ACTION_MAX] = {
	[SUP_ACTION_CONTINUE] = "continue",
	[SUP_ACTION_EMULATE] = "emulate",
	[SUP_ACTION_DENY] = "deny",
	[SUP_ACTION_ASK] = "ask",
	[SUP_ACTION_FAIL] = "fail",
};

const char *sup_action_name(enum sup_action a)
{
	return (unsigned)a < _SUP_ACTION_MAX ? action_names[a] : NULL;
}

enum sup_action sup_action_for(const struct sup_action_in *in, const char **ret_reason)
{
	const char *why;
	enum sup_action act;

	if (in->profile_allows) {
		if (in->kernel_enforces) {
			act = SUP_ACTION_CONTINUE;
			why = "allowed by the profile; the kernel enforces the same verdict";
		} else if (in->emulable) {
			act = SUP_ACTION_EMULATE;
			why = "allowed by the profile; only the supervisor enforces it here, so it performed the call";
		} else {
			/* execve: nothing can run it on the program's behalf.
			 * Landlock grants exec where the profile does; what it
			 * cannot express is a deny inside an exec directory. */
			act = SUP_ACTION_CONTINUE;
			why = "allowed by the profile; execve cannot be emulated, so Landlock's exec rights are what "
			      "enforce it";
		}
		goto out;
	}
	switch (in->grant) {
	case SUP_GRANT_SESSION:
	case SUP_GRANT_ANSWER:
		if (in->emulable) {
			act = SUP_ACTION_EMULATE;
			why = in->grant == SUP_GRANT_SESSION ? "denied by the profile; granted for this session"
							     : "denied by the profile; granted by the approver";
		} else {
			act = SUP_ACTION_DENY;
			why = "execve cannot be granted at run time: the kernel (Landlock) denies it and the "
			      "supervisor cannot execute a program on the caller's behalf";
		}
		goto out;
	case SUP_GRANT_REFUSED:
		act = SUP_ACTION_DENY;
		why = "denied by the profile; the approver refused";
		goto out;
	case SUP_GRANT_NONE:
	case _SUP_GRANT_MAX:
		break;
	}
	if (!in->emulable) {
		act = SUP_ACTION_DENY;
		why = "denied by the profile; execve cannot be granted at run time, so nobody is asked";
		goto out;
	}
	switch (in->backend) {
	case SUP_BACKEND_ALLOW:
		act = SUP_ACTION_EMULATE;
		why = "denied by the profile; granted by the allow backend";
		goto out;
	case SUP_BACKEND_SOCKET:
	case SUP_BACKEND_TTY:
		act = SUP_ACTION_ASK;
		why = "denied by the profile; asking the approver";
		goto out;
	case SUP_BACKEND_DENY:
	case _SUP_BACKEND_MAX:
		break;
	}
	act = SUP_ACTION_DENY;
	why = "denied by the profile";
out:
	if (ret_reason)
		*ret_reason = why;
	return act;
}
