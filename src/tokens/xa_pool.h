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
 * A design's socket begins with struct dml_pool_sock, and it passes its
 * table as a static const ops struct to DML_XA_POOL_RECV() (and
 * DML_XA_POOL_RELEASE() if DONTNEED is the pool's): they define its
 * <design>_assign, _flush and _release from the inline bodies here, so each
 * design compiles to direct calls of its own table, as DPDK's ring flavours
 * do, and the ops keep the <design>_ names the benchmark's callgrind split
 * looks for (tokens.h).
 */
#ifndef DML_XA_POOL_H
#define DML_XA_POOL_H

#include <errno.h>
#include <stdint.h>

#include "mem/binding.h"
#include "tokens/tokens.h"
#include "warn.h"

#define DML_MAX_SKB_FRAGS	17
#define DML_PUT_BATCH		16
#define DML_TOKEN_MAX		((uint32_t)INT32_MAX)	/* xa_limit_31b */

/*
 * What a design's id table does; all but lock, unlock, prealloc and
 * free_entry run locked.  A slot is what an id holds: the net_iov, or for
 * a table with entries of its own (prealloc), an entry whose first member
 * is the struct dml_net_iov * it holds.
 */
struct dml_id_table_ops {
	void (*lock)(struct dml_token_sock *ts);
	void (*unlock)(struct dml_token_sock *ts);
	/*
	 * Optional: up to @want entries for the ids about to be reserved,
	 * allocated before the lock (a GFP_KERNEL allocation may sleep);
	 * returns how many, fewer when an allocation failed.  free_entry()
	 * then frees, unlocked, an entry no id holds any more.
	 */
	unsigned int (*prealloc)(struct dml_token_sock *ts, void **entries,
				 unsigned int want);
	void (*free_entry)(void *entry);
	/* The lowest free id from 1, held as a placeholder. */
	int (*reserve)(struct dml_token_sock *ts, uint32_t *id);
	/* The reserved @id becomes a token holding @slot. */
	void (*commit)(struct dml_token_sock *ts, uint32_t id, void *slot);
	void (*unreserve)(struct dml_token_sock *ts, uint32_t id);
	/* Optional: the end of a round of commits. */
	void (*commit_end)(struct dml_token_sock *ts);
	/* A committed token's slot, removed; NULL for anything else. */
	void *(*erase)(struct dml_token_sock *ts, uint32_t id);
};

/* count_refs(): one more reference on @niov's page if it is @binding's. */
static inline void dml_count_ref(const struct dml_binding *binding,
				 uint32_t *refs, const struct dml_net_iov *niov)
{
	if (niov >= binding->vec && niov < binding->vec + binding->nr_niovs)
		refs[niov - binding->vec]++;
}

/*
 * Ids reserved for the skb being read; only recvmsg (socket lock), but
 * @max changes under the design's lock too, for a state query to read.
 */
struct dml_xa_pool {
	unsigned int max;
	unsigned int idx;
	uint32_t tokens[DML_MAX_SKB_FRAGS];
	void *slots[DML_MAX_SKB_FRAGS];
};

/* What a socket of a design on this pool begins with. */
struct dml_pool_sock {
	struct dml_token_sock ts;
	struct dml_xa_pool pool;
};

/*
 * Found from the socket rather than passed around: with one base pointer
 * the compiler tells the pool's stores from the design's own fields and
 * keeps those in registers across a reservation loop.
 */
static inline struct dml_xa_pool *dml_xa_pool_of(struct dml_token_sock *ts)
{
	return &((struct dml_pool_sock *)ts)->pool;
}

static inline void dml_xa_pool_free_entries(const struct dml_id_table_ops *ids,
					    void **entries, unsigned int n)
{
	unsigned int i;

	if (ids->free_entry)
		for (i = 0; i < n; i++)
			ids->free_entry(entries[i]);
}

/*
 * Commits the ids handed out and gives back the rest, whose entries go to
 * @spare for freeing outside the lock; lock held.  Returns how many.
 */
static inline unsigned int dml_xa_pool_commit_locked(struct dml_token_sock *ts,
						     const struct dml_id_table_ops *ids,
						     void **spare)
{
	struct dml_xa_pool *pool = dml_xa_pool_of(ts);
	unsigned int i, n = 0;

	for (i = 0; i < pool->idx; i++)
		ids->commit(ts, pool->tokens[i], pool->slots[i]);
	for (; i < pool->max; i++) {
		ids->unreserve(ts, pool->tokens[i]);
		if (ids->free_entry)
			spare[n++] = pool->slots[i];
	}
	if (ids->commit_end)
		ids->commit_end(ts);
	pool->max = 0;
	pool->idx = 0;
	return n;
}

/* The skb's one lock round; fewer entries than wanted still reserve. */
static inline int dml_xa_pool_refill_slow(struct dml_token_sock *ts,
					  const struct dml_id_table_ops *ids,
					  unsigned int frags_left)
{
	struct dml_xa_pool *pool = dml_xa_pool_of(ts);
	unsigned int k, got, nr_spare,
		want = frags_left < DML_MAX_SKB_FRAGS ? frags_left : DML_MAX_SKB_FRAGS;
	void *fresh[DML_MAX_SKB_FRAGS], *spare[DML_MAX_SKB_FRAGS];
	int err = 0;

	got = ids->prealloc ? ids->prealloc(ts, fresh, want) : want;
	if (got < want)
		err = -ENOMEM;
	ids->lock(ts);
	nr_spare = dml_xa_pool_commit_locked(ts, ids, spare);
	for (k = 0; k < got; k++) {
		err = ids->reserve(ts, &pool->tokens[k]);
		if (err)
			break;
		if (ids->prealloc)
			pool->slots[k] = fresh[k];
	}
	pool->max = k;
	pool->idx = 0;
	ids->unlock(ts);
	dml_xa_pool_free_entries(ids, spare, nr_spare);
	dml_xa_pool_free_entries(ids, fresh + k, got - k);
	return k ? 0 : err;
}

/* The next frag's token, with its own page-pool reference. */
static inline int dml_xa_pool_assign(struct dml_token_sock *ts,
				     const struct dml_id_table_ops *ids,
				     struct dml_net_iov *niov,
				     unsigned int frags_left, uint32_t *token)
{
	struct dml_xa_pool *pool = dml_xa_pool_of(ts);
	int err;

	if (pool->idx >= pool->max) {
		err = dml_xa_pool_refill_slow(ts, ids, frags_left);
		if (err)
			return err;
	}
	*token = pool->tokens[pool->idx];
	/* Dropped by DONTNEED or close. */
	dml_netmem_get(&niov->nm);
	if (ids->prealloc)
		*(struct dml_net_iov **)pool->slots[pool->idx] = niov;
	else
		pool->slots[pool->idx] = niov;
	pool->idx++;
	return 0;
}

/* The end of the skb, or of the call. */
static inline void dml_xa_pool_flush(struct dml_token_sock *ts,
				     const struct dml_id_table_ops *ids)
{
	struct dml_xa_pool *pool = dml_xa_pool_of(ts);
	void *spare[DML_MAX_SKB_FRAGS];
	unsigned int n;

	if (!pool->max)
		return;
	ids->lock(ts);
	n = dml_xa_pool_commit_locked(ts, ids, spare);
	ids->unlock(ts);
	dml_xa_pool_free_entries(ids, spare, n);
}

static inline void dml_xa_pool_put_batch(_Atomic unsigned long *warnings,
					 const struct dml_id_table_ops *ids,
					 void **batch, unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++) {
		struct dml_net_iov *niov = ids->prealloc ?
			*(struct dml_net_iov **)batch[k] : batch[k];

		DML_WARN_ON(warnings, !dml_netmem_put(&niov->nm));
		if (ids->free_entry)
			ids->free_entry(batch[k]);
	}
}

/* SO_DEVMEM_DONTNEED: returns the frags released. */
static inline int dml_xa_pool_release(struct dml_token_sock *ts,
				      const struct dml_id_table_ops *ids,
				      const struct dmabuf_token *tokens,
				      unsigned int nr_tokens)
{
	void *batch[DML_PUT_BATCH];
	unsigned int i, n = 0, frags = 0;
	int released = 0;
	uint32_t j;

	ids->lock(ts);
	for (i = 0; i < nr_tokens; i++) {
		for (j = 0; j < tokens[i].token_count; j++) {
			void *slot;

			if (++frags > DML_MAX_DONTNEED_FRAGS)
				goto out_unlock;
			/*
			 * u32 wrap of start + j lands on some id: harmless.  An id
			 * reserved by a recvmsg in flight is not a token yet: the
			 * kernel erases it and the commit then fails, leaking the
			 * page-pool reference; erase leaves it
			 * (docs/deviations.md).
			 */
			slot = ids->erase(ts, tokens[i].token_start + j);
			if (!slot)
				continue;
			batch[n++] = slot;
			released++;
			if (n == DML_PUT_BATCH) {
				/* Page-pool returns run outside the lock. */
				ids->unlock(ts);
				dml_xa_pool_put_batch(ts->warnings, ids, batch, n);
				n = 0;
				ids->lock(ts);
			}
		}
	}
out_unlock:
	ids->unlock(ts);
	dml_xa_pool_put_batch(ts->warnings, ids, batch, n);
	return released;
}

/* <design>_assign and <design>_flush, over the design's @ids. */
#define DML_XA_POOL_RECV(design, ids)					\
static int design##_assign(struct dml_token_sock *ts,			\
			   struct dml_binding *binding,			\
			   struct dml_net_iov *niov,			\
			   unsigned int frags_left, uint32_t *token)	\
{									\
	(void)binding;							\
	return dml_xa_pool_assign(ts, &(ids), niov, frags_left, token);	\
}									\
									\
static void design##_flush(struct dml_token_sock *ts)			\
{									\
	dml_xa_pool_flush(ts, &(ids));					\
}

/* <design>_release: SO_DEVMEM_DONTNEED over the design's @ids. */
#define DML_XA_POOL_RELEASE(design, ids)				\
static int design##_release(struct dml_token_sock *ts,			\
			    const struct dmabuf_token *tokens,		\
			    unsigned int nr_tokens)			\
{									\
	return dml_xa_pool_release(ts, &(ids), tokens, nr_tokens);	\
}

#endif /* DML_XA_POOL_H */
