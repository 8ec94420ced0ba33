// SPDX-License-Identifier: MIT
/*
 * Return profiles, as the receivers users know return tokens:
 * kperf collects 128 single tokens per SO_DEVMEM_DONTNEED; ncdevmem returns
 * each token on its own; the NCCL GPUDirect-TCPX plugin merges adjacent
 * tokens into ranges, holds a 4 MiB request (1024 frags) until the GPU has
 * consumed it, and returns it in one call.
 * On a design with a return ring (SO_DEVMEM_LAB_RETURN_RING, devmem/ext.h)
 * each profile pushes the same entries to the ring instead, with no system
 * call, and makes a DONTNEED only for the entries a full ring refuses.
 */
#include <errno.h>
#include <stdatomic.h>
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

/**
 * consumer_ring_attach() - return through a shared ring from now on
 * @c: the consumer, its socket open
 * @entries: ring entries, a power of two
 *
 * Return: 0, -ENOMEM, or setsockopt's -errno: -ENOPROTOOPT when the
 * socket's design has no return ring (the consumer stays on DONTNEED).
 */
int consumer_ring_attach(struct consumer *c, uint32_t entries)
{
	struct devmem_lab_ring *r = aligned_alloc(_Alignof(struct devmem_lab_ring),
						  devmem_lab_ring_bytes(entries));
	int err;

	if (!r)
		return -ENOMEM;
	devmem_lab_ring_init(r, entries);
	err = dml_setsockopt(c->sk, SOL_SOCKET, SO_DEVMEM_LAB_RETURN_RING, &r, sizeof(r));
	if (err) {
		free(r);
		return err;
	}
	c->ring = r;
	return 0;
}

/**
 * consumer_finish() - stop returning through the ring
 * @c: the consumer
 *
 * Unregistering drains what is still queued; what the kernel released from
 * the ring is then counted as returned, so that returned == asked holds for
 * a ring consumer as for a DONTNEED one.  Nothing to do without a ring.
 *
 * Return: 0, -EPROTO when the kernel skipped an entry we pushed (every one
 * names tokens we hold), or setsockopt's -errno.
 */
int consumer_finish(struct consumer *c)
{
	int err;

	if (!c->ring)
		return 0;
	err = dml_setsockopt(c->sk, SOL_SOCKET, SO_DEVMEM_LAB_RETURN_RING, NULL, 0);
	c->returned += atomic_load_explicit(&c->ring->drained, memory_order_acquire);
	if (!err && atomic_load_explicit(&c->ring->skipped, memory_order_relaxed))
		err = -EPROTO;
	free(c->ring);
	c->ring = NULL;
	if (err && !c->error)
		c->error = err;
	return err;
}

void consumer_destroy(struct consumer *c)
{
	/* The kernel side must never read a ring that is gone. */
	consumer_finish(c);
	free(c->fifo);
	c->fifo = NULL;
}

/*
 * Pushes @t's entries in order until the ring is full; returns how many
 * went, their frags in @frags.
 */
static unsigned int push_ring(struct consumer *c, const struct dmabuf_token *t,
			      unsigned int n, unsigned int *frags)
{
	unsigned int i;

	if (c->collect_returns)
		CALLGRIND_TOGGLE_COLLECT;
	/* The batch a DONTNEED would have carried, queued in one go. */
	n = devmem_lab_ring_push_many(c->ring, t, n);
	if (c->collect_returns)
		CALLGRIND_TOGGLE_COLLECT;
	*frags = 0;
	for (i = 0; i < n; i++)
		*frags += t[i].token_count;
	i = n;
	c->ring_pushes += i;
	return i;
}

static void give_back(struct consumer *c, const struct dmabuf_token *t,
		      unsigned int n, unsigned int frags)
{
	unsigned int pushed, pushed_frags;
	int ret;

	if (c->ring) {
		/* No system call: the kernel side drains the ring on its own. */
		pushed = push_ring(c, t, n, &pushed_frags);
		c->asked += pushed_frags;
		if (pushed == n)
			return;
		t += pushed;
		n -= pushed;
		frags -= pushed_frags;
		c->ring_fallbacks++;
	}
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
