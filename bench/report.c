// SPDX-License-Identifier: MIT
/*
 * The report of a benchmark: a table for people (one block per return
 * profile, one row per design, like DPDK's ring perf table), one grep-able
 * SUMMARY line (like liburcu's benchmarks), and the same data as JSON, CSV
 * and an SVG plot for tools.
 */
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

#include <json-c/json.h>

#include "bench.h"

/*
 * The least any design must do per token: one atomic increment when the
 * token is handed out, one atomic decrement when it comes back, and the
 * 40-byte cmsg (struct dmabuf_cmsg) written to the user.
 */
#define FLOOR_WHAT "one atomic increment + one atomic decrement + one 40-byte cmsg write"

/* Targets for binding a 64 GiB dma-buf: fast, and net_iov metadata small. */
#define BIND_64G_TARGET_S	0.5
#define BIND_64G_TARGET_B	32.0

/* What the seed series reported (kperf, 4 flows, 11 runs). */
#define SEED_RATIO	((100.0 - 26.32) / (100.0 - 13.13))
#define V2_RATIO	(78.7 / 83.6)
#define SEED_LINE "seed (kperf, 4 flows, 11 runs): worker idle 13.13% (xarray) -> 26.32% (niov), about 13% less CPU per RX worker"

static const char *row_design(const struct bench_row *row)
{
	return row->design ? row->design : "?";
}

static const struct bench_row *find_row(const struct bench_report *r,
					const char *design,
					enum bench_profile p)
{
	size_t i;

	/* The in-process figures; charged rows are read by their own section. */
	for (i = 0; i < r->nr_rows; i++)
		if (r->rows[i].profile == p && !r->rows[i].charged &&
		    !strcmp(row_design(&r->rows[i]), design))
			return &r->rows[i];
	return NULL;
}

static bool have_profile(const struct bench_report *r, enum bench_profile p)
{
	size_t i;

	for (i = 0; i < r->nr_rows; i++)
		if (r->rows[i].profile == p)
			return true;
	return false;
}

static double floor_total(const struct bench_report *r)
{
	return r->floor_assign + r->floor_return;
}

static double instr_total(const struct bench_row *row)
{
	return row->instr_assign + row->instr_return;
}

/*
 * The designs in the order they first appear in the rows: the harness
 * orders rows as the user listed --designs, and the plot and the memory
 * table keep that order.  Returns how many; @out holds r->nr_rows entries.
 */
static size_t distinct_designs(const struct bench_report *r, const char **out)
{
	size_t i, j, n = 0;

	for (i = 0; i < r->nr_rows; i++) {
		const char *d = row_design(&r->rows[i]);

		for (j = 0; j < n && strcmp(out[j], d); j++)
			;
		if (j == n)
			out[n++] = d;
	}
	return n;
}

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
		const char *title = t->titles[c];
		char *p = line + len;
		size_t room = sizeof(line) - len;
		int n;

		if (!cell)
			n = snprintf(p, room, t->left[c] ? "%s%-*s" : "%s%*s",
				     c ? "  " : "", (int)col_width(t, c), title);
		else if (t->left[c])
			n = snprintf(p, room, "%s%-*s", c ? "  " : "",
				     (int)col_width(t, c), cell->val);
		else if (cell->ci[0])
			n = snprintf(p, room, "%s%*s" PLUS_MINUS "%-*s",
				     c ? "  " : "", (int)t->wval[c], cell->val,
				     (int)t->wci[c], cell->ci);
		else
			n = snprintf(p, room, "%s%*s%*s", c ? "  " : "",
				     (int)t->wval[c], cell->val,
				     (int)(col_width(t, c) - t->wval[c]), "");
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

enum main_col {
	COL_DESIGN,
	COL_AR,
	COL_CPU,
	COL_IDLE,
	COL_NS,
	COL_RATIO,
	COL_MAX,
	COL_STALLS,
	COL_ASSIGN,
	COL_RETURN,
	COL_TOTAL,
	COL_FLOOR,
};

static const char *const main_titles[] = {
	[COL_DESIGN] = "design",
	[COL_AR] = "ar",
	[COL_CPU] = "worker CPU %",
	[COL_IDLE] = "idle %",
	[COL_NS] = "CPU ns/token",
	[COL_RATIO] = "vs xarray",
	[COL_MAX] = "max Mtok/s",
	[COL_STALLS] = "stalls/s",
	[COL_ASSIGN] = "assign",
	[COL_RETURN] = "return",
	[COL_TOTAL] = "total",
	[COL_FLOOR] = "vs floor",
};

static void profile_heading(const struct bench_report *r, enum bench_profile p,
			    char *buf, size_t size)
{
	char how[96];
	int n;

	switch (p) {
	case BENCH_PROFILE_KPERF:
		snprintf(how, sizeof(how), "128 single-token entries per DONTNEED");
		break;
	case BENCH_PROFILE_NCDEVMEM:
		snprintf(how, sizeof(how), "one DONTNEED per token");
		break;
	case BENCH_PROFILE_NCCL:
		snprintf(how, sizeof(how),
			 "merged ranges of up to 1024 frags, returned after %u us",
			 r->cfg.nccl_delay_us);
		break;
	default:
		how[0] = '\0';
		break;
	}
	n = snprintf(buf, size, "profile %s: %s", bench_profile_name(p), how);
	/* Each profile's fixed load comes from xarray's saturation in that profile. */
	if (n > 0 && (size_t)n < size && p < BENCH_NR_PROFILES &&
	    r->calib_max_tokens_per_s[p] > 0)
		n += snprintf(buf + n, size - (size_t)n,
			      "; offered %.3f M tokens/s = %.0f%% of xarray max %.3f M",
			      r->calib_offered_tokens_per_s[p] / 1e6, r->cfg.load_pct,
			      r->calib_max_tokens_per_s[p] / 1e6);
	if (n > 0 && (size_t)n < size && p < BENCH_NR_PROFILES &&
	    r->calib_charged_max_tokens_per_s[p] > 0)
		snprintf(buf + n, size - (size_t)n, " (charged: %.3f of %.3f M)",
			 r->calib_charged_offered_tokens_per_s[p] / 1e6,
			 r->calib_charged_max_tokens_per_s[p] / 1e6);
}

static void fill_main_row(const struct bench_report *r,
			  const struct bench_row *row, struct table_row *t)
{
	struct cell *c = t->cells;

	if (row->charged)
		snprintf(c[COL_DESIGN].val, sizeof(c[COL_DESIGN].val), "%s*",
			 row_design(row));
	else
		cell_str(&c[COL_DESIGN], row_design(row));
	cell_num(&c[COL_AR], row->autorelease, 0);
	cell_stat(&c[COL_CPU], &row->worker_cpu_pct, 1, 1);
	cell_stat(&c[COL_IDLE], &row->worker_idle_pct, 1, 1);
	cell_stat(&c[COL_NS], &row->cpu_ns_per_token, 1, 1);
	cell_stat(&c[COL_RATIO], &row->ratio_vs_xarray, 3, 1);
	cell_stat(&c[COL_MAX], &row->tokens_per_s_max, 3, 1e-6);
	cell_stat(&c[COL_STALLS], &row->stalls_per_s, 1, 1);
	if (!row->have_instructions) {
		cell_str(&c[COL_ASSIGN], "-");
		cell_str(&c[COL_RETURN], "-");
		cell_str(&c[COL_TOTAL], "-");
		cell_str(&c[COL_FLOOR], "-");
		return;
	}
	cell_num(&c[COL_ASSIGN], row->instr_assign, 1);
	cell_num(&c[COL_RETURN], row->instr_return, 1);
	cell_num(&c[COL_TOTAL], instr_total(row), 1);
	if (r->have_floor && floor_total(r) > 0)
		snprintf(c[COL_FLOOR].val, sizeof(c[COL_FLOOR].val),
			 "%.1fx floor", instr_total(row) / floor_total(r));
	else
		cell_str(&c[COL_FLOOR], "-");
}

static void print_main_table(const struct bench_report *r, FILE *out)
{
	char headings[BENCH_NR_PROFILES][192];
	struct table t = { .ncols = r->have_floor ? COL_FLOOR + 1 : COL_FLOOR };
	unsigned int p;
	size_t i, c;

	t.rows = calloc(r->nr_rows + BENCH_NR_PROFILES, sizeof(*t.rows));
	if (!t.rows) {
		fprintf(out, "(no memory for the table)\n");
		return;
	}
	for (c = 0; c < t.ncols; c++)
		t.titles[c] = main_titles[c];
	t.left[COL_DESIGN] = true;
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
		if (r->have_floor) {
			struct cell *f = table_add(&t, NULL)->cells;

			cell_str(&f[COL_DESIGN], "floor");
			cell_num(&f[COL_ASSIGN], r->floor_assign, 1);
			cell_num(&f[COL_RETURN], r->floor_return, 1);
			cell_num(&f[COL_TOTAL], floor_total(r), 1);
		}
	}
	table_print(&t, out);
	free(t.rows);
	fprintf(out,
		"\nar: autorelease; \u00b1: 95%% interval over %u runs (Student t); vs xarray: paired per-run ratio; assign/return/total: instructions per token (callgrind), \"-\" when not measured\n",
		r->cfg.runs);
	if (r->have_floor)
		fprintf(out, "floor: %s per token\n", FLOOR_WHAT);
	if (r->cfg.boundary_syscall)
		fprintf(out, "*: charged: a real system call per recvmsg and per DONTNEED, and %.0f ns of TCP receive work per 4096-byte segment (%s)\n",
			r->cfg.stack_cost_ns,
			r->cfg.stack_cost_auto ? "measured on this machine" : "--stack-cost");
}

/* Our figures in the seed's terms (docs/fidelity.md). */
static void print_seed_terms(const struct bench_report *r, FILE *out)
{
	if (!r->have_seed_terms)
		return;
	fprintf(out, "\nseed terms (kperf, charged, fixed load = %.0f%% of xarray's charged max)\n",
		r->cfg.load_pct);
	fprintf(out, "  predicted worker idle: xarray %.2f%% -> niov %.2f%%   (seed: 13.13%% -> 26.32%%)\n",
		r->seed_pred_idle_xarray, r->seed_pred_idle_niov);
	fprintf(out, "  worker CPU niov/xarray: %.3f   (seed: %.3f, series v2: %.3f)\n",
		r->seed_pred_ratio, SEED_RATIO, V2_RATIO);
	fprintf(out, "  k = niov/xarray CPU per token in process: %.3f\n", r->seed_k);
	fprintf(out, "  token management's share of worker CPU (Amdahl, (1 - ratio) / (1 - k)): seed %.1f%%, v2 %.1f%%, ours charged %.1f%%\n",
		100 * r->seed_share, 100 * r->seed_share_v2, 100 * r->seed_share_ours);
}

/* Does holding many tokens change what a token costs?  Once per design. */
static void print_held_instructions(const struct bench_report *r, FILE *out)
{
	size_t i, j;
	bool any = false;

	for (i = 0; i < r->nr_rows; i++) {
		const struct bench_row *row = &r->rows[i];
		double none, held;

		if (!row->have_instructions || !row->have_instr_held)
			continue;
		for (j = 0; j < i; j++)
			if (!strcmp(r->rows[j].design, row->design))
				break;
		if (j < i)
			continue;
		if (!any)
			fprintf(out, "\ninstructions per token with %lu tokens held (assign + return), against none held\n",
				r->instr_held);
		any = true;
		none = row->instr_assign + row->instr_return;
		held = row->instr_held_assign + row->instr_held_return;
		fprintf(out, "  %-8s %8.1f + %7.1f = %8.1f   (%.2fx of %.1f)\n", row->design,
			row->instr_held_assign, row->instr_held_return, held,
			none > 0 ? held / none : 0, none);
	}
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
			const struct bench_row *br = find_row(r, designs[i], p);

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

/* The seed's figures next to ours, from the kperf rows of xarray and niov. */
static void print_seed_line(const struct bench_report *r, FILE *out)
{
	const struct bench_row *x = find_row(r, "xarray", BENCH_PROFILE_KPERF);
	const struct bench_row *v = find_row(r, "niov", BENCH_PROFILE_KPERF);
	double ratio;

	if (!x || !v || !x->worker_idle_pct.n || !v->worker_idle_pct.n) {
		fprintf(out,
			"%s; here: not measured (needs kperf rows of xarray and niov)\n",
			SEED_LINE);
		return;
	}
	fprintf(out, "%s; here: idle %.2f%% -> %.2f%%, niov/xarray CPU ratio ",
		SEED_LINE, x->worker_idle_pct.mean, v->worker_idle_pct.mean);
	if (v->ratio_vs_xarray.n > 1) {
		fprintf(out, "%.3f \u00b1 %.3f\n", v->ratio_vs_xarray.mean,
			v->ratio_vs_xarray.ci95);
		return;
	}
	if (v->ratio_vs_xarray.n) {
		fprintf(out, "%.3f\n", v->ratio_vs_xarray.mean);
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
	if (r->xarray_max_tokens_per_s > 0) {
		fputs("offered load ", out);
		print_rate(out, r->offered_tokens_per_s);
		fprintf(out, " = %.0f%% of xarray max ", c->load_pct);
		print_rate(out, r->xarray_max_tokens_per_s);
		fputc('\n', out);
	} else {
		fputs("offered load: - (no xarray calibration run)\n", out);
	}
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
		print_held_instructions(r, out);
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

/* ---- SUMMARY */

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

static void kv_profiles(FILE *out, unsigned int mask)
{
	const char *sep = "";
	unsigned int p;

	fputs(" profiles=", out);
	if (!(mask & ((1u << BENCH_NR_PROFILES) - 1)))
		fputc('-', out);
	for (p = 0; p < BENCH_NR_PROFILES; p++) {
		if (!(mask & (1u << p)))
			continue;
		fprintf(out, "%s%s", sep, bench_profile_name(p));
		sep = ",";
	}
}

static void kv_designs(FILE *out, const struct bench_config *c)
{
	size_t i;

	fputs(" designs=", out);
	if (!c->nr_designs)
		fputc('-', out);
	for (i = 0; i < c->nr_designs && i < BENCH_MAX_DESIGNS; i++) {
		if (i)
			fputc(',', out);
		put_word(out, c->designs[i]);
	}
}

static void kv_config(FILE *out, const struct bench_config *c)
{
	kv_num(out, NULL, "runs", c->runs, 0);
	kv_num(out, NULL, "flows", c->flows, 0);
	kv_num(out, NULL, "workers", c->workers, 0);
	fprintf(out, " held=%lu", c->held);
	kv_num(out, NULL, "load_pct", c->load_pct, 2);
	kv_num(out, NULL, "warmup_s", c->warmup_s, 3);
	kv_num(out, NULL, "window_s", c->window_s, 3);
	kv_profiles(out, c->profiles);
	kv_designs(out, c);
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
	kv_num(out, NULL, "xarray_max_tokens_s", r->xarray_max_tokens_per_s, 0);
	kv_num(out, NULL, "offered_tokens_s", r->offered_tokens_per_s, 0);
	for (i = 0; i < r->nr_rows; i++) {
		const struct bench_row *row = &r->rows[i];
		const char *d = row_design(row);

		if (row->profile != BENCH_PROFILE_KPERF)
			continue;
		kv_num(out, d, "cpu_pct", row->worker_cpu_pct.mean, 2);
		kv_num(out, d, "idle_pct", row->worker_idle_pct.mean, 2);
		kv_num(out, d, "idle_ci95", row->worker_idle_pct.ci95, 2);
		kv_num(out, d, "cpu_ns_per_token", row->cpu_ns_per_token.mean,
		       1);
		kv_num(out, d, "ratio", row->ratio_vs_xarray.mean, 4);
		kv_num(out, d, "ratio_ci95", row->ratio_vs_xarray.ci95, 4);
		/* Not "max_tokens_s": xarray's would clash with the calibration. */
		kv_num(out, d, "tokens_s_max", row->tokens_per_s_max.mean, 0);
		if (row->have_instructions)
			kv_num(out, d, "instr_total", instr_total(row), 1);
	}
	if (r->have_floor)
		kv_num(out, NULL, "floor_total", floor_total(r), 1);
	if (r->have_bind_64g) {
		kv_num(out, NULL, "bind_64g_s", r->bind_64g_seconds, 3);
		kv_num(out, NULL, "bind_64g_bytes_per_niov",
		       r->bind_64g_bytes_per_niov, 1);
	}
	if (r->have_seed_terms) {
		kv_num(out, NULL, "seed_pred_idle_xarray", r->seed_pred_idle_xarray, 2);
		kv_num(out, NULL, "seed_pred_idle_niov", r->seed_pred_idle_niov, 2);
		kv_num(out, NULL, "seed_pred_ratio", r->seed_pred_ratio, 4);
		kv_num(out, NULL, "seed_k", r->seed_k, 4);
		kv_num(out, NULL, "seed_share", r->seed_share, 4);
	}
	kv_num(out, NULL, "elapsed_s", r->elapsed_s, 1);
	fputc('\n', out);
}

/* ---- files: written whole to a temporary name, then renamed */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A reader sees the old file or the new one, never half of one: the data
 * goes to a unique name next to @path, reaches the disk, and is renamed
 * over @path.
 */
static int write_file_atomic(const char *path, const char *buf, size_t len)
{
	char *tmp;
	int fd, err;

	if (!path || !*path)
		return -EINVAL;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto err_free_tmp;
	}
	/* mkstemp makes it 0600; a report is as readable as any output. */
	err = fchmod(fd, 0644) ? -errno : 0;
	if (!err)
		err = write_all(fd, buf, len);
	if (!err && fsync(fd))
		err = -errno;
	if (err)
		goto err_close;
	if (close(fd)) {
		err = -errno;
		goto err_unlink;
	}
	if (rename(tmp, path)) {
		err = -errno;
		goto err_unlink;
	}
	free(tmp);
	return 0;

err_close:
	close(fd);
err_unlink:
	unlink(tmp);
err_free_tmp:
	free(tmp);
	return err;
}

/* ---- JSON */

/* JSON has no NaN or infinity: such a figure becomes null. */
static json_object *jdouble(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *jstring(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *jstat(const struct bench_stat *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "mean", jdouble(s->mean));
	json_object_object_add(o, "ci95", jdouble(s->ci95));
	json_object_object_add(o, "n", json_object_new_int64(s->n));
	return o;
}

static json_object *jinstructions(double assign, double ret)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "assign", jdouble(assign));
	json_object_object_add(o, "return", jdouble(ret));
	json_object_object_add(o, "total", jdouble(assign + ret));
	return o;
}

static json_object *json_config(const struct bench_config *c)
{
	json_object *o = json_object_new_object();
	json_object *designs = json_object_new_array();
	json_object *profiles = json_object_new_array();
	unsigned int p;
	size_t i;

	for (i = 0; i < c->nr_designs && i < BENCH_MAX_DESIGNS; i++)
		json_object_array_add(designs, jstring(c->designs[i]));
	for (p = 0; p < BENCH_NR_PROFILES; p++)
		if (c->profiles & (1u << p))
			json_object_array_add(profiles,
				json_object_new_string(bench_profile_name(p)));
	json_object_object_add(o, "runs", json_object_new_int64(c->runs));
	json_object_object_add(o, "flows", json_object_new_int64(c->flows));
	json_object_object_add(o, "workers", json_object_new_int64(c->workers));
	json_object_object_add(o, "held", json_object_new_uint64(c->held));
	json_object_object_add(o, "load_pct", jdouble(c->load_pct));
	json_object_object_add(o, "warmup_s", jdouble(c->warmup_s));
	json_object_object_add(o, "window_s", jdouble(c->window_s));
	json_object_object_add(o, "profiles", profiles);
	json_object_object_add(o, "designs", designs);
	json_object_object_add(o, "quick", json_object_new_boolean(c->quick));
	json_object_object_add(o, "instructions",
			       json_object_new_boolean(c->instructions));
	json_object_object_add(o, "instr_segments",
			       json_object_new_uint64(c->instr_segments));
	json_object_object_add(o, "seed", json_object_new_uint64(c->seed));
	json_object_object_add(o, "dmabuf_mb",
			       json_object_new_uint64(c->dmabuf_mb));
	json_object_object_add(o, "nccl_delay_us",
			       json_object_new_int64(c->nccl_delay_us));
	json_object_object_add(o, "bind_64g",
			       json_object_new_boolean(c->bind_64g));
	json_object_object_add(o, "json_path", jstring(c->json_path));
	json_object_object_add(o, "csv_path", jstring(c->csv_path));
	json_object_object_add(o, "plot_path", jstring(c->plot_path));
	return o;
}

static json_object *json_machine(const struct bench_machine *m)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "cpus", json_object_new_int64(m->cpus));
	json_object_object_add(o, "cpu_model",
			       json_object_new_string(m->cpu_model));
	json_object_object_add(o, "kernel", json_object_new_string(m->kernel));
	json_object_object_add(o, "callgrind",
			       json_object_new_boolean(m->callgrind));
	return o;
}

static json_object *json_row(const struct bench_report *r,
			     const struct bench_row *row)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "design", jstring(row->design));
	json_object_object_add(o, "charged", json_object_new_boolean(row->charged));
	json_object_object_add(o, "boundary",
			       json_object_new_string(row->charged ? "syscall" : "none"));
	json_object_object_add(o, "profile",
		json_object_new_string(bench_profile_name(row->profile)));
	json_object_object_add(o, "autorelease",
			       json_object_new_int(row->autorelease));
	json_object_object_add(o, "worker_cpu_pct",
			       jstat(&row->worker_cpu_pct));
	json_object_object_add(o, "worker_idle_pct",
			       jstat(&row->worker_idle_pct));
	json_object_object_add(o, "cpu_ns_per_token",
			       jstat(&row->cpu_ns_per_token));
	json_object_object_add(o, "ratio_vs_xarray",
			       jstat(&row->ratio_vs_xarray));
	json_object_object_add(o, "tokens_per_s_max",
			       jstat(&row->tokens_per_s_max));
	json_object_object_add(o, "stalls_per_s", jstat(&row->stalls_per_s));
	if (row->have_instructions) {
		json_object_object_add(o, "instructions_per_token",
			jinstructions(row->instr_assign, row->instr_return));
		if (r->have_floor && floor_total(r) > 0)
			json_object_object_add(o, "instructions_vs_floor",
				jdouble(instr_total(row) / floor_total(r)));
	}
	if (row->have_instr_held) {
		json_object *h = jinstructions(row->instr_held_assign,
					       row->instr_held_return);

		json_object_object_add(h, "held", json_object_new_int64((int64_t)r->instr_held));
		json_object_object_add(o, "instructions_per_token_held", h);
	}
	json_object_object_add(o, "state_bytes_per_token",
			       jdouble(row->state_bytes_per_token));
	json_object_object_add(o, "peak_rss_kb",
			       json_object_new_int64(row->peak_rss_kb));
	return o;
}

static json_object *json_report(const struct bench_report *r)
{
	json_object *o = json_object_new_object();
	json_object *cal = json_object_new_object();
	json_object *rows = json_object_new_array();
	size_t i;

	json_object_object_add(cal, "xarray_max_tokens_per_s",
			       jdouble(r->xarray_max_tokens_per_s));
	json_object_object_add(cal, "offered_tokens_per_s",
			       jdouble(r->offered_tokens_per_s));
	for (i = 0; i < BENCH_NR_PROFILES; i++) {
		json_object *pc;

		if (!(r->calib_max_tokens_per_s[i] > 0))
			continue;
		pc = json_object_new_object();
		json_object_object_add(pc, "xarray_max_tokens_per_s",
				       jdouble(r->calib_max_tokens_per_s[i]));
		json_object_object_add(pc, "offered_tokens_per_s",
				       jdouble(r->calib_offered_tokens_per_s[i]));
		json_object_object_add(cal, bench_profile_name((enum bench_profile)i), pc);
	}
	for (i = 0; i < r->nr_rows; i++)
		json_object_array_add(rows, json_row(r, &r->rows[i]));
	json_object_object_add(o, "config", json_config(&r->cfg));
	json_object_object_add(o, "machine", json_machine(&r->machine));
	json_object_object_add(o, "calibration", cal);
	json_object_object_add(o, "stack_cost_ns", jdouble(r->cfg.stack_cost_ns));
	if (r->have_seed_terms) {
		json_object *st = json_object_new_object();

		json_object_object_add(st, "predicted_idle_xarray_pct",
				       jdouble(r->seed_pred_idle_xarray));
		json_object_object_add(st, "predicted_idle_niov_pct",
				       jdouble(r->seed_pred_idle_niov));
		json_object_object_add(st, "seed_idle_xarray_pct", jdouble(13.13));
		json_object_object_add(st, "seed_idle_niov_pct", jdouble(26.32));
		json_object_object_add(st, "predicted_cpu_ratio", jdouble(r->seed_pred_ratio));
		json_object_object_add(st, "seed_cpu_ratio", jdouble(SEED_RATIO));
		json_object_object_add(st, "v2_cpu_ratio", jdouble(V2_RATIO));
		json_object_object_add(st, "k_cpu_per_token", jdouble(r->seed_k));
		json_object_object_add(st, "token_share_seed", jdouble(r->seed_share));
		json_object_object_add(st, "token_share_v2", jdouble(r->seed_share_v2));
		json_object_object_add(st, "token_share_ours", jdouble(r->seed_share_ours));
		json_object_object_add(o, "seed_terms", st);
	}
	json_object_object_add(o, "designs", rows);
	if (r->have_floor)
		json_object_object_add(o, "floor",
			jinstructions(r->floor_assign, r->floor_return));
	if (r->have_bind_64g) {
		json_object *b = json_object_new_object();

		json_object_object_add(b, "seconds",
				       jdouble(r->bind_64g_seconds));
		json_object_object_add(b, "bytes_per_niov",
				       jdouble(r->bind_64g_bytes_per_niov));
		json_object_object_add(o, "bind_64g", b);
	}
	json_object_object_add(o, "elapsed_s", jdouble(r->elapsed_s));
	return o;
}

/**
 * bench_report_json() - the report as JSON
 * @r: the report
 * @path: the file to write, replaced atomically
 *
 * The same data as the table: config, machine, calibration, one object per
 * row under "designs" with each figure as {"mean", "ci95", "n"}, the floor
 * and the 64 GiB bind when measured.  json-c renders it to a string and
 * write_file_atomic() writes it, rather than json_object_to_file_ext(),
 * which writes in place (a reader could see half a file) and never syncs.
 *
 * Return: 0, -EINVAL for no @path, -ENOMEM, or the -errno of creating,
 * writing, syncing or renaming the file.
 */
int bench_report_json(const struct bench_report *r, const char *path)
{
	json_object *o;
	const char *s;
	size_t len;
	char *buf;
	int err;

	if (!path || !*path)
		return -EINVAL;
	o = json_report(r);
	if (!o)
		return -ENOMEM;
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE,
					      &len);
	buf = s ? malloc(len + 1) : NULL;
	if (!buf) {
		err = -ENOMEM;
		goto out_put;
	}
	memcpy(buf, s, len);
	buf[len++] = '\n';
	err = write_file_atomic(path, buf, len);
	free(buf);
out_put:
	json_object_put(o);
	return err;
}

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
	"ratio_vs_xarray", "tokens_per_s_max", "stalls_per_s",
};

#define CSV_NR_STATS	(sizeof(csv_stats) / sizeof(csv_stats[0]))

static void csv_header(FILE *f)
{
	size_t i;

	fputs("design,profile,boundary,autorelease", f);
	for (i = 0; i < CSV_NR_STATS; i++)
		fprintf(f, ",%s_mean,%s_ci95,%s_n", csv_stats[i], csv_stats[i],
			csv_stats[i]);
	fputs(",instr_assign,instr_return,instr_total,instr_vs_floor", f);
	fputs(",state_bytes_per_token,peak_rss_kb\n", f);
}

static void csv_row(FILE *f, const struct bench_report *r,
		    const struct bench_row *row)
{
	const struct bench_stat *stats[CSV_NR_STATS] = {
		&row->worker_cpu_pct, &row->worker_idle_pct,
		&row->cpu_ns_per_token, &row->ratio_vs_xarray,
		&row->tokens_per_s_max, &row->stalls_per_s,
	};
	size_t i;

	csv_field(f, row->design);
	fprintf(f, ",%s,%s,%d", bench_profile_name(row->profile),
		row->charged ? "syscall" : "none", row->autorelease);
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

/* ---- the plot */

/* Whether @prog is an executable somewhere in $PATH. */
static bool in_path(const char *prog)
{
	const char *dir = getenv("PATH");
	char file[4096];

	while (dir && *dir) {
		size_t n = strcspn(dir, ":");

		/* An empty entry is the current directory. */
		if (n)
			snprintf(file, sizeof(file), "%.*s/%s", (int)n, dir,
				 prog);
		else
			snprintf(file, sizeof(file), "./%s", prog);
		if (!access(file, X_OK))
			return true;
		dir += n + (dir[n] == ':');
	}
	return false;
}

/* gnuplot refuses a panel with no point at all: each needs one figure. */
static bool have_plot_data(const struct bench_report *r)
{
	bool idle = false, ns = false;
	size_t i;

	for (i = 0; i < r->nr_rows; i++) {
		idle |= r->rows[i].worker_idle_pct.n > 0;
		ns |= r->rows[i].cpu_ns_per_token.n > 0;
	}
	return idle && ns;
}

/* A gnuplot single-quoted string: a quote inside is doubled. */
static void gp_quoted(FILE *gp, const char *s)
{
	fputc('\'', gp);
	for (; s && *s; s++) {
		if (*s == '\'')
			fputc('\'', gp);
		fputc(*s, gp);
	}
	fputc('\'', gp);
}

/*
 * A datablock with one line per profile (a cluster) and, per design, the
 * mean and ci95 of the figure chosen by @idle; "-" where not measured.
 */
static void gp_data(FILE *gp, const struct bench_report *r, const char *name,
		    const char **designs, size_t n, bool idle)
{
	unsigned int p;
	size_t i;

	fprintf(gp, "$%s << EOD\n", name);
	for (p = 0; p < BENCH_NR_PROFILES; p++) {
		if (!have_profile(r, p))
			continue;
		fputs(bench_profile_name(p), gp);
		for (i = 0; i < n; i++) {
			const struct bench_row *row;
			const struct bench_stat *s;

			row = find_row(r, designs[i], p);
			s = !row ? NULL : idle ? &row->worker_idle_pct :
						 &row->cpu_ns_per_token;

			if (s && s->n && isfinite(s->mean) && isfinite(s->ci95))
				fprintf(gp, " %g %g", s->mean, s->ci95);
			else
				fputs(" - -", gp);
		}
		fputc('\n', gp);
	}
	fputs("EOD\n", gp);
}

static void gp_plot(FILE *gp, const char *name, const char **designs,
		    size_t n)
{
	size_t i;

	fputs("plot ", gp);
	for (i = 0; i < n; i++) {
		fprintf(gp, "%s$%s using %zu:%zu%s title ", i ? ", " : "", name,
			2 + 2 * i, 3 + 2 * i, i ? "" : ":xtic(1)");
		gp_quoted(gp, designs[i]);
	}
	fputc('\n', gp);
}

static void gp_script(FILE *gp, const struct bench_report *r,
		      const char *output, const char **designs, size_t n)
{
	fputs("set terminal svg size 1200,500 dynamic noenhanced font 'sans,11'\n",
	      gp);
	fputs("set output ", gp);
	gp_quoted(gp, output);
	fputc('\n', gp);
	gp_data(gp, r, "idle", designs, n, true);
	gp_data(gp, r, "ns", designs, n, false);
	fputs("set datafile missing '-'\n"
	      "set style data histograms\n"
	      "set style histogram errorbars gap 1 lw 1\n"
	      "set style fill solid 0.7 border -1\n"
	      "set grid ytics\n"
	      "set yrange [0:*]\n"
	      "set key below horizontal\n", gp);
	fprintf(gp,
		"set multiplot layout 1,2 title 'devmem-lab bench: %u runs, %u flows; error bars: 95%% interval'\n",
		r->cfg.runs, r->cfg.flows);
	fputs("set title 'worker idle % at the offered load (higher is better)'\n"
	      "set ylabel 'idle %'\n", gp);
	gp_plot(gp, "idle", designs, n);
	fputs("set title 'worker CPU per token (lower is better)'\n"
	      "set ylabel 'ns per token'\n", gp);
	gp_plot(gp, "ns", designs, n);
	fputs("unset multiplot\nset output\n", gp);
}

/*
 * Runs gnuplot on the script for @output.  SIGPIPE is held off while
 * writing so that a gnuplot dying early is an error returned, not the
 * benchmark killed.
 */
static int run_gnuplot(const struct bench_report *r, const char *output,
		       const char **designs, size_t n)
{
	sigset_t pipe_set, old;
	struct timespec zero = { 0 };
	bool failed;
	FILE *gp;
	int status, err = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	gp = popen("gnuplot", "w");
	if (!gp) {
		err = errno ? -errno : -ENOMEM;
		goto out_mask;
	}
	gp_script(gp, r, output, designs, n);
	failed = fflush(gp) || ferror(gp);
	status = pclose(gp);
	if (status < 0)
		err = -errno;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		err = -ENOENT;	/* the shell found no gnuplot */
	else if (failed || !WIFEXITED(status) || WEXITSTATUS(status))
		err = -EIO;
	/* Drop a SIGPIPE of ours so it is not delivered when unblocked. */
	if (!sigismember(&old, SIGPIPE)) {
		sigset_t pending;

		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE))
			sigtimedwait(&pipe_set, NULL, &zero);
	}
out_mask:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

/**
 * bench_report_plot() - the report as an SVG plot, through gnuplot
 * @r: the report
 * @svg_path: the SVG file to write, replaced only when gnuplot succeeds
 *
 * Two panels side by side: worker idle % and CPU ns per token, one cluster
 * of bars per profile, one bar per design, with the 95% interval as error
 * bars.
 *
 * Return: 0; -EINVAL for no @svg_path; -ENODATA when no row has a figure
 * for each panel;
 * -ENOENT when gnuplot is not installed; -EIO when gnuplot fails or writes
 * an empty file; -ENOMEM; or the -errno of creating or renaming the file.
 */
int bench_report_plot(const struct bench_report *r, const char *svg_path)
{
	const char **designs;
	struct stat st;
	char *tmp;
	size_t n;
	int fd, err;

	if (!svg_path || !*svg_path)
		return -EINVAL;
	if (!have_plot_data(r))
		return -ENODATA;
	if (!in_path("gnuplot"))
		return -ENOENT;
	designs = calloc(r->nr_rows, sizeof(*designs));
	if (!designs)
		return -ENOMEM;
	n = distinct_designs(r, designs);
	if (asprintf(&tmp, "%s.XXXXXX", svg_path) < 0) {
		err = -ENOMEM;
		goto err_free_designs;
	}
	/* gnuplot writes a unique name: the plot appears whole or not at all */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto err_free_tmp;
	}
	err = fchmod(fd, 0644) ? -errno : 0;
	close(fd);
	if (!err)
		err = run_gnuplot(r, tmp, designs, n);
	if (!err && (stat(tmp, &st) || !st.st_size))
		err = -EIO;
	if (!err && rename(tmp, svg_path))
		err = -errno;
	if (err)
		goto err_unlink;
	free(tmp);
	free(designs);
	return 0;

err_unlink:
	unlink(tmp);
err_free_tmp:
	free(tmp);
err_free_designs:
	free(designs);
	return err;
}
