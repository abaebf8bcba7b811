#include <fnmatch.h>
#include <string.h>

#include "base/strv.h"
#include "sandbox/env.h"

static bool matches_any(char *const *globs, const char *name)
{
	for (size_t i = 0; globs && globs[i]; i++)
		if (fnmatch(globs[i], name, 0) == 0)
			return true;
	return false;
}

static int set_one(char ***env, const char *entry)
{
	size_t nlen = strcspn(entry, "=");

	for (size_t i = 0; *env && (*env)[i]; i++)
		if (strncmp((*env)[i], entry, nlen) == 0 && (*env)[i][nlen] == '=') {
			char *dup = strdup(entry);

			if (!dup)
				return -ENOMEM;
			free((*env)[i]);
			(*env)[i] = dup;
			return 0;
		}
	return strv_push(env, entry);
}

int env_build(const struct policy_env_rules *rules, char *const *environ_in, char ***ret)
{
	_cleanup_strv_free_ char **env = calloc(1, sizeof(char *));

	if (!env)
		return -ENOMEM;
	for (size_t i = 0; environ_in && environ_in[i]; i++) {
		const char *e = environ_in[i];
		size_t nlen = strcspn(e, "=");
		char name[256];

		/* Malformed entries and absurd names are not passed on. */
		if (e[nlen] != '=' || nlen == 0 || nlen >= sizeof(name))
			continue;
		memcpy(name, e, nlen);
		name[nlen] = '\0';
		if (rules->keep && !matches_any(rules->keep, name))
			continue;
		if (matches_any(rules->drop, name))
			continue;
		if (set_one(&env, e) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; rules->set && rules->set[i]; i++)
		if (set_one(&env, rules->set[i]) < 0)
			return -ENOMEM;
	*ret = TAKE_PTR(env);
	return 0;
}
