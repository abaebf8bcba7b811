/* The oracle: the questions each catalog probe's operation asks (what its
 * row in the catalog says it asks; for fs_op, the probe's own table of
 * operations), answered by policy_decide() and by the seccomp plan --
 * nothing is run. lab_oracle_matches() checks every run against what the
 * probe reports, so a drift between the two shows as a harness_error
 * instead of a silent wrong prediction. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "lab/oracle.h"
#include "policy/render.h"
#include "probe/catalog.h"
#include "sandbox/landlock-uapi.h"

#define NONE -1 /* no engine access */
#define MEMFD_PATH "/memfd:latch-probe (deleted)"

static const char *const verdict_names[_LAB_VERDICT_MAX] = {
	[LAB_VERDICT_ALLOW] = "allow",
	[LAB_VERDICT_DENY] = "deny",
	[LAB_VERDICT_NO_DECISION] = "no_decision",
};

const char *lab_verdict_name(enum lab_verdict v)
{
	return (unsigned)v < _LAB_VERDICT_MAX ? verdict_names[v] : NULL;
}

/* ---- paths ------------------------------------------------------------------ */

/* The path the engine is asked: resolved like rules are (symlinks in the
 * existing part followed); with follow false the last component is kept,
 * for operations on the entry itself (readlink, unlink, rename...). */
static int decided_path(const char *path, bool follow, char **ret)
{
	_cleanup_free_ char *dir = NULL, *rdir = NULL;
	const char *slash;

	if (follow || strcmp(path, "/") == 0)
		return path_resolve(path, ret);
	slash = strrchr(path, '/');
	dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	if (path_resolve(dir[0] ? dir : "/", &rdir) < 0)
		return path_normalize(path, ret);
	if (asprintf(ret, "%s/%s", strcmp(rdir, "/") == 0 ? "" : rdir, slash + 1) < 0)
		return -ENOMEM;
	return 0;
}

/* ---- questions ------------------------------------------------------------ */

static struct lab_query *next_query(struct lab_oracle *o)
{
	struct lab_query *q;

	if (o->n >= LAB_ORACLE_QUERIES_MAX)
		return NULL;
	q = &o->q[o->n++];
	memset(q, 0, sizeof(*q));
	q->port = -1;
	return q;
}

static int ask_fs(struct lab_oracle *o, enum policy_access a, const char *path, bool follow, bool landlock,
		  struct error *err)
{
	struct lab_query *q = next_query(o);
	int r;

	if (!q)
		return error_set(err, EINVAL, "too many oracle questions");
	q->kind = LAB_QUERY_ENGINE;
	q->access = a;
	q->landlock_mediated = landlock;
	q->path = strdup(path);
	if (!q->path)
		return error_set(err, ENOMEM, "out of memory");
	r = decided_path(path, follow, &q->decided);
	return r < 0 ? error_set(err, -r, "cannot resolve '%s': %s", path, strerror(-r)) : 0;
}

static int ask(struct lab_oracle *o, enum policy_access a, long port, bool landlock, struct error *err)
{
	struct lab_query *q = next_query(o);

	if (!q)
		return error_set(err, EINVAL, "too many oracle questions");
	q->kind = LAB_QUERY_ENGINE;
	q->access = a;
	q->port = port;
	q->landlock_mediated = landlock;
	return 0;
}

static int ask_seccomp(struct lab_oracle *o, const char *syscall, const char *when, struct error *err)
{
	struct lab_query *q = next_query(o);

	if (!q)
		return error_set(err, EINVAL, "too many oracle questions");
	q->kind = LAB_QUERY_SECCOMP;
	q->syscall = syscall;
	q->when = when;
	return 0;
}

/* ---- the probes ------------------------------------------------------------ */

struct oracle_in {
	const struct probe_def *def;
	const struct lab_model *m;
	struct probe_places places; /* the lab's where, as a probe names them */
	const struct probe_request *req;
};

/* fs_op: the access on the path (and on --to), from the probe's table. */
static int map_fs_op(const struct oracle_in *in, struct lab_oracle *o, struct error *err)
{
	_cleanup_free_ char *path = NULL, *to = NULL;
	struct probe_fs_asks op;
	int r;

	if (probe_fs_op_asks(in->req->op, &op) < 0)
		return error_set(err, EINVAL, "fs_op: the oracle has no row for --op '%s'", in->req->op);
	r = probe_place_path(&in->places, in->req->path, in->req->path_class, op.path, &path, err);
	if (r >= 0 && op.to)
		r = probe_place_path(&in->places, in->req->to, NULL, op.to, &to, err);
	if (r < 0)
		return r;
	if (op.access != NONE && (r = ask_fs(o, op.access, path, op.follow, op.landlock, err)) < 0)
		return r;
	if (op.access_to != NONE && (r = ask_fs(o, op.access_to, to, false, op.landlock, err)) < 0)
		return r;
	if (!op.landlock)
		o->note = "Landlock does not mediate this operation";
	return 0;
}

static int map_net_op(const struct oracle_in *in, struct lab_oracle *o, struct error *err)
{
	const char *op = in->req->op;

	if (strcmp(op, "tcp_connect") == 0)
		return ask(o, POLICY_ACCESS_TCP_CONNECT, in->req->port, true, err);
	if (strcmp(op, "tcp_bind") == 0)
		return ask(o, POLICY_ACCESS_TCP_BIND, in->req->port >= 0 ? in->req->port : 0, true, err);
	if (strcmp(op, "abstract_connect") == 0)
		return ask(o, POLICY_ACCESS_ABSTRACT_UNIX, -1, true, err);
	if (strcmp(op, "udp_send") == 0) {
		if (in->m->sf.network_off)
			return ask_seccomp(o, "socket", "AF_UNIX", err);
		if (in->m->sf.network_proxy)
			return ask_seccomp(o, "socket", "domain == AF_INET and type in 2-3", err);
		o->note = "no profile key restricts UDP: network.mode ports lists TCP ports only";
		return 0;
	}
	if (strcmp(op, "unix_connect") == 0) {
		_cleanup_free_ char *sock = NULL;

		if (!in->req->path && (!in->places.harness || asprintf(&sock, "%s/sock", in->places.harness) < 0))
			return error_set(err, ENOMEM, "out of memory");
		/* Landlock mediates it from ABI 9; below, a supervisor of
		 * connect() does in every mode. */
		return ask_fs(o, POLICY_ACCESS_UNIX_CONNECT, in->req->path ? in->req->path : sock, true,
			      landlock_plan_handles(in->m->ll, POLICY_ACCESS_UNIX_CONNECT), err);
	}
	if (strcmp(op, "getaddrinfo") == 0) {
		const char *host = in->req->host ? in->req->host : "localhost";
		unsigned char buf[16];

		if (inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1) {
			o->note = "a numeric address: nothing is looked up";
			return 0;
		}
		o->note = "a name missing from /etc/hosts would need DNS over UDP as well";
		return ask_fs(o, POLICY_ACCESS_READ, "/etc/hosts", true, true, err);
	}
	return error_set(err, EINVAL, "net_op: the oracle has no row for --op '%s'", op);
}

/* Whether --target names a process outside the sandbox: a --pid, always;
 * the parent, only in static mode (in isolated mode it is the sandbox's own
 * pid 1), so that is left undecided; a child and the probe itself never. */
static int target_side(const struct probe_request *req)
{
	const char *t = req->target ? req->target : "child";

	if (strcmp(t, "pid") == 0)
		return 1;
	if (strcmp(t, "parent") == 0)
		return -1;
	return 0;
}

static int map_signal(const struct oracle_in *in, struct lab_oracle *o, struct error *err)
{
	int side = target_side(in->req);

	if (side == 1)
		return ask(o, POLICY_ACCESS_SIGNAL, -1, true, err);
	o->note = side == 0 ? "the target is inside the sandbox: nothing to decide"
			    : "the parent is inside the sandbox in isolated mode and outside in static mode: "
			      "use --target pid to test signals that leave the sandbox";
	return 0;
}

static int map_proc_info(const struct oracle_in *in, struct lab_oracle *o, struct error *err)
{
	const char *op = in->req->op;
	char path[96];
	int r;

	if (strcmp(op, "read_cmdline") == 0 || strcmp(op, "read_environ") == 0) {
		/* The pid is the target's, known only at run time; rules never
		 * name one (a profile's /proc/self would be the loader's). */
		if (in->req->pid > 0)
			(void)snprintf(path, sizeof(path), "/proc/%ld/%s", in->req->pid, op + strlen("read_"));
		else
			(void)snprintf(path, sizeof(path), "/proc/PID/%s", op + strlen("read_"));
		r = ask_fs(o, POLICY_ACCESS_READ, path, false, true, err);
		/* The environment of a process outside the sandbox is guarded
		 * by the ptrace check, which Landlock answers (and the
		 * supervisor likewise): read_environ needs both. */
		if (r == 0 && strcmp(op, "read_environ") == 0 && target_side(in->req) == 1)
			r = ask(o, POLICY_ACCESS_PTRACE, -1, true, err);
		return r;
	}
	if (strcmp(op, "ptrace_attach") == 0 || strcmp(op, "vm_read") == 0)
		return ask(o, POLICY_ACCESS_PTRACE, -1, target_side(in->req) != 0, err);
	return error_set(err, EINVAL, "proc_info: the oracle has no row for --op '%s'", op);
}

static int map_sysctl_read(const struct oracle_in *in, struct lab_oracle *o, struct error *err)
{
	char path[512];

	(void)snprintf(path, sizeof(path), "/proc/sys/%s", in->req->name ? in->req->name : "kernel.osrelease");
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	return ask_fs(o, POLICY_ACCESS_READ, path, true, true, err);
}

static int map_exec(const struct oracle_in *in, struct lab_oracle *o, struct error *err)
{
	return ask_fs(o, POLICY_ACCESS_EXEC, in->req->path, true, true, err);
}

static int map_memfd_exec(const struct oracle_in *in, struct lab_oracle *o, struct error *err)
{
	(void)in;
	o->note = "a memfd lies beneath no rule: the engine denies executing it by default, and Landlock does not "
		  "check files of internal mounts";
	return ask_fs(o, POLICY_ACCESS_EXEC, MEMFD_PATH, false, false, err);
}

static int map_dlopen(const struct oracle_in *in, struct lab_oracle *o, struct error *err)
{
	int r = ask_fs(o, POLICY_ACCESS_READ, in->req->path, true, true, err);

	o->note = "the loader opens the library (Landlock checks reading), then maps it executable (not checked by Landlock)";
	return r < 0 ? r : ask_fs(o, POLICY_ACCESS_EXEC, in->req->path, true, false, err);
}

static int map_seccomp(const struct oracle_in *in, struct lab_oracle *o, struct error *err)
{
	return ask_seccomp(o, in->def->seccomp_syscall, in->def->seccomp_when, err);
}

static int map_inherit_child(const struct oracle_in *in, struct lab_oracle *o, struct error *err)
{
	const char *sc = in->req->scenario ? in->req->scenario : "restrictions";
	_cleanup_free_ char *path = NULL;
	int r;

	if (strcmp(sc, "restrictions") == 0) {
		r = probe_place_path(&in->places, in->req->path, in->req->path_class, "file", &path, err);
		return r < 0 ? r : ask_fs(o, POLICY_ACCESS_READ, path, true, true, err);
	}
	o->note = strcmp(sc, "rights_bus") == 0 ? "a delegated fd keeps the access it was opened with: nothing to decide"
						: "no access to decide: the scenario tests the buses";
	return 0;
}

static int map_nothing(const struct oracle_in *in, struct lab_oracle *o, struct error *err)
{
	(void)in;
	(void)err;
	o->note = "the probe reports, it asks for no access";
	return 0;
}

/* The questions the probe asks, by what its catalog row says. */
static int map_probe(const struct oracle_in *in, struct lab_oracle *o, struct error *err)
{
	switch (in->def->asks) {
	case PROBE_ASKS_NOTHING:
		return map_nothing(in, o, err);
	case PROBE_ASKS_FS_OP:
		return map_fs_op(in, o, err);
	case PROBE_ASKS_NET_OP:
		return map_net_op(in, o, err);
	case PROBE_ASKS_SIGNAL:
		return map_signal(in, o, err);
	case PROBE_ASKS_PROC_INFO:
		return map_proc_info(in, o, err);
	case PROBE_ASKS_SYSCTL:
		return map_sysctl_read(in, o, err);
	case PROBE_ASKS_EXEC:
		return map_exec(in, o, err);
	case PROBE_ASKS_MEMFD_EXEC:
		return map_memfd_exec(in, o, err);
	case PROBE_ASKS_DLOPEN:
		return map_dlopen(in, o, err);
	case PROBE_ASKS_INHERIT:
		return map_inherit_child(in, o, err);
	case PROBE_ASKS_SECCOMP:
		return map_seccomp(in, o, err);
	case _PROBE_ASKS_MAX:
		break;
	}
	return error_set(err, EINVAL, "the oracle has no row for probe '%s'", in->def->id);
}

/* ---- answers ------------------------------------------------------------- */

static bool listed(const struct policy *p, enum policy_access a, long port)
{
	const uint16_t *ports = a == POLICY_ACCESS_TCP_CONNECT ? p->net.connect : p->net.bind;
	size_t n = a == POLICY_ACCESS_TCP_CONNECT ? p->net.n_connect : p->net.n_bind;

	for (size_t i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

/* A port of the kernel's ephemeral range that the profile does not list:
 * what the engine says of the harness's listener, whose port is chosen at
 * run time (lab_oracle_matches() checks the real one is decided alike). */
static long unlisted_ephemeral(const struct policy *p, enum policy_access a)
{
	long lo = 32768, hi = 60999;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");

	if (f) {
		if (fscanf(f, "%ld %ld", &lo, &hi) != 2 || lo < 1 || hi > 65535 || lo > hi)
			lo = 32768, hi = 60999;
		(void)fclose(f);
	}
	for (long port = lo; port <= hi; port++)
		if (!listed(p, a, port))
			return port;
	return lo;
}

static void answer_engine(const struct lab_model *m, struct lab_query *q)
{
	struct policy_query pq = { .access = q->access, .path = q->decided };
	struct policy_decision d;

	if (q->access == POLICY_ACCESS_TCP_CONNECT || q->access == POLICY_ACCESS_TCP_BIND) {
		q->decided_port = q->port >= 0 ? q->port : unlisted_ephemeral(m->policy, q->access);
		pq.port = (uint16_t)q->decided_port;
	}
	policy_decide(m->policy, &pq, &d);
	q->allow = d.allow;
	q->layer = d.layer;
	q->abi_lacks = !d.allow && d.layer == POLICY_LAYER_LANDLOCK && q->landlock_mediated &&
		       !landlock_plan_handles(m->ll, q->access);
	(void)snprintf(q->reason, sizeof(q->reason), "%s", d.reason);
}

/* A row of the seccomp plan: the syscall refused outright, or an argument
 * rule whose condition names `when`. */
static void answer_seccomp(const struct lab_model *m, struct lab_query *q)
{
	static const char *const lists[] = { "refused", "argument_rules" };
	_cleanup_json_ json_t *plan = sfilter_plan_to_json(&m->sf);

	q->allow = true;
	q->layer = POLICY_LAYER_NONE;
	(void)snprintf(q->reason, sizeof(q->reason), "allow, the seccomp plan has no rule for %s%s%s", q->syscall,
		       q->when ? " with " : "", q->when ? q->when : "");
	for (size_t l = 0; plan && l < ELEMENTSOF(lists); l++) {
		json_t *row;
		size_t i;

		json_array_foreach(json_object_get(plan, lists[l]), i, row) {
			const char *sc = json_string_value(json_object_get(row, "syscall"));
			const char *when = json_string_value(json_object_get(row, "when"));

			if (!sc || strcmp(sc, q->syscall) != 0 || (l == 1) != (q->when != NULL) ||
			    (q->when && (!when || !strstr(when, q->when))))
				continue;
			q->allow = false;
			q->layer = POLICY_LAYER_SECCOMP;
			(void)snprintf(q->reason, sizeof(q->reason), "deny, the seccomp plan refuses %s%s%s with %s: %s",
				       q->syscall, when ? " when " : "", when ? when : "",
				       json_string_value(json_object_get(row, "errno")),
				       json_string_value(json_object_get(row, "why")));
			return;
		}
	}
}

int lab_oracle_predict(const struct lab_model *m, const struct lab_where *w, const char *probe_id, char **args,
		       struct lab_oracle *ret, struct error *err)
{
	const struct probe_def *def = probe_find(probe_id);
	struct probe_request req;
	struct oracle_in in = {
		.def = def,
		.m = m,
		.places = { .harness = w->harness, .cwd = w->cwd, .home = w->home, .tmp = w->tmp },
		.req = &req,
	};
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!def)
		return error_set(err, EINVAL, "no probe '%s'", probe_id);
	r = probe_parse(def, (int)strv_length(args), args, &req, err);
	if (r != 0)
		return r < 0 ? r : error_set(err, EINVAL, "%s: --help is not a probe argument", probe_id);
	r = map_probe(&in, ret, err);
	if (r < 0) {
		lab_oracle_done(ret);
		return r;
	}
	ret->verdict = ret->n ? LAB_VERDICT_ALLOW : LAB_VERDICT_NO_DECISION;
	for (size_t j = 0; j < ret->n; j++) {
		if (ret->q[j].kind == LAB_QUERY_ENGINE)
			answer_engine(m, &ret->q[j]);
		else
			answer_seccomp(m, &ret->q[j]);
		if (!ret->q[j].allow)
			ret->verdict = LAB_VERDICT_DENY;
	}
	return 0;
}

void lab_oracle_done(struct lab_oracle *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->q[i].path);
		free(o->q[i].decided);
	}
	memset(o, 0, sizeof(*o));
}

json_t *lab_oracle_to_json(const struct lab_oracle *o)
{
	json_t *v = json_object(), *qs = json_array();

	for (size_t i = 0; i < o->n; i++) {
		const struct lab_query *q = &o->q[i];
		json_t *j = json_object();

		json_set(j, "kind", json_str(q->kind == LAB_QUERY_ENGINE ? "engine" : "seccomp"));
		json_set(j, "verdict", json_str(q->allow ? "allow" : "deny"));
		json_set(j, "layer", json_str(policy_layer_name(q->layer)));
		json_set(j, "reason", json_str(q->reason));
		if (q->kind == LAB_QUERY_ENGINE) {
			bool tcp = q->access == POLICY_ACCESS_TCP_CONNECT || q->access == POLICY_ACCESS_TCP_BIND;

			json_set(j, "access", json_str(policy_access_name(q->access)));
			json_set(j, "path", json_str(q->path));
			json_set(j, "decided_path", json_str(q->decided));
			json_set(j, "port", tcp && q->port >= 0 ? json_integer(q->port) : json_null());
			json_set(j, "port_chosen_at_run_time", json_boolean(tcp && q->port < 0));
			json_set(j, "landlock", json_boolean(q->landlock_mediated));
			json_set(j, "abi_lacks_right", json_boolean(q->abi_lacks));
		} else {
			json_set(j, "syscall", json_str(q->syscall));
			json_set(j, "when", json_str(q->when));
		}
		(void)json_array_append_new(qs, j);
	}
	json_set(v, "verdict", json_str(lab_verdict_name(o->verdict)));
	json_set(v, "note", json_str(o->note));
	json_set(v, "queries", qs);
	return v;
}

/* ---- the cross-check ------------------------------------------------------ */

/* Whether two harness directories lie in the same directory (they differ
 * only in the random part of their name). */
static bool same_parent(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	return sa && sb && sa - a == sb - b && strncmp(a, b, (size_t)(sa - a)) == 0;
}

/* path with the harness directory the probe used written as the oracle's,
 * and every /proc/<digits> as /proc/PID. */
static char *comparable(const char *path, const char *harness_used, const char *harness_oracle)
{
	char *s = NULL, *p;

	if (harness_used && harness_oracle && path_has_prefix(path, harness_used) &&
	    same_parent(harness_used, harness_oracle)) {
		if (asprintf(&s, "%s%s", harness_oracle, path + strlen(harness_used)) < 0)
			return NULL;
	} else if (!(s = strdup(path)))
		return NULL;
	if (strncmp(s, "/proc/", 6) == 0 && isdigit((unsigned char)s[6])) {
		size_t n = strspn(s + 6, "0123456789");
		char *t = NULL;

		p = s + 6 + n;
		if (asprintf(&t, "/proc/PID%s", p) < 0)
			t = NULL;
		free(s);
		s = t;
	}
	return s;
}

bool lab_oracle_matches(const struct lab_model *m, const struct lab_oracle *o, const struct lab_where *w,
			const json_t *data, char *why, size_t size)
{
	const json_t *acc = json_object_get(data, "access");
	const char *access = json_string_value(json_object_get(acc, "access"));
	const char *path = json_string_value(json_object_get(acc, "path"));
	const char *used = json_string_value(json_object_get(json_object_get(data, "harness"), "dir"));
	json_t *port = json_object_get(acc, "port");
	_cleanup_free_ char *mine = NULL;
	int a;

	if (!access)
		return true; /* the probe asked nothing (or stopped before asking) */
	a = policy_access_from_name(access);
	if (path && !(mine = comparable(path, used, w->harness)))
		return true; /* out of memory: no verdict */
	for (size_t i = 0; i < o->n; i++) {
		const struct lab_query *q = &o->q[i];
		_cleanup_free_ char *theirs = NULL;

		if (q->kind != LAB_QUERY_ENGINE || (int)q->access != a)
			continue;
		if (q->path) {
			theirs = comparable(q->path, NULL, NULL);
			if (!mine || !theirs || strcmp(mine, theirs) != 0)
				continue;
		}
		if (json_is_integer(port) && q->port >= 0 && json_integer_value(port) != q->port)
			continue;
		if (json_is_integer(port) && q->port < 0 &&
		    listed(m->policy, q->access, (long)json_integer_value(port)) != listed(m->policy, q->access, -1))
			continue;
		return true;
	}
	if (json_is_integer(port))
		(void)snprintf(why, size, "the probe asked the engine about %s port %lld, which the oracle did not predict",
			       access, (long long)json_integer_value(port));
	else
		(void)snprintf(why, size, "the probe asked the engine about %s %s, which the oracle did not predict",
			       access, path ? path : "(no path)");
	return false;
}
