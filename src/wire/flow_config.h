/* SPDX-License-Identifier: MIT */
/* Segmentation settings every source of segments accepts the same way. */
#ifndef DML_WIRE_FLOW_CONFIG_H
#define DML_WIRE_FLOW_CONFIG_H

#include "devmem/devmem.h"

int dml_wire_check_config(const struct dml_wire_flow_config *cfg,
			  struct dml_wire_flow_config *out);

#endif /* DML_WIRE_FLOW_CONFIG_H */
