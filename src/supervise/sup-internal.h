/* Inside the supervisor: the pure parts (argument decoding, the decision ->
 * action table, the approval protocol, rate limiting, event encoding), kept
 * apart from the system calls so that tests/unit/test-sup*.c can reach
 * every branch. Not part of the module's API. */
#ifndef LATCH_SUPERVISE_SUP_INTERNAL_H
#define LATCH_SUPERVISE_SUP_INTERNAL_H

#include <jansson.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/macro.h" /* BIT */
#include "policy/policy.h"
#include "supervise/supervise.h"

/* ---- system calls and their arguments ----------------------------------------- */

/* What a notified system call does, whatever its flavour (at / 2 / legacy). */
enum sup_op {
	SUP_OP_OPEN,     /* open, openat, openat2, creat */
	SUP_OP_MKDIR,    /* mkdir, mkdirat */
	SUP_OP_MKNOD,    /* mknod, mknodat */
	SUP_OP_UNLINK,   /* unlink, unlinkat (AT_REMOVEDIR: rmdir), rmdir */
	SUP_OP_RENAME,   /* rename, renameat, renameat2 */
	SUP_OP_LINK,     /* link, linkat */
	SUP_OP_SYMLINK,  /* symlink, symlinkat */
	SUP_OP_TRUNCATE, /* truncate */
	SUP_OP_CHMOD,    /* chmod, fchmod, fchmodat, fchmodat2 */
	SUP_OP_CHOWN,    /* chown, fchown, lchown, fchownat */
	SUP_OP_EXEC,     /* execve, execveat */
	SUP_OP_CONNECT,  /* connect */
	SUP_OP_BIND,     /* bind */
	SUP_OP_CHROOT,   /* chroot: refused (the supervisor resolves from the sandbox's root) */
	SUP_OP_SETNS,    /* setns: refused for mount namespaces (the same reason) */
	SUP_OP_UTIME,    /* utimensat (futimens too), utime, utimes, futimesat */
	SUP_OP_XATTR,    /* setxattr, lsetxattr, fsetxattr, removexattr, lremovexattr, fremovexattr */
	SUP_OP_GETXATTR, /* getxattr, lgetxattr, fgetxattr, listxattr, llistxattr, flistxattr */
	SUP_OP_CREDS,    /* setuid..., setgroups, capset, prctl(capability options): noted, then continued */
	_SUP_OP_MAX,
};

const char *sup_op_name(enum sup_op op);

/* A path argument: where its string is, and what it is relative to. */
struct sup_path_arg {
	bool present;
	int dirfd;          /* AT_FDCWD or a descriptor of the target */
	uint64_t addr;      /* the string in target memory */
	bool empty_ok;      /* AT_EMPTY_PATH: "" names dirfd itself */
	bool fd_only;       /* no string at all: the call acts on dirfd (fchmod, futimens) */
	bool nofollow;      /* a symlink at the end is not followed */
};

/* One notified call, decoded from the registers (struct seccomp_data)
 * alone: nothing here comes from target memory. */
struct sup_call {
	int nr;
	const char *syscall;      /* its name */
	enum sup_op op;
	struct sup_path_arg path[2]; /* rename/link: old, new; symlink: [1] is the link */
	uint64_t flags;           /* open flags (openat2: read from memory later), unlinkat,
				     renameat2, linkat, fchmodat2/fchownat flags */
	uint64_t mode;            /* open, mkdir, mknod, chmod */
	uint64_t dev;             /* mknod */
	uint64_t length;          /* truncate */
	uint32_t uid, gid;        /* chown */
	uint64_t how_addr;        /* openat2: struct open_how in memory */
	uint64_t how_size;
	uint64_t target_addr;     /* symlink: the link's contents */
	int sockfd;               /* connect, bind */
	uint64_t sockaddr_addr;
	uint64_t sockaddr_len;
	uint64_t nstype;          /* setns */
	uint64_t times_addr;      /* utimensat: struct timespec[2], or 0 (now) */
	unsigned times_kind;      /* SUP_TIMES_*: what times_addr points to */
	uint64_t xname_addr;      /* *xattr: the attribute's name */
	uint64_t xvalue_addr;     /* setxattr: the value... */
	uint64_t xsize;           /* ...and its size */
	bool xremove;             /* removexattr rather than setxattr */
	bool xlist;               /* listxattr: xvalue_addr and xsize are the list's buffer */
};

/* Decode a notification's registers. Returns 0, -ENOSYS for a system call
 * that is not ours (or a foreign arch), -EINVAL for arguments the kernel
 * itself would refuse before looking at memory (e.g. unknown unlinkat
 * flags). Pure. */
int sup_decode(const struct seccomp_data *d, struct sup_call *ret);

#define SUP_ARG_NONE 0xff /* no such argument: AT_FDCWD for a dirfd, absent otherwise */

/* The notified system calls, one row each, sorted by name: the filter is
 * built from the names, sup_decode() reads the arguments by these indexes. */
struct sup_syscall {
	const char *name;
	int nr;                   /* native number; -1: not on this arch (skipped) */
	enum sup_op op;
	uint8_t dirfd[2], path[2]; /* argument indexes of the two path operands */
	uint8_t flags, mode;       /* argument indexes */
	uint8_t extra;            /* openat2: open_how (size next); truncate: length;
				     chown: uid (gid next); mknod: dev; symlink: the
				     link's contents; connect/bind: fd (address, length
				     next); setns: fd (nstype next); utimensat:
				     times; *xattr: name (value, size next) */
	uint32_t valid;           /* with SUP_Q_CHECK: every other flag is EINVAL */
	unsigned quirks;          /* SUP_Q_* */
};

enum {
	SUP_Q_CHECK = 1u << 0,     /* the kernel refuses flags outside `valid` */
	SUP_Q_AT_FLAGS = 1u << 1,  /* AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH apply to path 0 */
	SUP_Q_LINKAT = 1u << 2,    /* AT_SYMLINK_FOLLOW / AT_EMPTY_PATH apply to path 0 */
	SUP_Q_NOFOLLOW0 = 1u << 3, /* path 0 never follows a final symlink */
	SUP_Q_NOFOLLOW1 = 1u << 4, /* path 1 never follows a final symlink */
	SUP_Q_CREAT = 1u << 5,     /* flags are O_CREAT|O_WRONLY|O_TRUNC */
	SUP_Q_RMDIR = 1u << 6,     /* flags are AT_REMOVEDIR */
	SUP_Q_EXCHANGE = 1u << 7,  /* RENAME_EXCHANGE excludes the other flags */
	SUP_Q_FD0 = 1u << 8,       /* operand 0 is the descriptor dirfd[0] itself (fchmod...) */
	SUP_Q_UTIMBUF = 1u << 9,   /* the times are a struct utimbuf (utime) */
	SUP_Q_TIMEVAL = 1u << 10,  /* the times are a struct timeval[2] (utimes, futimesat) */
};

/* What a utime-family call's times argument is. */
enum {
	SUP_TIMES_TIMESPEC, /* struct timespec[2] (utimensat) */
	SUP_TIMES_UTIMBUF,  /* struct utimbuf (utime) */
	SUP_TIMES_TIMEVAL,  /* struct timeval[2] (utimes, futimesat) */
};

extern const struct sup_syscall sup_syscalls[];
extern const size_t sup_n_syscalls;

/* The policy accesses an open with these flags asks for on a file that
 * exists (exists) or is about to be created, as a bit set of
 * (1u << enum policy_access). O_PATH asks for none. Pure. */
unsigned sup_open_accesses(uint64_t flags, bool exists);

/* Whether Landlock mediates op at all: chmod, chown and AF_UNIX connect
 * are outside its reach, so an allow of them can never be continued. Pure. */
bool sup_op_kernel_mediated(enum sup_op op);

/* The errno a denied op gets, as the kernel would answer it: EPERM for
 * chmod, chown, chroot and setns, EACCES otherwise. Pure. */
int sup_op_deny_errno(enum sup_op op);

/* ---- the decision -> action table ------------------------------------------- */

enum sup_action {
	SUP_ACTION_CONTINUE, /* the kernel performs it, and enforces the same verdict */
	SUP_ACTION_EMULATE,  /* the supervisor performs it on the target's behalf */
	SUP_ACTION_DENY,     /* refused with an errno */
	SUP_ACTION_ASK,      /* a question to the backend; then this table again */
	SUP_ACTION_FAIL,     /* not a decision: the call fails on its own (ENOENT, EEXIST...)
				and the supervisor answers the kernel's errno; never from the table */
	_SUP_ACTION_MAX,
};

const char *sup_action_name(enum sup_action a);

/* Who made the decision that stands. */
enum sup_grant {
	SUP_GRANT_NONE,      /* nothing but the profile */
	SUP_GRANT_SESSION,   /* an earlier allow_session / allow_always answer matches */
	SUP_GRANT_ANSWER,    /* the answer to this very question: allow */
	SUP_GRANT_REFUSED,   /* the answer to this very question: deny (or timeout, rate limit) */
	_SUP_GRANT_MAX,
};

struct sup_action_in {
	bool profile_allows;   /* policy_decide allowed every access asked */
	bool kernel_enforces;  /* a kernel layer enforces the profile's verdict for this call */
	bool emulable;         /* the supervisor can perform it (execve cannot) */
	enum sup_grant grant;
	enum sup_backend backend;
};

/* The action for a decision. *ret_reason (static string, never NULL) says
 * why, for the event. Pure; every combination is tested. */
enum sup_action sup_action_for(const struct sup_action_in *in, const char **ret_reason);

/* ---- the approval protocol ----------------------------------------------------- */

/* enum sup_answer and sup_answer_name(): supervise.h (the proxy's
 * questions use them too). */

#define SUP_LINE_MAX 4096 /* longest approval line accepted, newline included */

/* Parse one line from an approver: exactly {"decision": NAME, "id": N}
 * (any key order, N a non-negative integer), nothing else. Returns 0, or
 * -EINVAL with a short reason in err for anything malformed: not JSON, not
 * an object, a missing, extra or mistyped key, an unknown decision. Pure. */
int sup_parse_answer(const char *line, size_t len, uint64_t *ret_id, enum sup_answer *ret, struct error *err);

/* A question, as sent to the approver. */
struct sup_question {
	uint64_t id;
	int pid;
	const char *exe;
	char *const *argv;   /* NULL-terminated; NULL: [] */
	const char *syscall;
	const char *access;  /* "read", "write", "create", "delete", "truncate", "exec", "connect", "bind" */
	const char *path;
	bool runs_later;     /* a protect rule: code that runs outside the sandbox later */
	const char *host;    /* a question of the proxy: the host (path NULL); NULL otherwise */
	int port;
};

/* {"access", "argv", "exe", "id", "kind": "approval_request", "path", "pid",
 * "runs_later", "syscall"} as one compact line, keys sorted, '\n'
 * terminated, malloc'd. A question of the proxy has "host" and "port" too
 * (and "path" null). */
char *sup_question_line(const struct sup_question *q);

/* ---- rate limiting ------------------------------------------------------------- */

/* A token bucket: at most rate questions per second, bursts of rate. */
struct sup_ratelimit {
	unsigned rate;
	double tokens;
	uint64_t last_ns;
};

void sup_ratelimit_init(struct sup_ratelimit *r, unsigned rate, uint64_t now_ns);

/* Take one token at now_ns (monotonic). false: over the limit. Pure. */
bool sup_ratelimit_take(struct sup_ratelimit *r, uint64_t now_ns);

/* ---- events ---------------------------------------------------------------------- */

/* One decision, as written to the event stream. Strings may be NULL (null). */
struct sup_event {
	long long time_unix_ms;  /* when the notification arrived */
	int pid, tid;
	const char *exe;
	const char *syscall;
	const char *access;      /* the access that decided ("read", ..., "connect") */
	const char *path;        /* as the program wrote it */
	const char *resolved;    /* absolute, where it really is */
	const char *path2;       /* rename/link: the second path, as written */
	const char *resolved2;
	bool allow;
	const char *action;      /* "continue", "emulate", "deny", "fail" */
	const char *layer;       /* "landlock" (kernel enforced), "supervisor" */
	const char *rule;        /* the rule's label, or NULL */
	const char *grant;       /* "session: read /x", "answer: allow_once", or NULL */
	const char *decided_by;  /* "profile", "session", "user", "backend" */
	const char *reason;      /* one line */
	int err;                 /* the errno the program got; 0: none */
	long long latency_us;    /* notification received -> answered */
};

/* The longest line sup_event_format() writes, NUL included, when the
 * strings the program chooses (path, resolved, path2, resolved2, exe) are
 * shorter than PATH_MAX and the nine others shorter than 1024 bytes: each
 * byte takes at most six ("\u001f"), the keys and numbers the rest. A
 * smaller buffer would lose the events of long, odd paths. */
#define SUP_EVENT_MAX (6 * (5 * PATH_MAX + 9 * 1024) + 1024)

/* Encode ev as one envelope line (kind "sandbox_event", keys sorted, '\n'
 * terminated) into buf without allocating. Returns the length, or -ENOBUFS
 * when buf is too small (the line is then not usable). Byte for byte what
 * sup_event_json() dumped with json_write_line() gives: a unit test holds
 * the two together. */
int sup_event_format(const struct sup_event *ev, long long generated_at_unix_ms, char *buf, size_t size);

/* The same event through jansson and json_envelope() (the reference). */
json_t *sup_event_json(const struct sup_event *ev);

#endif
