#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/path-util.h"

#define SYMLINK_MAX_FOLLOW 40

/* Append "/name" (len bytes) to out, which holds *n bytes. "/" stays one
 * slash. Returns 0 or -ENAMETOOLONG. */
static int append_component(char *out, size_t *n, const char *name, size_t len)
{
	size_t base = (*n == 1 && out[0] == '/') ? 0 : *n;

	if (base + 1 + len + 1 > LATCH_PATH_MAX)
		return -ENAMETOOLONG;
	out[base] = '/';
	memcpy(out + base + 1, name, len);
	*n = base + 1 + len;
	out[*n] = '\0';
	return 0;
}

/* Drop the last component of out: "/a/b" -> "/a", "/a" -> "/", "/" -> "/". */
static void pop_component(char *out, size_t *n)
{
	while (*n > 1 && out[*n - 1] != '/')
		(*n)--;
	if (*n > 1)
		(*n)--;
	out[*n] = '\0';
}

int path_normalize(const char *path, char **ret)
{
	char out[LATCH_PATH_MAX];
	size_t n = 1;
	const char *p = path;

	if (!path || path[0] != '/')
		return -EINVAL;
	if (strlen(path) >= LATCH_PATH_MAX)
		return -ENAMETOOLONG;
	out[0] = '/';
	out[1] = '\0';
	while (*p) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len == 1 && p[0] == '.') {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			pop_component(out, &n);
		} else if (append_component(out, &n, p, len) < 0) {
			return -ENAMETOOLONG;
		}
		p += len;
	}
	*ret = strdup(out);
	return *ret ? 0 : -ENOMEM;
}

enum probe_kind {
	PROBE_PLAIN,   /* exists, not a symlink */
	PROBE_MISSING, /* does not exist or cannot be looked at */
	PROBE_LINK,    /* a symlink; target recorded */
};

struct path_cache_entry {
	char *path;
	enum probe_kind kind;
	char *target;
};

/* lstat + readlink for one prefix, through the cache when there is one. */
static int probe(struct path_cache *c, const char *path, enum probe_kind *kind, char *target, size_t size)
{
	struct path_cache_entry *e;
	struct stat st;
	ssize_t tlen = -1;

	for (size_t i = 0; c && i < c->n; i++)
		if (strcmp(c->entries[i].path, path) == 0) {
			*kind = c->entries[i].kind;
			if (*kind == PROBE_LINK)
				(void)snprintf(target, size, "%s", c->entries[i].target);
			return 0;
		}
	if (lstat(path, &st) < 0)
		*kind = PROBE_MISSING; /* ENOENT, ENOTDIR, EACCES: the rest is taken as written */
	else if (!S_ISLNK(st.st_mode))
		*kind = PROBE_PLAIN;
	else if ((tlen = readlink(path, target, size - 1)) < 0)
		*kind = PROBE_MISSING;
	else {
		*kind = PROBE_LINK;
		target[tlen] = '\0';
	}
	if (!c)
		return 0;
	if (c->n == c->alloc) {
		size_t n = c->alloc ? c->alloc * 2 : 64;
		struct path_cache_entry *ne = realloc(c->entries, n * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		c->entries = ne;
		c->alloc = n;
	}
	e = &c->entries[c->n];
	e->path = strdup(path);
	e->kind = *kind;
	e->target = *kind == PROBE_LINK ? strdup(target) : NULL;
	if (!e->path || (*kind == PROBE_LINK && !e->target)) {
		free(e->path);
		free(e->target);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

void path_cache_done(struct path_cache *c)
{
	for (size_t i = 0; c && i < c->n; i++) {
		free(c->entries[i].path);
		free(c->entries[i].target);
	}
	if (c) {
		free(c->entries);
		memset(c, 0, sizeof(*c));
	}
}

int path_resolve_cached(struct path_cache *c, const char *path, char **ret)
{
	char out[LATCH_PATH_MAX], rest[LATCH_PATH_MAX], target[LATCH_PATH_MAX];
	size_t n = 1;
	unsigned followed = 0;
	bool missing = false;

	if (!path || path[0] != '/')
		return -EINVAL;
	if (strlen(path) >= LATCH_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(rest, path, strlen(path) + 1);
	out[0] = '/';
	out[1] = '\0';

	for (char *p = rest; *p;) {
		char name[NAME_MAX + 2];
		enum probe_kind kind;
		size_t len, saved_n, tlen, restlen;
		int r;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;

		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			/* out never contains a symlink, so this is exact. */
			pop_component(out, &n);
			continue;
		}
		saved_n = n;
		if (append_component(out, &n, name, len) < 0)
			return -ENAMETOOLONG;
		if (missing)
			continue;
		r = probe(c, out, &kind, target, sizeof(target));
		if (r < 0)
			return r;
		if (kind == PROBE_MISSING)
			missing = true;
		if (kind != PROBE_LINK)
			continue;
		if (++followed > SYMLINK_MAX_FOLLOW)
			return -ELOOP;
		/* Splice the link's target in front of what is left. */
		tlen = strlen(target);
		restlen = strlen(p);
		if (tlen + 1 + restlen + 1 > sizeof(rest))
			return -ENAMETOOLONG;
		memmove(rest + tlen + 1, p, restlen + 1);
		memcpy(rest, target, tlen);
		rest[tlen] = '/';
		p = rest;
		if (target[0] == '/') {
			n = 1;
			out[0] = '/';
			out[1] = '\0';
		} else {
			n = saved_n;
			out[n] = '\0';
		}
	}
	*ret = strdup(out);
	return *ret ? 0 : -ENOMEM;
}

int path_resolve(const char *path, char **ret)
{
	return path_resolve_cached(NULL, path, ret);
}

bool path_has_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strcmp(prefix, "/") == 0)
		return path[0] == '/';
	if (strncmp(path, prefix, n) != 0)
		return false;
	return path[n] == '\0' || path[n] == '/';
}

bool path_is_plain_relative(const char *rel)
{
	const char *c = rel;

	if (!rel || !rel[0] || rel[0] == '/' || rel[strlen(rel) - 1] == '/')
		return false;
	while (*c) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		c += *c == '/';
	}
	return true;
}

unsigned path_depth(const char *path)
{
	unsigned d = 0;

	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1] != '\0')
			d++;
	return d;
}

bool utf8_is_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t cp;
		int extra;

		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			extra = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			extra = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			extra = 3;
		} else {
			return false;
		}
		for (int i = 1; i <= extra; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && cp < 0x10000))
			return false; /* overlong */
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += extra + 1;
	}
	return true;
}

size_t utf8_char_len(const char *s)
{
	unsigned char c = (unsigned char)s[0];
	size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	char seq[5] = { 0 };

	if (len == 0 || strnlen(s, len) < len)
		return 0;
	memcpy(seq, s, len);
	return utf8_is_valid(seq) ? len : 0;
}
