/* Landlock: the policy's filesystem, TCP and scope rules as a ruleset.
 *
 * The fixed order follows the kernel's sample sandboxer: probe the ABI once,
 * start from every right this ABI handles (so whatever the policy does not
 * grant is denied), add one path_beneath rule per allowed path with the rights
 * masked by what is handled, then restrict. */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "sandbox/landlock-uapi.h"
#include "sandbox/landlock.h"

#define FS_ABI1                                                                                          \
	(LL_ACCESS_FS_EXECUTE | LL_ACCESS_FS_WRITE_FILE | LL_ACCESS_FS_READ_FILE | LL_ACCESS_FS_READ_DIR |  \
	 LL_ACCESS_FS_REMOVE_DIR | LL_ACCESS_FS_REMOVE_FILE | LL_ACCESS_FS_MAKE_CHAR |                     \
	 LL_ACCESS_FS_MAKE_DIR | LL_ACCESS_FS_MAKE_REG | LL_ACCESS_FS_MAKE_SOCK | LL_ACCESS_FS_MAKE_FIFO | \
	 LL_ACCESS_FS_MAKE_BLOCK | LL_ACCESS_FS_MAKE_SYM)

/* Rights that make sense on a file (the kernel refuses the others). A unix
 * socket is a file: RESOLVE_UNIX may name one. */
#define FS_FILE_RIGHTS                                                                                   \
	(LL_ACCESS_FS_EXECUTE | LL_ACCESS_FS_WRITE_FILE | LL_ACCESS_FS_READ_FILE | LL_ACCESS_FS_TRUNCATE | \
	 LL_ACCESS_FS_IOCTL_DEV | LL_ACCESS_FS_RESOLVE_UNIX)

#define NET_TCP (LL_ACCESS_NET_BIND_TCP | LL_ACCESS_NET_CONNECT_TCP)

/* The restrict_self() flags latch asks for where the kernel has them. The
 * process that restricts itself runs one thread (and then execs), so TSYNC
 * is a guard against a thread latch does not start, not a need: a kernel
 * without it loses nothing. The audit-log flags are not used: a denial
 * after execve is not logged by default, and latch reports its own. */
#define RESTRICT_FLAGS_USED LL_RESTRICT_SELF_TSYNC

#define ATTR_SIZE_TO(field) (offsetof(struct ll_ruleset_attr, field) + sizeof(__u64))

/* Per ABI, as in the kernel's samples/landlock/sandboxer.c but as data:
 * what each adds, and what a profile loses on a kernel without it. */
const struct landlock_abi_row landlock_abis[] = {
	{ 1, "5.13", FS_ABI1, 0, 0, 0, 0, ATTR_SIZE_TO(handled_access_fs),
	  /* Only this line when Landlock is missing: latch run refuses. */
	  { { LANDLOCK_NEED_ALWAYS, 0,
	      "landlock: not available on this kernel; the filesystem, TCP and scope rules cannot be enforced" } },
	  "filesystem rights", NULL, "the filesystem allow-list" },
	/* Without REFER every rename or link across directories is refused:
	 * stricter, nothing lost. */
	{ 2, "5.19", LL_ACCESS_FS_REFER, 0, 0, 0, 0, ATTR_SIZE_TO(handled_access_fs), { { 0 } }, "refer", NULL,
	  "renames and links across directories where both sides allow them" },
	{ 3, "6.2", LL_ACCESS_FS_TRUNCATE, 0, 0, 0, 0, ATTR_SIZE_TO(handled_access_fs),
	  { { LANDLOCK_NEED_ALWAYS, POLICY_REQUIRE_LANDLOCK_TRUNCATE,
	      "landlock_truncate: Landlock ABI < 3 cannot restrict truncate(); files the user may write can be "
	      "truncated anywhere" } },
	  "truncate", NULL, "truncate() restricted to writable paths" },
	/* With network.mode off seccomp refuses every socket but AF_UNIX:
	 * only a port list is lost. */
	{ 4, "6.7", 0, NET_TCP, 0, 0, 0, ATTR_SIZE_TO(handled_access_net),
	  { { LANDLOCK_NEED_NET_PORTS, POLICY_REQUIRE_LANDLOCK_NET,
	      "landlock_net: Landlock ABI < 4 cannot filter TCP ports; network.connect_tcp and network.bind_tcp "
	      "are not enforced and TCP is open" } },
	  "tcp ports", NULL, "TCP bind and connect port rules" },
	{ 5, "6.10", LL_ACCESS_FS_IOCTL_DEV, 0, 0, 0, 0, ATTR_SIZE_TO(handled_access_net),
	  { { LANDLOCK_NEED_ALWAYS, POLICY_REQUIRE_LANDLOCK_IOCTL_DEV,
	      "landlock_ioctl_dev: Landlock ABI < 5 cannot restrict ioctl() on devices opened inside the "
	      "sandbox" } },
	  "ioctl_dev", NULL, "ioctl() on devices restricted" },
	{ 6, "6.12", 0, 0, LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL, 0, 0, ATTR_SIZE_TO(scoped),
	  { { LANDLOCK_NEED_SCOPE_SIGNALS, POLICY_REQUIRE_LANDLOCK_SCOPES,
	      "landlock_scopes: Landlock ABI < 6 cannot scope signals; processes outside the sandbox can be "
	      "signalled" },
	    { LANDLOCK_NEED_SCOPE_ABSTRACT_UNIX, POLICY_REQUIRE_LANDLOCK_SCOPES,
	      "landlock_scopes: Landlock ABI < 6 cannot scope abstract unix sockets; listeners outside the "
	      "sandbox can be reached" } },
	  "scopes", "signals, abstract unix sockets", "signal and abstract unix socket scoping" },
	/* Audit-log flags: not used (see RESTRICT_FLAGS_USED). */
	{ 7, "6.15", 0, 0, 0,
	  LL_RESTRICT_SELF_LOG_SAME_EXEC_OFF | LL_RESTRICT_SELF_LOG_NEW_EXEC_ON | LL_RESTRICT_SELF_LOG_SUBDOMAINS_OFF,
	  0, ATTR_SIZE_TO(scoped), { { 0 } }, "audit flags", NULL, "audit log controls (not used by latch)" },
	{ 8, "7.0", 0, 0, 0, LL_RESTRICT_SELF_TSYNC, 0, ATTR_SIZE_TO(scoped), { { 0 } }, "tsync", NULL,
	  "restricting all threads at once (the sandboxed process has one when it restricts itself)" },
	/* Without it a supervisor decides connect() to a pathname socket in
	 * every mode (one of connect() alone for an unsupervised run), and
	 * Unix datagram sockets are refused: nothing is lost, so not a line
	 * on each run (it would make --strict refuse every run). */
	{ 9, "7.1", LL_ACCESS_FS_RESOLVE_UNIX, 0, 0, 0, 0, ATTR_SIZE_TO(scoped), { { 0 } }, "resolve_unix", NULL,
	  "the kernel's own decision on connect() and datagrams to pathname unix sockets (here a supervisor "
	  "decides connect(), and Unix datagram sockets are refused)" },
	/* UDP: with network.mode off seccomp already refuses the socket;
	 * with ports the profile names TCP ports only and UDP stays open on
	 * every ABI. Quiet rules only silence the audit log, which latch
	 * does not turn on. */
	{ 10, "7.2", 0, LL_ACCESS_NET_BIND_UDP | LL_ACCESS_NET_CONNECT_SEND_UDP, 0, 0, LL_ADD_RULE_QUIET,
	  ATTR_SIZE_TO(quiet_scoped), { { 0 } }, "udp ports", NULL,
	  "UDP port rules (seccomp holds UDP when the network is off) and quiet rules (not used by latch)" },
};
const size_t landlock_n_abis = ELEMENTSOF(landlock_abis);

/* Landlock rights behind each access of the decision engine. MAKE_CHAR and
 * MAKE_BLOCK are handled but never granted. */
static const uint64_t access_rights[_POLICY_ACCESS_MAX] = {
	[POLICY_ACCESS_READ] = LL_ACCESS_FS_READ_FILE | LL_ACCESS_FS_READ_DIR,
	[POLICY_ACCESS_WRITE] = LL_ACCESS_FS_WRITE_FILE | LL_ACCESS_FS_IOCTL_DEV,
	[POLICY_ACCESS_CREATE] = LL_ACCESS_FS_MAKE_REG | LL_ACCESS_FS_MAKE_DIR | LL_ACCESS_FS_MAKE_SYM |
				 LL_ACCESS_FS_MAKE_SOCK | LL_ACCESS_FS_MAKE_FIFO | LL_ACCESS_FS_REFER,
	[POLICY_ACCESS_DELETE] = LL_ACCESS_FS_REMOVE_FILE | LL_ACCESS_FS_REMOVE_DIR | LL_ACCESS_FS_REFER,
	[POLICY_ACCESS_TRUNCATE] = LL_ACCESS_FS_TRUNCATE,
	[POLICY_ACCESS_EXEC] = LL_ACCESS_FS_EXECUTE,
	/* Connecting to a pathname socket, or sending it a datagram. */
	[POLICY_ACCESS_UNIX_CONNECT] = LL_ACCESS_FS_RESOLVE_UNIX,
};

static const struct {
	uint64_t bit;
	const char *name;
} fs_right_names[] = {
	{ LL_ACCESS_FS_EXECUTE, "execute" },       { LL_ACCESS_FS_WRITE_FILE, "write_file" },
	{ LL_ACCESS_FS_READ_FILE, "read_file" },   { LL_ACCESS_FS_READ_DIR, "read_dir" },
	{ LL_ACCESS_FS_REMOVE_DIR, "remove_dir" }, { LL_ACCESS_FS_REMOVE_FILE, "remove_file" },
	{ LL_ACCESS_FS_MAKE_CHAR, "make_char" },   { LL_ACCESS_FS_MAKE_DIR, "make_dir" },
	{ LL_ACCESS_FS_MAKE_REG, "make_reg" },     { LL_ACCESS_FS_MAKE_SOCK, "make_sock" },
	{ LL_ACCESS_FS_MAKE_FIFO, "make_fifo" },   { LL_ACCESS_FS_MAKE_BLOCK, "make_block" },
	{ LL_ACCESS_FS_MAKE_SYM, "make_sym" },     { LL_ACCESS_FS_REFER, "refer" },
	{ LL_ACCESS_FS_TRUNCATE, "truncate" },     { LL_ACCESS_FS_IOCTL_DEV, "ioctl_dev" },
	{ LL_ACCESS_FS_RESOLVE_UNIX, "resolve_unix" },
};

int landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? -errno : (int)abi;
}

static uint64_t class_rights(enum policy_class c)
{
	unsigned grants = policy_class_grants(c);
	uint64_t rights = 0;

	for (int a = 0; a < _POLICY_ACCESS_MAX; a++)
		if (grants & (1u << a))
			rights |= access_rights[a];
	return rights;
}

static int degrade(struct landlock_plan *plan, unsigned bit, const char *line)
{
	size_t n = strv_length(plan->degraded);

	if (n >= ELEMENTSOF(plan->degraded_bit))
		return -ENOBUFS;
	plan->degraded_bit[n] = bit;
	plan->degraded_required |= bit;
	return strv_push(&plan->degraded, line);
}

static bool needed(const struct policy *p, enum landlock_need need)
{
	switch (need) {
	case LANDLOCK_NEED_ALWAYS:
		return true;
	case LANDLOCK_NEED_NET_PORTS:
		return p->net.mode == POLICY_NET_PORTS;
	case LANDLOCK_NEED_SCOPE_SIGNALS:
		return p->process.scope_signals;
	case LANDLOCK_NEED_SCOPE_ABSTRACT_UNIX:
		return p->process.scope_abstract_unix;
	}
	return true;
}

/* What each ABI above the plan's costs this profile, in ABI order. */
static int compile_degradations(const struct policy *p, struct landlock_plan *plan)
{
	for (size_t i = (size_t)plan->abi; i < landlock_n_abis; i++) {
		const struct landlock_abi_row *row = &landlock_abis[i];

		for (size_t k = 0; k < ELEMENTSOF(row->degraded); k++) {
			const struct landlock_degradation *d = &row->degraded[k];
			int r;

			if (!d->line || !needed(p, d->need))
				continue;
			r = degrade(plan, d->require, d->line);
			if (r < 0)
				return r;
		}
		/* Without Landlock the run refuses: one line says it all. */
		if (row->abi == 1)
			break;
	}
	return 0;
}

/* What the ruleset handles: every right of every ABI up to the plan's (so
 * whatever the policy does not grant is denied), but only the network and
 * scopes the profile restricts. */
static void compile_handled(const struct policy *p, struct landlock_plan *plan)
{
	uint64_t net = 0, scopes = 0;
	uint32_t flags = 0;

	for (size_t i = 0; i < landlock_n_abis && landlock_abis[i].abi <= plan->abi; i++) {
		plan->handled_fs |= landlock_abis[i].fs;
		net |= landlock_abis[i].net;
		scopes |= landlock_abis[i].scopes;
		flags |= landlock_abis[i].restrict_flags;
		plan->attr_size = landlock_abis[i].attr_size;
	}
	switch (p->net.mode) {
	case POLICY_NET_OFF:
		plan->handled_net = net;
		break;
	case POLICY_NET_PORTS:
		/* Profiles list TCP ports only: UDP is not handled. */
		plan->handled_net = net & NET_TCP;
		break;
	case POLICY_NET_PROXY:
		/* Everything handled; TCP connect to the proxy's port only
		 * (landlock_plan_set_proxy_port). */
		plan->handled_net = net;
		break;
	case POLICY_NET_ON:
	case _POLICY_NET_MAX:
		break;
	}
	if (p->process.scope_signals)
		plan->scoped |= scopes & LL_SCOPE_SIGNAL;
	if (p->process.scope_abstract_unix)
		plan->scoped |= scopes & LL_SCOPE_ABSTRACT_UNIX_SOCKET;
	plan->restrict_flags = flags & RESTRICT_FLAGS_USED;
}

/* A deny rule strictly inside a path that an allow rule grants cannot be
 * written in Landlock: rights only ever add up along a path. Nor can a
 * protect rule inside (or at) a path that grants writing. */
static int compile_conflicts(const struct policy *p, struct landlock_plan *plan)
{
	const unsigned reading = policy_class_grants(POLICY_CLASS_EXEC);

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *d = &p->rules[i];
		const struct policy_rule *nearest = NULL;
		char dl[512], al[512], *line = NULL;

		if (!policy_class_restricts(d->klass) ||
		    (d->klass == POLICY_CLASS_PROTECT && policy_protect_overridden(p, d)))
			continue;
		/* Rules are deepest first: the first enclosing allow is the
		 * nearest one, the most useful to name; every enclosing allow
		 * adds to what Landlock grants there. */
		for (size_t j = 0; j < p->n_rules; j++) {
			const struct policy_rule *a = &p->rules[j];
			unsigned taken;

			/* A list rule grants nothing below its directory, nor
			 * does an allow that a deny at its path shadows (which
			 * covers a deny at the allow's own path); a private
			 * directory is an empty one of the sandbox's own, where
			 * the host's denied paths are not (its rules are
			 * dropped in the static mode). */
			if (policy_class_restricts(a->klass) || a->klass == POLICY_CLASS_LIST ||
			    a->klass == POLICY_CLASS_SCRATCH || a->klass == POLICY_CLASS_PRIVATE || a->depth > d->depth ||
			    !path_has_prefix(d->path, a->path) || policy_allow_shadowed(p, a))
				continue;
			taken = policy_class_grants(a->klass) & (d->klass == POLICY_CLASS_DENY ? ~0u : ~reading);
			if (!taken)
				continue;
			plan->inexact |= taken;
			if (!nearest)
				nearest = a;
		}
		if (!nearest)
			continue;
		if (asprintf(&line, "%s rule %s (%s) lies inside %s rule %s (%s); Landlock cannot take a path away "
				    "from an allowed directory",
			     policy_class_name(d->klass), policy_rule_label(d, dl, sizeof(dl)), d->path,
			     policy_class_name(nearest->klass), policy_rule_label(nearest, al, sizeof(al)),
			     nearest->path) < 0)
			return -ENOMEM;
		{
			size_t n = strv_length(plan->conflicts);
			const struct policy_rule **nr = realloc(plan->conflict_rules, (n + 1) * sizeof(*nr));

			if (!nr) {
				free(line);
				return -ENOMEM;
			}
			plan->conflict_rules = nr;
			nr[n] = d;
		}
		if (strv_consume(&plan->conflicts, line) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int compile_paths(const struct policy *p, struct landlock_plan *plan)
{
	plan->paths = calloc(p->n_rules ? p->n_rules : 1, sizeof(*plan->paths));
	if (!plan->paths)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *a = &p->rules[i];
		struct landlock_path *lp = NULL;

		/* Landlock would grant a list rule's whole tree: the supervisor
		 * gives it instead. */
		if (policy_class_restricts(a->klass) || a->klass == POLICY_CLASS_LIST ||
		    a->klass == POLICY_CLASS_SCRATCH || policy_allow_shadowed(p, a))
			continue;
		for (size_t k = 0; k < plan->n_paths; k++)
			if (strcmp(plan->paths[k].path, a->path) == 0)
				lp = &plan->paths[k];
		if (!lp) {
			lp = &plan->paths[plan->n_paths++];
			lp->path = strdup(a->path);
			lp->rule = a;
			lp->fd = -1;
			if (!lp->path)
				return -ENOMEM;
		}
		lp->access |= class_rights(a->klass) & plan->handled_fs;
	}
	return 0;
}

int landlock_compile(const struct policy *p, int abi, struct landlock_plan **ret, struct error *err)
{
	struct landlock_plan *plan = calloc(1, sizeof(*plan));
	int r;

	if (!plan)
		return error_set(err, ENOMEM, "out of memory");
	plan->abi = abi > 0 ? abi : 0;
	compile_handled(p, plan);
	if (plan->handled_net & NET_TCP && p->net.mode == POLICY_NET_PORTS) {
		memcpy(plan->connect, p->net.connect, sizeof(plan->connect));
		plan->n_connect = p->net.n_connect;
		memcpy(plan->bind, p->net.bind, sizeof(plan->bind));
		plan->n_bind = p->net.n_bind;
	}
	r = compile_paths(p, plan);
	if (r == 0)
		r = compile_degradations(p, plan);
	if (r == 0)
		r = compile_conflicts(p, plan);
	if (r < 0) {
		landlock_plan_free(plan);
		return error_set(err, -r, "out of memory");
	}
	*ret = plan;
	return 0;
}

int landlock_prepare(struct landlock_plan *plan, struct error *err)
{
	for (size_t i = 0; i < plan->n_paths; i++) {
		struct landlock_path *lp = &plan->paths[i];
		struct stat st;

		if (lp->fd >= 0 || lp->missing)
			continue;
		lp->fd = open(lp->path, O_PATH | O_CLOEXEC);
		if (lp->fd < 0) {
			/* Allowing less than asked is safe: the path is
			 * recorded as skipped and stays denied. */
			if (errno == ENOENT || errno == ENOTDIR || errno == EACCES) {
				lp->missing = true;
				continue;
			}
			return error_set(err, errno, "cannot open '%s' for a Landlock rule: %s", lp->path,
					 strerror(errno));
		}
		if (fstat(lp->fd, &st) < 0)
			return error_set(err, errno, "cannot stat '%s': %s", lp->path, strerror(errno));
		lp->is_dir = S_ISDIR(st.st_mode);
		if (!lp->is_dir)
			lp->access &= FS_FILE_RIGHTS;
	}
	return 0;
}

int landlock_reopen_under(struct landlock_plan *plan, const char *prefix, struct error *err)
{
	for (size_t i = 0; i < plan->n_paths; i++) {
		struct landlock_path *lp = &plan->paths[i];

		if (!path_has_prefix(lp->path, prefix))
			continue;
		if (lp->fd >= 0)
			(void)close(lp->fd);
		lp->fd = -1;
		lp->missing = false;
	}
	return landlock_prepare(plan, err);
}

int landlock_apply(const struct landlock_plan *plan, struct error *err)
{
	struct ll_ruleset_attr attr = {
		.handled_access_fs = plan->handled_fs,
		.handled_access_net = plan->handled_net,
		.scoped = plan->scoped,
	};
	_cleanup_close_ int fd = -EBADF;

	if (plan->abi < 1)
		return error_set(err, EOPNOTSUPP, "Landlock is not available on this kernel");
	/* Pass only the fields this ABI knows: an older kernel refuses a larger
	 * struct whose extra fields are not zero, and E2BIG is not helpful. */
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, plan->attr_size, 0);
	if (fd < 0)
		return error_set(err, errno, "cannot create the Landlock ruleset: %s", strerror(errno));
	for (size_t i = 0; i < plan->n_paths; i++) {
		const struct landlock_path *lp = &plan->paths[i];
		struct ll_path_beneath_attr pb = { .allowed_access = lp->access, .parent_fd = lp->fd };

		if (lp->missing || lp->access == 0)
			continue;
		if (lp->fd < 0)
			return error_set(err, EBADF, "Landlock rule for '%s' was not prepared", lp->path);
		if (syscall(SYS_landlock_add_rule, fd, LL_RULE_PATH_BENEATH, &pb, 0) < 0)
			return error_set(err, errno, "cannot add the Landlock rule for '%s': %s", lp->path,
					 strerror(errno));
	}
	for (size_t i = 0; plan->handled_net && i < plan->n_connect + plan->n_bind; i++) {
		bool connect = i < plan->n_connect;
		struct ll_net_port_attr np = {
			.allowed_access = connect ? LL_ACCESS_NET_CONNECT_TCP : LL_ACCESS_NET_BIND_TCP,
			.port = connect ? plan->connect[i] : plan->bind[i - plan->n_connect],
		};

		if (syscall(SYS_landlock_add_rule, fd, LL_RULE_NET_PORT, &np, 0) < 0)
			return error_set(err, errno, "cannot add the Landlock rule for TCP port %llu: %s",
					 (unsigned long long)np.port, strerror(errno));
	}
	if (syscall(SYS_landlock_restrict_self, fd, plan->restrict_flags) < 0)
		return error_set(err, errno, "cannot enforce the Landlock ruleset: %s", strerror(errno));
	return 0;
}

bool landlock_plan_handles(const struct landlock_plan *plan, enum policy_access a)
{
	if (!plan || plan->abi < 1)
		return false;
	switch (a) {
	case POLICY_ACCESS_READ:
	case POLICY_ACCESS_WRITE:
	case POLICY_ACCESS_CREATE:
	case POLICY_ACCESS_DELETE:
	case POLICY_ACCESS_TRUNCATE:
	case POLICY_ACCESS_EXEC:
	case POLICY_ACCESS_UNIX_CONNECT:
		return plan->handled_fs & access_rights[a];
	case POLICY_ACCESS_TCP_CONNECT:
		return plan->handled_net & LL_ACCESS_NET_CONNECT_TCP;
	case POLICY_ACCESS_TCP_BIND:
		return plan->handled_net & LL_ACCESS_NET_BIND_TCP;
	case POLICY_ACCESS_SIGNAL:
		return plan->scoped & LL_SCOPE_SIGNAL;
	case POLICY_ACCESS_ABSTRACT_UNIX:
		return plan->scoped & LL_SCOPE_ABSTRACT_UNIX_SOCKET;
	case POLICY_ACCESS_PTRACE:
	case POLICY_ACCESS_USERNS:
		return true;
	case POLICY_ACCESS_NET_CONNECT:
	case _POLICY_ACCESS_MAX:
		break;
	}
	return false;
}

void landlock_plan_set_proxy_port(struct landlock_plan *plan, uint16_t port)
{
	plan->n_connect = 0;
	if (port && (plan->handled_net & LL_ACCESS_NET_CONNECT_TCP))
		plan->connect[plan->n_connect++] = port;
}

struct landlock_plan *landlock_plan_free(struct landlock_plan *plan)
{
	if (!plan)
		return NULL;
	for (size_t i = 0; i < plan->n_paths; i++) {
		free(plan->paths[i].path);
		if (plan->paths[i].fd >= 0)
			(void)close(plan->paths[i].fd);
	}
	free(plan->paths);
	strv_free(plan->degraded);
	strv_free(plan->conflicts);
	free(plan->conflict_rules);
	free(plan);
	return NULL;
}

json_t *landlock_fs_rights_to_json(uint64_t mask)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ELEMENTSOF(fs_right_names); i++)
		if (mask & fs_right_names[i].bit)
			(void)json_array_append_new(a, json_str(fs_right_names[i].name));
	return a;
}

json_t *landlock_plan_to_json(const struct landlock_plan *plan)
{
	json_t *o = json_object(), *rules = json_array(), *net = json_object(), *scoped = json_array();

	for (size_t i = 0; i < plan->n_paths; i++) {
		const struct landlock_path *lp = &plan->paths[i];
		json_t *r = json_object();
		char label[512];

		json_set(r, "path", json_str(lp->path));
		json_set(r, "rights", landlock_fs_rights_to_json(lp->access));
		json_set(r, "rule", json_str(policy_rule_label(lp->rule, label, sizeof(label))));
		json_set(r, "skipped", lp->missing ? json_str("does not exist or cannot be opened") : json_null());
		(void)json_array_append_new(rules, r);
	}
	json_set(net, "handled", json_boolean(plan->handled_net != 0));
	json_set(net, "connect_tcp", json_ports(plan->connect, plan->n_connect));
	json_set(net, "bind_tcp", json_ports(plan->bind, plan->n_bind));
	if (plan->scoped & LL_SCOPE_SIGNAL)
		(void)json_array_append_new(scoped, json_str("signal"));
	if (plan->scoped & LL_SCOPE_ABSTRACT_UNIX_SOCKET)
		(void)json_array_append_new(scoped, json_str("abstract_unix_socket"));

	json_set(o, "abi", json_integer(plan->abi));
	json_set(o, "handled_fs", landlock_fs_rights_to_json(plan->handled_fs));
	json_set(o, "rules", rules);
	json_set(o, "net", net);
	json_set(o, "scoped", scoped);
	json_set(o, "degraded", json_strv(plan->degraded));
	json_set(o, "conflicts", json_strv(plan->conflicts));
	return o;
}
