/* SPDX-License-Identifier: MIT */
#ifndef DML_BENCH_INSTRUCTIONS_H
#define DML_BENCH_INSTRUCTIONS_H

#include <stdbool.h>

#include "bench.h"
#include "callgrind_split.h"

bool bench_have_callgrind(void);
double bench_instructions_per_token(const char *self, const char *what,
				    const char *phase, unsigned long segments,
				    unsigned long held, enum bench_profile profile,
				    struct callgrind_split *split);
double bench_drain_per_return(const struct callgrind_split *assign,
			      const struct callgrind_split *ret);

#endif /* DML_BENCH_INSTRUCTIONS_H */
