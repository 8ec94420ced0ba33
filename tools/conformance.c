// SPDX-License-Identifier: MIT
/*
 * devmem-lab conformance: the model-based conformance suite (the tests'
 * test_model.c, SPEC S-4.4, S-5.1 to S-5.5, S-6.1) run on chosen designs,
 * so a design added with --plugin is held to the rules the built-in ones
 * pass.  A design is checked against the rules of its mode as the series
 * defines them, except where its dml_token_design_info says it departs
 * from them (holder_returns, many_bindings, token_slots).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <getopt.h>

#include "cli.h"
#include "plugins.h"

/* tools/conformance_model.c: test_model.c's main under this name. */
int dml_conformance_model_main(void);

#define MAX_DESIGNS	32

static void conformance_usage(FILE *out)
{
	fputs("usage: devmem-lab [--plugin FILE]... conformance [options]\n"
	      "\n"
	      "Runs the model-based conformance suite on token designs: random\n"
	      "deliveries, reads, DONTNEEDs, closes and an unbind over 1 to 3\n"
	      "sockets, every result predicted by a reference model and the\n"
	      "invariant checker run after every step.\n"
	      "  --design NAME       a design to check (repeatable; default every one)\n"
	      "  --seed N            first seed (default from the clock; printed)\n"
	      "  --steps N           steps per case (default 5000)\n"
	      "  --list              print the designs and their modes, then exit\n"
	      "  -h, --help          this text\n"
	      "Exit status: 0 every case passed, 1 a case failed, 2 bad usage.\n",
	      out);
}

static bool design_known(const char *name)
{
	const struct dml_token_design_info *info;
	size_t i;

	for (i = 0; (info = dml_token_design(i)); i++)
		if (!strcmp(info->name, name))
			return true;
	return false;
}

static int list_designs(void)
{
	const struct dml_token_design_info *info;
	size_t i;

	for (i = 0; (info = dml_token_design(i)); i++)
		printf("%-12s autorelease=%d  %s\n", info->name, info->autorelease,
		       info->summary ? info->summary : "");
	return 0;
}

/* The suite reads its seed and steps from the environment, as in the tests. */
static int set_number_env(const char *opt, const char *var, const char *text,
			  unsigned long min)
{
	unsigned long v;

	if (cli_opt_ulong("conformance", opt, text, min, ~0ul, &v))
		return EXIT_USAGE;
	return setenv(var, text, 1) ? EXIT_USAGE : 0;
}

int run_conformance(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "design", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "steps", required_argument, NULL, 'n' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *designs[MAX_DESIGNS];
	size_t nr = 0, i;
	char filter[128];
	int c, failed = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!design_known(optarg)) {
				cli_bad("conformance", "--design",
					"no design '%s' (--list names them)", optarg);
				return EXIT_USAGE;
			}
			if (nr == MAX_DESIGNS) {
				cli_bad("conformance", "--design", "at most %d", MAX_DESIGNS);
				return EXIT_USAGE;
			}
			designs[nr++] = optarg;
			break;
		case 's':
			if (set_number_env("--seed", "DML_MODEL_SEED", optarg, 0))
				return EXIT_USAGE;
			break;
		case 'n':
			if (set_number_env("--steps", "DML_MODEL_STEPS", optarg, 1))
				return EXIT_USAGE;
			break;
		case 'l':
			return list_designs();
		case 'h':
			conformance_usage(stdout);
			return 0;
		default:
			cli_getopt_refused("conformance", c, argv);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_bad("conformance", NULL, "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	for (i = 0; !nr && i < dml_token_design_count() && i < MAX_DESIGNS; i++)
		designs[i] = dml_token_design(i)->name;
	if (!nr)
		nr = i;
	for (i = 0; i < nr; i++) {
		printf("# design %s\n", designs[i]);
		fflush(stdout);
		snprintf(filter, sizeof(filter), "*@%s", designs[i]);
		cmocka_set_test_filter(filter);
		if (dml_conformance_model_main())
			failed++;
	}
	printf("conformance: %zu of %zu designs passed\n", nr - (size_t)failed, nr);
	return failed ? 1 : 0;
}
