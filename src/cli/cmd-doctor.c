/* latch doctor: what this kernel can enforce, and what each built-in
 * profile would lose here -- planned and checked by the session layer, as
 * `latch run` plans it, so that the two cannot disagree. */
#include <getopt.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"
#include "cli/cli.h"
#include "sandbox/caps.h"
#include "sandbox/features.h"
#include "sandbox/landlock.h"

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

/* "  refer (ABI 2):      yes"; a row this kernel lacks says what a kernel
 * with it adds. ABI 1 is Landlock itself, named without its number. */
static void print_abi_row(const struct landlock_abi_row *row, int abi)
{
	char label[64];

	if (row->abi == 1)
		(void)snprintf(label, sizeof(label), "%s:", row->label);
	else
		(void)snprintf(label, sizeof(label), "%s (ABI %d):", row->label, row->abi);
	if (abi >= row->abi)
		printf("  %-19s yes%s%s%s\n", label, row->detail ? " (" : "", row->detail ? row->detail : "",
		       row->detail ? ")" : "");
	else
		printf("  %-19s no; Linux %s adds %s\n", label, row->kernel, row->adds);
}

/* The mode a run gets here: the plan of the profile with the fewest
 * needs (minimal, unsupervised), as doctor made it. */
static const char *run_mode_of(json_t *profiles)
{
	size_t i;
	json_t *row;

	json_array_foreach(profiles, i, row)
		if (strcmp(json_string_value(json_object_get(row, "name")), "minimal") == 0 &&
		    json_is_string(json_object_get(row, "mode")))
			return json_string_value(json_object_get(row, "mode"));
	return "static";
}

/* --verbose: print each profile's per-rule detail. */
static bool verbose;

static void print_human(const struct kernel_features *f, json_t *profiles, const char *run_mode)
{
	size_t i;
	json_t *row;

	printf("kernel:     %s %s\n", f->release, f->machine);
	if (f->landlock_abi > 0)
		printf("landlock:   ABI %d (errata %d)\n", f->landlock_abi, f->landlock_errata);
	else
		printf("landlock:   not available (%s): latch run refuses to start\n", errno_name(f->landlock_errno));
	for (size_t k = 0; k < landlock_n_abis; k++)
		print_abi_row(&landlock_abis[k], f->landlock_abi);
	printf("seccomp:    filter %s, user notification %s\n", yes(f->seccomp_filter), yes(f->seccomp_notify));
	printf("  ADDFD %s, ADDFD_FLAG_SEND %s, FD_SYNC_WAKE_UP %s, WAIT_KILLABLE_RECV %s\n", yes(f->notify_addfd),
	       yes(f->notify_addfd_send), yes(f->notify_sync_wake_up), yes(f->wait_killable_recv));
	printf("user namespaces (unprivileged): %s", yes(f->userns));
	if (!f->userns)
		printf(" (%s)", errno_name(f->userns_errno));
	printf("%s%s\n", f->userns_detail[0] ? "; " : "", f->userns_detail);
	if (strcmp(run_mode, "isolated") == 0)
		printf("latch run:  isolated mode: pid, mount, ipc, uts (+net when the network is off) namespaces, "
		       "masks%s\n",
		       caps_have(CAP_SYS_ADMIN) ? " (no user namespace needed: this caller holds CAP_SYS_ADMIN)" : "");
	else if (getenv("LATCH_NO_NAMESPACES") && strcmp(getenv("LATCH_NO_NAMESPACES"), "1") == 0)
		printf("latch run:  static mode (LATCH_NO_NAMESPACES=1): Landlock and seccomp only\n");
	else
		printf("latch run:  static mode: Landlock and seccomp only; other processes of this user stay "
		       "visible and nothing can be masked\n");
	{
		const char *why = sup_unavailable();

		printf("supervisor: %s%s\n", why ? "not available: " : "available", why ? why : "");
	}
	{
		json_t *caps = caps_kept_to_json(0), *v;
		size_t k;

		printf("capabilities: a sandboxed program keeps at most");
		json_array_foreach(caps, k, v)
			printf("%s %s", k ? "," : "", json_string_value(v));
		printf(" (%s)\n", caps_any() ? "held here" : "none held here: an unprivileged caller has none to keep");
		json_decref(caps);
	}
	printf("built-in profiles, as `latch run -p NAME` would run them here, from this directory:\n");
	json_array_foreach(profiles, i, row) {
		json_t *deg = json_object_get(row, "degraded"), *ref = json_object_get(row, "refusals"), *v;
		const char *name = json_string_value(json_object_get(row, "name"));
		size_t k;

		if (json_is_string(json_object_get(row, "error"))) {
			printf("  %-12s error: %s\n", name, json_string_value(json_object_get(row, "error")));
			continue;
		}
		printf("  %-12s %s mode, supervision %s%s%s\n", name, json_string_value(json_object_get(row, "mode")),
		       json_string_value(json_object_get(row, "supervise")),
		       json_is_true(json_object_get(row, "sockets_only")) ? " (connect() to unix sockets supervised)" : "",
		       json_array_size(deg) == 0 && json_array_size(ref) == 0 ? ": full protection" : "");
		json_array_foreach(deg, k, v)
			printf("    degraded: %s\n", json_string_value(v));
		json_array_foreach(ref, k, v)
			printf("    refused here: %s\n", json_string_value(v));
		/* The per-rule detail behind a one-line summary above. */
		json_array_foreach(verbose ? json_object_get(row, "conflicts") : NULL, k, v)
			printf("    rule: %s\n", json_string_value(v));
	}
}

/* Each built-in profile as `latch run -p NAME` would plan it here and
 * now, from this directory: its mode and supervision, and the very
 * warnings and refusals the run would print (session_plan_check, the risk
 * gate included). */
static json_t *builtin_profiles_report(void)
{
	json_t *rows = json_array();
	struct session_env env;

	session_env_init(&env);
	for (size_t i = 0; i < policy_n_builtins; i++) {
		const struct session_request req = { .profile = policy_builtins[i].name };
		struct session_plan plan = { 0 };
		struct error err = { 0 };
		json_t *row;

		if (strcmp(policy_builtins[i].kind, "profile") != 0)
			continue;
		row = json_object();
		json_set(row, "name", json_str(policy_builtins[i].name));
		if (session_plan_build(&req, &env.ctx, 0, &plan, &err) < 0 || session_plan_probe(&plan, true) < 0 ||
		    session_plan_check(&req, &plan) < 0) {
			json_set(row, "error", json_str(err.msg[0] ? err.msg : "out of memory"));
			json_set(row, "mode", json_null());
			json_set(row, "supervise", json_null());
			json_set(row, "sockets_only", json_false());
			json_set(row, "degraded", json_array());
			json_set(row, "refusals", json_array());
			json_set(row, "conflicts", json_array());
		} else {
			if (session_risk_gate(&req, &plan, &err) < 0)
				(void)strv_push(&plan.refusals, err.msg);
			json_set(row, "error", json_null());
			json_set(row, "mode", json_str(plan.isolated ? "isolated" : "static"));
			json_set(row, "supervise", json_str(policy_supervise_name(plan.supervise)));
			json_set(row, "sockets_only", json_boolean(plan.sockets_supervised));
			json_set(row, "degraded", json_strv(plan.warnings));
			json_set(row, "refusals", json_strv(plan.refusals));
			json_set(row, "conflicts", json_strv(plan.ll ? plan.ll->conflicts : NULL));
		}
		(void)json_array_append_new(rows, row);
		session_plan_done(&plan);
	}
	session_env_done(&env);
	return rows;
}

static const struct cli_flag flags[] = {
	{ "json", NULL, "print one JSON envelope" },
	{ "verbose", NULL, "also each profile's rules that Landlock alone cannot hold" },
	{ "help", NULL, "show this help" },
	{},
};

int cmd_doctor(int argc, char **argv)
{
	static const char shortopts[] = "vh";
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct kernel_features f;
	json_t *profiles;
	bool json = false;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			return cli_help(USAGE_DOCTOR, shortopts, longopts, flags);
		default:
			return cli_usage_error(USAGE_DOCTOR, "doctor: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(USAGE_DOCTOR, "doctor: takes no arguments");
	features_probe(&f);
	{
		struct error err = { 0 };
		int abi = session_landlock_abi(&err);

		if (abi == -EINVAL)
			return cli_fail(json, "doctor_report", EXIT_LATCH_FAILED, "%s", err.msg);
		profiles = builtin_profiles_report();
		if (!json && getenv("LATCH_LANDLOCK_ABI"))
			printf("note: LATCH_LANDLOCK_ABI=%s: profiles are compiled below as for ABI %d\n",
			       getenv("LATCH_LANDLOCK_ABI"), abi > 0 ? abi : 0);
	}
	if (json) {
		json_t *data = features_to_json(&f);
		struct json_result res = { .ok = true, .rc = 0, .exit_code = -1 };

		json_set(data, "profiles", profiles);
		json_set(data, "supervisor_unavailable", json_str(sup_unavailable()));
		json_set(data, "capabilities", caps_kept_to_json(0));
		json_set(data, "run_mode", json_str(run_mode_of(profiles)));
		json_set(data, "latch_version", json_str(LATCH_VERSION));
		return cli_print_envelope("doctor_report", data, &res, 0);
	}
	print_human(&f, profiles, run_mode_of(profiles));
	json_decref(profiles);
	return 0;
}
