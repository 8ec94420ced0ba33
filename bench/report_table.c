// SPDX-License-Identifier: MIT
/* The report for people: one table per return profile, like DPDK's ring perf table. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define CELL_SIZE	48

/* Bytes past the first of each UTF-8 character in @s: the ± takes two, shows one. */
static int extra_bytes(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) == 0x80;
	return n;
}

/*
 * The one printer of the report's column tables: each cell after its
 * column's .sep at its .width (negative: to the left), then .suffix.  A
 * cell wider than its column pushes the rest of the line; trailing
 * blanks go.
 */
static void print_cells(const struct report_column *cols, size_t n,
			char (*cells)[CELL_SIZE], FILE *out)
{
	char line[1024];
	size_t c, len = 0;

	for (c = 0; c < n && len < sizeof(line); c++) {
		const int w = cols[c].width, x = extra_bytes(cells[c]);
		size_t room = sizeof(line) - len;
		int k = snprintf(line + len, room, "%s%*s%s", cols[c].sep, w < 0 ? w - x : w + x,
				 cells[c], cols[c].suffix ? cols[c].suffix : "");

		if (k < 0)
			break;
		len += (size_t)k < room ? (size_t)k : room - 1;
	}
	while (len && line[len - 1] == ' ')
		len--;
	fprintf(out, "%.*s\n", (int)len, line);
}

/*
 * The titles over @cols, when any has one (a title spans its column's
 * suffix too); with @rule, a rule under them, as the main and the memory
 * tables have.
 */
static void print_titles(const struct report_column *cols, size_t n, bool rule, FILE *out)
{
	const struct report_column *c;
	size_t width = 0;
	bool any = false;

	for (c = cols; c < cols + n; c++) {
		int pad = c->suffix ? (int)strlen(c->suffix) : 0;

		width += strlen(c->sep) + (size_t)abs(c->width);
		if (!c->title)
			continue;
		fprintf(out, "%s%*s", c->sep, c->width < 0 ? c->width - pad : c->width + pad,
			c->title);
		any = true;
	}
	if (any)
		fputc('\n', out);
	while (rule && width--)
		fputc('-', out);
	if (rule)
		fputc('\n', out);
}

/*
 * A figure over runs: "-" when never measured, the bare mean for one run
 * (whose interval of 0 means "unknown", not "exact"), else mean ± ci95.
 * The interval is left in room for @prec + 3 characters, so that a
 * column's ± line up and a bare mean stands where the means do.
 */
static void stat_cell(char *cell, const struct bench_stat *s, int prec, double scale)
{
	if (!s->n)
		snprintf(cell, CELL_SIZE, "-%*s", prec + 6, "");
	else if (s->n > 1)
		snprintf(cell, CELL_SIZE, "%.*f \u00b1 %-*.*f", prec, s->mean * scale,
			 prec + 3, prec, s->ci95 * scale);
	else
		snprintf(cell, CELL_SIZE, "%.*f%*s", prec, s->mean * scale, prec + 6, "");
}

/* ---- the table */

static void profile_heading(const struct bench_report *r, enum bench_profile p, FILE *out)
{
	static const char *const how[BENCH_NR_PROFILES] = {
		[BENCH_PROFILE_KPERF] = "128 single-token entries per DONTNEED",
		[BENCH_PROFILE_NCDEVMEM] = "one DONTNEED per token",
		[BENCH_PROFILE_NCCL] = "merged ranges of up to 1024 frags, returned after %u us",
	};

	fprintf(out, "\nprofile %s: ", bench_profile_name(p));
	fprintf(out, how[p], r->cfg.nccl_delay_us);
	/* Each profile's fixed load is steered on the baseline in that profile. */
	if (r->calib_max_tokens_per_s[p] > 0)
		fprintf(out, "; offered %.3f M tokens/s (%s %.0f%% busy in calibration, max %.3f M)",
			r->calib_offered_tokens_per_s[p] / 1e6, report_baseline(r),
			r->calib_busy_pct[p], r->calib_max_tokens_per_s[p] / 1e6);
	if (r->calib_charged_max_tokens_per_s[p] > 0)
		fprintf(out, "; charged %.3f M (%.0f%% busy, max %.3f M)",
			r->calib_charged_offered_tokens_per_s[p] / 1e6,
			r->calib_charged_busy_pct[p], r->calib_charged_max_tokens_per_s[p] / 1e6);
	fputc('\n', out);
}

/* The table's figures: every field with a title, "vs floor" only against one. */
static bool in_table(const struct report_field *f, const struct bench_report *r)
{
	return f->title && (r->have_floor || !(f->flags & FIELD_FLOOR));
}

/*
 * A row's cells; with @floor, the floor's: its instructions where the
 * designs have theirs, nothing elsewhere.
 */
static void main_cells(const struct bench_report *r, const struct bench_row *row, bool floor,
		       char (*cell)[CELL_SIZE])
{
	const struct report_field *f;

	snprintf(*cell, CELL_SIZE, "%s%s", row_design(row), row->charged ? "*" : "");
	snprintf(*++cell, CELL_SIZE, "%d", row->autorelease);
	if (floor)
		**cell = '\0';
	for (f = report_fields; f < report_fields + report_nr_fields; f++) {
		if (!in_table(f, r))
			continue;
		if (floor && (f->flags & (FIELD_INSTR | FIELD_FLOOR)) != FIELD_INSTR)
			**++cell = '\0';
		else if (f->flags & FIELD_STAT)
			stat_cell(*++cell, field_stat(f, row), f->prec, f->scale ? f->scale : 1);
		else if (field_measured(f, r, row))
			snprintf(*++cell, CELL_SIZE, "%.*f%s", f->prec, field_value(f, r, row),
				 f->suffix ? f->suffix : "");
		else
			snprintf(*++cell, CELL_SIZE, "-");
	}
}

static void print_main_table(const struct bench_report *r, FILE *out)
{
	struct report_column cols[SECTION_MAX_COLS] = {
		{ "design", .sep = "", .width = -10 }, { "ar", .sep = "  ", .width = 2 },
	};
	const struct bench_row floor = {
		.design = "floor",
		.have_instructions = true,
		.instr_assign = r->floor_assign,
		.instr_return = r->floor_return,
	};
	char titles[SECTION_MAX_COLS][48], cells[SECTION_MAX_COLS][CELL_SIZE];
	const struct report_field *f;
	size_t i, n = 2;
	unsigned int p;

	for (f = report_fields; f < report_fields + report_nr_fields; f++) {
		if (!in_table(f, r) || n == SECTION_MAX_COLS)
			continue;
		snprintf(titles[n], sizeof(titles[0]), "%s%s%s", f->title,
			 f->unit || (f->flags & FIELD_BASELINE) ? " " : "",
			 f->flags & FIELD_BASELINE ? report_baseline(r) : f->unit ? f->unit : "");
		cols[n] = (struct report_column){ titles[n], .sep = "  ", .width = f->width };
		n++;
	}
	for (p = 0; p < BENCH_NR_PROFILES; p++) {
		if (!have_profile(r, p))
			continue;
		profile_heading(r, p, out);
		print_titles(cols, n, true, out);
		for (i = 0; i < r->nr_rows; i++) {
			if (r->rows[i].profile != p)
				continue;
			main_cells(r, &r->rows[i], false, cells);
			print_cells(cols, n, cells, out);
		}
		if (r->have_floor) {
			main_cells(r, &floor, true, cells);
			print_cells(cols, n, cells, out);
		}
	}
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

/* One of report_sections.c's sections as fixed-width lines. */
static void print_section(const struct report_section *s, const struct bench_report *r,
			  FILE *out)
{
	const size_t nr = section_items(s, r);
	double v[SECTION_MAX_COLS];
	char cells[SECTION_MAX_COLS][CELL_SIZE];
	bool any = false;
	const void *item;
	size_t i, c, n;

	for (i = 0; i < nr; i++) {
		if (!(item = section_item(s, r, i)))
			continue;
		if (!any) {
			s->head(r, item, out);
			print_titles(s->cols, s->ncols, false, out);
		}
		any = true;
		n = section_values(s, r, item, v);
		for (c = 0; c < n; c++) {
			if (s->cols[c].kind == COL_DESIGN)
				snprintf(cells[c], CELL_SIZE, "%s", row_design(item));
			else if (s->cols[c].kind == COL_MET)
				snprintf(cells[c], CELL_SIZE, "%s", v[c] ? "met" : "missed");
			else
				snprintf(cells[c], CELL_SIZE, "%.*f", s->cols[c].prec, v[c]);
		}
		print_cells(s->cols, n, cells, out);
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
	static const struct report_column all[] = {
		{ "design", .sep = "", .width = -10 }, { "kperf", .sep = "  ", .width = 6 },
		{ "ncdevmem", .sep = "  ", .width = 8 }, { "nccl", .sep = "  ", .width = 6 },
		{ "B/socket", .sep = "  ", .width = 10 },
		{ "peak RSS MiB", .sep = "  ", .width = 12 },
	};
	struct report_column cols[BENCH_NR_PROFILES + 3] = { all[0] };
	char cells[BENCH_NR_PROFILES + 3][CELL_SIZE];
	size_t i, j, c = 1;
	unsigned int p;

	fprintf(out, "\nmemory: token-tracking state bytes per outstanding token (%lu held on one socket), by profile; B/socket: that socket's own state on a %lu-page binding\n",
		r->state_held, r->state_socket_pages);
	for (p = 0; p < BENCH_NR_PROFILES; p++)
		if (have_profile(r, p))
			cols[c++] = all[1 + p];
	cols[c++] = all[4];
	cols[c++] = all[5];
	print_titles(cols, c, true, out);
	for (i = 0; i < r->nr_rows; i++) {
		const char *design = row_design(&r->rows[i]);
		long rss = -1;

		if (!first_row_of_design(r, i))
			continue;
		snprintf(cells[0], CELL_SIZE, "%s", design);
		for (c = 1, p = 0; p < BENCH_NR_PROFILES; p++) {
			const struct bench_row *br = find_row_charged(r, design, p, false);

			if (!have_profile(r, p))
				continue;
			if (br)
				snprintf(cells[c++], CELL_SIZE, "%.2f", br->state_bytes_per_token);
			else
				snprintf(cells[c++], CELL_SIZE, "-");
		}
		snprintf(cells[c++], CELL_SIZE, "%.0f", r->rows[i].state_bytes_per_socket);
		/* RSS is per process: the peak over this design's runs. */
		for (j = 0; j < r->nr_rows; j++)
			if (!strcmp(row_design(&r->rows[j]), design) &&
			    r->rows[j].peak_rss_kb > rss)
				rss = r->rows[j].peak_rss_kb;
		if (rss > 0)
			snprintf(cells[c++], CELL_SIZE, "%.1f", rss / 1024.0);
		else
			snprintf(cells[c++], CELL_SIZE, "-");
		print_cells(cols, c, cells, out);
	}
}

/*
 * What a socket costs as sockets multiply: measured per socket on the
 * run's binding, fitted to fixed + per page, and carried to the reviewers'
 * 10 K sockets on 2 GiB dma-bufs, the figure that moved v3 off sockarray.
 */
static void print_sock_scale(const struct bench_report *r, FILE *out)
{
	static const struct report_column cols[] = {
		{ "design", .sep = "  ", .width = -10 }, { "sockets", .sep = " ", .width = 7 },
		{ "pages", .sep = " ", .width = 8 }, { "B/socket", .sep = " ", .width = 10 },
		{ "fixed B", .sep = " ", .width = 9 }, { "B/page/socket", .sep = " ", .width = 13 },
		{ "binding B/page", .sep = " ", .width = 14 },
		{ "10 K x 2 GiB", .sep = " ", .width = 12, .suffix = " GiB" },
	};
	char cells[8][CELL_SIZE];
	size_t i;

	if (!r->nr_sock_scale)
		return;
	fprintf(out, "\nstate per socket at scale: sockets on one binding, each holding a token; fitted to fixed + B/page/socket x pages; the reviewers' case: %u sockets x %u pages (2 GiB of 4 KiB)\n",
		SOCK_STATE_REVIEW_SOCKETS, SOCK_STATE_REVIEW_PAGES);
	print_titles(cols, 8, false, out);
	for (i = 0; i < r->nr_sock_scale; i++) {
		const struct bench_sock_scale *sc = &r->sock_scale[i];

		snprintf(cells[0], CELL_SIZE, "%s", sc->design);
		snprintf(cells[1], CELL_SIZE, "%u", sc->m.sockets);
		snprintf(cells[2], CELL_SIZE, "%" PRIu64, sc->m.pages);
		snprintf(cells[3], CELL_SIZE, "%.0f", sc->m.socket_bytes);
		snprintf(cells[4], CELL_SIZE, "%.0f", sc->m.socket_fixed);
		snprintf(cells[5], CELL_SIZE, "%.3f", sc->m.socket_per_page);
		snprintf(cells[6], CELL_SIZE, "%.1f", sc->m.binding_per_page);
		snprintf(cells[7], CELL_SIZE, "%.2f",
			 bench_sock_state_bytes(&sc->m, SOCK_STATE_REVIEW_PAGES,
						SOCK_STATE_REVIEW_SOCKETS) / (double)(1ull << 30));
		print_cells(cols, 8, cells, out);
	}
	fprintf(out, "  10 K x 2 GiB = %u x (fixed + B/page/socket x %u) + binding B/page x %u\n",
		SOCK_STATE_REVIEW_SOCKETS, SOCK_STATE_REVIEW_PAGES, SOCK_STATE_REVIEW_PAGES);
}

/* Issue 16's targets, met or missed with the figure measured. */
static void print_targets(const struct bench_report *r, FILE *out)
{
	static const struct report_column cols[] = {
		{ "target", .sep = "  ", .width = -44 }, { "profile", .sep = " ", .width = -8 },
		{ "measured", .sep = " ", .width = 9 }, { "limit", .sep = " ", .width = 8 },
		{ NULL, .sep = "  ", .width = -12 },
	};
	struct bench_target t[BENCH_MAX_TARGETS];
	size_t i, n = bench_targets(r, t, BENCH_MAX_TARGETS);
	char cells[5][CELL_SIZE];

	if (!n)
		return;
	fprintf(out, "\ntargets (issue 16): *: charged, worker CPU as the paired ratio to %s* at the fixed load; instructions: assign + return per token, in process\n",
		report_baseline(r));
	print_titles(cols, 5, false, out);
	for (i = 0; i < n; i++) {
		snprintf(cells[0], CELL_SIZE, "%s", t[i].what);
		snprintf(cells[1], CELL_SIZE, "%s", bench_profile_name(t[i].profile));
		if (t[i].measured) {
			snprintf(cells[2], CELL_SIZE, "%.3f%s", t[i].value, t[i].unit);
			snprintf(cells[3], CELL_SIZE, "%s%.3f%s", t[i].strict ? "<" : "",
				 t[i].limit, t[i].unit);
			snprintf(cells[4], CELL_SIZE, "%s", t[i].met ? "met" : "missed");
		} else {
			snprintf(cells[2], CELL_SIZE, "-");
			snprintf(cells[3], CELL_SIZE, "-");
			snprintf(cells[4], CELL_SIZE, "not measured");
		}
		print_cells(cols, 5, cells, out);
	}
}

/* RX worker cores per design at 100-800 Gbps, from CPU ns per token. */
static void print_projection(const struct bench_report *r, FILE *out)
{
	struct report_column cols[3 + PROJECTION_NR_FRAGS * PROJECTION_NR_RATES] = {
		{ "profile", .sep = "  ", .width = -8 }, { "design", .sep = " ", .width = -10 },
		{ "ns/token", .sep = " ", .width = 8 },
	};
	char titles[PROJECTION_NR_FRAGS * PROJECTION_NR_RATES][24];
	char cells[3 + PROJECTION_NR_FRAGS * PROJECTION_NR_RATES][CELL_SIZE];
	const size_t ncols = 3 + PROJECTION_NR_FRAGS * PROJECTION_NR_RATES;
	size_t i, f, k, c;
	bool any = false;

	for (f = 0, c = 3; f < PROJECTION_NR_FRAGS; f++) {
		for (k = 0; k < PROJECTION_NR_RATES; k++, c++) {
			snprintf(titles[c - 3], sizeof(titles[0]), "%s%.0fG",
				 k ? "" : projection_frag_bytes[f] == 4096 ? "4K:" : "16K:",
				 projection_gbps[k]);
			cols[c] = (struct report_column){ titles[c - 3], .sep = k ? " " : "   ",
							  .width = 8 };
		}
	}
	/* profile by profile, as the main table */
	for (i = 0; i < BENCH_NR_PROFILES * r->nr_rows; i++) {
		const struct bench_row *row = &r->rows[i % r->nr_rows];
		double ns = row->cpu_ns_per_token.mean;

		if (row->profile != i / r->nr_rows || !row->cpu_ns_per_token.n)
			continue;
		if (!any) {
			fputs("\nline-rate projection: RX worker cores needed, by frag size (net_iov) and line rate\n",
			      out);
			for (k = 0; k < PROJECTION_NR_ASSUMPTIONS; k++)
				fprintf(out, "  assumes: %s\n", projection_assumptions[k]);
			print_titles(cols, ncols, false, out);
		}
		any = true;
		snprintf(cells[0], CELL_SIZE, "%s", bench_profile_name(row->profile));
		snprintf(cells[1], CELL_SIZE, "%s%s", row_design(row), row->charged ? "*" : "");
		snprintf(cells[2], CELL_SIZE, "%.1f", ns);
		for (f = 0, c = 3; f < PROJECTION_NR_FRAGS; f++)
			for (k = 0; k < PROJECTION_NR_RATES; k++, c++)
				snprintf(cells[c], CELL_SIZE, "%.2f",
					 bench_projection_cores(projection_gbps[k],
								projection_frag_bytes[f], ns));
		print_cells(cols, ncols, cells, out);
	}
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

/*
 * The seed's figures next to ours, from the kperf rows of the baseline and
 * niov, then our figures in the seed's terms (docs/fidelity.md).
 */
static void print_seed(const struct bench_report *r, FILE *out)
{
	const char *base = report_baseline(r);
	const struct bench_row *x = find_row_charged(r, base, BENCH_PROFILE_KPERF, false);
	const struct bench_row *v = find_row_charged(r, "niov", BENCH_PROFILE_KPERF, false);
	const bool have = x && v && x->worker_idle_pct.n && v->worker_idle_pct.n;
	const struct bench_stat *ratio = have ? &v->ratio_vs_baseline : NULL;
	const double of_means = have && x->worker_cpu_pct.mean > 0 ?
		v->worker_cpu_pct.mean / x->worker_cpu_pct.mean : NAN;

	if (have)
		fprintf(out, "%s; here: idle %.2f%% (%s) -> %.2f%%, niov/%s CPU ratio ",
			SEED_LINE, x->worker_idle_pct.mean, base, v->worker_idle_pct.mean, base);
	if (!have)
		fprintf(out, "%s; here: not measured (needs kperf rows of %s and niov)\n",
			SEED_LINE, base);
	else if (ratio->n > 1)
		fprintf(out, "%.3f \u00b1 %.3f\n", ratio->mean, ratio->ci95);
	else if (ratio->n)
		fprintf(out, "%.3f\n", ratio->mean);
	/* No paired ratio: fall back on the ratio of the mean CPU shares. */
	else if (isfinite(of_means))
		fprintf(out, "%.3f (of means)\n", of_means);
	else
		fprintf(out, "-\n");
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
		print_sock_scale(r, out);
		print_targets(r, out);
		print_projection(r, out);
	} else {
		fputs("\nno results\n", out);
	}
	fputc('\n', out);
	if (r->have_bind_64g)
		print_bind_64g(r, out);
	print_seed(r, out);
	fprintf(out, "elapsed %.1f s\n", r->elapsed_s);
}
