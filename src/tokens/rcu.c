// SPDX-License-Identifier: MIT
/*
 * `rcu` (autorelease = 1, the series' second rejected alternative): the
 * per-socket token table of `xarray`, but SO_DEVMEM_DONTNEED takes no lock.
 * User-visible behaviour is the xarray design's: fresh ids, lowest free
 * from 1, reserved up to 17 per lock round per skb and the unused ones
 * given back in a second round (S-4.4, S-5.1 .. S-5.3, S-6.1).
 *
 * What runs where:
 *
 * - DONTNEED runs under an RCU read-side section (liburcu, memb flavour)
 *   and nothing else: per token it walks the tree, takes the net_iov with a
 *   compare-and-exchange of its slot to NULL (exactly one of any racing
 *   returns wins it), notes the id in its leaf's pending word, and drops
 *   the page-pool reference.  No spinlock, no allocation.
 * - recvmsg takes the spinlock twice per skb, as xarray does: to reserve
 *   ids and to commit them.  Each of those rounds first frees the ids that
 *   DONTNEED claimed since the last round (the drain), so the allocator
 *   sees them before it picks the lowest free id; a single thread that
 *   returns then reads gets exactly the ids the xarray design gives.
 * - Nodes are allocated under the lock when the tree grows; a node left
 *   empty by a drain or an unreservation is unlinked under the lock and
 *   given to call_rcu after the unlock, so a concurrent DONTNEED still
 *   walking it keeps valid memory.
 *
 * One difference a racing user can see: DONTNEED of an id reserved but not
 * committed yet (its cmsg written, its recvmsg not returned) skips it, so
 * the token can still be returned once recvmsg is done.  The xarray design
 * erases the reservation there, and the commit that follows fails quietly,
 * leaking the page-pool reference the token took.
 *
 * Costs the xarray design does not have: the first DONTNEED or node free
 * on each thread registers it with liburcu (see rcu_tree.c), and ids a
 * DONTNEED returns stay busy, and their emptied leaves allocated, until the
 * socket's next lock round (its next recvmsg of a devmem skb, a
 * state_bytes query or close).  A node is 16 bytes larger (the pending
 * word and the dirty-stack link after the kernel's 576).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "mem/binding.h"
#include "rcu_tree.h"
#include "tokens.h"
#include "urcu_thread.h"
#include "warn.h"
#include "xa_pool.h"

struct rcu_sock {
	struct dml_pool_sock ps;
	/*
	 * Writer lock of @tree: reservations, commits, drains and node
	 * unlinks.  DONTNEED never takes it.
	 */
	pthread_spinlock_t lock;
	struct dml_rcu_tree tree;
	/* Times @lock was taken (S-4.4 tests: one reservation round per skb). */
	unsigned long lock_rounds;
};

static struct rcu_sock *to_rs(struct dml_token_sock *ts)
{
	return (struct rcu_sock *)ts;
}

static struct dml_token_sock *rcu_sock_create(_Atomic unsigned long *warnings)
{
	struct rcu_sock *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	rs->ps.ts.warnings = warnings;
	pthread_spin_init(&rs->lock, PTHREAD_PROCESS_PRIVATE);
	dml_rt_init(&rs->tree);
	return &rs->ps.ts;
}

/* A writer round starts by freeing the ids DONTNEED claimed. */
static void round_begin(struct dml_token_sock *ts)
{
	struct rcu_sock *rs = to_rs(ts);

	pthread_spin_lock(&rs->lock);
	rs->lock_rounds++;
	dml_rt_drain_locked(&rs->tree);
}

/* Nodes the round unlinked go to call_rcu once the lock is dropped. */
static void round_end(struct dml_token_sock *ts)
{
	struct rcu_sock *rs = to_rs(ts);
	struct dml_xa_node *unlinked = dml_rt_unlinked_locked(&rs->tree);

	pthread_spin_unlock(&rs->lock);
	dml_rt_free_unlinked(unlinked);
}

static void put_token(void *entry, void *arg)
{
	struct dml_net_iov *niov = entry;

	DML_WARN_ON(arg, !dml_netmem_put(&niov->nm));
}

/*
 * S-6.1: the socket is gone: every token it still holds is returned.  The
 * last file reference went, so no DONTNEED is running or can start: the
 * nodes are freed at once, and close neither waits for a grace period nor
 * flushes the call_rcu nodes of earlier rounds (urcu_memb_barrier(), a
 * grace period plus a wake-up of liburcu's worker per close).  Those
 * callbacks free their node and touch nothing else, so the socket may go
 * before they run.
 */
static void rcu_sock_destroy(struct dml_token_sock *ts)
{
	struct rcu_sock *rs = to_rs(ts);

	dml_rt_destroy(&rs->tree, put_token, ts->warnings);
	pthread_spin_destroy(&rs->lock);
	free(rs);
}

static int ids_reserve(struct dml_token_sock *ts, uint32_t *id)
{
	return dml_rt_reserve_locked(&to_rs(ts)->tree, id, 1, DML_TOKEN_MAX);
}

/* Reserved ids are this socket's alone: DONTNEED skips them. */
static void ids_commit(struct dml_token_sock *ts, uint32_t id, void *niov)
{
	DML_WARN_ON(ts->warnings, !dml_rt_commit_locked(&to_rs(ts)->tree, id, niov));
}

static void ids_unreserve(struct dml_token_sock *ts, uint32_t id)
{
	DML_WARN_ON(ts->warnings, !dml_rt_unreserve_locked(&to_rs(ts)->tree, id));
}

/* DONTNEED is rcu_release()'s own: no erase under the lock. */
static const struct dml_id_table_ops rcu_ids = {
	.lock = round_begin,
	.unlock = round_end,
	.reserve = ids_reserve,
	.commit = ids_commit,
	.unreserve = ids_unreserve,
};

DML_XA_POOL_RECV(rcu, rcu_ids)

/*
 * Lock-free.  The page-pool reference is dropped inside the read-side
 * section: a section may block in userspace RCU, and a long one only
 * delays the freeing of unlinked nodes, never a writer.
 */
static int rcu_release(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
		       unsigned int nr_tokens)
{
	struct rcu_sock *rs = to_rs(ts);
	unsigned int i, frags = 0;
	int released = 0;
	uint32_t j;

	dml_urcu_read_lock();
	for (i = 0; i < nr_tokens; i++) {
		for (j = 0; j < tokens[i].token_count; j++) {
			struct dml_net_iov *niov;

			if (++frags > DML_MAX_DONTNEED_FRAGS)
				goto out_unlock;
			/* u32 wrap of start + j lands on some id: harmless. */
			niov = dml_rt_claim(&rs->tree, tokens[i].token_start + j);
			if (!niov)
				continue;
			DML_WARN_ON(ts->warnings, !dml_netmem_put(&niov->nm));
			released++;
		}
	}
out_unlock:
	dml_urcu_read_unlock();
	return released;
}

struct count_refs_arg {
	const struct dml_binding *binding;
	uint32_t *refs;
};

static void count_ref(void *entry, void *arg)
{
	struct count_refs_arg *c = arg;

	dml_count_ref(c->binding, c->refs, entry);
}

/* Read-only: no drain, so the checker changes nothing it checks. */
static void rcu_count_refs(struct dml_token_sock *ts,
			   const struct dml_binding *binding, uint32_t *refs)
{
	struct rcu_sock *rs = to_rs(ts);
	struct count_refs_arg c = { .binding = binding, .refs = refs };

	pthread_spin_lock(&rs->lock);
	rs->lock_rounds++;
	dml_rt_for_each_locked(&rs->tree, count_ref, &c);
	pthread_spin_unlock(&rs->lock);
}

/* After a drain, so the nodes counted are those the tokens held need. */
static size_t rcu_state_bytes(struct dml_token_sock *ts)
{
	struct rcu_sock *rs = to_rs(ts);
	size_t nodes;

	round_begin(ts);
	nodes = dml_rt_node_count_locked(&rs->tree);
	round_end(ts);
	return sizeof(*rs) + nodes * dml_rt_node_bytes();
}

/* Read without counting itself. */
static unsigned long rcu_lock_rounds(struct dml_token_sock *ts)
{
	struct rcu_sock *rs = to_rs(ts);
	unsigned long rounds;

	pthread_spin_lock(&rs->lock);
	rounds = rs->lock_rounds;
	pthread_spin_unlock(&rs->lock);
	return rounds;
}

const struct dml_token_ops dml_token_rcu_ops = {
	.info = {
		.name = "rcu",
		.autorelease = 1,
		.summary = "per-socket radix tree, lock-free DONTNEED under RCU",
	},
	.sock_create = rcu_sock_create,
	.sock_destroy = rcu_sock_destroy,
	.assign = rcu_assign,
	.flush = rcu_flush,
	.release = rcu_release,
	.state_bytes = rcu_state_bytes,
	.count_refs = rcu_count_refs,
	.lock_rounds = rcu_lock_rounds,
};
