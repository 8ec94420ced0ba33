/* SPDX-License-Identifier: MIT */
#ifndef DML_BENCH_CALLGRIND_SPLIT_H
#define DML_BENCH_CALLGRIND_SPLIT_H

/*
 * Splits a callgrind profile (one event, Ir) into what the token design did
 * and what the shared path did.  The design's part is the inclusive cost of
 * every call from a function outside src/tokens/ (and the kernel's
 * lib/xarray.c, which kxarray runs) into one inside it: the
 * ops table's entry points, with the locks, allocations and page-pool puts
 * they make.  Of that, the page-pool part is the inclusive cost of calls
 * from inside src/tokens/ into src/mem/page_pool.c: the recycle every
 * design pays when a page's last reference goes.
 */
struct callgrind_split {
	double total;		/* every instruction collected */
	double token_ops;	/* inclusive, inside the design's token ops */
	double page_pool;	/* of token_ops, in the page pool */
};

/* 0, or -errno when the file cannot be read or is not a callgrind profile. */
int callgrind_split_read(const char *path, struct callgrind_split *out);

#endif /* DML_BENCH_CALLGRIND_SPLIT_H */
