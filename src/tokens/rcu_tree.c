// SPDX-License-Identifier: MIT
/*
 * The allocating radix tree of xa_tree.h, the core xarray.c uses, in a
 * flavour whose entries are claimed under RCU with no lock (see
 * rcu_tree.h).  What the flavour adds, and why:
 *
 * - A node carries claim bookkeeping after the kernel's fields: a leaf's
 *   pending word and its link on the tree's dirty stack.
 * - A node's shift never changes once it is linked: claimers read it with
 *   no lock.  Every other plain field (offset, count, parent, marks) is the
 *   writers' alone.  The core already publishes nodes and entries with
 *   release stores, as the kernel's rcu_assign_pointer(), so a claimer that
 *   follows a pointer with an acquire load sees what it points at.
 * - A node's count includes claimed slots until the drain frees their ids,
 *   so a leaf cannot be unlinked while a claimer still has to record its
 *   claim in it.
 * - An unlinked node is not handed to call_rcu under the lock, as the
 *   xarray flavour does: it goes on the tree's unlinked list and to
 *   call_rcu once the writer has dropped its lock, since call_rcu may
 *   register the thread or start liburcu's worker.
 */
#include <pthread.h>
#include <stdlib.h>

#include <urcu/urcu-memb.h>

#include "tokens/fault.h"
#include "tokens/rcu_tree.h"
#include "tokens/urcu_thread.h"

struct dml_rt_node {
	struct dml_xa_node xa;
	/* claimed slots whose ids the drain has not freed yet (leaves only) */
	_Atomic uint64_t pending;
	/* next on the tree's dirty stack, while pending is not 0 */
	_Atomic(struct dml_rt_node *) dirty_next;
};

#define XA_NODE_SIZE		sizeof(struct dml_rt_node)
#define XA_FAIL_NEXT_ALLOC	dml_rt_fail_next_alloc
#include "tokens/xa_tree.h"

static inline struct dml_rcu_tree *to_rt(struct dml_xarray *xa)
{
	return (struct dml_rcu_tree *)((char *)xa -
				       offsetof(struct dml_rcu_tree, xa));
}

/*
 * The node leaves the tree; claimers may still be inside it until their
 * sections end, so it waits on the unlinked list for the end of the round.
 */
static void xa_flavour_node_free(struct xa_state *xas,
				 struct dml_xa_node *node)
{
	struct dml_rcu_tree *rt = to_rt(xas->xa);

	node->next_unlinked = rt->unlinked;
	rt->unlinked = node;
}

void dml_rt_free_unlinked(struct dml_xa_node *list)
{
	if (!list)
		return;
	dml_urcu_thread_online();
	while (list) {
		struct dml_xa_node *next = list->next_unlinked;

		/* After this thread's last touch of the node. */
		dml_urcu_tsan_release();
		urcu_memb_call_rcu(&list->rcu, xa_node_rcu_free);
		list = next;
	}
}

void dml_rt_init(struct dml_rcu_tree *rt)
{
	dml_xa_init(&rt->xa);
	atomic_init(&rt->dirty, NULL);
	rt->unlinked = NULL;
}

/* xarray.c's alloc, of a zero entry. */
int dml_rt_reserve_locked(struct dml_rcu_tree *rt, uint32_t *id, uint32_t min,
			  uint32_t max)
{
	return xa_alloc_entry(&rt->xa, id, DML_XA_ZERO_ENTRY, min, max);
}

/* Walks to a reserved @id; false if it is not reserved. */
static bool xas_load_reserved(struct xa_state *xas)
{
	return xas->index && xas_load(xas) == DML_XA_ZERO_ENTRY &&
	       !xas_not_node(xas->node);
}

bool dml_rt_commit_locked(struct dml_rcu_tree *rt, uint32_t id, void *entry)
{
	XA_STATE(xas, &rt->xa, id);

	if (!entry || dml_xa_is_internal(entry) || !xas_load_reserved(&xas))
		return false;
	slot_assign(&xas.node->slots[xas.offset], entry);
	return true;
}

bool dml_rt_unreserve_locked(struct dml_rcu_tree *rt, uint32_t id)
{
	XA_STATE(xas, &rt->xa, id);

	if (!xas_load_reserved(&xas))
		return false;
	xas_store(&xas, NULL);
	return true;
}

/*
 * Records a claim at @offset of @node for the next drain.  The first claim
 * in a node pushes it on the dirty stack; later ones find it there.  The
 * node cannot go before the drain sees the bit: the claimed slot keeps its
 * count above 0.
 */
static void rt_mark_pending(struct dml_rcu_tree *rt, struct dml_rt_node *node,
			    unsigned int offset)
{
	struct dml_rt_node *top;

	/* Release: the drain that takes the bit sees the slot already NULL. */
	if (atomic_fetch_or_explicit(&node->pending, (uint64_t)1 << offset,
				     memory_order_release))
		return;
	top = atomic_load_explicit(&rt->dirty, memory_order_relaxed);
	do
		atomic_store_explicit(&node->dirty_next, top, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&rt->dirty, &top, node,
						      memory_order_release,
						      memory_order_relaxed));
}

void *dml_rt_claim(struct dml_rcu_tree *rt, uint32_t id)
{
	void *entry = atomic_load_explicit(&rt->xa.head, memory_order_acquire);
	struct dml_xa_node *node;
	unsigned int offset;

	if (!id || !dml_xa_is_node(entry))
		return NULL;
	node = dml_xa_to_node(entry);
	if (((uint64_t)id >> node->shift) > DML_XA_CHUNK_MASK)
		return NULL;
	for (;;) {
		offset = get_offset(id, node);
		entry = atomic_load_explicit(&node->slots[offset],
					     memory_order_acquire);
		if (!node->shift)
			break;
		if (!dml_xa_is_node(entry))
			return NULL;
		node = dml_xa_to_node(entry);
	}
	/* Free, reserved (not handed out yet), claimed already, or retry. */
	if (!entry || dml_xa_is_internal(entry))
		return NULL;
	/*
	 * One winner per entry.  Losing means another claim took it (the slot
	 * is NULL, or was re-reserved since): the id was not held at that
	 * moment, which is a valid order for the two calls.
	 */
	if (!atomic_compare_exchange_strong_explicit(&node->slots[offset], &entry,
						     NULL, memory_order_acquire,
						     memory_order_relaxed))
		return NULL;
	rt_mark_pending(rt, (struct dml_rt_node *)node, offset);
	return entry;
}

void dml_rt_drain_locked(struct dml_rcu_tree *rt)
{
	struct dml_rt_node *node;

	if (!atomic_load_explicit(&rt->dirty, memory_order_relaxed))
		return;
	node = atomic_exchange_explicit(&rt->dirty, NULL, memory_order_acquire);
	while (node) {
		struct dml_rt_node *next;
		uint64_t bits;

		/*
		 * Read the link before taking the bits: a claim after that
		 * finds pending at 0 and pushes the node again, rewriting it.
		 */
		next = atomic_load_explicit(&node->dirty_next,
					    memory_order_relaxed);
		bits = atomic_exchange_explicit(&node->pending, 0,
						memory_order_acq_rel);

		while (bits) {
			struct xa_state xas = {
				.xa = &rt->xa,
				.node = &node->xa,
				.offset = (unsigned int)__builtin_ctzll(bits),
			};

			bits &= bits - 1;
			/* The core's erase, minus the store: the slot is NULL. */
			xas_init_marks(&xas);
			update_node(&xas, &node->xa, -1);
		}
		node = next;
	}
}

struct dml_xa_node *dml_rt_unlinked_locked(struct dml_rcu_tree *rt)
{
	struct dml_xa_node *list = rt->unlinked;

	rt->unlinked = NULL;
	return list;
}

struct rt_each {
	void (*fn)(void *entry, void *arg);
	void *arg;
};

static void rt_each_node(struct dml_xa_node *node, void *arg)
{
	struct rt_each *each = arg;
	unsigned int i;

	for (i = 0; !node->shift && i < DML_XA_CHUNK_SIZE; i++) {
		void *entry = xa_entry(node, i);

		if (entry && !dml_xa_is_internal(entry))
			each->fn(entry, each->arg);
	}
}

void dml_rt_for_each_locked(struct dml_rcu_tree *rt,
			    void (*fn)(void *entry, void *arg), void *arg)
{
	struct rt_each each = { .fn = fn, .arg = arg };
	void *head = xa_head(&rt->xa);

	if (dml_xa_is_node(head))
		xa_walk_nodes(dml_xa_to_node(head), rt_each_node, &each);
}

static void rt_free_list(struct dml_xa_node *list)
{
	while (list) {
		struct dml_xa_node *next = list->next_unlinked;

		free(list);
		list = next;
	}
}

/*
 * The entries first, then xa_destroy()'s walk; no claimer can reach the
 * nodes it unlinks, so they are freed without a grace period.
 */
void dml_rt_destroy(struct dml_rcu_tree *rt, void (*fn)(void *entry, void *arg),
		    void *arg)
{
	if (fn)
		dml_rt_for_each_locked(rt, fn, arg);
	rt_free_list(dml_rt_unlinked_locked(rt));
	atomic_store_explicit(&rt->dirty, NULL, memory_order_relaxed);
	xa_destroy_tree(&rt->xa);
	rt_free_list(dml_rt_unlinked_locked(rt));
}

size_t dml_rt_node_count_locked(struct dml_rcu_tree *rt)
{
	return dml_xa_node_count(&rt->xa);
}

size_t dml_rt_node_bytes(void)
{
	return sizeof(struct dml_rt_node);
}
