/* The Seatbelt (SBPL) renderer, proven against the decision engine.
 *
 * Seatbelt cannot run here, so the rendered text is read back by a small
 * evaluator of the subset the renderer writes: (version 1), (deny default),
 * and (allow|deny OPERATION... FILTER...) with literal, subpath and regex
 * path filters, (remote|local unix-socket|tcp|ip ...) and (target ...).
 * For each operation the LAST statement that names it (an operation, or a
 * family wildcard such as file-read*) and whose filters match (any one of
 * them; none: every target) decides, as in Seatbelt; no statement: the
 * default. Paths reach it canonical, as the kernel hands them to Seatbelt.
 *
 * For every built-in profile (and fixtures that use every class), over a
 * table of paths -- every rule's path, its ancestors, a child, a deep child,
 * a sibling that shares its prefix (/foo and /foobar), the lab's oracle
 * paths -- and every file access, plus TCP ports and signals, the
 * evaluator must answer as policy_decide() does on the policy as Seatbelt
 * runs it (latch's static mode: private rules dropped), and with the same
 * rule: the statement that decides carries the comment of the rule
 * policy_decide() names. Where no rule decides, only a system allowance
 * (README, "macOS") or the default may answer. The one difference the
 * renderer reports for a profile (truncating under a create rule) is
 * accepted only where a note names that rule.
 *
 * Golden files: tests/sbpl/NAME.sb, rendered with the fixed variables below;
 * `make sbpl-golden` rewrites them (LATCH_SBPL_GOLDEN=write). */
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/path-util.h"
#include "base/strv.h"
#include "lab/plan.h"
#include "policy/policy.h"
#include "policy/sbpl.h"
#include "probe/catalog.h"

/* A Mac user in a project, and root: the variables the golden files are
 * rendered with. Paths are canonical there (/private/var, not /var). */
static const struct policy_var mac_vars[] = {
	{ "HOME", "/Users/u" },
	{ "CWD", "/Users/u/project" },
	{ "TMPDIR", "/private/var/folders/xx/T" },
	{ "PRIVATE_TMP", "/private/var/folders/xx/T/latch-501" },
	{ "XDG_CONFIG_HOME", "/Users/u/.config" },
	{ "XDG_CACHE_HOME", "/Users/u/.cache" },
	{ "LATCH_CACHE", "/Users/u/.cache/latch" },
	{ "XDG_DATA_HOME", "/Users/u/.local/share" },
	{ "XDG_STATE_HOME", "/Users/u/.local/state" },
	{ "UID", "501" },
};

static const struct policy_var root_vars[] = {
	{ "HOME", "/private/var/root" },
	{ "CWD", "/private/var/root/src/app" },
	{ "TMPDIR", "/private/tmp" },
	{ "PRIVATE_TMP", "/private/tmp/latch-0" },
	{ "XDG_CONFIG_HOME", "/private/var/root/.config" },
	{ "XDG_CACHE_HOME", "/private/var/root/.cache" },
	{ "LATCH_CACHE", "/private/var/root/.cache/latch" },
	{ "XDG_DATA_HOME", "/private/var/root/.local/share" },
	{ "XDG_STATE_HOME", "/private/var/root/.local/state" },
	{ "UID", "0" },
};

static const struct policy_ctx mac_ctx = { .vars = mac_vars, .n_vars = ELEMENTSOF(mac_vars) };
static const struct policy_ctx root_ctx = { .vars = root_vars, .n_vars = ELEMENTSOF(root_vars) };

static const char *const profile_names[] = { "agent", "base", "claude-code", "codex", "minimal", "readonly" };

/* ---- the evaluator ------------------------------------------------------- */

enum node_kind { NODE_LIST, NODE_ATOM, NODE_STRING };

struct node {
	enum node_kind kind;
	char *text; /* atom or string */
	struct node **kids;
	size_t n;
	regex_t re; /* a regex filter's string, compiled when first used */
	bool compiled;
};

struct statement {
	bool allow;
	char **ops;
	struct node *list;
	size_t first_filter; /* index in list->kids */
	char *section;       /* the ";;; NAME:" above it */
	char *comment;       /* the ";; " line above it, in its section; NULL: none */
	unsigned asks;       /* the accesses whose operation one of ops names (a cache) */
};

struct model {
	bool default_allow;
	struct statement *st;
	size_t n;
};

struct parser {
	const char *s;
	size_t i;
	char *section;
	char *comment;
};

/* The operations the renderer may write; anything else is a typo that
 * Seatbelt would refuse, and fails here. */
static const char *const known_ops[] = {
	"file-ioctl",	     "file-map-executable", "file-read*",	   "file-read-data",	 "file-read-metadata",
	"file-write*",	     "file-write-create",   "file-write-data",	   "file-write-flags",	 "file-write-mode",
	"file-write-times",  "file-write-unlink",   "file-write-xattr",	   "mach-lookup",	 "network*",
	"network-bind",	     "network-inbound",	    "network-outbound",	   "process-exec",	 "process-fork",
	"process-info*",     "signal",		    "sysctl-read",	   "system-socket",
};

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		node_free(n->kids[i]);
	if (n->compiled)
		regfree(&n->re);
	free(n->kids);
	free(n->text);
	free(n);
}

static void model_free(struct model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		strv_free(m->st[i].ops);
		node_free(m->st[i].list);
		free(m->st[i].section);
		free(m->st[i].comment);
	}
	free(m->st);
	memset(m, 0, sizeof(*m));
}

/* Whitespace and comments; at the top level a comment names the section
 * (";;; NAME: ...") or the rule of the statements below it (";; ..."). */
static void skip_blank(struct parser *ps, bool top)
{
	for (;;) {
		const char *s = ps->s + ps->i;

		if (*s == ' ' || *s == '\t' || *s == '\n') {
			ps->i++;
			continue;
		}
		if (*s != ';')
			return;
		size_t len = strcspn(s, "\n");

		if (top && strncmp(s, ";;; ", 4) == 0) {
			free(ps->section);
			ps->section = strndup(s + 4, strcspn(s + 4, ":\n"));
			free(ps->comment);
			ps->comment = NULL;
		} else if (top && strncmp(s, ";; ", 3) == 0) {
			free(ps->comment);
			ps->comment = strndup(s + 3, len - 3);
		}
		ps->i += len;
	}
}

static struct node *parse_node(struct parser *ps)
{
	struct node *n = calloc(1, sizeof(*n));
	const char *s;

	assert_non_null(n);
	skip_blank(ps, false);
	s = ps->s + ps->i;
	if (*s == '(') {
		n->kind = NODE_LIST;
		ps->i++;
		for (;;) {
			skip_blank(ps, false);
			if (ps->s[ps->i] == ')') {
				ps->i++;
				return n;
			}
			if (ps->s[ps->i] == '\0')
				fail_msg("sbpl: unbalanced '(' at offset %zu", ps->i);
			n->kids = realloc(n->kids, (n->n + 1) * sizeof(*n->kids));
			assert_non_null(n->kids);
			n->kids[n->n++] = parse_node(ps);
		}
	}
	if (*s == '"' || (s[0] == '#' && s[1] == '"')) {
		/* "..." with \" and \\; #"..." raw, as Apple writes regexes. */
		bool raw = *s == '#';
		size_t cap = strlen(s) + 1, k = 0;

		n->kind = NODE_STRING;
		n->text = malloc(cap);
		assert_non_null(n->text);
		ps->i += raw ? 2 : 1;
		for (;;) {
			char c = ps->s[ps->i++];

			if (c == '\0')
				fail_msg("sbpl: unterminated string");
			if (c == '"')
				break;
			if (c == '\\' && !raw) {
				c = ps->s[ps->i++];
				if (c != '"' && c != '\\')
					fail_msg("sbpl: unknown escape '\\%c'", c);
			}
			n->text[k++] = c;
		}
		n->text[k] = '\0';
		return n;
	}
	if (*s == ')' || *s == '\0')
		fail_msg("sbpl: unexpected '%c' at offset %zu", *s ? *s : '0', ps->i);
	n->kind = NODE_ATOM;
	n->text = strndup(s, strcspn(s, " \t\n()\";"));
	ps->i += strlen(n->text);
	return n;
}

static bool op_matches(const char *rule_op, const char *op)
{
	size_t n = strlen(rule_op);

	if (rule_op[n - 1] == '*')
		return strncmp(op, rule_op, n - 1) == 0;
	return strcmp(rule_op, op) == 0;
}

static bool is_atom(const struct node *n, const char *text)
{
	return n->kind == NODE_ATOM && (!text || strcmp(n->text, text) == 0);
}

static void parse_sbpl(const char *text, struct model *m)
{
	struct parser ps = { .s = text };
	bool version = false, deflt = false;

	memset(m, 0, sizeof(*m));
	for (;;) {
		struct node *n;
		struct statement st = { 0 };
		size_t k;

		skip_blank(&ps, true);
		if (ps.s[ps.i] == '\0')
			break;
		n = parse_node(&ps);
		if (n->kind != NODE_LIST || n->n < 1 || !is_atom(n->kids[0], NULL))
			fail_msg("sbpl: a top-level form that is not a statement");
		if (is_atom(n->kids[0], "version")) {
			assert_int_equal(n->n, 2);
			assert_string_equal(n->kids[1]->text, "1");
			assert_false(version || deflt || m->n);
			version = true;
			node_free(n);
			continue;
		}
		if (!is_atom(n->kids[0], "allow") && !is_atom(n->kids[0], "deny"))
			fail_msg("sbpl: unknown statement '%s'", n->kids[0]->text);
		st.allow = is_atom(n->kids[0], "allow");
		if (n->n == 2 && is_atom(n->kids[1], "default")) {
			/* The default comes first, once: a later one would reset
			 * everything before it. */
			assert_true(version && !deflt && m->n == 0);
			m->default_allow = st.allow;
			deflt = true;
			node_free(n);
			continue;
		}
		for (k = 1; k < n->n && is_atom(n->kids[k], NULL); k++) {
			bool known = false;

			for (size_t o = 0; o < ELEMENTSOF(known_ops); o++)
				known |= strcmp(known_ops[o], n->kids[k]->text) == 0;
			if (!known)
				fail_msg("sbpl: unknown operation '%s'", n->kids[k]->text);
			assert_int_equal(strv_push(&st.ops, n->kids[k]->text), 0);
		}
		if (!st.ops)
			fail_msg("sbpl: a statement without an operation");
		for (size_t f = k; f < n->n; f++)
			if (n->kids[f]->kind != NODE_LIST)
				fail_msg("sbpl: '%s' after the filters", n->kids[f]->text ? n->kids[f]->text : "?");
		for (int a = 0; a < _POLICY_ACCESS_MAX; a++) {
			const char *op = policy_sbpl_op((enum policy_access)a)->operation;

			for (size_t o = 0; op && st.ops[o]; o++)
				if (op_matches(st.ops[o], op))
					st.asks |= 1u << a;
		}
		st.list = n;
		st.first_filter = k;
		st.section = strdup(ps.section ? ps.section : "");
		st.comment = ps.comment ? strdup(ps.comment) : NULL;
		m->st = realloc(m->st, (m->n + 1) * sizeof(*m->st));
		assert_non_null(m->st);
		m->st[m->n++] = st;
	}
	assert_true(version && deflt);
	free(ps.section);
	free(ps.comment);
}

/* What is asked: the operation of a latch access (policy_sbpl_op()) on a
 * path, a socket, a port, a process. */
struct question {
	enum policy_access access;
	const char *op;
	enum policy_sbpl_target target;
	const char *path;
	unsigned port;
};

static bool regex_matches(struct node *s, const char *path)
{
	if (!s->compiled) {
		if (regcomp(&s->re, s->text, REG_EXTENDED | REG_NOSUB) != 0)
			fail_msg("sbpl: bad regex '%s'", s->text);
		s->compiled = true;
	}
	return regexec(&s->re, path, 0, NULL, 0) == 0;
}

static bool is_path_question(const struct question *q)
{
	return q->target == POLICY_SBPL_PATH || q->target == POLICY_SBPL_ENTRY;
}

/* A path filter: (literal S), (subpath S), (regex R), and the socket
 * forms (path-literal S), (path-regex R). */
static bool path_filter(struct node *f, const char *kind, const char *path)
{
	const char *s = f->kids[1]->text;
	size_t n = strlen(s);

	if (f->n != 2 || f->kids[1]->kind != NODE_STRING)
		fail_msg("sbpl: (%s ...) takes one string", kind);
	if (strcmp(kind, "literal") == 0 || strcmp(kind, "path-literal") == 0)
		return strcmp(path, s) == 0;
	if (strcmp(kind, "subpath") == 0)
		return strcmp(s, "/") == 0 || (strncmp(path, s, n) == 0 && (path[n] == '\0' || path[n] == '/'));
	if (strcmp(kind, "regex") == 0 || strcmp(kind, "path-regex") == 0)
		return regex_matches(f->kids[1], path);
	fail_msg("sbpl: unknown path filter '%s'", kind);
	return false;
}

static bool port_matches(const char *spec, unsigned port)
{
	char want[32];

	if (strcmp(spec, "*:*") == 0)
		return true;
	(void)snprintf(want, sizeof(want), "*:%u", port);
	return strcmp(spec, want) == 0;
}

static bool filter_matches(struct node *f, const struct question *q)
{
	const char *kind;

	if (f->n < 1 || !is_atom(f->kids[0], NULL))
		fail_msg("sbpl: a filter without a name");
	kind = f->kids[0]->text;
	if (strcmp(kind, "literal") == 0 || strcmp(kind, "subpath") == 0 || strcmp(kind, "regex") == 0)
		return is_path_question(q) && path_filter(f, kind, q->path);
	if (strcmp(kind, "remote") == 0 || strcmp(kind, "local") == 0) {
		bool remote = kind[0] == 'r';

		if (f->n != 3 || !is_atom(f->kids[1], NULL))
			fail_msg("sbpl: (%s ...) takes a kind and an address", kind);
		if (is_atom(f->kids[1], "unix-socket")) {
			struct node *a = f->kids[2];

			if (a->kind != NODE_LIST || a->n < 1 || !is_atom(a->kids[0], NULL))
				fail_msg("sbpl: unix-socket takes (path-literal ...) or (path-regex ...)");
			return remote && q->target == POLICY_SBPL_UNIX && path_filter(a, a->kids[0]->text, q->path);
		}
		if (is_atom(f->kids[1], "tcp") || is_atom(f->kids[1], "ip")) {
			if (f->kids[2]->kind != NODE_STRING)
				fail_msg("sbpl: (%s %s ...) takes a string", kind, f->kids[1]->text);
			return q->target == (remote ? POLICY_SBPL_TCP_REMOTE : POLICY_SBPL_TCP_LOCAL) &&
			       port_matches(f->kids[2]->text, q->port);
		}
		fail_msg("sbpl: unknown address kind '%s'", f->kids[1]->text);
	}
	/* The process asked about is outside the sandbox: neither itself
	 * nor in the same sandbox. */
	if (strcmp(kind, "target") == 0)
		return false;
	/* Filters of operations no question asks. */
	if (strcmp(kind, "global-name") == 0 || strcmp(kind, "socket-domain") == 0)
		return false;
	fail_msg("sbpl: unknown filter '%s'", kind);
	return false;
}

struct answer {
	bool allow;
	const struct statement *by; /* NULL: the default */
};

static struct answer evaluate(const struct model *m, const struct question *q)
{
	struct answer a = { m->default_allow, NULL };

	for (size_t i = 0; i < m->n; i++) {
		const struct statement *st = &m->st[i];
		bool hit;

		if (!(st->asks & (1u << q->access)))
			continue;
		hit = st->first_filter == st->list->n;
		for (size_t f = st->first_filter; f < st->list->n && !hit; f++)
			hit = filter_matches(st->list->kids[f], q);
		if (hit) {
			a.allow = st->allow;
			a.by = st;
		}
	}
	return a;
}

/* ---- the comparison ------------------------------------------------------ */

struct tally {
	size_t cases, agreed, by_system, reported, disagreed;
	bool quiet; /* a wrong rendering on purpose: count, do not print */
};

#define ERRORS_SHOWN 12

static const enum policy_access fs_accesses[] = {
	POLICY_ACCESS_READ,   POLICY_ACCESS_WRITE, POLICY_ACCESS_CREATE,	 POLICY_ACCESS_DELETE,
	POLICY_ACCESS_TRUNCATE, POLICY_ACCESS_EXEC,  POLICY_ACCESS_UNIX_CONNECT,
};

static bool in_section(const struct answer *a, const char *section)
{
	return a->by && strcmp(a->by->section, section) == 0;
}

/* Whether a note of key names the rule whose comment is comment. */
static bool noted(const struct policy_sbpl *sb, const char *key, const char *comment)
{
	for (size_t i = 0; i < sb->n_notes; i++)
		if (strcmp(sb->notes[i].key, key) == 0 && sb->notes[i].rule &&
		    strncmp(comment, sb->notes[i].rule, strlen(sb->notes[i].rule)) == 0)
			return true;
	return false;
}

static void disagree(struct tally *t, const char *name, const struct policy_query *lq,
		     const struct policy_decision *d, const struct answer *a)
{
	t->disagreed++;
	if (t->quiet || t->disagreed > ERRORS_SHOWN)
		return;
	print_error("profile %s: %s %s%s port %u: policy_decide %s (%s); sbpl %s by %s%s%s\n", name,
		    policy_access_name(lq->access), lq->path ? lq->path : "", lq->path ? "," : "", lq->port,
		    d->allow ? "allows" : "denies", d->reason, a->allow ? "allows" : "denies",
		    a->by ? a->by->section : "the default", a->by && a->by->comment ? ": " : "",
		    a->by && a->by->comment ? a->by->comment : "");
}

/* One question to both engines. p: the policy as Seatbelt runs it. */
static void compare_one(const struct policy *p, const struct model *m, const struct policy_sbpl *sb,
			const struct policy_query *lq, struct tally *t)
{
	const struct policy_sbpl_op *row = policy_sbpl_op(lq->access);
	struct question q = { lq->access, row->operation, row->target, lq->path, lq->port };
	struct policy_decision d;
	struct answer a;
	char want[640], label[512];
	bool ok;

	assert_non_null(row->operation);
	policy_decide(p, lq, &d);
	a = evaluate(m, &q);
	t->cases++;
	if (!is_path_question(&q) && q.target != POLICY_SBPL_UNIX) {
		/* Ports and signals: the mode decides, never a path rule. */
		ok = a.allow == d.allow && !in_section(&a, POLICY_SBPL_SECTION_FILESYSTEM) &&
		     !in_section(&a, POLICY_SBPL_SECTION_KEEP);
	} else if (d.rule) {
		/* The same verdict, by the statements of the same rule (or,
		 * for creating and deleting, the last section, for a rule that
		 * restricts). */
		(void)snprintf(want, sizeof(want), "%s %s", policy_rule_label(d.rule, label, sizeof(label)),
			       policy_class_name(d.rule->klass));
		ok = a.allow == d.allow &&
		     ((in_section(&a, POLICY_SBPL_SECTION_FILESYSTEM) && a.by->comment &&
		       strcmp(a.by->comment, want) == 0) ||
		      (in_section(&a, POLICY_SBPL_SECTION_KEEP) && policy_class_restricts(d.rule->klass) &&
		       (lq->access == POLICY_ACCESS_CREATE || lq->access == POLICY_ACCESS_DELETE)));
	} else {
		/* No rule speaks: no rule's statement may match; the default,
		 * the network section (a refusal) or a system allowance decide. */
		ok = !in_section(&a, POLICY_SBPL_SECTION_FILESYSTEM) && !in_section(&a, POLICY_SBPL_SECTION_KEEP) &&
		     (!a.allow || in_section(&a, POLICY_SBPL_SECTION_SYSTEM));
		if (ok && a.allow) {
			t->by_system++;
			return;
		}
	}
	if (ok) {
		t->agreed++;
		return;
	}
	/* Reported: truncating under a create rule, which Seatbelt cannot
	 * tell from writing. The create rule's statement answers: where
	 * latch says allow too (by another rule of the path), the verdict
	 * agrees; where latch says deny, the note said so. */
	if (lq->access == POLICY_ACCESS_TRUNCATE && a.allow && in_section(&a, POLICY_SBPL_SECTION_FILESYSTEM) &&
	    a.by->comment && noted(sb, "filesystem.create", a.by->comment)) {
		if (d.allow)
			t->agreed++;
		else
			t->reported++;
		return;
	}
	disagree(t, p->name, lq, &d, &a);
}

/* ---- the table of paths -------------------------------------------------- */

static void add_path(char ***paths, const char *path)
{
	char *norm = NULL;

	if (path_normalize(path, &norm) < 0)
		fail_msg("cannot normalize '%s'", path);
	if (!strv_contains(*paths, norm))
		assert_int_equal(strv_push(paths, norm), 0);
	free(norm);
}

static void add_pathf(char ***paths, const char *fmt, ...) _printf_(2, 3);

static void add_pathf(char ***paths, const char *fmt, ...)
{
	char buf[LATCH_PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	add_path(paths, buf);
}

/* Where the lab's built-in plan points its probes, resolved as the lab
 * resolves them (probe_place_path), for a run in ctx's $CWD. */
static void add_lab_paths(char ***paths, const struct policy_ctx *ctx)
{
	size_t len = 0;
	const char *plan = lab_builtin_plan("builtin", &len);
	char harness[LATCH_PATH_MAX];
	struct probe_places places;
	json_error_t je;
	json_t *root, *row;
	size_t i;

	assert_non_null(plan);
	(void)snprintf(harness, sizeof(harness), "%s/.latch-probe-XXXXXX", policy_ctx_var(ctx, "CWD"));
	places = (struct probe_places){ harness, policy_ctx_var(ctx, "CWD"), policy_ctx_var(ctx, "HOME"),
					policy_ctx_var(ctx, "TMPDIR") };
	root = json_loadb(plan, len, 0, &je);
	assert_non_null(root);
	json_array_foreach(json_object_get(root, "rows"), i, row) {
		json_t *args = json_object_get(row, "args"), *fx = json_object_get(json_object_get(row, "setup"), "fixture");
		const char *path = NULL, *klass = NULL, *fixture = NULL;
		struct error err = { 0 };
		char *out = NULL, *resolved = NULL;

		if (fx && probe_place_path(&places, json_string_value(json_object_get(fx, "path")),
					   json_string_value(json_object_get(fx, "path_class")), "x", &out, &err) == 0) {
			add_path(paths, out);
			fixture = out;
		}
		for (size_t k = 0; k + 1 < json_array_size(args); k++) {
			const char *a = json_string_value(json_array_get(args, k));

			if (a && (strcmp(a, "--path") == 0 || strcmp(a, "--to") == 0))
				path = json_string_value(json_array_get(args, k + 1));
			if (a && strcmp(a, "--path-class") == 0)
				klass = json_string_value(json_array_get(args, k + 1));
		}
		if (path && strcmp(path, "${FIXTURE}") == 0)
			path = fixture;
		if (probe_place_path(&places, path, klass, "x", &resolved, &err) == 0)
			add_path(paths, resolved);
		free(resolved);
		free(out);
	}
	json_decref(root);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every rule's path, its ancestors, a child, a deep child and a sibling
 * that shares its prefix; the lab's paths; the system allowances' places. */
static char **path_table(const struct policy *p, const struct policy_ctx *ctx)
{
	char **paths = NULL;

	for (size_t i = 0; i < p->n_rules; i++) {
		const char *r = p->rules[i].path;
		char *dir = strdup(r), *slash;

		assert_non_null(dir);
		add_path(&paths, r);
		while ((slash = strrchr(dir, '/')) != NULL && strcmp(dir, "/") != 0) {
			if (slash == dir)
				slash[1] = '\0';
			else
				*slash = '\0';
			add_path(&paths, dir);
		}
		free(dir);
		add_pathf(&paths, "%s/x", r);
		add_pathf(&paths, "%s/x/y/z", r);
		if (strcmp(r, "/") != 0) {
			add_pathf(&paths, "%sbar", r);
			add_pathf(&paths, "%sbar/x", r);
		}
	}
	add_lab_paths(&paths, ctx);
	add_path(&paths, "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation");
	add_path(&paths, "/usr/lib/dyld");
	add_path(&paths, "/private/var/run/mDNSResponder");
	add_path(&paths, "/nowhere/deep/down");
	sort_n(paths, strv_length(paths), sizeof(char *), cmp_str);
	return paths;
}

/* Render p, and ask both engines every question of the table. */
static void prove(struct policy *p, const struct policy_ctx *ctx, struct tally *total, bool expect_agreement)
{
	static const uint16_t ports[] = { 22, 53, 80, 443, 8080, 65535 };
	_cleanup_strv_free_ char **paths = NULL;
	struct policy_sbpl sb = { 0 };
	struct error err = { 0 };
	struct tally t = { 0 };
	struct model m;

	if (policy_sbpl_render(p, &sb, &err) < 0)
		fail_msg("profile %s: cannot render: %s", p->name, err.msg);
	parse_sbpl(sb.text, &m);
	paths = path_table(p, ctx);
	/* Seatbelt is latch's static mode: no directory of the sandbox's own. */
	policy_drop_class(p, POLICY_CLASS_PRIVATE);
	for (size_t i = 0; paths[i]; i++)
		for (size_t a = 0; a < ELEMENTSOF(fs_accesses); a++) {
			struct policy_query q = { .access = fs_accesses[a], .path = paths[i] };

			compare_one(p, &m, &sb, &q, &t);
		}
	for (int a = POLICY_ACCESS_TCP_CONNECT; a <= POLICY_ACCESS_TCP_BIND; a++) {
		for (size_t i = 0; i < ELEMENTSOF(ports); i++) {
			struct policy_query q = { .access = (enum policy_access)a, .port = ports[i] };

			compare_one(p, &m, &sb, &q, &t);
		}
		for (size_t i = 0; i < p->net.n_connect + p->net.n_bind; i++) {
			struct policy_query q = { .access = (enum policy_access)a,
						  .port = i < p->net.n_connect ? p->net.connect[i]
									       : p->net.bind[i - p->net.n_connect] };

			compare_one(p, &m, &sb, &q, &t);
		}
	}
	{
		struct policy_query q = { .access = POLICY_ACCESS_SIGNAL };

		compare_one(p, &m, &sb, &q, &t);
	}
	print_message("profile %-12s HOME=%-18s %zu paths, %zu cases: %zu agree, %zu by a system allowance, %zu "
		      "reported, %zu disagree\n",
		      p->name, policy_ctx_var(ctx, "HOME"), strv_length(paths), t.cases, t.agreed, t.by_system,
		      t.reported, t.disagreed);
	total->cases += t.cases;
	total->agreed += t.agreed;
	total->by_system += t.by_system;
	total->reported += t.reported;
	total->disagreed += t.disagreed;
	model_free(&m);
	policy_sbpl_done(&sb);
	if (expect_agreement && t.disagreed > 0)
		fail_msg("profile %s: the rendered SBPL and policy_decide disagree on %zu cases", p->name, t.disagreed);
	if (!expect_agreement && t.disagreed == 0)
		fail_msg("profile %s: a wrong rendering was not caught", p->name);
}

static struct policy *load(const char *name, const struct policy_ctx *ctx)
{
	struct error err = { 0 };
	struct policy *p = NULL;

	if (policy_load(name, ctx, &p, &err) < 0)
		fail_msg("cannot load '%s': %s", name, err.msg);
	return p;
}

static struct policy *load_buffer(const char *json, const struct policy_ctx *ctx)
{
	struct error err = { 0 };
	struct policy *p = NULL;

	if (policy_load_buffer(json, strlen(json), "fixture.json", ctx, &p, &err) < 0)
		fail_msg("cannot load '%s': %s", json, err.msg);
	return p;
}

/* ---- tests --------------------------------------------------------------- */

static void test_builtins_agree(void **state)
{
	static const struct policy_ctx *const ctxs[] = { &mac_ctx, &root_ctx };
	struct tally total = { 0 };

	(void)state;
	for (size_t c = 0; c < ELEMENTSOF(ctxs); c++)
		for (size_t i = 0; i < ELEMENTSOF(profile_names); i++) {
			_cleanup_policy_ struct policy *p = load(profile_names[i], ctxs[c]);

			prove(p, ctxs[c], &total, true);
		}
	print_message("built-in profiles: %zu cases, %zu agree, %zu by a system allowance, %zu reported, %zu "
		      "disagree\n",
		      total.cases, total.agreed, total.by_system, total.reported, total.disagreed);
	assert_int_equal(total.reported, 0);
	assert_true(total.cases > 10000);
}

/* Every class, nested allow and deny, equal depth, the root, a protect rule
 * that an allow overrides, trailing slashes and regex characters in paths. */
static const char *const fixtures[] = {
	"{\"name\":\"classes\",\"filesystem\":{"
	"\"deny\":[\"/p/same\",\"/p/a/b\",\"/q/w/d\",\"$HOME/.ssh\",\"/p/a/s/deep\"],"
	"\"read\":[\"/p/same\",\"/p/a/b/c\",\"/q\",\"$HOME/.ssh/known_hosts\",\"/p/a/b/c/\"],"
	"\"exec\":[\"/q/w/d/e\",\"$CWD\"],"
	"\"write\":[\"/p/a\",\"/q/w\",\"/p/same2\",\"$CWD\",\"$CWD/.mcp.json\",\"$HOME/cache/\",\"/l/in\"],"
	"\"create\":[\"/p/same2\",\"/c\",\"/q/w/d/e/c\"],"
	"\"protect\":[\"$CWD/.mcp.json\",\"$CWD/.git/hooks\",\"/q/w/prot\",\"/p/same2\",\"/c/p\"],"
	"\"list\":[\"/l\",\"/q/w\",\"/\"],"
	"\"scratch\":[\"/s\",\"/p/a/s\",\"/l\"],"
	"\"unix_connect\":[\"/run/u.sock\",\"/run/dir\",\"$HOME/.ssh/agent\",\"/p/a/b/sock\"],"
	"\"private\":[\"/dev/shm\",\"/p/a/priv\",\"/q/w/prot\"]}}",
	"{\"name\":\"rootdeny\",\"filesystem\":{\"deny\":[\"/\"],\"read\":[\"/usr\"],\"exec\":[\"/usr/bin\"],"
	"\"write\":[\"$CWD\"],\"protect\":[\"/usr/bin/x\"]},\"process\":{\"signals\":\"open\"}}",
	"{\"name\":\"rootwrite\",\"filesystem\":{\"write\":[\"/\"],\"deny\":[\"$HOME/.ssh\"],\"protect\":[\"/etc\"],"
	"\"read\":[\"/etc/x\"]},\"network\":{\"mode\":\"on\"}}",
	"{\"name\":\"ports\",\"filesystem\":{\"read\":[\"/usr\"],\"unix_connect\":[\"/\"],\"deny\":[\"/var/run\"]},"
	"\"network\":{\"mode\":\"ports\",\"connect_tcp\":[443,22],\"bind_tcp\":[8080]}}",
	"{\"name\":\"quoting\",\"filesystem\":{\"write\":[\"/x/we\\\"ird.d\",\"/x/back\\\\slash\"],"
	"\"deny\":[\"/x/a+b[1]/(c)\",\"/x/we\\\"ird.d/in\"],"
	"\"read\":[\"/x/a+b[1]\",\"/x/a+b[1]/(c)/ok^\",\"/x/^caret|{2}?\"],\"scratch\":[\"/x/a.b\"]}}",
	"{\"name\":\"proxy\",\"filesystem\":{\"read\":[\"/usr\"],\"unix_connect\":[\"/run/u.sock\"]},"
	"\"network\":{\"mode\":\"proxy\",\"hosts\":[\"api.example.com\",\"*.example.org:8443\"],"
	"\"deny_hosts\":[\"bad.example.org\"],\"resolve\":{\"mock.test\":\"127.0.0.1\"}}}",
};

static void test_fixtures_agree(void **state)
{
	struct tally total = { 0 };

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(fixtures); i++) {
		_cleanup_policy_ struct policy *p = load_buffer(fixtures[i], &mac_ctx);

		prove(p, &mac_ctx, &total, true);
	}
	/* The create rules' truncating is the one reported difference. */
	assert_true(total.reported > 0);
}

/* Disagreements between policy_decide() on p and the evaluator on text,
 * beyond what sb's notes report. */
static size_t count_disagreements(struct policy *p, const char *text, const struct policy_sbpl *sb)
{
	_cleanup_strv_free_ char **paths = path_table(p, &mac_ctx);
	struct tally t = { .quiet = true };
	struct model m;

	parse_sbpl(text, &m);
	for (size_t i = 0; paths[i]; i++)
		for (size_t a = 0; a < ELEMENTSOF(fs_accesses); a++) {
			struct policy_query q = { .access = fs_accesses[a], .path = paths[i] };

			compare_one(p, &m, sb, &q, &t);
		}
	model_free(&m);
	return t.disagreed;
}

/* text with each (regex #"^X/") -- the entries strictly below X -- turned
 * into (subpath "X"), as a renderer would write it that decided creating
 * and removing on the entry rather than on its directory. */
static char *entries_as_subpath(const char *text)
{
	static const char open[] = "(regex #\"^";
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *s = text, *hit;

	assert_non_null(f);
	while ((hit = strstr(s, open)) != NULL) {
		const char *x = hit + strlen(open), *end = strstr(x, "\")");

		assert_non_null(end);
		fwrite(s, 1, (size_t)(hit - s), f);
		if (end > x && end[-1] == '/' && end[-2] != ']') {
			fputs("(subpath \"", f);
			for (const char *c = x; c < end - 1; c++)
				if (*c != '\\')
					fputc(*c, f);
			fputs("\")", f);
		} else {
			fwrite(hit, 1, (size_t)(end + 2 - hit), f);
		}
		s = end + 2;
	}
	fputs(s, f);
	assert_int_equal(fclose(f), 0);
	return out;
}

/* The evaluator is not fooled: each part of the encoding is needed, and
 * leaving one out is caught. */
static void test_wrong_renderings_caught(void **state)
{
	_cleanup_policy_ struct policy *p = load_buffer(fixtures[0], &mac_ctx);
	_cleanup_policy_ struct policy *rev = load_buffer(fixtures[0], &mac_ctx);
	struct policy_sbpl sb = { 0 }, wrong = { 0 };
	struct error err = { 0 };
	_cleanup_free_ char *cut = NULL, *subpath = NULL;
	size_t n;

	(void)state;
	assert_int_equal(policy_sbpl_render(p, &sb, &err), 0);
	policy_drop_class(p, POLICY_CLASS_PRIVATE);
	assert_int_equal(count_disagreements(p, sb.text, &sb), 0);

	/* The most specific rule first, as a naive renderer would order them
	 * (the rendering sorts by depth: inverting it reverses the order). */
	for (size_t i = 0; i < rev->n_rules; i++)
		rev->rules[i].depth = 100 - rev->rules[i].depth;
	assert_int_equal(policy_sbpl_render(rev, &wrong, &err), 0);
	n = count_disagreements(p, wrong.text, &sb);
	print_message("most specific first: %zu disagreements\n", n);
	assert_true(n > 100);

	/* Without the last section, a denied directory could be removed. */
	cut = strndup(sb.text, (size_t)(strstr(sb.text, ";;; " POLICY_SBPL_SECTION_KEEP) - sb.text));
	n = count_disagreements(p, cut, &sb);
	print_message("no last section: %zu disagreements\n", n);
	assert_true(n > 10);

	/* Creating and removing decided on the entry: the rule's own path
	 * could be removed. */
	subpath = entries_as_subpath(sb.text);
	assert_string_not_equal(subpath, sb.text);
	n = count_disagreements(p, subpath, &sb);
	print_message("creating decided on the entry: %zu disagreements\n", n);
	assert_true(n > 0);

	policy_sbpl_done(&wrong);
	policy_sbpl_done(&sb);
}

/* What Seatbelt cannot express is reported, rule by rule and key by key. */
static void test_notes(void **state)
{
	_cleanup_policy_ struct policy *agent = load("agent", &mac_ctx);
	_cleanup_policy_ struct policy *fx = load_buffer(fixtures[0], &mac_ctx);
	struct policy_sbpl sb = { 0 };
	struct error err = { 0 };
	bool priv = false, scratch = false, supervise = false, env = false, create = false;

	(void)state;
	assert_int_equal(policy_sbpl_render(agent, &sb, &err), 0);
	for (size_t i = 0; i < sb.n_notes; i++) {
		priv |= strcmp(sb.notes[i].key, "filesystem.private") == 0 && strcmp(sb.notes[i].path, "/tmp") == 0;
		scratch |= strcmp(sb.notes[i].key, "filesystem.scratch") == 0 && strcmp(sb.notes[i].path, "/var/tmp") == 0;
		supervise |= strcmp(sb.notes[i].key, "supervise") == 0;
		env |= strcmp(sb.notes[i].key, "env") == 0;
		/* Each note is also in the text, as a comment. */
		assert_non_null(strstr(sb.text, sb.notes[i].text));
	}
	assert_true(priv && scratch && supervise && env);
	/* private is not rendered; scratch is, as creating right in it. */
	assert_null(strstr(sb.text, "(subpath \"/dev/shm\")"));
	assert_non_null(strstr(sb.text, "(allow file-write-create (regex #\"^/var/tmp/[^/]+$\"))"));
	policy_sbpl_done(&sb);

	assert_int_equal(policy_sbpl_render(fx, &sb, &err), 0);
	for (size_t i = 0; i < sb.n_notes; i++)
		create |= strcmp(sb.notes[i].key, "filesystem.create") == 0 && strcmp(sb.notes[i].path, "/c") == 0;
	assert_true(create);
	policy_sbpl_done(&sb);
}

/* network.mode proxy: the hosts are reported, not dropped, and nothing
 * leaves: no TCP, and no resolver (the proxy resolves names on Linux). */
static void test_proxy_mode(void **state)
{
	_cleanup_policy_ struct policy *p = load_buffer(fixtures[ELEMENTSOF(fixtures) - 1], &mac_ctx);
	struct policy_sbpl sb = { 0 };
	struct error err = { 0 };
	bool hosts = false;

	(void)state;
	assert_int_equal(p->net.mode, POLICY_NET_PROXY);
	assert_int_equal(policy_sbpl_render(p, &sb, &err), 0);
	for (size_t i = 0; i < sb.n_notes; i++)
		hosts |= strcmp(sb.notes[i].key, "network.mode") == 0 &&
			 strstr(sb.notes[i].text, "2 network.hosts, 1 network.deny_hosts and 1 network.resolve") != NULL;
	assert_true(hosts);
	assert_non_null(strstr(sb.text, "\n(deny network*)\n"));
	assert_null(strstr(sb.text, "mDNSResponder"));
	assert_null(strstr(sb.text, "tcp \""));
	policy_sbpl_done(&sb);
}

/* Shapes the README promises, on a small profile. */
static void test_shapes(void **state)
{
	_cleanup_policy_ struct policy *p = load_buffer(
		"{\"name\":\"shapes\",\"filesystem\":{\"deny\":[\"$HOME/.ssh\"],\"read\":[\"$HOME/.ssh/known_hosts\"],"
		"\"write\":[\"$CWD\"],\"list\":[\"/etc\"]},\"network\":{\"mode\":\"ports\",\"connect_tcp\":[443]}}",
		&mac_ctx);
	struct policy_sbpl sb = { 0 };
	struct error err = { 0 };
	const char *deny, *allow;

	(void)state;
	assert_int_equal(policy_sbpl_render(p, &sb, &err), 0);
	assert_true(strncmp(sb.text, ";;", 2) == 0);
	assert_non_null(strstr(sb.text, "\n(version 1)\n(deny default)\n"));
	assert_non_null(strstr(sb.text, "(allow network-outbound (remote tcp \"*:443\"))"));
	assert_non_null(strstr(sb.text, "(allow file-read-data (literal \"/etc\"))"));
	assert_non_null(strstr(sb.text, "(allow file-write-create file-write-unlink (regex #\"^/Users/u/project/\"))"));
	assert_non_null(strstr(sb.text, "(remote unix-socket (path-regex #\"^/Users/u/project(/|$)\"))"));
	/* The deeper allow inside the deny comes after it. */
	deny = strstr(sb.text, "(subpath \"/Users/u/.ssh\")");
	allow = strstr(sb.text, "(subpath \"/Users/u/.ssh/known_hosts\")");
	assert_non_null(deny);
	assert_non_null(allow);
	assert_true(deny < allow);
	/* Creating or removing ~/.ssh, ~ and the directories above: refused last. */
	assert_non_null(strstr(sb.text, "(literal \"/Users/u/.ssh\")"));
	assert_true(strstr(sb.text, ";;; " POLICY_SBPL_SECTION_KEEP) > allow);
	policy_sbpl_done(&sb);

	/* A control character cannot be said in SBPL: an error, never dropped. */
	{
		_cleanup_policy_ struct policy *bad = load_buffer(
			"{\"name\":\"bad\",\"filesystem\":{\"deny\":[\"/a\\nb\"]}}", &mac_ctx);

		assert_int_equal(policy_sbpl_render(bad, &sb, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "control character"));
	}
}

/* tests/sbpl/NAME.sb: the built-in profiles rendered with mac_vars. */
static void test_golden(void **state)
{
	const char *dir = getenv("LATCH_SBPL_GOLDEN_DIR") ? getenv("LATCH_SBPL_GOLDEN_DIR") : "tests/sbpl";
	const char *mode = getenv("LATCH_SBPL_GOLDEN");
	bool write = mode && strcmp(mode, "write") == 0;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(profile_names); i++) {
		_cleanup_policy_ struct policy *p = load(profile_names[i], &mac_ctx);
		struct policy_sbpl sb = { 0 };
		struct error err = { 0 };
		char path[512], *have = NULL;
		size_t len = 0;
		FILE *f;

		assert_int_equal(policy_sbpl_render(p, &sb, &err), 0);
		(void)snprintf(path, sizeof(path), "%s/%s.sb", dir, profile_names[i]);
		if (write) {
			f = fopen(path, "we");
			if (!f)
				fail_msg("cannot write '%s': %s", path, strerror(errno));
			assert_true(fputs(sb.text, f) >= 0);
			assert_int_equal(fclose(f), 0);
			print_message("wrote %s\n", path);
			policy_sbpl_done(&sb);
			continue;
		}
		f = fopen(path, "re");
		if (!f)
			fail_msg("cannot read '%s': %s (make sbpl-golden writes it)", path, strerror(errno));
		if (getdelim(&have, &len, '\0', f) < 0) {
			free(have);
			have = strdup("");
		}
		(void)fclose(f);
		if (strcmp(have, sb.text) != 0) {
			size_t at = 0, line = 1;

			while (have[at] && have[at] == sb.text[at]) {
				if (have[at] == '\n')
					line++;
				at++;
			}
			fail_msg("%s differs from the rendering at line %zu (if the change is meant, `make "
				 "sbpl-golden` and review the diff)",
				 path, line);
		}
		free(have);
		policy_sbpl_done(&sb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_notes),
		cmocka_unit_test(test_proxy_mode),
		cmocka_unit_test(test_builtins_agree),
		cmocka_unit_test(test_fixtures_agree),
		cmocka_unit_test(test_wrong_renderings_caught),
		cmocka_unit_test(test_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
