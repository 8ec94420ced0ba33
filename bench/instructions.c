// SPDX-License-Identifier: MIT
/*
 * --instructions: callgrind counts, which are repeatable where CPU time is
 * not.  The parent runs this same program under valgrind once per design and
 * phase; the child does a fixed, single-threaded run and turns collection on
 * only inside the calls being measured: recvmsg (assign) or DONTNEED in
 * kperf batches of 128 (return).  The floor is the least any design must do
 * per token: one atomic increment and one 40-byte cmsg write to assign, one
 * atomic decrement to return.  With a held count the child first receives
 * and keeps that many tokens, so a design that slows as it fills shows it.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "devmem/devmem.h"
#include "instructions.h"

#if defined(HAVE_CALLGRIND)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT do { } while (0)
#endif

#define PORT		5201
#define GRO_SEGS	16
#define CMSG_ROOM	(128 * CMSG_SPACE(sizeof(struct dmabuf_cmsg)))

struct instr_host {
	struct dml_host *host;
	struct dml_netdev *dev;
	struct dml_dmabuf *buf;
	struct dml_nl_sock *nl;
	struct dml_sock *listener;
	struct dml_sock *sk;
	struct dml_wire_flow *flow;
};

static int instr_host_up(struct instr_host *h, const struct dml_token_design_info *d,
			 unsigned long held)
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
	uint32_t id;
	int err;

	hcfg.token_design[d->autorelease] = d->name;
	wcfg.flow.dst_port = PORT;
	err = dml_host_create(&hcfg, &h->host);
	if (!err)
		err = dml_netdev_create(h->host, &dcfg, &h->dev);
	if (!err)
		err = dml_dmabuf_create(((size_t)held + 16384) * DML_PAGE_SIZE,
					DML_DMABUF_MEMFD, &h->buf);
	if (!err)
		err = dml_nl_open(h->host, DML_NL_ADMIN, &h->nl);
	if (err)
		return err;
	req = (struct dml_bind_rx_req){
		.ifindex = dml_netdev_ifindex(h->dev), .dmabuf_fd = dml_dmabuf_fd(h->buf),
		.queues = q, .nr_queues = 1, .autorelease = d->autorelease,
	};
	err = dml_bind_rx(h->nl, &req, &id, NULL, 0);
	if (!err)
		err = dml_netdev_add_ntuple(h->dev, &match, 1) < 0 ? -EINVAL : 0;
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

static void instr_host_down(struct instr_host *h)
{
	dml_wire_close(h->flow);
	dml_close(h->sk);
	dml_close(h->listener);
	dml_nl_close(h->nl);
	dml_dmabuf_destroy(h->buf);
	dml_host_destroy(h->host);
}

/* Receives @held tokens and keeps them: the state a busy consumer leaves. */
static int hold(struct instr_host *h, unsigned long held, unsigned char *iov_buf,
		size_t iov_len, unsigned char *ctrl)
{
	struct iovec iov = { .iov_base = iov_buf, .iov_len = iov_len };
	unsigned long got = 0;

	while (got < held) {
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctrl, .msg_controllen = CMSG_ROOM,
		};
		ssize_t n = dml_wire_send(h->flow, NULL, DML_PAGE_SIZE);

		if (n < 0)
			return (int)n;
		n = dml_recvmsg(h->sk, &msg, MSG_SOCK_DEVMEM | MSG_DONTWAIT);
		if (n < 0)
			return (int)n;
		got += (unsigned long)n / DML_PAGE_SIZE;
	}
	return 0;
}

static long run_design(const struct dml_token_design_info *d, bool assign,
		       unsigned long segments, unsigned long held)
{
	static unsigned char iov_buf[GRO_SEGS * DML_PAGE_SIZE], ctrl[CMSG_ROOM];
	struct dmabuf_token batch[DML_MAX_DONTNEED_TOKENS];
	struct iovec iov = { .iov_base = iov_buf, .iov_len = sizeof(iov_buf) };
	struct instr_host h = { 0 };
	unsigned long sent = 0, tokens = 0;
	unsigned int nr = 0;
	long ret;

	ret = instr_host_up(&h, d, held);
	if (!ret)
		ret = hold(&h, held, iov_buf, sizeof(iov_buf), ctrl);
	while (!ret && sent < segments) {
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
		};
		struct cmsghdr *cm;
		ssize_t n = dml_wire_send(h.flow, NULL, GRO_SEGS * DML_PAGE_SIZE);

		if (n <= 0) {
			ret = n ? n : -EIO;
			break;
		}
		sent += (unsigned long)n / DML_PAGE_SIZE;
		if (assign)
			CALLGRIND_TOGGLE_COLLECT;
		n = dml_recvmsg(h.sk, &msg, MSG_SOCK_DEVMEM | MSG_DONTWAIT);
		if (assign)
			CALLGRIND_TOGGLE_COLLECT;
		if (n < 0) {
			ret = n;
			break;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct dmabuf_cmsg c;

			memcpy(&c, CMSG_DATA(cm), sizeof(c));
			batch[nr++] = (struct dmabuf_token){ c.frag_token, 1 };
			tokens++;
			if (nr < DML_MAX_DONTNEED_TOKENS)
				continue;
			if (!assign)
				CALLGRIND_TOGGLE_COLLECT;
			dml_setsockopt(h.sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, batch,
				       nr * sizeof(batch[0]));
			if (!assign)
				CALLGRIND_TOGGLE_COLLECT;
			nr = 0;
		}
	}
	instr_host_down(&h);
	/* Tokens whose return was measured: whole batches only. */
	return ret ? ret : (long)(assign ? tokens : tokens - nr);
}

static long run_floor(bool assign, unsigned long tokens)
{
	static _Atomic long counts[4096];
	static unsigned char ctrl[CMSG_ROOM];
	struct dmabuf_cmsg c = { 0 };
	struct cmsghdr hdr = {
		.cmsg_len = CMSG_LEN(sizeof(c)), .cmsg_level = SOL_SOCKET,
		.cmsg_type = SCM_DEVMEM_DMABUF,
	};
	unsigned long i;

	for (i = 0; i < tokens; i++) {
		_Atomic long *slot = &counts[i % 4096];
		unsigned char *at = ctrl + (i % 128) * CMSG_SPACE(sizeof(c));

		c.frag_token = (uint32_t)i;
		if (assign) {
			CALLGRIND_TOGGLE_COLLECT;
			atomic_fetch_add_explicit(slot, 1, memory_order_relaxed);
			memcpy(at, &hdr, sizeof(hdr));
			memcpy(at + sizeof(hdr), &c, sizeof(c));
			CALLGRIND_TOGGLE_COLLECT;
			atomic_fetch_sub_explicit(slot, 1, memory_order_relaxed);
		} else {
			atomic_fetch_add_explicit(slot, 1, memory_order_relaxed);
			CALLGRIND_TOGGLE_COLLECT;
			atomic_fetch_sub_explicit(slot, 1, memory_order_relaxed);
			CALLGRIND_TOGGLE_COLLECT;
		}
	}
	return (long)tokens;
}

int bench_instr_child(int argc, char **argv)
{
	unsigned long segments, held = 0;
	bool assign;
	long tokens = -EINVAL;
	size_t i;

	if (argc != 4 && argc != 5)
		return 2;
	if (argc == 5)
		held = strtoul(argv[4], NULL, 10);
	assign = !strcmp(argv[2], "assign");
	segments = strtoul(argv[3], NULL, 10);
	if (!strcmp(argv[1], "floor")) {
		tokens = run_floor(assign, segments);
	} else {
		for (i = 0; i < dml_token_design_count(); i++)
			if (!strcmp(dml_token_design(i)->name, argv[1]))
				tokens = run_design(dml_token_design(i), assign, segments, held);
	}
	if (tokens <= 0) {
		fprintf(stderr, "bench-instr %s %s: %s\n", argv[1], argv[2],
			strerror((int)-tokens));
		return 1;
	}
	printf("tokens=%ld\n", tokens);
	return 0;
}

bool bench_have_callgrind(void)
{
#if defined(HAVE_CALLGRIND)
	return system("valgrind --version >/dev/null 2>&1") == 0;
#else
	return false;
#endif
}

/* Total instructions callgrind collected, from its output file. */
static double read_totals(const char *path)
{
	char line[512];
	double ir = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "totals:", 7) || !strncmp(line, "summary:", 8))
			ir = strtod(strchr(line, ':') + 1, NULL);
	fclose(f);
	return ir;
}

/* Instructions per token for @what ("floor" or a design) in one phase. */
double bench_instructions_per_token(const char *self, const char *what,
				    const char *phase, unsigned long segments,
				    unsigned long held)
{
	char out[64], cmd[1024], line[128];
	double ir, tokens = 0;
	FILE *p;
	int fd;

	snprintf(out, sizeof(out), "/tmp/devmem-lab-callgrind.XXXXXX");
	fd = mkstemp(out);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=%s "
		 "'%s' bench-instr %s %s %lu %lu 2>/dev/null",
		 out, self, what, phase, segments, held);
	p = popen(cmd, "r");
	if (!p) {
		unlink(out);
		return -1;
	}
	while (fgets(line, sizeof(line), p))
		sscanf(line, "tokens=%lf", &tokens);
	if (pclose(p) != 0)
		tokens = 0;
	ir = read_totals(out);
	unlink(out);
	return tokens > 0 && ir >= 0 ? ir / tokens : -1;
}
