// SPDX-License-Identifier: MIT
/*
 * NETDEV_CMD_BIND_RX (S-3.1 .. S-3.4): read the listed RX queues, import
 * the dma-buf and claim the mode, bind each queue, tie the binding to the
 * requesting socket.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <libmnl/libmnl.h>

#include "host.h"
#include "mem/binding.h"
#include "netdev_genl.h"
#include "nic/netdev.h"

/*
 * Reads one queue nest into @want: an RX queue that exists, or EINVAL.  A
 * queue listed twice is one queue, as in the kernel's bitmap.
 */
static int read_queue(struct dml_genl_info *info, const struct dml_netdev *dev,
		      const struct nlattr *nest, bool *want)
{
	const struct nlattr *tb[NETDEV_A_QUEUE_TYPE + 1];
	uint32_t id;
	int err;

	err = dml_nla_parse(mnl_attr_get_payload(nest),
			    mnl_attr_get_payload_len(nest), dml_queue_id_policy,
			    NETDEV_A_QUEUE_TYPE, tb, info->ext);
	if (err)
		return err;
	if (!dml_nla_require(tb, NETDEV_A_QUEUE_ID, dml_queue_id_policy, nest, info->ext) ||
	    !dml_nla_require(tb, NETDEV_A_QUEUE_TYPE, dml_queue_id_policy, nest, info->ext))
		return -EINVAL;
	if (mnl_attr_get_u32(tb[NETDEV_A_QUEUE_TYPE]) != NETDEV_QUEUE_TYPE_RX) {
		dml_extack_msg(info->ext, "queue type: only rx queues can be bound");
		dml_extack_bad_attr(info->ext, tb[NETDEV_A_QUEUE_TYPE]);
		return -EINVAL;
	}
	id = mnl_attr_get_u32(tb[NETDEV_A_QUEUE_ID]);
	if (id >= dev->nr_rx_queues) {
		dml_extack_msg(info->ext, "rx queue index %u out of range (device has %u)",
			       id, dev->nr_rx_queues);
		dml_extack_bad_attr(info->ext, tb[NETDEV_A_QUEUE_ID]);
		return -EINVAL;
	}
	want[id] = true;
	return 0;
}

/*
 * Every queue nest, before anything is imported or the mode is claimed, as
 * netdev_nl_read_rxq_bitmap() does in the series' base: a bad queue is
 * EINVAL whatever the mode.
 */
static int read_queues(struct dml_genl_info *info, const struct dml_netdev *dev,
		       bool *want)
{
	const struct nlattr *attr;
	int err;

	mnl_attr_for_each(attr, info->nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != NETDEV_A_DMABUF_QUEUES)
			continue;
		err = read_queue(info, dev, attr, want);
		if (err)
			return err;
	}
	return 0;
}

static int reply_id(struct dml_genl_info *info, uint32_t id)
{
	union {
		unsigned char buf[DML_NL_MSG_MAX];
		struct nlmsghdr align;
	} msg;
	struct nlmsghdr *nlh;

	nlh = dml_genl_reply_start(info, msg.buf, &dml_netdev_family,
				   NETDEV_CMD_BIND_RX, 0);
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_ID, id);
	return dml_nl_queue(info->sk, nlh);
}

/* Under rtnl: every queue back to host memory, then the creator's reference. */
void dml_nl_binding_unbind(struct dml_binding *binding)
{
	while (binding->nr_bound)
		dml_netdev_unbind_rxq(binding->dev, binding->bound_queues[0],
				      &binding->mp);
	binding->unbound = true;
	dml_binding_put(binding);
}

int dml_netdev_nl_bind_rx_doit(struct dml_genl_info *info)
{
	const struct nlattr **attrs = info->attrs;
	const struct nlattr *autorelease_attr = attrs[NETDEV_A_DMABUF_AUTORELEASE];
	struct dml_host *host = info->sk->host;
	struct dml_binding *binding;
	struct dml_netdev *dev;
	int autorelease = info->sk->host->cfg.default_autorelease;
	uint32_t ifindex;
	unsigned int i;
	bool *want;
	int err;

	if (!dml_nla_require(attrs, NETDEV_A_DMABUF_IFINDEX, dml_bind_rx_policy, NULL, info->ext) ||
	    !dml_nla_require(attrs, NETDEV_A_DMABUF_FD, dml_bind_rx_policy, NULL, info->ext) ||
	    !dml_nla_require(attrs, NETDEV_A_DMABUF_QUEUES, dml_bind_rx_policy, NULL, info->ext))
		return -EINVAL;
	if (autorelease_attr)
		autorelease = (int)dml_nla_get_uint(autorelease_attr);

	ifindex = mnl_attr_get_u32(attrs[NETDEV_A_DMABUF_IFINDEX]);
	dev = dml_netdev_by_index(&host->netdevs, ifindex);
	if (!dev) {
		dml_extack_msg(info->ext, "ifindex: no device with index %u", ifindex);
		dml_extack_bad_attr(info->ext, attrs[NETDEV_A_DMABUF_IFINDEX]);
		return -ENODEV;
	}
	if (!dml_devmem_enabled()) {
		dml_extack_msg(info->ext, "devmem TCP is not built in (NET_DEVMEM=n)");
		return -EOPNOTSUPP;
	}

	/* One flag per queue the device has; released on every path. */
	want = calloc(dev->nr_rx_queues, sizeof(*want));
	if (!want)
		return -ENOMEM;
	err = read_queues(info, dev, want);
	if (err)
		goto err_free_want;

	err = dml_binding_create(&host->bindings, dev,
				 (int)mnl_attr_get_u32(attrs[NETDEV_A_DMABUF_FD]),
				 autorelease, host->designs[autorelease]->binding_reclaim,
				 host->designs[autorelease]->binding_refill,
				 host->designs[autorelease]->info.token_slots, info->ext,
				 &binding);
	if (err) {
		dml_extack_bad_attr(info->ext, err == -EBUSY ? autorelease_attr
							     : attrs[NETDEV_A_DMABUF_FD]);
		goto err_free_want;
	}

	/* In queue order, as for_each_set_bit() walks the kernel's bitmap. */
	for (i = 0; i < dev->nr_rx_queues; i++) {
		if (!want[i])
			continue;
		err = dml_netdev_bind_rxq(dev, i, &binding->mp, info->ext);
		if (err)
			goto err_unbind;
	}

	err = reply_id(info, binding->id);
	if (err)
		goto err_unbind;
	binding->owner = info->sk;
	binding->owner_next = info->sk->bindings;
	info->sk->bindings = binding;
	free(want);
	return 0;

err_unbind:
	dml_nl_binding_unbind(binding);
err_free_want:
	free(want);
	return err;
}
