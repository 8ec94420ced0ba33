// SPDX-License-Identifier: MIT
/*
 * The real TCP ingress (issue 14): kernel TCP clients in this process
 * connect to the port the ingress picked; what they send is read back
 * through the model's public API (dml_accept, dml_recvmsg with
 * MSG_SOCK_DEVMEM, SO_DEVMEM_DONTNEED) and checked in the dma-buf through
 * the user's mapping.  Nothing waits on time: every wait is for an event.
 */
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_helpers.h"

#define TI_QUEUE	7	/* every connection, unless a rule says otherwise */
#define TI_MAX_CMSGS	128

struct ti {
	struct fixture *f;
	int mode;
	int rule;			/* dst port -> TI_QUEUE */
	uint32_t binding;
	unsigned char *map;
	size_t pages;
	struct dml_sock *listener;
	struct dml_tcp_ingress *ing;
	uint16_t port;
};

/*
 * Byte @pos of stream @seed: the stream's number first (so a reader of many
 * knows which it has), then ncdevmem -v 7's pattern, bytes 1..6 and '\n'
 * repeating, shifted per stream.
 */
static unsigned char ti_byte(uint64_t pos, unsigned int seed)
{
	if (pos == 0)
		return (unsigned char)(0x80 | seed);
	pos += seed;
	return pos % 7 == 6 ? '\n' : (unsigned char)(pos % 7 + 1);
}

static struct ti *ti_new_seg(size_t pages, const char *addr, bool listen_emulated, int mode,
			     const struct dml_wire_flow_config *seg)
{
	struct dml_tcp_ingress_config cfg = { .addr = addr };
	const uint32_t q[] = { TI_QUEUE };
	struct dml_flow match = { 0 };
	struct ti *t = calloc(1, sizeof(*t));
	void *fstate = NULL;
	long id;

	assert_non_null(t);
	assert_int_equal(fixture_setup_sized(&fstate, pages, NULL), 0);
	t->f = fstate;
	t->pages = pages;
	t->mode = mode;
	id = fixture_bind(t->f, t->f->nl, q, 1, mode);
	assert_true(id > 0);
	t->binding = (uint32_t)id;
	t->map = mmap(NULL, pages * DML_PAGE_SIZE, PROT_READ, MAP_SHARED,
		      dml_dmabuf_fd(t->f->buf), 0);
	assert_true(t->map != MAP_FAILED);
	if (seg)
		cfg.seg = *seg;
	assert_ok(dml_tcp_ingress_start(t->f->dev, &cfg, &t->ing));
	t->port = dml_tcp_ingress_port(t->ing);
	assert_true(t->port != 0);
	match.dst_port = t->port;
	t->rule = dml_netdev_add_ntuple(t->f->dev, &match, TI_QUEUE);
	assert_true(t->rule >= 0);
	assert_ok(dml_socket(t->f->host, SOCK_STREAM, &t->listener));
	if (listen_emulated)
		assert_ok(dml_listen(t->listener, t->port));
	return t;
}

static struct ti *ti_new_mode(size_t pages, const char *addr, bool listen_emulated, int mode)
{
	return ti_new_seg(pages, addr, listen_emulated, mode, NULL);
}

static struct ti *ti_new(size_t pages, const char *addr, bool listen_emulated)
{
	return ti_new_mode(pages, addr, listen_emulated, 0);
}

/* Stops the ingress and proves nothing leaked. */
static void ti_free(struct ti *t)
{
	char report[256];
	void *fstate = t->f;

	/* NULL: the test stopped it itself. */
	dml_tcp_ingress_stop(t->ing);
	dml_close(t->listener);
	if (dml_host_check(t->f->host, report, sizeof(report)))
		fail_msg("invariant checker: %s", report);
	munmap(t->map, t->pages * DML_PAGE_SIZE);
	free(t);
	assert_int_equal(fixture_teardown(&fstate), 0);
}

/* A kernel TCP client connected to @addr:@port (AF_INET or AF_INET6). */
static int client_connect(const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	} else {
		assert_int_equal(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
	return fd;
}

struct sender {
	pthread_t thread;
	int fd;
	size_t len;
	unsigned int seed;
	bool close_after;	/* close (FIN) once everything is sent */
	int err;
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	unsigned char buf[16384];
	size_t sent = 0;

	while (sent < s->len) {
		size_t n = s->len - sent < sizeof(buf) ? s->len - sent : sizeof(buf), i;
		ssize_t w;

		for (i = 0; i < n; i++)
			buf[i] = ti_byte(sent + i, s->seed);
		w = send(s->fd, buf, n, MSG_NOSIGNAL);
		if (w <= 0) {
			s->err = errno ? errno : EIO;
			return NULL;
		}
		sent += (size_t)w;
	}
	if (s->close_after)
		close(s->fd);
	return NULL;
}

static void sender_start(struct sender *s, int fd, size_t len, unsigned int seed, bool close_after)
{
	*s = (struct sender){ .fd = fd, .len = len, .seed = seed, .close_after = close_after };
	assert_int_equal(pthread_create(&s->thread, NULL, sender_main, s), 0);
}

static void sender_join(struct sender *s)
{
	assert_int_equal(pthread_join(s->thread, NULL), 0);
	assert_int_equal(s->err, 0);
}

/* What one devmem read gave. */
struct ti_read {
	ssize_t ret;
	size_t n;
	int type[TI_MAX_CMSGS];
	struct dmabuf_cmsg cm[TI_MAX_CMSGS];
	unsigned char linear[65536];
};

static void ti_recv(struct dml_sock *sk, int flags, struct ti_read *r)
{
	unsigned char ctrl[TI_MAX_CMSGS * CMSG_SPACE(sizeof(struct dmabuf_cmsg))];
	struct iovec iov = { .iov_base = r->linear, .iov_len = sizeof(r->linear) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
	};
	struct cmsghdr *cm;

	r->n = 0;
	r->ret = dml_recvmsg(sk, &msg, MSG_SOCK_DEVMEM | flags);
	if (r->ret <= 0)
		return;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		r->type[r->n] = cm->cmsg_type;
		memcpy(&r->cm[r->n], CMSG_DATA(cm), sizeof(r->cm[0]));
		r->n++;
	}
}

/* Where a reader checks payload: a binding's dma-buf as the user maps it. */
struct ti_map {
	const unsigned char *map;
	size_t size;
	uint32_t binding;
};

static struct ti_map ti_main_map(const struct ti *t)
{
	return (struct ti_map){ t->map, t->pages * DML_PAGE_SIZE, t->binding };
}

/*
 * Checks @r against stream *@seed from @pos (a negative *@seed is learnt
 * from the stream's first byte); frags must be in @m.  Returns the bytes.
 */
static size_t ti_verify(const struct ti_map *m, const struct ti_read *r, uint64_t pos,
			int *seed)
{
	size_t i, lin = 0, total = 0;
	uint32_t k;

	/* A host-memory skb (a payload under hds_thresh) reads as plain bytes. */
	if (r->n == 0 && r->ret > 0) {
		if (*seed < 0 && pos == 0)
			*seed = r->linear[0] & 0x7f;
		for (k = 0; k < (uint32_t)r->ret; k++, pos++)
			if (r->linear[k] != ti_byte(pos, (unsigned int)*seed))
				fail_msg("stream %d byte %llu (plain): got %u want %u", *seed,
					 (unsigned long long)pos, r->linear[k],
					 ti_byte(pos, (unsigned int)*seed));
		return (size_t)r->ret;
	}
	for (i = 0; i < r->n; i++) {
		const struct dmabuf_cmsg *c = &r->cm[i];
		const unsigned char *src;

		if (r->type[i] == SCM_DEVMEM_DMABUF) {
			assert_int_equal(c->dmabuf_id, m->binding);
			assert_true(c->frag_offset + c->frag_size <= m->size);
			src = m->map + c->frag_offset;
		} else {
			assert_int_equal(r->type[i], SCM_DEVMEM_LINEAR);
			src = r->linear + lin;
			lin += c->frag_size;
		}
		for (k = 0; k < c->frag_size; k++, pos++) {
			if (*seed < 0 && pos == 0)
				*seed = src[k] & 0x7f;
			if (src[k] != ti_byte(pos, (unsigned int)*seed))
				fail_msg("stream %d byte %llu: got %u want %u", *seed,
					 (unsigned long long)pos, src[k],
					 ti_byte(pos, (unsigned int)*seed));
		}
		total += c->frag_size;
	}
	assert_int_equal(total, (size_t)r->ret);
	return total;
}

static void ti_return(struct dml_sock *sk, const struct ti_read *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct dmabuf_token tok = { .token_start = r->cm[i].frag_token, .token_count = 1 };

		if (r->type[i] != SCM_DEVMEM_DMABUF)
			continue;
		assert_int_equal(dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_DONTNEED,
						&tok, sizeof(tok)), 1);
	}
}

/* Reads @sk to EOF, verifying and returning every token; returns the bytes. */
static uint64_t ti_drain_map(const struct ti_map *m, struct dml_sock *sk, uint64_t pos,
			     int seed)
{
	struct ti_read *r = malloc(sizeof(*r));

	assert_non_null(r);
	for (;;) {
		ti_recv(sk, 0, r);
		if (r->ret == 0)
			break;
		if (r->ret < 0)
			fail_msg("recvmsg at %llu: %zd", (unsigned long long)pos, r->ret);
		pos += ti_verify(m, r, pos, &seed);
		ti_return(sk, r);
	}
	free(r);
	return pos;
}

static uint64_t ti_drain(const struct ti *t, struct dml_sock *sk, uint64_t pos, int seed)
{
	struct ti_map m = ti_main_map(t);

	return ti_drain_map(&m, sk, pos, seed);
}

/* One client sends @len bytes and closes; the emulated socket reads them all, then EOF. */
static void stream_through(const char *listen_addr, const char *client_addr, size_t len)
{
	struct ti *t = ti_new(64, listen_addr, true);
	struct dml_sock *sk;
	struct sender s;

	sender_start(&s, client_connect(client_addr, t->port), len, 0, true);
	assert_ok(dml_accept(t->listener, 0, &sk));
	assert_int_equal(ti_drain(t, sk, 0, 0), len);
	sender_join(&s);
	dml_close(sk);
	ti_free(t);
}

static void test_ipv4_bytes_exact(void **state)
{
	(void)state;
	stream_through("127.0.0.1", "127.0.0.1", 8u << 20);
}

static void test_ipv6_bytes_exact(void **state)
{
	(void)state;
	stream_through("::1", "::1", 4u << 20);
}

static void test_v4_mapped_listen(void **state)
{
	(void)state;
	stream_through("::ffff:127.0.0.1", "127.0.0.1", 1u << 20);
}

static void test_any_dual_stack(void **state)
{
	(void)state;
	stream_through(NULL, "127.0.0.1", 1u << 20);
	stream_through(NULL, "::1", 1u << 20);
}

/*
 * The segmentation settings apply per connection: 1448-byte segments, 66
 * bytes of each skb's first kept with the headers (LINEAR cmsgs), four
 * merged per skb, and payloads of 200 bytes or less (a short tail) left
 * whole in host memory.
 */
static void test_segmentation_config(void **state)
{
	const struct dml_wire_flow_config seg = {
		.mss = 1448, .linear_head = 66, .gro_segs = 4, .hds_thresh = 200,
	};
	enum { LEN = 2u << 20 };
	struct ti *t = ti_new_seg(64, "127.0.0.1", true, 0, &seg);
	struct ti_map m = ti_main_map(t);
	struct ti_read *r = malloc(sizeof(*r));
	size_t linear = 0, frags = 0, i;
	struct dml_sock *sk;
	struct sender s;
	uint64_t pos = 0;
	int seed = 0;

	(void)state;
	assert_non_null(r);
	sender_start(&s, client_connect("127.0.0.1", t->port), LEN, 0, true);
	assert_ok(dml_accept(t->listener, 0, &sk));
	for (;;) {
		ti_recv(sk, 0, r);
		if (r->ret == 0)
			break;
		assert_true(r->ret > 0);
		pos += ti_verify(&m, r, pos, &seed);
		for (i = 0; i < r->n; i++) {
			if (r->type[i] == SCM_DEVMEM_LINEAR) {
				linear++;
			} else {
				/* No frag is longer than a segment's payload. */
				assert_true(r->cm[i].frag_size <= 1448);
				frags++;
			}
		}
		ti_return(sk, r);
	}
	assert_int_equal(pos, LEN);
	assert_true(linear > 0 && frags > 0);
	sender_join(&s);
	free(r);
	dml_close(sk);
	ti_free(t);
}

/* Devmem frags (cmsgs) read from a connection of @len bytes, to EOF. */
static size_t frags_of_connection(struct ti *t, size_t len, unsigned int seed)
{
	struct ti_map m = ti_main_map(t);
	struct ti_read *r = malloc(sizeof(*r));
	size_t frags = 0;
	struct dml_sock *sk;
	struct sender s;
	uint64_t pos = 0;
	int sseed = (int)seed;

	assert_non_null(r);
	sender_start(&s, client_connect("127.0.0.1", t->port), len, seed, true);
	assert_ok(dml_accept(t->listener, 0, &sk));
	for (;;) {
		ti_recv(sk, 0, r);
		if (r->ret == 0)
			break;
		assert_true(r->ret > 0);
		pos += ti_verify(&m, r, pos, &sseed);
		frags += r->n;
		ti_return(sk, r);
	}
	assert_int_equal(pos, len);
	sender_join(&s);
	free(r);
	dml_close(sk);
	return frags;
}

/*
 * S-4.1 with issue 15's device threshold: connections of an ingress set to
 * DML_HDS_THRESH_DEVICE take the device's threshold when they arrive: 1000
 * bytes are split while it is 0, and read as plain bytes once it is 1024.
 */
static void test_hds_thresh_device(void **state)
{
	const struct dml_wire_flow_config seg = { .hds_thresh = DML_HDS_THRESH_DEVICE };
	struct ti *t = ti_new_seg(64, "127.0.0.1", true, 0, &seg);

	(void)state;
	assert_true(frags_of_connection(t, 1000, 1) > 0);
	assert_ok(dml_netdev_set_hds_thresh(t->f->dev, 1024));
	assert_int_equal(frags_of_connection(t, 1000, 2), 0);
	ti_free(t);
}

/* Waits (no timer) until @pred holds of the ingress's counters. */
#define ti_wait_for(t, st, pred)                                                \
	do {                                                                    \
		dml_tcp_ingress_stats((t)->ing, &(st));                         \
		while (!(pred))                                                 \
			dml_tcp_ingress_wait_stats((t)->ing, &(st), -1);        \
	} while (0)

/* A client socket bound to @addr port 0 before it connects: its port is known. */
static int client_bound(const char *addr, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	int fd;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
		len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
		len = sizeof(*sin);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	len = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					       : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static void client_connect_fd(int fd, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
		len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
		len = sizeof(*sin);
	}
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
}

/* @text as struct dml_flow holds an address: IPv4 v4-mapped. */
static void flow_addr(const char *text, uint8_t out[16])
{
	struct in_addr a4;

	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, &a4) == 1) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, out), 1);
	}
}

/*
 * The NIC sees the real 5-tuple: a rule naming the client's address and
 * port and the local ones sends that connection to queue 6 (bound to a
 * second dma-buf, so the frags say where they landed); another client of
 * the same port, not matching, stays on queue 7.
 */
static void steer_by_5tuple(const char *addr)
{
	struct ti *t = ti_new(64, addr, true);
	struct dml_dmabuf *buf6;
	struct dml_flow rule = { 0 }, match = { 0 };
	const uint32_t q6[] = { 6 };
	struct dml_sock *sk_a, *sk_b;
	struct sender sa, sb;
	struct ti_map m6, m7 = ti_main_map(t);
	uint16_t cport;
	int fd_a, fd_b;
	void *map6;
	long id6;

	assert_ok(dml_dmabuf_create(64 * DML_PAGE_SIZE, DML_DMABUF_AUTO, &buf6));
	{
		struct dml_bind_rx_req req = {
			.ifindex = t->f->ifindex, .dmabuf_fd = dml_dmabuf_fd(buf6),
			.queues = q6, .nr_queues = 1, .autorelease = 0,
		};
		uint32_t id;

		assert_ok(dml_bind_rx(t->f->nl, &req, &id, t->f->errmsg, sizeof(t->f->errmsg)));
		id6 = id;
	}
	map6 = mmap(NULL, 64 * DML_PAGE_SIZE, PROT_READ, MAP_SHARED, dml_dmabuf_fd(buf6), 0);
	assert_true(map6 != MAP_FAILED);
	m6 = (struct ti_map){ map6, 64 * DML_PAGE_SIZE, (uint32_t)id6 };

	fd_a = client_bound(addr, &cport);
	/* Rules match in table order: the 5-tuple one goes before the port one. */
	assert_ok(dml_netdev_del_ntuple(t->f->dev, t->rule));
	flow_addr(addr, rule.src_addr);
	flow_addr(addr, rule.dst_addr);
	rule.src_port = cport;
	rule.dst_port = t->port;
	assert_true(dml_netdev_add_ntuple(t->f->dev, &rule, 6) >= 0);
	match.dst_port = t->port;
	assert_true(dml_netdev_add_ntuple(t->f->dev, &match, TI_QUEUE) >= 0);

	client_connect_fd(fd_a, addr, t->port);
	sender_start(&sa, fd_a, 1u << 20, 1, true);
	assert_ok(dml_accept(t->listener, 0, &sk_a));
	fd_b = client_connect(addr, t->port);
	sender_start(&sb, fd_b, 1u << 20, 2, true);
	assert_ok(dml_accept(t->listener, 0, &sk_b));

	/* Accepted in turn: sk_a is client A's, whose rule sends it to queue 6. */
	assert_int_equal(ti_drain_map(&m6, sk_a, 0, 1), 1u << 20);
	assert_int_equal(ti_drain_map(&m7, sk_b, 0, 2), 1u << 20);
	sender_join(&sa);
	sender_join(&sb);
	dml_close(sk_a);
	dml_close(sk_b);
	ti_free(t);
	munmap(map6, 64 * DML_PAGE_SIZE);
	dml_dmabuf_destroy(buf6);
}

static void test_steer_5tuple_ipv4(void **state)
{
	(void)state;
	steer_by_5tuple("127.0.0.1");
}

static void test_steer_5tuple_ipv6(void **state)
{
	(void)state;
	steer_by_5tuple("::1");
}

/*
 * Lossless backpressure: 16 pages, a 4 MiB stream.  With nothing read the
 * NIC fills every page and the ingress waits; the reader then takes and
 * holds all of it (the pool stays empty), returns it, and reads on to the
 * end, every byte in order.
 */
static void backpressure(int mode)
{
	enum { PAGES = 16, LEN = 4u << 20, MAX_HELD = 4 * PAGES };
	struct ti *t = ti_new_mode(PAGES, "127.0.0.1", true, mode);
	struct ti_map m = ti_main_map(t);
	struct ti_read *r = malloc(sizeof(*r));
	struct dmabuf_token held[MAX_HELD];
	struct dml_tcp_ingress_stats st;
	struct dml_sock *sk;
	struct sender s;
	uint64_t pos = 0;
	size_t nheld = 0, i;
	int seed = 0;

	assert_non_null(r);
	sender_start(&s, client_connect("127.0.0.1", t->port), LEN, 0, true);
	assert_ok(dml_accept(t->listener, 0, &sk));
	ti_wait_for(t, st, st.pool_waits >= 1);

	/* Everything queued, read and held: the pool has nothing to post. */
	for (;;) {
		ti_recv(sk, MSG_DONTWAIT, r);
		if (r->ret == -EAGAIN)
			break;
		assert_true(r->ret > 0);
		pos += ti_verify(&m, r, pos, &seed);
		for (i = 0; i < r->n; i++) {
			if (r->type[i] != SCM_DEVMEM_DMABUF)
				continue;
			assert_true(nheld < MAX_HELD);
			held[nheld++] = (struct dmabuf_token){ r->cm[i].frag_token, 1 };
		}
	}
	assert_true(pos > 0 && pos <= PAGES * DML_PAGE_SIZE);
	assert_int_equal(dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, held,
					(socklen_t)(nheld * sizeof(held[0]))),
			 (int)nheld);
	assert_int_equal(ti_drain_map(&m, sk, pos, 0), LEN);
	sender_join(&s);
	dml_tcp_ingress_stats(t->ing, &st);
	assert_int_equal(st.bytes, LEN);
	assert_true(st.pool_waits >= 1);
	free(r);
	dml_close(sk);
	ti_free(t);
}

static void test_backpressure_autorelease0(void **state)
{
	(void)state;
	backpressure(0);
}

static void test_backpressure_autorelease1(void **state)
{
	(void)state;
	backpressure(1);
}

/* The peer's FIN: EOF after the data, again and again; poll says POLLHUP. */
static void test_fin_is_eof(void **state)
{
	struct ti *t = ti_new(64, "127.0.0.1", true);
	struct dml_pollfd pfd = { .events = POLLIN };
	struct ti_read *r = malloc(sizeof(*r));
	struct dml_sock *sk;
	struct sender s;
	int fd = client_connect("127.0.0.1", t->port);

	(void)state;
	assert_non_null(r);
	sender_start(&s, fd, 100000, 0, false);
	sender_join(&s);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	assert_ok(dml_accept(t->listener, 0, &sk));
	assert_int_equal(ti_drain(t, sk, 0, 0), 100000);
	ti_recv(sk, 0, r);
	assert_int_equal(r->ret, 0);
	pfd.sk = sk;
	assert_int_equal(dml_poll(&pfd, 1, 0), 1);
	assert_true(pfd.revents & POLLHUP);
	assert_false(pfd.revents & POLLERR);
	free(r);
	dml_close(sk);
	close(fd);
	ti_free(t);
}

/* SO_LINGER 0: the peer resets; the queued data first, then ECONNRESET, then EOF. */
static void test_reset_after_data(void **state)
{
	struct ti *t = ti_new(64, "127.0.0.1", true);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct dml_pollfd pfd = { .events = POLLIN };
	struct ti_read *r = malloc(sizeof(*r));
	struct dml_tcp_ingress_stats st;
	int notsent = -1;
	struct dml_sock *sk;
	struct sender s;
	uint64_t pos = 0;
	int fd = client_connect("127.0.0.1", t->port), seed = 0;

	(void)state;
	assert_non_null(r);
	sender_start(&s, fd, 16384, 0, false);
	sender_join(&s);
	/* Sent, not just queued: the reset follows the data on the wire. */
	assert_int_equal(ioctl(fd, SIOCOUTQNSD, &notsent), 0);
	assert_int_equal(notsent, 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(fd);
	assert_ok(dml_accept(t->listener, 0, &sk));
	ti_wait_for(t, st, st.resets >= 1);
	pfd.sk = sk;
	assert_int_equal(dml_poll(&pfd, 1, 0), 1);
	assert_true(pfd.revents & POLLERR);
	while (pos < 16384) {
		ti_recv(sk, MSG_DONTWAIT, r);
		assert_true(r->ret > 0);
		pos += ti_verify(&(struct ti_map){ t->map, t->pages * DML_PAGE_SIZE, t->binding },
				 r, pos, &seed);
		ti_return(sk, r);
	}
	ti_recv(sk, 0, r);
	assert_int_equal(r->ret, -ECONNRESET);
	ti_recv(sk, 0, r);
	assert_int_equal(r->ret, 0);
	assert_int_equal(st.bytes, 16384);
	free(r);
	dml_close(sk);
	ti_free(t);
}

/* The application closes: the ingress closes the kernel socket, the peer reads EOF. */
static void test_app_close_closes_kernel_socket(void **state)
{
	struct ti *t = ti_new(64, "::1", true);
	struct ti_read *r = malloc(sizeof(*r));
	struct dml_sock *sk;
	struct sender s;
	unsigned char b;
	uint64_t pos = 0;
	int fd = client_connect("::1", t->port), seed = 0;

	(void)state;
	assert_non_null(r);
	sender_start(&s, fd, 8192, 0, false);
	sender_join(&s);
	assert_ok(dml_accept(t->listener, 0, &sk));
	while (pos < 8192) {
		ti_recv(sk, 0, r);
		assert_true(r->ret > 0);
		pos += ti_verify(&(struct ti_map){ t->map, t->pages * DML_PAGE_SIZE, t->binding },
				 r, pos, &seed);
		ti_return(sk, r);
	}
	dml_close(sk);
	/* Blocks until the ingress has closed its end. */
	assert_int_equal(recv(fd, &b, 1, 0), 0);
	close(fd);
	free(r);
	ti_free(t);
}

/*
 * 64 connections at once (the default limit), each its own stream, read
 * through one dml_poll() loop; the 65th is refused.
 */
static void test_64_concurrent(void **state)
{
	enum { N = 64, LEN = 128 * 1024 };
	struct ti *t = ti_new(256, "127.0.0.1", true);
	struct ti_map m = ti_main_map(t);
	struct dml_pollfd pfd[N];
	struct dml_sock *sk[N];
	struct sender s[N];
	struct dml_tcp_ingress_stats st;
	uint64_t pos[N] = { 0 };
	int seed[N], fds[N], extra, open_socks = N, i;
	struct ti_read *r = malloc(sizeof(*r));
	unsigned char b;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < N; i++) {
		fds[i] = client_connect("127.0.0.1", t->port);
		seed[i] = -1;
	}
	/* Connected after the 64 in the accept queue: over the limit. */
	extra = client_connect("127.0.0.1", t->port);
	for (i = 0; i < N; i++)
		assert_ok(dml_accept(t->listener, 0, &sk[i]));
	for (i = 0; i < N; i++)
		sender_start(&s[i], fds[i], LEN, (unsigned int)i, true);
	assert_int_equal(recv(extra, &b, 1, 0), -1);
	assert_int_equal(errno, ECONNRESET);
	close(extra);

	while (open_socks) {
		int nfds = 0, ready;

		for (i = 0; i < N; i++) {
			if (!sk[i])
				continue;
			pfd[nfds].sk = sk[i];
			pfd[nfds].events = POLLIN;
			nfds++;
		}
		ready = dml_poll(pfd, (unsigned int)nfds, -1);
		assert_true(ready > 0);
		for (i = 0; i < N; i++) {
			if (!sk[i])
				continue;
			ti_recv(sk[i], MSG_DONTWAIT, r);
			if (r->ret == -EAGAIN)
				continue;
			if (r->ret == 0) {
				assert_int_equal(pos[i], LEN);
				dml_close(sk[i]);
				sk[i] = NULL;
				open_socks--;
				continue;
			}
			assert_true(r->ret > 0);
			pos[i] += ti_verify(&m, r, pos[i], &seed[i]);
			ti_return(sk[i], r);
		}
	}
	for (i = 0; i < N; i++)
		sender_join(&s[i]);
	/* Every stream came in whole and once. */
	for (i = 0; i < N; i++)
		assert_int_equal(pos[i], LEN);
	dml_tcp_ingress_stats(t->ing, &st);
	assert_int_equal(st.conns, N);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.bytes, (uint64_t)N * LEN);
	free(r);
	ti_free(t);
}

/* No emulated listener on the port: the real connection is reset at once. */
static void test_refused_without_listener(void **state)
{
	struct ti *t = ti_new(64, "127.0.0.1", false);
	struct dml_tcp_ingress_stats st;
	unsigned char b;
	int fd = client_connect("127.0.0.1", t->port);

	(void)state;
	assert_int_equal(recv(fd, &b, 1, 0), -1);
	assert_int_equal(errno, ECONNRESET);
	close(fd);
	dml_tcp_ingress_stats(t->ing, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.conns, 0);
	ti_free(t);
}

/* Stop with a connection open: its socket gets its data, then a reset; the peer sees the end. */
static void test_stop_resets_open_connections(void **state)
{
	struct ti *t = ti_new(64, "127.0.0.1", true);
	struct ti_read *r = malloc(sizeof(*r));
	struct dml_tcp_ingress_stats st;
	struct dml_sock *sk;
	struct sender s;
	unsigned char b;
	int fd = client_connect("127.0.0.1", t->port), seed = 0;

	(void)state;
	assert_non_null(r);
	sender_start(&s, fd, 4096, 0, false);
	sender_join(&s);
	assert_ok(dml_accept(t->listener, 0, &sk));
	ti_wait_for(t, st, st.bytes >= 4096);
	dml_tcp_ingress_stop(t->ing);
	t->ing = NULL;
	assert_true(recv(fd, &b, 1, 0) <= 0);
	ti_recv(sk, 0, r);
	assert_int_equal(r->ret, 4096);
	ti_verify(&(struct ti_map){ t->map, t->pages * DML_PAGE_SIZE, t->binding }, r, 0, &seed);
	ti_return(sk, r);
	ti_recv(sk, 0, r);
	assert_int_equal(r->ret, -ECONNRESET);
	close(fd);
	free(r);
	dml_close(sk);
	ti_free(t);
}

static void test_bad_config(void **state)
{
	struct ti *t = ti_new(64, "127.0.0.1", true);
	struct dml_tcp_ingress_config cfg = { .addr = "not-an-address" };
	struct dml_tcp_ingress *ing = NULL;

	(void)state;
	assert_errno(dml_tcp_ingress_start(t->f->dev, &cfg, &ing), -EINVAL);
	cfg.addr = "127.0.0.1";
	cfg.seg.mss = 70000;
	assert_errno(dml_tcp_ingress_start(t->f->dev, &cfg, &ing), -EINVAL);
	/* 17 posted buffers for a 64 KiB segment: more than a ring of 8 holds. */
	{
		struct dml_host_config hc = { .rx_ring_size = 8, .pp_ring_size = 8 };
		struct dml_netdev_config dc = { .name = "eth1", .max_rx_queues = 1,
						.rx_queues = 1, .header_split = true };
		struct dml_host *h;
		struct dml_netdev *d;

		assert_ok(dml_host_create(&hc, &h));
		assert_ok(dml_netdev_create(h, &dc, &d));
		cfg.seg.mss = 65535;
		assert_errno(dml_tcp_ingress_start(d, &cfg, &ing), -EINVAL);
		dml_host_destroy(h);
	}
	cfg.seg.mss = 0;
	cfg.port = t->port;
	assert_errno(dml_tcp_ingress_start(t->f->dev, &cfg, &ing), -EADDRINUSE);
	assert_null(ing);
	dml_tcp_ingress_stop(NULL);
	ti_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_bytes_exact),
		cmocka_unit_test(test_ipv6_bytes_exact),
		cmocka_unit_test(test_v4_mapped_listen),
		cmocka_unit_test(test_any_dual_stack),
		cmocka_unit_test(test_segmentation_config),
		cmocka_unit_test(test_hds_thresh_device),
		cmocka_unit_test(test_steer_5tuple_ipv4),
		cmocka_unit_test(test_steer_5tuple_ipv6),
		cmocka_unit_test(test_backpressure_autorelease0),
		cmocka_unit_test(test_backpressure_autorelease1),
		cmocka_unit_test(test_fin_is_eof),
		cmocka_unit_test(test_reset_after_data),
		cmocka_unit_test(test_app_close_closes_kernel_socket),
		cmocka_unit_test(test_64_concurrent),
		cmocka_unit_test(test_refused_without_listener),
		cmocka_unit_test(test_stop_resets_open_connections),
		cmocka_unit_test(test_bad_config),
	};

	return RUN_TESTS(tests);
}
