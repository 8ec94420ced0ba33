/* SPDX-License-Identifier: MIT */
/* The receive path's pieces its two entries (rx.c, rx_fill.c) share. */
#ifndef DML_NIC_RX_H
#define DML_NIC_RX_H

#include <stddef.h>

#include "netdev.h"

struct dml_skb;

int dml_nic_build_skb_locked(struct dml_rxq *rxq,
			     const struct dml_wire_flow_config *cfg,
			     const unsigned char *data, size_t len,
			     struct dml_skb **out, size_t *used);

#endif /* DML_NIC_RX_H */
