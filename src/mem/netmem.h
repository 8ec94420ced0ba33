/* SPDX-License-Identifier: MIT */
/*
 * A buffer a page pool hands to the NIC: a host page or a net_iov (one page
 * of a bound dma-buf).  Both start with the same header so that the RX path
 * and the pool treat them alike.
 */
#ifndef DML_NETMEM_H
#define DML_NETMEM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "devmem/uapi.h"

struct dml_page_pool;

struct dml_netmem {
	/*
	 * Page-pool references: one for the RX ring slot or skb frag holding
	 * the buffer, one per xarray-mode token, one for a net_iov whose uref
	 * is above 0.  The last put gives the buffer back to @pp.
	 */
	atomic_long pp_ref_count;
	/* The pool that allocated it; NULL while free in its provider. */
	struct dml_page_pool *pp;
};

struct dml_net_iov {
	struct dml_netmem nm;
	/*
	 * autorelease = 0: deliveries of this page not yet returned through
	 * SO_DEVMEM_DONTNEED, by any socket joined to the binding.
	 */
	atomic_uint uref;
	uint32_t reserved;
};

struct dml_page {
	struct dml_netmem nm;
	unsigned char data[DML_PAGE_SIZE];
};

_Static_assert(sizeof(struct dml_net_iov) == 24,
	       "net_iov metadata budget: 24 bytes + 4 of free list");

void dml_page_pool_recycle(struct dml_page_pool *pool, struct dml_netmem *nm);

static inline void dml_netmem_get(struct dml_netmem *nm)
{
	atomic_fetch_add_explicit(&nm->pp_ref_count, 1, memory_order_relaxed);
}

/*
 * Drops one page-pool reference.  Returns false when the count was already
 * zero: a double drop, which the caller reports.
 */
static inline bool dml_netmem_put(struct dml_netmem *nm)
{
	long old = atomic_fetch_sub_explicit(&nm->pp_ref_count, 1,
					     memory_order_acq_rel);

	if (old == 1)
		dml_page_pool_recycle(nm->pp, nm);
	return old > 0;
}

#endif /* DML_NETMEM_H */
