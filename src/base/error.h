/* struct error: what a lower layer hands up so that the CLI can print one
 * clear line. Lower layers never print; they fill an error and return the
 * negative errno. */
#ifndef LATCH_BASE_ERROR_H
#define LATCH_BASE_ERROR_H

#include "base/macro.h"

#define ERROR_MSG_MAX 1024

struct error {
	int code;                 /* positive errno, 0 when no error was set */
	char msg[ERROR_MSG_MAX];  /* one line, no trailing full stop or newline */
};

/* Record an error (if err is not NULL) and return -code, so that callers can
 * write `return error_set(err, EINVAL, "unknown key '%s'", key);`. A message
 * already set is kept: the innermost error is the most precise one. */
int error_set(struct error *err, int code, const char *fmt, ...) _printf_(3, 4);

/* Like error_set, but replaces any message already set. */
int error_reset(struct error *err, int code, const char *fmt, ...) _printf_(3, 4);

/* Prefix an already set message with context: "file 'x': <old message>". */
int error_prefix(struct error *err, const char *fmt, ...) _printf_(2, 3);

#endif
