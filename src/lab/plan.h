/* Lab plans: which probes to run under which profiles, parsed and validated
 * before anything runs (README, "Lab"). A plan is one JSON object:
 *
 *   {"schema_version": 1, "plan_id": "builtin", "description": "...",
 *    "profiles": ["minimal", ...],            default profiles of a row
 *    "groups": {"builtin": ["minimal", ...]}, named profile lists (matrix, rows)
 *    "rows": [{"row_id": "fs-read", "probe_id": "fs_op",
 *              "args": ["--op", "open_read"],
 *              "profiles": [...] | "group": "NAME",
 *              "expected": {"*": "denied", "agent": ["ok"]},
 *              "setup": {"fixture": {"path_class": "cwd", "path": "x", "kind": "file"},
 *                        "listen": {"tcp_port": 443}},
 *              "ack_risk": ["my-profile"], "description": "..."}]}
 *
 * Every key is checked; an error names the file, the line where known, the
 * row and the key. Arguments are parsed by the probe catalog's own parser,
 * with ${FIXTURE} (the row's fixture, absolute) and ${LAB_PID} (the lab
 * process: a process outside every sandbox) substituted. Prefix: lab_plan_. */
#ifndef LATCH_LAB_PLAN_H
#define LATCH_LAB_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/hash.h"
#include "base/macro.h"

#define LAB_SCHEMA_VERSION 1
#define LAB_PLAN_FILE_MAX (4 << 20) /* bytes */
#define LAB_ROWS_MAX 2048
#define LAB_ROW_PROFILES_MAX 64
#define LAB_ROW_ARGS_MAX 32
#define LAB_ID_MAX 64               /* plan_id, row_id, group names */

/* What a fixture holds; the lab creates it before the row and removes it
 * afterwards (only what it created). */
enum lab_fixture_kind {
	LAB_FIXTURE_FILE,          /* a small text file, mode 0644 */
	LAB_FIXTURE_EXECUTABLE,    /* "#!/bin/sh" and exit 0, mode 0755 */
	LAB_FIXTURE_SHARED_OBJECT, /* an ELF header of type ET_DYN, mode 0644: enough for the dlopen probe */
	_LAB_FIXTURE_KIND_MAX,
};

struct lab_setup {
	bool fixture;
	enum lab_fixture_kind fixture_kind;
	char *fixture_class;       /* home, cwd, tmp or credentials */
	char *fixture_rel;         /* relative, no ".." */
	long listen_tcp_port;      /* a loopback listener on this port; -1: none */
};

/* The outcomes a plan expects under one profile ("*": any profile). */
struct lab_expect {
	char *profile;
	unsigned outcomes;         /* bit (1u << enum probe_outcome) */
};

struct lab_row {
	char *row_id;
	char *probe_id;
	char *description;
	char **args;               /* as written, ${...} unsubstituted */
	char **profiles;           /* profile names or paths, in order */
	struct lab_expect *expect;
	size_t n_expect;
	char **ack_risk;           /* tier-2 profiles this row may run */
	struct lab_setup setup;
	int line;                  /* of the row_id in the file, 0: unknown */
};

struct lab_group {
	char *name;
	char **profiles;
};

struct lab_plan {
	char *plan_id;
	char *description;
	char *source;              /* the file, or "builtin:NAME" */
	char sha256[SHA256_HEX_SIZE]; /* of the exact bytes read */
	size_t size;
	struct lab_row *rows;
	size_t n_rows;
	struct lab_group *groups;
	size_t n_groups;
	char **profiles;           /* every profile some row names, in order of first use */
};

/* Parse and validate a plan held in memory; label names it in errors.
 * Returns 0 or -EINVAL/-ENOMEM with err set. */
int lab_plan_parse(const char *buf, size_t len, const char *label, struct lab_plan **ret, struct error *err);

/* Load a plan by path (anything with a '/' or ending in ".json") or by the
 * name of a built-in plan (plans/ embedded at build time). */
int lab_plan_load(const char *spec, struct lab_plan **ret, struct error *err);

struct lab_plan *lab_plan_free(struct lab_plan *p);
DEFINE_CLEANUP(struct lab_plan, lab_plan_free);

/* A group's profiles; NULL if the plan defines no such group. */
char **lab_plan_group(const struct lab_plan *p, const char *name);

/* The row's arguments with ${FIXTURE} and ${LAB_PID} replaced (fixture may
 * be NULL when the row has none). Returns 0 or -ENOMEM/-EINVAL with err. */
int lab_row_expand_args(const struct lab_row *row, const char *fixture, long lab_pid, char ***ret, struct error *err);

/* Whether outcome o is what the row expects under profile (true when the
 * row expects nothing there); *ret_has says whether it expects anything. */
bool lab_row_expects(const struct lab_row *row, const char *profile, int o, bool *ret_has);

/* A built-in plan's bytes, or NULL. */
const char *lab_builtin_plan(const char *name, size_t *ret_len);

/* The names of the built-in plans, NULL-terminated. */
extern const char *const lab_builtin_plan_names[];

const char *lab_fixture_kind_name(enum lab_fixture_kind k);

#endif
