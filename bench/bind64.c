// SPDX-License-Identifier: MIT
/*
 * The 64 GiB bind: a sparse memfd of 16 M pages bound to one queue, timed
 * around bind-rx, with the binding's metadata per net_iov.
 */
#include <errno.h>

#include "bench.h"
#include "devmem/devmem.h"
#include "one_flow.h"
#include "run.h"

int bench_bind_64g(double *seconds, double *bytes_per_niov)
{
	struct dml_netdev_config dcfg = {
		.name = "eth0", .max_rx_queues = 1, .rx_queues = 1, .header_split = true,
	};
	const uint32_t q[] = { 0 };
	struct dml_binding_info info;
	struct dml_bind_rx_req req;
	struct dml_host *host = NULL;
	struct dml_netdev *dev;
	struct dml_dmabuf *buf = NULL;
	struct dml_nl_sock *nl = NULL;
	uint64_t t0;
	uint32_t id;
	int err;

	err = dml_host_create(NULL, &host);
	if (!err)
		err = dml_netdev_create(host, &dcfg, &dev);
	if (!err)
		err = dml_dmabuf_create(64ull << 30, DML_DMABUF_MEMFD, &buf);
	if (!err)
		err = dml_nl_open(host, DML_NL_ADMIN, &nl);
	if (err)
		goto out;
	req = (struct dml_bind_rx_req){
		.ifindex = dml_netdev_ifindex(dev), .dmabuf_fd = dml_dmabuf_fd(buf),
		.queues = q, .nr_queues = 1, .autorelease = -1,
	};
	t0 = bench_clock_ns(CLOCK_MONOTONIC);
	err = dml_bind_rx(nl, &req, &id, NULL, 0);
	t0 = bench_clock_ns(CLOCK_MONOTONIC) - t0;
	if (!err)
		err = dml_binding_info(host, id, &info);
	if (!err) {
		*seconds = (double)t0 / 1e9;
		*bytes_per_niov = (double)info.metadata_bytes / (double)info.nr_niovs;
	}
out:
	dml_nl_close(nl);
	dml_dmabuf_destroy(buf);
	dml_host_destroy(host);
	return err;
}
