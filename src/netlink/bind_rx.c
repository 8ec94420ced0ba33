// SPDX-License-Identifier: MIT
/*
 * NETDEV_CMD_BIND_RX (S-3.1 .. S-3.4): import the dma-buf, claim the mode,
 * bind each listed RX queue, tie the binding to the requesting socket.
 */
#include <errno.h>
#include <libmnl/libmnl.h>

#include "host.h"
#include "mem/binding.h"
#include "netdev_genl.h"
#include "nic/netdev.h"

static int bind_queue(struct dml_genl_info *info, struct dml_netdev *dev,
		      struct dml_binding *binding, const struct nlattr *nest)
{
	const struct nlattr *tb[NETDEV_A_QUEUE_TYPE + 1];
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
	err = dml_netdev_bind_rxq(dev, mnl_attr_get_u32(tb[NETDEV_A_QUEUE_ID]),
				  binding, info->ext);
	if (err)
		dml_extack_bad_attr(info->ext, tb[NETDEV_A_QUEUE_ID]);
	return err;
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

int dml_netdev_nl_bind_rx_doit(struct dml_genl_info *info)
{
	const struct nlattr **attrs = info->attrs;
	const struct nlattr *autorelease_attr = attrs[NETDEV_A_DMABUF_AUTORELEASE];
	struct dml_host *host = info->sk->host;
	struct dml_binding *binding;
	const struct nlattr *attr;
	struct dml_netdev *dev;
	int autorelease = 0;
	uint32_t ifindex;
	int err;

	if (!dml_nla_require(attrs, NETDEV_A_DMABUF_IFINDEX, dml_bind_rx_policy, NULL, info->ext) ||
	    !dml_nla_require(attrs, NETDEV_A_DMABUF_FD, dml_bind_rx_policy, NULL, info->ext) ||
	    !dml_nla_require(attrs, NETDEV_A_DMABUF_QUEUES, dml_bind_rx_policy, NULL, info->ext))
		return -EINVAL;
	if (autorelease_attr)
		autorelease = (int)dml_nla_get_uint(autorelease_attr);

	ifindex = mnl_attr_get_u32(attrs[NETDEV_A_DMABUF_IFINDEX]);
	dev = dml_host_netdev_by_index(host, ifindex);
	if (!dev) {
		dml_extack_msg(info->ext, "ifindex: no device with index %u", ifindex);
		dml_extack_bad_attr(info->ext, attrs[NETDEV_A_DMABUF_IFINDEX]);
		return -ENODEV;
	}
	if (!dml_devmem_enabled()) {
		dml_extack_msg(info->ext, "devmem TCP is not built in (NET_DEVMEM=n)");
		return -EOPNOTSUPP;
	}

	err = dml_binding_create(host, dev,
				 (int)mnl_attr_get_u32(attrs[NETDEV_A_DMABUF_FD]),
				 autorelease, info->ext, &binding);
	if (err) {
		dml_extack_bad_attr(info->ext, err == -EBUSY ? autorelease_attr
							     : attrs[NETDEV_A_DMABUF_FD]);
		return err;
	}

	mnl_attr_for_each(attr, info->nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != NETDEV_A_DMABUF_QUEUES)
			continue;
		err = bind_queue(info, dev, binding, attr);
		if (err)
			goto err_unbind;
	}

	err = reply_id(info, binding->id);
	if (err)
		goto err_unbind;
	binding->owner = info->sk;
	binding->owner_next = info->sk->bindings;
	info->sk->bindings = binding;
	return 0;

err_unbind:
	dml_binding_unbind(binding);
	return err;
}
