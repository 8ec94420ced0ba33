// SPDX-License-Identifier: MIT
/*
 * Test your receive loop: the top half of this file is an application's
 * devmem TCP receive loop, written as it is written against the kernel
 * (recvmsg(MSG_SOCK_DEVMEM), setsockopt(SO_DEVMEM_DONTNEED)); the bottom half
 * is a harness that runs it on an emulated host in both token modes, over
 * several flows, and fails unless every byte reached the application intact
 * and every token went back.  Replace user_receive() by your own loop.
 *
 * Usage: receive_loop [--autorelease=0|1] [--bytes=N] [--flows=N] [--bug=NAME]
 * --bug breaks the loop on purpose, to watch the harness catch it:
 * leak-one, double-return, skip-linear, token-as-offset.
 * Exit 0 ok, 1 a check failed (one line says which), 2 bad usage.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <devmem/devmem.h>

/* The harness sets these to break the loop below on purpose, once per run. */
enum user_bug { BUG_NONE, BUG_LEAK_ONE, BUG_DOUBLE_RETURN, BUG_SKIP_LINEAR, BUG_TOKEN_AS_OFFSET };
static enum user_bug user_bug;
static bool user_bug_done;

/* ==== the user's code ==================================================== */

/* What the loop counts; the harness holds these against the kernel's view. */
struct rx_stats {
	unsigned long long bytes;	/* bytes recvmsg returned */
	unsigned long long frags;	/* DMABUF cmsgs received: one token each */
	unsigned long long returned;	/* tokens named in SO_DEVMEM_DONTNEED */
	unsigned long long released;	/* frags SO_DEVMEM_DONTNEED said it released */
};

/* Where the application puts the payload: a file, a GPU kernel's input... */
typedef void (*rx_consume_fn)(void *ctx, const unsigned char *data, size_t len);

/* Room for fewer cmsgs than DONTNEED takes entries: one batch per read. */
#define USER_CMSGS	120

/*
 * Reads what @sk has queued into the application: each piece of payload, in
 * stream order, goes to @consume, read where it landed (@dmabuf_map, the
 * application's mapping of the @dmabuf_size bytes of the dma-buf); then the
 * read's tokens go back in one SO_DEVMEM_DONTNEED.  Returns bytes read, 0 at
 * EOF, -EAGAIN when nothing is queued, or -errno.
 */
static ssize_t user_receive(struct dml_sock *sk, const unsigned char *dmabuf_map,
			    size_t dmabuf_size, rx_consume_fn consume, void *ctx,
			    struct rx_stats *st)
{
	static unsigned char lin[65536];
	static unsigned char ctrl[USER_CMSGS * CMSG_SPACE(sizeof(struct dmabuf_cmsg))];
	struct iovec iov = { .iov_base = lin, .iov_len = sizeof(lin) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctrl, .msg_controllen = sizeof(ctrl) };
	struct dmabuf_token tok[USER_CMSGS + 1];
	size_t nt = 0, lin_off = 0;
	struct cmsghdr *cm;
	ssize_t n, ret;

	n = dml_recvmsg(sk, &msg, MSG_SOCK_DEVMEM | MSG_DONTWAIT);
	if (n <= 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		struct dmabuf_cmsg d;
		size_t where;

		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		memcpy(&d, CMSG_DATA(cm), sizeof(d));
		if (cm->cmsg_type == SCM_DEVMEM_LINEAR) {
			/* Bytes the NIC kept with the headers, copied into the iovec. */
			if (user_bug != BUG_SKIP_LINEAR)
				consume(ctx, lin + lin_off, d.frag_size);
			lin_off += d.frag_size;
			continue;
		}
		if (cm->cmsg_type != SCM_DEVMEM_DMABUF)
			continue;
		where = d.frag_offset;
		/* The bug: a token names a page only in autorelease = 0. */
		if (user_bug == BUG_TOKEN_AS_OFFSET)
			where = (size_t)d.frag_token * DML_PAGE_SIZE +
				d.frag_offset % DML_PAGE_SIZE;
		if (where > dmabuf_size || d.frag_size > dmabuf_size - where)
			return -EFAULT;
		consume(ctx, dmabuf_map + where, d.frag_size);
		st->frags++;
		if (user_bug == BUG_LEAK_ONE && !user_bug_done) {
			user_bug_done = true;
			continue;
		}
		tok[nt++] = (struct dmabuf_token){ .token_start = d.frag_token, .token_count = 1 };
		if (user_bug == BUG_DOUBLE_RETURN && !user_bug_done) {
			user_bug_done = true;
			tok[nt] = tok[nt - 1];
			nt++;
		}
	}
	st->bytes += (unsigned long long)n;
	if (!nt)
		return n;
	ret = dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, tok, nt * sizeof(tok[0]));
	if (ret < 0)
		return ret;
	st->returned += nt;
	st->released += (unsigned long long)ret;
	return n;
}

/* ==== the harness ======================================================== */

#define PORT		5201
#define NR_QUEUES	4
#define QUEUE		2		/* the bound queue every flow is steered to */
#define PAGES		128		/* 512 KiB: tokens must come back for traffic to go on */
#define CHUNK		16384		/* bytes a flow sends per round */
#define MAX_FLOWS	16

struct opts {
	int autorelease;		/* -1: both modes in turn */
	unsigned long long bytes;	/* per flow */
	unsigned int flows;
	enum user_bug bug;
};

/* One flow's expected payload, and what the consumer saw of it. */
struct flow_check {
	unsigned int flow;
	unsigned long long pos;		/* bytes consumed so far */
	bool bad;
	unsigned long long bad_pos;
	unsigned char got, want;
};

struct flow {
	struct dml_wire_flow *wire;
	struct dml_sock *sk;
	unsigned long long sent;
	bool eof;
	struct rx_stats st;
	struct flow_check fc;
};

struct run {
	const struct opts *o;
	int mode;
	struct dml_host *host;
	struct dml_netdev *dev;
	struct dml_dmabuf *buf;
	struct dml_nl_sock *nl;		/* admin: the binding lives as long as it does */
	struct dml_nl_sock *query;	/* a plain one, for page-pool-get */
	struct dml_sock *listener;
	unsigned char *map;
	uint32_t binding_id;
	struct flow flows[MAX_FLOWS];
	char why[512];
};

/* Period 251, prime to the page size, and a phase per flow: misplaced reads show. */
static unsigned char pattern(unsigned int flow, unsigned long long pos)
{
	return (unsigned char)((pos + 37ull * flow) % 251);
}

static void harness_consume(void *ctx, const unsigned char *data, size_t len)
{
	struct flow_check *fc = ctx;

	for (size_t i = 0; i < len; i++, fc->pos++) {
		unsigned char want = pattern(fc->flow, fc->pos);

		if (data[i] != want && !fc->bad) {
			fc->bad = true;
			fc->bad_pos = fc->pos;
			fc->got = data[i];
			fc->want = want;
		}
	}
}

static int fail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->why[0]) {
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof(r->why), fmt, ap);
		va_end(ap);
	}
	return -1;
}

struct pool_count {
	uint32_t dmabuf_id;
	unsigned long long inflight;
};

/* page-pool-get reply: adds the in-flight net_iovs of the pools of our binding. */
static int pool_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a = (const void *)((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
	int rem = (int)nlh->nlmsg_len - (int)NLMSG_LENGTH(GENL_HDRLEN);
	struct pool_count *pc = arg;
	unsigned long long inflight = 0;
	uint32_t dmabuf = 0;

	while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
		const void *val = (const char *)a + NLA_HDRLEN;
		uint16_t type = a->nla_type & NLA_TYPE_MASK;

		if (type == NETDEV_A_PAGE_POOL_DMABUF && a->nla_len >= NLA_HDRLEN + 4)
			memcpy(&dmabuf, val, 4);
		else if (type == NETDEV_A_PAGE_POOL_INFLIGHT && a->nla_len >= NLA_HDRLEN + 8)
			memcpy(&inflight, val, 8);
		rem -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	if (dmabuf == pc->dmabuf_id)
		pc->inflight += inflight;
	return 0;
}

/*
 * Net_iovs of the binding out of its page pools, as `ynl page-pool-get`
 * shows them: after an unbind nothing is posted, so with every byte read
 * they are exactly the pages the application still holds tokens on.
 */
static long held_pages(struct run *r)
{
	union {
		struct nlmsghdr nlh;
		unsigned char b[NLMSG_SPACE(GENL_HDRLEN)];
	} req;
	struct genlmsghdr *g = NLMSG_DATA(&req.nlh);
	struct pool_count pc = { .dmabuf_id = r->binding_id };
	int family = dml_genl_family_id(r->query, NETDEV_FAMILY_NAME), err;

	if (family < 0)
		return family;
	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req.nlh.nlmsg_type = (uint16_t)family;
	req.nlh.nlmsg_flags = NLM_F_DUMP;
	g->cmd = NETDEV_CMD_PAGE_POOL_GET;
	g->version = NETDEV_FAMILY_VERSION;
	err = dml_nl_transact(r->query, &req.nlh, pool_cb, &pc, NULL, 0);
	return err ? err : (long)pc.inflight;
}

static int setup(struct run *r)
{
	struct dml_host_config hc = { .rx_ring_size = 32,
				      .pp_ring_size = DML_DEFAULT_PP_RING_SIZE };
	struct dml_netdev_config dc = { .name = "eth0", .max_rx_queues = NR_QUEUES,
					.rx_queues = NR_QUEUES, .header_split = true };
	const uint32_t q = QUEUE;
	struct dml_bind_rx_req req = { .queues = &q, .nr_queues = 1, .autorelease = r->mode };
	struct dml_flow match = { .dst_port = PORT };
	char errmsg[256] = "";
	int err;

	if (dml_host_create(&hc, &r->host) || dml_netdev_create(r->host, &dc, &r->dev) ||
	    dml_dmabuf_create(PAGES * DML_PAGE_SIZE, DML_DMABUF_AUTO, &r->buf) ||
	    dml_nl_open(r->host, DML_NL_ADMIN, &r->nl) || dml_nl_open(r->host, 0, &r->query))
		return fail(r, "making the host, netdev, dma-buf or netlink sockets");
	req.ifindex = dml_netdev_ifindex(r->dev);
	req.dmabuf_fd = dml_dmabuf_fd(r->buf);
	err = dml_bind_rx(r->nl, &req, &r->binding_id, errmsg, sizeof(errmsg));
	if (err)
		return fail(r, "bind-rx: %s%s%s", strerror(-err), errmsg[0] ? ": " : "", errmsg);
	r->map = mmap(NULL, PAGES * DML_PAGE_SIZE, PROT_READ, MAP_SHARED, req.dmabuf_fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return fail(r, "mmap of the dma-buf: %s", strerror(errno));
	}
	if (dml_netdev_add_ntuple(r->dev, &match, QUEUE) < 0 ||
	    dml_socket(r->host, SOCK_STREAM, &r->listener) || dml_listen(r->listener, PORT))
		return fail(r, "steering or listening");
	for (unsigned int i = 0; i < r->o->flows; i++) {
		/* linear_head: some payload stays in the skb, as under a small hds-thresh. */
		struct dml_wire_flow_config cfg = { .mss = 1448, .linear_head = 40, .gro_segs = 4 };
		struct flow *f = &r->flows[i];

		cfg.flow.src_addr[15] = 2;
		cfg.flow.dst_addr[15] = 1;
		cfg.flow.src_port = (uint16_t)(40000 + i);
		cfg.flow.dst_port = PORT;
		f->fc.flow = i;
		if (dml_wire_connect(r->dev, &cfg, &f->wire) ||
		    dml_accept(r->listener, SOCK_NONBLOCK, &f->sk))
			return fail(r, "connecting flow %u", i);
	}
	return 0;
}

/* Sends a chunk on every flow with bytes left; the bytes the NIC took. */
static long send_round(struct run *r)
{
	static unsigned char chunk[CHUNK];
	long total = 0;

	for (unsigned int i = 0; i < r->o->flows; i++) {
		struct flow *f = &r->flows[i];
		unsigned long long left = r->o->bytes - f->sent;
		size_t len = left < CHUNK ? (size_t)left : CHUNK;
		ssize_t n;

		if (!len)
			continue;
		for (size_t k = 0; k < len; k++)
			chunk[k] = pattern(i, f->sent + k);
		n = dml_wire_send(f->wire, chunk, len);
		/* -ENOBUFS: the pool is dry until the loop returns tokens. */
		if (n < 0 && n != -ENOBUFS)
			return fail(r, "flow %u: dml_wire_send: %s", i, strerror((int)-n));
		if (n > 0) {
			f->sent += (unsigned long long)n;
			total += n;
		}
		if (f->sent == r->o->bytes && dml_wire_shutdown(f->wire))
			return fail(r, "flow %u: dml_wire_shutdown", i);
	}
	return total;
}

/* The first byte of flow @i the loop handed over wrong, if there was one. */
static int check_bytes(struct run *r, unsigned int i)
{
	const struct flow_check *fc = &r->flows[i].fc;

	if (!fc->bad)
		return 0;
	return fail(r, "flow %u: payload byte %llu is %u, want %u", i, fc->bad_pos, fc->got,
		    fc->want);
}

/*
 * Runs the user's loop on every socket until nothing is queued; the bytes
 * read plus the EOFs seen, so that 0 means nothing moved.
 */
static long receive_round(struct run *r)
{
	long total = 0;

	for (unsigned int i = 0; i < r->o->flows; i++) {
		struct flow *f = &r->flows[i];
		ssize_t n;

		while (!f->eof) {
			n = user_receive(f->sk, r->map, PAGES * DML_PAGE_SIZE, harness_consume,
					 &f->fc, &f->st);
			if (n == -EAGAIN)
				break;
			if (n < 0) {
				/* A misplaced read is the cause of a loop that then fails. */
				check_bytes(r, i);
				return fail(r, "flow %u: the receive loop failed: %s", i,
					    strerror((int)-n));
			}
			f->eof = !n;
			total += n ? n : 1;
		}
	}
	return total;
}

static bool all_eof(const struct run *r)
{
	for (unsigned int i = 0; i < r->o->flows; i++)
		if (!r->flows[i].eof)
			return false;
	return true;
}

/* Every byte arrived intact, in order, exactly once. */
static int check_payload(struct run *r)
{
	for (unsigned int i = 0; i < r->o->flows; i++) {
		const struct flow_check *fc = &r->flows[i].fc;

		if (check_bytes(r, i))
			return -1;
		if (fc->pos != r->o->bytes)
			return fail(r, "flow %u: payload: %llu bytes consumed of %llu sent", i,
				    fc->pos, r->o->bytes);
	}
	return 0;
}

/*
 * Every token went back exactly once.  The kernel's count is the authority on
 * leaks; a second return of a token is a no-op to it (the frag is released
 * once, S-5.3 / S-5.4), so only DONTNEED's answer to the loop shows it.
 */
static int check_tokens(struct run *r, long held)
{
	unsigned long long frags = 0, returned = 0, released = 0;

	for (unsigned int i = 0; i < r->o->flows; i++) {
		frags += r->flows[i].st.frags;
		returned += r->flows[i].st.returned;
		released += r->flows[i].st.released;
	}
	if (held < 0)
		return fail(r, "page-pool-get: %s", strerror((int)-held));
	if (held || released < frags)
		return fail(r, "%llu tokens never returned (%llu received, %llu released; "
			    "%ld dma-buf pages still held after EOF)",
			    frags > released ? frags - released : 0, frags, released, held);
	if (returned != released)
		return fail(r, "%llu token returns released nothing: a token returned twice "
			    "or never issued (%llu returned for %llu received)",
			    returned - released, returned, frags);
	return 0;
}

static void teardown(struct run *r)
{
	for (unsigned int i = 0; i < r->o->flows; i++) {
		dml_wire_close(r->flows[i].wire);
		dml_close(r->flows[i].sk);
	}
	dml_close(r->listener);
	dml_nl_close(r->nl);
	dml_nl_close(r->query);
	if (r->map)
		munmap(r->map, PAGES * DML_PAGE_SIZE);
	dml_dmabuf_destroy(r->buf);
	dml_host_destroy(r->host);
}

static int run_mode(struct run *r)
{
	unsigned long long frags = 0, released = 0;
	char report[256];
	long sent, got;

	if (setup(r))
		return -1;
	while (!all_eof(r)) {
		sent = send_round(r);
		if (sent < 0)
			return -1;
		got = receive_round(r);
		if (got < 0)
			return -1;
		if (!sent && !got && !all_eof(r))
			return fail(r, "no progress: the pool is dry and the loop returns no "
				    "tokens (%ld dma-buf pages out of the pool)", held_pages(r));
	}
	/* Unbind first: the queue's buffers go back, the application's stay out. */
	dml_nl_close(r->nl);
	r->nl = NULL;
	if (check_payload(r) || check_tokens(r, held_pages(r)))
		return -1;
	for (unsigned int i = 0; i < r->o->flows; i++) {
		frags += r->flows[i].st.frags;
		released += r->flows[i].st.released;
		dml_close(r->flows[i].sk);
		r->flows[i].sk = NULL;
	}
	if (dml_host_check(r->host, report, sizeof(report)))
		return fail(r, "invariant checker: %s", report);
	if (dml_host_warnings(r->host))
		return fail(r, "the library counted %lu broken invariants",
			    dml_host_warnings(r->host));
	printf("receive_loop: ok autorelease=%d flows %u bytes %llu frags %llu tokens %llu\n",
	       r->mode, r->o->flows, r->o->flows * r->o->bytes, frags, released);
	return 0;
}

static const char *const bug_names[] = {
	[BUG_NONE] = "none",
	[BUG_LEAK_ONE] = "leak-one",
	[BUG_DOUBLE_RETURN] = "double-return",
	[BUG_SKIP_LINEAR] = "skip-linear",
	[BUG_TOKEN_AS_OFFSET] = "token-as-offset",
};

static bool parse_ull(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end && *out && *out <= max;
}

static int parse(int argc, char **argv, struct opts *o)
{
	unsigned long long v;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t b;

		if (!strcmp(a, "--autorelease=0") || !strcmp(a, "--autorelease=1")) {
			o->autorelease = a[14] - '0';
		} else if (!strncmp(a, "--bytes=", 8) && parse_ull(a + 8, 1ull << 40, &v)) {
			o->bytes = v;
		} else if (!strncmp(a, "--flows=", 8) && parse_ull(a + 8, MAX_FLOWS, &v)) {
			o->flows = (unsigned int)v;
		} else if (!strncmp(a, "--bug=", 6)) {
			for (b = 0; b < sizeof(bug_names) / sizeof(bug_names[0]); b++)
				if (!strcmp(a + 6, bug_names[b]))
					break;
			if (b == sizeof(bug_names) / sizeof(bug_names[0]))
				return -1;
			o->bug = (enum user_bug)b;
		} else {
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .autorelease = -1, .bytes = 1000000, .flows = 3, .bug = BUG_NONE };
	static struct run r;

	if (parse(argc, argv, &o)) {
		fprintf(stderr, "usage: receive_loop [--autorelease=0|1] [--bytes=N] "
			"[--flows=1..%d] [--bug=leak-one|double-return|skip-linear|"
			"token-as-offset]\n", MAX_FLOWS);
		return 2;
	}
	for (int mode = 0; mode < 2; mode++) {
		int err;

		if (o.autorelease >= 0 && mode != o.autorelease)
			continue;
		memset(&r, 0, sizeof(r));
		r.o = &o;
		r.mode = mode;
		user_bug = o.bug;
		user_bug_done = false;
		err = run_mode(&r);
		teardown(&r);
		if (err) {
			fprintf(stderr, "receive_loop: FAIL autorelease=%d: %s\n", mode, r.why);
			return 1;
		}
	}
	return 0;
}
