/* Code that runs later, outside the sandbox: a file the user's own tools
 * execute or read commands from (git hooks and configuration, shell
 * start-up files, editor and agent settings). The control works on a copy
 * (the test gives it paths in a copy of the project and home).
 *
 *   create PATH   create PATH (and its missing parent directory) with a
 *                 line that would run a command; removed again if it was
 *                 made
 *   append PATH   append such a line to the existing PATH, then take it
 *                 out again
 *   chmod PATH    make the existing PATH writable by everyone (any local
 *                 user could then plant the line), then put its mode back;
 *                 Landlock does not decide chmod */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esc.h"

static const char payload[] = "#!/bin/sh\ntouch /tmp/latch-esc-ran-later # planted\n";

static void op_create(char **argv)
{
	char dir[PATH_MAX];
	bool made_dir = false;
	int fd;

	(void)snprintf(dir, sizeof(dir), "%s", argv[0]);
	if (access(dirname(dir), F_OK) < 0) {
		if (mkdir(dir, 0755) < 0)
			esc_failed("mkdir of its directory", errno);
		made_dir = true;
	}
	fd = open(argv[0], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (fd < 0) {
		int e = errno;

		if (made_dir)
			(void)rmdir(dir);
		esc_failed("create", e);
	}
	if (write(fd, payload, sizeof(payload) - 1) < 0)
		esc_failed("write", errno);
	(void)close(fd);
	(void)unlink(argv[0]);
	if (made_dir)
		(void)rmdir(dir);
	esc_worked("created %s%s", argv[0], made_dir ? " (and its directory)" : "");
}

static void op_append(char **argv)
{
	struct stat st;
	int fd;

	if (stat(argv[0], &st) < 0)
		esc_premise("%s: %s", argv[0], esc_errno(errno));
	fd = open(argv[0], O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		esc_failed("open for appending", errno);
	if (write(fd, payload, sizeof(payload) - 1) < 0)
		esc_failed("append", errno);
	if (ftruncate(fd, st.st_size) < 0)
		esc_premise("appended, and cannot take it out again: %s", esc_errno(errno));
	(void)close(fd);
	esc_worked("appended to %s", argv[0]);
}

static void op_chmod(char **argv)
{
	struct stat st;

	if (stat(argv[0], &st) < 0)
		esc_failed("stat", errno);
	if (chmod(argv[0], 0666) < 0)
		esc_failed("chmod 0666", errno);
	if (chmod(argv[0], st.st_mode & 07777) < 0)
		esc_premise("made it 0666, and cannot put its mode back: %s", esc_errno(errno));
	esc_worked("made %s writable by everyone (mode put back)", argv[0]);
}

static const struct esc_op ops[] = {
	{ "append", 1, "PATH", op_append },
	{ "chmod", 1, "PATH", op_chmod },
	{ "create", 1, "PATH", op_create },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
