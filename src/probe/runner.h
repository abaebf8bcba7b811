/* The runner's half of `latch probe`: start the probe process in a child,
 * capture its answer with bounded waits, check that exactly one envelope
 * came, re-attribute it for the sandbox that was applied, and add the
 * runner's fields. A probe process that ends without a valid answer becomes
 * a harness_error, never a denial.
 *
 * How the child starts the probe is the caller's (the CLI launches the
 * sandbox exactly as `latch run` does, or executes latch directly for the
 * baseline lane), so this layer never reaches up into the CLI. */
#ifndef LATCH_PROBE_RUNNER_H
#define LATCH_PROBE_RUNNER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "probe/outcome.h"

#define PROBE_TIMEOUT_DEFAULT_MS 30000 /* until the answer, besides any wait */
#define PROBE_OUT_MAX (1 << 20)        /* bytes of stdout kept: more is not one envelope */
#define PROBE_ERR_MAX (64 << 10)       /* bytes of stderr kept */

struct probe_spawn {
	/* In the forked child, with stdout and stderr already on the capture
	 * pipes: start the probe process, normally by exec in place. Returns
	 * an exit status only when that failed. */
	int (*start)(void *userdata);
	void *userdata;
	int event_fd;      /* read end of the event pipe, -1: none */
	int parent_close[4]; /* fds closed in the parent once the child has them (write
				* ends), and in every case before probe_spawn returns */
	size_t n_parent_close;
	void (*on_event)(json_t *event, void *userdata); /* each event line, parsed (borrowed) */
	long timeout_ms;   /* until stdout and stderr end */
	long hold_ms;      /* then, until the process exits */
};

struct probe_capture {
	char *out, *err;   /* NUL-terminated */
	size_t out_len, err_len;
	bool out_truncated;
	pid_t pid;
	int exit_status;   /* -1: ended by a signal, or not reaped yet */
	bool reaped;
	int signal;        /* the signal that ended it, 0: none */
	bool timed_out;    /* no answer in time: killed */
};

/* Fork, start and capture until the probe closes stdout and stderr. The
 * launcher is reaped too, unless hold_ms asks to keep it (then the caller
 * reaps with probe_reap_launcher once the answer is out). Returns 0 with
 * *ret filled (free with probe_capture_done), or a negative errno with err
 * set when the child could not be made. */
int probe_spawn(const struct probe_spawn *s, struct probe_capture *ret, struct error *err);

/* Wait for the launcher to exit, at most hold_ms plus a grace period, then
 * SIGKILL it; fills exit_status and signal. Does nothing the second time. */
void probe_reap_launcher(struct probe_capture *c, long hold_ms);

/* The pid, in this process's pid namespace, of the descendant of launcher
 * whose innermost pid is ns_pid (the probe reports its own, which a pid
 * namespace renumbers); -1 when not found. For strace and gdb. */
pid_t probe_host_pid(pid_t launcher, pid_t ns_pid);
void probe_capture_done(struct probe_capture *c);

/* The runner's fields of the envelope. */
struct probe_runner_info {
	const char *probe_id;
	char *const *probe_args;    /* NULL-terminated */
	const char *lane;           /* "sandboxed", "unsandboxed" */
	const char *profile;        /* NULL unsandboxed */
	const char *launched_via;   /* "cli_run", "exec"; NULL: nothing was started */
	const char *plan_id, *row_id, *correlation_id, *expected_outcome;
};

/* The final envelope from what was captured: the probe's own answer,
 * validated and (sb non-NULL) re-attributed, or a harness_error (timeout
 * when the probe did not answer in time) naming what went wrong. NULL only
 * when out of memory. */
json_t *probe_finish(const struct probe_capture *c, const struct probe_sandbox *sb,
		     const struct probe_runner_info *info);

/* An envelope written without starting anything: bad_request,
 * unknown_probe, or a harness_error before the probe could start. */
json_t *probe_early(enum probe_outcome o, const char *error, const struct probe_runner_info *info);

/* The runner's own access(2) check of an fs access, as the probe's user
 * outside the sandbox: 1 refused by Unix permissions, 0 allowed, -1 not an
 * fs access or no answer. */
int probe_dac_check(const struct probe_facts *f);

#endif
