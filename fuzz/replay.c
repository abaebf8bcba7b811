/* A main() for a fuzz target without libFuzzer: run LLVMFuzzerTestOneInput
 * once on each file named, and on each file of each directory named, in
 * name order. `make check` replays the seed corpora and the regression
 * cases this way, with whatever compiler builds latch.
 *
 * usage: fuzz-NAME FILE|DIR... */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz/fuzz.h"

/* libFuzzer calls it when the target defines it; so do we. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int run_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *buf = NULL;
	size_t len = 0, alloc = 0;
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (len == alloc) {
			uint8_t *grown = realloc(buf, alloc = alloc ? 2 * alloc : 4096);

			if (!grown) {
				free(buf);
				(void)close(fd);
				return -1;
			}
			buf = grown;
		}
		n = read(fd, buf + len, alloc - len);
		if (n > 0)
			len += (size_t)n;
	} while (n > 0 || (n < 0 && errno == EINTR));
	(void)close(fd);
	if (n < 0) {
		fprintf(stderr, "replay: cannot read '%s': %s\n", path, strerror(errno));
		free(buf);
		return -1;
	}
	(void)LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file directly in dir; returns how many ran, or -1. */
static int run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int ran = 0;

	if (!d) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char **grown;

		if (de->d_name[0] == '.')
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown || !(grown[n] = strdup(de->d_name))) {
			free(grown);
			(void)closedir(d);
			return -1;
		}
		names = grown;
		n++;
	}
	(void)closedir(d);
	sort_n(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (ran >= 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
			ran = run_file(path) < 0 ? -1 : ran + 1;
		free(names[i]);
	}
	free(names);
	return ran;
}

int main(int argc, char **argv)
{
	int total = 0;

	if (LLVMFuzzerInitialize)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int r;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: '%s': %s\n", argv[i], strerror(errno));
			return 1;
		}
		r = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) == 0 ? 1 : -1;
		if (r < 0)
			return 1;
		total += r;
	}
	printf("%s: %d inputs\n", argv[0], total);
	return 0;
}
