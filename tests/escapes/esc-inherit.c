/* What a program gets from whoever started it, besides its arguments:
 * descriptors and the environment. The test opens the secret (or the
 * directory above a denied one) on a descriptor before it starts latch,
 * and puts a token in the environment.
 *
 *   fd N MARK            read descriptor N
 *   dirfd N REL MARK     openat(N, REL): N a directory opened outside
 *   fds                  any descriptor but 0, 1 and 2 is open
 *   env NAME MARK        the variable NAME holds MARK
 *   pid1-fd N MARK       take descriptor N from pid 1 of our namespace
 *                        (pidfd_getfd): in the isolated mode that is latch
 *                        itself, which was given N by its caller */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "esc.h"

static void op_fd(char **argv)
{
	int fd = (int)esc_num(argv[0], 3, 1 << 20);

	if (fcntl(fd, F_GETFD) < 0)
		esc_failed("descriptor N", errno);
	(void)lseek(fd, 0, SEEK_SET);
	esc_read_verdict(esc_fd_has(fd, argv[1]), "the inherited descriptor");
}

static void op_dirfd(char **argv)
{
	int fd = (int)esc_num(argv[0], 3, 1 << 20);

	if (fcntl(fd, F_GETFD) < 0)
		esc_failed("descriptor N", errno);
	esc_read_or_fail(fd, argv[1], 0, "openat relative to the inherited directory", argv[2]);
}

static void op_fds(char **argv)
{
	DIR *d = opendir("/proc/self/fd");
	char open_fds[256] = "";
	size_t len = 0;
	struct dirent *de;

	(void)argv;
	if (!d)
		esc_premise("/proc/self/fd: %s", esc_errno(errno));
	while ((de = readdir(d))) {
		char link[64], target[256];
		ssize_t n;
		long fd;
		char *end;

		fd = strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name || fd <= 2 || fd == dirfd(d))
			continue;
		(void)snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
		n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		len += (size_t)snprintf(open_fds + len, sizeof(open_fds) - len, " %ld->%s", fd, target);
		if (len >= sizeof(open_fds))
			break;
	}
	(void)closedir(d);
	if (open_fds[0])
		esc_worked("open descriptors:%s", open_fds);
	esc_nothing("only 0, 1 and 2 are open");
}

static void op_env(char **argv)
{
	const char *v = getenv(argv[0]);

	if (!v)
		esc_nothing("%s is not set", argv[0]);
	if (!strstr(v, argv[1]))
		esc_nothing("%s is set, without the token", argv[0]);
	esc_worked("%s holds the token", argv[0]);
}

static void op_pid1_fd(char **argv)
{
	if (getpid() == 1)
		esc_premise("we are pid 1");
	esc_take_fd(1, (int)esc_num(argv[0], 0, 1 << 20), argv[1]);
}

static const struct esc_op ops[] = {
	{ "dirfd", 3, "N REL MARK", op_dirfd },
	{ "env", 2, "NAME MARK", op_env },
	{ "fd", 2, "N MARK", op_fd },
	{ "fds", 0, "", op_fds },
	{ "pid1-fd", 2, "N MARK", op_pid1_fd },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
