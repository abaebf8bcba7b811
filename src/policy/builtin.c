#include <string.h>

#include "policy/policy.h"

const struct policy_builtin *policy_builtin_find(const char *kind, const char *name)
{
	for (size_t i = 0; i < policy_n_builtins; i++)
		if (strcmp(policy_builtins[i].kind, kind) == 0 && strcmp(policy_builtins[i].name, name) == 0)
			return &policy_builtins[i];
	return NULL;
}
