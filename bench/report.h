/* SPDX-License-Identifier: MIT */
/* What the parts of the report share: row lookups, the seed's figures, files. */
#ifndef DML_BENCH_REPORT_H
#define DML_BENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "bench.h"
#include "fidelity.h"

/*
 * The least any design must do per token: one atomic increment when the
 * token is handed out, one atomic decrement when it comes back, and the
 * 40-byte cmsg (struct dmabuf_cmsg) written to the user.
 */
#define FLOOR_WHAT "one atomic increment + one atomic decrement + one 40-byte cmsg write"

/* Targets for binding a 64 GiB dma-buf: fast, and net_iov metadata small. */
#define BIND_64G_TARGET_S	0.5
#define BIND_64G_TARGET_B	32.0

/* What the seed series reported (kperf, 4 flows, 11 runs). */
#define SEED_RATIO	(SEED_NIOV_CPU_PCT / SEED_XARRAY_CPU_PCT)
#define V2_RATIO	(V2_NIOV_CPU_PCT / V2_XARRAY_CPU_PCT)
#define SEED_LINE "seed (kperf, 4 flows, 11 runs): worker idle 13.13% (xarray) -> 26.32% (niov), about 13% less CPU per RX worker"

const char *row_design(const struct bench_row *row);
const char *report_baseline(const struct bench_report *r);
const struct bench_row *find_row(const struct bench_report *r, const char *design,
				 enum bench_profile p);
const struct bench_row *find_row_charged(const struct bench_report *r, const char *design,
					 enum bench_profile p, bool charged);
bool have_profile(const struct bench_report *r, enum bench_profile p);
bool have_profile_charged(const struct bench_report *r, enum bench_profile p, bool charged);
double floor_total(const struct bench_report *r);
double instr_total(const struct bench_row *row);
size_t distinct_designs(const struct bench_report *r, const char **out);
int write_file_atomic(const char *path, const char *buf, size_t len);

#endif /* DML_BENCH_REPORT_H */
