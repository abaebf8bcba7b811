/* The host's clock. These calls are never made for real without a
 * sandbox: the control only checks the premise -- that this process holds
 * CAP_SYS_TIME, in its effective and bounding sets -- and says so
 * (`possible ... checked, not performed`). In attack they are made, each
 * chosen to change nothing should it ever succeed:
 *
 *   adjtime       clock_adjtime(CLOCK_REALTIME, ADJ_SETOFFSET of 0 s)
 *   adjtimex      adjtimex(ADJ_SETOFFSET of 0 s)
 *   settime       clock_settime(CLOCK_REALTIME) to the time just read
 *                 (a step back of the microseconds in between)
 *   rtc           open /dev/rtc0 for writing (where RTC_SET_TIME would
 *                 follow; it is not made) */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "esc.h"

/* The control's premise: CAP_SYS_TIME effective and in the bounding set. */
static _noreturn_ void premise(const char *what)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		esc_premise("capget: %s", esc_errno(errno));
	if (!(d[0].effective & (1u << CAP_SYS_TIME)))
		esc_premise("CAP_SYS_TIME is not effective here");
	if (prctl(PR_CAPBSET_READ, CAP_SYS_TIME, 0, 0, 0) != 1)
		esc_premise("CAP_SYS_TIME is not in the bounding set here");
	esc_worked("CAP_SYS_TIME is effective and in the bounding set: %s would work (checked, not performed)", what);
}

static void op_adjtime(char **argv)
{
	struct timex tx = { .modes = ADJ_SETOFFSET };

	(void)argv;
	if (esc_mode == ESC_CONTROL)
		premise("clock_adjtime");
	if (syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx) < 0)
		esc_failed("clock_adjtime(ADJ_SETOFFSET)", errno);
	esc_worked("clock_adjtime(ADJ_SETOFFSET) was accepted (by 0 s)");
}

static void op_adjtimex(char **argv)
{
	struct timex tx = { .modes = ADJ_SETOFFSET };

	(void)argv;
	if (esc_mode == ESC_CONTROL)
		premise("adjtimex");
	if (adjtimex(&tx) < 0)
		esc_failed("adjtimex(ADJ_SETOFFSET)", errno);
	esc_worked("adjtimex(ADJ_SETOFFSET) was accepted (by 0 s)");
}

static void op_settime(char **argv)
{
	struct timespec now;

	(void)argv;
	if (esc_mode == ESC_CONTROL)
		premise("clock_settime");
	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		esc_premise("clock_gettime: %s", esc_errno(errno));
	if (clock_settime(CLOCK_REALTIME, &now) < 0)
		esc_failed("clock_settime", errno);
	esc_worked("clock_settime was accepted");
}

static void op_rtc(char **argv)
{
	(void)argv;
	if (access("/dev/rtc0", F_OK) < 0 && esc_mode == ESC_CONTROL)
		esc_unsupported("no /dev/rtc0 here");
	if (esc_mode == ESC_CONTROL)
		premise("opening /dev/rtc0 to set it");
	if (open("/dev/rtc0", O_RDWR | O_CLOEXEC) < 0)
		esc_failed("open /dev/rtc0", errno);
	esc_worked("opened /dev/rtc0 for writing");
}

static const struct esc_op ops[] = {
	{ "adjtime", 0, "", op_adjtime },
	{ "adjtimex", 0, "", op_adjtimex },
	{ "rtc", 0, "", op_rtc },
	{ "settime", 0, "", op_settime },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
