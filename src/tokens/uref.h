/* SPDX-License-Identifier: MIT */
/*
 * The per-binding uref rules of autorelease = 0 (S-4.5, S-5.4, S-6.2),
 * shared by every design that keeps them (`niov`, `ring`): a token is the
 * page index, the binding's per-net_iov uref counts deliveries not yet
 * returned, only its 0 -> 1 step pins the page in the pool, and it never
 * goes below 0.  Static inline so that each design's ops compile to the
 * same straight-line code they had on their own, and the benchmark's
 * callgrind split files it under the design that called it.
 */
#ifndef DML_TOKENS_UREF_H
#define DML_TOKENS_UREF_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mem/binding.h"
#include "warn.h"

/*
 * A socket's first frag: it joins @binding, and holds a user and a
 * reference on it until it leaves (dml_uref_leave()).  Written under the
 * socket lock; read by DONTNEED without it, hence the release store.
 */
static inline int dml_uref_join(_Atomic(struct dml_binding *) *joined,
				struct dml_binding *binding)
{
	/* Unbound and drained: its urefs may be reclaimed already (the v9 race). */
	if (!dml_binding_users_get_unless_zero(binding))
		return -ENODEV;
	/* The joined socket's reference, dropped when the socket goes. */
	dml_binding_get(binding);
	atomic_store_explicit(joined, binding, memory_order_release);
	return 0;
}

/* The socket goes: its urefs stay until the binding's users reach 0. */
static inline void dml_uref_leave(struct dml_binding *binding)
{
	dml_binding_users_put(binding);
	dml_binding_put(binding);
}

/* One delivery of @niov to a joined socket: the token and its uref. */
static inline void dml_uref_take(struct dml_binding *binding,
				 struct dml_net_iov *niov, uint32_t *token)
{
	*token = dml_net_iov_index(binding, niov);
	/*
	 * Only the first outstanding delivery pins the page in the pool, but
	 * the reference is taken before the uref shows it: otherwise a
	 * DONTNEED racing in between (a stale or guessed token) takes uref
	 * 1 -> 0 and drops a reference not taken yet, which is the skb frag's,
	 * and the page goes back to the pool under the reader (the series has
	 * this race; docs/deviations.md).
	 */
	dml_netmem_get(&niov->nm);
	if (atomic_fetch_add_explicit(&niov->uref, 1, memory_order_acq_rel) != 0)
		DML_WARN_ON(binding->table->warnings, !dml_netmem_put(&niov->nm));
}

/*
 * One decrement of a user count unless it is already 0 (the v10 bug this
 * project fixes); *@last tells the 1 -> 0 step, which owes the page-pool
 * reference back.  The per-binding uref and sockarray's per-socket one.
 */
static inline bool dml_count_dec_not_zero(atomic_uint *count, bool *last)
{
	unsigned int v = atomic_load_explicit(count, memory_order_relaxed);

	do {
		if (v == 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(count, &v, v - 1,
							memory_order_acq_rel,
							memory_order_relaxed));
	*last = v == 1;
	return true;
}

/* Drops one uref unless it is already 0. */
static inline bool dml_uref_dec_not_zero(struct dml_binding *binding,
					 struct dml_net_iov *niov)
{
	bool last;

	if (!dml_count_dec_not_zero(&niov->uref, &last))
		return false;
	if (last)
		DML_WARN_ON(binding->table->warnings, !dml_netmem_put(&niov->nm));
	return true;
}

/* One token's return: true when it released a frag. */
typedef bool (*dml_uref_step_fn)(void *ctx, struct dml_binding *binding, uint32_t index);

/*
 * SO_DEVMEM_DONTNEED's walk over the tokens of a design whose token is the
 * page index: the frags @step released.  Always inlined with a constant
 * @step, so each design's walk is its own loop with the step inside, as
 * if written out.
 */
static inline __attribute__((always_inline)) int
dml_uref_walk(struct dml_binding *binding, const struct dmabuf_token *tokens,
	      unsigned int nr_tokens, dml_uref_step_fn step, void *ctx)
{
	unsigned int i, frags = 0;
	int released = 0;
	uint32_t j;

	for (i = 0; i < nr_tokens; i++) {
		for (j = 0; j < tokens[i].token_count; j++) {
			uint32_t token = tokens[i].token_start + j;

			/*
			 * Past the binding's pages ends this entry, not the
			 * call, and is not counted against the frag budget
			 * (v10's order).
			 */
			if (token >= binding->nr_niovs)
				break;
			if (++frags > DML_MAX_DONTNEED_FRAGS)
				return released;
			released += step(ctx, binding, token);
		}
	}
	return released;
}

static inline bool dml_uref_step(void *ctx, struct dml_binding *binding, uint32_t index)
{
	(void)ctx;
	return dml_uref_dec_not_zero(binding, &binding->vec[index]);
}

/* SO_DEVMEM_DONTNEED on a joined socket: the frags released. */
static inline int dml_uref_release(struct dml_binding *binding,
				   const struct dmabuf_token *tokens,
				   unsigned int nr_tokens)
{
	return dml_uref_walk(binding, tokens, nr_tokens, dml_uref_step, NULL);
}

/* The binding's users reached 0: what no socket returned goes back now. */
static inline void dml_uref_reclaim(struct dml_binding *binding)
{
	size_t i;

	for (i = 0; i < binding->nr_niovs; i++) {
		struct dml_net_iov *niov = &binding->vec[i];

		if (atomic_exchange_explicit(&niov->uref, 0, memory_order_acq_rel))
			DML_WARN_ON(binding->table->warnings, !dml_netmem_put(&niov->nm));
	}
}

#endif /* DML_TOKENS_UREF_H */
