/* NULL-terminated vectors of owned strings. */
#ifndef LATCH_BASE_STRV_H
#define LATCH_BASE_STRV_H

#include <stdbool.h>
#include <stddef.h>

#include "base/macro.h"

size_t strv_length(char *const *v);

/* Append a copy of s. Returns 0 or -ENOMEM; on failure *v is unchanged. */
int strv_push(char ***v, const char *s);

/* Append s itself (ownership is taken, also on failure, when s is freed). */
int strv_consume(char ***v, char *s);

/* Append a formatted string. Returns 0 or -ENOMEM (*v unchanged). */
int strv_pushf(char ***v, const char *fmt, ...) _printf_(2, 3);

bool strv_contains(char *const *v, const char *s);
/* The vector as one shell command line, each word quoted where a shell
 * would read it otherwise; caller frees. NULL when out of memory. */
char *strv_shell_join(char *const *v);

/* Free every string and the vector; accepts NULL. Returns NULL. */
char **strv_free(char **v);

DEFINE_CLEANUP(char *, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

#endif
