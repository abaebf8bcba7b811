#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/path-util.h"
#include "cli/cli.h"

int cli_print_envelope(const char *kind, json_t *data, const struct json_result *res, int exit_code)
{
	json_t *env = json_envelope(kind, data, res);
	int r;

	if (!env) {
		fprintf(stderr, "latch: out of memory\n");
		return EXIT_LATCH_FAILED;
	}
	r = json_write_line(stdout, env);
	json_decref(env);
	if (r < 0) {
		fprintf(stderr, "latch: cannot write to standard output\n");
		return EXIT_LATCH_FAILED;
	}
	return exit_code;
}

int cli_fail(bool json, const char *kind, int code, const char *fmt, ...)
{
	char msg[ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "latch: %s\n", msg);
	if (json) {
		struct json_result res = { .ok = false, .rc = code, .exit_code = -1, .outcome = "error", .error = msg };

		(void)cli_print_envelope(kind, NULL, &res, code);
	}
	return code;
}

bool cli_json_asked;

int cli_usage_error(const char *usage, const char *fmt, ...)
{
	char msg[ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "latch: %s\n%s", msg, usage);
	if (cli_json_asked) {
		struct json_result res = { .ok = false, .rc = EXIT_USAGE, .exit_code = -1, .outcome = "error", .error = msg };

		(void)cli_print_envelope("usage_error", NULL, &res, EXIT_USAGE);
	}
	return EXIT_USAGE;
}

int cli_check_path_arg(const char *what, const char *arg, struct error *err)
{
	if (!utf8_is_valid(arg))
		return error_set(err, EINVAL, "%s is not valid UTF-8", what);
	if (strlen(arg) >= LATCH_PATH_MAX)
		return error_set(err, ENAMETOOLONG, "%s is longer than %d bytes", what, LATCH_PATH_MAX - 1);
	return 0;
}

int cli_parse_flags(int argc, char **argv, const char *name, const char *usage, const char *const *flags,
		    bool *ret)
{
	struct option longopts[CLI_FLAGS_MAX + 2] = { { "help", no_argument, NULL, 'h' } };
	size_t n = 0;
	int c;

	for (; flags[n]; n++) {
		if (n == CLI_FLAGS_MAX)
			return cli_usage_error(usage, "%s: too many flags", name);
		/* Values above any character: flag i is 256 + i. */
		longopts[n + 1] = (struct option){ flags[n], no_argument, NULL, 256 + (int)n };
		ret[n] = false;
	}
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c >= 256 && (size_t)(c - 256) < n) {
			ret[c - 256] = true;
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		return cli_usage_error(usage, "%s: unknown option '%s'", name, argv[optind - 1]);
	}
	return -1;
}

int cli_parse_json_flag(int argc, char **argv, const char *name, const char *usage, bool *ret_json)
{
	static const char *const flags[] = { "json", NULL };

	return cli_parse_flags(argc, argv, name, usage, flags, ret_json);
}

int cli_subcommand(int argc, char **argv, const char *name, const char *const *subs, const char *usage,
		   const char **ret_sub)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	char list[256] = "";
	size_t n = 0;

	for (size_t i = 0; subs[i]; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", subs[i]);
	if (!sub)
		return cli_usage_error(usage, "%s: give a subcommand: %s", name, list);
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	for (size_t i = 0; subs[i]; i++)
		if (strcmp(sub, subs[i]) == 0) {
			*ret_sub = sub;
			return -1;
		}
	return cli_usage_error(usage, "%s: unknown subcommand '%s' (%s)", name, sub, list);
}

int cli_rules_add(struct cli_rules *r, int c, const char *arg, struct error *err)
{
	enum policy_class k = (enum policy_class)(c - 0x100);
	struct policy_extra_rule *nv;
	char what[32];

	(void)snprintf(what, sizeof(what), "--%s", policy_class_name(k));
	if (cli_check_path_arg(what, arg, err) < 0)
		return -EINVAL;
	if (!*arg)
		return error_set(err, EINVAL, "%s: an empty path", what);
	nv = realloc(r->v, (r->n + 1) * sizeof(*nv));
	if (!nv)
		return error_set(err, ENOMEM, "out of memory");
	r->v = nv;
	r->v[r->n++] = (struct policy_extra_rule){ .klass = k, .pattern = arg, .origin = "command line" };
	return 0;
}

void cli_rules_done(struct cli_rules *r)
{
	free(r->v);
	*r = (struct cli_rules){ 0 };
}
