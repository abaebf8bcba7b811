/* The shared part of the escape corpus: the command line, the one result
 * line, and small helpers every case needs. See esc.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "esc.h"

#define ESC_TIMEOUT_S 20

enum esc_mode esc_mode = ESC_CONTROL;

static const char *esc_prog = "esc";

/* Under `make asan` the corpus is built without sanitizers; should it ever
 * be built with them, LeakSanitizer could not work inside a sandbox. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

/* The one line. Nothing else of the program's goes to stdout. */
static _noreturn_ void say(const char *word, const char *fmt, va_list ap)
{
	char detail[512];

	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	/* One line, whatever the detail holds. */
	for (char *p = detail; *p; p++)
		if (*p == '\n')
			*p = ' ';
	printf("%s %s\n", word, detail);
	(void)fflush(stdout);
	_exit(0);
}

void esc_worked(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(esc_mode == ESC_CONTROL ? "possible" : "escaped", fmt, ap);
}

static _noreturn_ void sayf(const char *word, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(word, fmt, ap);
}

void esc_failed(const char *step, int err)
{
	if (esc_mode == ESC_ATTACK)
		sayf("blocked", "%s: %s", step, esc_errno(err));
	if (err == ENOSYS)
		sayf("unsupported", "%s: ENOSYS (the kernel lacks it)", step);
	sayf("premise_failed", "%s: %s, without a sandbox", step, esc_errno(err));
}

void esc_killed(const char *step, int sig)
{
	const char *name = sigabbrev_np(sig);

	sayf(esc_mode == ESC_ATTACK ? "blocked" : "premise_failed", "%s: killed by SIG%s", step, name ? name : "?");
}

void esc_nothing(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(esc_mode == ESC_ATTACK ? "blocked" : "premise_failed", fmt, ap);
}

void esc_premise(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("premise_failed", fmt, ap);
}

void esc_unsupported(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("unsupported", fmt, ap);
}

const char *esc_errno(int err)
{
	static char buf[16];
	const char *s = strerrorname_np(err);

	if (s)
		return s;
	(void)snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

static _noreturn_ void usage(const struct esc_op *ops, size_t n_ops)
{
	fprintf(stderr, "usage: %s control|attack OP [ARG...]\n", esc_prog);
	for (size_t i = 0; i < n_ops; i++)
		fprintf(stderr, "  %s %s\n", ops[i].name, ops[i].args);
	exit(2);
}

long esc_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: bad number '%s'\n", esc_prog, s);
		exit(2);
	}
	return v;
}

pid_t esc_pid(const char *s)
{
	if (strcmp(s, "parent") == 0)
		return getppid();
	return (pid_t)esc_num(s, 1, 1L << 22);
}

int esc_fd_has(int fd, const char *mark)
{
	static char buf[65536];
	int n = read_small(fd, buf, sizeof(buf));

	if (n < 0)
		return n;
	return memmem(buf, (size_t)n, mark, strlen(mark)) != NULL;
}

int esc_path_has(const char *path, const char *mark)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return esc_fd_has(fd, mark);
}

void esc_read_verdict(int r, const char *step)
{
	if (r < 0)
		esc_failed(step, -r);
	if (r == 0)
		esc_nothing("%s: read, but the secret is not there", step);
	esc_worked("%s: read the secret", step);
}

void esc_read_or_fail(int dirfd, const char *path, int flags, const char *step, const char *mark)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | flags);

	if (fd < 0)
		esc_failed(step, errno);
	esc_read_verdict(esc_fd_has(fd, mark), step);
}

void esc_take_fd(pid_t pid, int fd, const char *mark)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), taken;

	if (pidfd < 0)
		esc_failed("pidfd_open", errno);
	taken = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (taken < 0)
		esc_failed("pidfd_getfd", errno);
	(void)lseek(taken, 0, SEEK_SET);
	esc_worked("took descriptor %d of pid %d%s", fd, (int)pid,
		   esc_fd_has(taken, mark) > 0 ? " and read the secret through it" : "");
}

int esc_child_status(int (*fn)(void *), void *arg, const char *step)
{
	pid_t pid, w;
	int status;

	(void)fflush(NULL);
	pid = fork();
	if (pid < 0)
		esc_premise("fork: %s", esc_errno(errno));
	if (pid == 0)
		_exit(fn(arg));
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		esc_premise("waitpid: %s", esc_errno(errno));
	if (WIFSIGNALED(status))
		esc_killed(step, WTERMSIG(status));
	if (WEXITSTATUS(status) >= ESC_CHILD_ERRNO)
		esc_failed(step, WEXITSTATUS(status) - ESC_CHILD_ERRNO);
	return WEXITSTATUS(status);
}

int esc_scratch_name(char *buf, size_t size, const char *dir, const char *tag)
{
	int n = snprintf(buf, size, "%s/.esc-%s-%d", dir, tag, (int)getpid());

	return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

int esc_main(int argc, char **argv, const struct esc_op *ops, size_t n_ops)
{
	const char *slash = strrchr(argv[0], '/');

	esc_prog = slash ? slash + 1 : argv[0];
	if (argc < 3)
		usage(ops, n_ops);
	if (strcmp(argv[1], "control") == 0)
		esc_mode = ESC_CONTROL;
	else if (strcmp(argv[1], "attack") == 0)
		esc_mode = ESC_ATTACK;
	else
		usage(ops, n_ops);
	for (size_t i = 0; i < n_ops; i++) {
		if (strcmp(argv[2], ops[i].name) != 0)
			continue;
		if (argc - 3 != ops[i].nargs)
			usage(ops, n_ops);
		(void)signal(SIGALRM, SIG_DFL);
		(void)alarm(ESC_TIMEOUT_S);
		ops[i].run(argv + 3);
		esc_premise("%s: the case reported nothing (a bug in the case)", ops[i].name);
	}
	usage(ops, n_ops);
}
