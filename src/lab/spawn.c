/* The lane pool: fork, exec, poll every running job's stdout and stderr,
 * reap, start the next. A job that outlives its deadline is killed with its
 * whole process group. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/macro.h"
#include "lab/spawn.h"

static long long mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

unsigned lab_default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 2)
		n = 2;
	return n > LAB_WORKERS_MAX ? LAB_WORKERS_MAX : (unsigned)n;
}

void lab_job_done(struct lab_job *j)
{
	free(j->out);
	free(j->err);
	j->out = j->err = NULL;
}

_noreturn_ static void child(const struct lab_job *j, int out, int err)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* A session of its own: no controlling terminal (a supervisor finds
	 * nobody to ask, and answers from the profile), and one group to kill. */
	(void)setsid();
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
		_exit(125);
	(void)signal(SIGPIPE, SIG_DFL);
	execv(j->argv[0], j->argv);
	dprintf(STDERR_FILENO, "latch lab: cannot execute '%s': %s\n", j->argv[0], strerror(errno));
	_exit(127);
}

static int start(struct lab_job *j, long timeout_ms)
{
	int out[2], err[2];

	j->out = calloc(1, LAB_JOB_OUT_MAX + 1);
	j->err = calloc(1, LAB_JOB_ERR_MAX + 1);
	j->exit_status = -1;
	j->fd_out = j->fd_err = -1;
	if (!j->out || !j->err)
		return -ENOMEM;
	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		int e = errno;

		(void)close(out[0]);
		(void)close(out[1]);
		return -e;
	}
	fflush(NULL);
	j->pid = fork();
	if (j->pid == 0)
		child(j, out[1], err[1]);
	(void)close(out[1]);
	(void)close(err[1]);
	if (j->pid < 0) {
		int e = errno;

		(void)close(out[0]);
		(void)close(err[0]);
		return -e;
	}
	j->fd_out = out[0];
	j->fd_err = err[0];
	j->deadline = mono_ms() + timeout_ms;
	j->duration_ms = -mono_ms();
	return 0;
}

/* Read what is there; close the fd at EOF. */
static void drain(int *fd, char *buf, size_t *len, size_t max, bool *truncated)
{
	char tmp[8192];
	ssize_t n = read(*fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		(void)close(*fd);
		*fd = -1;
		return;
	}
	if (*len + (size_t)n > max) {
		if (truncated)
			*truncated = true;
		n = (ssize_t)(max - *len);
	}
	memcpy(buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	buf[*len] = '\0';
}

static void finish(struct lab_job *j)
{
	int status = 0;

	for (int i = 0; i < 2; i++) {
		int *fd = i ? &j->fd_err : &j->fd_out;

		if (*fd >= 0)
			(void)close(*fd);
		*fd = -1;
	}
	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	j->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	j->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	j->duration_ms += mono_ms();
	j->pid = 0;
}

void lab_jobs_run(struct lab_job *jobs, size_t n, unsigned workers, long timeout_ms)
{
	size_t next = 0, running = 0;
	struct lab_job *active[LAB_WORKERS_MAX];

	if (workers < 1)
		workers = 1;
	if (workers > LAB_WORKERS_MAX)
		workers = LAB_WORKERS_MAX;
	while (next < n || running > 0) {
		struct pollfd p[2 * LAB_WORKERS_MAX];
		long long now = mono_ms(), wait = 1000;

		while (running < workers && next < n) {
			struct lab_job *j = &jobs[next++];
			int r = start(j, timeout_ms);

			if (r < 0) {
				j->start_errno = -r;
				continue;
			}
			active[running++] = j;
		}
		for (size_t i = 0; i < running; i++) {
			struct lab_job *j = active[i];

			if (j->deadline - now < wait)
				wait = j->deadline - now > 0 ? j->deadline - now : 0;
			p[2 * i] = (struct pollfd){ .fd = j->fd_out, .events = POLLIN };
			p[2 * i + 1] = (struct pollfd){ .fd = j->fd_err, .events = POLLIN };
		}
		if (running && poll(p, 2 * running, (int)wait) < 0 && errno != EINTR)
			break;
		now = mono_ms();
		for (size_t i = 0; i < running;) {
			struct lab_job *j = active[i];

			if (p[2 * i].revents)
				drain(&j->fd_out, j->out, &j->out_len, LAB_JOB_OUT_MAX, &j->out_truncated);
			if (p[2 * i + 1].revents)
				drain(&j->fd_err, j->err, &j->err_len, LAB_JOB_ERR_MAX, NULL);
			if (j->fd_out >= 0 && now >= j->deadline) {
				j->timed_out = true;
				(void)kill(-j->pid, SIGKILL);
				(void)kill(j->pid, SIGKILL);
			} else if (j->fd_out >= 0 || j->fd_err >= 0) {
				i++;
				continue;
			}
			finish(j);
			active[i] = active[--running];
			memmove(&p[2 * i], &p[2 * running], 2 * sizeof(p[0]));
		}
	}
}
