/* A bounded breadth-first walk with openat/fdopendir: nothing is followed
 * through a symlink, and unreadable directories are skipped (the program in
 * the sandbox cannot read them either). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/repo-find.h"
#include "base/strv.h"

static bool skipped(const char *name)
{
	static const char *const names[] = { ".git", "__pycache__", ".venv", "node_modules", "target", "venv" };

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static bool has_git_dir(int dfd)
{
	struct stat st;

	return fstatat(dfd, ".git", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

int repo_find(const char *dir, char ***ret)
{
	return repo_find_bounded(dir, REPO_FIND_DEPTH, REPO_FIND_DIRS, ret);
}

int repo_find_bounded(const char *dir, unsigned max_depth, size_t max_dirs, char ***ret)
{
	_cleanup_strv_free_ char **found = NULL, **level = NULL;
	struct stat st;
	size_t read_dirs = 0;
	int truncated = 0;

	*ret = NULL;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (strv_push(&level, dir) < 0)
		return -ENOMEM;
	for (unsigned depth = 0; level && depth <= max_depth; depth++) {
		_cleanup_strv_free_ char **next = NULL;

		for (size_t i = 0; level[i]; i++) {
			_cleanup_close_ int dfd = -EBADF;
			struct dirent *de;
			DIR *d;

			if (read_dirs++ >= max_dirs) {
				truncated = 1;
				goto done;
			}
			dfd = open(level[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (dfd < 0)
				continue;
			if (has_git_dir(dfd) && strv_push(&found, level[i]) < 0)
				return -ENOMEM;
			if (depth == max_depth)
				continue;
			d = fdopendir(dfd);
			if (!d)
				continue;
			dfd = -EBADF; /* owned by d now */
			while ((de = readdir(d))) {
				char *child = NULL;

				struct stat cst;

				if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 || skipped(de->d_name))
					continue;
				if (de->d_type == DT_UNKNOWN) {
					if (fstatat(dirfd(d), de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0 ||
					    !S_ISDIR(cst.st_mode))
						continue;
				} else if (de->d_type != DT_DIR) {
					continue;
				}
				if (asprintf(&child, "%s/%s", strcmp(level[i], "/") == 0 ? "" : level[i], de->d_name) < 0 ||
				    strv_consume(&next, child) < 0) {
					(void)closedir(d);
					return -ENOMEM;
				}
			}
			(void)closedir(d);
		}
		strv_free(level);
		level = next;
		next = NULL;
	}
done:
	*ret = found;
	found = NULL;
	return truncated;
}
