// SPDX-License-Identifier: MIT
/*
 * The kxarray plugin (SPEC S-8): the kernel's lib/xarray.c on our shims.
 * The conformance suites run it as a design beside every other; this file
 * checks what they cannot see: that the code is the kernel's (its node, its
 * allocator's order), and that each shim keeps the promise the kernel's
 * counterpart makes (a spinlock that excludes, a slab that recycles
 * constructed objects lock-free and across threads, RCU that defers).
 *
 * Built only with the kernel's header on the include path, so it cannot
 * use test_helpers.h (whose system netlink headers would meet the shims).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "devmem/devmem.h"
#include "kx_shim.h"
#include "radix-tree.h"

/* S-8: the design is in the table, in the classic mode. */
static void test_registered(void **state)
{
	size_t i, found = 0;

	(void)state;
	for (i = 0; i < dml_token_design_count(); i++) {
		const struct dml_token_design_info *info = dml_token_design(i);

		if (!strcmp(info->name, "kxarray")) {
			found++;
			assert_int_equal(info->autorelease, 1);
		}
	}
	assert_int_equal(found, 1);
}

/* S-8: production settings: 64-slot nodes of the kernel's 576 bytes. */
static void test_production_node(void **state)
{
	(void)state;
	assert_int_equal(XA_CHUNK_SHIFT, 6);
	assert_int_equal(XA_CHUNK_SIZE, 64);
	assert_int_equal(sizeof(struct xa_node), 576);
}

/*
 * S-4.4: the kernel's allocator on our shims: lowest free id from 1, a
 * reservation loads as NULL and commits by cmpxchg, and a tree of 65 ids
 * has grown a second level (a node freed through RCU when it shrinks).
 */
static void test_kernel_allocator(void **state)
{
	struct xarray xa;
	u32 id, i;
	int dummy;

	(void)state;
	xa_init_flags(&xa, XA_FLAGS_ALLOC1);
	xa_lock_bh(&xa);
	for (i = 1; i <= 65; i++) {
		assert_int_equal(__xa_alloc(&xa, &id, XA_ZERO_ENTRY, xa_limit_31b,
					    GFP_KERNEL), 0);
		assert_int_equal(id, i);
	}
	assert_null(xa_load(&xa, 7));
	assert_ptr_equal(__xa_cmpxchg(&xa, 7, XA_ZERO_ENTRY, &dummy, GFP_KERNEL),
			 NULL);
	assert_ptr_equal(xa_load(&xa, 7), &dummy);
	assert_true(xa_is_node(xa_head_locked(&xa)));
	assert_int_not_equal(xa_to_node(xa_head_locked(&xa))->shift, 0);
	__xa_erase(&xa, 3);
	assert_int_equal(__xa_alloc(&xa, &id, XA_ZERO_ENTRY, xa_limit_31b,
				    GFP_KERNEL), 0);
	assert_int_equal(id, 3);
	xa_unlock_bh(&xa);
	xa_destroy(&xa);
	assert_true(xa_empty(&xa));
}

struct counter {
	spinlock_t lock;
	unsigned long value;
};

static void *count_up(void *arg)
{
	struct counter *c = arg;
	int i;

	for (i = 0; i < 200000; i++) {
		spin_lock_bh(&c->lock);
		c->value++;
		spin_unlock_bh(&c->lock);
	}
	return NULL;
}

/* S-7.1: the spinlock excludes: no increment is lost between two threads. */
static void test_spinlock_excludes(void **state)
{
	struct counter c = { .value = 0 };
	pthread_t t;

	(void)state;
	spin_lock_init(&c.lock);
	assert_int_equal(pthread_create(&t, NULL, count_up, &c), 0);
	count_up(&c);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(c.value, 400000);
	assert_true(spin_trylock(&c.lock));
	assert_false(spin_trylock(&c.lock));
	spin_unlock(&c.lock);
}

static int constructed;

static void ctor(void *obj)
{
	memset(obj, 0xa5, 64);
	constructed++;
}

#define NR_OBJS 200

struct handoff {
	struct kmem_cache *cache;
	void *objs[NR_OBJS];
};

static void *free_all(void *arg)
{
	struct handoff *h = arg;
	int i;

	for (i = 0; i < NR_OBJS; i++)
		kmem_cache_free(h->cache, h->objs[i]);
	return NULL;
}

/*
 * The slab: objects come constructed, once each; a free is reused by the
 * next allocation; objects freed by a thread that then exits (liburcu's
 * callback thread frees every node) come back to other threads.
 */
static void test_slab(void **state)
{
	struct kmem_cache *cache = kmem_cache_create("test", 64, ctor);
	struct handoff h = { .cache = cache };
	void *again[NR_OBJS + 64];
	unsigned char *obj;
	int i, n, built, reused = 0;
	pthread_t t;

	(void)state;
	assert_non_null(cache);
	constructed = 0;
	obj = kmem_cache_alloc(cache, GFP_KERNEL);
	assert_non_null(obj);
	assert_int_equal(obj[0], 0xa5);
	kmem_cache_free(cache, obj);
	assert_ptr_equal(kmem_cache_alloc(cache, GFP_KERNEL), obj);
	kmem_cache_free(cache, obj);

	for (i = 0; i < NR_OBJS; i++)
		assert_non_null(h.objs[i] = kmem_cache_alloc(cache, GFP_KERNEL));
	assert_int_equal(pthread_create(&t, NULL, free_all, &h), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	/*
	 * What this thread's magazine still holds comes first, then the
	 * exited thread's objects, all of them: fewer objects are built than
	 * the allocations made, the rest are the handed-over ones.
	 */
	built = constructed;
	for (n = 0; n < NR_OBJS + 64 && reused < NR_OBJS; n++) {
		assert_non_null(again[n] = kmem_cache_alloc(cache, GFP_KERNEL));
		for (i = 0; i < NR_OBJS; i++)
			reused += again[n] == h.objs[i];
	}
	assert_int_equal(reused, NR_OBJS);
	assert_true(constructed - built < n - NR_OBJS + 64);
	while (n--)
		kmem_cache_free(cache, again[n]);
	kmem_cache_destroy(cache);
}

static pthread_t callback_thread;
static int callbacks;

static void note_callback(struct rcu_head *head)
{
	(void)head;
	kx_rcu_callback_begin();
	callback_thread = pthread_self();
	__atomic_store_n(&callbacks, 1, __ATOMIC_RELEASE);
}

/* RCU: call_rcu() runs its callback later, on liburcu's callback thread. */
static void test_call_rcu_defers(void **state)
{
	struct rcu_head head;
	int i;

	(void)state;
	callbacks = 0;
	rcu_read_lock();
	call_rcu(&head, note_callback);
	rcu_read_unlock();
	/*
	 * Wait for it without urcu_memb_barrier(), whose own completion
	 * TSan cannot follow into liburcu; the bound is only a hang guard.
	 */
	for (i = 0; i < 10000 && !__atomic_load_n(&callbacks, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	assert_int_equal(__atomic_load_n(&callbacks, __ATOMIC_ACQUIRE), 1);
	assert_false(pthread_equal(callback_thread, pthread_self()));
}

/* A node goes back to the cache zeroed, for its next user to find so. */
static void test_node_freed_zeroed(void **state)
{
	struct xa_node *node = kmem_cache_alloc(radix_tree_node_cachep, GFP_KERNEL);
	int dummy;

	(void)state;
	assert_non_null(node);
	node->slots[5] = &dummy;
	node->marks[0][0] = 1;
	radix_tree_node_rcu_free(&node->rcu_head);
	assert_ptr_equal(kmem_cache_alloc(radix_tree_node_cachep, GFP_KERNEL), node);
	assert_null(node->slots[5]);
	assert_int_equal(node->marks[0][0], 0);
	kmem_cache_free(radix_tree_node_cachep, node);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered),
		cmocka_unit_test(test_production_node),
		cmocka_unit_test(test_kernel_allocator),
		cmocka_unit_test(test_spinlock_excludes),
		cmocka_unit_test(test_slab),
		cmocka_unit_test(test_call_rcu_defers),
		cmocka_unit_test(test_node_freed_zeroed),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
