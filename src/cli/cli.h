/* The command-line layer: the only layer that prints to the user.
 *
 * Adding a command:
 *   1. Write src/cli/cmd-NAME.c exporting `int cmd_NAME(int argc, char **argv)`;
 *      argv[0] is the command's name. Define its usage as a USAGE_NAME macro
 *      here, used both by --help and by usage errors.
 *   2. Declare cmd_NAME below.
 *   3. Add a row to the table in main.c.
 *   4. Document it in README.md and man/latch.1, and test it in
 *      tests/integration/.
 */
#ifndef LATCH_CLI_CLI_H
#define LATCH_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "base/error.h"
#include "base/json-util.h"
#include "base/path-util.h"
#include "policy/policy.h"

/* Exit codes (documented in README.md, "Exit codes"). */
#define EXIT_DENIED 1        /* why: denied; profile check: invalid */
#define EXIT_USAGE 2         /* bad command line */
#define EXIT_EVIDENCE 3       /* evidence verify: a file differs; evidence bundle: the run does not verify */
#define EXIT_LATCH_FAILED 125 /* latch itself failed, or refused to start */
#define EXIT_CANNOT_EXEC 126 /* the program was found but cannot be executed */
#define EXIT_NOT_FOUND 127   /* the program was not found */

#define USAGE_RUN                                                                          \
	"usage: latch run -p PROFILE [--strict] [--dry-run] [--json] [--quiet]\n"          \
	"                 [--no-namespaces] [--allow-unmasked] [--keep-fd N]...\n"        \
	"                 [--supervise | --no-supervise] [--ask] [--approve-socket PATH]\n" \
	"                 [--approve-all] [--approve-timeout MS] [--events FILE]\n"       \
	"                 [--save-to PROFILE] [--ack-risk PROFILE]... [--] COMMAND [ARG...]\n"
#define USAGE_WHY                                                                           \
	"usage: latch why -p PROFILE [--json] ACCESS [TARGET]\n"                            \
	"       latch why -p PROFILE [--json] --batch    (ACCESS [TARGET] per line on stdin)\n" \
	"  ACCESS: read|write|create|delete|truncate|exec PATH, tcp_connect|tcp_bind PORT,\n" \
	"          signal, abstract_unix, ptrace\n"
#define USAGE_PROFILE                                              \
	"usage: latch profile list [--json]\n"                     \
	"       latch profile show [--json] PROFILE\n"             \
	"       latch profile check [--json] PROFILE|FILE...\n"
#define USAGE_DOCTOR "usage: latch doctor [--json]\n"
#define USAGE_PROBE                                                                                     \
	"usage: latch probe (-p PROFILE | --no-sandbox) [--json] [OPTIONS] PROBE_ID [ARG...]\n"          \
	"       latch probe --list [--json]\n"                                                           \
	"       latch probe PROBE_ID --help\n"                                                           \
	"  OPTIONS: --supervise, --wait-fifo PATH | --wait-exists PATH, --wait-timeout-ms N,\n"         \
	"           --hold-open SECONDS,\n"                                                             \
	"           --attach-report PATH|stdout|stderr, --timeout-ms N, --plan-id ID, --row-id ID,\n"    \
	"           --correlation-id ID, --expected-outcome OUTCOME, --ack-risk PROFILE,\n"              \
	"           --events FILE (the supervisor's events; implies --supervise)\n"

#define USAGE_LAB                                                                                \
	"usage: latch lab run [--out DIR] [--ack-risk PROFILE]... [--workers N] [--json] PLAN\n" \
	"       latch lab show [--json] [--html FILE] DIR\n"                                     \
	"       latch lab check [--json] PLAN\n"                                                 \
	"  PLAN: a plan file, or the name of a built-in plan (builtin)\n"
#define USAGE_MATRIX                                                                                      \
	"usage: latch matrix --group NAME [--plan PLAN] [--ack-risk PROFILE]... [--json] [--html FILE]\n" \
	"                    PROBE_ID [ARG...]\n"                                                         \
	"  NAME: a group of the plan (default: the built-in plan: builtin, agents, confined)\n"
#define USAGE_EVIDENCE                                            \
	"usage: latch evidence verify [--json] DIR\n"             \
	"       latch evidence bundle --out DIR [--json] [RUN]\n" \
	"  RUN: a run directory (default: the last run in $XDG_STATE_HOME/latch/lab)\n"

int cmd_run(int argc, char **argv);

#define KEEP_FDS_MAX 64

/* Supervision as asked on the command line; zero: as the profile says. */
enum run_supervise {
	RUN_SUPERVISE_PROFILE, /* the profile's supervise.mode */
	RUN_SUPERVISE_OFF,     /* --no-supervise */
	RUN_SUPERVISE_ON,      /* --supervise (or --events, --approve-*): at least deny */
	RUN_SUPERVISE_ASK,     /* --ask */
};

/* One `latch run`, as parsed from its command line or built by another
 * command (e.g. probe) that launches the sandbox exactly as run does. */
struct run_request {
	const char *kind;      /* envelope kind for --json errors, e.g. "run_plan" */
	const char *profile;
	bool strict, dry_run, json, quiet;
	bool no_namespaces;    /* static mode, on request */
	enum run_supervise supervise; /* what the flags say about supervision */
	const char *approve_socket; /* socket backend at this path */
	bool approve_all;      /* the allow backend: grant what the profile denies */
	const char *events;    /* JSON-lines events to this file */
	const char *save_to;   /* allow_always answers into this new profile */
	unsigned approve_timeout_ms; /* 0: the default */
	char **ack_risk;       /* --ack-risk NAME: tier-2 profiles that may run */
	bool allow_unmasked;   /* accept deny rules that can be neither masked nor enforced */
	int keep_fds[KEEP_FDS_MAX];
	size_t n_keep_fds;
	char **argv;           /* the command */
	/* Absolute paths that are added to the policy as exec rules, with this
	 * origin (e.g. latch's own binary for probes); NULL: none. */
	char **extra_exec;
	const char *extra_exec_origin;
};

/* Load, compile, check, apply and exec, as `latch run` does. Returns only on
 * failure or for --dry-run, with the exit code to use. */
int cli_run(const struct run_request *req);
int cmd_why(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
/* `latch probe` and its hidden probe process `latch __probe-exec`. */
int cmd_probe(int argc, char **argv);
int cmd_probe_exec(int argc, char **argv);
/* The lab (src/lab): `latch lab`, `latch matrix`, `latch evidence`. */
int cmd_lab(int argc, char **argv);
int cmd_matrix(int argc, char **argv);
int cmd_evidence(int argc, char **argv);

/* Variables and lookup rules for loading profiles in this environment. */
struct cli_env {
	struct policy_var vars[16];
	struct policy_ctx ctx;
	char *storage[16]; /* owned values */
	size_t n_storage;
	char user_dir[4096];
	struct path_cache resolve_cache; /* one load's lstat answers */
};

/* Fill env from the process environment. Never fails: a variable that cannot
 * be determined is "known but unset", an error only if a profile uses it. */
void cli_env_init(struct cli_env *env);
void cli_env_done(struct cli_env *env);

/* Print "latch: <message>" on stderr, and with json an error envelope of the
 * given kind on stdout. Returns code, so callers can `return cli_fail(...)`. */
int cli_fail(bool json, const char *kind, int code, const char *fmt, ...) _printf_(4, 5);

/* Print a usage error: "latch CMD: <message>" and the usage text. Returns 2. */
int cli_usage_error(const char *usage, const char *fmt, ...) _printf_(2, 3);

/* Write an envelope to stdout; returns exit_code, or 125 when stdout failed. */
int cli_print_envelope(const char *kind, json_t *data, const struct json_result *res, int exit_code);

/* A command with subcommands: argv[1] must be one of subs (NULL-terminated),
 * or --help. Returns -1 to go on with *ret_sub set, or an exit code (0 after
 * printing the usage, 2 after a usage error naming the command). */
int cli_subcommand(int argc, char **argv, const char *name, const char *const *subs, const char *usage,
		   const char **ret_sub);

/* Parse the options of a command that takes only --json and --help. Returns
 * -1 to go on (optind then indexes the first operand), or an exit code. */
int cli_parse_json_flag(int argc, char **argv, const char *name, const char *usage, bool *ret_json);

/* The Landlock ABI to compile for: the kernel's, or lower when the
 * environment variable LATCH_LANDLOCK_ABI caps it (for testing what an older
 * kernel would lose; it can only lower). Negative errno when unavailable;
 * -EINVAL with err set when the variable is malformed. */
int cli_landlock_abi(struct error *err);

/* Check a path argument: valid UTF-8 and not longer than the kernel takes. */
int cli_check_path_arg(const char *what, const char *arg, struct error *err);

#endif
