// SPDX-License-Identifier: MIT
/* The grep-able SUMMARY line, like liburcu's benchmarks. */
#include <inttypes.h>

#include "report.h"

/* A value with every blank made '_', so the line splits on spaces. */
static void put_word(FILE *out, const char *s)
{
	if (!s || !*s) {
		fputc('-', out);
		return;
	}
	for (; *s; s++)
		fputc(*s == ' ' || *s == '\t' || *s == '\n' || *s == '=' ?
			      '_' : *s, out);
}

static void kv_num(FILE *out, const char *prefix, const char *key, double v,
		   int prec)
{
	fputc(' ', out);
	if (prefix) {
		put_word(out, prefix);
		fputc('_', out);
	}
	fprintf(out, "%s=%.*f", key, prec, v);
}

/* key=a,b,c, or key=- for none. */
static void kv_list(FILE *out, const char *key, const char *const *names, size_t n)
{
	size_t i;

	fprintf(out, " %s=%s", key, n ? "" : "-");
	for (i = 0; i < n; i++) {
		fputs(i ? "," : "", out);
		put_word(out, names[i]);
	}
}

/* The kperf rows' headline figures, <design>[_charged]_<key>. */
static void kv_rows(FILE *out, const struct bench_report *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_rows; i++) {
		const struct bench_row *row = &r->rows[i];
		const struct report_field *f;
		char d[80];

		if (row->profile != BENCH_PROFILE_KPERF)
			continue;
		/* The charged row's keys must not repeat the in-process row's. */
		snprintf(d, sizeof(d), "%s%s", row_design(row), row->charged ? "_charged" : "");
		for (f = report_fields; f < report_fields + report_nr_fields; f++) {
			if (!f->sum || !field_measured(f, r, row))
				continue;
			/* A figure's value is its mean. */
			kv_num(out, d, f->sum, field_value(f, r, row), f->sum_prec);
			if (f->sum_ci && (f->flags & FIELD_STAT))
				kv_num(out, d, f->sum_ci, field_stat(f, row)->ci95, f->sum_prec);
		}
	}
}

static void kv_figure(FILE *out, const struct bench_report *r,
		      const struct report_figure *f)
{
	const char *names[BENCH_MAX_DESIGNS > BENCH_NR_PROFILES ?
			  BENCH_MAX_DESIGNS : BENCH_NR_PROFILES];
	unsigned int p, n = 0;

	switch (f->type) {
	case FIG_UINT: case FIG_ULONG: case FIG_U64: case FIG_BOOL:
		fprintf(out, " %s=%" PRIu64, f->sum, figure_uint(f, r));
		break;
	case FIG_STR: case FIG_CHARS:
		fprintf(out, " %s=", f->sum);
		put_word(out, figure_str(f, r));
		break;
	case FIG_PROFILES:
		for (p = 0; p < BENCH_NR_PROFILES; p++)
			if (r->cfg.profiles & (1u << p))
				names[n++] = bench_profile_name(p);
		kv_list(out, f->sum, names, n);
		break;
	case FIG_DESIGNS:
		kv_list(out, f->sum, r->cfg.designs, r->cfg.nr_designs < BENCH_MAX_DESIGNS ?
			r->cfg.nr_designs : BENCH_MAX_DESIGNS);
		break;
	case FIG_ROWS:
		kv_rows(out, r);
		break;
	default:
		kv_num(out, NULL, f->sum, figure_double(f, r), f->prec);
	}
}

/**
 * bench_report_summary() - the one grep-able line
 * @r: the report
 * @out: where to print it
 *
 * "SUMMARY" then key=value pairs: every field of struct bench_config, the
 * machine, the calibration, and per design the kperf headline figures
 * (<design>_idle_pct, <design>_ratio, ...).  Values never hold a blank.
 */
void bench_report_summary(const struct bench_report *r, FILE *out)
{
	const struct report_figure *f;
	int last;

	fputs("SUMMARY", out);
	for (last = 0; last < 2; last++)
		for (f = report_figures; f < report_figures + report_nr_figures; f++)
			if (f->sum && f->last == last && figure_shown(f, r))
				kv_figure(out, r, f);
	fputc('\n', out);
}
