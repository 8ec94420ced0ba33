// SPDX-License-Identifier: MIT
/* bind-rx: S-3.1 refusals, S-3.2 restart, S-3.3 lifetime, S-3.4 mode, S-3.7 permission. */
#include <fcntl.h>
#include <unistd.h>

#include "host.h"
#include "test_helpers.h"

static const uint32_t q7[] = { 7 };
static const uint32_t q5[] = { 5 };

static struct dml_rxq_info rxq(struct fixture *f, unsigned int index)
{
	struct dml_rxq_info info;

	assert_ok(dml_netdev_rxq_info(f->dev, index, &info));
	return info;
}

/* S-3.1: a proper bind returns a binding id >= 1. */
static void test_bind_ok(void **state)
{
	struct fixture *f = *state;
	long id = fixture_bind(f, f->nl, q7, 1, 0);

	assert_true(id >= 1);
	assert_int_equal(rxq(f, 7).dmabuf_id, id);
	assert_string_equal(f->errmsg, "");
}

/* Raw bind-rx with some attributes left out; returns the result. */
static int bind_raw(struct fixture *f, bool ifindex, bool fd, bool queue,
		    struct nl_result *r)
{
	union nl_buf b;
	struct nlmsghdr *nlh = genl_req(&b, (uint16_t)netdev_family(f->nl),
					NETDEV_CMD_BIND_RX, 0);
	struct nlattr *nest;

	if (ifindex)
		mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_IFINDEX, f->ifindex);
	if (fd)
		mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_FD, (uint32_t)dml_dmabuf_fd(f->buf));
	if (queue) {
		nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);
		mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, 1);
		mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
		mnl_attr_nest_end(nlh, nest);
	}
	return nl_exchange(f->nl, nlh, nlh->nlmsg_len, r);
}

/* S-3.1: ifindex, fd and at least one queue are required. */
static void test_bind_requires_attrs(void **state)
{
	struct fixture *f = *state;
	struct nl_result r;

	assert_errno(bind_raw(f, false, true, true, &r), -EINVAL);
	assert_true(r.has_miss_type);
	assert_int_equal(r.miss_type, NETDEV_A_DMABUF_IFINDEX);
	assert_string_equal(r.msg, "missing attribute: ifindex");

	assert_errno(bind_raw(f, true, false, true, &r), -EINVAL);
	assert_int_equal(r.miss_type, NETDEV_A_DMABUF_FD);
	assert_string_equal(r.msg, "missing attribute: fd");

	assert_errno(bind_raw(f, true, true, false, &r), -EINVAL);
	assert_int_equal(r.miss_type, NETDEV_A_DMABUF_QUEUES);
	assert_string_equal(r.msg, "missing attribute: queues");

	assert_errno(bind_raw(f, true, true, true, &r), 0);
	assert_int_equal(r.replies, 1);
}

/*
 * S-3.1: queue id beyond the device is EINVAL with the id attribute named,
 * as netdev_nl_read_rxq_bitmap() in the series' base says.
 */
static void test_bind_queue_out_of_range(void **state)
{
	struct fixture *f = *state;
	union nl_buf b;
	struct nlmsghdr *nlh = genl_req(&b, (uint16_t)netdev_family(f->nl),
					NETDEV_CMD_BIND_RX, 0);
	struct nlattr *nest, *id_attr;
	struct nl_result r;

	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_IFINDEX, f->ifindex);
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_FD, (uint32_t)dml_dmabuf_fd(f->buf));
	nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);
	id_attr = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, FIXTURE_QUEUES);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
	mnl_attr_nest_end(nlh, nest);

	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -EINVAL);
	assert_non_null(strstr(r.msg, "rx queue index 8 out of range"));
	assert_true(r.has_offs);
	assert_int_equal(r.offs, (uint32_t)((char *)id_attr - (char *)nlh));
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
}

/*
 * S-3.1 / S-3.4: the queues are checked before the dma-buf is imported or
 * the mode claimed, as in the series' base: a bad queue is EINVAL in the
 * other mode too (not EBUSY), and a bad fd with a bad queue is EINVAL.
 */
static void test_bind_queues_checked_first(void **state)
{
	struct fixture *f = *state;
	const uint32_t bad[] = { 6, 99 };
	struct dml_bind_rx_req req = {
		.ifindex = f->ifindex, .dmabuf_fd = 1000,
		.queues = bad, .nr_queues = 2, .autorelease = 0,
	};
	uint32_t id;

	assert_errno(dml_bind_rx(f->nl, &req, &id, f->errmsg, sizeof(f->errmsg)), -EINVAL);
	assert_non_null(strstr(f->errmsg, "rx queue index 99 out of range"));
	assert_true(fixture_bind(f, f->nl, q7, 1, 0) >= 1);
	assert_errno(fixture_bind(f, f->nl, bad, 2, 1), -EINVAL);
	assert_non_null(strstr(f->errmsg, "rx queue index 99 out of range"));
	assert_int_equal(rxq(f, 6).dmabuf_id, 0);
	assert_int_equal(dml_host_autorelease_mode(f->host), 0);
	/* a good queue list in the other mode is what gets EBUSY */
	assert_errno(fixture_bind(f, f->nl, q5, 1, 1), -EBUSY);
}

/*
 * S-3.1: a queue listed twice is one queue (the base's bitmap), bound once:
 * the bind succeeds and unbinding restarts it once.
 */
static void test_bind_queue_listed_twice(void **state)
{
	struct fixture *f = *state;
	const uint32_t twice[] = { 6, 6 };
	struct dml_rxq_info before = rxq(f, 6);
	struct dml_nl_sock *nl;
	struct dml_binding_info info;
	long id;

	assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &nl));
	id = fixture_bind(f, nl, twice, 2, 0);
	assert_true(id >= 1);
	assert_int_equal(rxq(f, 6).dmabuf_id, id);
	assert_int_equal(rxq(f, 6).restarts, before.restarts + 1);
	/* one bound queue is one user */
	assert_ok(dml_binding_info(f->host, (uint32_t)id, &info));
	assert_int_equal(info.users, 1);
	dml_nl_close(nl);
	assert_int_equal(rxq(f, 6).dmabuf_id, 0);
	assert_int_equal(rxq(f, 6).restarts, before.restarts + 2);
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
}

/* S-3.1: a TX queue cannot be bound. */
static void test_bind_tx_queue(void **state)
{
	struct fixture *f = *state;
	union nl_buf b;
	struct nlmsghdr *nlh = genl_req(&b, (uint16_t)netdev_family(f->nl),
					NETDEV_CMD_BIND_RX, 0);
	struct nlattr *nest, *type_attr;
	struct nl_result r;

	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_IFINDEX, f->ifindex);
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_FD, (uint32_t)dml_dmabuf_fd(f->buf));
	nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, 1);
	type_attr = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_TX);
	mnl_attr_nest_end(nlh, nest);

	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), -EINVAL);
	assert_string_equal(r.msg, "queue type: only rx queues can be bound");
	assert_true(r.has_offs);
	assert_int_equal(r.offs, (uint32_t)((char *)type_attr - (char *)nlh));
	assert_int_equal(rxq(f, 1).dmabuf_id, 0);
}

/* S-3.1: a queue already bound refuses a second binding. */
static void test_bind_queue_already_bound(void **state)
{
	struct fixture *f = *state;
	const uint32_t q[] = { 6, 7 };
	long id = fixture_bind(f, f->nl, q7, 1, 0);

	assert_true(id >= 1);
	assert_errno(fixture_bind(f, f->nl, q, 2, 0), -EEXIST);
	assert_non_null(strstr(f->errmsg, "designated queue 7 already memory provider bound"));
	/* The failed bind undid queue 6, which it had bound first. */
	assert_int_equal(rxq(f, 6).dmabuf_id, 0);
	assert_int_equal(rxq(f, 7).dmabuf_id, id);
}

/* S-3.1: header split must be on. */
static void test_bind_needs_header_split(void **state)
{
	struct fixture *f = *state;

	assert_ok(dml_netdev_set_header_split(f->dev, false));
	assert_errno(fixture_bind(f, f->nl, q7, 1, 0), -EINVAL);
	assert_string_equal(f->errmsg, "tcp-data-split is disabled");
	assert_ok(dml_netdev_set_header_split(f->dev, true));
	assert_true(fixture_bind(f, f->nl, q7, 1, 0) >= 1);
	/* and cannot be turned off under a bound queue */
	assert_errno(dml_netdev_set_header_split(f->dev, false), -EINVAL);
}

/* S-3.1: ifindex must be >= 1 and name a device. */
static void test_bind_bad_ifindex(void **state)
{
	struct fixture *f = *state;
	struct dml_bind_rx_req req = {
		.ifindex = 0, .dmabuf_fd = dml_dmabuf_fd(f->buf),
		.queues = q7, .nr_queues = 1, .autorelease = -1,
	};
	uint32_t id;

	assert_errno(dml_bind_rx(f->nl, &req, &id, f->errmsg, sizeof(f->errmsg)), -ERANGE);
	assert_non_null(strstr(f->errmsg, "ifindex: integer 0 out of range"));
	req.ifindex = 99;
	assert_errno(dml_bind_rx(f->nl, &req, &id, f->errmsg, sizeof(f->errmsg)), -ENODEV);
	assert_string_equal(f->errmsg, "ifindex: no device with index 99");
}

/* S-3.1 and S-2.1: the fd must be an open dma-buf. */
static void test_bind_bad_fd(void **state)
{
	struct fixture *f = *state;
	struct dml_bind_rx_req req = {
		.ifindex = f->ifindex, .dmabuf_fd = 1000,
		.queues = q7, .nr_queues = 1, .autorelease = -1,
	};
	int pipefd[2];
	uint32_t id;

	assert_errno(dml_bind_rx(f->nl, &req, &id, f->errmsg, sizeof(f->errmsg)), -EBADF);
	assert_non_null(strstr(f->errmsg, "not an open file"));
	assert_ok(pipe(pipefd));
	req.dmabuf_fd = pipefd[0];
	assert_errno(dml_bind_rx(f->nl, &req, &id, f->errmsg, sizeof(f->errmsg)), -EINVAL);
	assert_non_null(strstr(f->errmsg, "is not a dma-buf"));
	close(pipefd[0]);
	close(pipefd[1]);
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
}

/* S-3.2: binding restarts the queue onto the binding's page pool, unbinding back. */
static void test_bind_restarts_queue(void **state)
{
	struct fixture *f = *state;
	struct dml_rxq_info before = rxq(f, 7), bound, after;
	struct dml_nl_sock *nl;

	assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &nl));
	assert_true(fixture_bind(f, nl, q7, 1, 0) >= 1);
	bound = rxq(f, 7);
	assert_int_equal(bound.restarts, before.restarts + 1);
	assert_int_not_equal(bound.page_pool_id, before.page_pool_id);
	/* S-2.3: the dma-buf has fewer pages than the ring: the rest is a stall */
	assert_int_equal(bound.posted, FIXTURE_PAGES);
	assert_true(bound.stalls > before.stalls);
	assert_int_equal(rxq(f, 6).restarts, before.restarts);

	dml_nl_close(nl);
	after = rxq(f, 7);
	assert_int_equal(after.restarts, bound.restarts + 1);
	assert_int_equal(after.dmabuf_id, 0);
	assert_int_equal(after.posted, DML_DEFAULT_RX_RING_SIZE);
}

/* S-3.3: closing the netlink socket unbinds everything it made. */
static void test_close_unbinds(void **state)
{
	struct fixture *f = *state;
	struct dml_nl_sock *nl;

	assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &nl));
	assert_true(fixture_bind(f, nl, q7, 1, 1) >= 1);
	assert_true(fixture_bind(f, nl, q5, 1, 1) >= 1);
	assert_int_not_equal(rxq(f, 7).dmabuf_id, 0);
	dml_nl_close(nl);
	assert_int_equal(rxq(f, 7).dmabuf_id, 0);
	assert_int_equal(rxq(f, 5).dmabuf_id, 0);
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
	/* the queues are free again */
	assert_true(fixture_bind(f, f->nl, q7, 1, 0) >= 1);
}

/* S-3.4: one mode for the system while any RX binding exists. */
static void test_single_mode(void **state)
{
	struct fixture *f = *state;
	const uint32_t q6[] = { 6 };
	struct dml_nl_sock *nl;

	assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &nl));
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
	assert_true(fixture_bind(f, nl, q7, 1, 0) >= 1);
	assert_int_equal(dml_host_autorelease_mode(f->host), 0);

	assert_errno(fixture_bind(f, f->nl, q6, 1, 1), -EBUSY);
	assert_string_equal(f->errmsg, "System already configured with autorelease=0");
	assert_int_equal(rxq(f, 6).dmabuf_id, 0);
	/* the same mode is fine, absent means 0 */
	assert_true(fixture_bind(f, f->nl, q6, 1, -1) >= 1);
	assert_int_equal(dml_host_autorelease_mode(f->host), 0);

	dml_nl_close(nl);
	/* one binding left: still mode 0 */
	assert_errno(fixture_bind(f, f->nl, q5, 1, 1), -EBUSY);
	dml_nl_close(f->nl);
	f->nl = NULL;
	/* S-3.4: the last RX binding freed, the other mode is allowed */
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
	assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &f->nl));
	assert_true(fixture_bind(f, f->nl, q5, 1, 1) >= 1);
	assert_int_equal(dml_host_autorelease_mode(f->host), 1);
}

/*
 * S-3.4 / S-3.5: a bind that fails leaves the mode and the key as they
 * were, also one that fails after claiming the mode (a queue that cannot
 * be bound): on an idle host the key is back at its default, 0.
 */
static void test_failed_bind_keeps_mode(void **state)
{
	struct fixture *f = *state;
	const uint32_t bad[] = { 6, 99 }, q67[] = { 6, 7 };
	struct dml_nl_sock *nl;

	assert_errno(fixture_bind(f, f->nl, bad, 2, 1), -EINVAL);
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
	assert_int_equal(dml_binding_mode_key(&f->host->bindings), 0);

	/* fails at the queue, after the mode was claimed for it */
	assert_ok(dml_netdev_set_header_split(f->dev, false));
	assert_errno(fixture_bind(f, f->nl, q7, 1, 1), -EINVAL);
	assert_string_equal(f->errmsg, "tcp-data-split is disabled");
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
	assert_int_equal(dml_binding_mode_key(&f->host->bindings), 0);
	assert_ok(dml_netdev_set_header_split(f->dev, true));

	/* a live autorelease = 1 binding keeps its key through a failed bind */
	assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &nl));
	assert_true(fixture_bind(f, nl, q7, 1, 1) >= 1);
	assert_errno(fixture_bind(f, f->nl, q67, 2, 1), -EEXIST);
	assert_int_equal(rxq(f, 6).dmabuf_id, 0);
	assert_int_equal(dml_host_autorelease_mode(f->host), 1);
	assert_int_equal(dml_binding_mode_key(&f->host->bindings), 1);
	dml_nl_close(nl);
	assert_int_equal(dml_binding_mode_key(&f->host->bindings), 0);

	assert_true(fixture_bind(f, f->nl, q7, 1, 0) >= 1);
	assert_errno(fixture_bind(f, f->nl, bad, 2, 0), -EINVAL);
	assert_int_equal(dml_host_autorelease_mode(f->host), 0);
}

/* S-1.4 / S-3.4: autorelease also as a flag (means 1) or a u32; 2 is out of range. */
static void test_autorelease_encodings(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int len;	/* 0 flag, 1 u8, 4 u32 */
		uint32_t value;
		int want_err;
		int want_mode;
	} rows[] = {
		{ 0, 0, 0, 1 },
		{ 1, 1, 0, 1 },
		{ 4, 1, 0, 1 },
		{ 4, 0, 0, 0 },
		{ 1, 2, -ERANGE, -1 },
		{ 4, 7, -ERANGE, -1 },
		{ 2, 1, -EINVAL, -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct dml_nl_sock *nl;
		struct nl_result r;
		struct nlattr *nest;
		union nl_buf b;
		struct nlmsghdr *nlh;
		uint8_t u8 = (uint8_t)rows[i].value;
		uint16_t u16 = (uint16_t)rows[i].value;

		assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &nl));
		nlh = genl_req(&b, (uint16_t)netdev_family(nl), NETDEV_CMD_BIND_RX, 0);
		mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_IFINDEX, f->ifindex);
		mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_FD, (uint32_t)dml_dmabuf_fd(f->buf));
		nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);
		mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, 3);
		mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
		mnl_attr_nest_end(nlh, nest);
		if (rows[i].len == 0)
			mnl_attr_put(nlh, NETDEV_A_DMABUF_AUTORELEASE, 0, NULL);
		else if (rows[i].len == 1)
			mnl_attr_put(nlh, NETDEV_A_DMABUF_AUTORELEASE, 1, &u8);
		else if (rows[i].len == 2)
			mnl_attr_put(nlh, NETDEV_A_DMABUF_AUTORELEASE, 2, &u16);
		else
			mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_AUTORELEASE, rows[i].value);
		assert_errno(nl_exchange(nl, nlh, nlh->nlmsg_len, &r), rows[i].want_err);
		if (rows[i].want_err)
			assert_non_null(strstr(r.msg, "autorelease"));
		assert_int_equal(dml_host_autorelease_mode(f->host), rows[i].want_mode);
		dml_nl_close(nl);
		assert_int_equal(dml_host_autorelease_mode(f->host), -1);
	}
}

/* S-3.7: bind-rx needs admin permission; without it nothing changes. */
static void test_bind_needs_admin(void **state)
{
	struct fixture *f = *state;
	struct dml_nl_sock *user;
	struct dml_rxq_info before = rxq(f, 7);

	assert_ok(dml_nl_open(f->host, 0, &user));
	assert_errno(fixture_bind(f, user, q7, 1, 0), -EPERM);
	assert_string_equal(f->errmsg, "netdev: command 13 needs admin permission (CAP_NET_ADMIN)");
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
	assert_int_equal(rxq(f, 7).dmabuf_id, 0);
	assert_int_equal(rxq(f, 7).restarts, before.restarts);
	/* queries need no permission */
	assert_true(netdev_family(user) > 0);
	dml_nl_close(user);
}

/*
 * S-3.5: the data path branches on one host value (the static key) that a
 * mode change writes and nothing else does, refused binds included.
 */
static void test_mode_key_follows_mode(void **state)
{
	struct fixture *f = *state;
	const uint32_t q6[] = { 6 };
	struct dml_nl_sock *nl;

	assert_int_equal(dml_binding_mode_key(&f->host->bindings), 0);
	assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &nl));
	assert_true(fixture_bind(f, nl, q7, 1, 1) >= 1);
	assert_int_equal(dml_binding_mode_key(&f->host->bindings), 1);
	assert_errno(fixture_bind(f, f->nl, q6, 1, 0), -EBUSY);
	assert_int_equal(dml_binding_mode_key(&f->host->bindings), 1);
	/* S-3.4: the last RX binding freed, the key is back at 0 by itself */
	dml_nl_close(nl);
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
	assert_int_equal(dml_binding_mode_key(&f->host->bindings), 0);
	assert_true(fixture_bind(f, f->nl, q6, 1, 1) >= 1);
	assert_int_equal(dml_binding_mode_key(&f->host->bindings), 1);
}

/* S-2.2: binding ids are allocated cyclically from 1, never reused at once. */
static void test_binding_ids_cyclic(void **state)
{
	struct fixture *f = *state;
	long first, second, third;
	struct dml_nl_sock *nl;

	assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &nl));
	first = fixture_bind(f, nl, q7, 1, 0);
	assert_int_equal(first, 1);
	dml_nl_close(nl);
	assert_ok(dml_nl_open(f->host, DML_NL_ADMIN, &nl));
	second = fixture_bind(f, nl, q7, 1, 0);
	assert_int_equal(second, 2);
	third = fixture_bind(f, f->nl, (const uint32_t[]){ 2 }, 1, 0);
	assert_int_equal(third, 3);
	dml_nl_close(nl);
}

/*
 * S-3.1 (ncdevmem probe): the channel count cannot shrink below a bound
 * queue; inactive queues hold no buffers.
 */
static void test_channels_respect_bound_queue(void **state)
{
	struct fixture *f = *state;
	struct dml_rxq_info info;

	assert_true(fixture_bind(f, f->nl, q5, 1, 0) >= 1);
	assert_ok(dml_netdev_set_rss(f->dev, 0, 4));
	assert_errno(dml_netdev_set_channels(f->dev, 5), -EBUSY);
	assert_ok(dml_netdev_set_channels(f->dev, 6));
	assert_ok(dml_netdev_rxq_info(f->dev, 7, &info));
	assert_false(info.active);
	assert_int_equal(info.posted, 0);
	assert_errno(dml_netdev_rxq_refill(f->dev, 7), -ENETDOWN);
	assert_errno(dml_netdev_set_channels(f->dev, 0), -EINVAL);
	assert_errno(dml_netdev_set_channels(f->dev, FIXTURE_QUEUES + 1), -EINVAL);

	/* growing brings queues back on host memory */
	assert_ok(dml_netdev_set_channels(f->dev, FIXTURE_QUEUES));
	assert_ok(dml_netdev_rxq_info(f->dev, 7, &info));
	assert_true(info.active);
	assert_int_equal(info.posted, DML_DEFAULT_RX_RING_SIZE);
	assert_int_equal(info.dmabuf_id, 0);
	/* a queue beyond the channel count cannot be bound */
	assert_ok(dml_netdev_set_channels(f->dev, 6));
	assert_errno(fixture_bind(f, f->nl, (const uint32_t[]){ 7 }, 1, 0), -EINVAL);
}

/*
 * S-3.1 through ethtool -L (issue 15): as the kernel's channels check, a
 * bound queue that would go is EINVAL; a change that keeps it (unlike the
 * kernel's off-by-one, docs/deviations.md) and one of TX only succeed.
 */
static void test_channels_ethtool_bound_queue(void **state)
{
	struct fixture *f = *state;
	struct dml_netdev_channels ch;

	assert_true(fixture_bind(f, f->nl, q5, 1, 0) >= 1);
	assert_errno(dml_netdev_set_channels_ethtool(f->dev, 5, -1, -1), -EINVAL);
	assert_errno(dml_netdev_set_channels_ethtool(f->dev, 1, -1, 4), -EINVAL);
	assert_ok(dml_netdev_set_channels_ethtool(f->dev, 2, -1, 4));
	assert_ok(dml_netdev_set_channels_ethtool(f->dev, -1, 4, -1));
	assert_ok(dml_netdev_get_channels(f->dev, &ch));
	assert_int_equal(ch.rx, 2);
	assert_int_equal(ch.tx, 4);
	assert_int_equal(ch.combined, 4);
	/* header split stays on while bound, as before */
	assert_errno(dml_netdev_set_header_split(f->dev, false), -EINVAL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bind_ok),
		T(test_bind_requires_attrs),
		T(test_bind_queue_out_of_range),
		T(test_bind_queues_checked_first),
		T(test_bind_queue_listed_twice),
		T(test_bind_tx_queue),
		T(test_bind_queue_already_bound),
		T(test_bind_needs_header_split),
		T(test_bind_bad_ifindex),
		T(test_bind_bad_fd),
		T(test_bind_restarts_queue),
		T(test_close_unbinds),
		T(test_single_mode),
		T(test_failed_bind_keeps_mode),
		T(test_autorelease_encodings),
		T(test_bind_needs_admin),
		T(test_mode_key_follows_mode),
		T(test_binding_ids_cyclic),
		T(test_channels_respect_bound_queue),
		T(test_channels_ethtool_bound_queue),
	};

	return RUN_TESTS(tests);
}
