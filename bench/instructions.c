// SPDX-License-Identifier: MIT
/*
 * --instructions: callgrind counts, which are repeatable where CPU time is
 * not.  The parent runs this same program under valgrind once per design and
 * phase; the child does a fixed, single-threaded run and turns collection on
 * only inside the calls being measured: recvmsg (assign) or DONTNEED
 * (return), the tokens coming back as the run's return profile returns
 * them (kperf: batches of 128; ncdevmem: one by one; nccl: merged ranges).
 * The floor is the least any design must do per token: one atomic
 * increment and one 40-byte cmsg write to assign, one atomic decrement to
 * return.  With a held count the child first receives and keeps that many
 * tokens, so a design that slows as it fills shows it.
 * A design with a return ring returns through one, as the timed runs do:
 * the return phase then collects the pushes (and any DONTNEED of a full
 * ring), and the ring's drain, which recvmsg runs before it reads, is
 * moved from assign to return by the call-graph split (main.c); the last
 * drain, after the last read, is collected in the return phase itself.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "callgrind_collect.h"
#include "callgrind_split.h"
#include "consumer.h"
#include "devmem/devmem.h"
#include "instructions.h"
#include "one_flow.h"

/* An empty recvmsg, collected: the drain it makes before it reads. */
static long drain_ring_collected(struct one_flow *h)
{
	static unsigned char ctrl[ONE_FLOW_CMSG_ROOM];
	unsigned char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
	};
	ssize_t n;

	CALLGRIND_TOGGLE_COLLECT;
	n = dml_recvmsg(h->sk, &msg, MSG_SOCK_DEVMEM | MSG_DONTWAIT);
	CALLGRIND_TOGGLE_COLLECT;
	return n == -EAGAIN ? 0 : n < 0 ? n : -EPROTO;
}

/*
 * The return profile's own pattern (consumer.c) without its clock: an nccl
 * request goes back as soon as it is full, so the run is deterministic.
 */
static long run_design(const struct dml_token_design_info *d, bool assign,
		       unsigned long segments, unsigned long held, enum bench_profile profile)
{
	static unsigned char iov_buf[ONE_FLOW_GRO_SEGS * DML_PAGE_SIZE], ctrl[ONE_FLOW_CMSG_ROOM];
	struct iovec iov = { .iov_base = iov_buf, .iov_len = sizeof(iov_buf) };
	struct consumer c = { 0 };
	struct one_flow h;
	unsigned long sent = 0, tokens = 0;
	long ret;

	ret = one_flow_up(&h, d, held + 16384);
	if (!ret && held) {
		ret = one_flow_hold(&h, held);
		ret = ret < 0 ? ret : 0;
	}
	if (!ret)
		ret = consumer_init(&c, h.sk, profile, 0, 0);
	if (!ret) {
		ret = consumer_ring_attach(&c, CONSUMER_RING_ENTRIES);
		ret = ret == -ENOPROTOOPT ? 0 : ret;
	}
	c.collect_returns = !assign;
	while (!ret && sent < segments) {
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
		};
		struct cmsghdr *cm;
		ssize_t n = dml_wire_send(h.flow, NULL, ONE_FLOW_GRO_SEGS * DML_PAGE_SIZE);

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
			struct dmabuf_cmsg dc;

			memcpy(&dc, CMSG_DATA(cm), sizeof(dc));
			tokens++;
			consumer_token(&c, dc.frag_token, 0);
		}
		consumer_tick(&c, 0);
		if (c.error)
			ret = c.error;
	}
	/*
	 * A ring's last pushes wait for a drain the loop no longer makes (an
	 * nccl request is 1024 of them): one more recvmsg, collected, drains
	 * them, so every token whose return is counted has its drain counted.
	 */
	if (!ret && !assign && c.ring)
		ret = drain_ring_collected(&h);
	/* Tokens whose return was measured: those handed back whole. */
	if (!ret && !assign)
		tokens = c.asked;
	if (!ret)
		ret = consumer_finish(&c);
	if (!ret && c.returned != c.asked)
		ret = -EPROTO;
	consumer_destroy(&c);
	one_flow_down(&h);
	return ret ? ret : (long)tokens;
}

static long run_floor(bool assign, unsigned long tokens)
{
	static _Atomic long counts[4096];
	static unsigned char ctrl[ONE_FLOW_CMSG_ROOM];
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

	enum bench_profile profile = BENCH_PROFILE_KPERF;

	if (argc != 4 && argc != 6)
		return 2;
	if (argc == 6) {
		held = strtoul(argv[4], NULL, 10);
		while (profile < BENCH_NR_PROFILES && strcmp(argv[5], bench_profile_name(profile)))
			profile++;
		if (profile == BENCH_NR_PROFILES)
			return 2;
	}
	assign = !strcmp(argv[2], "assign");
	segments = strtoul(argv[3], NULL, 10);
	if (!strcmp(argv[1], "floor")) {
		tokens = run_floor(assign, segments);
	} else if (bench_design_info(argv[1])) {
		tokens = run_design(bench_design_info(argv[1]), assign, segments, held, profile);
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

/*
 * Instructions per token for @what ("floor" or a design) in one phase;
 * @split, if not NULL, gets the design's share and the page pool's, per
 * token too.
 */
double bench_instructions_per_token(const char *self, const char *what,
				    const char *phase, unsigned long segments,
				    unsigned long held, enum bench_profile profile,
				    struct callgrind_split *split)
{
	char out[64], cmd[1024], line[128];
	struct callgrind_split cg;
	double tokens = 0;
	FILE *p;
	int fd;

	snprintf(out, sizeof(out), "/tmp/devmem-lab-callgrind.XXXXXX");
	fd = mkstemp(out);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=%s "
		 "'%s' bench-instr %s %s %lu %lu %s 2>/dev/null",
		 out, self, what, phase, segments, held, bench_profile_name(profile));
	p = popen(cmd, "r");
	if (!p) {
		unlink(out);
		return -1;
	}
	while (fgets(line, sizeof(line), p))
		sscanf(line, "tokens=%lf", &tokens);
	if (pclose(p) != 0)
		tokens = 0;
	if (callgrind_split_read(out, what, &cg) || cg.total < 0)
		tokens = 0;
	unlink(out);
	if (tokens <= 0)
		return -1;
	if (split) {
		split->total = cg.total / tokens;
		split->token_ops = cg.token_ops / tokens;
		split->page_pool = cg.page_pool / tokens;
		split->drain = cg.drain / tokens;
		split->tokens = tokens;
	}
	return cg.total / tokens;
}

/**
 * bench_drain_per_return() - a ring's drain as return work, per token
 * @assign: the assign phase's split, whose drain ran inside recvmsg
 * @ret: the return phase's split
 *
 * The drain is counted per token received; it is booked per token
 * returned, which may be fewer (an nccl request still filling at the end
 * of the run is never returned).
 *
 * Return: drain instructions per token returned, 0 when none returned.
 */
double bench_drain_per_return(const struct callgrind_split *assign,
			      const struct callgrind_split *ret)
{
	return ret->tokens > 0 ? assign->drain * assign->tokens / ret->tokens : 0;
}
