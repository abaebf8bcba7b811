/* The write overlay of a session (README, "Review and commit"): `latch run
 * --overlay` mounts the directories the profile writes as overlays in the
 * sandbox's mount namespace, so that the program's writes, removals and
 * renames land in DIR/ID/overlay/N/upper (DIR: the session log's
 * directory) and the directories themselves stay as they were. Afterwards
 * the changes are read from the upper directories (overlayfs's own form:
 * a whiteout, a character device 0/0, for a removal; user.overlay.opaque
 * for a directory that replaced one), reviewed (diff), applied to the real
 * directories (commit: each file atomically, refused when the real file
 * changed since the run ended), or dropped (discard).
 *
 *   DIR/ID/overlay/layers.json   [{dir, upper, work}]: what was mounted
 *   DIR/ID/overlay/base.json     each changed path's real state when the
 *                                run ended: what commit checks against
 *
 * Prefix: session_overlay_. */
#ifndef LATCH_SESSION_OVERLAY_H
#define LATCH_SESSION_OVERLAY_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "sandbox/mounts.h"

/* Make session_dir/overlay/N/{upper,work} for each of dirs and fill
 * *ret_layers (strings owned; free with session_overlay_layers_free) and
 * write layers.json. Returns 0 or a negative errno with err set. */
int session_overlay_prepare(const char *session_dir, char *const *dirs, struct overlay_layer **ret_layers,
			    size_t *ret_n, struct error *err);
void session_overlay_layers_free(struct overlay_layer *layers, size_t n);

/* The changes in session_dir's overlays, as an array of {dir (the real
 * directory), path (absolute, in it), rel, change ("added", "changed",
 * "deleted"), type ("file", "dir", "symlink", "other")}, sorted by path.
 * An empty array when the session has no overlay. Returns 0, or a
 * negative errno with err set. */
int session_overlay_changes(const char *session_dir, json_t **ret, struct error *err);

/* After the run: record each changed path's real state (base.json), for
 * commit to find what changed since. Returns 0 or a negative errno. */
int session_overlay_snapshot(const char *session_dir, struct error *err);

/* A unified diff of the real file and its changed copy (either may be
 * NULL: added, deleted) into f, labelled with path; "Binary files differ"
 * for what is not text, "(too large to show)" past a bound. */
void session_overlay_print_diff(FILE *f, const char *path, const char *real, const char *changed);

/* Apply the changes whose path lies in one of paths (NULL: all) to the
 * real directories: each file by a rename over it, directories made or
 * removed, and each applied change taken out of the overlay. Nothing is
 * applied when a real path changed since the run ended: *ret_conflicts
 * (a vector, caller frees) names them, and 1 is returned. Returns 0, 1,
 * or a negative errno with err set (what was applied until then stays
 * applied). *ret_applied: how many. */
int session_overlay_commit(const char *session_dir, char *const *paths, size_t *ret_applied, char ***ret_conflicts,
			   struct error *err);

/* Drop the session's overlay: its changes, its work directories.
 * Returns 0 or a negative errno with err set. */
int session_overlay_discard(const char *session_dir, struct error *err);

#endif
