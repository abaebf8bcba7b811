/* A resolved policy rendered to macOS Seatbelt (SBPL), for sandbox-exec and
 * sandbox_init. Pure: text in memory, nothing applied (src/sandbox/seatbelt.c
 * applies it, on Darwin only).
 *
 * Seatbelt applies, for each operation, the last rule that matches it;
 * policy_decide() takes the most specific rule, deny first at equal depth.
 * The rules are sorted for policy_decide() (deepest first; at equal depth
 * deny, allow, protect), so they are rendered in the reverse order: the
 * last Seatbelt rule that matches is the first policy_decide() meets. Each
 * rule matches exactly the paths its latch rule speaks about:
 *
 *   the path itself (read, write, truncate, exec)   (subpath R); list: (literal R)
 *   creating or removing an entry                   (regex "^R/"): strictly below R,
 *     decided on the directory that holds it          scratch: "^R/[^/]+$", right in R
 *   connecting to a Unix socket                     (remote unix-socket (path-regex "^R(/|$)"))
 *
 * and a last rule refuses creating and removing each deny or protect rule's
 * path and every directory above it, as policy_decide() does before
 * anything else. What Seatbelt cannot express is listed in notes, never
 * dropped silently. Prefix: policy_sbpl_. */
#ifndef LATCH_POLICY_SBPL_H
#define LATCH_POLICY_SBPL_H

#include <stddef.h>

#include "base/error.h"
#include "policy/policy.h"

/* What a Seatbelt rule names besides its operations. */
enum policy_sbpl_target {
	POLICY_SBPL_PATH,       /* the path itself */
	POLICY_SBPL_ENTRY,      /* an entry created or removed, decided on its directory */
	POLICY_SBPL_UNIX,       /* (remote unix-socket ...) */
	POLICY_SBPL_TCP_REMOTE, /* (remote tcp "*:PORT") */
	POLICY_SBPL_TCP_LOCAL,  /* (local tcp "*:PORT") */
	POLICY_SBPL_PROCESS,    /* another process: (target ...) */
	POLICY_SBPL_NONE,       /* no Seatbelt operation: nothing is rendered */
	_POLICY_SBPL_TARGET_MAX,
};

/* One row of the mapping: a latch access, the Seatbelt operation it asks,
 * and the operations a rule that grants it allows. */
struct policy_sbpl_op {
	const char *operation; /* e.g. "file-read-data"; NULL: none */
	const char *grants;    /* space separated, e.g. "file-read* file-map-executable" */
	enum policy_sbpl_target target;
};

/* The row for access a (never NULL for a valid access). The renderer and
 * the test's evaluator both read this one table. */
const struct policy_sbpl_op *policy_sbpl_op(enum policy_access a);

/* Something of the profile that Seatbelt cannot express. */
struct policy_sbpl_note {
	char *key;  /* the profile key: "filesystem.private", "supervise", ... */
	char *rule; /* the rule's label, or NULL */
	char *path; /* the rule's path, or NULL */
	char *text; /* one line, for people */
};

struct policy_sbpl {
	char *text;                     /* the profile, "(version 1)" ... */
	struct policy_sbpl_note *notes; /* the rules' (in precedence order), then the rest */
	size_t n_notes;
};

/* Section headers of the rendered text (";;; NAME: ..."), in order. The
 * evaluator in the tests tells system allowances from rules by them. */
#define POLICY_SBPL_SECTION_NOTES "not expressible"
#define POLICY_SBPL_SECTION_SYSTEM "system"
#define POLICY_SBPL_SECTION_PROCESS "process"
#define POLICY_SBPL_SECTION_NETWORK "network"
#define POLICY_SBPL_SECTION_FILESYSTEM "filesystem"
#define POLICY_SBPL_SECTION_KEEP "create and delete"

/* Render p. Rules of class private are left out (reported): Seatbelt has
 * no directory of the sandbox's own, as latch's static mode has none.
 * Returns 0, -ENOMEM, or -EINVAL when a path holds a control character
 * (err names the rule). ret is untouched on failure. */
int policy_sbpl_render(const struct policy *p, struct policy_sbpl *ret, struct error *err);

/* Free what policy_sbpl_render() made; s may be zeroed. */
void policy_sbpl_done(struct policy_sbpl *s);

#endif
