/* Finding a profile or a group by name or path: the built-ins, then the
 * user's and the system's directories (or the caller's find_text), with a
 * suggestion when the name is unknown; and reading the file, bounded.
 * Split from profile.c, which parses what this finds. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "policy/policy.h"
#include "policy/profile-internal.h"

static int read_file(const char *path, struct source *ret, struct error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t n = 0;

	/* O_NONBLOCK: a FIFO in place of a profile must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return error_set(err, errno, "cannot open profile '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return error_set(err, errno, "cannot stat profile '%s': %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error_set(err, EINVAL, "profile '%s' is not a regular file", path);
	if (st.st_size > POLICY_FILE_MAX)
		return error_set(err, EFBIG, "profile '%s' is larger than %d bytes", path, POLICY_FILE_MAX);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return error_set(err, ENOMEM, "out of memory");
	while (n < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return error_set(err, errno, "cannot read profile '%s': %s", path, strerror(errno));
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	ret->buf = TAKE_PTR(buf);
	ret->len = n;
	return 0;
}

#define NAME_HINT_MAX 160

/* The directories a name is looked up in after the built-ins: the user's,
 * then the system's. */
static size_t lookup_dirs(const struct policy_ctx *ctx, const char **ret, size_t max)
{
	size_t n = 0;

	if (ctx && ctx->user_dir && n < max)
		ret[n++] = ctx->user_dir;
	for (size_t i = 0; ctx && ctx->system_dirs && ctx->system_dirs[i] && n < max; i++)
		ret[n++] = ctx->system_dirs[i];
	return n;
}

/* DIR/<kind>s/<spec>.json in the first lookup directory that has it. */
static int find_in_dirs(const char *kind, const char *spec, const struct policy_ctx *ctx, char *path, size_t size)
{
	const char *dirs[16];
	size_t n = lookup_dirs(ctx, dirs, ELEMENTSOF(dirs));

	for (size_t i = 0; i < n; i++) {
		int r = snprintf(path, size, "%s/%ss/%s.json", dirs[i], kind, spec);

		if (r < 0 || (size_t)r >= size)
			return -ENAMETOOLONG;
		if (access(path, F_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* "DIR/kinds, DIR2/kinds" for an error message, into buf. */
static const char *searched_dirs(const char *kind, const struct policy_ctx *ctx, char *buf, size_t size)
{
	const char *dirs[16];
	size_t n = lookup_dirs(ctx, dirs, ELEMENTSOF(dirs)), used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s/%ss", i ? ", " : "", dirs[i], kind);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return n ? buf : "no directory";
}

/* Edit distance of two short names (insert, delete, replace, swap). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[33][33];

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

static void consider(const char *spec, const char *name, size_t *best, char *buf, size_t size)
{
	size_t dist = edit_distance(spec, name);

	if (dist < *best) {
		*best = dist;
		(void)snprintf(buf, size, "; did you mean '%s'?", name);
	}
}

/* "; did you mean 'agent'?" for a name within two edits of a built-in or
 * of a file in a lookup directory, or "". */
static const char *name_hint(const char *kind, const char *spec, const struct policy_ctx *ctx, char *buf, size_t size)
{
	const char *dirs[16];
	size_t n = lookup_dirs(ctx, dirs, ELEMENTSOF(dirs)), best = 3;

	buf[0] = '\0';
	for (size_t i = 0; i < policy_n_builtins; i++)
		if (strcmp(policy_builtins[i].kind, kind) == 0)
			consider(spec, policy_builtins[i].name, &best, buf, size);
	for (size_t i = 0; i < n; i++) {
		char dir[LATCH_PATH_MAX];
		struct dirent *de;
		DIR *d;

		if (snprintf(dir, sizeof(dir), "%s/%ss", dirs[i], kind) >= (int)sizeof(dir) || !(d = opendir(dir)))
			continue;
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			char name[64];

			if (l <= 5 || l - 5 >= sizeof(name) || strcmp(de->d_name + l - 5, ".json") != 0)
				continue;
			memcpy(name, de->d_name, l - 5);
			name[l - 5] = '\0';
			consider(spec, name, &best, buf, size);
		}
		(void)closedir(d);
	}
	return buf;
}

/* Find a profile or group: a path, a built-in, the user's directory, or a
 * system one. */

/* A profile or group that ctx->find_text holds, as spec names it. */
static int find_text_source(const char *kind, const char *spec, const struct policy_ctx *ctx, struct source *ret,
			    struct error *err)
{
	const char *text = NULL;
	size_t len = 0;
	int r = ctx->find_text(kind, spec, &text, &len, ctx->userdata);

	if (r < 0)
		return error_set(err, -r, "unknown %s '%s'", kind, spec);
	if (len > POLICY_FILE_MAX)
		return error_set(err, EFBIG, "%s '%s' is larger than %d bytes", kind, spec, POLICY_FILE_MAX);
	/* Exactly len bytes, NULs included: the JSON parser reports them. */
	ret->buf = malloc(len + 1);
	if (ret->buf) {
		memcpy(ret->buf, text, len);
		ret->buf[len] = '\0';
	}
	ret->len = len;
	if (asprintf(&ret->label, "memory:%s%s", strcmp(kind, "group") == 0 ? "groups/" : "", spec) < 0)
		ret->label = NULL;
	ret->identity = ret->label ? strdup(ret->label) : NULL;
	if (!ret->buf || !ret->label || !ret->identity) {
		profile_source_done(ret);
		return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

/* Find a profile or group: a path, a built-in, or the user's directory
 * (or ctx->find_text in place of paths and the user's directory). */
int profile_find_source(const char *kind, const char *spec, const char *rel_dir, const struct policy_ctx *ctx,
		       struct source *ret, struct error *err)
{
	const struct policy_builtin *b;
	char path[LATCH_PATH_MAX];
	const char *slash;
	size_t sl = strlen(spec);
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!utf8_is_valid(spec))
		return error_set(err, EINVAL, "%s name is not valid UTF-8", kind);
	if (strchr(spec, '/') || (sl > 5 && strcmp(spec + sl - 5, ".json") == 0)) {
		if (ctx && ctx->find_text)
			return find_text_source(kind, spec, ctx, ret, err);
		if (spec[0] != '/' && rel_dir)
			r = snprintf(path, sizeof(path), "%s/%s", rel_dir, spec);
		else
			r = snprintf(path, sizeof(path), "%s", spec);
		if (r < 0 || (size_t)r >= sizeof(path))
			return error_set(err, ENAMETOOLONG, "%s path '%s' is too long", kind, spec);
	} else {
		if (!policy_name_valid(spec))
			return error_set(err, EINVAL,
					 "invalid %s name '%s' (use a-z, 0-9, '_', '-', '.'; or a path with '/')",
					 kind, spec);
		b = policy_builtin_find(kind, spec);
		if (b) {
			ret->buf = strndup(b->data, b->len);
			ret->len = b->len;
			if (asprintf(&ret->label, "builtin:%s%s", strcmp(kind, "group") == 0 ? "groups/" : "",
				     spec) < 0)
				ret->label = NULL;
			ret->builtin = true;
			ret->identity = strdup(ret->label);
			if (!ret->buf || !ret->label || !ret->identity) {
				profile_source_done(ret);
				return error_set(err, ENOMEM, "out of memory");
			}
			return 0;
		}
		if (ctx && ctx->find_text)
			return find_text_source(kind, spec, ctx, ret, err);
		r = find_in_dirs(kind, spec, ctx, path, sizeof(path));
		if (r == -ENAMETOOLONG)
			return error_set(err, ENAMETOOLONG, "%s path for '%s' is too long", kind, spec);
		if (r < 0) {
			char hint[NAME_HINT_MAX];

			return error_set(err, ENOENT, "unknown %s '%s' (not built in, and no %s.json in %s)%s", kind,
					 spec, spec, searched_dirs(kind, ctx, path, sizeof(path)),
					 name_hint(kind, spec, ctx, hint, sizeof(hint)));
		}
	}
	r = read_file(path, ret, err);
	if (r < 0)
		return r;
	ret->label = strdup(path);
	/* The same file reached as "./a.json" and "././a.json" is one file. */
	ret->identity = realpath(path, NULL);
	if (!ret->identity)
		ret->identity = strdup(path);
	slash = strrchr(path, '/');
	ret->dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
	if (!ret->label || !ret->dir || !ret->identity) {
		profile_source_done(ret);
		return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}
