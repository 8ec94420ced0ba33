// SPDX-License-Identifier: MIT
/*
 * The synthetic wire: a remote TCP peer per flow.  Connecting queues an
 * established child on the listener; sending segments the bytes and hands
 * them to the NIC in order; shutdown is the FIN.  One thread drives a flow.
 */
#include <errno.h>
#include <stdlib.h>

#include "flow_config.h"
#include "nic/netdev.h"

struct dml_wire_flow {
	struct dml_netdev *dev;
	struct dml_wire_flow_config cfg;
	struct dml_sock *sk;		/* memory reference on the receiving socket */
	bool fin_sent;
};

int dml_wire_connect(struct dml_netdev *dev, const struct dml_wire_flow_config *cfg,
		     struct dml_wire_flow **out)
{
	struct dml_wire_flow *flow;
	int err;

	if (!dev || !cfg)
		return -EINVAL;
	flow = calloc(1, sizeof(*flow));
	if (!flow)
		return -ENOMEM;
	err = dml_wire_check_config(cfg, &flow->cfg);
	if (err)
		goto err_free;
	dml_wire_connect_hds(&flow->cfg, dev);
	err = dml_nic_connect(dev, &cfg->flow, -1, &flow->sk);
	if (err)
		goto err_free;
	flow->dev = dev;
	*out = flow;
	return 0;

err_free:
	free(flow);
	return err;
}

ssize_t dml_wire_send(struct dml_wire_flow *flow, const void *data, size_t len)
{
	if (flow->fin_sent)
		return -EPIPE;
	if (!len)
		return 0;
	if (!data && !(flow->cfg.flags & DML_WIRE_DMA_ONLY))
		return -EFAULT;
	/* DMA-only flows leave the buffers' bytes as they are. */
	return dml_nic_rx(flow->dev, &flow->cfg, flow->sk,
			  flow->cfg.flags & DML_WIRE_DMA_ONLY ? NULL : data, len);
}

int dml_wire_shutdown(struct dml_wire_flow *flow)
{
	if (flow->fin_sent)
		return 0;
	flow->fin_sent = true;
	return dml_nic_fin(flow->sk);
}

void dml_wire_close(struct dml_wire_flow *flow)
{
	if (!flow)
		return;
	dml_wire_shutdown(flow);
	dml_nic_disconnect(flow->sk);
	free(flow);
}
