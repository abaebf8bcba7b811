/* Rendering a policy to Seatbelt (SBPL). See sbpl.h for the order that
 * makes Seatbelt's last match policy_decide()'s most specific rule. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/path-util.h"
#include "base/strv.h"
#include "policy/sbpl.h"

/* Longest line of the rendered text before a statement wraps. */
#define LINE_WIDTH 100

/* The mapping, one row per latch access. Truncating has no Seatbelt
 * operation of its own: file-write-data covers it. Reading grants mapping
 * executable too, as Landlock checks opening a library and not mapping it.
 * Writing grants the attribute operations (chmod, utimes, xattrs, flags)
 * and ioctl, which a supervisor decides as writing the file on Linux. */
static const struct policy_sbpl_op sbpl_ops[_POLICY_ACCESS_MAX] = {
	[POLICY_ACCESS_READ] = { "file-read-data", "file-read* file-map-executable", POLICY_SBPL_PATH },
	[POLICY_ACCESS_WRITE] = { "file-write-data",
				  "file-write-data file-write-mode file-write-times file-write-xattr file-write-flags "
				  "file-ioctl",
				  POLICY_SBPL_PATH },
	[POLICY_ACCESS_CREATE] = { "file-write-create", "file-write-create", POLICY_SBPL_ENTRY },
	[POLICY_ACCESS_DELETE] = { "file-write-unlink", "file-write-unlink", POLICY_SBPL_ENTRY },
	[POLICY_ACCESS_TRUNCATE] = { "file-write-data", "file-write-data", POLICY_SBPL_PATH },
	[POLICY_ACCESS_EXEC] = { "process-exec", "process-exec", POLICY_SBPL_PATH },
	[POLICY_ACCESS_TCP_CONNECT] = { "network-outbound", "network-outbound", POLICY_SBPL_TCP_REMOTE },
	[POLICY_ACCESS_TCP_BIND] = { "network-bind", "network-bind network-inbound", POLICY_SBPL_TCP_LOCAL },
	[POLICY_ACCESS_SIGNAL] = { "signal", "signal", POLICY_SBPL_PROCESS },
	[POLICY_ACCESS_ABSTRACT_UNIX] = { NULL, NULL, POLICY_SBPL_NONE }, /* macOS has no abstract sockets */
	[POLICY_ACCESS_PTRACE] = { NULL, NULL, POLICY_SBPL_NONE },        /* refused: see the notes */
	[POLICY_ACCESS_USERNS] = { NULL, NULL, POLICY_SBPL_NONE },        /* macOS has no user namespaces */
	[POLICY_ACCESS_UNIX_CONNECT] = { "network-outbound", "network-outbound", POLICY_SBPL_UNIX },
	[POLICY_ACCESS_NET_CONNECT] = { NULL, NULL, POLICY_SBPL_NONE }, /* a host name: the proxy's, see the notes */
};

/* What a deny rule takes away at its path and below: everything an allow
 * rule can grant, by the families' wildcards. file-write* on the subpath
 * refuses creating and removing the rule's own path too, which the last
 * section refuses in any case. */
#define DENY_PATH_OPS "file-read* file-write* file-map-executable file-ioctl process-exec"

const struct policy_sbpl_op *policy_sbpl_op(enum policy_access a)
{
	static const struct policy_sbpl_op none = { NULL, NULL, POLICY_SBPL_NONE };

	return (unsigned)a < _POLICY_ACCESS_MAX ? &sbpl_ops[a] : &none;
}

/* When a system allowance is rendered. */
enum system_when {
	SYSTEM_ALWAYS,
	SYSTEM_NETWORK, /* network.mode on or ports: the program resolves names itself */
};

/* What any process needs to start on macOS, beyond what a latch profile
 * says: minimal, and first, so that every latch rule that speaks about the
 * same operation and path overrides it. */
static const struct {
	enum system_when when;
	const char *why;
	const char *statement;
} system_rules[] = {
	{ SYSTEM_ALWAYS, "fork and posix_spawn: latch never limits them", "(allow process-fork)" },
	{ SYSTEM_ALWAYS, "a process asks about itself (libc, getrusage)", "(allow process-info* (target self))" },
	{ SYSTEM_ALWAYS, "libc and runtimes read hw.* and kern.* at start", "(allow sysctl-read)" },
	{ SYSTEM_ALWAYS, "user and group names (getpwuid): /etc/passwd on Linux",
	  "(allow mach-lookup (global-name \"com.apple.system.opendirectoryd.libinfo\"))" },
	{ SYSTEM_ALWAYS, "Unix sockets exist in every mode; connecting is decided by the rules below",
	  "(allow system-socket (socket-domain AF_UNIX))" },
	{ SYSTEM_ALWAYS,
	  "stat, realpath and getcwd look at every directory above a path; latch decides no stat on Linux "
	  "either (Landlock does not mediate it); a deny rule below takes it back",
	  "(allow file-read-metadata)" },
	{ SYSTEM_ALWAYS, "the dyld shared cache, the system frameworks and libSystem: no program starts without them",
	  "(allow file-read* file-map-executable (subpath \"/System\") (subpath \"/usr/lib\"))" },
	{ SYSTEM_NETWORK, "name resolution, which macOS does in mDNSResponder (UDP to a resolver on Linux)",
	  "(allow network-outbound (remote unix-socket (path-literal \"/private/var/run/mDNSResponder\")))" },
};

/* ---- text ---------------------------------------------------------------- */

/* A statement being written: wraps at LINE_WIDTH, continuation lines
 * indented under the first operation. */
struct stmt {
	FILE *f;
	size_t col, indent;
};

static void stmt_begin(struct stmt *s, FILE *f, const char *action)
{
	s->f = f;
	fprintf(f, "(%s", action);
	s->col = strlen(action) + 1;
	s->indent = s->col + 1;
}

static void stmt_token(struct stmt *s, const char *tok)
{
	size_t n = strlen(tok);

	if (s->col + 1 + n > LINE_WIDTH && s->col > s->indent) {
		fprintf(s->f, "\n%*s", (int)s->indent, "");
		s->col = s->indent;
	} else {
		fputc(' ', s->f);
		s->col++;
	}
	fputs(tok, s->f);
	s->col += n;
}

/* The next space separated word of *w into buf, *w moved past it; false
 * at the end. A word longer than buf is skipped (none is). */
static bool next_word(const char **w, char *buf, size_t size)
{
	for (;;) {
		size_t n;

		*w += strspn(*w, " ");
		n = strcspn(*w, " ");
		if (n == 0)
			return false;
		*w += n;
		if (n < size) {
			memcpy(buf, *w - n, n);
			buf[n] = '\0';
			return true;
		}
	}
}

/* Each space separated word of words, as a token. */
static void stmt_words(struct stmt *s, const char *words)
{
	char word[64];

	while (next_word(&words, word, sizeof(word)))
		stmt_token(s, word);
}

static void stmt_end(struct stmt *s)
{
	fputs(")\n", s->f);
}

/* s as an SBPL string: "..." with \ and " escaped. Into a memstream. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A regular expression matching path literally: each character that
 * means something in a regex is escaped. */
static void put_regex_quoted(FILE *f, const char *path)
{
	for (; *path; path++) {
		if (strchr(".[](){}*+?^$|\\", *path))
			fputc('\\', f);
		fputc(*path, f);
	}
}

/* form (holding one %s) around the regex "^" prefix tail, prefix matched
 * literally, as an SBPL string: #"..." where it holds no '"' (as Apple's
 * profiles write regexes), else an ordinary escaped string. */
static char *regex_filter(const char *form, const char *prefix, const char *tail)
{
	_cleanup_free_ char *re = NULL, *str = NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&re, &len);

	if (!f)
		return NULL;
	fputc('^', f);
	put_regex_quoted(f, prefix);
	fputs(tail, f);
	if (fclose(f) != 0)
		return NULL;
	f = open_memstream(&str, &len);
	if (!f)
		return NULL;
	if (strchr(re, '"'))
		put_string(f, re);
	else
		fprintf(f, "#\"%s\"", re);
	if (fclose(f) != 0 || asprintf(&out, form, str) < 0)
		return NULL;
	return out;
}

/* A filter as text: (KIND "path"), (regex ...), (remote unix-socket ...). */
static char *filter(const char *kind, const char *path)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	fprintf(f, "(%s ", kind);
	put_string(f, path);
	fputc(')', f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The entries a rule on path speaks about when they are created or
 * removed: strictly below it (below "/": every other path). */
static char *entries_below(const char *path)
{
	return strcmp(path, "/") == 0 ? regex_filter("(regex %s)", "/", ".") : regex_filter("(regex %s)", path, "/");
}

/* The entries right in path (scratch). */
static char *entries_right_in(const char *path)
{
	return regex_filter("(regex %s)", strcmp(path, "/") == 0 ? "" : path, "/[^/]+$");
}

/* The sockets at path or below it. */
static char *sockets_at(const char *path)
{
	static const char form[] = "(remote unix-socket (path-regex %s))";

	return strcmp(path, "/") == 0 ? regex_filter(form, "/", "") : regex_filter(form, path, "(/|$)");
}

/* ---- notes --------------------------------------------------------------- */

struct render {
	const struct policy *p;
	struct policy_sbpl out;
	size_t notes_alloc;
	struct error *err;
};

static int note(struct render *r, const char *key, const struct policy_rule *rule, const char *fmt, ...)
	_printf_(4, 5);

static int note(struct render *r, const char *key, const struct policy_rule *rule, const char *fmt, ...)
{
	struct policy_sbpl_note *n;
	char label[512];
	va_list ap;
	int k;

	if (r->out.n_notes == r->notes_alloc) {
		size_t want = r->notes_alloc ? r->notes_alloc * 2 : 16;
		struct policy_sbpl_note *nn = realloc(r->out.notes, want * sizeof(*nn));

		if (!nn)
			return error_set(r->err, ENOMEM, "out of memory");
		r->out.notes = nn;
		r->notes_alloc = want;
	}
	n = &r->out.notes[r->out.n_notes];
	memset(n, 0, sizeof(*n));
	r->out.n_notes++;
	va_start(ap, fmt);
	k = vasprintf(&n->text, fmt, ap);
	va_end(ap);
	if (k < 0)
		n->text = NULL;
	n->key = strdup(key);
	if (rule) {
		n->rule = strdup(policy_rule_label(rule, label, sizeof(label)));
		n->path = strdup(rule->path);
	}
	if (!n->text || !n->key || (rule && (!n->rule || !n->path)))
		return error_set(r->err, ENOMEM, "out of memory");
	return 0;
}

/* What a latch rule leaves out in Seatbelt, rule by rule. */
static int rule_notes(struct render *r, const struct policy_rule *rule)
{
	char label[512];
	int k = 0;

	policy_rule_label(rule, label, sizeof(label));
	switch (rule->klass) {
	case POLICY_CLASS_PRIVATE:
		return note(r, "filesystem.private", rule,
			    "private %s %s: Seatbelt cannot give the program an empty directory of its own; "
			    "not granted (as in latch's static mode)",
			    rule->path, label);
	case POLICY_CLASS_SCRATCH:
		return note(r, "filesystem.scratch", rule,
			    "scratch %s %s: new entries may be created right in it, but Seatbelt cannot tell the "
			    "program's own entries from others': using them afterwards is refused",
			    rule->path, label);
	case POLICY_CLASS_CREATE:
		k = note(r, "filesystem.create", rule,
			 "create %s %s: Seatbelt has no truncate apart from writing (file-write-data): truncating "
			 "files there is allowed",
			 rule->path, label);
		break;
	case POLICY_CLASS_DENY:
	case POLICY_CLASS_READ:
	case POLICY_CLASS_EXEC:
	case POLICY_CLASS_WRITE:
	case POLICY_CLASS_PROTECT:
	case POLICY_CLASS_LIST:
	case POLICY_CLASS_UNIX_CONNECT:
	case _POLICY_CLASS_MAX:
		break;
	}
	if (k == 0 && rule->make_dir)
		k = note(r, "filesystem.make_dir", rule,
			    "%s %s %s: latch makes this directory when a run starts; Seatbelt does not",
			    policy_class_name(rule->klass), rule->path, label);
	return k;
}

/* What the rest of the profile leaves out in Seatbelt. */
static int profile_notes(struct render *r)
{
	const struct policy *p = r->p;
	int k = 0;

	if (p->supervise != POLICY_SUPERVISE_OFF)
		k = note(r, "supervise", NULL,
			 "supervise.mode %s: Seatbelt is applied once, with no supervisor: what latch would ask "
			 "about is refused, and nothing is granted while the program runs",
			 policy_supervise_name(p->supervise));
	if (k == 0 && p->net.mode == POLICY_NET_PROXY) {
		size_t deny = 0;

		for (size_t i = 0; i < p->net.n_hosts; i++)
			deny += p->net.hosts[i].deny;
		k = note(r, "network.mode", NULL,
			 "network.mode proxy: Seatbelt decides by address and port, never by host name, and latch's "
			 "proxy does not run under Seatbelt: no connection leaves (%zu network.hosts, %zu "
			 "network.deny_hosts and %zu network.resolve entries not rendered)",
			 p->net.n_hosts - deny, deny, p->net.n_resolve);
	}
	if (k == 0 && p->process.ptrace)
		k = note(r, "process.ptrace", NULL,
			 "process.ptrace true: Seatbelt cannot grant another process's task port; refused");
	if (k == 0 && !p->process.scope_abstract_unix)
		k = note(r, "process.abstract_unix", NULL,
			 "process.abstract_unix open: macOS has no abstract Unix sockets; nothing to render");
	if (k == 0 && p->process.nested_sandbox)
		k = note(r, "process.nested_sandbox", NULL,
			 "process.nested_sandbox true: macOS has no user namespaces; nothing to render");
	if (k == 0 && p->process.capabilities)
		k = note(r, "process.capabilities", NULL,
			 "process.capabilities: macOS has no capabilities to keep; not granted");
	if (k == 0 && (p->env.keep || p->env.drop || p->env.set))
		k = note(r, "env", NULL,
			 "env: Seatbelt does not filter the environment; keep, drop and set are for the program "
			 "that starts the sandbox");
	if (k == 0 && (p->limits.nofile >= 0 || p->limits.nproc >= 0 || p->limits.core >= 0 ||
		       p->limits.fsize >= 0 || p->limits.memory >= 0 || p->limits.pids >= 0))
		k = note(r, "limits", NULL,
			 "limits: resource limits (core dumps included) are not part of a Seatbelt profile");
	if (k == 0 && p->required)
		k = note(r, "required", NULL,
			 "required: Landlock, namespace and cgroup requirements have no Seatbelt meaning");
	return k;
}

/* ---- rules --------------------------------------------------------------- */

/* Whether protect rule r is overridden: an allow rule names the very same
 * path. As policy_protect_overridden(), without the private rules, which
 * are not rendered. */
static bool protect_overridden(const struct policy *p, const struct policy_rule *r)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *o = &p->rules[i];

		if (!policy_class_restricts(o->klass) && o->klass != POLICY_CLASS_PRIVATE && strcmp(o->path, r->path) == 0)
			return true;
	}
	return false;
}

/* The accesses a rule speaks about: what it grants, or for deny every file
 * access, for protect the ones that change things. */
static unsigned rule_accesses(enum policy_class c)
{
	switch (c) {
	case POLICY_CLASS_DENY:
		return policy_class_grants(POLICY_CLASS_WRITE) | BIT(POLICY_ACCESS_EXEC);
	case POLICY_CLASS_PROTECT:
		return BIT(POLICY_ACCESS_WRITE) | BIT(POLICY_ACCESS_CREATE) | BIT(POLICY_ACCESS_DELETE) |
		       BIT(POLICY_ACCESS_TRUNCATE);
	case POLICY_CLASS_READ:
	case POLICY_CLASS_EXEC:
	case POLICY_CLASS_CREATE:
	case POLICY_CLASS_WRITE:
	case POLICY_CLASS_LIST:
	case POLICY_CLASS_PRIVATE:
	case POLICY_CLASS_SCRATCH:
	case POLICY_CLASS_UNIX_CONNECT:
	case _POLICY_CLASS_MAX:
		break;
	}
	return policy_class_grants(c);
}

/* Whether the space separated list holds word. */
static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *hit = strstr(list, word); hit; hit = strstr(hit + 1, word))
		if ((hit == list || hit[-1] == ' ') && (hit[len] == ' ' || hit[len] == '\0'))
			return true;
	return false;
}

/* The operations of the rows of acc with this target, space separated and
 * without repeats, into buf. */
static void ops_for(unsigned acc, enum policy_sbpl_target target, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int a = 0; a < _POLICY_ACCESS_MAX; a++) {
		const char *w = sbpl_ops[a].grants;
		char word[64];

		if (!(acc & BIT(a)) || sbpl_ops[a].target != target || !w)
			continue;
		while (next_word(&w, word, sizeof(word)))
			if (!has_word(buf, word) && n + strlen(word) + 2 < size)
				n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? " " : "", word);
	}
}

static int statement(FILE *f, const char *action, const char *ops, char *filt)
{
	struct stmt s;

	if (!filt)
		return -ENOMEM;
	stmt_begin(&s, f, action);
	stmt_words(&s, ops);
	stmt_token(&s, filt);
	stmt_end(&s);
	free(filt);
	return 0;
}

static int render_rule(FILE *f, const struct policy_rule *rule)
{
	bool restricts = policy_class_restricts(rule->klass);
	const char *action = restricts ? "deny" : "allow";
	unsigned acc = rule_accesses(rule->klass);
	char ops[512], label[512];
	int k = 0;

	fprintf(f, ";; %s %s\n", policy_rule_label(rule, label, sizeof(label)), policy_class_name(rule->klass));
	switch (rule->klass) {
	case POLICY_CLASS_LIST:
		/* Exactly this directory: its entries, nothing below. */
		return statement(f, action, sbpl_ops[POLICY_ACCESS_READ].operation, filter("literal", rule->path));
	case POLICY_CLASS_SCRATCH:
		return statement(f, action, sbpl_ops[POLICY_ACCESS_CREATE].operation, entries_right_in(rule->path));
	case POLICY_CLASS_DENY:
		/* The rest is in DENY_PATH_OPS. */
		k = statement(f, action, DENY_PATH_OPS, filter("subpath", rule->path));
		acc &= BIT(POLICY_ACCESS_UNIX_CONNECT);
		break;
	case POLICY_CLASS_READ:
	case POLICY_CLASS_EXEC:
	case POLICY_CLASS_CREATE:
	case POLICY_CLASS_WRITE:
	case POLICY_CLASS_PROTECT:
	case POLICY_CLASS_PRIVATE:
	case POLICY_CLASS_UNIX_CONNECT:
	case _POLICY_CLASS_MAX:
		ops_for(acc, POLICY_SBPL_PATH, ops, sizeof(ops));
		if (ops[0])
			k = statement(f, action, ops, filter("subpath", rule->path));
		break;
	}
	ops_for(acc, POLICY_SBPL_ENTRY, ops, sizeof(ops));
	if (k == 0 && ops[0])
		k = statement(f, action, ops, entries_below(rule->path));
	ops_for(acc, POLICY_SBPL_UNIX, ops, sizeof(ops));
	if (k == 0 && ops[0])
		k = statement(f, action, ops, sockets_at(rule->path));
	return k;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The last section: creating or removing a deny or protect rule's path, or
 * a directory above it, is refused whatever else allows it. */
static int render_keep(FILE *f, const struct policy *p)
{
	_cleanup_strv_free_ char **paths = NULL;
	struct stmt s;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		char *dir;

		if (!policy_class_restricts(r->klass) || (r->klass == POLICY_CLASS_PROTECT && protect_overridden(p, r)))
			continue;
		dir = strdup(r->path);
		if (!dir)
			return -ENOMEM;
		for (;;) {
			char *slash;

			if (!strv_contains(paths, dir) && strv_push(&paths, dir) < 0) {
				free(dir);
				return -ENOMEM;
			}
			if (strcmp(dir, "/") == 0)
				break;
			slash = strrchr(dir, '/');
			if (slash == dir)
				slash[1] = '\0';
			else
				*slash = '\0';
		}
		free(dir);
	}
	if (!paths)
		return 0;
	sort_n(paths, strv_length(paths), sizeof(char *), cmp_str);
	fprintf(f, "\n;;; %s: removing or replacing an entry takes what is below it along, so a deny or protect\n"
		   ";; rule refuses it at its own path and at every directory above it, whatever allows it\n",
		POLICY_SBPL_SECTION_KEEP);
	stmt_begin(&s, f, "deny");
	stmt_words(&s, "file-write-create file-write-unlink");
	for (size_t i = 0; paths[i]; i++) {
		_cleanup_free_ char *lit = filter("literal", paths[i]);

		if (!lit)
			return -ENOMEM;
		/* One path a line: the list is long. */
		fprintf(f, "\n%*s%s", (int)s.indent, "", lit);
	}
	stmt_end(&s);
	return 0;
}

/* One statement a port: (allow OPS (remote tcp "*:443")). */
static void allow_ports(FILE *f, enum policy_access a, const char *side, const uint16_t *ports, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct stmt s;

		stmt_begin(&s, f, "allow");
		stmt_words(&s, sbpl_ops[a].grants);
		fprintf(f, " (%s tcp \"*:%u\")", side, ports[i]);
		stmt_end(&s);
	}
}

static void render_network(FILE *f, const struct policy *p)
{

	fprintf(f, "\n;;; %s: mode %s\n", POLICY_SBPL_SECTION_NETWORK, policy_net_mode_name(p->net.mode));
	switch (p->net.mode) {
	case POLICY_NET_OFF:
		fputs("(deny network*)\n", f);
		return;
	case POLICY_NET_ON:
		/* IP only: Unix sockets stay with the filesystem rules. */
		fputs("(allow network-outbound (remote ip \"*:*\"))\n", f);
		fputs("(allow network-bind network-inbound (local ip \"*:*\"))\n", f);
		return;
	case POLICY_NET_PORTS:
		allow_ports(f, POLICY_ACCESS_TCP_CONNECT, "remote", p->net.connect, p->net.n_connect);
		allow_ports(f, POLICY_ACCESS_TCP_BIND, "local", p->net.bind, p->net.n_bind);
		return;
	case POLICY_NET_PROXY:
		/* The hosts are the proxy's to decide, and no proxy runs
		 * under Seatbelt (see the notes): nothing leaves, as TCP to
		 * any port but the proxy's is refused on Linux. */
		fputs(";; latch's proxy does not run under Seatbelt: no host is reachable\n(deny network*)\n", f);
		return;
	case _POLICY_NET_MAX:
		break;
	}
}

/* Where a rule's statements go among the others. Seatbelt takes the last
 * match, so the reverse of policy_decide()'s order: the least deep first,
 * and at equal depth protect, then allow, then deny. Rules at one depth
 * but on different paths never match the same path, so they are grouped by
 * path, for people; among rules of one path and rank the array's own order
 * is reversed, so that the last match is the rule policy_decide() names. */
static int class_rank(enum policy_class c)
{
	return c == POLICY_CLASS_DENY ? 2 : c == POLICY_CLASS_PROTECT ? 0 : 1;
}

static int render_order(const void *a, const void *b)
{
	const struct policy_rule *x = *(const struct policy_rule *const *)a, *y = *(const struct policy_rule *const *)b;
	int c;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	c = strcmp(x->path, y->path);
	if (c != 0)
		return c;
	if (class_rank(x->klass) != class_rank(y->klass))
		return class_rank(x->klass) < class_rank(y->klass) ? -1 : 1;
	return x > y ? -1 : x < y;
}

static int render_text(struct render *r, FILE *f)
{
	const struct policy *p = r->p;
	_cleanup_free_ const struct policy_rule **order = NULL;
	size_t n = 0;
	int k;

	fprintf(f, ";; latch profile %s, rendered for macOS Seatbelt (sandbox-exec -f FILE, sandbox_init).\n", p->name);
	fputs(";; Seatbelt applies the last rule that matches an operation; latch's precedence is \"the most\n"
	      ";; specific path wins, deny wins at equal depth\". So the rules run from the least specific to the\n"
	      ";; most, and at equal depth protect, then allow, then deny. Creating and removing an entry are\n"
	      ";; decided on the directory that holds it: a rule on D speaks about the entries strictly below D.\n",
	      f);
	if (r->out.n_notes > 0) {
		fprintf(f, ";;; %s:\n", POLICY_SBPL_SECTION_NOTES);
		for (size_t i = 0; i < r->out.n_notes; i++)
			fprintf(f, ";;   %s\n", r->out.notes[i].text);
	}
	fputs("(version 1)\n(deny default)\n", f);

	fprintf(f, "\n;;; %s: what any process needs to start on macOS (README, \"macOS\")\n",
		POLICY_SBPL_SECTION_SYSTEM);
	for (size_t i = 0; i < ELEMENTSOF(system_rules); i++) {
		if (system_rules[i].when == SYSTEM_NETWORK &&
		    (p->net.mode == POLICY_NET_OFF || p->net.mode == POLICY_NET_PROXY))
			continue;
		fprintf(f, ";; %s\n%s\n", system_rules[i].why, system_rules[i].statement);
	}

	fprintf(f, "\n;;; %s: signals %s\n", POLICY_SBPL_SECTION_PROCESS, p->process.scope_signals ? "scoped" : "open");
	fputs(p->process.scope_signals ? "(allow signal (target same-sandbox))\n" : "(allow signal)\n", f);

	render_network(f, p);

	fprintf(f, "\n;;; %s: from the least specific rule to the most\n", POLICY_SBPL_SECTION_FILESYSTEM);
	order = calloc(p->n_rules + 1, sizeof(*order));
	if (!order)
		return error_set(r->err, ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].klass != POLICY_CLASS_PRIVATE)
			order[n++] = &p->rules[i];
	sort_n(order, n, sizeof(*order), render_order);
	for (size_t i = 0; i < n; i++) {
		k = render_rule(f, order[i]);
		if (k < 0)
			return error_set(r->err, ENOMEM, "out of memory");
	}
	if (render_keep(f, p) < 0)
		return error_set(r->err, ENOMEM, "out of memory");
	return 0;
}

void policy_sbpl_done(struct policy_sbpl *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_notes; i++) {
		free(s->notes[i].key);
		free(s->notes[i].rule);
		free(s->notes[i].path);
		free(s->notes[i].text);
	}
	free(s->notes);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

int policy_sbpl_render(const struct policy *p, struct policy_sbpl *ret, struct error *err)
{
	struct render r = { .p = p, .err = err };
	size_t len = 0;
	FILE *f;
	char label[512];
	int k = 0;

	/* Comments end at a line's end: a path or label that holds one
	 * could not be said, nor a control character be matched. */
	for (size_t i = 0; i < p->n_rules; i++)
		if (has_control(p->rules[i].path) || has_control(policy_rule_label(&p->rules[i], label, sizeof(label))))
			return error_set(err, EINVAL, "rule %s: a path with a control character cannot be rendered",
					 p->rules[i].pattern);
	for (size_t i = 0; k == 0 && i < p->n_rules; i++)
		k = rule_notes(&r, &p->rules[i]);
	if (k == 0)
		k = profile_notes(&r);
	if (k < 0) {
		policy_sbpl_done(&r.out);
		return k;
	}
	f = open_memstream(&r.out.text, &len);
	if (!f) {
		policy_sbpl_done(&r.out);
		return error_set(err, ENOMEM, "out of memory");
	}
	k = render_text(&r, f);
	if (fclose(f) != 0 && k == 0)
		k = error_set(err, ENOMEM, "out of memory");
	if (k < 0) {
		policy_sbpl_done(&r.out);
		return k;
	}
	*ret = r.out;
	return 0;
}
