/* The harness directory, its fixtures and the listeners. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/json-util.h"
#include "probe/harness.h"

#define FIXTURE_TEXT "latch probe fixture\n"

static int make_fixtures(const char *dir, struct error *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -EBADF;

	if (dfd < 0)
		return error_set(err, errno, "cannot open '%s': %s", dir, strerror(errno));
	fd = openat(dfd, "file", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, FIXTURE_TEXT, strlen(FIXTURE_TEXT)) != (ssize_t)strlen(FIXTURE_TEXT) ||
	    fchmod(fd, 0644) < 0 || mkdirat(dfd, "dir", 0755) < 0 || symlinkat("file", dfd, "link") < 0)
		return error_set(err, errno, "cannot create the fixtures in '%s': %s", dir, strerror(errno));
	/* For getxattr; a file system without user xattrs just lacks it. */
	(void)fsetxattr(fd, PROBE_FIXTURE_XATTR, "1", 1, 0);
	return 0;
}

int probe_harness_create(struct probe_harness *h, const char *const *parents, struct error *err)
{
	int r = -ENOENT;

	for (size_t i = 0; parents[i]; i++) {
		_cleanup_free_ char *tmpl = NULL;

		if (asprintf(&tmpl, "%s/%sXXXXXX", strcmp(parents[i], "/") == 0 ? "" : parents[i],
			     PROBE_HARNESS_PREFIX) < 0)
			return error_set(err, ENOMEM, "out of memory");
		if (!mkdtemp(tmpl)) {
			r = -errno;
			continue;
		}
		h->dir = TAKE_PTR(tmpl);
		h->parent = strdup(parents[i]);
		if (!h->parent)
			return error_set(err, ENOMEM, "out of memory");
		return make_fixtures(h->dir, err);
	}
	return error_set(err, -r, "cannot create a harness directory (%s): %s", parents[0] ? parents[0] : "none",
			 strerror(-r));
}

/* An ephemeral loopback socket of this type; its port in *ret_port. */
static int loopback(int type, uint16_t *ret_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || (type == SOCK_STREAM && listen(fd, 16) < 0) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		int e = errno;

		(void)close(fd);
		return -e;
	}
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

/* A listening unix socket; abstract when name[0] is NUL (len bytes). */
static int unix_listener(const char *name, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (len > sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, name, len);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0 ||
	    listen(fd, 16) < 0) {
		int e = errno;

		(void)close(fd);
		return -e;
	}
	return fd;
}

int probe_harness_listen(struct probe_harness *h, struct error *err)
{
	char abstract[sizeof(h->abstract_name) + 1] = { 0 };

	h->tcp_fd = loopback(SOCK_STREAM, &h->tcp_port);
	if (h->tcp_fd < 0)
		return error_set(err, -h->tcp_fd, "cannot open the loopback TCP listener: %s", strerror(-h->tcp_fd));
	h->udp_fd = loopback(SOCK_DGRAM, &h->udp_port);
	if (h->udp_fd < 0)
		return error_set(err, -h->udp_fd, "cannot open the loopback UDP socket: %s", strerror(-h->udp_fd));
	if (h->dir) {
		if (asprintf(&h->unix_path, "%s/sock", h->dir) < 0)
			return error_set(err, ENOMEM, "out of memory");
		h->unix_fd = unix_listener(h->unix_path, strlen(h->unix_path));
		if (h->unix_fd < 0)
			return error_set(err, -h->unix_fd, "cannot listen on '%s': %s", h->unix_path,
					 strerror(-h->unix_fd));
	}
	(void)snprintf(h->abstract_name, sizeof(h->abstract_name), "latch-probe-%d-%u", (int)getpid(),
		       (unsigned)h->tcp_port);
	memcpy(abstract + 1, h->abstract_name, strlen(h->abstract_name));
	h->abstract_fd = unix_listener(abstract, strlen(h->abstract_name) + 1);
	if (h->abstract_fd < 0)
		return error_set(err, -h->abstract_fd, "cannot listen on the abstract socket '%s': %s",
				 h->abstract_name, strerror(-h->abstract_fd));
	return 0;
}

json_t *probe_harness_to_json(const struct probe_harness *h)
{
	json_t *o = json_object();

	json_set(o, "dir", json_str(h->dir));
	json_set(o, "parent", json_str(h->parent));
	json_set(o, "tcp_port", h->tcp_fd >= 0 ? json_integer(h->tcp_port) : json_null());
	json_set(o, "udp_port", h->udp_fd >= 0 ? json_integer(h->udp_port) : json_null());
	json_set(o, "unix_path", h->unix_fd >= 0 ? json_str(h->unix_path) : json_null());
	json_set(o, "abstract_name", h->abstract_fd >= 0 ? json_str(h->abstract_name) : json_null());
	return o;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_DNR)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

void probe_harness_destroy(struct probe_harness *h)
{
	int *fds[] = { &h->tcp_fd, &h->udp_fd, &h->unix_fd, &h->abstract_fd };

	for (size_t i = 0; i < ELEMENTSOF(fds); i++)
		if (*fds[i] >= 0) {
			(void)close(*fds[i]);
			*fds[i] = -1;
		}
	if (h->dir)
		(void)nftw(h->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	free(h->dir);
	free(h->parent);
	free(h->unix_path);
	h->dir = h->parent = h->unix_path = NULL;
}
