/* SHA-256 over nettle's implementation (hash.h). */
#include <fcntl.h>
#include <nettle/sha2.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* nettle's header maps sha256_* onto nettle_sha256_* by macro: undone here
 * so that the names below are latch's, and nettle's are called by their
 * own names. */
#undef sha256_init
#undef sha256_update
#undef sha256_digest

#include "base/hash.h"
#include "base/macro.h"

_Static_assert(sizeof(struct sha256_ctx) <= sizeof(((struct sha256 *)0)->ctx), "struct sha256 too small for nettle");
_Static_assert(_Alignof(struct sha256_ctx) <= _Alignof(uint64_t), "struct sha256 under-aligned for nettle");

static struct sha256_ctx *ctx_of(struct sha256 *s)
{
	return (struct sha256_ctx *)(void *)s->ctx;
}

void sha256_init(struct sha256 *s)
{
	nettle_sha256_init(ctx_of(s));
	s->length = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	nettle_sha256_update(ctx_of(s), len, data);
	s->length += len;
}

void sha256_final(struct sha256 *s, uint8_t ret[SHA256_DIGEST_SIZE])
{
	nettle_sha256_digest(ctx_of(s), SHA256_DIGEST_SIZE, ret);
	memset(s, 0, sizeof(*s));
}

void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char ret[SHA256_HEX_SIZE])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		ret[2 * i] = hex[digest[i] >> 4];
		ret[2 * i + 1] = hex[digest[i] & 0xf];
	}
	ret[SHA256_HEX_SIZE - 1] = '\0';
}

void sha256_hex(const void *data, size_t len, char ret[SHA256_HEX_SIZE])
{
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, d);
	sha256_to_hex(d, ret);
}

int sha256_fd(int fd, char ret[SHA256_HEX_SIZE], uint64_t *ret_size)
{
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_SIZE], buf[65536];
	ssize_t n;

	sha256_init(&s);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		sha256_update(&s, buf, (size_t)n);
	}
	if (ret_size)
		*ret_size = s.length;
	sha256_final(&s, d);
	sha256_to_hex(d, ret);
	return 0;
}

int sha256_file_at(int dirfd, const char *path, char ret[SHA256_HEX_SIZE], uint64_t *ret_size)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	return sha256_fd(fd, ret, ret_size);
}

int sha256_file(const char *path, char ret[SHA256_HEX_SIZE], uint64_t *ret_size)
{
	return sha256_file_at(AT_FDCWD, path, ret, ret_size);
}
