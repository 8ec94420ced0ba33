/* SPDX-License-Identifier: MIT */
/* One measurement: a host, a NIC thread, RX workers, one design and profile. */
#ifndef DML_BENCH_RUN_H
#define DML_BENCH_RUN_H

#include <time.h>

#include "bench.h"

struct bench_run_params {
	const char *design;
	int autorelease;
	enum bench_profile profile;
	unsigned int flows;
	unsigned int workers;
	unsigned long held;
	double offered;			/* tokens/s; 0 = as fast as the NIC can */
	double warmup_s;
	double window_s;
	unsigned long dmabuf_mb;
	unsigned int nccl_delay_us;
	bool charged;			/* real system calls + TCP work per segment */
	double stack_ns;		/* TCP receive work per 4096-byte segment */
};

struct bench_run_result {
	double worker_cpu_pct;		/* mean over workers */
	double cpu_ns_per_token;	/* worker CPU over tokens received */
	double tokens_per_s;		/* delivered */
	double tokens_per_cpu_s;	/* per worker: what one busy worker sustains */
	double stalls_per_s;
	double nic_dry_pct;		/* of the window, the NIC on a dry queue */
	/* real system calls made on the charged boundary, per token received */
	double recvmsg_syscalls_per_token;
	double dontneed_syscalls_per_token;
	/* return-ring designs: entries pushed, and DONTNEEDs of a full ring, per token */
	double ring_pushes_per_token;
	double ring_fallbacks_per_token;
	long peak_rss_kb;
};

/* Pins the calling thread to @cpu; a negative @cpu leaves it free. */
uint64_t bench_clock_ns(clockid_t clk);
void bench_pin_self(int cpu);
unsigned long bench_dmabuf_mb_needed(unsigned int flows, unsigned long held);
int bench_run_once(const struct bench_run_params *p, struct bench_run_result *r,
		   char *err, size_t errlen);

#endif /* DML_BENCH_RUN_H */
