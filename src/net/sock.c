// SPDX-License-Identifier: MIT
/*
 * Emulated TCP sockets: creation, listen/accept, the receive queue the NIC
 * fills, waiting and poll, and teardown when the last file reference goes.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "refcount.h"
#include "skb.h"
#include "sock.h"
#include "tokens/tokens.h"
#include "warn.h"

static void sock_teardown(struct dml_sock *sk);

bool dml_sock_fd_get(struct dml_sock *sk)
{
	return dml_ref_get_unless_zero(&sk->fd_refs);
}

void dml_sock_fd_put(struct dml_sock *sk)
{
	if (atomic_fetch_sub_explicit(&sk->fd_refs, 1, memory_order_acq_rel) == 1)
		sock_teardown(sk);
}

static void sock_free(struct dml_sock *sk)
{
	struct dml_sock_table *table = sk->table;
	struct dml_sock **pp;

	pthread_mutex_lock(&table->socks_lock);
	for (pp = &table->socks; *pp; pp = &(*pp)->host_next) {
		if (*pp == sk) {
			*pp = sk->host_next;
			break;
		}
	}
	pthread_mutex_unlock(&table->socks_lock);
	pthread_cond_destroy(&sk->wait);
	pthread_mutex_destroy(&sk->lock);
	free(sk);
}

void dml_sock_put(struct dml_sock *sk)
{
	if (atomic_fetch_sub_explicit(&sk->refcnt, 1, memory_order_acq_rel) == 1)
		sock_free(sk);
}

static void sock_wake(struct dml_sock *sk)
{
	struct dml_sock_table *table = sk->table;
	struct dml_poll_entry *e;

	pthread_cond_broadcast(&sk->wait);
	/* One relaxed load when nobody outside the model listens. */
	if (atomic_load_explicit(&sk->has_notify, memory_order_relaxed)) {
		pthread_mutex_lock(&sk->lock);
		if (sk->notify)
			sk->notify(sk->notify_arg);
		pthread_mutex_unlock(&sk->lock);
	}
	if (!atomic_load_explicit(&table->pollers, memory_order_acquire))
		return;
	pthread_mutex_lock(&table->poll_lock);
	for (e = table->poll_waiters; e; e = e->next) {
		pthread_mutex_lock(&e->waiter->lock);
		e->waiter->seq++;
		pthread_cond_broadcast(&e->waiter->cond);
		pthread_mutex_unlock(&e->waiter->lock);
	}
	pthread_mutex_unlock(&table->poll_lock);
}

void dml_sock_table_init(struct dml_sock_table *table,
			 const struct dml_token_ops *const *designs,
			 const _Atomic int *mode_key,
			 _Atomic unsigned long *warnings)
{
	pthread_mutex_init(&table->socks_lock, NULL);
	pthread_mutex_init(&table->poll_lock, NULL);
	table->designs = designs;
	table->mode_key = mode_key;
	table->warnings = warnings;
}

void dml_sock_table_destroy(struct dml_sock_table *table)
{
	/* Sockets and wire flows are the caller's to close first. */
	DML_WARN_ON(table->warnings, table->socks != NULL);
	pthread_mutex_destroy(&table->poll_lock);
	pthread_mutex_destroy(&table->socks_lock);
}

int dml_sock_create(struct dml_sock_table *table, int type,
		    struct dml_sock **out)
{
	struct dml_sock *sk;
	int mode;

	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -EINVAL;
	sk = calloc(1, sizeof(*sk));
	if (!sk)
		return -ENOMEM;
	sk->table = table;
	sk->type = type;
	sk->wire_fd = -1;
	atomic_init(&sk->fd_refs, 1);
	atomic_init(&sk->refcnt, 1);
	pthread_mutex_init(&sk->lock, NULL);
	pthread_cond_init(&sk->wait, NULL);
	if (type == SOCK_STREAM) {
		for (mode = 0; mode < DML_NR_MODES; mode++) {
			const struct dml_token_ops *ops = table->designs[mode];

			sk->tokens[mode] = ops->sock_create(table->warnings);
			if (!sk->tokens[mode])
				goto err_free_tokens;
			sk->tokens[mode]->ops = ops;
		}
	}
	pthread_mutex_lock(&table->socks_lock);
	sk->host_next = table->socks;
	table->socks = sk;
	pthread_mutex_unlock(&table->socks_lock);
	*out = sk;
	return 0;

err_free_tokens:
	while (mode--)
		sk->tokens[mode]->ops->sock_destroy(sk->tokens[mode]);
	pthread_cond_destroy(&sk->wait);
	pthread_mutex_destroy(&sk->lock);
	free(sk);
	return -ENOMEM;
}

int dml_listen(struct dml_sock *sk, uint16_t port)
{
	struct dml_sock_table *table = sk->table;
	struct dml_sock *other;
	int err = 0;

	if (!dml_sock_fd_get(sk))
		return -EBADF;
	if (sk->type != SOCK_STREAM) {
		err = -EINVAL;
		goto out;
	}
	pthread_mutex_lock(&table->socks_lock);
	for (other = table->socks; other; other = other->host_next)
		if (other != sk && other->state == DML_SOCK_LISTEN && other->port == port)
			err = -EADDRINUSE;
	pthread_mutex_lock(&sk->lock);
	if (!err && sk->state != DML_SOCK_NEW)
		err = -EINVAL;
	if (!err) {
		sk->state = DML_SOCK_LISTEN;
		sk->port = port;
	}
	pthread_mutex_unlock(&sk->lock);
	pthread_mutex_unlock(&table->socks_lock);
out:
	dml_sock_fd_put(sk);
	return err;
}

/* Takes a memory reference on the listener of @port, or returns NULL. */
struct dml_sock *dml_sock_lookup_listener(struct dml_sock_table *table,
					  uint16_t port)
{
	struct dml_sock *sk, *found = NULL;

	pthread_mutex_lock(&table->socks_lock);
	for (sk = table->socks; sk && !found; sk = sk->host_next) {
		pthread_mutex_lock(&sk->lock);
		if (sk->state == DML_SOCK_LISTEN && sk->port == port && !sk->dead) {
			atomic_fetch_add(&sk->refcnt, 1);
			found = sk;
		}
		pthread_mutex_unlock(&sk->lock);
	}
	pthread_mutex_unlock(&table->socks_lock);
	return found;
}

/*
 * The handshake completed: a fresh child waits in the listener's accept
 * queue.  It inherits nothing, binding and tokens included (S-6.4).  The
 * caller (the wire) gets a memory reference on it.
 */
int dml_sock_establish_child(struct dml_sock *listener, const struct dml_flow *flow,
			     int wire_fd, struct dml_sock **out)
{
	struct dml_sock *child;
	int err;

	err = dml_sock_create(listener->table, SOCK_STREAM, &child);
	if (err)
		return err;
	child->state = DML_SOCK_ESTABLISHED;
	child->port = listener->port;
	child->flow = *flow;
	child->wire_fd = wire_fd;
	/* The wire flow's reference. */
	atomic_fetch_add(&child->refcnt, 1);

	pthread_mutex_lock(&listener->lock);
	if (listener->dead || listener->state != DML_SOCK_LISTEN) {
		pthread_mutex_unlock(&listener->lock);
		dml_sock_put(child);
		dml_sock_fd_put(child);
		return -ECONNREFUSED;
	}
	if (listener->accept_tail)
		listener->accept_tail->accept_next = child;
	else
		listener->accept_head = child;
	listener->accept_tail = child;
	pthread_mutex_unlock(&listener->lock);
	sock_wake(listener);
	*out = child;
	return 0;
}

static int wait_locked(struct dml_sock *sk)
{
	return pthread_cond_wait(&sk->wait, &sk->lock);
}

int dml_accept(struct dml_sock *listener, int flags, struct dml_sock **out)
{
	struct dml_sock *child = NULL;
	int err = 0;

	if (flags & ~SOCK_NONBLOCK)
		return -EINVAL;
	if (!dml_sock_fd_get(listener))
		return -EBADF;
	pthread_mutex_lock(&listener->lock);
	for (;;) {
		if (listener->state != DML_SOCK_LISTEN) {
			err = -EINVAL;
			break;
		}
		child = listener->accept_head;
		if (child) {
			listener->accept_head = child->accept_next;
			if (!listener->accept_head)
				listener->accept_tail = NULL;
			child->accept_next = NULL;
			break;
		}
		if (flags & SOCK_NONBLOCK) {
			err = -EAGAIN;
			break;
		}
		wait_locked(listener);
	}
	pthread_mutex_unlock(&listener->lock);
	dml_sock_fd_put(listener);
	if (!err)
		*out = child;	/* the queue's file reference is now the caller's */
	return err;
}

/*
 * Queues the skbs @first..@last (linked by next) with one lock and one
 * wake, as a driver's NAPI poll hands a batch up: a reader sleeping in
 * recvmsg is woken once per batch, not once per skb.
 */
int dml_sock_queue_rcv_chain(struct dml_sock *sk, struct dml_skb *first,
			     struct dml_skb *last)
{
	pthread_mutex_lock(&sk->lock);
	if (sk->dead || sk->rcv_shutdown) {
		pthread_mutex_unlock(&sk->lock);
		return -ECONNRESET;
	}
	last->next = NULL;
	if (sk->rx_tail)
		sk->rx_tail->next = first;
	else
		sk->rx_head = first;
	sk->rx_tail = last;
	pthread_mutex_unlock(&sk->lock);
	sock_wake(sk);
	return 0;
}

int dml_sock_queue_rcv(struct dml_sock *sk, struct dml_skb *skb)
{
	return dml_sock_queue_rcv_chain(sk, skb, skb);
}

int dml_sock_rcv_shutdown(struct dml_sock *sk)
{
	int err = 0;

	pthread_mutex_lock(&sk->lock);
	if (sk->dead)
		err = -ECONNRESET;
	else
		sk->rcv_shutdown = true;
	pthread_mutex_unlock(&sk->lock);
	sock_wake(sk);
	return err;
}

/*
 * The peer reset the connection (tcp_reset()): what is queued stays
 * readable, then recvmsg fails with ECONNRESET once and reads EOF after.
 * A reset after the FIN changes nothing the reader sees.
 */
int dml_sock_rcv_reset(struct dml_sock *sk)
{
	int err = 0;

	pthread_mutex_lock(&sk->lock);
	if (sk->dead) {
		err = -ECONNRESET;
	} else if (!sk->rcv_shutdown) {
		sk->err = ECONNRESET;
		sk->rcv_shutdown = true;
	}
	pthread_mutex_unlock(&sk->lock);
	sock_wake(sk);
	return err;
}

/* Sets (or, with NULL, clears) the hook a close runs; see struct dml_sock. */
void dml_sock_set_wire_closed(struct dml_sock *sk, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&sk->lock);
	sk->wire_closed = fn;
	sk->wire_arg = arg;
	/* Closed before the hook was set: the wire hears it now. */
	if (fn && sk->dead)
		fn(arg);
	pthread_mutex_unlock(&sk->lock);
}

/*
 * Sets (or, with NULL, clears) the state-change hook; once a clear returns
 * the hook is never called again, so its argument may be freed.
 */
void dml_sock_set_notify(struct dml_sock *sk, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&sk->lock);
	sk->notify = fn;
	sk->notify_arg = arg;
	atomic_store_explicit(&sk->has_notify, fn != NULL, memory_order_relaxed);
	pthread_mutex_unlock(&sk->lock);
}

/* The last file reference went: what close(2) does to a TCP socket. */
static void sock_teardown(struct dml_sock *sk)
{
	struct dml_sock *child;
	struct dml_skb *skb;
	int mode;

	pthread_mutex_lock(&sk->lock);
	sk->dead = true;
	if (sk->wire_closed)
		sk->wire_closed(sk->wire_arg);
	skb = sk->rx_head;
	sk->rx_head = sk->rx_tail = NULL;
	child = sk->accept_head;
	sk->accept_head = sk->accept_tail = NULL;
	pthread_mutex_unlock(&sk->lock);
	sock_wake(sk);

	/* Unread data is dropped, its buffers go back to their pools. */
	while (skb) {
		struct dml_skb *next = skb->next;

		dml_skb_free(sk->table->warnings, skb);
		skb = next;
	}
	/* Connections nobody accepted are closed with the listener. */
	while (child) {
		struct dml_sock *next = child->accept_next;

		dml_sock_fd_put(child);
		child = next;
	}
	for (mode = 0; mode < DML_NR_MODES; mode++)
		if (sk->tokens[mode])
			sk->tokens[mode]->ops->sock_destroy(sk->tokens[mode]);
	dml_sock_put(sk);
}

long dml_sock_token_state_bytes(struct dml_sock *sk)
{
	struct dml_token_sock *ts;
	long bytes = -EBADF;

	if (!dml_sock_fd_get(sk))
		return -EBADF;
	ts = dml_sock_tokens(sk);
	if (ts)
		bytes = (long)ts->ops->state_bytes(ts);
	dml_sock_fd_put(sk);
	return bytes;
}

void dml_close(struct dml_sock *sk)
{
	if (sk)
		dml_sock_fd_put(sk);
}

short dml_sock_poll_events(struct dml_sock *sk)
{
	short ev = 0;

	pthread_mutex_lock(&sk->lock);
	if (sk->rx_head || sk->accept_head)
		ev |= POLLIN;
	if (sk->rcv_shutdown)
		ev |= POLLIN | POLLHUP;
	if (sk->err)
		ev |= POLLERR;
	pthread_mutex_unlock(&sk->lock);
	return ev;
}

static void deadline_after(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/*
 * Puts @w on the wait list of @sk's host unless an entry of @entries already
 * does: poll_wait() on each file, once per wait queue.
 */
static void poll_watch(struct dml_sock *sk, struct dml_poll_waiter *w,
		       struct dml_poll_entry *entries, unsigned int *nr)
{
	struct dml_sock_table *table;
	unsigned int i;

	if (!sk || !dml_sock_fd_get(sk))
		return;
	table = sk->table;
	dml_sock_fd_put(sk);
	for (i = 0; i < *nr; i++)
		if (entries[i].table == table)
			return;
	entries[*nr] = (struct dml_poll_entry){ .waiter = w, .table = table };
	pthread_mutex_lock(&table->poll_lock);
	entries[*nr].next = table->poll_waiters;
	table->poll_waiters = &entries[*nr];
	pthread_mutex_unlock(&table->poll_lock);
	/* Before the first scan: a wake after it must see this poller. */
	atomic_fetch_add(&table->pollers, 1);
	(*nr)++;
}

static void poll_unwatch(struct dml_poll_entry *e)
{
	struct dml_sock_table *table = e->table;
	struct dml_poll_entry **pp;

	atomic_fetch_sub(&table->pollers, 1);
	pthread_mutex_lock(&table->poll_lock);
	for (pp = &table->poll_waiters; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	pthread_mutex_unlock(&table->poll_lock);
}

static int poll_scan(struct dml_pollfd *fds, unsigned int nfds)
{
	unsigned int i;
	int ready = 0;

	for (i = 0; i < nfds; i++) {
		struct dml_sock *sk = fds[i].sk;

		if (!sk || !dml_sock_fd_get(sk)) {
			fds[i].revents = POLLNVAL;
		} else {
			fds[i].revents = dml_sock_poll_events(sk) &
					 (fds[i].events | POLLHUP | POLLERR);
			dml_sock_fd_put(sk);
		}
		ready += fds[i].revents != 0;
	}
	return ready;
}

/* Entries on the stack: a poll over this many sockets allocates nothing. */
#define POLL_STACK_ENTRIES	16

int dml_poll(struct dml_pollfd *fds, unsigned int nfds, int timeout_ms)
{
	struct dml_poll_entry stack_entries[POLL_STACK_ENTRIES];
	struct dml_poll_waiter w = { .seq = 0 };
	struct dml_poll_entry *entries = stack_entries;
	struct timespec deadline;
	unsigned int i, nr = 0;
	unsigned long seq;
	int ready, rc = 0;

	if (!fds || nfds == 0 || timeout_ms < -1)
		return -EINVAL;
	/* At most one entry per socket: the sockets may sit on many hosts. */
	if (nfds > POLL_STACK_ENTRIES) {
		entries = calloc(nfds, sizeof(*entries));
		if (!entries)
			return -ENOMEM;
	}
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	if (timeout_ms > 0)
		deadline_after(&deadline, timeout_ms);
	for (i = 0; i < nfds; i++)
		poll_watch(fds[i].sk, &w, entries, &nr);
	for (;;) {
		pthread_mutex_lock(&w.lock);
		seq = w.seq;
		pthread_mutex_unlock(&w.lock);
		ready = poll_scan(fds, nfds);
		if (ready || timeout_ms == 0 || rc == ETIMEDOUT)
			break;
		pthread_mutex_lock(&w.lock);
		while (w.seq == seq && rc != ETIMEDOUT) {
			if (timeout_ms < 0)
				pthread_cond_wait(&w.cond, &w.lock);
			else
				rc = pthread_cond_timedwait(&w.cond, &w.lock, &deadline);
		}
		pthread_mutex_unlock(&w.lock);
	}
	for (i = 0; i < nr; i++)
		poll_unwatch(&entries[i]);
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
	if (entries != stack_entries)
		free(entries);
	return ready;
}
