#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"

/* src into dst as one line: each control character (a newline, an escape
 * sequence from a file latch was given) written as \n, \t, \r or \xNN.
 * What is written is never changed by doing it again. */
static void one_line(char *dst, size_t size, const char *src)
{
	size_t o = 0;

	for (const unsigned char *c = (const unsigned char *)src; *c && o + 1 < size; c++) {
		char seq[5];
		int n;

		if (*c >= 0x20 && *c != 0x7f) {
			dst[o++] = (char)*c;
			continue;
		}
		if (*c == '\n' || *c == '\t' || *c == '\r')
			n = snprintf(seq, sizeof(seq), "\\%c", *c == '\n' ? 'n' : *c == '\t' ? 't' : 'r');
		else
			n = snprintf(seq, sizeof(seq), "\\x%02x", *c);
		if (o + (size_t)n + 1 > size)
			break;
		memcpy(dst + o, seq, (size_t)n);
		o += (size_t)n;
	}
	dst[o] = '\0';
}

static int error_vset(struct error *err, int code, const char *fmt, va_list ap)
{
	char msg[ERROR_MSG_MAX];

	if (code < 0)
		code = -code;
	if (code == 0)
		code = EINVAL;
	if (err) {
		err->code = code;
		(void)vsnprintf(msg, sizeof(msg), fmt, ap);
		one_line(err->msg, sizeof(err->msg), msg);
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
	memcpy(old, err->msg, sizeof(old));
	one_line(err->msg, sizeof(err->msg), old);
	if (err->code == 0)
		err->code = EINVAL;
	return -err->code;
}
