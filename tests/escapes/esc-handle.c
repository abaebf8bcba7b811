/* open_by_handle_at: opening an inode by its file handle walks no path,
 * so no path rule sees it.
 *
 *   name SECRET MARK          the handle made here (name_to_handle_at),
 *                             opened here
 *   replay TYPE:HEX MARK      a handle made outside the sandbox (esc-outside
 *                             handle), opened here: handles are stable and
 *                             can be guessed
 *
 * The mount descriptor is the current directory, on the same file system
 * as the secret in the tests. Opening needs CAP_DAC_READ_SEARCH, so an
 * unprivileged control reports premise_failed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esc.h"

static _noreturn_ void open_handle(struct file_handle *fh, const char *mark)
{
	_cleanup_close_ int mnt = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -EBADF;

	if (mnt < 0)
		esc_premise("the current directory: %s", esc_errno(errno));
	fd = open_by_handle_at(mnt, fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		esc_failed("open_by_handle_at", errno);
	esc_read_verdict(esc_fd_has(fd, mark), "open_by_handle_at");
}

static struct file_handle *new_handle(void)
{
	struct file_handle *fh = calloc(1, sizeof(*fh) + MAX_HANDLE_SZ);

	if (!fh)
		esc_premise("out of memory");
	fh->handle_bytes = MAX_HANDLE_SZ;
	return fh;
}

static void op_name(char **argv)
{
	struct file_handle *fh = new_handle();
	int mnt_id;

	if (name_to_handle_at(AT_FDCWD, argv[0], fh, &mnt_id, 0) < 0)
		esc_failed("name_to_handle_at", errno);
	open_handle(fh, argv[1]);
}

static void op_replay(char **argv)
{
	struct file_handle *fh = new_handle();
	unsigned char *bytes = (unsigned char *)fh + offsetof(struct file_handle, f_handle);
	const char *hex = strchr(argv[0], ':');
	size_t n;

	if (!hex || (n = strlen(hex + 1)) % 2 || n / 2 > MAX_HANDLE_SZ)
		esc_premise("bad handle '%s' (TYPE:HEX)", argv[0]);
	fh->handle_type = (int)esc_num(strndupa(argv[0], (size_t)(hex - argv[0])), 0, 0xffff);
	fh->handle_bytes = (unsigned)(n / 2);
	for (size_t i = 0; i < n / 2; i++) {
		char two[3] = { hex[1 + 2 * i], hex[2 + 2 * i], '\0' };
		char *end;

		bytes[i] = (unsigned char)strtoul(two, &end, 16);
		if (*end)
			esc_premise("bad handle '%s' (TYPE:HEX)", argv[0]);
	}
	open_handle(fh, argv[1]);
}

static const struct esc_op ops[] = {
	{ "name", 2, "SECRET MARK", op_name },
	{ "replay", 2, "TYPE:HEX MARK", op_replay },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
