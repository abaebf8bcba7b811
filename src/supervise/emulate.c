/* Emulation: the supervisor performs a call for the program, on the objects
 * sup_pin() pinned and the decision was made on, and answers with the
 * result: a descriptor installed with SECCOMP_IOCTL_NOTIF_ADDFD +
 * SECCOMP_ADDFD_FLAG_SEND, or the return value of mkdir/unlink/rename/...
 *
 * Objects are reached through our own pinned descriptors (fd-relative
 * *at() calls with single-component names, or our own /proc/self/fd/N),
 * never by the program's path again, and files are created with the
 * program's umask. Connecting a socket uses the program's own socket
 * (pidfd_getfd): its type, flags, options and bound name are kept, and no
 * descriptor of the program is replaced. A connect that may block runs on
 * a worker thread so that the loop keeps serving. */
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <utime.h>
#include <linux/limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/path-util.h"
#include "sandbox/caps.h"
#include "supervise/sup-serve.h"

#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* 6.9 */
#endif
#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif
#ifndef SIOCUNIXFILE
#define SIOCUNIXFILE (SIOCPROTOPRIVATE + 0) /* 6.? : an O_PATH descriptor of a bound socket's file */
#endif

/* A blocking connect running on a worker thread. */
struct sup_slow {
	bool used;
	int listener;
	int sock;
	int keep_fd;               /* pinned socket inode, for /proc/self/fd/N */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int err;                   /* the result */
	int pipe_w;
	unsigned index;
	struct sup_req req;
};

/* Answer errno e for a call not performed (an argument the program's
 * memory did not give, an object that cannot be reached): e, or -ENOENT.
 * A negative e (vanished) is passed on. */
static int answer_errno(struct sup_state *s, struct sup_req *r, int e)
{
	if (e < 0)
		return e;
	return sup_respond_error(s, r->id, e) == -ENOENT ? -ENOENT : e;
}

static int addfd_send(struct sup_state *s, struct sup_req *r, int fd, bool cloexec)
{
	struct seccomp_notif_addfd a = {
		.id = r->id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t)fd,
		.newfd = 0,
		.newfd_flags = cloexec ? O_CLOEXEC : 0,
	};

	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a) >= 0)
		return 0;
	if (errno == ENOENT)
		return -ENOENT; /* the caller died or was interrupted */
	/* Not installed (EMFILE: the program's table is full): the
	 * notification is still open, answer it with the error. */
	{
		int e = errno;

		return answer_errno(s, r, e);
	}
}

/* Answer with the outcome of a call performed here: 0 or an errno. */
static int answer(struct sup_state *s, struct sup_req *r, int rc)
{
	int e = rc < 0 ? errno : 0;
	int w = e ? sup_respond_error(s, r->id, e) : sup_respond_value(s, r->id, 0);

	return w == -ENOENT ? -ENOENT : e;
}

static void proc_self_fd(int fd, char *buf, size_t size)
{
	(void)snprintf(buf, size, "/proc/self/fd/%d", fd);
}

int sup_emulate_open(struct sup_state *s, struct sup_req *r, mode_t um)
{
	struct sup_obj *o = &r->obj[0];
	uint64_t f = r->call.flags;
	bool cloexec = f & O_CLOEXEC;
	uint64_t base = (f & ~(uint64_t)(O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY)) | O_CLOEXEC | O_NOCTTY;
	char path[64], landed[PATH_MAX];
	struct stat st;
	mode_t old;
	int fd, e;

	if (!o->in_parent && (e = sup_obj_stat(o)) != 0)
		return answer_errno(s, r, e);
	if ((f & __O_TMPFILE) == __O_TMPFILE) {
		old = umask(um);
		fd = openat(o->fd, ".", (int)(f | O_CLOEXEC | O_NOCTTY), (mode_t)r->call.mode);
		(void)umask(old);
		if (fd < 0)
			return answer(s, r, -1);
		if (fstat(fd, &st) < 0 || st.st_dev != o->dev) {
			(void)close(fd);
			return answer_errno(s, r, EACCES);
		}
	} else if (o->in_parent) {
		struct open_how how = {
			.flags = (f & ~(uint64_t)(O_NOFOLLOW | O_NOCTTY)) | O_CLOEXEC | O_NOCTTY | O_CREAT |
				 (r->scratch_new ? O_EXCL : 0),
			.mode = r->call.mode,
			/* The entry is one component of the pinned parent; a
			 * symlink raced into its place is refused, not followed. */
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};

		old = umask(um);
		fd = (int)syscall(SYS_openat2, o->fd, o->name, &how, sizeof(how));
		(void)umask(old);
		if (fd < 0)
			return answer(s, r, -1);
		/* Where did it land? The decided path, or nothing. */
		if (sup_fd_path(fd, landed, sizeof(landed)) < 0 || strcmp(landed, o->real) != 0) {
			(void)close(fd);
			r->note = "the new file did not land where it was decided";
			return answer_errno(s, r, EACCES);
		}
	} else if (f & O_PATH) {
		fd = fcntl(o->fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return answer(s, r, -1);
	} else {
		bool fifo_block = o->type == S_IFIFO && !(f & O_NONBLOCK);

		uint64_t how = base | (fifo_block ? O_NONBLOCK : 0);

		/* Reopen the pinned object: the very object that was decided,
		 * still where it was decided (a rename since then is refused,
		 * not followed). A FIFO is opened non-blocking so that the
		 * supervisor never waits for a peer (a writer with no reader
		 * gets ENXIO), then set back. */
		if (o->lexical) {
			/* By the same path again, with no symlink on the way. */
			fd = sup_reopen_lexical(s, o, how);
			if (fd < 0 && errno != EXDEV && errno != ELOOP && errno != ENOENT)
				return answer(s, r, -1);
		} else {
			proc_self_fd(o->fd, path, sizeof(path));
			fd = open(path, (int)how);
			if (fd < 0)
				return answer(s, r, -1);
			if (fstat(fd, &st) < 0 || st.st_dev != o->dev || st.st_ino != o->ino ||
			    (o->real[0] == '/' &&
			     (sup_fd_path(fd, landed, sizeof(landed)) < 0 || strcmp(landed, o->real) != 0))) {
				(void)close(fd);
				fd = -1;
			}
		}
		if (fd < 0) {
			r->note = "the file moved while the supervisor opened it";
			return answer_errno(s, r, EACCES);
		}
		if (fifo_block)
			(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	}
	e = addfd_send(s, r, fd, cloexec);
	(void)close(fd);
	return e;
}

int sup_emulate_mknod(struct sup_state *s, struct sup_req *r, mode_t um)
{
	struct sup_obj *o = &r->obj[0];
	mode_t mode = (mode_t)r->call.mode, old;
	int rc;

	switch (mode & S_IFMT) {
	case 0:
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFCHR:
	case S_IFBLK:
		/* Landlock never grants device nodes; neither do we. */
		return answer_errno(s, r, EPERM);
	default:
		return answer_errno(s, r, EINVAL);
	}
	old = umask(um);
	rc = mknodat(o->fd, o->name, mode, (dev_t)r->call.dev);
	(void)umask(old);
	return answer(s, r, rc);
}

/* utimensat on the pinned object, through our own descriptor: a magic
 * link leads to the object itself, a symlink included (its own times). */
/* The times of a utime-family call as timespecs: utimensat's own, utime's
 * struct utimbuf or utimes' timeval[2] converted. 0, or an errno. */
static int read_times(struct sup_state *s, struct sup_req *r, struct timespec ts[2])
{
	int e;

	switch (r->call.times_kind) {
	case SUP_TIMES_UTIMBUF: {
		struct utimbuf ub;

		e = sup_read_bytes(s, r, r->call.times_addr, &ub, sizeof(ub));
		ts[0] = (struct timespec){ .tv_sec = ub.actime };
		ts[1] = (struct timespec){ .tv_sec = ub.modtime };
		return e;
	}
	case SUP_TIMES_TIMEVAL: {
		struct timeval tv[2];

		e = sup_read_bytes(s, r, r->call.times_addr, tv, sizeof(tv));
		if (e)
			return e;
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return EINVAL;
			ts[i] = (struct timespec){ .tv_sec = tv[i].tv_sec, .tv_nsec = tv[i].tv_usec * 1000 };
		}
		return 0;
	}
	default:
		return sup_read_bytes(s, r, r->call.times_addr, ts, 2 * sizeof(*ts));
	}
}

int sup_emulate_utime(struct sup_state *s, struct sup_req *r, mode_t um)
{
	struct timespec ts[2];
	char path[64];
	int e = 0;

	(void)um;
	if (r->call.times_addr)
		e = read_times(s, r, ts);
	if (e)
		return answer_errno(s, r, e);
	proc_self_fd(r->obj[0].fd, path, sizeof(path));
	return answer(s, r, utimensat(AT_FDCWD, path, r->call.times_addr ? ts : NULL, 0));
}

/* setxattr / removexattr on the pinned object, the name and value read
 * once from the program's memory. */
int sup_emulate_xattr(struct sup_state *s, struct sup_req *r, mode_t um)
{
	_cleanup_free_ void *value = NULL;
	char name[XATTR_NAME_MAX + 1], path[64];
	int e = sup_read_string(s, r, r->call.xname_addr, name, sizeof(name));

	(void)um;
	if (e)
		return answer_errno(s, r, e == ENAMETOOLONG ? ERANGE : e);
	proc_self_fd(r->obj[0].fd, path, sizeof(path));
	if (r->call.xremove)
		return answer(s, r, removexattr(path, name));
	if (r->call.xsize > XATTR_SIZE_MAX)
		return answer_errno(s, r, E2BIG);
	value = malloc(r->call.xsize ? r->call.xsize : 1);
	if (!value)
		return answer_errno(s, r, ENOMEM);
	if (r->call.xsize && (e = sup_read_bytes(s, r, r->call.xvalue_addr, value, r->call.xsize)))
		return answer_errno(s, r, e);
	return answer(s, r, setxattr(path, name, value, r->call.xsize, (int)r->call.flags));
}

/* getxattr / listxattr on the pinned object; what it returns is written
 * into the program's buffer, then the length answered. */
int sup_emulate_getxattr(struct sup_state *s, struct sup_req *r, mode_t um)
{
	_cleanup_free_ char *buf = NULL;
	char name[XATTR_NAME_MAX + 1], path[64];
	size_t size = r->call.xsize > XATTR_SIZE_MAX ? XATTR_SIZE_MAX : (size_t)r->call.xsize;
	ssize_t n;
	int e;

	(void)um;
	if (!r->call.xlist && (e = sup_read_string(s, r, r->call.xname_addr, name, sizeof(name))))
		return answer_errno(s, r, e == ENAMETOOLONG ? ERANGE : e);
	if (size && !(buf = malloc(size)))
		return answer_errno(s, r, ENOMEM);
	proc_self_fd(r->obj[0].fd, path, sizeof(path));
	n = r->call.xlist ? listxattr(path, buf, size) : getxattr(path, name, buf, size);
	if (n < 0)
		return answer(s, r, -1);
	if (size && n > 0 && (e = sup_write_bytes(s, r, r->call.xvalue_addr, buf, (size_t)n)))
		return answer_errno(s, r, e);
	return sup_respond_value(s, r->id, n) == -ENOENT ? -ENOENT : 0;
}

int sup_emulate_mkdir(struct sup_state *s, struct sup_req *r, mode_t um)
{
	mode_t old = umask(um);
	int rc = mkdirat(r->obj[0].fd, r->obj[0].name, (mode_t)r->call.mode);

	(void)umask(old);
	return answer(s, r, rc);
}

int sup_emulate_symlink(struct sup_state *s, struct sup_req *r, mode_t um)
{
	(void)um;
	return answer(s, r, symlinkat(r->link_target, r->obj[1].fd, r->obj[1].name));
}

int sup_emulate_unlink(struct sup_state *s, struct sup_req *r, mode_t um)
{
	(void)um;
	return answer(s, r, unlinkat(r->obj[0].fd, r->obj[0].name, (int)r->call.flags));
}

int sup_emulate_rename(struct sup_state *s, struct sup_req *r, mode_t um)
{
	const struct sup_obj *o0 = &r->obj[0], *o1 = &r->obj[1];

	(void)um;
	return answer(s, r, (int)syscall(SYS_renameat2, o0->fd, o0->name, o1->fd, o1->name, (unsigned)r->call.flags));
}

int sup_emulate_link(struct sup_state *s, struct sup_req *r, mode_t um)
{
	char path[64];

	(void)um;
	proc_self_fd(r->obj[0].fd, path, sizeof(path));
	return answer(s, r, linkat(AT_FDCWD, path, r->obj[1].fd, r->obj[1].name, AT_SYMLINK_FOLLOW));
}

int sup_emulate_truncate(struct sup_state *s, struct sup_req *r, mode_t um)
{
	char path[64];

	(void)um;
	proc_self_fd(r->obj[0].fd, path, sizeof(path));
	return answer(s, r, truncate(path, (off_t)r->call.length));
}

int sup_emulate_chmod(struct sup_state *s, struct sup_req *r, mode_t um)
{
	char path[64];

	(void)um;
	if (r->obj[0].type == S_IFLNK)
		return answer_errno(s, r, EOPNOTSUPP);
	proc_self_fd(r->obj[0].fd, path, sizeof(path));
	return answer(s, r, chmod(path, (mode_t)r->call.mode & 07777));
}

int sup_emulate_chown(struct sup_state *s, struct sup_req *r, mode_t um)
{
	(void)um;
	return answer(s, r, fchownat(r->obj[0].fd, "", r->call.uid, r->call.gid, AT_EMPTY_PATH));
}

/* The file a bound socket lies at, through SIOCUNIXFILE (which wants
 * CAP_NET_ADMIN over the socket's network namespace: raised for the call
 * where it is only permitted, as root's supervisor holds it). 1 with *ret
 * filled, 0 when the socket is not bound, -errno when it cannot tell. */
static int unix_file_ioctl(int sock, struct stat *ret)
{
	int fd = ioctl(sock, SIOCUNIXFILE), e;

	if (fd < 0 && errno == EPERM && caps_effective(CAP_NET_ADMIN, true) == 0) {
		fd = ioctl(sock, SIOCUNIXFILE);
		e = errno;
		(void)caps_effective(CAP_NET_ADMIN, false);
		errno = e;
	}
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	e = fstat(fd, ret) < 0 ? -errno : 1;
	(void)close(fd);
	return e;
}

/* The same through sock_diag (UNIX_DIAG_VFS), which anyone may ask about
 * a socket of their network namespace: the device (the kernel's encoding)
 * and inode of the file. */
static int unix_file_diag(int sock, struct stat *ret)
{
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req req;
	} q = {
		.nh = { .nlmsg_len = sizeof(q), .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST },
		.req = { .sdiag_family = AF_UNIX, .udiag_states = ~0u, .udiag_show = UDIAG_SHOW_VFS,
			 .udiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE } },
	};
	union {
		struct nlmsghdr nh;
		char buf[1024];
	} a;
	_cleanup_close_ int nl = -EBADF;
	struct stat st;
	ssize_t n;

	if (fstat(sock, &st) < 0)
		return -errno;
	q.req.udiag_ino = (__u32)st.st_ino;
	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return -errno;
	if (send(nl, &q, sizeof(q), 0) != (ssize_t)sizeof(q))
		return -EIO;
	n = recv(nl, &a, sizeof(a), 0);
	if (n < (ssize_t)sizeof(a.nh) || !NLMSG_OK(&a.nh, (size_t)n) || a.nh.nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -EIO;
	{
		struct unix_diag_msg *m = NLMSG_DATA(&a.nh);
		struct rtattr *at = (struct rtattr *)(m + 1);
		unsigned len = a.nh.nlmsg_len - NLMSG_LENGTH(sizeof(*m));

		if (a.nh.nlmsg_len < NLMSG_LENGTH(sizeof(*m)) || m->udiag_ino != q.req.udiag_ino)
			return -EIO;
		for (; RTA_OK(at, len); at = RTA_NEXT(at, len))
			if (at->rta_type == UNIX_DIAG_VFS && RTA_PAYLOAD(at) >= sizeof(struct unix_diag_vfs)) {
				const struct unix_diag_vfs *v = RTA_DATA(at);

				memset(ret, 0, sizeof(*ret));
				ret->st_ino = v->udiag_vfs_ino;
				/* the kernel's dev_t: 12 bits of major, 20 of minor */
				ret->st_dev = makedev(v->udiag_vfs_dev >> 20, v->udiag_vfs_dev & 0xfffff);
				return 1;
			}
	}
	return 0;
}

static int unix_file(int sock, struct stat *ret)
{
	int r = unix_file_ioctl(sock, ret);

	return r >= 0 ? r : unix_file_diag(sock, ret);
}

/* Bind a pathname socket under the name the program gave, so that
 * getsockname() -- and a client told that name, as Python's multiprocessing
 * managers are -- sees it: only where that name leads to the pinned
 * directory in our view too, and checked after the bind, which cannot be
 * undone: the socket's own file must be the pinned directory's entry.
 * Returns the errno for the program, or -EAGAIN when it cannot be done so
 * (the caller binds through the pinned directory). */
static int bind_as_named(struct sup_state *s, struct sup_req *r, mode_t um)
{
	const struct sup_obj *o = &r->obj[0];
	_cleanup_free_ char *norm = NULL;
	struct stat want, got;
	mode_t old;
	int rc, e;

	if (r->path[0][0] != '/' || strcmp(s->root_path, "/") != 0 || path_normalize(r->path[0], &norm) < 0 ||
	    strcmp(norm, o->real) != 0)
		return -EAGAIN;
	/* Unbound, and the result can be checked. */
	if (unix_file(r->sock, &got) != 0)
		return -EAGAIN;
	old = umask(um);
	rc = bind(r->sock, (const struct sockaddr *)&r->addr, r->addrlen);
	e = errno;
	(void)umask(old);
	if (rc < 0)
		return e;
	if (unix_file(r->sock, &got) != 1 || fstatat(o->fd, o->name, &want, AT_SYMLINK_NOFOLLOW) < 0 ||
	    major(got.st_dev) != major(want.st_dev) || minor(got.st_dev) != minor(want.st_dev) ||
	    got.st_ino != want.st_ino) {
		r->note = "the socket was bound elsewhere than decided: a path changed under the call";
		return EACCES;
	}
	return 0;
}

/* connect and bind on the program's own socket (our copy of it). */
int sup_emulate_socket(struct sup_state *s, struct sup_req *r, mode_t um)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	const struct sockaddr *sa = (const struct sockaddr *)&r->addr;
	const struct sup_obj *o = &r->obj[0];
	socklen_t len = r->addrlen;
	mode_t old;
	int w, rc;

	if (r->sock_domain == AF_UNIX && o->fd >= 0 && r->call.op == SUP_OP_BIND) {
		int e = bind_as_named(s, r, um);

		if (e == 0)
			return sup_respond_value(s, r->id, 0) == -ENOENT ? -ENOENT : 0;
		if (e != -EAGAIN)
			return answer_errno(s, r, e);
	}
	if (r->sock_domain == AF_UNIX && o->fd >= 0) {
		/* Reach the pinned inode (connect) or the pinned parent
		 * (bind) through our own descriptor. */
		if (r->call.op == SUP_OP_CONNECT)
			w = snprintf(un.sun_path, sizeof(un.sun_path), "/proc/self/fd/%d", o->fd);
		else
			w = snprintf(un.sun_path, sizeof(un.sun_path), "/proc/self/fd/%d/%s", o->fd, o->name);
		if (w < 0 || (size_t)w >= sizeof(un.sun_path))
			return answer_errno(s, r, ENAMETOOLONG);
		sa = (const struct sockaddr *)&un;
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)w + 1);
	}
	if (r->call.op == SUP_OP_BIND) {
		old = umask(um);
		rc = bind(r->sock, sa, len);
		(void)umask(old);
		return answer(s, r, rc);
	}
	/* A blocking socket may wait (a full backlog, a slow TCP peer): a
	 * worker waits instead of the loop. */
	if (!(fcntl(r->sock, F_GETFL) & O_NONBLOCK) && sup_slow_connect(s, r, sa, len))
		return -EINPROGRESS;
	return answer(s, r, connect(r->sock, sa, len));
}

/* Whether the call may create a file, with the program's umask. */
static bool sup_needs_umask(const struct sup_req *r)
{
	switch (r->call.op) {
	case SUP_OP_OPEN:
		return r->call.flags & (O_CREAT | __O_TMPFILE);
	case SUP_OP_MKDIR:
	case SUP_OP_MKNOD:
	case SUP_OP_BIND:
		return true;
	case SUP_OP_SYMLINK: /* a symlink's mode is always 0777 */
	case SUP_OP_UNLINK:
	case SUP_OP_RENAME:
	case SUP_OP_LINK:
	case SUP_OP_TRUNCATE:
	case SUP_OP_CHMOD:
	case SUP_OP_CHOWN:
	case SUP_OP_EXEC:
	case SUP_OP_CONNECT:
	case SUP_OP_CHROOT:
	case SUP_OP_SETNS:
	case SUP_OP_UTIME:
	case SUP_OP_XATTR:
	case SUP_OP_GETXATTR:
	case SUP_OP_CREDS:
	case _SUP_OP_MAX:
		break;
	}
	return false;
}

int sup_emulate(struct sup_state *s, struct sup_req *r)
{
	const struct sup_op_row *row = &sup_ops[r->call.op];
	mode_t um = 022;
	int e;

	if (!row->emulate)
		return answer_errno(s, r, ENOSYS);
	e = sup_target_creds(s, r, sup_needs_umask(r), &um);
	if (e == -ENOENT)
		return -ENOENT;
	if (e) {
		/* The program has fewer rights than we do (another uid, fewer
		 * capabilities): acting for it would lend it ours. */
		r->note = "the program's credentials differ from the supervisor's, so it cannot act for it";
		return answer_errno(s, r, EACCES);
	}
	return row->emulate(s, r, um);
}

/* ---- sockets ------------------------------------------------------------------ */

static int sys_pidfd_open(pid_t pid, unsigned flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int sys_pidfd_getfd(int pidfd, int fd)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

int sup_socket_prepare(struct sup_state *s, struct sup_req *r)
{
	int pidfd, sock, e, v;
	socklen_t len = sizeof(v);

	r->sock = -1;
	if (r->call.sockfd < 0)
		return EBADF;
	/* The descriptor table is shared by the threads of a process, so the
	 * thread group leader's pidfd reaches it too where PIDFD_THREAD is
	 * unknown. */
	pidfd = sys_pidfd_open(r->tid, PIDFD_THREAD);
	if (pidfd < 0)
		pidfd = sys_pidfd_open(r->pid, 0);
	if (!sup_id_valid(s, r->id)) {
		if (pidfd >= 0)
			(void)close(pidfd);
		return -ENOENT;
	}
	if (pidfd < 0)
		return EPERM;
	sock = sys_pidfd_getfd(pidfd, r->call.sockfd);
	e = errno;
	(void)close(pidfd);
	if (!sup_id_valid(s, r->id)) {
		if (sock >= 0)
			(void)close(sock);
		return -ENOENT;
	}
	if (sock < 0)
		return e == EBADF ? EBADF : EPERM;
	if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0) {
		e = errno;
		(void)close(sock);
		return e == ENOTSOCK ? ENOTSOCK : e;
	}
	r->sock = sock;
	r->sock_domain = v;
	return 0;
}

/* ---- worker threads for blocking connects ----------------------------------- */

int sup_slow_init(struct sup_state *s)
{
	s->slow = calloc(SUP_SLOW_MAX, sizeof(*s->slow));
	if (!s->slow)
		return -ENOMEM;
	if (pipe2(s->slow_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static void *slow_main(void *arg)
{
	struct sup_slow *j = arg;
	union {
		struct seccomp_notif_resp resp;
		char pad[128];
	} u;
	int rc;

	rc = connect(j->sock, (const struct sockaddr *)&j->addr, j->addrlen);
	j->err = rc < 0 ? errno : 0;
	memset(&u, 0, sizeof(u));
	u.resp.id = j->req.id;
	u.resp.error = -j->err;
	if (ioctl(j->listener, SECCOMP_IOCTL_NOTIF_SEND, &u.resp) < 0 && errno == ENOENT)
		j->err = -ENOENT;
	/* At most SUP_SLOW_MAX indexes are ever in the pipe: it cannot fill. */
	while (write(j->pipe_w, &j->index, sizeof(j->index)) < 0 && errno == EINTR)
		;
	return NULL;
}

int sup_slow_connect(struct sup_state *s, struct sup_req *r, const struct sockaddr *sa, socklen_t len)
{
	pthread_attr_t attr;
	pthread_t th;

	for (unsigned i = 0; i < SUP_SLOW_MAX; i++) {
		struct sup_slow *j = &s->slow[i];

		if (j->used)
			continue;
		j->req = *r;
		j->listener = s->listener;
		j->sock = r->sock;
		j->keep_fd = r->obj[0].fd;
		memcpy(&j->addr, sa, len);
		j->addrlen = len;
		j->pipe_w = s->slow_pipe[1];
		j->index = i;
		if (pthread_attr_init(&attr) != 0)
			return 0;
		(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		(void)pthread_attr_setstacksize(&attr, 64 * 1024);
		if (pthread_create(&th, &attr, slow_main, j) != 0) {
			(void)pthread_attr_destroy(&attr);
			return 0;
		}
		(void)pthread_attr_destroy(&attr);
		j->used = true;
		s->slow_running++;
		/* The worker owns the socket and the pin now. */
		r->sock = -1;
		r->obj[0].fd = -1;
		return 1;
	}
	return 0;
}

void sup_slow_collect(struct sup_state *s)
{
	unsigned idx;

	while (read(s->slow_pipe[0], &idx, sizeof(idx)) == (ssize_t)sizeof(idx)) {
		struct sup_slow *j;

		if (idx >= SUP_SLOW_MAX || !s->slow[idx].used)
			continue;
		j = &s->slow[idx];
		j->req.sock = -1;
		j->req.obj[0].fd = -1;
		j->req.obj[1].fd = -1;
		sup_settle(s, &j->req, sup_step_emulated(j->err, NULL));
		(void)close(j->sock);
		if (j->keep_fd >= 0)
			(void)close(j->keep_fd);
		j->used = false;
		s->slow_running--;
	}
}

void sup_slow_done(struct sup_state *s)
{
	/* Workers finish on their own: a connect ends (or the caller dies
	 * and the notification with it); wait for them, bounded. */
	for (int i = 0; s->slow && s->slow_running > 0 && i < 3000; i++) {
		struct pollfd p = { .fd = s->slow_pipe[0], .events = POLLIN };

		(void)poll(&p, 1, 10);
		sup_slow_collect(s);
	}
	if (s->slow_pipe[0] >= 0)
		(void)close(s->slow_pipe[0]);
	if (s->slow_pipe[1] >= 0)
		(void)close(s->slow_pipe[1]);
	/* A worker still stuck keeps its slot: not freed. */
	if (s->slow_running == 0)
		free(s->slow);
	s->slow = NULL;
}
