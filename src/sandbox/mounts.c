/* Masks (see mounts.h). Applied in the sandbox's own mount namespace, by the
 * first process inside it, before anything is restricted. */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "sandbox/mounts.h"

#define MASK_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static const char *const kind_names[_MASK_KIND_MAX] = {
	[MASK_DIR] = "tmpfs",
	[MASK_FILE] = "empty_file",
	[MASK_RESTORE] = "restore",
	[MASK_PROTECT] = "read_only",
	[MASK_PIN] = "pin",
};

static int push_op_at(struct mask_plan *m, enum mask_kind kind, const struct policy_rule *rule, bool is_dir,
		      const char *path)
{
	struct mask_op *n = realloc(m->ops, (m->n_ops + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	m->ops = n;
	n[m->n_ops] = (struct mask_op){ .kind = kind, .rule = rule, .is_dir = is_dir, .path = strdup(path) };
	if (!n[m->n_ops].path)
		return -ENOMEM;
	m->n_ops++;
	return 0;
}

static int push_op(struct mask_plan *m, enum mask_kind kind, const struct policy_rule *rule, bool is_dir)
{
	return push_op_at(m, kind, rule, is_dir, rule->path);
}

/* Pin the directories between protected path d and the deepest writable
 * rule above it (exclusive both), unless already pinned. */
static int pin_ancestors(const struct policy *p, struct mask_plan *m, const struct policy_rule *d)
{
	const unsigned writes = policy_class_grants(POLICY_CLASS_WRITE) & ~policy_class_grants(POLICY_CLASS_EXEC);
	const struct policy_rule *w = NULL;
	char buf[LATCH_PATH_MAX];
	int r = 0;

	for (size_t i = 0; i < p->n_rules && !w; i++)
		if (!policy_class_restricts(p->rules[i].klass) && p->rules[i].klass != POLICY_CLASS_SCRATCH &&
		    (policy_class_grants(p->rules[i].klass) & writes) &&
		    p->rules[i].depth < d->depth && path_has_prefix(d->path, p->rules[i].path))
			w = &p->rules[i];
	if (!w || snprintf(buf, sizeof(buf), "%s", d->path) >= (int)sizeof(buf))
		return 0;
	for (char *s = buf + strlen(w->path) + 1; r == 0 && (s = strchr(s, '/')); s++) {
		bool seen = false;

		*s = '\0';
		for (size_t i = 0; i < m->n_ops && !seen; i++)
			seen = m->ops[i].kind == MASK_PIN && strcmp(m->ops[i].path, buf) == 0;
		if (!seen)
			r = push_op_at(m, MASK_PIN, d, true, buf);
		*s = '/';
	}
	return r;
}

static bool masked_by(const struct mask_plan *m, const char *path)
{
	for (size_t i = 0; i < m->n_ops; i++)
		if ((m->ops[i].kind == MASK_DIR || m->ops[i].kind == MASK_FILE) && path_has_prefix(path, m->ops[i].path) &&
		    strcmp(path, m->ops[i].path) != 0)
			return true;
	return false;
}

static bool restore_exists(const struct mask_plan *m, const char *path)
{
	for (size_t i = 0; i < m->n_ops; i++)
		if (m->ops[i].kind == MASK_RESTORE && strcmp(m->ops[i].path, path) == 0)
			return true;
	return false;
}

/* Mount flags for a restore: what every allow rule at that path grants,
 * and nothing that the allowed directory above the mask would add. */
static int restore_flags(const struct policy *p, struct mask_plan *m, struct mask_op *op)
{
	const unsigned writes = (1u << POLICY_ACCESS_WRITE) | (1u << POLICY_ACCESS_CREATE);
	const unsigned destroys = (1u << POLICY_ACCESS_DELETE) | (1u << POLICY_ACCESS_TRUNCATE);
	unsigned here = 0, above = 0;
	char label[512];

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (policy_class_restricts(r->klass) || !path_has_prefix(op->path, r->path))
			continue;
		if (strcmp(r->path, op->path) == 0)
			here |= policy_class_grants(r->klass);
		else
			above |= policy_class_grants(r->klass);
	}
	op->flags = MASK_FLAGS & ~MS_NOEXEC;
	if (!(here & writes))
		op->flags |= MS_RDONLY;
	if (!(here & (1u << POLICY_ACCESS_EXEC)))
		op->flags |= MS_NOEXEC;
	if ((here & writes) && (above & destroys & ~here))
		return strv_pushf(&m->unenforceable, "%s: '%s' may be written but not deleted or truncated, and a "
						     "directory above it grants that; mount flags cannot tell them apart",
						     policy_rule_label(op->rule, label, sizeof(label)), op->path);
	return 0;
}

/* The innermost op above path, excluding path itself; NULL if none. */
static const struct mask_op *innermost_above(const struct mask_plan *m, size_t upto, const char *path)
{
	const struct mask_op *best = NULL;

	for (size_t i = 0; i < upto; i++)
		if (path_has_prefix(path, m->ops[i].path) && strcmp(path, m->ops[i].path) != 0 &&
		    (!best || path_depth(m->ops[i].path) > path_depth(best->path)))
			best = &m->ops[i];
	return best;
}

/* A mask inside a directory mask (and not inside a restore there) hides
 * nothing more, and its mount point would not exist: drop it. */
static void drop_redundant(struct mask_plan *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_ops; i++) {
		const struct mask_op *above = innermost_above(m, n, m->ops[i].path);

		if (m->ops[i].kind != MASK_RESTORE && above && above->kind == MASK_DIR) {
			free(m->ops[i].path);
			continue;
		}
		m->ops[n++] = m->ops[i];
	}
	m->n_ops = n;
}

static int op_order(const void *a, const void *b)
{
	const struct mask_op *x = a, *y = b;

	/* Shallowest first: a restore lands inside the mask made before it,
	 * and a deeper mask inside the restore made before that. */
	if (path_depth(x->path) != path_depth(y->path))
		return path_depth(x->path) < path_depth(y->path) ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Whether the program could bring a missing path into being: the profile
 * lets it create an entry in the deepest directory on the way that exists
 * (asked of a name no rule can name, so that the rule for path itself
 * does not answer). A path under a read-only directory needs no mask. */
static bool creatable(const struct policy *p, const char *path)
{
	char dir[PATH_MAX], probe[PATH_MAX + 8];
	struct policy_decision d;
	struct stat st;
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return true;
	do {
		slash = strrchr(dir, '/');
		if (!slash)
			return true;
		*slash = '\0';
	} while (dir[0] && lstat(dir, &st) < 0);
	if (dir[0] && !S_ISDIR(st.st_mode))
		return false;
	(void)snprintf(probe, sizeof(probe), "%s/\x01", dir);
	policy_decide(p, &(struct policy_query){ .access = POLICY_ACCESS_CREATE, .path = probe, .no_reason = true },
		      &d);
	return d.allow;
}

int mask_plan_build(const struct policy *p, const struct landlock_plan *ll, struct mask_plan **ret)
{
	struct mask_plan *m = calloc(1, sizeof(*m));
	int r = 0;

	if (!m)
		return -ENOMEM;
	for (size_t i = 0; ll->conflicts && ll->conflicts[i] && r == 0; i++) {
		const struct policy_rule *d = ll->conflict_rules[i];
		struct stat st;

		if (lstat(d->path, &st) < 0) {
			if (creatable(p, d->path))
				r = strv_push(d->klass == POLICY_CLASS_PROTECT ? &m->unprotected : &m->unmaskable,
					      d->path);
			continue;
		}
		if (d->klass == POLICY_CLASS_PROTECT) {
			r = push_op(m, MASK_PROTECT, d, S_ISDIR(st.st_mode));
			if (r == 0)
				r = pin_ancestors(p, m, d);
		}
		else
			r = push_op(m, S_ISDIR(st.st_mode) ? MASK_DIR : MASK_FILE, d, S_ISDIR(st.st_mode));
	}
	/* Allowed paths that a directory mask would hide: bind them back. */
	for (size_t i = 0; i < p->n_rules && r == 0; i++) {
		const struct policy_rule *a = &p->rules[i];
		struct stat st;

		if (policy_class_restricts(a->klass) || !masked_by(m, a->path) || lstat(a->path, &st) < 0)
			continue;
		if (restore_exists(m, a->path))
			continue;
		r = push_op(m, MASK_RESTORE, a, S_ISDIR(st.st_mode));
		if (r == 0)
			r = restore_flags(p, m, &m->ops[m->n_ops - 1]);
	}
	if (r < 0) {
		mask_plan_free(m);
		return r;
	}
	if (m->n_ops > 1)
		sort_n(m->ops, m->n_ops, sizeof(*m->ops), op_order);
	drop_redundant(m);
	*ret = m;
	return 0;
}

int mask_mount_point(const char *path, bool is_dir)
{
	char buf[LATCH_PATH_MAX];
	char *slash;
	int fd, r;

	if (is_dir)
		return mkdir_parents(path, 0755);
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	slash = strrchr(buf, '/');
	if (slash && slash != buf) {
		*slash = '\0';
		r = mkdir_parents(buf, 0755);
		if (r < 0)
			return r;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	(void)close(fd);
	return 0;
}

static int bind_fd(int fd, const char *target)
{
	char src[64];

	(void)snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	return mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0 ? -errno : 0;
}

static int make_readonly(const char *path)
{
	return mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MASK_FLAGS, NULL) < 0 ? -errno : 0;
}

int mask_apply(const struct mask_plan *m, struct error *err)
{
	_cleanup_close_ int empty = -EBADF;
	char empty_name[] = "/tmp/.latch-mask-XXXXXX";
	int *restore_fd;
	int r = 0;

	if (!m || m->n_ops == 0)
		return 0;
	restore_fd = calloc(m->n_ops, sizeof(int));
	if (!restore_fd)
		return error_set(err, ENOMEM, "out of memory");
	/* Open what will be restored before anything is masked, here in the
	 * new mount namespace: a bind mount's source must belong to it. */
	for (size_t i = 0; i < m->n_ops; i++) {
		restore_fd[i] = -1;
		if ((m->ops[i].kind == MASK_RESTORE || m->ops[i].kind == MASK_PROTECT || m->ops[i].kind == MASK_PIN) &&
		    (restore_fd[i] = open(m->ops[i].path, O_PATH | O_CLOEXEC | O_NOFOLLOW)) < 0) {
			r = error_set(err, errno, "cannot open '%s' to keep it visible inside a mask: %s",
				      m->ops[i].path, strerror(errno));
			goto out;
		}
	}
	for (size_t i = 0; i < m->n_ops; i++) {
		const struct mask_op *op = &m->ops[i];

		switch (op->kind) {
		case MASK_DIR:
			if (mount("latch-mask", op->path, "tmpfs", MASK_FLAGS, "mode=0755,size=64k") < 0)
				r = -errno;
			break;
		case MASK_FILE:
			/* One empty file, bound wherever a file is masked. It
			 * needs a name to be bound (an unlinked file cannot be),
			 * and loses it as soon as every bind is made. */
			if (empty < 0) {
				empty = mkostemp(empty_name, O_CLOEXEC);
				if (empty >= 0)
					(void)fchmod(empty, 0444);
			}
			r = empty < 0 ? -errno : bind_fd(empty, op->path);
			if (r == 0)
				r = make_readonly(op->path);
			break;
		case MASK_RESTORE:
			r = mask_mount_point(op->path, op->is_dir);
			if (r == 0)
				r = bind_fd(restore_fd[i], op->path);
			if (r == 0 && mount(NULL, op->path, NULL, MS_REMOUNT | MS_BIND | op->flags, NULL) < 0)
				r = -errno;
			break;
		case MASK_PROTECT:
			/* Executable still (git runs its hooks), never writable. */
			r = bind_fd(restore_fd[i], op->path);
			if (r == 0 && mount(NULL, op->path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
					    NULL) < 0)
				r = -errno;
			break;
		case MASK_PIN:
			r = bind_fd(restore_fd[i], op->path);
			break;
		case _MASK_KIND_MAX:
			r = -EINVAL;
			break;
		}
		if (r < 0) {
			r = error_set(err, -r, "cannot mask '%s' (%s): %s", op->path, kind_names[op->kind],
				      strerror(-r));
			goto out;
		}
	}
	/* Directory masks become read-only once everything inside is bound. */
	for (size_t i = 0; i < m->n_ops; i++)
		if (m->ops[i].kind == MASK_DIR && (r = make_readonly(m->ops[i].path)) < 0) {
			r = error_set(err, -r, "cannot make the mask over '%s' read-only: %s", m->ops[i].path,
				      strerror(-r));
			goto out;
		}
out:
	if (empty >= 0)
		(void)unlink(empty_name);
	for (size_t i = 0; i < m->n_ops; i++)
		if (restore_fd[i] >= 0)
			(void)close(restore_fd[i]);
	free(restore_fd);
	return r;
}

struct mask_plan *mask_plan_free(struct mask_plan *m)
{
	if (!m)
		return NULL;
	for (size_t i = 0; i < m->n_ops; i++)
		free(m->ops[i].path);
	free(m->ops);
	strv_free(m->unmaskable);
	strv_free(m->unprotected);
	strv_free(m->unenforceable);
	free(m);
	return NULL;
}

json_t *mask_plan_to_json(const struct mask_plan *m)
{
	json_t *o = json_object(), *ops = json_array();

	for (size_t i = 0; m && i < m->n_ops; i++) {
		json_t *op = json_object();
		char label[512];

		json_set(op, "kind", json_str(kind_names[m->ops[i].kind]));
		json_set(op, "path", json_str(m->ops[i].path));
		json_set(op, "rule", json_str(policy_rule_label(m->ops[i].rule, label, sizeof(label))));
		if (m->ops[i].kind == MASK_RESTORE) {
			json_set(op, "read_only", json_boolean(m->ops[i].flags & MS_RDONLY));
			json_set(op, "noexec", json_boolean(m->ops[i].flags & MS_NOEXEC));
		}
		(void)json_array_append_new(ops, op);
	}
	json_set(o, "masks", ops);
	json_set(o, "unmaskable", json_strv(m ? m->unmaskable : NULL));
	json_set(o, "unprotected", json_strv(m ? m->unprotected : NULL));
	json_set(o, "unenforceable", json_strv(m ? m->unenforceable : NULL));
	return o;
}

/* ---- overlays ---------------------------------------------------------------- */

bool overlay_path_ok(const char *path)
{
	return path[0] == '/' && !strpbrk(path, ",:\\=");
}

int overlay_mount(const struct overlay_layer *layers, size_t n, struct error *err)
{
	char cwd[PATH_MAX], opts[3 * PATH_MAX + 64];
	bool moved = false;

	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct overlay_layer *o = &layers[i];

		if (!overlay_path_ok(o->dir) || !overlay_path_ok(o->upper) || !overlay_path_ok(o->work))
			return error_set(err, EINVAL, "cannot name '%s' in overlayfs's options", o->dir);
		(void)snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", o->dir, o->upper,
			       o->work);
		if (mount("overlay", o->dir, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
			return error_set(err, errno,
					 "cannot mount an overlay over '%s': %s (unprivileged overlayfs needs Linux 5.11)",
					 o->dir, strerror(errno));
		moved = moved || (cwd[0] && path_has_prefix(cwd, o->dir));
	}
	/* The working directory still is the directory underneath: the
	 * program must start in the overlay. */
	if (moved && chdir(cwd) < 0)
		return error_set(err, errno, "cannot enter '%s' on its overlay: %s", cwd, strerror(errno));
	return 0;
}
