/* Inside sup_serve(): the state of one supervisor and the steps of handling
 * a notification, shared by serve.c (the loop and the decisions),
 * resolve.c (reading the target, pinning paths), emulate.c (performing
 * calls on the target's behalf) and backend.c (questions, grants). */
#ifndef LATCH_SUPERVISE_SUP_SERVE_H
#define LATCH_SUPERVISE_SUP_SERVE_H

#include <limits.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "supervise/sup-internal.h"

#define SUP_PENDING_MAX 16  /* questions waiting for an answer at once */
#define SUP_GRANTS_MAX 256  /* session grants */
#define SUP_DENIED_MAX 64   /* distinct denied paths counted for the summary */
#define SUP_SLOW_MAX 8      /* blocking connects running on worker threads */
#define SUP_PROCS_MAX 64    /* threads whose thread group and program are remembered for events */

/* One path operand, resolved in the target's view and pinned. */
struct sup_obj {
	int fd;                 /* O_PATH: the object, or its parent when in_parent */
	bool in_parent;         /* the entry `name` inside fd (it may not exist) */
	bool exists;
	bool stated;            /* type, dev, ino are known */
	bool trailing_slash;    /* the path ended in '/' */
	mode_t type;            /* S_IFMT when exists */
	dev_t dev;              /* of the object when exists and !in_parent */
	ino_t ino;
	char name[NAME_MAX + 1];
	char real[PATH_MAX];    /* absolute, resolved: what is decided */
	bool lexical;           /* real was reached from the root with no symlink on the way */
	unsigned acc;           /* the policy accesses asked on real */
	unsigned denied;        /* those the profile denies */
	unsigned granted;       /* of those, covered by a grant */
	const struct policy_rule *rule; /* the rule that decided (first denied, else the last allowed) */
	bool rule_missing;      /* an allow came from a rule Landlock could not load */
	bool scratch_create;    /* creating it is allowed by a scratch rule */
};

/* One notification being handled, or parked while a question is open. */
struct sup_req {
	uint64_t id;
	int pid, tid;                 /* tgid and thread, in our pid namespace */
	uint64_t t0_ns;               /* received (monotonic) */
	long long time_unix_ms;
	struct seccomp_data data;
	struct sup_call call;
	uint64_t resolve;             /* openat2's resolve flags */
	char path[2][PATH_MAX];       /* as the program wrote them */
	char link_target[PATH_MAX];   /* symlink: the link's contents */
	struct sockaddr_storage addr; /* connect, bind */
	socklen_t addrlen;
	int sock;                     /* connect, bind: our copy of the target's socket; -1 */
	int sock_domain;
	struct sup_obj obj[2];
	unsigned n_obj;
	/* Answers to this very request: "allow once" grants (path, accesses). */
	struct {
		char path[PATH_MAX];
		unsigned acc;
	} once[2];
	unsigned n_once;
	bool refused;                 /* the approver said deny (or timeout, rate limit) */
	const char *refused_by;       /* "user", "backend" */
	const char *refused_why;
	const char *granted_how;      /* for the event: "answer: allow_once", "session" */
	const char *decided_by;
	const char *access_name;      /* the access that decided, for events/questions */
	int access_obj;               /* which obj the question is about */
	const char *note;             /* more for the event's reason, or NULL */
	char why[512];                /* a reason made for this request (a step's reason may point here) */
	bool procfs_ok;               /* pinning may land in /proc (procfs handling) */
	/* The object is another process's /proc entry that its ptrace rule
	 * protects: only the kernel, in the program's own context, may open
	 * it (continue); the supervisor never opens it for the program. */
	bool proc_foreign;
	bool quiet;                   /* a denial for the events only (denied_quietly) */
	bool owned;                   /* granted: the program's own creation (scratch) */
	bool scratch_new;             /* a new file under a scratch rule: created O_EXCL */
	bool tmpfile;                 /* O_TMPFILE: obj[0] is the directory */
	bool unreadable;              /* its memory cannot be read (made non-dumpable) */
	unsigned questions;           /* asked so far for this request */
	char exe[PATH_MAX];           /* /proc/PID/exe when received (events only) */
	/* execve, for sup_config.on_exec: the new argv, NUL-separated. */
	char argv[SUP_ARGV_BYTES];
	unsigned n_argv;
	bool argv_truncated;
	int ppid;                     /* the caller's parent; 0: unknown */
};

/* A thread the events have named: its thread group and program, kept
 * while it lives (its pidfd says when it is gone, so that a reused id is
 * never taken for it) and, for the program, until it calls execve. */
struct sup_proc {
	int tid;                      /* 0: a free slot */
	int tgid;
	int pidfd;
	bool exe_known;
	uint64_t used;                /* for replacing the least recently used */
	char exe[PATH_MAX];
};

/* A question waiting for its answer (socket backend). */
struct sup_pending {
	bool used;
	bool sent;                    /* written to the approver */
	uint64_t qid;
	uint64_t deadline_ns;
	bool net;                     /* the proxy's question (nq), not a call (req) */
	struct sup_net_question nq;
	int net_pid;                  /* ...asked by this process (0: unknown) */
	struct sup_req req;
};

struct sup_grant_entry {
	char path[PATH_MAX];
	unsigned acc;
};

struct sup_state {
	const struct sup_config *c;
	int listener;
	pid_t child;
	int child_pidfd;
	bool child_reaped;
	bool sandbox_done;            /* c->sandbox_done_fd said so */
	bool listener_hup;
	bool net_hup;                 /* the proxy's question socket hung up */
	struct seccomp_notif *notif;
	size_t notif_size;
	struct seccomp_notif_resp *resp;
	size_t resp_size;
	struct sup_req *cur;          /* the request being handled (heap, once) */
	struct sup_summary *sum;
	bool denied_once;             /* on_first_denial was called */
	uint64_t timeout_ns;
	/* Our own credentials, to refuse emulation for a target that has
	 * fewer rights than the supervisor (it would gain ours). */
	/* The sandbox's root, opened once: absolute paths resolve from it.
	 * chroot() and setns(CLONE_NEWNS) are refused under supervision, so it
	 * cannot move. root_path is where it lies in our view ("/" normally). */
	int root_fd;
	char root_path[PATH_MAX];
	uid_t euid;
	gid_t egid;
	uint64_t capeff;
	char groups[512];
	ino_t userns;
	/* Once a check of the program's credentials passed, and while no
	 * change of them was notified (SUP_OP_CREDS, setns), every task of
	 * the sandbox still has them: each one descends from the checked
	 * one, and the credentials change only through those calls (exec
	 * cannot raise them under no_new_privs). */
	bool creds_checked;
	bool creds_changed;
	/* ...and at that check the real, effective, saved and file-system
	 * ids were all the supervisor's euid and egid: a set*id call naming
	 * only those ids (or -1) changes nothing. */
	bool creds_uniform;
	bool *rule_missing;           /* per policy rule: not in the kernel's ruleset (missing at prepare; list, scratch) */
	bool truncate_enforced;       /* Landlock handles truncate (ABI >= 3) */
	/* Events. */
	char *evbuf;
	size_t evbuf_size;
	bool observer_full;           /* on_event wants no more lines */
	struct sup_proc *procs;       /* SUP_PROCS_MAX, with notifies_exec */
	uint64_t procs_tick;
	/* Summary of denied paths. */
	struct {
		char path[SUP_SUMMARY_PATH_MAX];
		unsigned long long count;
	} *denied;
	size_t n_denied;
	/* Grants. */
	struct sup_grant_entry *grants;
	size_t n_grants;
	/* What the program created under a scratch rule: its own, with every
	 * file access at and below it, for the rest of the session. */
	char (*owned)[PATH_MAX];
	size_t n_owned;
	struct sup_grant_entry *always; /* saved ones, in order */
	size_t n_always;
	/* Questions. */
	struct sup_ratelimit rl;
	struct sup_pending *pending;   /* SUP_PENDING_MAX */
	uint64_t next_qid;
	int sock_listen;               /* socket backend: listening socket; -1 */
	int approver;                  /* the connected approver; -1 */
	char line[SUP_LINE_MAX];
	size_t line_len;
	bool line_overflow;
	bool socket_created;
	dev_t sock_dev;                /* the approval socket's file (socket_created): */
	ino_t sock_ino;                /* no program may connect to it */
	int tty;                       /* tty backend; -1 */
	bool tty_owned;
	/* Worker threads for blocking connects. */
	int slow_pipe[2];
	unsigned slow_running;
	struct sup_slow *slow;          /* SUP_SLOW_MAX */
};

/* ---- one step of handling a notification ---- */

/* What a step says: go on, or how the notification ends. Every step of
 * handle.c and every row function of the dispatch table (ops.c) returns
 * one; sup_settle() is the one place that answers, counts and records. */
enum sup_step_kind {
	SUP_STEP_NEXT,     /* go on to the next step */
	SUP_STEP_CONTINUE, /* the kernel performs it (reason) */
	SUP_STEP_DENY,     /* refused with err (reason) */
	SUP_STEP_FAIL,     /* fails on its own with err: no decision was needed */
	SUP_STEP_DONE,     /* performed and answered here; err is what the program got (reason) */
	SUP_STEP_VANISHED, /* the notification is gone: nothing to answer */
	SUP_STEP_PARKED,   /* answered later: a question is open, or a worker connects */
	SUP_STEP_AGAIN,    /* decide again: an answer changed what is granted */
};

struct sup_step {
	enum sup_step_kind kind;
	int err;
	const char *reason; /* static, or the request's own */
};

struct sup_step sup_step(enum sup_step_kind kind, int err, const char *reason);
/* sup_emulate()'s result as a step: DONE, VANISHED or PARKED. */
struct sup_step sup_step_emulated(int e, const char *reason);
/* Answer r as st says (FAIL: the kernel answers when it would answer the
 * same), count it and write its event; unpin r. Not for NEXT or AGAIN. */
void sup_settle(struct sup_state *s, struct sup_req *r, struct sup_step st);

/* ---- the dispatch table (ops.c) ---- */

/* One row per notified operation: all the supervisor knows about it.
 * Adding a notified system call: a row in sup_syscalls (decode.c) that
 * maps it to an op, a row here, and the functions the row names. */
struct sup_op_row {
	const char *name;
	bool kernel_mediated; /* Landlock decides it: an allow may be continued */
	int deny_errno;       /* what a denial answers, as the kernel would */
	bool procfs;          /* a /proc or /dev/fd path is pinned as the program sees it */
	/* Set: what the profile denies is never asked about nor summarized,
	 * and answered as if there were nothing there (deny_errno, or an
	 * empty list); the event gives this reason. */
	const char *quiet_denial;
	/* Before the memory arguments are read: an answer that needs none
	 * (chroot, setns, O_PATH), or NEXT. NULL: NEXT. */
	struct sup_step (*screen)(struct sup_state *s, struct sup_req *r);
	/* Each time it is decided, before pinning: what is not a path
	 * (connect and bind: the address family), or NEXT. NULL: NEXT. */
	struct sup_step (*address)(struct sup_state *s, struct sup_req *r);
	/* Pin the operands and set the accesses asked (obj[].acc): 0, an
	 * errno for the program, -ENOENT (vanished), -ELOOP (a procfs path,
	 * see procfs), -EMLINK (creating through a dangling symlink). */
	int (*pin)(struct sup_state *s, struct sup_req *r);
	/* Perform it for the program with its umask and answer: the errno the
	 * program got (0: success), -ENOENT, or -EINPROGRESS. NULL: it cannot
	 * be performed here (exec: the program must execute itself). */
	int (*emulate)(struct sup_state *s, struct sup_req *r, mode_t umask);
};

extern const struct sup_op_row sup_ops[_SUP_OP_MAX];

/* Whether a is a loopback address (127/8, ::1). */
bool sup_addr_is_loopback(const struct sockaddr_storage *a);

/* ---- serve.c ---- */
uint64_t sup_now_ns(void);
/* Whether the notification is still live (the target did not die or get
 * interrupted). Every read of target state is followed by this. */
bool sup_id_valid(struct sup_state *s, uint64_t id);
/* Answer: CONTINUE, an errno (> 0), or a value. Return 0 or -errno
 * (-ENOENT: the notification is gone). */
int sup_respond_continue(struct sup_state *s, uint64_t id);
int sup_respond_error(struct sup_state *s, uint64_t id, int err);
int sup_respond_value(struct sup_state *s, uint64_t id, long long val);
/* Finish a request: the event, the counters. action is what was done. */
void sup_finish(struct sup_state *s, struct sup_req *r, enum sup_action action, bool allow, int err,
		const char *reason);
/* Decide a parked request again after its question was answered. */
void sup_resume(struct sup_state *s, struct sup_req *r);

/* ---- args.c: the memory arguments, from wherever the memory is ---- */
/* Memory as seen by the reader of a call's arguments: the target's own
 * (resolve.c) or a byte image (fuzz/fuzz-notify.c). */
struct sup_mem {
	/* At most len bytes at addr into buf: how many were read (fewer up
	 * to an unmapped page), or -errno. */
	ssize_t (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	/* Whether the notification is still live: asked after every read. */
	bool (*valid)(void *ctx);
	void *ctx;
};
/* Read the memory arguments of r->call (paths, open_how, symlink target,
 * sockaddr) into r, each read followed by m->valid. Returns 0 or a
 * positive errno for the program (EFAULT, ENAMETOOLONG, E2BIG...), or
 * -ENOENT when the notification vanished. */
int sup_mem_fetch_args(const struct sup_mem *m, struct sup_req *r);
/* Exactly len bytes at addr: 0, EFAULT, or -ENOENT. */
int sup_mem_bytes(const struct sup_mem *m, uint64_t addr, void *buf, size_t len);
/* A NUL-terminated string of at most size bytes with its NUL, page by
 * page: 0, EFAULT, ENAMETOOLONG, or -ENOENT. */
int sup_mem_string(const struct sup_mem *m, uint64_t addr, char *buf, size_t size);

/* ---- resolve.c ---- */
/* sup_mem_fetch_args() on the target's memory (process_vm_readv, then
 * ID_VALID). */
int sup_fetch_args(struct sup_state *s, struct sup_req *r);
/* Exactly len bytes of the target at addr, then ID_VALID: 0, EFAULT, or
 * -ENOENT when the notification vanished. */
int sup_read_bytes(struct sup_state *s, struct sup_req *r, uint64_t addr, void *buf, size_t len);
/* Write exactly len bytes into the target at addr, then ID_VALID: 0,
 * EFAULT, or -ENOENT. */
int sup_write_bytes(struct sup_state *s, struct sup_req *r, uint64_t addr, const void *buf, size_t len);
/* A NUL-terminated string of at most size bytes with its NUL: 0, EFAULT,
 * ENAMETOOLONG, or -ENOENT. */
int sup_read_string(struct sup_state *s, struct sup_req *r, uint64_t addr, char *buf, size_t size);
/* Pin one path operand: the object it names (its type read later, by
 * sup_obj_stat), that and its type, or its parent directory and the entry
 * (which may not exist). Return 0, an errno for the program, -ENOENT
 * (vanished) or -ELOOP (a procfs path). */
int sup_pin_object(struct sup_state *s, struct sup_req *r, int i, bool nofollow);
int sup_pin_object_stat(struct sup_state *s, struct sup_req *r, int i, bool nofollow);
int sup_pin_parent(struct sup_state *s, struct sup_req *r, int i);

/* ---- pin.c: the pin column of the dispatch table ---- */
/* Pin the path operands of r by its row and fill r->obj[]. Returns like
 * sup_op_row.pin. */
int sup_pin(struct sup_state *s, struct sup_req *r);
int sup_pin_open(struct sup_state *s, struct sup_req *r);
int sup_pin_mkdir(struct sup_state *s, struct sup_req *r);
int sup_pin_mknod(struct sup_state *s, struct sup_req *r);
int sup_pin_symlink(struct sup_state *s, struct sup_req *r);
int sup_pin_unlink(struct sup_state *s, struct sup_req *r);
int sup_pin_rename(struct sup_state *s, struct sup_req *r);
int sup_pin_link(struct sup_state *s, struct sup_req *r);
int sup_pin_truncate(struct sup_state *s, struct sup_req *r);
int sup_pin_metadata(struct sup_state *s, struct sup_req *r);
int sup_pin_read_metadata(struct sup_state *s, struct sup_req *r);
int sup_pin_exec(struct sup_state *s, struct sup_req *r);
int sup_pin_socket(struct sup_state *s, struct sup_req *r);

/* Handle the notification in s (handle.c): decide, act, answer, record. */
void sup_handle(struct sup_state *s);

/* Shared by resolve.c (ordinary paths) and target.c (the target process,
 * procfs paths). */
void sup_obj_reset(struct sup_obj *o);
/* /proc/TID/WHAT, checked with ID_VALID after opening. Returns the fd, or -1
 * with *ret_err a positive errno or -ENOENT (the notification vanished). */
int sup_open_proc(struct sup_state *s, struct sup_req *r, const char *what, int flags, int *ret_err);
/* The directory a path argument resolves from, and resolve flags to add. */
int sup_open_base(struct sup_state *s, struct sup_req *r, const struct sup_path_arg *pa, const char *path,
		  uint64_t *ret_resolve, bool *ret_owned, int *ret_err);
void sup_close_base(int fd, bool owned);
void sup_unpin(struct sup_req *r);
/* Read an object's type, device and inode (once). Returns 0 or an errno. */
int sup_obj_stat(struct sup_obj *o);
/* Open a lexically pinned object (o->lexical) again with flags, by its
 * path from the sandbox's root with no symlink allowed on the way, and
 * check that it is the very object pinned (dev, ino: sup_obj_stat()
 * first). Returns the fd, or -1 with errno set (EXDEV: another object
 * is there now). */
int sup_reopen_lexical(const struct sup_state *s, const struct sup_obj *o, uint64_t flags);
/* open: what the pinned file's type makes fail (ELOOP under O_NOFOLLOW,
 * ENOTDIR under O_DIRECTORY, EISDIR for writing a directory), for when the
 * supervisor answers itself. Returns 0 or the errno. */
int sup_open_checks(struct sup_req *r);
/* The procfs cases sup_pin() leaves (-ELOOP), for open, exec, chmod and
 * chown: /dev/fd/N, /dev/std*, /proc/self/fd/N and /proc/self/exe pin what
 * the program holds; other /proc/self paths are rewritten to the program's
 * own pid. Returns like sup_pin(); EACCES for a magic link that is not
 * followed. */
int sup_pin_procfs(struct sup_state *s, struct sup_req *r);
/* The target's credentials allow the supervisor to act for it, and its
 * umask. Returns 0, EPERM when the credentials differ, or -ENOENT. */
int sup_target_creds(struct sup_state *s, struct sup_req *r, bool need_umask, mode_t *ret_umask);
/* The process in the sandbox (whose first process is sandbox) that holds
 * the other end of a loopback TCP connection, given that connection's
 * addresses as its accepting side sees them (peer: the client's end).
 * Found through the sandbox's TCP table and the processes' descriptors:
 * best effort, 0 when unknown. */
int sup_socket_owner(pid_t sandbox, const struct sockaddr_storage *peer, const struct sockaddr_storage *self);
/* The thread group of a thread (the tid itself when unknown). The caller
 * checks ID_VALID afterwards. */
int sup_target_tgid(int tid);
/* For the events: r->pid (the thread group of r->tid) and r->exe,
 * remembered per thread where the filter notifies execve. Returns true
 * when /proc was read, and the caller must check ID_VALID (the id may
 * name another thread if the notification vanished); false when all came
 * from a thread whose pidfd says it is still the one. */
bool sup_target_who(struct sup_state *s, struct sup_req *r);
/* An execve by this thread group is let through: its program changes. */
void sup_target_forget_exe(struct sup_state *s, int tgid);
void sup_target_procs_done(struct sup_state *s);
/* execve: the new argv (r->argv) and the caller's parent (r->ppid), for
 * sup_config.on_exec. Returns 0, or -ENOENT when the notification
 * vanished; what cannot be read is left out (r->argv_truncated). */
int sup_target_exec_args(struct sup_state *s, struct sup_req *r);
/* /proc/PID/exe of the target into buf ("" when unknown). */
void sup_target_exe(int pid, char *buf, size_t size);
/* The absolute path of one of our own fds; -errno. */
int sup_fd_path(int fd, char *buf, size_t size);
/* Our own credentials into s. */
void sup_self_creds(struct sup_state *s);

/* ---- emulate.c ---- */
/* Perform r's call for the target by its row and answer the notification.
 * Returns the errno the program got (0: success), -ENOENT when it
 * vanished, or -EINPROGRESS when a worker thread took it (finished by
 * sup_slow_collect). */
int sup_emulate(struct sup_state *s, struct sup_req *r);
/* The emulate column of the dispatch table. */
int sup_emulate_open(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_mkdir(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_mknod(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_symlink(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_unlink(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_rename(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_link(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_truncate(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_chmod(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_chown(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_utime(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_xattr(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_getxattr(struct sup_state *s, struct sup_req *r, mode_t um);
int sup_emulate_socket(struct sup_state *s, struct sup_req *r, mode_t um);
/* Start a blocking connect on a worker. Returns 1 when started, 0 when no
 * worker was free (the caller connects itself). */
int sup_slow_connect(struct sup_state *s, struct sup_req *r, const struct sockaddr *sa, socklen_t len);
/* connect/bind: our copy of the program's socket (pidfd_getfd) and its
 * domain. Returns 0, an errno for the program, or -ENOENT. */
int sup_socket_prepare(struct sup_state *s, struct sup_req *r);
int sup_slow_init(struct sup_state *s);
void sup_slow_done(struct sup_state *s);
/* Worker results, read from s->slow_pipe[0]. */
void sup_slow_collect(struct sup_state *s);

/* ---- backend.c ---- */
int sup_backend_open(struct sup_state *s, struct error *err);
void sup_backend_close(struct sup_state *s);
/* Ask about r (its first denied access). tty: answers at once (r updated,
 * then the caller decides again); socket: parks r and returns 1. Returns
 * 0 when r was answered (see r->refused / r->once / grants), 1 when parked. */
int sup_ask(struct sup_state *s, struct sup_req *r);
/* Whether a session grant covers (path, acc). */
bool sup_grant_covers(struct sup_state *s, const char *path, unsigned acc);
/* poll() fds of the backend and what to do with their events. */
int sup_backend_pollfds(struct sup_state *s, struct pollfd *fds, int max);
void sup_backend_events(struct sup_state *s, const struct pollfd *fds, int n);
/* Deadlines: deny what timed out; the nearest deadline (0: none). */
uint64_t sup_backend_timeouts(struct sup_state *s, uint64_t now);
/* A question from the proxy is waiting on c->net_fd: read it and put it to
 * the backend (answered now, or parked like a call's). Returns -EPIPE when
 * the proxy is gone, else 0. */
int sup_net_question(struct sup_state *s);

#endif
