/* Variable expansion in profile values: $NAME, ${NAME}, and "~" at the start
 * for $HOME. Unknown and unset variables are errors that name the variable:
 * a rule must never silently change meaning. */
#include <ctype.h>
#include <string.h>

#include "base/path-util.h"
#include "policy/policy.h"

const char *policy_ctx_var(const struct policy_ctx *ctx, const char *name)
{
	for (size_t i = 0; ctx && i < ctx->n_vars; i++)
		if (strcmp(ctx->vars[i].name, name) == 0)
			return ctx->vars[i].value;
	return NULL;
}

static bool ctx_knows(const struct policy_ctx *ctx, const char *name)
{
	for (size_t i = 0; ctx && i < ctx->n_vars; i++)
		if (strcmp(ctx->vars[i].name, name) == 0)
			return true;
	return false;
}

static int append(char *out, size_t *n, const char *s, size_t len, struct error *err)
{
	if (*n + len >= LATCH_PATH_MAX)
		return error_set(err, ENAMETOOLONG, "value longer than %d bytes after expansion", LATCH_PATH_MAX - 1);
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
	return 0;
}

static int append_var(char *out, size_t *n, const char *name, const struct policy_ctx *ctx, struct error *err)
{
	const char *v;

	if (!ctx_knows(ctx, name))
		return error_set(err, EINVAL, "unknown variable $%s", name);
	v = policy_ctx_var(ctx, name);
	if (!v)
		return error_set(err, EINVAL, "variable $%s is not set", name);
	return append(out, n, v, strlen(v), err);
}

int policy_expand(const char *s, const struct policy_ctx *ctx, char **ret, struct error *err)
{
	char out[LATCH_PATH_MAX];
	size_t n = 0;
	const char *p = s;
	int r;

	out[0] = '\0';
	if (p[0] == '~') {
		if (p[1] != '\0' && p[1] != '/')
			return error_set(err, EINVAL, "'~user' is not supported in '%s' (use a path)", s);
		r = append_var(out, &n, "HOME", ctx, err);
		if (r < 0)
			return r;
		p++;
	}
	while (*p) {
		char name[64];
		size_t len = 0;
		bool braced;

		if (*p != '$') {
			size_t lit = strcspn(p, "$");

			r = append(out, &n, p, lit, err);
			if (r < 0)
				return r;
			p += lit;
			continue;
		}
		p++;
		braced = *p == '{';
		if (braced)
			p++;
		while ((isalnum((unsigned char)p[len]) || p[len] == '_') && len < sizeof(name) - 1)
			len++;
		if (len == 0 || isdigit((unsigned char)p[0]))
			return error_set(err, EINVAL, "'$' not followed by a variable name in '%s'", s);
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		if (braced) {
			if (*p != '}')
				return error_set(err, EINVAL, "unterminated '${' in '%s'", s);
			p++;
		}
		r = append_var(out, &n, name, ctx, err);
		if (r < 0)
			return r;
	}
	*ret = strdup(out);
	return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
}

bool policy_mentions_var(const char *s, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strchr(s, '$'); p; p = strchr(p + 1, '$')) {
		const char *v = p[1] == '{' ? p + 2 : p + 1;

		if (strncmp(v, name, n) != 0)
			continue;
		if (p[1] == '{' ? v[n] == '}' : !(isalnum((unsigned char)v[n]) || v[n] == '_'))
			return true;
	}
	return false;
}
