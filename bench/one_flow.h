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

/* A host with one NIC, a dma-buf and a netlink socket: what every measure binds. */
struct bench_host {
	struct dml_host *host;
	struct dml_netdev *dev;
	struct dml_dmabuf *buf;
	struct dml_nl_sock *nl;
	uint32_t binding_id;
};

int bench_host_up(struct bench_host *b, const struct dml_host_config *hcfg,
		  const struct dml_netdev_config *dcfg, size_t bytes,
		  enum dml_dmabuf_exporter exporter);
int bench_host_bind(struct bench_host *b, const uint32_t *queues, unsigned int nr_queues,
		    int autorelease, char *msg, size_t msglen);
void bench_host_down(struct bench_host *b);

struct one_flow {
	struct bench_host b;
	struct dml_sock *listener;
	struct dml_sock *sk;
	struct dml_wire_flow *flow;
};

const struct dml_token_design_info *bench_design_info(const char *name);
int one_flow_up(struct one_flow *h, const struct dml_token_design_info *d,
		unsigned long pages);
void one_flow_down(struct one_flow *h);
long one_flow_hold(struct one_flow *h, unsigned long held);
double bench_state_bytes_per_token(const char *design, unsigned long held);
double bench_state_bytes_per_socket(const char *design, unsigned long held,
				    unsigned long pages);
/* bind64.c */
int bench_bind_64g(double *seconds, double *bytes_per_niov);

#endif /* DML_BENCH_ONE_FLOW_H */
