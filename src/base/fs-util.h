/* Small file system helpers shared by the layers above. */
#ifndef LATCH_BASE_FS_UTIL_H
#define LATCH_BASE_FS_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p: create path and its missing parents with mode (less the umask).
 * An existing directory at any step is fine. Returns 0 or a negative errno
 * (-ENOTDIR when something other than a directory is in the way). */
int mkdir_parents(const char *path, mode_t mode);

/* Write all len bytes of buf to fd, across short writes and EINTR.
 * Returns 0 or a negative errno (-EIO when write() wrote nothing). */
int write_all(int fd, const void *buf, size_t len);

/* Read fd to its end, or until buf holds size - 1 bytes, across short
 * reads and EINTR; buf is NUL-terminated (size must be at least 1).
 * Returns the number of bytes read or a negative errno. For small text
 * files such as those of /proc and /sys; what does not fit is not read. */
int read_small(int fd, char *buf, size_t size);

/* The whole of the file at path relative to dirfd, never through a
 * symlink in its last component, NUL-terminated (it may hold NULs: its
 * length is in *ret_len). NULL when it cannot be read (errno says why). */
char *read_all_at(int dirfd, const char *path, size_t *ret_len);

/* rm -r of name relative to dirfd (AT_FDCWD: the current directory),
 * never following a symlink, making a directory it must enter searchable
 * first. 0 when it is gone (or was not there), or a negative errno. */
int remove_tree_at(int dirfd, const char *name);

/* The same for the file at path, opened read-only. */
int read_small_file(const char *path, char *buf, size_t size);

#endif
