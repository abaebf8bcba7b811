/* Tests for src/lab/evidence.c on a small run directory made here: the
 * index lists every file with its digest; verification passes untouched and
 * names the file for each kind of tampering (a changed byte, a missing
 * index, a truncated file, an added file, another run's record, text that
 * is not the lab's canonical form even with a matching digest, a run left
 * in progress). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "base/hash.h"
#include "base/json-util.h"
#include "lab/evidence.h"

static char dir[64];

static json_t *envelope(const char *kind, const char *run_id, const char *extra_key, json_t *extra)
{
	struct json_result res = { .ok = true, .exit_code = -1, .outcome = "ok" };
	json_t *d = json_object();

	json_set(d, "run_id", json_str(run_id));
	if (extra_key)
		json_set(d, extra_key, extra);
	return json_envelope(kind, d, &res);
}

static void write_text(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static char *line_of(const char *run_id)
{
	json_t *e = envelope("lab_result", run_id, "lane", json_str("oracle"));
	char *t;

	json_set(json_object_get(e, "data"), "row_id", json_str("r"));
	json_set(json_object_get(e, "data"), "profile", json_str("minimal"));
	json_set(json_object_get(e, "data"), "probe_id", json_str("world_shape"));
	json_set(json_object_get(e, "data"), "status", json_str("ran"));
	json_set(json_object_get(e, "data"), "response", json_null());
	json_set(json_object_get(e, "data"), "oracle", json_object());
	t = lab_json_text(e, false);
	json_decref(e);
	return t;
}

/* A complete run directory, indexed. */
static void make_run(void)
{
	int fd;
	struct error err = { 0 };
	json_t *e;
	char *l1, *l2, *both = NULL;

	(void)snprintf(dir, sizeof(dir), "/tmp/latch-test-evidence.XXXXXX");
	assert_non_null(mkdtemp(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	e = envelope("lab_run_status", "run-1", "status", json_str("complete"));
	assert_int_equal(lab_write_json_file(fd, LAB_STATUS_FILE, e, &err), 0);
	json_decref(e);
	e = envelope("lab_summary", "run-1", "counts", json_object());
	json_set(json_object_get(e, "data"), "rows", json_array());
	json_set(json_object_get(e, "data"), "profiles", json_array());
	assert_int_equal(lab_write_json_file(fd, "summary.json", e, &err), 0);
	json_decref(e);
	l1 = line_of("run-1");
	l2 = line_of("run-1");
	assert_true(asprintf(&both, "%s%s", l1, l2) > 0);
	write_text("results.jsonl", both);
	write_text("mismatches.jsonl", "");
	write_text("summary.md", "# latch lab\n");
	free(l1);
	free(l2);
	free(both);
	assert_int_equal(lab_evidence_index(fd, "run-1", &err), 0);
	(void)close(fd);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void drop_run(void)
{
	(void)nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Verify and expect a problem that names `file` (NULL: none). */
static void expect_verify(const char *file)
{
	json_t *rep = NULL;
	int r = lab_evidence_verify(dir, &rep);
	const json_t *problems = json_object_get(rep, "problems");
	bool named = false;
	const json_t *p;
	size_t i;

	json_array_foreach((json_t *)problems, i, p)
		named = named || (file && strncmp(json_string_value(p), file, strlen(file)) == 0);
	if (!file && r != 0)
		fail_msg("expected no problem, got %s", json_string_value(json_array_get(problems, 0)));
	if (file && (r != 1 || !named))
		fail_msg("expected a problem naming %s (r=%d, first: %s)", file, r,
			 json_string_value(json_array_get(problems, 0)));
	json_decref(rep);
}

static void test_index_lists_every_file(void **state)
{
	struct error err = { 0 };
	json_t *idx = NULL, *files;
	char path[128], hex[SHA256_HEX_SIZE];
	uint64_t size;
	json_t *f;
	size_t i;

	(void)state;
	make_run();
	assert_int_equal(lab_read_run_file(dir, LAB_INDEX_FILE, &idx, &err), 0);
	files = json_object_get(json_object_get(idx, "data"), "files");
	assert_int_equal(json_array_size(files), 5);
	json_array_foreach(files, i, f) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, json_string_value(json_object_get(f, "path")));
		assert_int_equal(sha256_file(path, hex, &size), 0);
		assert_string_equal(json_string_value(json_object_get(f, "sha256")), hex);
		assert_int_equal(json_integer_value(json_object_get(f, "size")), size);
		assert_int_equal(json_integer_value(json_object_get(f, "schema_version")), 1);
	}
	json_decref(idx);
	expect_verify(NULL);
	drop_run();
}

static void flip(const char *name, off_t at)
{
	char path[128], c;
	int fd;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x20;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	(void)close(fd);
}

static void test_tampering(void **state)
{
	char path[128];

	(void)state;
	make_run();
	flip("results.jsonl", 3);
	expect_verify("results.jsonl");
	drop_run();

	make_run();
	(void)snprintf(path, sizeof(path), "%s/%s", dir, LAB_INDEX_FILE);
	assert_int_equal(unlink(path), 0);
	expect_verify(LAB_INDEX_FILE);
	drop_run();

	make_run();
	(void)snprintf(path, sizeof(path), "%s/summary.json", dir);
	assert_int_equal(truncate(path, 7), 0);
	expect_verify("summary.json");
	drop_run();

	make_run();
	write_text("extra.txt", "x");
	expect_verify("extra.txt");
	drop_run();

	make_run();
	(void)snprintf(path, sizeof(path), "%s/summary.md", dir);
	assert_int_equal(unlink(path), 0);
	expect_verify("summary.md");
	drop_run();
}

/* Rewriting a file and re-indexing it is not enough: the content must be
 * the lab's canonical text, of this run, and the run complete. */
static void test_content_checks(void **state)
{
	char *other = NULL;
	struct error err = { 0 };
	int fd;

	(void)state;
	make_run();
	other = line_of("run-2");
	write_text("results.jsonl", other);
	free(other);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(lab_evidence_index(fd, "run-1", &err), 0);
	expect_verify("results.jsonl");
	write_text("results.jsonl", "{\"kind\": \"lab_result\"}\n");
	assert_int_equal(lab_evidence_index(fd, "run-1", &err), 0);
	expect_verify("results.jsonl");
	write_text(LAB_STATUS_FILE, "");
	{
		json_t *e = envelope("lab_run_status", "run-1", "status", json_str("in_progress"));

		assert_int_equal(lab_write_json_file(fd, LAB_STATUS_FILE, e, &err), 0);
		json_decref(e);
	}
	other = line_of("run-1");
	write_text("results.jsonl", other);
	free(other);
	assert_int_equal(lab_evidence_index(fd, "run-1", &err), 0);
	expect_verify(LAB_STATUS_FILE);
	(void)close(fd);
	drop_run();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_lists_every_file),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_content_checks),
	};

	return cmocka_run_group_tests_name("lab-evidence", tests, NULL, NULL);
}
