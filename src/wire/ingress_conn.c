// SPDX-License-Identifier: MIT
/*
 * One kernel TCP connection of the ingress: it arrives at the NIC with its
 * real 5-tuple, its bytes go to the NIC in order, its FIN and reset follow
 * the data, and it ends when the emulated socket's application closes it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flow_config.h"
#include "ingress.h"
#include "nic/netdev.h"

/* Bytes one connection reads per turn, so a busy one does not starve the rest. */
#define TURN_BYTES	(256u * 1024)

void dml_ingress_wake(struct dml_tcp_ingress *ing)
{
	uint64_t one = 1;

	/* Only fails when the counter would overflow: the loop is awake then. */
	(void)!write(ing->event_fd, &one, sizeof(one));
}

/* The emulated socket's close hook: runs under its lock, so only signals. */
static void conn_app_closed(void *arg)
{
	struct ingress_conn *c = arg;

	atomic_store(&c->app_closed, true);
	dml_ingress_wake(c->ing);
}

/* A connection nobody serves: a reset, as a port with no listener answers. */
static void refuse(struct dml_tcp_ingress *ing, int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	/* Counted first: a peer that sees the reset sees the count. */
	ingress_stat_add(ing, refused, 1);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/*
 * The 5-tuple: the peer as accept() reported it, which it does even for a
 * connection the peer already reset (getpeername() would say ENOTCONN, and
 * the data that came before the reset is still to be read).
 */
static int conn_flow(int fd, const struct sockaddr_storage *peer, struct dml_flow *flow)
{
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);

	if (getsockname(fd, (struct sockaddr *)&local, &llen))
		return -errno;
	memset(flow, 0, sizeof(*flow));
	dml_ingress_flow_addr(peer, flow->src_addr, &flow->src_port);
	dml_ingress_flow_addr(&local, flow->dst_addr, &flow->dst_port);
	return 0;
}

static int conn_arm(struct ingress_conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	return epoll_ctl(c->ing->epoll_fd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void conn_disarm(struct ingress_conn *c)
{
	epoll_ctl(c->ing->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
}

/* One accepted kernel connection becomes a flow at the NIC, or is refused. */
static void accept_one(struct dml_tcp_ingress *ing, int fd,
		       const struct sockaddr_storage *peer)
{
	struct ingress_conn *c;

	if (ing->nr_conns >= ing->max_conns) {
		refuse(ing, fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		refuse(ing, fd);
		return;
	}
	c->ing = ing;
	c->fd = fd;
	c->cfg = ing->seg;
	dml_wire_connect_hds(&c->cfg, ing->dev);
	atomic_init(&c->app_closed, false);
	if (conn_flow(fd, peer, &c->cfg.flow) ||
	    dml_nic_connect(ing->dev, &c->cfg.flow, fd, &c->sk)) {
		free(c);
		refuse(ing, fd);
		return;
	}
	if (conn_arm(c)) {
		dml_nic_reset(c->sk);
		dml_nic_disconnect(c->sk);
		free(c);
		refuse(ing, fd);
		return;
	}
	dml_nic_watch_close(c->sk, conn_app_closed, c);
	c->next = ing->conns;
	ing->conns = c;
	ing->nr_conns++;
	atomic_fetch_add(&ing->live_conns, 1);
	ingress_stat_add(ing, conns, 1);
}

void dml_ingress_accept(struct dml_tcp_ingress *ing, int lfd)
{
	while (!atomic_load(&ing->listener_closed)) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(lfd, (struct sockaddr *)&peer, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			accept_one(ing, fd, &peer);
			continue;
		}
		if (errno == ECONNABORTED || errno == EINTR)
			continue;
		/*
		 * Out of descriptors or memory: the queue stays readable, so
		 * stop watching it (no spinning) until a connection ends.
		 */
		if (errno != EAGAIN) {
			epoll_ctl(ing->epoll_fd, EPOLL_CTL_DEL, lfd, NULL);
			ing->accept_paused = true;
		}
		return;
	}
}

/* Nothing left to read: the peer's FIN, its reset, or just no data yet. */
static void conn_check_end(struct ingress_conn *c)
{
	unsigned char b;
	ssize_t n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	if (n == 0) {
		dml_nic_fin(c->sk);
	} else {
		dml_nic_reset(c->sk);
		ingress_stat_add(c->ing, resets, 1);
	}
	c->done = true;
	conn_disarm(c);
}

/* Off the epoll set until the NIC has buffers again: TCP flow control does the rest. */
static void conn_park(struct ingress_conn *c, bool count)
{
	c->parked = true;
	if (count)
		ingress_stat_add(c->ing, pool_waits, 1);
	conn_disarm(c);
}

/* The NIC took @n bytes (or failed); false when the connection stops reading. */
static bool conn_delivered(struct ingress_conn *c, ssize_t n, bool retry)
{
	if (n == -ENOBUFS || n == -ENETDOWN) {
		conn_park(c, !retry);
		return false;
	}
	if (n < 0) {
		/*
		 * -ECONNRESET: the application closed the socket, whose hook
		 * ends the connection; -EIO: the kernel socket broke its word.
		 */
		if (n != -ECONNRESET)
			dml_nic_reset(c->sk);
		c->done = true;
		conn_disarm(c);
		return false;
	}
	ingress_stat_add(c->ing, bytes, (uint64_t)n);
	return true;
}

/*
 * The NIC's fill callback: the emulated DMA.  One recvmsg() writes the
 * batch's payload straight into the posted buffers.  The caller asked for
 * no more than FIONREAD said the socket holds, so it cannot come up
 * short; if the kernel ever did, the rest is waited for here.
 */
static int conn_fill(void *arg, const struct iovec *iov, int iovcnt, size_t bytes)
{
	struct ingress_conn *c = arg;
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	ssize_t n = recvmsg(c->fd, &msg, MSG_DONTWAIT);
	size_t got = n > 0 ? (size_t)n : 0;

	while (got < bytes) {
		struct iovec rest[iovcnt];
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		size_t skip = got;
		int i = 0;

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return -EIO;
		if (n < 0 && errno == EAGAIN)
			poll(&pfd, 1, -1);
		while (skip >= iov[i].iov_len)
			skip -= iov[i++].iov_len;
		memcpy(rest, iov + i, (size_t)(iovcnt - i) * sizeof(*rest));
		rest[0].iov_base = (unsigned char *)rest[0].iov_base + skip;
		rest[0].iov_len -= skip;
		msg.msg_iov = rest;
		msg.msg_iovlen = (size_t)(iovcnt - i);
		n = recvmsg(c->fd, &msg, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

/*
 * Segments are cut where the sender's TCP would cut them, at multiples of
 * the MSS in the stream, not wherever a read of the kernel socket happens
 * to end: a short segment mid-stream would shift every later payload off
 * its page in the queue's back-to-back buffers, doubling the frags.  A
 * read that starts off a boundary first completes that segment alone; one
 * that ends off a boundary stops at the last one, unless less than a
 * segment is there, which goes at once (nothing waits for more bytes).
 */
static size_t segment_cut(const struct ingress_conn *c, size_t want)
{
	size_t into = (size_t)(c->stream_off % c->cfg.mss);

	if (into)
		return want < c->cfg.mss - into ? want : c->cfg.mss - into;
	return want < c->cfg.mss ? want : want - want % c->cfg.mss;
}

/*
 * One copy: FIONREAD bounds the read, the NIC's buffers take it directly.
 * Measured against two copies (recv() into a buffer of the ingress, then
 * memcpy() into the same batches' buffers, or dml_nic_rx() copying from a
 * 64 KiB buffer), 1 GiB over loopback, one reader returning every token, on
 * a shared 2-CPU machine: the second copy costs 0.10-0.15 s of user CPU per
 * GiB (0.06-0.11 s with one copy, 0.15-0.31 s with two) at the same system
 * time; throughput varied more between runs than between the two.  One
 * recvmsg() per batch keeps the system calls as few as one recv() per
 * buffer did.
 */
static bool read_one_copy(struct ingress_conn *c, size_t budget, bool retry, size_t *turn)
{
	int avail = 0;
	ssize_t n;

	if (ioctl(c->fd, FIONREAD, &avail) || avail <= 0) {
		conn_check_end(c);
		return false;
	}
	n = dml_nic_rx_fill(c->ing->dev, &c->cfg, c->sk,
			    segment_cut(c, (size_t)avail < budget ? (size_t)avail : budget),
			    conn_fill, c);
	if (!conn_delivered(c, n, retry))
		return false;
	c->stream_off += (uint64_t)n;
	*turn += (size_t)n;
	return true;
}

static void conn_read(struct ingress_conn *c, bool retry)
{
	size_t turn = 0;

	while (!c->done && !c->parked && turn < TURN_BYTES) {
		if (!read_one_copy(c, TURN_BYTES - turn, retry, &turn))
			return;
		retry = false;
	}
}

void dml_ingress_conn_read(struct ingress_conn *c)
{
	conn_read(c, false);
}

/* Buffers may be back: read again, rearmed unless it stalls again. */
void dml_ingress_conn_unpark(struct ingress_conn *c)
{
	c->parked = false;
	conn_read(c, true);
	if (!c->parked && !c->done)
		conn_arm(c);
}

/*
 * Closes the kernel socket and drops the wire's reference; @reset gives an
 * emulated socket not at EOF a reset first (the ingress stops).
 */
void dml_ingress_conn_free(struct ingress_conn *c, bool reset)
{
	dml_nic_watch_close(c->sk, NULL, NULL);
	if (!c->done)
		conn_disarm(c);
	close(c->fd);
	if (reset && !c->done)
		dml_nic_reset(c->sk);
	dml_nic_disconnect(c->sk);
	free(c);
}
