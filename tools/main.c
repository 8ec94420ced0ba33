// SPDX-License-Identifier: MIT
/* devmem-lab: the command-line face of the model. */
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "plugins.h"
#include "rx.h"

int main(int argc, char **argv)
{
	int (*run)(const struct demo_opts *o) = run_demo;
	struct demo_opts opts;

	if (cli_load_plugins(&argc, &argv))
		return EXIT_USAGE;
	if (argc > 1 && !strcmp(argv[1], "conformance"))
		return run_conformance(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "bench"))
		return bench_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "rx"))
		return run_rx(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "run"))
		return run_run(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "bench-instr"))
		return bench_instr_child(argc - 1, argv + 1);
	if (argc > 1 && argv[1][0] != '-') {
		if (!strcmp(argv[1], "check"))
			run = run_check;
		else if (strcmp(argv[1], "demo")) {
			fprintf(stderr, "devmem-lab: unknown command '%s'\n", argv[1]);
			cli_usage(stderr);
			return EXIT_USAGE;
		}
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	if (cli_parse_demo_opts(argc, argv, &opts)) {
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	return run(&opts);
}
