/* latch evidence: verify a run directory (or a bundle) against its artifact
 * index, and bundle a run with the exact profiles it used and latch's
 * digest. Any difference is exit status 3, with the file named. */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "base/hash.h"
#include "cli/cli.h"
#include "lab/evidence.h"
#include "lab/lab.h"

struct evidence_opts {
	const char *out;
	bool json;
};

static const struct option longopts[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static const struct cli_flag flags[] = {
	{ "out", "DIR", "bundle: the directory to write the bundle in" },
	{ "json", NULL, "print one JSON envelope" },
	{ "help", NULL, "show this help" },
	{},
};

static int help(void)
{
	return cli_help(USAGE_EVIDENCE, "h", longopts, flags);
}

static int parse_opts(int argc, char **argv, const char *sub, struct evidence_opts *o)
{
	bool bundle = strcmp(sub, "bundle") == 0;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!bundle)
				return cli_usage_error(USAGE_EVIDENCE, "evidence verify: unknown option '--out'");
			o->out = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			return help();
		default:
			return cli_usage_error(USAGE_EVIDENCE, "evidence %s: unknown or incomplete option '%s'", sub,
					       argv[optind - 1]);
		}
	}
	if (bundle && !o->out)
		return cli_usage_error(USAGE_EVIDENCE, "evidence bundle: --out DIR is required");
	if (bundle ? optind + 1 < argc : optind + 1 != argc)
		return cli_usage_error(USAGE_EVIDENCE, "evidence %s: give %s", sub, bundle ? "at most one RUN" : "one DIR");
	return -1;
}

static void print_problems(const json_t *report)
{
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(report, "problems"), i, p)
		fprintf(stderr, "latch: evidence: %s\n", json_string_value(p));
}

static int verify(const char *dir, const struct evidence_opts *o)
{
	_cleanup_json_ json_t *report = NULL;
	struct stat st;
	int r;

	/* Nothing to compare: a wrong argument, not evidence that differs. */
	if (stat(dir, &st) < 0)
		return cli_fail(o->json, "evidence_verify_report", EXIT_USAGE,
				"evidence verify: '%s' is not a run directory (%s)", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cli_fail(o->json, "evidence_verify_report", EXIT_USAGE,
				"evidence verify: '%s' is not a run directory (not a directory)", dir);
	r = lab_evidence_verify(dir, &report);
	size_t n_files = json_array_size(json_object_get(report, "files"));
	size_t n_problems = json_array_size(json_object_get(report, "problems"));
	int code = r == 0 ? 0 : EXIT_EVIDENCE;

	if (r < 0 || !report)
		return cli_fail(o->json, "evidence_verify_report", EXIT_LATCH_FAILED, "out of memory");
	if (o->json) {
		char first[1024] = "";
		struct json_result jr = { .ok = r == 0, .rc = code, .exit_code = -1,
					  .outcome = r == 0 ? "verified" : "differs" };

		if (n_problems)
			(void)snprintf(first, sizeof(first), "%s",
				       json_string_value(json_array_get(json_object_get(report, "problems"), 0)));
		jr.error = n_problems ? first : NULL;
		return cli_print_envelope("evidence_verify_report", json_incref(report), &jr, code);
	}
	if (r == 0) {
		printf("%s: verified: %zu files match artifact_index.json, run %s complete\n", dir, n_files,
		       json_string_value(json_object_get(report, "run_id")) ?: "?");
		return 0;
	}
	print_problems(report);
	printf("%s: does not verify: %zu problem%s\n", dir, n_problems, n_problems == 1 ? "" : "s");
	return code;
}

static int bundle(const char *run, const struct evidence_opts *o)
{
	struct session_env env;
	_cleanup_free_ char *def = NULL, *latest = NULL;
	_cleanup_json_ json_t *report = NULL;
	char self[LATCH_PATH_MAX], sha[SHA256_HEX_SIZE];
	struct error err = { 0 };
	ssize_t n;
	int r, code;

	session_env_init(&env);
	if (!run) {
		r = lab_default_dir(&env.ctx, &def, &err);
		if (r >= 0 && asprintf(&latest, "%s/LATEST", def) < 0)
			r = error_set(&err, ENOMEM, "out of memory");
		run = latest;
	} else {
		r = 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (r >= 0 && n <= 0)
		r = error_set(&err, errno, "cannot find latch's own binary: %s", strerror(errno));
	if (r >= 0) {
		self[n] = '\0';
		r = sha256_file(self, sha, NULL);
		if (r < 0)
			error_set(&err, -r, "cannot read '%s': %s", self, strerror(-r));
	}
	if (r >= 0)
		r = lab_evidence_bundle(run, o->out, self, sha, &report, &err);
	session_env_done(&env);
	if (r < 0)
		return cli_fail(o->json, "evidence_bundle_report", EXIT_LATCH_FAILED, "evidence bundle: %s", err.msg);
	code = r == 0 ? 0 : EXIT_EVIDENCE;
	if (o->json) {
		struct json_result jr = { .ok = r == 0, .rc = code, .exit_code = -1,
					  .outcome = r == 0 ? "ok" : "differs",
					  .error = r == 0 ? NULL : "the run does not verify: nothing was bundled" };

		return cli_print_envelope("evidence_bundle_report", json_incref(report), &jr, code);
	}
	if (r != 0) {
		print_problems(report);
		fprintf(stderr, "latch: evidence bundle: '%s' does not verify: nothing was bundled\n", run);
		return code;
	}
	printf("%s: bundle of run %s (%lld files, profiles", o->out,
	       json_string_value(json_object_get(report, "run_id")) ?: "?",
	       (long long)json_integer_value(json_object_get(report, "files")));
	{
		const json_t *p;
		size_t i;

		json_array_foreach(json_object_get(report, "profiles"), i, p)
			printf("%s%s", i ? ", " : " ", json_string_value(p));
	}
	printf(")\n");
	return 0;
}

int cmd_evidence(int argc, char **argv)
{
	struct evidence_opts o = { 0 };
	static const char *const subs[] = { "verify", "bundle", NULL };
	const char *sub = NULL;
	int r;

	r = cli_subcommand(argc, argv, "evidence", subs, USAGE_EVIDENCE, help, &sub);
	if (r >= 0)
		return r;
	r = parse_opts(argc - 1, argv + 1, sub, &o);
	if (r >= 0)
		return r;
	if (strcmp(sub, "verify") == 0)
		return verify(argv[1 + optind], &o);
	return bundle(1 + optind < argc ? argv[1 + optind] : NULL, &o);
}
