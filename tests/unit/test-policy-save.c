/* Tests for saving grants into a profile: a new profile has the documented
 * shape byte for byte; an existing one is merged into without duplicates;
 * the inverse of class grants covers what was granted, no more widely than
 * needed, and the decision engine allows every granted access once the
 * saved profile is loaded; names are checked alike for loading and saving;
 * a failed save leaves neither a temporary file nor a changed profile. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy/policy.h"
#include "policy/save.h"

#define BIT(a) (1u << (a))
#define FS_ACCESSES                                                                                            \
	(BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_CREATE) |                       \
	 BIT(POLICY_ACCESS_DELETE) | BIT(POLICY_ACCESS_TRUNCATE) | BIT(POLICY_ACCESS_EXEC))

static char top[64];      /* mkdtemp */
static char profiles[96]; /* top/latch/profiles: created by the first save */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	(void)umask(022);
	(void)snprintf(top, sizeof(top), "/tmp/latch-test-save-XXXXXX");
	if (!mkdtemp(top))
		return -1;
	(void)snprintf(profiles, sizeof(profiles), "%s/latch/profiles", top);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	(void)fclose(f);
	return buf;
}

static void spew(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* The entries of dir, sorted, joined by ' '. */
static void listing(const char *dir, char *buf, size_t size)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0)
			used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? " " : "", names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

static struct error last; /* of the latest save() */

static int save(const char *dir, const char *name, const char *extends, const struct policy_grant *g, size_t n)
{
	last = (struct error){ 0 };
	return policy_save_grants(dir, name, extends, g, n, NULL, &last);
}

/* ---- names ------------------------------------------------------------------ */

static void test_names(void **state)
{
	static const char *const good[] = { "a", "agent", "my-profile_2", "v1.2", "a..b", "x.json5",
					    "0123456789012345678901234567890123456789012345678901234567890123" };
	static const char *const bad[] = {
		"", "..", ".", ".hidden", "/", "a/b", "../x", "x/..", "Agent", "a b", "caf\xc3\xa9", "\xff\xfe",
		"x.json", "sup-saved.json",
		"01234567890123456789012345678901234567890123456789012345678901234", /* 65 bytes */
	};
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		if (!policy_name_valid(good[i]))
			fail_msg("'%s' should be a valid name", good[i]);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (policy_name_valid(bad[i]))
			fail_msg("'%s' should not be a valid name", bad[i]);
	assert_false(policy_name_valid(NULL));

	/* Saving refuses what loading refuses, and writes nothing. */
	assert_int_equal(save(profiles, "..", "minimal", NULL, 0), -EINVAL);
	assert_non_null(strstr(last.msg, "is not a profile name"));
	assert_int_equal(save(profiles, "x.json", "minimal", NULL, 0), -EINVAL);
	assert_int_equal(access(profiles, F_OK), -1);
}

/* A profile's own "name" is checked by the same rule when it loads. */
static void test_names_when_loading(void **state)
{
	static const char *const names[] = { "ok", ".hidden", "x.json", "Upper" };
	const struct policy_ctx ctx = { 0 };

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		struct error err = { 0 };
		struct policy *p = NULL;
		char buf[128];
		int r;

		(void)snprintf(buf, sizeof(buf), "{\"name\": \"%s\"}", names[i]);
		r = policy_load_buffer(buf, strlen(buf), "t.json", &ctx, &p, &err);
		assert_int_equal(r == 0, policy_name_valid(names[i]));
		if (r < 0)
			assert_non_null(strstr(err.msg, "not a valid name"));
		policy_free(p);
	}
}

/* ---- the inverse of class grants ---------------------------------------------- */

struct want_rules {
	unsigned acc;
	size_t n;
	struct policy_grant_rule r[POLICY_GRANT_RULES_MAX];
};

static void test_grant_rules_table(void **state)
{
	static const struct want_rules want[] = {
		{ 0, 0, { { 0 } } },
		{ BIT(POLICY_ACCESS_TCP_CONNECT), 0, { { 0 } } },
		{ BIT(POLICY_ACCESS_READ), 1, { { POLICY_CLASS_READ, false } } },
		{ BIT(POLICY_ACCESS_EXEC), 1, { { POLICY_CLASS_EXEC, false } } },
		{ BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_EXEC), 1, { { POLICY_CLASS_EXEC, false } } },
		{ BIT(POLICY_ACCESS_WRITE), 1, { { POLICY_CLASS_CREATE, false } } },
		{ BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_WRITE), 1, { { POLICY_CLASS_CREATE, false } } },
		{ BIT(POLICY_ACCESS_TRUNCATE), 1, { { POLICY_CLASS_WRITE, false } } },
		{ BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_EXEC), 2,
		  { { POLICY_CLASS_EXEC, false }, { POLICY_CLASS_CREATE, false } } },
		{ BIT(POLICY_ACCESS_TRUNCATE) | BIT(POLICY_ACCESS_EXEC), 2,
		  { { POLICY_CLASS_EXEC, false }, { POLICY_CLASS_WRITE, false } } },
		{ BIT(POLICY_ACCESS_CREATE), 1, { { POLICY_CLASS_CREATE, true } } },
		{ BIT(POLICY_ACCESS_DELETE), 1, { { POLICY_CLASS_WRITE, true } } },
		{ BIT(POLICY_ACCESS_CREATE) | BIT(POLICY_ACCESS_DELETE), 1, { { POLICY_CLASS_WRITE, true } } },
		{ BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_CREATE), 2,
		  { { POLICY_CLASS_READ, false }, { POLICY_CLASS_CREATE, true } } },
		{ FS_ACCESSES, 3, { { POLICY_CLASS_EXEC, false }, { POLICY_CLASS_WRITE, false }, { POLICY_CLASS_WRITE, true } } },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		struct policy_grant_rule got[POLICY_GRANT_RULES_MAX];
		size_t n = policy_grant_rules(want[i].acc, got);

		if (n != want[i].n)
			fail_msg("acc %#x: %zu rules, expected %zu", want[i].acc, n, want[i].n);
		for (size_t j = 0; j < n; j++)
			if (got[j].klass != want[i].r[j].klass || got[j].parent != want[i].r[j].parent)
				fail_msg("acc %#x rule %zu: %s%s, expected %s%s", want[i].acc, j,
					 policy_class_name(got[j].klass), got[j].parent ? " (parent)" : "",
					 policy_class_name(want[i].r[j].klass), want[i].r[j].parent ? " (parent)" : "");
	}
}

/* For every set of file accesses: the rules cover it (on the path, and
 * creating and deleting on the parent), each rule is needed, and none could
 * be of a class that grants less. */
static void test_grant_rules_round_trip(void **state)
{
	static const enum policy_class ladder[] = { POLICY_CLASS_READ, POLICY_CLASS_EXEC, POLICY_CLASS_CREATE,
						    POLICY_CLASS_WRITE };
	const unsigned parent_acc = BIT(POLICY_ACCESS_CREATE) | BIT(POLICY_ACCESS_DELETE);

	(void)state;
	for (unsigned acc = 0; acc <= FS_ACCESSES; acc++) {
		struct policy_grant_rule got[POLICY_GRANT_RULES_MAX];
		unsigned on_path = 0, on_parent = 0;
		size_t n;

		if (acc & ~FS_ACCESSES)
			continue;
		n = policy_grant_rules(acc, got);
		for (size_t j = 0; j < n; j++)
			*(got[j].parent ? &on_parent : &on_path) |= policy_class_grants(got[j].klass);
		if ((acc & ~parent_acc & on_path) != (acc & ~parent_acc) || (acc & parent_acc & on_parent) != (acc & parent_acc))
			fail_msg("acc %#x is not covered", acc);
		for (size_t j = 0; j < n; j++) {
			unsigned others = 0, need = acc & (got[j].parent ? parent_acc : ~parent_acc);

			for (size_t k = 0; k < n; k++)
				if (k != j && got[k].parent == got[j].parent)
					others |= policy_class_grants(got[k].klass);
			if ((others & need) == need)
				fail_msg("acc %#x: rule %zu (%s) is not needed", acc, j, policy_class_name(got[j].klass));
			for (size_t c = 0; c < ELEMENTSOF(ladder); c++) {
				unsigned g = policy_class_grants(ladder[c]), mine = policy_class_grants(got[j].klass);

				if ((g & mine) == g && g != mine && ((g | others) & need) == need)
					fail_msg("acc %#x: rule %zu could be %s instead of %s", acc, j,
						 policy_class_name(ladder[c]), policy_class_name(got[j].klass));
			}
		}
	}
}

/* Saved, loaded, decided: every granted access is allowed. */
static void test_engine_allows_what_was_saved(void **state)
{
	char base[160], user[96];
	const struct policy_ctx ctx = { .user_dir = user };

	(void)state;
	(void)snprintf(user, sizeof(user), "%s/latch", top);
	(void)mkdir(user, 0700);
	(void)mkdir(profiles, 0700);
	(void)snprintf(base, sizeof(base), "%s/nothing.json", profiles);
	spew(base, "{\"name\": \"nothing\"}\n");
	for (unsigned acc = 1; acc <= FS_ACCESSES; acc++) {
		const struct policy_grant g = { .path = "/srv/proj/sub/f", .acc = acc };
		struct error err = { 0 };
		struct policy *p = NULL;
		char name[32];

		if (acc & ~FS_ACCESSES)
			continue;
		(void)snprintf(name, sizeof(name), "g%u", acc);
		assert_int_equal(policy_save_grants(profiles, name, "nothing", &g, 1, NULL, &err), 0);
		if (policy_load(name, &ctx, &p, &err) < 0)
			fail_msg("acc %#x: %s", acc, err.msg);
		for (int a = 0; a < _POLICY_ACCESS_MAX; a++) {
			const struct policy_query q = { .access = (enum policy_access)a, .path = g.path };
			struct policy_decision d;

			if (!(acc & BIT(a)))
				continue;
			policy_decide(p, &q, &d);
			if (!d.allow)
				fail_msg("acc %#x: %s is not allowed: %s", acc, policy_access_name((enum policy_access)a),
					 d.reason);
		}
		/* Nothing beyond the file and its directory. */
		{
			const struct policy_query q = { .access = POLICY_ACCESS_READ, .path = "/srv/proj/other" };
			struct policy_decision d;

			policy_decide(p, &q, &d);
			assert_false(d.allow);
		}
		policy_free(p);
	}
}

/* A host answered "always": an entry of network.hosts, mode proxy, on top
 * of whatever network the parent has; loaded, the engine allows exactly
 * that host and port. */
static void test_save_hosts(void **state)
{
	char base[160], user[96], *file = NULL, *text;
	const struct policy_ctx ctx = { .user_dir = user };
	const struct policy_grant g[] = {
		{ .host = "pypi.org:443" },
		{ .host = "[2001:db8::1]:8443" },
		{ .path = "/srv/f", .acc = BIT(POLICY_ACCESS_READ) },
	};
	struct error err = { 0 };
	struct policy *p = NULL;
	struct policy_decision d;

	(void)state;
	(void)snprintf(user, sizeof(user), "%s/latch", top);
	(void)mkdir(user, 0700);
	(void)mkdir(profiles, 0700);
	(void)snprintf(base, sizeof(base), "%s/ported.json", profiles);
	spew(base, "{\"name\": \"ported\", \"network\": {\"mode\": \"ports\", \"connect_tcp\": [443]}}\n");
	assert_int_equal(policy_save_grants(profiles, "withhosts", "ported", g, ELEMENTSOF(g), &file, &err), 0);
	/* Again: each entry once. */
	assert_int_equal(policy_save_grants(profiles, "withhosts", "ported", g, 1, NULL, &err), 0);
	text = slurp(file);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"mode\": \"proxy\""));
	assert_non_null(strstr(text, "\"pypi.org:443\""));
	assert_null(strstr(strstr(text, "\"pypi.org:443\"") + 1, "\"pypi.org:443\""));
	if (policy_load("withhosts", &ctx, &p, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(p->net.mode, POLICY_NET_PROXY);
	policy_decide(p, &(struct policy_query){ .access = POLICY_ACCESS_NET_CONNECT, .host = "pypi.org", .port = 443 },
		      &d);
	assert_true(d.allow);
	policy_decide(p, &(struct policy_query){ .access = POLICY_ACCESS_NET_CONNECT, .host = "pypi.org", .port = 80 },
		      &d);
	assert_false(d.allow);
	policy_decide(p,
		      &(struct policy_query){ .access = POLICY_ACCESS_NET_CONNECT, .host = "2001:db8::1", .port = 8443 },
		      &d);
	assert_true(d.allow);
	policy_decide(p, &(struct policy_query){ .access = POLICY_ACCESS_READ, .path = "/srv/f" }, &d);
	assert_true(d.allow);
	policy_free(p);
	free(text);
	free(file);
	/* Not a host entry, or a wildcard: refused, nothing written. */
	assert_int_equal(policy_save_grants(profiles, "badhost", NULL, &(struct policy_grant){ .host = "a b" }, 1, NULL,
					    &err),
			 -EINVAL);
	assert_int_equal(policy_save_grants(profiles, "badhost", NULL, &(struct policy_grant){ .host = "*.a.org" }, 1,
					    NULL, &err),
			 -EINVAL);
	(void)snprintf(base, sizeof(base), "%s/badhost.json", profiles);
	assert_int_equal(access(base, F_OK), -1);
}

/* ---- saving ----------------------------------------------------------------- */

static void test_save_new(void **state)
{
	static const char want[] =
		"{\n"
		"  \"description\": \"grants answered \\\"always\\\" under latch's supervisor, on top of the profile it "
		"extends\",\n"
		"  \"extends\": \"agent\",\n"
		"  \"filesystem\": {\n"
		"    \"create\": [\n"
		"      \"/home/u/proj\"\n"
		"    ],\n"
		"    \"read\": [\n"
		"      \"/home/u/.netrc\"\n"
		"    ]\n"
		"  },\n"
		"  \"name\": \"fresh\"\n"
		"}\n";
	const struct policy_grant g[] = {
		{ .path = "/home/u/.netrc", .acc = BIT(POLICY_ACCESS_READ) },
		{ .path = "/home/u/proj/new", .acc = BIT(POLICY_ACCESS_CREATE) },
	};
	char *file = NULL, *text, names[256];
	struct error err = { 0 };
	struct stat st;

	(void)state;
	assert_int_equal(policy_save_grants(profiles, "fresh", "agent", g, ELEMENTSOF(g), &file, &err), 0);
	assert_non_null(file);
	assert_true(strstr(file, "/latch/profiles/fresh.json") != NULL);
	text = slurp(file);
	assert_non_null(text);
	assert_string_equal(text, want);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(stat(profiles, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	listing(profiles, names, sizeof(names));
	assert_non_null(strstr(names, "fresh.json"));
	assert_null(strstr(names, ".fresh"));
	free(text);
	free(file);

	/* Without extends, the new profile has none. */
	assert_int_equal(policy_save_grants(profiles, "alone", NULL, g, 1, &file, &err), 0);
	text = slurp(file);
	assert_non_null(text);
	assert_null(strstr(text, "\"extends\""));
	assert_non_null(strstr(text, "\"name\": \"alone\""));
	free(text);
	free(file);
}

static void test_merge(void **state)
{
	static const char mine[] = "{\n"
				   "  \"name\": \"merged\",\n"
				   "  \"description\": \"mine\",\n"
				   "  \"extends\": \"readonly\",\n"
				   "  \"network\": {\"mode\": \"on\"},\n"
				   "  \"filesystem\": {\"read\": [\"/srv/a\"], \"write\": [\"/srv/d\"]}\n"
				   "}\n";
	static const char want[] = "{\n"
				   "  \"description\": \"mine\",\n"
				   "  \"extends\": \"readonly\",\n"
				   "  \"filesystem\": {\n"
				   "    \"create\": [\n"
				   "      \"/srv/b\"\n"
				   "    ],\n"
				   "    \"exec\": [\n"
				   "      \"/srv/b\"\n"
				   "    ],\n"
				   "    \"read\": [\n"
				   "      \"/srv/a\"\n"
				   "    ],\n"
				   "    \"write\": [\n"
				   "      \"/srv/d\"\n"
				   "    ]\n"
				   "  },\n"
				   "  \"name\": \"merged\",\n"
				   "  \"network\": {\n"
				   "    \"mode\": \"on\"\n"
				   "  }\n"
				   "}\n";
	const struct policy_grant g[] = {
		{ .path = "/srv/a", .acc = BIT(POLICY_ACCESS_READ) },                             /* there already */
		{ .path = "/srv/b", .acc = BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_EXEC) }, /* two rules */
		{ .path = "/srv/d/e", .acc = BIT(POLICY_ACCESS_DELETE) },                         /* the parent's, there already */
		{ .path = "/srv/b", .acc = BIT(POLICY_ACCESS_WRITE) },                            /* twice in one save */
	};
	char file[160], *text;

	(void)state;
	(void)snprintf(file, sizeof(file), "%s/latch", top);
	(void)mkdir(file, 0700);
	(void)mkdir(profiles, 0700);
	(void)snprintf(file, sizeof(file), "%s/merged.json", profiles);
	spew(file, mine);
	assert_int_equal(policy_save_grants(profiles, "merged", "agent", g, ELEMENTSOF(g), NULL, NULL), 0);
	text = slurp(file);
	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);
	/* Once more: the same file, byte for byte. */
	assert_int_equal(policy_save_grants(profiles, "merged", "agent", g, ELEMENTSOF(g), NULL, NULL), 0);
	text = slurp(file);
	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);
}

/* ---- failures ------------------------------------------------------------------ */

static void test_failures_leave_nothing(void **state)
{
	const struct policy_grant g = { .path = "/srv/x", .acc = BIT(POLICY_ACCESS_READ) };
	const struct policy_grant bad_path = { .path = "/srv/\xff", .acc = BIT(POLICY_ACCESS_READ) };
	char dir[160], notdir[160], file[192], before[512], after[512], *text;
	struct rlimit old, small = { 16, 0 };

	(void)state;
	(void)snprintf(dir, sizeof(dir), "%s/fail", top);
	assert_int_equal(mkdir(dir, 0700), 0);

	/* The directory's parent is a regular file (root too is refused). */
	(void)snprintf(notdir, sizeof(notdir), "%s/plain", dir);
	spew(notdir, "x");
	(void)snprintf(file, sizeof(file), "%s/profiles", notdir);
	assert_int_equal(save(file, "p", "minimal", &g, 1), -ENOTDIR);
	listing(dir, after, sizeof(after));
	assert_string_equal(after, "plain");

	/* A directory where the profile should be. */
	(void)snprintf(file, sizeof(file), "%s/p.json", dir);
	assert_int_equal(mkdir(file, 0700), 0);
	assert_true(save(dir, "p", "minimal", &g, 1) < 0);
	listing(dir, after, sizeof(after));
	assert_string_equal(after, "p.json plain");
	assert_int_equal(rmdir(file), 0);

	/* A FIFO there: refused at once, never waited on. */
	assert_int_equal(mkfifo(file, 0600), 0);
	assert_int_equal(save(dir, "p", "minimal", &g, 1), -EINVAL);
	listing(dir, after, sizeof(after));
	assert_string_equal(after, "p.json plain");
	assert_int_equal(unlink(file), 0);

	/* A file there that is not a profile is left alone. */
	spew(file, "[1, 2]\n");
	assert_int_equal(save(dir, "p", "minimal", &g, 1), -EINVAL);
	assert_non_null(strstr(last.msg, "not a JSON object"));
	spew(file, "{\"name\": \n");
	assert_int_equal(save(dir, "p", "minimal", &g, 1), -EINVAL);
	text = slurp(file);
	assert_string_equal(text, "{\"name\": \n");
	free(text);
	assert_int_equal(unlink(file), 0);

	/* A path that is not UTF-8 cannot go into a profile. */
	assert_int_equal(save(dir, "p", "minimal", &bad_path, 1), -EILSEQ);
	listing(dir, after, sizeof(after));
	assert_string_equal(after, "plain");

	/* Writing fails once the temporary file exists (the file size limit
	 * holds for root as well): it is removed, the profile untouched. */
	spew(file, "{\"name\": \"p\", \"extends\": \"minimal\"}\n");
	listing(dir, before, sizeof(before));
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	assert_int_not_equal(signal(SIGXFSZ, SIG_IGN), SIG_ERR);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(save(dir, "p", "minimal", &g, 1), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	(void)signal(SIGXFSZ, SIG_DFL);
	listing(dir, after, sizeof(after));
	assert_string_equal(after, before);
	text = slurp(file);
	assert_string_equal(text, "{\"name\": \"p\", \"extends\": \"minimal\"}\n");
	free(text);

	/* And with the limit lifted the same save works. */
	assert_int_equal(save(dir, "p", "minimal", &g, 1), 0);
	listing(dir, after, sizeof(after));
	assert_string_equal(after, before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_names_when_loading),
		cmocka_unit_test(test_grant_rules_table),
		cmocka_unit_test(test_grant_rules_round_trip),
		cmocka_unit_test(test_save_new),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_engine_allows_what_was_saved),
		cmocka_unit_test(test_save_hosts),
		cmocka_unit_test(test_failures_leave_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
