/* Reading the target and pinning its paths.
 *
 * Target memory is read once, with process_vm_readv in page-bounded chunks
 * (args.c says which bytes, and checks them), and every read is followed by
 * SECCOMP_IOCTL_NOTIF_ID_VALID: if the notification is no longer valid, the
 * pid may already name another process and nothing read may be used.
 * /proc/TID files opened here are checked the same way.
 *
 * A path is resolved where the program would resolve it: an absolute path
 * from the program's root (/proc/TID/root with RESOLVE_IN_ROOT, so a
 * different mount namespace is honoured), a relative one from its cwd or
 * dirfd (/proc/TID/cwd, /proc/TID/fd/N). openat2 with RESOLVE_NO_MAGICLINKS
 * pins the object (O_PATH) or, for calls that create or remove an entry,
 * its parent directory; the decision is then made on the pinned object's
 * real path (readlink of our own /proc/self/fd/N), and emulation acts on
 * the pinned object, so a rename racing the decision changes nothing. */
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/path-util.h"
#include "sandbox/caps.h"
#include "supervise/sup-serve.h"



static long sys_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
	struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };

	return syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

int sup_fd_path(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	(void)snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

/* Read len bytes at addr. Returns the bytes read (maybe fewer, at an
 * unmapped page) or -errno. */
/* Read the target's memory. A program that made itself non-dumpable can
 * be read only with CAP_SYS_PTRACE over it: raised for the read where the
 * supervisor holds it (root; the owner of the sandbox's user namespace has
 * it there anyway). Still refused: r->unreadable, and the call is decided
 * without its arguments (sup_handle). */
static ssize_t read_mem(struct sup_req *r, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n = process_vm_readv(r->tid, &local, 1, &remote, 1, 0);

	if (n < 0 && errno == EPERM && caps_effective(CAP_SYS_PTRACE, true) == 0) {
		n = process_vm_readv(r->tid, &local, 1, &remote, 1, 0);
		(void)caps_effective(CAP_SYS_PTRACE, false);
		if (n < 0)
			errno = EPERM;
	}
	if (n < 0 && errno == EPERM)
		r->unreadable = true;
	return n < 0 ? -errno : n;
}

int sup_write_bytes(struct sup_state *s, struct sup_req *r, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { .iov_base = (void *)buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n = process_vm_writev(r->tid, &local, 1, &remote, 1, 0);

	if (!sup_id_valid(s, r->id))
		return -ENOENT;
	return n == (ssize_t)len ? 0 : EFAULT;
}

/* The target's memory as args.c reads it. */
struct target_mem {
	struct sup_state *s;
	struct sup_req *r;
};

static ssize_t target_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return read_mem(((struct target_mem *)ctx)->r, addr, buf, len);
}

static bool target_valid(void *ctx)
{
	struct target_mem *t = ctx;

	return sup_id_valid(t->s, t->r->id);
}

int sup_read_bytes(struct sup_state *s, struct sup_req *r, uint64_t addr, void *buf, size_t len)
{
	struct target_mem t = { s, r };

	return sup_mem_bytes(&(struct sup_mem){ target_read, target_valid, &t }, addr, buf, len);
}

int sup_read_string(struct sup_state *s, struct sup_req *r, uint64_t addr, char *buf, size_t size)
{
	struct target_mem t = { s, r };

	return sup_mem_string(&(struct sup_mem){ target_read, target_valid, &t }, addr, buf, size);
}

int sup_fetch_args(struct sup_state *s, struct sup_req *r)
{
	struct target_mem t = { s, r };

	return sup_mem_fetch_args(&(struct sup_mem){ target_read, target_valid, &t }, r);
}

/* ---- pinning ---------------------------------------------------------------- */

void sup_obj_reset(struct sup_obj *o)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

void sup_unpin(struct sup_req *r)
{
	for (unsigned i = 0; i < 2; i++) {
		if (r->obj[i].fd >= 0)
			(void)close(r->obj[i].fd);
		r->obj[i].fd = -1;
	}
	if (r->sock >= 0)
		(void)close(r->sock);
	r->sock = -1;
}

/* Open /proc/TID/<what> and check that the notification is still valid,
 * so that the tid still names the caller. Returns the fd, or -1 with
 * *ret_err set: a positive errno, or -ENOENT when the notification vanished. */
int sup_open_proc(struct sup_state *s, struct sup_req *r, const char *what, int flags, int *ret_err)
{
	char path[64];
	int fd, saved;

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", r->tid, what);
	fd = open(path, flags | O_CLOEXEC);
	saved = errno;
	/* A non-dumpable program's cwd, root and descriptors: as its memory
	 * (read_mem). */
	if (fd < 0 && (saved == EACCES || saved == EPERM) && caps_effective(CAP_SYS_PTRACE, true) == 0) {
		fd = open(path, flags | O_CLOEXEC);
		saved = errno;
		(void)caps_effective(CAP_SYS_PTRACE, false);
	}
	if (fd < 0 && (saved == EACCES || saved == EPERM))
		r->unreadable = true;
	if (!sup_id_valid(s, r->id)) {
		if (fd >= 0)
			(void)close(fd);
		*ret_err = -ENOENT;
		return -1;
	}
	if (fd < 0) {
		*ret_err = saved > 0 ? saved : EIO;
		return -1;
	}
	return fd;
}

/* The directory a path argument is resolved from, and the resolve flags to
 * add. Returns an fd, or -1 with *ret_err set as sup_open_proc() does.
 * *ret_owned: the caller closes it (false: the cached root, borrowed). */
int sup_open_base(struct sup_state *s, struct sup_req *r, const struct sup_path_arg *pa, const char *path,
		     uint64_t *ret_resolve, bool *ret_owned, int *ret_err)
{
	bool target_rooted = r->resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT);
	char what[32];
	int fd;

	*ret_resolve = r->resolve;
	*ret_owned = true;
	if (path[0] == '/' && !target_rooted) {
		*ret_resolve |= RESOLVE_IN_ROOT;
		if (s->root_fd >= 0) {
			*ret_owned = false;
			return s->root_fd;
		}
		return sup_open_proc(s, r, "root", O_PATH | O_DIRECTORY, ret_err);
	}
	if (pa->dirfd == AT_FDCWD)
		return sup_open_proc(s, r, "cwd", O_PATH | O_DIRECTORY, ret_err);
	if (pa->dirfd < 0) {
		*ret_err = EBADF;
		return -1;
	}
	(void)snprintf(what, sizeof(what), "fd/%d", pa->dirfd);
	fd = sup_open_proc(s, r, what, O_PATH, ret_err);
	if (fd < 0 && *ret_err == ENOENT)
		*ret_err = EBADF; /* no such descriptor in the target */
	return fd;
}

void sup_close_base(int fd, bool owned)
{
	if (owned && fd >= 0)
		(void)close(fd);
}

int sup_obj_stat(struct sup_obj *o)
{
	struct stat st;

	if (o->stated)
		return 0;
	if (o->fd < 0)
		return EBADF;
	if (fstat(o->fd, &st) < 0)
		return errno;
	o->stated = true;
	o->exists = true;
	o->type = st.st_mode & S_IFMT;
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	return 0;
}

int sup_reopen_lexical(const struct sup_state *s, const struct sup_obj *o, uint64_t flags)
{
	size_t rl = strcmp(s->root_path, "/") == 0 ? 0 : strlen(s->root_path);
	struct stat st;
	long fd;

	if (!o->lexical || !o->stated || s->root_fd < 0 || strncmp(o->real, s->root_path, rl) != 0) {
		errno = EINVAL;
		return -1;
	}
	fd = sys_openat2(s->root_fd, o->real[rl] ? o->real + rl : "/", flags | O_CLOEXEC, 0,
			 RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return -1;
	if (fstat((int)fd, &st) < 0 || st.st_dev != o->dev || st.st_ino != o->ino) {
		(void)close((int)fd);
		errno = EXDEV;
		return -1;
	}
	return (int)fd;
}

/* Normalize root + "/" + lex lexically into out (no symlinks are involved:
 * the caller resolved it with RESOLVE_NO_SYMLINKS). Returns 0 or
 * ENAMETOOLONG. Allocates nothing. */
static int normalize_into(const char *root, const char *lex, char *out, size_t size)
{
	size_t n = 0;
	const char *parts[2] = { root, lex };

	out[n++] = '/';
	for (int k = 0; k < 2; k++) {
		const char *p = parts[k];

		while (*p) {
			const char *start;
			size_t len;

			while (*p == '/')
				p++;
			start = p;
			while (*p && *p != '/')
				p++;
			len = (size_t)(p - start);
			if (len == 0 || (len == 1 && start[0] == '.'))
				continue;
			if (len == 2 && start[0] == '.' && start[1] == '.') {
				/* Not above the program's root (RESOLVE_IN_ROOT). */
				size_t floor = k == 1 ? strlen(root) : 1;

				if (floor > 1 && root[floor - 1] == '/')
					floor--;
				while (n > floor && out[n - 1] != '/')
					n--;
				if (n > floor)
					n--;
				if (n == 0)
					n = 1;
				continue;
			}
			if (n > 1)
				out[n++] = '/';
			if (n + len + 1 >= size)
				return ENAMETOOLONG;
			memcpy(out + n, start, len);
			n += len;
		}
	}
	out[n] = '\0';
	return 0;
}

/* Whether a resolution failure concerns procfs or /dev/fd, where symlinks
 * depend on who reads them (/proc/self) or are magic: handled apart. */
static bool procfs_like(const char *path, int base)
{
	char real[PATH_MAX];

	if (path[0] != '/') {
		if (base < 0 || sup_fd_path(base, real, sizeof(real)) < 0)
			return false;
		path = real;
		if (strncmp(path, "/proc", 5) == 0 && (path[5] == '/' || path[5] == '\0'))
			return true;
		return strncmp(path, "/dev/fd", 7) == 0;
	}
	return strncmp(path, "/proc/", 6) == 0 || strcmp(path, "/proc") == 0 || strncmp(path, "/dev/fd", 7) == 0 ||
	       strncmp(path, "/dev/std", 8) == 0;
}

/* The fast path of pin_object: when no symlink lies on the way (openat2
 * with RESOLVE_NO_SYMLINKS), the lexical path is the real one and no
 * readlink is needed. Returns 0 (pinned), a positive errno, -ENOENT
 * (vanished) or -EAGAIN (take the slow path). */
static int pin_fast(struct sup_state *s, struct sup_req *r, int i, bool nofollow)
{
	const char *path = r->path[i];
	struct sup_obj *o = &r->obj[i];
	char lex[PATH_MAX], cwd[PATH_MAX];
	const char *rel = path;
	long fd;
	int e;

	if (s->root_fd < 0 || r->resolve || !path[0] || (path[0] != '/' && r->call.path[i].dirfd != AT_FDCWD))
		return -EAGAIN;
	if (path[0] != '/') {
		char link[64];
		ssize_t n;

		(void)snprintf(link, sizeof(link), "/proc/%d/cwd", r->tid);
		n = readlink(link, cwd, sizeof(cwd) - 1);
		if (!sup_id_valid(s, r->id))
			return -ENOENT;
		if (n <= 0 || cwd[0] != '/')
			return -EAGAIN;
		cwd[n] = '\0';
		/* The cwd as a path inside the program's root. */
		if (strcmp(s->root_path, "/") != 0) {
			size_t rl = strlen(s->root_path);

			if (strncmp(cwd, s->root_path, rl) != 0 || (cwd[rl] != '/' && cwd[rl] != '\0'))
				return -EAGAIN;
			memmove(cwd, cwd + rl, (size_t)n - rl + 1);
		}
		if ((size_t)snprintf(lex, sizeof(lex), "%s/%s", cwd, path) >= sizeof(lex))
			return ENAMETOOLONG;
		rel = lex;
	}
	fd = sys_openat2(s->root_fd, rel, O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0), 0,
			 RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (fd < 0) {
		e = errno;
		/* A symlink on the way, or procfs: the slow path knows. */
		if (e == ELOOP || e == EXDEV || procfs_like(rel, -1))
			return -EAGAIN;
		return e;
	}
	o->fd = (int)fd;
	e = normalize_into(s->root_path, rel, o->real, sizeof(o->real));
	if (e)
		return e;
	o->lexical = true;
	if (strncmp(o->real, "/proc/", 6) == 0 && !r->procfs_ok)
		return -ELOOP;
	return 0;
}

/* Open rel (a whole path, or the directory part of one) from the place
 * path resolves from (pa's dirfd, the cwd, the root); "" is that place
 * itself. Returns an O_PATH fd, or -1 with *ret_err set: a positive errno
 * for the program, -ENOENT (vanished) or -ELOOP (procfs, see sup_pin). */
static int open_from_base(struct sup_state *s, struct sup_req *r, const struct sup_path_arg *pa, const char *path,
			  const char *rel, uint64_t oflags, int *ret_err)
{
	uint64_t resolve;
	bool owned;
	int base, fd, e;

	base = sup_open_base(s, r, pa, path[0] ? path : ".", &resolve, &owned, ret_err);
	if (base < 0)
		return -1;
	if (!rel[0]) {
		fd = owned ? base : fcntl(base, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			*ret_err = errno;
		return fd;
	}
	fd = (int)sys_openat2(base, rel, O_PATH | O_CLOEXEC | oflags, 0, RESOLVE_NO_MAGICLINKS | resolve);
	if (fd < 0) {
		e = errno;
		/* Once a /proc path is rewritten to the program's own view
		 * (procfs_ok), a missing entry is simply missing. */
		*ret_err = (e == ELOOP || ((e == ENOENT || e == EXDEV) && !r->procfs_ok)) && procfs_like(path, base)
				   ? -ELOOP
				   : e;
	}
	sup_close_base(base, owned);
	return fd;
}

int sup_pin_object(struct sup_state *s, struct sup_req *r, int i, bool nofollow)
{
	const struct sup_path_arg *pa = &r->call.path[i];
	const char *path = r->path[i];
	struct sup_obj *o = &r->obj[i];
	int fd, err = 0, e;

	sup_obj_reset(o);
	if (!path[0] && !pa->empty_ok)
		return ENOENT;
	e = pin_fast(s, r, i, nofollow);
	if (e != -EAGAIN)
		return e;
	fd = open_from_base(s, r, pa, path, path, nofollow ? O_NOFOLLOW : 0, &err);
	if (fd < 0)
		return err;
	o->fd = fd;
	e = sup_fd_path(o->fd, o->real, sizeof(o->real));
	if (e < 0)
		return -e;
	if (o->real[0] != '/')
		return 0; /* pipe:[..], socket:[..]: not a file system path */
	if (strncmp(o->real, "/proc/", 6) == 0 && !r->procfs_ok)
		return -ELOOP;
	return 0;
}

int sup_pin_object_stat(struct sup_state *s, struct sup_req *r, int i, bool nofollow)
{
	int e = sup_pin_object(s, r, i, nofollow);

	return e ? e : sup_obj_stat(&r->obj[i]);
}

/* Split path into the directory part (into dir) and the last component
 * (into name), dropping trailing slashes. "a" -> ("", "a"), "/a" -> ("/",
 * "a"), "/" -> ("/", ""). Returns 0 or ENAMETOOLONG. */
static int split_path(const char *path, char *dir, size_t dsize, char *name, size_t nsize, bool *ret_trailing)
{
	size_t len = strlen(path), end, start;

	end = len;
	while (end > 1 && path[end - 1] == '/')
		end--;
	*ret_trailing = end < len;
	if (end == 1 && path[0] == '/') {
		(void)snprintf(dir, dsize, "/");
		name[0] = '\0';
		return 0;
	}
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (end - start >= nsize || start >= dsize)
		return ENAMETOOLONG;
	memcpy(name, path + start, end - start);
	name[end - start] = '\0';
	memcpy(dir, path, start);
	dir[start] = '\0';
	return 0;
}

int sup_pin_parent(struct sup_state *s, struct sup_req *r, int i)
{
	const struct sup_path_arg *pa = &r->call.path[i];
	const char *path = r->path[i];
	struct sup_obj *o = &r->obj[i];
	char dir[PATH_MAX];
	struct stat st;
	int fd, err = 0, e;
	size_t n;

	sup_obj_reset(o);
	if (!path[0])
		return ENOENT;
	e = split_path(path, dir, sizeof(dir), o->name, sizeof(o->name), &o->trailing_slash);
	if (e)
		return e;
	fd = open_from_base(s, r, pa, path, dir, O_DIRECTORY, &err);
	if (fd < 0)
		return err;
	if (!dir[0] && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))) {
		(void)close(fd);
		return ENOTDIR;
	}
	o->fd = fd;
	o->in_parent = true;
	e = sup_fd_path(o->fd, o->real, sizeof(o->real));
	if (e < 0)
		return -e;
	if (strncmp(o->real, "/proc", 5) == 0 && (o->real[5] == '/' || o->real[5] == '\0') && !r->procfs_ok)
		return -ELOOP;
	n = strlen(o->real);
	if (n + 1 + strlen(o->name) >= sizeof(o->real))
		return ENAMETOOLONG;
	if (o->name[0]) {
		if (strcmp(o->real, "/") != 0)
			o->real[n++] = '/';
		memcpy(o->real + n, o->name, strlen(o->name) + 1);
	}
	if (o->name[0] && fstatat(o->fd, o->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		o->exists = true;
		o->type = st.st_mode & S_IFMT;
	}
	return 0;
}
