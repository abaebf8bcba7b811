/* Landlock user-space API for ABI 1-10, for systems whose headers stop short
 * (Debian 12's <linux/landlock.h> ends at ABI 3). Values and names are the
 * kernel's include/uapi/linux/landlock.h (ABI 8 in 7.0, 9 in 7.1, 10 in 7.2).
 * The structs carry our own names because an older system header may
 * already define struct landlock_ruleset_attr with fewer fields; the kernel
 * takes the size we pass, so the longer layout is accepted by every ABI that
 * knows its fields (and we only set fields the probed ABI knows). */
#ifndef LATCH_SANDBOX_LANDLOCK_UAPI_H
#define LATCH_SANDBOX_LANDLOCK_UAPI_H

#include <linux/types.h>
#include <sys/syscall.h>

/* ABI 1 (5.13) */
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#define LL_RULE_PATH_BENEATH 1
#define LL_ACCESS_FS_EXECUTE (1ULL << 0)
#define LL_ACCESS_FS_WRITE_FILE (1ULL << 1)
#define LL_ACCESS_FS_READ_FILE (1ULL << 2)
#define LL_ACCESS_FS_READ_DIR (1ULL << 3)
#define LL_ACCESS_FS_REMOVE_DIR (1ULL << 4)
#define LL_ACCESS_FS_REMOVE_FILE (1ULL << 5)
#define LL_ACCESS_FS_MAKE_CHAR (1ULL << 6)
#define LL_ACCESS_FS_MAKE_DIR (1ULL << 7)
#define LL_ACCESS_FS_MAKE_REG (1ULL << 8)
#define LL_ACCESS_FS_MAKE_SOCK (1ULL << 9)
#define LL_ACCESS_FS_MAKE_FIFO (1ULL << 10)
#define LL_ACCESS_FS_MAKE_BLOCK (1ULL << 11)
#define LL_ACCESS_FS_MAKE_SYM (1ULL << 12)
/* ABI 2 (5.19): link or rename across directories */
#define LL_ACCESS_FS_REFER (1ULL << 13)
/* ABI 3 (6.2) */
#define LL_ACCESS_FS_TRUNCATE (1ULL << 14)
/* ABI 4 (6.7): TCP */
#define LL_RULE_NET_PORT 2
#define LL_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LL_ACCESS_NET_CONNECT_TCP (1ULL << 1)
/* ABI 5 (6.10): ioctl on character and block devices */
#define LL_ACCESS_FS_IOCTL_DEV (1ULL << 15)
/* ABI 6 (6.12): scopes */
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)
/* ABI 7 (6.15): audit logging controls and the errata query */
#define LL_CREATE_RULESET_ERRATA (1U << 1)
#define LL_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#define LL_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#define LL_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)
/* ABI 8 (7.0): restrict every thread of the process at once */
#define LL_RESTRICT_SELF_TSYNC (1U << 3)
/* ABI 9 (7.1): connect() and sendmsg() to a pathname unix socket, checked on
 * the socket's path (only listeners created outside the domain) */
#define LL_ACCESS_FS_RESOLVE_UNIX (1ULL << 16)
/* ABI 10 (7.2): UDP ports, and denials kept out of the audit log per object */
#define LL_ACCESS_NET_BIND_UDP (1ULL << 2)
#define LL_ACCESS_NET_CONNECT_SEND_UDP (1ULL << 3)
#define LL_ADD_RULE_QUIET (1U << 0)

struct ll_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net; /* ABI 4 */
	__u64 scoped;             /* ABI 6 */
	__u64 quiet_access_fs;    /* ABI 10: subsets of the three above whose */
	__u64 quiet_access_net;   /* denials on objects added with */
	__u64 quiet_scoped;       /* LL_ADD_RULE_QUIET are not logged */
};

struct ll_path_beneath_attr {
	__u64 allowed_access;
	__s32 parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	__u64 allowed_access;
	__u64 port;
};

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

#endif
