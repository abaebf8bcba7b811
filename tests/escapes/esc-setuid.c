/* Privilege through the file system: executing a setuid program, and
 * leaving a setuid or setgid file (or a file capability) behind, which
 * runs later with its owner's rights -- as root, root's. Files are made in
 * the current directory and removed.
 *
 *   exec PROGRAM      execute PROGRAM (a setuid-root program of the system,
 *                     with --help so that it exits at once) as uid 65534
 *                     (root drops to it first) and read its effective uid
 *                     from /proc while it is a zombie
 *   chmod             chmod(04755) a file of ours
 *   fchmod            fchmod(04755)
 *   fchmodat          fchmodat(02755): setgid
 *   open              open(O_CREAT, 04755)
 *   mknod             mknod(S_IFREG | 04755)
 *   fcaps             setxattr("security.capability"): cap_setuid on a file */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <grp.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "esc.h"

static char file[256];

static void make_file(void)
{
	int fd;

	if (esc_scratch_name(file, sizeof(file), ".", "setuid") < 0)
		esc_premise("a name in the current directory is too long");
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (fd < 0)
		esc_premise("a file of our own: %s", esc_errno(errno));
	(void)close(fd);
}

/* After a call that may have set BIT: report by what the file shows. */
static _noreturn_ void check_bit(int r, const char *step, mode_t bit)
{
	struct stat st;
	int e = errno;

	if (stat(file, &st) == 0 && (st.st_mode & bit)) {
		(void)unlink(file);
		esc_worked("%s left a file with mode %04o", step, (unsigned)(st.st_mode & 07777));
	}
	(void)unlink(file);
	if (r < 0)
		esc_failed(step, e);
	esc_nothing("%s succeeded, but the bit was not set (mode %04o)", step, (unsigned)(st.st_mode & 07777));
}

static void op_chmod(char **argv)
{
	(void)argv;
	make_file();
	check_bit(chmod(file, 04755), "chmod 4755", S_ISUID);
}

static void op_fchmod(char **argv)
{
	int fd, r;

	(void)argv;
	make_file();
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		esc_premise("open our file: %s", esc_errno(errno));
	r = fchmod(fd, 04755);
	check_bit(r, "fchmod 4755", S_ISUID);
}

static void op_fchmodat(char **argv)
{
	(void)argv;
	make_file();
	check_bit(fchmodat(AT_FDCWD, file, 02755, 0), "fchmodat 2755", S_ISGID);
}

static void op_open(char **argv)
{
	int fd;

	(void)argv;
	if (esc_scratch_name(file, sizeof(file), ".", "setuid") < 0)
		esc_premise("a name in the current directory is too long");
	(void)umask(0);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 04755);
	check_bit(fd, "open(O_CREAT, 04755)", S_ISUID);
}

static void op_mknod(char **argv)
{
	(void)argv;
	if (esc_scratch_name(file, sizeof(file), ".", "setuid") < 0)
		esc_premise("a name in the current directory is too long");
	(void)umask(0);
	check_bit(mknod(file, S_IFREG | 04755, 0), "mknod(S_IFREG | 04755)", S_ISUID);
}

static void op_fcaps(char **argv)
{
	struct vfs_cap_data cap = { .magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE };
	int r, e;

	(void)argv;
	cap.data[0].permitted = 1u << CAP_SETUID;
	make_file();
	r = setxattr(file, "security.capability", &cap, XATTR_CAPS_SZ_2, 0);
	e = errno;
	(void)unlink(file);
	if (r < 0)
		esc_failed("setxattr security.capability", e);
	esc_worked("a file with cap_setuid");
}

static void op_exec(char **argv)
{
	char path[64], line[256];
	siginfo_t si;
	unsigned ruid = 0, euid = 0;
	pid_t pid;
	FILE *f;

	(void)fflush(NULL);
	pid = fork();
	if (pid < 0)
		esc_premise("fork: %s", esc_errno(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (getuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
				      setresuid(65534, 65534, 65534) < 0))
			_exit(126);
		if (null >= 0) {
			(void)dup2(null, 0);
			(void)dup2(null, 1);
			(void)dup2(null, 2);
		}
		execl(argv[0], argv[0], "--help", (char *)NULL);
		_exit(127);
	}
	/* Wait for the exit but leave the zombie, whose /proc/PID/status
	 * still shows the credentials it ran with. */
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0)
		esc_premise("waitid: %s", esc_errno(errno));
	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %u %u", &ruid, &euid) == 2)
			break;
	if (f)
		(void)fclose(f);
	(void)waitpid(pid, NULL, 0);
	if (si.si_code == CLD_EXITED && si.si_status == 126)
		esc_premise("cannot become uid 65534 first");
	if (si.si_code == CLD_EXITED && si.si_status == 127)
		esc_failed("execute it", EACCES);
	if (!ruid)
		esc_premise("cannot read the program's uids from %s", path);
	if (euid != ruid)
		esc_worked("%s ran with effective uid %u (real %u)", argv[0], euid, ruid);
	esc_nothing("%s ran with effective uid %u, its caller's", argv[0], euid);
}

static const struct esc_op ops[] = {
	{ "chmod", 0, "", op_chmod },
	{ "exec", 1, "PROGRAM", op_exec },
	{ "fcaps", 0, "", op_fcaps },
	{ "fchmod", 0, "", op_fchmod },
	{ "fchmodat", 0, "", op_fchmodat },
	{ "mknod", 0, "", op_mknod },
	{ "open", 0, "", op_open },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
