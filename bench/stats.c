// SPDX-License-Identifier: MIT
/*
 * The statistics behind every figure of the benchmark: the mean over the
 * runs and the half-width of its 95% confidence interval from Student's t,
 * because a handful of runs (the seed used 11) is far too few for the
 * normal quantile.
 */
#include <math.h>

#include "bench.h"

/*
 * Two-sided 95% quantiles t(0.975, dof) for dof 1..30.  Beyond 30 the
 * normal 1.96 is used; that understates the interval by at most 4% (dof 31)
 * and by under 1% from dof 120.
 */
static const double t95_table[] = {
	12.7062, 4.3027, 3.1824, 2.7764, 2.5706,	/* 1..5 */
	2.4469, 2.3646, 2.3060, 2.2622, 2.2281,		/* 6..10 */
	2.2010, 2.1788, 2.1604, 2.1448, 2.1314,		/* 11..15 */
	2.1199, 2.1098, 2.1009, 2.0930, 2.0860,		/* 16..20 */
	2.0796, 2.0739, 2.0687, 2.0639, 2.0595,		/* 21..25 */
	2.0555, 2.0518, 2.0484, 2.0452, 2.0423,		/* 26..30 */
};

#define T95_TABLE_DOF	(sizeof(t95_table) / sizeof(t95_table[0]))

/**
 * bench_t95() - the two-sided 95% Student t quantile
 * @dof: degrees of freedom, the number of runs minus one
 *
 * Return: t(0.975, @dof) from the table for 1..30, 1.96 beyond, and 0 for
 * @dof 0 so that a single run gets an interval of 0 rather than infinity.
 */
double bench_t95(unsigned int dof)
{
	if (!dof)
		return 0;
	if (dof <= T95_TABLE_DOF)
		return t95_table[dof - 1];
	return 1.96;
}

/**
 * bench_stat_of() - mean and 95% interval of a set of runs
 * @samples: one figure per run
 * @n: how many
 *
 * The variance is taken in a second pass around the mean rather than from
 * running sums, which lose every digit when the runs agree closely.
 *
 * Return: the mean, ci95 = t(0.975, n-1) * sd / sqrt(n) with the sample
 * standard deviation, and @n; ci95 is 0 for @n 1, and everything is 0 for
 * @n 0.
 */
struct bench_stat bench_stat_of(const double *samples, unsigned int n)
{
	struct bench_stat s = { .n = n };
	double sum = 0, sq = 0;
	unsigned int i;

	if (!n)
		return s;
	for (i = 0; i < n; i++)
		sum += samples[i];
	s.mean = sum / n;
	for (i = 0; i < n; i++)
		sq += (samples[i] - s.mean) * (samples[i] - s.mean);
	if (n > 1)
		s.ci95 = bench_t95(n - 1) * sqrt(sq / (n - 1)) / sqrt(n);
	return s;
}

/**
 * bench_paired_ratio() - mean and 95% interval of per-run ratios
 * @num: the figure of the design measured, one per run
 * @den: the baseline's figure from the same run
 * @n: how many pairs
 *
 * Pairing cancels what the runs share (machine noise, frequency), so the
 * interval of the ratio is much tighter than one derived from two separate
 * means.  A pair whose baseline is 0 has no ratio and is left out.
 *
 * Return: the mean and ci95 of num[i] / den[i] over the pairs with a
 * non-zero den, and n = the number of such pairs; all 0 when there is none.
 */
struct bench_stat bench_paired_ratio(const double *num, const double *den,
				     unsigned int n)
{
	double ratio[BENCH_MAX_RUNS];	/* n is at most --runs */
	unsigned int i, k = 0;

	for (i = 0; i < n && k < BENCH_MAX_RUNS; i++)
		if (den[i] != 0)
			ratio[k++] = num[i] / den[i];
	return bench_stat_of(ratio, k);
}

/**
 * bench_profile_name() - the name of a return profile
 * @p: the profile
 *
 * Return: "kperf", "ncdevmem" or "nccl", the names the command line, the
 * JSON and the SUMMARY line use; "unknown" for anything else.
 */
const char *bench_profile_name(enum bench_profile p)
{
	switch (p) {
	case BENCH_PROFILE_KPERF:
		return "kperf";
	case BENCH_PROFILE_NCDEVMEM:
		return "ncdevmem";
	case BENCH_PROFILE_NCCL:
		return "nccl";
	case BENCH_NR_PROFILES:
		break;
	}
	return "unknown";
}
