/* SPDX-License-Identifier: MIT */
#ifndef DML_BENCH_ARGS_H
#define DML_BENCH_ARGS_H

#include "bench.h"

const char *bench_baseline_name(void);
void bench_config_defaults(struct bench_config *cfg);
double bench_default_window(const struct bench_config *cfg);
int bench_parse_args(int argc, char **argv, struct bench_config *cfg);
void bench_usage(FILE *out);

#endif /* DML_BENCH_ARGS_H */
