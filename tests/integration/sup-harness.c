/* sup-harness: a test launcher for the supervisor (src/supervise/), until
 * `latch run` wires it in. It does what latch run's launch does, in order:
 * load the profile, compile and prepare Landlock and the seccomp baseline,
 * fork; the child sets no_new_privs, applies Landlock and the baseline,
 * installs the notify filter, sends the listener and execs the command;
 * the parent (non-dumpable, a child subreaper) receives the listener and
 * serves it with sup_serve(), then exits with the command's status
 * (128+N for a signal).
 *
 *   sup-harness [OPTIONS] -p PROFILE -- COMMAND [ARG...]
 *     --backend deny|allow|socket|tty   who answers what the profile denies
 *     --socket PATH        approval socket (socket backend)
 *     --timeout-ms N       question timeout
 *     --rate N             questions per second
 *     --events FILE        append sandbox_event lines to FILE
 *     --save-to NAME       allow_always answers go to profile NAME
 *     --save-dir DIR       ... in DIR (default $XDG_CONFIG_HOME/latch/profiles)
 *     --exact auto|yes|no  whether Landlock enforces the profile exactly
 *                          (auto: the plan has no deny-inside-allow conflict)
 *     --no-supervise       Landlock and the baseline only (benchmarks)
 *     --no-pdeathsig       the command survives the supervisor (kill test)
 *     --summary-json       print the summary as one JSON line on stderr
 *     --quiet              no summary lines
 *
 * Programs run inside the sandbox by the tests (argv[1] selects):
 *   sup-harness race ALLOWED DENIED N MARK    a thread flips the path buffer
 *       between ALLOWED and DENIED while another opens it N times; prints
 *       "ok=A denied=D other=O leaked=L" (leaked: DENIED's MARK was read)
 *   sup-harness flood PATH N                  N open+close of PATH; prints
 *       "pause1" after N/10 and "pause2" at the end, each followed by a
 *       500 ms pause (for RSS samples), then "done N"
 *   sup-harness loop-open PATH N DELAY_MS     N opens, one per DELAY_MS,
 *       printing "ok" or the errno name for each, then "done"
 *   sup-harness bench-open PATH N             prints ns per open+close
 *   sup-harness bench-raw N                   prints ns per getppid(),
 *       plain and with a trivial notify round trip (own filter) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "session/session.h"
#include "sandbox/landlock.h"
#include "sandbox/launch.h"
#include "sandbox/seccomp.h"
#include "supervise/supervise.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* Inside the sandbox LeakSanitizer cannot work (no /proc, no ptrace). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long parse_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "sup-harness: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

/* ---- programs run inside the sandbox ----------------------------------------- */

struct race {
	char buf[4096];
	const char *a, *b;
	volatile int stop;
	volatile int started;
};

static void *flipper(void *arg)
{
	struct race *r = arg;
	size_t la = strlen(r->a) + 1, lb = strlen(r->b) + 1;

	r->started = 1;
	while (!r->stop) {
		/* The barriers keep the compiler from dropping the first
		 * copy as a dead store: the opener must see both. */
		memcpy(r->buf, r->a, la);
		__asm__ volatile("" ::: "memory");
		memcpy(r->buf, r->b, lb);
		__asm__ volatile("" ::: "memory");
	}
	return NULL;
}

static int prog_race(int argc, char **argv)
{
	struct race r = { 0 };
	long n, ok = 0, denied = 0, other = 0, leaked = 0;
	const char *mark;
	pthread_t th;

	if (argc != 6)
		return 2;
	r.a = argv[2];
	r.b = argv[3];
	n = parse_num(argv[4], 1, 100000000);
	mark = argv[5];
	memcpy(r.buf, r.a, strlen(r.a) + 1);
	if (pthread_create(&th, NULL, flipper, &r) != 0)
		return 3;
	/* On different CPUs where there are two, so that the path really
	 * changes while the kernel and the supervisor look at it. */
	{
		cpu_set_t all, one;
		int cpus[2], ncpu = 0;

		if (sched_getaffinity(0, sizeof(all), &all) == 0)
			for (int c = 0; c < CPU_SETSIZE && ncpu < 2; c++)
				if (CPU_ISSET(c, &all))
					cpus[ncpu++] = c;
		if (ncpu == 2) {
			CPU_ZERO(&one);
			CPU_SET(cpus[1], &one);
			(void)pthread_setaffinity_np(th, sizeof(one), &one);
			CPU_ZERO(&one);
			CPU_SET(cpus[0], &one);
			(void)sched_setaffinity(0, sizeof(one), &one);
		}
	}
	while (!r.started) /* the race is on before the first open */
		sched_yield();
	for (long i = 0; i < n; i++) {
		char data[4096];
		int fd = open(r.buf, O_RDONLY | O_CLOEXEC);
		ssize_t got;

		if (fd < 0) {
			if (errno == EACCES || errno == EPERM)
				denied++;
			else
				other++;
			continue;
		}
		got = read(fd, data, sizeof(data) - 1);
		close(fd);
		if (got < 0) {
			other++;
			continue;
		}
		data[got] = '\0';
		if (strstr(data, mark))
			leaked++;
		else
			ok++;
	}
	r.stop = 1;
	pthread_join(th, NULL);
	printf("ok=%ld denied=%ld other=%ld leaked=%ld\n", ok, denied, other, leaked);
	return leaked ? 1 : 0;
}

static void pause_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int prog_flood(int argc, char **argv)
{
	long n, fails = 0;

	if (argc != 4)
		return 2;
	n = parse_num(argv[3], 1, 100000000);
	for (long i = 0; i < n; i++) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			fails++;
		else
			close(fd);
		if (i + 1 == n / 10) {
			printf("pause1\n");
			fflush(stdout);
			pause_ms(500);
		}
	}
	printf("pause2\n");
	fflush(stdout);
	pause_ms(500);
	printf("done %ld fails=%ld\n", n, fails);
	return fails ? 1 : 0;
}

static int prog_loop_open(int argc, char **argv)
{
	long n, delay;

	if (argc != 5)
		return 2;
	n = parse_num(argv[3], 1, 1000000);
	delay = parse_num(argv[4], 0, 60000);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < n; i++) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			const char *e = strerrorname_np(errno);

			printf("%s\n", e ? e : "E?");
		} else {
			char c;

			printf("%s\n", read(fd, &c, 1) >= 0 ? "ok" : "read-failed");
			close(fd);
		}
		pause_ms(delay);
	}
	printf("done\n");
	return 0;
}

static int prog_bench_open(int argc, char **argv)
{
	long n;
	long long t0;

	if (argc != 4)
		return 2;
	n = parse_num(argv[3], 1, 100000000);
	for (long i = 0; i < n / 10 + 1; i++) { /* warm up */
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			perror("open");
			return 1;
		}
		close(fd);
	}
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		close(open(argv[2], O_RDONLY | O_CLOEXEC));
	printf("%.1f\n", (double)(now_ns() - t0) / (double)n);
	return 0;
}

/* The raw round trip: getppid() notified to a parent that answers with a
 * fixed value and nothing else, SYNC_WAKE_UP set, as the supervisor does. */
static int prog_bench_raw(int argc, char **argv)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 4, .filter = insns };
	int sp[2], listener = -1, status;
	long n;
	long long t0;
	double plain;
	pid_t pid;

	if (argc != 3)
		return 2;
	n = parse_num(argv[2], 1, 100000000);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		(void)syscall(__NR_getppid);
	plain = (double)(now_ns() - t0) / (double)n;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		struct error err = { 0 };
		double ns;

		close(sp[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(1);
		listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (listener < 0 || sup_send_fd(sp[1], listener, &err) < 0)
			_exit(1);
		close(listener);
		for (long i = 0; i < n / 10 + 1; i++)
			(void)syscall(__NR_getppid);
		t0 = now_ns();
		for (long i = 0; i < n; i++)
			(void)syscall(__NR_getppid);
		ns = (double)(now_ns() - t0) / (double)n;
		if (write(sp[1], &ns, sizeof(ns)) != sizeof(ns))
			_exit(1);
		_exit(0);
	}
	close(sp[1]);
	{
		struct error err = { 0 };
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;
		double ns = 0;

		if (sup_recv_fd(sp[0], &listener, &err) < 0)
			return 1;
		(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (unsigned long)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
		for (;;) {
			memset(&req, 0, sizeof(req));
			if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
				if (errno == ENOENT || errno == EINTR)
					continue;
				break; /* the child is gone */
			}
			memset(&resp, 0, sizeof(resp));
			resp.id = req.id;
			resp.val = 1;
			(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
			if (req.data.nr != __NR_getppid)
				break;
			/* The child writes its result once done. */
			{
				struct timeval tv = { 0 };
				fd_set rs;

				FD_ZERO(&rs);
				FD_SET(sp[0], &rs);
				if (select(sp[0] + 1, &rs, NULL, NULL, &tv) > 0)
					break;
			}
		}
		if (read(sp[0], &ns, sizeof(ns)) != sizeof(ns))
			return 1;
		waitpid(pid, &status, 0);
		printf("plain=%.1f notified=%.1f\n", plain, ns);
	}
	return 0;
}

/* ---- the launcher ---------------------------------------------------------------- */

struct opts {
	const char *profile;
	enum sup_backend backend;
	const char *socket_path;
	unsigned timeout_ms, rate;
	const char *events;
	const char *save_to, *save_dir;
	int exact; /* -1 auto */
	bool supervise, pdeathsig, summary_json, quiet;
	char **argv;
};

static void usage(void)
{
	fprintf(stderr, "usage: sup-harness [--backend B] [--socket PATH] [--timeout-ms N] [--rate N] "
			"[--events FILE] [--save-to NAME] [--save-dir DIR] [--exact auto|yes|no] "
			"[--no-supervise] [--no-pdeathsig] [--summary-json] [--quiet] -p PROFILE -- CMD...\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },    { "backend", required_argument, NULL, 'b' },
		{ "socket", required_argument, NULL, 's' },     { "timeout-ms", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },       { "events", required_argument, NULL, 'e' },
		{ "save-to", required_argument, NULL, 'S' },    { "save-dir", required_argument, NULL, 'D' },
		{ "exact", required_argument, NULL, 'x' },      { "no-supervise", no_argument, NULL, 'N' },
		{ "no-pdeathsig", no_argument, NULL, 'P' },     { "summary-json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },            {},
	};
	int c;

	*o = (struct opts){ .exact = -1, .supervise = true, .pdeathsig = true };
	while ((c = getopt_long(argc, argv, "+p:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->profile = optarg;
			break;
		case 'b':
			if (sup_backend_from_name(optarg) < 0)
				usage();
			o->backend = (enum sup_backend)sup_backend_from_name(optarg);
			break;
		case 's':
			o->socket_path = optarg;
			break;
		case 't':
			o->timeout_ms = (unsigned)parse_num(optarg, 1, 3600000);
			break;
		case 'r':
			o->rate = (unsigned)parse_num(optarg, 1, 1000000);
			break;
		case 'e':
			o->events = optarg;
			break;
		case 'S':
			o->save_to = optarg;
			break;
		case 'D':
			o->save_dir = optarg;
			break;
		case 'x':
			o->exact = strcmp(optarg, "yes") == 0 ? 1 : strcmp(optarg, "no") == 0 ? 0 : -1;
			break;
		case 'N':
			o->supervise = false;
			break;
		case 'P':
			o->pdeathsig = false;
			break;
		case 'j':
			o->summary_json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		default:
			usage();
		}
	}
	if (!o->profile || optind >= argc)
		usage();
	o->argv = argv + optind;
}

static _noreturn_ void child_fail(const char *what, const struct error *err)
{
	fprintf(stderr, "sup-harness: %s: %s\n", what, err->msg);
	_exit(125);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125;
}

static int launch(const struct opts *o)
{
	struct session_env env;
	struct error err = { 0 };
	struct policy *pol = NULL;
	struct landlock_plan *ll = NULL;
	struct sup_filter *filter = NULL;
	struct sfilter_plan sf;
	struct sup_summary sum;
	struct sup_config cfg;
	char *prog = NULL;
	int sp[2], listener = -1, events_fd = -1, status, r, abi;
	pid_t parent = getpid(), child;
	bool exact;

	session_env_init(&env);
	if (policy_load(o->profile, &env.ctx, &pol, &err) < 0) {
		fprintf(stderr, "sup-harness: %s\n", err.msg);
		return 125;
	}
	abi = landlock_abi();
	if (abi < 1 || landlock_compile(pol, abi, &ll, &err) < 0) {
		fprintf(stderr, "sup-harness: Landlock: %s\n", abi < 1 ? "not available" : err.msg);
		return 125;
	}
	if (pol->uses_private_tmp) {
		const char *priv = policy_ctx_var(&env.ctx, "PRIVATE_TMP");

		if (priv)
			(void)mkdir(priv, 0700);
	}
	if (landlock_prepare(ll, &err) < 0) {
		fprintf(stderr, "sup-harness: %s\n", err.msg);
		return 125;
	}
	sf = (struct sfilter_plan){ .allow_ptrace = pol->process.ptrace,
				    .network_off = pol->net.mode == POLICY_NET_OFF };
	/* Deny-inside-allow conflicts are what the supervisor enforces. */
	exact = o->exact >= 0 ? o->exact == 1 : ll->conflicts == NULL;
	r = launch_find_program(o->argv[0], getenv("PATH"), &prog);
	if (r < 0) {
		fprintf(stderr, "sup-harness: %s: %s\n", o->argv[0], r == -ENOENT ? "not found" : "not executable");
		return r == -ENOENT ? 127 : 126;
	}
	if (o->supervise && sup_filter_build(&filter, SUP_SCOPE_ALL, &err) < 0) {
		fprintf(stderr, "sup-harness: %s\n", err.msg);
		return 125;
	}
	if (o->events) {
		events_fd = open(o->events, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (events_fd < 0) {
			fprintf(stderr, "sup-harness: cannot open '%s': %m\n", o->events);
			return 125;
		}
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return 125;
	fflush(NULL);
	child = fork();
	if (child < 0)
		return 125;
	if (child == 0) {
		struct sup_filter_opts fo = { .wait_killable_recv = true };

		close(sp[0]);
		if (o->backend == SUP_BACKEND_TTY)
			(void)sup_tty_child_setup();
		if (o->pdeathsig && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
			_exit(125);
		(void)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(125);
		if (landlock_apply(ll, &err) < 0)
			child_fail("Landlock", &err);
		if (sfilter_apply(&sf, &err) < 0)
			child_fail("seccomp", &err);
		if (o->supervise) {
			if (sup_filter_load(filter, &fo, &listener, &err) < 0)
				child_fail("notify filter", &err);
			if (sup_send_fd(sp[1], listener, &err) < 0)
				child_fail("listener", &err);
			close(listener);
		}
		close(sp[1]);
		execve(prog, o->argv, environ);
		fprintf(stderr, "sup-harness: cannot execute '%s': %m\n", prog);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(sp[1]);
	(void)prctl(PR_SET_DUMPABLE, 0);
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (!o->supervise) {
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		return exit_code(status);
	}
	if (sup_recv_fd(sp[0], &listener, &err) < 0 || !sup_fd_is_listener(listener)) {
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		fprintf(stderr, "sup-harness: %s\n", err.msg[0] ? err.msg : "not a listener");
		return exit_code(status);
	}
	close(sp[0]);
	sup_config_init(&cfg);
	cfg.policy = pol;
	cfg.landlock = ll;
	cfg.landlock_exact = exact;
	cfg.notifies_creds = true; /* SUP_SCOPE_ALL */
	cfg.backend = o->backend;
	cfg.socket_path = o->socket_path;
	cfg.timeout_ms = o->timeout_ms;
	cfg.max_questions_per_sec = o->rate;
	cfg.events_fd = events_fd;
	cfg.quiet = o->quiet;
	cfg.save_to = o->save_to;
	cfg.save_dir = o->save_dir;
	cfg.reap_orphans = true;
	r = sup_serve(&cfg, listener, child, &sum, &err);
	if (r < 0) {
		fprintf(stderr, "sup-harness: supervisor: %s\n", err.msg);
		kill(child, SIGKILL);
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		return 125;
	}
	if (!o->quiet) {
		char buf[8192];

		sup_summary_format(&sum, buf, sizeof(buf));
		fputs(buf, stderr);
	}
	if (o->summary_json) {
		json_t *j = sup_summary_to_json(&sum);
		char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

		fprintf(stderr, "SUMMARY %s\n", s ? s : "null");
		free(s);
		json_decref(j);
	}
	sup_filter_free(filter);
	landlock_plan_free(ll);
	policy_free(pol);
	free(prog);
	session_env_done(&env);
	return sum.child_reaped ? exit_code(sum.child_status) : 125;
}

int main(int argc, char **argv)
{
	struct opts o;

	if (argc > 1 && strcmp(argv[1], "race") == 0)
		return prog_race(argc, argv);
	if (argc > 1 && strcmp(argv[1], "flood") == 0)
		return prog_flood(argc, argv);
	if (argc > 1 && strcmp(argv[1], "loop-open") == 0)
		return prog_loop_open(argc, argv);
	if (argc > 1 && strcmp(argv[1], "bench-open") == 0)
		return prog_bench_open(argc, argv);
	if (argc > 1 && strcmp(argv[1], "bench-raw") == 0)
		return prog_bench_raw(argc, argv);
	parse(argc, argv, &o);
	return launch(&o);
}
