/* Tests for src/lab/oracle.c: what the oracle asks for each kind of probe
 * (the path as the probe resolves it, the access, the seccomp rows), what
 * the engine answers, when the applied Landlock ABI lacks the right, and
 * the cross-check against what a probe reports. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/json-util.h"
#include "lab/oracle.h"
#include "probe/catalog.h"

static const struct policy_var vars[] = {
	{ "HOME", "/zzlab/home" }, { "CWD", "/zzlab/work/proj" }, { "TMPDIR", "/zzlab/tmp" },
};

static const struct lab_where where = {
	.home = "/zzlab/home",
	.cwd = "/zzlab/work/proj",
	.tmp = "/zzlab/tmp",
	.harness = "/zzlab/work/proj/.latch-probe-XXXXXX",
};

struct fixture {
	struct policy *p;
	struct landlock_plan *ll;
	struct lab_model m;
};

static void load(struct fixture *f, const char *json, int abi)
{
	struct policy_ctx ctx = { .vars = vars, .n_vars = ELEMENTSOF(vars) };
	struct error err = { 0 };

	if (policy_load_buffer(json, strlen(json), "t.json", &ctx, &f->p, &err) < 0)
		fail_msg("load: %s", err.msg);
	if (landlock_compile(f->p, abi, &f->ll, &err) < 0)
		fail_msg("compile: %s", err.msg);
	f->m = (struct lab_model){
		.policy = f->p,
		.ll = f->ll,
		.sf = { .allow_ptrace = f->p->process.ptrace, .network_off = f->p->net.mode == POLICY_NET_OFF },
	};
}

static void unload(struct fixture *f)
{
	policy_free(f->p);
	landlock_plan_free(f->ll);
}

#define PROFILE                                                                                          \
	"{\"name\":\"t\",\"filesystem\":{\"read\":[\"/zzlab/data\"],\"write\":[\"$CWD\"],\"exec\":[\"/zzlab/bin\"]," \
	"\"deny\":[\"$CWD/secret\"]},\"network\":{\"mode\":\"ports\",\"connect_tcp\":[443]}}"

/* Predict a probe given as one string of space-separated words. */
static void predict(const struct fixture *f, const char *words, struct lab_oracle *o)
{
	char buf[512], *argv[16], *save = NULL, *w;
	size_t n = 0;
	struct error err = { 0 };

	(void)snprintf(buf, sizeof(buf), "%s", words);
	for (w = strtok_r(buf, " ", &save); w && n < 15; w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	if (lab_oracle_predict(&f->m, &where, argv[0], argv + 1, o, &err) < 0)
		fail_msg("predict '%s': %s", words, err.msg);
}

static void expect(const struct fixture *f, const char *words, enum lab_verdict v, size_t n_queries,
		   const char *first_path)
{
	struct lab_oracle o;

	predict(f, words, &o);
	if (o.verdict != v || o.n != n_queries)
		fail_msg("'%s': verdict %s with %zu questions, want %s with %zu", words, lab_verdict_name(o.verdict), o.n,
			 lab_verdict_name(v), n_queries);
	if (first_path)
		assert_string_equal(o.q[0].path, first_path);
	lab_oracle_done(&o);
}

static void test_filesystem(void **state)
{
	struct fixture f;
	struct lab_oracle o;

	(void)state;
	load(&f, PROFILE, 7);
	expect(&f, "fs_op --op open_read", LAB_VERDICT_ALLOW, 1, "/zzlab/work/proj/.latch-probe-XXXXXX/file");
	expect(&f, "fs_op --op listdir", LAB_VERDICT_ALLOW, 1, "/zzlab/work/proj/.latch-probe-XXXXXX");
	expect(&f, "fs_op --op open_read --path-class credentials --path id_rsa", LAB_VERDICT_DENY, 1,
	       "/zzlab/home/.ssh/id_rsa");
	expect(&f, "fs_op --op open_read --path-class cwd --path secret/key", LAB_VERDICT_DENY, 1,
	       "/zzlab/work/proj/secret/key");
	expect(&f, "fs_op --op open_read --path /zzlab/data/x", LAB_VERDICT_ALLOW, 1, "/zzlab/data/x");
	expect(&f, "fs_op --op open_write --path /zzlab/data/x --allow-unsafe-path", LAB_VERDICT_DENY, 1, NULL);
	expect(&f, "fs_op --op open_read --path-class system_secrets", LAB_VERDICT_DENY, 1, "/etc/shadow");
	expect(&f, "fs_op --op open_read --path rel/x", LAB_VERDICT_ALLOW, 1,
	       "/zzlab/work/proj/.latch-probe-XXXXXX/rel/x");
	/* rename asks twice: delete the old name, create the new one. */
	predict(&f, "fs_op --op rename", &o);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.q[0].access, POLICY_ACCESS_DELETE);
	assert_int_equal(o.q[1].access, POLICY_ACCESS_CREATE);
	assert_string_equal(o.q[1].path, "/zzlab/work/proj/.latch-probe-XXXXXX/renamed");
	assert_int_equal(o.verdict, LAB_VERDICT_ALLOW);
	lab_oracle_done(&o);
	/* chmod: a write Landlock does not mediate. */
	predict(&f, "fs_op --op chmod --path /zzlab/data/x --allow-unsafe-path", &o);
	assert_int_equal(o.verdict, LAB_VERDICT_DENY);
	assert_int_equal(o.q[0].access, POLICY_ACCESS_WRITE);
	assert_false(o.q[0].landlock_mediated);
	assert_non_null(o.note);
	lab_oracle_done(&o);
	/* link asks about the new name only. */
	expect(&f, "fs_op --op link", LAB_VERDICT_ALLOW, 1, "/zzlab/work/proj/.latch-probe-XXXXXX/hardlink");
	expect(&f, "exec --path /zzlab/bin/tool", LAB_VERDICT_ALLOW, 1, NULL);
	expect(&f, "exec --path /zzlab/data/tool", LAB_VERDICT_DENY, 1, NULL);
	expect(&f, "dlopen --path /zzlab/data/lib.so", LAB_VERDICT_DENY, 2, NULL);
	expect(&f, "memfd_exec", LAB_VERDICT_DENY, 1, "/memfd:latch-probe (deleted)");
	expect(&f, "sysctl_read --name kernel.osrelease", LAB_VERDICT_DENY, 1, "/proc/sys/kernel/osrelease");
	expect(&f, "inherit_child --scenario restrictions", LAB_VERDICT_ALLOW, 1, NULL);
	expect(&f, "inherit_child --scenario rights_bus", LAB_VERDICT_NO_DECISION, 0, NULL);
	unload(&f);
}

static void test_network_and_process(void **state)
{
	struct fixture f, off;
	struct lab_oracle o;

	(void)state;
	load(&f, PROFILE, 7);
	load(&off, "{\"name\":\"t\"}", 7);
	expect(&f, "net_op --op tcp_connect --port 443", LAB_VERDICT_ALLOW, 1, NULL);
	/* The harness's listener: a port chosen at run time, which no list names. */
	predict(&f, "net_op --op tcp_connect", &o);
	assert_int_equal(o.verdict, LAB_VERDICT_DENY);
	assert_int_equal(o.q[0].port, -1);
	assert_true(o.q[0].decided_port != 443 && o.q[0].decided_port > 0);
	lab_oracle_done(&o);
	expect(&f, "net_op --op tcp_bind", LAB_VERDICT_DENY, 1, NULL);
	expect(&f, "net_op --op udp_send", LAB_VERDICT_NO_DECISION, 0, NULL);
	expect(&off, "net_op --op udp_send", LAB_VERDICT_DENY, 1, NULL);
	predict(&off, "net_op --op tcp_connect --port 443", &o);
	assert_int_equal(o.verdict, LAB_VERDICT_DENY);
	assert_int_equal(o.q[0].layer, POLICY_LAYER_SECCOMP);
	lab_oracle_done(&o);
	/* The harness's socket lies in its writable directory; a socket
	 * elsewhere is decided like any path the profile does not grant. */
	expect(&f, "net_op --op unix_connect", LAB_VERDICT_ALLOW, 1, NULL);
	expect(&f, "net_op --op unix_connect --path /run/docker.sock", LAB_VERDICT_DENY, 1, "/run/docker.sock");
	expect(&f, "net_op --op abstract_connect", LAB_VERDICT_DENY, 1, NULL);
	expect(&f, "net_op --op getaddrinfo", LAB_VERDICT_DENY, 1, "/etc/hosts");
	expect(&f, "net_op --op getaddrinfo --host 127.0.0.1", LAB_VERDICT_NO_DECISION, 0, NULL);
	expect(&f, "signal --target child", LAB_VERDICT_NO_DECISION, 0, NULL);
	expect(&f, "signal --target parent", LAB_VERDICT_NO_DECISION, 0, NULL);
	expect(&f, "signal --target pid --pid 1", LAB_VERDICT_DENY, 1, NULL);
	/* Outside the sandbox: the read, and the ptrace check that guards it. */
	expect(&f, "proc_info --op read_environ --target pid --pid 77", LAB_VERDICT_DENY, 2, "/proc/77/environ");
	expect(&f, "proc_info --op read_cmdline", LAB_VERDICT_DENY, 1, "/proc/PID/cmdline");
	predict(&f, "proc_info --op ptrace_attach", &o);
	assert_int_equal(o.verdict, LAB_VERDICT_DENY);
	assert_int_equal(o.q[0].layer, POLICY_LAYER_SECCOMP);
	assert_false(o.q[0].landlock_mediated); /* a child is inside the sandbox */
	lab_oracle_done(&o);
	unload(&f);
	unload(&off);
}

static void test_seccomp_rows(void **state)
{
	static const char *const denied[] = { "io_uring", "mount --op tmpfs", "userns", "ioctl --op tiocsti" };
	struct fixture f;
	struct lab_oracle o;

	(void)state;
	load(&f, PROFILE, 7);
	for (size_t i = 0; i < ELEMENTSOF(denied); i++) {
		predict(&f, denied[i], &o);
		if (o.verdict != LAB_VERDICT_DENY || o.q[0].kind != LAB_QUERY_SECCOMP || !strstr(o.q[0].reason, "seccomp"))
			fail_msg("'%s': %s, %s", denied[i], lab_verdict_name(o.verdict), o.q[0].reason);
		lab_oracle_done(&o);
	}
	expect(&f, "world_shape", LAB_VERDICT_NO_DECISION, 0, NULL);
	{
		char *argv[] = { NULL };
		struct error err = { 0 };

		assert_int_equal(lab_oracle_predict(&f.m, &where, "no_such_probe", argv, &o, &err), -EINVAL);
	}
	unload(&f);
}

/* Truncate is a right of ABI 3: under ABI 2 a deny cannot be enforced. */
static void test_abi_lacks(void **state)
{
	struct fixture f2, f3;
	struct lab_oracle o;
	const char *ro = "{\"name\":\"t\",\"filesystem\":{\"read\":[\"$CWD\"]}}";

	(void)state;
	load(&f2, ro, 2);
	load(&f3, ro, 3);
	predict(&f2, "fs_op --op truncate", &o);
	assert_int_equal(o.verdict, LAB_VERDICT_DENY);
	assert_true(o.q[0].abi_lacks);
	lab_oracle_done(&o);
	predict(&f3, "fs_op --op truncate", &o);
	assert_false(o.q[0].abi_lacks);
	lab_oracle_done(&o);
	unload(&f2);
	unload(&f3);
}

static bool matches(const struct fixture *f, const char *words, const char *data_json)
{
	struct lab_oracle o;
	json_t *data = json_loads(data_json, 0, NULL);
	char why[512] = "";
	bool r;

	assert_non_null(data);
	predict(f, words, &o);
	r = lab_oracle_matches(&f->m, &o, &where, data, why, sizeof(why));
	if (!r)
		assert_true(strstr(why, "did not predict") != NULL);
	json_decref(data);
	lab_oracle_done(&o);
	return r;
}

static void test_cross_check(void **state)
{
	struct fixture f;

	(void)state;
	load(&f, PROFILE, 7);
	/* The harness the probe really used is named as the oracle's. */
	assert_true(matches(&f, "fs_op --op open_read",
			    "{\"access\": {\"access\": \"read\", \"path\": \"/zzlab/work/proj/.latch-probe-a1b2c3/file\"},"
			    " \"harness\": {\"dir\": \"/zzlab/work/proj/.latch-probe-a1b2c3\"}}"));
	/* A harness somewhere else, another access or another path: drift. */
	assert_false(matches(&f, "fs_op --op open_read",
			     "{\"access\": {\"access\": \"read\", \"path\": \"/zzlab/tmp/.latch-probe-a1b2c3/file\"},"
			     " \"harness\": {\"dir\": \"/zzlab/tmp/.latch-probe-a1b2c3\"}}"));
	assert_false(matches(&f, "fs_op --op open_read",
			     "{\"access\": {\"access\": \"write\", \"path\": \"/zzlab/work/proj/.latch-probe-a1b2c3/file\"},"
			     " \"harness\": {\"dir\": \"/zzlab/work/proj/.latch-probe-a1b2c3\"}}"));
	/* Nothing asked: nothing to compare. */
	assert_true(matches(&f, "fs_op --op open_read", "{\"access\": null}"));
	/* /proc/<pid> of a target known only at run time. */
	assert_true(matches(&f, "proc_info --op read_cmdline",
			    "{\"access\": {\"access\": \"read\", \"path\": \"/proc/4242/cmdline\"}}"));
	/* The listener's port: any port no list names is decided alike. */
	assert_true(matches(&f, "net_op --op tcp_connect",
			    "{\"access\": {\"access\": \"tcp_connect\", \"path\": null, \"port\": 45678}}"));
	assert_false(matches(&f, "net_op --op tcp_connect",
			     "{\"access\": {\"access\": \"tcp_connect\", \"path\": null, \"port\": 443}}"));
	assert_false(matches(&f, "net_op --op tcp_connect --port 443",
			     "{\"access\": {\"access\": \"tcp_connect\", \"path\": null, \"port\": 444}}"));
	/* A question the oracle never asks (the parent's side is undecided). */
	assert_false(matches(&f, "signal --target parent", "{\"access\": {\"access\": \"signal\", \"path\": null}}"));
	unload(&f);
}

/* Every probe of the catalog, with every value of its first choice
 * argument (--op, --scenario...), is predicted from its catalog row: none
 * lacks a row, and each fs_op asks what the probe's table says. */
static void test_every_probe(void **state)
{
	struct fixture f;
	size_t predicted = 0;

	(void)state;
	load(&f, PROFILE, 7);
	for (size_t c = 0; c < probe_catalog_size; c++) {
		const struct probe_def *d = &probe_catalog[c];
		const struct probe_arg *choice = NULL;
		const char *value;

		for (const struct probe_arg *a = d->args; a->name && !choice; a++)
			if (a->kind == PROBE_ARG_CHOICE && a->required)
				choice = a;
		for (size_t i = 0; (value = choice ? choice->choice_at(i) : (i ? NULL : "")); i++) {
			char *argv[8] = { NULL };
			size_t n = 0;
			struct lab_oracle o;
			struct error err = { 0 };
			struct probe_fs_asks fs;

			if (choice) {
				argv[n++] = (char *)choice->name;
				argv[n++] = (char *)value;
			}
			for (const struct probe_arg *a = d->args; a->name; a++)
				if (a->required && a != choice && a->kind == PROBE_ARG_STRING) {
					argv[n++] = (char *)a->name;
					argv[n++] = (char *)"/zzlab/bin/tool";
				}
			if (lab_oracle_predict(&f.m, &where, d->id, argv, &o, &err) < 0) {
				/* Some values need more arguments (--target pid
				 * needs --pid): refused by the probe's own check. */
				if (strstr(err.msg, "oracle"))
					fail_msg("%s %s: %s", d->id, value, err.msg);
				continue;
			}
			predicted++;
			if (strcmp(d->id, "fs_op") == 0) {
				assert_int_equal(probe_fs_op_asks(value, &fs), 0);
				assert_int_equal(o.n, (fs.access >= 0) + (fs.access_to >= 0));
				assert_int_equal(o.q[0].access, fs.access >= 0 ? fs.access : fs.access_to);
				assert_int_equal(o.q[0].landlock_mediated, fs.landlock);
			}
			lab_oracle_done(&o);
		}
	}
	/* 17 fs_op operations alone. */
	assert_true(predicted >= probe_catalog_size + 17);
	assert_int_equal(probe_fs_op_asks("no_such_op", &(struct probe_fs_asks){ 0 }), -EINVAL);
	unload(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filesystem),
		cmocka_unit_test(test_network_and_process),
		cmocka_unit_test(test_seccomp_rows),
		cmocka_unit_test(test_abi_lacks),
		cmocka_unit_test(test_cross_check),
		cmocka_unit_test(test_every_probe),
	};

	return cmocka_run_group_tests_name("lab-oracle", tests, NULL, NULL);
}
