/* System calls through another ABI of the same kernel, where syscall
 * numbers (and so a filter's rules) differ:
 *
 *   int80 SECRET MARK   the i386 open (number 5) through `int $0x80`, from
 *                       this 64-bit process
 *   x32 SECRET MARK     openat with the x32 bit set (__X32_SYSCALL_BIT)
 *
 * Each call is made in a child process, so that a filter that kills it is
 * seen (esc_child_status). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "esc.h"

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

struct call {
	const char *path;
	const char *mark;
};

/* The child's exit status for an open that returned FD (or -errno). */
static int read_result(long fd, const char *mark)
{
	int r;

	if (fd < 0)
		return ESC_CHILD_ERRNO + (int)-fd;
	r = esc_fd_has((int)fd, mark);
	return r < 0 ? ESC_CHILD_ERRNO - r : r > 0 ? ESC_CHILD_WORKED : ESC_CHILD_NOTHING;
}

#if defined(__x86_64__)
static int int80_open(void *arg)
{
	const struct call *c = arg;
	size_t n = strlen(c->path) + 1;
	char *low;
	long ret;

	/* The i386 ABI passes 32-bit pointers: the path must lie below 4 GiB. */
	low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED || n > 4096)
		return 100 + ENOMEM;
	memcpy(low, c->path, n);
	/* 5 is open on i386; O_RDONLY is 0 there too. */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(5L), "b"((long)(unsigned long)low), "c"(0L), "d"(0L)
			 : "memory", "r8", "r9", "r10", "r11");
	return read_result(ret, c->mark);
}

static int x32_openat(void *arg)
{
	const struct call *c = arg;
	long ret = syscall(__X32_SYSCALL_BIT | __NR_openat, AT_FDCWD, c->path, O_RDONLY);

	return read_result(ret < 0 ? -errno : ret, c->mark);
}
#endif

static _noreturn_ void in_child(int (*fn)(void *), char **argv, const char *step)
{
	struct call c = { .path = argv[0], .mark = argv[1] };

	if (esc_child_status(fn, &c, step) == ESC_CHILD_NOTHING)
		esc_nothing("%s opened another file", step);
	esc_worked("%s: read the secret", step);
}

static void op_int80(char **argv)
{
#if defined(__x86_64__)
	in_child(int80_open, argv, "int $0x80 open");
#else
	(void)argv;
	esc_unsupported("not an x86_64 build");
#endif
}

static void op_x32(char **argv)
{
#if defined(__x86_64__)
	in_child(x32_openat, argv, "x32 openat");
#else
	(void)argv;
	esc_unsupported("not an x86_64 build");
#endif
}

static const struct esc_op ops[] = {
	{ "int80", 2, "SECRET MARK", op_int80 },
	{ "x32", 2, "SECRET MARK", op_x32 },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
