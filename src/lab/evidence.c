/* The artifact index, verification and bundles (evidence.h). Files are
 * opened relative to the directory's fd and never through a symlink, so
 * what is hashed is what lies in the directory. */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/hash.h"
#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "lab/evidence.h"
#include "lab/plan.h"

#define WALK_DEPTH_MAX 4
#define FILES_MAX 4096

enum format { FMT_JSON, FMT_JSONL, FMT_MARKDOWN, FMT_OTHER };

static const char *const format_names[] = { "json", "jsonl", "markdown", "other" };

static const char *const k_index[] = { "files", "run_id", NULL };
static const char *const k_meta[] = { "latch", "run_id", "source", NULL };
static const char *const k_mismatch[] = { "detail", "lanes", "mismatch_reason", "profile", "row_id", "run_id", NULL };
static const char *const k_result[] = { "lane", "oracle", "probe_id", "profile", "response", "row_id", "run_id",
					"status", NULL };
static const char *const k_manifest[] = { "ended_at_unix_ms", "kernel", "latch", "plan", "run_id",
					  "started_at_unix_ms", NULL };
static const char *const k_status[] = { "run_id", "status", NULL };
static const char *const k_summary[] = { "counts", "profiles", "rows", "run_id", NULL };
static const char *const k_profile[] = { "profile", "risk", NULL };

/* Every file the lab writes: its name (profiles/ holds any NAME.json), the
 * envelope kind of its documents and the data keys each must have. */
static const struct artifact {
	const char *name;
	const char *kind;
	enum format format;
	const char *const *keys;
} artifacts[] = {
	{ LAB_INDEX_FILE, "lab_artifact_index", FMT_JSON, k_index },
	{ "bundle_meta.json", "evidence_bundle_meta", FMT_JSON, k_meta },
	{ "mismatches.jsonl", "lab_mismatch", FMT_JSONL, k_mismatch },
	{ "results.jsonl", "lab_result", FMT_JSONL, k_result },
	{ LAB_MANIFEST_FILE, "lab_run_manifest", FMT_JSON, k_manifest },
	{ LAB_STATUS_FILE, "lab_run_status", FMT_JSON, k_status },
	{ "summary.json", "lab_summary", FMT_JSON, k_summary },
	{ "summary.md", NULL, FMT_MARKDOWN, NULL },
	{ "profiles/", "profile_show", FMT_JSON, k_profile },
};

/* What a file is by its name and the name of its directory, wherever that
 * lies: a bundle's run/ holds the same files as the run. */
static const struct artifact *artifact_of(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(path);

	for (size_t i = 0; i < ELEMENTSOF(artifacts); i++) {
		const char *name = artifacts[i].name;
		size_t dl = strlen(name);

		if (name[dl - 1] == '/') {
			/* NAME.json directly in a directory of that name */
			if ((size_t)(base - path) >= dl && strncmp(base - dl, name, dl) == 0 &&
			    (base - dl == path || base[-(ptrdiff_t)dl - 1] == '/') && n > 5 && strcmp(path + n - 5, ".json") == 0)
				return &artifacts[i];
		} else if (strcmp(base, name) == 0) {
			return &artifacts[i];
		}
	}
	return NULL;
}

char *lab_json_text(const json_t *v, bool pretty)
{
	_cleanup_free_ char *s = json_dumps(v, JSON_SORT_KEYS | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
	char *out = NULL;

	if (!s || asprintf(&out, "%s\n", s) < 0)
		return NULL;
	return out;
}

int lab_write_text_file(int dirfd, const char *name, const char *text, struct error *err)
{
	char tmp[256];
	int fd, r;

	(void)snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return error_set(err, errno, "cannot write '%s': %s", name, strerror(errno));
	r = write_all(fd, text, strlen(text));
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dirfd, tmp, 0);
		return error_set(err, -r, "cannot write '%s': %s", name, strerror(-r));
	}
	return 0;
}

int lab_write_json_file(int dirfd, const char *name, const json_t *v, struct error *err)
{
	_cleanup_free_ char *text = lab_json_text(v, true);

	if (!text)
		return error_set(err, ENOMEM, "out of memory");
	return lab_write_text_file(dirfd, name, text, err);
}

/* ---- walking a directory ---------------------------------------------------- */

struct walk {
	char **files;    /* regular files, relative */
	char **others;   /* anything else (symlinks, fifos): never evidence */
};

static int walk_dir(int dirfd, const char *prefix, int depth, struct walk *w)
{
	int fd = openat(dirfd, prefix[0] ? prefix : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int r = 0;

	if (!d) {
		if (fd >= 0)
			(void)close(fd);
		return -errno;
	}
	while (r == 0 && (de = readdir(d))) {
		_cleanup_free_ char *rel = NULL;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&rel, "%s%s%s", prefix, prefix[0] ? "/" : "", de->d_name) < 0)
			r = -ENOMEM;
		else if (fstatat(dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		else if (S_ISDIR(st.st_mode) && depth < WALK_DEPTH_MAX)
			r = walk_dir(dirfd, rel, depth + 1, w);
		else if (strv_length(w->files) + strv_length(w->others) >= FILES_MAX)
			r = -E2BIG;
		else
			r = strv_push(S_ISREG(st.st_mode) ? &w->files : &w->others, rel);
	}
	(void)closedir(d);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int lab_evidence_index(int dirfd, const char *run_id, struct error *err)
{
	struct walk w = { 0 };
	json_t *files = json_array(), *data = json_object(), *env;
	struct json_result res = { .ok = true, .exit_code = -1, .outcome = "ok" };
	int r = walk_dir(dirfd, "", 0, &w);

	if (r < 0) {
		r = error_set(err, -r, "cannot list the run directory: %s", strerror(-r));
		goto out;
	}
	if (w.files)
		sort_n(w.files, strv_length(w.files), sizeof(char *), cmp_str);
	for (size_t i = 0; w.files && w.files[i]; i++) {
		const struct artifact *a = artifact_of(w.files[i]);
		char hex[SHA256_HEX_SIZE];
		uint64_t size;
		json_t *e;

		if (strcmp(w.files[i], LAB_INDEX_FILE) == 0)
			continue;
		r = sha256_file_at(dirfd, w.files[i], hex, &size);
		if (r < 0) {
			r = error_set(err, -r, "cannot hash '%s': %s", w.files[i], strerror(-r));
			goto out;
		}
		e = json_object();
		json_set(e, "path", json_str(w.files[i]));
		json_set(e, "size", json_integer((json_int_t)size));
		json_set(e, "sha256", json_str(hex));
		json_set(e, "schema_version", json_integer(LAB_SCHEMA_VERSION));
		json_set(e, "kind", json_str(a ? a->kind : NULL));
		json_set(e, "format", json_str(format_names[a ? a->format : FMT_OTHER]));
		(void)json_array_append_new(files, e);
	}
	json_set(data, "run_id", json_str(run_id));
	json_set(data, "algorithm", json_str("sha256"));
	json_set(data, "files", json_incref(files));
	env = json_envelope("lab_artifact_index", json_incref(data), &res);
	r = env ? lab_write_json_file(dirfd, LAB_INDEX_FILE, env, err) : error_set(err, ENOMEM, "out of memory");
	json_decref(env);
out:
	json_decref(files);
	json_decref(data);
	strv_free(w.files);
	strv_free(w.others);
	return r;
}

/* ---- verification ------------------------------------------------------------ */

struct verify {
	int dirfd;
	const char *prefix;   /* for names in messages: "" or "run/" */
	json_t *files;        /* [{path, ok, problem}] */
	json_t *problems;     /* ["path: problem"] */
	const char *run_id;
	char *top_run_id;     /* the verified directory's run id, owned */
	bool complete_seen;
};

_printf_(3, 4) static void problem(struct verify *v, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	{
		char *line = NULL;

		if (asprintf(&line, "%s%s: %s", v->prefix, path, msg) >= 0) {
			(void)json_array_append_new(v->problems, json_str(line));
			free(line);
		}
	}
}

static void file_result(struct verify *v, const char *path, const char *problem_text)
{
	json_t *f = json_object();
	char *full = NULL;

	if (asprintf(&full, "%s%s", v->prefix, path) < 0)
		full = NULL;
	json_set(f, "path", json_str(full ? full : path));
	json_set(f, "ok", json_boolean(!problem_text));
	json_set(f, "problem", json_str(problem_text));
	(void)json_array_append_new(v->files, f);
	free(full);
}

/* One document: the envelope of the right kind and schema version, the
 * keys its kind must have, this run's id, and exactly the text the lab
 * writes for it. NULL when it checks out, else what is wrong (static). */
static const char *check_document(const struct verify *v, const struct artifact *a, const char *text, size_t len,
				  bool pretty, long schema, json_t **ret)
{
	static char why[256];
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL), *data = json_object_get(doc, "data");
	_cleanup_free_ char *canon = doc ? lab_json_text(doc, pretty) : NULL;
	const char *run_id = json_string_value(json_object_get(data, "run_id"));

	*ret = NULL;
	if (!json_is_object(doc) || !json_is_object(data)) {
		json_decref(doc);
		return "not a JSON envelope";
	}
	if (strcmp(json_string_value(json_object_get(doc, "kind")) ?: "", a->kind) != 0) {
		(void)snprintf(why, sizeof(why), "kind is '%s', expected '%s'",
			       json_string_value(json_object_get(doc, "kind")) ?: "(none)", a->kind);
		json_decref(doc);
		return why;
	}
	if (json_integer_value(json_object_get(doc, "schema_version")) != schema) {
		json_decref(doc);
		return "schema_version differs from the index";
	}
	for (size_t i = 0; a->keys && a->keys[i]; i++)
		if (!json_object_get(data, a->keys[i])) {
			(void)snprintf(why, sizeof(why), "data.%s is missing", a->keys[i]);
			json_decref(doc);
			return why;
		}
	if (v->run_id && json_object_get(data, "run_id") && (!run_id || strcmp(run_id, v->run_id) != 0)) {
		json_decref(doc);
		return "belongs to another run (data.run_id)";
	}
	if (!canon || strlen(canon) != len + (pretty ? 0 : 1) || memcmp(canon, text, strlen(canon) - (pretty ? 0 : 1)) != 0) {
		json_decref(doc);
		return "not in the canonical form the lab writes (sorted keys, its layout)";
	}
	*ret = doc;
	return NULL;
}

/* The content of one listed file, by its format. */
static const char *check_content(struct verify *v, const char *path, const struct artifact *a, long schema)
{
	size_t len = 0;
	_cleanup_free_ char *text = read_all_at(v->dirfd, path, &len);
	const char *why = NULL;
	json_t *doc = NULL;

	if (!text)
		return "cannot be read";
	if (!a || a->format == FMT_MARKDOWN)
		return strlen(text) == len ? NULL : "holds NUL bytes";
	if (a->format == FMT_JSON) {
		why = check_document(v, a, text, len, true, schema, &doc);
		if (!why && strcmp(a->kind, "lab_run_status") == 0) {
			const char *st = json_string_value(json_object_get(json_object_get(doc, "data"), "status"));

			if (!st || strcmp(st, "complete") != 0) {
				static char msg[128];

				(void)snprintf(msg, sizeof(msg), "the run is not complete (status '%s')", st ? st : "?");
				why = msg;
			} else {
				v->complete_seen = true;
			}
		}
		json_decref(doc);
		return why;
	}
	for (size_t o = 0, line = 1; o < len; line++) {
		const char *nl = memchr(text + o, '\n', len - o);
		static char msg[300];

		if (!nl)
			return "the last line is not terminated";
		why = check_document(v, a, text + o, (size_t)(nl - text - o), false, schema, &doc);
		json_decref(doc);
		if (why) {
			(void)snprintf(msg, sizeof(msg), "line %zu: %s", line, why);
			return msg;
		}
		o = (size_t)(nl - text) + 1;
	}
	return NULL;
}

static bool rel_path_ok(const char *p)
{
	return path_is_plain_relative(p) && strlen(p) < 1024;
}

static int verify_dir(struct verify *v, int depth);

static void verify_entry(struct verify *v, const json_t *e, int depth)
{
	const char *path = json_string_value(json_object_get(e, "path"));
	const char *want = json_string_value(json_object_get(e, "sha256"));
	json_int_t size = json_integer_value(json_object_get(e, "size"));
	long schema = (long)json_integer_value(json_object_get(e, "schema_version"));
	const struct artifact *a;
	char hex[SHA256_HEX_SIZE], msg[300];
	uint64_t got = 0;
	const char *why;
	int r;

	if (!rel_path_ok(path) || !want) {
		problem(v, path ? path : "(no path)", "a malformed index entry");
		return;
	}
	r = sha256_file_at(v->dirfd, path, hex, &got);
	if (r < 0) {
		(void)snprintf(msg, sizeof(msg), "%s", r == -ENOENT ? "missing" : strerror(-r));
		problem(v, path, "%s", msg);
		file_result(v, path, msg);
		return;
	}
	if ((json_int_t)got != size) {
		(void)snprintf(msg, sizeof(msg), "size %llu, the index says %lld", (unsigned long long)got, (long long)size);
		problem(v, path, "%s", msg);
		file_result(v, path, msg);
		return;
	}
	if (strcmp(hex, want) != 0) {
		(void)snprintf(msg, sizeof(msg), "sha256 %s, the index says %s", hex, want);
		problem(v, path, "%s", msg);
		file_result(v, path, msg);
		return;
	}
	a = artifact_of(path);
	if (!a || schema != LAB_SCHEMA_VERSION ||
	    strcmp(json_string_value(json_object_get(e, "kind")) ?: "", a->kind ? a->kind : "") != 0) {
		why = !a ? "not a file the lab writes" : schema != LAB_SCHEMA_VERSION ? "an unknown schema_version"
										     : "the index names another kind";
	} else {
		why = check_content(v, path, a, schema);
	}
	if (why)
		problem(v, path, "%s", why);
	file_result(v, path, why);
	/* A run inside a bundle carries its own index: verify it as a run. */
	if (!why && strcmp(a->name, LAB_INDEX_FILE) == 0 && strchr(path, '/') && depth < 2) {
		_cleanup_free_ char *sub = strndup(path, (size_t)(strrchr(path, '/') - path));
		_cleanup_free_ char *prefix = NULL;
		struct verify inner = *v;

		if (!sub || asprintf(&prefix, "%s%s/", v->prefix, sub) < 0)
			return;
		inner.dirfd = openat(v->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		inner.prefix = prefix;
		if (inner.dirfd < 0) {
			problem(v, sub, "cannot be opened");
			return;
		}
		(void)verify_dir(&inner, depth + 1);
		(void)close(inner.dirfd);
		v->complete_seen = v->complete_seen || inner.complete_seen;
	}
}

static int verify_dir(struct verify *v, int depth)
{
	size_t len = 0;
	_cleanup_free_ char *text = read_all_at(v->dirfd, LAB_INDEX_FILE, &len);
	_cleanup_json_ json_t *index = NULL;
	const char *why;
	struct walk w = { 0 };
	const char *saved = v->run_id;
	json_t *files, *e;
	size_t i;
	int r;

	if (!text) {
		problem(v, LAB_INDEX_FILE, "missing: the run is incomplete (the index is written last)");
		file_result(v, LAB_INDEX_FILE, "missing");
		return 0;
	}
	v->run_id = NULL;
	why = check_document(v, &artifacts[0], text, len, true, LAB_SCHEMA_VERSION, &index);
	if (why) {
		problem(v, LAB_INDEX_FILE, "%s", why);
		file_result(v, LAB_INDEX_FILE, why);
		return 0;
	}
	v->run_id = json_string_value(json_object_get(json_object_get(index, "data"), "run_id"));
	if (depth > 0 && saved && v->run_id && strcmp(saved, v->run_id) != 0)
		problem(v, LAB_INDEX_FILE, "belongs to another run than the bundle");
	file_result(v, LAB_INDEX_FILE, NULL);
	files = json_object_get(json_object_get(index, "data"), "files");
	json_array_foreach(files, i, e)
		verify_entry(v, e, depth);
	/* Nothing may lie there that the index does not name. */
	r = walk_dir(v->dirfd, "", 0, &w);
	if (r < 0)
		problem(v, ".", "cannot list the directory: %s", strerror(-r));
	for (size_t f = 0; w.files && w.files[f]; f++) {
		bool listed = strcmp(w.files[f], LAB_INDEX_FILE) == 0;

		json_array_foreach(files, i, e)
			listed = listed || strcmp(json_string_value(json_object_get(e, "path")) ?: "", w.files[f]) == 0;
		if (!listed) {
			problem(v, w.files[f], "not in the index");
			file_result(v, w.files[f], "not in the index");
		}
	}
	for (size_t f = 0; w.others && w.others[f]; f++) {
		problem(v, w.others[f], "not a regular file");
		file_result(v, w.others[f], "not a regular file");
	}
	strv_free(w.files);
	strv_free(w.others);
	if (depth == 0 && v->run_id && !v->top_run_id)
		v->top_run_id = strdup(v->run_id);
	v->run_id = saved;
	return 0;
}

int lab_evidence_verify(const char *dir, json_t **ret_report)
{
	struct verify v = { .prefix = "", .files = json_array(), .problems = json_array() };
	json_t *rep = json_object();
	bool ok;

	v.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (v.dirfd < 0) {
		problem(&v, dir, "cannot be opened: %s", strerror(errno));
	} else {
		(void)verify_dir(&v, 0);
		if (!v.complete_seen && json_array_size(v.problems) == 0)
			problem(&v, LAB_STATUS_FILE, "missing: nothing says the run completed");
		(void)close(v.dirfd);
	}
	ok = json_array_size(v.problems) == 0;
	json_set(rep, "dir", json_str(dir));
	json_set(rep, "run_id", json_str(v.top_run_id));
	free(v.top_run_id);
	json_set(rep, "ok", json_boolean(ok));
	json_set(rep, "files", v.files);
	json_set(rep, "problems", v.problems);
	*ret_report = rep;
	return ok ? 0 : 1;
}

/* ---- bundles ------------------------------------------------------------------ */

static int copy_file(int from_dir, const char *rel, int to_dir, struct error *err)
{
	size_t len = 0;
	_cleanup_free_ char *buf = read_all_at(from_dir, rel, &len);
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *dir = strdup(rel);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	int r;

	if (!buf || !dir)
		return error_set(err, errno ? errno : ENOMEM, "cannot read '%s'", rel);
	if (slash) {
		*slash = '\0';
		if (mkdirat(to_dir, dir, 0755) < 0 && errno != EEXIST)
			return error_set(err, errno, "cannot create '%s': %s", dir, strerror(errno));
	}
	fd = openat(to_dir, rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return error_set(err, errno, "cannot create '%s': %s", rel, strerror(errno));
	r = write_all(fd, buf, len);
	return r < 0 ? error_set(err, -r, "cannot write '%s': %s", rel, strerror(-r)) : 0;
}

/* out: created, or an empty directory. */
static int open_out(const char *out, struct error *err)
{
	int fd;
	DIR *d;
	struct dirent *de;
	bool empty = true;

	if (mkdir(out, 0755) < 0 && errno != EEXIST)
		return error_set(err, errno, "cannot create '%s': %s", out, strerror(errno));
	fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "cannot open '%s': %s", out, strerror(errno));
	d = fdopendir(dup(fd));
	while (d && (de = readdir(d)))
		empty = empty && (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0);
	if (d)
		(void)closedir(d);
	if (!empty) {
		(void)close(fd);
		return error_set(err, EEXIST, "'%s' is not empty: a bundle goes into a new directory", out);
	}
	return fd;
}

static json_t *read_json_at(int dirfd, const char *rel)
{
	size_t len = 0;
	_cleanup_free_ char *text = read_all_at(dirfd, rel, &len);

	return text ? json_loadb(text, len, 0, NULL) : NULL;
}

int lab_read_run_file(const char *dir, const char *name, json_t **ret, struct error *err)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	json_t *v;

	if (fd < 0)
		return error_set(err, errno, "cannot open the run directory '%s': %s", dir, strerror(errno));
	v = read_json_at(fd, name);
	if (!json_is_object(v)) {
		json_decref(v);
		return error_set(err, ENOENT, "%s/%s: missing or not JSON", dir, name);
	}
	*ret = v;
	return 0;
}

/* profiles/NAME.json for each profile of the manifest: what the run used,
 * resolved after extends, as `latch profile show --json` prints it. */
static int write_profiles(int out, const json_t *manifest, json_t *names, struct error *err)
{
	const json_t *profiles = json_object_get(json_object_get(manifest, "data"), "profiles");
	struct json_result res = { .ok = true, .exit_code = -1, .outcome = "ok" };
	const char *spec;
	json_t *p;
	int r;

	if (mkdirat(out, "profiles", 0755) < 0)
		return error_set(err, errno, "cannot create 'profiles': %s", strerror(errno));
	json_object_foreach((json_t *)profiles, spec, p) {
		const json_t *resolved = json_object_get(p, "resolved");
		const char *name = json_string_value(json_object_get(json_object_get(resolved, "profile"), "name"));
		char file[LAB_ID_MAX * 2 + 32];
		json_t *env;
		int dfd;

		if (!name || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-.") != strlen(name) || name[0] == '.')
			return error_set(err, EINVAL, "the manifest's profile '%s' has no usable name", spec);
		/* What profiles/NAME.json must hold to verify: these keys, no other. */
		if (json_object_size(resolved) != ELEMENTSOF(k_profile) - 1 || !json_object_get(resolved, "risk"))
			return error_set(err, EINVAL, "the manifest's profile '%s' is not a resolved profile with its risk",
					 spec);
		(void)snprintf(file, sizeof(file), "%.64s.json", name);
		for (int n = 2; json_array_size(names) && n < 100; n++) {
			bool taken = false;
			size_t i;
			json_t *x;

			json_array_foreach(names, i, x)
				taken = taken || strcmp(json_string_value(x), file) == 0;
			if (!taken)
				break;
			(void)snprintf(file, sizeof(file), "%.64s-%d.json", name, n);
		}
		env = json_envelope("profile_show", json_deep_copy(resolved), &res);
		dfd = openat(out, "profiles", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = env && dfd >= 0 ? lab_write_json_file(dfd, file, env, err) : error_set(err, ENOMEM, "out of memory");
		if (dfd >= 0)
			(void)close(dfd);
		json_decref(env);
		if (r < 0)
			return r;
		(void)json_array_append_new(names, json_str(file));
	}
	return 0;
}

int lab_evidence_bundle(const char *run_dir, const char *out, const char *latch_path, const char *latch_sha256,
			json_t **ret_report, struct error *err)
{
	struct json_result res = { .ok = true, .exit_code = -1, .outcome = "ok" };
	_cleanup_json_ json_t *check = NULL, *manifest = NULL, *index = NULL;
	_cleanup_close_ int from = -EBADF, to = -EBADF, run_to = -EBADF;
	json_t *meta, *latch, *names = json_array(), *files, *e, *rep;
	const char *run_id, *run_sha;
	char *source = NULL;
	size_t i;
	int r;

	*ret_report = NULL;
	if (lab_evidence_verify(run_dir, &check) != 0) {
		rep = json_object();
		json_set(rep, "run", json_str(run_dir));
		json_set(rep, "out", json_str(out));
		json_set(rep, "problems", json_incref(json_object_get(check, "problems")));
		*ret_report = rep;
		json_decref(names);
		return 1;
	}
	from = open(run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	manifest = from >= 0 ? read_json_at(from, LAB_MANIFEST_FILE) : NULL;
	index = from >= 0 ? read_json_at(from, LAB_INDEX_FILE) : NULL;
	if (!manifest || !index) {
		json_decref(names);
		return error_set(err, EIO, "cannot read the run at '%s'", run_dir);
	}
	to = open_out(out, err);
	if (to < 0) {
		json_decref(names);
		return to;
	}
	if (mkdirat(to, "run", 0755) < 0 || (run_to = openat(to, "run", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		json_decref(names);
		return error_set(err, errno, "cannot create '%s/run': %s", out, strerror(errno));
	}
	files = json_object_get(json_object_get(index, "data"), "files");
	json_array_foreach(files, i, e)
		if ((r = copy_file(from, json_string_value(json_object_get(e, "path")), run_to, err)) < 0) {
			json_decref(names);
			return r;
		}
	if ((r = copy_file(from, LAB_INDEX_FILE, run_to, err)) < 0 || (r = write_profiles(to, manifest, names, err)) < 0) {
		json_decref(names);
		return r;
	}
	run_id = json_string_value(json_object_get(json_object_get(index, "data"), "run_id"));
	run_sha = json_string_value(
		json_object_get(json_object_get(json_object_get(manifest, "data"), "latch"), "sha256"));
	(void)path_resolve(run_dir, &source);
	meta = json_object();
	latch = json_object();
	json_set(latch, "path", json_str(latch_path));
	json_set(latch, "version", json_str(LATCH_VERSION));
	json_set(latch, "sha256", json_str(latch_sha256));
	json_set(meta, "run_id", json_str(run_id));
	json_set(meta, "source", json_str(source ? source : run_dir));
	json_set(meta, "latch", latch);
	json_set(meta, "run_latch_sha256", json_str(run_sha));
	json_set(meta, "same_binary", json_boolean(run_sha && latch_sha256 && strcmp(run_sha, latch_sha256) == 0));
	json_set(meta, "profiles", json_incref(names));
	json_set(meta, "created_at_unix_ms", json_integer(unix_time_ms()));
	free(source);
	{
		json_t *env = json_envelope("evidence_bundle_meta", meta, &res);

		r = env ? lab_write_json_file(to, "bundle_meta.json", env, err) : error_set(err, ENOMEM, "out of memory");
		json_decref(env);
	}
	if (r >= 0)
		r = lab_evidence_index(to, run_id, err);
	if (r < 0) {
		json_decref(names);
		return r;
	}
	rep = json_object();
	json_set(rep, "run", json_str(run_dir));
	json_set(rep, "out", json_str(out));
	json_set(rep, "run_id", json_str(run_id));
	json_set(rep, "profiles", names);
	json_set(rep, "files", json_integer((json_int_t)json_array_size(files) + 1));
	json_set(rep, "problems", json_array());
	*ret_report = rep;
	return 0;
}
