/* The supervisor's pure parts: argument decoding, the decision -> action
 * table (every combination, plus the safety invariants), the approval
 * protocol, rate limiting, event encoding (byte for byte the envelope's),
 * and handing the listener over. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sys/xattr.h>

#include <cmocka.h>

#include "base/json-util.h"
#include "supervise/sup-internal.h"
#include "supervise/sup-serve.h"
#include "supervise/supervise.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#define BIT(a) (1u << (a))

/* ---- decoding -------------------------------------------------------------------- */

static struct seccomp_data sd(int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct seccomp_data d = { .nr = nr, .arch = AUDIT_ARCH_X86_64 };

	d.args[0] = a0;
	d.args[1] = a1;
	d.args[2] = a2;
	d.args[3] = a3;
	d.args[4] = a4;
	return d;
}

static void test_decode_open_family(void **state)
{
	struct sup_call c;
	struct seccomp_data d;

	(void)state;
	d = sd(__NR_open, 0x1000, O_RDWR | O_CREAT, 0640, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_string_equal(c.syscall, "open");
	assert_int_equal(c.op, SUP_OP_OPEN);
	assert_true(c.path[0].present);
	assert_int_equal(c.path[0].dirfd, AT_FDCWD);
	assert_int_equal(c.path[0].addr, 0x1000);
	assert_int_equal(c.flags, O_RDWR | O_CREAT);
	assert_int_equal(c.mode, 0640);
	assert_false(c.path[1].present);

	/* AT_FDCWD as the kernel sees an int: zero-extended or sign-extended. */
	d = sd(__NR_openat, 0xffffff9cULL, 0x2000, O_RDONLY, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.path[0].dirfd, AT_FDCWD);
	d = sd(__NR_openat, (uint64_t)(int64_t)AT_FDCWD, 0x2000, O_RDONLY, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.path[0].dirfd, AT_FDCWD);
	d = sd(__NR_openat, 7 | 0xdead00000000ULL, 0x2000, O_WRONLY | 0xff00000000ULL, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.path[0].dirfd, 7);
	assert_int_equal(c.flags, O_WRONLY); /* the kernel reads an int */

	d = sd(__NR_creat, 0x3000, 0600, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.flags, O_CREAT | O_WRONLY | O_TRUNC);
	assert_int_equal(c.mode, 0600);

	d = sd(__NR_openat2, 5, 0x4000, 0x5000, 24, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_string_equal(c.syscall, "openat2");
	assert_int_equal(c.how_addr, 0x5000);
	assert_int_equal(c.how_size, 24);
	assert_int_equal(c.path[0].dirfd, 5);
}

static void test_decode_entries(void **state)
{
	struct sup_call c;
	struct seccomp_data d;

	(void)state;
	d = sd(__NR_mkdirat, 3, 0x10, 0755, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_MKDIR);
	assert_int_equal(c.path[0].dirfd, 3);
	assert_int_equal(c.mode, 0755);

	d = sd(__NR_mknodat, AT_FDCWD, 0x10, 0010644, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_MKNOD);
	assert_int_equal(c.mode, 0010644);

	d = sd(__NR_rmdir, 0x10, 0, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_UNLINK);
	assert_int_equal(c.flags, AT_REMOVEDIR);
	d = sd(__NR_unlinkat, 4, 0x10, AT_REMOVEDIR, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.flags, AT_REMOVEDIR);
	d = sd(__NR_unlinkat, 4, 0x10, 0x1, 0, 0);
	assert_int_equal(sup_decode(&d, &c), -EINVAL);

	d = sd(__NR_renameat2, 3, 0x10, 4, 0x20, RENAME_NOREPLACE);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_RENAME);
	assert_int_equal(c.path[0].dirfd, 3);
	assert_int_equal(c.path[1].dirfd, 4);
	assert_int_equal(c.path[1].addr, 0x20);
	d = sd(__NR_renameat2, 3, 0x10, 4, 0x20, RENAME_EXCHANGE | RENAME_NOREPLACE);
	assert_int_equal(sup_decode(&d, &c), -EINVAL);
	d = sd(__NR_renameat2, 3, 0x10, 4, 0x20, 0x80);
	assert_int_equal(sup_decode(&d, &c), -EINVAL);
	d = sd(__NR_rename, 0x10, 0x20, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.path[1].dirfd, AT_FDCWD);

	d = sd(__NR_link, 0x10, 0x20, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_true(c.path[0].nofollow); /* link() does not follow */
	d = sd(__NR_linkat, 3, 0x10, 4, 0x20, AT_SYMLINK_FOLLOW);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_false(c.path[0].nofollow);
	d = sd(__NR_linkat, 3, 0x10, 4, 0x20, AT_EMPTY_PATH);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_true(c.path[0].empty_ok);
	assert_true(c.path[0].nofollow);
	d = sd(__NR_linkat, 3, 0x10, 4, 0x20, AT_REMOVEDIR);
	assert_int_equal(sup_decode(&d, &c), -EINVAL);

	d = sd(__NR_symlinkat, 0x30, 5, 0x40, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_SYMLINK);
	assert_int_equal(c.target_addr, 0x30);
	assert_false(c.path[0].present);
	assert_int_equal(c.path[1].dirfd, 5);
	assert_int_equal(c.path[1].addr, 0x40);

	d = sd(__NR_truncate, 0x10, 4096, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.length, 4096);
	d = sd(__NR_truncate, 0x10, (uint64_t)-1, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), -EINVAL);
}

static void test_decode_meta_exec_sockets(void **state)
{
	struct sup_call c;
	struct seccomp_data d;

	(void)state;
	d = sd(__NR_chmod, 0x10, 04755, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_CHMOD);
	assert_int_equal(c.mode, 04755);
	/* utimensat: the times; futimens (no path) is told apart by addr 0 */
	d = sd(__NR_utimensat, 3, 0x10, 0x20, AT_SYMLINK_NOFOLLOW, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_UTIME);
	assert_int_equal(c.times_addr, 0x20);
	assert_true(c.path[0].nofollow);
	assert_int_equal(c.path[0].dirfd, 3);
	d = sd(__NR_utimensat, 3, 0x10, 0x20, 0x8000, 0);
	assert_int_equal(sup_decode(&d, &c), -EINVAL);
	/* setxattr: name, value, size, flags; lremovexattr: name, no follow */
	d = sd(__NR_setxattr, 0x10, 0x30, 0x40, 5, XATTR_CREATE);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_XATTR);
	assert_false(c.xremove);
	assert_int_equal(c.xname_addr, 0x30);
	assert_int_equal(c.xvalue_addr, 0x40);
	assert_int_equal(c.xsize, 5);
	assert_int_equal(c.flags, XATTR_CREATE);
	assert_false(c.path[0].nofollow);
	d = sd(__NR_lremovexattr, 0x10, 0x30, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_true(c.xremove);
	assert_true(c.path[0].nofollow);
	d = sd(452 /* fchmodat2 */, 3, 0x10, 0600, AT_SYMLINK_NOFOLLOW, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_true(c.path[0].nofollow);
	d = sd(452, 3, 0x10, 0600, 0x4, 0);
	assert_int_equal(sup_decode(&d, &c), -EINVAL);
	d = sd(__NR_lchown, 0x10, 1000, 1000, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_true(c.path[0].nofollow);
	assert_int_equal(c.uid, 1000);
	d = sd(__NR_fchownat, 3, 0x10, 1, 2, AT_EMPTY_PATH);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_true(c.path[0].empty_ok);
	assert_int_equal(c.gid, 2);

	d = sd(__NR_execve, 0x10, 0x20, 0x30, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_EXEC);
	d = sd(__NR_execveat, 9, 0x10, 0x20, 0x30, AT_EMPTY_PATH);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.path[0].dirfd, 9);
	assert_true(c.path[0].empty_ok);

	d = sd(__NR_connect, 6, 0x10, 110, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_CONNECT);
	assert_int_equal(c.sockfd, 6);
	assert_int_equal(c.sockaddr_len, 110);
	d = sd(__NR_bind, 6, 0x10, 16, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_BIND);

	d = sd(__NR_chroot, 0x10, 0, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_CHROOT);
	assert_int_equal(c.path[0].addr, 0x10);
	d = sd(__NR_setns, 5, 0x00020000 /* CLONE_NEWNS */, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_SETNS);
	assert_int_equal(c.sockfd, 5);
	assert_int_equal(c.nstype, 0x00020000);
	assert_false(c.path[0].present);

	/* Not ours, or another arch: never decoded. */
	d = sd(__NR_read, 0, 0, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), -ENOSYS);
	d = sd(__NR_openat, AT_FDCWD, 0x10, 0, 0, 0);
	d.arch = AUDIT_ARCH_I386;
	assert_int_equal(sup_decode(&d, &c), -ENOSYS);
}

/* Every row of the filter's table is decoded, under the number the
 * system headers give its name (an independent check of the table). */
static void test_decode_covers_the_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sup_n_syscalls; i++) {
		struct sup_call c;
		struct seccomp_data d = sd(0, AT_FDCWD, 0x10, 0, 0, 0);
		long nr = -2;

#define NR(sys)                                      \
	if (strcmp(sup_syscalls[i].name, #sys) == 0) \
		nr = __NR_##sys;
		NR(bind) NR(chmod) NR(chown) NR(chroot) NR(connect) NR(creat) NR(execve) NR(execveat) NR(fchmodat)
		NR(fchownat) NR(lchown) NR(link) NR(linkat) NR(mkdir) NR(mkdirat) NR(mknod) NR(mknodat) NR(open)
		NR(openat) NR(openat2) NR(rename) NR(renameat) NR(renameat2) NR(rmdir) NR(setns) NR(symlink)
		NR(symlinkat) NR(truncate) NR(unlink) NR(unlinkat) NR(utimensat) NR(setxattr) NR(lsetxattr)
		NR(removexattr) NR(lremovexattr) NR(fchmod) NR(fchown) NR(fsetxattr) NR(fremovexattr) NR(utime)
		NR(utimes) NR(futimesat) NR(getxattr) NR(lgetxattr) NR(fgetxattr) NR(listxattr) NR(llistxattr)
		NR(flistxattr) NR(capset) NR(prctl) NR(setfsgid) NR(setfsuid) NR(setgid) NR(setgroups) NR(setregid)
		NR(setresgid) NR(setresuid) NR(setreuid) NR(setuid)
#undef NR
		if (strcmp(sup_syscalls[i].name, "fchmodat2") == 0)
			nr = 452;
		assert_int_equal(sup_syscalls[i].nr, nr);
		d.nr = (int)nr;
		assert_int_equal(sup_decode(&d, &c), 0);
		assert_string_equal(c.syscall, sup_syscalls[i].name);
		assert_int_equal(c.op, sup_syscalls[i].op);
		if (i > 0)
			assert_true(strcmp(sup_syscalls[i - 1].name, sup_syscalls[i].name) < 0); /* sorted */
	}
}

/* Calls on a descriptor: operand 0 is the descriptor itself, with no
 * string to read; futimens is utimensat with no path, and takes no flags. */
static void test_decode_fd_calls(void **state)
{
	struct sup_call c;
	struct seccomp_data d;

	(void)state;
	d = sd(__NR_fchmod, 7, 0644, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_CHMOD);
	assert_true(c.path[0].present && c.path[0].fd_only && c.path[0].empty_ok);
	assert_int_equal(c.path[0].dirfd, 7);
	assert_int_equal(c.mode, 0644);
	d = sd(__NR_fsetxattr, 5, 0x1000, 0x2000, 3, XATTR_CREATE);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_XATTR);
	assert_true(c.path[0].fd_only && !c.xremove);
	assert_int_equal(c.path[0].dirfd, 5);
	assert_int_equal(c.xsize, 3);
	assert_int_equal(c.flags, XATTR_CREATE);
	d = sd(__NR_utimensat, 4, 0, 0x3000, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_true(c.path[0].fd_only);
	assert_int_equal(c.path[0].dirfd, 4);
	assert_int_equal(c.times_kind, SUP_TIMES_TIMESPEC);
	d = sd(__NR_utimensat, 4, 0, 0x3000, AT_SYMLINK_NOFOLLOW, 0);
	assert_int_equal(sup_decode(&d, &c), -EINVAL);
	/* ...while a path is read as before. */
	d = sd(__NR_utimensat, AT_FDCWD, 0x10, 0x3000, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_false(c.path[0].fd_only);
	d = sd(__NR_utimes, 0x10, 0x3000, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.times_kind, SUP_TIMES_TIMEVAL);
	d = sd(__NR_utime, 0x10, 0x3000, 0, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.times_kind, SUP_TIMES_UTIMBUF);
	/* Reading attributes: getxattr's name, value and size; listxattr's
	 * list and size. */
	d = sd(__NR_getxattr, 0x10, 0x20, 0x30, 64, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_int_equal(c.op, SUP_OP_GETXATTR);
	assert_false(c.xlist);
	assert_true(c.xname_addr == 0x20 && c.xvalue_addr == 0x30 && c.xsize == 64);
	d = sd(__NR_flistxattr, 3, 0x40, 128, 0, 0);
	assert_int_equal(sup_decode(&d, &c), 0);
	assert_true(c.xlist && c.path[0].fd_only && c.xvalue_addr == 0x40 && c.xsize == 128);
}

/* ---- reading the memory arguments --------------------------------------------------- */

/* Target memory for sup_mem_*: len bytes mapped at base, nothing else; the
 * notification vanishes after `live` reads. */
struct image {
	uint64_t base;
	const unsigned char *bytes;
	size_t len;
	int live;
};

static ssize_t image_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct image *im = ctx;

	im->live--;
	if (addr < im->base || addr >= im->base + im->len)
		return -EFAULT;
	if (len > im->base + im->len - addr)
		len = (size_t)(im->base + im->len - addr);
	memcpy(buf, im->bytes + (addr - im->base), len);
	return (ssize_t)len;
}

static bool image_valid(void *ctx)
{
	return ((struct image *)ctx)->live >= 0;
}

static int fetch(const struct seccomp_data *d, struct image *im, struct sup_req *r)
{
	struct sup_mem m = { image_read, image_valid, im };

	memset(r, 0, sizeof(*r));
	assert_int_equal(sup_decode(d, &r->call), 0);
	return sup_mem_fetch_args(&m, r);
}

static void test_mem_args(void **state)
{
	static unsigned char mem[3 * 4096];
	static struct sup_req r;
	const uint64_t base = 0x10000, end = base + sizeof(mem);
	struct image im = { base, mem, sizeof(mem), 100 };
	struct seccomp_data d;
	struct open_how how = { .flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS };

	(void)state;
	memcpy(mem, "/etc/passwd", 12);
	memcpy(mem + 4096 - 3, "/ab", 4); /* across a page boundary */
	memset(mem + 4096 + 100, 'a', 4096);
	memcpy(mem + sizeof(mem) - 4, "/xyz", 4); /* no NUL before the unmapped page */
	memcpy(mem + 64, &how, sizeof(how));
	mem[64 + sizeof(how) + 3] = 1; /* a newer, larger open_how with a non-zero tail */

	d = sd(__NR_openat, (uint64_t)AT_FDCWD, base, O_RDONLY, 0, 0);
	assert_int_equal(fetch(&d, &im, &r), 0);
	assert_string_equal(r.path[0], "/etc/passwd");
	d = sd(__NR_openat, (uint64_t)AT_FDCWD, base + 4096 - 3, O_RDONLY, 0, 0);
	assert_int_equal(fetch(&d, &im, &r), 0);
	assert_string_equal(r.path[0], "/ab");
	d = sd(__NR_openat, (uint64_t)AT_FDCWD, end - 4, O_RDONLY, 0, 0);
	assert_int_equal(fetch(&d, &im, &r), EFAULT);
	d = sd(__NR_openat, (uint64_t)AT_FDCWD, 0, O_RDONLY, 0, 0);
	assert_int_equal(fetch(&d, &im, &r), EFAULT);
	d = sd(__NR_openat, (uint64_t)AT_FDCWD, base + 4096 + 100, O_RDONLY, 0, 0);
	assert_int_equal(fetch(&d, &im, &r), ENAMETOOLONG);
	/* the second path of a rename, and the notification gone after the first read */
	d = sd(__NR_renameat, (uint64_t)AT_FDCWD, base, (uint64_t)AT_FDCWD, base + 4096 - 3, 0);
	assert_int_equal(fetch(&d, &im, &r), 0);
	assert_string_equal(r.path[1], "/ab");
	im.live = 1;
	assert_int_equal(fetch(&d, &im, &r), -ENOENT);
	im.live = 100;

	/* openat2: the struct as the kernel takes it */
	d = sd(__NR_openat2, (uint64_t)AT_FDCWD, base, base + 64, sizeof(how), 0);
	assert_int_equal(fetch(&d, &im, &r), 0);
	assert_int_equal(r.resolve, RESOLVE_NO_SYMLINKS);
	d = sd(__NR_openat2, (uint64_t)AT_FDCWD, base, base + 64, sizeof(how) + 8, 0);
	assert_int_equal(fetch(&d, &im, &r), E2BIG);
	d = sd(__NR_openat2, (uint64_t)AT_FDCWD, base, base + 64, 16, 0);
	assert_int_equal(fetch(&d, &im, &r), EINVAL);
	d = sd(__NR_openat2, (uint64_t)AT_FDCWD, base, end - 8, sizeof(how), 0);
	assert_int_equal(fetch(&d, &im, &r), EFAULT);

	/* connect: the address, within bounds */
	d = sd(__NR_connect, 3, base, 16, 0, 0);
	assert_int_equal(fetch(&d, &im, &r), 0);
	assert_int_equal(r.addrlen, 16);
	d = sd(__NR_connect, 3, base, sizeof(struct sockaddr_storage) + 1, 0, 0);
	assert_int_equal(fetch(&d, &im, &r), EINVAL);
}

static void test_open_accesses(void **state)
{
	static const struct {
		uint64_t flags;
		bool exists;
		unsigned want;
	} rows[] = {
		{ O_RDONLY, true, BIT(POLICY_ACCESS_READ) },
		{ O_WRONLY, true, BIT(POLICY_ACCESS_WRITE) },
		{ O_RDWR, true, BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_WRITE) },
		{ O_ACCMODE, true, BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_WRITE) },
		{ O_WRONLY | O_TRUNC, true, BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_TRUNCATE) },
		{ O_WRONLY | O_TRUNC | O_CREAT, false, BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_CREATE) },
		{ O_WRONLY | O_CREAT, true, BIT(POLICY_ACCESS_WRITE) },
		{ O_RDONLY | O_CREAT, false, BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_CREATE) },
		{ O_PATH, true, 0 },
		{ O_PATH | O_RDWR | O_CREAT | O_TRUNC, false, 0 },
		{ O_TMPFILE | O_RDWR, true, BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_CREATE) },
		{ O_RDONLY | O_DIRECTORY, true, BIT(POLICY_ACCESS_READ) },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(sup_open_accesses(rows[i].flags, rows[i].exists), rows[i].want);
}

static void test_ops(void **state)
{
	(void)state;
	for (int op = 0; op < _SUP_OP_MAX; op++) {
		bool meta = op == SUP_OP_CHMOD || op == SUP_OP_CHOWN || op == SUP_OP_UTIME || op == SUP_OP_XATTR;
		bool outside = meta || op == SUP_OP_CONNECT || op == SUP_OP_CHROOT || op == SUP_OP_SETNS ||
			       op == SUP_OP_GETXATTR || op == SUP_OP_CREDS;
		bool eperm = meta || op == SUP_OP_CHROOT || op == SUP_OP_SETNS || op == SUP_OP_CREDS;

		assert_non_null(sup_op_name((enum sup_op)op));
		assert_int_equal(sup_op_kernel_mediated((enum sup_op)op), !outside);
		/* Reading attributes one may not read finds none. */
		assert_int_equal(sup_op_deny_errno((enum sup_op)op),
				 op == SUP_OP_GETXATTR ? ENODATA : eperm ? EPERM : EACCES);
	}
	assert_null(sup_op_name(_SUP_OP_MAX));
	assert_false(sup_op_kernel_mediated(_SUP_OP_MAX));
}

/* The dispatch table: every row can be handled to its end. An op that
 * pins paths is performed here unless the program must do it itself
 * (exec); an op without a pin step is always answered by its screen. */
static void test_dispatch_table(void **state)
{
	(void)state;
	for (int op = 0; op < _SUP_OP_MAX; op++) {
		const struct sup_op_row *row = &sup_ops[op];

		assert_non_null(row->name);
		assert_true(row->pin || row->screen);
		if (!row->pin) {
			assert_null(row->emulate);
			assert_false(row->procfs);
		}
		if (row->pin)
			assert_int_equal(row->emulate == NULL, op == SUP_OP_EXEC);
		/* Only reading attributes is denied by answering "none". */
		assert_int_equal(row->quiet_denial != NULL, op == SUP_OP_GETXATTR);
		/* Only the socket calls look at an address before pinning. */
		assert_int_equal(row->address != NULL, op == SUP_OP_CONNECT || op == SUP_OP_BIND);
	}
	/* Every notified system call lands on a row. */
	for (size_t i = 0; i < sup_n_syscalls; i++)
		assert_true((unsigned)sup_syscalls[i].op < _SUP_OP_MAX);
	/* Paths under /proc are followed as the program sees them only where
	 * the object itself is acted on, never for entries made or removed. */
	assert_true(sup_ops[SUP_OP_OPEN].procfs && sup_ops[SUP_OP_EXEC].procfs && sup_ops[SUP_OP_CHMOD].procfs);
	assert_false(sup_ops[SUP_OP_UNLINK].procfs || sup_ops[SUP_OP_RENAME].procfs || sup_ops[SUP_OP_MKDIR].procfs);
}

/* What an emulation's result says as a step. */
static void test_step_emulated(void **state)
{
	struct sup_step st;

	(void)state;
	st = sup_step_emulated(-ENOENT, "r");
	assert_int_equal(st.kind, SUP_STEP_VANISHED);
	st = sup_step_emulated(-EINPROGRESS, "r");
	assert_int_equal(st.kind, SUP_STEP_PARKED);
	st = sup_step_emulated(0, "r");
	assert_int_equal(st.kind, SUP_STEP_DONE);
	assert_int_equal(st.err, 0);
	assert_string_equal(st.reason, "r");
	st = sup_step_emulated(EACCES, NULL);
	assert_int_equal(st.kind, SUP_STEP_DONE);
	assert_int_equal(st.err, EACCES);
}

/* ---- the decision -> action table --------------------------------------------------- */

#define ANY -1
/* The specification, as first-match rows: a different shape from the code. */
static const struct {
	int allows, kernel, emulable, grant, backend;
	enum sup_action want;
} spec[] = {
	/* The profile allows. */
	{ 1, 1, ANY, ANY, ANY, SUP_ACTION_CONTINUE },
	{ 1, 0, 1, ANY, ANY, SUP_ACTION_EMULATE },
	{ 1, 0, 0, ANY, ANY, SUP_ACTION_CONTINUE }, /* execve: nothing else is possible */
	/* The profile denies; a grant stands. */
	{ 0, ANY, 1, SUP_GRANT_SESSION, ANY, SUP_ACTION_EMULATE },
	{ 0, ANY, 1, SUP_GRANT_ANSWER, ANY, SUP_ACTION_EMULATE },
	{ 0, ANY, 0, SUP_GRANT_SESSION, ANY, SUP_ACTION_DENY },
	{ 0, ANY, 0, SUP_GRANT_ANSWER, ANY, SUP_ACTION_DENY },
	{ 0, ANY, ANY, SUP_GRANT_REFUSED, ANY, SUP_ACTION_DENY },
	/* Nobody decided yet. */
	{ 0, ANY, 0, SUP_GRANT_NONE, ANY, SUP_ACTION_DENY },
	{ 0, ANY, 1, SUP_GRANT_NONE, SUP_BACKEND_DENY, SUP_ACTION_DENY },
	{ 0, ANY, 1, SUP_GRANT_NONE, SUP_BACKEND_ALLOW, SUP_ACTION_EMULATE },
	{ 0, ANY, 1, SUP_GRANT_NONE, SUP_BACKEND_SOCKET, SUP_ACTION_ASK },
	{ 0, ANY, 1, SUP_GRANT_NONE, SUP_BACKEND_TTY, SUP_ACTION_ASK },
};

static bool m(int want, int got)
{
	return want == ANY || want == got;
}

static void test_action_table_every_combination(void **state)
{
	unsigned n = 0;

	(void)state;
	for (int allows = 0; allows < 2; allows++)
		for (int kernel = 0; kernel < 2; kernel++)
			for (int emulable = 0; emulable < 2; emulable++)
				for (int grant = 0; grant < _SUP_GRANT_MAX; grant++)
					for (int backend = 0; backend < _SUP_BACKEND_MAX; backend++) {
						struct sup_action_in in = {
							.profile_allows = allows,
							.kernel_enforces = kernel,
							.emulable = emulable,
							.grant = (enum sup_grant)grant,
							.backend = (enum sup_backend)backend,
						};
						const char *why = NULL;
						enum sup_action got = sup_action_for(&in, &why);
						size_t row;

						for (row = 0; row < sizeof(spec) / sizeof(spec[0]); row++)
							if (m(spec[row].allows, allows) && m(spec[row].kernel, kernel) &&
							    m(spec[row].emulable, emulable) && m(spec[row].grant, grant) &&
							    m(spec[row].backend, backend))
								break;
						assert_true(row < sizeof(spec) / sizeof(spec[0]));
						if (got != spec[row].want)
							fail_msg("allows=%d kernel=%d emulable=%d grant=%d backend=%d: got %s, "
								 "want %s",
								 allows, kernel, emulable, grant, backend, sup_action_name(got),
								 sup_action_name(spec[row].want));
						assert_non_null(why);
						assert_true(why[0] != '\0');
						/* The safety rules, whatever the table says. */
						if (got == SUP_ACTION_CONTINUE)
							assert_true(allows && (kernel || !emulable));
						if (!allows)
							assert_int_not_equal(got, SUP_ACTION_CONTINUE);
						if (!emulable)
							assert_int_not_equal(got, SUP_ACTION_EMULATE);
						if (got == SUP_ACTION_ASK)
							assert_true(backend == SUP_BACKEND_SOCKET || backend == SUP_BACKEND_TTY);
						n++;
					}
	assert_int_equal(n, 2 * 2 * 2 * _SUP_GRANT_MAX * _SUP_BACKEND_MAX);
}

static void test_names(void **state)
{
	(void)state;
	for (int b = 0; b < _SUP_BACKEND_MAX; b++)
		assert_int_equal(sup_backend_from_name(sup_backend_name((enum sup_backend)b)), b);
	assert_int_equal(sup_backend_from_name("ask"), -EINVAL);
	assert_int_equal(sup_backend_from_name(NULL), -EINVAL);
	assert_null(sup_backend_name(_SUP_BACKEND_MAX));
	assert_string_equal(sup_answer_name(SUP_ANSWER_ALLOW_SESSION), "allow_session");
	assert_null(sup_answer_name(_SUP_ANSWER_MAX));
	for (int a = 0; a < _SUP_ACTION_MAX; a++)
		assert_non_null(sup_action_name((enum sup_action)a));
}

/* ---- the approval protocol ------------------------------------------------------------- */

static int parse(const char *line, uint64_t *id, enum sup_answer *a)
{
	struct error err = { 0 };
	int r = sup_parse_answer(line, strlen(line), id, a, &err);

	if (r < 0)
		assert_true(err.msg[0] != '\0');
	return r;
}

static void test_parse_answer_valid(void **state)
{
	uint64_t id = 0;
	enum sup_answer a = _SUP_ANSWER_MAX;

	(void)state;
	assert_int_equal(parse("{\"id\":7,\"decision\":\"allow_once\"}", &id, &a), 0);
	assert_int_equal(id, 7);
	assert_int_equal(a, SUP_ANSWER_ALLOW_ONCE);
	assert_int_equal(parse("{\"decision\":\"allow_session\",\"id\":0}\n", &id, &a), 0);
	assert_int_equal(id, 0);
	assert_int_equal(a, SUP_ANSWER_ALLOW_SESSION);
	assert_int_equal(parse("  { \"decision\" : \"allow_always\" , \"id\" : 123456789012 }\r\n", &id, &a), 0);
	assert_int_equal(id, 123456789012ULL);
	assert_int_equal(a, SUP_ANSWER_ALLOW_ALWAYS);
	assert_int_equal(parse("{\"id\":1,\"decision\":\"deny\"}", &id, &a), 0);
	assert_int_equal(a, SUP_ANSWER_DENY);
}

static void test_parse_answer_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"not json",
		"[1,2]",
		"\"allow_once\"",
		"{}",
		"{\"id\":1}",
		"{\"decision\":\"deny\"}",
		"{\"id\":1,\"decision\":\"deny\",\"extra\":true}",
		"{\"id\":-1,\"decision\":\"deny\"}",
		"{\"id\":1.5,\"decision\":\"deny\"}",
		"{\"id\":\"1\",\"decision\":\"deny\"}",
		"{\"id\":null,\"decision\":\"deny\"}",
		"{\"id\":1,\"decision\":1}",
		"{\"id\":1,\"decision\":\"maybe\"}",
		"{\"id\":1,\"decision\":\"ALLOW_ONCE\"}",
		"{\"id\":1,\"decision\":\"allow_once \"}",
		"{\"id\":1,\"id\":2,\"decision\":\"deny\"}",
		"{\"id\":1,\"decision\":\"deny\"} trailing",
		"{\"id\":1,\"decision\":\"deny\"}{\"id\":2,\"decision\":\"deny\"}",
		"{\"id\":1,\"decision\":\"deny\"",
	};
	uint64_t id = 99;
	enum sup_answer a = SUP_ANSWER_ALLOW_ALWAYS;
	char *longline;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &id, &a) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(id, 99); /* untouched on failure */
		assert_int_equal(a, SUP_ANSWER_ALLOW_ALWAYS);
	}
	{
		struct error err = { 0 };
		const char nul[] = "{\"id\":1,\"decision\":\"deny\"}\0x";

		assert_int_equal(sup_parse_answer(nul, sizeof(nul) - 1, &id, &a, &err), -EINVAL);
	}
	longline = malloc(SUP_LINE_MAX + 16);
	assert_non_null(longline);
	memset(longline, ' ', SUP_LINE_MAX + 15);
	memcpy(longline, "{\"id\":1,\"decision\":\"deny\"}", 26); /* no NUL */
	longline[SUP_LINE_MAX + 15] = '\0';
	assert_int_equal(parse(longline, &id, &a), -EINVAL);
	free(longline);
}

static void test_question_line(void **state)
{
	char *argv[] = { "cat", "/x/\"q\"", NULL };
	struct sup_question q = {
		.id = 3,
		.pid = 42,
		.exe = "/usr/bin/cat",
		.argv = argv,
		.syscall = "openat",
		.access = "read",
		.path = "/home/u/.ssh/known_hosts",
	};
	char *line = sup_question_line(&q);

	(void)state;
	assert_non_null(line);
	assert_string_equal(line, "{\"access\":\"read\",\"argv\":[\"cat\",\"/x/\\\"q\\\"\"],\"exe\":\"/usr/bin/cat\","
				  "\"id\":3,\"kind\":\"approval_request\",\"path\":\"/home/u/.ssh/known_hosts\","
				  "\"pid\":42,\"runs_later\":false,\"syscall\":\"openat\"}\n");
	free(line);
	q.runs_later = true;
	line = sup_question_line(&q);
	assert_non_null(strstr(line, "\"runs_later\":true"));
	free(line);
	q.argv = NULL;
	q.exe = NULL;
	line = sup_question_line(&q);
	assert_non_null(strstr(line, "\"argv\":[]"));
	assert_non_null(strstr(line, "\"exe\":null"));
	free(line);
	/* The proxy's question: a host and a port, no path. */
	q = (struct sup_question){ .id = 4, .pid = 7, .syscall = "connect", .access = "connect", .host = "example.org",
				   .port = 443 };
	line = sup_question_line(&q);
	assert_non_null(line);
	assert_string_equal(line, "{\"access\":\"connect\",\"argv\":[],\"exe\":null,\"host\":\"example.org\",\"id\":4,"
				  "\"kind\":\"approval_request\",\"path\":null,\"pid\":7,\"port\":443,"
				  "\"runs_later\":false,\"syscall\":\"connect\"}\n");
	free(line);
}

/* ---- rate limiting -------------------------------------------------------------------- */

static void test_ratelimit(void **state)
{
	struct sup_ratelimit r;
	const uint64_t s = 1000000000ull;

	(void)state;
	sup_ratelimit_init(&r, 2, 10 * s);
	assert_true(sup_ratelimit_take(&r, 10 * s));
	assert_true(sup_ratelimit_take(&r, 10 * s));
	assert_false(sup_ratelimit_take(&r, 10 * s)); /* burst of 2 used */
	assert_false(sup_ratelimit_take(&r, 10 * s + s / 4));
	assert_true(sup_ratelimit_take(&r, 10 * s + s / 2)); /* one token per half second */
	assert_false(sup_ratelimit_take(&r, 10 * s + s / 2));
	/* A long pause refills to the burst, not beyond. */
	assert_true(sup_ratelimit_take(&r, 100 * s));
	assert_true(sup_ratelimit_take(&r, 100 * s));
	assert_false(sup_ratelimit_take(&r, 100 * s));
	/* A clock that goes back gives nothing. */
	assert_false(sup_ratelimit_take(&r, 50 * s));
	/* 0 means at least one per second. */
	sup_ratelimit_init(&r, 0, 0);
	assert_true(sup_ratelimit_take(&r, 0));
	assert_false(sup_ratelimit_take(&r, 0));
	assert_true(sup_ratelimit_take(&r, s));
}

/* ---- events --------------------------------------------------------------------------- */

static void assert_event_matches_envelope(const struct sup_event *ev)
{
	static char buf[SUP_EVENT_MAX], line[SUP_EVENT_MAX];
	json_t *env = sup_event_json(ev);
	char *ref;
	long long gen;
	int n;

	assert_non_null(env);
	gen = (long long)json_integer_value(json_object_get(env, "generated_at_unix_ms"));
	ref = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(ref);
	(void)snprintf(line, sizeof(line), "%s\n", ref);
	n = sup_event_format(ev, gen, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(line));
	assert_string_equal(buf, line);
	free(ref);
	json_decref(env);
}

static void test_event_format_is_the_envelope(void **state)
{
	struct sup_event ev = {
		.time_unix_ms = 1700000000123LL,
		.pid = 10,
		.tid = 11,
		.exe = "/usr/bin/cat",
		.syscall = "openat",
		.access = "read",
		.path = ".ssh/id_rsa",
		.resolved = "/home/u/.ssh/id_rsa",
		.allow = false,
		.action = "deny",
		.layer = "supervisor",
		.rule = "<group deny_credentials: $HOME/.ssh>",
		.decided_by = "profile",
		.reason = "denied by the profile",
		.err = EACCES,
		.latency_us = 17,
	};

	(void)state;
	assert_event_matches_envelope(&ev);
	/* Every awkward byte: quotes, backslashes, controls, UTF-8, and bytes
	 * that are not UTF-8 (written as \xNN, as json_str() does). */
	ev.path = "a\"b\\c\n\t\r\b\f\x01\x1f\x7f/é/日本/\xf0\x9f\x98\x80";
	ev.resolved = "/bad/\xff\xfe/\xc3/\xe6\x97/end\x80";
	ev.path2 = "";
	ev.resolved2 = "/x";
	ev.grant = "answer: allow_once";
	ev.allow = true;
	ev.err = 0;
	ev.action = "emulate";
	assert_event_matches_envelope(&ev);
	/* NULLs are nulls. */
	memset(&ev, 0, sizeof(ev));
	ev.action = "continue";
	assert_event_matches_envelope(&ev);
	ev.err = 9999; /* an errno without a name */
	assert_event_matches_envelope(&ev);
}

/* The events of the longest, oddest strings fit SUP_EVENT_MAX: every byte
 * a control character, escaped in six. */
static void test_event_format_worst_case(void **state)
{
	static char odd[5][PATH_MAX], other[9][1024], buf[SUP_EVENT_MAX];
	struct sup_event ev = { .time_unix_ms = LLONG_MIN, .pid = INT_MIN, .tid = INT_MIN, .err = 9999,
				.latency_us = LLONG_MIN };

	(void)state;
	for (int i = 0; i < 5; i++)
		memset(odd[i], 0x01, PATH_MAX - 1);
	for (int i = 0; i < 9; i++)
		memset(other[i], 0x01, sizeof(other[i]) - 1);
	ev.path = odd[0];
	ev.resolved = odd[1];
	ev.path2 = odd[2];
	ev.resolved2 = odd[3];
	ev.exe = odd[4];
	ev.syscall = other[0];
	ev.access = other[1];
	ev.action = other[2];
	ev.layer = other[3];
	ev.rule = other[4];
	ev.grant = other[5];
	ev.decided_by = other[6];
	ev.reason = other[7];
	assert_true(sup_event_format(&ev, LLONG_MIN, buf, sizeof(buf)) > 0);
	assert_event_matches_envelope(&ev);
}

static void test_event_format_too_small(void **state)
{
	struct sup_event ev = { .action = "deny", .path = "/a/long/enough/path" };
	char buf[64];

	(void)state;
	assert_int_equal(sup_event_format(&ev, 1, buf, sizeof(buf)), -ENOBUFS);
}

static void test_summary(void **state)
{
	struct sup_summary s = { .notifications = 5, .continued = 2, .emulated = 1, .denied = 2, .n_top_denied = 1 };
	char buf[1024];
	json_t *j;

	(void)state;
	(void)snprintf(s.top_denied[0].path, sizeof(s.top_denied[0].path), "/home/u/.ssh/id_rsa");
	s.top_denied[0].count = 2;
	assert_true(sup_summary_format(&s, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "supervisor: 2 denied, 0 granted (0 asked, 0 timed out, 0 rate-limited) of 5 "
				    "notified calls"));
	assert_non_null(strstr(buf, "denied 2x: /home/u/.ssh/id_rsa"));
	j = sup_summary_to_json(&s);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "denied")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "top_denied")), 1);
	json_decref(j);
	/* Nothing refused or granted: nothing said. */
	s.denied = 0;
	s.n_top_denied = 0;
	assert_false(sup_summary_eventful(&s));
	assert_int_equal(sup_summary_format(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	s.granted = 1;
	assert_true(sup_summary_format(&s, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "0 denied, 1 granted"));
	/* A tiny buffer is cut, not overrun. */
	assert_int_equal(sup_summary_format(&s, buf, 8), 0);
	assert_int_equal(buf[0], '\0');
}

/* ---- handing the listener over -------------------------------------------------------- */

static void test_send_recv_fd(void **state)
{
	struct error err = { 0 };
	int sp[2], p[2], got = -1;
	char c = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(sup_send_fd(sp[0], p[1], &err), 0);
	assert_int_equal(sup_recv_fd(sp[1], &got, &err), 0);
	assert_true(got >= 0);
	assert_true(fcntl(got, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(got, "x", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	assert_false(sup_fd_is_listener(got));
	close(got);

	/* No descriptor: refused. (error_set keeps the first error: reset.) */
	assert_int_equal(write(sp[0], "L", 1), 1);
	memset(&err, 0, sizeof(err));
	assert_int_equal(sup_recv_fd(sp[1], &got, &err), -EBADMSG);
	/* The peer closed: EPIPE. */
	close(sp[0]);
	memset(&err, 0, sizeof(err));
	assert_int_equal(sup_recv_fd(sp[1], &got, &err), -EPIPE);
	close(sp[1]);
	close(p[0]);
	close(p[1]);
}

static void test_filter_json(void **state)
{
	json_t *j = sup_filter_to_json(SUP_SCOPE_ALL);
	json_t *n;
	bool openat = false, connect = false;
	size_t i;
	json_t *v;

	(void)state;
	assert_non_null(j);
	n = json_object_get(j, "notified");
	json_array_foreach(n, i, v) {
		openat |= strcmp(json_string_value(v), "openat") == 0;
		connect |= strcmp(json_string_value(v), "connect") == 0;
	}
	assert_true(openat && connect);
	assert_int_equal(json_array_size(n) + json_array_size(json_object_get(j, "skipped")), sup_n_syscalls);
	json_decref(j);
}

/* The filters compiled when latch was built are the ones libseccomp
 * compiles now from the table: the prebuilt copy cannot fall behind. */
static void test_filter_prebuilt(void **state)
{
	(void)state;
	for (int scope = 0; scope < SUP_N_SCOPES; scope++) {
		struct sup_filter *built = NULL, *pre = NULL;
		const struct sock_filter *a, *b;
		struct error err = { 0 };
		unsigned short na, nb;

		assert_int_equal(sup_filter_build(&built, (enum sup_scope)scope, &err), 0);
		assert_int_equal(sup_filter_prebuilt(&pre, (enum sup_scope)scope, &err), 0);
		na = sup_filter_insns(built, &a);
		nb = sup_filter_insns(pre, &b);
		assert_true(na > 4);
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, (size_t)na * sizeof(*a));
		sup_filter_free(built);
		sup_filter_free(pre);
	}
	/* ...and the two scopes differ. */
	assert_true(sup_filter_programs[SUP_SCOPE_ALL].len > sup_filter_programs[SUP_SCOPE_SOCKETS].len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_open_family),
		cmocka_unit_test(test_decode_entries),
		cmocka_unit_test(test_decode_meta_exec_sockets),
		cmocka_unit_test(test_decode_covers_the_table),
		cmocka_unit_test(test_decode_fd_calls),
		cmocka_unit_test(test_mem_args),
		cmocka_unit_test(test_open_accesses),
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_dispatch_table),
		cmocka_unit_test(test_step_emulated),
		cmocka_unit_test(test_action_table_every_combination),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_answer_valid),
		cmocka_unit_test(test_parse_answer_malformed),
		cmocka_unit_test(test_question_line),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_event_format_is_the_envelope),
		cmocka_unit_test(test_event_format_worst_case),
		cmocka_unit_test(test_event_format_too_small),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_send_recv_fd),
		cmocka_unit_test(test_filter_json),
		cmocka_unit_test(test_filter_prebuilt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
