/* Small macros shared by every layer: cleanup by scope, ownership transfer,
 * array sizes, bit masks. Modelled on the systemd idiom; see shared STYLE.md. */
#ifndef LATCH_BASE_MACRO_H
#define LATCH_BASE_MACRO_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
/* A one-bit mask; a (the bit number) is below 32. */
#ifndef BIT
#define BIT(a) (1u << (a))
#endif
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* Hand ownership on: returns the value and leaves the variable empty so the
 * cleanup handler of the old owner does nothing. */
#define TAKE_PTR(p)                           \
	({                                    \
		__typeof__(p) _tp = (p);      \
		(p) = NULL;                   \
		_tp;                          \
	})
#define TAKE_FD(fd)                           \
	({                                    \
		int _tf = (fd);               \
		(fd) = -EBADF;                \
		_tf;                          \
	})

/* Declare a cleanup helper for a type with a destructor that accepts NULL. */
#define DEFINE_CLEANUP(type, func)                    \
	static inline void func##p(type **p)          \
	{                                             \
		func(*p);                             \
	}                                             \
	struct __useless_struct_to_allow_semicolon

/* qsort() of n elements, which may be none: base may then be NULL, which
 * qsort() itself may not be given (UBSan refuses it). qsort() is banned
 * (banned.h) in favour of this. */
static inline void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		(qsort)(base, n, size, cmp);
}

#include "base/banned.h"

#endif
