/* The proxy resolves names itself: network.resolve, then /etc/hosts, then
 * the nameservers of /etc/resolv.conf (A and AAAA through the libc
 * resolver's res_nquery; no nsswitch modules are loaded, so nothing is
 * dlopen'ed into a static binary). A sandboxed program has no resolver of
 * its own: its names reach the world only here. */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>

#include "base/fs-util.h"
#include "net/net-internal.h"
#include "net/proxy.h"

#define HOSTS_FILE_MAX (1 << 20)
#define DNS_ANSWER_MAX 8192

/* One query of type t: its A or AAAA records into ret. */
static size_t dns_query(res_state rs, const char *name, int t, uint16_t port, struct sockaddr_storage *ret,
			size_t max)
{
	unsigned char answer[DNS_ANSWER_MAX];
	ns_msg msg;
	size_t n = 0;
	int len = res_nquery(rs, name, ns_c_in, t, answer, sizeof(answer));

	if (len <= 0 || ns_initparse(answer, len, &msg) < 0)
		return 0;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an) && n < max; i++) {
		ns_rr rr;

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			break;
		if (ns_rr_class(rr) != ns_c_in || (int)ns_rr_type(rr) != t)
			continue; /* the CNAMEs on the way */
		memset(&ret[n], 0, sizeof(ret[n]));
		if (t == ns_t_a && ns_rr_rdlen(rr) == 4) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ret[n];

			a->sin_family = AF_INET;
			a->sin_port = htons(port);
			memcpy(&a->sin_addr, ns_rr_rdata(rr), 4);
			n++;
		} else if (t == ns_t_aaaa && ns_rr_rdlen(rr) == 16) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ret[n];

			a->sin6_family = AF_INET6;
			a->sin6_port = htons(port);
			memcpy(&a->sin6_addr, ns_rr_rdata(rr), 16);
			n++;
		}
	}
	return n;
}

int net_resolve(const struct policy *p, const struct policy_host *h, uint16_t port, struct sockaddr_storage *ret,
		size_t max, const char **ret_how)
{
	const char *mapped;
	size_t n;

	if (max == 0)
		return -EINVAL;
	switch (h->kind) {
	case POLICY_HOST_IPV4:
	case POLICY_HOST_IPV6:
		*ret_how = "address";
		return net_addr_parse(h->name, strlen(h->name), port, ret) ? 1 : -EINVAL;
	case POLICY_HOST_NAME:
	case _POLICY_HOST_KIND_MAX:
		break;
	}
	mapped = policy_resolve_lookup(p, h->name);
	if (mapped) {
		*ret_how = "network.resolve";
		return net_addr_parse(mapped, strlen(mapped), port, ret) ? 1 : -EINVAL;
	}
	{
		_cleanup_free_ char *text = malloc(HOSTS_FILE_MAX);

		if (text && read_small_file("/etc/hosts", text, HOSTS_FILE_MAX) > 0 &&
		    (n = net_hosts_lookup(text, h->name, port, ret, max)) > 0) {
			*ret_how = "/etc/hosts";
			return (int)n;
		}
	}
	{
		struct __res_state rs;

		memset(&rs, 0, sizeof(rs));
		if (res_ninit(&rs) < 0)
			return -EHOSTUNREACH;
		n = dns_query(&rs, h->name, ns_t_a, port, ret, max);
		n += dns_query(&rs, h->name, ns_t_aaaa, port, ret + n, max - n);
		res_nclose(&rs);
	}
	*ret_how = "DNS";
	return n > 0 ? (int)n : -EHOSTUNREACH;
}
