/* The proxy process (net.h).
 *
 * The main thread accepts, and carries the control socket (latch) and the
 * question socket (the supervisor). Each connection has a thread of its
 * own -- read the request, decide, ask, resolve, check the address,
 * connect, answer the client -- and, while it relays, a second one for
 * the other direction: blocking sockets and splice(2) through a pipe,
 * nothing to look into, no event loop to get wrong (and a blocking splice
 * moves a pipe's worth per call, where a non-blocking one stops at what
 * has arrived). Threads are kept for the next connection. Whatever
 * happens, the connection ends with one event. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <linux/capability.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/fd-pass.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "net/net-internal.h"
#include "net/proxy.h"
#include "sandbox/landlock.h"
#include "supervise/supervise.h"

#define CONN_MAX 512              /* connections at once; more are refused */
#define HEAD_TIMEOUT_MS 30000     /* for the client to send its request */
#define CONNECT_TIMEOUT_MS 10000  /* for the host to answer */
#define ADDR_MAX 16               /* addresses tried per name */
#define PIPE_SIZE (1024 * 1024)  /* a bulk transfer's pipe, when the kernel lets us */
#define THREAD_STACK (256 * 1024)
#define SPARE_MAX 32              /* threads kept for the next connection */
#define PENDING_MAX 32            /* questions open at once */
#define GRANTS_MAX 256            /* hosts granted for the session */
#define DENIED_MAX 64             /* distinct denied targets counted */
#define FINISH_GRACE_MS 300       /* for connections to end by themselves at the end */
#define TARGET_MAX (POLICY_HOST_MAX + 16)

struct pending {
	bool used, answered;
	unsigned waiters;
	uint64_t id;
	char target[TARGET_MAX];
	struct sup_net_answer answer;
};

struct proxy {
	const struct net_proxy_args *a;
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* an answer came, a connection ended, stopping */
	pthread_mutex_t ev_lock;  /* one event line at a time */
	struct conn *active[CONN_MAX];
	unsigned n_active;
	bool stopping;
	uint64_t next_id;
	uint64_t timeout_ns;
	struct pending pending[PENDING_MAX];
	char grants[GRANTS_MAX][TARGET_MAX];
	size_t n_grants;
	struct net_summary sum;
	struct {
		char target[TARGET_MAX];
		unsigned long long count;
	} denied[DENIED_MAX];
	size_t n_denied;
};

struct conn {
	struct proxy *px;
	int client, server;
	int slot;
	long long t0_ms;
	uint64_t t0_ns;
	unsigned char buf[NET_HEAD_MAX + 1];
	size_t len;
	struct net_request req;
	bool have_req;
	char target[TARGET_MAX];
	/* For the event. */
	bool allow;
	bool failed;              /* allowed, then resolving or connecting failed */
	int pid;
	const char *decided_by;
	const char *grant;
	char rule[600];
	char reason[600];
	char error[300];
	char address[64];
	char exe[512];
	unsigned long long up, down;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- events and the summary ----------------------------------------------- */

static void count_denied(struct proxy *px, const char *target)
{
	for (size_t i = 0; i < px->n_denied; i++)
		if (strcmp(px->denied[i].target, target) == 0) {
			px->denied[i].count++;
			return;
		}
	if (px->n_denied == DENIED_MAX)
		return;
	(void)snprintf(px->denied[px->n_denied].target, TARGET_MAX, "%s", target);
	px->denied[px->n_denied++].count = 1;
}

static void record(struct conn *c)
{
	struct proxy *px = c->px;
	struct net_event ev = {
		.time_unix_ms = c->t0_ms,
		.pid = c->pid,
		.exe = c->exe[0] ? c->exe : NULL,
		.proto = c->have_req ? c->req.proto : NET_PROTO_HTTP,
		.host = c->have_req ? c->req.host.name : NULL,
		.port = c->have_req ? c->req.port : -1,
		.address = c->address[0] ? c->address : NULL,
		.allow = c->allow,
		.decided_by = c->decided_by ? c->decided_by : "proxy",
		.rule = c->rule[0] ? c->rule : NULL,
		.grant = c->grant,
		.reason = c->reason,
		.error = c->error[0] ? c->error : NULL,
		.bytes_up = c->up,
		.bytes_down = c->down,
		.duration_ms = (long long)((now_ns() - c->t0_ns) / 1000000),
	};
	_cleanup_free_ char *line = NULL;

	pthread_mutex_lock(&px->lock);
	if (!c->allow) {
		px->sum.denied++;
		count_denied(px, c->have_req ? c->target : "(unreadable request)");
	} else {
		px->sum.allowed++;
		px->sum.failed += c->failed;
	}
	px->sum.bytes_up += c->up;
	px->sum.bytes_down += c->down;
	pthread_mutex_unlock(&px->lock);
	if (px->a->events < 0)
		return;
	line = net_event_line(&ev);
	pthread_mutex_lock(&px->ev_lock);
	if (!line || write_all(px->a->events, line, strlen(line)) < 0) {
		pthread_mutex_lock(&px->lock);
		px->sum.events_failed++;
		pthread_mutex_unlock(&px->lock);
	}
	pthread_mutex_unlock(&px->ev_lock);
}

/* Add "; what" to c->reason. */
static void add_reason(struct conn *c, const char *what)
{
	size_t n = strlen(c->reason);

	if (n + 2 < sizeof(c->reason))
		(void)snprintf(c->reason + n, sizeof(c->reason) - n, "; %s", what);
}

/* ---- talking to the client -------------------------------------------------- */

static void send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static const char *status_text(int status)
{
	switch (status) {
	case 200:
		return "Connection established";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 431:
		return "Request Header Fields Too Large";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Error";
	}
}

/* The client hears why, in its own protocol. */
static void refuse_client(struct conn *c, int status, uint8_t socks)
{
	if (c->have_req ? c->req.proto == NET_PROTO_SOCKS5 : c->len > 0 && c->buf[0] == 5) {
		unsigned char reply[32];

		send_all(c->client, reply, net_socks_reply(socks, NULL, reply));
		return;
	}
	{
		char body[700], head[256];
		int bn = snprintf(body, sizeof(body), "latch: %s\n", c->reason);
		int hn = snprintf(head, sizeof(head),
				  "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n"
				  "Connection: close\r\n\r\n",
				  status, status_text(status), bn);

		send_all(c->client, head, (size_t)hn);
		send_all(c->client, body, (size_t)bn);
	}
}

/* Read more of the request: 0, or -1 when the client is gone or slow. */
static int read_more(struct conn *c)
{
	ssize_t n;

	if (c->len >= NET_HEAD_MAX)
		return -1;
	do
		n = recv(c->client, c->buf + c->len, NET_HEAD_MAX - c->len, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	c->len += (size_t)n;
	return 0;
}

/* Read the request; 0, or -1 with the client answered and c->reason set. */
static int read_request(struct conn *c)
{
	const char *why = NULL;
	int r, status = 400;

	if (read_more(c) < 0) {
		(void)snprintf(c->reason, sizeof(c->reason), "the client sent no request");
		return -1;
	}
	if (c->buf[0] == 5) {
		size_t used = 0;
		bool noauth = false;
		uint8_t code = NET_SOCKS_FAILURE;

		while ((r = net_socks_greeting(c->buf, c->len, &used, &noauth)) == 0)
			if (read_more(c) < 0)
				break;
		if (r <= 0) {
			(void)snprintf(c->reason, sizeof(c->reason), "not a SOCKS5 greeting");
			return -1;
		}
		if (!noauth) {
			static const unsigned char none[2] = { 5, 0xff };

			send_all(c->client, none, sizeof(none));
			(void)snprintf(c->reason, sizeof(c->reason), "SOCKS5 without \"no authentication\"");
			return -1;
		}
		send_all(c->client, (const unsigned char[]){ 5, 0 }, 2);
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		while (c->len == 0 || (r = net_socks_request(c->buf, c->len, &c->req, &code, &why)) == 0)
			if (read_more(c) < 0) {
				(void)snprintf(c->reason, sizeof(c->reason), "the client sent no SOCKS5 request");
				return -1;
			}
		if (r < 0) {
			(void)snprintf(c->reason, sizeof(c->reason), "refused SOCKS5 request: %s", why);
			refuse_client(c, 0, code);
			return -1;
		}
	} else {
		while ((r = net_http_parse((const char *)c->buf, c->len, &c->req, &status, &why)) == 0)
			if (read_more(c) < 0) {
				(void)snprintf(c->reason, sizeof(c->reason), "the client sent no complete request");
				return -1;
			}
		if (r == -ENOMEM) {
			(void)snprintf(c->reason, sizeof(c->reason), "out of memory");
			refuse_client(c, 503, 0);
			return -1;
		}
		if (r < 0) {
			(void)snprintf(c->reason, sizeof(c->reason), "refused request: %s", why);
			refuse_client(c, status, 0);
			return -1;
		}
	}
	c->have_req = true;
	(void)policy_host_port_format(&c->req.host, c->req.port, c->target, sizeof(c->target));
	return 0;
}

/* ---- asking ------------------------------------------------------------------ */

static bool granted(struct proxy *px, const char *target)
{
	for (size_t i = 0; i < px->n_grants; i++)
		if (strcmp(px->grants[i], target) == 0)
			return true;
	return false;
}

/* Ask the supervisor about c's host. Returns the answer; c->decided_by,
 * c->grant and c->reason say how it came. */
static enum sup_answer ask(struct conn *c)
{
	struct proxy *px = c->px;
	struct sup_net_question q = { .port = c->req.port };
	struct pending *p = NULL;
	struct timespec deadline;
	enum sup_answer a = SUP_ANSWER_DENY;
	uint64_t until;

	pthread_mutex_lock(&px->lock);
	if (granted(px, c->target)) {
		pthread_mutex_unlock(&px->lock);
		c->decided_by = "session";
		c->grant = "session";
		return SUP_ANSWER_ALLOW_SESSION;
	}
	if (px->a->ask < 0) {
		pthread_mutex_unlock(&px->lock);
		c->decided_by = "backend";
		return SUP_ANSWER_DENY;
	}
	/* Connections to the same host while a question about it is open
	 * wait for that answer. */
	for (size_t i = 0; i < PENDING_MAX && !p; i++)
		if (px->pending[i].used && !px->pending[i].answered && strcmp(px->pending[i].target, c->target) == 0)
			p = &px->pending[i];
	if (!p) {
		for (size_t i = 0; i < PENDING_MAX && !p; i++)
			if (!px->pending[i].used)
				p = &px->pending[i];
		if (!p) {
			pthread_mutex_unlock(&px->lock);
			c->decided_by = "backend";
			(void)snprintf(c->error, sizeof(c->error), "too many questions are open already");
			return SUP_ANSWER_DENY;
		}
		memset(p, 0, sizeof(*p));
		p->used = true;
		p->id = ++px->next_id;
		(void)snprintf(p->target, sizeof(p->target), "%s", c->target);
		q.id = p->id;
		(void)snprintf(q.host, sizeof(q.host), "%s", c->req.host.name);
		/* The supervisor finds who holds the other end, to name it. */
		(void)getpeername(c->client, (struct sockaddr *)&q.peer, &(socklen_t){ sizeof(q.peer) });
		(void)getsockname(c->client, (struct sockaddr *)&q.self, &(socklen_t){ sizeof(q.self) });
		if (send(px->a->ask, &q, sizeof(q), MSG_NOSIGNAL) != (ssize_t)sizeof(q)) {
			p->used = false;
			pthread_mutex_unlock(&px->lock);
			c->decided_by = "backend";
			return SUP_ANSWER_DENY;
		}
		px->sum.asked++;
	}
	p->waiters++;
	/* The supervisor times the question out; a little more here, for
	 * a supervisor that is gone. */
	until = now_ns() + px->timeout_ns + 2000000000ull;
	deadline.tv_sec = (time_t)(until / 1000000000ull);
	deadline.tv_nsec = (long)(until % 1000000000ull);
	while (!p->answered && !px->stopping)
		if (pthread_cond_timedwait(&px->cond, &px->lock, &deadline) == ETIMEDOUT)
			break;
	if (p->answered && (unsigned)p->answer.answer < _SUP_ANSWER_MAX) {
		a = (enum sup_answer)p->answer.answer;
		c->pid = p->answer.pid;
		(void)snprintf(c->exe, sizeof(c->exe), "%s", p->answer.exe);
		c->decided_by = p->answer.decided_by[0] == 'u' ? "user" : "backend";
		if (p->answer.note[0])
			(void)snprintf(c->error, sizeof(c->error), "%s", p->answer.note);
	} else {
		c->decided_by = "backend";
		(void)snprintf(c->error, sizeof(c->error), "%s",
			       px->stopping ? "latch stopped before an answer came" : "no answer from the supervisor");
	}
	if (--p->waiters == 0)
		p->used = false;
	switch (a) {
	case SUP_ANSWER_ALLOW_SESSION:
	case SUP_ANSWER_ALLOW_ALWAYS:
		if (!granted(px, c->target) && px->n_grants < GRANTS_MAX)
			(void)snprintf(px->grants[px->n_grants++], TARGET_MAX, "%s", c->target);
		/* fall through */
	case SUP_ANSWER_ALLOW_ONCE:
		px->sum.granted++;
		c->grant = a == SUP_ANSWER_ALLOW_ONCE      ? "answer: allow_once"
			   : a == SUP_ANSWER_ALLOW_SESSION ? "answer: allow_session"
							   : "answer: allow_always";
		break;
	case SUP_ANSWER_DENY:
	case _SUP_ANSWER_MAX:
		break;
	}
	pthread_mutex_unlock(&px->lock);
	return a;
}

/* ---- connecting --------------------------------------------------------------- */

/* Connect to one address within the timeout: a blocking socket, or -errno. */
static int connect_one(const struct sockaddr_storage *a)
{
	socklen_t len = a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fd = socket(a->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), e = 0, one = 1;
	socklen_t el = sizeof(e);
	struct pollfd p;

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)a, len) < 0) {
		if (errno != EINPROGRESS) {
			e = errno;
			(void)close(fd);
			return -e;
		}
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		while ((e = poll(&p, 1, CONNECT_TIMEOUT_MS)) < 0 && errno == EINTR)
			;
		if (e == 0) {
			(void)close(fd);
			return -ETIMEDOUT;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
			e = errno;
		if (e) {
			(void)close(fd);
			return -e;
		}
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Resolve, check every address, connect to the first that answers.
 * Returns 0 with c->server, or -1 with the client answered. */
static int reach(struct conn *c, const struct policy_decision *d)
{
	struct sockaddr_storage addrs[ADDR_MAX];
	const char *how = NULL, *special = NULL;
	/* Only an entry of the profile that names this very host (not a
	 * wildcard, not an answer at run time) reaches a special address --
	 * or the profile's own network.resolve, which names the address. */
	bool exact = d->allow && d->host_rule && !d->host_rule->host.wildcard && !d->host_rule->deny;
	int n = net_resolve(c->px->a->policy, &c->req.host, c->req.port, addrs, ADDR_MAX, &how), e = 0;
	char text[64];

	if (n <= 0) {
		c->failed = true;
		(void)snprintf(c->error, sizeof(c->error), "cannot resolve %s", c->req.host.name);
		add_reason(c, c->error);
		refuse_client(c, 502, NET_SOCKS_HOST_UNREACHABLE);
		return -1;
	}
	if (strcmp(how, "network.resolve") == 0)
		exact = true;
	for (int i = 0; i < n && !exact; i++)
		if ((special = net_addr_special(&addrs[i]))) {
			c->allow = false;
			c->decided_by = "proxy";
			(void)snprintf(c->address, sizeof(c->address), "%s", net_addr_format(&addrs[i], false, text,
												   sizeof(text)));
			(void)snprintf(c->reason, sizeof(c->reason),
				       "deny, %s is %s%s (%s, from %s): only an entry of network.hosts naming exactly "
				       "this host, or network.resolve, reaches such an address",
				       c->req.host.name, c->req.host.kind == POLICY_HOST_NAME ? "resolved to " : "",
				       c->address, special, how);
			refuse_client(c, 403, NET_SOCKS_NOT_ALLOWED);
			return -1;
		}
	for (int i = 0; i < n; i++) {
		int fd = connect_one(&addrs[i]);

		(void)snprintf(c->address, sizeof(c->address), "%s", net_addr_format(&addrs[i], false, text, sizeof(text)));
		if (fd >= 0) {
			c->server = fd;
			return 0;
		}
		e = -fd;
	}
	c->failed = true;
	(void)snprintf(c->error, sizeof(c->error), "cannot connect to %s: %s", c->address, strerror(e));
	add_reason(c, c->error);
	refuse_client(c, e == ETIMEDOUT ? 504 : 502,
		      e == ECONNREFUSED ? NET_SOCKS_REFUSED
		      : e == ETIMEDOUT  ? NET_SOCKS_TTL_EXPIRED
					: NET_SOCKS_HOST_UNREACHABLE);
	return -1;
}

/* ---- threads ------------------------------------------------------------------ */

/* Threads are kept when they are done, up to SPARE_MAX, and handed the
 * next job: a new connection costs a wake-up, not a clone and a stack. */
struct worker {
	pthread_cond_t cond;
	void *(*fn)(void *);
	void *arg;
	struct worker *next;
};

static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static struct worker *spare;
static unsigned n_spare;

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		(void)w->fn(w->arg);
		pthread_mutex_lock(&spare_lock);
		if (n_spare >= SPARE_MAX) {
			pthread_mutex_unlock(&spare_lock);
			pthread_cond_destroy(&w->cond);
			free(w);
			return NULL;
		}
		w->fn = NULL;
		w->next = spare;
		spare = w;
		n_spare++;
		while (!w->fn)
			pthread_cond_wait(&w->cond, &spare_lock);
		pthread_mutex_unlock(&spare_lock);
	}
}

/* Run fn(arg) on a thread of its own. Returns 0 or a positive errno. */
static int run_thread(void *(*fn)(void *), void *arg)
{
	struct worker *w;
	pthread_attr_t attr;
	pthread_t t;
	int r;

	pthread_mutex_lock(&spare_lock);
	w = spare;
	if (w) {
		spare = w->next;
		n_spare--;
		w->fn = fn;
		w->arg = arg;
		pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&spare_lock);
	if (w)
		return 0;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	pthread_cond_init(&w->cond, NULL);
	w->fn = fn;
	w->arg = arg;
	pthread_attr_init(&attr);
	(void)pthread_attr_setstacksize(&attr, THREAD_STACK);
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, worker_main, w);
	pthread_attr_destroy(&attr);
	if (r) {
		pthread_cond_destroy(&w->cond);
		free(w);
	}
	return r;
}

/* ---- relaying ------------------------------------------------------------------ */

/* One direction of a relay, on a thread of its own. */
struct pump {
	int from, to;
	unsigned long long moved;
	sem_t done;
};

/* Copy from -> to until the end: blocking splice(2) through a pipe (no copy
 * into this process; a blocking splice moves what has arrived, up to the
 * pipe's size, in one call). One thread per pipe: a splice from a socket
 * holds the pipe's lock while it waits for data, so a second thread
 * draining the same pipe would wait for it. At the end, the other side hears it (shutdown SHUT_WR); on an
 * error both sockets are shut, which ends the other direction too.
 *
 * The pipe starts at the kernel's default and grows to PIPE_SIZE the first
 * time a splice fills it: a bulk transfer fills it every time, and with
 * 1 MiB (the default pipe-max-size) it takes a quarter of the turns
 * between reading and writing, which this one thread cannot overlap, that
 * 256 KiB took (bench/proxy.sh: 0.96x of a bare relay's throughput, from
 * 0.92x). Pipes count against the user's pipe-user-pages-soft, shared
 * with all their programs, so the many connections that carry a request
 * and a small answer keep the default. If the kernel refuses the size
 * (pipe-max-size, or the user's pipes at their limit), the pipe stays as
 * it is. */
static void *pump_run(void *arg)
{
	struct pump *p = arg;
	int pfd[2], size;
	bool error = false;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		error = true;
		goto out;
	}
	size = fcntl(pfd[1], F_GETPIPE_SZ);
	for (;;) {
		ssize_t n = splice(p->from, NULL, pfd[1], NULL, PIPE_SIZE, SPLICE_F_MOVE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error = n < 0;
			break;
		}
		for (ssize_t left = n; left > 0 && !error;) {
			ssize_t m = splice(pfd[0], NULL, p->to, NULL, (size_t)left, SPLICE_F_MOVE);

			if (m < 0 && errno == EINTR)
				continue;
			if (m <= 0)
				error = true;
			else
				left -= m;
		}
		if (error)
			break;
		p->moved += (unsigned long long)n;
		if (n >= size && size < PIPE_SIZE) {
			int grown = fcntl(pfd[1], F_SETPIPE_SZ, PIPE_SIZE);

			size = grown > 0 ? grown : PIPE_SIZE; /* tried once */
		}
	}
	(void)close(pfd[0]);
	(void)close(pfd[1]);
out:
	if (error) {
		(void)shutdown(p->from, SHUT_RDWR);
		(void)shutdown(p->to, SHUT_RDWR);
	} else {
		(void)shutdown(p->to, SHUT_WR);
	}
	sem_post(&p->done);
	return NULL;
}

/* Relay both directions: this thread carries the sandbox's bytes out,
 * another (from the spare ones) the host's in. */
static void relay(struct conn *c)
{
	struct pump up = { .from = c->client, .to = c->server }, down = { .from = c->server, .to = c->client };
	struct timeval none = { 0 };

	(void)setsockopt(c->client, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	sem_init(&up.done, 0, 0);
	sem_init(&down.done, 0, 0);
	if (run_thread(pump_run, &down) != 0) {
		(void)snprintf(c->error, sizeof(c->error), "cannot start a thread");
		goto out;
	}
	(void)pump_run(&up);
	while (sem_wait(&down.done) < 0 && errno == EINTR)
		;
	c->up += up.moved;
	c->down += down.moved;
out:
	sem_destroy(&up.done);
	sem_destroy(&down.done);
}

/* ---- one connection ------------------------------------------------------------ */

static void serve(struct conn *c)
{
	struct proxy *px = c->px;
	struct policy_query q = { .access = POLICY_ACCESS_NET_CONNECT };
	struct policy_decision d;
	struct timeval tv = { .tv_sec = HEAD_TIMEOUT_MS / 1000 };

	(void)setsockopt(c->client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (read_request(c) < 0)
		return;
	q.host = c->req.host.name;
	q.port = c->req.port;
	policy_decide(px->a->policy, &q, &d);
	c->allow = d.allow;
	c->decided_by = "profile";
	(void)snprintf(c->reason, sizeof(c->reason), "%s", d.reason);
	if (d.host_rule)
		(void)policy_host_rule_label(d.host_rule, c->rule, sizeof(c->rule));
	/* No entry names the host: asked. An entry of deny_hosts is final. */
	if (!d.allow && !d.host_rule && px->a->policy->net.mode == POLICY_NET_PROXY) {
		enum sup_answer a = ask(c);
		char why[sizeof(c->reason)];

		c->allow = a != SUP_ANSWER_DENY;
		memcpy(why, c->reason, sizeof(why));
		if (c->allow)
			(void)snprintf(c->reason, sizeof(c->reason), "allow, %s%s (no entry of network.hosts names %s)",
				       strcmp(c->grant, "session") == 0 ? "granted for the " : "by ", c->grant, c->target);
		else if (strcmp(c->decided_by, "user") == 0)
			(void)snprintf(c->reason, sizeof(c->reason), "%s; the approver answered deny", why);
		else if (c->error[0])
			add_reason(c, c->error);
		else
			add_reason(c, "nobody to ask");
		c->error[0] = '\0';
	}
	if (!c->allow) {
		refuse_client(c, 403, NET_SOCKS_NOT_ALLOWED);
		return;
	}
	if (reach(c, &d) < 0)
		return;
	switch (c->req.proto) {
	case NET_PROTO_CONNECT: {
		static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";

		send_all(c->client, ok, sizeof(ok) - 1);
		break;
	}
	case NET_PROTO_HTTP:
		send_all(c->server, c->req.head, c->req.head_len);
		c->up += c->req.head_len;
		break;
	case NET_PROTO_SOCKS5: {
		struct sockaddr_storage bound;
		socklen_t bl = sizeof(bound);
		unsigned char reply[32];

		if (getsockname(c->server, (struct sockaddr *)&bound, &bl) < 0)
			memset(&bound, 0, sizeof(bound));
		send_all(c->client, reply, net_socks_reply(NET_SOCKS_OK, &bound, reply));
		break;
	}
	case _NET_PROTO_MAX:
		break;
	}
	/* Whatever the client sent after its request goes on to the host. */
	if (c->len > c->req.consumed) {
		send_all(c->server, c->buf + c->req.consumed, c->len - c->req.consumed);
		c->up += c->len - c->req.consumed;
	}
	relay(c);
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct proxy *px = c->px;

	serve(c);
	record(c);
	pthread_mutex_lock(&px->lock);
	px->active[c->slot] = NULL;
	px->n_active--;
	pthread_cond_broadcast(&px->cond);
	pthread_mutex_unlock(&px->lock);
	(void)close(c->client);
	if (c->server >= 0)
		(void)close(c->server);
	net_request_done(&c->req);
	free(c);
	return NULL;
}

static void accept_all(struct proxy *px, int listener)
{
	for (;;) {
		int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
		struct conn *c;
		int slot = -1, one = 1;

		if (fd < 0)
			return; /* EAGAIN: all taken */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		pthread_mutex_lock(&px->lock);
		px->sum.connections++;
		for (int i = 0; c && i < CONN_MAX && slot < 0; i++)
			if (!px->active[i])
				slot = i;
		if (slot >= 0) {
			px->active[slot] = c;
			px->n_active++;
		}
		pthread_mutex_unlock(&px->lock);
		if (slot < 0) {
			/* Too many at once (or no memory): refused, and said. */
			static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n";

			send_all(fd, busy, sizeof(busy) - 1);
			(void)close(fd);
			free(c);
			continue;
		}
		c->px = px;
		c->client = fd;
		c->server = -1;
		c->slot = slot;
		c->t0_ns = now_ns();
		c->t0_ms = unix_time_ms();
		if (run_thread(conn_main, c) != 0) {
			pthread_mutex_lock(&px->lock);
			px->active[slot] = NULL;
			px->n_active--;
			pthread_mutex_unlock(&px->lock);
			(void)close(fd);
			free(c);
		}
	}
}

/* ---- the main thread ----------------------------------------------------------- */

static void read_answer(struct proxy *px)
{
	struct sup_net_answer a;
	ssize_t n = recv(px->a->ask, &a, sizeof(a), MSG_DONTWAIT);

	if (n != (ssize_t)sizeof(a))
		return;
	a.decided_by[sizeof(a.decided_by) - 1] = '\0';
	a.note[sizeof(a.note) - 1] = '\0';
	a.exe[sizeof(a.exe) - 1] = '\0';
	pthread_mutex_lock(&px->lock);
	for (size_t i = 0; i < PENDING_MAX; i++)
		if (px->pending[i].used && !px->pending[i].answered && px->pending[i].id == a.id) {
			px->pending[i].answer = a;
			px->pending[i].answered = true;
			pthread_cond_broadcast(&px->cond);
		}
	pthread_mutex_unlock(&px->lock);
}

/* Wait for the connections to end, at most ms. */
static void wait_idle(struct proxy *px, unsigned ms)
{
	uint64_t until = now_ns() + (uint64_t)ms * 1000000ull;
	struct timespec deadline = { .tv_sec = (time_t)(until / 1000000000ull), .tv_nsec = (long)(until % 1000000000ull) };

	pthread_mutex_lock(&px->lock);
	while (px->n_active > 0)
		if (pthread_cond_timedwait(&px->cond, &px->lock, &deadline) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&px->lock);
}

static void finish(struct proxy *px, int listener)
{
	if (listener >= 0)
		(void)close(listener);
	pthread_mutex_lock(&px->lock);
	px->stopping = true;
	pthread_cond_broadcast(&px->cond);
	pthread_mutex_unlock(&px->lock);
	/* The sandbox is gone: its connections end by themselves... */
	wait_idle(px, FINISH_GRACE_MS);
	/* ...or are ended (a process the static mode left behind). */
	pthread_mutex_lock(&px->lock);
	for (int i = 0; i < CONN_MAX; i++)
		if (px->active[i]) {
			(void)shutdown(px->active[i]->client, SHUT_RDWR);
			if (px->active[i]->server >= 0)
				(void)shutdown(px->active[i]->server, SHUT_RDWR);
		}
	pthread_mutex_unlock(&px->lock);
	wait_idle(px, 2000);
	pthread_mutex_lock(&px->lock);
	for (size_t k = 0; k < NET_TOP_DENIED; k++) {
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < px->n_denied; i++) {
			bool taken = false;

			for (size_t j = 0; j < px->sum.n_top_denied; j++)
				taken |= strcmp(px->sum.top_denied[j].target, px->denied[i].target) == 0;
			if (!taken && (best == SIZE_MAX || px->denied[i].count > px->denied[best].count))
				best = i;
		}
		if (best == SIZE_MAX)
			break;
		(void)snprintf(px->sum.top_denied[k].target, sizeof(px->sum.top_denied[k].target), "%s",
			       px->denied[best].target);
		px->sum.top_denied[k].count = px->denied[best].count;
		px->sum.n_top_denied++;
	}
	px->sum.valid = true;
	if (px->a->control >= 0)
		(void)send(px->a->control, &px->sum, sizeof(px->sum), MSG_NOSIGNAL);
	pthread_mutex_unlock(&px->lock);
	_exit(0);
}

/* The proxy reads what the sandbox sends, so it is confined too: it keeps
 * no capability, reads only /etc (hosts, resolv.conf) and /proc (who
 * connects), writes no file (its descriptors are open already), and
 * signals nothing outside. A bug in what reads the sandbox's bytes then
 * reaches no credential and plants nothing. Best effort: without Landlock
 * latch would not have started a sandbox. */
static void confine_self(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct none[2] = { 0 };
	struct policy *p = calloc(1, sizeof(*p));
	struct landlock_plan *plan = NULL;
	struct error err = { 0 };

	(void)syscall(SYS_capset, &h, none);
	if (!p)
		return;
	p->net.mode = POLICY_NET_ON;
	p->process.scope_signals = true;
	p->process.scope_abstract_unix = true;
	if (policy_add_rule(p, POLICY_CLASS_READ, "/etc", "proxy", &err) == 0 &&
	    policy_add_rule(p, POLICY_CLASS_READ, "/proc", "proxy", &err) == 0 &&
	    landlock_compile(p, landlock_abi(), &plan, &err) == 0 && landlock_prepare(plan, &err) == 0 &&
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		(void)landlock_apply(plan, &err);
	landlock_plan_free(plan);
	policy_free(p);
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

_Noreturn void net_proxy_main(const struct net_proxy_args *a)
{
	static struct proxy px; /* large: not on the stack */
	pthread_condattr_t ca;
	int listener = -1;
	int bridge = a->bridge;

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGQUIT, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGTSTP, SIG_IGN);
	(void)signal(SIGTTIN, SIG_IGN);
	(void)signal(SIGTTOU, SIG_IGN);
	raise_nofile();
	confine_self();
	px.a = a;
	px.timeout_ns = (uint64_t)(a->timeout_ms ? a->timeout_ms : SUP_DEFAULT_TIMEOUT_MS) * 1000000ull;
	pthread_mutex_init(&px.lock, NULL);
	pthread_mutex_init(&px.ev_lock, NULL);
	pthread_condattr_init(&ca);
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&px.cond, &ca);
	pthread_condattr_destroy(&ca);
	for (;;) {
		struct pollfd fds[5];
		int n = 0, i_bridge = -1, i_listener = -1, i_control = -1, i_ask = -1, i_watch = -1;

		if (bridge >= 0) {
			i_bridge = n;
			fds[n++] = (struct pollfd){ .fd = bridge, .events = POLLIN };
		}
		if (listener >= 0) {
			i_listener = n;
			fds[n++] = (struct pollfd){ .fd = listener, .events = POLLIN };
		}
		if (a->control >= 0) {
			i_control = n;
			fds[n++] = (struct pollfd){ .fd = a->control, .events = POLLIN };
		}
		if (a->ask >= 0) {
			i_ask = n;
			fds[n++] = (struct pollfd){ .fd = a->ask, .events = POLLIN };
		}
		if (a->watch >= 0) {
			i_watch = n;
			fds[n++] = (struct pollfd){ .fd = a->watch, .events = POLLIN };
		}
		if (poll(fds, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			finish(&px, listener);
		}
		if (i_bridge >= 0 && fds[i_bridge].revents) {
			/* The listener, once; then the bridge is done. */
			if (fd_recv(bridge, &listener) == 0)
				(void)fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK);
			else
				listener = -1;
			(void)close(bridge);
			bridge = -1;
		}
		if (i_listener >= 0 && (fds[i_listener].revents & POLLIN))
			accept_all(&px, listener);
		if (i_ask >= 0 && (fds[i_ask].revents & POLLIN))
			read_answer(&px);
		if (i_watch >= 0 && fds[i_watch].revents)
			finish(&px, listener);
		if (i_control >= 0 && fds[i_control].revents) {
			struct net_ctl m;
			ssize_t k = recv(a->control, &m, sizeof(m), MSG_DONTWAIT);

			if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR) ||
			    (k == (ssize_t)sizeof(m) && m.type == NET_CTL_FINISH))
				finish(&px, listener);
		}
	}
}
