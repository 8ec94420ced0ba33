/* SPDX-License-Identifier: MIT */
/*
 * The reservation pool of the autorelease = 1 designs: tcp_recvmsg_dmabuf()'s
 * tcp_xa_pool and sock_devmem_dontneed()'s loop, written once over the id
 * table each design keeps (S-4.4, S-5.3).  Per skb one lock round commits
 * the previous skb's ids (the unused ones unreserved) and reserves up to
 * MAX_SKB_FRAGS more; the end of recvmsg commits what is left; DONTNEED
 * erases under the lock and drops it every DML_PUT_BATCH tokens to put the
 * page-pool references outside it.
 *
 * A design passes its table as a static const ops struct: the bodies are
 * inline, so each design compiles to direct calls of its own table, as
 * DPDK's ring flavours do.
 */
#ifndef DML_XA_POOL_H
#define DML_XA_POOL_H

#include <stdint.h>

#include "mem/binding.h"
#include "tokens/tokens.h"
#include "warn.h"

#define DML_MAX_SKB_FRAGS	17
#define DML_PUT_BATCH		16
#define DML_TOKEN_MAX		((uint32_t)INT32_MAX)	/* xa_limit_31b */

/* What a design's id table does; all but lock and unlock run locked. */
struct dml_id_table_ops {
	void (*lock)(struct dml_token_sock *ts);
	void (*unlock)(struct dml_token_sock *ts);
	/* The lowest free id from 1, held as a placeholder. */
	int (*reserve)(struct dml_token_sock *ts, uint32_t *id);
	void (*commit)(struct dml_token_sock *ts, uint32_t id,
		       struct dml_net_iov *niov);
	void (*unreserve)(struct dml_token_sock *ts, uint32_t id);
	/* A committed token's net_iov, removed; NULL for anything else. */
	struct dml_net_iov *(*erase)(struct dml_token_sock *ts, uint32_t id);
};

/* Ids reserved for the skb being read; only recvmsg (socket lock). */
struct dml_xa_pool {
	unsigned int max;
	unsigned int idx;
	uint32_t tokens[DML_MAX_SKB_FRAGS];
	struct dml_net_iov *niovs[DML_MAX_SKB_FRAGS];
};

/* Commits the ids handed out and gives back the rest; lock held. */
static inline void dml_xa_pool_commit_locked(struct dml_token_sock *ts,
					     struct dml_xa_pool *pool,
					     const struct dml_id_table_ops *ids)
{
	unsigned int i;

	for (i = 0; i < pool->idx; i++)
		ids->commit(ts, pool->tokens[i], pool->niovs[i]);
	for (; i < pool->max; i++)
		ids->unreserve(ts, pool->tokens[i]);
	pool->max = 0;
	pool->idx = 0;
}

/* The skb's one lock round. */
static inline int dml_xa_pool_refill_slow(struct dml_token_sock *ts,
					  struct dml_xa_pool *pool,
					  const struct dml_id_table_ops *ids,
					  unsigned int frags_left)
{
	unsigned int k, want = frags_left < DML_MAX_SKB_FRAGS ? frags_left
							      : DML_MAX_SKB_FRAGS;
	int err = 0;

	ids->lock(ts);
	dml_xa_pool_commit_locked(ts, pool, ids);
	for (k = 0; k < want; k++) {
		err = ids->reserve(ts, &pool->tokens[k]);
		if (err)
			break;
	}
	ids->unlock(ts);
	pool->max = k;
	pool->idx = 0;
	return k ? 0 : err;
}

/* The next frag's token, with its own page-pool reference. */
static inline int dml_xa_pool_assign(struct dml_token_sock *ts,
				     struct dml_xa_pool *pool,
				     const struct dml_id_table_ops *ids,
				     struct dml_net_iov *niov,
				     unsigned int frags_left, uint32_t *token)
{
	int err;

	if (pool->idx >= pool->max) {
		err = dml_xa_pool_refill_slow(ts, pool, ids, frags_left);
		if (err)
			return err;
	}
	*token = pool->tokens[pool->idx];
	/* Dropped by DONTNEED or close. */
	dml_netmem_get(&niov->nm);
	pool->niovs[pool->idx++] = niov;
	return 0;
}

/* The end of the skb, or of the call. */
static inline void dml_xa_pool_flush(struct dml_token_sock *ts,
				     struct dml_xa_pool *pool,
				     const struct dml_id_table_ops *ids)
{
	if (!pool->max)
		return;
	ids->lock(ts);
	dml_xa_pool_commit_locked(ts, pool, ids);
	ids->unlock(ts);
}

static inline void dml_xa_pool_put_batch(_Atomic unsigned long *warnings,
					 struct dml_net_iov **batch,
					 unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		DML_WARN_ON(warnings, !dml_netmem_put(&batch[k]->nm));
}

/* SO_DEVMEM_DONTNEED: returns the frags released. */
static inline int dml_xa_pool_release(struct dml_token_sock *ts,
				      const struct dml_id_table_ops *ids,
				      const struct dmabuf_token *tokens,
				      unsigned int nr_tokens)
{
	struct dml_net_iov *batch[DML_PUT_BATCH];
	unsigned int i, n = 0, frags = 0;
	int released = 0;
	uint32_t j;

	ids->lock(ts);
	for (i = 0; i < nr_tokens; i++) {
		for (j = 0; j < tokens[i].token_count; j++) {
			struct dml_net_iov *niov;

			if (++frags > DML_MAX_DONTNEED_FRAGS)
				goto out_unlock;
			/*
			 * u32 wrap of start + j lands on some id: harmless.  An id
			 * reserved by a recvmsg in flight is not a token yet: the
			 * kernel erases it and the commit then fails, leaking the
			 * page-pool reference; erase leaves it
			 * (docs/deviations.md).
			 */
			niov = ids->erase(ts, tokens[i].token_start + j);
			if (!niov)
				continue;
			batch[n++] = niov;
			released++;
			if (n == DML_PUT_BATCH) {
				/* Page-pool returns run outside the lock. */
				ids->unlock(ts);
				dml_xa_pool_put_batch(ts->warnings, batch, n);
				n = 0;
				ids->lock(ts);
			}
		}
	}
out_unlock:
	ids->unlock(ts);
	dml_xa_pool_put_batch(ts->warnings, batch, n);
	return released;
}

#endif /* DML_XA_POOL_H */
