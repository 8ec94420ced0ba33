/* SPDX-License-Identifier: MIT */
/*
 * What the model leaves out and the benchmark charges back: the user/kernel
 * boundary of each recvmsg and DONTNEED, and the TCP receive work per
 * segment; and the Amdahl arithmetic that turns our figures into the seed's.
 */
#ifndef DML_BENCH_FIDELITY_H
#define DML_BENCH_FIDELITY_H

#include <stdbool.h>

/* The seed's kperf figures and the series' v2 figures (worker CPU %). */
#define SEED_XARRAY_CPU_PCT	(100.0 - 13.13)
#define SEED_NIOV_CPU_PCT	(100.0 - 26.32)
#define V2_XARRAY_CPU_PCT	83.6
#define V2_NIOV_CPU_PCT		78.7

/*
 * Amdahl: a design that cuts token management to @k of its cost, where
 * token management is @share of the worker's CPU, leaves the worker at
 * (1 - share) + share * k of its CPU.
 */
double bench_amdahl_ratio(double share, double k);
/* The share of worker CPU that token management must be for @cpu_ratio. */
double bench_amdahl_share(double cpu_ratio, double k);

/* "auto", "0" or a whole number of nanoseconds per 4096-byte segment. */
int bench_parse_stack_cost(const char *text, double *ns, bool *autom);
/* CPU per 4096-byte segment of a real loopback TCP read with MSG_TRUNC. */
double bench_measure_stack_cost(void);

/* A real, idle TCP socket whose system calls each charged call pays. */
int bench_boundary_open(int fds[2]);
void bench_boundary_close(int fds[2]);
void bench_boundary_recvmsg(int fd);
void bench_boundary_dontneed(int fd);
void bench_burn_cpu_ns(double ns);

#endif /* DML_BENCH_FIDELITY_H */
