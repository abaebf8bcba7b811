/* Kernel interfaces that no profile needs, each a large attack surface or
 * shared with the whole host:
 *
 *   keyctl        KEYCTL_GET_KEYRING_ID of the user keyring (keyrings are
 *                 not namespaced: the user's keys outside are there)
 *   bpf           BPF_MAP_CREATE; where the host forbids unprivileged eBPF,
 *                 the same call with a bad pointer, whose EFAULT shows the
 *                 kernel was reached
 *   perf          perf_event_open of a software counter of this process
 *   userfaultfd   userfaultfd(UFFD_USER_MODE_ONLY) */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "esc.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static void op_keyctl(char **argv)
{
	long id;

	(void)argv;
	id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
	if (id < 0)
		esc_failed("keyctl", errno);
	esc_worked("the user keyring (id %ld)", id);
}

static void op_bpf(char **argv)
{
	union bpf_attr attr;

	(void)argv;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	if (syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)) >= 0)
		esc_worked("an eBPF map");
	if (errno != EPERM)
		esc_failed("bpf(BPF_MAP_CREATE)", errno);
	if (syscall(SYS_bpf, BPF_MAP_CREATE, (void *)1, sizeof(attr)) < 0 && errno == EFAULT)
		esc_worked("bpf() reached the kernel (EFAULT; the host forbids unprivileged maps)");
	esc_failed("bpf(BPF_MAP_CREATE)", errno);
}

static void op_perf(char **argv)
{
	struct perf_event_attr attr;

	(void)argv;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.size = sizeof(attr);
	attr.config = PERF_COUNT_SW_TASK_CLOCK;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	if (syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0) < 0)
		esc_failed("perf_event_open", errno);
	esc_worked("a perf event");
}

static void op_userfaultfd(char **argv)
{
	(void)argv;
	if (syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY) < 0)
		esc_failed("userfaultfd", errno);
	esc_worked("a userfaultfd");
}

static const struct esc_op ops[] = {
	{ "bpf", 0, "", op_bpf },
	{ "keyctl", 0, "", op_keyctl },
	{ "perf", 0, "", op_perf },
	{ "userfaultfd", 0, "", op_userfaultfd },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
