/* SPDX-License-Identifier: MIT */
/*
 * The real TCP ingress (issue 14), shared by its files: the listening
 * socket (ingress_listen.c), one connection's bytes into the NIC
 * (ingress_conn.c) and the epoll loop that drives them (ingress.c).
 */
#ifndef DML_WIRE_INGRESS_H
#define DML_WIRE_INGRESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "devmem/devmem.h"

struct dml_nic_watch;
struct dml_sock;

struct ingress_conn {
	struct dml_tcp_ingress *ing;
	int fd;				/* the kernel socket */
	struct dml_sock *sk;		/* the wire's memory reference */
	struct dml_wire_flow_config cfg;	/* its real 5-tuple in cfg.flow */
	uint64_t stream_off;		/* payload bytes handed to the NIC so far */
	/* Off the epoll set until buffers come back (the NIC stalled). */
	bool parked;
	/* The peer's FIN or reset is delivered: nothing more to read. */
	bool done;
	/* Set by the emulated socket's close, from any thread. */
	atomic_bool app_closed;
	/* Only the loop's thread walks the list. */
	struct ingress_conn *next;
};

struct dml_tcp_ingress {
	struct dml_netdev *dev;
	struct dml_wire_flow_config seg;
	unsigned int max_conns;
	uint16_t port;
	int listen_fd;
	int epoll_fd;
	/*
	 * Counts wakes the loop must act on: buffers came back, an emulated
	 * socket was closed, stop.  Written from any thread, without locks.
	 */
	int event_fd;
	struct dml_nic_watch *watch;
	atomic_bool stopping;
	pthread_t thread;

	/* The loop's own: connections served and how many. */
	struct ingress_conn *conns;
	unsigned int nr_conns;
	/* accept() failed for want of resources: retried when a connection ends. */
	bool accept_paused;
	/* The application closed its listener: existing connections go on. */
	atomic_bool listener_closed;
	/* Connections served now, for any thread to read. */
	atomic_uint live_conns;

	struct {
		atomic_uint_fast64_t conns;
		atomic_uint_fast64_t refused;
		atomic_uint_fast64_t bytes;
		atomic_uint_fast64_t pool_waits;
		atomic_uint_fast64_t resets;
	} stats;
	/*
	 * dml_tcp_ingress_wait_stats() callers: the lock protects nothing but
	 * the wait; waiters lets an update with nobody waiting take no lock.
	 */
	pthread_mutex_t stats_lock;
	pthread_cond_t stats_cond;
	atomic_int stats_waiters;
};

/* Adds @v to one of ing->stats and wakes dml_tcp_ingress_wait_stats(). */
#define ingress_stat_add(ing, field, v)                                        \
	do {                                                                   \
		atomic_fetch_add(&(ing)->stats.field, (v));                    \
		dml_ingress_stats_changed(ing);                                    \
	} while (0)

void dml_ingress_stats_changed(struct dml_tcp_ingress *ing);

/* ingress_listen.c */
int dml_ingress_parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len);
int dml_ingress_listen(const char *addr, uint16_t port, int *fd, uint16_t *bound_port);
int dml_ingress_adopt(int bound_fd, int backlog, int *fd, uint16_t *bound_port);
void dml_ingress_flow_addr(const struct sockaddr_storage *ss, uint8_t addr[16], uint16_t *port);

/* ingress_conn.c */
void dml_ingress_wake(struct dml_tcp_ingress *ing);
void dml_ingress_accept(struct dml_tcp_ingress *ing, int lfd);
void dml_ingress_conn_read(struct ingress_conn *c);
void dml_ingress_conn_unpark(struct ingress_conn *c);
void dml_ingress_conn_free(struct ingress_conn *c, bool reset);

#endif /* DML_WIRE_INGRESS_H */
