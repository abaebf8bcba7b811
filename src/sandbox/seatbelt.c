/* The Seatbelt backend (seatbelt.h). Darwin only: elsewhere this file
 * compiles to nothing. Not built or run by `make check`, which runs on
 * Linux: what is tested there is the rendering (tests/unit/test-sbpl.c). */
#ifdef __APPLE__
#include <sandbox.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/seatbelt.h"

/* sandbox_init() with flags 0 takes the profile as SBPL text. It is marked
 * deprecated, and is still what sandbox-exec itself calls. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
static int apply(const char *sbpl, struct error *err)
{
	char *msg = NULL;
	int r;

	if (sandbox_init(sbpl, 0, &msg) == 0)
		return 0;
	r = error_set(err, EINVAL, "seatbelt: the profile was refused: %s", msg ? msg : "no reason given");
	sandbox_free_error(msg);
	return r;
}
#pragma clang diagnostic pop

int seatbelt_launch_exec(const struct seatbelt_launch *l, bool *ret_exec_failed, struct error *err)
{
	int r;

	*ret_exec_failed = false;
	r = apply(l->sbpl, err);
	if (r < 0)
		return r;
	(void)execve(l->file, l->argv, l->envp);
	*ret_exec_failed = true;
	return error_set(err, errno, "cannot execute '%s': %s", l->file, strerror(errno));
}
#endif
