/* The notification decoder and the reader of its memory arguments.
 *
 * The input is a struct seccomp_data (64 bytes: nr, arch, ip, six
 * arguments), one byte that says after how many reads the notification
 * vanishes (0: never), and the target's memory: the rest of the input,
 * mapped at FUZZ_BASE, nothing else mapped.
 *
 * Promises checked: sup_decode() answers 0, -ENOSYS or -EINVAL and a
 * decoded call names a row of the dispatch table; sup_mem_fetch_args()
 * answers 0, an errno for the program or -ENOENT (vanished), and reads a
 * path exactly as the kernel would (the bytes up to the NUL, EFAULT at
 * unmapped memory, ENAMETOOLONG past PATH_MAX); the event written for the
 * call is byte for byte the envelope sup_event_json() builds. */
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json-util.h"
#include "fuzz/fuzz.h"
#include "supervise/sup-internal.h"
#include "supervise/sup-serve.h"

#define FUZZ_BASE 0x10000ull

struct image {
	const uint8_t *bytes;
	size_t len;
	int reads;     /* so far */
	int vanish_at; /* the notification is gone after this many reads; 0: never */
};

static ssize_t image_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct image *im = ctx;

	im->reads++;
	if (addr < FUZZ_BASE || addr - FUZZ_BASE >= im->len)
		return -EFAULT;
	if (len > im->len - (addr - FUZZ_BASE))
		len = im->len - (size_t)(addr - FUZZ_BASE);
	memcpy(buf, im->bytes + (addr - FUZZ_BASE), len);
	return (ssize_t)len;
}

static bool image_valid(void *ctx)
{
	const struct image *im = ctx;

	return !im->vanish_at || im->reads < im->vanish_at;
}

/* The kernel's strncpy_from_user() for a path of PATH_MAX: the string at
 * addr, EFAULT where memory ends first, ENAMETOOLONG without a NUL in
 * PATH_MAX bytes. */
static int expected_path(const struct image *im, uint64_t addr, const char **ret)
{
	size_t off, avail;

	if (addr < FUZZ_BASE || addr - FUZZ_BASE >= im->len)
		return EFAULT;
	off = (size_t)(addr - FUZZ_BASE);
	avail = im->len - off;
	if (memchr(im->bytes + off, '\0', avail < PATH_MAX ? avail : PATH_MAX)) {
		*ret = (const char *)im->bytes + off;
		return 0;
	}
	return avail < PATH_MAX ? EFAULT : ENAMETOOLONG;
}

static void check_event(const struct sup_req *r)
{
	struct sup_event ev = {
		.time_unix_ms = 1700000000000LL,
		.pid = 7,
		.tid = 8,
		.exe = "/usr/bin/fuzz",
		.syscall = r->call.syscall,
		.access = "read",
		.path = r->path[0],
		.resolved = r->call.op == SUP_OP_SYMLINK ? r->link_target : NULL,
		.path2 = r->call.path[1].present ? r->path[1] : NULL,
		.action = "deny",
		.layer = "supervisor",
		.decided_by = "profile",
		.reason = "denied by the profile",
		.err = EACCES,
	};
	/* The supervisor's own buffer: any event fits. */
	static char buf[SUP_EVENT_MAX];
	json_t *env = sup_event_json(&ev);
	char *dump;
	int n;

	FUZZ_CHECK(env);
	dump = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
	FUZZ_CHECK(dump);
	n = sup_event_format(&ev, json_integer_value(json_object_get(env, "generated_at_unix_ms")), buf, sizeof(buf));
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(dump) + 1);
	FUZZ_CHECK(memcmp(buf, dump, (size_t)n - 1) == 0 && buf[n - 1] == '\n');
	free(dump);
	json_decref(env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sup_req r;
	struct seccomp_data d = { 0 };
	struct image im = { 0 };
	struct sup_mem m = { image_read, image_valid, &im };
	const char *want = NULL;
	int e, want_e = 0;

	memcpy(&d, data, size < sizeof(d) ? size : sizeof(d));
	if (size > sizeof(d)) {
		im.vanish_at = data[sizeof(d)] & 7;
		im.bytes = data + sizeof(d) + 1;
		im.len = size - sizeof(d) - 1;
	}
	memset(&r, 0, sizeof(r));
	e = sup_decode(&d, &r.call);
	FUZZ_CHECK(e == 0 || e == -ENOSYS || e == -EINVAL);
	if (e < 0)
		return 0;
	FUZZ_CHECK((unsigned)r.call.op < _SUP_OP_MAX && sup_ops[r.call.op].name && r.call.syscall);
	FUZZ_CHECK(strcmp(sup_ops[r.call.op].name, sup_op_name(r.call.op)) == 0);
	(void)sup_open_accesses(r.call.flags, true);
	(void)sup_open_accesses(r.call.flags, false);

	e = sup_mem_fetch_args(&m, &r);
	FUZZ_CHECK(e == 0 || e == -ENOENT || (e > 0 && e < 4096));
	FUZZ_CHECK(e != -ENOENT || im.vanish_at);
	if (r.call.path[0].present && !r.call.path[0].fd_only && !im.vanish_at) {
		/* The first thing read: what the kernel would make of it. */
		want_e = expected_path(&im, r.call.path[0].addr, &want);
		FUZZ_CHECK(e == want_e || (want_e == 0 && e > 0));
		if (want_e == 0)
			FUZZ_CHECK(strcmp(r.path[0], want) == 0);
	}
	if (e == 0) {
		for (int i = 0; i < 2; i++)
			FUZZ_CHECK(memchr(r.path[i], '\0', sizeof(r.path[i])));
		FUZZ_CHECK(r.call.op != SUP_OP_SYMLINK || r.link_target[0]);
		FUZZ_CHECK(!(r.call.op == SUP_OP_CONNECT || r.call.op == SUP_OP_BIND) ||
			   (r.addrlen >= sizeof(sa_family_t) && r.addrlen <= sizeof(r.addr)));
		check_event(&r);
	}
	return 0;
}
