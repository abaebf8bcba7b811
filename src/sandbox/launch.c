/* Static mode: latch becomes the sandboxed program. Every step runs in the
 * process that will exec, in the order the kernel requires: after Landlock
 * the process could no longer do what comes before it. */
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <termios.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/path-util.h"
#include "sandbox/caps.h"
#include "sandbox/launch.h"
#include "sandbox/namespaces.h"

static int check_program(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == EACCES ? -EACCES : -ENOENT;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (access(path, X_OK) < 0)
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
			if (r == -EACCES || r == -EISDIR)
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

/* Everything after namespaces and mounts, in the process that will exec:
 * fds, limits, capabilities, no_new_privs, Landlock, seccomp. */
static int apply_restrictions(const struct launch *l, struct error *err)
{
	int r;

	r = cloexec_inherited_fds(err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l->n_keep_fds; i++)
		if (fcntl(l->keep_fds[i], F_SETFD, 0) < 0)
			return error_set(err, errno, "cannot keep fd %d open: %s", l->keep_fds[i], strerror(errno));
	if (l->limits && (r = limits_apply_rlimits(l->limits, err)) < 0)
		return r;
	r = caps_drop(l->caps_extra, err);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_set(err, errno, "cannot set no_new_privs: %s", strerror(errno));
	r = landlock_apply(l->landlock, err);
	if (r < 0)
		return r;
	return sfilter_apply(&l->sfilter, err);
}

int launch_exec(const struct launch *l, bool *ret_exec_failed, struct error *err)
{
	int r;

	*ret_exec_failed = false;
	r = apply_restrictions(l, err);
	if (r < 0)
		return r;
	execve(l->file, l->argv, l->envp);
	*ret_exec_failed = true;
	return error_set(err, errno, "cannot execute '%s': %s", l->file, strerror(errno));
}

/* ---- isolated mode ---- */

static volatile pid_t forward_to = -1;

static void forward(int sig)
{
	int saved = errno;

	if ((sig == SIGINT || sig == SIGQUIT) && isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp()) {
		errno = saved;
		return; /* the terminal sent it to the whole group already */
	}
	if (forward_to > 0)
		(void)kill(forward_to, sig);
	errno = saved;
}

void launch_forward_signals(pid_t pid)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };

	forward_to = pid;
	(void)sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
		(void)sigaction(sigs[i], &sa, NULL);
}

/* What the sandbox's pid 1 tells latch outside, once, before it exits. */
struct init_report {
	int wait_status;
	int exec_errno;
	int setup_errno;          /* setup failed: nothing ran */
	char message[ERROR_MSG_MAX];
};

static _noreturn_ void init_report_exit(int fd, const struct init_report *rep, int code)
{
	(void)!write(fd, rep, sizeof(*rep));
	_exit(code);
}

/* pid 1 is a copy of latch, not a new program: its /proc/1/environ is
 * latch's own environment, before the profile's env rules. Blank it, so
 * that a variable the profile drops cannot be read back there (the
 * program gets l->envp, a copy). */
static void blank_own_environ(void)
{
	for (char **e = environ; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
	environ = NULL;
}

/* Whether the plan's path i lies strictly below dir and below no other
 * such path (a tree is kept by one bind). */
static bool kept_below(const struct landlock_plan *ll, size_t i, const char *dir)
{
	const char *p = ll->paths[i].path;

	if (ll->paths[i].missing || strcmp(p, dir) == 0 || !path_has_prefix(p, dir))
		return false;
	for (size_t k = 0; k < ll->n_paths; k++) {
		const char *q = ll->paths[k].path;

		if (k != i && !ll->paths[k].missing && strcmp(q, dir) != 0 && path_has_prefix(q, dir) &&
		    strcmp(q, p) != 0 && path_has_prefix(p, q))
			return false;
	}
	return true;
}

/* A private directory: an empty tmpfs over dir, with every path the
 * Landlock plan grants below it bound back in (a project, $HOME or $TMPDIR
 * inside /tmp stays what it was, masks included), so that only what no
 * rule names disappears; then the rules below dir name the new objects.
 * The binds come from this mount namespace's own view, taken before the
 * tmpfs covers it. */
static int mount_private(const struct launch *l, const char *dir, struct error *err)
{
	struct landlock_plan *ll = (struct landlock_plan *)l->landlock;
	_cleanup_free_ int *src = NULL;
	char cwd[PATH_MAX];
	bool moved_cwd = false;
	int r = 0;

	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	src = calloc(ll && ll->n_paths ? ll->n_paths : 1, sizeof(*src));
	if (!src)
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; ll && i < ll->n_paths; i++)
		src[i] = kept_below(ll, i, dir) ? open(ll->paths[i].path, O_PATH | O_CLOEXEC) : -1;
	if (mount("latch-private", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		r = error_set(err, errno, "cannot mount a private directory over '%s': %s", dir, strerror(errno));
	for (size_t i = 0; r == 0 && ll && i < ll->n_paths; i++) {
		const struct landlock_path *lp = &ll->paths[i];
		char from[64];
		int e;

		if (src[i] < 0)
			continue;
		(void)snprintf(from, sizeof(from), "/proc/self/fd/%d", src[i]);
		e = mask_mount_point(lp->path, lp->is_dir);
		if (e == 0 && mount(from, lp->path, NULL, MS_BIND | MS_REC, NULL) < 0)
			e = -errno;
		if (e < 0)
			r = error_set(err, -e, "cannot keep '%s' in the private '%s': %s", lp->path, dir, strerror(-e));
		moved_cwd = moved_cwd || (cwd[0] && path_has_prefix(cwd, lp->path));
	}
	for (size_t i = 0; ll && i < ll->n_paths; i++)
		if (src[i] >= 0)
			(void)close(src[i]);
	if (r < 0)
		return r;
	/* The working directory, found again through the bind. */
	if (moved_cwd)
		(void)!chdir(cwd);
	return landlock_reopen_under(ll, dir, err);
}

/* Close every descriptor of pid 1 from 3 up but REPORT_FD and the kept
 * ones. pid 1 shares the program's Landlock domain, uid and capabilities,
 * so the program could take any descriptor it holds with pidfd_getfd:
 * what latch inherited from its caller (which the program must not get),
 * the Landlock rules' paths, the socket the listener went out on. */
static int close_all_but(int report_fd, const int *keep, size_t n_keep, struct error *err)
{
	unsigned int from = 3;

	for (;;) {
		unsigned int next = ~0U; /* the lowest descriptor to keep at or above from */

		if (report_fd >= 0 && (unsigned int)report_fd >= from)
			next = (unsigned int)report_fd;
		for (size_t i = 0; i < n_keep; i++)
			if (keep[i] >= 0 && (unsigned int)keep[i] >= from && (unsigned int)keep[i] < next)
				next = (unsigned int)keep[i];
		/* close_range is Linux 5.9; Landlock needs 5.13. */
		if (next > from && syscall(SYS_close_range, from, next == ~0U ? ~0U : next - 1, 0) < 0)
			return error_set(err, errno, "cannot close pid 1's descriptors: %s", strerror(errno));
		if (next == ~0U)
			return 0;
		from = next + 1;
	}
}

/* pid 1 of the sandbox: set up, start the program, reap, report. */
static _noreturn_ void sandbox_init(const struct launch *l, int sync[2], int report_fd)
{
	struct init_report rep = { .wait_status = 0 };
	struct error err = { 0 };
	int status;
	pid_t child, pid;

	blank_own_environ();
	if (ns_child_wait(sync) < 0)
		_exit(125);
	if (l->child_setup)
		(void)l->child_setup(l->before_exec_data);
	if (ns_setup_mounts(l->ns_flags & CLONE_NEWPID, &err) < 0)
		goto fail;
	/* Overlays first, then what the masks hide and protect in them; the
	 * rules below an overlay name its objects. */
	if (l->n_overlays && overlay_mount(l->overlays, l->n_overlays, &err) < 0)
		goto fail;
	for (size_t i = 0; i < l->n_overlays; i++)
		if (landlock_reopen_under((struct landlock_plan *)l->landlock, l->overlays[i].dir, &err) < 0)
			goto fail;
	if (mask_apply(l->masks, &err) < 0)
		goto fail;
	if (l->net_bridge > 0 && (l->ns_flags & CLONE_NEWNET)) {
		if (ns_bridge_open(l->net_bridge, l->net_bridge_port, &err) < 0)
			goto fail;
		(void)close(l->net_bridge);
	}
	/* This process's own copy of the plan: rules under /proc must name the
	 * fresh proc's inodes, not the host's. */
	if ((l->ns_flags & CLONE_NEWPID) &&
	    landlock_reopen_under((struct landlock_plan *)l->landlock, "/proc", &err) < 0)
		goto fail;
	for (size_t i = 0; l->private_dirs && l->private_dirs[i]; i++)
		if (mount_private(l, l->private_dirs[i], &err) < 0)
			goto fail;
	if (apply_restrictions(l, &err) < 0)
		goto fail;
	if (l->before_exec && l->before_exec(l->before_exec_data, &err) < 0)
		goto fail;
	if (close_all_but(report_fd, l->keep_fds, l->n_keep_fds, &err) < 0)
		goto fail;
	/* posix_spawn: a vfork-style start (nothing to copy), and glibc
	 * reports a failed exec as its return value. */
	rep.exec_errno = posix_spawn(&child, l->file, NULL, NULL, l->argv, l->envp);
	/* The kept descriptors are the program's now. */
	for (size_t i = 0; i < l->n_keep_fds; i++)
		if (l->keep_fds[i] != report_fd)
			(void)close(l->keep_fds[i]);
	if (rep.exec_errno) {
		rep.wait_status = 127 << 8;
		init_report_exit(report_fd, &rep, 0);
	}
	launch_forward_signals(child);
	/* Reap everything; the program's own status is the answer. Returning
	 * ends the namespace, and the kernel kills what is left in it. */
	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		if (pid == child) {
			rep.wait_status = status;
			break;
		}
	}
	/* The program is done: end whatever it left behind and reap it all
	 * before reporting, so that nothing from the sandbox outlives the
	 * report. (Tearing the namespaces down is then the kernel's business,
	 * which latch need not wait for.) */
	(void)kill(-1, SIGKILL);
	while (waitpid(-1, &status, 0) > 0 || errno == EINTR)
		;
	init_report_exit(report_fd, &rep, 0);
fail:
	rep.setup_errno = err.code ? err.code : EINVAL;
	(void)snprintf(rep.message, sizeof(rep.message), "%s", err.msg);
	init_report_exit(report_fd, &rep, 125);
}

/* Static mode with a supervisor: the child is the program itself. */
static _noreturn_ void plain_child(const struct launch *l, int report_fd)
{
	struct init_report rep = { 0 };
	struct error err = { 0 };

	/* Die with latch; if latch is already gone, do not start. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != l->parent)
		_exit(125);
	if (l->child_setup)
		(void)l->child_setup(l->before_exec_data);
	if (apply_restrictions(l, &err) < 0 || (l->before_exec && l->before_exec(l->before_exec_data, &err) < 0)) {
		rep.setup_errno = err.code ? err.code : EINVAL;
		(void)snprintf(rep.message, sizeof(rep.message), "%s", err.msg);
		init_report_exit(report_fd, &rep, 125);
	}
	execve(l->file, l->argv, l->envp);
	rep.exec_errno = errno;
	rep.wait_status = 127 << 8;
	init_report_exit(report_fd, &rep, 127);
}

int launch_start(const struct launch *l, struct launch_child *ret, struct error *err)
{
	int sync[2] = { -1, -1 }, report[2], r = 0;
	pid_t pid;

	memset(ret, 0, sizeof(*ret));
	ret->report_fd = -1;
	if (pipe2(report, O_CLOEXEC) < 0)
		return error_set(err, errno, "cannot create a pipe: %s", strerror(errno));
	fflush(NULL);
	if (l->ns_flags) {
		pid = ns_clone(l->ns_flags, sync);
	} else {
		pid = fork();
		if (pid < 0)
			pid = -errno;
	}
	if (pid < 0) {
		(void)close(report[0]);
		(void)close(report[1]);
		ret->clone_failed = l->ns_flags != 0;
		return error_set(err, -pid, "cannot %s: %s", l->ns_flags ? "create namespaces" : "fork",
				 strerror(-pid));
	}
	if (pid == 0) {
		(void)close(report[0]);
		if (l->ns_flags)
			sandbox_init(l, sync, report[1]);
		plain_child(l, report[1]);
	}
	(void)close(report[1]);
	ret->pid = pid;
	ret->report_fd = report[0];
	if (l->ns_flags) {
		if (l->ns_flags & CLONE_NEWUSER)
			r = ns_write_maps(pid, err);
		if (r == 0 && l->cgroup)
			r = cgroup_attach(l->cgroup, pid, err);
		ns_child_release(sync, r == 0);
	}
	launch_forward_signals(pid);
	if (r == 0 && l->started)
		l->started(l->started_data, pid);
	return r;
}

int launch_finish(struct launch_child *c, const struct launch *l, struct launch_result *ret, struct error *err)
{
	struct init_report rep = { 0 };
	int status = 0;
	pid_t w;
	ssize_t n;

	memset(ret, 0, sizeof(*ret));
	/* The report comes once everything in the sandbox is gone (isolated),
	 * or at a failed exec (static); pid 1's own exit, the teardown of its
	 * namespaces, need not be waited for. */
	do
		n = read(c->report_fd, &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	(void)close(c->report_fd);
	c->report_fd = -1;
	if (c->reaped) {
		status = c->status;
	} else if (!l->ns_flags || n != sizeof(rep)) {
		do
			w = waitpid(c->pid, &status, 0);
		while (w < 0 && errno == EINTR);
	}
	if (n != sizeof(rep)) {
		/* No report: the program ran (static mode), or pid 1 died
		 * without a word (killed from outside). The status is all. */
		ret->wait_status = status;
		return 0;
	}
	if (rep.setup_errno)
		return error_set(err, rep.setup_errno, "%s", rep.message);
	ret->wait_status = l->ns_flags ? rep.wait_status : status;
	ret->exec_errno = rep.exec_errno;
	if (rep.exec_errno)
		return error_set(err, rep.exec_errno, "cannot execute '%s': %s", l->file, strerror(rep.exec_errno));
	return 0;
}

int launch_isolated(const struct launch *l, struct launch_result *ret, struct error *err)
{
	struct launch_child c;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = launch_start(l, &c, err);
	if (r < 0 && c.pid <= 0) {
		ret->clone_failed = c.clone_failed;
		return r;
	}
	if (r < 0) {
		(void)launch_finish(&c, l, ret, err);
		return r;
	}
	return launch_finish(&c, l, ret, err);
}
