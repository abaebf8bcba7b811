/* Small file system helpers shared by the layers above. */
#ifndef LATCH_BASE_FS_UTIL_H
#define LATCH_BASE_FS_UTIL_H

#include <sys/types.h>

/* mkdir -p: create path and its missing parents with mode (less the umask).
 * An existing directory at any step is fine. Returns 0 or a negative errno
 * (-ENOTDIR when something other than a directory is in the way). */
int mkdir_parents(const char *path, mode_t mode);

#endif
