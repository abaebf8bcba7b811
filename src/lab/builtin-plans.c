/* The plans shipped in plans/, embedded into latch so that `latch lab run
 * builtin` works from an installed binary and from any directory (the
 * integration tests run as a uid that may not read the checkout). The
 * Makefile makes this object depend on the files; the unit tests check that
 * the embedded bytes equal plans/ in the checkout. */
#include <stddef.h>
#include <string.h>

#include "lab/plan.h"

/* .incbin is relative to the directory the compiler runs in: the top of the
 * checkout, where make runs. */
#define EMBED(sym, file)                                                   \
	__asm__(".section .rodata\n"                                       \
		".balign 16\n"                                             \
		".globl " #sym "\n" #sym ":\n"                             \
		".incbin \"" file "\"\n"                                   \
		".globl " #sym "_end\n" #sym "_end:\n"                     \
		".byte 0\n"                                                \
		".previous\n")

extern const char lab_plan_builtin[], lab_plan_builtin_end[];
EMBED(lab_plan_builtin, "plans/builtin.json");

static const struct {
	const char *name;
	const char *start, *end;
} plans[] = {
	{ "builtin", lab_plan_builtin, lab_plan_builtin_end },
};

const char *const lab_builtin_plan_names[] = { "builtin", NULL };

const char *lab_builtin_plan(const char *name, size_t *ret_len)
{
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++)
		if (strcmp(plans[i].name, name) == 0) {
			*ret_len = (size_t)(plans[i].end - plans[i].start);
			return plans[i].start;
		}
	return NULL;
}
