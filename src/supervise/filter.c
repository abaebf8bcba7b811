/* The notify filter (built by libseccomp, loaded with our own seccomp()
 * call so that WAIT_KILLABLE_RECV can be added), handing the listener from
 * child to parent, and the child's side of the terminal. */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/fd-pass.h"
#include "base/json-util.h"
#include "supervise/sup-internal.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5) /* 5.19 */
#endif

struct sup_filter {
	struct sock_filter *insns;
	unsigned short len;
};

static void ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* Calls notified only for some values of their first argument: prctl's
 * options that change capabilities (now, or at the next exec). */
static const struct {
	const char *name;
	unsigned long arg0[4];
} notify_when[] = {
	{ "prctl", { PR_SET_KEEPCAPS, PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_CAP_AMBIENT } },
};

static const unsigned long *notify_when_arg0(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(notify_when); i++)
		if (strcmp(notify_when[i].name, name) == 0)
			return notify_when[i].arg0;
	return NULL;
}

/* Whether the scope notifies this row of the table. */
static bool in_scope(const struct sup_syscall *sc, enum sup_scope scope)
{
	return scope == SUP_SCOPE_ALL || sc->op == SUP_OP_CONNECT;
}

int sup_filter_build(struct sup_filter **ret, enum sup_scope scope, struct error *err)
{
	_cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct sup_filter *f = NULL;
	struct stat st;
	ssize_t n;
	int r;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return error_set(err, ENOMEM, "unable to create the notify filter");
	/* Foreign arches are already killed by the baseline; the same here,
	 * so this filter never lets one through on its own. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0)
		return error_set(err, -r, "unable to set a notify filter attribute: %s", strerror(-r));
	for (size_t i = 0; i < sup_n_syscalls; i++) {
		int nr = seccomp_syscall_resolve_name(sup_syscalls[i].name);

		if (nr < 0 || !in_scope(&sup_syscalls[i], scope))
			continue; /* not on this arch, or unknown to libseccomp */
		const unsigned long *when = notify_when_arg0(sup_syscalls[i].name);

		if (!when)
			r = seccomp_rule_add_exact(ctx, SCMP_ACT_NOTIFY, nr, 0);
		for (size_t k = 0; when && k < ELEMENTSOF(notify_when[0].arg0) && when[k] && r >= 0; k++)
			r = seccomp_rule_add_exact(ctx, SCMP_ACT_NOTIFY, nr, 1, SCMP_A0(SCMP_CMP_EQ, when[k]));
		if (r < 0)
			return error_set(err, -r, "unable to notify '%s': %s", sup_syscalls[i].name, strerror(-r));
	}
	fd = memfd_create("latch-notify-filter", MFD_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "cannot create a memfd: %s", strerror(errno));
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return error_set(err, -r, "unable to export the notify filter: %s", strerror(-r));
	if (fstat(fd, &st) < 0)
		return error_set(err, errno, "cannot stat the exported filter: %s", strerror(errno));
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return error_set(err, EINVAL, "the exported notify filter has a bad size (%lld bytes)",
				 (long long)st.st_size);
	f = calloc(1, sizeof(*f));
	if (f)
		f->insns = malloc((size_t)st.st_size);
	if (!f || !f->insns) {
		sup_filter_free(f);
		return error_set(err, ENOMEM, "out of memory");
	}
	f->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	n = pread(fd, f->insns, (size_t)st.st_size, 0);
	if (n != st.st_size) {
		sup_filter_free(f);
		return error_set(err, n < 0 ? errno : EIO, "cannot read the exported notify filter");
	}
	*ret = f;
	return 0;
}

unsigned short sup_filter_insns(const struct sup_filter *f, const struct sock_filter **ret_insns)
{
	*ret_insns = f->insns;
	return f->len;
}

struct sup_filter *sup_filter_from(const struct sock_filter *insns, unsigned short n)
{
	struct sup_filter *f = calloc(1, sizeof(*f));

	if (f)
		f->insns = malloc((size_t)n * sizeof(*insns));
	if (!f || !f->insns || n == 0)
		return sup_filter_free(f);
	memcpy(f->insns, insns, (size_t)n * sizeof(*insns));
	f->len = n;
	return f;
}

struct sup_filter *sup_filter_free(struct sup_filter *f)
{
	if (f) {
		free(f->insns);
		free(f);
	}
	return NULL;
}

int sup_filter_load(const struct sup_filter *f, const struct sup_filter_opts *o, int *ret_listener,
		    struct error *err)
{
	struct sock_fprog prog;
	long fd = -1;

	if (!f || !f->insns)
		return error_set(err, EINVAL, "no notify filter");
	prog.len = f->len;
	prog.filter = f->insns;
	/* An unknown flag is refused (EINVAL) before anything is installed,
	 * so trying the richer call first is safe. */
	if (o && o->wait_killable_recv)
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			     SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
	if (fd < 0 && (!o || !o->wait_killable_recv || errno == EINVAL))
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0) {
		if (errno == EBUSY)
			return error_set(err, EBUSY, "cannot load the notify filter: a seccomp listener already "
						     "exists in this process's filter chain");
		if (errno == EACCES)
			return error_set(err, EACCES, "cannot load the notify filter: no_new_privs is not set");
		return error_set(err, errno, "cannot load the notify filter: %s", strerror(errno));
	}
	*ret_listener = (int)fd;
	return 0;
}

int sup_install_filter(const struct sup_filter_opts *o, int *ret_listener, struct error *err)
{
	_cleanup_(sup_filter_freep) struct sup_filter *f = NULL;
	int r;

	r = sup_filter_build(&f, SUP_SCOPE_ALL, err);
	if (r < 0)
		return r;
	return sup_filter_load(f, o, ret_listener, err);
}

bool sup_notifies(const char *syscall)
{
	for (size_t i = 0; syscall && i < sup_n_syscalls; i++)
		if (strcmp(sup_syscalls[i].name, syscall) == 0)
			return seccomp_syscall_resolve_name(syscall) >= 0;
	return false;
}

json_t *sup_filter_to_json(enum sup_scope scope)
{
	json_t *o = json_object(), *notified = json_array(), *skipped = json_array();

	if (!o || !notified || !skipped) {
		json_decref(o);
		json_decref(notified);
		json_decref(skipped);
		return NULL;
	}
	for (size_t i = 0; i < sup_n_syscalls; i++) {
		int nr = seccomp_syscall_resolve_name(sup_syscalls[i].name);

		if (!in_scope(&sup_syscalls[i], scope))
			continue;
		if (nr >= 0) {
			(void)json_array_append_new(notified, json_str(sup_syscalls[i].name));
		} else {
			json_t *s = json_object();

			json_set(s, "syscall", json_str(sup_syscalls[i].name));
			json_set(s, "reason",
				 json_str(nr == __NR_SCMP_ERROR ? "unknown_to_libseccomp" : "not_on_this_arch"));
			(void)json_array_append_new(skipped, s);
		}
	}
	json_set(o, "notified", notified);
	json_set(o, "skipped", skipped);
	return o;
}

int sup_send_fd(int sock, int fd, struct error *err)
{
	int r = fd_send(sock, fd);

	if (r < 0)
		return error_set(err, -r, "cannot send the listener: %s", r == -EIO ? "short write" : strerror(-r));
	return 0;
}

int sup_recv_fd(int sock, int *ret_fd, struct error *err)
{
	int r = fd_recv(sock, ret_fd);

	if (r == -EPIPE)
		return error_set(err, EPIPE, "cannot receive the listener: the sandbox closed the socket before "
					     "sending it");
	if (r == -EBADMSG)
		return error_set(err, EBADMSG, "cannot receive the listener: expected exactly one descriptor");
	if (r < 0)
		return error_set(err, -r, "cannot receive the listener: %s", strerror(-r));
	return 0;
}

bool sup_fd_is_listener(int fd)
{
	char path[64], target[64];
	ssize_t n;

	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:seccomp notify") == 0;
}

int sup_tty_child_setup(void)
{
	sigset_t ttou, old;
	_cleanup_close_ int tty = -EBADF;
	bool foreground;
	int r = 0;

	tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	foreground = tty >= 0 && tcgetpgrp(tty) == getpgrp();
	if (setpgid(0, 0) < 0)
		return -errno;
	if (tty < 0)
		return -ENOTTY;
	if (!foreground)
		return 0;
	/* From a background group, tcsetpgrp raises SIGTTOU unless blocked. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	(void)sigprocmask(SIG_BLOCK, &ttou, &old);
	if (tcsetpgrp(tty, getpid()) < 0)
		r = -errno;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

int sup_tty_foreground_save(void)
{
	int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (tty >= 0 && tcgetpgrp(tty) != getpgrp()) {
		(void)close(tty);
		return -1;
	}
	return tty;
}

void sup_tty_foreground_restore(int tty)
{
	sigset_t ttou, old;

	if (tty < 0)
		return;
	/* This group is in the background now: tcsetpgrp would raise SIGTTOU. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	(void)sigprocmask(SIG_BLOCK, &ttou, &old);
	if (tcgetpgrp(tty) != getpgrp())
		(void)tcsetpgrp(tty, getpgrp());
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	(void)close(tty);
}

/* In a child: can a listener be had under the filters this process runs
 * under? Its exit status is the errno (0: yes). */
static int listener_errno(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 0; /* unknown: the run finds out */
	if (pid == 0) {
		long fd;

		(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		_exit(fd < 0 ? (errno & 0xff) : 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 0;
}

const char *sup_unavailable(void)
{
	static char why[256];
	static bool asked;
	char probe = 1, got = 0;
	struct iovec local = { .iov_base = &got, .iov_len = 1 };
	struct iovec remote = { .iov_base = &probe, .iov_len = 1 };
	int e;

	if (asked)
		return why[0] ? why : NULL;
	asked = true;
	/* The supervisor reads every path from the program's memory. */
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != 1 && (errno == EPERM || errno == ENOSYS)) {
		(void)snprintf(why, sizeof(why),
			       "this process may not read another process's memory (process_vm_readv: %s), as inside "
			       "another sandbox",
			       errno_name(errno));
		return why;
	}
	/* Only under a filter of its own can a listener be taken already. */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2 && (e = listener_errno()) != 0) {
		(void)snprintf(why, sizeof(why),
			       e == EBUSY ? "a seccomp listener is already installed by an outer sandbox (EBUSY)"
					  : "the kernel refuses a seccomp listener here (%s)",
			       errno_name(e));
		return why;
	}
	return NULL;
}
