/* Paths: lexical normalization, resolution through symlinks, prefixes and
 * depth, UTF-8 validation and the JSON form of any byte string.
 *
 * The input is a path (up to its first NUL). It is normalized as given
 * and under "/"; resolved in a tree of symlinks made once in a temporary
 * directory (loops, "..", absolute and relative targets, a dangling one),
 * where realpath(3) must agree wherever it succeeds; and resolved under a
 * directory that does not exist, where resolution is normalization.
 *
 * Promises checked: a normalized path is absolute, has no empty, "." or
 * ".." component and no trailing '/', and normalizing it again changes
 * nothing; its depth counts its components and every ancestor is a
 * prefix; a plain relative path stays inside the directory it is joined
 * to; json_str() never fails and keeps valid UTF-8 as it is. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "fuzz/fuzz.h"

#define MISSING "/nonexistent-latch-fuzz"

static char tree[PATH_MAX]; /* the symlink tree; "" when there is none */
static bool tree_ok;        /* every link of it was made */
static bool missing_ok;     /* MISSING really is missing */

static void check_normalized(const char *p)
{
	unsigned depth = 0;
	char prefix[LATCH_PATH_MAX];
	char *again = NULL;

	FUZZ_CHECK(p[0] == '/');
	FUZZ_CHECK(!strstr(p, "//") && !strstr(p, "/./") && !strstr(p, "/../"));
	FUZZ_CHECK(strcmp(p, "/") == 0 || (p[strlen(p) - 1] != '/' && strcmp(p + strlen(p) - 2, "/.") != 0 &&
					   (strlen(p) < 3 || strcmp(p + strlen(p) - 3, "/..") != 0)));
	FUZZ_CHECK(path_normalize(p, &again) == 0 && strcmp(again, p) == 0);
	free(again);
	FUZZ_CHECK(path_has_prefix(p, "/") && path_has_prefix(p, p));
	for (const char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		depth++;
		(void)snprintf(prefix, sizeof(prefix), "%.*s", (int)(c - p), p);
		FUZZ_CHECK(path_has_prefix(p, prefix));
	}
	if (strcmp(p, "/") != 0)
		depth++;
	FUZZ_CHECK(path_depth(p) == depth);
}

static void remove_tree(void)
{
	if (tree[0])
		fuzz_remove_tree(tree);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct {
		const char *name, *target;
	} links[] = {
		{ "a/to-b", "../b" },       { "a/self", "." },       { "a/up", ".." },        { "loop1", "loop2" },
		{ "loop2", "loop1" },       { "dangling", "nowhere/x" }, { "b/abs", "@/a" },  { "b/deep", "to-a/to-b/deep2" },
		{ "b/to-a", "../a" },       { "b/deep2", "../a/self" }, { "root", "/" },     { "dotdot", "../../../.." },
	};
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;

	(void)argc;
	(void)argv;
	missing_ok = lstat(MISSING, &st) < 0 && errno == ENOENT;
	(void)snprintf(tree, sizeof(tree), "%s/latch-fuzz-path.XXXXXX", fuzz_tmpdir());
	if (!mkdtemp(tree)) {
		tree[0] = '\0';
		return 0;
	}
	atexit(remove_tree);
	for (const char *d = "a\0b\0a/dir\0"; *d; d += strlen(d) + 1) {
		(void)snprintf(path, sizeof(path), "%s/%s", tree, d);
		(void)mkdir(path, 0700);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", tree, links[i].name);
		if (links[i].target[0] == '@')
			(void)snprintf(target, sizeof(target), "%s%s", tree, links[i].target + 1);
		else
			(void)snprintf(target, sizeof(target), "%s", links[i].target);
		if (symlink(target, path) < 0)
			return 0;
	}
	tree_ok = true;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup((const char *)data, size), *joined = NULL, *norm = NULL, *res = NULL, *real;
	struct path_cache cache = { 0 };
	json_t *j;
	int r;

	FUZZ_CHECK(s);
	/* Any bytes become a JSON string; valid UTF-8 stays as it is. */
	j = json_str(s);
	FUZZ_CHECK(j);
	FUZZ_CHECK(!utf8_is_valid(s) || strcmp(json_string_value(j), s) == 0);
	FUZZ_CHECK(utf8_is_valid(json_string_value(j)));
	json_decref(j);

	r = path_normalize(s, &norm);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENAMETOOLONG);
	FUZZ_CHECK((r == -EINVAL) == (s[0] != '/'));
	if (r == 0)
		check_normalized(norm);
	free(norm);
	norm = NULL;

	/* A plain relative path names something inside the directory. */
	if (path_is_plain_relative(s) && asprintf(&joined, "/base/%s", s) >= 0) {
		if (path_normalize(joined, &norm) == 0)
			FUZZ_CHECK(path_has_prefix(norm, "/base") && strcmp(norm, "/base") != 0 &&
				   strcmp(norm + strlen("/base/"), s) == 0);
		free(norm);
		free(joined);
		norm = joined = NULL;
	}

	/* Under a directory that does not exist, resolving is normalizing. */
	if (missing_ok && asprintf(&joined, "%s/%s", MISSING, s) >= 0) {
		int rn = path_normalize(joined, &norm), rr = path_resolve(joined, &res);

		if (rn == 0 && rr == 0)
			FUZZ_CHECK(strcmp(norm, res) == 0);
		free(norm);
		free(res);
		free(joined);
		norm = res = joined = NULL;
	}

	/* In the tree: as realpath(3) wherever it succeeds; twice through one
	 * cache, the same. */
	if (tree_ok && asprintf(&joined, "%s/%s", tree, s) >= 0) {
		r = path_resolve_cached(&cache, joined, &res);
		FUZZ_CHECK(r == 0 || r == -ELOOP || r == -ENAMETOOLONG);
		if (r == 0) {
			char *res2 = NULL;

			check_normalized(res);
			FUZZ_CHECK(path_resolve_cached(&cache, joined, &res2) == 0 && strcmp(res, res2) == 0);
			free(res2);
			real = realpath(joined, NULL);
			if (real && path_has_prefix(real, tree))
				FUZZ_CHECK(strcmp(real, res) == 0);
			free(real);
		}
		free(res);
		free(joined);
		path_cache_done(&cache);
	}
	free(s);
	return 0;
}
