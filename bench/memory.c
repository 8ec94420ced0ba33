// SPDX-License-Identifier: MIT
/*
 * Token-tracking memory per outstanding token: one socket receives and keeps
 * --held tokens (65536 at least) without returning any; then the design's
 * state (tables, nodes, per-net_iov counters of the binding) is divided by
 * what is held.  Deterministic and single-threaded, unlike the timed runs.
 */
#include <errno.h>

#include "bench.h"
#include "devmem/devmem.h"
#include "memory.h"
#include "one_flow.h"

double bench_state_bytes_per_token(const char *design, unsigned long held)
{
	const struct dml_token_design_info *d = bench_design_info(design);
	struct dml_binding_info info;
	struct one_flow h;
	double per_token = -1;
	long tokens, bytes;

	if (!d)
		return -1;
	/* Room for what is held plus the ring and one skb in flight. */
	if (!one_flow_up(&h, d, held + 2048)) {
		tokens = one_flow_hold(&h, held);
		bytes = dml_sock_token_state_bytes(h.sk);
		if (tokens > 0 && bytes >= 0 &&
		    !dml_binding_info(h.host, h.binding_id, &info))
			per_token = ((double)bytes +
				     (double)d->bytes_per_niov * (double)info.nr_niovs) /
				    (double)tokens;
	}
	one_flow_down(&h);
	return per_token;
}
