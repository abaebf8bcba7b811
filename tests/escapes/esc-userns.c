/* User namespaces: in one of its own a program holds every capability,
 * over mounts among others, and reaches kernel code written for root.
 *
 *   unshare          unshare(CLONE_NEWUSER | CLONE_NEWNS), then mount a
 *                    tmpfs over the current directory in it
 *   clone            the clone system call with CLONE_NEWUSER
 *   clone3           clone3 with CLONE_NEWUSER (its flags lie in memory,
 *                    out of a seccomp filter's reach)
 *   join PID         setns into the user namespace of PID, a process
 *                    outside that made one (esc-outside victim-userns):
 *                    through a pidfd, then /proc/PID/ns/user
 *
 * Each is tried in a child (esc_child_status); unshare's child exits
 * ESC_CHILD_NOTHING when it got the namespace but could not mount in it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "esc.h"

/* In the new namespaces: the mount power it was wanted for, over the
 * current directory (in a mount namespace of its own, so nothing outside
 * changes). 0 mounted, 98 not. */
static int try_unshare(void *arg)
{
	char cwd[4096];

	(void)arg;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return ESC_CHILD_ERRNO + errno;
	if (!getcwd(cwd, sizeof(cwd)) || mount("esc", cwd, "tmpfs", 0, NULL) < 0)
		return ESC_CHILD_NOTHING;
	return ESC_CHILD_WORKED;
}

/* After a raw clone: the new process (pid 0) ends at once; the caller
 * waits for it and tells how it went. */
static int cloned(long pid)
{
	int status;

	if (pid < 0)
		return ESC_CHILD_ERRNO + errno;
	if (pid == 0)
		_exit(0);
	return waitpid((pid_t)pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0
		       ? ESC_CHILD_WORKED
		       : ESC_CHILD_ERRNO + ECHILD;
}

static int try_clone(void *arg)
{
	(void)arg;
	return cloned(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0));
}

static int try_clone3(void *arg)
{
	struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };

	(void)arg;
	return cloned(syscall(SYS_clone3, &ca, sizeof(ca)));
}

static pid_t join_pid;

static int try_join(void *arg)
{
	char path[64];
	int fd, e;

	(void)arg;
	fd = (int)syscall(SYS_pidfd_open, join_pid, 0);
	if (fd >= 0 && setns(fd, CLONE_NEWUSER) == 0)
		return ESC_CHILD_WORKED;
	e = errno;
	(void)snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)join_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && setns(fd, CLONE_NEWUSER) == 0)
		return ESC_CHILD_WORKED;
	return ESC_CHILD_ERRNO + e;
}

static _noreturn_ void report(int (*fn)(void *), const char *step)
{
	int status = esc_child_status(fn, NULL, step);

	/* try_unshare: a namespace, and the mount in it failed. */
	if (status == ESC_CHILD_NOTHING)
		esc_worked("%s: a user namespace of our own (a mount in it failed)", step);
	esc_worked("%s: a user namespace of our own%s", step, fn == try_unshare ? ", and a mount in it" : "");
}

static void op_unshare(char **argv)
{
	(void)argv;
	report(try_unshare, "unshare(CLONE_NEWUSER)");
}

static void op_clone(char **argv)
{
	(void)argv;
	report(try_clone, "clone(CLONE_NEWUSER)");
}

static void op_clone3(char **argv)
{
	(void)argv;
	report(try_clone3, "clone3(CLONE_NEWUSER)");
}

static void op_join(char **argv)
{
	join_pid = esc_pid(argv[0]);
	report(try_join, "setns into the user namespace of a process outside");
}

static const struct esc_op ops[] = {
	{ "clone", 0, "", op_clone },
	{ "clone3", 0, "", op_clone3 },
	{ "join", 1, "PID", op_join },
	{ "unshare", 0, "", op_unshare },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
