// SPDX-License-Identifier: MIT
/*
 * `owned` (autorelease = 0, issue 16; docs/extensions.md X-2): page-index
 * tokens that also name their binding, and returns only by the socket that
 * holds them.  A token is slot << page_bits | page index, the slot being the
 * binding's (mem/binding.h), so one socket may receive from several
 * bindings.  Each socket counts what it holds per token in an open-addressing
 * table; a page the socket holds at least once carries one page-pool
 * reference of that socket's.  A DONTNEED of a token the socket does not
 * hold finds nothing and changes nothing, and close gives back everything at
 * once: no uref of the binding is involved, so nothing waits for unbind.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "mem/binding.h"
#include "tokens.h"
#include "warn.h"

/* The first table's buckets; it doubles past 3/4 full, so probes stay short. */
#define HELD_MIN_CAP	64u

/* One token the socket holds @count times; count 0 is an empty bucket. */
struct owned_held {
	uint32_t token;
	uint32_t count;
};

struct owned_sock {
	struct dml_token_sock ts;
	/*
	 * Protects everything below: recvmsg's assign runs under the socket
	 * lock, DONTNEED without it, so the two meet here.  A spinlock held
	 * for a few probes, never across an allocation: assign allocates
	 * without it, which is safe because assigns are serialised by the
	 * socket lock and only assign adds entries, bindings or buckets.
	 */
	pthread_spinlock_t lock;
	unsigned int page_bits;
	/*
	 * Joined bindings by slot, 2^slot_bits of them, allocated at the
	 * first join.  Each holds a binding reference and a user, dropped
	 * when the socket goes; a slot is not reused while a socket holds
	 * its binding, so a slot here names one binding for good.
	 */
	struct dml_binding **joined;
	unsigned int nr_slots;
	unsigned int nr_joined;
	struct owned_held *held;
	uint32_t cap;		/* a power of two, or 0 before the first frag */
	unsigned int shift;	/* 32 - log2(cap): the hash's top bits index */
	/* Written under the lock; assign also reads it without (room check). */
	_Atomic uint32_t nr;
	/*
	 * recvmsg's: the lock is held from the first assign of an skb to the
	 * flush that ends it, one lock round per skb rather than per frag.
	 * Only assign and flush touch it, under the socket lock.
	 */
	bool assigning;
};

static uint32_t held_nr(struct owned_sock *os)
{
	return atomic_load_explicit(&os->nr, memory_order_relaxed);
}

/* Under the lock: a plain read-modify-write, atomic only for assign's peek. */
static void held_nr_add_locked(struct owned_sock *os, uint32_t delta)
{
	atomic_store_explicit(&os->nr, held_nr(os) + delta, memory_order_relaxed);
}

static struct owned_sock *to_owned(struct dml_token_sock *ts)
{
	return (struct owned_sock *)ts;
}

/*
 * Fibonacci hashing, top bits: consecutive pages spread out, and tokens
 * that differ only in their slot bits land apart.
 */
static uint32_t held_bucket(const struct owned_sock *os, uint32_t token)
{
	return (uint32_t)(token * 2654435761u) >> os->shift;
}

/* The token's bucket, or the empty one where it would go; lock held. */
static struct owned_held *held_find_locked(struct owned_sock *os, uint32_t token)
{
	uint32_t i = held_bucket(os, token);

	while (os->held[i].count && os->held[i].token != token)
		i = (i + 1) & (os->cap - 1);
	return &os->held[i];
}

/*
 * Empties @hole and shifts later entries of its probe run back, so lookups
 * never need tombstones and the table stays as full as what it holds.
 */
static void held_remove_locked(struct owned_sock *os, struct owned_held *hole)
{
	uint32_t mask = os->cap - 1;
	uint32_t h = (uint32_t)(hole - os->held), i = h, home;

	for (;;) {
		i = (i + 1) & mask;
		if (!os->held[i].count)
			break;
		home = held_bucket(os, os->held[i].token);
		/* Moves back only an entry whose home is not in (h, i]. */
		if (((i - home) & mask) >= ((i - h) & mask)) {
			os->held[h] = os->held[i];
			h = i;
		}
	}
	os->held[h].count = 0;
	held_nr_add_locked(os, (uint32_t)-1);
}

/*
 * Doubles the table.  The new buckets are allocated without the lock and
 * filled under it: a DONTNEED may have emptied some old ones meanwhile, and
 * nothing else may have added any.
 */
static __attribute__((noinline, cold)) int held_grow_slow(struct owned_sock *os)
{
	uint32_t cap = os->cap ? 2 * os->cap : HELD_MIN_CAP, old_cap, i;
	struct owned_held *held = calloc(cap, sizeof(*held)), *old, *e;

	if (!held)
		return -ENOMEM;
	pthread_spin_lock(&os->lock);
	old = os->held;
	old_cap = os->cap;
	os->held = held;
	os->cap = cap;
	os->shift = 32 - (unsigned int)__builtin_ctz(cap);
	for (i = 0; i < old_cap; i++) {
		if (!old[i].count)
			continue;
		e = held_find_locked(os, old[i].token);
		*e = old[i];
	}
	pthread_spin_unlock(&os->lock);
	free(old);
	return 0;
}

static struct dml_token_sock *owned_sock_create(_Atomic unsigned long *warnings)
{
	struct owned_sock *os = calloc(1, sizeof(*os));

	if (!os)
		return NULL;
	os->ts.warnings = warnings;
	pthread_spin_init(&os->lock, PTHREAD_PROCESS_PRIVATE);
	return &os->ts;
}

/* The pages it holds go back at once, then it leaves each binding. */
static void owned_sock_destroy(struct dml_token_sock *ts)
{
	struct owned_sock *os = to_owned(ts);
	uint32_t i, mask = (1u << os->page_bits) - 1;
	unsigned int slot;

	for (i = 0; i < os->cap; i++) {
		const struct owned_held *e = &os->held[i];
		struct dml_binding *binding;

		if (!e->count)
			continue;
		binding = os->joined[e->token >> os->page_bits];
		DML_WARN_ON(ts->warnings,
			    !dml_netmem_put(&binding->vec[e->token & mask].nm));
	}
	for (slot = 0; slot < os->nr_slots; slot++) {
		if (!os->joined[slot])
			continue;
		dml_binding_users_put(os->joined[slot]);
		dml_binding_put(os->joined[slot]);
	}
	pthread_spin_destroy(&os->lock);
	free(os->held);
	free(os->joined);
	free(os);
}

/*
 * First frag of @binding on this socket: take its slot's place.  The slot
 * array is allocated without the lock and published under it.
 */
static __attribute__((noinline, cold)) int owned_join_slow(struct owned_sock *os,
								   struct dml_binding *binding)
{
	unsigned int slot = (unsigned int)binding->token_slot;
	unsigned int nr_slots = 1u << binding->table->token_slot_bits;
	struct dml_binding **joined = os->joined;

	if (DML_WARN_ON(os->ts.warnings, binding->token_slot == DML_NO_TOKEN_SLOT))
		return -EFAULT;
	if (!joined) {
		joined = calloc(nr_slots, sizeof(*joined));
		if (!joined)
			return -ENOMEM;
	}
	/* A slot comes back only once every socket has left its binding. */
	if (DML_WARN_ON(os->ts.warnings, joined[slot] != NULL))
		goto err_free;
	/* Unbound and drained: no frag of it may start a new holder (S-4.5). */
	if (!dml_binding_users_get_unless_zero(binding)) {
		if (joined != os->joined)
			free(joined);
		return -ENODEV;
	}
	/* Joined socket's reference, dropped when the socket goes. */
	dml_binding_get(binding);
	pthread_spin_lock(&os->lock);
	if (!os->joined) {
		os->page_bits = dml_token_page_bits(binding->table);
		os->nr_slots = nr_slots;
		os->joined = joined;
	}
	os->joined[slot] = binding;
	os->nr_joined++;
	pthread_spin_unlock(&os->lock);
	return 0;

err_free:
	if (joined != os->joined)
		free(joined);
	return -EFAULT;
}

/* The skb (or the call) is done: a DONTNEED may have the table again. */
static void owned_flush(struct dml_token_sock *ts)
{
	struct owned_sock *os = to_owned(ts);

	if (os->assigning) {
		os->assigning = false;
		pthread_spin_unlock(&os->lock);
	}
}

/* Joins @binding and makes room for one more entry, as either needs. */
static __attribute__((noinline, cold)) int owned_assign_slow(struct owned_sock *os,
								     struct dml_binding *binding)
{
	unsigned int slot = (unsigned int)binding->token_slot;
	int err;

	if (slot >= os->nr_slots || os->joined[slot] != binding) {
		err = owned_join_slow(os, binding);
		if (err)
			return err;
	}
	if (4 * (held_nr(os) + 1) > 3 * os->cap)
		return held_grow_slow(os);
	return 0;
}

static int owned_assign(struct dml_token_sock *ts, struct dml_binding *binding,
			struct dml_net_iov *niov, unsigned int frags_left,
			uint32_t *token)
{
	struct owned_sock *os = to_owned(ts);
	unsigned int slot = (unsigned int)binding->token_slot;
	struct owned_held *e;
	uint32_t t;
	int err;

	(void)frags_left;
	/*
	 * Read without the lock: only assigns, serialised by the socket
	 * lock, change the slots and the size; a racing DONTNEED can only
	 * lower @nr, which leaves the answer safe.  Also taken before the
	 * first join (no slots yet) and for a binding with no slot.
	 */
	if (__builtin_expect(slot >= os->nr_slots || os->joined[slot] != binding ||
			     4 * (held_nr(os) + 1) > 3 * os->cap,
			     0)) {
		/* The slow path allocates and takes the lock itself. */
		owned_flush(ts);
		err = owned_assign_slow(os, binding);
		if (err)
			return err;
	}
	t = (uint32_t)slot << os->page_bits | dml_net_iov_index(binding, niov);
	if (!os->assigning) {
		pthread_spin_lock(&os->lock);
		os->assigning = true;
	}
	e = held_find_locked(os, t);
	if (!e->count++) {
		e->token = t;
		held_nr_add_locked(os, 1);
		/* This socket's reference on the page while it holds it at all. */
		dml_netmem_get(&niov->nm);
	}
	*token = t;
	return 0;
}

static int owned_release(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
			 unsigned int nr_tokens)
{
	struct owned_sock *os = to_owned(ts);
	/* Tokens [base, base + span) name pages of @binding: one compare each. */
	struct dml_binding *binding = NULL;
	uint32_t base = 0, span = 0, j;
	unsigned int i, frags = 0;
	int released = 0;

	pthread_spin_lock(&os->lock);
	/* Before any frag the socket has no binding to name (S-5.4). */
	if (!os->nr_joined) {
		released = -EINVAL;
		goto out_unlock;
	}
	for (i = 0; i < nr_tokens; i++) {
		for (j = 0; j < tokens[i].token_count; j++) {
			uint32_t token = tokens[i].token_start + j;
			struct owned_held *e;

			/*
			 * A token naming no page of a binding this socket
			 * joined ends its entry uncounted, as a token past
			 * the pages does in niov (v10's order).
			 */
			if (token - base >= span) {
				uint32_t slot = token >> os->page_bits;

				span = 0;
				if (slot >= os->nr_slots || !os->joined[slot])
					break;
				binding = os->joined[slot];
				base = slot << os->page_bits;
				span = (uint32_t)binding->nr_niovs;
				if (token - base >= span)
					break;
			}
			if (++frags > DML_MAX_DONTNEED_FRAGS)
				goto out_unlock;
			if (!held_nr(os))
				continue;
			e = held_find_locked(os, token);
			/* Not held by this socket: nothing changes. */
			if (!e->count)
				continue;
			released++;
			if (--e->count)
				continue;
			held_remove_locked(os, e);
			DML_WARN_ON(ts->warnings, !dml_netmem_put(&binding->vec[token - base].nm));
		}
	}
out_unlock:
	pthread_spin_unlock(&os->lock);
	return released;
}

static void owned_count_refs(struct dml_token_sock *ts,
			     const struct dml_binding *binding, uint32_t *refs)
{
	struct owned_sock *os = to_owned(ts);
	uint32_t i;

	pthread_spin_lock(&os->lock);
	for (i = 0; i < os->cap; i++) {
		const struct owned_held *e = &os->held[i];

		if (e->count && os->joined[e->token >> os->page_bits] == binding)
			refs[e->token & ((1u << os->page_bits) - 1)]++;
	}
	pthread_spin_unlock(&os->lock);
}

static size_t owned_state_bytes(struct dml_token_sock *ts)
{
	struct owned_sock *os = to_owned(ts);
	size_t bytes;

	pthread_spin_lock(&os->lock);
	bytes = sizeof(*os) + os->nr_slots * sizeof(*os->joined) +
		os->cap * sizeof(*os->held);
	pthread_spin_unlock(&os->lock);
	return bytes;
}

const struct dml_token_ops dml_token_owned_ops = {
	.info = {
		.name = "owned",
		.autorelease = 0,
		.summary = "token = binding slot | page index, per-socket held counts",
		.holder_returns = true,
		.many_bindings = true,
		.token_slots = true,
	},
	.sock_create = owned_sock_create,
	.sock_destroy = owned_sock_destroy,
	.assign = owned_assign,
	.flush = owned_flush,
	.release = owned_release,
	.state_bytes = owned_state_bytes,
	.count_refs = owned_count_refs,
};
