/* The memory arguments of a notified call: paths, the symlink's target,
 * openat2's struct open_how and connect/bind's address, read through a
 * struct sup_mem and checked as the kernel would check them. Nothing here
 * calls the kernel: resolve.c hands in the target's memory
 * (process_vm_readv, then ID_VALID), the fuzzer a byte image. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <unistd.h>

#include "supervise/sup-serve.h"

#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif
#define OPEN_HOW_SIZE_VER0 24
#define RESOLVE_KNOWN                                                                                  \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_IN_ROOT | \
	 RESOLVE_CACHED)

int sup_mem_string(const struct sup_mem *m, uint64_t addr, char *buf, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t got = 0;

	if (addr == 0)
		return EFAULT;
	while (got < size) {
		size_t chunk = (size_t)page - (size_t)((addr + got) % (uint64_t)page);
		ssize_t n;
		char *nul;

		if (chunk > size - got)
			chunk = size - got;
		n = m->read(m->ctx, addr + got, buf + got, chunk);
		if (!m->valid(m->ctx))
			return -ENOENT;
		if (n <= 0)
			return EFAULT;
		nul = memchr(buf + got, '\0', (size_t)n);
		if (nul)
			return 0;
		got += (size_t)n;
		if ((size_t)n < chunk)
			return EFAULT;
	}
	return ENAMETOOLONG;
}

int sup_mem_bytes(const struct sup_mem *m, uint64_t addr, void *buf, size_t len)
{
	ssize_t n;

	if (addr == 0)
		return EFAULT;
	n = len ? m->read(m->ctx, addr, buf, len) : 0;
	if (!m->valid(m->ctx))
		return -ENOENT;
	return n < 0 || (size_t)n != len ? EFAULT : 0;
}

/* openat2's struct open_how, as copy_struct_from_user() and the kernel's
 * build_open_how() take it: into c->flags, c->mode and r->resolve. */
static int fetch_open_how(const struct sup_mem *m, struct sup_req *r)
{
	struct sup_call *c = &r->call;
	struct open_how how;
	unsigned char extra[64];
	size_t head = c->how_size < sizeof(how) ? (size_t)c->how_size : sizeof(how);
	ssize_t n;

	if (c->how_size < OPEN_HOW_SIZE_VER0)
		return EINVAL;
	if (c->how_size > (uint64_t)sysconf(_SC_PAGESIZE))
		return E2BIG;
	memset(&how, 0, sizeof(how));
	n = m->read(m->ctx, c->how_addr, &how, head);
	if (!m->valid(m->ctx))
		return -ENOENT;
	if (n != (ssize_t)head)
		return EFAULT;
	/* A larger struct from a newer libc: the rest must be zero, as
	 * copy_struct_from_user() insists. */
	for (uint64_t off = sizeof(how); off < c->how_size;) {
		size_t chunk = c->how_size - off < sizeof(extra) ? (size_t)(c->how_size - off) : sizeof(extra);

		n = m->read(m->ctx, c->how_addr + off, extra, chunk);
		if (!m->valid(m->ctx))
			return -ENOENT;
		if (n != (ssize_t)chunk)
			return EFAULT;
		for (size_t i = 0; i < chunk; i++)
			if (extra[i])
				return E2BIG;
		off += chunk;
	}
	if (how.resolve & ~(uint64_t)RESOLVE_KNOWN)
		return EINVAL;
	if ((how.resolve & RESOLVE_BENEATH) && (how.resolve & RESOLVE_IN_ROOT))
		return EINVAL;
	if (how.mode & ~(uint64_t)07777)
		return EINVAL;
	if (how.mode && !(how.flags & (O_CREAT | __O_TMPFILE)))
		return EINVAL;
	if (how.flags >> 32)
		return EINVAL;
	c->flags = how.flags;
	c->mode = how.mode;
	r->resolve = how.resolve & ~(uint64_t)RESOLVE_CACHED;
	return 0;
}

int sup_mem_fetch_args(const struct sup_mem *m, struct sup_req *r)
{
	struct sup_call *c = &r->call;
	int e;

	for (int i = 0; i < 2; i++) {
		r->path[i][0] = '\0';
		if (!c->path[i].present || c->path[i].fd_only)
			continue;
		e = sup_mem_string(m, c->path[i].addr, r->path[i], sizeof(r->path[i]));
		if (e)
			return e;
	}
	if (c->op == SUP_OP_SYMLINK) {
		e = sup_mem_string(m, c->target_addr, r->link_target, sizeof(r->link_target));
		if (e)
			return e;
		if (!r->link_target[0])
			return ENOENT;
	}
	if (c->how_addr || (c->op == SUP_OP_OPEN && strcmp(c->syscall, "openat2") == 0)) {
		e = fetch_open_how(m, r);
		if (e)
			return e;
	}
	if (c->op == SUP_OP_CONNECT || c->op == SUP_OP_BIND) {
		ssize_t n;

		if (c->sockaddr_len > sizeof(r->addr))
			return EINVAL;
		if (c->sockaddr_len < sizeof(sa_family_t))
			return EINVAL;
		memset(&r->addr, 0, sizeof(r->addr));
		n = m->read(m->ctx, c->sockaddr_addr, &r->addr, c->sockaddr_len);
		if (!m->valid(m->ctx))
			return -ENOENT;
		if (n != (ssize_t)c->sockaddr_len)
			return EFAULT;
		r->addrlen = (socklen_t)c->sockaddr_len;
	}
	return 0;
}
