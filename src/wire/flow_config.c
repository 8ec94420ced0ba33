// SPDX-License-Identifier: MIT
/*
 * One check of a flow's segmentation for the synthetic wire and the TCP
 * ingress, so both refuse and default the same fields alike.
 */
#include <errno.h>

#include "flow_config.h"

/* An IPv4 or IPv6 packet's payload cannot exceed 64 KiB. */
#define MAX_MSS		65535u

/* Copies @cfg to @out with the defaults filled in; -EINVAL for a bad field. */
int dml_wire_check_config(const struct dml_wire_flow_config *cfg,
			  struct dml_wire_flow_config *out)
{
	*out = *cfg;
	if (!out->mss)
		out->mss = DML_PAGE_SIZE;
	if (!out->gro_segs)
		out->gro_segs = 1;
	/* An skb holds at most 17 frags: more segments could never merge. */
	if ((out->flags & ~DML_WIRE_DMA_ONLY) || out->mss > MAX_MSS || out->gro_segs > 17 ||
	    out->linear_head >= out->mss ||
	    (out->hds_thresh > MAX_MSS && out->hds_thresh != DML_HDS_THRESH_DEVICE))
		return -EINVAL;
	return 0;
}

/*
 * The device's threshold is read when the flow connects, as a NIC applies
 * its setting to the packets it receives from then on.
 */
void dml_wire_connect_hds(struct dml_wire_flow_config *cfg, const struct dml_netdev *dev)
{
	if (cfg->hds_thresh == DML_HDS_THRESH_DEVICE)
		cfg->hds_thresh = dml_netdev_hds_thresh(dev);
}
