// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "consumer.h"
#include "one_flow.h"

#define PORT	5201

const struct dml_token_design_info *bench_design_info(const char *name)
{
	size_t i;

	for (i = 0; i < dml_token_design_count(); i++)
		if (!strcmp(dml_token_design(i)->name, name))
			return dml_token_design(i);
	return NULL;
}

/* @b zeroed; on failure, what was made is still for bench_host_down(). */
int bench_host_up(struct bench_host *b, const struct dml_host_config *hcfg,
		  const struct dml_netdev_config *dcfg, size_t bytes,
		  enum dml_dmabuf_exporter exporter)
{
	int err = dml_host_create(hcfg, &b->host);

	if (!err)
		err = dml_netdev_create(b->host, dcfg, &b->dev);
	if (!err)
		err = dml_dmabuf_create(bytes, exporter, &b->buf);
	if (!err)
		err = dml_nl_open(b->host, DML_NL_ADMIN, &b->nl);
	return err;
}

int bench_host_bind(struct bench_host *b, const uint32_t *queues, unsigned int nr_queues,
		    int autorelease, char *msg, size_t msglen)
{
	struct dml_bind_rx_req req = {
		.ifindex = dml_netdev_ifindex(b->dev), .dmabuf_fd = dml_dmabuf_fd(b->buf),
		.queues = queues, .nr_queues = nr_queues, .autorelease = autorelease,
	};

	return dml_bind_rx(b->nl, &req, &b->binding_id, msg, msglen);
}

void bench_host_down(struct bench_host *b)
{
	dml_nl_close(b->nl);
	dml_dmabuf_destroy(b->buf);
	dml_host_destroy(b->host);
}

/* Queue 1 of a 2-queue NIC bound to a dma-buf of @pages in @d's mode. */
int one_flow_up(struct one_flow *h, const struct dml_token_design_info *d,
		unsigned long pages)
{
	struct dml_host_config hcfg = { .rx_ring_size = 256, .pp_ring_size = 1024 };
	struct dml_netdev_config dcfg = {
		.name = "eth0", .max_rx_queues = 2, .rx_queues = 2, .header_split = true,
	};
	struct dml_wire_flow_config wcfg = {
		.mss = DML_PAGE_SIZE, .gro_segs = ONE_FLOW_GRO_SEGS,
		.flags = DML_WIRE_DMA_ONLY,
	};
	struct dml_flow match = { .dst_port = PORT };
	const uint32_t q[] = { 1 };
	int err;

	memset(h, 0, sizeof(*h));
	hcfg.token_design[d->autorelease] = d->name;
	wcfg.flow.dst_port = PORT;
	err = bench_host_up(&h->b, &hcfg, &dcfg, (size_t)pages * DML_PAGE_SIZE, DML_DMABUF_MEMFD);
	if (err)
		return err;
	err = bench_host_bind(&h->b, q, 1, d->autorelease, NULL, 0);
	if (!err && dml_netdev_add_ntuple(h->b.dev, &match, 1) < 0)
		err = -EINVAL;
	if (!err)
		err = dml_socket(h->b.host, SOCK_STREAM, &h->listener);
	if (!err)
		err = dml_listen(h->listener, PORT);
	if (!err)
		err = dml_wire_connect(h->b.dev, &wcfg, &h->flow);
	if (!err)
		err = dml_accept(h->listener, SOCK_NONBLOCK, &h->sk);
	return err;
}

void one_flow_down(struct one_flow *h)
{
	dml_wire_close(h->flow);
	dml_close(h->sk);
	dml_close(h->listener);
	bench_host_down(&h->b);
}

/* Receives until @held tokens are out and keeps them; how many, or -errno. */
long one_flow_hold(struct one_flow *h, unsigned long held)
{
	static unsigned char iov_buf[ONE_FLOW_GRO_SEGS * DML_PAGE_SIZE];
	static unsigned char ctrl[ONE_FLOW_CMSG_ROOM];
	struct iovec iov = { .iov_base = iov_buf, .iov_len = sizeof(iov_buf) };
	unsigned long tokens = 0;

	while (tokens < held) {
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
		};
		struct cmsghdr *cm;
		ssize_t n = dml_wire_send(h->flow, NULL, DML_PAGE_SIZE);

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

/*
 * Token-tracking memory per outstanding token: one socket receives and keeps
 * --held tokens (65536 at least) without returning any; then the design's
 * state (tables, nodes, per-net_iov counters of the binding) is divided by
 * what is held.  Deterministic and single-threaded, unlike the timed runs.
 */
double bench_state_bytes_per_token(const char *design, unsigned long held)
{
	const struct dml_token_design_info *d = bench_design_info(design);
	struct dml_binding_info info;
	struct one_flow h;
	double per_token = -1;
	long tokens, bytes;

	if (!d)
		return -1;
	/* Room for what is held plus the ring and one skb in flight. */
	if (!one_flow_up(&h, d, held + 2048)) {
		tokens = one_flow_hold(&h, held);
		bytes = dml_sock_token_state_bytes(h.sk);
		if (tokens > 0 && bytes >= 0 &&
		    !dml_binding_info(h.b.host, h.b.binding_id, &info))
			per_token = ((double)bytes +
				     (double)d->bytes_per_niov * (double)info.nr_niovs) /
				    (double)tokens;
	}
	one_flow_down(&h);
	return per_token;
}

/*
 * One socket's own token state with @held tokens out on a binding of
 * @pages, registered return ring included for a design that has one (the
 * application's ring is memory the kernel would pin per socket); the
 * binding's per-net_iov state is not the socket's and stays out.
 */
double bench_state_bytes_per_socket(const char *design, unsigned long held,
				    unsigned long pages)
{
	const struct dml_token_design_info *d = bench_design_info(design);
	struct consumer c = { 0 };
	struct one_flow h;
	double bytes = -1;
	long b;
	int err;

	if (!d)
		return -1;
	if (pages < held + 2048)
		pages = held + 2048;
	err = one_flow_up(&h, d, pages);
	if (!err)
		err = consumer_init(&c, h.sk, BENCH_PROFILE_KPERF, 0, 0);
	if (!err) {
		err = consumer_ring_attach(&c, CONSUMER_RING_ENTRIES);
		err = err == -ENOPROTOOPT ? 0 : err;
	}
	if (!err && one_flow_hold(&h, held) >= 0) {
		b = dml_sock_token_state_bytes(h.sk);
		bytes = b >= 0 ? (double)b : -1;
	}
	consumer_destroy(&c);
	one_flow_down(&h);
	return bytes;
}
