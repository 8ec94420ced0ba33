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
#include "warn.h"

#define MAX_SKB_FRAGS	17
#define PUT_BATCH	16

struct kxarray_sock {
	struct dml_token_sock ts;
	/* sk_user_frags: token -> net_iov, with its own xa_lock */
	struct xarray frags;
	/*
	 * tcp_xa_pool: ids reserved for the skb being read.  Only the holder
	 * of the socket lock (recvmsg) touches it.
	 */
	unsigned int max;
	unsigned int idx;
	u32 tokens[MAX_SKB_FRAGS];
	struct dml_net_iov *niovs[MAX_SKB_FRAGS];
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
	ks->ts.warnings = warnings;
	xa_init_flags(&ks->frags, XA_FLAGS_ALLOC1);
	return &ks->ts;
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

/* tcp_xa_pool_commit_locked(): xa_lock held. */
static void pool_commit_locked(struct kxarray_sock *ks)
{
	unsigned int i;

	for (i = 0; i < ks->idx; i++)
		__xa_cmpxchg(&ks->frags, ks->tokens[i], XA_ZERO_ENTRY,
			     ks->niovs[i], GFP_KERNEL);
	for (; i < ks->max; i++)
		__xa_erase(&ks->frags, ks->tokens[i]);
	ks->max = 0;
	ks->idx = 0;
}

/* tcp_xa_pool_refill(): the skb's one lock round. */
static int pool_refill_slow(struct kxarray_sock *ks, unsigned int frags_left)
{
	unsigned int k, want = frags_left < MAX_SKB_FRAGS ? frags_left : MAX_SKB_FRAGS;
	int err = 0;

	xa_lock_bh(&ks->frags);
	pool_commit_locked(ks);
	for (k = 0; k < want; k++) {
		err = __xa_alloc(&ks->frags, &ks->tokens[k], XA_ZERO_ENTRY,
				 xa_limit_31b, GFP_KERNEL);
		if (err)
			break;
	}
	xa_unlock_bh(&ks->frags);
	ks->max = k;
	ks->idx = 0;
	return k ? 0 : err;
}

static int kxarray_next_token(struct dml_token_sock *ts, struct dml_binding *binding,
			      struct dml_net_iov *niov, unsigned int frags_left,
			      uint32_t *token)
{
	struct kxarray_sock *ks = to_ks(ts);
	int err;

	(void)binding;
	(void)niov;
	if (ks->idx >= ks->max) {
		err = pool_refill_slow(ks, frags_left);
		if (err)
			return err;
	}
	*token = ks->tokens[ks->idx];
	return 0;
}

static void kxarray_take(struct dml_token_sock *ts, struct dml_binding *binding,
			 struct dml_net_iov *niov)
{
	struct kxarray_sock *ks = to_ks(ts);

	(void)binding;
	/* The token's own page-pool reference, dropped by DONTNEED or close. */
	dml_netmem_get(&niov->nm);
	ks->niovs[ks->idx++] = niov;
}

/* tcp_xa_pool_commit(): the end of the skb, or of the call. */
static void kxarray_flush(struct dml_token_sock *ts)
{
	struct kxarray_sock *ks = to_ks(ts);

	if (!ks->max)
		return;
	xa_lock_bh(&ks->frags);
	pool_commit_locked(ks);
	xa_unlock_bh(&ks->frags);
}

static void put_batch(_Atomic unsigned long *warnings, struct dml_net_iov **batch,
		      unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		DML_WARN_ON(warnings, !dml_netmem_put(&batch[k]->nm));
}

/* __xa_erase() of a committed token only; a reservation stays. */
static struct dml_net_iov *erase_token_locked(struct xarray *xa, u32 token)
{
	XA_STATE(xas, xa, token);
	void *entry = xas_load(&xas);

	if (!entry || xa_is_zero(entry))
		return NULL;
	xas_store(&xas, NULL);
	return entry;
}

/* sock_devmem_dontneed() in the xarray mode. */
static int kxarray_release(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
			   unsigned int nr_tokens)
{
	struct kxarray_sock *ks = to_ks(ts);
	struct dml_net_iov *batch[PUT_BATCH];
	unsigned int i, n = 0, frags = 0;
	int released = 0;
	u32 j;

	xa_lock_bh(&ks->frags);
	for (i = 0; i < nr_tokens; i++) {
		for (j = 0; j < tokens[i].token_count; j++) {
			struct dml_net_iov *niov;

			if (++frags > DML_MAX_DONTNEED_FRAGS)
				goto out_unlock;
			niov = erase_token_locked(&ks->frags, tokens[i].token_start + j);
			if (!niov)
				continue;
			batch[n++] = niov;
			if (n == PUT_BATCH) {
				xa_unlock_bh(&ks->frags);
				put_batch(ts->warnings, batch, n);
				n = 0;
				xa_lock_bh(&ks->frags);
			}
			released++;
		}
	}
out_unlock:
	xa_unlock_bh(&ks->frags);
	put_batch(ts->warnings, batch, n);
	return released;
}

static void kxarray_count_refs(struct dml_token_sock *ts,
			       const struct dml_binding *binding, uint32_t *refs)
{
	struct kxarray_sock *ks = to_ks(ts);
	struct dml_net_iov *niov;
	unsigned long index;

	xa_lock_bh(&ks->frags);
	xa_for_each(&ks->frags, index, niov) {
		if (niov >= binding->vec && niov < binding->vec + binding->nr_niovs)
			refs[niov - binding->vec]++;
	}
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
	.next_token = kxarray_next_token,
	.take = kxarray_take,
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
