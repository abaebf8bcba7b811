/* Finding the git repositories below a directory, for the protection of
 * what they run later (hooks, configuration). */
#ifndef LATCH_BASE_REPO_FIND_H
#define LATCH_BASE_REPO_FIND_H

#include <stddef.h>

#define REPO_FIND_DEPTH 4      /* directories below the start that are searched */
#define REPO_FIND_DIRS 20000   /* directories read at most */

/* The directories at or below dir (absolute) that hold a .git directory,
 * breadth first, up to REPO_FIND_DEPTH levels below dir and REPO_FIND_DIRS
 * directories read. Symlinks are not followed; a repository's own .git and
 * the usual dependency and build trees (node_modules, target, .venv, venv,
 * __pycache__) are not searched. *ret is a NULL-terminated strv (NULL when
 * none). Returns 0, 1 when a bound stopped the search (what was found is
 * still returned), -ENOTDIR or -ENOENT when dir is not a directory, or
 * another negative errno. */
int repo_find(const char *dir, char ***ret);

/* The same with other bounds (tests). */
int repo_find_bounded(const char *dir, unsigned max_depth, size_t max_dirs, char ***ret);

#endif
