/* __probe-exec: the probe process. It runs inside the sandbox (or without
 * one, in the baseline lane), performs one probe and answers with exactly
 * one probe_response envelope; its exit status is result.rc.
 *
 *   latch __probe-exec [--context-fd N] [--event-fd N]
 *                      [--wait-fifo PATH | --wait-exists PATH] [--wait-timeout-ms N]
 *                      [--hold-open SECONDS] PROBE_ID [ARGS...]
 *
 * --context-fd: a file (a memfd the runner wrote) holding one JSON object:
 *   {"self": latch's path, "vars": {"HOME", "TMPDIR", "CWD"}, "harness":
 *   probe_harness_to_json(), "sandbox": {"profile", "landlock", "seccomp"} or
 *   null, "runner_namespaces": {"mnt": "mnt:[...]", ...}}. Without it the
 *   probe uses its own environment and makes its own harness.
 * --event-fd: where attach events go, one JSON object per line:
 *   {"event": "pid_ready", "pid"}, {"event": "wait_ready", "pid",
 *   "wait_kind": "fifo"|"exists", "wait_path"} and, with --hold-open, after
 *   the envelope, {"event": "response_written", "pid"}.
 * The attribution the probe writes is the baseline reading (no sandbox);
 * the runner, which knows the sandbox it applied, refines it. */
#ifndef LATCH_PROBE_EXEC_H
#define LATCH_PROBE_EXEC_H

#include <jansson.h>

#define PROBE_WAIT_TIMEOUT_DEFAULT_MS 30000
#define PROBE_WAIT_TIMEOUT_MAX_MS 3600000
#define PROBE_HOLD_OPEN_MAX_S 600

struct probe_exec_out {
	json_t *envelope;   /* to print on stdout; NULL: print nothing (worker mode) */
	int exit_code;      /* result.rc, or the worker's status */
	long hold_open_s;   /* stay alive this long after the envelope is written */
	int event_fd;       /* still open for probe_hold_open(), or -1 */
};

/* Run __probe-exec's command line (argv[0] is "__probe-exec"). Never fails:
 * every error is an envelope. */
void probe_exec(int argc, char **argv, struct probe_exec_out *ret);

/* After the envelope is written: tell the runner ("response_written" on
 * the event fd: it cannot wait for the end of stdout, which the launcher
 * holds too), close stdout and stderr, and stay alive for hold_open_s
 * seconds. Closes the event fd in any case. */
void probe_hold_open(struct probe_exec_out *out);

#endif
