/* Landlock: the policy's filesystem, TCP and scope rules as a ruleset.
 *
 * The fixed order follows the kernel's sample sandboxer: probe the ABI once,
 * start from every right this ABI handles (so whatever the policy does not
 * grant is denied), add one path_beneath rule per allowed path with the rights
 * masked by what is handled, then restrict. */
#include <fcntl.h>
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

/* Rights that make sense on a file (the kernel refuses the others). */
#define FS_FILE_RIGHTS                                                                                   \
	(LL_ACCESS_FS_EXECUTE | LL_ACCESS_FS_WRITE_FILE | LL_ACCESS_FS_READ_FILE | LL_ACCESS_FS_TRUNCATE | \
	 LL_ACCESS_FS_IOCTL_DEV)

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

static uint64_t handled_fs_for(int abi)
{
	/* Starts at ABI 1 and adds what each later ABI brings. */
	uint64_t h = FS_ABI1;

	if (abi >= 2)
		h |= LL_ACCESS_FS_REFER;
	if (abi >= 3)
		h |= LL_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		h |= LL_ACCESS_FS_IOCTL_DEV;
	return abi >= 1 ? h : 0;
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

static int compile_degradations(const struct policy *p, struct landlock_plan *plan)
{
	int abi = plan->abi;
	int r = 0;

	if (abi < 1)
		return degrade(plan, 0, "landlock: not available on this kernel; the filesystem, TCP and scope "
					"rules cannot be enforced");
	if (abi < 3)
		r = degrade(plan, POLICY_REQUIRE_LANDLOCK_TRUNCATE,
			    "landlock_truncate: Landlock ABI < 3 cannot restrict truncate(); files the user may "
			    "write can be truncated anywhere");
	if (r == 0 && abi < 4 && p->net.mode == POLICY_NET_PORTS)
		r = degrade(plan, POLICY_REQUIRE_LANDLOCK_NET,
			    "landlock_net: Landlock ABI < 4 cannot filter TCP ports; network.connect_tcp and "
			    "network.bind_tcp are not enforced and TCP is open");
	if (r == 0 && abi < 5)
		r = degrade(plan, POLICY_REQUIRE_LANDLOCK_IOCTL_DEV,
			    "landlock_ioctl_dev: Landlock ABI < 5 cannot restrict ioctl() on devices opened "
			    "inside the sandbox");
	if (r == 0 && abi < 6 && p->process.scope_signals)
		r = degrade(plan, POLICY_REQUIRE_LANDLOCK_SCOPES,
			    "landlock_scopes: Landlock ABI < 6 cannot scope signals; processes outside the "
			    "sandbox can be signalled");
	if (r == 0 && abi < 6 && p->process.scope_abstract_unix)
		r = degrade(plan, POLICY_REQUIRE_LANDLOCK_SCOPES,
			    "landlock_scopes: Landlock ABI < 6 cannot scope abstract unix sockets; listeners "
			    "outside the sandbox can be reached");
	return r;
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

			/* A list rule grants nothing below its directory. */
			if (policy_class_restricts(a->klass) || a->klass == POLICY_CLASS_LIST ||
			    a->klass == POLICY_CLASS_SCRATCH || a->depth > d->depth ||
			    (a->depth == d->depth && d->klass == POLICY_CLASS_DENY) || !path_has_prefix(d->path, a->path))
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
		bool shadowed = false;

		/* Landlock would grant a list rule's whole tree: the supervisor
		 * gives it instead. */
		if (policy_class_restricts(a->klass) || a->klass == POLICY_CLASS_LIST || a->klass == POLICY_CLASS_SCRATCH)
			continue;
		/* A deny at the very same path wins (equal specificity). */
		for (size_t j = 0; j < p->n_rules; j++)
			if (p->rules[j].klass == POLICY_CLASS_DENY && strcmp(p->rules[j].path, a->path) == 0)
				shadowed = true;
		if (shadowed)
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
	plan->handled_fs = handled_fs_for(plan->abi);
	if (plan->abi >= 4 && p->net.mode != POLICY_NET_ON) {
		plan->handled_net = LL_ACCESS_NET_BIND_TCP | LL_ACCESS_NET_CONNECT_TCP;
		if (p->net.mode == POLICY_NET_PORTS) {
			memcpy(plan->connect, p->net.connect, sizeof(plan->connect));
			plan->n_connect = p->net.n_connect;
			memcpy(plan->bind, p->net.bind, sizeof(plan->bind));
			plan->n_bind = p->net.n_bind;
		}
	}
	if (plan->abi >= 6) {
		if (p->process.scope_signals)
			plan->scoped |= LL_SCOPE_SIGNAL;
		if (p->process.scope_abstract_unix)
			plan->scoped |= LL_SCOPE_ABSTRACT_UNIX_SOCKET;
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
	/* Pass only the fields this ABI knows: an older kernel refuses a larger
	 * struct whose extra fields are not zero, and E2BIG is not helpful. */
	size_t size = plan->abi >= 6 ? sizeof(attr) : plan->abi >= 4 ? 2 * sizeof(__u64) : sizeof(__u64);
	_cleanup_close_ int fd = -EBADF;

	if (plan->abi < 1)
		return error_set(err, EOPNOTSUPP, "Landlock is not available on this kernel");
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
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
	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0)
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
		return true;
	case _POLICY_ACCESS_MAX:
		break;
	}
	return false;
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
