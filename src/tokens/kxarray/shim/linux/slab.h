/* SPDX-License-Identifier: MIT */
/*
 * A slab cache for xa_nodes whose fast path, like SLUB's per-CPU freelist,
 * takes no lock: each thread allocates from and frees to its own magazine,
 * and only an empty or overfull magazine goes to the shared depot under a
 * mutex (kx_slab.c).  Objects come back constructed, as a kmem_cache with a
 * constructor hands them out: the xarray frees only zeroed nodes.
 */
#ifndef KX_LINUX_SLAB_H
#define KX_LINUX_SLAB_H

#include <linux/gfp.h>

struct kmem_cache;
struct list_lru;

struct kmem_cache *kmem_cache_create(const char *name, size_t size,
				     void (*ctor)(void *obj));
void kmem_cache_destroy(struct kmem_cache *cache);
void *kmem_cache_alloc(struct kmem_cache *cache, gfp_t gfp);
void kmem_cache_free(struct kmem_cache *cache, void *obj);

static inline void *kmem_cache_alloc_lru(struct kmem_cache *cache,
					 struct list_lru *lru, gfp_t gfp)
{
	(void)lru;
	return kmem_cache_alloc(cache, gfp);
}

#endif /* KX_LINUX_SLAB_H */
