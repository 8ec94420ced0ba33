/* SPDX-License-Identifier: MIT */
/*
 * Callgrind's client request that turns collection on and off, or nothing
 * in a build without valgrind's headers (then --instructions is skipped).
 */
#ifndef DML_BENCH_CALLGRIND_COLLECT_H
#define DML_BENCH_CALLGRIND_COLLECT_H

#if defined(HAVE_CALLGRIND)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT do { } while (0)
#endif

#endif /* DML_BENCH_CALLGRIND_COLLECT_H */
