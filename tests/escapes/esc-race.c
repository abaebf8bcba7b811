/* Races between the check of a path and its use: a second thread swaps
 * what the path means while the first opens it and looks for the secret,
 * at least N times (the control stops at the first success).
 *
 *   symlink-swap ALLOWED SECRET MARK N  a symlink here is replaced, by an
 *                                       atomic rename, with one to ALLOWED
 *                                       and one to SECRET, in turn
 *   dir-swap ALLOWED SECRET MARK N      a symlink to a directory: ours (with
 *                                       a decoy of the secret's name) and
 *                                       the secret's, in turn; opened as
 *                                       LINK/NAME
 *   path-flip ALLOWED SECRET MARK N     the path string itself, in memory,
 *                                       flips between ALLOWED and SECRET
 *
 * The opener goes on until the swapper has swapped N times as well (5 s
 * at the most), so that a busy machine cannot turn the race into N opens
 * of one state. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "esc.h"

struct race {
	const char *targets[2]; /* what the flipper alternates between */
	char link[PATH_MAX];    /* symlink-swap, dir-swap: the swapped link */
	char tmp[PATH_MAX];     /* ... and the name a new link is made under */
	char buf[PATH_MAX];     /* path-flip: the path the opener passes */
	char own[PATH_MAX];     /* dir-swap: our directory, and the decoy in it */
	char decoy[PATH_MAX * 2];
	bool in_memory;         /* path-flip */
	volatile int stop;
	volatile int started;
	volatile unsigned long flips; /* swaps made so far */
	int error;              /* the flipper's own failure, an errno */
};

static void *flip_links(void *arg)
{
	struct race *r = arg;

	/* The link exists before the opener starts. */
	if (symlink(r->targets[0], r->link) < 0) {
		r->error = errno;
		r->started = 1;
		return NULL;
	}
	r->started = 1;
	for (unsigned i = 1; !r->stop; i++) {
		(void)unlink(r->tmp);
		if (symlink(r->targets[i & 1], r->tmp) < 0 || rename(r->tmp, r->link) < 0) {
			r->error = errno;
			return NULL;
		}
		r->flips++;
	}
	return NULL;
}

static void *flip_memory(void *arg)
{
	struct race *r = arg;
	size_t len[2] = { strlen(r->targets[0]) + 1, strlen(r->targets[1]) + 1 };

	r->started = 1;
	while (!r->stop) {
		/* The barriers keep the compiler from dropping a copy as a
		 * dead store: the opener must see both. */
		memcpy(r->buf, r->targets[0], len[0]);
		__asm__ volatile("" ::: "memory");
		memcpy(r->buf, r->targets[1], len[1]);
		__asm__ volatile("" ::: "memory");
		r->flips++;
	}
	return NULL;
}

static long long now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Open PATH at least N times, until the flipper has swapped at least N
 * times too (a busy machine may leave it waiting for a CPU while the
 * opener runs), for RACE_MAX_MS at the most; report. */
#define RACE_MAX_MS 5000
static _noreturn_ void race(struct race *r, const char *path, const char *mark, long n)
{
	long ok = 0, refused = 0, other = 0, leaked = 0, i;
	long long end = now_ms() + RACE_MAX_MS;
	int first_err = 0;
	pthread_t th;

	if (pthread_create(&th, NULL, r->in_memory ? flip_memory : flip_links, r) != 0)
		esc_premise("cannot start the second thread");
	while (!r->started)
		sched_yield();
	for (i = 0; (i < n || r->flips < (unsigned long)n) && !r->error && now_ms() < end; i++) {
		int fd = open(r->in_memory ? r->buf : path, O_RDONLY | O_CLOEXEC), got;

		if (fd < 0) {
			if (errno == ENOENT || errno == EINVAL)
				other++; /* a mask, the moment between unlink and rename, a torn path */
			else
				refused++;
			if (!first_err && errno != ENOENT)
				first_err = errno;
			continue;
		}
		got = esc_fd_has(fd, mark);
		(void)close(fd);
		if (got < 0) {
			other++;
		} else if (got > 0) {
			leaked++;
			if (esc_mode == ESC_CONTROL) {
				i++;
				break;
			}
		} else {
			ok++;
		}
	}
	r->stop = 1;
	(void)pthread_join(th, NULL);
	if (r->link[0])
		(void)unlink(r->link);
	if (r->tmp[0])
		(void)unlink(r->tmp);
	if (r->decoy[0])
		(void)unlink(r->decoy);
	if (r->own[0])
		(void)rmdir(r->own);
	if (r->error)
		esc_premise("the second thread could not swap the link: %s", esc_errno(r->error));
	if (leaked)
		esc_worked("read the secret in %ld of %ld tries", leaked, i);
	if (r->flips < (unsigned long)n)
		esc_premise("the second thread swapped only %lu times in %d ms", r->flips, RACE_MAX_MS);
	esc_nothing("%ld tries, %lu swaps: %ld read the allowed file, %ld refused (%s), %ld not found or unread", i,
		    r->flips, ok, refused, first_err ? esc_errno(first_err) : "-", other);
}

static void links_setup(struct race *r, const char *allowed, const char *secret, const char *tag)
{
	r->targets[0] = allowed;
	r->targets[1] = secret;
	if (esc_scratch_name(r->link, sizeof(r->link), ".", tag) < 0 ||
	    snprintf(r->tmp, sizeof(r->tmp), "%s.new", r->link) >= (int)sizeof(r->tmp))
		esc_premise("a name in the current directory is too long");
}

static void op_symlink_swap(char **argv)
{
	static struct race r;

	links_setup(&r, argv[0], argv[1], "race-link");
	race(&r, r.link, argv[2], esc_num(argv[3], 1, 1000000));
}

static void op_dir_swap(char **argv)
{
	static struct race r;
	char secret_dir[PATH_MAX], name[PATH_MAX], path[PATH_MAX * 2];
	_cleanup_close_ int fd = -EBADF;

	/* Our directory holds a decoy with the secret's name. */
	(void)snprintf(secret_dir, sizeof(secret_dir), "%s", argv[1]);
	(void)snprintf(name, sizeof(name), "%s", argv[1]);
	if (esc_scratch_name(r.own, sizeof(r.own), ".", "race-dir") < 0)
		esc_premise("a name in the current directory is too long");
	(void)snprintf(r.decoy, sizeof(r.decoy), "%s/%s", r.own, basename(name));
	if (mkdir(r.own, 0700) < 0)
		esc_premise("a directory of our own: %s", esc_errno(errno));
	fd = open(r.decoy, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "decoy\n", 6) != 6)
		esc_premise("a decoy in it: %s", esc_errno(errno));
	links_setup(&r, r.own, dirname(secret_dir), "race-dirlink");
	(void)snprintf(path, sizeof(path), "%s/%s", r.link, basename(name));
	race(&r, path, argv[2], esc_num(argv[3], 1, 1000000));
}

static void op_path_flip(char **argv)
{
	static struct race r;

	r.targets[0] = argv[0];
	r.targets[1] = argv[1];
	r.in_memory = true;
	if (strlen(argv[0]) >= sizeof(r.buf) || strlen(argv[1]) >= sizeof(r.buf))
		esc_premise("a path is too long");
	memcpy(r.buf, argv[0], strlen(argv[0]) + 1);
	race(&r, NULL, argv[2], esc_num(argv[3], 1, 1000000));
}

static const struct esc_op ops[] = {
	{ "dir-swap", 4, "ALLOWED SECRET MARK N", op_dir_swap },
	{ "path-flip", 4, "ALLOWED SECRET MARK N", op_path_flip },
	{ "symlink-swap", 4, "ALLOWED SECRET MARK N", op_symlink_swap },
};

int main(int argc, char **argv)
{
	return esc_main(argc, argv, ops, ELEMENTSOF(ops));
}
