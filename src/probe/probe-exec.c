/* Execution probes: exec, memfd_exec, dlopen. A program that starts is
 * stopped at once (probe_try_exec): whether execve succeeded is the
 * measurement, not what the program does. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/json-util.h"
#include "probe/probes.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: an executable memfd even under vm.memfd_noexec=1 */
#endif

struct exec_arg {
	const char *path;
	int fd;
};

static int do_execve(void *arg, int *ret_step)
{
	const struct exec_arg *a = arg;
	char *argv[] = { (char *)a->path, NULL };

	*ret_step = 0;
	execve(a->path, argv, environ);
	return -errno;
}

void probe_run_exec(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	struct exec_arg a = { .path = req->path };
	int r, err = 0;

	(void)ctx;
	probe_detail(res, "path", json_str(req->path));
	if (req->path[0] != '/') {
		probe_outcome(res, PROBE_BAD_REQUEST, "exec: --path must be absolute");
		return;
	}
	probe_access(res, POLICY_ACCESS_EXEC, req->path, 0, true);
	r = probe_try_exec(do_execve, &a, &err);
	if (r < 0) {
		probe_outcome(res, PROBE_HARNESS_ERROR, "cannot start the child that executes: %s", strerror(-r));
		return;
	}
	probe_detail(res, "started", json_boolean(err == 0));
	probe_errno(res, "execve", err);
}

static int do_execveat(void *arg, int *ret_step)
{
	const struct exec_arg *a = arg;
	char *argv[] = { "latch", "--version", NULL };

	*ret_step = 0;
	syscall(SYS_execveat, a->fd, "", argv, environ, AT_EMPTY_PATH);
	return -errno;
}

/* Copy latch's own binary into fd: a program we know is a valid ELF. */
static int copy_self(const char *self, int fd)
{
	_cleanup_close_ int in = open(self, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return -EIO;
	return n < 0 ? -errno : 0;
}

void probe_run_memfd_exec(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	_cleanup_close_ int fd = -EBADF;
	struct exec_arg a = { 0 };
	int r, err = 0;

	(void)req;
	fd = memfd_create("latch-probe", MFD_CLOEXEC | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("latch-probe", MFD_CLOEXEC);
	if (fd < 0) {
		probe_errno(res, "memfd_create", errno);
		return;
	}
	r = copy_self(ctx->self, fd);
	if (r < 0) {
		probe_outcome(res, PROBE_PREMISE_FAILED, "cannot copy '%s' into the memfd: %s", ctx->self, strerror(-r));
		return;
	}
	/* What the decision engine is asked: executing a file that lies
	 * beneath no rule (the memfd's own name). */
	probe_access(res, POLICY_ACCESS_EXEC, "/memfd:latch-probe (deleted)", 0, true);
	a.fd = fd;
	r = probe_try_exec(do_execveat, &a, &err);
	if (r < 0) {
		probe_outcome(res, PROBE_HARNESS_ERROR, "cannot start the child that executes: %s", strerror(-r));
		return;
	}
	probe_detail(res, "started", json_boolean(err == 0));
	probe_errno(res, "execveat", err);
}

/* What the dynamic loader does to a library, short of running it: open it,
 * check it is a shared object, map it executable. Landlock checks the open;
 * the executable mapping is checked only by the mount's noexec. */
void probe_run_dlopen(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	_cleanup_close_ int fd = -EBADF;
	Elf64_Ehdr eh;
	void *m;

	(void)ctx;
	probe_detail(res, "path", json_str(req->path));
	probe_detail(res, "code_run", json_boolean(false));
	if (req->path[0] != '/') {
		probe_outcome(res, PROBE_BAD_REQUEST, "dlopen: --path must be absolute");
		return;
	}
	probe_access(res, POLICY_ACCESS_READ, req->path, 0, true);
	fd = open(req->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		probe_errno(res, "openat", errno);
		return;
	}
	if (read(fd, &eh, sizeof(eh)) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_type != ET_DYN) {
		probe_outcome(res, PROBE_PREMISE_FAILED, "'%s' is not an ELF shared object", req->path);
		return;
	}
	probe_access(res, POLICY_ACCESS_EXEC, req->path, 0, false);
	m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		probe_errno(res, "mmap", errno);
		return;
	}
	(void)munmap(m, 4096);
	probe_detail(res, "mapped_executable", json_boolean(true));
	probe_errno(res, "mmap", 0);
}
