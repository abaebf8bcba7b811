#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"

static int error_vset(struct error *err, int code, const char *fmt, va_list ap)
{
	if (code < 0)
		code = -code;
	if (code == 0)
		code = EINVAL;
	if (err) {
		err->code = code;
		(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return -code;
}

int error_set(struct error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (err && err->code != 0)
		return -err->code;
	va_start(ap, fmt);
	r = error_vset(err, code, fmt, ap);
	va_end(ap);
	return r;
}

int error_reset(struct error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(err, code, fmt, ap);
	va_end(ap);
	return r;
}

int error_prefix(struct error *err, const char *fmt, ...)
{
	char prefix[ERROR_MSG_MAX], old[ERROR_MSG_MAX];
	va_list ap;

	if (!err)
		return -EINVAL;
	va_start(ap, fmt);
	(void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	(void)snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	if (err->code == 0)
		err->code = EINVAL;
	return -err->code;
}
