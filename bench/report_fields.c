// SPDX-License-Identifier: MIT
/*
 * Every figure of a result row, once: what each output calls it and how to
 * get it.  The table, the JSON, the SUMMARY line and the CSV walk this list,
 * so a new figure is one row here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define STAT(m)		.off = offsetof(struct bench_row, m), .flags = FIELD_STAT
#define NUM(m)		.off = offsetof(struct bench_row, m)

/* In the order every output lists them. */
const struct report_field report_fields[] = {
	{ "worker_cpu_pct", "worker_cpu_pct", STAT(worker_cpu_pct),
	  .title = "worker CPU", .width = 12, .unit = "%", .prec = 1,
	  .sum = "cpu_pct", .sum_prec = 2 },
	{ "worker_idle_pct", "worker_idle_pct", STAT(worker_idle_pct),
	  .title = "idle", .width = 11, .unit = "%", .prec = 1,
	  .sum = "idle_pct", .sum_ci = "idle_ci95", .sum_prec = 2 },
	{ "cpu_ns_per_token", "cpu_ns_per_token", STAT(cpu_ns_per_token),
	  .title = "CPU", .width = 13, .unit = "ns/token", .prec = 1,
	  .sum = "cpu_ns_per_token", .sum_prec = 1 },
	{ "delivered_pct", "delivered_pct", STAT(delivered_pct), .unit = "%",
	  .sum = "delivered_pct", .sum_prec = 1 },
	{ "ratio_vs_baseline", "ratio_vs_baseline",
	  .off = offsetof(struct bench_row, ratio_vs_baseline),
	  .flags = FIELD_STAT | FIELD_BASELINE, .title = "vs", .width = 14, .prec = 3,
	  .sum = "ratio", .sum_ci = "ratio_ci95", .sum_prec = 4 },
	/* Not "max_tokens_s": "baseline_..." reads as the calibration's. */
	{ "tokens_per_s_max", "tokens_per_s_max", STAT(tokens_per_s_max),
	  .title = "max", .width = 14, .unit = "Mtok/s", .prec = 3, .scale = 1e-6,
	  .sum = "tokens_s_max", .sum_prec = 0 },
	/* How fast sched_yield() returns, not how long: JSON and CSV only. */
	{ "stalls_per_s", "stalls_per_s", STAT(stalls_per_s), .unit = "1/s" },
	{ "nic_dry_pct", "nic_dry_pct", STAT(nic_dry_pct),
	  .title = "NIC dry", .width = 10, .unit = "%", .prec = 1 },
	{ "recvmsg_syscalls_per_token", "syscalls_per_token.recvmsg",
	  .off = offsetof(struct bench_row, recvmsg_syscalls_per_token),
	  .flags = FIELD_STAT | FIELD_CHARGED },
	{ "dontneed_syscalls_per_token", "syscalls_per_token.dontneed",
	  .off = offsetof(struct bench_row, dontneed_syscalls_per_token),
	  .flags = FIELD_STAT | FIELD_CHARGED },
	/* Return-ring designs: 0 on the others, so the rows compare. */
	{ "ring_pushes_per_token", "ring.pushes_per_token", STAT(ring_pushes_per_token) },
	{ "ring_fallbacks_per_token", "ring.fallbacks_per_token",
	  STAT(ring_fallbacks_per_token) },
	{ "instr_assign", "instructions_per_token.assign", NUM(instr_assign),
	  .flags = FIELD_INSTR, .title = "assign", .width = 6, .prec = 1 },
	{ "instr_return", "instructions_per_token.return", NUM(instr_return),
	  .flags = FIELD_INSTR, .title = "return", .width = 6, .prec = 1 },
	{ "instr_total", "instructions_per_token.total", .calc = CALC_INSTR_TOTAL,
	  .flags = FIELD_INSTR, .title = "total", .width = 6, .prec = 1,
	  .sum = "instr_total", .sum_prec = 1 },
	{ "instr_vs_floor", "instructions_vs_floor", .calc = CALC_VS_FLOOR,
	  .flags = FIELD_INSTR | FIELD_FLOOR, .title = "vs floor", .width = 11,
	  .suffix = "x floor", .prec = 1 },
	{ "ops_assign", "token_ops_per_token.assign", NUM(ops_assign),
	  .flags = FIELD_INSTR },
	{ "ops_return", "token_ops_per_token.return", NUM(ops_return),
	  .flags = FIELD_INSTR },
	{ NULL, "token_ops_per_token.total", .calc = CALC_OPS, .flags = FIELD_INSTR },
	{ "ops_page_pool", "token_ops_per_token.page_pool", NUM(ops_pool),
	  .flags = FIELD_INSTR },
	{ NULL, "token_ops_per_token.own", .calc = CALC_OWN, .flags = FIELD_INSTR },
	{ NULL, "token_ops_per_token.shared_path", .calc = CALC_SHARED,
	  .flags = FIELD_INSTR },
	{ NULL, "token_ops_per_token.own_vs_floor", .calc = CALC_OWN_VS_FLOOR,
	  .flags = FIELD_INSTR | FIELD_FLOOR },
	{ NULL, "instructions_per_token_held.assign", NUM(instr_held_assign),
	  .flags = FIELD_HELD },
	{ NULL, "instructions_per_token_held.return", NUM(instr_held_return),
	  .flags = FIELD_HELD },
	{ NULL, "instructions_per_token_held.total", .calc = CALC_HELD_TOTAL,
	  .flags = FIELD_HELD },
	{ NULL, "instructions_per_token_held.held", .calc = CALC_HELD,
	  .flags = FIELD_HELD | FIELD_INT },
	{ "state_bytes_per_token", "state_bytes_per_token",
	  NUM(state_bytes_per_token) },
	{ "state_bytes_per_socket", "state_bytes_per_socket",
	  NUM(state_bytes_per_socket) },
	{ "peak_rss_kb", "peak_rss_kb", .calc = CALC_RSS, .flags = FIELD_INT },
};

const size_t report_nr_fields = sizeof(report_fields) / sizeof(report_fields[0]);

bool field_measured(const struct report_field *f, const struct bench_report *r,
		    const struct bench_row *row)
{
	if ((f->flags & FIELD_INSTR) && !row->have_instructions)
		return false;
	if ((f->flags & FIELD_HELD) && !row->have_instr_held)
		return false;
	return !(f->flags & FIELD_FLOOR) || (r->have_floor && floor_total(r) > 0);
}

const struct bench_stat *field_stat(const struct report_field *f,
				    const struct bench_row *row)
{
	return (const struct bench_stat *)((const char *)row + f->off);
}

double field_value(const struct report_field *f, const struct bench_report *r,
		   const struct bench_row *w)
{
	double ops = w->ops_assign + w->ops_return;

	switch (f->calc) {
	case CALC_INSTR_TOTAL:
		return instr_total(w);
	case CALC_VS_FLOOR:
		return instr_total(w) / floor_total(r);
	case CALC_OPS:
		return ops;
	case CALC_OWN:		/* the design's own work: its ops without the page pool */
		return ops - w->ops_pool;
	case CALC_SHARED:
		return instr_total(w) - ops;
	case CALC_OWN_VS_FLOOR:
		return (ops - w->ops_pool) / floor_total(r);
	case CALC_HELD_TOTAL:
		return w->instr_held_assign + w->instr_held_return;
	case CALC_HELD:
		return (double)r->instr_held;
	case CALC_RSS:
		return (double)w->peak_rss_kb;
	case CALC_NONE:
		break;
	}
	return *(const double *)((const char *)w + f->off);
}

/* ---- CSV: the fields with a CSV name, a figure as _mean, _ci95, _n */

/* RFC 4180: a field with a comma, quote or line break is quoted. */
static void csv_field(FILE *f, const char *s)
{
	if (!s)
		s = "";
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_header(FILE *f)
{
	const struct report_field *fl;

	fputs("design,profile,boundary,autorelease,baseline", f);
	for (fl = report_fields; fl < report_fields + report_nr_fields; fl++) {
		if (fl->csv && (fl->flags & FIELD_STAT))
			fprintf(f, ",%s_mean,%s_ci95,%s_n", fl->csv, fl->csv, fl->csv);
		else if (fl->csv)
			fprintf(f, ",%s", fl->csv);
	}
	fputc('\n', f);
}

static void csv_row(FILE *f, const struct bench_report *r,
		    const struct bench_row *row)
{
	const struct report_field *fl;

	csv_field(f, row->design);
	fprintf(f, ",%s,%s,%d,", bench_profile_name(row->profile),
		row->charged ? "syscall" : "none", row->autorelease);
	csv_field(f, report_baseline(r));
	for (fl = report_fields; fl < report_fields + report_nr_fields; fl++) {
		const struct bench_stat *s = field_stat(fl, row);

		if (!fl->csv)
			continue;
		if (fl->flags & FIELD_STAT)
			fprintf(f, ",%.10g,%.10g,%u", s->mean, s->ci95, s->n);
		else if (field_measured(fl, r, row))
			fprintf(f, ",%.10g", field_value(fl, r, row));
		else
			fputc(',', f);	/* empty: not measured */
	}
	fputc('\n', f);
}

/**
 * bench_report_csv() - the rows as CSV
 * @r: the report
 * @path: the file to write, replaced atomically
 *
 * One header line, then one line per row with each figure flattened into
 * _mean, _ci95 and _n columns; instruction columns are empty when not
 * measured.
 *
 * Return: 0, -EINVAL for no @path, -ENOMEM, or the -errno of creating,
 * writing, syncing or renaming the file.
 */
int bench_report_csv(const struct bench_report *r, const char *path)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;
	int err;

	if (!path || !*path)
		return -EINVAL;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	csv_header(f);
	for (i = 0; i < r->nr_rows; i++)
		csv_row(f, r, &r->rows[i]);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	err = write_file_atomic(path, buf, len);
	free(buf);
	return err;
}
