/* Network families, with the profile's network off. The servers are the
 * test's own, outside the sandbox (esc-outside serve-tcp and
 * serve-abstract), and answer every client with the secret.
 *
 *   inet PORT MARK         TCP to 127.0.0.1:PORT, read the answer
 *   inet6 PORT MARK        TCP to [::1]:PORT
 *   udp PORT MARK          a datagram to 127.0.0.1:PORT, read the answer
 *   packet                 an AF_PACKET socket (sees every frame of the
 *                          host's interfaces; needs CAP_NET_RAW)
 *   netlink-route          RTM_DELADDR of an address lo does not have
 *                          (127.255.255.254/32): EADDRNOTAVAIL means the
 *                          kernel accepted a request that changes
 *                          addresses and routes, which needs CAP_NET_ADMIN
 *                          (nothing is changed either way)
 *   vsock                  an AF_VSOCK socket (the hypervisor's channel);
 *                          made, never connected
 *   abstract NAME MARK     connect to the abstract Unix socket NAME */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "esc.h"

/* The server's answer: read to the end of a stream, or one datagram. */
static void read_answer(int fd, bool datagram, const char *step, const char *mark)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[512];
	ssize_t n;
	int r;

	if (poll(&p, 1, 5000) <= 0)
		esc_nothing("%s: no answer", step);
	if (datagram) {
		n = recv(fd, buf, sizeof(buf), 0);
		r = n < 0 ? -errno : memmem(buf, (size_t)n, mark, strlen(mark)) != NULL;
	} else {
		r = esc_fd_has(fd, mark);
	}
	if (r < 0)
		esc_failed(step, -r);
	if (r == 0)
		esc_nothing("%s: an answer without the secret", step);
	esc_worked("%s: the server outside answered with the secret", step);
}

static _noreturn_ void stream(int family, const struct sockaddr *sa, socklen_t len, const char *step,
			      const char *mark)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		esc_failed("socket", errno);
	if (connect(fd, sa, len) < 0)
		esc_failed(step, errno);
	read_answer(fd, false, step, mark);
	esc_premise("unreachable");
}

static void op_inet(char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	sa.sin_port = htons((uint16_t)esc_num(argv[0], 1, 65535));
	stream(AF_INET, (struct sockaddr *)&sa, sizeof(sa), "connect to 127.0.0.1", argv[1]);
}

static void op_inet6(char **argv)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	sa.sin6_port = htons((uint16_t)esc_num(argv[0], 1, 65535));
	stream(AF_INET6, (struct sockaddr *)&sa, sizeof(sa), "connect to [::1]", argv[1]);
}

static void op_udp(char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd;

	sa.sin_port = htons((uint16_t)esc_num(argv[0], 1, 65535));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		esc_failed("socket", errno);
	if (sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		esc_failed("sendto 127.0.0.1", errno);
	read_answer(fd, true, "a datagram to 127.0.0.1", argv[1]);
}

static void op_packet(char **argv)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	(void)argv;
	if (fd < 0)
		esc_failed("socket(AF_PACKET)", errno);
	esc_worked("an AF_PACKET socket");
}

static void op_netlink_route(char **argv)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		struct rtattr rta;
		struct in_addr addr;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_DELADDR,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = 1 },
		.ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 32 },
		.rta = { .rta_len = RTA_LENGTH(sizeof(struct in_addr)), .rta_type = IFA_LOCAL },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[4096];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	ssize_t n;
	int fd, err;

	(void)argv;
	/* The loopback is interface 1 in every network namespace (and
	 * if_nametoindex() needs a socket of its own, which a sandbox without
	 * a network refuses). */
	req.ifa.ifa_index = 1;
	req.addr.s_addr = inet_addr("127.255.255.254");
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		esc_failed("socket(AF_NETLINK)", errno);
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		esc_failed("send RTM_DELADDR", errno);
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)(sizeof(*nh) + sizeof(int)) || nh->nlmsg_type != NLMSG_ERROR)
		esc_premise("no netlink answer");
	err = -((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	if (err == EPERM || err == EACCES)
		esc_failed("RTM_DELADDR", err);
	esc_worked("RTM_DELADDR was accepted by the kernel (%s: nothing to delete)", err ? esc_errno(err) : "done");
}

static void op_vsock(char **argv)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)argv;
	if (fd < 0) {
		if (esc_mode == ESC_CONTROL && (errno == EAFNOSUPPORT || errno == ENODEV))
			esc_unsupported("AF_VSOCK: %s", esc_errno(errno));
		esc_failed("socket(AF_VSOCK)", errno);
	}
	esc_worked("an AF_VSOCK socket");
}

static void op_abstract(char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(argv[0]);

	if (n + 1 >= sizeof(sa.sun_path))
		esc_premise("the name is too long");
	memcpy(sa.sun_path + 1, argv[0], n);
	stream(AF_UNIX, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n),
	       "connect to the abstract socket", argv[1]);
}

static const struct esc_op ops[] = {
	{ "abstract", 2, "NAME MARK", op_abstract },
	{ "inet", 2, "PORT MARK", op_inet },
	{ "inet6", 2, "PORT MARK", op_inet6 },
	{ "netlink-route", 0, "", op_netlink_route },
	{ "packet", 0, "", op_packet },
	{ "udp", 2, "PORT MARK", op_udp },
	{ "vsock", 0, "", op_vsock },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
