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
/* Most keys are the member's name, the same in both outputs. */
#define CFG(m, t, p)	{ #m, "config." #m, t, AT(cfg.m), .prec = p }
#define MACHINE(m, t)	{ #m, "machine." #m, t, AT(machine.m) }
#define STACK(m, t)	{ NULL, "stack_cost." #m, t, AT(stack.m), WHEN(have_stack) }
#define SEED(key, t, ...) { NULL, "seed_terms." key, t, WHEN(have_seed_terms), __VA_ARGS__ }
#define SEED_SUM(sum, key, m, p) { sum, "seed_terms." key, FIG_DOUBLE, AT(m), .prec = p, \
				   WHEN(have_seed_terms), .last = true }

static const char *boundary_name(const struct bench_report *r)
{
	return r->cfg.boundary_syscall ? "syscall" : "none";
}

const struct report_figure report_figures[] = {
	CFG(runs, FIG_UINT, 0),
	CFG(flows, FIG_UINT, 0),
	CFG(workers, FIG_UINT, 0),
	CFG(held, FIG_ULONG, 0),
	CFG(load_pct, FIG_DOUBLE, 2),
	CFG(warmup_s, FIG_DOUBLE, 3),
	CFG(window_s, FIG_DOUBLE, 3),
	{ "profiles", "config.profiles", .type = FIG_PROFILES },
	{ "designs", "config.designs", .type = FIG_DESIGNS },
	CFG(baseline, FIG_STR, 0),
	CFG(quick, FIG_BOOL, 0),
	CFG(instructions, FIG_BOOL, 0),
	CFG(instr_segments, FIG_ULONG, 0),
	CFG(seed, FIG_U64, 0),
	CFG(dmabuf_mb, FIG_ULONG, 0),
	CFG(nccl_delay_us, FIG_UINT, 0),
	CFG(bind_64g, FIG_BOOL, 0),
	{ "boundary", "config.boundary", FIG_STR, .str = boundary_name },
	CFG(stack_cost_ns, FIG_DOUBLE, 1),
	CFG(stack_cost_auto, FIG_BOOL, 0),
	CFG(json_path, FIG_STR, 0),
	CFG(csv_path, FIG_STR, 0),
	CFG(plot_path, FIG_STR, 0),
	MACHINE(cpus, FIG_UINT),
	MACHINE(cpu_model, FIG_CHARS),
	MACHINE(kernel, FIG_CHARS),
	MACHINE(callgrind, FIG_BOOL),
	{ NULL, "calibration.baseline", FIG_STR, .str = report_baseline },
	{ "baseline_max_tokens_s", "calibration.baseline_max_tokens_per_s", FIG_DOUBLE,
	  AT(baseline_max_tokens_per_s) },
	{ "offered_tokens_s", "calibration.offered_tokens_per_s", FIG_DOUBLE,
	  AT(offered_tokens_per_s) },
	/* how close the kperf runs came to the operating point --load asks for */
	{ "calib_busy_pct", NULL, FIG_DOUBLE, AT(calib_busy_pct[BENCH_PROFILE_KPERF]), .prec = 1 },
	{ "calib_charged_busy_pct", NULL, FIG_DOUBLE,
	  AT(calib_charged_busy_pct[BENCH_PROFILE_KPERF]), .prec = 1 },
	{ NULL, "calibration.", .type = FIG_CALIB },
	{ NULL, "stack_cost_ns", FIG_DOUBLE, AT(cfg.stack_cost_ns) },
	{ NULL, "stack_cost.charged_ns", FIG_DOUBLE, AT(cfg.stack_cost_ns), WHEN(have_stack) },
	STACK(queued_ns, FIG_DOUBLE),
	STACK(queued_min_ns, FIG_DOUBLE),
	STACK(queued_max_ns, FIG_DOUBLE),
	STACK(crossing_ns, FIG_DOUBLE),
	STACK(tight_ns, FIG_DOUBLE),
	STACK(kperf_ns, FIG_DOUBLE),
	STACK(kperf_wakeups_per_read, FIG_DOUBLE),
	STACK(rounds, FIG_UINT),
	/* The SUMMARY line puts the seed terms last, after the measured figures. */
	SEED("baseline", FIG_STR, .str = report_baseline),
	SEED_SUM("seed_pred_idle_baseline", "predicted_idle_baseline_pct", seed_pred_idle_baseline, 2),
	SEED_SUM("seed_pred_idle_niov", "predicted_idle_niov_pct", seed_pred_idle_niov, 2),
	SEED("seed_idle_xarray_pct", FIG_CONST, .k = 100.0 - SEED_XARRAY_CPU_PCT),
	SEED("seed_idle_niov_pct", FIG_CONST, .k = 100.0 - SEED_NIOV_CPU_PCT),
	SEED_SUM("seed_pred_ratio", "predicted_cpu_ratio", seed_pred_ratio, 4),
	SEED("seed_cpu_ratio", FIG_CONST, .k = SEED_RATIO),
	SEED("v2_cpu_ratio", FIG_CONST, .k = V2_RATIO),
	SEED_SUM("seed_k", "k_cpu_per_token", seed_k, 4),
	SEED_SUM("seed_share", "token_share_seed", seed_share, 4),
	SEED("token_share_v2", FIG_DOUBLE, AT(seed_share_v2)),
	SEED("token_share_ours", FIG_DOUBLE, AT(seed_share_ours)),
	{ "", "designs", .type = FIG_ROWS },
	{ NULL, "fidelity", .type = FIG_FIDELITY, WHEN(have_fidelity) },
	{ NULL, "targets", .type = FIG_TARGETS },
	{ NULL, "projection", .type = FIG_PROJECTION },
	{ NULL, "sock_state", .type = FIG_SOCK_SCALE },
	{ NULL, "floor.assign", FIG_DOUBLE, AT(floor_assign), WHEN(have_floor) },
	{ NULL, "floor.return", FIG_DOUBLE, AT(floor_return), WHEN(have_floor) },
	{ "floor_total", "floor.total", FIG_DOUBLE, .num = floor_total, .prec = 1, WHEN(have_floor) },
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
