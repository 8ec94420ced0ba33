// SPDX-License-Identifier: MIT
/*
 * `devmem-lab demo`: a host set up the way ncdevmem sets up a machine (NIC
 * with header split, RSS over the first queues, a dma-buf, bind-rx of the
 * last queues), then its state as the netdev family reports it.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"

void demo_host_down(struct demo_host *dh)
{
	dml_nl_close(dh->nl);
	dml_dmabuf_destroy(dh->buf);
	dml_host_destroy(dh->host);
	memset(dh, 0, sizeof(*dh));
}

static int say(int err, const char *what)
{
	if (err)
		fprintf(stderr, "devmem-lab: %s: %s\n", what, strerror(-err));
	return err;
}

/*
 * Returns 0 with the binding made, or -errno with the reason printed; after a
 * refused bind the host is still up (dh->host set) for the caller to take down.
 */
int demo_host_up(const struct demo_opts *o, struct demo_host *dh)
{
	struct dml_netdev_config dev_cfg = {
		.name = "eth0",
		.max_rx_queues = o->rx_queues,
		.rx_queues = o->rx_queues,
		.header_split = true,
	};
	uint32_t queues[256];
	struct dml_bind_rx_req req;
	char errmsg[256];
	unsigned int i;
	int err;

	memset(dh, 0, sizeof(*dh));
	err = say(dml_host_create(NULL, &dh->host), "host");
	if (err)
		return err;
	err = say(dml_netdev_create(dh->host, &dev_cfg, &dh->dev), "netdev");
	if (!err && o->rx_queues > o->bound_queues)
		err = say(dml_netdev_set_rss(dh->dev, 0, o->rx_queues - o->bound_queues),
			  "rss");
	if (!err)
		err = say(dml_dmabuf_create(o->size_mb << 20, o->exporter, &dh->buf),
			  "dma-buf");
	if (!err)
		err = say(dml_nl_open(dh->host, DML_NL_ADMIN, &dh->nl), "netlink");
	if (err)
		goto err_down;

	printf("devmem-lab demo host (devmem %s in this build)\n",
	       dml_devmem_enabled() ? "built in" : "disabled");
	printf("  netdev eth0: ifindex %u, %u RX queues, tcp-data-split on, RSS over queues 0-%u\n",
	       dml_netdev_ifindex(dh->dev), o->rx_queues,
	       o->rx_queues > o->bound_queues ? o->rx_queues - o->bound_queues - 1 : 0);
	printf("  dma-buf: %lu MiB (%lu net_iovs) exported by %s\n", o->size_mb,
	       (o->size_mb << 20) / DML_PAGE_SIZE, dml_dmabuf_exporter_name(dh->buf));

	dh->first_bound = o->rx_queues - o->bound_queues;
	for (i = 0; i < o->bound_queues; i++)
		queues[i] = dh->first_bound + i;
	req = (struct dml_bind_rx_req){
		.ifindex = dml_netdev_ifindex(dh->dev),
		.dmabuf_fd = dml_dmabuf_fd(dh->buf),
		.queues = queues,
		.nr_queues = o->bound_queues,
		.autorelease = o->autorelease,
	};
	err = dml_bind_rx(dh->nl, &req, &dh->binding_id, errmsg, sizeof(errmsg));
	if (err) {
		/* The host stays up: a refused bind is state worth showing. */
		printf("  bind-rx queues %u-%u: failed: %s%s%s\n", queues[0],
		       queues[o->bound_queues - 1], strerror(-err),
		       errmsg[0] ? ": " : "", errmsg);
		return err;
	}
	printf("  bind-rx queues %u-%u, autorelease=%d: dmabuf id %u; system mode autorelease=%d\n",
	       queues[0], queues[o->bound_queues - 1], o->autorelease, dh->binding_id,
	       dml_host_autorelease_mode(dh->host));
	return 0;

err_down:
	demo_host_down(dh);
	return err;
}

int run_demo(const struct demo_opts *o)
{
	struct demo_host dh;
	char report[256];
	int ret;

	demo_host_up(o, &dh);
	if (!dh.host)
		return 1;
	ret = print_state(dh.nl) ? 1 : 0;
	if (!ret && o->check) {
		ret = dml_host_check(dh.host, report, sizeof(report)) ? 1 : 0;
		printf("\ninvariant checker: %s\n", ret ? report : "every net_iov accounted for");
	}
	demo_host_down(&dh);
	return ret;
}
