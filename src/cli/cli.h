/* The command-line layer: the only layer that prints to the user.
 *
 * Adding a command:
 *   1. Write src/cli/cmd-NAME.c exporting `int cmd_NAME(int argc, char **argv)`;
 *      argv[0] is the command's name. Define its usage as a USAGE_NAME macro
 *      here, used both by --help and by usage errors. Beside its getopt
 *      table, give each option a line of help (struct cli_flag), and
 *      answer --help with cli_help().
 *   2. Declare cmd_NAME below.
 *   3. Add a row to the table in main.c.
 *   4. Document it in README.md and man/latch.1 (a section `.SS "latch NAME"`
 *      naming every option), teach completions/ its operands (its options
 *      they read from --help), and test it in tests/integration/.
 *      tests/scripts/test-cli-docs.sh fails while an option lacks its help
 *      line or its place in the man page.
 */
#ifndef LATCH_CLI_CLI_H
#define LATCH_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "base/error.h"
#include "base/json-util.h"
#include "base/path-util.h"
#include "policy/policy.h"
#include "session/session.h"

/* Exit codes (documented in README.md, "Exit codes"). */
#define EXIT_DENIED 1        /* why: denied; profile check: invalid */
#define EXIT_USAGE 2         /* bad command line */
#define EXIT_EVIDENCE 3       /* evidence verify: a file differs; evidence bundle: the run does not verify;
				 log verify: a record does not check out */
#define EXIT_LATCH_FAILED 125 /* latch itself failed, or refused to start */
#define EXIT_CANNOT_EXEC 126 /* the program was found but cannot be executed */
#define EXIT_NOT_FOUND 127   /* the program was not found */

#define USAGE_RUN                                                                          \
	"usage: latch run -p PROFILE [--strict] [--dry-run] [--json] [--quiet]\n"          \
	"                 [--no-namespaces] [--allow-unmasked] [--keep-fd N]...\n"        \
	"                 [--supervise | --no-supervise] [--ask] [--approve-socket PATH]\n" \
	"                 [--approve-all] [--approve-timeout MS] [--events FILE]\n"       \
	"                 [--save-to PROFILE] [--ack-risk PROFILE]... [--no-log]\n"      \
	"                 [--learn [--learn-grant]] [--overlay]\n"                       \
	"                 [--allow-host HOST[:PORT]]... [--backend linux|seatbelt]\n"     \
	"                 [--read PATH]... [--write PATH]... [--exec PATH]...\n"          \
	"                 [--deny PATH]... [--report FILE] [--] COMMAND [ARG...]\n"
#define USAGE_WHY                                                                         \
	"usage: latch why -p PROFILE [--json] [--read|--write|--exec|--deny PATH]...\n"   \
	"                 ACCESS [TARGET]\n"                                              \
	"       latch why -p PROFILE [--json] --batch   (ACCESS [TARGET] lines on stdin)\n" \
	"  ACCESS: read|write|create|delete|truncate|exec|unix_connect PATH,\n"           \
	"          tcp_connect|tcp_bind PORT, net_connect HOST:PORT,\n"                   \
	"          connect PATH|PORT|HOST:PORT, bind PORT,\n"                             \
	"          signal, abstract_unix, ptrace, userns\n"
#define USAGE_PROFILE                                             \
	"usage: latch profile list [--json | --names]\n"          \
	"       latch profile show [--json] PROFILE\n"            \
	"       latch profile check [--json] PROFILE|FILE...\n"   \
	"       latch profile render --sbpl [--json] PROFILE\n"
#define USAGE_DOCTOR "usage: latch doctor [--json] [--verbose]\n"
#define USAGE_PROBE                                                              \
	"usage: latch probe (-p PROFILE | --no-sandbox) [--json] [OPTIONS]\n"    \
	"                   PROBE_ID [ARG...]\n"                                  \
	"       latch probe --list [--json | --names]\n"                          \
	"       latch probe PROBE_ID --help     (the probe's own arguments)\n"

#define USAGE_LAB                                                                    \
	"usage: latch lab run [--out DIR] [--ack-risk PROFILE]... [--workers N]\n"   \
	"                     [--json] PLAN\n"                                        \
	"       latch lab show [--json] [--html FILE] DIR\n"                          \
	"       latch lab check [--json] PLAN\n"                                      \
	"  PLAN: a plan file, or the name of a built-in plan (builtin)\n"
#define USAGE_MATRIX                                                                   \
	"usage: latch matrix --group NAME [--plan PLAN] [--ack-risk PROFILE]...\n"     \
	"                    [--json] [--html FILE] PROBE_ID [ARG...]\n"               \
	"  NAME: a group of the plan (the built-in plan has builtin, agents, confined)\n"
#define USAGE_EVIDENCE                                            \
	"usage: latch evidence verify [--json] DIR\n"             \
	"       latch evidence bundle --out DIR [--json] [RUN]\n" \
	"  RUN: a run directory (default: the last run in $XDG_STATE_HOME/latch/lab)\n"

#define USAGE_LOG                                                        \
	"usage: latch log list [--json]\n"                               \
	"       latch log show [--json] [ID|last]\n"                     \
	"       latch log verify [--json] ID|last\n"                     \
	"  sessions are kept in $XDG_STATE_HOME/latch/sessions\n"

#define USAGE_LEARN                                                                             \
	"usage: latch learn -p PROFILE [--save-to NAME]\n"                                       \
	"                   [--learn-grant --ack-risk PROFILE]\n"                            \
	"                   [run options] [--] COMMAND [ARG...]\n"                               \
	"       (the same as latch run --learn ...)\n"

#define USAGE_OVERLAY_ID "  ID: a session of latch run --overlay (default: the last one with an overlay)\n"
#define USAGE_DIFF "usage: latch diff [--json] [ID|last]\n" USAGE_OVERLAY_ID
#define USAGE_COMMIT "usage: latch commit [--json] [ID|last] [PATH...]\n" USAGE_OVERLAY_ID
#define USAGE_DISCARD "usage: latch discard [--json] [ID|last]\n" USAGE_OVERLAY_ID

/* One option's line in a command's --help. A command keeps a table of these
 * beside its getopt table; cli_help() walks the getopt table, so that an
 * option cannot be parsed without being listed. */
struct cli_flag {
	const char *name; /* the long name, as in the getopt table */
	const char *arg;  /* its argument, as the usage names it; NULL: none */
	const char *help; /* what it does: one line, short enough for 80 columns */
};

struct option;

/* Print a command's --help on stdout: usage, one line per option of
 * longopts in its order ("-p, --profile PROFILE  ..." where shortopts holds
 * the letter), described from flags (a name missing there is printed as
 * "(no description)", which the tests refuse), and where to read more.
 * Returns 0, the exit code. */
int cli_help(const char *usage, const char *shortopts, const struct option *longopts,
	     const struct cli_flag *flags);

int cmd_run(int argc, char **argv);

/* One `latch run`, as parsed from its command line or built by another
 * command (e.g. probe) that launches the sandbox exactly as run does. */
/* One-off rules from --read, --write, --exec and --deny (run and why). */
struct cli_rules {
	struct policy_extra_rule *v;
	size_t n;
};
#define CLI_RULE_OPTIONS                                                                              \
	{ "read", required_argument, NULL, 0x100 + POLICY_CLASS_READ },                                \
		{ "write", required_argument, NULL, 0x100 + POLICY_CLASS_WRITE },                      \
		{ "exec", required_argument, NULL, 0x100 + POLICY_CLASS_EXEC },                        \
		{ "deny", required_argument, NULL, 0x100 + POLICY_CLASS_DENY }
/* Their lines in --help (struct cli_flag). */
#define CLI_RULE_FLAGS                                                             \
	{ "read", "PATH", "a read rule, as if the profile had it (repeatable)" },    \
		{ "write", "PATH", "a write rule for PATH, likewise (repeatable)" }, \
		{ "exec", "PATH", "an exec rule for PATH, likewise (repeatable)" },  \
		{ "deny", "PATH", "a deny rule for PATH, likewise (repeatable)" }
/* Whether getopt's c is one of CLI_RULE_OPTIONS. */
#define CLI_IS_RULE_OPTION(c) ((c) >= 0x100 && (c) < 0x100 + _POLICY_CLASS_MAX)
/* Add the rule of option c with argument arg: 0, or -EINVAL / -ENOMEM
 * with err naming the flag. */
int cli_rules_add(struct cli_rules *r, int c, const char *arg, struct error *err);
void cli_rules_done(struct cli_rules *r);

struct run_request {
	const char *kind;      /* envelope kind for --json errors, e.g. "run_plan" */
	bool dry_run, json;
	bool log;              /* keep a session log (`latch run` without --no-log) */
	bool learn;            /* propose a profile from what was refused (latch learn) */
	bool learn_grant;      /* ...granting it meanwhile */
	const char *learn_save_to; /* ...saved as this profile */
	struct session_request s;
	struct cli_rules rules; /* --read, --write, ... (s.rules points here) */
	const char *report;     /* --report FILE: the run_report envelope there */
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
/* `latch log`: the session log of `latch run` (session/log.h). */
int cmd_log(int argc, char **argv);
/* `latch learn` (cmd-learn.c): `latch run --learn`. cli_run() calls the
 * rest: prepare the request (-1 to go on, else an exit code), collect the
 * supervisor's refusals, and at the end print (and save) the proposal. */
int cmd_learn(int argc, char **argv);
/* `latch diff`, `commit`, `discard` (cmd-overlay.c): a session's overlay. */
int cmd_diff(int argc, char **argv);
int cmd_commit(int argc, char **argv);
int cmd_discard(int argc, char **argv);
/* "last", or an ID of a session in dir: 0 with *ret (malloc'd), or an exit
 * code after saying why not (2 for an ID that is not there). */
int cli_session_id(bool json, const char *kind, const char *dir, const char *arg, char **ret);
struct cli_learn;
int cli_learn_prepare(const struct run_request *o, struct session_request *req);
struct cli_learn *cli_learn_new(const struct session_plan *s);
void cli_learn_add(struct cli_learn *cl, const struct sup_refusal *r);
int cli_learn_finish(const struct run_request *o, struct cli_learn *cl, const struct session_env *env);
void cli_learn_free(struct cli_learn *cl);

/* Print "latch: <message>" on stderr, and with json an error envelope of the
 * given kind on stdout. Returns code, so callers can `return cli_fail(...)`. */
int cli_fail(bool json, const char *kind, int code, const char *fmt, ...) _printf_(4, 5);

/* Print a usage error: "latch CMD: <message>" and the usage text. Returns 2. */
int cli_usage_error(const char *usage, const char *fmt, ...) _printf_(2, 3);

/* Write an envelope to stdout; returns exit_code, or 125 when stdout failed. */
int cli_print_envelope(const char *kind, json_t *data, const struct json_result *res, int exit_code);

/* A command with subcommands: argv[1] must be one of subs (NULL-terminated),
 * or --help, answered by help(). Returns -1 to go on with *ret_sub set, or an
 * exit code (help's, or 2 after a usage error naming the command). */
int cli_subcommand(int argc, char **argv, const char *name, const char *const *subs, const char *usage,
		   int (*help)(void), const char **ret_sub);

/* Parse the options of a command that takes only --json and --help (whose
 * help lists those two). Returns -1 to go on (optind then indexes the first
 * operand), or an exit code. */
int cli_parse_json_flag(int argc, char **argv, const char *name, const char *usage, bool *ret_json);

/* Check a path argument: valid UTF-8 and not longer than the kernel takes. */
int cli_check_path_arg(const char *what, const char *arg, struct error *err);

/* --json is on the command line (before a "--"): usage errors are then
 * error envelopes on stdout too (kind "usage_error"). Set by main(). */
extern bool cli_json_asked;


#endif
