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
	struct bench_host b = { 0 };
	uint64_t t0;
	int err;

	err = bench_host_up(&b, NULL, &dcfg, 64ull << 30, DML_DMABUF_MEMFD);
	if (!err) {
		t0 = bench_clock_ns(CLOCK_MONOTONIC);
		err = bench_host_bind(&b, q, 1, -1, NULL, 0);
		t0 = bench_clock_ns(CLOCK_MONOTONIC) - t0;
	}
	if (!err)
		err = dml_binding_info(b.host, b.binding_id, &info);
	if (!err) {
		*seconds = (double)t0 / 1e9;
		*bytes_per_niov = (double)info.metadata_bytes / (double)info.nr_niovs;
	}
	bench_host_down(&b);
	return err;
}
