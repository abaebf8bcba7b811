/* liblatch: run a program in a latch sandbox from C, without shelling out.
 *
 *   latch_profile_load()        a built-in or user profile by name, or a file
 *   latch_profile_from_json()   a profile as JSON text
 *   latch_profile_add_path()    one more filesystem rule, for this profile object
 *   latch_profile_set_network() the network mode
 *   latch_run()                 run a command in the sandbox and wait for it;
 *                               events and approval questions reach callbacks
 *
 * The sandbox is the one `latch run` starts (Landlock, seccomp, namespaces
 * where the kernel allows them, the supervisor when the profile or the
 * options ask for it): the same plan, the same refusals. Errors are values:
 * every function that can fail fills a struct latch_error with an errno and
 * one line of text. Nothing is printed. Link with `pkg-config --libs latch`.
 *
 * Threads: latch_run() forks; call it from a process that can fork (its
 * callbacks run in the calling thread, while latch_run() waits). */
#ifndef LATCH_H
#define LATCH_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LATCH_VERSION_MAJOR 0
#define LATCH_VERSION_MINOR 1

struct latch_error {
	int code;          /* a positive errno; 0: no error */
	char message[512]; /* one line, no trailing newline */
};

struct latch_profile;

/* A profile by name (built-in first, then $XDG_CONFIG_HOME/latch/profiles)
 * or by path (containing '/' or ending in ".json"), as `latch run -p`
 * takes it. NULL on failure. */
struct latch_profile *latch_profile_load(const char *name, struct latch_error *err);

/* A profile from JSON text (the format of `latch profile show`); its
 * "extends" and groups resolve as for a file. NULL on failure. */
struct latch_profile *latch_profile_from_json(const char *json, size_t len, struct latch_error *err);

void latch_profile_free(struct latch_profile *p);

enum latch_access {
	LATCH_ACCESS_READ,  /* filesystem.read */
	LATCH_ACCESS_WRITE, /* filesystem.write */
	LATCH_ACCESS_EXEC,  /* filesystem.exec */
	LATCH_ACCESS_DENY,  /* filesystem.deny */
};

/* One more rule on an absolute path (variables such as $HOME allowed), as
 * if the profile listed it. Returns 0 or -1 with err set. */
int latch_profile_add_path(struct latch_profile *p, enum latch_access access, const char *path,
			   struct latch_error *err);

enum latch_network {
	LATCH_NETWORK_OFF,
	LATCH_NETWORK_ON,
};

/* Returns 0 or -1 with err set. */
int latch_profile_set_network(struct latch_profile *p, enum latch_network mode, struct latch_error *err);

/* An approval question: the supervisor stopped the program on an access
 * the profile does not grant. The strings live until the callback returns. */
struct latch_question {
	unsigned long long id;
	int pid;
	const char *syscall; /* e.g. "openat" */
	const char *access;  /* "read", "write", "create", "delete", "truncate", "exec", "connect", "bind" */
	const char *path;    /* absolute, resolved */
	bool runs_later;     /* a protected path: code that runs outside the sandbox later */
};

enum latch_answer {
	LATCH_ANSWER_DENY,
	LATCH_ANSWER_ALLOW_ONCE,    /* this call only */
	LATCH_ANSWER_ALLOW_SESSION, /* this path and access, for the rest of the run */
};

struct latch_run_options {
	char *const *argv;      /* the command; argv[0] is looked up in the sandbox's PATH */
	bool no_namespaces;     /* the static mode, as --no-namespaces */
	bool strict;            /* every degradation refuses, as --strict */
	/* Each supervisor event, one JSON line (kind "sandbox_event"), when
	 * the run is supervised. NULL: none. */
	void (*on_event)(const char *json_line, void *data);
	/* Each approval question. Set: the run is supervised, and what the
	 * profile does not grant is asked here. NULL: denied, as the profile
	 * says. */
	enum latch_answer (*on_question)(const struct latch_question *q, void *data);
	void *data;
};

/* Run opts->argv in a sandbox of profile p and wait for it. Returns 0 with
 * *ret_status set as waitpid() sets it (the program's exit, or the signal
 * that ended it), or -1 with err set: the profile cannot be planned, the
 * run is refused (err names every reason), the program is missing (ENOENT)
 * or cannot be executed (EACCES), or latch failed. */
int latch_run(const struct latch_profile *p, const struct latch_run_options *opts, int *ret_status,
	      struct latch_error *err);

/* "0.1.0". */
const char *latch_version(void);

#ifdef __cplusplus
}
#endif

#endif
