// SPDX-License-Identifier: MIT
/*
 * Page pool with a memory provider (S-2.3).  A pool serves one RX queue.  It
 * allocates from its recycle ring first and from the provider second; when
 * both are empty the queue stalls and alloc_empty counts it, and the next
 * return wakes whoever watches for buffers (the TCP ingress, which stops
 * reading meanwhile).  A destroyed (detached) pool stays alive until the
 * last buffer it handed out comes back, as the kernel's page_pool_release
 * does.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "binding.h"
#include "page_pool.h"
#include "warn.h"

struct dml_page_pool {
	struct dml_page_pool_table *table;
	const struct dml_memory_provider_ops *mp;
	/*
	 * The provider's state: the binding, on which the pool holds a
	 * reference (init to destroy) for as long as it exists; NULL for host
	 * memory.
	 */
	void *mp_priv;
	uint32_t id;
	uint32_t ifindex;
	uint32_t queue;

	/*
	 * Protects the recycle ring, inflight, the detached state and the
	 * stats.  Like the kernel's ptr_ring producer lock, returns from any
	 * thread go through it.
	 */
	pthread_spinlock_t lock;
	struct dml_netmem **ring;
	unsigned int ring_size;
	unsigned int ring_head;
	unsigned int ring_count;
	/* Buffers handed out (or sitting in the ring) not yet back in the provider. */
	uint64_t inflight;
	/*
	 * PP_DETACHED and PP_DRY: either sends a return down the slow path,
	 * so the fast one tests one word, as it tested detached alone before.
	 */
	uint8_t flags;
	uint64_t detach_time;
	struct dml_page_pool_stats stats;

	/* Under table->lock. */
	struct dml_page_pool *next;
};

/* Destroyed: returns go to the provider, the last one frees the pool. */
#define PP_DETACHED	(1u << 0)
/* An alloc found nothing: the next return tells the watchers (the queue stalled). */
#define PP_DRY		(1u << 1)

static struct dml_netmem *host_pages_alloc(void *priv)
{
	struct dml_page *page = malloc(sizeof(*page));

	(void)priv;
	if (!page)
		return NULL;
	atomic_init(&page->nm.pp_ref_count, 0);
	page->nm.pp = NULL;
	return &page->nm;
}

static void host_pages_release(void *priv, struct dml_netmem *nm)
{
	(void)priv;
	free((struct dml_page *)nm);
}

static const struct dml_memory_provider_ops host_pages_ops = {
	.alloc = host_pages_alloc,
	.release = host_pages_release,
};

void dml_page_pool_table_init(struct dml_page_pool_table *table,
			      unsigned int ring_size,
			      _Atomic unsigned long *warnings)
{
	pthread_mutex_init(&table->lock, NULL);
	pthread_mutex_init(&table->watch_lock, NULL);
	table->ring_size = ring_size;
	table->warnings = warnings;
}

void dml_page_pool_table_destroy(struct dml_page_pool_table *table)
{
	DML_WARN_ON(table->warnings, table->pools != NULL);
	DML_WARN_ON(table->warnings, table->watchers != NULL);
	pthread_mutex_destroy(&table->watch_lock);
	pthread_mutex_destroy(&table->lock);
}

void dml_page_pool_watch(struct dml_page_pool_table *table,
			 struct dml_page_pool_watch *w)
{
	pthread_mutex_lock(&table->watch_lock);
	w->next = table->watchers;
	table->watchers = w;
	atomic_fetch_add(&table->nr_watchers, 1);
	pthread_mutex_unlock(&table->watch_lock);
}

/* After it returns, @w's wake is not running and never runs again. */
void dml_page_pool_unwatch(struct dml_page_pool_table *table,
			   struct dml_page_pool_watch *w)
{
	struct dml_page_pool_watch **pp;

	pthread_mutex_lock(&table->watch_lock);
	for (pp = &table->watchers; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			atomic_fetch_sub(&table->nr_watchers, 1);
			break;
		}
	}
	pthread_mutex_unlock(&table->watch_lock);
}

/*
 * Buffers may be allocatable again (a return to a dry pool or to a
 * provider, a queue restarted): wake whoever waits for them.
 */
void dml_page_pool_notify(struct dml_page_pool_table *table)
{
	struct dml_page_pool_watch *w;

	if (!atomic_load_explicit(&table->nr_watchers, memory_order_acquire))
		return;
	pthread_mutex_lock(&table->watch_lock);
	for (w = table->watchers; w; w = w->next)
		w->wake(w->arg);
	pthread_mutex_unlock(&table->watch_lock);
}

int dml_page_pool_create(struct dml_page_pool_table *table, uint32_t ifindex,
			 uint32_t queue, const struct dml_memory_provider *mp,
			 struct dml_page_pool **out)
{
	struct dml_page_pool *pool = calloc(1, sizeof(*pool));
	struct dml_page_pool **pp;

	if (!pool)
		return -ENOMEM;
	pool->ring_size = table->ring_size;
	pool->ring = calloc(pool->ring_size, sizeof(*pool->ring));
	if (!pool->ring) {
		free(pool);
		return -ENOMEM;
	}
	pthread_spin_init(&pool->lock, PTHREAD_PROCESS_PRIVATE);
	pool->table = table;
	pool->ifindex = ifindex;
	pool->queue = queue;
	pool->mp = mp ? mp->ops : &host_pages_ops;
	pool->mp_priv = mp ? mp->priv : NULL;
	if (pool->mp->init)
		pool->mp->init(pool->mp_priv);

	pthread_mutex_lock(&table->lock);
	pool->id = ++table->next_id;
	/* Appended, so listings come out in id order. */
	for (pp = &table->pools; *pp; pp = &(*pp)->next)
		;
	*pp = pool;
	pthread_mutex_unlock(&table->lock);

	*out = pool;
	return 0;
}

static void page_pool_free(struct dml_page_pool *pool)
{
	struct dml_page_pool_table *table = pool->table;
	struct dml_page_pool **pp;

	pthread_mutex_lock(&table->lock);
	for (pp = &table->pools; *pp; pp = &(*pp)->next) {
		if (*pp == pool) {
			*pp = pool->next;
			break;
		}
	}
	pthread_mutex_unlock(&table->lock);

	if (pool->mp->destroy)
		pool->mp->destroy(pool->mp_priv);
	pthread_spin_destroy(&pool->lock);
	free(pool->ring);
	free(pool);
}

/* Gives @nm back to the provider; pool lock held. */
static void release_to_provider_locked(struct dml_page_pool *pool,
				       struct dml_netmem *nm)
{
	nm->pp = NULL;
	pool->mp->release(pool->mp_priv, nm);
	pool->stats.recycle_released++;
	DML_WARN_ON(pool->table->warnings, pool->inflight == 0);
	pool->inflight--;
}

/*
 * From the recycle ring, else from the provider; NULL with @empty set when
 * neither had a buffer.  Pool lock held.
 */
static struct dml_netmem *alloc_locked(struct dml_page_pool *pool, bool *empty)
{
	struct dml_netmem *nm;

	if (DML_WARN_ON(pool->table->warnings, pool->flags & PP_DETACHED))
		return NULL;
	if (pool->ring_count) {
		nm = pool->ring[pool->ring_head];
		pool->ring_head = (pool->ring_head + 1) % pool->ring_size;
		pool->ring_count--;
		pool->stats.alloc_fast++;
	} else {
		nm = pool->mp->alloc(pool->mp_priv);
		if (!nm) {
			*empty = true;
			return NULL;
		}
		pool->stats.alloc_slow++;
		pool->inflight++;
		nm->pp = pool;
	}
	/* The caller's reference: the RX ring slot the buffer is posted to. */
	atomic_store_explicit(&nm->pp_ref_count, 1, memory_order_relaxed);
	return nm;
}

/* Nothing anywhere: the queue stalls, and the next return says so. */
static void mark_empty_locked(struct dml_page_pool *pool)
{
	pool->stats.alloc_empty++;
	pool->flags |= PP_DRY;
}

/*
 * The provider came up empty but can refill (a design's queued returns):
 * that gives buffers back to their pools, this one's lock included, so it
 * runs with the lock dropped, and the pool looks once more.
 */
static __attribute__((noinline)) struct dml_netmem *
alloc_refill_slow(struct dml_page_pool *pool)
{
	unsigned int got = pool->mp->refill(pool->mp_priv);
	struct dml_netmem *nm = NULL;
	bool empty = true;

	pthread_spin_lock(&pool->lock);
	if (got) {
		empty = false;
		nm = alloc_locked(pool, &empty);
	}
	if (empty)
		mark_empty_locked(pool);
	pthread_spin_unlock(&pool->lock);
	return nm;
}

struct dml_netmem *dml_page_pool_alloc(struct dml_page_pool *pool)
{
	bool can_refill = pool->mp->refill != NULL;
	struct dml_netmem *nm;
	bool empty = false;

	pthread_spin_lock(&pool->lock);
	nm = alloc_locked(pool, &empty);
	if (empty && !can_refill)
		mark_empty_locked(pool);
	pthread_spin_unlock(&pool->lock);
	if (empty && can_refill)
		return alloc_refill_slow(pool);
	return nm;
}

/* Puts @nm in the recycle ring, which has room. */
static void ring_put_locked(struct dml_page_pool *pool, struct dml_netmem *nm)
{
	pool->ring[(pool->ring_head + pool->ring_count) % pool->ring_size] = nm;
	pool->ring_count++;
	pool->stats.recycle_ring++;
}

/*
 * A return that is not the common one: to a detached pool, a dry one, or a
 * full ring.  It drops the lock.  Out of line, so the fast path keeps the
 * registers and instructions it had before anyone could wait for buffers.
 */
static __attribute__((noinline)) void recycle_slow_unlock(struct dml_page_pool *pool,
							   struct dml_netmem *nm)
{
	struct dml_page_pool_table *table = pool->table;
	/* A dry pool's queue may be waited on; a provider's buffer, any of its pools'. */
	bool wake = pool->flags & PP_DRY, free_pool = false;

	pool->flags &= ~PP_DRY;
	if (pool->flags & PP_DETACHED) {
		release_to_provider_locked(pool, nm);
		wake = true;
		/*
		 * Nothing refers to a detached pool with no buffer out, so the
		 * last returner frees it after dropping the lock.
		 */
		free_pool = pool->inflight == 0;
	} else if (pool->ring_count == pool->ring_size) {
		pool->stats.recycle_ring_full++;
		release_to_provider_locked(pool, nm);
		wake = true;
	} else {
		ring_put_locked(pool, nm);
	}
	pthread_spin_unlock(&pool->lock);

	if (wake)
		dml_page_pool_notify(table);
	if (free_pool)
		page_pool_free(pool);
}

void dml_page_pool_recycle(struct dml_page_pool *pool, struct dml_netmem *nm)
{
	pthread_spin_lock(&pool->lock);
	if (pool->flags || pool->ring_count == pool->ring_size) {
		recycle_slow_unlock(pool, nm);
		return;
	}
	ring_put_locked(pool, nm);
	pthread_spin_unlock(&pool->lock);
}

void dml_page_pool_destroy(struct dml_page_pool *pool)
{
	struct dml_page_pool_table *table = pool->table;
	bool free_pool, released;

	pthread_spin_lock(&pool->lock);
	pool->flags |= PP_DETACHED;
	pool->detach_time = (uint64_t)time(NULL);
	released = pool->ring_count != 0;
	while (pool->ring_count) {
		struct dml_netmem *nm = pool->ring[pool->ring_head];

		pool->ring_head = (pool->ring_head + 1) % pool->ring_size;
		pool->ring_count--;
		release_to_provider_locked(pool, nm);
	}
	free_pool = pool->inflight == 0;
	pthread_spin_unlock(&pool->lock);

	/* What went back to the provider another of its pools may take. */
	if (released)
		dml_page_pool_notify(table);
	if (free_pool)
		page_pool_free(pool);
}

uint32_t dml_page_pool_id(const struct dml_page_pool *pool)
{
	return pool->id;
}

struct dml_binding *dml_page_pool_binding(const struct dml_page_pool *pool)
{
	return pool->mp_priv;
}

void dml_page_pool_info(struct dml_page_pool *pool, struct dml_page_pool_info *info)
{
	info->id = pool->id;
	info->ifindex = pool->ifindex;
	info->queue = pool->queue;
	info->dmabuf_id = pool->mp->id ? pool->mp->id(pool->mp_priv) : 0;
	pthread_spin_lock(&pool->lock);
	info->inflight = pool->inflight - pool->ring_count;
	info->detached = pool->flags & PP_DETACHED;
	info->detach_time = pool->detach_time;
	info->stats = pool->stats;
	pthread_spin_unlock(&pool->lock);
}

int dml_page_pool_for_each(struct dml_page_pool_table *table,
			   int (*fn)(const struct dml_page_pool_info *info, void *arg),
			   void *arg)
{
	struct dml_page_pool_info info;
	struct dml_page_pool *pool;
	int ret = 0;

	pthread_mutex_lock(&table->lock);
	for (pool = table->pools; pool && !ret; pool = pool->next) {
		dml_page_pool_info(pool, &info);
		ret = fn(&info, arg);
	}
	pthread_mutex_unlock(&table->lock);
	return ret;
}

void dml_page_pool_count_idle(struct dml_page_pool_table *table,
			      const struct dml_binding *binding, uint32_t *idle)
{
	struct dml_page_pool *pool;
	unsigned int i;

	pthread_mutex_lock(&table->lock);
	for (pool = table->pools; pool; pool = pool->next) {
		if (pool->mp_priv != binding)
			continue;
		pthread_spin_lock(&pool->lock);
		for (i = 0; i < pool->ring_count; i++) {
			const struct dml_net_iov *niov = (const struct dml_net_iov *)
				pool->ring[(pool->ring_head + i) % pool->ring_size];

			idle[niov - binding->vec]++;
		}
		pthread_spin_unlock(&pool->lock);
	}
	pthread_mutex_unlock(&table->lock);
}
