/* A small bounded pool of child processes for the observed lanes: each job
 * is one `latch probe` command line, run in a session of its own (so no
 * terminal can be asked anything and a timeout ends the whole group), with
 * standard input on /dev/null and its output captured. Prefix: lab_job. */
#ifndef LATCH_LAB_SPAWN_H
#define LATCH_LAB_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LAB_JOB_OUT_MAX (1 << 20)  /* bytes of stdout kept */
#define LAB_JOB_ERR_MAX (16 << 10) /* bytes of stderr kept */
#define LAB_WORKERS_MAX 16

struct lab_job {
	char **argv;          /* argv[0] is the program; borrowed */
	/* Filled by lab_jobs_run(): */
	char *out, *err;      /* NUL-terminated, owned */
	size_t out_len, err_len;
	bool out_truncated;
	int exit_status;      /* -1: killed by a signal, or never started */
	int signal;           /* the signal that ended it, 0: none */
	bool timed_out;       /* killed at the deadline */
	int start_errno;      /* fork or pipe failed; exec failures show as exit status 127 */
	long duration_ms;
	/* Internal. */
	pid_t pid;
	int fd_out, fd_err;
	long long deadline;
};

/* Run every job, at most `workers` at a time, each for at most timeout_ms.
 * Never fails as a whole: each job records what happened to it. */
void lab_jobs_run(struct lab_job *jobs, size_t n, unsigned workers, long timeout_ms);

void lab_job_done(struct lab_job *j);

/* A sensible number of workers for this machine: the online CPUs, at least
 * 2 (probes mostly wait), at most LAB_WORKERS_MAX. */
unsigned lab_default_workers(void);

#endif
