/* Tests for the proxy's pure parts (src/net/net-internal.h): reading HTTP
 * CONNECT, plain-HTTP and SOCKS5 requests byte by byte, the special
 * address ranges, the hosts file, the event line. What a request asks for
 * is what is decided, so each row checks the host and port read, or the
 * refusal and its status; and every request is also fed one byte at a
 * time, which must give the same answer (a client may send it in any
 * number of pieces). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/net-internal.h"

/* ---- HTTP ---------------------------------------------------------------------- */

struct http_case {
	const char *what;
	const char *in;
	int want;            /* 1: read; -EINVAL: refused; 0: incomplete */
	enum net_proto proto;
	const char *host;
	uint16_t port;
	int status;          /* refused: the HTTP status */
	const char *why;     /* refused: a substring */
	const char *head;    /* NET_PROTO_HTTP: the head sent on */
};

#define CRLF "\r\n"

static const struct http_case http_cases[] = {
	{ "connect", "CONNECT api.anthropic.com:443 HTTP/1.1" CRLF "Host: api.anthropic.com:443" CRLF CRLF, 1,
	  NET_PROTO_CONNECT, "api.anthropic.com", 443, 0, NULL, NULL },
	{ "connect, no Host", "CONNECT example.org:8443 HTTP/1.1" CRLF CRLF, 1, NET_PROTO_CONNECT, "example.org", 8443,
	  0, NULL, NULL },
	{ "connect, upper case", "CONNECT EXAMPLE.Org.:443 HTTP/1.1" CRLF "host: example.org:443" CRLF CRLF, 1,
	  NET_PROTO_CONNECT, "example.org", 443, 0, NULL, NULL },
	{ "connect, Host without port", "CONNECT example.org:443 HTTP/1.1" CRLF "Host: example.org" CRLF CRLF, 1,
	  NET_PROTO_CONNECT, "example.org", 443, 0, NULL, NULL },
	{ "connect ipv4", "CONNECT 93.184.216.34:443 HTTP/1.1" CRLF CRLF, 1, NET_PROTO_CONNECT, "93.184.216.34", 443,
	  0, NULL, NULL },
	{ "connect ipv6", "CONNECT [::1]:443 HTTP/1.1" CRLF "Host: [::1]:443" CRLF CRLF, 1, NET_PROTO_CONNECT, "::1",
	  443, 0, NULL, NULL },
	{ "connect ipv6 long form", "CONNECT [0:0:0:0:0:0:0:1]:22 HTTP/1.1" CRLF CRLF, 1, NET_PROTO_CONNECT, "::1", 22,
	  0, NULL, NULL },
	{ "plain http", "GET http://example.org/a/b?c=d HTTP/1.1" CRLF "Host: example.org" CRLF
			"Proxy-Connection: keep-alive" CRLF "Accept: */*" CRLF CRLF,
	  1, NET_PROTO_HTTP, "example.org", 80, 0, NULL,
	  "GET /a/b?c=d HTTP/1.1" CRLF "Host: example.org" CRLF "Accept: */*" CRLF "Connection: close" CRLF CRLF },
	{ "plain http, port", "POST http://registry.test:8080 HTTP/1.1" CRLF "Host: registry.test:8080" CRLF
			      "Connection: keep-alive" CRLF "Content-Length: 3" CRLF CRLF "abc",
	  1, NET_PROTO_HTTP, "registry.test", 8080, 0, NULL,
	  "POST / HTTP/1.1" CRLF "Host: registry.test:8080" CRLF "Content-Length: 3" CRLF "Connection: close" CRLF CRLF },
	{ "plain http, query only", "GET http://a.org?x HTTP/1.0" CRLF CRLF, 1, NET_PROTO_HTTP, "a.org", 80, 0, NULL,
	  "GET /?x HTTP/1.0" CRLF "Connection: close" CRLF CRLF },
	{ "plain http, fragment dropped", "GET http://a.org/p#frag HTTP/1.1" CRLF "Host: a.org" CRLF CRLF, 1,
	  NET_PROTO_HTTP, "a.org", 80, 0, NULL, "GET /p HTTP/1.1" CRLF "Host: a.org" CRLF "Connection: close" CRLF CRLF },
	{ "plain http, Host with port 80", "GET http://a.org/ HTTP/1.1" CRLF "Host: a.org:80" CRLF CRLF, 1,
	  NET_PROTO_HTTP, "a.org", 80, 0, NULL, NULL },
	/* refusals */
	{ "Host disagrees", "GET http://allowed.example/ HTTP/1.1" CRLF "Host: evil.example" CRLF CRLF, -EINVAL, 0,
	  NULL, 0, 400, "another host", NULL },
	{ "Host port disagrees", "GET http://a.org/ HTTP/1.1" CRLF "Host: a.org:8080" CRLF CRLF, -EINVAL, 0, NULL, 0,
	  400, "another host", NULL },
	{ "connect Host disagrees", "CONNECT a.org:443 HTTP/1.1" CRLF "Host: b.org:443" CRLF CRLF, -EINVAL, 0, NULL, 0,
	  400, "another host", NULL },
	{ "two Host headers", "GET http://a.org/ HTTP/1.1" CRLF "Host: a.org" CRLF "Host: b.org" CRLF CRLF, -EINVAL, 0,
	  NULL, 0, 400, "two Host", NULL },
	{ "no Host in 1.1", "GET http://a.org/ HTTP/1.1" CRLF CRLF, -EINVAL, 0, NULL, 0, 400, "no Host", NULL },
	{ "origin form", "GET / HTTP/1.1" CRLF "Host: a.org" CRLF CRLF, -EINVAL, 0, NULL, 0, 400, "the proxy itself",
	  NULL },
	{ "https absolute", "GET https://a.org/ HTTP/1.1" CRLF "Host: a.org" CRLF CRLF, -EINVAL, 0, NULL, 0, 400,
	  "use CONNECT", NULL },
	{ "credentials", "GET http://me:pw@a.org/ HTTP/1.1" CRLF "Host: a.org" CRLF CRLF, -EINVAL, 0, NULL, 0, 400,
	  "credentials", NULL },
	{ "connect without port", "CONNECT a.org HTTP/1.1" CRLF CRLF, -EINVAL, 0, NULL, 0, 400, "HOST:PORT", NULL },
	{ "connect port 0", "CONNECT a.org:0 HTTP/1.1" CRLF CRLF, -EINVAL, 0, NULL, 0, 400, "port", NULL },
	{ "connect port 65536", "CONNECT a.org:65536 HTTP/1.1" CRLF CRLF, -EINVAL, 0, NULL, 0, 400, "port", NULL },
	{ "connect ipv6 bare", "CONNECT ::1:443 HTTP/1.1" CRLF CRLF, -EINVAL, 0, NULL, 0, 400, "brackets", NULL },
	{ "connect numeric name", "CONNECT 2130706433:443 HTTP/1.1" CRLF CRLF, -EINVAL, 0, NULL, 0, 400, "a number",
	  NULL },
	{ "connect percent", "CONNECT ex%61mple.org:443 HTTP/1.1" CRLF CRLF, -EINVAL, 0, NULL, 0, 400, "only letters",
	  NULL },
	{ "connect NUL", "CONNECT evil.example\0.ok.org:443 HTTP/1.1" CRLF CRLF, -EINVAL, 0, NULL, 0, 400,
	  "control byte", NULL },
	{ "bare LF", "CONNECT a.org:443 HTTP/1.1\n\n\r\n\r\n", -EINVAL, 0, NULL, 0, 400, "bare line end", NULL },
	{ "folded header", "GET http://a.org/ HTTP/1.1" CRLF "Host: a.org" CRLF " folded" CRLF CRLF, -EINVAL, 0, NULL,
	  0, 400, "folded", NULL },
	{ "header without name", "GET http://a.org/ HTTP/1.1" CRLF "Host: a.org" CRLF ": x" CRLF CRLF, -EINVAL, 0, NULL,
	  0, 400, "without a name", NULL },
	{ "header name with space", "GET http://a.org/ HTTP/1.1" CRLF "Host : a.org" CRLF CRLF, -EINVAL, 0, NULL, 0,
	  400, "header name", NULL },
	{ "HTTP/2", "CONNECT a.org:443 HTTP/2.0" CRLF CRLF, -EINVAL, 0, NULL, 0, 505, "HTTP/1.1", NULL },
	{ "not HTTP", "\x16\x03\x01\x02\x05" CRLF CRLF, -EINVAL, 0, NULL, 0, 400, NULL, NULL },
	{ "extra space", "CONNECT a.org:443  HTTP/1.1" CRLF CRLF, -EINVAL, 0, NULL, 0, 400, "request line", NULL },
	{ "no method", " a.org:443 HTTP/1.1" CRLF CRLF, -EINVAL, 0, NULL, 0, 400, "method", NULL },
	/* incomplete */
	{ "incomplete", "CONNECT a.org:443 HTTP/1.1" CRLF, 0, 0, NULL, 0, 0, NULL, NULL },
	{ "empty", "", 0, 0, NULL, 0, 0, NULL, NULL },
};

static size_t case_len(const struct http_case *c)
{
	/* The one row with a NUL inside: its length is its literal's. */
	if (strcmp(c->what, "connect NUL") == 0)
		return sizeof("CONNECT evil.example\0.ok.org:443 HTTP/1.1" CRLF CRLF) - 1;
	return strlen(c->in);
}

static bool check_http(const struct http_case *c, const char *in, size_t len, bool whole)
{
	struct net_request r = { 0 };
	const char *why = NULL;
	int status = 0, rc = net_http_parse(in, len, &r, &status, &why);
	bool ok = rc == c->want;

	if (ok && rc == 1)
		ok = r.proto == c->proto && strcmp(r.host.name, c->host) == 0 && r.port == c->port &&
		     (!whole || !c->head || (r.head && strcmp(r.head, c->head) == 0)) &&
		     (c->proto != NET_PROTO_HTTP || r.head) && r.consumed <= len;
	if (ok && rc < 0)
		ok = status == c->status && (!c->why || (why && strstr(why, c->why)));
	if (!ok)
		print_error("%s: rc %d (want %d) host '%s' port %u status %d why '%s' head '%s'\n", c->what, rc, c->want,
			    rc == 1 ? r.host.name : "", rc == 1 ? r.port : 0, status, why ? why : "",
			    r.head ? r.head : "");
	net_request_done(&r);
	return ok;
}

static void test_http_table(void **state)
{
	bool ok = true;

	(void)state;
	for (size_t i = 0; i < sizeof(http_cases) / sizeof(http_cases[0]); i++) {
		const struct http_case *c = &http_cases[i];
		size_t len = case_len(c);

		struct net_request whole = { 0 };
		const char *w = NULL;
		int st = 0;
		size_t head = net_http_parse(c->in, len, &whole, &st, &w) == 1 ? whole.consumed : len;

		net_request_done(&whole);
		ok &= check_http(c, c->in, len, true);
		/* Every prefix shorter than the head is incomplete -- or
		 * already refused the same way, never read as something else. */
		for (size_t k = 0; k < head; k++) {
			struct net_request r = { 0 };
			const char *why = NULL;
			int status = 0, rc = net_http_parse(c->in, k, &r, &status, &why);

			if (rc == 1 || (rc < 0 && c->want != -EINVAL)) {
				print_error("%s: the first %zu bytes gave %d\n", c->what, k, rc);
				ok = false;
			}
			net_request_done(&r);
		}
	}
	assert_true(ok);
}

static void test_http_consumed_and_limits(void **state)
{
	const char *in = "CONNECT a.org:443 HTTP/1.1" CRLF CRLF "\x16\x03\x01 client hello";
	struct net_request r = { 0 };
	const char *why = NULL;
	int status = 0;
	char *big;

	(void)state;
	assert_int_equal(net_http_parse(in, strlen(in), &r, &status, &why), 1);
	assert_int_equal(r.consumed, strlen("CONNECT a.org:443 HTTP/1.1" CRLF CRLF));
	net_request_done(&r);
	/* A head that never ends is refused at the limit, not read on. */
	big = malloc(NET_HEAD_MAX + 64);
	assert_non_null(big);
	memset(big, 'a', NET_HEAD_MAX + 64);
	memcpy(big, "GET http://a.org/ HTTP/1.1" CRLF "X: ", 31);
	assert_int_equal(net_http_parse(big, NET_HEAD_MAX - 1, &r, &status, &why), 0);
	assert_int_equal(net_http_parse(big, NET_HEAD_MAX + 64, &r, &status, &why), -EINVAL);
	assert_int_equal(status, 431);
	free(big);
}

/* ---- SOCKS5 ---------------------------------------------------------------------- */

static void test_socks_greeting(void **state)
{
	size_t used = 0;
	bool noauth = false;

	(void)state;
	assert_int_equal(net_socks_greeting((const unsigned char *)"", 0, &used, &noauth), 0);
	assert_int_equal(net_socks_greeting((const unsigned char *)"\x05", 1, &used, &noauth), 0);
	assert_int_equal(net_socks_greeting((const unsigned char *)"\x05\x02\x00", 3, &used, &noauth), 0);
	assert_int_equal(net_socks_greeting((const unsigned char *)"\x05\x02\x02\x00", 4, &used, &noauth), 1);
	assert_int_equal(used, 4);
	assert_true(noauth);
	assert_int_equal(net_socks_greeting((const unsigned char *)"\x05\x01\x02", 3, &used, &noauth), 1);
	assert_false(noauth);
	assert_int_equal(net_socks_greeting((const unsigned char *)"\x05\x00", 2, &used, &noauth), -EINVAL);
	assert_int_equal(net_socks_greeting((const unsigned char *)"\x04\x01", 2, &used, &noauth), -EINVAL);
}

struct socks_case {
	const char *what;
	const unsigned char *in;
	size_t len;
	int want;
	const char *host;
	enum policy_host_kind kind;
	uint16_t port;
	uint8_t reply;
};

#define B(s) (const unsigned char *)(s), sizeof(s) - 1

static const struct socks_case socks_cases[] = {
	{ "name", B("\x05\x01\x00\x03\x0b" "example.org" "\x01\xbb"), 1, "example.org", POLICY_HOST_NAME, 443, 0 },
	{ "name upper case", B("\x05\x01\x00\x03\x0b" "EXAMPLE.ORG" "\x00\x50"), 1, "example.org", POLICY_HOST_NAME,
	  80, 0 },
	{ "ipv4", B("\x05\x01\x00\x01\x7f\x00\x00\x01\x1f\x90"), 1, "127.0.0.1", POLICY_HOST_IPV4, 8080, 0 },
	{ "ipv6", B("\x05\x01\x00\x04\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\x00\x16"), 1, "::1", POLICY_HOST_IPV6, 22, 0 },
	{ "name that is an address", B("\x05\x01\x00\x03\x09" "127.0.0.1" "\x01\xbb"), 1, "127.0.0.1",
	  POLICY_HOST_IPV4, 443, 0 },
	{ "NUL in the name", B("\x05\x01\x00\x03\x19" "evil.example\0.allowed.org" "\x01\xbb"), -EINVAL, NULL, 0, 0,
	  NET_SOCKS_NOT_ALLOWED },
	{ "newline in the name", B("\x05\x01\x00\x03\x0c" "evil\nexample" "\x01\xbb"), -EINVAL, NULL, 0, 0,
	  NET_SOCKS_NOT_ALLOWED },
	{ "empty name", B("\x05\x01\x00\x03\x00\x01\xbb"), -EINVAL, NULL, 0, 0, NET_SOCKS_NOT_ALLOWED },
	{ "bind", B("\x05\x02\x00\x01\x7f\x00\x00\x01\x1f\x90"), -EINVAL, NULL, 0, 0, NET_SOCKS_BAD_COMMAND },
	{ "udp associate", B("\x05\x03\x00\x01\x7f\x00\x00\x01\x1f\x90"), -EINVAL, NULL, 0, 0, NET_SOCKS_BAD_COMMAND },
	{ "address type 2", B("\x05\x01\x00\x02\x7f\x00\x00\x01\x1f\x90"), -EINVAL, NULL, 0, 0, NET_SOCKS_BAD_ADDRESS },
	{ "reserved byte", B("\x05\x01\x01\x01\x7f\x00\x00\x01\x1f\x90"), -EINVAL, NULL, 0, 0, NET_SOCKS_FAILURE },
	{ "port 0", B("\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x00"), -EINVAL, NULL, 0, 0, NET_SOCKS_NOT_ALLOWED },
	{ "incomplete name", B("\x05\x01\x00\x03\x0b" "example"), 0, NULL, 0, 0, 0 },
	{ "incomplete port", B("\x05\x01\x00\x01\x7f\x00\x00\x01\x1f"), 0, NULL, 0, 0, 0 },
};

static void test_socks_table(void **state)
{
	bool ok = true;

	(void)state;
	for (size_t i = 0; i < sizeof(socks_cases) / sizeof(socks_cases[0]); i++) {
		const struct socks_case *c = &socks_cases[i];

		for (size_t len = c->want == 0 ? c->len : 0; len <= c->len; len++) {
			struct net_request r = { 0 };
			const char *why = NULL;
			uint8_t reply = 0xee;
			int rc = net_socks_request(c->in, len, &r, &reply, &why);
			int want = len < c->len ? 0 : c->want;

			/* A refusal may come as soon as the bad byte is in. */
			if (rc == -EINVAL && c->want == -EINVAL && reply == c->reply)
				break;
			if (rc != want || (rc == 1 && (strcmp(r.host.name, c->host) != 0 || r.host.kind != c->kind ||
						       r.port != c->port || r.consumed != c->len || r.proto != NET_PROTO_SOCKS5))) {
				print_error("%s (%zu of %zu bytes): rc %d (want %d) host '%s' port %u reply %u (%s)\n", c->what,
					    len, c->len, rc, want, rc == 1 ? r.host.name : "", r.port, reply,
					    why ? why : "");
				ok = false;
				break;
			}
		}
	}
	assert_true(ok);
}

static void test_socks_long_name(void **state)
{
	unsigned char req[5 + 255 + 2] = { 5, 1, 0, 3, 255 };
	struct net_request r = { 0 };
	const char *why = NULL;
	uint8_t reply = 0;

	(void)state;
	/* 255 bytes of labels: a SOCKS5 name may be that long, a host not. */
	for (size_t i = 0; i < 255; i++)
		req[5 + i] = i % 50 == 49 ? '.' : 'a';
	req[5 + 254] = 'z';
	req[5 + 255] = 1;
	req[5 + 256] = 187;
	assert_int_equal(net_socks_request(req, sizeof(req), &r, &reply, &why), -EINVAL);
	assert_int_equal(reply, NET_SOCKS_NOT_ALLOWED);
	assert_non_null(strstr(why, "253"));
}

static void test_socks_reply(void **state)
{
	unsigned char buf[32];
	struct sockaddr_storage a = { 0 };
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a;

	(void)state;
	assert_int_equal(net_socks_reply(NET_SOCKS_NOT_ALLOWED, NULL, buf), 10);
	assert_memory_equal(buf, "\x05\x02\x00\x01\0\0\0\0\0\0", 10);
	v4->sin_family = AF_INET;
	v4->sin_port = htons(443);
	v4->sin_addr.s_addr = htonl(0x0a000001);
	assert_int_equal(net_socks_reply(NET_SOCKS_OK, &a, buf), 10);
	assert_memory_equal(buf, "\x05\x00\x00\x01\x0a\x00\x00\x01\x01\xbb", 10);
	memset(&a, 0, sizeof(a));
	a.ss_family = AF_INET6;
	((struct sockaddr_in6 *)&a)->sin6_port = htons(80);
	assert_int_equal(net_socks_reply(NET_SOCKS_OK, &a, buf), 22);
	assert_int_equal(buf[3], 4);
	assert_int_equal(buf[20], 0);
	assert_int_equal(buf[21], 80);
}

/* ---- addresses --------------------------------------------------------------------- */

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage a = { 0 };

	if (inet_pton(AF_INET, text, &((struct sockaddr_in *)&a)->sin_addr) == 1)
		a.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)&a)->sin6_addr) == 1)
		a.ss_family = AF_INET6;
	else
		fail_msg("bad test address %s", text);
	return a;
}

static void test_special_addresses(void **state)
{
	static const struct {
		const char *addr;
		const char *special; /* NULL: public */
	} cases[] = {
		{ "127.0.0.1", "loopback" },
		{ "127.255.255.254", "loopback" },
		{ "10.1.2.3", "private" },
		{ "172.16.0.1", "private" },
		{ "172.31.255.255", "private" },
		{ "172.32.0.1", NULL },
		{ "172.15.255.255", NULL },
		{ "192.168.1.1", "private" },
		{ "169.254.169.254", "link-local" },
		{ "100.64.0.1", "shared address space" },
		{ "100.128.0.1", NULL },
		{ "0.0.0.0", "this network" },
		{ "224.0.0.251", "multicast" },
		{ "255.255.255.255", "reserved" },
		{ "240.0.0.1", "reserved" },
		{ "192.0.2.1", "documentation" },
		{ "198.18.0.1", "benchmarking" },
		{ "198.20.0.1", NULL },
		{ "93.184.216.34", NULL },
		{ "8.8.8.8", NULL },
		{ "1.1.1.1", NULL },
		{ "::1", "loopback" },
		{ "::", "unspecified" },
		{ "::ffff:127.0.0.1", "loopback" },
		{ "::ffff:10.0.0.1", "private" },
		{ "::ffff:93.184.216.34", NULL },
		{ "64:ff9b::7f00:1", "loopback" },
		{ "64:ff9b::808:808", NULL },
		{ "2002:7f00:1::", "loopback" },
		{ "2002:808:808::", NULL },
		{ "::127.0.0.1", "IPv4-compatible (deprecated)" },
		{ "fe80::1", "link-local" },
		{ "febf::1", "link-local" },
		{ "fec0::1", "site-local (deprecated)" },
		{ "fc00::1", "private (unique local)" },
		{ "fdff::1", "private (unique local)" },
		{ "ff02::1", "multicast" },
		{ "2001:db8::1", "documentation" },
		{ "2001::1", "protocol assignments" },
		{ "100::1", "discard-only" },
		{ "2606:4700::1111", NULL },
		{ "2a00:1450:4001::200e", NULL },
	};
	bool ok = true;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sockaddr_storage a = addr(cases[i].addr);
		const char *got = net_addr_special(&a);

		if ((got == NULL) != (cases[i].special == NULL) || (got && strcmp(got, cases[i].special) != 0)) {
			print_error("%s: got %s, want %s\n", cases[i].addr, got ? got : "public",
				    cases[i].special ? cases[i].special : "public");
			ok = false;
		}
	}
	assert_true(ok);
}

static void test_hosts_file(void **state)
{
	static const char text[] = "# comment\n"
				   "127.0.0.1\tlocalhost\n"
				   "::1 localhost ip6-localhost # the v6 one\n"
				   "10.0.0.5   Registry.Test  registry\n"
				   "not-an-address registry.test\n"
				   "192.0.2.7 other.test registry.test\n"
				   "#10.0.0.9 registry.test\n"
				   "10.0.0.8 registry.test.evil\n"
				   "10.0.0.10";
	struct sockaddr_storage got[4];
	char buf[64];

	(void)state;
	assert_int_equal(net_hosts_lookup(text, "registry.test", 443, got, 4), 2);
	assert_string_equal(net_addr_format(&got[0], true, buf, sizeof(buf)), "10.0.0.5:443");
	assert_string_equal(net_addr_format(&got[1], true, buf, sizeof(buf)), "192.0.2.7:443");
	assert_int_equal(net_hosts_lookup(text, "localhost", 80, got, 4), 2);
	assert_string_equal(net_addr_format(&got[1], true, buf, sizeof(buf)), "[::1]:80");
	assert_int_equal(net_hosts_lookup(text, "localhost", 80, got, 1), 1);
	assert_int_equal(net_hosts_lookup(text, "test", 80, got, 4), 0);
	assert_int_equal(net_hosts_lookup(text, "10.0.0.10", 80, got, 4), 0);
	assert_int_equal(net_hosts_lookup("", "localhost", 80, got, 4), 0);
}

/* ---- the event -------------------------------------------------------------------------- */

static void test_event_line(void **state)
{
	struct net_event ev = {
		.time_unix_ms = 1,
		.proto = NET_PROTO_CONNECT,
		.host = "evil.example",
		.port = 443,
		.allow = false,
		.decided_by = "profile",
		.reason = "deny, no entry of network.hosts names evil.example:443 (default deny)",
		.bytes_up = 0,
		.duration_ms = 3,
	};
	char *line = net_event_line(&ev);
	json_t *root, *data;
	json_error_t jerr;
	static const char *const keys[] = { "access", "action", "address", "bytes_down", "bytes_up", "decided_by",
					    "duration_ms", "errno", "error", "exe", "grant", "host", "latency_us",
					    "layer", "path", "path2", "pid", "port", "protocol", "reason",
					    "resolved_path", "resolved_path2", "rule", "syscall", "tid", "time_unix_ms",
					    "verdict" };

	(void)state;
	assert_non_null(line);
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_null(strchr(line, '\n') + 1 == line + strlen(line) ? NULL : "two lines");
	root = json_loads(line, 0, &jerr);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "kind")), "sandbox_event");
	data = json_object_get(root, "data");
	assert_int_equal(json_object_size(data), sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!json_object_get(data, keys[i]))
			fail_msg("no key %s", keys[i]);
	assert_string_equal(json_string_value(json_object_get(data, "access")), "net_connect");
	assert_string_equal(json_string_value(json_object_get(data, "action")), "deny");
	assert_string_equal(json_string_value(json_object_get(data, "verdict")), "deny");
	assert_string_equal(json_string_value(json_object_get(data, "protocol")), "connect");
	assert_string_equal(json_string_value(json_object_get(data, "layer")), "proxy");
	assert_int_equal(json_integer_value(json_object_get(data, "port")), 443);
	json_decref(root);
	free(line);
}

static void test_summary_format(void **state)
{
	struct net_summary s = { .valid = true, .connections = 7, .denied = 2, .asked = 1 };
	char buf[1024];

	(void)state;
	s.n_top_denied = 1;
	s.top_denied[0].count = 2;
	(void)snprintf(s.top_denied[0].target, sizeof(s.top_denied[0].target), "evil.example:443");
	assert_true(net_summary_format(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "latch: proxy: 2 denied, 0 granted (1 asked), 0 failed of 7 connections\n"
				 "latch: denied 2x: evil.example:443\n");
	s.denied = 0;
	s.n_top_denied = 0;
	s.asked = 0;
	assert_int_equal(net_summary_format(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_table),
		cmocka_unit_test(test_http_consumed_and_limits),
		cmocka_unit_test(test_socks_greeting),
		cmocka_unit_test(test_socks_table),
		cmocka_unit_test(test_socks_long_name),
		cmocka_unit_test(test_socks_reply),
		cmocka_unit_test(test_special_addresses),
		cmocka_unit_test(test_hosts_file),
		cmocka_unit_test(test_event_line),
		cmocka_unit_test(test_summary_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
