// SPDX-License-Identifier: MIT
/* devmem-lab: the command-line face of the model. */
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "plugins.h"
#include "rx.h"

static int demo_main(int argc, char **argv)
{
	struct demo_opts o;

	if (cli_parse_demo_opts(DEMO_CMD_DEMO, argc, argv, &o))
		return EXIT_USAGE;
	return run_demo(&o);
}

static int check_main(int argc, char **argv)
{
	struct demo_opts o;

	if (cli_parse_demo_opts(DEMO_CMD_CHECK, argc, argv, &o))
		return EXIT_USAGE;
	return run_check(&o);
}

/* One row per subcommand: the dispatch and the top-level --help. */
struct command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "demo", demo_main,
	  "an emulated host set up as ncdevmem sets up a machine, and its\n"
	  "netdev state (the default command)" },
	{ "check", check_main,
	  "the demo host with validated traffic; the invariant checker after\n"
	  "every step" },
	{ "bench", bench_main,
	  "a kperf-like benchmark of every token design" },
	{ "rx", run_rx,
	  "an ncdevmem-compatible receiver fed by real TCP connections" },
	{ "run", run_run,
	  "run a program unmodified against an emulated devmem host" },
	{ "conformance", run_conformance,
	  "the model-based conformance suite on token designs, built in or\n"
	  "loaded with --plugin" },
};

#define NR_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	const char *s;
	size_t i;

	fprintf(out,
		"usage: devmem-lab [--plugin FILE]... [COMMAND] [options]\n"
		"\n"
		"A user-space model of the Linux devmem TCP receive path.  Without a\n"
		"command (or with options only) devmem-lab runs demo.\n"
		"\n"
		"  --plugin FILE   load the token designs of a shared object first\n"
		"                  (repeatable; DEVMEM_LAB_PLUGINS lists more)\n"
		"\n"
		"commands:\n");
	for (i = 0; i < NR_COMMANDS; i++) {
		fprintf(out, "  %-13s", commands[i].name);
		/* A summary's later lines go under its first. */
		for (s = commands[i].summary; *s; s++)
			if (*s == '\n')
				fputs("\n               ", out);
			else
				fputc(*s, out);
		fprintf(out, "\n");
	}
	fprintf(out,
		"\n"
		"devmem-lab COMMAND --help lists a command's options; man devmem-lab has\n"
		"them all, with exit codes and examples.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (cli_load_plugins(&argc, &argv))
		return EXIT_USAGE;
	/* The child the benchmark starts under callgrind, not a command. */
	if (argc > 1 && !strcmp(argv[1], "bench-instr"))
		return bench_instr_child(argc - 1, argv + 1);
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 1 || argv[1][0] == '-')
		return demo_main(argc, argv);
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	cli_bad(NULL, NULL, "unknown command '%s'", argv[1]);
	return EXIT_USAGE;
}
