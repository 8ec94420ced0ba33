/* SPDX-License-Identifier: MIT */
/* Segmentation settings every source of segments accepts the same way. */
#ifndef DML_WIRE_FLOW_CONFIG_H
#define DML_WIRE_FLOW_CONFIG_H

#include "devmem/devmem.h"

int dml_wire_check_config(const struct dml_wire_flow_config *cfg,
			  struct dml_wire_flow_config *out);
void dml_wire_connect_hds(struct dml_wire_flow_config *cfg, const struct dml_netdev *dev);

#endif /* DML_WIRE_FLOW_CONFIG_H */
