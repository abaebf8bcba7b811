/* The launch sequence of static mode: close inherited fds, apply Landlock,
 * then seccomp, then execve in place (no fork). */
#ifndef LATCH_SANDBOX_LAUNCH_H
#define LATCH_SANDBOX_LAUNCH_H

#include "sandbox/landlock.h"
#include "sandbox/seccomp.h"

struct launch {
	const struct landlock_plan *landlock; /* prepared */
	struct sfilter_plan sfilter;
	char *const *envp;
	const char *file;      /* resolved program path */
	char *const *argv;
	const int *keep_fds;   /* inherited fds to keep open besides 0-2 */
	size_t n_keep_fds;
};

/* Find a program like execvp would, in the PATH given (colon separated). A
 * name with a '/' is taken as is. Returns 0, -ENOENT (127) or -EACCES (126). */
int launch_find_program(const char *name, const char *path_env, char **ret);

/* Apply the sandbox to this process and execve. Returns only on failure:
 * a negative errno with err set; err->code is the errno of the step that
 * failed. When execve itself fails, *ret_exec_failed is set. */
int launch_exec(const struct launch *l, bool *ret_exec_failed, struct error *err);

#endif
