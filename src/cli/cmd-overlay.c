/* latch diff, latch commit, latch discard: the changes a `latch run
 * --overlay` left in its session's overlay (session/overlay.h): review
 * them, apply them to the real directories (each file atomically, refused
 * when the real file changed since the run, naming it), or drop them.
 * Three commands over one thing, in one file. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/path-util.h"
#include "base/strv.h"
#include "cli/cli.h"
#include "session/log.h"
#include "session/overlay.h"

struct overlay_cmd {
	const char *name;   /* "diff", "commit", "discard" */
	const char *kind;   /* the --json envelope */
	const char *usage;  /* USAGE_DIFF, ... */
	bool json;
	char *dir;          /* the sessions */
	char *id;
	char *session_dir;
};

/* The newest session that has an overlay. */
static int last_with_overlay(const char *dir, char **ret)
{
	_cleanup_strv_free_ char **ids = NULL;
	int r = session_log_ids(dir, &ids);

	if (r < 0)
		return r;
	for (size_t i = strv_length(ids); i-- > 0;) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (asprintf(&p, "%s/%s/overlay", dir, ids[i]) < 0)
			return -ENOMEM;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			*ret = strdup(ids[i]);
			return *ret ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

/* Options, the session (ID, "last", or the last one with an overlay), and
 * *ret_rest: what follows. Returns -1 to go on, or an exit code. */
static int setup(int argc, char **argv, struct overlay_cmd *c, int *ret_rest)
{
	struct session_env env;
	int r;

	r = cli_parse_json_flag(argc, argv, c->name, c->usage, &c->json);
	if (r >= 0)
		return r;
	session_env_init(&env);
	c->dir = session_log_dir(&env.ctx);
	session_env_done(&env);
	if (!c->dir)
		return cli_fail(c->json, c->kind, EXIT_LATCH_FAILED, "%s: no $XDG_STATE_HOME or $HOME", c->name);
	if (optind < argc && (session_log_id_valid(argv[optind]) || strcmp(argv[optind], "last") == 0)) {
		r = cli_session_id(c->json, c->kind, c->dir, argv[optind++], &c->id);
		if (r)
			return r;
	} else {
		r = last_with_overlay(c->dir, &c->id);
		if (r == -ENOENT)
			return cli_fail(c->json, c->kind, EXIT_USAGE, "%s: no session in %s has an overlay (latch run --overlay)",
					c->name, c->dir);
		if (r < 0)
			return cli_fail(c->json, c->kind, EXIT_LATCH_FAILED, "%s: %s", c->name, strerror(-r));
	}
	if (asprintf(&c->session_dir, "%s/%s", c->dir, c->id) < 0)
		return cli_fail(c->json, c->kind, EXIT_LATCH_FAILED, "out of memory");
	*ret_rest = optind;
	return -1;
}

static void done(struct overlay_cmd *c)
{
	free(c->dir);
	free(c->id);
	free(c->session_dir);
}

static char letter(const char *change)
{
	return change[0] == 'a' ? 'A' : change[0] == 'c' ? 'M' : 'D';
}

int cmd_diff(int argc, char **argv)
{
	struct overlay_cmd c = { .name = "diff", .kind = "overlay_diff", .usage = USAGE_DIFF };
	_cleanup_json_ json_t *changes = NULL;
	struct error err = { 0 };
	const json_t *ch;
	size_t i;
	int r, rest;

	r = setup(argc, argv, &c, &rest);
	if (r >= 0)
		goto out;
	if (rest != argc) {
		r = cli_usage_error(USAGE_DIFF, "diff: takes at most one ID");
		goto out;
	}
	if (session_overlay_changes(c.session_dir, &changes, &err) < 0) {
		r = cli_fail(c.json, c.kind, EXIT_LATCH_FAILED, "diff: %s", err.msg);
		goto out;
	}
	if (c.json) {
		struct json_result res = { .ok = true, .rc = 0, .exit_code = -1, .outcome = "ok" };
		json_t *data = json_object();

		json_set(data, "session", json_str(c.id));
		json_set(data, "changes", json_incref(changes));
		r = cli_print_envelope(c.kind, data, &res, 0);
		goto out;
	}
	if (json_array_size(changes) == 0)
		printf("session %s: no changes in its overlay\n", c.id);
	json_array_foreach(changes, i, ch)
		printf("%c %s%s\n", letter(json_string_value(json_object_get(ch, "change"))),
		       json_string_value(json_object_get(ch, "path")),
		       strcmp(json_string_value(json_object_get(ch, "type")), "dir") == 0 ? "/" : "");
	json_array_foreach(changes, i, ch) {
		const char *change = json_string_value(json_object_get(ch, "change"));
		const char *type = json_string_value(json_object_get(ch, "type"));
		const char *path = json_string_value(json_object_get(ch, "path"));
		_cleanup_free_ char *changed = NULL;
		const char *dir = json_string_value(json_object_get(ch, "dir"));
		_cleanup_json_ json_t *layers = NULL;

		if (strcmp(type, "file") != 0)
			continue;
		if (strcmp(change, "deleted") != 0) {
			/* The changed copy lies in the overlay's upper directory. */
			_cleanup_free_ char *lp = NULL;
			const json_t *l;
			size_t k;

			if (asprintf(&lp, "%s/overlay/layers.json", c.session_dir) < 0)
				continue;
			layers = json_load_file(lp, 0, NULL);
			json_array_foreach(layers, k, l)
				if (strcmp(json_string_value(json_object_get(l, "dir")), dir) == 0 &&
				    asprintf(&changed, "%s/%s", json_string_value(json_object_get(l, "upper")),
					     json_string_value(json_object_get(ch, "rel"))) < 0)
					changed = NULL;
		}
		session_overlay_print_diff(stdout, path, strcmp(change, "added") == 0 ? NULL : path, changed);
	}
	r = 0;
out:
	done(&c);
	return r;
}

int cmd_commit(int argc, char **argv)
{
	struct overlay_cmd c = { .name = "commit", .kind = "overlay_commit", .usage = USAGE_COMMIT };
	_cleanup_strv_free_ char **paths = NULL, **conflicts = NULL;
	struct error err = { 0 };
	size_t applied = 0;
	int r, rest;

	r = setup(argc, argv, &c, &rest);
	if (r >= 0)
		goto out;
	for (int i = rest; i < argc; i++) {
		char *abs = NULL;

		if (path_normalize(argv[i], &abs) < 0 && asprintf(&abs, "%s", argv[i]) < 0) {
			r = cli_fail(c.json, c.kind, EXIT_LATCH_FAILED, "out of memory");
			goto out;
		}
		if (abs[0] != '/') {
			char cwd[LATCH_PATH_MAX], *joined = NULL;

			if (!getcwd(cwd, sizeof(cwd)) || asprintf(&joined, "%s/%s", cwd, argv[i]) < 0)
				joined = NULL;
			free(abs);
			abs = NULL;
			if (!joined || path_normalize(joined, &abs) < 0)
				abs = joined ? joined : NULL;
			else
				free(joined);
		}
		if (!abs || strv_consume(&paths, abs) < 0) {
			r = cli_fail(c.json, c.kind, EXIT_LATCH_FAILED, "out of memory");
			goto out;
		}
	}
	r = session_overlay_commit(c.session_dir, paths, &applied, &conflicts, &err);
	if (r < 0) {
		r = cli_fail(c.json, c.kind, EXIT_LATCH_FAILED, "commit: %s (%zu change%s applied before)", err.msg, applied,
			     applied == 1 ? "" : "s");
		goto out;
	}
	if (c.json) {
		struct json_result res = { .ok = r == 0, .rc = r ? EXIT_EVIDENCE : 0, .exit_code = -1,
					   .outcome = r ? "conflict" : "ok",
					   .error = r ? "a real file changed since the run ended" : NULL };
		json_t *data = json_object();

		json_set(data, "session", json_str(c.id));
		json_set(data, "applied", json_integer((json_int_t)applied));
		json_set(data, "conflicts", json_strv(conflicts));
		r = cli_print_envelope(c.kind, data, &res, res.rc);
		goto out;
	}
	if (r == 1) {
		for (size_t i = 0; conflicts[i]; i++)
			fprintf(stderr, "latch: commit: %s changed since the run ended; nothing was applied\n", conflicts[i]);
		r = EXIT_EVIDENCE;
		goto out;
	}
	printf("session %s: %zu change%s applied\n", c.id, applied, applied == 1 ? "" : "s");
	r = 0;
out:
	done(&c);
	return r;
}

int cmd_discard(int argc, char **argv)
{
	struct overlay_cmd c = { .name = "discard", .kind = "overlay_discard", .usage = USAGE_DISCARD };
	_cleanup_json_ json_t *changes = NULL;
	struct error err = { 0 };
	int r, rest;

	r = setup(argc, argv, &c, &rest);
	if (r >= 0)
		goto out;
	if (rest != argc) {
		r = cli_usage_error(USAGE_DISCARD, "discard: takes at most one ID");
		goto out;
	}
	if (session_overlay_changes(c.session_dir, &changes, &err) < 0 ||
	    session_overlay_discard(c.session_dir, &err) < 0) {
		r = cli_fail(c.json, c.kind, EXIT_LATCH_FAILED, "discard: %s", err.msg);
		goto out;
	}
	if (c.json) {
		struct json_result res = { .ok = true, .rc = 0, .exit_code = -1, .outcome = "ok" };
		json_t *data = json_object();

		json_set(data, "session", json_str(c.id));
		json_set(data, "discarded", json_integer((json_int_t)json_array_size(changes)));
		r = cli_print_envelope(c.kind, data, &res, 0);
		goto out;
	}
	printf("session %s: %zu change%s discarded\n", c.id, json_array_size(changes),
	       json_array_size(changes) == 1 ? "" : "s");
	r = 0;
out:
	done(&c);
	return r;
}
