/* esc-outside: what the escape cases attack, run OUTSIDE the sandbox by
 * tests/integration/test-escapes.sh.
 *
 *   esc-outside serve-tcp SECRET           TCP on 127.0.0.1 and ::1, UDP on
 *                                          127.0.0.1, one port; prints "PID PORT"
 *   esc-outside serve-unix PATH SECRET     a stream socket at PATH; prints PID
 *   esc-outside serve-dgram PATH SECRET INBOX  a datagram socket at PATH;
 *                                          each datagram (a name, [a-z0-9-])
 *                                          is answered with the file INBOX/NAME
 *                                          holding SECRET; prints PID
 *   esc-outside serve-abstract NAME SECRET an abstract stream socket; prints PID
 *   esc-outside victim SECRET              a process holding SECRET open on fd
 *                                          7, SIGUSR1 blocked; prints PID
 *   esc-outside victim-userns              a process in a user namespace of
 *                                          its own; prints PID
 *   esc-outside shm SECRET                 a SysV shared memory segment (mode
 *                                          0600) holding SECRET; prints "PID KEY"
 *   esc-outside handle PATH                prints PATH's file handle, TYPE:HEX
 *   esc-outside pid-on-stdin CMD [ARG...]  runs CMD with its own pid on stdin
 *                                          (CMD starts latch: latch's pid), and
 *                                          exits as CMD does
 *   esc-outside approver PATH              an approver that answers `deny` to
 *                                          every question of every latch run
 *                                          whose --approve-socket is PATH (it
 *                                          connects whenever PATH is created);
 *                                          prints PID
 *
 * A server or victim is a child that outlives this command: it is ready
 * when its pid is printed, has stdin and stdout on /dev/null (so `$(...)`
 * returns at once), serves every client until it is killed, and ends by
 * itself after ESC_OUTSIDE_LIFE seconds. Servers answer each connection
 * (or datagram) with SECRET and a newline. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/macro.h"

#define ESC_OUTSIDE_LIFE 300

static _noreturn_ void die(const char *what)
{
	fprintf(stderr, "esc-outside: %s: %s\n", what, strerror(errno));
	exit(1);
}

static _noreturn_ void usage(void)
{
	fprintf(stderr, "usage: esc-outside serve-tcp SECRET | serve-unix PATH SECRET | serve-dgram PATH SECRET INBOX |\n"
			"       serve-abstract NAME SECRET | victim SECRET | victim-userns | shm SECRET |\n"
			"       handle PATH | pid-on-stdin CMD [ARG...] | approver PATH\n");
	exit(2);
}

/* Fork the long-lived child. In the parent: wait until the child says it
 * is ready (one byte on a pipe), print LINE with the child's pid in front,
 * and exit. In the child: returns the pipe's write end, to be passed to
 * ready(). */
static int daemon_start(void)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe");
	(void)fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid > 0) {
		(void)close(p[1]);
		if (read(p[0], &c, 1) != 1) {
			fprintf(stderr, "esc-outside: the child failed before it was ready\n");
			exit(1);
		}
		printf("%d", (int)pid);
		return -1;
	}
	(void)close(p[0]);
	(void)alarm(ESC_OUTSIDE_LIFE);
	return p[1];
}

/* In the child: stdin and stdout to /dev/null, then tell the parent. */
static void ready(int fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
		die("/dev/null");
	(void)close(null);
	if (write(fd, "r", 1) != 1)
		die("ready");
	(void)close(fd);
}

/* The parent's end of daemon_start(): the rest of its line, and exit. */
static _noreturn_ void parent_done(const char *rest)
{
	printf("%s\n", rest);
	exit(0);
}

static void answer(int fd, const char *secret)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s\n", secret);

	if (n > 0)
		(void)!write(fd, line, (size_t)n);
}

static const char *inbox;

/* A datagram NAME: INBOX/NAME appears (by rename) holding the secret. */
static void answer_in_inbox(const char *name, const char *secret)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	int fd;

	if (!name[0] || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(name))
		return;
	(void)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", inbox, name);
	(void)snprintf(final, sizeof(final), "%s/%s", inbox, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	answer(fd, secret);
	(void)close(fd);
	(void)rename(tmp, final);
}

static int unix_listener(int type, const char *name, bool abstract)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name), off = abstract ? 1 : 0;
	int fd;

	if (n == 0 || n + off >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		die(name);
	}
	memcpy(sa.sun_path + off, name, n);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (!abstract)
		(void)unlink(name);
	if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + off + n + !abstract)) < 0)
		die(name);
	if (type == SOCK_STREAM && listen(fd, 16) < 0)
		die("listen");
	return fd;
}

/* Accept and answer on every listener in FDS (stream) until killed;
 * datagram sockets in FDS answer each datagram's sender. */
static _noreturn_ void serve(struct pollfd *fds, const int *types, int n, const char *secret)
{
	for (;;) {
		if (poll(fds, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (int i = 0; i < n; i++) {
			if (!(fds[i].revents & POLLIN))
				continue;
			if (types[i] == SOCK_STREAM) {
				int c = accept4(fds[i].fd, NULL, NULL, SOCK_CLOEXEC);

				if (c >= 0) {
					answer(c, secret);
					(void)close(c);
				}
			} else if (inbox) {
				char name[128];
				ssize_t m = recv(fds[i].fd, name, sizeof(name) - 1, 0);

				if (m > 0) {
					name[m] = '\0';
					answer_in_inbox(name, secret);
				}
			} else {
				struct sockaddr_storage from;
				socklen_t len = sizeof(from);
				char buf[256], line[512];
				int m;

				if (recvfrom(fds[i].fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len) < 0)
					continue;
				m = snprintf(line, sizeof(line), "%s\n", secret);
				if (m > 0 && len > sizeof(sa_family_t))
					(void)sendto(fds[i].fd, line, (size_t)m, 0, (struct sockaddr *)&from, len);
			}
		}
	}
}

static _noreturn_ void serve_tcp(const char *secret)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct pollfd fds[3];
	int types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_STREAM };
	socklen_t len = sizeof(a4);
	char port[16];
	int n = 2, one = 1, w;

	/* TCP first, on a port the kernel picks; UDP and TCP on ::1 take the
	 * same number (a UDP port is chosen again if that one is busy). */
	for (int tries = 0;; tries++) {
		fds[0].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		fds[1].fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fds[0].fd < 0 || fds[1].fd < 0)
			die("socket");
		a4.sin_port = 0;
		if (bind(fds[0].fd, (struct sockaddr *)&a4, sizeof(a4)) < 0 || listen(fds[0].fd, 16) < 0 ||
		    getsockname(fds[0].fd, (struct sockaddr *)&a4, &len) < 0)
			die("tcp");
		if (bind(fds[1].fd, (struct sockaddr *)&a4, sizeof(a4)) == 0)
			break;
		if (tries > 20)
			die("udp");
		(void)close(fds[0].fd);
		(void)close(fds[1].fd);
	}
	fds[2].fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a6.sin6_port = a4.sin_port;
	if (fds[2].fd >= 0) {
		(void)setsockopt(fds[2].fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fds[2].fd, (struct sockaddr *)&a6, sizeof(a6)) == 0 && listen(fds[2].fd, 16) == 0)
			n = 3;
		else
			(void)close(fds[2].fd);
	}
	for (int i = 0; i < n; i++)
		fds[i].events = POLLIN;
	(void)snprintf(port, sizeof(port), " %d", (int)ntohs(a4.sin_port));
	w = daemon_start();
	if (w < 0)
		parent_done(port);
	ready(w);
	serve(fds, types, n, secret);
}

static _noreturn_ void serve_unix(int type, const char *name, bool abstract, const char *secret)
{
	struct pollfd fds[1] = { { .fd = unix_listener(type, name, abstract), .events = POLLIN } };
	int types[1] = { type };
	int w = daemon_start();

	if (w < 0)
		parent_done("");
	ready(w);
	serve(fds, types, 1, secret);
}

static _noreturn_ void victim(const char *secret)
{
	sigset_t set;
	int fd, w;

	fd = open(secret, O_RDONLY);
	if (fd < 0)
		die(secret);
	if (fd != 7 && (dup2(fd, 7) < 0 || close(fd) < 0))
		die("dup2");
	w = daemon_start();
	if (w < 0)
		parent_done("");
	/* SIGUSR1 stays pending, where /proc/PID/status shows it. */
	(void)sigemptyset(&set);
	(void)sigaddset(&set, SIGUSR1);
	(void)sigprocmask(SIG_BLOCK, &set, NULL);
	ready(w);
	for (;;)
		(void)pause();
}

static _noreturn_ void victim_userns(void)
{
	int w = daemon_start();

	if (w < 0)
		parent_done("");
	if (unshare(CLONE_NEWUSER) < 0)
		die("unshare(CLONE_NEWUSER)");
	ready(w);
	for (;;)
		(void)pause();
}

static volatile sig_atomic_t shm_end;

static void on_term(int sig)
{
	(void)sig;
	shm_end = 1;
}

/* The key is made of the pid, so that runs do not meet. The segment is
 * removed when the holder ends (TERM, or its alarm). */
static _noreturn_ void shm_holder(const char *secret)
{
	struct sigaction sa = { .sa_handler = on_term };
	char rest[32];
	key_t key = (key_t)(0x45530000 | (getpid() & 0xffff));
	int id, w;
	char *p;

	id = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600);
	if (id < 0)
		die("shmget");
	p = shmat(id, NULL, 0);
	if (p == (void *)-1)
		die("shmat");
	(void)snprintf(p, 4096, "%s\n", secret);
	(void)snprintf(rest, sizeof(rest), " %d", (int)key);
	w = daemon_start();
	if (w < 0)
		parent_done(rest);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGALRM, &sa, NULL);
	ready(w);
	while (!shm_end)
		(void)pause();
	(void)shmctl(id, IPC_RMID, NULL);
	_exit(0);
}

static int print_handle(const char *path)
{
	_cleanup_free_ struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	const unsigned char *bytes;
	int mnt;

	if (!fh)
		die("malloc");
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, fh, &mnt, 0) < 0)
		die("name_to_handle_at");
	bytes = (const unsigned char *)fh + offsetof(struct file_handle, f_handle);
	printf("%d:", fh->handle_type);
	for (unsigned i = 0; i < fh->handle_bytes; i++)
		printf("%02x", bytes[i]);
	printf("\n");
	return 0;
}

/* Answer one connected latch until it hangs up. */
static void deny_all(int fd)
{
	char buf[8192];
	size_t have = 0;
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *line = buf, *nl;

		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(line, '\n'))) {
			const char *id = strstr(line, "\"id\":");
			char reply[64];
			int m;

			*nl = '\0';
			if (id) {
				m = snprintf(reply, sizeof(reply), "{\"decision\":\"deny\",\"id\":%ld}\n",
					     strtol(id + 5, NULL, 10));
				(void)!write(fd, reply, (size_t)m);
			}
			line = nl + 1;
		}
		have = (size_t)(buf + have - line);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;
	}
}

static _noreturn_ void approver(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	int in, w;

	if (strlen(path) >= sizeof(sa.sun_path) || !(slash = strrchr(path, '/'))) {
		errno = ENAMETOOLONG;
		die(path);
	}
	memcpy(sa.sun_path, path, strlen(path));
	(void)snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, dir[0] ? dir : "/", IN_CREATE | IN_MOVED_TO) < 0)
		die("inotify");
	w = daemon_start();
	if (w < 0)
		parent_done("");
	ready(w);
	/* Connect whenever the socket is there; otherwise wait until something
	 * is created in its directory. latch binds before it listens: a
	 * socket that refuses is tried again for a while (or it is one left
	 * from a run that is ending, and the next run makes a new one). */
	for (int refused = 0;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct timespec ms = { .tv_nsec = 1000000 };
		char ev[4096];

		if (fd < 0)
			_exit(1);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			deny_all(fd);
			(void)close(fd);
			refused = 0;
			continue;
		}
		(void)close(fd);
		if (errno == ECONNREFUSED && refused++ < 2000) {
			(void)nanosleep(&ms, NULL);
			continue;
		}
		refused = 0;
		if (read(in, ev, sizeof(ev)) < 0 && errno != EINTR)
			_exit(1);
	}
}

static int pid_on_stdin(char **argv)
{
	int p[2], status;
	char line[32];
	pid_t pid;
	int n;

	if (pipe(p) < 0)
		die("pipe");
	(void)fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (dup2(p[0], 0) < 0)
			_exit(126);
		(void)close(p[0]);
		(void)close(p[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	(void)close(p[0]);
	n = snprintf(line, sizeof(line), "%d\n", (int)pid);
	(void)!write(p[1], line, (size_t)n);
	(void)close(p[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "serve-tcp") == 0 && argc == 3)
		serve_tcp(argv[2]);
	if (strcmp(argv[1], "serve-unix") == 0 && argc == 4)
		serve_unix(SOCK_STREAM, argv[2], false, argv[3]);
	if (strcmp(argv[1], "serve-dgram") == 0 && argc == 5) {
		inbox = argv[4];
		serve_unix(SOCK_DGRAM, argv[2], false, argv[3]);
	}
	if (strcmp(argv[1], "serve-abstract") == 0 && argc == 4)
		serve_unix(SOCK_STREAM, argv[2], true, argv[3]);
	if (strcmp(argv[1], "victim") == 0 && argc == 3)
		victim(argv[2]);
	if (strcmp(argv[1], "victim-userns") == 0 && argc == 2)
		victim_userns();
	if (strcmp(argv[1], "shm") == 0 && argc == 3)
		shm_holder(argv[2]);
	if (strcmp(argv[1], "handle") == 0 && argc == 3)
		return print_handle(argv[2]);
	if (strcmp(argv[1], "approver") == 0 && argc == 3)
		approver(argv[2]);
	if (strcmp(argv[1], "pid-on-stdin") == 0 && argc >= 3)
		return pid_on_stdin(argv + 2);
	usage();
}
