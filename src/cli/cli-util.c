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

static const struct cli_flag *find_flag(const struct cli_flag *flags, const char *name)
{
	for (size_t i = 0; flags && flags[i].name; i++)
		if (strcmp(flags[i].name, name) == 0)
			return &flags[i];
	return NULL;
}

/* "-p, --profile PROFILE" or "    --strict": long names line up. */
static void format_flag(const struct option *o, const struct cli_flag *f, const char *shortopts, char *buf,
			size_t size)
{
	bool has_short = o->val > 0 && o->val < 128 && o->val != ':' && o->val != '+' && strchr(shortopts, o->val);
	const char *arg = o->has_arg == no_argument ? NULL : f && f->arg ? f->arg : "ARG";

	(void)snprintf(buf, size, "%c%c%s--%s%s%s", has_short ? '-' : ' ', has_short ? o->val : ' ',
		       has_short ? ", " : "  ", o->name, arg ? " " : "", arg ? arg : "");
}

int cli_help(const char *usage, const char *shortopts, const struct option *longopts,
	     const struct cli_flag *flags)
{
	char buf[128];
	int width = 0;

	for (size_t i = 0; longopts[i].name; i++) {
		format_flag(&longopts[i], find_flag(flags, longopts[i].name), shortopts, buf, sizeof(buf));
		if ((int)strlen(buf) > width)
			width = (int)strlen(buf);
	}
	/* One flag too long for the column runs past it, rather than pushing
	 * every description to the right. */
	if (width > 25)
		width = 25;
	fputs(usage, stdout);
	fputs("\noptions:\n", stdout);
	for (size_t i = 0; longopts[i].name; i++) {
		const struct cli_flag *f = find_flag(flags, longopts[i].name);

		format_flag(&longopts[i], f, shortopts, buf, sizeof(buf));
		printf("  %-*s  %s\n", width, buf, f ? f->help : "(no description)");
	}
	fputs("\n`man latch` for the full reference.\n", stdout);
	return 0;
}

int cli_parse_json_flag(int argc, char **argv, const char *name, const char *usage, bool *ret_json)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static const struct cli_flag flags[] = {
		{ "json", NULL, "print one JSON envelope" },
		{ "help", NULL, "show this help" },
		{},
	};
	int c;

	optind = 0;
	opterr = 0;
	*ret_json = false;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*ret_json = true;
			break;
		case 'h':
			return cli_help(usage, "h", longopts, flags);
		default:
			return cli_usage_error(usage, "%s: unknown option '%s'", name, argv[optind - 1]);
		}
	}
	return -1;
}

int cli_subcommand(int argc, char **argv, const char *name, const char *const *subs, const char *usage,
		   int (*help)(void), const char **ret_sub)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	char list[256] = "";
	size_t n = 0;

	for (size_t i = 0; subs[i]; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", subs[i]);
	if (!sub)
		return cli_usage_error(usage, "%s: give a subcommand: %s", name, list);
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0)
		return help();
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
