/* SPDX-License-Identifier: MIT */
#ifndef DML_BENCH_MEMORY_H
#define DML_BENCH_MEMORY_H

double bench_state_bytes_per_token(const char *design, unsigned long held);

#endif /* DML_BENCH_MEMORY_H */
