/* The harness: what the runner prepares outside the sandbox before a probe
 * starts, so that a probe measures exactly one operation and modifying
 * probes never touch anything else.
 *
 * The directory is `.latch-probe-XXXXXX` in the current directory (where the
 * agent profile lets a program write), or in $TMPDIR (default /tmp) when the
 * current directory is not writable. It holds the fixtures
 *     file   a small regular file (mode 0644), with the extended attribute
 *            user.latch_probe where the file system takes user xattrs
 *     dir    an empty directory
 *     link   a symlink to "file"
 * and, for network probes, `sock` (a listening unix socket). Listeners are
 * on loopback: a TCP listener and a UDP socket on ephemeral ports, and an
 * abstract unix socket. Nothing ever accepts: a connection completes in the
 * backlog, which is all a probe needs. Everything is removed afterwards. */
#ifndef LATCH_PROBE_HARNESS_H
#define LATCH_PROBE_HARNESS_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"

#define PROBE_HARNESS_PREFIX ".latch-probe-"
#define PROBE_FIXTURE_XATTR "user.latch_probe"

struct probe_harness {
	char *dir;                /* NULL: none */
	char *parent;             /* where it was created */
	int tcp_fd, udp_fd, unix_fd, abstract_fd; /* -1: none */
	uint16_t tcp_port, udp_port;
	char *unix_path;
	char abstract_name[64];   /* without the leading NUL */
};

#define PROBE_HARNESS_INIT { .tcp_fd = -1, .udp_fd = -1, .unix_fd = -1, .abstract_fd = -1 }

/* Create the directory and its fixtures in the first of parents (a
 * NULL-terminated list) that takes it. Returns 0 or a negative errno with err
 * set. */
int probe_harness_create(struct probe_harness *h, const char *const *parents, struct error *err);

/* Open the loopback and unix listeners. Returns 0 or a negative errno. */
int probe_harness_listen(struct probe_harness *h, struct error *err);

/* {dir, parent, tcp_port, udp_port, unix_path, abstract_name}; nulls for
 * what does not exist. */
json_t *probe_harness_to_json(const struct probe_harness *h);

/* Close the listeners and remove the directory with everything in it
 * (without following symlinks). Safe on a harness never created. */
void probe_harness_destroy(struct probe_harness *h);

#endif
