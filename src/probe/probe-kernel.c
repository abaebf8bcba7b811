/* Kernel surfaces: ioctl tiocsti, mount, userns, io_uring. Each is done so
 * that nothing changes outside the probe: TIOCSTI gets a NULL character
 * pointer, mounts and namespaces live in a child that then exits. */
#include <fcntl.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "probe/probes.h"

static const char *const ioctl_ops[] = { "tiocsti" };
static const char *const mount_ops[] = { "tmpfs" };

const char *probe_ioctl_op_at(size_t i)
{
	return i < ELEMENTSOF(ioctl_ops) ? ioctl_ops[i] : NULL;
}

const char *probe_mount_op_at(size_t i)
{
	return i < ELEMENTSOF(mount_ops) ? mount_ops[i] : NULL;
}

/* A sysctl as a JSON integer, or null when it cannot be read (inside a
 * sandbox, /proc/sys usually cannot). */
static json_t *sysctl_int(const char *path)
{
	char buf[32];

	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return json_null();
	return json_integer(strtol(buf, NULL, 10));
}

/* The terminal for TIOCSTI: --fd, standard input, or a new pty. */
static int pick_terminal(const struct probe_request *req, int *ret_owned, struct probe_result *res)
{
	int ptm, pts, unlock = 0;

	*ret_owned = -1;
	if (req->fd >= 0 || isatty(STDIN_FILENO)) {
		int fd = req->fd >= 0 ? (int)req->fd : STDIN_FILENO;

		probe_detail(res, "terminal", json_str(req->fd >= 0 ? "fd" : "stdin"));
		return isatty(fd) ? fd : -ENOTTY;
	}
	probe_detail(res, "terminal", json_str("new_pty"));
	ptm = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (ptm < 0)
		return -errno;
	if (ioctl(ptm, TIOCSPTLCK, &unlock) < 0 || (pts = ioctl(ptm, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		int e = errno;

		(void)close(ptm);
		return -e;
	}
	*ret_owned = ptm;
	return pts;
}

void probe_run_ioctl(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	int owned, fd;

	(void)ctx;
	probe_detail(res, "op", json_str(req->op));
	probe_detail(res, "legacy_tiocsti", sysctl_int("/proc/sys/dev/tty/legacy_tiocsti"));
	fd = pick_terminal(req, &owned, res);
	if (fd < 0) {
		probe_outcome(res, PROBE_PREMISE_FAILED, "no terminal to try TIOCSTI on: %s", strerror(-fd));
		return;
	}
	probe_detail(res, "controlling", json_boolean(tcgetsid(fd) == getsid(0)));
	/* A NULL character pointer: past every permission check the kernel
	 * faults reading it, so EFAULT proves the ioctl was allowed and
	 * nothing is ever typed. */
	if (ioctl(fd, TIOCSTI, NULL) == 0 || errno == EFAULT) {
		probe_detail(res, "reached_kernel", json_boolean(true));
		probe_errno(res, "ioctl", 0);
	} else if (errno == EIO) {
		probe_errno(res, "ioctl", EIO);
		probe_outcome(res, PROBE_DAC_DENIED, "the kernel refuses TIOCSTI (dev.tty.legacy_tiocsti = 0)");
	} else {
		probe_errno(res, "ioctl", errno);
	}
	if (owned >= 0) {
		(void)close(fd);
		(void)close(owned);
	}
}

/* The steps of the mount probe, in a child: 0 unshare, 1 make / private
 * (so nothing propagates back), 2 mount a tmpfs. */
static const char *const mount_steps[] = { "unshare", "mount", "mount" };

static int mount_in_child(void *arg, int *ret_step)
{
	const char *target = arg;
	int flags = getuid() == 0 ? CLONE_NEWNS : CLONE_NEWUSER | CLONE_NEWNS;

	*ret_step = 0;
	if (unshare(flags) < 0)
		return -errno;
	*ret_step = 1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	*ret_step = 2;
	if (mount("latch-probe", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k") < 0)
		return -errno;
	return 0;
}

static int userns_in_child(void *arg, int *ret_step)
{
	(void)arg;
	*ret_step = 0;
	return unshare(CLONE_NEWUSER) < 0 ? -errno : 0;
}

/* Run fn in a child and report its step's system call and errno. */
static void child_result(int (*fn)(void *, int *), void *arg, const char *const *steps, struct probe_result *res)
{
	struct probe_child c;
	int r = probe_in_child(fn, arg, &c);

	if (r < 0) {
		probe_outcome(res, PROBE_HARNESS_ERROR, "the child that tries it %s: %s",
			      r == -ETIMEDOUT ? "did not finish" : "could not start", strerror(-r));
		return;
	}
	if (c.err == 0 && c.status != 0) {
		probe_outcome(res, PROBE_HARNESS_ERROR, "the child that tries it died (status %d) before reporting",
			      c.status);
		return;
	}
	probe_detail(res, "step", c.step >= 0 ? json_str(steps[c.step]) : json_null());
	probe_errno(res, c.step >= 0 ? steps[c.step] : NULL, c.err);
}

void probe_run_mount(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	const char *target = ctx->harness ? ctx->harness : "/tmp";

	probe_detail(res, "op", json_str(req->op));
	probe_detail(res, "target", json_str(target));
	probe_detail(res, "new_user_namespace", json_boolean(getuid() != 0));
	child_result(mount_in_child, (void *)target, mount_steps, res);
}

void probe_run_userns(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	static const char *const steps[] = { "unshare" };

	(void)ctx;
	(void)req;
	probe_detail(res, "max_user_namespaces", sysctl_int("/proc/sys/user/max_user_namespaces"));
	child_result(userns_in_child, NULL, steps, res);
	if (res->err == ENOSPC)
		probe_outcome(res, PROBE_UNSUPPORTED, "no user namespace can be created here (user.max_user_namespaces)");
}

void probe_run_io_uring(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	struct io_uring_params p = { 0 };
	long fd;

	(void)ctx;
	(void)req;
	probe_detail(res, "io_uring_disabled", sysctl_int("/proc/sys/kernel/io_uring_disabled"));
	fd = syscall(SYS_io_uring_setup, 2, &p);
	if (fd < 0) {
		probe_errno(res, "io_uring_setup", errno);
		return;
	}
	(void)close((int)fd);
	probe_errno(res, "io_uring_setup", 0);
}
