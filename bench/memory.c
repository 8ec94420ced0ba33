// SPDX-License-Identifier: MIT
/*
 * Token-tracking memory per outstanding token: one socket receives and keeps
 * --held tokens (65536 at least) without returning any; then the design's
 * state (tables, nodes, per-net_iov counters of the binding) is divided by
 * what is held.  Deterministic and single-threaded, unlike the timed runs.
 */
#include <errno.h>
#include <string.h>

#include "bench.h"
#include "devmem/devmem.h"
#include "memory.h"

#define PORT		5201
#define GRO_SEGS	16
#define CMSG_ROOM	(128 * CMSG_SPACE(sizeof(struct dmabuf_cmsg)))

struct mem_host {
	struct dml_host *host;
	struct dml_netdev *dev;
	struct dml_dmabuf *buf;
	struct dml_nl_sock *nl;
	struct dml_sock *listener;
	struct dml_sock *sk;
	struct dml_wire_flow *flow;
	uint32_t id;
};

static int mem_host_up(struct mem_host *h, const struct dml_token_design_info *d,
		       unsigned long pages)
{
	struct dml_host_config hcfg = { .rx_ring_size = 256, .pp_ring_size = 1024 };
	struct dml_netdev_config dcfg = {
		.name = "eth0", .max_rx_queues = 2, .rx_queues = 2, .header_split = true,
	};
	struct dml_wire_flow_config wcfg = {
		.mss = DML_PAGE_SIZE, .gro_segs = GRO_SEGS, .flags = DML_WIRE_DMA_ONLY,
	};
	struct dml_flow match = { .dst_port = PORT };
	const uint32_t q[] = { 1 };
	struct dml_bind_rx_req req;
	int err;

	hcfg.token_design[d->autorelease] = d->name;
	wcfg.flow.dst_port = PORT;
	err = dml_host_create(&hcfg, &h->host);
	if (!err)
		err = dml_netdev_create(h->host, &dcfg, &h->dev);
	if (!err)
		err = dml_dmabuf_create(pages * DML_PAGE_SIZE, DML_DMABUF_MEMFD, &h->buf);
	if (!err)
		err = dml_nl_open(h->host, DML_NL_ADMIN, &h->nl);
	if (err)
		return err;
	req = (struct dml_bind_rx_req){
		.ifindex = dml_netdev_ifindex(h->dev), .dmabuf_fd = dml_dmabuf_fd(h->buf),
		.queues = q, .nr_queues = 1, .autorelease = d->autorelease,
	};
	err = dml_bind_rx(h->nl, &req, &h->id, NULL, 0);
	if (!err && dml_netdev_add_ntuple(h->dev, &match, 1) < 0)
		err = -EINVAL;
	if (!err)
		err = dml_socket(h->host, SOCK_STREAM, &h->listener);
	if (!err)
		err = dml_listen(h->listener, PORT);
	if (!err)
		err = dml_wire_connect(h->dev, &wcfg, &h->flow);
	if (!err)
		err = dml_accept(h->listener, SOCK_NONBLOCK, &h->sk);
	return err;
}

static void mem_host_down(struct mem_host *h)
{
	dml_wire_close(h->flow);
	dml_close(h->sk);
	dml_close(h->listener);
	dml_nl_close(h->nl);
	dml_dmabuf_destroy(h->buf);
	dml_host_destroy(h->host);
}

/* Receives until @held tokens are out; returns how many, or -errno. */
static long hold_tokens(struct mem_host *h, unsigned long held)
{
	static unsigned char iov_buf[GRO_SEGS * DML_PAGE_SIZE], ctrl[CMSG_ROOM];
	struct iovec iov = { .iov_base = iov_buf, .iov_len = sizeof(iov_buf) };
	unsigned long tokens = 0;

	while (tokens < held) {
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
		};
		struct cmsghdr *cm;
		ssize_t n = dml_wire_send(h->flow, NULL, GRO_SEGS * DML_PAGE_SIZE);

		if (n < 0)
			return n;
		while ((n = dml_recvmsg(h->sk, &msg, MSG_SOCK_DEVMEM | MSG_DONTWAIT)) > 0) {
			for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
				tokens += cm->cmsg_type == SCM_DEVMEM_DMABUF;
			msg.msg_controllen = sizeof(ctrl);
		}
		if (n < 0 && n != -EAGAIN)
			return n;
	}
	return (long)tokens;
}

double bench_state_bytes_per_token(const char *design, unsigned long held)
{
	const struct dml_token_design_info *d = NULL;
	struct dml_binding_info info;
	struct mem_host h = { 0 };
	double per_token = -1;
	long tokens, bytes;
	size_t i;

	for (i = 0; i < dml_token_design_count(); i++)
		if (!strcmp(dml_token_design(i)->name, design))
			d = dml_token_design(i);
	if (!d)
		return -1;
	/* Room for what is held plus the ring and one skb in flight. */
	if (!mem_host_up(&h, d, held + 2048)) {
		tokens = hold_tokens(&h, held);
		bytes = dml_sock_token_state_bytes(h.sk);
		if (tokens > 0 && bytes >= 0 && !dml_binding_info(h.host, h.id, &info))
			per_token = ((double)bytes +
				     (double)d->bytes_per_niov * (double)info.nr_niovs) /
				    (double)tokens;
	}
	mem_host_down(&h);
	return per_token;
}
