/* Saving grants into a user profile. See save.h. */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/path-util.h"
#include "policy/policy.h"
#include "policy/save.h"

#define SAVED_DESCRIPTION \
	"grants answered \"always\" under latch's supervisor, on top of the profile it extends"

static bool array_has(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* The profile already at file, or a new one. A file there that is not a
 * profile-sized regular file holding a JSON object is an error (and is left
 * alone). */
static int load_or_new(const char *file, const char *name, const char *extends, const char *description, json_t **ret,
		       struct error *err)
{
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	json_error_t je;
	struct stat st;
	json_t *root;

	if (fd < 0 && errno != ENOENT)
		return error_set(err, errno, "cannot open profile '%s': %s", file, strerror(errno));
	if (fd >= 0) {
		if (fstat(fd, &st) < 0)
			return error_set(err, errno, "cannot stat profile '%s': %s", file, strerror(errno));
		if (!S_ISREG(st.st_mode) || st.st_size > POLICY_FILE_MAX)
			return error_set(err, EINVAL, "profile '%s' is not a regular file of at most %d bytes", file,
					 POLICY_FILE_MAX);
		root = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(root)) {
			json_decref(root);
			return error_set(err, EINVAL, "profile '%s' is not a JSON object%s%s", file,
					 root ? "" : ": ", root ? "" : je.text);
		}
	} else {
		root = json_object();
		if (!root)
			return error_set(err, ENOMEM, "out of memory");
		json_set(root, "description", json_str(description));
	}
	json_set(root, "name", json_str(name));
	if (extends && !json_object_get(root, "extends"))
		json_set(root, "extends", json_str(extends));
	*ret = root;
	return 0;
}

/* Add one rule to the object fs ("filesystem"), once. Returns 1 when it
 * was added, 0 when fs had it, -ENOMEM. */
static int add_rule(json_t *fs, enum policy_class klass, const char *path)
{
	const char *cls = policy_class_name(klass);
	json_t *a = json_object_get(fs, cls);

	if (!json_is_array(a)) {
		a = json_array();
		if (!a)
			return -ENOMEM;
		json_set(fs, cls, a);
	}
	if (array_has(a, path))
		return 0;
	return json_array_append_new(a, json_str(path)) < 0 ? -ENOMEM : 1;
}

/* Add the rules for one grant to fs. */
static int add_grant(json_t *fs, const struct policy_grant *g)
{
	struct policy_grant_rule rules[POLICY_GRANT_RULES_MAX];
	const char *slash = strrchr(g->path, '/');
	_cleanup_free_ char *parent = strndup(g->path, slash && slash != g->path ? (size_t)(slash - g->path) : 1);
	size_t n = policy_grant_rules(g->acc, rules);

	if (!parent)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (add_rule(fs, rules[i].klass, rules[i].parent ? parent : g->path) < 0)
			return -ENOMEM;
	return 0;
}

/* A host: an entry of network.hosts, and the mode that reads them. */
static int add_host(json_t *root, const char *host)
{
	json_t *net = json_object_get(root, "network"), *hosts;

	if (!json_is_object(net)) {
		net = json_object();
		if (!net)
			return -ENOMEM;
		json_set(root, "network", net);
	}
	json_set(net, "mode", json_str("proxy"));
	/* Keys only the other modes take would make the profile invalid. */
	(void)json_object_del(net, "connect_tcp");
	(void)json_object_del(net, "bind_tcp");
	hosts = json_object_get(net, "hosts");
	if (!json_is_array(hosts)) {
		hosts = json_array();
		if (!hosts)
			return -ENOMEM;
		json_set(net, "hosts", hosts);
	}
	if (!array_has(hosts, host) && json_array_append_new(hosts, json_str(host)) < 0)
		return -ENOMEM;
	return 0;
}

/* root into file (keys sorted, two-space indent, a final newline), by way
 * of a temporary file in the same directory. */
static int replace_file(const char *dir, const char *name, const char *file, const json_t *root,
			struct error *err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (asprintf(&tmp, "%s/.%s.json.XXXXXX", dir, name) < 0)
		return error_set(err, ENOMEM, "out of memory");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "cannot create a temporary file in '%s': %s", dir, strerror(errno));
	errno = 0;
	if (json_dumpfd(root, fd, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 || write(fd, "\n", 1) != 1 ||
	    fchmod(fd, 0644) < 0 || fsync(fd) < 0 || rename(tmp, file) < 0) {
		r = errno ? errno : EIO;
		(void)unlink(tmp);
		return error_set(err, r, "cannot write profile '%s': %s", file, strerror(r));
	}
	return 0;
}

/* The profile dir/NAME.json loaded (or new) with its filesystem object,
 * and its file name. */
static int open_profile(const char *dir, const char *name, const char *extends, const char *description,
			json_t **ret_root, json_t **ret_fs, char **ret_file, struct error *err)
{
	_cleanup_free_ char *file = NULL;
	json_t *root = NULL, *fs;
	int r;

	if (!policy_name_valid(name))
		return error_set(err, EINVAL, "'%s' is not a profile name (a-z 0-9 _ - .)", name ? name : "");
	if (asprintf(&file, "%s/%s.json", dir, name) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (strlen(file) >= LATCH_PATH_MAX)
		return error_set(err, ENAMETOOLONG, "profile path '%s' is too long", file);
	r = mkdir_parents(dir, 0700);
	if (r < 0)
		return error_set(err, -r, "cannot create '%s': %s", dir, strerror(-r));
	r = load_or_new(file, name, extends, description, &root, err);
	if (r < 0)
		return r;
	fs = json_object_get(root, "filesystem");
	if (!json_is_object(fs)) {
		fs = json_object();
		if (!fs) {
			json_decref(root);
			return error_set(err, ENOMEM, "out of memory");
		}
		json_set(root, "filesystem", fs);
	}
	*ret_root = root;
	*ret_fs = fs;
	*ret_file = TAKE_PTR(file);
	return 0;
}

int policy_save_grants(const char *dir, const char *name, const char *extends, const struct policy_grant *grants,
		       size_t n_grants, char **ret_file, struct error *err)
{
	_cleanup_free_ char *file = NULL;
	_cleanup_json_ json_t *root = NULL;
	json_t *fs;
	int r;

	for (size_t i = 0; i < n_grants; i++) {
		struct policy_host_rule h;
		const char *why = NULL;

		if (grants[i].path && !utf8_is_valid(grants[i].path))
			return error_set(err, EILSEQ, "a granted path is not valid UTF-8");
		if (!grants[i].path && (!grants[i].host || policy_host_entry_parse(grants[i].host, &h, &why) < 0 ||
					h.host.wildcard))
			return error_set(err, EINVAL, "'%s' is not a host entry%s%s", grants[i].host ? grants[i].host : "",
					 why ? ": " : "", why ? why : "");
	}
	r = open_profile(dir, name, extends, SAVED_DESCRIPTION, &root, &fs, &file, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_grants; i++) {
		r = grants[i].path ? add_grant(fs, &grants[i]) : add_host(root, grants[i].host);
		if (r < 0)
			return error_set(err, ENOMEM, "out of memory");
	}
	/* Hosts alone: no filesystem object the profile did not have. */
	if (json_object_size(fs) == 0)
		(void)json_object_del(root, "filesystem");
	r = replace_file(dir, name, file, root, err);
	if (r < 0)
		return r;
	if (ret_file)
		*ret_file = TAKE_PTR(file);
	return 0;
}

int policy_save_rules(const char *dir, const char *name, const char *extends, const char *description,
		      const struct policy_saved_rule *rules, size_t n_rules, size_t *ret_added, char **ret_file,
		      struct error *err)
{
	_cleanup_free_ char *file = NULL;
	_cleanup_json_ json_t *root = NULL;
	size_t added = 0;
	json_t *fs;
	int r;

	for (size_t i = 0; i < n_rules; i++)
		if (!utf8_is_valid(rules[i].pattern))
			return error_set(err, EILSEQ, "a path is not valid UTF-8");
	r = open_profile(dir, name, extends, description, &root, &fs, &file, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_rules; i++) {
		r = add_rule(fs, rules[i].klass, rules[i].pattern);
		if (r < 0)
			return error_set(err, ENOMEM, "out of memory");
		added += (size_t)r;
	}
	r = replace_file(dir, name, file, root, err);
	if (r < 0)
		return r;
	if (ret_added)
		*ret_added = added;
	if (ret_file)
		*ret_file = TAKE_PTR(file);
	return 0;
}
