/* A row's host setup, done outside every sandbox before its lanes run and
 * undone afterwards: a fixture file at a known place (so that, e.g., a
 * credential read is measured on any machine, not only where ~/.ssh/id_rsa
 * exists) and a loopback TCP listener on a given port. Only what the lab
 * created is removed. Prefix: lab_setup_. */
#ifndef LATCH_LAB_SETUP_H
#define LATCH_LAB_SETUP_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "lab/oracle.h"
#include "lab/plan.h"

#define LAB_SETUP_DIRS_MAX 8

struct lab_setup_state {
	char *fixture;                        /* absolute path; NULL: none */
	bool fixture_created;                 /* the lab wrote it (and removes it) */
	char *dirs[LAB_SETUP_DIRS_MAX];       /* directories the lab created, outermost first */
	size_t n_dirs;
	int listen_fd;                        /* -1: none */
	long port;
	bool already_listening;               /* the port was taken: whatever listens there is used */
};

#define LAB_SETUP_STATE_INIT { .listen_fd = -1, .port = -1 }

/* Where a row's fixture lives (known before anything is created). Returns 0
 * with *ret NULL when the row has none. */
int lab_setup_fixture_path(const struct lab_setup *s, const struct lab_where *w, char **ret, struct error *err);

/* Create the fixture and open the listener. On failure err says what and
 * everything done so far is undone. */
int lab_setup_apply(const struct lab_setup *s, const struct lab_where *w, struct lab_setup_state *st,
		    struct error *err);

/* Remove what lab_setup_apply() created and free the state; safe to call
 * twice. */
void lab_setup_undo(struct lab_setup_state *st);

/* {fixture, fixture_created, created_dirs, tcp_port, already_listening}; call
 * it before lab_setup_undo(). */
json_t *lab_setup_to_json(const struct lab_setup_state *st);

#endif
