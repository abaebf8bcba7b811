/* Profiles and the one decision engine.
 *
 * A profile (JSON) is loaded with its `extends` chain and `groups`, its
 * variables expanded and its paths resolved, into a struct policy. Every
 * question about what the sandbox allows -- from the Landlock compiler,
 * `latch why`, and later the supervisor and the lab's oracle -- is answered
 * by policy_decide(). This layer performs no system calls beyond reading
 * profile files (and writing one, to save grants: save.h): path resolution
 * is a callback the caller supplies.
 *
 * Precedence: among the rules that match a path and speak about the access
 * asked for (allow rules that grant it, and every deny rule), the most
 * specific path wins; at equal specificity deny wins; no rule: deny.
 * Creating or deleting X is decided on the directory that holds X, as the
 * kernel does, except that a deny rule at or below X denies it. */
#ifndef LATCH_POLICY_POLICY_H
#define LATCH_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/macro.h"

#define POLICY_EXTENDS_MAX 8        /* longest extends chain, the profile included */
#define POLICY_RULES_MAX 4096       /* filesystem rules after merging */
#define POLICY_FILE_MAX (1 << 20)   /* largest profile or group file, bytes */
#define POLICY_PORTS_MAX 256        /* ports per network list */
#define POLICY_HOSTS_MAX 1024       /* network.hosts and deny_hosts entries after merging */
#define POLICY_HOST_MAX 253         /* longest host name (DNS), without a trailing dot */

/* Filesystem rule classes, as written under "filesystem" in a profile. */
enum policy_class {
	POLICY_CLASS_DENY,   /* nothing, and cuts through less specific allows */
	POLICY_CLASS_READ,   /* read files, list directories */
	POLICY_CLASS_EXEC,   /* read + execute */
	POLICY_CLASS_CREATE, /* read + write + create; never delete, rename away, truncate */
	POLICY_CLASS_WRITE,  /* everything but execute */
	/* Code that runs later: never written, created, truncated, deleted
	 * or renamed, nor any ancestor removed or renamed away; read and
	 * execute as the enclosing rules say. Cuts through less specific
	 * allows like deny, for the writing accesses only. */
	POLICY_CLASS_PROTECT,
	/* List the entries of exactly this directory, nothing below it (ls /,
	 * a scan of /etc). Landlock cannot grant a directory without what is
	 * beneath, so only the supervisor gives it: without one it stays
	 * refused, the safe side. */
	POLICY_CLASS_LIST,
	/* Write (everything but execute) in an empty directory of the
	 * sandbox's own, mounted over this path in the isolated mode and gone
	 * at exit (/dev/shm: POSIX semaphores for Python's multiprocessing).
	 * Without namespaces it cannot be made private: the rule is dropped
	 * and the run says so. */
	POLICY_CLASS_PRIVATE,
	/* Create new entries directly in this directory (a shared /tmp);
	 * what the program made there is then its own, to use and remove,
	 * while what others left there stays out of reach. Only a supervisor
	 * can tell the two apart: without one it stays refused. */
	POLICY_CLASS_SCRATCH,
	/* Connect (or send datagrams) to the pathname Unix socket at this
	 * path, or to any socket below this directory; nothing else. A
	 * socket is a door to a service outside the sandbox (docker.sock is
	 * root on the host), so none is reachable unless named here or
	 * lying where the program may write. */
	POLICY_CLASS_UNIX_CONNECT,
	_POLICY_CLASS_MAX,
};

/* Whether a class takes accesses away (deny, protect) rather than granting
 * them. */
bool policy_class_restricts(enum policy_class c);


/* What a process may ask to do; fs accesses carry a path, tcp a port. */
enum policy_access {
	POLICY_ACCESS_READ,          /* read a file or list a directory */
	POLICY_ACCESS_WRITE,         /* write to an existing file */
	POLICY_ACCESS_CREATE,        /* create a file, directory, link, fifo or socket */
	POLICY_ACCESS_DELETE,        /* remove an entry, or rename it away */
	POLICY_ACCESS_TRUNCATE,      /* truncate a file */
	POLICY_ACCESS_EXEC,          /* execute a file */
	POLICY_ACCESS_TCP_CONNECT,   /* connect a TCP socket to a port */
	POLICY_ACCESS_TCP_BIND,      /* bind a TCP socket to a port */
	POLICY_ACCESS_SIGNAL,        /* signal a process outside the sandbox */
	POLICY_ACCESS_ABSTRACT_UNIX, /* connect to an abstract unix socket outside */
	POLICY_ACCESS_PTRACE,        /* ptrace or read/write another process's memory */
	POLICY_ACCESS_USERNS,        /* create a user namespace (a sandbox of the program's own) */
	POLICY_ACCESS_UNIX_CONNECT,  /* connect to a pathname unix socket */
	POLICY_ACCESS_NET_CONNECT,   /* reach HOST:PORT outside (through the proxy in mode proxy) */
	_POLICY_ACCESS_MAX,
};

/* The enforcement layer that carries a decision out. */
enum policy_layer {
	POLICY_LAYER_NONE,       /* nothing to enforce: allowed */
	POLICY_LAYER_LANDLOCK,
	POLICY_LAYER_SECCOMP,
	POLICY_LAYER_PROXY,      /* latch's egress proxy, outside the sandbox (network.mode proxy) */
	_POLICY_LAYER_MAX,
};

enum policy_net_mode {
	POLICY_NET_OFF,   /* no sockets but AF_UNIX */
	POLICY_NET_ON,    /* unrestricted */
	POLICY_NET_PORTS, /* TCP connect/bind only to listed ports */
	/* Out only through latch's proxy, which decides each connection on
	 * the host name the program asked for (network.hosts); the sandbox
	 * has no other route. */
	POLICY_NET_PROXY,
	_POLICY_NET_MAX,
};

/* Whether a supervisor watches the sandbox (see README, "Supervision"). */
enum policy_supervise {
	POLICY_SUPERVISE_OFF,  /* no supervisor: the kernel layers alone */
	POLICY_SUPERVISE_DENY, /* a supervisor enforces and records; nobody is asked */
	POLICY_SUPERVISE_ASK,  /* ...and asks at the terminal when there is one */
	_POLICY_SUPERVISE_MAX,
};

/* Protections a profile may mark "required": a run refuses to start when the
 * kernel cannot give one of them, instead of degrading. */
enum policy_require {
	POLICY_REQUIRE_LANDLOCK_TRUNCATE = 1u << 0,
	POLICY_REQUIRE_LANDLOCK_NET = 1u << 1,
	POLICY_REQUIRE_LANDLOCK_IOCTL_DEV = 1u << 2,
	POLICY_REQUIRE_LANDLOCK_SCOPES = 1u << 3,
	POLICY_REQUIRE_NAMESPACES = 1u << 4,    /* user, mount, pid, ipc, uts (+net) */
	POLICY_REQUIRE_CGROUP_LIMITS = 1u << 5, /* limits.memory and limits.pids */
};

/* Resource limits; -1: not set. core defaults to 0 (no core dumps). */
struct policy_limits {
	long long nofile; /* RLIMIT_NOFILE */
	long long nproc;  /* RLIMIT_NPROC */
	long long core;   /* RLIMIT_CORE, bytes */
	long long fsize;  /* RLIMIT_FSIZE, bytes */
	long long memory; /* cgroup v2 memory.max, bytes */
	long long pids;   /* cgroup v2 pids.max */
};

struct policy_rule {
	char *path;            /* absolute, resolved, normalized */
	char *pattern;         /* as written, e.g. "$HOME/.ssh" */
	char *origin;          /* "profile agent" or "group deny_credentials" */
	enum policy_class klass;
	unsigned depth;        /* path_depth(path): specificity */
	/* Written with a trailing '/' in a write or create rule: a directory
	 * that latch creates (mode 0700, with its missing parents) when a run
	 * starts and it does not exist. */
	bool make_dir;
	/* A deny from filesystem.deny_quietly: what tools write as a matter
	 * of course (histories, editor state) and nobody would grant. Refused
	 * like any deny; under a supervisor a refused write there is never
	 * asked about nor summarized (the events record it). */
	bool quiet;
};

/* What a host is, as the proxy and network.hosts see it. */
enum policy_host_kind {
	POLICY_HOST_NAME, /* a DNS name: lower case, no trailing dot */
	POLICY_HOST_IPV4, /* an IPv4 literal, dotted quad as inet_ntop writes it */
	POLICY_HOST_IPV6, /* an IPv6 literal, without brackets, as inet_ntop writes it */
	_POLICY_HOST_KIND_MAX,
};

/* A host, checked and in its one canonical form (policy_host_parse). */
struct policy_host {
	char name[POLICY_HOST_MAX + 1];
	enum policy_host_kind kind;
	bool wildcard; /* "*.example.org": the subdomains of name, never name itself */
};

/* One entry of network.hosts or network.deny_hosts. */
struct policy_host_rule {
	char *pattern;    /* as written: "*.github.com", "[::1]:8443" */
	char *origin;     /* "profile claude-code", "group package_registries", "--allow-host" */
	struct policy_host host;
	uint16_t port;    /* 0: the default ports, 443 and 80 */
	bool deny;        /* from network.deny_hosts */
	unsigned labels;  /* the labels of host.name: a wildcard's specificity */
};

/* network.resolve: a name the proxy resolves to this address itself. */
struct policy_resolve {
	char *name;       /* canonical, as policy_host_parse() writes it */
	char *address;    /* an IPv4 or IPv6 literal, canonical */
};

struct policy_net {
	enum policy_net_mode mode;
	uint16_t connect[POLICY_PORTS_MAX];
	size_t n_connect;
	uint16_t bind[POLICY_PORTS_MAX];
	size_t n_bind;
	/* Mode proxy. Entries add up along extends and groups (unlike the
	 * rest of network, which a profile replaces as a whole). */
	struct policy_host_rule *hosts;
	size_t n_hosts;
	struct policy_resolve *resolve;
	size_t n_resolve;
	/* Unix datagram sockets may be made: their sends to a pathname
	 * socket are decided by Landlock (ABI >= 9) or by nobody. */
	bool unix_datagram;
};

struct policy_process {
	bool scope_signals;       /* signals only to processes inside */
	bool scope_abstract_unix; /* abstract unix sockets only inside */
	bool ptrace;              /* ptrace and process_vm_* allowed */
	bool nested_sandbox;      /* user namespaces allowed: the program's own sandbox inside */
	/* process.capabilities: capabilities kept beyond the file-work set
	 * (a bit per CAP_* number), for a caller that holds them. */
	uint64_t capabilities;
};

/* A capability's name as profiles write it ("net_raw", "sys_time": the
 * CAP_ name in lower case, without the prefix) and its number; NULL and
 * -EINVAL when unknown. */
const char *policy_cap_name(int cap);
int policy_cap_from_name(const char *name);

struct policy_env_rules {
	char **keep;  /* globs; NULL: keep every variable */
	char **drop;  /* globs; applied after keep, so drop wins */
	char **set;   /* "NAME=value", values expanded; applied last */
};

struct policy {
	char *name;
	char *description;
	char *source;             /* "builtin" or the file it was read from */
	char **chain;             /* the profile, then what it extends, in order */
	char **groups;            /* groups used, in order of first use */
	struct policy_rule *rules; /* sorted: deepest first, deny before allow */
	size_t n_rules;
	struct policy_net net;
	struct policy_process process;
	struct policy_env_rules env;
	struct policy_limits limits;
	enum policy_supervise supervise;
	unsigned required;        /* enum policy_require bits */
	bool uses_private_tmp;    /* some rule or env value names $PRIVATE_TMP */
	/* filesystem.protect_in_projects / protect_in_repositories: relative
	 * paths protected in every project root and in every git repository
	 * that exists when the run starts (see policy_ctx.find_repositories).
	 * Expanded into protect rules when the profile loads. */
	char **protect_in_projects;
	char **protect_in_repositories;
	/* A writable directory whose search for repositories stopped at its
	 * bounds (repositories deeper in it are not protected); NULL: none. */
	char *protect_search_truncated;
};

/* A variable that profiles may use as $NAME or ${NAME}. A NULL value means
 * "known but not set": using it is an error that names it. */
struct policy_var {
	const char *name;
	const char *value;
};

/* What loading needs from the outside world. */
struct policy_ctx {
	const struct policy_var *vars;
	size_t n_vars;
	/* Directory holding the user's profiles/ and groups/ (normally
	 * $XDG_CONFIG_HOME/latch); NULL: built-in profiles only. */
	const char *user_dir;
	/* Directories searched after user_dir, in order, each holding
	 * profiles/ and groups/ ($XDG_CONFIG_DIRS entries + /latch, then
	 * /etc/latch); NULL-terminated, or NULL: none. */
	char *const *system_dirs;
	/* Resolve symlinks in an absolute path (see path_resolve()); NULL:
	 * normalize lexically only, as the unit tests do. */
	int (*resolve)(const char *path, char **ret, void *userdata);
	/* The git repositories (directories holding a .git directory) at or
	 * below dir, as absolute resolved paths, within the finder's bounds;
	 * -ENOTDIR or -ENOENT when dir is not a directory. NULL: none are
	 * looked for (protect_in_repositories then protects nothing, and
	 * protect_in_projects only $CWD). Returns 1 instead of 0 when its
	 * bounds stopped the search (what it found is still returned). */
	int (*find_repositories)(const char *dir, char ***ret, void *userdata);
	/* Profiles and groups held in memory rather than in files: the text
	 * of the profile or group (kind "profile" or "group") that spec
	 * names as written (a name or a path), valid while the load lasts,
	 * or -ENOENT. Set, it replaces user_dir and every file: a profile
	 * comes from the built-ins or from here (the fuzzers load a set of
	 * profiles this way). NULL: files, as above. */
	int (*find_text)(const char *kind, const char *spec, const char **ret_text, size_t *ret_len, void *userdata);
	void *userdata;
	/* Rules given outside the profile for one run (`latch run --read
	 * PATH`), added as the profile loads, before code that runs later is
	 * protected in the repositories they make writable. */
	const struct policy_extra_rule *extra;
	size_t n_extra;
};

/* A rule from outside any profile: the class, the path as written, and
 * the label's origin ("command line"). */
struct policy_extra_rule {
	enum policy_class klass;
	const char *pattern;
	const char *origin;
};

/* Remove every rule of class c (the static mode drops "private"). */
void policy_drop_class(struct policy *p, enum policy_class c);

/* Whether protect rule r is overridden: an allow rule names the very same
 * path (a grant on purpose wins over protect at equal specificity). */
bool policy_protect_overridden(const struct policy *p, const struct policy_rule *r);

/* The value of a variable in ctx; NULL when unknown or unset. */
const char *policy_ctx_var(const struct policy_ctx *ctx, const char *name);

struct policy_query {
	enum policy_access access;
	const char *path;  /* fs accesses: absolute and resolved like rules */
	uint16_t port;     /* tcp accesses and net_connect */
	const char *host;  /* net_connect: a host as policy_host_parse() reads it */
	bool no_reason;    /* leave decision.reason empty (hot paths that do not show it) */
};

struct policy_decision {
	bool allow;
	const struct policy_rule *rule; /* fs: the rule that decided; NULL: default */
	const struct policy_host_rule *host_rule; /* net_connect: the entry that decided; NULL: none */
	enum policy_layer layer;
	char reason[512];               /* one line, e.g. "deny, by rule <...>" */
};

/* Whether name may name a profile or group: 1 to 64 bytes of a-z, 0-9, '_',
 * '-' and '.', not starting with '.' (no "..", no hidden files) and not
 * ending in ".json" (which policy_load() takes for a path). The same rule
 * for loading a profile by name and for saving one. */
bool policy_name_valid(const char *name);

/* Load a profile by name (built-in first, then ctx->user_dir/profiles/NAME.json)
 * or by path (anything containing '/' or ending in ".json"). On failure err
 * names the file, the line where known, and the key. */
int policy_load(const char *spec, const struct policy_ctx *ctx, struct policy **ret, struct error *err);

/* Load a profile from memory; `filename` is used in messages and as source. */
int policy_load_buffer(const char *buf, size_t len, const char *filename, const struct policy_ctx *ctx,
		       struct policy **ret, struct error *err);

/* Add one rule to a loaded policy (path absolute and already resolved),
 * keeping the precedence order. For rules latch itself needs, e.g. executing
 * its own binary as a probe. Returns 0, -EINVAL or -ENOMEM. */
int policy_add_rule(struct policy *p, enum policy_class klass, const char *path, const char *origin,
		    struct error *err);

/* Add a rule as a person wrote it outside a profile (`latch run --read
 * ~/notes`): pattern expanded like a profile's paths ($HOME, ~, ...),
 * relative to $CWD when relative, resolved with ctx->resolve, and labelled
 * <origin: pattern>. Errors name the pattern. */
int policy_add_rule_pattern(struct policy *p, enum policy_class klass, const char *pattern, const char *origin,
			    const struct policy_ctx *ctx, struct error *err);

struct policy *policy_free(struct policy *p);
DEFINE_CLEANUP(struct policy, policy_free);
#define _cleanup_policy_ _cleanup_(policy_freep)

/* Add an entry of network.hosts (deny false) or network.deny_hosts (deny
 * true), as written in a profile ("pypi.org", "*.github.com:443",
 * "[::1]:8443"), with this origin (e.g. "--allow-host"). Returns 0, or
 * -EINVAL with err naming the entry and what is wrong, or -ENOMEM. */
int policy_add_host(struct policy *p, const char *entry, bool deny, const char *origin, struct error *err);

/* Read a host, s[0..len): a DNS name (letters, digits, '-' and '_' in
 * labels of 1 to 63 bytes, at most 253 bytes, one trailing dot dropped,
 * lower-cased; the last label is not all digits nor hexadecimal 0x...,
 * which resolvers take for a number), an IPv4 dotted quad, or an IPv6
 * address -- in brackets when brackets is true, without them otherwise.
 * With wildcard, "*." may start a name of at least two labels (subdomains
 * only). Any other byte (NUL, a space, '%', a non-ASCII byte) is refused.
 * Returns 0 with *ret filled, or -EINVAL with a short reason in *ret_why
 * (static). Pure. */
int policy_host_parse(const char *s, size_t len, bool brackets, bool wildcard, struct policy_host *ret,
		      const char **ret_why);

/* A host rule from "HOST[:PORT]" (HOST as policy_host_parse() reads it,
 * IPv6 in brackets, a wildcard allowed). Returns 0 with ret->host and
 * ret->port set (pattern and origin are the caller's), or -EINVAL with a
 * reason in *ret_why. Pure. */
int policy_host_entry_parse(const char *entry, struct policy_host_rule *ret, const char **ret_why);

/* "api.anthropic.com:443", "[::1]:8443" into buf. */
const char *policy_host_port_format(const struct policy_host *h, uint16_t port, char *buf, size_t size);

/* The address network.resolve gives name (canonical), or NULL. */
const char *policy_resolve_lookup(const struct policy *p, const char *name);

/* Decide one access. Never fails: a malformed query is denied. */
void policy_decide(const struct policy *p, const struct policy_query *q, struct policy_decision *ret);

/* Expand $NAME, ${NAME} and a leading "~" in s. Errors name the variable. */
int policy_expand(const char *s, const struct policy_ctx *ctx, char **ret, struct error *err);

/* Whether s uses the variable NAME ($NAME or ${NAME}), as policy_expand()
 * reads it; literal text that merely contains the name does not count. */
bool policy_mentions_var(const char *s, const char *name);

/* Rights of a class as a bit set of (1u << enum policy_access). */
unsigned policy_class_grants(enum policy_class c);

/* A rule that grants part of an access set: its class, and whether it names
 * the directory that holds the path rather than the path itself. */
struct policy_grant_rule {
	enum policy_class klass;
	bool parent;
};

#define POLICY_GRANT_RULES_MAX 3

/* The inverse of policy_class_grants(): the rules that together allow acc
 * (bits of (1u << enum policy_access); what is not a file access is
 * ignored) on a path, each of the narrowest class of read, exec, create and
 * write that covers its part. Creating and deleting are decided on the
 * directory that holds the entry, so that rule names the parent (and grants
 * more than the one entry). Executing and writing take two rules on the
 * path: exec, then create or write. Fills ret in that order (path rules,
 * then the parent's) and returns how many. */
size_t policy_grant_rules(unsigned acc, struct policy_grant_rule ret[POLICY_GRANT_RULES_MAX]);

/* "<group deny_credentials: $HOME/.ssh>" into buf. */
const char *policy_rule_label(const struct policy_rule *r, char *buf, size_t size);

/* "<profile claude-code: api.anthropic.com>" into buf. */
const char *policy_host_rule_label(const struct policy_host_rule *r, char *buf, size_t size);

/* Names for the enums, as used in profiles, JSON and messages. NULL for an
 * out-of-range value; *_from_name returns -EINVAL for an unknown name. */
const char *policy_class_name(enum policy_class c);
const char *policy_access_name(enum policy_access a);
const char *policy_layer_name(enum policy_layer l);
const char *policy_net_mode_name(enum policy_net_mode m);
const char *policy_supervise_name(enum policy_supervise s);
int policy_access_from_name(const char *name);

/* Built-in profiles and groups, embedded from profiles/ at build time. */
struct policy_builtin {
	const char *kind; /* "profile" or "group" */
	const char *name;
	const char *data;
	size_t len;
};
extern const struct policy_builtin policy_builtins[];
extern const size_t policy_n_builtins;

const struct policy_builtin *policy_builtin_find(const char *kind, const char *name);

/* Whether allow rule r grants nothing at its own path because a deny rule
 * names the very same path: at equal specificity deny wins. What a static
 * layer compiles from r must then be nothing, as policy_decide() says. */
bool policy_allow_shadowed(const struct policy *p, const struct policy_rule *r);

#endif
