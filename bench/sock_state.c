// SPDX-License-Identifier: MIT
/*
 * State bytes per socket against binding size (sock_state.h): a host with
 * one bound queue and @sockets connections steered to it, each of which
 * reads one page and keeps its token, so every design has joined and holds
 * what a live receiver holds at the least.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "one_flow.h"
#include "sock_state.h"

#define PORT		5202
#define MAX_SOCKETS	1000u
#define QUEUE		1

struct conn {
	struct dml_wire_flow *flow;
	struct dml_sock *sk;
};

/* One page on @c's flow, read with its one DMABUF cmsg kept. */
static int conn_hold_one(struct conn *c)
{
	static unsigned char iov_buf[DML_PAGE_SIZE];
	static unsigned char ctrl[4 * CMSG_SPACE(sizeof(struct dmabuf_cmsg))];
	struct iovec iov = { .iov_base = iov_buf, .iov_len = sizeof(iov_buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
	};
	ssize_t n = dml_wire_send(c->flow, NULL, DML_PAGE_SIZE);

	if (n < 0)
		return (int)n;
	n = dml_recvmsg(c->sk, &msg, MSG_SOCK_DEVMEM | MSG_DONTWAIT);
	return n == DML_PAGE_SIZE ? 0 : n < 0 ? (int)n : -EIO;
}

/* Every socket's token state, each holding one page; bytes or -errno. */
static long long measure_once(const struct dml_token_design_info *d, uint64_t pages,
			      unsigned int sockets)
{
	struct dml_host_config hcfg = { .rx_ring_size = 64, .pp_ring_size = 64 };
	struct dml_netdev_config dcfg = {
		.name = "eth0", .max_rx_queues = 2, .rx_queues = 2, .header_split = true,
	};
	struct dml_wire_flow_config wcfg = {
		.mss = DML_PAGE_SIZE, .gro_segs = 1, .flags = DML_WIRE_DMA_ONLY,
	};
	struct dml_flow match = { .dst_port = PORT };
	const uint32_t q[] = { QUEUE };
	struct bench_host b = { 0 };
	struct dml_sock *listener = NULL;
	struct conn *c = calloc(sockets, sizeof(*c));
	long long total = 0;
	unsigned int i;
	long bytes;
	int err;

	if (!c)
		return -ENOMEM;
	hcfg.token_design[0] = d->name;
	wcfg.flow.dst_port = PORT;
	err = bench_host_up(&b, &hcfg, &dcfg, (size_t)pages * DML_PAGE_SIZE, DML_DMABUF_MEMFD);
	if (!err)
		err = bench_host_bind(&b, q, 1, 0, NULL, 0);
	if (!err && dml_netdev_add_ntuple(b.dev, &match, QUEUE) < 0)
		err = -EINVAL;
	if (!err)
		err = dml_socket(b.host, SOCK_STREAM, &listener);
	if (!err)
		err = dml_listen(listener, PORT);
	for (i = 0; !err && i < sockets; i++) {
		wcfg.flow.src_port = (uint16_t)(10000 + i);
		err = dml_wire_connect(b.dev, &wcfg, &c[i].flow);
		if (!err)
			err = dml_accept(listener, SOCK_NONBLOCK, &c[i].sk);
		if (!err)
			err = conn_hold_one(&c[i]);
		bytes = err ? 0 : dml_sock_token_state_bytes(c[i].sk);
		if (bytes < 0)
			err = (int)bytes;
		total += bytes;
	}
	for (i = 0; i < sockets; i++) {
		dml_wire_close(c[i].flow);
		dml_close(c[i].sk);
	}
	free(c);
	dml_close(listener);
	bench_host_down(&b);
	return err ? err : total;
}

int bench_sock_state_measure(const char *design, uint64_t pages, unsigned int sockets,
			     struct bench_sock_state *out)
{
	const struct dml_token_design_info *d = bench_design_info(design);
	long long full, half;

	if (!d || d->autorelease != 0 || pages < 2 || pages > UINT32_MAX ||
	    sockets == 0 || sockets > MAX_SOCKETS)
		return -EINVAL;
	full = measure_once(d, pages, sockets);
	if (full < 0)
		return (int)full;
	half = measure_once(d, pages / 2, sockets);
	if (half < 0)
		return (int)half;
	memset(out, 0, sizeof(*out));
	out->pages = pages;
	out->sockets = sockets;
	out->total_bytes = (uint64_t)full;
	out->socket_bytes = (double)full / sockets;
	out->socket_per_page = ((double)full - (double)half) / sockets /
			       (double)(pages - pages / 2);
	out->socket_fixed = out->socket_bytes - out->socket_per_page * (double)pages;
	out->binding_per_page = d->bytes_per_niov;
	return 0;
}

double bench_sock_state_bytes(const struct bench_sock_state *m, double pages,
			      double sockets)
{
	return sockets * (m->socket_fixed + m->socket_per_page * pages) +
	       m->binding_per_page * pages;
}
