/* session_plan_check(), line by line: each reason to refuse and each
 * warning, from a small profile over a real temporary directory, and for
 * each the neighbouring case in which it must not appear (or appears as a
 * warning rather than a refusal). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strv.h"
#include "session/session.h"

static char dir[] = "/tmp/latch-session-check.XXXXXX";
static char existing[4200];
static struct policy_var vars[2];
static struct policy_ctx ctx;

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	(void)snprintf(existing, sizeof(existing), "%s/existing", dir);
	if (mkdir(existing, 0700) < 0)
		return -1;
	vars[0] = (struct policy_var){ "D", dir };
	vars[1] = (struct policy_var){ "CWD", dir };
	ctx = (struct policy_ctx){ .vars = vars, .n_vars = ELEMENTSOF(vars) };
	/* The mode must come from the request alone. */
	(void)unsetenv("LATCH_NO_NAMESPACES");
	(void)unsetenv("LATCH_LANDLOCK_ABI");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	(void)rmdir(existing);
	(void)rmdir(dir);
	return 0;
}

/* The profile "t" planned as req asks (its supervision as the profile
 * says unless req says otherwise: off when it names none), then checked. */
static void plan_checked(const char *json, struct session_request *req, struct session_plan *plan)
{
	struct policy *p = NULL;
	struct error err = { 0 };

	if (!req->landlock_abi)
		req->landlock_abi = 7;
	if (policy_load_buffer(json, strlen(json), "t", &ctx, &p, &err) < 0)
		fail_msg("cannot load test profile: %s\n%s", err.msg, json);
	if (session_plan_from_policy(req, &ctx, 0, p, plan, &err) < 0)
		fail_msg("cannot plan: %s", err.msg);
	assert_int_equal(session_plan_check(req, plan), 0);
}

static bool any_contains(char *const *v, const char *needle)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strstr(v[i], needle))
			return true;
	return false;
}

#define PROFILE_RW "{\"name\": \"t\", \"filesystem\": {\"read\": [\"$D\"], \"write\": [\"$D\"]"

static void test_clean_plan_has_nothing(void **state)
{
	struct session_request req = { 0 };
	struct session_plan plan;

	(void)state;
	plan_checked(PROFILE_RW "}}", &req, &plan);
	assert_true(plan.isolated);
	assert_null(plan.refusals);
	assert_null(plan.warnings);
	session_plan_done(&plan);
}

static void test_no_landlock_refuses(void **state)
{
	struct session_request req = { 0 };
	struct session_plan plan;

	(void)state;
	plan_checked(PROFILE_RW "}}", &req, &plan);
	assert_false(any_contains(plan.refusals, "Landlock is not available"));
	plan.abi = -ENOSYS;
	assert_int_equal(session_plan_check(&req, &plan), 0);
	assert_true(any_contains(plan.refusals, "Landlock is not available (ENOSYS)"));
	session_plan_done(&plan);
}

/* An ABI without TCP rights: a warning, a refusal under --strict. */
static void test_degradation_warns_or_refuses(void **state)
{
	static const char *json = PROFILE_RW "}, \"network\": {\"mode\": \"ports\", \"connect_tcp\": [443]}}";
	struct session_request req = { .landlock_abi = 3 };
	struct session_plan plan;

	(void)state;
	plan_checked(json, &req, &plan);
	assert_null(plan.refusals);
	assert_true(plan.warnings && plan.warnings[0]);
	session_plan_done(&plan);

	req = (struct session_request){ .landlock_abi = 3, .strict = true };
	plan_checked(json, &req, &plan);
	assert_true(any_contains(plan.refusals, "(refused because of --strict)"));
	session_plan_done(&plan);

	req = (struct session_request){ .landlock_abi = 7, .strict = true };
	plan_checked(json, &req, &plan);
	assert_null(plan.refusals);
	session_plan_done(&plan);
}

/* A deny rule for a missing path in a writable directory: no mask can
 * hold it without a supervisor; --allow-unmasked accepts it; a supervisor
 * enforces it. */
static void test_unmaskable_deny(void **state)
{
	static const char *json = PROFILE_RW ", \"deny\": [\"$D/missing\"]}}";
	struct session_request req = { 0 };
	struct session_plan plan;

	(void)state;
	plan_checked(json, &req, &plan);
	assert_true(any_contains(plan.refusals, "1 denied path inside allowed directories does not exist"));
	session_plan_done(&plan);

	req = (struct session_request){ .allow_unmasked = true };
	plan_checked(json, &req, &plan);
	assert_null(plan.refusals);
	assert_true(any_contains(plan.warnings, "not enforced: --allow-unmasked"));
	session_plan_done(&plan);

	req = (struct session_request){ .supervise = SESSION_SUPERVISE_ON, .no_namespaces = true };
	plan_checked(json, &req, &plan);
	assert_false(any_contains(plan.refusals, "denied path"));
	assert_false(any_contains(plan.warnings, "denied path"));
	session_plan_done(&plan);
}

/* A deny inside an allowed directory in the static mode: refused, and the
 * refusal says why no mask is there. */
static void test_static_conflict(void **state)
{
	static const char *json = PROFILE_RW ", \"deny\": [\"$D/existing\"]}}";
	struct session_request req = { .no_namespaces = true };
	struct session_plan plan;

	(void)state;
	plan_checked(json, &req, &plan);
	assert_true(any_contains(plan.refusals, "(namespaces would mask it; they are disabled)"));
	assert_true(any_contains(plan.warnings, "namespaces: disabled on request"));
	session_plan_done(&plan);

	req = (struct session_request){ 0 };
	plan_checked(json, &req, &plan);
	assert_null(plan.refusals);
	session_plan_done(&plan);
}

static void test_static_protect(void **state)
{
	static const char *json = PROFILE_RW ", \"protect\": [\"$D/existing\"]}}";
	struct session_request req = { .no_namespaces = true };
	struct session_plan plan;

	(void)state;
	plan_checked(json, &req, &plan);
	assert_null(plan.refusals);
	assert_true(any_contains(plan.warnings, "protect: without a supervisor or namespaces"));
	session_plan_done(&plan);

	req = (struct session_request){ .no_namespaces = true, .supervise = SESSION_SUPERVISE_ON };
	plan_checked(json, &req, &plan);
	assert_false(any_contains(plan.warnings, "protect:"));
	session_plan_done(&plan);
}

/* "private" in the static mode is dropped, said; required namespaces make
 * it a refusal. In the isolated mode it hides nothing it may not. */
static void test_private(void **state)
{
	static const char *json = "{\"name\": \"t\", \"filesystem\": {\"read\": [\"$D\"], \"private\": [\"$D/existing\"]}";
	char buf[512];
	struct session_request req = { .no_namespaces = true };
	struct session_plan plan;

	(void)state;
	(void)snprintf(buf, sizeof(buf), "%s}", json);
	plan_checked(buf, &req, &plan);
	assert_true(any_contains(plan.warnings, "private: without namespaces"));
	assert_non_null(plan.private_dropped);
	session_plan_done(&plan);

	(void)snprintf(buf, sizeof(buf), "%s, \"required\": [\"namespaces\"]}", json);
	req = (struct session_request){ .no_namespaces = true };
	plan_checked(buf, &req, &plan);
	assert_true(any_contains(plan.refusals, "private: without namespaces"));
	assert_true(any_contains(plan.refusals, "disabled on request, but the profile requires them"));
	session_plan_done(&plan);

	(void)snprintf(buf, sizeof(buf), "%s}", json);
	req = (struct session_request){ 0 };
	plan_checked(buf, &req, &plan);
	assert_null(plan.refusals);
	assert_null(plan.warnings);
	assert_true(plan.private_dirs && strcmp(plan.private_dirs[0], existing) == 0);
	session_plan_done(&plan);
}

/* A private directory over a rule that grants something below it. */
static void test_private_hides_rule(void **state)
{
	char buf[512];
	struct session_request req = { 0 };
	struct session_plan plan;

	(void)state;
	/* What only a supervisor gives below a private directory would be
	 * hidden by it; what Landlock grants there is bound back in. */
	(void)snprintf(buf, sizeof(buf),
		       "{\"name\": \"t\", \"filesystem\": {\"private\": [\"$D\"], \"list\": [\"$D/existing\"]}}");
	plan_checked(buf, &req, &plan);
	assert_true(any_contains(plan.refusals, "would hide"));
	session_plan_done(&plan);
	(void)snprintf(buf, sizeof(buf),
		       "{\"name\": \"t\", \"filesystem\": {\"private\": [\"$D\"], \"read\": [\"$D/existing\"]}}");
	plan_checked(buf, &req, &plan);
	assert_false(any_contains(plan.refusals, "would hide"));
	session_plan_done(&plan);
}

static void test_limits_need_isolation(void **state)
{
	static const char *json = PROFILE_RW "}, \"limits\": {\"pids\": 64}}";
	struct session_request req = { .no_namespaces = true };
	struct session_plan plan;

	(void)state;
	plan_checked(json, &req, &plan);
	assert_true(any_contains(plan.warnings, "cgroup_limits: limits.memory and limits.pids need the isolated mode"));
	session_plan_done(&plan);

	req = (struct session_request){ 0 };
	plan_checked(json, &req, &plan);
	assert_false(any_contains(plan.warnings, "need the isolated mode"));
	session_plan_done(&plan);
}

/* The kernel refused namespaces at the start: the second plan is static
 * and names the errno. */
static void test_namespaces_refused(void **state)
{
	struct session_request req = { .supervise = SESSION_SUPERVISE_OFF, .landlock_abi = 7 };
	struct session_plan plan;
	struct policy *p = NULL;
	struct error err = { 0 };
	static const char *json = PROFILE_RW "}}";

	(void)state;
	assert_int_equal(policy_load_buffer(json, strlen(json), "t", &ctx, &p, &err), 0);
	assert_int_equal(session_plan_from_policy(&req, &ctx, EPERM, p, &plan, &err), 0);
	assert_false(plan.isolated);
	assert_int_equal(session_plan_check(&req, &plan), 0);
	assert_true(any_contains(plan.warnings, "the kernel refused an unprivileged user namespace (EPERM)"));
	session_plan_done(&plan);
}

static void test_root_supervised_static(void **state)
{
	struct session_request req = { 0 };
	struct session_plan plan;

	(void)state;
	plan_checked(PROFILE_RW "}}", &req, &plan);
	plan.isolated = false;
	plan.root_supervised_static = true;
	assert_int_equal(session_plan_check(&req, &plan), 0);
	assert_true(any_contains(plan.warnings, "holds capabilities but not CAP_SYS_ADMIN"));
	session_plan_done(&plan);
}

/* Supervision asked for by the profile and turned off: the metadata the
 * supervisor would decide is said to be unenforced; with it, nothing. */
static void test_metadata_unsupervised(void **state)
{
	static const char *json = PROFILE_RW "}, \"supervise\": {\"mode\": \"deny\"}}";
	struct session_request req = { .supervise = SESSION_SUPERVISE_OFF };
	struct session_plan plan;

	(void)state;
	plan_checked(json, &req, &plan);
	assert_true(any_contains(plan.warnings, "metadata: without a supervisor"));
	session_plan_done(&plan);

	req = (struct session_request){ .supervise = SESSION_SUPERVISE_PROFILE };
	plan_checked(json, &req, &plan);
	assert_int_equal(plan.supervise, POLICY_SUPERVISE_DENY);
	assert_false(any_contains(plan.warnings, "metadata:"));
	session_plan_done(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_plan_has_nothing),
		cmocka_unit_test(test_no_landlock_refuses),
		cmocka_unit_test(test_degradation_warns_or_refuses),
		cmocka_unit_test(test_unmaskable_deny),
		cmocka_unit_test(test_static_conflict),
		cmocka_unit_test(test_static_protect),
		cmocka_unit_test(test_private),
		cmocka_unit_test(test_private_hides_rule),
		cmocka_unit_test(test_limits_need_isolation),
		cmocka_unit_test(test_namespaces_refused),
		cmocka_unit_test(test_root_supervised_static),
		cmocka_unit_test(test_metadata_unsupervised),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
