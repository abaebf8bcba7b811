#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "sandbox/limits.h"

static const struct {
	int resource;
	const char *name;
	size_t offset;
} rlimits[] = {
	{ RLIMIT_CORE, "core", offsetof(struct policy_limits, core) },
	{ RLIMIT_FSIZE, "fsize", offsetof(struct policy_limits, fsize) },
	{ RLIMIT_NOFILE, "nofile", offsetof(struct policy_limits, nofile) },
	{ RLIMIT_NPROC, "nproc", offsetof(struct policy_limits, nproc) },
};

int limits_apply_rlimits(const struct policy_limits *l, struct error *err)
{
	for (size_t i = 0; i < ELEMENTSOF(rlimits); i++) {
		long long want = *(const long long *)((const char *)l + rlimits[i].offset);
		struct rlimit rl;

		if (want < 0)
			continue;
		if (getrlimit(rlimits[i].resource, &rl) < 0)
			return error_set(err, errno, "cannot read limit %s: %s", rlimits[i].name, strerror(errno));
		if (rl.rlim_max != RLIM_INFINITY && (rlim_t)want > rl.rlim_max)
			return error_set(err, EPERM, "limits.%s: %lld is above the hard limit %llu", rlimits[i].name,
					 want, (unsigned long long)rl.rlim_max);
		/* Both soft and hard: the program cannot raise it again. */
		rl.rlim_cur = rl.rlim_max = (rlim_t)want;
		if (setrlimit(rlimits[i].resource, &rl) < 0)
			return error_set(err, errno, "cannot set limits.%s: %s", rlimits[i].name, strerror(errno));
	}
	return 0;
}

static int write_small(const char *path, const char *value)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(value);

	if (fd < 0)
		return -errno;
	return write(fd, value, n) == (ssize_t)n ? 0 : -errno;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

/* The cgroup2 mount point, from /proc/self/mountinfo. */
static int cgroup2_mount(char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[2048];
		const char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %2047s", mnt) == 1) {
			(void)snprintf(buf, size, "%s", mnt);
			r = 0;
			break;
		}
	}
	(void)fclose(f);
	return r;
}

int cgroup_prepare(const struct policy_limits *l, struct cgroup_handle *h, char **ret_reason)
{
	char mnt[2048], self[2048], dir[4096], ctl[4200], buf[512];
	const char *path;
	int r;

	h->path = NULL;
	*ret_reason = NULL;
	if (l->memory < 0 && l->pids < 0)
		return 0;
	if (cgroup2_mount(mnt, sizeof(mnt)) < 0) {
		*ret_reason = strdup("cgroup_limits: no cgroup v2 hierarchy is mounted; limits.memory and "
				     "limits.pids are not enforced");
		return -EOPNOTSUPP;
	}
	r = read_small_file("/proc/self/cgroup", self, sizeof(self));
	path = r >= 0 ? strstr(self, "0::") : NULL;
	if (!path) {
		*ret_reason = strdup("cgroup_limits: this process is not in a cgroup v2 hierarchy; limits.memory "
				     "and limits.pids are not enforced");
		return -EOPNOTSUPP;
	}
	path += 3;
	self[strcspn(self, "\n")] = '\0';
	(void)snprintf(dir, sizeof(dir), "%s%s", mnt, strcmp(path, "/") == 0 ? "" : path);
	(void)snprintf(ctl, sizeof(ctl), "%s/cgroup.subtree_control", dir);
	if (read_small_file(ctl, buf, sizeof(buf)) < 0 || (l->memory >= 0 && !has_word(buf, "memory")) ||
	    (l->pids >= 0 && !has_word(buf, "pids"))) {
		if (asprintf(ret_reason,
			     "cgroup_limits: the %s controller is not delegated to '%s'; limits.memory and "
			     "limits.pids are not enforced",
			     l->memory >= 0 && !has_word(buf, "memory") ? "memory" : "pids", dir) < 0)
			*ret_reason = NULL;
		return -EOPNOTSUPP;
	}
	if (asprintf(&h->path, "%s/latch-%d", dir, (int)getpid()) < 0)
		return -ENOMEM;
	if (mkdir(h->path, 0755) < 0) {
		if (asprintf(ret_reason, "cgroup_limits: cannot create '%s': %s", h->path, strerror(errno)) < 0)
			*ret_reason = NULL;
		free(h->path);
		h->path = NULL;
		return -EOPNOTSUPP;
	}
	if (l->memory >= 0) {
		(void)snprintf(ctl, sizeof(ctl), "%s/memory.max", h->path);
		(void)snprintf(buf, sizeof(buf), "%lld", l->memory);
		r = write_small(ctl, buf);
	}
	if (r == 0 && l->pids >= 0) {
		(void)snprintf(ctl, sizeof(ctl), "%s/pids.max", h->path);
		(void)snprintf(buf, sizeof(buf), "%lld", l->pids);
		r = write_small(ctl, buf);
	}
	if (r < 0) {
		if (asprintf(ret_reason, "cgroup_limits: cannot write '%s': %s", ctl, strerror(-r)) < 0)
			*ret_reason = NULL;
		cgroup_cleanup(h);
		return -EOPNOTSUPP;
	}
	return 0;
}

int cgroup_attach(const struct cgroup_handle *h, pid_t pid, struct error *err)
{
	char ctl[4200], buf[32];
	int r;

	if (!h->path)
		return 0;
	(void)snprintf(ctl, sizeof(ctl), "%s/cgroup.procs", h->path);
	(void)snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = write_small(ctl, buf);
	if (r < 0)
		return error_set(err, -r, "cannot move the sandbox into '%s': %s", h->path, strerror(-r));
	return 0;
}

void cgroup_cleanup(struct cgroup_handle *h)
{
	if (!h->path)
		return;
	(void)rmdir(h->path);
	free(h->path);
	h->path = NULL;
}
