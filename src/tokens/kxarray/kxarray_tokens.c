// SPDX-License-Identifier: MIT
/*
 * `kxarray` (autorelease = 1, the kernel's own code): the per-socket
 * sk_user_frags xarray of Linux 6.12, whose lib/xarray.c is compiled
 * unmodified from the linux-source-6.12 package beside this file, driven
 * the way tcp_recvmsg_dmabuf(), sock_devmem_dontneed() and
 * tcp_v4_destroy_sock() drive it (S-4.4, S-5.3, S-6.1):
 * - XA_FLAGS_ALLOC1: ids from 1, lowest free first, up to xa_limit_31b;
 * - per skb one xa_lock_bh round commits the previous skb's reservations
 *   with __xa_cmpxchg (unused ones erased) and reserves up to 17 ids with
 *   __xa_alloc of XA_ZERO_ENTRY; the end of recvmsg commits what is left;
 * - DONTNEED erases under the lock and drops it every 16 tokens to put the
 *   page-pool references outside it;
 * - close puts every token with xa_for_each, then xa_destroy frees the tree.
 * One departure, the same as `xarray`'s (docs/deviations.md): DONTNEED
 * leaves a reserved id alone instead of erasing it, which in the kernel
 * makes the commit fail and leaks the frag's page-pool reference.  It loads
 * the slot and stores NULL only over a real token: __xa_erase()'s own two
 * steps, with a test between them.
 *
 * This file links against GPL-2.0 code: it is built into the kxarray
 * plugin, never into the MIT library (README, "Licences").
 */
#include <stdlib.h>

#include <linux/xarray.h>

#include "kx_shim.h"
#include "mem/binding.h"
#include "tokens/tokens.h"
#include "tokens/xa_pool.h"
#include "warn.h"

struct kxarray_sock {
	struct dml_pool_sock ps;	/* its pool is tcp_xa_pool */
	/* sk_user_frags: token -> net_iov, with its own xa_lock */
	struct xarray frags;
};

static struct kxarray_sock *to_ks(struct dml_token_sock *ts)
{
	return (struct kxarray_sock *)ts;
}

static struct dml_token_sock *kxarray_sock_create(_Atomic unsigned long *warnings)
{
	struct kxarray_sock *ks = calloc(1, sizeof(*ks));

	if (!ks)
		return NULL;
	ks->ps.ts.warnings = warnings;
	xa_init_flags(&ks->frags, XA_FLAGS_ALLOC1);
	return &ks->ps.ts;
}

/* S-6.1: tcp_release_user_frags() and xa_destroy() of the closing socket. */
static void kxarray_sock_destroy(struct dml_token_sock *ts)
{
	struct kxarray_sock *ks = to_ks(ts);
	struct dml_net_iov *niov;
	unsigned long index;

	xa_for_each(&ks->frags, index, niov)
		DML_WARN_ON(ts->warnings, !dml_netmem_put(&niov->nm));
	xa_destroy(&ks->frags);
	DML_WARN_ON(ts->warnings, kx_take_warnings());
	free(ks);
}

static void ids_lock(struct dml_token_sock *ts)
{
	xa_lock_bh(&to_ks(ts)->frags);
}

static void ids_unlock(struct dml_token_sock *ts)
{
	xa_unlock_bh(&to_ks(ts)->frags);
}

static int ids_reserve(struct dml_token_sock *ts, uint32_t *id)
{
	return __xa_alloc(&to_ks(ts)->frags, id, XA_ZERO_ENTRY, xa_limit_31b,
			  GFP_KERNEL);
}

/* tcp_xa_pool_commit_locked() */
static void ids_commit(struct dml_token_sock *ts, uint32_t id, void *niov)
{
	__xa_cmpxchg(&to_ks(ts)->frags, id, XA_ZERO_ENTRY, niov, GFP_KERNEL);
}

static void ids_unreserve(struct dml_token_sock *ts, uint32_t id)
{
	__xa_erase(&to_ks(ts)->frags, id);
}

/*
 * __xa_erase() of a committed token only; a reservation stays.  Inlined
 * into the DONTNEED loop, where the kernel's __xa_erase() sits.
 */
static __always_inline void *ids_erase(struct dml_token_sock *ts, uint32_t id)
{
	XA_STATE(xas, &to_ks(ts)->frags, id);
	void *entry = xas_load(&xas);

	if (!entry || xa_is_zero(entry))
		return NULL;
	xas_store(&xas, NULL);
	return entry;
}

static const struct dml_id_table_ops kxarray_ids = {
	.lock = ids_lock,
	.unlock = ids_unlock,
	.reserve = ids_reserve,
	.commit = ids_commit,
	.unreserve = ids_unreserve,
	.erase = ids_erase,
};

/*
 * tcp_xa_pool_refill() when the pool is used up, tcp_xa_pool_commit() at the
 * end of the skb, and sock_devmem_dontneed() in the xarray mode.
 */
DML_XA_POOL_RECV(kxarray, kxarray_ids)
DML_XA_POOL_RELEASE(kxarray, kxarray_ids)

static void kxarray_count_refs(struct dml_token_sock *ts,
			       const struct dml_binding *binding, uint32_t *refs)
{
	struct kxarray_sock *ks = to_ks(ts);
	struct dml_net_iov *niov;
	unsigned long index;

	xa_lock_bh(&ks->frags);
	xa_for_each(&ks->frags, index, niov)
		dml_count_ref(binding, refs, niov);
	xa_unlock_bh(&ks->frags);
}

/* Nodes under @entry, the tree's head or a slot of a node; xa_lock held. */
static size_t count_nodes_locked(const struct xarray *xa, void *entry)
{
	struct xa_node *node;
	size_t nodes = 1;
	unsigned int i;

	if (!xa_is_node(entry))
		return 0;
	node = xa_to_node(entry);
	if (node->shift)
		for (i = 0; i < XA_CHUNK_SIZE; i++)
			nodes += count_nodes_locked(xa, xa_entry_locked(xa, node, i));
	return nodes;
}

static size_t kxarray_state_bytes(struct dml_token_sock *ts)
{
	struct kxarray_sock *ks = to_ks(ts);
	size_t nodes;

	xa_lock_bh(&ks->frags);
	nodes = count_nodes_locked(&ks->frags, xa_head_locked(&ks->frags));
	xa_unlock_bh(&ks->frags);
	return sizeof(*ks) + nodes * sizeof(struct xa_node);
}

static const struct dml_token_ops kxarray_ops = {
	.info = {
		.name = "kxarray",
		.autorelease = 1,
		.summary = "Linux 6.12 lib/xarray.c, unmodified, driven as tcp.c does (baseline)",
	},
	.sock_create = kxarray_sock_create,
	.sock_destroy = kxarray_sock_destroy,
	.assign = kxarray_assign,
	.flush = kxarray_flush,
	.release = kxarray_release,
	.state_bytes = kxarray_state_bytes,
	.count_refs = kxarray_count_refs,
};

/* The plugin joins the design table before main(), as a module would. */
__attribute__((constructor)) static void kxarray_register(void)
{
	if (dml_token_design_register(&kxarray_ops))
		abort();
}
