/* The Seatbelt backend: a profile rendered by policy_sbpl_render() (SBPL
 * text), applied to this process with sandbox_init(), then execve -- the
 * static mode of launch.h, on macOS. Compiled on Darwin only: this header
 * declares nothing elsewhere but SEATBELT_AVAILABLE, so that callers can
 * say "macOS only" where it is 0. Prefix: seatbelt_. */
#ifndef LATCH_SANDBOX_SEATBELT_H
#define LATCH_SANDBOX_SEATBELT_H

#ifdef __APPLE__
#define SEATBELT_AVAILABLE 1
#else
#define SEATBELT_AVAILABLE 0
#endif

#if SEATBELT_AVAILABLE
#include <stdbool.h>

#include "base/error.h"

struct seatbelt_launch {
	const char *sbpl;  /* the profile, "(version 1)" ... */
	const char *file;  /* resolved program path */
	char *const *argv;
	char *const *envp;
};

/* Apply l->sbpl to this process and execve. Returns only on failure: a
 * negative errno with err set (Seatbelt's own message when it refuses the
 * profile); *ret_exec_failed is set when execve itself failed. */
int seatbelt_launch_exec(const struct seatbelt_launch *l, bool *ret_exec_failed, struct error *err);
#endif

#endif
