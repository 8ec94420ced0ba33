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

/* xarray "costs what the kernel's xarray costs": within this, either way. */
#define FIDELITY_TOLERANCE	0.15
/* Whether @ours / @kernel is within FIDELITY_TOLERANCE of 1. */
bool bench_fidelity_met(double ours, double kernel);

/* "auto", "0" or a whole number of nanoseconds per 4096-byte segment. */
int bench_parse_stack_cost(const char *text, double *ns, bool *autom);
/*
 * This machine's TCP receive work, per 4096 bytes of a real loopback
 * stream read with MSG_TRUNC (devmem copies nothing), three ways; the
 * reader runs on @reader_cpu and the sender on @sender_cpu (-1: unpinned),
 * where the benchmark runs its worker and NIC thread.
 */
struct bench_stack_cost {
	/* charged: 64 KiB reads of queued data, less the crossing; median */
	double queued_ns;
	double queued_min_ns, queued_max_ns;	/* over the rounds */
	double crossing_ns;	/* one EAGAIN recvmsg, taken out of queued_ns */
	/* blocking recv loop, waits and wake-ups included (the old figure) */
	double tight_ns;
	/* kperf's worker: epoll_wait + up to 10 MSG_DONTWAIT reads per wake-up */
	double kperf_ns;
	double kperf_wakeups_per_read;
	unsigned int rounds;
};

/* 0, or -errno when no loopback TCP stream could be measured. */
int bench_measure_stack_cost(int reader_cpu, int sender_cpu, struct bench_stack_cost *out);

/* A real, idle TCP socket whose system calls each charged call pays. */
int bench_boundary_open(int fds[2]);
void bench_boundary_close(int fds[2]);
/* -EAGAIN: the kernel walked into tcp_recvmsg and found nothing queued. */
int bench_boundary_recvmsg(int fd);
/*
 * 0: the kernel's SO_DEVMEM_DONTNEED took @nr_entries empty entries;
 * -ENOPROTOOPT on a kernel without devmem; both crossed for real.
 */
int bench_boundary_dontneed(int fd, unsigned int nr_entries);
/* Times the burn loop; once, before any bench_burn_cpu_ns(). */
double bench_burn_calibrate(void);
bool bench_burn_calibrated(void);
void bench_burn_cpu_ns(double ns);

#endif /* DML_BENCH_FIDELITY_H */
