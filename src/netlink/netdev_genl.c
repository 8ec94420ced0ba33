// SPDX-License-Identifier: MIT
/* The "netdev" family: policies and the command table (S-1.4). */
#include "devmem/uapi.h"
#include "netdev_genl.h"

#define U32(n)		{ .type = DML_NLA_U32, .name = (n) }
#define U32_MIN1(n)	{ .type = DML_NLA_U32, .name = (n), .has_min = true, .min = 1 }

const struct dml_nla_policy dml_queue_id_policy[NETDEV_A_QUEUE_TYPE + 1] = {
	[NETDEV_A_QUEUE_ID] = U32("queue id"),
	[NETDEV_A_QUEUE_TYPE] = { .type = DML_NLA_U32, .name = "queue type",
				  .has_max = true, .max = NETDEV_QUEUE_TYPE_TX },
};

const struct dml_nla_policy dml_bind_rx_policy[NETDEV_A_DMABUF_AUTORELEASE + 1] = {
	[NETDEV_A_DMABUF_IFINDEX] = U32_MIN1("ifindex"),
	[NETDEV_A_DMABUF_QUEUES] = { .type = DML_NLA_NESTED, .name = "queues",
				     .multi = true, .nested = dml_queue_id_policy,
				     .nested_maxattr = NETDEV_A_QUEUE_TYPE },
	[NETDEV_A_DMABUF_FD] = U32("fd"),
	[NETDEV_A_DMABUF_ID] = { .type = DML_NLA_REJECT, .name = "id (reply only)" },
	[NETDEV_A_DMABUF_AUTORELEASE] = { .type = DML_NLA_BOOL_ANY,
					  .name = "autorelease",
					  .has_max = true, .max = 1 },
};

const struct dml_nla_policy dml_dev_get_policy[NETDEV_A_DEV_IFINDEX + 1] = {
	[NETDEV_A_DEV_IFINDEX] = U32_MIN1("ifindex"),
};

const struct dml_nla_policy dml_page_pool_get_policy[NETDEV_A_PAGE_POOL_ID + 1] = {
	[NETDEV_A_PAGE_POOL_ID] = { .type = DML_NLA_UINT, .name = "page pool id",
				    .has_min = true, .min = 1,
				    .has_max = true, .max = UINT32_MAX },
};

const struct dml_nla_policy dml_page_pool_info_policy[NETDEV_A_PAGE_POOL_IFINDEX + 1] = {
	[NETDEV_A_PAGE_POOL_ID] = { .type = DML_NLA_UINT, .name = "page pool id",
				    .has_min = true, .min = 1,
				    .has_max = true, .max = UINT32_MAX },
	[NETDEV_A_PAGE_POOL_IFINDEX] = U32_MIN1("page pool ifindex"),
};

const struct dml_nla_policy dml_page_pool_stats_get_policy[NETDEV_A_PAGE_POOL_STATS_INFO + 1] = {
	[NETDEV_A_PAGE_POOL_STATS_INFO] = { .type = DML_NLA_NESTED, .name = "info",
					    .nested = dml_page_pool_info_policy,
					    .nested_maxattr = NETDEV_A_PAGE_POOL_IFINDEX },
};

const struct dml_nla_policy dml_queue_get_do_policy[NETDEV_A_QUEUE_TYPE + 1] = {
	[NETDEV_A_QUEUE_ID] = U32("queue id"),
	[NETDEV_A_QUEUE_IFINDEX] = U32_MIN1("ifindex"),
	[NETDEV_A_QUEUE_TYPE] = { .type = DML_NLA_U32, .name = "queue type",
				  .has_max = true, .max = NETDEV_QUEUE_TYPE_TX },
};

static const struct dml_nla_policy queue_get_dump_policy[NETDEV_A_QUEUE_IFINDEX + 1] = {
	[NETDEV_A_QUEUE_IFINDEX] = U32_MIN1("ifindex"),
};

static const struct dml_genl_op netdev_ops[] = {
	{
		.cmd = NETDEV_CMD_DEV_GET,
		.policy = dml_dev_get_policy,
		.maxattr = NETDEV_A_DEV_IFINDEX,
		.doit = dml_netdev_nl_dev_get_doit,
		.dumpit = dml_netdev_nl_dev_get_dumpit,
	},
	{
		.cmd = NETDEV_CMD_PAGE_POOL_GET,
		.policy = dml_page_pool_get_policy,
		.maxattr = NETDEV_A_PAGE_POOL_ID,
		.doit = dml_netdev_nl_page_pool_get_doit,
		.dumpit = dml_netdev_nl_page_pool_get_dumpit,
	},
	{
		.cmd = NETDEV_CMD_PAGE_POOL_STATS_GET,
		.policy = dml_page_pool_stats_get_policy,
		.maxattr = NETDEV_A_PAGE_POOL_STATS_INFO,
		.doit = dml_netdev_nl_page_pool_stats_get_doit,
		.dumpit = dml_netdev_nl_page_pool_stats_get_dumpit,
	},
	{
		.cmd = NETDEV_CMD_QUEUE_GET,
		.policy = dml_queue_get_do_policy,
		.maxattr = NETDEV_A_QUEUE_TYPE,
		.dump_policy = queue_get_dump_policy,
		.dump_maxattr = NETDEV_A_QUEUE_IFINDEX,
		.doit = dml_netdev_nl_queue_get_doit,
		.dumpit = dml_netdev_nl_queue_get_dumpit,
	},
	{
		.cmd = NETDEV_CMD_BIND_RX,
		.perm = GENL_ADMIN_PERM,
		.policy = dml_bind_rx_policy,
		.maxattr = NETDEV_A_DMABUF_AUTORELEASE,
		.doit = dml_netdev_nl_bind_rx_doit,
	},
};

static const struct dml_genl_mcgrp netdev_mcgrps[] = {
	{ .name = "mgmt", .id = DML_NLGRP_NETDEV_MGMT },
	{ .name = "page-pool", .id = DML_NLGRP_NETDEV_PAGE_POOL },
};

const struct dml_genl_family dml_netdev_family = {
	.name = NETDEV_FAMILY_NAME,
	.id = DML_NETDEV_FAMILY_ID,
	.version = NETDEV_FAMILY_VERSION,
	.maxattr = NETDEV_A_DMABUF_MAX,
	.ops = netdev_ops,
	.nr_ops = sizeof(netdev_ops) / sizeof(netdev_ops[0]),
	.mcgrps = netdev_mcgrps,
	.nr_mcgrps = sizeof(netdev_mcgrps) / sizeof(netdev_mcgrps[0]),
};
