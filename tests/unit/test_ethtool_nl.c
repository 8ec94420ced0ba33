// SPDX-License-Identifier: MIT
/*
 * Issue 15: the ethtool generic netlink family as a devmem receiver uses it
 * (rings get/set with tcp-data-split and hds-thresh, channels get/set),
 * request bytes built with libmnl, reply bytes and errors checked as the
 * kernel's net/ethtool/{netlink,rings,channels}.c give them.
 */
#define DML_TEST_WITHOUT_DEVMEM
#include "test_helpers.h"

#include <linux/ethtool_netlink.h>

/* Newer than the machine's 6.1 uapi header. */
#define A_RINGS_RX_PUSH		14
#define A_RINGS_HDS_THRESH	17
#define A_RINGS_HDS_THRESH_MAX	18
#define A_MAX			18

static uint16_t ethtool_id(struct dml_nl_sock *nl)
{
	int id = dml_genl_family_id(nl, ETHTOOL_GENL_NAME);

	assert_true(id > 0);
	return (uint16_t)id;
}

/* A request for @cmd whose header nest names the device by @ifindex and/or @name. */
static struct nlmsghdr *req(union nl_buf *b, struct dml_nl_sock *nl, uint8_t cmd,
			    uint16_t flags, uint32_t ifindex, const char *name,
			    const struct nlattr **hdr)
{
	struct nlmsghdr *nlh = genl_req(b, ethtool_id(nl), cmd, flags);
	struct nlattr *nest;

	/* RINGS_HEADER and CHANNELS_HEADER are both attribute 1 */
	nest = mnl_attr_nest_start(nlh, ETHTOOL_A_RINGS_HEADER);
	nest->nla_type |= NLA_F_NESTED;
	if (ifindex)
		mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, ifindex);
	if (name)
		mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, name);
	mnl_attr_nest_end(nlh, nest);
	if (hdr)
		*hdr = nest;
	return nlh;
}

/* Where the next attribute put into @nlh will start. */
static const struct nlattr *next_attr(const struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload_tail(nlh);
}

static uint32_t offset(const struct nlmsghdr *nlh, const void *p)
{
	return (uint32_t)((const char *)p - (const char *)nlh);
}

static int collect_cb(const struct nlattr *attr, void *arg)
{
	const struct nlattr **tb = arg;

	assert_true(mnl_attr_get_type(attr) <= A_MAX);
	assert_null(tb[mnl_attr_get_type(attr)]);
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

/* The top-level attributes of a reply, checked to be a @cmd reply of the family. */
static void reply_attrs(struct dml_nl_sock *nl, const struct nlmsghdr *nlh, uint8_t cmd,
			const struct nlattr **tb)
{
	const struct genlmsghdr *genlh = mnl_nlmsg_get_payload(nlh);

	assert_int_equal(nlh->nlmsg_type, ethtool_id(nl));
	assert_int_equal(genlh->cmd, cmd);
	assert_int_equal(genlh->version, ETHTOOL_GENL_VERSION);
	memset(tb, 0, (A_MAX + 1) * sizeof(*tb));
	assert_true(mnl_attr_parse(nlh, GENL_HDRLEN, collect_cb, tb) >= 0);
}

/* The reply header nest: flagged nested, the device's index then its name. */
static void assert_reply_header(const struct nlattr *hdr, uint32_t ifindex, const char *name)
{
	const struct nlattr *a;
	int n = 0;

	assert_non_null(hdr);
	assert_true(hdr->nla_type & NLA_F_NESTED);
	mnl_attr_for_each_nested(a, hdr) {
		if (n == 0) {
			assert_int_equal(mnl_attr_get_type(a), ETHTOOL_A_HEADER_DEV_INDEX);
			assert_int_equal(mnl_attr_get_u32(a), ifindex);
		} else {
			assert_int_equal(mnl_attr_get_type(a), ETHTOOL_A_HEADER_DEV_NAME);
			assert_string_equal(mnl_attr_get_str(a), name);
		}
		n++;
	}
	assert_int_equal(n, 2);
}

static void assert_u32(const struct nlattr *a, uint32_t want)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), 4);
	assert_int_equal(mnl_attr_get_u32(a), want);
}

static void assert_u8(const struct nlattr *a, uint8_t want)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), 1);
	assert_int_equal(mnl_attr_get_u8(a), want);
}

/* rings-get of eth0, returning the attributes in @tb (reply kept in @r). */
static void rings_get(struct fixture *f, struct nl_result *r, const struct nlattr **tb)
{
	union nl_buf b;
	struct nlmsghdr *nlh = req(&b, f->nl, ETHTOOL_MSG_RINGS_GET, 0, f->ifindex, NULL, NULL);

	assert_ok(nl_exchange(f->nl, nlh, nlh->nlmsg_len, r));
	assert_int_equal(r->replies, 1);
	reply_attrs(f->nl, &r->first.nlh, ETHTOOL_MSG_RINGS_GET_REPLY, tb);
}

/* Issue 15: rings-get answers with the kernel-to-user id and the NIC's rings. */
static void test_rings_get(void **state)
{
	struct fixture *f = *state;
	const struct nlattr *tb[A_MAX + 1];
	struct nl_result r;
	int type;

	/* the uapi numbers: the reply id is not the request's */
	assert_int_equal(ETHTOOL_MSG_RINGS_GET, 15);
	assert_int_equal(ETHTOOL_MSG_RINGS_GET_REPLY, 16);
	rings_get(f, &r, tb);
	assert_true(r.got_error && r.error == 0);
	assert_int_equal(r.first.nlh.nlmsg_flags, 0);
	assert_int_equal(r.first.nlh.nlmsg_seq, 7);
	assert_int_equal(r.first.nlh.nlmsg_pid, dml_nl_portid(f->nl));
	assert_reply_header(tb[ETHTOOL_A_RINGS_HEADER], f->ifindex, "eth0");
	assert_u32(tb[ETHTOOL_A_RINGS_RX_MAX], DML_DEFAULT_RX_RING_SIZE);
	assert_u32(tb[ETHTOOL_A_RINGS_RX], DML_DEFAULT_RX_RING_SIZE);
	assert_u32(tb[ETHTOOL_A_RINGS_TX_MAX], DML_DEFAULT_RX_RING_SIZE);
	assert_u32(tb[ETHTOOL_A_RINGS_TX], DML_DEFAULT_RX_RING_SIZE);
	assert_u8(tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT], ETHTOOL_TCP_DATA_SPLIT_ENABLED);
	assert_u8(tb[ETHTOOL_A_RINGS_TX_PUSH], 0);
	assert_u8(tb[A_RINGS_RX_PUSH], 0);
	assert_u32(tb[A_RINGS_HDS_THRESH], 0);
	assert_u32(tb[A_RINGS_HDS_THRESH_MAX], DML_HDS_THRESH_MAX);
	/* what the NIC does not have is left out, as rings_fill_reply() does */
	for (type = ETHTOOL_A_RINGS_RX_MINI_MAX; type <= ETHTOOL_A_RINGS_RX_JUMBO_MAX; type++)
		assert_null(tb[type]);
	assert_null(tb[ETHTOOL_A_RINGS_RX_MINI]);
	assert_null(tb[ETHTOOL_A_RINGS_RX_JUMBO]);
	assert_null(tb[ETHTOOL_A_RINGS_RX_BUF_LEN]);
	assert_null(tb[ETHTOOL_A_RINGS_CQE_SIZE]);
}

/* Issue 15: the header names the device by index, name, altname, or both consistent. */
static void test_header_lookup(void **state)
{
	struct fixture *f = *state;
	const struct nlattr *tb[A_MAX + 1];
	struct nl_result r;
	struct nlmsghdr *nlh;
	union nl_buf b;

	assert_ok(dml_netdev_add_altname(f->dev, "enp1s0f0np0"));
	nlh = req(&b, f->nl, ETHTOOL_MSG_CHANNELS_GET, 0, 0, "eth0", NULL);
	assert_ok(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r));
	reply_attrs(f->nl, &r.first.nlh, ETHTOOL_MSG_CHANNELS_GET_REPLY, tb);
	assert_reply_header(tb[ETHTOOL_A_CHANNELS_HEADER], f->ifindex, "eth0");

	nlh = req(&b, f->nl, ETHTOOL_MSG_CHANNELS_GET, 0, 0, "enp1s0f0np0", NULL);
	assert_ok(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r));
	reply_attrs(f->nl, &r.first.nlh, ETHTOOL_MSG_CHANNELS_GET_REPLY, tb);
	/* the reply names the device by its name */
	assert_reply_header(tb[ETHTOOL_A_CHANNELS_HEADER], f->ifindex, "eth0");

	nlh = req(&b, f->nl, ETHTOOL_MSG_CHANNELS_GET, 0, f->ifindex, "eth0", NULL);
	assert_ok(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r));
	assert_int_equal(r.replies, 1);
}

/* Issue 15: header errors with the kernel's errno, message and attribute. */
static void test_header_errors(void **state)
{
	struct fixture *f = *state;
	const struct nlattr *hdr, *attr;
	struct nlattr *nest;
	struct nl_result r;
	struct nlmsghdr *nlh;
	union nl_buf b;

	nlh = genl_req(&b, ethtool_id(f->nl), ETHTOOL_MSG_RINGS_GET, 0);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -EINVAL);
	assert_string_equal(r.msg, "request header missing");
	assert_int_equal(r.replies, 0);

	nlh = req(&b, f->nl, ETHTOOL_MSG_RINGS_GET, 0, 0, NULL, &hdr);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -EINVAL);
	assert_string_equal(r.msg, "neither ifindex nor name specified");
	assert_true(r.has_offs);
	assert_int_equal(r.offs, offset(nlh, hdr));

	nlh = req(&b, f->nl, ETHTOOL_MSG_RINGS_GET, 0, 99, NULL, &hdr);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -ENODEV);
	assert_string_equal(r.msg, "no device matches ifindex");
	assert_int_equal(r.offs, offset(nlh, hdr) + MNL_ATTR_HDRLEN);

	nlh = req(&b, f->nl, ETHTOOL_MSG_CHANNELS_GET, 0, 0, "eth9", &hdr);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -ENODEV);
	assert_string_equal(r.msg, "no device matches name");
	assert_int_equal(r.offs, offset(nlh, hdr) + MNL_ATTR_HDRLEN);

	nlh = req(&b, f->nl, ETHTOOL_MSG_CHANNELS_GET, 0, f->ifindex, "eth9", &hdr);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -ENODEV);
	assert_string_equal(r.msg, "ifindex and name do not match");
	assert_int_equal(r.offs, offset(nlh, hdr));

	/* flags: only ETHTOOL_FLAG_ALL */
	nlh = genl_req(&b, ethtool_id(f->nl), ETHTOOL_MSG_RINGS_GET, 0);
	nest = mnl_attr_nest_start(nlh, ETHTOOL_A_RINGS_HEADER);
	nest->nla_type |= NLA_F_NESTED;
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, f->ifindex);
	attr = next_attr(nlh);
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_FLAGS, 1u << 3);
	mnl_attr_nest_end(nlh, nest);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -EINVAL);
	assert_string_equal(r.msg, "reserved bit set");
	assert_int_equal(r.offs, offset(nlh, attr));

	/* a phy index is not in 6.12's header policy for rings */
	nlh = genl_req(&b, ethtool_id(f->nl), ETHTOOL_MSG_RINGS_GET, 0);
	nest = mnl_attr_nest_start(nlh, ETHTOOL_A_RINGS_HEADER);
	nest->nla_type |= NLA_F_NESTED;
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, f->ifindex);
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_FLAGS + 1, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -EINVAL);
	/* and a GET takes nothing but the header */
	nlh = req(&b, f->nl, ETHTOOL_MSG_RINGS_GET, 0, f->ifindex, NULL, NULL);
	mnl_attr_put_u32(nlh, ETHTOOL_A_RINGS_RX, 1);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -EINVAL);
}

/* A rings-set of eth0 with one u32 (or u8 when @u8) attribute; returns the errno. */
static int rings_set(struct fixture *f, struct dml_nl_sock *nl, uint16_t type, uint32_t v,
		     bool u8, struct nl_result *r, uint32_t *attr_off)
{
	union nl_buf b;
	struct nlmsghdr *nlh = req(&b, nl, ETHTOOL_MSG_RINGS_SET, 0, f->ifindex, NULL, NULL);

	*attr_off = offset(nlh, next_attr(nlh));
	if (u8)
		mnl_attr_put_u8(nlh, type, (uint8_t)v);
	else
		mnl_attr_put_u32(nlh, type, v);
	return nl_exchange(nl, nlh, nlh->nlmsg_len, r);
}

/*
 * Issue 15: rings-set of tcp-data-split and hds-thresh reach the NIC and an
 * ack alone answers; limits and unsupported settings fail as the kernel's.
 */
static void test_rings_set(void **state)
{
	struct fixture *f = *state;
	const struct nlattr *tb[A_MAX + 1];
	struct dml_nl_sock *user;
	struct nl_result r;
	uint32_t off;

	assert_ok(rings_set(f, f->nl, ETHTOOL_A_RINGS_TCP_DATA_SPLIT,
			    ETHTOOL_TCP_DATA_SPLIT_DISABLED, true, &r, &off));
	assert_int_equal(r.replies, 0);
	assert_true(r.got_error);
	rings_get(f, &r, tb);
	assert_u8(tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT], ETHTOOL_TCP_DATA_SPLIT_DISABLED);
	/* unknown (auto) keeps it */
	assert_ok(rings_set(f, f->nl, ETHTOOL_A_RINGS_TCP_DATA_SPLIT,
			    ETHTOOL_TCP_DATA_SPLIT_UNKNOWN, true, &r, &off));
	rings_get(f, &r, tb);
	assert_u8(tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT], ETHTOOL_TCP_DATA_SPLIT_DISABLED);
	assert_ok(rings_set(f, f->nl, ETHTOOL_A_RINGS_TCP_DATA_SPLIT,
			    ETHTOOL_TCP_DATA_SPLIT_ENABLED, true, &r, &off));
	rings_get(f, &r, tb);
	assert_u8(tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT], ETHTOOL_TCP_DATA_SPLIT_ENABLED);

	assert_ok(rings_set(f, f->nl, A_RINGS_HDS_THRESH, 256, false, &r, &off));
	assert_int_equal(dml_netdev_hds_thresh(f->dev), 256);
	rings_get(f, &r, tb);
	assert_u32(tb[A_RINGS_HDS_THRESH], 256);
	assert_errno(rings_set(f, f->nl, A_RINGS_HDS_THRESH, DML_HDS_THRESH_MAX + 1, false,
			       &r, &off), -EINVAL);
	assert_string_equal(r.msg, "requested ring size exceeds maximum");
	assert_int_equal(r.offs, off);
	assert_int_equal(dml_netdev_hds_thresh(f->dev), 256);

	/* ring sizes: over the maximum, a ring the NIC lacks, a size it cannot change */
	assert_errno(rings_set(f, f->nl, ETHTOOL_A_RINGS_RX, DML_DEFAULT_RX_RING_SIZE + 1,
			       false, &r, &off), -EINVAL);
	assert_string_equal(r.msg, "requested ring size exceeds maximum");
	assert_int_equal(r.offs, off);
	assert_errno(rings_set(f, f->nl, ETHTOOL_A_RINGS_RX_MINI, 1, false, &r, &off), -EINVAL);
	assert_int_equal(r.offs, off);
	assert_errno(rings_set(f, f->nl, ETHTOOL_A_RINGS_RX, 64, false, &r, &off), -EOPNOTSUPP);
	assert_int_equal(r.offs, off);
	/* the value it has is no change at all */
	assert_ok(rings_set(f, f->nl, ETHTOOL_A_RINGS_RX, DML_DEFAULT_RX_RING_SIZE, false,
			    &r, &off));

	/* settings the NIC does not have */
	assert_errno(rings_set(f, f->nl, ETHTOOL_A_RINGS_RX_BUF_LEN, 4096, false, &r, &off),
		     -EOPNOTSUPP);
	assert_string_equal(r.msg, "setting rx buf len not supported");
	assert_int_equal(r.offs, off);
	assert_errno(rings_set(f, f->nl, ETHTOOL_A_RINGS_CQE_SIZE, 64, false, &r, &off),
		     -EOPNOTSUPP);
	assert_string_equal(r.msg, "setting cqe size not supported");
	assert_errno(rings_set(f, f->nl, ETHTOOL_A_RINGS_TX_PUSH, 1, true, &r, &off),
		     -EOPNOTSUPP);
	assert_string_equal(r.msg, "setting tx push not supported");
	/* the policy: a u8 above ENABLED, a read-only attribute */
	assert_errno(rings_set(f, f->nl, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, 3, true, &r, &off),
		     -ERANGE);
	assert_errno(rings_set(f, f->nl, A_RINGS_HDS_THRESH_MAX, 1, false, &r, &off), -EINVAL);
	assert_int_equal(r.offs, off);
	assert_errno(rings_set(f, f->nl, ETHTOOL_A_RINGS_RX_MAX, 1, false, &r, &off), -EINVAL);

	/* GENL_UNS_ADMIN_PERM */
	assert_ok(dml_nl_open(f->host, 0, &user));
	assert_errno(rings_set(f, user, A_RINGS_HDS_THRESH, 0, false, &r, &off), -EPERM);
	assert_int_equal(dml_netdev_hds_thresh(f->dev), 256);
	dml_nl_close(user);
}

/* A channels-set of eth0; each count < 0 is left out. */
static int channels_set(struct fixture *f, struct dml_nl_sock *nl, long rx, long tx,
			long other, long combined, struct nl_result *r, uint32_t off[4])
{
	const long v[4] = { rx, tx, other, combined };
	union nl_buf b;
	struct nlmsghdr *nlh = req(&b, nl, ETHTOOL_MSG_CHANNELS_SET, 0, f->ifindex, NULL, NULL);
	int i;

	for (i = 0; i < 4; i++) {
		off[i] = 0;
		if (v[i] < 0)
			continue;
		off[i] = offset(nlh, next_attr(nlh));
		mnl_attr_put_u32(nlh, (uint16_t)(ETHTOOL_A_CHANNELS_RX_COUNT + i), (uint32_t)v[i]);
	}
	return nl_exchange(nl, nlh, nlh->nlmsg_len, r);
}

static void assert_channels_reply(struct fixture *f, uint32_t rx, uint32_t tx, uint32_t combined)
{
	const struct nlattr *tb[A_MAX + 1];
	struct nl_result r;
	union nl_buf b;
	struct nlmsghdr *nlh = req(&b, f->nl, ETHTOOL_MSG_CHANNELS_GET, 0, f->ifindex, NULL, NULL);

	assert_ok(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r));
	assert_int_equal(r.replies, 1);
	reply_attrs(f->nl, &r.first.nlh, ETHTOOL_MSG_CHANNELS_GET_REPLY, tb);
	assert_reply_header(tb[ETHTOOL_A_CHANNELS_HEADER], f->ifindex, "eth0");
	assert_u32(tb[ETHTOOL_A_CHANNELS_RX_MAX], FIXTURE_QUEUES);
	assert_u32(tb[ETHTOOL_A_CHANNELS_TX_MAX], FIXTURE_QUEUES);
	assert_u32(tb[ETHTOOL_A_CHANNELS_COMBINED_MAX], FIXTURE_QUEUES);
	assert_u32(tb[ETHTOOL_A_CHANNELS_RX_COUNT], rx);
	assert_u32(tb[ETHTOOL_A_CHANNELS_TX_COUNT], tx);
	assert_u32(tb[ETHTOOL_A_CHANNELS_COMBINED_COUNT], combined);
	/* no "other" channels: left out */
	assert_null(tb[ETHTOOL_A_CHANNELS_OTHER_MAX]);
	assert_null(tb[ETHTOOL_A_CHANNELS_OTHER_COUNT]);
}

/* Issue 15: channels get/set as net/ethtool/channels.c answers. */
static void test_channels(void **state)
{
	struct fixture *f = *state;
	struct dml_netdev_channels ch;
	struct dml_nl_sock *user;
	struct nl_result r;
	uint32_t off[4];

	assert_int_equal(ETHTOOL_MSG_CHANNELS_GET_REPLY, 18);
	assert_channels_reply(f, FIXTURE_QUEUES, 1, 0);
	assert_ok(channels_set(f, f->nl, 0, -1, -1, 4, &r, off));
	assert_int_equal(r.replies, 0);
	assert_channels_reply(f, 0, 1, 4);
	assert_ok(dml_netdev_get_channels(f->dev, &ch));
	assert_int_equal(ch.combined, 4);

	assert_errno(channels_set(f, f->nl, FIXTURE_QUEUES + 1, -1, -1, -1, &r, off), -EINVAL);
	assert_string_equal(r.msg, "requested channel count exceeds maximum");
	assert_int_equal(r.offs, off[0]);
	assert_errno(channels_set(f, f->nl, -1, -1, 1, -1, &r, off), -EINVAL);
	assert_int_equal(r.offs, off[2]);
	/* other = 0 is the count it has: no change */
	assert_ok(channels_set(f, f->nl, -1, -1, 0, -1, &r, off));
	/* no RX left: blamed on combined, the count that changed */
	assert_errno(channels_set(f, f->nl, -1, -1, -1, 0, &r, off), -EINVAL);
	assert_string_equal(r.msg,
			    "requested channel counts would result in no RX or TX channel being configured");
	assert_int_equal(r.offs, off[3]);
	/* an ntuple rule's queue must stay */
	assert_true(dml_netdev_add_ntuple(f->dev, &(struct dml_flow){ .dst_port = 1 }, 3) >= 0);
	assert_errno(channels_set(f, f->nl, -1, -1, -1, 2, &r, off), -EINVAL);
	assert_string_equal(r.msg,
			    "requested channel counts are too low for existing ntuple filter settings");
	assert_false(r.has_offs);
	assert_channels_reply(f, 0, 1, 4);

	assert_ok(dml_nl_open(f->host, 0, &user));
	assert_errno(channels_set(f, user, 2, -1, -1, -1, &r, off), -EPERM);
	dml_nl_close(user);
	assert_channels_reply(f, 0, 1, 4);
}

/*
 * Issue 15 with S-3.1: while a queue is bound, header split stays on,
 * hds-thresh stays 0 and the bound queue stays, as the kernel refuses.
 */
static void test_bound_device(void **state)
{
	struct fixture *f = *state;
	struct nl_result r;
	uint32_t off, offs[4];

	if (!dml_devmem_enabled())
		return;	/* no binding without devmem: nothing to refuse */
	assert_true(fixture_bind(f, f->nl, (const uint32_t[]){ 5 }, 1, 0) >= 1);
	assert_errno(rings_set(f, f->nl, ETHTOOL_A_RINGS_TCP_DATA_SPLIT,
			       ETHTOOL_TCP_DATA_SPLIT_DISABLED, true, &r, &off), -EINVAL);
	assert_string_equal(r.msg,
			    "can't disable tcp-data-split while device has memory provider enabled");
	assert_errno(rings_set(f, f->nl, A_RINGS_HDS_THRESH, 128, false, &r, &off), -EINVAL);
	assert_string_equal(r.msg,
			    "can't set non-zero hds_thresh while device is memory provider enabled");
	assert_int_equal(dml_netdev_hds_thresh(f->dev), 0);
	assert_errno(channels_set(f, f->nl, 5, -1, -1, -1, &r, offs), -EINVAL);
	assert_string_equal(r.msg,
			    "requested channel counts are too low for existing memory provider setting (6)");
	assert_ok(channels_set(f, f->nl, 6, -1, -1, -1, &r, offs));
	assert_channels_reply(f, 6, 1, 0);
}

/* Every message a dump sends, the DONE included; returns how many came. */
static int dump(struct dml_nl_sock *nl, const struct nlmsghdr *nlh, union nl_buf *out, int max)
{
	int n = 0;

	assert_int_equal(dml_nl_send(nl, nlh, nlh->nlmsg_len), nlh->nlmsg_len);
	while (n < max && dml_nl_recv(nl, out[n].buf, sizeof(out[n].buf)) > 0)
		n++;
	assert_false(dml_nl_pending(nl));
	return n;
}

/* Issue 15: GET dumps answer for every device, NLM_F_MULTI, then NLMSG_DONE. */
static void test_dumps(void **state)
{
	struct fixture *f = *state;
	struct dml_netdev_config cfg = { .name = "eth1", .max_rx_queues = 2, .rx_queues = 2 };
	static const uint8_t cmds[2][2] = {
		{ ETHTOOL_MSG_RINGS_GET, ETHTOOL_MSG_RINGS_GET_REPLY },
		{ ETHTOOL_MSG_CHANNELS_GET, ETHTOOL_MSG_CHANNELS_GET_REPLY },
	};
	const struct nlattr *tb[A_MAX + 1];
	static union nl_buf out[4];
	struct dml_netdev *eth1;
	struct nlmsghdr *nlh;
	struct nl_result r;
	union nl_buf b;
	int c;

	assert_ok(dml_netdev_create(f->host, &cfg, &eth1));
	for (c = 0; c < 2; c++) {
		nlh = genl_req(&b, ethtool_id(f->nl), cmds[c][0], NLM_F_DUMP);
		nlh->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
		assert_int_equal(dump(f->nl, nlh, out, 4), 3);
		reply_attrs(f->nl, &out[0].nlh, cmds[c][1], tb);
		assert_true(out[0].nlh.nlmsg_flags & NLM_F_MULTI);
		assert_reply_header(tb[1], f->ifindex, "eth0");
		reply_attrs(f->nl, &out[1].nlh, cmds[c][1], tb);
		assert_true(out[1].nlh.nlmsg_flags & NLM_F_MULTI);
		assert_reply_header(tb[1], dml_netdev_ifindex(eth1), "eth1");
		assert_int_equal(out[2].nlh.nlmsg_type, NLMSG_DONE);

		/* a header naming a device is ignored, a bad one is not */
		nlh = req(&b, f->nl, cmds[c][0], NLM_F_DUMP, dml_netdev_ifindex(eth1), NULL, NULL);
		nlh->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
		assert_int_equal(dump(f->nl, nlh, out, 4), 3);
		nlh = req(&b, f->nl, cmds[c][0], NLM_F_DUMP, 99, NULL, NULL);
		assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -ENODEV);
		assert_int_equal(r.replies, 0);
	}
	/* SET has no dump */
	nlh = req(&b, f->nl, ETHTOOL_MSG_RINGS_SET, NLM_F_DUMP, f->ifindex, NULL, NULL);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -EOPNOTSUPP);
}

/* One op's attribute of nlctrl's CTRL_ATTR_OPS entry, or NULL. */
static const struct nlattr *op_attr(const struct nlattr *op, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, op)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

/*
 * nlctrl describes the family as the kernel's does: the SETs need
 * CAP_NET_ADMIN in the netns's user namespace (GENL_UNS_ADMIN_PERM, as
 * net/ethtool/netlink.c flags them), not in the initial one; the GETs need
 * nothing.
 */
static void test_family_op_flags(void **state)
{
	struct fixture *f = *state;
	uint32_t flags[ETHTOOL_MSG_USER_MAX + 1] = {0};
	const struct nlattr *ops, *op;
	struct nlmsghdr *nlh;
	struct nl_result r;
	union nl_buf b;

	nlh = genl_req(&b, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME);
	assert_ok(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r));
	assert_int_equal(r.replies, 1);
	ops = genl_attr(&r.first.nlh, CTRL_ATTR_OPS);
	assert_non_null(ops);
	mnl_attr_for_each_nested(op, ops) {
		const struct nlattr *id = op_attr(op, CTRL_ATTR_OP_ID);
		const struct nlattr *fl = op_attr(op, CTRL_ATTR_OP_FLAGS);

		assert_non_null(id);
		assert_non_null(fl);
		assert_in_range(mnl_attr_get_u32(id), 1, ETHTOOL_MSG_USER_MAX);
		flags[mnl_attr_get_u32(id)] = mnl_attr_get_u32(fl);
	}
	assert_int_equal(flags[ETHTOOL_MSG_RINGS_SET] & (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM),
			 GENL_UNS_ADMIN_PERM);
	assert_int_equal(flags[ETHTOOL_MSG_CHANNELS_SET] &
			 (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM), GENL_UNS_ADMIN_PERM);
	assert_int_equal(flags[ETHTOOL_MSG_RINGS_GET] & (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM), 0);
	assert_int_equal(flags[ETHTOOL_MSG_CHANNELS_GET] &
			 (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM), 0);
	assert_true(flags[ETHTOOL_MSG_RINGS_SET] & GENL_CMD_CAP_DO);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rings_get),
		T(test_header_lookup),
		T(test_header_errors),
		T(test_rings_set),
		T(test_channels),
		T(test_bound_device),
		T(test_dumps),
		T(test_family_op_flags),
	};

	return RUN_TESTS(tests);
}
