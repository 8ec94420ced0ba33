// SPDX-License-Identifier: MIT
/*
 * The netdev family's read side: dev-get, queue-get (a bound queue shows its
 * dmabuf id), page-pool-get and page-pool-stats-get (S-2.4), do and dump.
 */
#include <errno.h>
#include <libmnl/libmnl.h>

#include "host.h"
#include "mem/page_pool.h"
#include "netdev_genl.h"
#include "nic/netdev.h"

union reply_buf {
	unsigned char buf[DML_NL_MSG_MAX];
	struct nlmsghdr align;
};

static uint16_t part_flags(bool dump)
{
	return dump ? NLM_F_MULTI : 0;
}

static struct dml_netdev *dev_from_attr(struct dml_genl_info *info,
					const struct nlattr *attr)
{
	struct dml_netdev *dev = dml_netdev_by_index(&info->sk->host->netdevs,
						     mnl_attr_get_u32(attr));

	if (!dev) {
		dml_extack_msg(info->ext, "ifindex: no device with index %u",
			       mnl_attr_get_u32(attr));
		dml_extack_bad_attr(info->ext, attr);
	}
	return dev;
}

static int put_dev(struct dml_genl_info *info, struct dml_netdev *dev, bool dump)
{
	union reply_buf msg;
	struct nlmsghdr *nlh;

	nlh = dml_genl_reply_start(info, msg.buf, &dml_netdev_family,
				   NETDEV_CMD_DEV_GET, part_flags(dump));
	mnl_attr_put_u32(nlh, NETDEV_A_DEV_IFINDEX, dev->ifindex);
	mnl_attr_put_u64(nlh, NETDEV_A_DEV_XDP_FEATURES, 0);
	mnl_attr_put_u64(nlh, NETDEV_A_DEV_XDP_RX_METADATA_FEATURES, 0);
	mnl_attr_put_u64(nlh, NETDEV_A_DEV_XSK_FEATURES, 0);
	return dml_nl_queue(info->sk, nlh);
}

int dml_netdev_nl_dev_get_doit(struct dml_genl_info *info)
{
	struct dml_netdev *dev;

	if (!dml_nla_require(info->attrs, NETDEV_A_DEV_IFINDEX, dml_dev_get_policy, NULL, info->ext))
		return -EINVAL;
	dev = dev_from_attr(info, info->attrs[NETDEV_A_DEV_IFINDEX]);
	return dev ? put_dev(info, dev, false) : -ENODEV;
}

int dml_netdev_nl_dev_get_dumpit(struct dml_genl_info *info)
{
	struct dml_host *host = info->sk->host;
	size_t i;
	int err;

	for (i = 0; i < host->netdevs.nr_devs; i++) {
		err = put_dev(info, host->netdevs.devs[i], true);
		if (err)
			return err;
	}
	return dml_nl_queue_done(info);
}

static int put_queue(struct dml_genl_info *info, struct dml_netdev *dev,
		     uint32_t id, uint32_t type, bool dump)
{
	union reply_buf msg;
	struct dml_rxq_info rxq;
	struct nlmsghdr *nlh;

	nlh = dml_genl_reply_start(info, msg.buf, &dml_netdev_family,
				   NETDEV_CMD_QUEUE_GET, part_flags(dump));
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, id);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_IFINDEX, dev->ifindex);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, type);
	if (type == NETDEV_QUEUE_TYPE_RX && !dml_netdev_rxq_info(dev, id, &rxq) &&
	    rxq.dmabuf_id)
		mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_DMABUF, rxq.dmabuf_id);
	return dml_nl_queue(info->sk, nlh);
}

int dml_netdev_nl_queue_get_doit(struct dml_genl_info *info)
{
	const struct nlattr **attrs = info->attrs;
	struct dml_netdev *dev;
	uint32_t id;

	if (!dml_nla_require(attrs, NETDEV_A_QUEUE_IFINDEX, dml_queue_get_do_policy, NULL, info->ext) ||
	    !dml_nla_require(attrs, NETDEV_A_QUEUE_TYPE, dml_queue_get_do_policy, NULL, info->ext) ||
	    !dml_nla_require(attrs, NETDEV_A_QUEUE_ID, dml_queue_get_do_policy, NULL, info->ext))
		return -EINVAL;
	dev = dev_from_attr(info, attrs[NETDEV_A_QUEUE_IFINDEX]);
	if (!dev)
		return -ENODEV;
	id = mnl_attr_get_u32(attrs[NETDEV_A_QUEUE_ID]);
	/* Channels are combined: as many TX queues as RX queues. */
	if (id >= dev->nr_rx_queues) {
		dml_extack_msg(info->ext, "queue id %u out of range (device has %u)",
			       id, dev->nr_rx_queues);
		dml_extack_bad_attr(info->ext, attrs[NETDEV_A_QUEUE_ID]);
		return -EINVAL;
	}
	return put_queue(info, dev, id, mnl_attr_get_u32(attrs[NETDEV_A_QUEUE_TYPE]),
			 false);
}

static int put_dev_queues(struct dml_genl_info *info, struct dml_netdev *dev)
{
	uint32_t type, id;
	int err;

	for (type = NETDEV_QUEUE_TYPE_RX; type <= NETDEV_QUEUE_TYPE_TX; type++) {
		for (id = 0; id < dev->nr_rx_queues; id++) {
			err = put_queue(info, dev, id, type, true);
			if (err)
				return err;
		}
	}
	return 0;
}

int dml_netdev_nl_queue_get_dumpit(struct dml_genl_info *info)
{
	const struct nlattr *filter = info->attrs[NETDEV_A_QUEUE_IFINDEX];
	struct dml_host *host = info->sk->host;
	struct dml_netdev *dev;
	size_t i;
	int err;

	if (filter) {
		dev = dev_from_attr(info, filter);
		if (!dev)
			return -ENODEV;
		err = put_dev_queues(info, dev);
		return err ? err : dml_nl_queue_done(info);
	}
	for (i = 0; i < host->netdevs.nr_devs; i++) {
		err = put_dev_queues(info, host->netdevs.devs[i]);
		if (err)
			return err;
	}
	return dml_nl_queue_done(info);
}

struct pool_walk {
	struct dml_genl_info *info;
	bool stats;
	bool dump;
	uint64_t want_id;	/* 0: every pool */
	bool found;
	int err;
};

static void put_pool_attrs(struct nlmsghdr *nlh, const struct dml_page_pool_info *pp)
{
	mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_ID, pp->id);
	mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_IFINDEX, pp->ifindex);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_INFLIGHT, pp->inflight);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_INFLIGHT_MEM,
			 pp->inflight * DML_PAGE_SIZE);
	if (pp->detached)
		mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_DETACH_TIME, pp->detach_time);
	if (pp->dmabuf_id)
		mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_DMABUF, pp->dmabuf_id);
}

static void put_pool_stats(struct nlmsghdr *nlh, const struct dml_page_pool_info *pp)
{
	const struct dml_page_pool_stats *s = &pp->stats;
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, NETDEV_A_PAGE_POOL_STATS_INFO);
	mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_ID, pp->id);
	mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_IFINDEX, pp->ifindex);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_FAST, s->alloc_fast);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_SLOW, s->alloc_slow);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_SLOW_HIGH_ORDER, 0);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_EMPTY, s->alloc_empty);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_REFILL, 0);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_WAIVE, 0);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_STATS_RECYCLE_CACHED, 0);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_STATS_RECYCLE_CACHE_FULL, 0);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_STATS_RECYCLE_RING, s->recycle_ring);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_STATS_RECYCLE_RING_FULL,
			 s->recycle_ring_full);
	mnl_attr_put_u64(nlh, NETDEV_A_PAGE_POOL_STATS_RECYCLE_RELEASED_REFCNT,
			 s->recycle_released);
}

static int put_pool(const struct dml_page_pool_info *pp, void *arg)
{
	struct pool_walk *walk = arg;
	union reply_buf msg;
	struct nlmsghdr *nlh;

	if (walk->want_id && pp->id != walk->want_id)
		return 0;
	walk->found = true;
	nlh = dml_genl_reply_start(walk->info, msg.buf, &dml_netdev_family,
				   walk->stats ? NETDEV_CMD_PAGE_POOL_STATS_GET
					       : NETDEV_CMD_PAGE_POOL_GET,
				   part_flags(walk->dump));
	if (walk->stats)
		put_pool_stats(nlh, pp);
	else
		put_pool_attrs(nlh, pp);
	walk->err = dml_nl_queue(walk->info->sk, nlh);
	return walk->err;
}

static int walk_pools(struct dml_genl_info *info, bool stats,
		      const struct nlattr *id_attr)
{
	struct pool_walk walk = {
		.info = info,
		.stats = stats,
		.dump = !id_attr,
		.want_id = id_attr ? dml_nla_get_uint(id_attr) : 0,
	};

	dml_page_pool_for_each(&info->sk->host->pools, put_pool, &walk);
	if (walk.err)
		return walk.err;
	if (id_attr && !walk.found) {
		dml_extack_msg(info->ext, "page pool id: no page pool %llu",
			       (unsigned long long)walk.want_id);
		dml_extack_bad_attr(info->ext, id_attr);
		return -ENOENT;
	}
	return id_attr ? 0 : dml_nl_queue_done(info);
}

int dml_netdev_nl_page_pool_get_doit(struct dml_genl_info *info)
{
	if (!dml_nla_require(info->attrs, NETDEV_A_PAGE_POOL_ID, dml_page_pool_get_policy, NULL, info->ext))
		return -EINVAL;
	return walk_pools(info, false, info->attrs[NETDEV_A_PAGE_POOL_ID]);
}

int dml_netdev_nl_page_pool_get_dumpit(struct dml_genl_info *info)
{
	return walk_pools(info, false, NULL);
}

int dml_netdev_nl_page_pool_stats_get_doit(struct dml_genl_info *info)
{
	const struct nlattr *nest = info->attrs[NETDEV_A_PAGE_POOL_STATS_INFO];
	const struct nlattr *tb[NETDEV_A_PAGE_POOL_IFINDEX + 1];
	int err;

	if (!dml_nla_require(info->attrs, NETDEV_A_PAGE_POOL_STATS_INFO, dml_page_pool_stats_get_policy, NULL,
			     info->ext))
		return -EINVAL;
	/* Validated already by the policy; this fills the nested table. */
	err = dml_nla_parse(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest),
			    dml_page_pool_info_policy, NETDEV_A_PAGE_POOL_IFINDEX,
			    tb, info->ext);
	if (err)
		return err;
	if (tb[NETDEV_A_PAGE_POOL_IFINDEX]) {
		dml_extack_msg(info->ext, "page pool ifindex: selecting by ifindex not supported");
		dml_extack_bad_attr(info->ext, tb[NETDEV_A_PAGE_POOL_IFINDEX]);
		return -EOPNOTSUPP;
	}
	if (!dml_nla_require(tb, NETDEV_A_PAGE_POOL_ID, dml_page_pool_info_policy, nest, info->ext))
		return -EINVAL;
	return walk_pools(info, true, tb[NETDEV_A_PAGE_POOL_ID]);
}

int dml_netdev_nl_page_pool_stats_get_dumpit(struct dml_genl_info *info)
{
	return walk_pools(info, true, NULL);
}
