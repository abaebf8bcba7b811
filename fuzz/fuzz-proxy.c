/* The egress proxy's request parser: what a client inside the sandbox
 * sends it, read as an HTTP proxy request and as a SOCKS5 greeting and
 * request; the same bytes as an address and as a hosts file.
 *
 * Promises checked: each reader answers a request, "more bytes", or a
 * refusal with an HTTP status or a SOCKS5 reply code and a reason; a
 * request names a host in its one canonical form (reading it again
 * changes nothing), a port, and no more bytes than it was given; a
 * request is the same read from exactly its own bytes, and one byte
 * fewer is "more bytes"; the head forwarded for plain HTTP is one request
 * head, in origin form, closing the connection, with no control byte; an
 * address read is written and read back the same; the event line for a
 * request is one line of JSON. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "net/net-internal.h"

static void check_host(const struct policy_host *h)
{
	struct policy_host again;
	const char *why = NULL;

	FUZZ_CHECK(h->name[0] && !h->wildcard && (unsigned)h->kind < _POLICY_HOST_KIND_MAX);
	FUZZ_CHECK(policy_host_parse(h->name, strlen(h->name), false, false, &again, &why) == 0);
	FUZZ_CHECK(strcmp(again.name, h->name) == 0 && again.kind == h->kind);
}

static void check_event(const struct net_request *req)
{
	struct net_event ev = { .time_unix_ms = 1, .proto = req->proto, .host = req->host.name, .port = req->port,
				.decided_by = "profile", .reason = "fuzz", .duration_ms = 1 };
	char *line = net_event_line(&ev);
	json_t *v;

	FUZZ_CHECK(line && strchr(line, '\n') == line + strlen(line) - 1);
	v = json_loads(line, 0, NULL);
	FUZZ_CHECK(json_is_object(v));
	json_decref(v);
	free(line);
}

static void check_http(const char *buf, size_t len)
{
	struct net_request req = { 0 }, again = { 0 };
	const char *why = NULL;
	int status = 0, r = net_http_parse(buf, len, &req, &status, &why);

	FUZZ_CHECK(r == 1 || r == 0 || r == -EINVAL || r == -ENOMEM);
	if (r == 0)
		FUZZ_CHECK(len < NET_HEAD_MAX);
	if (r == -EINVAL)
		FUZZ_CHECK(why && (status == 400 || status == 431 || status == 505));
	if (r != 1)
		return;
	FUZZ_CHECK(req.consumed <= len && req.consumed <= NET_HEAD_MAX && req.port > 0);
	FUZZ_CHECK(req.proto == NET_PROTO_CONNECT || req.proto == NET_PROTO_HTTP);
	check_host(&req.host);
	if (req.proto == NET_PROTO_CONNECT) {
		FUZZ_CHECK(!req.head);
	} else {
		const char *sp = memchr(req.head, ' ', req.head_len);

		FUZZ_CHECK(req.head && req.head_len == strlen(req.head) && sp && sp[1] == '/');
		FUZZ_CHECK(req.head_len >= 21 && strcmp(req.head + req.head_len - 21, "Connection: close\r\n\r\n") == 0);
		FUZZ_CHECK(strstr(req.head, "\r\n\r\n") == req.head + req.head_len - 4);
		for (size_t i = 0; i < req.head_len; i++)
			FUZZ_CHECK((unsigned char)req.head[i] >= 0x20 || req.head[i] == '\r' || req.head[i] == '\n' ||
				   req.head[i] == '\t');
	}
	/* Its own bytes make the same request; one fewer are not enough. */
	FUZZ_CHECK(net_http_parse(buf, req.consumed, &again, &status, &why) == 1);
	FUZZ_CHECK(again.consumed == req.consumed && again.port == req.port && again.proto == req.proto &&
		   strcmp(again.host.name, req.host.name) == 0);
	FUZZ_CHECK(!req.head || (again.head && strcmp(again.head, req.head) == 0));
	net_request_done(&again);
	FUZZ_CHECK(net_http_parse(buf, req.consumed - 1, &again, &status, &why) == 0);
	check_event(&req);
	net_request_done(&req);
}

static void check_socks(const unsigned char *buf, size_t len)
{
	struct net_request req = { 0 };
	unsigned char reply[32];
	const char *why = NULL;
	uint8_t code = 0xff;
	size_t consumed = 0;
	bool noauth = false;
	int r = net_socks_greeting(buf, len, &consumed, &noauth);

	FUZZ_CHECK(r == 1 || r == 0 || r == -EINVAL);
	if (r != 1)
		return;
	FUZZ_CHECK(consumed >= 3 && consumed <= len);
	r = net_socks_request(buf + consumed, len - consumed, &req, &code, &why);
	FUZZ_CHECK(r == 1 || r == 0 || r == -EINVAL);
	if (r == -EINVAL) {
		FUZZ_CHECK(why && code >= NET_SOCKS_FAILURE && code <= NET_SOCKS_BAD_ADDRESS);
		FUZZ_CHECK(net_socks_reply(code, NULL, reply) == 10);
		return;
	}
	if (r == 0)
		return;
	FUZZ_CHECK(req.proto == NET_PROTO_SOCKS5 && req.port > 0 && req.consumed <= len - consumed);
	check_host(&req.host);
	check_event(&req);
}

static void check_address(const char *text, size_t len)
{
	struct sockaddr_storage a, b, found[4];
	char out[64], out2[64];

	if (net_addr_parse(text, len, 443, &a)) {
		FUZZ_CHECK(a.ss_family == AF_INET || a.ss_family == AF_INET6);
		(void)net_addr_special(&a);
		FUZZ_CHECK(net_addr_format(&a, true, out, sizeof(out)));
		FUZZ_CHECK(net_addr_format(&a, false, out, sizeof(out)));
		FUZZ_CHECK(net_addr_parse(out, strlen(out), 443, &b) && b.ss_family == a.ss_family);
		FUZZ_CHECK(net_addr_format(&b, false, out2, sizeof(out2)) && strcmp(out, out2) == 0);
	}
	{
		char *hosts = fuzz_strndup(text, len);

		FUZZ_CHECK(hosts);
		FUZZ_CHECK(net_hosts_lookup(hosts, "example.com", 80, found, 4) <= 4);
		FUZZ_CHECK(net_hosts_lookup(hosts, "localhost", 80, found, 4) <= 4);
		free(hosts);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_http((const char *)data, size);
	check_socks(data, size);
	check_address((const char *)data, size);
	return 0;
}
