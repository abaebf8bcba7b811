/* System V IPC objects are named by a number, not a path: no file rule
 * sees them. A process outside (esc-outside shm) keeps a secret in a
 * shared memory segment of mode 0600.
 *
 *   shm KEY MARK   shmget(KEY) and shmat, then read it */
#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "esc.h"

static void op_shm(char **argv)
{
	key_t key = (key_t)esc_num(argv[0], 1, 0x7fffffff);
	int id = shmget(key, 0, 0);
	const char *p;

	if (id < 0)
		esc_failed("shmget", errno);
	p = shmat(id, NULL, SHM_RDONLY);
	if (p == (void *)-1)
		esc_failed("shmat", errno);
	if (!memmem(p, 4096, argv[1], strlen(argv[1])))
		esc_nothing("attached the segment, without the secret in it");
	esc_worked("read the secret from the segment of a process outside");
}

static const struct esc_op ops[] = {
	{ "shm", 2, "KEY MARK", op_shm },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
