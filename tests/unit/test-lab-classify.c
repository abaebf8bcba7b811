/* Tests for src/lab/classify.c: one row per rule of lab_classify(), each
 * stating the three lanes and the reason they must give; the kernel limits
 * match only what their table row names; the reason vocabulary is closed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lab/classify.h"

#define OK PROBE_OK
#define DENIED PROBE_DENIED
#define DAC PROBE_DAC_DENIED
#define NOTFOUND PROBE_NOT_FOUND
#define EXISTS PROBE_EXISTS
#define PREMISE PROBE_PREMISE_FAILED
#define HARNESS PROBE_HARNESS_ERROR
#define TIMEOUT PROBE_TIMEOUT
#define UNSUP PROBE_UNSUPPORTED
#define A LAB_VERDICT_ALLOW
#define D LAB_VERDICT_DENY
#define N LAB_VERDICT_NO_DECISION

struct row {
	const char *probe, *op;
	int baseline, sandboxed;
	enum lab_verdict verdict;
	bool abi_lacks;           /* the oracle's deny is a right the ABI lacks */
	int abi;
	bool masked_empty;
	int expected;             /* -1: no expectation; else the outcome expected */
	const char *drift;
	enum lab_reason want;
	const char *limit;        /* kernel_limit: its id */
};

static const struct row rows[] = {
	/* 1. nothing measured */
	{ "fs_op", "stat", HARNESS, OK, D, false, 7, false, -1, NULL, LAB_HARNESS_ERROR, NULL },
	{ "fs_op", "stat", OK, TIMEOUT, D, false, 7, false, -1, NULL, LAB_HARNESS_ERROR, NULL },
	{ "fs_op", "stat", OK, -1, D, false, 7, false, -1, NULL, LAB_HARNESS_ERROR, NULL },
	{ "fs_op", "open_read", OK, DENIED, D, false, 7, false, -1, "drift", LAB_HARNESS_ERROR, NULL },
	/* 2. premises */
	{ "ioctl", "tiocsti", OK, PREMISE, D, false, 7, false, -1, NULL, LAB_PREMISE_FAILED, NULL },
	{ "ioctl", "tiocsti", PREMISE, DENIED, D, false, 7, false, -1, NULL, LAB_PREMISE_FAILED, NULL },
	/* 3. the host refuses */
	{ "fs_op", "open_read", DAC, DAC, A, false, 7, false, -1, NULL, LAB_AMBIENT_RESTRICTION, NULL },
	{ "fs_op", "open_read", DAC, DAC, D, false, 7, false, -1, NULL, LAB_AGREE, NULL },
	{ "fs_op", "open_read", DAC, OK, D, false, 7, false, -1, NULL, LAB_HARNESS_ERROR, NULL },
	{ "io_uring", NULL, UNSUP, UNSUP, A, false, 7, false, -1, NULL, LAB_AMBIENT_RESTRICTION, NULL },
	/* 4. the oracle says deny */
	{ "fs_op", "open_read", OK, DENIED, D, false, 7, false, -1, NULL, LAB_AGREE, NULL },
	{ "fs_op", "open_read", OK, NOTFOUND, D, false, 7, false, -1, NULL, LAB_AGREE, NULL },
	{ "fs_op", "open_read", NOTFOUND, NOTFOUND, D, false, 7, false, -1, NULL, LAB_AGREE, NULL },
	{ "fs_op", "open_read", OK, OK, D, false, 7, false, -1, NULL, LAB_ENFORCEMENT_GAP, NULL },
	{ "fs_op", "create", OK, EXISTS, D, false, 7, false, -1, NULL, LAB_PREMISE_FAILED, NULL },
	/* ...and the documented limits that explain a gap */
	{ "fs_op", "chmod", OK, OK, D, false, 7, false, -1, NULL, LAB_KERNEL_LIMIT, "landlock_unmediated_metadata" },
	{ "fs_op", "setxattr", OK, OK, D, false, 7, false, -1, NULL, LAB_KERNEL_LIMIT, "landlock_unmediated_metadata" },
	{ "fs_op", "stat", OK, OK, D, false, 7, false, -1, NULL, LAB_KERNEL_LIMIT, "landlock_unmediated_metadata" },
	{ "fs_op", "readlink", OK, OK, D, false, 7, false, -1, NULL, LAB_KERNEL_LIMIT, "landlock_unmediated_metadata" },
	{ "memfd_exec", NULL, OK, OK, D, false, 7, false, -1, NULL, LAB_KERNEL_LIMIT, "memfd_exec_unconfined" },
	{ "dlopen", NULL, OK, OK, D, false, 7, false, -1, NULL, LAB_KERNEL_LIMIT, "mmap_exec_unmediated" },
	{ "fs_op", "open_read", OK, OK, D, false, 7, true, -1, NULL, LAB_KERNEL_LIMIT, "mask_reads_empty" },
	{ "fs_op", "truncate", OK, OK, D, true, 2, false, -1, NULL, LAB_KERNEL_LIMIT, "landlock_abi_lacks_right" },
	{ "net_op", "tcp_connect", OK, OK, D, true, 3, false, -1, NULL, LAB_KERNEL_LIMIT, "landlock_abi_lacks_right" },
	/* a limit covers only what its row names */
	{ "fs_op", "truncate", OK, OK, D, false, 7, false, -1, NULL, LAB_ENFORCEMENT_GAP, NULL },
	{ "fs_op", "open_write", OK, OK, D, false, 7, true, -1, NULL, LAB_ENFORCEMENT_GAP, NULL },
	{ "exec", NULL, OK, OK, D, false, 7, false, -1, NULL, LAB_ENFORCEMENT_GAP, NULL },
	/* 5. the oracle says allow, or nothing */
	{ "fs_op", "open_read", OK, OK, A, false, 7, false, -1, NULL, LAB_AGREE, NULL },
	{ "fs_op", "open_read", NOTFOUND, NOTFOUND, A, false, 7, false, -1, NULL, LAB_AGREE, NULL },
	{ "fs_op", "open_read", OK, DENIED, A, false, 7, false, -1, NULL, LAB_OVER_ENFORCEMENT, NULL },
	{ "fs_op", "open_read", OK, NOTFOUND, A, false, 7, false, -1, NULL, LAB_OVER_ENFORCEMENT, NULL },
	{ "world_shape", NULL, OK, DENIED, N, false, 7, false, -1, NULL, LAB_OVER_ENFORCEMENT, NULL },
	{ "fs_op", "open_read", NOTFOUND, OK, A, false, 7, false, -1, NULL, LAB_HARNESS_ERROR, NULL },
	{ "fs_op", "rename", OK, DENIED, A, false, 1, false, -1, NULL, LAB_KERNEL_LIMIT, "landlock_refer_abi1" },
	{ "fs_op", "rename", OK, DENIED, A, false, 2, false, -1, NULL, LAB_OVER_ENFORCEMENT, NULL },
	/* 6. expectations, once the lanes agree */
	{ "fs_op", "open_read", OK, DENIED, D, false, 7, false, DENIED, NULL, LAB_AGREE, NULL },
	{ "fs_op", "open_read", OK, DENIED, D, false, 7, false, OK, NULL, LAB_EXPECTATION_MISMATCH, NULL },
	{ "fs_op", "open_read", OK, OK, D, false, 7, false, OK, NULL, LAB_ENFORCEMENT_GAP, NULL },
};

static void test_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *w = &rows[i];
		struct lab_oracle o = { .verdict = w->verdict, .n = 1 };
		struct lab_compare c = {
			.probe_id = w->probe,
			.op = w->op,
			.baseline = w->baseline,
			.sandboxed = w->sandboxed,
			.oracle = &o,
			.own_mnt_ns = w->masked_empty,
			.read_nothing = w->masked_empty,
			.landlock_abi = w->abi,
			.has_expected = w->expected >= 0,
			.expected_ok = w->expected < 0 || w->expected == w->sandboxed,
			.oracle_drift = w->drift,
		};
		struct lab_classification cls;

		o.q[0].allow = w->verdict != LAB_VERDICT_DENY;
		o.q[0].abi_lacks = w->abi_lacks;
		lab_classify(&c, &cls);
		if (cls.reason != w->want)
			fail_msg("row %zu (%s %s): got %s, want %s: %s", i, w->probe, w->op ? w->op : "",
				 lab_reason_name(cls.reason), lab_reason_name(w->want), cls.detail);
		if (w->limit && (!cls.limit || strcmp(cls.limit->id, w->limit) != 0))
			fail_msg("row %zu: limit %s, want %s", i, cls.limit ? cls.limit->id : "none", w->limit);
		if (!w->limit && cls.limit)
			fail_msg("row %zu: unexpected limit %s", i, cls.limit->id);
		if (cls.reason == LAB_KERNEL_LIMIT)
			assert_true(cls.underlying == LAB_ENFORCEMENT_GAP || cls.underlying == LAB_OVER_ENFORCEMENT);
		assert_true(cls.detail[0] != '\0');
	}
}

static void test_vocabulary(void **state)
{
	static const char *const closed[] = { "agree", "ambient_restriction", "enforcement_gap", "over_enforcement",
					      "kernel_limit", "expectation_mismatch", "premise_failed", "harness_error" };

	(void)state;
	for (int r = 0; r < _LAB_REASON_MAX; r++) {
		assert_string_equal(lab_reason_name(r), closed[r]);
		assert_int_equal(lab_reason_from_name(closed[r]), r);
		assert_non_null(lab_reason_meaning(r));
		assert_int_equal(lab_reason_fails(r), r == LAB_ENFORCEMENT_GAP || r == LAB_OVER_ENFORCEMENT);
	}
	assert_int_equal(lab_reason_from_name("bad"), -EINVAL);
	assert_null(lab_reason_name(_LAB_REASON_MAX));
	/* The limits are unique, each explains a gap or an excess. */
	for (size_t i = 0; i < lab_n_kernel_limits; i++) {
		assert_true(lab_kernel_limits[i].covers == LAB_ENFORCEMENT_GAP ||
			    lab_kernel_limits[i].covers == LAB_OVER_ENFORCEMENT);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(lab_kernel_limits[i].id, lab_kernel_limits[j].id);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_vocabulary),
	};

	return cmocka_run_group_tests_name("lab-classify", tests, NULL, NULL);
}
