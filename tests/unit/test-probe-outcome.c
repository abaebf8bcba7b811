/* Tests for src/probe/outcome.c: the closed outcome vocabulary, the errno
 * table, and attribution -- every row of the table above probe_attribute(),
 * each paired with the row that must win instead when one fact changes. The
 * policy and the Landlock plan are compiled from inline JSON for ABI 7 (and
 * 2, where a right is missing), so no kernel feature is needed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe/outcome.h"

static const char *const vocabulary[] = {
	"ok",           "denied",        "dac_denied",    "not_found",     "exists",  "premise_failed",
	"unsupported", "harness_error", "bad_request",   "unknown_probe", "timeout",
};

static void test_vocabulary_is_closed(void **state)
{
	(void)state;
	assert_int_equal(_PROBE_OUTCOME_MAX, ELEMENTSOF(vocabulary));
	for (size_t i = 0; i < ELEMENTSOF(vocabulary); i++) {
		int o = probe_outcome_from_name(vocabulary[i]);

		assert_true(o >= 0);
		assert_string_equal(probe_outcome_name(o), vocabulary[i]);
		assert_non_null(probe_outcome_meaning(o));
	}
	assert_int_equal(probe_outcome_from_name("deny"), -EINVAL);
	assert_int_equal(probe_outcome_from_name("error"), -EINVAL);
	assert_int_equal(probe_outcome_from_name(NULL), -EINVAL);
	assert_null(probe_outcome_name(_PROBE_OUTCOME_MAX));
}

static void test_rc_and_measured(void **state)
{
	static const struct {
		enum probe_outcome o;
		int rc;
		bool measured;
	} rows[] = {
		{ PROBE_OK, 0, true },           { PROBE_DENIED, 1, true },
		{ PROBE_DAC_DENIED, 1, true },   { PROBE_NOT_FOUND, 1, true },
		{ PROBE_EXISTS, 1, true },       { PROBE_PREMISE_FAILED, 1, false },
		{ PROBE_UNSUPPORTED, 1, true },  { PROBE_HARNESS_ERROR, 125, false },
		{ PROBE_BAD_REQUEST, 2, false }, { PROBE_UNKNOWN_PROBE, 2, false },
		{ PROBE_TIMEOUT, 124, false },
	};

	(void)state;
	assert_int_equal(ELEMENTSOF(rows), _PROBE_OUTCOME_MAX);
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		assert_int_equal(probe_outcome_rc(rows[i].o), rows[i].rc);
		assert_int_equal(probe_outcome_measured(rows[i].o), rows[i].measured);
	}
}

static void test_layers(void **state)
{
	static const char *const names[] = { "none",       "landlock",  "mount_mask", "seccomp",
					     "supervisor", "namespace", "dac" };

	(void)state;
	assert_int_equal(_PROBE_LAYER_MAX, ELEMENTSOF(names));
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		assert_string_equal(probe_layer_name(probe_layer_from_name(names[i])), names[i]);
	assert_int_equal(probe_layer_from_name("kernel"), -EINVAL);
}

static void test_errno_table(void **state)
{
	static const struct {
		int err;
		enum probe_outcome o;
	} rows[] = {
		{ 0, PROBE_OK },
		/* the permission errnos: the baseline reading, refined later */
		{ EACCES, PROBE_DAC_DENIED },
		{ EPERM, PROBE_DAC_DENIED },
		{ EROFS, PROBE_DAC_DENIED },
		{ ENOENT, PROBE_NOT_FOUND },
		{ ENOTDIR, PROBE_NOT_FOUND },
		{ ESRCH, PROBE_NOT_FOUND },
		{ ECONNREFUSED, PROBE_NOT_FOUND },
		{ ENODATA, PROBE_NOT_FOUND },
		{ EEXIST, PROBE_EXISTS },
		{ ENOTEMPTY, PROBE_EXISTS },
		{ EADDRINUSE, PROBE_EXISTS },
		{ ENOSYS, PROBE_UNSUPPORTED },
		{ EOPNOTSUPP, PROBE_UNSUPPORTED },
		{ EAFNOSUPPORT, PROBE_UNSUPPORTED },
		{ ETIMEDOUT, PROBE_TIMEOUT },
		/* anything else: the probe did not measure what it set out to */
		{ EINVAL, PROBE_PREMISE_FAILED },
		{ EXDEV, PROBE_PREMISE_FAILED },
		{ EBADF, PROBE_PREMISE_FAILED },
		{ EIO, PROBE_PREMISE_FAILED },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		if (probe_outcome_from_errno(rows[i].err) != rows[i].o)
			fail_msg("errno %s: want %s, got %s", probe_errno_name(rows[i].err),
				 probe_outcome_name(rows[i].o), probe_outcome_name(probe_outcome_from_errno(rows[i].err)));
	}
}

static void test_errno_names(void **state)
{
	static const int errs[] = { EACCES, EPERM, ENOENT, ENODATA, EXDEV, ECONNREFUSED, EBADF, ENOTSUP };

	(void)state;
	assert_string_equal(probe_errno_name(EACCES), "EACCES");
	assert_string_equal(probe_errno_name(ENODATA), "ENODATA"); /* not in errno_name()'s table */
	for (size_t i = 0; i < ELEMENTSOF(errs); i++)
		assert_int_equal(probe_errno_from_name(probe_errno_name(errs[i])), errs[i]);
	assert_int_equal(probe_errno_from_name("EWHATEVER"), -EINVAL);
}

/* ---- attribution ------------------------------------------------------------ */

static struct policy *load(const char *json)
{
	static const struct policy_var vars[] = {
		{ "HOME", "/home/u" }, { "CWD", "/home/u/proj" }, { "TMPDIR", "/tmp" },
	};
	struct policy_ctx ctx = { .vars = vars, .n_vars = ELEMENTSOF(vars) };
	struct policy *p = NULL;
	struct error err = { 0 };

	if (policy_load_buffer(json, strlen(json), "t.json", &ctx, &p, &err) < 0)
		fail_msg("load: %s", err.msg);
	return p;
}

#define PROFILE                                                                                    \
	"{\"name\":\"t\",\"filesystem\":{\"read\":[\"/usr\"],\"write\":[\"$CWD\"],"               \
	"\"deny\":[\"$HOME/.ssh\"]},\"network\":{\"mode\":\"off\"},"                            \
	"\"process\":{\"signals\":\"scoped\",\"abstract_unix\":\"scoped\",\"ptrace\":false}}"

struct sandbox {
	struct policy *p;
	struct landlock_plan *ll;
	struct probe_sandbox sb;
};

static void sandbox_init(struct sandbox *s, const char *json, int abi)
{
	struct error err = { 0 };

	s->p = load(json);
	assert_int_equal(landlock_compile(s->p, abi, &s->ll, &err), 0);
	s->sb = (struct probe_sandbox){ .policy = s->p, .ll = s->ll,
					.sf = { .allow_ptrace = s->p->process.ptrace,
						.network_off = s->p->net.mode == POLICY_NET_OFF } };
}

static void sandbox_done(struct sandbox *s)
{
	landlock_plan_free(s->ll);
	policy_free(s->p);
}

static void expect(const struct probe_sandbox *sb, const struct probe_facts *f, enum probe_outcome o,
		   enum probe_layer l, const char *why)
{
	struct probe_attribution at;

	probe_attribute(sb, f, &at);
	if (at.outcome != o || at.layer != l)
		fail_msg("%s: want %s/%s, got %s/%s (%s)", why, probe_outcome_name(o), probe_layer_name(l),
			 probe_outcome_name(at.outcome), probe_layer_name(at.layer), at.reason);
	assert_true(at.reason[0] != '\0');
}

static struct probe_facts fs(int err, const char *syscall, enum policy_access a, const char *path, int dac)
{
	return (struct probe_facts){ .err = err, .syscall = syscall, .has_access = true, .access = a, .path = path,
				     .landlock_mediated = true, .dac = dac };
}

static void test_attribute_baseline(void **state)
{
	struct probe_facts f = fs(EACCES, "openat", POLICY_ACCESS_READ, "/home/u/.ssh/id_rsa", -1);

	(void)state;
	expect(NULL, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "no sandbox: EACCES is Unix permissions");
	f.err = 0;
	expect(NULL, &f, PROBE_OK, PROBE_LAYER_NONE, "no sandbox: success");
	f.err = ENOENT;
	expect(NULL, &f, PROBE_NOT_FOUND, PROBE_LAYER_NONE, "no sandbox: ENOENT");
	f = (struct probe_facts){ .err = EPERM, .syscall = "ptrace", .dac = -1 };
	expect(NULL, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "no sandbox: EPERM from ptrace");
}

static void test_attribute_landlock_and_dac(void **state)
{
	struct sandbox s;
	struct probe_facts f;

	(void)state;
	sandbox_init(&s, PROFILE, 7);
	f = fs(EACCES, "openat", POLICY_ACCESS_READ, "/home/u/.ssh/id_rsa", 0);
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_LANDLOCK, "denied path, access(2) outside allows");
	f.dac = -1;
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_LANDLOCK, "denied path, access(2) outside unknown");
	f.dac = 1;
	expect(&s.sb, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "denied path, but Unix permissions refuse outside too");
	f = fs(EACCES, "openat", POLICY_ACCESS_READ, "/usr/secret", 1);
	expect(&s.sb, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "allowed path: the refusal is Unix permissions");
	f = fs(EACCES, "openat", POLICY_ACCESS_WRITE, "/usr/bin/x", 0);
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_LANDLOCK, "write to a read-only rule");
	f = fs(EPERM, "chmod", POLICY_ACCESS_WRITE, "/usr/bin/x", 0);
	f.landlock_mediated = false;
	expect(&s.sb, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "Landlock does not mediate chmod");
	f = fs(EACCES, "rename", POLICY_ACCESS_DELETE, "/home/u/proj/a", 0);
	f.to_access = POLICY_ACCESS_CREATE;
	f.to_path = "/home/u/proj/b";
	expect(&s.sb, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "rename inside $CWD: both allowed");
	f.to_path = "/usr/b";
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_LANDLOCK, "rename out of $CWD: the new name is denied");
	/* signals: Landlock's scope, only when it handles it */
	f = (struct probe_facts){ .err = EPERM, .syscall = "kill", .has_access = true,
				  .access = POLICY_ACCESS_SIGNAL, .landlock_mediated = true, .dac = -1 };
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_LANDLOCK, "signals scoped");
	sandbox_done(&s);
	sandbox_init(&s, PROFILE, 5);
	expect(&s.sb, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "ABI 5 cannot scope signals: not Landlock");
	sandbox_done(&s);
}

static void test_attribute_abi_lacks_right(void **state)
{
	struct sandbox s;
	struct probe_facts f = fs(EACCES, "truncate", POLICY_ACCESS_TRUNCATE, "/usr/lib/x", 0);

	(void)state;
	sandbox_init(&s, PROFILE, 7);
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_LANDLOCK, "ABI 7 handles truncate");
	sandbox_done(&s);
	sandbox_init(&s, PROFILE, 2);
	expect(&s.sb, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "ABI 2 does not handle truncate");
	sandbox_done(&s);
}

static void test_attribute_seccomp(void **state)
{
	struct sandbox s;
	struct probe_facts f = { .err = EPERM, .syscall = "ptrace", .has_access = true,
				 .access = POLICY_ACCESS_PTRACE, .dac = -1 };

	(void)state;
	sandbox_init(&s, PROFILE, 7);
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_SECCOMP, "ptrace refused by the table");
	f.err = EACCES;
	expect(&s.sb, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "the table answers EPERM, not EACCES");
	f = (struct probe_facts){ .err = EACCES, .syscall = "socket", .has_access = true,
				  .access = POLICY_ACCESS_TCP_CONNECT, .port = 443, .landlock_mediated = true, .dac = -1 };
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_SECCOMP, "network off: socket() refused");
	f = (struct probe_facts){ .err = EPERM, .syscall = "io_uring_setup", .dac = -1 };
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_SECCOMP, "io_uring refused");
	f.syscall = "ioctl";
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_SECCOMP, "ioctl TIOCSTI, an argument rule");
	f.syscall = "getpid";
	expect(&s.sb, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "a syscall the table does not name");
	sandbox_done(&s);
	/* ptrace allowed: the same EPERM is no longer seccomp's */
	sandbox_init(&s, "{\"name\":\"t\",\"process\":{\"ptrace\":true},\"network\":{\"mode\":\"on\"}}", 7);
	f = (struct probe_facts){ .err = EPERM, .syscall = "ptrace", .has_access = true,
				  .access = POLICY_ACCESS_PTRACE, .dac = -1 };
	expect(&s.sb, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "ptrace allowed, target inside: the kernel's own");
	f.landlock_mediated = true;
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_LANDLOCK, "ptrace allowed, target outside: Landlock's domain");
	expect(NULL, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "the same, unsandboxed: the kernel's own");
	f = (struct probe_facts){ .err = EACCES, .syscall = "socket", .dac = -1 };
	expect(&s.sb, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "network on: socket() is not refused");
	sandbox_done(&s);
}

static void test_attribute_exdev(void **state)
{
	struct sandbox s;
	struct probe_facts f = fs(EXDEV, "rename", POLICY_ACCESS_DELETE, "/usr/a", 0);

	(void)state;
	expect(NULL, &f, PROBE_PREMISE_FAILED, PROBE_LAYER_NONE, "baseline EXDEV: another file system");
	sandbox_init(&s, PROFILE, 7);
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_LANDLOCK, "refer denied");
	f.path = "/home/u/proj/a";
	expect(&s.sb, &f, PROBE_PREMISE_FAILED, PROBE_LAYER_NONE, "allowed rename: a real EXDEV");
	sandbox_done(&s);
}

static void test_attribute_namespaces(void **state)
{
	struct sandbox s;
	struct probe_facts f = fs(ENOENT, "openat", POLICY_ACCESS_READ, "/home/u/.ssh/id_rsa", -1);

	(void)state;
	sandbox_init(&s, PROFILE, 7);
	expect(&s.sb, &f, PROBE_NOT_FOUND, PROBE_LAYER_NONE, "ENOENT without a mount namespace");
	f.own_mnt_ns = true;
	expect(&s.sb, &f, PROBE_NOT_FOUND, PROBE_LAYER_NONE, "ENOENT, and the path is not there outside either");
	f.exists_outside = true;
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_MOUNT_MASK, "hidden by a mask");
	f.path = "/home/u/proj/x";
	expect(&s.sb, &f, PROBE_NOT_FOUND, PROBE_LAYER_NONE, "an allowed path is not masked");
	f = fs(EROFS, "openat", POLICY_ACCESS_WRITE, "/home/u/.ssh/config", 0);
	f.own_mnt_ns = true;
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_MOUNT_MASK, "a read-only mask");
	sandbox_done(&s);
	/* deny inside allow: Landlock grants $HOME, only a mask can refuse */
	sandbox_init(&s, "{\"name\":\"t\",\"filesystem\":{\"write\":[\"$HOME\"],\"deny\":[\"$HOME/.netrc\"]}}", 7);
	f = fs(EACCES, "openat", POLICY_ACCESS_WRITE, "/home/u/.netrc", 0);
	expect(&s.sb, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "no mount namespace: not a mask, and Landlock grants it");
	f.own_mnt_ns = true;
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_MOUNT_MASK, "EACCES from the mask file's own mode");
	f.path = "/home/u/notes";
	expect(&s.sb, &f, PROBE_DAC_DENIED, PROBE_LAYER_DAC, "an allowed path: Unix permissions");
	sandbox_done(&s);
	sandbox_init(&s, PROFILE, 7);
	f = (struct probe_facts){ .err = ECONNREFUSED, .syscall = "connect", .has_access = true,
				  .access = POLICY_ACCESS_ABSTRACT_UNIX, .landlock_mediated = true,
				  .harness_target = true, .dac = -1 };
	expect(&s.sb, &f, PROBE_NOT_FOUND, PROBE_LAYER_NONE, "same network namespace: nothing listens");
	f.own_net_ns = true;
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_NAMESPACE, "the runner's listener is in another netns");
	f.harness_target = false;
	expect(&s.sb, &f, PROBE_NOT_FOUND, PROBE_LAYER_NONE, "a target the runner does not vouch for");
	f = (struct probe_facts){ .err = ESRCH, .syscall = "kill", .target_pid = 4242, .own_pid_ns = true, .dac = -1 };
	expect(&s.sb, &f, PROBE_NOT_FOUND, PROBE_LAYER_NONE, "no such process outside either");
	f.exists_outside = true;
	expect(&s.sb, &f, PROBE_DENIED, PROBE_LAYER_NAMESPACE, "the process is outside the pid namespace");
	expect(NULL, &f, PROBE_NOT_FOUND, PROBE_LAYER_NONE, "baseline: no namespace to blame");
	sandbox_done(&s);
}

static void test_seccomp_refuses(void **state)
{
	struct sfilter_plan off = { .network_off = true }, on = { .allow_ptrace = true };

	(void)state;
	assert_true(probe_seccomp_refuses(&off, "bpf", EPERM));
	assert_false(probe_seccomp_refuses(&off, "bpf", EACCES));
	assert_true(probe_seccomp_refuses(&off, "socket", EACCES));
	assert_false(probe_seccomp_refuses(&on, "socket", EACCES));
	assert_true(probe_seccomp_refuses(&off, "ptrace", EPERM));
	assert_false(probe_seccomp_refuses(&on, "ptrace", EPERM));
	assert_true(probe_seccomp_refuses(&on, "unshare", EPERM));
	assert_false(probe_seccomp_refuses(&on, "openat", EPERM));
	assert_false(probe_seccomp_refuses(&on, NULL, EPERM));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocabulary_is_closed),
		cmocka_unit_test(test_rc_and_measured),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_errno_table),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_attribute_baseline),
		cmocka_unit_test(test_attribute_landlock_and_dac),
		cmocka_unit_test(test_attribute_abi_lacks_right),
		cmocka_unit_test(test_attribute_seccomp),
		cmocka_unit_test(test_attribute_exdev),
		cmocka_unit_test(test_attribute_namespaces),
		cmocka_unit_test(test_seccomp_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
