// SPDX-License-Identifier: MIT
/*
 * Waiting for buffers.  A segment source that found its queue with nothing
 * posted stops reading and asks to be woken when that may have changed - a
 * return to a dry page pool or to a provider, or a queue restart.  Only the
 * slow paths of the page pool wake, so the return path costs the same
 * whether anybody watches or not.  And what a source must check so that
 * its wait can end: a segment the ring can hold at all.
 */
#include <errno.h>
#include <stdlib.h>

#include "mem/page_pool.h"
#include "netdev.h"

struct dml_nic_watch {
	struct dml_page_pool_watch pp;
	struct dml_page_pool_table *pools;
};

int dml_nic_watch_buffers(struct dml_netdev *dev, void (*wake)(void *arg), void *arg,
			  struct dml_nic_watch **out)
{
	struct dml_nic_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->pp.wake = wake;
	w->pp.arg = arg;
	w->pools = dev->table->pools;
	dml_page_pool_watch(w->pools, &w->pp);
	*out = w;
	return 0;
}

/* After it returns, the wake is not running and never runs again. */
void dml_nic_unwatch_buffers(struct dml_nic_watch *w)
{
	if (!w)
		return;
	dml_page_pool_unwatch(w->pools, &w->pp);
	free(w);
}

/* Posted buffers one segment of @mss payload bytes may need: it may start mid-page. */
unsigned int dml_nic_seg_pages(uint32_t mss)
{
	return (mss + DML_PAGE_SIZE - 1) / DML_PAGE_SIZE + 1;
}

/* Buffers each RX queue of @dev keeps posted. */
unsigned int dml_nic_ring_size(const struct dml_netdev *dev)
{
	return dev->table->rx_ring_size;
}
