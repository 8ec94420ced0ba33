// SPDX-License-Identifier: MIT
/*
 * `devmem-lab bench`: calibrate on the baseline's saturation rate (kxarray,
 * the kernel's own xarray, when built; else xarray), then run every design
 * at one fixed offered load (the same work for all) and at saturation, run
 * by run with the designs interleaved so a paired ratio against the
 * baseline compares measurements taken side by side.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "args.h"
#include "bench.h"
#include "devmem/devmem.h"
#include "fidelity.h"
#include "instructions.h"
#include "one_flow.h"
#include "report.h"
#include "run.h"

struct samples {
	double cpu_pct[BENCH_MAX_RUNS];
	double ns_per_token[BENCH_MAX_RUNS];
	double max_tps[BENCH_MAX_RUNS];
	double delivered[BENCH_MAX_RUNS];
	double stalls[BENCH_MAX_RUNS];
	double dry[BENCH_MAX_RUNS];
	/* per run that received tokens: a window with none has no ratio */
	double rx_calls[BENCH_MAX_RUNS], dn_calls[BENCH_MAX_RUNS];
	double pushes[BENCH_MAX_RUNS], fallbacks[BENCH_MAX_RUNS];
	unsigned int nr_calls;
	long rss_kb;
};

struct progress {
	bool tty;
	uint64_t start_ns;
};

static double since(uint64_t t0_ns)
{
	return (double)(bench_clock_ns(CLOCK_MONOTONIC) - t0_ns) / 1e9;
}

static void progress(const struct progress *pg, const char *what, const char *design,
		     unsigned int run, unsigned int runs)
{
	if (!pg->tty)
		return;
	fprintf(stderr, "\r\033[K[bench] %-10s %-8s run %u of %u  %5.1f s", what, design,
		run, runs, since(pg->start_ns));
}

static void machine_info(struct bench_machine *m)
{
	struct utsname u;
	char line[256];
	FILE *f;

	m->cpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(m->cpu_model, sizeof(m->cpu_model), "unknown");
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && colon) {
			snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", colon + 2);
			m->cpu_model[strcspn(m->cpu_model, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
	if (!uname(&u)) {
		/* sysname is "Linux": the release alone fits the field */
		snprintf(m->kernel, sizeof(m->kernel), "%.64s", u.release);
	}
	m->callgrind = bench_have_callgrind();
}

static int design_mode(const char *name)
{
	const struct dml_token_design_info *d = bench_design_info(name);

	return d ? d->autorelease : -1;
}

static struct bench_run_params params_for(const struct bench_config *cfg,
					  const char *design, enum bench_profile profile,
					  bool charged, double offered)
{
	return (struct bench_run_params){
		.charged = charged,
		.stack_ns = charged ? cfg->stack_cost_ns : 0,
		.design = design,
		.autorelease = design_mode(design),
		.profile = profile,
		.flows = cfg->flows,
		.workers = cfg->workers,
		.held = cfg->held,
		.offered = offered,
		.warmup_s = cfg->warmup_s,
		.window_s = cfg->window_s,
		.dmabuf_mb = cfg->dmabuf_mb,
		.nccl_delay_us = cfg->nccl_delay_us,
	};
}

/*
 * A window in which no token reached the worker measured nothing, not a
 * rate of zero: on a machine busy with other work (a test suite running
 * beside --quick's 80 ms window) the worker or the NIC thread may not run
 * in it at all.  Such a run is made again, a few times at most.
 */
#define EMPTY_WINDOW_RETRIES	4

static int measure(const struct bench_run_params *p, struct bench_run_result *r)
{
	char err[256];
	unsigned int tries = 0;
	int ret;

	do
		ret = bench_run_once(p, r, err, sizeof(err));
	while (!ret && r->tokens_per_cpu_s <= 0 && ++tries <= EMPTY_WINDOW_RETRIES);
	if (ret)
		fprintf(stderr, "\ndevmem-lab bench: %s\n", err);
	return ret;
}

/*
 * The seed's operating point is a baseline worker 86.87% busy, and a
 * worker's CPU per token depends on the load: below saturation each
 * wake-up finds fewer skbs, so poll and the system calls are shared by
 * fewer tokens.  87% of the saturation rate can therefore leave the
 * baseline anywhere from half busy to saturated, and the ratio with it.
 * So the offered load is steered instead: from --load of the saturation
 * rate, a few baseline runs at a fixed load, each moving the load toward
 * the busy --load asks for, and the run that came closest sets it.
 * The saturation rate caps the load; it is the higher of two runs, since a
 * disturbance only ever lowers it.
 * Charged, the saturation rate is per second of the worker's own CPU (the
 * worker is the bottleneck by far, and another process taking the core
 * must not lower it); in process it is the rate delivered (the NIC thread
 * may be the bottleneck there, and no load above it can be offered).
 * The baseline is cfg->baseline: the options insist it is measured.
 * Returns the steered load in @offered_out, the saturation rate in @max_out.
 */
#define CALIB_STEPS	3

static int calibrate(struct bench_report *rep, enum bench_profile profile, bool charged,
		     const struct progress *pg, double *offered_out, double *max_out)
{
	const struct bench_config *cfg = &rep->cfg;
	struct bench_run_params p = params_for(cfg, cfg->baseline, profile, charged, 0);
	struct bench_run_result r;
	double max = 0, offered = 0, busy = 0, prev_load = 0, prev_busy = 0;
	unsigned int i, sat = cfg->quick ? 1 : 2, steps = cfg->quick ? 1 : CALIB_STEPS;
	int err;

	for (i = 0; i < sat; i++) {
		double rate;

		progress(pg, charged ? "calib*" : "calibrate", bench_profile_name(profile),
			 i + 1, sat + steps);
		err = measure(&p, &r);
		if (err)
			return err;
		rate = charged ? r.tokens_per_cpu_s : r.tokens_per_s;
		max = rate > max ? rate : max;
	}
	p.offered = max * cfg->load_pct / 100.0;
	for (i = 0; i < steps; i++) {
		double next, b;

		progress(pg, charged ? "calib*" : "calibrate", bench_profile_name(profile),
			 sat + i + 1, sat + steps);
		err = measure(&p, &r);
		if (err)
			return err;
		b = r.worker_cpu_pct;
		/* the load is the step that came closest; its busy is measured */
		if (!i || fabs(b - cfg->load_pct) < fabs(busy - cfg->load_pct)) {
			offered = p.offered;
			busy = b;
		}
		/*
		 * Busy grows slower than the load (batching), so after the
		 * first step a secant through the last two points, not the
		 * proportional guess, which overshoots near saturation.
		 */
		if (b >= 99.0)
			next = p.offered * 0.9;	/* saturated: only "too much" */
		else if (i && fabs(b - prev_busy) > 1.0)
			next = p.offered + (cfg->load_pct - b) * (p.offered - prev_load) /
					   (b - prev_busy);
		else
			next = b > 0 ? p.offered * cfg->load_pct / b : p.offered;
		prev_load = p.offered;
		prev_busy = b;
		p.offered = next < max ? (next > 0 ? next : p.offered / 2) : max;
	}
	/* Not the seed's operating point: every later figure must say so. */
	if (busy < cfg->load_pct * 0.9 && !cfg->quick)
		fprintf(stderr, "\ndevmem-lab bench: warning: %s%s reached only %.0f%% busy at %.3f M tokens/s (--load %.0f): the NIC thread offers no more on this machine (is another process on its core?); this profile's ratios are at that operating point\n",
			cfg->baseline, charged ? "*" : "", busy, offered / 1e6, cfg->load_pct);
	(charged ? rep->calib_charged_max_tokens_per_s : rep->calib_max_tokens_per_s)[profile] = max;
	(charged ? rep->calib_charged_offered_tokens_per_s :
		   rep->calib_offered_tokens_per_s)[profile] = offered;
	(charged ? rep->calib_charged_busy_pct : rep->calib_busy_pct)[profile] = busy;
	if (!charged && (profile == BENCH_PROFILE_KPERF || !rep->baseline_max_tokens_per_s)) {
		rep->baseline_max_tokens_per_s = max;
		rep->offered_tokens_per_s = offered;
	}
	*offered_out = offered;
	*max_out = max;
	return 0;
}

/*
 * The machine's speed drifts within minutes (the baseline's CPU per token
 * moved by half between invocations two minutes apart, docs/fidelity.md),
 * and the ratio moves with the baseline's operating point: after each run
 * of every design, the next run's load moves halfway toward what would
 * have kept the baseline --load busy, capped at its saturation rate.  All
 * designs of one run still see the same load, so the paired ratio holds.
 */
static double follow(double offered, double busy, double target, double max)
{
	double next;

	if (busy >= 99.0)
		next = offered * 0.9;	/* saturated: only "too much" */
	else if (busy > 0)
		next = offered * (1.0 + 0.5 * (target / busy - 1.0));
	else
		next = offered;
	return next < max ? next : max;
}

static int run_profile(struct bench_report *rep, enum bench_profile profile,
		       bool charged, struct bench_row *rows, const struct progress *pg)
{
	const struct bench_config *cfg = &rep->cfg;
	struct samples *s = calloc(cfg->nr_designs, sizeof(*s));
	double offered = 0, max = 0;
	size_t d, base = 0;
	unsigned int run;
	int err = 0;

	if (!s)
		return -ENOMEM;
	err = calibrate(rep, profile, charged, pg, &offered, &max);
	for (d = 0; d < cfg->nr_designs; d++)
		if (!strcmp(cfg->designs[d], cfg->baseline))
			base = d;
	for (run = 0; run < cfg->runs && !err; run++) {
		for (d = 0; d < cfg->nr_designs && !err; d++) {
			struct bench_run_params p = params_for(cfg, cfg->designs[d], profile,
							       charged, offered);
			struct bench_run_result r;

			progress(pg, bench_profile_name(profile), p.design, run + 1, cfg->runs);
			if (charged && pg->tty)
				fputc('*', stderr);
			err = measure(&p, &r);
			if (err)
				break;
			s[d].cpu_pct[run] = r.worker_cpu_pct;
			s[d].ns_per_token[run] = r.cpu_ns_per_token;
			s[d].delivered[run] = offered > 0 ? 100.0 * r.tokens_per_s / offered : 0;
			if (r.cpu_ns_per_token > 0) {
				s[d].rx_calls[s[d].nr_calls] = r.recvmsg_syscalls_per_token;
				s[d].pushes[s[d].nr_calls] = r.ring_pushes_per_token;
				s[d].fallbacks[s[d].nr_calls] = r.ring_fallbacks_per_token;
				s[d].dn_calls[s[d].nr_calls++] = r.dontneed_syscalls_per_token;
			}
			s[d].rss_kb = r.peak_rss_kb > s[d].rss_kb ? r.peak_rss_kb : s[d].rss_kb;
			p.offered = 0;
			err = measure(&p, &r);
			/*
			 * What one worker sustains: the NIC thread may be the
			 * bottleneck of the pipeline, the worker's CPU is not.
			 */
			s[d].max_tps[run] = r.tokens_per_cpu_s;
			s[d].stalls[run] = r.stalls_per_s;
			s[d].dry[run] = r.nic_dry_pct;
		}
		if (!err && !cfg->quick)
			offered = follow(offered, s[base].cpu_pct[run], cfg->load_pct, max);
	}
	for (d = 0; d < cfg->nr_designs && !err; d++) {
		struct bench_row *row = &rows[d];
		double idle[BENCH_MAX_RUNS];

		for (run = 0; run < cfg->runs; run++)
			idle[run] = 100.0 - s[d].cpu_pct[run];
		row->design = cfg->designs[d];
		row->autorelease = design_mode(row->design);
		row->profile = profile;
		row->charged = charged;
		row->worker_cpu_pct = bench_stat_of(s[d].cpu_pct, cfg->runs);
		row->worker_idle_pct = bench_stat_of(idle, cfg->runs);
		row->cpu_ns_per_token = bench_stat_of(s[d].ns_per_token, cfg->runs);
		row->ratio_vs_baseline = bench_paired_ratio(s[d].cpu_pct, s[base].cpu_pct,
							    cfg->runs);
		row->tokens_per_s_max = bench_stat_of(s[d].max_tps, cfg->runs);
		row->delivered_pct = bench_stat_of(s[d].delivered, cfg->runs);
		row->stalls_per_s = bench_stat_of(s[d].stalls, cfg->runs);
		row->nic_dry_pct = bench_stat_of(s[d].dry, cfg->runs);
		row->ring_pushes_per_token = bench_stat_of(s[d].pushes, s[d].nr_calls);
		row->ring_fallbacks_per_token = bench_stat_of(s[d].fallbacks, s[d].nr_calls);
		if (charged) {
			row->recvmsg_syscalls_per_token = bench_stat_of(s[d].rx_calls,
									s[d].nr_calls);
			row->dontneed_syscalls_per_token = bench_stat_of(s[d].dn_calls,
									 s[d].nr_calls);
		}
		row->peak_rss_kb = s[d].rss_kb;
	}
	free(s);
	return err;
}

/* One callgrind measurement: a design, its return profile, tokens held. */
struct instr_point {
	const char *design;
	enum bench_profile profile;
	unsigned long held;
	bool ok;
	double assign, ret;
	struct callgrind_split as, rs;
};

/* Designs x profiles, their held runs and the fidelity points, at most. */
#define MAX_INSTR_POINTS (BENCH_MAX_DESIGNS * (BENCH_NR_PROFILES + 1) + 2 * BENCH_FIDELITY_POINTS)

struct instr_cache {
	const char *self;
	unsigned long segments;
	const struct progress *pg;
	struct instr_point points[MAX_INSTR_POINTS];
	size_t nr;
};

/* Each point is measured once, whichever part of the report asks first. */
static const struct instr_point *instr_point(struct instr_cache *c, const char *design,
					     enum bench_profile profile, unsigned long held)
{
	struct instr_point *pt;
	size_t i;

	for (i = 0; i < c->nr; i++) {
		pt = &c->points[i];
		if (!strcmp(pt->design, design) && pt->profile == profile && pt->held == held)
			return pt;
	}
	if (c->nr == MAX_INSTR_POINTS)
		return NULL;
	pt = &c->points[c->nr++];
	*pt = (struct instr_point){ .design = design, .profile = profile, .held = held };
	progress(c->pg, "callgrind", design, (unsigned int)c->nr, (unsigned int)c->nr);
	pt->assign = bench_instructions_per_token(c->self, design, "assign", c->segments,
						  held, profile, &pt->as);
	pt->ret = bench_instructions_per_token(c->self, design, "return", c->segments,
					       held, profile, &pt->rs);
	pt->ok = pt->assign > 0 && pt->ret > 0;
	return pt;
}

/*
 * xarray against the kernel's own code at growing token counts (kperf
 * returns): what "xarray must cost what kxarray costs" is checked on.
 */
static void fidelity_points(struct bench_report *rep, struct instr_cache *c)
{
	static const unsigned long held[BENCH_FIDELITY_POINTS] = { 0, 1024, 16384, 65536 };
	static const char *const designs[2] = { "xarray", "kxarray" };
	unsigned int i, d;

	if (!bench_config_has(&rep->cfg, "xarray") || !bench_config_has(&rep->cfg, "kxarray"))
		return;
	for (i = 0; i < BENCH_FIDELITY_POINTS; i++) {
		struct bench_fidelity_point *f = &rep->fidelity[i];

		f->held = held[i];
		f->measured = true;
		for (d = 0; d < 2; d++) {
			const struct instr_point *pt = instr_point(c, designs[d],
								   BENCH_PROFILE_KPERF, held[i]);

			if (!pt || !pt->ok) {
				f->measured = false;
				continue;
			}
			f->total[d] = pt->assign + pt->ret;
			f->ops[d] = pt->as.token_ops + pt->rs.token_ops -
				    pt->as.page_pool - pt->rs.page_pool;
		}
		rep->have_fidelity |= f->measured;
	}
}

static void count_instructions(struct bench_report *rep, const char *self,
			       const struct progress *pg)
{
	struct instr_cache *c;
	size_t i;

	if (!rep->machine.callgrind) {
		fprintf(stderr, "devmem-lab bench: --instructions needs valgrind; skipped\n");
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->self = self;
	c->segments = rep->cfg.instr_segments;
	c->pg = pg;
	progress(pg, "callgrind", "floor", 1, 1);
	rep->floor_assign = bench_instructions_per_token(self, "floor", "assign",
							 c->segments, 0, BENCH_PROFILE_KPERF, NULL);
	rep->floor_return = bench_instructions_per_token(self, "floor", "return",
							 c->segments, 0, BENCH_PROFILE_KPERF, NULL);
	rep->instr_held = rep->cfg.quick ? 4096 : 65536;
	rep->have_floor = rep->floor_assign > 0 && rep->floor_return > 0;
	for (i = 0; i < rep->nr_rows; i++) {
		struct bench_row *row = &rep->rows[i];
		/* each row's counts come back as its own profile returns tokens */
		const struct instr_point *pt = instr_point(c, row->design, row->profile, 0);
		const struct instr_point *held;

		/* A ring's drain runs inside recvmsg but is the returns' work. */
		if (pt && pt->ok) {
			double drain = bench_drain_per_return(&pt->as, &pt->rs);

			row->have_instructions = true;
			row->instr_assign = pt->assign - pt->as.drain;
			row->instr_return = pt->ret + drain;
			row->ops_assign = pt->as.token_ops - pt->as.drain;
			row->ops_return = pt->rs.token_ops + drain;
			row->ops_pool = pt->as.page_pool + pt->rs.page_pool;
		}
		/* how a design fills up: once, with the first profile's returns */
		held = instr_point(c, row->design, rep->rows[0].profile, rep->instr_held);
		if (held && held->ok) {
			row->have_instr_held = true;
			row->instr_held_assign = held->assign - held->as.drain;
			row->instr_held_return = held->ret +
						 bench_drain_per_return(&held->as, &held->rs);
		}
	}
	fidelity_points(rep, c);
	free(c);
}

/*
 * The seed's terms (docs/fidelity.md): our charged kperf run at the seed's
 * operating point predicts its idle figures; and k, our in-process saving
 * per token, turns the seed's CPU ratio into the share of worker CPU that
 * token management must have been (Amdahl).
 */
static void seed_terms(struct bench_report *rep)
{
	const char *base = rep->cfg.baseline;
	const struct bench_row *x = find_row_charged(rep, base, BENCH_PROFILE_KPERF, false);
	const struct bench_row *n = find_row_charged(rep, "niov", BENCH_PROFILE_KPERF, false);
	const struct bench_row *xc = find_row_charged(rep, base, BENCH_PROFILE_KPERF, true);
	const struct bench_row *nc = find_row_charged(rep, "niov", BENCH_PROFILE_KPERF, true);

	if (!x || !n || !xc || !nc || !(x->cpu_ns_per_token.mean > 0) ||
	    !(xc->worker_cpu_pct.mean > 0))
		return;
	rep->have_seed_terms = true;
	rep->seed_pred_idle_baseline = xc->worker_idle_pct.mean;
	rep->seed_pred_idle_niov = nc->worker_idle_pct.mean;
	rep->seed_pred_ratio = nc->worker_cpu_pct.mean / xc->worker_cpu_pct.mean;
	rep->seed_k = n->cpu_ns_per_token.mean / x->cpu_ns_per_token.mean;
	rep->seed_share = bench_amdahl_share(SEED_NIOV_CPU_PCT / SEED_XARRAY_CPU_PCT,
					     rep->seed_k);
	rep->seed_share_v2 = bench_amdahl_share(V2_NIOV_CPU_PCT / V2_XARRAY_CPU_PCT,
						rep->seed_k);
	rep->seed_share_ours = bench_amdahl_share(rep->seed_pred_ratio, rep->seed_k);
}

/* Sockets of the at-scale state measure: as many as quickly fit the binding. */
#define SOCK_SCALE_SOCKETS		64
#define SOCK_SCALE_SOCKETS_QUICK	16

static void state_memory(struct bench_report *rep, const struct progress *pg)
{
	const unsigned long pages = (rep->cfg.dmabuf_mb << 20) / DML_PAGE_SIZE;
	size_t d, i;

	rep->state_held = rep->cfg.held > 65536 ? rep->cfg.held : 65536;
	if (rep->cfg.quick)
		rep->state_held = rep->cfg.held > 4096 ? rep->cfg.held : 4096;
	rep->state_socket_pages = pages > rep->state_held + 2048 ? pages : rep->state_held + 2048;
	for (d = 0; d < rep->cfg.nr_designs; d++) {
		const char *design = rep->cfg.designs[d];
		struct bench_sock_scale *sc = &rep->sock_scale[rep->nr_sock_scale];
		double b, per_socket;

		progress(pg, "memory", design, 1, 1);
		b = bench_state_bytes_per_token(design, rep->state_held);
		per_socket = bench_state_bytes_per_socket(design, rep->state_held,
							  rep->state_socket_pages);
		for (i = 0; i < rep->nr_rows; i++) {
			if (rep->rows[i].design != design)
				continue;
			rep->rows[i].state_bytes_per_token = b;
			rep->rows[i].state_bytes_per_socket = per_socket;
		}
		/* sock_state measures the designs of per-binding tokens only */
		if (design_mode(design) != 0)
			continue;
		progress(pg, "per socket", design, 1, 1);
		if (!bench_sock_state_measure(design, pages, rep->cfg.quick ?
					      SOCK_SCALE_SOCKETS_QUICK : SOCK_SCALE_SOCKETS,
					      &sc->m)) {
			sc->design = design;
			rep->nr_sock_scale++;
		}
	}
}

static int write_outputs(const struct bench_report *rep)
{
	static const char *const opts[] = { "--json", "--csv", "--plot" };
	static int (*const writers[])(const struct bench_report *, const char *) = {
		bench_report_json, bench_report_csv, bench_report_plot,
	};
	const char *paths[] = { rep->cfg.json_path, rep->cfg.csv_path, rep->cfg.plot_path };
	int err = 0, e;
	size_t i;

	bench_report_table(rep, stdout);
	for (i = 0; i < 3; i++)
		if (paths[i] && (e = writers[i](rep, paths[i]))) {
			fprintf(stderr, "devmem-lab bench: %s %s: %s\n", opts[i], paths[i], strerror(-e));
			err = e;
		}
	bench_report_summary(rep, stdout);
	return err;
}

int bench_main(int argc, char **argv)
{
	struct bench_report rep = { 0 };
	struct progress pg = { .tty = isatty(STDERR_FILENO) };
	unsigned int nprof = 0, p;
	char self[4096], why[BENCH_WHY_LEN];
	ssize_t n;
	int err;

	err = bench_parse_args(argc, argv, &rep.cfg, why);
	if (err == BENCH_ARGS_HELP) {
		bench_usage(stdout);
		return 0;
	}
	if (err) {
		fprintf(stderr, "%s (see devmem-lab bench --help)\n",
			why[0] ? why : "devmem-lab bench: out of memory");
		return 2;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	pg.start_ns = bench_clock_ns(CLOCK_MONOTONIC);
	machine_info(&rep.machine);
	if (rep.cfg.workers + 1 > rep.machine.cpus)
		fprintf(stderr, "devmem-lab bench: warning: %u workers + 1 NIC thread exceed the %u CPUs: threads share cores and are not pinned\n",
			rep.cfg.workers, rep.machine.cpus);
	if (!rep.cfg.dmabuf_mb)
		rep.cfg.dmabuf_mb = bench_dmabuf_mb_needed(rep.cfg.flows, rep.cfg.held);
	srand((unsigned int)rep.cfg.seed);

	for (p = 0; p < BENCH_NR_PROFILES; p++)
		nprof += !!(rep.cfg.profiles & (1u << p));
	rep.rows = calloc(nprof * rep.cfg.nr_designs * 2, sizeof(*rep.rows));
	if (!rep.rows)
		return 1;
	if (rep.cfg.boundary_syscall) {
		/* where bench_run_once() puts the worker and the NIC thread */
		bool pinned = rep.machine.cpus >= rep.cfg.workers + 1;

		progress(&pg, "stack cost", "tcp", 1, 1);
		bench_burn_calibrate();
		rep.have_stack = !bench_measure_stack_cost(pinned ? 1 : -1, pinned ? 0 : -1,
							   &rep.stack);
		if (rep.cfg.stack_cost_auto)
			rep.cfg.stack_cost_ns = rep.have_stack ? rep.stack.queued_ns : 0;
		if (rep.cfg.stack_cost_auto && !rep.have_stack)
			fprintf(stderr, "devmem-lab bench: could not measure the TCP stack cost over loopback; charging 0\n");
	}
	for (p = 0; p < BENCH_NR_PROFILES && !err; p++) {
		unsigned int charged;

		if (!(rep.cfg.profiles & (1u << p)))
			continue;
		for (charged = 0; charged <= rep.cfg.boundary_syscall && !err; charged++) {
			err = run_profile(&rep, (enum bench_profile)p, charged,
					  rep.rows + rep.nr_rows, &pg);
			rep.nr_rows += rep.cfg.nr_designs;
		}
	}
	if (!err)
		seed_terms(&rep);
	if (!err && rep.cfg.instructions)
		count_instructions(&rep, self, &pg);
	if (!err)
		state_memory(&rep, &pg);
	if (!err && rep.cfg.bind_64g) {
		progress(&pg, "bind 64GiB", "", 1, 1);
		rep.have_bind_64g = !bench_bind_64g(&rep.bind_64g_seconds,
						    &rep.bind_64g_bytes_per_niov);
	}
	if (pg.tty)
		fprintf(stderr, "\r\033[K");
	rep.elapsed_s = since(pg.start_ns);
	if (!err)
		err = write_outputs(&rep);
	free(rep.rows);
	return err ? 1 : 0;
}
