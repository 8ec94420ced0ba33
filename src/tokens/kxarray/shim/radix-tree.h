/* SPDX-License-Identifier: MIT */
/*
 * What lib/xarray.c needs of the radix tree: its node cache and the RCU
 * callback that frees a node into it (both in kx_node.c).
 */
#ifndef KX_RADIX_TREE_H
#define KX_RADIX_TREE_H

struct kmem_cache;
struct rcu_head;

extern struct kmem_cache *radix_tree_node_cachep;
void radix_tree_node_rcu_free(struct rcu_head *head);

#endif /* KX_RADIX_TREE_H */
