/* Typing into the terminal the sandbox shares with the user's shell: what
 * is pushed into its input is read by the shell after the program ends.
 * Run with the terminal on standard input (try-op pty-run, a
 * pseudo-terminal of the test's own).
 *
 *   tiocsti          ioctl(0, TIOCSTI, "#"): one character into the input
 *   tiocsti-hibits   the same request with junk in the upper 32 bits,
 *                    which the kernel ignores (it reads an unsigned int)
 *   tioclinux        ioctl(0, TIOCLINUX, TIOCL_GETSHIFTSTATE): harmless
 *                    itself, but the request of TIOCL_PASTESEL; on a
 *                    pseudo-terminal the driver answers ENOTTY, which
 *                    shows the call reached it (a virtual console would
 *                    act) */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "esc.h"

#define TIOCL_GETSHIFTSTATE 6

static void need_terminal(void)
{
	if (!isatty(0))
		esc_premise("standard input is not a terminal");
}

static void sti(unsigned long request)
{
	char c = '#';

	need_terminal();
	if (syscall(SYS_ioctl, 0, request, &c) < 0)
		esc_failed("TIOCSTI", errno);
	esc_worked("pushed a character into the terminal's input");
}

static void op_tiocsti(char **argv)
{
	(void)argv;
	sti(TIOCSTI);
}

static void op_tiocsti_hibits(char **argv)
{
	(void)argv;
	sti(0x100000000UL | TIOCSTI);
}

static void op_tioclinux(char **argv)
{
	char sub = TIOCL_GETSHIFTSTATE;

	(void)argv;
	need_terminal();
	if (ioctl(0, TIOCLINUX, &sub) == 0)
		esc_worked("TIOCLINUX answered (a virtual console)");
	if (errno == ENOTTY || errno == EINVAL)
		esc_worked("TIOCLINUX reached the terminal driver (%s: not a virtual console)", esc_errno(errno));
	esc_failed("TIOCLINUX", errno);
}

static const struct esc_op ops[] = {
	{ "tiocsti", 0, "", op_tiocsti },
	{ "tiocsti-hibits", 0, "", op_tiocsti_hibits },
	{ "tioclinux", 0, "", op_tioclinux },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
