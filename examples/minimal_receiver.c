// SPDX-License-Identifier: MIT
/*
 * The smallest complete devmem TCP receiver: bind a dma-buf to an RX queue, receive a
 * flow with MSG_SOCK_DEVMEM, check every byte where it landed, give every token back.
 * Usage: minimal_receiver [BYTES [AUTORELEASE]]; exit 0 ok, 1 failure, 2 bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <devmem/devmem.h>

#define PORT	5201
#define QUEUE	1		/* queue 0 stays on host memory for other traffic */
#define PAGES	64		/* small on purpose: tokens must come back to go on */
#define CMSGS	64
/* A period prime to the page size, so a frag read at a wrong offset shows. */
#define PATTERN(pos)	((unsigned char)((pos) % 251))

static unsigned char *map;
static unsigned long long seen, frags, tokens;

/* Like ncdevmem's error(1, ...): the process exit frees the emulated host. */
static _Noreturn void die(const char *why, const char *detail)
{
	fprintf(stderr, "minimal_receiver: FAIL: %s%s%s\n", why, detail[0] ? ": " : "", detail);
	exit(1);
}

static void check(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++, seen++)
		if (p[i] != PATTERN(seen))
			die("payload differs from what was sent", "");
}

/* One recvmsg: validates what it read and returns its tokens; 0 at EOF. */
static ssize_t drain(struct dml_sock *sk)
{
	static unsigned char lin[65536], ctrl[CMSGS * CMSG_SPACE(sizeof(struct dmabuf_cmsg))];
	struct iovec iov = { .iov_base = lin, .iov_len = sizeof(lin) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctrl, .msg_controllen = sizeof(ctrl) };
	unsigned long long start = seen;
	struct dmabuf_token tok[CMSGS];
	size_t nt = 0, off = 0;
	struct cmsghdr *cm;
	ssize_t n = dml_recvmsg(sk, &msg, MSG_SOCK_DEVMEM | MSG_DONTWAIT);

	if (n < 0 && n != -EAGAIN)
		die("recvmsg", strerror((int)-n));
	if (n <= 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		struct dmabuf_cmsg d;

		memcpy(&d, CMSG_DATA(cm), sizeof(d));
		if (cm->cmsg_type == SCM_DEVMEM_LINEAR) {
			/* Bytes the NIC kept with the headers: in the iovec, in order. */
			check(lin + off, d.frag_size);
			off += d.frag_size;
			continue;
		}
		check(map + d.frag_offset, d.frag_size);
		tok[nt++] = (struct dmabuf_token){ .token_start = d.frag_token, .token_count = 1 };
		frags++;
	}
	if (seen - start != (unsigned long long)n)
		die("cmsgs do not cover the bytes recvmsg returned", "");
	if (nt && dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, tok,
				 nt * sizeof(tok[0])) != (int)nt)
		die("SO_DEVMEM_DONTNEED released fewer frags than given", "");
	tokens += nt;
	return n;
}

int main(int argc, char **argv)
{
	struct dml_netdev_config dc = { .name = "eth0", .max_rx_queues = 2, .rx_queues = 2,
					.header_split = true };
	struct dml_wire_flow_config fc = { .mss = 1448, .linear_head = 40, /* bytes in the skb */
					   .flow = { .src_port = 40000, .dst_port = PORT } };
	struct dml_bind_rx_req req = { .queues = (const uint32_t[]){ QUEUE }, .nr_queues = 1 };
	unsigned long long bytes, sent = 0;
	struct dml_sock *listener, *sk;
	struct dml_wire_flow *flow;
	struct dml_dmabuf *buf;
	struct dml_host *host;
	struct dml_netdev *dev;
	struct dml_nl_sock *nl;
	unsigned char chunk[16384];
	char errmsg[256] = "", *end = "";
	uint32_t id;
	ssize_t n;

	bytes = argc > 1 ? strtoull(argv[1], &end, 0) : 1 << 20;
	req.autorelease = argc > 2 ? argv[2][0] - '0' : 0;
	if (argc > 3 || !bytes || *end || (argc > 1 && argv[1][0] == '-') ||
	    (argc > 2 && strcmp(argv[2], "0") && strcmp(argv[2], "1"))) {
		fprintf(stderr, "usage: minimal_receiver [BYTES [AUTORELEASE]] (BYTES > 0, 0|1)\n");
		return 2;
	}
	if (dml_host_create(NULL, &host) || dml_netdev_create(host, &dc, &dev) ||
	    dml_dmabuf_create(PAGES * DML_PAGE_SIZE, DML_DMABUF_AUTO, &buf) ||
	    dml_nl_open(host, DML_NL_ADMIN, &nl))
		die("making the host, netdev, dma-buf or netlink socket", "");
	req.ifindex = dml_netdev_ifindex(dev);
	req.dmabuf_fd = dml_dmabuf_fd(buf);
	if (dml_bind_rx(nl, &req, &id, errmsg, sizeof(errmsg)))
		die("bind-rx refused", errmsg);
	map = mmap(NULL, PAGES * DML_PAGE_SIZE, PROT_READ, MAP_SHARED, req.dmabuf_fd, 0);
	if (map == MAP_FAILED)
		die("mmap of the dma-buf", strerror(errno));
	if (dml_netdev_add_ntuple(dev, &(struct dml_flow){ .dst_port = PORT }, QUEUE) < 0 ||
	    dml_socket(host, SOCK_STREAM, &listener) || dml_listen(listener, PORT) ||
	    dml_wire_connect(dev, &fc, &flow) || dml_accept(listener, SOCK_NONBLOCK, &sk))
		die("steering, listen, connect or accept", "");
	do {	/* send a chunk (the FIN once all is sent), read until nothing is left */
		size_t len = bytes - sent < sizeof(chunk) ? bytes - sent : sizeof(chunk);

		for (size_t i = 0; i < len; i++)
			chunk[i] = PATTERN(sent + i);
		/* -ENOBUFS: the pool is dry until drain() returns tokens. */
		n = len ? dml_wire_send(flow, chunk, len) : dml_wire_shutdown(flow);
		if (n < 0 && n != -ENOBUFS)
			die("dml_wire_send", strerror((int)-n));
		sent += n > 0 ? (unsigned long long)n : 0;
		while ((n = drain(sk)) > 0)
			;
	} while (n);
	if (seen != bytes)
		die("EOF before every byte sent arrived", "");
	if (dml_host_check(host, errmsg, sizeof(errmsg)))
		die("invariant checker", errmsg);
	dml_wire_close(flow);
	dml_close(sk);
	dml_close(listener);
	dml_nl_close(nl);	/* unbinds */
	munmap(map, PAGES * DML_PAGE_SIZE);
	dml_dmabuf_destroy(buf);
	if (dml_host_warnings(host))
		die("the library counted a broken invariant", "");
	dml_host_destroy(host);
	printf("minimal_receiver: ok autorelease=%d bytes %llu frags %llu tokens %llu\n",
	       req.autorelease, seen, frags, tokens);
	return 0;
}
