/* Learning a profile from refusals (learn.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "base/path-util.h"
#include "policy/learn.h"

/* One refused path, its refusals added up. */
struct item {
	char *path;
	unsigned acc;
	bool directory;
	unsigned long long count;
};

struct policy_learn {
	const struct policy *base;
	const struct policy_ctx *ctx;
	struct item *items;
	size_t n, alloc;
	struct {
		unsigned acc, port;
		unsigned long long count;
	} ports[32];                  /* refused TCP ports: said, not learned */
	size_t n_ports;
	unsigned long long refusals, quiet;
};

#define OBJECT_ACC                                                                                    \
	(BIT(POLICY_ACCESS_READ) | BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_TRUNCATE) |           \
	 BIT(POLICY_ACCESS_EXEC) | BIT(POLICY_ACCESS_UNIX_CONNECT))
#define ENTRY_ACC (BIT(POLICY_ACCESS_CREATE) | BIT(POLICY_ACCESS_DELETE))
#define WRITING_ACC (BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_TRUNCATE) | ENTRY_ACC)

/* The roots a person writes rules below, most specific first when two
 * hold a path ($CWD inside $HOME). "$HOME/.local" groups a user base
 * (lib, bin) as the XDG directories group theirs. */
static const char *const roots[] = {
	"CWD", "TMPDIR", "PRIVATE_TMP", "LATCH_CACHE", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
	"XDG_DATA_HOME", "XDG_STATE_HOME", "HOME/.local", "HOME",
};

/* Outside the roots: how many components of a top-level directory make
 * an anchor (a device is itself; /proc is one, as its entries are named
 * by pids that change from run to run). */
static const struct {
	const char *top;
	unsigned depth;
} tops[] = {
	{ "/dev", 0 }, { "/proc", 1 }, { "/sys", 3 }, { "/etc", 2 }, { "/opt", 2 }, { "/usr", 3 },
	{ "/var", 3 }, { "/run", 3 },
};

struct policy_learn *policy_learn_new(const struct policy *base, const struct policy_ctx *ctx)
{
	struct policy_learn *l = calloc(1, sizeof(*l));

	if (l) {
		l->base = base;
		l->ctx = ctx;
	}
	return l;
}

struct policy_learn *policy_learn_free(struct policy_learn *l)
{
	if (!l)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].path);
	free(l->items);
	free(l);
	return NULL;
}

int policy_learn_add(struct policy_learn *l, const char *path, unsigned acc, bool directory, bool quiet)
{
	struct item *it = NULL;

	l->refusals++;
	if (quiet) {
		l->quiet++;
		return 0;
	}
	for (size_t i = l->n; i-- > 0;)
		if (strcmp(l->items[i].path, path) == 0) {
			it = &l->items[i];
			break;
		}
	if (!it) {
		if (l->n == l->alloc) {
			struct item *grown = realloc(l->items, (l->alloc = l->alloc ? l->alloc * 2 : 64) * sizeof(*grown));

			if (!grown)
				return -ENOMEM;
			l->items = grown;
		}
		it = &l->items[l->n];
		*it = (struct item){ .path = strdup(path) };
		if (!it->path)
			return -ENOMEM;
		l->n++;
	}
	it->acc |= acc;
	it->directory |= directory;
	it->count++;
	return 0;
}

void policy_learn_add_port(struct policy_learn *l, unsigned acc, unsigned port)
{
	size_t i;

	l->refusals++;
	for (i = 0; i < l->n_ports; i++)
		if (l->ports[i].acc == acc && l->ports[i].port == port)
			break;
	if (i == ELEMENTSOF(l->ports))
		return;
	if (i == l->n_ports)
		l->ports[l->n_ports++] = (typeof(l->ports[0])){ .acc = acc, .port = port };
	l->ports[i].count++;
}

/* ---- where a rule goes ------------------------------------------------------------ */

/* The value of a root ("HOME/.local" is $HOME's value and "/.local"). */
static const char *root_value(const struct policy_ctx *ctx, const char *root, char *buf, size_t size)
{
	const char *slash = strchr(root, '/'), *v;
	char name[32];

	(void)snprintf(name, sizeof(name), "%.*s", slash ? (int)(slash - root) : (int)strlen(root), root);
	v = policy_ctx_var(ctx, name);
	if (!v || v[0] != '/')
		return NULL;
	if (!slash)
		return v;
	(void)snprintf(buf, size, "%s%s", strcmp(v, "/") == 0 ? "" : v, slash);
	return buf;
}

/* The first n components of path into buf; path itself when it has no
 * more. */
static void first_components(const char *path, unsigned n, char *buf, size_t size)
{
	const char *p = path;

	for (unsigned i = 0; i < n && *p; i++) {
		p = strchr(p + 1, '/');
		if (!p) {
			p = path + strlen(path);
			break;
		}
	}
	(void)snprintf(buf, size, "%.*s", (int)(p - path), path);
}

/* Where a refused path is proposed. */
struct anchor {
	char path[PATH_MAX];   /* the directory (or file) a person would write a rule for */
	char root[PATH_MAX];   /* the root it lies in, or "" */
	bool at_root;          /* the path is a root itself */
	bool temp;             /* the root is a temporary directory: what the program makes there is its own */
};

static void anchor_of(const struct policy_learn *l, const char *path, struct anchor *a)
{
	static const char *const temp_dirs[] = { "/tmp", "/var/tmp", "/dev/shm" };
	const char *best = NULL;
	char tmp[PATH_MAX];

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < ELEMENTSOF(roots) + ELEMENTSOF(temp_dirs); i++) {
		bool temp = i >= ELEMENTSOF(roots) || strcmp(roots[i], "TMPDIR") == 0 || strcmp(roots[i], "PRIVATE_TMP") == 0;
		const char *v = i < ELEMENTSOF(roots) ? root_value(l->ctx, roots[i], tmp, sizeof(tmp))
						      : temp_dirs[i - ELEMENTSOF(roots)];

		if (v && strcmp(v, "/") != 0 && path_has_prefix(path, v) && (!best || strlen(v) > strlen(best))) {
			(void)snprintf(a->root, sizeof(a->root), "%s", v);
			best = a->root;
			a->temp = temp;
		}
	}
	if (best) {
		size_t n = strlen(best);

		if (path[n] == '\0') {
			a->at_root = true;
			(void)snprintf(a->path, sizeof(a->path), "%s", path);
			return;
		}
		(void)snprintf(a->path, sizeof(a->path), "%s/%.*s", best, (int)strcspn(path + n + 1, "/"), path + n + 1);
		return;
	}
	for (size_t i = 0; i < ELEMENTSOF(tops); i++)
		if (path_has_prefix(path, tops[i].top)) {
			if (tops[i].depth == 0)
				(void)snprintf(a->path, sizeof(a->path), "%s", path);
			else
				first_components(path, tops[i].depth, a->path, sizeof(a->path));
			return;
		}
	first_components(path, 2, a->path, sizeof(a->path));
}

/* path with the most specific variable put back: "$HOME/.npm". */
static char *pattern_of(const struct policy_learn *l, const char *path, bool make_dir)
{
	static const char *const vars[] = { "CWD", "TMPDIR", "LATCH_CACHE", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
					    "XDG_DATA_HOME", "XDG_STATE_HOME", "HOME" };
	const char *best = NULL, *best_value = NULL;
	char *out = NULL;

	for (size_t i = 0; i < ELEMENTSOF(vars); i++) {
		const char *v = policy_ctx_var(l->ctx, vars[i]);

		if (v && v[0] == '/' && strcmp(v, "/") != 0 && path_has_prefix(path, v) &&
		    (!best_value || strlen(v) > strlen(best_value))) {
			best = vars[i];
			best_value = v;
		}
	}
	if (asprintf(&out, "%s%s%s%s", best ? "$" : "", best ? best : "", best ? path + strlen(best_value) : path,
		     make_dir ? "/" : "") < 0)
		return NULL;
	return out;
}

/* The deny or protect rule that refuses acc on path, or NULL (nothing
 * allowed it: the default). */
static const struct policy_rule *restricting(const struct policy *p, const char *path, unsigned acc)
{
	for (int a = 0; a < _POLICY_ACCESS_MAX; a++) {
		struct policy_query q = { .access = (enum policy_access)a, .path = path, .no_reason = true };
		struct policy_decision d;

		if (!(acc & BIT(a)))
			continue;
		policy_decide(p, &q, &d);
		if (!d.allow && d.rule && policy_class_restricts(d.rule->klass))
			return d.rule;
	}
	return NULL;
}

/* ---- the proposal ----------------------------------------------------------------- */

struct draft {
	struct policy_learn_proposal *p;
	const struct policy_learn *l;
	size_t item;      /* the item being proposed, counting from 1 */
	size_t *counted;  /* per rule: the last item counted in it */
};

static int add_rule(struct draft *d, enum policy_class klass, const char *path, unsigned acc, unsigned long long count,
		    const struct policy_rule *overrides)
{
	struct policy_learn_proposal *p = d->p;
	struct policy_learn_rule *r = NULL;
	char label[600];

	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].klass == klass && strcmp(p->rules[i].path, path) == 0)
			r = &p->rules[i];
	if (!r) {
		struct policy_learn_rule *grown = realloc(p->rules, (p->n_rules + 1) * sizeof(*grown));
		size_t *counted = grown ? realloc(d->counted, (p->n_rules + 1) * sizeof(*counted)) : NULL;

		if (!grown)
			return -ENOMEM;
		p->rules = grown;
		if (!counted)
			return -ENOMEM;
		d->counted = counted;
		d->counted[p->n_rules] = 0;
		r = &p->rules[p->n_rules++];
		*r = (struct policy_learn_rule){ .klass = klass, .path = strdup(path) };
		if (!r->path)
			return -ENOMEM;
	}
	r->acc |= acc;
	/* An item that needs a rule for two reasons counts once. */
	if (d->counted[r - p->rules] != d->item) {
		r->count += count;
		d->counted[r - p->rules] = d->item;
	}
	if (overrides && !r->overrides) {
		r->overrides = strdup(policy_rule_label(overrides, label, sizeof(label)));
		if (!r->overrides)
			return -ENOMEM;
	}
	return 0;
}

static int add_skip(struct draft *d, const struct item *it, unsigned acc, const char *why)
{
	struct policy_learn_proposal *p = d->p;
	struct policy_learn_skip *grown = realloc(p->skips, (p->n_skips + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	p->skips = grown;
	p->skips[p->n_skips] = (struct policy_learn_skip){ .path = strdup(it->path), .acc = acc, .count = it->count,
							   .why = why };
	return p->skips[p->n_skips++].path ? 0 : -ENOMEM;
}

/* The class a rule needs for acc on its own path. */
static enum policy_class object_class(unsigned acc)
{
	if (acc & BIT(POLICY_ACCESS_UNIX_CONNECT))
		return POLICY_CLASS_UNIX_CONNECT;
	if (acc & (BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_TRUNCATE)))
		return POLICY_CLASS_WRITE;
	if (acc & BIT(POLICY_ACCESS_EXEC))
		return POLICY_CLASS_EXEC;
	return POLICY_CLASS_READ;
}

/* Whether the program made anchor (it was refused creating it). */
static bool made_here(const struct policy_learn *l, const char *anchor)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].acc & BIT(POLICY_ACCESS_CREATE) && strcmp(l->items[i].path, anchor) == 0)
			return true;
	return false;
}

/* Rules for one refused path. */
static int propose_item(struct draft *d, const struct item *it)
{
	const struct policy_rule *deny = restricting(d->l->base, it->path, it->acc);
	unsigned obj = it->acc & OBJECT_ACC, entry = it->acc & ENTRY_ACC;
	char parent[PATH_MAX];
	const char *slash = strrchr(it->path, '/'), *anchor;
	struct anchor a;
	bool at_root;
	int r = 0;

	(void)snprintf(parent, sizeof(parent), "%.*s", slash && slash != it->path ? (int)(slash - it->path) : 1,
		       it->path);
	if (deny) {
		bool is_deny = deny->klass == POLICY_CLASS_DENY;

		/* Only a more specific allow overrides a deny; at the same
		 * path an allow wins over protect. */
		if (obj && is_deny && strcmp(it->path, deny->path) == 0)
			r = add_skip(d, it, obj, "it is the denied path itself: a deny wins over an allow of the same path");
		else if (obj)
			r = add_rule(d, object_class(obj), it->path, obj, it->count, deny);
		/* The exec class reads too, and write does not execute. */
		if (r == 0 && obj & BIT(POLICY_ACCESS_EXEC) && object_class(obj) == POLICY_CLASS_WRITE)
			r = add_rule(d, POLICY_CLASS_EXEC, it->path, BIT(POLICY_ACCESS_EXEC), it->count, deny);
		if (r == 0 && entry && is_deny && !(path_has_prefix(parent, deny->path) && strcmp(parent, deny->path) != 0))
			r = add_skip(d, it, entry,
				     "creating or removing it is decided on the denied directory that holds it, which no allow "
				     "can override");
		else if (r == 0 && entry)
			r = add_rule(d, POLICY_CLASS_WRITE, parent, entry, it->count, deny);
		return r;
	}
	anchor_of(d->l, it->path, &a);
	anchor = a.path;
	at_root = a.at_root;
	/* What the program made in a temporary directory is its own: a
	 * scratch rule there gives it that, and no other program's files. */
	if (a.temp && !at_root && made_here(d->l, anchor))
		return add_rule(d, POLICY_CLASS_SCRATCH, a.root, it->acc, it->count, NULL);
	/* A file right in a root that the program would create: nothing but
	 * the whole root would let it, and without it the rest is moot. */
	if (entry & BIT(POLICY_ACCESS_CREATE) && (at_root || (strcmp(anchor, it->path) == 0 && !it->directory)))
		return add_skip(d, it, it->acc,
				"creating it is decided on the directory that holds it, a root ($HOME, $CWD...): a rule "
				"would grant all of it");
	if (obj && at_root && (obj & ~BIT(POLICY_ACCESS_READ)))
		r = add_skip(d, it, obj, "it is a root ($HOME, $CWD...) itself: a rule would grant all of it");
	else if (obj && at_root)
		r = add_rule(d, POLICY_CLASS_LIST, it->path, obj, it->count, NULL);
	else if (obj)
		r = add_rule(d, object_class(obj), anchor, obj, it->count, NULL);
	if (r == 0 && obj & BIT(POLICY_ACCESS_EXEC) && !at_root && object_class(obj) == POLICY_CLASS_WRITE)
		r = add_rule(d, POLICY_CLASS_EXEC, anchor, BIT(POLICY_ACCESS_EXEC), it->count, NULL);
	if (r || !entry)
		return r;
	/* Creating or removing an entry is decided on the directory above
	 * it: the anchor when it lies above, or latch makes the anchor
	 * itself when it is a directory the program makes. */
	if (strcmp(anchor, it->path) != 0 && !at_root)
		return add_rule(d, POLICY_CLASS_WRITE, anchor, entry, it->count, NULL);
	if (!at_root && it->directory && !(entry & BIT(POLICY_ACCESS_DELETE)))
		return add_rule(d, POLICY_CLASS_WRITE, anchor, entry, it->count, NULL);
	return add_skip(d, it, entry,
			"creating or removing it is decided on the directory that holds it, a root ($HOME, $CWD...): a "
			"rule would grant all of it");
}

static int cmp_rules(const void *a, const void *b)
{
	const struct policy_learn_rule *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Whether a write rule's path is a directory: something refused lies
 * below it, or the supervisor saw it is (or is being made) one. */
static bool is_directory(const struct policy_learn *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if ((path_has_prefix(l->items[i].path, path) && strcmp(l->items[i].path, path) != 0) ||
		    (l->items[i].directory && strcmp(l->items[i].path, path) == 0))
			return true;
	return false;
}

int policy_learn_propose(const struct policy_learn *l, struct policy_learn_proposal *ret)
{
	struct policy_learn_proposal p = { .refusals = l->refusals, .quiet = l->quiet };
	struct draft d = { .p = &p, .l = l };
	int r = 0;

	for (size_t i = 0; i < l->n && r == 0; i++) {
		d.item = i + 1;
		r = propose_item(&d, &l->items[i]);
	}
	d.item = 0;
	free(d.counted);
	for (size_t i = 0; i < l->n_ports && r == 0; i++) {
		char port[32];
		const struct item it = { .path = port, .acc = l->ports[i].acc, .count = l->ports[i].count };

		(void)snprintf(port, sizeof(port), "port %u", l->ports[i].port);
		r = add_skip(&d, &it, it.acc,
			     "network ports are not learned: a profile names them in network.connect_tcp or bind_tcp");
	}
	/* A write rule reads too: a read rule on the same path goes. */
	for (size_t i = 0; r == 0 && i < p.n_rules; i++) {
		struct policy_learn_rule *rd = &p.rules[i];

		for (size_t k = 0; rd->klass == POLICY_CLASS_READ && k < p.n_rules; k++)
			if (p.rules[k].klass == POLICY_CLASS_WRITE && strcmp(p.rules[k].path, rd->path) == 0) {
				p.rules[k].acc |= rd->acc;
				p.rules[k].count += rd->count;
				free(rd->path);
				free(rd->overrides);
				p.rules[i--] = p.rules[--p.n_rules];
				break;
			}
	}
	for (size_t i = 0; r == 0 && i < p.n_rules; i++) {
		struct policy_learn_rule *rl = &p.rules[i];

		rl->pattern = pattern_of(l, rl->path, rl->klass == POLICY_CLASS_WRITE && is_directory(l, rl->path));
		if (!rl->pattern)
			r = -ENOMEM;
	}
	if (r < 0) {
		policy_learn_proposal_done(&p);
		return r;
	}
	sort_n(p.rules, p.n_rules, sizeof(*p.rules), cmp_rules);
	*ret = p;
	return 0;
}

void policy_learn_proposal_done(struct policy_learn_proposal *p)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		free(p->rules[i].path);
		free(p->rules[i].pattern);
		free(p->rules[i].overrides);
	}
	for (size_t i = 0; i < p->n_skips; i++)
		free(p->skips[i].path);
	free(p->rules);
	free(p->skips);
	*p = (struct policy_learn_proposal){ 0 };
}

const char *policy_learn_access_list(unsigned acc, char *buf, size_t size)
{
	static const enum policy_access order[] = {
		POLICY_ACCESS_CREATE,   POLICY_ACCESS_DELETE, POLICY_ACCESS_WRITE, POLICY_ACCESS_TRUNCATE,
		POLICY_ACCESS_EXEC,     POLICY_ACCESS_READ,   POLICY_ACCESS_UNIX_CONNECT, POLICY_ACCESS_TCP_CONNECT,
		POLICY_ACCESS_TCP_BIND,
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(order); i++)
		if (acc & BIT(order[i]) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "", policy_access_name(order[i]));
	return buf;
}
