// SPDX-License-Identifier: MIT
/*
 * The machine `devmem-lab rx` and its probe run on, set up as ncdevmem sets
 * up a host with ethtool: an emulated NIC with header split on and RSS away
 * from the devmem queues, a dma-buf and an admin netlink socket for bind-rx.
 */
#include <errno.h>
#include <string.h>

#include "rx.h"

#define RX_NIC_QUEUES	8	/* the NIC when -t leaves it to us */

/* The NIC's queue count and the first devmem queue (-t default: the last). */
static void queue_layout(const struct rx_opts *o, unsigned int *nic_queues,
			 unsigned int *first)
{
	unsigned int n = RX_NIC_QUEUES;

	if (!o->first_set) {
		if (n < o->nr_queues + 1)
			n = o->nr_queues + 1;
		*nic_queues = n;
		*first = n - o->nr_queues;
		return;
	}
	/* -t 0 leaves RSS the queues above the devmem ones. */
	if (n < o->first_queue + o->nr_queues + (o->first_queue == 0))
		n = o->first_queue + o->nr_queues + (o->first_queue == 0);
	*nic_queues = n;
	*first = o->first_queue;
}

int rx_say(int err, const char *what)
{
	if (err < 0)
		fprintf(stderr, "devmem-lab rx: %s: %s\n", what, strerror(-err));
	return err < 0 ? err : 0;
}

/* Host, NIC with header split and RSS, dma-buf and netlink: no binding yet. */
int rx_machine_up(struct rx *rx, unsigned int *first)
{
	const struct rx_opts *o = rx->o;
	unsigned int nq, t;
	struct dml_netdev_config cfg;
	int err;

	queue_layout(o, &nq, &t);
	*first = t;
	cfg = (struct dml_netdev_config){
		.name = o->ifname, .max_rx_queues = nq, .rx_queues = nq, .header_split = true,
	};
	err = rx_say(dml_host_create(NULL, &rx->host), "host");
	if (!err)
		err = rx_say(dml_netdev_create(rx->host, &cfg, &rx->dev), "netdev");
	if (!err)
		err = rx_say(t ? dml_netdev_set_rss(rx->dev, 0, t)
			    : dml_netdev_set_rss(rx->dev, o->nr_queues, nq - o->nr_queues),
			  "rss (ethtool -X equal)");
	if (!err)
		err = rx_say(dml_dmabuf_create(o->size_mb << 20, o->exporter, &rx->buf), "dma-buf");
	if (!err)
		err = rx_say(dml_nl_open(rx->host, DML_NL_ADMIN, &rx->nl), "netlink");
	return err;
}

void rx_machine_down(struct rx *rx)
{
	dml_nl_close(rx->nl);
	rx->nl = NULL;
	dml_dmabuf_destroy(rx->buf);
	rx->buf = NULL;
	dml_host_destroy(rx->host);
	rx->host = NULL;
}

int rx_bind_queues(struct rx *rx, unsigned int first, unsigned int count,
		       int autorelease, uint32_t *id, char *errmsg, size_t errlen)
{
	uint32_t queues[256];
	struct dml_bind_rx_req req = {
		.ifindex = dml_netdev_ifindex(rx->dev),
		.dmabuf_fd = dml_dmabuf_fd(rx->buf),
		.queues = queues,
		.nr_queues = count,
		.autorelease = autorelease,
	};
	unsigned int i;

	for (i = 0; i < count; i++)
		queues[i] = first + i;
	return dml_bind_rx(rx->nl, &req, id, errmsg, errlen);
}

