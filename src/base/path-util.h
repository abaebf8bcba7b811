/* Path helpers. Paths are byte strings: nothing here assumes UTF-8 except
 * utf8_is_valid(), which the CLI and the profile loader use to refuse
 * non-UTF-8 input. */
#ifndef LATCH_BASE_PATH_UTIL_H
#define LATCH_BASE_PATH_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* The longest path latch accepts, terminating NUL included (the kernel's). */
#define LATCH_PATH_MAX 4096

/* Normalize an absolute path lexically: collapse repeated slashes, drop "."
 * components and trailing slashes, apply ".." to the previous component
 * ("/.." stays "/"). Only correct where no component is a symlink, so use it
 * on paths that path_resolve() already resolved or that do not exist.
 * Returns 0, -EINVAL (relative or empty), -ENAMETOOLONG or -ENOMEM. */
int path_normalize(const char *path, char **ret);

/* Resolve an absolute path like realpath(3), but keep going where it stops:
 * symlinks in the part that exists are followed (at most 40), and the part
 * that does not exist is appended lexically. So a rule may name a path that
 * does not exist yet and still land where the kernel will see it.
 * Returns 0, -EINVAL, -ELOOP, -ENAMETOOLONG or -ENOMEM. */
int path_resolve(const char *path, char **ret);

/* Memo of lstat/readlink answers for path_resolve_cached(): profiles name
 * many paths under the same few directories (/etc, /usr, $HOME), so one load
 * asks about each prefix once. Valid only while the file system does not
 * change under it; keep one for a single profile load. */
struct path_cache {
	struct path_cache_entry *entries;
	size_t n, alloc;
};

/* path_resolve() with a memo; c may be NULL. */
int path_resolve_cached(struct path_cache *c, const char *path, char **ret);

void path_cache_done(struct path_cache *c);

/* Whether prefix is path itself or one of its ancestors, component-wise:
 * "/a" is a prefix of "/a" and "/a/b", not of "/ab". Both normalized. */
bool path_has_prefix(const char *path, const char *prefix);

/* Whether rel is a relative path of plain components: not empty, no
 * leading or trailing '/', and no empty, "." or ".." component ("a..b" is
 * plain). Joined to a directory, it names something inside it. */
bool path_is_plain_relative(const char *rel);

/* Number of components: "/" is 0, "/a" is 1, "/a/b" is 2. Normalized input. */
unsigned path_depth(const char *path);

/* Whether s is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool utf8_is_valid(const char *s);

/* The length in bytes (1 to 4) of the well-formed UTF-8 character s starts
 * with; 0 when its first byte begins none (or s is empty). For writers that
 * copy what is valid and escape each byte that is not. */
size_t utf8_char_len(const char *s);

#endif
