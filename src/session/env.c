/* The session's environment (session.h): the variables a profile may use,
 * and the Landlock ABI to compile for. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/path-util.h"
#include "base/repo-find.h"
#include "base/strv.h"
#include "sandbox/landlock.h"
#include "session/session.h"

static int find_repositories_cb(const char *dir, char ***ret, void *userdata)
{
	(void)userdata;
	return repo_find(dir, ret);
}

static int resolve_cb(const char *path, char **ret, void *userdata)
{
	struct session_env *env = userdata;

	return path_resolve_cached(&env->resolve_cache, path, ret);
}

/* An environment-provided directory is taken only when absolute. */
static const char *abs_or_null(const char *v)
{
	return v && v[0] == '/' ? v : NULL;
}

static const char *keep(struct session_env *env, char *s)
{
	if (!s || env->n_storage >= ELEMENTSOF(env->storage)) {
		free(s);
		return NULL;
	}
	env->storage[env->n_storage++] = s;
	return s;
}

static const char *joined(struct session_env *env, const char *base, const char *rel)
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

static void add_var(struct session_env *env, size_t *n, const char *name, const char *value)
{
	env->vars[*n].name = name;
	env->vars[*n].value = value;
	(*n)++;
}

/* Profiles and groups for every user of the machine: each absolute entry
 * of $XDG_CONFIG_DIRS (default /etc/xdg) + /latch, then /etc/latch. A
 * directory that cannot be read is skipped when a name is looked up. */
static void system_dirs(struct session_env *env)
{
	const char *dirs = getenv("XDG_CONFIG_DIRS");
	_cleanup_free_ char *copy = strdup(dirs && *dirs ? dirs : "/etc/xdg");
	char *save = NULL;

	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save))
		if (d[0] == '/' && strv_pushf(&env->system_dirs, "%s/latch", d) < 0)
			return;
	if (strv_push(&env->system_dirs, "/etc/latch") < 0)
		return;
	env->ctx.system_dirs = env->system_dirs;
}

void session_env_init(struct session_env *env)
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
	system_dirs(env);
}

void session_env_done(struct session_env *env)
{
	env->system_dirs = strv_free(env->system_dirs);
	env->ctx.system_dirs = NULL;
	for (size_t i = 0; i < env->n_storage; i++)
		free(env->storage[i]);
	env->n_storage = 0;
	path_cache_done(&env->resolve_cache);
}

int session_landlock_abi(struct error *err)
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
