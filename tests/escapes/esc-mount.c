/* Mounts: a bind mount shows a denied file under an allowed name, an
 * unmount uncovers what a mask hides, chroot and pivot_root move the root
 * that a supervisor resolves paths from. Each needs a capability
 * (CAP_SYS_ADMIN, CAP_SYS_CHROOT), so an unprivileged control reports
 * premise_failed; the control runs in a mount namespace of its own, so it
 * changes nothing outside.
 *
 *   bind SECRET MARK   bind-mount the secret over a file of ours, read it
 *   umount DIR         unmount DIR (the mask over a denied directory, in
 *                      the isolated mode); EINVAL means the call passed the
 *                      permission check and found no mount there
 *   chroot             chroot into the current directory
 *   pivot-root         pivot_root with a bad pointer: EFAULT means the
 *                      permission check was passed
 *   fsopen             fsopen("tmpfs"), the new mount API
 *   open-tree DIR NAME MARK  open_tree(OPEN_TREE_CLONE) of DIR, a detached
 *                      copy of its mount, then read NAME in it */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "esc.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif

/* In control, a mount namespace of our own, private, so that nothing the
 * case mounts is seen outside. */
static void own_mount_namespace(void)
{
	if (esc_mode != ESC_CONTROL)
		return;
	if (unshare(CLONE_NEWNS) < 0)
		esc_failed("unshare(CLONE_NEWNS), for the control", errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		esc_premise("a private mount namespace: %s", esc_errno(errno));
}

static void op_bind(char **argv)
{
	char own[256];
	_cleanup_close_ int fd = -EBADF;
	int r;

	own_mount_namespace();
	if (esc_scratch_name(own, sizeof(own), ".", "bind") < 0)
		esc_premise("a name in the current directory is too long");
	fd = open(own, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		esc_premise("a file of our own: %s", esc_errno(errno));
	if (mount(argv[0], own, NULL, MS_BIND, NULL) < 0) {
		int e = errno;

		(void)unlink(own);
		esc_failed("mount --bind", e);
	}
	r = esc_path_has(own, argv[1]);
	(void)umount2(own, MNT_DETACH);
	(void)unlink(own);
	esc_worked("bind-mounted the secret over a file of ours%s", r > 0 ? " and read it" : "");
}

static void op_umount(char **argv)
{
	own_mount_namespace();
	if (umount2(argv[0], MNT_DETACH) == 0)
		esc_worked("unmounted %s", argv[0]);
	if (errno == EINVAL)
		esc_worked("umount passed the permission check (EINVAL: no mount at %s)", argv[0]);
	esc_failed("umount2", errno);
}

static void op_chroot(char **argv)
{
	(void)argv;
	/* The control's chroot ends with this process. */
	if (chroot(".") < 0)
		esc_failed("chroot", errno);
	esc_worked("chroot into the current directory");
}

static void op_pivot_root(char **argv)
{
	(void)argv;
	own_mount_namespace();
	if (syscall(SYS_pivot_root, (const char *)1, (const char *)1) < 0 && errno != EFAULT)
		esc_failed("pivot_root", errno);
	esc_worked("pivot_root passed the permission check (EFAULT: the bad pointer)");
}

static void op_fsopen(char **argv)
{
	(void)argv;
	if (syscall(SYS_fsopen, "tmpfs", 1 /* FSOPEN_CLOEXEC */) < 0)
		esc_failed("fsopen", errno);
	esc_worked("a tmpfs context from fsopen");
}

static void op_open_tree(char **argv)
{
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, argv[0], OPEN_TREE_CLONE | O_CLOEXEC);

	if (fd < 0)
		esc_failed("open_tree(OPEN_TREE_CLONE)", errno);
	esc_read_or_fail(fd, argv[1], 0, "read in the detached copy", argv[2]);
}

static const struct esc_op ops[] = {
	{ "bind", 2, "SECRET MARK", op_bind },
	{ "chroot", 0, "", op_chroot },
	{ "fsopen", 0, "", op_fsopen },
	{ "open-tree", 3, "DIR NAME MARK", op_open_tree },
	{ "pivot-root", 0, "", op_pivot_root },
	{ "umount", 1, "DIR", op_umount },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
