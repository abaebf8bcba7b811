/* Host settings that run a program as root, outside any sandbox, when the
 * kernel next needs it (a core dump, a power-off, an emptied cgroup), or
 * that act on the whole machine at once:
 *
 *   open-write PATH   open PATH for writing -- /proc/sys/kernel/core_pattern,
 *                     poweroff_cmd, modprobe, /sys/kernel/uevent_helper,
 *                     /proc/sysrq-trigger, a cgroup v1 release_agent.
 *                     Nothing is ever written: being able to open it is the
 *                     escape, and the control (root's only) changes nothing */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "esc.h"

static void op_open_write(char **argv)
{
	int fd = open(argv[0], O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		esc_failed("open for writing", errno);
	(void)close(fd);
	esc_worked("opened %s for writing (nothing written)", argv[0]);
}

static const struct esc_op ops[] = {
	{ "open-write", 1, "PATH", op_open_write },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
