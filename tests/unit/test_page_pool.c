// SPDX-License-Identifier: MIT
/* S-2.2 .. S-2.4: the binding's net_iovs, its counts, the page pool and its stats. */
#include "host.h"
#include "mem/binding.h"
#include "mem/page_pool.h"
#include "nic/netdev.h"
#include "test_helpers.h"

/* The binding with @id, or NULL; single-threaded: the pointer outlives the lock. */
static struct dml_binding *binding_find(struct dml_host *host, uint32_t id)
{
	struct dml_binding *found = NULL;
	size_t i;

	pthread_mutex_lock(&host->bindings.lock);
	for (i = 0; i < host->bindings.nr && !found; i++)
		if (host->bindings.bindings[i]->id == id)
			found = host->bindings.bindings[i];
	pthread_mutex_unlock(&host->bindings.lock);
	return found;
}

static struct dml_binding *bind_queues(struct fixture *f, const uint32_t *q,
				       size_t n, int autorelease)
{
	long id = fixture_bind(f, f->nl, q, n, autorelease);

	assert_true(id >= 1);
	return binding_find(f->host, (uint32_t)id);
}

struct pool_find {
	uint32_t queue;
	uint32_t dmabuf_id;
	struct dml_page_pool_info info;
	int found;
};

static int find_pool(const struct dml_page_pool_info *info, void *arg)
{
	struct pool_find *pf = arg;

	if (info->queue == pf->queue && info->dmabuf_id == pf->dmabuf_id) {
		pf->info = *info;
		pf->found++;
	}
	return 0;
}

static struct dml_page_pool_info pool_of(struct fixture *f, uint32_t queue,
					 uint32_t dmabuf_id)
{
	struct pool_find pf = { .queue = queue, .dmabuf_id = dmabuf_id };

	dml_page_pool_for_each(&f->host->pools, find_pool, &pf);
	assert_int_equal(pf.found, 1);
	return pf.info;
}

static struct dml_netmem *nic_take(struct fixture *f, unsigned int queue)
{
	struct dml_rxq *rxq = &f->dev->rxqs[queue];
	struct dml_netmem *nm;

	pthread_mutex_lock(&rxq->lock);
	nm = dml_rxq_take_locked(rxq);
	pthread_mutex_unlock(&rxq->lock);
	assert_non_null(nm);
	return nm;
}

/* S-2.2: one net_iov per page, counts named by their holders. */
static void test_binding_layout(void **state)
{
	struct fixture *f = *state;
	const uint32_t q[] = { 6, 7 };
	struct dml_binding *b = bind_queues(f, q, 2, 0);
	size_t i;

	assert_non_null(b);
	assert_int_equal(b->nr_niovs, FIXTURE_PAGES);
	assert_int_equal(b->autorelease, 0);
	/* the netlink socket + one page pool per bound queue */
	assert_int_equal(atomic_load(&b->refcount), 3);
	/* two bound queues, no socket joined yet */
	assert_int_equal(atomic_load(&b->users), 2);
	/* 64 pages shared by two rings of 256: all handed out, none free */
	assert_int_equal(b->nr_free, 0);
	for (i = 0; i < b->nr_niovs; i++) {
		assert_int_equal(atomic_load(&b->vec[i].nm.pp_ref_count), 1);
		assert_int_equal(atomic_load(&b->vec[i].uref), 0);
		assert_int_equal(dml_net_iov_index(b, &b->vec[i]), i);
	}
	/* a net_iov's memory is its page of the dma-buf */
	assert_ptr_equal(dml_net_iov_addr(b, &b->vec[5]),
			 b->dmabuf.map + 5 * DML_PAGE_SIZE);
}

/*
 * S-2.2: what a binding reports it costs (dml_binding_info(), the figure
 * behind the 64 GiB bind's bytes per net_iov) grows per page by exactly
 * what the binding allocates per page, its net_iov and its free-list slot,
 * and that stays inside the 32 bytes per page a 64 GiB bind (16 M net_iovs)
 * is held to.  The net_iov's size itself is fixed at compile time by the
 * static assertion in netmem.h; this is the behaviour that size is for.
 */
static void test_binding_cost_per_page(void **state)
{
	struct fixture *f = *state;
	const uint32_t q6[] = { 6 }, q7[] = { 7 };
	struct dml_dmabuf *buf = f->buf, *buf2;
	struct dml_binding_info small, big;
	struct dml_binding *b;
	uint64_t per_page;

	assert_ok(dml_dmabuf_create(3 * FIXTURE_PAGES * DML_PAGE_SIZE,
				    DML_DMABUF_MEMFD, &buf2));
	b = bind_queues(f, q7, 1, 0);
	assert_ok(dml_binding_info(f->host, b->id, &small));
	f->buf = buf2;
	b = bind_queues(f, q6, 1, 0);
	f->buf = buf;
	assert_ok(dml_binding_info(f->host, b->id, &big));
	assert_errno(dml_binding_info(f->host, b->id + 1, &big), -ENOENT);

	assert_int_equal(small.nr_niovs, FIXTURE_PAGES);
	assert_int_equal(big.nr_niovs, 3 * FIXTURE_PAGES);
	assert_int_equal(small.users, 1);
	assert_true(big.metadata_bytes > small.metadata_bytes);
	assert_int_equal((big.metadata_bytes - small.metadata_bytes) % (2 * FIXTURE_PAGES), 0);
	per_page = (big.metadata_bytes - small.metadata_bytes) / (2 * FIXTURE_PAGES);
	assert_int_equal(per_page, sizeof(b->vec[0]) + sizeof(b->free_stack[0]));
	assert_true(per_page <= 32);
	/* and the binding itself, once */
	assert_true(small.metadata_bytes - FIXTURE_PAGES * per_page >=
		    sizeof(struct dml_binding));

	dml_nl_close(f->nl);
	f->nl = NULL;
	dml_dmabuf_destroy(buf2);
	assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &f->nl));
}

/*
 * S-2.3: a buffer whose last reference goes returns to the pool and is
 * posted again; an empty pool stalls the queue, counted, until one returns.
 */
static void test_pool_recycle_and_stall(void **state)
{
	struct fixture *f = *state;
	const uint32_t q[] = { 7 };
	struct dml_binding *b = bind_queues(f, q, 1, 1);
	struct dml_netmem *held[FIXTURE_PAGES];
	struct dml_page_pool_info pp;
	struct dml_rxq_info rxq;
	int i;

	pp = pool_of(f, 7, b->id);
	assert_int_equal(pp.stats.alloc_slow, FIXTURE_PAGES);
	assert_int_equal(pp.stats.alloc_empty, 1);
	assert_int_equal(pp.inflight, FIXTURE_PAGES);

	/* the NIC fills every posted buffer: the ring is empty */
	for (i = 0; i < FIXTURE_PAGES; i++)
		held[i] = nic_take(f, 7);
	assert_errno(dml_netdev_rxq_refill(f->dev, 7), -ENOBUFS);
	assert_ok(dml_netdev_rxq_info(f->dev, 7, &rxq));
	assert_int_equal(rxq.posted, 0);
	assert_int_equal(rxq.stalls, 2);

	/* the consumer gives two back: they are posted again */
	assert_true(dml_netmem_put(held[0]));
	assert_true(dml_netmem_put(held[1]));
	pp = pool_of(f, 7, b->id);
	assert_int_equal(pp.stats.recycle_ring, 2);
	/* posts the two, then runs dry again */
	assert_int_equal(dml_netdev_rxq_refill(f->dev, 7), 2);
	assert_ok(dml_netdev_rxq_info(f->dev, 7, &rxq));
	assert_int_equal(rxq.posted, 2);
	pp = pool_of(f, 7, b->id);
	assert_int_equal(pp.stats.alloc_fast, 2);

	for (i = 2; i < FIXTURE_PAGES; i++)
		assert_true(dml_netmem_put(held[i]));
}

/*
 * S-2.3 / S-3.4: unbinding while a buffer is still out leaves the pool
 * detached and the binding alive (its mode still holds); the last return
 * frees both.
 */
static void test_detached_pool_lingers(void **state)
{
	struct fixture *f = *state;
	const uint32_t q[] = { 7 };
	struct dml_binding *b = bind_queues(f, q, 1, 1);
	uint32_t id = b->id;
	struct dml_netmem *nm = nic_take(f, 7);
	struct dml_page_pool_info pp;

	dml_nl_close(f->nl);
	f->nl = NULL;
	pp = pool_of(f, 7, id);
	assert_true(pp.detached);
	assert_int_equal(pp.inflight, 1);
	assert_ptr_equal(binding_find(f->host, id), b);
	assert_int_equal(dml_host_autorelease_mode(f->host), 1);

	assert_true(dml_netmem_put(nm));
	assert_null(binding_find(f->host, id));
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
	assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &f->nl));
}

/*
 * S-2.2: users = bound queues + joined sockets; when it reaches 0 every uref
 * still held is reclaimed with its page-pool reference.
 */
static void test_users_zero_reclaims(void **state)
{
	struct fixture *f = *state;
	const uint32_t q[] = { 7 };
	struct dml_binding *b = bind_queues(f, q, 1, 0);
	struct dml_netmem *nm = nic_take(f, 7);
	struct dml_net_iov *niov = (struct dml_net_iov *)nm;
	uint32_t id = b->id;

	/* a token delivered twice and never returned: one pp reference */
	dml_netmem_get(nm);
	atomic_store(&niov->uref, 2);
	/* the skb frag goes away */
	assert_true(dml_netmem_put(nm));
	assert_int_equal(atomic_load(&nm->pp_ref_count), 1);

	dml_nl_close(f->nl);
	f->nl = NULL;
	assert_null(binding_find(f->host, id));
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
	assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &f->nl));
}

/* S-2.4: page-pool stats of host-memory pools too. */
static void test_host_pool_stats(void **state)
{
	struct fixture *f = *state;
	struct dml_page_pool_info pp = pool_of(f, 0, 0);

	assert_int_equal(pp.stats.alloc_slow, DML_DEFAULT_RX_RING_SIZE);
	assert_int_equal(pp.stats.alloc_empty, 0);
	assert_int_equal(pp.inflight, DML_DEFAULT_RX_RING_SIZE);
	assert_int_equal(pp.ifindex, f->ifindex);
	assert_false(pp.detached);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_binding_layout),
		T(test_binding_cost_per_page),
		T(test_pool_recycle_and_stall),
		T(test_detached_pool_lingers),
		T(test_users_zero_reclaims),
		T(test_host_pool_stats),
	};

	return RUN_TESTS(tests);
}
