/* SPDX-License-Identifier: MIT */
/* An emulated TCP socket: receive queue, wait, accept, token state. */
#ifndef DML_SOCK_H
#define DML_SOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "devmem/devmem.h"
#include "tokens/tokens.h"

struct dml_skb;
struct dml_token_ops;
struct dml_token_sock;
struct dml_poll_entry;

/*
 * The host's sockets and poll waiters, embedded in the host, with what a
 * socket needs of its host: handed at host creation, owned by the host.
 */
struct dml_sock_table {
	/* Protects the socket list and the listening ports. */
	pthread_mutex_t socks_lock;
	struct dml_sock *socks;

	/*
	 * poll(): protects the list of dml_poll() calls watching a socket of
	 * this host; every socket state change wakes each of them.  pollers
	 * counts them, so a wake with nobody polling takes no lock.
	 */
	pthread_mutex_t poll_lock;
	struct dml_poll_entry *poll_waiters;
	_Atomic int pollers;

	/* The token design serving each mode (SPEC S-8). */
	const struct dml_token_ops *const *designs;
	const _Atomic int *mode_key;		/* the binding table's key */
	_Atomic unsigned long *warnings;	/* the host's counter */
};

enum dml_sock_state {
	DML_SOCK_NEW,
	DML_SOCK_LISTEN,
	DML_SOCK_ESTABLISHED,
};

struct dml_sock {
	struct dml_sock_table *table;
	int type;

	/*
	 * File references: the user's (dropped by dml_close()) and one per call
	 * in flight, as fdget() takes.  At 0 the socket is torn down.
	 */
	atomic_long fd_refs;
	/*
	 * Memory references: one for the file side until teardown, one for
	 * the wire flow feeding it, one while it waits in an accept queue.
	 */
	atomic_long refcnt;

	/* lock_sock() plus the receive path's lock: protects all below. */
	pthread_mutex_t lock;
	pthread_cond_t wait;
	enum dml_sock_state state;
	bool dead;		/* torn down: the wire gets ECONNRESET */
	bool rcv_shutdown;	/* the peer's FIN arrived after the queued data */
	/*
	 * The peer's reset: ECONNRESET for the first read that finds the
	 * queue empty, then EOF, as sock_error() takes sk_err once.
	 */
	int err;
	/*
	 * The wire feeding this socket, told when the application closes it
	 * (called under @lock, so it may only signal), as a real close sends
	 * the peer its FIN.  NULL for none.
	 */
	void (*wire_closed)(void *arg);
	void *wire_arg;
	/*
	 * Told of every state change a poller would see (data, EOF, a reset,
	 * a connection to accept), as sk_data_ready tells a file's waiters:
	 * how an fd outside the model (the preload's eventfd) learns it is
	 * readable.  Set and called under @lock; NULL for none.
	 */
	void (*notify)(void *arg);
	void *notify_arg;
	_Atomic bool has_notify;
	uint16_t port;
	/* A connection's 5-tuple as the NIC saw it (src = the peer); fixed at birth. */
	struct dml_flow flow;
	/*
	 * The real TCP socket behind a connection from the real ingress (-1
	 * for a synthetic one), open until the application closes this one:
	 * what the application sends goes there, as the receive path is all
	 * the model emulates.
	 */
	int wire_fd;
	struct dml_skb *rx_head;
	struct dml_skb *rx_tail;
	uint32_t rx_offset;	/* bytes of rx_head already read */
	struct dml_sock *accept_head;
	struct dml_sock *accept_tail;
	struct dml_sock *accept_next;

	/*
	 * Token state for either mode, both made at creation as the kernel
	 * always initialises sk_user_frags; the host's mode key picks one.
	 */
	struct dml_token_sock *tokens[DML_NR_MODES];

	/* Under table->socks_lock. */
	struct dml_sock *host_next;
};

/* One dml_poll() call waiting for a state change on any host it watches. */
struct dml_poll_waiter {
	pthread_mutex_t lock;	/* protects seq */
	pthread_cond_t cond;
	unsigned long seq;	/* bumped by every wake */
};

/* A waiter's place in one host's list, under that host's poll_lock. */
struct dml_poll_entry {
	struct dml_poll_waiter *waiter;
	struct dml_sock_table *table;
	struct dml_poll_entry *next;
};

bool dml_sock_fd_get(struct dml_sock *sk);
void dml_sock_fd_put(struct dml_sock *sk);
void dml_sock_put(struct dml_sock *sk);
void dml_sock_table_init(struct dml_sock_table *table,
			 const struct dml_token_ops *const *designs,
			 const _Atomic int *mode_key,
			 _Atomic unsigned long *warnings);
void dml_sock_table_destroy(struct dml_sock_table *table);
int dml_sock_create(struct dml_sock_table *table, int type,
		    struct dml_sock **out);
struct dml_sock *dml_sock_lookup_listener(struct dml_sock_table *table,
					  uint16_t port);
int dml_sock_establish_child(struct dml_sock *listener, const struct dml_flow *flow,
			     int wire_fd, struct dml_sock **out);
int dml_sock_queue_rcv(struct dml_sock *sk, struct dml_skb *skb);
int dml_sock_queue_rcv_chain(struct dml_sock *sk, struct dml_skb *first,
			     struct dml_skb *last);
int dml_sock_rcv_shutdown(struct dml_sock *sk);
int dml_sock_rcv_reset(struct dml_sock *sk);
void dml_sock_set_wire_closed(struct dml_sock *sk, void (*fn)(void *arg), void *arg);
/* What poll() would report now: POLLIN, POLLHUP, POLLERR. */
short dml_sock_poll_events(struct dml_sock *sk);
void dml_sock_set_notify(struct dml_sock *sk, void (*fn)(void *arg), void *arg);

/* The token state the host's mode key picks (S-3.5). */
static inline struct dml_token_sock *dml_sock_tokens(const struct dml_sock *sk)
{
	return sk->tokens[atomic_load_explicit(sk->table->mode_key,
					       memory_order_relaxed)];
}

#endif /* DML_SOCK_H */
