// SPDX-License-Identifier: MIT
/*
 * kmem_cache for user space, shaped like the kernel's fast path: a thread
 * allocates from and frees to its own magazine with no lock and no atomic,
 * as SLUB does from its per-CPU slab.  A magazine that runs dry takes a
 * batch from the cache's depot, one that fills up gives a batch back, both
 * under the depot's mutex; a thread that exits gives back all it holds.
 * Nodes are freed by liburcu's call_rcu thread and allocated by the
 * receiving thread, so the batches are what carries them across.
 */
#include <pthread.h>
#include <stdlib.h>

#include <linux/slab.h>

#define MAX_CACHES	4
#define MAGAZINE_SIZE	64
#define BATCH		(MAGAZINE_SIZE / 2)

struct kmem_cache {
	size_t size;
	void (*ctor)(void *obj);
	unsigned int slot;	/* this cache's magazine in each thread */
	/* depot_lock: protects the depot array, its length and capacity */
	pthread_mutex_t depot_lock;
	void **depot;
	size_t depot_len, depot_cap;
};

struct magazine {
	unsigned int nr;
	void *objs[MAGAZINE_SIZE];
};

static _Thread_local struct magazine magazines[MAX_CACHES];
static _Thread_local bool thread_known;
static struct kmem_cache *caches[MAX_CACHES];
static pthread_mutex_t caches_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;

static int depot_put(struct kmem_cache *cache, void **objs, unsigned int nr)
{
	unsigned int i;

	pthread_mutex_lock(&cache->depot_lock);
	if (cache->depot_len + nr > cache->depot_cap) {
		size_t cap = cache->depot_cap ? 2 * cache->depot_cap : 4 * MAGAZINE_SIZE;
		void **depot;

		while (cap < cache->depot_len + nr)
			cap *= 2;
		depot = realloc(cache->depot, cap * sizeof(*depot));
		if (!depot) {
			pthread_mutex_unlock(&cache->depot_lock);
			return -1;
		}
		cache->depot = depot;
		cache->depot_cap = cap;
	}
	for (i = 0; i < nr; i++)
		cache->depot[cache->depot_len++] = objs[i];
	pthread_mutex_unlock(&cache->depot_lock);
	return 0;
}

/* At thread exit: nothing may stay in a magazine nobody can reach. */
static void thread_exit(void *arg)
{
	unsigned int i;

	(void)arg;
	for (i = 0; i < MAX_CACHES; i++) {
		struct magazine *mag = &magazines[i];

		if (!caches[i] || !mag->nr)
			continue;
		if (depot_put(caches[i], mag->objs, mag->nr)) {
			while (mag->nr)
				free(mag->objs[--mag->nr]);
		}
		mag->nr = 0;
	}
	thread_known = false;
}

static void key_create(void)
{
	/* Only running out of keys fails, at start-up: nothing to unwind. */
	if (pthread_key_create(&key, thread_exit))
		abort();
}

static void thread_enter(void)
{
	pthread_once(&key_once, key_create);
	if (pthread_setspecific(key, &thread_known))
		abort();
	thread_known = true;
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size,
				     void (*ctor)(void *obj))
{
	struct kmem_cache *cache;
	unsigned int slot;

	(void)name;
	cache = calloc(1, sizeof(*cache));
	if (!cache)
		return NULL;
	cache->size = size;
	cache->ctor = ctor;
	pthread_mutex_init(&cache->depot_lock, NULL);
	pthread_mutex_lock(&caches_lock);
	for (slot = 0; slot < MAX_CACHES && caches[slot]; slot++)
		;
	if (slot == MAX_CACHES) {
		pthread_mutex_unlock(&caches_lock);
		pthread_mutex_destroy(&cache->depot_lock);
		free(cache);
		return NULL;
	}
	cache->slot = slot;
	caches[slot] = cache;
	pthread_mutex_unlock(&caches_lock);
	return cache;
}

/* The caller has freed every object and no thread uses the cache now. */
void kmem_cache_destroy(struct kmem_cache *cache)
{
	struct magazine *mag = &magazines[cache->slot];

	while (mag->nr)
		free(mag->objs[--mag->nr]);
	while (cache->depot_len)
		free(cache->depot[--cache->depot_len]);
	pthread_mutex_lock(&caches_lock);
	caches[cache->slot] = NULL;
	pthread_mutex_unlock(&caches_lock);
	free(cache->depot);
	pthread_mutex_destroy(&cache->depot_lock);
	free(cache);
}

/* A dry magazine: a batch from the depot, or new constructed objects. */
static void *alloc_slow(struct kmem_cache *cache, struct magazine *mag)
{
	void *obj;

	if (!thread_known)
		thread_enter();
	pthread_mutex_lock(&cache->depot_lock);
	while (mag->nr < BATCH && cache->depot_len)
		mag->objs[mag->nr++] = cache->depot[--cache->depot_len];
	pthread_mutex_unlock(&cache->depot_lock);
	while (mag->nr < BATCH) {
		obj = malloc(cache->size);
		if (!obj)
			break;
		if (cache->ctor)
			cache->ctor(obj);
		mag->objs[mag->nr++] = obj;
	}
	return mag->nr ? mag->objs[--mag->nr] : NULL;
}

void *kmem_cache_alloc(struct kmem_cache *cache, gfp_t gfp)
{
	struct magazine *mag = &magazines[cache->slot];

	(void)gfp;
	if (__builtin_expect(mag->nr != 0, 1))
		return mag->objs[--mag->nr];
	return alloc_slow(cache, mag);
}

/* A full magazine: half of it to the depot (or back to malloc). */
static void free_slow(struct kmem_cache *cache, struct magazine *mag, void *obj)
{
	if (!thread_known)
		thread_enter();
	mag->nr -= BATCH;
	if (depot_put(cache, &mag->objs[mag->nr], BATCH)) {
		unsigned int i;

		for (i = 0; i < BATCH; i++)
			free(mag->objs[mag->nr + i]);
	}
	mag->objs[mag->nr++] = obj;
}

void kmem_cache_free(struct kmem_cache *cache, void *obj)
{
	struct magazine *mag = &magazines[cache->slot];

	if (__builtin_expect(mag->nr < MAGAZINE_SIZE, 1)) {
		mag->objs[mag->nr++] = obj;
		return;
	}
	free_slow(cache, mag, obj);
}
