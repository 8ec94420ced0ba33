// SPDX-License-Identifier: MIT
/*
 * One reader thread per accepted connection, each with its own validation
 * state: recvmsg(MSG_SOCK_DEVMEM), every frag read through the dma-buf's
 * mmap (bracketed by DMA_BUF_IOCTL_SYNC on a real dma-buf, as ncdevmem does
 * for udmabuf), checked against the pattern or written to stdout, and its
 * token returned the way ncdevmem returns it: one SO_DEVMEM_DONTNEED per
 * frag expecting 1, or --batch tokens at a time, after --hold-ms.
 */
#include <errno.h>
#include <linux/dma-buf.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "rx.h"

#define IOV_BYTES	(1u << 20)	/* frag bytes count against it too */
#define CMSGS		(IOV_BYTES / DML_PAGE_SIZE + 64)

struct held_token {
	uint32_t token;
	uint64_t due_ns;
};

/* Tokens waiting to go back, oldest first (a ring). */
struct reader {
	struct rx_conn *c;
	struct rx *rx;
	unsigned char *iov_buf;
	unsigned char *ctrl;
	struct held_token *ring;
	size_t cap, head, count;
	bool first_recv_done;
};

uint64_t rx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int fail(struct rx_conn *c, enum rx_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct rx_conn *c, enum rx_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->status = st;
	return -1;
}

/* Returns up to @max of the oldest held tokens whose time has come. */
static int return_tokens(struct reader *r, size_t max, uint64_t now)
{
	struct dmabuf_token toks[DML_MAX_DONTNEED_TOKENS];
	size_t n = 0;
	int ret;

	while (n < max && n < r->count) {
		const struct held_token *h = &r->ring[(r->head + n) % r->cap];

		if (h->due_ns > now)
			break;
		toks[n] = (struct dmabuf_token){ h->token, 1 };
		n++;
	}
	if (!n)
		return 0;
	ret = dml_setsockopt(r->c->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, toks,
			     (socklen_t)(n * sizeof(toks[0])));
	r->c->dontneed_calls++;
	if (ret < 0)
		return fail(r->c, RX_ERROR, "SO_DEVMEM_DONTNEED: %s", strerror(-ret));
	if ((size_t)ret != n)
		return fail(r->c, RX_ERROR, "SO_DEVMEM_DONTNEED returned %d of %zu tokens",
			    ret, n);
	r->c->tokens_returned += n;
	r->head = (r->head + n) % r->cap;
	r->count -= n;
	return 0;
}

/* Every token whose hold is over, in --batch groups; a partial group only with @flush. */
static int return_due(struct reader *r, bool flush)
{
	const struct rx_opts *o = r->rx->o;
	uint64_t now = o->hold_ms ? rx_now_ns() : 0;
	size_t before;

	do {
		if (!flush && r->count < o->batch)
			return 0;
		before = r->count;
		if (return_tokens(r, o->batch, now))
			return -1;
	} while (r->count && r->count != before);
	return 0;
}

static int return_all(struct reader *r)
{
	while (r->count)
		if (return_tokens(r, DML_MAX_DONTNEED_TOKENS, UINT64_MAX))
			return -1;
	return 0;
}

/* A net_iov may back several frags (page-pool fragments): the ring grows. */
static int grow_ring(struct reader *r)
{
	size_t cap = r->cap * 2, i;
	struct held_token *ring = malloc(cap * sizeof(*ring));

	if (!ring)
		return fail(r->c, RX_ERROR, "out of memory for %zu held tokens", cap);
	for (i = 0; i < r->count; i++)
		ring[i] = r->ring[(r->head + i) % r->cap];
	free(r->ring);
	r->ring = ring;
	r->cap = cap;
	r->head = 0;
	return 0;
}

static int hold_token(struct reader *r, uint32_t token)
{
	const struct rx_opts *o = r->rx->o;

	if (r->count == r->cap && grow_ring(r))
		return -1;
	r->ring[(r->head + r->count) % r->cap] = (struct held_token){
		.token = token,
		.due_ns = o->hold_ms ? rx_now_ns() + o->hold_ms * 1000000ull : 0,
	};
	r->count++;
	return o->hold_ms ? 0 : return_due(r, false);
}

/* The pattern of -v N: bytes 1..N-1 then '\n', from the connection's byte 0. */
static int check_bytes(struct reader *r, const unsigned char *p, size_t len)
{
	struct rx *rx = r->rx;
	unsigned int n = rx->o->validate;
	uint64_t off = r->c->bytes;
	size_t done = 0;

	while (done < len) {
		size_t phase = (size_t)((off + done) % n);
		size_t chunk = len - done;

		if (chunk > rx->pattern_len - phase)
			chunk = rx->pattern_len - phase;
		if (memcmp(p + done, rx->pattern + phase, chunk)) {
			size_t k = 0;

			while (p[done + k] == rx->pattern[phase + k])
				k++;
			return fail(r->c, RX_MISMATCH,
				    "mismatch at offset %llu: expected 0x%02x, got 0x%02x",
				    (unsigned long long)(off + done + k),
				    rx->pattern[phase + k], p[done + k]);
		}
		done += chunk;
	}
	return 0;
}

static int consume_bytes(struct reader *r, const unsigned char *p, size_t len)
{
	struct rx *rx = r->rx;

	if (rx->o->validate) {
		if (check_bytes(r, p, len))
			return -1;
	} else {
		/* stdout is shared: one connection's run stays whole. */
		pthread_mutex_lock(&rx->lock);
		if (fwrite(p, 1, len, stdout) != len) {
			pthread_mutex_unlock(&rx->lock);
			return fail(r->c, RX_ERROR, "writing stdout: %s", strerror(errno));
		}
		pthread_mutex_unlock(&rx->lock);
	}
	r->c->bytes += len;
	return 0;
}

static void dmabuf_sync(struct rx *rx, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags | DMA_BUF_SYNC_READ };

	if (rx->sync)
		ioctl(dml_dmabuf_fd(rx->buf), DMA_BUF_IOCTL_SYNC, &sync);
}

static int consume_frag(struct reader *r, const struct dmabuf_cmsg *d)
{
	struct rx *rx = r->rx;
	struct rx_conn *c = r->c;
	int err;

	if (d->dmabuf_id != rx->binding_id)
		return fail(c, RX_ERROR, "frag of dmabuf id %u, bound %u: flow steering error",
			    d->dmabuf_id, rx->binding_id);
	if (d->frag_offset > rx->map_len || d->frag_size > rx->map_len - d->frag_offset)
		return fail(c, RX_ERROR, "frag [%llu, +%u) outside the %zu-byte dma-buf",
			    (unsigned long long)d->frag_offset, d->frag_size, rx->map_len);
	c->frags++;
	if (d->frag_size % DML_PAGE_SIZE == 0)
		c->aligned++;
	dmabuf_sync(rx, DMA_BUF_SYNC_START);
	err = consume_bytes(r, rx->map + d->frag_offset, d->frag_size);
	dmabuf_sync(rx, DMA_BUF_SYNC_END);
	if (err)
		return err;
	return hold_token(r, d->frag_token);
}

/* Walks one recvmsg's cmsgs in stream order; host-memory bytes follow in the iov. */
static int consume(struct reader *r, struct msghdr *msg, size_t n)
{
	struct rx_conn *c = r->c;
	size_t lin = 0, devmem = 0;
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		struct dmabuf_cmsg d;

		if (cm->cmsg_level != SOL_SOCKET ||
		    (cm->cmsg_type != SCM_DEVMEM_DMABUF && cm->cmsg_type != SCM_DEVMEM_LINEAR))
			continue;
		memcpy(&d, CMSG_DATA(cm), sizeof(d));
		devmem += d.frag_size;
		if (cm->cmsg_type == SCM_DEVMEM_DMABUF) {
			if (consume_frag(r, &d))
				return -1;
			continue;
		}
		c->linear_frags++;
		if (r->rx->o->no_linear)
			return fail(c, RX_ERROR,
				    "SCM_DEVMEM_LINEAR cmsg of %u bytes at offset %llu (-L)",
				    d.frag_size, (unsigned long long)c->bytes);
		if (consume_bytes(r, r->iov_buf + lin, d.frag_size))
			return -1;
		lin += d.frag_size;
	}
	if (devmem > n)
		return fail(c, RX_ERROR, "cmsgs describe %zu bytes of a %zu-byte read", devmem, n);
	if (devmem == n)
		return 0;
	/* Host memory: only once the queue left the dma-buf (-U 2). */
	pthread_mutex_lock(&r->rx->lock);
	if (!r->rx->unbound) {
		pthread_mutex_unlock(&r->rx->lock);
		return fail(c, RX_ERROR, "%zu bytes at offset %llu in host memory: flow steering error",
			    n - devmem, (unsigned long long)c->bytes);
	}
	pthread_mutex_unlock(&r->rx->lock);
	c->host_bytes += n - devmem;
	return consume_bytes(r, r->iov_buf + lin, n - devmem);
}

/* -U 1: data waits in the socket, in the dma-buf; unbind, then the read must fail. */
static int unbind_first(struct reader *r)
{
	struct dml_pollfd pfd = { .sk = r->c->sk, .events = POLLIN };
	struct iovec iov = { .iov_base = r->iov_buf, .iov_len = IOV_BYTES };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = r->ctrl, .msg_controllen = CMSGS * CMSG_SPACE(sizeof(struct dmabuf_cmsg)),
	};
	ssize_t n;
	int err;

	err = dml_poll(&pfd, 1, -1);
	if (err < 0)
		return fail(r->c, RX_ERROR, "poll: %s", strerror(-err));
	err = rx_unbind(r->rx);
	if (err)
		return fail(r->c, RX_ERROR, "unbind: %s", strerror(-err));
	n = dml_recvmsg(r->c->sk, &msg, MSG_SOCK_DEVMEM);
	if (n == -ENODEV) {
		r->c->status = RX_UNBOUND;
		snprintf(r->c->msg, sizeof(r->c->msg),
			 "recvmsg after unbind failed with ENODEV, as expected");
		return -1;
	}
	if (n < 0)
		return fail(r->c, RX_ERROR, "recvmsg after unbind: %s, expected ENODEV",
			    strerror((int)-n));
	return fail(r->c, RX_ERROR, "recvmsg after unbind returned %zd bytes, expected ENODEV", n);
}

/* Waits for data, or for the oldest held token's time; 1 when readable. */
static int wait_readable(struct reader *r)
{
	struct dml_pollfd pfd = { .sk = r->c->sk, .events = POLLIN };
	uint64_t now = rx_now_ns(), due = r->ring[r->head].due_ns;
	int timeout = due > now ? (int)((due - now + 999999) / 1000000) : 0;
	int n = dml_poll(&pfd, 1, timeout);

	if (n < 0)
		return fail(r->c, RX_ERROR, "poll: %s", strerror(-n));
	return n;
}

/* The throughput's window: from the first accept to the last read. */
void rx_note_start(struct rx *rx)
{
	uint64_t zero = 0;

	atomic_compare_exchange_strong(&rx->first_ns, &zero, rx_now_ns());
}

static void note_time(struct rx *rx, uint64_t bytes)
{
	atomic_store_explicit(&rx->last_ns, rx_now_ns(), memory_order_relaxed);
	atomic_fetch_add_explicit(&rx->total_bytes, bytes, memory_order_relaxed);
}

static int read_once(struct reader *r)
{
	struct iovec iov = { .iov_base = r->iov_buf, .iov_len = IOV_BYTES };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = r->ctrl, .msg_controllen = CMSGS * CMSG_SPACE(sizeof(struct dmabuf_cmsg)),
	};
	int flags = MSG_SOCK_DEVMEM;
	ssize_t n;

	if (r->count && r->rx->o->hold_ms) {
		int ready = wait_readable(r);

		if (ready < 0 || return_due(r, false))
			return -1;
		if (!ready)
			return 0;
		flags |= MSG_DONTWAIT;
	}
	n = dml_recvmsg(r->c->sk, &msg, flags | (r->count ? MSG_DONTWAIT : 0));
	if (n == -EAGAIN && r->count && !r->rx->o->hold_ms) {
		/* Tokens kept for a batch must not starve the NIC while we sleep. */
		if (return_due(r, true))
			return -1;
		n = dml_recvmsg(r->c->sk, &msg, flags);
	}
	if (n == -EAGAIN)
		return 0;
	if (n == 0) {
		note_time(r->rx, 0);
		r->c->status = RX_EOF;
		return -1;
	}
	if (n == -ECONNRESET)
		return fail(r->c, atomic_load(&r->rx->stopping) ? RX_STOPPED : RX_RESET,
			    "connection reset by peer after %llu bytes%s",
			    (unsigned long long)r->c->bytes,
			    r->rx->o->validate ? ", all validated" : "");
	if (n < 0)
		return fail(r->c, RX_ERROR, "recvmsg: %s", strerror((int)-n));
	note_time(r->rx, (uint64_t)n);
	if (consume(r, &msg, (size_t)n))
		return -1;
	if (!r->first_recv_done) {
		r->first_recv_done = true;
		if (r->rx->o->unbind == 2) {
			int err;

			/* Tokens go back while the binding is whole. */
			if (return_all(r))
				return -1;
			err = rx_unbind(r->rx);
			if (err)
				return fail(r->c, RX_ERROR, "unbind: %s", strerror(-err));
		}
	}
	return 0;
}

static void reader_run(struct reader *r)
{
	if (r->rx->o->unbind == 1) {
		unbind_first(r);
		return;
	}
	while (!read_once(r))
		;
	/* Whatever is still held goes back before the socket closes. */
	/* Even after a failure: the checker then proves nothing else is held. */
	if (r->count) {
		struct rx_conn saved = *r->c;

		if (return_all(r) && saved.status != RX_RUNNING && saved.status != RX_EOF) {
			r->c->status = saved.status;
			memcpy(r->c->msg, saved.msg, sizeof(saved.msg));
		}
	}
}

void *rx_conn_main(void *arg)
{
	struct rx_conn *c = arg;
	struct reader r = { .c = c, .rx = c->rx };

	r.cap = 1024;
	r.iov_buf = malloc(IOV_BYTES);
	r.ctrl = calloc(CMSGS, CMSG_SPACE(sizeof(struct dmabuf_cmsg)));
	r.ring = calloc(r.cap, sizeof(*r.ring));
	if (!r.iov_buf || !r.ctrl || !r.ring)
		fail(c, RX_ERROR, "out of memory");
	else
		reader_run(&r);
	free(r.ring);
	free(r.ctrl);
	free(r.iov_buf);
	/* The ingress closes the kernel socket: the peer sees the end. */
	dml_close(c->sk);
	c->sk = NULL;
	atomic_fetch_add(&c->rx->ended, 1);
	atomic_store(&c->done, true);
	return NULL;
}
