/* SHA-256 (FIPS 180-4), for the digests of evidence: plans, run artifacts,
 * latch's own binary. The compression is nettle's (SHA-NI where the CPU has
 * it; bench/sha256.sh measures it); this header keeps nettle out of its
 * callers. The unit test checks the FIPS 180-4 / NIST example vectors and
 * every split of the input across block boundaries. Prefix: sha256_. */
#ifndef LATCH_BASE_HASH_H
#define LATCH_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE 64
#define SHA256_HEX_SIZE (SHA256_DIGEST_SIZE * 2 + 1) /* lowercase hex and NUL */

struct sha256 {
	/* nettle's struct sha256_ctx, held as storage: its header renames
	 * sha256_* by macro, so it is included by hash.c alone, which checks
	 * that it fits. */
	uint64_t ctx[16];
	uint64_t length; /* bytes hashed so far */
};

void sha256_init(struct sha256 *s);

/* Add len bytes; any number of calls, any split of the input. */
void sha256_update(struct sha256 *s, const void *data, size_t len);

/* The digest of everything added. s must be initialized again to be reused. */
void sha256_final(struct sha256 *s, uint8_t ret[SHA256_DIGEST_SIZE]);

/* A digest as 64 lowercase hex digits and a NUL. */
void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char ret[SHA256_HEX_SIZE]);

/* The hex digest of a buffer. */
void sha256_hex(const void *data, size_t len, char ret[SHA256_HEX_SIZE]);

/* The hex digest of everything fd has from its current offset to the end,
 * and how many bytes that was (ret_size may be NULL). Returns 0 or a
 * negative errno; ret untouched on failure. */
int sha256_fd(int fd, char ret[SHA256_HEX_SIZE], uint64_t *ret_size);

/* The same for a regular file, opened without following a symlink in the
 * last component (-ELOOP then; -EISDIR or -EINVAL for what is not a regular
 * file). */
int sha256_file(const char *path, char ret[SHA256_HEX_SIZE], uint64_t *ret_size);

/* The same for path relative to the directory dirfd (AT_FDCWD: the
 * current directory), so that what is hashed is what lies in that
 * directory. */
int sha256_file_at(int dirfd, const char *path, char ret[SHA256_HEX_SIZE], uint64_t *ret_size);

#endif
