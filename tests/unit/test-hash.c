/* Tests for src/base/hash.c: the FIPS 180-4 / NIST example vectors ("",
 * "abc", the 448-bit and 896-bit messages, one million 'a'), every padding
 * boundary (55, 56, 57, 63, 64, 65, 119, 120 bytes), every split of a
 * message across update calls, and hashing a file by path and relative to a
 * directory. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/hash.h"

static void assert_hex(const void *data, size_t len, const char *want)
{
	char got[SHA256_HEX_SIZE];

	sha256_hex(data, len, got);
	assert_string_equal(got, want);
}

static void test_fips_vectors(void **state)
{
	(void)state;
	assert_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* 448 bits: the message fills the first block past the length field. */
	assert_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* 896 bits. */
	assert_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
		   "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		   112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE], chunk[1000];

	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&s);
	for (int i = 0; i < 1000; i++)
		sha256_update(&s, chunk, sizeof(chunk));
	sha256_final(&s, d);
	sha256_to_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

	/* The same in one call. */
	{
		char *big = malloc(1000000);

		assert_non_null(big);
		memset(big, 'a', 1000000);
		assert_hex(big, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
		free(big);
	}
}

/* Where the padding needs one block or two (values from Python's hashlib). */
static void test_padding_boundaries(void **state)
{
	static const struct {
		size_t n;
		const char *hex;
	} rows[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
		{ 128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e" },
	};
	char a[128];

	(void)state;
	memset(a, 'a', sizeof(a));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_hex(a, rows[i].n, rows[i].hex);
}

/* Every way of cutting a message in three gives the one-shot digest. */
static void test_every_split(void **state)
{
	uint8_t msg[1024], d[SHA256_DIGEST_SIZE];
	char want[SHA256_HEX_SIZE], got[SHA256_HEX_SIZE];
	struct sha256 s;

	(void)state;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	sha256_hex(msg, sizeof(msg), want);
	assert_string_equal(want, "785b0751fc2c53dc14a4ce3d800e69ef9ce1009eb327ccf458afe09c242c26c9");
	for (size_t a = 0; a <= 200; a++)
		for (size_t b = a; b <= 200; b += 7) {
			sha256_init(&s);
			sha256_update(&s, msg, a);
			sha256_update(&s, msg + a, b - a);
			sha256_update(&s, msg + b, sizeof(msg) - b);
			sha256_final(&s, d);
			sha256_to_hex(d, got);
			assert_string_equal(got, want);
		}
}

static void test_file(void **state)
{
	char path[] = "/tmp/latch-test-hash.XXXXXX", hex[SHA256_HEX_SIZE];
	uint64_t size = 0;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	assert_int_equal(close(fd), 0);
	assert_int_equal(sha256_file(path, hex, &size), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(size, 3);
	assert_int_equal(sha256_file("/tmp", hex, NULL), -EISDIR);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(sha256_file(path, hex, NULL), -ENOENT);
}

/* Relative to a directory fd, and never through a symlink. */
static void test_file_at(void **state)
{
	char dir[] = "/tmp/latch-test-hash.XXXXXX", path[64], link[64], hex[SHA256_HEX_SIZE];
	uint64_t size = 0;
	int dfd, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	(void)snprintf(path, sizeof(path), "%s/f", dir);
	(void)snprintf(link, sizeof(link), "%s/l", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	assert_int_equal(close(fd), 0);
	assert_int_equal(symlink("f", link), 0);
	assert_int_equal(sha256_file_at(dfd, "f", hex, &size), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(size, 3);
	assert_int_equal(sha256_file_at(dfd, "l", hex, NULL), -ELOOP);
	assert_int_equal(sha256_file_at(dfd, ".", hex, NULL), -EISDIR);
	assert_int_equal(sha256_file_at(dfd, "missing", hex, NULL), -ENOENT);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(close(dfd), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_vectors),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_padding_boundaries),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_at),
	};

	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
