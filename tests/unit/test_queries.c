// SPDX-License-Identifier: MIT
/*
 * The "netdev" family's read side (S-1.4, S-2.4): dev-get, queue-get,
 * page-pool-get and page-pool-stats-get, do and dump, and the nlctrl
 * GETFAMILY answer a client starts from.  Replies are parsed as a user's
 * libmnl code would parse them.
 */
#include "test_helpers.h"

#define MAX_REPLIES 64

union reply_msg {
	unsigned char buf[1024];
	struct nlmsghdr nlh;
};

/* The replies of the last query(); static because dumps bring many. */
static struct {
	int n;
	union reply_msg msg[MAX_REPLIES];
} replies;

static int collect_cb(const struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	if (replies.n == MAX_REPLIES ||
	    nlh->nlmsg_len > sizeof(replies.msg[0].buf))
		return -ENOSPC;
	memcpy(replies.msg[replies.n++].buf, nlh, nlh->nlmsg_len);
	return 0;
}

/* One request, every reply kept; returns 0 or -errno (message in f->errmsg). */
static int query(struct fixture *f, struct nlmsghdr *nlh)
{
	replies.n = 0;
	return dml_nl_transact(f->nl, nlh, collect_cb, NULL, f->errmsg,
			       sizeof(f->errmsg));
}

static const struct nlmsghdr *reply(int i)
{
	assert_in_range(i, 0, replies.n - 1);
	return &replies.msg[i].nlh;
}

static uint8_t reply_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genlh = mnl_nlmsg_get_payload(nlh);

	return genlh->cmd;
}

static uint64_t uint_of(const struct nlattr *attr)
{
	switch (mnl_attr_get_payload_len(attr)) {
	case 2:
		return mnl_attr_get_u16(attr);
	case 4:
		return mnl_attr_get_u32(attr);
	case 8:
		return mnl_attr_get_u64(attr);
	}
	fail_msg("attribute %u has length %u, not an integer",
		 mnl_attr_get_type(attr), mnl_attr_get_payload_len(attr));
	return 0;
}

/* A top-level integer attribute that must be there. */
static uint64_t attr_uint(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *attr = genl_attr(nlh, type);

	if (!attr)
		fail_msg("reply lacks attribute %u", type);
	return uint_of(attr);
}

static const struct nlattr *nested_attr(const struct nlattr *nest,
					uint16_t type)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest)
		if (mnl_attr_get_type(attr) == type)
			return attr;
	return NULL;
}

static uint16_t netdev_id(struct fixture *f)
{
	int id = netdev_family(f->nl);

	assert_true(id > 0);
	return (uint16_t)id;
}

static struct dml_rxq_info rxq(struct fixture *f, unsigned int index)
{
	struct dml_rxq_info info;

	assert_ok(dml_netdev_rxq_info(f->dev, index, &info));
	return info;
}

/* A second NIC: fewer queues than it has, so dumps show channels, not hardware.
 */
static uint32_t add_eth1(struct fixture *f)
{
	struct dml_netdev_config cfg = {
		.name = "eth1",
		.max_rx_queues = 4,
		.rx_queues = 2,
	};
	struct dml_netdev *dev;

	assert_ok(dml_netdev_create(f->host, &cfg, &dev));
	return dml_netdev_ifindex(dev);
}

static long bind_queue(struct fixture *f, uint32_t queue)
{
	long id = fixture_bind(f, f->nl, &queue, 1, 0);

	assert_true(id >= 1);
	return id;
}

/* ---- dev-get ----------------------------------------------------------- */

static struct nlmsghdr *dev_get(struct fixture *f, union nl_buf *b,
				uint32_t ifindex)
{
	struct nlmsghdr *nlh = genl_req(b, netdev_id(f), NETDEV_CMD_DEV_GET, 0);

	mnl_attr_put_u32(nlh, NETDEV_A_DEV_IFINDEX, ifindex);
	return nlh;
}

/* S-1.4: dev-get (command 1) by ifindex answers with that device. */
static void test_dev_get_do(void **state)
{
	struct fixture *f = *state;
	union nl_buf b;

	assert_ok(query(f, dev_get(f, &b, f->ifindex)));
	assert_int_equal(replies.n, 1);
	assert_int_equal(reply_cmd(reply(0)), NETDEV_CMD_DEV_GET);
	assert_false(reply(0)->nlmsg_flags & NLM_F_MULTI);
	assert_int_equal(attr_uint(reply(0), NETDEV_A_DEV_IFINDEX), f->ifindex);
}

/* S-1.4: a dev-get dump lists every device once. */
static void test_dev_get_dump(void **state)
{
	struct fixture *f = *state;
	uint32_t eth1 = add_eth1(f);
	bool seen_eth0 = false, seen_eth1 = false;
	union nl_buf b;
	int i;

	assert_ok(query(
		f, genl_req(&b, netdev_id(f), NETDEV_CMD_DEV_GET, NLM_F_DUMP)));
	assert_int_equal(replies.n, 2);
	for (i = 0; i < replies.n; i++) {
		uint64_t ifindex = attr_uint(reply(i), NETDEV_A_DEV_IFINDEX);

		assert_true(reply(i)->nlmsg_flags & NLM_F_MULTI);
		if (ifindex == f->ifindex)
			seen_eth0 = true;
		else if (ifindex == eth1)
			seen_eth1 = true;
		else
			fail_msg("dump shows ifindex %llu",
				 (unsigned long long)ifindex);
	}
	assert_true(seen_eth0 && seen_eth1);
}

/* S-1.4, S-7.2: an unknown ifindex is ENODEV with the attribute named. */
static void test_dev_get_unknown(void **state)
{
	struct fixture *f = *state;
	struct nl_result r;
	union nl_buf b;
	struct nlmsghdr *nlh = dev_get(f, &b, 99);

	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -ENODEV);
	assert_string_equal(r.msg, "ifindex: no device with index 99");
	assert_true(r.has_offs);
	assert_int_equal(r.offs, NLMSG_HDRLEN + GENL_HDRLEN);
	assert_int_equal(r.replies, 0);
}

/* S-1.4, S-7.2: dev-get do without an ifindex says which attribute is missing.
 */
static void test_dev_get_missing_ifindex(void **state)
{
	struct fixture *f = *state;
	struct nl_result r;
	union nl_buf b;
	struct nlmsghdr *nlh =
		genl_req(&b, netdev_id(f), NETDEV_CMD_DEV_GET, 0);

	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -EINVAL);
	assert_true(r.has_miss_type);
	assert_int_equal(r.miss_type, NETDEV_A_DEV_IFINDEX);
	assert_string_equal(r.msg, "missing attribute: ifindex");
	assert_int_equal(r.replies, 0);
}

/* ---- queue-get --------------------------------------------------------- */

static struct nlmsghdr *queue_get(struct fixture *f, union nl_buf *b,
				  uint32_t type, uint32_t id)
{
	struct nlmsghdr *nlh =
		genl_req(b, netdev_id(f), NETDEV_CMD_QUEUE_GET, 0);

	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_IFINDEX, f->ifindex);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, type);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, id);
	return nlh;
}

/* The queue-get do answer for one queue; returns its dmabuf id, 0 if absent. */
static uint32_t queue_dmabuf(struct fixture *f, uint32_t type, uint32_t id)
{
	const struct nlattr *dmabuf;
	union nl_buf b;

	assert_ok(query(f, queue_get(f, &b, type, id)));
	assert_int_equal(replies.n, 1);
	assert_int_equal(reply_cmd(reply(0)), NETDEV_CMD_QUEUE_GET);
	assert_int_equal(attr_uint(reply(0), NETDEV_A_QUEUE_ID), id);
	assert_int_equal(attr_uint(reply(0), NETDEV_A_QUEUE_TYPE), type);
	assert_int_equal(attr_uint(reply(0), NETDEV_A_QUEUE_IFINDEX),
			 f->ifindex);
	dmabuf = genl_attr(reply(0), NETDEV_A_QUEUE_DMABUF);
	if (!dmabuf)
		return 0;
	/* present means bound: 0 would be a lie */
	assert_int_not_equal(mnl_attr_get_u32(dmabuf), 0);
	return mnl_attr_get_u32(dmabuf);
}

/*
 * S-1.4: queue-get shows NETDEV_A_QUEUE_DMABUF for an RX queue exactly while
 * it is bound, equal to the binding's id: how a user sees what is bound.
 */
static void test_queue_get_do(void **state)
{
	struct fixture *f = *state;
	long id;

	assert_int_equal(queue_dmabuf(f, NETDEV_QUEUE_TYPE_RX, 1), 0);
	id = bind_queue(f, 1);
	assert_int_equal(queue_dmabuf(f, NETDEV_QUEUE_TYPE_RX, 1), id);
	assert_int_equal(queue_dmabuf(f, NETDEV_QUEUE_TYPE_RX, 2), 0);
	/* TX queue 1 is another queue: bind-rx did not touch it */
	assert_int_equal(queue_dmabuf(f, NETDEV_QUEUE_TYPE_TX, 1), 0);
	/* the last queue of the device is still in range */
	assert_int_equal(
		queue_dmabuf(f, NETDEV_QUEUE_TYPE_RX, FIXTURE_QUEUES - 1), 0);
}

struct queue_count {
	int rx, tx;
	int with_dmabuf;
	uint32_t dmabuf_queue; /* the RX queue that showed one */
	uint32_t dmabuf_id;
};

/* Tallies the dumped queues of @ifindex; fails on a duplicate or a stray. */
static struct queue_count count_queues(uint32_t ifindex, uint32_t nr_queues)
{
	struct queue_count c = {0};
	bool seen[2][FIXTURE_QUEUES] = {{false}};
	int i;

	for (i = 0; i < replies.n; i++) {
		const struct nlmsghdr *nlh = reply(i);
		const struct nlattr *dmabuf =
			genl_attr(nlh, NETDEV_A_QUEUE_DMABUF);
		uint64_t type = attr_uint(nlh, NETDEV_A_QUEUE_TYPE);
		uint64_t id = attr_uint(nlh, NETDEV_A_QUEUE_ID);

		assert_true(nlh->nlmsg_flags & NLM_F_MULTI);
		if (attr_uint(nlh, NETDEV_A_QUEUE_IFINDEX) != ifindex)
			continue;
		assert_in_range(type, NETDEV_QUEUE_TYPE_RX,
				NETDEV_QUEUE_TYPE_TX);
		assert_in_range(id, 0, nr_queues - 1);
		assert_false(seen[type][id]);
		seen[type][id] = true;
		if (type == NETDEV_QUEUE_TYPE_RX)
			c.rx++;
		else
			c.tx++;
		if (dmabuf) {
			assert_int_equal(type, NETDEV_QUEUE_TYPE_RX);
			c.with_dmabuf++;
			c.dmabuf_queue = (uint32_t)id;
			c.dmabuf_id = mnl_attr_get_u32(dmabuf);
		}
	}
	return c;
}

/* S-1.4: a queue-get dump lists RX and TX queues of every device; a filter
 * narrows it. */
static void test_queue_get_dump(void **state)
{
	struct fixture *f = *state;
	uint32_t eth1 = add_eth1(f);
	struct queue_count c;
	struct nlmsghdr *nlh;
	struct nl_result r;
	union nl_buf b;
	long id = bind_queue(f, 3);

	assert_ok(query(f, genl_req(&b, netdev_id(f), NETDEV_CMD_QUEUE_GET,
				    NLM_F_DUMP)));
	/* combined channels: eth0 has 8 + 8, eth1 2 + 2 */
	assert_int_equal(replies.n, 2 * FIXTURE_QUEUES + 2 * 2);
	c = count_queues(f->ifindex, FIXTURE_QUEUES);
	assert_int_equal(c.rx, FIXTURE_QUEUES);
	assert_int_equal(c.tx, FIXTURE_QUEUES);
	assert_int_equal(c.with_dmabuf, 1);
	assert_int_equal(c.dmabuf_queue, 3);
	assert_int_equal(c.dmabuf_id, id);
	c = count_queues(eth1, 2);
	assert_int_equal(c.rx, 2);
	assert_int_equal(c.tx, 2);
	assert_int_equal(c.with_dmabuf, 0);

	nlh = genl_req(&b, netdev_id(f), NETDEV_CMD_QUEUE_GET, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_IFINDEX, eth1);
	assert_ok(query(f, nlh));
	assert_int_equal(replies.n, 4);
	c = count_queues(eth1, 2);
	assert_int_equal(c.rx + c.tx, 4);

	/* S-7.2: a filter naming no device is refused, not an empty dump */
	nlh = genl_req(&b, netdev_id(f), NETDEV_CMD_QUEUE_GET, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_IFINDEX, 99);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -ENODEV);
	assert_string_equal(r.msg, "ifindex: no device with index 99");
	assert_int_equal(r.replies, 0);
}

/* S-1.4, S-7.2: a queue id past the device is EINVAL naming the id attribute.
 */
static void test_queue_get_out_of_range(void **state)
{
	struct fixture *f = *state;
	struct nl_result r;
	union nl_buf b;
	struct nlmsghdr *nlh =
		queue_get(f, &b, NETDEV_QUEUE_TYPE_RX, FIXTURE_QUEUES);
	const struct nlattr *id_attr = genl_attr(nlh, NETDEV_A_QUEUE_ID);

	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -EINVAL);
	assert_non_null(strstr(r.msg, "queue id 8 out of range"));
	assert_true(r.has_offs);
	assert_int_equal(r.offs,
			 (uint32_t)((const char *)id_attr - (const char *)nlh));
	assert_int_equal(r.replies, 0);
}

/* ---- page-pool-get ----------------------------------------------------- */

/*
 * S-1.4, S-2.3: one pool per active RX queue; the bound queue's pool names
 * the binding.
 */
static void test_page_pool_dump(void **state)
{
	struct fixture *f = *state;
	uint32_t want[FIXTURE_QUEUES], bound_pool;
	bool seen[FIXTURE_QUEUES] = {false};
	union nl_buf b;
	unsigned int q;
	long id;
	int i;

	id = bind_queue(f, 1);
	bound_pool = rxq(f, 1).page_pool_id;
	for (q = 0; q < FIXTURE_QUEUES; q++)
		want[q] = rxq(f, q).page_pool_id;

	assert_ok(query(f, genl_req(&b, netdev_id(f), NETDEV_CMD_PAGE_POOL_GET,
				    NLM_F_DUMP)));
	assert_int_equal(replies.n, FIXTURE_QUEUES);
	for (i = 0; i < replies.n; i++) {
		const struct nlmsghdr *nlh = reply(i);
		uint64_t pool = attr_uint(nlh, NETDEV_A_PAGE_POOL_ID);
		const struct nlattr *dmabuf =
			genl_attr(nlh, NETDEV_A_PAGE_POOL_DMABUF);

		assert_int_equal(reply_cmd(nlh), NETDEV_CMD_PAGE_POOL_GET);
		assert_true(nlh->nlmsg_flags & NLM_F_MULTI);
		assert_int_equal(attr_uint(nlh, NETDEV_A_PAGE_POOL_IFINDEX),
				 f->ifindex);
		for (q = 0; q < FIXTURE_QUEUES && want[q] != pool; q++)
			;
		if (q == FIXTURE_QUEUES)
			fail_msg("pool %llu is no queue's pool",
				 (unsigned long long)pool);
		assert_false(seen[q]);
		seen[q] = true;
		if (pool == bound_pool) {
			assert_non_null(dmabuf);
			assert_int_equal(mnl_attr_get_u32(dmabuf), id);
			/* S-2.4: every net_iov the queue posted is in flight */
			assert_int_equal(
				attr_uint(nlh, NETDEV_A_PAGE_POOL_INFLIGHT),
				rxq(f, 1).posted);
		} else {
			assert_null(dmabuf);
		}
	}
}

static struct nlmsghdr *page_pool_get(struct fixture *f, union nl_buf *b,
				      uint32_t pool)
{
	struct nlmsghdr *nlh =
		genl_req(b, netdev_id(f), NETDEV_CMD_PAGE_POOL_GET, 0);

	mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_ID, pool);
	return nlh;
}

/* S-1.4: page-pool-get by id answers that pool; an unknown id is ENOENT. */
static void test_page_pool_do(void **state)
{
	struct fixture *f = *state;
	long id = bind_queue(f, 1);
	uint32_t bound_pool = rxq(f, 1).page_pool_id;
	uint32_t host_pool = rxq(f, 2).page_pool_id;
	struct nlmsghdr *nlh;
	struct nl_result r;
	union nl_buf b;

	assert_ok(query(f, page_pool_get(f, &b, bound_pool)));
	assert_int_equal(replies.n, 1);
	assert_false(reply(0)->nlmsg_flags & NLM_F_MULTI);
	assert_int_equal(attr_uint(reply(0), NETDEV_A_PAGE_POOL_ID),
			 bound_pool);
	assert_int_equal(attr_uint(reply(0), NETDEV_A_PAGE_POOL_IFINDEX),
			 f->ifindex);
	assert_int_equal(attr_uint(reply(0), NETDEV_A_PAGE_POOL_DMABUF), id);

	assert_ok(query(f, page_pool_get(f, &b, host_pool)));
	assert_int_equal(replies.n, 1);
	assert_int_equal(attr_uint(reply(0), NETDEV_A_PAGE_POOL_ID), host_pool);
	assert_null(genl_attr(reply(0), NETDEV_A_PAGE_POOL_DMABUF));

	nlh = page_pool_get(f, &b, 100000);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -ENOENT);
	assert_non_null(strstr(r.msg, "no page pool 100000"));
	assert_true(r.has_offs);
	assert_int_equal(r.offs, NLMSG_HDRLEN + GENL_HDRLEN);
	assert_int_equal(r.replies, 0);

	/* ids start at 1: 0 is out of the policy's range */
	nlh = page_pool_get(f, &b, 0);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -ERANGE);
	assert_non_null(strstr(r.msg, "page pool id"));
}

/* ---- page-pool-stats-get ----------------------------------------------- */

struct pool_stats {
	uint32_t id;
	uint64_t alloc_fast, alloc_slow, alloc_empty;
};

static struct pool_stats stats_of(const struct nlmsghdr *nlh)
{
	const struct nlattr *info =
		genl_attr(nlh, NETDEV_A_PAGE_POOL_STATS_INFO);
	const struct nlattr *id;
	struct pool_stats s;

	assert_int_equal(reply_cmd(nlh), NETDEV_CMD_PAGE_POOL_STATS_GET);
	assert_non_null(info);
	assert_true(info->nla_type & NLA_F_NESTED);
	id = nested_attr(info, NETDEV_A_PAGE_POOL_ID);
	assert_non_null(id);
	s.id = (uint32_t)uint_of(id);
	s.alloc_fast = attr_uint(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_FAST);
	s.alloc_slow = attr_uint(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_SLOW);
	s.alloc_empty = attr_uint(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_EMPTY);
	return s;
}

static struct pool_stats pool_stats(struct fixture *f, uint32_t pool)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	union nl_buf b;

	nlh = genl_req(&b, netdev_id(f), NETDEV_CMD_PAGE_POOL_STATS_GET, 0);
	nest = mnl_attr_nest_start(nlh, NETDEV_A_PAGE_POOL_STATS_INFO);
	mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_ID, pool);
	mnl_attr_nest_end(nlh, nest);
	assert_ok(query(f, nlh));
	assert_int_equal(replies.n, 1);
	return stats_of(reply(0));
}

/*
 * S-2.4, S-2.3: the bound pool's stats count each buffer the queue posted as
 * a provider allocation, and the dma-buf (64 pages) running dry before the
 * ring (256) is full as an empty-pool stall; host memory never runs dry.
 */
static void test_page_pool_stats(void **state)
{
	struct fixture *f = *state;
	struct dml_rxq_info bound;
	struct pool_stats s, host, again;
	union nl_buf b;
	bool found = false;
	int i;

	bind_queue(f, 1);
	bound = rxq(f, 1);
	assert_int_equal(bound.posted, FIXTURE_PAGES);

	s = pool_stats(f, bound.page_pool_id);
	assert_int_equal(s.id, bound.page_pool_id);
	assert_int_equal(s.alloc_slow, bound.posted);
	assert_int_equal(s.alloc_fast, 0);
	assert_true(s.alloc_empty > 0);

	host = pool_stats(f, rxq(f, 2).page_pool_id);
	assert_int_equal(host.alloc_slow, DML_DEFAULT_RX_RING_SIZE);
	assert_int_equal(host.alloc_empty, 0);

	/* another refill finds the pool still empty: the stall is counted again
	 */
	assert_errno(dml_netdev_rxq_refill(f->dev, 1), -ENOBUFS);
	again = pool_stats(f, bound.page_pool_id);
	assert_int_equal(again.alloc_empty, s.alloc_empty + 1);
	assert_int_equal(again.alloc_slow, s.alloc_slow);

	/* the dump carries the same numbers for every pool */
	assert_ok(
		query(f, genl_req(&b, netdev_id(f),
				  NETDEV_CMD_PAGE_POOL_STATS_GET, NLM_F_DUMP)));
	assert_int_equal(replies.n, FIXTURE_QUEUES);
	for (i = 0; i < replies.n; i++) {
		struct pool_stats d = stats_of(reply(i));

		if (d.id != bound.page_pool_id)
			continue;
		found = true;
		assert_int_equal(d.alloc_slow, s.alloc_slow);
		assert_int_equal(d.alloc_empty, s.alloc_empty + 1);
	}
	assert_true(found);
}

/* S-2.4, S-7.2: stats selected by ifindex are not supported, and say so. */
static void test_page_pool_stats_by_ifindex(void **state)
{
	struct fixture *f = *state;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nl_result r;
	union nl_buf b;
	long offs;

	nlh = genl_req(&b, netdev_id(f), NETDEV_CMD_PAGE_POOL_STATS_GET, 0);
	nest = mnl_attr_nest_start(nlh, NETDEV_A_PAGE_POOL_STATS_INFO);
	offs = (long)nlh->nlmsg_len;
	mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_IFINDEX, f->ifindex);
	mnl_attr_nest_end(nlh, nest);

	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -EOPNOTSUPP);
	assert_non_null(strstr(r.msg, "ifindex"));
	assert_true(r.has_offs);
	assert_int_equal(r.offs, offs);
	assert_int_equal(r.replies, 0);
}

/* ---- nlctrl ------------------------------------------------------------ */

/*
 * S-1.4: GETFAMILY "netdev" gives the id the other calls use, version 1, and
 * the commands dev-get 1, page-pool-get 5, page-pool-stats-get 9,
 * queue-get 10 and bind-rx 13, only bind-rx needing admin (S-3.7).
 */
static void test_getfamily_netdev(void **state)
{
	static const uint32_t queries[] = {
		NETDEV_CMD_DEV_GET,
		NETDEV_CMD_PAGE_POOL_GET,
		NETDEV_CMD_PAGE_POOL_STATS_GET,
		NETDEV_CMD_QUEUE_GET,
	};
	struct fixture *f = *state;
	uint32_t flags[256] = {0};
	bool seen[256] = {false};
	const struct nlattr *ops, *op;
	struct nlmsghdr *nlh;
	union nl_buf b;
	uint64_t id;
	size_t i;

	nlh = genl_req(&b, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY_NAME);
	assert_ok(query(f, nlh));
	assert_int_equal(replies.n, 1);
	assert_int_equal(reply(0)->nlmsg_type, GENL_ID_CTRL);
	assert_int_equal(reply_cmd(reply(0)), CTRL_CMD_NEWFAMILY);

	id = attr_uint(reply(0), CTRL_ATTR_FAMILY_ID);
	assert_true(id >= NLMSG_MIN_TYPE);
	assert_int_not_equal(id, GENL_ID_CTRL);
	assert_int_equal(id, netdev_id(f));
	assert_string_equal(
		mnl_attr_get_str(genl_attr(reply(0), CTRL_ATTR_FAMILY_NAME)),
		"netdev");
	assert_int_equal(attr_uint(reply(0), CTRL_ATTR_VERSION), 1);

	ops = genl_attr(reply(0), CTRL_ATTR_OPS);
	assert_non_null(ops);
	mnl_attr_for_each_nested(op, ops) {
		const struct nlattr *cmd = nested_attr(op, CTRL_ATTR_OP_ID);
		const struct nlattr *op_flags =
			nested_attr(op, CTRL_ATTR_OP_FLAGS);

		assert_non_null(cmd);
		assert_non_null(op_flags);
		assert_in_range(mnl_attr_get_u32(cmd), 1, 255);
		assert_false(seen[mnl_attr_get_u32(cmd)]);
		seen[mnl_attr_get_u32(cmd)] = true;
		flags[mnl_attr_get_u32(cmd)] = mnl_attr_get_u32(op_flags);
	}

	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		assert_true(seen[queries[i]]);
		assert_false(flags[queries[i]] & GENL_ADMIN_PERM);
		assert_true(flags[queries[i]] & GENL_CMD_CAP_DO);
		assert_true(flags[queries[i]] & GENL_CMD_CAP_DUMP);
	}
	assert_true(seen[NETDEV_CMD_BIND_RX]);
	assert_true(flags[NETDEV_CMD_BIND_RX] & GENL_ADMIN_PERM);
	assert_true(flags[NETDEV_CMD_BIND_RX] & GENL_CMD_CAP_DO);
	assert_false(flags[NETDEV_CMD_BIND_RX] & GENL_CMD_CAP_DUMP);
}

#define T(fn) \
	cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dev_get_do),
		T(test_dev_get_dump),
		T(test_dev_get_unknown),
		T(test_dev_get_missing_ifindex),
		T(test_queue_get_do),
		T(test_queue_get_dump),
		T(test_queue_get_out_of_range),
		T(test_page_pool_dump),
		T(test_page_pool_do),
		T(test_page_pool_stats),
		T(test_page_pool_stats_by_ifindex),
		T(test_getfamily_netdev),
	};

	return RUN_TESTS(tests);
}
