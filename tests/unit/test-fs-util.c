/* Tests for src/base/fs-util.c: mkdir_parents over existing and missing
 * directories and a file in the way; write_all and read_small through a
 * pipe, with a buffer that is too small; read_small_file on a missing file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/fs-util.h"

static void test_mkdir_parents(void **state)
{
	char dir[] = "/tmp/latch-test-fs-util.XXXXXX", path[PATH_MAX], file[PATH_MAX];
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(mkdir_parents(path, 0700), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* Again: everything exists, still fine. */
	assert_int_equal(mkdir_parents(path, 0700), 0);
	/* A file where a directory should go. */
	(void)snprintf(file, sizeof(file), "%s/f", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
	(void)snprintf(path, sizeof(path), "%s/f/x", dir);
	assert_int_equal(mkdir_parents(path, 0700), -ENOTDIR);
	assert_int_equal(mkdir_parents(file, 0700), -ENOTDIR);
	assert_int_equal(unlink(file), 0);
	(void)snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(rmdir(path), 0);
	(void)snprintf(path, sizeof(path), "%s/a/b", dir);
	assert_int_equal(rmdir(path), 0);
	(void)snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* More than one pipe read's worth, so that read_small has to loop. */
static void test_write_read_pipe(void **state)
{
	static char msg[8192], got[sizeof(msg) + 1];
	int p[2];

	(void)state;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (char)('a' + i % 26);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write_all(p[1], msg, 4096), 0);
	assert_int_equal(write_all(p[1], msg + 4096, sizeof(msg) - 4096), 0);
	assert_int_equal(close(p[1]), 0);
	assert_int_equal(read_small(p[0], got, sizeof(got)), (int)sizeof(msg));
	assert_memory_equal(got, msg, sizeof(msg));
	assert_int_equal(got[sizeof(msg)], '\0');
	assert_int_equal(close(p[0]), 0);
}

/* What does not fit is left unread; the buffer is still a string. */
static void test_read_small_truncates(void **state)
{
	char buf[4];
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write_all(p[1], "abcdef", 6), 0);
	assert_int_equal(read_small(p[0], buf, sizeof(buf)), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(read_small(p[0], buf, 1), 0);
	assert_string_equal(buf, "");
	assert_int_equal(close(p[1]), 0);
	assert_int_equal(read_small(p[0], buf, sizeof(buf)), 3);
	assert_string_equal(buf, "def");
	assert_int_equal(close(p[0]), 0);
}

static void test_write_all_errors(void **state)
{
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	/* The read end cannot be written. */
	assert_int_equal(write_all(p[0], "x", 1), -EBADF);
	assert_int_equal(write_all(p[1], "", 0), 0);
	assert_int_equal(close(p[0]), 0);
	assert_int_equal(close(p[1]), 0);
}

static void test_read_small_file(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(read_small_file("/nonexistent/latch-test", buf, sizeof(buf)), -ENOENT);
	assert_true(read_small_file("/proc/self/stat", buf, sizeof(buf)) == (int)sizeof(buf) - 1);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_int_equal(read_small_file("/proc/sys/kernel/ostype", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "Linux\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdir_parents),
		cmocka_unit_test(test_write_read_pipe),
		cmocka_unit_test(test_read_small_truncates),
		cmocka_unit_test(test_write_all_errors),
		cmocka_unit_test(test_read_small_file),
	};

	return cmocka_run_group_tests_name("fs-util", tests, NULL, NULL);
}
