/* A lab run and its directory (README, "Lab"):
 *
 *   OUT/<run-id>/run_status.json    in_progress, then complete or failed
 *   OUT/<run-id>/run_manifest.json  plan id and sha256, latch's version and
 *                                   sha256, kernel, Landlock ABI, features
 *                                   used and degraded, uid, user namespaces,
 *                                   profiles (resolved), start and end
 *   OUT/<run-id>/results.jsonl      one lab_result per row x lane (x profile)
 *   OUT/<run-id>/mismatches.jsonl   one lab_mismatch per disagreement
 *   OUT/<run-id>/summary.json       counts and the matrix
 *   OUT/<run-id>/summary.md         the same for people
 *   OUT/<run-id>/artifact_index.json  path, size, sha256 and schema version
 *                                   of every other file: written last, the
 *                                   commit barrier
 *   OUT/LATEST                      a symlink to the last finished run
 *
 * Prefix: lab_. */
#ifndef LATCH_LAB_RUN_H
#define LATCH_LAB_RUN_H

#include <jansson.h>
#include <stdbool.h>

#include "lab/lab.h"
#include "sandbox/features.h"

#define LAB_RUN_ID_MAX 128

/* Counts and the matrix, gathered row by row. */
struct lab_tally {
	json_t *rows;                      /* summary rows, in plan order */
	char **profiles;                   /* every profile, in order of first use */
	long reasons[_LAB_REASON_MAX];
	json_t *kernel_limits;             /* id -> count */
	json_t *baseline, *sandboxed, *oracle; /* outcome -> count */
	long cells, skipped, failing;
};

int lab_tally_init(struct lab_tally *t);
void lab_tally_add(struct lab_tally *t, const struct lab_row_result *r);
void lab_tally_done(struct lab_tally *t);

/* The data of a lab_summary envelope (report.h renders it). host: the
 * manifest's facts to repeat (kernel, abi, uid, ...), stolen. */
json_t *lab_tally_to_json(const struct lab_tally *t, const char *run_id, const char *plan_id, const char *status,
			  json_t *host);

/* The facts about this host a summary repeats in its header: kernel,
 * Landlock ABI as applied, uid, user namespaces, latch's version and
 * sha256, the plan's sha256, start and end (Unix ms). */
json_t *lab_host_json(const struct lab_env *env, const struct kernel_features *kf, const char *plan_sha256,
		      long long started, long long ended);

struct lab_run_result {
	char run_id[LAB_RUN_ID_MAX];
	char *run_dir;                     /* absolute */
	long failing;                      /* enforcement_gap + over_enforcement */
	bool complete;
	json_t *summary;                   /* the lab_summary envelope */
};

/* Run every row of plan and write the run directory under out_dir (created
 * if needed). Returns 0 once the run directory is committed (complete, or
 * failed with its status saying why), or a negative errno with err set when
 * nothing could be written. */
int lab_run(const struct lab_env *env, const struct lab_plan *plan, const char *out_dir, struct lab_run_result *ret,
	    struct error *err);

void lab_run_result_done(struct lab_run_result *r);

#endif
