/* Masks: denied paths inside allowed directories, hidden in a private mount
 * namespace before Landlock is applied. Landlock cannot take a path away
 * from an allowed directory; a mount over it can, at no per-syscall cost.
 *
 *   directory  -> an empty read-only tmpfs
 *   other file -> an empty read-only regular file bound over it
 *   protected  -> the path bound over itself read-only (code that runs
 *                 later: readable, not writable), and every directory
 *                 between it and the writable directory it lies in bound
 *                 over itself: a mount point cannot be renamed or removed,
 *                 so none of them can be moved away and replaced
 *
 * An allowed path inside a masked directory (deny ~/.ssh, read
 * ~/.ssh/known_hosts) is bound back into the mask, so the mask hides exactly
 * what the policy denies. A denied path that does not exist cannot be masked
 * (the mount needs a place): mask_plan records it as unmaskable.
 *
 * Landlock rights still flow into a restored path from the allowed directory
 * above the mask, so a restore is mounted read-only unless the policy grants
 * writing there, and noexec unless it grants executing. What mount flags
 * cannot express (a create-only restore under a directory that grants
 * delete) is recorded as unenforceable, and the run refuses it. */
#ifndef LATCH_SANDBOX_MOUNTS_H
#define LATCH_SANDBOX_MOUNTS_H

#include <jansson.h>
#include <stdbool.h>

#include "sandbox/landlock.h"

enum mask_kind {
	MASK_DIR,     /* an empty read-only tmpfs over a denied directory */
	MASK_FILE,    /* an empty read-only file over a denied non-directory */
	MASK_RESTORE, /* an allowed path inside a mask, bound back */
	MASK_PROTECT, /* a protected path bound over itself read-only */
	MASK_PIN,     /* a directory above a protected path, bound over itself */
	_MASK_KIND_MAX,
};

struct mask_op {
	enum mask_kind kind;
	char *path;
	const struct policy_rule *rule; /* the deny rule masked, or the allow rule restored */
	bool is_dir;                    /* MASK_RESTORE: what to recreate as a mount point */
	unsigned long flags;            /* MASK_RESTORE: MS_RDONLY/MS_NOEXEC for what is not granted */
};

struct mask_plan {
	struct mask_op *ops; /* in the order they are applied: shallowest first */
	size_t n_ops;
	char **unmaskable;   /* denied paths inside allowed directories that do not exist */
	char **unprotected;  /* protected paths inside writable directories that do not exist */
	char **unenforceable; /* one line per restore that mount flags cannot make exact */
};

/* Plan masks for the plan's conflicts (deny inside allow). Reads the file
 * system (lstat) to know what exists. Returns 0 or -ENOMEM. */
int mask_plan_build(const struct policy *p, const struct landlock_plan *ll, struct mask_plan **ret);

/* In the child, inside a fresh mount namespace that is already private:
 * apply every op. Returns 0 or a negative errno naming the path in err. */
int mask_apply(const struct mask_plan *m, struct error *err);

struct mask_plan *mask_plan_free(struct mask_plan *m);

/* An overlay over a writable directory (latch run --overlay): the
 * program's writes, removals and renames there land in upper, and the
 * directory itself stays as it was. */
struct overlay_layer {
	const char *dir;    /* the directory mounted over (the lower layer) */
	const char *upper;  /* where the changes land */
	const char *work;   /* overlayfs's own, on upper's file system */
};

/* Whether a path can be named in overlayfs's options (no ',', ':', '\\'
 * nor '=' in it, which the options would take for their own). */
bool overlay_path_ok(const char *path);

/* In the child, inside a fresh private mount namespace, before the masks:
 * mount each layer (user.* extended attributes, as an unprivileged mount
 * must, so that whoever reads the upper directory later finds them), and
 * move the working directory onto the overlay when it lies in one.
 * Returns 0 or a negative errno naming the directory in err. */
int overlay_mount(const struct overlay_layer *layers, size_t n, struct error *err);

json_t *mask_plan_to_json(const struct mask_plan *m);

/* Make the mount point for a bind inside a (still writable) tmpfs, a mask
 * or a private directory: the directories above it, then the directory or
 * empty file itself. Returns 0 or a negative errno. */
int mask_mount_point(const char *path, bool is_dir);

#endif
