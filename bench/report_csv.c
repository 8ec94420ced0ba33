// SPDX-License-Identifier: MIT
/* The report as CSV, one row per design and profile. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

/* ---- CSV */

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

static const char *const csv_stats[] = {
	"worker_cpu_pct", "worker_idle_pct", "cpu_ns_per_token",
	"ratio_vs_baseline", "tokens_per_s_max", "stalls_per_s",
	"recvmsg_syscalls_per_token", "dontneed_syscalls_per_token",
	"delivered_pct",
};

#define CSV_NR_STATS	(sizeof(csv_stats) / sizeof(csv_stats[0]))

static void csv_header(FILE *f)
{
	size_t i;

	fputs("design,profile,boundary,autorelease,baseline", f);
	for (i = 0; i < CSV_NR_STATS; i++)
		fprintf(f, ",%s_mean,%s_ci95,%s_n", csv_stats[i], csv_stats[i],
			csv_stats[i]);
	fputs(",instr_assign,instr_return,instr_total,instr_vs_floor", f);
	fputs(",ops_assign,ops_return,ops_page_pool", f);
	fputs(",state_bytes_per_token,peak_rss_kb\n", f);
}

static void csv_row(FILE *f, const struct bench_report *r,
		    const struct bench_row *row)
{
	const struct bench_stat *stats[CSV_NR_STATS] = {
		&row->worker_cpu_pct, &row->worker_idle_pct,
		&row->cpu_ns_per_token, &row->ratio_vs_baseline,
		&row->tokens_per_s_max, &row->stalls_per_s,
		&row->recvmsg_syscalls_per_token, &row->dontneed_syscalls_per_token,
		&row->delivered_pct,
	};
	size_t i;

	csv_field(f, row->design);
	fprintf(f, ",%s,%s,%d,", bench_profile_name(row->profile),
		row->charged ? "syscall" : "none", row->autorelease);
	csv_field(f, report_baseline(r));
	for (i = 0; i < CSV_NR_STATS; i++)
		fprintf(f, ",%.10g,%.10g,%u", stats[i]->mean, stats[i]->ci95,
			stats[i]->n);
	/* Empty fields: not measured. */
	if (row->have_instructions)
		fprintf(f, ",%.10g,%.10g,%.10g", row->instr_assign,
			row->instr_return, instr_total(row));
	else
		fputs(",,,", f);
	if (row->have_instructions && r->have_floor && floor_total(r) > 0)
		fprintf(f, ",%.10g", instr_total(row) / floor_total(r));
	else
		fputc(',', f);
	if (row->have_instructions)
		fprintf(f, ",%.10g,%.10g,%.10g", row->ops_assign, row->ops_return,
			row->ops_pool);
	else
		fputs(",,,", f);
	fprintf(f, ",%.10g,%ld\n", row->state_bytes_per_token,
		row->peak_rss_kb);
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
