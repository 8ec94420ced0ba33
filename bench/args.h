/* SPDX-License-Identifier: MIT */
#ifndef DML_BENCH_ARGS_H
#define DML_BENCH_ARGS_H

#include "bench.h"

/* Segments in the callgrind run: the full figure, and --quick's smoke one. */
#define BENCH_INSTR_SEGMENTS		20000u
#define BENCH_QUICK_INSTR_SEGMENTS	2000u

/* Room for the one line that says why the arguments were refused. */
#define BENCH_WHY_LEN	256
/* bench_parse_args(): -h was given; the caller prints the usage. */
#define BENCH_ARGS_HELP	1

const char *bench_baseline_name(void);
bool bench_config_has(const struct bench_config *cfg, const char *name);
void bench_config_defaults(struct bench_config *cfg);
double bench_default_window(const struct bench_config *cfg);
int bench_parse_args(int argc, char **argv, struct bench_config *cfg,
		     char why[BENCH_WHY_LEN]);
void bench_usage(FILE *out);

/*
 * What getopt_long() refused (run with opterr = 0 and a ':' optstring):
 * @c is ':' for a missing value, '?' for the rest.  Writes the option's
 * name to @name and returns the problem ("missing value", ...).  The bench
 * and the command's other parsers (tools/options.c) word it alike.
 */
const char *bench_getopt_refused(int c, char **argv, char *name, size_t len);

#endif /* DML_BENCH_ARGS_H */
