/* Landlock's denial records from the kernel's audit log (audit.h). */
#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/macro.h"
#include "sandbox/audit.h"

#define RCVBUF (8 << 20)     /* records wait here until the run ends */
#define RECORDS_MAX 65536    /* Landlock records kept from one run */
#define QUIET_MS 30          /* no record this long after the end: done */
#define WAIT_MAX_MS 300      /* ...and never longer than this */

struct ll_audit {
	int fd;
	struct ll_audit_record *recs;
	size_t n, alloc;
	bool lost;
};

/* ---- parsing ------------------------------------------------------------------------ */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The value of key in text: quoted ("..."), or a bare word, which for an
 * untrusted string (a path) is its bytes in hex. Returns 0, or -ENOENT. */
static int field(const char *text, const char *key, bool hex_bare, char *buf, size_t size)
{
	size_t klen = strlen(key), n;
	const char *p = text, *v;

	for (;;) {
		p = strstr(p, key);
		if (!p)
			return -ENOENT;
		if ((p == text || p[-1] == ' ') && p[klen] == '=')
			break;
		p += klen;
	}
	v = p + klen + 1;
	if (*v == '"') {
		const char *end = strchr(v + 1, '"');

		n = end ? (size_t)(end - v - 1) : strlen(v + 1);
		if (n >= size)
			n = size - 1;
		memcpy(buf, v + 1, n);
		buf[n] = '\0';
		return 0;
	}
	n = strcspn(v, " ");
	if (hex_bare && n % 2 == 0 && n / 2 < size) {
		size_t i;

		for (i = 0; i < n && hexval(v[i]) >= 0; i++)
			;
		if (i == n) {
			for (i = 0; i < n / 2; i++)
				buf[i] = (char)(hexval(v[2 * i]) << 4 | hexval(v[2 * i + 1]));
			buf[n / 2] = '\0';
			return 0;
		}
	}
	if (n >= size)
		n = size - 1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return 0;
}

int ll_audit_parse(int type, const char *text, struct ll_audit_record *ret)
{
	struct ll_audit_record r = { .type = type, .denials = -1 };
	unsigned long long sec = 0, ms = 0;
	char val[64], *end;
	const char *body;

	if ((type != LL_AUDIT_ACCESS && type != LL_AUDIT_DOMAIN) || sscanf(text, "audit(%llu.%llu:", &sec, &ms) != 2)
		return -EINVAL;
	body = strstr(text, "): ");
	if (!body)
		return -EINVAL;
	body += 3;
	r.time_ms = (long long)(sec * 1000 + ms);
	if (field(body, "domain", false, val, sizeof(val)) < 0)
		return -EINVAL;
	errno = 0;
	r.domain = strtoull(val, &end, 16);
	if (errno || *end || end == val)
		return -EINVAL;
	if (type == LL_AUDIT_ACCESS) {
		const char *rest;

		if (field(body, "blockers", false, r.blockers, sizeof(r.blockers)) < 0)
			return -EINVAL;
		(void)field(body, "path", true, r.path, sizeof(r.path));
		/* What follows the blockers, as the kernel wrote it. */
		rest = strstr(body, " blockers=");
		rest = rest ? strchr(rest + 1, ' ') : NULL;
		(void)snprintf(r.object, sizeof(r.object), "%s", rest ? rest + 1 : "");
	} else {
		if (field(body, "status", false, val, sizeof(val)) < 0)
			return -EINVAL;
		r.allocated = strcmp(val, "allocated") == 0;
		if (!r.allocated && strcmp(val, "deallocated") != 0)
			return -EINVAL;
		if (r.allocated && field(body, "pid", false, val, sizeof(val)) == 0)
			r.pid = (int)strtol(val, NULL, 10);
		if (r.allocated)
			(void)field(body, "exe", true, r.exe, sizeof(r.exe));
		if (!r.allocated && field(body, "denials", false, val, sizeof(val)) == 0)
			r.denials = strtoll(val, NULL, 10);
	}
	*ret = r;
	return 0;
}

const char *ll_audit_access(const char *blocker)
{
	static const struct {
		const char *blocker, *access;
	} map[] = {
		{ "fs.execute", "exec" },           { "fs.write_file", "write" },
		{ "fs.read_file", "read" },         { "fs.read_dir", "read" },
		{ "fs.remove_dir", "delete" },      { "fs.remove_file", "delete" },
		{ "fs.make_char", "create" },       { "fs.make_dir", "create" },
		{ "fs.make_reg", "create" },        { "fs.make_sock", "create" },
		{ "fs.make_fifo", "create" },       { "fs.make_block", "create" },
		{ "fs.make_sym", "create" },        { "fs.refer", "refer" },
		{ "fs.truncate", "truncate" },      { "fs.ioctl_dev", "ioctl_dev" },
		{ "net.bind_tcp", "tcp_bind" },     { "net.connect_tcp", "tcp_connect" },
		{ "scope.signal", "signal" },       { "scope.abstract_unix_socket", "abstract_unix" },
		{ "ptrace", "ptrace" },             { "fs.change_topology", "mount" },
	};
	size_t n = strcspn(blocker, ",");

	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (strlen(map[i].blocker) == n && strncmp(map[i].blocker, blocker, n) == 0)
			return map[i].access;
	return blocker;
}

/* ---- reading ------------------------------------------------------------------------ */

/* Whether the audit subsystem is on: 1, 0, or -errno when it cannot be
 * asked (AUDIT_GET needs CAP_AUDIT_CONTROL). */
static int audit_enabled(void)
{
	struct {
		struct nlmsghdr h;
		struct audit_status s;
	} req = { .h = { .nlmsg_len = NLMSG_LENGTH(0), .nlmsg_type = AUDIT_GET, .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 } };
	char buf[8192];
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT), r = -EIO;

	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		r = -errno;
		goto out;
	}
	for (int tries = 0; tries < 4; tries++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 200) <= 0)
			break;
		/* A signed length: NLMSG_NEXT may take it below zero. */
		int len = (int)recv(fd, buf, sizeof(buf), 0);

		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (e->error) {
					r = e->error;
					goto out;
				}
			} else if (h->nlmsg_type == AUDIT_GET && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct audit_status))) {
				r = ((const struct audit_status *)NLMSG_DATA(h))->enabled != 0;
				goto out;
			}
		}
	}
out:
	(void)close(fd);
	return r;
}

struct ll_audit *ll_audit_open(int abi, const char **ret_why)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1) };
	struct ll_audit *a;
	int fd, on = audit_enabled(), size = RCVBUF;

	if (abi < 7) {
		*ret_why = "Landlock writes no audit records below ABI 7 (Linux 6.15)";
		return NULL;
	}
	if (on == 0) {
		*ret_why = "the kernel's audit log is off (auditctl -e 1 turns it on)";
		return NULL;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
	if (fd < 0) {
		*ret_why = "this kernel has no audit support";
		return NULL;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		*ret_why = errno == EPERM ? "reading the kernel's audit log needs CAP_AUDIT_READ (root)"
					  : "the kernel's audit log cannot be read here";
		(void)close(fd);
		return NULL;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	a = calloc(1, sizeof(*a));
	if (!a) {
		(void)close(fd);
		*ret_why = "out of memory";
		return NULL;
	}
	a->fd = fd;
	return a;
}

void ll_audit_close(struct ll_audit *a)
{
	if (!a)
		return;
	(void)close(a->fd);
	free(a->recs);
	free(a);
}

static long long now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void keep(struct ll_audit *a, const struct nlmsghdr *h)
{
	size_t len = h->nlmsg_len - NLMSG_HDRLEN;
	char text[8192];

	if (h->nlmsg_type != LL_AUDIT_ACCESS && h->nlmsg_type != LL_AUDIT_DOMAIN)
		return;
	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	memcpy(text, NLMSG_DATA(h), len);
	text[len] = '\0';
	if (a->n == a->alloc) {
		struct ll_audit_record *grown;

		if (a->n == RECORDS_MAX) {
			a->lost = true;
			return;
		}
		grown = realloc(a->recs, (a->alloc = a->alloc ? a->alloc * 2 : 64) * sizeof(*a->recs));
		if (!grown) {
			a->lost = true;
			return;
		}
		a->recs = grown;
	}
	if (ll_audit_parse(h->nlmsg_type, text, &a->recs[a->n]) == 0)
		a->n++;
}

/* Read what is there; 1 when something came, 0 when nothing did. */
static int drain(struct ll_audit *a)
{
	char buf[65536];
	int got = 0, len;

	for (;;) {
		ssize_t n = recv(a->fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			a->lost = true;
			continue;
		}
		if (n <= 0)
			return got;
		got = 1;
		len = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
			keep(a, h);
	}
}

static bool ours(const uint64_t *domains, size_t n, uint64_t d)
{
	for (size_t i = 0; i < n; i++)
		if (domains[i] == d)
			return true;
	return false;
}

long long ll_audit_finish(struct ll_audit *a, pid_t pid, void (*fn)(const struct ll_audit_record *r, void *data),
			  void *data, bool *ret_lost)
{
	long long start = now_ms(), quiet_since = start, counted = -1;
	uint64_t domains[16];
	size_t n_domains = 0;

	/* Records are sent by the kernel's audit thread, after the fact. */
	for (;;) {
		struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
		long long now = now_ms();

		if (drain(a))
			quiet_since = now;
		if (now - quiet_since >= QUIET_MS || now - start >= WAIT_MAX_MS)
			break;
		(void)poll(&pfd, 1, QUIET_MS);
	}
	for (size_t i = 0; i < a->n; i++)
		if (a->recs[i].type == LL_AUDIT_DOMAIN && a->recs[i].allocated && a->recs[i].pid == pid &&
		    n_domains < ELEMENTSOF(domains) && !ours(domains, n_domains, a->recs[i].domain))
			domains[n_domains++] = a->recs[i].domain;
	for (size_t i = 0; i < a->n; i++) {
		const struct ll_audit_record *r = &a->recs[i];

		if (!ours(domains, n_domains, r->domain))
			continue;
		if (r->type == LL_AUDIT_ACCESS)
			fn(r, data);
		else if (!r->allocated && r->denials >= 0)
			counted = (counted < 0 ? 0 : counted) + r->denials;
	}
	*ret_lost = a->lost;
	ll_audit_close(a);
	return counted;
}
