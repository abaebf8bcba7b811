/* Pinning the operands of each operation (the `pin` column of the dispatch
 * table, ops.c): which path is the object and which the parent of a new
 * entry, what must or must not exist, and the policy accesses asked of
 * each. resolve.c does the pinning itself. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "supervise/sup-serve.h"

#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

static bool dot_or_dotdot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* A new entry (mkdir, mknod, symlink, the new name of link): pin its
 * parent; the entry must not exist, and only a directory may be named with
 * a trailing slash. */
static int pin_new_entry(struct sup_state *s, struct sup_req *r, int i, bool dir)
{
	struct sup_obj *o = &r->obj[i];
	int e = sup_pin_parent(s, r, i);

	if (e)
		return e;
	if (!o->name[0] || dot_or_dotdot(o->name) || o->exists)
		return EEXIST;
	if (o->trailing_slash && !dir)
		return ENOENT;
	o->acc = BIT(POLICY_ACCESS_CREATE);
	return 0;
}

int sup_pin_open(struct sup_state *s, struct sup_req *r)
{
	uint64_t f = r->call.flags;
	bool nofollow = f & O_NOFOLLOW;
	struct sup_obj *o = &r->obj[0];
	int e;

	r->n_obj = 1;
	if ((f & __O_TMPFILE) == __O_TMPFILE) {
		size_t n;

		e = sup_pin_object_stat(s, r, 0, false);
		if (e)
			return e;
		if (o->type != S_IFDIR)
			return ENOTDIR;
		n = strlen(o->real);
		if (n + sizeof("/#tmpfile") > sizeof(o->real))
			return ENAMETOOLONG;
		memcpy(o->real + n, strcmp(o->real, "/") == 0 ? "#tmpfile" : "/#tmpfile",
		       strcmp(o->real, "/") == 0 ? sizeof("#tmpfile") : sizeof("/#tmpfile"));
		o->acc = sup_open_accesses(f, true);
		return 0;
	}
	if ((f & O_CREAT) && (f & O_EXCL)) {
		e = sup_pin_parent(s, r, 0);
		if (e)
			return e;
		if (!o->name[0] || dot_or_dotdot(o->name))
			return EISDIR;
		if (o->exists)
			return EEXIST;
		if (o->trailing_slash)
			return EISDIR;
		o->acc = sup_open_accesses(f, false);
		return 0;
	}
	e = sup_pin_object(s, r, 0, nofollow);
	if (e == ENOENT && (f & O_CREAT)) {
		e = sup_pin_parent(s, r, 0);
		if (e)
			return e;
		if (!o->name[0] || dot_or_dotdot(o->name) || o->trailing_slash)
			return EISDIR;
		if (o->exists) {
			/* A dangling symlink: creating through it would put
			 * the file wherever the link points. */
			if (o->type == S_IFLNK)
				return -EMLINK;
			/* Created meanwhile: decide on it as it is now. */
			e = sup_pin_object(s, r, 0, nofollow);
			if (e)
				return e;
			o->acc = sup_open_accesses(f, true);
			return 0;
		}
		o->acc = sup_open_accesses(f, false);
		return 0;
	}
	if (e)
		return e;
	/* What the file's type makes fail (ELOOP, ENOTDIR, EISDIR) is checked
	 * by sup_open_checks() when the supervisor answers itself; a
	 * continued call meets the kernel's own checks. */
	o->acc = sup_open_accesses(f, true);
	return 0;
}

int sup_open_checks(struct sup_req *r)
{
	struct sup_obj *o = &r->obj[0];
	uint64_t f = r->call.flags;
	int e;

	if (r->call.op != SUP_OP_OPEN || o->in_parent || o->fd < 0 || r->tmpfile)
		return 0;
	e = sup_obj_stat(o);
	if (e)
		return e;
	if ((f & O_NOFOLLOW) && o->type == S_IFLNK && !(f & O_PATH))
		return ELOOP;
	if ((f & O_DIRECTORY) && o->type != S_IFDIR)
		return ENOTDIR;
	if ((f & O_ACCMODE) != O_RDONLY && o->type == S_IFDIR && !(f & O_PATH))
		return EISDIR;
	return 0;
}

int sup_pin_mkdir(struct sup_state *s, struct sup_req *r)
{
	r->n_obj = 1;
	return pin_new_entry(s, r, 0, true);
}

int sup_pin_mknod(struct sup_state *s, struct sup_req *r)
{
	r->n_obj = 1;
	return pin_new_entry(s, r, 0, false);
}

/* The new link is path[1]; obj[0] stays empty. */
int sup_pin_symlink(struct sup_state *s, struct sup_req *r)
{
	r->n_obj = 2;
	return pin_new_entry(s, r, 1, false);
}

int sup_pin_unlink(struct sup_state *s, struct sup_req *r)
{
	struct sup_obj *o = &r->obj[0];
	bool rmdir = r->call.flags & AT_REMOVEDIR;
	int e;

	r->n_obj = 1;
	e = sup_pin_parent(s, r, 0);
	if (e)
		return e;
	if (!o->name[0])
		return EBUSY;
	if (dot_or_dotdot(o->name))
		return !rmdir ? EISDIR : strcmp(o->name, ".") == 0 ? EINVAL : ENOTEMPTY;
	if (!o->exists)
		return ENOENT;
	if (!rmdir && o->type == S_IFDIR)
		return EISDIR;
	if ((rmdir || o->trailing_slash) && o->type != S_IFDIR)
		return ENOTDIR;
	o->acc = BIT(POLICY_ACCESS_DELETE);
	return 0;
}

int sup_pin_rename(struct sup_state *s, struct sup_req *r)
{
	struct sup_obj *o0 = &r->obj[0], *o1 = &r->obj[1];
	uint64_t flags = r->call.flags;
	int e;

	r->n_obj = 2;
	e = sup_pin_parent(s, r, 0);
	if (e == 0)
		e = sup_pin_parent(s, r, 1);
	if (e)
		return e;
	if (!o0->name[0] || dot_or_dotdot(o0->name) || !o1->name[0] || dot_or_dotdot(o1->name))
		return EBUSY;
	if (!o0->exists)
		return ENOENT;
	if ((flags & RENAME_EXCHANGE) && !o1->exists)
		return ENOENT;
	if ((flags & RENAME_NOREPLACE) && o1->exists)
		return EEXIST;
	o0->acc = BIT(POLICY_ACCESS_DELETE);
	o1->acc = BIT(POLICY_ACCESS_CREATE);
	if (o1->exists)
		o1->acc |= BIT(POLICY_ACCESS_DELETE);
	if (flags & RENAME_EXCHANGE)
		o0->acc |= BIT(POLICY_ACCESS_CREATE);
	return 0;
}

int sup_pin_link(struct sup_state *s, struct sup_req *r)
{
	int e;

	r->n_obj = 2;
	e = sup_pin_object_stat(s, r, 0, r->call.path[0].nofollow);
	if (e)
		return e;
	if (r->obj[0].type == S_IFDIR)
		return EPERM;
	r->obj[0].acc = 0; /* what it may do is checked by the refer rule */
	return pin_new_entry(s, r, 1, false);
}

int sup_pin_truncate(struct sup_state *s, struct sup_req *r)
{
	struct sup_obj *o = &r->obj[0];
	int e;

	r->n_obj = 1;
	e = sup_pin_object_stat(s, r, 0, false);
	if (e)
		return e;
	if (o->type == S_IFDIR)
		return EISDIR;
	if (o->type != S_IFREG)
		return EINVAL;
	o->acc = BIT(POLICY_ACCESS_TRUNCATE);
	return 0;
}

/* chmod, chown, the utime family, setxattr, removexattr, by path or on a
 * descriptor: the object's metadata, decided as writing it. A file with no
 * name left (unlinked, a memfd, O_TMPFILE) asks for nothing: what is done
 * to it cannot outlast the descriptors. */
int sup_pin_metadata(struct sup_state *s, struct sup_req *r)
{
	struct stat st;
	int e;

	r->n_obj = 1;
	e = sup_pin_object_stat(s, r, 0, r->call.path[0].nofollow);
	if (e)
		return e;
	if (r->call.path[0].fd_only && fstat(r->obj[0].fd, &st) == 0 && st.st_nlink == 0 && S_ISREG(st.st_mode)) {
		r->obj[0].acc = 0;
		return 0;
	}
	r->obj[0].acc = BIT(POLICY_ACCESS_WRITE);
	return 0;
}

/* getxattr, listxattr: the object's extended attributes, decided as
 * reading it. */
int sup_pin_read_metadata(struct sup_state *s, struct sup_req *r)
{
	int e = sup_pin_metadata(s, r);

	if (e == 0 && r->obj[0].acc)
		r->obj[0].acc = BIT(POLICY_ACCESS_READ);
	return e;
}

int sup_pin_exec(struct sup_state *s, struct sup_req *r)
{
	struct sup_obj *o = &r->obj[0];
	int e;

	r->n_obj = 1;
	e = sup_pin_object_stat(s, r, 0, r->call.path[0].nofollow);
	if (e)
		return e;
	if (o->type == S_IFLNK)
		return ELOOP;
	if (o->type == S_IFDIR)
		return EACCES;
	o->acc = BIT(POLICY_ACCESS_EXEC);
	return 0;
}

/* A pathname Unix socket: connect pins the socket as open(O_PATH) would
 * and asks to connect to it; bind pins the parent of the new entry as
 * mknod. */
int sup_pin_socket(struct sup_state *s, struct sup_req *r)
{
	struct sup_obj *o = &r->obj[0];
	int e;

	if (r->call.op == SUP_OP_BIND) {
		e = sup_pin_mknod(s, r);
		return e == EEXIST ? EADDRINUSE : e;
	}
	r->n_obj = 1;
	e = sup_pin_object(s, r, 0, false);
	if (e)
		return e;
	e = sup_obj_stat(o);
	if (e)
		return e;
	if (o->type != S_IFSOCK)
		return ECONNREFUSED;
	o->acc = BIT(POLICY_ACCESS_UNIX_CONNECT);
	return 0;
}

int sup_pin(struct sup_state *s, struct sup_req *r)
{
	const struct sup_op_row *row = &sup_ops[r->call.op];

	sup_obj_reset(&r->obj[0]);
	sup_obj_reset(&r->obj[1]);
	r->n_obj = 0;
	return row->pin ? row->pin(s, r) : ENOSYS;
}
