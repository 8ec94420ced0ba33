// SPDX-License-Identifier: MIT
/*
 * One kernel TCP connection of the ingress: it arrives at the NIC with its
 * real 5-tuple, its bytes go to the NIC in order, its FIN and reset follow
 * the data, and it ends when the emulated socket's application closes it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ingress.h"
#include "nic/netdev.h"

/* Bytes one connection reads per turn, so a busy one does not starve the rest. */
#define TURN_BYTES	(256u * 1024)

void ingress_wake(struct dml_tcp_ingress *ing)
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
	ingress_wake(c->ing);
}

/* A connection nobody serves: a reset, as a port with no listener answers. */
static void refuse(struct dml_tcp_ingress *ing, int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	atomic_fetch_add(&ing->stats.refused, 1);
}

static int conn_flow(int fd, struct dml_flow *flow)
{
	struct sockaddr_storage peer, local;
	socklen_t plen = sizeof(peer), llen = sizeof(local);

	if (getpeername(fd, (struct sockaddr *)&peer, &plen) ||
	    getsockname(fd, (struct sockaddr *)&local, &llen))
		return -errno;
	memset(flow, 0, sizeof(*flow));
	ingress_flow_addr(&peer, flow->src_addr, &flow->src_port);
	ingress_flow_addr(&local, flow->dst_addr, &flow->dst_port);
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
static void accept_one(struct dml_tcp_ingress *ing, int fd)
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
	atomic_init(&c->app_closed, false);
	if (conn_flow(fd, &c->cfg.flow) ||
	    dml_nic_connect(ing->dev, &c->cfg.flow, &c->sk)) {
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
	atomic_fetch_add(&ing->stats.conns, 1);
}

void ingress_accept(struct dml_tcp_ingress *ing, int lfd)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		accept_one(ing, fd);
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
		atomic_fetch_add(&c->ing->stats.resets, 1);
		dml_nic_reset(c->sk);
	}
	c->done = true;
	conn_disarm(c);
}

/* Hands @len bytes to the NIC; returns bytes taken or -errno (-ENOBUFS: stalled). */
static ssize_t conn_deliver(struct ingress_conn *c, const unsigned char *buf, size_t len)
{
	ssize_t n = dml_nic_rx(c->ing->dev, &c->cfg, c->sk, buf, len);

	if (n > 0)
		atomic_fetch_add(&c->ing->stats.bytes, (uint64_t)n);
	return n;
}

void ingress_conn_read(struct ingress_conn *c)
{
	size_t turn = 0;

	while (!c->done && !c->parked && turn < TURN_BYTES) {
		ssize_t n;

		if (c->pending_off == c->pending_len) {
			n = recv(c->fd, c->pending, sizeof(c->pending), MSG_DONTWAIT);
			if (n <= 0) {
				conn_check_end(c);
				return;
			}
			c->pending_off = 0;
			c->pending_len = (size_t)n;
		}
		n = conn_deliver(c, c->pending + c->pending_off,
				 c->pending_len - c->pending_off);
		if (n == -ENOBUFS || n == -ENETDOWN) {
			c->parked = true;
			atomic_fetch_add(&c->ing->stats.pool_waits, 1);
			conn_disarm(c);
			return;
		}
		if (n < 0) {
			/* The emulated socket is gone: its close hook ends us. */
			c->done = true;
			conn_disarm(c);
			return;
		}
		c->pending_off += (size_t)n;
		turn += (size_t)n;
	}
}

/* Buffers may be back: read again, rearmed if nothing stalls it. */
void ingress_conn_unpark(struct ingress_conn *c)
{
	c->parked = false;
	ingress_conn_read(c);
	if (!c->parked && !c->done)
		conn_arm(c);
}

/*
 * Closes the kernel socket and drops the wire's reference; @reset gives an
 * emulated socket not at EOF a reset first (the ingress stops).
 */
void ingress_conn_free(struct ingress_conn *c, bool reset)
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
