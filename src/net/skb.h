/* SPDX-License-Identifier: MIT */
/*
 * sk_buff, reduced to what the receive path needs: payload in a linear part
 * (host memory, after header split) and up to 17 frags in page-pool buffers.
 * Each frag owns one page-pool reference.
 */
#ifndef DML_SKB_H
#define DML_SKB_H

#include <stdbool.h>
#include <stdint.h>

struct dml_netmem;

#define DML_MAX_SKB_FRAGS	17

struct dml_skb_frag {
	struct dml_netmem *nm;
	uint32_t offset;	/* inside the buffer's page */
	uint32_t size;
};

struct dml_skb {
	struct dml_skb *next;
	uint32_t len;			/* linear_len + every frag's size */
	uint32_t linear_len;
	/* false: frags are net_iovs, readable only through MSG_SOCK_DEVMEM */
	bool readable;
	uint8_t nr_frags;
	struct dml_skb_frag frags[DML_MAX_SKB_FRAGS];
	unsigned char linear[];
};

struct dml_skb *dml_skb_alloc(uint32_t linear_len);
void dml_skb_free(_Atomic unsigned long *warnings, struct dml_skb *skb);
unsigned char *dml_netmem_address(struct dml_netmem *nm);

#endif /* DML_SKB_H */
