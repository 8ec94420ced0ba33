// SPDX-License-Identifier: MIT
/*
 * Return profiles, as the receivers users know return tokens:
 * kperf collects 128 single tokens per SO_DEVMEM_DONTNEED; ncdevmem returns
 * each token on its own; the NCCL GPUDirect-TCPX plugin merges adjacent
 * tokens into ranges, holds a 4 MiB request (1024 frags) until the GPU has
 * consumed it, and returns it in one call.
 */
#include <errno.h>
#include <stdlib.h>

#include "callgrind_collect.h"
#include "consumer.h"
#include "fidelity.h"

int consumer_init(struct consumer *c, struct dml_sock *sk,
		  enum bench_profile profile, unsigned long held,
		  unsigned int delay_us)
{
	*c = (struct consumer){
		.sk = sk,
		.boundary_fd = -1,
		.profile = profile,
		.held = held,
		.delay_ns = (uint64_t)delay_us * 1000,
	};
	if (held) {
		c->fifo_cap = held + 1;
		c->fifo = malloc(c->fifo_cap * sizeof(*c->fifo));
		if (!c->fifo)
			return -ENOMEM;
	}
	return 0;
}

void consumer_destroy(struct consumer *c)
{
	free(c->fifo);
	c->fifo = NULL;
}

static void give_back(struct consumer *c, const struct dmabuf_token *t,
		      unsigned int n, unsigned int frags)
{
	int ret;

	if (c->collect_returns)
		CALLGRIND_TOGGLE_COLLECT;
	ret = dml_setsockopt(c->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, t, n * sizeof(*t));
	if (c->collect_returns)
		CALLGRIND_TOGGLE_COLLECT;
	if (c->boundary_fd >= 0) {
		bench_boundary_dontneed(c->boundary_fd, n);
		c->syscalls++;
	}

	c->asked += frags;
	if (ret < 0)
		c->error = ret;
	else
		c->returned += (uint64_t)ret;
}

static void nccl_give_back_oldest(struct consumer *c)
{
	struct nccl_request *slot = &c->pending[c->pending_head];

	give_back(c, slot->ranges, slot->nr_ranges, slot->frags);
	c->pending_head = (c->pending_head + 1) % NCCL_MAX_REQUESTS;
	c->nr_pending--;
}

static void nccl_flush_request(struct consumer *c, uint64_t now_ns)
{
	struct nccl_request *slot;

	if (!c->req.frags)
		return;
	/* 16 requests in flight: the oldest must be given back first. */
	if (c->nr_pending == NCCL_MAX_REQUESTS)
		nccl_give_back_oldest(c);
	slot = &c->pending[(c->pending_head + c->nr_pending) % NCCL_MAX_REQUESTS];
	*slot = c->req;
	slot->due_ns = now_ns + c->delay_ns;
	c->nr_pending++;
	c->req.nr_ranges = 0;
	c->req.frags = 0;
}

static void nccl_token(struct consumer *c, uint32_t token, uint64_t now_ns)
{
	struct nccl_request *r = &c->req;
	struct dmabuf_token *last = r->nr_ranges ? &r->ranges[r->nr_ranges - 1] : NULL;

	if (last && last->token_start + last->token_count == token) {
		last->token_count++;
	} else {
		if (r->nr_ranges == DML_MAX_DONTNEED_TOKENS)
			nccl_flush_request(c, now_ns);
		r->ranges[r->nr_ranges++] = (struct dmabuf_token){ token, 1 };
	}
	if (++r->frags == DML_MAX_DONTNEED_FRAGS)
		nccl_flush_request(c, now_ns);
}

static void emit(struct consumer *c, uint32_t token, uint64_t now_ns)
{
	struct dmabuf_token one = { token, 1 };

	switch (c->profile) {
	case BENCH_PROFILE_KPERF:
		c->batch[c->nr_batch++] = one;
		if (c->nr_batch == DML_MAX_DONTNEED_TOKENS) {
			give_back(c, c->batch, c->nr_batch, c->nr_batch);
			c->nr_batch = 0;
		}
		break;
	case BENCH_PROFILE_NCDEVMEM:
		give_back(c, &one, 1, 1);
		break;
	default:
		nccl_token(c, token, now_ns);
		break;
	}
}

void consumer_token(struct consumer *c, uint32_t token, uint64_t now_ns)
{
	if (!c->held) {
		emit(c, token, now_ns);
		return;
	}
	c->fifo[(c->fifo_head + c->fifo_count++) % c->fifo_cap] = token;
	if (c->fifo_count > c->held) {
		uint32_t oldest = c->fifo[c->fifo_head];

		c->fifo_head = (c->fifo_head + 1) % c->fifo_cap;
		c->fifo_count--;
		emit(c, oldest, now_ns);
	}
}

void consumer_tick(struct consumer *c, uint64_t now_ns)
{
	while (c->nr_pending && c->pending[c->pending_head].due_ns <= now_ns)
		nccl_give_back_oldest(c);
}
