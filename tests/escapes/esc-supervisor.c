/* The supervisor itself as the target: stop it, hijack its approval
 * socket, or drown it.
 *
 *   kill PID|-               kill(PID, 0): may we signal it (SIGKILL or
 *                            SIGSTOP would then pass too)? `-` reads the
 *                            pid from standard input (esc-outside
 *                            pid-on-stdin: latch's own pid, the supervisor)
 *   approve SOCKET SECRET MARK  connect to latch's approval socket before
 *                            any approver does, and answer `allow_once` to
 *                            the question our own open of SECRET raises (in
 *                            control: to the first question of a latch the
 *                            test started)
 *   flood SECRET ALLOWED MARK N  four threads open SECRET and ALLOWED in
 *                            turn, N times in all: under load, is a denial
 *                            ever lost? */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "esc.h"

static void op_kill(char **argv)
{
	char line[32];
	pid_t pid;

	if (strcmp(argv[0], "-") == 0) {
		ssize_t n = read(0, line, sizeof(line) - 1);

		if (n <= 0)
			esc_premise("no pid on standard input");
		line[n] = '\0';
		line[strcspn(line, "\n")] = '\0';
		pid = esc_pid(line);
	} else {
		pid = esc_pid(argv[0]);
	}
	if (kill(pid, 0) < 0)
		esc_failed("kill(pid, 0)", errno);
	esc_worked("may signal pid %d", (int)pid);
}

struct opener {
	const char *path;
	const char *mark;
	int result; /* 1 read the secret, 0 not, -errno */
};

static void *open_secret(void *arg)
{
	struct opener *o = arg;

	o->result = esc_path_has(o->path, o->mark);
	return NULL;
}

/* In control, the program answers a question of a latch the test started
 * (about a read of SECRET by another program); in attack, the question its
 * own read of SECRET raises. */
static void op_approve(char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct opener o = { .path = argv[1], .mark = argv[2] };
	struct pollfd p;
	char buf[4096], reply[64];
	const char *id;
	pthread_t th;
	ssize_t n;
	int fd;

	if (strlen(argv[0]) >= sizeof(sa.sun_path))
		esc_premise("the socket path is too long");
	memcpy(sa.sun_path, argv[0], strlen(argv[0]));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		esc_premise("socket: %s", esc_errno(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		esc_failed("connect to the approval socket", errno);
	if (esc_mode == ESC_ATTACK && pthread_create(&th, NULL, open_secret, &o) != 0)
		esc_premise("cannot start the second thread");
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 5000) <= 0 || (n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		esc_nothing("connected to the approval socket, but no question came");
	buf[n] = '\0';
	id = strstr(buf, "\"id\":");
	if (!id)
		esc_nothing("connected, and was refused: %.100s", buf);
	n = snprintf(reply, sizeof(reply), "{\"decision\":\"allow_once\",\"id\":%ld}\n", strtol(id + 5, NULL, 10));
	if (write(fd, reply, (size_t)n) != n)
		esc_premise("write: %s", esc_errno(errno));
	if (esc_mode == ESC_CONTROL)
		esc_worked("answered latch's question with allow_once");
	(void)pthread_join(th, NULL);
	if (o.result > 0)
		esc_worked("answered our own question on the approval socket, and read the secret");
	esc_worked("answered our own question on the approval socket (the read then gave %s)",
		   o.result < 0 ? esc_errno(-o.result) : "another file");
}

struct flood {
	const char *paths[2];
	const char *mark;
	long n;
	long leaked, refused, read_allowed;
};

static void *flood_thread(void *arg)
{
	struct flood *f = arg;

	for (long i = 0; i < f->n; i++) {
		int r = esc_path_has(f->paths[i & 1], f->mark);

		if (r > 0)
			__atomic_add_fetch(&f->leaked, 1, __ATOMIC_RELAXED);
		else if (r < 0)
			__atomic_add_fetch(&f->refused, 1, __ATOMIC_RELAXED);
		else
			__atomic_add_fetch(&f->read_allowed, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void op_flood(char **argv)
{
	struct flood f = { .paths = { argv[0], argv[1] }, .mark = argv[2] };
	pthread_t th[4];

	f.n = esc_num(argv[3], 4, 10000000) / 4;
	for (int i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, flood_thread, &f) != 0)
			esc_premise("cannot start thread %d", i);
	for (int i = 0; i < 4; i++)
		(void)pthread_join(th[i], NULL);
	if (f.leaked)
		esc_worked("read the secret %ld times of %ld", f.leaked, 2 * f.n);
	esc_nothing("%ld opens: %ld of the allowed file read, %ld refused, the secret never read", 4 * f.n,
		    f.read_allowed, f.refused);
}

static const struct esc_op ops[] = {
	{ "approve", 3, "SOCKET SECRET MARK", op_approve },
	{ "flood", 4, "SECRET ALLOWED MARK N", op_flood },
	{ "kill", 1, "PID|-", op_kill },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
