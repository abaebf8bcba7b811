/* Links and renames into and out of a denied directory, made in the
 * current directory (the project, which the sandbox may write):
 *
 *   symlink SECRET MARK      a symlink to the secret, then read through it
 *   symlink-dir SECRET MARK  a symlink to the secret's directory, then
 *                            read DIR-LINK/NAME
 *   hardlink SECRET MARK     a hard link to the secret, then read it
 *   rename-out SECRET MARK   move the secret here, read it (and put it back)
 *   rename-in SECRET MARK    move a file of ours into the secret's directory
 *                            (planting, e.g. authorized_keys), and take it out
 *                            again
 *   rename-dir SECRET MARK   move the secret's whole directory here, read the
 *                            secret in it (and put it back) */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "esc.h"

static char link_name[PATH_MAX];

static void remove_link(void)
{
	(void)unlink(link_name);
}

static void make_name(const char *tag)
{
	if (esc_scratch_name(link_name, sizeof(link_name), ".", tag) < 0)
		esc_premise("a name in the current directory is too long");
}

/* Read PATH, which goes through our link, remove the link, and report. */
static _noreturn_ void read_through(const char *path, const char *mark, const char *step)
{
	int r = esc_path_has(path, mark);

	remove_link();
	esc_read_verdict(r, step);
}

static void op_symlink(char **argv)
{
	make_name("symlink");
	if (symlink(argv[0], link_name) < 0)
		esc_premise("symlink in the current directory: %s", esc_errno(errno));
	read_through(link_name, argv[1], "open through a symlink to it");
}

static void op_symlink_dir(char **argv)
{
	char dir[PATH_MAX], name[PATH_MAX], path[PATH_MAX * 2];

	(void)snprintf(dir, sizeof(dir), "%s", argv[0]);
	(void)snprintf(name, sizeof(name), "%s", argv[0]);
	make_name("symlink-dir");
	if (symlink(dirname(dir), link_name) < 0)
		esc_premise("symlink in the current directory: %s", esc_errno(errno));
	(void)snprintf(path, sizeof(path), "%s/%s", link_name, basename(name));
	read_through(path, argv[1], "open through a symlink to its directory");
}

static void op_hardlink(char **argv)
{
	make_name("hardlink");
	if (link(argv[0], link_name) < 0)
		esc_failed("link", errno);
	read_through(link_name, argv[1], "a hard link to it here");
}

static void op_rename_out(char **argv)
{
	int r;

	make_name("rename-out");
	if (rename(argv[0], link_name) < 0)
		esc_failed("rename the secret here", errno);
	r = esc_path_has(link_name, argv[1]);
	if (rename(link_name, argv[0]) < 0)
		esc_premise("moved the secret here but cannot put it back: %s", esc_errno(errno));
	if (r < 0)
		esc_failed("read the moved secret", -r);
	esc_worked("moved the secret out of its directory%s", r ? " and read it" : "");
}

static void op_rename_in(char **argv)
{
	char dir[PATH_MAX], planted[PATH_MAX * 2];
	_cleanup_close_ int fd = -EBADF;

	(void)snprintf(dir, sizeof(dir), "%s", argv[0]);
	(void)snprintf(planted, sizeof(planted), "%s/authorized_keys.esc-%d", dirname(dir), (int)getpid());
	make_name("rename-in");
	fd = open(link_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "ssh-ed25519 AAAA planted\n", 25) != 25)
		esc_premise("a file of our own in the current directory: %s", esc_errno(errno));
	if (rename(link_name, planted) < 0) {
		int e = errno;

		remove_link();
		esc_failed("rename into the secret's directory", e);
	}
	if (rename(planted, link_name) == 0)
		remove_link();
	else
		(void)unlink(planted);
	esc_worked("planted a file in the secret's directory");
}

static void op_rename_dir(char **argv)
{
	char dir[PATH_MAX], name[PATH_MAX], moved[PATH_MAX * 2];
	int r;

	(void)snprintf(dir, sizeof(dir), "%s", argv[0]);
	(void)snprintf(name, sizeof(name), "%s", argv[0]);
	make_name("rename-dir");
	if (rename(dirname(dir), link_name) < 0)
		esc_failed("rename the secret's directory here", errno);
	(void)snprintf(moved, sizeof(moved), "%s/%s", link_name, basename(name));
	r = esc_path_has(moved, argv[1]);
	if (rename(link_name, dir) < 0)
		esc_premise("moved the directory here but cannot put it back: %s", esc_errno(errno));
	if (r < 0)
		esc_failed("read the secret in the moved directory", -r);
	esc_worked("moved the secret's directory away%s", r ? " and read the secret" : "");
}

static const struct esc_op ops[] = {
	{ "hardlink", 2, "SECRET MARK", op_hardlink },
	{ "rename-dir", 2, "SECRET MARK", op_rename_dir },
	{ "rename-in", 2, "SECRET MARK", op_rename_in },
	{ "rename-out", 2, "SECRET MARK", op_rename_out },
	{ "symlink", 2, "SECRET MARK", op_symlink },
	{ "symlink-dir", 2, "SECRET MARK", op_symlink_dir },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
