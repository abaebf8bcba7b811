/* What every fuzz target shares (README, "Fuzzing").
 *
 * A target is fuzz/fuzz-NAME.c: it defines LLVMFuzzerTestOneInput() (and
 * may define LLVMFuzzerInitialize()), feeds the bytes to one reader of
 * untrusted input, and checks what the reader promises: a crash, a leak,
 * undefined behaviour or a FUZZ_CHECK that fails is a bug. Built with
 * clang and libFuzzer by `make fuzz`; built with any compiler against
 * fuzz/replay.c, it replays fuzz/corpus/NAME/ and tests/fuzz/NAME/ in
 * `make check`. Adding a target: this file's recipe is fuzz-NAME.c, seeds
 * in fuzz/corpus/NAME/, optionally fuzz/dict/NAME.dict; the Makefile finds
 * it by its name. */
#ifndef LATCH_FUZZ_FUZZ_H
#define LATCH_FUZZ_FUZZ_H

#include <ftw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A promise the reader broke: say which, where, and stop (libFuzzer then
 * keeps the input as a crash). */
#define FUZZ_CHECK(cond)                                                                         \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

/* Inputs that hold several documents separate them with a line "%%". */
#define FUZZ_SEPARATOR "\n%%\n"
#define FUZZ_PARTS_MAX 8

struct fuzz_part {
	const char *data;
	size_t len;
};

/* Split data at FUZZ_SEPARATOR into at most max parts (the last keeps any
 * further separators). Returns how many: at least 1. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, struct fuzz_part *parts, size_t max)
{
	const char *p = (const char *)data, *end = p + size;
	size_t n = 0, sep = strlen(FUZZ_SEPARATOR);

	while (n + 1 < max) {
		const char *hit = memmem(p, (size_t)(end - p), FUZZ_SEPARATOR, sep);

		if (!hit)
			break;
		parts[n++] = (struct fuzz_part){ p, (size_t)(hit - p) };
		p = hit + sep;
	}
	parts[n++] = (struct fuzz_part){ p, (size_t)(end - p) };
	return n;
}

/* A NUL-terminated copy of len bytes (the caller frees). */
static inline char *fuzz_strndup(const char *s, size_t len)
{
	char *c = malloc(len + 1);

	if (c) {
		memcpy(c, s, len);
		c[len] = '\0';
	}
	return c;
}

/* The strings of data, NUL-separated: at most max, in a copy the caller
 * frees (*ret_buf); those the data does not reach are "". Returns how many
 * the data holds. */
static inline size_t fuzz_strings(const char *data, size_t len, char **ret_buf, char **strs, size_t max)
{
	char *buf = fuzz_strndup(data, len);
	size_t n = 0;

	FUZZ_CHECK(buf);
	for (size_t o = 0; n < max && o <= len; n++) {
		strs[n] = buf + o;
		o += strlen(buf + o) + 1;
	}
	for (size_t i = n; i < max; i++)
		strs[i] = buf + len;
	*ret_buf = buf;
	return n;
}

/* A load or parse that failed: ret untouched, one line of error whose code
 * it returned, naming the file (unless out of memory). */
static inline void fuzz_check_failure(int r, const void *ret, const struct error *err, const char *file)
{
	FUZZ_CHECK(!ret);
	FUZZ_CHECK(err->code > 0 && r == -err->code);
	FUZZ_CHECK(err->msg[0] && !strchr(err->msg, '\n'));
	FUZZ_CHECK(strstr(err->msg, file) || err->code == ENOMEM);
}

static inline int fuzz_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

/* Where a target makes its temporary trees: $TMPDIR, else /dev/shm (a
 * tmpfs, where fsync costs nothing), else /tmp. */
static inline const char *fuzz_tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	if (tmp && tmp[0] == '/')
		return tmp;
	return stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

/* Remove a temporary tree of a target, whatever is in it. */
static inline void fuzz_remove_tree(const char *dir)
{
	(void)nftw(dir, fuzz_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
