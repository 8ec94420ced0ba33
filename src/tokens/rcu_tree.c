// SPDX-License-Identifier: MIT
/*
 * The allocating radix tree of xarray.c, adapted so that claims run under
 * RCU with no lock (see rcu_tree.h).  Functions keep xarray.c's names so the
 * two files read side by side; what changed, and why:
 *
 * - Slots and the head are atomics.  A writer publishes a node or a
 *   net_iov with a release store, so a claimer that follows the pointer
 *   sees it initialised; every other store is relaxed because claimers
 *   never dereference what it stores (NULL, the zero entry).  Writers read
 *   relaxed: the lock orders them, and claimers only ever turn a committed
 *   leaf slot into NULL, which no writer step depends on.
 * - A node's shift never changes once it is linked: claimers read it with
 *   no lock.  Every other plain field (offset, count, parent, free marks)
 *   is the writers' alone.
 * - A node's count includes claimed slots until the drain frees their ids,
 *   so a leaf cannot be unlinked while a claimer still has to record its
 *   claim in it.
 * - An unlinked node is not freed: it goes on the tree's unlinked list and,
 *   once the writer has dropped its lock, to call_rcu.  A claimer that read
 *   the pointer before the unlink walks on through memory that stays valid,
 *   and finds nothing to claim there (an unlinked node is empty, or a
 *   folded top whose slot 0 still leads to the live tree).
 * - No xas_find(): walks visit whole nodes instead (close, checker).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <urcu/urcu-memb.h>

#include "tokens/rcu_tree.h"
#include "tokens/urcu_thread.h"
#include "tokens/xarray.h"

unsigned int dml_rt_fail_next_alloc;

struct dml_rt_node {
	unsigned char shift;	/* set before the node is linked, then fixed */
	unsigned char offset;	/* slot in the parent */
	/* slots that are not NULL, plus claimed slots not yet drained */
	unsigned char count;
	union {
		struct dml_rt_node *parent;	   /* linked: NULL at the top */
		struct dml_rt_node *next_unlinked; /* waiting for call_rcu */
	};
	_Atomic(void *) slots[DML_XA_CHUNK_SIZE];
	/* XA_FREE_MARK, bit set = slot free (as xarray.h) */
	uint64_t free;
	/* claimed slots whose ids the drain has not freed yet (leaves only) */
	_Atomic uint64_t pending;
	/* next on the tree's dirty stack, while pending is not 0 */
	_Atomic(struct dml_rt_node *) dirty_next;
	struct rcu_head rcu;
};

void dml_rt_read_lock(void)
{
	dml_urcu_thread_online();
	urcu_memb_read_lock();
}

void dml_rt_read_unlock(void)
{
	dml_urcu_tsan_release();
	urcu_memb_read_unlock();
}

static void rt_node_free_rcu(struct rcu_head *head)
{
	struct dml_rt_node *node = (struct dml_rt_node *)
		((char *)head - offsetof(struct dml_rt_node, rcu));

	dml_urcu_tsan_acquire();
	free(node);
}

void dml_rt_free_unlinked(struct dml_rt_node *list)
{
	if (!list)
		return;
	dml_urcu_thread_online();
	while (list) {
		struct dml_rt_node *next = list->next_unlinked;

		/* After this thread's last touch of the node. */
		dml_urcu_tsan_release();
		urcu_memb_call_rcu(&list->rcu, rt_node_free_rcu);
		list = next;
	}
}

/* ---- the tree, as xarray.c ---------------------------------------------- */

#define XAS_BOUNDS	((struct dml_rt_node *)dml_xa_mk_internal(1))
#define XAS_RESTART	((struct dml_rt_node *)dml_xa_mk_internal(3))
#define XAS_NOMEM	((struct dml_rt_node *)DML_XA_ERROR(-ENOMEM))

#define XA_FREE_ALL	(~(uint64_t)0)

struct rt_state {
	struct dml_rcu_tree *rt;
	uint64_t index;
	struct dml_rt_node *node;
	unsigned int offset;
};

#define RT_STATE(name, tree, idx)					\
	struct rt_state name = {					\
		.rt = (tree), .index = (idx), .node = XAS_RESTART,	\
	}

static inline struct dml_rt_node *rt_to_node(const void *entry)
{
	return (struct dml_rt_node *)((uintptr_t)entry - 2);
}

static inline void *xa_mk_node(const struct dml_rt_node *node)
{
	return (void *)((uintptr_t)node | 2);
}

static inline void *slot_get(struct dml_rt_node *node, unsigned int offset)
{
	return atomic_load_explicit(&node->slots[offset], memory_order_relaxed);
}

/* For NULL and the zero entry, which claimers never dereference. */
static inline void slot_set(struct dml_rt_node *node, unsigned int offset,
			    void *entry)
{
	atomic_store_explicit(&node->slots[offset], entry, memory_order_relaxed);
}

/* For a node or a net_iov: a claimer that follows it sees it initialised. */
static inline void slot_publish(_Atomic(void *) *slot, void *entry)
{
	atomic_store_explicit(slot, entry, memory_order_release);
}

static inline void *head_get(struct dml_rcu_tree *rt)
{
	return atomic_load_explicit(&rt->head, memory_order_relaxed);
}

static inline bool xas_invalid(const struct rt_state *xas)
{
	return dml_xa_is_internal(xas->node);
}

static inline bool xas_top(const struct dml_rt_node *node)
{
	return (uintptr_t)node <= (uintptr_t)XAS_RESTART;
}

static inline bool xas_not_node(const struct dml_rt_node *node)
{
	return !node || dml_xa_is_internal(node);
}

static inline unsigned int get_offset(uint64_t index,
				      const struct dml_rt_node *node)
{
	return (unsigned int)(index >> node->shift) & DML_XA_CHUNK_MASK;
}

static inline void xas_move_index(struct rt_state *xas, unsigned int offset)
{
	unsigned int shift = xas->node->shift;

	xas->index &= ~(uint64_t)DML_XA_CHUNK_MASK << shift;
	xas->index += (uint64_t)offset << shift;
}

static inline uint64_t max_index(const void *entry)
{
	if (!dml_xa_is_node(entry))
		return 0;
	return ((uint64_t)DML_XA_CHUNK_SIZE << rt_to_node(entry)->shift) - 1;
}

/* Zeroed, as xarray.c's: NULL slots, no pending claim. */
static struct dml_rt_node *xa_node_alloc(void)
{
	if (dml_rt_fail_next_alloc && --dml_rt_fail_next_alloc == 0)
		return NULL;
	return calloc(1, sizeof(struct dml_rt_node));
}

/*
 * The node leaves the tree; claimers may still be inside it until their
 * sections end, so it waits on the unlinked list for the end of the round.
 */
static void rt_node_unlink(struct dml_rcu_tree *rt, struct dml_rt_node *node)
{
	node->next_unlinked = rt->unlinked;
	rt->unlinked = node;
}

static void *xas_descend(struct rt_state *xas, struct dml_rt_node *node)
{
	unsigned int offset = get_offset(xas->index, node);

	xas->node = node;
	xas->offset = offset;
	return slot_get(node, offset);
}

static void *xas_start(struct rt_state *xas)
{
	void *entry;

	if (xas->node && !xas_invalid(xas))
		return slot_get(xas->node, xas->offset);

	entry = head_get(xas->rt);
	if (!dml_xa_is_node(entry)) {
		if (xas->index) {
			xas->node = XAS_BOUNDS;
			return NULL;
		}
	} else if ((xas->index >> rt_to_node(entry)->shift) > DML_XA_CHUNK_MASK) {
		xas->node = XAS_BOUNDS;
		return NULL;
	}
	xas->node = NULL;
	return entry;
}

static void *xas_load(struct rt_state *xas)
{
	void *entry = xas_start(xas);

	while (dml_xa_is_node(entry)) {
		struct dml_rt_node *node = rt_to_node(entry);

		entry = xas_descend(xas, node);
		if (!node->shift)
			break;
	}
	return entry;
}

static void xas_set_free(const struct rt_state *xas)
{
	struct dml_rt_node *node = xas->node;
	unsigned int offset = xas->offset;

	while (node) {
		uint64_t bit = (uint64_t)1 << offset;

		if (node->free & bit)
			return;
		node->free |= bit;
		offset = node->offset;
		node = node->parent;
	}
	xas->rt->free_mark = true;
}

static void xas_clear_free(const struct rt_state *xas)
{
	struct dml_rt_node *node = xas->node;
	unsigned int offset = xas->offset;

	while (node) {
		uint64_t bit = (uint64_t)1 << offset;

		if (!(node->free & bit))
			return;
		node->free &= ~bit;
		if (node->free)
			return;
		offset = node->offset;
		node = node->parent;
	}
	xas->rt->free_mark = false;
}

static inline unsigned int xas_find_chunk(const struct rt_state *xas)
{
	uint64_t data = xas->node->free & (XA_FREE_ALL << xas->offset);

	if (!data)
		return DML_XA_CHUNK_SIZE;
	return (unsigned int)__builtin_ctzll(data);
}

/* The lowest free id at or above the cursor's index, as xarray.c. */
static void xas_find_free(struct rt_state *xas, uint64_t max)
{
	unsigned int offset;
	void *entry;

	if (xas->index > max)
		goto none;

	entry = head_get(xas->rt);
	xas->node = NULL;
	if (xas->index > max_index(entry))
		goto beyond;
	if (!dml_xa_is_node(entry)) {
		xas->index = 1;
		goto beyond;
	}
	xas->node = rt_to_node(entry);
	xas->offset = (unsigned int)(xas->index >> xas->node->shift);

	while (xas->index <= max) {
		if (xas->offset == DML_XA_CHUNK_SIZE) {
			xas->offset = xas->node->offset + 1U;
			xas->node = xas->node->parent;
			if (!xas->node)
				break;
			continue;
		}

		offset = xas_find_chunk(xas);
		if (offset > xas->offset) {
			xas_move_index(xas, offset);
			if (xas->index > max)
				goto none;
			xas->offset = offset;
			if (offset == DML_XA_CHUNK_SIZE)
				continue;
		}

		entry = slot_get(xas->node, xas->offset);
		if (!dml_xa_is_node(entry))
			return;
		xas->node = rt_to_node(entry);
		xas->offset = get_offset(xas->index, xas->node);
	}

beyond:
	if (xas->index > max)
		goto none;
	xas->node = XAS_BOUNDS;
	return;
none:
	xas->node = XAS_RESTART;
}

static struct dml_rt_node *xas_alloc(struct rt_state *xas, unsigned int shift)
{
	struct dml_rt_node *parent = xas->node;
	struct dml_rt_node *node = xa_node_alloc();

	if (!node)
		return NULL;
	if (parent) {
		node->offset = (unsigned char)xas->offset;
		parent->count++;
	}
	node->shift = (unsigned char)shift;
	node->parent = parent;
	return node;
}

/*
 * Folds the top node into its slot 0 while that is all it holds.  A
 * claimer still on the old top goes on through its slot 0, which keeps
 * pointing at the live tree until the node is freed.
 */
static void xas_shrink(struct rt_state *xas)
{
	struct dml_rcu_tree *rt = xas->rt;
	struct dml_rt_node *node = xas->node;

	for (;;) {
		void *entry;

		if (node->count != 1)
			break;
		entry = slot_get(node, 0);
		if (entry == DML_XA_ZERO_ENTRY)
			entry = NULL;
		xas->node = XAS_BOUNDS;

		slot_publish(&rt->head, entry);
		if (!(node->free & 1))
			rt->free_mark = false;
		rt_node_unlink(rt, node);
		if (!dml_xa_is_node(entry))
			break;
		node = rt_to_node(entry);
		node->parent = NULL;
	}
}

/*
 * Unlinks the cursor's node if it holds nothing, then each ancestor left
 * empty by that.  A count of 0 also means no claim is pending in the node:
 * claimed slots stay counted until drained.
 */
static void xas_delete_node(struct rt_state *xas)
{
	struct dml_rt_node *node = xas->node;

	while (!node->count) {
		struct dml_rt_node *parent = node->parent;

		xas->node = parent;
		xas->offset = node->offset;
		rt_node_unlink(xas->rt, node);

		slot_set(parent, xas->offset, NULL);
		parent->count--;
		node = parent;
	}

	if (!node->parent)
		xas_shrink(xas);
}

static void xas_undo_grow(struct rt_state *xas)
{
	void *head = head_get(xas->rt);

	if (xas->node) {
		xas_delete_node(xas);
	} else if (dml_xa_is_node(head)) {
		xas->node = rt_to_node(head);
		xas_shrink(xas);
	}
	xas->node = XAS_NOMEM;
}

static int xas_expand(struct rt_state *xas, void *head)
{
	struct dml_rcu_tree *rt = xas->rt;
	struct dml_rt_node *node = NULL;
	unsigned int shift = 0;

	if (dml_xa_is_node(head)) {
		node = rt_to_node(head);
		shift = node->shift + DML_XA_CHUNK_SHIFT;
	}
	xas->node = NULL;

	while (xas->index > max_index(head)) {
		node = xas_alloc(xas, shift);
		if (!node)
			return -ENOMEM;

		node->count = 1;
		slot_set(node, 0, head);	/* not linked yet */
		node->free = XA_FREE_ALL;
		if (!rt->free_mark) {
			node->free &= ~(uint64_t)1;
			rt->free_mark = true;
		}

		if (dml_xa_is_node(head)) {
			rt_to_node(head)->offset = 0;
			rt_to_node(head)->parent = node;
		}
		head = xa_mk_node(node);
		slot_publish(&rt->head, head);

		shift += DML_XA_CHUNK_SHIFT;
	}

	xas->node = node;
	return (int)shift;
}

static void *xas_create(struct rt_state *xas)
{
	struct dml_rcu_tree *rt = xas->rt;
	struct dml_rt_node *node = xas->node;
	_Atomic(void *) *slot;
	void *entry;
	int shift;

	if (xas_top(node)) {
		entry = head_get(rt);
		xas->node = NULL;
		if (!entry)
			entry = DML_XA_ZERO_ENTRY;
		shift = xas_expand(xas, entry);
		if (shift < 0)
			goto nomem;
		entry = head_get(rt);
		slot = &rt->head;
	} else {
		shift = node->shift;
		entry = slot_get(node, xas->offset);
		slot = &node->slots[xas->offset];
	}

	while (shift > 0) {
		shift -= DML_XA_CHUNK_SHIFT;
		if (!entry) {
			node = xas_alloc(xas, (unsigned int)shift);
			if (!node)
				goto nomem;
			node->free = XA_FREE_ALL;
			slot_publish(slot, xa_mk_node(node));
		} else {
			node = rt_to_node(entry);
		}
		entry = xas_descend(xas, node);
		slot = &node->slots[xas->offset];
	}
	return entry;

nomem:
	xas_undo_grow(xas);
	return NULL;
}

static void update_node(struct rt_state *xas, struct dml_rt_node *node,
			int count)
{
	if (!count)
		return;
	node->count = (unsigned char)(node->count + count);
	if (count < 0)
		xas_delete_node(xas);
}

/* Stores NULL or the zero entry at the cursor's index, as xarray.c. */
static void *xas_store(struct rt_state *xas, void *entry)
{
	struct dml_rt_node *node;
	void *first;

	if (entry)
		first = xas_create(xas);
	else
		first = xas_load(xas);

	if (xas_invalid(xas))
		return first;
	node = xas->node;
	if (first == entry)
		return first;

	if (!entry)
		xas_set_free(xas);
	slot_set(node, xas->offset, entry);
	update_node(xas, node, !first - !entry);
	return first;
}

void dml_rt_init(struct dml_rcu_tree *rt)
{
	atomic_init(&rt->head, NULL);
	atomic_init(&rt->dirty, NULL);
	rt->free_mark = false;
	rt->unlinked = NULL;
}

int dml_rt_reserve_locked(struct dml_rcu_tree *rt, uint32_t *id, uint32_t min,
			  uint32_t max)
{
	RT_STATE(xas, rt, min);

	xas_find_free(&xas, max);
	if (xas.node == XAS_RESTART)
		return -EBUSY;
	xas_store(&xas, DML_XA_ZERO_ENTRY);
	if (xas.node == XAS_NOMEM)
		return -ENOMEM;
	xas_clear_free(&xas);
	*id = (uint32_t)xas.index;
	return 0;
}

/* Walks to a reserved @id; false if it is not reserved. */
static bool xas_load_reserved(struct rt_state *xas)
{
	return xas->index && xas_load(xas) == DML_XA_ZERO_ENTRY &&
	       !xas_not_node(xas->node);
}

bool dml_rt_commit_locked(struct dml_rcu_tree *rt, uint32_t id, void *entry)
{
	RT_STATE(xas, rt, id);

	if (!entry || dml_xa_is_internal(entry) || !xas_load_reserved(&xas))
		return false;
	slot_publish(&xas.node->slots[xas.offset], entry);
	return true;
}

bool dml_rt_unreserve_locked(struct dml_rcu_tree *rt, uint32_t id)
{
	RT_STATE(xas, rt, id);

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
	void *entry = atomic_load_explicit(&rt->head, memory_order_acquire);
	struct dml_rt_node *node;
	unsigned int offset;

	if (!id || !dml_xa_is_node(entry))
		return NULL;
	node = rt_to_node(entry);
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
		node = rt_to_node(entry);
	}
	/* Free, reserved (not handed out yet) or claimed already. */
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
	rt_mark_pending(rt, node, offset);
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
			struct rt_state xas = {
				.rt = rt,
				.node = node,
				.offset = (unsigned int)__builtin_ctzll(bits),
			};

			bits &= bits - 1;
			/* xarray.c's erase, minus the store: the slot is NULL. */
			xas_set_free(&xas);
			update_node(&xas, node, -1);
		}
		node = next;
	}
}

struct dml_rt_node *dml_rt_unlinked_locked(struct dml_rcu_tree *rt)
{
	struct dml_rt_node *list = rt->unlinked;

	rt->unlinked = NULL;
	return list;
}

/*
 * Visits every node below and including @top, children before parents and
 * without recursion, handing each to @fn once the walk has left it (so @fn
 * may free it), as xarray.c.
 */
static void rt_walk_nodes(struct dml_rt_node *top,
			  void (*fn)(struct dml_rt_node *node, void *arg),
			  void *arg)
{
	struct dml_rt_node *node = top;
	unsigned int offset = 0;

	for (;;) {
		void *entry = slot_get(node, offset);

		if (node->shift && dml_xa_is_node(entry)) {
			node = rt_to_node(entry);
			offset = 0;
			continue;
		}
		offset++;
		while (offset == DML_XA_CHUNK_SIZE) {
			struct dml_rt_node *parent = node->parent;
			bool last = node == top;

			offset = node->offset + 1U;
			fn(node, arg);
			if (last)
				return;
			node = parent;
		}
	}
}

struct rt_each {
	void (*fn)(void *entry, void *arg);
	void *arg;
	bool free;
};

static void rt_each_cb(struct dml_rt_node *node, void *arg)
{
	struct rt_each *each = arg;
	unsigned int i;

	for (i = 0; each->fn && !node->shift && i < DML_XA_CHUNK_SIZE; i++) {
		void *entry = slot_get(node, i);

		if (entry && !dml_xa_is_internal(entry))
			each->fn(entry, each->arg);
	}
	if (each->free)
		free(node);
}

void dml_rt_for_each_locked(struct dml_rcu_tree *rt,
			    void (*fn)(void *entry, void *arg), void *arg)
{
	struct rt_each each = { .fn = fn, .arg = arg };
	void *head = head_get(rt);

	if (dml_xa_is_node(head))
		rt_walk_nodes(rt_to_node(head), rt_each_cb, &each);
}

void dml_rt_destroy(struct dml_rcu_tree *rt, void (*fn)(void *entry, void *arg),
		    void *arg)
{
	struct rt_each each = { .fn = fn, .arg = arg, .free = true };
	struct dml_rt_node *list = dml_rt_unlinked_locked(rt);
	void *head = head_get(rt);

	atomic_store_explicit(&rt->head, NULL, memory_order_relaxed);
	atomic_store_explicit(&rt->dirty, NULL, memory_order_relaxed);
	rt->free_mark = false;
	if (dml_xa_is_node(head))
		rt_walk_nodes(rt_to_node(head), rt_each_cb, &each);
	/* No claimer can reach these either: no grace period to wait for. */
	while (list) {
		struct dml_rt_node *next = list->next_unlinked;

		free(list);
		list = next;
	}
}

static void rt_count_cb(struct dml_rt_node *node, void *arg)
{
	size_t *count = arg;

	(void)node;
	(*count)++;
}

size_t dml_rt_node_count_locked(struct dml_rcu_tree *rt)
{
	void *head = head_get(rt);
	size_t count = 0;

	if (dml_xa_is_node(head))
		rt_walk_nodes(rt_to_node(head), rt_count_cb, &count);
	return count;
}

size_t dml_rt_node_bytes(void)
{
	return sizeof(struct dml_rt_node);
}
