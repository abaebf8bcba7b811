/* Signals to a process outside the sandbox. PID is a victim the test
 * started (esc-outside victim: SIGUSR1 blocked, so that a signal that
 * arrives stays pending, where /proc/PID/status shows it).
 *
 *   kill PID    kill(PID, SIGUSR1)
 *   pidfd PID   pidfd_open + pidfd_send_signal(SIGUSR1)
 *   sigio PID   F_SETOWN of a pipe to PID with F_SETSIG SIGUSR1 and
 *               O_ASYNC, then a write: the kernel sends the signal on our
 *               behalf; whether it arrived is read from the victim's
 *               pending signals */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "esc.h"

static void op_kill(char **argv)
{
	pid_t pid = esc_pid(argv[0]);

	if (kill(pid, SIGUSR1) < 0)
		esc_failed("kill", errno);
	esc_worked("sent SIGUSR1 to pid %d", (int)pid);
}

static void op_pidfd(char **argv)
{
	pid_t pid = esc_pid(argv[0]);
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		esc_failed("pidfd_open", errno);
	if (syscall(SYS_pidfd_send_signal, fd, SIGUSR1, NULL, 0) < 0)
		esc_failed("pidfd_send_signal", errno);
	esc_worked("sent SIGUSR1 to pid %d through a pidfd", (int)pid);
}

/* Is SIGUSR1 pending for the whole of PID? 1, 0, or -errno. */
static int usr1_pending(pid_t pid)
{
	char path[64], line[256];
	unsigned long long mask;
	int r = -ENOENT;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ShdPnd: %llx", &mask) == 1) {
			r = !!(mask & (1ULL << (SIGUSR1 - 1)));
			break;
		}
	(void)fclose(f);
	return r;
}

static void op_sigio(char **argv)
{
	pid_t pid = esc_pid(argv[0]);
	int p[2], before, after;

	if (pipe2(p, O_CLOEXEC) < 0)
		esc_premise("pipe: %s", esc_errno(errno));
	if (fcntl(p[0], F_SETOWN, pid) < 0)
		esc_failed("F_SETOWN", errno);
	if (fcntl(p[0], F_SETSIG, SIGUSR1) < 0 || fcntl(p[0], F_SETFL, O_ASYNC) < 0)
		esc_premise("F_SETSIG, O_ASYNC: %s", esc_errno(errno));
	before = usr1_pending(pid);
	if (before != 0)
		esc_premise("the victim's pending signals: %s", before > 0 ? "SIGUSR1 already pending" : esc_errno(-before));
	if (write(p[1], "x", 1) != 1)
		esc_premise("write: %s", esc_errno(errno));
	after = usr1_pending(pid);
	if (after < 0)
		esc_premise("the victim's pending signals: %s", esc_errno(-after));
	if (!after)
		esc_nothing("F_SETOWN was accepted, and no signal reached pid %d", (int)pid);
	esc_worked("the kernel sent SIGUSR1 to pid %d for us (SIGIO owner)", (int)pid);
}

static const struct esc_op ops[] = {
	{ "kill", 1, "PID", op_kill },
	{ "pidfd", 1, "PID", op_pidfd },
	{ "sigio", 1, "PID", op_sigio },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
