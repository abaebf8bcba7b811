/* net_op: one network operation. Targets default to the listeners the
 * runner opened outside the sandbox (harness.h), so a probe that connects
 * measures the sandbox, not whether something happens to listen. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/json-util.h"
#include "probe/probes.h"

#define CONNECT_TIMEOUT_MS 2000

int probe_check_net_op(const struct probe_request *req, struct error *err)
{
	bool is_unix = strcmp(req->op, "unix_connect") == 0, is_abstract = strcmp(req->op, "abstract_connect") == 0;
	bool is_gai = strcmp(req->op, "getaddrinfo") == 0;

	if (req->path && !is_unix)
		return error_set(err, EINVAL, "net_op: --path is only for unix_connect");
	if (req->name && !is_abstract)
		return error_set(err, EINVAL, "net_op: --name is only for abstract_connect");
	if (req->host && (is_unix || is_abstract))
		return error_set(err, EINVAL, "net_op: --host is not for %s", req->op);
	if (req->port >= 0 && (is_unix || is_abstract || is_gai))
		return error_set(err, EINVAL, "net_op: --port is not for %s", req->op);
	if (req->port == 0 && strcmp(req->op, "tcp_bind") != 0)
		return error_set(err, EINVAL, "net_op: port 0 is only for tcp_bind");
	return 0;
}

/* The runner's harness value for key, or NULL. */
static json_t *harness_value(const struct probe_ctx *ctx, const char *key)
{
	json_t *v = json_object_get(json_object_get(ctx->context, "harness"), key);

	return json_is_null(v) ? NULL : v;
}

static int parse_addr(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

/* connect() with a bounded wait; 0 or a negative errno. */
static int connect_bounded(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	if (poll(&p, 1, CONNECT_TIMEOUT_MS) <= 0)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		return -errno;
	return -soerr;
}

/* tcp_connect, tcp_bind, udp_send: socket, then the operation. */
static void run_inet(const struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	bool bind_op = strcmp(req->op, "tcp_bind") == 0, udp = strcmp(req->op, "udp_send") == 0;
	const char *host = req->host ? req->host : "127.0.0.1";
	json_t *hp = harness_value(ctx, udp ? "udp_port" : "tcp_port");
	long port = req->port >= 0 ? req->port : bind_op ? 0 : hp ? json_integer_value(hp) : -1;
	struct sockaddr_storage ss;
	socklen_t len;
	_cleanup_close_ int fd = -EBADF;
	int r;

	probe_detail(res, "host", json_str(host));
	probe_detail(res, "port", port >= 0 ? json_integer(port) : json_null());
	probe_detail(res, "target", json_str(req->port >= 0 || bind_op ? "given" : "harness_listener"));
	if (port < 0) {
		probe_outcome(res, PROBE_PREMISE_FAILED, "no --port given and no harness listener");
		return;
	}
	if (parse_addr(host, (uint16_t)port, &ss, &len) < 0) {
		probe_outcome(res, PROBE_BAD_REQUEST, "--host '%s' is not an IPv4 or IPv6 address", host);
		return;
	}
	if (!udp)
		probe_access(res, bind_op ? POLICY_ACCESS_TCP_BIND : POLICY_ACCESS_TCP_CONNECT, NULL, (uint16_t)port,
			     true);
	fd = socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		probe_errno(res, "socket", errno);
		return;
	}
	if (bind_op) {
		struct sockaddr_storage got;
		socklen_t gl = sizeof(got);

		r = bind(fd, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
		if (r == 0 && getsockname(fd, (struct sockaddr *)&got, &gl) == 0)
			probe_detail(res, "bound_port", json_integer(ntohs(((struct sockaddr_in *)&got)->sin_port)));
		probe_errno(res, "bind", -r);
	} else if (udp) {
		r = sendto(fd, "latch-probe", 11, 0, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
		probe_errno(res, "sendto", -r);
	} else {
		r = connect_bounded(fd, (struct sockaddr *)&ss, len);
		probe_errno(res, "connect", -r);
	}
}

/* unix_connect and abstract_connect. */
static void run_unix(const struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	bool abstract = strcmp(req->op, "abstract_connect") == 0;
	const char *name = abstract ? (req->name ? req->name : json_string_value(harness_value(ctx, "abstract_name")))
				    : (req->path ? req->path : json_string_value(harness_value(ctx, "unix_path")));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = name ? strlen(name) + (abstract ? 1 : 0) : 0;
	_cleanup_close_ int fd = -EBADF;

	probe_detail(res, abstract ? "name" : "path", json_str(name));
	probe_detail(res, "target", json_str(req->name || req->path ? "given" : "harness_listener"));
	if (!name) {
		probe_outcome(res, PROBE_PREMISE_FAILED, "no %s given and no harness listener",
			      abstract ? "--name" : "--path");
		return;
	}
	if (len > sizeof(sa.sun_path)) {
		probe_outcome(res, PROBE_BAD_REQUEST, "'%s' is too long for a unix socket address", name);
		return;
	}
	memcpy(sa.sun_path + (abstract ? 1 : 0), name, len - (abstract ? 1 : 0));
	/* Landlock scopes abstract sockets (ABI 6); it does not mediate
	 * connecting to a socket file. */
	if (abstract)
		probe_access(res, POLICY_ACCESS_ABSTRACT_UNIX, NULL, 0, true);
	else
		probe_access(res, POLICY_ACCESS_UNIX_CONNECT, name, 0, true);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		probe_errno(res, "socket", errno);
		return;
	}
	probe_errno(res, "connect",
		    connect(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0
			    ? errno
			    : 0);
}

/* The first address for name in /etc/hosts, into addr. 1 found, 0 not,
 * negative errno when the file cannot be read. */
static int hosts_lookup(const char *name, char *addr, size_t size)
{
	FILE *f = fopen("/etc/hosts", "re");
	char line[512];
	int found = 0;

	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok, *first;

		line[strcspn(line, "#\n")] = '\0';
		first = strtok_r(line, " \t", &save);
		while (first && (tok = strtok_r(NULL, " \t", &save)))
			if (strcasecmp(tok, name) == 0) {
				(void)snprintf(addr, size, "%s", first);
				found = 1;
				break;
			}
	}
	(void)fclose(f);
	return found;
}

/* The first nameserver in /etc/resolv.conf, or an empty string. */
static void first_nameserver(char *ns, size_t size)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	char line[512];

	ns[0] = '\0';
	while (f && !ns[0] && fgets(line, sizeof(line), f)) {
		char value[128];

		if (sscanf(line, " nameserver %127s", value) == 1)
			(void)snprintf(ns, size, "%s", value);
	}
	if (f)
		(void)fclose(f);
}

/* A DNS query for name's A record: header, labels, type A, class IN. */
static size_t dns_query(const char *name, uint16_t id, unsigned char *q, size_t size)
{
	size_t o = 12;

	memset(q, 0, 12);
	q[0] = (unsigned char)(id >> 8);
	q[1] = (unsigned char)id;
	q[2] = 0x01; /* recursion desired */
	q[5] = 1;    /* one question */
	for (const char *p = name; *p;) {
		size_t l = strcspn(p, ".");

		if (l == 0 || l > 63 || o + l + 6 >= size)
			return 0;
		q[o++] = (unsigned char)l;
		memcpy(q + o, p, l);
		o += l;
		p += l + (p[l] == '.');
	}
	q[o++] = 0;
	q[o++] = 0, q[o++] = 1; /* A */
	q[o++] = 0, q[o++] = 1; /* IN */
	return o;
}

/* getaddrinfo as a static program does it: the name as an address, then
 * /etc/hosts, then one UDP query to the first nameserver. */
static void run_getaddrinfo(const struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	const char *host = req->host ? req->host : "localhost";
	unsigned char q[512], a[512];
	char addr[128], ns[128];
	struct sockaddr_storage ss;
	struct pollfd p;
	socklen_t len;
	_cleanup_close_ int fd = -EBADF;
	size_t qlen;
	ssize_t n;
	int r;

	(void)ctx;
	probe_detail(res, "host", json_str(host));
	if (parse_addr(host, 53, &ss, &len) == 0) {
		probe_detail(res, "source", json_str("numeric"));
		probe_errno(res, NULL, 0);
		return;
	}
	probe_access(res, POLICY_ACCESS_READ, "/etc/hosts", 0, true);
	r = hosts_lookup(host, addr, sizeof(addr));
	if (r < 0 && -r != ENOENT) {
		probe_errno(res, "openat", -r);
		return;
	}
	if (r == 1) {
		probe_detail(res, "source", json_str("hosts"));
		probe_detail(res, "address", json_str(addr));
		probe_errno(res, NULL, 0);
		return;
	}
	first_nameserver(ns, sizeof(ns));
	probe_detail(res, "source", json_str("dns"));
	probe_detail(res, "nameserver", json_str(ns[0] ? ns : NULL));
	res->has_access = false;
	qlen = dns_query(host, (uint16_t)getpid(), q, sizeof(q));
	if (!ns[0] || parse_addr(ns, 53, &ss, &len) < 0 || qlen == 0) {
		probe_outcome(res, PROBE_NOT_FOUND, "'%s' is not in /etc/hosts and there is no usable nameserver", host);
		return;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		probe_errno(res, "socket", errno);
		return;
	}
	if (sendto(fd, q, qlen, 0, (struct sockaddr *)&ss, len) < 0) {
		probe_errno(res, "sendto", errno);
		return;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, PROBE_DNS_TIMEOUT_MS) <= 0) {
		probe_outcome(res, PROBE_TIMEOUT, "no answer from %s within %d ms", ns, PROBE_DNS_TIMEOUT_MS);
		return;
	}
	n = recv(fd, a, sizeof(a), 0);
	if (n < 12 || a[0] != q[0] || a[1] != q[1]) {
		probe_outcome(res, PROBE_PREMISE_FAILED, "a malformed answer from %s", ns);
		return;
	}
	probe_detail(res, "rcode", json_integer(a[3] & 0x0f));
	probe_detail(res, "answers", json_integer(a[6] << 8 | a[7]));
	if ((a[3] & 0x0f) != 0 || (a[6] << 8 | a[7]) == 0)
		probe_outcome(res, PROBE_NOT_FOUND, "%s has no address for '%s'", ns, host);
	else
		probe_errno(res, "recvfrom", 0);
}

/* Sorted by name. */
static const struct {
	const char *name;
	void (*fn)(const struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
} net_ops[] = {
	{ "abstract_connect", run_unix },
	{ "getaddrinfo", run_getaddrinfo },
	{ "tcp_bind", run_inet },
	{ "tcp_connect", run_inet },
	{ "udp_send", run_inet },
	{ "unix_connect", run_unix },
};

const char *probe_net_op_at(size_t i)
{
	return i < ELEMENTSOF(net_ops) ? net_ops[i].name : NULL;
}

void probe_run_net_op(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	probe_detail(res, "op", json_str(req->op));
	for (size_t i = 0; i < ELEMENTSOF(net_ops); i++)
		if (strcmp(net_ops[i].name, req->op) == 0)
			net_ops[i].fn(ctx, req, res);
}
