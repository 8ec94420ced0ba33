// SPDX-License-Identifier: MIT
/*
 * The real TCP ingress (issue 14): one thread runs an epoll loop over the
 * listening socket, every connection and an eventfd.  The eventfd carries
 * what happens elsewhere: an emulated socket closed, buffers back, stop.
 * Idle, the loop sleeps in epoll_wait.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "flow_config.h"
#include "ingress.h"
#include "nic/netdev.h"

#define DEFAULT_MAX_CONNS	64
#define MAX_EVENTS		64

static int ingress_listen_tag;	/* epoll data for the listening socket */
static int event_tag;	/* and for the eventfd */

static int add_fd(struct dml_tcp_ingress *ing, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(ing->epoll_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* Drops connections whose application closed them, retries parked ones. */
static void service(struct dml_tcp_ingress *ing)
{
	struct ingress_conn **pp = &ing->conns;

	while (*pp) {
		struct ingress_conn *c = *pp;

		if (atomic_load(&c->app_closed)) {
			*pp = c->next;
			ing->nr_conns--;
			atomic_fetch_sub(&ing->live_conns, 1);
			dml_ingress_conn_free(c, false);
			if (ing->accept_paused && !atomic_load(&ing->listener_closed) &&
			    !add_fd(ing, ing->listen_fd, &ingress_listen_tag))
				ing->accept_paused = false;
			continue;
		}
		if (c->parked)
			dml_ingress_conn_unpark(c);
		pp = &c->next;
	}
}

static void *loop(void *arg)
{
	struct dml_tcp_ingress *ing = arg;
	struct epoll_event ev[MAX_EVENTS];

	while (!atomic_load(&ing->stopping)) {
		int i, n = epoll_wait(ing->epoll_fd, ev, MAX_EVENTS, -1);
		bool serve = false;

		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == &ingress_listen_tag) {
				dml_ingress_accept(ing, ing->listen_fd);
			} else if (ev[i].data.ptr == &event_tag) {
				uint64_t count;

				(void)!read(ing->event_fd, &count, sizeof(count));
				serve = true;
			} else {
				dml_ingress_conn_read(ev[i].data.ptr);
			}
		}
		if (serve)
			service(ing);
	}
	return NULL;
}

/* The page pool's and the sockets' wake: runs on their threads, only signals. */
static void buffers_back(void *arg)
{
	dml_ingress_wake(arg);
}

void dml_ingress_stats_changed(struct dml_tcp_ingress *ing)
{
	if (!atomic_load(&ing->stats_waiters))
		return;
	pthread_mutex_lock(&ing->stats_lock);
	pthread_cond_broadcast(&ing->stats_cond);
	pthread_mutex_unlock(&ing->stats_lock);
}

static void ingress_free(struct dml_tcp_ingress *ing)
{
	dml_nic_unwatch_buffers(ing->watch);
	if (ing->listen_fd >= 0)
		close(ing->listen_fd);
	if (ing->event_fd >= 0)
		close(ing->event_fd);
	if (ing->epoll_fd >= 0)
		close(ing->epoll_fd);
	pthread_cond_destroy(&ing->stats_cond);
	pthread_mutex_destroy(&ing->stats_lock);
	free(ing);
}

int dml_tcp_ingress_start(struct dml_netdev *dev, const struct dml_tcp_ingress_config *cfg,
			  struct dml_tcp_ingress **out)
{
	struct dml_wire_flow_config seg;
	struct dml_tcp_ingress *ing;
	int err;

	if (!dev || !cfg || !out)
		return -EINVAL;
	seg = cfg->seg;
	memset(&seg.flow, 0, sizeof(seg.flow));
	seg.flags = 0;
	err = dml_wire_check_config(&seg, &seg);
	if (err)
		return err;
	/* A segment the ring could never hold would stall its connection for good. */
	if (dml_nic_seg_pages(seg.mss) > dml_nic_ring_size(dev))
		return -EINVAL;
	ing = calloc(1, sizeof(*ing));
	if (!ing)
		return -ENOMEM;
	ing->dev = dev;
	ing->seg = seg;
	ing->max_conns = cfg->max_conns ? cfg->max_conns : DEFAULT_MAX_CONNS;
	ing->listen_fd = ing->epoll_fd = ing->event_fd = -1;
	atomic_init(&ing->stopping, false);
	atomic_init(&ing->listener_closed, false);
	atomic_init(&ing->live_conns, 0);
	pthread_mutex_init(&ing->stats_lock, NULL);
	pthread_cond_init(&ing->stats_cond, NULL);
	if (cfg->adopt)
		err = dml_ingress_adopt(cfg->bound_fd, cfg->backlog, &ing->listen_fd, &ing->port);
	else
		err = dml_ingress_listen(cfg->addr, cfg->port, &ing->listen_fd, &ing->port);
	if (err)
		goto err_free;
	ing->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	ing->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ing->epoll_fd < 0 || ing->event_fd < 0) {
		err = -errno;
		goto err_free;
	}
	err = add_fd(ing, ing->listen_fd, &ingress_listen_tag);
	if (!err)
		err = add_fd(ing, ing->event_fd, &event_tag);
	if (!err)
		err = dml_nic_watch_buffers(dev, buffers_back, ing, &ing->watch);
	if (err)
		goto err_free;
	err = -pthread_create(&ing->thread, NULL, loop, ing);
	if (err)
		goto err_free;
	*out = ing;
	return 0;

err_free:
	ingress_free(ing);
	return err;
}

uint16_t dml_tcp_ingress_port(const struct dml_tcp_ingress *ing)
{
	return ing->port;
}

void dml_tcp_ingress_stats(const struct dml_tcp_ingress *ing, struct dml_tcp_ingress_stats *out)
{
	out->conns = atomic_load(&ing->stats.conns);
	out->refused = atomic_load(&ing->stats.refused);
	out->bytes = atomic_load(&ing->stats.bytes);
	out->pool_waits = atomic_load(&ing->stats.pool_waits);
	out->resets = atomic_load(&ing->stats.resets);
}

static bool stats_equal(const struct dml_tcp_ingress_stats *a,
			const struct dml_tcp_ingress_stats *b)
{
	return a->conns == b->conns && a->refused == b->refused && a->bytes == b->bytes &&
	       a->pool_waits == b->pool_waits && a->resets == b->resets;
}

int dml_tcp_ingress_wait_stats(struct dml_tcp_ingress *ing,
			       struct dml_tcp_ingress_stats *seen, int timeout_ms)
{
	struct dml_tcp_ingress_stats now;
	struct timespec deadline;
	int rc = 0;

	if (timeout_ms > 0) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&ing->stats_lock);
	/* Counted before the first look: an update after it sees a waiter. */
	atomic_fetch_add(&ing->stats_waiters, 1);
	for (;;) {
		dml_tcp_ingress_stats(ing, &now);
		if (!stats_equal(&now, seen) || timeout_ms == 0 || rc == ETIMEDOUT)
			break;
		if (timeout_ms < 0)
			pthread_cond_wait(&ing->stats_cond, &ing->stats_lock);
		else
			rc = pthread_cond_timedwait(&ing->stats_cond, &ing->stats_lock, &deadline);
	}
	atomic_fetch_sub(&ing->stats_waiters, 1);
	pthread_mutex_unlock(&ing->stats_lock);
	rc = !stats_equal(&now, seen);
	*seen = now;
	return rc;
}

void dml_tcp_ingress_close_listener(struct dml_tcp_ingress *ing)
{
	if (atomic_exchange(&ing->listener_closed, true))
		return;
	/*
	 * Off the loop's set first, so it never waits on a dead listener;
	 * shutdown() ends the listen state at once (new peers are refused,
	 * as after close()) while the fd stays valid for a loop thread that
	 * may be in accept() on it right now.  It is closed at stop.
	 */
	epoll_ctl(ing->epoll_fd, EPOLL_CTL_DEL, ing->listen_fd, NULL);
	shutdown(ing->listen_fd, SHUT_RDWR);
}

unsigned int dml_tcp_ingress_conns(const struct dml_tcp_ingress *ing)
{
	return atomic_load(&ing->live_conns);
}

void dml_tcp_ingress_stop(struct dml_tcp_ingress *ing)
{
	if (!ing)
		return;
	atomic_store(&ing->stopping, true);
	dml_ingress_wake(ing);
	pthread_join(ing->thread, NULL);
	/* The loop is gone: its connections are ours to end. */
	while (ing->conns) {
		struct ingress_conn *c = ing->conns;

		ing->conns = c->next;
		dml_ingress_conn_free(c, true);
	}
	ingress_free(ing);
}
