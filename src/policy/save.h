/* Saving grants into a user profile: the one place where the policy layer
 * writes a file. A grant answered "always" under the supervisor becomes
 * rules in a profile of the user's (a new one extending the running
 * profile, or the same one again on a later run), so that the next run
 * allows it without asking. Prefix: policy_save_. */
#ifndef LATCH_POLICY_SAVE_H
#define LATCH_POLICY_SAVE_H

#include <stddef.h>

#include "base/error.h"
#include "policy/policy.h"

/* One access granted at run time: a path, or a host. */
struct policy_grant {
	const char *path; /* absolute and resolved, as the supervisor decided it; NULL for a host */
	unsigned acc;     /* bits of (1u << enum policy_access) */
	/* "example.org:443" (IPv6 in brackets): an entry of network.hosts,
	 * and network.mode proxy; NULL for a path. */
	const char *host;
};

/* Add rules for grants (see policy_grant_rules(): the narrowest classes,
 * creating and deleting on the parent; a host to network.hosts, with
 * network.mode proxy) to the profile dir/NAME.json.
 *
 * dir is the user's profile directory (normally
 * $XDG_CONFIG_HOME/latch/profiles), created mode 0700 with its parents when
 * missing. name must pass policy_name_valid(). A profile already there is
 * merged into: its keys, extends and rules are kept and a rule it has
 * already is not added twice. A new one gets a description, the name, and
 * `extends` unless that is NULL (an existing one keeps its own).
 *
 * The file is written atomically: a temporary file in dir (removed on any
 * failure), fsync, mode 0644, rename. Keys are sorted, two-space indent, a
 * final newline.
 *
 * Returns 0 with *ret_file (if not NULL) the file written, owned by the
 * caller; or a negative errno with err set and nothing changed: -EINVAL for
 * a bad name or an existing file that is not a regular file of at most
 * POLICY_FILE_MAX bytes holding a JSON object, -EILSEQ for a path that is
 * not UTF-8 (a profile is UTF-8). */
int policy_save_grants(const char *dir, const char *name, const char *extends, const struct policy_grant *grants,
		       size_t n_grants, char **ret_file, struct error *err);

/* One rule as a profile says it: its class and its path, variables and a
 * trailing '/' as written ("$HOME/.npm/"). */
struct policy_saved_rule {
	enum policy_class klass;
	const char *pattern;
};

/* Add rules to the profile dir/NAME.json as policy_save_grants() does
 * (merged into one already there, each rule once, written atomically; a
 * new one gets description and extends). *ret_added (may be NULL): how
 * many were not there yet. */
int policy_save_rules(const char *dir, const char *name, const char *extends, const char *description,
		      const struct policy_saved_rule *rules, size_t n_rules, size_t *ret_added, char **ret_file,
		      struct error *err);

#endif
