/* Paths that reach a denied file without naming it the usual way:
 *
 *   relative REL MARK          REL from the current directory (../.ssh/id_rsa)
 *   dirfd SECRET MARK          openat() relative to an O_PATH descriptor of
 *                              the directory above the secret's
 *   proc-root SECRET MARK      /proc/self/root/SECRET
 *   proc-cwd REL MARK          /proc/self/cwd/REL
 *   proc-fd SECRET MARK        an O_PATH descriptor of the secret itself (no
 *                              read access asked), reopened through
 *                              /proc/self/fd/N
 *   proc-fd-dir SECRET MARK    /proc/self/fd/N/NAME, N an O_PATH descriptor
 *                              of the secret's directory
 *   proc-pid-root PID SECRET MARK  /proc/PID/root/SECRET, PID a process
 *                              outside the sandbox */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "esc.h"

static void op_relative(char **argv)
{
	esc_read_or_fail(AT_FDCWD, argv[0], 0, "open the relative path", argv[1]);
}

static void op_dirfd(char **argv)
{
	char dir[PATH_MAX], up[PATH_MAX], name[PATH_MAX], rel[PATH_MAX * 2];
	_cleanup_close_ int fd = -EBADF;

	(void)snprintf(dir, sizeof(dir), "%s", argv[0]);
	(void)snprintf(up, sizeof(up), "%s", dirname(dir));
	(void)snprintf(name, sizeof(name), "%s", argv[0]);
	(void)snprintf(dir, sizeof(dir), "%s", up);
	/* up: the secret's directory; dir: the one above it. */
	(void)snprintf(rel, sizeof(rel), "%s/%s", basename(up), basename(name));
	fd = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		esc_failed("an O_PATH descriptor of the directory above", errno);
	esc_read_or_fail(fd, rel, 0, "openat relative to it", argv[1]);
}

static void op_proc_root(char **argv)
{
	char path[PATH_MAX + 32];

	(void)snprintf(path, sizeof(path), "/proc/self/root%s", argv[0]);
	esc_read_or_fail(AT_FDCWD, path, 0, "open /proc/self/root/...", argv[1]);
}

static void op_proc_cwd(char **argv)
{
	char path[PATH_MAX + 32];

	(void)snprintf(path, sizeof(path), "/proc/self/cwd/%s", argv[0]);
	esc_read_or_fail(AT_FDCWD, path, 0, "open /proc/self/cwd/...", argv[1]);
}

static void op_proc_fd(char **argv)
{
	_cleanup_close_ int fd = open(argv[0], O_PATH | O_CLOEXEC);
	char path[64];

	if (fd < 0)
		esc_failed("an O_PATH descriptor of the secret", errno);
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	esc_read_or_fail(AT_FDCWD, path, 0, "reopen it through /proc/self/fd", argv[1]);
}

static void op_proc_fd_dir(char **argv)
{
	char dir[PATH_MAX], name[PATH_MAX], path[PATH_MAX + 64];
	_cleanup_close_ int fd = -EBADF;

	(void)snprintf(dir, sizeof(dir), "%s", argv[0]);
	(void)snprintf(name, sizeof(name), "%s", argv[0]);
	fd = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		esc_failed("an O_PATH descriptor of the secret's directory", errno);
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", fd, basename(name));
	esc_read_or_fail(AT_FDCWD, path, 0, "open /proc/self/fd/N/NAME", argv[1]);
}

static void op_proc_pid_root(char **argv)
{
	char path[PATH_MAX + 64];

	(void)snprintf(path, sizeof(path), "/proc/%d/root%s", (int)esc_pid(argv[0]), argv[1]);
	esc_read_or_fail(AT_FDCWD, path, 0, "open /proc/PID/root/...", argv[2]);
}

static const struct esc_op ops[] = {
	{ "dirfd", 2, "SECRET MARK", op_dirfd },
	{ "proc-cwd", 2, "REL MARK", op_proc_cwd },
	{ "proc-fd", 2, "SECRET MARK", op_proc_fd },
	{ "proc-fd-dir", 2, "SECRET MARK", op_proc_fd_dir },
	{ "proc-pid-root", 3, "PID SECRET MARK", op_proc_pid_root },
	{ "proc-root", 2, "SECRET MARK", op_proc_root },
	{ "relative", 2, "REL MARK", op_relative },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
