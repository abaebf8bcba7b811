/* The launch sequence. Static mode: latch applies the sandbox to itself and
 * execs in place. Isolated mode: latch clones a child into new namespaces,
 * which sets up mounts and masks, applies the sandbox and, as pid 1, runs
 * the program as its child; latch waits outside and reports its status.
 * In both, the order is: namespaces and mounts, then environment and limits,
 * then Landlock, then seccomp, then execve. */
#ifndef LATCH_SANDBOX_LAUNCH_H
#define LATCH_SANDBOX_LAUNCH_H

#include <sys/types.h>

#include "sandbox/landlock.h"
#include "sandbox/limits.h"
#include "sandbox/mounts.h"
#include "sandbox/seccomp.h"

struct launch {
	const struct landlock_plan *landlock; /* prepared */
	struct sfilter_plan sfilter;
	char *const *envp;
	const char *file;      /* resolved program path */
	char *const *argv;
	const int *keep_fds;   /* inherited fds to keep open besides 0-2 */
	size_t n_keep_fds;
	const struct policy_limits *limits;   /* rlimits; NULL: none */
	uint64_t caps_extra;                  /* capabilities kept beyond the file-work set */
	/* Isolated mode only: */
	unsigned long ns_flags;               /* CLONE_NEW*; 0: static mode */
	const struct mask_plan *masks;        /* NULL: none */
	/* Directories over which an empty tmpfs of the sandbox's own is
	 * mounted (the policy's "private" rules); NULL: none. */
	char *const *private_dirs;
	const struct cgroup_handle *cgroup;   /* NULL or no path: none */
	const struct overlay_layer *overlays; /* mounted over their directories first; NULL: none */
	size_t n_overlays;
	/* network.mode proxy: a Unix socket to the proxy outside; pid 1 hands
	 * it a listener on 127.0.0.1:net_bridge_port of the sandbox's network
	 * namespace (ns_bridge_open). 0 (no socket is fd 0 here): none. */
	int net_bridge;
	uint16_t net_bridge_port;
	/* Run first thing in the child, before any restriction (e.g. taking a
	 * process group of its own for a terminal-asking supervisor). */
	int (*child_setup)(void *data);
	/* Run in the sandbox after every restriction, just before the program
	 * starts (e.g. installing a supervisor's notify filter). */
	int (*before_exec)(void *data, struct error *err);
	void *before_exec_data;
	/* Run in latch outside once the child is on its way (work that may
	 * overlap the sandbox's own setup, such as writing a log). */
	void (*started)(void *data, pid_t child);
	void *started_data;
	pid_t parent;                         /* getpid() of latch, for the child's checks */
};

/* A sandbox started in a child process. */
struct launch_child {
	pid_t pid;          /* the direct child: pid 1 of the namespaces, or the program */
	int report_fd;      /* what the child reports at the end (or at a failed exec) */
	bool clone_failed;  /* the kernel refused the namespaces: nothing started */
	bool reaped;        /* the caller reaped pid (e.g. a supervisor did)... */
	int status;         /* ...with this status */
};

/* What happened to the program in isolated mode. */
struct launch_result {
	int wait_status;     /* the program's status, as from waitpid */
	int exec_errno;      /* execve failed with this errno (0: it ran) */
	bool clone_failed;   /* namespaces refused by the kernel: nothing ran */
};

/* Find a program like execvp would, in the PATH given (colon separated). A
 * name with a '/' is taken as is. Returns 0, -ENOENT (127) or -EACCES (126). */
int launch_find_program(const char *name, const char *path_env, char **ret);

/* Apply the sandbox to this process and execve. Returns only on failure:
 * a negative errno with err set; err->code is the errno of the step that
 * failed. When execve itself fails, *ret_exec_failed is set. */
int launch_exec(const struct launch *l, bool *ret_exec_failed, struct error *err);

/* Isolated mode: returns 0 with *ret filled once the program has finished,
 * or a negative errno with err set (ret->clone_failed when the namespaces
 * could not be created: the caller may fall back to static mode). */
int launch_isolated(const struct launch *l, struct launch_result *ret, struct error *err);

/* Start the sandbox in a child: in new namespaces when l->ns_flags (pid 1
 * inside runs the program), else a plain child that is the program (static
 * mode under a supervisor). Returns 0, or a negative errno; on failure
 * ret->pid > 0 when a child was started and must still be finished. */
int launch_start(const struct launch *l, struct launch_child *ret, struct error *err);

/* Collect what happened: the program's status, or why it did not run. Set
 * c->reaped and c->status first when the caller has reaped c->pid. */
int launch_finish(struct launch_child *c, const struct launch *l, struct launch_result *ret, struct error *err);

/* Forward the signals a person or a supervisor sends (TERM, HUP, INT, QUIT,
 * USR1, USR2) to pid. INT and QUIT are not forwarded while this process is in
 * the terminal's foreground group: the terminal already sent them to the
 * program, which shares the group. */
void launch_forward_signals(pid_t pid);

#endif
