// SPDX-License-Identifier: MIT
/*
 * `devmem-lab check`: the demo host with traffic.  A wire flow steered to the
 * first bound queue carries a validated pattern; the receiver holds tokens,
 * returns them in kperf-sized batches, leaks some at close, and the binding
 * is unbound.  The invariant checker (S-7.3) runs after every step.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cli.h"

#define PORT		5201
#define CHUNK		(256u << 10)
#define IOV_BYTES	(64u << 10)
#define CMSGS		128

struct check_run {
	struct demo_host dh;
	struct dml_sock *listener;
	struct dml_sock *sk;
	struct dml_wire_flow *flow;
	const unsigned char *map;
	size_t map_len;
	struct dmabuf_token held[DML_MAX_DONTNEED_TOKENS];
	unsigned int nr_held;
	uint64_t sent, validated, returned;
	int failures;
};

static unsigned char pattern(uint64_t pos)
{
	return (unsigned char)(pos % 255 + 1);	/* kperf --validate: 1..255 */
}

static void step(struct check_run *c, const char *what)
{
	char report[256];

	if (dml_host_check(c->dh.host, report, sizeof(report))) {
		printf("  %-48s FAILED: %s\n", what, report);
		c->failures++;
	} else {
		printf("  %-48s ok (sent %llu, validated %llu, returned %llu)\n", what,
		       (unsigned long long)c->sent, (unsigned long long)c->validated,
		       (unsigned long long)c->returned);
	}
}

static int return_held(struct check_run *c)
{
	int n = dml_setsockopt(c->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, c->held,
			       c->nr_held * sizeof(c->held[0]));

	if (n < 0)
		return n;
	c->returned += (uint64_t)n;
	c->nr_held = 0;
	return 0;
}

/* Validates one read and keeps its tokens, returning them 128 at a time. */
static int consume(struct check_run *c, struct msghdr *msg, const unsigned char *iov)
{
	struct cmsghdr *cm;
	size_t lin = 0;
	uint32_t k;
	int err;

	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		struct dmabuf_cmsg d;
		const unsigned char *src;

		memcpy(&d, CMSG_DATA(cm), sizeof(d));
		src = cm->cmsg_type == SCM_DEVMEM_DMABUF ? c->map + d.frag_offset
							  : iov + lin;
		for (k = 0; k < d.frag_size; k++)
			if (src[k] != pattern(c->validated + k))
				return -EILSEQ;
		c->validated += d.frag_size;
		if (cm->cmsg_type != SCM_DEVMEM_DMABUF) {
			lin += d.frag_size;
			continue;
		}
		c->held[c->nr_held++] = (struct dmabuf_token){ d.frag_token, 1 };
		if (c->nr_held == DML_MAX_DONTNEED_TOKENS) {
			err = return_held(c);
			if (err)
				return err;
		}
	}
	return 0;
}

static int read_available(struct check_run *c)
{
	static unsigned char iov_buf[IOV_BYTES];
	static unsigned char ctrl[CMSGS * CMSG_SPACE(sizeof(struct dmabuf_cmsg))];
	struct iovec iov = { .iov_base = iov_buf, .iov_len = sizeof(iov_buf) };
	struct msghdr msg;
	ssize_t n;
	int err;

	for (;;) {
		msg = (struct msghdr){
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
		};
		n = dml_recvmsg(c->sk, &msg, MSG_SOCK_DEVMEM | MSG_DONTWAIT);
		if (n == -EAGAIN || n == 0)
			return 0;
		if (n < 0)
			return (int)n;
		err = consume(c, &msg, iov_buf);
		if (err)
			return err;
	}
}

static int pump(struct check_run *c, uint64_t bytes)
{
	unsigned char *chunk = malloc(CHUNK);
	int err = 0;

	if (!chunk)
		return -ENOMEM;
	while (!err && c->sent < bytes) {
		size_t len = bytes - c->sent < CHUNK ? bytes - c->sent : CHUNK;
		ssize_t n;
		size_t k;

		for (k = 0; k < len; k++)
			chunk[k] = pattern(c->sent + k);
		n = dml_wire_send(c->flow, chunk, len);
		if (n > 0)
			c->sent += (uint64_t)n;
		else if (n != -ENOBUFS)
			err = (int)n;
		/* A dry queue waits for the consumer, as the NIC does. */
		if (!err)
			err = read_available(c);
		if (!err && n == -ENOBUFS && c->nr_held)
			err = return_held(c);
	}
	free(chunk);
	return err;
}

static int connect_flow(struct check_run *c)
{
	struct dml_wire_flow_config cfg = { .mss = DML_PAGE_SIZE, .gro_segs = 16 };
	struct dml_flow match = { .dst_port = PORT };
	int err;

	cfg.flow.src_port = 40000;
	cfg.flow.dst_port = PORT;
	err = dml_netdev_add_ntuple(c->dh.dev, &match, c->dh.first_bound);
	if (err < 0)
		return err;
	err = dml_socket(c->dh.host, SOCK_STREAM, &c->listener);
	if (!err)
		err = dml_listen(c->listener, PORT);
	if (!err)
		err = dml_wire_connect(c->dh.dev, &cfg, &c->flow);
	if (!err)
		err = dml_accept(c->listener, SOCK_NONBLOCK, &c->sk);
	return err;
}

int run_check(const struct demo_opts *o)
{
	struct check_run c = { .failures = 0 };
	int err;

	if (demo_host_up(o, &c.dh)) {
		demo_host_down(&c.dh);
		return 1;
	}
	c.map_len = o->size_mb << 20;
	c.map = mmap(NULL, c.map_len, PROT_READ, MAP_SHARED, dml_dmabuf_fd(c.dh.buf), 0);
	if (c.map == MAP_FAILED) {
		fprintf(stderr, "devmem-lab: mmap of the dma-buf: %s\n", strerror(errno));
		demo_host_down(&c.dh);
		return 1;
	}
	printf("\ninvariant checker (S-7.3) after each step\n");
	err = connect_flow(&c);
	if (err)
		goto out;
	step(&c, "flow connected, queues posted");
	err = pump(&c, o->bytes / 2);
	if (err)
		goto out;
	step(&c, "first half read, tokens held in batches");
	err = pump(&c, o->bytes);
	if (!err)
		err = read_available(&c);
	if (err)
		goto out;
	step(&c, "all bytes read and validated");
	dml_close(c.sk);
	c.sk = NULL;
	step(&c, o->autorelease ? "socket closed: its tokens returned"
				: "socket closed: its tokens left to the binding");
	dml_nl_close(c.dh.nl);
	c.dh.nl = NULL;
	step(&c, o->autorelease ? "unbound: binding freed"
				: "unbound: leaked tokens reclaimed, binding freed");
	printf("  system mode after the last binding: %d\n",
	       dml_host_autorelease_mode(c.dh.host));
out:
	if (err) {
		printf("  traffic failed: %s\n", strerror(-err));
		c.failures++;
	}
	dml_wire_close(c.flow);
	dml_close(c.sk);
	dml_close(c.listener);
	munmap((void *)c.map, c.map_len);
	demo_host_down(&c.dh);
	printf("\n%s\n", c.failures ? "check FAILED" : "check passed");
	return c.failures ? 1 : 0;
}
