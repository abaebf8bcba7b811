/* Tests for src/base/path-util.c: lexical normalization, physical resolution
 * on a real tree of symlinks, component-wise prefixes, depth and UTF-8
 * validation. Every table pairs an accepted case with a refused one. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/path-util.h"

/* Sentinel for "ret untouched on failure". */
static char sentinel_byte;
#define SENTINEL (&sentinel_byte)

/* ---- path_normalize ---------------------------------------------------- */

struct norm_case {
	const char *in;
	int r;           /* expected return */
	const char *out; /* expected result when r == 0 */
};

static const struct norm_case norm_cases[] = {
	{ "/", 0, "/" },
	{ "//", 0, "/" },
	{ "///", 0, "/" },
	{ "/a", 0, "/a" },
	{ "/a/", 0, "/a" },
	{ "/a//", 0, "/a" },
	{ "//a", 0, "/a" },
	{ "///a///b///", 0, "/a/b" },
	{ "/a/b", 0, "/a/b" },
	{ "/a/./b", 0, "/a/b" },
	{ "/./a", 0, "/a" },
	{ "/.", 0, "/" },
	{ "/./", 0, "/" },
	{ "/a/.", 0, "/a" },
	{ "/a/./", 0, "/a" },
	{ "/..", 0, "/" },
	{ "/../", 0, "/" },
	{ "/../..", 0, "/" },
	{ "/../a", 0, "/a" },
	{ "/a/..", 0, "/" },
	{ "/a/../", 0, "/" },
	{ "/a/b/..", 0, "/a" },
	{ "/a/b/../..", 0, "/" },
	{ "/a/b/../../..", 0, "/" },
	{ "/a/b/../c", 0, "/a/c" },
	{ "/a/../b/../c", 0, "/c" },
	{ "/a/b/c/../../d/./e/", 0, "/a/d/e" },
	{ "/home/u/proj/../proj/", 0, "/home/u/proj" },
	{ "/...", 0, "/..." },
	{ "/a/...", 0, "/a/..." },
	{ "/a/.b", 0, "/a/.b" },
	{ "/a/..b", 0, "/a/..b" },
	{ "/a/b..", 0, "/a/b.." },
	{ "/a/.../..", 0, "/a" },
	{ "/a b/c d/", 0, "/a b/c d" },
	{ "/a b/../c", 0, "/c" },
	{ "/\xff\xfe/x/..", 0, "/\xff\xfe" },
	{ "/caf\xc3\xa9//", 0, "/caf\xc3\xa9" },
	{ "/~/x", 0, "/~/x" },
	{ "/$HOME", 0, "/$HOME" },
	{ "", -EINVAL, NULL },
	{ "a", -EINVAL, NULL },
	{ "a/b", -EINVAL, NULL },
	{ "./a", -EINVAL, NULL },
	{ "../a", -EINVAL, NULL },
	{ ".", -EINVAL, NULL },
	{ "~/a", -EINVAL, NULL },
	{ " /a", -EINVAL, NULL },
};

static void test_normalize_table(void **state)
{
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
		const struct norm_case *c = &norm_cases[i];
		char *out = SENTINEL;
		int r = path_normalize(c->in, &out);

		if (r != c->r) {
			print_error("path_normalize('%s'): returned %d, expected %d\n", c->in, r, c->r);
			failures++;
		} else if (r == 0 && strcmp(out, c->out) != 0) {
			print_error("path_normalize('%s'): got '%s', expected '%s'\n", c->in, out, c->out);
			failures++;
		} else if (r < 0 && out != SENTINEL) {
			print_error("path_normalize('%s'): ret touched on failure\n", c->in);
			failures++;
		}
		if (r == 0)
			free(out);
	}
	assert_int_equal(failures, 0);
}

static void test_normalize_null_and_length(void **state)
{
	char buf[LATCH_PATH_MAX + 8];
	char *out = SENTINEL;

	(void)state;
	assert_int_equal(path_normalize(NULL, &out), -EINVAL);
	assert_ptr_equal(out, SENTINEL);

	/* 4095 bytes: the longest path; 4096 bytes: too long. */
	buf[0] = '/';
	memset(buf + 1, 'a', LATCH_PATH_MAX - 2);
	buf[LATCH_PATH_MAX - 1] = '\0';
	assert_int_equal(strlen(buf), 4095);
	assert_int_equal(path_normalize(buf, &out), 0);
	assert_string_equal(out, buf);
	free(out);

	out = SENTINEL;
	memset(buf + 1, 'a', LATCH_PATH_MAX - 1);
	buf[LATCH_PATH_MAX] = '\0';
	assert_int_equal(strlen(buf), 4096);
	assert_int_equal(path_normalize(buf, &out), -ENAMETOOLONG);
	assert_ptr_equal(out, SENTINEL);

	/* Long input that normalizes short is still refused only by length:
	 * 4090 bytes of "/a/.." repeated is accepted and yields "/". */
	{
		size_t n = 0;

		while (n + 5 < 4090) {
			memcpy(buf + n, "/a/..", 5);
			n += 5;
		}
		buf[n] = '\0';
		assert_int_equal(path_normalize(buf, &out), 0);
		assert_string_equal(out, "/");
		free(out);
	}
}

/* ---- path_resolve ------------------------------------------------------ */

static char tree[128]; /* realpath of the temporary tree */

static void mk_dir(const char *rel)
{
	char p[PATH_MAX];

	(void)snprintf(p, sizeof(p), "%s/%s", tree, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void mk_file(const char *rel)
{
	char p[PATH_MAX];
	FILE *f;

	(void)snprintf(p, sizeof(p), "%s/%s", tree, rel);
	f = fopen(p, "we");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
}

/* target may contain "@" which stands for the tree's absolute path. */
static void mk_link(const char *target, const char *rel)
{
	char p[PATH_MAX], t[PATH_MAX];

	(void)snprintf(p, sizeof(p), "%s/%s", tree, rel);
	if (target[0] == '@')
		(void)snprintf(t, sizeof(t), "%s%s", tree, target + 1);
	else
		(void)snprintf(t, sizeof(t), "%s", target);
	if (symlink(t, p) < 0) {
		print_error("symlink('%s', '%s'): %s\n", t, p, strerror(errno));
		fail();
	}
}

static int tree_setup(void **state)
{
	char tmpl[] = "/tmp/latch-test-path-XXXXXX";
	char name[32], *real;

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	real = realpath(tmpl, NULL);
	if (!real || strlen(real) >= sizeof(tree)) {
		free(real);
		return -1;
	}
	(void)snprintf(tree, sizeof(tree), "%s", real);
	free(real);
	mk_dir("real");
	mk_dir("real/sub");
	mk_file("real/file");
	mk_file("real/sub/leaf");
	mk_link("@/real", "abs");              /* absolute target */
	mk_link("real", "rel");                /* relative target */
	mk_link("chain2", "chain1");           /* chain: chain1 -> chain2 -> rel -> real */
	mk_link("rel", "chain2");
	mk_link("loop2", "loop1");             /* loop */
	mk_link("loop1", "loop2");
	mk_link("self", "self");               /* self loop */
	mk_link("@/nothere", "dangle");        /* dangling, absolute */
	mk_link("nothere2/deeper", "dangle_rel"); /* dangling, relative, two components */
	mk_link("real/sub", "deep");           /* relative, multi-component */
	mk_link("../..", "real/sub/up");       /* relative upwards: -> tree */
	mk_link("/", "rootlink");
	mk_link("file", "real/file_link");     /* relative link to a file */
	mk_link("./sub/./leaf", "real/dotted"); /* target with "." components */
	mk_link("@//real//sub/", "slashy");    /* target with redundant slashes */
	mk_link("real", "memo");               /* re-pointed by test_resolve_cached */
	/* c0 -> c1 -> ... -> c39 -> real: 40 links, the most allowed. */
	for (int i = 0; i < 40; i++) {
		char target[32];

		(void)snprintf(name, sizeof(name), "c%d", i);
		if (i == 39)
			(void)snprintf(target, sizeof(target), "real");
		else
			(void)snprintf(target, sizeof(target), "c%d", i + 1);
		mk_link(target, name);
	}
	/* d0 -> ... -> d40 -> real: 41 links, one too many. */
	for (int i = 0; i < 41; i++) {
		char target[32];

		(void)snprintf(name, sizeof(name), "d%d", i);
		if (i == 40)
			(void)snprintf(target, sizeof(target), "real");
		else
			(void)snprintf(target, sizeof(target), "d%d", i + 1);
		mk_link(target, name);
	}
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int tree_teardown(void **state)
{
	(void)state;
	if (strncmp(tree, "/tmp/latch-test-path-", strlen("/tmp/latch-test-path-")) != 0)
		return -1;
	return nftw(tree, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

struct resolve_case {
	const char *in;  /* "@" stands for the tree */
	int r;
	const char *out; /* "@" stands for the tree */
};

static const struct resolve_case resolve_cases[] = {
	{ "@", 0, "@" },
	{ "@/real", 0, "@/real" },
	{ "@/real/", 0, "@/real" },
	{ "@//real/./sub//", 0, "@/real/sub" },
	{ "@/real/file", 0, "@/real/file" },
	/* absolute and relative targets */
	{ "@/abs", 0, "@/real" },
	{ "@/abs/sub", 0, "@/real/sub" },
	{ "@/abs/sub/leaf", 0, "@/real/sub/leaf" },
	{ "@/rel", 0, "@/real" },
	{ "@/rel/file", 0, "@/real/file" },
	{ "@/deep", 0, "@/real/sub" },
	{ "@/deep/leaf", 0, "@/real/sub/leaf" },
	{ "@/real/file_link", 0, "@/real/file" },
	{ "@/real/dotted", 0, "@/real/sub/leaf" },
	{ "@/slashy/leaf", 0, "@/real/sub/leaf" },
	/* a chain */
	{ "@/chain1", 0, "@/real" },
	{ "@/chain1/sub/leaf", 0, "@/real/sub/leaf" },
	{ "@/c0", 0, "@/real" },
	{ "@/c0/sub", 0, "@/real/sub" },
	/* loops */
	{ "@/loop1", -ELOOP, NULL },
	{ "@/loop1/x", -ELOOP, NULL },
	{ "@/loop2/x/y", -ELOOP, NULL },
	{ "@/self", -ELOOP, NULL },
	{ "@/d0", -ELOOP, NULL },
	/* dangling symlinks: the missing remainder is appended lexically */
	{ "@/dangle", 0, "@/nothere" },
	{ "@/dangle/a/b", 0, "@/nothere/a/b" },
	{ "@/dangle/a/../b", 0, "@/nothere/b" },
	{ "@/dangle_rel/x", 0, "@/nothere2/deeper/x" },
	{ "@/missing", 0, "@/missing" },
	{ "@/missing/a/./b/", 0, "@/missing/a/b" },
	{ "@/missing/a/../b", 0, "@/missing/b" },
	{ "@/real/file/x", 0, "@/real/file/x" }, /* ENOTDIR: taken as written */
	/* ".." after a symlink is physical: deep -> real/sub, so deep/.. is real */
	{ "@/deep/..", 0, "@/real" },
	{ "@/deep/../file", 0, "@/real/file" },
	{ "@/abs/sub/..", 0, "@/real" },
	{ "@/real/sub/up", 0, "@" },
	{ "@/real/sub/up/real/file", 0, "@/real/file" },
	{ "@/real/sub/up/abs/sub/up/rel", 0, "@/real" },
	{ "@/real/..", 0, "@" },
	{ "@/..", 0, "@/.." },
	{ "@/real/../../", 0, "@/.." },
};

/* Replace "@" by the tree; "@/.." stands for the tree's parent. */
static void expand_at(const char *in, char *out, size_t size)
{
	if (strcmp(in, "@/..") == 0) {
		const char *slash = strrchr(tree, '/');

		(void)snprintf(out, size, "%.*s", (int)(slash - tree), tree);
		if (out[0] == '\0')
			(void)snprintf(out, size, "/");
		return;
	}
	if (in[0] == '@')
		(void)snprintf(out, size, "%s%s", tree, in + 1);
	else
		(void)snprintf(out, size, "%s", in);
}

static void test_resolve_table(void **state)
{
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		char in[PATH_MAX], want[PATH_MAX];
		char *out = SENTINEL;
		int r;

		expand_at(c->in, in, sizeof(in));
		r = path_resolve(in, &out);
		if (r != c->r) {
			print_error("path_resolve('%s'): returned %d (%s), expected %d\n", in, r,
				    r < 0 ? strerror(-r) : "ok", c->r);
			failures++;
		} else if (r == 0) {
			expand_at(c->out, want, sizeof(want));
			if (strcmp(out, want) != 0) {
				print_error("path_resolve('%s'): got '%s', expected '%s'\n", in, out, want);
				failures++;
			}
		} else if (out != SENTINEL) {
			print_error("path_resolve('%s'): ret touched on failure\n", in);
			failures++;
		}
		if (r == 0)
			free(out);
	}
	assert_int_equal(failures, 0);
}

/* path_resolve_cached() gives path_resolve()'s answers, with a cache (cold,
 * then warm) and without one; the memo is really consulted. */
static void test_resolve_cached(void **state)
{
	struct path_cache cache = { 0 };
	unsigned failures = 0;
	char in[PATH_MAX], want[PATH_MAX], lnk[PATH_MAX];
	char *out;

	(void)state;
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
			const struct resolve_case *c = &resolve_cases[i];
			int r;

			out = NULL;
			expand_at(c->in, in, sizeof(in));
			r = path_resolve_cached(pass == 2 ? NULL : &cache, in, &out);
			if (r == 0)
				expand_at(c->out, want, sizeof(want));
			if (r != c->r || (r == 0 && strcmp(out, want) != 0)) {
				print_error("pass %d: path_resolve_cached('%s'): %d '%s'\n", pass, in, r,
					    r == 0 ? out : "");
				failures++;
			}
			if (r == 0)
				free(out);
		}
	assert_int_equal(failures, 0);
	assert_true(cache.n > 0);

	/* the memo answers even after the link changed (documented: valid only
	 * while the file system does not change); a fresh cache sees the change */
	(void)snprintf(in, sizeof(in), "%s/memo/sub", tree);
	assert_int_equal(path_resolve_cached(&cache, in, &out), 0);
	(void)snprintf(want, sizeof(want), "%s/real/sub", tree);
	assert_string_equal(out, want);
	free(out);
	(void)snprintf(lnk, sizeof(lnk), "%s/memo", tree);
	assert_int_equal(unlink(lnk), 0);
	assert_int_equal(symlink("nothere3", lnk), 0);
	assert_int_equal(path_resolve_cached(&cache, in, &out), 0);
	assert_string_equal(out, want);
	free(out);
	path_cache_done(&cache);
	assert_int_equal(cache.n, 0);
	path_cache_done(&cache); /* twice is fine */
	path_cache_done(NULL);
	assert_int_equal(path_resolve_cached(&cache, in, &out), 0);
	(void)snprintf(want, sizeof(want), "%s/nothere3/sub", tree);
	assert_string_equal(out, want);
	free(out);
	assert_int_equal(path_resolve(in, &out), 0);
	assert_string_equal(out, want);
	free(out);
	path_cache_done(&cache);
}

static void test_resolve_rootlink_and_errors(void **state)
{
	char in[PATH_MAX + 64], want[PATH_MAX];
	char big[LATCH_PATH_MAX + 8];
	char *out = SENTINEL;

	(void)state;
	/* rootlink -> "/", so rootlink/<tree without its leading slash>/abs is tree/real. */
	(void)snprintf(in, sizeof(in), "%s/rootlink", tree);
	assert_int_equal(path_resolve(in, &out), 0);
	assert_string_equal(out, "/");
	free(out);
	(void)snprintf(in, sizeof(in), "%s/rootlink%s/abs", tree, tree);
	(void)snprintf(want, sizeof(want), "%s/real", tree);
	assert_int_equal(path_resolve(in, &out), 0);
	assert_string_equal(out, want);
	free(out);

	assert_int_equal(path_resolve("/", &out), 0);
	assert_string_equal(out, "/");
	free(out);

	out = SENTINEL;
	assert_int_equal(path_resolve(NULL, &out), -EINVAL);
	assert_int_equal(path_resolve("", &out), -EINVAL);
	assert_int_equal(path_resolve("relative/path", &out), -EINVAL);
	assert_int_equal(path_resolve("./x", &out), -EINVAL);
	assert_ptr_equal(out, SENTINEL);

	/* 4096 bytes: too long. */
	big[0] = '/';
	memset(big + 1, 'a', LATCH_PATH_MAX - 1);
	big[LATCH_PATH_MAX] = '\0';
	assert_int_equal(path_resolve(big, &out), -ENAMETOOLONG);
	assert_ptr_equal(out, SENTINEL);

	/* A component longer than NAME_MAX is refused, one of NAME_MAX is not. */
	(void)snprintf(in, sizeof(in), "%s/missing/", tree);
	memset(in + strlen(in), 'n', NAME_MAX + 1);
	in[strlen(tree) + strlen("/missing/") + NAME_MAX + 1] = '\0';
	assert_int_equal(path_resolve(in, &out), -ENAMETOOLONG);
	assert_ptr_equal(out, SENTINEL);
	in[strlen(tree) + strlen("/missing/") + NAME_MAX] = '\0';
	assert_int_equal(path_resolve(in, &out), 0);
	assert_string_equal(out, in);
	free(out);
}

/* ---- path_has_prefix / path_depth ---------------------------------------- */

struct prefix_case {
	const char *path;
	const char *prefix;
	bool want;
};

static const struct prefix_case prefix_cases[] = {
	{ "/a", "/a", true },
	{ "/a/b", "/a", true },
	{ "/a/b/c", "/a", true },
	{ "/a/b/c", "/a/b", true },
	{ "/a/b/c", "/a/b/c", true },
	{ "/ab", "/a", false },
	{ "/a", "/ab", false },
	{ "/a", "/a/b", false },
	{ "/a/bc", "/a/b", false },
	{ "/a/b", "/a/bc", false },
	{ "/b", "/a", false },
	{ "/", "/", true },
	{ "/a", "/", true },
	{ "/a/b/c", "/", true },
	{ "/", "/a", false },
	{ "/home/u/proj", "/home/u/proj", true },
	{ "/home/u/proj/x", "/home/u/proj", true },
	{ "/home/u/project2", "/home/u/proj", false },
	{ "/home/u/project2/x", "/home/u/proj", false },
	{ "/home/u/proj2", "/home/u/proj", false },
	{ "/home/u/pro", "/home/u/proj", false },
	{ "/home/u/proj.bak", "/home/u/proj", false },
	{ "/home/u/.ssh/known_hosts", "/home/u/.ssh", true },
	{ "/home/u/.sshx", "/home/u/.ssh", false },
	{ "/a b/c", "/a b", true },
	{ "/a bc", "/a b", false },
	{ "/a\xff/x", "/a\xff", true },
	{ "/a\xff\xfe", "/a\xff", false },
	{ "/A", "/a", false },
};

static void test_has_prefix_table(void **state)
{
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(prefix_cases) / sizeof(prefix_cases[0]); i++) {
		const struct prefix_case *c = &prefix_cases[i];

		if (path_has_prefix(c->path, c->prefix) != c->want) {
			print_error("path_has_prefix('%s', '%s'): expected %s\n", c->path, c->prefix,
				    c->want ? "true" : "false");
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_depth_table(void **state)
{
	static const struct {
		const char *path;
		unsigned depth;
	} cases[] = {
		{ "/", 0 },
		{ "/a", 1 },
		{ "/a/b", 2 },
		{ "/a/b/c", 3 },
		{ "/a/b/c/d", 4 },
		{ "/home/u/.ssh/known_hosts", 4 },
		{ "/a b/c d", 2 },
		{ "/\xff/\xfe", 2 },
		{ "/...", 1 },
	};
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (path_depth(cases[i].path) != cases[i].depth) {
			print_error("path_depth('%s'): got %u, expected %u\n", cases[i].path,
				    path_depth(cases[i].path), cases[i].depth);
			failures++;
		}
	assert_int_equal(failures, 0);
}

/* ---- path_is_plain_relative ------------------------------------------------ */

static void test_plain_relative_table(void **state)
{
	static const struct {
		const char *rel;
		bool want;
	} cases[] = {
		{ "a", true },        { "a/b/c", true },   { "a..b", true },  { "..a", true },  { "a/...", true },
		{ ".hidden", true },  { "\xff/x", true },  { NULL, false },   { "", false },    { "/a", false },
		{ "a/", false },      { "a//b", false },   { ".", false },    { "..", false },  { "a/./b", false },
		{ "a/../b", false },  { "../a", false },   { "a/..", false }, { "/", false },   { "./a", false },
	};
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (path_is_plain_relative(cases[i].rel) != cases[i].want) {
			print_error("path_is_plain_relative('%s'): expected %s\n", cases[i].rel ? cases[i].rel : "(null)",
				    cases[i].want ? "true" : "false");
			failures++;
		}
	assert_int_equal(failures, 0);
}

/* ---- utf8_is_valid ------------------------------------------------------- */

struct utf8_case {
	const char *what;
	const char *s;
	bool want;
};

static const struct utf8_case utf8_cases[] = {
	{ "empty", "", true },
	{ "ascii", "hello /path", true },
	{ "ascii DEL", "\x7f", true },
	{ "2-byte e-acute", "caf\xc3\xa9", true },
	{ "2-byte lowest U+0080", "\xc2\x80", true },
	{ "2-byte highest U+07FF", "\xdf\xbf", true },
	{ "3-byte euro", "\xe2\x82\xac", true },
	{ "3-byte lowest U+0800", "\xe0\xa0\x80", true },
	{ "3-byte U+D7FF", "\xed\x9f\xbf", true },
	{ "3-byte U+E000", "\xee\x80\x80", true },
	{ "3-byte U+FFFD", "\xef\xbf\xbd", true },
	{ "3-byte U+FFFF", "\xef\xbf\xbf", true },
	{ "4-byte G clef", "\xf0\x9d\x84\x9e", true },
	{ "4-byte lowest U+10000", "\xf0\x90\x80\x80", true },
	{ "4-byte highest U+10FFFF", "\xf4\x8f\xbf\xbf", true },
	{ "mixed", "a\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9ez", true },
	{ "overlong '/' 2-byte", "\xc0\xaf", false },
	{ "overlong NUL 2-byte", "\xc0\x80", false },
	{ "overlong c1", "\xc1\xbf", false },
	{ "overlong '/' 3-byte", "\xe0\x80\xaf", false },
	{ "overlong U+07FF 3-byte", "\xe0\x9f\xbf", false },
	{ "overlong '/' 4-byte", "\xf0\x80\x80\xaf", false },
	{ "overlong U+FFFF 4-byte", "\xf0\x8f\xbf\xbf", false },
	{ "surrogate U+D800", "\xed\xa0\x80", false },
	{ "surrogate U+DBFF", "\xed\xaf\xbf", false },
	{ "surrogate U+DC00", "\xed\xb0\x80", false },
	{ "surrogate U+DFFF", "\xed\xbf\xbf", false },
	{ "above max U+110000", "\xf4\x90\x80\x80", false },
	{ "above max f5", "\xf5\x80\x80\x80", false },
	{ "above max f7", "\xf7\xbf\xbf\xbf", false },
	{ "5-byte form", "\xf8\x88\x80\x80\x80", false },
	{ "6-byte form", "\xfc\x84\x80\x80\x80\x80", false },
	{ "byte fe", "\xfe", false },
	{ "byte ff", "\xff", false },
	{ "lone continuation 80", "\x80", false },
	{ "lone continuation bf", "a\xbf", false },
	{ "truncated 2-byte at end", "ab\xc3", false },
	{ "truncated 3-byte at end (1 of 2)", "\xe2", false },
	{ "truncated 3-byte at end (2 of 2)", "\xe2\x82", false },
	{ "truncated 4-byte at end", "\xf0\x9d\x84", false },
	{ "truncated 2-byte then ascii", "\xc3(", false },
	{ "truncated 3-byte then ascii", "\xe2\x28\xa1", false },
	{ "truncated 4-byte then ascii", "\xf0\x9d\x84z", false },
	{ "valid then invalid", "caf\xc3\xa9\xff", false },
	{ "latin-1 e-acute", "caf\xe9", false },
	{ "two continuations after 2-byte lead", "\xc3\xa9\xa9", false },
};

/* utf8_char_len: the first character only, whatever follows. */
static void test_utf8_char_len(void **state)
{
	static const struct {
		const char *s;
		size_t want;
	} cases[] = {
		{ "", 0 },
		{ "a\xff", 1 },
		{ "\x01", 1 },
		{ "\xc3\xa9\xff", 2 },
		{ "\xe2\x82\xac", 3 },
		{ "\xf0\x9d\x84\x9e", 4 },
		{ "\xff", 0 },
		{ "\x80" "a", 0 },
		{ "\xc0\xaf", 0 },
		{ "\xed\xa0\x80", 0 },
		{ "\xe2\x82", 0 },
		{ "\xf0\x9d\x84", 0 },
		{ "\xc3(", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(utf8_char_len(cases[i].s), cases[i].want);
}

static void test_utf8_table(void **state)
{
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		const struct utf8_case *c = &utf8_cases[i];

		if (utf8_is_valid(c->s) != c->want) {
			print_error("utf8_is_valid(%s): expected %s\n", c->what, c->want ? "true" : "false");
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_table),
		cmocka_unit_test(test_normalize_null_and_length),
		cmocka_unit_test(test_resolve_table),
		cmocka_unit_test(test_resolve_cached),
		cmocka_unit_test(test_resolve_rootlink_and_errors),
		cmocka_unit_test(test_has_prefix_table),
		cmocka_unit_test(test_depth_table),
		cmocka_unit_test(test_plain_relative_table),
		cmocka_unit_test(test_utf8_table),
		cmocka_unit_test(test_utf8_char_len),
	};

	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}
