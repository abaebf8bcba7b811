/* Inside the proxy: the pure parts -- reading a client's request (HTTP
 * CONNECT, plain HTTP, SOCKS5), telling special addresses apart, reading a
 * hosts file, encoding events -- kept apart from the sockets and threads
 * so that tests/unit/test-net.c and fuzz/ can reach every branch. Not part
 * of the module's API (net.h). Prefix: net_. */
#ifndef LATCH_NET_NET_INTERNAL_H
#define LATCH_NET_NET_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/net.h"
#include "policy/policy.h"

#define NET_HEAD_MAX 16384 /* the longest request head the proxy reads */

/* How the client asked. */
enum net_proto {
	NET_PROTO_CONNECT, /* HTTP CONNECT host:port: a tunnel, TLS inside */
	NET_PROTO_HTTP,    /* a plain-HTTP request in absolute form, forwarded */
	NET_PROTO_SOCKS5,  /* SOCKS5 CONNECT */
	_NET_PROTO_MAX,
};

const char *net_proto_name(enum net_proto p);

/* A request, read. */
struct net_request {
	enum net_proto proto;
	struct policy_host host; /* canonical: what is decided */
	uint16_t port;
	size_t consumed;         /* bytes of the input the request took */
	/* NET_PROTO_HTTP: the head to send to the server instead -- the
	 * request line in origin form, the client's headers but the hop-by-hop
	 * ones, and "Connection: close" (one request per connection: a client
	 * that reuses it for another host must come back). malloc'd. */
	char *head;
	size_t head_len;
};

void net_request_done(struct net_request *r);

/* Read an HTTP proxy request from buf[0..len): the head up to the empty
 * line, CRLF line ends, at most NET_HEAD_MAX bytes. CONNECT takes
 * host:port (IPv6 in brackets); any other method an absolute
 * http://host[:port]/path (port 80 by default). A Host header, required
 * but for CONNECT and HTTP/1.0, must name the same host and port as the
 * request line. Returns 1 with *ret filled, 0 when more bytes are needed,
 * -EINVAL with an HTTP status in *ret_status and a reason in *ret_why
 * (static), or -ENOMEM. Pure. */
int net_http_parse(const char *buf, size_t len, struct net_request *ret, int *ret_status, const char **ret_why);

/* SOCKS5 reply codes (RFC 1928). */
enum {
	NET_SOCKS_OK = 0x00,
	NET_SOCKS_FAILURE = 0x01,
	NET_SOCKS_NOT_ALLOWED = 0x02,
	NET_SOCKS_NET_UNREACHABLE = 0x03,
	NET_SOCKS_HOST_UNREACHABLE = 0x04,
	NET_SOCKS_REFUSED = 0x05,
	NET_SOCKS_TTL_EXPIRED = 0x06,
	NET_SOCKS_BAD_COMMAND = 0x07,
	NET_SOCKS_BAD_ADDRESS = 0x08,
};

/* The greeting: VER 5, NMETHODS (at least one), the methods. Returns 1
 * with *ret_consumed and whether "no authentication" (0) was offered, 0
 * when more bytes are needed, -EINVAL when it is not SOCKS5. Pure. */
int net_socks_greeting(const unsigned char *buf, size_t len, size_t *ret_consumed, bool *ret_noauth);

/* The request: VER 5, CMD 1 (CONNECT), RSV 0, an address -- IPv4, IPv6,
 * or a name as a length-prefixed byte string, checked byte by byte (a NUL
 * or any byte a host name cannot hold is refused, never cut short) --
 * and a port. Returns 1 with *ret filled (proto NET_PROTO_SOCKS5), 0 when
 * more bytes are needed, -EINVAL with a reply code in *ret_reply and a
 * reason in *ret_why. Pure. */
int net_socks_request(const unsigned char *buf, size_t len, struct net_request *ret, uint8_t *ret_reply,
		      const char **ret_why);

/* A SOCKS5 reply with this code and bound address (NULL: 0.0.0.0:0) into
 * buf (at least 22 bytes). Returns its length. Pure. */
size_t net_socks_reply(uint8_t code, const struct sockaddr_storage *bound, unsigned char *buf);

/* Why an address is not an ordinary public one: "loopback", "private",
 * "link-local", ... (a static string), or NULL. IPv4-mapped, NAT64 and
 * 6to4 IPv6 addresses are judged by the IPv4 address inside. Pure. */
const char *net_addr_special(const struct sockaddr_storage *a);

/* An IPv4 or IPv6 address text[0..len) (no brackets) and a port into
 * *ret. false when it is no address. Pure. */
bool net_addr_parse(const char *text, size_t len, uint16_t port, struct sockaddr_storage *ret);

/* The addresses a hosts file (its text, NUL-terminated) gives name
 * (canonical, lower case; the file's names are compared without case),
 * in file order, at most max. Returns how many. Pure. */
size_t net_hosts_lookup(const char *text, const char *name, uint16_t port, struct sockaddr_storage *ret, size_t max);

/* "127.0.0.1", "[::1]" into buf (size at least 48); with the port when
 * port is true ("127.0.0.1:443"). */
const char *net_addr_format(const struct sockaddr_storage *a, bool port, char *buf, size_t size);

/* One connection, as its event tells it. */
struct net_event {
	long long time_unix_ms;  /* accepted */
	int pid;                 /* the client, when known (asked about); 0: unknown */
	const char *exe;
	enum net_proto proto;
	const char *host;        /* as decided, canonical; NULL: the request was unreadable */
	int port;                /* -1: unknown */
	const char *address;     /* where the proxy connected, or NULL */
	bool allow;
	const char *decided_by;  /* "profile", "session", "user", "backend", "proxy" */
	const char *rule;        /* the entry's label, or NULL */
	const char *grant;       /* "answer: allow_once", "session", or NULL */
	const char *reason;
	const char *error;       /* what failed after an allow (resolve, connect), or NULL */
	unsigned long long bytes_up;   /* client to server */
	unsigned long long bytes_down; /* server to client */
	long long duration_ms;
};

/* The event as one envelope line (kind "sandbox_event", keys sorted),
 * malloc'd, '\n' terminated; NULL when out of memory. */
char *net_event_line(const struct net_event *ev);

#endif
