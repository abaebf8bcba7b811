/* fs_op: one file system operation, from a table. Operations that modify
 * work inside the harness directory unless --allow-unsafe-path; truncate and
 * chmod keep the current length and mode, so even then they change nothing
 * while still asking the kernel's permission checks. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "probe/harness.h"
#include "probe/probes.h"

#define NONE -1 /* no policy access */

struct fs_call {
	const char *path, *to, *name;
	struct probe_result *res;
};

/* Each returns 0 or a negative errno, and may add details. */
static int fs_stat(struct fs_call *c)
{
	struct stat st;

	if (stat(c->path, &st) < 0)
		return -errno;
	probe_detail(c->res, "type", json_str(S_ISDIR(st.st_mode) ? "directory" : S_ISREG(st.st_mode) ? "file" : "other"));
	probe_detail(c->res, "mode", json_integer(st.st_mode & 07777));
	probe_detail(c->res, "uid", json_integer(st.st_uid));
	return 0;
}

/* Counts bytes, never shows them: the target may be a credential. */
static int fs_open_read(struct fs_call *c)
{
	_cleanup_close_ int fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	char buf[64];
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		probe_detail(c->res, "bytes_read", json_integer(n));
	}
	return 0;
}

static int fs_open_write(struct fs_call *c)
{
	_cleanup_close_ int fd = open(c->path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	return fd < 0 ? -errno : 0;
}

static int fs_create(struct fs_call *c)
{
	_cleanup_close_ int fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);

	return fd < 0 ? -errno : 0;
}

static int fs_truncate(struct fs_call *c)
{
	struct stat st;

	if (stat(c->path, &st) < 0)
		return -errno;
	probe_detail(c->res, "length_kept", json_integer(st.st_size));
	return truncate(c->path, st.st_size) < 0 ? -errno : 0;
}

static int fs_rename(struct fs_call *c)
{
	return rename(c->path, c->to) < 0 ? -errno : 0;
}

static int fs_unlink(struct fs_call *c)
{
	return unlink(c->path) < 0 ? -errno : 0;
}

static int fs_mkdir(struct fs_call *c)
{
	return mkdir(c->path, 0700) < 0 ? -errno : 0;
}

static int fs_rmdir(struct fs_call *c)
{
	return rmdir(c->path) < 0 ? -errno : 0;
}

static int fs_listdir(struct fs_call *c)
{
	DIR *d = opendir(c->path);
	long n = 0;

	if (!d)
		return -errno;
	while (readdir(d))
		n++;
	(void)closedir(d);
	probe_detail(c->res, "entries", json_integer(n > 2 ? n - 2 : 0));
	return 0;
}

static int fs_readlink(struct fs_call *c)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(c->path, buf, sizeof(buf) - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	probe_detail(c->res, "target", json_str(buf));
	return 0;
}

static int fs_realpath(struct fs_call *c)
{
	_cleanup_free_ char *r = realpath(c->path, NULL);

	if (!r)
		return -errno;
	probe_detail(c->res, "resolved", json_str(r));
	return 0;
}

static int fs_link(struct fs_call *c)
{
	return link(c->path, c->to) < 0 ? -errno : 0;
}

static int fs_symlink(struct fs_call *c)
{
	return symlink(c->path, c->to) < 0 ? -errno : 0;
}

static int fs_chmod(struct fs_call *c)
{
	struct stat st;

	if (stat(c->path, &st) < 0)
		return -errno;
	probe_detail(c->res, "mode_kept", json_integer(st.st_mode & 07777));
	return chmod(c->path, st.st_mode & 07777) < 0 ? -errno : 0;
}

static int fs_getxattr(struct fs_call *c)
{
	char buf[256];
	ssize_t n = getxattr(c->path, c->name, buf, sizeof(buf));

	if (n < 0)
		return -errno;
	probe_detail(c->res, "value_bytes", json_integer(n));
	return 0;
}

static int fs_setxattr(struct fs_call *c)
{
	return setxattr(c->path, c->name, "1", 1, 0) < 0 ? -errno : 0;
}

/* One row per operation, sorted by name.
 *   modifies  confined to the harness unless --allow-unsafe-path
 *   path, to  default names inside the harness ("." is the harness itself)
 *   access    what the decision engine is asked, on path (and on --to)
 *   landlock  whether Landlock checks the operation at all: it does not
 *             mediate stat, readlink, realpath, chmod or extended attributes,
 *             so a refusal there is never Landlock's
 *   follow    whether the operation follows a symlink in the last component
 *             (else it acts on the entry itself: readlink, unlink, rename...)
 *   syscall   as the seccomp table would name it */
static const struct fs_op {
	const char *name;
	bool modifies;
	const char *path, *to;
	int access, access_to;
	bool landlock, follow;
	const char *syscall;
	int (*fn)(struct fs_call *c);
} fs_ops[] = {
	{ "chmod", true, "file", NULL, POLICY_ACCESS_WRITE, NONE, false, true, "chmod", fs_chmod },
	{ "create", true, "new-file", NULL, POLICY_ACCESS_CREATE, NONE, true, false, "openat", fs_create },
	{ "getxattr", false, "file", NULL, POLICY_ACCESS_READ, NONE, false, true, "getxattr", fs_getxattr },
	{ "link", true, "file", "hardlink", NONE, POLICY_ACCESS_CREATE, true, false, "link", fs_link },
	{ "listdir", false, ".", NULL, POLICY_ACCESS_READ, NONE, true, true, "openat", fs_listdir },
	{ "mkdir", true, "new-dir", NULL, POLICY_ACCESS_CREATE, NONE, true, false, "mkdir", fs_mkdir },
	{ "open_read", false, "file", NULL, POLICY_ACCESS_READ, NONE, true, true, "openat", fs_open_read },
	{ "open_write", true, "file", NULL, POLICY_ACCESS_WRITE, NONE, true, true, "openat", fs_open_write },
	{ "readlink", false, "link", NULL, POLICY_ACCESS_READ, NONE, false, false, "readlink", fs_readlink },
	{ "realpath", false, "link", NULL, POLICY_ACCESS_READ, NONE, false, false, "readlink", fs_realpath },
	{ "rename", true, "file", "renamed", POLICY_ACCESS_DELETE, POLICY_ACCESS_CREATE, true, false, "rename", fs_rename },
	{ "rmdir", true, "dir", NULL, POLICY_ACCESS_DELETE, NONE, true, false, "rmdir", fs_rmdir },
	{ "setxattr", true, "file", NULL, POLICY_ACCESS_WRITE, NONE, false, true, "setxattr", fs_setxattr },
	{ "stat", false, "file", NULL, POLICY_ACCESS_READ, NONE, false, true, "newfstatat", fs_stat },
	{ "symlink", true, "file", "new-symlink", NONE, POLICY_ACCESS_CREATE, true, false, "symlink", fs_symlink },
	{ "truncate", true, "file", NULL, POLICY_ACCESS_TRUNCATE, NONE, true, true, "truncate", fs_truncate },
	{ "unlink", true, "file", NULL, POLICY_ACCESS_DELETE, NONE, true, false, "unlink", fs_unlink },
};

const char *probe_fs_op_at(size_t i)
{
	return i < ELEMENTSOF(fs_ops) ? fs_ops[i].name : NULL;
}

static const struct fs_op *fs_op_find(const char *name)
{
	for (size_t i = 0; name && i < ELEMENTSOF(fs_ops); i++)
		if (strcmp(fs_ops[i].name, name) == 0)
			return &fs_ops[i];
	return NULL;
}

int probe_fs_op_asks(const char *name, struct probe_fs_asks *ret)
{
	const struct fs_op *op = fs_op_find(name);

	if (!op)
		return -EINVAL;
	*ret = (struct probe_fs_asks){
		.path = op->path,
		.to = op->to,
		.access = op->access,
		.access_to = op->access_to,
		.landlock = op->landlock,
		.follow = op->follow,
	};
	return 0;
}

int probe_check_fs_op(const struct probe_request *req, struct error *err)
{
	const struct fs_op *op = fs_op_find(req->op);

	if (!op)
		return error_set(err, EINVAL, "fs_op: --op is required");
	if (req->to && !op->to)
		return error_set(err, EINVAL, "fs_op: --to is only for rename, link and symlink");
	if (req->name && op->fn != fs_getxattr && op->fn != fs_setxattr)
		return error_set(err, EINVAL, "fs_op: --name is only for getxattr and setxattr");
	if (req->path && req->path[0] == '/' && req->path_class)
		return error_set(err, EINVAL, "fs_op: an absolute --path cannot take --path-class");
	return 0;
}

/* A modifying operation stays strictly inside the harness unless allowed. */
static bool confined(const struct probe_ctx *ctx, const char *path)
{
	return ctx->harness && path_has_prefix(path, ctx->harness) && strcmp(path, ctx->harness) != 0;
}

void probe_run_fs_op(struct probe_ctx *ctx, const struct probe_request *req, struct probe_result *res)
{
	const struct fs_op *op = fs_op_find(req->op);
	_cleanup_free_ char *path = NULL, *to = NULL;
	struct fs_call call = { .name = req->name ? req->name : PROBE_FIXTURE_XATTR, .res = res };
	struct error err = { 0 };
	int r;

	if (probe_resolve_path(ctx, req->path, req->path_class, op->path, &path, &err) < 0 ||
	    (op->to && probe_resolve_path(ctx, req->to, NULL, op->to, &to, &err) < 0)) {
		probe_outcome(res, PROBE_PREMISE_FAILED, "%s", err.msg);
		return;
	}
	probe_detail(res, "op", json_str(op->name));
	probe_detail(res, "path", json_str(path));
	probe_detail(res, "path_class", json_str(req->path_class));
	probe_detail(res, "to", json_str(to));
	if (op->modifies && !req->allow_unsafe_path && (!confined(ctx, path) || (to && !confined(ctx, to)))) {
		probe_outcome(res, PROBE_BAD_REQUEST,
			      "fs_op %s modifies '%s', outside the harness directory; pass --allow-unsafe-path to do it anyway",
			      op->name, confined(ctx, path) ? to : path);
		return;
	}
	res->path_safety = !op->modifies ? "non_destructive" : req->allow_unsafe_path ? "unsafe_path_allowed" : "harness";
	/* The access the engine is asked about: the source's (rename away),
	 * else the new name's (link, symlink). */
	if (op->access != NONE)
		probe_access(res, op->access, path, 0, op->landlock);
	else
		probe_access(res, op->access_to, to, 0, op->landlock);
	if (op->access != NONE && op->access_to != NONE) {
		res->to_path = strdup(to);
		res->to_access = op->access_to;
	}
	call.path = path;
	call.to = to;
	r = op->fn(&call);
	probe_errno(res, op->syscall, r < 0 ? -r : 0);
}
