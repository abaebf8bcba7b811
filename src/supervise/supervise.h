/* The supervisor: seccomp user notification for path and socket system
 * calls, decided by policy_decide() plus the session's grants, enforced per
 * the safety rules of DESIGN.md ("The supervisor's safety rules"):
 *
 *   - CONTINUE only when the profile allows the access AND a kernel layer
 *     enforces the same verdict on its own (cfg->landlock_exact, and the
 *     operation is one Landlock mediates), so a racing rewrite of the path
 *     meets the same verdict in the kernel;
 *   - anything only the supervisor enforces (a run-time grant, an allow
 *     when the kernel layers are not exact) is EMULATED: arguments are read
 *     once, the object is pinned with openat2(RESOLVE_NO_MAGICLINKS) in the
 *     target's view (its root, cwd or dirfd), decided on the path where it
 *     really is, the operation is performed by the supervisor on the pinned
 *     object, and the result handed in (ADDFD + SEND) or returned;
 *   - every read of target memory is followed by SECCOMP_IOCTL_NOTIF_ID_VALID,
 *     and target memory is never written;
 *   - if the supervisor dies, the kernel fails notified calls with ENOSYS.
 *
 * Two halves. In the sandboxed child, after no_new_privs, Landlock and the
 * baseline filter, just before execve: sup_filter_load() (or
 * sup_install_filter()) installs the notify filter and returns the listener,
 * which sup_send_fd() hands to the parent over a socketpair. In the parent
 * (unsandboxed, non-dumpable): sup_recv_fd(), then sup_serve() until the
 * child's process tree is gone. Prefix: sup_. */
#ifndef LATCH_SUPERVISE_SUPERVISE_H
#define LATCH_SUPERVISE_SUPERVISE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "base/error.h"
#include "policy/policy.h"
#include "sandbox/landlock.h"
#include "sandbox/seccomp.h"

/* ---- the notify filter (child side) ---------------------------------------- */

/* The BPF program of the notify filter, built by libseccomp. */
struct sup_filter;

struct sup_filter_opts {
	/* Add SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (5.19) when the kernel
	 * takes it; without it the load silently falls back. */
	bool wait_killable_recv;
};

/* What a notify filter hands to the supervisor. */
enum sup_scope {
	SUP_SCOPE_ALL,     /* every notified call: a supervised run */
	/* connect() only: a run without supervision, where no kernel layer
	 * decides connecting to a pathname Unix socket (Landlock < ABI 9) */
	SUP_SCOPE_SOCKETS,
};

/* Build the notify filter with libseccomp: SCMP_ACT_NOTIFY for every
 * notified system call of this arch in the scope (the table in decode.c;
 * names unknown here are skipped), ALLOW for the rest. Call it in the
 * parent before fork: loading then allocates nothing. Returns 0 or a
 * negative errno. */
int sup_filter_build(struct sup_filter **ret, enum sup_scope scope, struct error *err);

/* The same filter, compiled by libseccomp when latch was built
 * (scripts/sfilter-gen.c, as the baseline is): no compiling at start-up.
 * tests/unit/test-sup.c checks that it equals sup_filter_build()'s. */
int sup_filter_prebuilt(struct sup_filter **ret, enum sup_scope scope, struct error *err);

/* A filter's instructions (for the build-time generator and the tests):
 * their number, and *ret_insns. */
unsigned short sup_filter_insns(const struct sup_filter *f, const struct sock_filter **ret_insns);

/* A filter made of a copy of n instructions; NULL when out of memory. */
struct sup_filter *sup_filter_from(const struct sock_filter *insns, unsigned short n);

/* The generated programs, by enum sup_scope (build/gen/sfilter-bpf.c). */
#define SUP_N_SCOPES 2
extern const struct sfilter_program sup_filter_programs[SUP_N_SCOPES];

/* Load a built filter into the calling thread with our own seccomp() call
 * (SECCOMP_FILTER_FLAG_NEW_LISTENER, plus WAIT_KILLABLE_RECV when asked and
 * known) and return the listener (O_CLOEXEC) in *ret_listener. The caller
 * has set no_new_privs. Async-signal-safe and allocation-free, so it may
 * run between fork and execve. Returns 0 or a negative errno (-EBUSY: a
 * listener already sits in this filter chain). */
int sup_filter_load(const struct sup_filter *f, const struct sup_filter_opts *o, int *ret_listener,
		    struct error *err);

/* Build and load in one call (allocates: prefer build before fork). */
int sup_install_filter(const struct sup_filter_opts *o, int *ret_listener, struct error *err);

struct sup_filter *sup_filter_free(struct sup_filter *f);
DEFINE_CLEANUP(struct sup_filter, sup_filter_free);

/* The notified system calls as JSON: {"notified": [names], "skipped":
 * [{"syscall", "reason"}]}, for `run --dry-run`. NULL only when out of memory. */
json_t *sup_filter_to_json(enum sup_scope scope);

/* Whether the notify filter notifies this system call (by name, as the
 * table in filter.c and the seccomp tables spell it). */
bool sup_notifies(const char *syscall);

/* ---- handing the listener over ------------------------------------------- */

/* Send fd over a connected AF_UNIX socket with SCM_RIGHTS (one byte of
 * payload). Returns 0 or a negative errno. */
int sup_send_fd(int sock, int fd, struct error *err);

/* Receive one fd sent by sup_send_fd(), O_CLOEXEC. Anything but exactly one
 * fd (none, several, truncated control data) is refused and whatever came
 * is closed. Returns 0 or a negative errno (-EPIPE: the peer closed). */
int sup_recv_fd(int sock, int *ret_fd, struct error *err);

/* Whether fd is a seccomp notification listener. */
bool sup_fd_is_listener(int fd);

/* Whether a supervisor can serve a program started from this process:
 * NULL, or one line saying why not (an outer sandbox already holds the
 * seccomp listener, or forbids reading another process's memory). Asked
 * once; a fork only when this process already runs under a seccomp
 * filter (PR_GET_SECCOMP). */
const char *sup_unavailable(void);

/* ---- the terminal (tty backend) -------------------------------------------- */

/* In the child before sandboxing, when the tty backend will be used: move
 * into a process group of its own and, if the controlling terminal's
 * foreground group was ours, make the new group the foreground (SIGTTOU
 * blocked around it). The supervisor can then stop that group, take the
 * terminal, ask, and give it back. Returns 0 or a negative errno; -ENOTTY
 * when there is no controlling terminal (nothing changed but the group). */
int sup_tty_child_setup(void);

/* Outside, before the child starts: a descriptor of the controlling
 * terminal when this process's group is its foreground (the child's group
 * will take it), else -1. sup_tty_foreground_restore() gives the
 * foreground back to this process's group once the child is gone, so that
 * whoever started latch (a script without job control) reads the terminal
 * again, and closes the descriptor. Both accept -1. */
int sup_tty_foreground_save(void);
void sup_tty_foreground_restore(int tty);

/* ---- the supervisor (parent side) ------------------------------------------ */

/* Who answers what the profile denies. */
enum sup_backend {
	SUP_BACKEND_DENY,   /* nobody: denied and recorded */
	SUP_BACKEND_ALLOW,  /* everything the profile denies is granted (tests, trusted replays) */
	SUP_BACKEND_SOCKET, /* JSON lines on a Unix socket (IDEs, tests) */
	SUP_BACKEND_TTY,    /* a prompt on the controlling terminal */
	_SUP_BACKEND_MAX,
};

#define SUP_DEFAULT_TIMEOUT_MS 30000     /* a question unanswered this long is denied */

/* What the profile refused one object of a call (or the allow backend
 * granted in its place), for sup_config.on_refusal: the material of a
 * profile that would allow it (latch learn). */
struct sup_refusal {
	const char *path;        /* where it really is (resolved, absolute); NULL for a TCP port */
	unsigned port;           /* the port of a refused TCP connect or bind */
	unsigned acc;            /* bits of (1u << enum policy_access) the profile refuses */
	bool directory;          /* it is a directory, or one being made */
	bool quiet;              /* a quiet denial (deny_quietly, another process's /proc entry) */
	bool granted;            /* the allow backend granted it */
};
#define SUP_ARGV_MAX 128                 /* arguments of an execve kept for sup_config.on_exec */
#define SUP_ARGV_BYTES 8192              /* ...and their bytes, NULs included */

/* An execve the supervisor saw (sup_config.on_exec). Strings may be NULL
 * (unknown); they live until the callback returns. */
struct sup_exec {
	long long time_unix_ms;
	int pid, ppid;           /* the caller's thread group and its parent, as the supervisor sees them (0: unknown) */
	const char *exe;         /* what the caller ran until this execve */
	const char *path;        /* the program, as the caller wrote it */
	const char *resolved;    /* where it really is */
	char *const *argv;       /* the new argument vector, NULL-terminated, as far as it could be read */
	bool argv_truncated;     /* more than SUP_ARGV_MAX arguments or SUP_ARGV_BYTES bytes, or unreadable */
	bool allow;              /* let through (the kernel may still fail it: ENOENT, ENOEXEC) */
	int err;                 /* the errno the supervisor answered; 0: none */
};
#define SUP_DEFAULT_QUESTIONS_PER_SEC 10 /* more than this, and the rest are denied */

struct sup_config {
	const struct policy *policy;
	/* Optional: the prepared plan Landlock was applied with. A rule whose
	 * path did not exist at prepare time is not in the kernel's ruleset,
	 * so an access it allows is emulated rather than continued. */
	const struct landlock_plan *landlock;
	/* The kernel layers (Landlock, mount masks) enforce exactly the
	 * policy: no deny-inside-allow left unenforced, nothing degraded that
	 * the policy restricts. Only then may an allowed access be answered
	 * CONTINUE; otherwise every allowed access is emulated. */
	bool landlock_exact;
	/* Accesses (bits of enum policy_access) that are not exact even so:
	 * what a deny or protect rule inside an allowed directory takes away
	 * and no mask enforces. A call asking for one of them is emulated. */
	unsigned inexact;
	enum sup_backend backend;
	const char *socket_path;        /* SUP_BACKEND_SOCKET: created 0600, removed at exit */
	unsigned timeout_ms;            /* 0: SUP_DEFAULT_TIMEOUT_MS */
	unsigned max_questions_per_sec; /* 0: SUP_DEFAULT_QUESTIONS_PER_SEC */
	int events_fd;                  /* JSON lines, kind "sandbox_event"; -1: none */
	bool quiet;                     /* tty backend: no one-line note after an answer */
	/* "allow_always" answers go to a new profile NAME extending the running
	 * one, written atomically to save_dir/NAME.json; NULL: such answers act
	 * as allow_session. save_dir NULL: $XDG_CONFIG_HOME/latch/profiles. */
	const char *save_to;
	const char *save_dir;
	/* What the saved profile extends; NULL: the policy's name, or its
	 * source file when it was loaded from a path. */
	const char *extends;
	int tty_fd;                     /* SUP_BACKEND_TTY: the terminal; -1: open /dev/tty */
	int approver_fd;                /* SUP_BACKEND_SOCKET: an approver already connected (taken
					   over), instead of listening at socket_path; -1: none */
	/* The caller is a child subreaper: orphans of the sandbox become our
	 * children and must be reaped, or the listener never hangs up. */
	bool reap_orphans;
	/* Readable (or hung up) once the sandbox's pid 1 has ended and
	 * reaped every process in it and reported (isolated mode): nothing is
	 * left to supervise, and pid 1's own exit -- the teardown of its
	 * namespaces -- need not be waited for. Polled, never read. -1: none
	 * (serve until the listener hangs up and the child is reaped). */
	int sandbox_done_fd;
	/* network.mode proxy: the proxy's port, the one TCP connect allowed
	 * (to a loopback address); 0: none. */
	uint16_t proxy_port;
	/* ...and the sandbox's network namespace has nothing but loopback,
	 * where that port is the proxy's: where Landlock restricts TCP to the
	 * port, the kernel may perform the connect (continue). */
	bool proxy_confined;
	/* network.mode proxy: the proxy's questions (struct sup_net_question),
	 * on a SOCK_SEQPACKET socket; -1: none. */
	int net_fd;
	/* Called once, when the first call is refused (whoever refused it);
	 * NULL: none. For a note that matters only once something is denied,
	 * such as "no terminal to ask on". */
	void (*on_first_denial)(void *data);
	void *on_first_denial_data;
	/* The filter notifies execve (SUP_SCOPE_ALL): what a process runs is
	 * then read once per exec and remembered, not once per event. */
	bool notifies_exec;
	/* The filter notifies every change of credentials (SUP_SCOPE_ALL):
	 * what the supervisor checked of them holds until one is notified,
	 * so it need not read them again for every call it performs. */
	bool notifies_creds;
	/* Observers, called on the supervisor's thread, so they must be quick
	 * (copy and return; no I/O): every event line exactly as written to
	 * events_fd (encoded once, whether or not events_fd is set) until it
	 * returns false (it wants no more: the rest are only counted, in
	 * sup_summary.events_unobserved), and every execve with its new argv
	 * (until either returns false: execs_unobserved). NULL: none. */
	bool (*on_event)(const char *line, size_t len, void *data);
	bool (*on_exec)(const struct sup_exec *ex, void *data);
	void *observer_data;
	/* Every object of a call the profile refused (or the allow backend
	 * granted): NULL: none. Quick, on the supervisor's thread. */
	void (*on_refusal)(const struct sup_refusal *r, void *data);
	void *refusal_data;
};

/* Set the defaults above: events_fd and tty_fd -1, backend deny. */
void sup_config_init(struct sup_config *c);

#define SUP_TOP_DENIED 5
#define SUP_SUMMARY_PATH_MAX 512

/* What happened, for the exit message (sup_summary_format) and --json. */
struct sup_summary {
	unsigned long long notifications; /* received from the kernel */
	unsigned long long continued;     /* allowed, enforced by the kernel (CONTINUE) */
	unsigned long long emulated;      /* allowed, performed by the supervisor */
	unsigned long long denied;        /* refused (by the profile, a person, a backend) */
	unsigned long long denied_quietly; /* refused as the kernel would, never asked nor summarized
					      (another process's guarded /proc entry) */
	unsigned long long failed;        /* failed on their own (ENOENT...), answered by the supervisor */
	unsigned long long asked;         /* questions put to a backend */
	unsigned long long granted;       /* ... answered allow_* (or the allow backend) */
	unsigned long long timeouts;      /* ... unanswered in time: denied */
	unsigned long long rate_limited;  /* ... over the rate limit: denied unasked */
	unsigned long long vanished;      /* the caller died or was interrupted before the answer */
	unsigned long long errors;        /* the supervisor could not handle a call: denied */
	unsigned long long events_written;
	unsigned long long events_failed; /* events that could not be written */
	unsigned long long events_unobserved; /* events on_event no longer wanted */
	unsigned long long execs_unobserved;  /* execve calls on_exec no longer wanted */
	struct {
		char path[SUP_SUMMARY_PATH_MAX];
		unsigned long long count;
	} top_denied[SUP_TOP_DENIED];     /* most denied paths first */
	size_t n_top_denied;
	bool child_reaped;                /* child_status is valid */
	int child_status;                 /* the direct child's wait status */
	bool sync_wake_up;                /* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP was set */
	char saved_profile[4096];         /* where allow_always answers went; "" none */
};

/* Serve notifications on listener until every process using the filter is
 * gone (the listener hangs up) and the direct child has been reaped; child
 * is reaped here and its status put in the summary. Never runs sandboxed
 * code. Returns 0 with *ret filled, or a negative errno with err set (setup
 * failed: socket, terminal, listener); *ret is filled as far as it got in
 * every case when ret is not NULL. The listener is not closed. */
int sup_serve(const struct sup_config *c, int listener, pid_t child, struct sup_summary *ret, struct error *err);

/* Whether anything a person should hear of happened: a denial, a grant, a
 * timeout, a rate limit, an error, an event not written, a saved profile. */
bool sup_summary_eventful(const struct sup_summary *s);

/* The summary as lines for a person ("latch: supervisor: 2 denied, ...",
 * then the top denied paths), into buf; nothing ("", 0) when
 * sup_summary_eventful() is false. Returns the length written. */
size_t sup_summary_format(const struct sup_summary *s, char *buf, size_t size);

/* The summary as a JSON object (sorted keys when dumped). */
json_t *sup_summary_to_json(const struct sup_summary *s);

/* What an approver answers. */
enum sup_answer {
	SUP_ANSWER_ALLOW_ONCE,    /* this call, this connection */
	SUP_ANSWER_ALLOW_SESSION, /* and the same again until latch exits */
	SUP_ANSWER_ALLOW_ALWAYS,  /* and saved to the --save-to profile */
	SUP_ANSWER_DENY,
	_SUP_ANSWER_MAX,
};

const char *sup_answer_name(enum sup_answer a);

/* ---- questions from the egress proxy (src/net/) ---------------------------- */

/* May the sandbox reach host:port? The proxy asks on the SOCK_SEQPACKET
 * socket of sup_config.net_fd, one message each way; the supervisor puts
 * the question to its backend like a denied call (the same rate limit,
 * timeout and answers) and saves "always" as a network.hosts entry. */
struct sup_net_question {
	uint64_t id;
	uint16_t port;
	char host[POLICY_HOST_MAX + 1]; /* canonical (policy_host_parse) */
	/* The client's connection to the proxy, as the proxy sees it (its
	 * peer, its own end): the supervisor finds the process that holds
	 * the other end, to name it. */
	struct sockaddr_storage peer, self;
};

struct sup_net_answer {
	uint64_t id;
	int32_t answer;                 /* enum sup_answer */
	int32_t pid;                    /* the process that asked, as latch sees it; 0: unknown */
	char decided_by[16];            /* "user", or "backend" (nobody, a timeout, the rate limit) */
	char note[160];                 /* one line of why, or "" */
	char exe[512];                  /* its executable, or "" */
};

/* Names, as used on command lines and in JSON; NULL when out of range, and
 * sup_backend_from_name() returns -EINVAL for an unknown name. */
const char *sup_backend_name(enum sup_backend b);
int sup_backend_from_name(const char *name);

#endif
