// SPDX-License-Identifier: MIT
/*
 * The kernel's allocating xarray (lib/xarray.c, XA_FLAGS_ALLOC1), rebuilt
 * from its behaviour for devmem's per-socket token table.  Every operation
 * walks a small cursor (struct dml_xa_state, the kernel's xa_state) down the
 * tree, as the kernel does, so each one costs the same loads, stores and
 * node allocations as its kernel counterpart.
 *
 * What is left out, because devmem never uses it: multi-index entries,
 * value-entry accounting, the two marks other than the free mark, the
 * xa_nomem retry with a preallocated node, and RCU (no lock, no deferred
 * free: see xarray.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "tokens/xarray.h"

unsigned int dml_xa_fail_next_alloc;

/*
 * Where a cursor stands.  A real node, NULL for "at the head", or one of
 * these internal values, which never look like nodes.
 */
#define XAS_BOUNDS	((struct dml_xa_node *)dml_xa_mk_internal(1))
#define XAS_RESTART	((struct dml_xa_node *)dml_xa_mk_internal(3))
#define XAS_NOMEM	((struct dml_xa_node *)DML_XA_ERROR(-ENOMEM))

#define XA_FREE_ALL	(~(uint64_t)0)

struct dml_xa_state {
	struct dml_xarray *xa;
	/* wider than an id: a top node at shift 30 spans 2^36 ids */
	uint64_t index;
	struct dml_xa_node *node;
	unsigned int offset;	/* of index in node */
};

/* A fresh cursor has not walked yet, whatever the array looks like. */
#define DML_XA_STATE(name, array, idx)					\
	struct dml_xa_state name = {					\
		.xa = (array), .index = (idx), .node = XAS_RESTART,	\
	}

static inline void *xa_mk_node(const struct dml_xa_node *node)
{
	return (void *)((uintptr_t)node | 2);
}

/* Bounds, restart or an error: the cursor is not on a slot. */
static inline bool xas_invalid(const struct dml_xa_state *xas)
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
static inline void xas_move_index(struct dml_xa_state *xas,
				  unsigned int offset)
{
	unsigned int shift = xas->node->shift;

	/* clears this node's digit and every digit below it */
	xas->index &= ~(uint64_t)DML_XA_CHUNK_MASK << shift;
	xas->index += (uint64_t)offset << shift;
}

static inline void xas_next_offset(struct dml_xa_state *xas)
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

/*
 * A node comes zeroed, as the kernel's radix_tree_node cache hands them
 * out; the kernel pays that memset when it frees a node, calloc pays it
 * here, so an alloc/free pair costs the same.
 */
static struct dml_xa_node *xa_node_alloc(void)
{
	if (dml_xa_fail_next_alloc && --dml_xa_fail_next_alloc == 0)
		return NULL;
	return calloc(1, sizeof(struct dml_xa_node));
}

static void *xas_descend(struct dml_xa_state *xas, struct dml_xa_node *node)
{
	unsigned int offset = get_offset(xas->index, node);

	xas->node = node;
	xas->offset = offset;
	return node->slots[offset];
}

/*
 * The first entry of a walk: the slot the cursor is already on (a store
 * after a load does not walk again), the head, or NULL with the cursor at
 * bounds when the id is beyond the tree.
 */
static void *xas_start(struct dml_xa_state *xas)
{
	void *entry;

	if (xas->node && !xas_invalid(xas))
		return xas->node->slots[xas->offset];

	entry = xas->xa->head;
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
static void *xas_load(struct dml_xa_state *xas)
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
 * Sets the free mark on the cursor's slot and on every ancestor, stopping
 * where it was already set: above that point the summary was already right.
 */
static void xas_set_free(const struct dml_xa_state *xas)
{
	struct dml_xa_node *node = xas->node;
	unsigned int offset = xas->offset;

	while (node) {
		uint64_t bit = (uint64_t)1 << offset;

		if (node->free & bit)
			return;
		node->free |= bit;
		offset = node->offset;
		node = node->parent;
	}
	xas->xa->free_mark = true;
}

/*
 * Clears the free mark on the cursor's slot, and on an ancestor only when
 * the node below it has no free slot left.
 */
static void xas_clear_free(const struct dml_xa_state *xas)
{
	struct dml_xa_node *node = xas->node;
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
	xas->xa->free_mark = false;
}

/*
 * The first free slot at or after the cursor's, by one find-first-set on
 * the node's free word; DML_XA_CHUNK_SIZE if there is none.
 */
static inline unsigned int xas_find_chunk(const struct dml_xa_state *xas)
{
	uint64_t data = xas->node->free & (XA_FREE_ALL << xas->offset);

	if (!data)
		return DML_XA_CHUNK_SIZE;
	return (unsigned int)__builtin_ctzll(data);
}

/*
 * Finds the lowest free id at or above the cursor's index and no higher
 * than @max, the kernel's xas_find_marked() with XA_FREE_MARK.  Each node
 * on the way is searched with one find-first-set on its free word, and a
 * subtree whose slot is unmarked is never entered.
 *
 * On success the cursor is on the free slot (possibly a NULL slot of an
 * inner node, under which the path is still to be built), or at bounds
 * with the index set when the id lies beyond the tree.  When [index, max]
 * holds no free id the cursor is left at restart.
 */
static void xas_find_free(struct dml_xa_state *xas, uint64_t max)
{
	unsigned int offset;
	void *entry;

	if (xas->index > max)
		goto none;

	entry = xas->xa->head;
	xas->node = NULL;
	if (xas->index > max_index(entry))
		goto beyond;
	if (!dml_xa_is_node(entry)) {
		/* The array is empty and ALLOC1 keeps id 0 busy. */
		xas->index = 1;
		goto beyond;
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
			if (xas->index > max)
				goto none;
			xas->offset = offset;
			if (offset == DML_XA_CHUNK_SIZE)
				continue;
		}

		entry = xas->node->slots[xas->offset];
		if (!dml_xa_is_node(entry))
			return;
		xas->node = dml_xa_to_node(entry);
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

static struct dml_xa_node *xas_alloc(struct dml_xa_state *xas,
				     unsigned int shift)
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
	return node;
}

/*
 * Folds the top node into its slot 0 while that is all it holds, so the
 * tree is no taller than its highest id needs.  Slot 0 is never empty: it
 * holds the path to id 0's zero entry, and when only that entry is left
 * the array becomes empty again.
 */
static void xas_shrink(struct dml_xa_state *xas)
{
	struct dml_xarray *xa = xas->xa;
	struct dml_xa_node *node = xas->node;

	for (;;) {
		void *entry;

		if (node->count != 1)
			break;
		entry = node->slots[0];
		if (entry == DML_XA_ZERO_ENTRY)
			entry = NULL;
		xas->node = XAS_BOUNDS;

		xa->head = entry;
		if (!(node->free & 1))
			xa->free_mark = false;
		free(node);
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
static void xas_delete_node(struct dml_xa_state *xas)
{
	struct dml_xa_node *node = xas->node;

	while (!node->count) {
		struct dml_xa_node *parent = node->parent;

		xas->node = parent;
		xas->offset = node->offset;
		free(node);

		parent->slots[xas->offset] = NULL;
		parent->count--;
		node = parent;
	}

	if (!node->parent)
		xas_shrink(xas);
}

/*
 * A node allocation failed part-way through growing the tree.  The nodes
 * already linked in hold no entry of their own, so removing them the way
 * an erase removes empty nodes gives back the tree as it was.  The kernel
 * instead keeps them and retries after a blocking allocation.
 */
static void xas_undo_grow(struct dml_xa_state *xas)
{
	void *head = xas->xa->head;

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
 * tree becomes slot 0 of the new top.  Returns the shift one level above
 * the top, or -ENOMEM.
 */
static int xas_expand(struct dml_xa_state *xas, void *head)
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
		node = xas_alloc(xas, shift);
		if (!node)
			return -ENOMEM;

		node->count = 1;
		node->slots[0] = head;
		/*
		 * Every new slot is free; slot 0 is free only if the old tree
		 * had a free slot, which the head's mark says.
		 */
		node->free = XA_FREE_ALL;
		if (!xa->free_mark) {
			node->free &= ~(uint64_t)1;
			xa->free_mark = true;
		}

		if (dml_xa_is_node(head)) {
			dml_xa_to_node(head)->offset = 0;
			dml_xa_to_node(head)->parent = node;
		}
		head = xa_mk_node(node);
		xa->head = head;

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
static void *xas_create(struct dml_xa_state *xas)
{
	struct dml_xarray *xa = xas->xa;
	struct dml_xa_node *node = xas->node;
	void **slot;
	void *entry;
	int shift;

	if (xas_top(node)) {
		entry = xa->head;
		xas->node = NULL;
		/* Grow from id 0's zero entry: ALLOC1 keeps it busy. */
		if (!entry)
			entry = DML_XA_ZERO_ENTRY;
		shift = xas_expand(xas, entry);
		if (shift < 0)
			goto nomem;
		entry = xa->head;
		slot = &xa->head;
	} else {
		shift = node->shift;
		entry = node->slots[xas->offset];
		slot = &node->slots[xas->offset];
	}

	while (shift > 0) {
		shift -= DML_XA_CHUNK_SHIFT;
		if (!entry) {
			node = xas_alloc(xas, (unsigned int)shift);
			if (!node)
				goto nomem;
			node->free = XA_FREE_ALL;
			*slot = xa_mk_node(node);
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
static void update_node(struct dml_xa_state *xas, struct dml_xa_node *node,
			int count)
{
	if (!count)
		return;
	node->count = (unsigned char)(node->count + count);
	if (count < 0)
		xas_delete_node(xas);
}

/*
 * Stores @entry at the cursor's index and returns what was there.  NULL
 * erases: the slot is marked free up the tree and emptied nodes are freed.
 * A non-NULL entry leaves the marks alone; the caller clears the free mark
 * when it fills a free slot.
 */
static void *xas_store(struct dml_xa_state *xas, void *entry)
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
		xas_set_free(xas);
	node->slots[xas->offset] = entry;
	update_node(xas, node, !first - !entry);
	return first;
}

void dml_xa_init(struct dml_xarray *xa)
{
	xa->head = NULL;
	xa->free_mark = false;
}

/* What a caller may store: pointers, and the zero entry to reserve. */
static inline bool xa_entry_ok(const void *entry)
{
	return !dml_xa_is_internal(entry) || entry == DML_XA_ZERO_ENTRY;
}

int dml_xa_alloc(struct dml_xarray *xa, uint32_t *id, void *entry,
		 uint32_t min, uint32_t max)
{
	DML_XA_STATE(xas, xa, min);

	if (!entry || !xa_entry_ok(entry))
		return -EINVAL;

	xas_find_free(&xas, max);
	if (xas.node == XAS_RESTART)
		return -EBUSY;
	xas_store(&xas, entry);
	if (xas.node == XAS_NOMEM)
		return -ENOMEM;
	xas_clear_free(&xas);
	*id = (uint32_t)xas.index;
	return 0;
}

void *dml_xa_load(const struct dml_xarray *xa, uint32_t id)
{
	/* A load only reads through the cursor's array pointer. */
	DML_XA_STATE(xas, (struct dml_xarray *)xa, id);
	void *entry = xas_load(&xas);

	return entry == DML_XA_ZERO_ENTRY ? NULL : entry;
}

void *dml_xa_erase(struct dml_xarray *xa, uint32_t id)
{
	DML_XA_STATE(xas, xa, id);
	void *entry;

	if (!id)
		return NULL;
	entry = xas_store(&xas, NULL);
	return entry == DML_XA_ZERO_ENTRY ? NULL : entry;
}

void *dml_xa_erase_present(struct dml_xarray *xa, uint32_t id)
{
	DML_XA_STATE(xas, xa, id);
	void *curr;

	if (!id)
		return NULL;
	curr = xas_load(&xas);
	/* A reservation is not an issued token: it stays for its commit. */
	if (!curr || curr == DML_XA_ZERO_ENTRY)
		return NULL;
	xas_store(&xas, NULL);
	return curr;
}

void *dml_xa_cmpxchg(struct dml_xarray *xa, uint32_t id, void *old,
		     void *entry)
{
	DML_XA_STATE(xas, xa, id);
	void *curr;

	if (!xa_entry_ok(entry))
		return DML_XA_ERROR(-EINVAL);
	if (!id)
		return NULL;

	curr = xas_load(&xas);
	if (curr == old) {
		xas_store(&xas, entry);
		if (xas.node == XAS_NOMEM)
			return DML_XA_ERROR(-ENOMEM);
		if (entry && !curr)
			xas_clear_free(&xas);
	}
	return curr == DML_XA_ZERO_ENTRY ? NULL : curr;
}

/*
 * The next slot holding anything from the cursor on, reserved ids
 * included, walking slots in order; the kernel's xas_find().
 */
static void *xas_find(struct dml_xa_state *xas, uint64_t max)
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

		entry = xas->node->slots[xas->offset];
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

void *dml_xa_find(const struct dml_xarray *xa, uint32_t *index, uint32_t max)
{
	/* A find only reads through the cursor's array pointer. */
	DML_XA_STATE(xas, (struct dml_xarray *)xa, *index);
	void *entry;

	do
		entry = xas_find(&xas, max);
	while (entry == DML_XA_ZERO_ENTRY);

	if (entry)
		*index = (uint32_t)xas.index;
	return entry;
}

/*
 * Visits every node below and including @top, children before parents and
 * without recursion, handing each to @fn once the walk has left it.
 */
static void xa_walk_nodes(struct dml_xa_node *top,
			  void (*fn)(struct dml_xa_node *node, void *arg),
			  void *arg)
{
	struct dml_xa_node *node = top;
	unsigned int offset = 0;

	for (;;) {
		void *entry = node->slots[offset];

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

static void xa_node_free_cb(struct dml_xa_node *node, void *arg)
{
	(void)arg;
	free(node);
}

static void xa_node_count_cb(struct dml_xa_node *node, void *arg)
{
	size_t *count = arg;

	(void)node;
	(*count)++;
}

void dml_xa_destroy(struct dml_xarray *xa)
{
	void *head = xa->head;

	xa->head = NULL;
	xa->free_mark = false;
	if (dml_xa_is_node(head))
		xa_walk_nodes(dml_xa_to_node(head), xa_node_free_cb, NULL);
}

size_t dml_xa_node_count(const struct dml_xarray *xa)
{
	size_t count = 0;

	if (dml_xa_is_node(xa->head))
		xa_walk_nodes(dml_xa_to_node(xa->head), xa_node_count_cb,
			      &count);
	return count;
}

size_t dml_xa_node_bytes(void)
{
	return sizeof(struct dml_xa_node);
}
