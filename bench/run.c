// SPDX-License-Identifier: MIT
/*
 * One measurement, kperf-style.  The emulated NIC runs on its own thread,
 * fed by DMA-only wire flows at a paced offered load (or as fast as it can).
 * RX workers serve the flows like kperf workers: wait for readiness, up to
 * 10 recvmsg(MSG_SOCK_DEVMEM | MSG_DONTWAIT) per wakeup with a 64 KiB iovec
 * and room for 128 cmsgs, parse, hand tokens to the return profile.  Each
 * worker reads its own CLOCK_THREAD_CPUTIME_ID at the edges of the window.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "consumer.h"
#include "fidelity.h"
#include "one_flow.h"
#include "run.h"

#define PORT		5201
#define NR_QUEUES	8
#define RING		256
#define GRO_SEGS	16
#define SEG		DML_PAGE_SIZE
#define IOV_BYTES	(64u << 10)
#define CMSG_ROOM	(128 * CMSG_SPACE(sizeof(struct dmabuf_cmsg)))
#define READS_PER_WAKEUP 10
#define MAX_FLOWS	16

enum phase { PHASE_WARMUP, PHASE_MEASURE, PHASE_DONE };

struct worker {
	pthread_t thread;
	struct bench_ctx *ctx;
	int cpu;
	unsigned int nr_socks;
	struct dml_sock *socks[MAX_FLOWS];
	struct consumer consumers[MAX_FLOWS];
	uint64_t tokens;
	int boundary[2];		/* a real idle TCP socket, when charged */
	uint64_t recvmsg_syscalls;	/* real recvmsg calls made on it */
	/* snapshots at the window's edges, each taken by the worker itself */
	uint64_t cpu_ns[2], wall_ns[2], tokens_at[2];
	uint64_t recvmsg_at[2], dontneed_at[2], pushes_at[2], fallbacks_at[2];
	int error;
};

struct bench_ctx {
	const struct bench_run_params *p;
	struct bench_host b;
	struct dml_sock *listener;
	struct dml_wire_flow *flows[MAX_FLOWS];
	struct dml_sock *socks[MAX_FLOWS];
	struct worker workers[MAX_FLOWS];
	_Atomic int phase;
	_Atomic bool stop;
	_Atomic uint64_t stalls;
	uint64_t stalls_at[2];
	/*
	 * Nanoseconds the NIC thread waited on a dry queue, added as each
	 * spell ends: unlike the count of retries, which says how fast
	 * sched_yield() returns, a share of the window a reader can weigh.
	 */
	_Atomic uint64_t dry_ns;
	uint64_t dry_at[2];
	int nic_cpu;
	int nic_error;
};

uint64_t bench_clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

unsigned long bench_dmabuf_mb_needed(unsigned int flows, unsigned long held)
{
	/* posted rings + held tokens + nccl requests in flight + slack, per flow */
	unsigned long pages = (unsigned long)flows *
			      (RING + held + NCCL_MAX_REQUESTS * 1024 + 2048);
	unsigned long mb = (pages * DML_PAGE_SIZE + (1ul << 20) - 1) >> 20;

	return mb < 128 ? 128 : mb;	/* kperf's default --dmabuf-rx-size-mb */
}

static void *nic_thread(void *arg)
{
	struct bench_ctx *ctx = arg;
	const struct bench_run_params *p = ctx->p;
	const size_t chunk = (size_t)GRO_SEGS * SEG;
	uint64_t interval = p->offered > 0 ? (uint64_t)(GRO_SEGS * 1e9 / p->offered) : 0;
	uint64_t deadline = bench_clock_ns(CLOCK_MONOTONIC);
	unsigned int i = 0;
	uint64_t since = 0;

	bench_pin_self(ctx->nic_cpu);
	while (!atomic_load_explicit(&ctx->stop, memory_order_relaxed)) {
		ssize_t n = dml_wire_send(ctx->flows[i], NULL, chunk);

		if (n == -ENOBUFS) {
			/* The queue is dry: the segment waits on the wire. */
			atomic_fetch_add_explicit(&ctx->stalls, 1, memory_order_relaxed);
			if (!since)
				since = bench_clock_ns(CLOCK_MONOTONIC);
			sched_yield();
			continue;
		}
		if (since)
			atomic_fetch_add(&ctx->dry_ns, bench_clock_ns(CLOCK_MONOTONIC) - since);
		since = 0;
		if (n < 0) {
			ctx->nic_error = (int)n;
			break;
		}
		i = (i + 1) % p->flows;
		if (!interval)
			continue;
		deadline += interval;
		uint64_t now = bench_clock_ns(CLOCK_MONOTONIC);

		if (now + 10000000ull < deadline || now > deadline + 10000000ull)
			deadline = now;		/* no catch-up bursts after a hiccup */
		if (now < deadline) {
			struct timespec ts = {
				.tv_sec = (time_t)(deadline / 1000000000ull),
				.tv_nsec = (long)(deadline % 1000000000ull),
			};

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
	}
	return NULL;
}

static void snapshot(struct worker *w, int edge)
{
	unsigned int s;

	w->cpu_ns[edge] = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	w->wall_ns[edge] = bench_clock_ns(CLOCK_MONOTONIC);
	w->tokens_at[edge] = w->tokens;
	w->recvmsg_at[edge] = w->recvmsg_syscalls;
	w->dontneed_at[edge] = 0;
	w->pushes_at[edge] = 0;
	w->fallbacks_at[edge] = 0;
	for (s = 0; s < w->nr_socks; s++) {
		w->dontneed_at[edge] += w->consumers[s].syscalls;
		w->pushes_at[edge] += w->consumers[s].ring_pushes;
		w->fallbacks_at[edge] += w->consumers[s].ring_fallbacks;
	}
}

static int read_socket(struct worker *w, unsigned int s, unsigned char *iov_buf,
		       unsigned char *ctrl)
{
	struct iovec iov = { .iov_base = iov_buf, .iov_len = IOV_BYTES };
	uint64_t now = 0;
	int k;

	for (k = 0; k < READS_PER_WAKEUP; k++) {
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctrl, .msg_controllen = CMSG_ROOM,
		};
		struct cmsghdr *cm;
		ssize_t n = dml_recvmsg(w->socks[s], &msg, MSG_SOCK_DEVMEM | MSG_DONTWAIT);

		if (w->boundary[0] >= 0) {
			bench_boundary_recvmsg(w->boundary[0]);
			w->recvmsg_syscalls++;
			/* TCP's own receive work, the same for every design */
			if (n > 0)
				bench_burn_cpu_ns(w->ctx->p->stack_ns *
						  (double)((n + SEG - 1) / SEG));
		}
		if (n == -EAGAIN || n == 0)
			return 0;
		if (n < 0)
			return (int)n;
		if (w->consumers[s].profile == BENCH_PROFILE_NCCL)
			now = bench_clock_ns(CLOCK_MONOTONIC);
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct dmabuf_cmsg d;

			if (cm->cmsg_type != SCM_DEVMEM_DMABUF)
				continue;
			memcpy(&d, CMSG_DATA(cm), sizeof(d));
			w->tokens++;
			consumer_token(&w->consumers[s], d.frag_token, now);
		}
	}
	return 0;
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	struct bench_ctx *ctx = w->ctx;
	struct dml_pollfd fds[MAX_FLOWS];
	unsigned char *iov_buf = malloc(IOV_BYTES);
	unsigned char *ctrl = malloc(CMSG_ROOM);
	int seen = PHASE_WARMUP;
	unsigned int s;

	bench_pin_self(w->cpu);
	if (!iov_buf || !ctrl) {
		w->error = -ENOMEM;
		goto out;
	}
	for (s = 0; s < w->nr_socks; s++)
		fds[s] = (struct dml_pollfd){ .sk = w->socks[s], .events = POLLIN };
	while (seen != PHASE_DONE) {
		int phase = atomic_load_explicit(&ctx->phase, memory_order_acquire);

		if (phase != seen) {
			snapshot(w, phase == PHASE_MEASURE ? 0 : 1);
			seen = phase;
			continue;
		}
		if (dml_poll(fds, w->nr_socks, 5) < 0)
			break;
		for (s = 0; s < w->nr_socks; s++) {
			if (fds[s].revents & POLLIN) {
				int err = read_socket(w, s, iov_buf, ctrl);

				if (err)
					w->error = err;
			}
			if (w->consumers[s].profile == BENCH_PROFILE_NCCL)
				consumer_tick(&w->consumers[s], bench_clock_ns(CLOCK_MONOTONIC));
		}
	}
out:
	free(iov_buf);
	free(ctrl);
	return NULL;
}

static int setup(struct bench_ctx *ctx, char *err, size_t errlen)
{
	const struct bench_run_params *p = ctx->p;
	struct dml_host_config hcfg = {
		.rx_ring_size = RING,
		.pp_ring_size = 1024,
	};
	struct dml_netdev_config dcfg = {
		.name = "eth0", .max_rx_queues = NR_QUEUES, .rx_queues = NR_QUEUES,
		.header_split = true,
	};
	unsigned int nbound = p->flows < 4 ? p->flows : 4, i;
	uint32_t queues[4];
	char msg[256];
	int ret;

	hcfg.token_design[p->autorelease] = p->design;
	ret = bench_host_up(&ctx->b, &hcfg, &dcfg, p->dmabuf_mb << 20, DML_DMABUF_AUTO);
	if (!ret)
		ret = dml_netdev_set_rss(ctx->b.dev, 0, NR_QUEUES - nbound);
	if (ret && !ctx->b.host)
		snprintf(err, errlen, "host with design %s: %s", p->design, strerror(-ret));
	else if (ret)
		snprintf(err, errlen, "setup: %s", strerror(-ret));
	if (ret)
		return ret;
	/* kperf: an RSS context over the last queues, ntuple rules into it */
	for (i = 0; i < nbound; i++)
		queues[i] = NR_QUEUES - nbound + i;
	ret = bench_host_bind(&ctx->b, queues, nbound, p->autorelease, msg, sizeof(msg));
	if (ret) {
		snprintf(err, errlen, "bind-rx: %s: %s", strerror(-ret), msg);
		return ret;
	}
	ret = dml_socket(ctx->b.host, SOCK_STREAM, &ctx->listener);
	if (!ret)
		ret = dml_listen(ctx->listener, PORT);
	for (i = 0; !ret && i < p->flows; i++) {
		struct dml_wire_flow_config wcfg = {
			.mss = SEG, .gro_segs = GRO_SEGS, .flags = DML_WIRE_DMA_ONLY,
		};
		struct dml_flow match = { .src_port = (uint16_t)(40000 + i) };

		wcfg.flow.src_port = match.src_port;
		wcfg.flow.dst_port = PORT;
		ret = dml_netdev_add_ntuple(ctx->b.dev, &match, queues[i % nbound]);
		ret = ret < 0 ? ret : dml_wire_connect(ctx->b.dev, &wcfg, &ctx->flows[i]);
		if (!ret)
			ret = dml_accept(ctx->listener, SOCK_NONBLOCK, &ctx->socks[i]);
	}
	if (ret)
		snprintf(err, errlen, "flows: %s", strerror(-ret));
	return ret;
}

static void teardown(struct bench_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < MAX_FLOWS; i++) {
		dml_wire_close(ctx->flows[i]);
		dml_close(ctx->socks[i]);
	}
	dml_close(ctx->listener);
	bench_host_down(&ctx->b);
}

static void reset_peak_rss(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	/* "5" resets VmHWM, so each measurement reports its own peak. */
	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

static long peak_rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void sleep_s(double s)
{
	struct timespec ts = {
		.tv_sec = (time_t)s,
		.tv_nsec = (long)((s - (double)(time_t)s) * 1e9),
	};

	nanosleep(&ts, NULL);
}

static void collect(struct bench_ctx *ctx, struct bench_run_result *r)
{
	const struct bench_run_params *p = ctx->p;
	double cpu_pct = 0, cpu_ns = 0, tokens = 0, wall_s = 0, rx = 0, dn = 0;
	double pushes = 0, fallbacks = 0;
	unsigned int i;

	for (i = 0; i < p->workers; i++) {
		struct worker *w = &ctx->workers[i];
		double wall = (double)(w->wall_ns[1] - w->wall_ns[0]);
		double cpu = (double)(w->cpu_ns[1] - w->cpu_ns[0]);

		cpu_pct += wall > 0 ? 100.0 * cpu / wall : 0;
		cpu_ns += cpu;
		tokens += (double)(w->tokens_at[1] - w->tokens_at[0]);
		rx += (double)(w->recvmsg_at[1] - w->recvmsg_at[0]);
		dn += (double)(w->dontneed_at[1] - w->dontneed_at[0]);
		pushes += (double)(w->pushes_at[1] - w->pushes_at[0]);
		fallbacks += (double)(w->fallbacks_at[1] - w->fallbacks_at[0]);
		wall_s += wall / 1e9;
	}
	wall_s /= p->workers;
	r->worker_cpu_pct = cpu_pct / p->workers;
	r->cpu_ns_per_token = tokens > 0 ? cpu_ns / tokens : 0;
	r->recvmsg_syscalls_per_token = tokens > 0 ? rx / tokens : 0;
	r->dontneed_syscalls_per_token = tokens > 0 ? dn / tokens : 0;
	r->ring_pushes_per_token = tokens > 0 ? pushes / tokens : 0;
	r->ring_fallbacks_per_token = tokens > 0 ? fallbacks / tokens : 0;
	r->tokens_per_s = wall_s > 0 ? tokens / wall_s : 0;
	r->tokens_per_cpu_s = cpu_ns > 0 ? tokens / (cpu_ns / 1e9) / p->workers : 0;
	r->stalls_per_s = wall_s > 0 ? (double)(ctx->stalls_at[1] - ctx->stalls_at[0]) / wall_s : 0;
	r->nic_dry_pct = wall_s > 0 ? (double)(ctx->dry_at[1] - ctx->dry_at[0]) / 1e7 / wall_s : 0;
}

int bench_run_once(const struct bench_run_params *p, struct bench_run_result *r,
		   char *err, size_t errlen)
{
	struct bench_ctx *ctx = calloc(1, sizeof(*ctx));
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int i;
	pthread_t nic;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!ctx)
		return -ENOMEM;
	/* The burn loop is timed once, before any worker burns. */
	if (p->charged && p->stack_ns > 0 && !bench_burn_calibrated())
		bench_burn_calibrate();
	ctx->p = p;
	ret = setup(ctx, err, errlen);
	if (ret)
		goto out;

	/* The NIC on CPU 0, workers after it, when the cores allow it. */
	ctx->nic_cpu = cpus >= (long)p->workers + 1 ? 0 : -1;
	for (i = 0; i < p->workers; i++) {
		struct worker *w = &ctx->workers[i];
		unsigned int f;

		w->ctx = ctx;
		w->cpu = ctx->nic_cpu < 0 ? -1 : (int)(1 + i);
		w->boundary[0] = w->boundary[1] = -1;
		if (p->charged && bench_boundary_open(w->boundary)) {
			snprintf(err, errlen, "no loopback TCP socket to charge system calls on");
			ret = -EIO;
			goto out;
		}
		for (f = i; f < p->flows; f += p->workers) {
			struct consumer *c = &w->consumers[w->nr_socks];

			ret = consumer_init(c, ctx->socks[f], p->profile, p->held,
					    p->nccl_delay_us);
			if (ret)
				goto out;
			c->boundary_fd = w->boundary[0];
			w->socks[w->nr_socks++] = ctx->socks[f];
			/* A design without a return ring returns by DONTNEED alone. */
			ret = consumer_ring_attach(c, CONSUMER_RING_ENTRIES);
			if (ret == -ENOPROTOOPT)
				ret = 0;
			if (ret) {
				snprintf(err, errlen, "return ring: %s", strerror(-ret));
				goto out;
			}
		}
	}
	reset_peak_rss();
	for (i = 0; i < p->workers; i++)
		pthread_create(&ctx->workers[i].thread, NULL, worker_thread, &ctx->workers[i]);
	pthread_create(&nic, NULL, nic_thread, ctx);

	sleep_s(p->warmup_s);
	ctx->stalls_at[0] = atomic_load(&ctx->stalls);
	ctx->dry_at[0] = atomic_load(&ctx->dry_ns);
	atomic_store_explicit(&ctx->phase, PHASE_MEASURE, memory_order_release);
	sleep_s(p->window_s);
	ctx->stalls_at[1] = atomic_load(&ctx->stalls);
	ctx->dry_at[1] = atomic_load(&ctx->dry_ns);
	atomic_store_explicit(&ctx->phase, PHASE_DONE, memory_order_release);
	for (i = 0; i < p->workers; i++)
		pthread_join(ctx->workers[i].thread, NULL);
	atomic_store(&ctx->stop, true);
	pthread_join(nic, NULL);

	collect(ctx, r);
	r->peak_rss_kb = peak_rss_kb();
	for (i = 0; i < p->workers && !ret; i++) {
		struct worker *w = &ctx->workers[i];
		unsigned int s;

		ret = w->error;
		for (s = 0; s < w->nr_socks && !ret; s++) {
			/* What the ring still queues goes back before the count. */
			ret = consumer_finish(&w->consumers[s]);
			ret = ret ? ret : w->consumers[s].error;
			if (!ret && w->consumers[s].returned != w->consumers[s].asked)
				ret = -EPROTO;	/* the kernel released other than asked */
		}
	}
	if (!ret)
		ret = ctx->nic_error;
	if (ret)
		snprintf(err, errlen, "%s/%s: %s", p->design, bench_profile_name(p->profile),
			 strerror(-ret));
out:
	for (i = 0; i < MAX_FLOWS; i++) {
		unsigned int s;

		for (s = 0; s < ctx->workers[i].nr_socks; s++)
			consumer_destroy(&ctx->workers[i].consumers[s]);
		if (ctx->workers[i].ctx)
			bench_boundary_close(ctx->workers[i].boundary);
	}
	teardown(ctx);
	free(ctx);
	return ret;
}
