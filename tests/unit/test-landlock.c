/* The Landlock compiler is pure (the ABI is a parameter), so what every ABI
 * handles, grants and reports as degraded is tested here on any kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	for (int abi = 0; abi <= 11; abi++) {
		struct landlock_plan *plan = NULL;
		struct error err = { 0 };

		assert_int_equal(landlock_compile(p, abi, &plan, &err), 0);
		assert_int_equal(!!(plan->handled_fs & LL_ACCESS_FS_EXECUTE), abi >= 1);
		assert_int_equal(!!(plan->handled_fs & LL_ACCESS_FS_REFER), abi >= 2);
		assert_int_equal(!!(plan->handled_fs & LL_ACCESS_FS_TRUNCATE), abi >= 3);
		assert_int_equal(!!(plan->handled_fs & LL_ACCESS_FS_IOCTL_DEV), abi >= 5);
		assert_int_equal(!!(plan->handled_fs & LL_ACCESS_FS_RESOLVE_UNIX), abi >= 9);
		/* A port list names TCP ports: UDP stays unhandled on ABI 10. */
		assert_int_equal(plan->handled_net, abi >= 4 ? LL_ACCESS_NET_BIND_TCP | LL_ACCESS_NET_CONNECT_TCP : 0);
		assert_int_equal(plan->restrict_flags, abi >= 8 ? LL_RESTRICT_SELF_TSYNC : 0);
		/* The ruleset attribute as far as this ABI knows it (11: as 10). */
		assert_int_equal(plan->attr_size, abi >= 10 ? sizeof(struct ll_ruleset_attr)
						  : abi >= 6 ? offsetof(struct ll_ruleset_attr, quiet_access_fs)
						  : abi >= 4 ? offsetof(struct ll_ruleset_attr, scoped)
						  : abi >= 1 ? offsetof(struct ll_ruleset_attr, handled_access_net)
							     : 0);
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
		/* ABI 8 to 10 cost this profile nothing it had before. */
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

static void test_abi_table(void **state)
{
	uint64_t fs = 0, net = 0, scopes = 0;
	uint32_t flags = 0;
	json_t *names;

	(void)state;
	assert_int_equal(landlock_n_abis, 10);
	for (size_t i = 0; i < landlock_n_abis; i++) {
		const struct landlock_abi_row *row = &landlock_abis[i];

		assert_int_equal(row->abi, (int)i + 1);
		/* Each ABI adds something of its own, never a right again. */
		assert_true(row->fs | row->net | row->scopes | row->restrict_flags | row->rule_flags);
		assert_int_equal(fs & row->fs, 0);
		assert_int_equal(net & row->net, 0);
		assert_int_equal(scopes & row->scopes, 0);
		assert_int_equal(flags & row->restrict_flags, 0);
		fs |= row->fs;
		net |= row->net;
		scopes |= row->scopes;
		flags |= row->restrict_flags;
		assert_true(i == 0 || row->attr_size >= landlock_abis[i - 1].attr_size);
		assert_non_null(row->label);
		assert_non_null(row->adds);
		for (size_t k = 0; k < ELEMENTSOF(row->degraded); k++)
			assert_true(!row->degraded[k].line || row->degraded[k].require || row->abi == 1);
	}
	/* The kernel's values, contiguous from bit 0. */
	assert_int_equal(fs, (LL_ACCESS_FS_RESOLVE_UNIX << 1) - 1);
	assert_int_equal(net, (LL_ACCESS_NET_CONNECT_SEND_UDP << 1) - 1);
	assert_int_equal(scopes, (LL_SCOPE_SIGNAL << 1) - 1);
	assert_int_equal(flags, (LL_RESTRICT_SELF_TSYNC << 1) - 1);
	assert_int_equal(landlock_abis[9].rule_flags, LL_ADD_RULE_QUIET);
	assert_int_equal(sizeof(struct ll_ruleset_attr), 6 * sizeof(__u64));
	/* Every filesystem right has a name in --dry-run. */
	names = landlock_fs_rights_to_json(fs);
	assert_int_equal(json_array_size(names), 17);
	json_decref(names);
}

static void test_abi_8_to_10(void **state)
{
	struct policy *off = load("{\"name\":\"t\",\"filesystem\":{\"read\":[\"/r\"],\"create\":[\"/c\"],"
				  "\"write\":[\"/w\"]},\"network\":{\"mode\":\"off\"}}");
	struct policy *on = load("{\"name\":\"t\",\"network\":{\"mode\":\"on\"}}");
	const uint64_t tcp = LL_ACCESS_NET_BIND_TCP | LL_ACCESS_NET_CONNECT_TCP;
	const uint64_t udp = LL_ACCESS_NET_BIND_UDP | LL_ACCESS_NET_CONNECT_SEND_UDP;

	(void)state;
	for (int abi = 7; abi <= 10; abi++) {
		struct landlock_plan *plan = NULL, *open_net = NULL;
		struct error err = { 0 };

		assert_int_equal(landlock_compile(off, abi, &plan, &err), 0);
		assert_int_equal(landlock_compile(on, abi, &open_net, &err), 0);
		/* Connecting to a pathname socket goes with writing. */
		assert_int_equal(!!(find(plan, "/w")->access & LL_ACCESS_FS_RESOLVE_UNIX), abi >= 9);
		assert_int_equal(!!(find(plan, "/c")->access & LL_ACCESS_FS_RESOLVE_UNIX), abi >= 9);
		assert_int_equal(find(plan, "/r")->access & LL_ACCESS_FS_RESOLVE_UNIX, 0);
		assert_true(landlock_plan_handles(plan, POLICY_ACCESS_WRITE));
		/* With the network off every socket right is handled, UDP too. */
		assert_int_equal(plan->handled_net, abi >= 10 ? tcp | udp : tcp);
		assert_int_equal(open_net->handled_net, 0);
		assert_int_equal(plan->n_connect + plan->n_bind, 0);
		assert_int_equal(plan->restrict_flags, abi >= 8 ? LL_RESTRICT_SELF_TSYNC : 0);
		assert_null(plan->degraded);
		landlock_plan_free(open_net);
		landlock_plan_free(plan);
	}
	policy_free(on);
	policy_free(off);
}

static void test_resolve_unix_kept_on_a_file(void **state)
{
	char file[] = "/tmp/latch-test-landlock-XXXXXX", json[256];
	int fd = mkstemp(file);
	struct policy *p;
	struct landlock_plan *plan = NULL;
	struct error err = { 0 };

	(void)state;
	assert_true(fd >= 0);
	(void)close(fd);
	(void)snprintf(json, sizeof(json), "{\"name\":\"t\",\"filesystem\":{\"write\":[\"%s\"]}}", file);
	p = load(json);
	assert_int_equal(landlock_compile(p, 9, &plan, &err), 0);
	assert_int_equal(landlock_prepare(plan, &err), 0);
	/* A socket is a file: the rights of a file rule keep RESOLVE_UNIX and
	 * lose what only a directory can hold. */
	assert_false(find(plan, file)->is_dir);
	assert_int_equal(find(plan, file)->access, LL_ACCESS_FS_WRITE_FILE | LL_ACCESS_FS_READ_FILE |
							   LL_ACCESS_FS_TRUNCATE | LL_ACCESS_FS_IOCTL_DEV |
							   LL_ACCESS_FS_RESOLVE_UNIX);
	landlock_plan_free(plan);
	policy_free(p);
	(void)unlink(file);
}

static void test_degradations_in_abi_order(void **state)
{
	struct policy *p = load("{\"name\":\"t\",\"network\":{\"mode\":\"ports\",\"connect_tcp\":[443]},"
				"\"process\":{\"signals\":\"scoped\",\"abstract_unix\":\"scoped\"}}");
	static const char *const want[] = {
		"landlock_truncate: Landlock ABI < 3 cannot restrict truncate(); files the user may write can be "
		"truncated anywhere",
		"landlock_net: Landlock ABI < 4 cannot filter TCP ports; network.connect_tcp and network.bind_tcp are "
		"not enforced and TCP is open",
		"landlock_ioctl_dev: Landlock ABI < 5 cannot restrict ioctl() on devices opened inside the sandbox",
		"landlock_scopes: Landlock ABI < 6 cannot scope signals; processes outside the sandbox can be "
		"signalled",
		"landlock_scopes: Landlock ABI < 6 cannot scope abstract unix sockets; listeners outside the sandbox "
		"can be reached",
	};
	static const unsigned bits[] = {
		POLICY_REQUIRE_LANDLOCK_TRUNCATE, POLICY_REQUIRE_LANDLOCK_NET, POLICY_REQUIRE_LANDLOCK_IOCTL_DEV,
		POLICY_REQUIRE_LANDLOCK_SCOPES, POLICY_REQUIRE_LANDLOCK_SCOPES,
	};
	struct landlock_plan *plan = NULL;
	struct error err = { 0 };

	(void)state;
	assert_int_equal(landlock_compile(p, 2, &plan, &err), 0);
	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		assert_non_null(plan->degraded[i]);
		assert_string_equal(plan->degraded[i], want[i]);
		assert_int_equal(plan->degraded_bit[i], bits[i]);
	}
	assert_null(plan->degraded[ELEMENTSOF(want)]);
	landlock_plan_free(plan);
	/* Without Landlock one line says it all: the run refuses. */
	assert_int_equal(landlock_compile(p, 0, &plan, &err), 0);
	assert_string_equal(plan->degraded[0], "landlock: not available on this kernel; the filesystem, TCP and "
					       "scope rules cannot be enforced");
	assert_null(plan->degraded[1]);
	assert_int_equal(plan->degraded_required, 0);
	landlock_plan_free(plan);
	policy_free(p);
}

static void test_shadowed_allow_grants_nothing(void **state)
{
	struct policy *p = load("{\"name\":\"t\",\"filesystem\":{\"write\":[\"$HOME\",\"$HOME/p\"],"
				"\"deny\":[\"$HOME\",\"$HOME/.ssh\",\"$HOME/p/.env\"]}}");
	struct landlock_plan *plan = NULL;
	struct error err = { 0 };
	const struct policy_rule *home = NULL, *proj = NULL;

	(void)state;
	for (size_t i = 0; i < p->n_rules; i++)
		if (!policy_class_restricts(p->rules[i].klass))
			*(strcmp(p->rules[i].path, "/home/u") == 0 ? &home : &proj) = &p->rules[i];
	assert_non_null(home);
	assert_non_null(proj);
	/* The engine: deny $HOME wins over write $HOME at equal specificity,
	 * and policy_decide() says the same. */
	assert_true(policy_allow_shadowed(p, home));
	assert_false(policy_allow_shadowed(p, proj));
	{
		struct policy_query q = { .access = POLICY_ACCESS_READ, .path = "/home/u/notes" };
		struct policy_decision d;

		policy_decide(p, &q, &d);
		assert_false(d.allow);
	}
	assert_int_equal(landlock_compile(p, 7, &plan, &err), 0);
	/* No rule for $HOME; ~/.ssh lies inside no granted directory, so it
	 * is no conflict; .env inside the granted project is one. */
	assert_null(find(plan, "/home/u"));
	assert_non_null(find(plan, "/home/u/p"));
	assert_non_null(plan->conflicts);
	assert_non_null(strstr(plan->conflicts[0], "$HOME/p/.env"));
	assert_null(plan->conflicts[1]);
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
		cmocka_unit_test(test_abi_table),
		cmocka_unit_test(test_abi_8_to_10),
		cmocka_unit_test(test_resolve_unix_kept_on_a_file),
		cmocka_unit_test(test_degradations_in_abi_order),
		cmocka_unit_test(test_shadowed_allow_grants_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
