/* Hosts: how network.hosts entries and the names programs ask the proxy
 * for are read, checked and made canonical, so that a rule and a request
 * compare as plain strings. Pure: inet_pton/inet_ntop only. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/strv.h"
#include "policy/policy.h"

#define LABEL_MAX 63

static bool name_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* A resolver takes an all-digit or 0x-hex last label for a number
 * ("2130706433" is 127.0.0.1 to inet_aton): never a name. */
static bool label_is_numeric(const char *l, size_t n)
{
	size_t i = 0;

	if (n > 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X')) {
		for (i = 2; i < n; i++)
			if (!((l[i] >= '0' && l[i] <= '9') || (l[i] >= 'a' && l[i] <= 'f') || (l[i] >= 'A' && l[i] <= 'F')))
				return false;
		return true;
	}
	for (i = 0; i < n; i++)
		if (l[i] < '0' || l[i] > '9')
			return false;
	return true;
}

/* A DNS name into ret->name, lower-cased; *ret_labels: how many. */
static int parse_name(const char *s, size_t len, struct policy_host *ret, unsigned *ret_labels, const char **why)
{
	size_t start = 0;
	unsigned labels = 0;

	if (len > 0 && s[len - 1] == '.')
		len--; /* "example.org." is example.org */
	if (len == 0) {
		*why = "empty host name";
		return -EINVAL;
	}
	if (len > POLICY_HOST_MAX) {
		*why = "host name longer than 253 bytes";
		return -EINVAL;
	}
	for (size_t i = 0; i <= len; i++) {
		size_t n;

		if (i < len && s[i] != '.') {
			if (!name_byte(s[i])) {
				*why = "a host name holds only letters, digits, '-', '_' and dots";
				return -EINVAL;
			}
			continue;
		}
		n = i - start;
		if (n == 0) {
			*why = "empty label in host name";
			return -EINVAL;
		}
		if (n > LABEL_MAX) {
			*why = "label longer than 63 bytes in host name";
			return -EINVAL;
		}
		if (s[start] == '-' || s[i - 1] == '-') {
			*why = "a label of a host name starts or ends with '-'";
			return -EINVAL;
		}
		if (i == len && label_is_numeric(s + start, n)) {
			*why = "not a host name: the last label is a number";
			return -EINVAL;
		}
		labels++;
		start = i + 1;
	}
	for (size_t i = 0; i < len; i++)
		ret->name[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	ret->name[len] = '\0';
	ret->kind = POLICY_HOST_NAME;
	*ret_labels = labels;
	return 0;
}

static int parse_address(int family, const char *s, size_t len, struct policy_host *ret)
{
	unsigned char bin[16];
	char text[INET6_ADDRSTRLEN];

	if (len >= sizeof(text))
		return -EINVAL;
	memcpy(text, s, len);
	text[len] = '\0';
	if (inet_pton(family, text, bin) != 1 || !inet_ntop(family, bin, ret->name, sizeof(ret->name)))
		return -EINVAL;
	ret->kind = family == AF_INET ? POLICY_HOST_IPV4 : POLICY_HOST_IPV6;
	return 0;
}

static int host_parse(const char *s, size_t len, bool brackets, bool wildcard, struct policy_host *ret,
		      unsigned *ret_labels, const char **ret_why)
{
	struct policy_host h = { .kind = POLICY_HOST_NAME };
	const char *why = NULL;
	unsigned labels = 0;
	int r;

	if (memchr(s, '\0', len)) {
		*ret_why = "a NUL byte in the host";
		return -EINVAL;
	}
	if (len > 0 && s[0] == '[') {
		if (!brackets || len < 3 || s[len - 1] != ']' || parse_address(AF_INET6, s + 1, len - 2, &h) < 0) {
			*ret_why = brackets ? "not an IPv6 address in brackets" : "an IPv6 address without brackets here";
			return -EINVAL;
		}
	} else if (memchr(s, ':', len)) {
		if (brackets || parse_address(AF_INET6, s, len, &h) < 0) {
			*ret_why = brackets ? "an IPv6 address goes in brackets: [::1]" : "not an IPv6 address";
			return -EINVAL;
		}
	} else if (parse_address(AF_INET, s, len, &h) == 0) {
		/* a dotted quad */
	} else {
		if (wildcard && len > 2 && s[0] == '*' && s[1] == '.') {
			h.wildcard = true;
			s += 2;
			len -= 2;
		}
		r = parse_name(s, len, &h, &labels, &why);
		if (r < 0) {
			*ret_why = why;
			return r;
		}
		if (h.wildcard && labels < 2) {
			*ret_why = "a wildcard needs a domain of at least two labels (*.example.org)";
			return -EINVAL;
		}
	}
	*ret = h;
	if (ret_labels)
		*ret_labels = labels;
	return 0;
}

int policy_host_parse(const char *s, size_t len, bool brackets, bool wildcard, struct policy_host *ret,
		      const char **ret_why)
{
	return host_parse(s, len, brackets, wildcard, ret, NULL, ret_why);
}

static int parse_port(const char *s, uint16_t *ret)
{
	unsigned v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 65535)
			return -EINVAL;
	}
	if (v == 0)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

int policy_host_entry_parse(const char *entry, struct policy_host_rule *ret, const char **ret_why)
{
	size_t len = strlen(entry), hlen = len;
	const char *colon = NULL;
	uint16_t port = 0;
	int r;

	if (entry[0] == '[') {
		const char *close = strchr(entry, ']');

		if (close && close[1] == ':')
			colon = close + 1;
		else if (close && close[1] != '\0') {
			*ret_why = "expected ':PORT' after the IPv6 address";
			return -EINVAL;
		}
	} else {
		colon = strchr(entry, ':');
		if (colon && strchr(colon + 1, ':')) {
			*ret_why = "an IPv6 address goes in brackets: [::1]:8443";
			return -EINVAL;
		}
	}
	if (colon) {
		hlen = (size_t)(colon - entry);
		if (parse_port(colon + 1, &port) < 0) {
			*ret_why = "the port is not a number from 1 to 65535";
			return -EINVAL;
		}
	}
	r = host_parse(entry, hlen, true, true, &ret->host, &ret->labels, ret_why);
	if (r < 0)
		return r;
	ret->port = port;
	return 0;
}

const char *policy_host_port_format(const struct policy_host *h, uint16_t port, char *buf, size_t size)
{
	bool v6 = h->kind == POLICY_HOST_IPV6;

	(void)snprintf(buf, size, "%s%s%s%s:%u", h->wildcard ? "*." : "", v6 ? "[" : "", h->name, v6 ? "]" : "",
		       port);
	return buf;
}

const char *policy_host_rule_label(const struct policy_host_rule *r, char *buf, size_t size)
{
	(void)snprintf(buf, size, "<%s: %s>", r->origin, r->pattern);
	return buf;
}

const char *policy_resolve_lookup(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->net.n_resolve; i++)
		if (strcmp(p->net.resolve[i].name, name) == 0)
			return p->net.resolve[i].address;
	return NULL;
}

int policy_add_host(struct policy *p, const char *entry, bool deny, const char *origin, struct error *err)
{
	struct policy_host_rule rule = { .deny = deny }, *nr;
	const char *why = NULL;

	if (policy_host_entry_parse(entry, &rule, &why) < 0)
		return error_set(err, EINVAL, "'%s': %s", entry, why);
	/* The same entry twice (a group used by two profiles of a chain):
	 * once is enough. */
	for (size_t i = 0; i < p->net.n_hosts; i++)
		if (p->net.hosts[i].deny == deny && p->net.hosts[i].port == rule.port &&
		    p->net.hosts[i].host.wildcard == rule.host.wildcard &&
		    strcmp(p->net.hosts[i].host.name, rule.host.name) == 0)
			return 0;
	if (p->net.n_hosts >= POLICY_HOSTS_MAX)
		return error_set(err, E2BIG, "more than %d entries in network.hosts and deny_hosts", POLICY_HOSTS_MAX);
	nr = realloc(p->net.hosts, (p->net.n_hosts + 1) * sizeof(*nr));
	if (!nr)
		return error_set(err, ENOMEM, "out of memory");
	p->net.hosts = nr;
	rule.pattern = strdup(entry);
	rule.origin = strdup(origin ? origin : "latch");
	if (!rule.pattern || !rule.origin) {
		free(rule.pattern);
		free(rule.origin);
		return error_set(err, ENOMEM, "out of memory");
	}
	p->net.hosts[p->net.n_hosts++] = rule;
	return 0;
}
