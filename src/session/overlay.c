/* The write overlay of a session: its layers, its changes, their review,
 * commit and discard (overlay.h). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/hash.h"
#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "session/overlay.h"

#define LAYERS_FILE "layers.json"
#define BASE_FILE "base.json"
#define DIFF_FILE_MAX (1 << 20)     /* a file larger than this is not shown line by line */
#define DIFF_CELLS_MAX (4u << 20)   /* lines x lines a diff may compare */
#define DIFF_CONTEXT 3

/* ---- the layers ------------------------------------------------------------------ */

void session_overlay_layers_free(struct overlay_layer *layers, size_t n)
{
	for (size_t i = 0; layers && i < n; i++) {
		free((char *)layers[i].dir);
		free((char *)layers[i].upper);
		free((char *)layers[i].work);
	}
	free(layers);
}

static int write_json(const char *dir, const char *name, const json_t *v, struct error *err)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL;

	if (asprintf(&path, "%s/%s", dir, name) < 0 || asprintf(&tmp, "%s/.%s.tmp", dir, name) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (json_dump_file(v, tmp, JSON_SORT_KEYS | JSON_INDENT(2)) < 0 || rename(tmp, path) < 0) {
		(void)unlink(tmp);
		return error_set(err, EIO, "cannot write '%s'", path);
	}
	return 0;
}

int session_overlay_prepare(const char *session_dir, char *const *dirs, struct overlay_layer **ret_layers,
			    size_t *ret_n, struct error *err)
{
	size_t n = strv_length(dirs);
	struct overlay_layer *layers = calloc(n ? n : 1, sizeof(*layers));
	_cleanup_free_ char *top = NULL;
	json_t *list = json_array();
	int r = 0;

	if (!layers || !list || asprintf(&top, "%s/overlay", session_dir) < 0) {
		r = error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (mkdir(top, 0700) < 0 && errno != EEXIST) {
		r = error_set(err, errno, "cannot create '%s': %s", top, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		char *upper = NULL, *work = NULL, *base = NULL;
		json_t *o = json_object();

		if (asprintf(&base, "%s/%zu", top, i) < 0 || asprintf(&upper, "%s/upper", base) < 0 ||
		    asprintf(&work, "%s/work", base) < 0) {
			free(base);
			free(upper);
			r = error_set(err, ENOMEM, "out of memory");
			break;
		}
		layers[i] = (struct overlay_layer){ .dir = strdup(dirs[i]), .upper = upper, .work = work };
		if (mkdir(base, 0700) < 0 || mkdir(upper, 0700) < 0 || mkdir(work, 0700) < 0)
			r = error_set(err, errno, "cannot create '%s': %s", base, strerror(errno));
		free(base);
		json_set(o, "dir", json_str(dirs[i]));
		json_set(o, "upper", json_str(upper));
		json_set(o, "work", json_str(work));
		(void)json_array_append_new(list, o);
	}
	if (r == 0)
		r = write_json(top, LAYERS_FILE, list, err);
out:
	json_decref(list);
	if (r < 0) {
		session_overlay_layers_free(layers, n);
		return r;
	}
	*ret_layers = layers;
	*ret_n = n;
	return 0;
}

/* ---- the changes ------------------------------------------------------------------ */

static const char *type_name(mode_t m)
{
	return S_ISREG(m) ? "file" : S_ISDIR(m) ? "dir" : S_ISLNK(m) ? "symlink" : "other";
}

static void add_change(json_t *out, const char *dir, const char *rel, const char *change, mode_t mode)
{
	json_t *c = json_object();
	char *path = NULL;

	if (asprintf(&path, "%s/%s", dir, rel) < 0)
		path = NULL;
	json_set(c, "dir", json_str(dir));
	json_set(c, "path", json_str(path));
	json_set(c, "rel", json_str(rel));
	json_set(c, "change", json_str(change));
	json_set(c, "type", json_str(type_name(mode)));
	(void)json_array_append_new(out, c);
	free(path);
}

static bool whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool opaque(const char *path)
{
	char v[4] = "";
	ssize_t n = lgetxattr(path, "user.overlay.opaque", v, sizeof(v) - 1);

	return n > 0 && v[0] == 'y';
}

static char *join(const char *a, const char *b)
{
	char *out = NULL;

	if (asprintf(&out, "%s%s%s", a, a[0] && b[0] ? "/" : "", b) < 0)
		return NULL;
	return out;
}

/* Every entry below upper/rel, added. */
static void walk_added(json_t *out, const char *dir, const char *upper, const char *rel)
{
	_cleanup_free_ char *up = join(upper, rel);
	DIR *d = up ? opendir(up) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_free_ char *r = NULL, *p = NULL;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		r = join(rel, e->d_name);
		p = r ? join(upper, r) : NULL;
		if (!p || lstat(p, &st) < 0 || whiteout(&st))
			continue;
		add_change(out, dir, r, "added", st.st_mode);
		if (S_ISDIR(st.st_mode))
			walk_added(out, dir, upper, r);
	}
	if (d)
		(void)closedir(d);
}

/* The changes below upper/rel against dir/rel. */
static void walk(json_t *out, const char *dir, const char *upper, const char *rel, int depth)
{
	_cleanup_free_ char *up = join(upper, rel);
	DIR *d = up ? opendir(up) : NULL;
	struct dirent *e;

	if (!d || depth > 256) {
		if (d)
			(void)closedir(d);
		return;
	}
	while ((e = readdir(d))) {
		_cleanup_free_ char *r = NULL, *p = NULL, *l = NULL;
		struct stat st, lst;
		bool lower;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		r = join(rel, e->d_name);
		p = r ? join(upper, r) : NULL;
		l = r ? join(dir, r) : NULL;
		if (!p || !l || lstat(p, &st) < 0)
			continue;
		lower = lstat(l, &lst) == 0;
		if (whiteout(&st)) {
			if (lower)
				add_change(out, dir, r, "deleted", lst.st_mode);
		} else if (S_ISDIR(st.st_mode) && lower && S_ISDIR(lst.st_mode)) {
			walk(out, dir, upper, r, depth + 1);
			if (opaque(p)) {
				/* A directory that replaced the one below: what
				 * was there and is not here was removed. */
				DIR *ld = opendir(l);
				struct dirent *le;

				while (ld && (le = readdir(ld))) {
					_cleanup_free_ char *lr = NULL, *lp = NULL, *ul = NULL;
					struct stat s1, s2;

					if (strcmp(le->d_name, ".") == 0 || strcmp(le->d_name, "..") == 0)
						continue;
					lr = join(r, le->d_name);
					lp = lr ? join(dir, lr) : NULL;
					ul = lr ? join(upper, lr) : NULL;
					if (lp && ul && lstat(ul, &s2) < 0 && lstat(lp, &s1) == 0)
						add_change(out, dir, lr, "deleted", s1.st_mode);
				}
				if (ld)
					(void)closedir(ld);
			}
		} else {
			add_change(out, dir, r, lower ? "changed" : "added", st.st_mode);
			if (S_ISDIR(st.st_mode))
				walk_added(out, dir, upper, r);
		}
	}
	(void)closedir(d);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "path")),
		      json_string_value(json_object_get(*(json_t *const *)b, "path")));
}

static json_t *sorted(json_t *arr)
{
	size_t n = json_array_size(arr), i;
	json_t **v = calloc(n ? n : 1, sizeof(*v)), *out = json_array(), *e;

	if (!v || !out) {
		free(v);
		json_decref(out);
		return arr;
	}
	json_array_foreach(arr, i, e)
		v[i] = json_incref(e);
	sort_n(v, n, sizeof(*v), cmp_path);
	for (i = 0; i < n; i++)
		(void)json_array_append_new(out, v[i]);
	free(v);
	json_decref(arr);
	return out;
}

static json_t *load_layers(const char *session_dir)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "%s/overlay/%s", session_dir, LAYERS_FILE) < 0)
		return NULL;
	return json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
}

int session_overlay_changes(const char *session_dir, json_t **ret, struct error *err)
{
	_cleanup_json_ json_t *layers = load_layers(session_dir);
	json_t *out = json_array(), *l;
	size_t i;

	if (!out)
		return error_set(err, ENOMEM, "out of memory");
	json_array_foreach(layers, i, l)
		walk(out, json_string_value(json_object_get(l, "dir")), json_string_value(json_object_get(l, "upper")),
		     "", 0);
	*ret = sorted(out);
	return 0;
}

/* ---- the real state, then and now ------------------------------------------------------ */

/* What lies at path now: {type, sha256 (files), target (symlinks)}, or
 * null when nothing does. */
static json_t *real_state(const char *path)
{
	char sha[SHA256_HEX_SIZE], target[PATH_MAX];
	struct stat st;
	json_t *s;
	ssize_t n;

	if (lstat(path, &st) < 0)
		return json_null();
	s = json_object();
	json_set(s, "type", json_str(type_name(st.st_mode)));
	if (S_ISREG(st.st_mode) && sha256_file(path, sha, NULL) == 0)
		json_set(s, "sha256", json_str(sha));
	if (S_ISLNK(st.st_mode) && (n = readlink(path, target, sizeof(target) - 1)) >= 0) {
		target[n] = '\0';
		json_set(s, "target", json_str(target));
	}
	return s;
}

int session_overlay_snapshot(const char *session_dir, struct error *err)
{
	_cleanup_json_ json_t *changes = NULL, *base = json_object();
	_cleanup_free_ char *top = NULL;
	json_t *c;
	size_t i;
	int r;

	r = session_overlay_changes(session_dir, &changes, err);
	if (r < 0)
		return r;
	if (!base || asprintf(&top, "%s/overlay", session_dir) < 0)
		return error_set(err, ENOMEM, "out of memory");
	json_array_foreach(changes, i, c) {
		const char *path = json_string_value(json_object_get(c, "path"));

		json_set(base, path, real_state(path));
	}
	return write_json(top, BASE_FILE, base, err);
}

/* ---- a unified diff ------------------------------------------------------------------- */

struct lines {
	char *text;
	char **line;
	size_t n;
};

/* The file's lines; false when it is not text (a NUL) or too large. */
static bool read_lines(const char *path, struct lines *ret, bool *ret_binary)
{
	size_t len = 0;

	*ret = (struct lines){ 0 };
	if (!path)
		return true;
	ret->text = read_all_at(AT_FDCWD, path, &len);
	if (!ret->text)
		return true;
	if (memchr(ret->text, '\0', len) || len > DIFF_FILE_MAX) {
		*ret_binary = memchr(ret->text, '\0', len) != NULL;
		return false;
	}
	for (char *p = ret->text; *p;) {
		char *nl = strchr(p, '\n'), **grown = realloc(ret->line, (ret->n + 1) * sizeof(*grown));

		if (!grown)
			return false;
		ret->line = grown;
		ret->line[ret->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return true;
}

static void lines_done(struct lines *l)
{
	free(l->text);
	free(l->line);
}

/* Print the hunks of the edit script ops (' ', '-', '+' with the line
 * numbers on each side), DIFF_CONTEXT lines of context. */
struct op {
	char kind;
	size_t a, b;   /* 0-based line in each file */
};

static void print_hunks(FILE *f, const struct lines *a, const struct lines *b, const struct op *ops, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t start, end, k, na = 0, nb = 0;

		while (i < n && ops[i].kind == ' ')
			i++;
		if (i == n)
			break;
		start = i > DIFF_CONTEXT ? i - DIFF_CONTEXT : 0;
		/* The hunk goes on while changes come within 2 x context. */
		end = i;
		for (k = i; k < n; k++) {
			if (ops[k].kind != ' ')
				end = k;
			else if (k - end > 2 * DIFF_CONTEXT)
				break;
		}
		end = end + DIFF_CONTEXT + 1 < n ? end + DIFF_CONTEXT + 1 : n;
		for (k = start; k < end; k++) {
			na += ops[k].kind != '+';
			nb += ops[k].kind != '-';
		}
		fprintf(f, "@@ -%zu,%zu +%zu,%zu @@\n", na ? ops[start].a + 1 : ops[start].a, na,
			nb ? ops[start].b + 1 : ops[start].b, nb);
		for (k = start; k < end; k++)
			fprintf(f, "%c%s\n", ops[k].kind, ops[k].kind == '+' ? b->line[ops[k].b] : a->line[ops[k].a]);
		i = end;
	}
}

void session_overlay_print_diff(FILE *f, const char *path, const char *real, const char *changed)
{
	struct lines a, b;
	bool binary = false, ok_a = read_lines(real, &a, &binary), ok_b = read_lines(changed, &b, &binary);
	uint32_t *lcs = NULL;
	struct op *ops = NULL;
	size_t n = 0, i = 0, j = 0, cols = b.n + 1;

	if (!ok_a || !ok_b || (a.n + 1) * (b.n + 1) > DIFF_CELLS_MAX) {
		fprintf(f, binary ? "Binary files %s%s and %s%s differ\n" : "%s%s and %s%s differ (too large to show)\n",
			real ? "a" : "/dev/null", real ? path : "", changed ? "b" : "/dev/null", changed ? path : "");
		goto out;
	}
	lcs = calloc((a.n + 1) * cols, sizeof(*lcs));
	ops = calloc(a.n + b.n + 1, sizeof(*ops));
	if (!lcs || !ops)
		goto out;
	/* The longest common subsequence, from the ends. */
	for (size_t x = a.n; x-- > 0;)
		for (size_t y = b.n; y-- > 0;)
			lcs[x * cols + y] = strcmp(a.line[x], b.line[y]) == 0
						    ? lcs[(x + 1) * cols + y + 1] + 1
						    : (lcs[(x + 1) * cols + y] > lcs[x * cols + y + 1] ? lcs[(x + 1) * cols + y]
												: lcs[x * cols + y + 1]);
	while (i < a.n || j < b.n) {
		if (i < a.n && j < b.n && strcmp(a.line[i], b.line[j]) == 0) {
			ops[n++] = (struct op){ ' ', i++, j++ };
		} else if (i < a.n && (j == b.n || lcs[(i + 1) * cols + j] >= lcs[i * cols + j + 1])) {
			ops[n++] = (struct op){ '-', i++, j };
		} else {
			ops[n++] = (struct op){ '+', i, j++ };
		}
	}
	fprintf(f, "--- %s%s\n+++ %s%s\n", real ? "a" : "/dev/null", real ? path : "", changed ? "b" : "/dev/null",
		changed ? path : "");
	print_hunks(f, &a, &b, ops, n);
out:
	free(lcs);
	free(ops);
	lines_done(&a);
	lines_done(&b);
}

/* ---- commit and discard ------------------------------------------------------------- */

int session_overlay_discard(const char *session_dir, struct error *err)
{
	_cleanup_free_ char *top = NULL;
	int r;

	if (asprintf(&top, "%s/overlay", session_dir) < 0)
		return error_set(err, ENOMEM, "out of memory");
	r = remove_tree_at(AT_FDCWD, top);
	return r < 0 ? error_set(err, -r, "cannot remove '%s': %s", top, strerror(-r)) : 0;
}

/* path replaced by a copy of from (a file or a symlink), by way of a
 * temporary name beside it. */
static int replace_with(const char *path, const char *from, const struct stat *st)
{
	_cleanup_free_ char *tmp = NULL;
	const char *slash = strrchr(path, '/');
	int r = 0;

	if (asprintf(&tmp, "%.*s/.latch-commit-XXXXXX", (int)(slash - path), path) < 0)
		return -ENOMEM;
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(from, target, sizeof(target) - 1);

		if (n < 0)
			return -errno;
		target[n] = '\0';
		/* A name of our own for the link: mkstemp makes a file. */
		free(tmp);
		if (asprintf(&tmp, "%.*s/.latch-commit-%d.link", (int)(slash - path), path, (int)getpid()) < 0) {
			tmp = NULL;
			return -ENOMEM;
		}
		(void)unlink(tmp);
		if (symlink(target, tmp) < 0)
			return -errno;
	} else {
		_cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		_cleanup_close_ int out = in < 0 ? -EBADF : mkostemp(tmp, O_CLOEXEC);
		char buf[65536];
		ssize_t n;

		if (in < 0 || out < 0)
			return -errno;
		while (r == 0 && (n = read(in, buf, sizeof(buf))) != 0)
			r = n < 0 ? -errno : write_all(out, buf, (size_t)n);
		if (r == 0 && (fchmod(out, st->st_mode & 07777) < 0 || fsync(out) < 0))
			r = -errno;
		if (r < 0) {
			(void)unlink(tmp);
			return r;
		}
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		(void)unlink(tmp);
	}
	return r;
}

static bool wanted(const char *path, char *const *paths)
{
	for (size_t i = 0; paths && paths[i]; i++)
		if (path_has_prefix(path, paths[i]))
			return true;
	return !paths;
}

/* One change, applied to the real directory; then taken out of the
 * overlay. */
static int apply(const json_t *c, const json_t *layers)
{
	const char *path = json_string_value(json_object_get(c, "path"));
	const char *dir = json_string_value(json_object_get(c, "dir"));
	const char *rel = json_string_value(json_object_get(c, "rel"));
	const char *change = json_string_value(json_object_get(c, "change"));
	_cleanup_free_ char *up = NULL;
	const json_t *l;
	struct stat st;
	size_t i;
	int r = 0;

	json_array_foreach(layers, i, l)
		if (strcmp(json_string_value(json_object_get(l, "dir")), dir) == 0)
			up = join(json_string_value(json_object_get(l, "upper")), rel);
	if (!up)
		return -ENOENT;
	if (strcmp(change, "deleted") == 0) {
		r = remove_tree_at(AT_FDCWD, path);
		return r < 0 ? r : unlink(up) < 0 && errno != ENOENT ? -errno : 0;
	}
	if (lstat(up, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		struct stat rst;

		if (lstat(path, &rst) == 0 && !S_ISDIR(rst.st_mode) && unlink(path) < 0)
			return -errno;
		if (mkdir(path, st.st_mode & 07777) < 0 && errno != EEXIST)
			return -errno;
		return 0; /* its upper directory goes once it is empty */
	}
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return -EOPNOTSUPP;
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && (r = remove_tree_at(AT_FDCWD, path)) < 0)
		return r;
	(void)lstat(up, &st);
	r = replace_with(path, up, &st);
	return r < 0 ? r : unlink(up) < 0 ? -errno : 0;
}

/* Upper directories left empty by a commit go (deepest first). */
static void prune_upper(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && depth < 256 && (e = readdir(d))) {
		_cleanup_free_ char *child = NULL;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		child = join(dir, e->d_name);
		if (child && lstat(child, &st) == 0 && S_ISDIR(st.st_mode)) {
			prune_upper(child, depth + 1);
			(void)rmdir(child);
		}
	}
	if (d)
		(void)closedir(d);
}

int session_overlay_commit(const char *session_dir, char *const *paths, size_t *ret_applied, char ***ret_conflicts,
			   struct error *err)
{
	_cleanup_json_ json_t *changes = NULL, *layers = load_layers(session_dir), *base = NULL;
	_cleanup_free_ char *base_path = NULL;
	char **conflicts = NULL;
	size_t applied = 0, i;
	json_t *c, *l;
	int r;

	*ret_applied = 0;
	*ret_conflicts = NULL;
	r = session_overlay_changes(session_dir, &changes, err);
	if (r < 0)
		return r;
	if (asprintf(&base_path, "%s/overlay/%s", session_dir, BASE_FILE) < 0)
		return error_set(err, ENOMEM, "out of memory");
	base = json_load_file(base_path, JSON_REJECT_DUPLICATES, NULL);
	if (json_array_size(changes) && !json_is_object(base))
		return error_set(err, ENOENT, "'%s' is missing: the run did not end, so its changes cannot be checked",
				 base_path);
	/* Nothing is applied while a real path differs from what it was when
	 * the run ended. */
	json_array_foreach(changes, i, c) {
		const char *path = json_string_value(json_object_get(c, "path"));
		_cleanup_json_ json_t *now = NULL;
		const json_t *then = json_object_get(base, path);

		if (!wanted(path, paths))
			continue;
		now = real_state(path);
		if (!then || !json_equal(now, then))
			(void)strv_push(&conflicts, path);
	}
	if (conflicts) {
		*ret_conflicts = conflicts;
		return 1;
	}
	json_array_foreach(changes, i, c) {
		const char *path = json_string_value(json_object_get(c, "path"));

		if (!wanted(path, paths))
			continue;
		r = apply(c, layers);
		if (r < 0) {
			*ret_applied = applied;
			return error_set(err, -r, "cannot apply the change of '%s': %s", path, strerror(-r));
		}
		applied++;
	}
	json_array_foreach(layers, i, l)
		prune_upper(json_string_value(json_object_get(l, "upper")), 0);
	*ret_applied = applied;
	return 0;
}
