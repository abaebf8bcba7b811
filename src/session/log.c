/* Writing the session log (log.h): open with pruning, buffered records,
 * the hash chain and the head. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/hash.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "session/log.h"

/* What a record's line adds to its data (the keys, the digest, the type
 * and the sequence number): at most TRAILER_MAX, and about RECORD_OVERHEAD,
 * which is counted against the cap (a little more than it is). */
#define TRAILER_MAX 160
#define RECORD_OVERHEAD 120

struct session_log {
	char id[SESSION_ID_MAX];
	char *path;            /* dir/ID */
	int dirfd;             /* dir/ID */
	int fd;                /* log.jsonl, locked */
	int head_fd;           /* head.json */
	char prev[SHA256_HEX_SIZE];
	unsigned long long seq;       /* records written */
	unsigned long long bytes;     /* ...their bytes, and those buffered */
	/* Records not yet written: [type index][u32 length][data], in order. */
	char *buf;
	size_t len, alloc;
	bool failed;                  /* a write failed: nothing more is written */
	bool full;                    /* an event or exec found no room: no more are stored */
	int write_err;
	unsigned long long events, events_dropped, execs, execs_dropped, audits, audits_dropped;
	unsigned long long denied;    /* events and audit records that are denials */
};

/* The record types, in the order a log names them (log.h). */
static const char *const record_types[] = { "session", "plan", "event", "exec", "audit", "supervisor", "proxy",
						    "overlay", "exit" };

enum { REC_EVENT = 2, REC_EXEC = 3, REC_AUDIT = 4 };

static int type_index(const char *type)
{
	for (size_t i = 0; i < ELEMENTSOF(record_types); i++)
		if (strcmp(record_types[i], type) == 0)
			return (int)i;
	return -1;
}

const char *session_log_id(const struct session_log *l)
{
	return l->id;
}

const char *session_log_path(const struct session_log *l)
{
	return l->path;
}

/* ---- pruning ---------------------------------------------------------------------- */

struct kept {
	char *id;
	unsigned long long bytes;
};

static int cmp_kept(const void *a, const void *b)
{
	return strcmp(((const struct kept *)a)->id, ((const struct kept *)b)->id);
}

/* Whether the session is running: its log is locked. */
static bool running(int dirfd, const char *id)
{
	char path[SESSION_ID_MAX + 32];
	int fd;
	bool busy;

	(void)snprintf(path, sizeof(path), "%s/%s", id, SESSION_LOG_FILE);
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	busy = flock(fd, LOCK_EX | LOCK_NB) < 0;
	(void)close(fd);
	return busy;
}

/* Oldest first, until at most max - 1 sessions remain and the rest leaves
 * room for one more. Only what holds the form of a session ID is touched;
 * failures are ignored (the next run tries again). */
static void prune(int dirfd)
{
	struct kept *kept = NULL;
	size_t n = 0, alloc = 0;
	unsigned long long total = 0;
	struct dirent *e;
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (!d) {
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	while ((e = readdir(d))) {
		char path[SESSION_ID_MAX + 32];
		struct stat st;

		if (!session_log_id_valid(e->d_name))
			continue;
		if (n == alloc) {
			struct kept *grown = realloc(kept, (alloc = alloc ? alloc * 2 : 64) * sizeof(*kept));

			if (!grown)
				break;
			kept = grown;
		}
		kept[n].id = strdup(e->d_name);
		if (!kept[n].id)
			break;
		/* The log is what grows; the head is a line. */
		(void)snprintf(path, sizeof(path), "%s/%s", e->d_name, SESSION_LOG_FILE);
		kept[n].bytes = fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? (unsigned long long)st.st_size : 0;
		total += kept[n].bytes;
		n++;
	}
	(void)closedir(d);
	/* An empty directory holds no list at all (kept is NULL). */
	if (n > 1)
		sort_n(kept, n, sizeof(*kept), cmp_kept);
	for (size_t i = 0, left = n; i < n && (left >= SESSION_LOG_DIR_MAX || total + SESSION_LOG_CAP > SESSION_LOG_DIR_CAP);
	     i++) {
		if (running(dirfd, kept[i].id) || remove_tree_at(dirfd, kept[i].id) < 0)
			continue;
		total -= kept[i].bytes;
		left--;
	}
	for (size_t i = 0; i < n; i++)
		free(kept[i].id);
	free(kept);
}

/* ---- records ------------------------------------------------------------------------ */

static void push(struct session_log *l, int type, const char *data, size_t len)
{
	uint32_t n = (uint32_t)len;

	if (l->failed)
		return;
	if (l->len + 5 + len > l->alloc) {
		size_t want = l->alloc ? l->alloc : 65536;
		char *grown;

		while (want < l->len + 5 + len)
			want *= 2;
		grown = realloc(l->buf, want);
		if (!grown) {
			l->failed = true;
			l->write_err = ENOMEM;
			return;
		}
		l->buf = grown;
		l->alloc = want;
	}
	l->buf[l->len] = (char)type;
	memcpy(l->buf + l->len + 1, &n, sizeof(n));
	memcpy(l->buf + l->len + 5, data, len);
	l->len += 5 + len;
	l->bytes += len + RECORD_OVERHEAD;
}

/* Rewrite head.json: the count and the last line's digest. In place, in
 * one write of one short line, which only ever grows (the count gains
 * digits; the rest keeps its length): a reader sees the old line or the
 * new one, and no new file is made for it each time (creating files is
 * the slow part of a small log). */
static int write_head(struct session_log *l)
{
	char text[256];
	int n;

	n = snprintf(text, sizeof(text), "{\"records\":%llu,\"session\":\"%s\",\"sha256\":\"%s\"}\n", l->seq, l->id,
		     l->prev);
	if (pwrite(l->head_fd, text, (size_t)n, 0) != n)
		return errno ? -errno : -EIO;
	return 0;
}

void session_log_flush(struct session_log *l)
{
	size_t out_alloc = l->len + (l->len / 5 + 1) * TRAILER_MAX + 65536, o = 0;
	_cleanup_free_ char *out = NULL;
	uint8_t digest[SHA256_DIGEST_SIZE];
	int r;

	if (l->failed || l->len == 0)
		return;
	out = malloc(out_alloc);
	if (!out) {
		l->failed = true;
		l->write_err = ENOMEM;
		return;
	}
	for (size_t i = 0; i < l->len;) {
		int type = l->buf[i];
		uint32_t n;
		struct sha256 h;
		int head;

		memcpy(&n, l->buf + i + 1, sizeof(n));
		if (o + n + TRAILER_MAX > out_alloc) {
			char *grown = realloc(out, out_alloc = (o + n + TRAILER_MAX) * 2);

			if (!grown) {
				l->failed = true;
				l->write_err = ENOMEM;
				return;
			}
			out = grown;
		}
		/* Keys in byte order: data, prev, record, seq. */
		memcpy(out + o, "{\"data\":", 8);
		memcpy(out + o + 8, l->buf + i + 5, n);
		head = snprintf(out + o + 8 + n, TRAILER_MAX, ",\"prev\":\"%s\",\"record\":\"%s\",\"seq\":%llu}\n",
				l->prev, record_types[type], l->seq);
		sha256_init(&h);
		sha256_update(&h, out + o, 8 + n + (size_t)head);
		sha256_final(&h, digest);
		sha256_to_hex(digest, l->prev);
		o += 8 + n + (size_t)head;
		l->seq++;
		i += 5 + n;
	}
	l->len = 0;
	r = write_all(l->fd, out, o);
	if (r == 0)
		r = write_head(l);
	if (r < 0) {
		l->failed = true;
		l->write_err = -r;
	}
}

void session_log_record(struct session_log *l, const char *type, json_t *data)
{
	int t = type_index(type);
	_cleanup_free_ char *text = NULL;

	if (!data)
		data = json_object();
	text = t < 0 ? NULL : json_dumps(data, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(data);
	if (!text)
		return;
	if ((t == REC_EXEC || t == REC_AUDIT) &&
	    ((t == REC_AUDIT && l->audits >= SESSION_LOG_AUDIT_MAX) ||
	     l->bytes + strlen(text) + RECORD_OVERHEAD > SESSION_LOG_CAP)) {
		if (t == REC_EXEC)
			l->execs_dropped++;
		else
			l->audits_dropped++;
		return;
	}
	if (t == REC_EXEC)
		l->execs++;
	if (t == REC_AUDIT) {
		l->audits++;
		l->denied++;
	}
	push(l, t, text, strlen(text));
}

bool session_log_on_event(const char *line, size_t len, void *data)
{
	struct session_log *l = data;

	if (len && line[len - 1] == '\n')
		len--;
	if (l->full || l->bytes + len + RECORD_OVERHEAD > SESSION_LOG_CAP) {
		/* Full: the rest are counted by the supervisor. */
		l->full = true;
		l->events_dropped++;
		return false;
	}
	if (memmem(line, len, "\"normalized_outcome\":\"deny\"", 27))
		l->denied++;
	l->events++;
	push(l, REC_EVENT, line, len);
	if (l->len >= SESSION_LOG_BATCH)
		session_log_flush(l);
	return true;
}

void session_log_add_counted(struct session_log *l, unsigned long long events_dropped,
			     unsigned long long execs_dropped, unsigned long long denied)
{
	l->events_dropped += events_dropped;
	l->execs_dropped += execs_dropped;
	if (denied > l->denied)
		l->denied = denied;
}

bool session_log_on_exec(const struct sup_exec *ex, void *data)
{
	struct session_log *l = data;
	json_t *o;

	if (l->full || l->bytes + RECORD_OVERHEAD + 512 > SESSION_LOG_CAP) {
		l->full = true;
		l->execs_dropped++;
		return false;
	}
	o = json_object();
	if (!o)
		return true;
	json_set(o, "time_unix_ms", json_integer(ex->time_unix_ms));
	json_set(o, "pid", json_integer(ex->pid));
	json_set(o, "ppid", ex->ppid > 0 ? json_integer(ex->ppid) : json_null());
	json_set(o, "caller_exe", json_str(ex->exe));
	json_set(o, "path", json_str(ex->path));
	json_set(o, "resolved_path", json_str(ex->resolved));
	json_set(o, "argv", json_strv(ex->argv));
	json_set(o, "argv_truncated", json_boolean(ex->argv_truncated));
	json_set(o, "verdict", json_str(ex->allow ? "allow" : "deny"));
	json_set(o, "errno", json_str(ex->err > 0 ? errno_name(ex->err) : NULL));
	session_log_record(l, "exec", o);
	return true;
}

void session_log_counts(const struct session_log *l, json_t *into)
{
	json_set(into, "denied", json_integer((json_int_t)l->denied));
	json_set(into, "events_stored", json_integer((json_int_t)l->events));
	json_set(into, "events_not_stored", json_integer((json_int_t)l->events_dropped));
	json_set(into, "execs_stored", json_integer((json_int_t)l->execs));
	json_set(into, "execs_not_stored", json_integer((json_int_t)l->execs_dropped));
	json_set(into, "audits_stored", json_integer((json_int_t)l->audits));
	json_set(into, "audits_not_stored", json_integer((json_int_t)l->audits_dropped));
	json_set(into, "cap_bytes", json_integer((json_int_t)SESSION_LOG_CAP));
}

/* ---- opening and closing -------------------------------------------------------------- */

/* A new ID: the UTC time to the millisecond and our pid, sortable by time. */
static void make_id(char id[SESSION_ID_MAX], int attempt)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)strftime(when, sizeof(when), "%Y%m%dT%H%M%S", &tm);
	if (attempt)
		(void)snprintf(id, SESSION_ID_MAX, "%s.%03ld-%d.%d", when, ts.tv_nsec / 1000000, (int)getpid(), attempt);
	else
		(void)snprintf(id, SESSION_ID_MAX, "%s.%03ld-%d", when, ts.tv_nsec / 1000000, (int)getpid());
}

static struct session_log *log_free(struct session_log *l)
{
	if (!l)
		return NULL;
	if (l->fd >= 0)
		(void)close(l->fd);
	if (l->head_fd >= 0)
		(void)close(l->head_fd);
	if (l->dirfd >= 0)
		(void)close(l->dirfd);
	free(l->buf);
	free(l->path);
	free(l);
	return NULL;
}

int session_log_open(const char *dir, const struct session_log_start *st, struct session_log **ret,
		     struct error *err)
{
	_cleanup_close_ int top = -EBADF;
	struct session_log *l = NULL;
	uint8_t digest[SHA256_DIGEST_SIZE];
	json_t *rec;
	char cwd[4096];
	int r;

	r = mkdir_parents(dir, 0700);
	if (r < 0)
		return error_set(err, -r, "cannot create '%s': %s", dir, strerror(-r));
	top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return error_set(err, errno, "cannot open '%s': %s", dir, strerror(errno));
	prune(top);
	l = calloc(1, sizeof(*l));
	if (!l)
		return error_set(err, ENOMEM, "out of memory");
	l->fd = l->dirfd = l->head_fd = -1;
	for (int attempt = 0;; attempt++) {
		make_id(l->id, attempt);
		if (mkdirat(top, l->id, 0700) == 0)
			break;
		if (errno != EEXIST || attempt == 9) {
			r = error_set(err, errno, "cannot create a session in '%s': %s", dir, strerror(errno));
			log_free(l);
			return r;
		}
	}
	l->dirfd = openat(top, l->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (l->dirfd >= 0)
		l->fd = openat(l->dirfd, SESSION_LOG_FILE, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
			       0600);
	if (l->fd >= 0)
		l->head_fd = openat(l->dirfd, SESSION_LOG_HEAD, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (l->head_fd < 0 || flock(l->fd, LOCK_EX) < 0 || asprintf(&l->path, "%s/%s", dir, l->id) < 0) {
		r = error_set(err, errno, "cannot create a session in '%s': %s", dir, strerror(errno));
		l->path = NULL;
		(void)remove_tree_at(top, l->id);
		log_free(l);
		return r;
	}
	{
		struct sha256 h;

		sha256_init(&h);
		sha256_update(&h, l->id, strlen(l->id));
		sha256_final(&h, digest);
		sha256_to_hex(digest, l->prev);
	}
	rec = json_object();
	json_set(rec, "session", json_str(l->id));
	json_set(rec, "argv", json_strv(st->argv));
	json_set(rec, "profile", json_str(st->profile));
	json_set(rec, "cwd", json_str(st->cwd ? st->cwd : getcwd(cwd, sizeof(cwd))));
	json_set(rec, "uid", json_integer(getuid()));
	json_set(rec, "gid", json_integer(getgid()));
	json_set(rec, "pid", json_integer(getpid()));
	json_set(rec, "latch_version", json_str(LATCH_VERSION));
	json_set(rec, "started_unix_ms", json_integer(unix_time_ms()));
	session_log_record(l, "session", rec);
	*ret = l;
	return 0;
}

int session_log_close(struct session_log *l, struct error *err)
{
	int r = 0;

	if (!l)
		return 0;
	session_log_flush(l);
	if (l->failed)
		r = error_set(err, l->write_err, "cannot write the session log '%s': %s; it ends early", l->path,
			      strerror(l->write_err));
	log_free(l);
	return r;
}
