/* The proxy benchmark's two ends (bench/proxy.sh):
 *
 *   proxy serve SIZE PORTFILE   an HTTP server on 127.0.0.1: GET /big sends
 *                               SIZE bytes (sendfile from a memfd), any other
 *                               path a 2-byte body; prints its port to PORTFILE
 *   proxy get HOST PORT [PROXYPORT]
 *                               download /big, direct or through an HTTP
 *                               proxy's CONNECT; prints bytes and MB/s
 *   proxy setup HOST PORT N [PROXYPORT]
 *                               N fresh connections, each to the first byte
 *                               of a small response; prints the median and
 *                               quartiles in microseconds
 *   proxy relay PORT PORTFILE [PIPESIZE]
 *                               the floor: the least a user-space TCP proxy
 *                               does -- accept on 127.0.0.1, connect to
 *                               127.0.0.1:PORT, and splice(2) each direction
 *                               through a pipe (of PIPESIZE bytes, default
 *                               the kernel's) on a thread of its own; no
 *                               request to read, no decision, no sandbox;
 *                               prints its own port to PORTFILE
 *
 * Never part of `make check`. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "proxy bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k <= 0)
			die("send");
		p += k;
		n -= (size_t)k;
	}
}

/* Read up to and with the end of the head; returns what was read. */
static size_t read_head(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len < size - 1) {
		ssize_t k = recv(fd, buf + len, size - 1 - len, 0);

		if (k <= 0)
			return 0;
		len += (size_t)k;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			return len;
	}
	return 0;
}

static int memfd;
static size_t big;

static void *serve_one(void *arg)
{
	int fd = (int)(long)arg;
	char head[4096], resp[128];

	while (read_head(fd, head, sizeof(head)) > 0) {
		bool is_big = strncmp(head, "GET /big ", 9) == 0;
		int n = snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", is_big ? big : 2);

		send_all(fd, resp, (size_t)n);
		if (is_big) {
			off_t off = 0;

			while ((size_t)off < big)
				if (sendfile(fd, memfd, &off, big - (size_t)off) <= 0)
					goto out;
		} else {
			send_all(fd, "ok", 2);
		}
	}
out:
	close(fd);
	return NULL;
}

/* Listen on 127.0.0.1, write the port to PORTFILE, and hand each
 * connection to fn on a thread of its own. */
static _Noreturn void accept_loop(const char *portfile, void *(*fn)(void *))
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	FILE *f;

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 512) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &al) < 0)
		die("listen");
	f = fopen(portfile, "w");
	fprintf(f, "%u\n", ntohs(a.sin_port));
	fclose(f);
	for (;;) {
		int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;

		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		pthread_create(&t, NULL, fn, (void *)(long)fd);
		pthread_detach(t);
	}
}

static _Noreturn void serve(size_t size, const char *portfile)
{
	char *chunk = malloc(1 << 20);

	big = size;
	memfd = memfd_create("big", MFD_CLOEXEC);
	memset(chunk, 'x', 1 << 20);
	for (size_t done = 0; done < size; done += 1 << 20)
		if (write(memfd, chunk, 1 << 20) != 1 << 20)
			die("write");
	accept_loop(portfile, serve_one);
}

/* A connection to host:port, direct or through CONNECT at 127.0.0.1:proxy. */
static int open_to(const char *host, int port, int proxy)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(proxy ? proxy : port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	char req[512], resp[4096];

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	if (proxy) {
		int n = snprintf(req, sizeof(req), "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n", host, port, host, port);

		send_all(fd, req, (size_t)n);
		if (read_head(fd, resp, sizeof(resp)) == 0 || strncmp(resp, "HTTP/1.1 200", 12) != 0) {
			fprintf(stderr, "proxy bench: the proxy said: %.200s\n", resp);
			exit(1);
		}
	}
	return fd;
}

static int get(const char *host, int port, int proxy)
{
	static char buf[1 << 20];
	char req[512], *body;
	size_t total = 0, want;
	double t0 = now(), dt;
	int fd = open_to(host, port, proxy), n;
	ssize_t k;

	n = snprintf(req, sizeof(req), "GET /big HTTP/1.1\r\nHost: %s:%d\r\n\r\n", host, port);
	send_all(fd, req, (size_t)n);
	k = recv(fd, buf, sizeof(buf), 0);
	if (k <= 0 || !(body = memmem(buf, (size_t)k, "\r\n\r\n", 4)) || sscanf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %zu", &want) != 1)
		die("response");
	total = (size_t)k - (size_t)(body + 4 - buf);
	while (total < want && (k = recv(fd, buf, sizeof(buf), 0)) > 0)
		total += (size_t)k;
	dt = now() - t0;
	close(fd);
	printf("%zu bytes in %.3f s: %.0f MB/s\n", total, dt, total / dt / 1e6);
	return total == want ? 0 : 1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int setup(const char *host, int port, int count, int proxy)
{
	double *t = calloc((size_t)count, sizeof(double));
	char req[512], resp[4096];

	for (int i = 0; i < count; i++) {
		double t0 = now();
		int fd = open_to(host, port, proxy);
		int n = snprintf(req, sizeof(req), "GET /small HTTP/1.1\r\nHost: %s:%d\r\n\r\n", host, port);

		send_all(fd, req, (size_t)n);
		if (recv(fd, resp, sizeof(resp), 0) <= 0)
			die("recv");
		t[i] = (now() - t0) * 1e6;
		close(fd);
	}
	qsort(t, (size_t)count, sizeof(double), cmp);
	printf("%d connections: median %.0f us (quartiles %.0f, %.0f)\n", count, t[count / 2], t[count / 4],
	       t[3 * count / 4]);
	free(t);
	return 0;
}

/* ---- the floor relay ---- */

struct pump {
	int from, to;
};

static int relay_upstream, relay_pipe;

/* One direction: blocking splice from -> pipe -> to until the end, as
 * latch's proxy does it, then pass the end on. */
static void *pump(void *arg)
{
	struct pump *p = arg;
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		die("pipe");
	if (relay_pipe)
		(void)fcntl(pfd[1], F_SETPIPE_SZ, relay_pipe);
	for (;;) {
		ssize_t n = splice(p->from, NULL, pfd[1], NULL, 1 << 20, SPLICE_F_MOVE);

		if (n <= 0)
			break;
		while (n > 0) {
			ssize_t m = splice(pfd[0], NULL, p->to, NULL, (size_t)n, SPLICE_F_MOVE);

			if (m <= 0)
				goto out;
			n -= m;
		}
	}
out:
	shutdown(p->to, SHUT_WR);
	close(pfd[0]);
	close(pfd[1]);
	return NULL;
}

static void *relay_one(void *arg)
{
	int client = (int)(long)arg, one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(relay_upstream),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct pump up = { client, server }, down = { server, client };
	pthread_t t;

	setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(server, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect upstream");
	pthread_create(&t, NULL, pump, &down);
	pump(&up);
	pthread_join(t, NULL);
	close(client);
	close(server);
	return NULL;
}

static _Noreturn void relay(int upstream, const char *portfile, int pipe_size)
{
	relay_upstream = upstream;
	relay_pipe = pipe_size;
	accept_loop(portfile, relay_one);
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "serve") == 0)
		serve(strtoul(argv[2], NULL, 10), argv[3]);
	if (argc >= 4 && strcmp(argv[1], "get") == 0)
		return get(argv[2], atoi(argv[3]), argc > 4 ? atoi(argv[4]) : 0);
	if (argc >= 5 && strcmp(argv[1], "setup") == 0)
		return setup(argv[2], atoi(argv[3]), atoi(argv[4]), argc > 5 ? atoi(argv[5]) : 0);
	if (argc >= 4 && strcmp(argv[1], "relay") == 0)
		relay(atoi(argv[2]), argv[3], argc > 4 ? atoi(argv[4]) : 0);
	fprintf(stderr, "usage: proxy serve SIZE PORTFILE | get HOST PORT [PROXYPORT] | setup HOST PORT N [PROXYPORT] | "
			"relay PORT PORTFILE [PIPESIZE]\n");
	return 2;
}
