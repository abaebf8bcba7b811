/* Inside the probe process: the context a probe runs in, the result it
 * fills, and the run functions the catalog dispatches to. Internal to
 * src/probe. */
#ifndef LATCH_PROBE_PROBES_H
#define LATCH_PROBE_PROBES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "policy/policy.h"
#include "probe/catalog.h"
#include "probe/outcome.h"

/* Bounds on everything a probe waits for. */
#define PROBE_CHILD_TIMEOUT_MS 5000 /* a helper child of the probe */
#define PROBE_DNS_TIMEOUT_MS 2000

struct probe_ctx {
	json_t *context;          /* what the runner passed on --context-fd; NULL: run directly */
	const char *self;         /* latch's own binary, for re-executing itself */
	const char *harness;      /* the harness directory; NULL when the probe needs none */
	const char *home, *tmp, *cwd; /* the variables of the path classes */
	int worker_event_fd;      /* inherit_child worker mode: the event bus, else -1 */
	int worker_rights_fd;     /* inherit_child worker mode: the rights bus, else -1 */
};

/* What a probe reports. Set through the helpers below. */
struct probe_result {
	bool outcome_set;         /* the probe decided the outcome itself */
	enum probe_outcome outcome;
	int err;                  /* positive errno of the measured operation; 0: succeeded */
	const char *syscall;      /* the system call that gave err (seccomp table name) */
	bool has_access;
	enum policy_access access;
	char *path;               /* owned */
	uint16_t port;
	bool landlock_mediated;
	char *to_path;            /* owned; a second access (rename: create at --to), else NULL */
	enum policy_access to_access;
	const char *path_safety;  /* "harness", "unsafe_path_allowed", "non_destructive"; NULL */
	json_t *details;          /* owned; probe-specific */
	char error[ERROR_MSG_MAX];
};

/* The measured operation failed (err > 0) or succeeded (err == 0) in this
 * system call. */
void probe_errno(struct probe_result *res, const char *syscall, int err);

/* The probe decides the outcome itself; fmt (may be NULL) is result.error. */
void probe_outcome(struct probe_result *res, enum probe_outcome o, const char *fmt, ...) _printf_(3, 4);

/* The access the operation is, for the decision engine; landlock_mediated
 * says whether Landlock checks this operation at all. */
void probe_access(struct probe_result *res, enum policy_access a, const char *path, uint16_t port,
		  bool landlock_mediated);

/* details[key] = value (stolen). */
void probe_detail(struct probe_result *res, const char *key, json_t *value);

/* probe_place_path() with the places of ctx. */
int probe_resolve_path(const struct probe_ctx *ctx, const char *path, const char *klass, const char *default_name,
		       char **ret, struct error *err);

/* Whether the probe is in a namespace of its own ("mnt", "net", "pid", ...),
 * not the runner's: 1 yes, 0 no, -1 unknown (run without a runner). */
int probe_own_ns(const struct probe_ctx *ctx, const char *ns);

/* The names of the path classes, for the catalog. */
const char *probe_path_class_at(size_t i);

/* What a helper child reported. */
struct probe_child {
	int err;    /* the errno it returned (negated), 0: none */
	int step;   /* where it failed, as fn set *ret_step; -1: no report */
	int status; /* exit status, 128 + signal, or -1 when killed at the deadline */
};

/* Run fn(arg, &step) in a forked child whose stdout and stderr go nowhere,
 * and wait for it at most PROBE_CHILD_TIMEOUT_MS (then SIGKILL). fn returns
 * an exit status, or a negative errno which is reported with *ret_step.
 * Returns 0 with *ret filled, or a negative errno when the child could not be
 * started or had to be killed (a harness error, never a denial). */
int probe_in_child(int (*fn)(void *arg, int *ret_step), void *arg, struct probe_child *ret);

/* Fork a child that execs (exec_fn returns only when execve failed, with
 * the negated errno) and report execve's result: 0 with
 * *ret_err 0 once the exec succeeded (the program is then killed at once:
 * what it does is not the probe's business), *ret_err > 0 when execve
 * failed. A negative return is a harness error (fork or pipe failed). */
int probe_try_exec(int (*exec_fn)(void *arg, int *ret_step), void *arg, int *ret_err);

/* Fork a child that sleeps (for signal and proc_info targets); killed by
 * probe_reap(). Returns the pid or a negative errno. */
pid_t probe_sleeper(void);
void probe_reap(pid_t pid);

/* Run functions, one per catalog row. */
void probe_run_catalog(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_world_shape(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_capabilities(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_fs_op(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_net_op(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_signal(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_proc_info(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_sysctl_read(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_exec(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_memfd_exec(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_dlopen(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_ioctl(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_mount(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_userns(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_io_uring(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
void probe_run_inherit_child(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);

/* Choices of the probes' --op and friends, for the catalog. */
const char *probe_fs_op_at(size_t i);
const char *probe_net_op_at(size_t i);
const char *probe_proc_op_at(size_t i);
const char *probe_target_at(size_t i);
const char *probe_signal_at(size_t i);
const char *probe_ioctl_op_at(size_t i);
const char *probe_mount_op_at(size_t i);
const char *probe_scenario_at(size_t i);

/* Cross-argument checks. */
int probe_check_fs_op(const struct probe_request *req, struct error *err);
int probe_check_net_op(const struct probe_request *req, struct error *err);
int probe_check_target(const struct probe_request *req, struct error *err);
int probe_check_sysctl(const struct probe_request *req, struct error *err);

/* inherit_child's worker: the child the probe re-executes. Returns its exit
 * status. */
int probe_inherit_worker(struct probe_ctx *ctx, const struct probe_request *req);

#endif
