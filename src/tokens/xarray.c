// SPDX-License-Identifier: MIT
/*
 * The kernel's allocating xarray (lib/xarray.c, XA_FLAGS_ALLOC1) for
 * devmem's per-socket token table: xa_tree.h's core in the kernel's own
 * flavour.  Every operation walks a cursor (the kernel's xa_state) down
 * the tree and back up its marks as the kernel's does, and a node that
 * leaves the tree goes to call_rcu at once, as xa_node_free() does, so
 * each call costs the loads, stores, node allocations and frees of its
 * kernel counterpart.
 */
#include <errno.h>
#include <stdlib.h>

#include <urcu/urcu-memb.h>

#include "tokens/fault.h"
#include "tokens/xarray.h"
#include "tokens/urcu_thread.h"

#define XA_NODE_SIZE		sizeof(struct dml_xa_node)
#define XA_FAIL_NEXT_ALLOC	dml_xa_fail_next_alloc
#include "tokens/xa_tree.h"

/*
 * xa_node_free(): under the caller's lock, like the kernel's.  The first
 * free on a thread registers it with liburcu (see urcu_thread.h).
 */
static void xa_flavour_node_free(struct xa_state *xas,
				 struct dml_xa_node *node)
{
	(void)xas;
	dml_urcu_thread_online();
	dml_urcu_tsan_release();
	urcu_memb_call_rcu(&node->rcu, xa_node_rcu_free);
}

void dml_xa_init(struct dml_xarray *xa)
{
	xa->flags = 0;
	atomic_init(&xa->head, NULL);
}

/* What a caller may store: pointers, and the zero entry to reserve. */
static inline bool xa_entry_ok(const void *entry)
{
	return !dml_xa_is_internal(entry) || entry == DML_XA_ZERO_ENTRY;
}

/* __xa_alloc() */
int dml_xa_alloc(struct dml_xarray *xa, uint32_t *id, void *entry,
		 uint32_t min, uint32_t max)
{
	if (!entry || !xa_entry_ok(entry))
		return -EINVAL;
	return xa_alloc_entry(xa, id, entry, min, max);
}

/* __xa_erase() */
void *dml_xa_erase(struct dml_xarray *xa, uint32_t id)
{
	XA_STATE(xas, xa, id);
	void *entry;

	if (!id)
		return NULL;
	entry = xas_store(&xas, NULL);
	return entry == DML_XA_ZERO_ENTRY ? NULL : entry;
}

void *dml_xa_erase_present(struct dml_xarray *xa, uint32_t id)
{
	XA_STATE(xas, xa, id);
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

/* __xa_cmpxchg() */
void *dml_xa_cmpxchg(struct dml_xarray *xa, uint32_t id, void *old,
		     void *entry)
{
	XA_STATE(xas, xa, id);
	void *curr;

	if (!xa_entry_ok(entry))
		return DML_XA_ERROR(-EINVAL);
	if (!id)
		return NULL;

	curr = xas_load(&xas);
	if (curr == old) {
		xas_store(&xas, entry);
		if (entry && !curr)
			xas_clear_mark(&xas, DML_XA_FREE_MARK);
		if (xas.node == XAS_NOMEM)
			return DML_XA_ERROR(-ENOMEM);
	}
	return curr == DML_XA_ZERO_ENTRY ? NULL : curr;
}

/* xa_find() and xa_find_after(): each starts a fresh cursor at *index. */
void *dml_xa_find(const struct dml_xarray *xa, uint32_t *index, uint32_t max)
{
	/* A find only reads through the cursor's array pointer. */
	XA_STATE(xas, (struct dml_xarray *)xa, *index);
	void *entry;

	do
		entry = xas_find(&xas, max);
	while (entry == DML_XA_ZERO_ENTRY);

	if (entry)
		*index = (uint32_t)xas.index;
	return entry;
}

void dml_xa_destroy(struct dml_xarray *xa)
{
	xa_destroy_tree(xa);
}

static void xa_count_node(struct dml_xa_node *node, void *arg)
{
	size_t *count = arg;

	(void)node;
	(*count)++;
}

size_t dml_xa_node_count(const struct dml_xarray *xa)
{
	void *head = xa_head(xa);
	size_t count = 0;

	if (dml_xa_is_node(head))
		xa_walk_nodes(dml_xa_to_node(head), xa_count_node, &count);
	return count;
}

size_t dml_xa_node_bytes(void)
{
	return sizeof(struct dml_xa_node);
}
