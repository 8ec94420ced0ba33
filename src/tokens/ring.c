// SPDX-License-Identifier: MIT
/*
 * `ring` (autorelease = 0, issue 16): niov's tokens and urefs (uref.h), plus
 * a return ring the application shares with the kernel side
 * (SO_DEVMEM_LAB_RETURN_RING, devmem/ext.h, docs/extensions.md X-1).  The
 * application pushes {token_start, token_count} entries and moves the
 * tail; recvmsg drains the socket's ring before it reads, and a pool of
 * the binding that has nothing to post drains every ring registered on the
 * binding.  Each entry is released as a DONTNEED entry would be, without a
 * system call.
 *
 * The ring has one producer (the application) and two kernel-side
 * consumers (recvmsg, the NIC's refill), which must not consume at once:
 * a consumer takes the socket's try-lock @consuming and skips the ring if
 * the other holds it, since what it would release the other releases.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devmem/ext.h"
#include "tokens.h"
#include "uref.h"

struct ring_sock {
	struct dml_token_sock ts;
	/* Set once, at the first frag, under the socket lock; read by DONTNEED without it. */
	_Atomic(struct dml_binding *) binding;

	/*
	 * The consumer try-lock: held by whoever reads the ring and the two
	 * fields below it (a drain, registration, unregistration).
	 */
	atomic_flag consuming;
	/*
	 * The registered ring, NULL for none.  Written with @consuming and
	 * @reg_lock held; a drain reads it first without either, to skip a
	 * socket with no ring at the cost of one load.
	 */
	_Atomic(struct devmem_lab_ring *) ring;
	/*
	 * The kernel side's own head and mask, copied at registration: what
	 * the application writes to the shared ones cannot make a drain read
	 * outside the ring or consume an entry twice.
	 */
	uint32_t head;
	uint32_t mask;

	/*
	 * Protects registration: @ring's writes, @listed, and ordering them
	 * against the join (which lists a ring registered before it).
	 */
	pthread_mutex_t reg_lock;
	/* On the joined binding's returners while a ring is registered. */
	struct dml_binding_returner link;
	bool listed;
	/* devmem_lab_ring_bytes() of the registered ring, for state_bytes. */
	_Atomic size_t ring_bytes;
};

static struct ring_sock *to_ring(struct dml_token_sock *ts)
{
	return (struct ring_sock *)ts;
}

static struct ring_sock *link_to_ring(struct dml_binding_returner *link)
{
	return (struct ring_sock *)((char *)link - offsetof(struct ring_sock, link));
}

static struct dml_token_sock *ring_sock_create(_Atomic unsigned long *warnings)
{
	struct ring_sock *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	rs->ts.warnings = warnings;
	atomic_init(&rs->binding, NULL);
	atomic_flag_clear(&rs->consuming);
	atomic_init(&rs->ring, NULL);
	atomic_init(&rs->ring_bytes, 0);
	pthread_mutex_init(&rs->reg_lock, NULL);
	return &rs->ts;
}

/*
 * One entry: its tokens inside the binding with a uref above 0 are
 * released; every other token it names is counted in @skipped.  No binding
 * (never joined) or an entry longer than DEVMEM_LAB_RING_MAX_COUNT releases
 * nothing, so no entry walks more than a DONTNEED call may.
 */
static unsigned int ring_entry(struct dml_binding *binding, uint32_t start,
			       uint32_t count, uint64_t *skipped)
{
	unsigned int released = 0;
	uint64_t end, t;

	/* kperf's and ncdevmem's entry: one token, no range to clip. */
	if (count == 1 && binding && start < binding->nr_niovs) {
		released = dml_uref_dec_not_zero(binding, &binding->vec[start]);
		*skipped += 1 - released;
		return released;
	}
	if (binding && count <= DEVMEM_LAB_RING_MAX_COUNT) {
		end = (uint64_t)start + count;
		if (end > binding->nr_niovs)
			end = binding->nr_niovs;
		for (t = start; t < end; t++)
			released += dml_uref_dec_not_zero(binding, &binding->vec[t]);
	}
	*skipped += count - released;
	return released;
}

/*
 * Consumes what the application queued, one lap at most (a tail further
 * ahead than the ring holds is the application's error: the rest waits for
 * the next drain).  @consuming held, @r registered.  Returns frags released.
 */
static unsigned int ring_consume(struct ring_sock *rs, struct devmem_lab_ring *r)
{
	struct dml_binding *binding = atomic_load_explicit(&rs->binding,
							   memory_order_acquire);
	/* Acquire: the entries up to the tail are written. */
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	uint32_t head = rs->head, n = tail - head, i;
	unsigned int released = 0;
	uint64_t skipped = 0;

	if (!n)
		return 0;
	if (n > rs->mask)
		n = rs->mask + 1;
	for (i = 0; i < n; i++) {
		const struct dmabuf_token *e = &r->entries[(head + i) & rs->mask];

		released += ring_entry(binding, e->token_start, e->token_count, &skipped);
	}
	rs->head = head + n;
	if (released)
		atomic_fetch_add_explicit(&r->drained, released, memory_order_relaxed);
	if (skipped)
		atomic_fetch_add_explicit(&r->skipped, skipped, memory_order_relaxed);
	/*
	 * Release: the entries are read (and the counts above are in) before
	 * the application may see their slots free and overwrite them.
	 */
	atomic_store_explicit(&r->head, head + n, memory_order_release);
	return released;
}

static bool consume_trylock(struct ring_sock *rs)
{
	return !atomic_flag_test_and_set_explicit(&rs->consuming, memory_order_acquire);
}

/*
 * Registration waits for a drain in progress; a drain is bounded by one lap
 * of the ring and takes no lock that registration holds.
 */
static void consume_lock(struct ring_sock *rs)
{
	while (!consume_trylock(rs))
		sched_yield();
}

static void consume_unlock(struct ring_sock *rs)
{
	atomic_flag_clear_explicit(&rs->consuming, memory_order_release);
}

/* recvmsg, before it reads: returns frags released from the ring. */
static unsigned int ring_drain(struct dml_token_sock *ts)
{
	struct ring_sock *rs = to_ring(ts);
	struct devmem_lab_ring *r;
	unsigned int released = 0;

	if (!atomic_load_explicit(&rs->ring, memory_order_relaxed))
		return 0;
	/* The other consumer is at it: what is queued goes back anyway. */
	if (!consume_trylock(rs))
		return 0;
	r = atomic_load_explicit(&rs->ring, memory_order_relaxed);
	if (r)
		released = ring_consume(rs, r);
	consume_unlock(rs);
	return released;
}

/*
 * A pool drawing on @binding has nothing to post: every ring registered on
 * it gives back what it holds.  rxq->lock may be held; no pool lock is.
 */
static unsigned int ring_binding_refill(struct dml_binding *binding)
{
	struct dml_binding_returner *link;
	unsigned int released = 0;

	pthread_mutex_lock(&binding->returners_lock);
	for (link = binding->returners; link; link = link->next)
		released += ring_drain(&link_to_ring(link)->ts);
	pthread_mutex_unlock(&binding->returners_lock);
	return released;
}

/* Puts a registered ring on @binding's list; reg_lock held. */
static void list_ring_locked(struct ring_sock *rs, struct dml_binding *binding)
{
	if (rs->listed || !atomic_load_explicit(&rs->ring, memory_order_relaxed))
		return;
	dml_binding_returner_add(binding, &rs->link);
	rs->listed = true;
}

static int ring_register(struct ring_sock *rs, struct devmem_lab_ring *r)
{
	struct dml_binding *binding;
	uint64_t entries;
	uint32_t head, tail;
	int err = 0;

	if ((uintptr_t)r % _Alignof(struct devmem_lab_ring))
		return -EINVAL;
	entries = (uint64_t)r->mask + 1;
	if (entries > DEVMEM_LAB_RING_MAX_ENTRIES || (entries & (entries - 1)))
		return -EINVAL;
	head = atomic_load_explicit(&r->head, memory_order_relaxed);
	tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (tail - head > entries)
		return -EINVAL;

	pthread_mutex_lock(&rs->reg_lock);
	if (atomic_load_explicit(&rs->ring, memory_order_relaxed)) {
		err = -EBUSY;
		goto out_unlock;
	}
	consume_lock(rs);
	rs->head = head;
	rs->mask = (uint32_t)(entries - 1);
	atomic_store_explicit(&rs->ring, r, memory_order_relaxed);
	consume_unlock(rs);
	atomic_store_explicit(&rs->ring_bytes, devmem_lab_ring_bytes((uint32_t)entries),
			      memory_order_relaxed);
	binding = atomic_load_explicit(&rs->binding, memory_order_acquire);
	if (binding)
		list_ring_locked(rs, binding);
out_unlock:
	pthread_mutex_unlock(&rs->reg_lock);
	return err;
}

/* Drains the ring one last time and forgets it; -ENOENT when there is none. */
static int ring_unregister(struct ring_sock *rs)
{
	struct devmem_lab_ring *r;
	int err = 0;

	pthread_mutex_lock(&rs->reg_lock);
	r = atomic_load_explicit(&rs->ring, memory_order_relaxed);
	if (!r) {
		err = -ENOENT;
		goto out_unlock;
	}
	/* Off the list first: once that returns, no refill walks this ring. */
	if (rs->listed) {
		dml_binding_returner_del(atomic_load_explicit(&rs->binding,
							      memory_order_relaxed),
					 &rs->link);
		rs->listed = false;
	}
	consume_lock(rs);
	ring_consume(rs, r);
	atomic_store_explicit(&rs->ring, NULL, memory_order_relaxed);
	consume_unlock(rs);
	atomic_store_explicit(&rs->ring_bytes, 0, memory_order_relaxed);
out_unlock:
	pthread_mutex_unlock(&rs->reg_lock);
	return err;
}

static int ring_setsockopt(struct dml_token_sock *ts, int optname, const void *val,
			   socklen_t len)
{
	struct ring_sock *rs = to_ring(ts);
	struct devmem_lab_ring *r;

	if (optname != SO_DEVMEM_LAB_RETURN_RING)
		return -ENOPROTOOPT;
	if (!len)
		return ring_unregister(rs);
	if (len != sizeof(r))
		return -EINVAL;
	if (!val)
		return -EFAULT;
	memcpy(&r, val, sizeof(r));
	return r ? ring_register(rs, r) : ring_unregister(rs);
}

/*
 * Entries still queued go back first, then the socket leaves its
 * binding as niov's does: its other urefs stay until the users reach 0.
 */
static void ring_sock_destroy(struct dml_token_sock *ts)
{
	struct ring_sock *rs = to_ring(ts);
	struct dml_binding *binding;

	ring_unregister(rs);
	binding = atomic_load_explicit(&rs->binding, memory_order_acquire);
	if (binding)
		dml_uref_leave(binding);
	pthread_mutex_destroy(&rs->reg_lock);
	free(rs);
}

/*
 * The first frag: niov's join, then a ring registered before it is listed,
 * then the delivery.  Out of line and a tail call, so that the lock it
 * takes costs the fast path no registers.
 */
static __attribute__((noinline)) int ring_assign_slow(struct ring_sock *rs,
						      struct dml_binding *binding,
						      struct dml_net_iov *niov,
						      uint32_t *token)
{
	/* One binding per socket: a token has no room for a binding id. */
	int err = atomic_load_explicit(&rs->binding, memory_order_relaxed) ? -EFAULT
			: dml_uref_join(&rs->binding, binding);

	if (err)
		return err;
	pthread_mutex_lock(&rs->reg_lock);
	list_ring_locked(rs, binding);
	pthread_mutex_unlock(&rs->reg_lock);
	dml_uref_take(binding, niov, token);
	return 0;
}

static int ring_assign(struct dml_token_sock *ts, struct dml_binding *binding,
		       struct dml_net_iov *niov, unsigned int frags_left,
		       uint32_t *token)
{
	struct ring_sock *rs = to_ring(ts);

	(void)frags_left;
	if (__builtin_expect(atomic_load_explicit(&rs->binding, memory_order_relaxed) !=
			     binding, 0))
		return ring_assign_slow(rs, binding, niov, token);
	dml_uref_take(binding, niov, token);
	return 0;
}

/* SO_DEVMEM_DONTNEED: the full ring's fallback, exactly niov's. */
static int ring_release(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
			unsigned int nr_tokens)
{
	struct dml_binding *binding = atomic_load_explicit(&to_ring(ts)->binding,
							   memory_order_acquire);

	if (!binding)
		return -EINVAL;
	return dml_uref_release(binding, tokens, nr_tokens);
}

static void ring_binding_reclaim(struct dml_binding *binding)
{
	dml_uref_reclaim(binding);
}

/* The socket's state and, while registered, the ring the kernel would pin. */
static size_t ring_state_bytes(struct dml_token_sock *ts)
{
	return sizeof(struct ring_sock) +
	       atomic_load_explicit(&to_ring(ts)->ring_bytes, memory_order_relaxed);
}

const struct dml_token_ops dml_token_ring_ops = {
	.info = {
		.name = "ring",
		.autorelease = 0,
		.summary = "niov's urefs, returns through a shared SPSC ring, no syscall",
		.bytes_per_niov = sizeof(((struct dml_net_iov *)0)->uref),
	},
	.sock_create = ring_sock_create,
	.sock_destroy = ring_sock_destroy,
	.assign = ring_assign,
	.release = ring_release,
	.binding_reclaim = ring_binding_reclaim,
	.state_bytes = ring_state_bytes,
	.setsockopt = ring_setsockopt,
	.drain = ring_drain,
	.binding_refill = ring_binding_refill,
};
