/* The probe catalog: one table of probes, each with a table of arguments.
 * A probe is dispatched by its identifier, never by running an arbitrary
 * program, so a failure is always interpretable.
 *
 * Adding a probe:
 *   1. Write its run function in src/probe/probe-FAMILY.c (declared in
 *      probes.h): it performs one operation and fills a struct probe_result.
 *   2. Add a row to `catalog` in catalog.c (sorted by id) with its arguments
 *      and what it asks (enum probe_asks), from which the lab's oracle
 *      predicts its outcome; a new kind of question is a new value there
 *      and a case in src/lab/oracle.c.
 *   3. Test it in tests/integration/test-probe*.sh: unsandboxed, under
 *      minimal and under agent, the outcome asserted; document it in the
 *      README's "Probes" section. */
#ifndef LATCH_PROBE_CATALOG_H
#define LATCH_PROBE_CATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* Every argument any probe takes, parsed from `--name value`. Unset strings
 * are NULL, unset numbers -1. */
struct probe_request {
	const char *op;
	const char *path;
	const char *path_class;
	const char *to;
	const char *host;
	const char *target;
	const char *name;
	const char *scenario;
	const char *signal;
	long port;
	long pid;
	long fd;
	bool allow_unsafe_path;
};

enum probe_arg_kind {
	PROBE_ARG_STRING, /* free text, UTF-8, at most LATCH_PATH_MAX - 1 bytes */
	PROBE_ARG_CHOICE, /* one of choices */
	PROBE_ARG_PORT,   /* 0..65535 */
	PROBE_ARG_PID,    /* 1..INT_MAX */
	PROBE_ARG_FD,     /* 0..1048576 */
	PROBE_ARG_FLAG,   /* no value */
	_PROBE_ARG_KIND_MAX,
};

struct probe_arg {
	const char *name;            /* "--op" */
	enum probe_arg_kind kind;
	size_t offset;               /* of the field in struct probe_request */
	const char *metavar;         /* "PATH", "OP"; NULL for flags */
	const char *(*choice_at)(size_t i); /* PROBE_ARG_CHOICE: the i-th choice, NULL past the end */
	bool required;
	const char *help;
};

struct probe_ctx;
struct probe_result;

/* Where a probe needs the runner's help before it starts. */
enum probe_needs {
	PROBE_NEEDS_HARNESS = 1u << 0,   /* a harness directory with fixtures */
	PROBE_NEEDS_LISTENERS = 1u << 1, /* loopback TCP/UDP, unix and abstract listeners */
};

/* What a probe's operation asks the decision engine or the seccomp plan:
 * how the lab's oracle predicts it without running it. */
enum probe_asks {
	PROBE_ASKS_NOTHING,    /* it reports, it asks for no access */
	PROBE_ASKS_FS_OP,      /* per --op, as probe_fs_op_asks() tells */
	PROBE_ASKS_NET_OP,     /* per --op: a TCP port, an abstract socket, /etc/hosts... */
	PROBE_ASKS_SIGNAL,     /* signalling, when --target is outside the sandbox */
	PROBE_ASKS_PROC_INFO,  /* reading /proc/PID/..., ptrace */
	PROBE_ASKS_SYSCTL,     /* reading /proc/sys/NAME */
	PROBE_ASKS_EXEC,       /* executing --path */
	PROBE_ASKS_MEMFD_EXEC, /* executing a memfd, beneath no rule */
	PROBE_ASKS_DLOPEN,     /* reading --path, then mapping it executable */
	PROBE_ASKS_INHERIT,    /* per --scenario: reading the file, or nothing */
	PROBE_ASKS_SECCOMP,    /* the row of the seccomp plan named by seccomp_syscall, seccomp_when */
	_PROBE_ASKS_MAX,
};

struct probe_def {
	const char *id;
	const char *family;  /* identity, filesystem, network, process, execution, kernel, inherit */
	const char *summary;
	const struct probe_arg *args; /* terminated by a row with name NULL */
	unsigned needs;      /* enum probe_needs */
	/* Rules across arguments (e.g. --to with rename); NULL: none.
	 * Returns 0 or -EINVAL with err set. */
	int (*check)(const struct probe_request *req, struct error *err);
	void (*run)(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res);
	enum probe_asks asks;
	/* PROBE_ASKS_SECCOMP: the system call the plan refuses, and a word of
	 * the argument rule it refuses it by (NULL: refused outright). */
	const char *seccomp_syscall, *seccomp_when;
};

extern const struct probe_def probe_catalog[];
extern const size_t probe_catalog_size;

/* What fs_op asks for one --op, from the probe's own table of operations. */
struct probe_fs_asks {
	const char *path, *to; /* default names inside the harness; to: NULL unless the op takes --to */
	int access, access_to; /* enum policy_access asked on path and on to; -1: none */
	bool landlock;         /* Landlock checks the operation at all */
	bool follow;           /* a symlink in the last component is followed */
};

/* Fill ret for fs_op's --op name: 0, or -EINVAL when there is no such op. */
int probe_fs_op_asks(const char *name, struct probe_fs_asks *ret);

/* The places --path-class names, as the runner passes them to a probe. */
struct probe_places {
	const char *harness; /* the harness directory; NULL: none */
	const char *cwd, *home, *tmp;
};

/* Resolve --path/--path-class/--to into an absolute path (see README,
 * "Probes"): no path and no class: default_name inside the harness; a class:
 * its directory; an absolute path: itself; a relative path: inside the class
 * directory, or the harness when no class is given. Returns 0 or -EINVAL
 * with err set; *ret is owned by the caller. No system call: the probe and
 * the lab's oracle name the same path alike. */
int probe_place_path(const struct probe_places *w, const char *path, const char *klass, const char *default_name,
		     char **ret, struct error *err);

/* The probe with this id; NULL if none. */
const struct probe_def *probe_find(const char *id);

/* Parse a probe's arguments (argv[0] is the first argument, not the id).
 * Returns 0, 1 when --help was asked for, or -EINVAL with err naming the
 * argument. ret is reset first. */
int probe_parse(const struct probe_def *def, int argc, char **argv, struct probe_request *ret, struct error *err);

/* A decimal number in [min, max] into *ret (untouched on failure): 0 or
 * -EINVAL. For every numeric option of probes and of the runner. */
int probe_parse_long(const char *s, long min, long max, long *ret);

/* The probe's usage text ("usage: latch probe fs_op --op OP ..." and one
 * line per argument); caller frees. NULL when out of memory. */
char *probe_usage(const struct probe_def *def);

/* The whole catalog as JSON: {"probes": [{id, family, summary, usage, args:
 * [{name, value, choices, required, help}]}], "outcomes": [{name, rc,
 * measured, meaning}], "layers": [...]}. NULL when out of memory. */
json_t *probe_catalog_json(void);

#endif
