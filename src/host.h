/* SPDX-License-Identifier: MIT */
/*
 * One emulated kernel.  Everything lives here so that tests can run many
 * hosts side by side.
 */
#ifndef DML_HOST_H
#define DML_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "devmem/devmem.h"

struct dml_binding;
struct dml_page_pool;
struct dml_poll_entry;
struct dml_extack;
struct dml_sock;
struct dml_token_ops;

struct dml_host {
	struct dml_host_config cfg;

	/*
	 * The host's rtnl_lock: serialises the control plane (devices, queue
	 * bind, unbind and restart, netlink requests, netlink socket close).
	 */
	pthread_mutex_t rtnl;
	struct dml_netdev **devs;
	size_t nr_devs;
	uint32_t next_ifindex;
	uint32_t next_portid;

	/*
	 * Protects the binding table, the RX binding count and the mode.  Taken
	 * without rtnl by a binding's final free, which may run on the data path.
	 */
	pthread_mutex_t bindings_lock;
	struct dml_binding **bindings;
	size_t nr_bindings;
	size_t cap_bindings;
	uint32_t next_binding_id;
	int mode;

	/*
	 * The kernel's static key: the data path branches on it and it is
	 * written only when the mode changes (S-3.5).
	 */
	_Atomic int autorelease_key;

	/* Protects the page pool list and the pool id counter. */
	pthread_mutex_t pools_lock;
	struct dml_page_pool *pools;
	uint32_t next_pool_id;

	/* Netlink sockets still open, closed by dml_host_destroy(). */
	struct dml_nl_sock *nl_socks;

	/* The token design serving each mode (SPEC S-8). */
	const struct dml_token_ops *designs[2];

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

	_Atomic unsigned long warnings;
};

int dml_host_binding_register(struct dml_host *host, struct dml_binding *binding,
			      int autorelease, struct dml_extack *ext);
void dml_host_binding_unregister(struct dml_host *host,
				 struct dml_binding *binding);
struct dml_binding *dml_host_binding_find(struct dml_host *host, uint32_t id);
struct dml_netdev *dml_host_netdev_by_index(struct dml_host *host,
					    uint32_t ifindex);

static inline int dml_host_autorelease_key(struct dml_host *host)
{
	return atomic_load_explicit(&host->autorelease_key,
				    memory_order_relaxed);
}

#endif /* DML_HOST_H */
