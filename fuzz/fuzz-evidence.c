/* Evidence: `latch evidence verify` on a run directory made of the input,
 * and `latch evidence bundle` of a run that verifies.
 *
 * The input is a list of files, separated by lines "%%", each its
 * relative path, a newline, then its content; a path that starts with '@'
 * makes a symlink to the content instead. When no artifact_index.json is
 * given, the lab's own indexer writes one for run "fuzz-run" (so that the
 * fuzzer reaches the contents). The directory is made afresh for each
 * input in a temporary directory made once.
 *
 * Promises checked: verify answers 0 (everything checks out) or 1 (each
 * problem named) and its report says the same; the report is JSON; a run
 * that verifies can be bundled, and the bundle verifies. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/path-util.h"
#include "fuzz/fuzz.h"
#include "lab/evidence.h"

#define RUN_ID "fuzz-run"

static char base[PATH_MAX]; /* made once; "" when it could not be */

static void remove_base(void)
{
	if (base[0])
		fuzz_remove_tree(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{

	(void)argc;
	(void)argv;
	(void)snprintf(base, sizeof(base), "%s/latch-fuzz-evidence.XXXXXX", fuzz_tmpdir());
	if (!mkdtemp(base))
		base[0] = '\0';
	else
		atexit(remove_base);
	return 0;
}

/* A relative path of at most three plain components. */
static bool name_ok(const char *name)
{
	size_t slashes = 0;

	for (const char *c = name; *c; c++)
		slashes += *c == '/';
	return path_is_plain_relative(name) && strlen(name) <= 200 && slashes < 3;
}

/* One file (or symlink) of the input into dirfd; false if it is skipped. */
static bool make_file(int dirfd, const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);
	char name[256], *slash;
	bool link = len && data[0] == '@';
	const char *content;
	size_t clen;
	int fd;

	if (!nl || (size_t)(nl - data) >= sizeof(name) || memchr(data, '\0', (size_t)(nl - data)))
		return false;
	(void)snprintf(name, sizeof(name), "%.*s", (int)(nl - data - link), data + link);
	content = nl + 1;
	clen = len - (size_t)(nl - data) - 1;
	if (!name_ok(name))
		return false;
	for (slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		(void)mkdirat(dirfd, name, 0700);
		*slash = '/';
	}
	if (link) {
		char *target = fuzz_strndup(content, clen);
		bool ok = target && target[0] && symlinkat(target, dirfd, name) == 0;

		free(target);
		return ok;
	}
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return false;
	FUZZ_CHECK(write_all(fd, content, clen) == 0);
	(void)close(fd);
	return true;
}

/* Verify dir; the answer and the report agree. Returns the answer. */
static int verify(const char *dir)
{
	json_t *rep = NULL;
	char *text;
	int r = lab_evidence_verify(dir, &rep);

	FUZZ_CHECK(r == 0 || r == 1);
	FUZZ_CHECK(json_is_object(rep));
	FUZZ_CHECK(json_is_true(json_object_get(rep, "ok")) == (r == 0));
	FUZZ_CHECK((json_array_size(json_object_get(rep, "problems")) == 0) == (r == 0));
	text = json_dumps(rep, JSON_SORT_KEYS);
	FUZZ_CHECK(text);
	free(text);
	json_decref(rep);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part part[FUZZ_PARTS_MAX];
	size_t n = fuzz_split(data, size, part, FUZZ_PARTS_MAX);
	char run[PATH_MAX], out[PATH_MAX];
	struct error err = { 0 };
	json_t *rep = NULL;
	bool indexed = false;
	int dirfd, r;

	if (!base[0])
		return 0;
	(void)snprintf(run, sizeof(run), "%s/run", base);
	(void)snprintf(out, sizeof(out), "%s/bundle", base);
	fuzz_remove_tree(run);
	fuzz_remove_tree(out);
	FUZZ_CHECK(mkdir(run, 0700) == 0);
	dirfd = open(run, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FUZZ_CHECK(dirfd >= 0);
	for (size_t i = 0; i < n; i++)
		if (make_file(dirfd, part[i].data, part[i].len) && part[i].len > strlen(LAB_INDEX_FILE) &&
		    strncmp(part[i].data, LAB_INDEX_FILE "\n", strlen(LAB_INDEX_FILE) + 1) == 0)
			indexed = true;
	if (!indexed)
		(void)lab_evidence_index(dirfd, RUN_ID, &err);
	(void)close(dirfd);

	if (verify(run) == 0) {
		/* A run that verifies makes a bundle that verifies. */
		r = lab_evidence_bundle(run, out, "/usr/bin/latch", "0000", &rep, &err);
		FUZZ_CHECK(r <= 0);
		if (r == 0)
			FUZZ_CHECK(verify(out) == 0);
		json_decref(rep);
	}
	fuzz_remove_tree(run);
	fuzz_remove_tree(out);
	return 0;
}
