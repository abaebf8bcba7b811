/* esc.h -- the shared part of latch's escape corpus (tests/escapes/).
 *
 * One program per attack class, each run as
 *
 *   esc-CLASS MODE OP [ARG...]
 *
 * MODE is `control` (run without a sandbox: does the attack work on this
 * machine at all?) or `attack` (the same code, inside latch). Each run
 * prints exactly one line, a word and what happened:
 *
 *   possible DETAIL        control: the operation worked here
 *   escaped DETAIL         attack: the operation worked inside the sandbox
 *   blocked DETAIL         attack: it was refused (the step and the errno, or
 *                          the signal that killed it)
 *   premise_failed DETAIL  the case's own precondition did not hold, so
 *                          nothing was measured (in control: the operation
 *                          does not work here even without a sandbox)
 *   unsupported DETAIL     the kernel lacks the feature (control only)
 *
 * The same failure is `premise_failed` in control and `blocked` in attack:
 * only a refusal that the control run shows to be the sandbox's counts as
 * blocked. tests/integration/test-escapes.sh runs every case both ways. */
#ifndef LATCH_TESTS_ESC_H
#define LATCH_TESTS_ESC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/macro.h"

enum esc_mode {
	ESC_CONTROL,
	ESC_ATTACK,
};

/* Set by esc_main() before the op runs. */
extern enum esc_mode esc_mode;

/* One operation of a program: its name, the number of arguments after it,
 * their names for the usage line, and the function (which ends the process
 * with one of the esc_* reports below). */
struct esc_op {
	const char *name;
	int nargs;
	const char *args;
	void (*run)(char **argv);
};

/* Parse MODE and OP, check the number of arguments, arm a 20 s alarm (a
 * case that hangs dies without a line, which the harness reports), and run
 * the op. Usage errors exit 2 with a message on stderr. */
int esc_main(int argc, char **argv, const struct esc_op *ops, size_t n_ops);

/* The operation worked: `possible` in control, `escaped` in attack. */
_noreturn_ _printf_(1, 2) void esc_worked(const char *fmt, ...);
/* The attack's own step STEP failed with errno ERR: `blocked` in attack;
 * in control `premise_failed`, or `unsupported` for ENOSYS (the kernel
 * lacks the call). */
_noreturn_ void esc_failed(const char *step, int err);
/* The same, for a child that died of signal SIG. */
_noreturn_ void esc_killed(const char *step, int sig);
/* The attack ran to its end without getting anything, in both modes:
 * `blocked` in attack, `premise_failed` in control. */
_noreturn_ _printf_(1, 2) void esc_nothing(const char *fmt, ...);
/* Setting up the case failed (not the attack itself), in either mode. */
_noreturn_ _printf_(1, 2) void esc_premise(const char *fmt, ...);
_noreturn_ _printf_(1, 2) void esc_unsupported(const char *fmt, ...);

/* The errno's name, "EACCES". */
const char *esc_errno(int err);
/* A number argument in [min, max], or a usage error. */
long esc_num(const char *s, long min, long max);
/* A pid argument: a number, or "parent" for getppid(). */
pid_t esc_pid(const char *s);

/* Read FD (up to 64 KiB) and look for MARK: 1 found, 0 not, -errno. */
int esc_fd_has(int fd, const char *mark);
/* Open PATH read-only and look for MARK: 1, 0, or -errno (open or read). */
int esc_path_has(const char *path, const char *mark);
/* End the process with what R, a result of esc_fd_has or esc_path_has at
 * STEP, says: worked when the secret was read, failed on an error,
 * nothing when something else was read. */
_noreturn_ void esc_read_verdict(int r, const char *step);
/* Open PATH relative to DIRFD with FLAGS (O_RDONLY added), look for MARK
 * and end the process with esc_read_verdict. */
_noreturn_ void esc_read_or_fail(int dirfd, const char *path, int flags, const char *step, const char *mark);
/* Take descriptor FD of process PID (pidfd_getfd), read it from its start
 * and end the process: worked when the descriptor was taken (saying
 * whether MARK was read through it), failed otherwise. */
_noreturn_ void esc_take_fd(pid_t pid, int fd, const char *mark);

/* Exit statuses of a child run by esc_child_status. */
#define ESC_CHILD_WORKED 0
#define ESC_CHILD_NOTHING 1
#define ESC_CHILD_ERRNO 100 /* + errno: the step failed */

/* Run FN(ARG) in a child process, for calls that a seccomp filter answers
 * by killing the process. Ends the process when the child failed at STEP
 * (killed by a signal, or exited ESC_CHILD_ERRNO + errno) or could not be
 * started; otherwise returns its exit status, below ESC_CHILD_ERRNO. */
int esc_child_status(int (*fn)(void *), void *arg, const char *step);

/* A name of the caller's own, unique per run: "DIR/.esc-TAG-PID". */
int esc_scratch_name(char *buf, size_t size, const char *dir, const char *tag);

#endif
