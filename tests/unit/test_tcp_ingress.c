// SPDX-License-Identifier: MIT
/*
 * The real TCP ingress (issue 14): kernel TCP clients in this process
 * connect to the port the ingress picked; what they send is read back
 * through the model's public API (dml_accept, dml_recvmsg with
 * MSG_SOCK_DEVMEM, SO_DEVMEM_DONTNEED) and checked in the dma-buf through
 * the user's mapping.  Nothing waits on time: every wait is for an event.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_helpers.h"

#define TI_QUEUE	7	/* every connection, unless a rule says otherwise */
#define TI_MAX_CMSGS	128

struct ti {
	struct fixture *f;
	uint32_t binding;
	unsigned char *map;
	size_t pages;
	struct dml_sock *listener;
	struct dml_tcp_ingress *ing;
	uint16_t port;
};

/* ncdevmem -v 7: bytes 1..6 then '\n', repeating, shifted per stream. */
static unsigned char ti_pattern(uint64_t pos, unsigned int seed)
{
	pos += seed;
	return pos % 7 == 6 ? '\n' : (unsigned char)(pos % 7 + 1);
}

static struct ti *ti_new(size_t pages, const char *addr, bool listen_emulated)
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
	id = fixture_bind(t->f, t->f->nl, q, 1, 0);
	assert_true(id > 0);
	t->binding = (uint32_t)id;
	t->map = mmap(NULL, pages * DML_PAGE_SIZE, PROT_READ, MAP_SHARED,
		      dml_dmabuf_fd(t->f->buf), 0);
	assert_true(t->map != MAP_FAILED);
	assert_ok(dml_tcp_ingress_start(t->f->dev, &cfg, &t->ing));
	t->port = dml_tcp_ingress_port(t->ing);
	assert_true(t->port != 0);
	match.dst_port = t->port;
	assert_true(dml_netdev_add_ntuple(t->f->dev, &match, TI_QUEUE) >= 0);
	assert_ok(dml_socket(t->f->host, SOCK_STREAM, &t->listener));
	if (listen_emulated)
		assert_ok(dml_listen(t->listener, t->port));
	return t;
}

/* Stops the ingress and proves nothing leaked. */
static void ti_free(struct ti *t)
{
	char report[256];
	void *fstate = t->f;

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
			buf[i] = ti_pattern(sent + i, s->seed);
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

/* Checks @r against the stream from @pos; returns bytes it held. */
static size_t ti_verify(const struct ti *t, const struct ti_read *r, uint64_t pos,
			unsigned int seed)
{
	size_t i, lin = 0, total = 0;
	uint32_t k;

	for (i = 0; i < r->n; i++) {
		const struct dmabuf_cmsg *c = &r->cm[i];
		const unsigned char *src;

		if (r->type[i] == SCM_DEVMEM_DMABUF) {
			assert_true(c->frag_offset + c->frag_size <= t->pages * DML_PAGE_SIZE);
			src = t->map + c->frag_offset;
		} else {
			src = r->linear + lin;
			lin += c->frag_size;
		}
		for (k = 0; k < c->frag_size; k++, pos++)
			if (src[k] != ti_pattern(pos, seed))
				fail_msg("byte %llu: got %u want %u", (unsigned long long)pos,
					 src[k], ti_pattern(pos, seed));
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
static uint64_t ti_drain(const struct ti *t, struct dml_sock *sk, uint64_t pos,
			 unsigned int seed)
{
	struct ti_read *r = malloc(sizeof(*r));

	assert_non_null(r);
	for (;;) {
		ti_recv(sk, 0, r);
		if (r->ret == 0)
			break;
		if (r->ret < 0)
			fail_msg("recvmsg at %llu: %zd", (unsigned long long)pos, r->ret);
		pos += ti_verify(t, r, pos, seed);
		ti_return(sk, r);
	}
	free(r);
	return pos;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_bytes_exact),
		cmocka_unit_test(test_ipv6_bytes_exact),
		cmocka_unit_test(test_v4_mapped_listen),
		cmocka_unit_test(test_any_dual_stack),
	};

	return RUN_TESTS(tests);
}
