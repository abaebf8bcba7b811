/* Memory shared with processes outside.
 *
 *   shm KEY MARK          System V shared memory is named by a number, not
 *                         a path, so no file rule sees it: a process outside
 *                         (esc-outside shm) keeps a secret in a segment of
 *                         mode 0600; shmget(KEY), shmat, read it
 *   posix-shm PATH MARK   POSIX shared memory is a file in /dev/shm, which
 *                         every process of the host shares: read PATH */
#include <errno.h>
#include <fcntl.h>
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

static void op_posix_shm(char **argv)
{
	esc_read_or_fail(AT_FDCWD, argv[0], 0, "open the /dev/shm file", argv[1]);
}

static const struct esc_op ops[] = {
	{ "posix-shm", 2, "PATH MARK", op_posix_shm },
	{ "shm", 2, "KEY MARK", op_shm },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
