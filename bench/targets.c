// SPDX-License-Identifier: MIT
/*
 * Issue 16's targets, judged from a report's rows: the return ring must pay
 * off where returns dominate and never cost more than niov, and ownership
 * must stay near niov's cost and far below the kernel's xarray.  Each
 * target is one line per profile it speaks to, with the measured figure;
 * a figure the run did not measure leaves its target "not measured".
 */
#include <string.h>

#include "report.h"

/* Charged rows' worker CPU against the charged baseline (paired ratio). */
static bool charged_ratio(const struct bench_report *r, const char *design,
			  enum bench_profile p, double *out)
{
	const struct bench_row *row = find_row_charged(r, design, p, true);

	if (!row || !row->ratio_vs_baseline.n)
		return false;
	*out = row->ratio_vs_baseline.mean;
	return true;
}

/* Instructions per token, assign + return, of the in-process row. */
static bool instructions(const struct bench_report *r, const char *design,
			 enum bench_profile p, double *out)
{
	const struct bench_row *row = find_row_charged(r, design, p, false);

	if (!row || !row->have_instructions || !(instr_total(row) > 0))
		return false;
	*out = instr_total(row);
	return true;
}

static void judge(struct bench_target *t)
{
	t->met = t->measured && (t->strict ? t->value < t->limit : t->value <= t->limit);
}

/**
 * bench_targets() - issue 16's targets, judged on @r
 * @r: the report
 * @out: room for @room targets
 * @room: BENCH_MAX_TARGETS holds every one
 *
 * Return: the targets written, each measured or not.
 */
size_t bench_targets(const struct bench_report *r, struct bench_target *out, size_t room)
{
	const char *base = report_baseline(r);
	double a, b;
	size_t n = 0;
	unsigned int p;

	for (p = 0; p < BENCH_NR_PROFILES; p++) {
		struct bench_target t[] = {
			{ .what = "ring* worker CPU <= 0.4x baseline*", .unit = "x",
			  .limit = 0.4 },
			{ .what = "ring* worker CPU below niov*'s", .unit = "x", .strict = true },
			{ .what = "ring instructions/token <= niov's", .unit = "" },
			{ .what = "owned instructions/token <= 1.3x niov's", .unit = "x",
			  .limit = 1.3 },
			{ .what = "owned instructions/token <= 0.5x baseline's", .unit = "x",
			  .limit = 0.5 },
		};
		size_t i;

		if (!have_profile(r, p))
			continue;
		/* Where returns dominate: one DONTNEED per token. */
		if (p == BENCH_PROFILE_NCDEVMEM)
			t[0].measured = charged_ratio(r, "ring", p, &t[0].value);
		t[1].measured = charged_ratio(r, "ring", p, &t[1].value) &&
				charged_ratio(r, "niov", p, &t[1].limit);
		t[2].measured = instructions(r, "ring", p, &t[2].value) &&
				instructions(r, "niov", p, &t[2].limit);
		if (instructions(r, "owned", p, &a) && instructions(r, "niov", p, &b)) {
			t[3].measured = true;
			t[3].value = a / b;
		}
		if (instructions(r, "owned", p, &a) && instructions(r, base, p, &b)) {
			t[4].measured = true;
			t[4].value = a / b;
		}
		for (i = 0; i < sizeof(t) / sizeof(t[0]) && n < room; i++) {
			if (i == 0 && p != BENCH_PROFILE_NCDEVMEM)
				continue;
			t[i].profile = (enum bench_profile)p;
			judge(&t[i]);
			out[n++] = t[i];
		}
	}
	return n;
}
