/* Facts about the target process, read from /proc: its credentials and
 * umask (whether the supervisor may act for it), its executable, and the
 * pinning of paths inside procfs, where the program's own view of "self"
 * and its pid namespace matter. Split from resolve.c, which pins ordinary
 * paths. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <linux/openat2.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/macro.h"
#include "base/path-util.h"
#include "sandbox/caps.h"
#include "supervise/sup-serve.h"

#define SOCKET_TABLE_MAX (1 << 20) /* the most of a TCP table read */

/* ---- the target's credentials ---------------------------------------------- */

/* The value after "Key:" in a /proc status text, up to the newline. */
static const char *status_field(const char *text, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
			const char *v = p + klen + 1;
			size_t n;

			while (*v == ' ' || *v == '\t')
				v++;
			n = strcspn(v, "\n");
			if (n >= size)
				n = size - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return buf;
		}
	}
	return NULL;
}

/* Whether all four numbers of a "Uid:"/"Gid:" line are want. */
static bool all_ids(const char *line, long want)
{
	const char *p = line;
	int n = 0;

	for (;;) {
		char *end;
		long v;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		v = strtol(p, &end, 10);
		if (end == p || v != want)
			return false;
		p = end;
		n++;
	}
	return n == 4;
}

/* The fourth number of a "Uid:"/"Gid:" line: the file-system id. */
static long fs_id(const char *line)
{
	long v = -1;
	const char *p = line;

	for (int i = 0; i < 4 && p; i++) {
		char *end;

		while (*p == ' ' || *p == '\t')
			p++;
		v = strtol(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
	}
	return v;
}

void sup_self_creds(struct sup_state *s)
{
	char text[4096], v[512];
	_cleanup_close_ int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	struct stat st;

	s->euid = geteuid();
	s->egid = getegid();
	s->capeff = UINT64_MAX; /* unknown: never "less than the target" */
	s->groups[0] = '\0';
	if (fd >= 0 && read_small(fd, text, sizeof(text)) > 0) {
		if (status_field(text, "CapEff", v, sizeof(v)))
			s->capeff = strtoull(v, NULL, 16);
		if (status_field(text, "Groups", v, sizeof(v)))
			(void)snprintf(s->groups, sizeof(s->groups), "%s", v);
	}
	s->userns = stat("/proc/self/ns/user", &st) == 0 ? st.st_ino : 0;
}

int sup_target_creds(struct sup_state *s, struct sup_req *r, bool need_umask, mode_t *ret_umask)
{
	char text[4096], v[512];
	uint64_t capeff;
	struct stat st;
	bool same_ns, uniform;
	int fd, n;

	int err = 0;

	*ret_umask = 022;
	/* Checked once and unchanged since (sup_state): no need to read them
	 * again. A program that may make user namespaces can take on other
	 * capabilities without a notified call: never so, where we hold
	 * some. */
	if (!need_umask && s->c->notifies_creds && s->creds_checked && !s->creds_changed &&
	    (s->capeff == 0 || !s->c->policy->process.nested_sandbox))
		return 0;

	fd = sup_open_proc(s, r, "status", O_RDONLY, &err);
	if (fd < 0)
		return err == -ENOENT ? -ENOENT : EPERM;
	n = read_small(fd, text, sizeof(text));
	(void)close(fd);
	if (!sup_id_valid(s, r->id))
		return -ENOENT;
	if (n <= 0)
		return EPERM;
	*ret_umask = 022;
	if (status_field(text, "Umask", v, sizeof(v)))
		*ret_umask = (mode_t)strtoul(v, NULL, 8) & 0777;
	if (!status_field(text, "Uid", v, sizeof(v)) || fs_id(v) != (long)s->euid)
		return EPERM;
	uniform = all_ids(v, (long)s->euid);
	if (!status_field(text, "Gid", v, sizeof(v)) || fs_id(v) != (long)s->egid)
		return EPERM;
	uniform = uniform && all_ids(v, (long)s->egid);
	if (!status_field(text, "Groups", v, sizeof(v)) || strcmp(v, s->groups) != 0)
		return EPERM;
	capeff = status_field(text, "CapEff", v, sizeof(v)) ? strtoull(v, NULL, 16) : 0;
	if (s->capeff == 0) {
		s->creds_checked = true;
		s->creds_uniform = uniform;
		return 0; /* we have nothing the same uid does not have */
	}
	/* We hold capabilities: the target must hold them too, over the same
	 * objects, i.e. in our user namespace. */
	(void)snprintf(v, sizeof(v), "/proc/%d/ns/user", r->tid);
	same_ns = stat(v, &st) == 0;
	/* A non-dumpable program's namespaces: as its memory (resolve.c). */
	if (!same_ns && (errno == EACCES || errno == EPERM) && caps_effective(CAP_SYS_PTRACE, true) == 0) {
		same_ns = stat(v, &st) == 0;
		(void)caps_effective(CAP_SYS_PTRACE, false);
	}
	same_ns = same_ns && st.st_ino == s->userns;
	if (!sup_id_valid(s, r->id))
		return -ENOENT;
	if (!same_ns || (s->capeff & ~capeff))
		return EPERM;
	s->creds_checked = true;
	s->creds_uniform = uniform;
	return 0;
}

void sup_target_exe(int pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	(void)snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* ---- procfs ------------------------------------------------------------------ */

/* The last number of a "NStgid:"/"NSpid:" line: the id in the program's own
 * pid namespace, as its /proc shows it. */
static long last_number(const char *line)
{
	const char *p = line + strlen(line);

	while (p > line && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	while (p > line && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return strtol(p, NULL, 10);
}

/* "N" -> N for a whole-string decimal; -1 otherwise. */
static long whole_number(const char *s)
{
	char *end;
	long v;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	return *end ? -1 : v;
}

/* Whether real (a path in our view of /proc) is an entry of a process
 * other than tgid that the kernel guards with its ptrace rule: everything
 * but the directory itself and what any local user may read of any
 * process. */
static bool proc_guarded_foreign(const char *real, long tgid)
{
	static const char *const open_to_all[] = {
		"cgroup", "cmdline", "comm", "loginuid", "oom_score", "sessionid", "stat", "statm", "status",
	};
	const char *p = real + 6, *entry;
	char *end;
	long pid;

	if (strncmp(real, "/proc/", 6) != 0 || *p < '0' || *p > '9')
		return false;
	pid = strtol(p, &end, 10);
	if (pid == tgid || (*end != '/' && *end != '\0'))
		return false;
	if (!*end || !end[1])
		return false; /* /proc/<pid>: a directory listing */
	entry = end + 1;
	/* /proc/<pid>/task/<tid>/ENTRY is guarded like /proc/<pid>/ENTRY. */
	if (strncmp(entry, "task/", 5) == 0) {
		entry = strchr(entry + 5, '/');
		if (!entry || !entry[1])
			return false;
		entry++;
	}
	for (size_t i = 0; i < ELEMENTSOF(open_to_all); i++)
		if (strcmp(entry, open_to_all[i]) == 0)
			return false;
	return true;
}

/* Whether host pid is the sandbox's: the program, a descendant of it, or
 * an orphan of it that came to latch (the only children latch has). */
static bool in_sandbox(const struct sup_state *s, long pid)
{
	char path[64], text[1024], v[64];
	int fd, n;

	for (int depth = 0; depth < 256 && pid > 1; depth++) {
		if (pid == s->child || pid == (long)getpid())
			return true;
		(void)snprintf(path, sizeof(path), "/proc/%ld/status", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
		n = read_small(fd, text, sizeof(text));
		(void)close(fd);
		if (n <= 0 || !status_field(text, "PPid", v, sizeof(v)))
			return false;
		pid = strtol(v, NULL, 10);
	}
	return false;
}

int sup_pin_procfs(struct sup_state *s, struct sup_req *r)
{
	char lex[PATH_MAX], text[4096], v[256], saved[PATH_MAX], what[64];
	const struct sup_path_arg *pa = &r->call.path[0];
	struct sup_obj *o = &r->obj[0];
	_cleanup_free_ char *norm = NULL;
	long tgid = r->pid, tid = r->tid, fdn = -1;
	const char *rest;
	bool exe = false;
	struct stat st, own;
	int fd, err = 0, e, n;

	sup_unpin(r);
	sup_obj_reset(o);
	r->proc_foreign = false;
	if (r->path[0][0] == '/') {
		(void)snprintf(lex, sizeof(lex), "%s", r->path[0]);
	} else {
		char base[PATH_MAX];
		uint64_t resolve;
		bool owned;

		fd = sup_open_base(s, r, pa, r->path[0], &resolve, &owned, &err);
		if (fd < 0)
			return err;
		e = sup_fd_path(fd, base, sizeof(base));
		sup_close_base(fd, owned);
		if (e < 0)
			return -e;
		if ((size_t)snprintf(lex, sizeof(lex), "%s/%s", base, r->path[0]) >= sizeof(lex))
			return ENAMETOOLONG;
	}
	if (path_normalize(lex, &norm) < 0)
		return ENAMETOOLONG;
	/* The program's ids as its own /proc numbers them. */
	fd = sup_open_proc(s, r, "status", O_RDONLY, &err);
	if (fd < 0)
		return err;
	n = read_small(fd, text, sizeof(text));
	(void)close(fd);
	if (n > 0 && status_field(text, "NStgid", v, sizeof(v)))
		tgid = last_number(v);
	if (n > 0 && status_field(text, "NSpid", v, sizeof(v)))
		tid = last_number(v);

	if (strcmp(norm, "/dev/stdin") == 0)
		fdn = 0;
	else if (strcmp(norm, "/dev/stdout") == 0)
		fdn = 1;
	else if (strcmp(norm, "/dev/stderr") == 0)
		fdn = 2;
	else if (strncmp(norm, "/dev/fd/", 8) == 0)
		fdn = whole_number(norm + 8);
	if (strncmp(norm, "/proc/self", 10) == 0 && (norm[10] == '/' || !norm[10]))
		n = snprintf(lex, sizeof(lex), "/proc/%ld%s", tgid, norm + 10);
	else if (strncmp(norm, "/proc/thread-self", 17) == 0 && (norm[17] == '/' || !norm[17]))
		n = snprintf(lex, sizeof(lex), "/proc/%ld/task/%ld%s", tgid, tid, norm + 17);
	else
		n = snprintf(lex, sizeof(lex), "%s", norm);
	if (n < 0 || (size_t)n >= sizeof(lex))
		return ENAMETOOLONG;
	/* /proc/<tgid>/fd/N, /proc/<tgid>/task/<tid>/fd/N, /proc/<tgid>/exe. */
	(void)snprintf(v, sizeof(v), "/proc/%ld/", tgid);
	if (fdn < 0 && strncmp(lex, v, strlen(v)) == 0) {
		rest = lex + strlen(v);
		(void)snprintf(what, sizeof(what), "task/%ld/", tid);
		if (strncmp(rest, what, strlen(what)) == 0)
			rest += strlen(what);
		if (strncmp(rest, "fd/", 3) == 0)
			fdn = whole_number(rest + 3);
		else if (strcmp(rest, "exe") == 0)
			exe = true;
	}
	if (fdn >= 0 || exe) {
		/* Reopen what the program already holds: follow its own
		 * descriptor (or executable) from our side, then decide on
		 * where that really is. */
		if (exe)
			(void)snprintf(what, sizeof(what), "exe");
		else
			(void)snprintf(what, sizeof(what), "fd/%ld", fdn);
		fd = sup_open_proc(s, r, what, O_PATH, &err);
		if (fd < 0)
			return err == ENOENT ? (exe ? ENOENT : EBADF) : err;
		o->fd = fd;
		e = sup_obj_stat(o);
		if (e)
			return e;
		e = sup_fd_path(o->fd, o->real, sizeof(o->real));
		if (e < 0)
			return -e;
		if (o->real[0] == '/' && strncmp(o->real, "/proc/", 6) == 0)
			return EACCES; /* a procfs file behind a descriptor: not followed */
		r->n_obj = 1;
		if (r->call.op == SUP_OP_EXEC) {
			o->acc = BIT(POLICY_ACCESS_EXEC);
			return o->type == S_IFDIR ? EACCES : 0;
		}
		/* glibc's fchmodat(AT_SYMLINK_NOFOLLOW) and lchmod: an O_PATH
		 * descriptor, then chmod of /proc/self/fd/N. Decided and done
		 * on the object the program holds. */
		if (r->call.op == SUP_OP_CHMOD || r->call.op == SUP_OP_CHOWN || r->call.op == SUP_OP_UTIME ||
		    r->call.op == SUP_OP_XATTR || r->call.op == SUP_OP_GETXATTR) {
			o->acc = o->real[0] != '/'		   ? 0
				 : r->call.op == SUP_OP_GETXATTR ? BIT(POLICY_ACCESS_READ)
								 : BIT(POLICY_ACCESS_WRITE);
			return 0;
		}
		if ((r->call.flags & O_DIRECTORY) && o->type != S_IFDIR)
			return ENOTDIR;
		/* A pipe or socket is no file system path: nothing to decide. */
		o->acc = o->real[0] == '/' ? sup_open_accesses(r->call.flags, true) : 0;
		return 0;
	}
	/* Anything else under the program's /proc: resolve the rewritten path
	 * from its root, and accept landing in procfs. */
	(void)snprintf(saved, sizeof(saved), "%s", r->path[0]);
	(void)snprintf(r->path[0], sizeof(r->path[0]), "%s", lex);
	r->procfs_ok = true;
	e = sup_pin(s, r);
	r->procfs_ok = false;
	(void)snprintf(r->path[0], sizeof(r->path[0]), "%s", saved);
	if (e == -ELOOP)
		return EACCES; /* a magic link we do not follow */
	if (e)
		return e;
	/* A symlink into /proc/self elsewhere (e.g. /etc/mtab) resolves to
	 * the supervisor's own entry from here: refused, not misread. A path
	 * that names latch's pid itself (ps, top) means what it says. */
	(void)snprintf(v, sizeof(v), "/proc/%d/", (int)getpid());
	for (unsigned i = 0; i < r->n_obj; i++)
		if (r->obj[i].fd >= 0 && strncmp(r->obj[i].real, v, strlen(v)) == 0 &&
		    strncmp(lex, v, strlen(v)) != 0)
			return EACCES;
	/* Another process's guarded entry: in the isolated mode /proc shows
	 * only the sandbox's own processes; in the static mode it is the
	 * host's, and a process outside the sandbox is out of reach. */
	(void)snprintf(v, sizeof(v), "/proc/%d/ns/pid", r->tid);
	if (stat(v, &st) == 0 && stat("/proc/self/ns/pid", &own) == 0 && st.st_ino == own.st_ino) {
		tgid = sup_target_tgid(r->tid);
		for (unsigned i = 0; i < r->n_obj; i++)
			if (r->obj[i].fd >= 0 && proc_guarded_foreign(r->obj[i].real, tgid) &&
			    !in_sandbox(s, strtol(r->obj[i].real + 6, NULL, 10)))
				r->proc_foreign = true;
	}
	return 0;
}

int sup_target_tgid(int tid)
{
	char path[64], buf[256];
	const char *t;
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tid;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return tid;
	buf[n] = '\0';
	t = strstr(buf, "\nTgid:");
	return t ? (int)strtol(t + 6, NULL, 10) : tid;
}

/* ---- who made a call, for the events ---------------------------------------- */

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* 6.9 */
#endif

/* PIDFD_GET_INFO (6.13): a task's ids from its pidfd, with no /proc read.
 * The first version of the struct; the kernel takes it as it is. */
struct sup_pidfd_info {
	__u64 mask;
	__u64 cgroupid;
	__u32 pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	__s32 exit_code;
};
#define SUP_PIDFD_INFO_PID 1ull
#define SUP_PIDFD_GET_INFO _IOWR(0xFF, 11, struct sup_pidfd_info)

/* The thread group and parent of the task behind pidfd: 0, or -errno
 * (-ENOTTY before 6.13, -ESRCH once it is gone). */
static int pidfd_ids(int pidfd, int *ret_tgid, int *ret_ppid)
{
	struct sup_pidfd_info info = { .mask = SUP_PIDFD_INFO_PID };

	if (ioctl(pidfd, SUP_PIDFD_GET_INFO, &info) < 0)
		return -errno;
	if (!(info.mask & SUP_PIDFD_INFO_PID))
		return -ENOTTY;
	*ret_tgid = (int)info.tgid;
	*ret_ppid = (int)info.ppid;
	return 0;
}

static void proc_drop(struct sup_proc *p)
{
	if (p->pidfd >= 0)
		(void)close(p->pidfd);
	p->pidfd = -1;
	p->tid = 0;
	p->exe_known = false;
}

static bool proc_gone(const struct sup_proc *p)
{
	struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };

	return poll(&pfd, 1, 0) != 0;
}

/* The slot of tid, opened now if it has none: a pidfd of the thread group
 * when tid leads one (no /proc read needed for its tgid), else of the
 * thread alone (6.9). NULL: it cannot be remembered. */
static struct sup_proc *proc_slot(struct sup_state *s, int tid, bool *ret_fresh)
{
	struct sup_proc *free_slot = NULL, *oldest = NULL;
	int fd;

	for (size_t i = 0; i < SUP_PROCS_MAX; i++) {
		struct sup_proc *p = &s->procs[i];

		if (p->tid == tid) {
			if (!proc_gone(p)) {
				*ret_fresh = false;
				return p;
			}
			proc_drop(p); /* gone: the id may name another thread now */
		}
		if (!p->tid && !free_slot)
			free_slot = p;
		if (p->tid && (!oldest || p->used < oldest->used))
			oldest = p;
	}
	if (!free_slot) {
		proc_drop(oldest);
		free_slot = oldest;
	}
	fd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	if (fd >= 0) {
		int ppid;

		if (pidfd_ids(fd, &free_slot->tgid, &ppid) < 0)
			free_slot->tgid = sup_target_tgid(tid);
	} else {
		/* Before 6.9: a pidfd names a thread group, by its leader. */
		fd = (int)syscall(SYS_pidfd_open, tid, 0);
		if (fd < 0)
			return NULL;
		free_slot->tgid = tid;
	}
	free_slot->tid = tid;
	free_slot->pidfd = fd;
	free_slot->exe_known = false;
	*ret_fresh = true;
	return free_slot;
}

bool sup_target_who(struct sup_state *s, struct sup_req *r)
{
	bool read = true;
	struct sup_proc *p = s->c->notifies_exec && s->procs ? proc_slot(s, r->tid, &read) : NULL;

	if (!p) {
		sup_target_exe(r->tid, r->exe, sizeof(r->exe));
		r->pid = sup_target_tgid(r->tid);
		return true;
	}
	p->used = ++s->procs_tick;
	if (!p->exe_known) {
		sup_target_exe(r->tid, p->exe, sizeof(p->exe));
		p->exe_known = true;
		read = true;
	}
	r->pid = p->tgid;
	(void)snprintf(r->exe, sizeof(r->exe), "%s", p->exe);
	return read;
}

void sup_target_forget_exe(struct sup_state *s, int tgid)
{
	for (size_t i = 0; s->procs && i < SUP_PROCS_MAX; i++)
		if (s->procs[i].tid && s->procs[i].tgid == tgid)
			s->procs[i].exe_known = false;
}

void sup_target_procs_done(struct sup_state *s)
{
	for (size_t i = 0; s->procs && i < SUP_PROCS_MAX; i++)
		if (s->procs[i].tid)
			proc_drop(&s->procs[i]);
}

/* ---- execve's arguments, for the exec tree -------------------------------------- */

int sup_target_exec_args(struct sup_state *s, struct sup_req *r)
{
	/* argv follows the path: execve(path, argv), execveat(dirfd, path, argv). */
	uint64_t vec = r->data.args[strcmp(r->call.syscall, "execveat") == 0 ? 2 : 1];
	char path[64], status[2048], val[32];
	size_t used = 0;
	int e;

	r->n_argv = 0;
	r->argv_truncated = false;
	r->ppid = 0;
	for (unsigned i = 0; vec; i++) {
		uint64_t addr = 0;

		if (i == SUP_ARGV_MAX) {
			r->argv_truncated = true;
			break;
		}
		e = sup_read_bytes(s, r, vec + i * sizeof(addr), &addr, sizeof(addr));
		if (e == -ENOENT)
			return e;
		if (e || !addr) {
			r->argv_truncated = e != 0;
			break;
		}
		e = used < sizeof(r->argv) ? sup_read_string(s, r, addr, r->argv + used, sizeof(r->argv) - used)
					   : ENAMETOOLONG;
		if (e == -ENOENT)
			return e;
		if (e) {
			r->argv_truncated = true;
			break;
		}
		used += strlen(r->argv + used) + 1;
		r->n_argv++;
	}
	for (size_t i = 0; s->procs && i < SUP_PROCS_MAX; i++) {
		int tgid;

		if (s->procs[i].tid == r->tid && pidfd_ids(s->procs[i].pidfd, &tgid, &r->ppid) == 0)
			return 0; /* the pidfd names this very thread */
	}
	(void)snprintf(path, sizeof(path), "/proc/%d/status", r->tid);
	if (read_small_file(path, status, sizeof(status)) > 0 && status_field(status, "PPid", val, sizeof(val)))
		r->ppid = (int)strtol(val, NULL, 10);
	return sup_id_valid(s, r->id) ? 0 : -ENOENT;
}

/* ---- who holds a socket (the proxy's questions) ---------------------------- */

/* The inode of the client's socket: the line of the sandbox's TCP table
 * (/proc/SANDBOX/net/tcp, its network namespace) whose local address is
 * the client's end and remote address the accepting one. 0: not found. */
static unsigned long socket_inode(pid_t sandbox, const struct sockaddr_storage *peer,
				  const struct sockaddr_storage *self)
{
	char path[64], want_local[64], want_rem[64];
	_cleanup_free_ char *text = NULL;
	bool v6 = peer->ss_family == AF_INET6;

	if (peer->ss_family != self->ss_family || (peer->ss_family != AF_INET && !v6))
		return 0;
	if (v6) {
		const struct sockaddr_in6 *p = (const struct sockaddr_in6 *)peer, *s = (const struct sockaddr_in6 *)self;
		uint32_t pw[4], sw[4];

		/* The kernel prints each 32-bit word of the address as it lies
		 * in memory, in hex. */
		memcpy(pw, p->sin6_addr.s6_addr, 16);
		memcpy(sw, s->sin6_addr.s6_addr, 16);
		(void)snprintf(want_local, sizeof(want_local), "%08X%08X%08X%08X:%04X", pw[0], pw[1], pw[2], pw[3],
			       ntohs(p->sin6_port));
		(void)snprintf(want_rem, sizeof(want_rem), "%08X%08X%08X%08X:%04X", sw[0], sw[1], sw[2], sw[3],
			       ntohs(s->sin6_port));
	} else {
		const struct sockaddr_in *p = (const struct sockaddr_in *)peer, *s = (const struct sockaddr_in *)self;

		(void)snprintf(want_local, sizeof(want_local), "%08X:%04X", p->sin_addr.s_addr, ntohs(p->sin_port));
		(void)snprintf(want_rem, sizeof(want_rem), "%08X:%04X", s->sin_addr.s_addr, ntohs(s->sin_port));
	}
	(void)snprintf(path, sizeof(path), "/proc/%d/net/tcp%s", (int)sandbox, v6 ? "6" : "");
	text = malloc(SOCKET_TABLE_MAX);
	if (!text || read_small_file(path, text, SOCKET_TABLE_MAX) <= 0)
		return 0;
	for (char *line = text; line && *line;) {
		char *eol = strchr(line, '\n');
		char local[64], rem[64];
		unsigned long inode;

		if (eol)
			*eol = '\0';
		if (sscanf(line, " %*s %63s %63s %*s %*s %*s %*s %*s %*s %lu", local, rem, &inode) == 3 &&
		    strcmp(local, want_local) == 0 && strcmp(rem, want_rem) == 0)
			return inode;
		line = eol ? eol + 1 : NULL;
	}
	return 0;
}

static ino_t netns_of(pid_t pid)
{
	char path[64];
	struct stat st;

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* Whether pid has a descriptor that is the socket want ("socket:[N]"). */
static bool holds_socket(long pid, const char *want)
{
	char path[64];
	struct dirent *f;
	bool found = false;
	DIR *fds;

	(void)snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	fds = opendir(path);
	if (!fds)
		return false;
	while (!found && (f = readdir(fds))) {
		char link[PATH_MAX], target[64];
		ssize_t n;

		if (f->d_name[0] == '.')
			continue;
		(void)snprintf(link, sizeof(link), "/proc/%ld/fd/%s", pid, f->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = strcmp(target, want) == 0;
	}
	(void)closedir(fds);
	return found;
}

int sup_socket_owner(pid_t sandbox, const struct sockaddr_storage *peer, const struct sockaddr_storage *self)
{
	unsigned long inode = sandbox > 0 ? socket_inode(sandbox, peer, self) : 0;
	ino_t netns = inode ? netns_of(sandbox) : 0;
	char want[64];
	struct dirent *de;
	DIR *proc;
	int found = 0;

	if (!inode)
		return 0;
	(void)snprintf(want, sizeof(want), "socket:[%lu]", inode);
	proc = opendir("/proc");
	if (!proc)
		return 0;
	/* Only processes in the sandbox's network namespace can hold it. */
	while (!found && (de = readdir(proc))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || (netns && netns_of((pid_t)pid) != netns))
			continue;
		if (holds_socket(pid, want))
			found = (int)pid;
	}
	(void)closedir(proc);
	return found;
}
