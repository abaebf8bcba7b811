/* latch's side of the proxy (net.h): start it, hand it a listener, point
 * programs at it, and hear its summary at the end. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd-pass.h"
#include "base/strv.h"
#include "net/proxy.h"

/* Close every descriptor from 3 up but those in keep (sorted here). */
static void close_all_but(int *keep, size_t n)
{
	int from = 3;

	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && keep[k - 1] > keep[k]; k--) {
			int t = keep[k];

			keep[k] = keep[k - 1];
			keep[k - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < from)
			continue;
		if (keep[i] > from)
			(void)syscall(SYS_close_range, (unsigned)from, (unsigned)keep[i] - 1, 0);
		from = keep[i] + 1;
	}
	(void)syscall(SYS_close_range, (unsigned)from, ~0U, 0);
}

static void close_pair(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0) {
			(void)close(fds[i]);
			fds[i] = -1;
		}
}

int net_proxy_start(const struct net_proxy_config *c, struct net_proxy *ret, struct error *err)
{
	int control[2] = { -1, -1 }, bridge[2] = { -1, -1 }, status, r = 0;
	_cleanup_close_ int watch = -EBADF;
	pid_t pid;

	*ret = NET_PROXY_NONE;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, bridge) < 0) {
		r = error_set(err, errno, "proxy: cannot create a socket pair: %s", strerror(errno));
		goto fail;
	}
	/* Detached, the process that becomes the program: when it ends, so
	 * does the proxy (which is not the program's child). */
	if (c->detached && (watch = (int)syscall(SYS_pidfd_open, getpid(), 0)) < 0) {
		r = error_set(err, errno, "proxy: cannot watch latch's own process (pidfd_open): %s", strerror(errno));
		goto fail;
	}
	(void)fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = error_set(err, errno, "proxy: cannot fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		/* A second fork: the proxy is nobody's child here, so that a
		 * program that waits for all of its children (after an exec in
		 * place) never waits for it. */
		pid_t proxy = fork();

		if (proxy != 0)
			_exit(proxy < 0 ? 1 : 0);
		{
			struct net_proxy_args a = {
				.policy = c->policy,
				.control = c->detached ? -1 : control[1],
				.bridge = bridge[0],
				.ask = c->ask_fd,
				.events = c->events_fd,
				.watch = watch,
				.timeout_ms = c->timeout_ms,
			};
			int keep[] = { a.control, a.bridge, a.ask, a.events, a.watch };

			close_all_but(keep, sizeof(keep) / sizeof(keep[0]));
			net_proxy_main(&a);
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		r = error_set(err, EAGAIN, "proxy: cannot start its process");
		goto fail;
	}
	(void)close(control[1]);
	(void)close(bridge[0]);
	if (c->detached)
		(void)close(control[0]);
	ret->control = c->detached ? -1 : control[0];
	ret->bridge = bridge[1];
	return 0;
fail:
	close_pair(control);
	close_pair(bridge);
	return r;
}

int net_proxy_listen_here(struct net_proxy *p, uint16_t *ret_port, struct error *err)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return error_set(err, errno, "proxy: cannot create its listener: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		r = errno;
		(void)close(fd);
		return error_set(err, r, "proxy: cannot listen on 127.0.0.1: %s", strerror(r));
	}
	r = fd_send(p->bridge, fd);
	(void)close(fd);
	if (r < 0)
		return error_set(err, -r, "proxy: cannot hand it its listener: %s", strerror(-r));
	(void)close(p->bridge);
	p->bridge = -1;
	*ret_port = ntohs(a.sin_port);
	return 0;
}

void net_proxy_close(struct net_proxy *p)
{
	if (p->control >= 0)
		(void)close(p->control);
	if (p->bridge >= 0)
		(void)close(p->bridge);
	*p = NET_PROXY_NONE;
}

void net_proxy_finish(struct net_proxy *p, struct net_summary *ret)
{
	struct net_ctl m = { .type = NET_CTL_FINISH };
	ssize_t n = -1;

	memset(ret, 0, sizeof(*ret));
	if (p->control >= 0 && send(p->control, &m, sizeof(m), MSG_NOSIGNAL) == (ssize_t)sizeof(m))
		do
			n = recv(p->control, ret, sizeof(*ret), 0);
		while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*ret))
		memset(ret, 0, sizeof(*ret));
	net_proxy_close(p);
}

int net_proxy_env(char ***envp, uint16_t port)
{
	static const char *const names[] = { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
					     "http_proxy", "https_proxy", "all_proxy" };
	char url[64];

	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u", port);
	for (size_t i = 0; *envp && (*envp)[i];) {
		const char *e = (*envp)[i];
		size_t n = strcspn(e, "=");
		bool ours = (n == 8 && strncasecmp(e, "NO_PROXY", 8) == 0);

		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]) && !ours; k++)
			ours = strlen(names[k]) == n && strncmp(e, names[k], n) == 0;
		if (!ours) {
			i++;
			continue;
		}
		free((*envp)[i]);
		memmove(&(*envp)[i], &(*envp)[i + 1], (strv_length(*envp) - i) * sizeof(char *));
	}
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strv_pushf(envp, "%s=%s", names[k], url) < 0)
			return -ENOMEM;
	if (strv_pushf(envp, "NO_PROXY=localhost,127.0.0.1,::1") < 0 ||
	    strv_pushf(envp, "no_proxy=localhost,127.0.0.1,::1") < 0)
		return -ENOMEM;
	return 0;
}
