// SPDX-License-Identifier: MIT
/*
 * `xarray` (autorelease = 1, upstream): a per-socket xarray maps token ids to
 * net_iovs.  As in tcp_recvmsg_dmabuf(), ids are reserved as placeholders in
 * one lock round per skb (up to 17), committed with a cmpxchg in a second
 * round, and DONTNEED erases under the lock, dropping page-pool references
 * outside it 16 at a time (S-4.4, S-5.3, S-6.1).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "mem/binding.h"
#include "tokens.h"
#include "warn.h"
#include "xa_pool.h"
#include "xarray.h"

struct xarray_sock {
	struct dml_pool_sock ps;
	/* xa_lock: protects @xa; DONTNEED takes it without the socket lock. */
	pthread_spinlock_t lock;
	struct dml_xarray xa;
	/* Times @lock was taken (S-4.4 tests: one reservation round per skb). */
	unsigned long lock_rounds;
};

static struct xarray_sock *to_xs(struct dml_token_sock *ts)
{
	return (struct xarray_sock *)ts;
}

static void xa_lock(struct dml_token_sock *ts)
{
	pthread_spin_lock(&to_xs(ts)->lock);
	to_xs(ts)->lock_rounds++;
}

static void xa_unlock(struct dml_token_sock *ts)
{
	pthread_spin_unlock(&to_xs(ts)->lock);
}

static struct dml_token_sock *xarray_sock_create(_Atomic unsigned long *warnings)
{
	struct xarray_sock *xs = calloc(1, sizeof(*xs));

	if (!xs)
		return NULL;
	xs->ps.ts.warnings = warnings;
	pthread_spin_init(&xs->lock, PTHREAD_PROCESS_PRIVATE);
	dml_xa_init(&xs->xa);
	return &xs->ps.ts;
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
	uint32_t index;

	dml_xa_for_each(&xs->xa, index, niov, DML_TOKEN_MAX)
		DML_WARN_ON(ts->warnings, !dml_netmem_put(&niov->nm));
	dml_xa_destroy(&xs->xa);
	pthread_spin_destroy(&xs->lock);
	free(xs);
}

static int ids_reserve(struct dml_token_sock *ts, uint32_t *id)
{
	return dml_xa_alloc(&to_xs(ts)->xa, id, DML_XA_ZERO_ENTRY, 1, DML_TOKEN_MAX);
}

static void ids_commit(struct dml_token_sock *ts, uint32_t id, void *niov)
{
	dml_xa_cmpxchg(&to_xs(ts)->xa, id, DML_XA_ZERO_ENTRY, niov);
}

static void ids_unreserve(struct dml_token_sock *ts, uint32_t id)
{
	dml_xa_erase(&to_xs(ts)->xa, id);
}

static void *ids_erase(struct dml_token_sock *ts, uint32_t id)
{
	return dml_xa_erase_present(&to_xs(ts)->xa, id);
}

static const struct dml_id_table_ops xarray_ids = {
	.lock = xa_lock,
	.unlock = xa_unlock,
	.reserve = ids_reserve,
	.commit = ids_commit,
	.unreserve = ids_unreserve,
	.erase = ids_erase,
};

DML_XA_POOL_RECV(xarray, xarray_ids)
DML_XA_POOL_RELEASE(xarray, xarray_ids)

static void xarray_count_refs(struct dml_token_sock *ts,
			      const struct dml_binding *binding, uint32_t *refs)
{
	struct xarray_sock *xs = to_xs(ts);
	struct dml_net_iov *niov;
	uint32_t index;

	xa_lock(ts);
	dml_xa_for_each(&xs->xa, index, niov, DML_TOKEN_MAX)
		dml_count_ref(binding, refs, niov);
	xa_unlock(ts);
}

static size_t xarray_state_bytes(struct dml_token_sock *ts)
{
	struct xarray_sock *xs = to_xs(ts);
	size_t nodes;

	xa_lock(ts);
	nodes = dml_xa_node_count(&xs->xa);
	xa_unlock(ts);
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
	.assign = xarray_assign,
	.flush = xarray_flush,
	.release = xarray_release,
	.state_bytes = xarray_state_bytes,
	.count_refs = xarray_count_refs,
	.lock_rounds = xarray_lock_rounds,
};
