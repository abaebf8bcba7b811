/* Fixtures and listeners for plan rows (setup.h). */
#include <arpa/inet.h>
#include <elf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/path-util.h"
#include "lab/setup.h"

#define FIXTURE_TEXT "latch lab fixture\n"
#define FIXTURE_SCRIPT "#!/bin/sh\nexit 0\n"

static const char *class_dir(const char *klass, const struct lab_where *w, const char **ret_suffix)
{
	*ret_suffix = "";
	if (strcmp(klass, "credentials") == 0) {
		*ret_suffix = ".ssh";
		return w->home;
	}
	if (strcmp(klass, "home") == 0)
		return w->home;
	if (strcmp(klass, "cwd") == 0)
		return w->cwd;
	if (strcmp(klass, "tmp") == 0)
		return w->tmp;
	return NULL;
}

int lab_setup_fixture_path(const struct lab_setup *s, const struct lab_where *w, char **ret, struct error *err)
{
	_cleanup_free_ char *joined = NULL;
	const char *suffix, *dir;
	int r;

	*ret = NULL;
	if (!s->fixture)
		return 0;
	dir = class_dir(s->fixture_class, w, &suffix);
	if (!dir)
		return error_set(err, EINVAL, "setup.fixture: path class '%s' is not known here", s->fixture_class);
	if (asprintf(&joined, "%s/%s/%s", dir, suffix, s->fixture_rel) < 0)
		return error_set(err, ENOMEM, "out of memory");
	r = path_normalize(joined, ret);
	return r < 0 ? error_set(err, -r, "setup.fixture: cannot use '%s': %s", joined, strerror(-r)) : 0;
}

/* The bytes of a fixture. A shared object is only an ELF header of type
 * ET_DYN: what the dlopen probe checks before it maps the file. */
static const void *fixture_bytes(enum lab_fixture_kind k, size_t *ret_len, mode_t *ret_mode, Elf64_Ehdr *eh)
{
	switch (k) {
	case LAB_FIXTURE_FILE:
		*ret_len = strlen(FIXTURE_TEXT);
		*ret_mode = 0644;
		return FIXTURE_TEXT;
	case LAB_FIXTURE_EXECUTABLE:
		*ret_len = strlen(FIXTURE_SCRIPT);
		*ret_mode = 0755;
		return FIXTURE_SCRIPT;
	case LAB_FIXTURE_SHARED_OBJECT:
		memset(eh, 0, sizeof(*eh));
		memcpy(eh->e_ident, ELFMAG, SELFMAG);
		eh->e_ident[EI_CLASS] = ELFCLASS64;
		eh->e_ident[EI_DATA] = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
		eh->e_ident[EI_VERSION] = EV_CURRENT;
		eh->e_type = ET_DYN;
		eh->e_version = EV_CURRENT;
		eh->e_ehsize = sizeof(*eh);
		*ret_len = sizeof(*eh);
		*ret_mode = 0644;
		return eh;
	case _LAB_FIXTURE_KIND_MAX:
		break;
	}
	*ret_len = 0;
	*ret_mode = 0644;
	return "";
}

/* A file already there is taken as ours only if it holds exactly what we
 * would write (a run that was killed left it behind). */
static bool same_content(const char *path, const void *want, size_t len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	char buf[256];
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len || len > sizeof(buf))
		return false;
	return read(fd, buf, sizeof(buf)) == (ssize_t)len && memcmp(buf, want, len) == 0;
}

/* mkdir -p for the directories between the class directory's parent and the
 * fixture, remembering which ones we made. */
static int make_dirs(const char *path, struct lab_setup_state *st, struct error *err)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;

	if (!dir)
		return error_set(err, ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *c = dir + 1;; c++) {
		bool last = *c == '\0';
		struct stat s;

		if (*c != '/' && !last)
			continue;
		*c = '\0';
		if (stat(dir, &s) < 0) {
			if (errno != ENOENT || st->n_dirs >= LAB_SETUP_DIRS_MAX)
				return error_set(err, errno, "setup.fixture: cannot look at '%s': %s", dir, strerror(errno));
			if (mkdir(dir, 0700) < 0)
				return error_set(err, errno, "setup.fixture: cannot create '%s': %s", dir, strerror(errno));
			if (!(st->dirs[st->n_dirs++] = strdup(dir)))
				return error_set(err, ENOMEM, "out of memory");
		} else if (!S_ISDIR(s.st_mode)) {
			return error_set(err, ENOTDIR, "setup.fixture: '%s' is not a directory", dir);
		}
		if (last)
			return 0;
		*c = '/';
	}
}

static int make_fixture(const struct lab_setup *s, const char *path, struct lab_setup_state *st, struct error *err)
{
	Elf64_Ehdr eh;
	size_t len;
	mode_t mode;
	const void *bytes = fixture_bytes(s->fixture_kind, &len, &mode, &eh);
	_cleanup_close_ int fd = -EBADF;
	int r = make_dirs(path, st, err);

	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0 && errno == EEXIST && same_content(path, bytes, len)) {
		st->fixture_created = true;
		return 0;
	}
	if (fd < 0)
		return error_set(err, errno, "setup.fixture: cannot create '%s': %s", path, strerror(errno));
	st->fixture_created = true;
	r = write_all(fd, bytes, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r < 0)
		return error_set(err, -r, "setup.fixture: cannot write '%s': %s", path, strerror(-r));
	return 0;
}

static int listen_on(long port, struct lab_setup_state *st, struct error *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	st->port = port;
	if (fd < 0)
		return error_set(err, errno, "setup.listen: socket: %s", strerror(errno));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		(void)close(fd);
		if (e == EADDRINUSE) {
			st->already_listening = true;
			return 0;
		}
		return error_set(err, e, "setup.listen: cannot listen on 127.0.0.1:%ld: %s", port, strerror(e));
	}
	if (listen(fd, 64) < 0) {
		int e = errno;

		(void)close(fd);
		return error_set(err, e, "setup.listen: listen: %s", strerror(e));
	}
	st->listen_fd = fd;
	return 0;
}

int lab_setup_apply(const struct lab_setup *s, const struct lab_where *w, struct lab_setup_state *st,
		    struct error *err)
{
	int r = lab_setup_fixture_path(s, w, &st->fixture, err);

	if (r >= 0 && st->fixture)
		r = make_fixture(s, st->fixture, st, err);
	if (r >= 0 && s->listen_tcp_port > 0)
		r = listen_on(s->listen_tcp_port, st, err);
	if (r < 0)
		lab_setup_undo(st);
	return r;
}

void lab_setup_undo(struct lab_setup_state *st)
{
	if (st->fixture && st->fixture_created)
		(void)unlink(st->fixture);
	st->fixture_created = false;
	free(st->fixture);
	st->fixture = NULL;
	while (st->n_dirs > 0) {
		char *d = st->dirs[--st->n_dirs];

		(void)rmdir(d);
		free(d);
	}
	if (st->listen_fd >= 0)
		(void)close(st->listen_fd);
	st->listen_fd = -1;
}

json_t *lab_setup_to_json(const struct lab_setup_state *st)
{
	json_t *o = json_object(), *dirs = json_array();

	for (size_t i = 0; i < st->n_dirs; i++)
		(void)json_array_append_new(dirs, json_str(st->dirs[i]));
	json_set(o, "fixture", json_str(st->fixture));
	json_set(o, "fixture_created", json_boolean(st->fixture_created));
	json_set(o, "created_dirs", dirs);
	json_set(o, "tcp_port", st->port > 0 ? json_integer(st->port) : json_null());
	json_set(o, "already_listening", json_boolean(st->already_listening));
	return o;
}
