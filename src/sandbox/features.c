/* What this kernel can enforce, for `latch doctor`. Every answer is the
 * kernel's own reply to an attempt: a probe that would change the caller
 * (seccomp filters, uid changes, namespaces) runs in a short-lived child
 * that reports through a pipe and is killed if it does not answer in time.
 * Nothing is inferred from version numbers: distributions backport features
 * and disable others at boot or by sysctl. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/macro.h"
#include "sandbox/features.h"
#include "sandbox/landlock-uapi.h"

/* Debian 12's headers stop at seccomp of 6.1 (and Landlock ABI 3, see
 * landlock-uapi.h); the values below are the kernel's UAPI and never change. */
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5) /* 5.19 */
#endif
#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1) /* 5.14 */
#endif
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64) /* 6.6 */
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* A child that has not answered by then is stuck; every probe is a handful
 * of system calls. The inner bound is shorter so that the seccomp child can
 * still report a lost notification before the outer bound kills it. */
#define PROBE_TIMEOUT_MS 2000
#define NOTIFY_TIMEOUT_MS 1000

/* The user-notification probe traps getppid: it takes no arguments, has no
 * side effects, and neither the probe child nor glibc's fork/poll/ioctl/wait
 * paths call it, so only the grandchild's deliberate call can block on
 * the listener. The answer is above PID_MAX_LIMIT (2^22), so a getppid that
 * was not trapped can never return it by chance. */
#define NOTIFY_NR __NR_getppid
#define NOTIFY_MAGIC 0x7a7c4e5L

/* The uid and gid the userns probe drops to when run as root ("nobody"). */
#define NOBODY_ID 65534

/* The sysctls that decide whether an unprivileged user may create a user
 * namespace, by their sysctl(8) names; the path is the name with '.' -> '/'. */
static const char *const userns_sysctls[] = {
	"kernel.apparmor_restrict_unprivileged_userns", /* Ubuntu >= 23.10: 1 needs an AppArmor grant */
	"kernel.unprivileged_userns_clone",             /* Debian/Ubuntu patch: 0 allows only CAP_SYS_ADMIN */
	"user.max_user_namespaces",                     /* 0 forbids user namespaces to everyone */
};

static long long now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is readable or the monotonic deadline passes. Returns 0,
 * -ETIMEDOUT, or a negative errno from poll. Signals do not shorten the
 * wait: the caller may have handlers installed. */
static int wait_readable(int fd, long long deadline_ms)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline_ms - now_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* Read exactly size bytes from fd before the deadline. EOF before that
 * means the writer died without answering: -EIO. */
static int read_answer(int fd, void *buf, size_t size, long long deadline_ms)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n;
		int r = wait_readable(fd, deadline_ms);

		if (r < 0)
			return r;
		n = read(fd, (char *)buf + got, size - got);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		got += (size_t)n;
	}
	return 0;
}

/* Wait for a child. Returns its wait status, or -1 if it could not be
 * collected (e.g. SIGCHLD is ignored and the kernel reaped it). */
static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* A probe body: runs in the forked child, fills *answer (the child's copy).
 * answer_fd is the pipe the answer will be written to, passed so that the
 * body can close it in any process it forks in turn. */
typedef void probe_fn(void *answer, int answer_fd);

/* Run fn in a forked child and copy its answer (size bytes, at most
 * PIPE_BUF so the one write is atomic) into ret_answer. Returns 0, or
 * -ETIMEDOUT (the child was killed), -EIO (it died without answering) or
 * the errno of pipe/fork. ret_answer is untouched on failure. */
static int probe_in_child(probe_fn *fn, void *ret_answer, size_t size)
{
	_cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
	unsigned char buf[PIPE_BUF];
	int fds[2], r;
	pid_t pid;

	if (size > sizeof(buf))
		return -EINVAL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	rfd = fds[0];
	wfd = fds[1];

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		ssize_t n;

		(void)close(TAKE_FD(rfd));
		memset(buf, 0, size);
		fn(buf, wfd);
		n = write(wfd, buf, size);
		_exit(n == (ssize_t)size ? 0 : 1);
	}

	/* Our copy of the write end must go, or a dead child never reads as EOF. */
	(void)close(TAKE_FD(wfd));
	r = read_answer(rfd, buf, size, now_ms() + PROBE_TIMEOUT_MS);
	/* The child is not reaped yet, so its pid cannot have been reused:
	 * killing by pid hits exactly the child. */
	if (r < 0)
		(void)kill(pid, SIGKILL);
	(void)reap(pid);
	if (r < 0)
		return r;
	memcpy(ret_answer, buf, size);
	return 0;
}

static void probe_uname(struct kernel_features *f)
{
	struct utsname u;

	if (uname(&u) < 0)
		return;
	(void)snprintf(f->release, sizeof(f->release), "%s", u.release);
	(void)snprintf(f->machine, sizeof(f->machine), "%s", u.machine);
}

/* The ABI query changes nothing, so it runs in the caller. ENOSYS: not built
 * in; EOPNOTSUPP: built in but not enabled at boot (lsm=). */
static void probe_landlock(struct kernel_features *f)
{
	long abi, errata;

	f->landlock_errata = -1;
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi <= 0) {
		f->landlock_abi = 0;
		f->landlock_errno = abi < 0 ? errno : 0;
		return;
	}
	f->landlock_abi = (int)abi;
	f->landlock_errno = 0;

	/* Kernels before 6.15 reject the flag with EINVAL: errata unknown. */
	errata = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_ERRATA);
	if (errata >= 0)
		f->landlock_errata = (int)errata;
}

struct seccomp_answer {
	int filter_err;           /* 0: an allow-all filter was installed */
	int notify_err;           /* 0: a notification went round trip */
	bool addfd;
	bool addfd_send;
	bool sync_wake_up;
	bool wait_killable_recv;
};

static long sys_seccomp(unsigned int op, unsigned long flags, void *args)
{
	return syscall(__NR_seccomp, op, flags, args);
}

/* SECCOMP_IOCTL_NOTIF_ADDFD for a notification that does not exist. The
 * kernel checks flags (EINVAL for an unknown one) and srcfd (EBADF) first,
 * then looks the id up: ENOENT proves both the ioctl and the flags are
 * known. An unknown ioctl gives EINVAL. The caller guarantees that no
 * notification is pending, so no id, however chosen, can be found. */
static bool addfd_known(int listener, uint32_t flags)
{
	struct seccomp_notif_addfd addfd = {
		.id = UINT64_MAX,
		.flags = flags,
		.srcfd = (uint32_t)listener, /* any open fd */
	};

	return ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) < 0 && errno == ENOENT;
}

/* Deliver one notification for real: a grandchild calls NOTIFY_NR, we must
 * receive it on the listener and answer NOTIFY_MAGIC, and the grandchild
 * must see that value. Returns 0 or a positive errno (ETIMEDOUT: nothing
 * arrived; EIO: the answer did not come back intact). */
static int notify_round_trip(int listener, int answer_fd)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	bool sent = false;
	int status, r;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		/* Holding the listener would keep our own trap unanswerable
		 * forever if the parent died; without it, the kernel fails the
		 * call with ENOSYS when the listener closes. */
		(void)close(listener);
		(void)close(answer_fd);
		_exit(syscall(NOTIFY_NR) == NOTIFY_MAGIC ? 0 : 1);
	}

	r = wait_readable(listener, now_ms() + NOTIFY_TIMEOUT_MS);
	if (r == 0) {
		memset(&req, 0, sizeof(req)); /* RECV insists on a zeroed buffer */
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
			r = -errno;
		else if (req.data.nr != NOTIFY_NR || req.pid != (uint32_t)pid)
			r = -EIO;
	}
	if (r == 0) {
		resp = (struct seccomp_notif_resp){ .id = req.id, .val = NOTIFY_MAGIC };
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
			r = -errno;
		else
			sent = true;
	}
	if (!sent)
		(void)kill(pid, SIGKILL); /* not reaped yet: the pid is still ours */
	status = reap(pid);
	if (r < 0)
		return -r;
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EIO;
}

static void seccomp_child(void *answer, int answer_fd)
{
	struct seccomp_answer *a = answer;
	struct sock_filter allow[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	/* No architecture check: only this child and its grandchild run under
	 * the filter, both native, and every other syscall is allowed anyway. */
	struct sock_filter notify[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NOTIFY_NR, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog allow_prog = { .len = ELEMENTSOF(allow), .filter = allow };
	struct sock_fprog notify_prog = { .len = ELEMENTSOF(notify), .filter = notify };
	_cleanup_close_ int listener = -EBADF;
	int fd;

	/* Without it, an unprivileged caller gets EACCES and we would learn
	 * nothing about the kernel. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		a->filter_err = a->notify_err = errno;
		return;
	}
	a->filter_err = sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &allow_prog) < 0 ? errno : 0;

	/* Only one listener may exist in a filter chain, so WAIT_KILLABLE_RECV
	 * is tried first, together with NEW_LISTENER as it requires; an
	 * unknown flag is rejected with EINVAL before anything is installed. */
	fd = (int)sys_seccomp(SECCOMP_SET_MODE_FILTER,
			      SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
			      &notify_prog);
	if (fd >= 0)
		a->wait_killable_recv = true;
	else if (errno == EINVAL)
		fd = (int)sys_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &notify_prog);
	if (fd < 0) {
		a->notify_err = errno; /* EBUSY: a listener already sits above us */
		return;
	}
	listener = fd;

	/* Nothing has been trapped yet, so no notification is pending. */
	a->addfd = addfd_known(listener, 0);
	a->addfd_send = a->addfd && addfd_known(listener, SECCOMP_ADDFD_FLAG_SEND);
	/* The flag word is the ioctl argument itself, not a pointer. Older
	 * kernels reject the unknown ioctl with EINVAL. */
	a->sync_wake_up = ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
				(unsigned long)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
	a->notify_err = notify_round_trip(listener, answer_fd);
}

static void probe_seccomp(struct kernel_features *f)
{
	struct seccomp_answer a;
	int r;

	r = probe_in_child(seccomp_child, &a, sizeof(a));
	if (r < 0) {
		f->seccomp_errno = f->notify_errno = -r;
		return;
	}
	f->seccomp_filter = a.filter_err == 0;
	f->seccomp_errno = a.filter_err;
	f->seccomp_notify = a.notify_err == 0;
	f->notify_errno = a.notify_err;
	f->notify_addfd = a.addfd;
	f->notify_addfd_send = a.addfd_send;
	f->notify_sync_wake_up = a.sync_wake_up;
	f->wait_killable_recv = a.wait_killable_recv;
}

/* As root, move to nobody so that per-user limits (max_user_namespaces is
 * counted per uid) are an ordinary user's. Returns 0 or a negative errno. */
static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0 ||
	    setresuid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0)
		return -errno;
	return 0;
}

/* Become an unprivileged process: nobody if we are root, then no
 * capabilities at all, since CAP_SYS_ADMIN is what every userns gate
 * actually tests; that also covers a non-root caller with file
 * capabilities. Failing to change uid (65534 unmapped in our own user
 * namespace, setgroups denied there) is tolerated, because the capability
 * drop alone already gives the unprivileged answer; failing that drop is
 * not. Returns 0 or a positive errno. */
static int become_unprivileged(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (geteuid() == 0)
		(void)drop_to_nobody();
	if (syscall(SYS_capset, &hdr, data) < 0)
		return errno;
	return 0;
}

struct userns_answer {
	int err; /* 0: unshare(CLONE_NEWUSER) succeeded */
};

static void userns_child(void *answer, int answer_fd _unused_)
{
	struct userns_answer *a = answer;

	a->err = become_unprivileged();
	if (a->err == 0 && unshare(CLONE_NEWUSER) < 0)
		a->err = errno;
}

/* Append "name=value" for each sysctl in the table that exists. */
static void read_userns_sysctls(char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(userns_sysctls); i++) {
		char path[128], value[64];
		int w;

		w = snprintf(path, sizeof(path), "/proc/sys/%s", userns_sysctls[i]);
		if (w < 0 || (size_t)w >= sizeof(path))
			continue;
		for (char *p = path + strlen("/proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';

		if (read_small_file(path, value, sizeof(value)) <= 0)
			continue;
		value[strcspn(value, "\n")] = '\0';

		w = snprintf(buf + used, size - used, "%s%s=%s", used > 0 ? ", " : "", userns_sysctls[i], value);
		if (w < 0 || (size_t)w >= size - used) {
			buf[used] = '\0'; /* drop a truncated pair rather than show half of it */
			return;
		}
		used += (size_t)w;
	}
}

static void probe_userns(struct kernel_features *f)
{
	struct userns_answer a;
	int r;

	read_userns_sysctls(f->userns_detail, sizeof(f->userns_detail));
	r = probe_in_child(userns_child, &a, sizeof(a));
	if (r < 0) {
		f->userns_errno = -r;
		return;
	}
	f->userns = a.err == 0;
	f->userns_errno = a.err;
}

void features_probe(struct kernel_features *ret)
{
	struct kernel_features f;

	memset(&f, 0, sizeof(f));
	probe_uname(&f);
	probe_landlock(&f);
	probe_seccomp(&f);
	probe_userns(&f);
	*ret = f;
}

static json_t *errno_json(int err)
{
	return json_str(err > 0 ? errno_name(err) : NULL);
}

json_t *features_to_json(const struct kernel_features *f)
{
	json_t *root = json_object(), *ll = json_object(), *sc = json_object();
	json_t *ns = json_object(), *k = json_object();

	if (!root || !ll || !sc || !ns || !k) {
		json_decref(root);
		json_decref(ll);
		json_decref(sc);
		json_decref(ns);
		json_decref(k);
		return NULL;
	}

	json_set(ll, "abi", json_integer(f->landlock_abi));
	json_set(ll, "available", json_boolean(f->landlock_abi > 0));
	json_set(ll, "errno", errno_json(f->landlock_errno));
	json_set(ll, "errata", json_integer(f->landlock_errata));

	json_set(sc, "filter", json_boolean(f->seccomp_filter));
	json_set(sc, "errno", errno_json(f->seccomp_errno));
	json_set(sc, "user_notification", json_boolean(f->seccomp_notify));
	json_set(sc, "user_notification_errno", errno_json(f->notify_errno));
	json_set(sc, "addfd", json_boolean(f->notify_addfd));
	json_set(sc, "addfd_send", json_boolean(f->notify_addfd_send));
	json_set(sc, "sync_wake_up", json_boolean(f->notify_sync_wake_up));
	json_set(sc, "wait_killable_recv", json_boolean(f->wait_killable_recv));

	json_set(ns, "available", json_boolean(f->userns));
	json_set(ns, "errno", errno_json(f->userns_errno));
	json_set(ns, "detail", json_str(f->userns_detail[0] ? f->userns_detail : NULL));

	json_set(k, "release", json_str(f->release));
	json_set(k, "machine", json_str(f->machine));

	json_set(root, "landlock", ll);
	json_set(root, "seccomp", sc);
	json_set(root, "user_namespaces", ns);
	json_set(root, "kernel", k);
	return root;
}
