// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "mem/binding.h"
#include "mem/page_pool.h"
#include "skb.h"
#include "warn.h"

struct dml_skb *dml_skb_alloc(uint32_t linear_len)
{
	struct dml_skb *skb = malloc(sizeof(*skb) + linear_len);

	if (!skb)
		return NULL;
	skb->next = NULL;
	skb->len = linear_len;
	skb->linear_len = linear_len;
	skb->readable = true;
	skb->nr_frags = 0;
	return skb;
}

/* Frees the skb and drops the page-pool reference each frag holds. */
void dml_skb_free(_Atomic unsigned long *warnings, struct dml_skb *skb)
{
	unsigned int i;

	for (i = 0; i < skb->nr_frags; i++)
		DML_WARN_ON(warnings, !dml_netmem_put(skb->frags[i].nm));
	free(skb);
}

/* The CPU address of a buffer: a host page's data or a net_iov's dma-buf page. */
unsigned char *dml_netmem_address(struct dml_netmem *nm)
{
	struct dml_binding *binding = dml_page_pool_binding(nm->pp);

	if (binding)
		return dml_net_iov_addr(binding, (struct dml_net_iov *)nm);
	return ((struct dml_page *)nm)->data;
}
