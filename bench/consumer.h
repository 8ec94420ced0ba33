/* SPDX-License-Identifier: MIT */
/*
 * The application's side of the tokens: keep --held outstanding, then give
 * them back the way a real receiver does (the return profiles).
 */
#ifndef DML_BENCH_CONSUMER_H
#define DML_BENCH_CONSUMER_H

#include <stdbool.h>
#include <stdint.h>

#include "bench.h"
#include "devmem/devmem.h"
#include "devmem/ext.h"

#define NCCL_MAX_REQUESTS	16

/*
 * Entries of a socket's return ring: recvmsg drains it before each read,
 * which takes at most 16 frags (kperf pushes up to 128 entries between
 * two reads, nccl a request of up to 128 ranges), so a full ring means a
 * drain that did not happen, not a burst.
 */
#define CONSUMER_RING_ENTRIES	1024

struct nccl_request {
	struct dmabuf_token ranges[DML_MAX_DONTNEED_TOKENS];
	unsigned int nr_ranges;
	unsigned int frags;
	uint64_t due_ns;
};

struct consumer {
	struct dml_sock *sk;
	int boundary_fd;		/* >= 0: each DONTNEED also crosses for real */
	uint64_t syscalls;		/* real DONTNEEDs made on boundary_fd */
	/*
	 * SO_DEVMEM_LAB_RETURN_RING, when the socket's design has it: every
	 * return entry is pushed here first, and only what a full ring
	 * refuses goes back through DONTNEED (a fallback).
	 */
	struct devmem_lab_ring *ring;
	uint64_t ring_pushes;		/* entries pushed */
	uint64_t ring_fallbacks;	/* DONTNEEDs made because the ring was full */
	bool collect_returns;		/* callgrind counts inside each DONTNEED */
	enum bench_profile profile;
	unsigned long held;
	uint64_t delay_ns;

	uint32_t *fifo;			/* tokens kept outstanding */
	unsigned long fifo_cap;
	unsigned long fifo_head;
	unsigned long fifo_count;

	struct dmabuf_token batch[DML_MAX_DONTNEED_TOKENS];	/* kperf */
	unsigned int nr_batch;

	struct nccl_request req;		/* being filled */
	struct nccl_request pending[NCCL_MAX_REQUESTS];
	unsigned int pending_head;
	unsigned int nr_pending;

	uint64_t returned;		/* frags the kernel said it released */
	uint64_t asked;			/* frags we handed back */
	int error;
};

int consumer_init(struct consumer *c, struct dml_sock *sk,
		  enum bench_profile profile, unsigned long held,
		  unsigned int delay_us);
int consumer_ring_attach(struct consumer *c, uint32_t entries);
int consumer_finish(struct consumer *c);
void consumer_destroy(struct consumer *c);
void consumer_token(struct consumer *c, uint32_t token, uint64_t now_ns);
void consumer_tick(struct consumer *c, uint64_t now_ns);

#endif /* DML_BENCH_CONSUMER_H */
