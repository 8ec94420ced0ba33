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
#include <unistd.h>

#include "flow_config.h"
#include "ingress.h"
#include "nic/netdev.h"

#define DEFAULT_MAX_CONNS	64
#define MAX_EVENTS		64
/* A stalled connection is retried this often until buffers are back. */
#define PARKED_RETRY_MS		10

static int listen_tag;	/* epoll data for the listening socket */
static int event_tag;	/* and for the eventfd */

/* Drops connections whose application closed them, retries parked ones. */
static void service(struct dml_tcp_ingress *ing)
{
	struct ingress_conn **pp = &ing->conns;

	while (*pp) {
		struct ingress_conn *c = *pp;

		if (atomic_load(&c->app_closed)) {
			*pp = c->next;
			ing->nr_conns--;
			ingress_conn_free(c, false);
			continue;
		}
		if (c->parked)
			ingress_conn_unpark(c);
		pp = &c->next;
	}
}

static bool any_parked(const struct dml_tcp_ingress *ing)
{
	const struct ingress_conn *c;

	for (c = ing->conns; c; c = c->next)
		if (c->parked)
			return true;
	return false;
}

static void *loop(void *arg)
{
	struct dml_tcp_ingress *ing = arg;
	struct epoll_event ev[MAX_EVENTS];

	while (!atomic_load(&ing->stopping)) {
		int i, n = epoll_wait(ing->epoll_fd, ev, MAX_EVENTS,
				      any_parked(ing) ? PARKED_RETRY_MS : -1);
		bool serve = n == 0;

		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == &listen_tag) {
				ingress_accept(ing, ing->listen_fd);
			} else if (ev[i].data.ptr == &event_tag) {
				uint64_t count;

				(void)!read(ing->event_fd, &count, sizeof(count));
				serve = true;
			} else {
				ingress_conn_read(ev[i].data.ptr);
			}
		}
		if (serve)
			service(ing);
	}
	return NULL;
}

static int add_fd(struct dml_tcp_ingress *ing, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(ing->epoll_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static void ingress_free(struct dml_tcp_ingress *ing)
{
	if (ing->listen_fd >= 0)
		close(ing->listen_fd);
	if (ing->event_fd >= 0)
		close(ing->event_fd);
	if (ing->epoll_fd >= 0)
		close(ing->epoll_fd);
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
	ing = calloc(1, sizeof(*ing));
	if (!ing)
		return -ENOMEM;
	ing->dev = dev;
	ing->seg = seg;
	ing->max_conns = cfg->max_conns ? cfg->max_conns : DEFAULT_MAX_CONNS;
	ing->listen_fd = ing->epoll_fd = ing->event_fd = -1;
	atomic_init(&ing->stopping, false);
	err = ingress_listen(cfg->addr, cfg->port, &ing->listen_fd, &ing->port);
	if (err)
		goto err_free;
	ing->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	ing->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ing->epoll_fd < 0 || ing->event_fd < 0) {
		err = -errno;
		goto err_free;
	}
	err = add_fd(ing, ing->listen_fd, &listen_tag);
	if (!err)
		err = add_fd(ing, ing->event_fd, &event_tag);
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

void dml_tcp_ingress_stop(struct dml_tcp_ingress *ing)
{
	if (!ing)
		return;
	atomic_store(&ing->stopping, true);
	ingress_wake(ing);
	pthread_join(ing->thread, NULL);
	/* The loop is gone: its connections are ours to end. */
	while (ing->conns) {
		struct ingress_conn *c = ing->conns;

		ing->conns = c->next;
		ingress_conn_free(c, true);
	}
	ingress_free(ing);
}
