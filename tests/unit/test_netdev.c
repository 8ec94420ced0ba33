// SPDX-License-Identifier: MIT
/*
 * The emulated NIC: channels, header split, flow steering (S-4.1: ntuple
 * rules, then RSS), refill (S-2.3, S-3.1, S-3.2).
 */
#define DML_TEST_WITHOUT_DEVMEM
#include "test_helpers.h"

static struct dml_flow flow(uint16_t sport, uint16_t dport)
{
	struct dml_flow fl = { .src_port = sport, .dst_port = dport };

	fl.src_addr[15] = 1;
	fl.dst_addr[15] = 2;
	return fl;
}

/* Device creation validates its configuration. */
static void test_create_rules(void **state)
{
	struct fixture *f = *state;
	struct dml_netdev_config cfg = {
		.name = "eth1", .max_rx_queues = 4, .rx_queues = 2, .header_split = true,
	};
	struct dml_netdev *dev;

	assert_ok(dml_netdev_create(f->host, &cfg, &dev));
	assert_int_equal(dml_netdev_ifindex(dev), f->ifindex + 1);
	assert_ptr_equal(dml_netdev_by_name(f->host, "eth1"), dev);
	assert_errno(dml_netdev_create(f->host, &cfg, &dev), -EEXIST);
	cfg.name = "eth2";
	cfg.rx_queues = 5;
	assert_errno(dml_netdev_create(f->host, &cfg, &dev), -EINVAL);
	cfg.rx_queues = 0;
	assert_errno(dml_netdev_create(f->host, &cfg, &dev), -EINVAL);
	cfg.rx_queues = 1;
	cfg.name = "a-name-longer-than-15";
	assert_errno(dml_netdev_create(f->host, &cfg, &dev), -EINVAL);
	assert_null(dml_netdev_by_name(f->host, "eth2"));
}

/*
 * Channels cannot shrink under an RSS spread the user set or an ntuple rule;
 * the default spread follows the channel count (issue 15: as a driver's
 * default indirection table does).
 */
static void test_channels_respect_steering(void **state)
{
	struct fixture *f = *state;
	struct dml_flow fl = flow(1000, 5201);
	unsigned int seen = 0;
	int rule, i;

	assert_ok(dml_netdev_set_channels(f->dev, 2));
	for (i = 0; i < 64; i++) {
		fl = flow((uint16_t)(1000 + i), 80);
		seen |= 1u << dml_netdev_steer(f->dev, &fl);
	}
	assert_int_equal(seen, 0x3);
	assert_ok(dml_netdev_set_channels(f->dev, FIXTURE_QUEUES));
	for (i = 0; i < 256; i++) {
		fl = flow((uint16_t)(1000 + i), 80);
		seen |= 1u << dml_netdev_steer(f->dev, &fl);
	}
	assert_int_equal(seen, 0xff);

	fl = flow(1000, 5201);
	assert_ok(dml_netdev_set_rss(f->dev, 0, FIXTURE_QUEUES));
	assert_errno(dml_netdev_set_channels(f->dev, 4), -EINVAL);	/* RSS 0..7, the user's */
	assert_ok(dml_netdev_set_rss(f->dev, 0, 4));
	rule = dml_netdev_add_ntuple(f->dev, &fl, 6);
	assert_true(rule >= 0);
	assert_errno(dml_netdev_set_channels(f->dev, 4), -EINVAL);
	assert_ok(dml_netdev_del_ntuple(f->dev, rule));
	assert_errno(dml_netdev_del_ntuple(f->dev, rule), -ENOENT);
	assert_ok(dml_netdev_set_channels(f->dev, 4));
}

#define RSS_FLOWS	400

/*
 * S-4.1 steering: ntuple rules win, other flows spread over the RSS range,
 * and a flow's queue is a function of its tuple: asked again in another
 * order, between other flows and after an unrelated rule came, it is the
 * same queue.
 */
static void test_steering(void **state)
{
	struct fixture *f = *state;
	struct dml_flow match = { .dst_port = 5201 }, other = { .dst_port = 9999 };
	unsigned int seen[FIXTURE_QUEUES] = { 0 }, queue[RSS_FLOWS];
	struct dml_flow fl;
	int i;

	assert_ok(dml_netdev_set_rss(f->dev, 0, 4));
	assert_errno(dml_netdev_set_rss(f->dev, 6, 3), -EINVAL);
	assert_errno(dml_netdev_set_rss(f->dev, 0, 0), -EINVAL);
	assert_true(dml_netdev_add_ntuple(f->dev, &match, 7) >= 0);
	assert_errno(dml_netdev_add_ntuple(f->dev, &match, FIXTURE_QUEUES), -EINVAL);

	for (i = 0; i < RSS_FLOWS; i++) {
		fl = flow((uint16_t)(1000 + i), 5201);
		assert_int_equal(dml_netdev_steer(f->dev, &fl), 7);
		fl = flow((uint16_t)(1000 + i), 80);
		queue[i] = dml_netdev_steer(f->dev, &fl);
		assert_true(queue[i] < FIXTURE_QUEUES);
		seen[queue[i]]++;
	}
	/* every RSS queue gets a fair part of the flows, none outside the range */
	for (i = 0; i < 4; i++)
		assert_true(seen[i] >= RSS_FLOWS / 4 / 2);
	assert_int_equal(seen[4] + seen[5] + seen[6] + seen[7], 0);

	assert_true(dml_netdev_add_ntuple(f->dev, &other, 5) >= 0);
	for (i = RSS_FLOWS - 1; i >= 0; i--) {
		struct dml_flow stranger = flow((uint16_t)(20000 + i), 443);

		stranger.src_addr[0] = (uint8_t)i;
		dml_netdev_steer(f->dev, &stranger);
		fl = flow((uint16_t)(1000 + i), 80);
		assert_int_equal(dml_netdev_steer(f->dev, &fl), queue[i]);
	}
}

/*
 * How many queues 64 flows reach that differ from flow(1000, 80) only in
 * @field: the first or last byte of the source (0, 1) or destination (2, 3)
 * address, the source (4) or destination (5) port.
 */
static unsigned int queues_reached(struct dml_netdev *dev, int field)
{
	unsigned int seen = 0;
	int i;

	for (i = 0; i < 64; i++) {
		struct dml_flow fl = flow(1000, 80);
		uint8_t *addr = field < 2 ? fl.src_addr : fl.dst_addr;

		if (field < 4)
			addr[field % 2 ? 15 : 0] = (uint8_t)i;
		else if (field == 4)
			fl.src_port = (uint16_t)(1000 + i);
		else
			fl.dst_port = (uint16_t)(80 + i);
		seen |= 1u << dml_netdev_steer(dev, &fl);
	}
	return (unsigned int)__builtin_popcount(seen);
}

/*
 * S-4.1 RSS: the queue depends on the whole 4-tuple: changing any one
 * field, either address at either end or either port, moves flows between
 * queues.  And the tuple has a direction, as with the kernel's default
 * hash (no symmetric transform): a flow and its mirror image, source and
 * destination swapped, do not always share a queue.
 */
static void test_rss_reads_the_whole_tuple(void **state)
{
	struct fixture *f = *state;
	unsigned int differ = 0;
	int field, i;

	for (field = 0; field < 6; field++)
		if (queues_reached(f->dev, field) < 2)
			fail_msg("tuple field %d never moves the queue", field);

	for (i = 0; i < 64; i++) {
		struct dml_flow fl = flow((uint16_t)(1000 + i), (uint16_t)(2000 + 3 * i));
		struct dml_flow mirror = flow(fl.dst_port, fl.src_port);

		memcpy(mirror.src_addr, fl.dst_addr, sizeof(fl.dst_addr));
		memcpy(mirror.dst_addr, fl.src_addr, sizeof(fl.src_addr));
		differ += dml_netdev_steer(f->dev, &fl) != dml_netdev_steer(f->dev, &mirror);
	}
	assert_true(differ > 0);
}

/* S-4.1 RSS: the spread is the configured range, wherever it starts. */
static void test_rss_range(void **state)
{
	struct fixture *f = *state;
	unsigned int seen[FIXTURE_QUEUES] = { 0 };
	struct dml_flow fl;
	int i;

	assert_ok(dml_netdev_set_rss(f->dev, 2, 5));
	for (i = 0; i < RSS_FLOWS; i++) {
		fl = flow((uint16_t)(1000 + i), 80);
		seen[dml_netdev_steer(f->dev, &fl)]++;
	}
	assert_int_equal(seen[0] + seen[1] + seen[7], 0);
	for (i = 2; i < 7; i++)
		assert_true(seen[i] >= RSS_FLOWS / 5 / 2);
}

#define RX_FLOWS	12
#define RX_ROUNDS	4
/*
 * Low bits set in both bytes: over a power-of-two RSS range the queue
 * reads only the low bits of each tuple byte (FNV-1a taken modulo 2^n),
 * so with port 80 a receive path that swapped the ports would not show.
 */
#define RX_PORT		7777

/*
 * S-4.1: the receive path uses that steering: segments of many flows,
 * interleaved in a different order each round, each land on the queue
 * dml_netdev_steer() named for their flow before any traffic, and on no
 * other.  A 4096-byte segment fills exactly one host page, so the queue
 * it lands on posts one buffer less (no refill above half a ring).
 */
static void test_rx_follows_steering(void **state)
{
	struct fixture *f = *state;
	struct dml_wire_flow *wf[RX_FLOWS];
	struct dml_sock *listener, *sk[RX_FLOWS];
	unsigned int want[RX_FLOWS], hit = 0;
	unsigned char payload[4096];
	int i, r, q;

	memset(payload, 0x5a, sizeof(payload));
	assert_ok(dml_socket(f->host, SOCK_STREAM, &listener));
	assert_ok(dml_listen(listener, RX_PORT));
	for (i = 0; i < RX_FLOWS; i++) {
		struct dml_wire_flow_config cfg = { .mss = 4096, .gro_segs = 1 };

		cfg.flow = flow((uint16_t)(3000 + 17 * i), RX_PORT);
		cfg.flow.src_addr[14] = (uint8_t)i;
		want[i] = dml_netdev_steer(f->dev, &cfg.flow);
		hit |= 1u << want[i];
		assert_ok(dml_wire_connect(f->dev, &cfg, &wf[i]));
		assert_ok(dml_accept(listener, SOCK_NONBLOCK, &sk[i]));
	}
	/* the flows spread, so landing on one fixed queue would show */
	assert_true(__builtin_popcount(hit) >= 2);

	for (r = 0; r < RX_ROUNDS; r++) {
		for (i = 0; i < RX_FLOWS; i++) {
			/* units modulo 12: every round a different order of all flows */
			static const int step[RX_ROUNDS] = { 1, 5, 7, 11 };
			int k = (i * step[r] + r) % RX_FLOWS;
			struct dml_rxq_info before[FIXTURE_QUEUES], after;

			for (q = 0; q < FIXTURE_QUEUES; q++)
				assert_ok(dml_netdev_rxq_info(f->dev, (unsigned int)q, &before[q]));
			assert_int_equal(dml_wire_send(wf[k], payload, sizeof(payload)),
					 sizeof(payload));
			for (q = 0; q < FIXTURE_QUEUES; q++) {
				assert_ok(dml_netdev_rxq_info(f->dev, (unsigned int)q, &after));
				assert_int_equal(before[q].posted - after.posted,
						 (unsigned int)q == want[k]);
			}
		}
	}
	for (i = 0; i < RX_FLOWS; i++) {
		dml_wire_close(wf[i]);
		dml_close(sk[i]);
	}
	dml_close(listener);
}

/* The rule table is bounded and says so. */
static void test_ntuple_table_full(void **state)
{
	struct fixture *f = *state;
	struct dml_flow m = { 0 };
	int i;

	for (i = 0; i < 64; i++) {
		m.dst_port = (uint16_t)(i + 1);
		assert_int_equal(dml_netdev_add_ntuple(f->dev, &m, 1), i);
	}
	assert_errno(dml_netdev_add_ntuple(f->dev, &m, 1), -ENOSPC);
}

/* S-3.2: host-memory queues start full; info is bounded by the hardware. */
static void test_queue_info(void **state)
{
	struct fixture *f = *state;
	struct dml_rxq_info info;

	assert_ok(dml_netdev_rxq_info(f->dev, 0, &info));
	assert_true(info.active);
	assert_int_equal(info.posted, DML_DEFAULT_RX_RING_SIZE);
	assert_int_equal(info.stalls, 0);
	assert_int_equal(info.restarts, 1);
	assert_true(info.page_pool_id > 0);
	/* a full ring posts nothing more */
	assert_int_equal(dml_netdev_rxq_refill(f->dev, 0), 0);
	assert_errno(dml_netdev_rxq_info(f->dev, FIXTURE_QUEUES, &info), -ERANGE);
	assert_errno(dml_netdev_rxq_refill(f->dev, FIXTURE_QUEUES), -ERANGE);
}

/* Issue 15: a device may be given its ifindex; the counter steps over taken ones. */
static void test_create_ifindex(void **state)
{
	struct fixture *f = *state;
	struct dml_netdev_config cfg = {
		.name = "eth7", .max_rx_queues = 1, .rx_queues = 1, .ifindex = 7,
	};
	struct dml_netdev *dev, *auto1, *auto2;

	assert_int_equal(f->ifindex, 1);
	assert_ok(dml_netdev_create(f->host, &cfg, &dev));
	assert_int_equal(dml_netdev_ifindex(dev), 7);
	cfg.name = "eth8";
	assert_errno(dml_netdev_create(f->host, &cfg, &dev), -EEXIST);
	cfg.ifindex = 2;
	assert_ok(dml_netdev_create(f->host, &cfg, &dev));
	assert_int_equal(dml_netdev_ifindex(dev), 2);
	cfg.name = "eth9";
	cfg.ifindex = (uint32_t)INT32_MAX + 1;
	assert_errno(dml_netdev_create(f->host, &cfg, &dev), -EINVAL);
	assert_null(dml_netdev_by_name(f->host, "eth9"));

	/* zero: the next index not taken, 2 skipped, 7 later */
	cfg.ifindex = 0;
	assert_ok(dml_netdev_create(f->host, &cfg, &auto1));
	assert_int_equal(dml_netdev_ifindex(auto1), 3);
	cfg.name = "eth10";
	assert_ok(dml_netdev_create(f->host, &cfg, &auto2));
	assert_int_equal(dml_netdev_ifindex(auto2), 4);
}

/* Issue 15: alternative names find the device and share its namespace. */
static void test_altnames(void **state)
{
	struct fixture *f = *state;
	struct dml_netdev_config cfg = { .name = "eth1", .max_rx_queues = 1, .rx_queues = 1 };
	char name[DML_ALTIFNAMSIZ + 1];
	struct dml_netdev *dev;
	int i;

	assert_ok(dml_netdev_add_altname(f->dev, "enp1s0f0np0"));
	assert_ptr_equal(dml_netdev_by_name(f->host, "enp1s0f0np0"), f->dev);
	assert_ptr_equal(dml_netdev_by_name(f->host, "eth0"), f->dev);
	assert_null(dml_netdev_by_name(f->host, "enp1s0"));

	/* one namespace: names and altnames of every device */
	assert_errno(dml_netdev_add_altname(f->dev, "enp1s0f0np0"), -EEXIST);
	assert_errno(dml_netdev_add_altname(f->dev, "eth0"), -EEXIST);
	cfg.name = "enp1s0f0np0";
	assert_errno(dml_netdev_create(f->host, &cfg, &dev), -EEXIST);
	cfg.name = "eth1";
	assert_ok(dml_netdev_create(f->host, &cfg, &dev));
	assert_errno(dml_netdev_add_altname(dev, "enp1s0f0np0"), -EEXIST);
	assert_errno(dml_netdev_add_altname(f->dev, "eth1"), -EEXIST);

	/* the kernel's dev_valid_name() and ALTIFNAMSIZ */
	assert_errno(dml_netdev_add_altname(dev, ""), -EINVAL);
	assert_errno(dml_netdev_add_altname(dev, NULL), -EINVAL);
	assert_errno(dml_netdev_add_altname(dev, "."), -EINVAL);
	assert_errno(dml_netdev_add_altname(dev, ".."), -EINVAL);
	assert_errno(dml_netdev_add_altname(dev, "a/b"), -EINVAL);
	assert_errno(dml_netdev_add_altname(dev, "a:b"), -EINVAL);
	assert_errno(dml_netdev_add_altname(dev, "a b"), -EINVAL);
	memset(name, 'x', DML_ALTIFNAMSIZ);
	name[DML_ALTIFNAMSIZ] = '\0';
	assert_errno(dml_netdev_add_altname(dev, name), -EINVAL);
	name[DML_ALTIFNAMSIZ - 1] = '\0';
	assert_ok(dml_netdev_add_altname(dev, name));
	assert_ptr_equal(dml_netdev_by_name(f->host, name), dev);

	for (i = 1; i < DML_NETDEV_MAX_ALTNAMES; i++) {
		snprintf(name, sizeof(name), "alt%d", i);
		assert_ok(dml_netdev_add_altname(dev, name));
	}
	assert_errno(dml_netdev_add_altname(dev, "one-too-many"), -ENOSPC);
	assert_ptr_equal(dml_netdev_by_name(f->host, "alt7"), dev);
}

static void assert_channels(struct dml_netdev *dev, unsigned int rx, unsigned int tx,
			    unsigned int combined)
{
	struct dml_netdev_channels ch;
	struct dml_rxq_info info;
	unsigned int q;

	assert_ok(dml_netdev_get_channels(dev, &ch));
	assert_int_equal(ch.max_rx, FIXTURE_QUEUES);
	assert_int_equal(ch.max_tx, FIXTURE_QUEUES);
	assert_int_equal(ch.max_combined, FIXTURE_QUEUES);
	assert_int_equal(ch.rx, rx);
	assert_int_equal(ch.tx, tx);
	assert_int_equal(ch.combined, combined);
	/* RX queues in use = rx + combined */
	for (q = 0; q < FIXTURE_QUEUES; q++) {
		assert_ok(dml_netdev_rxq_info(dev, q, &info));
		assert_int_equal(info.active, q < rx + combined);
	}
}

/* Issue 15: ethtool -l / -L, checked as net/ethtool/channels.c does. */
static void test_channels_ethtool(void **state)
{
	struct fixture *f = *state;
	struct dml_flow m = { .dst_port = 5201 };
	int rule;

	assert_channels(f->dev, FIXTURE_QUEUES, 1, 0);
	assert_ok(dml_netdev_set_channels_ethtool(f->dev, 0, -1, 4));
	assert_channels(f->dev, 0, 1, 4);
	assert_ok(dml_netdev_set_channels_ethtool(f->dev, -1, 0, -1));
	assert_channels(f->dev, 0, 0, 4);
	assert_ok(dml_netdev_set_channels_ethtool(f->dev, 2, 3, 2));
	assert_channels(f->dev, 2, 3, 2);
	assert_ok(dml_netdev_set_channels_ethtool(f->dev, -1, -1, -1));
	assert_channels(f->dev, 2, 3, 2);

	/* each count within its maximum */
	assert_errno(dml_netdev_set_channels_ethtool(f->dev, FIXTURE_QUEUES + 1, -1, 0), -EINVAL);
	assert_errno(dml_netdev_set_channels_ethtool(f->dev, -1, FIXTURE_QUEUES + 1, -1), -EINVAL);
	assert_errno(dml_netdev_set_channels_ethtool(f->dev, 0, -1, FIXTURE_QUEUES + 1), -EINVAL);
	assert_errno(dml_netdev_set_channels_ethtool(f->dev, -2, -1, -1), -EINVAL);
	/* at least one RX and one TX channel */
	assert_errno(dml_netdev_set_channels_ethtool(f->dev, 0, -1, 0), -EINVAL);
	assert_errno(dml_netdev_set_channels_ethtool(f->dev, -1, 0, 0), -EINVAL);
	/* the hardware's queues: rx + combined and tx + combined */
	assert_errno(dml_netdev_set_channels_ethtool(f->dev, 5, -1, 4), -EINVAL);
	assert_errno(dml_netdev_set_channels_ethtool(f->dev, 0, 7, 2), -EINVAL);
	assert_channels(f->dev, 2, 3, 2);

	/* an ntuple rule and a user's RSS spread must keep their queues */
	rule = dml_netdev_add_ntuple(f->dev, &m, 3);
	assert_true(rule >= 0);
	assert_errno(dml_netdev_set_channels_ethtool(f->dev, 1, -1, -1), -EINVAL);
	assert_ok(dml_netdev_del_ntuple(f->dev, rule));
	assert_ok(dml_netdev_set_rss(f->dev, 0, 4));
	assert_errno(dml_netdev_set_channels_ethtool(f->dev, 1, -1, -1), -EINVAL);
	assert_ok(dml_netdev_set_channels_ethtool(f->dev, 0, -1, 4));
	assert_channels(f->dev, 0, 3, 4);

	/* the plain call keeps combined channels that fit */
	assert_ok(dml_netdev_set_rss(f->dev, 0, 1));
	assert_ok(dml_netdev_set_channels(f->dev, 6));
	assert_channels(f->dev, 2, 3, 4);
	assert_ok(dml_netdev_set_channels(f->dev, 3));
	assert_channels(f->dev, 0, 3, 3);
}

/* How many buffers the queue @fl steers to posts less after @len bytes of @wf. */
static unsigned int buffers_taken(struct fixture *f, struct dml_wire_flow *wf,
				  const struct dml_flow *fl, size_t len)
{
	static unsigned char payload[2048];
	struct dml_rxq_info before, after;
	unsigned int q = dml_netdev_steer(f->dev, fl);

	assert_ok(dml_netdev_rxq_info(f->dev, q, &before));
	assert_int_equal(dml_wire_send(wf, payload, len), len);
	assert_ok(dml_netdev_rxq_info(f->dev, q, &after));
	return before.posted - after.posted;
}

/*
 * S-4.1 with issue 15's device threshold: a flow asking for
 * DML_HDS_THRESH_DEVICE takes the device's threshold as it connects; a
 * payload at or under it stays in host memory (no RX buffer used), above it
 * goes to the queue's buffers.
 */
static void test_hds_thresh_device(void **state)
{
	struct fixture *f = *state;
	struct dml_wire_flow_config cfg = { .hds_thresh = DML_HDS_THRESH_DEVICE };
	struct dml_wire_flow *before, *after, *fixed;
	struct dml_sock *listener, *sk[3];
	int i;

	assert_int_equal(dml_netdev_hds_thresh(f->dev), 0);
	assert_errno(dml_netdev_set_hds_thresh(f->dev, DML_HDS_THRESH_MAX + 1), -EINVAL);
	assert_int_equal(dml_netdev_hds_thresh(f->dev), 0);
	assert_ok(dml_socket(f->host, SOCK_STREAM, &listener));
	assert_ok(dml_listen(listener, 7000));
	/* a queue each: a buffer part filled by one flow would take the next */
	for (i = 0; i < 3; i++) {
		struct dml_flow m = { .src_port = (uint16_t)(1000 + i) };

		assert_true(dml_netdev_add_ntuple(f->dev, &m, (unsigned int)i + 1) >= 0);
	}

	cfg.flow = flow(1000, 7000);
	assert_ok(dml_wire_connect(f->dev, &cfg, &before));
	assert_ok(dml_netdev_set_hds_thresh(f->dev, 512));
	assert_int_equal(dml_netdev_hds_thresh(f->dev), 512);
	cfg.flow = flow(1001, 7000);
	assert_ok(dml_wire_connect(f->dev, &cfg, &after));
	cfg.flow = flow(1002, 7000);
	cfg.hds_thresh = 0;
	assert_ok(dml_wire_connect(f->dev, &cfg, &fixed));
	for (i = 0; i < 3; i++)
		assert_ok(dml_accept(listener, SOCK_NONBLOCK, &sk[i]));

	/* connected after the change: 512 bytes stay, 513 do not */
	cfg.flow = flow(1001, 7000);
	assert_int_equal(buffers_taken(f, after, &cfg.flow, 300), 0);
	assert_int_equal(buffers_taken(f, after, &cfg.flow, 512), 0);
	assert_int_equal(buffers_taken(f, after, &cfg.flow, 513), 1);
	/* connected before it (threshold 0 then), or with its own: split */
	cfg.flow = flow(1000, 7000);
	assert_int_equal(buffers_taken(f, before, &cfg.flow, 300), 1);
	cfg.flow = flow(1002, 7000);
	assert_int_equal(buffers_taken(f, fixed, &cfg.flow, 300), 1);

	dml_wire_close(before);
	dml_wire_close(after);
	dml_wire_close(fixed);
	for (i = 0; i < 3; i++)
		dml_close(sk[i]);
	dml_close(listener);
}

/* Issue 15: ntuple off flushes the rules and refuses new ones. */
static void test_ntuple_feature(void **state)
{
	struct fixture *f = *state;
	struct dml_flow m = { .dst_port = 5201 }, fl = flow(1000, 5201);
	unsigned int rss_queue;

	assert_true(dml_netdev_ntuple(f->dev));
	assert_ok(dml_netdev_set_rss(f->dev, 0, 4));
	rss_queue = dml_netdev_steer(f->dev, &fl);
	assert_true(dml_netdev_add_ntuple(f->dev, &m, 6) >= 0);
	assert_int_equal(dml_netdev_steer(f->dev, &fl), 6);

	assert_ok(dml_netdev_set_ntuple(f->dev, false));
	assert_false(dml_netdev_ntuple(f->dev));
	assert_int_equal(dml_netdev_steer(f->dev, &fl), rss_queue);
	assert_errno(dml_netdev_add_ntuple(f->dev, &m, 6), -EOPNOTSUPP);
	assert_errno(dml_netdev_del_ntuple(f->dev, 0), -ENOENT);

	assert_ok(dml_netdev_set_ntuple(f->dev, true));
	assert_int_equal(dml_netdev_steer(f->dev, &fl), rss_queue);
	assert_int_equal(dml_netdev_add_ntuple(f->dev, &m, 6), 0);
	assert_int_equal(dml_netdev_steer(f->dev, &fl), 6);
}

/* Host configuration is validated. */
static void test_host_config(void **state)
{
	struct dml_host_config cfg = { .rx_ring_size = 0, .pp_ring_size = 16 };
	struct dml_host *host;

	(void)state;
	assert_errno(dml_host_create(&cfg, &host), -EINVAL);
	cfg.rx_ring_size = 16;
	assert_ok(dml_host_create(&cfg, &host));
	assert_int_equal(dml_host_autorelease_mode(host), -1);
	dml_host_destroy(host);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_rules),
		T(test_channels_respect_steering),
		T(test_steering),
		T(test_rss_reads_the_whole_tuple),
		T(test_rss_range),
		T(test_rx_follows_steering),
		T(test_ntuple_table_full),
		T(test_queue_info),
		T(test_create_ifindex),
		T(test_altnames),
		T(test_channels_ethtool),
		T(test_hds_thresh_device),
		T(test_ntuple_feature),
		cmocka_unit_test(test_host_config),
	};

	return RUN_TESTS(tests);
}
