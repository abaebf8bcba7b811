/* Evidence: the artifact index that commits a run directory, its
 * verification, and bundles (README, "Lab").
 *
 * artifact_index.json lists every other file under the directory (path
 * relative to it, size, sha256, schema version, envelope kind, format) and is
 * written last. Verification recomputes every digest, checks that each file
 * is exactly the canonical form of what it holds (keys sorted, the lab's own
 * layout) with the kind and schema version the index names, that no file is
 * missing or unlisted, and that the run is complete. Prefix: lab_evidence_. */
#ifndef LATCH_LAB_EVIDENCE_H
#define LATCH_LAB_EVIDENCE_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"

#define LAB_INDEX_FILE "artifact_index.json"
#define LAB_STATUS_FILE "run_status.json"
#define LAB_MANIFEST_FILE "run_manifest.json"

/* Write one JSON document (an envelope) into dirfd, indented with sorted
 * keys, atomically (a temporary file renamed over name). */
int lab_write_json_file(int dirfd, const char *name, const json_t *v, struct error *err);

/* Write text into dirfd as name, atomically, like lab_write_json_file(). */
int lab_write_text_file(int dirfd, const char *name, const char *text, struct error *err);

/* The canonical text of a document as the lab writes it (caller frees). */
char *lab_json_text(const json_t *v, bool pretty);

/* Read and parse the JSON document name in the run directory dir. */
int lab_read_run_file(const char *dir, const char *name, json_t **ret, struct error *err);

/* Write artifact_index.json for every regular file under dirfd (itself
 * excluded). Returns 0 or a negative errno with err set. */
int lab_evidence_index(int dirfd, const char *run_id, struct error *err);

/* Verify the directory. *ret_report is the data of an evidence_verify_report
 * ({dir, run_id, status, ok, files: [{path, ok, problem}], problems: [...]}).
 * Returns 0 when everything checks out, 1 when something differs (each
 * difference names its file), or a negative errno when out of memory. */
int lab_evidence_verify(const char *dir, json_t **ret_report);

/* Copy the run at run_dir (which must verify) into out (new, or empty) with
 * the resolved profiles from its manifest and bundle_meta.json (latch's
 * version and digest now, and the run's), then index the bundle. *ret_report
 * is the data of an evidence_bundle_report. Returns 0, 1 when the run does
 * not verify (report.problems says why), or a negative errno with err set. */
int lab_evidence_bundle(const char *run_dir, const char *out, const char *latch_path, const char *latch_sha256,
			json_t **ret_report, struct error *err);

#endif
