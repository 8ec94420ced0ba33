/* SPDX-License-Identifier: MIT */
/*
 * A host with one bound queue and one DMA-only flow into it, for the
 * benchmark's deterministic, single-threaded measures (instructions, memory).
 */
#ifndef DML_BENCH_ONE_FLOW_H
#define DML_BENCH_ONE_FLOW_H

#include "devmem/devmem.h"

#define ONE_FLOW_GRO_SEGS	16
#define ONE_FLOW_CMSG_ROOM	(128 * CMSG_SPACE(sizeof(struct dmabuf_cmsg)))

struct one_flow {
	struct dml_host *host;
	struct dml_netdev *dev;
	struct dml_dmabuf *buf;
	struct dml_nl_sock *nl;
	struct dml_sock *listener;
	struct dml_sock *sk;
	struct dml_wire_flow *flow;
	uint32_t binding_id;
};

const struct dml_token_design_info *bench_design_info(const char *name);
int one_flow_up(struct one_flow *h, const struct dml_token_design_info *d,
		unsigned long pages);
void one_flow_down(struct one_flow *h);
long one_flow_hold(struct one_flow *h, unsigned long held);
double bench_state_bytes_per_token(const char *design, unsigned long held);
/* bind64.c */
int bench_bind_64g(double *seconds, double *bytes_per_niov);

#endif /* DML_BENCH_ONE_FLOW_H */
