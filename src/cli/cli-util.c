#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/path-util.h"
#include "base/repo-find.h"
#include "cli/cli.h"
#include "sandbox/landlock.h"

static int find_repositories_cb(const char *dir, char ***ret, void *userdata)
{
	(void)userdata;
	return repo_find(dir, ret);
}

static int resolve_cb(const char *path, char **ret, void *userdata)
{
	struct cli_env *env = userdata;

	return path_resolve_cached(&env->resolve_cache, path, ret);
}

/* An environment-provided directory is taken only when absolute. */
static const char *abs_or_null(const char *v)
{
	return v && v[0] == '/' ? v : NULL;
}

static const char *keep(struct cli_env *env, char *s)
{
	if (!s || env->n_storage >= ELEMENTSOF(env->storage)) {
		free(s);
		return NULL;
	}
	env->storage[env->n_storage++] = s;
	return s;
}

static const char *joined(struct cli_env *env, const char *base, const char *rel)
{
	char *s = NULL;

	if (!base || asprintf(&s, "%s/%s", strcmp(base, "/") == 0 ? "" : base, rel) < 0)
		return NULL;
	return keep(env, s);
}

/* HOME from /etc/passwd when the environment has none. fgetpwent reads the
 * file itself: latch is linked statically, where NSS modules cannot be
 * loaded. A user known only to a directory service then has no $HOME, and a
 * profile that uses it fails with a message naming it. */
static char *home_from_passwd(uid_t uid)
{
	struct passwd *pw;
	char *home = NULL;
	FILE *f = fopen("/etc/passwd", "re");

	if (!f)
		return NULL;
	while ((pw = fgetpwent(f)))
		if (pw->pw_uid == uid) {
			home = abs_or_null(pw->pw_dir) ? strdup(pw->pw_dir) : NULL;
			break;
		}
	(void)fclose(f);
	return home;
}

static void add_var(struct cli_env *env, size_t *n, const char *name, const char *value)
{
	env->vars[*n].name = name;
	env->vars[*n].value = value;
	(*n)++;
}

void cli_env_init(struct cli_env *env)
{
	const char *home = abs_or_null(getenv("HOME")), *tmp = abs_or_null(getenv("TMPDIR"));
	const char *config, *cache, *data, *state, *cwd, *uid, *priv;
	char *s = NULL;
	size_t n = 0;

	memset(env, 0, sizeof(*env));
	if (!home)
		home = keep(env, home_from_passwd(getuid()));
	if (!tmp)
		tmp = "/tmp";
	config = abs_or_null(getenv("XDG_CONFIG_HOME"));
	config = config ? config : joined(env, home, ".config");
	cache = abs_or_null(getenv("XDG_CACHE_HOME"));
	cache = cache ? cache : joined(env, home, ".cache");
	data = abs_or_null(getenv("XDG_DATA_HOME"));
	data = data ? data : joined(env, home, ".local/share");
	state = abs_or_null(getenv("XDG_STATE_HOME"));
	state = state ? state : joined(env, home, ".local/state");
	cwd = keep(env, getcwd(NULL, 0));
	uid = asprintf(&s, "%u", (unsigned)getuid()) < 0 ? NULL : keep(env, s);
	s = NULL;
	/* The private temp dir: in $XDG_RUNTIME_DIR when it is the user's own
	 * (mode 0700, nobody else can plant anything there), else at a name
	 * in the shared $TMPDIR that latch refuses to use unless it is a
	 * directory of ours with mode 0700 (see ensure_private_tmp). */
	{
		const char *rt = abs_or_null(getenv("XDG_RUNTIME_DIR"));
		struct stat st;

		if (rt && lstat(rt, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid() &&
		    (st.st_mode & 077) == 0)
			priv = asprintf(&s, "%s/latch-tmp", strcmp(rt, "/") == 0 ? "" : rt) < 0 ? NULL : keep(env, s);
		else
			priv = asprintf(&s, "%s/latch-%u", strcmp(tmp, "/") == 0 ? "" : tmp, (unsigned)getuid()) < 0
				       ? NULL
				       : keep(env, s);
	}

	add_var(env, &n, "HOME", home);
	add_var(env, &n, "CWD", cwd);
	add_var(env, &n, "TMPDIR", tmp);
	add_var(env, &n, "PRIVATE_TMP", priv);
	add_var(env, &n, "XDG_CONFIG_HOME", config);
	add_var(env, &n, "XDG_CACHE_HOME", cache);
	add_var(env, &n, "LATCH_CACHE", joined(env, cache, "latch"));
	add_var(env, &n, "XDG_DATA_HOME", data);
	add_var(env, &n, "XDG_STATE_HOME", state);
	add_var(env, &n, "UID", uid);

	env->ctx.vars = env->vars;
	env->ctx.n_vars = n;
	env->ctx.resolve = resolve_cb;
	env->ctx.find_repositories = find_repositories_cb;
	env->ctx.userdata = env;
	if (config && snprintf(env->user_dir, sizeof(env->user_dir), "%s/latch", config) < (int)sizeof(env->user_dir))
		env->ctx.user_dir = env->user_dir;
}

void cli_env_done(struct cli_env *env)
{
	for (size_t i = 0; i < env->n_storage; i++)
		free(env->storage[i]);
	env->n_storage = 0;
	path_cache_done(&env->resolve_cache);
}

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

int cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "latch: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
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

int cli_parse_json_flag(int argc, char **argv, const char *name, const char *usage, bool *ret_json)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
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
			fputs(usage, stdout);
			return 0;
		default:
			return cli_usage_error(usage, "%s: unknown option '%s'", name, argv[optind - 1]);
		}
	}
	return -1;
}

int cli_landlock_abi(struct error *err)
{
	const char *cap = getenv("LATCH_LANDLOCK_ABI");
	int abi = landlock_abi();
	char *end;
	long v;

	if (!cap)
		return abi;
	errno = 0;
	v = strtol(cap, &end, 10);
	if (errno || end == cap || *end || v < 0 || v > 64)
		return error_set(err, EINVAL, "LATCH_LANDLOCK_ABI: '%s' is not an ABI number", cap);
	if (v == 0)
		return -ENOSYS;
	return abi > 0 && v < abi ? (int)v : abi;
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
