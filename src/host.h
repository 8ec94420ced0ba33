/* SPDX-License-Identifier: MIT */
/*
 * One emulated kernel.  Everything lives here so that tests can run many
 * hosts side by side.  Each registry lives with its module and is embedded
 * here; a module is handed the pieces of the host it needs, never the host.
 */
#ifndef DML_HOST_H
#define DML_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "devmem/devmem.h"
#include "mem/binding.h"
#include "mem/page_pool.h"
#include "net/sock.h"
#include "nic/netdev.h"
#include "tokens/tokens.h"

struct dml_nl_sock;

struct dml_host {
	struct dml_host_config cfg;

	/*
	 * The host's rtnl_lock: serialises the control plane (devices, queue
	 * bind, unbind and restart, netlink requests, netlink socket close).
	 */
	pthread_mutex_t rtnl;
	struct dml_netdev_table netdevs;

	struct dml_binding_table bindings;
	struct dml_page_pool_table pools;

	/* Under rtnl: netlink sockets still open, closed by dml_host_destroy(). */
	struct dml_nl_sock *nl_socks;
	uint32_t next_portid;

	/* The token design serving each mode (SPEC S-8). */
	const struct dml_token_ops *designs[DML_NR_MODES];

	struct dml_sock_table socks;

	_Atomic unsigned long warnings;
};

#endif /* DML_HOST_H */
