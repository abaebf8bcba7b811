/* Between latch's side of the proxy (control.c) and the proxy process
 * (proxy.c, resolve.c). Not part of the module's API (net.h). */
#ifndef LATCH_NET_PROXY_H
#define LATCH_NET_PROXY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "net/net.h"

/* latch to the proxy, on the control socket (SOCK_SEQPACKET). */
enum net_ctl_type {
	NET_CTL_FINISH = 1, /* the sandbox is gone: report and exit */
};

struct net_ctl {
	uint32_t type;
};

/* What the proxy process needs: net_proxy_config, and its descriptors. */
struct net_proxy_args {
	const struct policy *policy;
	int control;    /* -1 when detached */
	int bridge;     /* the listener arrives here */
	int ask;        /* -1: nobody to ask */
	int events;     /* -1: none */
	int watch;      /* detached: a pidfd of the process that becomes the program; -1 */
	unsigned timeout_ms;
};

/* The proxy process: serve until the control socket says FINISH or
 * closes (or, detached, until the watched process ends), report on the
 * control socket, and exit. Never returns. */
_Noreturn void net_proxy_main(const struct net_proxy_args *a);

/* Resolve h for port: an address as it is, network.resolve, /etc/hosts,
 * then DNS (A, then AAAA). At most max addresses into ret; *ret_how says
 * where they came from ("network.resolve", "/etc/hosts", "DNS",
 * "address"). Returns how many, or -EHOSTUNREACH (no address), -EINVAL. */
int net_resolve(const struct policy *p, const struct policy_host *h, uint16_t port, struct sockaddr_storage *ret,
		size_t max, const char **ret_how);

#endif
