/* floor: what the kernel itself costs for the things latch does, measured
 * with nothing of latch's in the way. bench/supervise.sh and bench/run.sh
 * divide latch's figures by these.
 *
 *   floor notify N        ns per getppid(): plain, and notified to a
 *                         parent that answers a fixed value and nothing
 *                         else (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP set).
 *                         Prints "plain=P notified=Q".
 *   floor continue PATH N  ns per open()+close() of PATH: plain, and with
 *                         openat notified to a parent that does the least
 *                         a supervisor deciding on paths must: reads the
 *                         path, checks the notification is still valid
 *                         (ID_VALID), resolves it once (openat2, O_PATH,
 *                         no symlinks) and closes it, then answers
 *                         CONTINUE. Prints "plain=P continued=Q".
 *   floor addfd PATH N    ns per open()+close() of PATH: plain, and with
 *                         openat notified to a parent that reads the path
 *                         from the child's memory (process_vm_readv), opens
 *                         it and installs the descriptor with
 *                         SECCOMP_IOCTL_NOTIF_ADDFD + ADDFD_FLAG_SEND, and
 *                         nothing else. Prints "plain=P emulated=Q".
 *   floor clone N         us per clone() of a child in the namespaces an
 *                         isolated latch run uses (user unless we may make
 *                         namespaces ourselves, mount, pid, ipc, uts, net),
 *                         which exits at once, and its wait. Prints
 *                         "clone=C flags=0x...".
 *
 * With FLOOR_POLL=1 the parent waits in poll(2) before each RECV, as a
 * supervisor that watches other descriptors too would.
 *
 * Each figure is one run of N calls after N/10 warm-up calls; run it
 * several times for a median. Nothing here is part of `make check`. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long parse_n(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end || n < 1 || n > 100000000) {
		fprintf(stderr, "floor: bad count '%s'\n", s);
		exit(2);
	}
	return n;
}

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Send or receive one descriptor over a Unix socket. */
static void send_fd(int sock, int fd)
{
	char c = 0, cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &m, 0) != 1)
		die("sendmsg");
}

static int recv_fd(int sock)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1 || !(cm = CMSG_FIRSTHDR(&m)) || cm->cmsg_type != SCM_RIGHTS)
		die("recvmsg");
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static bool poll_first; /* FLOOR_POLL=1: poll(2) the listener before each RECV */

#define FLOOR_END 0x666c6f6f72ULL /* getppid's argument that ends a measurement */

static void answer_fixed(int listener, const struct seccomp_notif *req)
{
	struct seccomp_notif_resp resp = { .id = req->id, .val = 1 };

	(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* Fork a child that installs a filter notifying syscall nr (and getppid),
 * hands the
 * listener over, and runs body(arg); the child's result (a double) comes
 * back through *ret_ns. The parent serves the listener with serve(). */
static void run_notified(int nr, double (*body)(void *), void *arg,
			 void (*serve)(int listener, const struct seccomp_notif *req), double *ret_ns)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 5, .filter = insns };
	int sp[2], listener, status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		die("socketpair");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		double ns;

		close(sp[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(1);
		listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (listener < 0)
			_exit(1);
		send_fd(sp[1], listener);
		close(listener);
		ns = body(arg);
		if (write(sp[1], &ns, sizeof(ns)) != sizeof(ns))
			_exit(1);
		(void)syscall(__NR_getppid, FLOOR_END); /* the parent stops serving */
		_exit(0);
	}
	close(sp[1]);
	listener = recv_fd(sp[0]);
	(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (unsigned long)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	/* Blocking RECV, nothing else per call: the child's last getppid
	 * (FLOOR_END) ends the loop. */
	for (;;) {
		struct pollfd pfd = { .fd = listener, .events = POLLIN };
		struct seccomp_notif req;

		if (poll_first && poll(&pfd, 1, -1) < 0 && errno != EINTR)
			die("poll");
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == ENOENT || errno == EINTR)
				continue;
			die("SECCOMP_IOCTL_NOTIF_RECV");
		}
		if (req.data.nr == __NR_getppid && req.data.args[0] == FLOOR_END) {
			answer_fixed(listener, &req);
			break;
		}
		serve(listener, &req);
	}
	if (read(sp[0], ret_ns, sizeof(*ret_ns)) != sizeof(*ret_ns))
		die("the child's figure");
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "floor: the measured child failed\n");
		exit(1);
	}
	close(listener);
	close(sp[0]);
}

/* ---- notify ------------------------------------------------------------------- */

static double getppid_loop(void *arg)
{
	long n = *(long *)arg;
	long long t0;

	for (long i = 0; i < n / 10 + 1; i++)
		(void)syscall(__NR_getppid);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		(void)syscall(__NR_getppid);
	return (double)(now_ns() - t0) / (double)n;
}

static int cmd_notify(long n)
{
	double plain = getppid_loop(&n), notified;

	run_notified(__NR_getppid, getppid_loop, &n, answer_fixed, &notified);
	printf("plain=%.1f notified=%.1f\n", plain, notified);
	return 0;
}

/* ---- addfd -------------------------------------------------------------------- */

struct open_args {
	const char *path;
	long n;
};

static double open_loop(void *arg)
{
	const struct open_args *a = arg;
	long long t0;

	for (long i = 0; i < a->n / 10 + 1; i++) {
		int fd = open(a->path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			_exit(1);
		close(fd);
	}
	t0 = now_ns();
	for (long i = 0; i < a->n; i++)
		close(open(a->path, O_RDONLY | O_CLOEXEC));
	return (double)(now_ns() - t0) / (double)a->n;
}

static void answer_open(int listener, const struct seccomp_notif *req)
{
	char path[4096];
	struct iovec local = { .iov_base = path, .iov_len = sizeof(path) - 1 };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)req->data.args[1], .iov_len = sizeof(path) - 1 };
	struct seccomp_notif_addfd a = { .id = req->id, .flags = SECCOMP_ADDFD_FLAG_SEND };
	ssize_t got;
	int fd;

	/* One read of the path: the floor for a supervisor that must know
	 * it. (A string that ends near a page boundary would need a second
	 * read; the benchmark's does not.) */
	got = process_vm_readv(req->pid, &local, 1, &remote, 1, 0);
	if (got <= 0 || !memchr(path, '\0', (size_t)got)) {
		struct seccomp_notif_resp resp = { .id = req->id, .error = -EFAULT };

		(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		return;
	}
	fd = openat(AT_FDCWD, path, (int)req->data.args[2] | O_CLOEXEC);
	a.srcfd = (unsigned)fd;
	a.newfd_flags = req->data.args[2] & O_CLOEXEC;
	if (fd < 0 || ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a) < 0) {
		struct seccomp_notif_resp resp = { .id = req->id, .error = -errno };

		(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	if (fd >= 0)
		close(fd);
}

/* The least a supervisor that decides on the path itself must do before it
 * lets the kernel go on: read the path, check that the notification (and so
 * the pid whose memory was read) is still valid, resolve the path once
 * (openat2 with RESOLVE_NO_SYMLINKS, O_PATH) and close it, continue. */
static void continue_open(int listener, const struct seccomp_notif *req)
{
	char path[4096];
	struct iovec local = { .iov_base = path, .iov_len = sizeof(path) - 1 };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)req->data.args[1], .iov_len = sizeof(path) - 1 };
	struct seccomp_notif_resp resp = { .id = req->id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
	__u64 id = req->id;
	ssize_t got;
	long fd;

	got = process_vm_readv(req->pid, &local, 1, &remote, 1, 0);
	if (got <= 0 || !memchr(path, '\0', (size_t)got) || ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0) {
		resp = (struct seccomp_notif_resp){ .id = req->id, .error = -EFAULT };
	} else {
		fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
		if (fd >= 0)
			close((int)fd);
	}
	(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static int cmd_continue(const char *path, long n)
{
	struct open_args a = { .path = path, .n = n };
	double plain = open_loop(&a), continued;

	if (access(path, R_OK) < 0)
		die(path);
	run_notified(__NR_openat, open_loop, &a, continue_open, &continued);
	printf("plain=%.1f continued=%.1f\n", plain, continued);
	return 0;
}

static int cmd_addfd(const char *path, long n)
{
	struct open_args a = { .path = path, .n = n };
	double plain = open_loop(&a), emulated;

	if (access(path, R_OK) < 0)
		die(path);
	run_notified(__NR_openat, open_loop, &a, answer_open, &emulated);
	printf("plain=%.1f emulated=%.1f\n", plain, emulated);
	return 0;
}

/* ---- clone -------------------------------------------------------------------- */

static int cmd_clone(long n)
{
	unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET;
	long long t0 = 0;

	/* As latch decides: a user namespace only when we may not make the
	 * others without one. */
	if (geteuid() != 0)
		flags |= CLONE_NEWUSER;
	for (long i = -(n / 10 + 1); i < n; i++) {
		pid_t pid;
		int status;

		if (i == 0)
			t0 = now_ns();
		pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
		if (pid < 0)
			die("clone");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
	}
	printf("clone=%.1f flags=0x%lx\n", (double)(now_ns() - t0) / (double)n / 1000.0, flags);
	return 0;
}

int main(int argc, char **argv)
{
	poll_first = getenv("FLOOR_POLL") && strcmp(getenv("FLOOR_POLL"), "1") == 0;
	if (argc == 3 && strcmp(argv[1], "notify") == 0)
		return cmd_notify(parse_n(argv[2]));
	if (argc == 4 && strcmp(argv[1], "continue") == 0)
		return cmd_continue(argv[2], parse_n(argv[3]));
	if (argc == 4 && strcmp(argv[1], "addfd") == 0)
		return cmd_addfd(argv[2], parse_n(argv[3]));
	if (argc == 3 && strcmp(argv[1], "clone") == 0)
		return cmd_clone(parse_n(argv[2]));
	fprintf(stderr, "usage: floor notify N | floor continue PATH N | floor addfd PATH N | floor clone N\n");
	return 2;
}
