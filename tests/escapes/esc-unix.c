/* Pathname Unix sockets: a service outside listens on a path (docker.sock,
 * an ssh-agent's socket) and answers whoever connects. The test's own
 * listeners (esc-outside serve-unix, serve-dgram) answer with a secret.
 *
 *   stream PATH MARK   connect to PATH and read the answer
 *   dgram PATH INBOX MARK  send a datagram to PATH (sendto, no connect);
 *                      the listener answers with a file in INBOX (a
 *                      directory we may read), so that the answer does not
 *                      depend on the address our socket has */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "esc.h"

static socklen_t unix_addr(const char *path, struct sockaddr_un *sa)
{
	size_t n = strlen(path);

	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (n >= sizeof(sa->sun_path))
		esc_premise("'%s' is too long for a socket address", path);
	memcpy(sa->sun_path, path, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

static bool answered(int fd, const char *mark, int *ret_err)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[512];
	ssize_t n;

	*ret_err = 0;
	if (poll(&p, 1, 5000) <= 0)
		return false;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		*ret_err = errno;
	return n > 0 && memmem(buf, (size_t)n, mark, strlen(mark));
}

static void op_stream(char **argv)
{
	struct sockaddr_un sa;
	socklen_t len = unix_addr(argv[0], &sa);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e;

	if (fd < 0)
		esc_premise("socket: %s", esc_errno(errno));
	if (connect(fd, (struct sockaddr *)&sa, len) < 0)
		esc_failed("connect", errno);
	if (!answered(fd, argv[1], &e))
		esc_nothing("connected, but no secret came (%s)", e ? esc_errno(e) : "no answer");
	esc_worked("connected to %s and read the secret", argv[0]);
}

/* The datagram is our name; the listener outside answers by making
 * INBOX/NAME, which we wait for with inotify (a bounded wait: 5 s). */
static void op_dgram(char **argv)
{
	struct sockaddr_un sa;
	socklen_t len = unix_addr(argv[0], &sa);
	char name[64], path[PATH_MAX];
	struct pollfd p;
	int fd, in, r;

	(void)snprintf(name, sizeof(name), "esc-dgram-%d", (int)getpid());
	(void)snprintf(path, sizeof(path), "%s/%s", argv[1], name);
	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0 || inotify_add_watch(in, argv[1], IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
		esc_premise("inotify on the inbox: %s", esc_errno(errno));
	/* A Unix datagram socket is the attack's first step: latch refuses
	 * making one where nothing decides its sends. */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		esc_failed("socket(AF_UNIX, SOCK_DGRAM)", errno);
	if (sendto(fd, name, strlen(name), 0, (struct sockaddr *)&sa, len) < 0)
		esc_failed("sendto", errno);
	p = (struct pollfd){ .fd = in, .events = POLLIN };
	for (int waited = 0; access(path, F_OK) < 0 && waited < 50; waited++) {
		char ev[4096];

		if (poll(&p, 1, 100) > 0)
			(void)!read(in, ev, sizeof(ev));
	}
	r = esc_path_has(path, argv[2]);
	(void)unlink(path);
	if (r < 0)
		esc_nothing("sent, and the listener outside never answered (%s)", esc_errno(-r));
	esc_worked("a datagram reached the listener at %s, which answered%s", argv[0], r ? " with the secret" : "");
}

static const struct esc_op ops[] = {
	{ "dgram", 3, "PATH INBOX MARK", op_dgram },
	{ "stream", 2, "PATH MARK", op_stream },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
