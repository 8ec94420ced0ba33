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
	 * lock, DONTNEED without it, so the two meet here.
	 */
	pthread_mutex_t lock;
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
	uint32_t nr;
};

static struct owned_sock *to_owned(struct dml_token_sock *ts)
{
	return (struct owned_sock *)ts;
}

static uint32_t held_bucket(uint32_t token, uint32_t cap)
{
	/* Fibonacci hashing: a binding's consecutive pages spread out. */
	return (uint32_t)(token * 2654435761u) & (cap - 1);
}

/* The token's bucket, or the empty one where it would go; lock held. */
static struct owned_held *held_find_locked(struct owned_sock *os, uint32_t token)
{
	uint32_t i = held_bucket(token, os->cap);

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
		home = held_bucket(os->held[i].token, os->cap);
		/* Moves back only an entry whose home is not in (h, i]. */
		if (((i - home) & mask) >= ((i - h) & mask)) {
			os->held[h] = os->held[i];
			h = i;
		}
	}
	os->held[h].count = 0;
	os->nr--;
}

/* Doubles the table (allocating is why this is off the fast path); lock held. */
static int held_grow_slow(struct owned_sock *os)
{
	uint32_t cap = os->cap ? 2 * os->cap : HELD_MIN_CAP, old_cap = os->cap, i;
	struct owned_held *old = os->held, *e;

	os->held = calloc(cap, sizeof(*os->held));
	if (!os->held) {
		os->held = old;
		return -ENOMEM;
	}
	os->cap = cap;
	for (i = 0; i < old_cap; i++) {
		if (!old[i].count)
			continue;
		e = held_find_locked(os, old[i].token);
		*e = old[i];
	}
	free(old);
	return 0;
}

static struct dml_token_sock *owned_sock_create(_Atomic unsigned long *warnings)
{
	struct owned_sock *os = calloc(1, sizeof(*os));

	if (!os)
		return NULL;
	os->ts.warnings = warnings;
	pthread_mutex_init(&os->lock, NULL);
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
	pthread_mutex_destroy(&os->lock);
	free(os->held);
	free(os->joined);
	free(os);
}

/* First frag of @binding on this socket: take its slot's place; lock held. */
static int owned_join_slow(struct owned_sock *os, struct dml_binding *binding)
{
	unsigned int slot;

	if (DML_WARN_ON(os->ts.warnings, binding->token_slot == DML_NO_TOKEN_SLOT))
		return -EFAULT;
	if (!os->joined) {
		os->nr_slots = 1u << binding->table->token_slot_bits;
		os->page_bits = dml_token_page_bits(binding->table);
		os->joined = calloc(os->nr_slots, sizeof(*os->joined));
		if (!os->joined)
			return -ENOMEM;
	}
	slot = (unsigned int)binding->token_slot;
	/* A slot comes back only once every socket has left its binding. */
	if (DML_WARN_ON(os->ts.warnings, os->joined[slot] != NULL))
		return -EFAULT;
	/* Unbound and drained: no frag of it may start a new holder (S-4.5). */
	if (!dml_binding_users_get_unless_zero(binding))
		return -ENODEV;
	/* Joined socket's reference, dropped when the socket goes. */
	dml_binding_get(binding);
	os->joined[slot] = binding;
	os->nr_joined++;
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
	int err = 0;

	(void)frags_left;
	pthread_mutex_lock(&os->lock);
	/* Also taken before the first join (no slots yet) and for no slot. */
	if (__builtin_expect(slot >= os->nr_slots || os->joined[slot] != binding, 0)) {
		err = owned_join_slow(os, binding);
		if (err)
			goto out_unlock;
	}
	if (__builtin_expect(4 * (os->nr + 1) > 3 * os->cap, 0)) {
		err = held_grow_slow(os);
		if (err)
			goto out_unlock;
	}
	t = (uint32_t)slot << os->page_bits | dml_net_iov_index(binding, niov);
	e = held_find_locked(os, t);
	if (!e->count++) {
		e->token = t;
		os->nr++;
		/* This socket's reference on the page while it holds it at all. */
		dml_netmem_get(&niov->nm);
	}
	*token = t;
out_unlock:
	pthread_mutex_unlock(&os->lock);
	return err;
}

static int owned_release(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
			 unsigned int nr_tokens)
{
	struct owned_sock *os = to_owned(ts);
	unsigned int i, frags = 0;
	int released = 0;
	uint32_t j, mask;

	pthread_mutex_lock(&os->lock);
	/* Before any frag the socket has no binding to name (S-5.4). */
	if (!os->nr_joined) {
		released = -EINVAL;
		goto out_unlock;
	}
	mask = (1u << os->page_bits) - 1;
	for (i = 0; i < nr_tokens; i++) {
		for (j = 0; j < tokens[i].token_count; j++) {
			uint32_t token = tokens[i].token_start + j;
			uint32_t slot = token >> os->page_bits;
			struct dml_binding *binding;
			struct owned_held *e;

			/*
			 * A token naming no page of a binding this socket
			 * joined ends its entry uncounted, as a token past
			 * the pages does in niov (v10's order).
			 */
			if (slot >= os->nr_slots || !os->joined[slot] ||
			    (token & mask) >= os->joined[slot]->nr_niovs)
				break;
			if (++frags > DML_MAX_DONTNEED_FRAGS)
				goto out_unlock;
			if (!os->nr)
				continue;
			e = held_find_locked(os, token);
			/* Not held by this socket: nothing changes. */
			if (!e->count)
				continue;
			released++;
			if (--e->count)
				continue;
			binding = os->joined[slot];
			held_remove_locked(os, e);
			DML_WARN_ON(ts->warnings,
				    !dml_netmem_put(&binding->vec[token & mask].nm));
		}
	}
out_unlock:
	pthread_mutex_unlock(&os->lock);
	return released;
}

static void owned_count_refs(struct dml_token_sock *ts,
			     const struct dml_binding *binding, uint32_t *refs)
{
	struct owned_sock *os = to_owned(ts);
	uint32_t i;

	pthread_mutex_lock(&os->lock);
	for (i = 0; i < os->cap; i++) {
		const struct owned_held *e = &os->held[i];

		if (e->count && os->joined[e->token >> os->page_bits] == binding)
			refs[e->token & ((1u << os->page_bits) - 1)]++;
	}
	pthread_mutex_unlock(&os->lock);
}

static size_t owned_state_bytes(struct dml_token_sock *ts)
{
	struct owned_sock *os = to_owned(ts);
	size_t bytes;

	pthread_mutex_lock(&os->lock);
	bytes = sizeof(*os) + os->nr_slots * sizeof(*os->joined) +
		os->cap * sizeof(*os->held);
	pthread_mutex_unlock(&os->lock);
	return bytes;
}

const struct dml_token_ops dml_token_owned_ops = {
	.info = {
		.name = "owned",
		.autorelease = 0,
		.summary = "token = binding slot | page index, per-socket held counts",
	},
	.token_slots = true,
	.sock_create = owned_sock_create,
	.sock_destroy = owned_sock_destroy,
	.assign = owned_assign,
	.release = owned_release,
	.state_bytes = owned_state_bytes,
	.count_refs = owned_count_refs,
};
