/* try-op: perform exactly one operation and say how it went.
 *
 *   try-op OP ARGS...
 *
 * Prints "ok" and exits 0 when the operation succeeded, prints the errno's
 * name (EACCES, EPERM, EXDEV, ...) and exits 1 when it failed, and prints a
 * usage message and exits 2 when the arguments are wrong. `exec` replaces
 * the process on success, so its exit status is the program's.
 *
 * A few operations pass a deliberately bad pointer or flag (bpf, keyctl,
 * unshare-user, tiocsti, ptrace-nopid): when the kernel is reached it answers
 * EFAULT, EINVAL or ESRCH, whereas a seccomp filter answers before it looks
 * at the arguments. A test can therefore tell "refused by the sandbox" from
 * "refused by the kernel" (bubblewrap's try-syscall trick).
 *
 * The helpers tcp-listen, abstract-listen, unix-listen, pty-run, free-port
 * and sleep are meant to run OUTSIDE the sandbox; the listeners print one
 * line when they are ready, accept one connection and exit, and every one of
 * them gives up after TRY_OP_TIMEOUT seconds (alarm), so a failed test
 * leaves nothing running for long. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define TRY_OP_TIMEOUT 20

/* Under `make asan`, LeakSanitizer would run at exit inside the sandbox,
 * where it can read neither /proc nor ptrace, and turn every result into its
 * own fatal error. A helper this small has no leaks worth that. (Ignored
 * unless the program is built with -fsanitize=address.) */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static const char *errname(int e)
{
	static char buf[16];
	const char *s = strerrorname_np(e);

	if (s)
		return s;
	(void)snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* Report the result of an operation: r < 0 means "failed with errno". */
static int report(int r)
{
	if (r < 0) {
		printf("%s\n", errname(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}

static int parse_port(const char *s, in_port_t *ret)
{
	long v;

	if (parse_long(s, 0, 65535, &v) < 0)
		return -1;
	*ret = (in_port_t)v;
	return 0;
}

static int inet_addr_of(const char *host, const char *port, struct sockaddr_in *sa)
{
	in_port_t p;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1 || parse_port(port, &p) < 0)
		return -1;
	sa->sin_port = htons(p);
	return 0;
}

/* An abstract name ("\0NAME") or a path, as a sockaddr_un and its length. */
static int unix_addr_of(const char *name, int abstract, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(name);
	size_t off = abstract ? 1 : 0;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n == 0 || n + off >= sizeof(sa->sun_path))
		return -1;
	memcpy(sa->sun_path + off, name, n);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + off + n + (abstract ? 0 : 1));
	return 0;
}

static int op_read(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf)) < 0) {
		int e = errno;

		(void)close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

static int op_write(const char *path, int flags, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);

	if (fd < 0)
		return -1;
	if (write(fd, data, strlen(data)) < 0) {
		int e = errno;

		(void)close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

static int op_listdir(const char *path)
{
	DIR *d = opendir(path);

	if (!d)
		return -1;
	errno = 0;
	while (readdir(d))
		;
	if (errno) {
		int e = errno;

		(void)closedir(d);
		errno = e;
		return -1;
	}
	return closedir(d);
}

static int op_tcp(const char *host, const char *port, int do_bind)
{
	struct sockaddr_in sa;
	int fd, r, e;

	if (inet_addr_of(host, port, &sa) < 0) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (do_bind) {
		int one = 1;

		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	e = errno;
	(void)close(fd);
	errno = e;
	return r;
}

static int op_socket(int domain, int type, int protocol)
{
	int fd = socket(domain, type | SOCK_CLOEXEC, protocol);

	if (fd < 0)
		return -1;
	return close(fd);
}

static int op_socketpair(int domain)
{
	int sv[2];

	if (socketpair(domain, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	(void)close(sv[0]);
	return close(sv[1]);
}

static int op_unix_connect(const char *name, int abstract)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd, r, e;

	if (unix_addr_of(name, abstract, &sa, &len) < 0) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	r = connect(fd, (struct sockaddr *)&sa, len);
	e = errno;
	(void)close(fd);
	errno = e;
	return r;
}

/* Listen on an abstract name and connect to it from the same process: an
 * abstract socket inside the sandbox, which scoping must leave reachable. */
static int op_abstract_self(const char *name)
{
	struct sockaddr_un sa;
	socklen_t len;
	int l, c, r, e;

	if (unix_addr_of(name, 1, &sa, &len) < 0) {
		errno = EINVAL;
		return -1;
	}
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -1;
	if (bind(l, (struct sockaddr *)&sa, len) < 0 || listen(l, 1) < 0) {
		e = errno;
		(void)close(l);
		errno = e;
		return -1;
	}
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0) {
		e = errno;
		(void)close(l);
		errno = e;
		return -1;
	}
	r = connect(c, (struct sockaddr *)&sa, len);
	e = errno;
	(void)close(c);
	(void)close(l);
	errno = e;
	return r;
}

/* Print what the listener is (a port, or "listening"), then accept one
 * connection. Runs outside the sandbox. */
static int serve_one(int fd, const char *ready)
{
	int c;

	alarm(TRY_OP_TIMEOUT);
	if (listen(fd, 8) < 0)
		return -1;
	printf("%s\n", ready);
	if (fflush(stdout) != 0)
		return -1;
	c = accept(fd, NULL, NULL);
	if (c < 0)
		return -1;
	(void)close(c);
	return close(fd);
}

static int op_tcp_listen(const char *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char ready[16];
	int fd, one = 1;

	if (inet_addr_of("127.0.0.1", port, &sa) < 0) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	(void)snprintf(ready, sizeof(ready), "%u", (unsigned)ntohs(sa.sin_port));
	return serve_one(fd, ready);
}

/* A TCP port on 127.0.0.1 that was free a moment ago. */
static int op_free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd;

	if (inet_addr_of("127.0.0.1", "0", &sa) < 0)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	printf("%u\n", (unsigned)ntohs(sa.sin_port));
	return close(fd);
}

static int op_unix_listen(const char *name, int abstract)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd;

	if (unix_addr_of(name, abstract, &sa, &len) < 0) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, len) < 0)
		return -1;
	return serve_one(fd, "listening");
}

static int op_kill(const char *pid, const char *sig)
{
	long p, s;

	if (parse_long(pid, 1, 1 << 22, &p) < 0 || parse_long(sig, 0, 64, &s) < 0) {
		errno = EINVAL;
		return -1;
	}
	return kill((pid_t)p, (int)s);
}

static int op_ptrace_attach(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return -1;
	if (waitpid(pid, &status, __WALL) < 0)
		return -1;
	return (int)ptrace(PTRACE_DETACH, pid, NULL, NULL);
}

/* Attach to a child of our own: inside one sandbox, so only seccomp (and
 * process.ptrace) can stand in the way. */
static int op_ptrace_child(void)
{
	pid_t pid = fork();
	int r, e;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		alarm(TRY_OP_TIMEOUT);
		for (;;)
			pause();
	}
	r = op_ptrace_attach(pid);
	e = errno;
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	errno = e;
	return r;
}

/* Create a pty, make its slave the controlling terminal and standard input of
 * a new session, and run argv there. Runs outside the sandbox. */
static int op_pty_run(char **argv)
{
	const char *slave;
	int master, status;
	pid_t pid;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 || !(slave = ptsname(master)))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd;

		if (setsid() < 0)
			_exit(3);
		fd = open(slave, O_RDWR);
		if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0 || dup2(fd, 0) < 0)
			_exit(3);
		if (fd != 0)
			(void)close(fd);
		execvp(argv[0], argv);
		printf("%s\n", errname(errno));
		_exit(1);
	}
	alarm(TRY_OP_TIMEOUT);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	(void)close(master);
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static int usage(void)
{
	fprintf(stderr,
		"usage: try-op OP ARGS...\n"
		"  read|write|append|create|mkdir|rmdir|unlink|truncate|listdir PATH\n"
		"  rename|link A B; symlink TARGET LINK; exec PATH [ARG...]\n"
		"  tcp-connect|tcp-bind HOST PORT; udp-socket; raw-socket; socketpair unix|inet\n"
		"  unix-connect PATH; abstract-connect NAME; abstract-self NAME\n"
		"  kill PID SIG; ptrace-attach PID; ptrace-child; ptrace-nopid\n"
		"  bpf; keyctl; unshare-user; tiocsti FD; tcgetattr FD\n"
		"outside the sandbox:\n"
		"  tcp-listen PORT; free-port; unix-listen PATH; abstract-listen NAME;\n"
		"  pty-run COMMAND [ARG...]; sleep SECONDS\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *op;
	long n;

	if (argc < 2)
		return usage();
	op = argv[1];
	argc -= 2;
	argv += 2;

#define ARGS(n_)                  \
	do {                      \
		if (argc != (n_)) \
			return usage(); \
	} while (0)

	if (strcmp(op, "read") == 0) {
		ARGS(1);
		return report(op_read(argv[0]));
	} else if (strcmp(op, "write") == 0) {
		ARGS(1);
		return report(op_write(argv[0], 0, "w"));
	} else if (strcmp(op, "append") == 0) {
		ARGS(1);
		return report(op_write(argv[0], O_APPEND, "appended\n"));
	} else if (strcmp(op, "create") == 0) {
		ARGS(1);
		return report(op_write(argv[0], O_CREAT | O_EXCL, "created\n"));
	} else if (strcmp(op, "mkdir") == 0) {
		ARGS(1);
		return report(mkdir(argv[0], 0755));
	} else if (strcmp(op, "rmdir") == 0) {
		ARGS(1);
		return report(rmdir(argv[0]));
	} else if (strcmp(op, "unlink") == 0) {
		ARGS(1);
		return report(unlink(argv[0]));
	} else if (strcmp(op, "rename") == 0) {
		ARGS(2);
		return report(rename(argv[0], argv[1]));
	} else if (strcmp(op, "link") == 0) {
		ARGS(2);
		return report(link(argv[0], argv[1]));
	} else if (strcmp(op, "symlink") == 0) {
		ARGS(2);
		return report(symlink(argv[0], argv[1]));
	} else if (strcmp(op, "truncate") == 0) {
		ARGS(1);
		return report(truncate(argv[0], 0));
	} else if (strcmp(op, "listdir") == 0) {
		ARGS(1);
		return report(op_listdir(argv[0]));
	} else if (strcmp(op, "exec") == 0) {
		if (argc < 1)
			return usage();
		execv(argv[0], argv);
		return report(-1);
	} else if (strcmp(op, "tcp-connect") == 0) {
		ARGS(2);
		return report(op_tcp(argv[0], argv[1], 0));
	} else if (strcmp(op, "tcp-bind") == 0) {
		ARGS(2);
		return report(op_tcp(argv[0], argv[1], 1));
	} else if (strcmp(op, "udp-socket") == 0) {
		ARGS(0);
		return report(op_socket(AF_INET, SOCK_DGRAM, 0));
	} else if (strcmp(op, "raw-socket") == 0) {
		ARGS(0);
		return report(op_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	} else if (strcmp(op, "socketpair") == 0) {
		ARGS(1);
		if (strcmp(argv[0], "unix") != 0 && strcmp(argv[0], "inet") != 0)
			return usage();
		return report(op_socketpair(strcmp(argv[0], "unix") == 0 ? AF_UNIX : AF_INET));
	} else if (strcmp(op, "unix-connect") == 0) {
		ARGS(1);
		return report(op_unix_connect(argv[0], 0));
	} else if (strcmp(op, "abstract-connect") == 0) {
		ARGS(1);
		return report(op_unix_connect(argv[0], 1));
	} else if (strcmp(op, "abstract-self") == 0) {
		ARGS(1);
		return report(op_abstract_self(argv[0]));
	} else if (strcmp(op, "kill") == 0) {
		ARGS(2);
		return report(op_kill(argv[0], argv[1]));
	} else if (strcmp(op, "ptrace-attach") == 0) {
		ARGS(1);
		if (parse_long(argv[0], 1, 1 << 22, &n) < 0)
			return usage();
		return report(op_ptrace_attach((pid_t)n));
	} else if (strcmp(op, "ptrace-child") == 0) {
		ARGS(0);
		return report(op_ptrace_child());
	} else if (strcmp(op, "ptrace-nopid") == 0) {
		/* No such pid: the kernel answers ESRCH, a filter EPERM. */
		ARGS(0);
		return report((int)ptrace(PTRACE_ATTACH, (pid_t)0x7ffffff0, NULL, NULL));
	} else if (strcmp(op, "bpf") == 0) {
		/* A bad attr pointer: the kernel answers EFAULT before any
		 * permission check. */
		ARGS(0);
		return report((int)syscall(SYS_bpf, BPF_MAP_CREATE, (void *)1, 8));
	} else if (strcmp(op, "keyctl") == 0) {
		/* A bad keyring-name pointer: EFAULT from the kernel. */
		ARGS(0);
		return report((int)syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, (void *)1));
	} else if (strcmp(op, "unshare-user") == 0) {
		/* CLONE_PTRACE is not an unshare flag: EINVAL from the kernel. */
		ARGS(0);
		return report(unshare(CLONE_NEWUSER | CLONE_PTRACE));
	} else if (strcmp(op, "tiocsti") == 0) {
		/* A bad character pointer: EFAULT, or EIO/EPERM where the kernel
		 * itself restricts TIOCSTI, when the kernel is reached. */
		ARGS(1);
		if (parse_long(argv[0], 0, 1 << 20, &n) < 0)
			return usage();
		return report(ioctl((int)n, TIOCSTI, (char *)1));
	} else if (strcmp(op, "tcgetattr") == 0) {
		/* An ordinary terminal ioctl (TCGETS), for comparison. */
		struct termios t;

		ARGS(1);
		if (parse_long(argv[0], 0, 1 << 20, &n) < 0)
			return usage();
		return report(tcgetattr((int)n, &t));
	} else if (strcmp(op, "tcp-listen") == 0) {
		ARGS(1);
		return report(op_tcp_listen(argv[0]));
	} else if (strcmp(op, "free-port") == 0) {
		ARGS(0);
		if (op_free_port() < 0)
			return report(-1);
		return 0;
	} else if (strcmp(op, "unix-listen") == 0) {
		ARGS(1);
		return report(op_unix_listen(argv[0], 0));
	} else if (strcmp(op, "abstract-listen") == 0) {
		ARGS(1);
		return report(op_unix_listen(argv[0], 1));
	} else if (strcmp(op, "pty-run") == 0) {
		if (argc < 1)
			return usage();
		return report(op_pty_run(argv));
	} else if (strcmp(op, "sleep") == 0) {
		ARGS(1);
		if (parse_long(argv[0], 0, TRY_OP_TIMEOUT, &n) < 0)
			return usage();
		(void)sleep((unsigned)n);
		return report(0);
	}
	return usage();
}
