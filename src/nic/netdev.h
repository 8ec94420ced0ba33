/* SPDX-License-Identifier: MIT */
/*
 * The emulated NIC: RX queues that post page-pool buffers, header split,
 * flow steering (ntuple rules, then an RSS spread), and the queue restart the
 * kernel's queue API performs on bind and unbind (S-3.2).
 */
#ifndef DML_NETDEV_H
#define DML_NETDEV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "devmem/devmem.h"

struct dml_extack;
struct dml_memory_provider;
struct dml_netmem;
struct dml_page_pool;
struct dml_page_pool_table;
struct dml_sock_table;

/*
 * The host's devices, embedded in the host, with what a NIC needs of its
 * host: handed at host creation, owned by the host.
 */
struct dml_netdev_table {
	pthread_mutex_t *rtnl;		/* the host's rtnl_lock */
	/* Under *rtnl. */
	struct dml_netdev **devs;
	size_t nr_devs;
	uint32_t next_ifindex;

	unsigned int rx_ring_size;
	struct dml_page_pool_table *pools;	/* where queues get their pools */
	struct dml_sock_table *socks;		/* where connections arrive */
	_Atomic unsigned long *warnings;	/* the host's counter */
};

#define DML_NTUPLE_MAX_RULES	64
/* The kernel's IFNAMSIZ: a name and its NUL. */
#define DML_IFNAMSIZ		16

struct dml_rxq {
	struct dml_netdev *dev;
	unsigned int index;

	/*
	 * Protects the posted ring, the pool and the counters: the NIC posts
	 * and consumes buffers under it while the control plane restarts the
	 * queue.
	 */
	pthread_mutex_t lock;
	struct dml_page_pool *pool;	/* NULL while beyond the channel count */
	/* The memory provider while bound; written under rtnl and @lock. */
	const struct dml_memory_provider *mp;
	struct dml_netmem **ring;
	unsigned int ring_size;
	unsigned int ring_head;
	unsigned int ring_count;
	/* The buffer being filled, holding its ring reference, and its fill level. */
	struct dml_netmem *cur;
	uint32_t cur_off;
	uint64_t stalls;
	uint64_t restarts;
};

struct dml_ntuple_rule {
	bool used;
	struct dml_flow match;
	unsigned int queue;
};

struct dml_netdev {
	struct dml_netdev_table *table;
	char name[DML_IFNAMSIZ];
	uint32_t ifindex;
	unsigned int max_rx_queues;

	/* Under rtnl. */
	char altnames[DML_NETDEV_MAX_ALTNAMES][DML_ALTIFNAMSIZ];
	unsigned int nr_altnames;
	/* nr_rx_queues = rx_channels + combined_channels. */
	unsigned int nr_rx_queues;
	unsigned int rx_channels;
	unsigned int tx_channels;
	unsigned int combined_channels;
	bool header_split;
	bool ntuple;
	bool rss_user;		/* set by dml_netdev_set_rss(): channels keep it */
	/* Written under rtnl; read by connecting flows, which do not take it. */
	_Atomic uint32_t hds_thresh;

	/* Protects the steering tables, read by the NIC for every segment. */
	pthread_rwlock_t steer_lock;
	unsigned int rss_first;
	unsigned int rss_count;
	struct dml_ntuple_rule rules[DML_NTUPLE_MAX_RULES];

	struct dml_rxq *rxqs;
};

void dml_netdev_table_destroy(struct dml_netdev_table *table);
int dml_netdev_add(struct dml_netdev_table *table,
		   const struct dml_netdev_config *cfg, struct dml_netdev **out);
struct dml_netdev *dml_netdev_find(struct dml_netdev_table *table,
				   const char *name);
struct dml_netdev *dml_netdev_by_index(struct dml_netdev_table *table,
				       uint32_t ifindex);
struct dml_netdev *dml_netdev_find_locked(struct dml_netdev_table *table,
					  const char *name);

/* Which request field a refused channel change is blamed on. */
enum dml_channels_field {
	DML_CHANNELS_NONE,
	DML_CHANNELS_RX,
	DML_CHANNELS_TX,
	DML_CHANNELS_COMBINED,
};

void dml_netdev_get_channels_locked(const struct dml_netdev *dev,
				    struct dml_netdev_channels *ch);
int dml_netdev_set_channels_locked(struct dml_netdev *dev, int rx, int tx,
				   int combined, struct dml_extack *ext,
				   enum dml_channels_field *field);
int dml_netdev_set_header_split_locked(struct dml_netdev *dev, bool on);
unsigned int dml_netdev_mp_channel_count_locked(const struct dml_netdev *dev);
int dml_netdev_set_hds_thresh_locked(struct dml_netdev *dev, uint32_t thresh);

int dml_netdev_bind_rxq(struct dml_netdev *dev, unsigned int index,
			const struct dml_memory_provider *mp,
			struct dml_extack *ext);
void dml_netdev_unbind_rxq(struct dml_netdev *dev, unsigned int index,
			   const struct dml_memory_provider *mp);

int dml_rxq_start(struct dml_rxq *rxq, const struct dml_memory_provider *mp);
void dml_rxq_stop(struct dml_rxq *rxq);
int dml_rxq_refill_locked(struct dml_rxq *rxq);
struct dml_netmem *dml_rxq_take_locked(struct dml_rxq *rxq);

struct dml_sock;
struct dml_wire_flow_config;

int dml_nic_connect(struct dml_netdev *dev, const struct dml_flow *flow, int wire_fd,
		    struct dml_sock **out);
int dml_nic_fin(struct dml_sock *sk);
int dml_nic_reset(struct dml_sock *sk);
void dml_nic_watch_close(struct dml_sock *sk, void (*fn)(void *arg), void *arg);
void dml_nic_disconnect(struct dml_sock *sk);
ssize_t dml_nic_rx(struct dml_netdev *dev, const struct dml_wire_flow_config *cfg,
		   struct dml_sock *sk, const unsigned char *data, size_t len);

struct iovec;

/*
 * Writes @bytes of payload into the @iovcnt areas of @iov, in stream order,
 * all of them; non-zero when it could not (the flow then ends: its bytes
 * are lost).
 */
typedef int (*dml_nic_fill_fn)(void *arg, const struct iovec *iov, int iovcnt,
			       size_t bytes);
ssize_t dml_nic_rx_fill(struct dml_netdev *dev, const struct dml_wire_flow_config *cfg,
			struct dml_sock *sk, size_t len, dml_nic_fill_fn fill, void *arg);

/* Someone waiting for buffers to come back to this host's queues. */
struct dml_nic_watch;

int dml_nic_watch_buffers(struct dml_netdev *dev, void (*wake)(void *arg), void *arg,
			  struct dml_nic_watch **out);
void dml_nic_unwatch_buffers(struct dml_nic_watch *watch);
unsigned int dml_nic_seg_pages(uint32_t mss);
unsigned int dml_nic_ring_size(const struct dml_netdev *dev);

#endif /* DML_NETDEV_H */
