#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd-pass.h"
#include "base/json-util.h"
#include "sandbox/caps.h"
#include "sandbox/namespaces.h"

static const struct {
	unsigned long flag;
	const char *name;
} ns_names[] = {
	{ CLONE_NEWUSER, "user" }, { CLONE_NEWNS, "mount" }, { CLONE_NEWPID, "pid" },
	{ CLONE_NEWIPC, "ipc" },   { CLONE_NEWUTS, "uts" },  { CLONE_NEWNET, "net" },
};

unsigned long ns_flags_for(const struct policy *p)
{
	unsigned long f = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;

	/* A caller that may create namespaces itself (root, CAP_SYS_ADMIN)
	 * needs no user namespace, and must not use one: the program would be
	 * root of its own namespace, with powers a supervisor outside could
	 * neither see nor match. It keeps the file-work capabilities only
	 * (caps.h), in the caller's own user namespace. */
	if (!caps_have(CAP_SYS_ADMIN))
		f |= CLONE_NEWUSER;

	if (p->net.mode == POLICY_NET_OFF || p->net.mode == POLICY_NET_PROXY)
		f |= CLONE_NEWNET;
	return f;
}

json_t *ns_flags_to_json(unsigned long flags)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ELEMENTSOF(ns_names); i++)
		if (flags & ns_names[i].flag)
			(void)json_array_append_new(a, json_str(ns_names[i].name));
	return a;
}

int ns_probe(unsigned long flags)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(unshare((int)flags) < 0 ? (errno & 0x7f) : 0);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -(WIFEXITED(status) ? WEXITSTATUS(status) : EIO);
}

pid_t ns_clone(unsigned long flags, int sync[2])
{
	long pid;

	if (pipe2(sync, O_CLOEXEC) < 0)
		return -errno;
	/* A raw clone without a stack behaves like fork. */
	pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0) {
		int e = errno;

		(void)close(sync[0]);
		(void)close(sync[1]);
		return -e;
	}
	return (pid_t)pid;
}

static int write_file(pid_t pid, const char *name, const char *content, struct error *err)
{
	char path[64];
	_cleanup_close_ int fd = -EBADF;
	size_t n = strlen(content);

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, content, n) != (ssize_t)n)
		return error_set(err, errno, "cannot write %s of the sandbox: %s", name, strerror(errno));
	return 0;
}

int ns_write_maps(pid_t child, struct error *err)
{
	char map[64];
	int r;

	(void)snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)geteuid(), (unsigned)geteuid());
	r = write_file(child, "uid_map", map, err);
	if (r < 0)
		return r;
	r = write_file(child, "setgroups", "deny", err);
	if (r < 0)
		return r;
	(void)snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)getegid(), (unsigned)getegid());
	return write_file(child, "gid_map", map, err);
}

void ns_child_release(int sync[2], bool ok)
{
	(void)close(sync[0]);
	if (ok)
		(void)!write(sync[1], "g", 1);
	(void)close(sync[1]);
}

int ns_child_wait(int sync[2])
{
	char c = 0;
	ssize_t n;

	(void)close(sync[1]);
	/* Set before waiting: if the parent dies after this, we die too; if it
	 * died before, the read below sees end-of-file. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return -errno;
	do
		n = read(sync[0], &c, 1);
	while (n < 0 && errno == EINTR);
	(void)close(sync[0]);
	return n == 1 && c == 'g' ? 0 : -ECANCELED;
}

int ns_setup_mounts(bool new_proc, struct error *err)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return error_set(err, errno, "cannot make the sandbox's mounts private: %s", strerror(errno));
	if (new_proc && mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return error_set(err, errno, "cannot mount a fresh /proc for the sandbox's pid namespace: %s",
				 strerror(errno));
	return 0;
}

int ns_bridge_open(int sock, uint16_t port, struct error *err)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct ifreq ifr = { .ifr_name = "lo" };
	_cleanup_close_ int ctl = -EBADF, fd = -EBADF;
	int one = 1, r;

	/* The namespace's loopback starts down. */
	ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl < 0 || ioctl(ctl, SIOCGIFFLAGS, &ifr) < 0)
		return error_set(err, errno, "cannot read the sandbox's loopback: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(ctl, SIOCSIFFLAGS, &ifr) < 0)
		return error_set(err, errno, "cannot bring the sandbox's loopback up: %s", strerror(errno));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0)
		return error_set(err, errno, "cannot listen on 127.0.0.1:%u in the sandbox: %s", port, strerror(errno));
	r = fd_send(sock, fd);
	if (r < 0)
		return error_set(err, -r, "cannot hand the listener to the proxy: %s", strerror(-r));
	return 0;
}
