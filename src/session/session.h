/* The session layer: one sandboxed run, planned, checked and launched.
 *
 * Every caller that starts a sandbox goes through here: `latch run`, the
 * probe runner (`latch probe`, and through it the lab), and anything that
 * links latch's library. The layer prints nothing; what a person must hear
 * (warnings, the supervisor's summary, "nobody to ask") reaches the caller
 * through hooks, and failures come back as values.
 *
 *   session_env_init()    the variables a profile may use ($HOME, $CWD, ...)
 *   session_plan_build()  load, compile Landlock and the masks, the seccomp
 *                         plan, the environment, the program, the mode and
 *                         the supervision: one struct session_plan
 *   session_plan_check()  pure: every reason to refuse and every warning
 *   session_plan_to_json() the plan as --dry-run shows it
 *   session_run()         launch it: static, isolated or supervised; when
 *                         the kernel refuses namespaces, a second plan for
 *                         the static mode, checked like the first
 *
 * Where a change goes: a new reason to refuse or warn goes in
 * session_plan_check() (and its unit test); a new launch step in run.c; a
 * new profile key's effect on the plan in session_plan_build(). */
#ifndef LATCH_SESSION_SESSION_H
#define LATCH_SESSION_SESSION_H

#include <stdbool.h>

#include "base/error.h"
#include "base/json-util.h"
#include "base/path-util.h"
#include "policy/policy.h"
#include "sandbox/landlock.h"
#include "sandbox/limits.h"
#include "sandbox/mounts.h"
#include "sandbox/seccomp.h"
#include "net/net.h"
#include "supervise/supervise.h"

/* The variables and lookup rules for loading profiles in this process's
 * environment. */
struct session_env {
	struct policy_var vars[16];
	struct policy_ctx ctx;
	char *storage[16]; /* owned values */
	size_t n_storage;
	char user_dir[4096];
	char **system_dirs;                 /* owned: ctx.system_dirs */
	struct path_cache resolve_cache; /* one load's lstat answers */
};

/* Fill env from the process environment. Never fails: a variable that
 * cannot be determined is "known but unset", an error only if a profile
 * uses it. */
void session_env_init(struct session_env *env);
void session_env_done(struct session_env *env);

/* The Landlock ABI to compile for: the kernel's, or lower when the
 * environment variable LATCH_LANDLOCK_ABI caps it (for testing what an
 * older kernel would lose; it can only lower). Negative errno when
 * unavailable; -EINVAL with err set when the variable is malformed. */
int session_landlock_abi(struct error *err);

#define SESSION_KEEP_FDS_MAX 64

/* Supervision as asked by the caller; zero: as the profile says. */
enum session_supervise {
	SESSION_SUPERVISE_PROFILE, /* the profile's supervise.mode */
	SESSION_SUPERVISE_OFF,     /* --no-supervise */
	SESSION_SUPERVISE_ON,      /* --supervise (or --events, --approve-*): at least deny */
	SESSION_SUPERVISE_ASK,     /* --ask */
};

/* One sandboxed run, as asked for. */
struct session_request {
	const char *profile;
	bool strict;           /* every degradation refuses */
	bool quiet;            /* no warnings, no summary */
	bool no_namespaces;    /* static mode, on request */
	bool allow_unmasked;   /* accept deny rules that can be neither masked nor enforced */
	enum session_supervise supervise;
	const char *approve_socket; /* socket backend at this path */
	bool approve_connected;     /* ...or with this approver, already connected */
	int approve_fd;
	bool approve_all;      /* the allow backend: grant what the profile denies */
	const char *events;    /* JSON-lines events to this file */
	bool events_to_fd;     /* ...or to events_fd, which the run does not close */
	int events_fd;
	bool no_terminal;      /* never ask on the terminal: what nobody else answers is denied */
	const char *save_to;   /* allow_always answers into this new profile */
	unsigned approve_timeout_ms; /* 0: the default */
	char **ack_risk;       /* tier-2 profiles that may run */
	int keep_fds[SESSION_KEEP_FDS_MAX];
	size_t n_keep_fds;
	char **argv;           /* the command; argv[0] NULL: plan only */
	/* Absolute paths added to the policy as exec rules, with this origin
	 * (e.g. latch's own binary for probes); NULL: none. */
	char **extra_exec;
	const char *extra_exec_origin;
	/* >0: compile for this Landlock ABI; 0: session_landlock_abi(). */
	int landlock_abi;
	/* network.hosts entries added for this run (--allow-host); a profile
	 * whose network is off then goes through the proxy. NULL: none. */
	char **allow_hosts;
	/* One-off rules (`latch run --read PATH`...), as written; labelled
	 * <command line: PATH>. */
	const struct policy_extra_rule *rules;
	size_t n_rules;
	/* The session log (session/log.h): this run's record goes into a new
	 * directory in log_dir ($XDG_STATE_HOME/latch/sessions: see
	 * session_log_dir()); log_dir NULL: there is none to be had, which is
	 * said like any log that cannot be written. */
	bool log;
	const char *log_dir;
	/* --overlay: the directories the profile writes are overlays whose
	 * changes land in the session's directory (needs the log). */
	bool overlay;
};

/* What session_run() keeps for the session log while it runs. */
struct session_logging {
	struct session_log *log;  /* NULL: none (yet) */
	bool pending;             /* a log is wanted: opened once the sandbox starts */
	/* No supervisor sees the calls: the kernel's audit log is read for
	 * the program's Landlock denials (audit.h)... */
	struct ll_audit *audit;
	pid_t audit_pid;          /* ...of the domain this process made */
	const char *audit_unavailable; /* ...or why it cannot be */
	/* --overlay: one layer per plan->overlay_dirs, in the session's
	 * directory (strings owned). */
	struct overlay_layer *layers;
	size_t n_layers;
};

/* A run, planned. Built by session_plan_build(), checked by
 * session_plan_check(), freed by session_plan_done(). */
struct session_plan {
	const struct policy_ctx *ctx;
	struct policy *policy;
	struct landlock_plan *ll;
	struct mask_plan *masks;
	struct sfilter_plan sf;
	struct cgroup_handle cgroup;
	char *cgroup_unavailable; /* why limits.memory/pids cannot be given */
	char **envp;
	char *program;
	int lookup_err;           /* the program's lookup: 0, -ENOENT, -EACCES, -EISDIR */
	int abi;
	bool isolated;            /* the mode planned for */
	bool ns_disabled;         /* --no-namespaces or LATCH_NO_NAMESPACES=1 */
	char *ns_unavailable;     /* why the kernel refused namespaces */
	char **refusals;
	char **warnings;
	enum policy_supervise supervise; /* in effect, after the request */
	const char *sup_unavailable; /* the profile's supervision cannot be had here: why (static) */
	/* Unsupervised, and Landlock does not decide connect() to a pathname
	 * Unix socket (ABI < 9): a supervisor of connect() alone serves the
	 * run (sup_scope SUP_SCOPE_SOCKETS)... */
	bool sockets_supervised;
	/* ...or, where none can run, socket(AF_UNIX) is refused: why. */
	const char *sockets_unavailable;
	enum sup_backend backend;
	bool use_masks;           /* masks are applied (not with a supervisor that may grant) */
	bool landlock_exact;      /* the kernel layers enforce exactly the policy... */
	unsigned inexact;         /* ...but for these accesses (sup_config.inexact) */
	bool root_supervised_static; /* static mode because the caller holds capabilities */
	char **private_dirs;      /* "private" rules that exist as directories (isolated mode) */
	/* network.mode proxy: the port programs are pointed at (HTTPS_PROXY,
	 * the one Landlock lets TCP connect to): NET_BRIDGE_PORT in the
	 * isolated mode, chosen when the run starts in the static mode (0
	 * until then). */
	uint16_t proxy_port;
	char *private_dropped;    /* the static mode dropped these "private" rules: one line */
	char **overlay_dirs;      /* --overlay: the directories mounted over, the project first */
	/* While session_run() runs: its session log (session/log.h; not
	 * freed by session_plan_done). */
	struct session_logging logging;
};

/* The seccomp plan a policy asks for, with the Landlock plan it goes with. */
struct sfilter_plan session_sfilter_plan(const struct policy *p, const struct landlock_plan *ll);

/* Load req->profile in ctx and plan the run. ns_refused > 0: the kernel
 * refused namespaces with this errno, plan the static mode and say why. On
 * failure plan holds what was built; session_plan_done() frees it. */
int session_plan_build(const struct session_request *req, const struct policy_ctx *ctx, int ns_refused,
		       struct session_plan *plan, struct error *err);

/* The same, for a policy already loaded (taken over by the plan). */
int session_plan_from_policy(const struct session_request *req, const struct policy_ctx *ctx, int ns_refused,
			     struct policy *policy, struct session_plan *plan, struct error *err);

/* Ask the kernel whether the namespaces planned can be had (for a plan
 * that is shown, not run: running is the other way to find out), and
 * prepare the cgroup for limits. Returns 0 or -ENOMEM. */
int session_plan_probe(struct session_plan *plan, bool ask_kernel);

/* Every reason to refuse and every warning, for the mode planned, into
 * plan->refusals and plan->warnings; touches nothing outside the plan.
 * Returns 0 or -ENOMEM. */
int session_plan_check(const struct session_request *req, struct session_plan *plan);

/* The plan as --dry-run shows it (the "data" of a run_plan envelope). */
json_t *session_plan_to_json(const struct session_request *req, const struct session_plan *plan);

/* A tier-2 profile runs only when acknowledged: 0, or -EPERM with err
 * naming the reason and the flag. */
int session_risk_gate(const struct session_request *req, const struct session_plan *plan, struct error *err);

void session_plan_done(struct session_plan *plan);

/* What a person should hear while the run goes on. Any hook may be NULL. */
struct session_hooks {
	/* The warnings of the plan about to run (called once per plan). */
	void (*warnings)(char *const *warnings, void *data);
	/* The supervisor denied something and nobody can be asked. */
	void (*no_terminal)(void *data);
	/* The supervisor's summary, at the end of every supervised run (the
	 * hook decides whether it is worth a line: sup_summary_eventful). */
	void (*summary)(const struct sup_summary *sum, void *data);
	/* Each object of a call the profile refused (or the allow backend
	 * granted), as the supervisor saw it: what `latch learn` learns from. */
	void (*refused)(const struct sup_refusal *r, void *data);
	/* The proxy's summary, at the end of every run through latch's proxy
	 * that it reported on (the hook decides whether it is worth a line:
	 * net_summary_eventful). */
	void (*net_summary)(const struct net_summary *sum, void *data);
	/* The program is about to be executed in this very process (static,
	 * unsupervised): nothing comes back after it. */
	void (*exec_in_place)(void *data);
	void *data;
};

enum session_outcome {
	SESSION_EXITED,     /* the program ran and ended: wait_status */
	SESSION_REFUSED,    /* the static fallback has reasons to refuse: refusals */
	SESSION_NOT_FOUND,  /* the program does not exist (err) */
	SESSION_CANNOT_EXEC, /* the program cannot be executed (err) */
	SESSION_FAILED,     /* latch failed (err) */
};

struct session_result {
	enum session_outcome outcome;
	int wait_status;
	bool errno_denied;  /* SESSION_CANNOT_EXEC with EACCES: denied by the sandbox? */
	/* The sandbox is on this process (a failed exec in the static mode):
	 * the caller must leave with _exit() and trust nothing at exit. */
	bool self_sandboxed;
	char **refusals;    /* SESSION_REFUSED; owned */
	struct error err;
};

/* Launch a checked plan with no refusals. The static unsupervised mode
 * executes the program in this process and returns only on failure. When
 * the kernel refuses namespaces the plan is replaced by a static one
 * (checked again; its refusals end the run). res->refusals is freed by the
 * caller (strv_free). Returns 0 with res filled. */
int session_run(const struct session_request *req, struct session_plan *plan, const struct session_hooks *hooks,
		struct session_result *res);

#endif
