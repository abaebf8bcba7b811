/* SHA-256 throughput: latch's sha256_* API (src/base/hash.c) against
 * nettle's sha256 called directly, over the same buffer in the same chunks.
 * Prints MB/s (10^6 bytes per second) for each, best of several runs, and
 * fails if the two digests differ.
 *
 * usage: bench/sha256.sh [MiB] [runs]   (builds and runs this file) */
#include <nettle/sha2.h>
/* nettle's header renames sha256_* to nettle_sha256_* by macro; latch's
 * functions of the same names must stay latch's here. */
#undef sha256_init
#undef sha256_update
#undef sha256_digest
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hash.h"

#define CHUNK (64 * 1024)

static double now_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void hash_latch(const uint8_t *buf, size_t total, uint8_t ret[SHA256_DIGEST_SIZE])
{
	struct sha256 s;

	sha256_init(&s);
	for (size_t off = 0; off < total; off += CHUNK)
		sha256_update(&s, buf + off, CHUNK);
	sha256_final(&s, ret);
}

static void hash_nettle(const uint8_t *buf, size_t total, uint8_t ret[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx s;

	nettle_sha256_init(&s);
	for (size_t off = 0; off < total; off += CHUNK)
		nettle_sha256_update(&s, CHUNK, buf + off);
	nettle_sha256_digest(&s, SHA256_DIGEST_SIZE, ret);
}

static double best_mbps(void (*fn)(const uint8_t *, size_t, uint8_t *), const uint8_t *buf, size_t total, int runs,
			uint8_t ret[SHA256_DIGEST_SIZE])
{
	double best = 0;

	for (int i = 0; i < runs; i++) {
		double t0 = now_s(), mbps;

		fn(buf, total, ret);
		mbps = (double)total / 1e6 / (now_s() - t0);
		if (mbps > best)
			best = mbps;
	}
	return best;
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 256;
	int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	size_t total;
	uint8_t *buf, d1[SHA256_DIGEST_SIZE], d2[SHA256_DIGEST_SIZE];
	double a, b;

	if (mib <= 0 || runs <= 0) {
		fprintf(stderr, "usage: %s [MiB] [runs]\n", argv[0]);
		return 2;
	}
	total = (size_t)mib * 1024 * 1024;
	buf = malloc(total);
	if (!buf) {
		fprintf(stderr, "sha256 bench: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < total; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	a = best_mbps(hash_latch, buf, total, runs, d1);
	b = best_mbps(hash_nettle, buf, total, runs, d2);
	free(buf);
	printf("sha256: %ld MiB in 64 KiB chunks, best of %d runs\n", mib, runs);
	printf("  latch  (base/hash.h)  %8.1f MB/s\n", a);
	printf("  nettle (sha256_*)     %8.1f MB/s\n", b);
	if (memcmp(d1, d2, sizeof(d1)) != 0) {
		fprintf(stderr, "sha256 bench: the two digests differ\n");
		return 1;
	}
	return 0;
}
