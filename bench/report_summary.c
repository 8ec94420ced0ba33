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

static void kv_str(FILE *out, const char *key, const char *val)
{
	fprintf(out, " %s=", key);
	put_word(out, val);
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

static void kv_config(FILE *out, const struct bench_config *c)
{
	const char *profiles[BENCH_NR_PROFILES];
	unsigned int p, n = 0;

	kv_num(out, NULL, "runs", c->runs, 0);
	kv_num(out, NULL, "flows", c->flows, 0);
	kv_num(out, NULL, "workers", c->workers, 0);
	fprintf(out, " held=%lu", c->held);
	kv_num(out, NULL, "load_pct", c->load_pct, 2);
	kv_num(out, NULL, "warmup_s", c->warmup_s, 3);
	kv_num(out, NULL, "window_s", c->window_s, 3);
	for (p = 0; p < BENCH_NR_PROFILES; p++)
		if (c->profiles & (1u << p))
			profiles[n++] = bench_profile_name(p);
	kv_list(out, "profiles", profiles, n);
	kv_list(out, "designs", c->designs,
		c->nr_designs < BENCH_MAX_DESIGNS ? c->nr_designs : BENCH_MAX_DESIGNS);
	kv_str(out, "baseline", c->baseline);
	fprintf(out, " quick=%d instructions=%d instr_segments=%lu",
		c->quick, c->instructions, c->instr_segments);
	fprintf(out, " seed=%" PRIu64 " dmabuf_mb=%lu nccl_delay_us=%u",
		c->seed, c->dmabuf_mb, c->nccl_delay_us);
	fprintf(out, " bind_64g=%d", c->bind_64g);
	kv_str(out, "boundary", c->boundary_syscall ? "syscall" : "none");
	kv_num(out, NULL, "stack_cost_ns", c->stack_cost_ns, 1);
	fprintf(out, " stack_cost_auto=%d", c->stack_cost_auto);
	kv_str(out, "json_path", c->json_path);
	kv_str(out, "csv_path", c->csv_path);
	kv_str(out, "plot_path", c->plot_path);
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
	unsigned int i;

	fputs("SUMMARY", out);
	kv_config(out, &r->cfg);
	fprintf(out, " cpus=%u", r->machine.cpus);
	kv_str(out, "cpu_model", r->machine.cpu_model);
	kv_str(out, "kernel", r->machine.kernel);
	fprintf(out, " callgrind=%d", r->machine.callgrind);
	kv_num(out, NULL, "baseline_max_tokens_s", r->baseline_max_tokens_per_s, 0);
	kv_num(out, NULL, "offered_tokens_s", r->offered_tokens_per_s, 0);
	/* how close the kperf runs came to the operating point --load asks for */
	kv_num(out, NULL, "calib_busy_pct", r->calib_busy_pct[BENCH_PROFILE_KPERF], 1);
	kv_num(out, NULL, "calib_charged_busy_pct",
	       r->calib_charged_busy_pct[BENCH_PROFILE_KPERF], 1);
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
			if (!(f->flags & FIELD_STAT)) {
				kv_num(out, d, f->sum, field_value(f, r, row), f->sum_prec);
				continue;
			}
			kv_num(out, d, f->sum, field_stat(f, row)->mean, f->sum_prec);
			if (f->sum_ci)
				kv_num(out, d, f->sum_ci, field_stat(f, row)->ci95, f->sum_prec);
		}
	}
	if (r->have_floor)
		kv_num(out, NULL, "floor_total", floor_total(r), 1);
	if (r->have_bind_64g) {
		kv_num(out, NULL, "bind_64g_s", r->bind_64g_seconds, 3);
		kv_num(out, NULL, "bind_64g_bytes_per_niov",
		       r->bind_64g_bytes_per_niov, 1);
	}
	if (r->have_seed_terms) {
		kv_num(out, NULL, "seed_pred_idle_baseline", r->seed_pred_idle_baseline, 2);
		kv_num(out, NULL, "seed_pred_idle_niov", r->seed_pred_idle_niov, 2);
		kv_num(out, NULL, "seed_pred_ratio", r->seed_pred_ratio, 4);
		kv_num(out, NULL, "seed_k", r->seed_k, 4);
		kv_num(out, NULL, "seed_share", r->seed_share, 4);
	}
	kv_num(out, NULL, "elapsed_s", r->elapsed_s, 1);
	fputc('\n', out);
}
