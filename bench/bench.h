/* SPDX-License-Identifier: MIT */
/*
 * devmem-lab bench: a kperf-like benchmark of every token design side by
 * side.  This header is what the harness, the statistics and the report
 * share: the configuration, one result row per design and return profile,
 * and the whole report.
 */
#ifndef DML_BENCH_H
#define DML_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fidelity.h"
#include "sock_state.h"

#define BENCH_MAX_DESIGNS	12
#define BENCH_MAX_RUNS		100

enum bench_profile {
	BENCH_PROFILE_KPERF,	/* 128 single tokens, one DONTNEED */
	BENCH_PROFILE_NCDEVMEM,	/* one DONTNEED per token */
	BENCH_PROFILE_NCCL,	/* merged ranges, up to 1024 frags, after a delay */
	BENCH_NR_PROFILES,
};

struct bench_config {
	unsigned int runs;		/* --runs: measurements per figure */
	unsigned int flows;		/* --flows */
	unsigned int workers;		/* --workers: RX worker threads */
	unsigned long held;		/* --held: tokens kept outstanding */
	double load_pct;		/* --load: how busy the baseline's worker is, % */
	double warmup_s;		/* per measurement, before the window */
	double window_s;		/* the measured window */
	unsigned int profiles;		/* bit mask of enum bench_profile */
	const char *designs[BENCH_MAX_DESIGNS];
	size_t nr_designs;
	/*
	 * What every ratio, the offered load and the seed terms are against:
	 * kxarray (the kernel's own lib/xarray.c) when this build has it,
	 * else xarray.
	 */
	const char *baseline;
	bool quick;			/* --quick: the smoke version */
	bool instructions;		/* --instructions: callgrind counts */
	unsigned long instr_segments;	/* segments in the callgrind run */
	uint64_t seed;
	unsigned long dmabuf_mb;	/* dma-buf size per binding */
	unsigned int nccl_delay_us;	/* nccl: consumer delay before returning */
	bool bind_64g;			/* bind a 64 GiB sparse dma-buf and time it */
	/* --boundary syscall: also run every design with the kernel's costs charged */
	bool boundary_syscall;
	double stack_cost_ns;		/* --stack-cost: TCP work per 4096-byte segment */
	bool stack_cost_auto;		/* measured on this machine before the run */
	const char *json_path;
	const char *csv_path;
	const char *plot_path;
};

/* A figure over the runs: mean and the half-width of its 95% interval. */
struct bench_stat {
	double mean;
	double ci95;
	unsigned int n;
};

struct bench_row {
	const char *design;
	int autorelease;
	enum bench_profile profile;
	/* system calls and TCP receive work charged (--boundary syscall) */
	bool charged;
	struct bench_stat worker_cpu_pct;	/* at the fixed offered load */
	struct bench_stat worker_idle_pct;	/* 100 - worker_cpu_pct */
	struct bench_stat cpu_ns_per_token;	/* worker CPU per token, fixed load */
	/*
	 * Tokens received at the fixed load, % of those offered: below 100
	 * the NIC thread or the pool fell short, and the designs' CPU shares
	 * no longer compare the same work.
	 */
	struct bench_stat delivered_pct;
	struct bench_stat ratio_vs_baseline;	/* paired: this / baseline, per run */
	/* at saturation: tokens per second of worker CPU, what one busy worker sustains */
	struct bench_stat tokens_per_s_max;
	struct bench_stat stalls_per_s;		/* NIC retries on a dry queue, saturation */
	struct bench_stat nic_dry_pct;		/* % of the window the NIC found a queue dry */
	/* charged rows: real system calls made per token, at the fixed load */
	struct bench_stat recvmsg_syscalls_per_token;
	struct bench_stat dontneed_syscalls_per_token;
	/*
	 * A design with a return ring (ring): entries pushed to it per token,
	 * and DONTNEEDs made per token because it was full (each charged as a
	 * system call; a push is not).  0 for the others.
	 */
	struct bench_stat ring_pushes_per_token;
	struct bench_stat ring_fallbacks_per_token;
	bool have_instructions;
	double instr_assign;			/* per token, recvmsg */
	double instr_return;			/* per token, DONTNEED */
	bool have_instr_held;			/* the same counts with instr_held tokens out */
	double instr_held_assign;
	double instr_held_return;
	/* of instr_assign / instr_return: inside the design's token ops (callgrind_split.h) */
	double ops_assign;
	double ops_return;
	double ops_pool;			/* of ops_assign + ops_return: page-pool recycling */
	double state_bytes_per_token;		/* token state / tokens held (state_held) */
	/*
	 * One socket's own token state with state_held tokens out, on a
	 * binding of the run's dma-buf size (or what state_held needs, if
	 * larger): what each socket adds, whatever the binding holds for all.
	 */
	double state_bytes_per_socket;
	long peak_rss_kb;
};

/*
 * --instructions: xarray against kxarray with tokens held (kperf returns),
 * instructions per token, assign + return; [0] xarray, [1] kxarray.
 */
#define BENCH_FIDELITY_POINTS	4
struct bench_fidelity_point {
	unsigned long held;
	bool measured;
	double ops[2];		/* inside the token ops, without the page pool */
	double total[2];	/* everything recvmsg and DONTNEED did */
};

struct bench_machine {
	unsigned int cpus;
	char cpu_model[128];
	char kernel[128];
	bool callgrind;			/* valgrind found for --instructions */
};

struct bench_report {
	struct bench_config cfg;
	struct bench_machine machine;
	double baseline_max_tokens_per_s;	/* the calibration run, kperf profile */
	double offered_tokens_per_s;	/* load_pct of it */
	/*
	 * Per profile: the baseline's saturation rate, the fixed load steered
	 * to make it --load busy, and how busy the last steering run found it.
	 */
	double calib_max_tokens_per_s[BENCH_NR_PROFILES];
	double calib_offered_tokens_per_s[BENCH_NR_PROFILES];
	double calib_busy_pct[BENCH_NR_PROFILES];
	/* the same with the kernel's costs charged */
	double calib_charged_max_tokens_per_s[BENCH_NR_PROFILES];
	double calib_charged_offered_tokens_per_s[BENCH_NR_PROFILES];
	double calib_charged_busy_pct[BENCH_NR_PROFILES];
	/*
	 * Seed terms (kperf profile, charged rows): the idle we predict for the
	 * seed's operating point, and the token-management share of worker CPU
	 * that the seed's and the v2 figures imply given our per-token saving k.
	 */
	bool have_seed_terms;
	double seed_pred_idle_baseline;
	double seed_pred_idle_niov;
	double seed_pred_ratio;
	double seed_k;			/* niov / baseline CPU per token, in process */
	double seed_share;		/* implied by 13.13% -> 26.32% */
	double seed_share_v2;		/* implied by 83.6% -> 78.7% */
	double seed_share_ours;		/* ours: the charged run's own share */
	struct bench_row *rows;
	size_t nr_rows;
	bool have_floor;
	double floor_assign;
	double floor_return;
	bool have_bind_64g;
	double bind_64g_seconds;
	double bind_64g_bytes_per_niov;
	/* --boundary syscall: this machine's TCP receive work, measured */
	bool have_stack;
	struct bench_stack_cost stack;
	unsigned long state_held;		/* tokens held for state_bytes_per_token */
	unsigned long state_socket_pages;	/* binding pages of state_bytes_per_socket */
	/*
	 * Token state per socket at scale (sock_state.h), for each
	 * autorelease = 0 design: measured on the run's dma-buf size, fitted,
	 * and projected to the reviewers' 10 K sockets on 2 GiB dma-bufs.
	 */
	struct bench_sock_scale {
		const char *design;
		struct bench_sock_state m;
	} sock_scale[BENCH_MAX_DESIGNS];
	size_t nr_sock_scale;
	unsigned long instr_held;		/* tokens held for instr_held_* */
	bool have_fidelity;
	struct bench_fidelity_point fidelity[BENCH_FIDELITY_POINTS];
	double elapsed_s;
};

const char *bench_profile_name(enum bench_profile p);

/* main.c: `devmem-lab bench`; returns the exit status (2: bad arguments). */
int bench_main(int argc, char **argv);
/* instructions.c: the child run under callgrind, `devmem-lab bench-instr`. */
int bench_instr_child(int argc, char **argv);

/* stats.c */
struct bench_stat bench_stat_of(const double *samples, unsigned int n);
struct bench_stat bench_paired_ratio(const double *num, const double *den,
				     unsigned int n);
double bench_t95(unsigned int dof);

/* report_*.c */
void bench_report_table(const struct bench_report *r, FILE *out);
void bench_report_summary(const struct bench_report *r, FILE *out);
int bench_report_json(const struct bench_report *r, const char *path);
int bench_report_csv(const struct bench_report *r, const char *path);
int bench_report_plot(const struct bench_report *r, const char *svg_path);

#endif /* DML_BENCH_H */
