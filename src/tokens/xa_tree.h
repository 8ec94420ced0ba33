/* SPDX-License-Identifier: MIT */
/*
 * The one radix-tree core of the allocating xarray (lib/xarray.c's
 * XA_FLAGS_ALLOC1 paths), rebuilt from the kernel's behaviour.  Two files
 * instantiate it: xarray.c (the `xarray` design's table, the kernel's own
 * mechanics) and rcu_tree.c (the `rcu` design's table, claimed lock-free).
 * Like DPDK's rte_ring_elem_pvt.h, which includes one memory-ordering
 * flavour and compiles its inline bodies once per flavour, each includer
 * first defines its flavour, then includes this file, and gets its own
 * straight-line copy of every walk:
 *
 *   XA_NODE_SIZE           bytes of one node: a struct whose first member
 *                          is struct dml_xa_node (the rcu flavour adds its
 *                          claim bookkeeping after it)
 *   XA_FAIL_NEXT_ALLOC     the flavour's allocation-failure test hook, an
 *                          unsigned int lvalue (fault.h; the caller
 *                          includes it)
 *   xa_flavour_node_free() what becomes of a node that left the tree:
 *                          xarray.c hands it to call_rcu at once, as the
 *                          kernel's xa_node_free() does; rcu_tree.c keeps it
 *                          on the round's list until the writer unlocks
 *
 * Slots and the head are read and written as the kernel's accessors
 * compile: a relaxed load (READ_ONCE, or a plain load under the lock), a
 * relaxed store for what no reader follows (RCU_INIT_POINTER: NULL, the
 * zero and retry entries), a release store for what a reader may follow
 * (rcu_assign_pointer: a node, a caller's entry).  On x86 each is one mov.
 *
 * Every caller holds the writer lock.  Every index is an id below 2^32;
 * the cursor's index is 64 bits wide because a top node at shift 30 spans
 * 2^36 ids.
 *
 * Left out, because devmem stores none of them: multi-index (sibling)
 * entries, value entries, the xa_update callback and the xa_nomem retry
 * with a node allocated outside the lock (here a failed allocation undoes
 * the partial growth instead; see xas_undo_grow()).
 */
#ifndef DML_TOKENS_XA_TREE_H
#define DML_TOKENS_XA_TREE_H

#include <errno.h>
#include <stdlib.h>

#include "tokens/urcu_thread.h"
#include "tokens/xarray.h"

#if !defined(XA_NODE_SIZE) || !defined(XA_FAIL_NEXT_ALLOC)
#error "define the tree's flavour before including xa_tree.h"
#endif

/* The kernel's 576 bytes on LP64, where the layout is the same. */
_Static_assert(sizeof(void *) != 8 ||
	       sizeof(struct dml_xa_node) == 40 + 8 * DML_XA_CHUNK_SIZE +
	       8 * DML_XA_MAX_MARKS, "struct dml_xa_node is struct xa_node");

/*
 * Where a cursor stands.  A real node, NULL for "at the head", or one of
 * these internal values, which never look like nodes.
 */
#define XAS_BOUNDS	((struct dml_xa_node *)dml_xa_mk_internal(1))
#define XAS_RESTART	((struct dml_xa_node *)dml_xa_mk_internal(3))
#define XAS_NOMEM	((struct dml_xa_node *)DML_XA_ERROR(-ENOMEM))

#define XA_MARK_ALL	(~(uint64_t)0)

/* A flavour may leave some of these unused; the compiler drops them. */
#define XA_CORE		static __attribute__((unused))
/*
 * What the kernel's build keeps out of line (its exported xas_* calls and
 * the static helpers gcc does not inline there) stays out of line here, so
 * every call pays the same prologue, epilogue and argument passing.
 */
#define XA_CALL		XA_CORE __attribute__((noinline))

/* The kernel's xa_state, less what single-index entries never need. */
struct xa_state {
	struct dml_xarray *xa;
	uint64_t index;
	struct dml_xa_node *node;
	unsigned int offset;	/* of index in node */
};

/* A fresh cursor has not walked yet, whatever the array looks like. */
#define XA_STATE(name, array, idx)					\
	struct xa_state name = {					\
		.xa = (array), .index = (idx), .node = XAS_RESTART,	\
	}

static void xa_flavour_node_free(struct xa_state *xas,
				 struct dml_xa_node *node);

/* ---- slot accessors ---------------------------------------------------- */

static inline void *xa_entry(const struct dml_xa_node *node,
			     unsigned int offset)
{
	return atomic_load_explicit(&node->slots[offset], memory_order_relaxed);
}

static inline void *xa_head(const struct dml_xarray *xa)
{
	return atomic_load_explicit(&xa->head, memory_order_relaxed);
}

/* RCU_INIT_POINTER: for values no reader dereferences. */
static inline void slot_init(_Atomic(void *) *slot, void *entry)
{
	atomic_store_explicit(slot, entry, memory_order_relaxed);
}

/* rcu_assign_pointer: a reader that follows @entry sees it initialised. */
static inline void slot_assign(_Atomic(void *) *slot, void *entry)
{
	atomic_store_explicit(slot, entry, memory_order_release);
}

static inline void *xa_mk_node(const struct dml_xa_node *node)
{
	return (void *)((uintptr_t)node | 2);
}

/* ---- the cursor -------------------------------------------------------- */

/* Bounds, restart or an error: the cursor is not on a slot. */
static inline bool xas_invalid(const struct xa_state *xas)
{
	return dml_xa_is_internal(xas->node);
}

/* Not yet walked, or walked no further than the head. */
static inline bool xas_top(const struct dml_xa_node *node)
{
	return (uintptr_t)node <= (uintptr_t)XAS_RESTART;
}

static inline bool xas_not_node(const struct dml_xa_node *node)
{
	return !node || dml_xa_is_internal(node);
}

static inline unsigned int get_offset(uint64_t index,
				      const struct dml_xa_node *node)
{
	return (unsigned int)(index >> node->shift) & DML_XA_CHUNK_MASK;
}

/* Points the index at the first id under slot @offset of the cursor's node. */
static inline void xas_move_index(struct xa_state *xas, unsigned int offset)
{
	unsigned int shift = xas->node->shift;

	/* clears this node's digit and every digit below it */
	xas->index &= ~(uint64_t)DML_XA_CHUNK_MASK << shift;
	xas->index += (uint64_t)offset << shift;
}

static inline void xas_next_offset(struct xa_state *xas)
{
	xas->offset++;
	xas_move_index(xas, xas->offset);
}

/* The highest id the tree under @entry can hold without growing. */
static inline uint64_t max_index(const void *entry)
{
	if (!dml_xa_is_node(entry))
		return 0;
	return ((uint64_t)DML_XA_CHUNK_SIZE <<
		dml_xa_to_node(entry)->shift) - 1;
}

/* ---- marks ------------------------------------------------------------- */

static inline void xa_mark_set(struct dml_xarray *xa, unsigned int mark)
{
	if (!(xa->flags & (1U << mark)))
		xa->flags |= 1U << mark;
}

static inline void xa_mark_clear(struct dml_xarray *xa, unsigned int mark)
{
	if (xa->flags & (1U << mark))
		xa->flags &= ~(1U << mark);
}

static inline bool node_get_mark(const struct dml_xa_node *node,
				 unsigned int offset, unsigned int mark)
{
	return (node->marks[mark] >> offset) & 1;
}

/* Both return whether the bit was set before, as __test_and_*_bit(). */
static inline bool node_set_mark(struct dml_xa_node *node,
				 unsigned int offset, unsigned int mark)
{
	uint64_t bit = (uint64_t)1 << offset;
	bool was = node->marks[mark] & bit;

	node->marks[mark] |= bit;
	return was;
}

static inline bool node_clear_mark(struct dml_xa_node *node,
				   unsigned int offset, unsigned int mark)
{
	uint64_t bit = (uint64_t)1 << offset;
	bool was = node->marks[mark] & bit;

	node->marks[mark] &= ~bit;
	return was;
}

static inline bool node_any_mark(const struct dml_xa_node *node,
				 unsigned int mark)
{
	return node->marks[mark] != 0;
}

/*
 * Sets @mark on the cursor's slot and every ancestor, stopping where it
 * was already set: above that point the summary was already right.  Like
 * xas_clear_mark(), it does nothing to a cursor that is not on a slot, so
 * a store that failed may be followed by it, as __xa_alloc() does.
 */
XA_CALL void xas_set_mark(const struct xa_state *xas, unsigned int mark)
{
	struct dml_xa_node *node = xas->node;
	unsigned int offset = xas->offset;

	if (xas_invalid(xas))
		return;
	while (node) {
		if (node_set_mark(node, offset, mark))
			return;
		offset = node->offset;
		node = node->parent;
	}
	if (!dml_xa_marked(xas->xa, mark))
		xa_mark_set(xas->xa, mark);
}

/*
 * Clears @mark on the cursor's slot, and on an ancestor only when the node
 * below it has no slot with the mark left.
 */
XA_CALL void xas_clear_mark(const struct xa_state *xas, unsigned int mark)
{
	struct dml_xa_node *node = xas->node;
	unsigned int offset = xas->offset;

	if (xas_invalid(xas))
		return;
	while (node) {
		if (!node_clear_mark(node, offset, mark))
			return;
		if (node_any_mark(node, mark))
			return;
		offset = node->offset;
		node = node->parent;
	}
	if (dml_xa_marked(xas->xa, mark))
		xa_mark_clear(xas->xa, mark);
}

/*
 * An emptied slot: free again, and no other mark.  One walk up per mark,
 * as the kernel's xas_init_marks(); the clear of a mark that was never set
 * stops at the first node.
 */
XA_CALL void xas_init_marks(const struct xa_state *xas)
{
	unsigned int mark;

	for (mark = 0; mark < DML_XA_MAX_MARKS; mark++) {
		if (mark == DML_XA_FREE_MARK)
			xas_set_mark(xas, mark);
		else
			xas_clear_mark(xas, mark);
	}
}

/* ---- walking down ------------------------------------------------------ */

static inline void *xas_descend(struct xa_state *xas,
				struct dml_xa_node *node)
{
	unsigned int offset = get_offset(xas->index, node);

	xas->node = node;
	xas->offset = offset;
	return xa_entry(node, offset);
}

/*
 * The first entry of a walk: the slot the cursor is already on (a store
 * after a load does not walk again), the head, or NULL with the cursor at
 * bounds when the id is beyond the tree.
 */
XA_CALL void *xas_start(struct xa_state *xas)
{
	void *entry;

	if (!xas_invalid(xas))
		return xas->node ? xa_entry(xas->node, xas->offset) :
				   xa_head(xas->xa);

	entry = xa_head(xas->xa);
	if (!dml_xa_is_node(entry)) {
		if (xas->index) {
			xas->node = XAS_BOUNDS;
			return NULL;
		}
	} else if ((xas->index >> dml_xa_to_node(entry)->shift) >
		   DML_XA_CHUNK_MASK) {
		xas->node = XAS_BOUNDS;
		return NULL;
	}
	xas->node = NULL;
	return entry;
}

/*
 * Walks down to the id.  Stops early at a NULL slot of an inner node: the
 * cursor stays there, so a store can build the rest of the path.
 */
XA_CALL void *xas_load(struct xa_state *xas)
{
	void *entry = xas_start(xas);

	while (dml_xa_is_node(entry)) {
		struct dml_xa_node *node = dml_xa_to_node(entry);

		entry = xas_descend(xas, node);
		if (!node->shift)
			break;
	}
	return entry;
}

/*
 * The first free slot at or after the cursor's, by one find-first-set on
 * the node's free word; DML_XA_CHUNK_SIZE if there is none.
 */
static inline unsigned int xas_find_chunk(const struct xa_state *xas)
{
	uint64_t data = xas->node->marks[DML_XA_FREE_MARK] &
			(XA_MARK_ALL << xas->offset);

	if (!data)
		return DML_XA_CHUNK_SIZE;
	return (unsigned int)__builtin_ctzll(data);
}

/*
 * Finds the lowest free id at or above the cursor's index and no higher
 * than @max: the kernel's xas_find_marked(XA_FREE_MARK) from a fresh
 * cursor (so never one that must first step past its own slot).  Each node on the way is searched with one find-first-set on its
 * free word, and a subtree whose slot is unmarked is never entered.
 *
 * On success the cursor is on the free slot (possibly a NULL slot of an
 * inner node, under which the path is still to be built), or at bounds
 * with the index set when the id lies beyond the tree.  When [index, max]
 * holds no free id the cursor is left at restart.
 */
XA_CALL void xas_find_free(struct xa_state *xas, uint64_t max)
{
	unsigned int offset;
	void *entry;

	if (xas->index > max)
		goto max;

	entry = xa_head(xas->xa);
	xas->node = NULL;
	if (xas->index > max_index(entry))
		goto out;
	if (!dml_xa_is_node(entry)) {
		/*
		 * An empty ALLOC1 array keeps id 0 busy and its head mark
		 * clear, so the kernel's test of that mark is left out.
		 */
		xas->index = 1;
		goto out;
	}
	xas->node = dml_xa_to_node(entry);
	xas->offset = (unsigned int)(xas->index >> xas->node->shift);

	while (xas->index <= max) {
		if (xas->offset == DML_XA_CHUNK_SIZE) {
			/* This node is used up: resume in the parent. */
			xas->offset = xas->node->offset + 1U;
			xas->node = xas->node->parent;
			if (!xas->node)
				break;
			continue;
		}

		offset = xas_find_chunk(xas);
		if (offset > xas->offset) {
			xas_move_index(xas, offset);
			/* The next free id is past max. */
			if (xas->index - 1 >= max)
				goto max;
			xas->offset = offset;
			if (offset == DML_XA_CHUNK_SIZE)
				continue;
		}

		entry = xa_entry(xas->node, xas->offset);
		if (!dml_xa_is_node(entry))
			return;
		xas->node = dml_xa_to_node(entry);
		xas->offset = get_offset(xas->index, xas->node);
	}

out:
	if (xas->index > max)
		goto max;
	xas->node = XAS_BOUNDS;
	return;
max:
	xas->node = XAS_RESTART;
}

/*
 * The next slot holding anything from the cursor on, reserved ids
 * included, walking slots in order; the kernel's xas_find().  A fresh
 * cursor, as every xa_find() and xa_find_after() of xa_for_each() starts
 * with, walks down first; a cursor on a slot moves past it.
 */
XA_CORE void *xas_find(struct xa_state *xas, uint64_t max)
{
	void *entry;

	if (xas->index > max) {
		xas->node = XAS_BOUNDS;
		return NULL;
	}

	if (xas->node == XAS_RESTART) {
		entry = xas_load(xas);
		if (entry || xas_not_node(xas->node))
			return entry;
	}

	xas_next_offset(xas);

	while (xas->node && xas->index <= max) {
		if (xas->offset == DML_XA_CHUNK_SIZE) {
			xas->offset = xas->node->offset + 1U;
			xas->node = xas->node->parent;
			continue;
		}

		entry = xa_entry(xas->node, xas->offset);
		if (dml_xa_is_node(entry)) {
			xas->node = dml_xa_to_node(entry);
			xas->offset = 0;
			continue;
		}
		if (entry)
			return entry;

		xas_next_offset(xas);
	}

	if (!xas->node)
		xas->node = XAS_BOUNDS;
	return NULL;
}

/* ---- nodes ------------------------------------------------------------- */

/*
 * A node comes zeroed.  The kernel's radix_tree_node cache hands out nodes
 * it zeroed when they were freed; calloc zeroes here instead, so an
 * alloc/free pair does the same work.
 */
XA_CORE struct dml_xa_node *xa_node_alloc(void)
{
	if (DML_FAULT(XA_FAIL_NEXT_ALLOC))
		return NULL;
	return calloc(1, XA_NODE_SIZE);
}

XA_CALL struct dml_xa_node *xas_alloc(struct xa_state *xas, unsigned int shift)
{
	struct dml_xa_node *parent = xas->node;
	struct dml_xa_node *node = xa_node_alloc();

	if (!node)
		return NULL;
	if (parent) {
		node->offset = (unsigned char)xas->offset;
		parent->count++;
	}
	node->shift = (unsigned char)shift;
	node->parent = parent;
	node->array = xas->xa;
	return node;
}

/*
 * Folds the top node into its slot 0 while that is all it holds, so the
 * tree is no taller than its highest id needs.  Slot 0 is never empty: it
 * holds the path to id 0's zero entry, and when only that entry is left
 * the array becomes empty again.  A reader still on a folded node goes on
 * through slot 0, which keeps pointing at the live tree, or finds the
 * retry entry once the tree is empty.
 */
XA_CORE void xas_shrink(struct xa_state *xas)
{
	struct dml_xarray *xa = xas->xa;
	struct dml_xa_node *node = xas->node;

	for (;;) {
		void *entry;

		if (node->count != 1)
			break;
		entry = xa_entry(node, 0);
		if (entry == DML_XA_ZERO_ENTRY)
			entry = NULL;
		xas->node = XAS_BOUNDS;

		slot_assign(&xa->head, entry);
		if (!node_get_mark(node, 0, DML_XA_FREE_MARK))
			xa_mark_clear(xa, DML_XA_FREE_MARK);

		node->count = 0;
		if (!dml_xa_is_node(entry))
			slot_init(&node->slots[0], DML_XA_RETRY_ENTRY);
		xa_flavour_node_free(xas, node);
		if (!dml_xa_is_node(entry))
			break;
		node = dml_xa_to_node(entry);
		node->parent = NULL;
	}
}

/*
 * Frees the cursor's node if it holds nothing, then each ancestor left
 * empty by that; a top node that lost an entry may let the tree shrink.
 * The top node itself never empties here: the path to id 0 keeps it.
 */
XA_CORE void xas_delete_node(struct xa_state *xas)
{
	struct dml_xa_node *node = xas->node;

	for (;;) {
		struct dml_xa_node *parent;

		if (node->count)
			break;
		parent = node->parent;
		xas->node = parent;
		xas->offset = node->offset;
		xa_flavour_node_free(xas, node);

		slot_init(&parent->slots[xas->offset], NULL);
		parent->count--;
		node = parent;
	}

	if (!node->parent)
		xas_shrink(xas);
}

/*
 * Visits every node below and including @top, children before parents and
 * without recursion, handing each to @fn once the walk has left it.
 */
XA_CORE void xa_walk_nodes(struct dml_xa_node *top,
			   void (*fn)(struct dml_xa_node *node, void *arg),
			   void *arg)
{
	struct dml_xa_node *node = top;
	unsigned int offset = 0;

	for (;;) {
		void *entry = xa_entry(node, offset);

		if (node->shift && dml_xa_is_node(entry)) {
			node = dml_xa_to_node(entry);
			offset = 0;
			continue;
		}
		offset++;
		while (offset == DML_XA_CHUNK_SIZE) {
			struct dml_xa_node *parent = node->parent;
			bool last = node == top;

			offset = node->offset + 1U;
			fn(node, arg);
			if (last)
				return;
			node = parent;
		}
	}
}

/* A node of a subtree being freed: retry entries where entries were. */
static void xa_free_walked_node(struct dml_xa_node *node, void *arg)
{
	unsigned int offset;

	for (offset = 0; offset < DML_XA_CHUNK_SIZE; offset++) {
		void *entry = xa_entry(node, offset);

		if (entry && !(node->shift && dml_xa_is_node(entry)))
			slot_init(&node->slots[offset], DML_XA_RETRY_ENTRY);
	}
	node->count = 0;
	xa_flavour_node_free(arg, node);
}

/*
 * Frees @top, already out of the tree, and every node below it; a reader
 * still inside finds retry entries where entries were.
 */
XA_CORE void xas_free_nodes(struct xa_state *xas, struct dml_xa_node *top)
{
	xa_walk_nodes(top, xa_free_walked_node, xas);
}

/*
 * A node allocation failed part-way through growing the tree.  The nodes
 * already linked in hold no entry of their own, so removing them the way
 * an erase removes empty nodes gives back the tree as it was.  The kernel
 * instead keeps them and retries after a blocking allocation.
 */
XA_CORE void xas_undo_grow(struct xa_state *xas)
{
	void *head = xa_head(xas->xa);

	if (xas->node) {
		xas_delete_node(xas);
	} else if (dml_xa_is_node(head)) {
		xas->node = dml_xa_to_node(head);
		xas_shrink(xas);
	}
	xas->node = XAS_NOMEM;
}

/*
 * Adds nodes on top until the tree reaches the cursor's index; the old
 * tree becomes slot 0 of the new top, and each new top carries the head's
 * marks down to that slot.  Returns the shift one level above the top, or
 * -ENOMEM.
 */
XA_CORE int xas_expand(struct xa_state *xas, void *head)
{
	struct dml_xarray *xa = xas->xa;
	struct dml_xa_node *node = NULL;
	unsigned int shift = 0;

	if (dml_xa_is_node(head)) {
		node = dml_xa_to_node(head);
		shift = node->shift + DML_XA_CHUNK_SHIFT;
	}
	xas->node = NULL;

	while (xas->index > max_index(head)) {
		unsigned int mark;

		node = xas_alloc(xas, shift);
		if (!node)
			return -ENOMEM;

		node->count = 1;
		slot_init(&node->slots[0], head);	/* not linked yet */
		for (mark = 0; mark < DML_XA_MAX_MARKS; mark++) {
			if (mark == DML_XA_FREE_MARK) {
				/*
				 * Every new slot is free; slot 0 only if the
				 * old tree had a free slot.
				 */
				node->marks[mark] = XA_MARK_ALL;
				if (!dml_xa_marked(xa, mark)) {
					node_clear_mark(node, 0, mark);
					xa_mark_set(xa, mark);
				}
			} else if (dml_xa_marked(xa, mark)) {
				node_set_mark(node, 0, mark);
			}
		}

		if (dml_xa_is_node(head)) {
			dml_xa_to_node(head)->offset = 0;
			dml_xa_to_node(head)->parent = node;
		}
		head = xa_mk_node(node);
		slot_assign(&xa->head, head);

		shift += DML_XA_CHUNK_SHIFT;
	}

	xas->node = node;
	return (int)shift;
}

/*
 * Makes sure a leaf slot exists for the cursor's index, growing the tree
 * at the top and building missing nodes down the path.  Returns what the
 * slot holds, with the cursor on it; on -ENOMEM the tree is as it was and
 * the cursor holds the error.
 */
XA_CALL void *xas_create(struct xa_state *xas)
{
	struct dml_xarray *xa = xas->xa;
	struct dml_xa_node *node = xas->node;
	_Atomic(void *) *slot;
	void *entry;
	int shift;

	if (xas_top(node)) {
		entry = xa_head(xa);
		xas->node = NULL;
		/* Grow from id 0's zero entry: ALLOC1 keeps it busy. */
		if (!entry)
			entry = DML_XA_ZERO_ENTRY;
		shift = xas_expand(xas, entry);
		if (shift < 0)
			goto nomem;
		entry = xa_head(xa);
		slot = &xa->head;
	} else {
		shift = node->shift;
		entry = xa_entry(node, xas->offset);
		slot = &node->slots[xas->offset];
	}

	while (shift > 0) {
		shift -= DML_XA_CHUNK_SHIFT;
		if (!entry) {
			node = xas_alloc(xas, (unsigned int)shift);
			if (!node)
				goto nomem;
			node->marks[DML_XA_FREE_MARK] = XA_MARK_ALL;
			slot_assign(slot, xa_mk_node(node));
		} else {
			node = dml_xa_to_node(entry);
		}
		entry = xas_descend(xas, node);
		slot = &node->slots[xas->offset];
	}
	return entry;

nomem:
	xas_undo_grow(xas);
	return NULL;
}

/* Adjusts the count of the cursor's node; a node emptied by it goes. */
XA_CORE void update_node(struct xa_state *xas, struct dml_xa_node *node,
			int count)
{
	if (!node || !count)
		return;
	node->count = (unsigned char)(node->count + count);
	if (count < 0)
		xas_delete_node(xas);
}

/*
 * Stores @entry at the cursor's index and returns what was there.  NULL
 * erases: the slot's marks are reset (free, nothing else) up the tree and
 * emptied nodes are freed.  A non-NULL entry leaves the marks alone; the
 * caller clears the free mark when it fills a free slot.
 */
XA_CALL void *xas_store(struct xa_state *xas, void *entry)
{
	struct dml_xa_node *node;
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
		xas_init_marks(xas);
	slot_assign(&node->slots[xas->offset], entry);
	update_node(xas, node, !first - !entry);
	return first;
}

/* __xa_alloc() of a checked @entry: the lowest free id in [@min, @max]. */
XA_CORE int xa_alloc_entry(struct dml_xarray *xa, uint32_t *id, void *entry,
			   uint32_t min, uint32_t max)
{
	XA_STATE(xas, xa, min);

	xas_find_free(&xas, max);
	if (xas.node == XAS_RESTART)
		return -EBUSY;
	xas_store(&xas, entry);
	xas_clear_mark(&xas, DML_XA_FREE_MARK);
	if (xas.node == XAS_NOMEM)
		return -ENOMEM;
	*id = (uint32_t)xas.index;
	return 0;
}

/* xa_destroy(): the array empty, every node of its tree freed. */
XA_CORE void xa_destroy_tree(struct dml_xarray *xa)
{
	XA_STATE(xas, xa, 0);
	void *head = xa_head(xa);

	xas.node = NULL;
	slot_init(&xa->head, NULL);
	xas_init_marks(&xas);
	/* ALLOC1: the empty array's free mark is clear, id 0 busy. */
	xa_mark_clear(xa, DML_XA_FREE_MARK);
	if (dml_xa_is_node(head))
		xas_free_nodes(&xas, dml_xa_to_node(head));
}

/* radix_tree_node_rcu_free(): the node's grace period is over. */
XA_CORE void xa_node_rcu_free(struct rcu_head *head)
{
	struct dml_xa_node *node = (struct dml_xa_node *)
		((char *)head - offsetof(struct dml_xa_node, rcu));

	dml_urcu_tsan_acquire();
	free(node);
}

#endif /* DML_TOKENS_XA_TREE_H */
