/* Reading and checking the session log (log.h). A log is checked the way
 * the lab's evidence is: every line in the exact form latch writes it
 * (sorted keys, compact), each record's prev the digest of the line
 * before, the sequence unbroken, and the head naming the last line. */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/hash.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "policy/policy.h"
#include "session/log.h"

char *session_log_dir(const struct policy_ctx *ctx)
{
	const char *state = policy_ctx_var(ctx, "XDG_STATE_HOME");
	char *dir = NULL;

	if (!state || asprintf(&dir, "%s/latch/sessions", state) < 0)
		return NULL;
	return dir;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* YYYYMMDDTHHMMSS.mmm-PID, or -PID.N when that was taken. */
bool session_log_id_valid(const char *name)
{
	size_t n = strlen(name), k;

	if (n < 21 || n >= SESSION_ID_MAX || !digits(name, 8) || name[8] != 'T' || !digits(name + 9, 6) ||
	    name[15] != '.' || !digits(name + 16, 3) || name[19] != '-')
		return false;
	k = strspn(name + 20, "0123456789");
	if (k == 0)
		return false;
	if (name[20 + k] == '\0')
		return true;
	return name[20 + k] == '.' && name[21 + k] && digits(name + 21 + k, strlen(name + 21 + k));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int session_log_ids(const char *dir, char ***ret)
{
	char **ids = NULL;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d && errno != ENOENT)
		return -errno;
	while (d && (e = readdir(d)))
		if (session_log_id_valid(e->d_name) && strv_push(&ids, e->d_name) < 0) {
			(void)closedir(d);
			strv_free(ids);
			return -ENOMEM;
		}
	if (d)
		(void)closedir(d);
	if (!ids && !(ids = calloc(1, sizeof(*ids))))
		return -ENOMEM;
	sort_n(ids, strv_length(ids), sizeof(*ids), cmp_str);
	*ret = ids;
	return 0;
}

/* text (len bytes, no newline) is exactly v dumped as latch writes it. */
static bool canonical(const json_t *v, const char *text, size_t len)
{
	_cleanup_free_ char *c = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);

	return c && strlen(c) == len && memcmp(c, text, len) == 0;
}

static const char PREV_MISMATCH[] = "prev";

static const char *const record_types[] = { "session", "plan", "event", "exec", "audit", "supervisor", "proxy",
						    "overlay", "exit" };

static bool known_type(const char *t)
{
	for (size_t i = 0; t && i < ELEMENTSOF(record_types); i++)
		if (strcmp(record_types[i], t) == 0)
			return true;
	return false;
}

/* One line: NULL when it checks out (its parsed record in *ret), else
 * what is wrong with it. */
static const char *check_record(const char *id, const char *line, size_t len, unsigned long long seq,
				const char *prev, json_t **ret)
{
	json_t *rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	const char *type = json_string_value(json_object_get(rec, "record"));
	const char *why = NULL;

	*ret = NULL;
	if (!json_is_object(rec))
		why = "not a JSON object";
	else if (json_object_size(rec) != 4 || !json_object_get(rec, "data") || !json_is_string(json_object_get(rec, "prev")) ||
		 !json_is_integer(json_object_get(rec, "seq")) || !type)
		why = "not a record (data, prev, record, seq)";
	else if (!canonical(rec, line, len))
		why = "not in the form latch writes (sorted keys, compact): it was edited";
	else if (!known_type(type))
		why = "an unknown record type";
	else if ((unsigned long long)json_integer_value(json_object_get(rec, "seq")) != seq)
		why = "out of sequence (its seq differs): it was removed, or a record was inserted before it";
	else if (strcmp(json_string_value(json_object_get(rec, "prev")), prev) != 0)
		why = seq == 0 ? "prev is not the digest of the session ID: records were removed before it, or it was copied "
				 "from another session"
			       : PREV_MISMATCH;
	else if (seq == 0 && (strcmp(type, "session") != 0 ||
			      strcmp(json_string_value(json_object_get(json_object_get(rec, "data"), "session")) ?: "", id) != 0))
		why = "the first record is not this session's session record";
	if (why) {
		json_decref(rec);
		return why;
	}
	*ret = rec;
	return NULL;
}

static int problem(char **ret, const char *fmt, ...) _printf_(2, 3);
static int problem(char **ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(ret, fmt, ap) < 0)
		*ret = NULL;
	va_end(ap);
	return 1;
}

/* head.json: {"records":N,"session":ID,"sha256":HEX}, as latch writes it. */
static const char *check_head(int dirfd, const char *id, unsigned long long *ret_n, char ret_sha[SHA256_HEX_SIZE])
{
	size_t len = 0;
	_cleanup_free_ char *text = read_all_at(dirfd, SESSION_LOG_HEAD, &len);
	_cleanup_json_ json_t *head = NULL;
	const char *sha;

	if (!text)
		return "head.json is missing or unreadable";
	head = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	sha = json_string_value(json_object_get(head, "sha256"));
	if (!json_is_object(head) || json_object_size(head) != 3 || !json_is_integer(json_object_get(head, "records")) ||
	    !sha || strlen(sha) != SHA256_HEX_SIZE - 1 || len == 0 || text[len - 1] != '\n' ||
	    !canonical(head, text, len - 1))
		return "head.json is not in the form latch writes";
	if (strcmp(json_string_value(json_object_get(head, "session")) ?: "", id) != 0)
		return "head.json names another session";
	*ret_n = (unsigned long long)json_integer_value(json_object_get(head, "records"));
	memcpy(ret_sha, sha, SHA256_HEX_SIZE);
	return NULL;
}

int session_log_verify(const char *dir, const char *id, json_t **ret_records, char **ret_problem,
		       struct error *err)
{
	_cleanup_close_ int dirfd = -EBADF;
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_json_ json_t *records = json_array();
	char prev[SHA256_HEX_SIZE], head_sha[SHA256_HEX_SIZE];
	uint8_t digest[SHA256_DIGEST_SIZE];
	unsigned long long seq = 0, head_n = 0;
	const char *why;
	size_t len = 0, o = 0;
	int r = 0;

	*ret_problem = NULL;
	if (!records || asprintf(&path, "%s/%s", dir, id) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (!session_log_id_valid(id))
		return error_set(err, ENOENT, "'%s' is not a session ID", id);
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0 && errno == ENOENT)
		return error_set(err, ENOENT, "no session '%s' in %s", id, dir);
	if (dirfd < 0)
		return error_set(err, errno, "cannot open session '%s' in %s: %s", id, dir, strerror(errno));
	text = read_all_at(dirfd, SESSION_LOG_FILE, &len);
	if (!text) {
		r = problem(ret_problem, "%s is missing or unreadable", SESSION_LOG_FILE);
		goto out;
	}
	sha256_hex(id, strlen(id), prev);
	while (o < len) {
		const char *nl = memchr(text + o, '\n', len - o);
		json_t *rec;

		if (!nl) {
			r = problem(ret_problem, "record %llu (line %llu): the line is not terminated: the log was cut", seq,
				    seq + 1);
			goto out;
		}
		why = check_record(id, text + o, (size_t)(nl - text - o), seq, prev, &rec);
		if (why == PREV_MISMATCH) {
			/* The record before is the first that does not check out
			 * (unless this one's prev was what changed). */
			r = problem(ret_problem, "record %llu (line %llu): changed: its digest is not the prev of record %llu "
						 "(or that prev was changed)",
				    seq - 1, seq, seq);
			goto out;
		}
		if (why) {
			r = problem(ret_problem, "record %llu (line %llu): %s", seq, seq + 1, why);
			goto out;
		}
		(void)json_array_append_new(records, rec);
		{
			struct sha256 h;

			sha256_init(&h);
			sha256_update(&h, text + o, (size_t)(nl - text - o) + 1);
			sha256_final(&h, digest);
			sha256_to_hex(digest, prev);
		}
		o = (size_t)(nl - text) + 1;
		seq++;
	}
	why = check_head(dirfd, id, &head_n, head_sha);
	if (why)
		r = problem(ret_problem, "%s", why);
	else if (seq < head_n)
		r = problem(ret_problem, "record %llu: missing: the log ends after %llu records, head.json names %llu: "
					 "records were removed from the end",
			    seq, seq, head_n);
	else if (seq > head_n)
		r = problem(ret_problem, "record %llu (line %llu): not in head.json, which names %llu records: records "
					 "were added after it",
			    head_n, head_n + 1, head_n);
	else if (strcmp(prev, head_sha) != 0)
		r = problem(ret_problem, "record %llu (line %llu): its digest is not the one head.json holds: the last "
					 "record was changed",
			    seq ? seq - 1 : 0, seq);
out:
	if (r == 1 && !*ret_problem)
		return error_set(err, ENOMEM, "out of memory");
	if (ret_records)
		*ret_records = TAKE_PTR(records);
	return r;
}

/* The last complete line of fd (size bytes), at most SESSION_LOG_BATCH
 * long: a session's exit record is short. NULL when there is none. */
static char *last_line(int fd, off_t size)
{
	size_t want = size > (off_t)SESSION_LOG_BATCH ? SESSION_LOG_BATCH : (size_t)size;
	char *buf = malloc(want + 1), *start, *end;
	ssize_t n;

	if (!buf || want == 0)
		goto none;
	n = pread(fd, buf, want, size - (off_t)want);
	if (n != (ssize_t)want || buf[want - 1] != '\n')
		goto none;
	buf[want - 1] = '\0';
	end = buf + want - 1;
	start = memrchr(buf, '\n', (size_t)(end - buf));
	start = start ? start + 1 : buf;
	memmove(buf, start, (size_t)(end - start) + 1);
	return buf;
none:
	free(buf);
	return NULL;
}

int session_log_peek(const char *dir, const char *id, json_t **ret, struct error *err)
{
	_cleanup_free_ char *path = NULL, *first = NULL, *last = NULL;
	_cleanup_json_ json_t *rec0 = NULL, *recn = NULL;
	size_t cap = 0;
	json_t *out, *d;
	struct stat st;
	FILE *f;

	if (asprintf(&path, "%s/%s/%s", dir, id, SESSION_LOG_FILE) < 0)
		return error_set(err, ENOMEM, "out of memory");
	f = fopen(path, "re");
	if (!f)
		return error_set(err, errno, "cannot read '%s': %s", path, strerror(errno));
	if (getline(&first, &cap, f) > 0)
		rec0 = json_loads(first, 0, NULL);
	if (fstat(fileno(f), &st) == 0 && (last = last_line(fileno(f), st.st_size)))
		recn = json_loads(last, 0, NULL);
	(void)fclose(f);
	d = json_object_get(rec0, "data");
	out = json_object();
	json_set(out, "session", json_str(id));
	json_set(out, "argv", json_deep_copy(json_object_get(d, "argv")) ?: json_array());
	json_set(out, "profile", json_deep_copy(json_object_get(d, "profile")) ?: json_null());
	json_set(out, "cwd", json_deep_copy(json_object_get(d, "cwd")) ?: json_null());
	json_set(out, "started_unix_ms", json_deep_copy(json_object_get(d, "started_unix_ms")) ?: json_null());
	json_set(out, "exit", strcmp(json_string_value(json_object_get(recn, "record")) ?: "", "exit") == 0
				      ? json_deep_copy(json_object_get(recn, "data"))
				      : json_null());
	*ret = out;
	return 0;
}
