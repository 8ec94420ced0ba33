/* SPDX-License-Identifier: MIT */
/*
 * Page pool: the buffers one RX queue posts.  Buffers come from a memory
 * provider (host pages, or a binding's net_iovs) and come back through a
 * recycle ring when their last page-pool reference goes.
 */
#ifndef DML_PAGE_POOL_H
#define DML_PAGE_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "netmem.h"

struct dml_binding;
struct dml_page_pool;

/*
 * A memory provider, as the kernel's struct memory_provider_ops: a binding
 * fills one in, a queue bound to it hands it to the queue's page pools, and
 * the NIC reaches dma-buf memory through nothing else.  NULL is host memory.
 */
struct dml_memory_provider_ops {
	struct dml_netmem *(*alloc)(void *priv);
	void (*release)(void *priv, struct dml_netmem *nm);
	/*
	 * Optional: the provider had nothing to hand out; give back what it
	 * can (buffers returned to their pools or to it), with no pool lock
	 * held.  Returns how many; the pool then tries once more.
	 */
	unsigned int (*refill)(void *priv);
	/* A pool draws on the provider from init until destroy. */
	void (*init)(void *priv);
	void (*destroy)(void *priv);
	/* Under rtnl: a queue starts drawing on the provider, or stops. */
	int (*install)(void *priv, unsigned int queue);
	void (*uninstall)(void *priv, unsigned int queue);
	/* The dma-buf id queries report. */
	uint32_t (*id)(const void *priv);
};

struct dml_memory_provider {
	const struct dml_memory_provider_ops *ops;
	void *priv;
};

/*
 * One party waiting for buffers to come back (the TCP ingress, whose
 * connections stop reading while their queue has nothing posted).  @wake
 * runs on the returning thread, possibly under a socket's, a token
 * design's or a queue's lock: it may only signal.
 */
struct dml_page_pool_watch {
	void (*wake)(void *arg);
	void *arg;
	struct dml_page_pool_watch *next;
};

/* The host's page pools, embedded in the host. */
struct dml_page_pool_table {
	/* Protects the pool list and the id counter. */
	pthread_mutex_t lock;
	struct dml_page_pool *pools;
	uint32_t next_id;
	unsigned int ring_size;			/* each pool's recycle ring */
	_Atomic unsigned long *warnings;	/* the host's counter */

	/*
	 * Protects the watch list; a leaf, taken with no pool lock held.
	 * nr_watchers lets a wake with nobody watching take no lock.
	 */
	pthread_mutex_t watch_lock;
	struct dml_page_pool_watch *watchers;
	atomic_int nr_watchers;
};

struct dml_page_pool_stats {
	uint64_t alloc_fast;		/* from the recycle ring */
	uint64_t alloc_slow;		/* from the memory provider */
	uint64_t alloc_empty;		/* nothing anywhere: the queue stalls */
	uint64_t recycle_ring;
	uint64_t recycle_ring_full;
	uint64_t recycle_released;	/* given back to the provider */
};

struct dml_page_pool_info {
	uint32_t id;
	uint32_t ifindex;
	uint32_t queue;
	uint32_t dmabuf_id;		/* 0 for host memory */
	uint64_t inflight;
	bool detached;
	uint64_t detach_time;		/* seconds since the epoch */
	struct dml_page_pool_stats stats;
};

void dml_page_pool_table_init(struct dml_page_pool_table *table,
			      unsigned int ring_size,
			      _Atomic unsigned long *warnings);
void dml_page_pool_table_destroy(struct dml_page_pool_table *table);
int dml_page_pool_create(struct dml_page_pool_table *table, uint32_t ifindex,
			 uint32_t queue, const struct dml_memory_provider *mp,
			 struct dml_page_pool **out);
struct dml_netmem *dml_page_pool_alloc(struct dml_page_pool *pool);
void dml_page_pool_destroy(struct dml_page_pool *pool);
uint32_t dml_page_pool_id(const struct dml_page_pool *pool);
struct dml_binding *dml_page_pool_binding(const struct dml_page_pool *pool);
void dml_page_pool_info(struct dml_page_pool *pool,
			struct dml_page_pool_info *info);

/*
 * Walks every pool of @table that is not yet freed (detached ones
 * included, as the kernel lists them until their last buffer returns).
 * @fn returns non-zero to stop.
 */
int dml_page_pool_for_each(struct dml_page_pool_table *table,
			   int (*fn)(const struct dml_page_pool_info *info,
				     void *arg),
			   void *arg);

void dml_page_pool_watch(struct dml_page_pool_table *table,
			 struct dml_page_pool_watch *w);
void dml_page_pool_unwatch(struct dml_page_pool_table *table,
			   struct dml_page_pool_watch *w);
void dml_page_pool_notify(struct dml_page_pool_table *table);

/* Invariant checker: counts @binding's net_iovs idle in pool recycle rings. */
void dml_page_pool_count_idle(struct dml_page_pool_table *table,
			      const struct dml_binding *binding, uint32_t *idle);

#endif /* DML_PAGE_POOL_H */
