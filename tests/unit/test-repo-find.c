/* Tests for src/base/repo-find.c: which repositories are found (at the
 * start, below it, at the depth bound and not past it), what is not
 * searched (symlinks, dependency trees, a .git file), and that a search
 * stopped by its bound says so. Real directories under a temporary one. */
#include <errno.h>
#include <fcntl.h>
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

#include "base/repo-find.h"
#include "base/strv.h"

static char root[64];

static void mk(const char *rel)
{
	char path[512], *p;

	(void)snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		(void)mkdir(path, 0755);
		*p = '/';
	}
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static bool has(char **v, const char *rel)
{
	char path[512];

	(void)snprintf(path, sizeof(path), "%s%s%s", root, rel[0] ? "/" : "", rel);
	return strv_contains(v, path);
}

static int setup(void **state)
{
	(void)state;
	(void)snprintf(root, sizeof(root), "/tmp/latch-repo-find.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_found_and_not(void **state)
{
	_cleanup_strv_free_ char **v = NULL;
	char link[512], file[512];
	int fd;

	(void)state;
	mk(".git");
	mk("a/.git");
	mk("b/c/d/e/.git");       /* e is 4 below the start: found */
	mk("b/c/d/e/f/.git");     /* 5 below: past the bound */
	mk("node_modules/x/.git");
	mk("a/.git/modules/sub/.git");
	mk("w");
	(void)snprintf(file, sizeof(file), "%s/w/.git", root);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644); /* a worktree's .git file */
	assert_true(fd >= 0);
	(void)close(fd);
	(void)snprintf(link, sizeof(link), "%s/linked", root);
	assert_int_equal(symlink(root, link), 0);

	assert_int_equal(repo_find(root, &v), 0);
	assert_true(has(v, ""));
	assert_true(has(v, "a"));
	assert_true(has(v, "b/c/d/e"));
	assert_false(has(v, "b/c/d/e/f"));
	assert_false(has(v, "node_modules/x"));
	assert_false(has(v, "a/.git/modules/sub"));
	assert_false(has(v, "w"));
	assert_false(has(v, "linked"));
	assert_int_equal(strv_length(v), 3);
}

static void test_not_a_directory(void **state)
{
	char **v = (char **)1;
	char file[512];
	int fd;

	(void)state;
	(void)snprintf(file, sizeof(file), "%s/plain", root);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	(void)close(fd);
	assert_int_equal(repo_find(file, &v), -ENOTDIR);
	assert_null(v);
	(void)snprintf(file, sizeof(file), "%s/missing", root);
	assert_int_equal(repo_find(file, &v), -ENOENT);
}

static void test_bound(void **state)
{
	_cleanup_strv_free_ char **v = NULL;
	char path[512];

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/many", root);
	assert_int_equal(mkdir(path, 0755), 0);
	for (int i = 0; i < 60; i++) {
		(void)snprintf(path, sizeof(path), "%s/many/%d", root, i);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	mk("many/.git");
	(void)snprintf(path, sizeof(path), "%s/many", root);
	assert_int_equal(repo_find_bounded(path, REPO_FIND_DEPTH, 50, &v), 1);
	assert_true(has(v, "many")); /* what was found before the bound is kept */
	v = strv_free(v);
	assert_int_equal(repo_find_bounded(path, REPO_FIND_DEPTH, 100, &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_found_and_not, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound, setup, teardown),
	};

	return cmocka_run_group_tests_name("repo_find", tests, NULL, NULL);
}
