// SPDX-License-Identifier: MIT
/*
 * One RX queue: the ring of posted buffers and the page pool behind it.  A
 * restart swaps the pool the way netdev_rx_queue_restart() does: the new
 * memory is ready before the old is given back (S-3.2).
 */
#include <errno.h>
#include <stdlib.h>

#include "mem/page_pool.h"
#include "netdev.h"
#include "warn.h"

int dml_rxq_refill_locked(struct dml_rxq *rxq)
{
	int posted = 0;

	if (!rxq->pool)
		return -ENETDOWN;
	while (rxq->ring_count < rxq->ring_size) {
		struct dml_netmem *nm = dml_page_pool_alloc(rxq->pool);

		if (!nm) {
			/* S-2.3: the NIC cannot post; count it, drop nothing. */
			rxq->stalls++;
			return posted ? posted : -ENOBUFS;
		}
		rxq->ring[(rxq->ring_head + rxq->ring_count) % rxq->ring_size] = nm;
		rxq->ring_count++;
		posted++;
	}
	return posted;
}

/*
 * The NIC fills the oldest posted buffer; its ring reference becomes the
 * caller's (an skb frag's).  NULL when nothing is posted.
 */
struct dml_netmem *dml_rxq_take_locked(struct dml_rxq *rxq)
{
	struct dml_netmem *nm;

	if (!rxq->ring_count)
		return NULL;
	nm = rxq->ring[rxq->ring_head];
	rxq->ring_head = (rxq->ring_head + 1) % rxq->ring_size;
	rxq->ring_count--;
	return nm;
}

/* Gives back every posted buffer and lets the pool go; rxq lock held. */
static void rxq_drain_locked(struct dml_rxq *rxq)
{
	struct dml_netmem *nm;

	if (rxq->cur)
		DML_WARN_ON(rxq->dev->table->warnings, !dml_netmem_put(rxq->cur));
	rxq->cur = NULL;
	while ((nm = dml_rxq_take_locked(rxq)))
		DML_WARN_ON(rxq->dev->table->warnings, !dml_netmem_put(nm));
	if (rxq->pool)
		dml_page_pool_destroy(rxq->pool);
	rxq->pool = NULL;
}

/*
 * Starts (or restarts) the queue on @mp's memory, or host memory for
 * NULL.  The provider and the pool change in one critical section, so the
 * NIC never builds an skb whose kind disagrees with its buffers.
 */
int dml_rxq_start(struct dml_rxq *rxq, const struct dml_memory_provider *mp)
{
	struct dml_page_pool *pool;
	int err;

	err = dml_page_pool_create(rxq->dev->table->pools, rxq->dev->ifindex,
				   rxq->index, mp, &pool);
	if (err)
		return err;

	pthread_mutex_lock(&rxq->lock);
	rxq_drain_locked(rxq);
	rxq->mp = mp;
	rxq->pool = pool;
	rxq->restarts++;
	/* An empty pool here is a stall the counters show, not a failure. */
	dml_rxq_refill_locked(rxq);
	pthread_mutex_unlock(&rxq->lock);
	/* New memory behind the queue: a source waiting for buffers retries. */
	dml_page_pool_notify(rxq->dev->table->pools);
	return 0;
}

void dml_rxq_stop(struct dml_rxq *rxq)
{
	pthread_mutex_lock(&rxq->lock);
	rxq_drain_locked(rxq);
	pthread_mutex_unlock(&rxq->lock);
}
