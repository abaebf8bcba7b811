/* The Landlock compiler is pure (the ABI is a parameter), so what every ABI
 * handles, grants and reports as degraded is tested here on any kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sandbox/landlock-uapi.h"
#include "sandbox/landlock.h"

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

static const struct landlock_path *find(const struct landlock_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->n_paths; i++)
		if (strcmp(plan->paths[i].path, path) == 0)
			return &plan->paths[i];
	return NULL;
}

static void test_rights_per_class(void **state)
{
	struct policy *p = load("{\"name\":\"t\",\"filesystem\":{\"read\":[\"/r\"],\"exec\":[\"/x\"],"
				"\"create\":[\"/c\"],\"write\":[\"/w\"],\"deny\":[\"/d\"]}}");
	struct landlock_plan *plan = NULL;
	struct error err = { 0 };
	const uint64_t rd = LL_ACCESS_FS_READ_FILE | LL_ACCESS_FS_READ_DIR;
	const uint64_t mk = LL_ACCESS_FS_MAKE_REG | LL_ACCESS_FS_MAKE_DIR | LL_ACCESS_FS_MAKE_SYM |
			    LL_ACCESS_FS_MAKE_SOCK | LL_ACCESS_FS_MAKE_FIFO | LL_ACCESS_FS_REFER;
	const uint64_t rm = LL_ACCESS_FS_REMOVE_FILE | LL_ACCESS_FS_REMOVE_DIR | LL_ACCESS_FS_REFER;
	const uint64_t wr = LL_ACCESS_FS_WRITE_FILE | LL_ACCESS_FS_IOCTL_DEV;

	(void)state;
	assert_int_equal(landlock_compile(p, 7, &plan, &err), 0);
	assert_int_equal(plan->n_paths, 4); /* deny adds no rule */
	assert_null(find(plan, "/d"));
	assert_int_equal(find(plan, "/r")->access, rd);
	assert_int_equal(find(plan, "/x")->access, rd | LL_ACCESS_FS_EXECUTE);
	assert_int_equal(find(plan, "/c")->access, rd | wr | mk);
	assert_int_equal(find(plan, "/w")->access, rd | wr | mk | rm | LL_ACCESS_FS_TRUNCATE);
	/* Device nodes are never granted to be made. */
	for (size_t i = 0; i < plan->n_paths; i++)
		assert_int_equal(plan->paths[i].access & (LL_ACCESS_FS_MAKE_CHAR | LL_ACCESS_FS_MAKE_BLOCK), 0);
	assert_null(plan->conflicts);
	landlock_plan_free(plan);
	policy_free(p);
}

static void test_handled_per_abi(void **state)
{
	struct policy *p = load("{\"name\":\"t\",\"filesystem\":{\"write\":[\"/w\"]},"
				"\"network\":{\"mode\":\"ports\",\"connect_tcp\":[443]}}");

	(void)state;
	for (int abi = 0; abi <= 7; abi++) {
		struct landlock_plan *plan = NULL;
		struct error err = { 0 };

		assert_int_equal(landlock_compile(p, abi, &plan, &err), 0);
		assert_int_equal(!!(plan->handled_fs & LL_ACCESS_FS_EXECUTE), abi >= 1);
		assert_int_equal(!!(plan->handled_fs & LL_ACCESS_FS_REFER), abi >= 2);
		assert_int_equal(!!(plan->handled_fs & LL_ACCESS_FS_TRUNCATE), abi >= 3);
		assert_int_equal(!!(plan->handled_fs & LL_ACCESS_FS_IOCTL_DEV), abi >= 5);
		assert_int_equal(plan->handled_net != 0, abi >= 4);
		assert_int_equal(plan->n_connect, abi >= 4 ? 1 : 0);
		assert_int_equal(plan->scoped != 0, abi >= 6);
		assert_int_equal(landlock_plan_handles(plan, POLICY_ACCESS_READ), abi >= 1);
		assert_int_equal(landlock_plan_handles(plan, POLICY_ACCESS_TRUNCATE), abi >= 3);
		assert_int_equal(landlock_plan_handles(plan, POLICY_ACCESS_TCP_CONNECT), abi >= 4);
		assert_int_equal(landlock_plan_handles(plan, POLICY_ACCESS_SIGNAL), abi >= 6);
		/* Rights are masked by what this ABI handles. */
		assert_int_equal(find(plan, "/w")->access & ~plan->handled_fs, 0);
		/* What is degraded, with the bit that `required` names. */
		assert_int_equal(!!(plan->degraded_required & POLICY_REQUIRE_LANDLOCK_TRUNCATE), abi >= 1 && abi < 3);
		assert_int_equal(!!(plan->degraded_required & POLICY_REQUIRE_LANDLOCK_NET), abi >= 1 && abi < 4);
		assert_int_equal(!!(plan->degraded_required & POLICY_REQUIRE_LANDLOCK_IOCTL_DEV), abi >= 1 && abi < 5);
		assert_int_equal(!!(plan->degraded_required & POLICY_REQUIRE_LANDLOCK_SCOPES), abi >= 1 && abi < 6);
		assert_int_equal(plan->degraded == NULL, abi >= 6);
		for (size_t i = 0; plan->degraded && plan->degraded[i]; i++)
			assert_true(plan->degraded_bit[i] != 0 || abi == 0);
		landlock_plan_free(plan);
	}
	policy_free(p);
}

static void test_net_off_needs_no_landlock_net(void **state)
{
	struct policy *p = load("{\"name\":\"t\",\"network\":{\"mode\":\"off\"}}");
	struct landlock_plan *plan = NULL;
	struct error err = { 0 };

	(void)state;
	/* seccomp refuses non-unix sockets: nothing is lost without ABI 4. */
	assert_int_equal(landlock_compile(p, 3, &plan, &err), 0);
	assert_int_equal(plan->degraded_required & POLICY_REQUIRE_LANDLOCK_NET, 0);
	landlock_plan_free(plan);
	policy_free(p);
}

static void test_deny_inside_allow_is_a_conflict(void **state)
{
	struct policy *p = load("{\"name\":\"t\",\"filesystem\":{\"write\":[\"$HOME\"],\"read\":[\"/etc\"],"
				"\"deny\":[\"$HOME/.ssh\",\"/var/secret\",\"/etc\"]}}");
	struct landlock_plan *plan = NULL;
	struct error err = { 0 };

	(void)state;
	assert_int_equal(landlock_compile(p, 7, &plan, &err), 0);
	/* ~/.ssh inside $HOME: one conflict naming both rules. /var/secret is
	 * inside nothing; deny /etc at the same path as read /etc wins. */
	assert_non_null(plan->conflicts);
	assert_null(plan->conflicts[1]);
	assert_non_null(strstr(plan->conflicts[0], "<profile t: $HOME/.ssh>"));
	assert_non_null(strstr(plan->conflicts[0], "<profile t: $HOME>"));
	assert_null(find(plan, "/etc"));
	assert_non_null(find(plan, "/home/u"));
	landlock_plan_free(plan);
	policy_free(p);
}

static void test_allow_inside_deny_is_expressible(void **state)
{
	struct policy *p = load("{\"name\":\"t\",\"filesystem\":{\"deny\":[\"$HOME/.ssh\"],"
				"\"read\":[\"$HOME/.ssh/known_hosts\"]}}");
	struct landlock_plan *plan = NULL;
	struct error err = { 0 };

	(void)state;
	assert_int_equal(landlock_compile(p, 7, &plan, &err), 0);
	assert_null(plan->conflicts);
	assert_non_null(find(plan, "/home/u/.ssh/known_hosts"));
	assert_int_equal(plan->n_paths, 1);
	landlock_plan_free(plan);
	policy_free(p);
}

static void test_protect_inside_write_is_inexact_for_writes(void **state)
{
	struct policy *p = load("{\"name\":\"t\",\"filesystem\":{\"write\":[\"$HOME/p\",\"$HOME/p/own\"],"
				"\"read\":[\"/etc\"],\"protect\":[\"$HOME/p/.git/hooks\",\"$HOME/p/own\",\"/etc/x\"]}}");
	struct landlock_plan *plan = NULL;
	struct error err = { 0 };
	const unsigned reads = (1u << POLICY_ACCESS_READ) | (1u << POLICY_ACCESS_EXEC);

	(void)state;
	assert_int_equal(landlock_compile(p, 7, &plan, &err), 0);
	/* .git/hooks inside a writable directory: one conflict; own is
	 * granted on purpose at the same path; /etc/x lies inside a read-only
	 * rule, which already takes no writing. */
	assert_non_null(plan->conflicts);
	assert_null(plan->conflicts[1]);
	assert_non_null(strstr(plan->conflicts[0], "protect rule <profile t: $HOME/p/.git/hooks>"));
	/* Reads stay exact: a race cannot read more than the profile allows. */
	assert_int_equal(plan->inexact & reads, 0);
	assert_true(plan->inexact & (1u << POLICY_ACCESS_WRITE));
	assert_true(plan->inexact & (1u << POLICY_ACCESS_CREATE));
	assert_true(plan->inexact & (1u << POLICY_ACCESS_DELETE));
	assert_true(plan->inexact & (1u << POLICY_ACCESS_TRUNCATE));
	assert_non_null(find(plan, "/home/u/p/own"));
	landlock_plan_free(plan);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rights_per_class),
		cmocka_unit_test(test_handled_per_abi),
		cmocka_unit_test(test_net_off_needs_no_landlock_net),
		cmocka_unit_test(test_deny_inside_allow_is_a_conflict),
		cmocka_unit_test(test_allow_inside_deny_is_expressible),
		cmocka_unit_test(test_protect_inside_write_is_inexact_for_writes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
