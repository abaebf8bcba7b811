/* Reading what a client asks the proxy for: an HTTP CONNECT, a plain-HTTP
 * request in absolute form, or a SOCKS5 CONNECT. Pure: bytes in, a
 * request or a refusal out. Everything a host can be is left to
 * policy_host_parse(), the same reader network.hosts entries go through,
 * so a request and a rule meet in one canonical form. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/net-internal.h"

#define METHOD_MAX 16

static const char *const proto_names[_NET_PROTO_MAX] = {
	[NET_PROTO_CONNECT] = "connect",
	[NET_PROTO_HTTP] = "http",
	[NET_PROTO_SOCKS5] = "socks5",
};

const char *net_proto_name(enum net_proto p)
{
	return (unsigned)p < _NET_PROTO_MAX ? proto_names[p] : NULL;
}

void net_request_done(struct net_request *r)
{
	free(r->head);
	r->head = NULL;
	r->head_len = 0;
}

static int refuse(int status, const char *why, int *ret_status, const char **ret_why)
{
	*ret_status = status;
	*ret_why = why;
	return -EINVAL;
}

static int parse_port(const char *s, size_t len, uint16_t *ret)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* host[:port] in s[0..len), IPv6 in brackets; *port untouched without one.
 * Returns 0, -EINVAL with *why. */
static int parse_authority(const char *s, size_t len, bool need_port, struct policy_host *host, uint16_t *port,
			   const char **why)
{
	size_t hlen = len;
	const char *colon = NULL;

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close) {
			*why = "an unclosed '[' in the host";
			return -EINVAL;
		}
		if ((size_t)(close - s) + 1 < len) {
			if (close[1] != ':') {
				*why = "expected ':PORT' after the IPv6 address";
				return -EINVAL;
			}
			colon = close + 1;
		}
	} else {
		colon = memchr(s, ':', len);
		if (colon && memchr(colon + 1, ':', len - (size_t)(colon + 1 - s))) {
			*why = "an IPv6 address goes in brackets";
			return -EINVAL;
		}
	}
	if (colon) {
		hlen = (size_t)(colon - s);
		if (parse_port(colon + 1, len - hlen - 1, port) < 0) {
			*why = "the port is not a number from 1 to 65535";
			return -EINVAL;
		}
	} else if (need_port) {
		*why = "CONNECT needs HOST:PORT";
		return -EINVAL;
	}
	return policy_host_parse(s, hlen, true, false, host, why);
}

static bool token_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Headers a proxy consumes rather than forwards (hop by hop). */
static bool hop_by_hop(const char *name, size_t len)
{
	static const char *const names[] = { "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
					     "proxy-connection", "te", "trailer", "upgrade" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && strncasecmp(names[i], name, len) == 0)
			return true;
	return false;
}

struct out {
	char *buf;
	size_t len, size;
};

static int out_put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->size) {
		size_t size = (o->size ? o->size * 2 : 1024) + n;
		char *b = realloc(o->buf, size);

		if (!b)
			return -ENOMEM;
		o->buf = b;
		o->size = size;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
	return 0;
}

int net_http_parse(const char *buf, size_t len, struct net_request *ret, int *ret_status, const char **ret_why)
{
	const char *end = NULL, *line, *eol, *sp1, *sp2, *target;
	struct net_request req = { 0 };
	struct out head = { 0 };
	size_t scan = len < NET_HEAD_MAX ? len : NET_HEAD_MAX, tlen, mlen;
	bool http10, have_host = false;
	struct policy_host hh;
	uint16_t hport = 0;
	const char *why = NULL, *path = "/";
	size_t path_len = 1;
	int r = 0;

	for (size_t i = 0; i + 3 < scan && !end; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
			end = buf + i + 4;
	if (!end)
		return len >= NET_HEAD_MAX ? refuse(431, "the request head is longer than 16384 bytes", ret_status, ret_why)
					   : 0;
	for (const char *c = buf; c < end; c++)
		if ((*c < 0x20 && *c != '\r' && *c != '\n' && *c != '\t') || *c == 0x7f ||
		    (*c == '\n' && (c == buf || c[-1] != '\r')) || (*c == '\r' && c[1] != '\n'))
			return refuse(400, "a control byte, a NUL or a bare line end in the request head", ret_status,
				      ret_why);

	/* The request line: METHOD SP TARGET SP HTTP/1.x */
	line = buf;
	eol = memchr(line, '\r', (size_t)(end - line));
	sp1 = memchr(line, ' ', (size_t)(eol - line));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || memchr(sp2 + 1, ' ', (size_t)(eol - sp2 - 1)))
		return refuse(400, "not a request line (METHOD TARGET HTTP/1.1)", ret_status, ret_why);
	mlen = (size_t)(sp1 - line);
	if (mlen == 0 || mlen > METHOD_MAX)
		return refuse(400, "not a method", ret_status, ret_why);
	for (size_t i = 0; i < mlen; i++)
		if (!token_byte(line[i]))
			return refuse(400, "not a method", ret_status, ret_why);
	if ((size_t)(eol - sp2 - 1) != 8 || (strncmp(sp2 + 1, "HTTP/1.1", 8) != 0 && strncmp(sp2 + 1, "HTTP/1.0", 8) != 0))
		return refuse(505, "only HTTP/1.1 and HTTP/1.0", ret_status, ret_why);
	http10 = sp2[8] == '0';
	target = sp1 + 1;
	tlen = (size_t)(sp2 - target);
	if (tlen == 0)
		return refuse(400, "no request target", ret_status, ret_why);
	if (mlen == 7 && strncmp(line, "CONNECT", 7) == 0) {
		req.proto = NET_PROTO_CONNECT;
		if (parse_authority(target, tlen, true, &req.host, &req.port, &why) < 0)
			return refuse(400, why, ret_status, ret_why);
	} else {
		const char *auth = target + 7, *aend;

		req.proto = NET_PROTO_HTTP;
		if (tlen < 8 || strncasecmp(target, "http://", 7) != 0)
			return refuse(400,
				      target[0] == '/' ? "a request to the proxy itself: ask for http://HOST/PATH, or "
							 "use CONNECT"
						       : "only http:// is forwarded; use CONNECT for https",
				      ret_status, ret_why);
		for (aend = auth; aend < sp2 && *aend != '/' && *aend != '?' && *aend != '#'; aend++)
			;
		if (memchr(auth, '@', (size_t)(aend - auth)))
			return refuse(400, "credentials in the request target", ret_status, ret_why);
		req.port = 80;
		if (parse_authority(auth, (size_t)(aend - auth), false, &req.host, &req.port, &why) < 0)
			return refuse(400, why, ret_status, ret_why);
		if (aend < sp2 && *aend == '/') {
			path = aend;
			path_len = (size_t)(sp2 - aend);
		} else if (aend < sp2 && *aend == '?') {
			path = aend;
			path_len = (size_t)(sp2 - aend);
		}
		if (memchr(path, '#', path_len))
			path_len = (size_t)((const char *)memchr(path, '#', path_len) - path);
		if (out_put(&head, line, mlen + 1) < 0 || (path[0] == '?' && out_put(&head, "/", 1) < 0) ||
		    out_put(&head, path, path_len) < 0 || out_put(&head, sp2, (size_t)(eol - sp2) + 2) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}

	/* The headers. */
	for (line = eol + 2; line < end - 2; line = eol + 2) {
		const char *colon, *value, *vend;
		size_t nlen;

		eol = memchr(line, '\r', (size_t)(end - line));
		if (line[0] == ' ' || line[0] == '\t') {
			r = refuse(400, "a folded header line", ret_status, ret_why);
			goto out;
		}
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon || colon == line) {
			r = refuse(400, "a header line without a name", ret_status, ret_why);
			goto out;
		}
		nlen = (size_t)(colon - line);
		for (size_t i = 0; i < nlen; i++)
			if (!token_byte(line[i])) {
				r = refuse(400, "a header name with a byte a name cannot hold", ret_status, ret_why);
				goto out;
			}
		for (value = colon + 1; value < eol && (*value == ' ' || *value == '\t'); value++)
			;
		for (vend = eol; vend > value && (vend[-1] == ' ' || vend[-1] == '\t'); vend--)
			;
		if (nlen == 4 && strncasecmp(line, "host", 4) == 0) {
			uint16_t dport = req.proto == NET_PROTO_HTTP ? 80 : req.port;

			if (have_host) {
				r = refuse(400, "two Host headers", ret_status, ret_why);
				goto out;
			}
			have_host = true;
			hport = dport;
			if (parse_authority(value, (size_t)(vend - value), false, &hh, &hport, &why) < 0 ||
			    strcmp(hh.name, req.host.name) != 0 || hh.kind != req.host.kind || hport != req.port) {
				r = refuse(400, "the Host header names another host than the request line", ret_status,
					   ret_why);
				goto out;
			}
		}
		if (req.proto == NET_PROTO_HTTP && !hop_by_hop(line, nlen) &&
		    out_put(&head, line, (size_t)(eol - line) + 2) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (req.proto == NET_PROTO_HTTP && !have_host && !http10) {
		r = refuse(400, "no Host header (HTTP/1.1 needs one)", ret_status, ret_why);
		goto out;
	}
	if (req.proto == NET_PROTO_HTTP && out_put(&head, "Connection: close\r\n\r\n", 21) < 0) {
		r = -ENOMEM;
		goto out;
	}
	req.consumed = (size_t)(end - buf);
	req.head = head.buf;
	req.head_len = head.len;
	head.buf = NULL;
	*ret = req;
	r = 1;
out:
	free(head.buf);
	return r;
}

int net_socks_greeting(const unsigned char *buf, size_t len, size_t *ret_consumed, bool *ret_noauth)
{
	if (len < 1)
		return 0;
	if (buf[0] != 5)
		return -EINVAL;
	if (len < 2)
		return 0;
	if (buf[1] == 0)
		return -EINVAL;
	if (len < 2u + buf[1])
		return 0;
	*ret_noauth = memchr(buf + 2, 0, buf[1]) != NULL;
	*ret_consumed = 2u + buf[1];
	return 1;
}

static int socks_refuse(uint8_t code, const char *why, uint8_t *ret_reply, const char **ret_why)
{
	*ret_reply = code;
	*ret_why = why;
	return -EINVAL;
}

int net_socks_request(const unsigned char *buf, size_t len, struct net_request *ret, uint8_t *ret_reply,
		      const char **ret_why)
{
	struct net_request req = { .proto = NET_PROTO_SOCKS5 };
	const char *why = NULL;
	size_t alen;

	if (len < 4)
		return 0;
	if (buf[0] != 5 || buf[2] != 0)
		return socks_refuse(NET_SOCKS_FAILURE, "not a SOCKS5 request", ret_reply, ret_why);
	if (buf[1] != 1)
		return socks_refuse(NET_SOCKS_BAD_COMMAND, "only CONNECT (no BIND, no UDP ASSOCIATE)", ret_reply,
				    ret_why);
	switch (buf[3]) {
	case 1:
		alen = 4;
		break;
	case 4:
		alen = 16;
		break;
	case 3:
		if (len < 5)
			return 0;
		if (buf[4] == 0)
			return socks_refuse(NET_SOCKS_NOT_ALLOWED, "an empty host name", ret_reply, ret_why);
		alen = 1u + buf[4];
		break;
	default:
		return socks_refuse(NET_SOCKS_BAD_ADDRESS, "an unknown address type", ret_reply, ret_why);
	}
	if (len < 4 + alen + 2)
		return 0;
	if (buf[3] == 3) {
		/* The name is exactly these bytes: a NUL inside is refused
		 * by policy_host_parse(), never read as the end. */
		if (policy_host_parse((const char *)buf + 5, buf[4], false, false, &req.host, &why) < 0)
			return socks_refuse(NET_SOCKS_NOT_ALLOWED, why, ret_reply, ret_why);
	} else {
		int fam = buf[3] == 1 ? AF_INET : AF_INET6;

		if (!inet_ntop(fam, buf + 4, req.host.name, sizeof(req.host.name)))
			return socks_refuse(NET_SOCKS_BAD_ADDRESS, "an unreadable address", ret_reply, ret_why);
		req.host.kind = fam == AF_INET ? POLICY_HOST_IPV4 : POLICY_HOST_IPV6;
	}
	req.port = (uint16_t)(buf[4 + alen] << 8 | buf[4 + alen + 1]);
	if (req.port == 0)
		return socks_refuse(NET_SOCKS_NOT_ALLOWED, "port 0", ret_reply, ret_why);
	req.consumed = 4 + alen + 2;
	*ret = req;
	return 1;
}

size_t net_socks_reply(uint8_t code, const struct sockaddr_storage *bound, unsigned char *buf)
{
	size_t n = 0;

	buf[n++] = 5;
	buf[n++] = code;
	buf[n++] = 0;
	if (bound && bound->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)bound;

		buf[n++] = 4;
		memcpy(buf + n, &a->sin6_addr, 16);
		n += 16;
		memcpy(buf + n, &a->sin6_port, 2);
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)bound;
		struct sockaddr_in zero = { .sin_family = AF_INET };

		if (!bound || bound->ss_family != AF_INET)
			a = &zero;
		buf[n++] = 1;
		memcpy(buf + n, &a->sin_addr, 4);
		n += 4;
		memcpy(buf + n, &a->sin_port, 2);
	}
	return n + 2;
}
