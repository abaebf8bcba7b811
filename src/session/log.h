/* The session log (README, "Session log"): every `latch run` leaves a record
 * of itself in DIR/ID/ (DIR: $XDG_STATE_HOME/latch/sessions), so that what
 * happened can be read, and checked, after the run.
 *
 *   DIR/ID/log.jsonl   one record per line:
 *                      {"data":…,"prev":"<sha256>","record":"<type>","seq":N}
 *   DIR/ID/head.json   {"records":N,"session":"ID","sha256":"<sha256>"}
 *
 * `prev` is the SHA-256 of the previous record's line (its bytes and the
 * newline); the first record's is the SHA-256 of the session ID. head.json
 * holds the digest of the last line and the count, so that editing,
 * removing or adding any record (the last one too) breaks the chain.
 * Records: session (the command, the profile, where and when), plan (as
 * --dry-run prints it), event (a sandbox_event envelope, as --events
 * writes it), exec (pid, parent, argv, program), audit (a Landlock denial
 * the kernel's audit log recorded), supervisor (its summary), proxy (its
 * summary, network.mode proxy), overlay (what --overlay kept), exit.
 *
 * Writing is buffered: the supervisor's events are copied into memory and
 * written, hashed, in batches (SESSION_LOG_BATCH) and at the end; the head
 * is rewritten in place after each batch. A session holds an exclusive
 * flock on its log.jsonl while it runs, so that pruning passes it by.
 * Prefix: session_log_. */
#ifndef LATCH_SESSION_LOG_H
#define LATCH_SESSION_LOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"
#include "supervise/supervise.h"

#define SESSION_LOG_FILE "log.jsonl"
#define SESSION_LOG_HEAD "head.json"
#define SESSION_LOG_CAP (16ull << 20)     /* bytes of one session's records; events and execs beyond are counted */
#define SESSION_LOG_DIR_CAP (256ull << 20) /* bytes of all sessions' logs */
#define SESSION_LOG_DIR_MAX 200            /* sessions kept */
#define SESSION_LOG_BATCH (1u << 20)       /* bytes buffered before they are written */
#define SESSION_LOG_AUDIT_MAX 1000         /* audit records kept per session */
#define SESSION_ID_MAX 48

/* ---- writing ------------------------------------------------------------------ */

struct session_log;

/* What the first record says. */
struct session_log_start {
	char *const *argv;    /* the command */
	const char *profile;  /* as given (-p) */
	const char *cwd;
};

/* Make dir (0700, with its parents) if needed, remove the oldest sessions
 * there until fewer than SESSION_LOG_DIR_MAX remain and the rest leaves
 * room for one more of SESSION_LOG_CAP within SESSION_LOG_DIR_CAP
 * (running sessions, which hold their lock, are left), create dir/ID/ and
 * write the session record. Returns 0 with *ret set, or a negative errno
 * with err saying what could not be done where. */
int session_log_open(const char *dir, const struct session_log_start *st, struct session_log **ret,
		     struct error *err);

/* This session's ID (e.g. 20261204T142530.123-4242) and directory. */
const char *session_log_id(const struct session_log *l);
const char *session_log_path(const struct session_log *l);

/* Append a record of this type; data (taken, may be NULL for {}) is
 * dumped with sorted keys. Events and execs past SESSION_LOG_CAP are
 * counted, not stored. */
void session_log_record(struct session_log *l, const char *type, json_t *data);

/* Write what is buffered now (before the program starts, so that a run
 * that never returns has its plan on disk). */
void session_log_flush(struct session_log *l);

/* sup_config.on_event and on_exec, with observer_data the log: quick,
 * called on the supervisor's thread. */
bool session_log_on_event(const char *line, size_t len, void *data);
bool session_log_on_exec(const struct sup_exec *ex, void *data);

/* How many events and execs were stored, and not stored (over the cap). */
void session_log_counts(const struct session_log *l, json_t *into);
/* What the supervisor counted: the events it no longer handed over once
 * the log was full, and every denial (stored or not). */
void session_log_add_counted(struct session_log *l, unsigned long long events_dropped,
			     unsigned long long execs_dropped, unsigned long long denied);

/* Write the rest and the head, release the lock and free l (NULL: nothing).
 * Returns 0, or a negative errno with err set when some record could not
 * be written (the log then ends early, and verifies up to there). */
int session_log_close(struct session_log *l, struct error *err);

/* ---- what session_run() records (run-log.c) -------------------------------------- */

struct session_request;
struct session_hooks;
struct session_plan;
struct session_result;

/* Open the log of this run into s->log when the request asks for one.
 * Returns 1 to go on (logged, or not: a warning says why), 0 when the run
 * must not start (--strict: res says why). */
int session_log_begin(const struct session_request *o, const struct session_hooks *h, struct session_plan *s,
		      struct session_result *res);
/* The sandbox has started (launch.started): open the log if it is not
 * open yet (a warning says why it cannot be), and record the plan that
 * runs, as --dry-run prints it; written at once, while the sandbox sets
 * itself up. */
void session_log_started(const struct session_request *o, const struct session_hooks *h, struct session_plan *s,
			 pid_t child);
/* Before each launch: where the kernel's audit log is read, ask Landlock
 * to log the program's denials (LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON). */
void session_log_arm(struct session_plan *s);
/* The supervisor's observers, into cfg: the log's, and the caller's
 * refusals (hooks->refused). */
void session_log_observe(const struct session_plan *s, const struct session_hooks *h, struct sup_config *cfg);
/* The supervisor's summary. */
void session_log_supervisor(const struct session_plan *s, const struct sup_summary *sum);
struct net_summary;
/* The proxy's summary (network.mode proxy): its connections one by one
 * go to --events, from the proxy's own process. */
void session_log_proxy(const struct session_plan *s, const struct net_summary *sum);
/* The exit record; the log is closed (a failure to write it is a warning). */
void session_log_end(const struct session_request *o, const struct session_hooks *h, struct session_plan *s,
		     const struct session_result *res);

/* ---- reading ------------------------------------------------------------------ */

struct policy_ctx;

/* $XDG_STATE_HOME/latch/sessions of ctx (malloc'd), or NULL when there is
 * no $XDG_STATE_HOME nor $HOME. */
char *session_log_dir(const struct policy_ctx *ctx);

/* Whether name has the form of a session ID. */
bool session_log_id_valid(const char *name);

/* The session IDs in dir, oldest first (NULL-terminated, caller frees with
 * strv_free); an empty vector when dir does not exist. Returns 0 or a
 * negative errno. */
int session_log_ids(const char *dir, char ***ret);

/* Read and check dir/id: every record's form, order and chain, and the
 * head. Returns 0 when it verifies, 1 when it does not (*ret_problem says
 * the first thing wrong, naming the record), a negative errno when it
 * cannot be read (err). *ret_records (may be NULL) gets the records read,
 * as parsed, up to the first bad one. */
int session_log_verify(const char *dir, const char *id, json_t **ret_records, char **ret_problem,
		       struct error *err);

/* What a session's first and last records say, for `latch log list`,
 * without checking the chain: {session, argv, profile, cwd,
 * started_unix_ms, exit (the exit record's data, or null while it runs or
 * when it was cut short)}. Returns 0, or a negative errno with err set. */
int session_log_peek(const char *dir, const char *id, json_t **ret, struct error *err);

/* The view `latch log show` prints, from the records of a session (as
 * session_log_verify returned them, and its problem or NULL): session,
 * verified, problem, argv, profile, cwd, started_unix_ms, mode,
 * supervise, plans, exit, supervisor, overlay, events, denials (grouped by path,
 * most first: path, source (supervisor, kernel_audit), count, accesses,
 * syscalls, programs, rule, errno, why: the `latch why` commands), execs
 * (each exec record with its depth in the tree; an execve that failed on
 * its own is left out). */
json_t *session_log_view(const char *id, const json_t *records, const char *problem);

#endif
