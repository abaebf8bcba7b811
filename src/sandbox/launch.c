/* Static mode: latch becomes the sandboxed program. Every step runs in the
 * process that will exec, in the order the kernel requires: after Landlock
 * the process could no longer do what comes before it. */
#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/path-util.h"
#include "sandbox/launch.h"

static int check_program(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == EACCES ? -EACCES : -ENOENT;
	if (S_ISDIR(st.st_mode) || access(path, X_OK) < 0)
		return -EACCES;
	return 0;
}

int launch_find_program(const char *name, const char *path_env, char **ret)
{
	const char *p;
	bool seen_eacces = false;

	if (!name[0])
		return -ENOENT;
	if (strchr(name, '/')) {
		int r = check_program(name);

		if (r < 0)
			return r;
		*ret = strdup(name);
		return *ret ? 0 : -ENOMEM;
	}
	if (!path_env)
		path_env = "/usr/local/bin:/usr/bin:/bin";
	for (p = path_env;; p++) {
		size_t len = strcspn(p, ":");
		char cand[LATCH_PATH_MAX];
		int r;

		/* An empty entry means the current directory, as for execvp. */
		r = snprintf(cand, sizeof(cand), "%.*s%s%s", (int)len, len ? p : ".", "/", name);
		if (r > 0 && (size_t)r < sizeof(cand)) {
			r = check_program(cand);
			if (r == 0) {
				*ret = strdup(cand);
				return *ret ? 0 : -ENOMEM;
			}
			if (r == -EACCES)
				seen_eacces = true;
		}
		p += len;
		if (*p == '\0')
			break;
	}
	return seen_eacces ? -EACCES : -ENOENT;
}

/* Mark every fd from 3 up close-on-exec, so nothing latch inherited reaches
 * the program by accident. latch's own fds (Landlock paths) stay usable
 * until execve. */
static int cloexec_inherited_fds(struct error *err)
{
	_cleanup_close_ int dfd = -EBADF;
	DIR *d;
	struct dirent *de;

	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return error_set(err, errno, "cannot mark inherited fds close-on-exec: %s", strerror(errno));
	/* Kernels before 5.11: walk /proc/self/fd. */
	d = opendir("/proc/self/fd");
	if (!d)
		return error_set(err, errno, "cannot list inherited fds: %s", strerror(errno));
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || fd < 3 || fd == dirfd(d))
			continue;
		(void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
	(void)closedir(d);
	return 0;
}

int launch_exec(const struct launch *l, bool *ret_exec_failed, struct error *err)
{
	int r;

	*ret_exec_failed = false;
	r = cloexec_inherited_fds(err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l->n_keep_fds; i++)
		if (fcntl(l->keep_fds[i], F_SETFD, 0) < 0)
			return error_set(err, errno, "cannot keep fd %d open: %s", l->keep_fds[i], strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_set(err, errno, "cannot set no_new_privs: %s", strerror(errno));
	r = landlock_apply(l->landlock, err);
	if (r < 0)
		return r;
	r = sfilter_apply(&l->sfilter, err);
	if (r < 0)
		return r;
	execve(l->file, l->argv, l->envp);
	*ret_exec_failed = true;
	return error_set(err, errno, "cannot execute '%s': %s", l->file, strerror(errno));
}
