// SPDX-License-Identifier: MIT
/*
 * The report's figures that are not a row's: the configuration, the
 * machine, the calibration, the stack cost, the seed terms, the floor and
 * the 64 GiB bind, once, in the JSON's order.  The JSON and the SUMMARY
 * line both walk this list, so one of these figures is one row here.
 */
#include "report.h"

#define AT(m)		.off = offsetof(struct bench_report, m)
#define WHEN(m)		.when = offsetof(struct bench_report, m) + 1

static const char *boundary_name(const struct bench_report *r)
{
	return r->cfg.boundary_syscall ? "syscall" : "none";
}

const struct report_figure report_figures[] = {
	{ "runs", "config.runs", FIG_UINT, AT(cfg.runs) },
	{ "flows", "config.flows", FIG_UINT, AT(cfg.flows) },
	{ "workers", "config.workers", FIG_UINT, AT(cfg.workers) },
	{ "held", "config.held", FIG_ULONG, AT(cfg.held) },
	{ "load_pct", "config.load_pct", FIG_DOUBLE, AT(cfg.load_pct), .prec = 2 },
	{ "warmup_s", "config.warmup_s", FIG_DOUBLE, AT(cfg.warmup_s), .prec = 3 },
	{ "window_s", "config.window_s", FIG_DOUBLE, AT(cfg.window_s), .prec = 3 },
	{ "profiles", "config.profiles", .type = FIG_PROFILES },
	{ "designs", "config.designs", .type = FIG_DESIGNS },
	{ "baseline", "config.baseline", FIG_STR, AT(cfg.baseline) },
	{ "quick", "config.quick", FIG_BOOL, AT(cfg.quick) },
	{ "instructions", "config.instructions", FIG_BOOL, AT(cfg.instructions) },
	{ "instr_segments", "config.instr_segments", FIG_ULONG, AT(cfg.instr_segments) },
	{ "seed", "config.seed", FIG_U64, AT(cfg.seed) },
	{ "dmabuf_mb", "config.dmabuf_mb", FIG_ULONG, AT(cfg.dmabuf_mb) },
	{ "nccl_delay_us", "config.nccl_delay_us", FIG_UINT, AT(cfg.nccl_delay_us) },
	{ "bind_64g", "config.bind_64g", FIG_BOOL, AT(cfg.bind_64g) },
	{ "boundary", "config.boundary", FIG_STR, .str = boundary_name },
	{ "stack_cost_ns", "config.stack_cost_ns", FIG_DOUBLE, AT(cfg.stack_cost_ns), .prec = 1 },
	{ "stack_cost_auto", "config.stack_cost_auto", FIG_BOOL, AT(cfg.stack_cost_auto) },
	{ "json_path", "config.json_path", FIG_STR, AT(cfg.json_path) },
	{ "csv_path", "config.csv_path", FIG_STR, AT(cfg.csv_path) },
	{ "plot_path", "config.plot_path", FIG_STR, AT(cfg.plot_path) },
	{ "cpus", "machine.cpus", FIG_UINT, AT(machine.cpus) },
	{ "cpu_model", "machine.cpu_model", FIG_CHARS, AT(machine.cpu_model) },
	{ "kernel", "machine.kernel", FIG_CHARS, AT(machine.kernel) },
	{ "callgrind", "machine.callgrind", FIG_BOOL, AT(machine.callgrind) },
	{ NULL, "calibration.baseline", FIG_STR, .str = report_baseline },
	{ "baseline_max_tokens_s", "calibration.baseline_max_tokens_per_s", FIG_DOUBLE,
	  AT(baseline_max_tokens_per_s) },
	{ "offered_tokens_s", "calibration.offered_tokens_per_s", FIG_DOUBLE,
	  AT(offered_tokens_per_s) },
	/* how close the kperf runs came to the operating point --load asks for */
	{ "calib_busy_pct", NULL, FIG_DOUBLE, AT(calib_busy_pct[BENCH_PROFILE_KPERF]),
	  .prec = 1 },
	{ "calib_charged_busy_pct", NULL, FIG_DOUBLE,
	  AT(calib_charged_busy_pct[BENCH_PROFILE_KPERF]), .prec = 1 },
	{ NULL, "calibration.", .type = FIG_CALIB },
	{ NULL, "stack_cost_ns", FIG_DOUBLE, AT(cfg.stack_cost_ns) },
	{ NULL, "stack_cost.charged_ns", FIG_DOUBLE, AT(cfg.stack_cost_ns), WHEN(have_stack) },
	{ NULL, "stack_cost.queued_ns", FIG_DOUBLE, AT(stack.queued_ns), WHEN(have_stack) },
	{ NULL, "stack_cost.queued_min_ns", FIG_DOUBLE, AT(stack.queued_min_ns),
	  WHEN(have_stack) },
	{ NULL, "stack_cost.queued_max_ns", FIG_DOUBLE, AT(stack.queued_max_ns),
	  WHEN(have_stack) },
	{ NULL, "stack_cost.crossing_ns", FIG_DOUBLE, AT(stack.crossing_ns), WHEN(have_stack) },
	{ NULL, "stack_cost.tight_ns", FIG_DOUBLE, AT(stack.tight_ns), WHEN(have_stack) },
	{ NULL, "stack_cost.kperf_ns", FIG_DOUBLE, AT(stack.kperf_ns), WHEN(have_stack) },
	{ NULL, "stack_cost.kperf_wakeups_per_read", FIG_DOUBLE,
	  AT(stack.kperf_wakeups_per_read), WHEN(have_stack) },
	{ NULL, "stack_cost.rounds", FIG_UINT, AT(stack.rounds), WHEN(have_stack) },
	/* The SUMMARY line puts the seed terms last, after the measured figures. */
	{ NULL, "seed_terms.baseline", FIG_STR, .str = report_baseline, WHEN(have_seed_terms) },
	{ "seed_pred_idle_baseline", "seed_terms.predicted_idle_baseline_pct", FIG_DOUBLE,
	  AT(seed_pred_idle_baseline), .prec = 2, WHEN(have_seed_terms), .last = true },
	{ "seed_pred_idle_niov", "seed_terms.predicted_idle_niov_pct", FIG_DOUBLE,
	  AT(seed_pred_idle_niov), .prec = 2, WHEN(have_seed_terms), .last = true },
	{ NULL, "seed_terms.seed_idle_xarray_pct", FIG_CONST,
	  .k = 100.0 - SEED_XARRAY_CPU_PCT, WHEN(have_seed_terms) },
	{ NULL, "seed_terms.seed_idle_niov_pct", FIG_CONST, .k = 100.0 - SEED_NIOV_CPU_PCT,
	  WHEN(have_seed_terms) },
	{ "seed_pred_ratio", "seed_terms.predicted_cpu_ratio", FIG_DOUBLE, AT(seed_pred_ratio),
	  .prec = 4, WHEN(have_seed_terms), .last = true },
	{ NULL, "seed_terms.seed_cpu_ratio", FIG_CONST, .k = SEED_RATIO, WHEN(have_seed_terms) },
	{ NULL, "seed_terms.v2_cpu_ratio", FIG_CONST, .k = V2_RATIO, WHEN(have_seed_terms) },
	{ "seed_k", "seed_terms.k_cpu_per_token", FIG_DOUBLE, AT(seed_k), .prec = 4,
	  WHEN(have_seed_terms), .last = true },
	{ "seed_share", "seed_terms.token_share_seed", FIG_DOUBLE, AT(seed_share), .prec = 4,
	  WHEN(have_seed_terms), .last = true },
	{ NULL, "seed_terms.token_share_v2", FIG_DOUBLE, AT(seed_share_v2),
	  WHEN(have_seed_terms) },
	{ NULL, "seed_terms.token_share_ours", FIG_DOUBLE, AT(seed_share_ours),
	  WHEN(have_seed_terms) },
	{ "", "designs", .type = FIG_ROWS },
	{ NULL, "fidelity", FIG_FIDELITY, WHEN(have_fidelity) },
	{ NULL, "floor.assign", FIG_DOUBLE, AT(floor_assign), WHEN(have_floor) },
	{ NULL, "floor.return", FIG_DOUBLE, AT(floor_return), WHEN(have_floor) },
	{ "floor_total", "floor.total", FIG_DOUBLE, .num = floor_total, .prec = 1,
	  WHEN(have_floor) },
	{ "bind_64g_s", "bind_64g.seconds", FIG_DOUBLE, AT(bind_64g_seconds), .prec = 3,
	  WHEN(have_bind_64g) },
	{ "bind_64g_bytes_per_niov", "bind_64g.bytes_per_niov", FIG_DOUBLE,
	  AT(bind_64g_bytes_per_niov), .prec = 1, WHEN(have_bind_64g) },
	{ "elapsed_s", "elapsed_s", FIG_DOUBLE, AT(elapsed_s), .prec = 1, .last = true },
};

const size_t report_nr_figures = sizeof(report_figures) / sizeof(report_figures[0]);

bool figure_shown(const struct report_figure *f, const struct bench_report *r)
{
	return !f->when || *((const bool *)((const char *)r + f->when - 1));
}

/* The figure as a whole number: FIG_UINT, FIG_ULONG, FIG_U64, FIG_BOOL. */
uint64_t figure_uint(const struct report_figure *f, const struct bench_report *r)
{
	const void *p = (const char *)r + f->off;

	switch (f->type) {
	case FIG_UINT:
		return *(const unsigned int *)p;
	case FIG_ULONG:
		return *(const unsigned long *)p;
	case FIG_BOOL:
		return *(const bool *)p;
	default:
		return *(const uint64_t *)p;
	}
}

double figure_double(const struct report_figure *f, const struct bench_report *r)
{
	if (f->type == FIG_CONST)
		return f->k;
	return f->num ? f->num(r) : *(const double *)((const char *)r + f->off);
}

/* FIG_STR or FIG_CHARS; NULL when unset. */
const char *figure_str(const struct report_figure *f, const struct bench_report *r)
{
	if (f->str)
		return f->str(r);
	if (f->type == FIG_CHARS)
		return (const char *)r + f->off;
	return *(const char *const *)((const char *)r + f->off);
}
