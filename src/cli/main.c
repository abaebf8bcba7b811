/* latch: one table of commands; shared work done once in main(). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "__probe-exec", cmd_probe_exec, "the probe process (internal; names starting with __ are hidden)" },
	{ "commit", cmd_commit, "apply the changes a run --overlay left, each file atomically" },
	{ "diff", cmd_diff, "the changes a run --overlay left, with a diff of text" },
	{ "discard", cmd_discard, "drop the changes a run --overlay left" },
	{ "doctor", cmd_doctor, "what this kernel can enforce, and what latch would degrade" },
	{ "evidence", cmd_evidence, "verify a lab run's digests, or bundle it with its profiles" },
	{ "lab", cmd_lab, "run a plan in three lanes and record where they disagree" },
	{ "learn", cmd_learn, "run a command; propose the profile that would have allowed it" },
	{ "log", cmd_log, "the sessions latch run recorded: list, show, verify" },
	{ "matrix", cmd_matrix, "one probe across a group of profiles, as a compare table" },
	{ "probe", cmd_probe, "run one probe of the catalog in a sandbox, report its outcome" },
	{ "profile", cmd_profile, "list, show, check and render profiles" },
	{ "run", cmd_run, "run a command in a sandbox" },
	{ "why", cmd_why, "whether a profile allows an access, and which rule decides" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: latch COMMAND [ARGS...]\n       latch --help | --version\n\ncommands:\n");
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (commands[i].name[0] != '_')
			fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`latch COMMAND --help` for a command's options; `man latch` for everything.\n");
}

int main(int argc, char **argv)
{
	int r;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			cli_json_asked = true;
	if (strcmp(argv[1], "--version") == 0) {
		if (cli_json_asked) {
			json_t *data = json_object();
			struct json_result res = { .ok = true, .rc = 0, .exit_code = -1 };

			json_set(data, "version", json_str(LATCH_VERSION));
			return cli_print_envelope("version", data, &res, 0);
		}
		printf("latch %s\n", LATCH_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		r = commands[i].fn(argc - 1, argv + 1);
		/* A command whose output could not be written has failed, even
		 * if it decided everything right (git's run_builtin rule). */
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "latch: cannot write to standard output\n");
			return EXIT_LATCH_FAILED;
		}
		return r;
	}
	return cli_usage_error("usage: latch COMMAND [ARGS...]; `latch --help` lists the commands\n",
			       "unknown command '%s'", argv[1]);
}
