/* The embedded seccomp programs equal what libseccomp builds from the tables
 * now, and loading one really refuses what it should (in a child). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandbox/seccomp.h"

static void test_embedded_programs_are_current(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SFILTER_N_PLANS; i++) {
		struct sfilter_plan plan = sfilter_plan_from_index(i);
		struct error err = { 0 };
		int fd = memfd_create("t", MFD_CLOEXEC);
		size_t want = sfilter_programs[i].len * sizeof(struct sock_filter);
		char *buf = malloc(want + 1);
		ssize_t got;

		assert_true(fd >= 0);
		assert_non_null(buf);
		assert_int_equal(sfilter_plan_index(&plan), i);
		assert_int_equal(sfilter_export(&plan, fd, &err), 0);
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		got = read(fd, buf, want + 1);
		assert_int_equal(got, (ssize_t)want);
		assert_memory_equal(buf, sfilter_programs[i].filter, want);
		free(buf);
		close(fd);
	}
}

/* Run fn in a child under the plan's filter; return its exit status. */
static int in_child(const struct sfilter_plan *plan, int (*fn)(void))
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct error err = { 0 };

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sfilter_apply(plan, &err) < 0)
			_exit(100);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

/* Exit 0 when bpf() is refused with EPERM (the kernel itself says EINVAL or
 * EFAULT for these arguments, so EPERM can only come from the filter). */
static int bpf_refused(void)
{
	return syscall(SYS_bpf, 0, (void *)1, 0) < 0 && errno == EPERM ? 0 : 1;
}

static int getpid_works(void)
{
	return syscall(SYS_getpid) > 0 ? 0 : 1;
}

static int inet_socket_refused(void)
{
	return syscall(SYS_socket, 2 /* AF_INET */, 1, 0) < 0 && errno == EACCES ? 0 : 1;
}

static void test_loaded_filter_refuses(void **state)
{
	struct sfilter_plan on = { .network_off = false }, off = { .network_off = true };

	(void)state;
	assert_int_equal(in_child(&on, bpf_refused), 0);
	assert_int_equal(in_child(&on, getpid_works), 0);
	/* network_off decides socket(AF_INET): refused under one plan only. */
	assert_int_equal(in_child(&off, inet_socket_refused), 0);
	assert_int_equal(in_child(&on, inet_socket_refused), 1);
}

/* network: proxy leaves Unix sockets and TCP, nothing else. Each row runs
 * socket() in a child under the proxy plan (Unix datagrams allowed, so
 * that only the proxy's rules decide: test_unix_socket_rules has the
 * rest): refused with EACCES, or it reached the kernel (a descriptor, or
 * the kernel's own errno). */
static int proxy_domain, proxy_type, proxy_protocol;

static int socket_refused(void)
{
	return syscall(SYS_socket, proxy_domain, proxy_type, proxy_protocol) < 0 && errno == EACCES ? 0 : 1;
}

static void test_proxy_plan_sockets(void **state)
{
	static const struct {
		int domain, type, protocol;
		bool refused;
	} rows[] = {
		{ AF_UNIX, SOCK_STREAM, 0, false },
		{ AF_UNIX, SOCK_DGRAM, 0, false },
		{ AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, false },
		{ AF_INET, SOCK_STREAM, 0, false },
		{ AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, false },
		{ AF_INET, SOCK_STREAM, IPPROTO_TCP, false },
		{ AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0, false },
		{ AF_INET, SOCK_DGRAM, 0, true },
		{ AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP, true },
		{ AF_INET, SOCK_DGRAM, IPPROTO_ICMP, true },
		{ AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0, true },
		{ AF_INET, SOCK_RAW, IPPROTO_RAW, true },
		{ AF_INET, SOCK_SEQPACKET, 0, true },
		{ AF_INET, SOCK_STREAM, IPPROTO_SCTP, true },
		{ AF_INET6, SOCK_STREAM, 262 /* IPPROTO_MPTCP */, true },
		{ AF_INET, SOCK_PACKET, 0, true },
		{ AF_UNSPEC, SOCK_STREAM, 0, true },
		{ 3, SOCK_STREAM, 0, true },
		{ 5, SOCK_STREAM, 0, true },
		{ 7, SOCK_STREAM, 0, true },
		{ 9, SOCK_STREAM, 0, true },
		{ AF_NETLINK, SOCK_RAW, 0, true },
		{ AF_PACKET, SOCK_RAW, 0, true },
		{ 40 /* AF_VSOCK */, SOCK_STREAM, 0, true },
	};
	struct sfilter_plan proxy = { .network_proxy = true, .allow_unix_dgram = true };

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		proxy_domain = rows[i].domain;
		proxy_type = rows[i].type;
		proxy_protocol = rows[i].protocol;
		if ((in_child(&proxy, socket_refused) == 0) != rows[i].refused)
			fail_msg("socket(%d, %#x, %d): %s", rows[i].domain, rows[i].type, rows[i].protocol,
				 rows[i].refused ? "reached the kernel" : "refused");
	}
}

static int unix_dgram_refused(void)
{
	int sv[2];

	return syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) < 0 && errno == EACCES &&
			       socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0 && errno == EACCES
		       ? 0
		       : 1;
}

static int unix_stream_works(void)
{
	int sv[2];

	return syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0) >= 0 && socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0 ? 0
														       : 1;
}

static int unix_socket_refused_pair_works(void)
{
	int sv[2];

	return syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0) < 0 && errno == EACCES &&
			       socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0
		       ? 0
		       : 1;
}

/* Unix datagram sockets are refused unless allowed; stream and seqpacket
 * ones stay; unix_off refuses socket(AF_UNIX) of any type, not pairs. The
 * same under network: off and proxy, whose rules leave Unix sockets to
 * these. */
static void test_unix_socket_rules(void **state)
{
	struct sfilter_plan none = { 0 }, dgram = { .allow_unix_dgram = true }, off = { .unix_off = true };
	struct sfilter_plan net_off = { .network_off = true }, proxy = { .network_proxy = true },
			    proxy_dgram = { .network_proxy = true, .allow_unix_dgram = true },
			    proxy_unix_off = { .network_proxy = true, .unix_off = true };

	(void)state;
	assert_int_equal(in_child(&none, unix_dgram_refused), 0);
	assert_int_equal(in_child(&none, unix_stream_works), 0);
	assert_int_equal(in_child(&dgram, unix_dgram_refused), 1);
	assert_int_equal(in_child(&dgram, unix_stream_works), 0);
	assert_int_equal(in_child(&off, unix_socket_refused_pair_works), 0);
	assert_int_equal(in_child(&none, unix_socket_refused_pair_works), 1);
	assert_int_equal(in_child(&net_off, unix_dgram_refused), 0);
	assert_int_equal(in_child(&net_off, unix_stream_works), 0);
	assert_int_equal(in_child(&proxy, unix_dgram_refused), 0);
	assert_int_equal(in_child(&proxy, unix_stream_works), 0);
	assert_int_equal(in_child(&proxy_dgram, unix_dgram_refused), 1);
	assert_int_equal(in_child(&proxy_dgram, unix_stream_works), 0);
	assert_int_equal(in_child(&proxy_unix_off, unix_socket_refused_pair_works), 0);
}

static void test_without_no_new_privs_unprivileged_load_fails(void **state)
{
	(void)state;
	if (geteuid() == 0)
		skip(); /* root may load filters without no_new_privs */
	{
		struct sfilter_plan plan = { 0 };
		struct error err = { 0 };
		pid_t pid = fork();
		int status;

		if (pid == 0)
			_exit(sfilter_apply(&plan, &err) == -EACCES ? 0 : 1);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded_programs_are_current),
		cmocka_unit_test(test_loaded_filter_refuses),
		cmocka_unit_test(test_proxy_plan_sockets),
		cmocka_unit_test(test_unix_socket_rules),
		cmocka_unit_test(test_without_no_new_privs_unprivileged_load_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
