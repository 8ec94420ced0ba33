// SPDX-License-Identifier: MIT
/*
 * `xarray` (autorelease = 1, upstream): a per-socket xarray maps token ids to
 * net_iovs.  As in tcp_recvmsg_dmabuf(), ids are reserved as placeholders in
 * one lock round per skb (up to 17), committed with a cmpxchg in a second
 * round, and DONTNEED erases under the lock, dropping page-pool references
 * outside it 16 at a time (S-4.4, S-5.3, S-6.1).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "mem/binding.h"
#include "tokens.h"
#include "warn.h"
#include "xarray.h"

#define MAX_SKB_FRAGS	17
#define PUT_BATCH	16
#define TOKEN_MAX	((uint32_t)INT32_MAX)	/* xa_limit_31b */

struct xarray_sock {
	struct dml_token_sock ts;
	/* xa_lock: protects @xa; DONTNEED takes it without the socket lock. */
	pthread_spinlock_t lock;
	struct dml_xarray xa;
	/* Times @lock was taken (S-4.4 tests: one reservation round per skb). */
	unsigned long lock_rounds;
	/*
	 * tcp_xa_pool: ids reserved for the skb being read.  Only the holder
	 * of the socket lock (recvmsg) touches it.
	 */
	unsigned int max;
	unsigned int idx;
	uint32_t tokens[MAX_SKB_FRAGS];
	struct dml_net_iov *niovs[MAX_SKB_FRAGS];
};

static struct xarray_sock *to_xs(struct dml_token_sock *ts)
{
	return (struct xarray_sock *)ts;
}

static void xa_lock(struct xarray_sock *xs)
{
	pthread_spin_lock(&xs->lock);
	xs->lock_rounds++;
}

static void xa_unlock(struct xarray_sock *xs)
{
	pthread_spin_unlock(&xs->lock);
}

static struct dml_token_sock *xarray_sock_create(_Atomic unsigned long *warnings)
{
	struct xarray_sock *xs = calloc(1, sizeof(*xs));

	if (!xs)
		return NULL;
	xs->ts.warnings = warnings;
	pthread_spin_init(&xs->lock, PTHREAD_PROCESS_PRIVATE);
	dml_xa_init(&xs->xa);
	return &xs->ts;
}

/*
 * S-6.1: the socket is gone: every token it still holds is returned, then
 * every node is freed, as tcp_v4_destroy_sock() does with xa_for_each()
 * and xa_destroy().  The last reference went, so nothing else can reach
 * the table: the kernel takes no lock for the walk either.
 */
static void xarray_sock_destroy(struct dml_token_sock *ts)
{
	struct xarray_sock *xs = to_xs(ts);
	struct dml_net_iov *niov;
	uint32_t index = 0;

	while ((niov = dml_xa_find(&xs->xa, &index, TOKEN_MAX))) {
		DML_WARN_ON(ts->warnings, !dml_netmem_put(&niov->nm));
		if (index == TOKEN_MAX)
			break;
		index++;
	}
	dml_xa_destroy(&xs->xa);
	pthread_spin_destroy(&xs->lock);
	free(xs);
}

/* Commits the ids handed out and erases the rest; xa_lock held. */
static void pool_commit_locked(struct xarray_sock *xs)
{
	unsigned int i;

	for (i = 0; i < xs->idx; i++)
		dml_xa_cmpxchg(&xs->xa, xs->tokens[i], DML_XA_ZERO_ENTRY, xs->niovs[i]);
	for (; i < xs->max; i++)
		dml_xa_erase(&xs->xa, xs->tokens[i]);
	xs->max = 0;
	xs->idx = 0;
}

static int pool_refill_slow(struct xarray_sock *xs, unsigned int frags_left)
{
	unsigned int k, want = frags_left < MAX_SKB_FRAGS ? frags_left : MAX_SKB_FRAGS;
	int err = 0;

	xa_lock(xs);
	pool_commit_locked(xs);
	for (k = 0; k < want; k++) {
		err = dml_xa_alloc(&xs->xa, &xs->tokens[k], DML_XA_ZERO_ENTRY, 1,
				   TOKEN_MAX);
		if (err)
			break;
	}
	xa_unlock(xs);
	xs->max = k;
	xs->idx = 0;
	return k ? 0 : err;
}

static int xarray_next_token(struct dml_token_sock *ts, struct dml_binding *binding,
			     struct dml_net_iov *niov, unsigned int frags_left,
			     uint32_t *token)
{
	struct xarray_sock *xs = to_xs(ts);
	int err;

	(void)binding;
	(void)niov;
	if (xs->idx >= xs->max) {
		err = pool_refill_slow(xs, frags_left);
		if (err)
			return err;
	}
	*token = xs->tokens[xs->idx];
	return 0;
}

static void xarray_take(struct dml_token_sock *ts, struct dml_binding *binding,
			struct dml_net_iov *niov)
{
	struct xarray_sock *xs = to_xs(ts);

	(void)binding;
	/* The token's own page-pool reference, dropped by DONTNEED or close. */
	dml_netmem_get(&niov->nm);
	xs->niovs[xs->idx++] = niov;
}

static void xarray_flush(struct dml_token_sock *ts)
{
	struct xarray_sock *xs = to_xs(ts);

	if (!xs->max)
		return;
	xa_lock(xs);
	pool_commit_locked(xs);
	xa_unlock(xs);
}

static void put_batch(_Atomic unsigned long *warnings, struct dml_net_iov **batch,
		      unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		DML_WARN_ON(warnings, !dml_netmem_put(&batch[k]->nm));
}

static int xarray_release(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
			  unsigned int nr_tokens)
{
	struct xarray_sock *xs = to_xs(ts);
	struct dml_net_iov *batch[PUT_BATCH];
	unsigned int i, n = 0, frags = 0;
	int released = 0;
	uint32_t j;

	xa_lock(xs);
	for (i = 0; i < nr_tokens; i++) {
		for (j = 0; j < tokens[i].token_count; j++) {
			struct dml_net_iov *niov;

			if (++frags > DML_MAX_DONTNEED_FRAGS)
				goto out_unlock;
			/*
			 * u32 wrap of start + j lands on some id: harmless.  An id
			 * reserved by a recvmsg in flight is not a token yet: the
			 * kernel erases it and the commit then fails, leaking the
			 * page-pool reference; we leave it (docs/deviations.md).
			 */
			niov = dml_xa_erase_present(&xs->xa, tokens[i].token_start + j);
			if (!niov)
				continue;
			batch[n++] = niov;
			released++;
			if (n == PUT_BATCH) {
				/* Page-pool returns run outside the xa_lock. */
				xa_unlock(xs);
				put_batch(ts->warnings, batch, n);
				n = 0;
				xa_lock(xs);
			}
		}
	}
out_unlock:
	xa_unlock(xs);
	put_batch(ts->warnings, batch, n);
	return released;
}

static void xarray_count_refs(struct dml_token_sock *ts,
			      const struct dml_binding *binding, uint32_t *refs)
{
	struct xarray_sock *xs = to_xs(ts);
	struct dml_net_iov *niov;
	uint32_t index = 0;

	xa_lock(xs);
	while ((niov = dml_xa_find(&xs->xa, &index, TOKEN_MAX))) {
		if (niov >= binding->vec && niov < binding->vec + binding->nr_niovs)
			refs[niov - binding->vec]++;
		if (index == TOKEN_MAX)
			break;
		index++;
	}
	xa_unlock(xs);
}

static size_t xarray_state_bytes(struct dml_token_sock *ts)
{
	struct xarray_sock *xs = to_xs(ts);
	size_t nodes;

	xa_lock(xs);
	nodes = dml_xa_node_count(&xs->xa);
	xa_unlock(xs);
	return sizeof(*xs) + nodes * dml_xa_node_bytes();
}

/* Read without counting itself. */
static unsigned long xarray_lock_rounds(struct dml_token_sock *ts)
{
	struct xarray_sock *xs = to_xs(ts);
	unsigned long rounds;

	pthread_spin_lock(&xs->lock);
	rounds = xs->lock_rounds;
	pthread_spin_unlock(&xs->lock);
	return rounds;
}

const struct dml_token_ops dml_token_xarray_ops = {
	.info = {
		.name = "xarray",
		.autorelease = 1,
		.summary = "per-socket xarray of token ids under a spinlock (upstream)",
	},
	.sock_create = xarray_sock_create,
	.sock_destroy = xarray_sock_destroy,
	.next_token = xarray_next_token,
	.take = xarray_take,
	.flush = xarray_flush,
	.release = xarray_release,
	.state_bytes = xarray_state_bytes,
	.count_refs = xarray_count_refs,
	.lock_rounds = xarray_lock_rounds,
};
