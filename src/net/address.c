/* Addresses: which ones are special (loopback, private, link-local, ...),
 * the hosts file, and printing. Pure. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/net-internal.h"

/* Special IPv4 ranges (IANA's special-purpose registry, and what a proxy
 * must not be turned against: the host's own services, the local network,
 * a cloud's metadata service at 169.254.169.254). Most specific first is
 * not needed: they do not overlap. */
static const struct {
	uint32_t net;
	unsigned bits;
	const char *name;
} v4_special[] = {
	{ 0x00000000, 8, "this network" },          /* 0.0.0.0/8 */
	{ 0x0a000000, 8, "private" },               /* 10.0.0.0/8 */
	{ 0x64400000, 10, "shared address space" }, /* 100.64.0.0/10, carrier-grade NAT */
	{ 0x7f000000, 8, "loopback" },              /* 127.0.0.0/8 */
	{ 0xa9fe0000, 16, "link-local" },           /* 169.254.0.0/16, cloud metadata */
	{ 0xac100000, 12, "private" },              /* 172.16.0.0/12 */
	{ 0xc0000000, 24, "protocol assignments" }, /* 192.0.0.0/24 */
	{ 0xc0000200, 24, "documentation" },        /* 192.0.2.0/24 */
	{ 0xc0586300, 24, "6to4 relay anycast" },   /* 192.88.99.0/24 */
	{ 0xc0a80000, 16, "private" },              /* 192.168.0.0/16 */
	{ 0xc6120000, 15, "benchmarking" },         /* 198.18.0.0/15 */
	{ 0xc6336400, 24, "documentation" },        /* 198.51.100.0/24 */
	{ 0xcb007100, 24, "documentation" },        /* 203.0.113.0/24 */
	{ 0xe0000000, 4, "multicast" },             /* 224.0.0.0/4 */
	{ 0xf0000000, 4, "reserved" },              /* 240.0.0.0/4, and the broadcast address */
};

static const char *v4_special_name(uint32_t a)
{
	for (size_t i = 0; i < sizeof(v4_special) / sizeof(v4_special[0]); i++)
		if ((a & (0xffffffffu << (32 - v4_special[i].bits))) == v4_special[i].net)
			return v4_special[i].name;
	return NULL;
}

/* Whether the first bits of a (16 bytes) equal those of prefix. */
static bool v6_in(const unsigned char *a, const unsigned char *prefix, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, prefix, whole) != 0)
		return false;
	return rest == 0 || ((a[whole] ^ prefix[whole]) & (0xff << (8 - rest))) == 0;
}

static uint32_t v4_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *v6_special_name(const unsigned char *a)
{
	static const unsigned char zero[16], one[16] = { [15] = 1 },
				   mapped[16] = { [10] = 0xff, [11] = 0xff },
				   nat64[16] = { 0x00, 0x64, 0xff, 0x9b },
				   discard[16] = { 0x01, 0x00 },
				   ietf[16] = { 0x20, 0x01 },
				   doc[16] = { 0x20, 0x01, 0x0d, 0xb8 },
				   six_to_four[16] = { 0x20, 0x02 },
				   ula[16] = { 0xfc },
				   link_local[16] = { 0xfe, 0x80 },
				   site_local[16] = { 0xfe, 0xc0 },
				   multicast[16] = { 0xff };
	const char *inner;

	if (memcmp(a, zero, 16) == 0)
		return "unspecified";
	if (memcmp(a, one, 16) == 0)
		return "loopback";
	/* Addresses that carry an IPv4 address: judged by it. */
	if (v6_in(a, mapped, 96) || v6_in(a, nat64, 96))
		return (inner = v4_special_name(v4_at(a + 12))) ? inner : NULL;
	if (v6_in(a, six_to_four, 16))
		return (inner = v4_special_name(v4_at(a + 2))) ? inner : NULL;
	if (v6_in(a, zero, 96))
		return "IPv4-compatible (deprecated)";
	if (v6_in(a, discard, 64))
		return "discard-only";
	if (v6_in(a, doc, 32))
		return "documentation";
	if (v6_in(a, ietf, 23))
		return "protocol assignments"; /* Teredo, ORCHID, ... */
	if (v6_in(a, ula, 7))
		return "private (unique local)";
	if (v6_in(a, link_local, 10))
		return "link-local";
	if (v6_in(a, site_local, 10))
		return "site-local (deprecated)";
	if (v6_in(a, multicast, 8))
		return "multicast";
	return NULL;
}

const char *net_addr_special(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return v4_special_name(ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr));
	if (a->ss_family == AF_INET6)
		return v6_special_name(((const struct sockaddr_in6 *)a)->sin6_addr.s6_addr);
	return "not an Internet address";
}

const char *net_addr_format(const struct sockaddr_storage *a, bool port, char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN] = "?";
	bool v6 = a->ss_family == AF_INET6;
	unsigned p = 0;

	if (v6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)a;

		(void)inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof(text));
		p = ntohs(s6->sin6_port);
	} else if (a->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)a;

		(void)inet_ntop(AF_INET, &s4->sin_addr, text, sizeof(text));
		p = ntohs(s4->sin_port);
	}
	if (port)
		(void)snprintf(buf, size, "%s%s%s:%u", v6 ? "[" : "", text, v6 ? "]" : "", p);
	else
		(void)snprintf(buf, size, "%s", text);
	return buf;
}

bool net_addr_parse(const char *text, size_t len, uint16_t port, struct sockaddr_storage *ret)
{
	char t[INET6_ADDRSTRLEN];

	if (len >= sizeof(t))
		return false;
	memcpy(t, text, len);
	t[len] = '\0';
	memset(ret, 0, sizeof(*ret));
	if (inet_pton(AF_INET, t, &((struct sockaddr_in *)ret)->sin_addr) == 1) {
		ret->ss_family = AF_INET;
		((struct sockaddr_in *)ret)->sin_port = htons(port);
		return true;
	}
	if (inet_pton(AF_INET6, t, &((struct sockaddr_in6 *)ret)->sin6_addr) == 1) {
		ret->ss_family = AF_INET6;
		((struct sockaddr_in6 *)ret)->sin6_port = htons(port);
		return true;
	}
	return false;
}

size_t net_hosts_lookup(const char *text, const char *name, uint16_t port, struct sockaddr_storage *ret, size_t max)
{
	size_t n = 0, nlen = strlen(name);

	for (const char *line = text; line && *line && n < max;) {
		const char *eol = strchr(line, '\n'), *hash, *p, *end;
		const char *addr = NULL;
		size_t alen = 0;

		end = eol ? eol : line + strlen(line);
		hash = memchr(line, '#', (size_t)(end - line));
		if (hash)
			end = hash;
		for (p = line; p < end;) {
			const char *w;

			while (p < end && isspace((unsigned char)*p))
				p++;
			w = p;
			while (p < end && !isspace((unsigned char)*p))
				p++;
			if (p == w)
				break;
			if (!addr) {
				addr = w;
				alen = (size_t)(p - w);
			} else if ((size_t)(p - w) == nlen && strncasecmp(w, name, nlen) == 0) {
				if (net_addr_parse(addr, alen, port, &ret[n]))
					n++;
				break;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return n;
}
