/* Reaching into another process: its memory, its descriptors, its
 * environment. PID is a process outside the sandbox that the test
 * started (esc-outside victim), or `parent`.
 *
 *   attach PID                 PTRACE_SEIZE (then detach)
 *   vm-read PID                process_vm_readv of its first readable
 *                              mapping (an unmapped address when its maps
 *                              cannot be read: EFAULT then means the
 *                              permission check was passed)
 *   proc-mem PID               open /proc/PID/mem
 *   pidfd-getfd PID FD MARK    take its descriptor FD with pidfd_getfd and
 *                              read it
 *   environ PID MARK           read /proc/PID/environ */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "esc.h"

static void op_attach(char **argv)
{
	pid_t pid = esc_pid(argv[0]);

	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		esc_failed("PTRACE_SEIZE", errno);
	(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
	esc_worked("attached to pid %d", (int)pid);
}

static uintptr_t first_readable(pid_t pid)
{
	char path[64], line[512];
	uintptr_t start = 0, end;
	char perms[8];
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s", &start, &end, perms) == 3 && perms[0] == 'r')
			break;
		else
			start = 0;
	(void)fclose(f);
	return start;
}

static void op_vm_read(char **argv)
{
	pid_t pid = esc_pid(argv[0]);
	uintptr_t addr = first_readable(pid);
	char buf[16];
	struct iovec local = { buf, sizeof(buf) };
	struct iovec remote = { (void *)(addr ? addr : 4096), sizeof(buf) };

	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0) {
		if (errno == EFAULT)
			esc_worked("process_vm_readv reached pid %d's memory (EFAULT at an unmapped address)", (int)pid);
		esc_failed("process_vm_readv", errno);
	}
	esc_worked("read %zu bytes of pid %d's memory", sizeof(buf), (int)pid);
}

static void op_proc_mem(char **argv)
{
	char path[64];
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/mem", (int)esc_pid(argv[0]));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		esc_failed("open /proc/PID/mem", errno);
	esc_worked("opened %s", path);
}

static void op_pidfd_getfd(char **argv)
{
	esc_take_fd(esc_pid(argv[0]), (int)esc_num(argv[1], 0, 1 << 20), argv[2]);
}

static void op_environ(char **argv)
{
	char path[64];

	(void)snprintf(path, sizeof(path), "/proc/%d/environ", (int)esc_pid(argv[0]));
	esc_read_or_fail(AT_FDCWD, path, 0, "read /proc/PID/environ", argv[1]);
}

static const struct esc_op ops[] = {
	{ "attach", 1, "PID", op_attach },
	{ "environ", 2, "PID MARK", op_environ },
	{ "pidfd-getfd", 3, "PID FD MARK", op_pidfd_getfd },
	{ "proc-mem", 1, "PID", op_proc_mem },
	{ "vm-read", 1, "PID", op_vm_read },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
