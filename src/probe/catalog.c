/* The probe catalog (one table, sorted by id), the argument parser it drives,
 * and the catalog as text and JSON. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "probe/catalog.h"
#include "probe/probes.h"

#define FIELD(f) offsetof(struct probe_request, f)
#define ARG(n, k, f, meta, choices, req, help) { n, k, FIELD(f), meta, choices, req, help }

#define ARG_PATH(help) ARG("--path", PROBE_ARG_STRING, path, "PATH", NULL, false, help)
#define ARG_PATH_CLASS ARG("--path-class", PROBE_ARG_CHOICE, path_class, "CLASS", probe_path_class_at, false, \
			   "a named location instead of --path (a relative --path is taken inside it)")
#define ARG_TARGET(req) ARG("--target", PROBE_ARG_CHOICE, target, "TARGET", probe_target_at, req, \
			    "self, a child the probe forks, its parent (outside the sandbox), or --pid")
#define ARG_PID ARG("--pid", PROBE_ARG_PID, pid, "N", NULL, false, "the process for --target pid")
#define ARG_END { 0 }

/* What a probe asks (enum probe_asks): the seccomp row, for those that ask
 * the seccomp plan. */
#define ASKS(kind) PROBE_ASKS_##kind, NULL, NULL
#define ASKS_SECCOMP(syscall, when) PROBE_ASKS_SECCOMP, syscall, when

static const struct probe_arg no_args[] = { ARG_END };

static const struct probe_arg fs_args[] = {
	ARG("--op", PROBE_ARG_CHOICE, op, "OP", probe_fs_op_at, true, "the operation"),
	ARG_PATH("the path; default: a fixture in the harness directory that suits --op"),
	ARG_PATH_CLASS,
	ARG("--to", PROBE_ARG_STRING, to, "PATH", NULL, false,
	    "rename, link, symlink: the new name (relative: inside the harness)"),
	ARG("--name", PROBE_ARG_STRING, name, "XATTR", NULL, false,
	    "getxattr, setxattr: the attribute (default user.latch_probe)"),
	ARG("--allow-unsafe-path", PROBE_ARG_FLAG, allow_unsafe_path, NULL, NULL, false,
	    "let a modifying operation work outside the harness directory"),
	ARG_END,
};

static const struct probe_arg net_args[] = {
	ARG("--op", PROBE_ARG_CHOICE, op, "OP", probe_net_op_at, true, "the operation"),
	ARG("--host", PROBE_ARG_STRING, host, "HOST", NULL, false,
	    "an IPv4/IPv6 address (default 127.0.0.1); getaddrinfo: a name (default localhost)"),
	ARG("--port", PROBE_ARG_PORT, port, "PORT", NULL, false,
	    "tcp/udp port (default: the harness's own listener; tcp_bind: 0)"),
	ARG_PATH("unix_connect: the socket (default: the harness's listener)"),
	ARG("--name", PROBE_ARG_STRING, name, "NAME", NULL, false,
	    "abstract_connect: the abstract name without the leading NUL (default: the harness's listener)"),
	ARG_END,
};

static const struct probe_arg signal_args[] = {
	ARG_TARGET(true),
	ARG_PID,
	ARG("--signal", PROBE_ARG_CHOICE, signal, "SIGNAL", probe_signal_at, false,
	    "the signal (default 0, which checks permission and delivers nothing; parent: 0 or CONT only)"),
	ARG_END,
};

static const struct probe_arg proc_args[] = {
	ARG("--op", PROBE_ARG_CHOICE, op, "OP", probe_proc_op_at, true, "the operation"),
	ARG_TARGET(false),
	ARG_PID,
	ARG_END,
};

static const struct probe_arg sysctl_args[] = {
	ARG("--name", PROBE_ARG_STRING, name, "NAME", NULL, false,
	    "a sysctl such as kernel.osrelease (the default), read from /proc/sys"),
	ARG_END,
};

static const struct probe_arg exec_args[] = {
	ARG("--path", PROBE_ARG_STRING, path, "PATH", NULL, true, "the program to execute (absolute)"),
	ARG_END,
};

static const struct probe_arg dlopen_args[] = {
	ARG("--path", PROBE_ARG_STRING, path, "PATH", NULL, true, "the shared object to map (absolute)"),
	ARG_END,
};

static const struct probe_arg ioctl_args[] = {
	ARG("--op", PROBE_ARG_CHOICE, op, "OP", probe_ioctl_op_at, true, "the request"),
	ARG("--fd", PROBE_ARG_FD, fd, "N", NULL, false,
	    "the terminal (default: standard input if it is one, else a new pseudo-terminal)"),
	ARG_END,
};

static const struct probe_arg mount_args[] = {
	ARG("--op", PROBE_ARG_CHOICE, op, "OP", probe_mount_op_at, true,
	    "what to mount, in a private mount namespace of a child"),
	ARG_END,
};

static const struct probe_arg inherit_args[] = {
	ARG("--scenario", PROBE_ARG_CHOICE, scenario, "SCENARIO", probe_scenario_at, true, "what the child checks"),
	ARG_PATH("the file the parent and the child open (default: the harness's fixture file)"),
	ARG_PATH_CLASS,
	ARG_END,
};

/* Sorted by id. */
const struct probe_def probe_catalog[] = {
	{ "capabilities_snapshot", "identity", "capabilities, securebits and resource limits of the probe process",
	  no_args, 0, NULL, probe_run_capabilities, ASKS(NOTHING) },
	{ "dlopen", "execution",
	  "map a shared object for execution as the dynamic loader would (open, mmap PROT_EXEC), running none of its code",
	  dlopen_args, 0, NULL, probe_run_dlopen, ASKS(DLOPEN) },
	{ "exec", "execution", "execute a program (stopped as soon as execve succeeded)", exec_args, 0, NULL,
	  probe_run_exec, ASKS(EXEC) },
	{ "fs_op", "filesystem", "one file system operation; modifying ones stay inside the harness directory",
	  fs_args, PROBE_NEEDS_HARNESS, probe_check_fs_op, probe_run_fs_op, ASKS(FS_OP) },
	{ "inherit_child", "inherit",
	  "re-execute latch as a child: restrictions inherited, an fd delegated on the rights bus, events on the event bus",
	  inherit_args, PROBE_NEEDS_HARNESS, NULL, probe_run_inherit_child, ASKS(INHERIT) },
	{ "io_uring", "kernel", "create an io_uring instance (io_uring_setup)", no_args, 0, NULL, probe_run_io_uring,
	  ASKS_SECCOMP("io_uring_setup", NULL) },
	{ "ioctl", "kernel",
	  "a terminal ioctl; tiocsti passes a NULL character, so nothing is ever typed (EFAULT: the kernel was reached)",
	  ioctl_args, 0, NULL, probe_run_ioctl, ASKS_SECCOMP("ioctl", "TIOCSTI") },
	{ "memfd_exec", "execution", "copy latch into a memfd and execute it from there (fileless execution)",
	  no_args, 0, NULL, probe_run_memfd_exec, ASKS(MEMFD_EXEC) },
	{ "mount", "kernel", "mount in a private mount namespace of a child (nothing changes outside it)",
	  mount_args, PROBE_NEEDS_HARNESS, NULL, probe_run_mount, ASKS_SECCOMP("mount", NULL) },
	{ "net_op", "network", "one network operation against loopback or the harness's own listeners", net_args,
	  PROBE_NEEDS_HARNESS | PROBE_NEEDS_LISTENERS, probe_check_net_op, probe_run_net_op, ASKS(NET_OP) },
	{ "probe_catalog", "identity", "this catalog, from inside the sandbox", no_args, 0, NULL, probe_run_catalog,
	  ASKS(NOTHING) },
	{ "proc_info", "process", "read another process's command line or environment, attach to it, read its memory",
	  proc_args, 0, probe_check_target, probe_run_proc_info, ASKS(PROC_INFO) },
	{ "signal", "process", "send a signal (0 by default: permission only)", signal_args, 0, probe_check_target,
	  probe_run_signal, ASKS(SIGNAL) },
	{ "sysctl_read", "process", "read a sysctl from /proc/sys", sysctl_args, 0, probe_check_sysctl,
	  probe_run_sysctl_read, ASKS(SYSCTL) },
	{ "userns", "kernel", "create a user namespace (unshare CLONE_NEWUSER, in a child)", no_args, 0, NULL,
	  probe_run_userns, ASKS_SECCOMP("unshare", "CLONE_NEWUSER") },
	{ "world_shape", "identity",
	  "the sandbox from inside: ids, namespaces, cwd, home, tmp, no_new_privs, seccomp, and the Landlock ABI and rights "
	  "latch applied",
	  no_args, 0, NULL, probe_run_world_shape, ASKS(NOTHING) },
};
const size_t probe_catalog_size = ELEMENTSOF(probe_catalog);

const struct probe_def *probe_find(const char *id)
{
	for (size_t i = 0; id && i < probe_catalog_size; i++)
		if (strcmp(probe_catalog[i].id, id) == 0)
			return &probe_catalog[i];
	return NULL;
}

static bool choice_ok(const struct probe_arg *a, const char *v)
{
	const char *c;

	for (size_t i = 0; (c = a->choice_at(i)); i++)
		if (strcmp(c, v) == 0)
			return true;
	return false;
}

int probe_parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int set_value(const struct probe_def *def, const struct probe_arg *a, const char *v,
		     struct probe_request *req, struct error *err)
{
	char *field = (char *)req + a->offset;

	switch (a->kind) {
	case PROBE_ARG_STRING:
		if (!utf8_is_valid(v) || strlen(v) >= LATCH_PATH_MAX || !v[0])
			return error_set(err, EINVAL, "%s %s: '%s' is empty, not UTF-8 or too long", def->id,
					 a->name, v);
		*(const char **)field = v;
		return 0;
	case PROBE_ARG_CHOICE:
		if (!choice_ok(a, v))
			return error_set(err, EINVAL, "%s %s: unknown value '%s' (see `latch probe %s --help`)",
					 def->id, a->name, v, def->id);
		*(const char **)field = v;
		return 0;
	case PROBE_ARG_PORT:
		if (probe_parse_long(v, 0, 65535, (long *)field) < 0)
			return error_set(err, EINVAL, "%s %s: '%s' is not a port (0-65535)", def->id, a->name, v);
		return 0;
	case PROBE_ARG_PID:
		if (probe_parse_long(v, 1, INT_MAX, (long *)field) < 0)
			return error_set(err, EINVAL, "%s %s: '%s' is not a process id", def->id, a->name, v);
		return 0;
	case PROBE_ARG_FD:
		if (probe_parse_long(v, 0, 1 << 20, (long *)field) < 0)
			return error_set(err, EINVAL, "%s %s: '%s' is not a file descriptor", def->id, a->name, v);
		return 0;
	case PROBE_ARG_FLAG:
		*(bool *)field = true;
		return 0;
	case _PROBE_ARG_KIND_MAX:
		break;
	}
	return error_set(err, EINVAL, "%s %s: unknown argument kind", def->id, a->name);
}

static const struct probe_arg *find_arg(const struct probe_def *def, const char *name, size_t len)
{
	for (const struct probe_arg *a = def->args; a->name; a++)
		if (strlen(a->name) == len && strncmp(a->name, name, len) == 0)
			return a;
	return NULL;
}

int probe_parse(const struct probe_def *def, int argc, char **argv, struct probe_request *ret, struct error *err)
{
	bool seen[16] = { false };
	int r;

	*ret = (struct probe_request){ .port = -1, .pid = -1, .fd = -1 };
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *value = NULL;
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		const struct probe_arg *a;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return 1;
		a = strncmp(arg, "--", 2) == 0 ? find_arg(def, arg, len) : NULL;
		if (!a)
			return error_set(err, EINVAL, "%s: unknown argument '%.*s' (see `latch probe %s --help`)",
					 def->id, (int)len, arg, def->id);
		if (seen[a - def->args])
			return error_set(err, EINVAL, "%s: %s given twice", def->id, a->name);
		seen[a - def->args] = true;
		if (a->kind == PROBE_ARG_FLAG && eq)
			return error_set(err, EINVAL, "%s: %s takes no value", def->id, a->name);
		if (a->kind != PROBE_ARG_FLAG) {
			if (eq)
				value = eq + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else
				return error_set(err, EINVAL, "%s: %s needs a value", def->id, a->name);
		}
		r = set_value(def, a, value, ret, err);
		if (r < 0)
			return r;
	}
	for (const struct probe_arg *a = def->args; a->name; a++)
		if (a->required && !seen[a - def->args])
			return error_set(err, EINVAL, "%s: %s is required (see `latch probe %s --help`)", def->id,
					 a->name, def->id);
	return def->check ? def->check(ret, err) : 0;
}

/* "--op stat|open_read|..." or "--path PATH". */
static void arg_synopsis(FILE *f, const struct probe_arg *a)
{
	const char *c;

	fputs(a->name, f);
	if (a->kind == PROBE_ARG_FLAG)
		return;
	if (a->kind != PROBE_ARG_CHOICE) {
		fprintf(f, " %s", a->metavar);
		return;
	}
	for (size_t i = 0; (c = a->choice_at(i)); i++)
		fprintf(f, "%c%s", i ? '|' : ' ', c);
}

char *probe_usage(const struct probe_def *def)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "usage: latch probe [-p PROFILE | --no-sandbox] [OPTIONS] %s", def->id);
	for (const struct probe_arg *a = def->args; a->name; a++) {
		fputs(a->required ? " " : " [", f);
		fputs(a->name, f);
		if (a->kind != PROBE_ARG_FLAG)
			fprintf(f, " %s", a->metavar);
		fputs(a->required ? "" : "]", f);
	}
	fprintf(f, "\n  %s (%s)\n", def->summary, def->family);
	for (const struct probe_arg *a = def->args; a->name; a++) {
		fputs("  ", f);
		arg_synopsis(f, a);
		fprintf(f, "\n      %s%s\n", a->help, a->required ? " (required)" : "");
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static json_t *arg_json(const struct probe_arg *a)
{
	json_t *o = json_object(), *choices = json_null();
	const char *c;

	if (a->kind == PROBE_ARG_CHOICE) {
		choices = json_array();
		for (size_t i = 0; (c = a->choice_at(i)); i++)
			(void)json_array_append_new(choices, json_str(c));
	}
	json_set(o, "name", json_str(a->name));
	json_set(o, "value", a->kind == PROBE_ARG_FLAG ? json_null() : json_str(a->metavar));
	json_set(o, "choices", choices);
	json_set(o, "required", json_boolean(a->required));
	json_set(o, "help", json_str(a->help));
	return o;
}

json_t *probe_catalog_json(void)
{
	json_t *o = json_object(), *probes = json_array(), *outcomes = json_array(), *layers = json_array();

	for (size_t i = 0; i < probe_catalog_size; i++) {
		const struct probe_def *d = &probe_catalog[i];
		json_t *p = json_object(), *args = json_array();
		_cleanup_free_ char *usage = probe_usage(d);

		for (const struct probe_arg *a = d->args; a->name; a++)
			(void)json_array_append_new(args, arg_json(a));
		json_set(p, "id", json_str(d->id));
		json_set(p, "family", json_str(d->family));
		json_set(p, "summary", json_str(d->summary));
		json_set(p, "usage", json_str(usage));
		json_set(p, "args", args);
		(void)json_array_append_new(probes, p);
	}
	for (int i = 0; i < _PROBE_OUTCOME_MAX; i++) {
		json_t *r = json_object();

		json_set(r, "name", json_str(probe_outcome_name(i)));
		json_set(r, "rc", json_integer(probe_outcome_rc(i)));
		json_set(r, "measured", json_boolean(probe_outcome_measured(i)));
		json_set(r, "meaning", json_str(probe_outcome_meaning(i)));
		(void)json_array_append_new(outcomes, r);
	}
	for (int i = 0; i < _PROBE_LAYER_MAX; i++)
		(void)json_array_append_new(layers, json_str(probe_layer_name(i)));
	json_set(o, "probes", probes);
	json_set(o, "outcomes", outcomes);
	json_set(o, "layers", layers);
	return o;
}
