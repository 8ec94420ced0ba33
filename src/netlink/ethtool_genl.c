// SPDX-License-Identifier: MIT
/*
 * The "ethtool" family, the part a devmem receiver uses: rings get/set
 * (tcp-data-split, hds-thresh) and channels get/set, answered as the
 * kernel's net/ethtool/{netlink,rings,channels}.c do.  A request names its
 * device in a header nest, by index, by name (or altname) or both; a GET
 * answers with the kernel-to-user message id and dumps every device; a SET
 * needs admin and is answered by the ack alone.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool_netlink.h>
#include <string.h>

#include "host.h"
#include "nic/netdev.h"
#include "nl_sock.h"

/* Any free dynamic id works: clients resolve it through nlctrl. */
#define DML_ETHTOOL_FAMILY_ID	0x14

/* Rings attributes newer than the machine's 6.1 uapi header. */
#define DML_ETHTOOL_A_RINGS_RX_PUSH		14
#define DML_ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN	15
#define DML_ETHTOOL_A_RINGS_HDS_THRESH		17
#define DML_ETHTOOL_A_RINGS_HDS_THRESH_MAX	18

union reply_buf {
	unsigned char buf[DML_NL_MSG_MAX];
	struct nlmsghdr align;
};

static const struct dml_nla_policy header_policy[] = {
	[ETHTOOL_A_HEADER_DEV_INDEX] = { .type = DML_NLA_U32, .name = "dev-index" },
	[ETHTOOL_A_HEADER_DEV_NAME] = { .type = DML_NLA_STRING, .name = "dev-name" },
	[ETHTOOL_A_HEADER_FLAGS] = { .type = DML_NLA_U32, .name = "flags" },
};

#define HEADER_ATTR(attr)                                                      \
	[attr] = { .type = DML_NLA_NESTED, .name = "header",                   \
		   .nested = header_policy, .nested_maxattr = ETHTOOL_A_HEADER_FLAGS }

static const struct dml_nla_policy rings_get_policy[] = {
	HEADER_ATTR(ETHTOOL_A_RINGS_HEADER),
};

static const struct dml_nla_policy rings_set_policy[] = {
	HEADER_ATTR(ETHTOOL_A_RINGS_HEADER),
	[ETHTOOL_A_RINGS_RX] = { .type = DML_NLA_U32, .name = "rx" },
	[ETHTOOL_A_RINGS_RX_MINI] = { .type = DML_NLA_U32, .name = "rx-mini" },
	[ETHTOOL_A_RINGS_RX_JUMBO] = { .type = DML_NLA_U32, .name = "rx-jumbo" },
	[ETHTOOL_A_RINGS_TX] = { .type = DML_NLA_U32, .name = "tx" },
	[ETHTOOL_A_RINGS_RX_BUF_LEN] = { .type = DML_NLA_U32, .name = "rx-buf-len",
					 .has_min = true, .min = 1 },
	[ETHTOOL_A_RINGS_TCP_DATA_SPLIT] = { .type = DML_NLA_U8, .name = "tcp-data-split",
					     .has_max = true,
					     .max = ETHTOOL_TCP_DATA_SPLIT_ENABLED },
	[ETHTOOL_A_RINGS_CQE_SIZE] = { .type = DML_NLA_U32, .name = "cqe-size",
				       .has_min = true, .min = 1 },
	[ETHTOOL_A_RINGS_TX_PUSH] = { .type = DML_NLA_U8, .name = "tx-push",
				      .has_max = true, .max = 1 },
	[DML_ETHTOOL_A_RINGS_RX_PUSH] = { .type = DML_NLA_U8, .name = "rx-push",
					  .has_max = true, .max = 1 },
	[DML_ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN] = { .type = DML_NLA_U32, .name = "tx-push-buf-len" },
	[DML_ETHTOOL_A_RINGS_HDS_THRESH] = { .type = DML_NLA_U32, .name = "hds-thresh" },
	/* Read-only, like the other maxima: in the table so it reads as unsupported. */
	[DML_ETHTOOL_A_RINGS_HDS_THRESH_MAX] = { .type = DML_NLA_REJECT, .name = "hds-thresh-max" },
};

static const struct dml_nla_policy channels_get_policy[] = {
	HEADER_ATTR(ETHTOOL_A_CHANNELS_HEADER),
};

static const struct dml_nla_policy channels_set_policy[] = {
	HEADER_ATTR(ETHTOOL_A_CHANNELS_HEADER),
	[ETHTOOL_A_CHANNELS_RX_COUNT] = { .type = DML_NLA_U32, .name = "rx-count" },
	[ETHTOOL_A_CHANNELS_TX_COUNT] = { .type = DML_NLA_U32, .name = "tx-count" },
	[ETHTOOL_A_CHANNELS_OTHER_COUNT] = { .type = DML_NLA_U32, .name = "other-count" },
	[ETHTOOL_A_CHANNELS_COMBINED_COUNT] = { .type = DML_NLA_U32, .name = "combined-count" },
};

/*
 * ethnl_parse_header_dev_get(): the device by index (and then the name, if
 * given, must be its own), else by name or altname.  A dump passes
 * @require_dev false and ignores the device, but a bad one still fails.
 */
static int parse_header(struct dml_genl_info *info, const struct nlattr *header,
			bool require_dev, struct dml_netdev **out)
{
	struct dml_netdev_table *table = &info->sk->host->netdevs;
	const struct nlattr *tb[ETHTOOL_A_HEADER_FLAGS + 1];
	const struct nlattr *name;
	struct dml_netdev *dev = NULL;
	int err;

	*out = NULL;
	if (!header) {
		if (!require_dev)
			return 0;
		dml_extack_msg(info->ext, "request header missing");
		return -EINVAL;
	}
	err = dml_nla_parse(mnl_attr_get_payload(header), mnl_attr_get_payload_len(header),
			    header_policy, ETHTOOL_A_HEADER_FLAGS, tb, info->ext);
	if (err)
		return err;
	if (tb[ETHTOOL_A_HEADER_FLAGS] &&
	    (mnl_attr_get_u32(tb[ETHTOOL_A_HEADER_FLAGS]) & ~ETHTOOL_FLAG_ALL)) {
		dml_extack_msg(info->ext, "reserved bit set");
		dml_extack_bad_attr(info->ext, tb[ETHTOOL_A_HEADER_FLAGS]);
		return -EINVAL;
	}
	name = tb[ETHTOOL_A_HEADER_DEV_NAME];
	if (name && strnlen(mnl_attr_get_str(name), DML_ALTIFNAMSIZ) >= DML_ALTIFNAMSIZ) {
		dml_extack_msg(info->ext, "dev-name: longer than an interface name");
		dml_extack_bad_attr(info->ext, name);
		return -EINVAL;
	}
	if (tb[ETHTOOL_A_HEADER_DEV_INDEX]) {
		dev = dml_netdev_by_index(table, mnl_attr_get_u32(tb[ETHTOOL_A_HEADER_DEV_INDEX]));
		if (!dev) {
			dml_extack_msg(info->ext, "no device matches ifindex");
			dml_extack_bad_attr(info->ext, tb[ETHTOOL_A_HEADER_DEV_INDEX]);
			return -ENODEV;
		}
		if (name && strncmp(dev->name, mnl_attr_get_str(name), DML_IFNAMSIZ)) {
			dml_extack_msg(info->ext, "ifindex and name do not match");
			dml_extack_bad_attr(info->ext, header);
			return -ENODEV;
		}
	} else if (name) {
		dev = dml_netdev_find_locked(table, mnl_attr_get_str(name));
		if (!dev) {
			dml_extack_msg(info->ext, "no device matches name");
			dml_extack_bad_attr(info->ext, name);
			return -ENODEV;
		}
	} else if (require_dev) {
		dml_extack_msg(info->ext, "neither ifindex nor name specified");
		dml_extack_bad_attr(info->ext, header);
		return -EINVAL;
	}
	*out = require_dev ? dev : NULL;
	return 0;
}

/* ethnl_fill_reply_header(): a nest naming the device, flagged nested. */
static void put_header(struct nlmsghdr *nlh, uint16_t type, const struct dml_netdev *dev)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	nest->nla_type |= NLA_F_NESTED;
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, dev->ifindex);
	mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, dev->name);
	mnl_attr_nest_end(nlh, nest);
}

/* The rings as the NIC reports them: one ring size for RX and TX, fixed. */
struct rings {
	uint32_t rx, rx_mini, rx_jumbo, tx;
	uint8_t tcp_data_split;
	uint32_t hds_thresh;
};

static void get_rings(const struct dml_netdev *dev, struct rings *r)
{
	memset(r, 0, sizeof(*r));
	r->rx = dml_nic_ring_size(dev);
	r->tx = r->rx;
	r->tcp_data_split = dev->header_split ? ETHTOOL_TCP_DATA_SPLIT_ENABLED
					      : ETHTOOL_TCP_DATA_SPLIT_DISABLED;
	r->hds_thresh = dml_netdev_hds_thresh(dev);
}

static int put_rings(struct dml_genl_info *info, const struct dml_netdev *dev, uint16_t flags)
{
	union reply_buf msg;
	struct nlmsghdr *nlh;
	struct rings r;

	get_rings(dev, &r);
	nlh = dml_genl_reply_start(info, msg.buf, &dml_ethtool_family,
				   ETHTOOL_MSG_RINGS_GET_REPLY, flags);
	put_header(nlh, ETHTOOL_A_RINGS_HEADER, dev);
	/* rings_fill_reply()'s order; mini and jumbo rings do not exist (max 0) */
	mnl_attr_put_u32(nlh, ETHTOOL_A_RINGS_RX_MAX, r.rx);
	mnl_attr_put_u32(nlh, ETHTOOL_A_RINGS_RX, r.rx);
	mnl_attr_put_u32(nlh, ETHTOOL_A_RINGS_TX_MAX, r.tx);
	mnl_attr_put_u32(nlh, ETHTOOL_A_RINGS_TX, r.tx);
	mnl_attr_put_u8(nlh, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, r.tcp_data_split);
	mnl_attr_put_u8(nlh, ETHTOOL_A_RINGS_TX_PUSH, 0);
	mnl_attr_put_u8(nlh, DML_ETHTOOL_A_RINGS_RX_PUSH, 0);
	mnl_attr_put_u32(nlh, DML_ETHTOOL_A_RINGS_HDS_THRESH, r.hds_thresh);
	mnl_attr_put_u32(nlh, DML_ETHTOOL_A_RINGS_HDS_THRESH_MAX, DML_HDS_THRESH_MAX);
	return dml_nl_queue(info->sk, nlh);
}

static void put_channel(struct nlmsghdr *nlh, uint16_t max_type, unsigned int max,
			unsigned int count)
{
	if (!max)
		return;
	mnl_attr_put_u32(nlh, max_type, max);
	mnl_attr_put_u32(nlh, (uint16_t)(max_type + ETHTOOL_A_CHANNELS_RX_COUNT -
					 ETHTOOL_A_CHANNELS_RX_MAX), count);
}

static int put_channels(struct dml_genl_info *info, const struct dml_netdev *dev,
			uint16_t flags)
{
	struct dml_netdev_channels ch;
	union reply_buf msg;
	struct nlmsghdr *nlh;

	dml_netdev_get_channels_locked(dev, &ch);
	nlh = dml_genl_reply_start(info, msg.buf, &dml_ethtool_family,
				   ETHTOOL_MSG_CHANNELS_GET_REPLY, flags);
	put_header(nlh, ETHTOOL_A_CHANNELS_HEADER, dev);
	put_channel(nlh, ETHTOOL_A_CHANNELS_RX_MAX, ch.max_rx, ch.rx);
	put_channel(nlh, ETHTOOL_A_CHANNELS_TX_MAX, ch.max_tx, ch.tx);
	put_channel(nlh, ETHTOOL_A_CHANNELS_COMBINED_MAX, ch.max_combined, ch.combined);
	return dml_nl_queue(info->sk, nlh);
}

typedef int (*put_fn)(struct dml_genl_info *info, const struct dml_netdev *dev,
		      uint16_t flags);

static int get_doit(struct dml_genl_info *info, uint16_t hdr_type, put_fn put)
{
	struct dml_netdev *dev;
	int err;

	err = parse_header(info, info->attrs[hdr_type], true, &dev);
	return err ? err : put(info, dev, 0);
}

/* ethnl_default_dumpit(): one message per device, then NLMSG_DONE. */
static int get_dumpit(struct dml_genl_info *info, uint16_t hdr_type, put_fn put)
{
	struct dml_netdev_table *table = &info->sk->host->netdevs;
	struct dml_netdev *ignored;
	size_t i;
	int err;

	err = parse_header(info, info->attrs[hdr_type], false, &ignored);
	if (err)
		return err;
	for (i = 0; i < table->nr_devs; i++) {
		err = put(info, table->devs[i], NLM_F_MULTI);
		if (err)
			return err;
	}
	return dml_nl_queue_done(info);
}

static int rings_get_doit(struct dml_genl_info *info)
{
	return get_doit(info, ETHTOOL_A_RINGS_HEADER, put_rings);
}

static int rings_get_dumpit(struct dml_genl_info *info)
{
	return get_dumpit(info, ETHTOOL_A_RINGS_HEADER, put_rings);
}

static int channels_get_doit(struct dml_genl_info *info)
{
	return get_doit(info, ETHTOOL_A_CHANNELS_HEADER, put_channels);
}

static int channels_get_dumpit(struct dml_genl_info *info)
{
	return get_dumpit(info, ETHTOOL_A_CHANNELS_HEADER, put_channels);
}

static int refuse(struct dml_genl_info *info, const struct nlattr *attr, int err,
		  const char *msg)
{
	dml_extack_msg(info->ext, "%s", msg);
	dml_extack_bad_attr(info->ext, attr);
	return err;
}

/* ethnl_set_rings_validate(): what the NIC cannot set at all. */
static int rings_set_validate(struct dml_genl_info *info)
{
	static const struct {
		uint16_t type;
		const char *msg;
	} unsupported[] = {
		{ ETHTOOL_A_RINGS_RX_BUF_LEN, "setting rx buf len not supported" },
		{ ETHTOOL_A_RINGS_CQE_SIZE, "setting cqe size not supported" },
		{ ETHTOOL_A_RINGS_TX_PUSH, "setting tx push not supported" },
		{ DML_ETHTOOL_A_RINGS_RX_PUSH, "setting rx push not supported" },
		{ DML_ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN, "setting tx push buf len is not supported" },
	};
	size_t i;

	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (info->attrs[unsupported[i].type])
			return refuse(info, info->attrs[unsupported[i].type], -EOPNOTSUPP,
				      unsupported[i].msg);
	return 0;
}

/* ethnl_update_u32() / _u8(): take the attribute if given, note a change. */
static void update_u32(uint32_t *v, const struct nlattr *attr, bool *mod)
{
	if (attr && mnl_attr_get_u32(attr) != *v) {
		*v = mnl_attr_get_u32(attr);
		*mod = true;
	}
}

static void update_u8(uint8_t *v, const struct nlattr *attr, bool *mod)
{
	if (attr && mnl_attr_get_u8(attr) != *v) {
		*v = mnl_attr_get_u8(attr);
		*mod = true;
	}
}

/* ethnl_set_rings(), then what the NIC's set_ringparam can do. */
static int rings_set_doit(struct dml_genl_info *info)
{
	const struct nlattr **tb = info->attrs;
	const struct nlattr *err_attr = NULL;
	struct dml_netdev *dev;
	struct rings r, old;
	bool mod = false, over = true;
	int err;

	err = parse_header(info, tb[ETHTOOL_A_RINGS_HEADER], true, &dev);
	if (err)
		return err;
	err = rings_set_validate(info);
	if (err)
		return err;
	get_rings(dev, &r);
	old = r;
	update_u32(&r.rx, tb[ETHTOOL_A_RINGS_RX], &mod);
	update_u32(&r.rx_mini, tb[ETHTOOL_A_RINGS_RX_MINI], &mod);
	update_u32(&r.rx_jumbo, tb[ETHTOOL_A_RINGS_RX_JUMBO], &mod);
	update_u32(&r.tx, tb[ETHTOOL_A_RINGS_TX], &mod);
	update_u8(&r.tcp_data_split, tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT], &mod);
	update_u32(&r.hds_thresh, tb[DML_ETHTOOL_A_RINGS_HDS_THRESH], &mod);
	if (!mod)
		return 0;

	if (dml_netdev_mp_channel_count_locked(dev)) {
		if (r.tcp_data_split != ETHTOOL_TCP_DATA_SPLIT_ENABLED)
			return refuse(info, NULL, -EINVAL,
				      "can't disable tcp-data-split while device has memory provider enabled");
		if (r.hds_thresh)
			return refuse(info, NULL, -EINVAL,
				      "can't set non-zero hds_thresh while device is memory provider enabled");
	}
	if (r.rx > old.rx)
		err_attr = tb[ETHTOOL_A_RINGS_RX];
	else if (r.rx_mini)
		err_attr = tb[ETHTOOL_A_RINGS_RX_MINI];
	else if (r.rx_jumbo)
		err_attr = tb[ETHTOOL_A_RINGS_RX_JUMBO];
	else if (r.tx > old.tx)
		err_attr = tb[ETHTOOL_A_RINGS_TX];
	else if (r.hds_thresh > DML_HDS_THRESH_MAX)
		err_attr = tb[DML_ETHTOOL_A_RINGS_HDS_THRESH];
	else
		over = false;
	if (over)
		return refuse(info, err_attr, -EINVAL, "requested ring size exceeds maximum");

	/* The driver's part: rings are as long as the host made them. */
	if (r.rx != old.rx || r.tx != old.tx)
		return refuse(info, r.rx != old.rx ? tb[ETHTOOL_A_RINGS_RX] : tb[ETHTOOL_A_RINGS_TX],
			      -EOPNOTSUPP, "the ring size is fixed at the host's rx_ring_size");
	/* UNKNOWN asks for the driver's default: header split stays as it is. */
	if (r.tcp_data_split != ETHTOOL_TCP_DATA_SPLIT_UNKNOWN) {
		err = dml_netdev_set_header_split_locked(dev, r.tcp_data_split ==
						     ETHTOOL_TCP_DATA_SPLIT_ENABLED);
		if (err)
			return err;
	}
	return dml_netdev_set_hds_thresh_locked(dev, r.hds_thresh);
}

/* ethnl_set_channels(): the counts within their maximum, then the NIC's checks. */
static int channels_set_doit(struct dml_genl_info *info)
{
	static const uint16_t blame[] = {
		[DML_CHANNELS_NONE] = 0,
		[DML_CHANNELS_RX] = ETHTOOL_A_CHANNELS_RX_COUNT,
		[DML_CHANNELS_TX] = ETHTOOL_A_CHANNELS_TX_COUNT,
		[DML_CHANNELS_COMBINED] = ETHTOOL_A_CHANNELS_COMBINED_COUNT,
	};
	const struct nlattr **tb = info->attrs;
	const struct nlattr *err_attr = NULL;
	uint32_t rx, tx, other = 0, combined;
	enum dml_channels_field field;
	struct dml_netdev_channels ch;
	struct dml_netdev *dev;
	bool mod = false;
	int err;

	err = parse_header(info, tb[ETHTOOL_A_CHANNELS_HEADER], true, &dev);
	if (err)
		return err;
	dml_netdev_get_channels_locked(dev, &ch);
	rx = ch.rx;
	tx = ch.tx;
	combined = ch.combined;
	update_u32(&rx, tb[ETHTOOL_A_CHANNELS_RX_COUNT], &mod);
	update_u32(&tx, tb[ETHTOOL_A_CHANNELS_TX_COUNT], &mod);
	update_u32(&other, tb[ETHTOOL_A_CHANNELS_OTHER_COUNT], &mod);
	update_u32(&combined, tb[ETHTOOL_A_CHANNELS_COMBINED_COUNT], &mod);
	if (!mod)
		return 0;

	/* Done here in the kernel's order: "other" channels do not exist (max 0). */
	if (rx > ch.max_rx)
		err_attr = tb[ETHTOOL_A_CHANNELS_RX_COUNT];
	else if (tx > ch.max_tx)
		err_attr = tb[ETHTOOL_A_CHANNELS_TX_COUNT];
	else if (other)
		err_attr = tb[ETHTOOL_A_CHANNELS_OTHER_COUNT];
	else if (combined > ch.max_combined)
		err_attr = tb[ETHTOOL_A_CHANNELS_COMBINED_COUNT];
	if (err_attr)
		return refuse(info, err_attr, -EINVAL, "requested channel count exceeds maximum");

	err = dml_netdev_set_channels_locked(dev, (int)rx, (int)tx, (int)combined, info->ext,
					     &field);
	if (err && field != DML_CHANNELS_NONE)
		dml_extack_bad_attr(info->ext, tb[blame[field]]);
	return err;
}

static const struct dml_genl_op ethtool_ops[] = {
	{
		.cmd = ETHTOOL_MSG_RINGS_GET,
		.policy = rings_get_policy,
		.maxattr = ETHTOOL_A_RINGS_HEADER,
		.dump_policy = rings_get_policy,
		.dump_maxattr = ETHTOOL_A_RINGS_HEADER,
		.doit = rings_get_doit,
		.dumpit = rings_get_dumpit,
	},
	{
		.cmd = ETHTOOL_MSG_RINGS_SET,
		.perm = GENL_UNS_ADMIN_PERM,
		.policy = rings_set_policy,
		.maxattr = DML_ETHTOOL_A_RINGS_HDS_THRESH_MAX,
		.doit = rings_set_doit,
	},
	{
		.cmd = ETHTOOL_MSG_CHANNELS_GET,
		.policy = channels_get_policy,
		.maxattr = ETHTOOL_A_CHANNELS_HEADER,
		.dump_policy = channels_get_policy,
		.dump_maxattr = ETHTOOL_A_CHANNELS_HEADER,
		.doit = channels_get_doit,
		.dumpit = channels_get_dumpit,
	},
	{
		.cmd = ETHTOOL_MSG_CHANNELS_SET,
		.perm = GENL_UNS_ADMIN_PERM,
		.policy = channels_set_policy,
		.maxattr = ETHTOOL_A_CHANNELS_COMBINED_COUNT,
		.doit = channels_set_doit,
	},
};

static const struct dml_genl_mcgrp ethtool_mcgrps[] = {
	{ .name = ETHTOOL_MCGRP_MONITOR_NAME, .id = DML_NLGRP_ETHTOOL_MONITOR },
};

const struct dml_genl_family dml_ethtool_family = {
	.name = ETHTOOL_GENL_NAME,
	.id = DML_ETHTOOL_FAMILY_ID,
	.version = ETHTOOL_GENL_VERSION,
	.ops = ethtool_ops,
	.nr_ops = sizeof(ethtool_ops) / sizeof(ethtool_ops[0]),
	.mcgrps = ethtool_mcgrps,
	.nr_mcgrps = sizeof(ethtool_mcgrps) / sizeof(ethtool_mcgrps[0]),
};
