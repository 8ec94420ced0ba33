// SPDX-License-Identifier: MIT
/* The report for people: one table per return profile, like DPDK's ring perf table. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* ---- the table engine: cells as "value ± interval", aligned on the ± */

#define TABLE_MAX_COLS	12
#define PLUS_MINUS	" \u00b1 "

struct cell {
	char val[40];
	char ci[24];		/* empty: the figure has no interval */
};

struct table_row {
	const char *heading;	/* non-NULL: this row opens a block */
	struct cell cells[TABLE_MAX_COLS];
};

struct table {
	const char *titles[TABLE_MAX_COLS];
	bool left[TABLE_MAX_COLS];
	size_t ncols;
	struct table_row *rows;
	size_t nrows;
	size_t wval[TABLE_MAX_COLS];
	size_t wci[TABLE_MAX_COLS];
};

static void cell_str(struct cell *c, const char *s)
{
	snprintf(c->val, sizeof(c->val), "%s", s);
	c->ci[0] = '\0';
}

static void cell_num(struct cell *c, double v, int prec)
{
	snprintf(c->val, sizeof(c->val), "%.*f", prec, v);
	c->ci[0] = '\0';
}

/*
 * A figure over runs: "-" when never measured, the bare mean for one run
 * (whose interval of 0 means "unknown", not "exact"), else mean ± ci95.
 */
static void cell_stat(struct cell *c, const struct bench_stat *s, int prec,
		      double scale)
{
	if (!s->n) {
		cell_str(c, "-");
		return;
	}
	cell_num(c, s->mean * scale, prec);
	if (s->n > 1)
		snprintf(c->ci, sizeof(c->ci), "%.*f", prec, s->ci95 * scale);
}

static struct table_row *table_add(struct table *t, const char *heading)
{
	struct table_row *row = &t->rows[t->nrows++];

	memset(row, 0, sizeof(*row));
	row->heading = heading;
	return row;
}

static size_t col_width(const struct table *t, size_t c)
{
	return t->wci[c] ? t->wval[c] + strlen(PLUS_MINUS) - 1 + t->wci[c]
			 : t->wval[c];
}

static void table_measure(struct table *t)
{
	size_t c, i, w;

	for (c = 0; c < t->ncols; c++) {
		t->wval[c] = t->wci[c] = 0;
		for (i = 0; i < t->nrows; i++) {
			const struct cell *cell = &t->rows[i].cells[c];

			if (strlen(cell->val) > t->wval[c])
				t->wval[c] = strlen(cell->val);
			if (strlen(cell->ci) > t->wci[c])
				t->wci[c] = strlen(cell->ci);
		}
		w = strlen(t->titles[c]);
		if (w > col_width(t, c))
			t->wval[c] += w - col_width(t, c);
	}
}

/* Prints one line of @t, without trailing blanks. */
static void table_line(const struct table *t, const struct table_row *row,
		       FILE *out)
{
	char line[1024];
	size_t c, len = 0, end = 0;

	for (c = 0; c < t->ncols && len < sizeof(line); c++) {
		const struct cell *cell = row ? &row->cells[c] : NULL;
		const int w = (int)col_width(t, c);
		char *p = line + len;
		size_t room = sizeof(line) - len;
		int n;

		/* a title or a left cell fills the column; a figure aligns on the ± */
		if (!cell || t->left[c])
			n = snprintf(p, room, "%s%*s", c ? "  " : "", t->left[c] ? -w : w,
				     cell ? cell->val : t->titles[c]);
		else
			n = snprintf(p, room, "%s%*s%s%-*s", c ? "  " : "", (int)t->wval[c],
				     cell->val, cell->ci[0] ? PLUS_MINUS : "",
				     cell->ci[0] ? (int)t->wci[c] : w - (int)t->wval[c], cell->ci);
		if (n < 0)
			break;
		len += (size_t)n < room ? (size_t)n : room - 1;
	}
	for (end = len; end && line[end - 1] == ' '; end--)
		;
	fprintf(out, "%.*s\n", (int)end, line);
}

static void table_print(struct table *t, FILE *out)
{
	size_t i, c, width = 0;

	table_measure(t);
	for (c = 0; c < t->ncols; c++)
		width += (c ? 2 : 0) + col_width(t, c);
	for (i = 0; i < t->nrows; i++) {
		if (t->rows[i].heading) {
			fprintf(out, "\n%s\n", t->rows[i].heading);
			table_line(t, NULL, out);
			for (c = 0; c < width; c++)
				fputc('-', out);
			fputc('\n', out);
		}
		table_line(t, &t->rows[i], out);
	}
}

/* ---- the table */

static void profile_heading(const struct bench_report *r, enum bench_profile p,
			    char *buf, size_t size)
{
	static const char *const how[BENCH_NR_PROFILES] = {
		[BENCH_PROFILE_KPERF] = "128 single-token entries per DONTNEED",
		[BENCH_PROFILE_NCDEVMEM] = "one DONTNEED per token",
		[BENCH_PROFILE_NCCL] = "merged ranges of up to 1024 frags, returned after %u us",
	};
	int n = snprintf(buf, size, "profile %s: ", bench_profile_name(p));

	if (n > 0 && (size_t)n < size && p < BENCH_NR_PROFILES)
		n += snprintf(buf + n, size - (size_t)n, how[p], r->cfg.nccl_delay_us);
	/* Each profile's fixed load is steered on the baseline in that profile. */
	if (n > 0 && (size_t)n < size && p < BENCH_NR_PROFILES &&
	    r->calib_max_tokens_per_s[p] > 0)
		n += snprintf(buf + n, size - (size_t)n,
			      "; offered %.3f M tokens/s (%s %.0f%% busy in calibration, max %.3f M)",
			      r->calib_offered_tokens_per_s[p] / 1e6, report_baseline(r),
			      r->calib_busy_pct[p], r->calib_max_tokens_per_s[p] / 1e6);
	if (n > 0 && (size_t)n < size && p < BENCH_NR_PROFILES &&
	    r->calib_charged_max_tokens_per_s[p] > 0)
		snprintf(buf + n, size - (size_t)n, "; charged %.3f M (%.0f%% busy, max %.3f M)",
			 r->calib_charged_offered_tokens_per_s[p] / 1e6,
			 r->calib_charged_busy_pct[p],
			 r->calib_charged_max_tokens_per_s[p] / 1e6);
}

/* The table's figures: every field with a title, "vs floor" only against one. */
static bool in_table(const struct report_field *f, const struct bench_report *r)
{
	return f->title && (r->have_floor || !(f->flags & FIELD_FLOOR));
}

static void fill_main_row(const struct bench_report *r,
			  const struct bench_row *row, struct table_row *t)
{
	const struct report_field *f;
	struct cell *c = t->cells;

	snprintf(c->val, sizeof(c->val), "%s%s", row_design(row), row->charged ? "*" : "");
	cell_num(++c, row->autorelease, 0);
	for (f = report_fields; f < report_fields + report_nr_fields; f++) {
		if (!in_table(f, r))
			continue;
		c++;
		if (f->flags & FIELD_STAT)
			cell_stat(c, field_stat(f, row), f->prec, f->scale ? f->scale : 1);
		else if (field_measured(f, r, row))
			snprintf(c->val, sizeof(c->val), "%.*f%s", f->prec,
				 field_value(f, r, row), f->suffix ? f->suffix : "");
		else
			cell_str(c, "-");
	}
}

/* The floor's row: its instructions where the designs have theirs. */
static void fill_floor_row(const struct bench_report *r, struct table_row *t)
{
	const struct bench_row floor = {
		.have_instructions = true,
		.instr_assign = r->floor_assign,
		.instr_return = r->floor_return,
	};
	const struct report_field *f;
	struct cell *c = t->cells + 1;

	cell_str(t->cells, "floor");
	for (f = report_fields; f < report_fields + report_nr_fields; f++)
		if (in_table(f, r) && (++c, (f->flags & (FIELD_INSTR | FIELD_FLOOR)) == FIELD_INSTR))
			cell_num(c, field_value(f, r, &floor), f->prec);
}

static void print_main_table(const struct bench_report *r, FILE *out)
{
	char headings[BENCH_NR_PROFILES][256], titles[TABLE_MAX_COLS][48];
	const struct report_field *f;
	struct table t = { .titles = { "design", "ar" }, .left = { true }, .ncols = 2 };
	unsigned int p;
	size_t i;

	t.rows = calloc(r->nr_rows + BENCH_NR_PROFILES, sizeof(*t.rows));
	if (!t.rows) {
		fprintf(out, "(no memory for the table)\n");
		return;
	}
	for (f = report_fields; f < report_fields + report_nr_fields; f++) {
		if (!in_table(f, r))
			continue;
		snprintf(titles[t.ncols], sizeof(titles[0]), "%s%s%s", f->title,
			 f->unit || (f->flags & FIELD_BASELINE) ? " " : "",
			 f->flags & FIELD_BASELINE ? report_baseline(r) : f->unit ? f->unit : "");
		t.titles[t.ncols] = titles[t.ncols];
		t.ncols++;
	}
	for (p = 0; p < BENCH_NR_PROFILES; p++) {
		const char *heading = headings[p];

		if (!have_profile(r, p))
			continue;
		profile_heading(r, p, headings[p], sizeof(headings[p]));
		for (i = 0; i < r->nr_rows; i++) {
			if (r->rows[i].profile != p)
				continue;
			fill_main_row(r, &r->rows[i], table_add(&t, heading));
			heading = NULL;
		}
		if (r->have_floor)
			fill_floor_row(r, table_add(&t, NULL));
	}
	table_print(&t, out);
	free(t.rows);
	fprintf(out,
		"\nar: autorelease; \u00b1: 95%% interval over %u runs (Student t); vs %s: paired per-run ratio to the baseline; NIC dry: share of the saturation window the NIC waited on an empty queue; assign/return/total: instructions per token (callgrind, this profile's returns), \"-\" when not measured\n",
		r->cfg.runs, report_baseline(r));
	if (r->have_floor)
		fprintf(out, "floor: %s per token\n", FLOOR_WHAT);
	if (r->cfg.boundary_syscall)
		fprintf(out, "*: charged: a real system call per recvmsg and per DONTNEED, and %.0f ns of TCP receive work per 4096-byte segment (%s)\n",
			r->cfg.stack_cost_ns,
			r->cfg.stack_cost_auto ? "measured on this machine" : "--stack-cost");
	if (r->cfg.boundary_syscall && r->have_stack)
		fprintf(out, "   TCP receive work per 4096 bytes over loopback: 64 KiB reads of queued data %.0f ns (median of %u, %.0f-%.0f, less a %.0f ns crossing); blocking recv loop %.0f ns; kperf's epoll_wait + MSG_DONTWAIT reads %.0f ns (%.2f wake-ups per read)\n",
			r->stack.queued_ns, r->stack.rounds, r->stack.queued_min_ns,
			r->stack.queued_max_ns, r->stack.crossing_ns, r->stack.tight_ns,
			r->stack.kperf_ns, r->stack.kperf_wakeups_per_read);
}

/* Our figures in the seed's terms (docs/fidelity.md). */
static void print_seed_terms(const struct bench_report *r, FILE *out)
{
	const char *base = report_baseline(r);

	if (!r->have_seed_terms)
		return;
	fprintf(out, "\nseed terms (kperf, charged, fixed load steered to keep %s %.0f%% busy)\n",
		base, r->cfg.load_pct);
	fprintf(out, "  predicted worker idle: %s %.2f%% -> niov %.2f%%   (seed: xarray 13.13%% -> niov 26.32%%)\n",
		base, r->seed_pred_idle_baseline, r->seed_pred_idle_niov);
	fprintf(out, "  worker CPU niov/%s: %.3f   (seed: %.3f, series v2: %.3f)\n",
		base, r->seed_pred_ratio, SEED_RATIO, V2_RATIO);
	fprintf(out, "  k = niov/%s CPU per token in process: %.3f\n", base, r->seed_k);
	fprintf(out, "  token management's share of worker CPU (Amdahl, (1 - ratio) / (1 - k)): seed %.1f%%, v2 %.1f%%, ours charged %.1f%%\n",
		100 * r->seed_share, 100 * r->seed_share_v2, 100 * r->seed_share_ours);
}

static void section_titles(const struct report_section *s, FILE *out)
{
	const struct report_column *c;
	bool any = false;

	for (c = s->cols; c < s->cols + s->ncols; c++) {
		int pad = c->suffix ? (int)strlen(c->suffix) : 0;

		if (!c->title)
			continue;
		fprintf(out, "%s%*s", c->sep, c->width < 0 ? c->width - pad : c->width + pad,
			c->title);
		any = true;
	}
	if (any)
		fputc('\n', out);
}

/* One of report_sections.c's sections as fixed-width lines. */
static void print_section(const struct report_section *s, const struct bench_report *r,
			  FILE *out)
{
	const size_t nr = section_items(s, r);
	double v[SECTION_MAX_COLS];
	bool any = s->fidelity;	/* fidelity: heads even a table of no points */
	const void *item;
	size_t i, c, n;

	if (any) {
		s->head(r, NULL, out);
		section_titles(s, out);
	}
	for (i = 0; i < nr; i++) {
		if (!(item = section_item(s, r, i)))
			continue;
		if (!any) {
			s->head(r, item, out);
			section_titles(s, out);
		}
		any = true;
		n = section_values(s, r, item, v);
		for (c = 0; c < n; c++) {
			const struct report_column *col = &s->cols[c];

			fputs(col->sep, out);
			if (col->kind == COL_DESIGN)
				fprintf(out, "%*s", col->width, row_design(item));
			else if (col->kind == COL_MET)
				fprintf(out, "%*s", col->width, v[c] ? "met" : "missed");
			else
				fprintf(out, "%*.*f", col->width, col->prec, v[c]);
			fputs(col->suffix ? col->suffix : "", out);
		}
		fputc('\n', out);
	}
	if (any && s->foot)
		fputs(s->foot, out);
}

static void print_fidelity(const struct bench_report *r, FILE *out)
{
	if (r->have_fidelity)
		print_section(&section_fidelity, r, out);
	else if (r->cfg.instructions && r->have_floor)
		fputs("\nfidelity: not measured (needs xarray and kxarray; kxarray is built only with the kernel's source package)\n",
		      out);
}

static void print_memory_table(const struct bench_report *r, FILE *out)
{
	static const char *const titles[] = { "design", "kperf", "ncdevmem",
					      "nccl", "peak RSS MiB" };
	char heading[160];
	const char **designs;
	struct table t = { 0 };
	size_t i, j, n;
	unsigned int p;

	designs = calloc(r->nr_rows, sizeof(*designs));
	t.rows = calloc(r->nr_rows, sizeof(*t.rows));
	if (!designs || !t.rows) {
		fprintf(out, "(no memory for the table)\n");
		goto out_free;
	}
	snprintf(heading, sizeof(heading),
		 "memory: token-tracking state bytes per outstanding token (%lu held on one socket), by profile",
		 r->state_held);
	t.titles[t.ncols] = titles[0];
	t.left[t.ncols++] = true;
	for (p = 0; p < BENCH_NR_PROFILES; p++)
		if (have_profile(r, p))
			t.titles[t.ncols++] = titles[1 + p];
	t.titles[t.ncols++] = titles[4];
	n = distinct_designs(r, designs);
	for (i = 0; i < n; i++) {
		struct table_row *row = table_add(&t, i ? NULL : heading);
		long rss = -1;
		size_t c = 0;

		cell_str(&row->cells[c++], designs[i]);
		for (p = 0; p < BENCH_NR_PROFILES; p++) {
			const struct bench_row *br = find_row_charged(r, designs[i], p, false);

			if (!have_profile(r, p))
				continue;
			if (br)
				cell_num(&row->cells[c++],
					 br->state_bytes_per_token, 2);
			else
				cell_str(&row->cells[c++], "-");
		}
		/* RSS is per process: the peak over this design's runs. */
		for (j = 0; j < r->nr_rows; j++)
			if (!strcmp(row_design(&r->rows[j]), designs[i]) &&
			    r->rows[j].peak_rss_kb > rss)
				rss = r->rows[j].peak_rss_kb;
		if (rss > 0)
			cell_num(&row->cells[c], rss / 1024.0, 1);
		else
			cell_str(&row->cells[c], "-");
	}
	table_print(&t, out);
out_free:
	free(t.rows);
	free(designs);
}

static void print_bind_64g(const struct bench_report *r, FILE *out)
{
	bool fast = r->bind_64g_seconds <= BIND_64G_TARGET_S;
	bool small = r->bind_64g_bytes_per_niov <= BIND_64G_TARGET_B;

	fprintf(out,
		"bind 64 GiB dma-buf: %.3f s, %.1f B metadata per net_iov (targets <= %.1f s, <= %.0f B: %s)\n",
		r->bind_64g_seconds, r->bind_64g_bytes_per_niov,
		BIND_64G_TARGET_S, BIND_64G_TARGET_B,
		fast && small ? "met" :
		!fast && !small ? "both missed" :
		!fast ? "time missed" : "size missed");
}

/* The seed's figures next to ours, from the kperf rows of the baseline and niov. */
static void print_seed_line(const struct bench_report *r, FILE *out)
{
	const char *base = report_baseline(r);
	const struct bench_row *x = find_row_charged(r, base, BENCH_PROFILE_KPERF, false);
	const struct bench_row *v = find_row_charged(r, "niov", BENCH_PROFILE_KPERF, false);
	double ratio;

	if (!x || !v || !x->worker_idle_pct.n || !v->worker_idle_pct.n) {
		fprintf(out,
			"%s; here: not measured (needs kperf rows of %s and niov)\n",
			SEED_LINE, base);
		return;
	}
	fprintf(out, "%s; here: idle %.2f%% (%s) -> %.2f%%, niov/%s CPU ratio ",
		SEED_LINE, x->worker_idle_pct.mean, base, v->worker_idle_pct.mean, base);
	if (v->ratio_vs_baseline.n > 1) {
		fprintf(out, "%.3f \u00b1 %.3f\n", v->ratio_vs_baseline.mean,
			v->ratio_vs_baseline.ci95);
		return;
	}
	if (v->ratio_vs_baseline.n) {
		fprintf(out, "%.3f\n", v->ratio_vs_baseline.mean);
		return;
	}
	/* No paired ratio: fall back on the ratio of the mean CPU shares. */
	ratio = x->worker_cpu_pct.mean > 0 ?
		v->worker_cpu_pct.mean / x->worker_cpu_pct.mean : NAN;
	if (isfinite(ratio))
		fprintf(out, "%.3f (of means)\n", ratio);
	else
		fprintf(out, "-\n");
}

static void print_rate(FILE *out, double tokens_per_s)
{
	if (tokens_per_s >= 1e6)
		fprintf(out, "%.3f M tokens/s", tokens_per_s / 1e6);
	else if (tokens_per_s >= 1e3)
		fprintf(out, "%.1f k tokens/s", tokens_per_s / 1e3);
	else
		fprintf(out, "%.0f tokens/s", tokens_per_s);
}

static void print_header(const struct bench_report *r, FILE *out)
{
	const struct bench_config *c = &r->cfg;

	fprintf(out, "devmem-lab bench on %u cpus, %s, kernel %s%s\n",
		r->machine.cpus,
		r->machine.cpu_model[0] ? r->machine.cpu_model : "unknown cpu",
		r->machine.kernel[0] ? r->machine.kernel : "unknown",
		c->quick ? " (quick)" : "");
	fprintf(out,
		"%u runs, %u flows, %u workers, %lu tokens held, %.2f s warm-up + %.2f s window, %lu MB dma-buf, seed %" PRIu64 "\n",
		c->runs, c->flows, c->workers, c->held, c->warmup_s,
		c->window_s, c->dmabuf_mb, c->seed);
	if (r->baseline_max_tokens_per_s > 0) {
		fputs("offered load ", out);
		print_rate(out, r->offered_tokens_per_s);
		fprintf(out, ", steered to keep %s %.0f%% busy (--load); its max ",
			report_baseline(r), c->load_pct);
		print_rate(out, r->baseline_max_tokens_per_s);
		fputc('\n', out);
	} else {
		fprintf(out, "offered load: - (no %s calibration run)\n", report_baseline(r));
	}
	fprintf(out, "baseline: %s (%s)\n", report_baseline(r),
		!strcmp(report_baseline(r), "kxarray") ?
		"the kernel's own lib/xarray.c, as tcp_recvmsg_dmabuf drives it" :
		"our model of the kernel's xarray; kxarray is not in this build");
}

/**
 * bench_report_table() - the report for people
 * @r: the report
 * @out: where to print it
 *
 * A header with the machine and the offered load, one block per profile
 * (kperf first) with one row per design, the instruction floor, memory,
 * the 64 GiB bind, and the seed series' figures next to ours.
 */
void bench_report_table(const struct bench_report *r, FILE *out)
{
	print_header(r, out);
	if (r->nr_rows) {
		print_main_table(r, out);
		print_section(&section_held, r, out);
		print_section(&section_token_ops, r, out);
		print_fidelity(r, out);
		print_memory_table(r, out);
	} else {
		fputs("\nno results\n", out);
	}
	fputc('\n', out);
	if (r->have_bind_64g)
		print_bind_64g(r, out);
	print_seed_line(r, out);
	print_seed_terms(r, out);
	fprintf(out, "elapsed %.1f s\n", r->elapsed_s);
}
