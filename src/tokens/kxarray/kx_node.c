// SPDX-License-Identifier: MIT
/*
 * The xa_node cache and the kernel's warning hook for lib/xarray.c in user
 * space.  The cache is built before main() runs, as radix_tree_init()
 * builds it at boot.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/list.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "kx_shim.h"
#include "radix-tree.h"

_Thread_local unsigned int kx_softirq_depth;

struct kmem_cache *radix_tree_node_cachep;

static atomic_ulong warnings;

void kx_warn(const char *file, int line)
{
	fprintf(stderr, "kxarray: WARNING at %s:%d\n", file, line);
	atomic_fetch_add(&warnings, 1);
}

unsigned long kx_take_warnings(void)
{
	return atomic_exchange(&warnings, 0);
}

/* The slab holds only zeroed nodes, as the kernel's cache does. */
static void node_ctor(void *obj)
{
	struct xa_node *node = obj;

	memset(node, 0, sizeof(*node));
	INIT_LIST_HEAD(&node->private_list);
}

/* A node may still hold entries (xa_destroy frees whole subtrees). */
void radix_tree_node_rcu_free(struct rcu_head *head)
{
	struct xa_node *node = container_of(head, struct xa_node, rcu_head);

	kx_rcu_callback_begin();
	memset(node->slots, 0, sizeof(node->slots));
	memset(node->marks, 0, sizeof(node->marks));
	INIT_LIST_HEAD(&node->private_list);
	kmem_cache_free(radix_tree_node_cachep, node);
}

__attribute__((constructor)) static void node_cache_init(void)
{
	radix_tree_node_cachep = kmem_cache_create("radix_tree_node",
						   sizeof(struct xa_node), node_ctor);
	/* radix_tree_init() panics here too: nothing can run without it. */
	if (!radix_tree_node_cachep)
		abort();
}
