/* SPDX-License-Identifier: MIT */
/* What a report writer prints, caught as one string, for the bench tests. */
#ifndef DML_TEST_BENCH_CAPTURE_H
#define DML_TEST_BENCH_CAPTURE_H

#include <stdio.h>

#include "test_helpers.h"

#include "bench.h"

/* The output of @print for @r; the caller frees it. */
static char *capture(const struct bench_report *r,
		     void (*print)(const struct bench_report *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	print(r, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

#endif /* DML_TEST_BENCH_CAPTURE_H */
