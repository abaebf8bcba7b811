/* latch's egress proxy: network.mode proxy.
 *
 * The proxy runs outside the sandbox, in a process of latch's own (never
 * inside), and is the sandbox's only way out:
 *
 *   - isolated mode: the sandbox has its own network namespace with nothing
 *     but loopback. The sandbox's pid 1 opens a listener on
 *     127.0.0.1:NET_BRIDGE_PORT there and hands it over a Unix socket (the
 *     bridge) to the proxy, which accepts the sandbox's connections on it
 *     from outside: no process inside relays anything, and there is no
 *     route and no resolver inside;
 *   - static mode (no namespaces): latch opens the listener on the host's
 *     loopback, and Landlock lets TCP connect to its port only (but to any
 *     address: the run says so).
 *
 * HTTPS_PROXY, HTTP_PROXY, ALL_PROXY (and lower case) point programs at
 * it. It reads an HTTP CONNECT, a plain-HTTP request or a SOCKS5 CONNECT,
 * decides the host name the client asked for with policy_decide()
 * (net_connect), asks the supervisor's approval backend about a host no
 * entry names, resolves the name itself, refuses addresses in special
 * ranges unless an entry names exactly that host, connects, and relays
 * bytes (splice) without looking into them: TLS is never terminated.
 * One sandbox_event per connection. Prefix: net_. */
#ifndef LATCH_NET_NET_H
#define LATCH_NET_NET_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "policy/policy.h"

/* The proxy's port on the loopback of the sandbox's own network namespace
 * (squid's: what proxies are expected at). */
#define NET_BRIDGE_PORT 3128

#define NET_TOP_DENIED 5

/* What the proxy did, for the exit message. */
struct net_summary {
	bool valid;                         /* the proxy reported (it may have died) */
	unsigned long long connections;     /* accepted from the sandbox */
	unsigned long long allowed;         /* decided allow (and connected, or failed to) */
	unsigned long long denied;          /* refused: by the profile, an answer, a special address, a bad request */
	unsigned long long failed;          /* allowed, but the name did not resolve or the host did not answer */
	unsigned long long asked;           /* questions put to the approval backend */
	unsigned long long granted;         /* ... answered allow_* */
	unsigned long long bytes_up;        /* sandbox to the world */
	unsigned long long bytes_down;      /* the world to the sandbox */
	unsigned long long events_failed;   /* events that could not be written */
	struct {
		char target[POLICY_HOST_MAX + 16]; /* "evil.example:443" */
		unsigned long long count;
	} top_denied[NET_TOP_DENIED];       /* most denied first */
	size_t n_top_denied;
};

struct net_proxy_config {
	const struct policy *policy;
	int events_fd;      /* sandbox_event lines; -1: none. The proxy keeps its own copy */
	/* A SOCK_SEQPACKET socket to the supervisor (sup_config.net_fd):
	 * questions about hosts no entry names. -1: nobody to ask (denied). */
	int ask_fd;
	unsigned timeout_ms; /* the supervisor's question timeout; 0: the default */
	/* latch executes the program in place (the static mode without a
	 * supervisor): the proxy serves until that process ends, and reports
	 * nothing. */
	bool detached;
};

/* A running proxy, seen from latch. */
struct net_proxy {
	int control; /* SOCK_SEQPACKET to the proxy; -1: none */
	int bridge;  /* where the listener is handed over (to pid 1, or net_proxy_listen_here) */
};

#define NET_PROXY_NONE ((struct net_proxy){ .control = -1, .bridge = -1 })

/* Start the proxy in a process of its own (not latch's child: it outlives
 * an exec). It waits for its listener on ret->bridge. Returns 0 or a
 * negative errno with err set. */
int net_proxy_start(const struct net_proxy_config *c, struct net_proxy *ret, struct error *err);

/* Static mode: open the listener on 127.0.0.1 (a port the kernel picks)
 * here and hand it to the proxy. Returns 0 with *ret_port, or a negative
 * errno with err set. */
int net_proxy_listen_here(struct net_proxy *p, uint16_t *ret_port, struct error *err);

/* The sandbox is gone: the proxy closes what is left, writes the last
 * events and reports. Fills *ret (ret->valid false when it said nothing)
 * and closes p's descriptors. */
void net_proxy_finish(struct net_proxy *p, struct net_summary *ret);

/* Close p's descriptors without waiting (the proxy then stops by itself). */
void net_proxy_close(struct net_proxy *p);

/* Point programs at the proxy: HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and
 * their lower-case forms as http://127.0.0.1:PORT, NO_PROXY (and
 * no_proxy) as the loopback names, replacing any such variable in *envp.
 * Returns 0 or -ENOMEM. */
int net_proxy_env(char ***envp, uint16_t port);

/* Whether anything a person should hear of happened: a denial, a grant, a
 * failure. */
bool net_summary_eventful(const struct net_summary *s);

/* "latch: proxy: 2 denied, ..." and the most denied hosts into buf; ""
 * when net_summary_eventful() is false. Returns the length. */
size_t net_summary_format(const struct net_summary *s, char *buf, size_t size);

/* The summary's counts and most denied hosts ("target", "count") as a JSON
 * object (the run report's "proxy"); NULL only when out of memory. */
json_t *net_summary_to_json(const struct net_summary *s);

#endif
