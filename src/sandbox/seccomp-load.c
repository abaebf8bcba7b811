/* Loading the embedded seccomp programs (see seccomp.h). Kept apart from
 * seccomp.c because the generator that produces the programs links
 * seccomp.c itself. */
#include <linux/seccomp.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/seccomp.h"

int sfilter_apply(const struct sfilter_plan *plan, struct error *err)
{
	const struct sfilter_program *p;
	struct sock_fprog prog;

	if (!plan)
		return error_set(err, EINVAL, "no seccomp plan");
	p = &sfilter_programs[sfilter_plan_index(plan)];
	if (!p->filter || p->len == 0)
		return error_set(err, EINVAL, "no embedded seccomp program for this plan");
	prog.len = p->len;
	/* The kernel only reads the program; the cast drops const for the uapi. */
	prog.filter = (struct sock_filter *)p->filter;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		if (errno == EACCES)
			return error_set(err, EACCES, "unable to load the seccomp filter: no_new_privs is not set");
		return error_set(err, errno, "unable to load the seccomp filter: %s", strerror(errno));
	}
	return 0;
}
